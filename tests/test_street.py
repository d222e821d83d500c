"""Distances along the street: snapping to the nearest street, one-way streets for bikes,
points far from every street, catchments in minutes.

Hand cases are worked out in the docstrings; random and real networks are checked
against an independent implementation (shapely to snap, networkx on a copy of the graph
split where each point joins it: tests/_street_reference.py), to 1e-9 relative.
"""

from __future__ import annotations

import pickle
import warnings

import geopandas as gpd
import networkx as nx
import numpy as np
import pytest
import shapely
from _street_reference import locate, reach_from_distances, street_distances

import buurtgeo as bg
from buurtgeo.errors import InputError
from buurtgeo.network import Network, grid_network

CRS = "EPSG:3812"


def pts(xy, index=None, **cols) -> gpd.GeoDataFrame:
    xy = np.asarray(xy, dtype=float).reshape(-1, 2)
    return gpd.GeoDataFrame(
        cols, geometry=gpd.points_from_xy(xy[:, 0], xy[:, 1]), index=index, crs=CRS
    )


def one_street() -> Network:
    """A 1 km street A (0, 0) - B (1000, 0), and B - C (1000, 500) of 500 m."""
    return Network.from_edges(
        [0, 1], [1, 2], [1000.0, 500.0], [0, 1000, 1000], [0, 0, 500], crs=CRS
    )


def loop(**kw) -> Network:
    """A rectangle A (0, 0), B (1000, 0), C (1000, 500), D (0, 500); sides 1000/500 m."""
    x, y = [0, 1000, 1000, 0], [0, 0, 500, 500]
    return Network.from_edges(
        [0, 1, 2, 3], [1, 2, 3, 0], [1000.0, 500, 1000, 500], x, y, crs=CRS, **kw
    )


# --------------------------------------------------------------------------------------
# hand cases
# --------------------------------------------------------------------------------------


def test_same_street_child_and_creche():
    """A child at (499.5, 10), midway along the 1 km street, a crèche 400.5 m further along
    it at (900, 10).

    Along the street: 10 (to the street) + 400.5 (along it) + 10 = 420.5 m.
    Over the nearest nodes (A for the child, B for the crèche):
    hypot(499.5, 10) + 1000 + hypot(100, 10) = 499.6001 + 1000 + 100.4988 = 1600.10 m.
    """
    net = one_street()
    child = pts([(499.5, 10)], population=[1.0])
    creche = pts([(900, 10)], capacity=[14.0])
    res = bg.reach(child, creche, network=net, catchment_m=1000.0)
    assert res["dist_nearest_m"].iloc[0] == pytest.approx(420.5, rel=1e-12)
    assert res["snap_m"].iloc[0] == pytest.approx(10.0, rel=1e-12)
    assert res["services_within"].iloc[0] == 1 and res["fca2"].iloc[0] == pytest.approx(14.0)
    with pytest.warns(UserWarning, match="1 origin"):
        old = bg.reach(
            child, creche, network=net, catchment_m=1000.0, snap="node", far="unreachable"
        )
    assert np.isinf(old["dist_nearest_m"].iloc[0])  # 499.6 m from a node: too far (250 m)
    old = bg.reach(child, creche, network=net, catchment_m=2000.0, snap="node", max_snap_m=600)
    want = np.hypot(499.5, 10) + 1000 + np.hypot(100, 10)
    assert old["dist_nearest_m"].iloc[0] == pytest.approx(want, rel=1e-12)
    assert old["snap_m"].iloc[0] == pytest.approx(np.hypot(499.5, 10), rel=1e-12)


def test_both_directions_along_one_street():
    """Services on either side of a child on the same street: (300, 5) and (650, -5); the
    child at (500, 0) is on the street. Distances 5 + 200 = 205 and 150 + 5 = 155: the
    nearest is the second, both within 250 m; from the crèche at 650 back to the child
    (services and origins swapped) the same 155 m (walking is two-way)."""
    net = one_street()
    child = pts([(500, 0)], population=[2.0])
    both = pts([(300, 5), (650, -5)], capacity=[1.0, 3.0])
    res = bg.reach(child, both, network=net, catchment_m=250.0)
    assert res["dist_nearest_m"].iloc[0] == pytest.approx(155.0, rel=1e-12)
    assert res["services_within"].iloc[0] == 2
    assert res["snap_m"].iloc[0] == 0.0
    # each service only has this child: R_j = S_j / 2, A = 1/2 + 3/2
    assert res["fca2"].iloc[0] == pytest.approx(2.0, rel=1e-12)
    back = bg.reach(both.assign(population=1.0), child.assign(capacity=1.0), network=net)
    np.testing.assert_allclose(back["dist_nearest_m"], [205.0, 155.0], rtol=1e-12)


def test_one_way_street_for_bikes():
    """The rectangle with A -> B one-way (for bikes), all other sides two-way.

    A child at (300, 5) and a crèche at (100, 5), both on A-B. The child may not ride
    back along A-B: 5 + 700 (to B) + 500 (C) + 1000 (D) + 500 (A) + 100 + 5 = 2810 m.
    The other way round (crèche as origin, child as destination): 5 + 200 + 5 = 210 m.
    Walking (the same streets, two-way): 210 m both ways.
    """
    bike = loop(oneway=[1, 0, 0, 0], mode="bike")
    assert bike.directed and bike.edges()["oneway"].tolist() == [1, 0, 0, 0]
    child, creche = pts([(300, 5)], population=[1.0]), pts([(100, 5)], capacity=[1.0])
    res = bg.reach(child, creche, network=bike, catchment_m=5000.0)
    assert res["dist_nearest_m"].iloc[0] == pytest.approx(2810.0, rel=1e-12)
    assert res.attrs["speed_kmh"] == 15.0
    assert res["time_nearest_min"].iloc[0] == pytest.approx(2810.0 / 250.0)
    back = bg.reach(creche.assign(population=1.0), child.assign(capacity=1.0), network=bike)
    assert back["dist_nearest_m"].iloc[0] == pytest.approx(210.0, rel=1e-12)
    walk = loop()
    assert not walk.directed
    res = bg.reach(child, creche, network=walk, catchment_m=5000.0)
    assert res["dist_nearest_m"].iloc[0] == pytest.approx(210.0, rel=1e-12)
    # within 1 km: over the one-way street, the crèche is out of reach
    res = bg.reach(child, creche, network=bike, catchment_m=1000.0)
    assert res["services_within"].iloc[0] == 0 and not res["covered"].iloc[0]
    # a point exactly on a node joins there whatever the street's direction: the child
    # at B (1000, 0) rides B -> C -> D -> A -> crèche: 500 + 1000 + 500 + 100 + 5
    at_b = bg.reach(pts([(1000, 0)], population=[1.0]), creche, network=bike, catchment_m=5e3)
    assert at_b["dist_nearest_m"].iloc[0] == pytest.approx(2105.0, rel=1e-12)


def test_far_off_point_is_named():
    """A service 5 km from any street (row 'moon'): named in a warning, or unreachable,
    or refused; an origin 300 m away is counted."""
    net = one_street()
    kids = pts([(500, 0), (500, 300)], index=["near", "far"], population=[1.0, 1.0])
    services = pts([(800, 0), (3000, 5000)], index=["ok", "moon"], capacity=[1.0, 1.0])
    with pytest.warns(UserWarning, match=r"1 origin\(s\) \(up to 300 m\).*'moon'.*250 m"):
        res = bg.reach(kids, services, network=net, catchment_m=10_000.0)
    assert res.attrs["origins_far"] == 1 and res.attrs["services_far"] == 1
    np.testing.assert_allclose(res["dist_nearest_m"], [300.0, 600.0], rtol=1e-12)
    assert res["services_within"].tolist() == [2, 2]  # 'moon' counts, 5 km off included
    with pytest.warns(UserWarning, match="count as unreachable"):
        cut = bg.reach(kids, services, network=net, catchment_m=10_000.0, far="unreachable")
    assert cut["dist_nearest_m"].iloc[0] == pytest.approx(300.0)
    assert np.isinf(cut["dist_nearest_m"].iloc[1])
    assert cut["services_within"].tolist() == [1, 0]
    with pytest.raises(InputError, match="'moon'"):
        bg.reach(kids, services, network=net, far="error")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # nothing to say within 6 km
        bg.reach(kids, services, network=net, max_snap_m=6000.0)
    with pytest.raises(InputError) as err:
        bg.reach(kids, services, network=net, snap="street", far="never", max_snap_m=-1)
    text = str(err.value)
    assert "snap must be" in text and "far must be" in text and "max_snap_m" in text


def test_catchment_in_minutes():
    """10 min at 4.8 km/h (80 m/min) = 800 m; by bike (15 km/h, 250 m/min) = 2500 m;
    at speed_kmh=6 (100 m/min) = 1000 m."""
    net = one_street()
    kids = pts([(0, 0)], population=[1.0])
    services = pts([(790, 0), (810, 0), (1000, 400)], capacity=[1.0, 1.0, 1.0])
    walk = bg.reach(kids, services, network=net, catchment_min=10)
    assert walk.attrs["catchment_m"] == pytest.approx(800.0) and walk.attrs["catchment_min"] == 10
    assert walk["services_within"].iloc[0] == 1
    fast = bg.reach(kids, services, network=net, catchment_min=10, speed_kmh=6.0)
    assert fast["services_within"].iloc[0] == 2
    net.mode = "bike"
    bike = bg.reach(kids, services, network=net, catchment_min=10)
    assert bike.attrs["catchment_m"] == pytest.approx(2500.0)
    assert bike["services_within"].iloc[0] == 3
    with bg.set_options(bike_speed_kmh=12.0):  # 200 m/min: 1300 m (not the third at 1400)
        slow = bg.reach(kids, services, network=net, catchment_min=6.5)
    assert slow["services_within"].iloc[0] == 2
    with pytest.raises(InputError, match="catchment_m or catchment_min"):
        bg.reach(kids, services, network=net, catchment_m=500.0, catchment_min=10)
    with pytest.raises(InputError, match="minutes"):
        bg.reach(kids, services, network=net, catchment_min=-3)
    # per kind in reach_all, in metres for one kind and minutes for another
    kinds = services.assign(service_kind=["library", "library", "playground"])
    kids = kids.assign(children_0_17=1.0, children_3_5=1.0, children_6_11=1.0)
    net.mode = "walk"
    wide = bg.reach_all(
        kids, kinds, network=net, catchment_m={"library": 800.0}, catchment_min={"playground": 20}
    )
    assert wide.attrs["kinds"]["playground"]["catchment_m"] == pytest.approx(1600.0)
    assert wide.attrs["kinds"]["playground"]["catchment_min"] == 20
    assert "catchment_min" not in wide.attrs["kinds"]["library"]
    assert wide["services_within__playground"].iloc[0] == 1  # 1400 m away
    with pytest.raises(InputError, match="not both"):
        bg.reach_all(
            kids, kinds, network=net, catchment_m={"library": 8.0}, catchment_min={"library": 2}
        )


# --------------------------------------------------------------------------------------
# snapping against shapely
# --------------------------------------------------------------------------------------


def bent_lines(seed: int = 4, n_side: int = 9) -> gpd.GeoDataFrame:
    """A jittered grid of streets drawn as bent 3-vertex lines, some drawn backwards."""
    rng = np.random.default_rng(seed)
    i, j = np.divmod(np.arange(n_side * n_side), n_side)
    x = j * 80.0 + rng.uniform(-15, 15, i.size)
    y = i * 80.0 + rng.uniform(-15, 15, i.size)
    node = i * n_side + j
    u = np.r_[node[j < n_side - 1], node[i < n_side - 1]]
    v = np.r_[node[j < n_side - 1] + 1, node[i < n_side - 1] + n_side]
    keep = rng.random(u.size) > 0.2
    u, v = u[keep], v[keep]
    mx = (x[u] + x[v]) / 2 + rng.normal(0, 6, u.size)
    my = (y[u] + y[v]) / 2 + rng.normal(0, 6, u.size)
    back = rng.random(u.size) < 0.5
    a, b = np.where(back, v, u), np.where(back, u, v)
    coords = np.stack([np.c_[x[a], y[a]], np.c_[mx, my], np.c_[x[b], y[b]]], axis=1)
    return gpd.GeoDataFrame(geometry=shapely.linestrings(coords), crs=CRS)


def test_snap_edges_equals_shapely():
    lines = bent_lines()
    net = Network.from_lines(lines)
    rng = np.random.default_rng(1)
    # inside, around and far outside the network (a point outside its grid)
    xy = np.r_[rng.uniform(-100, 750, (3000, 2)), [[5000.0, -3000.0], [-20000.0, 400.0]]]
    got = net.snap_edges(xy[:, 0], xy[:, 1])
    street, pos, off = locate(net, xy)
    np.testing.assert_allclose(got.offset_m, off, rtol=1e-9, atol=1e-9)
    same = got.edge == street  # ties (a point as near to two streets) may differ
    assert same.mean() > 0.95
    np.testing.assert_allclose(got.position_m[same], pos[same], rtol=1e-9, atol=1e-7)
    # the join point is on the street's line, |PQ| away from the point
    lines_e = np.asarray(net.edges().geometry.array)[got.edge]
    q = shapely.points(got.x, got.y)
    assert shapely.distance(q, lines_e).max() < 1e-6
    np.testing.assert_allclose(shapely.distance(q, shapely.points(xy)), got.offset_m, atol=1e-9)
    assert (
        (got.position_m >= 0) & (got.position_m <= net.edges()["length_m"].to_numpy()[got.edge])
    ).all()
    # points where the grid's cell bounds are tight (a cell is skipped only when it lies
    # farther than the best piece so far): on cell corners and on the streets' vertices
    idx = net._street_index()
    corners = np.c_[
        idx.x0 + idx.cs * rng.integers(-1, idx.ncx + 2, 2000),
        idx.y0 + idx.cs * rng.integers(-1, idx.ncy + 2, 2000),
    ]
    tight = np.r_[corners, np.c_[idx.vx, idx.vy]]
    at = net.snap_edges(tight[:, 0], tight[:, 1])
    np.testing.assert_allclose(at.offset_m, locate(net, tight)[2], rtol=1e-9, atol=1e-9)
    # joining points to the graph reads the same, without the join points
    for mine, public in zip(net._snap_streets(xy[:, 0], xy[:, 1]), got[:3], strict=True):
        np.testing.assert_array_equal(mine, public)
    # chords: a network from node pairs snaps to the straight line between the nodes
    chord = grid = grid_network(6, spacing_m=100.0, seed=2)
    g = chord.snap_edges([250.0, 130.0], [3.0, 240.0])
    _, _, ref_off = locate(grid, np.array([[250.0, 3.0], [130.0, 240.0]]))
    np.testing.assert_allclose(g.offset_m, ref_off, rtol=1e-9)


def test_snap_edges_checks_and_pickles():
    net = grid_network(5)
    empty = net.snap_edges([], [])
    assert len(empty.edge) == 0 and empty.offset_m.dtype == np.float64
    with pytest.raises(InputError, match="missing or infinite"):
        net.snap_edges([0.0, np.nan], [0.0, 1.0])
    net.snap_edges([10.0], [10.0])  # builds the grid
    again = pickle.loads(pickle.dumps(net))
    assert again._snap_index is None
    a, b = net.snap_edges([33.0], [71.0]), again.snap_edges([33.0], [71.0])
    assert a.edge[0] == b.edge[0] and a.offset_m[0] == b.offset_m[0]


# --------------------------------------------------------------------------------------
# random networks against networkx, directed too
# --------------------------------------------------------------------------------------


def _random_case(net: Network, seed: int, n_o: int = 250, n_s: int = 25):
    rng = np.random.default_rng(seed)
    x0, x1 = net.node_x.min() - 30, net.node_x.max() + 30
    y0, y1 = net.node_y.min() - 30, net.node_y.max() + 30
    o = pts(
        np.c_[rng.uniform(x0, x1, n_o), rng.uniform(y0, y1, n_o)],
        population=rng.integers(0, 9, n_o),
    )
    s = pts(
        np.c_[rng.uniform(x0, x1, n_s), rng.uniform(y0, y1, n_s)], capacity=rng.uniform(1, 9, n_s)
    )
    return o, s


def _check_against_networkx(net, origins, services, r, decay="step", **kw):
    oxy = np.c_[origins.geometry.x, origins.geometry.y]
    sxy = np.c_[services.geometry.x, services.geometry.y]
    dist = street_distances(net, oxy, sxy)
    weight = {
        "step": lambda d: np.ones_like(d),
        "linear": lambda d: 1.0 - d / r,
    }[decay]
    ref = reach_from_distances(
        dist, origins["population"].to_numpy(float), services["capacity"].to_numpy(float), r, weight
    )
    res = bg.reach(origins, services, network=net, catchment_m=r, decay=decay, **kw)
    np.testing.assert_allclose(res["dist_nearest_m"], ref["dist_nearest_m"], rtol=1e-9)
    np.testing.assert_array_equal(res["services_within"], ref["services_within"])
    np.testing.assert_allclose(res["capacity_within"], ref["capacity_within"], rtol=1e-9)
    np.testing.assert_allclose(res["fca2"], ref["fca2"], rtol=1e-9, atol=1e-14)
    return res, dist


@pytest.mark.parametrize("decay", ["step", "linear"])
def test_reach_from_lines_equals_networkx(decay):
    net = Network.from_lines(bent_lines(seed=7))
    origins, services = _random_case(net, 3)
    res, dist = _check_against_networkx(net, origins, services, 260.0, decay)
    assert 0 < res["services_within"].mean() < len(services)
    # several origins share a street with a service: the direct way along it counts
    o_street = locate(net, np.c_[origins.geometry.x, origins.geometry.y])[0]
    s_street = locate(net, np.c_[services.geometry.x, services.geometry.y])[0]
    assert np.isin(o_street, s_street).sum() >= 5


@pytest.mark.parametrize("seed", [1, 2])
def test_reach_on_one_way_streets_equals_networkx(seed):
    """A cycling network where a third of the streets are one-way (either way)."""
    lines = bent_lines(seed=seed)
    rng = np.random.default_rng(seed)
    oneway = rng.choice([0, 0, 1, -1], len(lines))
    net = Network.from_lines(lines, oneway=oneway, mode="bike")
    assert net.directed
    origins, services = _random_case(net, seed + 10)
    res, dist = _check_against_networkx(net, origins, services, 300.0)
    # not symmetric: from the services to the origins differs
    back = street_distances(net, np.c_[services.geometry.x, services.geometry.y],
                            np.c_[origins.geometry.x, origins.geometry.y])  # fmt: skip
    finite = np.isfinite(dist) & np.isfinite(back.T)
    assert (np.abs(dist[finite] - back.T[finite]) > 1e-6).mean() > 0.2
    # Network.nearest(reverse=True) is the distance *to* the sources: networkx on the DiGraph
    g = net.to_networkx()
    assert isinstance(g, nx.DiGraph)
    src = np.array([0, 5, 17])
    d_to, _ = net.nearest(src, reverse=True)
    ref = nx.multi_source_dijkstra_path_length(
        g.reverse(copy=False), set(src.tolist()), weight="length"
    )
    np.testing.assert_allclose(d_to[list(ref)], list(ref.values()), rtol=1e-12)
    d_from, _ = net.nearest(src)
    ref = nx.multi_source_dijkstra_path_length(g, set(src.tolist()), weight="length")
    np.testing.assert_allclose(d_from[list(ref)], list(ref.values()), rtol=1e-12)
    si, ni, di = net.pairs_within(src, 250.0, reverse=True)
    for s in range(len(src)):
        want = nx.single_source_dijkstra_path_length(
            g.reverse(copy=False), int(src[s]), cutoff=250.0, weight="length"
        )
        mine = dict(zip(ni[si == s].tolist(), di[si == s].tolist(), strict=True))
        assert mine.keys() == want.keys()
        np.testing.assert_allclose([mine[k] for k in want], list(want.values()), rtol=1e-12)


def test_nearest_bucket_queue_equals_heap(monkeypatch):
    import buurtgeo.network as network_module

    net = Network.from_lines(bent_lines(seed=3), oneway=None)
    rng = np.random.default_rng(0)
    src = rng.integers(0, net.n_nodes, 12)
    off = rng.uniform(0, 400, 12)
    d_ring, lab_ring = net.nearest(src, off)
    monkeypatch.setattr(network_module, "_MAX_BUCKETS", 2)  # too many buckets: the heap
    d_heap, lab_heap = net.nearest(src, off)
    np.testing.assert_array_equal(d_ring, d_heap)
    np.testing.assert_array_equal(lab_ring, lab_heap)
    d_ref, _ = net._nearest_scipy(src, off)
    np.testing.assert_allclose(d_ring, d_ref, rtol=1e-12)


def test_scenario_and_sites_snap_along_the_street():
    net = Network.from_lines(bent_lines(seed=5))
    origins, services = _random_case(net, 5, n_s=12)
    services.index = [f"s{k}" for k in range(len(services))]
    model = bg.Scenario(origins, services, network=net, catchment_m=250.0)
    new = pts([(300.0, 300.0)], index=["new"], capacity=[10.0])
    after = model.apply(open=new, close=["s0"])
    fresh = bg.reach(
        origins, model.changed_services(open=new, close=["s0"]), network=net, catchment_m=250.0
    )
    np.testing.assert_allclose(after["fca2"], fresh["fca2"], rtol=1e-9, atol=1e-14)
    np.testing.assert_allclose(after["dist_nearest_m"], fresh["dist_nearest_m"], rtol=1e-12)
    with pytest.warns(UserWarning, match="opened service row.*'moon'"):
        model.apply(open=pts([(9000.0, 9000.0)], index=["moon"], capacity=[1.0]))
    node = bg.Scenario(origins, services, network=net, catchment_min=3.0, snap="node")
    assert node.catchment_m == pytest.approx(240.0)
    assert not node.baseline["dist_nearest_m"].equals(model.baseline["dist_nearest_m"])
    # sites: a demand point covered by the site over the street, measured as reach does
    sites = bg.suggest_sites(
        origins.assign(need=1.0), services, k=2, catchment_min=3.0, network=net
    )
    cover = bg.reach(
        origins,
        services.loc[list(sites.index)].assign(capacity=1.0),
        network=net,
        catchment_m=240.0,
    )
    assert sites.attrs["covered_total"] == pytest.approx(float(cover["covered"].sum()))


# --------------------------------------------------------------------------------------
# the real Gent road register
# --------------------------------------------------------------------------------------


@pytest.mark.realdata
@pytest.mark.slow
def test_gent_register_along_the_street_equals_networkx(real):
    """Stad Gent's road segments (Wegenregister): street snapping against shapely +
    networkx on the real lines, and how much nearer the street is than the nearest node."""
    net = bg.read_network(real / "gent_roads_parks" / "wegsegmenten-gent.geojson.zip")
    rng = np.random.default_rng(15)
    x0, y0 = np.percentile(net.node_x, 30), np.percentile(net.node_y, 30)
    x1, y1 = np.percentile(net.node_x, 70), np.percentile(net.node_y, 70)
    origins = pts(
        np.c_[rng.uniform(x0, x1, 400), rng.uniform(y0, y1, 400)],
        population=rng.integers(1, 9, 400),
    )
    services = pts(
        np.c_[rng.uniform(x0, x1, 30), rng.uniform(y0, y1, 30)], capacity=rng.uniform(5, 30, 30)
    )
    res, _ = _check_against_networkx(net, origins, services, 800.0, max_snap_m=1000.0)
    assert np.isfinite(res["dist_nearest_m"]).all()
    # the nearest street is much nearer than the nearest node (the segments run from
    # junction to junction): the median offsets differ by more than half
    node = bg.reach(
        origins, services, network=net, catchment_m=800.0, snap="node", max_snap_m=1000.0
    )
    assert (res["snap_m"] <= node["snap_m"] + 1e-9).all()
    assert res["snap_m"].median() < 0.6 * node["snap_m"].median()
    # same distances as shapely for every origin of the study area's grid
    xy = np.c_[rng.uniform(net.node_x.min(), net.node_x.max(), 20_000),
               rng.uniform(net.node_y.min(), net.node_y.max(), 20_000)]  # fmt: skip
    got = net.snap_edges(xy[:, 0], xy[:, 1])
    _, _, off = locate(net, xy)
    np.testing.assert_allclose(got.offset_m, off, rtol=1e-9, atol=1e-9)
