"""Tests of buurtgeo.areas: proposed areas (contiguity, borders, coverage) and aggregation."""

from __future__ import annotations

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import box

from buurtgeo.areas import aggregate_to_areas, contiguity_graph, propose_areas, sector_area_of
from buurtgeo.errors import CRSError, InputError, MissingColumnError

CRS = "EPSG:3812"


def _grid(nx_: int, ny: int, size: float = 100.0, split_at: int | None = None):
    """nx_ × ny squares; municipality '11001' left of column ``split_at``, '11002' right."""
    rows = []
    for i in range(nx_):
        for j in range(ny):
            muni = "11001" if split_at is None or i < split_at else "11002"
            rows.append(
                {
                    "sector_id": f"{muni}A{i}{j}-",
                    "municipality_nis": muni,
                    "sector_name_nl": f"Sector {i}{j}",
                    "municipality_name_nl": "Aalst" if muni == "11001" else "Berchem",
                    "geometry": box(i * size, j * size, (i + 1) * size, (j + 1) * size),
                }
            )
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=CRS).set_index("sector_id")


def _queen_components_ok(sectors, sector_area, extra_links=()):
    """Independent check: each area is one connected piece of the brute-force Queen graph."""
    import shapely

    for area, members in sector_area.groupby(sector_area).groups.items():
        ids = list(members)
        geoms = np.asarray(sectors.geometry.loc[ids].values)
        touch = shapely.intersects(geoms[:, None], geoms[None, :])  # every pair, no index
        g = nx.Graph()
        g.add_nodes_from(ids)
        rows, cols = np.nonzero(np.triu(touch, k=1))
        g.add_edges_from((ids[a], ids[b]) for a, b in zip(rows, cols, strict=True))
        g.add_edges_from((a, b) for a, b in extra_links if a in g and b in g)
        assert nx.is_connected(g), f"area {area} is not contiguous"


def test_strip_maxp_hand_computed():
    # four sectors in a row, 10 children each, at least 20 per area: the only partition
    # into the most areas is {0,1} | {2,3}; west → east numbering
    sectors = _grid(4, 1)
    pop = pd.DataFrame({"children_0_17": [10.0] * 4}, index=sectors.index)
    areas = propose_areas(sectors, pop, target_size=20)
    sa = areas.attrs["sector_area"]
    assert list(areas.index) == ["11001-A01", "11001-A02"]
    assert sa.to_dict() == {
        "11001A00-": "11001-A01",
        "11001A10-": "11001-A01",
        "11001A20-": "11001-A02",
        "11001A30-": "11001-A02",
    }
    assert areas["children_0_17"].tolist() == [20.0, 20.0]
    assert areas["n_sectors"].tolist() == [2, 2]
    # readable names: the most populous sector (the first on ties)
    assert areas["area_name"].tolist() == ["Sector 00", "Sector 20"]
    assert areas["municipality_name_nl"].tolist() == ["Aalst", "Aalst"]
    assert areas.loc["11001-A01", "geometry"].area == pytest.approx(20000.0)


def test_grid_contiguous_borders_cover_deterministic():
    sectors = _grid(6, 4, split_at=2)
    rng = np.random.default_rng(1)
    pop = pd.DataFrame(
        {"children_0_17": rng.integers(5, 40, len(sectors)).astype(float)}, index=sectors.index
    )
    np.random.seed(123)  # noqa: NPY002
    before = np.random.get_state()[1].copy()  # noqa: NPY002
    a1 = propose_areas(sectors, pop, target_size=80)
    assert (np.random.get_state()[1] == before).all()  # noqa: NPY002
    a2 = propose_areas(sectors, pop, target_size=80)
    sa = a1.attrs["sector_area"]
    # every sector exactly once
    assert sa.index.is_unique and set(sa.index) == set(sectors.index)
    # never crosses the border
    assert (sa.str[:5] == sectors.loc[sa.index, "municipality_nis"]).all()
    # floor respected where the municipality has twice the target
    assert (a1["children_0_17"] >= 80).all()
    # contiguity, checked brute force
    _queen_components_ok(sectors, sa)
    # the children add up
    assert a1["children_0_17"].sum() == pytest.approx(pop["children_0_17"].sum())
    # deterministic, and numpy's global random state untouched
    assert a1.attrs["sector_area"].equals(a2.attrs["sector_area"])
    assert a1.geometry.geom_equals(a2.geometry).all()


@pytest.mark.parametrize("method", ["ward", "kmeans"])
def test_exact_count_and_apportion(method):
    sectors = _grid(6, 4, split_at=2)  # 8 sectors left, 16 right
    pop = pd.DataFrame({"children_0_17": 10.0}, index=sectors.index)
    areas = propose_areas(sectors, pop, n_areas=6, method=method)
    assert len(areas) == 6 and areas.attrs["method"] == method
    # children 80 : 160, so 6 areas split 2 : 4
    assert areas["municipality_nis"].value_counts().to_dict() == {"11002": 4, "11001": 2}
    _queen_components_ok(sectors, areas.attrs["sector_area"])


def test_ward_strip_hand_computed():
    # a row of rectangles 100, 120, 300, 100 m wide: centroids x = 50, 160, 370, 570.
    # Ward merge costs: (0,1) 110²/2 = 6050 < (2,3) 200²/2 = 20000 < (1,2) 210²/2; then
    # {0,1}+2 costs 2/3 · 265² ≈ 46817 > 20000, so two areas: {0,1} | {2,3} (also the
    # best split: SSE 26050 against 52867 for {0,1,2} | {3}).
    edges = np.cumsum([0, 100, 120, 300, 100])
    sectors = gpd.GeoDataFrame(
        {"municipality_nis": "11001"},
        geometry=[box(edges[i], 0, edges[i + 1], 100) for i in range(4)],
        index=pd.Index([f"11001A0{i}-" for i in range(4)], name="sector_id"),
        crs=CRS,
    )
    pop = pd.DataFrame({"children_0_17": 1.0}, index=sectors.index)
    areas = propose_areas(sectors, pop, n_areas=2)
    assert areas.attrs["method"] == "ward"
    assert areas.attrs["sector_area"].tolist() == ["11001-A01"] * 2 + ["11001-A02"] * 2


def test_small_municipality_is_one_area_and_progress():
    sectors = _grid(4, 2, split_at=1)  # '11001' has 2 sectors
    pop = pd.DataFrame({"children_0_17": 10.0}, index=sectors.index)
    calls = []
    areas = propose_areas(
        sectors, pop, target_size=25, progress=lambda d, t, m: calls.append((d, t))
    )
    assert (areas["municipality_nis"] == "11001").sum() == 1
    assert calls == [(1, 2), (2, 2)]


def test_island_is_linked_and_reported():
    sectors = _grid(3, 1)
    island = gpd.GeoDataFrame(
        {"municipality_nis": ["11001"], "sector_name_nl": ["Eiland"]},
        geometry=[box(1000, 0, 1100, 100)],
        index=pd.Index(["11001Z99-"], name="sector_id"),
        crs=CRS,
    )
    sectors = pd.concat([sectors, island])
    pop = pd.DataFrame({"children_0_17": [10.0, 10.0, 10.0, 0.0]}, index=sectors.index)
    areas = propose_areas(sectors, pop, target_size=15)
    links = areas.attrs["added_links"]
    assert len(links) == 1
    assert set(links.iloc[0][["sector_a", "sector_b"]]) == {"11001A20-", "11001Z99-"}
    assert links.iloc[0]["distance_m"] == pytest.approx(700.0)
    sa = areas.attrs["sector_area"]
    assert sa["11001Z99-"] == sa["11001A20-"]
    _queen_components_ok(sectors, sa, extra_links=[("11001A20-", "11001Z99-")])


def test_contiguity_graph_queen_includes_corners():
    sectors = _grid(2, 2)
    adj = contiguity_graph(sectors).toarray()
    assert adj.sum() == 12  # every square touches the 3 others (edge or corner)
    assert not adj.diagonal().any()


def test_bad_arguments_reported_together():
    sectors = _grid(2, 1)
    pop = pd.DataFrame({"children_0_17": [1.0, 2.0]}, index=sectors.index)
    with pytest.raises(InputError) as err:
        propose_areas(sectors, pop, target_column="kids", method="nope")
    text = str(err.value)
    assert "kids" in text and "exactly one" in text and "method" in text
    with pytest.raises(InputError, match="no sector id"):
        propose_areas(sectors, pop.set_axis(["x", "y"]), target_size=1)
    with pytest.raises(CRSError):
        propose_areas(sectors.to_crs(4326), pop, target_size=1)


def test_missing_population_counts_zero_and_is_listed():
    sectors = _grid(3, 1)
    pop = pd.DataFrame({"children_0_17": [10.0, 10.0]}, index=sectors.index[:2])
    areas = propose_areas(sectors, pop, target_size=100)
    assert areas.attrs["sectors_without_population"] == ["11001A20-"]
    assert len(areas) == 1 and areas["children_0_17"].iloc[0] == 20.0


def test_aggregate_extensive_intensive_hand_computed():
    table = pd.DataFrame(
        {
            "children": [10.0, 30.0, 5.0, np.nan],
            "dist_m": [100.0, 300.0, 50.0, 999.0],
            "share": [0.5, 1.0, np.nan, 0.2],
        },
        index=pd.Index(["s1", "s2", "s3", "s4"], name="sector_id"),
    )
    mapping = pd.Series({"s1": "a", "s2": "a", "s3": "b", "s4": "c", "s5": "d"})
    out = aggregate_to_areas(
        table, mapping, extensive=["children"], intensive={"dist_m": "children", "share": None}
    )
    assert list(out.index) == ["a", "b", "c", "d"]
    assert out.loc["a", "children"] == 40.0
    assert out.loc["a", "dist_m"] == pytest.approx((10 * 100 + 30 * 300) / 40)  # 250
    assert out.loc["a", "share"] == pytest.approx(0.75)
    assert out.loc["b", "dist_m"] == 50.0 and np.isnan(out.loc["b", "share"])
    assert np.isnan(out.loc["c", "children"]) and np.isnan(out.loc["c", "dist_m"])
    assert out.loc["c", "share"] == pytest.approx(0.2)
    assert out.loc["d"].isna().all()


def test_aggregate_errors():
    table = pd.DataFrame({"x": [1.0, 2.0]}, index=pd.Index(["s1", "s9"], name="sector_id"))
    with pytest.raises(InputError, match="belong to no area"):
        aggregate_to_areas(table, {"s1": "a"}, extensive=["x"])
    with pytest.raises(MissingColumnError):
        aggregate_to_areas(table, {"s1": "a", "s9": "b"}, extensive=["y"])
    areas = pd.DataFrame(index=pd.Index(["a"], name="area_id"))
    areas.attrs["sector_area"] = pd.Series({"s1": "a", "s9": "a"})
    assert sector_area_of(areas)["s9"] == "a"
    out = aggregate_to_areas(table, areas, extensive=["x"])
    assert out.loc["a", "x"] == 3.0


def _brussels(real):
    path = real / "statbel_sectors_brussels_2020" / "sector_brussels_pop2020.gpkg"
    g = gpd.read_file(path).rename(columns={"SECTOR": "sector_id", "MUNICIP": "municipality_nis"})
    g = g.set_index("sector_id")
    g = g.set_geometry(g.geometry.force_2d())
    pop = g[["POP"]].rename(columns={"POP": "population"}).astype(float)
    return g, pop


@pytest.mark.realdata
def test_brussels_ward_all_sectors(real):
    sectors, pop = _brussels(real)
    areas = propose_areas(sectors, pop, target_column="population", n_areas=60)
    sa = areas.attrs["sector_area"]
    assert len(areas) == 60
    assert sa.index.is_unique and set(sa.index) == set(sectors.index) and len(sa) == 724
    assert (
        areas["municipality_nis"].loc[sa.to_numpy()].to_numpy()
        == sectors.loc[sa.index, "municipality_nis"].to_numpy()
    ).all()
    links = list(areas.attrs["added_links"][["sector_a", "sector_b"]].itertuples(index=False))
    _queen_components_ok(sectors, sa, extra_links=links)
    assert areas["population"].sum() == pytest.approx(1_215_012)


@pytest.mark.realdata
def test_brussels_maxp_three_municipalities(real):
    sectors, pop = _brussels(real)
    sectors = sectors[sectors["municipality_nis"].isin(["21001", "21009", "21013"])]
    areas = propose_areas(sectors, pop, target_column="population", target_size=12000)
    sa = areas.attrs["sector_area"]
    assert set(sa.index) == set(sectors.index) and sa.index.is_unique
    assert (areas["population"] >= 12000).all()
    links = list(areas.attrs["added_links"][["sector_a", "sector_b"]].itertuples(index=False))
    _queen_components_ok(sectors, sa, extra_links=links)


def test_municipality_areas():
    from buurtgeo.areas import municipality_areas

    sectors = _grid(3, 2, split_at=1)
    areas = municipality_areas(sectors)
    assert list(areas.index) == ["11001", "11002"]
    assert areas["area_name"].tolist() == ["Aalst", "Berchem"]
    assert areas["n_sectors"].tolist() == [2, 4]
    assert areas.geometry.area.tolist() == pytest.approx([20000.0, 40000.0])
    assert areas.attrs["sector_area"]["11002A21-"] == "11002"


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(0, 3),
            st.one_of(st.just(0.0), st.floats(1e-6, 1e4)),  # persons: no subnormal weights
            st.floats(0, 500, allow_nan=False),
        ),
        min_size=1,
        max_size=30,
    )
)
def test_aggregate_properties(rows):
    # sums keep the total; a weighted mean lies between the group's min and max
    table = pd.DataFrame(
        {"w": [r[1] for r in rows], "x": [r[2] for r in rows]},
        index=pd.Index([f"s{i}" for i in range(len(rows))], name="sector_id"),
    )
    mapping = pd.Series({f"s{i}": f"a{r[0]}" for i, r in enumerate(rows)})
    out = aggregate_to_areas(table, mapping, extensive=["w"], intensive={"x": "w"})
    assert out["w"].sum() == pytest.approx(table["w"].sum())
    groups = table.groupby(mapping)
    for area, part in groups:
        if part["w"].sum() > 0:
            assert part["x"].min() - 1e-9 <= out.loc[area, "x"] <= part["x"].max() + 1e-9
        else:
            assert np.isnan(out.loc[area, "x"])


def test_no_border_constraint():
    sectors = _grid(4, 2, split_at=2)
    pop = pd.DataFrame({"children_0_17": 10.0}, index=sectors.index)
    areas = propose_areas(sectors, pop, n_areas=2, within=None)
    assert list(areas.index) == ["A01", "A02"]
    assert areas["n_sectors"].sum() == 8
    _queen_components_ok(sectors, areas.attrs["sector_area"])


def test_invalid_polygon_is_repaired_for_the_union():
    from shapely.geometry import Polygon

    sectors = _grid(3, 1)
    bowtie = Polygon([(100, 0), (200, 100), (200, 0), (100, 100)])  # self-intersecting
    sectors.loc["11001A10-", "geometry"] = bowtie
    pop = pd.DataFrame({"children_0_17": 10.0}, index=sectors.index)
    areas = propose_areas(sectors, pop, target_size=100)
    assert areas.attrs["geometries_repaired"] == 1
    assert areas.geometry.is_valid.all()
    assert areas.geometry.area.sum() == pytest.approx(10000 + 5000 + 10000)


@pytest.mark.realdata
def test_gent_sectors_with_invalid_polygons(real):
    # Gent's open-data sectors have coordinates rounded to ~1 m: some polygons are invalid
    path = real / "gent_sectors_wijken" / "gent-sectors.geojson"
    sectors = gpd.read_file(path).to_crs(CRS)
    sectors = sectors.rename(columns={"nis9_code": "sector_id", "sectornaam": "sector_name_nl"})
    sectors = sectors.set_index("sector_id").assign(municipality_nis="44021")
    pop = pd.DataFrame({"children_0_17": 100.0}, index=sectors.index)  # uniform stand-in
    areas = propose_areas(sectors, pop, target_size=3000, max_iterations=5)
    sa = areas.attrs["sector_area"]
    assert areas.attrs["geometries_repaired"] > 0
    assert areas.geometry.is_valid.all()
    assert sa.index.is_unique and set(sa.index) == set(sectors.index)
    assert (areas["children_0_17"] >= 3000).all()
    links = list(areas.attrs["added_links"][["sector_a", "sector_b"]].itertuples(index=False))
    _queen_components_ok(sectors, sa, extra_links=links)
