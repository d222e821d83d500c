"""One weighted aggregation, for sectors and areas: extensive summed, intensive weighted.

:class:`Groups` is the primitive: rows grouped by a label, with

* extensive variables (counts: children, places, services) summed:
  ``X_g = sum_{i in g} x_i``;
* intensive variables (rates, shares, distances) as weighted means:
  ``Y_g = sum_{i in g} w_i y_i / sum_{i in g} w_i`` (NaN where the weights sum to 0);
* the lower weighted median: the smallest ``y`` whose cumulative weight reaches half
  the group's.

:func:`aggregate_reach` summarises :func:`buurtgeo.reach` results per sector or area
with it, and :func:`buurtgeo.aggregate_to_areas` any sector table.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from buurtgeo import schema
from buurtgeo._checks import Checks

__all__ = ["AGGREGATE_COLUMNS", "Groups", "aggregate_reach"]


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


# --------------------------------------------------------------------------------------
# The primitive
# --------------------------------------------------------------------------------------


class Groups:
    """Rows grouped by a label, and their extensive and intensive summaries.

    Parameters
    ----------
    labels : Series or array-like, shape (n_rows,)
        The group of each row; rows with a missing label belong to no group and are
        left out of every summary.

    Attributes
    ----------
    labels : Index
        The groups, sorted; every summary has one value per group, in this order.
    codes : ndarray of int64, shape (n_rows,)
        Position of each row's group in ``labels``; -1 for a row without a group.
    n : int
        Number of groups.

    Notes
    -----
    ``skipna=True`` (sector tables, :func:`buurtgeo.aggregate_to_areas`): the sums run
    over the rows whose value (and weight) are known, a group with no known value gets
    NaN, and a row of weight 0 adds nothing (even an infinite value).
    ``skipna=False`` (:func:`aggregate_reach`): every row of the group counts, so an
    unknown value makes the group's summary unknown.
    """

    def __init__(self, labels: Any) -> None:
        codes, uniques = pd.factorize(labels, sort=True, use_na_sentinel=True)
        self.codes: np.ndarray = codes
        self.labels = uniques
        self.n: int = len(uniques)
        self._in = codes >= 0  # rows with a group
        self._all = bool(self._in.all())  # then no row needs masking out
        self._c = codes if self._all else codes[self._in]
        # the group codes in the narrowest unsigned type: numpy's stable sort of 8- and
        # 16-bit integers is a radix sort (linear), used by the weighted median
        self._c_small = self._c.astype(np.uint16) if self.n <= 1 << 16 else self._c

    @property
    def without_group(self) -> int:
        """Rows that belong to no group."""
        return int((~self._in).sum())

    def count(self) -> np.ndarray:
        """Rows per group (extensive): ``N_g = #{i in g}``."""
        return np.bincount(self._c, minlength=self.n)

    def total(self, x: np.ndarray, *, skipna: bool = True) -> np.ndarray:
        """Extensive: ``X_g = sum_{i in g} x_i`` (the unit of ``x``)."""
        if not skipna:
            return np.bincount(self._c, weights=x if self._all else x[self._in], minlength=self.n)
        ok = self._in & ~np.isnan(x)
        c = self.codes[ok]
        total = np.bincount(c, weights=x[ok], minlength=self.n)
        known = np.bincount(c, minlength=self.n)
        return np.where(known > 0, total, np.nan)

    def mean(
        self,
        x: np.ndarray,
        w: np.ndarray | None = None,
        *,
        skipna: bool = True,
        den: np.ndarray | None = None,
    ) -> np.ndarray:
        """Intensive: ``Y_g = sum_{i in g} w_i x_i / sum_{i in g} w_i`` (the unit of ``x``;
        ``w`` None: 1 per row); NaN where the weights sum to 0. With ``skipna=False``,
        ``den`` may pass ``sum_{i in g} w_i`` when the caller has it (``total(w)``)."""
        w = np.ones(len(x)) if w is None else w
        if skipna:
            ok = self._in & ~np.isnan(x) & ~np.isnan(w)
            c, w = self.codes[ok], w[ok]
            with np.errstate(invalid="ignore"):
                wx = np.where(w == 0, 0.0, w * x[ok])
        elif self._all:
            c, wx = self._c, w * x
        else:
            c, wx, w = self._c, (w * x)[self._in], w[self._in]
        num = np.bincount(c, weights=wx, minlength=self.n)
        if den is None or skipna:
            den = np.bincount(c, weights=w, minlength=self.n)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.divide(num, den, out=np.full(self.n, np.nan), where=den > 0)

    def median(self, x: np.ndarray, w: np.ndarray) -> np.ndarray:
        """Intensive: the lower weighted median of ``x`` over the rows with a finite value
        and a weight > 0 (NaN for a group with none)."""
        if self._all:
            return _weighted_median(self._c_small, x, w, self.n)
        return _weighted_median(self._c_small, x[self._in], w[self._in], self.n)


def _weighted_median(
    codes: np.ndarray, values: np.ndarray, weights: np.ndarray, n_groups: int
) -> np.ndarray:
    """Lower weighted median per group: smallest v with cumulative weight >= half the total.

    The rows are sorted by value, then stably by group (``np.lexsort((v, c))``, several
    times faster: with ``codes`` of 16 bits or less the second sort is a radix sort)."""
    out = np.full(n_groups, np.nan)
    sel = (weights > 0) & np.isfinite(values)
    if sel.all():  # the usual case: no copies
        c, v, w = codes, values, weights
    else:
        c, v, w = codes[sel], values[sel], weights[sel]
    if len(c) == 0:
        return out
    by_value = np.argsort(v)
    order = by_value[np.argsort(c[by_value], kind="stable")]
    # the codes in that order are the codes sorted (a stable sort moves values, not labels)
    c, v, w = np.sort(c).astype(np.intp, copy=False), v[order], w[order]
    total = np.bincount(c, weights=w, minlength=n_groups)
    base = np.cumsum(total) - total
    within = np.cumsum(w) - base[c]
    hit = np.flatnonzero(within >= 0.5 * total[c] * (1.0 - 1e-12))
    ch = c[hit]  # sorted: the first hit of each group is where its code changes
    first = np.flatnonzero(np.r_[True, ch[1:] != ch[:-1]])
    out[ch[first]] = v[hit[first]]
    return out


# --------------------------------------------------------------------------------------
# Reach per sector or area
# --------------------------------------------------------------------------------------


def _group_labels(by: Any, origins: pd.DataFrame, checks: Checks) -> tuple[Any, str]:
    """The group of each origin (a Series on its index) and the groups' name."""
    if isinstance(by, str):
        if by not in origins.columns:
            checks.add(
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
        checks.add(
            "by is a Series that is neither on the origins' index nor indexed by a column of "
            f"origins (its index is named {key!r})"
        )
        return None, name
    arr = np.asarray(by)
    if arr.shape != (len(origins),):
        checks.add(f"by must be a column name, a Series or {len(origins)} labels")
        return None, "group"
    return pd.Series(arr, index=origins.index), "group"


def _weight_array(
    weight: Any,
    origins: pd.DataFrame,
    suffix: str,
    attrs: Mapping[str, Any],
    checks: Checks,
    columns: dict[str, np.ndarray | None],
) -> np.ndarray | None:
    """The weight of each origin for the columns ending in ``suffix`` (persons); the
    columns of ``origins`` it reads are checked once and kept in ``columns``."""
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
            checks.add("weight='target' needs a result of reach/reach_all (attrs lost)")
            return None
        cols = spec.split("+")
    elif isinstance(weight, Mapping):
        if kind not in weight:
            checks.add(f"weight has no entry for kind {kind!r}")
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
            checks.add(f"weight must hold {len(origins)} finite values >= 0")
            return None
        return arr
    total = np.zeros(len(origins))
    for c in cols:
        if c not in columns:
            columns[c] = checks.numeric(origins, c, "origins", allow_nan=False)
        values = columns[c]
        if values is None:
            return None
        total += values
    return total


def _check_aggregate(
    result: Any, origins: Any, by: Any, weight: Any, catchment_m: Any
) -> tuple[Any, str, dict[str, np.ndarray]]:
    """The check step of :func:`aggregate_reach`: the group of each origin, the groups'
    name and the weights per column suffix (``''`` or ``'__<kind>'``)."""
    checks = Checks("aggregate_reach")
    if not isinstance(result, pd.DataFrame) or not isinstance(origins, pd.DataFrame):
        checks.add("result and origins must be DataFrames")
        checks.raise_if_any()
    if not result.index.equals(origins.index):
        checks.add("result is not on the origins' index (pass the origins reach was computed for)")
    if catchment_m is not None:
        checks.radius(catchment_m, "catchment_m")
    suffixes = [
        str(c)[len("dist_nearest_m") :]
        for c in result.columns
        if str(c) == "dist_nearest_m" or str(c).startswith("dist_nearest_m__")
    ]
    if not suffixes:
        checks.add("result has no dist_nearest_m column: pass the output of reach/reach_all")
    labels, name = _group_labels(by, origins, checks)
    columns: dict[str, np.ndarray | None] = {}
    weights = {
        s: _weight_array(weight, origins, s, result.attrs, checks, columns) for s in suffixes
    }
    checks.raise_if_any()
    # a weight is None only where a problem was recorded, and raised above
    return labels, name, {s: w for s, w in weights.items() if w is not None}


def aggregate_reach(
    result: pd.DataFrame,
    origins: pd.DataFrame,
    *,
    by: str | pd.Series = "sector_id",
    weight: str | Mapping[str, str] | pd.Series | None = "children_0_2",
    catchment_m: float | None = None,
) -> pd.DataFrame:
    """Reach per sector or area: population-weighted summaries of :func:`buurtgeo.reach` results.

    Parameters
    ----------
    result : DataFrame
        Output of :func:`buurtgeo.reach` or :func:`buurtgeo.reach_all` (wide ``<indicator>__<kind>``
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
        :func:`buurtgeo.reach_all`); a Series; None for 1 per origin.
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
        zero weight gets NaN for the intensive columns. For a :func:`buurtgeo.reach_all` result
        every column carries the ``__<kind>`` suffix. See :data:`AGGREGATE_COLUMNS`.
    """
    labels, name, weights = _check_aggregate(result, origins, by, weight, catchment_m)
    groups = Groups(labels)
    cols: dict[str, np.ndarray] = {}
    # every origin counts (skipna=False): an unknown value makes its group's unknown
    for s, w in weights.items():
        d = result[f"dist_nearest_m{s}"].to_numpy(dtype=np.float64)
        finite = np.isfinite(d)
        reachable = w * finite  # the weight of reachable origins only
        cols[f"n_origins{s}"] = groups.count()
        cols[f"target_pop{s}"] = groups.total(w, skipna=False)
        cols[f"mean_dist_m{s}"] = groups.mean(np.where(finite, d, 0.0), reachable, skipna=False)
        cols[f"median_dist_m{s}"] = groups.median(d, w)
        pop = cols[f"target_pop{s}"]  # = sum of w per group: every w-weighted mean's denominator
        cols[f"share_unreachable{s}"] = groups.mean(~finite, w, skipna=False, den=pop)
        if f"time_nearest_min{s}" in result.columns:
            t = result[f"time_nearest_min{s}"].to_numpy(dtype=np.float64)
            cols[f"mean_time_min{s}"] = groups.mean(
                np.where(finite, t, 0.0), reachable, skipna=False
            )
        if catchment_m is not None:
            cov = d <= catchment_m
        elif f"covered{s}" in result.columns:
            cov = result[f"covered{s}"].to_numpy(dtype=bool)
        else:
            cov = None
        if cov is not None:
            cols[f"share_covered{s}"] = groups.mean(cov, w, skipna=False, den=pop)
        for col in ("services_within", "capacity_within", "fca2"):
            if f"{col}{s}" in result.columns:
                x = result[f"{col}{s}"].to_numpy(dtype=np.float64)
                cols[f"{col}{s}"] = groups.mean(x, w, skipna=False, den=pop)
        if f"fca2{s}" in cols:
            cols[f"places_per_100_2sfca{s}"] = 100.0 * cols[f"fca2{s}"]
    out = pd.DataFrame(cols, index=pd.Index(groups.labels, name=name))
    out.attrs["origins_without_group"] = groups.without_group
    out.attrs["weight"] = weight if isinstance(weight, str) or weight is None else "custom"
    return out
