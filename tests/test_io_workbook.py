"""Workbook sheets read straight from python-calamine, a column at a time (io/_workbook.py).

The route it replaced — ``pandas.read_excel(engine="calamine", header=None,
dtype=object)`` and each cell made text on its own — is still how a sheet is read when
python-calamine is missing (:func:`buurtgeo.io._tabular._rows_frame`); here it is the
reference: the same frame, the same :class:`TableInfo`, cell for cell, on every sheet of
the real workbooks and on hand-made ones holding every kind of value a cell can hold.
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from buurtgeo.errors import InputError
from buurtgeo.io import _tabular
from buurtgeo.io._workbook import NA_TEXTS, column_texts, excel_text

pytest.importorskip("python_calamine")


def _both(path: Path, sheet, columns_as_str: bool):
    fmt = "xls" if path.suffix.lower() == ".xls" else "xlsx"
    old = _tabular._rows_frame(path, sheet, "calamine", fmt, columns_as_str)
    new = _tabular._calamine_frame(path, sheet, fmt, columns_as_str)
    return old, new


def _assert_same(path: Path, sheet) -> pd.DataFrame:
    """The new frame equals the old on ``sheet`` (as text and with numbers inferred);
    returns the frame as text."""
    frames = []
    for columns_as_str in (True, False):
        (old, old_info), (new, new_info) = _both(path, sheet, columns_as_str)
        pd.testing.assert_frame_equal(new, old, check_exact=True)
        assert list(new.dtypes) == list(old.dtypes)
        assert new_info == old_info
        frames.append(new)
    return frames[0]


def _worksheets(path: Path) -> list[str]:
    from python_calamine import CalamineWorkbook, SheetTypeEnum

    book = CalamineWorkbook.from_path(str(path))
    return [s.name for s in book.sheets_metadata if s.typ == SheetTypeEnum.WorkSheet]


@pytest.mark.realdata
def test_every_sheet_of_the_real_workbooks_reads_as_through_pandas(real):
    books = sorted(real.rglob("*.xls*"))
    assert len(books) >= 5  # Statbel's population, IBSA's .xls, the Flemish wijken …
    for path in books:
        for sheet in _worksheets(path):
            frame = _assert_same(path, sheet)
            assert len(frame.columns) >= 1


@pytest.mark.realdata
def test_statbel_population_workbook_text(real):
    path = real / "statbel_population_sectors_2019" / "OPEN DATA_SECTOREN_2019.xlsx"
    frame, info = _tabular.read_table(path)
    assert info.rows == len(frame) == 20_382 and info.first_row == 2
    first = frame.iloc[0]
    assert first["CD_SECTOR"] == "11001A00-" and first["CD_REFNIS"] == "11001"
    assert first["POPULATION"] == "2509"  # a whole number, without '.0'
    assert first["DT_STOP_SECTOR"] == "9999-12-31T00:00:00"  # a date: midnight, ISO
    assert first["OPPERVLAKKTE IN HM²"] == "53.1579943729947"  # shortest repr


def _hand_made(path: Path) -> Path:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "S"
    rows = [
        [None] * 9,  # a blank first row: the header is on row 2
        ["id", "n", "f", "b", "d", "t", "td", "NA", "  naam  "],
        ["001", 1, 1.5, True, dt.date(2020, 1, 2), dt.time(12, 30), dt.timedelta(days=1), "x", 7],
        [
            "NA",
            1.0,
            1e15,
            1,
            dt.datetime(2020, 1, 2, 3, 4, 5),
            dt.time(0, 0, 1, 500),
            None,
            "n/a",
            -3,
        ],
        ["null", -0.0, 1e20, False, dt.datetime(9999, 12, 31), None, None, " NA ", 2**40],
        ["#N/A", 2**63, 0.1 + 0.2, 0, "2020", None, None, "None", -(2**63)],
        [None] * 9,  # a blank row inside: the next record is row 8
        ["  ", 1e-7, float(2**53 + 1), True, None, None, None, "nan", 12345678901234567890.0],
        ["é ", "=1+1", float("inf"), 1.0, None, None, None, "-NaN", -1e300],
        [None, None, None, None, None, None, None, None, "laatste"],
    ]
    for row in rows:
        sheet.append(row)
    sheet["K3"] = "a column with one value, far right"
    one = book.create_sheet("one")
    for value in ["h", "a", "", None, "  ", "b", "NA", "c"]:
        one.append([value])
    dup = book.create_sheet("dup")
    dup.append(["Naam", "x", "Naam", None, "NA"])
    dup.append(["a", 1, "b", None, 2])
    dup.append(["c", 2.5, "d", None, 3])
    book.create_sheet("empty")
    book.save(path)
    return path


def test_hand_made_workbook_reads_as_through_pandas(tmp_path):
    path = _hand_made(tmp_path / "hand.xlsx")
    frame = _assert_same(path, "S")
    assert frame.columns[:3].tolist() == ["id", "n", "f"]
    assert frame.columns[7] == "Unnamed: 7"  # 'NA' as a header is a blank name, as pandas
    assert frame["naam"].tolist()[:3] == ["7", "-3", "1099511627776"]
    assert frame["n"].tolist()[:4] == ["1", "1", "0", "9223372036854775808"]
    # openpyxl stores floats as Excel does, to 15 significant digits (0.1 + 0.2 as 0.3),
    # and an infinite float as an empty value
    assert frame["f"].tolist()[:5] == [
        "1.5",
        "1000000000000000",
        "100000000000000000000",
        "0.3",
        "9007199254740992",
    ]
    assert frame["f"].isna().tolist()[5:] == [True, True]
    assert frame["b"].tolist()[:6] == ["TRUE", "1", "FALSE", "0", "TRUE", "1"]
    assert frame["d"].tolist()[:4] == [
        "2020-01-02T00:00:00",
        "2020-01-02T03:04:05",
        "9999-12-31T00:00:00",
        "2020",
    ]
    assert frame["id"].iloc[0] == "001" and pd.isna(frame["id"].iloc[1])  # 'NA' is blank, as pandas
    assert frame["Unnamed: 7"].tolist()[2] == "NA"  # ' NA ' is not: kept, stripped
    info = _tabular._calamine_frame(path, "S", "xlsx", True)[1]
    assert info.first_row == 3 and info.row_numbers == (3, 4, 5, 6, 8, 9, 10)
    for sheet in ("one", "dup"):
        _assert_same(path, sheet)
    assert _tabular.read_table(path, sheet="dup")[1].duplicates == (("Naam", (1, 3)),)


def test_hand_made_errors_match(tmp_path):
    path = _hand_made(tmp_path / "hand.xlsx")
    for sheet in ("empty", "absent", 9):
        with pytest.raises(InputError) as old:
            _both(path, sheet, True)  # the old route raises first
        with pytest.raises(InputError) as new:
            _tabular._calamine_frame(path, sheet, "xlsx", True)
        assert str(new.value) == str(old.value)
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really a workbook")
    with pytest.raises(InputError, match="cannot open the workbook"):
        _tabular.read_table(broken)


def test_column_texts_equal_the_cell_by_cell_text():
    rng = np.random.default_rng(20)
    floats = np.concatenate(
        [
            rng.normal(0, 1e3, 300),
            rng.integers(-(10**6), 10**6, 300).astype(float),
            10.0 ** rng.integers(-12, 25, 200) * rng.choice([-1, 1], 200),
            rng.normal(0, 1, 100).round(2),
            [0.0, -0.0, 2.0**63, -(2.0**63), 2.0**64, 1e15, 1e16, 1e-5, 1e-4, 123456789.125],
            [math.inf, -math.inf, math.nan],
        ]
    ).tolist()
    words = ["", " ", "NA", " NA", "n/a", "x ", "001", "NULL", "null", "Nan", "nan", "é"]
    others = [
        True,
        False,
        0,
        1,
        2**70,
        -5,
        dt.date(1981, 3, 1),
        dt.datetime(2020, 1, 2, 3, 4, 5, 600),
        dt.time(1, 2, 3),
        dt.timedelta(hours=3),
    ]
    columns = [floats, words, others, floats + words + others]
    mixed = list(floats + words + others)
    rng.shuffle(mixed)
    columns += [mixed, [], [None, 1.5], [dt.timedelta(1)] * 3]
    for values in columns:
        expected = [excel_text(v) for v in values]
        got = column_texts(tuple(values))
        assert got.dtype == object and got.tolist() == expected


def test_na_texts_are_pandas_default_na_values():
    parsers = pytest.importorskip("pandas._libs.parsers")
    assert set(NA_TEXTS) == set(parsers.STR_NA_VALUES)
