"""An independent reference for distances to areas (parks) along the street.

The network is copied into networkx, split wherever a point joins a street (origins at
their closest point ``Q``, the park's entrances where a street line crosses the
boundary of the park widened by ``edge_m``: shapely ``intersection``), as in
tests/_street_reference.py. Each park is one more node, linked from each of its
entrances by an edge as long as the entrance's distance to the park. The distance from
an origin ``P`` to a park ``A`` is then::

    0                                   P in A
    min(networkx shortest path P -> A,  |PQ| + d(Q, A) when Q lies within edge_m of A)

Shares no code with buurtgeo's engine: only the network's edge table is read.
"""

from __future__ import annotations

import networkx as nx
import numpy as np
from _street_reference import locate, split_graph


def crossings(net, parks, edge_m: float) -> tuple[np.ndarray, np.ndarray]:
    """Where street lines cross each park's (widened) boundary: owner, xy."""
    import shapely

    lines = np.asarray(net.edges().geometry.array)
    owner, xy = [], []
    for j, park in enumerate(parks):
        zone = park.buffer(edge_m, quad_segs=16) if edge_m > 0 else park
        x0, y0, x1, y1 = zone.bounds
        for line in lines:
            lx0, ly0, lx1, ly1 = line.bounds
            if lx0 > x1 or lx1 < x0 or ly0 > y1 or ly1 < y0:
                continue
            cut = zone.boundary.intersection(line)
            if cut.is_empty:
                continue
            for x, y in shapely.get_coordinates(cut):
                if not any(
                    o == j and abs(x - a) < 1e-3 and abs(y - b) < 1e-3
                    for o, (a, b) in zip(owner, xy, strict=True)
                ):
                    owner.append(j)
                    xy.append((x, y))
    return np.asarray(owner, dtype=int), np.asarray(xy, dtype=float).reshape(-1, 2)


def area_distances(net, oxy: np.ndarray, parks, edge_m: float = 0.0) -> np.ndarray:
    """``d[i, j]``: from origin ``i`` to park ``j`` along the street (inf: no path)."""
    import shapely

    owner, cxy = crossings(net, parks, edge_m)
    g, offsets = split_graph(net, {"o": np.asarray(oxy, float), "c": cxy})
    for k, j in enumerate(owner):
        cost = shapely.Point(cxy[k]).distance(parks[j])
        g.add_edge(("c", k), ("park", int(j)), length=float(cost))
    back = g.reverse(copy=False)
    out = np.full((len(oxy), len(parks)), np.inf)
    street, pos, off = locate(net, np.asarray(oxy, float))
    edges = net.edges()
    lines = np.asarray(edges.geometry.array)
    q = shapely.line_interpolate_point(
        lines[street], shapely.line_locate_point(lines[street], shapely.points(oxy))
    )
    for j, park in enumerate(parks):
        if ("park", j) in back:
            lengths = nx.single_source_dijkstra_path_length(back, ("park", j), weight="length")
            for i in range(len(oxy)):
                out[i, j] = lengths.get(("o", i), np.inf)
        zone = park.buffer(edge_m, quad_segs=16) if edge_m > 0 else park
        for i in range(len(oxy)):
            p = shapely.Point(oxy[i])
            if park.covers(p):
                out[i, j] = 0.0
            elif zone.covers(q[i]):
                out[i, j] = min(out[i, j], off[i] + q[i].distance(park))
    return out
