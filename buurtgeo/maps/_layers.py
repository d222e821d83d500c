"""What the interactive maps put on a page: popups, legends, services per kind, catchments.

Legend and popup HTML is built in Python, and every text that comes from the data
(area and service names) is HTML-escaped before it reaches the page.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from buurtgeo import schema
from buurtgeo.indicators import label
from buurtgeo.maps._builder import _asset, _MapBuilder
from buurtgeo.maps._inputs import _is_gdf
from buurtgeo.maps.classes import Classes
from buurtgeo.maps.style import (
    _MAX_RADIUS_PX,
    _MIN_RADIUS_PX,
    _NO_DATA_COLOUR,
    _SUPPRESSED_COLOUR,
    _UNREACHABLE_COLOUR,
    _Format,
    _format_for,
    _kind_colour,
    _kind_label,
    _number,
    _radii,
    _value_text,
    _word,
)


def _names(frame: Any, name_column: str | None) -> list[str]:
    if name_column is None:
        raw = [str(v) for v in frame.index]
    else:
        raw = [
            str(v) if not pd.isna(v) else str(i)
            for i, v in zip(frame.index, frame[name_column], strict=True)
        ]
    return [html.escape(v) for v in raw]


def _swatch_row(colour: str, text: str, count: int) -> str:
    """One legend line: colour swatch, escaped text, number of areas."""
    return (
        f'<div class="bg-row"><span class="bg-sw" style="background:{colour}"></span>'
        f'<span class="bg-t">{html.escape(text)}<span class="bg-n">({count})</span></span></div>'
    )


def _missing_rows(
    codes: np.ndarray,
    language: str,
    *,
    unreachable: bool = True,
    hidden: np.ndarray | None = None,
    hidden_text: str | None = None,
) -> list[str]:
    """Legend lines for unreachable (code -2), suppressed (``hidden``) and no-data (code -1)
    areas, when there are any."""
    rows = []
    n_inf = int(np.sum(codes == -2))
    if unreachable and n_inf:
        rows.append(_swatch_row(_UNREACHABLE_COLOUR, _word("unreachable", language), n_inf))
    hidden = np.zeros(len(codes), dtype=bool) if hidden is None else hidden
    n_hidden = int(np.sum((codes == -1) & hidden))
    if n_hidden and hidden_text:
        rows.append(_swatch_row(_SUPPRESSED_COLOUR, hidden_text, n_hidden))
    n_nan = int(np.sum((codes == -1) & ~hidden))
    if n_nan:
        rows.append(_swatch_row(_NO_DATA_COLOUR, _word("no_data", language), n_nan))
    return rows


def _legend_html(
    title: str,
    classes: Classes,
    language: str,
    note: str | None = None,
    *,
    hidden: np.ndarray | None = None,
    hidden_text: str | None = None,
) -> str:
    """A legend block: the title, which scheme and why (``note``, default the classes'
    own), one row per class and the rows for unreachable, suppressed (``hidden``: the
    areas whose value small-number suppression hid, reading ``hidden_text``) and no data."""
    rows = [f"<h4>{html.escape(title)}</h4>"]
    note = classes.note if note is None else note
    if note:
        rows.append(f'<div class="bg-note">{html.escape(note)}</div>')
    for colour, text, count in zip(classes.colours, classes.labels, classes.counts, strict=True):
        rows.append(_swatch_row(colour, text, count))
    rows += _missing_rows(classes.codes, language, hidden=hidden, hidden_text=hidden_text)
    return "".join(rows)


def _hidden(frame: Any, language: str) -> tuple[dict[str, np.ndarray], str | None]:
    """Cells small-number suppression hid, per column (from the ``suppressed`` column of a
    table :func:`buurtgeo.suppress_published` made, with ``attrs["suppression_threshold"]``),
    and what they say (*afgeschermd (< n)* / *suppressed (< n)*); empty when nothing was
    hidden."""
    from buurtgeo.suppression import hidden_map, suppression_text

    threshold = getattr(frame, "attrs", {}).get("suppression_threshold")
    if "suppressed" not in frame.columns or not threshold:
        return {}, None
    return hidden_map(frame), suppression_text(int(threshold), language)


def _table_html(name: str, rows: list[tuple[str, str]]) -> str:
    cells = "".join(
        f'<tr><td>{html.escape(k)}</td><td class="v">{html.escape(v)}</td></tr>' for k, v in rows
    )
    return f'<div class="bg-pop"><b>{name}</b><table>{cells}</table></div>'


def _popup_columns(
    frame: Any,
    columns: Sequence[str],
    language: str,
    *,
    hidden: Mapping[str, np.ndarray] | None = None,
    hidden_text: str | None = None,
) -> list[tuple[str, list[str]]]:
    """The areas' popup table, one column at a time: (escaped label, escaped value texts).

    The page builds each area's popup from it (``bgPopup``), and an indicator's tooltip
    shows its own column. An estimated count says so in its label (*geschat* /
    *estimated*: :func:`buurtgeo._run_inputs.mark_estimates`); a cell small-number
    suppression hid (``hidden``: per column, one flag per area, see :func:`_hidden`)
    reads ``hidden_text`` (*afgeschermd (< n)*).
    """
    estimated = getattr(frame, "attrs", {}).get("estimate_methods", {})
    mark = " (geschat)" if language == "nl" else " (estimated)"
    hidden = hidden if hidden_text is not None and hidden else {}
    out = []
    for c in columns:
        values = frame[c].to_numpy(dtype=float)
        fmt = _format_for(c, values)
        texts = [_value_text(v, fmt, language) for v in values]
        if c in hidden:
            texts = [hidden_text if g else t for t, g in zip(texts, hidden[c], strict=True)]  # type: ignore[misc]
        text = label(c, language=language) + (mark if c in estimated else "")
        out.append((html.escape(text), [html.escape(t) for t in texts]))
    return out


def _extra_columns(frame: Any, indicators: Sequence[str]) -> list[str]:
    """Need columns shown in popups next to the indicators, when present."""
    extra = [c for c in ("population", *schema.AGE_BANDS) if c in frame.columns]
    return [c for c in extra if c not in indicators and pd.api.types.is_numeric_dtype(frame[c])]


# --------------------------------------------------------------------------------------
# Services and catchments
# --------------------------------------------------------------------------------------


def _add_services(
    b: _MapBuilder,
    services: Any,
    *,
    cluster: bool | str,
    prefix: str | None = None,
    colour: str | None = None,
    active_kind: str | None = None,
    heading: bool = True,
    capacity_max: float | None = None,
    size_legend: bool = True,
) -> None:
    """One overlay per kind (named ``prefix: kind`` when a prefix is given), with legend rows.

    When ``active_kind`` is one of the kinds, only that kind is shown at first. Marker
    sizes scale to the largest capacity, or to ``capacity_max`` when it is larger (then
    the layers drawn with it can share one size legend: ``size_legend=False`` leaves it
    out).
    """
    from buurtgeo.areal import is_area

    area = is_area(services.geometry.array)
    if area.any():  # parks, play spaces: drawn as the areas they are, in layers of their own
        _add_area_services(b, services[area], active_kind=active_kind, prefix=prefix)
        services = services[~area]
        if not len(services):
            return
    language = b.language
    kinds = sorted(pd.unique(services["service_kind"].astype(str)))
    capacity = (
        services["capacity"].to_numpy(dtype=float)
        if "capacity" in services.columns
        else np.full(len(services), np.nan)
    )
    radii, hollow = _radii(capacity, capacity_max)
    radii_arr, hollow_arr = np.asarray(radii), np.asarray(hollow)
    names = (
        [html.escape(str(v)) if not pd.isna(v) else "" for v in services["name"]]
        if "name" in services.columns
        else [html.escape(str(v)) for v in services.index]
    )
    cap_fmt = _Format(0, " " + _word("places", language))
    if heading:
        b.legend_blocks.append((None, f"<h4>{_word('services', language)}</h4>", False))
    show_all = active_kind is None or active_kind not in kinds
    kind_of = services["service_kind"].astype(str).to_numpy()
    for kind in kinds:
        idx = np.flatnonzero(kind_of == kind)
        kind_text = _kind_label(kind, language)
        if prefix:
            kind_text = f"{prefix}: {kind_text}"
        c = colour or _kind_colour(kind, kinds)
        cap_texts = [
            _value_text(capacity[i], cap_fmt, language)
            if np.isfinite(capacity[i])
            else _word("unknown_capacity", language)
            for i in idx
        ]
        use_cluster = cluster is True or (cluster == "auto" and len(idx) > 40)
        layer = b.points(
            services.geometry.values[idx],
            name=f"{kind_text} ({len(idx)})",
            colour=c,
            names=[names[i] or html.escape(kind_text) for i in idx],
            sub=html.escape(kind_text),
            columns=[
                (
                    html.escape(label("service_kind", language=language)),
                    html.escape(kind_text),
                ),
                (
                    html.escape(label("capacity", language=language)),
                    [html.escape(t) for t in cap_texts],
                ),
            ],
            tip_column=1,
            radii=[float(x) for x in radii_arr[idx]],
            hollow=[bool(x) for x in hollow_arr[idx]],
            cluster=use_cluster,
            show=show_all or kind == active_kind,
            kind=None if prefix else kind,
        )
        b.legend_blocks.append(
            (
                layer,
                f'<div class="bg-row"><span class="bg-dot" style="background:{c};width:12px;'
                f'height:12px"></span>{html.escape(kind_text)}</div>',
                True,
            )
        )
    notes = []
    finite = capacity[np.isfinite(capacity) & (capacity > 0)]
    if finite.size and size_legend:
        big = float(finite.max())
        sizes = "".join(
            f'<span class="bg-dot" style="background:#999;width:{2 * r:.0f}px;height:{2 * r:.0f}px">'
            f'</span><span style="margin-right:8px">{_number(v, 0, language)}</span>'
            for v, r in (
                (big, _MAX_RADIUS_PX),
                (big / 4, max(_MIN_RADIUS_PX, _MAX_RADIUS_PX / 2)),
            )
        )
        notes.append(f'<div class="bg-row">{sizes}</div>')
        notes.append(f'<div class="bg-note">{_word("size_note", language)}</div>')
    if hollow_arr.any():
        notes.append(
            f'<div class="bg-note">{_word("unknown_capacity", language)}: '
            f"{'gestippelde rand' if language == 'nl' else 'dashed outline'}</div>"
        )
    if notes:
        b.legend_blocks.append((None, "".join(notes), True))


def _catchment_name(kind: str | None, method: str, radius: float | None, language: str) -> str:
    """The layer name of a kind's service area: over the streets, or as the crow flies."""
    kind_text = _kind_label(kind, language) if kind else ""
    dist = _number(radius, 0, language) + " m" if radius is not None else ""
    if method == "straight_line":
        if not dist:
            return _word("straight_any", language) + (f": {kind_text}" if kind else "")
        return _word("straight", language).format(d=dist) + (f": {kind_text}" if kind else "")
    name = _word("walk_area", language)
    if dist:
        name += " " + _word("over_streets", language).format(d=dist)
    return name + (f": {kind_text}" if kind else "")


def _catchment_legend(b: _MapBuilder, layer: Any, name: str, colour: str) -> None:
    """A legend row for a service-area overlay: its dashed outline and its name."""
    b.legend_blocks.append(
        (
            layer,
            f'<div class="bg-row"><span class="bg-sw bg-dash" style="border-color:{colour}">'
            f'</span><span class="bg-t">{html.escape(name)}</span></div>',
            True,
        )
    )


def _add_catchments(
    b: _MapBuilder,
    services: Any,
    catchments: Any,
    active_kind: str | None = None,
    catchment_m: float | Mapping[str, float] | None = None,
) -> None:
    """One dashed overlay per kind: given service areas (a GeoDataFrame, e.g. from
    :func:`buurtgeo.service_areas`), or straight-line circles around the services."""
    import shapely

    language = b.language
    if _is_gdf(catchments):
        frame = catchments
        groups: list[tuple[str | None, Any]]
        if "service_kind" in frame.columns:
            groups = [
                (str(k), frame[(frame["service_kind"] == k).to_numpy()])
                for k in sorted(pd.unique(frame["service_kind"].astype(str)))
            ]
        else:
            groups = [(None, frame)]
        order = sorted(
            {k for k, _ in groups if k is not None}
            | (set(services["service_kind"].astype(str)) if services is not None else set())
        )
        linked = active_kind is not None and any(k == active_kind for k, _ in groups)
        for kind, part in groups:
            union = shapely.union_all(np.asarray(part.geometry.values))
            methods = set(part["method"].astype(str)) if "method" in part.columns else {"given"}
            radii = (
                set(part["catchment_m"].astype(float)) if "catchment_m" in part.columns else set()
            )
            name = _catchment_name(
                kind,
                "straight_line" if methods == {"straight_line"} else "network",
                radii.pop() if len(radii) == 1 else None,
                language,
            )
            colour = _kind_colour(kind, order) if kind else "#333333"
            layer = b.polygons_overlay(
                [union], name=name, colour=colour, show=not linked or kind == active_kind, kind=kind
            )
            _catchment_legend(b, layer, name, colour)
        return
    kinds = sorted(pd.unique(services["service_kind"].astype(str)))
    linked = active_kind in kinds
    known = schema.service_kinds()
    for kind in kinds:
        if isinstance(catchments, bool):
            if isinstance(catchment_m, Mapping) and kind in catchment_m:
                radius = float(catchment_m[kind])
            elif catchment_m is not None and not isinstance(catchment_m, Mapping):
                radius = float(catchment_m)
            elif kind in known:
                radius = known[kind].catchment_m
            else:
                continue
        else:
            radius = float(catchments)
        pts = np.asarray(services.geometry.values[(services["service_kind"] == kind).to_numpy()])
        union = shapely.union_all(shapely.buffer(pts, radius, quad_segs=16))
        name = _catchment_name(kind, "straight_line", radius, language)
        colour = _kind_colour(kind, kinds)
        layer = b.polygons_overlay(
            [union], name=name, colour=colour, show=not linked or kind == active_kind, kind=kind
        )
        _catchment_legend(b, layer, name, colour)


# --------------------------------------------------------------------------------------
# Base map and suggested sites
# --------------------------------------------------------------------------------------

#: How each feature of a base map is drawn (Leaflet path options), in drawing order, and
#: the simplification (metres) its geometry gets.
_BASE_STYLES: dict[str, tuple[dict[str, Any], float]] = {
    "park": (
        {
            "color": "#5d9a5f",
            "weight": 0.8,
            "opacity": 0.7,
            "fillColor": "#a7d3a0",
            "fillOpacity": 0.35,
        },
        2.0,
    ),
    "water": ({"stroke": False, "fillColor": "#8fbbe3", "fillOpacity": 0.8}, 2.0),
    "waterway": ({"color": "#5f9bd4", "weight": 2.2, "opacity": 0.9}, 2.0),
    "sector": ({"color": "#8c8c8c", "weight": 0.6, "opacity": 0.8, "fill": False}, 2.0),
    "municipality": (
        {"color": "#4a4a4a", "weight": 1.8, "opacity": 0.8, "fill": False, "dashArray": "8 3 2 3"},
        5.0,
    ),
    "street": ({"color": "#6e6e6e", "weight": 0.6, "opacity": 0.35}, 2.0),
    "railway": ({"color": "#303030", "weight": 1.6, "opacity": 0.75, "dashArray": "6 4"}, 2.0),
}


def _check_base_map(basemap: Any, checks: Any) -> None:
    """Record problems with a base map frame (a GeoDataFrame with a ``feature`` column)."""
    if basemap is None:
        return
    if not _is_gdf(basemap):
        checks.add(f"basemap must be a GeoDataFrame, got {type(basemap).__name__}")
        return
    if "feature" not in basemap.columns:
        checks.missing_column("feature", "basemap", basemap.columns)
        return
    unknown = sorted(set(basemap["feature"].astype(str)) - set(_BASE_STYLES))
    if unknown:
        checks.add(f"basemap has unknown features {unknown}; known: {', '.join(_BASE_STYLES)}")


def _add_base_map(b: _MapBuilder, basemap: Any) -> None:
    """The base map layer, and the names of the neighbouring municipalities."""
    feature = basemap["feature"].astype(str).to_numpy()
    layers = []
    present = []
    for name, (style, tolerance) in _BASE_STYLES.items():
        geoms = np.asarray(basemap.geometry.values[feature == name])
        if len(geoms):
            layers.append((geoms, dict(style), tolerance))
            present.append(name)
    words = [_word(f"base_{name}", b.language) for name in present]
    title = _word("own_basemap", b.language) + (
        f" ({', '.join(dict.fromkeys(words))})" if words else ""
    )
    b.base_map(layers, name=title)
    towns = basemap[(feature == "municipality")]
    if "name" in towns.columns and len(towns) and towns["name"].notna().any():
        towns = towns[towns["name"].notna()]
        b.labels(
            towns,
            [html.escape(str(v)) for v in towns["name"]],
            show=True,
            name=_word("neighbours", b.language),
            cls="bg-label bg-label-base",
            prio=1,
        )


def _add_sites(b: _MapBuilder, sites: Any, active_kind: str | None = None) -> None:
    """Suggested sites as numbered markers (``order`` 1, 2, …), with a legend row; shown
    at first unless another kind's indicator is (``active_kind``)."""
    language = b.language
    order = (
        [str(int(v)) for v in sites["order"]]
        if "order" in sites.columns
        else [str(i + 1) for i in range(len(sites))]
    )
    kind_text = (
        _kind_label(str(sites["service_kind"].iloc[0]), language)
        if "service_kind" in sites.columns and len(sites)
        else ""
    )
    title = _word("sites", language) + (f": {kind_text}" if kind_text else "")
    columns: list[tuple[str, str | list[str]]] = [
        (html.escape(label("order", language=language)), order)
    ]
    hidden, hidden_text = _hidden(sites, language)  # small need hidden (suppress_below)
    for column in ("added", "covers_alone", "share_of_uncovered"):
        if column in sites.columns:
            values = sites[column].to_numpy(dtype=float)
            fmt = _format_for(column, values)
            texts = [_value_text(v, fmt, language) for v in values]
            if hidden_text is not None and column in hidden:
                texts = [
                    hidden_text if g else t for t, g in zip(texts, hidden[column], strict=True)
                ]
            columns.append(
                (html.escape(label(column, language=language)), [html.escape(t) for t in texts])
            )
    kind = str(sites["service_kind"].iloc[0]) if "service_kind" in sites.columns else None
    layer = b.points(
        sites.geometry.values,
        name=f"{title} ({len(sites)})",
        colour=_SITE_COLOUR,
        names=[f"{html.escape(title)} {n}" for n in order],
        sub="",
        columns=columns,
        numbers=order,
        kind=kind,  # shown with the indicators of its kind, as the services are
        show=active_kind is None or kind is None or kind == active_kind,
    )
    b.legend_blocks.append(
        (
            layer,
            f'<div class="bg-row"><span class="bg-num bg-num-legend" style="background:'
            f'{_SITE_COLOUR}">1</span><span class="bg-t">{html.escape(title)}</span></div>'
            f'<div class="bg-note">{html.escape(_word("sites_note", language))}</div>',
            False,
        )
    )


_SITE_COLOUR = "#e7298a"


#: Colours of the kinds of the physical living environment (greens, a play orange).
_AREA_COLOURS = {
    "buurtgroen": "#41ab5d",
    "wijkgroen": "#006d2c",
    "play_space": "#e08214",
    "youth_space": "#8073ac",
}


def _add_area_services(
    b: _MapBuilder, services: Any, *, active_kind: str | None = None, prefix: str | None = None
) -> None:
    """Area services (parks, play and youth spaces) as filled outlines, one layer per kind,
    with their name and area (m²) in the tooltip and popup, and legend rows."""
    from buurtgeo.maps.compact import compact_geometry

    language = b.language
    kinds = sorted(pd.unique(services["service_kind"].astype(str)))
    kind_of = services["service_kind"].astype(str).to_numpy()
    area_m2 = np.asarray(services.geometry.area, dtype=float)
    names = (
        [html.escape(str(v)) if not pd.isna(v) else "" for v in services["name"]]
        if "name" in services.columns
        else [html.escape(str(v)) for v in services.index]
    )
    heading = "Groen en speelruimte" if language == "nl" else "Green and play space"
    b.legend_blocks.append((None, f"<h4>{html.escape(heading)}</h4>", False))
    show_all = active_kind is None or active_kind not in kinds
    fmt = _Format(0, " m²")
    for kind in kinds:
        idx = np.flatnonzero(kind_of == kind)
        kind_text = _kind_label(kind, language)
        if prefix:
            kind_text = f"{prefix}: {kind_text}"
        colour = _AREA_COLOURS.get(kind, _kind_colour(kind, kinds))
        points = {
            "geo": compact_geometry(services.geometry.values[idx], crs=b.crs, simplify_m=1.0),
            "colour": colour,
            "names": [names[i] or html.escape(kind_text) for i in idx],
            "sub": html.escape(kind_text),
            "cols": [
                [html.escape(label("service_kind", language=language)), html.escape(kind_text)],
                [
                    html.escape(label("area_m2", language=language)),
                    [html.escape(_value_text(area_m2[i], fmt, language)) for i in idx],
                ],
            ],
            "tipcol": 1,
        }
        layer = b.JsLayer(
            _asset("areas.js"),
            name=html.escape(f"{kind_text} ({len(idx)})"),
            overlay=True,
            show=show_all or kind == active_kind,
            points=points,
        )
        b.m.add_child(layer)
        if not prefix:
            b.kind_deps.append((layer, kind))
        b.legend_blocks.append(
            (
                layer,
                f'<div class="bg-row"><span class="bg-dot" style="background:{colour};width:12px;'
                f'height:12px;border-radius:2px"></span>{html.escape(kind_text)}</div>',
                True,
            )
        )
