"""Distance decay: the weights ``w(d)`` of the 2SFCA/E2SFCA, zero beyond the catchment.

A registry (:data:`DECAYS`): a new named decay is a function ``f(d, R) -> w`` and a
line. Every measure applies the decay to pairs with ``d <= R`` only, in both steps of
the two-step floating catchment (:func:`buurtgeo.reach`, :func:`buurtgeo.fca2_from_costs`);
a callable maps an array of metres (or cost units) to weights >= 0. The compiled
kernels carry the same formulas (:mod:`buurtgeo._reach_kernels`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import numpy as np

from buurtgeo._checks import SHOW, Checks
from buurtgeo.errors import InputError

if TYPE_CHECKING:  # pragma: no cover
    from numpy.typing import ArrayLike

__all__ = ["DECAYS", "Decay", "decay_weights"]

_GAUSS_FLOOR = math.exp(-0.5)


def _step(d: np.ndarray, r: float) -> np.ndarray:
    """w(d) = 1."""
    return np.ones_like(d)


def _linear(d: np.ndarray, r: float) -> np.ndarray:
    """w(d) = 1 - d / R."""
    return 1.0 - d / r


def _gaussian(d: np.ndarray, r: float) -> np.ndarray:
    """w(d) = (exp(-1/2 (d/R)^2) - exp(-1/2)) / (1 - exp(-1/2))."""
    return (np.exp(-0.5 * (d / r) ** 2) - _GAUSS_FLOOR) / (1.0 - _GAUSS_FLOOR)


#: Named distance decays, each ``f(d, R) -> w`` for ``0 <= d <= R`` (read-only).
DECAYS: Mapping[str, Callable[[np.ndarray, float], np.ndarray]] = MappingProxyType(
    {"step": _step, "linear": _linear, "gaussian": _gaussian}
)

Decay = str | Callable[[np.ndarray], np.ndarray]


def decay_weights(
    distance_m: ArrayLike, *, catchment_m: float, decay: Decay = "step"
) -> np.ndarray:
    """Weights of a distance decay, zero beyond the catchment.

    Parameters
    ----------
    distance_m : array-like of float
        Distances in metres.
    catchment_m : float
        Catchment radius ``R`` in metres (> 0).
    decay : {'step', 'linear', 'gaussian'} or callable
        ``'step'``: ``w = 1``; ``'linear'``: ``w = 1 - d/R``; ``'gaussian'`` (the
        E2SFCA Gaussian of Dai 2010, rescaled to reach 0 at the catchment edge):
        ``w = (exp(-1/2 (d/R)^2) - exp(-1/2)) / (1 - exp(-1/2))``; a callable maps an
        array of metres to an array of weights (>= 0, finite).

    Returns
    -------
    ndarray of float64
        ``w(d)`` where ``d <= R``, else 0 (dimensionless).
    """
    checks = Checks("decay_weights")
    _check_decay(checks, decay)
    checks.radius(catchment_m, "catchment_m")
    checks.raise_if_any()
    d = np.asarray(distance_m, dtype=np.float64)
    out = np.zeros_like(d)
    inside = d <= catchment_m
    out[inside] = _decay_function(decay, float(catchment_m))(d[inside])
    return out


def _decay_function(decay: Decay, r: float) -> Callable[[np.ndarray], np.ndarray]:
    if callable(decay):

        def user(d: np.ndarray) -> np.ndarray:
            w = np.asarray(decay(d), dtype=np.float64)
            if w.shape != d.shape:
                raise InputError(
                    "the decay function must return one weight per distance",
                    expected=f"an array of shape {d.shape}",
                    found=f"shape {w.shape}",
                )
            if not np.isfinite(w).all() or (w < 0).any():
                raise InputError(
                    "the decay function returned negative or non-finite weights",
                    expected="finite weights >= 0",
                    found=w[~(np.isfinite(w) & (w >= 0))][:SHOW].tolist(),
                )
            return w

        return user
    base = DECAYS[decay]
    return lambda d: base(d, r)


def _check_decay(checks: Checks, decay: Any) -> bool:
    """Check that ``decay`` is a named decay or a callable; True when it is."""
    if callable(decay) or (isinstance(decay, str) and decay in DECAYS):
        return True
    checks.add(f"decay must be one of {sorted(DECAYS)} or a function of metres, got {decay!r}")
    return False


def _decay_label(decay: Decay) -> str:
    """The decay's name as results record it (a callable: its ``__name__``)."""
    return decay if isinstance(decay, str) else getattr(decay, "__name__", "callable")
