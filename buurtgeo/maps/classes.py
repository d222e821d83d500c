"""Classes for a map: indicator values → classes, with colours, legend labels and a reason.

:func:`classify` puts the finite values of an indicator into classes; NaN is "geen
gegevens" (no data) and ±inf "onbereikbaar" (unreachable). By default (``scheme=
'default'``) the breaks follow what kind of indicator it is, so that a class means the
same on every map and a planner can read it against a norm:

* shares (``share_covered``, ``share_unreachable`` …): fixed policy breaks, 50, 75 and
  90 % where a higher share is better, 10, 25 and 50 % where it is worse;
* distances and times: half the kind's catchment, the catchment itself, 1.5× and 2×;
* places per 100 children (and places per child): half the norm, the norm, 1.5× and 2×;
* anything else: equal intervals with round bounds.

Quantiles, natural breaks (Fisher-Jenks) and equal intervals are there on request
(``scheme=``); only then is mapclassify imported (its import alone takes seconds). A
class of such a scheme whose values spread over more than half of the values' range is
split at round numbers, so "0 – 99,7 %" never paints a quartier where 99 % of the
children are within reach like one where none are. Every :class:`Classes` carries ``note``: the legend's
sentence saying which scheme was used and why.

The colours follow the indicator's direction (dark = worse, see
:mod:`buurtgeo.maps.style`) and the labels its units. Every map of the package, web or
static, classifies through here, so one indicator reads the same everywhere.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from buurtgeo._checks import Checks
from buurtgeo.indicators import get_indicator
from buurtgeo.maps._inputs import _check_k, _check_thresholds, _language
from buurtgeo.maps.style import (
    _NO_DATA_COLOUR,
    _UNREACHABLE_COLOUR,
    _direction,
    _distinct_format,
    _Format,
    _format_for,
    _kind_of,
    _number,
    _trim_zeros,
    _value_text,
    _word,
)

__all__ = ["SCHEMES", "Classes", "classify", "DEFAULT_NORM"]

#: Classification schemes by name → the mapclassify class behind it (None: computed here,
#: without mapclassify). ``default`` chooses by the kind of indicator (module docstring).
SCHEMES: Mapping[str, str | None] = {
    "default": None,
    "quantiles": "Quantiles",
    "natural_breaks": "FisherJenks",
    "fisher_jenks": "FisherJenks",
    "equal_interval": "EqualInterval",
    "thresholds": None,
}

#: The norm of places per 100 children when none is given (as :func:`buurtgeo.gaps`).
DEFAULT_NORM = 33.0

# Fixed breaks of shares (0-1), by which way is worse.
_SHARE_BREAKS = {
    "better": (0.5, 0.75, 0.9),
    "worse": (0.1, 0.25, 0.5),
    "neutral": (0.25, 0.5, 0.75),
}
# Multiples of the catchment or the norm that become breaks.
_MULTIPLES = (0.5, 1.0, 1.5, 2.0)
# A class of a data-driven scheme may span at most this share of the values' range.
_MAX_SPAN = 0.5

_NOTES: dict[str, tuple[str, str]] = {
    "share": (
        "Vaste grenzen {b}: dezelfde klassen op elke kaart",
        "Fixed breaks {b}: the same classes on every map",
    ),
    "distance": (
        "Grenzen rond het bereik van {r}: de helft, het bereik zelf, 1,5× en 2×",
        "Breaks around the catchment of {r}: half, the catchment itself, 1.5× and 2×",
    ),
    "per_100": (
        "Grenzen rond de norm van {n} plaatsen per 100 kinderen: de helft, de norm, 1,5× en 2×",
        "Breaks around the norm of {n} places per 100 children: half, the norm, 1.5× and 2×",
    ),
    "pretty": (
        "Gelijke intervallen met ronde grenzen (geen norm voor deze indicator)",
        "Equal intervals with round bounds (no norm for this indicator)",
    ),
    "quantiles": (
        "Kwantielen (gevraagd): elke klasse ongeveer even veel gebieden",
        "Quantiles (as asked): about as many areas in each class",
    ),
    "natural_breaks": (
        "Natuurlijke grenzen (Fisher-Jenks, gevraagd): klassen rond groepen van waarden",
        "Natural breaks (Fisher-Jenks, as asked): classes around groups of values",
    ),
    "equal_interval": (
        "Gelijke intervallen (gevraagd)",
        "Equal intervals (as asked)",
    ),
    "thresholds": ("Vaste grenzen (opgegeven)", "Fixed breaks (as given)"),
    "split": (
        "; een klasse die meer dan de helft van de schaal besloeg is gesplitst",
        "; a class spanning more than half of the scale was split",
    ),
}


def _note(key: str, language: str, **values: str) -> str:
    nl, en = _NOTES[key]
    return (en if language == "en" else nl).format(**values)


def _scheme_note(scheme: str, language: str) -> str:
    """The legend's sentence for a scheme named on its own (without its breaks)."""
    key = "natural_breaks" if scheme == "fisher_jenks" else scheme
    if key == "default":
        key = "pretty"
    return _note(key, language, b="", r="", n="")


@dataclass(frozen=True)
class Classes:
    """Result of :func:`classify`.

    Attributes
    ----------
    codes : numpy.ndarray of int
        Class per row: ``0 … n_classes - 1``; ``-1`` no data (NaN); ``-2`` unreachable (±inf).
    bins : numpy.ndarray of float
        Upper bound of each class (inclusive), in the indicator's units; the last is
        ``inf`` for an open-ended last class.
    lower : float
        Lower bound of the first class (the smallest finite value, 0 for shares, or
        ``-inf`` for an open first class).
    colours : tuple of str
        ``#rrggbb`` per class.
    labels : tuple of str
        Legend text per class, e.g. ``'500 – 800 m'``.
    counts : tuple of int
        Rows per class.
    scheme : str
        The scheme used (``'default'`` when the kind of indicator chose the breaks).
    note : str
        Which scheme and why, for the legend, e.g. "Grenzen rond het bereik van
        1.000 m: de helft, het bereik zelf, 1,5× en 2×".
    """

    codes: np.ndarray
    bins: np.ndarray
    lower: float
    colours: tuple[str, ...]
    labels: tuple[str, ...]
    counts: tuple[int, ...]
    scheme: str
    note: str = ""

    def colour_of(self) -> list[str]:
        """Colour per row (no data and unreachable included)."""
        table = np.array([*self.colours, _UNREACHABLE_COLOUR, _NO_DATA_COLOUR], dtype=object)
        return [str(c) for c in table[self.codes]]  # index -2 → unreachable, -1 → no data


#: Entries of the colour ramp a class colour is picked from, as in matplotlib's
#: registered colormaps (``LinearSegmentedColormap.from_list(name, colours, 256)``).
_RAMP_SIZE = 256


def _ramp(name: str) -> np.ndarray:
    """The 256 × 3 RGB table (0..1) of ColorBrewer's 9-class ``name`` interpolated
    linearly between evenly spaced stops: matplotlib's colormap of that name, made
    without importing matplotlib (0.1 s of every run; ``tests/test_maps_classes.py``
    compares every palette with matplotlib's)."""
    from branca.utilities import color_brewer

    stops = np.array(
        [[int(h[i : i + 2], 16) / 255 for i in (1, 3, 5)] for h in color_brewer(name, 9)]
    )
    x = np.linspace(0, 1, len(stops))
    # matplotlib.colors._create_lookup_table, term by term (the same floating-point steps)
    xind = np.linspace(0, 1, _RAMP_SIZE)
    ind = np.searchsorted(x, xind)[1:-1]
    distance = (xind[1:-1] - x[ind - 1]) / (x[ind] - x[ind - 1])
    table = distance[:, None] * (stops[ind] - stops[ind - 1]) + stops[ind - 1]
    return np.clip(np.vstack([stops[:1], table, stops[-1:]]), 0.0, 1.0)


def _palette(n: int, direction: str) -> tuple[str, ...]:
    if n <= 0:
        return ()
    ramp = _ramp("Blues" if direction == "neutral" else "YlOrRd")
    stops = np.linspace(0.15, 0.9, n) if n > 1 else np.array([0.55])
    at = np.clip((stops * _RAMP_SIZE).astype(int), 0, _RAMP_SIZE - 1)  # as Colormap.__call__
    colours = ["#" + "".join(format(round(float(v) * 255), "02x") for v in ramp[i]) for i in at]
    if direction == "better":  # low values are the problem: make them dark
        colours.reverse()
    return tuple(colours)


# --------------------------------------------------------------------------------------
# Breaks
# --------------------------------------------------------------------------------------


def _nice_step(span: float, k: int) -> float:
    """A round step (1, 2, 2.5 or 5 × 10^n) giving about ``k`` intervals over ``span``."""
    raw = span / max(k, 1)
    power = 10.0 ** np.floor(np.log10(raw))
    for m in (1.0, 2.0, 2.5, 5.0, 10.0):
        if m * power >= raw:
            return float(m * power)
    return float(10 * power)  # pragma: no cover - the loop always returns


def _pretty(lo: float, hi: float, k: int) -> tuple[np.ndarray, float]:
    """Equal intervals with round bounds covering [lo, hi]: (upper bounds, lower bound)."""
    step = _nice_step(hi - lo, k)
    start = np.floor(lo / step) * step
    n = int(np.ceil((hi - start) / step - 1e-9))
    bins = start + step * np.arange(1, max(n, 1) + 1)
    return np.round(bins, 10), float(np.round(start, 10))


def _policy_kind(column: str) -> str:
    """What kind of indicator ``column`` is: 'share', 'distance', 'time', 'per_100',
    'per_child' or 'other' (from its registry entry)."""
    base = column.partition("__")[0]
    entry = get_indicator(column)
    if base.startswith("places_per_100"):
        return "per_100"
    if base == "fca2":
        return "per_child"
    if entry is None:
        return "other"
    if entry.unit == " %" and entry.scale == 100.0:
        return "share"
    if entry.unit == " m":
        return "distance"
    if entry.unit == " min":
        return "time"
    return "other"


def _catchment_for(column: str, catchment_m: float | Mapping[str, float] | None) -> float | None:
    """The catchment (metres) of the column's kind: given, else the kind's default."""
    from buurtgeo.schema import service_kinds

    kind = _kind_of(column)
    if catchment_m is not None and not isinstance(catchment_m, Mapping):
        return float(catchment_m)
    if kind is None:
        return None
    if isinstance(catchment_m, Mapping) and kind in catchment_m:
        return float(catchment_m[kind])
    known = service_kinds()
    return float(known[kind].catchment_m) if kind in known else None


def _round_break(x: float) -> float:
    """A multiple of the norm or the catchment, rounded to 2 significant digits."""
    if x == 0:
        return 0.0
    digits = 1 - int(np.floor(np.log10(abs(x))))
    return float(round(x, digits))


def _default_breaks(
    column: str,
    yf: np.ndarray,
    k: int,
    language: str,
    catchment_m: float | Mapping[str, float] | None,
    norm: float | None,
) -> tuple[np.ndarray, float, str]:
    """Upper bounds, the lower bound and the legend note of the default scheme."""
    kind = _policy_kind(column)
    direction = _direction(column)
    fmt = _format_for(column, yf)
    if kind == "share":
        breaks = np.array([*_SHARE_BREAKS[direction], 1.0])
        if yf.size and yf.max() > 1.0:  # a share above 100 %: keep the data in a class
            breaks = np.append(breaks[:-1], np.inf)
        texts = [_number(b * fmt.scale, 0, language) for b in breaks[:3]]
        listed = f"{texts[0]}, {texts[1]} {'and' if language == 'en' else 'en'} {texts[2]} %"
        return breaks, 0.0, _note("share", language, b=listed)
    if kind in ("distance", "time"):
        radius = _catchment_for(column, catchment_m)
        if radius is not None:
            scale = 1.0
            if kind == "time":
                from buurtgeo.options import get_option

                scale = 60.0 / (1000.0 * float(get_option("walk_speed_kmh")))  # m → min
            ref = radius * scale
            bins = np.array([_round_break(m * ref) if m != 1.0 else ref for m in _MULTIPLES])
            bins = np.append(bins, np.inf)
            text = _value_text(ref, _Format(1 if kind == "time" else 0, fmt.unit), language)
            if kind == "time":
                text = _trim_zeros(text, 0, language)
            return bins, -np.inf, _note("distance", language, r=text)
    if kind in ("per_100", "per_child"):
        n = DEFAULT_NORM if norm is None else float(norm)
        ref = n if kind == "per_100" else n / 100.0
        bins = np.array([_round_break(m * ref) if m != 1.0 else ref for m in _MULTIPLES])
        bins = np.append(bins, np.inf)
        return (
            bins,
            -np.inf,
            _note("per_100", language, n=_trim_zeros(_number(n, 1, language), 0, language)),
        )
    if yf.size == 0 or float(yf.min()) == float(yf.max()):
        return np.unique(yf), float(yf.min()) if yf.size else np.nan, _note("pretty", language)
    bins, lower = _pretty(float(yf.min()), float(yf.max()), k)
    return bins, lower, _note("pretty", language)


def _split_wide(bins: np.ndarray, lower: float, yf: np.ndarray) -> tuple[np.ndarray, bool]:
    """Split every class whose values spread over more than half of the range of ``yf``.

    A class's spread is max − min of the values in it; new bounds are round numbers
    (steps of 1, 2, 2.5 or 5 × 10^n, at most a quarter of the range) between them, so
    that "0 – 99,7 %" holding 0 % and 99 % becomes several classes, while a class of
    natural breaks that holds one tight group stays as it is.
    """
    lo, hi = float(yf.min()), float(yf.max())
    span = hi - lo
    if span <= 0:
        return bins, False
    code = np.minimum(np.searchsorted(bins, yf, side="left"), len(bins) - 1)
    step = _nice_step(span, 4)
    out: list[float] = []
    split = False
    for j, b in enumerate(bins):
        inside = yf[code == j]
        if inside.size and float(inside.max() - inside.min()) > _MAX_SPAN * span + 1e-12:
            a = lower if j == 0 else bins[j - 1]
            first = np.floor(float(inside.min()) / step) * step + step
            inner = np.arange(first, float(inside.max()), step)
            inner = inner[(inner > a) & (inner < b)]
            out.extend(float(x) for x in np.round(inner, 10))
            split = split or inner.size > 0
        out.append(float(b))
    return np.asarray(out, dtype=float), split


def _mapclassify_breaks(yf: np.ndarray, scheme: str, k: int) -> np.ndarray:
    """Upper bounds from mapclassify (imported here only: it takes seconds to import)."""
    import mapclassify

    n_unique = np.unique(yf).size
    if n_unique == 1:
        return np.array([yf[0]])
    kk = int(min(k, n_unique))
    with warnings.catch_warnings():
        # ties: mapclassify lowers k itself and says so; the legend shows the classes
        warnings.filterwarnings("ignore", message="Not enough unique values")
        classifier = getattr(mapclassify, str(SCHEMES[scheme]))(yf, k=kk)
    # drop empty duplicate bounds (ties at quantiles)
    return np.unique(np.asarray(classifier.bins, dtype=float))


# --------------------------------------------------------------------------------------
# classify
# --------------------------------------------------------------------------------------


def _check_classify(
    column: str, scheme: str, k: int, thresholds: Sequence[float] | None, language: str | None
) -> tuple[str, str]:
    """The check step of :func:`classify`; returns the language and the scheme used."""
    checks = Checks(f"cannot classify {column!r}")
    language = _language(language, checks)
    if thresholds is not None:
        scheme = "thresholds"
        problem = _check_thresholds(thresholds)
        if problem:
            checks.add(problem)
    elif scheme == "thresholds":
        checks.add("scheme 'thresholds' needs thresholds=[…]")
    if scheme not in SCHEMES:
        checks.add(f"unknown scheme {scheme!r}; known: {', '.join(SCHEMES)}")
    _check_k(k, checks)
    checks.raise_if_any()
    return language, scheme


def classify(
    values: Any,
    *,
    column: str,
    scheme: str = "default",
    k: int = 5,
    thresholds: Sequence[float] | None = None,
    language: str | None = None,
    catchment_m: float | Mapping[str, float] | None = None,
    norm: float | None = None,
) -> Classes:
    """Put indicator values into classes for a map, with colours, legend labels and a note.

    Classes are right-closed: y goes to the first class whose upper bound b_j satisfies
    y ≤ b_j (class j holds b_{j−1} < y ≤ b_j). Only finite values are classified; NaN
    is "geen gegevens" (no data) and ±inf is "onbereikbaar" (unreachable).

    ``scheme='default'`` chooses the breaks by the kind of indicator (its registry
    entry, :mod:`buurtgeo.indicators`):

    * a share 0-1 shown as %: 0.5, 0.75, 0.9 (and 1) where higher is better,
      0.1, 0.25, 0.5 (and 1) where higher is worse, quartiles of the scale otherwise;
    * a distance (m) or time (min): R/2, R, 1.5 R, 2 R with R the kind's catchment
      (``catchment_m``, else :attr:`buurtgeo.ServiceKind.catchment_m`; minutes at the
      ``walk_speed_kmh`` option), the last class open;
    * places per 100 children: N/2, N, 1.5 N, 2 N with N the ``norm`` (default 33),
      and places per child (``fca2``) the same divided by 100;
    * anything else: equal intervals with round bounds (steps of 1, 2, 2.5 or 5 × 10ⁿ)
      from below the minimum to above the maximum, about ``k`` classes.

    On request: ``quantiles`` (mapclassify ``Quantiles``: upper bounds at the ``j/k``
    quantiles), ``natural_breaks`` (``FisherJenks``: bounds minimising
    Σ_c Σ_{i∈c} (y_i − ȳ_c)²), ``equal_interval`` (min + j·(max − min)/k) and fixed
    ``thresholds`` t_1 < … < t_m (t_0 = −∞, t_{m+1} = +∞). A class of quantiles,
    natural breaks or equal intervals whose values spread over more than half of
    max − min is split at round numbers (never one class for most of the scale). When there are fewer distinct
    values than ``k``, the number of classes drops to the number of distinct values.

    Parameters
    ----------
    values : array-like of float
        The indicator, in its own units (metres, minutes, places per child, a share 0-1).
    column : str
        Canonical indicator name, e.g. ``'dist_nearest_m__childcare_baby'``; it sets the
        units and number format of the labels, the colour direction (dark = worse), the
        kind of default breaks and (after ``__``) the service kind.
    scheme : {'default', 'quantiles', 'natural_breaks', 'equal_interval', 'thresholds'}
    k : int, default 5
        Number of classes of the data-driven schemes (2-9).
    thresholds : sequence of float, optional
        Fixed class bounds in the indicator's units; when given they are used whatever
        ``scheme`` says.
    language : {'nl', 'en'}, optional
    catchment_m : float or mapping kind → float, optional
        Catchment in metres of distance and time indicators (default breaks).
    norm : float, optional
        Places per 100 children that count as enough (default breaks; default 33).

    Returns
    -------
    Classes
    """
    language, scheme = _check_classify(column, scheme, k, thresholds, language)
    y = np.asarray(values, dtype=float)
    finite = np.isfinite(y)
    codes = np.full(y.shape, -1, dtype=int)
    codes[np.isinf(y)] = -2
    yf = y[finite]
    fmt = _format_for(column, y)

    split = False
    if scheme == "thresholds":
        bins = np.append(np.asarray(thresholds, dtype=float), np.inf)
        lower = -np.inf
        note = _note("thresholds", language)
    elif scheme == "default":
        bins, lower, note = _default_breaks(column, yf, k, language, catchment_m, norm)
    elif yf.size == 0:
        bins, lower, note = np.array([]), np.nan, _scheme_note(scheme, language)
    else:
        bins = _mapclassify_breaks(yf, scheme, k)
        lower = float(yf.min())
        bins, split = _split_wide(bins, lower, yf)
        note = _scheme_note(scheme, language) + (_note("split", language) if split else "")
    if yf.size:
        codes[finite] = np.minimum(np.searchsorted(bins, yf, side="left"), len(bins) - 1)
    return _finish(codes, bins, lower, yf, column, fmt, scheme, note, language)


def _finish(
    codes: np.ndarray,
    bins: np.ndarray,
    lower: float,
    yf: np.ndarray,
    column: str,
    fmt: _Format,
    scheme: str,
    note: str,
    language: str,
) -> Classes:
    """Counts, colours and legend labels of the classes."""
    n = len(bins)
    counts = tuple(int(c) for c in np.bincount(codes[codes >= 0], minlength=n)[:n])
    fixed = scheme in ("thresholds", "default")
    shown = _distinct_format(fmt, [lower, *bins])
    finite_codes = codes[codes >= 0] if yf.size else codes[:0]
    labels = []
    for j in range(n):
        lo = lower if j == 0 else bins[j - 1]
        hi = bins[j]
        in_class = yf[finite_codes == j] if not fixed and yf.size else yf[:0]
        if in_class.size > 1 and np.all(in_class == hi):
            lo = hi  # ties: every value of the class is its upper bound (e.g. all 100 %)
        if np.isinf(lo) and np.isinf(hi):
            text = _word("no_data", language)
        elif np.isinf(lo):
            text = f"{_word('up_to', language)} {_value_text(hi, shown, language)}"
        elif np.isinf(hi):
            text = f"{_word('more_than', language)} {_value_text(lo, shown, language)}"
        elif lo == hi:
            text = _value_text(hi, shown, language)
        else:
            a = _number(lo * shown.scale, shown.decimals, language)
            text = f"{a} – {_value_text(hi, shown, language)}"
        labels.append(text)
    if shown.decimals > fmt.decimals:  # extra decimals only where a bound needs them
        labels = [_trim_zeros(text, fmt.decimals, language) for text in labels]
    if fixed:  # round policy bounds: "33" rather than "33,0"
        labels = [_trim_zeros(text, 0, language) for text in labels]
    return Classes(
        codes=codes,
        bins=bins,
        lower=lower,
        colours=_palette(n, _direction(column)),
        labels=tuple(labels),
        counts=counts,
        scheme=scheme,
        note=note,
    )
