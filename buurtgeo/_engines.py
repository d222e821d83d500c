"""Distance engines of reach: straight line and street network, with the same operations.

An engine is built on the origins once (:func:`_engine`; over a network the origins
are snapped once) and then serves every kind of service:

* ``prepare(x, y)``: the services as :class:`_Points` (snapped too over a network);
* ``nearest(services)``: the distance from each origin to its nearest service;
* ``accumulate(...)``: counts, capacity and the two 2SFCA steps for a named decay, in
  the compiled passes of :mod:`buurtgeo._reach_kernels` (no origin-level pair is ever
  stored);
* ``pair_blocks(services, radius)``: ``(service, origin, d)`` pairs with ``d <= radius``
  in blocks of whole services, for a callable decay (the numpy path).

Without a network ``d_ij = |x_i - x_j|``; with one
``d_ij = offset(i) + D(node(i), node(j)) + offset(j)``.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
from scipy.spatial import cKDTree

from buurtgeo._reach_kernels import (
    _DECAY_CODES,
    _counting_sort,
    _grid_pass_access,
    _grid_pass_demand,
    _pass_access,
    _pass_demand,
)

# origin-level (origin, service) pairs handled at once: ~24 bytes each plus temporaries,
# so a block costs a few hundred MB at most.
_PAIR_BLOCK = 4_000_000
# services per bounded network search call, at most; fewer when the catchment holds many
# nodes, so that a block has about _NODE_PAIR_BLOCK (service, node) pairs
_SOURCE_BLOCK = 4096
_NODE_PAIR_BLOCK = 8_000_000


def _xy(frame: Any) -> tuple[np.ndarray, np.ndarray]:
    import shapely

    geom = np.asarray(frame.geometry.array)
    return (
        shapely.get_x(geom).astype(np.float64, copy=False),
        shapely.get_y(geom).astype(np.float64, copy=False),
    )


class _Points:
    """Services prepared for an engine (coordinates, and nodes/offsets on a network)."""

    __slots__ = ("x", "y", "node", "offset")

    def __init__(self, x, y, node=None, offset=None) -> None:
        self.x, self.y, self.node, self.offset = x, y, node, offset

    def take(self, idx: np.ndarray) -> _Points:
        return _Points(
            self.x[idx],
            self.y[idx],
            None if self.node is None else self.node[idx],
            None if self.offset is None else self.offset[idx],
        )

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
    """Shortest-path distances over a :class:`buurtgeo.Network` (origins snapped once)."""

    kind = "network"

    def __init__(self, network: Any, x: np.ndarray, y: np.ndarray) -> None:
        self.network = network
        self.n = len(x)
        if self.n:
            node, off = network.snap(x, y)
        else:
            node, off = np.zeros(0, np.int64), np.zeros(0)
        self.node = np.asarray(node, dtype=np.int64)
        self.offset = np.asarray(off, dtype=np.float64)
        # origins grouped by node, nearest first: origins of node k are
        # order[starts[k]:starts[k] + counts[k]], by increasing offset
        # (= np.lexsort((offset, node)), faster: a float sort then a stable radix sort)
        # (a float sort, then a stable counting sort by node: linear in the origins)
        by_offset = np.argsort(self.offset, kind="stable")
        self.counts = np.bincount(self.node, minlength=network.n_nodes)
        self.starts = np.cumsum(self.counts) - self.counts
        self.order = _counting_sort(by_offset, self.node, self.starts)
        self.offset_sorted = self.offset[self.order]

    def prepare(self, x: np.ndarray, y: np.ndarray) -> _Points:
        if len(x) == 0:
            return _Points(x, y, np.zeros(0, np.int64), np.zeros(0))
        node, off = self.network.snap(x, y)
        return _Points(x, y, np.asarray(node, np.int64), np.asarray(off, np.float64))

    def nearest(self, s: _Points) -> np.ndarray:
        if len(s) == 0 or self.n == 0:
            return np.full(self.n, np.inf)
        dist, _ = self.network.nearest(s.node, s.offset)
        return np.asarray(dist, dtype=np.float64)[self.node] + self.offset

    def _source_block(self, radius: float) -> int:
        """Services per search so that a block holds about _NODE_PAIR_BLOCK node pairs."""
        net = self.network
        area = max(float(np.ptp(net.node_x)) * float(np.ptp(net.node_y)), 1.0)
        per_source = max(net.n_nodes / area * math.pi * radius * radius, 1.0)
        return int(max(1, min(_SOURCE_BLOCK, _NODE_PAIR_BLOCK // per_source)))

    def node_pair_blocks(self, s: _Points, radius: float) -> Iterator[tuple[np.ndarray, ...]]:
        """Yield ``(service, node, d)`` with ``d = offset(service) + D <= radius``, whole services."""
        if len(s) == 0 or self.n == 0:
            return
        left = radius - s.offset  # what is left of the radius once at the service's node
        sources = np.flatnonzero(left >= 0)
        step = self._source_block(radius)
        for lo in range(0, len(sources), step):
            src = sources[lo : lo + step]
            si, nodes, dn = self._pairs(s.node[src], left[src])
            svc = src[np.asarray(si, dtype=np.int64)]
            d_node = np.asarray(dn, dtype=np.float64) + s.offset[svc]
            yield svc, np.asarray(nodes, dtype=np.int64), d_node

    def _pairs(self, nodes: np.ndarray, radius: np.ndarray) -> tuple[np.ndarray, ...]:
        """Network.pairs_within; the node order within a service does not matter here."""
        from buurtgeo.network import Network

        if isinstance(self.network, Network):
            return self.network.pairs_within(nodes, radius, sort=False)
        return self.network.pairs_within(nodes, radius)

    def pair_blocks(self, s: _Points, radius: float) -> Iterator[tuple[np.ndarray, ...]]:
        """Yield ``(service, origin, d)`` with ``d <= radius``; each block holds whole services."""
        for svc, nodes, d_node in self.node_pair_blocks(s, radius):
            per_pair = self.counts[nodes]
            # cut at service boundaries so every block holds all pairs of its services
            first = np.flatnonzero(np.r_[True, svc[1:] != svc[:-1]])
            per_service = np.add.reduceat(per_pair, first) if len(first) else per_pair[:0]
            for a, b in _blocks(per_service, _PAIR_BLOCK):
                p0 = first[a]
                p1 = first[b] if b < len(first) else len(svc)
                c = per_pair[p0:p1]
                origin = self.order[_expand(nodes[p0:p1], c, self.starts)]
                d = np.repeat(d_node[p0:p1], c) + self.offset[origin]
                keep = d <= radius
                yield np.repeat(svc[p0:p1], c)[keep], origin[keep], d[keep]

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
        """Counts, capacity and 2SFCA in two compiled passes over node-level pairs.

        No origin-level pair is ever stored: for each (service, node) pair the kernels walk
        the node's origins (nearest first) and stop at the radius.
        """
        ex = np.asarray(extras, dtype=np.float64)
        # per-origin sums in node order (position q = rank in self.order): the kernels
        # then read and write contiguous memory for each node
        sums = _Sums(self.n, len(s), len(ex))
        code = _DECAY_CODES[decay]
        pop = np.ascontiguousarray(np.asarray(population, dtype=np.float64)[self.order])
        supply = np.ascontiguousarray(supply, dtype=np.float64)
        for svc, nodes, d_node in self.node_pair_blocks(s, max([r, *extras])):
            args = (svc, nodes, d_node, self.starts, self.counts, self.offset_sorted)
            _pass_demand(*args, pop, supply, r, code, ex, *sums.step1())
            # demand of this block's services is complete: all their pairs were seen
            _pass_access(*args, r, code, sums.ratio(supply, has_cap), sums.access)
        return sums.in_input_order(self.order)


def _expand(nodes: np.ndarray, counts: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """Positions (into the node-sorted origin order) of every origin at each pair's node."""
    total = int(counts.sum())
    first = np.cumsum(counts) - counts
    return np.repeat(starts[nodes] - first, counts) + np.arange(total, dtype=np.int64)


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


def _engine(origins: Any, network: Any) -> _Euclid | _OnNetwork:
    x, y = _xy(origins)
    return _Euclid(x, y) if network is None else _OnNetwork(network, x, y)
