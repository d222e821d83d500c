"""The argument checks the map functions share: frames, geometry types, columns, options, CRS.

Each map function's check step makes a :class:`~buurtgeo._checks.Checks`, lets these
helpers record every problem in it, and raises once at the end (see
:mod:`buurtgeo._checks`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from buurtgeo import schema
from buurtgeo._checks import Checks
from buurtgeo.options import get_option

_POLYGONS = ("Polygon", "MultiPolygon")


def _is_gdf(obj: Any) -> bool:
    import geopandas as gpd

    return isinstance(obj, gpd.GeoDataFrame)


def _language(language: str | None, checks: Checks) -> str:
    """The language to write in: ``language``, or the ``language`` option when None."""
    if language is None:
        return get_option("language")
    if language not in ("nl", "en"):
        checks.add(f"language must be 'nl' or 'en', got {language!r}")
        return "nl"
    return language


def _check_frame(
    frame: Any, what: str, checks: Checks, types: tuple[str, ...] | None = None
) -> bool:
    """Record problems with a GeoDataFrame's geometry; False when it is no GeoDataFrame."""
    if not _is_gdf(frame):
        checks.add(f"{what} must be a GeoDataFrame, got {type(frame).__name__}")
        return False
    missing = frame.geometry.isna() | frame.geometry.is_empty
    if missing.any():
        bad = frame.index[missing][:5].tolist()
        checks.add(f"{what} has rows without geometry (index {bad}); drop or fix them")
    if types is not None:
        wrong = ~frame.geom_type.isin(types) & ~missing
        if wrong.any():
            checks.add(
                f"{what} must hold {' or '.join(types)} geometries; found "
                f"{sorted(set(frame.geom_type[wrong]))} (index {frame.index[wrong][:5].tolist()})"
            )
    return True


def _check_columns(
    frame: Any, columns: Sequence[str], what: str, checks: Checks, numeric: bool = True
) -> None:
    """Record each missing column and, when ``numeric``, each column that holds no numbers."""
    for column in columns:
        if column not in frame.columns:
            renamed = schema.renamed_column_note(column)
            if renamed:  # say what replaced it, which Checks.missing_column does not
                listing = ", ".join(repr(c) for c in list(frame.columns)[:30])
                checks.add(f"{what} has no column {column!r} (columns: {listing}): {renamed}")
            else:
                checks.missing_column(column, what, frame.columns)
        elif numeric and not (
            pd.api.types.is_numeric_dtype(frame[column])
            and not pd.api.types.is_bool_dtype(frame[column])
        ):
            checks.add(
                f"{what} column {column!r} must be numeric, found dtype {frame[column].dtype}"
            )


def _per_indicator(
    value: Any, indicators: Sequence[str], name: str, checks: Checks, default: Any = None
):
    """Spread a scalar-or-mapping argument over the indicators.

    A mapping may name an indicator in full (``'share_covered__library'``) or without
    its kind (``'share_covered'``: every kind); the full name wins. Indicators it does
    not name get ``default``.
    """
    if isinstance(value, Mapping):
        bases = {ind.partition("__")[0] for ind in indicators}
        unknown = [key for key in value if key not in indicators and key not in bases]
        if unknown:
            checks.add(f"{name} names columns that are not indicators: {unknown}")
        return {
            ind: value.get(ind, value.get(ind.partition("__")[0], default)) for ind in indicators
        }
    return dict.fromkeys(indicators, value)


def _pick_name_column(frame: Any, name_column: str | None, checks: Checks) -> str | None:
    """The column of area names: ``name_column``, else the first usual one, else None."""
    if name_column is not None:
        if name_column not in frame.columns:
            checks.add(f"name_column {name_column!r} is not a column of areas")
            return None
        return name_column
    for candidate in ("area_name", "sector_name_nl", "name", "municipality_name_nl"):
        if candidate in frame.columns:
            return candidate
    return None  # the index is shown instead


def _check_services(services: Any, checks: Checks) -> None:
    """Record problems with optional service points (``service_kind``, numeric ``capacity``);
    area services (parks, play spaces) may be polygons."""
    if services is None:
        return
    if not _check_frame(services, "services", checks, ("Point", "Polygon", "MultiPolygon")):
        return
    _check_columns(services, ["service_kind"], "services", checks, numeric=False)
    if "capacity" in services.columns:
        _check_columns(services, ["capacity"], "services", checks)


def _check_thresholds(thresholds: Any) -> str | None:
    """The problem with fixed class bounds, or None when they are fine."""
    try:
        arr = np.asarray(thresholds, dtype=float)
    except (TypeError, ValueError):
        return f"thresholds must be numbers, got {thresholds!r}"
    if arr.ndim != 1 or arr.size == 0:
        return f"thresholds must be a non-empty list of numbers, got {thresholds!r}"
    if not np.all(np.isfinite(arr)) or np.any(np.diff(arr) <= 0):
        return f"thresholds must be finite and strictly increasing, got {list(arr)}"
    return None


def _check_k(k: Any, checks: Checks) -> None:
    """Record a problem unless ``k`` (the number of classes) is an integer from 2 to 9."""
    if not isinstance(k, int | np.integer) or isinstance(k, bool) or not 2 <= k <= 9:
        checks.add(f"k must be an integer from 2 to 9, got {k!r}")


def _check_flags(labels: Any, cluster: Any, checks: Checks) -> None:
    """Record a problem unless ``labels`` and ``cluster`` are True, False or 'auto'."""
    if labels not in (True, False, "auto") or cluster not in (True, False, "auto"):
        checks.add("labels and cluster must be True, False or 'auto'")


def _check_crs(checks: Checks, **frames: Any) -> None:
    """Record a problem unless the GeoDataFrames among ``frames`` share one metric CRS."""
    named = [(n, f) for n, f in frames.items() if _is_gdf(f)]
    if named:
        checks.crs([f for _, f in named], [n for n, _ in named])
