"""Need, gap indicators, equity, scenarios, site suggestions and small-number suppression.

Stage 4 of the pipeline (``reach per origin -> indicators per area``). Everything is
per *area* (a *dicht-bij-huis* buurt: see :mod:`buurtgeo.areas`) and per service kind:

* :func:`need_score` — children in the target band, optionally weighted up by a
  deprivation score;
* :func:`gaps` — the B's of a *basisvoorziening*: beschikbaar (places per 100 children,
  same-area and floating 2SFCA, against a norm; missing places), bereikbaar (share of
  children beyond the catchment, mean distance), betaalbaar (share of places with an
  income-related tariff); a gap score, bivariate need × reach classes and a rank;
* :func:`equity` — Gini, concentration index by deprivation, share below the norm,
  deprived areas against the rest;
* :class:`Scenario` / :func:`scenario` — open, close or resize services and see the
  change per area, recomputing only what the change touches;
* :func:`suggest_sites` — k new sites covering the most uncovered need (maximal
  covering, spopt ``MCLP`` with CBC, or greedy);
* :func:`suppress_small` — hide small counts (and the rates built on them) in tables
  meant for publication.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from buurtgeo import schema
from buurtgeo.areas import area_of, sector_area_of
from buurtgeo.errors import InputError, MissingColumnError
from buurtgeo.options import get_option
from buurtgeo.outputs import suppress_small

__all__ = [
    "need_score",
    "gaps",
    "equity",
    "gini",
    "concentration_index",
    "Scenario",
    "scenario",
    "suggest_sites",
    "suppress_small",
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

_LABELS = {
    "children": ("Kinderen (doelgroep)", "Children (target group)"),
    "need": ("Noodscore", "Need score"),
    "n_services": ("Aantal voorzieningen", "Number of services"),
    "places": ("Plaatsen in de buurt", "Places in the area"),
    "places_per_100_in_area": (
        "Plaatsen per 100 kinderen in de buurt",
        "Places per 100 children in the area",
    ),
    "norm": ("Norm (plaatsen per 100 kinderen)", "Norm (places per 100 children)"),
    "missing_places": ("Ontbrekende plaatsen", "Missing places"),
    "missing_places_2sfca": ("Ontbrekende plaatsen (2SFCA)", "Missing places (2SFCA)"),
    "share_beyond_catchment": (
        "Aandeel kinderen buiten wandelafstand",
        "Share of children beyond walking distance",
    ),
    "share_unreachable": (
        "Aandeel kinderen zonder bereikbare voorziening",
        "Share of children with no reachable service",
    ),
    "share_income_related": (
        "Aandeel plaatsen met inkomenstarief",
        "Share of places with income-related tariff",
    ),
    "shortfall": ("Tekort (0-1)", "Shortfall (0-1)"),
    "gap_score": ("Hiaatscore", "Gap score"),
    "need_class": ("Noodklasse", "Need class"),
    "reach_class": ("Bereikklasse", "Reach class"),
    "class_label": ("Nood en bereik", "Need and reach"),
    "bivariate_class": ("Klasse nood-bereik (code)", "Need-reach class (code)"),
    "high_need_low_reach": ("Hoge nood / laag bereik", "High need / low reach"),
    "rank": ("Rang", "Rank"),
    "gini": ("Gini-coëfficiënt", "Gini coefficient"),
    "concentration_index": ("Concentratie-index", "Concentration index"),
    "share_below_norm": ("Aandeel kinderen onder de norm", "Share of children below the norm"),
}
for _column, (_nl, _en) in _LABELS.items():
    schema.register_label(_column, _nl, _en)

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


def _rescale(d: pd.Series, how: str) -> pd.Series:
    d = pd.to_numeric(d, errors="coerce").astype(float)
    if how == "share":
        bad = d[(d < 0) | (d > 1)]
        if len(bad):
            raise InputError(
                "deprivation values must be shares between 0 and 1",
                found=f"{bad.index[0]}: {bad.iloc[0]!r}",
                hint="Pass deprivation_scale='minmax' or 'rank' to rescale a score",
            )
        return d
    if how == "minmax":
        lo, hi = d.min(), d.max()
        return (d - lo) / (hi - lo) if hi > lo else d * 0.0
    if how == "rank":
        return d.rank(method="average", pct=True)
    raise InputError("unknown deprivation_scale", found=how, expected="'share', 'minmax' or 'rank'")


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
    if not (isinstance(alpha, int | float) and np.isfinite(alpha) and alpha >= 0):
        raise InputError("alpha must be a number >= 0", found=alpha)
    c = pd.to_numeric(children, errors="coerce").astype(float)
    if (c < 0).any():
        raise InputError("children must be >= 0", found=c[c < 0].head(3).to_dict())
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
# Gaps
# --------------------------------------------------------------------------------------


def _kind_frames(reach: pd.DataFrame, kinds: Sequence[str] | None) -> dict[str, pd.DataFrame]:
    """Split a reach/reach_all result into one plain frame per kind."""
    if "dist_nearest_m" in reach.columns:
        if kinds is None or len(kinds) != 1:
            raise InputError(
                "a result of reach() holds one kind: say which with kinds=['<kind>']",
                hint="Or pass the output of reach_all()",
            )
        return {kinds[0]: reach}
    found = [
        str(c)[len("dist_nearest_m__") :]
        for c in reach.columns
        if str(c).startswith("dist_nearest_m__")
    ]
    if not found:
        raise InputError(
            "reach has no dist_nearest_m column",
            found=[str(c) for c in reach.columns][:10],
            hint="Pass the output of buurtgeo.reach or buurtgeo.reach_all",
        )
    wanted = list(kinds) if kinds is not None else found
    unknown = [k for k in wanted if k not in found]
    if unknown:
        raise InputError(f"reach has no results for kind(s) {unknown}", expected=f"some of {found}")
    out = {}
    for k in wanted:
        cols = [c for c in reach.columns if str(c).endswith(f"__{k}")]
        frame = reach[cols].rename(columns=lambda c, k=k: str(c)[: -len(k) - 2])
        frame.attrs = dict(reach.attrs.get("kinds", {}).get(k, {}))
        out[k] = frame
    return out


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


def _norms(norm: float | Mapping[str, float], kinds: Iterable[str], problems: list[str]) -> dict:
    out = {}
    for k in kinds:
        value = norm.get(k, 33.0) if isinstance(norm, Mapping) else norm
        if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
            problems.append(f"norm for {k!r} must be a number > 0 (places per 100), got {value!r}")
        out[k] = float(value) if isinstance(value, int | float) else np.nan
    return out


def gaps(
    areas: Any,
    origins: pd.DataFrame,
    reach: pd.DataFrame,
    services: Any,
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
    import geopandas as gpd

    from buurtgeo.reach import aggregate_reach

    language = language or get_option("language")
    problems: list[str] = []
    if not isinstance(areas, gpd.GeoDataFrame):
        raise InputError("areas must be a GeoDataFrame of areas", found=type(areas).__name__)
    if not isinstance(origins, pd.DataFrame) or not isinstance(reach, pd.DataFrame):
        raise InputError("origins and reach must be DataFrames")
    if not reach.index.equals(origins.index):
        problems.append(
            "reach is not on the origins' index (pass the origins reach was computed for)"
        )
    for column in ("service_kind", "capacity"):
        if column not in services.columns:
            raise MissingColumnError(
                column, found_columns=[str(c) for c in services.columns], role="services"
            )
    schema.require_metric_crs(areas, services, what=["areas", "services"])
    frames = _kind_frames(reach, kinds)
    norms = _norms(norm, frames, problems)
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
                problems.append(str(exc))
                continue
        demand[k] = band
        for c in band:
            if c not in origins.columns:
                problems.append(f"origins lack the target column {c!r} of kind {k!r}")
    if suppress_below is not None and (not isinstance(suppress_below, int) or suppress_below < 1):
        problems.append(f"suppress_below must be an integer >= 1, got {suppress_below!r}")
    if problems:
        raise InputError("cannot compute gaps: " + "; ".join(dict.fromkeys(problems)))

    sector_area = sector_area_of(areas)
    origin_area = area_of(origins, sector_area, what="origin")
    svc_area = _services_area(services, areas)
    area_index = areas.index.sort_values()

    dep_origin = None
    if deprivation is not None:
        dep = _rescale(deprivation, deprivation_scale)
        if dep.index.name == schema.AREA_ID or dep.index.isin(area_index).all():
            dep_origin = origin_area.map(dep)
        elif schema.SECTOR_ID in origins.columns:
            dep_origin = origins[schema.SECTOR_ID].map(dep)
        else:
            dep_origin = origins.index.to_series().map(dep)
        dep_origin = pd.Series(dep_origin.to_numpy(dtype=float), index=origins.index)

    blocks = []
    outside: dict[str, int] = {}
    dep_missing = 0 if dep_origin is None else int(dep_origin.isna().sum())
    for k, frame in frames.items():
        band = demand[k]
        c = origins[band].apply(pd.to_numeric, errors="coerce").fillna(0.0).sum(axis=1)
        agg = aggregate_reach(frame, origins, by=origin_area, weight=c)
        agg = agg.reindex(area_index)
        need = need_score(c, dep_origin, alpha=alpha, deprivation_scale="share")
        need_a = need.groupby(origin_area.to_numpy()).sum().reindex(area_index).fillna(0.0)
        children = agg["target_pop"].fillna(0.0)

        of_kind = (services["service_kind"].astype(str) == k).to_numpy()
        svc = services[of_kind]
        cap = pd.to_numeric(svc["capacity"], errors="coerce")
        where = svc_area[of_kind]
        outside[k] = int(where.isna().sum())
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

        n = norms[k]
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
        populated = children > 0
        need_class = _tercile(need_a.where(populated))
        reach_class = _tercile(reach_measure.where(populated))
        both = need_class.notna() & reach_class.notna()
        bivariate = pd.Series(pd.NA, index=area_index, dtype="object")
        label = pd.Series(pd.NA, index=area_index, dtype="object")
        nc = need_class[both].astype(int).to_numpy()
        rc = reach_class[both].astype(int).to_numpy()
        bivariate[both] = [f"{a}-{b}" for a, b in zip(nc, rc, strict=True)]
        label[both] = [_class_label(a, b, language) for a, b in zip(nc, rc, strict=True)]
        block = pd.DataFrame(
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
                "need_class": need_class,
                "reach_class": reach_class,
                "bivariate_class": bivariate.astype("str").where(both, None),
                "class_label": label.astype("str").where(both, None),
                "high_need_low_reach": (bivariate == "3-1").fillna(False).astype(bool),
                "rank": gap_score.rank(method="min", ascending=False).astype("Int64"),
            },
            index=area_index,
        )
        block["service_kind"] = k
        blocks.append(block)
    out = pd.concat(blocks).set_index("service_kind", append=True)
    out.index = out.index.set_names([schema.AREA_ID, "service_kind"])
    out = out[list(GAP_COLUMNS)]
    out.attrs["services_outside_areas"] = outside
    out.attrs["norm"] = norms
    out.attrs["demand"] = {k: "+".join(v) for k, v in demand.items()}
    out.attrs["origins_without_deprivation"] = dep_missing
    if suppress_below is not None:
        out = suppress_small(out, threshold=suppress_below)
    return out


# --------------------------------------------------------------------------------------
# Equity
# --------------------------------------------------------------------------------------


def _weights_values(x: Any, w: Any) -> tuple[np.ndarray, np.ndarray]:
    x = np.asarray(x, dtype=float)
    w = np.ones_like(x) if w is None else np.asarray(w, dtype=float)
    if x.shape != w.shape:
        raise InputError("access and weights must have the same length")
    ok = np.isfinite(x) & np.isfinite(w) & (w > 0)
    if (w[np.isfinite(w)] < 0).any():
        raise InputError("weights must be >= 0")
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
        One row per unit (origin, sector or area), e.g. the :func:`gaps` rows of one
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
    needed = [access] + [c for c in (weight, deprivation, by) if c is not None]
    if isinstance(deprived, str):
        needed.append(deprived)
    for column in needed:
        if column not in table.columns:
            raise MissingColumnError(
                column, found_columns=[str(c) for c in table.columns], role="equity"
            )
    if deprived is not None and not isinstance(deprived, str) and not 0 < deprived < 1:
        raise InputError("deprived must be a column or a fraction between 0 and 1", found=deprived)
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


# --------------------------------------------------------------------------------------
# Scenarios
# --------------------------------------------------------------------------------------


class Scenario:
    """What if services open, close or change size? Per area before, after and difference.

    The baseline reach is computed once. A change then recomputes only what it
    touches, using two facts of the 2SFCA (see :func:`buurtgeo.reach`)::

        R_j = S_j / Σ_{i : d_ij ≤ R} w(d_ij) P_i      A_i = Σ_{j : d_ij ≤ R} w(d_ij) R_j

    ``R_j`` depends on service ``j`` and the origins only, so a change to a set ``X``
    of services leaves every other ``R_j`` as it was, and::

        A_i' = A_i + Σ_{j ∈ X'} w(d_ij) R_j' − Σ_{j ∈ X} w(d_ij) R_j

    where ``X`` are the changed services before and ``X'`` after (closed ones only in
    ``X``, opened ones only in ``X'``, resized in both). Both sums are one
    :func:`buurtgeo.reach` call on the changed services alone; only origins within
    the catchment of a changed service get a non-zero term. ``capacity_within`` and
    ``services_within`` change the same way. The nearest distance changes only for
    origins whose nearest service closed (recomputed against the remaining services)
    or that are closer to an opened one: ``d_i' = min(d_i or its recomputation,
    distance to the nearest opened service)``.

    Parameters
    ----------
    origins : GeoDataFrame
        Origins with the demand column ``population`` (persons).
    services : GeoDataFrame
        Services of one kind with ``capacity`` (places); unique index.
    network : buurtgeo.Network, optional
        Street network; None measures straight lines.
    catchment_m : float, default 1000
        Catchment radius in metres.
    decay : str or callable, default 'step'
        See :func:`buurtgeo.reach`.
    population : str, default 'population'
        Demand column of ``origins``.
    """

    _COLUMNS = ("dist_nearest_m", "services_within", "capacity_within", "fca2", "covered")

    def __init__(
        self,
        origins: Any,
        services: Any,
        network: Any = None,
        *,
        catchment_m: float = 1000.0,
        decay: Any = "step",
        population: str = "population",
    ) -> None:
        from buurtgeo.reach import reach

        if services.index.has_duplicates:
            raise InputError("services must have a unique index to name what changes")
        self.origins = origins
        self.services = services
        self.network = network
        self.catchment_m = catchment_m
        self.decay = decay
        self.population = population
        self.baseline = reach(
            origins, services, network, catchment_m, decay, population=population
        )[list(self._COLUMNS)]

    def _reach(self, origins: Any, services: Any) -> pd.DataFrame:
        from buurtgeo.reach import reach

        return reach(
            origins,
            services,
            self.network,
            self.catchment_m,
            self.decay,
            population=self.population,
        )

    def apply(
        self,
        *,
        open: Any = None,
        close: Iterable[Any] = (),
        resize: Mapping[Any, float] | None = None,
    ) -> pd.DataFrame:
        """Per-origin reach after the change (``dist_nearest_m``, ``services_within``,
        ``capacity_within``, ``fca2``, ``covered``), on ``origins.index``.

        Parameters
        ----------
        open : GeoDataFrame, optional
            New services (points with ``capacity``, places), ids not already used.
        close : iterable
            Ids of services to close.
        resize : dict id → capacity, optional
            New capacities (places) of existing services.

        Returns
        -------
        DataFrame
            ``attrs["origins_changed"]``: how many origins got a different value.
        """
        import geopandas as gpd

        close = list(close)
        resize = dict(resize or {})
        problems = []
        unknown = [s for s in close + list(resize) if s not in self.services.index]
        if unknown:
            problems.append(f"unknown service ids {unknown[:5]}")
        both = sorted(set(close) & set(resize), key=str)
        if both:
            problems.append(f"services both closed and resized: {both[:5]}")
        bad = {s: c for s, c in resize.items() if not (isinstance(c, int | float) and c >= 0)}
        if bad:
            problems.append(f"new capacities must be numbers >= 0: {bad}")
        if open is not None:
            if not isinstance(open, gpd.GeoDataFrame) or "capacity" not in open.columns:
                problems.append("open must be a GeoDataFrame of points with a capacity column")
            elif open.index.isin(self.services.index).any():
                problems.append("opened services reuse existing ids")
            else:
                try:
                    schema.require_metric_crs(self.services, open, what=["services", "open"])
                except Exception as exc:  # CRSError: listed with the other problems
                    problems.append(str(exc))
        if problems:
            raise InputError("cannot apply the scenario: " + "; ".join(problems))

        base = self.baseline
        old = self.services.loc[close + list(resize)]
        new_parts = []
        if resize:
            resized = self.services.loc[list(resize)].copy()
            resized["capacity"] = pd.Series(resize, dtype=float)
            new_parts.append(resized)
        if open is not None and len(open):
            new_parts.append(open)
        new = pd.concat(new_parts) if new_parts else self.services.iloc[:0]
        after = base.copy()
        zero = pd.DataFrame(
            0.0, index=base.index, columns=["services_within", "capacity_within", "fca2"]
        )
        before_x = self._reach(self.origins, old)[list(zero.columns)] if len(old) else zero
        after_x = self._reach(self.origins, new)[list(zero.columns)] if len(new) else zero
        delta = after_x.fillna(0.0) - before_x.fillna(0.0)
        after["services_within"] = (base["services_within"] + delta["services_within"]).astype(
            "int64"
        )
        # as reach does: with no capacity known among the services after the change,
        # capacity_within and fca2 are unknown (NaN) rather than 0
        # (no services at all: 0 places, as reach gives)
        kept = self.services.drop(index=close + list(resize))["capacity"]
        known_after = (
            bool(kept.notna().any())
            or bool(new["capacity"].notna().any())
            or (len(kept) + len(new) == 0)
        )
        for col in ("capacity_within", "fca2"):
            after[col] = base[col].fillna(0.0) + delta[col] if known_after else np.nan
        # nearest: origins whose nearest closed, then the opened services
        d = base["dist_nearest_m"].to_numpy(dtype=float).copy()
        if close:
            d_closed = self._reach(self.origins, self.services.loc[close])["dist_nearest_m"]
            lost = np.flatnonzero(d_closed.to_numpy() <= d)
            remaining = self.services.drop(index=close)
            if len(lost):
                if len(remaining):
                    d[lost] = self._reach(self.origins.iloc[lost], remaining)["dist_nearest_m"]
                else:
                    d[lost] = np.inf
        if open is not None and len(open):
            d = np.minimum(d, self._reach(self.origins, open)["dist_nearest_m"].to_numpy())
        after["dist_nearest_m"] = d
        after["covered"] = d <= self.catchment_m
        changed = ~np.isclose(after["fca2"].fillna(-1), base["fca2"].fillna(-1)) | (
            after["dist_nearest_m"].to_numpy() != base["dist_nearest_m"].to_numpy()
        )
        after.attrs["origins_changed"] = int(changed.sum())
        return after

    def compare(
        self,
        *,
        by: Any,
        open: Any = None,
        close: Iterable[Any] = (),
        resize: Mapping[Any, float] | None = None,
        areas: Any = None,
    ) -> pd.DataFrame:
        """Per group (area) before, after and difference of a change.

        Parameters
        ----------
        by : str or Series
            Group of each origin, as in :func:`buurtgeo.aggregate_reach` (e.g. an
            ``area_id`` Series on ``sector_id``).
        open, close, resize
            See :meth:`apply`.
        areas : GeoDataFrame, optional
            Area polygons indexed like the groups of ``by``: adds the places located
            in each area (``places_in_area``, ``Σ S_j`` over its services, the base of
            the official same-area ratio).

        Returns
        -------
        DataFrame
            One row per group: ``target_pop`` and, for ``places_per_100_2sfca`` (2SFCA,
            ``100 · Σ P_i A_i / Σ P_i``), ``share_covered`` and ``mean_dist_m`` (and
            ``places_in_area`` with ``areas``), the columns ``<measure>_before``,
            ``<measure>_after``, ``<measure>_diff`` (after − before).
            ``attrs["origins_changed"]``.
        """
        from buurtgeo.reach import aggregate_reach

        after = self.apply(open=open, close=close, resize=resize)
        w = self.origins[self.population]
        a0 = aggregate_reach(self.baseline, self.origins, by=by, weight=w)
        a1 = aggregate_reach(after, self.origins, by=by, weight=w)
        out = pd.DataFrame({"target_pop": a0["target_pop"]}, index=a0.index)
        for m in ("places_per_100_2sfca", "share_covered", "mean_dist_m"):
            out[f"{m}_before"] = a0[m]
            out[f"{m}_after"] = a1[m]
            out[f"{m}_diff"] = a1[m] - a0[m]
        if areas is not None:
            schema.require_metric_crs(areas, self.services, what=["areas", "services"])
            before_svc = self.services
            after_svc = self.changed_services(open=open, close=close, resize=resize)
            for when, svc in (("before", before_svc), ("after", after_svc)):
                where = _services_area(svc, areas)
                cap = pd.to_numeric(svc["capacity"], errors="coerce").fillna(0.0)
                sums = cap[where.notna().to_numpy()].groupby(where.dropna().to_numpy()).sum()
                out[f"places_in_area_{when}"] = sums.reindex(out.index).fillna(0.0)
            out["places_in_area_diff"] = out["places_in_area_after"] - out["places_in_area_before"]
        out.attrs["origins_changed"] = after.attrs["origins_changed"]
        return out

    def changed_services(
        self,
        *,
        open: Any = None,
        close: Iterable[Any] = (),
        resize: Mapping[Any, float] | None = None,
    ) -> Any:
        """The services table after a change (closed removed, resized, opened added)."""
        out = self.services.drop(index=list(close))
        if resize:
            out = out.copy()
            out.loc[list(resize), "capacity"] = pd.Series(resize, dtype=float)
        if open is not None and len(open):
            out = pd.concat([out, open])
        return out


def scenario(
    origins: Any,
    services: Any,
    network: Any = None,
    *,
    by: Any,
    catchment_m: float = 1000.0,
    decay: Any = "step",
    population: str = "population",
    open: Any = None,
    close: Iterable[Any] = (),
    resize: Mapping[Any, float] | None = None,
    areas: Any = None,
) -> pd.DataFrame:
    """One scenario in one call: ``Scenario(...).compare(by=..., open=..., close=..., resize=...)``.

    See :class:`Scenario` for the formulas and the returned columns. To try several
    changes on the same baseline, build a :class:`Scenario` once and call
    :meth:`Scenario.compare` for each.
    """
    model = Scenario(
        origins, services, network, catchment_m=catchment_m, decay=decay, population=population
    )
    return model.compare(by=by, open=open, close=close, resize=resize, areas=areas)


# --------------------------------------------------------------------------------------
# Site suggestions
# --------------------------------------------------------------------------------------


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
    candidate (:meth:`buurtgeo.Network.pairs_within` from its node, radius minus its
    offset), then each reached node's demand points with their own offsets, so
    ``d_ij = offset(j) + D(node(j), node(i)) + offset(i)`` exactly as ``reach`` measures.
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
    radius_m: Any,
    weight: str,
    method: Any,
) -> None:
    """Every problem with the inputs of :func:`suggest_sites`, raised at once."""
    import geopandas as gpd

    from buurtgeo.reach import (
        _check_crs,
        _check_network,
        _check_points,
        _check_radius,
        _numeric,
        _raise,
    )

    problems: list[str] = []
    missing: list[tuple[str, str, pd.DataFrame]] = []
    frames, names = [], []
    for frame, role in ((demand, "demand"), (candidates, "candidates"), (existing, "existing")):
        if frame is None and role != "demand":
            continue
        if not isinstance(frame, gpd.GeoDataFrame):
            problems.append(f"{role} must be a GeoDataFrame of points, got {type(frame).__name__}")
        else:
            frames.append(frame)
            names.append(role)
            if role == "existing":  # services, as in reach: points with a geometry
                _check_points(frame, role, problems)
    if isinstance(demand, gpd.GeoDataFrame):  # missing column, text, negative or infinite
        _numeric(demand, weight, "demand", problems, missing, allow_nan=True)
    if isinstance(k, bool) or not isinstance(k, int | np.integer) or k < 1:
        problems.append(f"k must be an integer >= 1, got {k!r}")
    problems += _check_radius(radius_m, "radius_m")
    if method not in ("auto", "mclp", "greedy"):
        problems.append(f"method must be 'auto', 'mclp' or 'greedy', got {method!r}")
    n_before = len(problems)
    _check_network(network, problems)
    if network is not None and len(problems) == n_before:
        frames.append(network)
        names.append("network")
    crs_error = _check_crs(frames, names, problems) if frames else None
    if crs_error is not None and problems == [str(crs_error)]:
        raise crs_error
    _raise(problems, missing, "suggest_sites")


def suggest_sites(
    demand: Any,
    candidates: Any = None,
    *,
    k: int,
    radius_m: float,
    weight: str = "need",
    covered: pd.Series | None = None,
    existing: Any = None,
    network: Any = None,
    method: str = "auto",
    max_pairs: int = 250_000,
    time_limit_s: float = 60.0,
) -> Any:
    """Pick ``k`` new sites that cover the most uncovered, need-weighted children.

    Maximal covering location problem (Church & ReVelle 1974)::

        maximise   Σ_i w_i y_i
        subject to y_i ≤ Σ_{j : d_ij ≤ r} x_j,   Σ_j x_j = k,   x_j, y_i ∈ {0, 1}

    with ``w_i`` the need weight of demand point ``i`` (0 where already covered),
    ``x_j`` = open candidate ``j``, ``r`` = ``radius_m`` and ``d_ij`` the distance in
    metres: the straight line without ``network``; over the street network with one,
    measured as :func:`buurtgeo.reach` measures it::

        d_ij = offset(i) + D(node(i), node(j)) + offset(j)

    where ``node(.)`` is the nearest network node (:meth:`buurtgeo.Network.snap`),
    ``offset(.)`` the straight-line distance to it and ``D`` the shortest-path length
    (metres). ``method='mclp'`` solves it exactly with ``spopt.locate.MCLP`` and pulp's
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
    radius_m : float
        Coverage radius ``r`` in metres (e.g. the kind's walking catchment); network
        metres when ``network`` is given.
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
    than ``r`` from its own nearest node covers nothing over the network.

    On a network the demand points are snapped once and the (demand, candidate) pairs
    within ``r`` come from one bounded search per candidate
    (:meth:`buurtgeo.Network.pairs_within`), as in :func:`buurtgeo.reach`.
    """
    import geopandas as gpd
    import shapely

    _check_sites(
        demand,
        candidates,
        existing,
        network,
        k=k,
        radius_m=radius_m,
        weight=weight,
        method=method,
    )
    cands = demand if candidates is None else candidates
    r = float(radius_m)
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
    has_existing = existing is not None and len(existing) > 0
    if has_existing:
        epts = np.asarray(existing.geometry.values)
        exy = np.column_stack([shapely.get_x(epts), shapely.get_y(epts)])
    if network is None:
        if has_existing:
            near = _coverage(dxy, exy, r)
            w = np.where(np.asarray(near.sum(axis=1)).ravel() > 0, 0.0, w)
        keep = np.flatnonzero(w > 0)
        cov = _coverage(dxy[keep], cxy, r)
    else:
        from buurtgeo.reach import _OnNetwork, _Points

        engine = _OnNetwork(network, dxy[:, 0], dxy[:, 1])  # demand snapped once
        if candidates is None:
            cand = _Points(dxy[:, 0], dxy[:, 1], engine.node, engine.offset)
        else:
            cand = engine.prepare(cxy[:, 0], cxy[:, 1])
        if has_existing:
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
