"""One folium page for the interactive maps: panes, shared area data, layers, legend, controls.

:class:`_MapBuilder` assembles a ``folium.Map`` from our own small templates (the
JavaScript and CSS in ``assets/``; every value reaches the page through ``tojson``):
the areas' outlines embedded once and shared by every choropleth layer, overlays of
polygons, service points (clustered or not), area-name labels, and a legend that
follows the active layer. Geometry is reprojected to EPSG:4326 here, at export.
"""

from __future__ import annotations

import functools
import html
import json
from importlib import resources
from typing import TYPE_CHECKING, Any, cast

import numpy as np

from buurtgeo.maps.export import _map_class
from buurtgeo.maps.style import _word

if TYPE_CHECKING:  # pragma: no cover
    import folium
    from branca.element import Figure

# --------------------------------------------------------------------------------------
# Geometry at export
# --------------------------------------------------------------------------------------


def _to_geojson(geoms: Any, *, crs: Any, simplify_m: float) -> dict:
    """FeatureCollection in EPSG:4326 with ``properties.i`` = row position."""
    import geopandas as gpd
    import shapely

    series = gpd.GeoSeries(shapely.force_2d(np.asarray(geoms)), crs=crs)
    if simplify_m > 0:
        series = series.simplify(simplify_m, preserve_topology=True)
    series = series.to_crs("EPSG:4326")
    rounded = shapely.transform(np.asarray(series.values), lambda c: np.round(c, 6))
    texts = shapely.to_geojson(rounded)
    return {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": {"i": i}, "geometry": json.loads(t)}
            for i, t in enumerate(texts)
        ],
    }


def _latlon(geoms: Any, *, crs: Any) -> list[list[float]]:
    """[lat, lon] of each point in EPSG:4326, to 6 decimals (≈ 0.1 m)."""
    import geopandas as gpd
    import shapely

    series = gpd.GeoSeries(np.asarray(geoms), crs=crs).to_crs("EPSG:4326")
    xy = np.round(shapely.get_coordinates(np.asarray(series.values)), 6)
    return xy[:, ::-1].tolist()


def _bounds_latlon(frame: Any) -> list[list[float]]:
    minx, miny, maxx, maxy = frame.to_crs("EPSG:4326").total_bounds
    return [
        [round(float(miny), 6), round(float(minx), 6)],
        [round(float(maxy), 6), round(float(maxx), 6)],
    ]


# --------------------------------------------------------------------------------------
# Page elements (our own small templates; every value goes through tojson)
# --------------------------------------------------------------------------------------


@functools.cache
def _asset(name: str) -> str:
    """The text of ``assets/<name>``, byte for byte: the page's CSS or a JavaScript template.

    The templates are rendered by folium's jinja with ``this`` (the element) in scope;
    every value reaches them through ``tojson``.
    """
    return (resources.files("buurtgeo.maps") / "assets" / name).read_bytes().decode("utf-8")


@functools.cache
def _jinja(text: str) -> Any:
    """One compiled template per text (shared, so copies of a map render the same)."""
    from folium.template import Template

    return Template("{% macro script(this, kwargs) %}" + text + "{% endmacro %}")


@functools.cache
def _elements():
    """Build the element classes once, lazily (folium is imported only when a map is made).

    The template text lives on the instance and the compiled template in :func:`_jinja`,
    so that ``copy.deepcopy`` of a map (see :func:`map_html`) copies text, not jinja
    internals.
    """
    from branca.element import MacroElement
    from folium.map import Layer

    class Script(MacroElement):
        """A block of JavaScript rendered from a template with ``this.ctx``."""

        def __init__(self, template: str, **ctx: Any) -> None:
            super().__init__()
            self._name = "BgScript"
            self.template_text = template
            self.ctx = ctx

        # branca declares _template an attribute; a property keeps jinja out of deepcopy
        @property
        def _template(self) -> Any:  # type: ignore[override]
            return _jinja(self.template_text)

    class JsLayer(Layer):
        """A Leaflet layer made by a JavaScript expression (shown in the layer control)."""

        def __init__(
            self, template: str, *, name: str, overlay: bool, show: bool, before: str = "", **ctx
        ):
            super().__init__(name=name, overlay=overlay, control=True, show=show)
            self._name = "BgLayer"
            self.template_text = before + "var {{ this.get_name() }} = " + template + ";"
            self.ctx = ctx

        @property
        def _template(self) -> Any:  # type: ignore[override]  # as Script._template
            return _jinja(self.template_text)

    return Script, JsLayer


class _MapBuilder:
    """Assembles one folium.Map: panes, shared area data, layers, legend, controls."""

    def __init__(self, areas: Any, *, language: str, title: str | None, tiles: bool) -> None:
        import folium
        from branca.element import Element

        self.Script, self.JsLayer = _elements()
        self.language = language
        self.crs = areas.crs
        self.m = _map_class()(
            location=None, tiles=None, max_zoom=19, zoom_control=True, control_scale=False
        )
        # folium hands max_zoom to its tile layer only; without tiles the map itself needs
        # it, or Leaflet.markercluster stops with "Map has no maxZoom specified"
        self.m.options["maxZoom"] = 19
        # leave room for the control column on the right (layers, then legend)
        self.m.fit_bounds(
            _bounds_latlon(areas), padding_top_left=(20, 20), padding_bottom_right=(350, 20)
        )
        cast("Figure", self.m.get_root()).header.add_child(  # a map's root is its page
            Element(f"<style>{_asset('map.css')}</style>"), name="bg_style"
        )
        # legend blocks: (layer the block belongs to or None, html, tight: no separator)
        self.legend_blocks: list[tuple[Any, str, bool]] = []
        self.kind_links: list[tuple[Any, str | None]] = []  # indicator layer → its kind
        self.kind_deps: list[tuple[Any, str]] = []  # service/catchment layer → its kind
        self.add_script(_asset("panes.js"))
        if tiles:
            folium.TileLayer(
                "OpenStreetMap",
                name=html.escape(_word("basemap", language)),
                overlay=True,
                control=True,
                show=True,
                max_zoom=19,
            ).add_to(self.m)
        if title:
            self.add_script(_asset("title.js"), html=title)

    def add_script(self, template: str, **ctx: Any):
        element = self.Script(template, **ctx)
        self.m.add_child(element)
        return element

    def area_data(self, areas: Any, popups: list[str], simplify_m: float) -> Any:
        """Embed the area outlines once; return the element (its JS name is set at render)."""
        data = _to_geojson(areas.geometry.values, crs=self.crs, simplify_m=simplify_m)
        element = self.add_script(
            "var {{ this.get_name() }} = {{ this.ctx.data|tojson }};"
            "var {{ this.get_name() }}_popup = {{ this.ctx.popups|tojson }};",
            data=data,
            popups=popups,
        )
        return element

    def choropleth(
        self,
        data_var: Any,
        *,
        name: str,
        colours: list[str],
        tooltips: list[str],
        show: bool,
        legend: str,
        kind: str | None = None,
    ) -> Any:
        layer = self.JsLayer(
            _asset("choropleth.js"),
            before="var {{ this.get_name() }}_c = {{ this.ctx.colours|tojson }};"
            "var {{ this.get_name() }}_t = {{ this.ctx.tooltips|tojson }};",
            name=html.escape(name),
            overlay=False,
            show=show,
            data=data_var,
            colours=colours,
            tooltips=tooltips,
        )
        self.m.add_child(layer)
        self.legend_blocks.append((layer, legend, False))
        self.kind_links.append((layer, kind))
        return layer

    def labels(self, areas: Any, names: list[str], show: bool) -> None:
        import shapely

        pts = shapely.get_coordinates(
            areas.geometry.to_crs("EPSG:4326").representative_point().values
        )
        points = [[round(float(y), 6), round(float(x), 6)] for x, y in pts]
        layer = self.JsLayer(
            _asset("labels.js"),
            name=html.escape(_word("labels", self.language)),
            overlay=True,
            show=show,
            points=points,
            names=names,
        )
        self.m.add_child(layer)

    def polygons_overlay(
        self, geoms: Any, *, name: str, colour: str, show: bool, kind: str | None = None
    ) -> Any:
        data = _to_geojson(geoms, crs=self.crs, simplify_m=1.0)
        layer = self.JsLayer(
            _asset("polygons.js"),
            name=html.escape(name),
            overlay=True,
            show=show,
            data=data,
            colour=colour,
        )
        self.m.add_child(layer)
        if kind is not None:
            self.kind_deps.append((layer, kind))
        return layer

    def points(
        self,
        geoms: Any,
        *,
        name: str,
        colour: str,
        radii: list[float],
        hollow: list[bool],
        names: list[str],
        captions: list[str],
        tooltip: tuple[str, str, str],
        popup: tuple[str, str, str],
        cluster: bool,
        show: bool = True,
        kind: str | None = None,
    ) -> Any:
        """Point markers; point ``i``'s tooltip is ``tooltip[0] + names[i] + tooltip[1] +
        captions[i] + tooltip[2]`` (HTML, every piece escaped by the caller), its popup
        likewise. The page holds one array per attribute and the two templates, not a
        GeoJSON feature and two HTML texts per point: ≈ 80 bytes a point."""
        from folium.plugins import MarkerCluster

        expression = _asset("points.js")
        ctx = dict(
            latlon=_latlon(geoms, crs=self.crs),
            colour=colour,
            radii=[round(float(x), 2) for x in radii],
            hollow=[int(bool(x)) for x in hollow],
            names=names,
            captions=captions,
            tooltip=list(tooltip),
            popup=list(popup),
        )
        if not cluster:
            layer = self.JsLayer(expression, name=html.escape(name), overlay=True, show=show, **ctx)
            self.m.add_child(layer)
            if kind is not None:
                self.kind_deps.append((layer, kind))
            return layer
        icon = _asset("cluster_icon.js").replace("{{ colour }}", colour)
        group = MarkerCluster(
            name=html.escape(name),
            overlay=True,
            show=show,
            icon_create_function=icon,
            options={
                "disableClusteringAtZoom": 16,
                "maxClusterRadius": 45,
                "spiderfyOnMaxZoom": False,
                "showCoverageOnHover": False,
            },
        )
        self.m.add_child(group)
        inner = self.Script(
            "var {{ this.get_name() }} = " + expression + ";"
            "{{ this.get_name() }}.addTo({{ this._parent.get_name() }});",
            **ctx,
        )
        group.add_child(inner)
        if kind is not None:
            self.kind_deps.append((group, kind))
        return group

    def finish(self) -> folium.Map:
        import folium

        folium.LayerControl(position="topright", collapsed=False).add_to(self.m)
        blocks = [(layer, block, tight) for layer, block, tight in self.legend_blocks if block]
        self.add_script(
            _asset("legend.js"),
            blocks=[{"html": block, "tight": tight} for _, block, tight in blocks],
            layers=[layer for layer, _, _ in blocks],
            links=[(layer, kind) for layer, kind in self.kind_links],
            deps=self.kind_deps,
        )
        return self.m
