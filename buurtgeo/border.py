"""Demand across the border: the children outside the study area who use its services.

The services a study area uses include those just across its border (see
:func:`buurtgeo.services_near`). In step 1 of the 2SFCA each service's places are shared
by *every* child within reach of it::

    R_j = S_j / Σ_{i : d_ij <= R} w(d_ij) P_i          (i over all children, both sides)

so the children of the sectors across the border must be counted too, or a municipality
alone looks better supplied than it is (its neighbours' children share the same
places). :func:`origins_across_border` places the children of the sectors outside the
study area that lie within the catchment of a service used; :func:`reach_across_border`
adds them to step 1 only (they get no row of their own) and reports how many were
counted. With the same sector, population and services files, the per-sector figures of a
municipality then equal those of the same sectors in a run over a larger area.

Nothing in :mod:`buurtgeo.reach` changes: the children across the border are origins like
the others for :func:`buurtgeo.reach_all`, whose results for them are dropped.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from buurtgeo._checks import Checks

__all__ = ["origins_across_border", "reach_across_border"]


def origins_across_border(
    sectors: Any,
    *,
    inside: Sequence[str] | pd.Index,
    services: Any,
    catchment_m: float,
    method: str = "grid",
    spacing_m: float = 100.0,
    columns: Sequence[str] | None = None,
    address_points: Any = None,
) -> Any:
    """Origins of the sectors outside the study area within reach of its services.

    Parameters
    ----------
    sectors : GeoDataFrame
        Sectors of the whole sectors file (index ``sector_id``) with their counts
        (``population``, age bands), in the CRS of ``services``.
    inside : sequence of str
        The study area's sector ids (left out).
    services : GeoDataFrame
        The services the study area uses (e.g. :func:`buurtgeo.services_near`).
    catchment_m : float
        The largest catchment, metres: a sector is taken when it lies within this
        straight-line distance of a service (a street distance is never shorter, so no
        child who can reach a service is missed).
    method, spacing_m, columns, address_points
        As :func:`buurtgeo.origins_from_sectors` (use the study area's own settings, so
        a sector gets the same origins in every run).

    Returns
    -------
    GeoDataFrame or None
        Origins (``sector_id``, the counts, ``placement``); ``attrs["sectors"]`` the ids
        taken. None when no sector across the border is within reach.
    """
    import shapely

    from buurtgeo.origins import origins_from_sectors

    checks = Checks("origins_across_border")
    if not (isinstance(catchment_m, int | float) and np.isfinite(catchment_m) and catchment_m >= 0):
        checks.add(f"catchment_m must be a number of metres >= 0, got {catchment_m!r}")
    checks.raise_if_any()
    outside = sectors[~sectors.index.isin(pd.Index(inside))]
    geoms = np.asarray(outside.geometry.array)
    pts = np.asarray(services.geometry.array)
    if len(outside) and len(pts):
        hit = shapely.STRtree(geoms).query(pts, predicate="dwithin", distance=float(catchment_m))
        near = outside.iloc[np.unique(hit[1])]
    else:
        near = outside.iloc[:0]
    if not len(near):
        return None
    method_here = method if method != "points" else "addresses"
    out = origins_from_sectors(
        near,
        method=method_here,
        spacing_m=spacing_m,
        columns=columns,
        address_points=address_points if method_here == "addresses" else None,
    )
    out.attrs["sectors"] = near.index.astype(str).tolist()
    return out


def reach_across_border(
    origins: Any,
    services: Any,
    *,
    outside: Any,
    targets: Mapping[str, str],
    **reach_all_options: Any,
) -> pd.DataFrame:
    """:func:`buurtgeo.reach_all` with the children across the border counted in step 1.

    Parameters
    ----------
    origins : GeoDataFrame
        The study area's origins, with the target columns of ``targets``.
    services : GeoDataFrame
        The services used (``service_kind``, ``capacity``).
    outside : GeoDataFrame or None
        Origins across the border (:func:`origins_across_border`), with the same target
        columns; None or empty: plain :func:`buurtgeo.reach_all`.
    targets : mapping kind -> column
        The demand column of each kind (passed to :func:`buurtgeo.reach_all`).
    **reach_all_options
        ``network``, ``catchment_m``, ``decay``, ``kinds`` … of :func:`buurtgeo.reach_all`.

    Returns
    -------
    DataFrame on ``origins.index``
        As :func:`buurtgeo.reach_all`; ``attrs["across_border"]`` per kind: ``children``
        (Σ of the kind's target children across the border within its catchment of at
        least one service: counted in step 1), ``origins`` and ``sectors`` (how many
        of them do), and ``sectors_considered``.
    """
    import geopandas as gpd

    from buurtgeo.reach import reach_all

    if outside is None or not len(outside):
        out = reach_all(origins, services, targets=targets, **reach_all_options)
        out.attrs["across_border"] = {}
        return out
    checks = Checks("reach_across_border")
    missing = sorted({c for c in targets.values() if c not in outside.columns})
    if missing:
        checks.add(f"outside lacks the target columns {missing}")
    checks.raise_if_any()
    keep = [c for c in origins.columns if c in outside.columns]
    extra = outside[keep].copy()
    extra.index = pd.RangeIndex(len(origins), len(origins) + len(extra), name=origins.index.name)
    both = gpd.GeoDataFrame(
        pd.concat(
            [
                pd.DataFrame(origins[keep]).reset_index(drop=True),
                pd.DataFrame(extra).reset_index(drop=True),
            ],
            ignore_index=True,
        ),
        geometry="geometry",
        crs=origins.crs,
    )
    full = reach_all(both, services, targets=targets, **reach_all_options)
    n = len(origins)
    out = full.iloc[:n].copy()
    out.index = origins.index
    out.attrs = dict(full.attrs)
    tail = full.iloc[n:]
    report = {}
    for kind, column in targets.items():
        within = f"services_within__{kind}"
        if within not in tail.columns:
            continue
        reached = tail[within].to_numpy() > 0
        report[kind] = {
            "children": float(outside[column].to_numpy()[reached].sum()),
            "origins": int(reached.sum()),
            "sectors": int(pd.Series(outside["sector_id"].to_numpy()[reached]).nunique()),
            "sectors_considered": int(outside["sector_id"].nunique()),
        }
    out.attrs["across_border"] = report
    return out
