"""Site suggestions: k new sites covering the most uncovered, need-weighted children.

Stage 4 of the pipeline (``reach per origin -> indicators per area``):
:func:`suggest_sites` solves the maximal covering location problem exactly with
``scipy.optimize.milp`` (HiGHS) on a sparse coverage matrix, or greedily for very large
instances (with a bound of its gap), over straight lines or over the street network,
measured as :func:`buurtgeo.reach` measures it.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from buurtgeo import _snap_policy as policy
from buurtgeo._checks import Checks
from buurtgeo.errors import InputWarning

if TYPE_CHECKING:  # pragma: no cover
    import geopandas as gpd

    from buurtgeo.network import Network

__all__ = ["suggest_sites"]


def _coverage(demand_xy: np.ndarray, cand_xy: np.ndarray, radius_m: float):
    """Sparse boolean (demand × candidate) matrix (CSC): straight-line distance <= radius.

    Built from the pairs within the radius only (two KD-trees), never a dense matrix; a
    candidate on a demand point (distance 0) covers it.
    """
    import scipy.sparse as sp
    from scipy.spatial import cKDTree

    pairs = cKDTree(cand_xy).sparse_distance_matrix(
        cKDTree(demand_xy), radius_m, output_type="ndarray"
    )
    return sp.csc_array(
        (np.ones(len(pairs), dtype=bool), (pairs["j"], pairs["i"])),
        shape=(len(demand_xy), len(cand_xy)),
    )


def _within(demand_xy: np.ndarray, points_xy: np.ndarray, radius_m: float) -> np.ndarray:
    """Whether each demand point has at least one of ``points_xy`` within the radius."""
    from scipy.spatial import cKDTree

    d, _ = cKDTree(points_xy).query(demand_xy, distance_upper_bound=radius_m * (1 + 1e-12))
    return d <= radius_m


def _network_pairs(engine: Any, cand: Any, radius_m: float) -> tuple[np.ndarray, ...]:
    """Every (demand i, candidate j, d_ij) with ``d_ij <= radius_m`` over the network.

    ``engine`` is :func:`buurtgeo.reach`'s network engine on the demand points (snapped
    once), ``cand`` the candidates it prepared (snapped): one bounded search per
    candidate from where it joins the network, then the demand points that leave
    through the nodes reached (or share the candidate's street), each once at its
    shortest distance, exactly as ``reach`` measures.
    """
    blocks = list(engine.pair_blocks(cand, float(radius_m)))
    if not blocks:
        return np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0, np.float64)
    return (
        np.concatenate([b[1] for b in blocks]),
        np.concatenate([b[0] for b in blocks]),
        np.concatenate([b[2] for b in blocks]),
    )


def _network_coverage(engine: Any, cand: Any, radius_m: float, keep: np.ndarray):
    """Sparse boolean (kept demand × candidate) matrix: network distance <= radius."""
    import scipy.sparse as sp

    i, j, _ = _network_pairs(engine, cand, radius_m)
    row = np.full(engine.n, -1, dtype=np.int64)
    row[keep] = np.arange(len(keep), dtype=np.int64)
    i = row[i]
    m = i >= 0
    return sp.coo_matrix(
        (np.ones(int(m.sum()), dtype=bool), (i[m], j[m])), shape=(len(keep), len(cand))
    ).tocsc()


def _greedy(cov, w: np.ndarray, k: int) -> tuple[list[int], float]:
    """Pick k candidates, each time the one adding the most uncovered weight (lowest index on ties).

    ``cov`` is the (demand × candidate) coverage in CSC form, ``w`` the demand weights.
    Returns the chosen columns and an upper bound of the optimum: for any set ``S`` of
    chosen sites, coverage is submodular, so (Minoux 1978; Leskovec et al. 2007)::

        OPT ≤ f(S) + Σ (the k largest marginal gains δ_j(S))

    computed before each pick and after the last; the smallest of these bounds the
    optimum, so ``1 − f(greedy) / bound`` bounds the greedy's gap without solving the MCLP.
    """
    left = w.astype(float, copy=True)
    chosen: list[int] = []
    covt = cov.T.tocsr().astype(float)
    covered = 0.0
    bound = np.inf
    for step in range(k + 1):
        gain = covt @ left
        if chosen:
            gain[chosen] = 0.0
        top = np.partition(gain, -k)[-k:] if gain.size > k else gain
        bound = min(bound, covered + float(top[top > 0].sum()))
        if step == k:
            break
        j = int(np.argmax(gain))
        if gain[j] <= 0:
            break
        chosen.append(j)
        covered += float(gain[j])
        left[cov.indices[cov.indptr[j] : cov.indptr[j + 1]]] = 0.0
    return chosen, max(bound, covered)


def _merge_rows(cov, w: np.ndarray) -> tuple[Any, np.ndarray]:
    """Demand points covered by exactly the same candidates merged into one (weights summed).

    Points that no candidate covers are dropped (no choice covers them). Rows are grouped by
    two random 64-bit sums of their candidates' keys, then each row's candidate list is
    compared with its group's first row: a row that differs (a hash collision) stays a group
    of its own, so the merge is exact. The MCLP on the merged rows has the same optimum and
    the same optimal sites (a group is covered exactly when each of its points is).
    """
    import scipy.sparse as sp

    csr = cov.tocsr()
    csr.sum_duplicates()
    csr.sort_indices()
    nnz = np.diff(csr.indptr)
    has = np.flatnonzero(nnz > 0)
    csr = csr[has]
    w = w[has]
    nnz = nnz[has]
    if csr.shape[0] == 0:
        return csr, w
    keys = np.random.default_rng(0).integers(1, 2**63, size=(2, csr.shape[1]), dtype=np.uint64)
    starts = csr.indptr[:-1]
    h = np.stack(
        [
            np.add.reduceat(keys[0][csr.indices], starts),
            np.add.reduceat(keys[1][csr.indices], starts),
        ],
        axis=1,
    )
    _, first, group = np.unique(h, axis=0, return_index=True, return_inverse=True)
    group = group.ravel()
    rep = first[group]  # each row's group representative (its first row)
    same = nnz == nnz[rep]
    # compare every row's candidate list with its representative's, element by element
    offs = np.arange(csr.nnz) - np.repeat(csr.indptr[:-1], nnz)
    rep_pos = np.repeat(csr.indptr[rep], nnz) + offs
    ok_len = np.repeat(same, nnz)
    diff = np.zeros(csr.shape[0], dtype=bool)
    bad = ~ok_len
    bad[ok_len] = csr.indices[rep_pos[ok_len]] != csr.indices[ok_len]
    np.logical_or.at(diff, np.repeat(np.arange(csr.shape[0]), nnz), bad)
    if diff.any():  # a collision: those rows keep groups of their own
        group = group.copy()
        group[diff] = group.max() + 1 + np.arange(int(diff.sum()))
    _, first, group = np.unique(group, return_index=True, return_inverse=True)
    weights = np.bincount(group.ravel(), weights=w)
    return sp.csr_array(csr[first]), weights


def _mclp(cov, w: np.ndarray, k: int, time_limit_s: float) -> tuple[list[int], float]:
    """The MCLP solved exactly by ``scipy.optimize.milp`` (HiGHS) on the sparse coverage.

    Variables ``x_j`` (binary: open candidate j) and ``y_g`` (continuous in [0, 1]: group g
    of identical demand rows covered, weight ``W_g``)::

        minimise  −Σ_g W_g y_g   subject to  y_g − Σ_j a_gj x_j ≤ 0,   Σ_j x_j ≤ k

    ``y`` needs no integrality: for integral ``x`` the optimum sets ``y_g = 1`` exactly when
    some open site covers g. Returns the open candidates and HiGHS's relative MIP gap
    (0 when optimality is proven; above 0 when ``time_limit_s`` stopped it).
    """
    import scipy.sparse as sp
    from scipy.optimize import Bounds, LinearConstraint, milp

    rows, weights = _merge_rows(cov, w)
    g, m = rows.shape
    if g == 0:
        return [], 0.0
    a = sp.hstack([sp.eye_array(g, format="csr"), -rows.astype(np.float64)], format="csr")
    budget = sp.csr_array(np.r_[np.zeros(g), np.ones(m)][None, :])
    res = milp(
        np.r_[-weights, np.zeros(m)],
        constraints=[LinearConstraint(a, -np.inf, 0.0), LinearConstraint(budget, 0, k)],
        integrality=np.r_[np.zeros(g), np.ones(m)],
        bounds=Bounds(0.0, 1.0),
        options={"time_limit": float(time_limit_s), "mip_rel_gap": 1e-9},
    )
    if res.x is None:  # no solution within the time limit
        raise TimeoutError(res.message)
    chosen = np.flatnonzero(res.x[g:] > 0.5).tolist()
    gap = getattr(res, "mip_gap", None)
    return chosen, max(0.0, float(gap)) if gap is not None else 0.0


def _solve(cov, w: np.ndarray, k: int, method: str, time_limit_s: float) -> dict[str, Any]:
    """Choose the sites (``chosen``) and say how good the choice is (the result's attrs).

    The greedy pass always runs (it costs a few sparse products); with ``'mclp'`` the
    exact model runs too, and the better of the two is kept (the greedy can only win
    when the time limit stopped HiGHS before the optimum).
    """
    if w.size == 0 or k == 0:
        return {"chosen": [], "method": method}
    greedy, bound = _greedy(cov, w, k)
    greedy_w = _covered(cov, w, greedy)
    if method == "greedy":
        return {
            "chosen": greedy,
            "method": "greedy",
            "upper_bound": bound,
            "gap_bound": 1.0 - greedy_w / bound if bound > 0 else 0.0,
        }
    try:
        exact, mip_gap = _mclp(cov, w, k, time_limit_s)
    except TimeoutError as exc:
        warnings.warn(
            InputWarning(
                f"suggest_sites: the MCLP found no solution within {time_limit_s:g} s ({exc});"
                " the greedy choice is returned",
                nl=f"locatievoorstellen: geen optimale keuze gevonden binnen {time_limit_s:g} s;"
                " de gulzige keuze (greedy) is gegeven",
            ),
            stacklevel=3,
        )
        exact, mip_gap = greedy, float("nan")
    exact_w = _covered(cov, w, exact)
    if greedy_w > exact_w:
        exact, exact_w = greedy, greedy_w
    return {
        "chosen": exact,
        "method": "mclp",
        "mip_gap": mip_gap,
        "greedy_covered_total": greedy_w,
        "greedy_gap": 1.0 - greedy_w / exact_w if exact_w > 0 else 0.0,
    }


def _covered(cov, w: np.ndarray, chosen: list[int]) -> float:
    """Total weight of the demand points that at least one chosen site covers."""
    if not chosen:
        return 0.0
    sub = cov[:, chosen]
    return float(w[np.unique(sub.indices)].sum())


def _in_order(cov, w: np.ndarray, chosen: list[int]) -> tuple[list[int], list[float], list[float]]:
    """The chosen sites ordered greedily among themselves, with what each adds and covers alone.

    Sites that add nothing to the ones before them are left out (fewer than ``k`` sites when
    more would not cover anyone more).
    """
    if not chosen:
        return [], [], []
    order, _ = _greedy(cov[:, chosen], w, len(chosen))
    left = w.astype(float, copy=True)
    seq: list[int] = []
    added: list[float] = []
    alone: list[float] = []
    for i in order:
        j = chosen[i]
        rows = cov.indices[cov.indptr[j] : cov.indptr[j + 1]]
        seq.append(j)
        alone.append(float(w[rows].sum()))
        added.append(float(left[rows].sum()))
        left[rows] = 0.0
    return seq, added, alone


def _check_sites(
    demand: Any,
    candidates: Any,
    existing: Any,
    network: Any,
    *,
    k: Any,
    catchment_m: Any,
    weight: str,
    method: Any,
    catchment_min: Any = None,
    snap: tuple[Any, Any, Any] = ("edge", policy.MAX_SNAP_M, "warn"),
) -> None:
    """The check step of :func:`suggest_sites`: every problem raised at once."""
    import geopandas as gpd

    checks = Checks("suggest_sites")
    frames, names = [], []
    for frame, role in ((demand, "demand"), (candidates, "candidates"), (existing, "existing")):
        if frame is None and role != "demand":
            continue
        if not isinstance(frame, gpd.GeoDataFrame):
            checks.add(f"{role} must be a GeoDataFrame of points, got {type(frame).__name__}")
            continue
        frames.append(frame)
        names.append(role)
        if role == "existing":  # services, as in reach: points with a geometry
            checks.points(frame, role)
    if isinstance(demand, gpd.GeoDataFrame):  # missing column, text, negative or infinite
        checks.numeric(demand, weight, "demand", allow_nan=True)
    if isinstance(k, bool) or not isinstance(k, int | np.integer) or k < 1:
        checks.add(f"k must be an integer >= 1, got {k!r}")
    if catchment_min is None:
        checks.radius(catchment_m, "catchment_m")
    policy.check_minutes(checks, catchment_m, catchment_min)
    policy.check_snap(checks, *snap)
    if method not in ("auto", "mclp", "greedy"):
        checks.add(f"method must be 'auto', 'mclp' or 'greedy', got {method!r}")
    checks.crs_with_network(frames, names, network)
    checks.raise_if_any()


def suggest_sites(
    demand: gpd.GeoDataFrame,
    candidates: gpd.GeoDataFrame | None = None,
    *,
    k: int,
    catchment_m: float | None = None,
    catchment_min: float | None = None,
    weight: str = "need",
    covered: pd.Series | None = None,
    existing: gpd.GeoDataFrame | None = None,
    network: Network | None = None,
    method: str = "auto",
    max_pairs: int = 1_000_000,
    time_limit_s: float = 60.0,
    snap: str = "edge",
    max_snap_m: float = policy.MAX_SNAP_M,
    far: str = "warn",
    speed_kmh: float | None = None,
) -> gpd.GeoDataFrame:
    """Pick ``k`` new sites that cover the most uncovered, need-weighted children.

    Maximal covering location problem (Church & ReVelle 1974)::

        maximise   Σ_i w_i y_i
        subject to y_i ≤ Σ_{j : d_ij ≤ r} x_j,   Σ_j x_j = k,   x_j, y_i ∈ {0, 1}

    with ``w_i`` the need weight of demand point ``i`` (0 where already covered),
    ``x_j`` = open candidate ``j``, ``r`` = ``catchment_m`` and ``d_ij`` the distance in
    metres: the straight line without ``network``; over the street network with one,
    measured as :func:`buurtgeo.reach` measures it (from the demand point to the site,
    along the street from where each joins it, the straight offsets included; with
    ``snap='node'`` ``d_ij = offset(i) + D(node(i), node(j)) + offset(j)``, ``node(.)``
    the nearest network node, ``offset(.)`` the straight-line distance to it and ``D``
    the shortest-path length, metres). ``method='mclp'`` solves it exactly with
    ``scipy.optimize.milp`` (HiGHS) on the sparse coverage matrix ``a_ij = [d_ij ≤ r]``
    (only the pairs within ``r`` are ever stored), after merging demand points covered by
    the same candidates (their weights summed: same optimum); ``'greedy'`` adds, ``k``
    times, the candidate that covers the most weight not yet covered (within ``1 − 1/e``
    of the optimum, and the result says by how much at most); ``'auto'`` uses MCLP when
    the pairs within ``r`` number at most ``max_pairs`` and greedy otherwise.

    Parameters
    ----------
    demand : GeoDataFrame
        Demand points (e.g. origins or sector representative points) with the
        ``weight`` column (need-weighted persons), in a projected CRS in metres.
    candidates : GeoDataFrame, optional
        Candidate sites (points); default: the demand points themselves.
    k : int
        Number of sites to pick (>= 1).
    catchment_m : float
        Coverage catchment ``r`` in metres (e.g. the kind's walking catchment, as in
        :func:`buurtgeo.reach`); network metres when ``network`` is given.
    catchment_min : float, optional
        The catchment in minutes instead (``r = catchment_min * speed_kmh * 1000 / 60``,
        the speed as in :func:`buurtgeo.reach`); give one of the two.
    weight : str, default 'need'
        Weight column of ``demand`` (numbers >= 0; an empty value weighs 0, with a
        warning that names the rows; text or negative values are refused).
    covered : Series of bool, optional
        Demand points already covered (e.g. ``reach(...)['covered']``, measured with
        the same ``network``); they weigh 0.
    existing : GeoDataFrame, optional
        Existing services (points): demand points with ``min_e d_ie ≤ r`` (the same
        distance as for the candidates, so ``reach(...)['covered']`` over them) count as
        covered too.
    network : buurtgeo.Network, optional
        Street network (from :func:`buurtgeo.read_network`), in the CRS of the points;
        None (default) measures straight lines. Pass the network the reach was
        measured on, so that the sites cover who the reach reports as uncovered.
    method : {'auto', 'mclp', 'greedy'}
    max_pairs : int, default 1,000,000
        Size limit of the exact model for ``'auto'``: (demand point with weight,
        candidate) pairs within ``r``, the non-zeros of the coverage matrix.
    time_limit_s : float
        HiGHS time limit in seconds; when it stops HiGHS before the optimum is proven,
        the better of its best solution and the greedy choice is returned and
        ``attrs["mip_gap"]`` says how far from the optimum it may be.
    snap, max_snap_m, far
        How points join the network and what those far from every street get, as in
        :func:`buurtgeo.reach` (default: the closest point of the nearest street; a
        warning names the demand points and sites farther than 250 m).
    speed_kmh : float, optional
        Speed that turns ``catchment_min`` into metres (default: the mode's, see
        :func:`buurtgeo.reach`).

    Returns
    -------
    GeoDataFrame
        The chosen candidates (index of ``candidates``) in the order a greedy pass over
        them adds coverage: ``order`` (1..), ``added`` (weight newly covered by this
        site given the ones before it), ``cumulative`` (Σ added), ``covers_alone``
        (uncovered weight within reach of this site alone), ``share_of_uncovered``
        (cumulative / total uncovered weight), geometry (the candidate's point; a
        point on the surface for a polygon). Sites that would add nothing are left out
        (fewer than ``k`` rows). ``attrs``: ``method``, ``distance`` (``'euclidean'`` or
        ``'network'``), ``uncovered_total``, ``covered_total``, ``uncoverable_total``;
        with ``'mclp'`` also ``mip_gap`` (HiGHS's relative gap: 0 when the optimum is
        proven), ``greedy_covered_total`` (what the greedy pass covers on the same
        instance) and ``greedy_gap`` (``1 − greedy / optimum``); with ``'greedy'``
        ``upper_bound`` (an upper bound of the optimum:
        ``min over steps of f(S) + the k largest marginal gains``, Minoux 1978) and
        ``gap_bound`` (``1 − covered_total / upper_bound``, the greedy's gap is at most
        this).

    Notes
    -----
    A demand point that no candidate reaches within ``r`` (beyond the radius, across a
    railway or canal with no crossing near, or on a part of the network that is not
    connected: ``D = inf``) can be covered by no choice of sites: it keeps its weight in
    ``uncovered_total`` (so ``share_of_uncovered`` cannot reach 1), attracts no site,
    and its weight is summed in ``attrs["uncoverable_total"]``. A candidate farther
    than ``r`` from the street it joins covers nothing over the network.

    On a network the demand points are snapped once and the (demand, candidate) pairs
    within ``r`` come from one bounded search per candidate, as in
    :func:`buurtgeo.reach`.
    """
    import geopandas as gpd
    import shapely

    _check_sites(
        demand,
        candidates,
        existing,
        network,
        k=k,
        catchment_m=catchment_m,
        weight=weight,
        method=method,
        catchment_min=catchment_min,
        snap=(snap, max_snap_m, far),
    )
    cands = demand if candidates is None else candidates
    from buurtgeo.reach import _speed

    r = policy.radius_m(catchment_m, catchment_min, _speed(speed_kmh, network))
    w = pd.to_numeric(demand[weight], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    empty = np.isnan(w)
    if empty.any():  # said, not silent: an empty weight counts as no need
        rows = ", ".join(repr(v) for v in demand.index[empty][:5].tolist())
        warnings.warn(
            InputWarning(
                f"suggest_sites: {int(empty.sum())} demand point(s) have an empty {weight!r}"
                f" (rows {rows}); they count as weight 0",
                nl=f"locatievoorstellen: {int(empty.sum())} vraagpunt(en) zonder {weight!r}"
                f" (rijen {rows}); ze tellen als 0",
            ),
            stacklevel=2,
        )
        w = np.where(empty, 0.0, w)
    if covered is not None:
        w = np.where(covered.reindex(demand.index).fillna(False).to_numpy(dtype=bool), 0.0, w)
    dpts = shapely.point_on_surface(np.asarray(demand.geometry.values))
    cpts = shapely.point_on_surface(np.asarray(cands.geometry.values))
    dxy = np.column_stack([shapely.get_x(dpts), shapely.get_y(dpts)])
    cxy = np.column_stack([shapely.get_x(cpts), shapely.get_y(cpts)])
    exy: np.ndarray | None = None  # the existing services' points, when there are any
    if existing is not None and len(existing) > 0:
        epts = np.asarray(existing.geometry.values)
        exy = np.column_stack([shapely.get_x(epts), shapely.get_y(epts)])
    if network is None:
        if exy is not None:
            w = np.where(_within(dxy, exy, r), 0.0, w)
        keep = np.flatnonzero(w > 0)
        cov = _coverage(dxy[keep], cxy, r)
    else:
        from buurtgeo._engines import _OnNetwork

        cut = policy.cut_m(max_snap_m, far)
        engine = _OnNetwork(network, dxy[:, 0], dxy[:, 1], snap=snap, cut_m=cut)  # snapped once
        cand = engine.as_services() if candidates is None else engine.prepare(cxy[:, 0], cxy[:, 1])
        policy.report_far(
            "suggest_sites", engine.snap_m, cand.snap_m, cands.index,
            max_snap_m=float(max_snap_m), far=far, names=("demand point(s)", "candidate row(s)"),
        )  # fmt: skip
        if exy is not None:
            # reach's `covered`: the nearest existing service over the network within r
            w = np.where(engine.nearest(engine.prepare(exy[:, 0], exy[:, 1])) <= r, 0.0, w)
        keep = np.flatnonzero(w > 0)
        cov = _network_coverage(engine, cand, r, keep)
    wk = w[keep]
    k = min(int(k), len(cands))
    cov = cov.tocsc()
    if method == "auto":
        method = "mclp" if cov.nnz <= max_pairs else "greedy"
    solved = _solve(cov, wk, k, method, time_limit_s)
    seq, added, alone = _in_order(cov, wk, solved.pop("chosen"))
    total = float(wk.sum())
    reachable = np.diff(cov.tocsr().indptr) > 0
    out = gpd.GeoDataFrame(
        {
            "order": np.arange(1, len(seq) + 1),
            "added": added,
            "cumulative": np.cumsum(added) if added else [],
            "covers_alone": alone,
        },
        geometry=cpts[seq] if seq else [],
        index=cands.index[seq],
        crs=cands.crs,
    )
    out["share_of_uncovered"] = out["cumulative"] / total if total > 0 else np.nan
    out.attrs.update(
        {
            **solved,
            "distance": "euclidean" if network is None else "network",
            "uncovered_total": total,
            "covered_total": float(out["added"].sum()),
            "uncoverable_total": float(wk[~reachable].sum()),
        }
    )
    return out
