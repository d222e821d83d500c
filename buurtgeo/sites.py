"""Site suggestions: k new sites covering the most uncovered, need-weighted children.

Stage 4 of the pipeline (``reach per origin -> indicators per area``):
:func:`suggest_sites` solves the maximal covering location problem (spopt ``MCLP`` with
CBC, or greedy) over straight lines or over the street network, measured as
:func:`buurtgeo.reach` measures it.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from buurtgeo import _snap_policy as policy
from buurtgeo._checks import Checks

if TYPE_CHECKING:  # pragma: no cover
    import geopandas as gpd

    from buurtgeo.network import Network

__all__ = ["suggest_sites"]


def _coverage(demand_xy: np.ndarray, cand_xy: np.ndarray, radius_m: float):
    """Sparse boolean (demand × candidate) matrix: straight-line distance <= radius."""
    import scipy.sparse as sp
    from scipy.spatial import cKDTree

    dm = cKDTree(cand_xy).sparse_distance_matrix(
        cKDTree(demand_xy), radius_m, output_type="coo_matrix"
    )
    cov = sp.coo_matrix(
        (np.ones(dm.nnz, dtype=bool), (dm.col, dm.row)), shape=(len(demand_xy), len(cand_xy))
    ).tocsc()
    # the coo output keeps zero distances: a candidate on a demand point covers it
    return cov


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


def _greedy(cov, w: np.ndarray, k: int) -> list[int]:
    """Pick k candidates, each time the one adding the most uncovered weight (lowest index on ties)."""
    left = w.copy()
    chosen: list[int] = []
    covt = cov.T.tocsr().astype(float)
    for _ in range(k):
        gain = covt @ left
        if chosen:
            gain[chosen] = -1.0
        j = int(np.argmax(gain))
        if gain[j] <= 0:
            break
        chosen.append(j)
        left[cov[:, j].toarray().ravel()] = 0.0
    return chosen


def _mclp(cov, w: np.ndarray, k: int, time_limit_s: float) -> list[int]:
    import pulp
    from spopt.locate import MCLP

    dense = np.where(cov.toarray(), 0.0, 2.0)  # covered ↔ cost 0 <= radius 1
    with warnings.catch_warnings():
        # pulp 3.x announces its 4.0 API on every variable; nothing for users to act on
        warnings.simplefilter("ignore", DeprecationWarning)
        model = MCLP.from_cost_matrix(dense, w, service_radius=1.0, p_facilities=int(k))
        model.solve(pulp.PULP_CBC_CMD(msg=False, timeLimit=time_limit_s), results=False)
    return [j for j, var in enumerate(model.fac_vars) if (var.value() or 0) > 0.5]


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
    if network is not None and checks.network(network):
        frames.append(network)
        names.append("network")
    if frames:
        checks.crs(frames, names)
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
    max_pairs: int = 250_000,
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
    ``snap='node'`` ``d_ij = offset(i) + D(node(i), node(j)) + offset(j)``).
    ``method='mclp'`` solves it exactly with ``spopt.locate.MCLP`` and pulp's
    bundled CBC; ``'greedy'`` adds, ``k`` times, the candidate that covers the most
    weight not yet covered (within ``1 − 1/e`` of the optimum); ``'auto'`` uses MCLP
    when demand × candidates ≤ ``max_pairs`` and greedy otherwise.

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
    max_pairs : int, default 250,000
        Size limit (demand points with weight × candidates) of the exact model for
        ``'auto'``; spopt builds the model in Python, ≈ 8 s at 500 × 500.
    time_limit_s : float
        CBC time limit in seconds.
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
        point on the surface for a polygon). ``attrs``: ``method``, ``distance``
        (``'euclidean'`` or ``'network'``), ``uncovered_total``, ``covered_total``,
        ``uncoverable_total``.

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
            f"suggest_sites: {int(empty.sum())} demand point(s) have an empty {weight!r} "
            f"(rows {rows}); they count as weight 0",
            UserWarning,
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
            near = _coverage(dxy, exy, r)
            w = np.where(np.asarray(near.sum(axis=1)).ravel() > 0, 0.0, w)
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
    if method == "auto":
        method = "mclp" if len(keep) * len(cands) <= max_pairs else "greedy"
    if len(keep) == 0:
        chosen: list[int] = []
    elif method == "mclp":
        chosen = _mclp(cov, wk, k, time_limit_s)
    else:
        chosen = _greedy(cov, wk, k)
    # order the chosen sites by what each adds, greedily among themselves
    order = _greedy(cov[:, chosen], wk, len(chosen)) if chosen else []
    rest = [i for i in range(len(chosen)) if i not in order]
    seq = [chosen[i] for i in order + rest]
    left = wk.copy()
    added, alone = [], []
    for j in seq:
        mask = cov[:, j].toarray().ravel()
        alone.append(float(wk[mask].sum()))
        added.append(float(left[mask].sum()))
        left[mask] = 0.0
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
            "method": method,
            "distance": "euclidean" if network is None else "network",
            "uncovered_total": total,
            "covered_total": float(out["added"].sum()),
            "uncoverable_total": float(wk[~reachable].sum()),
        }
    )
    return out
