"""How the maps draw and write things: indicator styles, numbers, words, colours, sizes.

* Indicator styles: which way an indicator is bad (drawn dark) and how its values are
  written (unit, decimals, scale), from the indicator registry
  (:mod:`buurtgeo.indicators`; extend it with :func:`buurtgeo.register_indicator`).
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
from buurtgeo.indicators import WORDS as INDICATOR_WORDS
from buurtgeo.indicators import format_number, get_indicator, worse

__all__ = ["nice_length"]


# --------------------------------------------------------------------------------------
# Indicators: direction, number format
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Format:
    decimals: int
    unit: str = ""
    scale: float = 1.0


def _kind_of(column: str) -> str | None:
    """The service kind of a wide indicator name ``'<indicator>__<kind>'``, else None."""
    kind = column.partition("__")[2]
    return kind or None


def _direction(column: str) -> str:
    """'worse' when a higher value is worse (distances), 'better', or 'neutral'."""
    return {"higher": "worse", "lower": "better"}.get(worse(column) or "", "neutral")


def _format_for(column: str, values: np.ndarray | None = None) -> _Format:
    """How values of ``column`` are written: the registry's decimals, unit and scale.

    An indicator registered without decimals (or not registered) gets them from the
    values: 0 for whole numbers, else 2, 1 or 0 below 10, below 100, from 100.
    """
    entry = get_indicator(column)
    unit, scale = (entry.unit, entry.scale) if entry is not None else ("", 1.0)
    if entry is not None and entry.decimals is not None:
        return _Format(entry.decimals, unit, scale)
    if values is not None:
        finite = values[np.isfinite(values)]
        if finite.size and np.all(finite == np.round(finite)):
            return _Format(0, unit, scale)
        big = float(np.nanmax(np.abs(finite))) if finite.size else 0.0
        return _Format(0 if big >= 100 else 1 if big >= 10 else 2, unit, scale)
    return _Format(2, unit, scale)


# --------------------------------------------------------------------------------------
# Numbers and words
# --------------------------------------------------------------------------------------


def _number(x: float, decimals: int, language: str) -> str:
    return format_number(x, decimals, language)


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
    **INDICATOR_WORDS,
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
    "straight_any": ("Bereik in vogelvlucht", "Reach as the crow flies"),
    "walk_area": ("Bereik te voet", "Walking reach"),
    "over_streets": ("binnen {d} over de straten", "within {d} along the streets"),
    "map": ("Kaart", "Map"),
    "own_basemap": ("Achtergrond", "Background"),
    "base_park": ("parken", "parks"),
    "base_water": ("water", "water"),
    "base_waterway": ("water", "water"),
    "base_sector": ("sectoren", "sectors"),
    "base_municipality": ("gemeenten", "municipalities"),
    "base_street": ("straten", "streets"),
    "base_railway": ("spoor", "railways"),
    "neighbours": ("Namen van de gemeenten", "Municipality names"),
    "sites": ("Voorgestelde locaties", "Suggested sites"),
    "sites_note": (
        "genummerd in de volgorde waarin ze het meeste kinderen buiten bereik toevoegen",
        "numbered in the order in which they add the most children out of reach",
    ),
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
    "closed_services": ("Gesloten voorzieningen", "Closed services"),
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
#: Areas whose value small-number suppression hid (between no data and unreachable).
_SUPPRESSED_COLOUR = "#a6a6a6"
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
    return known[kind].label(language=language) if kind in known else str(kind)


def _radii(
    capacity: np.ndarray, capacity_max: float | None = None
) -> tuple[list[float], list[bool]]:
    """Marker radius in px: r = max(3, 14·√(c / c_max)); unknown capacity → 5 px, hollow.

    ``c_max`` is the largest capacity given, or ``capacity_max`` (so that several layers,
    e.g. a scenario's new services, share one scale).
    """
    cap = np.asarray(capacity, dtype=float)
    known = np.isfinite(cap) & (cap >= 0)
    cmax = float(cap[known].max()) if known.any() else 0.0
    if capacity_max is not None:
        cmax = max(cmax, float(capacity_max))
    r = np.full(cap.shape, _UNKNOWN_RADIUS_PX)
    if cmax > 0:
        r[known] = np.maximum(_MIN_RADIUS_PX, _MAX_RADIUS_PX * np.sqrt(cap[known] / cmax))
    else:
        r[known] = _MIN_RADIUS_PX
    return [round(float(x), 2) for x in r], [bool(x) for x in ~known]


def nice_length(target: float) -> float:
    """The length of a scale bar: the largest 1, 2 or 5 × 10^n metres not above ``target``.

    Every map (static figures, the fact sheets' small maps) draws its scale bar with it,
    so the same extent gives the same bar.
    """
    if not target > 0:
        return 0.0
    power = 10 ** np.floor(np.log10(target))
    for step in (5, 2, 1):
        if step * power <= target:
            return float(step * power)
    return float(power)
