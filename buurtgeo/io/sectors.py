"""Statbel statistical sectors, as published in every vintage, → the canonical sectors table.

Statbel has published the sector boundaries under three column namings, and cities
republish them under their own:

* the **open-data layout** of 2018 onwards (``sh_statbel_statistical_sectors_3812_2023…``,
  GeoJSON/GPKG/SHP, EPSG:31370 or 3812): lower-case columns, see
  :data:`STATBEL_SECTOR_COLUMNS_2023`;
* the **2018–2020 shapefile layout** (``sh_statbel_statistical_sectors_20200101.shp``):
  ``CS01012020``, ``T_SEC_NL``, ``CNIS5_2020``, ``T_MUN_NL``, ``M_AREA_HA`` …, see
  :data:`STATBEL_SECTOR_COLUMNS_2020` (the year in ``CS0101yyyy``/``CNIS5_yyyy`` varies);
* the **2011-era upper-case layout** (``CD_SECTOR`` or ``CS01012011``,
  ``TX_SECTOR_DESCR_NL``, ``CD_REFNIS``/``CD_MUNTY_REFNIS``, ``TX_MUNTY_DESCR_NL`` …);
* city and research derivatives: Stad Gent's ``statistische-sectoren-gent`` export
  (``nis9_code``, ``sectornaam``; EPSG:4326) and the healthiar Brussels file
  (``SECTOR``, ``MUNICIP``, ``POP``).

:func:`read_sectors` recognises all of them (``attrs["vintage"]`` says which), reads any
format :func:`buurtgeo.io._geo.read_vector` reads, and returns the canonical table of
:mod:`buurtgeo.schema` in the working CRS.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Mapping, Sequence
from os import PathLike

import geopandas as gpd
import numpy as np
import pandas as pd

from buurtgeo._attrs import hold
from buurtgeo._checks import Checks
from buurtgeo.errors import InputError, MissingColumnError
from buurtgeo.io._geo import (
    LabelLedger,
    read_vector,
    repair_geometries,
    set_aside_duplicates,
    to_working_crs,
)
from buurtgeo.schema import SECTOR_COLUMNS, SECTOR_ID

__all__ = [
    "STATBEL_SECTOR_COLUMNS_2023",
    "STATBEL_SECTOR_COLUMNS_2020",
    "SECTOR_COLUMN_ALIASES",
    "read_sectors",
    "normalize_sector_codes",
    "normalize_nis",
    "check_column_overrides",
]

# People-facing labels of the sector columns schema.py does not label yet.

#: Columns of Statbel's open-data sector files from 2018 on (e.g.
#: ``sh_statbel_statistical_sectors_3812_20230101.geojson``), in file order, geometry
#: aside. Source: Statbel's "Columns description" for the statistical-sector files and
#: the files themselves (``tx_munty_dstr`` and ``dt_situation`` are in the files but not
#: in the description; the description calls the NUTS columns ``cd_nuts1``…, the files
#: ``cd_nuts_lvl1``…). Codes are text: ``cd_sector`` '21004A00-', ``cd_munty_refnis``
#: '21004', ``cd_rgn_refnis`` '04000'; ``ms_area_ha`` in hectares (computed in Lambert
#: 2008); ``dt_situation`` the reference date ('2023-01-01').
STATBEL_SECTOR_COLUMNS_2023: tuple[str, ...] = (
    "cd_sector",
    "tx_sector_descr_nl",
    "tx_sector_descr_fr",
    "tx_sector_descr_de",
    "cd_sub_munty",
    "tx_sub_munty_nl",
    "tx_sub_munty_fr",
    "tx_munty_dstr",
    "cd_munty_refnis",
    "tx_munty_descr_nl",
    "tx_munty_descr_fr",
    "tx_munty_descr_de",
    "cd_dstr_refnis",
    "tx_adm_dstr_descr_nl",
    "tx_adm_dstr_descr_fr",
    "tx_adm_dstr_descr_de",
    "cd_prov_refnis",
    "tx_prov_descr_nl",
    "tx_prov_descr_fr",
    "tx_prov_descr_de",
    "cd_rgn_refnis",
    "tx_rgn_descr_nl",
    "tx_rgn_descr_fr",
    "tx_rgn_descr_de",
    "cd_country",
    "cd_nuts_lvl1",
    "cd_nuts_lvl2",
    "cd_nuts_lvl3",
    "ms_area_ha",
    "ms_perimeter_m",
    "dt_situation",
)

#: Columns of Statbel's 2020 sector shapefile (``sh_statbel_statistical_sectors_20200101``),
#: as in ``../shared/data/real/statbel_sectors_brussels_2020``; the 2018 and 2019 files use
#: the same names with their own year (``CS01012019``, ``CNIS5_2019``).
STATBEL_SECTOR_COLUMNS_2020: tuple[str, ...] = (
    "CS01012020",
    "T_SEC_NL",
    "T_SEC_FR",
    "T_SEC_DE",
    "C_NIS6",
    "T_NIS6_NL",
    "T_NIS6_FR",
    "CNIS5_2020",
    "T_MUN_NL",
    "T_MUN_FR",
    "T_MUN_DE",
    "C_ARRD",
    "T_ARRD_NL",
    "T_ARRD_FR",
    "T_ARRD_DE",
    "C_PROVI",
    "T_PROVI_NL",
    "T_PROVI_FR",
    "T_PROVI_DE",
    "C_REGIO",
    "T_REGIO_NL",
    "T_REGIO_FR",
    "T_REGIO_DE",
    "C_COUNTRY",
    "NUTS1",
    "NUTS2",
    "NUTS3",
    "M_AREA_HA",
    "M_PERI_M",
)

#: Source columns recognised for each canonical column, first match wins; matching is
#: case-insensitive, and ``yyyy`` stands for any year.
SECTOR_COLUMN_ALIASES: Mapping[str, tuple[str, ...]] = {
    SECTOR_ID: (
        "cd_sector",
        "CSyyyy",  # CS01012020, CS01012011 …
        "CD_REFNIS_SECTOR",
        "CD_RES_SECTOR",
        "nis9_code",
        "nis9",
        "SECTOR",
        "statsec",
        "sector_id",
    ),
    "sector_name_nl": (
        "tx_sector_descr_nl",
        "T_SEC_NL",
        "sectornaam",
        "SECTOR_NAME_NL",
        "sector_name_nl",
    ),
    "sector_name_fr": ("tx_sector_descr_fr", "T_SEC_FR", "SECTOR_NAME_FR", "sector_name_fr"),
    "municipality_nis": (
        "cd_munty_refnis",
        "CNIS5_yyyy",
        "CD_REFNIS",
        "CD_MUNTY_REFNIS",
        "MUNICIP",
        "niscode",
        "nis5",
        "municipality_nis",
    ),
    "municipality_name_nl": (
        "tx_munty_descr_nl",
        "T_MUN_NL",
        "TX_DESCR_NL",
        "municipality_name_nl",
    ),
    "municipality_name_fr": (
        "tx_munty_descr_fr",
        "T_MUN_FR",
        "TX_DESCR_FR",
        "municipality_name_fr",
    ),
    "municipality_name_de": ("tx_munty_descr_de", "T_MUN_DE"),
}


def check_column_overrides(
    overrides: Mapping[str, str] | None, known: list[str], columns: list[str], path: str
) -> dict[str, str]:
    """Check a ``columns=`` mapping ``{canonical name: source column}`` of a loader.

    Every problem (unknown canonical names, source columns not in the file) is reported
    in one :class:`~buurtgeo.errors.InputError` naming the file and the columns found.

    Returns
    -------
    dict
        The mapping (empty when ``overrides`` is None).
    """
    overrides = dict(overrides or {})
    checks = Checks("columns=")
    unknown = [k for k in overrides if k not in known]
    if unknown:
        checks.add(f"columns= has unknown name(s) {unknown} (known: {list(known)})")
    missing = [v for v in overrides.values() if v not in columns]
    if missing:
        checks.add(f"columns= names column(s) {missing} not in the file")
    checks.raise_if_any(path=path, hint=f"Columns found: {columns}")
    return overrides


def _alias_pattern(alias: str) -> re.Pattern[str]:
    if alias == "CSyyyy":
        return re.compile(r"^cs0101(19|20)\d\d$", re.IGNORECASE)
    return re.compile("^" + re.escape(alias).replace("yyyy", r"(19|20)\d\d") + "$", re.IGNORECASE)


def _find_columns(
    columns: list[str], overrides: Mapping[str, str] | None, path: str
) -> dict[str, str]:
    """Map canonical name → source column, from ``overrides`` first, then the aliases."""
    found: dict[str, str] = {}
    overrides = check_column_overrides(overrides, list(SECTOR_COLUMN_ALIASES), columns, path)
    found.update(overrides)
    for canonical, aliases in SECTOR_COLUMN_ALIASES.items():
        if canonical in found:
            continue
        for alias in aliases:
            pattern = _alias_pattern(alias)
            hits = [c for c in columns if pattern.match(c) and c not in found.values()]
            if hits:
                found[canonical] = hits[0]
                break
    # Shapefiles cut field names at 10 characters ('tx_sector_descr_nl' → 'tx_sector_',
    # 'cd_munty_refnis' → 'cd_munty_r'): match what is left, Dutch before French (the
    # order Statbel writes them), never one column twice.
    for canonical, aliases in SECTOR_COLUMN_ALIASES.items():
        if canonical in found:
            continue
        cut = {a[:10].lower() for a in aliases if len(a) > 10 and "yyyy" not in a}
        hits = [c for c in columns if c.lower() in cut and c not in found.values()]
        if hits:
            found[canonical] = hits[0]
    return found


def _vintage(columns: list[str], mapping: Mapping[str, str]) -> str:
    lower = {c.lower() for c in columns}
    code = mapping.get(SECTOR_ID, "")
    if code == "cd_sector":  # the open-data layout is lower-case; 2011 is upper-case
        return "statbel_open_data"
    match = re.match(r"^cs0101((?:19|20)\d\d)$", code, re.IGNORECASE)
    if match:
        year = match.group(1)
        return "statbel_2011" if year == "2011" else f"statbel_shapefile_{year}"
    if code.upper() in ("CD_SECTOR", "CD_REFNIS_SECTOR", "CD_RES_SECTOR"):
        return "statbel_2011"
    if code.lower() == "nis9_code":
        return "gent_open_data"
    if code.upper() == "SECTOR" and "municip" in lower:
        return "healthiar"
    return "other"


def normalize_sector_codes(values: pd.Series) -> pd.Series:
    """Turn sector codes as read into 9-character upper-case text, keeping every character.

    Text is stripped and upper-cased (``'21004a00-'`` → ``'21004A00-'``); whole numbers
    read as int or float (a code column typed as a number) become their digits without
    ``'.0'``; nothing is padded or cut, so a trailing ``'-'`` and leading zeros stay.

    Parameters
    ----------
    values : Series
        Codes as read (str, int, float or missing).

    Returns
    -------
    Series of str
        Same index; missing values stay missing.
    """
    if pd.api.types.is_float_dtype(values.dtype):
        whole = values.notna() & (values % 1 == 0)
        text = pd.Series(pd.NA, index=values.index, dtype="str")
        text[whole] = values[whole].astype("int64").astype(str)
        text[values.notna() & ~whole] = values[values.notna() & ~whole].astype(str)
        values = text
    elif pd.api.types.is_integer_dtype(values.dtype):
        values = values.astype(str)
    return values.astype("str").str.strip().str.upper()


def normalize_nis(values: pd.Series) -> pd.Series:
    """Municipality NIS codes as 5-character text (``21004``, ``'21004'``, ``21004.0`` → '21004').

    Parameters
    ----------
    values : Series
        NIS codes as read.

    Returns
    -------
    Series of str
        Digits left-padded with zeros to 5 characters; missing values stay missing.
    """
    text = normalize_sector_codes(values)
    digits = text.str.fullmatch(r"\d{1,5}").fillna(False).astype(bool)
    return text.where(~digits, text.str.zfill(5))


def _fold(text: str) -> str:
    """Case-, accent- and punctuation-insensitive key: 'Bruxelles' → 'bruxelles'."""
    nfkd = unicodedata.normalize("NFKD", str(text))
    plain = "".join(ch for ch in nfkd if not unicodedata.combining(ch))
    return re.sub(r"[^0-9a-z]", "", plain.casefold())


def _select_municipality(
    municipality: str | int | Sequence[str | int],
    nis: pd.Series,
    names: list[pd.Series],
    path: str,
) -> np.ndarray:
    """Boolean mask of rows in the municipalities given by NIS code or name (NL/FR/DE).

    Every value is checked and all unknown ones are reported in one error.
    """
    wanted = (
        list(municipality)
        if isinstance(municipality, Sequence) and not isinstance(municipality, str)
        else [municipality]
    )
    bad_type = [
        m for m in wanted if isinstance(m, bool) or not isinstance(m, str | int | np.integer)
    ]
    if bad_type or not wanted:
        raise InputError(
            "municipality= must be a NIS code or a name, or a list of them",
            found=bad_type or municipality,
            expected="e.g. 21004, '21004', 'Brussel', 'Bruxelles' or ['Gent', 44084]",
        )
    # fold each distinct name once: case-, accent- and punctuation-insensitive keys
    folded_names = []
    labels: dict[str, str] = {}
    for series in names:
        uniques = pd.unique(series.dropna())
        keys = {value: _fold(value) for value in uniques}
        folded_names.append(series.map(keys))
        for value, key in keys.items():
            labels.setdefault(key, str(value))
    mask = np.zeros(len(nis), dtype=bool)
    problems = []
    for value in wanted:
        text = str(value).strip()
        if re.fullmatch(r"\d{1,5}", text):
            hit = (nis == text.zfill(5)).fillna(False).to_numpy(dtype=bool)
            if not hit.any():
                known = sorted(nis.dropna().unique())
                problems.append(
                    f"municipality {text.zfill(5)} is not in this file"
                    f" (NIS codes in the file include {known[:10]})"
                )
        elif not labels:
            problems.append(
                f"cannot select municipality {text!r} by name: this file has no municipality"
                " names; select by NIS code instead, e.g. municipality=44021 for Gent"
            )
            continue
        else:
            key = _fold(text)
            hit = np.zeros(len(nis), dtype=bool)
            for folded in folded_names:
                hit |= (folded == key).fillna(False).to_numpy(dtype=bool)
            if not hit.any():
                close = difflib.get_close_matches(key, list(labels), n=5, cutoff=0.6)
                problems.append(
                    f"unknown municipality {text!r}"
                    + (
                        f" (close matches: {[labels[c] for c in close]})"
                        if close
                        else f" (names in the file include {sorted(labels.values())[:10]})"
                    )
                )
        mask |= hit
    if problems:
        raise InputError(
            "; ".join(problems),
            path=path,
            expected="NIS codes or Dutch/French/German names of municipalities in the file",
        )
    return mask


def read_sectors(
    path: str | PathLike[str],
    *,
    municipality: str | int | Sequence[str | int] | None = None,
    layer: str | None = None,
    columns: Mapping[str, str] | None = None,
    assume_crs: str | int | None = None,
) -> gpd.GeoDataFrame:
    """Read Statbel statistical sectors, as published, into the canonical sectors table.

    Parameters
    ----------
    path : str or path-like
        GeoJSON, GeoPackage, Shapefile or SpatiaLite file, or a ``.zip`` holding one; in
        any column layout listed in this module's docstring, in EPSG:31370, EPSG:3812 or
        EPSG:4326 (a file without a CRS is recognised from its coordinates, with a warning).
    municipality : str, int or list of them, optional
        Keep only the sectors of one municipality (or several): its NIS code (``21004`` or
        ``'21004'``) or its Dutch, French or German name, case-, accent- and
        punctuation-insensitive (``'Brussel'``, ``'bruxelles'``); unknown values are all
        reported at once, with close matches. Default: every sector in the file.
    layer : str, optional
        Layer of a GeoPackage/SpatiaLite file, or data file inside a zip.
    columns : mapping, optional
        ``{canonical_name: source_column}`` for a layout not recognised, e.g.
        ``{"sector_id": "CODE", "sector_name_nl": "NAAM"}``; canonical names are the keys
        of :data:`SECTOR_COLUMN_ALIASES`.
    assume_crs : str or int, optional
        CRS to use when the file declares none.

    Returns
    -------
    GeoDataFrame
        Index ``sector_id`` (str, 9 characters as published, e.g. ``'21004A00-'``,
        ``'44021A04L'``), columns ``sector_name_nl``, ``sector_name_fr`` (str; missing when
        the file has none), ``municipality_nis`` (5-character str; taken from the first 5
        characters of the sector code when the file has no municipality column),
        ``municipality_name_nl``, ``municipality_name_fr`` (str or missing), ``area_m2``
        (float, m², computed from the geometry in the working CRS: ``area_m2 =
        geometry.area``; Statbel's own ``ms_area_ha``/``M_AREA_HA`` × 10 000 agrees to
        well under 1 %), ``geometry`` (2D Polygon/MultiPolygon, valid, working CRS). Rows
        in file order.

        ``attrs``: ``set_aside`` (rows not used, with a reason: missing/empty geometry, no
        area after repair, not a polygon, not a sector code, duplicate sector id),
        ``rows_in`` (rows of
        the selected municipality, or of the file), ``rows_in_file``, ``repaired``
        (repaired invalid geometries), ``vintage`` (``'statbel_open_data'``,
        ``'statbel_shapefile_2020'``, ``'statbel_2011'``, ``'gent_open_data'``,
        ``'healthiar'`` or ``'other'``), ``columns`` (canonical → source column used) and
        ``source``.

    Raises
    ------
    InputError
        Missing/unreadable file; no sector-code column (:class:`MissingColumnError`
        listing the columns found); unknown municipality (with close matches).
    CRSError
        CRS missing and not recognisable, or coordinates outside Belgium.
    """
    path_text = str(path)
    raw = read_vector(path, layer=layer)
    raw_columns = [str(c) for c in raw.columns if c != raw.geometry.name]
    mapping = _find_columns(raw_columns, columns, path_text)
    if SECTOR_ID not in mapping:
        raise MissingColumnError(
            "cd_sector",
            path=path_text,
            found_columns=raw_columns,
            role="sector code",
            hint="Pass columns={'sector_id': '<your code column>'}",
        )
    codes = normalize_sector_codes(raw[mapping[SECTOR_ID]])
    if "municipality_nis" in mapping:
        nis = normalize_nis(raw[mapping["municipality_nis"]])
        nis = nis.where(nis.notna(), codes.str[:5])
    else:
        nis = codes.str[:5]
    name_cols = [
        c
        for c in ("municipality_name_nl", "municipality_name_fr", "municipality_name_de")
        if c in mapping
    ]

    rows_in_file = len(raw)
    if municipality is not None:
        mask = _select_municipality(
            municipality, nis, [raw[mapping[c]] for c in name_cols], path_text
        )
        raw = raw.loc[mask]
        codes, nis = codes.loc[mask], nis.loc[mask]

    ledger = LabelLedger(raw, source=path_text, first_row=1)
    gdf = to_working_crs(raw, source=path_text, assume_crs=assume_crs)
    gdf = repair_geometries(gdf, ledger)
    repaired = gdf.attrs.get("repaired")

    polygonal = pd.Series(gdf.geom_type.isin(["Polygon", "MultiPolygon"]), index=gdf.index)
    ledger.set_aside(
        ~polygonal,
        ("not a polygon: " + gdf.geom_type.astype("str")).reindex(raw.index).to_numpy(),
        column="geometry",
    )
    valid_code = codes.str.fullmatch(r"[0-9]{5}[A-Z0-9]{3}[A-Z0-9-]").fillna(False).astype(bool)
    ledger.set_aside(
        ~valid_code,
        "not a 9-character Statbel sector code (NIS5 + 4 characters)",
        column=mapping[SECTOR_ID],
    )
    set_aside_duplicates(codes, ledger, column=mapping[SECTOR_ID], what="sector id")

    keep = pd.Series(ledger.kept, index=raw.index)
    index = keep[keep].index
    gdf = gdf.loc[index]
    data = {}
    for canonical in SECTOR_COLUMNS[:-1]:
        if canonical == "municipality_nis":
            data[canonical] = nis.loc[index].astype("str")
        elif canonical == "area_m2":
            data[canonical] = gdf.geometry.area.astype("float64")
        elif canonical in mapping:
            data[canonical] = raw.loc[index, mapping[canonical]].astype("str").str.strip()
        else:
            data[canonical] = pd.Series(pd.NA, index=index, dtype="str")
    out = gpd.GeoDataFrame(data, geometry=gdf.geometry.to_numpy(), crs=gdf.crs)
    out.index = pd.Index(codes.loc[index].to_numpy(), name=SECTOR_ID, dtype="str")
    out = ledger.attach(out)
    out.attrs["rows_in_file"] = rows_in_file
    out.attrs["repaired"] = hold(repaired)
    out.attrs["vintage"] = _vintage(raw_columns, mapping)
    out.attrs["columns"] = dict(mapping)
    return out
