"""Maps a planner opens by double-click: Folium (Leaflet) pages that work offline, and static figures.

The last stage of the pipeline: indicators per area (and the services behind them)
become

* :func:`reach_map` - a choropleth layer per indicator (radio buttons), service
  locations per kind as capacity-scaled circles (clustered where dense), catchment
  overlays, area-name labels, a plain-Dutch legend that follows the active layer,
  tooltips and popups with units;
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
is drawn and written (units, decimals, which way is bad) comes from a small registry,
extended with :func:`register_indicator`.

Inputs are GeoDataFrames in the working (metric) CRS, as every other stage returns
them; they are reprojected to EPSG:4326 here, at export, and nowhere else. Text from
the data (area and service names) is HTML-escaped before it reaches the page, and
every value travels to the page as JSON, so a service called
``<script>alert(1)</script>`` is shown as text.
"""

from __future__ import annotations

import functools
import html
import json
import os
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from buurtgeo import schema
from buurtgeo._atomic import write_bytes
from buurtgeo._offline import deterministic_ids, inline_assets
from buurtgeo.errors import InputError
from buurtgeo.options import get_option

__all__ = [
    "reach_map",
    "bivariate_map",
    "scenario_map",
    "save_map",
    "map_html",
    "static_map",
    "show_map",
    "register_indicator",
    "classify",
    "SCHEMES",
]

#: Classification schemes by name → mapclassify class name (``thresholds`` → UserDefined).
SCHEMES: Mapping[str, str] = {
    "quantiles": "Quantiles",
    "natural_breaks": "FisherJenks",
    "fisher_jenks": "FisherJenks",
    "equal_interval": "EqualInterval",
    "thresholds": "UserDefined",
}

_SCHEME_TEXT = {
    "quantiles": (
        "kwantielen: elke klasse even veel gebieden",
        "quantiles: equal counts per class",
    ),
    "natural_breaks": ("natuurlijke grenzen (Fisher-Jenks)", "natural breaks (Fisher-Jenks)"),
    "fisher_jenks": ("natuurlijke grenzen (Fisher-Jenks)", "natural breaks (Fisher-Jenks)"),
    "equal_interval": ("gelijke intervallen", "equal intervals"),
    "thresholds": ("vaste grenzen", "fixed thresholds"),
}

# Words shown to people, (nl, en).
_WORDS: dict[str, tuple[str, str]] = {
    "unreachable": ("onbereikbaar", "unreachable"),
    "no_data": ("geen gegevens", "no data"),
    "up_to": ("tot", "up to"),
    "more_than": ("meer dan", "more than"),
    "unknown_capacity": ("capaciteit onbekend", "capacity unknown"),
    "places": ("plaatsen", "places"),
    "size_note": (
        "cirkeloppervlakte ∝ capaciteit",
        "circle area ∝ capacity",
    ),
    "services": ("Voorzieningen", "Services"),
    "labels": ("Namen van de gebieden", "Area names"),
    "basemap": (
        "Achtergrondkaart (OpenStreetMap, alleen online)",
        "Background map (OpenStreetMap, online only)",
    ),
    "straight": ("Binnen {d} in vogelvlucht", "Within {d} as the crow flies"),
    "walk_area": ("Bereik te voet", "Walking reach"),
    "need": ("nood", "need"),
    "reach": ("bereik", "reach"),
    "low": ("laag", "low"),
    "mid": ("midden", "middle"),
    "high": ("hoog", "high"),
    "good": ("goed", "good"),
    "poor": ("slecht", "poor"),
    "more_need": ("meer nood →", "more need →"),
    "poorer_reach": ("slechter bereik →", "poorer reach →"),
    "before": ("Vóór", "Before"),
    "after": ("Na", "After"),
    "difference": ("Verschil (na − vóór)", "Difference (after − before)"),
    "better_strong": ("sterk verbeterd", "much better"),
    "better": ("verbeterd", "better"),
    "same": ("onveranderd", "unchanged"),
    "worse": ("verslechterd", "worse"),
    "worse_strong": ("sterk verslechterd", "much worse"),
    "now_reachable": ("nu bereikbaar", "now reachable"),
    "no_longer": ("niet meer bereikbaar", "no longer reachable"),
    "still_unreachable": ("blijft onbereikbaar", "still unreachable"),
    "new_services": ("Nieuwe voorzieningen", "New services"),
    "given_classes": (
        "Klassen: tertielen uit de hiaatanalyse",
        "Classes: terciles from the gap analysis",
    ),
}

_UNREACHABLE_COLOUR = "#4d4d4d"
_NO_DATA_COLOUR = "#d9d9d9"
_OUTLINE = "#5a5a5a"

# Qualitative colours for service kinds, away from the yellow-red of the choropleths.
_KIND_COLOURS: dict[str, str] = {
    "childcare_baby": "#0072b2",
    "out_of_school_care": "#56b4e9",
    "consultatiebureau": "#009e73",
    "huis_van_het_kind": "#7b3294",
    "nursery_school": "#cc79a7",
    "primary_school": "#2d004b",
    "library": "#1b7837",
    "playground": "#35978f",
    "social_services": "#542788",
}
_SPARE_COLOURS = ("#3f007d", "#00441b", "#08519c", "#762a83", "#01665e", "#8c510a")

# Joshua Stevens' 3 × 3 bivariate palette; [reach class][need class], reach 0 = good.
_BIVARIATE = (
    ("#e8e8e8", "#e4acac", "#c85a5a"),
    ("#b0d5df", "#ad9ea5", "#985356"),
    ("#64acbe", "#627f8c", "#574249"),
)
_DIFF_COLOURS = ("#2166ac", "#92c5de", "#f7f7f7", "#f4a582", "#b2182b")
_NOW_REACHABLE_COLOUR = "#053061"
_NO_LONGER_COLOUR = "#67001f"

_MAX_RADIUS_PX = 14.0
_MIN_RADIUS_PX = 3.0
_UNKNOWN_RADIUS_PX = 5.0


# --------------------------------------------------------------------------------------
# Indicators: direction, number format
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Format:
    decimals: int
    unit: str = ""
    scale: float = 1.0


@dataclass(frozen=True)
class _Style:
    higher: str  # "worse", "better" or "neutral"
    format: _Format | None = None  # None: chosen from the values


# How known indicators are drawn: which way is bad (dark) and how values are written.
# Looked up by the name without its ``__kind`` suffix, then by the longest matching prefix.
_STYLES: dict[str, _Style] = {
    "dist_nearest_m": _Style("worse", _Format(0, " m")),
    "mean_dist_m": _Style("worse", _Format(0, " m")),
    "median_dist_m": _Style("worse", _Format(0, " m")),
    "time_nearest_min": _Style("worse", _Format(1, " min")),
    "fca2": _Style("better", _Format(2)),
    "places_per_100_2sfca": _Style("better", _Format(1)),
    "places_per_100_in_area": _Style("better", _Format(1)),
    "share_covered": _Style("better", _Format(0, " %", 100.0)),
    "share_income_related": _Style("better", _Format(0, " %", 100.0)),
    "share_beyond_catchment": _Style("worse", _Format(0, " %", 100.0)),
    "share_unreachable": _Style("worse", _Format(0, " %", 100.0)),
    "share_below_norm": _Style("worse", _Format(0, " %", 100.0)),
    "covered": _Style("better", _Format(0, " %", 100.0)),
    "services_within": _Style("better", _Format(0)),
    "capacity_within": _Style("better", _Format(0)),
    "n_services": _Style("better", _Format(0)),
    "places": _Style("better", _Format(0)),
    "missing_places": _Style("worse", _Format(0)),
    "missing_places_2sfca": _Style("worse", _Format(0)),
    "shortfall": _Style("worse", _Format(2)),
    "gap_score": _Style("worse", _Format(2)),
    "need": _Style("neutral"),
    "population": _Style("neutral", _Format(0)),
    "children": _Style("neutral", _Format(0)),
    "target_pop": _Style("neutral", _Format(0)),
    **{band: _Style("neutral") for band in schema.AGE_BANDS},
}


def register_indicator(
    column: str,
    *,
    higher: str,
    decimals: int | None = None,
    unit: str = "",
    percent: bool = False,
) -> None:
    """Tell the maps how to draw an indicator: which way is bad, and how to write values.

    Parameters
    ----------
    column : str
        Indicator name without a ``__kind`` suffix, e.g. ``'gap_score'``.
    higher : {'worse', 'better', 'neutral'}
        ``'worse'``: high values are the problem and are drawn dark red (distances);
        ``'better'``: low values are drawn dark red (places per child); ``'neutral'``:
        blues, dark = more (need, children).
    decimals : int, optional
        Decimals shown; default chosen from the values (0 for whole numbers, else 2, 1
        or 0 for values below 10, below 100, from 100).
    unit : str, optional
        Text after the number, e.g. ``' m'``.
    percent : bool, default False
        The value is a share 0-1 shown as a percentage (× 100, unit ``' %'``).
    """
    if higher not in ("worse", "better", "neutral"):
        raise InputError(
            "higher must be 'worse', 'better' or 'neutral'", column=column, found=higher
        )
    if percent:
        fmt: _Format | None = _Format(0 if decimals is None else decimals, " %", 100.0)
    elif decimals is not None:
        fmt = _Format(decimals, unit)
    else:
        fmt = None
    _STYLES[column] = _Style(higher, fmt)


def _base(column: str) -> str:
    return column.partition("__")[0]


def _kind_of(column: str) -> str | None:
    """The service kind of a wide indicator name ``'<indicator>__<kind>'``, else None."""
    kind = column.partition("__")[2]
    return kind or None


def _style(column: str) -> _Style | None:
    base = _base(column)
    if base in _STYLES:
        return _STYLES[base]
    # e.g. 'dist_nearest_m_2sfca' → 'dist_nearest_m'; 'children_0_5' → 'children'
    prefixes = [key for key in _STYLES if base.startswith(key + "_")]
    if prefixes:
        return _STYLES[max(prefixes, key=len)]
    if base.endswith("_m"):
        return _Style("worse", _Format(0, " m"))
    if base.endswith("_min"):
        return _Style("worse", _Format(1, " min"))
    return None


def _direction(column: str) -> str:
    """'worse' when a higher value is worse (distances), 'better', or 'neutral'."""
    style = _style(column)
    return style.higher if style is not None else "neutral"


def _format_for(column: str, values: np.ndarray | None = None) -> _Format:
    style = _style(column)
    if style is not None and style.format is not None:
        return style.format
    if values is not None:
        finite = values[np.isfinite(values)]
        if finite.size and np.all(finite == np.round(finite)):
            return _Format(0)
        big = float(np.nanmax(np.abs(finite))) if finite.size else 0.0
        return _Format(0 if big >= 100 else 1 if big >= 10 else 2)
    return _Format(2)


def _number(x: float, decimals: int, language: str) -> str:
    text = f"{x:,.{decimals}f}"
    if text in ("-0", "-0.0", "-0.00"):
        text = text[1:]
    if language == "nl":
        text = text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")
    return text


def _distinct_format(fmt: _Format, bounds: Sequence[float]) -> _Format:
    """``fmt`` with up to three more decimals, until different class bounds read differently.

    Ties make quantile bounds close together (0.9993 and 1.0 both read "100 %"); a
    legend "0 – 100 %, 100 – 100 %" says nothing, so the bounds get the decimals they need.
    """
    finite = np.unique(np.asarray([b for b in bounds if np.isfinite(b)], dtype=float))
    for extra in range(4):
        decimals = fmt.decimals + extra
        texts = {_number(b * fmt.scale, decimals, "en") for b in finite}
        if len(texts) == finite.size:
            return _Format(decimals, fmt.unit, fmt.scale)
    return _Format(fmt.decimals + 3, fmt.unit, fmt.scale)


def _trim_zeros(text: str, keep: int, language: str) -> str:
    """Drop trailing zero decimals of every number in ``text`` beyond ``keep`` decimals."""
    import re

    mark = "," if language == "nl" else "."
    pattern = re.compile(rf"(\d){re.escape(mark)}(\d+)")

    def trim(match: re.Match[str]) -> str:
        digits = match.group(2)
        cut = max(keep, len(digits.rstrip("0")))
        return match.group(1) + (mark + digits[:cut] if cut else "")

    return pattern.sub(trim, text)


def _value_text(x: float, fmt: _Format, language: str) -> str:
    if np.isnan(x):
        return _word("no_data", language)
    if np.isinf(x):
        return _word("unreachable", language)
    return _number(x * fmt.scale, fmt.decimals, language) + fmt.unit


def _word(key: str, language: str) -> str:
    nl, en = _WORDS[key]
    return en if language == "en" else nl


def _language(language: str | None, problems: list[str]) -> str:
    if language is None:
        return get_option("language")
    if language not in ("nl", "en"):
        problems.append(f"language must be 'nl' or 'en', got {language!r}")
        return "nl"
    return language


# --------------------------------------------------------------------------------------
# Classification
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Classes:
    """Result of :func:`classify`.

    Attributes
    ----------
    codes : numpy.ndarray of int
        Class per row: ``0 … n_classes - 1``; ``-1`` no data (NaN); ``-2`` unreachable (±inf).
    bins : numpy.ndarray of float
        Upper bound of each class (inclusive), in the indicator's units; the last is
        ``inf`` for open-ended fixed thresholds.
    lower : float
        Lower bound of the first class (the smallest finite value, or ``-inf`` for
        fixed thresholds).
    colours : tuple of str
        ``#rrggbb`` per class.
    labels : tuple of str
        Legend text per class, e.g. ``'500 – 800 m'``.
    counts : tuple of int
        Rows per class.
    scheme : str
        The scheme used.
    """

    codes: np.ndarray
    bins: np.ndarray
    lower: float
    colours: tuple[str, ...]
    labels: tuple[str, ...]
    counts: tuple[int, ...]
    scheme: str

    def colour_of(self) -> list[str]:
        """Colour per row (no data and unreachable included)."""
        table = np.array([*self.colours, _UNREACHABLE_COLOUR, _NO_DATA_COLOUR], dtype=object)
        return [str(c) for c in table[self.codes]]  # index -2 → unreachable, -1 → no data


def _palette(n: int, direction: str) -> tuple[str, ...]:
    from matplotlib import colormaps
    from matplotlib.colors import to_hex

    if n <= 0:
        return ()
    cmap = colormaps["Blues" if direction == "neutral" else "YlOrRd"]
    stops = np.linspace(0.15, 0.9, n) if n > 1 else np.array([0.55])
    colours = [to_hex(cmap(float(s))) for s in stops]
    if direction == "better":  # low values are the problem: make them dark
        colours.reverse()
    return tuple(colours)


def _check_thresholds(thresholds: Any) -> str | None:
    try:
        arr = np.asarray(thresholds, dtype=float)
    except (TypeError, ValueError):
        return f"thresholds must be numbers, got {thresholds!r}"
    if arr.ndim != 1 or arr.size == 0:
        return f"thresholds must be a non-empty list of numbers, got {thresholds!r}"
    if not np.all(np.isfinite(arr)) or np.any(np.diff(arr) <= 0):
        return f"thresholds must be finite and strictly increasing, got {list(arr)}"
    return None


def classify(
    values: Any,
    *,
    column: str,
    scheme: str = "quantiles",
    k: int = 5,
    thresholds: Sequence[float] | None = None,
    language: str | None = None,
) -> Classes:
    """Put indicator values into classes for a map, with colours and legend labels.

    The schemes come from mapclassify: ``quantiles`` (``Quantiles``: class upper
    bounds at the ``j/k`` quantiles, j = 1 … k, so each class holds about n/k areas),
    ``natural_breaks`` (``FisherJenks``: bounds minimising the within-class sum of
    squared deviations Σ_c Σ_{i∈c} (y_i − ȳ_c)²), ``equal_interval`` (bounds at
    min + j·(max − min)/k) and fixed ``thresholds`` t_1 < … < t_m (``UserDefined``:
    class j holds t_{j−1} < y ≤ t_j, with t_0 = −∞ and t_{m+1} = +∞, e.g. 500/800/1200 m).
    Classes are right-closed: y goes to the first class whose upper bound b_j satisfies
    y ≤ b_j. Only finite values are classified; NaN is "geen gegevens" (no data) and
    ±inf is "onbereikbaar" (unreachable). When there are fewer distinct values than
    ``k``, the number of classes drops to the number of distinct values.

    Parameters
    ----------
    values : array-like of float
        The indicator, in its own units (metres, minutes, places per child, a share 0-1).
    column : str
        Canonical indicator name, e.g. ``'dist_nearest_m__childcare_baby'``; it sets the
        units and number format of the labels and the colour direction (dark = worse).
    scheme : {'quantiles', 'natural_breaks', 'equal_interval', 'thresholds'}
    k : int, default 5
        Number of classes (ignored for ``thresholds``).
    thresholds : sequence of float, optional
        Fixed class bounds in the indicator's units; when given they are used whatever
        ``scheme`` says.
    language : {'nl', 'en'}, optional

    Returns
    -------
    Classes
    """
    import mapclassify

    problems: list[str] = []
    language = _language(language, problems)
    if thresholds is not None:
        scheme = "thresholds"
        problem = _check_thresholds(thresholds)
        if problem:
            problems.append(problem)
    elif scheme == "thresholds":
        problems.append("scheme 'thresholds' needs thresholds=[…]")
    if scheme not in SCHEMES:
        problems.append(f"unknown scheme {scheme!r}; known: {', '.join(SCHEMES)}")
    if not isinstance(k, int | np.integer) or isinstance(k, bool) or not 2 <= k <= 9:
        problems.append(f"k must be an integer from 2 to 9, got {k!r}")
    if problems:
        raise InputError("cannot classify " + repr(column) + ": " + "; ".join(problems))

    y = np.asarray(values, dtype=float)
    finite = np.isfinite(y)
    codes = np.full(y.shape, -1, dtype=int)
    codes[np.isinf(y)] = -2
    yf = y[finite]
    fmt = _format_for(column, y)
    direction = _direction(column)

    if scheme == "thresholds":
        t = np.asarray(thresholds, dtype=float)
        bins = np.append(t, np.inf)
        lower = -np.inf
        if yf.size:
            # mapclassify's UserDefined with +inf as a last bound keeps every class.
            codes[finite] = mapclassify.UserDefined(yf, bins=list(bins)).yb
    else:
        n_unique = np.unique(yf).size
        if n_unique == 0:
            bins, lower = np.array([]), np.nan
        elif n_unique == 1:
            bins, lower = np.array([yf[0]]), float(yf[0])
            codes[finite] = 0
        else:
            kk = int(min(k, n_unique))
            with warnings.catch_warnings():
                # ties: mapclassify lowers k itself and says so; the legend shows the classes
                warnings.filterwarnings("ignore", message="Not enough unique values")
                classifier = getattr(mapclassify, SCHEMES[scheme])(yf, k=kk)
            bins = np.asarray(classifier.bins, dtype=float)
            # drop empty duplicate bounds (ties at quantiles) and renumber
            bins = np.unique(bins)
            lower = float(yf.min())
            codes[finite] = np.searchsorted(bins, yf, side="left")
    n = len(bins)
    counts = tuple(int(c) for c in np.bincount(codes[codes >= 0], minlength=n)[:n])
    fmt, trim = _distinct_format(fmt, [lower, *bins]), fmt.decimals

    labels = []
    for j in range(n):
        lo = lower if j == 0 else bins[j - 1]
        hi = bins[j]
        in_class = yf[codes[finite] == j] if scheme != "thresholds" else yf[:0]
        if in_class.size > 1 and np.all(in_class == hi):
            lo = hi  # ties: every value of the class is its upper bound (e.g. all 100 %)
        if np.isinf(lo) and np.isinf(hi):
            text = _word("no_data", language)
        elif np.isinf(lo):
            text = f"{_word('up_to', language)} {_value_text(hi, fmt, language)}"
        elif np.isinf(hi):
            text = f"{_word('more_than', language)} {_value_text(lo, fmt, language)}"
        elif lo == hi:
            text = _value_text(hi, fmt, language)
        else:
            a = _number(lo * fmt.scale, fmt.decimals, language)
            text = f"{a} – {_value_text(hi, fmt, language)}"
        labels.append(text)
    if fmt.decimals > trim:  # extra decimals only where a bound needs them: "0 – 99,8 %"
        labels = [_trim_zeros(text, trim, language) for text in labels]
    return Classes(
        codes=codes,
        bins=bins,
        lower=lower,
        colours=_palette(n, direction),
        labels=tuple(labels),
        counts=counts,
        scheme=scheme,
    )


# --------------------------------------------------------------------------------------
# Input checks
# --------------------------------------------------------------------------------------


def _is_gdf(obj: Any) -> bool:
    import geopandas as gpd

    return isinstance(obj, gpd.GeoDataFrame)


def _check_frame(
    frame: Any, what: str, problems: list[str], types: tuple[str, ...] | None = None
) -> bool:
    if not _is_gdf(frame):
        problems.append(f"{what} must be a GeoDataFrame, got {type(frame).__name__}")
        return False
    missing = frame.geometry.isna() | frame.geometry.is_empty
    if missing.any():
        bad = frame.index[missing][:5].tolist()
        problems.append(f"{what} has rows without geometry (index {bad}); drop or fix them")
    if types is not None:
        wrong = ~frame.geom_type.isin(types) & ~missing
        if wrong.any():
            problems.append(
                f"{what} must hold {' or '.join(types)} geometries; found "
                f"{sorted(set(frame.geom_type[wrong]))} (index {frame.index[wrong][:5].tolist()})"
            )
    return True


_POLYGONS = ("Polygon", "MultiPolygon")


def _check_columns(
    frame: Any, columns: Sequence[str], what: str, problems: list[str], numeric: bool = True
) -> None:
    for column in columns:
        if column not in frame.columns:
            listing = ", ".join(repr(c) for c in list(frame.columns)[:30])
            renamed = schema.renamed_column_note(column)
            problems.append(
                f"{what} has no column {column!r} (columns: {listing})"
                + (f": {renamed}" if renamed else "")
            )
        elif numeric and not (
            pd.api.types.is_numeric_dtype(frame[column])
            and not pd.api.types.is_bool_dtype(frame[column])
        ):
            problems.append(
                f"{what} column {column!r} must be numeric, found dtype {frame[column].dtype}"
            )


def _per_indicator(value: Any, indicators: Sequence[str], name: str, problems: list[str]):
    """Spread a scalar-or-mapping argument over the indicators."""
    if isinstance(value, Mapping):
        unknown = [key for key in value if key not in indicators]
        if unknown:
            problems.append(f"{name} names columns that are not indicators: {unknown}")
        return {ind: value.get(ind) for ind in indicators}
    return dict.fromkeys(indicators, value)


def _pick_name_column(frame: Any, name_column: str | None, problems: list[str]) -> str | None:
    if name_column is not None:
        if name_column not in frame.columns:
            problems.append(f"name_column {name_column!r} is not a column of areas")
            return None
        return name_column
    for candidate in ("area_name", "sector_name_nl", "name", "municipality_name_nl"):
        if candidate in frame.columns:
            return candidate
    return None  # the index is shown instead


def _names(frame: Any, name_column: str | None) -> list[str]:
    if name_column is None:
        raw = [str(v) for v in frame.index]
    else:
        raw = [
            str(v) if not pd.isna(v) else str(i)
            for i, v in zip(frame.index, frame[name_column], strict=True)
        ]
    return [html.escape(v) for v in raw]


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


# --------------------------------------------------------------------------------------
# Legend and popup HTML (built in Python; every data-derived text is escaped)
# --------------------------------------------------------------------------------------


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


def _scheme_note(scheme: str, language: str) -> str:
    nl, en = _SCHEME_TEXT[scheme]
    return (en if language == "en" else nl).capitalize()


def _table_html(name: str, rows: list[tuple[str, str]]) -> str:
    cells = "".join(
        f'<tr><td>{html.escape(k)}</td><td class="v">{html.escape(v)}</td></tr>' for k, v in rows
    )
    return f'<div class="bg-pop"><b>{name}</b><table>{cells}</table></div>'


def _popups(frame: Any, names: list[str], columns: Sequence[str], language: str) -> list[str]:
    formats = {c: _format_for(c, frame[c].to_numpy(dtype=float)) for c in columns}
    labels = {c: schema.label(c, language) for c in columns}
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


def _kind_colour(kind: str, order: Sequence[str]) -> str:
    if kind in _KIND_COLOURS:
        return _KIND_COLOURS[kind]
    spare = [k for k in order if k not in _KIND_COLOURS]
    return _SPARE_COLOURS[spare.index(kind) % len(_SPARE_COLOURS)]


def _kind_label(kind: str, language: str) -> str:
    known = schema.service_kinds()
    return known[kind].label(language) if kind in known else str(kind)


def _radii(capacity: np.ndarray) -> tuple[list[float], list[bool]]:
    """Marker radius in px: r = max(3, 14·√(c / c_max)); unknown capacity → 5 px, hollow."""
    cap = np.asarray(capacity, dtype=float)
    known = np.isfinite(cap) & (cap >= 0)
    cmax = float(cap[known].max()) if known.any() else 0.0
    r = np.full(cap.shape, _UNKNOWN_RADIUS_PX)
    if cmax > 0:
        r[known] = np.maximum(_MIN_RADIUS_PX, _MAX_RADIUS_PX * np.sqrt(cap[known] / cmax))
    else:
        r[known] = _MIN_RADIUS_PX
    return [round(float(x), 2) for x in r], [bool(x) for x in ~known]


def _check_services(services: Any, problems: list[str]) -> None:
    if services is None:
        return
    if not _check_frame(services, "services", problems, ("Point",)):
        return
    _check_columns(services, ["service_kind"], "services", problems, numeric=False)
    if "capacity" in services.columns:
        _check_columns(services, ["capacity"], "services", problems)


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
        cap_texts = [
            _value_text(capacity[i], cap_fmt, language)
            if np.isfinite(capacity[i])
            else _word("unknown_capacity", language)
            for i in idx
        ]
        tooltips = [
            f"<b>{names[i] or html.escape(kind_text)}</b><br>{html.escape(kind_text)} · {t}"
            for i, t in zip(idx, cap_texts, strict=True)
        ]
        popups = [
            _table_html(
                names[i] or html.escape(kind_text),
                [
                    (schema.label("service_kind", language), kind_text),
                    (schema.label("capacity", language), t),
                ],
            )
            for i, t in zip(idx, cap_texts, strict=True)
        ]
        use_cluster = cluster is True or (cluster == "auto" and len(idx) > 40)
        layer = b.points(
            services.geometry.values[idx],
            name=f"{kind_text} ({len(idx)})",
            colour=c,
            radii=[float(x) for x in radii_arr[idx]],
            hollow=[bool(x) for x in hollow_arr[idx]],
            tooltips=tooltips,
            popups=popups,
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


# --------------------------------------------------------------------------------------
# Public maps
# --------------------------------------------------------------------------------------


def reach_map(
    areas: Any,
    *,
    indicators: str | Sequence[str],
    services: Any = None,
    catchments: Any = None,
    scheme: str | Mapping[str, str] = "quantiles",
    k: int = 5,
    thresholds: Sequence[float] | Mapping[str, Sequence[float]] | None = None,
    language: str | None = None,
    name_column: str | None = None,
    title: str | None = None,
    tiles: bool = True,
    labels: bool | str = "auto",
    cluster: bool | str = "auto",
    simplify_m: float = 1.0,
) -> Any:
    """Interactive choropleth of reach indicators per area, with services and catchments.

    One layer per indicator (radio buttons; the first is shown), coloured by class
    (see :func:`classify`; dark = worse: long distances, few places per child), with a
    legend in plain Dutch (English with ``language='en'``) that follows the active
    layer. Hovering an area shows its name and the indicator with units; clicking it
    shows every indicator (and the need columns ``population``/``children_*`` when
    present). Values ``inf`` read "onbereikbaar" (unreachable), NaN "geen gegevens".

    Services are drawn per kind as circles whose area is proportional to capacity:
    radius r = max(3, 14 · √(c / c_max)) px, c_max the largest capacity on the map;
    services without a capacity get 5 px with a dashed outline. Kinds with more than
    40 services are clustered (``cluster='auto'``) until zoom 16.

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
        Walking service areas drawn as dashed overlays, one per kind (union of the
        services' areas). ``True``: a straight-line buffer of each kind's default
        catchment (``ServiceKind.catchment_m``, metres); a number: that buffer radius
        in metres for every kind; a GeoDataFrame: polygons you computed (e.g. network
        service areas), grouped by its ``service_kind`` column when present.
    scheme : str or mapping of indicator → str, default 'quantiles'
        ``'quantiles'``, ``'natural_breaks'`` (Fisher-Jenks), ``'equal_interval'`` or
        ``'thresholds'``.
    k : int, default 5
        Number of classes (2-9).
    thresholds : sequence of float or mapping of indicator → sequence, optional
        Fixed class bounds in the indicator's units (e.g. ``[500, 800, 1200]`` m);
        they take precedence over ``scheme`` for the indicators they apply to.
    language : {'nl', 'en'}, optional
        Default: the ``language`` option.
    name_column : str, optional
        Column with the area name shown in tooltips; default the first of
        ``area_name``, ``sector_name_nl``, ``name``, else the index.
    title : str, optional
        Title box at the top left (plain text; escaped).
    tiles : bool, default True
        Add an OpenStreetMap background layer; it loads when online and fails quietly
        offline (outlines, labels and legend need no tiles).
    labels : bool or 'auto', default 'auto'
        Overlay of area names; 'auto' shows it when there are at most 60 areas.
    cluster : bool or 'auto', default 'auto'
    simplify_m : float, default 1.0
        Outline simplification tolerance in metres before export (0: none).

    Returns
    -------
    folium.Map
        Save it with :func:`save_map` for an offline file.

    Raises
    ------
    InputError
        Listing every problem with the arguments at once.
    CRSError
        When the inputs are not in one projected CRS in metres.
    """
    problems: list[str] = []
    language = _language(language, problems)
    indicators = [indicators] if isinstance(indicators, str) else list(indicators)
    if not indicators:
        problems.append("indicators must name at least one column")
    ok = _check_frame(areas, "areas", problems, _POLYGONS)
    if ok:
        _check_columns(areas, indicators, "areas", problems)
        name_column = _pick_name_column(areas, name_column, problems)
    _check_services(services, problems)
    if catchments is not None:
        if _is_gdf(catchments):
            _check_frame(catchments, "catchments", problems, _POLYGONS)
        elif isinstance(catchments, bool) or isinstance(catchments, int | float):
            if services is None:
                problems.append("catchments as a buffer need services")
            if not isinstance(catchments, bool) and not (
                np.isfinite(catchments) and catchments > 0
            ):
                problems.append(
                    f"a catchment buffer must be a positive number of metres, got {catchments!r}"
                )
        else:
            problems.append(
                f"catchments must be True, a number of metres or a GeoDataFrame, got {type(catchments).__name__}"
            )
    schemes = _per_indicator(scheme, indicators, "scheme", problems)
    bounds = (
        _per_indicator(thresholds, indicators, "thresholds", problems)
        if isinstance(thresholds, Mapping)
        else dict.fromkeys(indicators, thresholds)
    )
    for ind in indicators:
        if bounds[ind] is None and schemes[ind] not in SCHEMES:
            problems.append(
                f"unknown scheme {schemes[ind]!r} for {ind!r}; known: {', '.join(SCHEMES)}"
            )
        if bounds[ind] is not None:
            p = _check_thresholds(bounds[ind])
            if p:
                problems.append(f"{ind}: {p}")
        elif schemes[ind] == "thresholds":
            problems.append(f"scheme 'thresholds' for {ind!r} needs thresholds")
    if not isinstance(k, int | np.integer) or isinstance(k, bool) or not 2 <= k <= 9:
        problems.append(f"k must be an integer from 2 to 9, got {k!r}")
    if labels not in (True, False, "auto") or cluster not in (True, False, "auto"):
        problems.append("labels and cluster must be True, False or 'auto'")
    if problems:
        raise InputError("reach_map: " + "; ".join(problems))
    named = [("areas", areas), ("services", services), ("catchments", catchments)]
    named = [(n, f) for n, f in named if _is_gdf(f)]
    schema.require_metric_crs(*[f for _, f in named], what=[n for n, _ in named])

    b = _MapBuilder(
        areas, language=language, title=html.escape(title) if title else None, tiles=tiles
    )
    names = _names(areas, name_column)
    popup_columns = [*indicators, *_extra_columns(areas, indicators)]
    data_var = b.area_data(areas, _popups(areas, names, popup_columns, language), simplify_m)
    for j, ind in enumerate(indicators):
        values = areas[ind].to_numpy(dtype=float)
        classes = classify(
            values, column=ind, scheme=schemes[ind], k=k, thresholds=bounds[ind], language=language
        )
        fmt = _format_for(ind, values)
        title_ind = schema.label(ind, language)
        tips = [
            f"<b>{nm}</b><br>{html.escape(title_ind)}: <b>{html.escape(_value_text(v, fmt, language))}</b>"
            for nm, v in zip(names, values, strict=True)
        ]
        b.choropleth(
            data_var,
            name=title_ind,
            colours=classes.colour_of(),
            tooltips=tips,
            show=j == 0,
            legend=_legend_html(
                title_ind, classes, language, _scheme_note(classes.scheme, language)
            ),
            kind=_kind_of(ind),
        )
    active = _kind_of(indicators[0])
    if catchments is not None:
        _add_catchments(b, services, catchments, active_kind=active)
    if services is not None and len(services):
        _add_services(b, services, cluster=cluster, active_kind=active)
    b.labels(areas, names, show=labels is True or (labels == "auto" and len(areas) <= 60))
    return b.finish()


def _check_flags(labels: Any, cluster: Any, problems: list[str]) -> None:
    if labels not in (True, False, "auto") or cluster not in (True, False, "auto"):
        problems.append("labels and cluster must be True, False or 'auto'")


def _check_crs(**frames: Any) -> None:
    named = [(n, f) for n, f in frames.items() if _is_gdf(f)]
    schema.require_metric_crs(*[f for _, f in named], what=[n for n, _ in named])


def _tier_words(language: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    need = tuple(_word(w, language) for w in ("low", "mid", "high"))
    reach = tuple(_word(w, language) for w in ("good", "mid", "poor"))
    return need, reach


def bivariate_map(
    areas: Any,
    *,
    need: str,
    reach: str,
    services: Any = None,
    need_thresholds: Sequence[float] | None = None,
    reach_thresholds: Sequence[float] | None = None,
    classes: tuple[str, str] | None = None,
    language: str | None = None,
    name_column: str | None = None,
    title: str | None = None,
    tiles: bool = True,
    labels: bool | str = "auto",
    cluster: bool | str = "auto",
    simplify_m: float = 1.0,
) -> Any:
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
    language : {'nl', 'en'}, optional
    name_column, title, tiles, labels, cluster, simplify_m
        As in :func:`reach_map`.

    Returns
    -------
    folium.Map
    """
    problems: list[str] = []
    language = _language(language, problems)
    if _check_frame(areas, "areas", problems, _POLYGONS):
        _check_columns(areas, [need, reach], "areas", problems)
        name_column = _pick_name_column(areas, name_column, problems)
    for what, t in (("need_thresholds", need_thresholds), ("reach_thresholds", reach_thresholds)):
        if t is not None:
            p = _check_thresholds(t)
            if p is None and len(t) != 2:
                p = f"give two bounds (three classes), got {len(t)}"
            if p:
                problems.append(f"{what}: {p}")
    if classes is not None:
        if not (isinstance(classes, tuple | list) and len(classes) == 2):
            problems.append(f"classes must be two column names, got {classes!r}")
        elif _is_gdf(areas):
            _check_columns(areas, list(classes), "areas", problems)
            for column in classes:
                if column in areas.columns:
                    levels = pd.to_numeric(areas[column], errors="coerce").dropna()
                    if not levels.isin([1, 2, 3]).all():
                        problems.append(f"classes column {column!r} must hold levels 1, 2, 3")
    _check_services(services, problems)
    _check_flags(labels, cluster, problems)
    if problems:
        raise InputError("bivariate_map: " + "; ".join(problems))
    _check_crs(areas=areas, services=services)

    need_v = areas[need].to_numpy(dtype=float)
    reach_v = areas[reach].to_numpy(dtype=float)
    nc = classify(need_v, column=need, k=3, thresholds=need_thresholds, language=language)
    rc = classify(reach_v, column=reach, k=3, thresholds=reach_thresholds, language=language)
    n_cls = _spread3(nc.codes, len(nc.bins))
    r_cls = _spread3(rc.codes, len(rc.bins))
    if _direction(reach) == "better":
        r_cls = np.where(r_cls >= 0, 2 - r_cls, r_cls)
    r_cls = np.where(rc.codes == -2, 2, r_cls)  # unreachable = poor reach
    n_cls = np.where(nc.codes == -2, -1, n_cls)  # an infinite need is no data
    if classes is not None:
        levels = [pd.to_numeric(areas[c], errors="coerce").to_numpy(dtype=float) for c in classes]
        n_cls = np.where(np.isfinite(levels[0]), np.nan_to_num(levels[0]) - 1, -1).astype(int)
        r_cls = np.where(np.isfinite(levels[1]), 3 - np.nan_to_num(levels[1]), -1).astype(int)
    ok = (n_cls >= 0) & (r_cls >= 0)
    palette = np.array(_BIVARIATE, dtype=object)
    colours = [
        str(palette[r, n]) if good else _NO_DATA_COLOUR
        for r, n, good in zip(r_cls, n_cls, ok, strict=True)
    ]
    need_words, reach_words = _tier_words(language)
    need_label, reach_label = schema.label(need, language), schema.label(reach, language)
    need_fmt, reach_fmt = _format_for(need, need_v), _format_for(reach, reach_v)
    names = _names(areas, name_column)
    tips = []
    for i, nm in enumerate(names):
        cell = (
            f"{_word('need', language)}: {need_words[n_cls[i]]} · "
            f"{_word('reach', language)}: {reach_words[r_cls[i]]}"
            if ok[i]
            else _word("no_data", language)
        )
        tips.append(
            f"<b>{nm}</b><br>{html.escape(need_label)}: "
            f"<b>{html.escape(_value_text(need_v[i], need_fmt, language))}</b><br>"
            f"{html.escape(reach_label)}: "
            f"<b>{html.escape(_value_text(reach_v[i], reach_fmt, language))}</b><br>"
            f"<i>{html.escape(cell)}</i>"
        )
    b = _MapBuilder(
        areas, language=language, title=html.escape(title) if title else None, tiles=tiles
    )
    popup_columns = [need, reach, *[c for c in _extra_columns(areas, [need, reach])]]
    data = b.area_data(areas, _popups(areas, names, popup_columns, language), simplify_m)
    layer_name = f"{_word('need', language).capitalize()} × {_word('reach', language)}"
    b.choropleth(
        data,
        name=layer_name,
        colours=colours,
        tooltips=tips,
        show=True,
        legend=_bivariate_legend(
            need_label, reach_label, nc, rc, reach, language, ~ok, given=classes is not None
        ),
    )
    if services is not None and len(services):
        _add_services(b, services, cluster=cluster, active_kind=_kind_of(reach))
    b.labels(areas, names, show=labels is True or (labels == "auto" and len(areas) <= 60))
    return b.finish()


def _spread3(codes: np.ndarray, n: int) -> np.ndarray:
    """Map class codes 0..n-1 (n ≤ 3) onto 0..2, keeping negatives (no data/unreachable)."""
    if n in (0, 3):
        return codes.copy()
    scale = 0 if n == 1 else 2 / (n - 1)
    out = np.where(codes >= 0, np.round(codes * scale).astype(int), codes)
    return out if n > 1 else np.where(codes >= 0, 1, codes)


def _bivariate_legend(
    need_label: str,
    reach_label: str,
    nc: Classes,
    rc: Classes,
    reach: str,
    language: str,
    no_data: np.ndarray,
    given: bool = False,
) -> str:
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
    if given:  # the classes come with the table: their bounds are not ours to print
        notes = [notes[0], notes[2], _word("given_classes", language)]
    extra = "".join(_missing_rows(np.where(no_data, -1, 0), language))
    title = f"{_word('need', language).capitalize()} × {_word('reach', language)}"
    return (
        f"<h4>{html.escape(title)}</h4>{grid}"
        + "".join(f'<div class="bg-note">{n}</div>' for n in notes)
        + extra
    )


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
    before: Any,
    after: Any,
    *,
    indicator: str,
    services: Any = None,
    added_services: Any = None,
    scheme: str = "quantiles",
    k: int = 5,
    thresholds: Sequence[float] | None = None,
    language: str | None = None,
    name_column: str | None = None,
    title: str | None = None,
    tiles: bool = True,
    labels: bool | str = "auto",
    cluster: bool | str = "auto",
    simplify_m: float = 1.0,
) -> Any:
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
    scheme, k, thresholds, language, name_column, title, tiles, labels, cluster, simplify_m
        As in :func:`reach_map`.

    Returns
    -------
    folium.Map
    """
    problems: list[str] = []
    language = _language(language, problems)
    pair = (f"{indicator}_before", f"{indicator}_after")
    compared = isinstance(before, pd.DataFrame) and all(c in before.columns for c in pair)
    if not isinstance(before, pd.DataFrame):
        problems.append(f"before must be a DataFrame, got {type(before).__name__}")
    elif indicator not in before.columns and not compared:
        problems.append(f"before has no column {indicator!r} (nor {pair[0]!r} and {pair[1]!r})")
    if _check_frame(after, "after", problems, _POLYGONS):
        if not compared:
            _check_columns(after, [indicator], "after", problems)
        name_column = _pick_name_column(after, name_column, problems)
        if isinstance(before, pd.DataFrame):
            missing = after.index.difference(before.index)
            extra = before.index.difference(after.index)
            if len(missing) or len(extra) or not before.index.is_unique:
                problems.append(
                    "before and after must hold the same areas (same unique index); "
                    f"only in after: {list(missing[:5])}, only in before: {list(extra[:5])}"
                )
    if thresholds is not None:
        p = _check_thresholds(thresholds)
        if p:
            problems.append(p)
    _check_services(services, problems)
    _check_services(added_services, problems)
    _check_flags(labels, cluster, problems)
    if problems:
        raise InputError("scenario_map: " + "; ".join(problems))
    _check_crs(after=after, services=services, added_services=added_services)
    if isinstance(before, pd.DataFrame) and _is_gdf(before) and before.crs is not None:
        _check_crs(after=after, before=before)

    if compared:
        after_v = pd.to_numeric(before[pair[1]].reindex(after.index)).to_numpy(dtype=float)
        before_v = pd.to_numeric(before[pair[0]].reindex(after.index)).to_numpy(dtype=float)
    else:
        after_v = after[indicator].to_numpy(dtype=float)
        before_v = pd.to_numeric(before[indicator].reindex(after.index)).to_numpy(dtype=float)
    both = classify(
        np.concatenate([before_v, after_v]),
        column=indicator,
        scheme=scheme,
        k=k,
        thresholds=thresholds,
        language=language,
    )
    n = len(after_v)
    fmt = _format_for(indicator, np.concatenate([before_v, after_v]))
    ind_label = schema.label(indicator, language)
    names = _names(after, name_column)
    b = _MapBuilder(
        after, language=language, title=html.escape(title) if title else None, tiles=tiles
    )
    popups = [
        _table_html(
            names[i],
            [
                (
                    f"{ind_label}: {_word('before', language).lower()}",
                    _value_text(before_v[i], fmt, language),
                ),
                (
                    f"{ind_label}: {_word('after', language).lower()}",
                    _value_text(after_v[i], fmt, language),
                ),
            ],
        )
        for i in range(n)
    ]
    data = b.area_data(after, popups, simplify_m)
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
        )
        name = f"{_word(part, language)}: {ind_label}"
        tips = [
            f"<b>{nm}</b><br>{html.escape(name)}: <b>{html.escape(_value_text(v, fmt, language))}</b>"
            for nm, v in zip(names, values, strict=True)
        ]
        b.choropleth(
            data,
            name=name,
            colours=colours_all[sl],
            tooltips=tips,
            show=False,
            legend=_legend_html(name, part_classes, language, _scheme_note(both.scheme, language)),
        )
    codes, colours, labels_diff = _difference_classes(before_v, after_v, indicator, language)
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
        diff_tips.append(
            f"<b>{nm}</b><br>{html.escape(ind_label)}: "
            f"{html.escape(_value_text(before_v[i], fmt, language))} → "
            f"{html.escape(_value_text(after_v[i], fmt, language))}<br>"
            f"<b>{html.escape(change)}</b>"
        )
    rows = [f"<h4>{html.escape(diff_name)}</h4>"]
    for j, (c, text) in enumerate(zip(colours, labels_diff, strict=True)):
        count = int(np.sum(codes == j))
        if count or j < 5:
            rows.append(_swatch_row(c, text, count))
    rows += _missing_rows(codes, language)
    b.choropleth(
        data,
        name=diff_name,
        colours=[str(c) for c in table[codes]],
        tooltips=diff_tips,
        show=True,
        legend="".join(rows),
    )
    has_services = services is not None and len(services) > 0
    if has_services:
        _add_services(b, services, cluster=cluster, active_kind=_kind_of(indicator))
    if added_services is not None and len(added_services):
        _add_services(
            b,
            added_services,
            cluster=False,
            prefix=_word("new_services", language),
            colour="#e7298a",
            heading=not has_services,
        )
    b.labels(after, names, show=labels is True or (labels == "auto" and len(after) <= 60))
    return b.finish()


# --------------------------------------------------------------------------------------
# Static export (matplotlib)
# --------------------------------------------------------------------------------------


def _nice_length(target: float) -> float:
    """Largest 1, 2 or 5 × 10^n not above ``target`` (metres)."""
    if target <= 0:
        return 0.0
    power = 10 ** np.floor(np.log10(target))
    for step in (5, 2, 1):
        if step * power <= target:
            return float(step * power)
    return float(power)


def _scale_bar(ax: Any, language: str) -> None:
    from matplotlib.patches import Rectangle

    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    length = _nice_length((x1 - x0) / 5)
    if length <= 0:
        return
    height = (y1 - y0) * 0.008
    left = x1 - (x1 - x0) * 0.04 - length
    bottom = y0 + (y1 - y0) * 0.04
    for j in range(2):
        ax.add_patch(
            Rectangle(
                (left + j * length / 2, bottom),
                length / 2,
                height,
                facecolor="black" if j == 0 else "white",
                edgecolor="black",
                linewidth=0.6,
                zorder=5,
            )
        )
    text = (
        f"{_number(length / 1000, 0 if length >= 1000 else 1, language)} km"
        if length >= 1000
        else f"{_number(length, 0, language)} m"
    )
    ax.annotate(
        "N",
        xy=(x1 - (x1 - x0) * 0.04, y1 - (y1 - y0) * 0.04),
        xytext=(x1 - (x1 - x0) * 0.04, y1 - (y1 - y0) * 0.12),
        ha="center",
        va="center",
        fontsize=9,
        fontweight="bold",
        arrowprops={"arrowstyle": "-|>", "color": "black", "linewidth": 1.2},
        zorder=5,
    )
    ax.text(
        left + length / 2,
        bottom + height * 1.8,
        text,
        ha="center",
        va="bottom",
        fontsize=8,
        zorder=5,
    )


def static_map(
    areas: Any,
    *,
    indicator: str,
    services: Any = None,
    scheme: str = "quantiles",
    k: int = 5,
    thresholds: Sequence[float] | None = None,
    language: str | None = None,
    title: str | None = None,
    path: str | os.PathLike[str] | None = None,
    figsize: tuple[float, float] = (8.0, 8.0),
    dpi: int = 150,
) -> Any:
    """The choropleth of one indicator as a matplotlib figure (PNG, PDF or SVG for reports).

    Same classes, colours and legend text as the layer of :func:`reach_map` (see
    :func:`classify`), drawn in the areas' own metric CRS, so the scale bar (a nice
    length 1, 2 or 5 × 10ⁿ m close to a fifth of the map width) is exact. Services
    are drawn per kind with marker area ∝ capacity, as on the web map.

    Parameters
    ----------
    areas : geopandas.GeoDataFrame
        Areas in a projected CRS in metres with the indicator column.
    indicator : str
        Column to map (canonical name, units as in :func:`reach_map`).
    services : geopandas.GeoDataFrame, optional
        Points with ``service_kind`` (and ``capacity``) in the same CRS.
    scheme, k, thresholds, language
        As in :func:`reach_map`.
    title : str, optional
        Default: the indicator's label.
    path : str or path-like, optional
        Write the figure here; the format follows the suffix (``.png``, ``.pdf``,
        ``.svg``). Written atomically and without timestamps (same inputs, same bytes).
    figsize : (float, float), default (8, 8)
        Inches.
    dpi : int, default 150
        Pixels per inch for PNG.

    Returns
    -------
    matplotlib.figure.Figure
    """
    problems: list[str] = []
    language = _language(language, problems)
    if _check_frame(areas, "areas", problems, _POLYGONS):
        _check_columns(areas, [indicator], "areas", problems)
    _check_services(services, problems)
    fmt_name = None
    if path is not None:
        fmt_name = Path(path).suffix.lower().lstrip(".")
        if fmt_name not in ("png", "pdf", "svg"):
            problems.append(f"path must end in .png, .pdf or .svg, got {str(path)!r}")
    if problems:
        raise InputError("static_map: " + "; ".join(problems))
    _check_crs(areas=areas, services=services)

    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    values = areas[indicator].to_numpy(dtype=float)
    classes = classify(
        values, column=indicator, scheme=scheme, k=k, thresholds=thresholds, language=language
    )
    fig = Figure(figsize=figsize, dpi=dpi, layout="constrained")
    ax = fig.add_subplot()
    areas.plot(ax=ax, color=classes.colour_of(), edgecolor=_OUTLINE, linewidth=0.4)
    handles: list[Any] = [
        Patch(facecolor=c, edgecolor=_OUTLINE, label=f"{t} ({n})")
        for c, t, n in zip(classes.colours, classes.labels, classes.counts, strict=True)
    ]
    for code, colour, word in (
        (-2, _UNREACHABLE_COLOUR, "unreachable"),
        (-1, _NO_DATA_COLOUR, "no_data"),
    ):
        count = int(np.sum(classes.codes == code))
        if count:
            handles.append(
                Patch(
                    facecolor=colour, edgecolor=_OUTLINE, label=f"{_word(word, language)} ({count})"
                )
            )
    if services is not None and len(services):
        kinds = sorted(pd.unique(services["service_kind"].astype(str)))
        capacity = (
            services["capacity"].to_numpy(dtype=float)
            if "capacity" in services.columns
            else np.full(len(services), np.nan)
        )
        radii, _ = _radii(capacity)
        sizes = (np.asarray(radii) * 0.75 * 2) ** 2  # px radius → pt² marker area
        xy = np.column_stack([services.geometry.x, services.geometry.y])
        kind_of = services["service_kind"].astype(str).to_numpy()
        for kind in kinds:
            sel = kind_of == kind
            colour = _kind_colour(kind, kinds)
            ax.scatter(
                xy[sel, 0],
                xy[sel, 1],
                s=sizes[sel],
                c=colour,
                edgecolors="white",
                linewidths=0.6,
                zorder=4,
            )
            handles.append(
                Line2D(
                    [],
                    [],
                    marker="o",
                    linestyle="",
                    markerfacecolor=colour,
                    markeredgecolor="white",
                    markersize=7,
                    label=_kind_label(kind, language),
                )
            )
    ax.set_aspect("equal")
    ax.set_axis_off()
    ax.set_title(title or schema.label(indicator, language), fontsize=12)
    ax.legend(
        handles=handles,
        title=f"{schema.label(indicator, language)}\n{_scheme_note(classes.scheme, language)}",
        title_fontsize=8,
        fontsize=8,
        loc="upper left",
        bbox_to_anchor=(1.01, 1.0),
        frameon=False,
    )
    _scale_bar(ax, language)
    if path is not None:
        _save_figure(fig, Path(path), fmt_name or "png")
    return fig


def _save_figure(fig: Any, path: Path, fmt: str) -> None:
    import io

    from matplotlib import rc_context

    metadata = {
        "png": {"Software": None},
        "pdf": {"CreationDate": None, "Producer": None},
        "svg": {"Date": None},
    }[fmt]
    buffer = io.BytesIO()
    with rc_context({"svg.hashsalt": "buurtgeo", "pdf.compression": 6}):
        fig.savefig(buffer, format=fmt, metadata=metadata, bbox_inches="tight", pad_inches=0.15)
    write_bytes(path, buffer.getvalue())


# --------------------------------------------------------------------------------------
# Export
# --------------------------------------------------------------------------------------


@functools.cache
def _map_class():
    import folium

    class BuurtMap(folium.Map):
        """A ``folium.Map`` that also displays offline in Jupyter (see :func:`show_map`)."""

        def _repr_html_(self, **kwargs: Any) -> str:
            return show_map(self)._repr_html_()

    return BuurtMap


@dataclass(frozen=True)
class InlineMap:
    """A saved-map page shown in a notebook cell through an ``<iframe srcdoc=…>``."""

    page: str
    height_px: int = 600

    def _repr_html_(self) -> str:
        return (
            f'<iframe srcdoc="{html.escape(self.page, quote=True)}" '
            f'style="width:100%;height:{self.height_px}px;border:1px solid #ddd" '
            'sandbox="allow-scripts allow-popups"></iframe>'
        )


def show_map(m: Any, *, height_px: int = 600) -> InlineMap:
    """Show a map in Jupyter without internet: the self-contained page of :func:`map_html`.

    Folium's own notebook display loads Leaflet from CDNs and stays blank offline; maps
    from :func:`reach_map`, :func:`bivariate_map` and :func:`scenario_map` display
    through this function already, and any other folium map can be passed to it.

    Parameters
    ----------
    m : folium.Map
    height_px : int, default 600
        Height of the frame in the notebook, in CSS pixels.

    Returns
    -------
    InlineMap
        An object Jupyter renders as an ``<iframe>`` holding the whole page.
    """
    return InlineMap(map_html(m), int(height_px))


def map_html(m: Any) -> str:
    """Render a folium map to one self-contained, deterministic HTML page.

    A copy of the map's page is rendered, so the map itself is left as it was and
    rendering again (or after a notebook display) gives the same page. Element ids are
    renumbered in tree order (folium draws random ones), and every remote script and
    stylesheet is replaced by the same file read from an installed ``xstatic`` package
    (see :mod:`buurtgeo._offline`).

    Parameters
    ----------
    m : folium.Map or branca.element.Figure

    Returns
    -------
    str
        HTML text; the same map gives the same text.

    Raises
    ------
    InputError
        When the map loads a web resource that has no installed offline copy.
    """
    import copy

    deterministic_ids(m.get_root())  # ids of the elements the caller made, once
    page = copy.deepcopy(m.get_root())
    page.script._children.clear()  # what earlier renders left there (only render adds)
    deterministic_ids(page)
    return inline_assets(page.render())


def save_map(m: Any, path: str | os.PathLike[str]) -> Path:
    """Write a map as a self-contained HTML file that opens offline by double-click.

    Parameters
    ----------
    m : folium.Map
        E.g. from :func:`reach_map`, :func:`bivariate_map` or :func:`scenario_map`.
    path : str or path-like
        Target ``.html`` file; folders are created. Written atomically (temporary file
        in the same folder, then ``os.replace``), UTF-8.

    Returns
    -------
    pathlib.Path
        The path written.
    """
    path = Path(path)
    if path.suffix.lower() not in (".html", ".htm"):
        raise InputError(
            "a map is saved as an HTML file", path=path, expected="a name ending in .html"
        )
    write_bytes(path, map_html(m).encode("utf-8"))
    return path
