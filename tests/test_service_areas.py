"""Service areas: the streets each service reaches within its catchment, buffered.

Checked by hand on a straight street, against networkx on a jittered grid (reached
street length per service, the edge semantics of DESIGN.md), on a network of bent lines
(the substring path) and without a network (circles).
"""

from __future__ import annotations

import geopandas as gpd
import networkx as nx
import numpy as np
import pytest
import shapely
from shapely.geometry import LineString, Point

import buurtgeo as bg
from buurtgeo.errors import InputError
from buurtgeo.network import Network, grid_network


def _services(points, kind="childcare_baby", crs="EPSG:3812"):
    return gpd.GeoDataFrame(
        {"service_kind": [kind] * len(points), "name": [f"S{i}" for i in range(len(points))]},
        geometry=[Point(p) for p in points],
        crs=crs,
        index=[f"S{i}" for i in range(len(points))],
    )


def _street():
    """Four nodes on a straight street at x = 0, 100, 200, 300 m (y = 0)."""
    x = np.array([0.0, 100.0, 200.0, 300.0])
    return Network.from_edges(
        np.array([0, 1, 2]), np.array([1, 2, 3]), np.full(3, 100.0), x, np.zeros(4), crs=3812
    )


def test_straight_street_by_hand():
    # the service stands 10 m off the street at x = 150: Q = (150, 0), o = 10, f = ½ of
    # its edge (100, 200); R = 100 leaves 90 m at Q: its own edge whole, and from the
    # nodes x = 100 and x = 200 (reached at 10 + 50 = 60 m) 40 m further each way
    area = bg.service_areas(
        _services([(150.0, 10.0)]), network=_street(), catchment_m=100.0, buffer_m=10.0
    )
    row = area.iloc[0]
    assert row["street_m"] == pytest.approx(180.0)
    assert row["method"] == "network" and row["catchment_m"] == 100.0 and row["buffer_m"] == 10.0
    minx, miny, maxx, maxy = row.geometry.bounds
    assert minx == pytest.approx(50.0, abs=0.01) and maxx == pytest.approx(250.0, abs=0.01)
    # the band reaches 10 m either side; the way from the service to the street (150, 10)
    # → (150, 0) adds a round cap above it, to 20 m
    assert miny == pytest.approx(-10.0, abs=0.01) and maxy == pytest.approx(20.0, abs=0.01)
    # the band: 180 m × 20 m plus the two round ends (together a 16-gon of radius 10 m),
    # plus the cap of the way in (half of it)
    ends = 16 / 2 * 10.0**2 * np.sin(2 * np.pi / 16)
    assert row.geometry.area == pytest.approx(180.0 * 20.0 + 1.5 * ends, rel=1e-9)
    assert row.geometry.contains(Point(239.0, 0.0)) and not row.geometry.contains(Point(255, 0))


def test_a_service_farther_than_its_catchment_from_every_street_reaches_nothing():
    area = bg.service_areas(_services([(150.0, 150.0)]), network=_street(), catchment_m=100.0)
    assert area.iloc[0].geometry.is_empty and area.iloc[0]["street_m"] == 0.0


def _reached_by_networkx(net, pts, radius):
    """Street length within ``radius`` of each point: networkx Dijkstra from the point's
    edge ends, then per edge min(L, (R − d_u)⁺ + (R − d_v)⁺); on its own edge the stretch
    [f·L − (R − o), f·L + (R − o)] (an independent implementation of the semantics)."""
    edges = net.edges()
    lines = np.asarray(edges.geometry.values)
    graph = net.to_networkx()
    out = []
    for x, y in pts:
        p = Point(x, y)
        d = shapely.distance(lines, p)
        e = int(np.argmin(d))
        o = float(d[e])
        u, v, L = int(edges.u[e]), int(edges.v[e]), float(edges.length_m[e])
        f = lines[e].project(p) / lines[e].length
        first = shapely.get_point(lines[e], 0)
        if first.distance(Point(net.node_x[v], net.node_y[v])) < first.distance(
            Point(net.node_x[u], net.node_y[u])
        ):
            f = 1 - f
        h = graph.copy()
        h.add_edge("P", u, length=o + f * L)
        h.add_edge("P", v, length=o + (1 - f) * L)
        dist = nx.single_source_dijkstra_path_length(h, "P", weight="length")
        total = 0.0
        for k in range(len(edges)):
            a, b, lk = int(edges.u[k]), int(edges.v[k]), float(edges.length_m[k])
            if k == e:
                left = radius - o
                total += max(0.0, min(lk, f * lk + left) - max(0.0, f * lk - left))
                continue
            da, db = dist.get(a, np.inf), dist.get(b, np.inf)
            total += min(lk, max(0.0, radius - da) + max(0.0, radius - db))
        out.append(total)
    return np.array(out)


def test_reached_street_length_matches_networkx_on_a_grid():
    net = grid_network(30, spacing_m=100, jitter=0.3, drop=0.2, seed=3)
    rng = np.random.default_rng(1)
    pts = rng.uniform(500, 2500, size=(12, 2))
    area = bg.service_areas(_services(pts, crs=net.crs), network=net, catchment_m=600.0)
    np.testing.assert_allclose(area["street_m"], _reached_by_networkx(net, pts, 600.0), rtol=1e-9)
    assert area.geometry.is_valid.all() and not area.geometry.is_empty.any()
    # the band covers every reached node (a node within R over the streets is in the area)
    node, offset = net.snap(pts[:, 0], pts[:, 1])
    assert (offset < 100).all()


def test_bent_streets_are_cut_along_their_line():
    # one L-shaped street of 200 m (0,0) → (100,0) → (100,100) and a straight one after it
    lines = gpd.GeoDataFrame(
        geometry=[
            LineString([(0, 0), (100, 0), (100, 100)]),
            LineString([(100, 100), (100, 300)]),
        ],
        crs=3812,
    )
    net = Network.from_lines(lines)
    area = bg.service_areas(
        _services([(0.0, 5.0)]), network=net, catchment_m=155.0, buffer_m=5.0, fill_holes_m2=0
    )
    row = area.iloc[0]
    # o = 5 at Q = (0, 0): 150 m along the bent street, to (100, 50)
    assert row["street_m"] == pytest.approx(150.0)
    assert row.geometry.contains(Point(100, 48)) and not row.geometry.contains(Point(100, 60))


def test_without_network_circles_labelled_as_such():
    area = bg.service_areas(
        _services([(0, 0), (5000, 0)], kind="library"), catchment_m={"library": 800.0}
    )
    assert set(area["method"]) == {"straight_line"} and area["street_m"].isna().all()
    n = 64
    assert area.geometry.area.iloc[0] == pytest.approx(n / 2 * 800.0**2 * np.sin(2 * np.pi / n))
    default = bg.service_areas(_services([(0, 0)], kind="library"))
    assert default["catchment_m"].iloc[0] == bg.service_kinds()["library"].catchment_m


def test_problems_are_reported_at_once():
    services = _services([(0, 0)]).drop(columns="service_kind")
    with pytest.raises(InputError) as info:
        bg.service_areas(services, catchment_m=-5, buffer_m=0)
    text = str(info.value)
    assert "service_kind" in text and "catchment_m" in text and "buffer_m" in text


@pytest.mark.slow
def test_demo_service_areas_hold_their_services(tmp_path):
    analysis = bg.run_demo(tmp_path, write=False, quiet=True)
    areas = analysis.catchments
    assert len(areas) == len(analysis.services)
    inside = [
        geom.buffer(1.0).contains(pt) or geom.distance(pt) <= 50.0
        for geom, pt in zip(areas.geometry, analysis.services.geometry, strict=True)
    ]
    assert all(inside)
    # a longer catchment reaches more street: libraries (1,200 m) beyond playgrounds (400 m)
    by_kind = areas.groupby("service_kind")["street_m"].median()
    assert by_kind["library"] > by_kind["playground"]


@pytest.mark.realdata
@pytest.mark.slow
def test_real_gent_road_register_matches_networkx(real):
    """Gent's road segments (Wegenregister lines, most of them bent): the street each of a
    few services reaches within 800 m, against networkx on the same graph."""
    net = bg.read_network(real / "gent_roads_parks" / "wegsegmenten-gent.geojson.zip")
    rng = np.random.default_rng(18)
    x0, y0 = np.median(net.node_x), np.median(net.node_y)  # the city centre's streets
    pts = np.column_stack([x0 + rng.uniform(-1500, 1500, 4), y0 + rng.uniform(-1500, 1500, 4)])
    area = bg.service_areas(_services(pts, crs=net.crs), network=net, catchment_m=800.0)
    np.testing.assert_allclose(area["street_m"], _reached_by_networkx(net, pts, 800.0), rtol=1e-9)
    assert (area["street_m"] > 2_000).all() and area.geometry.is_valid.all()
