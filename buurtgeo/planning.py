"""The planner's questions on top of the reach, as the command line asks them.

What a configuration adds to an analysis (see :data:`buurtgeo.config.CONFIG_TEMPLATE`),
each a small function the pipeline calls after the reach and the indicators:

* ``inputs.deprivation`` → :func:`deprivation_per_sector`: a deprivation figure per
  sector turned into a weight d ∈ [0, 1] (need = children × (1 + α d)) and, with the
  indicators, :func:`equity_table` (``equity.csv``);
* ``[[scenarios]]`` → :func:`run_scenarios`: services opened, closed or resized, per
  area before and after (``scenarios.csv``, a before/after map per scenario);
* ``[sites]`` → :func:`suggest`: new sites that cover the most uncovered, need-weighted
  children (``sites.csv`` and a map layer);
* ``[map]`` → :func:`catchment_areas` (service areas over the streets, the
  ``catchments`` layer of ``indicators.gpkg``) and :func:`background` (the map's own base
  map).

Every result lands on the :class:`buurtgeo.Analysis` (``deprivation``, ``equity``,
``scenarios``, ``sites``, ``catchments``, ``basemap``) and is written by
:mod:`buurtgeo.outputs`.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from buurtgeo._sources import note_source
from buurtgeo.errors import ConfigError
from buurtgeo.schema import SECTOR_ID

if TYPE_CHECKING:  # pragma: no cover
    import geopandas as gpd

    from buurtgeo.config import AnalysisConfig, ScenarioSpec

__all__ = [
    "ScenarioResult",
    "background",
    "catchment_areas",
    "deprivation_per_sector",
    "equity_table",
    "run_scenarios",
    "suggest",
]

#: Above this many services over a network, service areas are left out of a run (their
#: buffers take ≈20 ms each); :func:`buurtgeo.service_areas` still makes them on request.
MAX_SERVICE_AREAS = 2_000


# --------------------------------------------------------------------------------------
# Deprivation and equity
# --------------------------------------------------------------------------------------


def deprivation_per_sector(
    cfg: AnalysisConfig,
    sectors: Any,
    notes: list[str],
    *,
    sources: list[dict[str, Any]] | None = None,
) -> tuple[pd.DataFrame | None, list[pd.DataFrame]]:
    """The configured deprivation figure of every study sector, and its weight.

    Columns: ``deprivation_value`` (as published: a score, euros, a share),
    ``deprivation`` (oriented so that higher = more deprived: the value, or minus it
    when ``direction = 'lower_is_worse'``) and ``deprivation_weight`` d ∈ [0, 1]:
    ``scale='rank'`` the percentile rank of ``deprivation`` among the study sectors
    (ties averaged), ``'minmax'`` (x − min) / (max − min), ``'share'`` the value itself.
    Sectors without a figure get NaN (they count d = 0 in need; a note says how many
    of those with residents there are).
    Rows about sectors of the study area's municipalities that are not sectors of the
    study area are set aside (stage ``deprivation``); rows about other municipalities
    are not listed (as :func:`buurtgeo.join_population` does).

    Returns the table (None without ``inputs.deprivation``) and the rows set aside: the
    loader's table, and the unmatched sectors with the pipeline's columns (``stage``
    first). The file is recorded in ``sources`` (:func:`buurtgeo._sources.note_source`):
    its rows used are those of study sectors; the unmatched sectors count as set aside,
    the rows of other municipalities apart.
    """
    import buurtgeo as bg

    if cfg.deprivation is None:
        return None, []
    opts = dict(cfg.deprivation_options)
    table = bg.read_deprivation(
        cfg.deprivation,
        column=opts["column"],
        id_column=opts.get("id_column"),
        sheet=opts.get("sheet"),
    )
    set_aside = [table.attrs.get("set_aside")]
    study = sectors.index
    municipalities = set(study.str[:5])
    extra = table.index.difference(study)
    inside = extra[extra.str[:5].isin(municipalities)]
    if len(inside):
        set_aside.append(
            pd.DataFrame(
                {
                    "stage": "deprivation",
                    "source": str(cfg.deprivation),
                    "row": None,
                    "column": SECTOR_ID,
                    "reason": "no such sector in the sectors file (another vintage of the codes?)",
                    "values": [f"{SECTOR_ID}={s}" for s in inside],
                }
            )
        )
    record = note_source(sources, "inputs.deprivation", cfg.deprivation, table)
    if record is not None:  # read = used + set aside + other municipalities
        record["rows_set_aside"] = int(record.get("rows_set_aside") or 0) + len(inside)
        record["rows_used"] = int(table.index.isin(study).sum())
        record["rows_other_municipalities"] = len(extra) - len(inside)
    value = table["deprivation_value"].reindex(study)
    sign = -1.0 if opts.get("direction", "higher_is_worse") == "lower_is_worse" else 1.0
    oriented = sign * value
    scale = opts.get("scale", "rank")
    if scale == "rank":
        weight = oriented.rank(method="average", pct=True)
    elif scale == "minmax":
        lo, hi = oriented.min(), oriented.max()
        weight = (oriented - lo) / (hi - lo) if hi > lo else oriented * 0.0
    else:
        weight = oriented.clip(0.0, 1.0)
    populated = pd.to_numeric(sectors.get("population", 1), errors="coerce")
    missing = int((value.isna() & (pd.Series(populated, index=study).fillna(0) > 0)).sum())
    if missing:
        notes.append(
            f"{missing} sector(en) zonder kansarmoedecijfer in {cfg.deprivation.name}: zij tellen"
            " zonder extra gewicht (d = 0)"
            if cfg.language == "nl"
            else f"{missing} sector(s) without a deprivation figure in {cfg.deprivation.name}:"
            " they count without extra weight (d = 0)"
        )
    frame = pd.DataFrame(
        {
            "deprivation_value": value,
            "deprivation": oriented,
            "deprivation_weight": weight.astype(float),
        },
        index=study,
    )
    return frame, [t for t in set_aside if isinstance(t, pd.DataFrame)]


def equity_table(analysis: Any) -> pd.DataFrame | None:
    """Equity of access across the study area's children, one row per service kind.

    Per kind, over the sectors (:func:`buurtgeo.equity`): access = places per 100
    children within reach (2SFCA) when the kind has places, else the share of children
    within reach; weight = the kind's target children per sector; deprivation = the
    sector's oriented figure; the deprived are the most deprived third of the children;
    the norm (places per 100) gives ``share_below_norm``.
    """
    from buurtgeo.equity import equity

    dep = analysis.deprivation
    if dep is None:
        return None
    sectors = analysis.sector_indicators
    rows = []
    for kind in analysis.kinds:
        places = f"places_per_100_2sfca__{kind}"
        has_places = places in sectors.columns and sectors[places].notna().any()
        access = places if has_places else f"share_covered__{kind}"
        table = pd.DataFrame(
            {
                "access": sectors[access],
                "weight": sectors[f"target_pop__{kind}"],
                "deprivation": dep["deprivation"].reindex(sectors.index),
            }
        )
        norm = analysis.config.norm_places_per_100 if has_places else None
        res = equity(table, access="access", weight="weight", deprivation="deprivation", norm=norm)
        row = res.iloc[0].to_dict()
        rows.append({"service_kind": kind, "access_indicator": access.partition("__")[0], **row})
    out = pd.DataFrame(rows).set_index("service_kind")
    order = [
        "access_indicator",
        "people",
        "mean_access",
        "gini",
        "concentration_index",
        "share_below_norm",
        "mean_access_deprived",
        "mean_access_rest",
        "ratio_deprived_rest",
    ]
    return out[[c for c in order if c in out.columns]]


# --------------------------------------------------------------------------------------
# Scenarios
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScenarioResult:
    """One ``[[scenarios]]`` block computed: the table per area and what changed."""

    name: str
    kind: str
    indicator: str  # the measure of its map (places per 100, else share covered)
    table: pd.DataFrame  # per area: <measure>_before/_after/_diff (Scenario.compare)
    opened: Any  # GeoDataFrame of the opened services (may be empty)
    closed: Any  # GeoDataFrame of the closed services (may be empty)


def slug(name: str) -> str:
    """A file-name-safe form of a scenario name (``'Nieuwe crèche!'`` → ``'nieuwe_creche'``)."""
    import unicodedata

    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_") or "scenario"


def _opened(spec: ScenarioSpec, crs: Any, taken: pd.Index) -> Any:
    """The services a scenario opens, as points in the working CRS."""
    import geopandas as gpd

    rows, geoms = [], []
    for n, item in enumerate(spec.open, start=1):
        if "lat" in item:
            point = gpd.GeoSeries(gpd.points_from_xy([item["lon"]], [item["lat"]]), crs=4326)
        else:
            point = gpd.GeoSeries(gpd.points_from_xy([item["x"]], [item["y"]]), crs=item["crs"])
        geoms.append(point.to_crs(crs).iloc[0])
        rows.append(
            {
                "service_id": str(item.get("id", f"{slug(spec.name)}-{n}")),
                "name": item.get("name", f"{spec.name} {n}"),
                "service_kind": spec.kind,
                "capacity": float(item["capacity"]),
            }
        )
    frame = gpd.GeoDataFrame(
        pd.DataFrame(rows, columns=["service_id", "name", "service_kind", "capacity"]),
        geometry=geoms,
        crs=crs,
    ).set_index("service_id")
    clash = frame.index.intersection(taken)
    if len(clash):
        raise ConfigError(
            f"scenario {spec.name!r} opens services with ids that exist already: {list(clash)}",
            hint="Give the new services other ids (open = [{ id = …, … }])",
        )
    return frame


def run_scenarios(analysis: Any) -> list[ScenarioResult]:
    """Every ``[[scenarios]]`` block of the configuration, per area before and after.

    :class:`buurtgeo.Scenario` on the analysis' origins (the kind's target children as
    demand), the services of the kind (across the border too), its catchment, decay and
    network; compared per area (``places_per_100_2sfca``, ``share_covered``,
    ``mean_dist_m`` and the places located in the area, before/after/diff). For a kind
    whose services carry no places (e.g. consultations), the places of opened services
    are left unknown and the map shows the share of children within reach.
    """
    from buurtgeo.scenarios import Scenario

    cfg = analysis.config
    results = []
    for spec in cfg.scenarios:
        if spec.kind not in analysis.kinds:
            raise ConfigError(
                f"scenario {spec.name!r}: the kind {spec.kind!r} was not analysed",
                expected=f"one of {list(analysis.kinds)}",
            )
        services = analysis.services[analysis.services["service_kind"] == spec.kind]
        unknown = [s for s in (*spec.close, *spec.resize) if s not in services.index]
        if unknown:
            raise ConfigError(
                f"scenario {spec.name!r}: no {spec.kind} service with id {unknown}",
                expected=f"ids such as {list(services.index[:5])} (indicators.gpkg, layer services)",
            )
        opened = _opened(spec, services.crs, analysis.services.index)
        has_places = bool(services["capacity"].notna().any())
        if not has_places and len(opened):
            # the kind's services carry no places: a new one's places mean nothing beside
            # them (no 2SFCA); coverage and distance still change
            opened["capacity"] = np.nan
        model = Scenario(
            analysis.origins,
            services,
            network=analysis.network,
            catchment_m=analysis.catchment_m[spec.kind],
            decay=cfg.decay,
            population=f"target__{spec.kind}",
        )
        table = model.compare(
            by=analysis.areas.attrs["sector_area"],
            open=opened if len(opened) else None,
            close=list(spec.close),
            resize=dict(spec.resize),
            areas=analysis.areas,
        )
        results.append(
            ScenarioResult(
                name=spec.name,
                kind=spec.kind,
                indicator="places_per_100_2sfca" if has_places else "share_covered",
                table=table,
                opened=opened,
                closed=services.loc[list(spec.close)],
            )
        )
    return results


def scenarios_table(results: list[ScenarioResult], areas: Any) -> pd.DataFrame | None:
    """All scenarios in one long table (``scenarios.csv``): scenario, kind, area, measures."""
    if not results:
        return None
    parts = []
    for res in results:
        part = res.table.copy()
        part.insert(
            0, "area_name", areas["area_name"].reindex(part.index) if "area_name" in areas else None
        )
        part.insert(0, "service_kind", res.kind)
        part.insert(0, "scenario", res.name)
        part.index.name = "area_id"
        parts.append(part.reset_index().set_index(["scenario", "area_id"]))
    out = pd.concat(parts)
    out.attrs = {}
    return out


# --------------------------------------------------------------------------------------
# Sites, service areas, base map
# --------------------------------------------------------------------------------------


def suggest(analysis: Any) -> Any:
    """The ``[sites]`` block: :func:`buurtgeo.suggest_sites` on the analysis' origins.

    Demand: the origins weighted by need (the kind's target children × (1 + α d) with
    the sector's deprivation weight d, or the children without deprivation); the
    children already within the catchment of a service (reach's ``covered``) weigh 0;
    candidates: the origins, or the points of a candidates file. Returns the sites with
    ``service_kind``, ``x``/``y`` (working CRS) and ``lon``/``lat``.
    """
    import geopandas as gpd

    import buurtgeo as bg

    cfg = analysis.config
    spec = cfg.sites
    if spec is None:
        return None
    if spec.kind not in analysis.kinds:
        raise ConfigError(
            f"sites.kind {spec.kind!r} was not analysed", expected=f"one of {list(analysis.kinds)}"
        )
    origins = analysis.origins
    need = origins[f"target__{spec.kind}"].astype(float)
    alpha = float(cfg.deprivation_options.get("alpha", 1.0))
    if analysis.deprivation is not None:
        d = origins[SECTOR_ID].map(analysis.deprivation["deprivation_weight"]).fillna(0.0)
        need = need * (1.0 + alpha * d.to_numpy(dtype=float))
    demand = gpd.GeoDataFrame(
        {"need": need.to_numpy()}, geometry=origins.geometry.values, crs=origins.crs
    )
    demand.index = origins.index
    candidates = None
    if spec.candidates is not None:
        candidates = bg.read_services(
            spec.candidates, kind=spec.kind, columns=dict(spec.candidates_columns or {}) or None
        )
        note_source(analysis.sources, "sites.candidates", spec.candidates, candidates)
    catchment = spec.catchment_m or analysis.catchment_m[spec.kind]
    covered = analysis.reach[f"covered__{spec.kind}"].astype(bool)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        sites = bg.suggest_sites(
            demand,
            candidates,
            k=spec.k,
            catchment_m=catchment,
            weight="need",
            covered=covered,
            network=analysis.network,
            method=spec.method,
        )
    sites = sites.copy()
    sites.insert(0, "service_kind", spec.kind)
    sites["catchment_m"] = float(catchment)
    sites["x"] = sites.geometry.x.round(1)
    sites["y"] = sites.geometry.y.round(1)
    lonlat = sites.geometry.to_crs(4326)
    sites["lon"] = lonlat.x.round(6)
    sites["lat"] = lonlat.y.round(6)
    sites.index.name = "site_id"
    return sites


def catchment_areas(analysis: Any, notes: list[str]) -> Any:
    """Service areas of every service (``[map] catchments``; see :func:`buurtgeo.service_areas`);
    not of area services (parks, play spaces: reached at their edge)."""
    from buurtgeo.service_areas import service_areas

    if not analysis.config.map_catchments or not len(analysis.services):
        return None
    if analysis.network is not None and len(analysis.services) > MAX_SERVICE_AREAS:
        notes.append(
            f"bereikgebieden overgeslagen: {len(analysis.services)} voorzieningen (meer dan "
            f"{MAX_SERVICE_AREAS}); maak ze voor een selectie met buurtgeo.service_areas"
            if analysis.config.language == "nl"
            else f"service areas skipped: {len(analysis.services)} services (more than "
            f"{MAX_SERVICE_AREAS}); make them for a selection with buurtgeo.service_areas"
        )
        return None
    from buurtgeo.areal import is_area

    points = analysis.services[~is_area(analysis.services.geometry.array)]
    if not len(points):  # areas (parks) are reached at their edge: no service area drawn
        return None
    return service_areas(points, network=analysis.network, catchment_m=analysis.catchment_m)


def background(analysis: Any) -> gpd.GeoDataFrame | None:
    """The map's own base map (``[map] basemap``; see :func:`buurtgeo.base_map`).

    Streets from the network; water, railways and parks from ``inputs.basemap`` or, when
    the network is an OpenStreetMap file, from that file; the neighbouring sectors and
    municipalities from the sectors file when the study area is a part of it.
    """
    import buurtgeo as bg

    cfg = analysis.config
    if not cfg.map_basemap:
        return None
    osm = cfg.basemap
    if osm is None and cfg.network is not None:
        from buurtgeo.io.network import OSM_SUFFIXES  # (not imported by runs without one)

        if cfg.network.name.lower().endswith(OSM_SUFFIXES):
            osm = cfg.network
    everything = None
    if cfg.municipality:
        from buurtgeo._run_inputs import whole_sectors_file

        everything = whole_sectors_file(cfg)
        everything.attrs = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        frame = bg.base_map(analysis.areas, network=analysis.network, osm=osm, sectors=everything)
    if cfg.basemap is not None:  # the network file is listed as inputs.network already
        note_source(analysis.sources, "inputs.basemap", cfg.basemap, frame)
    return frame if len(frame) else None


def bivariate_kind(analysis: Any) -> str:
    """The kind of ``bivariate.html``: ``[map] bivariate_kind``, else the first with places."""
    chosen = analysis.config.bivariate_kind
    if chosen is not None:
        if chosen not in analysis.kinds:
            raise ConfigError(
                f"map.bivariate_kind {chosen!r} was not analysed",
                expected=f"one of {list(analysis.kinds)}",
            )
        return chosen
    table = analysis.area_indicators
    for kind in analysis.kinds:
        column = f"places_per_100_2sfca__{kind}"
        if column in table.columns and table[column].notna().any():
            return kind
    return analysis.kinds[0]


def bivariate_areas(analysis: Any, kind: str) -> tuple[Any, str, str, tuple[str, str]]:
    """The areas with the gap table's need and reach classes of ``kind`` as two columns.

    Returns the frame, the need and reach columns, and the class columns (levels 1-3,
    reach 1 = low), parsed from ``bivariate_class__<kind>`` (``'3-1'``).
    """
    table = analysis.area_indicators.copy()
    codes = table[f"bivariate_class__{kind}"].astype("str")
    parts = codes.str.split("-", expand=True)
    table["need_class"] = pd.to_numeric(parts[0], errors="coerce").astype("Int64")
    table["reach_class"] = pd.to_numeric(parts[1], errors="coerce").astype("Int64")
    places = f"places_per_100_2sfca__{kind}"
    reach = places if places in table and table[places].notna().any() else f"share_covered__{kind}"
    return table, f"need__{kind}", reach, ("need_class", "reach_class")
