"""Before, after and the difference of one indicator as switchable layers: :func:`scenario_map`."""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
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
    _hidden,
    _legend_html,
    _missing_rows,
    _names,
    _swatch_row,
)
from buurtgeo.maps.classes import Classes, classify
from buurtgeo.maps.style import (
    _NO_DATA_COLOUR,
    _SUPPRESSED_COLOUR,
    _UNREACHABLE_COLOUR,
    _direction,
    _Format,
    _format_for,
    _kind_of,
    _value_text,
    _word,
)

if TYPE_CHECKING:  # pragma: no cover
    import folium
    import geopandas as gpd

__all__ = ["scenario_map"]

_DIFF_COLOURS = ("#2166ac", "#92c5de", "#f7f7f7", "#f4a582", "#b2182b")
_NOW_REACHABLE_COLOUR = "#053061"
_NO_LONGER_COLOUR = "#67001f"


def _difference_classes(
    before: np.ndarray, after: np.ndarray, column: str, language: str
) -> tuple[np.ndarray, list[str], list[str]]:
    """Classes of change after − before: codes, colours, labels (see :func:`scenario_map`)."""
    fmt = _format_for(column, np.concatenate([before, after]))
    gain = after - before
    if _direction(column) == "worse":
        gain = -gain
    both = np.isfinite(before) & np.isfinite(after)
    changed = both & (np.abs(gain) > 1e-9 * np.maximum(1.0, np.abs(before)))
    mags = np.abs(gain[changed])
    t = float(np.median(mags)) if mags.size else 0.0
    codes = np.full(before.shape, -1, dtype=int)  # no data
    codes[both] = 2
    codes[changed & (gain > t)] = 0
    codes[changed & (gain > 0) & (gain <= t)] = 1
    codes[changed & (gain < 0) & (gain >= -t)] = 3
    codes[changed & (gain < -t)] = 4
    codes[np.isinf(before) & np.isfinite(after)] = 5
    codes[np.isfinite(before) & np.isinf(after)] = 6
    codes[np.isinf(before) & np.isinf(after)] = 7
    tt = _value_text(t, fmt, language)
    up_to, more = _word("up_to", language), _word("more_than", language)
    labels = [
        f"{_word('better_strong', language)} ({more} {tt})",
        f"{_word('better', language)} ({up_to} {tt})",
        _word("same", language),
        f"{_word('worse', language)} ({up_to} {tt})",
        f"{_word('worse_strong', language)} ({more} {tt})",
        _word("now_reachable", language),
        _word("no_longer", language),
        _word("still_unreachable", language),
    ]
    colours = [
        *_DIFF_COLOURS,
        _NOW_REACHABLE_COLOUR,
        _NO_LONGER_COLOUR,
        _UNREACHABLE_COLOUR,
    ]
    return codes, colours, labels


def scenario_map(
    before: pd.DataFrame,
    after: gpd.GeoDataFrame,
    *,
    indicator: str,
    services: gpd.GeoDataFrame | None = None,
    added_services: gpd.GeoDataFrame | None = None,
    removed_services: gpd.GeoDataFrame | None = None,
    scheme: str = "default",
    k: int = 5,
    thresholds: Sequence[float] | None = None,
    catchment_m: float | Mapping[str, float] | None = None,
    norm: float | None = None,
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
    """Before, after and the difference of one indicator, as three switchable layers.

    "Vóór" and "Na" share one classification, computed on the finite values of both
    together (see :func:`classify`), so a colour means the same value in both. The
    difference layer (shown first) classifies the gain g = −(after − before) for
    indicators where higher is worse (distances, times) and g = after − before
    otherwise: unchanged when |g| ≤ 10⁻⁹ · max(1, |before|); "verbeterd" for
    0 < g ≤ t and "sterk verbeterd" for g > t, and the same for worsening, where t is
    the median of |g| over the areas that changed. Areas that go from ``inf`` to a
    finite value are "nu bereikbaar", the reverse "niet meer bereikbaar".

    Parameters
    ----------
    before : pandas.DataFrame or geopandas.GeoDataFrame
        The indicator before the change, on the same index as ``after``. Or the table of
        :meth:`buurtgeo.gaps.Scenario.compare`: when it has the columns
        ``<indicator>_before`` and ``<indicator>_after``, both values come from it and
        ``after`` only supplies the areas (geometry, names).
    after : geopandas.GeoDataFrame
        The areas (polygons, projected CRS in metres) with the indicator after the change;
        their geometry and names are used.
    indicator : str
        Column in both, e.g. ``'dist_nearest_m__childcare_baby'``.
    services : geopandas.GeoDataFrame, optional
        Existing services (drawn per kind).
    added_services : geopandas.GeoDataFrame, optional
        New services of the scenario, drawn as their own layers ("Nieuwe voorzieningen").
    removed_services : geopandas.GeoDataFrame, optional
        Services the scenario closes, drawn as their own layers ("Gesloten
        voorzieningen").
    scheme, k, thresholds, catchment_m, norm, basemap
        As in :func:`reach_map` (``scheme='default'``: breaks by the kind of indicator).
    language, name_column, title, tiles, labels, cluster, simplify_m, footer
        As in :func:`reach_map`. An area whose values small-number suppression hid in
        ``before`` (its ``suppressed`` column, ``attrs["suppression_threshold"]``) reads
        *afgeschermd (< n)* in its tooltips, popup and legend rows, in its own grey.

    Returns
    -------
    folium.Map
    """
    language, name_column, compared = _check_scenario(
        before,
        after,
        indicator,
        services=services,
        added_services=added_services,
        thresholds=thresholds,
        language=language,
        name_column=name_column,
        labels=labels,
        cluster=cluster,
        removed_services=removed_services,
        basemap=basemap,
    )
    before_v, after_v = _scenario_values(before, after, indicator, compared)
    both = classify(
        np.concatenate([before_v, after_v]),
        column=indicator,
        scheme=scheme,
        k=k,
        thresholds=thresholds,
        language=language,
        catchment_m=catchment_m,
        norm=norm,
    )
    fmt = _format_for(indicator, np.concatenate([before_v, after_v]))
    ind_label = label(indicator, language=language)
    names = _names(after, name_column)
    b = _MapBuilder(after, language=language, title=title, tiles=tiles)
    if basemap is not None:
        _add_base_map(b, basemap)
    gone, hidden_text = _scenario_hidden(before, after, indicator, compared, language)
    columns = _scenario_columns(before_v, after_v, fmt, ind_label, language)
    if hidden_text is not None:
        columns = [(lab, [hidden_text if g else t for t, g in zip(texts, gone, strict=True)])
                   for lab, texts in columns]  # fmt: skip
    data = b.area_data(after, names, columns, simplify_m)
    _add_before_after(
        b, data, both, before_v, after_v, names=names, fmt=fmt, ind_label=ind_label,
        gone=gone, hidden_text=hidden_text,
    )  # fmt: skip
    _add_difference(
        b, data, before_v, after_v, indicator, names=names, fmt=fmt, ind_label=ind_label,
        gone=gone, hidden_text=hidden_text,
    )  # fmt: skip
    # existing, new and closed services on one size scale, with one size legend
    scale = _largest_capacity(services, added_services, removed_services)
    has_services = services is not None and len(services) > 0
    if has_services:
        _add_services(
            b, services, cluster=cluster, active_kind=_kind_of(indicator), capacity_max=scale
        )
    for extra, word, colour in (
        (added_services, "new_services", "#e7298a"),
        (removed_services, "closed_services", "#7f7f7f"),
    ):
        if extra is not None and len(extra):
            _add_services(
                b,
                extra,
                cluster=False,
                prefix=_word(word, language),
                colour=colour,
                heading=not has_services,
                capacity_max=scale,
                size_legend=not has_services,
            )
            has_services = True
    b.labels(after, names, show=labels is True or (labels == "auto" and len(after) <= 60))
    if footer:
        b.footer(footer)
    return b.finish()


def _scenario_hidden(
    before: Any, after: Any, indicator: str, compared: bool, language: str
) -> tuple[np.ndarray, str | None]:
    """The areas (of ``after``) whose indicator small-number suppression hid in ``before``,
    and what they say (*afgeschermd (< n)*); none when nothing was hidden."""
    hidden, text = _hidden(before, language)
    gone = np.zeros(len(after), dtype=bool)
    if text is None:
        return gone, None
    columns = (f"{indicator}_before", f"{indicator}_after") if compared else (indicator,)
    for column in columns:
        if column in hidden:
            flags = pd.Series(hidden[column], index=before.index)
            gone |= flags.reindex(after.index).fillna(False).to_numpy(dtype=bool)
    return gone, text


def _largest_capacity(*frames: Any) -> float | None:
    """The largest capacity among the services of ``frames`` (None when none is known)."""
    values = [
        pd.to_numeric(f["capacity"], errors="coerce").max()
        for f in frames
        if f is not None and len(f) and "capacity" in f.columns
    ]
    known = [float(v) for v in values if pd.notna(v)]
    return max(known) if known else None


def _check_scenario(
    before: Any,
    after: Any,
    indicator: str,
    *,
    services: Any,
    added_services: Any,
    thresholds: Sequence[float] | None,
    language: str | None,
    name_column: str | None,
    labels: bool | str,
    cluster: bool | str,
    removed_services: Any = None,
    basemap: Any = None,
) -> tuple[str, str | None, bool]:
    """The check step of :func:`scenario_map`: every problem with the arguments at once.

    Returns the language, the name column and whether ``before`` is a comparison table
    (with ``<indicator>_before`` and ``<indicator>_after``).
    """
    checks = Checks("scenario_map")
    language = _language(language, checks)
    pair = (f"{indicator}_before", f"{indicator}_after")
    compared = isinstance(before, pd.DataFrame) and all(c in before.columns for c in pair)
    if not isinstance(before, pd.DataFrame):
        checks.add(f"before must be a DataFrame, got {type(before).__name__}")
    elif indicator not in before.columns and not compared:
        checks.add(f"before has no column {indicator!r} (nor {pair[0]!r} and {pair[1]!r})")
    if _check_frame(after, "after", checks, _POLYGONS):
        if not compared:
            _check_columns(after, [indicator], "after", checks)
        name_column = _pick_name_column(after, name_column, checks)
        if isinstance(before, pd.DataFrame):
            missing = after.index.difference(before.index)
            extra = before.index.difference(after.index)
            if len(missing) or len(extra) or not before.index.is_unique:
                checks.add(
                    "before and after must hold the same areas (same unique index); "
                    f"only in after: {list(missing[:5])}, only in before: {list(extra[:5])}"
                )
    if thresholds is not None:
        p = _check_thresholds(thresholds)
        if p:
            checks.add(p)
    _check_services(services, checks)
    _check_services(added_services, checks)
    _check_services(removed_services, checks)
    _check_base_map(basemap, checks)
    _check_flags(labels, cluster, checks)
    _check_crs(
        checks,
        after=after,
        services=services,
        added_services=added_services,
        removed_services=removed_services,
        basemap=basemap,
    )
    if isinstance(before, pd.DataFrame) and _is_gdf(before) and before.crs is not None:
        _check_crs(checks, after=after, before=before)
    checks.raise_if_any()
    return language, name_column, compared


def _scenario_values(
    before: Any, after: Any, indicator: str, compared: bool
) -> tuple[np.ndarray, np.ndarray]:
    """The indicator before and after, on the areas of ``after`` (see :func:`scenario_map`)."""
    pair = (f"{indicator}_before", f"{indicator}_after")
    if compared:
        after_v = pd.to_numeric(before[pair[1]].reindex(after.index)).to_numpy(dtype=float)
        before_v = pd.to_numeric(before[pair[0]].reindex(after.index)).to_numpy(dtype=float)
    else:
        after_v = after[indicator].to_numpy(dtype=float)
        before_v = pd.to_numeric(before[indicator].reindex(after.index)).to_numpy(dtype=float)
    return before_v, after_v


def _scenario_columns(
    before_v: np.ndarray,
    after_v: np.ndarray,
    fmt: _Format,
    ind_label: str,
    language: str,
) -> list[tuple[str, list[str]]]:
    """The popup table: the indicator before and after, per area (escaped HTML)."""
    return [
        (
            html.escape(f"{ind_label}: {_word(when, language).lower()}"),
            [html.escape(_value_text(v, fmt, language)) for v in values],
        )
        for when, values in (("before", before_v), ("after", after_v))
    ]


def _add_before_after(
    b: _MapBuilder,
    data: Any,
    both: Classes,
    before_v: np.ndarray,
    after_v: np.ndarray,
    *,
    names: list[str],
    fmt: _Format,
    ind_label: str,
    gone: np.ndarray | None = None,
    hidden_text: str | None = None,
) -> None:
    """The layers "Vóór" and "Na" on the classes ``both`` shares (before, then after);
    ``gone`` areas read ``hidden_text`` (small-number suppression)."""
    language = b.language
    n = len(after_v)
    gone = np.zeros(n, dtype=bool) if gone is None or hidden_text is None else gone
    colours_all = both.colour_of()
    for part, values, sl in (
        ("before", before_v, slice(0, n)),
        ("after", after_v, slice(n, 2 * n)),
    ):
        part_classes = Classes(
            codes=both.codes[sl],
            bins=both.bins,
            lower=both.lower,
            colours=both.colours,
            labels=both.labels,
            counts=tuple(
                int(c)
                for c in np.bincount(both.codes[sl][both.codes[sl] >= 0], minlength=len(both.bins))
            ),
            scheme=both.scheme,
            note=both.note,
        )
        name = f"{_word(part, language)}: {ind_label}"
        texts = [
            str(hidden_text) if g else _value_text(v, fmt, language)
            for v, g in zip(values, gone, strict=True)
        ]
        tips = [
            f"<b>{nm}</b><br>{html.escape(name)}: <b>{html.escape(t)}</b>"
            for nm, t in zip(names, texts, strict=True)
        ]
        colours = [
            _SUPPRESSED_COLOUR if g else c for c, g in zip(colours_all[sl], gone, strict=True)
        ]
        b.choropleth(
            data,
            name=name,
            colours=colours,
            tooltips=tips,
            show=False,
            legend=_legend_html(name, part_classes, language, hidden=gone, hidden_text=hidden_text),
        )


def _add_difference(
    b: _MapBuilder,
    data: Any,
    before_v: np.ndarray,
    after_v: np.ndarray,
    indicator: str,
    *,
    names: list[str],
    fmt: _Format,
    ind_label: str,
    gone: np.ndarray | None = None,
    hidden_text: str | None = None,
) -> None:
    """The difference layer, shown when the page opens (classes: :func:`_difference_classes`);
    ``gone`` areas read ``hidden_text`` (small-number suppression)."""
    language = b.language
    codes, colours, labels_diff = _difference_classes(before_v, after_v, indicator, language)
    gone = np.zeros(len(codes), dtype=bool) if gone is None or hidden_text is None else gone
    table = np.array([*colours, _NO_DATA_COLOUR], dtype=object)
    diff_name = f"{_word('difference', language)}: {ind_label}"
    diff_tips = []
    for i, nm in enumerate(names):
        d = after_v[i] - before_v[i]
        change = (
            ("+" if d > 0 else "−" if d < 0 else "") + _value_text(abs(d), fmt, language)
            if np.isfinite(d)
            else labels_diff[codes[i]]
            if codes[i] >= 0
            else _word("no_data", language)
        )
        was, now = _value_text(before_v[i], fmt, language), _value_text(after_v[i], fmt, language)
        if gone[i]:
            change = was = now = str(hidden_text)
        diff_tips.append(
            f"<b>{nm}</b><br>{html.escape(ind_label)}: "
            f"{html.escape(was)} → {html.escape(now)}<br>"
            f"<b>{html.escape(change)}</b>"
        )
    rows = [f"<h4>{html.escape(diff_name)}</h4>"]
    for j, (c, text) in enumerate(zip(colours, labels_diff, strict=True)):
        count = int(np.sum(codes == j))
        if count or j < 5:
            rows.append(_swatch_row(c, text, count))
    rows += _missing_rows(codes, language, hidden=gone, hidden_text=hidden_text)
    b.choropleth(
        data,
        name=diff_name,
        colours=[
            _SUPPRESSED_COLOUR if g else str(c) for c, g in zip(table[codes], gone, strict=True)
        ],
        tooltips=diff_tips,
        show=True,
        legend="".join(rows),
    )
