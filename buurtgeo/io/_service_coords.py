"""Where each row of a service table lies: its coordinates, their CRS, and checks.

Coordinates come from a ``'lat, lon'`` text column (OpenDataSoft's ``Geo Point``),
latitude/longitude columns, x/y columns (the CRS given, or recognised from the Belgian
coordinate ranges) or a GeoJSON/WKT text column (a point inside each shape), which also
fills rows the others leave empty. :func:`locate` sets aside rows without usable
coordinates or outside Belgium, swaps latitude/longitude written the wrong way round
back, and returns Points in the working CRS. Used by :func:`buurtgeo.read_services`.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import shapely

from buurtgeo import _proj  # noqa: F401  (PROJ network off before any transform)
from buurtgeo.errors import CRSError, InputWarning, MissingColumnError
from buurtgeo.io import _geo
from buurtgeo.io._tabular import to_number
from buurtgeo.schema import working_crs

__all__ = ["Coords", "guess_crs", "locate", "swapped_xy", "table_coords"]

# Coordinate ranges of Belgium per CRS, the swapped lat/lon box and Belgium's lon/lat bounds
# are shared with the vector loaders (one definition, in io._geo).
_CRS_RANGES = _geo._CRS_RANGES
_SWAPPED = _geo._SWAPPED_LONLAT  # latitude written as x, longitude as y
BELGIUM_LONLAT_BOUNDS = _geo.BELGIUM_LONLAT_BOUNDS

_POINT_TEXT = re.compile(
    r"^\s*\(?\s*([+-]?\d+(?:\.\d+)?)\s*[,;\s]\s*([+-]?\d+(?:\.\d+)?)\s*\)?\s*$"
)


def _inside(x: np.ndarray, y: np.ndarray, box: tuple[float, float, float, float]) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        return (x >= box[0]) & (y >= box[1]) & (x <= box[2]) & (y <= box[3])


def guess_crs(x: np.ndarray, y: np.ndarray, path: Path) -> str:
    """CRS of x/y from the Belgian coordinate ranges, by majority of the rows."""
    finite = np.isfinite(x) & np.isfinite(y)
    counts = {crs: int((_inside(x, y, box) & finite).sum()) for crs, box in _CRS_RANGES}
    counts["EPSG:4326"] += int((_inside(x, y, _SWAPPED) & finite).sum())
    best = max(counts, key=lambda c: counts[c])
    if counts[best] == 0:
        example = [float(x[finite][0]), float(y[finite][0])] if finite.any() else "no coordinates"
        raise CRSError(
            "the coordinates match none of the Belgian coordinate systems",
            path=path,
            expected="Lambert 72 (x 10-320 km, y 10-270 km), Lambert 2008 (x 480-840 km,"
            " y 480-780 km) or lon/lat (2.5-6.5, 49.4-51.6)",
            found=f"x, y = {example}",
            hint="Pass crs=... if you know the CRS, or check_belgium=False outside Belgium",
        )
    return best


def _point_text(values: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """'lat, lon' text → (lat, lon, bad) arrays."""
    parts = values.astype("str").str.extract(_POINT_TEXT)
    a = pd.to_numeric(parts[0], errors="coerce").to_numpy(dtype=float)
    b = pd.to_numeric(parts[1], errors="coerce").to_numpy(dtype=float)
    bad = values.notna().to_numpy() & ~(np.isfinite(a) & np.isfinite(b))
    return a, b, bad


def _shape_xy(values: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """GeoJSON or WKT text → a point inside each geometry (x, y, bad)."""
    n = len(values)
    x = np.full(n, np.nan)
    y = np.full(n, np.nan)
    bad = np.zeros(n, dtype=bool)
    present = values.notna().to_numpy()
    if not present.any():
        return x, y, bad
    text = values[present].astype("str").str.strip()
    is_json = text.str.startswith("{").to_numpy(dtype=bool)
    text = text.to_numpy(dtype=object)
    geoms = np.empty(len(text), dtype=object)
    if is_json.any():
        geoms[is_json] = shapely.from_geojson(text[is_json], on_invalid="ignore")
    if (~is_json).any():
        geoms[~is_json] = shapely.from_wkt(text[~is_json], on_invalid="ignore")
    ok = ~shapely.is_missing(geoms) & ~shapely.is_empty(geoms)
    pts = np.full(len(geoms), None, dtype=object)
    pts[ok] = shapely.point_on_surface(geoms[ok])
    px = np.full(len(geoms), np.nan)
    py = np.full(len(geoms), np.nan)
    px[ok] = shapely.get_x(pts[ok])
    py[ok] = shapely.get_y(pts[ok])
    x[present], y[present] = px, py
    bad[present] = ~ok
    return x, y, bad


@dataclass
class Coords:
    """The coordinates of every row, their CRS, and the column they came from (for messages)."""

    x: np.ndarray
    y: np.ndarray
    crs: Any  # pyproj CRS
    column: str


def locate(
    coords: Coords, ledger, path: Path, *, check_belgium: bool, notes: list[str]
) -> np.ndarray:
    """Check coordinates, set bad rows aside, return Points in the working CRS (all rows)."""
    from pyproj import CRS, Transformer

    x, y = coords.x.astype(float).copy(), coords.y.astype(float).copy()
    crs = CRS.from_user_input(coords.crs)
    missing = ~(np.isfinite(x) & np.isfinite(y))
    ledger.set_aside(missing & ledger.kept, "no coordinates", column=coords.column)
    live = ledger.kept & ~missing
    if crs.is_geographic and check_belgium:
        swapped = live & _inside(x, y, _SWAPPED) & ~_inside(x, y, dict(_CRS_RANGES)["EPSG:4326"])
        if swapped.any():
            x[swapped], y[swapped] = y[swapped].copy(), x[swapped].copy()
            first = int(ledger.row_number(int(np.flatnonzero(swapped)[0])))
            message = (
                f"{int(swapped.sum())} row(s) have latitude and longitude swapped"
                f" (e.g. row {first}); swapped them back"
            )
            notes.append(message)
            nl = (
                f"{path}: bij {int(swapped.sum())} rij(en) zijn breedte- en lengtegraad"
                f" omgewisseld (bv. rij {first}); teruggezet"
            )
            warnings.warn(InputWarning(f"{path}: {message}", nl=nl), stacklevel=3)
    if check_belgium and live.any():
        to_lonlat = Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
        with np.errstate(invalid="ignore"):
            lon, lat = to_lonlat.transform(x, y)
        inside = np.isfinite(lon) & np.isfinite(lat) & _inside(lon, lat, BELGIUM_LONLAT_BOUNDS)
        outside = live & ~inside
        if outside.sum() == live.sum():  # not one location in Belgium: a wrong CRS or columns
            first = int(np.flatnonzero(outside)[0])
            raise CRSError(
                f"none of the {int(live.sum())} locations is in Belgium in {crs.to_string()}",
                path=path,
                row=int(ledger.row_number(first)),
                column=coords.column,
                expected="coordinates inside Belgium (lon 2-7, lat 49-52)",
                found=f"x, y = {x[first]!r}, {y[first]!r}",
                hint="Check the CRS (crs=...) or the coordinate columns (columns=...);"
                " use check_belgium=False for data outside Belgium",
            )
        reasons = np.full(len(x), None, dtype=object)
        reasons[outside] = [  # only the (few) rows outside get a text
            f"outside Belgium (lon {a:.4f}, lat {b:.4f})"
            for a, b in zip(lon[outside], lat[outside], strict=True)
        ]
        ledger.set_aside(outside, reasons, column=coords.column)
    target = working_crs()
    if not crs.equals(target, ignore_axis_order=True):
        to_target = Transformer.from_crs(crs, target, always_xy=True)
        with np.errstate(invalid="ignore"):
            x, y = to_target.transform(x, y)
    bad = ledger.kept & ~(np.isfinite(x) & np.isfinite(y))
    ledger.set_aside(
        bad, f"coordinates cannot be transformed to {target.to_string()}", column=coords.column
    )
    return shapely.points(np.where(np.isfinite(x), x, 0.0), np.where(np.isfinite(y), y, 0.0))


def table_coords(
    raw: pd.DataFrame,
    roles: dict[str, str],
    crs: Any,
    layout_crs: str | None,
    ledger,
    path: Path,
    check_belgium: bool,
) -> Coords:
    """Find the coordinates of a table: 'lat, lon' text, lat/lon, x/y or a shape column."""
    n = len(raw)
    found = [str(c) for c in raw.columns]
    have = set(roles)
    if "point" in have:
        lat, lon, bad = _point_text(raw[roles["point"]])
        coords = Coords(lon, lat, "EPSG:4326", roles["point"])
        fallback_bad = bad
    elif {"lat", "lon"} <= have:
        lat, bad_lat = to_number(raw[roles["lat"]], decimal=None)
        lon, bad_lon = to_number(raw[roles["lon"]], decimal=None)
        ledger.set_aside(bad_lat.to_numpy(), "latitude is not a number", column=roles["lat"])
        ledger.set_aside(bad_lon.to_numpy(), "longitude is not a number", column=roles["lon"])
        coords = Coords(lon.to_numpy(), lat.to_numpy(), "EPSG:4326", roles["lat"])
        fallback_bad = np.zeros(n, dtype=bool)
    elif {"x", "y"} <= have:
        xs, bad_x = to_number(
            raw[roles["x"]],
            path=path,
            column=roles["x"],
            first_row=ledger.first_row,
            ambiguous="raise",
        )
        ys, bad_y = to_number(
            raw[roles["y"]],
            path=path,
            column=roles["y"],
            first_row=ledger.first_row,
            ambiguous="raise",
        )
        ledger.set_aside(bad_x.to_numpy(), "x is not a number", column=roles["x"])
        ledger.set_aside(bad_y.to_numpy(), "y is not a number", column=roles["y"])
        x, y = xs.to_numpy(), ys.to_numpy()
        if crs is None:
            # the ranges decide (robust to a layout's claim); outside Belgium the layout's CRS
            if not (np.isfinite(x) & np.isfinite(y)).any():
                # nothing to recognise (no rows, or none with coordinates): every row is
                # set aside as 'no coordinates'; the CRS does not matter
                crs = layout_crs or working_crs()
            else:
                crs = guess_crs(x, y, path) if check_belgium else layout_crs
            if crs is None:
                raise CRSError(
                    "the CRS of the x/y columns is unknown",
                    path=path,
                    column=roles["x"],
                    hint="Pass crs=... (e.g. 'EPSG:31370')",
                )
        coords = Coords(x, y, crs, roles["x"])
        fallback_bad = np.zeros(n, dtype=bool)
    elif "shape" in have:
        x, y, bad = _shape_xy(raw[roles["shape"]])
        coords = Coords(x, y, crs or "EPSG:4326", roles["shape"])
        ledger.set_aside(bad, "geometry text is not valid GeoJSON or WKT", column=roles["shape"])
        return coords
    else:
        partial = sorted(have & {"x", "y", "lat", "lon"})
        raise MissingColumnError(
            "coordinates",
            path=path,
            found_columns=found,
            role="no coordinate columns found" + (f"; only {partial}" if partial else ""),
            hint="Name them with columns={'lat': ..., 'lon': ...}, {'x': ..., 'y': ..., 'crs': ...}"
            " or {'point': ...} for a 'lat, lon' text column",
        )
    # rows without primary coordinates fall back to a GeoJSON/WKT shape column
    if "shape" in have:
        empty = ~(np.isfinite(coords.x) & np.isfinite(coords.y))
        if empty.any() and str(coords.crs) == "EPSG:4326":
            sx, sy, _ = _shape_xy(raw[roles["shape"]])
            coords.x = np.where(empty, sx, coords.x)
            coords.y = np.where(empty, sy, coords.y)
            fallback_bad = fallback_bad & ~(np.isfinite(sx) & np.isfinite(sy))
    if "point" in have:
        ledger.set_aside(
            fallback_bad,
            "Geo Point is not 'lat, lon' text",
            column=roles["point"],
        )
    return coords


def swapped_xy(services: Any, region: Any, distance_m: float, source_crs: Any) -> np.ndarray:
    """Services placed far from the study area that would lie in it with x and y exchanged.

    Lambert coordinates written the wrong way round (x in the y column) still fall inside
    Belgium's box, tens of kilometres away: nothing else tells them from a service that
    is far away. The study area does: a row farther than ``distance_m`` from ``region``
    whose exchanged coordinates (in the file's own projected CRS) lie within
    ``distance_m`` of it was, almost surely, written the wrong way round.

    Parameters
    ----------
    services : GeoDataFrame
        A loader result (working CRS).
    region : shapely geometry
        The study area, in the services' CRS.
    distance_m : float
        How far from the study area a service still counts (the largest catchment).
    source_crs : CRS-like
        The CRS of the file's coordinates (``attrs["crs_source"]``); geographic CRSs are
        not checked here (the loader swaps latitude and longitude itself).

    Returns
    -------
    ndarray of bool
        Per row: True where x and y seem exchanged.
    """
    from pyproj import CRS, Transformer

    n = len(services)
    out = np.zeros(n, dtype=bool)
    crs = CRS.from_user_input(source_crs)
    if n == 0 or crs.is_geographic or services.crs is None:
        return out
    pts = np.asarray(services.geometry.array)
    shapely.prepare(region)
    far = ~np.asarray(shapely.dwithin(pts, region, float(distance_m)), dtype=bool)
    far &= ~shapely.is_missing(pts) & (shapely.get_type_id(pts) == 0)
    if not far.any():
        return out
    back = Transformer.from_crs(services.crs, crs, always_xy=True)
    forth = Transformer.from_crs(crs, services.crs, always_xy=True)
    x, y = back.transform(shapely.get_x(pts[far]), shapely.get_y(pts[far]))
    sx, sy = forth.transform(np.asarray(y), np.asarray(x))
    exchanged = shapely.points(sx, sy)
    out[np.flatnonzero(far)] = np.asarray(
        shapely.dwithin(exchanged, region, float(distance_m)), dtype=bool
    )
    return out
