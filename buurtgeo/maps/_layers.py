"""What the interactive maps put on a page: popups, legends, services per kind, catchments.

Legend and popup HTML is built in Python, and every text that comes from the data
(area and service names) is HTML-escaped before it reaches the page.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from buurtgeo import schema
from buurtgeo.indicators import label
from buurtgeo.maps._builder import _MapBuilder
from buurtgeo.maps._inputs import _is_gdf
from buurtgeo.maps.classes import Classes
from buurtgeo.maps.style import (
    _MAX_RADIUS_PX,
    _MIN_RADIUS_PX,
    _NO_DATA_COLOUR,
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
        f'{html.escape(text)}<span class="bg-n">({count})</span></div>'
    )


def _missing_rows(codes: np.ndarray, language: str, *, unreachable: bool = True) -> list[str]:
    """Legend lines for unreachable (code -2) and no-data (code -1) areas, when there are any."""
    rows = []
    n_inf = int(np.sum(codes == -2))
    if unreachable and n_inf:
        rows.append(_swatch_row(_UNREACHABLE_COLOUR, _word("unreachable", language), n_inf))
    n_nan = int(np.sum(codes == -1))
    if n_nan:
        rows.append(_swatch_row(_NO_DATA_COLOUR, _word("no_data", language), n_nan))
    return rows


def _legend_html(title: str, classes: Classes, language: str, note: str | None = None) -> str:
    rows = [f"<h4>{html.escape(title)}</h4>"]
    if note:
        rows.append(f'<div class="bg-note">{html.escape(note)}</div>')
    for colour, text, count in zip(classes.colours, classes.labels, classes.counts, strict=True):
        rows.append(_swatch_row(colour, text, count))
    rows += _missing_rows(classes.codes, language)
    return "".join(rows)


def _table_html(name: str, rows: list[tuple[str, str]]) -> str:
    cells = "".join(
        f'<tr><td>{html.escape(k)}</td><td class="v">{html.escape(v)}</td></tr>' for k, v in rows
    )
    return f'<div class="bg-pop"><b>{name}</b><table>{cells}</table></div>'


def _template_parts(text: str) -> tuple[str, str, str]:
    """``text`` cut at its name ("\x00") and capacity ("\x01") placeholders."""
    head, rest = text.split("\x00")
    mid, tail = rest.split("\x01")
    return head, mid, tail


def _popups(frame: Any, names: list[str], columns: Sequence[str], language: str) -> list[str]:
    formats = {c: _format_for(c, frame[c].to_numpy(dtype=float)) for c in columns}
    labels = {c: label(c, language=language) for c in columns}
    values = {c: frame[c].to_numpy(dtype=float) for c in columns}
    return [
        _table_html(
            names[i],
            [(labels[c], _value_text(values[c][i], formats[c], language)) for c in columns],
        )
        for i in range(len(frame))
    ]


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
) -> None:
    """One overlay per kind (named ``prefix: kind`` when a prefix is given), with legend rows.

    When ``active_kind`` is one of the kinds, only that kind is shown at first.
    """
    language = b.language
    kinds = sorted(pd.unique(services["service_kind"].astype(str)))
    capacity = (
        services["capacity"].to_numpy(dtype=float)
        if "capacity" in services.columns
        else np.full(len(services), np.nan)
    )
    radii, hollow = _radii(capacity)
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
        captions = [
            html.escape(
                _value_text(capacity[i], cap_fmt, language)
                if np.isfinite(capacity[i])
                else _word("unknown_capacity", language)
            )
            for i in idx
        ]
        kind_html = html.escape(kind_text)
        # "\x00" stands for the name, "\x01" for the capacity (html.escape keeps both)
        tip = f"<b>\x00</b><br>{kind_html} · \x01"
        pop = _table_html(
            "\x00",
            [
                (label("service_kind", language=language), kind_text),
                (label("capacity", language=language), "\x01"),
            ],
        )
        use_cluster = cluster is True or (cluster == "auto" and len(idx) > 40)
        layer = b.points(
            services.geometry.values[idx],
            name=f"{kind_text} ({len(idx)})",
            colour=c,
            radii=[float(x) for x in radii_arr[idx]],
            hollow=[bool(x) for x in hollow_arr[idx]],
            names=[names[i] or kind_html for i in idx],
            captions=captions,
            tooltip=_template_parts(tip),
            popup=_template_parts(pop),
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
    if finite.size:
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


def _add_catchments(
    b: _MapBuilder, services: Any, catchments: Any, active_kind: str | None = None
) -> None:
    import shapely

    language = b.language
    if _is_gdf(catchments):
        frame = catchments
        groups: list[tuple[str | None, Any]]
        if "service_kind" in frame.columns:
            groups = [
                (str(k), frame.geometry.values[(frame["service_kind"] == k).to_numpy()])
                for k in sorted(pd.unique(frame["service_kind"].astype(str)))
            ]
        else:
            groups = [(None, frame.geometry.values)]
        order = sorted(
            {k for k, _ in groups if k is not None}
            | (set(services["service_kind"].astype(str)) if services is not None else set())
        )
        linked = active_kind is not None and any(k == active_kind for k, _ in groups)
        for kind, geoms in groups:
            union = shapely.union_all(np.asarray(geoms))
            kind_text = _kind_label(kind, language) if kind else ""
            name = _word("walk_area", language) + (f": {kind_text}" if kind else "")
            b.polygons_overlay(
                [union],
                name=name,
                colour=_kind_colour(kind, order) if kind else "#333333",
                show=not linked or kind == active_kind,
                kind=kind,
            )
        return
    kinds = sorted(pd.unique(services["service_kind"].astype(str)))
    linked = active_kind in kinds
    known = schema.service_kinds()
    for kind in kinds:
        if isinstance(catchments, bool):
            radius = known[kind].catchment_m if kind in known else None
            if radius is None:
                continue
        else:
            radius = float(catchments)
        pts = np.asarray(services.geometry.values[(services["service_kind"] == kind).to_numpy()])
        union = shapely.union_all(shapely.buffer(pts, radius, quad_segs=16))
        dist = _number(radius, 0, language) + " m"
        name = _word("straight", language).format(d=dist) + ": " + _kind_label(kind, language)
        b.polygons_overlay(
            [union],
            name=name,
            colour=_kind_colour(kind, kinds),
            show=not linked or kind == active_kind,
            kind=kind,
        )
