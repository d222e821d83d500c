"""Property-based invariants of the indicators (hypothesis), straight-line and over a network.

* adding a service never lengthens the distance to the nearest service;
* 2SFCA's population-weighted scores sum to the capacity of the services that have
  demand in reach (for every decay): Σ_i P_i A_i = Σ_{j: D_j > 0} S_j;
* coverage shares stay in [0, 1] and places per 100 children are never negative.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from _street_reference import street_distances
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely.geometry import Point

import buurtgeo as bg
from buurtgeo.network import Network

CRS = "EPSG:3812"
coords = st.floats(min_value=0.0, max_value=3000.0, allow_nan=False, allow_infinity=False)
point = st.tuples(coords, coords)
# counts of people: none, or at least a hundredth of a child (grid origins split sectors)
people = st.one_of(st.just(0.0), st.floats(min_value=0.01, max_value=500.0))
places = st.one_of(st.just(0.0), st.floats(min_value=0.01, max_value=80.0))
settings_kw = dict(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def origins_frame(points, pops):
    return gpd.GeoDataFrame(
        {"population": pops, "sector_id": [f"S{i % 3}" for i in range(len(points))]},
        geometry=[Point(x, y) for x, y in points],
        crs=CRS,
    )


def services_frame(points, caps):
    return gpd.GeoDataFrame(
        {"service_kind": ["childcare_baby"] * len(points), "capacity": caps},
        geometry=[Point(x, y) for x, y in points],
        crs=CRS,
    )


def grid_network(n: int = 8, step: float = 400.0) -> Network:
    """A small street grid with one diagonal cut, so paths are not all Manhattan."""
    ids = np.arange(n * n).reshape(n, n)
    u = np.concatenate([ids[:, :-1].ravel(), ids[:-1, :].ravel(), [ids[0, 0]]])
    v = np.concatenate([ids[:, 1:].ravel(), ids[1:, :].ravel(), [ids[n - 1, n - 1]]])
    xs, ys = np.meshgrid(np.arange(n) * step, np.arange(n) * step)
    x, y = xs.ravel(), ys.ravel()
    length = np.hypot(x[u] - x[v], y[u] - y[v])
    return Network.from_edges(u, v, length, x, y, crs=CRS)


NETWORK = grid_network()


# points near the far corner lie up to 283 m from the grid's streets: warned, not the point here
@pytest.mark.filterwarnings("ignore:reach. .*farther than:UserWarning")
@settings(**settings_kw)
@given(
    origins=st.lists(point, min_size=1, max_size=12),
    services=st.lists(point, min_size=1, max_size=6),
    extra=point,
    use_network=st.booleans(),
)
def test_adding_a_service_never_lengthens_the_nearest_distance(
    origins, services, extra, use_network
):
    net = NETWORK if use_network else None
    o = origins_frame(origins, [1.0] * len(origins))
    before = bg.reach(o, services_frame(services, [1.0] * len(services)), network=net)
    after = bg.reach(
        o, services_frame([*services, extra], [1.0] * (len(services) + 1)), network=net
    )
    assert (after["dist_nearest_m"].to_numpy() <= before["dist_nearest_m"].to_numpy() + 1e-9).all()
    assert (after["services_within"].to_numpy() >= before["services_within"].to_numpy()).all()


# points near the far corner lie up to 283 m from the grid's streets: warned, not the point here
@pytest.mark.filterwarnings("ignore:reach. .*farther than:UserWarning")
@settings(**settings_kw)
@given(
    origins=st.lists(point, min_size=1, max_size=15),
    pops=st.lists(people, min_size=15, max_size=15),
    services=st.lists(point, min_size=1, max_size=6),
    caps=st.lists(places, min_size=6, max_size=6),
    decay=st.sampled_from(["step", "linear", "gaussian"]),
    use_network=st.booleans(),
    catchment=st.floats(min_value=200.0, max_value=2500.0),
)
def test_fca2_weighted_by_population_sums_to_reachable_capacity(
    origins, pops, services, caps, decay, use_network, catchment
):
    net = NETWORK if use_network else None
    o = origins_frame(origins, pops[: len(origins)])
    s = services_frame(services, caps[: len(services)])
    res = bg.reach(o, s, network=net, catchment_m=catchment, decay=decay)
    total_access = float((o["population"] * res["fca2"]).sum())
    # which services have any demand in reach (weight > 0): recompute the pairs independently
    # (over the network: networkx on a copy split where each point joins its street)
    street = None if net is None else street_distances(net, np.array(origins), np.array(services))
    reachable_supply = 0.0
    for j, (sx, sy) in enumerate(services):
        demand = 0.0
        for i, (ox, oy) in enumerate(origins):
            if street is None:
                d = float(np.hypot(ox - sx, oy - sy))
            else:
                d = float(street[i, j])
            w = _weight(decay, d, catchment)
            demand += w * pops[i]
        if demand > 0:
            reachable_supply += caps[j]
    assert np.isclose(total_access, reachable_supply, rtol=1e-9, atol=1e-6)


def _weight(decay: str, d: float, r: float) -> float:
    if d > r:
        return 0.0
    if decay == "step":
        return 1.0
    if decay == "linear":
        return 1.0 - d / r
    g = np.exp(-0.5 * (d / r) ** 2)
    return float((g - np.exp(-0.5)) / (1.0 - np.exp(-0.5)))


@settings(**settings_kw)
@given(
    origins=st.lists(point, min_size=1, max_size=15),
    pops=st.lists(people, min_size=15, max_size=15),
    services=st.lists(point, min_size=0, max_size=5),
    caps=st.lists(places, min_size=5, max_size=5),
)
def test_coverage_shares_stay_in_unit_interval(origins, pops, services, caps):
    o = origins_frame(origins, pops[: len(origins)])
    s = services_frame(services, caps[: len(services)])
    res = bg.reach(o, s, catchment_m=800.0)
    agg = bg.aggregate_reach(res, o, by="sector_id", weight="population")
    shares = agg["share_covered"].dropna()
    assert ((shares >= 0.0) & (shares <= 1.0)).all()
    assert (agg["places_per_100_2sfca"].dropna() >= 0.0).all()
    assert isinstance(agg, pd.DataFrame)
