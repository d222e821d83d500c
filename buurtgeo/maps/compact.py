"""Geometry for a web page, small: simplified, reprojected, rounded and delta-encoded.

Every map of :mod:`buurtgeo.maps` sends its geometry to the page through
:func:`compact_geometry`, the one place where the size of a map's geometry is decided
(a 10,000-sector map stays under 15 MB): the shapes are simplified in their metric CRS,
reprojected to EPSG:4326, rounded to ``decimals`` decimal degrees and written as integer
steps from one vertex to the next, which the page turns back into GeoJSON
(``bgDecode`` in ``assets/core.js``). :func:`decode_geometry` does the same in Python
(tests, benchmarks).
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["compact_geometry", "decode_geometry"]

_KIND = {"Point": "pt", "LineString": "l", "Polygon": "p"}


def _family(types: np.ndarray) -> str:
    """'pt', 'l' or 'p' for geometry type ids that are all points, lines or polygons."""
    import shapely

    names = {shapely.GeometryType(int(t)).name for t in np.unique(types)}
    families = {n.removeprefix("MULTI") for n in names}
    if len(families) != 1:
        raise ValueError(f"geometries of mixed types cannot be encoded together: {sorted(names)}")
    return {"POINT": "pt", "LINESTRING": "l", "POLYGON": "p"}[families.pop()]


def compact_geometry(
    geoms: Any, *, crs: Any, simplify_m: float = 1.0, decimals: int = 5
) -> dict[str, Any]:
    """Shapes for a web map in few bytes: simplified, in EPSG:4326, rounded, delta-encoded.

    Each shape is simplified (Douglas-Peucker, topology kept, tolerance ``simplify_m``
    metres in ``crs``), reprojected to longitude/latitude, and every coordinate rounded
    to an integer number q = round(c · 10^decimals) of 10^-decimals degrees (5 decimals:
    1.1 m north-south, 0.7 m east-west in Belgium). Each ring or line is written as its
    first vertex (q_x, q_y) followed by the steps (q_x,k − q_x,k−1, q_y,k − q_y,k−1),
    without the closing vertex of a ring. Shapes that vanish in the simplification are
    kept as they were.

    Parameters
    ----------
    geoms : array-like of shapely geometries
        All points, all lines or all polygons (single and multi parts may mix).
    crs : CRS-like
        Their CRS, projected in metres (the working CRS).
    simplify_m : float, default 1.0
        Simplification tolerance in metres (0: none; ignored for points).
    decimals : int, default 5
        Decimal degrees kept.

    Returns
    -------
    dict
        ``{"k": "p"|"l"|"pt", "s": 10**decimals, "f": [...]}``: per shape, polygons as
        ``[[ring, hole, …], …]``, lines as ``[line, …]``, a point as ``[q_x, q_y]``;
        a ring or a line is a flat list ``[x0, y0, dx1, dy1, …]``.
    """
    import geopandas as gpd
    import shapely

    arr = shapely.force_2d(np.asarray(geoms, dtype=object))
    scale = 10**decimals
    if len(arr) == 0:
        return {"k": "p", "s": scale, "f": []}
    kind = _family(shapely.get_type_id(arr))
    if simplify_m > 0 and kind != "pt":
        simple = shapely.simplify(arr, simplify_m, preserve_topology=True)
        arr = np.where(shapely.is_empty(simple), arr, simple)
    lonlat = np.asarray(gpd.GeoSeries(arr, crs=crs).to_crs("EPSG:4326").values)
    if kind == "pt":
        xy = np.rint(shapely.get_coordinates(lonlat) * scale).astype(np.int64)
        return {"k": kind, "s": scale, "f": xy.tolist()}
    return {"k": kind, "s": scale, "f": _encode(lonlat, kind, scale)}


def _encode(lonlat: np.ndarray, kind: str, scale: int) -> list[Any]:
    """Nested lists of delta-encoded parts (see :func:`compact_geometry`)."""
    import shapely

    gtype, coords, offsets = shapely.to_ragged_array(lonlat)
    q = np.rint(coords * scale).astype(np.int64)
    # the innermost offsets delimit rings (polygons) or lines
    part_offsets = offsets[0]
    starts, ends = part_offsets[:-1], part_offsets[1:]
    if kind == "p":
        ends = np.where(ends - starts > 3, ends - 1, ends)  # drop a ring's closing vertex
    steps = np.diff(q, axis=0, prepend=np.zeros((1, 2), dtype=np.int64))
    steps[starts] = q[starts]
    flat = steps.ravel().tolist()
    parts = [flat[2 * a : 2 * b] for a, b in zip(starts.tolist(), ends.tolist(), strict=True)]
    # group parts into shapes (and rings into polygons): every level is an offsets array
    for level in offsets[1:]:
        parts = [parts[a:b] for a, b in zip(level[:-1].tolist(), level[1:].tolist(), strict=True)]
    multi = gtype.name.startswith("MULTI")
    if kind == "p" and not multi:  # Polygon only: one polygon per shape
        parts = [[rings] for rings in parts]
    if kind == "l" and not multi:  # LineString only: one line per shape
        parts = [[line] for line in parts]
    return parts


def decode_geometry(data: dict[str, Any]) -> list[Any]:
    """The shapes of :func:`compact_geometry`'s output, in EPSG:4326 (tests, benchmarks).

    Parameters
    ----------
    data : dict
        ``{"k", "s", "f"}`` as :func:`compact_geometry` returns it (or as read back from
        a page's JSON).

    Returns
    -------
    list of shapely geometries
        MultiPolygon, MultiLineString or Point per shape, in longitude/latitude.
    """
    import shapely

    scale = float(data["s"])

    def part(flat: list[int], close: bool) -> np.ndarray:
        xy = np.cumsum(np.asarray(flat, dtype=np.int64).reshape(-1, 2), axis=0) / scale
        return np.vstack([xy, xy[:1]]) if close else xy

    if data["k"] == "pt":
        return [shapely.Point(x / scale, y / scale) for x, y in data["f"]]
    if data["k"] == "l":
        return [shapely.MultiLineString([part(line, False) for line in f]) for f in data["f"]]
    return [
        shapely.MultiPolygon(
            [shapely.Polygon(part(p[0], True), [part(h, True) for h in p[1:]]) for p in f]
        )
        for f in data["f"]
    ]
