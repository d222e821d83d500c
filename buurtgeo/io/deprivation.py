"""Deprivation per statistical sector, from the tables as they are published.

:func:`read_deprivation` reads one figure per sector from a CSV or Excel table: the
Belgian Index of Multiple Deprivation (BIMD2011, ``CD_RES_SECTOR`` and
``BIMD2011_score``: higher = more deprived), Statbel's fiscal income per sector
(``cd_sector`` and ``revenu_median_decla``: lower = more deprived), IBSA's quartier
exports (``id``, ``value``), a city's own child-poverty shares. Which column holds the
figure is named by the caller; the sector codes are found by their usual names.

Every row read is used or set aside with its reason (missing or unknown sector code,
the *ZZZZ* rows of residents without a sector, an empty figure — Statbel leaves
confidential cells empty —, a figure that is no number, a repeated sector), so that
rows read = rows used + rows set aside.
"""

from __future__ import annotations

from os import PathLike
from pathlib import Path

import pandas as pd

from buurtgeo._checks import Checks
from buurtgeo.io._geo import set_aside_duplicates
from buurtgeo.io._tabular import ledger_for, read_table, to_number
from buurtgeo.io.sectors import SECTOR_COLUMN_ALIASES, normalize_sector_codes
from buurtgeo.schema import SECTOR_ID

__all__ = ["read_deprivation", "DEPRIVATION_ID_ALIASES"]

#: Column names that hold the sector code, in the order they are tried.
DEPRIVATION_ID_ALIASES: tuple[str, ...] = (
    *(a for a in SECTOR_COLUMN_ALIASES[SECTOR_ID] if a != "CSyyyy"),
    "CD_SECTOR",
    "SS",
    "id",
)

_CODE = r"[0-9]{5}[A-Z0-9]{3}[A-Z0-9-]"


def _id_column(columns: list[str], id_column: str | None, checks: Checks, path: Path) -> str | None:
    if id_column is not None:
        if id_column not in columns:
            checks.missing_column(id_column, str(path), columns)
            return None
        return id_column
    lower = {c.lower(): c for c in columns}
    for alias in DEPRIVATION_ID_ALIASES:
        if alias.lower() in lower:
            return lower[alias.lower()]
    checks.add(
        f"{path.name}: no column with sector codes (tried {', '.join(DEPRIVATION_ID_ALIASES)};"
        f" found {', '.join(columns[:20])}): name it with id_column"
    )
    return None


def read_deprivation(
    path: str | PathLike[str],
    *,
    column: str,
    id_column: str | None = None,
    sheet: str | int | None = None,
) -> pd.DataFrame:
    """One deprivation figure per statistical sector, as published.

    Parameters
    ----------
    path : path-like
        CSV/TXT (``;`` or ``,``, decimal comma or point, UTF-8/cp1252) or Excel
        (``.xlsx``, ``.xls``) table with one row per sector.
    column : str
        The column with the figure, e.g. ``'BIMD2011_score'`` or
        ``'revenu_median_decla'``.
    id_column : str, optional
        The column with the 9-character sector codes; default the first of
        :data:`DEPRIVATION_ID_ALIASES` present (``CD_RES_SECTOR``, ``cd_sector`` …).
    sheet : str or int, optional
        Workbook sheet; default the first.

    Returns
    -------
    DataFrame
        Index ``sector_id`` (upper-case codes as read, e.g. ``'21004A00-'``), column
        ``deprivation_value`` (float, in the file's own units: a score, euros, a share).
        ``attrs``: ``set_aside`` (rows not used, with row number and reason),
        ``rows_in``, ``source``, ``column`` (the figure's column).

    Raises
    ------
    InputError
        When the file cannot be read, or ``column`` / the sector codes are not found
        (:class:`~buurtgeo.errors.MissingColumnError` for one missing column).
    """
    path = Path(path)
    raw, info = read_table(path, sheet=sheet)
    checks = Checks("read_deprivation")
    columns = [str(c) for c in raw.columns]
    if column not in columns:
        checks.missing_column(column, str(path), columns)
    id_col = _id_column(columns, id_column, checks, path)
    checks.raise_if_any()
    assert id_col is not None  # the check step raised otherwise

    ledger = ledger_for(raw, info)
    codes = normalize_sector_codes(raw[id_col])
    ledger.set_aside(codes.isna().to_numpy(), "sector code is missing", column=id_col)
    unknown = codes.str.endswith("ZZZZ").fillna(False).to_numpy(dtype=bool)
    ledger.set_aside(
        unknown, "sector unknown (ZZZZ: residents not placed in a sector)", column=id_col
    )
    valid = codes.str.fullmatch(_CODE).fillna(False).to_numpy(dtype=bool)
    ledger.set_aside(~valid, "not a 9-character Statbel sector code", column=id_col)
    values, invalid = to_number(raw[column], path=path, column=column, first_row=info.first_row)
    ledger.set_aside(invalid.to_numpy(), "the figure is not a number", column=column)
    ledger.set_aside(
        values.isna().to_numpy(),
        "no figure (empty cell: not published or confidential)",
        column=column,
    )
    set_aside_duplicates(codes, ledger, column=id_col, what="sector id")
    kept = ledger.kept
    out = pd.DataFrame(
        {"deprivation_value": values[kept].to_numpy(dtype=float)},
        index=pd.Index(codes[kept].to_numpy(), name=SECTOR_ID, dtype="str"),
    )
    out = ledger.attach(out)
    out.attrs["column"] = column
    return out
