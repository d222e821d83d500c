"""The argument checks the map functions share: frames, geometry types, columns, flags, CRS."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from buurtgeo import schema


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


def _check_services(services: Any, problems: list[str]) -> None:
    if services is None:
        return
    if not _check_frame(services, "services", problems, ("Point",)):
        return
    _check_columns(services, ["service_kind"], "services", problems, numeric=False)
    if "capacity" in services.columns:
        _check_columns(services, ["capacity"], "services", problems)


def _check_flags(labels: Any, cluster: Any, problems: list[str]) -> None:
    if labels not in (True, False, "auto") or cluster not in (True, False, "auto"):
        problems.append("labels and cluster must be True, False or 'auto'")


def _check_crs(**frames: Any) -> None:
    named = [(n, f) for n, f in frames.items() if _is_gdf(f)]
    schema.require_metric_crs(*[f for _, f in named], what=[n for n, _ in named])
