"""Maps a planner opens by double-click: Folium (Leaflet) pages that work offline, and static figures.

The last stage of the pipeline: indicators per area (and the services behind them)
become

* :func:`reach_map` - a choropleth layer per indicator (radio buttons), service
  locations per kind as capacity-scaled circles (clustered where dense), catchment
  overlays, area-name labels, a plain-Dutch legend that follows the active layer,
  tooltips and popups with units;
* :func:`base_map` - the page's own background (streets, water, railways, parks,
  neighbouring outlines), so that a map reads offline;
* :func:`bivariate_map` - need × reach in a 3 × 3 colour grid with its two-way legend;
* :func:`scenario_map` - before, after and the difference, on shared classes;
* :func:`save_map` - a self-contained, deterministic HTML file (every script and
  stylesheet inlined from installed ``xstatic`` packages; no CDN, opens from
  ``file://`` without internet);
* :func:`static_map` - the same choropleth as a matplotlib figure (PNG/PDF/SVG) for
  reports;
* :func:`show_map` - the offline page in a Jupyter cell (maps made here display that
  way by themselves; folium's own display needs the internet).

Colours: dark means worse (long distances, few places per child); how each indicator
is drawn and written (units, decimals, which way is bad) comes from the indicator
registry, :mod:`buurtgeo.indicators` (extended with :func:`buurtgeo.register_indicator`).

Inputs are GeoDataFrames in the working (metric) CRS, as every other stage returns
them; they are reprojected to EPSG:4326 here, at export, and nowhere else. Text from
the data (area and service names) is HTML-escaped before it reaches the page, and
every value travels to the page as JSON, so a service called
``<script>alert(1)</script>`` is shown as text.

One job per module:

* :mod:`~buurtgeo.maps.classes` - values → classes, colours, legend labels and the
  reason for the classes (policy breaks by kind of indicator; mapclassify on request);
* :mod:`~buurtgeo.maps.compact` - geometry for the page: simplified, rounded and
  delta-encoded (:func:`compact_geometry`, where a map's size is decided);
* :mod:`~buurtgeo.maps.basemap` - the background features (:func:`base_map`);
* :mod:`~buurtgeo.maps.style` - how indicators, numbers and words are drawn and
  written (from the indicator registry), colours and marker sizes;
* :mod:`~buurtgeo.maps.choropleth` (:func:`reach_map`), :mod:`~buurtgeo.maps.bivariate`
  and :mod:`~buurtgeo.maps.scenario` - the interactive maps, built on ``_builder``
  (one folium page: panes, shared area data, layers, legend) and ``_layers`` (popups,
  legends, services per kind, catchments), with the argument checks of ``_inputs``;
* :mod:`~buurtgeo.maps.static` - matplotlib figures;
* :mod:`~buurtgeo.maps.export` - the offline page, the file and the notebook display
  (``_offline`` inlines the scripts and stylesheets and makes the ids deterministic);
* ``assets/`` - the page's own stylesheet and JavaScript templates (package data).
"""

from buurtgeo.maps.basemap import base_map
from buurtgeo.maps.bivariate import bivariate_map
from buurtgeo.maps.choropleth import reach_map
from buurtgeo.maps.classes import SCHEMES, Classes, classify
from buurtgeo.maps.compact import compact_geometry, decode_geometry
from buurtgeo.maps.export import InlineMap, map_html, save_map, show_map
from buurtgeo.maps.scenario import scenario_map
from buurtgeo.maps.static import static_map

__all__ = [
    "reach_map",
    "base_map",
    "compact_geometry",
    "decode_geometry",
    "bivariate_map",
    "scenario_map",
    "save_map",
    "map_html",
    "static_map",
    "show_map",
    "classify",
    "SCHEMES",
    "Classes",
    "InlineMap",
]
