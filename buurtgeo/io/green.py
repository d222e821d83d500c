"""Green, play and youth spaces as published: city park files and OpenStreetMap, as areas.

The physical living environment of children (*fysieke leefomgeving*) is measured with
areas, not points: a park is reached at its edge (see :mod:`buurtgeo.areal`) and its
size decides which green norm it serves (see :mod:`buurtgeo.green`). Every loader here
returns one row per space, in the working CRS, with its area:

``name`` (str), ``green_type`` (``'green'``: parks and public gardens; ``'play'``: play
space; ``'youth'``: youth space), ``area_m2`` (float, m²; NaN for a point), ``capacity``
(= ``area_m2``: the m² the 2SFCA shares), ``income_related`` (NA), ``geometry``
(Polygon or MultiPolygon; a youth centre may be a Point), index ``service_id``.

* :func:`read_green` — a city's file as published (GeoJSON, GeoPackage, Shapefile, also
  zipped), e.g. Stad Gent's ``parken-gent.geojson`` (columns ``naam``, ``urid``,
  ``statusnaam`` …): the name and id columns are found, planned spaces (status
  *gepland*) are set aside, as are rows without an area;
* :func:`read_osm_green` — an OpenStreetMap extract (``.osm.pbf``, ``.osm``) read with
  pyosmium; the tags chosen are in :data:`OSM_GREEN_TAGS`;
* :func:`read_osm_entrances` — the entrances and gates on the boundary of those areas
  (``entrance=*``, ``barrier=gate`` …), for :func:`buurtgeo.reach`'s ``entrances=``.

Rows read = rows used + rows set aside (``attrs["set_aside"]``, with the reason).
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from os import PathLike
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from buurtgeo import _proj  # noqa: F401  (PROJ network off before any transform)
from buurtgeo._checks import Checks
from buurtgeo.errors import InputError, InputWarning
from buurtgeo.io._ledger import RowLedger
from buurtgeo.schema import SERVICE_ID, working_crs

__all__ = [
    "GREEN_TYPES",
    "OSM_GREEN_TAGS",
    "OSM_ENTRANCE_TAGS",
    "read_green",
    "read_osm_green",
    "read_osm_entrances",
]

#: What a green, play or youth space is (the ``green_type`` column).
GREEN_TYPES: Mapping[str, tuple[str, str]] = {
    "green": ("openbaar groen (park, tuin, speelweide)", "public green (park, garden, green)"),
    "play": ("speelruimte", "play space"),
    "youth": ("jeugdruimte (open of overdekt)", "youth space (open or covered)"),
}

#: OpenStreetMap tags read by :func:`read_osm_green`: ``(key, value, green_type)``; a
#: ``(key, value)`` pair in the fourth place must be present too (a youth centre is an
#: ``amenity=community_centre`` with ``community_centre=youth_centre``).
OSM_GREEN_TAGS: tuple[tuple[str, str, str, tuple[str, str] | None], ...] = (
    ("leisure", "park", "green", None),
    ("leisure", "garden", "green", None),
    ("landuse", "recreation_ground", "green", None),
    ("landuse", "village_green", "green", None),
    ("leisure", "playground", "play", None),
    ("leisure", "pitch", "youth", None),  # open youth space: pitches, skate and ball courts
    ("amenity", "community_centre", "youth", ("community_centre", "youth_centre")),
    ("amenity", "community_centre", "youth", ("community_centre", "youth_club")),
    ("amenity", "youth_centre", "youth", None),  # covered youth space (jeugdhuis)
    ("leisure", "youth_centre", "youth", None),  # the same, as some mappers tag it
)
#: ``access`` values that make a space not public (set aside), and private gardens.
_NOT_PUBLIC = {"private", "no", "customers", "members"}
_PRIVATE_GARDEN = {"private", "residential"}

#: OpenStreetMap nodes read as entrances by :func:`read_osm_entrances`: any
#: ``entrance=*``, and these ``barrier`` values.
OSM_ENTRANCE_TAGS: tuple[str, ...] = (
    "gate",
    "entrance",
    "kissing_gate",
    "swing_gate",
    "turnstile",
    "wicket_gate",
    "bump_gate",
    "hampshire_gate",
)

_NAME_COLUMNS = ("naam", "name", "nom", "naam_nl", "label", "titel")
_ID_COLUMNS = ("service_id", "id", "urid", "globalid", "uuid", "objectid", "fid", "gentid")
_STATUS_COLUMNS = ("statusnaam", "status_naam", "status", "toestand")
#: Status words of a space that is not there yet (set aside).
PLANNED_WORDS: tuple[str, ...] = ("gepland", "planned", "ontwerp", "projet", "prévu")


def _find(columns: Sequence[str], names: Sequence[str]) -> str | None:
    lowered = {str(c).lower(): str(c) for c in columns}
    for name in names:
        if name in lowered:
            return lowered[name]
    return None


def _check_type(checks: Checks, green_type: Any) -> None:
    if green_type not in GREEN_TYPES:
        checks.add(f"kind must be one of {', '.join(GREEN_TYPES)}, got {green_type!r}")


def _result(
    names: pd.Series, green_type: pd.Series, geoms: np.ndarray, ids: pd.Index, crs: Any
) -> gpd.GeoDataFrame:
    area = np.where(np.isin(shapely.get_type_id(geoms), (3, 6)), shapely.area(geoms), np.nan)
    out = gpd.GeoDataFrame(
        {
            "name": pd.Series(names.to_numpy(dtype=object), dtype="str"),
            "green_type": pd.Series(green_type.to_numpy(dtype=object), dtype="str"),
            "area_m2": area.astype("float64"),
            "capacity": area.astype("float64"),
            "income_related": pd.Series(pd.NA, index=range(len(geoms)), dtype="boolean"),
        },
        geometry=gpd.GeoSeries(geoms, crs=crs),
        crs=crs,
    )
    out.index = pd.Index(ids, name=SERVICE_ID, dtype="str")
    return out


def read_green(
    path: str | PathLike[str],
    *,
    kind: str = "green",
    columns: Mapping[str, str] | None = None,
    layer: str | None = None,
    crs: str | int | None = None,
    planned: Sequence[str] = PLANNED_WORDS,
) -> gpd.GeoDataFrame:
    """Read a city's green, play or youth spaces as published (areas with their m²).

    Parameters
    ----------
    path : str or path-like
        A vector file (GeoJSON, GeoPackage, Shapefile, also zipped), one feature per
        space, e.g. Stad Gent's ``parken-gent.geojson``.
    kind : {'green', 'play', 'youth'}, default 'green'
        What the file holds: public green (parks; their size decides *buurtgroen* or
        *wijkgroen*, see :func:`buurtgeo.green_services`), play space or youth space.
    columns : dict, optional
        ``{'name': …, 'service_id': …, 'status': …}``: source columns of the name, a
        unique id and a status text. Found by name when not given (``naam``/``name``;
        ``id``/``urid``/``globalid`` …; ``statusnaam``/``status``).
    layer : str, optional
        A layer of a GeoPackage, or a file inside a zip.
    crs : str or int, optional
        The CRS when the file declares none and it cannot be recognised.
    planned : sequence of str, default ('gepland', 'planned', 'ontwerp', …)
        Status texts of spaces that are not there yet (set aside; case ignored).

    Returns
    -------
    GeoDataFrame
        Index ``service_id`` (the id column, else ``'<file stem>-<row>'``); ``name``,
        ``green_type``, ``area_m2`` and ``capacity`` (m²; NaN for points), ``income_related``
        (NA), ``status`` (when the file has one), ``geometry`` in the working CRS.
        ``attrs["set_aside"]``: features without geometry, planned, or without an area
        (a point or line in a green file; a line in a play or youth file), with the
        reason; invalid polygons are repaired (``shapely.make_valid``).
    """
    from buurtgeo.io._geo import read_vector, repair_geometries, to_working_crs

    checks = Checks("read_green")
    _check_type(checks, kind)
    for role in columns or {}:
        if role not in ("name", "service_id", "status"):
            checks.add(f"columns: unknown role {role!r} (expected name, service_id, status)")
    checks.raise_if_any(path=path)
    raw = read_vector(path, layer=layer)
    columns = dict(columns or {})
    for role in columns.values():
        if role not in raw.columns:
            raise InputError(
                f"column {role!r} not found", path=path, found=[str(c) for c in raw.columns]
            )
    data = [str(c) for c in raw.columns if c != "geometry"]
    name_col = columns.get("name") or _find(data, _NAME_COLUMNS)
    id_col = columns.get("service_id") or next(
        (c for c in (_find(data, (n,)) for n in _ID_COLUMNS) if c and raw[c].notna().all()
         and raw[c].is_unique),
        None,
    )  # fmt: skip
    status_col = columns.get("status") or next(
        (c for c in (_find(data, (n,)) for n in _STATUS_COLUMNS)
         if c and pd.api.types.is_string_dtype(raw[c])),
        None,
    )  # fmt: skip
    ledger = RowLedger(raw, source=path, first_row=1)
    if status_col is not None:
        text = raw[status_col].astype("str").str.strip().str.lower()
        words = {w.lower() for w in planned}
        is_planned = text.isin(words).to_numpy() & raw[status_col].notna().to_numpy()
        ledger.set_aside(
            is_planned,
            np.array([f"not there yet (status {v!r})" for v in raw[status_col]], dtype=object),
            column=status_col,
        )
    gdf = to_working_crs(raw, source=str(path), assume_crs=crs)
    gdf = repair_geometries(gdf.loc[ledger.kept], ledger)
    type_id = shapely.get_type_id(np.asarray(gdf.geometry.array))
    allowed = (3, 6) if kind == "green" else (0, 3, 6)
    wrong = ~np.isin(type_id, allowed)
    if wrong.any():
        reasons = np.full(len(raw), None, dtype=object)
        reasons[raw.index.get_indexer(gdf.index[wrong])] = [
            f"not an area ({t}): a {GREEN_TYPES[kind][1]} needs a polygon"
            for t in gdf.geom_type.to_numpy()[wrong]
        ]
        ledger.set_aside(pd.Series(wrong, index=gdf.index), reasons, column="geometry")
        gdf = gdf.loc[~wrong]
    stem = Path(path).name.split(".")[0]
    if id_col is not None:
        ids = pd.Index(gdf[id_col].astype("str"))
    else:
        ids = pd.Index([f"{stem}-{int(i) + 1}" for i in gdf.index])
    names = pd.Series(ids.to_numpy(dtype=object), index=gdf.index)
    if name_col is not None:
        names = gdf[name_col].astype(object).where(gdf[name_col].notna(), names)
    result = _result(
        names.reset_index(drop=True),
        pd.Series(kind, index=range(len(gdf))),
        np.asarray(gdf.geometry.array),
        ids,
        gdf.crs,
    )
    if status_col is not None:
        result.insert(4, "status", gdf[status_col].to_numpy(dtype=object).astype(str))
    result = ledger.attach(result)
    result.attrs["columns"] = {"name": name_col, "service_id": id_col, "status": status_col}
    return result


# --------------------------------------------------------------------------------------
# OpenStreetMap
# --------------------------------------------------------------------------------------


def _osm_path(path: str | PathLike[str], what: str) -> Path:
    from buurtgeo.io.osm import OSM_SUFFIXES

    p = Path(path)
    checks = Checks(what)
    if not p.exists():
        checks.add("file not found")
    elif not any(s.lower() in OSM_SUFFIXES for s in p.suffixes):
        checks.add(f"expected an OpenStreetMap extract ({', '.join(OSM_SUFFIXES)})")
    checks.raise_if_any(path=p)
    return p


def _green_type(tags: Any) -> tuple[str | None, str | None]:
    """The green type of an object's tags, and why it is set aside (None: kept)."""
    for key, value, green_type, also in OSM_GREEN_TAGS:
        if tags.get(key) != value:
            continue
        if also is not None and tags.get(also[0]) != also[1]:
            continue
        access = tags.get("access")
        if access in _NOT_PUBLIC:
            return green_type, f"not public (access={access})"
        if value == "garden" and tags.get("garden:type") in _PRIVATE_GARDEN:
            return green_type, f"private garden (garden:type={tags.get('garden:type')})"
        return green_type, None
    return None, None


def _scan_green(path: Path) -> tuple[list[dict[str, Any]], dict[tuple[str, int], Any]]:
    import osmium

    keys = sorted({k for k, _, _, _ in OSM_GREEN_TAGS})
    wkb = osmium.geom.WKBFactory()
    objects: list[dict[str, Any]] = []
    areas: dict[tuple[str, int], Any] = {}
    processor = (
        osmium.FileProcessor(str(path))
        .with_areas(osmium.filter.KeyFilter(*keys))
        .with_filter(osmium.filter.KeyFilter(*keys))
    )
    try:
        for obj in processor:
            if isinstance(obj, osmium.osm.Area):
                key = ("way" if obj.from_way() else "relation", obj.orig_id())
                try:
                    areas[key] = wkb.create_multipolygon(obj)
                except (RuntimeError, osmium.InvalidLocationError):
                    pass  # the object's row says it could not be assembled
                continue
            green_type, reason = _green_type(obj.tags)
            if green_type is None:
                continue
            record: dict[str, Any] = {
                "osm_type": {"n": "node", "w": "way", "r": "relation"}[obj.type_str()],
                "osm_id": obj.id,
                "name": obj.tags.get("name") or obj.tags.get("name:nl"),
                "green_type": green_type,
                "tags": ";".join(
                    f"{t.k}={t.v}" for t in obj.tags if t.k in keys or t.k == "access"
                ),
                "reason": reason,
                "point": None,
            }
            if isinstance(obj, osmium.osm.Node) and obj.location.valid():
                record["point"] = (obj.location.lon, obj.location.lat)
            objects.append(record)
    except RuntimeError as exc:
        raise InputError(f"cannot read the OpenStreetMap extract ({exc})", path=path) from None
    return objects, areas


def read_osm_green(
    path: str | PathLike[str], *, types: Sequence[str] | None = None
) -> gpd.GeoDataFrame:
    """Read green, play and youth spaces from an OpenStreetMap extract, as areas.

    Parameters
    ----------
    path : str or path-like
        ``.osm.pbf`` or ``.osm`` XML (also ``.osm.bz2``/``.gz``), read offline with
        pyosmium (libosmium assembles ways and multipolygon relations into areas).
    types : sequence of {'green', 'play', 'youth'}, optional
        Keep only these green types (default: all).

    Returns
    -------
    GeoDataFrame
        The columns of :func:`read_green` plus ``osm_type``, ``osm_id`` and ``tags``;
        index ``'osm-way-<id>'`` / ``'osm-relation-<id>'`` / ``'osm-node-<id>'``.

    Notes
    -----
    Tags (:data:`OSM_GREEN_TAGS`): public green ``leisure=park``, ``leisure=garden``,
    ``landuse=recreation_ground``, ``landuse=village_green``; play space
    ``leisure=playground``; youth space ``leisure=pitch`` (open: sports pitches, skate
    and ball courts), ``amenity=community_centre`` with ``community_centre=youth_centre``
    or ``youth_club``, ``amenity=youth_centre`` and ``leisure=youth_centre`` (covered:
    *jeugdhuizen*; a node is kept as a point). Set aside, with the reason: ``access=private|no|customers|members``,
    private gardens (``garden:type=private|residential``), a green or play space mapped
    as a node (no area), and an area libosmium cannot assemble (broken ring, cut by the
    extract's edge).
    """
    path = _osm_path(path, "read_osm_green")
    checks = Checks("read_osm_green")
    for t in types or ():
        _check_type(checks, t)
    checks.raise_if_any(path=path)
    objects, areas = _scan_green(path)
    if types is not None:
        objects = [o for o in objects if o["green_type"] in types]
    columns = ["osm_type", "osm_id", "name", "green_type", "tags"]
    raw = pd.DataFrame([{c: o[c] for c in columns} for o in objects], columns=columns)
    ledger = RowLedger(raw, source=path, first_row=1)
    reasons = np.array([o["reason"] for o in objects], dtype=object)
    ledger.set_aside(pd.notna(reasons), reasons, column="access")
    geoms = np.full(len(objects), None, dtype=object)
    for k, o in enumerate(objects):
        if o["osm_type"] == "node":
            if o["point"] is not None and o["green_type"] == "youth":
                geoms[k] = shapely.Point(o["point"])
        else:
            blob = areas.get((o["osm_type"], int(o["osm_id"])))
            geoms[k] = None if blob is None else shapely.from_wkb(blob)
    is_node = (raw["osm_type"] == "node").to_numpy()
    ledger.set_aside(
        is_node & pd.isna(geoms), "a node has no area (green and play spaces are areas)",
        column="geometry",
    )  # fmt: skip
    ledger.set_aside(pd.isna(geoms), "the area could not be assembled", column="geometry")
    kept = ledger.kept
    if not len(objects):
        warnings.warn(
            InputWarning(
                f"{path}: no green, play or youth space found",
                nl=f"{path}: geen groen, speelruimte of jeugdruimte gevonden",
            ),
            stacklevel=2,
        )
    lonlat = gpd.GeoSeries(list(geoms[kept]), crs="EPSG:4326")
    target = working_crs()
    projected = np.asarray(lonlat.to_crs(target).array) if len(lonlat) else np.zeros(0, object)
    ids = pd.Index(
        [f"osm-{t}-{i}" for t, i in zip(raw["osm_type"][kept], raw["osm_id"][kept], strict=True)]
    )
    names = raw["name"][kept].reset_index(drop=True)
    names = names.where(names.notna(), pd.Series(ids.to_numpy(), dtype=object))
    result = _result(names, raw["green_type"][kept].reset_index(drop=True), projected, ids, target)
    result["osm_type"] = raw["osm_type"][kept].to_numpy(dtype=object).astype(str)
    result["osm_id"] = raw["osm_id"][kept].to_numpy(dtype="int64")
    result["tags"] = raw["tags"][kept].to_numpy(dtype=object).astype(str)
    return ledger.attach(result)


def read_osm_entrances(
    path: str | PathLike[str], green: gpd.GeoDataFrame, *, tolerance_m: float = 1.0
) -> gpd.GeoDataFrame:
    """The entrances and gates on the boundary of green areas, from an OpenStreetMap extract.

    Parameters
    ----------
    path : str or path-like
        The extract the areas come from.
    green : GeoDataFrame
        Areas (e.g. :func:`read_osm_green`), index = their id, in the working CRS.
    tolerance_m : float, default 1
        How far (metres) a node may lie from an area's boundary to be its entrance.

    Returns
    -------
    GeoDataFrame
        One row per (entrance, area): ``green_id`` (the area's id), ``osm_id``, ``tags``,
        Point geometry in the working CRS. Pass it to :func:`buurtgeo.reach` (or
        :func:`buurtgeo.reach_all`) as ``entrances=``: an area with entrances is reached
        there only (a fenced park), the others where streets enter them.

    Notes
    -----
    Nodes with any ``entrance=*`` tag, and ``barrier`` = one of
    :data:`OSM_ENTRANCE_TAGS` (``gate``, ``kissing_gate``, ``turnstile`` …); not those
    with ``access=private|no|customers|members`` or ``entrance=no|exit``.
    """
    import osmium

    path = _osm_path(path, "read_osm_entrances")
    rows = []
    processor = osmium.FileProcessor(str(path), osmium.osm.NODE).with_filter(
        osmium.filter.KeyFilter("entrance", "barrier")
    )
    for node in processor:
        if not isinstance(node, osmium.osm.Node):
            continue
        tags = node.tags
        if "entrance" not in tags and tags.get("barrier") not in OSM_ENTRANCE_TAGS:
            continue
        if tags.get("access") in _NOT_PUBLIC or tags.get("entrance") in ("no", "exit"):
            continue  # a locked gate, an exit only
        if node.location.valid():
            text = ";".join(
                f"{t.k}={t.v}" for t in tags if t.k in ("entrance", "barrier", "access")
            )
            rows.append((node.id, text, node.location.lon, node.location.lat))
    frame = pd.DataFrame(rows, columns=["osm_id", "tags", "lon", "lat"])
    points = gpd.GeoSeries(gpd.points_from_xy(frame["lon"], frame["lat"]), crs="EPSG:4326")
    points = points.to_crs(green.crs) if len(points) else gpd.GeoSeries([], crs=green.crs)
    geoms = np.asarray(green.geometry.array)
    polygonal = np.isin(shapely.get_type_id(geoms), (3, 6))
    boundary = np.full(len(geoms), None, dtype=object)
    boundary[polygonal] = shapely.boundary(geoms[polygonal])
    pi, gi = shapely.STRtree(boundary).query(
        np.asarray(points.array), predicate="dwithin", distance=float(tolerance_m)
    )
    out = gpd.GeoDataFrame(
        {
            "green_id": pd.Series(green.index.to_numpy()[gi], dtype="str"),
            "osm_id": frame["osm_id"].to_numpy()[pi].astype("int64"),
            "tags": pd.Series(frame["tags"].to_numpy()[pi], dtype="str"),
        },
        geometry=np.asarray(points.array)[pi],
        crs=green.crs,
    )
    return out
