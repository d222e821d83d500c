"""Tests of buurtgeo.gaps: hand-computed gaps, equity, scenarios, site suggestions, suppression."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point, box

import buurtgeo as bg
from buurtgeo.equity import concentration_index, equity, gini
from buurtgeo.errors import InputError
from buurtgeo.gaps import gaps, need_score
from buurtgeo.scenarios import Scenario, scenario
from buurtgeo.sites import suggest_sites
from buurtgeo.suppression import suppress_small

CRS = "EPSG:3812"


@pytest.fixture
def town():
    """Three one-sector areas on a line; see the module docstring of the test for the sums."""
    areas = gpd.GeoDataFrame(
        {
            "area_name": ["West", "Midden", "Oost"],
            "municipality_nis": ["11001"] * 3,
        },
        geometry=[box(0, 0, 1000, 1000), box(1000, 0, 2000, 1000), box(4000, 0, 6000, 1000)],
        index=pd.Index(["11001-A01", "11001-A02", "11001-A03"], name="area_id"),
        crs=CRS,
    )
    areas.attrs["sector_area"] = pd.Series(
        {"s1": "11001-A01", "s2": "11001-A02", "s3": "11001-A03"}, name="area_id"
    ).rename_axis("sector_id")
    origins = gpd.GeoDataFrame(
        {"sector_id": ["s1", "s1", "s2", "s3"], "children_0_2": [20.0, 10.0, 10.0, 40.0]},
        geometry=[Point(200, 500), Point(800, 500), Point(1700, 500), Point(5000, 500)],
        index=pd.Index([0, 1, 2, 3], name="origin_id"),
        crs=CRS,
    )
    services = gpd.GeoDataFrame(
        {
            "name": ["Kribbe", "Crèche"],
            "service_kind": ["childcare_baby"] * 2,
            "capacity": [9.0, 4.0],
            "income_related": pd.array([True, False], dtype="boolean"),
        },
        geometry=[Point(500, 500), Point(1900, 500)],
        index=pd.Index(["c1", "c2"], name="service_id"),
        crs=CRS,
    )
    return areas, origins, services


def test_gaps_hand_computed(town):
    # R_c1 = 9 / (20 + 10) = 0.3 (o1, o2 at 300 m); R_c2 = 4 / 10 = 0.4 (o3 at 200 m;
    # o2 at 1100 m and o4 at 3100 m are beyond 1000 m). fca2 = 0.3, 0.3, 0.4, 0.
    areas, origins, services = town
    res = bg.reach_all(origins, services, kinds=["childcare_baby"])
    dep = pd.Series({"s1": 0.5, "s2": 0.0, "s3": 0.5})
    out = gaps(areas, origins, res, services, norm=33, deprivation=dep)
    g = out.xs("childcare_baby", level="service_kind")
    assert list(g.index) == ["11001-A01", "11001-A02", "11001-A03"]
    assert g["children"].tolist() == [30.0, 10.0, 40.0]
    assert g["places"].tolist() == [9.0, 4.0, 0.0]
    assert g["n_services"].tolist() == [1, 1, 0]
    np.testing.assert_allclose(g["places_per_100_in_area"], [30.0, 40.0, 0.0])
    np.testing.assert_allclose(g["places_per_100_2sfca"], [30.0, 40.0, 0.0])
    np.testing.assert_allclose(g["missing_places"], [0.9, 0.0, 13.2])
    np.testing.assert_allclose(g["missing_places_2sfca"], [0.9, 0.0, 13.2])
    np.testing.assert_allclose(g["share_beyond_catchment"], [0.0, 0.0, 1.0])
    # 100 fca2 = 30, 30 | 40 | 0 against 33
    np.testing.assert_allclose(g["share_below_norm"], [1.0, 0.0, 1.0])
    np.testing.assert_allclose(g["mean_dist_m"], [300.0, 200.0, 3100.0])
    np.testing.assert_allclose(g["share_income_related"], [1.0, 0.0, np.nan])
    np.testing.assert_allclose(g["need"], [45.0, 10.0, 60.0])
    np.testing.assert_allclose(g["shortfall"], [3 / 33, 0.0, 1.0])
    np.testing.assert_allclose(g["gap_score"], [45 * 3 / 33, 0.0, 60.0])
    assert g["rank"].tolist() == [2, 3, 1]
    # need 45, 10, 60 -> classes 2, 1, 3; reach 30, 40, 0 -> 2, 3, 1
    assert g["bivariate_class"].tolist() == ["2-2", "1-3", "3-1"]
    assert g.loc["11001-A03", "class_label"] == "hoge nood / laag bereik"
    assert g["high_need_low_reach"].tolist() == [False, False, True]
    en = gaps(areas, origins, res, services, deprivation=dep, language="en")
    assert en.loc[("11001-A03", "childcare_baby"), "class_label"] == "high need / low reach"


def test_gaps_single_reach_and_norm_50(town):
    areas, origins, services = town
    res = bg.reach(origins, services, catchment_m=1000, population="children_0_2")
    g = gaps(areas, origins, res, services, kinds=["childcare_baby"], norm=50)
    g = g.xs("childcare_baby", level="service_kind")
    np.testing.assert_allclose(g["missing_places"], [6.0, 1.0, 20.0])  # 15-9, 5-4, 20-0
    np.testing.assert_allclose(g["need"], g["children"])
    with pytest.raises(InputError, match="kinds="):
        gaps(areas, origins, res, services)


def test_gaps_bad_arguments(town):
    areas, origins, services = town
    res = bg.reach_all(origins, services, kinds=["childcare_baby"])
    with pytest.raises(InputError) as err:
        gaps(areas, origins.iloc[:3], res, services, norm=-1)
    assert "index" in str(err.value) and "norm" in str(err.value)


def test_gaps_lists_every_problem_at_once(town):
    from buurtgeo.errors import CRSError, MissingColumnError

    areas, origins, services = town
    res = bg.reach_all(origins, services, kinds=["childcare_baby"])
    lambert72 = services.to_crs(31370)
    # the CRS alone: CRSError; one missing column alone: MissingColumnError
    with pytest.raises(CRSError, match="EPSG:31370"):
        gaps(areas, origins, res, lambert72)
    with pytest.raises(MissingColumnError, match="capacity"):
        gaps(areas, origins, res, services.drop(columns="capacity"))
    # several: one InputError naming each
    with pytest.raises(InputError) as err:
        gaps(
            areas,
            origins,
            res,
            lambert72.drop(columns="capacity"),
            kinds=["library"],
            alpha=-1,
            deprivation=pd.Series({"s1": 1.5}),
            suppress_below=0,
        )
    text = str(err.value)
    for part in ("EPSG:31370", "'capacity'", "'library'", "alpha", "'s1'", "suppress_below"):
        assert part in text, part


def test_equity_stays_a_function_after_its_module_is_imported():
    import subprocess
    import sys

    code = (
        "import buurtgeo.equity, types, buurtgeo as bg;"
        "print(isinstance(bg.equity, types.FunctionType))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["True"]


def test_need_score_formula():
    c = pd.Series({"a": 10.0, "b": 20.0, "c": 5.0})
    assert need_score(c).tolist() == [10.0, 20.0, 5.0]
    out = need_score(c, pd.Series({"a": 0.2, "b": 1.0}), alpha=0.5)
    np.testing.assert_allclose(out, [10 * 1.1, 20 * 1.5, 5.0])
    assert out.attrs["deprivation_missing"] == ["c"]
    # BIMD-like score, min-max rescaled: 2 -> 0, 4 -> 0.5, 6 -> 1
    out = need_score(c, pd.Series({"a": 2.0, "b": 4.0, "c": 6.0}), deprivation_scale="minmax")
    np.testing.assert_allclose(out, [10.0, 30.0, 10.0])
    with pytest.raises(InputError, match="between 0 and 1"):
        need_score(c, pd.Series({"a": 3.0}))


def _gini_brute(x, w):
    x, w = np.asarray(x, float), np.asarray(w, float)
    mu = (w * x).sum() / w.sum()
    return (w[:, None] * w[None, :] * np.abs(x[:, None] - x[None, :])).sum() / (
        2 * w.sum() ** 2 * mu
    )


def test_gini_hand_and_brute_force():
    assert gini([0.0, 10.0]) == pytest.approx(0.5)
    assert gini([3.0, 3.0, 3.0]) == pytest.approx(0.0)
    # weights act as repeated people
    assert gini([1.0, 4.0], [2, 1]) == pytest.approx(gini([1.0, 1.0, 4.0]))
    rng = np.random.default_rng(0)
    x, w = rng.gamma(2.0, 10.0, 60), rng.integers(1, 30, 60)
    x[:5] = x[5]  # ties
    assert gini(x, w) == pytest.approx(_gini_brute(x, w), rel=1e-12)


def test_concentration_index_hand():
    # ranked most deprived first: R = 1/6, 1/2, 5/6; mu = 1
    # CI = 2/3 * [(-1)(-1/3) + (-1)(0) + (2)(1/3)] = 2/3
    assert concentration_index([0.0, 0.0, 3.0], [3.0, 2.0, 1.0]) == pytest.approx(2 / 3)
    assert concentration_index([3.0, 0.0, 0.0], [3.0, 2.0, 1.0]) == pytest.approx(-2 / 3)
    # equal deprivation shares one rank: no concentration
    assert concentration_index([0.0, 5.0], [1.0, 1.0]) == pytest.approx(0.0)


def test_equity_table():
    t = pd.DataFrame(
        {
            "access": [0.0, 0.0, 3.0],
            "kids": [1.0, 1.0, 1.0],
            "dep": [3.0, 2.0, 1.0],
            "muni": ["x", "x", "y"],
        }
    )
    e = equity(t, access="access", weight="kids", deprivation="dep", norm=1.0)
    row = e.loc["all"]
    assert row["people"] == 3.0 and row["mean_access"] == pytest.approx(1.0)
    assert row["share_below_norm"] == pytest.approx(2 / 3)
    assert row["concentration_index"] == pytest.approx(2 / 3)
    assert row["mean_access_deprived"] == 0.0 and row["mean_access_rest"] == pytest.approx(1.5)
    assert row["ratio_deprived_rest"] == 0.0
    assert row["gini"] == pytest.approx(_gini_brute([0, 0, 3], [1, 1, 1]))
    by = equity(t, access="access", weight="kids", by="muni")
    assert list(by.index) == ["x", "y"] and by.loc["y", "gini"] == 0.0


def _random_town(seed: int, n_origins: int = 80, n_services: int = 10):
    rng = np.random.default_rng(seed)
    xy = rng.uniform(0, 3000, (n_origins, 2))
    origins = gpd.GeoDataFrame(
        {
            "population": rng.integers(0, 40, n_origins).astype(float),
            "sector_id": [f"s{i % 6}" for i in range(n_origins)],
        },
        geometry=gpd.points_from_xy(xy[:, 0], xy[:, 1]),
        crs=CRS,
    )
    sxy = rng.uniform(0, 3000, (n_services, 2))
    services = gpd.GeoDataFrame(
        {"capacity": rng.integers(5, 50, n_services).astype(float)},
        geometry=gpd.points_from_xy(sxy[:, 0], sxy[:, 1]),
        index=pd.Index([f"k{j}" for j in range(n_services)], name="service_id"),
        crs=CRS,
    )
    new = gpd.GeoDataFrame(
        {"capacity": [30.0, 12.0]},
        geometry=[Point(1500, 1500), Point(100, 2900)],
        index=pd.Index(["new1", "new2"], name="service_id"),
        crs=CRS,
    )
    return origins, services, new


@pytest.mark.parametrize("decay", ["step", "gaussian"])
def test_scenario_incremental_equals_full(decay):
    origins, services, new = _random_town(3)
    model = Scenario(origins, services, catchment_m=800, decay=decay)
    close, resize = ["k1", "k4"], {"k2": 0.0, "k7": 99.0}
    after = model.apply(open=new, close=close, resize=resize)
    changed = services.drop(index=close).copy()
    changed.loc["k2", "capacity"] = 0.0
    changed.loc["k7", "capacity"] = 99.0
    full = bg.reach(origins, pd.concat([changed, new]), catchment_m=800, decay=decay)
    np.testing.assert_array_equal(after["dist_nearest_m"], full["dist_nearest_m"])
    np.testing.assert_array_equal(after["covered"], full["covered"])
    np.testing.assert_array_equal(after["services_within"], full["services_within"])
    np.testing.assert_allclose(after["capacity_within"], full["capacity_within"], atol=1e-9)
    np.testing.assert_allclose(after["fca2"], full["fca2"], rtol=1e-9, atol=1e-12)
    assert 0 < after.attrs["origins_changed"] < len(origins)


def test_scenario_close_everything_and_compare():
    origins, services, _ = _random_town(5, n_services=3)
    by = pd.Series({f"s{i}": f"a{i % 2}" for i in range(6)}, name="area_id").rename_axis(
        "sector_id"
    )
    out = scenario(origins, services, by=by, catchment_m=1000, close=list(services.index))
    assert (out["places_per_100_2sfca_after"] == 0).all()
    assert (out["share_covered_after"] == 0).all()
    np.testing.assert_allclose(
        out["places_per_100_2sfca_diff"], -out["places_per_100_2sfca_before"], atol=1e-9
    )
    full = bg.aggregate_reach(
        bg.reach(origins, services, catchment_m=1000), origins, by=by, weight="population"
    )
    np.testing.assert_allclose(out["places_per_100_2sfca_before"], full["places_per_100_2sfca"])
    with pytest.raises(InputError, match="unknown service ids"):
        Scenario(origins, services).apply(close=["nope"])


def _line(xs, **cols):
    """Points on the x axis (metres) with the given columns."""
    return gpd.GeoDataFrame(cols, geometry=[Point(x, 0) for x in xs], crs=CRS)


def test_sites_mclp_equals_greedy_when_greedy_is_optimal():
    # demand A 0, B 100, C 200 (10 each), D 1000 (25); radius 150
    demand = _line([0, 100, 200, 1000], need=[10.0, 10.0, 10.0, 25.0])
    cands = _line([100, 1000, 0]).set_index(pd.Index(["c1", "c2", "c3"]))
    exact = suggest_sites(demand, cands, k=2, catchment_m=150, method="mclp")
    greedy = suggest_sites(demand, cands, k=2, catchment_m=150, method="greedy")
    for res in (exact, greedy):
        assert list(res.index) == ["c1", "c2"]
        assert res["added"].tolist() == [30.0, 25.0]
        assert res["cumulative"].tolist() == [30.0, 55.0]
        assert res["share_of_uncovered"].iloc[-1] == pytest.approx(1.0)


def test_sites_mclp_beats_greedy_hand_case():
    # L1 0 (4), L2 200 (6), R1 400 (6), R2 600 (4); radius 150.
    # L at 100 covers L1+L2 = 10, R at 500 covers R1+R2 = 10, M at 300 covers L2+R1 = 12.
    # Greedy: M then L (adds 4) = 16. Optimum: L + R = 20.
    demand = _line([0, 200, 400, 600], need=[4.0, 6.0, 6.0, 4.0])
    cands = _line([100, 300, 500]).set_index(pd.Index(["L", "M", "R"]))
    greedy = suggest_sites(demand, cands, k=2, catchment_m=150, method="greedy")
    assert list(greedy.index) == ["M", "L"] and greedy["cumulative"].iloc[-1] == 16.0
    exact = suggest_sites(demand, cands, k=2, catchment_m=150, method="mclp")
    assert set(exact.index) == {"L", "R"} and exact["cumulative"].iloc[-1] == 20.0
    assert exact["covers_alone"].tolist() == [10.0, 10.0]
    # already covered demand weighs nothing: with L1, L2 covered, R is the best single site
    cov = pd.Series([True, True, False, False], index=demand.index)
    one = suggest_sites(demand, cands, k=1, catchment_m=150, covered=cov)
    assert list(one.index) == ["R"] and one.attrs["uncovered_total"] == 10.0


def test_sites_default_candidates_are_demand_points():
    demand = _line([0, 50, 5000], need=[1.0, 2.0, 5.0])
    res = suggest_sites(demand, k=1, catchment_m=100)
    assert list(res.index) == [2] and res["added"].iloc[0] == 5.0
    with pytest.raises(InputError):
        suggest_sites(demand, k=0, catchment_m=-1)


def test_suppress_small_hand():
    t = pd.DataFrame(
        {
            "children": [3.0, 0.0, 12.0],
            "places": [10.0, 2.0, 4.0],
            "places_per_100": [333.3, np.inf, 33.3],
            "mean_dist_m": [100.0, np.nan, 250.0],
            "area_name": ["a", "b", "c"],
        }
    )
    out = suppress_small(t, threshold=5)
    assert np.isnan(out.loc[0, "children"]) and np.isnan(out.loc[0, "places_per_100"])
    assert np.isnan(out.loc[0, "mean_dist_m"]) and out.loc[0, "places"] == 10.0
    assert out.loc[1, "children"] == 0.0 and np.isnan(out.loc[1, "places"])
    assert out.loc[2, "places"] != out.loc[2, "places"]  # 4 places hidden
    assert out.loc[2, "children"] == 12.0 and out.loc[2, "places_per_100"] == 33.3
    assert out["suppressed"].tolist() == [
        "children,places_per_100,mean_dist_m",
        "places",
        "places",
    ]
    assert t.loc[0, "children"] == 3.0  # input untouched
    out0 = suppress_small(t, threshold=5, hide_zero=True, columns=["children"])
    assert np.isnan(out0.loc[1, "children"])


def test_gaps_suppressed_for_publication(town):
    areas, origins, services = town
    res = bg.reach_all(origins, services, kinds=["childcare_baby"])
    g = gaps(areas, origins, res, services, suppress_below=20)
    g = g.xs("childcare_baby", level="service_kind")
    # Midden has 10 children: its count and every rate on it are hidden
    assert pd.isna(g.loc["11001-A02", "children"])
    assert pd.isna(g.loc["11001-A02", "places_per_100_2sfca"])
    assert "children" in g.loc["11001-A02", "suppressed"]
    assert g.loc["11001-A03", "children"] == 40.0


def test_sites_existing_services_cover_demand():
    demand = _line([0, 200, 400, 600], need=[4.0, 6.0, 6.0, 4.0])
    cands = _line([100, 300, 500]).set_index(pd.Index(["L", "M", "R"]))
    existing = _line([50])  # covers L1 (50 m) and L2 (150 m)
    one = suggest_sites(demand, cands, k=1, catchment_m=150, existing=existing)
    assert list(one.index) == ["R"] and one["added"].iloc[0] == 10.0


@pytest.mark.slow
def test_scenario_on_network_incremental_equals_full():
    from buurtgeo.network import grid_network

    net = grid_network(31, spacing_m=100.0, seed=2)  # 3 km × 3 km
    origins, services, new = _random_town(7, n_origins=60, n_services=8)
    model = Scenario(origins, services, network=net, catchment_m=700, decay="linear")
    after = model.apply(open=new, close=["k0", "k5"], resize={"k3": 1.0})
    changed = services.drop(index=["k0", "k5"]).copy()
    changed.loc["k3", "capacity"] = 1.0
    full = bg.reach(
        origins, pd.concat([changed, new]), network=net, catchment_m=700, decay="linear"
    )
    np.testing.assert_allclose(after["dist_nearest_m"], full["dist_nearest_m"], rtol=1e-12)
    np.testing.assert_array_equal(after["services_within"], full["services_within"])
    np.testing.assert_allclose(after["fca2"], full["fca2"], rtol=1e-9, atol=1e-12)


@pytest.mark.realdata
def test_brussels_city_childcare_gaps(real):
    """City of Brussels: real sectors, real childcare locations (no capacities known).

    Residents stand in for the 0-2 band (the extract has only totals); the checks are
    invariants and an independent nearest-distance computation, not stored numbers.
    """
    from scipy.spatial import cKDTree

    from buurtgeo.areas import propose_areas

    path = real / "statbel_sectors_brussels_2020" / "sector_brussels_pop2020.gpkg"
    sectors = gpd.read_file(path).rename(
        columns={"SECTOR": "sector_id", "MUNICIP": "municipality_nis"}
    )
    sectors = sectors[sectors["municipality_nis"] == "21004"].set_index("sector_id")
    sectors = sectors.set_geometry(sectors.geometry.force_2d()).to_crs(CRS)
    pop = sectors[["POP"]].rename(columns={"POP": "children_0_2"}).astype(float)
    areas = propose_areas(sectors, pop, target_column="children_0_2", n_areas=8)

    raw = pd.read_csv(
        real / "brussels_city_childcare_one" / "milieux_accueil_petite_enfance.csv",
        sep=";",
        encoding="utf-8-sig",
    )
    latlon = raw["Geo Point"].str.split(",", expand=True).astype(float)
    tariff = raw["Soort tarifering"]
    services = gpd.GeoDataFrame(
        {
            "service_kind": "childcare_baby",
            "capacity": np.nan,
            "income_related": pd.array(
                np.where(tariff.isna(), None, tariff == "inkomenstarief"), dtype="boolean"
            ),
        },
        geometry=gpd.points_from_xy(latlon[1], latlon[0]),
        crs="EPSG:4326",
    ).to_crs(CRS)
    services.index = pd.Index([f"svc{i}" for i in range(len(services))], name="service_id")

    origins = gpd.GeoDataFrame(
        {"sector_id": sectors.index, "children_0_2": pop["children_0_2"].to_numpy()},
        geometry=sectors.geometry.representative_point().to_numpy(),
        crs=CRS,
    )
    res = bg.reach_all(origins, services, kinds=["childcare_baby"])
    g = gaps(areas, origins, res, services).xs("childcare_baby", level="service_kind")

    assert list(g.index) == sorted(areas.index)
    assert g["children"].sum() == pytest.approx(pop["children_0_2"].sum())
    assert g["n_services"].sum() + g.attrs["services_outside_areas"]["childcare_baby"] == 92
    assert g["places"].isna().all() and g["missing_places"].isna().all()
    np.testing.assert_allclose(g["shortfall"], g["share_beyond_catchment"])
    assert sorted(g["rank"].dropna().unique())[0] == 1
    # independent: child-weighted mean nearest distance per area with a KD-tree
    sxy = np.column_stack([services.geometry.x, services.geometry.y])
    d, _ = cKDTree(sxy).query(np.column_stack([origins.geometry.x, origins.geometry.y]))
    area_of = origins["sector_id"].map(areas.attrs["sector_area"])
    w = origins["children_0_2"]
    expected = (w * d).groupby(area_of.to_numpy()).sum() / w.groupby(area_of.to_numpy()).sum()
    np.testing.assert_allclose(g["mean_dist_m"], expected.reindex(g.index), rtol=1e-9)
    # income-related share by count: only Kind&Gezin records carry the tariff
    assert (
        (g["share_income_related"].dropna() >= 0) & (g["share_income_related"].dropna() <= 1)
    ).all()
    e = equity(g.reset_index(), access="mean_dist_m", weight="children")
    assert 0 <= e.loc["all", "gini"] <= 1


def test_scenario_capacity_unknown_stays_unknown():
    origins, services, new = _random_town(11, n_services=4)
    services["capacity"] = np.nan
    model = Scenario(origins, services, catchment_m=900)
    after = model.apply(close=["k0"])
    full = bg.reach(origins, services.drop(index="k0"), catchment_m=900)
    assert after["fca2"].isna().all() and full["fca2"].isna().all()
    np.testing.assert_array_equal(after["dist_nearest_m"], full["dist_nearest_m"])
    # opening a service with places makes them known again, as a full run does
    after = model.apply(open=new)
    full = bg.reach(origins, pd.concat([services, new]), catchment_m=900)
    np.testing.assert_allclose(after["fca2"], full["fca2"], rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(after["capacity_within"], full["capacity_within"])


def test_concentration_index_equals_convenient_regression():
    # Kakwani, Wagstaff & van Doorslaer (1997): regress 2 var(R) x / mu on R; the slope is CI
    rng = np.random.default_rng(4)
    x = rng.gamma(2.0, 5.0, 40)
    dep = rng.permutation(40).astype(float)  # no ties
    w = rng.integers(1, 20, 40).astype(float)
    order = np.argsort(-dep)
    cum = np.cumsum(w[order])
    rank = np.empty(40)
    rank[order] = (cum - w[order] / 2) / w.sum()
    mu = (w * x).sum() / w.sum()
    var_r = (w * (rank - (w * rank).sum() / w.sum()) ** 2).sum() / w.sum()
    y = 2 * var_r * x / mu
    sw = np.sqrt(w)
    design = np.column_stack([np.ones(40), rank]) * sw[:, None]
    slope = np.linalg.lstsq(design, y * sw, rcond=None)[0][1]
    assert concentration_index(x, dep, w) == pytest.approx(slope, rel=1e-10)


def test_gaps_kind_without_capacity_uses_reach(town):
    # a library (capacity unknown) at (500, 500), catchment 1200 m: o1, o2 at 300 m and
    # o3 at 1200 m are covered, o4 at 4500 m is not; children_0_17 = 2 x children_0_2
    areas, origins, services = town
    origins = origins.assign(children_0_17=origins["children_0_2"] * 2)
    library = gpd.GeoDataFrame(
        {"service_kind": ["library"], "capacity": [np.nan]},
        geometry=[Point(500, 500)],
        index=pd.Index(["b1"], name="service_id"),
        crs=CRS,
    )
    both = pd.concat([services, library])
    res = bg.reach_all(origins, both)
    out = gaps(areas, origins, res, both)
    lib = out.xs("library", level="service_kind")
    assert lib["children"].tolist() == [60.0, 20.0, 80.0]
    assert lib["places"].isna().all() and lib["n_services"].tolist() == [1, 0, 0]
    np.testing.assert_allclose(lib["share_beyond_catchment"], [0.0, 0.0, 1.0])
    np.testing.assert_allclose(lib["shortfall"], [0.0, 0.0, 1.0])
    np.testing.assert_allclose(lib["gap_score"], [0.0, 0.0, 80.0])
    np.testing.assert_allclose(lib["mean_dist_m"], [300.0, 1200.0, 4500.0])
    # the childcare rows are unchanged by the extra kind
    cc = out.xs("childcare_baby", level="service_kind")
    np.testing.assert_allclose(cc["places_per_100_2sfca"], [30.0, 40.0, 0.0])


def test_scenario_refuses_other_crs_and_reused_ids():
    origins, services, new = _random_town(2, n_services=3)
    model = Scenario(origins, services, catchment_m=500)
    with pytest.raises(InputError) as err:
        model.apply(open=new.to_crs(31370), close=["k0"], resize={"k0": 3.0})
    assert "EPSG:31370" in str(err.value) and "both closed and resized" in str(err.value)
    with pytest.raises(InputError, match="reuse existing ids"):
        model.apply(open=new.set_axis(["k1", "k2"]))


def test_scenario_places_in_area(town):
    # open 20 places in Oost (no service yet), close c2 in Midden
    areas, origins, services = town
    origins = origins.rename(columns={"children_0_2": "population"})
    new = gpd.GeoDataFrame(
        {"service_kind": ["childcare_baby"], "capacity": [20.0]},
        geometry=[Point(5000, 600)],
        index=pd.Index(["c9"], name="service_id"),
        crs=CRS,
    )
    out = scenario(
        origins,
        services,
        by=areas.attrs["sector_area"],
        catchment_m=1000,
        open=new,
        close=["c2"],
        areas=areas,
    )
    assert out["places_in_area_before"].tolist() == [9.0, 4.0, 0.0]
    assert out["places_in_area_after"].tolist() == [9.0, 0.0, 20.0]
    assert out["places_in_area_diff"].tolist() == [0.0, -4.0, 20.0]
    # Oost: 40 children, one new service 100 m away with 20 places -> 50 per 100
    assert out.loc["11001-A03", "places_per_100_2sfca_after"] == pytest.approx(50.0)
    assert out.loc["11001-A02", "share_covered_after"] == 0.0  # o3 is 1200 m from c1
    # the closures may be any iterable, read once for the reach and the places in the areas
    again = Scenario(origins, services, catchment_m=1000).compare(
        by=areas.attrs["sector_area"], open=new, close=iter(["c2"]), areas=areas
    )
    pd.testing.assert_frame_equal(again, out)


def test_official_municipality_ratio(town):
    # one municipality: 13 places for 80 children 0-2 -> 16.25 per 100; norm 33 -> 13.4 missing
    from buurtgeo.areas import municipality_areas

    areas, origins, services = town
    sectors = gpd.GeoDataFrame(
        {"municipality_nis": "11001", "municipality_name_nl": "Aalst"},
        geometry=list(areas.geometry),
        index=pd.Index(["s1", "s2", "s3"], name="sector_id"),
        crs=CRS,
    )
    muni = municipality_areas(sectors)
    res = bg.reach_all(origins, services, kinds=["childcare_baby"])
    g = gaps(muni, origins, res, services).xs("childcare_baby", level="service_kind")
    assert g.loc["11001", "area_name"] == "Aalst"
    assert g.loc["11001", "places_per_100_in_area"] == pytest.approx(16.25)
    assert g.loc["11001", "missing_places"] == pytest.approx(13.4)
    # 2SFCA: (20 * 0.3 + 10 * 0.3 + 10 * 0.4) / 80 * 100 = 16.25 as well (all places used)
    assert g.loc["11001", "places_per_100_2sfca"] == pytest.approx(16.25)


def test_suggest_sites_names_bad_weights_and_warns_about_empty_ones():
    import geopandas as gpd

    pts = gpd.GeoDataFrame(
        {"need": pd.array(["3", "veel", None, "-2", "4"], dtype=object)},
        geometry=gpd.points_from_xy([0, 100, 200, 300, 400], [0] * 5),
        index=["a", "b", "c", "d", "e"],
        crs="EPSG:3812",
    )
    with pytest.raises(InputError) as err:
        bg.suggest_sites(pts, k=1, catchment_m=150)
    text = str(err.value)
    assert "'b'" in text and "not numbers" in text and "veel" in text
    assert "'d'" in text and "negative" in text
    ok = pts.assign(need=[3.0, 1.0, np.nan, 2.0, 4.0])
    with pytest.warns(UserWarning, match=r"1 demand point\(s\) have an empty 'need' \(rows 'c'\)"):
        picked = bg.suggest_sites(ok, k=1, catchment_m=150, method="greedy")
    # by hand, r = 150 m: a site at b covers a, b, c = 3 + 1 + 0; at d: c, d, e = 0 + 2 + 4
    assert picked.index.tolist() == ["d"]
    assert picked["added"].iloc[0] == pytest.approx(6.0)
    assert picked["share_of_uncovered"].iloc[0] == pytest.approx(6.0 / 10.0)
