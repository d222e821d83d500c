"""The run's steps for inputs as published: sector vintages, addresses, demand across the
border, estimates marked, names in both languages, and the supply tables.

Called by :mod:`buurtgeo.pipeline` (each step one call there); every step that skips
or changes something says so in a note.
"""

from __future__ import annotations

import os
import warnings
import weakref
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

import buurtgeo as bg
from buurtgeo._sources import note_source
from buurtgeo.schema import AGE_BANDS

__all__ = [
    "align_vintage",
    "border_origins",
    "mark_estimates",
    "read_address_points",
    "supply_tables",
]

_COUNTS = ("population", *AGE_BANDS)


def read_address_points(cfg: Any) -> Any:
    """``inputs.addresses`` as points (None without one)."""
    return bg.read_addresses(cfg.addresses) if cfg.addresses is not None else None


def align_vintage(
    cfg: Any,
    sectors: Any,
    table: pd.DataFrame,
    notes: list[str],
    what: str,
    addresses: Any = None,
    *,
    sources: list[dict[str, Any]] | None = None,
) -> pd.DataFrame:
    """A per-sector table of another sector vintage, moved onto ``sectors``.

    When sectors of the study area are missing from ``table`` while ``table`` holds codes
    of the same municipalities that no sector has, the counts of those municipalities
    are moved with :func:`buurtgeo.crosswalk_sectors` (over ``inputs.population_sectors``
    when given, else by code family; by addresses when ``inputs.addresses`` is given)
    and a note says what happened (``inputs.population_sectors``, when read, is recorded
    in ``sources``: :func:`buurtgeo._sources.note_source`). Otherwise ``table`` is
    returned unchanged.
    """
    ids = sectors.index.astype(str)
    nis = set(ids.str[:5])
    codes = table.index.astype(str)
    missing = ~ids.isin(codes)
    foreign = codes.str[:5].isin(nis) & ~codes.isin(ids)
    if not (missing.any() and foreign.any()):
        return table
    old = None
    if cfg.population_sectors is not None:
        old = bg.read_sectors(cfg.population_sectors)
        note_source(sources, "inputs.population_sectors", cfg.population_sectors, old)
        old = old.to_crs(sectors.crs) if old.crs != sectors.crs else old
    mine = codes.str[:5].isin(nis)
    columns = [c for c in _COUNTS if c in table.columns]
    weights = addresses if addresses is not None else "area"
    moved = bg.crosswalk_sectors(old, sectors, table.loc[mine, columns], weights=weights)
    if "population" in moved.columns:
        moved["population"] = moved["population"].round().astype("int64")
    out = pd.concat([moved, table.loc[~mine, columns]])
    out.index.name = table.index.name
    out.attrs = {k: v for k, v in table.attrs.items() if not isinstance(v, pd.DataFrame)}
    out.attrs["crosswalk"] = moved.attrs["crosswalk"]
    notes.append(f"{what}: {moved.attrs['report']}")
    return out


def _target_columns(origins: Any, targets: Mapping[str, Sequence[str]]) -> dict[str, str]:
    columns = {}
    for kind, bands in targets.items():
        column = f"target__{kind}"
        present = [b for b in bands if b in origins.columns]
        origins[column] = origins[present].sum(axis=1) if present else 0.0
        columns[kind] = column
    return columns


#: The whole sectors file of a configuration, read once per run (by the demand across
#: the border and by the map's neighbours), with the file's size and time it was read at.
#: Keyed by the configuration's id; the entry goes when the configuration does.
_WHOLE_FILE: dict[int, tuple[tuple[int, int], Any]] = {}


def whole_sectors_file(cfg: Any) -> Any:
    """Every sector of ``inputs.sectors`` (no municipality chosen), as a fresh copy.

    The study area's read has reported the file's rows already: the loader's warnings
    are not repeated. Read once per configuration object and file version.
    """
    try:
        stat = os.stat(cfg.sectors)
    except (OSError, TypeError, ValueError):  # not a plain file: read it each time
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return bg.read_sectors(cfg.sectors, **dict(cfg.sectors_options))
    version = (stat.st_mtime_ns, stat.st_size)
    held = _WHOLE_FILE.get(id(cfg))
    if held is None or held[0] != version:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            held = (version, bg.read_sectors(cfg.sectors, **dict(cfg.sectors_options)))
        if id(cfg) not in _WHOLE_FILE:
            weakref.finalize(cfg, _WHOLE_FILE.pop, id(cfg), None)
        _WHOLE_FILE[id(cfg)] = held
    return held[1].copy()


def border_origins(
    cfg: Any,
    joined: Any,
    services: Any,
    catchments: Mapping[str, float],
    targets: Mapping[str, Sequence[str]],
    population: pd.DataFrame,
    age_bands: pd.DataFrame | None,
    addresses: Any,
) -> Any:
    """Origins across the border (:func:`buurtgeo.origins_across_border`) or None.

    Only when ``analysis.demand_across_border`` (default) and the study area is a part
    of the sectors file (``inputs.municipality``); the sectors of the rest of the file
    get the same population, age bands and origins as in a run that includes them.
    """
    from buurtgeo.border import origins_across_border

    if not cfg.demand_across_border or not cfg.municipality:
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the first read has reported the file's rows
        everything = bg.join_population(whole_sectors_file(cfg), population, age_bands=age_bands)
    for column in _COUNTS:
        if column in everything.columns:
            everything[column] = (
                pd.to_numeric(everything[column], errors="coerce").astype("float64").fillna(0.0)
            )
    counts = [c for c in _COUNTS if c in joined.columns]
    outside = origins_across_border(
        everything,
        inside=joined.index,
        services=services,
        catchment_m=max(catchments.values()),
        method=cfg.origins,
        spacing_m=cfg.grid_spacing_m,
        columns=counts,
        address_points=addresses,
    )
    if outside is not None:
        _target_columns(outside, targets)
    return outside


def address_note(origins: Any, language: str) -> str | None:
    """One line: the sectors that had no address and were put on the grid."""
    without = origins.attrs.get("sectors_without_addresses") or []
    if origins.attrs.get("method") != "addresses" or not without:
        return None
    if language == "nl":
        return (
            f"{len(without)} sector(en) zonder adres: hun inwoners op het raster gespreid"
            f" (bv. {without[0]})"
        )
    return f"{len(without)} sector(s) without an address: residents spread on the grid (e.g. {without[0]})"


def border_note(reach: pd.DataFrame, language: str) -> str | None:
    """One line: how many children across the border were counted, per kind."""
    report = reach.attrs.get("across_border") or {}
    if not report:
        return None
    from buurtgeo.indicators import format_number
    from buurtgeo.schema import service_kinds

    kinds = service_kinds()
    sectors = "sectoren" if language == "nl" else "sectors"
    parts = [
        f"{kinds[k].label(language=language) if k in kinds else k}: "
        f"{format_number(v['children'], 0, language)} ({v['sectors']} {sectors})"
        for k, v in report.items()
    ]
    head = (
        "kinderen over de grens meegeteld in de 2SFCA (vraag naar dezelfde voorzieningen)"
        if language == "nl"
        else "children across the border counted in the 2SFCA (demand on the same services)"
    )
    return f"{head}: " + "; ".join(parts)


def mark_estimates(
    joined: Any, sector_table: Any, area_table: Any, sector_area: pd.Series
) -> tuple[Any, Any]:
    """``children_estimated`` (yes/no) where a published count rests on an estimate, and
    the French names beside the Dutch ones in Brussels (NIS 21…)."""
    estimated = list(joined.attrs.get("estimated", []))
    if estimated:
        flag = joined[estimated].notna().any(axis=1)
        sector_table = _insert_after(sector_table, "children_estimated", flag, _COUNTS)
        per_area = flag.groupby(sector_area.reindex(flag.index).to_numpy()).any()
        area_table = _insert_after(
            area_table, "children_estimated", per_area.reindex(area_table.index), _COUNTS
        )
        for table in (sector_table, area_table):
            table.attrs["estimate_methods"] = dict(joined.attrs.get("estimate_methods", {}))
    nis = joined.get("municipality_nis")
    if nis is not None and nis.astype(str).str.startswith("21").any():
        for name in ("sector_name", "municipality_name"):
            fr = f"{name}_fr"
            if fr in joined.columns and fr not in sector_table.columns:
                sector_table = _insert_after(sector_table, fr, joined[fr], (f"{name}_nl",))
        if "municipality_name_fr" in joined.columns and "municipality_nis" in area_table.columns:
            names = joined.drop_duplicates("municipality_nis").set_index("municipality_nis")
            fr = area_table["municipality_nis"].map(names["municipality_name_fr"])
            area_table = _insert_after(
                area_table, "municipality_name_fr", fr, ("municipality_name_nl",)
            )
    return sector_table, area_table


def _insert_after(table: Any, column: str, values: pd.Series, after: Sequence[str]) -> Any:
    present = [c for c in after if c in table.columns]
    position = (table.columns.get_loc(present[-1]) + 1) if present else len(table.columns)
    out = table.copy()
    out.insert(int(position), column, values.reindex(table.index).to_numpy())
    out.attrs = dict(table.attrs)
    return out


def supply_tables(
    cfg: Any,
    joined: Any,
    services: Any,
    areas: Any,
    targets: Mapping[str, Sequence[str]],
    notes: list[str],
    set_aside: list[pd.DataFrame],
    flatten: Any,
) -> dict[str, pd.DataFrame]:
    """``published_vs_found`` (with ``inputs.published_places``) and ``places_by_language``
    (when the services carry a language)."""
    from buurtgeo.published import places_by_language, published_vs_found

    tables: dict[str, pd.DataFrame] = {}
    if cfg.published_places:
        published = []
        for n, path in enumerate(cfg.published_places, start=1):
            frame = bg.read_published_places(path)
            set_aside.append(flatten(frame.attrs.get("set_aside"), "published_places"))
            item = "inputs.published_places" + (f"[{n}]" if len(cfg.published_places) > 1 else "")
            note_source(getattr(set_aside, "sources", None), item, path, frame)
            published.append(frame)
        all_sectors = None
        if cfg.municipality:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                all_sectors = bg.read_sectors(cfg.sectors, **dict(cfg.sectors_options))
        table, unknown = published_vs_found(published, services, joined, all_sectors=all_sectors)
        if unknown:
            notes.append(
                f"published places: {len(unknown)} municipality name(s) match no municipality"
                f" of the sectors file (e.g. {unknown[0]!r}; after the 2025 mergers compare"
                " files of the same vintage)"
            )
        tables["published_vs_found"] = table
    sector_area = areas.attrs["sector_area"]
    by_language = places_by_language(services, joined, sector_area, areas, targets)
    if len(by_language):
        tables["places_by_language"] = by_language
    return tables
