"""Site suggestions over a street network (buurtgeo.sites.suggest_sites with ``network=``).

The straight-line cases live in test_gaps.py; here: a hand-built river with one bridge,
a cross-check of the network distances against networkx, MCLP and greedy against brute
force over every k-subset, the consistency with ``reach``, and the input checks.
"""

from __future__ import annotations

from itertools import combinations

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point

import buurtgeo as bg
from buurtgeo._engines import _OnNetwork
from buurtgeo.errors import CRSError, InputError
from buurtgeo.network import Network
from buurtgeo.sites import _network_pairs, suggest_sites

CRS = "EPSG:3812"


def _points(xy, index=None, **cols):
    return gpd.GeoDataFrame(cols, geometry=[Point(x, y) for x, y in xy], index=index, crs=CRS)


@pytest.fixture
def river():
    """Two banks of a river, 200 m apart, joined by one bridge at the west end.

    North bank: nodes n0..n6 at (0, 100) .. (600, 100); south bank: s0..s6 at
    (0, -100) .. (600, -100); streets of 100 m between neighbours on each bank; the
    bridge n0-s0 is 200 m long. An island (two nodes at (1000, 300), (1100, 300)) is
    not connected to the rest (``keep_largest=False``).

    Demand (need): D1 (600, 110) 6 (node n6, offset 10); D2 (300, 110) 3 (n3, offset
    10); D3 (600, -110) 4 (s6, offset 10); D4 (1000, 310) 2 (the island, offset 10).
    Candidates: A (600, -120) across the river from D1 (s6, offset 20); B (400, 120)
    on the north bank (n4, offset 20).
    """
    xs = np.arange(0.0, 700.0, 100.0)
    node_x = np.r_[xs, xs, 1000.0, 1100.0]
    node_y = np.r_[np.full(7, 100.0), np.full(7, -100.0), 300.0, 300.0]
    u = np.r_[np.arange(6), 7 + np.arange(6), 0, 14]
    v = np.r_[np.arange(1, 7), 8 + np.arange(6), 7, 15]
    length = np.r_[np.full(12, 100.0), 200.0, 100.0]
    net = Network.from_edges(u, v, length, node_x, node_y, crs=CRS, keep_largest=False)
    demand = _points(
        [(600, 110), (300, 110), (600, -110), (1000, 310)],
        index=pd.Index(["D1", "D2", "D3", "D4"]),
        need=[6.0, 3.0, 4.0, 2.0],
    )
    cands = _points([(600, -120), (400, 120)], index=pd.Index(["A", "B"]))
    return net, demand, cands


@pytest.mark.parametrize("method", ["greedy", "mclp"])
def test_river_network_pick_differs_from_straight_line(river, method):
    net, demand, cands = river
    # Radius 250 m.
    # Straight line: A-D1 = 230 (covered), A-D3 = 10 (covered), A-D2 = sqrt(300² + 230²)
    #   = 378; B-D1 = sqrt(200² + 10²) = 200.2, B-D2 = sqrt(100² + 10²) = 100.5 (covered),
    #   B-D3 = sqrt(200² + 230²) = 304.8. A covers D1 + D3 = 6 + 4 = 10, B covers
    #   D1 + D2 = 9: the straight line picks A.
    # Network: A-D3 = 10 + 0 + 20 = 30; A-D1 = 10 + (s6→s0 600 + bridge 200 + n0→n6 600)
    #   + 20 = 1430. B-D1 = 10 + 200 + 20 = 230, B-D2 = 10 + 100 + 20 = 130. A covers 4,
    #   B covers 9: the network picks B.
    # D4 is on the island (D = inf) and 400+ m from both in a straight line: nobody
    # covers it either way; uncovered total 6 + 3 + 4 + 2 = 15.
    line = suggest_sites(demand, cands, k=1, catchment_m=250, method=method)
    assert list(line.index) == ["A"] and line["added"].tolist() == [10.0]
    assert line.attrs["distance"] == "euclidean"
    on_net = suggest_sites(demand, cands, k=1, catchment_m=250, method=method, network=net)
    assert list(on_net.index) == ["B"] and on_net["added"].tolist() == [9.0]
    assert on_net.attrs["distance"] == "network"
    assert on_net.attrs["uncovered_total"] == 15.0
    assert on_net.attrs["uncoverable_total"] == 2.0
    assert on_net["share_of_uncovered"].iloc[0] == pytest.approx(9 / 15)
    # k = 2 over the network: B (9) then A adds D3 (4); D4 stays uncovered
    both = suggest_sites(demand, cands, k=2, catchment_m=250, method=method, network=net)
    assert list(both.index) == ["B", "A"] and both["added"].tolist() == [9.0, 4.0]
    assert both["covers_alone"].tolist() == [9.0, 4.0]
    assert both["share_of_uncovered"].iloc[-1] == pytest.approx(13 / 15)


def test_river_existing_service_covers_over_the_network_only(river):
    net, demand, cands = river
    existing = _points([(600, -100)])  # on node s6
    # Straight line: the existing service is 10 m from D3 and sqrt(0 + 210²) = 210 m
    #   from D1, so both are covered; left: D2 (3) and D4 (2). B covers D2: added 3.
    # Network: D3 at 10 m, but D1 at 10 + 1400 = 1410 m: only D3 is covered; left D1
    #   (6), D2 (3), D4 (2); B covers D1 + D2: added 9.
    line = suggest_sites(demand, cands, k=1, catchment_m=250, existing=existing)
    assert list(line.index) == ["B"] and line["added"].tolist() == [3.0]
    assert line.attrs["uncovered_total"] == 5.0
    on_net = suggest_sites(demand, cands, k=1, catchment_m=250, existing=existing, network=net)
    assert list(on_net.index) == ["B"] and on_net["added"].tolist() == [9.0]
    assert on_net.attrs["uncovered_total"] == 11.0
    # who counts as covered already is exactly reach's `covered` over the same network
    res = bg.reach(
        demand.rename(columns={"need": "population"}),
        existing.assign(capacity=1.0),
        network=net,
        catchment_m=250,
    )
    assert res["covered"].tolist() == [False, False, True, False]


def test_river_candidates_default_to_demand_points(river):
    net, demand, _ = river
    # Each demand point as a site, radius 250 m over the network: D1 (n6, offset 10)
    # reaches D2 at 10 + 300 + 10 = 320 (no), D3 at 1420 (no): covers 6. D2 covers 3,
    # D3 covers 4, D4 covers 2. The best single site is D1.
    res = suggest_sites(demand, k=1, catchment_m=250, network=net, method="greedy")
    assert list(res.index) == ["D1"] and res["added"].tolist() == [6.0]
    # straight line: D1 reaches D3 (220 m): 6 + 4 = 10; D3 covers the same two, and the
    # lower index wins the tie: D1 again, but covering more
    line = suggest_sites(demand, k=1, catchment_m=250, method="greedy")
    assert list(line.index) == ["D1"] and line["added"].tolist() == [10.0]


def _random_case(seed: int, n_side: int = 7, n_demand: int = 30, n_cands: int = 8):
    """A jittered grid of streets with some edges missing and lengths 0-30 % longer than
    the straight line; demand and candidate points anywhere in it. Returns the network,
    its input (node coordinates, edges, lengths) for an independent graph, and points."""
    rng = np.random.default_rng(seed)
    i, j = np.divmod(np.arange(n_side * n_side), n_side)
    x = j * 100.0 + rng.uniform(-25, 25, i.shape)
    y = i * 100.0 + rng.uniform(-25, 25, i.shape)
    node = i * n_side + j
    u = np.r_[node[j < n_side - 1], node[i < n_side - 1]]
    v = np.r_[node[j < n_side - 1] + 1, node[i < n_side - 1] + n_side]
    keep = rng.random(len(u)) >= 0.15
    u, v = u[keep], v[keep]
    length = np.hypot(x[u] - x[v], y[u] - y[v]) * rng.uniform(1.0, 1.3, len(u))
    net = Network.from_edges(u, v, length, x, y, crs=CRS, keep_largest=False)
    span = (n_side - 1) * 100.0
    dxy = rng.uniform(0, span, (n_demand, 2))
    cxy = rng.uniform(0, span, (n_cands, 2))
    return net, (x, y, u, v, length), dxy, cxy, rng


def _reference_distances(graph_input, pts_a, pts_b, radius):
    """networkx: d_ab = offset(a) + Dijkstra(node(a), node(b)) + offset(b), nodes found by
    brute force over every input node; inf beyond ``radius``."""
    x, y, u, v, length = graph_input
    g = nx.Graph()
    g.add_nodes_from(range(len(x)))
    g.add_weighted_edges_from(zip(u.tolist(), v.tolist(), length.tolist(), strict=True))

    def snap(p):
        d = np.hypot(p[:, None, 0] - x[None, :], p[:, None, 1] - y[None, :])
        return d.argmin(axis=1), d.min(axis=1)

    na, oa = snap(pts_a)
    nb, ob = snap(pts_b)
    out = np.full((len(pts_a), len(pts_b)), np.inf)
    for b in range(len(pts_b)):
        sp_len = nx.single_source_dijkstra_path_length(g, int(nb[b]), weight="weight")
        dn = np.array([sp_len.get(int(n), np.inf) for n in na])
        out[:, b] = oa + dn + ob[b]
    out[out > radius] = np.inf
    return out


def test_network_distances_equal_networkx_plus_offsets():
    """snap='node': the distances of before (nearest node plus straight offsets)."""
    net, graph_input, dxy, cxy, _ = _random_case(5)
    radius = 320.0
    ref = _reference_distances(graph_input, dxy, cxy, radius)
    engine = _OnNetwork(net, dxy[:, 0], dxy[:, 1], snap="node")
    i, j, d = _network_pairs(engine, engine.prepare(cxy[:, 0], cxy[:, 1]), radius)
    got = np.full_like(ref, np.inf)
    got[i, j] = d
    assert len(i) == len(set(zip(i.tolist(), j.tolist(), strict=True)))  # each pair once
    assert np.array_equal(np.isfinite(got), np.isfinite(ref))
    assert 20 < np.isfinite(ref).sum() < ref.size  # some pairs in, some out
    np.testing.assert_allclose(got[np.isfinite(ref)], ref[np.isfinite(ref)], rtol=1e-12)
    # and the count per demand point is reach's services_within over the same network
    res = bg.reach(
        _points(dxy, population=np.ones(len(dxy))),
        _points(cxy, capacity=np.ones(len(cxy))),
        network=net,
        catchment_m=radius,
        snap="node",
    )
    np.testing.assert_array_equal(res["services_within"], np.isfinite(ref).sum(axis=1))


@pytest.mark.parametrize("oneway", [False, True])
def test_network_distances_along_the_street_equal_networkx(oneway):
    """snap='edge' (the default): from each demand point to each site along the street,
    against networkx on a copy of the graph split where every point joins it (on a
    cycling network with one-way streets too)."""
    from _street_reference import street_distances

    net, (x, y, u, v, length), dxy, cxy, rng = _random_case(5)
    if oneway:
        net = Network.from_edges(
            u, v, length, x, y, crs=CRS, keep_largest=False, mode="bike",
            oneway=rng.choice([0, 0, 1, -1], len(u)),
        )  # fmt: skip
        assert net.directed
    radius = 320.0
    ref = street_distances(net, dxy, cxy)
    ref[ref > radius] = np.inf
    engine = _OnNetwork(net, dxy[:, 0], dxy[:, 1])
    i, j, d = _network_pairs(engine, engine.prepare(cxy[:, 0], cxy[:, 1]), radius)
    got = np.full_like(ref, np.inf)
    got[i, j] = d
    assert len(i) == len(set(zip(i.tolist(), j.tolist(), strict=True)))  # each pair once
    assert np.array_equal(np.isfinite(got), np.isfinite(ref))
    assert 20 < np.isfinite(ref).sum() < ref.size
    np.testing.assert_allclose(got[np.isfinite(ref)], ref[np.isfinite(ref)], rtol=1e-12)
    # the demand points as sites: the same distances, the points joined as destinations
    self_ref = street_distances(net, dxy, dxy)
    self_ref[self_ref > radius] = np.inf
    i, j, d = _network_pairs(engine, engine.as_services(), radius)
    got = np.full_like(self_ref, np.inf)
    got[i, j] = d
    assert np.array_equal(np.isfinite(got), np.isfinite(self_ref))
    np.testing.assert_allclose(got[np.isfinite(got)], self_ref[np.isfinite(got)], rtol=1e-12)


def _greedy_reference(cover, w, k):
    """k times the candidate adding the most uncovered weight, lowest index on ties."""
    left, chosen = w.copy(), []
    for _ in range(k):
        gains = [
            -1.0 if c in chosen else float(left[cover[:, c]].sum()) for c in range(cover.shape[1])
        ]
        c = int(np.argmax(gains))
        if gains[c] <= 0:
            break
        chosen.append(c)
        left[cover[:, c]] = 0.0
    return chosen


def test_network_mclp_optimal_and_greedy_by_brute_force():
    net, graph_input, dxy, cxy, rng = _random_case(11, n_demand=40, n_cands=9)
    radius, k = 250.0, 3
    demand = _points(dxy, need=rng.integers(1, 20, len(dxy)).astype(float))
    cands = _points(cxy, index=pd.Index([f"c{j}" for j in range(len(cxy))]))
    exy = rng.uniform(0, 600, (2, 2))
    existing = _points(exy)
    # independent: coverage from networkx distances; existing services zero the weight
    cover = np.isfinite(_reference_distances(graph_input, dxy, cxy, radius))
    near = np.isfinite(_reference_distances(graph_input, dxy, exy, radius)).any(axis=1)
    w = np.where(near, 0.0, demand["need"].to_numpy())
    assert near.any() and not near.all()
    best = max(w[cover[:, list(t)].any(axis=1)].sum() for t in combinations(range(len(cxy)), k))
    kw = {"k": k, "catchment_m": radius, "existing": existing, "network": net, "snap": "node"}
    exact = suggest_sites(demand, cands, method="mclp", **kw)
    greedy = suggest_sites(demand, cands, method="greedy", **kw)
    assert exact.attrs["uncovered_total"] == pytest.approx(w.sum())
    assert exact["cumulative"].iloc[-1] == pytest.approx(best)
    want = _greedy_reference(cover, w, k)
    assert list(greedy.index) == [f"c{c}" for c in want]
    assert greedy["cumulative"].iloc[-1] == pytest.approx(w[cover[:, want].any(axis=1)].sum())
    assert (1 - 1 / np.e) * best <= greedy["cumulative"].iloc[-1] <= best + 1e-9
    uncoverable = w[~cover.any(axis=1)].sum()
    assert exact.attrs["uncoverable_total"] == pytest.approx(uncoverable)
    # each site's 'added' is what it covers beyond the sites listed before it
    chosen = [int(c[1:]) for c in exact.index]
    for n in range(1, k + 1):
        got = w[cover[:, chosen[:n]].any(axis=1)].sum()
        assert exact["cumulative"].iloc[n - 1] == pytest.approx(got)


def test_sites_network_inputs_checked_all_at_once(river):
    net, demand, cands = river
    with pytest.raises(InputError) as err:
        suggest_sites(demand, cands, k=0, catchment_m=-5, network=nx.Graph())
    text = str(err.value)
    assert "k must be an integer" in text and "catchment_m" in text
    assert "network must be a buurtgeo.Network" in text and "Graph" in text
    with pytest.raises(InputError, match="catchment_m"):
        suggest_sites(demand, cands, k=1, catchment_m=0.0, network=net)
    # a network in another CRS: the CRS error alone, or listed with the other problems
    lambert72 = Network(net.node_x, net.node_y, net.graph, crs="EPSG:31370")
    with pytest.raises(CRSError, match="network"):
        suggest_sites(demand, cands, k=1, catchment_m=250, network=lambert72)
    with pytest.raises(InputError) as err:
        suggest_sites(demand, cands, k=1, catchment_m=float("nan"), network=lambert72)
    assert "catchment_m" in str(err.value) and "EPSG:31370" in str(err.value)
    with pytest.raises(InputError, match="candidates must be a GeoDataFrame"):
        suggest_sites(demand, pd.DataFrame({"x": [1]}), k=1, catchment_m=250, network=net)


def test_existing_services_must_be_points(river):
    # as in reach: a polygon or an empty geometry among the existing services is named
    from shapely.geometry import box

    net, demand, cands = river
    existing = gpd.GeoDataFrame(
        geometry=[box(0, 0, 10, 10), Point(300, 100), None], index=["hall", "ok", "gone"], crs=CRS
    )
    for network in (None, net):
        with pytest.raises(InputError) as err:
            suggest_sites(demand, cands, k=1, catchment_m=250, existing=existing, network=network)
        text = str(err.value)
        assert "existing" in text and "'hall'" in text and "Polygon" in text and "'gone'" in text


# --------------------------------------------------------------------------------------
# The exact model (scipy.optimize.milp / HiGHS) and the greedy's gap
# --------------------------------------------------------------------------------------


def _line_of_sight_case(seed: int, n_demand: int, n_cands: int, span: float = 1000.0):
    """Random demand (integer needs, some points repeated so rows merge) and candidates."""
    rng = np.random.default_rng(seed)
    dxy = rng.uniform(0, span, (n_demand, 2))
    dxy[: n_demand // 4] = dxy[n_demand // 4 : 2 * (n_demand // 4)]  # twins: identical rows
    cxy = rng.uniform(0, span, (n_cands, 2))
    demand = _points(dxy, need=rng.integers(0, 20, n_demand).astype(float))
    cands = _points(cxy, index=pd.Index([f"c{j}" for j in range(n_cands)]))
    cover = np.hypot(dxy[:, None, 0] - cxy[None, :, 0], dxy[:, None, 1] - cxy[None, :, 1]) <= 250
    return demand, cands, cover, demand["need"].to_numpy()


@pytest.mark.parametrize("seed", range(6))
def test_mclp_equals_brute_force_and_greedy_gap_is_bounded(seed):
    demand, cands, cover, w = _line_of_sight_case(seed, n_demand=60, n_cands=10)
    k = 1 + seed % 4
    best = max(w[cover[:, list(t)].any(axis=1)].sum() for t in combinations(range(10), k))
    exact = suggest_sites(demand, cands, k=k, catchment_m=250, method="mclp")
    assert exact.attrs["method"] == "mclp"
    assert exact.attrs["covered_total"] == pytest.approx(best, rel=1e-12)
    assert exact.attrs["mip_gap"] <= 1e-6
    chosen = [int(c[1:]) for c in exact.index]
    assert w[cover[:, chosen].any(axis=1)].sum() == pytest.approx(best, rel=1e-12)
    # the greedy on the same instance, as the exact result reports it and as it runs alone
    greedy = suggest_sites(demand, cands, k=k, catchment_m=250, method="greedy")
    g_cov = greedy.attrs["covered_total"]
    assert exact.attrs["greedy_covered_total"] == pytest.approx(g_cov)
    assert exact.attrs["greedy_gap"] == pytest.approx(1 - g_cov / best)
    # the greedy's a-posteriori bound holds: optimum <= upper_bound, gap <= gap_bound
    assert best <= greedy.attrs["upper_bound"] + 1e-9
    assert 1 - g_cov / best <= greedy.attrs["gap_bound"] + 1e-12


def test_mclp_merges_identical_demand_rows_exactly():
    from buurtgeo.sites import _coverage, _merge_rows

    rng = np.random.default_rng(3)
    dxy = rng.uniform(0, 800, (200, 2))
    dxy[100:] = dxy[:100]  # each point twice
    cxy = rng.uniform(0, 800, (30, 2))
    w = rng.uniform(0, 5, 200)
    cov = _coverage(dxy, cxy, 200.0)
    rows, weights = _merge_rows(cov, w)
    dense = cov.toarray()
    covered_somewhere = dense.any(axis=1)
    # every merged row is one distinct candidate set; weights are summed per set
    sets: dict[bytes, float] = {}
    for i in np.flatnonzero(covered_somewhere):
        key = dense[i].tobytes()
        sets[key] = sets.get(key, 0.0) + w[i]
    got = {rows[[g]].toarray()[0].astype(bool).tobytes(): weights[g] for g in range(rows.shape[0])}
    assert set(got) == set(sets)
    for key, value in sets.items():
        assert got[key] == pytest.approx(value)
    assert rows.shape[0] < 200


def test_suggest_sites_never_builds_a_dense_matrix(monkeypatch):
    import scipy.sparse as sp

    def refuse(self, *args, **kwargs):
        raise AssertionError(f"dense {self.shape} matrix built")

    for cls in (sp.csr_array, sp.csc_array, sp.coo_array, sp.csr_matrix, sp.csc_matrix):
        monkeypatch.setattr(cls, "toarray", refuse)
        monkeypatch.setattr(cls, "todense", refuse)
    demand, cands, _, _ = _line_of_sight_case(1, n_demand=400, n_cands=80)
    for method in ("mclp", "greedy"):
        res = suggest_sites(demand, cands, k=4, catchment_m=250, method=method)
        assert len(res) == 4


@pytest.mark.slow  # importing spopt and pulp takes ~7 s on its own
def test_mclp_equals_spopt_on_a_medium_instance():
    """Same covered weight as spopt's MCLP (pulp/CBC) on 800 demand points × 120 candidates."""
    import warnings

    import pulp
    from spopt.locate import MCLP

    demand, cands, cover, w = _line_of_sight_case(7, n_demand=800, n_cands=120, span=3000.0)
    k = 6
    ours = suggest_sites(demand, cands, k=k, catchment_m=250, method="mclp")
    cost = np.where(cover, 0.0, 2.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        model = MCLP.from_cost_matrix(cost, w, service_radius=1.0, p_facilities=k)
        model.solve(pulp.PULP_CBC_CMD(msg=False), results=False)
    theirs = [j for j, var in enumerate(model.fac_vars) if (var.value() or 0) > 0.5]
    spopt_w = w[cover[:, theirs].any(axis=1)].sum()
    assert ours.attrs["covered_total"] == pytest.approx(spopt_w, rel=1e-9)
    assert ours.attrs["greedy_covered_total"] <= spopt_w + 1e-9


def test_mclp_auto_uses_greedy_above_max_pairs():
    demand, cands, _, _ = _line_of_sight_case(2, n_demand=300, n_cands=40)
    small = suggest_sites(demand, cands, k=3, catchment_m=250)
    big = suggest_sites(demand, cands, k=3, catchment_m=250, max_pairs=10)
    assert small.attrs["method"] == "mclp" and big.attrs["method"] == "greedy"
    assert big.attrs["covered_total"] <= small.attrs["covered_total"] + 1e-9
    assert small.attrs["covered_total"] <= big.attrs["upper_bound"] + 1e-9
