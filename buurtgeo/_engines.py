"""Distance engines of reach: straight line and street network, with the same operations.

An engine is built on the origins once (:func:`_engine`; over a network the origins
are snapped once) and then serves every kind of service:

* ``prepare(x, y)``: the services as :class:`_Points` (snapped too over a network);
* ``nearest(services)``: the distance from each origin to its nearest service;
* ``accumulate(...)``: counts, capacity and the two 2SFCA steps for a named decay, in
  the compiled passes of :mod:`buurtgeo._reach_kernels` (straight lines: no pair is
  ever stored; over a network: one block of whole services' pairs at a time);
* ``pair_blocks(services, radius)``: ``(service, origin, d)`` pairs with ``d <= radius``
  in blocks of whole services, for a callable decay (the numpy path).

Without a network ``d_ij = |x_i - x_j|``. With one, every point joins the network once
(:func:`_join`): by default at the closest point ``Q`` of its nearest street, from
where it reaches both ends of the street (and the points on the same street directly
along it), with the straight offset ``|PQ|`` added; with ``snap='node'`` at its nearest
node, ``d_ij = offset(i) + D(node(i), node(j)) + offset(j)``.

Join points
-----------
How a point joins is data, not code: a :class:`_Join` lists per point its *seeds*
(node, cost) and its *attachments* (street, position, cost), as compressed rows. The
searches and the pair kernels (:func:`buurtgeo._graph_kernels._join_pairs_kernel`)
read only these, so a point may join through any number of them: to let a park be
reached wherever a street enters it, give it one attachment (and its two seeds) per
entrance, at cost 0, instead of the one of :func:`_join`.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
from scipy.spatial import cKDTree

from buurtgeo._graph_kernels import _join_nearest_kernel, _join_pairs_kernel
from buurtgeo._reach_kernels import (
    _DECAY_CODES,
    _counting_sort,
    _grid_pass_access,
    _grid_pass_demand,
    _pairs_pass_access,
    _pairs_pass_demand,
)

# origin-level (origin, service) pairs handled at once: ~24 bytes each plus temporaries,
# so a block costs a few hundred MB at most.
_PAIR_BLOCK = 4_000_000
# services per bounded network search call, at most; fewer when the catchment holds many
# nodes or origins, so that a block has about _PAIR_BLOCK (service, origin) pairs
_SOURCE_BLOCK = 4096


def _xy(frame: Any) -> tuple[np.ndarray, np.ndarray]:
    import shapely

    geom = np.asarray(frame.geometry.array)
    return (
        shapely.get_x(geom).astype(np.float64, copy=False),
        shapely.get_y(geom).astype(np.float64, copy=False),
    )


class _Join:
    """How points join a street network (see :func:`_join`): for point ``k`` its
    *seeds* ``seed_*[seed_ptr[k]:seed_ptr[k + 1]]`` (a node and the cost between the
    point and that node, metres) and its *attachments*
    ``att_*[att_ptr[k]:att_ptr[k + 1]]`` (a street, the position along it and the cost
    between the point and there; none when snapped to nodes); ``snap_m``: how far the
    point is from where it joins."""

    __slots__ = (
        "seed_ptr",
        "seed_node",
        "seed_cost",
        "att_ptr",
        "att_street",
        "att_pos",
        "att_cost",
        "snap_m",
    )

    def __init__(
        self, seed_ptr, seed_node, seed_cost, att_ptr, att_street, att_pos, att_cost, snap_m
    ) -> None:
        self.seed_ptr, self.seed_node, self.seed_cost = seed_ptr, seed_node, seed_cost
        self.att_ptr, self.att_street, self.att_pos, self.att_cost = (
            att_ptr,
            att_street,
            att_pos,
            att_cost,
        )
        self.snap_m = snap_m

    def take(self, idx: np.ndarray) -> _Join:
        ptr, pick = _take_ranges(self.seed_ptr, idx)
        aptr, apick = _take_ranges(self.att_ptr, idx)
        return _Join(
            ptr,
            self.seed_node[pick],
            self.seed_cost[pick],
            aptr,
            self.att_street[apick],
            self.att_pos[apick],
            self.att_cost[apick],
            self.snap_m[idx],
        )


def _take_ranges(ptr: np.ndarray, idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The CSR ranges ``ptr[k]:ptr[k + 1]`` of the items ``idx``: new pointers, and the
    positions to gather."""
    idx = np.asarray(idx, dtype=np.int64)
    counts = (ptr[idx + 1] - ptr[idx]) if len(idx) else np.zeros(0, np.int64)
    new = np.zeros(len(idx) + 1, dtype=np.int64)
    np.cumsum(counts, out=new[1:])
    pick = np.repeat(ptr[idx] - new[:-1], counts) + np.arange(int(new[-1]), dtype=np.int64)
    return new, pick


def _join(
    network: Any, x: np.ndarray, y: np.ndarray, *, snap: str, leave: bool, cut_m: float | None
) -> _Join:
    """Snap points to a network once and say how they join it.

    ``snap='edge'``: a point ``P`` joins at ``Q`` on the nearest street ``(u, v)`` of
    length ``L``, at position ``s`` from ``u`` (:meth:`buurtgeo.Network.snap_edges`),
    offset ``o = |PQ|``. Its seeds are ``(u, o + s)`` and ``(v, o + L - s)``; on a
    one-way street only those that can be travelled (``leave``: from ``Q`` to the node,
    as an origin does; else from the node to ``Q``, as a service is reached), and always
    the node ``Q`` lies on. Its attachment ``(street, s, o)`` links it with the points
    on the same street. ``snap='node'``: one seed, the nearest node at the straight
    offset; no attachment. Points farther than ``cut_m`` (when given) get neither: no
    one reaches them and they reach nothing.
    """
    n = len(x)
    if n == 0:
        z, zf = np.zeros(1, np.int64), np.zeros(0)
        return _Join(z, np.zeros(0, np.int64), zf, z.copy(), np.zeros(0, np.int64), zf, zf, zf)
    if snap == "node":
        node, off = network.snap(x, y)
        ok = np.ones(n, dtype=bool) if cut_m is None else off <= cut_m
        ptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(ok, out=ptr[1:])
        empty = np.zeros(0)
        return _Join(
            ptr,
            np.asarray(node, np.int64)[ok],
            np.asarray(off, np.float64)[ok],
            np.zeros(n + 1, dtype=np.int64),
            np.zeros(0, np.int64),
            empty,
            empty,
            np.asarray(off, np.float64),
        )
    e, pos, off = network._snap_streets(x, y)
    a, b, length, fwd, bwd = network._streets()
    big_l = length[e]
    ok = np.ones(n, dtype=bool) if cut_m is None else off <= cut_m
    # towards u: travel from Q to u (leaving) needs v -> u; reaching Q from u needs u -> v
    to_u = (bwd[e] if leave else fwd[e]) | (pos == 0.0)
    to_v = (fwd[e] if leave else bwd[e]) | (pos == big_l)
    valid = np.column_stack([to_u & ok, to_v & ok])
    nodes = np.column_stack([a[e], b[e]])[valid]
    costs = np.column_stack([off + pos, off + (big_l - pos)])[valid]
    ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(valid.sum(axis=1), out=ptr[1:])
    aptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(ok, out=aptr[1:])
    return _Join(ptr, nodes, costs, aptr, e[ok], pos[ok], off[ok], off)


class _Points:
    """Services prepared for an engine (coordinates; over a network, how they join it)."""

    __slots__ = ("x", "y", "join")

    def __init__(self, x, y, join: _Join | None = None) -> None:
        self.x, self.y, self.join = x, y, join

    def take(self, idx: np.ndarray) -> _Points:
        return _Points(self.x[idx], self.y[idx], None if self.join is None else self.join.take(idx))

    @property
    def snap_m(self) -> np.ndarray | None:
        return None if self.join is None else self.join.snap_m

    def __len__(self) -> int:
        return len(self.x)


class _Sums:
    """What the compiled passes add up, per origin (in the kernels' sorted order) and per
    service."""

    def __init__(self, n: int, n_s: int, n_extra: int) -> None:
        self.within = np.zeros(n, dtype=np.int64)
        self.cap_within = np.zeros(n)
        self.access = np.zeros(n)
        self.ex_within = np.zeros((n_extra, n), dtype=np.int64)
        self.ex_cap = np.zeros((n_extra, n))
        self.used = np.zeros(n_s, dtype=np.bool_)
        self.demand = np.zeros(n_s)

    def step1(
        self,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """The arguments the step-1 kernels write to, in their order."""
        return (self.demand, self.within, self.cap_within, self.ex_within, self.ex_cap, self.used)

    def ratio(self, supply: np.ndarray, has_cap: np.ndarray) -> np.ndarray:
        """``R_j = S_j / demand_j`` (0 without demand or capacity)."""
        d = self.demand
        return np.divide(supply, d, out=np.zeros(len(d)), where=(d > 0) & has_cap)

    def in_input_order(self, order: np.ndarray) -> tuple[np.ndarray, ...]:
        """The sums with origins back in input order (``order[q]`` = input row of q)."""
        back = np.empty_like(order)
        back[order] = np.arange(len(order), dtype=back.dtype)
        return (
            self.within[back],
            self.cap_within[back],
            self.access[back],
            self.ex_within[:, back],
            self.ex_cap[:, back],
            self.used,
            self.demand,
        )


class _Euclid:
    """Straight-line distances with scipy KD-trees."""

    kind = "euclidean"

    def __init__(self, x: np.ndarray, y: np.ndarray) -> None:
        self.n = len(x)
        self.xy = np.column_stack([x, y])
        self._tree: cKDTree | None = None

    @property
    def tree(self) -> cKDTree:
        if self._tree is None:
            self._tree = cKDTree(self.xy)
        return self._tree

    def prepare(self, x: np.ndarray, y: np.ndarray) -> _Points:
        return _Points(x, y)

    def nearest(self, s: _Points, known: np.ndarray | None = None) -> np.ndarray:
        """Straight-line distance to the nearest service; ``known`` (inf = not known yet)
        are nearest distances found by the grid kernels, only the rest is queried."""
        if len(s) == 0 or self.n == 0:
            return np.full(self.n, np.inf)
        tree = cKDTree(np.column_stack([s.x, s.y]))
        if known is None:
            dist, _ = tree.query(self.xy, k=1, workers=-1)
            return np.asarray(dist, dtype=np.float64)
        dist = known.copy()
        todo = np.flatnonzero(np.isinf(dist))
        if len(todo):
            # threads only pay off for many queries
            workers = -1 if len(todo) > 200_000 else 1
            dist[todo], _ = tree.query(self.xy[todo], k=1, workers=workers)
        return dist

    def _grid(self, radius: float) -> tuple[Any, ...]:
        """Origins bucketed in square cells of about radius/2, sorted by cell (row-major)."""
        x, y = self.xy[:, 0], self.xy[:, 1]
        x0, y0 = float(x.min()), float(y.min())
        w, h = float(x.max()) - x0, float(y.max()) - y0
        # cells of radius/2, but never many more cells than origins
        cs = max(radius / 2.0, math.sqrt(max(w * h, 1.0) / max(4 * self.n, 1024)))
        ncx, ncy = int(w // cs) + 1, int(h // cs) + 1
        cx = np.minimum(((x - x0) // cs).astype(np.int64), ncx - 1)
        cy = np.minimum(((y - y0) // cs).astype(np.int64), ncy - 1)
        cell = cy * ncx + cx
        counts = np.bincount(cell, minlength=ncx * ncy)
        starts = np.cumsum(counts) - counts
        # a counting sort by cell (stable, O(n)): the same order as a stable argsort
        order = _counting_sort(np.arange(self.n, dtype=np.int64), cell, starts)
        return x0, y0, cs, ncx, ncy, starts, counts, order

    def accumulate(
        self,
        s: _Points,
        population: np.ndarray,
        supply: np.ndarray,
        has_cap: np.ndarray,
        r: float,
        decay: str,
        extras: Sequence[float],
    ) -> tuple[np.ndarray, ...]:
        """Counts, capacity and 2SFCA in two compiled passes over a bucket grid of origins.

        For each service the kernels scan the rows of cells that cover its disc (origins
        of a row of cells are contiguous in memory) and keep ``d = sqrt(dx^2 + dy^2) <=
        radius``; no pair is ever stored.
        """
        n, n_s = self.n, len(s)
        ex = np.asarray(extras, dtype=np.float64)
        sums = _Sums(n, n_s, len(ex))
        self.near_within = np.full(n, np.inf)
        if n == 0 or n_s == 0:
            return sums.in_input_order(np.arange(n))
        radius = max([r, *extras])
        x0, y0, cs, ncx, ncy, starts, counts, order = self._grid(radius)
        ox = np.ascontiguousarray(self.xy[order, 0])
        oy = np.ascontiguousarray(self.xy[order, 1])
        pop = np.ascontiguousarray(np.asarray(population, dtype=np.float64)[order])
        supply = np.ascontiguousarray(supply, dtype=np.float64)
        sx = np.ascontiguousarray(s.x, dtype=np.float64)
        sy = np.ascontiguousarray(s.y, dtype=np.float64)
        code = _DECAY_CODES[decay]
        grid = (sx, sy, x0, y0, cs, ncx, ncy, starts, counts, ox, oy)
        near = np.full(n, np.inf)
        _grid_pass_demand(*grid, pop, supply, r, code, ex, radius, *sums.step1(), near)
        _grid_pass_access(*grid, r, code, sums.ratio(supply, has_cap), sums.access)
        self.near_within = np.empty(n)
        self.near_within[order] = near  # input order; nearest() queries only the rest
        return sums.in_input_order(order)

    def pair_blocks(self, s: _Points, radius: float) -> Iterator[tuple[np.ndarray, ...]]:
        """Yield ``(service, origin, d)`` with ``d <= radius``; each block holds whole services."""
        if len(s) == 0 or self.n == 0:
            return
        sxy = np.column_stack([s.x, s.y])
        counts = np.asarray(
            self.tree.query_ball_point(sxy, r=radius, return_length=True, workers=-1)
        )
        for lo, hi in _blocks(counts, _PAIR_BLOCK):
            rec = cKDTree(sxy[lo:hi]).sparse_distance_matrix(
                self.tree, radius, output_type="ndarray"
            )
            yield (
                rec["i"].astype(np.int64) + lo,
                rec["j"].astype(np.int64),
                rec["v"].astype(np.float64),
            )


class _OnNetwork:
    """Shortest-path distances over a :class:`buurtgeo.Network` (origins snapped once).

    ``d_ij`` is the distance from origin ``i`` to service ``j`` (on a directed network,
    one-way streets are travelled their way towards the service)::

        d_ij = min( min_{(x, c) exit of i, (y, c') entry of j} c + D(x -> y) + c',
                    c_i + along(s_i -> s_j) + c_j  when i and j are on the same street )

    with ``D`` the shortest path over the graph (see :func:`_join` for the exits,
    entries and streets). Searches run from the services over the reversed graph
    (:meth:`buurtgeo.Network._csr`); origins are numbered internally by the node they
    leave through (close in memory when close in space).
    """

    kind = "network"

    def __init__(
        self,
        network: Any,
        x: np.ndarray,
        y: np.ndarray,
        *,
        snap: str = "edge",
        cut_m: float | None = None,
    ) -> None:
        self.network = network
        self.snap = snap
        self.cut_m = cut_m
        self.n = len(x)
        self.x, self.y = x, y
        join = _join(network, x, y, snap=snap, leave=True, cut_m=cut_m)
        self.snap_m = join.snap_m
        n_nodes = network.n_nodes
        # internal order: by the first node each origin leaves through, unjoined last (a
        # stable counting sort: the same order as a stable argsort, in linear time)
        counts = np.diff(join.seed_ptr)
        key = np.full(self.n, n_nodes, dtype=np.int64)
        has = counts > 0
        key[has] = join.seed_node[join.seed_ptr[:-1][has]]
        self.order = _counting_sort(  # order[q] = input row of internal q
            np.arange(self.n, dtype=np.int64), key, _starts(key, n_nodes + 1)
        )
        mine = join.take(self.order)  # the joins in internal order
        self.oe = (mine.seed_ptr, mine.seed_node, mine.seed_cost)
        # exits grouped by node
        ex_origin = np.repeat(np.arange(self.n, dtype=np.int64), np.diff(mine.seed_ptr))
        ex_start = np.zeros(n_nodes + 1, dtype=np.int64)
        np.cumsum(np.bincount(mine.seed_node, minlength=n_nodes), out=ex_start[1:])
        pick = _counting_sort(
            np.arange(len(ex_origin), dtype=np.int64), mine.seed_node, ex_start[:-1].copy()
        )
        self.ex = (ex_start, ex_origin[pick], np.ascontiguousarray(mine.seed_cost[pick]))
        # attachments grouped by street
        _, _, _, self.fwd, self.bwd = network._streets()
        n_streets = len(self.fwd) if snap == "edge" else 0
        at_origin = np.repeat(np.arange(self.n, dtype=np.int64), np.diff(mine.att_ptr))
        at_start = np.zeros(n_streets + 1, dtype=np.int64)
        np.cumsum(np.bincount(mine.att_street, minlength=n_streets), out=at_start[1:])
        pick = _counting_sort(
            np.arange(len(at_origin), dtype=np.int64), mine.att_street, at_start[:-1].copy()
        )
        self.at = (at_start, at_origin[pick], mine.att_pos[pick], mine.att_cost[pick])
        self._od_free: list[np.ndarray] = []  # per-thread origin workspaces
        #: set by :meth:`accumulate`: each origin's nearest service within its radius
        self.near_within: np.ndarray | None = None

    # -- services ----------------------------------------------------------------------

    def prepare(self, x: np.ndarray, y: np.ndarray) -> _Points:
        """Services snapped the same way, joined as points one travels *to*."""
        join = _join(self.network, x, y, snap=self.snap, leave=False, cut_m=self.cut_m)
        return _Points(x, y, join)

    def as_services(self) -> _Points:
        """The origins themselves as services (snapped again: on a directed network their
        seeds are turned round)."""
        return self.prepare(self.x, self.y)

    # -- nearest -----------------------------------------------------------------------

    def nearest(self, s: _Points, known: np.ndarray | None = None) -> np.ndarray:
        """Distance from each origin (input order) to its nearest service, metres.

        ``known`` (input order; ``inf``: not known) holds the nearest distance of the
        origins that have a service within the radius of :meth:`accumulate` (the least of
        their pairs: exact); when every origin that joins the network has one, the
        search over the whole network is not needed."""
        if len(s) == 0 or self.n == 0:
            return np.full(self.n, np.inf)
        if known is not None:
            joined = np.diff(self.oe[0]) > 0  # internal order
            if np.isfinite(known[self.order][joined]).all():
                return known.copy()
        j = s.join
        assert j is not None
        node_dist, _ = self.network._nearest(j.seed_node, j.seed_cost, reverse=True)
        best = _join_nearest_kernel(
            node_dist, *self.oe, j.att_street, j.att_pos, j.att_cost, self.fwd, self.bwd, *self.at
        )
        out = np.empty(self.n)
        out[self.order] = best
        return out

    # -- pairs within a radius ---------------------------------------------------------

    def _source_block(self, radius: float) -> int:
        """Services per search block so that a block holds about _PAIR_BLOCK pairs."""
        net = self.network
        area = max(float(np.ptp(net.node_x)) * float(np.ptp(net.node_y)), 1.0)
        per_source = max(max(net.n_nodes, self.n) / area * math.pi * radius * radius, 1.0)
        return int(max(1, min(_SOURCE_BLOCK, _PAIR_BLOCK // per_source)))

    def _take_od(self) -> np.ndarray:
        return self._od_free.pop() if self._od_free else np.full(self.n, np.inf)

    def _pairs(self, s: _Points, sources: np.ndarray, radius: np.ndarray) -> tuple[np.ndarray, ...]:
        """``(service, internal origin, d)`` with ``d <= radius``, grouped by service in
        the order of ``sources``; on several threads when there is enough work."""
        net, j = self.network, s.join
        assert j is not None
        g = net._csr(reverse=True)
        width, n_buckets = net._bucket_width(float(radius.max()) if len(radius) else 0.0)
        k = len(sources)
        work_guess = k * max(net._nodes_per_disc(float(np.median(radius)) if k else 0.0), 1.0)
        workers = 1 if work_guess < 50_000 else max(1, min(os.cpu_count() or 1, 8, -(-k // 64)))
        bounds = np.linspace(0, k, workers + 1).astype(np.int64)
        fixed: tuple[Any, ...] = (j.seed_ptr, j.seed_node, j.seed_cost, j.att_ptr)
        fixed += (j.att_street, j.att_pos, j.att_cost, self.fwd, self.bwd, *self.ex, *self.at)

        def run(w: int) -> tuple[np.ndarray, ...]:
            lo, hi = int(bounds[w]), int(bounds[w + 1])
            dist, od = net._take_workspace(), self._take_od()
            args = (g.indptr, g.indices, g.data, sources[lo:hi], radius[lo:hi], *fixed)
            kernel: Any = _join_pairs_kernel  # numba's Dispatcher: no usable signature
            counts, origin, d, m = kernel(*args, dist, od, width, n_buckets)
            net._give_workspace(dist)  # all inf again (not given back if the kernel raised)
            self._od_free.append(od)
            return counts, origin[:m], d[:m]

        if workers == 1:
            parts = [run(0)]
        else:
            from concurrent.futures import ThreadPoolExecutor

            with ThreadPoolExecutor(max_workers=workers) as pool:  # the kernel frees the GIL
                parts = list(pool.map(run, range(workers)))
        counts = np.concatenate([p[0] for p in parts])
        svc = np.repeat(sources, counts)
        return svc, np.concatenate([p[1] for p in parts]), np.concatenate([p[2] for p in parts])

    def _internal_blocks(self, s: _Points, radius: float) -> Iterator[tuple[np.ndarray, ...]]:
        """Yield ``(service, internal origin, d)`` with ``d <= radius``, whole services."""
        if len(s) == 0 or self.n == 0:
            return
        j = s.join
        assert j is not None
        # services in the order of the node they are reached from: consecutive searches
        # then cover neighbouring parts of the network, already in cache
        key = np.full(len(s), self.network.n_nodes, dtype=np.int64)
        has = np.diff(j.seed_ptr) > 0
        key[has] = j.seed_node[j.seed_ptr[:-1][has]]
        by_node = np.argsort(key, kind="stable")
        step = self._source_block(radius)
        for lo in range(0, len(s), step):
            src = by_node[lo : lo + step]
            yield self._pairs(s, src, np.full(len(src), float(radius)))

    def pair_blocks(self, s: _Points, radius: float) -> Iterator[tuple[np.ndarray, ...]]:
        """Yield ``(service, origin, d)`` with ``d <= radius``; each block holds whole services."""
        for svc, origin, d in self._internal_blocks(s, radius):
            yield svc, self.order[origin], d

    def accumulate(
        self,
        s: _Points,
        population: np.ndarray,
        supply: np.ndarray,
        has_cap: np.ndarray,
        r: float,
        decay: str,
        extras: Sequence[float],
    ) -> tuple[np.ndarray, ...]:
        """Counts, capacity and 2SFCA in two compiled passes over each block's pairs.

        A block holds whole services, so the demand on its services is complete after
        the first pass and the second can add ``w R_j`` to every origin in reach; no
        more than one block of (service, origin) pairs is ever held."""
        ex = np.asarray(extras, dtype=np.float64)
        sums = _Sums(self.n, len(s), len(ex))
        code = _DECAY_CODES[decay]
        pop = np.ascontiguousarray(np.asarray(population, dtype=np.float64)[self.order])
        supply = np.ascontiguousarray(supply, dtype=np.float64)
        near = np.full(self.n, np.inf)  # the least d of each origin's pairs
        for svc, origin, d in self._internal_blocks(s, max([r, *extras])):
            step1 = sums.step1()
            _pairs_pass_demand(svc, origin, d, pop, supply, r, code, ex, *step1, near)
            _pairs_pass_access(svc, origin, d, r, code, sums.ratio(supply, has_cap), sums.access)
        self.near_within = np.empty(self.n)
        self.near_within[self.order] = near  # input order; nearest() searches only if needed
        return sums.in_input_order(self.order)


def _starts(key: np.ndarray, n_keys: int) -> np.ndarray:
    """First slot of each key in a counting sort by ``key`` (values ``0 .. n_keys-1``)."""
    counts = np.bincount(key, minlength=n_keys)
    return np.cumsum(counts) - counts


def _blocks(sizes: np.ndarray, limit: int) -> Iterator[tuple[int, int]]:
    """Consecutive ranges ``[lo, hi)`` whose summed sizes stay <= limit (>= 1 item each)."""
    n = len(sizes)
    if n == 0:
        return
    cum = np.cumsum(np.asarray(sizes, dtype=np.int64))
    lo = 0
    while lo < n:
        base = cum[lo - 1] if lo else 0
        hi = int(np.searchsorted(cum, base + limit, side="right"))
        hi = max(hi, lo + 1)
        yield lo, hi
        lo = hi


def _engine(
    origins: Any, network: Any, *, snap: str = "edge", cut_m: float | None = None
) -> _Euclid | _OnNetwork:
    x, y = _xy(origins)
    if network is None:
        return _Euclid(x, y)
    return _OnNetwork(network, x, y, snap=snap, cut_m=cut_m)
