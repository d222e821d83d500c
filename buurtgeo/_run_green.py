"""The run's steps for the physical living environment: green, play and youth spaces.

Called by :mod:`buurtgeo.pipeline`, one call per step: read ``[[inputs.green]]`` into
services of the norm kinds (:func:`read_green_services`), derive the age bands the
norms need (:func:`derive_bands`), say how far each service is from the street
(:func:`snap_distances`), add the norm indicators per sector, area and study area and
name the 2SFCA of m² for what it is (:func:`add_green`), and keep the gap table to what
means something for areas (:func:`gap_services`, :func:`clean_wide_gaps`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from buurtgeo.green import GREEN_NORMS, green_indicators, is_green_kind, rename_green_columns

__all__ = [
    "add_green",
    "clean_wide_gaps",
    "derive_bands",
    "gap_services",
    "read_green_services",
    "snap_distances",
]

#: Gap columns about places, which mean nothing for green, play or youth space.
_PLACE_GAPS = (
    "places",
    "places_per_100_in_area",
    "missing_places",
    "missing_places_2sfca",
    "share_income_related",
)


def read_green_services(
    cfg: Any, set_aside: list[pd.DataFrame], flatten: Callable[[Any, str], pd.DataFrame]
) -> tuple[Any, Any]:
    """``[[inputs.green]]`` as services of the norm kinds, and the OpenStreetMap entrances
    of those areas (None when there are none); the rows not used go to ``set_aside``
    (stage ``'green'``)."""
    import geopandas as gpd

    import buurtgeo as bg
    from buurtgeo._sources import note_source
    from buurtgeo.green import green_services

    if not cfg.green:
        return None, None
    frames, gates = [], []
    for n, entry in enumerate(cfg.green, start=1):
        if entry.is_osm:
            part = bg.read_osm_green(entry.path)
            gates.append(bg.read_osm_entrances(entry.path, part))
        else:
            part = bg.read_green(
                entry.path,
                kind=entry.kind,
                columns=dict(entry.columns) if entry.columns else None,
                layer=entry.layer,
                crs=entry.crs,
            )
        set_aside.append(flatten(part.attrs.get("set_aside"), "green"))
        # the file in the run's sources (bronnen), when the run keeps them
        note_source(getattr(set_aside, "sources", None), f"inputs.green[{n}]", entry.path, part)
        part = part.copy()
        part.attrs = {}
        frames.append(part)
    green = gpd.GeoDataFrame(pd.concat(frames), geometry="geometry", crs=frames[0].crs)
    options = cfg.green_options
    services = green_services(
        green,
        min_area_m2=options.get("min_area_m2"),
        cluster_m=options.get("cluster_m", 0.0),
        kinds=options.get("kinds"),
    )
    set_aside.append(flatten(services.attrs.get("set_aside"), "green"))
    services.attrs = {}
    entrances = None
    if gates and sum(len(g) for g in gates):
        entrances = gpd.GeoDataFrame(pd.concat(gates, ignore_index=True), crs=gates[0].crs)
    return services, entrances


def derive_bands(joined: Any, targets: Mapping[str, Sequence[str]]) -> Any:
    """The joined sectors with ``children_12_17`` derived from the other bands when a
    kind needs it and the inputs do not have it (:func:`buurtgeo.derive_age_bands`)."""
    from buurtgeo.io._age_shares import derive_age_bands

    needed = {b for bands in targets.values() for b in bands}
    if "children_12_17" in needed and "children_12_17" not in joined.columns:
        return derive_age_bands(joined, bands=("children_12_17",))
    return joined


def snap_distances(network: Any, services: Any, cfg: Any, entrances: Any) -> np.ndarray:
    """How far each service is from where it joins the streets (metres): a point from
    the nearest street, an area from its nearest entrance (0 when a street enters it)."""
    from buurtgeo._snap_policy import snap_distance
    from buurtgeo.areal import AREA_EDGE_M, has_areas, service_joins

    if not has_areas(services):
        geom = services.geometry
        return snap_distance(network, geom.x.to_numpy(), geom.y.to_numpy(), snap=cfg.snap)

    join, _ = service_joins(
        network,
        services,
        snap=cfg.snap,
        edge_m=float(cfg.green_options.get("area_edge_m", AREA_EDGE_M)),
        entrances=entrances,
    )
    return np.asarray(join.snap_m, dtype=np.float64)


def reach_options(cfg: Any, entrances: Any) -> dict[str, Any]:
    """The options of :func:`buurtgeo.reach_all` for area services."""
    from buurtgeo.areal import AREA_EDGE_M

    return {
        "area_edge_m": float(cfg.green_options.get("area_edge_m", AREA_EDGE_M)),
        "entrances": entrances,
    }


def add_green(
    tables: tuple[Any, Any, pd.DataFrame],
    *,
    joined: Any,
    areas: Any,
    origins: Any,
    reach: pd.DataFrame,
    kinds: Sequence[str],
    target_columns: Mapping[str, str],
) -> tuple[Any, Any, pd.DataFrame]:
    """The sector, area and study-area tables with the norm indicators of the green kinds
    (:func:`buurtgeo.green_indicators`) after each kind's columns, and ``fca2`` /
    ``capacity_within`` of those kinds named ``m2_per_child`` / ``m2_within``."""
    green = [k for k in kinds if is_green_kind(k)]
    if not green:
        return tables
    sector_area = areas.attrs["sector_area"]
    everywhere = pd.Series("all", index=joined.index)
    out = []
    for table, by in zip(tables, ("sector_id", sector_area, everywhere), strict=True):
        extra = green_indicators(reach, origins, by=by, kinds=green, children=target_columns)
        merged = table.join(extra) if len(extra.columns) else table
        merged = merged[_kind_order(list(table.columns), list(extra.columns))]
        merged.attrs = dict(table.attrs)
        out.append(rename_green_columns(merged, green))
    return out[0], out[1], out[2]


def _kind_order(columns: list[str], extra: list[str]) -> list[str]:
    """``columns`` with each ``<name>__<kind>`` of ``extra`` right after the last column
    of its kind (at the end when the kind has none)."""
    out = list(columns)
    for column in extra:
        kind = column.partition("__")[2]
        last = max((i for i, c in enumerate(out) if c.endswith(f"__{kind}")), default=len(out) - 1)
        out.insert(last + 1, column)
    return out


def gap_services(services: Any, kinds: Sequence[str]) -> Any:
    """The services as :func:`buurtgeo.gaps` should see them: green kinds without a
    capacity (their m² are no places), so that their shortfall is the share of children
    beyond the norm, and as a point inside each area (the area a park lies in)."""
    from buurtgeo.areal import as_points

    green = services["service_kind"].isin([k for k in kinds if is_green_kind(k)])
    if not green.any():
        return services
    out = as_points(services)
    out["capacity"] = out["capacity"].where(~green.to_numpy())
    return out


def clean_wide_gaps(wide: pd.DataFrame, kinds: Sequence[str]) -> pd.DataFrame:
    """The wide gap columns without those about places for green kinds."""
    drop = [f"{c}__{k}" for k in kinds if is_green_kind(k) for c in _PLACE_GAPS]
    return wide.drop(columns=[c for c in drop if c in wide.columns])


def norms_in_use(cfg: Any, kinds: Sequence[str]) -> dict[str, dict[str, Any]]:
    """Per green kind analysed: its distance, size class and source (for the summary)."""
    sizes = dict(cfg.green_options.get("min_area_m2", {}))
    return {
        k: {
            "min_area_m2": float(sizes.get(k, GREEN_NORMS[k].min_area_m2)),
            "residents": GREEN_NORMS[k].residents,
        }
        for k in kinds
        if is_green_kind(k)
    }
