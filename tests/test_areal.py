"""Area destinations (parks, play spaces) reached at their edge: hand cases, shapely and
networkx references, the real Gent parks.

Hand cases are worked out in the docstrings. Straight lines are checked against
shapely's distance to the nearest polygon; distances along the street against networkx
on a copy of the graph split where each origin joins it and where each street crosses
a park's boundary (tests/_area_reference.py).
"""

from __future__ import annotations

import warnings

import geopandas as gpd
import numpy as np
import pytest
import shapely
from _area_reference import area_distances
from _street_reference import reach_from_distances

import buurtgeo as bg
from buurtgeo.areal import as_points, has_areas
from buurtgeo.errors import InputError
from buurtgeo.network import Network

CRS = "EPSG:3812"


def pts(xy, **cols) -> gpd.GeoDataFrame:
    xy = np.asarray(xy, dtype=float).reshape(-1, 2)
    return gpd.GeoDataFrame(cols, geometry=gpd.points_from_xy(xy[:, 0], xy[:, 1]), crs=CRS)


def areas(geoms, **cols) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(cols, geometry=list(geoms), crs=CRS)


def main_street() -> Network:
    """One straight street y = 0 from x = 0 to x = 1000, nodes every 250 m."""
    x = [0.0, 250.0, 500.0, 750.0, 1000.0]
    return Network.from_edges([0, 1, 2, 3], [1, 2, 3, 4], [250.0] * 4, x, [0.0] * 5, crs=CRS)


# --------------------------------------------------------------------------------------
# straight lines
# --------------------------------------------------------------------------------------


def test_straight_line_inside_and_outside():
    """A 100 m square park (100..200, 100..200), 10,000 m².

    Origins: (150, 150) inside -> 0; (250, 150) east of it -> 50; (100, 300) above
    its north-west corner -> 100; (300, 300) -> sqrt(100² + 100²) = 141.42 m.
    Within 120 m: the first three (2SFCA, step): the park's 10,000 m² shared by their
    1 + 2 + 3 = 6 residents -> 1,666.67 m² each; the fourth has none.
    """
    park = areas([shapely.box(100, 100, 200, 200)], capacity=[10_000.0])
    origins = pts([[150, 150], [250, 150], [100, 300], [300, 300]], population=[1.0, 2, 3, 4])
    res = bg.reach(origins, park, catchment_m=120.0)
    np.testing.assert_allclose(res["dist_nearest_m"], [0, 50, 100, np.hypot(100, 100)])
    np.testing.assert_allclose(res["fca2"], [10_000 / 6] * 3 + [0.0])
    np.testing.assert_array_equal(res["services_within"], [1, 1, 1, 0])
    np.testing.assert_allclose(res["capacity_within"], [10_000.0] * 3 + [0.0])
    assert list(res["covered"]) == [True, True, True, False]


def test_straight_line_mixed_points_and_areas():
    """One kind of points and polygons: a youth centre (point at (0, 0)) and a pitch
    (square 300..400 x 0..100). An origin at (200, 50): 206.16 m to the point, 100 m to
    the pitch's west edge; at (0, 30): 30 m to the point."""
    youth = gpd.GeoDataFrame(
        {"capacity": [np.nan, 10_000.0]},
        geometry=[shapely.Point(0, 0), shapely.box(300, 0, 400, 100)],
        crs=CRS,
    )
    origins = pts([[200, 50], [0, 30]], population=[1.0, 1.0])
    res = bg.reach(origins, youth, catchment_m=150.0)
    np.testing.assert_allclose(res["dist_nearest_m"], [100.0, 30.0])
    np.testing.assert_array_equal(res["services_within"], [1, 1])


def test_straight_line_equals_shapely_on_random_parks():
    rng = np.random.default_rng(3)
    centres = rng.uniform(0, 2000, (40, 2))
    parks = areas(
        [
            shapely.Point(c).buffer(r)
            for c, r in zip(centres, rng.uniform(10, 120, 40), strict=True)
        ],
        capacity=rng.uniform(100, 5000, 40),
    )
    origins = pts(rng.uniform(-200, 2200, (800, 2)), population=rng.integers(0, 9, 800))
    res = bg.reach(origins, parks, catchment_m=300.0, decay="linear")
    ref = np.array([[o.distance(p) for p in parks.geometry] for o in origins.geometry])
    np.testing.assert_allclose(res["dist_nearest_m"], ref.min(axis=1), rtol=1e-12)
    expected = reach_from_distances(
        ref,
        origins["population"].to_numpy(float),
        parks["capacity"].to_numpy(float),
        300.0,
        lambda d: 1.0 - d / 300.0,
    )
    np.testing.assert_array_equal(res["services_within"], expected["services_within"])
    np.testing.assert_allclose(res["fca2"], expected["fca2"], rtol=1e-9, atol=1e-12)
    # a callable decay takes the numpy path over the same pairs
    same = bg.reach(origins, parks, catchment_m=300.0, decay=lambda d: 1.0 - d / 300.0)
    np.testing.assert_allclose(same["fca2"], expected["fca2"], rtol=1e-9, atol=1e-12)


# --------------------------------------------------------------------------------------
# over the network: hand cases
# --------------------------------------------------------------------------------------


def test_street_crossing_a_park():
    """The street y = 0 crosses a park (400..600 x -50..50): its entrances are where the
    street enters it, at x = 400 and x = 600 (``area_edge_m=0``).

    * (100, 10): 10 m to the street, 300 m along it to x = 400: 310 m;
    * (500, 30): inside the park: 0;
    * (700, 80): 80 m to the street at x = 700 (outside), 100 m back to x = 600: 180 m;
    * (450, 70): joins the street at x = 450, a part of the street inside the park:
      70 m (its straight distance to the park is 20 m);
    * (2000, 0): 1000 m beyond the street's end (1000, 0) ... 1000 + 400 = 1400 m.
    """
    net = main_street()
    park = areas([shapely.box(400, -50, 600, 50)], capacity=[20_000.0])
    origins = pts([[100, 10], [500, 30], [700, 80], [450, 70], [2000, 0]], population=[1.0] * 5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # (2000, 0) lies 1 km from the street
        res = bg.reach(origins, park, network=net, catchment_m=400.0, area_edge_m=0.0)
    np.testing.assert_allclose(res["dist_nearest_m"], [310.0, 0.0, 180.0, 70.0, 1400.0])
    np.testing.assert_array_equal(res["covered"], [True, True, True, True, False])
    # four residents share the park's 20,000 m²
    np.testing.assert_allclose(res["fca2"], [5000.0] * 4 + [0.0])


def test_street_along_the_edge_of_a_park():
    """A park north of the street, its edge 6 m from the road's axis (400..600 x 6..106):
    no street enters it. With ``area_edge_m=10`` (default) the street opens it along the
    200 m where it runs within 10 m: an origin at (500, -20) joins at (500, 0), 6 m from
    the park: 20 + 6 = 26 m; one at (100, 0): 292 m to x = 392 where the street comes
    within 10 m of the park's corner (400, 6) (8² + 6² = 10²), plus those 10 m: 302 m
    (the widened edge's rounded corner is drawn with 16 segments per quarter circle:
    off the true curve by 1 mm, the crossing by 3 mm). Its straight distance is
    sqrt(300² + 6²).
    With ``area_edge_m=0`` the park is reached from the nearest point of the street
    only (and a warning says so): the edge's foot (any x in 400..600 is as near; shapely
    picks one), 6 m."""
    net = main_street()
    park = areas([shapely.box(400, 6, 600, 106)], capacity=[20_000.0], index=None)
    park.index = ["edgepark"]
    origins = pts([[500, -20], [100, 0]], population=[1.0, 1.0])
    res = bg.reach(origins, park, network=net, catchment_m=400.0)
    np.testing.assert_allclose(res["dist_nearest_m"], [26.0, 302.0], atol=5e-3)
    assert res["dist_nearest_m"].iloc[1] >= origins.geometry.iloc[1].distance(park.geometry.iloc[0])
    with pytest.warns(
        UserWarning, match=r"1 area service\(s\) that no street enters \('edgepark'\)"
    ):
        strict = bg.reach(origins, park, network=net, catchment_m=1000.0, area_edge_m=0.0)
    assert (strict["dist_nearest_m"] >= res["dist_nearest_m"] - 1e-9).all()
    assert strict["dist_nearest_m"].iloc[1] >= 306.0 - 1e-9


def test_park_no_street_reaches():
    """A triangular park whose lowest corner (150, 100) is 100 m from the street; no
    street comes within 10 m. It joins the street at (150, 0), its nearest point, plus
    100 m: from (600, 10): 10 + 450 + 100 = 560 m. The warning names it."""
    net = main_street()
    park = gpd.GeoDataFrame(
        {"capacity": [5000.0]},
        geometry=[shapely.Polygon([(150, 100), (200, 200), (100, 200)])],
        index=["driehoek"],
        crs=CRS,
    )
    origins = pts([[600, 10]], population=[1.0])
    with pytest.warns(UserWarning, match=r"'driehoek'.*up to 100 m"):
        res = bg.reach(origins, park, network=net, catchment_m=1000.0)
    assert res["dist_nearest_m"].iloc[0] == pytest.approx(560.0)
    assert res.attrs["services_far"] == 0


def test_entrances_replace_the_crossings():
    """The park of test_street_crossing_a_park with one gate, at (600, 0): from (100, 10)
    the way goes past the west edge to the gate: 10 + 500 = 510 m. A street part inside
    the park still counts: (450, 70) stays at 70 m."""
    net = main_street()
    park = areas([shapely.box(400, -50, 600, 50)], capacity=[20_000.0])
    park.index = ["park"]
    gates = gpd.GeoDataFrame({"service_id": ["park"]}, geometry=[shapely.Point(600, 0)], crs=CRS)
    origins = pts([[100, 10], [450, 70]], population=[1.0, 1.0])
    res = bg.reach(origins, park, network=net, catchment_m=800.0, area_edge_m=0.0, entrances=gates)
    np.testing.assert_allclose(res["dist_nearest_m"], [510.0, 70.0])


def test_node_snap_reaches_areas_too():
    """``snap='node'``: the origin (100, 10) joins its nearest node (0, 0), 100.50 m away;
    the node (500, 0) lies inside the park (400..600), so the park is reached there at
    no extra cost: 100.50 + 500 = 600.50 m (its entrance at x = 400, joined at its own
    nearest node (500, 0) 100 m away, would give 700.50 m)."""
    net = main_street()
    park = areas([shapely.box(400, -50, 600, 50)], capacity=[1.0])
    origins = pts([[100, 10]], population=[1.0])
    res = bg.reach(origins, park, network=net, catchment_m=800.0, snap="node", area_edge_m=0.0)
    assert res["dist_nearest_m"].iloc[0] == pytest.approx(np.hypot(100, 10) + 500.0)


def test_reach_all_with_parks_and_points():
    """Two kinds at once: parks (areas) and libraries (points) over the same street."""
    net = main_street()
    services = gpd.GeoDataFrame(
        {
            "service_kind": ["buurtgroen", "library"],
            "capacity": [20_000.0, np.nan],
        },
        geometry=[shapely.box(400, -50, 600, 50), shapely.Point(900, 0)],
        index=["p", "l"],
        crs=CRS,
    )
    origins = pts([[100, 10], [800, 5]], children_0_17=[2.0, 3.0])
    res = bg.reach_all(
        origins, services, network=net, catchment_m={"buurtgroen": 400.0, "library": 400.0},
        area_edge_m=0.0,
    )  # fmt: skip
    np.testing.assert_allclose(res["dist_nearest_m__buurtgroen"], [310.0, 205.0])
    np.testing.assert_allclose(res["dist_nearest_m__library"], [810.0, 105.0])
    np.testing.assert_allclose(res["fca2__buurtgroen"], [4000.0, 4000.0])


def test_polygon_services_are_accepted_and_lines_refused():
    origins = pts([[0, 0]], population=[1.0])
    bad = gpd.GeoDataFrame(
        {"capacity": [1.0]}, geometry=[shapely.LineString([(0, 0), (1, 1)])], crs=CRS
    )
    with pytest.raises(InputError, match="must be points or polygons.*LineString"):
        bg.reach(origins, bad)
    park = areas([shapely.box(0, 0, 1, 1)], capacity=[1.0])
    with pytest.raises(InputError, match="area_edge_m must be a number of metres >= 0"):
        bg.reach(origins, park, area_edge_m=-1)
    assert has_areas(park) and not has_areas(origins)
    marked = as_points(park)
    assert (marked.geom_type == "Point").all() and marked.geometry.iloc[0].within(
        park.geometry.iloc[0]
    )


# --------------------------------------------------------------------------------------
# over the network: against networkx
# --------------------------------------------------------------------------------------


def _bent_streets(seed: int):
    from test_street import bent_lines

    return Network.from_lines(bent_lines(seed=seed))


@pytest.mark.parametrize("edge_m", [0.0, 10.0])
def test_network_distances_to_parks_equal_networkx(edge_m):
    net = _bent_streets(5)
    rng = np.random.default_rng(11)
    x0, x1 = net.node_x.min(), net.node_x.max()
    y0, y1 = net.node_y.min(), net.node_y.max()
    # parks: rotated rectangles and a disc, some crossed by streets, some along them
    parks = []
    for _ in range(7):
        cx, cy = rng.uniform(x0 + 60, x1 - 60), rng.uniform(y0 + 60, y1 - 60)
        w, h = rng.uniform(20, 90, 2)
        box = shapely.box(cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)
        parks.append(shapely.affinity.rotate(box, rng.uniform(0, 90)))
    parks.append(shapely.Point(x0 + 200, y0 + 200).buffer(45))
    services = areas(parks, capacity=rng.uniform(500, 5000, len(parks)))
    n = 300
    oxy = np.c_[rng.uniform(x0 - 20, x1 + 20, n), rng.uniform(y0 - 20, y1 + 20, n)]
    origins = pts(oxy, population=rng.integers(0, 9, n))
    ref = area_distances(net, oxy, parks, edge_m)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # parks no street reaches are named
        res = bg.reach(origins, services, network=net, catchment_m=250.0, area_edge_m=edge_m)
    reachable = np.isfinite(ref).all(axis=0)  # parks entered by a street
    assert reachable.sum() >= 6
    got = bg.reach(origins, services[reachable], network=net, catchment_m=250.0, area_edge_m=edge_m)
    np.testing.assert_allclose(got["dist_nearest_m"], ref[:, reachable].min(axis=1), rtol=1e-9)
    expected = reach_from_distances(
        ref[:, reachable],
        origins["population"].to_numpy(float),
        services["capacity"].to_numpy(float)[reachable],
        250.0,
        np.ones_like,
    )
    np.testing.assert_array_equal(got["services_within"], expected["services_within"])
    np.testing.assert_allclose(got["fca2"], expected["fca2"], rtol=1e-9, atol=1e-12)
    # never shorter than the straight line
    straight = bg.reach(origins, services, catchment_m=250.0)
    assert (res["dist_nearest_m"] >= straight["dist_nearest_m"] - 1e-9).all()
    # inside a park: 0
    inside = np.array([any(p.covers(o) for p in parks) for o in origins.geometry])
    assert inside.any() and (res["dist_nearest_m"][inside] == 0).all()


def test_network_distances_to_parks_on_one_way_streets_equal_networkx():
    """A cycling network with a third of its streets one-way: parks are entered only
    the way the street may be ridden (the entrances join as a service does)."""
    from test_street import bent_lines

    lines = bent_lines(seed=3)
    rng = np.random.default_rng(3)
    net = Network.from_lines(lines, oneway=rng.choice([0, 0, 1, -1], len(lines)), mode="bike")
    assert net.directed
    x0, x1 = net.node_x.min(), net.node_x.max()
    y0, y1 = net.node_y.min(), net.node_y.max()
    parks = [
        shapely.Point(rng.uniform(x0 + 80, x1 - 80), rng.uniform(y0 + 80, y1 - 80)).buffer(
            rng.uniform(25, 60)
        )
        for _ in range(6)
    ]
    oxy = np.c_[rng.uniform(x0, x1, 200), rng.uniform(y0, y1, 200)]
    ref = area_distances(net, oxy, parks, 0.0)
    entered = np.isfinite(ref).any(axis=0)
    assert entered.sum() >= 5
    kept = [p for p, e in zip(parks, entered, strict=True) if e]
    services = areas(kept, capacity=[1.0] * len(kept))
    origins = pts(oxy, population=np.ones(len(oxy)))
    got = bg.reach(origins, services, network=net, catchment_m=300.0, area_edge_m=0.0)
    np.testing.assert_allclose(
        got["dist_nearest_m"], ref[:, entered].min(axis=1), rtol=1e-9, atol=1e-9
    )


def test_a_park_far_from_every_street_with_far_unreachable():
    """A triangular park whose lowest corner (500, 300) is 300 m from the only street
    (farther than max_snap_m = 250 m): named, and with far='unreachable' nobody reaches
    it over the street; who lives in it still does (distance 0). With far='warn' it
    joins at (500, 0): from (500, 10), 10 + 300 m."""
    net = main_street()
    park = gpd.GeoDataFrame(
        {"capacity": [1.0]},
        geometry=[shapely.Polygon([(500, 300), (600, 500), (400, 500)])],
        index=["ver"],
        crs=CRS,
    )
    origins = pts([[500, 10], [500, 450]], population=[1.0, 1.0])
    with pytest.warns(UserWarning) as caught:
        res = bg.reach(origins, park, network=net, catchment_m=2000.0, far="unreachable")
    text = " ".join(str(w.message) for w in caught)
    assert "'ver'" in text and "farther than 250 m" in text
    assert res["dist_nearest_m"].iloc[0] == np.inf
    assert res["dist_nearest_m"].iloc[1] == 0.0
    assert res.attrs["services_far"] == 1
    with pytest.warns(UserWarning, match="farther than 250 m"):
        with pytest.warns(UserWarning, match="no street enters"):
            warned = bg.reach(origins, park, network=net, catchment_m=2000.0, far="warn")
    assert warned["dist_nearest_m"].iloc[0] == pytest.approx(10.0 + 300.0)


# --------------------------------------------------------------------------------------
# the real Gent parks
# --------------------------------------------------------------------------------------


@pytest.mark.realdata
@pytest.mark.slow
def test_gent_parks_straight_line_equals_shapely_and_network_equals_networkx(real):
    """Stad Gent's 161 parks (3 without geometry left out) and its road register.

    Straight line: for every origin of a 100 m grid over Gent, the distance equals
    shapely's distance to the nearest park polygon. Over the network: equal to networkx
    on the register split at the origins' join points and at the parks' boundary
    crossings, for the parks in the middle of the city; never shorter than the straight
    line; 0 inside a park. Reaching parks at their edge covers far more children within
    400 m than reaching their centroid (what peers do).
    """
    from _street_reference import locate  # noqa: F401  (imported for the reference)

    net = bg.read_network(real / "gent_roads_parks" / "wegsegmenten-gent.geojson.zip")
    parks = gpd.read_file(real / "gent_roads_parks" / "parken-gent.geojson").to_crs(net.crs)
    parks = parks[parks.geometry.notna() & ~parks.geometry.is_empty].reset_index(drop=True)
    parks["capacity"] = parks.area
    assert len(parks) == 158
    rng = np.random.default_rng(19)
    x0, y0, x1, y1 = parks.total_bounds
    oxy = np.c_[rng.uniform(x0, x1, 4000), rng.uniform(y0, y1, 4000)]
    origins = pts(oxy, population=np.ones(len(oxy)))
    straight = bg.reach(origins, parks, catchment_m=400.0)
    ref = shapely.distance(
        np.asarray(origins.geometry.array)[:, None], np.asarray(parks.geometry.array)[None, :]
    ).min(axis=1)
    np.testing.assert_allclose(straight["dist_nearest_m"], ref, rtol=1e-12, atol=1e-9)

    # over the network, the parks within 1.5 km of the centre (Korenmarkt area)
    centre = shapely.Point(np.median(net.node_x), np.median(net.node_y))
    near = parks[parks.geometry.distance(centre) < 1500].reset_index(drop=True)
    assert len(near) >= 10
    some = pts(
        np.c_[
            rng.uniform(centre.x - 1500, centre.x + 1500, 300),
            rng.uniform(centre.y - 1500, centre.y + 1500, 300),
        ],  # fmt: skip
        population=np.ones(300),
    )
    dist = area_distances(net, np.c_[some.geometry.x, some.geometry.y], list(near.geometry), 10.0)
    entered = np.isfinite(dist).all(axis=0)  # a street within 10 m of the park
    assert entered.sum() >= len(near) - 2
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        got = bg.reach(some, near[entered], network=net, catchment_m=800.0, max_snap_m=1000.0)
    np.testing.assert_allclose(
        got["dist_nearest_m"], dist[:, entered].min(axis=1), rtol=1e-9, atol=1e-6
    )

    # the whole city: never shorter than the straight line, 0 inside, edge >> centroid
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        on_net = bg.reach(origins, parks, network=net, catchment_m=400.0)
        centroid = bg.reach(origins, as_points(parks).set_geometry(parks.centroid), network=net,
                            catchment_m=400.0)  # fmt: skip
    assert (on_net["dist_nearest_m"] >= straight["dist_nearest_m"] - 1e-6).all()
    inside = straight["dist_nearest_m"] == 0
    assert inside.sum() > 50 and (on_net["dist_nearest_m"][inside] == 0).all()
    assert on_net["covered"].mean() > 1.5 * centroid["covered"].mean()
