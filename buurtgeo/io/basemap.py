"""What a map shows around the figures, from an OpenStreetMap extract: water, railways, parks.

:func:`read_osm_basemap` reads an ``.osm.pbf`` or ``.osm`` XML file with pyosmium
(libosmium assembles the multipolygons; its ``KeyFilter`` drops every object without a
relevant key before Python sees it) and returns the background features a planner
orients by, for :func:`buurtgeo.base_map`:

========== ================================================================================
feature    OpenStreetMap tags
========== ================================================================================
water      areas with ``natural=water``, ``waterway=riverbank``, ``landuse=reservoir`` or
           ``landuse=basin``
waterway   ways with ``waterway`` = river, canal or stream
railway    ways with ``railway`` = rail, light_rail, narrow_gauge or tram (not in a tunnel)
park       areas with ``leisure`` = park, garden or nature_reserve, ``landuse`` = forest,
           recreation_ground, grass or village_green, or ``natural=wood``
========== ================================================================================

These are a background, not analysis input: nothing here changes a number.
"""

from __future__ import annotations

import warnings
from os import PathLike
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from buurtgeo import _proj  # noqa: F401  (PROJ network off before any transform)
from buurtgeo.errors import InputError, InputWarning
from buurtgeo.schema import working_crs

if TYPE_CHECKING:  # pragma: no cover
    import geopandas as gpd

__all__ = ["read_osm_basemap", "BASEMAP_TAGS"]

#: feature → {OSM key: values}; areas for 'water' and 'park', ways for the others.
BASEMAP_TAGS: dict[str, dict[str, tuple[str, ...]]] = {
    "water": {"natural": ("water",), "waterway": ("riverbank",), "landuse": ("reservoir", "basin")},
    "waterway": {"waterway": ("river", "canal", "stream")},
    "railway": {"railway": ("rail", "light_rail", "narrow_gauge", "tram")},
    "park": {
        "leisure": ("park", "garden", "nature_reserve"),
        "landuse": ("forest", "recreation_ground", "grass", "village_green"),
        "natural": ("wood",),
    },
}
_AREA_FEATURES = ("water", "park")
_KEYS = sorted({key for tags in BASEMAP_TAGS.values() for key in tags})


def _feature_of(tags: Any, features: tuple[str, ...]) -> str | None:
    """The first of ``features`` whose tags ``tags`` (an osmium TagList) match."""
    for feature in features:
        for key, values in BASEMAP_TAGS[feature].items():
            if tags.get(key) in values:
                return feature
    return None


def read_osm_basemap(
    path: str | PathLike[str], *, bbox: tuple[float, float, float, float] | None = None
) -> gpd.GeoDataFrame:
    """Water, waterways, railways and parks of an OpenStreetMap extract, as a background.

    Parameters
    ----------
    path : path-like
        An ``.osm.pbf`` or ``.osm`` (XML) extract.
    bbox : (min_x, min_y, max_x, max_y), optional
        Keep only the features that intersect this box, in the working CRS (metres).

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``feature`` ('water', 'waterway', 'railway', 'park'), ``name`` (the OSM
        name or None), ``osm_type``, ``osm_id``; polygons (water, park) and lines
        (waterway, railway) in the working CRS. ``attrs["not_assembled"]``: how many
        objects with a matching tag had no usable geometry in the file (cut by the
        extract's edge, broken multipolygons); a warning says so when there are any.

    Raises
    ------
    InputError
        When the file is missing or cannot be read as OpenStreetMap data.
    """
    import geopandas as gpd
    import shapely

    path = Path(path)
    if not path.is_file():
        raise InputError("OpenStreetMap file not found", path=path)
    rows, broken = _scan(path)
    frame = pd.DataFrame(rows, columns=["feature", "name", "osm_type", "osm_id", "wkb"])
    geoms = shapely.from_wkb(frame.pop("wkb").to_numpy(dtype=object), on_invalid="ignore")
    out = gpd.GeoDataFrame(frame, geometry=geoms, crs="EPSG:4326").to_crs(working_crs())
    out = out[~(out.geometry.isna() | out.geometry.is_empty)]
    if bbox is not None:
        out = out[out.geometry.intersects(shapely.box(*bbox))]
    out = out.reset_index(drop=True)
    out.attrs["not_assembled"] = broken
    if broken:
        warnings.warn(
            InputWarning(
                f"read_osm_basemap: {broken} background object(s) of {path.name} have no"
                " usable geometry in the file (cut by the extract's edge or broken); they are"
                " not drawn",
                nl=f"achtergrondkaart: {broken} object(en) van {path.name} hebben geen bruikbare"
                " geometrie (afgesneden door de rand van het uittreksel of stuk); niet getekend",
            ),
            stacklevel=2,
        )
    return out


def _scan(path: Path) -> tuple[list[tuple[Any, ...]], int]:
    """One pass: (feature, name, osm_type, osm_id, WKB) per object, and the broken ones."""
    import osmium

    wkb = osmium.geom.WKBFactory()
    rows: list[tuple[Any, ...]] = []
    broken = 0
    processor = (
        osmium.FileProcessor(str(path))
        .with_areas(osmium.filter.KeyFilter(*_KEYS))
        .with_filter(osmium.filter.KeyFilter(*_KEYS))
    )
    try:
        for obj in processor:
            if isinstance(obj, osmium.osm.Area):
                feature = _feature_of(obj.tags, _AREA_FEATURES)
                if feature is None:
                    continue
                kind = "way" if obj.from_way() else "relation"
                try:
                    geom = wkb.create_multipolygon(obj)
                except (RuntimeError, osmium.InvalidLocationError):
                    broken += 1
                    continue
                rows.append((feature, obj.tags.get("name"), kind, obj.orig_id(), geom))
            elif isinstance(obj, osmium.osm.Way):
                feature = _feature_of(obj.tags, ("waterway", "railway"))
                if feature is None or obj.tags.get("tunnel") in ("yes", "building_passage"):
                    continue
                try:
                    geom = wkb.create_linestring(obj)
                except (RuntimeError, osmium.InvalidLocationError):
                    broken += 1
                    continue
                rows.append((feature, obj.tags.get("name"), "way", obj.id, geom))
    except RuntimeError as exc:  # libosmium: unreadable or truncated file
        raise InputError(
            f"cannot read the OpenStreetMap extract ({exc})",
            path=path,
            expected="an .osm.pbf or .osm XML file",
        ) from None
    return rows, int(np.int64(broken))
