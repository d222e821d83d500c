"""Tests of buurtgeo.reach: hand-computed cases, cross-checks against PySAL access and networkx."""

from __future__ import annotations

import importlib
import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from buurtgeo.aggregate import aggregate_reach
from buurtgeo.decay import decay_weights
from buurtgeo.errors import CRSError, InputError, MissingColumnError
from buurtgeo.fca import fca2_from_costs
from buurtgeo.reach import reach, reach_all, services_near

CRS = "EPSG:3812"


def points(xs, ys=None, crs=CRS, **columns):
    ys = [0.0] * len(xs) if ys is None else ys
    return gpd.GeoDataFrame(columns, geometry=gpd.points_from_xy(xs, ys), crs=crs)


@pytest.fixture
def line():
    """Three origins and two services on the x axis (metres).

    origins x = 0, 100, 250 (population 10, 20, 30); services x = 50 (5 places), 300 (7).
    Distances: o0: 50, 300; o1: 50, 200; o2: 200, 50.
    """
    origins = points([0, 100, 250], population=[10, 20, 30])
    origins.index = pd.Index(["o0", "o1", "o2"], name="origin_id")
    services = points([50, 300], capacity=[5.0, 7.0])
    return origins, services


# --------------------------------------------------------------------------------------
# hand-computed cases
# --------------------------------------------------------------------------------------


def test_step_by_hand(line):
    origins, services = line
    res = reach(origins, services, catchment_m=200.0)
    assert list(res.index) == ["o0", "o1", "o2"]
    np.testing.assert_array_equal(res["dist_nearest_m"], [50, 50, 50])
    np.testing.assert_array_equal(res["services_within"], [1, 2, 2])
    np.testing.assert_array_equal(res["capacity_within"], [5, 12, 12])
    assert res["covered"].tolist() == [True, True, True]
    # R_0 = 5 / (10 + 20 + 30); R_1 = 7 / (20 + 30) (d = 200 counts: d <= R)
    r0, r1 = 5 / 60, 7 / 50
    np.testing.assert_allclose(res["fca2"], [r0, r0 + r1, r0 + r1], rtol=1e-12)
    # walking time at the default 4.8 km/h = 80 m/min
    np.testing.assert_allclose(res["time_nearest_min"], [50 / 80] * 3)


def test_linear_by_hand(line):
    origins, services = line
    res = reach(origins, services, catchment_m=200.0, decay="linear")
    # w = 1 - d/200: o0-s0 .75, o1-s0 .75, o2-s0 0, o1-s1 0, o2-s1 .75
    r0 = 5 / (0.75 * 10 + 0.75 * 20)
    r1 = 7 / (0.75 * 30)
    np.testing.assert_allclose(res["fca2"], [0.75 * r0, 0.75 * r0, 0.75 * r1], rtol=1e-12)
    np.testing.assert_array_equal(res["services_within"], [1, 2, 2])  # counts ignore decay


def test_gaussian_by_hand(line):
    origins, services = line
    res = reach(origins, services, catchment_m=200.0, decay="gaussian")
    floor = math.exp(-0.5)
    w50 = (math.exp(-0.5 * 0.25**2) - floor) / (1 - floor)  # d = 50, R = 200
    # d = 200 = R gives weight 0
    r0 = 5 / (w50 * 10 + w50 * 20)
    r1 = 7 / (w50 * 30)
    np.testing.assert_allclose(res["fca2"], [w50 * r0, w50 * r0, w50 * r1], rtol=1e-12)


def test_decay_weights_values():
    d = np.array([0.0, 500.0, 1000.0, 1500.0])
    np.testing.assert_allclose(decay_weights(d, catchment_m=1000), [1, 1, 1, 0])
    np.testing.assert_allclose(decay_weights(d, catchment_m=1000, decay="linear"), [1, 0.5, 0, 0])
    g = decay_weights(d, catchment_m=1000, decay="gaussian")
    assert g[0] == pytest.approx(1.0) and g[2] == pytest.approx(0.0, abs=1e-15)
    assert g[1] == pytest.approx((math.exp(-0.125) - math.exp(-0.5)) / (1 - math.exp(-0.5)))
    np.testing.assert_allclose(
        decay_weights(d, catchment_m=1000, decay=lambda m: 2.0 - m / 1000), [2, 1.5, 1, 0]
    )


def test_callable_decay_and_extra_catchments(line):
    origins, services = line
    res = reach(
        origins,
        services,
        catchment_m=200.0,
        decay=lambda d: np.where(d < 100, 1.0, 0.5),
        extra_catchments_m=(60, 1000),
    )
    # weights: o0-s0 1, o1-s0 1, o2-s0 .5, o1-s1 .5, o2-s1 1
    r0 = 5 / (10 + 20 + 0.5 * 30)
    r1 = 7 / (0.5 * 20 + 30)
    np.testing.assert_allclose(res["fca2"], [r0, r0 + 0.5 * r1, 0.5 * r0 + r1], rtol=1e-12)
    np.testing.assert_array_equal(res["services_within_60m"], [1, 1, 1])
    np.testing.assert_array_equal(res["capacity_within_60m"], [5, 5, 7])
    np.testing.assert_array_equal(res["services_within_1000m"], [2, 2, 2])


def test_nan_capacity_counts_but_adds_no_places(line):
    origins, services = line
    services = services.assign(capacity=[5.0, np.nan])
    res = reach(origins, services, catchment_m=200.0)
    np.testing.assert_array_equal(res["services_within"], [1, 2, 2])
    np.testing.assert_array_equal(res["capacity_within"], [5, 5, 5])
    np.testing.assert_allclose(res["fca2"], [5 / 60] * 3)
    assert res.attrs["services_without_capacity"] == 1
    none = reach(origins, services.assign(capacity=np.nan), catchment_m=200.0)
    assert none["fca2"].isna().all() and none["capacity_within"].isna().all()


def test_unreachable_is_inf_and_empty_services(line):
    origins, services = line
    res = reach(origins, services.iloc[:0], catchment_m=200.0)
    assert np.isinf(res["dist_nearest_m"]).all()
    assert (res["services_within"] == 0).all() and (res["fca2"] == 0).all()
    assert not res["covered"].any()
    far = reach(origins, points([10_000], capacity=[3.0]), catchment_m=200.0)
    np.testing.assert_allclose(far["dist_nearest_m"], [10_000, 9_900, 9_750])  # never capped
    assert (far["fca2"] == 0).all() and far.attrs["services_without_demand"] == 1


def test_identity_total_access_equals_total_supply():
    rng = np.random.default_rng(4)
    o = points(
        rng.uniform(0, 3000, 400), rng.uniform(0, 3000, 400), population=rng.integers(0, 50, 400)
    )
    s = points(
        rng.uniform(500, 2500, 30), rng.uniform(500, 2500, 30), capacity=rng.uniform(1, 40, 30)
    )
    for decay in ("step", "linear", "gaussian"):
        res = reach(o, s, catchment_m=800.0, decay=decay)
        assert res.attrs["services_without_demand"] == 0
        total = float((o["population"] * res["fca2"]).sum())
        assert total == pytest.approx(s["capacity"].sum(), rel=1e-12)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 30), st.integers(0, 30), st.integers(0, 9)),
        min_size=1,
        max_size=25,
    ),
    st.lists(
        st.tuples(st.integers(0, 30), st.integers(0, 30), st.integers(0, 9)), min_size=0, max_size=8
    ),
    st.sampled_from([5.0, 10.0, 13.0]),
    st.sampled_from(["step", "linear", "gaussian"]),
)
def test_straight_line_matches_dense_reference(orig, serv, r, decay):
    """Integer coordinates put many pairs exactly on the catchment edge (d = R counts)."""
    o = points(
        [float(a) for a, _, _ in orig],
        [float(b) for _, b, _ in orig],
        population=[p for *_, p in orig],
    )
    s = points(
        [float(a) for a, _, _ in serv],
        [float(b) for _, b, _ in serv],
        capacity=[float(c) for *_, c in serv],
    )
    res = reach(o, s, catchment_m=r, decay=decay, extra_catchments_m=(r / 2,))
    ox, oy = np.array([a for a, _, _ in orig], float), np.array([b for _, b, _ in orig], float)
    sx, sy = np.array([a for a, _, _ in serv], float), np.array([b for _, b, _ in serv], float)
    d = np.hypot(ox[:, None] - sx[None, :], oy[:, None] - sy[None, :])
    within = d <= r
    w = np.where(within, decay_weights(np.where(within, d, 0.0), catchment_m=r, decay=decay), 0.0)
    pop = np.array([p for *_, p in orig], float)
    cap = np.array([c for *_, c in serv], float)
    dem = w.T @ pop
    ratio = np.divide(cap, dem, out=np.zeros_like(cap), where=dem > 0)
    near = d.min(axis=1) if len(serv) else np.full(len(orig), np.inf)
    np.testing.assert_array_equal(res["dist_nearest_m"], near)
    np.testing.assert_array_equal(res["services_within"], within.sum(axis=1))
    np.testing.assert_array_equal(
        res[
            "services_within_"
            + (f"{int(r / 2)}m" if (r / 2).is_integer() else f"{r / 2:g}m".replace(".", "_"))
        ],
        (d <= r / 2).sum(axis=1),
    )
    np.testing.assert_allclose(res["capacity_within"], (within * cap).sum(axis=1), rtol=1e-12)
    np.testing.assert_allclose(res["fca2"], w @ ratio, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("r", [0.5, 150.0, 900.0, 20_000.0])
def test_straight_line_compiled_equals_numpy_path(r):
    """Named decays run compiled over a bucket grid; a callable decay runs on KD-tree pairs."""
    rng = np.random.default_rng(5)
    x = np.r_[rng.uniform(0, 5000, 300), rng.uniform(0, 5000, 5)]  # some on a line
    y = np.r_[rng.uniform(0, 3000, 300), np.full(5, 1500.0)]
    o = points(x, y, population=rng.integers(0, 9, x.size))
    s = points(
        np.r_[rng.uniform(-500, 5500, 40), x[:3]],  # some outside the origins' box, some on origins
        np.r_[rng.uniform(-500, 3500, 40), y[:3]],
        capacity=rng.uniform(0, 9, 43),
    )
    extras = (r / 3, 2 * r)
    for name, fn in (
        ("step", lambda d: np.ones_like(d)),
        ("linear", lambda d: 1 - d / r),
        ("gaussian", lambda d: decay_weights(d, catchment_m=r, decay="gaussian")),
    ):
        fast = reach(o, s, catchment_m=r, decay=name, extra_catchments_m=extras)
        slow = reach(o, s, catchment_m=r, decay=fn, extra_catchments_m=extras)
        pd.testing.assert_frame_equal(fast, slow, check_exact=False, rtol=1e-12, atol=1e-15)


# --------------------------------------------------------------------------------------
# cross-check against PySAL access
# --------------------------------------------------------------------------------------


@pytest.mark.filterwarnings("ignore:The inplace keyword")
@pytest.mark.parametrize("decay", ["step", "linear", "gaussian"])
def test_fca2_equals_pysal_access(decay):
    from access import Access

    rng = np.random.default_rng(11)
    n_o, n_s, r = 120, 25, 700.0
    o = points(
        rng.uniform(0, 3000, n_o), rng.uniform(0, 3000, n_o), population=rng.integers(1, 60, n_o)
    )
    s = points(
        rng.uniform(0, 3000, n_s), rng.uniform(0, 3000, n_s), capacity=rng.uniform(1, 30, n_s)
    )
    ox, oy = o.geometry.x.to_numpy(), o.geometry.y.to_numpy()
    sx, sy = s.geometry.x.to_numpy(), s.geometry.y.to_numpy()
    d = np.hypot(ox[:, None] - sx[None, :], oy[:, None] - sy[None, :])
    ii, jj = np.meshgrid(np.arange(n_o), np.arange(n_s), indexing="ij")
    cost = pd.DataFrame({"origin": ii.ravel(), "dest": jj.ravel(), "cost": d.ravel()})
    demand = pd.DataFrame({"geoid": np.arange(n_o), "pop": o["population"].astype(float)})
    supply = pd.DataFrame({"geoid": np.arange(n_s), "cap": s["capacity"]})
    if decay == "step":
        weight_fn = None
    elif decay == "linear":
        weight_fn = lambda c: 1.0 - c / r  # noqa: E731
    else:
        floor = math.exp(-0.5)
        weight_fn = lambda c: (math.exp(-0.5 * (c / r) ** 2) - floor) / (1 - floor)  # noqa: E731
    acc = Access(
        demand_df=demand,
        demand_index="geoid",
        demand_value="pop",
        supply_df=supply,
        supply_index="geoid",
        supply_value="cap",
        cost_df=cost,
        cost_origin="origin",
        cost_dest="dest",
        cost_name="cost",
    )
    theirs = acc.two_stage_fca(name="x", max_cost=r, weight_fn=weight_fn, normalize=False)
    theirs = theirs["x_cap"].reindex(np.arange(n_o)).fillna(0.0).to_numpy()
    ours = reach(o, s, catchment_m=r, decay=decay)
    # every service with demand in reach (else access divides by zero)
    assert ours.attrs["services_used"] == n_s and ours.attrs["services_without_demand"] == 0
    np.testing.assert_allclose(ours["fca2"].to_numpy(), theirs, rtol=1e-9, atol=0)


# --------------------------------------------------------------------------------------
# validation and CRS
# --------------------------------------------------------------------------------------


def test_all_problems_reported_at_once(line):
    origins, services = line
    bad_o = origins.assign(population=[10, -1, 30])
    bad_s = services.assign(capacity=[5.0, -2.0], service_kind=["library", "playground"])
    with pytest.raises(InputError) as err:
        reach(bad_o, bad_s, catchment_m=-5, decay="cubic")
    text = str(err.value)
    for part in ("catchment_m", "decay", "population", "'o1'", "capacity", "ONE kind"):
        assert part in text


def test_missing_column_and_non_points(line):
    origins, services = line
    with pytest.raises(MissingColumnError, match="population"):
        reach(origins.drop(columns="population"), services)
    poly = origins.copy()
    poly.geometry = poly.buffer(5)
    with pytest.raises(InputError, match="must be points"):
        reach(poly, services)


def test_crs_refused(line):
    origins, services = line
    with pytest.raises(CRSError, match="not a projected CRS"):
        reach(origins.to_crs(4326), services.to_crs(4326))
    with pytest.raises(CRSError):
        reach(origins, services.to_crs(31370))


# --------------------------------------------------------------------------------------
# several kinds, services near an area, aggregation
# --------------------------------------------------------------------------------------


def test_reach_all_equals_reach_per_kind(line):
    origins, services = line
    origins = origins.assign(children_0_2=[1.0, 2.0, 3.0], children_0_17=[5.0, 5.0, 5.0])
    services = points(
        [50, 300, 120],
        capacity=[5.0, 7.0, 3.0],
        service_kind=["childcare_baby", "childcare_baby", "library"],
    )
    wide = reach_all(origins, services, catchment_m={"childcare_baby": 200.0}, decay="linear")
    one = reach(
        origins, services.iloc[:2], catchment_m=200.0, decay="linear", population="children_0_2"
    )
    lib = reach(
        origins, services.iloc[2:], catchment_m=1200.0, decay="linear", population="children_0_17"
    )
    for col in one.columns:
        np.testing.assert_array_equal(wide[f"{col}__childcare_baby"], one[col])
        np.testing.assert_array_equal(wide[f"{col}__library"], lib[col])
    assert wide.attrs["kinds"]["library"]["catchment_m"] == 1200.0


def test_reach_all_missing_target_band(line):
    origins, services = line
    services = services.assign(service_kind=["playground", "library"])
    with pytest.raises(InputError) as err:
        reach_all(origins, services)
    assert "children_3_5" in str(err.value) and "children_0_17" in str(err.value)


def test_services_near_keeps_services_across_the_border():
    area = gpd.GeoDataFrame(geometry=[shapely.box(0, 0, 1000, 1000)], crs=CRS)
    s = points([500, 1500, 1900, 1000, -400], [500, 500, 500, 1000, 1200], capacity=[1.0] * 5)
    near = services_near(s, area, catchment_m=500.0)
    assert list(near.index) == [0, 1, 3, 4]  # 1900 is 900 m away; (-400, 1200) is 447 m away
    assert near["outside_area"].tolist() == [False, True, False, True]
    origins = points([990], [500], population=[10])
    res = reach(origins, near, catchment_m=600.0)
    assert res.attrs["services_outside_area_used"] == 1  # (1500, 500) at 510 m
    with pytest.raises(CRSError):
        services_near(s, area.to_crs(31370), catchment_m=500.0)
    with pytest.raises(InputError, match="catchment_m"):
        services_near(s, area, catchment_m=0)
    # in minutes: 6.25 min at 4.8 km/h (80 m/min) = 500 m; at 6 km/h (100 m/min) 5 min
    by_walk = services_near(s, area, catchment_min=6.25)
    assert list(by_walk.index) == [0, 1, 3, 4]
    assert by_walk.attrs["services_near"]["catchment_m"] == pytest.approx(500.0)
    assert list(services_near(s, area, catchment_min=9.0, speed_kmh=6.0).index) == [0, 1, 2, 3, 4]
    with pytest.raises(InputError, match="catchment_m or catchment_min"):
        services_near(s, area, catchment_m=500.0, catchment_min=5.0)


def test_aggregate_by_hand(line):
    origins, services = line
    origins = origins.assign(sector_id=["A", "A", "B"], children_0_2=[1.0, 3.0, 2.0])
    far = points([10_000, 20_000, 100], population=[1, 1, 1])
    res = reach(origins, services, catchment_m=200.0)
    agg = aggregate_reach(res, origins)
    r0, r1 = 5 / 60, 7 / 50
    assert agg.index.tolist() == ["A", "B"]
    np.testing.assert_allclose(agg["target_pop"], [4, 2])
    np.testing.assert_allclose(agg["fca2"], [(1 * r0 + 3 * (r0 + r1)) / 4, r0 + r1])
    np.testing.assert_allclose(agg["places_per_100_2sfca"], 100 * agg["fca2"])
    np.testing.assert_allclose(agg["services_within"], [(1 + 3 * 2) / 4, 2])
    # distance aggregation with an unreachable origin (inf) and a sector -> area map
    o2 = far.assign(sector_id=["A", "A", "B"], children_0_2=[1.0, 3.0, 2.0])
    o2.geometry = gpd.points_from_xy([0, 0, 0], [0, 0, 0])
    res2 = pd.DataFrame(
        {"dist_nearest_m": [100.0, np.inf, 300.0], "covered": [True, False, False]},
        index=o2.index,
    )
    to_area = pd.Series({"A": "north", "B": "north"}, name="area_id").rename_axis("sector_id")
    agg2 = aggregate_reach(res2, o2, by=to_area)
    assert agg2.index.tolist() == ["north"] and agg2.index.name == "area_id"
    row = agg2.loc["north"]
    assert row["share_unreachable"] == pytest.approx(3 / 6)
    assert row["mean_dist_m"] == pytest.approx((1 * 100 + 2 * 300) / 3)
    assert row["median_dist_m"] == 300.0  # weights 1 at 100, 2 at 300: half (1.5) reached at 300
    assert row["share_covered"] == pytest.approx(1 / 6)
    # an unnamed sector -> area Series is read through the origins' sector_id column
    unnamed = aggregate_reach(res2, o2, by=to_area.rename_axis(None))
    pd.testing.assert_frame_equal(unnamed, agg2)


@pytest.mark.parametrize("n_groups", [7, 70_000])  # 16-bit group codes (radix sort) and wider
def test_weighted_median_per_group_equals_a_plain_loop(n_groups):
    from buurtgeo.aggregate import Groups

    rng = np.random.default_rng(n_groups)
    n = 3_000
    labels = pd.Series(rng.integers(0, n_groups, n).astype(float))
    labels[rng.random(n) < 0.05] = np.nan  # origins without a group are left out
    v = np.round(rng.exponential(300.0, n), -1)  # ties in value
    v[rng.random(n) < 0.05] = np.inf
    w = rng.integers(0, 4, n).astype(float)  # weights 0 add nothing
    groups = Groups(labels)
    got = groups.median(v, w)
    for g, label in enumerate(groups.labels):
        sel = (labels.to_numpy() == label) & (w > 0) & np.isfinite(v)
        if not sel.any():
            assert np.isnan(got[g])
            continue
        vals, wts = v[sel], w[sel]
        order = np.argsort(vals, kind="stable")
        cum = np.cumsum(wts[order])
        want = vals[order][np.searchsorted(cum, 0.5 * wts.sum() * (1 - 1e-12))]
        assert got[g] == want, label


# --------------------------------------------------------------------------------------
# over a street network: cross-check with networkx Dijkstra and a dense reference
# --------------------------------------------------------------------------------------


def _street_graph(seed=3, n_side=14, spacing=80.0):
    """Jittered grid with ~15 % of edges removed, plus a far-away 2-node island."""
    rng = np.random.default_rng(seed)
    i, j = np.divmod(np.arange(n_side * n_side), n_side)
    x = j * spacing + rng.uniform(-20, 20, i.size)
    y = i * spacing + rng.uniform(-20, 20, i.size)
    node = i * n_side + j
    u = np.concatenate([node[j < n_side - 1], node[i < n_side - 1]])
    v = np.concatenate([node[j < n_side - 1] + 1, node[i < n_side - 1] + n_side])
    keep = rng.uniform(size=u.size) > 0.15
    u, v = u[keep], v[keep]
    isl = n_side * n_side
    x = np.r_[x, 5000.0, 5060.0]
    y = np.r_[y, 5000.0, 5000.0]
    u, v = np.r_[u, isl], np.r_[v, isl + 1]
    length = np.hypot(x[u] - x[v], y[u] - y[v]) * rng.uniform(1.0, 1.3, u.size)  # curvy streets
    return u, v, length, x, y


def _dense_reference(u, v, length, x, y, origins, services, r, decay):
    import networkx as nx

    g = nx.Graph()
    g.add_nodes_from(range(len(x)))
    for a, b, w in zip(u, v, length, strict=True):
        g.add_edge(int(a), int(b), length=float(w))
    xy = np.column_stack([x, y])

    def snap(frame):
        p = np.column_stack([frame.geometry.x, frame.geometry.y])
        d = np.hypot(p[:, None, 0] - xy[None, :, 0], p[:, None, 1] - xy[None, :, 1])
        k = d.argmin(axis=1)
        return k, d[np.arange(len(p)), k]

    no, oo = snap(origins)
    ns, os_ = snap(services)
    dist = np.full((len(origins), len(services)), np.inf)
    for j in range(len(services)):
        lengths = nx.single_source_dijkstra_path_length(g, int(ns[j]), weight="length")
        net = np.array([lengths.get(int(k), np.inf) for k in no])
        dist[:, j] = oo + net + os_[j]
    within = dist <= r
    w = np.where(within, decay_weights(np.where(within, dist, 0.0), catchment_m=r, decay=decay), 0)
    pop = origins["population"].to_numpy(float)
    cap = services["capacity"].to_numpy(float)
    demand = w.T @ pop
    ratio = np.divide(cap, demand, out=np.zeros_like(cap), where=demand > 0)
    return {
        "dist_nearest_m": dist.min(axis=1),
        "services_within": within.sum(axis=1),
        "capacity_within": (within * cap).sum(axis=1),
        "fca2": w @ ratio,
    }


@pytest.fixture
def street():
    from buurtgeo.network import Network

    u, v, length, x, y = _street_graph()
    net = Network.from_edges(u, v, length, x, y, crs=CRS, keep_largest=False)
    rng = np.random.default_rng(8)
    n_o = 300
    ox = np.r_[rng.uniform(-50, 1100, n_o - 3), 5010.0, 5050.0, 5100.0]
    oy = np.r_[rng.uniform(-50, 1100, n_o - 3), 5005.0, 4990.0, 5000.0]
    origins = points(ox, oy, population=rng.integers(0, 30, n_o))
    services = points(
        rng.uniform(0, 1040, 20), rng.uniform(0, 1040, 20), capacity=rng.uniform(1, 20, 20)
    )
    return (u, v, length, x, y), net, origins, services


@pytest.mark.parametrize("decay", ["step", "gaussian"])
def test_network_reach_equals_networkx(street, decay, monkeypatch):
    """snap='node' (points join at their nearest node): the numbers of before."""
    engines = importlib.import_module("buurtgeo._engines")

    arrays, net, origins, services = street
    ref = _dense_reference(*arrays, origins, services, 400.0, decay)
    kw = {"network": net, "catchment_m": 400.0, "snap": "node"}
    res = reach(origins, services, decay=decay, **kw)
    np.testing.assert_allclose(res["dist_nearest_m"], ref["dist_nearest_m"], rtol=1e-9)
    assert np.isinf(res["dist_nearest_m"].to_numpy()[-3:]).all()  # the island: unreachable
    np.testing.assert_array_equal(res["services_within"], ref["services_within"])
    np.testing.assert_allclose(res["capacity_within"], ref["capacity_within"], rtol=1e-9)
    np.testing.assert_allclose(res["fca2"], ref["fca2"], rtol=1e-9, atol=1e-15)
    # tiny blocks give the very same numbers (whole services per block)
    monkeypatch.setattr(engines, "_PAIR_BLOCK", 40)
    monkeypatch.setattr(engines, "_SOURCE_BLOCK", 3)
    small = reach(origins, services, decay=decay, **kw)
    pd.testing.assert_frame_equal(small, res, check_exact=False, rtol=1e-12)
    # the vectorised numpy path (taken for a callable decay) agrees with the compiled one
    named = {
        "step": lambda d: np.ones_like(d),
        "gaussian": lambda d: decay_weights(d, catchment_m=400.0, decay="gaussian"),
    }
    numpy_path = reach(origins, services, decay=named[decay], **kw)
    pd.testing.assert_frame_equal(numpy_path, res, check_exact=False, rtol=1e-12)


@pytest.mark.parametrize("decay", ["step", "gaussian"])
def test_network_reach_along_the_street_equals_networkx(street, decay, monkeypatch):
    """snap='edge' (the default): networkx on a copy of the graph in which every point's
    street is split where it joins, that point joined to the point by its offset."""
    from _street_reference import reach_from_distances, street_distances

    engines = importlib.import_module("buurtgeo._engines")
    _, net, origins, services = street
    oxy = np.column_stack([origins.geometry.x, origins.geometry.y])
    sxy = np.column_stack([services.geometry.x, services.geometry.y])
    dist = street_distances(net, oxy, sxy)
    weight = {
        "step": lambda d: np.ones_like(d),
        "gaussian": lambda d: decay_weights(d, catchment_m=400.0, decay="gaussian"),
    }[decay]
    pop = origins["population"].to_numpy(float)
    ref = reach_from_distances(dist, pop, services["capacity"].to_numpy(float), 400.0, weight)
    res = reach(origins, services, network=net, catchment_m=400.0, decay=decay)
    np.testing.assert_allclose(res["dist_nearest_m"], ref["dist_nearest_m"], rtol=1e-9)
    np.testing.assert_array_equal(res["services_within"], ref["services_within"])
    np.testing.assert_allclose(res["capacity_within"], ref["capacity_within"], rtol=1e-9)
    np.testing.assert_allclose(res["fca2"], ref["fca2"], rtol=1e-9, atol=1e-15)
    assert np.isinf(res["dist_nearest_m"].to_numpy()[-3:]).all()  # the island: unreachable
    # every node lies on a street: the nearest street is never farther than the nearest node
    node = reach(origins, services, network=net, catchment_m=400.0, snap="node", far="error")
    assert (res["snap_m"] <= node["snap_m"] + 1e-9).all()
    assert not res["dist_nearest_m"].equals(node["dist_nearest_m"])
    monkeypatch.setattr(engines, "_PAIR_BLOCK", 40)
    monkeypatch.setattr(engines, "_SOURCE_BLOCK", 3)
    small = reach(origins, services, network=net, catchment_m=400.0, decay=decay)
    numpy_path = reach(origins, services, network=net, catchment_m=400.0, decay=weight)
    pd.testing.assert_frame_equal(small, res, check_exact=False, rtol=1e-12)
    pd.testing.assert_frame_equal(numpy_path, res, check_exact=False, rtol=1e-12)
    # extra radii, inside and beyond the catchment: the compiled and numpy paths agree,
    # and the counts are the reference's
    kw = {"network": net, "catchment_m": 400.0, "extra_catchments_m": (150.0, 600.0)}
    extra = reach(origins, services, decay=decay, **kw)
    pd.testing.assert_frame_equal(
        reach(origins, services, decay=weight, **kw), extra, check_exact=False, rtol=1e-12
    )
    for r in (150, 600):
        np.testing.assert_array_equal(extra[f"services_within_{r}m"], (dist <= r).sum(axis=1))
        cap = services["capacity"].to_numpy(float)
        np.testing.assert_allclose(extra[f"capacity_within_{r}m"], (dist <= r) @ cap, rtol=1e-9)


def test_network_reach_all_and_bike_speed(street):
    arrays, net, origins, services = street
    origins = origins.assign(children_0_2=origins["population"], children_0_17=1.0)
    services = services.assign(service_kind=["childcare_baby"] * 12 + ["library"] * 8)
    wide = reach_all(origins, services, network=net, catchment_m={"library": 300.0})
    lib = reach(
        origins, services.iloc[12:], network=net, catchment_m=300.0, population="children_0_17"
    )
    for col in lib.columns.drop("snap_m"):
        np.testing.assert_allclose(wide[f"{col}__library"], lib[col], rtol=1e-12)
    # the origins join the network once for every kind: one snap_m column
    np.testing.assert_array_equal(wide["snap_m"], lib["snap_m"])
    assert not any(c.startswith("snap_m__") for c in wide.columns)
    net.mode = "bike"
    bike = reach(origins, services.iloc[12:], network=net, catchment_m=300.0)
    finite = np.isfinite(bike["dist_nearest_m"])
    np.testing.assert_allclose(
        bike["time_nearest_min"][finite], bike["dist_nearest_m"][finite] / (15_000 / 60)
    )


# --------------------------------------------------------------------------------------
# real data (smoke tests with invariants that hold whatever the numbers)
# --------------------------------------------------------------------------------------


@pytest.mark.realdata
@pytest.mark.slow
def test_gent_network_reach_real(real):
    """Gent: Wegenregister street network, grid origins on the 2025 sectors, parks as services.

    Population here is a stand-in (1 person per 1,000 m2 of sector): the real geometry is
    what is tested. Invariants: a network distance is never shorter than the straight line,
    so per origin the network's nearest distance >= the straight-line one and the network
    counts within R <= the straight-line counts; sum_i P_i A_i = sum_j S_j over the services
    that have demand in reach.
    """
    import buurtgeo as bg
    from buurtgeo.origins import origins_from_sectors

    net = bg.read_network(real / "gent_roads_parks" / "wegsegmenten-gent.geojson.zip")
    sectors = gpd.read_file(real / "gent_sectors_wijken" / "gent-sectors.geojson").to_crs(CRS)
    sectors = sectors.set_index("nis9_code").rename_axis("sector_id")
    sectors["population"] = sectors.area / 1000.0
    origins = origins_from_sectors(sectors, method="grid", spacing_m=200.0)
    assert origins["population"].sum() == pytest.approx(sectors["population"].sum(), rel=1e-12)
    parks = gpd.read_file(real / "gent_roads_parks" / "parken-gent.geojson").to_crs(CRS)
    parks = parks[parks.geometry.notna() & ~parks.geometry.is_empty]
    services = gpd.GeoDataFrame(
        {"capacity": parks.area.to_numpy() / 100.0},
        geometry=parks.geometry.representative_point().to_numpy(),
        crs=CRS,
    )
    # grid origins in the port and the fields lie more than 250 m from any street: named
    with pytest.warns(UserWarning, match=r"origin\(s\) \(up to \d+ m\) lie farther than 250 m"):
        on_net = reach(origins, services, network=net, catchment_m=800.0, decay="gaussian")
    assert 0 < on_net.attrs["origins_far"] == int((on_net["snap_m"] > 250.0).sum())
    straight = reach(origins, services, catchment_m=800.0, decay="gaussian")
    assert (on_net["dist_nearest_m"] >= straight["dist_nearest_m"] - 1e-6).all()
    assert (on_net["services_within"] <= straight["services_within"]).all()
    assert np.isfinite(on_net["dist_nearest_m"]).mean() > 0.95
    assert on_net["covered"].mean() > 0.3
    used_supply = on_net.attrs["services_used"] - on_net.attrs["services_without_demand"]
    assert used_supply > 0
    total = float((origins["population"] * on_net["fca2"]).sum())
    assert total <= services["capacity"].sum() * (1 + 1e-9)
    agg = aggregate_reach(on_net, origins, weight="population")
    assert len(agg) == len(sectors) and agg["target_pop"].sum() == pytest.approx(
        origins["population"].sum()
    )


# --------------------------------------------------------------------------------------
# fca2_from_costs: 2SFCA from a long cost table
# --------------------------------------------------------------------------------------


def test_hand_computed_step_and_linear():
    # origins a (10 people), b (30), c (5, nothing in reach); services X (6 places), Y (4)
    costs = pd.DataFrame(
        {
            "origin": ["a", "a", "b", "b", "c"],
            "destination": ["X", "Y", "X", "Y", "Y"],
            "cost": [0.0, 500.0, 500.0, 1200.0, 2000.0],
        }
    )
    demand = pd.DataFrame({"population": [10.0, 30.0, 5.0]}, index=["a", "b", "c"])
    supply = pd.DataFrame({"capacity": [6.0, 4.0]}, index=["X", "Y"])
    # step, R = 1000: X sees a + b = 40 -> R_X = 6/40; Y sees a = 10 -> R_Y = 4/10
    got = fca2_from_costs(costs, demand, supply, catchment=1000)
    assert got.name == "fca2" and list(got.index) == ["a", "b", "c"]
    np.testing.assert_allclose(got, [6 / 40 + 4 / 10, 6 / 40, 0.0], rtol=1e-15)
    # sum_i P_i A_i = sum_j S_j when every service has demand
    assert (got * demand["population"]).sum() == pytest.approx(10.0)
    assert got.attrs["pairs_within"] == 3 and got.attrs["services_used"] == 2
    # linear: w(0) = 1, w(500) = 0.5. X: 10*1 + 30*0.5 = 25 -> 6/25; Y: 10*0.5 = 5 -> 4/5
    lin = fca2_from_costs(costs, demand, supply, catchment=1000, decay="linear")
    np.testing.assert_allclose(lin, [1 * 6 / 25 + 0.5 * 4 / 5, 0.5 * 6 / 25, 0.0], rtol=1e-15)
    # a callable decay takes the vectorised path and agrees
    fn = fca2_from_costs(costs, demand, supply, catchment=1000, decay=lambda c: 1.0 - c / 1000)
    np.testing.assert_allclose(fn, lin, rtol=1e-15)


def test_ids_in_columns_and_custom_names():
    costs = pd.DataFrame({"o": [1, 2], "d": [7, 7], "minutes": [3.0, 5.0]})
    demand = pd.DataFrame({"o": [2, 1], "kids": [1.0, 3.0]})
    supply = pd.DataFrame({"d": [7], "places": [8.0]})
    import buurtgeo as bg

    got = bg.fca2_from_costs(
        costs,
        demand,
        supply,
        origin="o",
        destination="d",
        cost="minutes",
        population="kids",
        capacity="places",
        catchment=10,
    )
    # one service, 4 children: 8 / 4 = 2 places each, on the demand index
    np.testing.assert_allclose(got.to_numpy(), [2.0, 2.0])
    assert list(got.index) == [0, 1]


def test_problems_reported_at_once():
    costs = pd.DataFrame(
        {"origin": ["a", "z", "a"], "destination": ["X", "X", "Q"], "cost": [1.0, np.nan, -2.0]}
    )
    demand = pd.DataFrame({"population": [1.0, -3.0]}, index=["a", "b"])
    supply = pd.DataFrame({"capacity": [1.0]}, index=["X"])
    with pytest.raises(InputError) as err:
        fca2_from_costs(costs, demand, supply, catchment=0, decay="cubic")
    text = str(err.value)
    for part in ("catchment", "decay", "'z'", "'Q'", "empty", "negative", "demand column"):
        assert part in text, part
    good = pd.DataFrame({"origin": ["a"], "destination": ["X"], "cost": [1.0]})
    with pytest.raises(MissingColumnError, match="cost"):
        fca2_from_costs(good.drop(columns="cost"), demand.abs(), supply, catchment=5)
    dup = pd.DataFrame({"origin": ["a", "a"], "destination": ["X", "X"], "cost": [1.0, 2.0]})
    with pytest.raises(
        InputError, match=r"row 1 repeats the \(origin, destination\) pair \('a', 'X'\)"
    ):
        fca2_from_costs(dup, demand.abs(), supply, catchment=5)
    # neither grouped by origin nor by destination: (b, X) repeated in row 3
    mixed = pd.DataFrame(
        {"origin": ["b", "a", "a", "b"], "destination": ["X", "Y", "X", "X"], "cost": 1.0}
    )
    sup2 = pd.DataFrame({"capacity": [1.0, 2.0]}, index=["X", "Y"])
    with pytest.raises(InputError, match=r"row 3 repeats .* \('b', 'X'\)"):
        fca2_from_costs(mixed, demand.abs(), sup2, catchment=5)
    ok = fca2_from_costs(mixed.iloc[:3], demand.abs(), sup2, catchment=5)
    # X: a + b = 4 people -> 1/4; Y: a = 1 -> 2
    np.testing.assert_allclose(ok.to_numpy(), [0.25 + 2.0, 0.25])


def _reference_fca2(costs, pop, cap, r):
    """2SFCA (step) by pandas group-bys: the textbook formula, nothing shared with ours."""
    within = costs[costs["cost"] <= r]
    demand = (within["origin"].map(pop)).groupby(within["destination"]).sum()
    ratio = (cap / demand).reindex(cap.index).fillna(0.0).replace(np.inf, 0.0)
    access = within["destination"].map(ratio).groupby(within["origin"]).sum()
    return access.reindex(pop.index).fillna(0.0)


def _random_table(rng, n_o, n_s, m):
    pairs = rng.choice(n_o * n_s, size=m, replace=False)
    return pd.DataFrame(
        {"origin": pairs // n_s, "destination": pairs % n_s, "cost": rng.uniform(0, 1500, m)}
    )


@pytest.mark.parametrize("order", ["as drawn", "by origin", "by destination"])
@pytest.mark.parametrize("ids", ["row numbers", "integer codes", "strings"])
def test_every_layout_and_kind_of_id_gives_the_same_numbers(order, ids):
    # the compiled checks take different roads for tables grouped by origin, grouped
    # by destination or neither, and for ids that are row numbers or need a lookup
    rng = np.random.default_rng(11)
    n_o, n_s = 700, 40
    costs = _random_table(rng, n_o, n_s, 6000)
    pop = pd.Series(rng.integers(0, 50, n_o).astype(float))
    cap = pd.Series(rng.uniform(0, 30, n_s))
    expected = _reference_fca2(costs, pop, cap, 1000.0).to_numpy()
    if order != "as drawn":
        costs = costs.sort_values(order.split()[1], kind="stable", ignore_index=True)
    demand, supply = pop.rename("population").to_frame(), cap.rename("capacity").to_frame()
    if ids == "integer codes":  # e.g. sector numbers: not 0..n-1, not in order
        o_ids, s_ids = 10_000 + 7 * np.arange(n_o)[::-1], 500 + 3 * np.arange(n_s)
    elif ids == "strings":
        o_ids = np.array([f"o{k}" for k in range(n_o)], dtype=object)
        s_ids = np.array([f"s{k}" for k in range(n_s)], dtype=object)
    if ids != "row numbers":
        costs = costs.assign(origin=o_ids[costs["origin"]], destination=s_ids[costs["destination"]])
        demand.index, supply.index = o_ids, s_ids
    got = fca2_from_costs(costs, demand, supply, catchment=1000.0)
    np.testing.assert_allclose(got.to_numpy(), expected, rtol=1e-12, atol=0)
    assert got.attrs["pairs"] == 6000 and list(got.index) == list(demand.index)


@pytest.mark.parametrize("order", ["as drawn", "by origin", "by destination"])
# the big one checks for repeats on a second thread, beside the two steps
@pytest.mark.parametrize("rows", [500, importlib.import_module("buurtgeo.fca")._OVERLAP_ROWS + 10])
def test_a_repeated_pair_is_found_in_every_layout(order, rows):
    rng = np.random.default_rng(5)
    n_o, n_s = max(rows // 20, 50), 40
    costs = _random_table(rng, n_o, n_s, rows)
    copy = costs.iloc[[rows // 3]].assign(cost=1.0)  # the same pair, another cost
    dup = pd.concat([costs, copy], ignore_index=True)
    if order != "as drawn":
        dup = dup.sort_values(order.split()[1], kind="stable")
    demand = pd.DataFrame({"population": np.ones(n_o)})
    supply = pd.DataFrame({"capacity": np.ones(n_s)})
    pair = (int(copy["origin"].iloc[0]), int(copy["destination"].iloc[0]))
    with pytest.raises(InputError, match=r"repeats the \(origin, destination\) pair") as err:
        fca2_from_costs(dup, demand, supply, catchment=1000.0)
    assert str(pair) in str(err.value)
    # the row named is the later of the two (by position in the table as given)
    rows_of_pair = dup.index[(dup["origin"] == pair[0]) & (dup["destination"] == pair[1])]
    assert f"costs row {int(rows_of_pair[1])} repeats" in str(err.value)
    ok = fca2_from_costs(costs, demand, supply, catchment=1000.0)
    assert ok.attrs["pairs"] == rows


def test_origins_that_collide_in_the_hash_set_are_not_taken_for_repeats():
    # ids spaced by powers of two land on few hash slots: probing must go on, not stop
    n_s, per = 3, 64
    origin = np.concatenate([np.arange(per) * 1024 for _ in range(n_s)])
    destination = np.repeat(np.arange(n_s), per)[::-1]  # neither grouped by origin nor ...
    costs = pd.DataFrame({"origin": origin, "destination": destination, "cost": 10.0})
    costs = costs.sample(frac=1.0, random_state=3, ignore_index=True)  # ... by destination
    demand = pd.DataFrame({"population": np.ones(per * 1024)})
    supply = pd.DataFrame({"capacity": [64.0, 128.0, 32.0]})
    got = fca2_from_costs(costs, demand, supply, catchment=100.0)
    # each service sees the same 64 people: (64 + 128 + 32) / 64 places each
    np.testing.assert_allclose(got.to_numpy()[origin[:per]], 224 / 64)
    assert got.sum() == pytest.approx(per * 224 / 64)
    again = pd.concat([costs, costs.iloc[[17]]], ignore_index=True)
    with pytest.raises(InputError, match="repeats"):
        fca2_from_costs(again, demand, supply, catchment=100.0)


@pytest.mark.parametrize(
    "row, value, column, expected",
    [
        (3, 9999, "origin", "name ids that are not in demand"),
        (3, -1, "destination", "name ids that are not in supply"),
        (3, np.nan, "cost", "are empty"),
        (3, -5.0, "cost", "negative or infinite"),
        (3, np.inf, "cost", "negative or infinite"),
    ],
)
def test_the_fast_path_names_the_row_it_refuses(row, value, column, expected):
    # plain inputs skip the checks row by row; a bad row sends them back to be named
    rng = np.random.default_rng(2)
    costs = _random_table(rng, 50, 5, 120)
    costs.index = costs.index + 1000  # labels, not positions, are named
    costs[column] = costs[column].astype(float if column == "cost" else np.int64)
    costs.loc[1000 + row, column] = value
    demand = pd.DataFrame({"population": np.ones(50)})
    supply = pd.DataFrame({"capacity": np.ones(5)})
    with pytest.raises(InputError, match=expected) as err:
        fca2_from_costs(costs, demand, supply, catchment=1000.0)
    assert "1003" in str(err.value)


@pytest.mark.filterwarnings("ignore:The inplace keyword")
@pytest.mark.parametrize("decay", ["step", "linear", "gaussian"])
def test_equals_pysal_access(decay):
    from access import Access

    rng = np.random.default_rng(7)
    n_o, n_s, m, r = 400, 60, 9000, 30.0
    pairs = rng.choice(n_o * n_s, size=m, replace=False)
    # a long table in minutes, some pairs beyond the catchment; ids are strings
    costs = pd.DataFrame(
        {
            "origin": [f"o{k}" for k in pairs // n_s],
            "destination": [f"s{k}" for k in pairs % n_s],
            "cost": rng.uniform(0, 45, m),
        }
    )
    demand = pd.DataFrame(
        {"population": rng.integers(1, 80, n_o).astype(float)},
        index=[f"o{k}" for k in range(n_o)],
    )
    supply = pd.DataFrame(
        {"capacity": rng.uniform(1, 40, n_s)}, index=[f"s{k}" for k in range(n_s)]
    )
    floor = math.exp(-0.5)
    weight_fn = {
        "step": None,
        "linear": lambda c: 1.0 - c / r,
        "gaussian": lambda c: (math.exp(-0.5 * (c / r) ** 2) - floor) / (1 - floor),
    }[decay]
    acc = Access(
        demand_df=demand.rename_axis("geoid").reset_index(),
        demand_index="geoid",
        demand_value="population",
        supply_df=supply.rename_axis("geoid").reset_index(),
        supply_index="geoid",
        supply_value="capacity",
        cost_df=costs,
        cost_origin="origin",
        cost_dest="destination",
        cost_name="cost",
    )
    theirs = acc.two_stage_fca(name="x", max_cost=r, weight_fn=weight_fn, normalize=False)
    theirs = theirs["x_capacity"].reindex(demand.index).fillna(0.0).to_numpy()
    ours = fca2_from_costs(costs, demand, supply, catchment=r, decay=decay)
    # every service has demand in reach (else access divides by zero)
    assert ours.attrs["services_used"] == n_s and ours.attrs["services_without_demand"] == 0
    np.testing.assert_allclose(ours.to_numpy(), theirs, rtol=1e-9, atol=0)


@pytest.mark.parametrize("dtype", [np.uint64, np.uint32, np.int16, np.int32, np.int64])
def test_integer_ids_of_every_width_on_row_numbers(dtype):
    # ids straight from Arrow / Parquet: uint64 must not reach the kernels as it is
    costs = pd.DataFrame(
        {
            "origin": np.array([0, 1, 2, 0], dtype=dtype),
            "destination": np.array([0, 0, 1, 1], dtype=dtype),
            "cost": [10.0, 20.0, 30.0, 40.0],
        }
    )
    demand = pd.DataFrame({"population": [1.0, 2.0, 3.0]})
    supply = pd.DataFrame({"capacity": [6.0, 8.0]})
    got = fca2_from_costs(costs, demand, supply, catchment=100.0)
    # service 0 sees origins 0, 1 (3 people): 2 each; service 1 sees 2, 0 (4 people): 2 each
    np.testing.assert_allclose(got.to_numpy(), [2.0 + 2.0, 2.0, 2.0])


_FORK_OR_EXIT = """
import sys, threading
import numpy as np, pandas as pd
from buurtgeo.fca import _OVERLAP_ROWS, fca2_from_costs
n_s = 40
n_o = _OVERLAP_ROWS // n_s + 10
costs = pd.DataFrame({"origin": np.repeat(np.arange(n_o), n_s),
                      "destination": np.tile(np.arange(n_s), n_o), "cost": 1.0})
dem = pd.DataFrame({"population": np.ones(n_o)})
sup = pd.DataFrame({"capacity": np.ones(n_s)})
def call(*_):
    return float(fca2_from_costs(costs, dem, sup, catchment=10.0).sum())
print("parent", call(), flush=True)
if sys.argv[1] == "fork":
    import multiprocessing as mp
    with mp.get_context("fork").Pool(1) as pool:
        print("child", pool.map_async(call, [0]).get(timeout=60)[0], flush=True)
else:
    main = threading.main_thread()
    def late():
        main.join()  # the interpreter is shutting down: executors refuse new work
        print("late", call(), flush=True)
    threading.Thread(target=late).start()
"""


@pytest.mark.parametrize("how", ["fork", "late"])
def test_second_thread_survives_fork_and_shutdown(how, tmp_path):
    # a forked child has the parent's executor without its thread; at shutdown,
    # executors refuse work: both must still get the answer (every person: 40/n_o)
    import subprocess
    import sys

    script = tmp_path / "run.py"
    script.write_text(_FORK_OR_EXIT)
    done = subprocess.run(
        [sys.executable, str(script), how], capture_output=True, text=True, timeout=240
    )
    assert done.returncode == 0, done.stderr[-2000:]
    lines = dict(line.split() for line in done.stdout.split("\n") if line)
    total = 40.0  # sum over origins of P_i A_i with P_i = 1 = total capacity
    assert float(lines["parent"]) == pytest.approx(total)
    assert float(lines["child" if how == "fork" else "late"]) == pytest.approx(total)


def test_repeated_pair_message_shows_plain_values():
    costs = pd.DataFrame(
        {"origin": np.array([3, 3], dtype=np.int64), "destination": [0, 0], "cost": 1.0},
        index=np.array([10, 11], dtype=np.int64),
    )
    demand = pd.DataFrame({"population": np.ones(5)})
    supply = pd.DataFrame({"capacity": [1.0]})
    with pytest.raises(InputError) as err:
        fca2_from_costs(costs, demand, supply, catchment=5.0)
    assert "costs row 11 repeats the (origin, destination) pair (3, 0)" in str(err.value)
    assert "np." not in str(err.value)


def test_warm_up_loads_compiled_code_once_in_a_daemon_thread():
    """analyse() starts one background thread per process that loads numba's compiled
    code while the inputs are read; it ends by itself and never holds the process up."""
    import subprocess
    import sys

    code = (
        "import threading\n"
        "from buurtgeo import _reach_kernels as k\n"
        "k.warm_up(); k.warm_up()\n"
        "assert len(k._WARMING) == 1\n"
        "t = k._WARMING[0]\n"
        "assert t.daemon and t.name == 'buurtgeo-warm-up'\n"
        "t.join(60)\n"
        "assert not t.is_alive()\n"
        "import numpy as np\n"
        "out = k._counting_sort(np.arange(4), np.array([1, 0, 1, 0]), np.array([0, 2]))\n"
        "assert out.tolist() == [1, 3, 0, 2]\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)
