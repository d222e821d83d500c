"""The options every network measure shares: how points join the street, points far from
every street, catchments given in minutes.

* ``snap``: ``'edge'`` (default: the closest point of the nearest street, see
  :meth:`buurtgeo.Network.snap_edges`) or ``'node'`` (the nearest node, as before);
* ``max_snap_m`` (default 250 m) and ``far``: a point farther than ``max_snap_m`` from
  every street is named in a warning (``'warn'``, default), also left unreachable
  (``'unreachable'``: it reaches nothing and nothing reaches it), or refused
  (``'error'``);
* ``catchment_min``: a catchment in minutes, turned into metres at the mode's speed,
  ``R = catchment_min * speed_kmh * 1000 / 60`` (walking 4.8 km/h, cycling 15 km/h by
  default: the ``walk_speed_kmh`` and ``bike_speed_kmh`` options).

:func:`buurtgeo.reach`, :func:`buurtgeo.reach_all`, :class:`buurtgeo.Scenario` and
:func:`buurtgeo.suggest_sites` check and apply them here, the same way.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from buurtgeo._checks import Checks, shown
from buurtgeo.errors import InputError, InputWarning
from buurtgeo.indicators import format_number

SNAPS: tuple[str, ...] = ("edge", "node")
FAR: tuple[str, ...] = ("warn", "unreachable", "error")
#: Points farther than this from every street are named (metres).
MAX_SNAP_M = 250.0


class _Default(float):
    """A default value that remembers it was not given (equal to the number it holds)."""

    def __repr__(self) -> str:
        return repr(float(self))


#: ``reach(catchment_m=...)``'s default, 1000 m: it gives way to ``catchment_min``.
DEFAULT_CATCHMENT_M = _Default(1000.0)


def given(value: Any) -> bool:
    """Whether a catchment was given (not left at its default, not None)."""
    return value is not None and not isinstance(value, _Default)


def check_snap(checks: Checks, snap: Any, max_snap_m: Any, far: Any) -> None:
    """Record the problems with ``snap``, ``max_snap_m`` and ``far``."""
    if snap not in SNAPS:
        checks.add(f"snap must be 'edge' or 'node', got {snap!r}")
    if (
        isinstance(max_snap_m, bool)
        or not isinstance(max_snap_m, int | float | np.integer | np.floating)
        or not math.isfinite(float(max_snap_m))
        or max_snap_m < 0
    ):
        checks.add(f"max_snap_m must be a number of metres >= 0, got {max_snap_m!r}")
    if far not in FAR:
        checks.add(f"far must be 'warn', 'unreachable' or 'error', got {far!r}")


def cut_m(max_snap_m: float, far: str) -> float | None:
    """The offset beyond which a point is left unjoined (``far='unreachable'`` only)."""
    return float(max_snap_m) if far == "unreachable" else None


def metres_per_minute(speed_kmh: float) -> float:
    """``speed_kmh * 1000 / 60``: metres per minute."""
    return float(speed_kmh) * 1000.0 / 60.0


def check_minutes(
    checks: Checks, catchment_m: Any, catchment_min: Any, *, name: str = "catchment"
) -> None:
    """Record the problems with a catchment in minutes (a number or a table per kind),
    and with one given in both metres and minutes."""
    if catchment_min is None:
        return
    if isinstance(catchment_min, Mapping):
        for k, v in catchment_min.items():
            _minutes(checks, v, f"{name}_min[{k!r}]")
        if isinstance(catchment_m, Mapping):
            both = sorted(set(catchment_m) & set(catchment_min), key=str)
            if both:
                checks.add(f"give {name}_m or {name}_min for a kind, not both: {both}")
        elif given(catchment_m):
            checks.add(f"give {name}_m or {name}_min, not both")
        return
    _minutes(checks, catchment_min, f"{name}_min")
    if given(catchment_m):
        checks.add(f"give {name}_m or {name}_min, not both")


def radius_m(catchment_m: Any, catchment_min: float | None, speed_kmh: float) -> float:
    """The catchment in metres: ``catchment_min`` minutes at ``speed_kmh``, else
    ``catchment_m``."""
    if catchment_min is not None:
        return float(catchment_min) * metres_per_minute(speed_kmh)
    return float(catchment_m)


def _rows(index: pd.Index, mask: np.ndarray) -> str:
    return shown(index[mask].tolist())


def _minutes(checks: Checks, value: Any, name: str) -> None:
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float | np.integer | np.floating)
        or not (math.isfinite(float(value)) and value > 0)
    ):
        checks.add(f"{name} must be a finite number of minutes > 0, got {value!r}")


def report_far(
    what: str,
    origins_snap: np.ndarray | None,
    services_snap: np.ndarray | None,
    services_index: pd.Index | None,
    *,
    max_snap_m: float,
    far: str,
    names: tuple[str, str] = ("origin(s)", "service row(s)"),
) -> dict[str, int]:
    """Name the origins and service rows farther than ``max_snap_m`` from every street.

    A warning (``far='warn'`` or ``'unreachable'``) or an :class:`InputError`
    (``'error'``) says how many origins and which service rows; returns the counts
    (``origins_far``, ``services_far``) for the result's ``attrs``."""
    o_far = np.zeros(0, bool) if origins_snap is None else origins_snap > max_snap_m
    s_far = np.zeros(0, bool) if services_snap is None else services_snap > max_snap_m
    counts = {"origins_far": int(o_far.sum()), "services_far": int(s_far.sum())}
    if not (o_far.any() or s_far.any()):
        return counts
    parts, nl = [], []
    if o_far.any():
        assert origins_snap is not None
        farthest = float(origins_snap[o_far].max())
        parts.append(f"{int(o_far.sum()):,} {names[0]} (up to {farthest:,.0f} m)")
        nl.append(
            f"{format_number(int(o_far.sum()), 0, 'nl')} herkomstpunt(en)"
            f" (tot {format_number(farthest, 0, 'nl')} m)"
        )
    if s_far.any() and services_index is not None:
        assert services_snap is not None
        parts.append(f"the {names[1]} {_rows(services_index, s_far)}")
        nl.append(f"de voorziening(en) {_rows(services_index, s_far)}")
    text = f"{what}: {' and '.join(parts)} lie farther than {max_snap_m:g} m from any street"
    text_nl = (
        f"{what}: {' en '.join(nl)} liggen verder dan {format_number(max_snap_m, 0, 'nl')} m"
        " van elke straat"
    )
    if far == "error":
        raise InputError(
            text,
            column="geometry",
            hint="Check their coordinates, or pass far='warn' or far='unreachable'",
        )
    if far == "unreachable":
        text += "; they count as unreachable (far='unreachable')"
        text_nl += "; ze tellen als onbereikbaar (far='unreachable')"
    else:
        text += (
            "; their distances start with that straight line (far='unreachable' counts"
            " them as unreachable, far='error' refuses them)"
        )
        text_nl += "; hun afstand begint met die rechte lijn (far='unreachable': onbereikbaar)"
    warnings.warn(InputWarning(text, nl=text_nl), stacklevel=4)
    return counts


def minutes_table(
    kinds: Sequence[str], catchment_min: float | Mapping[str, float] | None
) -> dict[str, float]:
    """The kinds whose catchment is given in minutes, and those minutes."""
    if catchment_min is None:
        return {}
    if isinstance(catchment_min, Mapping):
        return {k: float(catchment_min[k]) for k in kinds if k in catchment_min}
    return {k: float(catchment_min) for k in kinds}


def snap_distance(network: Any, x: np.ndarray, y: np.ndarray, *, snap: str = "edge") -> np.ndarray:
    """How far each point is from where it joins ``network`` (metres): the nearest
    street's closest point (``snap='edge'``) or the nearest node (``'node'``)."""
    if len(x) == 0:
        return np.zeros(0)
    if snap == "node":
        return np.asarray(network.snap(x, y)[1], dtype=np.float64)
    return np.asarray(network._snap_streets(x, y)[2], dtype=np.float64)
