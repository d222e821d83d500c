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
from typing import Any

import numpy as np

from buurtgeo.maps.export import _map_class
from buurtgeo.maps.style import _word

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

        @property
        def _template(self) -> Any:
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
        def _template(self) -> Any:
            return _jinja(self.template_text)

    return Script, JsLayer


_CSS = """
.bg-box{background:rgba(255,255,255,.94);padding:6px 9px;border-radius:5px;
 box-shadow:0 1px 5px rgba(0,0,0,.4);font:13px/1.35 "Helvetica Neue",Arial,Helvetica,sans-serif;color:#222}
.bg-title{font-size:15px;font-weight:bold;max-width:340px}
.bg-legend{width:310px;max-height:45vh;overflow:auto}
.bg-legend h4{margin:0 0 3px;font-size:13px}
.bg-legend .bg-note{font-size:11px;color:#555;margin-bottom:3px}
.bg-legend .bg-row{display:flex;align-items:center;margin:1px 0;white-space:nowrap}
.bg-legend .bg-sw{display:inline-block;width:18px;height:13px;margin-right:6px;border:1px solid #777;flex:none}
.bg-legend .bg-dot{display:inline-block;border-radius:50%;margin-right:6px;border:1.5px solid #fff;
 box-shadow:0 0 0 1px #555;flex:none}
.bg-legend .bg-n{color:#666;margin-left:4px;font-size:11px}
.bg-legend .bg-block{margin-top:7px;border-top:1px solid #ddd;padding-top:5px}
.bg-legend .bg-block.bg-first,.bg-legend .bg-block.bg-tight{margin-top:0;border-top:0;padding-top:0}
.bg-bi{display:grid;grid-template-columns:18px repeat(3,22px);grid-template-rows:repeat(3,22px) 18px;
 gap:1px;align-items:center;justify-items:center;font-size:11px}
.bg-bi .bg-cell{width:22px;height:22px}
.bg-bi .bg-yl{grid-row:1/4;grid-column:1;writing-mode:vertical-rl;transform:rotate(180deg);white-space:nowrap}
.bg-bi .bg-xl{grid-row:4;grid-column:2/5;white-space:nowrap}
.leaflet-tooltip.bg-label{background:transparent;border:0;box-shadow:none;font:bold 11px Arial,sans-serif;color:#111;
 text-shadow:0 0 2px #fff,0 0 2px #fff,0 0 3px #fff;padding:0}
.leaflet-tooltip.bg-label:before{display:none}
.leaflet-control-layers{font-size:12px;max-width:330px}
.leaflet-control-layers label{white-space:normal}
.leaflet-control-layers label>span{display:flex;align-items:baseline}
.leaflet-control-layers label input{flex:none}.leaflet-control-layers label{margin:1px 0}
.bg-tip b{font-size:13px}
.bg-pop table{border-collapse:collapse;font-size:12px}
.bg-pop td{padding:1px 6px 1px 0;vertical-align:top}
.bg-pop td.v{text-align:right;white-space:nowrap;font-weight:bold}
.bg-cluster{border-radius:50%;color:#fff;font:bold 12px Arial,sans-serif;display:flex;
 align-items:center;justify-content:center;border:2px solid #fff;box-shadow:0 0 0 1px #333}
.leaflet-container{background:#f4f3ef}
"""


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
        self.m.get_root().header.add_child(Element(f"<style>{_CSS}</style>"), name="bg_style")
        # legend blocks: (layer the block belongs to or None, html, tight: no separator)
        self.legend_blocks: list[tuple[Any, str, bool]] = []
        self.kind_links: list[tuple[Any, str | None]] = []  # indicator layer → its kind
        self.kind_deps: list[tuple[Any, str]] = []  # service/catchment layer → its kind
        self.add_script(
            """
            {%- set m = this._parent.get_name() %}
            {{ m }}.createPane("bgAreas").style.zIndex = 401;
            {{ m }}.createPane("bgCatchments").style.zIndex = 405;
            {{ m }}.getPane("bgCatchments").style.pointerEvents = "none";
            {{ m }}.createPane("bgServices").style.zIndex = 410;
            L.control.scale({imperial: false, position: "bottomleft"}).addTo({{ m }});
            """
        )
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
            self.add_script(
                """
                (function(){
                  var c = L.control({position: "topleft"});
                  c.onAdd = function(){ var d = L.DomUtil.create("div", "bg-box bg-title");
                    d.innerHTML = {{ this.ctx.html|tojson }}; return d; };
                  c.addTo({{ this._parent.get_name() }});
                })();
                """,
                html=title,
            )

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
            """L.geoJson({{ this.ctx.data.get_name() }}, {
                pane: "bgAreas",
                style: function (f) { return {fillColor: {{ this.get_name() }}_c[f.properties.i],
                    color: "#5a5a5a", weight: 1, opacity: 0.9, fillOpacity: 0.72}; },
                onEachFeature: function (f, l) {
                    l.bindTooltip({{ this.get_name() }}_t[f.properties.i],
                                  {sticky: true, className: "bg-tip"});
                    l.bindPopup({{ this.ctx.data.get_name() }}_popup[f.properties.i], {maxWidth: 380});
                    l.on("mouseover", function (e) { e.target.setStyle({weight: 3, color: "#000"}); });
                    l.on("mouseout", function (e) { {{ this.get_name() }}.resetStyle(e.target); });
                }
            })""",
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
            """L.layerGroup((function () {
                var pts = {{ this.ctx.points|tojson }}, names = {{ this.ctx.names|tojson }}, out = [];
                for (var i = 0; i < pts.length; i++) {
                    out.push(L.tooltip({permanent: true, direction: "center", className: "bg-label",
                                        interactive: false}).setLatLng(pts[i]).setContent(names[i]));
                }
                return out; })())""",
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
            """L.geoJson({{ this.ctx.data|tojson }}, {pane: "bgCatchments", interactive: false,
                style: {color: {{ this.ctx.colour|tojson }}, weight: 2, dashArray: "6 4",
                        fill: true, fillColor: {{ this.ctx.colour|tojson }}, fillOpacity: 0.05}})""",
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
        tooltips: list[str],
        popups: list[str],
        cluster: bool,
        show: bool = True,
        kind: str | None = None,
    ) -> Any:
        from folium.plugins import MarkerCluster

        data = _to_geojson(geoms, crs=self.crs, simplify_m=0.0)
        expression = """L.geoJson({{ this.ctx.data|tojson }}, {
                pointToLayer: function (f, latlng) {
                    var i = f.properties.i, h = {{ this.ctx.hollow|tojson }}[i];
                    return L.circleMarker(latlng, {pane: "bgServices",
                        radius: {{ this.ctx.radii|tojson }}[i],
                        color: h ? {{ this.ctx.colour|tojson }} : "#ffffff", weight: h ? 2 : 1.5,
                        dashArray: h ? "3 2" : null, fillColor: {{ this.ctx.colour|tojson }},
                        fillOpacity: h ? 0.25 : 0.9});
                },
                onEachFeature: function (f, l) {
                    l.bindTooltip({{ this.ctx.tooltips|tojson }}[f.properties.i], {className: "bg-tip"});
                    l.bindPopup({{ this.ctx.popups|tojson }}[f.properties.i], {maxWidth: 320});
                }
            })"""
        ctx = dict(
            data=data,
            colour=colour,
            radii=radii,
            hollow=hollow,
            tooltips=tooltips,
            popups=popups,
        )
        if not cluster:
            layer = self.JsLayer(expression, name=html.escape(name), overlay=True, show=show, **ctx)
            self.m.add_child(layer)
            if kind is not None:
                self.kind_deps.append((layer, kind))
            return layer
        icon = (
            "function (cluster) { var n = cluster.getChildCount();"
            " var s = n < 10 ? 26 : n < 100 ? 32 : 38;"
            f' return L.divIcon({{html: \'<div class="bg-cluster" style="background:{colour};'
            "width:' + s + 'px;height:' + s + 'px\">' + n + '</div>',"
            " className: '', iconSize: L.point(s, s)}); }"
        )
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

    def finish(self) -> Any:
        import folium

        folium.LayerControl(position="topright", collapsed=False).add_to(self.m)
        blocks = [(layer, block, tight) for layer, block, tight in self.legend_blocks if block]
        self.add_script(
            """
            (function () {
              var m = {{ this._parent.get_name() }};
              var blocks = {{ this.ctx.blocks|tojson }};
              var c = L.control({position: "topright"});
              c.onAdd = function () {
                var d = L.DomUtil.create("div", "bg-box bg-legend");
                d.id = "bg-legend";
                L.DomEvent.disableClickPropagation(d);
                L.DomEvent.disableScrollPropagation(d);
                for (var i = 0; i < blocks.length; i++) {
                  var b = L.DomUtil.create("div", blocks[i].tight ? "bg-block bg-tight" : "bg-block", d);
                  b.innerHTML = blocks[i].html;
                  blocks[i].el = b;
                }
                return d;
              };
              c.addTo(m);
              var layers = [{% for l in this.ctx.layers %}{{ l.get_name() if l else "null" }}, {% endfor %}];
              function update() {
                var first = true;
                for (var i = 0; i < blocks.length; i++) {
                  var l = layers[i], on = (l === null || m.hasLayer(l));
                  blocks[i].el.style.display = on ? "" : "none";
                  blocks[i].el.classList.toggle("bg-first", on && first);
                  if (on) { first = false; }
                }
              }
              // choosing an indicator of one service kind shows that kind's services
              var ind = [{% for l, k in this.ctx.links %}[{{ l.get_name() }}, {{ k|tojson }}], {% endfor %}];
              var dep = [{% for l, k in this.ctx.deps %}[{{ l.get_name() }}, {{ k|tojson }}], {% endfor %}];
              m.on("baselayerchange", function (e) {
                var kind = null;
                for (var i = 0; i < ind.length; i++) { if (ind[i][0] === e.layer) { kind = ind[i][1]; } }
                if (kind !== null && dep.some(function (d) { return d[1] === kind; })) {
                  // after the layer control has finished its own click (it then redraws)
                  setTimeout(function () {
                    for (var j = 0; j < dep.length; j++) {
                      if (dep[j][1] === kind) { m.addLayer(dep[j][0]); } else { m.removeLayer(dep[j][0]); }
                    }
                    update();
                  }, 0);
                }
                update();
              });
              m.on("overlayadd overlayremove", update);
              update();
            })();
            """,
            blocks=[{"html": block, "tight": tight} for _, block, tight in blocks],
            layers=[layer for layer, _, _ in blocks],
            links=[(layer, kind) for layer, kind in self.kind_links],
            deps=self.kind_deps,
        )
        return self.m
