"""Equity of access across children: Gini, concentration index, below the norm, deprived vs rest.

Stage 4 of the pipeline (``indicators per area``), read on any table with one row per
unit (origin, sector or area), e.g. the :func:`buurtgeo.gaps` rows of one kind:

* :func:`gini` — the weighted Gini coefficient of access across people;
* :func:`concentration_index` — whether access is concentrated among the more or the
  less deprived;
* :func:`equity` — both, with the share below a norm and the mean access of deprived
  units against the rest, overall or per group.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from buurtgeo._checks import Checks

__all__ = ["equity", "gini", "concentration_index"]


def _weights_values(x: Any, w: Any) -> tuple[np.ndarray, np.ndarray]:
    """The check step of :func:`gini`; the units with a finite access and a weight > 0."""
    x = np.asarray(x, dtype=float)
    w = np.ones_like(x) if w is None else np.asarray(w, dtype=float)
    checks = Checks("gini")
    if x.shape != w.shape:
        checks.add(f"access and weights must have the same length, got {x.shape} and {w.shape}")
    if (w[np.isfinite(w)] < 0).any():
        checks.add("weights must be >= 0")
    checks.raise_if_any()
    ok = np.isfinite(x) & np.isfinite(w) & (w > 0)
    return x[ok], w[ok]


def gini(access: Any, weights: Any = None) -> float:
    """Weighted Gini coefficient of access across people.

    ::

        G = Σ_i Σ_j w_i w_j |x_i − x_j| / (2 W² μ),   W = Σ w_i,  μ = Σ w_i x_i / W

    computed in ``O(n log n)`` after sorting by ``x``: with ``C_i`` the cumulative
    weight up to and including ``i``, ``G = Σ_i w_i x_i (2 C_i − w_i − W) / (W² μ)``.
    0 = everyone has the same access; 1 = one person has it all. Units with missing
    or infinite access, or zero weight, are left out.

    Parameters
    ----------
    access : array-like of float
        Access per unit (e.g. places per 100 children), >= 0.
    weights : array-like of float, optional
        People per unit (persons); default 1 each.

    Returns
    -------
    float
        NaN when there is no weight or mean access is 0.
    """
    x, w = _weights_values(access, weights)
    if len(x) == 0:
        return float("nan")
    order = np.argsort(x, kind="stable")
    x, w = x[order], w[order]
    total = w.sum()
    mu = (w * x).sum() / total
    if mu <= 0:
        return float("nan")
    cum = np.cumsum(w)
    return float((w * x * (2 * cum - w - total)).sum() / (total**2 * mu))


def concentration_index(access: Any, deprivation: Any, weights: Any = None) -> float:
    """Concentration index of access, ranked from the most to the least deprived.

    ::

        CI = 2 · cov_w(x, R) / μ = (2 / (W μ)) Σ_i w_i (x_i − μ)(R_i − ½)

    with ``R_i = (C_{i−1} + w_i/2) / W`` the weighted fractional rank of unit ``i``
    when units are ordered by *decreasing* deprivation (units with equal deprivation
    share their mean rank). ``CI < 0``: access is concentrated among the more deprived
    (pro-poor); ``CI > 0``: among the less deprived; range (−1, 1).

    Parameters
    ----------
    access : array-like of float
        Access per unit.
    deprivation : array-like of float
        Deprivation per unit (higher = more deprived).
    weights : array-like of float, optional
        People per unit (persons); default 1 each.

    Returns
    -------
    float
    """
    x = np.asarray(access, dtype=float)
    d = np.asarray(deprivation, dtype=float)
    w = np.ones_like(x) if weights is None else np.asarray(weights, dtype=float)
    ok = np.isfinite(x) & np.isfinite(d) & np.isfinite(w) & (w > 0)
    x, d, w = x[ok], d[ok], w[ok]
    if len(x) == 0:
        return float("nan")
    order = np.argsort(-d, kind="stable")
    x, d, w = x[order], d[order], w[order]
    total = w.sum()
    cum = np.cumsum(w)
    rank = (cum - w / 2) / total
    # ties in deprivation share their weighted mean rank
    _, group = np.unique(-d, return_inverse=True)
    rank = (np.bincount(group, weights=w * rank) / np.bincount(group, weights=w))[group]
    mu = (w * x).sum() / total
    if mu == 0:
        return float("nan")
    return float(2.0 * (w * (x - mu) * (rank - 0.5)).sum() / (total * mu))


def equity(
    table: pd.DataFrame,
    *,
    access: str,
    weight: str | None = None,
    deprivation: str | None = None,
    norm: float | None = None,
    deprived: str | float | None = None,
    by: str | None = None,
) -> pd.DataFrame:
    """Equity of access across children: Gini, concentration index, below norm, deprived vs rest.

    Parameters
    ----------
    table : DataFrame
        One row per unit (origin, sector or area), e.g. the :func:`buurtgeo.gaps` rows of one
        kind (``.xs(kind, level='service_kind')``) joined with a deprivation column.
    access : str
        Column of access per unit (e.g. ``'places_per_100_2sfca'``).
    weight : str, optional
        Column of people per unit (e.g. ``'children'``); default 1 per unit.
    deprivation : str, optional
        Column of deprivation (higher = more deprived), for the concentration index
        and the deprived/rest split.
    norm : float, optional
        Access that counts as enough, for ``share_below_norm``.
    deprived : str or float, optional
        Which units are deprived: a boolean column; or a fraction ``q`` (default
        ``1/3``): units whose weighted fractional rank by decreasing deprivation
        ``(C_{i−1} + w_i/2) / W`` is under ``q`` (ties in row order; a unit is in when
        more than half of its weight is). Units with unknown deprivation, access or
        weight are in neither group.
    by : str, optional
        Column to compute the figures per group (e.g. ``'municipality_nis'``).

    Returns
    -------
    DataFrame
        One row per group (index ``by``, or one row ``'all'``): ``people`` (Σ w),
        ``mean_access`` (``Σ w x / Σ w``), ``gini`` (:func:`gini`),
        ``concentration_index`` (:func:`concentration_index`), ``share_below_norm``
        (``Σ_{x < norm} w / Σ w``), ``mean_access_deprived``, ``mean_access_rest``
        and ``ratio_deprived_rest`` (deprived mean / rest mean).
    """
    checks = Checks("equity")
    needed = [access] + [c for c in (weight, deprivation, by) if c is not None]
    if isinstance(deprived, str):
        needed.append(deprived)
    for column in dict.fromkeys(needed):  # a column named twice is missing once
        if column not in table.columns:
            checks.missing_column(column, "equity", table.columns)
    if deprived is not None and not isinstance(deprived, str) and not 0 < deprived < 1:
        checks.add(f"deprived must be a column or a fraction between 0 and 1 (found {deprived!r})")
    checks.raise_if_any()

    groups = [("all", table)] if by is None else list(table.groupby(by, sort=True))
    rows = []
    for _key, part in groups:
        x = pd.to_numeric(part[access], errors="coerce").to_numpy(dtype=float)
        w = (
            np.ones(len(part))
            if weight is None
            else pd.to_numeric(part[weight], errors="coerce").to_numpy(dtype=float)
        )
        ok = np.isfinite(x) & np.isfinite(w)
        total = w[ok].sum()
        mean = (w[ok] * x[ok]).sum() / total if total > 0 else np.nan
        row = {"people": total, "mean_access": mean, "gini": gini(x, w)}
        if norm is not None:
            row["share_below_norm"] = w[ok & (x < norm)].sum() / total if total > 0 else np.nan
        if deprivation is not None:
            d = pd.to_numeric(part[deprivation], errors="coerce").to_numpy(dtype=float)
            row["concentration_index"] = concentration_index(x, d, w)
            if isinstance(deprived, str):
                flag = part[deprived].fillna(False).astype(bool).to_numpy()
                rest_flag = ~flag
            else:
                # only units with a known deprivation and weight are split; the others
                # are neither deprived nor rest (as in the concentration index)
                q = 1 / 3 if deprived is None else float(deprived)
                known = np.flatnonzero(ok & np.isfinite(d))
                order = known[np.argsort(-d[known], kind="stable")]
                mid = np.cumsum(w[order]) - w[order] / 2
                flag = np.zeros(len(part), dtype=bool)
                flag[order] = mid < q * w[known].sum()
                rest_flag = np.zeros(len(part), dtype=bool)
                rest_flag[known] = ~flag[known]
            for name, sel in (("deprived", flag), ("rest", rest_flag)):
                s = ok & sel
                ws = w[s].sum()
                row[f"mean_access_{name}"] = (w[s] * x[s]).sum() / ws if ws > 0 else np.nan
            rest = row["mean_access_rest"]
            row["ratio_deprived_rest"] = row["mean_access_deprived"] / rest if rest else np.nan
        rows.append(row)
    index = pd.Index([k for k, _ in groups], name=by or "group")
    return pd.DataFrame(rows, index=index)
