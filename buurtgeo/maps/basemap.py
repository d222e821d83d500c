"""A base map of the analysis' own, so that a map reads offline: streets, water, railways, parks,
neighbouring sectors and municipalities.

:func:`base_map` gathers, around the study area, what a planner orients by and the
inputs already hold: the street network (when the analysis has one), water, railways
and parks from an OpenStreetMap file (:func:`buurtgeo.read_osm_basemap`), and the
outlines of the sectors and municipalities next to the study area (from the sectors
file). The maps draw it as a light vector layer (``basemap=`` of :func:`reach_map`,
:func:`bivariate_map` and :func:`scenario_map`), simplified so that the page stays small.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from buurtgeo._checks import Checks

if TYPE_CHECKING:  # pragma: no cover
    import geopandas as gpd

    from buurtgeo.network import Network

__all__ = ["base_map"]


def _box(areas: Any, margin_m: float) -> Any:
    import shapely

    minx, miny, maxx, maxy = areas.total_bounds
    return shapely.box(minx - margin_m, miny - margin_m, maxx + margin_m, maxy + margin_m)


def _streets(network: Any, box: Any) -> np.ndarray:
    """The network's edges in ``box`` (cut at its edge), merged where they continue each other."""
    import shapely

    edges = np.asarray(network.edges().geometry.values)
    if len(edges) == 0:
        return edges
    minx, miny, maxx, maxy = box.bounds
    lo = shapely.bounds(edges)
    inside = (lo[:, 2] >= minx) & (lo[:, 0] <= maxx) & (lo[:, 3] >= miny) & (lo[:, 1] <= maxy)
    merged = shapely.line_merge(shapely.multilinestrings(edges[inside]))
    parts = shapely.get_parts(shapely.clip_by_rect(merged, minx, miny, maxx, maxy))
    return np.asarray(parts[~shapely.is_empty(parts)])


def _neighbours(sectors: Any, areas: Any, box: Any) -> list[tuple[str, Any, Any]]:
    """Outlines of the sectors outside the study area, and of every municipality, in ``box``."""
    import shapely

    geoms = np.asarray(sectors.geometry.values)
    near = shapely.intersects(geoms, box)
    if not near.any():
        return []
    study = shapely.union_all(np.asarray(areas.geometry.values)).buffer(1.0)
    inner = shapely.within(shapely.point_on_surface(geoms[near]), study)
    rows: list[tuple[str, Any, Any]] = [
        ("sector", None, g) for g in shapely.clip_by_rect(geoms[near][~inner], *box.bounds)
    ]
    if "municipality_nis" in sectors.columns:
        part = sectors[near]
        nis = part["municipality_nis"].astype(str).to_numpy()
        name_col = next(
            (c for c in ("municipality_name_nl", "municipality_name_fr") if c in part.columns),
            None,
        )
        for code in sorted(set(nis)):
            members = np.asarray(part.geometry.values[nis == code])
            outline = shapely.clip_by_rect(shapely.union_all(members), *box.bounds)
            name = part[name_col].to_numpy()[nis == code][0] if name_col else code
            rows.append(("municipality", None if pd.isna(name) else str(name), outline))
    return rows


def _check_base_map_inputs(areas: Any, network: Any, osm: Any, sectors: Any, margin_m: Any) -> None:
    import geopandas as gpd

    checks = Checks("base_map")
    frames, names = [], []
    for frame, what in ((areas, "areas"), (sectors, "sectors")):
        if frame is None and what == "sectors":
            continue
        if not isinstance(frame, gpd.GeoDataFrame):
            checks.add(f"{what} must be a GeoDataFrame, got {type(frame).__name__}")
        else:
            frames.append(frame)
            names.append(what)
    if osm is not None and not (isinstance(osm, str | os.PathLike) and os.path.isfile(osm)):
        checks.add(f"osm must be the path of an OpenStreetMap file, got {osm!r}")
    if not (isinstance(margin_m, int | float) and np.isfinite(margin_m) and margin_m >= 0):
        checks.add(f"margin_m must be a number of metres >= 0, got {margin_m!r}")
    checks.crs_with_network(frames, names, network)
    checks.raise_if_any()


def base_map(
    areas: gpd.GeoDataFrame,
    *,
    network: Network | None = None,
    osm: str | os.PathLike[str] | None = None,
    sectors: gpd.GeoDataFrame | None = None,
    margin_m: float = 1500.0,
) -> gpd.GeoDataFrame:
    """The background of a map around ``areas``: streets, water, railways, parks, neighbours.

    Everything is cut to the areas' bounding box widened by ``margin_m`` on each side.

    Parameters
    ----------
    areas : geopandas.GeoDataFrame
        The study area's areas or sectors (polygons, working CRS).
    network : buurtgeo.Network, optional
        Its edges become ``street`` lines (merged where they continue each other).
    osm : path-like, optional
        An OpenStreetMap extract: ``water``, ``waterway``, ``railway`` and ``park``
        features (:func:`buurtgeo.read_osm_basemap`).
    sectors : geopandas.GeoDataFrame, optional
        Sectors around the study area (e.g. the whole sectors file, as
        :func:`buurtgeo.read_sectors` reads it): those outside the study area become
        ``sector`` outlines, and every municipality in the box a ``municipality``
        outline with its name (``municipality_name_nl``).
    margin_m : float, default 1500
        How far beyond the areas the background reaches, metres.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``feature`` and ``name`` (municipalities and OSM names; else None), in
        the CRS of ``areas``; drawing styles per feature live in the maps.
    """
    import geopandas as gpd

    _check_base_map_inputs(areas, network, osm, sectors, margin_m)
    box = _box(areas, float(margin_m))
    rows: list[tuple[str, Any, Any]] = []
    if sectors is not None:
        rows += _neighbours(sectors.to_crs(areas.crs), areas, box)
    if osm is not None:
        from buurtgeo.io.basemap import read_osm_basemap

        features = read_osm_basemap(osm, bbox=box.bounds).to_crs(areas.crs)
        import shapely

        clipped = shapely.clip_by_rect(np.asarray(features.geometry.values), *box.bounds)
        rows += [
            (f, None if pd.isna(n) else str(n), g)
            for f, n, g in zip(features["feature"], features["name"], clipped, strict=True)
        ]
    if network is not None:
        rows += [("street", None, g) for g in _streets(network, box)]
    frame = gpd.GeoDataFrame(
        {"feature": [r[0] for r in rows], "name": pd.Series([r[1] for r in rows], dtype=object)},
        geometry=[r[2] for r in rows],
        crs=areas.crs,
    )
    return frame[~(frame.geometry.isna() | frame.geometry.is_empty)].reset_index(drop=True)
