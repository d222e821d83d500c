"""Classes for a map: indicator values → classes, with colours and legend labels.

:func:`classify` runs one of the schemes of :data:`SCHEMES` (from mapclassify) on the
finite values; NaN is "geen gegevens" (no data) and ±inf "onbereikbaar"
(unreachable). The colours follow the indicator's direction (dark = worse, see
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
from buurtgeo.maps._inputs import _check_k, _check_thresholds, _language
from buurtgeo.maps.style import (
    _NO_DATA_COLOUR,
    _UNREACHABLE_COLOUR,
    _direction,
    _distinct_format,
    _format_for,
    _number,
    _trim_zeros,
    _value_text,
    _word,
)

__all__ = ["SCHEMES", "Classes", "classify"]

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


def _scheme_note(scheme: str, language: str) -> str:
    nl, en = _SCHEME_TEXT[scheme]
    return (en if language == "en" else nl).capitalize()


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
