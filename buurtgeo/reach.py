"""Per-origin reach: nearest service, services and places within a catchment, 2SFCA/E2SFCA.

Stage 3 of the pipeline (``files -> tables -> reach per origin -> indicators per area``).
Everything here works on *origins* (points where children live, with a population
column; see :func:`buurtgeo.origins_from_sectors`) and *services* (points of one kind
with a capacity), in one projected metric CRS. Nothing is reprojected here.

Distances
---------
Without a network, the distance between an origin ``i`` and a service ``j`` is the
straight line ``d_ij = |x_i - x_j|`` (metres). With a :class:`buurtgeo.Network` it is
the shortest path over the streets, counting the straight-line snap offsets at both
ends, as pandana and osmnx do::

    d_ij = offset(i) + D(node(i), node(j)) + offset(j)

How it is computed
------------------
Origins and services are snapped to the network once per call (once per
:func:`reach_all` call for all kinds); shortest paths are computed from the service
nodes (one multi-source pass for the nearest service, one bounded search per service
for the catchment) at node level. Origins are sorted by node (nearest first within a
node), and two compiled passes (numba, cached on disk) walk the origins of each
(service, node) pair: the first sums the demand on each service, the second adds
``w R_j`` to each origin. Straight-line reach does the same over a bucket grid of
origins (cells of about R/2). No origin-level pair table is ever stored, services are
processed in blocks, so memory stays O(origins + one block of node pairs). A callable
decay takes an equivalent vectorised numpy path (``bincount`` over pair blocks).

Measures (per origin ``i``, catchment ``R`` metres, decay weight ``w(d)``)
------------------------------------------------------------------------
``dist_nearest_m``   ``min_j d_ij`` (``inf`` when no service can be reached; never capped)
``time_nearest_min`` ``dist_nearest_m / (1000 * speed_kmh / 60)``
``services_within``  ``#{j : d_ij <= R}``
``capacity_within``  ``sum_{j : d_ij <= R} S_j`` (services without capacity add nothing)
``fca2``             two-step floating catchment (Luo & Wang 2003; enhanced with a
                     distance decay as in Luo & Qi 2009 / Dai 2010)::

                        R_j = S_j / sum_{i : d_ij <= R} w(d_ij) P_i
                        A_i = sum_{j : d_ij <= R} w(d_ij) R_j

                     in places per person of the demand population ``P``.
``covered``          ``dist_nearest_m <= R``
"""

from __future__ import annotations

import functools
import math
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd
from numba import njit
from scipy.spatial import cKDTree

from buurtgeo import schema
from buurtgeo.errors import CRSError, InputError, MissingColumnError
from buurtgeo.options import get_option

__all__ = [
    "AGGREGATE_COLUMNS",
    "DECAYS",
    "decay_weights",
    "fca2_from_costs",
    "reach",
    "reach_all",
    "services_near",
    "aggregate_reach",
    "REACH_COLUMNS",
]

#: Columns of :func:`reach` (before the per-extra-catchment ones), in order.
REACH_COLUMNS: tuple[str, ...] = (
    "dist_nearest_m",
    "time_nearest_min",
    "services_within",
    "capacity_within",
    "fca2",
    "covered",
)

# origin-level (origin, service) pairs handled at once: ~24 bytes each plus temporaries,
# so a block costs a few hundred MB at most.
_PAIR_BLOCK = 4_000_000
# services per bounded network search call, at most; fewer when the catchment holds many
# nodes, so that a block has about _NODE_PAIR_BLOCK (service, node) pairs
_SOURCE_BLOCK = 4096
_NODE_PAIR_BLOCK = 8_000_000
# rows named in an error message
_SHOW = 5

# --------------------------------------------------------------------------------------
# Distance decay (a registry: a new decay is a function and a line)
# --------------------------------------------------------------------------------------

_GAUSS_FLOOR = math.exp(-0.5)


def _step(d: np.ndarray, r: float) -> np.ndarray:
    """w(d) = 1."""
    return np.ones_like(d)


def _linear(d: np.ndarray, r: float) -> np.ndarray:
    """w(d) = 1 - d / R."""
    return 1.0 - d / r


def _gaussian(d: np.ndarray, r: float) -> np.ndarray:
    """w(d) = (exp(-1/2 (d/R)^2) - exp(-1/2)) / (1 - exp(-1/2))."""
    return (np.exp(-0.5 * (d / r) ** 2) - _GAUSS_FLOOR) / (1.0 - _GAUSS_FLOOR)


#: Named distance decays, each ``f(d, R) -> w`` for ``0 <= d <= R`` (read-only).
DECAYS: Mapping[str, Callable[[np.ndarray, float], np.ndarray]] = MappingProxyType(
    {"step": _step, "linear": _linear, "gaussian": _gaussian}
)

Decay = str | Callable[[np.ndarray], np.ndarray]


def decay_weights(distance_m: Any, *, catchment_m: float, decay: Decay = "step") -> np.ndarray:
    """Weights of a distance decay, zero beyond the catchment.

    Parameters
    ----------
    distance_m : array-like of float
        Distances in metres.
    catchment_m : float
        Catchment radius ``R`` in metres (> 0).
    decay : {'step', 'linear', 'gaussian'} or callable
        ``'step'``: ``w = 1``; ``'linear'``: ``w = 1 - d/R``; ``'gaussian'`` (the
        E2SFCA Gaussian of Dai 2010, rescaled to reach 0 at the catchment edge):
        ``w = (exp(-1/2 (d/R)^2) - exp(-1/2)) / (1 - exp(-1/2))``; a callable maps an
        array of metres to an array of weights (>= 0, finite).

    Returns
    -------
    ndarray of float64
        ``w(d)`` where ``d <= R``, else 0 (dimensionless).
    """
    problems = _check_decay(decay) + _check_radius(catchment_m, "catchment_m")
    if problems:
        raise InputError("; ".join(problems))
    d = np.asarray(distance_m, dtype=np.float64)
    out = np.zeros_like(d)
    inside = d <= catchment_m
    out[inside] = _decay_function(decay, float(catchment_m))(d[inside])
    return out


def _decay_function(decay: Decay, r: float) -> Callable[[np.ndarray], np.ndarray]:
    if callable(decay):

        def user(d: np.ndarray) -> np.ndarray:
            w = np.asarray(decay(d), dtype=np.float64)
            if w.shape != d.shape:
                raise InputError(
                    "the decay function must return one weight per distance",
                    expected=f"an array of shape {d.shape}",
                    found=f"shape {w.shape}",
                )
            if not np.isfinite(w).all() or (w < 0).any():
                raise InputError(
                    "the decay function returned negative or non-finite weights",
                    expected="finite weights >= 0",
                    found=w[~(np.isfinite(w) & (w >= 0))][:_SHOW].tolist(),
                )
            return w

        return user
    base = DECAYS[decay]
    return lambda d: base(d, r)


def _check_decay(decay: Any) -> list[str]:
    if callable(decay) or (isinstance(decay, str) and decay in DECAYS):
        return []
    return [f"decay must be one of {sorted(DECAYS)} or a function of metres, got {decay!r}"]


def _check_radius(value: Any, name: str) -> list[str]:
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        return [f"{name} must be a number of metres, got {value!r}"]
    if not (math.isfinite(value) and value > 0):
        return [f"{name} must be a finite number of metres > 0, got {value!r}"]
    return []


# --------------------------------------------------------------------------------------
# Input checks (all problems collected, raised once)
# --------------------------------------------------------------------------------------


def _labels(index: pd.Index, mask: np.ndarray) -> str:
    bad = index[np.asarray(mask, dtype=bool)]
    shown = ", ".join(repr(v) for v in bad[:_SHOW].tolist())
    more = f" and {len(bad) - _SHOW} more" if len(bad) > _SHOW else ""
    return f"rows {shown}{more}"


def _check_points(frame: Any, role: str, problems: list[str]) -> bool:
    import geopandas as gpd
    import shapely

    if not isinstance(frame, gpd.GeoDataFrame):
        problems.append(f"{role} must be a GeoDataFrame of points, got {type(frame).__name__}")
        return False
    geom = np.asarray(frame.geometry.array)
    type_id = shapely.get_type_id(geom)  # -1 = missing, 0 = point: no strings per row
    missing = (type_id < 0) | shapely.is_empty(geom)
    if missing.any():
        problems.append(f"{role} {_labels(frame.index, missing)} have no geometry")
    wrong = ~missing & (type_id != 0)
    if wrong.any():
        kinds = sorted(set(frame.geometry.array[wrong].geom_type.tolist()))  # the few wrong
        problems.append(
            f"{role} must be points, but {_labels(frame.index, wrong)} are {', '.join(kinds)}"
            " (use .representative_point() or buurtgeo.origins_from_sectors)"
        )
    return not (missing.any() or wrong.any())


def _numeric(
    frame: pd.DataFrame,
    column: str,
    role: str,
    problems: list[str],
    missing: list[tuple[str, str, pd.DataFrame]],
    *,
    allow_nan: bool,
) -> np.ndarray | None:
    if column not in frame.columns:
        missing.append((column, role, frame))
        problems.append(
            f"{role} has no column {column!r} (columns found: "
            f"{', '.join(repr(str(c)) for c in frame.columns[:20])})"
        )
        return None
    raw = frame[column]
    values = pd.to_numeric(raw, errors="coerce")
    text = np.asarray(values.isna() & raw.notna())
    if text.any():
        problems.append(
            f"{role} column {column!r}: {_labels(frame.index, text)} are not numbers "
            f"(found {raw[text].head(_SHOW).tolist()})"
        )
    arr = values.to_numpy(dtype=np.float64, na_value=np.nan)
    nan = np.isnan(arr) & ~text
    if nan.any() and not allow_nan:
        problems.append(f"{role} column {column!r}: {_labels(frame.index, nan)} are empty")
    inf = np.isinf(arr)
    neg = (arr < 0) | inf
    if neg.any():
        problems.append(
            f"{role} column {column!r}: {_labels(frame.index, neg)} are negative or infinite "
            f"(expected a count >= 0; found {arr[neg][:_SHOW].tolist()})"
        )
    return arr


def _raise(problems: list[str], missing: list[tuple[str, str, pd.DataFrame]], what: str) -> None:
    if not problems:
        return
    if len(problems) == 1 and len(missing) == 1:
        column, role, frame = missing[0]
        raise MissingColumnError(column, found_columns=[str(c) for c in frame.columns], role=role)
    raise InputError(
        f"{what}: {len(problems)} problem(s) with the inputs: " + "; ".join(problems),
        hint="Fix them all and call again",
    )


def _check_crs(frames: list[Any], names: list[str], problems: list[str]) -> CRSError | None:
    try:
        schema.require_metric_crs(*frames, what=names)
    except CRSError as exc:
        problems.append(str(exc))
        return exc
    return None


def _xy(frame: Any) -> tuple[np.ndarray, np.ndarray]:
    import shapely

    geom = np.asarray(frame.geometry.array)
    return (
        shapely.get_x(geom).astype(np.float64, copy=False),
        shapely.get_y(geom).astype(np.float64, copy=False),
    )


# --------------------------------------------------------------------------------------
# Distance engines: straight line and network, with the same three operations
# --------------------------------------------------------------------------------------


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

    def step1(self) -> tuple[np.ndarray, ...]:
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


# --------------------------------------------------------------------------------------
# Compiled kernels (numba, cached on disk) for the network path with a named decay
# --------------------------------------------------------------------------------------

_DECAY_CODES: Mapping[str, int] = MappingProxyType({"step": 0, "linear": 1, "gaussian": 2})


@njit(cache=True, nogil=True, inline="always")
def _w(d: float, r: float, code: int) -> float:  # pragma: no cover - compiled
    # the formulas of _step, _linear and _gaussian above
    if code == 0:
        return 1.0
    if code == 1:
        return 1.0 - d / r
    return (math.exp(-0.5 * (d / r) ** 2) - _GAUSS_FLOOR) / (1.0 - _GAUSS_FLOOR)


@njit(cache=True, nogil=True, inline="always")
def _visit(
    i, j, d, r, code, extras, pop, supply, demand, within, cap_within, ex_within, ex_cap, used
):  # pragma: no cover - compiled
    """Step 1 for one (origin i, service j) pair at distance d <= max radius."""
    for e in range(extras.shape[0]):
        if d <= extras[e]:
            ex_within[e, i] += 1
            ex_cap[e, i] += supply[j]
    if d <= r:
        demand[j] += _w(d, r, code) * pop[i]
        within[i] += 1
        cap_within[i] += supply[j]
        used[j] = True


@njit(cache=True, nogil=True)
def _pass_demand(
    svc,
    nodes,
    d_node,
    starts,
    counts,
    offset,
    pop,
    supply,
    r,
    code,
    extras,
    demand,
    within,
    cap_within,
    ex_within,
    ex_cap,
    used,
):  # pragma: no cover - compiled
    """Step 1: demand per service; also counts and capacity within R (and extra radii)."""
    radius = r
    for e in range(extras.shape[0]):
        radius = max(radius, extras[e])
    for p in range(svc.shape[0]):
        j = svc[p]
        k = nodes[p]
        base = d_node[p]
        for i in range(starts[k], starts[k] + counts[k]):
            d = base + offset[i]
            if d > radius:
                break  # origins of a node come nearest first
            _visit(
                i,
                j,
                d,
                r,
                code,
                extras,
                pop,
                supply,
                demand,
                within,
                cap_within,
                ex_within,
                ex_cap,
                used,
            )


@njit(cache=True, nogil=True)
def _pass_access(
    svc, nodes, d_node, starts, counts, offset, r, code, ratio, access
):  # pragma: no cover - compiled
    """Step 2: A_i += w(d_ij) R_j."""
    for p in range(svc.shape[0]):
        j = svc[p]
        if ratio[j] == 0.0:
            continue
        k = nodes[p]
        base = d_node[p]
        for i in range(starts[k], starts[k] + counts[k]):
            d = base + offset[i]
            if d > r:
                break
            access[i] += _w(d, r, code) * ratio[j]


@njit(cache=True, nogil=True, inline="always")
def _cell_range(
    v: float, radius: float, v0: float, cs: float, n_cells: int
) -> tuple[int, int]:  # pragma: no cover - compiled
    pad = radius * (1.0 + 1e-12) + 1e-9  # never miss an origin to rounding
    lo = max(int(math.floor((v - pad - v0) / cs)), 0)
    hi = min(int(math.floor((v + pad - v0) / cs)), n_cells - 1)
    return lo, hi


@njit(cache=True, nogil=True)
def _grid_pass_demand(
    sx,
    sy,
    x0,
    y0,
    cs,
    ncx,
    ncy,
    starts,
    counts,
    ox,
    oy,
    pop,
    supply,
    r,
    code,
    extras,
    radius,
    demand,
    within,
    cap_within,
    ex_within,
    ex_cap,
    used,
    nearest,
):  # pragma: no cover - compiled
    """Straight-line step 1 (see _pass_demand), scanning rows of grid cells; also the
    nearest distance of every origin with a service within the radius."""
    for j in range(sx.shape[0]):
        gx0, gx1 = _cell_range(sx[j], radius, x0, cs, ncx)
        gy0, gy1 = _cell_range(sy[j], radius, y0, cs, ncy)
        if gx1 < gx0:
            continue
        for gy in range(gy0, gy1 + 1):
            c0 = gy * ncx + gx0
            c1 = gy * ncx + gx1
            for i in range(starts[c0], starts[c1] + counts[c1]):
                dx = ox[i] - sx[j]
                dy = oy[i] - sy[j]
                d = math.sqrt(dx * dx + dy * dy)
                if d > radius:
                    continue
                if d < nearest[i]:
                    nearest[i] = d
                _visit(
                    i,
                    j,
                    d,
                    r,
                    code,
                    extras,
                    pop,
                    supply,
                    demand,
                    within,
                    cap_within,
                    ex_within,
                    ex_cap,
                    used,
                )


@njit(cache=True, nogil=True)
def _grid_pass_access(
    sx, sy, x0, y0, cs, ncx, ncy, starts, counts, ox, oy, r, code, ratio, access
):  # pragma: no cover - compiled
    """Straight-line step 2: A_i += w(d_ij) R_j."""
    for j in range(sx.shape[0]):
        if ratio[j] == 0.0:
            continue
        gx0, gx1 = _cell_range(sx[j], r, x0, cs, ncx)
        gy0, gy1 = _cell_range(sy[j], r, y0, cs, ncy)
        if gx1 < gx0:
            continue
        for gy in range(gy0, gy1 + 1):
            c0 = gy * ncx + gx0
            c1 = gy * ncx + gx1
            for i in range(starts[c0], starts[c1] + counts[c1]):
                dx = ox[i] - sx[j]
                dy = oy[i] - sy[j]
                d = math.sqrt(dx * dx + dy * dy)
                if d <= r:
                    access[i] += _w(d, r, code) * ratio[j]


@njit(cache=True, nogil=True)
def _counting_sort(items, key, starts):  # pragma: no cover - compiled
    """``items`` stably reordered by ``key[items]``; ``starts[k]`` = first slot of key k."""
    fill = starts.copy()
    out = np.empty(items.shape[0], dtype=np.int64)
    for q in range(items.shape[0]):
        i = items[q]
        k = key[i]
        out[fill[k]] = i
        fill[k] += 1
    return out


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


# --------------------------------------------------------------------------------------
# The computation, on arrays
# --------------------------------------------------------------------------------------


def _radius_tag(r: float) -> str:
    return f"{int(r)}m" if float(r).is_integer() else f"{r:g}m".replace(".", "_")


def _compute(
    engine: _Euclid | _OnNetwork,
    services: _Points,
    population: np.ndarray,
    capacity: np.ndarray,
    *,
    catchment_m: float,
    decay: Decay,
    speed_kmh: float,
    extra_catchments_m: Sequence[float],
    outside_area: np.ndarray | None,
) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    n, n_s = engine.n, len(services)
    r = float(catchment_m)
    extras = [float(e) for e in extra_catchments_m]
    weight = _decay_function(decay, r)
    has_cap = ~np.isnan(capacity)
    supply = np.where(has_cap, capacity, 0.0)

    within = np.zeros(n, dtype=np.int64)
    cap_within = np.zeros(n)
    access = np.zeros(n)
    extra_within = {e: np.zeros(n, dtype=np.int64) for e in extras}
    extra_cap = {e: np.zeros(n) for e in extras}
    used = np.zeros(n_s, dtype=bool)
    demand = np.zeros(n_s)

    radius = max([r, *extras])
    if isinstance(decay, str):  # compiled kernels; a callable decay takes the numpy path
        within, cap_within, access, ex_w, ex_c, used, demand = engine.accumulate(
            services, population, supply, has_cap, r, decay, extras
        )
        extra_within = {e: ex_w[k] for k, e in enumerate(extras)}
        extra_cap = {e: ex_c[k] for k, e in enumerate(extras)}
        blocks: Iterator[tuple[np.ndarray, ...]] = iter(())
        if isinstance(engine, _Euclid):
            dist = engine.nearest(services, known=engine.near_within)
        else:
            dist = engine.nearest(services)
    else:
        dist = engine.nearest(services)
        blocks = engine.pair_blocks(services, radius)
    for svc, origin, d in blocks:
        for e in extras:
            m = d <= e
            extra_within[e] += np.bincount(origin[m], minlength=n)
            extra_cap[e] += np.bincount(origin[m], weights=supply[svc[m]], minlength=n)
        if radius > r:
            m = d <= r
            svc, origin, d = svc[m], origin[m], d[m]
        if len(d) == 0:
            continue
        within += np.bincount(origin, minlength=n)
        cap_within += np.bincount(origin, weights=supply[svc], minlength=n)
        used[svc] = True
        w = weight(d)
        # step 1: demand on each service (whole services per block, so this is complete)
        dem = np.bincount(svc, weights=w * population[origin], minlength=n_s)
        demand += dem
        ratio = np.divide(supply, dem, out=np.zeros(n_s), where=(dem > 0) & has_cap)
        # step 2: sum of the ratios each origin reaches
        access += np.bincount(origin, weights=w * ratio[svc], minlength=n)

    no_capacity = n_s > 0 and not has_cap.any()
    if no_capacity:  # nothing known about places: say so rather than report zero
        cap_within[:] = np.nan
        access[:] = np.nan
        for e in extras:
            extra_cap[e][:] = np.nan
    metres_per_min = speed_kmh * 1000.0 / 60.0
    cols: dict[str, np.ndarray] = {
        "dist_nearest_m": dist,
        "time_nearest_min": dist / metres_per_min,
        "services_within": within,
        "capacity_within": cap_within,
        "fca2": access,
        "covered": dist <= r,
    }
    for e in extras:
        tag = _radius_tag(e)
        cols[f"services_within_{tag}"] = extra_within[e]
        cols[f"capacity_within_{tag}"] = extra_cap[e]
    info: dict[str, Any] = {
        "distance": engine.kind,
        "catchment_m": r,
        "decay": decay if isinstance(decay, str) else getattr(decay, "__name__", "callable"),
        "speed_kmh": float(speed_kmh),
        "services": int(n_s),
        "services_used": int(used.sum()),
        "services_without_capacity": int((~has_cap).sum()),
        "services_without_demand": int((has_cap & (demand <= 0)).sum()),
    }
    if outside_area is not None:
        info["services_outside_area"] = int(outside_area.sum())
        info["services_outside_area_used"] = int((outside_area & used).sum())
    return cols, info


def _speed(speed_kmh: float | None, network: Any) -> float:
    if speed_kmh is not None:
        return float(speed_kmh)
    if network is not None and getattr(network, "mode", "walk") == "bike":
        return float(get_option("bike_speed_kmh"))
    return float(get_option("walk_speed_kmh"))


def _check_network(network: Any, problems: list[str]) -> None:
    """A network (None = straight lines) must do what the network engine asks of it."""
    if network is None:
        return
    for attr in ("snap", "nearest", "pairs_within", "crs", "n_nodes"):
        if not hasattr(network, attr):
            problems.append(
                f"network must be a buurtgeo.Network (from buurtgeo.read_network), "
                f"got {type(network).__name__} without {attr!r}"
            )
            return


def _check_common(
    origins: Any,
    services: Any,
    network: Any,
    speed_kmh: Any,
    extra_catchments_m: Any,
    decay: Any,
    problems: list[str],
) -> CRSError | None:
    ok_o = _check_points(origins, "origins", problems)
    ok_s = _check_points(services, "services", problems)
    problems += _check_decay(decay)
    if speed_kmh is not None:
        problems += _check_radius(speed_kmh, "speed_kmh")
    try:
        extras = list(extra_catchments_m)
    except TypeError:
        problems.append(
            f"extra_catchments_m must be a sequence of metres, got {extra_catchments_m!r}"
        )
    else:
        for e in extras:
            problems += _check_radius(e, "each of extra_catchments_m")
    _check_network(network, problems)
    if ok_o and ok_s:
        frames, names = [origins, services], ["origins", "services"]
        if network is not None and hasattr(network, "crs"):
            frames.append(network)
            names.append("network")
        return _check_crs(frames, names, problems)
    return None


def _outside(services: pd.DataFrame) -> np.ndarray | None:
    if "outside_area" not in services.columns:
        return None
    return services["outside_area"].fillna(False).to_numpy(dtype=bool)


# --------------------------------------------------------------------------------------
# Public functions
# --------------------------------------------------------------------------------------


def reach(
    origins: Any,
    services: Any,
    network: Any = None,
    catchment_m: float = 1000.0,
    decay: Decay = "step",
    *,
    population: str = "population",
    capacity: str = "capacity",
    speed_kmh: float | None = None,
    extra_catchments_m: Sequence[float] = (),
) -> pd.DataFrame:
    """Reach of one kind of service from every origin: nearest, within a catchment, 2SFCA.

    Parameters
    ----------
    origins : GeoDataFrame
        Points where people live, with a ``population`` column (persons, >= 0; for a
        service kind use its target group, e.g. ``children_0_2``). Any index.
    services : GeoDataFrame
        Points of ONE kind (a ``service_kind`` column, when present, must hold one
        value) with a ``capacity`` column (places, >= 0; NaN = unknown, see Notes).
        A boolean ``outside_area`` column (from :func:`services_near`) is reported on.
    network : buurtgeo.Network, optional
        Street network; None (default) measures straight lines.
    catchment_m : float, default 1000
        Catchment radius ``R`` in metres (pairs with ``d <= R`` count).
    decay : {'step', 'linear', 'gaussian'} or callable, default 'step'
        Distance decay ``w(d)`` applied in both steps of the 2SFCA, to pairs with
        ``d <= R`` only: ``'step'`` ``w = 1`` (classic 2SFCA); ``'linear'``
        ``w = 1 - d/R``; ``'gaussian'`` ``w = (exp(-1/2 (d/R)^2) - exp(-1/2)) /
        (1 - exp(-1/2))`` (E2SFCA Gaussian of Dai 2010, 1 at the service, 0 at R); or a
        function mapping an array of metres to weights (>= 0).
    population : str, default 'population'
        Demand column of ``origins``.
    capacity : str, default 'capacity'
        Supply column of ``services``.
    speed_kmh : float, optional
        Speed for ``time_nearest_min`` in km/h. Default: the ``bike_speed_kmh`` option
        when ``network.mode == 'bike'``, else the ``walk_speed_kmh`` option (4.8 km/h).
    extra_catchments_m : sequence of float, default ()
        More radii (metres) for which ``services_within_{r}m`` and
        ``capacity_within_{r}m`` are added (e.g. ``(500, 2000)``).

    Returns
    -------
    DataFrame on ``origins.index``
        ``dist_nearest_m`` (float, metres; ``inf`` where no service can be reached),
        ``time_nearest_min`` (float, minutes ``= dist_nearest_m / (1000 speed_kmh / 60)``),
        ``services_within`` (int, services with ``d <= R``), ``capacity_within`` (float,
        places, ``sum S_j`` over ``d <= R``), ``fca2`` (float, places per person),
        ``covered`` (bool, ``dist_nearest_m <= R``), then ``services_within_{r}m`` and
        ``capacity_within_{r}m`` for each extra radius. ``attrs`` records the distance
        kind, catchment, decay, speed and service counts (``services_used``: with an
        origin within R; ``services_without_capacity``; ``services_without_demand``;
        ``services_outside_area_used`` when ``services`` has ``outside_area``).

    Notes
    -----
    2SFCA / E2SFCA (Luo & Wang 2003; Luo & Qi 2009), with ``P_i`` the population of
    origin ``i``, ``S_j`` the capacity of service ``j`` and ``d_ij`` the distance::

        R_j = S_j / sum_{i : d_ij <= R} w(d_ij) P_i        (places per person, at j)
        A_i = sum_{j : d_ij <= R} w(d_ij) R_j              (fca2 of origin i)

    When every service has demand in reach, ``sum_i P_i A_i = sum_j S_j``.
    A service with NaN capacity counts in ``services_within`` and ``dist_nearest_m``
    but adds nothing to ``capacity_within`` or ``fca2`` (its places are unknown); when
    no service has a capacity, ``capacity_within`` and ``fca2`` are NaN. A service with
    no demand in reach (``sum w P = 0``) adds nothing to ``fca2``.

    Network distance: ``d_ij = offset(i) + D(node(i), node(j)) + offset(j)`` (snap
    offsets count). Inputs must share one projected CRS in metres (the network's too);
    nothing is reprojected.

    Examples
    --------
    >>> res = bg.reach(origins, services[services.service_kind == "childcare_baby"],
    ...                network=net, catchment_m=1000, decay="gaussian",
    ...                population="children_0_2")  # doctest: +SKIP
    """
    problems: list[str] = []
    missing: list[tuple[str, str, pd.DataFrame]] = []
    problems += _check_radius(catchment_m, "catchment_m")
    crs_error = _check_common(
        origins, services, network, speed_kmh, extra_catchments_m, decay, problems
    )
    pop = cap = None
    if isinstance(origins, pd.DataFrame):
        pop = _numeric(origins, population, "origins", problems, missing, allow_nan=False)
    if isinstance(services, pd.DataFrame):
        cap = _numeric(services, capacity, "services", problems, missing, allow_nan=True)
        if "service_kind" in services.columns:
            kinds = services["service_kind"].dropna().unique().tolist()
            if len(kinds) > 1:
                problems.append(
                    f"services must be of ONE kind, found {sorted(map(str, kinds))} "
                    "(use buurtgeo.reach_all for several kinds, or select one)"
                )
    if crs_error is not None and problems == [str(crs_error)]:
        raise crs_error
    _raise(problems, missing, "reach")
    assert pop is not None and cap is not None

    engine = _engine(origins, network)
    svc = engine.prepare(*_xy(services))
    cols, info = _compute(
        engine,
        svc,
        pop,
        cap,
        catchment_m=catchment_m,
        decay=decay,
        speed_kmh=_speed(speed_kmh, network),
        extra_catchments_m=tuple(extra_catchments_m),
        outside_area=_outside(services),
    )
    out = pd.DataFrame(cols, index=origins.index)
    info["population"] = population
    out.attrs.update(info)
    return out


def _target_column(
    origins: pd.DataFrame, kind: str, targets: Mapping[str, Any] | None
) -> tuple[list[str], str]:
    if targets is not None and kind in targets:
        spec = targets[kind]
        cols = [spec] if isinstance(spec, str) else list(spec)
    else:
        cols = list(schema.get_service_kind(kind).target)
    return cols, "+".join(cols)


def reach_all(
    origins: Any,
    services: Any,
    network: Any = None,
    *,
    catchments: float | Mapping[str, float] | None = None,
    decay: Decay = "step",
    targets: Mapping[str, str | Sequence[str]] | None = None,
    kinds: Sequence[str] | None = None,
    capacity: str = "capacity",
    speed_kmh: float | None = None,
    extra_catchments_m: Sequence[float] = (),
) -> pd.DataFrame:
    """Reach of several service kinds at once, snapping origins and services only once.

    For each kind ``k`` this computes exactly what :func:`reach` computes with the
    services of kind ``k``, catchment ``R_k`` and demand ``P_i^k`` = the kind's target
    population (the sum of its ``target`` age-band columns on the origins, e.g.
    ``children_3_5 + children_6_11`` for out-of-school care)::

        R_j = S_j / sum_{i : d_ij <= R_k} w(d_ij) P_i^k ;   A_i^k = sum_{j : d_ij <= R_k} w(d_ij) R_j

    Parameters
    ----------
    origins : GeoDataFrame
        Points with the target-population columns of every kind computed (persons).
    services : GeoDataFrame
        Points with ``service_kind`` and ``capacity`` (places; NaN = unknown) columns.
    network : buurtgeo.Network, optional
        Street network; None measures straight lines.
    catchments : float or mapping kind -> float, optional
        Catchment radius per kind in metres; a number applies to every kind. Default:
        each kind's ``catchment_m`` from :func:`buurtgeo.service_kinds`.
    decay : {'step', 'linear', 'gaussian'} or callable, default 'step'
        See :func:`reach`.
    targets : mapping kind -> column or list of columns, optional
        Demand columns per kind (summed), overriding the vocabulary's ``target``.
    kinds : sequence of str, optional
        Kinds to compute; default: every kind present in ``services`` (vocabulary order).
    capacity : str, default 'capacity'
        Supply column.
    speed_kmh : float, optional
        See :func:`reach`.
    extra_catchments_m : sequence of float, default ()
        See :func:`reach`.

    Returns
    -------
    DataFrame on ``origins.index``
        Wide: for each kind, the :func:`reach` columns suffixed ``__<kind>``, e.g.
        ``dist_nearest_m__childcare_baby``, ``fca2__library``. ``attrs["kinds"]`` holds
        per kind the settings and counts that :func:`reach` puts in its ``attrs``.
    """
    problems: list[str] = []
    missing: list[tuple[str, str, pd.DataFrame]] = []
    crs_error = _check_common(
        origins, services, network, speed_kmh, extra_catchments_m, decay, problems
    )
    if isinstance(catchments, Mapping):
        for k, v in catchments.items():
            problems += _check_radius(v, f"catchments[{k!r}]")
    elif catchments is not None:
        problems += _check_radius(catchments, "catchments")
    cap = None
    wanted: list[str] = []
    if isinstance(services, pd.DataFrame):
        cap = _numeric(services, capacity, "services", problems, missing, allow_nan=True)
        if "service_kind" not in services.columns:
            missing.append(("service_kind", "services", services))
            problems.append("services has no column 'service_kind'")
        else:
            present = set(services["service_kind"].dropna().astype(str))
            if services["service_kind"].isna().any():
                problems.append(
                    f"services {_labels(services.index, services['service_kind'].isna().to_numpy())}"
                    " have no service_kind"
                )
            vocab = list(schema.service_kinds())
            if kinds is None:
                wanted = [k for k in vocab if k in present] + sorted(present - set(vocab))
            else:
                wanted = list(kinds)
            for k in wanted:
                if k not in vocab and not (targets and k in targets):
                    problems.append(
                        f"unknown service kind {k!r}: give its demand in targets= "
                        f"(known kinds: {', '.join(vocab)})"
                    )
                elif k not in vocab and not (
                    isinstance(catchments, int | float)
                    or (isinstance(catchments, Mapping) and k in catchments)
                ):
                    problems.append(
                        f"service kind {k!r} is not in the vocabulary: give its catchment in catchments="
                    )
    demand: dict[str, np.ndarray] = {}
    if isinstance(origins, pd.DataFrame):
        for k in wanted:
            try:
                cols, _ = _target_column(origins, k, targets)
            except InputError:
                continue
            total = None
            for c in cols:
                arr = _numeric(origins, c, "origins", problems, missing, allow_nan=False)
                if arr is not None and c not in [m[0] for m in missing]:
                    total = arr.copy() if total is None else total + arr
            if total is not None:
                demand[k] = total
    # the same column missing for several kinds is one problem
    problems = list(dict.fromkeys(problems))
    missing = list({(m[0], m[1]): m for m in missing}.values())
    if crs_error is not None and problems == [str(crs_error)]:
        raise crs_error
    _raise(problems, missing, "reach_all")
    assert cap is not None

    engine = _engine(origins, network)
    all_svc = engine.prepare(*_xy(services))
    kind_col = services["service_kind"].astype(str).to_numpy()
    outside = _outside(services)
    speed = _speed(speed_kmh, network)
    frames = {}
    info_all: dict[str, Any] = {}
    for k in wanted:
        idx = np.flatnonzero(kind_col == k)
        if isinstance(catchments, Mapping) and k in catchments:
            r = float(catchments[k])
        elif catchments is not None and not isinstance(catchments, Mapping):
            r = float(catchments)
        else:
            r = float(schema.get_service_kind(k).catchment_m)
        cols, info = _compute(
            engine,
            all_svc.take(idx),
            demand[k],
            cap[idx],
            catchment_m=r,
            decay=decay,
            speed_kmh=speed,
            extra_catchments_m=tuple(extra_catchments_m),
            outside_area=None if outside is None else outside[idx],
        )
        info["population"] = _target_column(origins, k, targets)[1]
        info_all[k] = info
        for name, values in cols.items():
            frames[f"{name}__{k}"] = values
    out = pd.DataFrame(frames, index=origins.index)
    out.attrs["kinds"] = info_all
    out.attrs["distance"] = engine.kind
    return out


def services_near(services: Any, area: Any, *, catchment_m: float) -> Any:
    """Services within ``catchment_m`` (straight line) of a study area, across its border too.

    Families near a municipal border use services on the other side: select services
    with this before :func:`reach`, so that they count. A network distance is never
    shorter than the straight line, so no service that can be reached within
    ``catchment_m`` over the network is left out.

    Parameters
    ----------
    services : GeoDataFrame
        Service points (metric CRS).
    area : GeoDataFrame, GeoSeries or shapely geometry
        The study area (all its polygons, dissolved); a bare geometry is taken to be in
        the services' CRS.
    catchment_m : float
        Largest catchment radius you will use, metres (> 0).

    Returns
    -------
    GeoDataFrame
        The services whose straight-line distance to the area is <= ``catchment_m``,
        in input order, with a boolean ``outside_area`` column (True: not inside or on
        the boundary of the area). :func:`reach` reports how many of these it used in
        ``attrs["services_outside_area_used"]``.
    """
    import geopandas as gpd
    import shapely

    problems = _check_radius(catchment_m, "catchment_m")
    crs_error = None
    if not isinstance(services, gpd.GeoDataFrame):
        problems.append(f"services must be a GeoDataFrame, got {type(services).__name__}")
    if isinstance(area, gpd.GeoDataFrame | gpd.GeoSeries):
        geoms = np.asarray(
            area.geometry.array if isinstance(area, gpd.GeoDataFrame) else area.array
        )
        if isinstance(services, gpd.GeoDataFrame):
            crs_error = _check_crs([services, area], ["services", "area"], problems)
    elif isinstance(area, shapely.Geometry):
        geoms = np.asarray([area])
        if isinstance(services, gpd.GeoDataFrame):
            crs_error = _check_crs([services], ["services"], problems)
    else:
        geoms = None
        problems.append(
            f"area must be a GeoDataFrame, GeoSeries or shapely geometry, got {type(area).__name__}"
        )
    if geoms is not None and (len(geoms) == 0 or shapely.union_all(geoms).is_empty):
        problems.append("area is empty")
    if crs_error is not None and problems == [str(crs_error)]:
        raise crs_error
    _raise(problems, [], "services_near")
    region = shapely.union_all(geoms)
    shapely.prepare(region)
    pts = np.asarray(services.geometry.array)
    near = np.asarray(shapely.dwithin(pts, region, float(catchment_m)), dtype=bool)
    out = services.loc[near].copy()
    out["outside_area"] = ~np.asarray(shapely.intersects(pts[near], region), dtype=bool)
    out.attrs["services_near"] = {
        "catchment_m": float(catchment_m),
        "services_in": int(len(services)),
        "kept": int(near.sum()),
        "outside_area": int(out["outside_area"].sum()),
    }
    return out


def _ids_of(frame: pd.DataFrame, column: str) -> pd.Index:
    """Ids of a demand/supply table: its ``column`` when it has one, else its index."""
    if column in frame.columns:
        return pd.Index(frame[column])
    return frame.index


def _factorize_on(ids: pd.Index, values: pd.Series) -> np.ndarray:
    """Position of each value in ``ids`` (unique), -1 where absent.

    Whole-number ids spanning a range not much longer than their count (row numbers,
    sector codes) go through a lookup table, a few times faster than hashing."""
    v = values.to_numpy()
    if (
        len(ids)
        and len(v)
        and ids.dtype.kind in "iu"
        and v.dtype.kind in "iu"
        and ids.dtype.itemsize <= 8
    ):
        lo, hi = int(ids.min()), int(ids.max())
        if hi - lo < 4 * len(ids) + 1024:
            table = np.full(hi - lo + 1, -1, dtype=np.int64)
            table[ids.to_numpy().astype(np.int64) - lo] = np.arange(len(ids), dtype=np.int64)
            return _lookup(v.astype(np.int64, copy=False), table, lo)
    return np.asarray(ids.get_indexer(values), dtype=np.int64)


def _finite_nonnegative(frame: pd.DataFrame, column: str) -> np.ndarray | None:
    """The column as float64 when it is a plain numpy number column with every value
    finite and >= 0 (one compiled pass, no copy for float64); else None."""
    if column not in frame.columns:
        return None
    col = frame[column]
    if not isinstance(col.dtype, np.dtype) or col.dtype.kind not in "fiu":
        return None
    arr = np.ascontiguousarray(col.to_numpy(dtype=np.float64))
    return arr if _all_finite_nonnegative(arr) else None


@njit(cache=True, nogil=True)
def _all_finite_nonnegative(a):  # pragma: no cover - compiled
    ok = True
    for k in range(a.shape[0]):  # no early exit: the loop is vectorised
        ok &= (a[k] >= 0.0) & (a[k] < np.inf)
    return ok


@njit(cache=True, nogil=True)
def _lookup(v, table, lo):  # pragma: no cover - compiled
    """``table[v - lo]``, -1 outside the table."""
    out = np.empty(v.shape[0], dtype=np.int64)
    n = table.shape[0]
    for k in range(v.shape[0]):
        q = v[k] - lo
        out[k] = table[q] if 0 <= q < n else -1
    return out


_HASH_MUL = np.uint64(0x9E3779B97F4A7C15)  # Fibonacci hashing: 2**64 / golden ratio
#: Cost tables from this many rows check for repeated pairs on a second thread.
_OVERLAP_ROWS = 50_000


@functools.cache
def _second_thread() -> Any:
    """One worker thread kept for the process (a new thread per call costs more than
    the work it takes over on a city-sized table)."""
    from concurrent.futures import ThreadPoolExecutor

    return ThreadPoolExecutor(max_workers=1, thread_name_prefix="buurtgeo")


# a forked child inherits the executor but not its thread: it must make its own
os.register_at_fork(after_in_child=_second_thread.cache_clear)


def _repeat_beside(i: np.ndarray, j: np.ndarray, n_s: int, by_i: bool, by_j: bool) -> Any:
    """Start :func:`_od_repeat` on the second thread; None when no thread can be had
    (e.g. during interpreter shutdown, when executors refuse new work)."""
    try:
        return _second_thread().submit(_od_repeat, i, j, n_s, by_i, by_j)
    except RuntimeError:
        return None


@njit(cache=True, nogil=True)
def _od_check(i, j, c, n_o, n_s):  # pragma: no cover - compiled
    """Whether every row names an origin in ``0..n_o-1`` and a destination in
    ``0..n_s-1`` and has a cost that is a finite number >= 0; and whether ``i`` and
    ``j`` are grouped (non-decreasing). One pass with no early exit, vectorised."""
    ok = by_i = by_j = True
    for k in range(i.shape[0]):
        a, b, x = i[k], j[k], c[k]
        ok &= (a >= 0) & (a < n_o) & (b >= 0) & (b < n_s) & (x >= 0.0) & (x < np.inf)
    for k in range(1, i.shape[0]):
        by_i &= i[k] >= i[k - 1]
        by_j &= j[k] >= j[k - 1]
    return ok, by_i, by_j


@njit(cache=True, nogil=True, inline="always")
def _hash_run(keys, lo, hi, slot_key, slot_of, tag, bits):  # pragma: no cover - compiled
    """Position in ``lo..hi`` of the first key repeating an earlier one there, or -1.
    An open-addressing set that stays in cache; slots of other runs have another tag."""
    mask = (1 << bits) - 1
    shift = np.uint64(64 - bits)
    for q in range(lo, hi):
        a = np.int64(keys[q])
        h = np.int64((np.uint64(a) * _HASH_MUL) >> shift)
        while slot_of[h] == tag:
            if slot_key[h] == a:
                return q
            h = (h + 1) & mask
        slot_of[h] = tag
        slot_key[h] = a
    return -1


@njit(cache=True, nogil=True)
def _od_repeat(i, j, n_s, by_i, by_j):  # pragma: no cover - compiled
    """The (origin, destination) codes of a pair given more than once, or (-1, -1).

    Tables grouped by origin (what routing engines write) need one pass with a stamp
    per destination; others are put in buckets per destination (a counting sort,
    skipped when grouped by destination) and each bucket's origins go through a small
    hash set. No sort."""
    n = i.shape[0]
    if by_i:
        stamp = np.full(n_s, -1, dtype=np.int64)
        for k in range(n):
            if stamp[j[k]] == i[k]:
                return np.int64(i[k]), np.int64(j[k])
            stamp[j[k]] = i[k]
        return -1, -1
    start = np.zeros(n_s + 1, dtype=np.int64)
    for k in range(n):
        start[j[k] + 1] += 1
    biggest = 0
    for b in range(n_s):
        biggest = max(biggest, start[b + 1])
        start[b + 1] += start[b]
    if by_j:
        keys = i
    else:
        keys = np.empty(n, dtype=i.dtype)
        fill = start[:-1].copy()
        for k in range(n):
            keys[fill[j[k]]] = i[k]
            fill[j[k]] += 1
    bits = 4
    while (1 << bits) < 2 * biggest:
        bits += 1
    slot_key = np.empty(1 << bits, dtype=np.int64)
    slot_of = np.full(1 << bits, -1, dtype=np.int64)
    for b in range(n_s):
        q = _hash_run(keys, start[b], start[b + 1], slot_key, slot_of, b, bits)
        if q >= 0:
            return np.int64(keys[q]), np.int64(b)
    return -1, -1


@njit(cache=True, nogil=True)
def _od_two_step(i, j, c, w, pop, supply, has_cap, r, code, n_o):  # pragma: no cover
    """2SFCA over a checked long table: pairs with c <= r; weight ``_w(c, r, code)``,
    or ``w[k]`` for a callable decay (code -1). Returns access, demand per service,
    pairs within, services with a pair within.

    Each step gathers (or scatters) the origins' values in a loop of its own, which
    keeps many independent memory accesses in flight; the sums per destination run
    over the table's runs of equal destinations."""
    n, n_s = i.shape[0], supply.shape[0]
    row = np.empty(n)
    for k in range(n):
        row[k] = pop[i[k]]
    demand = np.zeros(n_s)
    used = np.zeros(n_s, dtype=np.bool_)
    n_in = 0
    run, total = np.int64(j[0]) if n else np.int64(0), 0.0
    for k in range(n):
        if j[k] != run:
            demand[run] += total
            run, total = np.int64(j[k]), 0.0
        if c[k] <= r:
            total += (w[k] if code < 0 else _w(c[k], r, code)) * row[k]
            used[run] = True
            n_in += 1
    if n:
        demand[run] += total
    ratio = np.zeros(n_s)
    for b in range(n_s):
        if demand[b] > 0 and has_cap[b]:
            ratio[b] = supply[b] / demand[b]
    for k in range(n):
        rb = ratio[j[k]]
        row[k] = (w[k] if code < 0 else _w(c[k], r, code)) * rb if c[k] <= r and rb else 0.0
    access = np.zeros(n_o)
    for k in range(n):
        access[i[k]] += row[k]
    return access, demand, n_in, used


def _identity_ids(ids: pd.Index) -> bool:
    """Whether ``ids`` are the row numbers 0..n-1 in order (then an id is its position)."""
    if isinstance(ids, pd.RangeIndex):
        return ids.start == 0 and ids.step == 1
    n = len(ids)
    return bool(
        ids.dtype.kind in "iu"
        and (n == 0 or (ids[0] == 0 and ids[-1] == n - 1))
        and ids.is_monotonic_increasing
        and ids.is_unique
    )


def _plain_inputs(
    costs: pd.DataFrame,
    demand: pd.DataFrame,
    supply: pd.DataFrame,
    names: tuple[str, str, str, str, str],
) -> tuple[np.ndarray, ...] | None:
    """The arrays of :func:`fca2_from_costs` without checks row by row, when every
    input has the plain form (columns present, numbers, unique ids); else None.

    Ids become positions: as they are when the ids are 0..n-1, by a lookup otherwise
    (an unknown id becomes -1). The compiled pass checks ids and costs row by row and
    hands any row it refuses to :func:`_checked_inputs` to be named."""
    origin, destination, cost, population, capacity = names
    if not {origin, destination, cost} <= set(costs.columns):
        return None
    c_col = costs[cost]
    if not isinstance(c_col.dtype, np.dtype) or c_col.dtype.kind not in "fiu":
        return None
    pop = _finite_nonnegative(demand, population)
    if pop is None or capacity not in supply.columns:
        return None
    cap_col = supply[capacity]
    if not isinstance(cap_col.dtype, np.dtype) or cap_col.dtype.kind not in "fiu":
        return None
    cap = cap_col.to_numpy(dtype=np.float64)
    if ((cap < 0) | np.isinf(cap)).any():
        return None
    codes = []
    for col, table in ((origin, demand), (destination, supply)):
        ids, values = _ids_of(table, col), costs[col]
        if not isinstance(values.dtype, np.dtype):
            return None
        if _identity_ids(ids) and (
            values.dtype.kind == "i" or (values.dtype.kind == "u" and values.dtype.itemsize < 8)
        ):
            # a copy: the compiled passes index with these after checking them, so
            # nobody else may change them in between (uint64 mixes badly with int64)
            codes.append(values.to_numpy(copy=True))
        elif ids.is_unique:
            codes.append(_factorize_on(ids, values))
        else:
            return None
    c = c_col.to_numpy(dtype=np.float64)
    return codes[0], codes[1], c, pop, cap


def _checked_inputs(
    costs: pd.DataFrame,
    demand: pd.DataFrame,
    supply: pd.DataFrame,
    names: tuple[str, str, str, str, str],
    problems: list[str],
    missing: list[tuple[str, str, pd.DataFrame]],
) -> tuple[np.ndarray, ...]:
    """The arrays of :func:`fca2_from_costs`, every row checked: raises one error that
    names every problem, those in ``problems`` / ``missing`` included."""
    origin, destination, cost, population, capacity = names
    c = _numeric(costs, cost, "costs", problems, missing, allow_nan=False)
    pop = _numeric(demand, population, "demand", problems, missing, allow_nan=False)
    cap = _numeric(supply, capacity, "supply", problems, missing, allow_nan=True)
    codes = []
    for role, col, table in (("demand", origin, demand), ("supply", destination, supply)):
        ids = _ids_of(table, col)
        if ids.has_duplicates:
            dup = ids[ids.duplicated()].unique()[:_SHOW].tolist()
            problems.append(f"{role} has duplicate ids {col!r}: {dup}")
            continue
        if col not in costs.columns:
            missing.append((col, "costs", costs))
            problems.append(f"costs has no column {col!r}")
            continue
        code = _factorize_on(ids, costs[col])
        unknown = code < 0
        if unknown.any():
            ex = pd.unique(costs[col].to_numpy()[unknown])[:_SHOW].tolist()
            problems.append(
                f"costs column {col!r}: {int(unknown.sum())} row(s) ({_labels(costs.index, unknown)})"
                f" name ids that are not in {role} (e.g. {ex})"
            )
        codes.append(code)
    _raise(problems, missing, "fca2_from_costs")
    assert c is not None and pop is not None and cap is not None
    return codes[0], codes[1], c, pop, cap


def _plain(value: Any) -> Any:
    """A numpy scalar as the Python value it holds (``7``, not ``np.int64(7)``)."""
    return value.item() if isinstance(value, np.generic) else value


def _repeated_pairs(
    costs: pd.DataFrame, i: np.ndarray, j: np.ndarray, demand_ids: pd.Index, supply_ids: pd.Index
) -> str:
    """What is wrong with a table that gives (origin, destination) pairs more than once."""
    again = pd.DataFrame({"i": i, "j": j}).duplicated().to_numpy()
    first = int(np.flatnonzero(again)[0])
    pair = (_plain(demand_ids[int(i[first])]), _plain(supply_ids[int(j[first])]))
    more = int(again.sum()) - 1
    others = f" (and {more} more: {_labels(costs.index[first + 1 :], again[first + 1 :])})"
    return (
        f"costs row {_plain(costs.index[first])!r} repeats the (origin, destination) pair {pair!r}"
        + (others if more else "")
        + ": give each pair once"
    )


def fca2_from_costs(
    costs: pd.DataFrame,
    demand: pd.DataFrame,
    supply: pd.DataFrame,
    *,
    origin: str = "origin",
    destination: str = "destination",
    cost: str = "cost",
    population: str = "population",
    capacity: str = "capacity",
    catchment: float,
    decay: Decay = "step",
) -> pd.Series:
    """2SFCA / E2SFCA from a long origin-destination cost table (e.g. a routing engine's).

    The same measure as the ``fca2`` column of :func:`reach`, for costs computed
    elsewhere (OSRM, r5py, Valhalla, pgRouting: metres or minutes), as PySAL
    ``access``'s ``two_stage_fca`` does, with the same decays.

    Parameters
    ----------
    costs : DataFrame
        One row per (origin, destination) pair with columns ``origin``, ``destination``
        (ids) and ``cost`` (finite, >= 0; metres, minutes or any unit, the same as
        ``catchment``). Pairs not in the table are beyond reach; each pair at most once.
    demand : DataFrame
        Demand per origin: ids in its ``origin`` column or else its index, population
        in ``population`` (persons, finite, >= 0).
    supply : DataFrame
        Supply per destination: ids in its ``destination`` column or else its index,
        capacity in ``capacity`` (places, >= 0; NaN = unknown: the service adds nothing,
        as in :func:`reach`).
    origin, destination, cost : str
        Column names in ``costs`` (and of the ids in ``demand`` / ``supply``).
    population, capacity : str
        Column names in ``demand`` and ``supply``.
    catchment : float
        Catchment ``R`` in the cost unit (> 0): pairs with ``c_ij <= R`` count.
    decay : {'step', 'linear', 'gaussian'} or callable, default 'step'
        ``w(c)`` applied in both steps, see :func:`decay_weights` (``'linear'``
        ``w = 1 - c/R``; ``'gaussian'`` ``w = (exp(-1/2 (c/R)^2) - exp(-1/2)) /
        (1 - exp(-1/2))``; a callable maps an array of costs to weights >= 0).

    Returns
    -------
    Series ``'fca2'`` on ``demand.index`` (float64, places per person)
        With ``P_i`` the population of origin ``i``, ``S_j`` the capacity of
        destination ``j`` and ``c_ij`` the cost::

            R_j = S_j / sum_{i : c_ij <= R} w(c_ij) P_i
            A_i = sum_{j : c_ij <= R} w(c_ij) R_j

        (Luo & Wang 2003; Luo & Qi 2009). A destination with no weighted demand in
        reach (``sum w P = 0``) or unknown capacity gets ``R_j = 0``; an origin with no
        destination in reach gets 0. When every destination has demand,
        ``sum_i P_i A_i = sum_j S_j``. ``attrs`` holds ``catchment``, ``decay``,
        ``pairs`` (rows of ``costs``), ``pairs_within``, ``services``,
        ``services_used`` and ``services_without_demand``.

    Raises
    ------
    MissingColumnError, InputError
        Missing columns; ids in ``costs`` that are not in ``demand`` / ``supply``;
        duplicate ids or pairs; empty, negative or infinite costs, populations or
        capacities; a bad catchment or decay (all problems reported at once).

    Notes
    -----
    Compiled passes over the table, with no sort: ids that are the row numbers
    ``0..n-1`` of ``demand`` / ``supply`` (a RangeIndex) are used as they are, other
    ids go through one lookup. On tables of 50,000 rows or more, the check for
    repeated pairs runs on a second thread, beside the two steps. About 20 ms for a
    million rows: 10-25x PySAL ``access`` (``benchmarks/README.md``).
    """
    problems: list[str] = []
    missing: list[tuple[str, str, pd.DataFrame]] = []
    problems += _check_radius(catchment, "catchment") + _check_decay(decay)
    frames = {"costs": costs, "demand": demand, "supply": supply}
    for role, frame in frames.items():
        if not isinstance(frame, pd.DataFrame):
            problems.append(f"{role} must be a DataFrame, got {type(frame).__name__}")
    if problems and not all(isinstance(f, pd.DataFrame) for f in frames.values()):
        _raise(problems, missing, "fca2_from_costs")
    names = (origin, destination, cost, population, capacity)
    # plain inputs go straight to the compiled pass, which checks every row; anything
    # else (and any row it refuses) goes through the checks that name every problem
    arrays = None if problems else _plain_inputs(costs, demand, supply, names)
    if arrays is None:
        arrays = _checked_inputs(costs, demand, supply, names, problems, missing)
    i, j, c, pop, cap = (np.ascontiguousarray(a) for a in arrays)

    n_o, n_s = len(demand), len(supply)
    ok, by_i, by_j = _od_check(i, j, c, n_o, n_s)
    if not ok:  # a row the fast path let through: name it, and every other problem
        _checked_inputs(costs, demand, supply, names, problems, missing)
        bad = ~((i >= 0) & (i < n_o) & (j >= 0) & (j < n_s) & (c >= 0) & (c < np.inf))
        raise InputError(f"fca2_from_costs: costs {_labels(costs.index, bad)} are not usable")
    r = float(catchment)
    has_cap = ~np.isnan(cap)
    s_j = np.where(has_cap, cap, 0.0)
    if isinstance(decay, str):
        code, w = _DECAY_CODES[decay], np.empty(0)
    else:  # a callable: its weights computed once, vectorised
        inside = c <= r
        code, w = -1, np.zeros(len(c))
        w[inside] = _decay_function(decay, r)(c[inside])
    # step 1  R_j = S_j / sum_{i : c_ij <= R} w_ij P_i ;  step 2  A_i = sum_j w_ij R_j
    two_step = (i, j, c, w, pop, s_j, has_cap, r, code, n_o)
    if len(i) >= _OVERLAP_ROWS and (os.cpu_count() or 1) > 1:
        # the search for repeated pairs and the two steps both free the GIL: on a big
        # table they run side by side, and the result is dropped if a pair repeats
        repeat = _repeat_beside(i, j, n_s, by_i, by_j)
        acc, dem, n_in, used = _od_two_step(*two_step)
        found = repeat.result() if repeat is not None else _od_repeat(i, j, n_s, by_i, by_j)
        repeated = found[0] >= 0
    else:
        repeated = _od_repeat(i, j, n_s, by_i, by_j)[0] >= 0
        if not repeated:
            acc, dem, n_in, used = _od_two_step(*two_step)
    if repeated:
        raise InputError(
            "fca2_from_costs: 1 problem(s) with the inputs: "
            + _repeated_pairs(costs, i, j, _ids_of(demand, origin), _ids_of(supply, destination)),
            hint="Fix them all and call again",
        )
    out = pd.Series(acc, index=demand.index, name="fca2", copy=False)
    out.attrs.update(
        {
            "catchment": r,
            "decay": decay if isinstance(decay, str) else getattr(decay, "__name__", "callable"),
            "pairs": int(len(c)),
            "pairs_within": int(n_in),
            "services": int(n_s),
            "services_used": int(used.sum()),
            "services_without_capacity": int((~has_cap).sum()),
            "services_without_demand": int((has_cap & (dem <= 0)).sum()),
        }
    )
    return out


# --------------------------------------------------------------------------------------
# Aggregation to sectors / areas
# --------------------------------------------------------------------------------------

# people-facing labels of the columns this module adds beyond schema's
for _column, _nl, _en in (
    ("n_origins", "Aantal herkomstpunten", "Number of origins"),
    ("target_pop", "Kinderen in de doelgroep", "Children in the target group"),
    (
        "share_unreachable",
        "Aandeel kinderen zonder bereikbare voorziening",
        "Share of children with no reachable service",
    ),
    ("mean_time_min", "Gemiddelde wandeltijd (min)", "Mean walking time (min)"),
    ("outside_area", "Buiten het studiegebied", "Outside the study area"),
):
    schema.register_label(_column, _nl, _en)

#: Per-group columns of :func:`aggregate_reach` and how each is aggregated.
AGGREGATE_COLUMNS: Mapping[str, str] = MappingProxyType(
    {
        "n_origins": "extensive: number of origins (count)",
        "target_pop": "extensive: sum of the weight (persons)",
        "mean_dist_m": "intensive: weighted mean of dist_nearest_m over reachable origins (m)",
        "median_dist_m": "intensive: weighted lower median of dist_nearest_m over reachable origins (m)",
        "share_unreachable": "intensive: weighted share with dist_nearest_m = inf (0-1)",
        "mean_time_min": "intensive: weighted mean of time_nearest_min over reachable origins (min)",
        "share_covered": "intensive: weighted share covered (0-1)",
        "services_within": "intensive: weighted mean of services_within (services)",
        "capacity_within": "intensive: weighted mean of capacity_within (places)",
        "fca2": "intensive: weighted mean of fca2 (places per person)",
        "places_per_100_2sfca": (
            "intensive: 100 x weighted mean of fca2 (places within reach per 100 persons)"
        ),
    }
)


def _group_codes(by: Any, origins: pd.DataFrame, problems: list[str]) -> tuple[Any, str]:
    if isinstance(by, str):
        if by not in origins.columns:
            problems.append(
                f"origins has no column {by!r} to group by (columns found: "
                f"{', '.join(repr(str(c)) for c in origins.columns[:20])})"
            )
            return None, by
        return origins[by], by
    if isinstance(by, pd.Series):
        name = str(by.name) if by.name is not None else "group"
        if by.index.equals(origins.index):
            return by, name
        key = by.index.name
        if key is None and schema.SECTOR_ID in origins.columns:
            key = schema.SECTOR_ID  # an unnamed sector -> group table
        if key is not None and key in origins.columns:
            return origins[key].map(by), name
        problems.append(
            "by is a Series that is neither on the origins' index nor indexed by a column of "
            f"origins (its index is named {key!r})"
        )
        return None, name
    arr = np.asarray(by)
    if arr.shape != (len(origins),):
        problems.append(f"by must be a column name, a Series or {len(origins)} labels")
        return None, "group"
    return pd.Series(arr, index=origins.index), "group"


def _weight_array(
    weight: Any, origins: pd.DataFrame, suffix: str, attrs: Mapping[str, Any], problems: list[str]
) -> np.ndarray | None:
    missing: list[tuple[str, str, pd.DataFrame]] = []
    kind = suffix[2:]
    if weight is None:
        return np.ones(len(origins))
    if isinstance(weight, str) and weight == "target":
        spec = None
        if kind and "kinds" in attrs and kind in attrs["kinds"]:
            spec = attrs["kinds"][kind].get("population")
        elif not kind:
            spec = attrs.get("population")
        if spec is None and kind:
            spec = "+".join(schema.get_service_kind(kind).target)
        if spec is None:
            problems.append("weight='target' needs a result of reach/reach_all (attrs lost)")
            return None
        cols = spec.split("+")
    elif isinstance(weight, Mapping):
        if kind not in weight:
            problems.append(f"weight has no entry for kind {kind!r}")
            return None
        spec = weight[kind]
        cols = [spec] if isinstance(spec, str) else list(spec)
    elif isinstance(weight, str):
        cols = [weight]
    else:
        arr = np.asarray(
            weight.reindex(origins.index) if isinstance(weight, pd.Series) else weight,
            dtype=np.float64,
        )
        if arr.shape != (len(origins),) or not np.isfinite(arr).all() or (arr < 0).any():
            problems.append(f"weight must hold {len(origins)} finite values >= 0")
            return None
        return arr
    total = np.zeros(len(origins))
    for c in cols:
        arr = _numeric(origins, c, "origins", problems, missing, allow_nan=False)
        if arr is None:
            return None
        total += arr
    return total


def _weighted_median(
    codes: np.ndarray, values: np.ndarray, weights: np.ndarray, n_groups: int
) -> np.ndarray:
    """Lower weighted median per group: smallest v with cumulative weight >= half the total."""
    out = np.full(n_groups, np.nan)
    sel = (weights > 0) & np.isfinite(values)
    c, v, w = codes[sel], values[sel], weights[sel]
    if len(c) == 0:
        return out
    by_value = np.argsort(v)  # = np.lexsort((v, c)), several times faster
    order = by_value[np.argsort(c[by_value], kind="stable")]
    c, v, w = c[order], v[order], w[order]
    total = np.bincount(c, weights=w, minlength=n_groups)
    base = np.cumsum(total) - total
    within = np.cumsum(w) - base[c]
    hit = np.flatnonzero(within >= 0.5 * total[c] * (1.0 - 1e-12))
    groups, first = np.unique(c[hit], return_index=True)
    out[groups] = v[hit[first]]
    return out


def aggregate_reach(
    result: pd.DataFrame,
    origins: pd.DataFrame,
    *,
    by: str | pd.Series = "sector_id",
    weight: str | Mapping[str, str] | pd.Series | None = "children_0_2",
    catchment_m: float | None = None,
) -> pd.DataFrame:
    """Reach per sector or area: population-weighted summaries of :func:`reach` results.

    Parameters
    ----------
    result : DataFrame
        Output of :func:`reach` or :func:`reach_all` (wide ``<indicator>__<kind>``
        columns), on ``origins.index``.
    origins : DataFrame
        The origins the result was computed for (weights and group labels).
    by : str or Series, default 'sector_id'
        Group of each origin: a column of ``origins``; a Series on ``origins.index``; or
        a Series indexed by a column of ``origins`` (e.g. ``area_id`` indexed by
        ``sector_id``: sector -> area). Origins without a group are left out and
        counted in ``attrs["origins_without_group"]``.
    weight : str, mapping kind -> column, Series, 'target' or None, default 'children_0_2'
        Weight ``w_i`` of each origin (persons): a column of ``origins``; per kind a
        column; ``'target'`` for each kind's own target population (as used by
        :func:`reach_all`); a Series; None for 1 per origin.
    catchment_m : float, optional
        When given, ``share_covered`` uses ``dist_nearest_m <= catchment_m`` instead of
        the result's ``covered`` column.

    Returns
    -------
    DataFrame, one row per group (sorted)
        With ``w_i`` the weight and ``g`` a group: extensive (summed) ``n_origins`` and
        ``target_pop = sum_{i in g} w_i``; intensive (weighted means
        ``sum w_i x_i / sum w_i``) ``share_covered``, ``services_within``,
        ``capacity_within``, ``fca2`` and ``places_per_100_2sfca = 100 * fca2`` (places
        within reach per 100 persons; not the same-area ratio ``places_per_100_in_area``
        of :func:`buurtgeo.gaps`);
        ``share_unreachable = sum_{d_i = inf} w_i / sum w_i``; ``mean_dist_m`` and
        ``mean_time_min`` are weighted means over reachable origins only (finite
        distance), ``median_dist_m`` the lower weighted median over them. A group with
        zero weight gets NaN for the intensive columns. For a :func:`reach_all` result
        every column carries the ``__<kind>`` suffix. See :data:`AGGREGATE_COLUMNS`.
    """
    problems: list[str] = []
    if not isinstance(result, pd.DataFrame) or not isinstance(origins, pd.DataFrame):
        raise InputError("result and origins must be DataFrames")
    if not result.index.equals(origins.index):
        problems.append(
            "result is not on the origins' index (pass the origins reach was computed for)"
        )
    if catchment_m is not None:
        problems += _check_radius(catchment_m, "catchment_m")
    suffixes = [
        str(c)[len("dist_nearest_m") :]
        for c in result.columns
        if str(c) == "dist_nearest_m" or str(c).startswith("dist_nearest_m__")
    ]
    if not suffixes:
        problems.append("result has no dist_nearest_m column: pass the output of reach/reach_all")
    groups, name = _group_codes(by, origins, problems)
    weights = {s: _weight_array(weight, origins, s, result.attrs, problems) for s in suffixes}
    _raise(list(dict.fromkeys(problems)), [], "aggregate_reach")

    codes, uniques = pd.factorize(groups, sort=True, use_na_sentinel=True)
    has = codes >= 0
    g = len(uniques)
    codes_h = codes[has]
    cols: dict[str, np.ndarray] = {}

    def wsum(x: np.ndarray) -> np.ndarray:
        return np.bincount(codes_h, weights=x[has], minlength=g)

    def ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
        return np.divide(num, den, out=np.full(g, np.nan), where=den > 0)

    for s in suffixes:
        w = weights[s]
        d = result[f"dist_nearest_m{s}"].to_numpy(dtype=np.float64)
        finite = np.isfinite(d)
        total = wsum(w)
        reach_w = wsum(w * finite)
        cols[f"n_origins{s}"] = np.bincount(codes_h, minlength=g)
        cols[f"target_pop{s}"] = total
        cols[f"mean_dist_m{s}"] = ratio(wsum(w * np.where(finite, d, 0.0)), reach_w)
        cols[f"median_dist_m{s}"] = _weighted_median(codes_h, d[has], w[has], g)
        cols[f"share_unreachable{s}"] = ratio(wsum(w * ~finite), total)
        if f"time_nearest_min{s}" in result.columns:
            t = result[f"time_nearest_min{s}"].to_numpy(dtype=np.float64)
            cols[f"mean_time_min{s}"] = ratio(wsum(w * np.where(finite, t, 0.0)), reach_w)
        if catchment_m is not None:
            cov = d <= catchment_m
        elif f"covered{s}" in result.columns:
            cov = result[f"covered{s}"].to_numpy(dtype=bool)
        else:
            cov = None
        if cov is not None:
            cols[f"share_covered{s}"] = ratio(wsum(w * cov), total)
        for col in ("services_within", "capacity_within", "fca2"):
            if f"{col}{s}" in result.columns:
                x = result[f"{col}{s}"].to_numpy(dtype=np.float64)
                cols[f"{col}{s}"] = ratio(wsum(w * x), total)
        if f"fca2{s}" in cols:
            cols[f"places_per_100_2sfca{s}"] = 100.0 * cols[f"fca2{s}"]
    out = pd.DataFrame(cols, index=pd.Index(uniques, name=name))
    out.attrs["origins_without_group"] = int((~has).sum())
    out.attrs["weight"] = weight if isinstance(weight, str) or weight is None else "custom"
    return out
