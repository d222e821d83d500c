"""Population per statistical sector, as Statbel and others publish it, and children by age.

Three public functions:

* :func:`read_population` reads a population-per-sector table as published and returns
  the canonical population table (index ``sector_id``, ``population``, and the age
  bands of :data:`buurtgeo.schema.AGE_BANDS` when the source has them);
* :func:`read_age_bands` reads children per age band from a separate table (band
  columns, single-year ages, or an estimate from a share such as "% aged 0–15");
* :func:`join_population` joins both to the sectors and reports what does not match.

Layouts recognised by :func:`read_population` (column names case-insensitive):

==========================================  =====================  ======================
source                                      sector code            count
==========================================  =====================  ======================
Statbel ``OPEN DATA_SECTOREN_2019.xlsx``    ``CD_SECTOR``          ``POPULATION``
Statbel ``OPENDATA_SECTOREN_2020+`` (xlsx,  ``CD_SECTOR``          ``TOTAL``
``.txt`` ``|``-separated, UTF-8 with BOM)
BIMD 2011 ``population_2011`` (tsv)         ``CD_RES_SECTOR``      ``POPULATION``
healthiar ``sector_brussels.gpkg``          ``SECTOR``             ``POP``
IBSA/ULB ``ACP_BXL.xls``                    ``SS``                 ``POP_2018``
==========================================  =====================  ======================

The Statbel tables also carry ``CD_REFNIS``, ``DT_STRT_SECTOR``, ``DT_STOP_SECTOR``
(9999-12-31 while active), ``OPPERVLAKKTE IN HM²`` (2019, with the upstream typo) or
``OPPERVLAKTE IN HM²``, ``TX_DESCR_SECTOR_NL/FR`` and ``TX_DESCR_NL/FR``. Rows whose code
ends in ``ZZZZ`` hold residents whose sector is unknown; they and sectors no longer
active on the reference date are set aside with a reason (never dropped silently).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from os import PathLike
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from buurtgeo._attrs import hold
from buurtgeo._checks import Checks
from buurtgeo.errors import InputError, MissingColumnError
from buurtgeo.io._age_shares import is_municipal_ages, municipal_share_bands
from buurtgeo.io._geo import (
    VECTOR_SUFFIXES,
    read_vector,
    set_aside_duplicates,
    warn_user,
)
from buurtgeo.io._ledger import RowLedger
from buurtgeo.io._tabular import (
    check_duplicate_columns,
    duplicate_aliases,
    ledger_for,
    read_table,
    to_number,
    zip_table_member,
)
from buurtgeo.io.sectors import check_column_overrides, normalize_sector_codes
from buurtgeo.schema import AGE_BANDS, SECTOR_ID

__all__ = [
    "POPULATION_COLUMN_ALIASES",
    "read_population",
    "read_age_bands",
    "join_population",
]

_VECTOR_SUFFIXES = (*VECTOR_SUFFIXES, ".zip")

#: Source columns recognised for each role (case-insensitive, first match wins; ``yyyy``
#: is any year, the latest year present wins for ``POP_yyyy``).
POPULATION_COLUMN_ALIASES: Mapping[str, tuple[str, ...]] = {
    SECTOR_ID: (
        "CD_SECTOR",
        "CD_RES_SECTOR",
        "CD_REFNIS_SECTOR",
        "SECTOR",
        "SS",
        "nis9_code",
        "statsec",
        "sector_id",
        "Secteur statistique",
    ),
    "population": (
        "POPULATION",
        "TOTAL",
        "MS_POPULATION",
        "POP",
        "POP_yyyy",
        "TOTAAL",
        "inwoners",
        "bevolking",
        "population",
    ),
    "age": ("CD_AGE", "AGE", "age", "leeftijd", "âge", "AGE_YEARS"),
    "year": ("CD_YEAR", "YEAR", "jaar", "année"),
    "start": ("DT_STRT_SECTOR",),
    "stop": ("DT_STOP_SECTOR",),
}

_UNKNOWN_REASON = "unknown sector (code ends in ZZZZ: residents whose sector is not known)"


# --------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------


def _match(columns: list[str], aliases: tuple[str, ...]) -> str | None:
    lowered = {c.lower(): c for c in reversed(columns)}  # first occurrence wins
    for alias in aliases:
        if "yyyy" in alias:
            pattern = re.compile(
                "^" + re.escape(alias.lower()).replace("yyyy", r"((?:19|20)\d\d)") + "$"
            )
            hits = [(m.group(1), c) for c in columns if (m := pattern.match(c.lower()))]
            if hits:
                return max(hits)[1]
        elif alias.lower() in lowered:
            return lowered[alias.lower()]
    return None


def _roles(
    columns: list[str], overrides: Mapping[str, str] | None, path: str, roles: tuple[str, ...]
) -> dict[str, str]:
    known = [*POPULATION_COLUMN_ALIASES, *AGE_BANDS]
    found = check_column_overrides(overrides, known, columns, path)
    for role in roles:
        if role not in found:
            hit = _match(columns, POPULATION_COLUMN_ALIASES[role])
            if hit is not None:
                found[role] = hit
    return found


def _read_any(path: str | PathLike[str], sheet: str | int | None) -> tuple[pd.DataFrame, RowLedger]:
    """Read a table: CSV/TXT/Excel (via _tabular, also the one table inside a ``.zip``, as
    Statbel ships ``OPENDATA_SECTOREN_2022.zip``), or a vector file without its geometry."""
    p = Path(path)
    zipped_table = p.suffix.lower() == ".zip" and zip_table_member(p) is not None
    if p.suffix.lower() in _VECTOR_SUFFIXES and not zipped_table:
        gdf = read_vector(p)
        frame = pd.DataFrame(gdf.drop(columns=gdf.geometry.name))
        return frame, RowLedger(frame, source=str(p), first_row=1)
    frame, info = read_table(p, sheet=sheet)
    return frame, ledger_for(frame, info)


_GROUP = re.compile(
    r"^(?:children_|kinderen_|enfants_|age_|leeftijd_|pop_|bev_)?(\d{1,3})\s*"
    r"(?:[-_–]\s*(\d{1,3})|(\+|\s*en ouder|\s*et plus|\s*and over))"
    r"(?:\s*(?:jaar|j|ans|years|y))?$",
    re.IGNORECASE,
)


def _age_groups(columns: list[str]) -> list[tuple[str, int, int]]:
    """Columns that hold an age group: '0-2', '3-5 jaar', 'leeftijd_6_11', '95+' …"""
    groups = []
    for column in columns:
        match = _GROUP.match(column.strip())
        if match:
            lo = int(match.group(1))
            hi = int(match.group(2)) if match.group(2) else 150
            if lo <= hi:
                groups.append((column, lo, hi))
    return groups


def _band_values(
    raw: pd.DataFrame, ledger: RowLedger, names: list[str], roles: dict[str, str]
) -> tuple[dict[str, pd.Series], list[str], dict[str, str]]:
    """Children per band from band or age-group columns.

    A band is read directly from a column named after it (``children_0_2``) or after its
    ages (``0-2``); otherwise it is summed from the finest non-overlapping age-group
    columns that cover it, a group partly inside the band counting for the share of its
    years inside (``count × overlap_years / group_years``: an estimate, listed in the
    second return value).
    """
    exact: dict[str, str] = {b: roles[b] for b in AGE_BANDS if b in roles}
    lowered = {c.lower(): c for c in names}
    for band in AGE_BANDS:
        if band not in exact and band in lowered:
            exact[band] = lowered[band]
    groups = [g for g in _age_groups(names) if g[0] not in exact.values()]
    for band, (lo, hi) in AGE_BANDS.items():
        if band not in exact:
            same = [c for c, a, b in groups if (a, b) == (lo, hi)]
            if same:
                exact[band] = same[0]
    # the finest groups: those that contain no other group
    finest = [
        g
        for g in groups
        if not any(
            o is not g and g[1] <= o[1] and o[2] <= g[2] and (o[1], o[2]) != (g[1], g[2])
            for o in groups
        )
    ]
    finest = sorted({(a, b): (c, a, b) for c, a, b in finest}.values(), key=lambda g: g[1])
    if any(finest[i][2] >= finest[i + 1][1] for i in range(len(finest) - 1)):
        finest = []  # overlapping groups: do not guess
    values: dict[str, pd.Series] = {}
    used: dict[str, str] = {}
    estimated: list[str] = []
    parsed: dict[str, pd.Series] = {}

    def counts(column: str) -> pd.Series:
        if column not in parsed:
            parsed[column] = _counts(raw, ledger, column, column, whole=False)
        return parsed[column]

    for band, (lo, hi) in AGE_BANDS.items():
        if band in exact:
            values[band] = counts(exact[band])
            used[band] = exact[band]
            continue
        inside = [(c, a, b) for c, a, b in finest if a <= hi and b >= lo]
        covered = sum(min(b, hi) - max(a, lo) + 1 for _, a, b in inside)
        if not inside or covered != hi - lo + 1:
            continue
        total = pd.Series(0.0, index=raw.index)
        partial = False
        for c, a, b in inside:
            overlap = min(b, hi) - max(a, lo) + 1
            width = b - a + 1
            partial |= overlap < width
            total = total + counts(c) * (overlap / width)
        values[band] = total
        used[band] = " + ".join(c for c, _, _ in inside)
        if partial:
            estimated.append(band)
    return values, estimated, used


def _parse_dates(values: pd.Series) -> pd.Series:
    """Dates as yyyymmdd integers (works for 9999-12-31); NaN when not a date.

    Accepts ``2019-01-01``, ``2019-01-01 00:00:00``, ``01/01/2019``, ``01-01-2019``,
    ``20190101`` and Excel serial day numbers (``43466`` = 2019-01-01, ``2958465`` =
    9999-12-31: days since 1899-12-30).
    """
    # a column holds few distinct dates (Statbel's: two): parse each once
    codes, uniques = pd.factorize(values, use_na_sentinel=False)
    if len(uniques) < len(values):
        parsed = _parse_dates(pd.Series(np.asarray(uniques, dtype=object), dtype=values.dtype))
        return pd.Series(parsed.to_numpy()[codes], index=values.index)
    text = values.astype("str").str.strip()
    compact = text.str.fullmatch(r"(?:19|20|99)\d{6}").fillna(False).astype(bool)
    text = text.where(~compact, text.str[:4] + "-" + text.str[4:6] + "-" + text.str[6:8])
    serial = text.str.fullmatch(r"\d{1,7}(?:\.0+)?").fillna(False).astype(bool)
    if serial.any():
        days = pd.to_numeric(text[serial], errors="coerce").astype("int64").to_numpy()
        iso_days = (np.datetime64("1899-12-30", "D") + days.astype("timedelta64[D]")).astype(str)
        text = text.copy()
        text[serial] = iso_days
    iso = text.str.extract(r"^(\d{4})-(\d{1,2})-(\d{1,2})")
    eu = text.str.extract(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})")
    year = pd.to_numeric(iso[0].fillna(eu[2]), errors="coerce")
    month = pd.to_numeric(iso[1].fillna(eu[1]), errors="coerce")
    day = pd.to_numeric(iso[2].fillna(eu[0]), errors="coerce")
    return year * 10_000 + month * 100 + day


def _year_from_name(path: str) -> int | None:
    years = re.findall(r"(?<!\d)((?:19|20)\d\d)(?!\d)", Path(path).name)
    return int(years[-1]) if years else None


def _counts(
    raw: pd.DataFrame, ledger: RowLedger, column: str, what: str, *, whole: bool
) -> pd.Series:
    """Parse a count column; set aside missing, non-numeric, negative (and fractional)."""
    values, invalid = to_number(
        raw[column],
        path=ledger.source,
        column=column,
        first_row=ledger.first_row,
        ambiguous="ignore" if whole else "raise",  # whole counts: '2.345' is 2345, below
    )
    if whole and not pd.api.types.is_numeric_dtype(raw[column]):
        # a head count written '2.345' is two thousand three hundred and forty-five (the
        # Belgian thousands dot), not 2.345 persons
        text = raw[column].astype("str").str.strip()
        grouped = text.str.fullmatch(r"\d{1,3}(\.\d{3})+").fillna(False).astype(bool)
        values = values.where(~grouped, pd.to_numeric(text.str.replace(".", ""), errors="coerce"))
    ledger.set_aside(invalid.to_numpy(), f"{what} is not a number", column=column)
    ledger.set_aside(values.isna().to_numpy(), f"{what} is missing", column=column)
    ledger.set_aside((values < 0).fillna(False).to_numpy(), f"{what} is negative", column=column)
    if whole:
        frac = (values % 1 != 0) & values.notna()
        usable = (values.notna() & (values >= 0)).to_numpy(dtype=bool)
        if frac.any() and bool(frac.to_numpy()[usable].all()):
            first = int(np.flatnonzero(frac.to_numpy())[0])
            raise InputError(
                f"every {what} in the column is fractional (e.g. {raw[column].iloc[first]!r}):"
                " it does not hold numbers of residents",
                path=ledger.source,
                row=int(ledger.row_number(first)),
                column=column,
                expected="whole numbers of residents per sector",
                hint="Name the column with the head counts (columns = {population = ...});"
                " round estimates first",
            )
        ledger.set_aside(frac.to_numpy(), f"{what} is not a whole number", column=column)
    return values


def _codes(raw: pd.DataFrame, ledger: RowLedger, column: str) -> pd.Series:
    codes = normalize_sector_codes(raw[column])
    ledger.set_aside(codes.isna().to_numpy(), "sector code is missing", column=column)
    ledger.set_aside(
        codes.str.endswith("ZZZZ").fillna(False).to_numpy(dtype=bool),
        _UNKNOWN_REASON,
        column=column,
    )
    valid = codes.str.fullmatch(r"[0-9]{5}[A-Z0-9]{3}[A-Z0-9-]").fillna(False).astype(bool)
    ledger.set_aside(
        (~valid).to_numpy(),
        "not a 9-character Statbel sector code (NIS5 + 4 characters)",
        column=column,
    )
    return codes


def _duplicates(codes: pd.Series, ledger: RowLedger, column: str) -> None:
    set_aside_duplicates(codes, ledger, column=column, what="sector id")


def _select_year(raw: pd.DataFrame, column: str, year: int, path: str) -> pd.DataFrame:
    years = pd.to_numeric(raw[column], errors="coerce")
    mask = (years == year).to_numpy()
    if not mask.any():
        raise InputError(
            f"no rows for year {year}",
            path=path,
            column=column,
            expected=f"one of {sorted(int(y) for y in years.dropna().unique())[:20]}",
        )
    return raw.loc[mask]


def _sum_into_bands(ages: pd.Series, counts: pd.Series, codes: pd.Series) -> pd.DataFrame:
    """Sum single-year counts per sector into AGE_BANDS: band = Σ count for lo <= age <= hi."""
    frame = pd.DataFrame({"code": codes.to_numpy(), "age": ages.to_numpy(), "n": counts.to_numpy()})
    out = {}
    for band, (lo, hi) in AGE_BANDS.items():
        inside = frame["age"].between(lo, hi)
        out[band] = frame["n"].where(inside, 0.0).groupby(frame["code"]).sum()
    table = pd.DataFrame(out).astype("float64")
    table.index.name = SECTOR_ID
    return table


def _parse_ages(raw: pd.DataFrame, ledger: RowLedger, column: str) -> pd.Series:
    """Ages as numbers: '7' → 7, '95+' → 95, '100 en ouder' → 100; others set aside."""
    text = raw[column].astype("str").str.strip()
    lead = text.str.extract(r"^(\d{1,3})\s*(?:\+|jaar|ans|years|en ouder|et plus)?", expand=False)
    ages = pd.to_numeric(lead, errors="coerce")
    ledger.set_aside(ages.isna().to_numpy(), "age is not a number of years", column=column)
    return ages


def _long_result(
    ledger: RowLedger, codes: pd.Series, ages: pd.Series, counts: pd.Series, with_total: bool
) -> pd.DataFrame:
    """Aggregate a long table (one row per sector and age, maybe per sex …)."""
    kept = ledger.kept
    bands = _sum_into_bands(ages[kept], counts[kept], codes[kept])
    if with_total:
        total = counts[kept].groupby(codes[kept].to_numpy()).sum()
        bands.insert(0, "population", total.reindex(bands.index).round().astype("int64"))
    return _attach_long(ledger, bands)


def _attach_long(ledger: RowLedger, out: pd.DataFrame) -> pd.DataFrame:
    """The books of a long table (rows are not result rows): rows used + set aside = in."""
    out.attrs["set_aside"] = ledger.table()
    out.attrs["rows_in"] = ledger.rows_in
    out.attrs["rows_used"] = int(ledger.kept.sum())
    out.attrs["source"] = ledger.source
    return out


# --------------------------------------------------------------------------------------
# read_population
# --------------------------------------------------------------------------------------


def read_population(
    path: str | PathLike[str],
    *,
    sheet: str | int | None = None,
    year: int | None = None,
    columns: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Read a population-per-sector table as published (see the module docstring).

    Parameters
    ----------
    path : str or path-like
        ``.xlsx``/``.xls`` workbook, ``.txt``/``.csv``/``.tsv`` text (delimiter ``|``,
        ``;``, ``,`` or tab; UTF-8 with or without BOM, or cp1252 — detected), or a
        vector file (GeoPackage …) whose geometry is ignored.
    sheet : str or int, optional
        Workbook sheet; default the first.
    year : int, optional
        Reference year. Rows whose ``DT_STOP_SECTOR`` is before 1 January of ``year`` are
        set aside (sector no longer active); in a table with a year column (``CD_YEAR``)
        only that year's rows are read (``rows_in`` counts those). Default: the latest
        year of the year column (with a warning when there are several), else the last
        4-digit year in the file name (``OPEN DATA_SECTOREN_2019.xlsx`` → 2019); without
        either, no date check is made (with a warning).
    columns : mapping, optional
        ``{role: source_column}`` for layouts not recognised; roles are
        ``'sector_id'``, ``'population'``, ``'age'`` (single-year ages, one row per
        sector and age), ``'year'``, ``'start'``, ``'stop'`` and the age-band names.

    Returns
    -------
    DataFrame
        Index ``sector_id`` (9-character str, as published); ``population`` (int64,
        residents on the reference date); plus ``children_0_2``, ``children_3_5``,
        ``children_6_11``, ``children_0_17`` (float64, residents of those ages) when the
        source has them: band columns (``children_0_2`` or ``0-2``), age-group columns
        that cover a band (``0-4``, ``5-9`` …: see :func:`read_age_bands`; bands built from
        groups only partly inside them are estimates, listed in ``attrs["estimated"]``),
        or single-year ages (one row per sector and age: then ``band = Σ count over
        lo <= age <= hi`` and ``population = Σ count``).

        ``attrs``: ``set_aside`` (rows not used, each with file row, column and reason:
        unknown sector ``…ZZZZ``, sector no longer active, count missing / not a number /
        negative / not whole, bad or duplicate code), ``rows_in``, ``source``,
        ``reference_date`` (``'2019-01-01'`` or None), ``columns`` (role → source
        column). For a wide table ``len(result) + len(set_aside) == rows_in``; for a long
        table (one row per sector and age) ``rows_used + len(set_aside) == rows_in``.

    Raises
    ------
    InputError
        Missing/unreadable file; :class:`MissingColumnError` (listing the columns found)
        when no sector-code or count column is recognised.
    """
    path_text = str(path)
    raw, ledger = _read_any(path, sheet)
    names = [str(c) for c in raw.columns]
    aliases = duplicate_aliases(raw)
    roles = _roles(
        names,
        {k: aliases.get(v, v) for k, v in columns.items()} if columns else columns,
        path_text,
        tuple(POPULATION_COLUMN_ALIASES),
    )
    check_duplicate_columns(raw, roles.values(), explicit=(columns or {}).values(), path=path_text)
    for role, example in ((SECTOR_ID, "CD_SECTOR"), ("population", "POPULATION or TOTAL")):
        if role not in roles:
            raise MissingColumnError(
                example,
                path=path_text,
                found_columns=names,
                role="sector code" if role == SECTOR_ID else "population count",
                hint=f"Pass columns={{'{role}': '<column>'}}",
            )
    if "year" in roles and year is None:
        years = pd.to_numeric(raw[roles["year"]], errors="coerce").dropna().unique()
        if len(years):
            year = int(max(years))
            if len(years) > 1:
                warn_user(
                    f"{path_text}: the table holds {len(years)} years; reading {year}"
                    " (pass year=… for another)",
                    nl=f"{path_text}: de tabel bevat {len(years)} jaren; {year} gelezen"
                    " (year=… voor een ander)",
                )
    ref_year = year if year is not None else _year_from_name(path_text)
    if "year" in roles and year is not None:
        raw = _select_year(raw, roles["year"], year, path_text)
        ledger = _subset_ledger(ledger, raw)

    codes = _codes(raw, ledger, roles[SECTOR_ID])
    reference = None
    if "stop" in roles:
        if ref_year is None:
            warn_user(
                f"{path_text}: cannot tell the reference date (no year in the file name);"
                " sectors that stopped are not checked. Pass year=…",
                nl=f"{path_text}: de referentiedatum is onbekend (geen jaar in de"
                " bestandsnaam); opgeheven sectoren niet nagekeken. Geef year=…",
            )
        else:
            reference = f"{ref_year:04d}-01-01"
            stop = _parse_dates(raw[roles["stop"]])
            ended = (stop < ref_year * 10_000 + 101).fillna(False).to_numpy(dtype=bool)
            reasons = (
                "sector no longer active on "
                + reference
                + " (DT_STOP_SECTOR "
                + raw[roles["stop"]].astype("str").str[:10]
                + ")"
            )
            ledger.set_aside(ended, reasons.to_numpy(dtype=object), column=roles["stop"])

    if "age" in roles:
        ages = _parse_ages(raw, ledger, roles["age"])
        counts = _counts(raw, ledger, roles["population"], "population", whole=True)
        out = _long_result(ledger, codes, ages, counts, with_total=True)
    else:
        counts = _counts(raw, ledger, roles["population"], "population", whole=True)
        band_values, estimated, used = _band_values(raw, ledger, names, roles)
        _duplicates(codes, ledger, roles[SECTOR_ID])
        kept = ledger.kept
        data = {"population": counts[kept].round().astype("int64")}
        for band in AGE_BANDS:
            if band in band_values:
                data[band] = band_values[band][kept].astype("float64")
                roles[band] = used[band]
        out = pd.DataFrame(data)
        out.index = pd.Index(codes[kept].to_numpy(), name=SECTOR_ID, dtype="str")
        out = ledger.attach(out)
        out.attrs["estimated"] = estimated
        out.attrs["estimate_methods"] = {b: _group_method(used[b]) for b in estimated}
    out.attrs["reference_date"] = reference
    out.attrs["columns"] = roles
    return out


def _subset_ledger(ledger: RowLedger, raw: pd.DataFrame) -> RowLedger:
    """A ledger over a row subset that keeps the file's row numbers."""
    numbers = np.asarray(ledger.row_number(np.arange(ledger.rows_in)), dtype="int64")
    positions = ledger.raw.index.get_indexer(raw.index)
    sub = RowLedger(raw, source=ledger.source, first_row=ledger.first_row)
    sub_numbers = numbers[positions]
    sub.row_number = lambda position: sub_numbers[position]  # type: ignore[method-assign]
    return sub


# --------------------------------------------------------------------------------------
# read_age_bands
# --------------------------------------------------------------------------------------


def read_age_bands(
    path: str | PathLike[str],
    *,
    sheet: str | int | None = None,
    columns: Mapping[str, str] | None = None,
    share_column: str | None = None,
    total_column: str | None = None,
    share_ages: tuple[int, int] = (0, 15),
    missing_values: tuple[float, ...] = (-999.0,),
    population: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Read children per age band from a table separate from the population file.

    Four layouts are accepted (column names case-insensitive):

    1. **band or age-group columns**, one row per sector: a sector-code column
       (``CD_SECTOR``, ``SS``, ``sector_id`` …) and any of ``children_0_2``,
       ``children_3_5``, ``children_6_11``, ``children_0_17`` — or the same bands written
       ``0-2``, ``3-5 jaar``, ``6_11``, ``0–17 ans`` — or other age groups (``0-4``,
       ``5-9``, ``10-14``, ``15-19``, ``95+``). A band without its own column is summed
       from the finest non-overlapping groups that cover it; a group only partly inside
       the band counts for the share of its years inside::

           band = Σ_groups count_g × |ages_g ∩ band| / |ages_g|

       (exact when the groups align with the band, an estimate — listed in
       ``attrs["estimated"]`` — when they do not, e.g. ``children_0_2 = 3/5 × [0-4]``);
    2. **single-year ages**, one row per sector and age (and maybe sex, nationality …):
       a sector-code column, an age column (``CD_AGE``, ``AGE``, ``age``, ``leeftijd``;
       ``'95+'`` reads as 95) and a count column (``MS_POPULATION``, ``POPULATION``,
       ``count`` …); the counts are summed: ``band = Σ count over lo <= age <= hi``;
    3. **an estimate from a share** (``share_column=`` and ``total_column=``): e.g. the
       Brussels ``ACP_BXL.xls`` with ``PAG0015`` (% of residents aged 0–15) and
       ``POP_2018``. Children aged ``a..b`` (``share_ages``) are ``total × share / 100``
       (``share`` in percent; a column whose values are all <= 1 is read as a fraction),
       and the bands assume the same number of children in each year of age (a sector
       with ``total == 0`` has no children, whatever its share says)::

           per_year = total × share / 100 / (b - a + 1)
           band[lo..hi] = per_year × (hi - lo + 1)     (for every band, 0–17 included)

       so with 0–15: ``children_0_2 = 3/16``, ``children_6_11 = 6/16`` and
       ``children_0_17 = 18/16`` of the 0–15 count (the last one extrapolated beyond
       the share's ages). These bands are **estimates**; ``attrs["estimated"]`` says so
       and ``attrs["estimate_methods"]`` says how (so 0–2 and 3–5, both 3/16 of the
       0–15 count, are published as the same number *and say why*);
    4. **single-year ages per municipality**, Statbel ``TF_SOC_POP_STRUCT_<YYYY>``
       (``|``-separated ``.txt``, UTF-8 with BOM or cp1252, or its ``.zip``/``.xlsx``:
       ``CD_REFNIS`` — ``CD_MUNTY_REFNIS`` up to 2018 —, ``CD_SEX``, ``CD_NATLTY``,
       ``CD_CIV_STS``, ``CD_AGE``, ``MS_POPULATION``; no sector column) with
       ``population=`` the per-sector totals: each sector gets its total times its
       municipality's share of the band, summed over sex, nationality and civil status::

           band(s) = population(s) × Σ_{lo<=age<=hi} n(m(s), age) / Σ_age n(m(s), age)

       Every band is an **estimate** (see :mod:`buurtgeo.io._age_shares`, also for the
       2025 municipal mergers: sectors whose municipality is not in the table get no
       estimate and are listed in ``attrs["sectors_without_municipality"]``).

    Parameters
    ----------
    path : str or path-like
        CSV/TXT/Excel table (or a vector file whose geometry is ignored).
    sheet : str or int, optional
        Workbook sheet; default the first.
    columns : mapping, optional
        ``{role: source_column}``: ``'sector_id'``, ``'age'``, ``'population'`` (the
        count of a long table) or a band name.
    share_column, total_column : str, optional
        Layout 3: the share of residents of ages ``share_ages`` and the total residents.
    share_ages : (int, int), default (0, 15)
        Inclusive ages the share covers.
    missing_values : tuple of float, default (-999.0,)
        Codes meaning "no value" (set aside with that reason).
    population : DataFrame, optional
        Layout 4 only: index ``sector_id`` with ``population`` (from
        :func:`read_population`); the sectors estimated are its sectors.

    Returns
    -------
    DataFrame
        Index ``sector_id``; float64 columns among ``children_0_2``, ``children_3_5``,
        ``children_6_11``, ``children_0_17`` (residents of those ages; for layout 3 all
        four, estimated). ``attrs``: ``set_aside``, ``rows_in``, ``source``, ``layout``
        (``'bands'``, ``'single_year_ages'``, ``'share_estimate'`` or
        ``'municipal_ages_share'``), ``estimated`` (list of estimated band columns; empty
        when counted), ``estimate_methods`` (``{band: {'nl': …, 'en': …}}``: how each
        estimated band was made), ``columns``. For layouts 2 and 4 (long tables)
        ``rows_used + len(set_aside) == rows_in``.

    Raises
    ------
    InputError
        No sector-code column, no recognisable layout, or inconsistent share arguments.
    """
    path_text = str(path)
    checks = Checks("read_age_bands")
    if population is not None and not isinstance(population, pd.DataFrame):
        checks.add(f"population must be a DataFrame, got {type(population).__name__}")
    if (share_column is None) != (total_column is None):
        checks.add("share_column and total_column go together")
    lo_s, hi_s = share_ages
    if not (0 <= lo_s <= hi_s):
        checks.add(f"share_ages must be (low, high) with 0 <= low <= high, got {share_ages}")
    checks.raise_if_any()
    raw, ledger = _read_any(path, sheet)
    names = [str(c) for c in raw.columns]
    if is_municipal_ages(names) and not columns and share_column is None:
        out = municipal_share_bands(raw, ledger, population, Path(path), _parse_ages, _counts)
        return _attach_long(ledger, out)
    aliases = duplicate_aliases(raw)
    roles = _roles(
        names,
        {k: aliases.get(v, v) for k, v in columns.items()} if columns else columns,
        path_text,
        (SECTOR_ID, "age", "population"),
    )
    taken = [*roles.values(), *(c for c in (share_column, total_column) if c is not None)]
    check_duplicate_columns(raw, taken, explicit=(columns or {}).values(), path=path_text)
    if SECTOR_ID not in roles:
        raise MissingColumnError(
            "CD_SECTOR",
            path=path_text,
            found_columns=names,
            role="sector code",
            hint="Pass columns={'sector_id': '<column>'}",
        )
    codes = _codes(raw, ledger, roles[SECTOR_ID])

    if share_column is not None and total_column is not None:  # checked: both or neither
        for column in (share_column, total_column):
            if column not in names:
                raise MissingColumnError(column, path=path_text, found_columns=names)
        for column in (share_column, total_column):
            values, _ = to_number(raw[column])
            ledger.set_aside(
                values.isin(missing_values).to_numpy(),
                f"no value (missing-value code {', '.join(str(v) for v in missing_values)})",
                column=column,
            )
        # no residents: the share is undefined (often left empty), the children are 0
        total_values, _ = to_number(raw[total_column])
        share_text = raw[share_column].where(~(total_values == 0).to_numpy(), "0")
        raw = raw.assign(**{share_column: share_text})
        share = _counts(raw, ledger, share_column, "share", whole=False)
        total = _counts(raw, ledger, total_column, "total", whole=False)
        kept = ledger.kept
        fraction = bool((share[kept] <= 1).all()) and bool(share[kept].gt(0).any())
        too_big = (share > (1 if fraction else 100)).fillna(False).to_numpy()
        ledger.set_aside(
            too_big, f"share is above {'1' if fraction else '100 %'}", column=share_column
        )
        _duplicates(codes, ledger, roles[SECTOR_ID])
        kept = ledger.kept
        scale = 1.0 if fraction else 100.0
        per_year = total[kept] * share[kept] / scale / (hi_s - lo_s + 1)
        out = pd.DataFrame(
            {
                band: (per_year * (hi - lo + 1)).astype("float64")
                for band, (lo, hi) in AGE_BANDS.items()
            }
        )
        out.index = pd.Index(codes[kept].to_numpy(), name=SECTOR_ID, dtype="str")
        out = ledger.attach(out)
        out.attrs.update(
            layout="share_estimate",
            estimated=list(AGE_BANDS),
            estimate_methods=_share_methods(share_column, total_column, lo_s, hi_s),
            columns={**roles, "share": share_column, "total": total_column},
        )
        return out

    if "age" in roles:
        count_col = roles.get("population") or _match(names, ("count", "n", "aantal", "nombre"))
        if count_col is None:
            raise MissingColumnError(
                "MS_POPULATION", path=path_text, found_columns=names, role="count per age"
            )
        ages = _parse_ages(raw, ledger, roles["age"])
        counts = _counts(raw, ledger, count_col, "count", whole=False)
        out = _long_result(ledger, codes, ages, counts, with_total=False)
        out.attrs.update(
            layout="single_year_ages",
            estimated=[],
            columns={SECTOR_ID: roles[SECTOR_ID], "age": roles["age"], "count": count_col},
        )
        return out

    values, estimated, used = _band_values(raw, ledger, names, roles)
    if not values:
        raise InputError(
            "no age-band columns, no age-group columns covering a band, no age column and"
            " no share given",
            path=path_text,
            expected="children_0_2 … or 0-2 … columns, an age + count column, or"
            " share_column=/total_column=",
            hint=f"Columns found: {names}",
        )
    _duplicates(codes, ledger, roles[SECTOR_ID])
    kept = ledger.kept
    out = pd.DataFrame({b: values[b][kept].astype("float64") for b in AGE_BANDS if b in values})
    out.index = pd.Index(codes[kept].to_numpy(), name=SECTOR_ID, dtype="str")
    out = ledger.attach(out)
    out.attrs.update(
        layout="bands",
        estimated=estimated,
        estimate_methods={b: _group_method(used[b]) for b in estimated},
        columns={**roles, **used},
    )
    return out


def _share_methods(share: str, total: str, lo: int, hi: int) -> dict[str, dict[str, str]]:
    """How each band of a share estimate was made (Dutch and English)."""
    years = hi - lo + 1
    out = {}
    for band, (b_lo, b_hi) in AGE_BANDS.items():
        n = b_hi - b_lo + 1
        out[band] = {
            "nl": f"geschat: {n}/{years} van de {lo}-{hi}-jarigen ({total} × {share}),"
            " evenveel kinderen per leeftijdsjaar verondersteld",
            "en": f"estimated: {n}/{years} of those aged {lo}-{hi} ({total} × {share}),"
            " assuming as many children in each year of age",
        }
    return out


def _group_method(columns: str) -> dict[str, str]:
    return {
        "nl": f"geschat: uit leeftijdsgroepen {columns}, naar rato van de leeftijdsjaren",
        "en": f"estimated: from age groups {columns}, in proportion to the years of age",
    }


# --------------------------------------------------------------------------------------
# join_population
# --------------------------------------------------------------------------------------


def join_population(
    sectors: gpd.GeoDataFrame,
    population: pd.DataFrame,
    *,
    age_bands: pd.DataFrame | None = None,
) -> gpd.GeoDataFrame:
    """Join population (and age bands) to the sectors, reporting everything that does not match.

    Parameters
    ----------
    sectors : GeoDataFrame
        Canonical sectors (index ``sector_id``), e.g. from :func:`buurtgeo.read_sectors`.
    population : DataFrame
        Index ``sector_id`` with ``population`` (and maybe age bands), e.g. from
        :func:`read_population`.
    age_bands : DataFrame, optional
        Index ``sector_id`` with age-band columns, e.g. from :func:`read_age_bands`; its
        bands replace those of ``population`` (with a warning when both have them).

    Returns
    -------
    GeoDataFrame
        ``sectors`` (same index, order, columns and ``attrs``) plus ``population``
        (nullable Int64: ``<NA>`` for sectors without population) and the age bands
        present (float64, NaN where unknown); ``attrs["estimated"]`` lists the bands that
        are estimates (carried over from the inputs' ``attrs["estimated"]``), and
        ``attrs["estimate_methods"]`` how each was made (``{band: {'nl', 'en'}}``).
        ``attrs["unmatched"]`` is a DataFrame with
        columns ``sector_id``, ``table`` (``'sectors'``, ``'population'`` or
        ``'age_bands'``: where the id is) and ``problem`` (``'no population'``, ``'no age
        bands'``, ``'no sector'``), one row per unmatched id; ids of the population and
        age tables in municipalities that have no sector in ``sectors`` (a national table
        joined to one city) are not listed but counted in ``attrs["outside_sectors"]``.
        A ``UserWarning`` summarises the unmatched ids.

    Raises
    ------
    InputError
        When an input is not indexed by ``sector_id`` or has duplicate ids, or
        ``population`` has no ``population`` column.
    """
    checks = Checks("join_population")
    for name, table in (("sectors", sectors), ("population", population), ("age_bands", age_bands)):
        if table is None:
            continue
        if not isinstance(table, pd.DataFrame):
            checks.add(f"{name} must be a (Geo)DataFrame, got {type(table).__name__}")
            continue
        if table.index.name != SECTOR_ID:
            checks.add(f"{name} must be indexed by {SECTOR_ID!r} (found {table.index.name!r})")
        if table.index.has_duplicates:
            dup = table.index[table.index.duplicated()].unique()[:5].tolist()
            checks.add(f"{name} has duplicate sector ids, e.g. {dup}")
    if isinstance(population, pd.DataFrame) and "population" not in population.columns:
        checks.add(f"population has no 'population' column (found {list(population.columns)})")
    checks.raise_if_any()

    pop_cols = ["population"] + [b for b in AGE_BANDS if b in population.columns]
    pop = population[pop_cols]
    if age_bands is not None:
        band_cols = [b for b in AGE_BANDS if b in age_bands.columns]
        both = [b for b in band_cols if b in pop.columns]
        if both:
            warn_user(
                f"age bands {both} are in both population and age_bands; using age_bands",
                nl=f"leeftijdsgroepen {both} staan in de bevolking en in age_bands;"
                " die van age_bands gebruikt",
            )
            pop = pop.drop(columns=both)

    out = sectors.drop(columns=[c for c in pop_cols if c in sectors.columns]).copy()
    out["population"] = pop["population"].reindex(out.index).astype("Int64")
    for band in AGE_BANDS:
        if band in pop.columns:
            out[band] = pop[band].reindex(out.index).astype("float64")
    if age_bands is not None:
        for band in band_cols:
            out[band] = age_bands[band].reindex(out.index).astype("float64")
    out.attrs = dict(sectors.attrs)
    # which bands are estimates (from a share or from age groups not aligned with them)
    estimated = [b for b in population.attrs.get("estimated", []) if b in out.columns]
    if age_bands is not None:
        estimated = [b for b in estimated if b not in band_cols]
        estimated += [b for b in age_bands.attrs.get("estimated", []) if b in band_cols]
    out.attrs["estimated"] = [b for b in AGE_BANDS if b in estimated]
    methods = dict(population.attrs.get("estimate_methods", {}))
    if age_bands is not None:
        methods.update(age_bands.attrs.get("estimate_methods", {}))
    out.attrs["estimate_methods"] = {b: methods[b] for b in out.attrs["estimated"] if b in methods}

    municipalities = set(out.index.str[:5])
    if "municipality_nis" in out.columns:
        municipalities |= set(out["municipality_nis"].dropna())
    rows = []
    outside = {}
    no_pop = out.index[out["population"].isna()]
    rows += [(s, "sectors", "no population") for s in no_pop]
    if age_bands is not None:
        no_bands = out.index[out[band_cols].isna().all(axis=1)] if band_cols else out.index
        rows += [(s, "sectors", "no age bands") for s in no_bands]
    for name, table in (("population", population), ("age_bands", age_bands)):
        if table is None:
            continue
        extra = table.index.difference(out.index)
        inside = extra[extra.str[:5].isin(municipalities)]
        outside[name] = int(len(extra) - len(inside))
        rows += [(s, name, "no sector") for s in inside]
    unmatched = pd.DataFrame(rows, columns=[SECTOR_ID, "table", "problem"])
    out.attrs["unmatched"] = hold(unmatched)
    out.attrs["outside_sectors"] = hold(outside)
    if len(unmatched):
        summary = unmatched.groupby(["table", "problem"]).size()
        parts = [
            f"{n} {'sector(s) with' if t == 'sectors' else f'{t} row(s) with'} {p}"
            f" (e.g. {unmatched[(unmatched.table == t) & (unmatched.problem == p)][SECTOR_ID].iloc[0]})"
            for (t, p), n in summary.items()
        ]
        problem_nl = {
            "no population": "zonder bevolking",
            "no age bands": "zonder leeftijdsgroepen",
            "no sector": "zonder sector",
        }
        table_nl = {"population": "bevolking", "age_bands": "leeftijdsgroepen"}
        parts_nl = [
            f"{n} {'sector(en)' if t == 'sectors' else f'rij(en) {table_nl.get(t, t)}'}"
            f" {problem_nl.get(p, p)}"
            f" (bv. {unmatched[(unmatched.table == t) & (unmatched.problem == p)][SECTOR_ID].iloc[0]})"
            for (t, p), n in summary.items()
        ]
        warn_user(
            "join_population: " + "; ".join(parts) + "; see attrs['unmatched']",
            nl="koppeling bevolking: " + "; ".join(parts_nl),
        )
    return out
