"""Services from OpenStreetMap extracts (``.osm.pbf`` or ``.osm`` XML), offline.

:func:`read_osm_services` reads an extract with pyosmium (libosmium does the parsing,
the node-location cache and the multipolygon assembly; its ``TagFilter`` drops every
object without a relevant tag before Python sees it) and turns the objects whose tags
match a service kind's ``osm_tags`` (:func:`buurtgeo.schema.service_kinds`) into the
canonical *services* table.

Tag → kind (built-in vocabulary)::

    amenity=childcare        → childcare_baby
    amenity=kindergarten     → nursery_school
    amenity=school           → primary_school   (OSM does not say which level: secondary
                                                 schools are tagged the same way)
    amenity=library          → library
    leisure=playground       → playground
    amenity=social_facility  → social_services

In Belgium ``amenity=kindergarten`` is used both for *kleuterscholen* (nursery schools)
and for *kinderdagverblijven* (day care); the vocabulary follows the OSM wiki
(kindergarten = pre-school education) and maps day care to ``amenity=childcare``.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from os import PathLike
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from buurtgeo import _proj  # noqa: F401  (PROJ network off before any transform)
from buurtgeo._checks import Checks
from buurtgeo.errors import InputError, InputWarning
from buurtgeo.io._ledger import RowLedger
from buurtgeo.io._tabular import to_number
from buurtgeo.options import get_option
from buurtgeo.schema import SERVICE_ID, service_kinds, working_crs

__all__ = ["read_osm_services", "osm_tag_kinds", "OSM_SUFFIXES"]

#: File name endings read as OpenStreetMap data.
OSM_SUFFIXES: tuple[str, ...] = (".pbf", ".osm", ".bz2", ".gz", ".o5m", ".opl")

_TYPE_NAMES = {"n": "node", "w": "way", "r": "relation"}


def osm_tag_kinds(kinds: Iterable[str] | None = None) -> dict[tuple[str, str], list[str]]:
    """Return ``{(key, value): [kind, ...]}`` for the kinds that have OSM tags.

    Parameters
    ----------
    kinds : iterable of str, optional
        Restrict to these kind keys (default: every kind with ``osm_tags``).
    """
    table: dict[tuple[str, str], list[str]] = {}
    for key, kind in service_kinds().items():
        if kinds is not None and key not in kinds:
            continue
        for tag in kind.osm_tags:
            table.setdefault((str(tag[0]), str(tag[1])), []).append(key)
    return table


def _validate(path: Path, kinds: Iterable[str] | None) -> list[str] | None:
    checks = Checks("read_osm_services")
    if not path.exists():
        checks.add("file not found")
    elif path.is_dir():
        checks.add("this is a folder, not an OSM extract")
    elif not any(s.lower() in OSM_SUFFIXES for s in path.suffixes):
        checks.add(f"expected an OpenStreetMap extract ({', '.join(OSM_SUFFIXES)})")
    chosen = None
    if kinds is not None:
        if isinstance(kinds, str):
            kinds = [kinds]
        chosen = list(kinds)
        known = service_kinds()
        unknown = [k for k in chosen if k not in known]
        if unknown:
            checks.add(f"unknown service kinds {unknown} (known: {', '.join(sorted(known))})")
        untagged = [k for k in chosen if k in known and not known[k].osm_tags]
        if untagged:
            with_tags = sorted(k for k, v in known.items() if v.osm_tags)
            checks.add(
                f"service kinds {untagged} have no OpenStreetMap tags (kinds with tags:"
                f" {', '.join(with_tags)}); register tags with buurtgeo.register_service_kind"
            )
    checks.raise_if_any(path=path)
    from buurtgeo.io._files import check_input

    check_input(path)  # no device, named pipe or zip bomb
    return chosen


def _scan(path: Path, tag_kinds: dict[tuple[str, str], list[str]]):
    """One pass over the extract; returns the matched objects and the area geometries."""
    import osmium

    tags = list(tag_kinds)
    # 'name', else the name in the label language, else Dutch, French, English
    name_keys = list(
        dict.fromkeys(["name", f"name:{get_option('language')}", "name:nl", "name:fr", "name:en"])
    )
    wkb = osmium.geom.WKBFactory()
    objects: list[dict] = []
    areas: dict[tuple[str, int], str] = {}
    processor = (
        osmium.FileProcessor(str(path))
        .with_areas(osmium.filter.TagFilter(*tags))
        .with_filter(osmium.filter.TagFilter(*tags))
    )
    try:
        for obj in processor:
            if isinstance(obj, osmium.osm.Area):  # what obj.is_area() tests
                key = ("way" if obj.from_way() else "relation", obj.orig_id())
                try:
                    areas[key] = wkb.create_multipolygon(obj)
                except (RuntimeError, osmium.InvalidLocationError):
                    pass  # the way/relation row is set aside or falls back below
                continue
            osm_type = _TYPE_NAMES[obj.type_str()]
            matched: list[str] = []
            for tag in tags:
                if obj.tags.get(tag[0]) == tag[1]:
                    matched.extend(k for k in tag_kinds[tag] if k not in matched)
            record = {
                "osm_type": osm_type,
                "osm_id": obj.id,
                "kinds": matched,
                "name": next((obj.tags[k] for k in name_keys if k in obj.tags), None),
                "capacity": obj.tags.get("capacity"),
                "tags": ";".join(
                    f"{k}={v}" for k, v in sorted(obj.tags) if k in {t[0] for t in tags}
                ),
                "lon": np.nan,
                "lat": np.nan,
                "line": None,
                "closed": False,
                "relation_type": None,
                "partial": False,
                "refs": None,
            }
            if isinstance(obj, osmium.osm.Node):  # osm_type 'node'
                if obj.location.valid():
                    record["lon"], record["lat"] = obj.location.lon, obj.location.lat
            elif isinstance(obj, osmium.osm.Way):  # osm_type 'way'
                record["closed"] = obj.is_closed()
                try:
                    record["line"] = wkb.create_linestring(obj)
                except (RuntimeError, osmium.InvalidLocationError):
                    # cut by the edge of the extract: locate it by the nodes that are inside
                    inside = [(n.lon, n.lat) for n in obj.nodes if n.location.valid()]
                    record["refs"] = [n.ref for n in obj.nodes]
                    if inside:
                        record["lon"], record["lat"] = np.mean(np.asarray(inside), axis=0)
                        record["partial"] = True
            else:
                record["relation_type"] = obj.tags.get("type")
            objects.append(record)
    except RuntimeError as exc:  # libosmium: unreadable or truncated file
        raise InputError(
            f"cannot read the OpenStreetMap extract ({exc})",
            path=path,
            expected="an .osm.pbf or .osm XML file",
        ) from None
    return objects, areas


def _object_rows(objects: list[dict], columns: list[str]) -> pd.DataFrame:
    """One row per (matched object, kind); ``service_id`` gets ``'-<kind>'`` when an
    object matches several kinds."""
    rows = []
    for record in objects:
        several = len(record["kinds"]) > 1
        for kind in record["kinds"]:
            base = f"osm-{record['osm_type']}-{record['osm_id']}"
            rows.append(
                {**record, "service_kind": kind, SERVICE_ID: f"{base}-{kind}" if several else base}
            )
    return pd.DataFrame(
        rows,
        columns=[*columns, "lon", "lat", "line", "closed", "relation_type", "partial", "refs"],
    )


def _locations(
    raw: pd.DataFrame, areas: dict[tuple[str, int], str], ledger: RowLedger
) -> tuple[np.ndarray, np.ndarray]:
    """Longitude and latitude per row (vectorised over the few matched objects): a point
    inside the area, the middle of the line or the node; rows without one are set aside."""
    lon = raw["lon"].to_numpy(dtype=float, copy=True)
    lat = raw["lat"].to_numpy(dtype=float, copy=True)
    keys = list(zip(raw["osm_type"], raw["osm_id"], strict=True))
    area_wkb = np.array([areas.get(k) for k in keys], dtype=object)
    has_area = pd.notna(area_wkb)
    if has_area.any():
        inner = shapely.point_on_surface(shapely.from_wkb(area_wkb[has_area].tolist()))
        lon[has_area] = shapely.get_x(inner)
        lat[has_area] = shapely.get_y(inner)
    line_wkb = raw["line"].to_numpy(dtype=object)
    use_line = ~has_area & pd.notna(line_wkb)
    if use_line.any():
        lines = shapely.from_wkb(line_wkb[use_line].tolist())
        mid = shapely.line_interpolate_point(lines, 0.5, normalized=True)
        lon[use_line] = shapely.get_x(mid)
        lat[use_line] = shapely.get_y(mid)
    is_relation = (raw["osm_type"] == "relation").to_numpy()
    not_mp = is_relation & ~raw["relation_type"].isin(["multipolygon", "boundary"]).to_numpy()
    ledger.set_aside(
        not_mp & ~has_area,
        np.array(
            [f"relation of type {t!r} is not an area" for t in raw["relation_type"]], dtype=object
        ),
        column="type",
    )
    ledger.set_aside(
        is_relation & ~has_area, "multipolygon could not be assembled", column="geometry"
    )
    ledger.set_aside(
        ~(np.isfinite(lon) & np.isfinite(lat)), "no usable location", column="geometry"
    )
    return lon, lat


def _negative_id_ways(raw: pd.DataFrame, path: Path) -> None:
    """Ways whose nodes have negative ids (created in JOSM, not uploaded): libosmium's
    location index has no place for them; locate them from the file's nodes
    (:func:`buurtgeo.io._osm_integrity.node_locations`), as any other way (in place)."""
    # ``refs`` is kept for the ways libosmium could not build a line for
    todo = [i for i, r in enumerate(raw["refs"]) if isinstance(r, list) and min(r, default=0) < 0]
    if not todo:
        return
    from buurtgeo.io._osm_integrity import node_locations

    nodes = node_locations(path).drop_duplicates("id").set_index("id")
    for i in todo:
        at = nodes.reindex(raw["refs"].iat[i])
        xy = at[["lon", "lat"]].to_numpy(dtype=float)
        xy = xy[np.isfinite(xy).all(axis=1)]
        if len(xy) < 2:
            continue
        line = shapely.linestrings(xy)
        raw.loc[raw.index[i], "line"] = shapely.to_wkb(line)
        raw.loc[raw.index[i], "partial"] = len(xy) < len(at)
        raw.loc[raw.index[i], ["lon", "lat"]] = np.nan


def _odd_locations(raw: pd.DataFrame, lon: np.ndarray, lat: np.ndarray, ledger: RowLedger) -> None:
    """Set aside objects whose id occurs twice at other places, and objects far outside
    the area the working CRS is made for (see :mod:`buurtgeo.io._osm_integrity`)."""
    from buurtgeo.io._osm_integrity import MARGIN_DEG

    keys = raw["osm_type"].astype(str) + "/" + raw["osm_id"].astype(str)
    place = pd.DataFrame({"key": keys, "lon": np.round(lon, 7), "lat": np.round(lat, 7)})
    places = place.drop_duplicates().groupby("key").size()
    clash = keys.map(places).fillna(0).to_numpy() > 1
    reasons = np.array(
        [f"{k.replace('/', ' ')} appears twice with other coordinates" for k in keys], dtype=object
    )
    ledger.set_aside(clash, reasons, column="id")
    # one object matching several kinds has one row per kind: only a repeated row is a copy
    same = raw[SERVICE_ID].duplicated().to_numpy() & ~clash
    ledger.set_aside(same, "the same object twice in the file", column="id")
    area = working_crs().area_of_use
    if area is None:
        return
    with np.errstate(invalid="ignore"):
        far = np.isfinite(lon) & ~(
            (lon >= area.west - MARGIN_DEG)
            & (lon <= area.east + MARGIN_DEG)
            & (lat >= area.south - MARGIN_DEG)
            & (lat <= area.north + MARGIN_DEG)
        )
    texts = np.array(
        [
            f"at lon {a:.6f}, lat {b:.6f}: far outside the area of the working CRS"
            for a, b in zip(lon, lat, strict=True)
        ],
        dtype=object,
    )
    ledger.set_aside(far, texts, column="geometry")


def read_osm_services(
    path: str | PathLike[str],
    *,
    kinds: Iterable[str] | None = None,
) -> gpd.GeoDataFrame:
    """Read services (schools, childcare, libraries, playgrounds, ...) from an OSM extract.

    Parameters
    ----------
    path : str or path-like
        An OpenStreetMap extract: ``.osm.pbf`` or ``.osm`` XML (also ``.osm.bz2``/``.gz``),
        read offline with pyosmium. It can lie anywhere: no Belgian-bounds check is made
        (OSM coordinates are WGS84 by definition); set the ``working_crs`` option to a
        metric CRS for the region (e.g. ``bg.set_options(working_crs="EPSG:3067")`` for
        Finland) — a warning says when the services fall outside the working CRS's area.
    kinds : iterable of str, optional
        Service kinds to keep (keys of :func:`buurtgeo.service_kinds` that have
        ``osm_tags``). Default: every kind with OSM tags.

    Returns
    -------
    GeoDataFrame
        Index ``service_id``: ``'osm-node-<id>'``, ``'osm-way-<id>'`` or
        ``'osm-relation-<id>'`` (with ``'-<kind>'`` appended when one object matches
        several kinds, one row per kind); columns ``name`` (the ``name`` tag; when absent
        ``name:<language option>``, ``name:nl``, ``name:fr`` or ``name:en``),
        ``service_kind``, ``capacity`` (the ``capacity`` tag when it is a number, else NaN;
        places), ``income_related`` (NA: OSM does not say), ``osm_type``, ``osm_id``,
        ``geometry`` (Point in the working CRS). ``attrs["set_aside"]`` lists the
        (object, kind) rows without a usable location, with the reason.

    Notes
    -----
    Location of each object: a node's position; for a closed way or a multipolygon
    relation a point inside the area assembled by libosmium
    (``shapely.point_on_surface``, always inside, unlike the centroid of an L-shaped
    school ground); for an open way, or a closed way whose ring libosmium could not
    assemble, the middle of the line (``shapely.line_interpolate_point`` at half its
    length); a way cut by the edge of the extract (some nodes missing), at the mean of
    the nodes that are inside. Relations that are not multipolygons (e.g. ``type=site``)
    and multipolygons that cannot be assembled are set aside. Rows in = one per (matched
    object, kind).
    """
    path = Path(path)
    chosen = _validate(path, kinds)
    tag_kinds = osm_tag_kinds(chosen)
    objects, areas = _scan(path, tag_kinds)
    if not objects:
        tags = ", ".join(f"{k}={v}" for k, v in tag_kinds)
        warnings.warn(
            InputWarning(
                f"{path}: no object carries any of the tags {tags}; the result is empty",
                nl=f"{path}: geen enkel object draagt een van de tags {tags}; niets gevonden",
            ),
            stacklevel=2,
        )

    columns = [SERVICE_ID, "osm_type", "osm_id", "service_kind", "name", "capacity", "tags"]
    raw = _object_rows(objects, columns)
    ledger = RowLedger(raw[columns], source=path, first_row=1)
    n = len(raw)
    _negative_id_ways(raw, path)
    lon, lat = _locations(raw, areas, ledger)
    _odd_locations(raw, lon, lat, ledger)

    # --- capacity tag
    capacity, not_number = to_number(
        raw["capacity"].astype("str").where(raw["capacity"].notna(), None), decimal="."
    )
    kept = ledger.kept
    notes = []
    if (not_number & kept).any():
        examples = sorted(set(raw.loc[not_number & kept, "capacity"]))[:5]
        notes.append(
            f"{int((not_number & kept).sum())} capacity tag(s) are not numbers ({examples}): NaN"
        )
    from buurtgeo.io.services import MAX_CAPACITY

    huge = (capacity > MAX_CAPACITY) & kept
    if huge.any():
        notes.append(
            f"{int(huge.sum())} capacity tag(s) above {MAX_CAPACITY:,} places are implausible: NaN"
        )
    capacity = capacity.where((capacity >= 0) & (capacity <= MAX_CAPACITY))
    partial = raw["partial"].to_numpy(dtype=bool) & kept
    if partial.any():
        notes.append(
            f"{int(partial.sum())} way(s) are cut by the edge of the extract: located at the mean"
            " of their nodes inside it"
        )

    target = working_crs()
    points = gpd.GeoSeries(
        shapely.points(np.where(kept, lon, 0.0), np.where(kept, lat, 0.0))[kept], crs="EPSG:4326"
    )
    if len(points):
        area = target.area_of_use
        if area is not None:
            outside = ~(
                points.x.between(area.west, area.east) & points.y.between(area.south, area.north)
            )
            if outside.any():
                message = (
                    f"{int(outside.sum())} of {len(points)} services lie outside the area of use of"
                    f" the working CRS {target.to_string()} ({area.name}); set the working_crs"
                    " option to a metric CRS for this region"
                )
                notes.append(message)
                nl = (
                    f"{path}: {int(outside.sum())} van {len(points)} voorzieningen liggen buiten"
                    f" het gebied van het werkstelsel {target.to_string()} ({area.name}); kies"
                    " met de optie working_crs een metrisch stelsel voor deze streek"
                )
                warnings.warn(InputWarning(f"{path}: {message}", nl=nl), stacklevel=2)
    points = points.to_crs(target)
    result = gpd.GeoDataFrame(
        {
            "name": pd.Series(raw["name"].to_numpy(dtype=object)[kept], dtype="str"),
            "service_kind": pd.Series(
                raw["service_kind"].to_numpy(dtype=object)[kept], dtype="str"
            ),
            "capacity": pd.Series(capacity.to_numpy(dtype=float)[kept], dtype="float64"),
            "income_related": pd.Series(pd.NA, index=range(int(kept.sum())), dtype="boolean"),
            "osm_type": pd.Series(raw["osm_type"].to_numpy(dtype=object)[kept], dtype="str"),
            "osm_id": pd.Series(raw["osm_id"].to_numpy()[kept], dtype="int64"),
        },
        geometry=points.reset_index(drop=True),
        crs=target,
    )
    result.index = pd.Index(
        raw[SERVICE_ID].to_numpy(dtype=object)[kept], name=SERVICE_ID, dtype="str"
    )
    result = ledger.attach(result)
    result.attrs["notes"] = notes
    result.attrs["rows_in"] = n
    return result
