"""Street networks for walking and cycling: OpenStreetMap files and road-segment lines.

:func:`read_network` reads

* OpenStreetMap ``.osm`` (XML, also ``.osm.gz``/``.osm.bz2``) and ``.osm.pbf`` files
  with pyosmium: ways with a ``highway`` tag that the travel mode may use become edges
  between consecutive way nodes (every way node is a graph node, so ways are split
  exactly where they share a node); lengths are straight segments between nodes in the
  working CRS;
* road-segment lines (the Flemish Wegenregister as GeoPackage, Shapefile or GeoJSON,
  also zipped, e.g. Stad Gent's ``wegsegmenten-gent`` export) in EPSG:31370, 3812 or
  4326: each line is an edge between its end points (end points within
  ``snap_tolerance_m`` merged); its length is the line's length in the working CRS.

It keeps the largest connected part and returns a :class:`buurtgeo.network.Network`
whose ``set_aside`` lists, one row per source segment (OSM way or line feature), every
segment that ended up in no edge, with the reason, so that::

    network.stats["segments_read"] == network.stats["segments_used"] + len(network.set_aside)

What is excluded by mode
------------------------
OpenStreetMap, ``mode='walk'``: ``highway`` = motorway, motorway_link, trunk,
trunk_link, construction, proposed, planned, abandoned, disused, raceway,
bus_guideway; ``foot=no``; ``access`` = private or no unless ``foot`` = yes,
designated or permissive.

OpenStreetMap, ``mode='bike'``: ``highway`` = motorway, motorway_link, trunk,
trunk_link (and the not-built kinds above); footway, steps, pedestrian, bridleway,
corridor unless ``bicycle`` = yes, designated or permissive; ``bicycle=no``; ``access``
= private or no unless ``bicycle`` = yes, designated or permissive.

One-way streets (OpenStreetMap, ``mode='bike'`` only; walking is two-way everywhere):
the network is *directed* and a way may only be cycled the way it goes when
``oneway`` = yes/true/1 (or ``junction`` = roundabout/circular without ``oneway=no``),
against it when ``oneway`` = -1/reverse; unless cyclists are exempted:
``oneway:bicycle`` = no, or ``cycleway``, ``cycleway:left``, ``cycleway:right`` or
``cycleway:both`` = opposite, opposite_lane, opposite_track or opposite_share_busway.
``oneway:bicycle`` = yes (-1) makes a way one-way (against its direction) for bikes
alone. ``oneway`` = reversible/alternating counts as two-way.

Road-segment lines, both modes: motorways, recognised as Wegenregister ``morfologie``
(or ``morf``/``lblmorf``) 'autosnelweg' or code 101; the Gent export's
``functional_roadclass`` '0' ('Motorway, Freeway, or Other Major Road'); ``kenmerk``
'Snelweg' on a segment without a street name. Also tram-only tracks (``morfologie``
'tramweg…') and segments whose Wegenregister status (``lblstatus``) is 'gepland',
'vergund', 'in opbouw' or 'buiten gebruik'. ``mode='all'`` excludes nothing.

Road-segment lines and cycling: read two-way for bikes too (the network is
undirected). What the files hold, and why none of it is used for direction:

* the Flemish Wegenregister's segment attributes (``morfologie``, ``wegcategorie``,
  ``status``, ``toegangsbeperking``, ``beheerder``, street names; lanes, width and
  surface as attribute events) say nothing about which way a cyclist may ride;
* Stad Gent's ``wegsegmenten-gent`` export adds ``rijrichting`` ('D' both ways, 'FT' in
  the direction the line is drawn, 'TF' against it, 'N', or empty: 9,099 D, 1,639 FT,
  1,589 TF, 1,001 N and 938 empty of 14,266 segments) and ``rr_type`` ('Algemeen',
  'Beperkt', 'Middenberm', 'Rotonde' or empty). ``rijrichting`` is the direction for
  motor traffic, and nothing in the file says whether cyclists are exempted: in
  Belgium most one-way streets are *beperkt eenrichtingsverkeer* (two-way for bikes),
  which ``rr_type`` 'Beperkt' plausibly marks (2,399 segments, 1,519 of them FT/TF, and
  871 of the 'N'), but the export documents neither column. Applying ``rijrichting``
  would close streets that children may cycle both ways; ignoring it opens, for bikes,
  the few roundabouts ('Rotonde') and split carriageways ('Middenberm') that are one-way
  for everyone, where a cycle path usually runs beside them. We ignore it.
  :meth:`buurtgeo.Network.from_lines` takes a ``oneway`` array for whoever knows
  better (e.g. ``rijrichting`` FT → 1, TF → -1 where ``rr_type`` is not 'Beperkt').
* ``functional_roadclass`` '10' (Path), ``kenmerk`` 'Pad'/'Trage wegen' and
  ``rijrichting`` 'N' are kept in both modes: paths and roads closed to motor traffic
  are where children walk and cycle.
"""

from __future__ import annotations

from os import PathLike
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import pandas as pd

from buurtgeo import _proj  # noqa: F401  (PROJ network off before any transform)
from buurtgeo._checks import Checks
from buurtgeo.errors import InputError, NetworkError
from buurtgeo.io._ledger import RowLedger
from buurtgeo.network import Network
from buurtgeo.schema import working_crs

if TYPE_CHECKING:  # pragma: no cover
    from collections.abc import Iterable

    import geopandas as gpd

__all__ = ["read_network", "OSM_SUFFIXES", "MODES"]

#: File name endings read as OpenStreetMap data.
OSM_SUFFIXES: tuple[str, ...] = (".osm", ".osm.pbf", ".pbf", ".osm.gz", ".osm.bz2", ".o5m")
#: Modes that :func:`read_network` knows how to filter for.
MODES: tuple[str, ...] = ("walk", "bike", "all")

_NOT_BUILT = ("construction", "proposed", "planned", "abandoned", "disused", "razed")
_MOTOR = ("motorway", "motorway_link", "trunk", "trunk_link")
_ALLOWED = ("yes", "designated", "permissive")
_OSM_TAGS = (
    "highway",
    "name",
    "foot",
    "bicycle",
    "access",
    "oneway",
    "oneway:bicycle",
    "junction",
    "cycleway",
    "cycleway:left",
    "cycleway:right",
    "cycleway:both",
)
_YES = ("yes", "true", "1")
_REVERSE = ("-1", "reverse")


class _IndexedLedger(RowLedger):
    """A ledger over a subset of the source rows: row numbers come from the index."""

    def row_number(self, position):
        return np.asarray(self.raw.index)[position] + self.first_row


def _check_args(path: Any, mode: Any, bbox: Any, snap_tolerance_m: Any) -> tuple[Path, Any]:
    checks = Checks("read_network")
    if mode not in MODES:
        checks.add(f"mode must be one of {', '.join(map(repr, MODES))}, got {mode!r}")
    if (
        not isinstance(snap_tolerance_m, int | float)
        or isinstance(snap_tolerance_m, bool)
        or not np.isfinite(snap_tolerance_m)
        or snap_tolerance_m < 0
    ):
        checks.add(f"snap_tolerance_m must be a number >= 0 (metres), got {snap_tolerance_m!r}")
    box = None
    if bbox is not None:
        if hasattr(bbox, "total_bounds") and hasattr(bbox, "crs"):
            if bbox.crs is None:
                checks.add("bbox frame has no CRS")
            else:
                box = tuple(bbox.to_crs("EPSG:4326").total_bounds.tolist())
        else:
            try:
                box = tuple(float(b) for b in bbox)
            except (TypeError, ValueError):
                box = ()
            if len(box) != 4:
                checks.add(
                    "bbox must be (west, south, east, north) in degrees or a GeoDataFrame,"
                    f" got {bbox!r}"
                )
                box = None
        if box is not None and not (box[0] < box[2] and box[1] < box[3]):
            checks.add(f"bbox must have west < east and south < north, got {box}")
    checks.raise_if_any(path=path)
    path = Path(path)
    if not path.exists():
        raise InputError("file not found", path=path)
    from buurtgeo.io._files import check_input

    check_input(path)  # no device, named pipe or zip bomb
    return path, box


def read_network(
    path: str | PathLike[str],
    *,
    mode: str = "walk",
    layer: str | None = None,
    bbox: tuple[float, float, float, float] | gpd.GeoDataFrame | None = None,
    snap_tolerance_m: float = 0.5,
) -> Network:
    """Read a walking or cycling street network from an OSM file or road-segment lines.

    Parameters
    ----------
    path : str or path-like
        ``.osm``/``.osm.pbf`` (OpenStreetMap), or a line file (GeoPackage, Shapefile,
        GeoJSON; also inside a ``.zip``, given as its path or as
        ``zip:///folder/file.zip`` or ``zip:///folder/file.zip!member``).
    mode : {'walk', 'bike', 'all'}, default 'walk'
        Which segments may be used (see the module docstring); 'all' keeps every
        highway way / line.
    layer : str, optional
        Layer of a GeoPackage, or file inside a zip.
    bbox : tuple of 4 float or GeoDataFrame, optional
        Keep only segments that touch this box: (west, south, east, north) in degrees
        (EPSG:4326), or the bounds of a GeoDataFrame (any CRS). Segments outside are
        not counted as read. An OSM way is kept whole when one of its nodes lies in
        the box; a line when its bounding box overlaps it.
    snap_tolerance_m : float, default 0.5
        Line files: end points closer than this (metres) become one node. Not used for
        OSM files, whose ways share node ids.

    Returns
    -------
    Network
        In the working CRS (:func:`buurtgeo.schema.working_crs`), ``mode`` set; the
        largest connected part only. ``set_aside`` has one row per unused source
        segment: ``source``, ``row`` (1-based feature number, or way number among the
        file's highway ways), ``column``, ``reason`` and the source values;
        ``stats`` holds ``segments_read``, ``segments_used``, ``segments_set_aside``,
        ``edges``, ``nodes`` and ``source``.

    Raises
    ------
    InputError
        When the file is missing or unreadable, or an argument is invalid.
    NetworkError
        When no usable edge is left (the message names the file).
    """
    text = str(path)
    if text.startswith("zip://"):  # geopandas/fiona style: zip:///folder/file.zip!member
        text, _, member = text[len("zip://") :].partition("!")
        path, layer = text, layer or (member or None)
    path, box = _check_args(path, mode, bbox, snap_tolerance_m)
    name = path.name.lower()
    if any(name.endswith(s) for s in OSM_SUFFIXES):
        return _read_osm(path, mode, box)
    return _read_lines(path, mode, layer, box, float(snap_tolerance_m))


# ------------------------------------------------------------------------------ OSM


def _osm_way_reason(tags: pd.DataFrame, mode: str) -> tuple[np.ndarray, np.ndarray]:
    """Reason to leave each way out for ``mode`` (None: usable) and the deciding tag."""
    hw = tags["highway"].fillna("").to_numpy(dtype=object)
    foot = tags["foot"].fillna("").to_numpy(dtype=object)
    bike = tags["bicycle"].fillna("").to_numpy(dtype=object)
    access = tags["access"].fillna("").to_numpy(dtype=object)
    reason = np.full(len(hw), None, dtype=object)
    column = np.full(len(hw), None, dtype=object)

    def mark(mask: np.ndarray, text: str, tag: str = "highway") -> None:
        new = mask & (reason == None)  # noqa: E711
        reason[new] = text
        column[new] = tag

    mark(np.isin(hw, _NOT_BUILT), "highway not built or not in use")
    if mode == "all":
        return reason, column
    mark(hw == "raceway", "raceway")
    mark(np.isin(hw, _MOTOR), f"motorway or trunk road (not for mode {mode!r})")
    mark(hw == "bus_guideway", "bus guideway")
    if mode == "walk":
        mark(foot == "no", "foot=no", "foot")
        mark(
            np.isin(access, ("private", "no")) & ~np.isin(foot, _ALLOWED),
            "access=private/no",
            "access",
        )
    else:
        foot_only = np.isin(hw, ("footway", "steps", "pedestrian", "bridleway", "corridor"))
        mark(foot_only & ~np.isin(bike, _ALLOWED), "footway/steps/pedestrian without bicycle=yes")
        mark(bike == "no", "bicycle=no", "bicycle")
        mark(
            np.isin(access, ("private", "no")) & ~np.isin(bike, _ALLOWED),
            "access=private/no",
            "access",
        )
    return reason, column


def _osm_oneway(tags: pd.DataFrame, mode: str) -> np.ndarray:
    """Which way each way may be travelled in ``mode`` (int8: 0 both, 1 along the way,
    -1 against it); one-way streets count for bikes only (see the module docstring)."""
    n = len(tags)
    if mode != "bike" or n == 0:
        return np.zeros(n, dtype=np.int8)

    def col(name: str) -> np.ndarray:
        return tags[name].fillna("").astype(str).str.strip().str.lower().to_numpy(dtype=object)

    ow, ow_bike, junction = col("oneway"), col("oneway:bicycle"), col("junction")
    out = np.zeros(n, dtype=np.int8)
    out[np.isin(junction, ("roundabout", "circular")) & (ow != "no")] = 1
    out[np.isin(ow, _YES)] = 1
    out[np.isin(ow, _REVERSE)] = -1
    out[np.isin(ow, ("no", "false", "0", "reversible", "alternating"))] = 0
    opposite = np.zeros(n, dtype=bool)
    for name in ("cycleway", "cycleway:left", "cycleway:right", "cycleway:both"):
        opposite |= np.char.startswith(col(name).astype(str), "opposite")
    out[opposite] = 0
    out[np.isin(ow_bike, ("no", "false", "0"))] = 0
    out[np.isin(ow_bike, _YES)] = 1
    out[np.isin(ow_bike, _REVERSE)] = -1
    return out


def _read_osm(path: Path, mode: str, box: tuple[float, ...] | None) -> Network:
    from buurtgeo.io._osm_integrity import way_node_problems

    raw, counts_a, refs_a, lon, lat = _scan_ways(path)
    way_of_node = np.repeat(np.arange(len(raw)), counts_a)
    # duplicate node ids, negative ids, absurd coordinates (io._osm_integrity)
    node_reason, lon, lat = way_node_problems(path, way_of_node, len(raw), refs_a, lon, lat)
    raw = raw.assign(_nodes=node_reason)
    valid = np.isfinite(lon) & np.isfinite(lat)

    if box is not None and len(raw):
        inside = valid & (lon >= box[0]) & (lon <= box[2]) & (lat >= box[1]) & (lat <= box[3])
        way_in = np.bincount(way_of_node, weights=inside, minlength=len(raw)) > 0
        keep_node = way_in[way_of_node]
        raw = raw[way_in]  # keeps the original positions as index → row numbers
        refs_a, lon, lat, valid = (
            refs_a[keep_node],
            lon[keep_node],
            lat[keep_node],
            valid[keep_node],
        )
        way_of_node = np.searchsorted(np.flatnonzero(way_in), way_of_node[keep_node])
        counts_a = counts_a[way_in]
    else:
        raw.index = pd.RangeIndex(len(raw))

    problems = raw.pop("_nodes").to_numpy(dtype=object)
    ledger = _IndexedLedger(raw, source=path, first_row=1)
    ledger.set_aside(problems != None, problems, column="nd")  # noqa: E711
    _set_aside_by_column(ledger, *_osm_way_reason(raw, mode))

    # edges between consecutive way nodes of usable ways, both with a location
    same_way = way_of_node[1:] == way_of_node[:-1]
    usable_way = ledger.kept
    pair = same_way & valid[1:] & valid[:-1] & usable_way[way_of_node[:-1]]
    e_from = np.flatnonzero(pair)
    e_to = e_from + 1
    e_way = way_of_node[e_from]
    no_edge = usable_way & (np.bincount(e_way, minlength=len(raw)) == 0)
    ledger.set_aside(no_edge, "fewer than 2 consecutive nodes with a location in the file")
    if len(e_from) == 0:
        raise NetworkError(
            f"no usable street segments for mode {mode!r}",
            path=path,
            found=f"{len(raw)} highway ways",
        )
    node_ids, node_of, x, y = _node_xy(refs_a, lon, lat, valid)
    u, v = node_of[e_from], node_of[e_to]
    length = np.hypot(x[u] - x[v], y[u] - y[v])
    # an edge runs from a way node to the next one: it takes the way's direction
    oneway = _osm_oneway(raw, mode)[e_way]
    net = Network.from_edges(
        u, v, length, x, y, crs=working_crs(), mode=mode, node_id=node_ids, oneway=oneway
    )
    sa_rows = e_way[net.set_aside["edge"].to_numpy()]
    return _finish(net, ledger, sa_rows, e_way[net._edge_of_input], path)


def _scan_ways(path: Path) -> tuple[pd.DataFrame, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """One pass over the file: the highway ways (``osm_id`` and the tags of
    ``_OSM_TAGS``), their node counts, and each way node's id, longitude and latitude
    (NaN where the file has no location)."""
    import osmium

    way_ids: list[int] = []
    tag_rows: list[tuple[Any, ...]] = []
    refs: list[int] = []
    lons: list[float] = []
    lats: list[float] = []
    counts: list[int] = []
    try:
        fp = (
            osmium.FileProcessor(str(path), osmium.osm.NODE | osmium.osm.WAY)
            .with_locations()
            .with_filter(osmium.filter.EntityFilter(osmium.osm.WAY))
            .with_filter(osmium.filter.KeyFilter("highway"))
        )
        for way in cast("Iterable[osmium.osm.Way]", fp):  # EntityFilter(WAY): ways only
            tags = way.tags
            way_ids.append(way.id)
            tag_rows.append(tuple(tags.get(k) for k in _OSM_TAGS))
            k = 0
            for nd in way.nodes:
                loc = nd.location
                refs.append(nd.ref)
                if loc.valid():
                    lons.append(loc.lon)
                    lats.append(loc.lat)
                else:
                    lons.append(np.nan)
                    lats.append(np.nan)
                k += 1
            counts.append(k)
    except RuntimeError as exc:
        raise InputError(
            "cannot read the file as OpenStreetMap data", path=path, found=str(exc)[:200]
        ) from None

    raw = pd.DataFrame(tag_rows, columns=list(_OSM_TAGS), dtype=object)
    raw.insert(0, "osm_id", np.asarray(way_ids, dtype=np.int64))
    counts_a = np.asarray(counts, dtype=np.int64)
    refs_a = np.asarray(refs, dtype=np.int64)
    lon = np.asarray(lons, dtype=np.float64)
    lat = np.asarray(lats, dtype=np.float64)
    return raw, counts_a, refs_a, lon, lat


def _node_xy(
    refs_a: np.ndarray, lon: np.ndarray, lat: np.ndarray, valid: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The distinct node ids, each way node's position among them, and each node's x, y
    in the working CRS (its first location in the file; 0, 0 for nodes without one)."""
    from pyproj import Transformer

    order = np.argsort(refs_a, kind="stable")  # np.unique, without its slow hash path
    new_id = np.ones(len(order), dtype=bool)
    new_id[1:] = refs_a[order][1:] != refs_a[order][:-1]
    node_ids = refs_a[order][new_id]
    node_of = np.empty(len(order), dtype=np.int64)
    node_of[order] = np.cumsum(new_id) - 1
    first = np.full(len(node_ids), len(refs_a), dtype=np.int64)
    cand = np.flatnonzero(valid)
    np.minimum.at(first, node_of[cand], cand)
    to_xy = Transformer.from_crs("EPSG:4326", working_crs(), always_xy=True)
    has_loc = first < len(refs_a)
    x = np.full(len(node_ids), np.nan)
    y = np.full(len(node_ids), np.nan)
    x[has_loc], y[has_loc] = to_xy.transform(lon[first[has_loc]], lat[first[has_loc]])
    # only nodes that are edge ends need coordinates: give the rest a placeholder
    x[~has_loc], y[~has_loc] = 0.0, 0.0
    return node_ids, node_of, x, y


def _finish(
    net: Network, ledger: RowLedger, sa_rows: np.ndarray, used_rows: np.ndarray, path: Path
) -> Network:
    """Turn the network's edge-level set-aside into one row per unused source segment.

    ``sa_rows`` is the source row position (into ``ledger.raw``) of each row of
    ``net.set_aside`` (edge level); ``used_rows`` the source row position of each edge in
    the network (repeats allowed). A row none of whose edges is used is set aside with the reason
    of its first set-aside edge."""
    edges_sa = net.set_aside
    n_rows = ledger.rows_in
    used = np.zeros(n_rows, dtype=bool)
    used[used_rows] = True
    reason = np.full(n_rows, None, dtype=object)
    # reversed assignment: for repeated rows, the first edge's reason is written last
    reason[sa_rows[::-1]] = edges_sa["reason"].to_numpy(dtype=object)[::-1]
    unused = ~used & (reason != None)  # noqa: E711
    ledger.set_aside(unused, reason)
    # the ledger checks the books: rows used + rows set aside == rows read
    table = ledger.attach(pd.DataFrame(index=pd.RangeIndex(int(ledger.kept.sum())))).attrs
    edges_sa = edges_sa.copy()
    edges_sa.insert(0, "row", np.asarray(ledger.row_number(sa_rows)).astype(np.int64))
    net.edges_set_aside = edges_sa
    net.set_aside = table["set_aside"]
    net.source = str(path)
    net.stats = {
        "source": str(path),
        "segments_read": ledger.rows_in,
        "segments_used": int(ledger.kept.sum()),
        "segments_set_aside": len(net.set_aside),
        "edges": net.n_edges,
        "nodes": net.n_nodes,
    }
    return net


# ------------------------------------------------------------------------------ lines


def _col(frame: pd.DataFrame, *names: str) -> pd.Series | None:
    lower = {str(c).lower(): c for c in frame.columns}
    for name in names:
        if name in lower:
            return frame[lower[name]]
    return None


def _set_aside_by_column(ledger: RowLedger, reason: np.ndarray, column: np.ndarray) -> None:
    """Set aside the rows with a reason, naming the deciding column of each."""
    for col in dict.fromkeys(column[reason != None]):  # noqa: E711
        ledger.set_aside((reason != None) & (column == col), reason, column=col)  # noqa: E711


def _line_reason(frame: pd.DataFrame, mode: str) -> tuple[np.ndarray, np.ndarray]:
    """Reason to leave each road segment out for ``mode`` (None: usable) and the
    deciding source column."""
    n = len(frame)
    reason = np.full(n, None, dtype=object)
    column = np.full(n, None, dtype=object)
    if mode == "all":
        return reason, column

    def match(col: pd.Series | None, test) -> np.ndarray:
        """``test(text)`` for each row's value as trimmed lower-case text ('' when
        missing), evaluated once per distinct value."""
        if col is None:
            return np.full(n, bool(test("")))
        codes, uniq = pd.factorize(col)
        hit = np.array([bool(test(_clean(u))) for u in uniq] + [bool(test(""))], dtype=bool)
        return hit[codes]  # code -1 (missing) takes the last entry

    def mark(mask: np.ndarray, why: str, col: pd.Series | None) -> None:
        new = mask & (reason == None)  # noqa: E711
        reason[new] = why
        column[new] = None if col is None else str(col.name)

    status = _col(frame, "lblstatus")
    not_built = ("gepland", "vergund", "in opbouw", "buiten gebruik")
    mark(match(status, lambda t: t in not_built), "not in use (lblstatus)", status)
    morf = _col(frame, "morfologie", "lblmorf", "morf")
    mark(match(morf, lambda t: "autosnelweg" in t), "motorway (morfologie: autosnelweg)", morf)
    mark(match(morf, lambda t: t == "101"), "motorway (morfologie code 101)", morf)
    mark(match(morf, lambda t: t.startswith("tramweg")), "tram track (morfologie: tramweg)", morf)
    frc = _col(frame, "functional_roadclass", "frc")
    mark(match(frc, lambda t: t == "0"), "motorway (functional_roadclass 0)", frc)
    kenmerk = _col(frame, "kenmerk")
    no_street = match(_col(frame, "straatnaam", "lstrnm"), lambda t: t == "")
    mark(
        match(kenmerk, lambda t: t == "snelweg") & no_street,
        "motorway (kenmerk Snelweg, no street name)",
        kenmerk,
    )
    return reason, column


def _clean(value: Any) -> str:
    """A source value as trimmed lower-case text; whole floats without '.0' (101.0 → '101')."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip().lower()


def _read_lines(
    path: Path, mode: str, layer: str | None, box: tuple[float, ...] | None, tol: float
) -> Network:
    import geopandas as gpd
    import shapely

    from buurtgeo.io._geo import read_vector, to_working_crs

    raw = read_vector(path, layer=layer)
    gdf = to_working_crs(raw, source=path)
    if box is not None:
        from pyproj import Transformer

        frame = shapely.segmentize(shapely.box(*box), (box[2] - box[0]) / 50)
        to_xy = Transformer.from_crs("EPSG:4326", working_crs(), always_xy=True)
        frame = shapely.transform(
            frame, lambda xy: np.column_stack(to_xy.transform(xy[:, 0], xy[:, 1]))
        )
        geoms = np.asarray(gdf.geometry.array, dtype=object)
        hit = shapely.intersects(shapely.envelope(geoms), frame) & ~shapely.is_missing(geoms)
        raw, gdf = raw[hit], gdf[hit]
    ledger = _IndexedLedger(pd.DataFrame(raw), source=path, first_row=1)
    geoms = np.asarray(gdf.geometry.array, dtype=object)
    missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    ledger.set_aside(missing, "empty or missing geometry", column="geometry")
    not_line = ~missing & ~np.isin(shapely.get_type_id(geoms), (1, 5))
    ledger.set_aside(not_line, "not a (multi)line geometry", column="geometry")
    _set_aside_by_column(ledger, *_line_reason(pd.DataFrame(raw.drop(columns="geometry")), mode))
    keep = ledger.kept
    if not keep.any():
        raise NetworkError(
            f"no usable line segments for mode {mode!r}", path=path, found=f"{len(raw)} features"
        )
    lines = gpd.GeoDataFrame(geometry=geoms[keep], crs=gdf.crs)
    try:
        net = Network.from_lines(lines, mode=mode, snap_tolerance_m=tol)
    except NetworkError as exc:
        raise NetworkError(exc.message, path=path, hint=exc.hint) from None
    # from_lines numbers rows 0.. over ``lines``; map them back to ledger positions
    kept_pos = np.flatnonzero(keep)
    sa = net.set_aside
    sa_rows = kept_pos[sa["row"].to_numpy()]
    net.set_aside = sa.drop(columns="row")
    return _finish(net, ledger, sa_rows, kept_pos[net._edge_row], path)
