"""The peers: how analysts compute the same things today, written plainly and correctly.

Each function returns its results and a dict of timings in seconds (``time.perf_counter``), one
entry per stage, so the benchmark can print preprocessing and queries apart.

- :func:`kdtree_snap` — scipy ``cKDTree`` nearest node and straight-line offset.
- :func:`floor_nearest` — the *floor*: KD-tree snap + one scipy ``csgraph.dijkstra(min_only=True)``
  multi-source pass (nearest only: the least work any network method must do).
- :func:`networkx_graph`, :func:`networkx_nearest` — networkx graph build and
  ``multi_source_dijkstra_path_length``.
- :func:`pandana_nearest` — pandana ``Network`` + ``precompute`` + ``set_pois`` + ``nearest_pois``.
- :func:`access_2sfca` — PySAL ``access`` ``two_stage_fca`` on a long cost table.
- :func:`pipeline_kind` — the pipeline analysts use today for one kind: networkx nearest, one
  networkx bounded search per service (``single_source_dijkstra_path_length(cutoff=)``) into a long
  (origin, service, cost) table, ``access`` 2SFCA, pandas group-bys for counts and capacity.
- :func:`reference_read_network` — pyogrio read + noding of end points with ``np.unique`` + scipy
  CSR build (shortest of parallel segments kept).

Distances follow buurtgeo's definition: offset(origin) + network distance + offset(service).
networkx gets the service offsets through one *virtual leaf node* per service, joined to its
snapped node by an edge as long as the offset (a leaf cannot be a shortcut, so the distances are
exact).
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd


def _clock() -> float:
    return time.perf_counter()


def kdtree_snap(node_x, node_y, x, y, *, tree=None):
    """Nearest node (int64) and straight-line offset (m) of every point, with scipy cKDTree."""
    from scipy.spatial import cKDTree

    if tree is None:
        tree = cKDTree(np.column_stack([node_x, node_y]))
    offset, node = tree.query(np.column_stack([x, y]))
    return node.astype(np.int64), offset, tree


def floor_nearest(csr, node_x, node_y, ox, oy, sx, sy):
    """The floor: KD-tree snap of origins and services + one multi-source Dijkstra pass.

    Returns
    -------
    dist : ndarray (n_origins,)
        offset(origin) + network distance to the nearest service node, metres (no service
        offset: the floor is a lower bound of the work, not a full answer).
    times : dict
        ``snap`` and ``dijkstra`` seconds.
    """
    from scipy.sparse.csgraph import dijkstra

    t0 = _clock()
    onode, ooff, tree = kdtree_snap(node_x, node_y, ox, oy)
    snode, _, _ = kdtree_snap(node_x, node_y, sx, sy, tree=tree)
    t1 = _clock()
    d = dijkstra(csr, directed=True, indices=np.unique(snode), min_only=True)
    dist = ooff + d[onode]
    t2 = _clock()
    return dist, {"snap": t1 - t0, "dijkstra": t2 - t1}


def networkx_graph(u, v, length_m):
    """An undirected ``networkx.Graph`` with edge attribute ``length`` (metres)."""
    import networkx as nx

    graph = nx.Graph()
    graph.add_weighted_edges_from(
        zip(u.tolist(), v.tolist(), length_m.tolist(), strict=True), weight="length"
    )
    return graph


def _add_virtual_services(graph, n_nodes: int, snode, soff):
    """One leaf node per service (ids n_nodes + j) joined to its snapped node by its offset."""
    ids = n_nodes + np.arange(snode.size)
    graph.add_weighted_edges_from(
        zip(ids.tolist(), snode.tolist(), soff.tolist(), strict=True), weight="length"
    )
    return ids


def networkx_nearest(graph, n_nodes: int, sources):
    """Distance from every node to the nearest source node with networkx, as an array (inf)."""
    import networkx as nx

    lengths = nx.multi_source_dijkstra_path_length(graph, set(sources.tolist()), weight="length")
    nodes = np.fromiter(lengths.keys(), dtype=np.int64, count=len(lengths))
    dists = np.fromiter(lengths.values(), dtype=np.float64, count=len(lengths))
    out = np.full(n_nodes, np.inf)
    real = nodes < n_nodes
    out[nodes[real]] = dists[real]
    return out


def pandana_nearest(node_x, node_y, u, v, length_m, sources, *, maxdist: float):
    """Nearest source for every node with pandana (lengths float32, capped at ``maxdist``).

    Returns
    -------
    dist : ndarray (n_nodes,)
        float64 copy of pandana's answer; nodes beyond ``maxdist`` get ``maxdist`` from pandana.
    times : dict
        ``build`` (Network), ``precompute`` (contraction hierarchies + range queries) and
        ``query`` (set_pois + nearest_pois) seconds.
    """
    import pandana

    t0 = _clock()
    net = pandana.Network(
        pd.Series(node_x),
        pd.Series(node_y),
        pd.Series(u),
        pd.Series(v),
        pd.DataFrame({"length": length_m}),
        twoway=True,
    )
    t1 = _clock()
    net.precompute(maxdist)
    t2 = _clock()
    net.set_pois(
        category="service",
        maxdist=maxdist,
        maxitems=1,
        x_col=pd.Series(node_x[sources]),
        y_col=pd.Series(node_y[sources]),
    )
    result = net.nearest_pois(maxdist, "service", num_pois=1)
    t3 = _clock()
    dist = result[1].reindex(pd.RangeIndex(node_x.size)).to_numpy(dtype=np.float64)
    return dist, {"build": t1 - t0, "precompute": t2 - t1, "query": t3 - t2}


def access_2sfca(cost: pd.DataFrame, demand: pd.Series, supply: pd.Series, *, max_cost: float):
    """2SFCA with PySAL ``access`` on a long cost table (columns origin, dest, cost).

    Returns the score per origin on ``demand.index`` (0 where no service is within reach).
    """
    from access import Access

    demand_df = demand.rename("demand").to_frame()
    demand_df.index.name = "origin"
    supply_df = supply.rename("supply").to_frame()
    supply_df.index.name = "dest"
    model = Access(
        demand_df=demand_df,
        demand_index=True,
        demand_value="demand",
        supply_df=supply_df,
        supply_index=True,
        supply_value="supply",
        cost_df=cost,
        cost_origin="origin",
        cost_dest="dest",
        cost_name="cost",
    )
    out = model.two_stage_fca(name="fca", max_cost=max_cost)
    return out["fca_supply"].reindex(demand.index).fillna(0.0).to_numpy(dtype=np.float64)


def euclidean_cost_table(ox, oy, sx, sy, radius_m: float) -> pd.DataFrame:
    """Long (origin, dest, cost) table of straight-line pairs within ``radius_m`` (cKDTree)."""
    from scipy.spatial import cKDTree

    otree = cKDTree(np.column_stack([ox, oy]))
    stree = cKDTree(np.column_stack([sx, sy]))
    coo = stree.sparse_distance_matrix(otree, radius_m, output_type="coo_matrix")
    # sparse_distance_matrix omits exact zero distances; they are improbable with float inputs
    return pd.DataFrame({"origin": coo.col, "dest": coo.row, "cost": coo.data})


def pipeline_kind(graph, n_nodes, onode, ooff, demand, snode, soff, capacity, *, radius_m):
    """The analysts' pipeline for one kind, given snapped origins/services and a networkx graph.

    Parameters
    ----------
    graph : networkx.Graph
        Street graph (nodes 0..n_nodes-1, edge attribute ``length``); virtual service leaves
        are added for the call and removed afterwards.
    onode, ooff : ndarray
        Snapped node and offset (m) of each origin.
    demand : ndarray
        Target population of each origin.
    snode, soff, capacity : ndarray
        Snapped node, offset (m) and capacity of each service.
    radius_m : float
        Catchment, metres (pairs with cost <= radius_m count).

    Returns
    -------
    result : DataFrame
        On origins 0..n-1: ``dist_nearest_m``, ``services_within``, ``capacity_within``, ``fca2``.
    times : dict
        ``nearest``, ``bounded`` (searches), ``table`` (cost table), ``access`` and
        ``groupby`` seconds.
    """
    import networkx as nx

    times = {}
    virtual = _add_virtual_services(graph, n_nodes, snode, soff)
    try:
        t0 = _clock()
        nearest = networkx_nearest(graph, n_nodes, virtual)
        dist_nearest = ooff + nearest[onode]
        t1 = _clock()
        svc, nodes, dists = [], [], []
        for j, source in enumerate(virtual.tolist()):
            lengths = nx.single_source_dijkstra_path_length(
                graph, source, cutoff=radius_m, weight="length"
            )
            keys = np.fromiter(lengths.keys(), dtype=np.int64, count=len(lengths))
            vals = np.fromiter(lengths.values(), dtype=np.float64, count=len(lengths))
            real = keys < n_nodes
            nodes.append(keys[real])
            dists.append(vals[real])
            svc.append(np.full(int(real.sum()), j, dtype=np.int64))
        t2 = _clock()
    finally:
        graph.remove_nodes_from(virtual.tolist())
    node_table = pd.DataFrame(
        {"dest": np.concatenate(svc), "node": np.concatenate(nodes), "d": np.concatenate(dists)}
    )
    origin_table = pd.DataFrame({"origin": np.arange(onode.size), "node": onode, "offset": ooff})
    cost = node_table.merge(origin_table, on="node")
    cost["cost"] = cost["d"] + cost["offset"]
    cost = cost.loc[cost["cost"] <= radius_m, ["origin", "dest", "cost"]]
    t3 = _clock()
    index = pd.RangeIndex(onode.size)
    fca2 = access_2sfca(
        cost, pd.Series(demand, index=index), pd.Series(capacity), max_cost=radius_m
    )
    t4 = _clock()
    cost["capacity"] = capacity[cost["dest"].to_numpy()]
    grouped = cost.groupby("origin")
    within = grouped.size().reindex(index, fill_value=0).to_numpy()
    cap_within = grouped["capacity"].sum().reindex(index, fill_value=0.0).to_numpy()
    t5 = _clock()
    times.update(nearest=t1 - t0, bounded=t2 - t1, table=t3 - t2, access=t4 - t3, groupby=t5 - t4)
    result = pd.DataFrame(
        {
            "dist_nearest_m": dist_nearest,
            "services_within": within,
            "capacity_within": cap_within,
            "fca2": fca2,
        }
    )
    return result, times, len(cost)


def reference_read_network(path, *, tolerance_m: float = 0.5):
    """pyogrio read + noding of segment end points with ``np.unique`` + scipy CSR build.

    End points are merged on a ``tolerance_m`` grid (integer keys, ``np.unique`` with
    ``return_inverse``); where several segments join the same pair of nodes the shortest is kept
    (sort, first of each pair), loops are dropped; the CSR stores both directions.

    Returns
    -------
    csr : scipy.sparse.csr_array
        (n_nodes, n_nodes) metres.
    times : dict
        ``read``, ``noding`` and ``csr`` seconds.
    """
    import pyogrio
    import shapely
    from scipy import sparse

    t0 = _clock()
    frame = pyogrio.read_dataframe(path)
    t1 = _clock()
    geoms = frame.geometry.to_numpy()
    start = shapely.get_coordinates(shapely.get_point(geoms, 0))
    end = shapely.get_coordinates(shapely.get_point(geoms, -1))
    length = shapely.length(geoms)
    pts = np.concatenate([start, end])
    ix = np.round(pts[:, 0] / tolerance_m).astype(np.int64)
    iy = np.round(pts[:, 1] / tolerance_m).astype(np.int64)
    key = (ix - ix.min()) * (int(iy.max() - iy.min()) + 1) + (iy - iy.min())
    _, first, inverse = np.unique(key, return_index=True, return_inverse=True)
    node_xy = pts[first]
    m = len(geoms)
    u, v = inverse[:m], inverse[m:]
    t2 = _clock()
    keep = u != v
    a = np.minimum(u, v)[keep]
    b = np.maximum(u, v)[keep]
    w = length[keep]
    order = np.lexsort((w, b, a))
    a, b, w = a[order], b[order], w[order]
    first_of_pair = np.ones(a.size, dtype=bool)
    first_of_pair[1:] = (a[1:] != a[:-1]) | (b[1:] != b[:-1])
    a, b, w = a[first_of_pair], b[first_of_pair], w[first_of_pair]
    n = node_xy.shape[0]
    csr = sparse.csr_array(
        (np.concatenate([w, w]), (np.concatenate([a, b]), np.concatenate([b, a]))), shape=(n, n)
    )
    t3 = _clock()
    return csr, {"read": t1 - t0, "noding": t2 - t1, "csr": t3 - t2}
