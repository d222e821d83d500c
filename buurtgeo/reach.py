"""Per-origin reach: nearest service, services and places within a catchment, 2SFCA/E2SFCA.

Stage 3 of the pipeline (``files -> tables -> reach per origin -> indicators per area``).
Everything here works on *origins* (points where children live, with a population
column; see :func:`buurtgeo.origins_from_sectors`) and *services* (points of one kind
with a capacity), in one projected metric CRS. Nothing is reprojected here.

Distances
---------
Without a network, the distance between an origin ``i`` and a service ``j`` is the
straight line ``d_ij = |x_i - x_j|`` (metres). With a :class:`buurtgeo.Network` it
follows the street. Each point ``P`` joins the network at ``Q``, the closest point of
the nearest street's own line (``snap='edge'``, the default; see
:meth:`buurtgeo.Network.snap_edges`), and from ``Q`` goes to either end of that street
along it; the straight offset ``snap_m = |PQ|`` counts::

    d_ij = min( |P_i Q_i| + along(Q_i -> x) + D(x -> y) + along(y -> Q_j) + |Q_j P_j| )

over the ends ``x`` of ``i``'s street and ``y`` of ``j``'s street, ``D`` the shortest
path over the network; two points on the same street also reach each other directly
along it. Walking networks are undirected; on a cycling network from OpenStreetMap
one-way streets are travelled their way (``d_ij`` is the way from the origin to the
service). ``snap='node'`` joins at the nearest node instead, as pandana and osmnx
do: ``d_ij = offset(i) + D(node(i), node(j)) + offset(j)``. A point farther than
``max_snap_m`` (250 m) from every street is named in a warning (``far='warn'``), left
unreachable (``'unreachable'``) or refused (``'error'``).

How it is computed
------------------
Origins and services are snapped to the network once per call (once per
:func:`reach_all` call for all kinds; a bucket grid over the streets, compiled);
shortest paths are computed from the services over the reversed graph (one
multi-source pass for the nearest service, one bounded search per service for the
catchment, with a bucket queue). For each service the compiled kernel turns the nodes
within reach into the origins within reach, each once at its shortest distance, and
two compiled passes (numba, cached on disk) over each block of whole services' pairs
sum the demand on each service, then add ``w R_j`` to each origin. Straight-line
reach walks a bucket grid of origins (cells of about R/2) without storing any pair.
Services are processed in blocks, so memory stays O(origins + one block of pairs). A
callable decay takes an equivalent vectorised numpy path (``bincount`` over pair
blocks).
The engines are in :mod:`buurtgeo._engines`, the compiled passes in
:mod:`buurtgeo._reach_kernels`, the decays in :mod:`buurtgeo.decay`; the same 2SFCA
from a cost table is :func:`buurtgeo.fca2_from_costs` (:mod:`buurtgeo.fca`), and the
summaries per sector or area are :func:`buurtgeo.aggregate_reach`
(:mod:`buurtgeo.aggregate`).

Measures (per origin ``i``, catchment ``R`` metres, decay weight ``w(d)``)
------------------------------------------------------------------------
``dist_nearest_m``   ``min_j d_ij`` (``inf`` when no service can be reached; never capped)
``time_nearest_min`` ``dist_nearest_m / (1000 * speed_kmh / 60)``
``services_within``  ``#{j : d_ij <= R}``
``capacity_within``  ``sum_{j : d_ij <= R} S_j`` (services without capacity add nothing)
``fca2``             two-step floating catchment (Luo & Wang 2003; enhanced with a
                     distance decay as in Luo & Qi 2009 / Dai 2010)::

                        R_j = S_j / sum_{i : d_ij <= R} w(d_ij) P_i
                        A_i = sum_{j : d_ij <= R} w(d_ij) R_j

                     in places per person of the demand population ``P``.
``covered``          ``dist_nearest_m <= R``
``snap_m``           over a network: ``|PQ|``, how far the origin is from the street it joins

Services may be areas (polygons: parks, play spaces): reached at their edge, in a
straight line (0 inside) and over the network where a street enters them (see
:mod:`buurtgeo.areal`); their capacity may be an area in m².

A catchment may be given in minutes (``catchment_min``): ``R = catchment_min * speed``
with the mode's speed (walking 4.8 km/h, cycling 15 km/h: the ``walk_speed_kmh`` and
``bike_speed_kmh`` options, or ``speed_kmh``).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from buurtgeo import _snap_policy as policy
from buurtgeo import areal, schema
from buurtgeo._checks import Checks, row_labels
from buurtgeo._engines import _engine, _Euclid, _OnNetwork, _Points, _xy
from buurtgeo.decay import Decay, _check_decay, _decay_function, _decay_label
from buurtgeo.errors import InputError
from buurtgeo.options import get_option

if TYPE_CHECKING:  # pragma: no cover
    import geopandas as gpd
    import shapely

    from buurtgeo.network import Network

__all__ = ["REACH_COLUMNS", "reach", "reach_all", "services_near"]

#: Columns of :func:`reach` (before the per-extra-catchment ones), in order.
REACH_COLUMNS: tuple[str, ...] = (
    "dist_nearest_m",
    "time_nearest_min",
    "services_within",
    "capacity_within",
    "fca2",
    "covered",
)


# --------------------------------------------------------------------------------------
# The computation, on arrays
# --------------------------------------------------------------------------------------


def _radius_tag(r: float) -> str:
    return f"{int(r)}m" if float(r).is_integer() else f"{r:g}m".replace(".", "_")


def _compute(
    engine: _Euclid | _OnNetwork | areal.AreaEngine,
    services: _Points,
    population: np.ndarray,
    capacity: np.ndarray,
    *,
    catchment_m: float,
    decay: Decay,
    speed_kmh: float,
    extra_catchments_m: Sequence[float],
    outside_area: np.ndarray | None,
    catchment_min: float | None = None,
) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    n, n_s = engine.n, len(services)
    r = float(catchment_m)
    extras = [float(e) for e in extra_catchments_m]
    weight = _decay_function(decay, r)
    has_cap = ~np.isnan(capacity)
    supply = np.where(has_cap, capacity, 0.0)

    within = np.zeros(n, dtype=np.int64)
    cap_within = np.zeros(n)
    access = np.zeros(n)
    extra_within = {e: np.zeros(n, dtype=np.int64) for e in extras}
    extra_cap = {e: np.zeros(n) for e in extras}
    used = np.zeros(n_s, dtype=bool)
    demand = np.zeros(n_s)

    radius = max([r, *extras])
    if isinstance(decay, str):  # compiled kernels; a callable decay takes the numpy path
        within, cap_within, access, ex_w, ex_c, used, demand = engine.accumulate(
            services, population, supply, has_cap, r, decay, extras
        )
        extra_within = {e: ex_w[k] for k, e in enumerate(extras)}
        extra_cap = {e: ex_c[k] for k, e in enumerate(extras)}
        blocks: Iterator[tuple[np.ndarray, ...]] = iter(())
        dist = engine.nearest(services, known=engine.near_within)
    else:
        dist = engine.nearest(services)
        blocks = engine.pair_blocks(services, radius)
    for svc, origin, d in blocks:
        for e in extras:
            m = d <= e
            extra_within[e] += np.bincount(origin[m], minlength=n)
            extra_cap[e] += np.bincount(origin[m], weights=supply[svc[m]], minlength=n)
        if radius > r:
            m = d <= r
            svc, origin, d = svc[m], origin[m], d[m]
        if len(d) == 0:
            continue
        within += np.bincount(origin, minlength=n)
        cap_within += np.bincount(origin, weights=supply[svc], minlength=n)
        used[svc] = True
        w = weight(d)
        # step 1: demand on each service (whole services per block, so this is complete)
        dem = np.bincount(svc, weights=w * population[origin], minlength=n_s)
        demand += dem
        ratio = np.divide(supply, dem, out=np.zeros(n_s), where=(dem > 0) & has_cap)
        # step 2: sum of the ratios each origin reaches
        access += np.bincount(origin, weights=w * ratio[svc], minlength=n)

    no_capacity = n_s > 0 and not has_cap.any()
    if no_capacity:  # nothing known about places: say so rather than report zero
        cap_within[:] = np.nan
        access[:] = np.nan
        for e in extras:
            extra_cap[e][:] = np.nan
    metres_per_min = speed_kmh * 1000.0 / 60.0
    cols: dict[str, np.ndarray] = {
        "dist_nearest_m": dist,
        "time_nearest_min": dist / metres_per_min,
        "services_within": within,
        "capacity_within": cap_within,
        "fca2": access,
        "covered": dist <= r,
    }
    for e in extras:
        tag = _radius_tag(e)
        cols[f"services_within_{tag}"] = extra_within[e]
        cols[f"capacity_within_{tag}"] = extra_cap[e]
    info: dict[str, Any] = {
        "distance": engine.kind,
        "catchment_m": r,
        **({} if catchment_min is None else {"catchment_min": float(catchment_min)}),
        "decay": _decay_label(decay),
        "speed_kmh": float(speed_kmh),
        "services": int(n_s),
        "services_used": int(used.sum()),
        "services_without_capacity": int((~has_cap).sum()),
        "services_without_demand": int((has_cap & (demand <= 0)).sum()),
    }
    if outside_area is not None:
        info["services_outside_area"] = int(outside_area.sum())
        info["services_outside_area_used"] = int((outside_area & used).sum())
    return cols, info


def _network_engine(
    origins: Any,
    services: Any,
    network: Any,
    *,
    snap: str,
    max_snap_m: float,
    far: str,
    what: str,
    area_edge_m: float = areal.AREA_EDGE_M,
    entrances: Any = None,
) -> tuple[_Euclid | _OnNetwork | areal.AreaEngine, _Points, dict[str, Any]]:
    """The engine on the origins and the services prepared for it; over a network the
    points far from every street are named (:func:`buurtgeo._snap_policy.report_far`).
    Area services (polygons) take an :class:`buurtgeo.areal.AreaEngine`."""
    engine: _Euclid | _OnNetwork | areal.AreaEngine
    svc: _Points
    engine = _engine(origins, network, snap=snap, cut_m=policy.cut_m(max_snap_m, far))
    if areal.has_areas(services):
        engine, svc = areal.area_engine(engine, services, edge_m=area_edge_m, entrances=entrances)
    else:
        svc = engine.prepare(*_xy(services))
    info: dict[str, Any] = {}
    if engine.kind == "network":
        info = {"snap": snap, "max_snap_m": float(max_snap_m), "far": far}
        info.update(
            policy.report_far(
                what,
                _origins_snap(engine),
                svc.snap_m,
                services.index,
                max_snap_m=float(max_snap_m),
                far=far,
            )
        )
    return engine, svc, info


def _origins_snap(engine: Any) -> np.ndarray | None:
    """Over a network, how far each origin is from where it joins it (metres)."""
    return getattr(engine, "snap_m", None) if engine.kind == "network" else None


def _speed(speed_kmh: float | None, network: Any) -> float:
    if speed_kmh is not None:
        return float(speed_kmh)
    if network is not None and getattr(network, "mode", "walk") == "bike":
        return float(get_option("bike_speed_kmh"))
    return float(get_option("walk_speed_kmh"))


def _check_common(
    checks: Checks,
    origins: Any,
    services: Any,
    network: Any,
    speed_kmh: Any,
    extra_catchments_m: Any,
    decay: Any,
    snap: tuple[Any, Any, Any] = ("edge", policy.MAX_SNAP_M, "warn"),
    area_edge_m: Any = areal.AREA_EDGE_M,
) -> None:
    """The checks :func:`reach` and :func:`reach_all` share: points (services may be
    areas), decay, speed, extra radii, network, how points join it (``snap``,
    ``max_snap_m``, ``far``, ``area_edge_m``), and one projected metric CRS for all."""
    ok_o = checks.points(origins, "origins")
    ok_s = checks.points(services, "services", areas=True)
    areal.check_edge(checks, area_edge_m)
    _check_decay(checks, decay)
    policy.check_snap(checks, *snap)
    if speed_kmh is not None:
        checks.radius(speed_kmh, "speed_kmh")
    try:
        extras = list(extra_catchments_m)
    except TypeError:
        checks.add(f"extra_catchments_m must be a sequence of metres, got {extra_catchments_m!r}")
    else:
        for e in extras:
            checks.radius(e, "each of extra_catchments_m")
    checks.network(network)
    if ok_o and ok_s:
        frames, names = [origins, services], ["origins", "services"]
        if network is not None and hasattr(network, "crs"):
            frames.append(network)
            names.append("network")
        checks.crs(frames, names)


def _outside(services: pd.DataFrame) -> np.ndarray | None:
    if "outside_area" not in services.columns:
        return None
    return services["outside_area"].fillna(False).to_numpy(dtype=bool)


# --------------------------------------------------------------------------------------
# Public functions
# --------------------------------------------------------------------------------------


def _check_reach(
    origins: Any,
    services: Any,
    network: Any,
    catchment_m: Any,
    decay: Any,
    population: str,
    capacity: str,
    speed_kmh: Any,
    extra_catchments_m: Any,
    catchment_min: Any = None,
    snap: tuple[Any, Any, Any] = ("edge", policy.MAX_SNAP_M, "warn"),
    area_edge_m: Any = areal.AREA_EDGE_M,
) -> tuple[np.ndarray, np.ndarray]:
    """The check step of :func:`reach`: the population and capacity columns as float64,
    or one error naming every problem."""
    checks = Checks("reach")
    checks.radius(catchment_m, "catchment_m")
    policy.check_minutes(checks, catchment_m, catchment_min)
    _check_common(
        checks, origins, services, network, speed_kmh, extra_catchments_m, decay, snap,
        area_edge_m,
    )  # fmt: skip
    pop = cap = None
    if isinstance(origins, pd.DataFrame):
        pop = checks.numeric(origins, population, "origins", allow_nan=False)
    if isinstance(services, pd.DataFrame):
        cap = checks.numeric(services, capacity, "services", allow_nan=True)
        if "service_kind" in services.columns:
            kinds = services["service_kind"].dropna().unique().tolist()
            if len(kinds) > 1:
                checks.add(
                    f"services must be of ONE kind, found {sorted(map(str, kinds))} "
                    "(use buurtgeo.reach_all for several kinds, or select one)"
                )
    checks.raise_if_any()
    assert pop is not None and cap is not None
    return pop, cap


def reach(
    origins: gpd.GeoDataFrame,
    services: gpd.GeoDataFrame,
    *,
    network: Network | None = None,
    catchment_m: float = policy.DEFAULT_CATCHMENT_M,
    catchment_min: float | None = None,
    decay: Decay = "step",
    population: str = "population",
    capacity: str = "capacity",
    speed_kmh: float | None = None,
    extra_catchments_m: Sequence[float] = (),
    snap: str = "edge",
    max_snap_m: float = policy.MAX_SNAP_M,
    far: str = "warn",
    area_edge_m: float = areal.AREA_EDGE_M,
    entrances: gpd.GeoDataFrame | None = None,
) -> pd.DataFrame:
    """Reach of one kind of service from every origin: nearest, within a catchment, 2SFCA.

    Parameters
    ----------
    origins : GeoDataFrame
        Points where people live, with a ``population`` column (persons, >= 0; for a
        service kind use its target group, e.g. ``children_0_2``). Any index.
    services : GeoDataFrame
        Points of ONE kind (a ``service_kind`` column, when present, must hold one
        value) with a ``capacity`` column (places, >= 0; NaN = unknown, see Notes).
        A boolean ``outside_area`` column (from :func:`services_near`) is reported on.
        Services may be areas (Polygons, MultiPolygons: parks, play spaces), reached at
        their edge (see ``area_edge_m`` and :mod:`buurtgeo.areal`); their capacity may
        be in m² (then ``fca2`` is m² per person).
    network : buurtgeo.Network, optional
        Street network; None (default) measures straight lines.
    catchment_m : float, default 1000
        Catchment radius ``R`` in metres (pairs with ``d <= R`` count).
    catchment_min : float, optional
        The catchment in minutes instead: ``R = catchment_min * speed_kmh * 1000 / 60``
        (e.g. 10 min walking at 4.8 km/h: 800 m). Give it or ``catchment_m``, not both.
    decay : {'step', 'linear', 'gaussian'} or callable, default 'step'
        Distance decay ``w(d)`` applied in both steps of the 2SFCA, to pairs with
        ``d <= R`` only: ``'step'`` ``w = 1`` (classic 2SFCA); ``'linear'``
        ``w = 1 - d/R``; ``'gaussian'`` ``w = (exp(-1/2 (d/R)^2) - exp(-1/2)) /
        (1 - exp(-1/2))`` (E2SFCA Gaussian of Dai 2010, 1 at the service, 0 at R); or a
        function mapping an array of metres to weights (>= 0).
    population : str, default 'population'
        Demand column of ``origins``.
    capacity : str, default 'capacity'
        Supply column of ``services``.
    speed_kmh : float, optional
        Speed for ``time_nearest_min`` and ``catchment_min`` in km/h. Default: the
        ``bike_speed_kmh`` option (15 km/h) when ``network.mode == 'bike'``, else the
        ``walk_speed_kmh`` option (4.8 km/h).
    extra_catchments_m : sequence of float, default ()
        More radii (metres) for which ``services_within_{r}m`` and
        ``capacity_within_{r}m`` are added (e.g. ``(500, 2000)``).
    snap : {'edge', 'node'}, default 'edge'
        Over a network, where a point joins it: the closest point of its nearest street
        (``'edge'``), or its nearest node (``'node'``: the older, coarser way, kept for
        comparison). See the module docstring.
    max_snap_m : float, default 250
        A point farther than this (metres) from where it joins the network is named in
        a warning: how many origins, which service rows.
    far : {'warn', 'unreachable', 'error'}, default 'warn'
        What such a point gets: ``'warn'`` (its distance starts with that straight
        line), ``'unreachable'`` (it reaches nothing, nothing reaches it: distance
        ``inf``), ``'error'`` (an :class:`~buurtgeo.errors.InputError` naming them).
    area_edge_m : float, default 10
        Over a network, for area services: a street within this many metres of the
        area's edge opens it along that stretch (road registers draw the road's axis;
        the park begins at the kerb). 0: only streets that enter the area.
    entrances : GeoDataFrame, optional
        Points with a ``service_id`` column naming the area service each belongs to,
        or a ``green_id`` column naming the services' ``green_id`` (the area as read:
        :func:`buurtgeo.read_osm_entrances` gives the gates and entrances on a park's
        boundary); over a network an area that has entrances is reached at them only.

    Returns
    -------
    DataFrame on ``origins.index``
        ``dist_nearest_m`` (float, metres; ``inf`` where no service can be reached),
        ``time_nearest_min`` (float, minutes ``= dist_nearest_m / (1000 speed_kmh / 60)``),
        ``services_within`` (int, services with ``d <= R``), ``capacity_within`` (float,
        places, ``sum S_j`` over ``d <= R``), ``fca2`` (float, places per person),
        ``covered`` (bool, ``dist_nearest_m <= R``), then ``services_within_{r}m`` and
        ``capacity_within_{r}m`` for each extra radius, and over a network ``snap_m``
        (metres from the origin to where it joins the street). ``attrs`` records the
        distance kind, catchment (and ``catchment_min`` when given), decay, speed and
        service counts (``services_used``: with an origin within R;
        ``services_without_capacity``; ``services_without_demand``;
        ``services_outside_area_used`` when ``services`` has ``outside_area``), and over
        a network ``snap``, ``max_snap_m``, ``far``, ``origins_far``, ``services_far``.

    Notes
    -----
    2SFCA / E2SFCA (Luo & Wang 2003; Luo & Qi 2009), with ``P_i`` the population of
    origin ``i``, ``S_j`` the capacity of service ``j`` and ``d_ij`` the distance::

        R_j = S_j / sum_{i : d_ij <= R} w(d_ij) P_i        (places per person, at j)
        A_i = sum_{j : d_ij <= R} w(d_ij) R_j              (fca2 of origin i)

    When every service has demand in reach, ``sum_i P_i A_i = sum_j S_j``.
    A service with NaN capacity counts in ``services_within`` and ``dist_nearest_m``
    but adds nothing to ``capacity_within`` or ``fca2`` (its places are unknown); when
    no service has a capacity, ``capacity_within`` and ``fca2`` are NaN. A service with
    no demand in reach (``sum w P = 0``) adds nothing to ``fca2``.

    Network distance: along the street from where each point joins it, the straight
    offsets included (see the module docstring). Inputs must share one projected CRS in
    metres (the network's too); nothing is reprojected.

    Examples
    --------
    >>> res = bg.reach(origins, services[services.service_kind == "childcare_baby"],
    ...                network=net, catchment_m=1000, decay="gaussian",
    ...                population="children_0_2")  # doctest: +SKIP
    """
    pop, cap = _check_reach(
        origins,
        services,
        network,
        catchment_m,
        decay,
        population,
        capacity,
        speed_kmh,
        extra_catchments_m,
        catchment_min,
        (snap, max_snap_m, far),
        area_edge_m,
    )
    speed = _speed(speed_kmh, network)
    engine, svc, snapped = _network_engine(
        origins, services, network, snap=snap, max_snap_m=max_snap_m, far=far, what="reach",
        area_edge_m=area_edge_m, entrances=entrances,
    )  # fmt: skip
    cols, info = _compute(
        engine,
        svc,
        pop,
        cap,
        catchment_m=policy.radius_m(catchment_m, catchment_min, speed),
        decay=decay,
        speed_kmh=speed,
        extra_catchments_m=tuple(extra_catchments_m),
        outside_area=_outside(services),
        catchment_min=catchment_min,
    )
    if (snap_m := _origins_snap(engine)) is not None:
        cols["snap_m"] = snap_m
    out = pd.DataFrame(cols, index=origins.index)
    info["population"] = population
    out.attrs.update(info)
    out.attrs.update(snapped)
    return out


def _target_column(
    origins: pd.DataFrame, kind: str, targets: Mapping[str, Any] | None
) -> tuple[list[str], str]:
    if targets is not None and kind in targets:
        spec = targets[kind]
        cols = [spec] if isinstance(spec, str) else list(spec)
    else:
        cols = list(schema.get_service_kind(kind).target)
    return cols, "+".join(cols)


def _catchment_of(
    kind: str,
    catchment_m: float | Mapping[str, float] | None,
    catchment_min: float | Mapping[str, float] | None = None,
    speed_kmh: float = 4.8,
) -> float:
    """The catchment radius of a kind (metres): given per kind (in metres or minutes),
    given for all, or the vocabulary's."""
    minutes = policy.minutes_table([kind], catchment_min)
    if kind in minutes:
        return policy.radius_m(None, minutes[kind], speed_kmh)
    if isinstance(catchment_m, Mapping) and kind in catchment_m:
        return float(catchment_m[kind])
    if catchment_m is not None and not isinstance(catchment_m, Mapping):
        return float(catchment_m)
    return float(schema.get_service_kind(kind).catchment_m)


def _wanted_kinds(
    checks: Checks,
    services: pd.DataFrame,
    catchment_m: Any,
    targets: Mapping[str, Any] | None,
    kinds: Sequence[str] | None,
    catchment_min: Any = None,
) -> list[str]:
    """The kinds :func:`reach_all` computes: those asked for, else every kind present in
    ``services`` (vocabulary order); each must have a demand and a catchment."""
    if "service_kind" not in services.columns:
        checks.missing_column("service_kind", "services", services.columns)
        return []
    present = set(services["service_kind"].dropna().astype(str))
    no_kind = services["service_kind"].isna().to_numpy()
    if no_kind.any():
        checks.add(f"services {row_labels(services.index, no_kind)} have no service_kind")
    vocab = list(schema.service_kinds())
    if kinds is None:
        wanted = [k for k in vocab if k in present] + sorted(present - set(vocab))
    else:
        wanted = list(kinds)
    for k in wanted:
        if k not in vocab and not (targets and k in targets):
            checks.add(
                f"unknown service kind {k!r}: give its demand in targets= "
                f"(known kinds: {', '.join(vocab)})"
            )
        elif k not in vocab and not any(
            isinstance(c, int | float) or (isinstance(c, Mapping) and k in c)
            for c in (catchment_m, catchment_min)
        ):
            checks.add(
                f"service kind {k!r} is not in the vocabulary: give its catchment in "
                "catchment_m= (or catchment_min=)"
            )
    return wanted


def _check_reach_all(
    origins: Any,
    services: Any,
    network: Any,
    catchment_m: Any,
    decay: Any,
    targets: Mapping[str, Any] | None,
    kinds: Sequence[str] | None,
    capacity: str,
    speed_kmh: Any,
    extra_catchments_m: Any,
    catchment_min: Any = None,
    snap: tuple[Any, Any, Any] = ("edge", policy.MAX_SNAP_M, "warn"),
    area_edge_m: Any = areal.AREA_EDGE_M,
) -> tuple[list[str], dict[str, np.ndarray], np.ndarray]:
    """The check step of :func:`reach_all`: the kinds to compute, the demand of each
    (its target columns summed) and the capacities, or one error naming every problem."""
    checks = Checks("reach_all")
    _check_common(
        checks, origins, services, network, speed_kmh, extra_catchments_m, decay, snap,
        area_edge_m,
    )  # fmt: skip
    if isinstance(catchment_m, Mapping):
        for k, v in catchment_m.items():
            checks.radius(v, f"catchment_m[{k!r}]")
    elif catchment_m is not None:
        checks.radius(catchment_m, "catchment_m")
    policy.check_minutes(checks, catchment_m, catchment_min)
    cap = None
    wanted: list[str] = []
    if isinstance(services, pd.DataFrame):
        cap = checks.numeric(services, capacity, "services", allow_nan=True)
        wanted = _wanted_kinds(checks, services, catchment_m, targets, kinds, catchment_min)
    demand: dict[str, np.ndarray] = {}
    if isinstance(origins, pd.DataFrame):
        columns: dict[str, np.ndarray | None] = {}  # each column checked once for all kinds
        for k in wanted:
            try:
                cols, _ = _target_column(origins, k, targets)
            except InputError:
                continue
            total = None
            for c in cols:
                if c not in columns:
                    columns[c] = checks.numeric(origins, c, "origins", allow_nan=False)
                arr = columns[c]
                if arr is not None:
                    total = arr.copy() if total is None else total + arr
            if total is not None:
                demand[k] = total
    checks.raise_if_any()
    assert cap is not None
    return wanted, demand, cap


def reach_all(
    origins: gpd.GeoDataFrame,
    services: gpd.GeoDataFrame,
    *,
    network: Network | None = None,
    catchment_m: float | Mapping[str, float] | None = None,
    catchment_min: float | Mapping[str, float] | None = None,
    decay: Decay = "step",
    targets: Mapping[str, str | Sequence[str]] | None = None,
    kinds: Sequence[str] | None = None,
    capacity: str = "capacity",
    speed_kmh: float | None = None,
    extra_catchments_m: Sequence[float] = (),
    snap: str = "edge",
    max_snap_m: float = policy.MAX_SNAP_M,
    far: str = "warn",
    area_edge_m: float = areal.AREA_EDGE_M,
    entrances: gpd.GeoDataFrame | None = None,
) -> pd.DataFrame:
    """Reach of several service kinds at once, snapping origins and services only once.

    For each kind ``k`` this computes exactly what :func:`reach` computes with the
    services of kind ``k``, catchment ``R_k`` and demand ``P_i^k`` = the kind's target
    population (the sum of its ``target`` age-band columns on the origins, e.g.
    ``children_3_5 + children_6_11`` for out-of-school care)::

        R_j = S_j / sum_{i : d_ij <= R_k} w(d_ij) P_i^k ;   A_i^k = sum_{j : d_ij <= R_k} w(d_ij) R_j

    Parameters
    ----------
    origins : GeoDataFrame
        Points with the target-population columns of every kind computed (persons).
    services : GeoDataFrame
        Points with ``service_kind`` and ``capacity`` (places; NaN = unknown) columns.
    network : buurtgeo.Network, optional
        Street network; None measures straight lines.
    catchment_m : float or mapping kind -> float, optional
        Catchment radius per kind in metres; a number applies to every kind. Default:
        each kind's ``catchment_m`` from :func:`buurtgeo.service_kinds`.
    catchment_min : float or mapping kind -> float, optional
        Catchments in minutes at the mode's speed (see :func:`reach`), for every kind or
        per kind; a kind may not have both a catchment in metres and one in minutes.
    decay : {'step', 'linear', 'gaussian'} or callable, default 'step'
        See :func:`reach`.
    targets : mapping kind -> column or list of columns, optional
        Demand columns per kind (summed), overriding the vocabulary's ``target``.
    kinds : sequence of str, optional
        Kinds to compute; default: every kind present in ``services`` (vocabulary order).
    capacity : str, default 'capacity'
        Supply column.
    speed_kmh : float, optional
        See :func:`reach`.
    extra_catchments_m : sequence of float, default ()
        See :func:`reach`.
    snap, max_snap_m, far
        See :func:`reach`. The warning about points far from every street names the
        origins once and the service rows of every kind.
    area_edge_m, entrances
        See :func:`reach`: services may be areas (parks, play spaces), reached at their
        edge.

    Returns
    -------
    DataFrame on ``origins.index``
        Wide: for each kind, the :func:`reach` columns suffixed ``__<kind>``, e.g.
        ``dist_nearest_m__childcare_baby``, ``fca2__library``; over a network one
        ``snap_m`` column (the origins are snapped once for all kinds).
        ``attrs["kinds"]`` holds per kind the settings and counts that :func:`reach`
        puts in its ``attrs``; ``attrs`` also ``snap``, ``max_snap_m``, ``far``,
        ``origins_far`` and ``services_far`` over a network.
    """
    wanted, demand, cap = _check_reach_all(
        origins,
        services,
        network,
        catchment_m,
        decay,
        targets,
        kinds,
        capacity,
        speed_kmh,
        extra_catchments_m,
        catchment_min,
        (snap, max_snap_m, far),
        area_edge_m,
    )
    engine, all_svc, snapped = _network_engine(
        origins, services, network, snap=snap, max_snap_m=max_snap_m, far=far,
        what="reach_all", area_edge_m=area_edge_m, entrances=entrances,
    )  # fmt: skip
    kind_col = services["service_kind"].astype(str).to_numpy()
    outside = _outside(services)
    speed = _speed(speed_kmh, network)
    minutes = policy.minutes_table(wanted, catchment_min)
    frames = {}
    info_all: dict[str, Any] = {}
    for k in wanted:
        idx = np.flatnonzero(kind_col == k)
        cols, info = _compute(
            engine,
            all_svc.take(idx),
            demand[k],
            cap[idx],
            catchment_m=_catchment_of(k, catchment_m, catchment_min, speed),
            decay=decay,
            speed_kmh=speed,
            extra_catchments_m=tuple(extra_catchments_m),
            outside_area=None if outside is None else outside[idx],
            catchment_min=minutes.get(k),
        )
        info["population"] = _target_column(origins, k, targets)[1]
        info_all[k] = info
        for name, values in cols.items():
            frames[f"{name}__{k}"] = values
    if (snap_m := _origins_snap(engine)) is not None:
        frames["snap_m"] = snap_m
    out = pd.DataFrame(frames, index=origins.index)
    out.attrs["kinds"] = info_all
    out.attrs["distance"] = engine.kind
    out.attrs.update(snapped)
    return out


def _check_services_near(
    services: Any, area: Any, catchment_m: Any, catchment_min: Any = None, speed_kmh: Any = None
) -> np.ndarray:
    """The check step of :func:`services_near`: the area's geometries, or one error
    naming every problem."""
    import geopandas as gpd
    import shapely

    checks = Checks("services_near")
    if catchment_min is None:
        checks.radius(catchment_m, "catchment_m")
    policy.check_minutes(checks, catchment_m, catchment_min)
    if speed_kmh is not None:
        checks.radius(speed_kmh, "speed_kmh")
    if not isinstance(services, gpd.GeoDataFrame):
        checks.add(f"services must be a GeoDataFrame, got {type(services).__name__}")
    if isinstance(area, gpd.GeoDataFrame | gpd.GeoSeries):
        geoms = np.asarray(
            area.geometry.array if isinstance(area, gpd.GeoDataFrame) else area.array
        )
        if isinstance(services, gpd.GeoDataFrame):
            checks.crs([services, area], ["services", "area"])
    elif isinstance(area, shapely.Geometry):
        geoms = np.asarray([area])
        if isinstance(services, gpd.GeoDataFrame):
            checks.crs([services], ["services"])
    else:
        geoms = None
        checks.add(
            f"area must be a GeoDataFrame, GeoSeries or shapely geometry, got {type(area).__name__}"
        )
    if geoms is not None and (len(geoms) == 0 or shapely.union_all(geoms).is_empty):
        checks.add("area is empty")
    checks.raise_if_any()
    assert geoms is not None  # else a problem was recorded, and raised
    return geoms


def services_near(
    services: gpd.GeoDataFrame,
    area: gpd.GeoDataFrame | gpd.GeoSeries | shapely.Geometry,
    *,
    catchment_m: float | None = None,
    catchment_min: float | None = None,
    speed_kmh: float | None = None,
) -> gpd.GeoDataFrame:
    """Services within ``catchment_m`` (straight line) of a study area, across its border too.

    Families near a municipal border use services on the other side: select services
    with this before :func:`reach`, so that they count. A network distance is never
    shorter than the straight line, so no service that can be reached within
    ``catchment_m`` over the network is left out.

    Parameters
    ----------
    services : GeoDataFrame
        Service points (metric CRS).
    area : GeoDataFrame, GeoSeries or shapely geometry
        The study area (all its polygons, dissolved); a bare geometry is taken to be in
        the services' CRS.
    catchment_m : float
        Largest catchment radius you will use, metres (> 0).
    catchment_min : float, optional
        The same in minutes (give one of the two): ``catchment_min * speed_kmh * 1000 /
        60`` metres.
    speed_kmh : float, optional
        Speed for ``catchment_min`` (default: the ``walk_speed_kmh`` option, 4.8 km/h;
        give the ``bike_speed_kmh`` option's for cycling catchments).

    Returns
    -------
    GeoDataFrame
        The services whose straight-line distance to the area is <= ``catchment_m``,
        in input order, with a boolean ``outside_area`` column (True: not inside or on
        the boundary of the area). :func:`reach` reports how many of these it used in
        ``attrs["services_outside_area_used"]``.
    """
    import shapely

    geoms = _check_services_near(services, area, catchment_m, catchment_min, speed_kmh)
    speed = float(speed_kmh) if speed_kmh is not None else float(get_option("walk_speed_kmh"))
    catchment_m = policy.radius_m(catchment_m, catchment_min, speed)
    region = shapely.union_all(geoms)
    shapely.prepare(region)
    pts = np.asarray(services.geometry.array)
    near = np.asarray(shapely.dwithin(pts, region, float(catchment_m)), dtype=bool)
    out = services.loc[near].copy()
    out["outside_area"] = ~np.asarray(shapely.intersects(pts[near], region), dtype=bool)
    out.attrs["services_near"] = {
        "catchment_m": float(catchment_m),
        "services_in": int(len(services)),
        "kept": int(near.sum()),
        "outside_area": int(out["outside_area"].sum()),
    }
    return out
