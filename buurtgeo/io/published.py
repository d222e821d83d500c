"""Childcare places as Opgroeien publishes them: per municipality, not per location.

Opgroeien (formerly Kind en Gezin) publishes two workbooks, whose name ends in a release
number that changes (``_<n>.xlsx``):

* ``b-p-aantal-plaatsen-en-locaties-naar-vergunningstype-en-inkomenstarief_<n>.xlsx``:
  ``Jaar``, ``Gewest``, ``Provincie``, ``Zorgregio``, ``Gemeente``, ``Vergunningstype``,
  ``IKT/Niet IKT``, ``Totaal plaatsen``, ``Plaatsen IKT``, ``Plaatsen vrije prijs``,
  ``Locaties`` (one row per year, municipality, licence type and tariff);
* ``aantal-plaatsen-per-100-kinderen_<n>.xlsx``: per year and municipality the places,
  the children (0, 1 and 2 years old) and the places per 100 children.

:func:`read_published_places` reads either into one canonical table. The header row is
found wherever it is (title rows above it are skipped); rows that are totals (a region,
province or *Totaal* instead of a municipality), empty or not numbers are set aside with
a reason. Municipality names are matched to NIS codes later, through the sectors file
(:func:`match_municipalities`); see there for the 2025 mergers.
"""

from __future__ import annotations

import re
import unicodedata
from os import PathLike
from pathlib import Path

import numpy as np
import pandas as pd

from buurtgeo.errors import InputError
from buurtgeo.io._ledger import RowLedger
from buurtgeo.io._tabular import to_number

__all__ = ["PUBLISHED_COLUMNS", "match_municipalities", "read_published_places"]

#: Canonical column → source columns (compared without case, accents or punctuation).
PUBLISHED_COLUMNS: dict[str, tuple[str, ...]] = {
    "year": ("Jaar",),
    "region": ("Gewest",),
    "province": ("Provincie",),
    "care_region": ("Zorgregio",),
    "municipality_name": ("Gemeente",),
    "licence_type": ("Vergunningstype",),
    "tariff": ("IKT/Niet IKT", "IKT / Niet IKT", "Inkomenstarief"),
    "places": ("Totaal plaatsen", "Aantal plaatsen", "Plaatsen", "Totaal aantal plaatsen"),
    "places_ikt": ("Plaatsen IKT",),
    "places_free_price": ("Plaatsen vrije prijs",),
    "locations": ("Locaties", "Aantal locaties"),
    "children_0_2": (
        "Aantal kinderen",
        "Kinderen 0-2 jaar",
        "Aantal kinderen 0-2 jaar",
        "Kinderen 0 tot 3 jaar",
        "Kinderen",
    ),
    "places_per_100": (
        "Plaatsen per 100 kinderen",
        "Aantal plaatsen per 100 kinderen",
        "Per 100 kinderen",
    ),
}
_NUMBERS = (
    "places",
    "places_ikt",
    "places_free_price",
    "locations",
    "children_0_2",
    "places_per_100",
)
_TOTAL_WORDS = ("totaal", "total", "vlaams gewest", "vlaanderen", "brussels", "gewest", "provincie")


def _norm(text: object) -> str:
    text = unicodedata.normalize("NFKD", str(text))
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()
    return re.sub(r"[^a-z0-9]+", " ", text).strip()


def _header_row(sheet: pd.DataFrame) -> int:
    for k in range(min(len(sheet), 30)):
        cells = {_norm(v) for v in sheet.iloc[k].tolist() if isinstance(v, str)}
        if "gemeente" in cells:
            return k
    raise InputError(
        "no header row with a 'Gemeente' column in the first 30 rows",
        expected="Opgroeien's places workbook (Jaar, Gemeente, Vergunningstype, Totaal"
        " plaatsen, … or Plaatsen per 100 kinderen)",
    )


def read_published_places(
    path: str | PathLike[str], *, sheet: str | int | None = None
) -> pd.DataFrame:
    """Read one of Opgroeien's municipal childcare-places workbooks (see the module).

    Parameters
    ----------
    path : str or path-like
        ``b-p-aantal-plaatsen-en-locaties-naar-vergunningstype-en-inkomenstarief_<n>.xlsx``
        or ``aantal-plaatsen-per-100-kinderen_<n>.xlsx`` (also ``.csv``).
    sheet : str or int, optional
        The sheet (default the first).

    Returns
    -------
    DataFrame
        One row per source row used, columns among :data:`PUBLISHED_COLUMNS` (``year``
        int, ``municipality_name`` str, ``licence_type``, ``tariff`` str, counts
        float64: ``places``, ``places_ikt``, ``places_free_price``, ``locations``,
        ``children_0_2`` — children 0, 1 and 2 years old —, ``places_per_100``).
        ``attrs``: ``kind`` (``'places_and_locations'`` or ``'places_per_100'``),
        ``set_aside`` (total rows, empty municipality, counts not numbers), ``rows_in``,
        ``source``, ``columns_used``.

    Raises
    ------
    InputError
        Unreadable file, no header row with ``Gemeente``, or no places column.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError("file not found", path=path)
    try:
        if path.suffix.lower() in (".xlsx", ".xlsm", ".xls"):
            engine = "xlrd" if path.suffix.lower() == ".xls" else "openpyxl"
            grid = pd.read_excel(
                path, sheet_name=sheet or 0, header=None, dtype=object, engine=engine
            )
        else:
            grid = pd.read_csv(
                path, sep=None, engine="python", header=None, dtype=object, encoding="utf-8-sig"
            )
    except (ValueError, OSError) as exc:
        raise InputError(f"cannot read the workbook: {exc}", path=path) from None
    try:
        head = _header_row(grid)
    except InputError as exc:
        raise InputError(exc.args[0], path=path, expected=exc.expected) from None
    names = [
        str(v).strip() if isinstance(v, str) else f"column {k + 1}"
        for k, v in enumerate(grid.iloc[head])
    ]
    raw = grid.iloc[head + 1 :].reset_index(drop=True)
    raw.columns = names
    raw = raw.dropna(how="all").reset_index(drop=True)
    ledger = RowLedger(raw, source=path, first_row=head + 2)
    by_norm = {_norm(c): c for c in reversed(names)}
    roles = {}
    for role, candidates in PUBLISHED_COLUMNS.items():
        for cand in candidates:
            if _norm(cand) in by_norm:
                roles[role] = by_norm[_norm(cand)]
                break
    if "places" not in roles and "places_per_100" not in roles:
        raise InputError(
            "no places column",
            path=path,
            expected="Totaal plaatsen or Plaatsen per 100 kinderen",
            found=names,
        )
    muni = raw[roles["municipality_name"]].map(lambda v: str(v).strip() if pd.notna(v) else None)
    ledger.set_aside(
        muni.isna().to_numpy(), "municipality is empty", column=roles["municipality_name"]
    )
    total = muni.map(lambda v: v is not None and _norm(v).split(" ")[0] in ("totaal", "total"))
    total |= muni.map(lambda v: v is not None and _norm(v) in _TOTAL_WORDS)
    ledger.set_aside(
        total.to_numpy(dtype=bool),
        "a total row, not a municipality",
        column=roles["municipality_name"],
    )
    out: dict[str, pd.Series] = {}
    for role in _NUMBERS:
        if role in roles:
            values, bad = to_number(raw[roles[role]].map(lambda v: None if pd.isna(v) else str(v)))
            ledger.set_aside(bad.to_numpy(), f"{role} is not a number", column=roles[role])
            out[role] = values
    kept = ledger.kept
    data: dict[str, object] = {
        "year": (
            pd.to_numeric(raw[roles["year"]], errors="coerce").to_numpy()[kept]
            if "year" in roles
            else np.nan
        ),
        "municipality_name": muni.to_numpy()[kept],
    }
    for r in ("region", "province", "care_region", "licence_type", "tariff"):
        if r in roles:
            data[r] = raw[roles[r]].astype("str").to_numpy()[kept]
    for r, v in out.items():
        data[r] = v.to_numpy(dtype="float64")[kept]
    table = pd.DataFrame(data)
    table["municipality_name"] = table["municipality_name"].astype("str")
    table = ledger.attach(table)
    table.attrs["kind"] = (
        "places_and_locations"
        if "locations" in roles or "licence_type" in roles
        else "places_per_100"
    )
    table.attrs["columns_used"] = roles
    return table


def match_municipalities(names: pd.Series, sectors: pd.DataFrame) -> tuple[pd.Series, list[str]]:
    """Municipality names → NIS codes, through the names in the sectors file.

    Names are compared without case, accents or punctuation against
    ``municipality_name_nl`` and ``municipality_name_fr`` of ``sectors`` (and, in
    Brussels, both languages: ``Elsene`` and ``Ixelles`` are 21009).

    **The 2025 mergers**: a workbook of 2025 or later names merged municipalities
    (``Merelbeke-Melle``, ``Nazareth-De Pinte``, ``Beveren-Kruibeke-Zwijndrecht`` …)
    that no sectors file of before 2025 has, and a sectors file of 2025 no longer has
    the names of the old ones. Such names get no NIS code (``<NA>``) and are returned as
    the second value; they are reported, not guessed: compare files of the same vintage.

    Returns
    -------
    codes : Series of str (NA where unknown), on ``names.index``
    unknown : list of the names not found
    """
    table: dict[str, str] = {}
    for column in ("municipality_name_nl", "municipality_name_fr"):
        if column in sectors.columns and "municipality_nis" in sectors.columns:
            pairs = sectors[[column, "municipality_nis"]].dropna().drop_duplicates()
            for name, nis in pairs.itertuples(index=False):
                table.setdefault(_norm(name), str(nis))
    codes = names.map(lambda v: table.get(_norm(v)) if isinstance(v, str) else None)
    unknown = sorted({str(n) for n in names[codes.isna().to_numpy()] if isinstance(n, str)})
    return codes.astype("str").where(codes.notna(), None), unknown
