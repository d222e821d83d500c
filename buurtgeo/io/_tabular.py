"""Read CSV/TXT and Excel tables as they are exported in Belgium, keeping every value as text.

Belgian open-data tables come as ``;``-separated CSV with decimal commas written by a
Dutch- or French-language Excel (cp1252), as UTF-8 with or without a byte-order mark
(OpenDataSoft portals), as ``|``- or tab-separated TXT (Statbel), or as xlsx/xls
workbooks. :func:`read_table` reads all of them the same way and keeps every value as
text, so that codes keep their leading zeros and dashes (``'01001'``, ``'11001A00-'``);
:func:`to_number` then turns the columns that hold numbers into floats, understanding
``'1.234,5'``, ``'12,5'`` and ``'1 234'``, and says which values were not numbers so a
loader can set those rows aside (:class:`buurtgeo.io._ledger.RowLedger`).

Shared by the loaders in :mod:`buurtgeo.io` (services, population, areas).
"""

from __future__ import annotations

import contextlib
import csv
import dataclasses
import io
import re
import tempfile
import warnings
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from os import PathLike
from pathlib import Path, PurePosixPath
from typing import Any

import numpy as np
import pandas as pd

from buurtgeo.errors import InputError, InputWarning
from buurtgeo.io._workbook import cell_text as _cell_text

__all__ = [
    "TableInfo",
    "check_duplicate_columns",
    "ledger_for",
    "row_of",
    "zip_table_member",
    "read_table",
    "to_number",
    "detect_encoding",
    "detect_delimiter",
    "TEXT_SUFFIXES",
    "EXCEL_SUFFIXES",
]

#: File name endings read as delimited text.
TEXT_SUFFIXES: tuple[str, ...] = (".csv", ".txt", ".tsv", ".tab", ".dat")
#: File name endings read as Excel workbooks (xlsx/xlsm via openpyxl, xls via xlrd).
EXCEL_SUFFIXES: tuple[str, ...] = (".xlsx", ".xlsm", ".xls")

_DELIMITERS = (";", ",", "|", "\t")
_SAMPLE_CHARS = 64 * 1024
_SAMPLE_LINES = 50


@dataclass(frozen=True)
class TableInfo:
    """How a table was read.

    Attributes
    ----------
    path : str
        The file.
    format : {'csv', 'xlsx', 'xls'}
        ``'csv'`` for every delimited text file.
    encoding : str or None
        ``'utf-8-sig'`` (UTF-8 with BOM), ``'utf-8'``, ``'utf-16'`` or ``'cp1252'``;
        None for workbooks.
    delimiter : str or None
        ``';'``, ``','``, ``'|'`` or ``'\\t'``; None for workbooks.
    rows : int
        Number of records (header excluded, blank lines skipped).
    sheet : str or None
        The sheet read from a workbook.
    first_row : int
        Row number people see for the first record (2: the header is row 1).
    row_numbers : tuple of int or None
        Row number of each record when blank lines were skipped (None when the records
        are simply ``first_row, first_row + 1, ...``).
    """

    path: str
    format: str
    encoding: str | None
    delimiter: str | None
    rows: int
    sheet: str | None = None
    first_row: int = 2
    row_numbers: tuple[int, ...] | None = None
    #: Column names that occur more than once: (name, its 1-based column positions); the
    #: frame names the later ones ``name.1``, ``name.2`` … (see :func:`check_duplicate_columns`).
    duplicates: tuple[tuple[str, tuple[int, ...]], ...] = ()

    def __getitem__(self, key: str) -> Any:  # info["encoding"] reads like info.encoding
        return getattr(self, key)


# --------------------------------------------------------------------------------------
# Encoding and delimiter
# --------------------------------------------------------------------------------------


def detect_encoding(data: bytes) -> str:
    """Return the encoding of a text file's bytes.

    UTF-8 with a BOM → ``'utf-8-sig'``; a UTF-16 BOM (Excel's "Unicode text") →
    ``'utf-16'``; bytes that decode as strict UTF-8 → ``'utf-8'``; anything else →
    ``'cp1252'`` (Windows Western European, what Belgian Excel writes), or
    ``'latin-1'`` when even cp1252 cannot decode a byte.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    try:
        data.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        data.decode("cp1252")
        return "cp1252"
    except UnicodeDecodeError:
        return "latin-1"


def _field_counts(lines: list[str], delimiter: str) -> list[int]:
    return [len(r) for r in csv.reader(lines, delimiter=delimiter) if r]


def detect_delimiter(sample: str) -> str:
    """Return the delimiter of a delimited text sample: ``;``, ``,``, ``|`` or tab.

    ``csv.Sniffer`` proposes one; a candidate is accepted when the header splits into
    more than one field and every complete sample line has as many fields as the
    header. Among accepted candidates the one giving the most header fields wins (a
    decimal comma never splits the header), the sniffed one on a tie. When none
    qualifies, the candidate occurring most often in the header line is used; a
    one-column file gets ``';'``-style reading with a delimiter absent from the text.
    """
    lines = sample.splitlines()
    # the last sample line may be cut off by the sample size
    lines = [ln for ln in lines[:_SAMPLE_LINES] if ln.strip()]
    if len(lines) > 1 and len(sample) >= _SAMPLE_CHARS:
        lines = lines[:-1]
    if not lines:
        return ";"
    try:
        sniffed = csv.Sniffer().sniff("\n".join(lines), delimiters="".join(_DELIMITERS)).delimiter
    except csv.Error:
        sniffed = None
    scored = []
    for delim in _DELIMITERS:
        try:
            counts = _field_counts(lines, delim)
        except csv.Error:
            continue
        if not counts or counts[0] < 2:
            continue
        consistent = all(c == counts[0] for c in counts[1:])
        if consistent:
            scored.append((counts[0], delim == sniffed, delim))
    if scored:
        return max(scored)[2]
    header = lines[0]
    in_header = {d: header.count(d) for d in _DELIMITERS}
    best = max(_DELIMITERS, key=lambda d: (in_header[d], d == sniffed))
    if in_header[best] > 0:
        return best
    absent = [d for d in _DELIMITERS if d not in sample]
    return absent[0] if absent else ";"


# --------------------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------------------


def _clean_header(names: list[Any]) -> list[str]:
    """Strip names, name blank ones ``Unnamed: i`` and number duplicates ``X.1`` (as pandas)."""
    out: list[str] = []
    used: set[str] = set()
    for i, name in enumerate(names):
        text = "" if name is None or (isinstance(name, float) and np.isnan(name)) else str(name)
        text = text.strip().lstrip("\ufeff").strip()
        if not text:
            text = f"Unnamed: {i}"
        base, k = text, 0
        while text in used:
            k += 1
            text = f"{base}.{k}"
        used.add(text)
        out.append(text)
    return out


def _duplicates(names: list[Any]) -> tuple[tuple[str, tuple[int, ...]], ...]:
    """Header names that occur more than once, with their 1-based positions."""
    seen: dict[str, list[int]] = {}
    for i, name in enumerate(names):
        text = "" if name is None or (isinstance(name, float) and np.isnan(name)) else str(name)
        text = text.strip().lstrip("\ufeff").strip()
        if text:
            seen.setdefault(text, []).append(i + 1)
    return tuple((name, tuple(at)) for name, at in seen.items() if len(at) > 1)


def _letters(position: int) -> str:
    """Spreadsheet column letters of a 1-based position (1 → A, 27 → AA)."""
    out = ""
    while position > 0:
        position, rest = divmod(position - 1, 26)
        out = chr(65 + rest) + out
    return out


def check_duplicate_columns(
    frame: pd.DataFrame,
    used: Any,
    *,
    explicit: Any = (),
    path: str | PathLike[str] | None = None,
) -> None:
    """Refuse a column used by its name when the file has several columns of that name.

    A file may repeat a header (``Naam;Naam;…``); :func:`read_table` keeps every column
    (the later ones as ``Naam.1``, ``Naam.2`` …) and lists them in ``info.duplicates``.
    Using ``Naam`` would then silently take the first: that is an error naming the
    columns and their positions, unless the columns hold the same values, or the
    configuration names the one to use by its numbered name (``Naam.1``; ``Naam.0`` is
    the first, see :func:`duplicate_aliases`).

    Parameters
    ----------
    frame : DataFrame
        From :func:`read_table` (``attrs["duplicates"]``: see ``TableInfo.duplicates``).
    used : iterable of str
        The columns the loader takes.
    explicit : iterable of str
        The column names the caller (configuration) gave.
    path : path-like, optional
        The file, for the message.
    """
    duplicates = frame.attrs.get("duplicates") or ()
    given = {str(c) for c in explicit}
    for name, positions in duplicates:
        numbered = [name] + [f"{name}.{k}" for k in range(1, len(positions))]
        for column in used:
            column = str(column)
            if column not in numbered:
                continue
            if column != name and column in given:
                continue  # named unambiguously: 'Naam.1'
            if f"{name}.0" in given and column == name:
                continue  # 'Naam.0': the first, named unambiguously
            present = [c for c in numbered if c in frame.columns]
            first = frame[present[0]]
            if all(first.equals(frame[c]) for c in present[1:]):
                continue  # the same values twice: nothing to choose
            where = ", ".join(f"{_letters(p)} ({p})" for p in positions)
            choices = "; ".join(
                f"{c!r} is column {_letters(p)}"
                for c, p in zip([f"{name}.0", *numbered[1:]], positions, strict=True)
            )
            raise InputError(
                f"{len(positions)} columns are named {name!r} (columns {where}) and they differ:"
                " which one to use is ambiguous",
                path=path,
                column=name,
                hint=f"Rename one of them in the file, or name the one to use in columns: {choices}",
            )


def duplicate_aliases(frame: pd.DataFrame) -> dict[str, str]:
    """``{'Naam.0': 'Naam'}`` for every repeated header of a :func:`read_table` frame: the
    first column of that name by a numbered name."""
    return {f"{name}.0": name for name, _ in frame.attrs.get("duplicates") or ()}


def _looks_like_data_row(names: list[str]) -> bool:
    """True when every header cell parses as a number (a file without a header row)."""
    values = pd.Series([n for n in names if not n.startswith("Unnamed: ")], dtype="object")
    if values.empty:
        return False
    numbers, invalid = _parse_numbers(values.astype(str))
    return bool(numbers.notna().all() and not invalid.any())


def _to_frame(header: list[str], records: list[list[str]], columns_as_str: bool) -> pd.DataFrame:
    data = {}
    for j, name in enumerate(header):
        # stripping while the cells are plain Python strings is ~20x faster than .str.strip
        cells = [r[j].strip() for r in records]
        data[name] = pd.Series([c if c else None for c in cells], dtype="str")
    frame = pd.DataFrame(data, index=pd.RangeIndex(len(records)))
    if not columns_as_str:
        frame = _infer_numbers(frame)
    return frame


def _infer_numbers(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for name in frame.columns:
        values, invalid = _parse_numbers(frame[name])
        if frame[name].notna().any() and not invalid.any():
            out[name] = values
    return out


def _read_text(path: Path, columns_as_str: bool) -> tuple[pd.DataFrame, TableInfo]:
    text, encoding = _decode_text(path)
    delimiter = detect_delimiter(text[:_SAMPLE_CHARS])
    records, numbers = _records(path, text, delimiter)
    header = _header(path, records, numbers, delimiter)
    duplicates = _duplicates(records[0][: len(header)])
    width = len(header)
    body = records[1:]
    body_numbers = numbers[1:]
    clean = _body(path, body, body_numbers, width, delimiter, text.endswith(("\n", "\r")))
    frame = _to_frame(header, clean, columns_as_str)
    first = body_numbers[0] if body_numbers else 2
    contiguous = body_numbers == list(range(first, first + len(body_numbers)))
    info = TableInfo(
        path=str(path),
        format="csv",
        encoding=encoding,
        delimiter=delimiter,
        rows=len(frame),
        first_row=first,
        row_numbers=None if contiguous else tuple(body_numbers),
        duplicates=duplicates,
    )
    return frame, info


def _decode_text(path: Path) -> tuple[str, str]:
    """The text of a CSV/TXT file and its encoding; empty and binary files are refused."""
    data = path.read_bytes()
    if not data.strip():
        raise InputError("the file is empty", path=path, expected="a header line and records")
    encoding = detect_encoding(data)
    text = data.decode(encoding, errors="strict")
    if encoding == "utf-16":
        text = text.lstrip("\ufeff")
    if not text.strip("\ufeff \t\r\n"):
        raise InputError("the file is empty", path=path, expected="a header line and records")
    if "\x00" in text[:_SAMPLE_CHARS]:
        raise InputError(
            "this is not a text table (it holds binary data)",
            path=path,
            expected="a CSV/TXT file",
            hint="A workbook renamed to .csv? Give it its real extension (.xlsx)",
        )
    return text, encoding


def _records(path: Path, text: str, delimiter: str) -> tuple[list[list[str]], list[int]]:
    """The non-blank records of the text, with their spreadsheet row numbers."""

    def parse(strict: bool) -> list[tuple[int, list[str]]]:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=strict)
        rows = []
        for fields in reader:
            rows.append((reader.line_num, fields))
        return rows

    try:
        parsed = parse(strict=True)
    except csv.Error as exc:
        if "unexpected end of data" in str(exc):
            raise InputError(
                "the last line is cut off: a quoted value is never closed (truncated file?)",
                path=path,
                expected="a complete file",
                hint="Download or export the file again",
            ) from None
        parsed = parse(strict=False)  # stray quotes inside values (e.g. 12" screen)

    # spreadsheet row numbers: count records, skipping blank lines
    records: list[list[str]] = []
    numbers: list[int] = []
    record_no = 0
    for _, fields in parsed:
        record_no += 1
        if not fields or all(not f.strip() for f in fields):
            continue
        records.append(fields)
        numbers.append(record_no)
    if not records:
        raise InputError("the file is empty", path=path, expected="a header line and records")
    return records, numbers


def _header(path: Path, records: list[list[str]], numbers: list[int], delimiter: str) -> list[str]:
    """The column names of the first record (a trailing delimiter dropped); a first record
    of values is refused."""
    header_fields = records[0]
    while len(header_fields) > 1 and not header_fields[-1].strip():
        # a trailing delimiter after the last column name
        if any(len(r) >= len(header_fields) and r[len(header_fields) - 1].strip() for r in records):
            break
        header_fields = header_fields[:-1]
    header = _clean_header(header_fields)
    if _looks_like_data_row(header):
        raise InputError(
            "the first line holds values, not column names (no header line)",
            path=path,
            row=numbers[0],
            expected="a header line with column names",
            found=delimiter.join(header_fields)[:80],
            hint="Add a header line naming the columns",
        )
    return header


def _body(
    path: Path,
    body: list[list[str]],
    body_numbers: list[int],
    width: int,
    delimiter: str,
    ends_with_newline: bool,
) -> list[list[str]]:
    """The records as rows of ``width`` fields; a cut-off last line or a line of another
    width is refused with its row number."""
    clean: list[list[str]] = []
    for k, (fields, row_no) in enumerate(zip(body, body_numbers, strict=True)):
        if len(fields) > width and not any(f.strip() for f in fields[width:]):
            fields = fields[:width]  # trailing empty fields (a delimiter at line end)
        if len(fields) == width:
            clean.append(fields)
            continue
        last = k == len(body) - 1
        if last and len(fields) < width and not ends_with_newline:
            raise InputError(
                "the last line is cut off (truncated file?)",
                path=path,
                row=row_no,
                expected=f"{width} fields separated by {delimiter!r}",
                found=f"{len(fields)} fields",
                hint="Download or export the file again",
            )
        raise InputError(
            "a line has a different number of fields than the header",
            path=path,
            row=row_no,
            expected=f"{width} fields separated by {delimiter!r}",
            found=f"{len(fields)} fields: {delimiter.join(fields)[:60]}",
            hint="Check quoting: a value containing the delimiter must be in double quotes",
        )
    return clean


def _excel_engine(suffix: str) -> str:
    """python-calamine when installed (several times faster), else openpyxl / xlrd."""
    import importlib.util

    if importlib.util.find_spec("python_calamine") is not None:
        return "calamine"
    return "xlrd" if suffix == ".xls" else "openpyxl"


def _pick_sheet(path: Path, names: list[str], sheet: str | int | None) -> str:
    if sheet is None:
        return names[0]
    if isinstance(sheet, int) and not isinstance(sheet, bool):
        if not 0 <= sheet < len(names):
            raise InputError(
                f"there is no sheet number {sheet}",
                path=path,
                expected=f"0..{len(names) - 1}",
                hint=f"Sheets: {names}",
            )
        return names[sheet]
    if str(sheet) not in names:
        raise InputError(f"there is no sheet {sheet!r}", path=path, expected=f"one of {names}")
    return str(sheet)


@contextlib.contextmanager
def _workbook_errors(path: Path, fmt: str) -> Iterator[None]:
    """A workbook that cannot be opened (corrupt, or not a workbook) raises an
    :class:`InputError` naming the file, in the library's words; ours pass through."""
    try:
        yield
    except InputError:
        raise
    except Exception as exc:
        raise InputError(
            f"cannot open the workbook ({type(exc).__name__}: {exc})",
            path=path,
            expected=f"an {fmt} workbook",
        ) from None


def _sheet_rows(path: Path, sheet: str | int | None, engine: str, fmt: str):
    """(sheet name, rows as tuples of cell values, sheet row 1 first)."""
    with _workbook_errors(path, fmt):
        if engine == "openpyxl":
            # straight from openpyxl's read-only reader: ~1.5x faster than through pandas
            import openpyxl

            book = openpyxl.load_workbook(path, read_only=True, data_only=True, keep_links=False)
            try:
                chosen = _pick_sheet(path, [str(n) for n in book.sheetnames], sheet)
                rows = list(book[chosen].iter_rows(values_only=True))
            finally:
                book.close()
            return chosen, rows
        with warnings.catch_warnings():
            # pandas 3 announces the end of its xlrd engine; xlrd still reads .xls here
            warnings.filterwarnings("ignore", message="The xlrd engine is deprecated")
            with pd.ExcelFile(path, engine=engine) as book:
                chosen = _pick_sheet(path, [str(n) for n in book.sheet_names], sheet)
                raw = pd.read_excel(book, sheet_name=chosen, header=None, dtype=object)
        raw = raw.astype(object).where(raw.notna(), None)
        return chosen, list(raw.itertuples(index=False, name=None))


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _read_excel(path: Path, sheet: str | int | None, columns_as_str: bool):
    suffix = path.suffix.lower()
    fmt = "xls" if suffix == ".xls" else "xlsx"
    engine = _excel_engine(suffix)
    if engine == "calamine":
        return _calamine_frame(path, sheet, fmt, columns_as_str)
    return _rows_frame(path, sheet, engine, fmt, columns_as_str)


def _calamine_frame(path: Path, sheet: str | int | None, fmt: str, columns_as_str: bool):
    """The sheet's frame from python-calamine's rows, made into text a column at a time
    (see :mod:`buurtgeo.io._workbook`; the same frame as :func:`_rows_frame` through
    pandas' calamine engine, several times faster)."""
    from buurtgeo.io._workbook import calamine_columns, column_texts, excel_value

    with _workbook_errors(path, fmt):
        chosen, columns = calamine_columns(path, lambda names: _pick_sheet(path, names, sheet))
    texts = [column_texts(column) for column in columns]
    filled_in = [t.astype(bool) for t in texts]  # a cell is blank when its text is ''
    used = [j for j, f in enumerate(filled_in) if f.any()]
    if not used:
        raise InputError(f"sheet {chosen!r} is empty", path=path, expected="a header row and rows")
    filled = np.flatnonzero(np.logical_or.reduce([filled_in[j] for j in used]))
    header_at = int(filled[0])
    header_raw = [excel_value(columns[j][header_at]) for j in used]
    body = filled[1:]
    cells = []
    for j in used:
        column = texts[j][body]
        column[column == ""] = None
        cells.append(column)
    rows = (body + 1).tolist()
    return _excel_result(
        path, chosen, fmt, used, header_raw, header_at + 1, rows, cells, columns_as_str
    )


def _rows_frame(path: Path, sheet: str | int | None, engine: str, fmt: str, columns_as_str: bool):
    """The sheet's frame from its rows of cell values, each cell made text on its own."""
    chosen, rows = _sheet_rows(path, sheet, engine, fmt)
    # drop empty rows (keeping the sheet's row numbers) and columns empty from top to bottom
    filled = [(i + 1, row) for i, row in enumerate(rows) if not all(_blank(v) for v in row)]
    if not filled:
        raise InputError(f"sheet {chosen!r} is empty", path=path, expected="a header row and rows")
    width = max(len(row) for _, row in filled)
    used = [j for j in range(width) if any(j < len(r) and not _blank(r[j]) for _, r in filled)]
    header_row, header_cells = filled[0]
    header_raw = [header_cells[j] if j < len(header_cells) else None for j in used]
    body = filled[1:]
    cells = []
    for j in used:
        # stripping while the cells are plain Python strings is ~20x faster than .str.strip
        texts = [_cell_text(r[j]).strip() if j < len(r) else "" for _, r in body]
        cells.append([t if t else None for t in texts])
    row_numbers = [number for number, _ in body]
    return _excel_result(
        path, chosen, fmt, used, header_raw, header_row, row_numbers, cells, columns_as_str
    )


def _excel_result(
    path: Path,
    chosen: str,
    fmt: str,
    used: list[int],
    header_raw: list[Any],
    header_row: int,
    row_numbers: list[int],
    cells: list[Any],
    columns_as_str: bool,
) -> tuple[pd.DataFrame, TableInfo]:
    """Frame and :class:`TableInfo` of a sheet: the used columns (0-based), their header
    cells (as read), the sheet row of the header and of each record, and per used column
    the records' stripped text (None when blank)."""
    header = _clean_header(header_raw)
    if _looks_like_data_row(header):
        raise InputError(
            "the first row holds values, not column names (no header row)",
            path=path,
            row=header_row,
            expected="a header row with column names",
            hint=f"sheet {chosen!r}",
        )
    data = {
        name: pd.Series(column, dtype="str") for name, column in zip(header, cells, strict=True)
    }
    frame = pd.DataFrame(data, index=pd.RangeIndex(len(row_numbers)))
    if not columns_as_str:
        frame = _infer_numbers(frame)
    first = row_numbers[0] if row_numbers else header_row + 1
    contiguous = row_numbers == list(range(first, first + len(row_numbers)))
    info = TableInfo(
        path=str(path),
        format=fmt,
        encoding=None,
        delimiter=None,
        rows=len(frame),
        sheet=chosen,
        first_row=first,
        row_numbers=None if contiguous else tuple(row_numbers),
        duplicates=tuple(
            (name, tuple(used[p - 1] + 1 for p in at)) for name, at in _duplicates(header_raw)
        ),
    )
    return frame, info


def read_table(
    path: str | PathLike[str], *, sheet: str | int | None = None, columns_as_str: bool = True
) -> tuple[pd.DataFrame, TableInfo]:
    """Read a CSV/TXT file or an Excel sheet as published, every value kept as text.

    Parameters
    ----------
    path : str or path-like
        A delimited text file (``.csv``, ``.txt``, ``.tsv``; any other ending is read as
        text too), a workbook (``.xlsx``/``.xlsm`` via openpyxl, ``.xls`` via xlrd), or a
        ``.zip`` holding exactly one of those (as Statbel ships ``OPENDATA_SECTOREN_2022.zip``;
        ``info.path`` is then ``'<zip>!<member>'``).
    sheet : str or int, optional
        Workbook sheet by name or 0-based number; default the first sheet.
    columns_as_str : bool, default True
        Keep every column as text (pandas ``str`` dtype; empty cells are NA). With False,
        columns whose every non-empty value is a number (see :func:`to_number`) become
        float64.

    Returns
    -------
    frame : DataFrame
        One row per record, in file order, on a ``RangeIndex``; column names stripped
        (duplicates numbered ``X.1``, blanks named ``Unnamed: i``); values stripped of
        surrounding blanks, empty → NA. Blank lines are skipped.
    info : TableInfo
        Encoding, delimiter, row count, sheet and the row number of each record as a
        spreadsheet shows it (header = row 1).

    Raises
    ------
    InputError
        The file does not exist, is empty, has no header line, a quoted value or the
        last line is cut off (truncated file), or a line has more/fewer fields than the
        header (the message names the file and the row).

    Notes
    -----
    Encoding: UTF-8 with BOM, UTF-16 with BOM, strict UTF-8, else cp1252 (see
    :func:`detect_encoding`). Delimiter: ``;``, ``,``, ``|`` or tab (see
    :func:`detect_delimiter`).
    """
    from buurtgeo.io._files import check_input

    path = Path(path)
    if not path.exists():
        raise InputError("file not found", path=path, hint="Check the path and the file name")
    if path.is_dir():
        raise InputError("this is a folder, not a file", path=path)
    check_input(path)
    if path.suffix.lower() in EXCEL_SUFFIXES:
        frame, info = _read_excel(path, sheet, columns_as_str)
        frame.attrs["format"] = info.format
        frame.attrs["duplicates"] = info.duplicates
        return frame, info
    if path.suffix.lower() == ".zip":
        return _read_zipped(path, sheet, columns_as_str)
    if path.suffix.lower() in (".ods", ".xlsb", ".numbers", ".gz"):
        raise InputError(
            f"{path.suffix} files cannot be read as a table here",
            path=path,
            expected="CSV/TXT, xlsx or xls",
            hint="Save the sheet as xlsx or CSV (or unzip the file first)",
        )
    frame, info = _read_text(path, columns_as_str)
    frame.attrs["duplicates"] = info.duplicates
    return frame, info


def zip_table_member(path: str | PathLike[str]) -> str | None:
    """The one table (csv/txt/tsv/xlsx/xls) inside a zip, or None when the zip holds none.

    Raises
    ------
    InputError
        The zip cannot be opened, a member path leaves its folder (``..``, absolute), or
        it holds several tables.
    """
    from buurtgeo.io._geo import is_unsafe_zip_member

    path = Path(path)
    try:
        with zipfile.ZipFile(path) as archive:
            names = [n for n in archive.namelist() if not n.endswith("/")]
    except (zipfile.BadZipFile, OSError) as exc:
        raise InputError("cannot open the zip file", path=path, found=str(exc)) from None
    unsafe = [n for n in names if is_unsafe_zip_member(n)]
    if unsafe:
        raise InputError(
            "the zip holds a member whose path leaves its folder; refusing to read it",
            path=path,
            found=unsafe[0],
        )
    tables = [
        n
        for n in names
        if n.lower().endswith(TEXT_SUFFIXES + EXCEL_SUFFIXES)
        and not PurePosixPath(n).name.startswith((".", "__MACOSX"))
        and "__MACOSX" not in n
    ]
    if len(tables) > 1:
        raise InputError(
            "the zip holds several tables",
            path=path,
            found=tables[:10],
            hint="Unzip it and pass the table you mean",
        )
    return tables[0] if tables else None


def _extract_capped(path: Path, member: str, target: Path) -> None:
    """Copy a zip member to ``target``, stopping at :data:`MAX_ZIP_MEMBER_BYTES` (a member
    may claim a small size and expand to far more)."""
    from buurtgeo.io._files import MAX_ZIP_MEMBER_BYTES

    written = 0
    with zipfile.ZipFile(path) as archive, archive.open(member) as src, target.open("wb") as out:
        while block := src.read(1 << 20):
            written += len(block)
            if written > MAX_ZIP_MEMBER_BYTES:
                raise InputError(
                    f"the zip member {member!r} expands to more than"
                    f" {MAX_ZIP_MEMBER_BYTES // 1024**3} GB; refusing to read it",
                    path=path,
                    expected="a data file",
                )
            out.write(block)


def _read_zipped(path: Path, sheet: str | int | None, columns_as_str: bool):
    member = zip_table_member(path)
    if member is None:
        raise InputError(
            "the zip holds no table (csv, txt, tsv, xlsx or xls)",
            path=path,
            hint="A zip of vector data is read by the vector loaders",
        )
    display = f"{path}!{member}"
    with tempfile.TemporaryDirectory(prefix="buurtgeo-") as folder:
        target = Path(folder) / PurePosixPath(member).name
        _extract_capped(path, member, target)
        try:
            frame, info = read_table(target, sheet=sheet, columns_as_str=columns_as_str)
        except InputError as exc:  # name the zip member, not the temporary copy
            raise InputError(
                exc.message,
                path=display,
                row=exc.row,
                column=exc.column,
                expected=exc.expected,
                found=exc.found,
                hint=exc.hint,
            ) from None
    return frame, dataclasses.replace(info, path=display)


# --------------------------------------------------------------------------------------
# Numbers
# --------------------------------------------------------------------------------------

_SPACES = re.compile(r"[\s\u00a0\u202f\u2009']")
_PLAIN = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
_COMMA_DECIMAL = re.compile(r"^[+-]?\d+,\d+$")
_DOT_GROUPS = re.compile(r"^[+-]?\d{1,3}(\.\d{3})+(,\d+)?$")
_COMMA_GROUPS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")
_MANY_DOT_GROUPS = re.compile(r"^[+-]?\d{1,3}(\.\d{3}){2,}$")


#: One separator followed by exactly three digits: '1.000' is 1 or 1000, '1,000' is 1 or
#: 1000 too, depending on which separator the file uses.
_AMBIGUOUS_DOT = re.compile(r"^[+-]?\d{1,3}\.\d{3}$")
_AMBIGUOUS_COMMA = re.compile(r"^[+-]?\d{1,3},\d{3}$")
#: Values that show which separator is the decimal one, whatever the rest of the column.
_SHOWS_COMMA = re.compile(
    r"^[+-]?(\d+,(\d{1,2}|\d{4,})|\d{1,3}(\.\d{3})+,\d+|\d{1,3}(\.\d{3}){2,})$"
)
_SHOWS_DOT = re.compile(
    r"^[+-]?(\d*\.(\d{1,2}|\d{4,})|\d{4,}\.\d+|\d{1,3}(,\d{3})+\.\d+|\d{1,3}(,\d{3}){2,})$"
)

_COMMA_MODE = re.compile(r"^[+-]?(\d{1,3}(\.\d{3})+|\d+)(,\d+)?$")
_LONE_DOT = re.compile(r"^[+-]?\d+\.(\d{1,2}|\d{4,})$")
_SPACE_CHARS = re.compile(r"[\s\u00a0\u202f\u2009'\u2212]")


def _fast_numbers(s: pd.Series) -> pd.Series:
    """``pd.to_numeric`` (C speed) on text; NaN where not a plain finite number."""
    values = pd.to_numeric(s.astype(object), errors="coerce").astype("float64")
    return values.where(np.isfinite(values))


def _decide_decimal(cands: pd.Series) -> str:
    """',' or '.' for a column, from the values that are not plain numbers."""
    has_comma = cands.str.contains(",", regex=False)
    if not has_comma.any():
        return "."
    c = cands[has_comma.to_numpy()]
    both = c.str.contains(".", regex=False).to_numpy()
    if both.any():
        if c[both].str.fullmatch(_COMMA_GROUPS).any():
            return "."  # English '1,234.5' somewhere
        if c[both].str.fullmatch(_DOT_GROUPS).any():
            return ","  # Belgian '1.234,5'
    only = c[~both]
    # 'digits,digits' that are not English thousands groups ('1,234'): look at a few first
    for part in (only.iloc[:1000], only.iloc[1000:]):
        if (
            len(part)
            and (part.str.fullmatch(_COMMA_DECIMAL) & ~part.str.fullmatch(_COMMA_GROUPS)).any()
        ):
            return ","
    return "."


def _parse_numbers(text: pd.Series, decimal: str | None = None) -> tuple[pd.Series, pd.Series]:
    """Vectorised core of :func:`to_number` (no error raising).

    Plain numbers go through ``pd.to_numeric`` in C; only the values it cannot read
    (decimal commas, thousands separators, text) pass through the regular expressions.
    """
    present = text.notna()
    s = text.astype("str").where(present, "")
    if s.str.contains(_SPACE_CHARS).any():
        s = s.str.replace(_SPACES, "", regex=True).str.replace("\u2212", "-", regex=False)
    present = (present & (s != "")).to_numpy(dtype=bool)
    values = _fast_numbers(s.where(present, ""))
    fast_ok = present & values.notna().to_numpy()
    rest = present & ~fast_ok
    auto = decimal is None
    if auto:
        decimal = _decide_decimal(s[rest]) if rest.any() else "."
    ok = fast_ok.copy()
    out = values.to_numpy(dtype="float64", copy=True)
    if decimal == ",":
        # a dot is a thousands separator here: '1.234' is 1234. Deciding by itself (auto), a
        # lone dot followed by other than 3 digits ('146132.91', as Excel writes a number
        # cell) cannot be a thousands separator and is read as a decimal point.
        dotted = fast_ok & s.str.contains(".", regex=False).to_numpy(dtype=bool)
        todo = rest | dotted
        t = s[todo]
        valid = t.str.fullmatch(_COMMA_MODE).to_numpy(dtype=bool)
        parsed = _fast_numbers(
            t.str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
        ).to_numpy()
        good = valid & np.isfinite(parsed)
        if auto:
            lone = ~valid & t.str.fullmatch(_LONE_DOT).to_numpy(dtype=bool)
            parsed = np.where(lone, values.to_numpy()[todo], parsed)
            good |= lone & np.isfinite(parsed)
        idx = np.flatnonzero(todo)
        out[idx] = np.where(good, parsed, np.nan)
        ok[idx] = good
    elif rest.any():
        t = s[rest]
        commas = t.str.fullmatch(_COMMA_GROUPS).to_numpy(dtype=bool)  # '1,234.5'
        dots = t.str.fullmatch(_MANY_DOT_GROUPS).to_numpy(dtype=bool)  # '1.234.567'
        cleaned = t.where(~commas, t.str.replace(",", "", regex=False))
        cleaned = cleaned.where(~dots, t.str.replace(".", "", regex=False))
        parsed = _fast_numbers(cleaned).to_numpy()
        good = (commas | dots) & np.isfinite(parsed)
        idx = np.flatnonzero(rest)
        out[idx] = np.where(good, parsed, np.nan)
        ok[idx] = good
    values = pd.Series(out, index=text.index, dtype="float64")
    invalid = pd.Series(present & ~ok, index=text.index, dtype=bool)
    return values, invalid


def _ambiguous(
    series: pd.Series,
    values: pd.Series,
    *,
    path: str | PathLike[str] | None,
    column: str | None,
    first_row: int,
) -> pd.Series:
    """Values that read two ways ('1.000': 1 or 1000) read the way the rest of the column
    shows, with a warning naming the column; an error when nothing in the column shows it."""
    text = series.astype("str").where(series.notna(), "").str.strip()
    dot = text.str.fullmatch(_AMBIGUOUS_DOT).fillna(False).to_numpy(dtype=bool)
    comma = text.str.fullmatch(_AMBIGUOUS_COMMA).fillna(False).to_numpy(dtype=bool)
    unclear = dot | comma
    if not unclear.any():
        return values
    if series.attrs.get("format") in ("xlsx", "xls"):
        return values  # workbook cells that were numbers: their text is Python's, unambiguous
    shows_comma = bool(text[~unclear].str.fullmatch(_SHOWS_COMMA).fillna(False).any())
    shows_dot = bool(text[~unclear].str.fullmatch(_SHOWS_DOT).fillna(False).any())
    pos = int(np.flatnonzero(unclear)[0])
    example = str(text.iloc[pos])
    name = column if column is not None else series.name
    where = f"column {name!r}" if name is not None else "a column"
    how = "Say which separator the file uses: decimal = ',' or '.' (in its [[inputs.services]]"
    how += " entry, or inputs.decimal for every table; bg.set_options(decimal=',') in Python)"
    if shows_comma == shows_dot:  # nothing (or both) in the column decides it
        raise InputError(
            f"{int(unclear.sum())} number(s) such as {example!r} can be read two ways"
            " (a decimal or a thousands separator) and nothing else in the column says which",
            path=path,
            row=first_row + pos,
            column=name,
            found=example,
            hint=how,
        )
    as_comma = shows_comma  # the decimal separator is ','; '.' groups thousands
    cleaned = text.str.replace(".", "" if as_comma else ".", regex=False)
    cleaned = cleaned.str.replace(",", "." if as_comma else "", regex=False)
    read = pd.to_numeric(cleaned.where(unclear, ""), errors="coerce")
    out = values.copy()
    out[unclear] = read[unclear].to_numpy()
    reading = format(float(read.iloc[pos]), "g")
    prefix = f"{path}: " if path is not None else ""
    warnings.warn(
        InputWarning(
            prefix + f"{where}: {int(unclear.sum())} number(s) such as {example!r} can be read two"
            f" ways; read as {reading}, since other values of the column use a decimal"
            f" {'comma' if as_comma else 'point'}. {how}",
            nl=prefix + f"{where.replace('column', 'kolom').replace('a kolom', 'een kolom')}:"
            f" {int(unclear.sum())} getal(len) zoals {example!r} zijn op twee manieren te lezen;"
            f" gelezen als {reading}, omdat andere waarden van de kolom een decimale"
            f" {'komma' if as_comma else 'punt'} gebruiken. Zeg welk scheidingsteken het"
            " bestand gebruikt: decimal = ',' of '.'",
        ),
        stacklevel=3,
    )
    return out


def to_number(
    series: pd.Series,
    *,
    path: str | PathLike[str] | None = None,
    column: str | None = None,
    first_row: int = 2,
    decimal: str | None = None,
    errors: str = "mask",
    ambiguous: str = "ignore",
) -> tuple[pd.Series, pd.Series]:
    """Parse numbers written the Belgian or the English way.

    ``'12,5'`` → 12.5, ``'1.234,5'`` → 1234.5, ``'1 234'`` → 1234.0 (spaces, no-break
    spaces and apostrophes are thousands separators), ``'1,234.5'`` → 1234.5,
    ``'12.5'`` → 12.5, ``'−3'`` (Unicode minus) → -3.0, ``'1e3'`` → 1000.0.

    The decimal mark is decided once for the whole column when ``decimal`` is None:
    a comma when some value reads ``digits,digits`` (and none reads ``1,234.5``), else
    a dot. In a decimal-comma column ``'1.234'`` is 1234 (a thousands group) while
    ``'12.5'`` and ``'146132.91'`` (Excel number cells among text cells) are decimals,
    since a thousands group has exactly 3 digits; with ``decimal=','`` given, they are
    flagged as not numbers. In a dot column ``'1,234'`` is 1234.

    Parameters
    ----------
    series : Series
        Text (or numbers) on any index; NA and blank values are missing (NaN), not errors.
    path, column : optional
        File and column name used in the error when ``errors='raise'``.
    first_row : int, default 2
        Spreadsheet row number of the series' first position (header = row 1).
    decimal : {',', '.'}, optional
        Force the decimal mark instead of deciding per column.
    errors : {'mask', 'raise'}, default 'mask'
        ``'mask'``: return the mask of values that are not numbers; ``'raise'``: raise
        :class:`~buurtgeo.errors.InputError` naming the first one (file, row, column).
    ambiguous : {'ignore', 'raise'}, default 'ignore'
        What to do, when the decimal mark is not given (``decimal`` and the ``decimal``
        option are None), with values that read two ways: one separator followed by
        exactly three digits (``'1.000'``, ``'1,000'``: 1 or 1000). ``'raise'``: read
        them the way the other values of the column show (a decimal comma such as
        ``'1,5'`` or a decimal point such as ``'12.5'``) and warn naming the column; when
        nothing else shows it, raise :class:`~buurtgeo.errors.InputError` (file, row,
        column). ``'ignore'``: the per-column decision above, silently (for quantities
        where a thousands separator cannot occur, such as degrees).

    Returns
    -------
    values : Series of float64
        On ``series.index``; NaN where missing or not a number.
    invalid : Series of bool
        On ``series.index``; True where a non-blank value is not a number (for
        :meth:`RowLedger.set_aside <buurtgeo.io._ledger.RowLedger.set_aside>`).
    """
    if decimal not in (None, ",", "."):
        raise InputError("decimal must be ',' or '.'", found=decimal)
    if errors not in ("mask", "raise"):
        raise InputError("errors must be 'mask' or 'raise'", found=errors)
    if ambiguous not in ("ignore", "raise"):
        raise InputError("ambiguous must be 'ignore' or 'raise'", found=ambiguous)
    if pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
        values = pd.to_numeric(series, errors="coerce").astype("float64")
        return values, pd.Series(False, index=series.index)
    if decimal is None:
        from buurtgeo.options import get_option

        decimal = get_option("decimal")
    values, invalid = _parse_numbers(series, decimal)
    if decimal is None and ambiguous == "raise":
        values = _ambiguous(series, values, path=path, column=column, first_row=first_row)
    if errors == "raise" and invalid.any():
        pos = int(np.flatnonzero(invalid.to_numpy())[0])
        raise InputError(
            "not a number",
            path=path,
            row=first_row + pos,
            column=column,
            expected="a number such as 12, 12,5 or 1.234,5",
            found=series.iloc[pos],
        )
    return values, invalid


def ledger_for(frame: pd.DataFrame, info: TableInfo):
    """A :class:`~buurtgeo.io._ledger.RowLedger` over ``frame`` whose row numbers are the
    spreadsheet rows of ``info`` (right even when blank lines were skipped)."""
    from buurtgeo.io._ledger import RowLedger

    ledger = RowLedger(frame, source=info.path, first_row=info.first_row)
    if info.row_numbers is not None:
        numbers = np.asarray(info.row_numbers, dtype="int64")
        ledger.row_number = lambda position: numbers[position]  # type: ignore[method-assign]
    return ledger


def row_of(info: TableInfo, position: int) -> int:
    """Spreadsheet row number of the record at 0-based ``position``."""
    if info.row_numbers is not None:
        return int(info.row_numbers[position])
    return info.first_row + int(position)
