"""The run: files → canonical tables → reach → indicators per sector and area → outputs.

:func:`run_config` runs one analysis described by a configuration (a TOML file or a
dict, see :data:`buurtgeo.config.CONFIG_TEMPLATE`); :func:`run_demo` runs it on the
embedded fictional sample. Both return an :class:`Analysis`, the result object for
notebooks, and can write the planner's files (listed in :mod:`buurtgeo.outputs`).

:func:`analyse` runs the stages one after the other, each a small function: sectors
and population, services, network, origins, reach, areas, indicators, gaps. Every
input row a stage does not use is kept as a set-aside row (``Analysis.set_aside``).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from os import PathLike
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

import buurtgeo as bg
from buurtgeo import _run_green, _run_inputs, planning
from buurtgeo._attrs import hold
from buurtgeo._sources import SetAside as _SetAside
from buurtgeo._sources import note_source
from buurtgeo.border import reach_across_border
from buurtgeo.config import AnalysisConfig, demo_config, load_config, parse_config
from buurtgeo.errors import InputError, InputWarning
from buurtgeo.indicators import format_number, label
from buurtgeo.options import get_option
from buurtgeo.outputs import GAP_COLUMNS_KEPT, write_outputs
from buurtgeo.schema import AGE_BANDS, service_kinds
from buurtgeo.summary import _WORDS, summary_html, summary_text

if TYPE_CHECKING:  # pragma: no cover
    import folium
    import geopandas as gpd

    from buurtgeo.network import Network
    from buurtgeo.planning import ScenarioResult

__all__ = [
    "Analysis",
    "analyse",
    "load_config",  # lives in buurtgeo.config; `from buurtgeo.pipeline import load_config` kept
    "run_config",
    "run_demo",
]


# --------------------------------------------------------------------------------------
# The result: Analysis
# --------------------------------------------------------------------------------------

#: Indicators kept per kind and level (from :func:`buurtgeo.aggregate_reach`).
INDICATORS: tuple[str, ...] = (
    "target_pop",
    "share_covered",
    "share_unreachable",
    "mean_dist_m",
    "median_dist_m",
    "mean_time_min",
    "services_within",
    "capacity_within",
    "fca2",
    "places_per_100_2sfca",
)
_CAPACITY_INDICATORS = ("capacity_within", "fca2", "places_per_100_2sfca")
_CONTEXT_SECTOR = ("sector_name_nl", "municipality_nis", "municipality_name_nl", "area_id")
_COUNTS = ("population", *AGE_BANDS)


@dataclass(kw_only=True)
class Analysis:
    """The result of one analysis: every table, and the means to look at and write them.

    Attributes
    ----------
    config : AnalysisConfig
        What was asked.
    sectors : GeoDataFrame
        Canonical sectors (index ``sector_id``) with ``population`` and the age bands.
    services : GeoDataFrame
        Services used (index ``service_id``; ``name``, ``service_kind``, ``capacity``
        in places, ``income_related``, ``outside_area`` for those across the border);
        the green, play and youth spaces of ``[[inputs.green]]`` are areas (polygons,
        ``capacity`` = ``area_m2`` in m², ``green_id``; see :mod:`buurtgeo.green`).
    areas : GeoDataFrame
        Areas (index ``area_id``; ``area_name``, ``municipality_nis``), from the areas
        file or proposed; ``attrs["sector_area"]`` maps sectors to areas.
    origins : GeoDataFrame
        Points carrying the population (index ``origin_id``; ``sector_id``, counts).
    reach : DataFrame
        Per origin, ``<indicator>__<kind>`` from :func:`buurtgeo.reach_all`.
    sector_indicators, area_indicators : GeoDataFrame
        Per sector / per area: names, counts and ``<indicator>__<kind>`` (see
        :meth:`indicators`), the area table also the gap columns.
    set_aside : DataFrame
        Every input row not used: ``source``, ``row``, ``column``, ``reason``, ``values``.
    network : buurtgeo.Network or None
        The street network (None: straight-line distances).
    kinds : tuple of str
        Service kinds analysed.
    catchment_m : dict
        Catchment per kind, metres.
    catchment_min : dict
        The kinds whose catchment was given in minutes, and those minutes
        (``catchment_m`` holds them in metres at ``speed_kmh``).
    speed_kmh : float
        The speed that turns distances into times (walking or cycling, by the network's
        mode, or the configuration's ``speed_kmh``).
    targets : dict
        Target age bands per kind (the children a kind serves).
    notes : list of str
        Things the user should know (warnings of the stages, skipped steps).
    gaps : DataFrame or None
        :func:`buurtgeo.gaps` per area and kind (need weighted by deprivation when given).
    deprivation : DataFrame or None
        Per study sector (``inputs.deprivation``): ``deprivation_value`` as published,
        ``deprivation`` (higher = more deprived) and ``deprivation_weight`` (0-1).
    equity : DataFrame or None
        Per kind, equity of access across children (``equity.csv``).
    scenarios : list of buurtgeo.planning.ScenarioResult
        One per ``[[scenarios]]`` block: per area before and after, what changed.
    sites : GeoDataFrame or None
        Suggested sites of the ``[sites]`` block (``sites.csv``).
    catchments : GeoDataFrame or None
        Service areas per service (:func:`buurtgeo.service_areas`), when ``[map]
        catchments``.
    basemap : GeoDataFrame or None
        The maps' own background (:func:`buurtgeo.base_map`), when ``[map] basemap``.
    sources : list of dict
        Every input file read: as given, size, SHA-256, layout, vintage, rows read,
        used and set aside (:func:`buurtgeo._sources.input_source`; published as
        ``bronnen.csv``).
    municipalities : DataFrame or None
        Counts and indicators per municipality as published (set by the writers; the
        fact sheets compute them when None).
    """

    config: AnalysisConfig
    sectors: gpd.GeoDataFrame
    services: gpd.GeoDataFrame
    areas: gpd.GeoDataFrame
    origins: gpd.GeoDataFrame
    reach: pd.DataFrame
    sector_indicators: gpd.GeoDataFrame
    area_indicators: gpd.GeoDataFrame
    set_aside: pd.DataFrame
    network: Network | None
    kinds: tuple[str, ...]
    catchment_m: dict[str, float]
    targets: dict[str, tuple[str, ...]]
    region: pd.DataFrame
    notes: list[str] = field(default_factory=list)
    gaps: pd.DataFrame | None = None
    #: further tables by name (``published_vs_found``, ``places_by_language``), each
    #: written as ``<name>.csv``
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    # the planner's questions (buurtgeo.planning): None / empty when not asked
    deprivation: pd.DataFrame | None = None
    equity: pd.DataFrame | None = None
    scenarios: list[ScenarioResult] = field(default_factory=list)
    sites: gpd.GeoDataFrame | None = None
    catchments: gpd.GeoDataFrame | None = None
    basemap: gpd.GeoDataFrame | None = None
    catchment_min: dict[str, float] = field(default_factory=dict)
    speed_kmh: float = 4.8
    sources: list[dict[str, Any]] = field(default_factory=list)
    municipalities: pd.DataFrame | None = None

    # -- accessors ---------------------------------------------------------------------

    def indicators(
        self, *, level: str = "sector", kind: str | None = None, labels: bool = False
    ) -> pd.DataFrame:
        """Indicator table per ``'sector'`` or ``'area'`` (a plain DataFrame, no geometry).

        Parameters
        ----------
        level : {'sector', 'area'}
        kind : str, optional
            Only this kind's columns (suffix dropped: ``share_covered`` …).
        labels : bool, default False
            Column labels for people (``label()``, in the configured language).
        """
        if level not in ("sector", "area"):
            raise InputError("level must be 'sector' or 'area'", found=level)
        table = self.sector_indicators if level == "sector" else self.area_indicators
        frame = pd.DataFrame(table.drop(columns="geometry", errors="ignore"))
        if kind is not None:
            if kind not in self.kinds:
                raise InputError(
                    f"kind {kind!r} was not analysed", expected=f"one of {list(self.kinds)}"
                )
            suffix = f"__{kind}"
            keep = [c for c in frame.columns if "__" not in c]
            kind_cols = {c: c.removesuffix(suffix) for c in frame.columns if c.endswith(suffix)}
            frame = frame[keep + list(kind_cols)].rename(columns=kind_cols)
        if labels:
            frame = frame.rename(columns=lambda c: label(c, language=self.config.language))
        return frame

    def summary(self) -> str:
        """A short plain-text summary (what the CLI prints)."""
        return summary_text(self)

    def _repr_html_(self) -> str:
        return summary_html(self)

    def __repr__(self) -> str:
        return (
            f"<Analysis: {len(self.sectors)} sectors, {len(self.areas)} areas, "
            f"{len(self.services)} services of {len(self.kinds)} kinds>"
        )

    # -- views -------------------------------------------------------------------------

    def map(self, *, level: str = "area", kind: str | None = None, **kwargs: Any) -> folium.Map:
        """Interactive map (folium) of the indicators per area or sector.

        Parameters
        ----------
        level : {'area', 'sector'}
        kind : str, optional
            Only this kind's indicators (default: share covered and distance of every kind).
        **kwargs
            Passed to :func:`buurtgeo.reach_map`.
        """
        from buurtgeo.maps import reach_map

        table = self.area_indicators if level == "area" else self.sector_indicators
        kinds = [kind] if kind else list(self.kinds)
        indicators = _map_indicators(table, kinds)
        kwargs.setdefault("language", self.config.language)
        kwargs.setdefault("title", _map_title(self, level))
        for key, value in self._map_options(kinds).items():
            kwargs.setdefault(key, value)
        if self.sources:
            from buurtgeo._sources import sources_line

            kwargs.setdefault("footer", sources_line(self, kwargs["language"]))
        services = self.services[self.services["service_kind"].isin(kinds)]
        return reach_map(table, indicators=indicators, services=services, **kwargs)

    def _map_options(self, kinds: Sequence[str]) -> dict[str, Any]:
        """What the configuration says about every map: classes, base map, service areas,
        suggested sites (see :meth:`map`)."""
        cfg = self.config
        options: dict[str, Any] = {
            "scheme": cfg.map_scheme,
            "k": cfg.map_k,
            "catchment_m": self.catchment_m,
            "norm": cfg.norm_places_per_100,
            "basemap": self.basemap,
        }
        if cfg.map_thresholds:
            options["thresholds"] = {k: list(v) for k, v in cfg.map_thresholds.items()}
        if self.catchments is not None:
            options["catchments"] = self.catchments[
                self.catchments["service_kind"].isin(kinds).to_numpy()
            ]
        elif cfg.map_catchments:
            options["catchments"] = True
        if (
            self.sites is not None
            and len(self.sites)
            and self.sites["service_kind"].iloc[0] in kinds
        ):
            options["sites"] = self.sites
        return options

    def fact_sheet(self, area_id: str) -> str:
        """The *buurtfiche* of one area as an HTML page (see :mod:`buurtgeo.report`)."""
        from buurtgeo.report import fact_sheet

        return fact_sheet(self, area_id)

    def write(self, *, out_dir: str | PathLike[str] | None = None) -> dict[str, Path]:
        """Write the output files (see :mod:`buurtgeo.outputs`) and return their paths."""
        return write_outputs(self, Path(out_dir) if out_dir is not None else self.config.out_dir)


def _map_indicators(table: pd.DataFrame, kinds: Sequence[str]) -> list[str]:
    wanted = []
    # green, play and youth space: m² per child and the gap against the norm (persons)
    green = ("m2_per_child", "children_beyond_norm")
    bases = (
        ("share_covered", "places_per_100_2sfca", *green, "mean_dist_m")
        if len(kinds) == 1
        else ("share_covered", "places_per_100_2sfca", *green)
    )
    for kind in kinds:
        for base in bases:
            column = f"{base}__{kind}"
            if column in table.columns and table[column].notna().any():
                wanted.append(column)
    return wanted


def _map_title(analysis: Analysis, level: str) -> str:
    names = sorted(set(analysis.sectors["municipality_name_nl"].dropna().astype(str)))
    if not names:  # a city's own sectors file may carry the NIS code only
        names = sorted(set(analysis.sectors["municipality_nis"].dropna().astype(str)))
    where = ", ".join(names[:4]) + (" …" if len(names) > 4 else "")
    what = "buurten" if analysis.config.language == "nl" else "areas"
    if level == "sector":
        what = (
            "statistische sectoren" if analysis.config.language == "nl" else "statistical sectors"
        )
    return f"{where}: {what}"


# --------------------------------------------------------------------------------------
# The run
# --------------------------------------------------------------------------------------


def analyse(cfg: AnalysisConfig) -> Analysis:
    """Run the analysis a configuration describes (no files written).

    Steps: read sectors (selecting municipalities), population and age bands, join
    them; read every services file; read the network; place the population on origins
    (grid or representative point); select services within the largest catchment of
    the study area (across its border too); :func:`buurtgeo.reach_all` for every kind;
    :func:`buurtgeo.aggregate_reach` per sector, per area and for the whole study area
    with each kind's target children as weights; gaps per area.

    Parameters
    ----------
    cfg : AnalysisConfig

    Returns
    -------
    Analysis
    """
    from buurtgeo._reach_kernels import warm_up
    from buurtgeo.options import set_options

    warm_up()  # compiled code loads while the files are read
    notes: list[str] = []
    set_aside: list[pd.DataFrame] = []
    with warnings.catch_warnings(record=True) as caught, set_options(decimal=cfg.decimal):
        warnings.simplefilter("always")
        analysis = _analyse(cfg, notes, _SetAside(set_aside))
    _notes_from_warnings(analysis.notes, caught, cfg.language)
    return analysis


def _notes_from_warnings(
    notes: list[str], caught: Sequence[warnings.WarningMessage], language: str = "en"
) -> None:
    """Keep the stages' user warnings as notes (shown in the summary), once each; an
    :class:`InputWarning` in the run's language."""
    for w in caught:
        message = w.message
        said = message.text(language) if isinstance(message, InputWarning) else str(message)
        text = " ".join(said.split())
        if issubclass(w.category, UserWarning) and not issubclass(w.category, FutureWarning):
            if text not in notes:
                notes.append(text)
        else:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)


def _analyse(cfg: AnalysisConfig, notes: list[str], set_aside: list[pd.DataFrame]) -> Analysis:
    """The stages of :func:`analyse`, one progress step each."""
    from buurtgeo._progress import steps

    with steps(total=9, desc="buurtgeo") as bar:
        bar.step("sectoren en bevolking")
        addresses = _run_inputs.read_address_points(cfg)
        set_aside.append(_flatten_set_aside(_set_aside_of(addresses), "addresses"))
        _note_source(set_aside, "inputs.addresses", cfg.addresses, addresses)
        read: dict[str, Any] = {"addresses": addresses}
        joined = _read_population(cfg, set_aside, notes=notes, read=read)
        deprivation, unused = planning.deprivation_per_sector(
            cfg, joined, notes, sources=getattr(set_aside, "sources", None)
        )
        set_aside += [
            t if "stage" in t.columns else _flatten_set_aside(t, "deprivation") for t in unused
        ]

        bar.step("voorzieningen")
        green, entrances = _run_green.read_green_services(cfg, set_aside, _flatten_set_aside)
        region_geom = _study_region(joined)
        services, kinds = _read_services(cfg, notes, set_aside, region_geom, extra=green)
        speed = _speed(cfg)
        minutes, catchments = _catchments(cfg, kinds, speed)
        targets = _kind_targets(cfg, kinds)
        joined = _run_green.derive_bands(joined, targets)  # children_12_17 when needed
        _check_targets(targets, [c for c in _COUNTS if c in joined.columns], cfg)

        bar.step("netwerk")
        network = _read_network(cfg, set_aside)
        if network is not None:  # how far each service is from the street it joins
            services = services.copy()  # (an area: from its nearest entrance)
            services["snap_m"] = _run_green.snap_distances(network, services, cfg, entrances)

        bar.step("herkomstpunten")
        paths = {n: str(entry.path) for n, entry in enumerate(cfg.services, start=1)}
        services = _near_study_area(
            services, region_geom, max(catchments.values()), set_aside, paths
        )
        origins, target_columns = _origins(cfg, joined, targets, addresses)
        if (line := _run_inputs.address_note(origins, cfg.language)) is not None:
            notes.append(line)
        outside = _run_inputs.border_origins(
            cfg, joined, services, catchments, targets, read["population"],
            read["age_bands"], addresses,
        )  # fmt: skip

        bar.step("bereikbaarheid")
        reach = reach_across_border(
            origins,
            services,
            outside=outside,
            network=network,
            catchment_m=catchments,
            decay=cfg.decay,
            targets=target_columns,
            kinds=kinds,
            speed_kmh=speed,
            snap=cfg.snap,
            max_snap_m=cfg.max_snap_m,
            far=cfg.far,
            **_run_green.reach_options(cfg, entrances),
        )
        if (line := _run_inputs.border_note(reach, cfg.language)) is not None:
            notes.append(line)

        bar.step("buurten")
        areas = _areas(cfg, joined, notes)
        set_aside.append(_flatten_set_aside(_set_aside_of(areas), "areas"))
        _note_source(set_aside, "inputs.areas", cfg.areas, areas)
        _note_source(set_aside, "inputs.areas_names", cfg.areas_names, None)

        bar.step("indicatoren")
        tables = _indicators(joined, areas, services, origins, reach, kinds, target_columns)
        tables = _run_green.add_green(
            tables, joined=joined, areas=areas, origins=origins, reach=reach, kinds=kinds,
            target_columns=target_columns,
        )  # fmt: skip
        sector_table, area_table, region = tables
        more = _run_inputs.supply_tables(
            cfg, joined, services, areas, targets, notes, set_aside, _flatten_set_aside
        )

        bar.step("hiaten")
        gap_services = _run_green.gap_services(services, kinds)
        gaps = _gaps(cfg, areas, origins, reach, gap_services, kinds, notes, deprivation)
        if gaps is not None:
            wide = _run_green.clean_wide_gaps(_wide_gaps(gaps, kinds), kinds)
            wide = wide.drop(columns=[c for c in wide.columns if c in area_table.columns])
            area_table = area_table.join(wide)
        sector_table, area_table = _run_inputs.mark_estimates(
            joined, sector_table, area_table, areas.attrs["sector_area"]
        )

        if deprivation is not None:
            sector_table = sector_table.join(deprivation)
        analysis = Analysis(
            config=cfg,
            sectors=joined,
            services=services,
            areas=areas,
            origins=origins,
            reach=reach,
            sector_indicators=sector_table,
            area_indicators=area_table,
            set_aside=pd.concat(set_aside, ignore_index=True),
            network=network,
            kinds=tuple(kinds),
            catchment_m=catchments,
            targets=targets,
            region=region,
            notes=notes,
            gaps=gaps,
            deprivation=deprivation,
            tables=more,
            catchment_min=minutes,
            speed_kmh=speed,
            sources=set_aside.sources if isinstance(set_aside, _SetAside) else [],
        )
        bar.step("scenario's, locaties, kaart")
        _plan(analysis)
    return analysis


def _catchments(
    cfg: AnalysisConfig, kinds: Sequence[str], speed: float
) -> tuple[dict[str, float], dict[str, float]]:
    """Each kind's catchment as given in minutes (those given so), and in metres: minutes
    at ``speed`` km/h, else ``analysis.catchment_m``, else the vocabulary's."""
    minutes = {k: cfg.catchment_min[k] for k in kinds if k in cfg.catchment_min}
    metres = {
        k: minutes[k] * speed * 1000.0 / 60.0
        if k in minutes
        else cfg.catchment_m.get(k, service_kinds()[k].catchment_m)
        for k in kinds
    }
    return minutes, metres


def _plan(analysis: Analysis) -> None:
    """The planner's questions of the configuration (:mod:`buurtgeo.planning`)."""
    analysis.equity = planning.equity_table(analysis)
    analysis.scenarios = planning.run_scenarios(analysis)
    analysis.sites = planning.suggest(analysis)
    analysis.catchments = planning.catchment_areas(analysis, analysis.notes)
    analysis.basemap = planning.background(analysis)


# --------------------------------------------------------------------------------------
# The stages
# --------------------------------------------------------------------------------------


def _read_population(
    cfg: AnalysisConfig,
    set_aside: list[pd.DataFrame],
    *,
    notes: list[str] | None = None,
    read: dict[str, Any] | None = None,
):
    """Sectors with their population (and age bands) joined, counts as floats; the tables
    as read go into ``read`` (``population``, ``age_bands``), vintages aligned (notes)."""
    notes = [] if notes is None else notes
    read = {} if read is None else read
    sources = getattr(set_aside, "sources", None)
    sectors = _read_sectors(cfg)
    set_aside.append(_flatten_set_aside(_set_aside_of(sectors), "sectors"))
    _note_source(set_aside, "inputs.sectors", cfg.sectors, sectors)
    population = bg.read_population(cfg.population, **dict(cfg.population_options))
    set_aside.append(_flatten_set_aside(_set_aside_of(population), "population"))
    _note_source(set_aside, "inputs.population", cfg.population, population)
    population = _run_inputs.align_vintage(
        cfg, sectors, population, notes, "population", read.get("addresses"), sources=sources
    )
    age_bands = None
    if cfg.age_bands is not None:
        options = dict(cfg.age_bands_options)
        # a municipal age table (TF_SOC_POP_STRUCT) is spread over the sectors' totals
        age_bands = bg.read_age_bands(cfg.age_bands, population=population, **options)
        set_aside.append(_flatten_set_aside(_set_aside_of(age_bands), "age_bands"))
        _note_source(set_aside, "inputs.age_bands", cfg.age_bands, age_bands)
        age_bands = _run_inputs.align_vintage(
            cfg, sectors, age_bands, notes, "age_bands", read.get("addresses"), sources=sources
        )
    read.update(population=population, age_bands=age_bands)
    with warnings.catch_warnings():
        # its unmatched sectors become set-aside rows (stage 'join') just below
        warnings.filterwarnings("ignore", message="join_population: ", category=UserWarning)
        joined = bg.join_population(sectors, population, age_bands=age_bands)
    if len(joined) and "population" in joined.columns:
        residents = pd.to_numeric(joined["population"], errors="coerce").fillna(0.0)
        if float(residents.sum()) <= 0:
            raise InputError(
                f"none of the study area's {len(joined)} sectors has residents in the"
                " population file",
                path=cfg.population,
                hint="Check that the file covers these municipalities (sector codes) and that"
                " its population column holds head counts; set_aside.csv lists the rows not used",
            )
    unmatched = joined.attrs.get("unmatched")
    if isinstance(unmatched, pd.DataFrame) and len(unmatched):
        set_aside.append(_unmatched_rows(unmatched))
    for band in _COUNTS:
        if band in joined.columns:
            joined[band] = (
                pd.to_numeric(joined[band], errors="coerce").astype("float64").fillna(0.0)
            )
    return joined


def _read_sectors(cfg: AnalysisConfig):
    if cfg.municipality is None or len(cfg.municipality) == 1:
        only = cfg.municipality[0] if cfg.municipality else None
        return bg.read_sectors(cfg.sectors, municipality=only, **dict(cfg.sectors_options))
    parts = [
        bg.read_sectors(cfg.sectors, municipality=m, **dict(cfg.sectors_options))
        for m in cfg.municipality
    ]
    tables = [p.attrs.get("set_aside") for p in parts]
    attrs = dict(parts[0].attrs)
    attrs["rows_in"] = sum(int(p.attrs.get("rows_in", 0)) for p in parts)
    stripped = []
    for part in parts:
        part = part.copy()
        part.attrs = {}  # DataFrames in attrs cannot be compared by pd.concat
        stripped.append(part)
    sectors = pd.concat(stripped)
    sectors = sectors[~sectors.index.duplicated()]
    tables = [t for t in tables if isinstance(t, pd.DataFrame) and len(t)]
    if tables:  # the same file read once per municipality: each unused row once
        keys = [c for c in ("source", "row", "reason") if c in tables[0].columns]
        attrs["set_aside"] = hold(pd.concat(tables, ignore_index=True).drop_duplicates(keys))
    sectors.attrs = attrs
    return sectors


def _unmatched_rows(unmatched: pd.DataFrame) -> pd.DataFrame:
    """join_population's unmatched ids as set-aside rows (stage 'join')."""
    return pd.DataFrame(
        {
            "stage": "join",
            "source": unmatched["table"].astype(str),
            "row": None,
            "column": "sector_id",
            "reason": unmatched["problem"].astype(str),
            "values": "sector_id=" + unmatched["sector_id"].astype(str),
        }
    )


def _read_services(
    cfg: AnalysisConfig,
    notes: list[str],
    set_aside: list[pd.DataFrame],
    region: Any = None,
    extra: Any = None,
) -> tuple[Any, list[str]]:
    """Every services file as one table (and ``extra``: the green, play and youth spaces),
    of the kinds analysed; and those kinds. Rows whose Lambert x and y seem exchanged
    (:func:`_swapped_aside`) are set aside."""
    from buurtgeo.options import set_options

    frames = []
    for n, entry in enumerate(cfg.services, start=1):
        with set_options(decimal=entry.decimal or cfg.decimal):
            if entry.is_osm:
                part = bg.read_osm_services(entry.path, kinds=entry.kinds)
            else:
                part = bg.read_services(
                    entry.path,
                    kind=entry.kind,
                    columns=dict(entry.columns) if entry.columns else None,
                    sheet=entry.sheet,
                    layer=entry.layer,
                    crs=entry.crs,
                    kind_map=dict(entry.kind_map) if entry.kind_map else None,
                )
        set_aside.append(_flatten_set_aside(_set_aside_of(part), "services"))
        _note_source(set_aside, f"inputs.services[{n}]", entry.path, part)
        if region is not None:
            part = _swapped_aside(cfg, part, region, entry, set_aside)
        part = part.assign(_input=n)
        frames.append(part)
    if extra is not None:
        frames.append(extra)
    services = _concat_services(frames)
    kinds = _kinds_analysed(cfg, list(dict.fromkeys(services["service_kind"])), notes)
    return services[services["service_kind"].isin(kinds)], kinds


def _concat_services(frames: Sequence[Any]):
    import geopandas as gpd

    if len(frames) == 1:  # plain attrs only: a DataFrame there breaks astype/concat
        one = frames[0].copy()
        one.attrs = {k: v for k, v in frames[0].attrs.items() if not isinstance(v, pd.DataFrame)}
        return one
    stripped = []
    for frame in frames:
        frame = frame.copy()
        frame.attrs = {}  # DataFrames in attrs cannot be compared by pd.concat
        stripped.append(frame)
    services = pd.concat(stripped)
    if services.index.has_duplicates:
        dup = services.index[services.index.duplicated()].unique()[:5].tolist()
        raise InputError(
            "the same service_id occurs in more than one services file",
            found=dup,
            hint="Give each file its own ids (a 'service_id' column mapping)",
        )
    return gpd.GeoDataFrame(services, geometry="geometry", crs=frames[0].crs)


def _study_region(sectors: Any) -> Any:
    """The study area as one geometry (its sectors dissolved)."""
    import shapely

    return shapely.union_all(np.asarray(sectors.geometry.array))


def _swapped_aside(
    cfg: AnalysisConfig, part: Any, region: Any, entry: Any, set_aside: list[pd.DataFrame]
) -> Any:
    """Set aside the services of one file whose Lambert x and y seem exchanged: far from
    the study area, in it with x and y swapped (:func:`buurtgeo.io._service_coords.swapped_xy`);
    warn naming the file and the columns."""
    from buurtgeo.io._service_coords import swapped_xy

    crs = part.attrs.get("crs_source")
    known = service_kinds()
    reach = [
        cfg.catchment_m.get(k, known[k].catchment_m)
        for k in pd.unique(part["service_kind"].astype(str))
        if k in known
    ]
    if not crs or not len(part) or not reach:
        return part
    mask = swapped_xy(part, region, max(reach), crs)
    if not mask.any():
        return part
    columns = dict(part.attrs.get("columns_used") or {})
    x, y = columns.get("x", "x"), columns.get("y", "y")
    reason = (
        f"x and y seem exchanged: placed far from the study area, it lies in it with"
        f" {x!r} read as y and {y!r} as x"
    )
    rows = part[mask]
    set_aside.append(
        pd.DataFrame(
            {
                "stage": "services",
                "source": str(entry.path),
                "row": None,
                "column": f"{x}, {y}",
                "reason": reason,
                "values": [
                    f"service_id={i} | name={nm}"
                    for i, nm in zip(rows.index, rows["name"].astype(str), strict=True)
                ],
            }
        )
    )
    if isinstance(set_aside, _SetAside) and set_aside.sources:
        record = set_aside.sources[-1]
        record["rows_set_aside"] = int(record.get("rows_set_aside") or 0) + int(mask.sum())
        if record.get("rows_used") is not None:
            record["rows_used"] = int(record["rows_used"]) - int(mask.sum())
    warnings.warn(
        InputWarning(
            f"{entry.path}: {int(mask.sum())} of {len(part)} services seem to have x and y"
            f" exchanged (columns {x!r} and {y!r}): they lie far from the study area, and in"
            f" it with x and y swapped; set aside. If the columns are the wrong way round, name"
            f" them: columns = {{x = {y!r}, y = {x!r}}}",
            nl=f"{entry.path}: bij {int(mask.sum())} van {len(part)} voorzieningen lijken x en"
            f" y omgewisseld (kolommen {x!r} en {y!r}): ze liggen ver van het studiegebied, en"
            f" erin met x en y omgewisseld; apart gezet. Staan de kolommen verkeerd om, noem ze"
            f" dan: columns = {{x = {y!r}, y = {x!r}}}",
        ),
        stacklevel=2,
    )
    return part[~mask]


def _near_study_area(
    services: Any,
    region: Any,
    catchment_m: float,
    set_aside: list[pd.DataFrame],
    paths: Mapping[int, str],
) -> Any:
    """The services within the largest catchment of the study area (across its border
    too, :func:`buurtgeo.services_near`); the others are set aside as beyond reach, and
    a file none of whose services is near says so."""
    near = bg.services_near(services, region, catchment_m=catchment_m)
    far = services.loc[services.index.difference(near.index, sort=False)]
    if len(far):
        reason = f"{_BEYOND} ({catchment_m:,.0f} m): not used"
        set_aside.append(
            pd.DataFrame(
                {
                    "stage": "services",
                    "source": far["_input"].map(paths).to_numpy(dtype=object)
                    if "_input" in far.columns
                    else None,
                    "row": None,
                    "column": None,
                    "reason": reason,
                    "values": [
                        f"service_id={i} | name={nm} | service_kind={k}"
                        for i, nm, k in zip(
                            far.index, far["name"].astype(str), far["service_kind"], strict=True
                        )
                    ],
                }
            )
        )
        if "_input" in services.columns:
            _count_far_in_sources(set_aside, far["_input"].value_counts())
            used = set(near["_input"].dropna())  # (green spaces have no services file)
            for n in sorted(set(services["_input"].dropna()) - used):
                count = int((services["_input"] == n).sum())
                where = paths.get(n, f"inputs.services[{n}]")
                warnings.warn(
                    InputWarning(
                        f"{where}: none of its {count} services lies within"
                        f" {catchment_m:,.0f} m of the study area; is the file about another"
                        " place, or are its coordinates wrong?",
                        nl=f"{where}: geen van zijn {count} voorzieningen ligt binnen"
                        f" {format_number(catchment_m, 0, 'nl')} m van het studiegebied; gaat"
                        " het bestand over een andere plaats, of kloppen de coördinaten niet?",
                    ),
                    stacklevel=2,
                )
    if "_input" in near.columns:
        near = near.drop(columns="_input")
    return near


def _count_far_in_sources(set_aside: list[pd.DataFrame], far: pd.Series) -> None:
    """The services set aside as too far, counted in their file's bronnen row."""
    if not isinstance(set_aside, _SetAside):
        return
    for record in set_aside.sources:
        item = str(record.get("item", ""))
        if not item.startswith("inputs.services["):
            continue
        n = int(far.get(int(item[len("inputs.services[") : -1]), 0))
        if n:
            record["rows_set_aside"] = int(record.get("rows_set_aside") or 0) + n
            if record.get("rows_used") is not None:
                record["rows_used"] = int(record["rows_used"]) - n


#: The reason of a service set aside because it is too far from the study area.
_BEYOND = "farther from the study area than the largest catchment"


def _kinds_analysed(cfg: AnalysisConfig, present: list[str], notes: list[str]) -> list[str]:
    """The kinds asked for (default: every kind present, in the vocabulary's order)."""
    vocabulary = list(service_kinds())
    if cfg.kinds is not None:
        kinds = [k for k in cfg.kinds if k in present]
        missing = [k for k in cfg.kinds if k not in present]
        if missing:
            notes.append(
                _WORDS[cfg.language]["no_services"].format(
                    kinds=", ".join(
                        service_kinds()[k].label(language=cfg.language) for k in missing
                    )
                )
            )
    else:
        kinds = sorted(present, key=vocabulary.index)
    if not kinds:
        raise InputError(
            "no services of the requested kinds", expected=str(cfg.kinds), found=present
        )
    return kinds


def _kind_targets(cfg: AnalysisConfig, kinds: Sequence[str]) -> dict[str, tuple[str, ...]]:
    vocabulary = service_kinds()
    return {k: tuple(cfg.age_bands_by_kind.get(k, vocabulary[k].target)) for k in kinds}


def _check_targets(
    targets: Mapping[str, Sequence[str]], counts: Sequence[str], cfg: AnalysisConfig
) -> None:
    """Every kind's target age bands must be in the population: one error listing all gaps."""
    missing = {k: [b for b in bands if b not in counts] for k, bands in targets.items()}
    missing = {k: bands for k, bands in missing.items() if bands}
    if not missing:
        return
    listing = "; ".join(f"{kind} needs {', '.join(bands)}" for kind, bands in missing.items())
    raise InputError(
        f"the population has no age bands for some service kinds: {listing}",
        path=cfg.population,
        expected="age-band columns " + ", ".join(AGE_BANDS),
        found=list(counts),
        hint="Name an age-band table in inputs.age_bands, or count everyone for those kinds"
        " with analysis.age_bands = { kind = ['population'] }",
    )


def _speed(cfg: AnalysisConfig) -> float:
    """km/h that turns metres into minutes: the configuration's ``speed_kmh``, else the
    option of the network's mode (straight lines: walking)."""
    if cfg.speed_kmh is not None:
        return float(cfg.speed_kmh)
    bike = cfg.network is not None and cfg.network_mode == "bike"
    return float(get_option("bike_speed_kmh" if bike else "walk_speed_kmh"))


def _read_network(cfg: AnalysisConfig, set_aside: list[pd.DataFrame]):
    """The street network (None: straight-line distances)."""
    if cfg.network is None:
        return None
    network = bg.read_network(cfg.network, mode=cfg.network_mode)
    set_aside.append(_flatten_set_aside(_set_aside_of(network), "network"))
    _note_source(set_aside, "inputs.network", cfg.network, network)
    return network


def _origins(
    cfg: AnalysisConfig, joined: Any, targets: Mapping[str, Sequence[str]], addresses: Any = None
) -> tuple[Any, dict[str, str]]:
    """The population on points, with each kind's target children as ``target__<kind>``."""
    counts = [c for c in _COUNTS if c in joined.columns]
    if cfg.origins == "grid":
        _check_origin_count(joined, cfg.grid_spacing_m)
    origins = bg.origins_from_sectors(
        joined,
        pd.DataFrame(joined[counts]),
        method=cfg.origins,
        spacing_m=cfg.grid_spacing_m,
        columns=counts,
        address_points=addresses,
    )
    target_columns = {}
    for kind, bands in targets.items():
        column = f"target__{kind}"
        origins[column] = origins[list(bands)].sum(axis=1) if bands else 0.0
        target_columns[kind] = column
    return origins, target_columns


#: The most origins a grid may have (about 100 bytes each per kind, in several arrays).
MAX_ORIGINS = 5_000_000


def _check_origin_count(sectors: Any, spacing_m: float) -> None:
    """Refuse, before allocating, a grid with more than :data:`MAX_ORIGINS` points
    (about the study area's surface / spacing²)."""
    from buurtgeo.errors import ConfigError

    area = float(sectors.geometry.area.sum())
    estimate = area / (spacing_m * spacing_m)
    if estimate > MAX_ORIGINS:
        smallest = math.ceil(math.sqrt(area / MAX_ORIGINS))
        raise ConfigError(
            f"analysis.grid_spacing_m = {spacing_m:g} would place about {estimate:,.0f} origins"
            f" on the study area's {area / 1e6:,.1f} km² (at most {MAX_ORIGINS:,})",
            hint=f"Use grid_spacing_m = {smallest} or more, or origins = 'point'",
        )


def _areas(cfg: AnalysisConfig, sectors: Any, notes: list[str]):
    if cfg.areas is not None:
        kwargs: dict[str, Any] = {}
        if cfg.areas_id_column:
            kwargs["id_column"] = cfg.areas_id_column
        if cfg.areas_name_column:
            kwargs["name_column"] = cfg.areas_name_column
        if cfg.areas_names is not None:
            kwargs["names"] = cfg.areas_names
        return bg.read_areas(cfg.areas, sectors=sectors, **kwargs)
    population = pd.DataFrame(sectors[[c for c in _COUNTS if c in sectors.columns]])
    notes.append(_WORDS[cfg.language]["proposed"])
    from buurtgeo._progress import callback

    return bg.propose_areas(
        sectors,
        population,
        target_column=cfg.area_target_column,
        target_size=cfg.target_children,
        n_areas=cfg.n_areas,
        progress=callback("buurten voorstellen"),
    )


def _indicators(joined, areas, services, origins, reach, kinds, target_columns):
    """Reach per sector, per area and for the whole study area (target children weights)."""
    sector_area = areas.attrs["sector_area"]
    per_sector = bg.aggregate_reach(reach, origins, by="sector_id", weight=target_columns)
    per_area = bg.aggregate_reach(reach, origins, by=sector_area, weight=target_columns)
    everywhere = pd.Series("all", index=joined.index)
    region = bg.aggregate_reach(reach, origins, by=everywhere, weight=target_columns)
    no_capacity = [
        k for k in kinds if services.loc[services["service_kind"] == k, "capacity"].isna().all()
    ]
    sector_table = _sector_table(joined, sector_area, per_sector, kinds, no_capacity)
    area_table = _area_table(areas, joined, sector_area, per_area, kinds, no_capacity)
    return sector_table, area_table, _drop_capacity(region, no_capacity)


def _drop_capacity(table: pd.DataFrame, no_capacity: Sequence[str]) -> pd.DataFrame:
    """Drop capacity-based indicators of kinds whose services have no capacity at all."""
    drop = [f"{base}__{k}" for k in no_capacity for base in _CAPACITY_INDICATORS]
    return table.drop(columns=[c for c in drop if c in table.columns])


def _kind_columns(table: pd.DataFrame, kinds: Sequence[str]) -> list[str]:
    return [f"{base}__{k}" for k in kinds for base in INDICATORS if f"{base}__{k}" in table.columns]


def _sector_table(sectors, sector_area, per_sector, kinds, no_capacity):
    import geopandas as gpd

    counts = [c for c in _COUNTS if c in sectors.columns]
    base = pd.DataFrame(sectors[[c for c in _CONTEXT_SECTOR if c in sectors.columns] + counts])
    base["area_id"] = sector_area.reindex(base.index)
    indicators = _drop_capacity(per_sector[_kind_columns(per_sector, kinds)], no_capacity)
    table = base.join(indicators)
    table = table[
        [c for c in (*_CONTEXT_SECTOR, *counts) if c in table.columns] + list(indicators.columns)
    ]
    return gpd.GeoDataFrame(table, geometry=sectors.geometry, crs=sectors.crs)


def _area_table(areas, sectors, sector_area, per_area, kinds, no_capacity):
    import geopandas as gpd

    from buurtgeo.areas import aggregate_to_areas

    counts = [c for c in _COUNTS if c in sectors.columns]
    sums = aggregate_to_areas(pd.DataFrame(sectors[counts]), sector_area, extensive=counts)
    n_sectors = sector_area.value_counts().rename("n_sectors")
    context = [
        c for c in ("area_name", "municipality_nis", "municipality_name_nl") if c in areas.columns
    ]
    table = pd.DataFrame(areas[context]).join(n_sectors).join(sums)
    if "municipality_name_nl" not in table.columns and "municipality_nis" in table.columns:
        names = sectors.drop_duplicates("municipality_nis").set_index("municipality_nis")
        table["municipality_name_nl"] = table["municipality_nis"].map(names["municipality_name_nl"])
    first = [c for c in ("area_name", "municipality_nis", "municipality_name_nl") if c in table]
    table = table[first + [c for c in table.columns if c not in first]]
    indicators = _drop_capacity(per_area[_kind_columns(per_area, kinds)], no_capacity)
    table = table.join(indicators)
    return gpd.GeoDataFrame(table, geometry=areas.geometry, crs=areas.crs)


def _gaps(cfg, areas, origins, reach, services, kinds, notes, deprivation=None):
    """Gap indicators per area and kind from :func:`buurtgeo.gaps` (long table), or None.

    With a deprivation table, need is weighted up by its ``deprivation_weight`` per
    sector (``need = children · (1 + alpha · d)``, ``inputs.deprivation.alpha``)."""
    try:
        from buurtgeo.gaps import gaps as gaps_function
    except ImportError:
        notes.append("gap indicators skipped: buurtgeo.gaps is not available")
        return None
    return gaps_function(
        areas,
        origins,
        reach,
        services,
        kinds=list(kinds),
        norm=cfg.norm_places_per_100,
        language=cfg.language,
        deprivation=None if deprivation is None else deprivation["deprivation_weight"],
        deprivation_scale="share",
        alpha=float(cfg.deprivation_options.get("alpha", 1.0)),
    )


def _wide_gaps(gaps: pd.DataFrame, kinds: Sequence[str]) -> pd.DataFrame:
    """``(area_id, service_kind)`` rows → one row per area, ``<column>__<kind>`` columns."""
    keep = [c for c in GAP_COLUMNS_KEPT if c in gaps.columns]
    parts = []
    for kind in kinds:
        if kind not in gaps.index.get_level_values("service_kind"):
            continue
        part = gaps.xs(kind, level="service_kind")[keep].rename(columns=GAP_COLUMNS_KEPT)
        parts.append(part.add_suffix(f"__{kind}"))
    return pd.concat(parts, axis=1) if parts else pd.DataFrame()


# --------------------------------------------------------------------------------------
# Set-aside rows: every input row a stage did not use
# --------------------------------------------------------------------------------------


def _missing(value: Any) -> bool:
    """True for None, NA and NaN (scalars only; anything else is a value)."""
    if value is None or value is pd.NA:
        return True
    return isinstance(value, float) and math.isnan(value)


def _flatten_set_aside(table: pd.DataFrame | None, stage: str) -> pd.DataFrame:
    """Canonical four columns + the source row's values as one ``col=value | …`` text."""
    columns = ["stage", "source", "row", "column", "reason", "values"]
    if table is None or len(table) == 0:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in columns})
    table = pd.DataFrame(table)
    head = {
        c: table[c] if c in table.columns else None for c in ("source", "row", "column", "reason")
    }
    rest = [c for c in table.columns if c not in head]
    values = [
        " | ".join(f"{c}={v}" for c, v in zip(rest, row, strict=True) if not _missing(v))
        for row in table[rest].astype(object).itertuples(index=False, name=None)
    ]
    out = pd.DataFrame({"stage": stage, **head, "values": values}, index=table.index)
    return out[columns].reset_index(drop=True)


def _note_source(set_aside: list[pd.DataFrame], item: str, path: Any, result: Any) -> None:
    """Record an input file of the run (see :mod:`buurtgeo._sources`)."""
    note_source(getattr(set_aside, "sources", None), item, path, result)


def _set_aside_of(obj: Any) -> pd.DataFrame | None:
    if obj is None:
        return None
    table = getattr(obj, "set_aside", None)
    if table is None and hasattr(obj, "attrs"):
        table = obj.attrs.get("set_aside")
    return table


# --------------------------------------------------------------------------------------
# Entry points
# --------------------------------------------------------------------------------------


def run_config(
    config: str | PathLike[str] | Mapping[str, Any] | AnalysisConfig,
    *,
    out_dir: str | PathLike[str] | None = None,
    write: bool = True,
    quiet: bool = False,
) -> Analysis:
    """Run the analysis a configuration describes and (by default) write its files.

    Parameters
    ----------
    config : path-like, mapping or AnalysisConfig
        A TOML file (see :data:`CONFIG_TEMPLATE`), the same as a dict (relative paths
        then resolve against the working folder), or a parsed config.
    out_dir : path-like, optional
        Output folder; default the config's ``outputs.dir``.
    write : bool, default True
        Write the output files (``False``: only compute, e.g. in a notebook).
    quiet : bool, default False
        Do not print the summary.

    Returns
    -------
    Analysis
        Per sector and per area, for every kind ``k`` (weights: the kind's target
        children ``P_i``, metres, see :func:`buurtgeo.aggregate_reach`):
        ``share_covered__k = Σ P_i [d_i <= R_k] / Σ P_i``, ``mean_dist_m__k``,
        ``median_dist_m__k``, ``services_within__k``, ``capacity_within__k``,
        ``fca2__k`` (2SFCA ``A_i = Σ_j R_j`` over services with ``d_ij <= R_k``,
        ``R_j = S_j / Σ_i P_i [d_ij <= R_k]``, places per child) and
        ``places_per_100_2sfca__k = 100 · fca2__k``; per area also the gap columns,
        among them ``places_per_100_in_area__k`` (places located in the area per 100
        of its children, :func:`buurtgeo.gaps`).
    """
    if isinstance(config, AnalysisConfig):
        cfg = config
    elif isinstance(config, Mapping):
        cfg = parse_config(config)
    else:
        cfg = load_config(config)
    if write:  # a folder that cannot be written is refused before the analysis
        from buurtgeo.config import check_out_dir

        check_out_dir(cfg, out_dir)
    analysis = analyse(cfg)
    if write:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            analysis.write(out_dir=out_dir)
        _notes_from_warnings(analysis.notes, caught, cfg.language)
    if not quiet:
        print(analysis.summary())
        if write:
            print(f"→ {Path(out_dir) if out_dir is not None else cfg.out_dir}")
    return analysis


def run_demo(
    out_dir: str | PathLike[str] = "demo-output", *, write: bool = True, quiet: bool = False
) -> Analysis:
    """Run the demo analysis on the embedded fictional sample (see :mod:`buurtgeo.sample`).

    Two fictional municipalities, 48 sectors, walking distances over the sample's OSM
    network, every service kind in the sample, the sample's *wijken* as areas.

    Parameters
    ----------
    out_dir : path-like, default 'demo-output'
        Where ``indicators.csv``, ``indicators.gpkg``, ``map.html`` … are written.
    write : bool, default True
        Write the files.
    quiet : bool, default False
        Do not print the summary.

    Returns
    -------
    Analysis
    """
    return run_config(demo_config(out_dir), out_dir=out_dir, write=write, quiet=quiet)
