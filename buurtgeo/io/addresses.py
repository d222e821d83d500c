"""Address points as published: BOSA BeST, the Flemish Adressenregister, the legacy CRAB list.

:func:`read_addresses` turns an address file into points in the working CRS, for
population-weighted origins (``origins = "addresses"``: a sector's residents spread over
its addresses, see :func:`buurtgeo.origins_from_sectors`). Three layouts are recognised
without a column mapping (column names compared without case):

==========================  ==========================================================
layout                      columns (and coordinates)
==========================  ==========================================================
BOSA **BeST** CSV           ``address_id``, ``house_number``, ``box_number``,
                            ``streetname_nl`` (``_fr``, ``_de``), ``postcode``,
                            ``municipality_id``, ``municipality_name_nl`` …;
                            ``EPSG:31370_x``/``EPSG:31370_y`` (Lambert 72), else
                            ``EPSG:4326_lat``/``EPSG:4326_lon``
**Adressenregister**        ``adresid``, ``straatnm``, ``huisnr``, ``busnr``,
extract (shapefile, gpkg)   ``postcode``, ``gemeenteid``, ``gemeentenm``, ``posgeommet``
                            (how the position was measured); point geometry, EPSG:31370
**CRAB** ``CrabAdr.shp``    ``ID``, ``STRAATNM``, ``HUISNR``, ``POSTCODE``, ``GEMEENTE``,
                            ``NISGEMCODE``; latin-1 text; point geometry, EPSG:31370
==========================  ==========================================================

Rows without coordinates (empty, not numbers, 0/0, or an empty geometry) and later
duplicates of an address id are set aside with a reason: rows read = rows used + rows
set aside.
"""

from __future__ import annotations

from os import PathLike
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from buurtgeo import _proj  # noqa: F401  (PROJ network off before any transform)
from buurtgeo.errors import InputError, MissingColumnError
from buurtgeo.io._geo import VECTOR_SUFFIXES, read_vector
from buurtgeo.io._ledger import RowLedger
from buurtgeo.io._tabular import ledger_for, read_table, to_number, zip_table_member
from buurtgeo.schema import working_crs

__all__ = ["ADDRESS_LAYOUTS", "read_addresses"]

#: Role → source columns per layout (first present wins); ``signature`` must be present.
ADDRESS_LAYOUTS: dict[str, dict[str, tuple[str, ...]]] = {
    "best": {
        "signature": ("address_id", "house_number"),
        "address_id": ("address_id",),
        "street": ("streetname_nl", "streetname_fr", "streetname_de"),
        "house_number": ("house_number",),
        "box_number": ("box_number",),
        "postcode": ("postcode",),
        "municipality": ("municipality_id", "municipality_name_nl", "municipality_name_fr"),
        "x": ("EPSG:31370_x",),
        "y": ("EPSG:31370_y",),
        "lat": ("EPSG:4326_lat",),
        "lon": ("EPSG:4326_lon",),
    },
    "adressenregister": {
        "signature": ("adresid", "huisnr"),
        "address_id": ("adresid",),
        "street": ("straatnm",),
        "house_number": ("huisnr",),
        "box_number": ("busnr",),
        "postcode": ("postcode",),
        "municipality": ("gemeenteid", "niscode", "gemeentenm"),
        "x": ("x",),
        "y": ("y",),
    },
    "crab": {
        "signature": ("huisnr", "straatnm", "gemeente"),
        "address_id": ("id", "adrid", "adresid"),
        "street": ("straatnm",),
        "house_number": ("huisnr",),
        "box_number": ("busnr",),
        "postcode": ("postcode",),
        "municipality": ("nisgemcode", "niscode", "gemeente"),
        "x": ("x",),
        "y": ("y",),
    },
}
_OUT = ("street", "house_number", "box_number", "postcode", "municipality")


def _find(columns: list[str], names: tuple[str, ...]) -> str | None:
    lowered = {c.lower().lstrip("\ufeff"): c for c in reversed(columns)}
    for name in names:
        if name.lower() in lowered:
            return lowered[name.lower()]
    return None


def _layout(columns: list[str], path: Path) -> tuple[str, dict[str, str]]:
    for name, spec in ADDRESS_LAYOUTS.items():
        if all(_find(columns, (s,)) for s in spec["signature"]):
            roles = {}
            for role, names in spec.items():
                if role != "signature" and (hit := _find(columns, names)) is not None:
                    roles[role] = hit
            return name, roles
    raise InputError(
        "not an address file buurtgeo knows (BeST, Adressenregister or CRAB)",
        path=path,
        expected="BeST: address_id, house_number, EPSG:31370_x/_y;"
        " Adressenregister: adresid, huisnr, straatnm; CRAB: HUISNR, STRAATNM, GEMEENTE",
        found=columns[:30],
    )


def _read(
    path: Path, layer: str | None
) -> tuple[pd.DataFrame, RowLedger, np.ndarray | None, object]:
    """The rows, their ledger, and the geometries (None for a table) with their CRS."""
    suffix = path.suffix.lower()
    zipped_table = suffix == ".zip" and path.is_file() and zip_table_member(path) is not None
    if suffix in (*VECTOR_SUFFIXES, ".zip") and not zipped_table:
        gdf = read_vector(path, layer=layer)
        raw = pd.DataFrame(gdf.drop(columns=gdf.geometry.name))
        return (
            raw,
            RowLedger(raw, source=path, first_row=1),
            np.asarray(gdf.geometry.array),
            gdf.crs,
        )
    raw, info = read_table(path)
    return raw, ledger_for(raw, info), None, None


def _table_points(raw: pd.DataFrame, roles: dict[str, str], ledger: RowLedger, path: Path):
    """x/y (Lambert 72) or lat/lon columns → (x, y, crs); rows without them set aside."""
    if "x" in roles and "y" in roles:
        keys, crs = ("x", "y"), "EPSG:31370"
    elif "lat" in roles and "lon" in roles:
        keys, crs = ("lon", "lat"), "EPSG:4326"
    else:
        raise MissingColumnError(
            "EPSG:31370_x",
            path=path,
            found_columns=[str(c) for c in raw.columns],
            role="coordinates (EPSG:31370_x/_y or EPSG:4326_lat/_lon)",
        )
    x, bad_x = to_number(raw[roles[keys[0]]], decimal=None)
    y, bad_y = to_number(raw[roles[keys[1]]], decimal=None)
    missing = (x.isna() | y.isna() | bad_x | bad_y | ((x == 0) & (y == 0))).to_numpy()
    ledger.set_aside(missing, "no coordinates (empty, not a number or 0/0)", column=roles[keys[0]])
    return x.to_numpy(dtype=float), y.to_numpy(dtype=float), crs


def read_addresses(
    path: str | PathLike[str], *, layer: str | None = None, crs: str | None = None
) -> gpd.GeoDataFrame:
    """Read address points as published (BeST, Adressenregister or CRAB; see the module).

    Parameters
    ----------
    path : str or path-like
        BeST CSV (also zipped), an Adressenregister extract or ``CrabAdr.shp`` (shapefile,
        GeoPackage, also zipped).
    layer : str, optional
        Layer of a GeoPackage or file inside a zip.
    crs : str, optional
        CRS of a vector file that declares none (default EPSG:31370, as both Flemish
        registers are published).

    Returns
    -------
    GeoDataFrame
        Index ``address_id`` (str; ``'<file stem>-<row>'`` when the file has no id);
        ``street``, ``house_number``, ``box_number``, ``postcode``, ``municipality``
        (str, empty when the layout lacks it); Point geometry in the working CRS.
        ``attrs``: ``layout`` (``'best'``, ``'adressenregister'`` or ``'crab'``),
        ``set_aside`` (rows without coordinates, duplicate ids), ``rows_in``, ``source``.

    Raises
    ------
    InputError
        Unreadable file, or a layout not recognised (lists the columns found).
    MissingColumnError
        A BeST table without coordinate columns.
    """
    path = Path(path)
    raw, ledger, geoms, file_crs = _read(path, layer)
    columns = [str(c) for c in raw.columns]
    layout, roles = _layout(columns, path)
    if geoms is None:
        x, y, source_crs = _table_points(raw, roles, ledger, path)
        points = shapely.points(np.where(np.isfinite(x), x, 0.0), np.where(np.isfinite(y), y, 0.0))
    else:
        empty = shapely.is_missing(geoms)
        empty[~empty] = shapely.is_empty(geoms[~empty])
        ledger.set_aside(empty, "no coordinates (empty geometry)", column="geometry")
        points = np.where(empty, shapely.points(0.0, 0.0), geoms)
        points[~empty] = shapely.force_2d(points[~empty])
        not_point = ~empty & (shapely.get_type_id(points) != 0)
        points[not_point] = shapely.point_on_surface(points[not_point])
        source_crs = file_crs if file_crs is not None else (crs or "EPSG:31370")
    n = len(raw)
    numbers = np.asarray(ledger.row_number(np.arange(n)), dtype="int64")
    if "address_id" in roles:
        ids = (
            raw[roles["address_id"]].astype("str").str.strip().str.replace(r"\.0$", "", regex=True)
        )
        ids = ids.where(
            ids.notna() & (ids != ""),
            pd.Series(f"{path.stem}-", index=raw.index)
            + pd.Series(numbers, index=raw.index).astype(str),
        )
    else:
        ids = pd.Series([f"{path.stem}-{k}" for k in numbers], index=raw.index)
    kept = ledger.kept
    dup = np.zeros(n, dtype=bool)
    dup[kept] = ids[kept].duplicated(keep="first").to_numpy()
    ledger.set_aside(
        dup, "duplicate address id (the first is kept)", column=roles.get("address_id")
    )
    kept = ledger.kept
    data = {
        role: (raw[roles[role]].astype("str").to_numpy()[kept] if role in roles else None)
        for role in _OUT
    }
    frame = pd.DataFrame(
        data, index=pd.Index(ids.to_numpy(dtype=object)[kept], name="address_id", dtype="str")
    )
    for role in _OUT:
        frame[role] = frame[role].astype("str")
    out = gpd.GeoDataFrame(
        frame,
        geometry=gpd.GeoSeries(points[kept], crs=source_crs).to_crs(working_crs()).to_numpy(),
        crs=working_crs(),
    )
    out = ledger.attach(out)
    out.attrs["layout"] = layout
    out.attrs["columns_used"] = roles
    return out
