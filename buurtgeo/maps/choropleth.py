"""The reach map: an interactive choropleth of reach indicators per area (:func:`reach_map`).

One layer per indicator (radio buttons), services per kind, catchment overlays,
area-name labels and a legend that follows the active layer.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from buurtgeo._checks import Checks
from buurtgeo.indicators import label
from buurtgeo.maps._builder import _MapBuilder
from buurtgeo.maps._inputs import (
    _POLYGONS,
    _check_columns,
    _check_crs,
    _check_flags,
    _check_frame,
    _check_k,
    _check_services,
    _check_thresholds,
    _is_gdf,
    _language,
    _per_indicator,
    _pick_name_column,
)
from buurtgeo.maps._layers import (
    _add_base_map,
    _add_catchments,
    _add_services,
    _add_sites,
    _check_base_map,
    _extra_columns,
    _hidden,
    _legend_html,
    _names,
    _popup_columns,
)
from buurtgeo.maps.classes import SCHEMES, classify
from buurtgeo.maps.style import _NO_DATA_COLOUR, _SUPPRESSED_COLOUR, _UNREACHABLE_COLOUR, _kind_of

if TYPE_CHECKING:  # pragma: no cover
    import folium
    import geopandas as gpd

__all__ = ["reach_map"]


def reach_map(
    areas: gpd.GeoDataFrame,
    *,
    indicators: str | Sequence[str],
    services: gpd.GeoDataFrame | None = None,
    catchments: bool | float | gpd.GeoDataFrame | None = None,
    scheme: str | Mapping[str, str] = "default",
    k: int = 5,
    thresholds: Sequence[float] | Mapping[str, Sequence[float]] | None = None,
    catchment_m: float | Mapping[str, float] | None = None,
    norm: float | None = None,
    basemap: gpd.GeoDataFrame | None = None,
    sites: gpd.GeoDataFrame | None = None,
    language: str | None = None,
    name_column: str | None = None,
    title: str | None = None,
    tiles: bool = True,
    labels: bool | str = "auto",
    cluster: bool | str = "auto",
    simplify_m: float = 1.0,
    footer: str | None = None,
) -> folium.Map:
    """Interactive choropleth of reach indicators per area, with services and catchments.

    One layer per indicator (radio buttons; the first is shown), coloured by class
    (see :func:`classify`; dark = worse: long distances, few places per child), with a
    legend in plain Dutch (English with ``language='en'``) that says which classes and
    why, and follows the active layer. Hovering an area shows its name and the
    indicator with units; clicking it shows every indicator (and the need columns
    ``population``/``children_*`` when present). Values ``inf`` read "onbereikbaar"
    (unreachable), NaN "geen gegevens".

    Services are drawn per kind as circles whose area is proportional to capacity:
    radius r = max(3, 14 · √(c / c_max)) px, c_max the largest capacity on the map;
    services without a capacity get 5 px with a dashed outline. Kinds with more than
    40 services are clustered (``cluster='auto'``) until zoom 16.

    The page opens fitted tightly to the areas (fractional zoom), names areas where
    their labels do not collide (the larger area wins), and carries its own base map
    when ``basemap`` is given (streets, water, railways, parks, neighbouring outlines:
    see :func:`buurtgeo.base_map`), so that it reads offline; the OpenStreetMap tiles
    stay in the layer control for when there is internet.

    Parameters
    ----------
    areas : geopandas.GeoDataFrame
        Sectors or areas (polygons) in a projected CRS in metres (the working CRS),
        with the indicator columns. Reprojected to EPSG:4326 only for the page.
    indicators : str or sequence of str
        Numeric columns to map, canonical names such as ``'dist_nearest_m'`` (metres),
        ``'share_covered'`` (0-1, shown as %), ``'places_per_100_2sfca'`` (places within
        reach per 100 children), ``'places_per_100_in_area'`` (places located in the
        area per 100 of its children), ``'fca2'`` (places per child) or wide names
        ``'<indicator>__<kind>'``.
    services : geopandas.GeoDataFrame, optional
        Points with ``service_kind`` and optionally ``name`` and ``capacity`` (places),
        in the CRS of ``areas``.
    catchments : True, float or geopandas.GeoDataFrame, optional
        Service areas drawn as dashed overlays, one per kind (union of the services'
        areas). A GeoDataFrame: polygons such as :func:`buurtgeo.service_areas` returns
        (network service areas; grouped by ``service_kind``, named by its ``method``
        and ``catchment_m``). ``True``: straight-line circles of each kind's catchment
        (``catchment_m``, else ``ServiceKind.catchment_m``); a number: circles of that
        radius in metres. Circles are labelled "in vogelvlucht" (as the crow flies).
    scheme : str or mapping of indicator → str, default 'default'
        ``'default'`` (breaks by the kind of indicator: policy breaks for shares, the
        catchment for distances, the norm for places per 100 children; see
        :func:`classify`), ``'quantiles'``, ``'natural_breaks'`` (Fisher-Jenks),
        ``'equal_interval'`` or ``'thresholds'``. A mapping may name an indicator with
        or without its ``__kind`` suffix.
    k : int, default 5
        Number of classes of the data-driven schemes (2-9).
    thresholds : sequence of float or mapping of indicator → sequence, optional
        Fixed class bounds in the indicator's units (e.g. ``[500, 800, 1200]`` m);
        they take precedence over ``scheme`` for the indicators they apply to.
    catchment_m : float or mapping kind → float, optional
        Catchment per kind in metres: breaks of distance indicators and radius of
        straight-line catchments (default: each kind's own).
    norm : float, optional
        Places per 100 children that count as enough (breaks of places indicators;
        default 33).
    basemap : geopandas.GeoDataFrame, optional
        Background features with a ``feature`` column, as :func:`buurtgeo.base_map`
        returns them, in the CRS of ``areas``.
    sites : geopandas.GeoDataFrame, optional
        Suggested sites (points, e.g. from :func:`buurtgeo.suggest_sites`, with
        ``order``), drawn as numbered markers in their own layer.
    language : {'nl', 'en'}, optional
        Default: the ``language`` option.
    name_column : str, optional
        Column with the area name shown in tooltips; default the first of
        ``area_name``, ``sector_name_nl``, ``name``, else the index.
    title : str, optional
        Title box at the top left and the page's ``<title>`` (plain text; escaped).
    tiles : bool, default True
        Offer the OpenStreetMap background (it loads when online and fails quietly
        offline); shown at first only when there is no ``basemap``.
    labels : bool or 'auto', default 'auto'
        Overlay of area names; 'auto' shows it when there are at most 60 areas.
    cluster : bool or 'auto', default 'auto'
    simplify_m : float, default 1.0
        Outline simplification tolerance in metres before export (0: none; see
        :func:`buurtgeo.maps.compact_geometry`).
    footer : str, optional
        A line at the bottom left (plain text; escaped), e.g. the sources of the figures.

    Small-number suppression: when ``areas`` comes from a suppressed table (a
    ``suppressed`` column and ``attrs["suppression_threshold"]``, see
    :func:`buurtgeo.suppression.suppress_published`), its hidden cells read
    *afgeschermd (< n)* in tooltips, popups and the legend, in their own grey.

    Returns
    -------
    folium.Map
        Save it with :func:`save_map` for an offline file.

    Raises
    ------
    InputError
        Listing every problem with the arguments at once
        (:class:`~buurtgeo.errors.MissingColumnError` when one missing column is the
        only problem).
    CRSError
        When the only problem is that the inputs are not in one projected CRS in metres.
    """
    indicators = [indicators] if isinstance(indicators, str) else list(indicators)
    language, name_column, schemes, bounds = _check_reach_map(
        areas,
        indicators,
        services=services,
        catchments=catchments,
        scheme=scheme,
        k=k,
        thresholds=thresholds,
        language=language,
        name_column=name_column,
        labels=labels,
        cluster=cluster,
        basemap=basemap,
        sites=sites,
    )

    b = _MapBuilder(areas, language=language, title=title, tiles=tiles)
    if basemap is not None:
        _add_base_map(b, basemap)
    names = _names(areas, name_column)
    popup_columns = [*indicators, *_extra_columns(areas, indicators)]
    hidden, hidden_text = _hidden(areas, language)
    data_var = b.area_data(
        areas,
        names,
        _popup_columns(areas, popup_columns, language, hidden=hidden, hidden_text=hidden_text),
        simplify_m,
    )
    no = np.zeros(len(areas), dtype=bool)
    for j, ind in enumerate(indicators):
        values = areas[ind].to_numpy(dtype=float)
        classes = classify(
            values,
            column=ind,
            scheme=schemes[ind],
            k=k,
            thresholds=bounds[ind],
            language=language,
            catchment_m=catchment_m,
            norm=norm,
        )
        title_ind = label(ind, language=language)
        # a value small-number suppression hid: its own code (-3: grey), its tooltip and
        # popup read 'afgeschermd (< n)' (the column texts), its own legend row
        gone = hidden.get(ind, no) & np.isnan(values) if hidden_text else no
        codes = np.where(gone, -3, classes.codes)
        b.choropleth(
            data_var,
            name=title_ind,
            codes=[int(c) for c in codes],
            palette=[*classes.colours, _SUPPRESSED_COLOUR, _UNREACHABLE_COLOUR, _NO_DATA_COLOUR],
            tip_column=j,
            tip_label=html.escape(title_ind),
            show=j == 0,
            legend=_legend_html(title_ind, classes, language, hidden=gone, hidden_text=hidden_text),
            kind=_kind_of(ind),
        )
    active = _kind_of(indicators[0])
    if catchments is not None:
        _add_catchments(b, services, catchments, active_kind=active, catchment_m=catchment_m)
    if services is not None and len(services):
        _add_services(b, services, cluster=cluster, active_kind=active)
    if sites is not None and len(sites):
        _add_sites(b, sites, active_kind=active)
    b.labels(areas, names, show=labels is True or (labels == "auto" and len(areas) <= 60))
    if footer:
        b.footer(footer)
    return b.finish()


def _check_reach_map(
    areas: Any,
    indicators: list[str],
    *,
    services: Any,
    catchments: Any,
    scheme: str | Mapping[str, str],
    k: int,
    thresholds: Sequence[float] | Mapping[str, Sequence[float]] | None,
    language: str | None,
    name_column: str | None,
    labels: bool | str,
    cluster: bool | str,
    basemap: Any = None,
    sites: Any = None,
) -> tuple[str, str | None, dict[str, Any], dict[str, Any]]:
    """The check step of :func:`reach_map`: every problem with the arguments at once.

    Returns the language, the name column, and the scheme and the thresholds of each
    indicator.
    """
    checks = Checks("reach_map")
    language = _language(language, checks)
    if not indicators:
        checks.add("indicators must name at least one column")
    if _check_frame(areas, "areas", checks, _POLYGONS):
        _check_columns(areas, indicators, "areas", checks)
        name_column = _pick_name_column(areas, name_column, checks)
    _check_services(services, checks)
    if catchments is not None:
        _check_catchments(catchments, services, checks)
    _check_base_map(basemap, checks)
    if sites is not None:
        _check_frame(sites, "sites", checks, ("Point",))
    schemes = _per_indicator(scheme, indicators, "scheme", checks, default="default")
    bounds = (
        _per_indicator(thresholds, indicators, "thresholds", checks)
        if isinstance(thresholds, Mapping)
        else dict.fromkeys(indicators, thresholds)
    )
    for ind in indicators:
        if bounds[ind] is None and schemes[ind] not in SCHEMES:
            checks.add(f"unknown scheme {schemes[ind]!r} for {ind!r}; known: {', '.join(SCHEMES)}")
        if bounds[ind] is not None:
            p = _check_thresholds(bounds[ind])
            if p:
                checks.add(f"{ind}: {p}")
        elif schemes[ind] == "thresholds":
            checks.add(f"scheme 'thresholds' for {ind!r} needs thresholds")
    _check_k(k, checks)
    _check_flags(labels, cluster, checks)
    _check_crs(
        checks, areas=areas, services=services, catchments=catchments, basemap=basemap, sites=sites
    )
    checks.raise_if_any()
    return language, name_column, schemes, bounds


def _check_catchments(catchments: Any, services: Any, checks: Checks) -> None:
    """Record problems with ``catchments``: polygons, True or a buffer in metres."""
    if _is_gdf(catchments):
        _check_frame(catchments, "catchments", checks, _POLYGONS)
    elif isinstance(catchments, bool) or isinstance(catchments, int | float):
        if services is None:
            checks.add("catchments as a buffer need services")
        if not isinstance(catchments, bool) and not (np.isfinite(catchments) and catchments > 0):
            checks.add(
                f"a catchment buffer must be a positive number of metres, got {catchments!r}"
            )
    else:
        checks.add(
            "catchments must be True, a number of metres or a GeoDataFrame, "
            f"got {type(catchments).__name__}"
        )
