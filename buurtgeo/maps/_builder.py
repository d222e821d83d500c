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
from importlib import resources
from typing import TYPE_CHECKING, Any, cast

import numpy as np

from buurtgeo.maps.compact import compact_geometry
from buurtgeo.maps.export import _map_class
from buurtgeo.maps.style import _word

if TYPE_CHECKING:  # pragma: no cover
    import folium
    from branca.element import Figure

# --------------------------------------------------------------------------------------
# Geometry at export
# --------------------------------------------------------------------------------------


def _bounds_latlon(frame: Any) -> list[list[float]]:
    minx, miny, maxx, maxy = frame.to_crs("EPSG:4326").total_bounds
    return [
        [round(float(miny), 6), round(float(minx), 6)],
        [round(float(maxy), 6), round(float(maxx), 6)],
    ]


def _codes_palette(colours: list[str]) -> tuple[list[int], list[str]]:
    """A colour per area as (index per area, palette of the distinct colours)."""
    palette = list(dict.fromkeys(colours))
    where = {c: i for i, c in enumerate(palette)}
    return [where[c] for c in colours], palette


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


#: Above this many areas their outlines are drawn half as wide (px).
_THIN_OUTLINES = 1000
#: Above this many areas they are drawn on a canvas rather than as SVG paths.
_CANVAS_AREAS = 3000


class _MapBuilder:
    """Assembles one folium.Map: panes, shared area data, layers, legend, controls."""

    def __init__(self, areas: Any, *, language: str, title: str | None, tiles: bool) -> None:
        """``title`` is plain text (escaped here); ``tiles`` adds the online tile layer."""
        from branca.element import Element

        self.Script, self.JsLayer = _elements()
        self.language = language
        self.crs = areas.crs
        self.m = _map_class()(
            location=None,
            tiles=None,
            max_zoom=19,
            zoom_control="bottomright",
            control_scale=False,
            zoom_snap=0.1,  # a tight first view: fractional zoom levels
            zoom_delta=0.5,
        )
        # folium hands max_zoom to its tile layer only; without tiles the map itself needs
        # it, or Leaflet.markercluster stops with "Map has no maxZoom specified"
        self.m.options["maxZoom"] = 19
        # leave room for the control columns: title and legend left, layers right
        self.m.fit_bounds(
            _bounds_latlon(areas), padding_top_left=(340, 20), padding_bottom_right=(350, 20)
        )
        root = cast("Figure", self.m.get_root())  # a map's root is its page
        root.title = html.escape(title or _word("map", language))
        root.header.add_child(Element(f"<style>{_asset('map.css')}</style>"), name="bg_style")
        # legend blocks: (layer the block belongs to or None, html, tight: no separator)
        self.legend_blocks: list[tuple[Any, str, bool]] = []
        self.kind_links: list[tuple[Any, str | None]] = []  # indicator layer → its kind
        self.kind_deps: list[tuple[Any, str]] = []  # service/catchment layer → its kind
        self.add_script(_asset("panes.js"))
        self.add_script(_asset("core.js"))
        self.tiles = tiles
        if title:
            self.add_script(_asset("title.js"), html=html.escape(title))

    def footer(self, text: str) -> None:
        """A line at the bottom left (plain text, escaped): the sources of the figures."""
        self.add_script(_asset("footer.js"), html=html.escape(text))

    def add_script(self, template: str, **ctx: Any):
        element = self.Script(template, **ctx)
        self.m.add_child(element)
        return element

    def _tile_layer(self, show: bool) -> None:
        import folium

        folium.TileLayer(
            "OpenStreetMap",
            name=html.escape(_word("basemap", self.language)),
            overlay=True,
            control=True,
            show=show,
            max_zoom=19,
        ).add_to(self.m)

    def base_map(self, layers: list[tuple[Any, dict[str, Any], float]], *, name: str) -> None:
        """The offline base map: (geometries, Leaflet style, simplification in m) per layer.

        Drawn on a canvas in the ``bgBase`` pane (above the area colours, below the
        catchments; not interactive). With a base map the online tiles start hidden.
        """
        data = [
            {"d": compact_geometry(geoms, crs=self.crs, simplify_m=tol), "s": style}
            for geoms, style, tol in layers
            if len(geoms)
        ]
        if self.tiles:
            self._tile_layer(show=not data)
            self.tiles = False
        if not data:
            return
        layer = self.JsLayer(
            'bgBase({{ this.ctx.layers|tojson }}, L.canvas({pane: "bgBase", padding: 0.3}))',
            name=html.escape(name),
            overlay=True,
            show=True,
            layers=data,
        )
        self.m.add_child(layer)

    def area_data(
        self, areas: Any, names: list[str], columns: list[tuple[str, list[str]]], simplify_m: float
    ) -> Any:
        """Embed the areas once: outlines, names and the popup table (label, texts per area).

        Every text is HTML already (escaped by the caller) and reaches the page as JSON.
        Returns the element whose JavaScript name the indicator layers refer to.
        """
        data = compact_geometry(areas.geometry.values, crs=self.crs, simplify_m=simplify_m)
        n = len(areas)
        return self.add_script(
            "var {{ this.get_name() }} = {{ this.ctx.areas|tojson }};",
            areas={
                "geo": data,
                "names": names,
                "cols": [[label, texts] for label, texts in columns],
                "w": 1 if n <= _THIN_OUTLINES else 0.5,  # outline width, px
                "canvas": n > _CANVAS_AREAS,  # many areas: one canvas draws faster than SVG
                "layer": None,
                "active": None,
            },
        )

    def choropleth(
        self,
        data_var: Any,
        *,
        name: str,
        show: bool,
        legend: str,
        codes: list[int] | None = None,
        palette: list[str] | None = None,
        colours: list[str] | None = None,
        tip_column: int | None = None,
        tip_label: str = "",
        tooltips: list[str] | None = None,
        kind: str | None = None,
    ) -> Any:
        """An indicator layer over the shared areas (a radio button of the layer control).

        Colours come as class ``codes`` (negative: from the end of ``palette``) or one
        colour per area (``colours``). Tooltips show column ``tip_column`` of the area
        data under ``tip_label`` (escaped HTML), or are given per area (``tooltips``).
        """
        if colours is not None:
            codes, palette = _codes_palette(colours)
        tip = (
            {"tips": tooltips} if tooltips is not None else {"col": tip_column, "label": tip_label}
        )
        layer = self.JsLayer(
            _asset("choropleth.js"),
            before="var {{ this.get_name() }}_c = {{ this.ctx.codes|tojson }};"
            "var {{ this.get_name() }}_p = {{ this.ctx.palette|tojson }};",
            name=html.escape(name),
            overlay=False,
            show=show,
            data=data_var,
            codes=codes,
            palette=palette,
            tip=tip,
        )
        self.m.add_child(layer)
        self.legend_blocks.append((layer, legend, False))
        self.kind_links.append((layer, kind))
        return layer

    def labels(
        self,
        areas: Any,
        names: list[str],
        show: bool,
        *,
        name: str | None = None,
        cls: str = "bg-label",
        prio: int = 0,
    ) -> None:
        """Names at a point inside each area; the largest areas' names win a collision, and
        groups of a lower ``prio`` before those of a higher one (area names 0, the base
        map's town names 1)."""
        import shapely

        geoms = areas.geometry.to_crs("EPSG:4326")
        pts = shapely.get_coordinates(geoms.representative_point().values)
        points = [[round(float(y), 6), round(float(x), 6)] for x, y in pts]
        order = [int(i) for i in np.argsort(-areas.geometry.area.to_numpy(), kind="stable")]
        layer = self.JsLayer(
            _asset("labels.js"),
            name=html.escape(name or _word("labels", self.language)),
            overlay=True,
            show=show,
            points=points,
            names=names,
            order=order,
            cls=cls,
            prio=prio,
        )
        self.m.add_child(layer)

    def polygons_overlay(
        self, geoms: Any, *, name: str, colour: str, show: bool, kind: str | None = None
    ) -> Any:
        data = compact_geometry(geoms, crs=self.crs, simplify_m=1.0)
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
        names: list[str],
        sub: str,
        columns: list[tuple[str, str | list[str]]],
        tip_column: int = -1,
        radii: list[float] | None = None,
        hollow: list[bool] | None = None,
        cluster: bool = False,
        show: bool = True,
        kind: str | None = None,
        numbers: list[str] | None = None,
    ) -> Any:
        """Circles (or numbered markers with ``numbers``) for points, clustered or not.

        Every text is HTML already (escaped by the caller). The tooltip shows the name,
        ``sub`` and column ``tip_column``; the popup the name and every column (one text
        per point, or one text for all).
        """
        n = len(geoms)
        points = {
            "geo": compact_geometry(geoms, crs=self.crs, simplify_m=0.0),
            "colour": colour,
            "names": names,
            "sub": sub,
            "cols": [[label, texts] for label, texts in columns],
            "tipcol": tip_column,
            "radii": radii if radii is not None else [5.0] * n,
            "hollow": [int(h) for h in hollow] if hollow is not None else [0] * n,  # 1: unknown
            "numbers": numbers,
        }
        expression = _asset("points.js")
        if not cluster:
            layer = self.JsLayer(
                expression, name=html.escape(name), overlay=True, show=show, points=points
            )
            self.m.add_child(layer)
            if kind is not None:
                self.kind_deps.append((layer, kind))
            return layer
        from folium.plugins import MarkerCluster  # imports every plugin: only when clustering

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
                "chunkedLoading": True,
            },
        )
        self.m.add_child(group)
        inner = self.Script(
            "var {{ this.get_name() }} = " + expression + ";"
            "{{ this.get_name() }}.addTo({{ this._parent.get_name() }});",
            points=points,
        )
        group.add_child(inner)
        if kind is not None:
            self.kind_deps.append((group, kind))
        return group

    def finish(self) -> folium.Map:
        import folium

        if self.tiles:  # no base map of our own: the online tiles are the background
            self._tile_layer(show=True)
        folium.LayerControl(position="topright", collapsed=False).add_to(self.m)
        blocks = [(layer, block, tight) for layer, block, tight in self.legend_blocks if block]
        self.add_script(
            _asset("legend.js"),
            blocks=[{"html": block, "tight": tight} for _, block, tight in blocks],
            layers=[layer for layer, _, _ in blocks],
            links=[(layer, kind) for layer, kind in self.kind_links],
            deps=self.kind_deps,
        )
        self.add_script("window.bgReady = true;")  # every layer of the page is made
        return self.m
