"""Tests of buurtgeo.origins: placing sector counts on points, sums preserved."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from buurtgeo.errors import CRSError, InputError, MissingColumnError
from buurtgeo.origins import origins_from_sectors

CRS = "EPSG:3812"


@pytest.fixture
def three():
    """A: 300 x 200 m box, B: 200 x 200 m box, C: a 30 m square (smaller than a cell)."""
    sectors = gpd.GeoDataFrame(
        geometry=[
            shapely.box(0, 0, 300, 200),
            shapely.box(300, 0, 500, 200),
            shapely.box(500, 0, 530, 30),
        ],
        index=pd.Index(["A", "B", "C"], name="sector_id"),
        crs=CRS,
    )
    pop = pd.DataFrame(
        {"population": [60, 10, 5], "children_0_2": [6.0, 1.0, 0.5]},
        index=pd.Index(["A", "B", "C"], name="sector_id"),
    )
    return sectors, pop


def voronoi_sectors(n=60, size=3000.0, seed=1):
    rng = np.random.default_rng(seed)
    pts = shapely.points(rng.uniform(0, size, (n, 2)))
    box = shapely.box(0, 0, size, size)
    cells = shapely.voronoi_polygons(shapely.multipoints(pts), extend_to=box)
    polys = shapely.intersection(np.asarray(cells.geoms), box)
    ids = pd.Index([f"S{i:03d}" for i in range(len(polys))], name="sector_id")
    sectors = gpd.GeoDataFrame(geometry=polys, index=ids, crs=CRS)
    pop = pd.DataFrame(
        {
            "population": rng.integers(0, 2000, len(ids)).astype(float),
            "children_0_2": rng.uniform(0, 80, len(ids)),
        },
        index=ids,
    )
    return sectors, pop


def test_point_method(three):
    sectors, pop = three
    o = origins_from_sectors(sectors, pop)
    assert o.index.name == "origin_id" and list(o.index) == [0, 1, 2]
    assert o["sector_id"].tolist() == ["A", "B", "C"]
    np.testing.assert_array_equal(o["population"], [60, 10, 5])
    assert shapely.contains(np.asarray(sectors.geometry.array), np.asarray(o.geometry.array)).all()
    assert o.crs == sectors.crs and (o["placement"] == "point").all()


def test_grid_by_hand(three):
    sectors, pop = three
    o = origins_from_sectors(sectors, pop, method="grid", spacing_m=100.0)
    a = o[o["sector_id"] == "A"]
    # cell centres (50|150|250, 50|150): 6 in A, south to north then west to east
    assert list(zip(a.geometry.x, a.geometry.y, strict=True)) == [
        (50, 50),
        (150, 50),
        (250, 50),
        (50, 150),
        (150, 150),
        (250, 150),
    ]
    np.testing.assert_allclose(a["population"], 10.0)
    np.testing.assert_allclose(a["children_0_2"], 1.0)
    b = o[o["sector_id"] == "B"]
    assert len(b) == 4 and np.allclose(b["population"], 2.5)
    c = o[o["sector_id"] == "C"]  # no cell centre inside: one representative point
    assert len(c) == 1 and c["placement"].item() == "representative_point"
    assert c["population"].item() == 5
    assert o["sector_id"].tolist() == ["A"] * 6 + ["B"] * 4 + ["C"]
    assert list(o.index) == list(range(11))


def test_grid_preserves_sums_and_stays_inside():
    sectors, pop = voronoi_sectors()
    o = origins_from_sectors(sectors, pop, method="grid", spacing_m=50.0)
    for col in ("population", "children_0_2"):
        got = o.groupby("sector_id")[col].sum().reindex(sectors.index)
        np.testing.assert_allclose(got, pop[col], rtol=1e-12, atol=1e-9)
    owner = sectors.geometry.loc[o["sector_id"]].array
    assert shapely.contains(np.asarray(owner), np.asarray(o.geometry.array)).all()
    # about one point per 50 m cell
    assert abs(len(o) - 3000 * 3000 / 50**2) < 0.02 * len(o)
    again = origins_from_sectors(sectors, pop, method="grid", spacing_m=50.0)
    pd.testing.assert_frame_equal(pd.DataFrame(o), pd.DataFrame(again))


def test_address_points(three):
    sectors, pop = three
    addr = gpd.GeoDataFrame(
        {"dwellings": [1.0, 3.0, 0.0, 5.0, 2.0]},
        geometry=gpd.points_from_xy([10, 20, 300, 450, 9999], [10, 10, 100, 100, 9999]),
        crs=CRS,
    )
    o = origins_from_sectors(
        sectors, pop, method="points", address_points=addr, address_weight="dwellings"
    )
    # (300, 100) lies on the A|B border: it goes to A, the first sector
    a = o[o["sector_id"] == "A"]
    np.testing.assert_allclose(a["population"], [60 * 1 / 4, 60 * 3 / 4, 0.0])
    b = o[o["sector_id"] == "B"]
    np.testing.assert_allclose(b["population"], [10.0])
    c = o[o["sector_id"] == "C"]
    assert c["placement"].tolist() == ["representative_point"]
    assert o.attrs["address_points_outside"] == 1
    # all weights 0 in a sector: equal shares
    zero = origins_from_sectors(
        sectors,
        pop,
        method="points",
        address_points=addr.assign(dwellings=0.0),
        address_weight="dwellings",
    )
    np.testing.assert_allclose(zero[zero["sector_id"] == "A"]["population"], [20.0] * 3)


def test_population_join_is_accounted(three):
    sectors, pop = three
    pop = pd.concat(
        [pop.drop(index="C"), pd.DataFrame({"population": [7], "children_0_2": [1.0]}, index=["Z"])]
    )
    with pytest.warns(UserWarning, match=r"not in the population table \(e\.g\. 'C'\)"):
        o = origins_from_sectors(sectors, pop)
    np.testing.assert_array_equal(o["population"], [60, 10, 0])
    assert o.attrs["sectors_without_population"] == 1
    assert o.attrs["population_without_sector"] == ["Z"]
    assert o.attrs["population_without_sector_total"]["population"] == 7


def test_counts_on_the_sectors_themselves(three):
    sectors, pop = three
    o = origins_from_sectors(sectors.join(pop), method="grid", columns=["children_0_2"])
    assert list(o.columns) == ["sector_id", "children_0_2", "placement", "geometry"]
    assert o["children_0_2"].sum() == pytest.approx(7.5)


def test_errors_reported_together(three):
    sectors, pop = three
    with pytest.raises(InputError) as err:
        origins_from_sectors(sectors, pop.assign(population=[1, -1, 2]), method="hex", spacing_m=0)
    text = str(err.value)
    assert "method" in text and "spacing_m" in text and "'B'" in text
    with pytest.raises(MissingColumnError, match="children_6_11"):
        origins_from_sectors(sectors, pop, columns=["children_6_11"])
    with pytest.raises(CRSError):
        origins_from_sectors(sectors.to_crs(4326), pop)
    with pytest.raises(InputError, match="address_points"):
        origins_from_sectors(sectors, pop, method="points")


@pytest.mark.realdata
def test_brussels_sectors_origins_real(real):
    """Brussels 2020 sectors (3D MultiPolygons, EPSG:31370) with their real population."""
    path = real / "statbel_sectors_brussels_2020" / "sector_brussels_pop2020.gpkg"
    sectors = gpd.read_file(path).to_crs(CRS)
    sectors = sectors.rename(columns={"SECTOR": "sector_id", "POP": "population"})
    pop = sectors[["sector_id", "population"]]
    origins = origins_from_sectors(sectors.drop(columns="population"), pop, method="grid")
    got = origins.groupby("sector_id")["population"].sum()
    want = pop.set_index("sector_id")["population"].astype(float)
    np.testing.assert_allclose(got.reindex(want.index), want, rtol=1e-12)
    assert origins["population"].sum() == pytest.approx(1_215_012)
    # about one origin per hectare of the region (161 km2), plus small-sector fallbacks
    assert 14_000 < len(origins) < 18_000


def test_nullable_counts_with_na_are_zero_and_reported(three):
    """join_population gives Int64 columns with <NA> for sectors without population."""
    sectors, pop = three
    pop = pd.DataFrame(
        {
            "population": pd.array([60, pd.NA, 5], dtype="Int64"),
            "children_0_2": pd.array([6.0, 1.0, pd.NA], dtype="Float64"),
        },
        index=pop.index,
    )
    with pytest.warns(UserWarning, match=r"2 sector\(s\) have empty counts \(e\.g\. 'B'\)"):
        o = origins_from_sectors(sectors, pop, method="grid")
    by = o.groupby("sector_id")[["population", "children_0_2"]].sum()
    np.testing.assert_allclose(by["population"], [60.0, 0.0, 5.0])
    np.testing.assert_allclose(by["children_0_2"], [6.0, 1.0, 0.0])
    assert o.attrs["empty_counts"] == {"population": 1, "children_0_2": 1}
    assert o.attrs["sectors_with_empty_counts"] == ["B", "C"]
    # counts on the sectors themselves (a join), same rule
    with pytest.warns(UserWarning, match="'B'"):
        o2 = origins_from_sectors(sectors.join(pop), columns=["population"])
    np.testing.assert_array_equal(o2["population"], [60.0, 0.0, 5.0])
    # negative nullable counts are still refused
    bad = pop.assign(population=pd.array([60, -1, pd.NA], dtype="Int64"))
    with pytest.raises(InputError, match="negative"):
        origins_from_sectors(sectors, bad)


def test_no_warning_when_all_counts_known(three, recwarn):
    sectors, pop = three
    o = origins_from_sectors(sectors, pop)
    assert o.attrs["sectors_with_empty_counts"] == []
    assert not [w for w in recwarn if issubclass(w.category, UserWarning)]
