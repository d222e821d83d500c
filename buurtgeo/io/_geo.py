"""Shared vector helpers for the loaders: read any published vector file, bring it to the
working CRS, repair its geometries.

Three steps every vector loader takes, in this order::

    raw = read_vector(path, layer=layer)                   # GeoJSON/GPKG/SHP/SQLite, also zipped
    ledger = RowLedger(raw, source=path, first_row=1)      # features are numbered from 1
    gdf = to_working_crs(raw, source=path)                 # 2D, CRS detected/checked, reprojected
    gdf = repair_geometries(gdf, ledger)                   # make_valid; empty geometries set aside

:func:`read_vector` never changes values; :func:`to_working_crs` only changes
coordinates; :func:`repair_geometries` only repairs or sets aside rows (via the ledger).
"""

from __future__ import annotations

import re
import warnings
import zipfile
from os import PathLike
from pathlib import Path, PurePosixPath
from types import FrameType

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from buurtgeo import _proj  # noqa: F401  (PROJ network off before any transform)
from buurtgeo._attrs import hold
from buurtgeo.errors import CRSError, InputError, InputWarning
from buurtgeo.io._ledger import RowLedger
from buurtgeo.schema import working_crs

__all__ = [
    "VECTOR_SUFFIXES",
    "BELGIUM_LONLAT_BOUNDS",
    "read_vector",
    "to_working_crs",
    "repair_geometries",
    "detect_crs",
    "LabelLedger",
    "set_aside_duplicates",
    "is_unsafe_zip_member",
    "warn_user",
]

#: File name endings read by :func:`read_vector` (inside a zip too).
VECTOR_SUFFIXES: tuple[str, ...] = (
    ".geojson",
    ".json",
    ".gpkg",
    ".shp",
    ".sqlite",
    ".db",
    ".spatialite",
    ".fgb",
)

#: Generous Belgian bounding box in degrees (lon_min, lat_min, lon_max, lat_max): anything
#: outside cannot be a Belgian sector, service or street (Belgium is 2.54–6.41 E, 49.50–51.51 N).
BELGIUM_LONLAT_BOUNDS: tuple[float, float, float, float] = (2.0, 49.0, 7.0, 52.0)

# Coordinate ranges used to recognise the CRS of a file that declares none
# (x_min, y_min, x_max, y_max). They do not overlap.
_CRS_RANGES: tuple[tuple[str, tuple[float, float, float, float]], ...] = (
    ("EPSG:31370", (10_000.0, 10_000.0, 320_000.0, 270_000.0)),  # Belgian Lambert 72
    ("EPSG:3812", (480_000.0, 480_000.0, 840_000.0, 780_000.0)),  # Belgian Lambert 2008
    ("EPSG:4326", (2.5, 49.4, 6.5, 51.6)),  # lon/lat
)
_SWAPPED_LONLAT = (49.4, 2.5, 51.6, 6.5)  # lat/lon written as x/y


_PACKAGE_DIR = str(Path(__file__).resolve().parents[1])


def warn_user(message: str, *, nl: str | None = None) -> None:
    """Issue an :class:`~buurtgeo.InputWarning` that points at the first caller outside
    buurtgeo (``nl``: the same in Dutch, for a Dutch run's summary).

    Loaders warn from deep inside the package; the user should see the line of their own
    script or notebook cell that called the loader.
    """
    import sys

    level = 2  # 1 would be this function, 2 its caller
    frame: FrameType | None = sys._getframe(1)
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE_DIR):
        frame = frame.f_back
        level += 1
    warnings.warn(InputWarning(message, nl=nl), stacklevel=level)


def _short(message: str, limit: int = 200) -> str:
    text = " ".join(str(message).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def is_unsafe_zip_member(name: str) -> bool:
    """True when a zip member's path is absolute or climbs out of its folder (``..``)."""
    pure = PurePosixPath(name.replace("\\", "/"))
    return pure.is_absolute() or ".." in pure.parts or (len(name) > 1 and name[1] == ":")


def _zip_member(path: Path, layer: str | None) -> tuple[str, str | None]:
    """Pick the data file inside a zip; return (member, layer left to pass to GDAL)."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, OSError) as exc:
        raise InputError("cannot open the zip file", path=path, found=_short(str(exc))) from None
    unsafe = [n for n in names if is_unsafe_zip_member(n)]
    if unsafe:
        raise InputError(
            "the zip holds a member whose path leaves its folder; refusing to read it",
            path=path,
            found=unsafe[0],
            expected="relative member paths without '..'",
        )
    data = [
        n
        for n in names
        if not n.endswith("/")
        and n.lower().endswith(VECTOR_SUFFIXES)
        and not PurePosixPath(n).name.startswith(("._", "."))
        and "__MACOSX" not in n
    ]
    if not data:
        raise InputError(
            "the zip holds no vector data file",
            path=path,
            expected=f"a file ending in one of {', '.join(VECTOR_SUFFIXES)}",
            found=names[:10],
        )
    if layer is not None:
        matching = [
            n
            for n in data
            if n == layer or PurePosixPath(n).name == layer or PurePosixPath(n).stem == layer
        ]
        if len(matching) == 1:
            return matching[0], None
        if len(data) == 1:  # the layer is a layer inside the one data file
            return data[0], layer
        raise InputError(
            f"no single data file in the zip matches layer {layer!r}",
            path=path,
            expected=f"one of {data}",
        )
    if len(data) > 1:
        raise InputError(
            "the zip holds several data files; say which one with layer=",
            path=path,
            found=data,
        )
    return data[0], None


def _pick_layer(source: str, path: Path, layer: str | None) -> str | None:
    if layer is not None:
        return layer
    import pyogrio

    try:
        layers = pyogrio.list_layers(source)
    except Exception as exc:  # pyogrio raises several DataSourceError flavours
        raise InputError(
            "cannot read the file as vector data", path=path, found=_short(str(exc))
        ) from None
    if len(layers) <= 1:
        return None
    spatial = [str(name) for name, geom in layers if geom is not None]
    if len(spatial) == 1:
        return spatial[0]
    raise InputError(
        "the file holds several layers; say which one with layer=",
        path=path,
        found=spatial or [str(name) for name, _ in layers],
    )


def read_vector(path: str | PathLike[str], *, layer: str | None = None) -> gpd.GeoDataFrame:
    """Read a vector file as published: GeoJSON, GeoPackage, Shapefile or SpatiaLite, each
    possibly inside a ``.zip``.

    Parameters
    ----------
    path : str or path-like
        The file. A ``.zip`` must hold exactly one data file, or ``layer`` must name one.
    layer : str, optional
        A layer inside a GeoPackage/SpatiaLite file, or the name (with or without suffix)
        of a data file inside a zip. Default: the only (spatial) layer.

    Returns
    -------
    GeoDataFrame
        The features in file order on a fresh ``RangeIndex``, values untouched, CRS as
        declared by the file (possibly None). ``attrs["source"]`` holds the path.

    Raises
    ------
    InputError
        When the file is missing, is not readable vector data, a zip member path leaves
        its folder (``..`` or absolute), or the layer is ambiguous.
    """
    import pyogrio

    path = Path(path)
    if not path.exists():
        siblings = (
            sorted(p.name for p in path.parent.iterdir())[:15] if path.parent.is_dir() else []
        )
        raise InputError(
            "file not found",
            path=path,
            hint=f"Files in {path.parent}: {siblings}" if siblings else None,
        )
    if path.is_dir():
        raise InputError("expected a file, found a folder", path=path)
    from buurtgeo.io._files import check_input

    check_input(path)  # no device, named pipe or zip bomb
    if path.suffix.lower() == ".zip":
        member, layer = _zip_member(path, layer)
        source = f"/vsizip/{path.resolve()}/{member}"
    else:
        source = str(path)
    layer = _pick_layer(source, path, layer)
    try:
        gdf = pyogrio.read_dataframe(source, layer=layer)
    except Exception as exc:  # DataSourceError, DataLayerError, FieldError, GeometryError...
        raise InputError(
            "cannot read the file as vector data" + (f" (layer {layer!r})" if layer else ""),
            path=path,
            found=_short(str(exc)),
        ) from None
    if not isinstance(gdf, gpd.GeoDataFrame):  # a table without geometry
        raise InputError(
            "the file has no geometry column",
            path=path,
            found=[str(c) for c in gdf.columns][:20],
        )
    gdf = gdf.reset_index(drop=True)
    gdf.attrs["source"] = str(path)
    gdf.attrs["crs_declared"] = gdf.crs is not None and _declares_crs(path, source)
    return gdf


def _declares_crs(path: Path, source: str) -> bool:
    """False for a GeoJSON without a ``"crs"`` member (GDAL then reports EPSG:4326, the
    RFC 7946 default, although the file said nothing); True otherwise."""
    member = source.split(f"{path.resolve()}/", 1)[1] if source.startswith("/vsizip/") else None
    name = (member or path.name).lower()
    if not name.endswith((".geojson", ".json")):
        return True
    try:
        if member is None:
            with open(path, "rb") as handle:
                head = handle.read(1 << 16)
        else:
            with zipfile.ZipFile(path) as archive, archive.open(member) as handle:
                head = handle.read(1 << 16)
    except OSError:
        return True
    text = head.decode("utf-8", errors="replace")
    cut = text.find('"features"')
    return re.search(r'"crs"\s*:', text if cut < 0 else text[:cut]) is not None


def _bounds(gdf: gpd.GeoDataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Per-row bounds (n, 4) and a mask of rows with a usable geometry."""
    geoms = np.asarray(gdf.geometry.array, dtype=object)
    usable = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    bounds = np.full((len(geoms), 4), np.nan)
    if usable.any():
        bounds[usable] = shapely.bounds(geoms[usable])
    return bounds, usable


def _inside(bounds: np.ndarray, box: tuple[float, float, float, float]) -> np.ndarray:
    return (
        (bounds[:, 0] >= box[0])
        & (bounds[:, 1] >= box[1])
        & (bounds[:, 2] <= box[2])
        & (bounds[:, 3] <= box[3])
    )


def detect_crs(gdf: gpd.GeoDataFrame) -> str | None:
    """Guess the CRS of Belgian data from its coordinate ranges.

    Rules (x, y ranges of every non-empty geometry): Lambert 72 (EPSG:31370) x 10–320 km,
    y 10–270 km; Lambert 2008 (EPSG:3812) x 480–840 km, y 480–780 km; lon/lat
    (EPSG:4326) lon 2.5–6.5, lat 49.4–51.6. The ranges do not overlap.

    Parameters
    ----------
    gdf : GeoDataFrame

    Returns
    -------
    str or None
        ``'EPSG:31370'``, ``'EPSG:3812'`` or ``'EPSG:4326'``; None when the rows do not all
        fall into one range (``'EPSG:4326'`` is also returned for lat/lon written the wrong
        way round, which :func:`to_working_crs` then swaps).
    """
    bounds, usable = _bounds(gdf)
    if not usable.any():
        return None
    b = bounds[usable]
    for crs, box in _CRS_RANGES:
        if _inside(b, box).all():
            return crs
    lonlat = _inside(b, _CRS_RANGES[2][1]) | _inside(b, _SWAPPED_LONLAT)
    if lonlat.all():
        return "EPSG:4326"
    return None


def _row_label(index: pd.Index, position: int, first_row: int) -> int:
    if pd.api.types.is_integer_dtype(index.dtype):
        return int(index[position]) + first_row
    return position + first_row


def _swap_xy(geoms: np.ndarray) -> np.ndarray:
    return shapely.transform(geoms, lambda xy: xy[:, ::-1])


def _outline_inside_belgium(bounds: np.ndarray, crs: object) -> bool:
    """Whether the rectangle of all the rows' bounds lies inside Belgium's lon/lat box.

    The outline of the rectangle, 256 points a side, is transformed to lon/lat and must
    fall inside :data:`BELGIUM_LONLAT_BOUNDS` less 1e-4° (≈ 10 m) on each side: the image
    of the rectangle is then inside too, and so is every row's box, so the check per row
    (one transform per row; seconds for millions of rows) can be skipped. When this says
    False the check per row runs and names the first row outside.
    """
    from pyproj import Transformer

    x0, y0 = np.nanmin(bounds[:, 0]), np.nanmin(bounds[:, 1])
    x1, y1 = np.nanmax(bounds[:, 2]), np.nanmax(bounds[:, 3])
    if not np.isfinite([x0, y0, x1, y1]).all():
        return False
    t = np.linspace(0.0, 1.0, 256)
    xs = np.concatenate(
        [x0 + (x1 - x0) * t, np.full(256, x1), x1 - (x1 - x0) * t, np.full(256, x0)]
    )
    ys = np.concatenate(
        [np.full(256, y0), y0 + (y1 - y0) * t, np.full(256, y1), y1 - (y1 - y0) * t]
    )
    with np.errstate(invalid="ignore"):
        lon, lat = Transformer.from_crs(crs, "EPSG:4326", always_xy=True).transform(xs, ys)
    lon, lat = np.asarray(lon), np.asarray(lat)
    if not (np.isfinite(lon).all() and np.isfinite(lat).all()):
        return False
    margin = 1e-4
    box = BELGIUM_LONLAT_BOUNDS
    return bool(
        (lon.min() >= box[0] + margin)
        and (lat.min() >= box[1] + margin)
        and (lon.max() <= box[2] - margin)
        and (lat.max() <= box[3] - margin)
    )


def to_working_crs(
    gdf: gpd.GeoDataFrame,
    *,
    source: str | PathLike[str],
    assume_crs: str | int | None = None,
    first_row: int = 1,
) -> gpd.GeoDataFrame:
    """Bring a frame to the working CRS: 2D, CRS known and plausible for Belgium, reprojected.

    Steps: (1) drop Z/M (``shapely.force_2d``); (2) when the file declares no CRS (a
    GeoJSON without a ``"crs"`` member counts as declaring none: ``attrs["crs_declared"]``
    from :func:`read_vector`), use ``assume_crs`` or recognise the CRS from the coordinate
    ranges (see :func:`detect_crs`) and say so in a warning; a lon/lat CRS with coordinates
    in metres (which cannot be degrees) is replaced by the Lambert CRS they fit, with a
    warning; (3) in a geographic CRS, swap rows whose x looks like a latitude
    (49.4–51.6) and y like a longitude (2.5–6.5), with a warning; (4) refuse rows that,
    expressed in lon/lat, fall outside :data:`BELGIUM_LONLAT_BOUNDS`; (5) reproject to
    :func:`buurtgeo.schema.working_crs` (EPSG:3812 by default).

    Parameters
    ----------
    gdf : GeoDataFrame
        As read (e.g. by :func:`read_vector`); rows with missing/empty geometry are kept
        untouched and ignored by the checks.
    source : str or path-like
        File name used in warnings and errors.
    assume_crs : str or int, optional
        CRS to use when the file declares none (e.g. ``'EPSG:31370'`` or ``31370``); when
        the file declares another one, ``assume_crs`` wins, with a warning.
    first_row : int, default 1
        Row number people see for index label 0 when the index is an integer index (as
        from :func:`read_vector`, possibly a subset of it): row = label + ``first_row``.
        Use 2 for a CSV/Excel table with one header line. With another index, rows are
        numbered by position from ``first_row``.

    Returns
    -------
    GeoDataFrame
        A new frame on the same index, in the working CRS, with ``attrs`` kept.

    Raises
    ------
    CRSError
        When the CRS is missing and cannot be recognised, or coordinates cannot be in
        Belgium (the message names the file and an example row, numbered from 1).
    """
    from pyproj import CRS, Transformer

    attrs = dict(gdf.attrs)
    out = gdf.copy()
    geoms = np.asarray(out.geometry.array, dtype=object)
    if shapely.has_z(geoms[~shapely.is_missing(geoms)]).any():
        out = out.set_geometry(
            gpd.GeoSeries(shapely.force_2d(geoms), index=out.index, crs=out.crs),
            crs=out.crs,
        )
    crs = out.crs
    declared = crs is not None and attrs.get("crs_declared", True)
    if assume_crs is not None and declared:
        assumed = CRS.from_user_input(assume_crs)
        if not assumed.equals(CRS.from_user_input(crs), ignore_axis_order=True):
            stated = CRS.from_user_input(crs).to_string()
            warn_user(
                f"{source}: the file declares {stated};"
                f" using assume_crs={assumed.to_string()} instead",
                nl=f"{source}: het bestand geeft {stated}; assume_crs={assumed.to_string()}"
                " gebruikt",
            )
            out = out.set_crs(assumed, allow_override=True)
            crs = assumed
    if crs is None:
        if assume_crs is not None:
            crs = CRS.from_user_input(assume_crs)
        else:
            guess = detect_crs(out)
            if guess is None:
                bounds, usable = _bounds(out)
                example = np.round(bounds[usable][0], 3).tolist() if usable.any() else "no geometry"
                raise CRSError(
                    "the file declares no CRS and its coordinates match none of the Belgian"
                    " systems",
                    path=source,
                    expected="Lambert 72 (x 10-320 km, y 10-270 km), Lambert 2008 (x 480-840 km,"
                    " y 480-780 km) or lon/lat (2.5-6.5, 49.4-51.6)",
                    found=f"bounds {example}",
                    hint="Pass assume_crs=... if you know the CRS",
                )
            warn_user(
                f"{source}: no CRS declared; the coordinates look like {guess}, assuming it",
                nl=f"{source}: geen coördinatenstelsel opgegeven; de coördinaten lijken {guess},"
                " dat is aangenomen",
            )
            crs = CRS.from_user_input(guess)
        out = out.set_crs(crs, allow_override=True)
    crs = CRS.from_user_input(crs)
    if crs.is_geographic:
        guess = detect_crs(out)
        if guess in ("EPSG:31370", "EPSG:3812"):
            # numbers in the hundreds of thousands cannot be degrees: a GeoJSON without a
            # "crs" member (read as the RFC 7946 lon/lat default) or a mislabelled file
            # holding Lambert metres; say so and use the Lambert CRS they fit
            said = (
                f"the file declares {crs.to_string()} (degrees)"
                if declared
                else "the file gives no CRS (GeoJSON default lon/lat)"
            )
            said_nl = (
                f"het bestand geeft {crs.to_string()} (graden)"
                if declared
                else "het bestand geeft geen coördinatenstelsel (GeoJSON: lengte/breedte)"
            )
            warn_user(
                f"{source}: {said} but the coordinates are metres like {guess}; using {guess}",
                nl=f"{source}: {said_nl}, maar de coördinaten zijn meters zoals in {guess};"
                f" {guess} gebruikt",
            )
            crs = CRS.from_user_input(guess)
            out = out.set_crs(crs, allow_override=True)

    bounds, usable = _bounds(out)
    if crs.is_geographic and usable.any():
        swapped = usable & _inside(bounds, _SWAPPED_LONLAT)
        if swapped.any():
            geoms = np.asarray(out.geometry.array, dtype=object).copy()
            geoms[swapped] = _swap_xy(geoms[swapped])
            out = out.set_geometry(gpd.GeoSeries(geoms, index=out.index, crs=crs), crs=crs)
            first = _row_label(out.index, int(np.flatnonzero(swapped)[0]), first_row)
            warn_user(
                f"{source}: {int(swapped.sum())} row(s) have latitude and longitude swapped"
                f" (e.g. row {first}); swapped them back",
                nl=f"{source}: bij {int(swapped.sum())} rij(en) zijn breedte- en lengtegraad"
                f" omgewisseld (bv. rij {first}); teruggezet",
            )
            bounds, usable = _bounds(out)

    if usable.any() and not _outline_inside_belgium(bounds[usable], crs):
        to_lonlat = Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
        with np.errstate(invalid="ignore"):
            lon0, lat0 = to_lonlat.transform(bounds[:, 0], bounds[:, 1])
            lon1, lat1 = to_lonlat.transform(bounds[:, 2], bounds[:, 3])
        corners = np.column_stack([lon0, lat0, lon1, lat1])
        ok = np.isfinite(corners).all(axis=1) & _inside(corners, BELGIUM_LONLAT_BOUNDS)
        bad = usable & ~ok
        if bad.any():
            first = int(np.flatnonzero(bad)[0])
            raise CRSError(
                f"{int(bad.sum())} geometr{'y' if bad.sum() == 1 else 'ies'} cannot be in"
                f" Belgium in the declared CRS {crs.to_string()}",
                path=source,
                row=_row_label(out.index, first, first_row),
                expected="coordinates inside Belgium (lon 2-7, lat 49-52 once transformed)",
                found=f"bounds {np.round(bounds[first], 3).tolist()}",
                hint="Check the CRS the file declares (or pass assume_crs=...)",
            )

    target = working_crs()
    if not crs.equals(target, ignore_axis_order=True):
        out = out.to_crs(target)
    out.attrs.update(attrs)
    return out


def repair_geometries(gdf: gpd.GeoDataFrame, ledger: RowLedger) -> gpd.GeoDataFrame:
    """Repair invalid geometries and set aside rows with no usable geometry.

    Missing or empty geometries are set aside through ``ledger`` (reason
    ``'empty or missing geometry'``). Invalid geometries are repaired with
    ``shapely.make_valid``; for polygon layers only the polygonal parts of the repair are
    kept (a self-touching ring becomes a MultiPolygon, a collapsed sliver is dropped), and
    a polygon whose repair has no area left is set aside (``'geometry has no area after
    repair'``).

    Parameters
    ----------
    gdf : GeoDataFrame
        Rows on a subset of ``ledger.raw``'s index.
    ledger : buurtgeo.io._ledger.RowLedger
        The ledger of the raw table.

    Returns
    -------
    GeoDataFrame
        The rows kept, geometries valid. ``attrs["repaired"]`` is a DataFrame with the
        columns ``row`` (feature number as in the set-aside table) and ``reason``
        (``shapely.is_valid_reason`` before repair), one line per repaired row; a
        ``UserWarning`` says how many were repaired.
    """
    attrs = dict(gdf.attrs)
    geoms = np.asarray(gdf.geometry.array, dtype=object)
    empty = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    ledger.set_aside(
        pd.Series(empty, index=gdf.index), "empty or missing geometry", column="geometry"
    )
    # numpy's stubs refuse None as a value of np.where; it is one of an object array
    invalid = ~empty & ~shapely.is_valid(np.where(empty, None, geoms))  # type: ignore[call-overload]
    repaired_rows = np.zeros(0, dtype="int64")
    reasons: list[str] = []
    lost = np.zeros(len(geoms), dtype=bool)
    if invalid.any():
        geoms = geoms.copy()
        before = geoms[invalid]
        reasons = list(shapely.is_valid_reason(before))
        fixed = shapely.make_valid(before)
        polygonal = np.isin(shapely.get_type_id(before), (3, 6))  # Polygon, MultiPolygon
        if polygonal.any():
            fixed[polygonal] = _polygonal_part(fixed[polygonal])
        geoms[invalid] = fixed
        lost[invalid] = shapely.is_empty(fixed)
        positions = ledger.raw.index.get_indexer(gdf.index[invalid])
        repaired_rows = np.asarray(ledger.row_number(positions), dtype="int64")
        ledger.set_aside(
            pd.Series(lost, index=gdf.index), "geometry has no area after repair", column="geometry"
        )
    keep = ~empty & ~lost
    out = gdf.loc[keep].copy()
    if invalid.any():
        out = out.set_geometry(
            gpd.GeoSeries(geoms[keep], index=out.index, crs=gdf.crs), crs=gdf.crs
        )
    repaired = pd.DataFrame({"row": repaired_rows, "reason": pd.Series(reasons, dtype=object)})
    repaired = repaired[~lost[invalid]].reset_index(drop=True) if invalid.any() else repaired
    out.attrs.update(attrs)
    out.attrs["repaired"] = hold(repaired)
    if len(repaired):
        first = int(repaired["row"].iloc[0])
        warn_user(
            f"{ledger.source}: repaired {len(repaired)} invalid geometr"
            f"{'y' if len(repaired) == 1 else 'ies'} (e.g. row {first}:"
            f" {repaired['reason'].iloc[0]}); see attrs['repaired']",
            nl=f"{ledger.source}: {len(repaired)} ongeldige geometrie(ën) hersteld (bv. rij"
            f" {first}: {repaired['reason'].iloc[0]})",
        )
    return out


def _polygonal_part(geoms: np.ndarray) -> np.ndarray:
    """Keep only the (Multi)Polygon parts of each geometry; empty when none is left."""
    out = np.empty(len(geoms), dtype=object)
    for i, geom in enumerate(geoms):  # only the few repaired rows, not a hot path
        type_id = shapely.get_type_id(geom)
        if type_id in (3, 6):
            out[i] = geom
            continue
        parts = shapely.get_parts(geom)
        polys = [p for p in parts if shapely.get_type_id(p) in (3, 6)]
        flat: list[shapely.Geometry] = []
        for p in polys:
            flat.extend(shapely.get_parts(p) if shapely.get_type_id(p) == 6 else [p])
        out[i] = shapely.MultiPolygon(flat) if flat else shapely.MultiPolygon()
    return out


class LabelLedger(RowLedger):
    """A :class:`~buurtgeo.io._ledger.RowLedger` for a subset of a table as read.

    Row numbers are the raw index labels plus ``first_row`` instead of positions, so a
    ledger over the rows of one municipality still names the feature numbers of the file.
    ``raw`` must carry an integer index (as :func:`read_vector` gives, then subset).
    """

    def row_number(self, position):
        """Row number people see for a raw row position: index label + ``first_row``."""
        return np.asarray(self.raw.index)[position] + self.first_row


def set_aside_duplicates(keys: pd.Series, ledger: RowLedger, *, column: str, what: str) -> int:
    """Set aside every repeat of a key among the rows still kept (the first one stays).

    Parameters
    ----------
    keys : Series
        One key per raw row of ``ledger`` (same index as ``ledger.raw``), e.g. sector codes.
    ledger : RowLedger
        The ledger of the raw table.
    column : str
        Source column of the key, named in the set-aside table.
    what : str
        What the key is, for the reason: ``'sector id'`` gives
        ``'duplicate sector id 21004A00- (first at row 2)'``.

    Returns
    -------
    int
        Number of rows set aside.
    """
    kept = pd.Series(ledger.kept, index=keys.index)
    live = keys[kept]
    dup = live.duplicated(keep="first")
    if not dup.any():
        return 0
    rows = pd.Series(ledger.row_number(np.arange(len(keys))), index=keys.index)[kept]
    first = rows.groupby(live.to_numpy()).transform("first")
    idx = dup[dup].index
    reasons = pd.Series(None, index=keys.index, dtype=object)
    reasons[idx] = [
        f"duplicate {what} {k} (first at row {r})"
        for k, r in zip(live[idx], first[idx], strict=True)
    ]
    mask = dup.reindex(keys.index, fill_value=False).to_numpy(dtype=bool)
    return ledger.set_aside(mask, reasons.to_numpy(), column=column)
