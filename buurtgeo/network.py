"""The street network as compressed sparse arrays: build, snap, shortest paths.

A :class:`Network` is a graph of streets in a projected CRS in metres. Its edges are
stored once per direction they may be travelled in a :class:`scipy.sparse.csr_array`
(``graph``: symmetric for walking, ``directed`` where one-way streets count, as for
cycling over OpenStreetMap), so that scipy's and our own shortest-path kernels read
the same three arrays (``indptr``, ``indices``, ``data``) without copying.

Distances
---------
A point ``P`` joins the network at ``Q``, the closest point of its nearest street's own
line (:meth:`Network.snap_edges`: the street, the position ``s`` along it from its ``u``
node, the offset ``|PQ|``), and reaches the street's ends along it::

    d(P -> u) = |PQ| + s        d(P -> v) = |PQ| + (L - s)

(on a one-way street only the end it may ride to). From there ``D``, the shortest path
over the network (sum of edge lengths, metres), takes over; two points on one street
also reach each other directly along it (:mod:`buurtgeo._engines` puts it together).
The older way, as in pandana and osmnx, joins each point at its nearest node
(:meth:`Network.snap`): ``d(p, s) = offset(p) + D(node(p), node(s)) + offset(s)``.

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
:meth:`Network.nearest` is one multi-source Dijkstra pass (a bucket queue in a ring of
buckets of half the shortest edge, or a binary heap when that would take too many);
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
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.sparse.csgraph import dijkstra

from buurtgeo._checks import raise_problems
from buurtgeo._graph_kernels import (
    _multi_source_bucket_kernel,
    _multi_source_kernel,
    _pairs_bucket_kernel,
    _pairs_kernel,
)
from buurtgeo._network_build import (
    _morton_order,
    clean_edges,
    edge_geometries,
    lines_set_aside,
    node_lines,
)
from buurtgeo._street_snap import StreetIndex
from buurtgeo.errors import CRSError, InputError, NetworkError

if TYPE_CHECKING:  # pragma: no cover
    import geopandas as gpd
    import networkx as nx
    import pyproj
    from numpy.typing import ArrayLike
    from scipy.spatial import cKDTree

    #: what :meth:`pyproj.CRS.from_user_input` takes, as the public signatures name it
    CRSLike = pyproj.CRS | str | int

__all__ = ["EdgeSnap", "Network", "grid_network"]


class EdgeSnap(NamedTuple):
    """Where points join the network's streets (see :meth:`Network.snap_edges`).

    Attributes
    ----------
    edge : ndarray of int64
        The nearest street: a row of :meth:`Network.edges` (its ``u`` < ``v`` nodes).
    position_m : ndarray of float64
        Where the point joins it: metres along the street from its ``u`` node, in
        ``[0, length_m]``.
    offset_m : ndarray of float64
        Straight-line distance from the point to where it joins, metres.
    x, y : ndarray of float64
        The join point, on the street's own line.
    """

    edge: np.ndarray
    position_m: np.ndarray
    offset_m: np.ndarray
    x: np.ndarray
    y: np.ndarray


# set-aside reasons (stable texts; tests and users may filter on them)
REASON_BAD_LENGTH = "length is missing, negative or not finite"
REASON_SELF_LOOP = "self loop: both ends at the same node"
REASON_PARALLEL = "parallel edge: a shorter edge joins the same two nodes"
REASON_DETACHED = "not connected to the largest part of the network"
REASON_ZERO_MERGED = "zero length: its two end nodes were merged into one"
# indexed by the reason codes of buurtgeo._network_build.clean_edges (0: used)
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


def _points_xy(x: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
    """Point coordinates as float64 arrays of one length, every one finite."""
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
    return x, y


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
    """Street network as compressed sparse arrays, in a metric CRS.

    Build one with :meth:`from_edges`, :meth:`from_lines` or
    :func:`buurtgeo.read_network`; the constructor takes arrays that are already
    clean (CSR with both directions of two-way streets stored, no self loops, no
    explicit zeros).

    Attributes
    ----------
    node_x, node_y : ndarray of float64, shape (n_nodes,)
        Node coordinates in metres in ``crs``.
    graph : scipy.sparse.csr_array, shape (n_nodes, n_nodes)
        Edge lengths in metres, float64, no self loops: ``graph[i, j]`` is the length
        of the street from ``i`` to ``j`` where it may be travelled that way (both
        directions stored for two-way streets: symmetric unless ``directed``); where
        several edges join the same node pair the shortest counts.
    directed : bool
        Some streets are one-way (a cycling network from OpenStreetMap): ``graph`` is
        not symmetric, and a distance from a point to a service may differ from the
        way back. Walking networks are undirected.
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
    stats : dict
        Counts of the source (set by :func:`buurtgeo.read_network`: ``segments_read``,
        ``segments_used``...); empty otherwise.
    """

    node_x: np.ndarray
    node_y: np.ndarray
    graph: sp.csr_array
    directed: bool
    crs: pyproj.CRS
    mode: str
    set_aside: pd.DataFrame
    node_id: np.ndarray
    stats: dict[str, Any]
    #: the edge-level set-aside, on networks from :func:`buurtgeo.read_network` only
    edges_set_aside: pd.DataFrame
    #: the file read, on networks from :func:`buurtgeo.read_network` only
    source: str
    # caches, rebuilt on demand (not pickled): KD-tree of the nodes, pairs_within
    # workspaces and their lock, the shortest edge (set by _bucket_width), the street
    # list and its snapping grid, the reversed graph
    _tree: cKDTree | None
    _street_cache: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None
    _snap_index: StreetIndex | None
    _reverse: sp.csr_array | None
    _ws_free: list[np.ndarray]
    _ws_lock: threading.Lock  # None only in a pickled state (see __getstate__)
    _w_min: float
    # set by the builders: input edge / source row / geometry of each kept edge, in the
    # (u < v) order of :meth:`edges`
    _edge_of_input: np.ndarray | None
    _edge_row: np.ndarray | None
    _edge_geometry: np.ndarray | None

    def __init__(
        self,
        node_x: np.ndarray,
        node_y: np.ndarray,
        graph: sp.csr_array,
        *,
        crs: CRSLike,
        mode: str = "walk",
        set_aside: pd.DataFrame | None = None,
        node_id: np.ndarray | None = None,
        directed: bool = False,
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
        self.directed = bool(directed)
        self.crs = _projected_crs(crs)
        self.mode = str(mode)
        self.set_aside = _empty_edge_table() if set_aside is None else set_aside
        self.node_id = (
            np.arange(n, dtype=np.int64) if node_id is None else np.asarray(node_id, dtype=np.int64)
        )
        self.stats = {}
        self._tree = None
        self._street_cache = None
        self._snap_index = None
        self._reverse = None
        self._ws_free = []  # reusable pairs_within workspaces
        self._ws_lock = threading.Lock()
        # set by the builders (see the class body)
        self._edge_of_input = None
        self._edge_row = None
        self._edge_geometry = None

    def __getstate__(self) -> dict[str, Any]:
        # caches (KD-tree, workspaces, lock) are rebuilt on demand after unpickling
        state = dict(self.__dict__)
        state.update(
            _tree=None, _ws_free=[], _ws_lock=None, _street_cache=None, _snap_index=None,
            _reverse=None,
        )  # fmt: skip
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._ws_lock = threading.Lock()
        # networks pickled before streets could be one-way
        for name, value in (("directed", False), ("_street_cache", None)):
            self.__dict__.setdefault(name, value)
        self.__dict__.setdefault("_snap_index", None)
        self.__dict__.setdefault("_reverse", None)

    # ------------------------------------------------------------------ basics

    @property
    def n_nodes(self) -> int:
        """Number of nodes."""
        return int(self.graph.shape[0])

    @property
    def n_edges(self) -> int:
        """Number of streets (edges between two nodes; a two-way street is stored
        twice in ``graph``, a one-way street once)."""
        if not self.directed:
            return int(self.graph.nnz // 2)
        return len(self._streets()[0])

    def __repr__(self) -> str:
        way = " directed" if self.directed else ""
        return (
            f"<Network mode={self.mode!r}{way} nodes={self.n_nodes:,} edges={self.n_edges:,} "
            f"crs={self.crs.to_string()} set_aside={len(self.set_aside):,}>"
        )

    def _streets(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """The streets once each: ``u`` < ``v``, ``length_m``, ``forward`` (``u -> v``
        may be travelled) and ``backward`` (``v -> u``), sorted by ``(u, v)`` (the rows of
        :meth:`edges`). Cached."""
        cached = self._street_cache
        if cached is not None:
            return cached
        g = self.graph
        rows = np.repeat(np.arange(self.n_nodes, dtype=np.int64), np.diff(g.indptr))
        cols = g.indices.astype(np.int64)
        if not self.directed:
            keep = rows < cols
            a, b, w = rows[keep], cols[keep], g.data[keep]
            yes = np.ones(len(a), dtype=bool)
            out = (a, b, w, yes, yes)
        else:
            lo, hi = np.minimum(rows, cols), np.maximum(rows, cols)
            order = np.argsort(lo * self.n_nodes + hi, kind="stable")
            lo, hi, fwd, w = lo[order], hi[order], (rows < cols)[order], g.data[order]
            start = np.ones(len(lo), dtype=bool)
            start[1:] = (lo[1:] != lo[:-1]) | (hi[1:] != hi[:-1])
            first = np.flatnonzero(start)
            f = np.logical_or.reduceat(fwd, first) if len(first) else fwd[:0]
            r = np.logical_or.reduceat(~fwd, first) if len(first) else fwd[:0]
            wl = np.minimum.reduceat(w, first) if len(first) else w[:0]
            out = (lo[first], hi[first], wl, f, r)
        self._street_cache = out
        return out

    def _csr(self, reverse: bool = False) -> sp.csr_array:
        """The graph, or (``reverse``) its edges turned round: searching it from a set of
        sources gives every node's distance *to* them (the same graph when undirected)."""
        if not reverse or not self.directed:
            return self.graph
        if self._reverse is None:
            rev = sp.csr_array(self.graph.T)
            rev.sort_indices()
            self._reverse = rev
        assert self._reverse is not None
        return self._reverse

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
        crs: CRSLike,
        mode: str = "walk",
        keep_largest: bool = True,
        node_id: Sequence[int] | np.ndarray | None = None,
        oneway: Sequence[int] | np.ndarray | None = None,
    ) -> Network:
        """Build a network from edges between numbered nodes (two-way unless ``oneway``).

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
        oneway : array-like of int, shape (n_edges,), optional
            Which way each edge may be travelled: 0 both (default for all), 1 only from
            ``u`` to ``v``, -1 only from ``v`` to ``u``. With a one-way edge the network
            is ``directed``.

        Returns
        -------
        Network
            Nodes are renumbered ``0 .. n_nodes-1`` (only nodes that keep an edge stay),
            in Z-order (Morton) of their coordinates so that searches touch memory
            that is close together; ``network.node_id`` holds each node's input id.
            With ``w(e)`` the length of edge ``e``,
            ``graph[i, j] = graph[j, i] = min{w(e) : e joins i and j}`` (of parallel
            edges the shortest is kept, and it may be travelled every way one of them
            allows; ``graph[i, j]`` is left out where it may not be travelled from ``i``).

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
        ow = None
        if oneway is not None:
            ow = _as_1d("oneway", oneway, np.int64)
            if len(ow) != len(u):
                problems.append(f"oneway has {len(ow)} values for {len(u)} edges")
            elif not np.isin(ow, (-1, 0, 1)).all():
                problems.append("oneway must hold -1, 0 or 1 (0: both ways, 1: u to v only)")
            ow = ow.astype(np.int8) if ow.any() else None
        raise_problems("Network.from_edges", problems)
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
        cleaned = clean_edges(u, v, w, x, y, keep_largest=keep_largest, oneway=ow)
        reason, used, graph, idx = (
            cleaned.reason,
            cleaned.used,
            cleaned.graph,
            cleaned.edge_of_input,
        )
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
        directed = not (cleaned.forward.all() and cleaned.backward.all())
        net = cls(
            x[used],
            y[used],
            graph,
            crs=crs,
            mode=mode,
            set_aside=set_aside,
            node_id=ids[used],
            directed=directed,
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
        oneway: Sequence[int] | np.ndarray | None = None,
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
        oneway : array-like of int, shape (len(lines),), optional
            Which way each line may be travelled: 0 both (default), 1 only in the
            direction it is drawn (first point to last), -1 only against it.

        Returns
        -------
        Network
            ``set_aside`` has one row per left-out edge: ``row`` (0-based position of
            the line in ``lines``), ``part`` (0-based position among all line parts;
            -1 for a row without a usable part), ``length_m`` and ``reason``; rows with
            an empty or non-line geometry are listed too. :meth:`edges` returns the
            source geometry (or its piece) of each edge.
        """
        problems = []
        if not (isinstance(snap_tolerance_m, int | float) and snap_tolerance_m >= 0):
            problems.append(f"snap_tolerance_m must be a number >= 0, got {snap_tolerance_m!r}")
        if not hasattr(lines, "geometry"):
            problems.append("lines must be a GeoDataFrame or GeoSeries")
        raise_problems("Network.from_lines", problems)
        ow = None
        if oneway is not None:
            ow = _as_1d("oneway", oneway, np.int64)
            if len(ow) != len(lines):
                raise InputError(f"oneway has {len(ow)} values for {len(lines)} lines")
        crs = _projected_crs(lines.crs)
        noded = node_lines(np.asarray(lines.geometry.values, dtype=object), float(snap_tolerance_m))
        net = cls.from_edges(
            noded.u,
            noded.v,
            noded.w,
            noded.node_x,
            noded.node_y,
            crs=crs,
            mode=mode,
            keep_largest=keep_largest,
            # pieces run the way their line is drawn: they take its direction
            oneway=None if ow is None else ow[noded.part_row_ok[noded.edge_part]],
        )
        net.set_aside = lines_set_aside(noded, net.set_aside)
        net.node_id = np.arange(net.n_nodes, dtype=np.int64)
        # the source row and geometry of every kept edge (u < v order of :meth:`edges`)
        kept_e = net._edge_of_input
        assert kept_e is not None  # from_edges sets it
        net._edge_row = noded.part_row_ok[noded.edge_part[kept_e]]
        net._edge_geometry = edge_geometries(noded, kept_e)
        return net

    # ------------------------------------------------------------------ snapping

    def _kdtree(self):
        if self._tree is None:
            from scipy.spatial import cKDTree

            self._tree = cKDTree(np.column_stack([self.node_x, self.node_y]))
        return self._tree

    def snap(self, x: ArrayLike, y: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
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
        x, y = _points_xy(x, y)
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

    def _street_index(self) -> StreetIndex:
        """The streets as polylines in a bucket grid (built on the first call, kept)."""
        if self._snap_index is not None:
            return self._snap_index
        import shapely

        a, b, w, _, _ = self._streets()
        geom = self._edge_geometry
        if geom is not None and len(geom) == len(a):
            coords, which = shapely.get_coordinates(np.asarray(geom), return_index=True)
            counts = np.bincount(which, minlength=len(a))
        else:  # straight streets between their nodes
            coords = np.empty((2 * len(a), 2))
            coords[0::2, 0], coords[0::2, 1] = self.node_x[a], self.node_y[a]
            coords[1::2, 0], coords[1::2, 1] = self.node_x[b], self.node_y[b]
            counts = np.full(len(a), 2, dtype=np.int64)
        first = np.zeros(len(a) + 1, dtype=np.int64)
        np.cumsum(counts, out=first[1:])
        index = StreetIndex.build(
            coords, first, w, self.node_x[a], self.node_y[a], self.node_x[b], self.node_y[b]
        )
        self._snap_index = index
        return index

    def snap_edges(self, x: ArrayLike, y: ArrayLike) -> EdgeSnap:
        """Where each point joins the nearest street: street, position along it, offset.

        A point ``P`` joins the network at ``Q``, the closest point of the nearest
        street's own line (its geometry when built from lines, else the straight line
        between its nodes), not at the nearest node. From ``Q`` it reaches both ends
        of that street along the street::

            d(P -> u) = |PQ| + s        d(P -> v) = |PQ| + (L - s)

        with ``L`` the street's length and ``s`` the position of ``Q`` (metres from
        ``u`` along the street; a line's geometric position scaled by ``L`` over the
        line's own length when the two differ). This is what every network measure of
        buurtgeo uses by default (``snap="edge"``).

        Parameters
        ----------
        x, y : array-like of float, shape (n,)
            Point coordinates in metres, in the network's CRS.

        Returns
        -------
        EdgeSnap
            ``edge`` (row of :meth:`edges`), ``position_m``, ``offset_m`` (= ``|PQ|``),
            ``x``, ``y`` (``Q``). Ties go to the lowest street.

        Notes
        -----
        A bucket grid over the straight pieces of every street (compiled with numba,
        built on the first call and kept): each point looks at the cells around it,
        ring by ring, until no unseen piece can be closer (see
        :mod:`buurtgeo._street_snap`). The same distances as shapely's
        ``STRtree.query_nearest`` and ``line_locate_point``, several times faster.
        """
        x, y = _points_xy(x, y)
        if len(x) == 0:
            e = np.empty(0, np.float64)
            return EdgeSnap(np.empty(0, np.int64), e, e.copy(), e.copy(), e.copy())
        return EdgeSnap(*self._street_index().query(x, y))

    def _snap_streets(self, x: ArrayLike, y: ArrayLike) -> tuple[np.ndarray, ...]:
        """``(edge, position_m, offset_m)`` of :meth:`snap_edges` without the join
        points (what joining points to the graph needs; checked the same way)."""
        x, y = _points_xy(x, y)
        if len(x) == 0:
            return np.empty(0, np.int64), np.empty(0, np.float64), np.empty(0, np.float64)
        edge, pos, off, _, _ = self._street_index().query(x, y, points=False)
        return edge, pos, off

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
        raise_problems("Network (sources)", problems)
        return nodes, off

    def nearest(
        self,
        source_nodes: ArrayLike,
        source_offset_m: ArrayLike | None = None,
        *,
        reverse: bool = False,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Distance from every node to its closest source, in one shortest-path pass.

        Parameters
        ----------
        source_nodes : array-like of int, shape (k,)
            Node of each source (e.g. from :meth:`snap`). Repeats are allowed.
        source_offset_m : array-like of float, shape (k,), optional
            Straight-line offset of each source from its node, metres (>= 0).
        reverse : bool, default False
            On a ``directed`` network: the distance from each node *to* the sources
            (one-way streets travelled their way towards them) instead of from them.

        Returns
        -------
        dist_m : ndarray of float64, shape (n_nodes,)
            ``dist_m[j] = min_i (offset_i + D(source_i, j))`` (``D(j, source_i)`` with
            ``reverse``), metres; ``inf`` when no source reaches node ``j``.
        source : ndarray of int64, shape (n_nodes,)
            Position in ``source_nodes`` of the minimising source ``i``; ``-1`` where
            unreachable.
        """
        nodes, off = self._check_sources(source_nodes, source_offset_m)
        if off is None:
            off = np.zeros(len(nodes))
        return self._nearest(nodes, off, reverse=reverse)

    def _nearest(
        self, nodes: np.ndarray, off: np.ndarray, *, reverse: bool = False
    ) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`nearest` on checked sources: a bucket queue in a ring when the edges'
        lengths allow it (half the shortest edge per bucket, the longest within
        ``_MAX_BUCKETS`` buckets), else a binary heap."""
        g = self._csr(reverse)
        args = (g.indptr, g.indices, g.data, nodes, off, self.n_nodes)
        width, _ = self._bucket_width(0.0)
        if width > 0:
            n_cyc = int(float(g.data.max()) / width) + 3
            if n_cyc <= _MAX_BUCKETS:
                return _multi_source_bucket_kernel(*args, width, n_cyc)
        return _multi_source_kernel(*args)

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
        source_nodes: ArrayLike,
        radius_m: ArrayLike,
        source_offset_m: ArrayLike | None = None,
        *,
        sort: bool = True,
        reverse: bool = False,
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
        reverse : bool, default False
            On a ``directed`` network: distances from each node *to* the source.

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
        the same distances as a heap, see ``buurtgeo._graph_kernels``), or a binary
        heap with lazy deletion when that would need more than ``_MAX_BUCKETS``
        buckets. The distance workspace is reset through the settled nodes only.
        """
        nodes, off = self._check_sources(source_nodes, source_offset_m)
        radius = self._check_radius(radius_m, len(nodes))
        k = len(nodes)
        if off is None:
            off = np.zeros(k)
        g = self._csr(reverse)
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

    def to_networkx(self) -> nx.Graph:
        """The network as a :class:`networkx.Graph` (a :class:`networkx.DiGraph` when
        ``directed``; edge attribute ``length``, metres; node attributes ``x``, ``y``),
        for cross-checks."""
        import networkx as nx

        g = nx.DiGraph() if self.directed else nx.Graph()
        g.add_nodes_from(
            (i, {"x": float(x), "y": float(y)})
            for i, (x, y) in enumerate(zip(self.node_x, self.node_y, strict=True))
        )
        if self.directed:
            coo = self.graph.tocoo()
            a, b, w = coo.row.astype(np.int64), coo.col.astype(np.int64), coo.data
        else:
            a, b, w, _, _ = self._streets()
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
        """Edges (streets) once each: columns ``u`` < ``v`` (nodes), ``length_m`` (and,
        on a ``directed`` network, ``oneway``: 0 both ways, 1 only ``u`` to ``v``, -1
        only ``v`` to ``u``); the line geometry (the source line when built from lines,
        else straight). The row number is the ``edge`` of :meth:`snap_edges`."""
        import geopandas as gpd
        import shapely

        a, b, w, fwd, bwd = self._streets()
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
        columns: dict[str, np.ndarray] = {"u": a, "v": b, "length_m": w}
        if self.directed:
            columns["oneway"] = (fwd & ~bwd).astype(np.int8) - (bwd & ~fwd).astype(np.int8)
        return gpd.GeoDataFrame(columns, geometry=np.asarray(geom), crs=self.crs).rename_axis(
            "edge"
        )


def grid_network(
    n_side: int,
    *,
    spacing_m: float = 100.0,
    jitter: float = 0.3,
    drop: float = 0.0,
    seed: int = 0,
    crs: CRSLike = "EPSG:3812",
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
