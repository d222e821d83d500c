"""Need × reach in one 3 × 3 colour grid with its two-way legend (:func:`bivariate_map`)."""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from buurtgeo._checks import Checks
from buurtgeo.indicators import label
from buurtgeo.maps._builder import _MapBuilder
from buurtgeo.maps._inputs import (
    _POLYGONS,
    _check_columns,
    _check_crs,
    _check_flags,
    _check_frame,
    _check_services,
    _check_thresholds,
    _is_gdf,
    _language,
    _pick_name_column,
)
from buurtgeo.maps._layers import (
    _add_base_map,
    _add_services,
    _check_base_map,
    _extra_columns,
    _hidden,
    _missing_rows,
    _names,
    _popup_columns,
)
from buurtgeo.maps.classes import Classes, classify
from buurtgeo.maps.style import (
    _NO_DATA_COLOUR,
    _SUPPRESSED_COLOUR,
    _direction,
    _format_for,
    _kind_of,
    _value_text,
    _word,
)

if TYPE_CHECKING:  # pragma: no cover
    import folium
    import geopandas as gpd

__all__ = ["bivariate_map"]

# Joshua Stevens' 3 × 3 bivariate palette; [reach class][need class], reach 0 = good.
_BIVARIATE = (
    ("#e8e8e8", "#e4acac", "#c85a5a"),
    ("#b0d5df", "#ad9ea5", "#985356"),
    ("#64acbe", "#627f8c", "#574249"),
)


def _tier_words(language: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    need = tuple(_word(w, language) for w in ("low", "mid", "high"))
    reach = tuple(_word(w, language) for w in ("good", "mid", "poor"))
    return need, reach


def bivariate_map(
    areas: gpd.GeoDataFrame,
    *,
    need: str,
    reach: str,
    services: gpd.GeoDataFrame | None = None,
    need_thresholds: Sequence[float] | None = None,
    reach_thresholds: Sequence[float] | None = None,
    classes: tuple[str, str] | None = None,
    basemap: gpd.GeoDataFrame | None = None,
    language: str | None = None,
    name_column: str | None = None,
    title: str | None = None,
    tiles: bool = True,
    labels: bool | str = "auto",
    cluster: bool | str = "auto",
    simplify_m: float = 1.0,
    footer: str | None = None,
) -> folium.Map:
    """Need × reach in one 3 × 3 colour grid, with its two-way legend.

    Each area gets a need class n ∈ {0 low, 1 middle, 2 high} and a reach class
    r ∈ {0 good, 1 middle, 2 poor}, both terciles by default (mapclassify
    ``Quantiles``, k = 3: bounds at the 1/3 and 2/3 quantiles of the finite values) or
    two fixed thresholds each. For an indicator where a higher value is better
    (``fca2``, ``share_covered``, ``places_per_100_2sfca``) the order is turned around:
    r = 2 − class. An unreachable area (``inf``) is in the poor-reach class. The fill is
    Joshua Stevens' palette ``P[r][n]``: dark purple-grey (r = 2, n = 2: many children,
    poor reach) marks the places to act first; NaN in either column is "geen gegevens".

    Parameters
    ----------
    areas : geopandas.GeoDataFrame
        Areas in a projected CRS in metres with the two columns.
    need : str
        Column of need, e.g. ``'children_0_2'`` (children) or a need score.
    reach : str
        Column of reach, e.g. ``'dist_nearest_m__childcare_baby'`` (metres) or ``'fca2'``.
    services : geopandas.GeoDataFrame, optional
        Points with ``service_kind`` (and ``name``, ``capacity``), drawn as in
        :func:`reach_map`.
    need_thresholds, reach_thresholds : sequence of two floats, optional
        Fixed bounds between low/middle/high (need) and between the reach classes,
        in the columns' units; default terciles.
    classes : (str, str), optional
        Columns with classes computed elsewhere, e.g. ``('need_class', 'reach_class')``
        of :func:`buurtgeo.gaps` (levels 1-3; reach level 1 = low reach): then n =
        need level − 1 and r = 3 − reach level, so the map shows exactly the table's
        classes; ``need`` and ``reach`` are still shown in tooltips.
    basemap : geopandas.GeoDataFrame, optional
        Background features (see :func:`buurtgeo.base_map`), as in :func:`reach_map`.
    language : {'nl', 'en'}, optional
    name_column, title, tiles, labels, cluster, simplify_m, footer
        As in :func:`reach_map`. An area whose need or reach small-number suppression
        hid (a table of :func:`buurtgeo.suppress_published`) reads *afgeschermd (< n)*
        in its tooltip, popup and legend row, in its own grey.

    Returns
    -------
    folium.Map
    """
    language, name_column = _check_bivariate(
        areas,
        need,
        reach,
        services=services,
        need_thresholds=need_thresholds,
        reach_thresholds=reach_thresholds,
        classes=classes,
        language=language,
        name_column=name_column,
        labels=labels,
        cluster=cluster,
        basemap=basemap,
    )

    need_v = areas[need].to_numpy(dtype=float)
    reach_v = areas[reach].to_numpy(dtype=float)
    if classes is not None:  # the table's classes: nothing to classify here
        levels = [pd.to_numeric(areas[c], errors="coerce").to_numpy(dtype=float) for c in classes]
        n_cls = np.where(np.isfinite(levels[0]), np.nan_to_num(levels[0]) - 1, -1).astype(int)
        r_cls = np.where(np.isfinite(levels[1]), 3 - np.nan_to_num(levels[1]), -1).astype(int)
        nc = rc = None
    else:
        nc, rc, n_cls, r_cls = _terciles(
            need, reach, need_v, reach_v, need_thresholds, reach_thresholds, language
        )
    ok = (n_cls >= 0) & (r_cls >= 0)
    hidden, hidden_text = _hidden(areas, language)
    no = np.zeros(len(areas), dtype=bool)
    need_gone, reach_gone = hidden.get(need, no), hidden.get(reach, no)
    gone = ~ok & (need_gone | reach_gone) if hidden_text else no
    palette = np.array(_BIVARIATE, dtype=object)
    colours = [
        str(palette[r, n]) if good else _SUPPRESSED_COLOUR if g else _NO_DATA_COLOUR
        for r, n, good, g in zip(r_cls, n_cls, ok, gone, strict=True)
    ]
    need_words, reach_words = _tier_words(language)
    need_label, reach_label = label(need, language=language), label(reach, language=language)
    need_fmt, reach_fmt = _format_for(need, need_v), _format_for(reach, reach_v)
    names = _names(areas, name_column)
    tips = []
    for i, nm in enumerate(names):
        cell = (
            f"{_word('need', language)}: {need_words[n_cls[i]]} · "
            f"{_word('reach', language)}: {reach_words[r_cls[i]]}"
            if ok[i]
            else str(hidden_text)
            if gone[i]
            else _word("no_data", language)
        )
        need_text = _value_text(need_v[i], need_fmt, language)
        reach_text = _value_text(reach_v[i], reach_fmt, language)
        if hidden_text:
            need_text = hidden_text if need_gone[i] else need_text
            reach_text = hidden_text if reach_gone[i] else reach_text
        tips.append(
            f"<b>{nm}</b><br>{html.escape(need_label)}: "
            f"<b>{html.escape(need_text)}</b><br>"
            f"{html.escape(reach_label)}: "
            f"<b>{html.escape(reach_text)}</b><br>"
            f"<i>{html.escape(cell)}</i>"
        )
    b = _MapBuilder(areas, language=language, title=title, tiles=tiles)
    if basemap is not None:
        _add_base_map(b, basemap)
    popup_columns = [need, reach, *[c for c in _extra_columns(areas, [need, reach])]]
    data = b.area_data(
        areas,
        names,
        _popup_columns(areas, popup_columns, language, hidden=hidden, hidden_text=hidden_text),
        simplify_m,
    )
    layer_name = f"{_word('need', language).capitalize()} × {_word('reach', language)}"
    b.choropleth(
        data,
        name=layer_name,
        colours=colours,
        tooltips=tips,
        show=True,
        legend=_bivariate_legend(
            need_label, reach_label, nc, rc, reach, language, ~ok, gone, hidden_text
        ),
    )
    if services is not None and len(services):
        _add_services(b, services, cluster=cluster, active_kind=_kind_of(reach))
    b.labels(areas, names, show=labels is True or (labels == "auto" and len(areas) <= 60))
    if footer:
        b.footer(footer)
    return b.finish()


def _check_bivariate(
    areas: Any,
    need: str,
    reach: str,
    *,
    services: Any,
    need_thresholds: Sequence[float] | None,
    reach_thresholds: Sequence[float] | None,
    classes: tuple[str, str] | None,
    language: str | None,
    name_column: str | None,
    labels: bool | str,
    cluster: bool | str,
    basemap: Any = None,
) -> tuple[str, str | None]:
    """The check step of :func:`bivariate_map`; returns the language and the name column."""
    checks = Checks("bivariate_map")
    language = _language(language, checks)
    _check_base_map(basemap, checks)
    if _check_frame(areas, "areas", checks, _POLYGONS):
        _check_columns(areas, [need, reach], "areas", checks)
        name_column = _pick_name_column(areas, name_column, checks)
    for what, t in (("need_thresholds", need_thresholds), ("reach_thresholds", reach_thresholds)):
        if t is not None:
            p = _check_thresholds(t)
            if p is None and len(t) != 2:
                p = f"give two bounds (three classes), got {len(t)}"
            if p:
                checks.add(f"{what}: {p}")
    if classes is not None:
        if not (isinstance(classes, tuple | list) and len(classes) == 2):
            checks.add(f"classes must be two column names, got {classes!r}")
        elif _is_gdf(areas):
            _check_columns(areas, list(classes), "areas", checks)
            for column in classes:
                if column in areas.columns:
                    levels = pd.to_numeric(areas[column], errors="coerce").dropna()
                    if not levels.isin([1, 2, 3]).all():
                        checks.add(f"classes column {column!r} must hold levels 1, 2, 3")
    _check_services(services, checks)
    _check_flags(labels, cluster, checks)
    _check_crs(checks, areas=areas, services=services, basemap=basemap)
    checks.raise_if_any()
    return language, name_column


def _terciles(
    need: str,
    reach: str,
    need_v: np.ndarray,
    reach_v: np.ndarray,
    need_thresholds: Sequence[float] | None,
    reach_thresholds: Sequence[float] | None,
    language: str,
) -> tuple[Classes, Classes, np.ndarray, np.ndarray]:
    """Need and reach classes 0-2 (reach 0 = good): terciles or the two fixed bounds."""
    nc = classify(
        need_v, column=need, scheme="quantiles", k=3, thresholds=need_thresholds, language=language
    )
    rc = classify(
        reach_v,
        column=reach,
        scheme="quantiles",
        k=3,
        thresholds=reach_thresholds,
        language=language,
    )
    n_cls = _spread3(nc.codes, len(nc.bins))
    r_cls = _spread3(rc.codes, len(rc.bins))
    if _direction(reach) == "better":
        r_cls = np.where(r_cls >= 0, 2 - r_cls, r_cls)
    r_cls = np.where(rc.codes == -2, 2, r_cls)  # unreachable = poor reach
    n_cls = np.where(nc.codes == -2, -1, n_cls)  # an infinite need is no data
    return nc, rc, n_cls, r_cls


def _spread3(codes: np.ndarray, n: int) -> np.ndarray:
    """Map class codes 0..n-1 (n ≤ 3) onto 0..2, keeping negatives (no data/unreachable)."""
    if n in (0, 3):
        return codes.copy()
    scale = 0 if n == 1 else 2 / (n - 1)
    out = np.where(codes >= 0, np.round(codes * scale).astype(int), codes)
    return out if n > 1 else np.where(codes >= 0, 1, codes)


def _class_notes(
    need_label: str, reach_label: str, nc: Classes, rc: Classes, reach: str, language: str
) -> list[str]:
    """Legend lines naming the need and reach classes with their bounds."""
    need_words, reach_words = _tier_words(language)
    reach_classes = list(zip(rc.labels, range(len(rc.labels)), strict=True))
    if _direction(reach) == "better":
        reach_classes = reach_classes[::-1]
    notes = [
        f"<b>{html.escape(_word('need', language).capitalize())}</b>: {html.escape(need_label)}",
        "; ".join(
            f"{w}: {html.escape(t)}"
            for w, t in zip(
                [need_words[i] for i in _spread3(np.arange(len(nc.labels)), len(nc.labels))],
                nc.labels,
                strict=True,
            )
        ),
        f"<b>{html.escape(_word('reach', language).capitalize())}</b>: {html.escape(reach_label)}",
        "; ".join(
            f"{w}: {html.escape(t)}"
            for w, (t, _) in zip(
                [reach_words[i] for i in _spread3(np.arange(len(rc.labels)), len(rc.labels))],
                reach_classes,
                strict=True,
            )
        ),
    ]
    if np.any(rc.codes == -2):
        notes.append(f"{_word('unreachable', language)} → {_word('poor', language)}")
    return notes


def _bivariate_legend(
    need_label: str,
    reach_label: str,
    nc: Classes | None,
    rc: Classes | None,
    reach: str,
    language: str,
    no_data: np.ndarray,
    hidden: np.ndarray | None = None,
    hidden_text: str | None = None,
) -> str:
    """The 3 × 3 grid with its axes, what the classes are, and the rows for suppressed
    (``hidden``, reading ``hidden_text``) and no data.

    ``nc``/``rc`` None: the classes came with the table (their bounds are not printed).
    """
    cells = []
    for row, r in enumerate((2, 1, 0)):  # poor reach at the top
        for n in range(3):
            cells.append(
                f'<div class="bg-cell" style="grid-row:{row + 1};grid-column:{n + 2};'
                f'background:{_BIVARIATE[r][n]}"></div>'
            )
    grid = (
        '<div class="bg-bi">'
        + "".join(cells)
        + f'<div class="bg-yl">{_word("poorer_reach", language)}</div>'
        + f'<div class="bg-xl">{_word("more_need", language)}</div></div>'
    )
    need_title = f"<b>{html.escape(_word('need', language).capitalize())}</b>: "
    reach_title = f"<b>{html.escape(_word('reach', language).capitalize())}</b>: "
    if nc is None or rc is None:  # the classes come with the table: their bounds are not ours
        notes = [
            need_title + html.escape(need_label),
            reach_title + html.escape(reach_label),
            _word("given_classes", language),
        ]
    else:
        notes = _class_notes(need_label, reach_label, nc, rc, reach, language)
    extra = "".join(
        _missing_rows(np.where(no_data, -1, 0), language, hidden=hidden, hidden_text=hidden_text)
    )
    title = f"{_word('need', language).capitalize()} × {_word('reach', language)}"
    return (
        f"<h4>{html.escape(title)}</h4>{grid}"
        + "".join(f'<div class="bg-note">{n}</div>' for n in notes)
        + extra
    )
