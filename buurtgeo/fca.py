"""2SFCA / E2SFCA from a long origin-destination cost table (:func:`fca2_from_costs`).

The same measure as the ``fca2`` column of :func:`buurtgeo.reach`, for costs computed
elsewhere (a routing engine's metres or minutes)::

    R_j = S_j / sum_{i : c_ij <= R} w(c_ij) P_i
    A_i = sum_{j : c_ij <= R} w(c_ij) R_j

Compiled passes (numba, cached on disk) check the table row by row and run both
steps without a sort; ids become positions by a lookup; on big tables the search for
repeated pairs runs on a second thread beside the two steps.
"""

from __future__ import annotations

import functools
import os
from typing import Any

import numpy as np
import pandas as pd
from numba import njit

from buurtgeo._checks import SHOW, Checks, raise_problems, row_labels
from buurtgeo._reach_kernels import _DECAY_CODES, _w
from buurtgeo.decay import Decay, _check_decay, _decay_function, _decay_label

__all__ = ["fca2_from_costs"]


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
    checks: Checks,
) -> tuple[np.ndarray, ...]:
    """The arrays of :func:`fca2_from_costs`, every row checked: raises one error that
    names every problem, those already in ``checks`` included."""
    origin, destination, cost, population, capacity = names
    c = checks.numeric(costs, cost, "costs", allow_nan=False)
    pop = checks.numeric(demand, population, "demand", allow_nan=False)
    cap = checks.numeric(supply, capacity, "supply", allow_nan=True)
    codes = []
    for role, col, table in (("demand", origin, demand), ("supply", destination, supply)):
        ids = _ids_of(table, col)
        if ids.has_duplicates:
            dup = ids[ids.duplicated()].unique()[:SHOW].tolist()
            checks.add(f"{role} has duplicate ids {col!r}: {dup}")
            continue
        if col not in costs.columns:
            checks.missing_column(col, "costs", costs.columns)
            continue
        code = _factorize_on(ids, costs[col])
        unknown = code < 0
        if unknown.any():
            ex = pd.unique(costs[col].to_numpy()[unknown])[:SHOW].tolist()
            checks.add(
                f"costs column {col!r}: {int(unknown.sum())} row(s) "
                f"({row_labels(costs.index, unknown)}) name ids that are not in {role} (e.g. {ex})"
            )
        codes.append(code)
    checks.raise_if_any()
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
    others = f" (and {more} more: {row_labels(costs.index[first + 1 :], again[first + 1 :])})"
    return (
        f"costs row {_plain(costs.index[first])!r} repeats the (origin, destination) pair {pair!r}"
        + (others if more else "")
        + ": give each pair once"
    )


def _check_fca2(
    costs: Any,
    demand: Any,
    supply: Any,
    names: tuple[str, str, str, str, str],
    catchment: Any,
    decay: Any,
) -> tuple[Any, ...]:
    """The check step of :func:`fca2_from_costs`: its arrays (``i``, ``j``, ``c``, ``pop``,
    ``cap``, contiguous) and whether ``i`` / ``j`` are grouped, or one error naming every
    problem (the repeated pairs aside: they are looked for beside the two steps)."""
    checks = Checks("fca2_from_costs")
    checks.radius(catchment, "catchment")
    _check_decay(checks, decay)
    frames = {"costs": costs, "demand": demand, "supply": supply}
    for role, frame in frames.items():
        if not isinstance(frame, pd.DataFrame):
            checks.add(f"{role} must be a DataFrame, got {type(frame).__name__}")
    if checks and not all(isinstance(f, pd.DataFrame) for f in frames.values()):
        checks.raise_if_any()
    # plain inputs go straight to the compiled pass, which checks every row; anything
    # else (and any row it refuses) goes through the checks that name every problem
    arrays = None if checks else _plain_inputs(costs, demand, supply, names)
    if arrays is None:
        arrays = _checked_inputs(costs, demand, supply, names, checks)
    i, j, c, pop, cap = (np.ascontiguousarray(a) for a in arrays)
    n_o, n_s = len(demand), len(supply)
    ok, by_i, by_j = _od_check(i, j, c, n_o, n_s)
    if not ok:  # a row the fast path let through: name it, and every other problem
        _checked_inputs(costs, demand, supply, names, checks)
        bad = ~((i >= 0) & (i < n_o) & (j >= 0) & (j < n_s) & (c >= 0) & (c < np.inf))
        checks.add(f"costs {row_labels(costs.index, bad)} are not usable")
        checks.raise_if_any()
    return i, j, c, pop, cap, by_i, by_j


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
    names = (origin, destination, cost, population, capacity)
    i, j, c, pop, cap, by_i, by_j = _check_fca2(costs, demand, supply, names, catchment, decay)
    n_o, n_s = len(demand), len(supply)
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
        raise_problems(
            "fca2_from_costs",
            [_repeated_pairs(costs, i, j, _ids_of(demand, origin), _ids_of(supply, destination))],
        )
    out = pd.Series(acc, index=demand.index, name="fca2", copy=False)
    out.attrs.update(
        {
            "catchment": r,
            "decay": _decay_label(decay),
            "pairs": int(len(c)),
            "pairs_within": int(n_in),
            "services": int(n_s),
            "services_used": int(used.sum()),
            "services_without_capacity": int((~has_cap).sum()),
            "services_without_demand": int((has_cap & (dem <= 0)).sum()),
        }
    )
    return out
