"""Compiled kernels (numba, cached on disk) of the two 2SFCA passes of :func:`buurtgeo.reach`.

For a named decay, the distance engines (:mod:`buurtgeo._engines`) hand these kernels
the (service, origin, d) pairs of a block of whole services over a network, or a
bucket grid of origins for straight lines (walked without storing any pair):

* step 1 (``_pairs_pass_demand``, ``_grid_pass_demand``): the demand on each service
  ``sum_i w(d_ij) P_i``, and the counts and capacity within the catchment (and extra
  radii);
* step 2 (``_pairs_pass_access``, ``_grid_pass_access``): ``A_i += w(d_ij) R_j``.

``_w`` is the compiled form of the named decays of :mod:`buurtgeo.decay`, selected by
:data:`_DECAY_CODES`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

import numpy as np
from numba import njit

from buurtgeo.decay import _GAUSS_FLOOR

_DECAY_CODES: Mapping[str, int] = MappingProxyType({"step": 0, "linear": 1, "gaussian": 2})


@njit(cache=True, nogil=True, inline="always")
def _w(d: float, r: float, code: int) -> float:  # pragma: no cover - compiled
    # the formulas of _step, _linear and _gaussian in buurtgeo.decay. buurtgeo.fca's
    # _od_two_step inlines this from another file: numba's disk cache does not follow
    # that, so after changing _w, delete buurtgeo/__pycache__/fca.*.nb[ic]
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


@njit(cache=True, nogil=True)
def _pairs_pass_demand(
    svc,
    origin,
    d,
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
    nearest,
):  # pragma: no cover - compiled
    """Step 1 over (service, origin, d) pairs, each pair once with ``d`` at most the
    largest radius: demand per service, counts and capacity within R (and extra radii),
    and each origin's least ``d`` in ``nearest``. (What :func:`_visit` does, with the
    extra radii in a loop of their own: written together, the loop ran 15 times slower.)"""
    for p in range(svc.shape[0]):
        i = origin[p]
        j = svc[p]
        dp = d[p]
        if dp < nearest[i]:
            nearest[i] = dp
        if dp <= r:
            demand[j] += _w(dp, r, code) * pop[i]
            within[i] += 1
            cap_within[i] += supply[j]
            used[j] = True
    for e in range(extras.shape[0]):
        for p in range(svc.shape[0]):
            if d[p] <= extras[e]:
                ex_within[e, origin[p]] += 1
                ex_cap[e, origin[p]] += supply[svc[p]]


@njit(cache=True, nogil=True)
def _pairs_pass_access(svc, origin, d, r, code, ratio, access):  # pragma: no cover - compiled
    """Step 2 over (service, origin, d) pairs: A_i += w(d_ij) R_j for d_ij <= R."""
    for p in range(svc.shape[0]):
        j = svc[p]
        if d[p] <= r and ratio[j] != 0.0:
            access[origin[p]] += _w(d[p], r, code) * ratio[j]


_WARMING: list[Any] = []  # the warm-up thread of this process, once


def warm_up() -> None:
    """Load numba's compiled code in a background thread while the caller reads its
    input files: the first call of any compiled function sets numba up (about 0.15 s),
    time that a run would otherwise wait for when it reaches its first kernel.

    Harmless when repeated (once per process) or when the work gets there first
    (numba's own lock makes it wait for the loading under way)."""
    if _WARMING:
        return
    import threading

    def load() -> None:
        one = np.zeros(1, dtype=np.int64)
        _counting_sort(one, one, one)

    thread = threading.Thread(target=load, name="buurtgeo-warm-up", daemon=True)
    _WARMING.append(thread)
    thread.start()
