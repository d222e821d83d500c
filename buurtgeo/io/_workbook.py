"""Workbook cells as text, a column at a time, straight from python-calamine.

:func:`buurtgeo.io._tabular.read_table` keeps every value of a sheet as text. It used to
read a sheet through ``pandas.read_excel(engine="calamine", header=None, dtype=object)``
and turn each cell into text in Python; on Statbel's national population workbook
(20,383 rows × 10 columns) that per-cell work took longer than reading the file. Here the
rows come from python-calamine itself and the text is made per column and per kind of
value (numbers with numpy, dates and words with C-level ``map``), giving the same text as
that route cell for cell (``tests/test_io_workbook.py`` compares them):

* a number that is whole is written as an integer (``2509``, not ``2509.0``), any
  other in Python's shortest ``repr`` (``0.3``, ``1e-07``, ``inf``);
* a date is written as midnight of that day in ISO form (``2020-01-02T00:00:00``), a
  date-time and a time in ISO form, ``TRUE``/``FALSE`` for a truth value;
* a word that pandas reads as missing by default (``''``, ``'NA'``, ``'n/a'``,
  ``'NULL'``, ``'#N/A'`` … :data:`NA_TEXTS`) is a blank cell, any other word is kept,
  stripped of surrounding blanks.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Sequence
from itertools import zip_longest
from pathlib import Path
from typing import Any

import numpy as np

#: The words ``pandas.read_excel`` reads as missing by default (its ``na_values``):
#: a cell holding exactly one of them is blank.
NA_TEXTS = frozenset(
    {
        "",
        "#N/A",
        "#N/A N/A",
        "#NA",
        "-1.#IND",
        "-1.#QNAN",
        "-NaN",
        "-nan",
        "1.#IND",
        "1.#QNAN",
        "<NA>",
        "N/A",
        "NA",
        "NULL",
        "NaN",
        "None",
        "n/a",
        "nan",
        "null",
    }
)

_LARGEST_INT64_FLOAT = 2.0**63  # whole floats below this in size go through int64


def cell_text(value: Any) -> str:
    """Text of a workbook cell: integers without '.0', floats in shortest repr, blanks ''.

    For a value as openpyxl or pandas hands it over (a whole float of 1e15 or more keeps
    its ``repr``; pandas' route has already made whole floats integers).
    """
    if value is None:
        return ""
    if isinstance(value, float):
        if np.isnan(value):
            return ""
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if isinstance(value, bool | np.bool_):
        return "TRUE" if value else "FALSE"
    if isinstance(value, datetime.date | datetime.time):  # also pd.Timestamp
        return value.isoformat()
    return str(value)


def excel_value(value: Any) -> Any:
    """A python-calamine cell as ``pandas.read_excel(..., dtype=object)`` hands it over.

    Whole floats become integers, dates midnight of that day, missing words and NaN
    None; anything else is kept.
    """
    if isinstance(value, float):
        if value.is_integer():
            return int(value)
        return None if value != value else value
    if isinstance(value, str):
        return None if value in NA_TEXTS else value
    if type(value) is datetime.date:
        return datetime.datetime(value.year, value.month, value.day)
    return value


def excel_text(value: Any) -> str:
    """Stripped text of one python-calamine cell ('' when blank): the per-cell definition."""
    return cell_text(excel_value(value)).strip()


def _words(values: list[Any]) -> list[str]:
    na = NA_TEXTS
    return ["" if v in na else v.strip() for v in values]


def _floats(values: list[Any]) -> list[str]:
    x = np.array(values, dtype=np.float64)
    out = np.empty(len(x), dtype=object)
    whole = np.isfinite(x) & (np.trunc(x) == x)
    small = whole & (np.abs(x) < _LARGEST_INT64_FLOAT)
    if small.any():
        out[small] = list(map(str, x[small].astype(np.int64).tolist()))
    large = whole & ~small
    if large.any():
        out[large] = [str(int(v)) for v in x[large].tolist()]
    rest = ~whole
    if rest.any():
        rest_text = list(map(repr, x[rest].tolist()))
        out[rest] = ["" if t == "nan" else t for t in rest_text]
    return out.tolist()


def _ints(values: list[Any]) -> list[str]:
    return list(map(str, values))


def _dates(values: list[Any]) -> list[str]:
    return [t + "T00:00:00" for t in map(datetime.date.isoformat, values)]


def _datetimes(values: list[Any]) -> list[str]:
    return list(map(datetime.datetime.isoformat, values))


def _times(values: list[Any]) -> list[str]:
    return list(map(datetime.time.isoformat, values))


def _bools(values: list[Any]) -> list[str]:
    return ["TRUE" if v else "FALSE" for v in values]


#: The text of every value of one exact type, a list at a time; a type not here goes
#: through :func:`excel_text` cell by cell.
_BY_KIND: dict[type, Callable[[list[Any]], list[str]]] = {
    str: _words,
    float: _floats,
    int: _ints,
    bool: _bools,
    datetime.date: _dates,
    datetime.datetime: _datetimes,
    datetime.time: _times,
}


def column_texts(values: Sequence[Any]) -> np.ndarray:
    """Stripped text of each cell of one column ('' when blank), as an object array.

    The same as ``[excel_text(v) for v in values]``, a kind of value at a time.
    """
    n = len(values)
    kinds = list(map(type, values))
    present = set(kinds)
    if len(present) <= 1:
        convert = _BY_KIND.get(kinds[0]) if n else _words
        texts = convert(list(values)) if convert else [excel_text(v) for v in values]
        return np.fromiter(texts, dtype=object, count=n)
    cells = np.fromiter(values, dtype=object, count=n)
    kind_ids = np.fromiter(map(id, kinds), dtype=np.int64, count=n)
    out = np.empty(n, dtype=object)
    for kind in present:
        at = np.flatnonzero(kind_ids == id(kind))
        chunk = cells[at].tolist()
        convert = _BY_KIND.get(kind)
        texts = convert(chunk) if convert else [excel_text(v) for v in chunk]
        out[at] = np.fromiter(texts, dtype=object, count=len(at))
    return out


def calamine_columns(
    path: Path, pick: Callable[[list[str]], str]
) -> tuple[str, list[tuple[Any, ...]]]:
    """(sheet name, columns of raw cell values from sheet row 1) of one worksheet.

    ``pick`` chooses the sheet among the worksheets' names (chart sheets left out, as
    pandas does). Rows shorter than the longest are padded with ``''`` (a blank cell).
    """
    from python_calamine import CalamineWorkbook, SheetTypeEnum

    book = CalamineWorkbook.from_path(str(path))
    try:
        names = [s.name for s in book.sheets_metadata if s.typ == SheetTypeEnum.WorkSheet]
        chosen = pick(names)
        rows = book.get_sheet_by_name(chosen).to_python(skip_empty_area=False)
    finally:
        book.close()
    return chosen, list(zip_longest(*rows, fillvalue=""))
