"""Tests of the shared Belgian CSV/Excel reader (buurtgeo.io._tabular)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from buurtgeo.errors import InputError
from buurtgeo.io._tabular import (
    detect_delimiter,
    detect_encoding,
    ledger_for,
    read_table,
    to_number,
)


def write(tmp_path, name, text, encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


# ------------------------------------------------------------------ encoding / delimiter


def test_semicolon_decimal_comma_cp1252(tmp_path):
    text = "Naam;Gemeente;Capaciteit;NIS\r\nCrèche Zonneke;Brussel;12,5;01001\r\nDe Bengel;Gent;1.234,5;44021\r\n"
    path = write(tmp_path, "opvang.csv", text, "cp1252")
    frame, info = read_table(path)
    assert info.encoding == "cp1252"
    assert info.delimiter == ";"
    assert info.rows == 2 and info["rows"] == 2
    assert list(frame.columns) == ["Naam", "Gemeente", "Capaciteit", "NIS"]
    assert frame.loc[0, "Naam"] == "Crèche Zonneke"
    assert frame.loc[0, "NIS"] == "01001"  # leading zero kept
    values, invalid = to_number(frame["Capaciteit"])
    assert values.tolist() == [12.5, 1234.5]
    assert not invalid.any()


def test_utf8_bom(tmp_path):
    path = write(tmp_path, "bom.csv", "\ufeffNom;Code\nÉcole;11001A00-\n", "utf-8")
    frame, info = read_table(path)
    assert info.encoding == "utf-8-sig"
    assert list(frame.columns) == ["Nom", "Code"]  # no BOM glued to the first name
    assert frame.loc[0, "Code"] == "11001A00-"


def test_utf8_without_bom_and_utf16(tmp_path):
    path = write(tmp_path, "plain.csv", "Nom|Code\nÉcole|1\n")
    frame, info = read_table(path)
    assert (info.encoding, info.delimiter) == ("utf-8", "|")
    assert frame.loc[0, "Nom"] == "École"
    path16 = tmp_path / "excel_unicode.txt"
    path16.write_bytes("Naam\tPlaatsen\nÉén\t3\n".encode("utf-16"))
    frame, info = read_table(path16)
    assert (info.encoding, info.delimiter) == ("utf-16", "\t")
    assert frame.loc[0, "Naam"] == "Één"


def test_comma_dot_decimals(tmp_path):
    path = write(tmp_path, "en.csv", 'name,capacity,lat\n"Smith, J.",12.5,50.85\nB,"1,234",50.9\n')
    frame, info = read_table(path)
    assert info.delimiter == ","
    assert frame.loc[0, "name"] == "Smith, J."
    values, invalid = to_number(frame["capacity"])
    assert values.tolist() == [12.5, 1234.0]
    assert not invalid.any()


def test_delimiter_not_fooled_by_decimal_commas():
    # every line has exactly one comma, but the header splits on ';'
    assert detect_delimiter("a;b\n1,5;2\n3,5;4\n") == ";"
    assert detect_delimiter("a\tb c\n1 2\t3\n") == "\t"


def test_detect_encoding():
    assert detect_encoding(b"\xef\xbb\xbfa") == "utf-8-sig"
    assert detect_encoding("é".encode()) == "utf-8"
    assert detect_encoding("é".encode("cp1252")) == "cp1252"


def test_values_stripped_blank_is_na_and_blank_lines_skipped(tmp_path):
    path = write(tmp_path, "b.csv", "A;B\n x ;\n\n y ; 2 \n")
    frame, info = read_table(path)
    assert frame["A"].tolist() == ["x", "y"]
    assert pd.isna(frame.loc[0, "B"])
    # the blank line counts as a spreadsheet row: records are rows 2 and 4
    assert info.row_numbers == (2, 4)
    ledger = ledger_for(frame, info)
    ledger.set_aside(np.array([False, True]), "test")
    assert ledger.table()["row"].tolist() == [4]


def test_trailing_delimiter_and_duplicate_names(tmp_path):
    path = write(tmp_path, "t.csv", "X;X;Y;\n1;2;3;\n")
    frame, _ = read_table(path)
    assert list(frame.columns) == ["X", "X.1", "Y"]
    assert frame.iloc[0].tolist() == ["1", "2", "3"]


def test_columns_as_str_false(tmp_path):
    path = write(tmp_path, "n.csv", "code;cap\n01001;12,5\n02000;3\n")
    frame, _ = read_table(path, columns_as_str=False)
    assert frame["cap"].tolist() == [12.5, 3.0]
    assert frame["code"].dtype == np.float64  # the user's choice: codes become numbers


# ------------------------------------------------------------------ errors


def test_empty_file(tmp_path):
    path = write(tmp_path, "empty.csv", "")
    with pytest.raises(InputError, match="empty") as err:
        read_table(path)
    assert err.value.path == str(path)
    with pytest.raises(InputError, match="empty"):
        read_table(write(tmp_path, "blank.csv", "\n  \n"))


def test_no_header(tmp_path):
    with pytest.raises(InputError, match="no header") as err:
        read_table(write(tmp_path, "nohead.csv", "150000,5;170000,25\n150100;170100\n"))
    assert err.value.row == 1


def test_truncated_last_line(tmp_path):
    with pytest.raises(InputError, match="cut off") as err:
        read_table(write(tmp_path, "cut.csv", "a;b;c\n1;2;3\n4;5"))
    assert err.value.row == 3
    with pytest.raises(InputError, match="cut off"):
        read_table(write(tmp_path, "cutq.csv", 'a;b\n1;"open quote\n'))


def test_ragged_line_names_row(tmp_path):
    with pytest.raises(InputError, match="number of fields") as err:
        read_table(write(tmp_path, "rag.csv", "a;b;c\n1;2;3\n4;5;6;7\n8;9;10\n"))
    assert err.value.row == 3
    assert "rag.csv" in str(err.value)


def test_missing_file(tmp_path):
    with pytest.raises(InputError, match="not found"):
        read_table(tmp_path / "nope.csv")


# ------------------------------------------------------------------ Excel


def test_xlsx_keeps_text_and_numbers(tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "Blad1"
    ws.append(["Naam", "Capaciteit", "NIS"])
    ws.append(["Zonneke", 14, "01001"])
    ws.append(["Bengel", 12.5, "44021"])
    ws.append([None, None, None])
    ws.append(["Kabouter", None, "11002"])
    second = wb.create_sheet("Other")
    second.append(["k"])
    second.append(["v"])
    path = tmp_path / "opvang.xlsx"
    wb.save(path)
    frame, info = read_table(path)
    assert (info.format, info.sheet) == ("xlsx", "Blad1")
    assert frame["Capaciteit"].tolist()[:2] == ["14", "12.5"]
    assert pd.isna(frame.loc[2, "Capaciteit"])
    assert frame["NIS"].tolist() == ["01001", "44021", "11002"]
    assert info.row_numbers == (2, 3, 5)  # the empty row 4 is skipped but counted
    frame2, info2 = read_table(path, sheet="Other")
    assert frame2.iloc[0, 0] == "v" and info2.sheet == "Other"
    with pytest.raises(InputError, match="no sheet"):
        read_table(path, sheet="Missing")


def test_empty_xlsx(tmp_path):
    from openpyxl import Workbook

    path = tmp_path / "empty.xlsx"
    Workbook().save(path)
    with pytest.raises(InputError, match="empty"):
        read_table(path)


# ------------------------------------------------------------------ to_number


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (["12,5", "3"], [12.5, 3.0]),
        (["1.234,5", "2"], [1234.5, 2.0]),
        (["1 234", "5"], [1234.0, 5.0]),
        (["1\u00a0234,75"], [1234.75]),
        (["1.234.567"], [1234567.0]),
        (["12.5"], [12.5]),
        (["1,234.5"], [1234.5]),
        (["\u22123", "+4"], [-3.0, 4.0]),
        (["1e3"], [1000.0]),
    ],
)
def test_to_number_formats(text, expected):
    values, invalid = to_number(pd.Series(text, dtype="str"))
    assert values.tolist() == expected
    assert not invalid.any()


def test_to_number_mask_and_raise():
    series = pd.Series(["12", "twaalf", None, "", "-1"], index=[10, 11, 12, 13, 14], dtype="str")
    values, invalid = to_number(series)
    assert invalid.tolist() == [False, True, False, False, False]
    assert values.index.tolist() == [10, 11, 12, 13, 14]
    assert values.isna().tolist() == [False, True, True, True, False]
    with pytest.raises(InputError) as err:
        to_number(series, path="x.csv", column="Capaciteit", first_row=2, errors="raise")
    assert (err.value.path, err.value.row, err.value.column) == ("x.csv", 3, "Capaciteit")
    assert "twaalf" in str(err.value)


def test_to_number_lone_dot_in_comma_column():
    # '1.234' is a Belgian thousands group; '12.5' and '146132.91' cannot be (not 3 digits)
    series = pd.Series(["12,5", "12.5", "1.234", "146132.91"], dtype="str")
    values, invalid = to_number(series)
    assert values.tolist() == [12.5, 12.5, 1234.0, 146132.91]
    assert not invalid.any()
    # told that commas are decimal marks, a decimal dot is refused
    values, invalid = to_number(series, decimal=",")
    assert invalid.tolist() == [False, True, False, True]
    values, invalid = to_number(pd.Series(["12,5", "12.5"], dtype="str"), decimal=".")
    assert invalid.tolist() == [True, False]


@pytest.mark.realdata
def test_real_ods_export_sniffed(real):
    frame, info = read_table(
        real / "brussels_city_childcare_one" / "milieux_accueil_petite_enfance.csv"
    )
    assert (info.encoding, info.delimiter, info.rows) == ("utf-8-sig", ";", 92)
    assert frame.shape == (92, 26)
    assert frame.columns[0] == "Institution"


# ------------------------------------------------------------------ property: formatted → parsed


@settings(max_examples=40, deadline=None)
@given(st.lists(st.decimals(min_value=-(10**9), max_value=10**9, places=2), min_size=1, max_size=8))
def test_to_number_roundtrip_of_formatted_values(numbers):
    """Python's own formatting (',' thousands, '.' decimals) rewritten the Belgian way,
    the English way and with spaces must parse back to the same numbers."""
    english = [f"{n:,.2f}" for n in numbers]
    belgian = [t.replace(",", "_").replace(".", ",").replace("_", ".") for t in english]
    spaced = [t.replace(",", " ") for t in english]
    expected = [float(n) for n in numbers]
    for texts in (english, belgian, spaced):
        values, invalid = to_number(pd.Series(texts, dtype="str"))
        assert not invalid.any(), texts
        assert values.tolist() == pytest.approx(expected, abs=1e-9), texts


def test_binary_and_unsupported_files(tmp_path):
    from openpyxl import Workbook

    book = tmp_path / "book.xlsx"
    Workbook().save(book)
    disguised = tmp_path / "book.csv"
    disguised.write_bytes(book.read_bytes())
    with pytest.raises(InputError, match="binary"):
        read_table(disguised)
    ods = tmp_path / "sheet.ods"
    ods.write_bytes(b"PK\x03\x04")
    with pytest.raises(InputError, match="xlsx or CSV"):
        read_table(ods)


def test_zip_with_one_table(tmp_path):
    import zipfile

    path = tmp_path / "OPENDATA_SECTOREN_2022.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("OPENDATA_SECTOREN_2022.txt", "CD_SECTOR|TOTAL\n11001A00-|2477\n")
    frame, info = read_table(path)
    assert frame.iloc[0].tolist() == ["11001A00-", "2477"]
    assert info.path.endswith("OPENDATA_SECTOREN_2022.zip!OPENDATA_SECTOREN_2022.txt")
    assert info.delimiter == "|"
    cut = tmp_path / "cut.zip"
    with zipfile.ZipFile(cut, "w") as archive:
        archive.writestr("t.csv", "a;b;c\n1;2")
    with pytest.raises(InputError, match="cut off") as err:
        read_table(cut)
    assert err.value.path.endswith("cut.zip!t.csv")
    two = tmp_path / "two.zip"
    with zipfile.ZipFile(two, "w") as archive:
        archive.writestr("a.csv", "a\n1\n")
        archive.writestr("b.csv", "b\n2\n")
    with pytest.raises(InputError, match="several tables"):
        read_table(two)
    bad = tmp_path / "evil.zip"
    with zipfile.ZipFile(bad, "w") as archive:
        archive.writestr("../evil.csv", "a\n1\n")
    with pytest.raises(InputError, match="leaves its folder"):
        read_table(bad)


@pytest.mark.realdata
def test_real_legacy_xls(real):
    frame, info = read_table(real / "brussels_quartiers_ibsa" / "ACP_BXL_sectors.xls")
    assert (info.format, info.rows, info.sheet) == ("xls", 724, "Feuil1")
    assert frame.columns[0] == "SS"
    # sector codes stay 9-character text (with the trailing dash)
    assert frame["SS"].str.len().eq(9).all() and frame["SS"].iloc[0] == "21001A00-"
