"""Checks of OpenStreetMap node locations before they become streets or services.

libosmium finds each way node's location in an index of the file's nodes. Three things
go wrong there silently, and are caught here:

* **the same node id twice with other coordinates** (a hand-edited or badly merged
  file): the index keeps one of them, and a street bends to a point kilometres away.
  The ways that use such a node are set aside, naming it and both positions;
* **negative ids** (objects created in JOSM and not yet uploaded): the index has no
  place for them, and their ways looked like ways "without locations". Their locations
  are read here, so they are used like any other;
* **absurd coordinates**: a node far outside the area the working CRS is made for
  (more than :data:`MARGIN_DEG` degrees beyond it, such as 0°, 0° or the pole), or two
  consecutive nodes of a way more than :data:`MAX_SEGMENT_M` apart. Those ways are set
  aside, naming the node.

The node pass (:func:`node_locations`) costs one more read of the file; it runs for
OSM XML files (``.osm``, also gzip/bzip2: hand-edited files, where these problems come
from) and for any file whose ways use negative node ids. PBF extracts of the OSM
database are made by osmium from one consistent copy and skip it.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["MARGIN_DEG", "MAX_SEGMENT_M", "node_locations", "way_node_problems"]

#: How far (degrees) beyond the working CRS's area of use a node may lie.
MARGIN_DEG = 1.0
#: The longest distance (metres) between two consecutive nodes of a way: longer is an
#: error in the data (OSM splits long roads; a ferry line is not a street).
MAX_SEGMENT_M = 50_000.0
_XML = (".osm", ".osm.gz", ".osm.bz2", ".xml")


def _is_xml(path: Path) -> bool:
    name = path.name.lower()
    return name.endswith(_XML)


def node_locations(path: Path) -> pd.DataFrame:
    """Every node of the file (``id``, ``lon``, ``lat``), in file order, duplicates kept."""
    import osmium

    ids: list[int] = []
    lons: list[float] = []
    lats: list[float] = []
    for node in osmium.FileProcessor(str(path), osmium.osm.NODE):
        loc = node.location  # type: ignore[union-attr]  # NODE only: every object is a Node
        ids.append(node.id)
        if loc.valid():
            lons.append(loc.lon)
            lats.append(loc.lat)
        else:
            lons.append(np.nan)
            lats.append(np.nan)
    return pd.DataFrame(
        {
            "id": np.asarray(ids, dtype=np.int64),
            "lon": np.asarray(lons, dtype=np.float64),
            "lat": np.asarray(lats, dtype=np.float64),
        }
    )


def _area_box() -> tuple[float, float, float, float] | None:
    from buurtgeo.schema import working_crs

    area = working_crs().area_of_use
    if area is None:
        return None
    return (
        area.west - MARGIN_DEG,
        area.south - MARGIN_DEG,
        area.east + MARGIN_DEG,
        area.north + MARGIN_DEG,
    )


def _haversine_m(lon1, lat1, lon2, lat2) -> np.ndarray:
    lon1, lat1, lon2, lat2 = map(np.radians, (lon1, lat1, lon2, lat2))
    a = (
        np.sin((lat2 - lat1) / 2) ** 2
        + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * 6_371_008.8 * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def way_node_problems(
    path: Path,
    way_of_node: np.ndarray,
    n_ways: int,
    refs: np.ndarray,
    lon: np.ndarray,
    lat: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Why each way cannot be used because of its nodes (None: it can), and the way
    nodes' locations with those libosmium could not give (negative ids) filled in.

    Parameters
    ----------
    path : Path
        The OSM file.
    way_of_node : ndarray of int
        The way (0-based) of each way node, in file order.
    n_ways : int
        Number of ways.
    refs, lon, lat : ndarray
        Each way node's id and location (NaN where the index had none).

    Returns
    -------
    reasons : ndarray of object
        Per way, the first problem found, or None.
    lon, lat : ndarray
        The locations, negative ids filled in.
    """
    reasons = np.full(n_ways, None, dtype=object)
    lon, lat = lon.copy(), lat.copy()

    def mark(node_mask: np.ndarray, texts: np.ndarray) -> None:
        """Give each way holding a marked node the text of its first marked node (a way
        keeps the reason an earlier check gave it)."""
        positions = np.flatnonzero(node_mask)
        _, first = np.unique(way_of_node[positions], return_index=True)
        for k in positions[first]:
            if reasons[way_of_node[k]] is None:
                reasons[way_of_node[k]] = texts[k]

    if _is_xml(path) or bool((refs < 0).any()):
        nodes = node_locations(path)
        coords = nodes.drop_duplicates(["id", "lon", "lat"])
        twice = coords["id"].duplicated(keep=False)
        if twice.any():
            clash = coords[twice].groupby("id")
            first = clash.first()
            last = clash.last()
            hit = np.isin(refs, first.index.to_numpy())
            texts = np.full(len(refs), "", dtype=object)
            for k in np.flatnonzero(hit):
                ref = refs[k]
                a, b = first.loc[ref], last.loc[ref]
                texts[k] = (
                    f"node {ref} appears twice with other coordinates"
                    f" ({a['lon']:.6f}, {a['lat']:.6f} and {b['lon']:.6f}, {b['lat']:.6f})"
                )
            mark(hit, texts)
        negative = refs < 0
        if negative.any():
            known = coords.drop_duplicates("id").set_index("id")
            fill = negative & ~np.isfinite(lon)
            at = known.reindex(refs[fill])
            lon[fill] = at["lon"].to_numpy()
            lat[fill] = at["lat"].to_numpy()
    box = _area_box()
    if box is not None:
        valid = np.isfinite(lon) & np.isfinite(lat)
        with np.errstate(invalid="ignore"):
            outside = valid & ~(
                (lon >= box[0]) & (lon <= box[2]) & (lat >= box[1]) & (lat <= box[3])
            )
        if outside.any():
            texts = np.full(len(refs), "", dtype=object)
            for k in np.flatnonzero(outside):
                texts[k] = (
                    f"node {refs[k]} at lon {lon[k]:.6f}, lat {lat[k]:.6f} lies far outside the"
                    " area of the working CRS"
                )
            mark(outside, texts)
    if len(refs) > 1:
        same = way_of_node[1:] == way_of_node[:-1]
        both = same & np.isfinite(lon[1:]) & np.isfinite(lon[:-1])
        length = np.full(len(refs) - 1, 0.0)
        length[both] = _haversine_m(lon[:-1][both], lat[:-1][both], lon[1:][both], lat[1:][both])
        long = np.zeros(len(refs), dtype=bool)
        long[:-1] = length > MAX_SEGMENT_M
        if long.any():
            texts = np.full(len(refs), "", dtype=object)
            for k in np.flatnonzero(long):
                texts[k] = (
                    f"nodes {refs[k]} and {refs[k + 1]} are {length[k] / 1000:,.0f} km apart"
                    f" (more than {MAX_SEGMENT_M / 1000:.0f} km between consecutive nodes)"
                )
            mark(long, texts)
    return reasons, lon, lat
