"""Building a street network's arrays: clean node-pair edges, node road-segment lines.

The work behind :meth:`buurtgeo.Network.from_edges` and
:meth:`buurtgeo.Network.from_lines`, on plain arrays:

* :func:`clean_edges` merges the two end nodes of a zero-length edge, drops self
  loops, keeps the shortest of parallel edges and (optionally) only the largest
  connected part, and numbers the nodes along a Z-order curve; every input edge gets a
  reason code (0: used);
* :func:`node_lines` nodes lines at their end points (cutting loops and parallel lines
  into pieces so that no road is lost); :func:`lines_set_aside` and
  :func:`edge_geometries` map the network built from its edges back to the lines.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from buurtgeo.errors import NetworkError

#: Reason codes of :func:`clean_edges` (positions in ``buurtgeo.network._REASONS``).
USED, BAD_LENGTH, ZERO_MERGED, SELF_LOOP, PARALLEL, DETACHED = range(6)


@dataclass(frozen=True)
class CleanEdges:
    """The result of :func:`clean_edges`.

    Attributes
    ----------
    reason : ndarray of int8, shape (n_edges,)
        Why each input edge was left out (a code above; 0 = used).
    used : ndarray of int64, shape (k,)
        Input position of each node of the graph, in Z-order of their coordinates.
    graph : scipy.sparse.csr_array, shape (k, k)
        ``graph[i, j] = w(e)`` for the kept edge ``e`` joining ``i`` and ``j`` when it may
        be travelled from ``i`` to ``j``; symmetric unless an edge is one-way.
    edge_of_input : ndarray of int64
        Input position of each kept edge, in the (a < b) order of its end nodes.
    forward, backward : ndarray of bool
        Whether each kept edge may be travelled from ``a`` to ``b`` / from ``b`` to ``a``.
    """

    reason: np.ndarray
    used: np.ndarray
    graph: sp.csr_array
    edge_of_input: np.ndarray
    forward: np.ndarray
    backward: np.ndarray


def clean_edges(
    u: np.ndarray,
    v: np.ndarray,
    w: np.ndarray,
    x: np.ndarray,
    y: np.ndarray,
    *,
    keep_largest: bool,
    oneway: np.ndarray | None = None,
) -> CleanEdges:
    """The graph of checked edges between numbered nodes (lengths in metres).

    ``oneway`` (int8 per input edge; None: all 0) says which way an edge may be
    travelled: 0 both, 1 only from ``u`` to ``v``, -1 only from ``v`` to ``u``. Of
    parallel edges the shortest is kept, and it may be travelled in every direction one
    of them allows (two one-way carriageways between the same two nodes make a two-way
    edge). The largest part is the largest *weakly* connected one.

    Raises
    ------
    NetworkError
        When no usable edge remains.
    """
    n_in = len(x)
    m = len(u)
    # reason codes (0: used, see above); int8 keeps this fast at millions of edges
    reason = np.zeros(m, dtype=np.int8)
    bad_w = ~np.isfinite(w) | (w < 0)
    reason[bad_w] = BAD_LENGTH

    # 1. merge the end nodes of zero-length edges (they are one place)
    label = np.arange(n_in, dtype=np.int64)
    zero = (w == 0) & (u != v) & ~bad_w
    if zero.any():
        zg = sp.coo_array(
            (np.ones(int(zero.sum())), (u[zero], v[zero])), shape=(n_in, n_in)
        ).tocsr()
        _, comp = connected_components(zg, directed=False)
        # representative = the lowest node number in each group
        rep = np.full(comp.max() + 1, n_in, dtype=np.int64)
        np.minimum.at(rep, comp, np.arange(n_in, dtype=np.int64))
        label = rep[comp]
        reason[zero] = ZERO_MERGED
    uu, vv = label[u], label[v]
    reason[(uu == vv) & (reason == USED)] = SELF_LOOP

    # 2. shortest of parallel edges (ties: the first in input order). Sort on the key
    # a * n + b (a < b); the stable sort keeps input order within a node pair.
    ok = np.flatnonzero(reason == USED)
    if len(ok) == 0:
        raise NetworkError("no usable edges", hint="Every edge was a self loop or had a bad length")
    a = np.minimum(uu[ok], vv[ok])
    b = np.maximum(uu[ok], vv[ok])
    order = np.argsort(a * n_in + b, kind="stable")
    a, b, idx = a[order], b[order], ok[order]
    # directions in the (a < b) orientation: forward = a -> b allowed
    if oneway is None:
        fwd = bwd = np.ones(len(idx), dtype=bool)
    else:
        ow = oneway[idx]
        along = uu[idx] < vv[idx]  # the input edge runs from a to b
        fwd = np.where(along, ow >= 0, ow <= 0)
        bwd = np.where(along, ow <= 0, ow >= 0)
    start = np.ones(len(idx), dtype=bool)
    start[1:] = (a[1:] != a[:-1]) | (b[1:] != b[:-1])
    if not start.all():
        group = np.cumsum(start) - 1
        starts = np.flatnonzero(start)
        ws = w[idx]
        shortest = np.minimum.reduceat(ws, starts)
        cand = np.flatnonzero(ws == shortest[group])
        first = np.ones(len(cand), dtype=bool)
        first[1:] = group[cand[1:]] != group[cand[:-1]]
        keep = np.zeros(len(idx), dtype=bool)
        keep[cand[first]] = True
        reason[idx[~keep]] = PARALLEL
        if oneway is not None:  # every direction one of the parallel edges allows
            fwd = np.logical_or.reduceat(fwd, starts)[group]
            bwd = np.logical_or.reduceat(bwd, starts)[group]
        a, b, idx, fwd, bwd = a[keep], b[keep], idx[keep], fwd[keep], bwd[keep]

    # 3. renumber the nodes that keep an edge, 0..k-1
    used_mask = np.zeros(n_in, dtype=bool)
    used_mask[a] = True
    used_mask[b] = True
    new = np.cumsum(used_mask) - 1
    a, b = new[a], new[b]
    used = np.flatnonzero(used_mask)
    k = len(used)
    ww = w[idx]
    if keep_largest:
        graph = _symmetric_csr(a, b, ww, k)
        n_comp, comp = connected_components(graph, directed=True, connection="weak")
        if n_comp > 1:
            sizes = np.bincount(comp)
            big = int(np.argmax(sizes))  # ties: the lowest component label
            keep_node = comp == big
            keep_edge = keep_node[a]
            reason[idx[~keep_edge]] = DETACHED
            a, b, ww, idx = a[keep_edge], b[keep_edge], ww[keep_edge], idx[keep_edge]
            fwd, bwd = fwd[keep_edge], bwd[keep_edge]
            new = np.cumsum(keep_node) - 1
            a, b = new[a], new[b]
            used = used[keep_node]
            k = len(used)
    # 4. number the nodes along a Z-order (Morton) curve: nodes close in space are
    # close in memory, which halves search times on networks numbered at random
    rank = np.empty(k, dtype=np.int64)
    z_order = _morton_order(x[used], y[used])
    rank[z_order] = np.arange(k, dtype=np.int64)
    used = used[z_order]
    a, b = rank[a], rank[b]
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    swapped = a > b  # the edge's (a < b) orientation turned round: so are its directions
    fwd, bwd = np.where(swapped, bwd, fwd), np.where(swapped, fwd, bwd)
    order = np.argsort(lo * k + hi, kind="stable")
    a, b, ww, idx = lo[order], hi[order], ww[order], idx[order]
    fwd, bwd = fwd[order], bwd[order]
    if oneway is None or (fwd.all() and bwd.all()):
        graph = _symmetric_csr(a, b, ww, k)
    else:
        graph = directed_csr(a, b, ww, fwd, bwd, k)
    return CleanEdges(reason, used, graph, idx, fwd, bwd)


def _symmetric_csr(a: np.ndarray, b: np.ndarray, w: np.ndarray, n: int) -> sp.csr_array:
    """CSR with both directions of each edge (pairs unique, a != b); sorted indices.

    Rows are bucketed by a counting pass (scipy's COO to CSR), then each row's few
    columns are sorted: linear in the number of edges, unlike a global lexsort."""
    idx_dtype = np.int32 if n < 2**31 - 1 and 2 * len(a) < 2**31 - 1 else np.int64
    rows = np.concatenate([a, b]).astype(idx_dtype)
    cols = np.concatenate([b, a]).astype(idx_dtype)
    data = np.concatenate([w, w]).astype(np.float64)
    g = sp.csr_array(sp.coo_array((data, (rows, cols)), shape=(n, n)))
    g.sort_indices()
    return g


def directed_csr(
    a: np.ndarray, b: np.ndarray, w: np.ndarray, fwd: np.ndarray, bwd: np.ndarray, n: int
) -> sp.csr_array:
    """CSR of the allowed directions of each edge (``a -> b`` where ``fwd``, ``b -> a``
    where ``bwd``; pairs unique, a != b); sorted indices."""
    idx_dtype = np.int32 if n < 2**31 - 1 and 2 * len(a) < 2**31 - 1 else np.int64
    rows = np.concatenate([a[fwd], b[bwd]]).astype(idx_dtype)
    cols = np.concatenate([b[fwd], a[bwd]]).astype(idx_dtype)
    data = np.concatenate([w[fwd], w[bwd]]).astype(np.float64)
    g = sp.csr_array(sp.coo_array((data, (rows, cols)), shape=(n, n)))
    g.sort_indices()
    return g


def _morton_order(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Positions of the points sorted along a Z-order curve (16 bits per axis over their
    bounding box; ties in input order)."""
    if len(x) == 0:
        return np.empty(0, dtype=np.int64)

    def spread(q: np.ndarray) -> np.ndarray:  # 16 bits -> every other bit of 32
        q = q.astype(np.uint64)
        q = (q | (q << np.uint64(8))) & np.uint64(0x00FF00FF)
        q = (q | (q << np.uint64(4))) & np.uint64(0x0F0F0F0F)
        q = (q | (q << np.uint64(2))) & np.uint64(0x33333333)
        q = (q | (q << np.uint64(1))) & np.uint64(0x55555555)
        return q

    def quantise(c: np.ndarray) -> np.ndarray:
        lo, span = c.min(), np.ptp(c)
        if span == 0:
            return np.zeros(len(c), dtype=np.uint64)
        return np.minimum((c - lo) / span * 65536.0, 65535.0).astype(np.uint64)

    code = spread(quantise(x)) | (spread(quantise(y)) << np.uint64(1))
    return np.argsort(code, kind="stable")


def _cluster_points(pts: np.ndarray, tol: float) -> np.ndarray:
    """Label points so that points within ``tol`` (transitively) share a label 0..k-1,
    numbered in order of their first point.

    Identical points are grouped first (a hash of their coordinates: most end points of a
    street network are shared exactly); a KD-tree over the distinct points lists every pair
    within ``tol``; the labels are the connected components of that pair graph. Identical
    points are within any ``tol >= 0`` of each other, so the grouping is the same as that
    of a KD-tree over all points, at a third of the points."""
    from scipy.spatial import cKDTree

    n = len(pts)
    if n == 0:
        return np.empty(0, np.int64)
    xy = np.ascontiguousarray(pts, dtype=np.float64) + 0.0  # + 0.0: -0.0 becomes 0.0
    same, distinct = pd.factorize(xy.view(np.complex128).ravel())
    upts = np.column_stack([distinct.real, distinct.imag])
    m = len(upts)
    pairs = cKDTree(upts).query_pairs(tol, output_type="ndarray")
    g = sp.coo_array(
        (np.ones(len(pairs), dtype=np.int8), (pairs[:, 0], pairs[:, 1])), shape=(m, m)
    ).tocsr()
    k, comp_u = connected_components(g, directed=False)
    comp = comp_u[same]
    # renumber the components in order of their first point
    first = np.full(k, n, dtype=np.int64)
    np.minimum.at(first, comp, np.arange(n, dtype=np.int64))
    rank = np.empty(k, dtype=np.int64)
    rank[np.argsort(first)] = np.arange(k, dtype=np.int64)
    return rank[comp]


def _longer_parallels(lo: np.ndarray, hi: np.ndarray, length: np.ndarray, n: int) -> np.ndarray:
    """Lines joining the same two nodes as another, shorter one (ties: the later in input
    order): True for all but the first of each node pair in (length, position) order.

    Node pairs are keys ``lo * n + hi``; one plain sort finds the keys that repeat (few,
    in a street network), and only the lines of those are sorted by (pair, length,
    position) — the same answer as a lexsort of every line on four keys, many times faster.
    """
    dup = np.zeros(len(lo), dtype=bool)
    if len(lo) < 2:
        return dup
    key = lo.astype(np.int64) * np.int64(n) + hi.astype(np.int64)
    ordered = np.sort(key)
    repeated = np.unique(ordered[1:][ordered[1:] == ordered[:-1]])
    if repeated.size == 0:
        return dup
    pos = np.minimum(np.searchsorted(repeated, key), repeated.size - 1)
    cand = np.flatnonzero(repeated[pos] == key)  # every line of a repeated pair
    order = cand[np.lexsort((cand, length[cand], key[cand]))]
    dup[order[1:]] = key[order][1:] == key[order][:-1]
    return dup


@dataclass(frozen=True)
class NodedLines:
    """Lines noded at their end points: the edges of a network and where each came from.

    Edge ``e`` is piece ``edge_lo[e]..edge_hi[e]`` (shares of the length) of line part
    ``edge_part[e]``, cut into ``k[e]`` pieces; ``u``, ``v`` are its nodes (positions in
    ``node_x`` / ``node_y``) and ``w`` its length in metres.
    """

    u: np.ndarray
    v: np.ndarray
    w: np.ndarray
    node_x: np.ndarray
    node_y: np.ndarray
    edge_part: np.ndarray
    k: np.ndarray
    edge_lo: np.ndarray
    edge_hi: np.ndarray
    parts: np.ndarray  # the usable line parts (shapely LineStrings, 2-D)
    part_row_ok: np.ndarray  # row of each usable part in the input
    is_line: np.ndarray  # input rows with a (multi)line geometry
    part_row: np.ndarray  # row of each part of the line rows
    ok_part: np.ndarray  # parts that are usable (not empty, >= 2 points)


def node_lines(geoms: np.ndarray, snap_tolerance_m: float) -> NodedLines:
    """Node line geometries (in metres) at their end points, see
    :meth:`buurtgeo.Network.from_lines`.

    Raises
    ------
    NetworkError
        When no line part has 2 points or more.
    """
    import shapely

    n_rows = len(geoms)
    gtype = shapely.get_type_id(geoms)
    is_line = np.isin(gtype, (1, 5)) & ~shapely.is_empty(geoms)  # LineString, MultiLineString
    if (gtype[is_line] == 1).all():  # LineStrings only: no parts to take apart
        parts, part_row = geoms[is_line], np.flatnonzero(is_line)
    else:
        parts, part_row = shapely.get_parts(geoms[is_line], return_index=True)
        part_row = np.flatnonzero(is_line)[part_row]
    if shapely.has_z(parts).any():
        parts = shapely.force_2d(parts)
    ok_part = ~shapely.is_empty(parts) & (shapely.get_num_coordinates(parts) >= 2)
    parts, part_row_ok = parts[ok_part], part_row[ok_part]
    if len(parts) == 0:
        raise NetworkError(
            "no usable line geometries",
            found=f"{n_rows} rows",
            hint="Pass LineString or MultiLineString geometries",
        )
    coords = shapely.get_coordinates(parts)
    n_coords = shapely.get_num_coordinates(parts)
    last = np.cumsum(n_coords) - 1
    start, end = coords[last - n_coords + 1], coords[last]
    length = shapely.length(parts)
    m = len(parts)
    pts = np.vstack([start, end])  # end point of part i: i (start), m + i (end)
    node_of_pt = _cluster_points(pts, snap_tolerance_m)
    # node coordinates: the first end point of each cluster
    n_in = int(node_of_pt.max()) + 1
    first_pt = np.full(n_in, len(pts), dtype=np.int64)
    np.minimum.at(first_pt, node_of_pt, np.arange(len(pts), dtype=np.int64))
    px, py = pts[first_pt, 0], pts[first_pt, 1]
    a, b = node_of_pt[:m], node_of_pt[m:]

    # all but the shortest of parallel lines get a node at their middle (two edges of
    # half the length), loops (both ends at one node) two nodes at 1/3 and 2/3: no
    # road is lost, and no new parallel edges arise
    dup = _longer_parallels(np.minimum(a, b), np.maximum(a, b), length, n_in)
    pieces = np.where(length > 0, np.where(a == b, 3, np.where(dup, 2, 1)), 1)
    edge_part = np.repeat(np.arange(m), pieces)
    piece = np.arange(len(edge_part)) - np.repeat(np.cumsum(pieces) - pieces, pieces)
    k = pieces[edge_part]
    # inner nodes: one per piece boundary, numbered after the end-point nodes
    inner = piece > 0
    inner_part = edge_part[inner]
    frac = piece[inner] / k[inner]
    inner_xy = shapely.get_coordinates(
        shapely.line_interpolate_point(parts[inner_part], frac, normalized=True)
    )
    inner_node = np.full(len(edge_part), -1, dtype=np.int64)
    inner_node[inner] = n_in + np.arange(int(inner.sum()), dtype=np.int64)
    # edge from the node before the piece to the node after it
    u = np.where(inner, inner_node, a[edge_part])
    nxt = np.r_[inner_node[1:], -1]  # the next piece's first node
    v = np.where(piece == k - 1, b[edge_part], nxt)
    w = length[edge_part] / k
    edge_lo = piece / k
    edge_hi = (piece + 1) / k
    return NodedLines(
        u=u,
        v=v,
        w=w,
        node_x=np.concatenate([px, inner_xy[:, 0]]),
        node_y=np.concatenate([py, inner_xy[:, 1]]),
        edge_part=edge_part,
        k=k,
        edge_lo=edge_lo,
        edge_hi=edge_hi,
        parts=parts,
        part_row_ok=part_row_ok,
        is_line=is_line,
        part_row=part_row,
        ok_part=ok_part,
    )


def lines_set_aside(noded: NodedLines, edges_set_aside: pd.DataFrame) -> pd.DataFrame:
    """The set-aside of a network built from ``noded``'s edges, per line: ``row``,
    ``part`` (-1 for a row without a usable part), ``length_m`` and ``reason``, rows
    with an empty or non-line geometry included; sorted by row and part."""
    edge_part, part_row_ok = noded.edge_part, noded.part_row_ok
    sa = edges_set_aside
    e = sa["edge"].to_numpy()
    sa = pd.DataFrame(
        {
            "row": part_row_ok[edge_part[e]].astype(np.int64),
            "part": edge_part[e].astype(np.int64),
            "length_m": sa["length_m"].to_numpy(),
            "reason": sa["reason"].to_numpy(dtype=object),
        }
    )
    bad_rows = np.flatnonzero(~noded.is_line)
    bad_parts = noded.part_row[~noded.ok_part]
    if len(bad_rows) or len(bad_parts):
        extra = pd.DataFrame(
            {
                "row": np.concatenate([bad_rows, bad_parts]).astype(np.int64),
                "part": np.full(len(bad_rows) + len(bad_parts), -1, dtype=np.int64),
                "length_m": np.nan,
                "reason": ["geometry is empty or not a line"] * len(bad_rows)
                + ["line part has fewer than 2 points"] * len(bad_parts),
            }
        )
        sa = pd.concat([extra, sa], ignore_index=True)
    return sa.sort_values(["row", "part"], kind="stable", ignore_index=True)


def edge_geometries(noded: NodedLines, kept_e: np.ndarray) -> np.ndarray:
    """The line (or its piece) of each kept edge (``kept_e``: positions in ``noded``'s
    edges, in the order of the network's edges)."""
    import shapely.ops

    edge_part, k, edge_lo, edge_hi = noded.edge_part, noded.k, noded.edge_lo, noded.edge_hi
    geom = noded.parts[edge_part[kept_e]].copy()
    for i in np.flatnonzero(k[kept_e] > 1):  # loops and parallels: a few per thousand
        e = kept_e[i]
        geom[i] = shapely.ops.substring(geom[i], edge_lo[e], edge_hi[e], normalized=True)
    return geom
