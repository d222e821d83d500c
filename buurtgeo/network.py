"""The street network as compressed sparse arrays: build, snap, shortest paths.

A :class:`Network` is an undirected graph in a projected CRS in metres. Its edges
are stored once per direction in a :class:`scipy.sparse.csr_array` (``graph``), so
that scipy's and our own shortest-path kernels read the same three arrays
(``indptr``, ``indices``, ``data``) without copying.

Distances
---------
The distance from a point *p* to a service *s* over the network is

    d(p, s) = offset(p) + D(node(p), node(s)) + offset(s)

where ``node(.)`` is the nearest network node (:meth:`Network.snap`), ``offset(.)``
the straight-line distance from the point to that node, and ``D`` the shortest-path
length over the network (sum of edge lengths, metres), as in pandana and osmnx.

Building
--------
:meth:`Network.from_edges` takes node pairs and lengths; :meth:`Network.from_lines`
takes road-segment lines and nodes them at their end points (cutting loops and
parallel lines into pieces so that no road is lost). Both

* merge the two end nodes of a zero-length edge (they are one place),
* drop self loops, and keep the shortest of parallel edges,
* keep only the largest connected part (``keep_largest=True``),
* number the nodes along a Z-order curve (close in space, close in memory),

and list every input edge they did not use in ``network.set_aside`` with a reason,
so that ``edges read = edges used + len(set_aside)``.

Searching
---------
:meth:`Network.nearest` is one multi-source Dijkstra pass (binary heap);
:meth:`Network.pairs_within` runs a Dijkstra bounded by the radius from each source,
with a bucket queue (Dial's algorithm, buckets of half the shortest edge: the same
distances as a heap at O(1) per label; a heap when edges are very short). Both are
compiled with numba over the CSR arrays (compiled code is cached on disk, so only the
very first call in a fresh environment pays a few seconds of compilation).
:meth:`Network.pairs_within` takes the sources in node (Z-order) order, works through
them in blocks on every core when the work is large enough, with
one reused distance array per core, so memory stays at the size of its output.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components, dijkstra

from buurtgeo.errors import CRSError, InputError, NetworkError

if TYPE_CHECKING:  # pragma: no cover
    import geopandas as gpd
    import networkx as nx
    import pyproj

__all__ = ["Network", "grid_network"]

# set-aside reasons (stable texts; tests and users may filter on them)
REASON_BAD_LENGTH = "length is missing, negative or not finite"
REASON_SELF_LOOP = "self loop: both ends at the same node"
REASON_PARALLEL = "parallel edge: a shorter edge joins the same two nodes"
REASON_DETACHED = "not connected to the largest part of the network"
REASON_ZERO_MERGED = "zero length: its two end nodes were merged into one"
_REASONS = (
    None,
    REASON_BAD_LENGTH,
    REASON_ZERO_MERGED,
    REASON_SELF_LOOP,
    REASON_PARALLEL,
    REASON_DETACHED,
)

_EDGE_COLUMNS = ("edge", "u", "v", "length_m", "reason")
_PAIRS_BLOCK = 512  # most sources per call of the compiled pairs kernel
# most buckets per search of the bucket-queue kernel (radius / half the shortest edge);
# beyond, the binary-heap kernel is used (scanning empty buckets would cost more)
_MAX_BUCKETS = 1 << 16
_SNAP_SORT_MIN = 50_000  # points from which Network.snap queries in Z-order


def _as_1d(name: str, values: Any, dtype: Any) -> np.ndarray:
    arr = np.asarray(values)
    if arr.ndim != 1:
        raise InputError(f"{name} must be one-dimensional", found=f"shape {arr.shape}")
    try:
        return arr.astype(dtype, copy=False)
    except (TypeError, ValueError):
        raise InputError(f"{name} must be numeric", found=arr.dtype) from None


def _projected_crs(crs: Any) -> pyproj.CRS:
    from pyproj import CRS

    if crs is None:
        raise CRSError(
            "a network needs a CRS", hint="Pass crs='EPSG:3812' (or the CRS of your coordinates)"
        )
    crs = CRS.from_user_input(crs)
    if not crs.is_projected or crs.axis_info[0].unit_name not in ("metre", "meter"):
        raise CRSError(
            f"the network CRS {crs.to_string()} is not a projected CRS in metres",
            hint="Reproject the coordinates first, e.g. to EPSG:3812",
        )
    return crs


def _empty_edge_table() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "edge": pd.Series(dtype="int64"),
            "u": pd.Series(dtype="int64"),
            "v": pd.Series(dtype="int64"),
            "length_m": pd.Series(dtype="float64"),
            "reason": pd.Series(dtype="object"),
        }
    )


class Network:
    """Undirected street network as compressed sparse arrays, in a metric CRS.

    Build one with :meth:`from_edges`, :meth:`from_lines` or
    :func:`buurtgeo.read_network`; the constructor takes arrays that are already
    clean (symmetric CSR, no self loops, no explicit zeros).

    Attributes
    ----------
    node_x, node_y : ndarray of float64, shape (n_nodes,)
        Node coordinates in metres in ``crs``.
    graph : scipy.sparse.csr_array, shape (n_nodes, n_nodes)
        Edge lengths in metres, float64, symmetric (both directions stored), no self
        loops; where several edges join the same node pair the shortest counts.
    crs : pyproj.CRS
        Projected CRS in metres.
    mode : str
        ``'walk'``, ``'bike'`` or a user label.
    set_aside : DataFrame
        Input edges left out while building: columns ``edge`` (0-based position in
        the input), ``u``, ``v`` (input node ids), ``length_m`` and ``reason``; loaders
        add the source file's row and attributes.
    node_id : ndarray of int64, shape (n_nodes,)
        The input id of each node (position in the ``node_x`` given to
        :meth:`from_edges`, OpenStreetMap node id for OSM files).
    """

    def __init__(
        self,
        node_x: np.ndarray,
        node_y: np.ndarray,
        graph: sp.csr_array,
        *,
        crs: Any,
        mode: str = "walk",
        set_aside: pd.DataFrame | None = None,
        node_id: np.ndarray | None = None,
    ) -> None:
        self.node_x = np.ascontiguousarray(node_x, dtype=np.float64)
        self.node_y = np.ascontiguousarray(node_y, dtype=np.float64)
        graph = sp.csr_array(graph, dtype=np.float64)
        n = len(self.node_x)
        if graph.shape != (n, n) or len(self.node_y) != n:
            raise NetworkError(
                "graph shape does not match the number of node coordinates",
                found=f"graph {graph.shape}, {n} x and {len(self.node_y)} y",
            )
        graph.sort_indices()
        self.graph = graph
        self.crs = _projected_crs(crs)
        self.mode = str(mode)
        self.set_aside = _empty_edge_table() if set_aside is None else set_aside
        self.node_id = (
            np.arange(n, dtype=np.int64) if node_id is None else np.asarray(node_id, dtype=np.int64)
        )
        self.stats: dict[str, Any] = {}
        self._tree = None
        self._ws_free: list[np.ndarray] = []  # reusable pairs_within workspaces
        self._ws_lock = threading.Lock()
        # set by the builders: input edge / source row / geometry of each kept edge, in
        # the (u < v) order of :meth:`edges`
        self._edge_of_input: np.ndarray | None = None
        self._edge_row: np.ndarray | None = None
        self._edge_geometry: np.ndarray | None = None

    def __getstate__(self) -> dict[str, Any]:
        # caches (KD-tree, workspaces, lock) are rebuilt on demand after unpickling
        state = dict(self.__dict__)
        state.update(_tree=None, _ws_free=[], _ws_lock=None)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._ws_lock = threading.Lock()

    # ------------------------------------------------------------------ basics

    @property
    def n_nodes(self) -> int:
        """Number of nodes."""
        return int(self.graph.shape[0])

    @property
    def n_edges(self) -> int:
        """Number of undirected edges (each stored twice in ``graph``)."""
        return int(self.graph.nnz // 2)

    def __repr__(self) -> str:
        return (
            f"<Network mode={self.mode!r} nodes={self.n_nodes:,} edges={self.n_edges:,} "
            f"crs={self.crs.to_string()} set_aside={len(self.set_aside):,}>"
        )

    # ------------------------------------------------------------------ building

    @classmethod
    def from_edges(
        cls,
        u: Sequence[int] | np.ndarray,
        v: Sequence[int] | np.ndarray,
        length_m: Sequence[float] | np.ndarray,
        node_x: Sequence[float] | np.ndarray,
        node_y: Sequence[float] | np.ndarray,
        *,
        crs: Any,
        mode: str = "walk",
        keep_largest: bool = True,
        node_id: Sequence[int] | np.ndarray | None = None,
    ) -> Network:
        """Build a network from undirected edges between numbered nodes.

        Parameters
        ----------
        u, v : array-like of int, shape (n_edges,)
            End nodes of each edge: positions into ``node_x`` / ``node_y``.
        length_m : array-like of float, shape (n_edges,)
            Edge lengths in metres (>= 0). Edges with a missing, negative or infinite
            length are set aside.
        node_x, node_y : array-like of float, shape (n_nodes_in,)
            Node coordinates in metres in ``crs``.
        crs : CRS-like
            A projected CRS in metres (e.g. ``'EPSG:3812'``).
        mode : str, default 'walk'
            Travel mode label.
        keep_largest : bool, default True
            Keep only the largest connected component (by number of nodes); edges of
            the other components are set aside.
        node_id : array-like of int, optional
            Ids of the input nodes (default: their positions).

        Returns
        -------
        Network
            Nodes are renumbered ``0 .. n_nodes-1`` (only nodes that keep an edge stay),
            in Z-order (Morton) of their coordinates so that searches touch memory
            that is close together; ``network.node_id`` holds each node's input id.
            With ``w(e)`` the length of edge ``e``,
            ``graph[i, j] = graph[j, i] = min{w(e) : e joins i and j}``.

        Raises
        ------
        InputError
            When arrays have different lengths, node numbers are out of range or
            coordinates are not finite.
        NetworkError
            When no usable edge remains.
        """
        u = _as_1d("u", u, np.int64)
        v = _as_1d("v", v, np.int64)
        w = _as_1d("length_m", length_m, np.float64)
        x = _as_1d("node_x", node_x, np.float64)
        y = _as_1d("node_y", node_y, np.float64)
        ids = (
            np.arange(len(x), dtype=np.int64)
            if node_id is None
            else _as_1d("node_id", node_id, np.int64)
        )
        problems = []
        if not (len(u) == len(v) == len(w)):
            problems.append(f"u, v and length_m differ in length ({len(u)}, {len(v)}, {len(w)})")
        if not (len(x) == len(y) == len(ids)):
            problems.append(
                f"node_x, node_y (and node_id) differ in length ({len(x)}, {len(y)}, {len(ids)})"
            )
        if problems:
            raise InputError("; ".join(problems))
        n_in = len(x)
        bad_node = (u < 0) | (u >= n_in) | (v < 0) | (v >= n_in)
        if bad_node.any():
            first = int(np.flatnonzero(bad_node)[0])
            raise InputError(
                f"{int(bad_node.sum())} edge(s) refer to nodes that do not exist",
                row=first,
                column="u/v",
                expected=f"node numbers 0..{n_in - 1}",
                found=(int(u[first]), int(v[first])),
            )
        bad_xy = ~(np.isfinite(x) & np.isfinite(y))
        if bad_xy.any():
            first = int(np.flatnonzero(bad_xy)[0])
            raise InputError(
                f"{int(bad_xy.sum())} node coordinate(s) are missing or not finite",
                row=first,
                column="node_x/node_y",
                found=(float(x[first]), float(y[first])),
            )
        crs = _projected_crs(crs)

        m = len(u)
        # reason codes (0: used) index _REASONS; int8 keeps this fast at millions of edges
        reason = np.zeros(m, dtype=np.int8)
        bad_w = ~np.isfinite(w) | (w < 0)
        reason[bad_w] = 1

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
            reason[zero] = 2
        uu, vv = label[u], label[v]
        reason[(uu == vv) & (reason == 0)] = 3

        # 2. shortest of parallel edges (ties: the first in input order). Sort on the key
        # a * n + b (a < b); the stable sort keeps input order within a node pair.
        ok = np.flatnonzero(reason == 0)
        if len(ok) == 0:
            raise NetworkError(
                "no usable edges", hint="Every edge was a self loop or had a bad length"
            )
        a = np.minimum(uu[ok], vv[ok])
        b = np.maximum(uu[ok], vv[ok])
        order = np.argsort(a * n_in + b, kind="stable")
        a, b, idx = a[order], b[order], ok[order]
        start = np.ones(len(idx), dtype=bool)
        start[1:] = (a[1:] != a[:-1]) | (b[1:] != b[:-1])
        if not start.all():
            group = np.cumsum(start) - 1
            ws = w[idx]
            shortest = np.minimum.reduceat(ws, np.flatnonzero(start))
            cand = np.flatnonzero(ws == shortest[group])
            first = np.ones(len(cand), dtype=bool)
            first[1:] = group[cand[1:]] != group[cand[:-1]]
            keep = np.zeros(len(idx), dtype=bool)
            keep[cand[first]] = True
            reason[idx[~keep]] = 4
            a, b, idx = a[keep], b[keep], idx[keep]

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
                reason[idx[~keep_edge]] = 5
                a, b, ww, idx = a[keep_edge], b[keep_edge], ww[keep_edge], idx[keep_edge]
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
        order = np.argsort(lo * k + hi, kind="stable")
        a, b, ww, idx = lo[order], hi[order], ww[order], idx[order]
        graph = _symmetric_csr(a, b, ww, k)
        out = np.flatnonzero(reason)
        set_aside = pd.DataFrame(
            {
                "edge": out.astype(np.int64),
                "u": ids[u[out]],
                "v": ids[v[out]],
                "length_m": w[out],
                "reason": np.asarray(_REASONS, dtype=object)[reason[out]],
            }
        )
        net = cls(
            x[used], y[used], graph, crs=crs, mode=mode, set_aside=set_aside, node_id=ids[used]
        )
        net._edge_of_input = idx  # input edge position of each kept edge (a < b order)
        return net

    @classmethod
    def from_lines(
        cls,
        lines: gpd.GeoDataFrame,
        *,
        mode: str = "walk",
        snap_tolerance_m: float = 0.5,
        keep_largest: bool = True,
    ) -> Network:
        """Build a network from road-segment lines, noded at their end points.

        Each LineString (each part of a MultiLineString) becomes one edge between the
        nodes at its two end points; its length is the line's length in metres. End
        points closer than ``snap_tolerance_m`` are merged into one node (transitively:
        chains of close end points become one node, placed at the end point of the
        lowest-numbered line). Lines are not split where they cross without a shared
        end point (bridges and tunnels stay apart).

        A line whose two ends fall on one node (a loop) is cut into three edges of a
        third of its length each, at new nodes placed on the line at 1/3 and 2/3 of its
        length; of several lines joining the same two nodes, all but the shortest are
        cut in two halves at their middle. So no road is lost, and the graph needs no
        parallel edges or self loops: with ``L`` the line length and ``k`` the number of
        pieces, each piece is an edge of length ``L / k``.

        Parameters
        ----------
        lines : GeoDataFrame
            Line geometries in a projected CRS in metres (loaders reproject; this
            function does not). Z values are ignored.
        mode : str, default 'walk'
            Travel mode label.
        snap_tolerance_m : float, default 0.5
            End points within this distance (metres) become one node.
        keep_largest : bool, default True
            Keep only the largest connected part.

        Returns
        -------
        Network
            ``set_aside`` has one row per left-out edge: ``row`` (0-based position of
            the line in ``lines``), ``part`` (0-based position among all line parts;
            -1 for a row without a usable part), ``length_m`` and ``reason``; rows with
            an empty or non-line geometry are listed too. :meth:`edges` returns the
            source geometry (or its piece) of each edge.
        """
        import shapely
        import shapely.ops

        problems = []
        if not (isinstance(snap_tolerance_m, int | float) and snap_tolerance_m >= 0):
            problems.append(f"snap_tolerance_m must be a number >= 0, got {snap_tolerance_m!r}")
        if not hasattr(lines, "geometry"):
            problems.append("lines must be a GeoDataFrame or GeoSeries")
        if problems:
            raise InputError("; ".join(problems))
        crs = _projected_crs(lines.crs)
        geoms = np.asarray(lines.geometry.values, dtype=object)
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
        node_of_pt = _cluster_points(pts, float(snap_tolerance_m))
        # node coordinates: the first end point of each cluster
        n_in = int(node_of_pt.max()) + 1
        first_pt = np.full(n_in, len(pts), dtype=np.int64)
        np.minimum.at(first_pt, node_of_pt, np.arange(len(pts), dtype=np.int64))
        px, py = pts[first_pt, 0], pts[first_pt, 1]
        a, b = node_of_pt[:m], node_of_pt[m:]

        # all but the shortest of parallel lines get a node at their middle (two edges of
        # half the length), loops (both ends at one node) two nodes at 1/3 and 2/3: no
        # road is lost, and no new parallel edges arise
        lo, hi = np.minimum(a, b), np.maximum(a, b)
        order = np.lexsort((np.arange(m), length, hi, lo))
        dup = np.zeros(m, dtype=bool)
        dup[order[1:]] = (lo[order][1:] == lo[order][:-1]) & (hi[order][1:] == hi[order][:-1])
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
        net = cls.from_edges(
            u,
            v,
            w,
            np.concatenate([px, inner_xy[:, 0]]),
            np.concatenate([py, inner_xy[:, 1]]),
            crs=crs,
            mode=mode,
            keep_largest=keep_largest,
        )
        sa = net.set_aside
        e = sa["edge"].to_numpy()
        sa = pd.DataFrame(
            {
                "row": part_row_ok[edge_part[e]].astype(np.int64),
                "part": edge_part[e].astype(np.int64),
                "length_m": sa["length_m"].to_numpy(),
                "reason": sa["reason"].to_numpy(dtype=object),
            }
        )
        bad_rows = np.flatnonzero(~is_line)
        bad_parts = part_row[~ok_part]
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
        net.set_aside = sa.sort_values(["row", "part"], kind="stable", ignore_index=True)
        net.node_id = np.arange(net.n_nodes, dtype=np.int64)
        # the source row and geometry of every kept edge (u < v order of :meth:`edges`)
        kept_e = net._edge_of_input
        net._edge_row = part_row_ok[edge_part[kept_e]]
        geom = parts[edge_part[kept_e]].copy()
        for i in np.flatnonzero(k[kept_e] > 1):  # loops and parallels: a few per thousand
            e = kept_e[i]
            geom[i] = shapely.ops.substring(geom[i], edge_lo[e], edge_hi[e], normalized=True)
        net._edge_geometry = geom
        return net

    # ------------------------------------------------------------------ snapping

    def _kdtree(self):
        if self._tree is None:
            from scipy.spatial import cKDTree

            self._tree = cKDTree(np.column_stack([self.node_x, self.node_y]))
        return self._tree

    def snap(self, x: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
        """Nearest node of each point, and the straight-line offset to it.

        Parameters
        ----------
        x, y : array-like of float, shape (n,)
            Point coordinates in metres, in the network's CRS.

        Returns
        -------
        node : ndarray of int64, shape (n,)
            Index of the nearest node.
        offset_m : ndarray of float64, shape (n,)
            Euclidean distance ``sqrt((x - node_x)^2 + (y - node_y)^2)`` in metres.

        Notes
        -----
        The KD-tree (:class:`scipy.spatial.cKDTree`) is built on the first call and
        kept on the object. Ties between equidistant nodes go to the one cKDTree
        returns first.
        """
        x = _as_1d("x", x, np.float64)
        y = _as_1d("y", y, np.float64)
        if len(x) != len(y):
            raise InputError("x and y differ in length", found=(len(x), len(y)))
        bad = ~(np.isfinite(x) & np.isfinite(y))
        if bad.any():
            first = int(np.flatnonzero(bad)[0])
            raise InputError(
                f"{int(bad.sum())} point(s) have missing or infinite coordinates",
                row=first,
                found=(float(x[first]), float(y[first])),
            )
        if len(x) == 0:
            return np.empty(0, np.int64), np.empty(0, np.float64)
        tree = self._kdtree()
        if len(x) < _SNAP_SORT_MIN:
            dist, node = tree.query(np.column_stack([x, y]), k=1, workers=-1)
            return np.asarray(node, dtype=np.int64), np.asarray(dist, dtype=np.float64)
        # many points: query them along a Z-order curve, so that consecutive queries
        # walk the same tree nodes (in cache); each point's answer does not depend on
        # the order, this only makes it ~1.5-2x faster for a million scattered points
        order = _morton_order(x, y)
        d_sorted, n_sorted = tree.query(np.column_stack([x[order], y[order]]), k=1, workers=-1)
        node = np.empty(len(x), dtype=np.int64)
        dist = np.empty(len(x), dtype=np.float64)
        node[order] = n_sorted
        dist[order] = d_sorted
        return node, dist

    # ------------------------------------------------------------------ shortest paths

    def _check_sources(
        self, source_nodes: Any, source_offset_m: Any
    ) -> tuple[np.ndarray, np.ndarray | None]:
        """Validate sources once at the public boundary; report every problem at once."""
        given = np.asarray(source_nodes)
        nodes = _as_1d("source_nodes", given, np.int64)
        problems = []
        if given.dtype.kind == "f" and not np.array_equal(given, nodes):
            problems.append("source_nodes must be whole node numbers (e.g. from Network.snap)")
        bad = (nodes < 0) | (nodes >= self.n_nodes)
        if bad.any():
            problems.append(
                f"{int(bad.sum())} source node(s) out of range 0..{self.n_nodes - 1}"
                f" (first: {int(nodes[bad][0])})"
            )
        off = None
        if source_offset_m is not None:
            off = np.asarray(source_offset_m, dtype=np.float64)
            if off.ndim == 0:
                off = np.full(nodes.shape, float(off))
            if off.shape != nodes.shape:
                problems.append(
                    f"source_offset_m has {off.size} values for {len(nodes)} source nodes"
                )
            elif not (np.isfinite(off) & (off >= 0)).all():
                problems.append("source_offset_m must be finite and >= 0 (metres)")
            off = np.ascontiguousarray(off)
        if problems:
            raise InputError("; ".join(problems))
        return nodes, off

    def nearest(
        self, source_nodes: Any, source_offset_m: Any = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Distance from every node to its closest source, in one shortest-path pass.

        Parameters
        ----------
        source_nodes : array-like of int, shape (k,)
            Node of each source (e.g. from :meth:`snap`). Repeats are allowed.
        source_offset_m : array-like of float, shape (k,), optional
            Straight-line offset of each source from its node, metres (>= 0).

        Returns
        -------
        dist_m : ndarray of float64, shape (n_nodes,)
            ``dist_m[j] = min_i (offset_i + D(source_i, j))``, metres; ``inf`` when no
            source reaches node ``j``.
        source : ndarray of int64, shape (n_nodes,)
            Position in ``source_nodes`` of the minimising source ``i``; ``-1`` where
            unreachable.
        """
        nodes, off = self._check_sources(source_nodes, source_offset_m)
        if off is None:
            off = np.zeros(len(nodes))
        g = self.graph
        return _multi_source_kernel(g.indptr, g.indices, g.data, nodes, off, self.n_nodes)

    def _nearest_scipy(
        self, source_nodes: Any, source_offset_m: Any = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`nearest` with scipy's Dijkstra (a reference for tests and benchmarks;
        ties between sources may be broken differently)."""
        nodes, off = self._check_sources(source_nodes, source_offset_m)
        n = self.n_nodes
        if len(nodes) == 0:
            return np.full(n, np.inf), np.full(n, -1, dtype=np.int64)
        if off is None or not off.any():
            # one source per node: the lowest position wins among repeats
            uniq, first = np.unique(nodes, return_index=True)
            dist, _, src_node = dijkstra(
                self.graph, directed=True, indices=uniq, min_only=True, return_predecessors=True
            )
            src = np.full(n, -1, dtype=np.int64)
            reach = src_node >= 0
            src[reach] = first[np.searchsorted(uniq, src_node[reach])]
            return dist, src
        # offsets: one extra node per source, with a one-way edge (offset) to its node
        k = len(nodes)
        g = self.graph
        tiny = np.nextafter(0.0, 1.0)  # stands in for a zero offset: explicit zeros may vanish
        eps_off = np.where(off > 0, off, tiny)
        rows = np.concatenate([np.repeat(np.arange(n), np.diff(g.indptr)), n + np.arange(k)])
        cols = np.concatenate([g.indices, nodes])
        data = np.concatenate([g.data, eps_off])
        big = sp.csr_array((data, (rows, cols)), shape=(n + k, n + k))
        dist, _, src_node = dijkstra(
            big, directed=True, indices=n + np.arange(k), min_only=True, return_predecessors=True
        )
        dist = np.array(dist[:n])
        dist[dist == tiny] = 0.0  # tiny + w == w for every edge length w > 0
        src = np.where(src_node[:n] >= 0, src_node[:n] - n, -1).astype(np.int64)
        return dist, src

    def pairs_within(
        self,
        source_nodes: Any,
        radius_m: Any,
        source_offset_m: Any = None,
        *,
        sort: bool = True,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Every (source, node) pair within a network radius, exactly.

        Parameters
        ----------
        source_nodes : array-like of int, shape (k,)
            Node of each source.
        radius_m : float or array-like of float, shape (k,)
            Radius in metres (>= 0), one for all or one per source.
        source_offset_m : array-like of float, shape (k,), optional
            Straight-line offset of each source from its node, metres.
        sort : bool, default True
            Sort the pairs by source, then node. False returns them grouped by source
            (all pairs of a source together), the sources in node order and the nodes
            in the order the search settled them: faster when the caller only sums
            over the pairs, as :func:`buurtgeo.reach` does.

        Returns
        -------
        source_index : ndarray of int64
            Position in ``source_nodes``.
        node : ndarray of int64
            Node reached.
        dist_m : ndarray of float64
            ``offset_i + D(source_i, node)`` in metres; only pairs with
            ``dist_m <= radius_i`` are returned, sorted by ``source_index`` then ``node``
            (only grouped by source with ``sort=False``).

        Notes
        -----
        One bounded Dijkstra search per source (compiled), the sources taken in node
        order (the Z-order numbering makes consecutive searches share cache) on
        several threads when there is enough work. The priority queue is a bucket
        queue of width half the shortest edge (Dial's algorithm: O(1) per label and
        the same distances as a heap, see :func:`_pairs_bucket_kernel`), or a binary
        heap with lazy deletion when that would need more than ``_MAX_BUCKETS``
        buckets. The distance workspace is reset through the settled nodes only.
        """
        nodes, off = self._check_sources(source_nodes, source_offset_m)
        radius = self._check_radius(radius_m, len(nodes))
        k = len(nodes)
        if off is None:
            off = np.zeros(k)
        g = self.graph
        indptr, indices, data = g.indptr, g.indices, g.data
        # sources in node order: nodes are numbered along a Z-order curve, so searches
        # that follow each other cover overlapping discs and find them in cache
        order = np.argsort(nodes, kind="stable")
        p_nodes = np.ascontiguousarray(nodes[order])
        p_off = np.ascontiguousarray(off[order])
        p_radius = np.ascontiguousarray(radius[order])
        width, n_buckets = self._bucket_width(float(radius.max()) if k else 0.0)
        # threads only when there is enough work to pay for them (about 10 ms or more)
        work_guess = k * max(self._nodes_per_disc(float(np.median(radius)) if k else 0.0), 1.0)
        workers = 1 if work_guess < 50_000 else max(1, min(os.cpu_count() or 1, 8, -(-k // 64)))
        # each worker takes a contiguous share of the (ordered) sources and walks it in
        # blocks of _PAIRS_BLOCK, reusing one distance workspace over the nodes
        bounds = np.linspace(0, k, workers + 1).astype(np.int64)

        def run(w: int) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
            work = self._take_workspace()
            out = []
            for lo in range(int(bounds[w]), int(bounds[w + 1]), _PAIRS_BLOCK):
                hi = min(int(bounds[w + 1]), lo + _PAIRS_BLOCK)
                args = (
                    *(indptr, indices, data),
                    *(p_nodes[lo:hi], p_off[lo:hi], p_radius[lo:hi], work, sort),
                )
                if width > 0:
                    counts, node, dist, m = _pairs_bucket_kernel(*args, width, n_buckets)
                else:
                    counts, node, dist, m = _pairs_kernel(*args)
                out.append((counts, node[:m], dist[:m]))
            self._give_workspace(work)  # all inf again (not returned if the kernel raised)
            return out

        if workers == 1:
            parts = run(0)
        else:
            from concurrent.futures import ThreadPoolExecutor

            with ThreadPoolExecutor(max_workers=workers) as pool:  # the kernel frees the GIL
                parts = [p for chunk in pool.map(run, range(workers)) for p in chunk]
        if not parts:
            return np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0, np.float64)
        p_counts = np.concatenate([p[0] for p in parts])
        p_node = np.concatenate([p[1] for p in parts])
        p_dist = np.concatenate([p[2] for p in parts])
        if not sort:
            return np.repeat(order, p_counts), p_node, p_dist
        # back to source order: each source's run of pairs (nodes ascending) is moved whole
        counts = np.empty(k, dtype=np.int64)
        counts[order] = p_counts
        p_start = np.cumsum(p_counts) - p_counts
        start = np.empty(k, dtype=np.int64)
        start[order] = p_start
        total = int(p_counts.sum())
        first = np.cumsum(counts) - counts
        take = np.repeat(start - first, counts) + np.arange(total, dtype=np.int64)
        src = np.repeat(np.arange(k, dtype=np.int64), counts)
        return src, p_node[take], p_dist[take]

    def _bucket_width(self, radius: float) -> tuple[float, int]:
        """Bucket width (half the shortest edge) and count for the bucket-queue search;
        ``(0, 0)`` when that would take too many buckets (then a binary heap is used)."""
        w_min = self.__dict__.get("_w_min")
        if w_min is None:
            data = self.graph.data
            w_min = float(data.min()) if len(data) else 0.0
            self._w_min = w_min
        if not w_min > 0:
            return 0.0, 0
        width = 0.5 * w_min
        n_buckets = int(radius / width) + 2
        if n_buckets > _MAX_BUCKETS:
            return 0.0, 0
        return width, n_buckets

    def _nodes_per_disc(self, radius: float) -> float:
        """Rough number of nodes within ``radius`` of a node (mean density x disc area)."""
        if self.n_nodes == 0:
            return 0.0
        area = max(float(np.ptp(self.node_x)) * float(np.ptp(self.node_y)), 1.0)
        return self.n_nodes / area * np.pi * radius * radius

    def _take_workspace(self) -> np.ndarray:
        """A distance workspace over the nodes, all ``inf`` (reused between calls: filling
        a fresh one costs as much as a small search)."""
        with self._ws_lock:
            if self._ws_free:
                return self._ws_free.pop()
        return np.full(self.n_nodes, np.inf)

    def _give_workspace(self, work: np.ndarray) -> None:
        with self._ws_lock:
            if len(self._ws_free) < 8:
                self._ws_free.append(work)

    def _pairs_within_scipy(
        self, source_nodes: Any, radius_m: Any, source_offset_m: Any = None
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """:meth:`pairs_within` with scipy's Dijkstra and ``limit=`` (slow: dense rows;
        a reference for tests and benchmarks)."""
        nodes, off = self._check_sources(source_nodes, source_offset_m)
        radius = self._check_radius(radius_m, len(nodes))
        k = len(nodes)
        if off is None:
            off = np.zeros(k)
        out_s, out_n, out_d = [], [], []
        block = max(1, int(2_000_000 // max(self.n_nodes, 1)))
        for lo in range(0, k, block):
            hi = min(k, lo + block)
            lim = float(np.max(radius[lo:hi] - off[lo:hi]))
            if lim < 0:
                continue
            d = dijkstra(self.graph, directed=True, indices=nodes[lo:hi], limit=lim)
            d = d + off[lo:hi, None]
            si, ni = np.nonzero(d <= radius[lo:hi, None])
            out_s.append(si + lo)
            out_n.append(ni)
            out_d.append(d[si, ni])
        if not out_s:
            return np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0, np.float64)
        return (
            np.concatenate(out_s).astype(np.int64),
            np.concatenate(out_n).astype(np.int64),
            np.concatenate(out_d).astype(np.float64),
        )

    @staticmethod
    def _check_radius(radius_m: Any, k: int) -> np.ndarray:
        r = np.asarray(radius_m, dtype=np.float64)
        if r.ndim == 0:
            r = np.full(k, float(r))
        if r.shape != (k,):
            raise InputError(f"radius_m has {r.size} values for {k} source nodes")
        if not (np.isfinite(r) & (r >= 0)).all():
            raise InputError(
                "radius_m must be finite and >= 0", found=r[~(np.isfinite(r) & (r >= 0))][:3]
            )
        return np.ascontiguousarray(r)

    # ------------------------------------------------------------------ inspection

    def _upper_edges(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        g = self.graph
        rows = np.repeat(np.arange(self.n_nodes, dtype=np.int64), np.diff(g.indptr))
        cols = g.indices.astype(np.int64)
        keep = rows < cols
        return rows[keep], cols[keep], g.data[keep]

    def to_networkx(self) -> nx.Graph:
        """The network as a :class:`networkx.Graph` (edge attribute ``length``, metres;
        node attributes ``x``, ``y``), for cross-checks."""
        import networkx as nx

        g = nx.Graph()
        g.add_nodes_from(
            (i, {"x": float(x), "y": float(y)})
            for i, (x, y) in enumerate(zip(self.node_x, self.node_y, strict=True))
        )
        a, b, w = self._upper_edges()
        g.add_weighted_edges_from(
            zip(a.tolist(), b.tolist(), w.tolist(), strict=True), weight="length"
        )
        return g

    def nodes(self) -> gpd.GeoDataFrame:
        """Nodes as points: columns ``node_id``, ``x``, ``y`` (metres), ``degree``; index = node."""
        import geopandas as gpd

        return gpd.GeoDataFrame(
            {
                "node_id": self.node_id,
                "x": self.node_x,
                "y": self.node_y,
                "degree": np.diff(self.graph.indptr).astype(np.int64),
            },
            geometry=gpd.points_from_xy(self.node_x, self.node_y),
            crs=self.crs,
        ).rename_axis("node")

    def edges(self) -> gpd.GeoDataFrame:
        """Edges once each: columns ``u`` < ``v`` (nodes), ``length_m``; the line geometry
        (the source line when built from lines, else straight)."""
        import geopandas as gpd
        import shapely

        a, b, w = self._upper_edges()
        geom = getattr(self, "_edge_geometry", None)
        if geom is None or len(geom) != len(a):
            coords = np.stack(
                [
                    np.column_stack([self.node_x[a], self.node_y[a]]),
                    np.column_stack([self.node_x[b], self.node_y[b]]),
                ],
                axis=1,
            )
            geom = shapely.linestrings(coords)
        return gpd.GeoDataFrame(
            {"u": a, "v": b, "length_m": w}, geometry=np.asarray(geom), crs=self.crs
        ).rename_axis("edge")


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

    A KD-tree lists every pair within ``tol`` (identical points included, also for
    ``tol == 0``); the labels are the connected components of that pair graph."""
    from scipy.spatial import cKDTree

    n = len(pts)
    if n == 0:
        return np.empty(0, np.int64)
    pairs = cKDTree(pts).query_pairs(tol, output_type="ndarray")
    g = sp.coo_array(
        (np.ones(len(pairs), dtype=np.int8), (pairs[:, 0], pairs[:, 1])), shape=(n, n)
    ).tocsr()
    k, comp = connected_components(g, directed=False)
    # renumber the components in order of their first point
    first = np.full(k, n, dtype=np.int64)
    np.minimum.at(first, comp, np.arange(n, dtype=np.int64))
    rank = np.empty(k, dtype=np.int64)
    rank[np.argsort(first)] = np.arange(k, dtype=np.int64)
    return rank[comp]


def grid_network(
    n_side: int,
    *,
    spacing_m: float = 100.0,
    jitter: float = 0.3,
    drop: float = 0.0,
    seed: int = 0,
    crs: Any = "EPSG:3812",
) -> Network:
    """A jittered square-grid street network, for tests and benchmarks.

    Nodes sit on an ``n_side`` x ``n_side`` grid with spacing ``spacing_m`` metres,
    moved by up to ``jitter * spacing_m`` in x and y (uniform); each node joins its
    right and upper neighbour, and a random share ``drop`` of these edges is left out
    (streets are not a full grid). Edge length = straight-line distance between its
    nodes, ``sqrt(dx^2 + dy^2)``, so a network distance is never shorter than the
    straight line.

    Parameters
    ----------
    n_side : int
        Nodes per side (``n_side**2`` nodes, ``2 n_side (n_side - 1)`` edges before
        dropping).
    spacing_m : float, default 100
        Grid spacing in metres.
    jitter : float, default 0.3
        Maximum displacement as a share of the spacing (< 0.5 keeps edges apart).
    drop : float, default 0
        Share of edges left out at random (0.2 gives ~1.6 edges per node, like the
        1M-node benchmark network); the largest connected part is kept.
    seed : int, default 0
        Seed of :func:`numpy.random.default_rng`.
    crs : CRS-like, default 'EPSG:3812'
        Projected CRS of the coordinates (origin at 0, 0).

    Returns
    -------
    Network
        Nodes numbered as :meth:`Network.from_edges` does (Z-order); ``node_id`` is the
        grid position ``row * n_side + column``.
    """
    rng = np.random.default_rng(seed)
    i, j = np.divmod(np.arange(n_side * n_side, dtype=np.int64), n_side)
    x = j * spacing_m + rng.uniform(-jitter, jitter, i.shape) * spacing_m
    y = i * spacing_m + rng.uniform(-jitter, jitter, i.shape) * spacing_m
    node = i * n_side + j
    right = j < n_side - 1
    up = i < n_side - 1
    u = np.concatenate([node[right], node[up]])
    v = np.concatenate([node[right] + 1, node[up] + n_side])
    if drop > 0:
        keep = rng.random(len(u)) >= drop
        u, v = u[keep], v[keep]
    length = np.hypot(x[u] - x[v], y[u] - y[v])
    return Network.from_edges(u, v, length, x, y, crs=crs, keep_largest=drop > 0)


# ------------------------------------------------------------------------------------------
# Compiled kernels (numba, cached on disk): Dijkstra with a binary heap over the CSR arrays
# ------------------------------------------------------------------------------------------

from numba import njit  # noqa: E402  (kept next to the kernels that need it)


@njit(cache=True, nogil=True)
def _heap_push(keys, vals, size, key, val):
    """Push (key, val) on a binary min-heap stored in keys/vals[:size]; return new size."""
    i = size
    keys[i] = key
    vals[i] = val
    while i > 0:
        parent = (i - 1) >> 1
        if keys[parent] <= key:
            break
        keys[i] = keys[parent]
        vals[i] = vals[parent]
        i = parent
    keys[i] = key
    vals[i] = val
    return size + 1


@njit(cache=True, nogil=True)
def _heap_pop(keys, vals, size):
    """Remove the minimum of the heap (keys/vals[:size]); return (key, val, new size)."""
    top_key = keys[0]
    top_val = vals[0]
    size -= 1
    key = keys[size]
    val = vals[size]
    i = 0
    while True:
        child = 2 * i + 1
        if child >= size:
            break
        if child + 1 < size and keys[child + 1] < keys[child]:
            child += 1
        if keys[child] >= key:
            break
        keys[i] = keys[child]
        vals[i] = vals[child]
        i = child
    keys[i] = key
    vals[i] = val
    return top_key, top_val, size


@njit(cache=True, nogil=True)
def _grow(a):
    """A copy of ``a`` with twice the room (an explicit loop: slice copies compile slowly)."""
    b = np.empty(2 * a.shape[0], dtype=a.dtype)
    for j in range(a.shape[0]):
        b[j] = a[j]
    return b


@njit(cache=True, nogil=True)
def _multi_source_kernel(indptr, indices, data, src_nodes, src_off, n):
    """Multi-source Dijkstra: dist[j] = min_i off_i + D(src_i, j); ties to the lowest i.

    Keys pushed for a node strictly decrease, so a popped entry is current exactly when
    its key equals ``dist``; no settled flags are needed. The heap holds one entry per
    successful relaxation: at most one per stored edge plus one per source, so it is
    allocated once at that size."""
    dist = np.full(n, np.inf)
    label = np.full(n, -1, dtype=np.int64)
    keys = np.empty(len(data) + len(src_nodes) + 1, dtype=np.float64)
    vals = np.empty(keys.shape[0], dtype=np.int64)
    size = 0
    for i in range(len(src_nodes)):
        s = src_nodes[i]
        d = src_off[i]
        if d < dist[s] or (d == dist[s] and i < label[s]):
            dist[s] = d
            label[s] = i
            size = _heap_push(keys, vals, size, d, s)
    while size > 0:
        d, u, size = _heap_pop(keys, vals, size)
        if d > dist[u]:
            continue  # a stale entry: u was pushed again with a smaller key
        lu = label[u]
        for e in range(indptr[u], indptr[u + 1]):
            v = indices[e]
            nd = d + data[e]
            if nd < dist[v]:
                dist[v] = nd
                label[v] = lu
                size = _heap_push(keys, vals, size, nd, v)
            elif nd == dist[v] and lu < label[v]:
                label[v] = lu  # a tie: v is still in the heap (u pops first), relabel only
    return dist, label


@njit(cache=True, nogil=True)
def _finish_source(out_n, out_d, start, count, dist, sort_nodes):  # pragma: no cover
    """One source's search is done: (if ``sort_nodes``) sort its settled nodes
    (``out_n[start:count]``), read their distances from the workspace and reset it to
    ``inf``. Every node the search touched was settled (a node is only pushed when
    within the radius), so this resets exactly what was written."""
    if sort_nodes:
        seg = np.sort(out_n[start:count])
        for t in range(count - start):
            out_n[start + t] = seg[t]
    for t in range(start, count):
        u = out_n[t]
        out_d[t] = dist[u]
        dist[u] = np.inf


@njit(cache=True, nogil=True)
def _pairs_kernel(
    indptr, indices, data, src_nodes, src_off, radius, dist, sort_nodes
):  # pragma: no cover - compiled
    """Bounded Dijkstra from each source in turn, with a binary heap (lazy deletion).

    Returns ``counts`` (pairs per source), ``node``, ``dist`` (grouped by source, nodes
    ascending within a source) and the number of pairs ``m`` (``node[:m]``,
    ``dist[:m]`` are valid): every node with ``off_i + D(src_i, node) <= radius_i``
    (in the order settled unless ``sort_nodes``). ``dist`` is a workspace over all
    nodes, all ``inf`` on entry and again on return.
    Used when the bucket queue of :func:`_pairs_bucket_kernel` would need too many
    buckets (very short edges)."""
    keys = np.empty(1024, dtype=np.float64)
    vals = np.empty(1024, dtype=np.int64)
    out_n = np.empty(4096, dtype=np.int64)
    out_d = np.empty(4096, dtype=np.float64)
    counts = np.zeros(len(src_nodes), dtype=np.int64)
    count = 0
    for i in range(len(src_nodes)):
        r = radius[i]
        s = src_nodes[i]
        d0 = src_off[i]
        if not d0 <= r:
            continue
        dist[s] = d0
        size = _heap_push(keys, vals, 0, d0, s)
        start = count
        while size > 0:
            d, u, size = _heap_pop(keys, vals, size)
            if d > dist[u]:
                continue  # stale entry
            if count == out_n.shape[0]:
                out_n = _grow(out_n)
                out_d = _grow(out_d)
            out_n[count] = u
            count += 1
            for e in range(indptr[u], indptr[u + 1]):
                v = indices[e]
                nd = d + data[e]
                if nd <= r and nd < dist[v]:
                    dist[v] = nd
                    if size == keys.shape[0]:
                        keys = _grow(keys)
                        vals = _grow(vals)
                    size = _heap_push(keys, vals, size, nd, v)
        counts[i] = count - start
        _finish_source(out_n, out_d, start, count, dist, sort_nodes)
    return counts, out_n, out_d, count


@njit(cache=True, nogil=True)
def _pairs_bucket_kernel(
    indptr, indices, data, src_nodes, src_off, radius, dist, sort_nodes, width, n_buckets
):  # pragma: no cover - compiled
    """:func:`_pairs_kernel` with a bucket queue instead of a heap (Dial's algorithm).

    Bucket ``b`` holds the labels ``d`` with ``floor(d / width) = b``. With ``width``
    at most half the shortest edge, relaxing an edge from a label of bucket ``b``
    always lands in a later bucket (``d + w >= d + 2 width``), so every label taken
    from the lowest non-empty bucket is final whatever the order within the bucket:
    the distances are those of Dijkstra's algorithm, bit for bit (the same sums
    ``d_u + w_uv`` are formed and the smallest kept). Pushes and pops cost O(1); the
    buckets are singly linked lists in flat arrays, ``n_buckets > radius / width``."""
    head = np.full(n_buckets, -1, dtype=np.int64)
    e_key = np.empty(4096, dtype=np.float64)
    e_node = np.empty(4096, dtype=np.int64)
    e_next = np.empty(4096, dtype=np.int64)
    out_n = np.empty(4096, dtype=np.int64)
    out_d = np.empty(4096, dtype=np.float64)
    counts = np.zeros(len(src_nodes), dtype=np.int64)
    count = 0
    inv = 1.0 / width
    for i in range(len(src_nodes)):
        r = radius[i]
        s = src_nodes[i]
        d0 = src_off[i]
        if not d0 <= r:
            continue
        dist[s] = d0
        b = np.int64(d0 * inv)
        last = np.int64(r * inv)
        e_key[0] = d0
        e_node[0] = s
        e_next[0] = -1
        head[b] = 0
        n_e = 1
        start = count
        while b <= last:
            p = head[b]
            if p < 0:
                b += 1
                continue
            head[b] = e_next[p]
            d = e_key[p]
            u = e_node[p]
            if d > dist[u]:
                continue  # stale entry
            if count == out_n.shape[0]:
                out_n = _grow(out_n)
                out_d = _grow(out_d)
            out_n[count] = u
            count += 1
            for e in range(indptr[u], indptr[u + 1]):
                v = indices[e]
                nd = d + data[e]
                if nd <= r and nd < dist[v]:
                    dist[v] = nd
                    if n_e == e_key.shape[0]:
                        e_key = _grow(e_key)
                        e_node = _grow(e_node)
                        e_next = _grow(e_next)
                    # never an earlier bucket (cannot happen with width <= w_min / 2,
                    # but a label must never be lost)
                    nb = max(np.int64(nd * inv), b)
                    e_key[n_e] = nd
                    e_node[n_e] = v
                    e_next[n_e] = head[nb]
                    head[nb] = n_e
                    n_e += 1
        counts[i] = count - start
        _finish_source(out_n, out_d, start, count, dist, sort_nodes)
    return counts, out_n, out_d, count
