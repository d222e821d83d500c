"""Need and gap indicators per area and service kind.

Stage 4 of the pipeline (``reach per origin -> indicators per area``). Everything is
per *area* (a *dicht-bij-huis* buurt: see :mod:`buurtgeo.areas`) and per service kind:

* :func:`need_score` — children in the target band, optionally weighted up by a
  deprivation score;
* :func:`gaps` — the B's of a *basisvoorziening*: beschikbaar (places per 100 children,
  same-area and floating 2SFCA, against a norm; missing places), bereikbaar (share of
  children beyond the catchment, mean distance), betaalbaar (share of places with an
  income-related tariff); a gap score, bivariate need × reach classes and a rank.

Equity across children is in :mod:`buurtgeo.equity`, what-if changes in
:mod:`buurtgeo.scenarios`, site suggestions in :mod:`buurtgeo.sites`, small-number
suppression for publication in :mod:`buurtgeo.outputs`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from buurtgeo import schema
from buurtgeo._checks import SHOW, Checks, row_labels, shown
from buurtgeo.areas import area_of, sector_area_of
from buurtgeo.errors import InputError
from buurtgeo.options import get_option
from buurtgeo.suppression import suppress_small

if TYPE_CHECKING:  # pragma: no cover
    import geopandas as gpd

__all__ = [
    "need_score",
    "gaps",
    "GAP_COLUMNS",
]

#: Columns of :func:`gaps`, in order.
GAP_COLUMNS: tuple[str, ...] = (
    "area_name",
    "municipality_nis",
    "children",
    "need",
    "n_services",
    "places",
    "places_per_100_in_area",
    "places_per_100_2sfca",
    "norm",
    "missing_places",
    "missing_places_2sfca",
    "share_below_norm",
    "share_beyond_catchment",
    "share_unreachable",
    "mean_dist_m",
    "share_income_related",
    "shortfall",
    "gap_score",
    "need_class",
    "reach_class",
    "bivariate_class",
    "class_label",
    "high_need_low_reach",
    "rank",
)

# need (rows) × reach (columns) levels, 1 = low .. 3 = high; reach level 1 = low reach
_LEVEL = {
    "nl": {1: "lage", 2: "gemiddelde", 3: "hoge"},
    "en": {1: "low", 2: "medium", 3: "high"},
}
_REACH_LEVEL = {
    "nl": {1: "laag", 2: "gemiddeld", 3: "hoog"},
    "en": {1: "low", 2: "medium", 3: "high"},
}


def _class_label(need: int, reach: int, language: str) -> str:
    if language == "en":
        return f"{_LEVEL['en'][need]} need / {_REACH_LEVEL['en'][reach]} reach"
    return f"{_LEVEL['nl'][need]} nood / {_REACH_LEVEL['nl'][reach]} bereik"


def _tercile(values: pd.Series) -> pd.Series:
    """Tercile class 1..3 by mid-rank: ``ceil(3 · (rank_avg − ½) / n)`` over the known values.

    The mid-rank percentile ``(rank_avg − ½) / n`` is symmetric (its mean is ½): equal
    values all fall in class 2, and ``n`` distinct values split as evenly upward as
    downward (4 values: 1, 2, 2, 3; ``rank_avg / n`` would give 1, 2, 3, 3).
    """
    known = values.dropna()
    out = pd.Series(pd.NA, index=values.index, dtype="Int64")
    if len(known) == 0:
        return out
    mid = (known.rank(method="average").to_numpy() - 0.5) / len(known)
    out.loc[known.index] = np.clip(np.ceil(3 * mid - 1e-9), 1, 3).astype(int)
    return out


# --------------------------------------------------------------------------------------
# Need
# --------------------------------------------------------------------------------------

_SCALES = ("share", "minmax", "rank")


def _check_alpha(checks: Checks, alpha: Any) -> None:
    """Record a problem unless ``alpha`` (extra weight of a deprived child) is a number >= 0."""
    if not (isinstance(alpha, int | float) and np.isfinite(alpha) and alpha >= 0):
        checks.add(f"alpha must be a number >= 0 (found {alpha!r})")


def _check_deprivation(checks: Checks, deprivation: Any, how: Any) -> None:
    """Record what keeps ``deprivation`` from being rescaled with ``how`` (see :func:`_rescale`)."""
    if how not in _SCALES:
        checks.add(
            f"unknown deprivation_scale (expected 'share', 'minmax' or 'rank'; found {how!r})"
        )
        return
    if how == "share":
        d = pd.to_numeric(deprivation, errors="coerce").astype(float)
        bad = ((d < 0) | (d > 1)).to_numpy()
        if bad.any():
            checks.add(
                f"deprivation values must be shares between 0 and 1, but "
                f"{row_labels(d.index, bad)} are not (found {d[bad].head(SHOW).tolist()}): "
                "pass deprivation_scale='minmax' or 'rank' to rescale a score"
            )


def _rescale(d: pd.Series, how: str) -> pd.Series:
    """Deprivation as a weight in [0, 1]: ``how`` as in :func:`need_score` (checked before)."""
    d = pd.to_numeric(d, errors="coerce").astype(float)
    if how == "minmax":
        lo, hi = d.min(), d.max()
        return (d - lo) / (hi - lo) if hi > lo else d * 0.0
    if how == "rank":
        return d.rank(method="average", pct=True)
    return d  # 'share': already a share in [0, 1]


def need_score(
    children: pd.Series,
    deprivation: pd.Series | None = None,
    *,
    alpha: float = 1.0,
    deprivation_scale: str = "share",
) -> pd.Series:
    """Need score per unit (sector, origin or area): children weighted up by deprivation.

    ::

        need_i = c_i · (1 + α · d_i)

    with ``c_i`` the children in the target band (persons), ``d_i ∈ [0, 1]`` the
    deprivation weight and ``α`` how much extra a deprived child counts (``α = 1``: a
    child in a fully deprived unit counts double). Without deprivation
    ``need_i = c_i``. Need is extensive: an area's need is the sum over its sectors,
    ``need_a = Σ c_i (1 + α d_i) = C_a (1 + α d̄_a)`` with ``d̄_a`` the child-weighted
    mean deprivation.

    Parameters
    ----------
    children : Series
        Children per unit (persons, >= 0).
    deprivation : Series, optional
        Deprivation per unit on the same index (missing units count ``d = 0`` and are
        listed in ``attrs["deprivation_missing"]``).
    alpha : float, default 1.0
        Extra weight of a fully deprived child (>= 0).
    deprivation_scale : {'share', 'minmax', 'rank'}, default 'share'
        ``'share'``: ``d`` is already a share in [0, 1] (e.g. children in poverty);
        ``'minmax'``: ``d = (s − min s) / (max s − min s)`` (e.g. a BIMD score);
        ``'rank'``: ``d`` = percentile rank of ``s`` (ties averaged).

    Returns
    -------
    Series
        ``need`` (need-weighted persons) on ``children.index``.
    """
    checks = Checks("need_score")
    _check_alpha(checks, alpha)
    c = pd.to_numeric(children, errors="coerce").astype(float)
    negative = (c < 0).to_numpy()
    if negative.any():
        checks.add(
            f"children must be >= 0, but {row_labels(c.index, negative)} are negative "
            f"(found {c[negative].head(SHOW).tolist()})"
        )
    if deprivation is not None:
        _check_deprivation(checks, deprivation, deprivation_scale)
    checks.raise_if_any()

    out = c.rename("need")
    out.attrs["deprivation_missing"] = []
    if deprivation is None:
        return out
    d = _rescale(deprivation, deprivation_scale).reindex(c.index)
    missing = d.index[d.isna()]
    out = (c * (1.0 + alpha * d.fillna(0.0))).rename("need")
    out.attrs["deprivation_missing"] = [str(x) for x in missing]
    return out


# --------------------------------------------------------------------------------------
# Gaps: the check step
# --------------------------------------------------------------------------------------


def _kind_frames(
    reach: pd.DataFrame, kinds: Sequence[str] | None, checks: Checks
) -> dict[str, pd.DataFrame]:
    """Split a reach/reach_all result into one plain frame per kind (none on a problem)."""
    if "dist_nearest_m" in reach.columns:
        if kinds is None or len(kinds) != 1:
            checks.add(
                "a result of reach() holds one kind: say which with kinds=['<kind>'] "
                "(or pass the output of reach_all())"
            )
            return {}
        return {kinds[0]: reach}
    found = [
        str(c)[len("dist_nearest_m__") :]
        for c in reach.columns
        if str(c).startswith("dist_nearest_m__")
    ]
    if not found:
        checks.add(
            f"reach has no dist_nearest_m column (found {shown([str(c) for c in reach.columns])}): "
            "pass the output of buurtgeo.reach or buurtgeo.reach_all"
        )
        return {}
    wanted = list(kinds) if kinds is not None else found
    unknown = [k for k in wanted if k not in found]
    if unknown:
        checks.add(f"reach has no results for kind(s) {unknown} (expected some of {found})")
        return {}
    out = {}
    for k in wanted:
        cols = [c for c in reach.columns if str(c).endswith(f"__{k}")]
        frame = reach[cols].rename(columns=lambda c, k=k: str(c)[: -len(k) - 2])
        frame.attrs = dict(reach.attrs.get("kinds", {}).get(k, {}))
        out[k] = frame
    return out


def _norms(norm: float | Mapping[str, float], kinds: Iterable[str], checks: Checks) -> dict:
    out = {}
    for k in kinds:
        value = norm.get(k, 33.0) if isinstance(norm, Mapping) else norm
        if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
            checks.add(f"norm for {k!r} must be a number > 0 (places per 100), got {value!r}")
        out[k] = float(value) if isinstance(value, int | float) else np.nan
    return out


def _demand(
    frames: Mapping[str, pd.DataFrame], origins: pd.DataFrame, checks: Checks
) -> dict[str, list[str]]:
    """The origin columns counted as children, per kind."""
    demand: dict[str, list[str]] = {}
    for k, frame in frames.items():
        # the children counted are the demand the 2SFCA was computed with (reach's
        # attrs["population"], e.g. a targets= override of reach_all); only without
        # it the kind's target band: another population would break Σ c_i A_i = Σ S_j
        spec = frame.attrs.get("population")
        if isinstance(spec, str) and spec:
            band = [spec] if spec in origins.columns else spec.split("+")
        else:
            try:
                band = list(schema.get_service_kind(k).target)
            except InputError as exc:
                checks.add(str(exc))
                continue
        demand[k] = band
        for c in band:
            if c not in origins.columns:
                checks.add(f"origins lack the target column {c!r} of kind {k!r}")
    return demand


def _check_gaps(
    areas: Any,
    origins: Any,
    reach: Any,
    services: Any,
    *,
    kinds: Sequence[str] | None,
    norm: Any,
    deprivation: Any,
    alpha: Any,
    deprivation_scale: Any,
    suppress_below: Any,
) -> tuple[dict[str, pd.DataFrame], dict[str, float], dict[str, list[str]]]:
    """The check step of :func:`gaps`: every problem raised at once.

    Returns the reach frame, the norm and the demand columns of each kind.
    """
    import geopandas as gpd

    checks = Checks("gaps")
    is_areas = isinstance(areas, gpd.GeoDataFrame)
    if not is_areas:
        checks.add(f"areas must be a GeoDataFrame of areas, got {type(areas).__name__}")
    tables = isinstance(origins, pd.DataFrame) and isinstance(reach, pd.DataFrame)
    if not tables:
        checks.add(
            f"origins and reach must be DataFrames, got {type(origins).__name__} "
            f"and {type(reach).__name__}"
        )
    elif not reach.index.equals(origins.index):
        checks.add("reach is not on the origins' index (pass the origins reach was computed for)")
    if not isinstance(services, pd.DataFrame):
        checks.add(f"services must be a GeoDataFrame of services, got {type(services).__name__}")
    else:
        for column in ("service_kind", "capacity"):
            if column not in services.columns:
                checks.missing_column(column, "services", services.columns)
        if is_areas:
            checks.crs([areas, services], ["areas", "services"])
    frames = _kind_frames(reach, kinds, checks) if tables else {}
    norms = _norms(norm, frames, checks)
    demand = _demand(frames, origins, checks)
    _check_alpha(checks, alpha)
    if deprivation is not None:
        _check_deprivation(checks, deprivation, deprivation_scale)
    if suppress_below is not None and (not isinstance(suppress_below, int) or suppress_below < 1):
        checks.add(f"suppress_below must be an integer >= 1, got {suppress_below!r}")
    checks.raise_if_any()
    return frames, norms, demand


# --------------------------------------------------------------------------------------
# Gaps: the compute step
# --------------------------------------------------------------------------------------


def _services_area(services: Any, areas: Any) -> pd.Series:
    """Area of each service by point in polygon (a point on a border: the first area id)."""
    import shapely

    geoms = np.asarray(areas.geometry.values)
    tree = shapely.STRtree(geoms)
    svc_idx, area_idx = tree.query(np.asarray(services.geometry.values), predicate="intersects")
    out = pd.Series(pd.NA, index=services.index, dtype="object", name=schema.AREA_ID)
    if len(svc_idx):
        ids = areas.index.to_numpy()[area_idx]
        pairs = pd.DataFrame({"s": svc_idx, "a": ids}).sort_values(["s", "a"], kind="stable")
        first = pairs.drop_duplicates("s")
        out.iloc[first["s"].to_numpy()] = first["a"].to_numpy()
    return out


def _origin_deprivation(
    deprivation: pd.Series | None,
    scale: str,
    origins: pd.DataFrame,
    origin_area: pd.Series,
    area_index: pd.Index,
) -> pd.Series | None:
    """Deprivation (rescaled) of each origin, from values per area or per sector."""
    if deprivation is None:
        return None
    dep = _rescale(deprivation, scale)
    if dep.index.name == schema.AREA_ID or dep.index.isin(area_index).all():
        dep_origin = origin_area.map(dep)
    elif schema.SECTOR_ID in origins.columns:
        dep_origin = origins[schema.SECTOR_ID].map(dep)
    else:
        dep_origin = origins.index.to_series().map(dep)
    return pd.Series(dep_origin.to_numpy(dtype=float), index=origins.index)


def _supply(
    svc: Any, where: pd.Series, area_index: pd.Index
) -> tuple[pd.Series, pd.Series, bool, pd.Series]:
    """Services of one kind located in each area: their number, places, whether the kind
    has capacities, and the share of places (or services) with an income-related tariff."""
    cap = pd.to_numeric(svc["capacity"], errors="coerce")
    inside = where.notna().to_numpy()
    grp = where[inside].to_numpy()
    cap_in = cap[inside]
    n_services = pd.Series(1, index=grp).groupby(level=0).sum().reindex(area_index).fillna(0)
    # a kind without services has 0 places; one whose services all lack a capacity, NaN
    has_capacity = bool(cap.notna().any()) or len(svc) == 0
    places = cap_in.fillna(0.0).groupby(grp).sum().reindex(area_index).fillna(0.0)
    if not has_capacity:
        places = places * np.nan
    if "income_related" in svc.columns:
        # capacity-weighted where the kind has capacities, else one per service
        size = cap_in if has_capacity else pd.Series(1.0, index=cap_in.index)
        inc = svc["income_related"][inside]
        known = inc.notna().to_numpy() & size.notna().to_numpy()
        inc_true = known & np.asarray(inc.fillna(False), dtype=bool)
        size0 = size.fillna(0.0).to_numpy()
        den = pd.Series(np.where(known, size0, 0.0), index=grp).groupby(level=0).sum()
        num = pd.Series(np.where(inc_true, size0, 0.0), index=grp).groupby(level=0).sum()
        den = den.reindex(area_index).fillna(0.0)
        num = num.reindex(area_index).fillna(0.0)
        share_inc = (num / den.where(den > 0)).astype(float)
    else:
        share_inc = pd.Series(np.nan, index=area_index)
    return n_services, places, has_capacity, share_inc


def _classes(
    need_a: pd.Series,
    reach_measure: pd.Series,
    populated: pd.Series,
    area_index: pd.Index,
    language: str,
) -> dict[str, pd.Series]:
    """Need and reach terciles of the areas with children, their pair and its label."""
    need_class = _tercile(need_a.where(populated))
    reach_class = _tercile(reach_measure.where(populated))
    both = need_class.notna() & reach_class.notna()
    bivariate = pd.Series(pd.NA, index=area_index, dtype="object")
    label = pd.Series(pd.NA, index=area_index, dtype="object")
    nc = need_class[both].astype(int).to_numpy()
    rc = reach_class[both].astype(int).to_numpy()
    bivariate[both] = [f"{a}-{b}" for a, b in zip(nc, rc, strict=True)]
    label[both] = [_class_label(a, b, language) for a, b in zip(nc, rc, strict=True)]
    return {
        "need_class": need_class,
        "reach_class": reach_class,
        "bivariate_class": bivariate.astype("str").where(both, None),
        "class_label": label.astype("str").where(both, None),
        "high_need_low_reach": (bivariate == "3-1").fillna(False).astype(bool),
    }


def _kind_gaps(
    frame: pd.DataFrame,
    band: list[str],
    n: float,
    svc: Any,
    where: pd.Series,
    *,
    areas: Any,
    origins: pd.DataFrame,
    origin_area: pd.Series,
    area_index: pd.Index,
    dep_origin: pd.Series | None,
    alpha: float,
    language: str,
) -> pd.DataFrame:
    """The gap indicators of one kind (reach ``frame``, demand ``band``, norm ``n``) per area."""
    from buurtgeo.aggregate import aggregate_reach

    c = origins[band].apply(pd.to_numeric, errors="coerce").fillna(0.0).sum(axis=1)
    agg = aggregate_reach(frame, origins, by=origin_area, weight=c)
    agg = agg.reindex(area_index)
    need = need_score(c, dep_origin, alpha=alpha, deprivation_scale="share")
    need_a = need.groupby(origin_area.to_numpy()).sum().reindex(area_index).fillna(0.0)
    children = agg["target_pop"].fillna(0.0)
    n_services, places, has_capacity, share_inc = _supply(svc, where, area_index)

    with np.errstate(invalid="ignore", divide="ignore"):
        ratio_same = 100.0 * places / children.where(children > 0)
    ratio2 = agg.get("places_per_100_2sfca", np.nan * children)
    share_beyond = 1.0 - agg["share_covered"]
    if has_capacity and "fca2" in frame.columns:
        below = (100.0 * frame["fca2"].to_numpy(dtype=float) < n).astype(float)
        cw = c.to_numpy(dtype=float)
        num_b = pd.Series(cw * below).groupby(origin_area.to_numpy()).sum()
        share_below = (num_b.reindex(area_index) / children.where(children > 0)).astype(float)
    else:
        share_below = pd.Series(np.nan, index=area_index)
    missing = (n / 100.0 * children - places).clip(lower=0.0)
    missing2 = ((n - ratio2) / 100.0 * children).clip(lower=0.0)
    if has_capacity:
        shortfall = (1.0 - ratio2 / n).clip(0.0, 1.0)
        reach_measure = ratio2
    else:
        shortfall = share_beyond
        reach_measure = 1.0 - share_beyond
    gap_score = need_a * shortfall
    classes = _classes(need_a, reach_measure, children > 0, area_index, language)
    return pd.DataFrame(
        {
            "area_name": areas["area_name"].reindex(area_index)
            if "area_name" in areas.columns
            else area_index.astype(str),
            "municipality_nis": areas["municipality_nis"].reindex(area_index)
            if "municipality_nis" in areas.columns
            else pd.NA,
            "children": children,
            "need": need_a,
            "n_services": n_services.astype("int64"),
            "places": places,
            "places_per_100_in_area": ratio_same,
            "places_per_100_2sfca": ratio2,
            "norm": n,
            "missing_places": missing,
            "missing_places_2sfca": missing2,
            "share_below_norm": share_below,
            "share_beyond_catchment": share_beyond,
            "share_unreachable": agg["share_unreachable"],
            "mean_dist_m": agg["mean_dist_m"],
            "share_income_related": share_inc,
            "shortfall": shortfall,
            "gap_score": gap_score,
            **classes,
            "rank": gap_score.rank(method="min", ascending=False).astype("Int64"),
        },
        index=area_index,
    )


def gaps(
    areas: gpd.GeoDataFrame,
    origins: pd.DataFrame,
    reach: pd.DataFrame,
    services: gpd.GeoDataFrame,
    *,
    kinds: Sequence[str] | None = None,
    norm: float | Mapping[str, float] = 33.0,
    deprivation: pd.Series | None = None,
    alpha: float = 1.0,
    deprivation_scale: str = "share",
    suppress_below: int | None = None,
    language: str | None = None,
) -> pd.DataFrame:
    """Gap indicators per area and service kind: beschikbaar, bereikbaar, betaalbaar.

    For area ``a``, kind ``k`` with target band ``c`` (e.g. ``children_0_2``), origins
    ``i ∈ a`` with ``c_i`` children, and the :func:`buurtgeo.reach` results per origin.
    ``c`` is the demand population the reach was computed with (its
    ``attrs["population"]``: ``reach(population=...)`` or ``reach_all(targets=...)``,
    by default the kind's target band), so that the floating ratio is per child of
    the population it was computed for:

    beschikbaar (available)
        ``places`` ``P_a = Σ S_j`` over the services of kind ``k`` located in ``a``
        (point in polygon; unknown capacities add nothing); the official same-area
        ratio ``places_per_100_in_area = 100 · P_a / C_a`` with ``C_a = Σ c_i``; the floating
        ratio ``places_per_100_2sfca = 100 · Σ c_i A_i / C_a`` (``A_i`` = ``fca2``);
        against the ``norm`` ``N`` (places per 100 children):
        ``missing_places = max(0, N/100 · C_a − P_a)`` and
        ``missing_places_2sfca = max(0, (N − places_per_100_2sfca)/100 · C_a)``;
        ``share_below_norm = Σ_{i : 100 A_i < N} c_i / C_a`` (children whose own
        floating ratio is under the norm).
    bereikbaar (reachable)
        ``share_beyond_catchment = Σ_{i not covered} c_i / C_a`` (covered: the nearest
        service within the kind's catchment), ``share_unreachable`` (no service
        reachable at all), ``mean_dist_m = Σ c_i d_i / Σ c_i`` over reachable origins
        (metres).
    betaalbaar (affordable)
        ``share_income_related = Σ_{j ∈ a, income-related} S_j / Σ_{j ∈ a, known} S_j``
        over services with a known ``income_related`` flag and capacity (NaN when
        none is known); for a kind without any capacity, the share of services.
    gap
        ``need`` from :func:`need_score` (``Σ c_i (1 + α d_i)``);
        ``shortfall = clip(1 − places_per_100_2sfca / N, 0, 1)`` for kinds with
        capacities, else ``share_beyond_catchment`` (services without places:
        libraries, playgrounds); ``gap_score = need · shortfall`` (need-weighted
        children short of a place; ``≈ missing_places_2sfca · 100 / N`` without
        deprivation). ``rank`` 1 = largest gap score within the kind (ties share
        the best rank).
    classes
        ``need_class`` and ``reach_class``: terciles 1–3 within the kind
        (``ceil(3 · (rank − ½) / n)``, ties sharing their mean rank, over the ``n``
        areas with children) of ``need`` and of the reach measure
        (``places_per_100_2sfca``, or ``1 − share_beyond_catchment`` without
        capacities); ``reach_class`` 1 = low reach. ``bivariate_class`` =
        ``'<need>-<reach>'`` (e.g. ``'3-1'``), ``class_label`` e.g. ``'hoge nood /
        laag bereik'`` (``'high need / low reach'`` in English) and
        ``high_need_low_reach`` for class ``'3-1'``.

    Parameters
    ----------
    areas : GeoDataFrame
        Areas (index ``area_id``, ``area_name``, ``municipality_nis``, polygons,
        ``attrs["sector_area"]``), from :func:`buurtgeo.propose_areas` or
        :func:`buurtgeo.read_areas`.
    origins : DataFrame
        The origins the reach was computed for, with its demand columns (persons; the
        kind's target band unless ``reach`` names others) and a ``sector_id`` (or
        ``area_id``) column, or indexed by sector.
    reach : DataFrame
        :func:`buurtgeo.reach_all` result (``<indicator>__<kind>`` columns) or one
        :func:`buurtgeo.reach` result (then give ``kinds=[kind]``), on
        ``origins.index``.
    services : GeoDataFrame
        Services with ``service_kind``, ``capacity`` (places) and optionally
        ``income_related``, in the areas' CRS.
    kinds : sequence of str, optional
        Kinds to report; default every kind in ``reach``.
    norm : float or dict kind → float, default 33
        Places per 100 children that count as enough (33 and 50 are common).
    deprivation : Series, optional
        Deprivation per sector (index ``sector_id``) or per area (index ``area_id``);
        see :func:`need_score`. Origins without a value count ``d = 0``; how many is
        in ``attrs["origins_without_deprivation"]``.
    alpha : float, default 1.0
        Extra weight of a deprived child, see :func:`need_score`.
    deprivation_scale : {'share', 'minmax', 'rank'}, default 'share'
        See :func:`need_score`.
    suppress_below : int, optional
        Apply :func:`suppress_small` with this threshold (for publication).
    language : {'nl', 'en'}, optional
        Language of ``class_label``; default the ``language`` option.

    Returns
    -------
    DataFrame
        MultiIndex ``(area_id, service_kind)``, the columns of :data:`GAP_COLUMNS`.
        Select one kind with ``.xs('childcare_baby', level='service_kind')``.
        ``attrs["services_outside_areas"]``: per kind, services in no area;
        ``attrs["demand"]``: per kind, the origin column(s) counted as children.

    Examples
    --------
    >>> areas = bg.propose_areas(sectors, pop, target_size=800)  # doctest: +SKIP
    >>> origins = bg.origins_from_sectors(sectors, pop)  # doctest: +SKIP
    >>> res = bg.reach_all(origins, services, network=net)  # doctest: +SKIP
    >>> table = bg.gaps(areas, origins, res, services, norm=33,
    ...                 deprivation=poverty_share)  # doctest: +SKIP
    >>> table.xs("childcare_baby", level="service_kind").sort_values("rank")  # doctest: +SKIP
    """
    language = language or get_option("language")
    frames, norms, demand = _check_gaps(
        areas,
        origins,
        reach,
        services,
        kinds=kinds,
        norm=norm,
        deprivation=deprivation,
        alpha=alpha,
        deprivation_scale=deprivation_scale,
        suppress_below=suppress_below,
    )

    sector_area = sector_area_of(areas)
    origin_area = area_of(origins, sector_area, what="origin")
    svc_area = _services_area(services, areas)
    area_index = areas.index.sort_values()
    dep_origin = _origin_deprivation(
        deprivation, deprivation_scale, origins, origin_area, area_index
    )
    blocks = []
    outside: dict[str, int] = {}
    for k, frame in frames.items():
        of_kind = (services["service_kind"].astype(str) == k).to_numpy()
        where = svc_area[of_kind]
        outside[k] = int(where.isna().sum())
        block = _kind_gaps(
            frame,
            demand[k],
            norms[k],
            services[of_kind],
            where,
            areas=areas,
            origins=origins,
            origin_area=origin_area,
            area_index=area_index,
            dep_origin=dep_origin,
            alpha=alpha,
            language=language,
        )
        block["service_kind"] = k
        blocks.append(block)
    out = pd.concat(blocks).set_index("service_kind", append=True)
    out.index = out.index.set_names([schema.AREA_ID, "service_kind"])
    out = out[list(GAP_COLUMNS)]
    out.attrs["services_outside_areas"] = outside
    out.attrs["norm"] = norms
    out.attrs["demand"] = {k: "+".join(v) for k, v in demand.items()}
    out.attrs["origins_without_deprivation"] = (
        0 if dep_origin is None else int(dep_origin.isna().sum())
    )
    if suppress_below is not None:
        out = suppress_small(out, threshold=suppress_below)
    return out
