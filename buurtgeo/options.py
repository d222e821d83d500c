"""Validated settings with a context manager (after xarray's ``set_options``).

There is one source of truth, a private dictionary changed only through
:func:`set_options`, which validates every value first. A ``with
bg.set_options(...)`` block restores the previous values when it ends::

    import buurtgeo as bg
    bg.get_option("language")            # 'nl'
    with bg.set_options(language="en", working_crs="EPSG:31370"):
        ...
    bg.set_options(progress=False)       # without ``with``: for the rest of the session
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any

from buurtgeo.errors import ConfigError

__all__ = ["get_option", "set_options", "options_snapshot", "OPTION_DOCS"]


def _is_language(value: Any) -> bool:
    return value in ("nl", "en")


def _is_crs(value: Any) -> bool:
    from pyproj import CRS
    from pyproj.exceptions import CRSError as _PyprojCRSError

    try:
        crs = CRS.from_user_input(value)
    except _PyprojCRSError:
        return False
    return crs.is_projected and crs.axis_info[0].unit_name in ("metre", "meter")


def _is_positive(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and value > 0


def _is_progress(value: Any) -> bool:
    return value is None or isinstance(value, bool)


_DEFAULTS: dict[str, Any] = {
    "working_crs": "EPSG:3812",
    "language": "nl",
    "progress": None,
    "walk_speed_kmh": 4.8,
    "bike_speed_kmh": 15.0,
    "decimal": None,
}

_VALIDATORS: dict[str, tuple[Callable[[Any], bool], str]] = {
    "working_crs": (_is_crs, "a projected CRS in metres, e.g. 'EPSG:3812' or 'EPSG:31370'"),
    "language": (_is_language, "'nl' or 'en'"),
    "progress": (_is_progress, "True, False or None (None: only when writing to a terminal)"),
    "walk_speed_kmh": (_is_positive, "a positive number of km/h"),
    "bike_speed_kmh": (_is_positive, "a positive number of km/h"),
    "decimal": (lambda v: v in (None, ",", "."), "None (decided per column), ',' or '.'"),
}

OPTION_DOCS: Mapping[str, str] = MappingProxyType(
    {
        "working_crs": "CRS every loader reprojects to (metric). Default Belgian Lambert 2008, EPSG:3812.",
        "language": "Language of labels shown to people: 'nl' (default) or 'en'.",
        "progress": "Show progress bars: True, False, or None for 'only on a terminal'.",
        "walk_speed_kmh": "Walking speed that turns metres into minutes (4.8 km/h: 15 min ≈ 1.2 km).",
        "bike_speed_kmh": "Cycling speed (15 km/h: 15 min ≈ 3.75 km).",
        "decimal": "Decimal separator of the numbers in input tables: None (default: decided"
        " per column; a number that reads two ways, such as '1.000', is an error or a"
        " warning naming the column), ',' or '.'.",
    }
)

_OPTIONS: dict[str, Any] = dict(_DEFAULTS)


def get_option(name: str) -> Any:
    """Return the current value of one setting.

    Parameters
    ----------
    name : str
        One of ``working_crs``, ``language``, ``progress``, ``walk_speed_kmh``,
        ``bike_speed_kmh``.

    Returns
    -------
    object
        The value in force in this context.
    """
    values = _OPTIONS
    if name not in values:
        raise ConfigError(
            f"unknown option {name!r}", hint=f"Known options: {', '.join(sorted(values))}"
        )
    return values[name]


def options_snapshot() -> dict[str, Any]:
    """Return a copy of every setting in force, e.g. to record it next to outputs."""
    return dict(_OPTIONS)


class _OptionsToken:
    """Returned by :func:`set_options`; restores the old settings when used with ``with``."""

    def __init__(self, previous: dict[str, Any]) -> None:
        self._previous = previous

    def __enter__(self) -> _OptionsToken:
        return self

    def __exit__(self, *exc: object) -> None:
        _OPTIONS.update(self._previous)


def set_options(**kwargs: Any) -> _OptionsToken:
    """Change settings, for a ``with`` block or for the rest of the session.

    Every value is checked first and all problems are reported at once; nothing is
    changed when one value is wrong.

    Parameters
    ----------
    **kwargs
        Option names and new values (see :data:`OPTION_DOCS`).

    Returns
    -------
    context manager
        Use with ``with`` to restore the previous settings at the end of the block.

    Raises
    ------
    ConfigError
        When a name is unknown or a value is not valid.
    """
    problems = []
    for key, value in kwargs.items():
        if key not in _VALIDATORS:
            problems.append(f"unknown option {key!r} (known: {', '.join(sorted(_VALIDATORS))})")
            continue
        check, expected = _VALIDATORS[key]
        if not check(value):
            problems.append(f"option {key!r} must be {expected}, got {value!r}")
    if problems:
        raise ConfigError("; ".join(problems))
    previous = {key: _OPTIONS[key] for key in kwargs}
    _OPTIONS.update(kwargs)
    return _OptionsToken(previous)
