"""How the maps draw and write things: indicator styles, numbers, words, colours, sizes.

* Indicator styles: which way an indicator is bad (drawn dark) and how its values are
  written (unit, decimals, scale), looked up by the indicator's name; extended with
  :func:`register_indicator`.
* Value text: numbers in Dutch or English notation with their unit, "onbereikbaar"
  (unreachable) for ``inf`` and "geen gegevens" (no data) for NaN.
* The words shown to people (nl, en), the colours of missing values and of service
  kinds, and the size of a service marker (area ∝ capacity).

Every map of :mod:`buurtgeo.maps`, interactive or static, reads them from here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from buurtgeo import schema
from buurtgeo.errors import InputError

__all__ = ["register_indicator"]


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


# --------------------------------------------------------------------------------------
# Numbers and words
# --------------------------------------------------------------------------------------


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


def _word(key: str, language: str) -> str:
    nl, en = _WORDS[key]
    return en if language == "en" else nl


# --------------------------------------------------------------------------------------
# Colours and sizes
# --------------------------------------------------------------------------------------


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

_MAX_RADIUS_PX = 14.0
_MIN_RADIUS_PX = 3.0
_UNKNOWN_RADIUS_PX = 5.0


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
