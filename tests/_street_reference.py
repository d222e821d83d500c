"""An independent reference for distances along the street: shapely + networkx.

Each point ``P`` is snapped with shapely (``STRtree.query_nearest`` on the network's
street lines, ``line_locate_point`` for where along the line), its street is split at
that point ``Q`` in a networkx copy of the graph, and ``Q`` is joined to ``P`` by an
edge as long as the straight offset ``|PQ|``. Shortest paths from every origin to every
service are then plain networkx Dijkstra on that graph (a ``DiGraph``: one-way streets
keep their direction; the offset edges go both ways).

Shares no code with buurtgeo's engine: only the network's edge table (nodes, lengths,
directions, line geometry) is read.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np


def locate(net, xy: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Street (row of ``net.edges()``), position from its ``u`` node (metres of the
    graph) and offset of each point, with shapely."""
    import shapely

    edges = net.edges()
    lines = np.asarray(edges.geometry.array)
    pts = shapely.points(np.asarray(xy, dtype=float))
    tree = shapely.STRtree(lines)
    idx, dist = tree.query_nearest(pts, return_distance=True, all_matches=False)
    street = np.empty(len(pts), dtype=np.int64)
    offset = np.empty(len(pts))
    street[idx[0]] = idx[1]
    offset[idx[0]] = dist
    line = lines[street]
    geo = shapely.line_locate_point(line, pts)
    glen = shapely.length(line)
    length = edges["length_m"].to_numpy()[street]
    pos = np.where(glen > 0, geo * length / np.where(glen > 0, glen, 1.0), 0.0)
    # the line may be drawn from v to u: positions count from u
    first = shapely.get_coordinates(shapely.get_point(line, 0))
    u = edges["u"].to_numpy()[street]
    v = edges["v"].to_numpy()[street]
    du = np.hypot(first[:, 0] - net.node_x[u], first[:, 1] - net.node_y[u])
    dv = np.hypot(first[:, 0] - net.node_x[v], first[:, 1] - net.node_y[v])
    pos = np.where(dv < du, length - pos, pos)
    return street, np.clip(pos, 0.0, length), offset


def split_graph(net, groups: dict[str, np.ndarray]):
    """networkx DiGraph of ``net`` with every point of ``groups`` (name -> xy array) joined
    at the closest point of its street; point ``k`` of group ``g`` is node ``(g, k)``.
    Returns the graph and the offsets per group."""
    import networkx as nx

    edges = net.edges()
    eu = edges["u"].to_numpy()
    ev = edges["v"].to_numpy()
    el = edges["length_m"].to_numpy()
    ow = edges["oneway"].to_numpy() if "oneway" in edges.columns else np.zeros(len(edges), int)
    g = nx.DiGraph()
    g.add_nodes_from(range(net.n_nodes))
    on_street: dict[int, list[tuple[float, tuple[str, int]]]] = defaultdict(list)
    offsets = {}
    for name, xy in groups.items():
        street, pos, off = locate(net, xy)
        offsets[name] = off
        for k in range(len(xy)):
            on_street[int(street[k])].append((float(pos[k]), (name, k)))

    def link(a, b, w, e):
        if ow[e] >= 0:
            g.add_edge(a, b, length=w)
        if ow[e] <= 0:
            g.add_edge(b, a, length=w)

    for e in range(len(edges)):
        u, v, length = int(eu[e]), int(ev[e]), float(el[e])
        here = on_street.get(e, [])
        cuts = sorted({p for p, _ in here if 0.0 < p < length})
        chain = [(0.0, u)] + [(p, ("q", e, p)) for p in cuts] + [(length, v)]
        for (p0, a), (p1, b) in zip(chain[:-1], chain[1:], strict=True):
            link(a, b, p1 - p0, e)
        where = dict((p, node) for p, node in chain)
        for p, point in here:
            q = u if p <= 0.0 else (v if p >= length else where[p])
            w = float(offsets[point[0]][point[1]])
            g.add_edge(point, q, length=w)
            g.add_edge(q, point, length=w)
    return g, offsets


def street_distances(net, oxy: np.ndarray, sxy: np.ndarray) -> np.ndarray:
    """``d[i, j]``: from origin ``i`` to service ``j`` along the street (inf: no path)."""
    import networkx as nx

    g, _ = split_graph(net, {"o": np.asarray(oxy, float), "s": np.asarray(sxy, float)})
    back = g.reverse(copy=False)
    out = np.full((len(oxy), len(sxy)), np.inf)
    for j in range(len(sxy)):
        lengths = nx.single_source_dijkstra_path_length(back, ("s", j), weight="length")
        for i in range(len(oxy)):
            out[i, j] = lengths.get(("o", i), np.inf)
    return out


def reach_from_distances(dist: np.ndarray, pop: np.ndarray, cap: np.ndarray, r: float, weight):
    """The reach measures from a dense distance matrix (2SFCA written out)."""
    within = dist <= r
    w = np.where(within, weight(np.where(within, dist, 0.0)), 0.0)
    demand = w.T @ pop
    ratio = np.divide(cap, demand, out=np.zeros_like(cap), where=demand > 0)
    return {
        "dist_nearest_m": dist.min(axis=1) if dist.shape[1] else np.full(len(dist), np.inf),
        "services_within": within.sum(axis=1),
        "capacity_within": (within * cap).sum(axis=1),
        "fca2": w @ ratio,
    }
