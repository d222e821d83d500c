"""Tests of buurtgeo.network: building, snapping and shortest paths.

Small graphs are worked out by hand; bigger random graphs are cross-checked against
networkx (an independent Dijkstra implementation).
"""

from __future__ import annotations

import numpy as np
import pytest

from buurtgeo.errors import CRSError, InputError, NetworkError
from buurtgeo.network import (
    REASON_DETACHED,
    REASON_PARALLEL,
    REASON_SELF_LOOP,
    REASON_ZERO_MERGED,
    Network,
    grid_network,
)

nx = pytest.importorskip("networkx")

CRS = "EPSG:3812"


def tiny() -> Network:
    """A path 0-1-2-3 on the x axis (10, 20, 30 m) with a shortcut 0-2 of 25 m,
    a parallel 1-2 of 50 m (the 20 m one counts), a self loop on 3, and a detached
    edge 4-5 of 1 m.

    Hand-computed distances from node 0: 0:0, 1:10, 2:25 (shortcut, 10+20=30 longer),
    3:55.
    """
    u = [0, 1, 2, 0, 1, 3, 4]
    v = [1, 2, 3, 2, 2, 3, 5]
    w = [10.0, 20.0, 30.0, 25.0, 50.0, 5.0, 1.0]
    x = [0.0, 10.0, 30.0, 60.0, 500.0, 501.0]
    y = [0.0, 0.0, 0.0, 0.0, 0.0, 0.0]
    return Network.from_edges(u, v, w, x, y, crs=CRS)


def test_from_edges_hand_made():
    net = tiny()
    assert net.n_nodes == 4
    assert net.n_edges == 4  # 0-1, 1-2 (20 m), 2-3, 0-2
    g = net.graph
    assert (g != g.T).nnz == 0
    assert g[1, 2] == 20.0 and g[2, 1] == 20.0
    assert g.diagonal().sum() == 0
    sa = net.set_aside.set_index("edge")
    assert sa.loc[4, "reason"] == REASON_PARALLEL
    assert sa.loc[5, "reason"] == REASON_SELF_LOOP
    assert sa.loc[6, "reason"] == REASON_DETACHED
    # books balance: edges read = edges used + set aside
    assert net.n_edges + len(sa) == 7
    np.testing.assert_array_equal(net.node_id, [0, 1, 2, 3])


def test_keep_largest_false_keeps_all_parts():
    u, v, w = [0, 2], [1, 3], [1.0, 2.0]
    net = Network.from_edges(u, v, w, [0, 1, 5, 7], [0, 0, 0, 0], crs=CRS, keep_largest=False)
    assert net.n_nodes == 4 and net.n_edges == 2
    d, s = net.nearest([0])
    np.testing.assert_array_equal(d, [0.0, 1.0, np.inf, np.inf])
    np.testing.assert_array_equal(s, [0, 0, -1, -1])


def test_zero_length_edge_merges_nodes():
    # 0 -(0 m)- 1 -(5 m)- 2: nodes 0 and 1 are one place
    net = Network.from_edges([0, 1], [1, 2], [0.0, 5.0], [0, 0, 5], [0, 0, 0], crs=CRS)
    assert net.n_nodes == 2
    assert net.set_aside["reason"].tolist() == [REASON_ZERO_MERGED]
    d, _ = net.nearest([0])
    np.testing.assert_array_equal(d, [0.0, 5.0])


def test_bad_input_is_reported():
    with pytest.raises(InputError, match="do not exist"):
        Network.from_edges([0], [7], [1.0], [0, 1], [0, 0], crs=CRS)
    with pytest.raises(CRSError):
        Network.from_edges([0], [1], [1.0], [0, 1], [0, 0], crs="EPSG:4326")
    with pytest.raises(NetworkError):
        Network.from_edges([0], [0], [1.0], [0, 1], [0, 0], crs=CRS)
    net = Network.from_edges([0, 1], [1, 2], [1.0, np.nan], [0, 1, 2], [0, 0, 0], crs=CRS)
    assert net.n_edges == 1 and len(net.set_aside) == 1


def test_nearest_hand_made():
    net = tiny()
    d, s = net.nearest([0])
    np.testing.assert_allclose(d, [0.0, 10.0, 25.0, 55.0])
    # two sources: node 3 with offset 4 m, node 0 with offset 0
    d, s = net.nearest([3, 0], [4.0, 0.0])
    # node 2: min(0 + 25, 4 + 30) = 25 from source 1; node 3: min(55, 4) = 4 from source 0
    np.testing.assert_allclose(d, [0.0, 10.0, 25.0, 4.0])
    np.testing.assert_array_equal(s, [1, 1, 1, 0])


def test_pairs_within_hand_made():
    net = tiny()
    si, ni, di = net.pairs_within([0, 3], [25.0, 31.0], [0.0, 1.0])
    # source 0 (r 25): nodes 0 (0), 1 (10), 2 (25, on the boundary: included)
    # source 1 at node 3, offset 1 (r 31): node 3 (1), node 2 (31)
    np.testing.assert_array_equal(si, [0, 0, 0, 1, 1])
    np.testing.assert_array_equal(ni, [0, 1, 2, 2, 3])
    np.testing.assert_allclose(di, [0.0, 10.0, 25.0, 31.0, 1.0])
    # offset beyond the radius: nothing
    si, ni, di = net.pairs_within([0], 5.0, [6.0])
    assert len(si) == 0


def test_snap_hand_made():
    net = tiny()
    node, off = net.snap([1.0, 58.0, 30.0], [0.0, 3.0, -4.0])
    np.testing.assert_array_equal(node, [0, 3, 2])
    np.testing.assert_allclose(off, [1.0, np.hypot(2, 3), 4.0])


def random_network(seed: int, n: int = 2000) -> Network:
    """A random planar-ish graph: points joined to their 3 nearest neighbours, with
    lengths = distance times a random detour factor in [1, 1.5)."""
    from scipy.spatial import cKDTree

    rng = np.random.default_rng(seed)
    pts = rng.uniform(0, 5000, size=(n, 2))
    _, nbr = cKDTree(pts).query(pts, k=4)
    u = np.repeat(np.arange(n), 3)
    v = nbr[:, 1:].ravel()
    w = np.hypot(*(pts[u] - pts[v]).T) * rng.uniform(1.0, 1.5, len(u))
    return Network.from_edges(u, v, w, pts[:, 0], pts[:, 1], crs=CRS)


@pytest.mark.parametrize("seed", [1, 2])
def test_nearest_matches_networkx(seed):
    net = random_network(seed)
    g = net.to_networkx()
    rng = np.random.default_rng(seed)
    src = rng.choice(net.n_nodes, 25, replace=False)
    d, s = net.nearest(src)
    ref = nx.multi_source_dijkstra_path_length(g, set(src.tolist()), weight="length")
    expect = np.full(net.n_nodes, np.inf)
    expect[list(ref)] = list(ref.values())
    np.testing.assert_allclose(d, expect, rtol=1e-9)
    # the named source really is at that distance
    for j in rng.choice(net.n_nodes, 30, replace=False):
        dj = nx.dijkstra_path_length(g, int(src[s[j]]), int(j), weight="length")
        assert dj == pytest.approx(d[j], rel=1e-9)


def test_pairs_within_matches_networkx():
    net = random_network(3)
    g = net.to_networkx()
    rng = np.random.default_rng(3)
    src = rng.choice(net.n_nodes, 20, replace=False)
    off = rng.uniform(0, 50, len(src))
    radius = rng.uniform(200, 800, len(src))
    si, ni, di = net.pairs_within(src, radius, off)
    assert np.all(np.diff(si) >= 0)
    for i, s in enumerate(src):
        ref = nx.single_source_dijkstra_path_length(
            g, int(s), cutoff=radius[i] - off[i], weight="length"
        )
        mask = si == i
        assert ni[mask].tolist() == sorted(ref)
        np.testing.assert_allclose(di[mask], [off[i] + ref[k] for k in sorted(ref)], rtol=1e-9)


def test_grid_network_shape():
    net = grid_network(10, seed=0)
    assert net.n_nodes == 100 and net.n_edges == 180
    net.to_networkx()
    assert len(net.edges()) == 180 and len(net.nodes()) == 100


def test_compiled_kernels_match_scipy():
    """The compiled kernels against scipy.sparse.csgraph.dijkstra (independent C code)."""
    net = random_network(4, n=3000)
    rng = np.random.default_rng(4)
    src = rng.choice(net.n_nodes, 60, replace=False)
    off = rng.uniform(0, 40, len(src))
    for offsets in (None, off):
        d, s = net.nearest(src, offsets)
        d_ref, s_ref = net._nearest_scipy(src, offsets)
        np.testing.assert_allclose(d, d_ref, rtol=1e-12)
        np.testing.assert_array_equal(s, s_ref)  # no ties in random lengths
    radius = rng.uniform(100, 600, len(src))
    got = net.pairs_within(src, radius, off)
    ref = net._pairs_within_scipy(src, radius, off)
    np.testing.assert_array_equal(got[0], ref[0])
    np.testing.assert_array_equal(got[1], ref[1])
    np.testing.assert_allclose(got[2], ref[2], rtol=1e-12)


def test_many_sources_use_threads_and_blocks():
    # more sources than one block and one worker: results must be identical to one by one
    net = grid_network(40, seed=3)
    src = np.arange(0, net.n_nodes, 2)  # 800 sources
    si, ni, di = net.pairs_within(src, 250.0)
    assert np.all(np.diff(si) >= 0)
    for i in (0, 399, 799):
        s1, n1, d1 = net.pairs_within(src[i : i + 1], 250.0)
        np.testing.assert_array_equal(ni[si == i], n1)
        np.testing.assert_array_equal(di[si == i], d1)
    # nodes sorted within each source
    key = si * net.n_nodes + ni
    assert np.all(np.diff(key) > 0)


def test_nearest_ties_go_to_the_lowest_source():
    net = tiny()
    # the same node twice: every node goes to the first of the two
    d, s = net.nearest([2, 2], [0.0, 0.0])
    np.testing.assert_array_equal(s, [0, 0, 0, 0])
    # node 1: 10 m from source 2 (node 0) beats 20 m from node 2; node 3: 30 m from node 2
    d, s = net.nearest([2, 2, 0])
    np.testing.assert_array_equal(s, [2, 2, 0, 0])
    np.testing.assert_array_equal(d, [0.0, 10.0, 0.0, 30.0])
    d, s = net.nearest([0, 2], [25.0, 0.0])
    assert d[0] == 25.0 and s[0] == 0  # tie at node 0: 25 either way, lowest index wins


def test_empty_and_degenerate_queries():
    net = tiny()
    d, s = net.nearest([])
    assert np.isinf(d).all() and (s == -1).all()
    si, ni, di = net.pairs_within([], 100.0)
    assert len(si) == len(ni) == len(di) == 0
    si, ni, di = net.pairs_within([1], 0.0)
    np.testing.assert_array_equal(ni, [1])
    assert di.tolist() == [0.0]
    node, off = net.snap([], [])
    assert node.dtype == np.int64 and len(off) == 0
    with pytest.raises(InputError):
        net.nearest([99])
    with pytest.raises(InputError):
        net.pairs_within([0, 1], [1.0, 2.0, 3.0])
    with pytest.raises(InputError):
        net.pairs_within([0], -1.0)
    with pytest.raises(InputError):
        net.nearest([0], [-1.0])
    with pytest.raises(InputError):
        net.snap([0.0, np.nan], [0.0, 1.0])


def test_from_lines_hand_made():
    gpd = pytest.importorskip("geopandas")
    import shapely

    lines = gpd.GeoDataFrame(
        geometry=[
            shapely.LineString([(0, 0), (30, 40)]),  # 50 m
            shapely.LineString([(30.2, 40), (30, 100)]),  # starts 0.2 m from the first's end
            shapely.LineString([(0, 0), (30, 0), (30, 40)]),  # 70 m, parallel to the first
            shapely.LineString([(500, 500), (510, 500)]),  # detached
        ],
        crs=CRS,
    )
    net = Network.from_lines(lines, snap_tolerance_m=0.5)
    # nodes: (0,0), (30,40), (30,100), and the middle of the parallel line
    assert net.n_nodes == 4 and net.n_edges == 4
    assert net.set_aside["row"].tolist() == [3]
    assert net.set_aside["reason"].tolist() == [REASON_DETACHED]
    start, _ = net.snap([0.0], [0.0])
    end, _ = net.snap([30.0], [100.0])
    d, _ = net.nearest(start)
    assert d[end[0]] == pytest.approx(50.0 + np.hypot(0.2, 60.0))
    assert sorted(net.edges()["length_m"].round(6).tolist()) == sorted(
        [50.0, round(np.hypot(0.2, 60), 6), 35.0, 35.0]
    )
    # with no snapping the second line stays apart (0.2 m gap): it is set aside
    net0 = Network.from_lines(lines, snap_tolerance_m=0.0)
    assert 1 in net0.set_aside["row"].tolist()


hypothesis = pytest.importorskip("hypothesis")
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@settings(max_examples=30, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    r1=st.floats(0, 800),
    extra=st.floats(0, 800),
)
def test_pairs_within_is_monotone_and_consistent(seed, r1, extra):
    """pairs_within(r) is a subset of pairs_within(r') for r <= r', with the same
    distances; and the nearest distance of every node is the smallest pair distance."""
    net = random_network(seed % 50, n=300)
    rng = np.random.default_rng(seed)
    src = rng.choice(net.n_nodes, 5, replace=False)
    off = rng.uniform(0, 20, 5)
    small = net.pairs_within(src, r1, off)
    big = net.pairs_within(src, r1 + extra, off)
    key_small = small[0] * net.n_nodes + small[1]
    key_big = big[0] * net.n_nodes + big[1]
    assert np.isin(key_small, key_big).all()
    np.testing.assert_array_equal(big[2][np.isin(key_big, key_small)], small[2])
    d, s = net.nearest(src, off)
    inside = d <= r1
    best = np.full(net.n_nodes, np.inf)
    np.minimum.at(best, small[1], small[2])
    np.testing.assert_array_equal(best[inside], d[inside])


def test_pickle_and_views():
    import pickle

    net = tiny()
    net.snap([0.0], [0.0])  # builds the KD-tree cache
    net.pairs_within([0], 30.0)  # leaves a workspace behind
    again = pickle.loads(pickle.dumps(net))
    np.testing.assert_array_equal(again.pairs_within([0], 30.0)[1], [0, 1, 2])
    nodes = net.nodes()
    assert list(nodes.columns) == ["node_id", "x", "y", "degree", "geometry"]
    assert nodes["degree"].tolist() == [2, 2, 3, 1]  # 0: 1,2; 1: 0,2; 2: 0,1,3; 3: 2
    edges = net.edges()
    assert sorted(edges["length_m"].tolist()) == [10.0, 20.0, 25.0, 30.0]
    assert (edges["u"] < edges["v"]).all()
    g = net.to_networkx()
    assert g.number_of_edges() == 4 and g.edges[1, 2]["length"] == 20.0


@pytest.mark.parametrize("queue", ["bucket", "heap"])
def test_pairs_within_both_queues_match_networkx(queue, monkeypatch):
    """The bucket-queue kernel and the binary-heap fallback (very short edges) each
    equal networkx, with repeated sources given in no particular order."""
    import buurtgeo.network as network_module

    net = random_network(5)
    if queue == "heap":
        monkeypatch.setattr(network_module, "_MAX_BUCKETS", 0)
        assert net._bucket_width(500.0) == (0.0, 0)
    else:
        assert net._bucket_width(500.0)[0] == pytest.approx(0.5 * net.graph.data.min())
    g = net.to_networkx()
    rng = np.random.default_rng(5)
    src = rng.choice(net.n_nodes, 30, replace=True)
    src[7] = src[3]  # a repeat
    off = rng.uniform(0, 30, len(src))
    radius = rng.uniform(150, 700, len(src))
    si, ni, di = net.pairs_within(src, radius, off)
    key = si * net.n_nodes + ni
    assert np.all(np.diff(key) > 0)  # by source, then node
    for i, s in enumerate(src):
        ref = nx.single_source_dijkstra_path_length(
            g, int(s), cutoff=radius[i] - off[i], weight="length"
        )
        mask = si == i
        assert ni[mask].tolist() == sorted(ref)
        np.testing.assert_allclose(di[mask], [off[i] + ref[k] for k in sorted(ref)], rtol=1e-9)


def test_pairs_within_short_edge_falls_back_to_the_heap():
    # a 1 mm edge: radius / (w_min / 2) is far more buckets than allowed
    x = np.array([0.0, 0.001, 100.0, 200.0])
    y = np.zeros(4)
    net = Network.from_edges([0, 1, 2], [1, 2, 3], [0.001, 99.999, 100.0], x, y, crs=CRS)
    assert net._bucket_width(1000.0) == (0.0, 0)
    si, ni, di = net.pairs_within([0, 3], 150.0)
    assert si.tolist() == [0, 0, 0, 1, 1] and ni.tolist() == [0, 1, 2, 2, 3]
    np.testing.assert_allclose(di, [0.0, 0.001, 100.0, 100.0, 0.0])


def test_pairs_within_unsorted_holds_the_same_pairs():
    net = random_network(6)
    rng = np.random.default_rng(6)
    src = rng.choice(net.n_nodes, 40)
    radius = rng.uniform(100, 600, len(src))
    si, ni, di = net.pairs_within(src, radius)
    su, nu, du = net.pairs_within(src, radius, sort=False)
    # grouped by source: each source's pairs in one run
    runs = su[np.r_[True, su[1:] != su[:-1]]]
    assert len(runs) == len(np.unique(su))
    order = np.lexsort((nu, su))
    np.testing.assert_array_equal(su[order], si)
    np.testing.assert_array_equal(nu[order], ni)
    np.testing.assert_array_equal(du[order], di)


def test_snap_many_points_in_z_order_equals_plain_kdtree(monkeypatch):
    """Above _SNAP_SORT_MIN points the queries run in Z-order: same answers as a plain
    scipy KD-tree query in input order."""
    from scipy.spatial import cKDTree

    import buurtgeo.network as network_module

    monkeypatch.setattr(network_module, "_SNAP_SORT_MIN", 100)
    net = random_network(7)
    rng = np.random.default_rng(7)
    x, y = rng.uniform(-100, 5100, 5000), rng.uniform(-100, 5100, 5000)
    node, off = net.snap(x, y)
    d_ref, n_ref = cKDTree(np.column_stack([net.node_x, net.node_y])).query(
        np.column_stack([x, y]), k=1
    )
    np.testing.assert_array_equal(node, n_ref)
    np.testing.assert_array_equal(off, d_ref)


def test_longer_parallels_equal_a_full_lexsort():
    # the fast path of node_lines: only lines of repeated node pairs are sorted
    from buurtgeo._network_build import _longer_parallels

    rng = np.random.default_rng(4)
    m, n = 5_000, 300
    a = rng.integers(0, n, m)
    b = rng.integers(0, n, m)
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    length = rng.integers(1, 5, m).astype(float)  # ties in length: input order decides
    order = np.lexsort((np.arange(m), length, hi, lo))
    want = np.zeros(m, dtype=bool)
    want[order[1:]] = (lo[order][1:] == lo[order][:-1]) & (hi[order][1:] == hi[order][:-1])
    assert want.any() and not want.all()
    np.testing.assert_array_equal(_longer_parallels(lo, hi, length, n), want)
    assert not _longer_parallels(np.arange(3), np.arange(3) + 1, np.ones(3), 4).any()


def test_cluster_points_equal_a_kdtree_over_every_point():
    # end points grouped by exact coordinates first, then a KD-tree over the distinct ones
    from scipy.sparse import coo_array
    from scipy.sparse.csgraph import connected_components
    from scipy.spatial import cKDTree

    from buurtgeo._network_build import _cluster_points

    rng = np.random.default_rng(9)
    base = rng.uniform(0, 500, (400, 2))
    pts = base[rng.integers(0, 400, 2_000)]  # exact repeats
    pts[::7] += rng.uniform(-0.3, 0.3, pts[::7].shape)  # near repeats (within 0.5 m)
    pts[5] = [-0.0, 0.0]
    pts[6] = [0.0, -0.0]  # signed zeros are one place
    for tol in (0.0, 0.5):
        pairs = cKDTree(pts).query_pairs(tol, output_type="ndarray")
        g = coo_array((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(2_000, 2_000))
        _, comp = connected_components(g.tocsr(), directed=False)
        first = {}
        want = np.array([first.setdefault(c, len(first)) for c in comp])
        np.testing.assert_array_equal(_cluster_points(pts, tol), want)
