"""Snapping points to the nearest street: a bucket grid over street pieces (numba).

The work behind :meth:`buurtgeo.Network.snap_edges`. Every street (edge) of a network
is a polyline: its own line geometry when the network was built from lines, else the
straight line between its two nodes. A *piece* is one straight part of a polyline,
between two consecutive vertices. :class:`StreetIndex` files every piece in the
cells of a square grid that its bounding box overlaps (cells about as wide as a
typical piece); a query looks at the cells around the point ring by ring and stops
when the next ring cannot hold anything closer than the best piece found::

    ring k searched  =>  every piece not yet seen is farther than k * cell_size

and skips, within a ring, each cell that lies farther from the point than the best piece
so far (none of its pieces could be nearer: about half the cells of ring 1).

For a point ``P`` and a piece ``AB`` the closest point is ``Q = A + t (B - A)`` with
``t = clip(((P - A) . (B - A)) / |B - A|^2, 0, 1)``; the offset is ``|PQ|`` and the
position along the street is the length of the polyline from its first vertex to
``Q``, scaled to the street's length in the graph (``length_m / geometric length``:
1 for streets built from their own lines) and counted from the street's ``u`` node.
Ties (a point as close to two pieces) go to the lowest street, then the first piece
along it. Queries run tile by tile of the grid (neighbours in cache) on every core.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass

import numpy as np
from numba import njit

#: cell size as a share of the median piece's extent (its larger side)
_CELL_SHARE = 1.0
#: points per compiled call when the query is split over threads
_QUERY_BLOCK = 65_536


@njit(cache=True, nogil=True)
def _piece_cells(ax, ay, bx, by, x0, y0, cs, ncx, ncy):  # pragma: no cover - compiled
    """First and last cell column and row that a piece's bounding box overlaps."""
    cx0 = min(max(int(math.floor((min(ax, bx) - x0) / cs)), 0), ncx - 1)
    cx1 = min(max(int(math.floor((max(ax, bx) - x0) / cs)), 0), ncx - 1)
    cy0 = min(max(int(math.floor((min(ay, by) - y0) / cs)), 0), ncy - 1)
    cy1 = min(max(int(math.floor((max(ay, by) - y0) / cs)), 0), ncy - 1)
    return cx0, cx1, cy0, cy1


@njit(cache=True, nogil=True)
def _count_grid(vx, vy, piece_vertex, x0, y0, cs, ncx, ncy):  # pragma: no cover - compiled
    """Cell starts of the grid: pieces of cell c will be ``items[start[c]:start[c + 1]]``."""
    n_cells = ncx * ncy
    start = np.zeros(n_cells + 1, dtype=np.int64)
    for p in range(piece_vertex.shape[0]):
        k = piece_vertex[p]
        cx0, cx1, cy0, cy1 = _piece_cells(vx[k], vy[k], vx[k + 1], vy[k + 1], x0, y0, cs, ncx, ncy)
        for cy in range(cy0, cy1 + 1):
            for cx in range(cx0, cx1 + 1):
                start[cy * ncx + cx + 1] += 1
    for c in range(n_cells):
        start[c + 1] += start[c]
    return start


@njit(cache=True, nogil=True)
def _fill_grid(
    vx, vy, piece_vertex, x0, y0, cs, ncx, ncy, start, items
):  # pragma: no cover - compiled
    """File every piece in its cells (ascending piece numbers within a cell)."""
    fill = start[:-1].copy()
    for p in range(piece_vertex.shape[0]):
        k = piece_vertex[p]
        cx0, cx1, cy0, cy1 = _piece_cells(vx[k], vy[k], vx[k + 1], vy[k + 1], x0, y0, cs, ncx, ncy)
        for cy in range(cy0, cy1 + 1):
            for cx in range(cx0, cx1 + 1):
                c = cy * ncx + cx
                items[fill[c]] = p
                fill[c] += 1


@njit(cache=True, nogil=True)
def _prepare(vx, vy, first, length, ux, uy, vx_node, vy_node):  # pragma: no cover - compiled
    """Each vertex's position along its street (graph metres from the ``u`` end), whether
    each polyline runs from ``v`` to ``u``, and the pieces: first vertex, street and
    extent (the larger side of its bounding box)."""
    n_s = first.shape[0] - 1
    n_v = vx.shape[0]
    pos = np.empty(n_v)
    flip = np.empty(n_s, dtype=np.bool_)
    n_p = n_v - n_s
    piece_vertex = np.empty(n_p, dtype=np.int64)
    piece_street = np.empty(n_p, dtype=np.int64)
    ext = np.empty(n_p)
    q = 0
    for e in range(n_s):
        a, b = first[e], first[e + 1]
        geo = 0.0
        pos[a] = 0.0
        for k in range(a + 1, b):
            dx = vx[k] - vx[k - 1]
            dy = vy[k] - vy[k - 1]
            geo += math.sqrt(dx * dx + dy * dy)
            pos[k] = geo
            piece_vertex[q] = k - 1
            piece_street[q] = e
            ext[q] = max(abs(dx), abs(dy))
            q += 1
        scale = length[e] / geo if geo > 0.0 else 0.0
        # does the polyline start at v? (its first vertex nearer v than u)
        du = (vx[a] - ux[e]) ** 2 + (vy[a] - uy[e]) ** 2
        dv = (vx[a] - vx_node[e]) ** 2 + (vy[a] - vy_node[e]) ** 2
        flip[e] = dv < du
        for k in range(a, b):
            p = pos[k] * scale
            if flip[e]:
                p = length[e] - p
            pos[k] = min(max(p, 0.0), length[e])
    return pos, flip, piece_vertex, piece_street, ext


@njit(cache=True, nogil=True, inline="always")
def _scan_cell(
    c, px, py, vx, vy, piece_vertex, piece_street, start, items, bd, bs, bp, bt
):  # pragma: no cover - compiled
    """Look at the pieces of cell ``c``; returns the best ``(d2, street, piece, t)``
    of those and the best so far (``bd, bs, bp, bt``)."""
    for q in range(start[c], start[c + 1]):
        p = items[q]
        k = piece_vertex[p]
        ax = vx[k]
        ay = vy[k]
        dx = vx[k + 1] - ax
        dy = vy[k + 1] - ay
        l2 = dx * dx + dy * dy
        t = 0.0
        if l2 > 0.0:
            t = ((px - ax) * dx + (py - ay) * dy) / l2
            if t < 0.0:
                t = 0.0
            elif t > 1.0:
                t = 1.0
        ex = px - (ax + t * dx)
        ey = py - (ay + t * dy)
        d2 = ex * ex + ey * ey
        s = piece_street[p]
        if d2 < bd or (d2 == bd and (s < bs or (s == bs and p < bp))):
            bd = d2
            bs = s
            bp = p
            bt = t
    return bd, bs, bp, bt


@njit(cache=True, nogil=True, inline="always")
def _far_cell(x, y, x0, y0, cs, cx, cy, best_d2):  # pragma: no cover - compiled
    """Cell ``(cx, cy)`` lies farther from ``(x, y)`` than the best so far: none of its
    pieces can be nearer, nor tie (a margin of 1e-9 keeps rounding on the safe side).

    Every piece is in each cell its bounding box touches, so the cell holding a piece's
    nearest point to ``(x, y)`` is never skipped while that piece could still win."""
    lx = x0 + cx * cs
    ly = y0 + cy * cs
    dx = max(lx - x, 0.0, x - (lx + cs))
    dy = max(ly - y, 0.0, y - (ly + cs))
    return dx * dx + dy * dy > best_d2 * (1.0 + 1e-9) + 1e-9


@njit(cache=True, nogil=True)
def _nearest_piece(
    x, y, vx, vy, piece_vertex, piece_street, x0, y0, cs, ncx, ncy, start, items
):  # pragma: no cover - compiled
    """``(d2, street, piece, t)`` of the piece nearest to ``(x, y)`` (street and piece
    -1 when the grid holds none)."""
    pcx = int(math.floor((x - x0) / cs))
    pcy = int(math.floor((y - y0) / cs))
    none = np.int64(2**62)
    bd, bs, bp, bt = np.inf, none, none, 0.0
    # rings nearer than this one cannot touch the grid (a point outside its box)
    k = max(0, pcx - (ncx - 1), -pcx, pcy - (ncy - 1), -pcy)
    while True:
        gx0 = max(pcx - k, 0)
        gx1 = min(pcx + k, ncx - 1)
        gy0 = max(pcy - k, 0)
        gy1 = min(pcy + k, ncy - 1)
        for cy in range(gy0, gy1 + 1):  # the cells of ring k (the square's border)
            on_row = cy == pcy - k or cy == pcy + k
            for cx in range(gx0, gx1 + 1):
                if not on_row and cx != pcx - k and cx != pcx + k:
                    continue  # inside the square: seen in an earlier ring
                if _far_cell(x, y, x0, y0, cs, cx, cy, bd):
                    continue
                bd, bs, bp, bt = _scan_cell(
                    cy * ncx + cx, x, y, vx, vy, piece_vertex, piece_street, start, items,
                    bd, bs, bp, bt,
                )  # fmt: skip
        # every piece not seen yet lies in a cell outside the square of rings 0..k:
        # stop when the square's edge is farther than the best (a tie goes on)
        gap = min(
            x - (x0 + (pcx - k) * cs),
            x0 + (pcx + k + 1) * cs - x,
            y - (y0 + (pcy - k) * cs),
            y0 + (pcy + k + 1) * cs - y,
        )
        if gap > 0.0 and bd < gap * gap:
            break
        if gx0 == 0 and gy0 == 0 and gx1 == ncx - 1 and gy1 == ncy - 1:
            break  # the whole grid has been searched
        k += 1
    if bs == none:
        return bd, np.int64(-1), np.int64(-1), bt
    return bd, bs, bp, bt


@njit(cache=True, nogil=True)
def _query_kernel(
    px, py, order, lo, hi, vx, vy, vpos, length, piece_vertex, piece_street,
    x0, y0, cs, ncx, ncy, start, items, street, position, offset, qx, qy, with_points,
):  # pragma: no cover - compiled  # fmt: skip
    """Points ``lo:hi`` (in tile order) joined to their nearest piece; each result is
    written at the point's input row ``order[i]`` (threads write disjoint rows); the
    join point ``qx, qy`` only ``with_points``."""
    for i in range(lo, hi):
        d2, s, p, t = _nearest_piece(
            px[i], py[i], vx, vy, piece_vertex, piece_street, x0, y0, cs, ncx, ncy, start, items
        )
        j = order[i]
        street[j] = s
        offset[j] = math.sqrt(d2)
        if p < 0:
            position[j] = np.nan
            if with_points:
                qx[j] = np.nan
                qy[j] = np.nan
            continue
        k = piece_vertex[p]
        if with_points:
            qx[j] = vx[k] + t * (vx[k + 1] - vx[k])
            qy[j] = vy[k] + t * (vy[k + 1] - vy[k])
        pos = vpos[k] + t * (vpos[k + 1] - vpos[k])
        position[j] = min(max(pos, 0.0), length[s])


@dataclass(frozen=True)
class StreetIndex:
    """Every street of a network as a polyline, and a bucket grid over their pieces.

    Attributes
    ----------
    vx, vy : ndarray of float64
        Vertices of all polylines, street after street.
    vpos : ndarray of float64
        Position of each vertex along its street, metres of the graph from the street's
        ``u`` node's end of the polyline (geometric length times ``scale``).
    first : ndarray of int64, shape (n_streets + 1,)
        Vertices of street ``e`` are ``first[e]:first[e + 1]``.
    flip : ndarray of bool, shape (n_streets,)
        The polyline runs from ``v`` to ``u`` (positions counted from its last vertex).
    length : ndarray of float64, shape (n_streets,)
        The street's length in the graph, metres.
    piece_vertex, piece_street : ndarray of int64
        First vertex and street of each piece.
    x0, y0, cs : float
        Grid origin and cell size, metres; ``ncx`` x ``ncy`` cells.
    start, items : ndarray
        Pieces of cell ``c``: ``items[start[c]:start[c + 1]]``.
    """

    vx: np.ndarray
    vy: np.ndarray
    vpos: np.ndarray
    first: np.ndarray
    flip: np.ndarray
    length: np.ndarray
    piece_vertex: np.ndarray
    piece_street: np.ndarray
    x0: float
    y0: float
    cs: float
    ncx: int
    ncy: int
    start: np.ndarray
    items: np.ndarray

    @property
    def n_streets(self) -> int:
        return int(len(self.length))

    @classmethod
    def build(
        cls,
        coords: np.ndarray,
        first: np.ndarray,
        length: np.ndarray,
        ux: np.ndarray,
        uy: np.ndarray,
        vx_node: np.ndarray,
        vy_node: np.ndarray,
    ) -> StreetIndex:
        """Index polylines (``coords[first[e]:first[e + 1]]`` for street ``e``, at least
        2 vertices each) of graph lengths ``length``; ``ux, uy`` / ``vx_node, vy_node``
        are the coordinates of each street's ``u`` and ``v`` nodes (to tell which end
        the polyline starts at)."""
        vx = np.ascontiguousarray(coords[:, 0], dtype=np.float64)
        vy = np.ascontiguousarray(coords[:, 1], dtype=np.float64)
        first = np.ascontiguousarray(first, dtype=np.int64)
        length = np.ascontiguousarray(length, dtype=np.float64)
        pos, flip, piece_vertex, piece_street, ext = _prepare(
            vx, vy, first, length, ux, uy, vx_node, vy_node
        )
        # cells about as wide as a typical piece (the median of a sample), and never many
        # more cells than pieces
        x0, y0 = float(vx.min()), float(vy.min())
        w, h = float(vx.max()) - x0, float(vy.max()) - y0
        sample = ext[:: max(1, len(ext) // 100_000)]
        cs = max(_CELL_SHARE * float(np.median(sample)) if len(sample) else 1.0, 1.0)
        limit = max(4 * len(piece_vertex), 1024)
        cs = max(cs, math.sqrt(max(w * h, 1.0) / limit))
        ncx, ncy = int(w // cs) + 1, int(h // cs) + 1
        grid = (vx, vy, piece_vertex, x0, y0, cs, ncx, ncy)
        start = _count_grid(*grid)
        items = np.empty(int(start[-1]), dtype=np.int32 if len(piece_vertex) < 2**31 else np.int64)
        _fill_grid(*grid, start, items)
        return cls(
            vx,
            vy,
            pos,
            first,
            flip,
            length,
            piece_vertex,
            piece_street,
            x0,
            y0,
            cs,
            ncx,
            ncy,
            start,
            items,
        )

    def _tile_order(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """The points sorted by tiles of 8 x 8 grid cells, row by row (a counting sort:
        linear time); points that follow each other look at the same cells."""
        from buurtgeo._reach_kernels import _counting_sort

        tile = 8.0 * self.cs
        ntx = int(self.ncx // 8) + 1
        nty = int(self.ncy // 8) + 1
        tx = np.clip(((x - self.x0) // tile).astype(np.int64), 0, ntx - 1)
        ty = np.clip(((y - self.y0) // tile).astype(np.int64), 0, nty - 1)
        key = ty * ntx + tx
        counts = np.bincount(key, minlength=ntx * nty)
        return _counting_sort(np.arange(len(x), dtype=np.int64), key, np.cumsum(counts) - counts)

    def query(self, x: np.ndarray, y: np.ndarray, *, points: bool = True) -> tuple[np.ndarray, ...]:
        """Nearest street of each point (see the module docstring).

        ``points=False`` leaves out ``qx, qy`` (empty arrays): joining points to the
        graph needs the street, the position and the offset only.

        Returns
        -------
        street : ndarray of int64
        position_m : ndarray of float64
            Along the street from its ``u`` node, graph metres, in ``[0, length]``.
        offset_m : ndarray of float64
            ``|PQ|``, metres.
        qx, qy : ndarray of float64
            The point ``Q`` on the street's polyline.
        """
        n = len(x)
        order = self._tile_order(x, y)
        px = np.ascontiguousarray(x[order])
        py = np.ascontiguousarray(y[order])
        street = np.empty(n, dtype=np.int64)
        m = n if points else 0
        floats = (np.empty(n), np.empty(n), np.empty(m), np.empty(m))  # position … qy
        index = (
            self.vx, self.vy, self.vpos, self.length, self.piece_vertex, self.piece_street,
            self.x0, self.y0, self.cs, self.ncx, self.ncy, self.start, self.items,
        )  # fmt: skip
        workers = max(1, min(os.cpu_count() or 1, 8, -(-n // _QUERY_BLOCK)))
        bounds = np.linspace(0, n, workers + 1).astype(np.int64)

        def run(w: int) -> None:  # the kernel frees the GIL; threads write disjoint rows
            lo, hi = int(bounds[w]), int(bounds[w + 1])
            _query_kernel(px, py, order, lo, hi, *index, street, *floats, points)

        if workers == 1:
            run(0)
        else:
            from concurrent.futures import ThreadPoolExecutor

            with ThreadPoolExecutor(max_workers=workers) as pool:
                list(pool.map(run, range(workers)))
        return (street, *floats)
