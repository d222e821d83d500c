"""Review of buurtgeo.gaps: hand-computed numbers end to end, equity against independent
formulas, scenarios against full recomputation on a street network, suppression.

Every expected value below is worked out by hand in the comments (or by an independent
formula written out in the test), never by running buurtgeo.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point, box

import buurtgeo as bg
from buurtgeo.equity import concentration_index, equity, gini
from buurtgeo.scenarios import Scenario
from buurtgeo.suppression import suppress_small

CRS = "EPSG:3812"
KIND = "childcare_baby"


@pytest.fixture
def layout():
    """Two areas on the line y = 500 (metres), six origins, two services.

    Area A = [0, 1000] × [0, 1000] (sector sA), area B = [1000, 3000] × [0, 1000] (sB).

    ========  ======  ======  ========  ==========  ==========
    origin    x (m)   sector  children  d to s1     d to s2
    ========  ======  ======  ========  ==========  ==========
    o0        100     sA      10        300         1400
    o1        600     sA      20        200         900
    o2        300     sA      0         100         1200
    o3        1400    sB      30        1000        100
    o4        1900    sB      40        1500        400
    o5        2900    sB      10        2500        1400
    ========  ======  ======  ========  ==========  ==========

    s1 at x = 400 (area A, 12 places, income-related), s2 at x = 1500 (area B, 20
    places, tariff unknown).
    """
    areas = gpd.GeoDataFrame(
        {"area_name": ["A", "B"], "municipality_nis": ["11001", "11001"]},
        geometry=[box(0, 0, 1000, 1000), box(1000, 0, 3000, 1000)],
        index=pd.Index(["A", "B"], name="area_id"),
        crs=CRS,
    )
    areas.attrs["sector_area"] = pd.Series({"sA": "A", "sB": "B"}, name="area_id").rename_axis(
        "sector_id"
    )
    xs = [100, 600, 300, 1400, 1900, 2900]
    origins = gpd.GeoDataFrame(
        {
            "sector_id": ["sA", "sA", "sA", "sB", "sB", "sB"],
            "children_0_2": [10.0, 20.0, 0.0, 30.0, 40.0, 10.0],
        },
        geometry=[Point(x, 500) for x in xs],
        index=pd.Index([f"o{i}" for i in range(6)], name="origin_id"),
        crs=CRS,
    )
    services = gpd.GeoDataFrame(
        {
            "service_kind": [KIND, KIND],
            "capacity": [12.0, 20.0],
            "income_related": pd.array([True, pd.NA], dtype="boolean"),
        },
        geometry=[Point(400, 500), Point(1500, 500)],
        index=pd.Index(["s1", "s2"], name="service_id"),
        crs=CRS,
    )
    return areas, origins, services


def test_end_to_end_reach_aggregate_gaps_by_hand(layout):
    areas, origins, services = layout
    # catchment 1000 m, step decay, d <= R counts (o3 is exactly 1000 m from s1):
    # s1 reaches o0, o1, o2, o3: demand 10 + 20 + 0 + 30 = 60 -> R1 = 12/60 = 1/5
    # s2 reaches o1 (900), o3, o4: demand 20 + 30 + 40 = 90 -> R2 = 20/90 = 2/9
    # fca2: o0 1/5, o1 1/5 + 2/9 = 19/45, o2 1/5, o3 19/45, o4 2/9, o5 0
    res = bg.reach(origins, services, catchment_m=1000, population="children_0_2")
    np.testing.assert_allclose(
        res["fca2"], [1 / 5, 19 / 45, 1 / 5, 19 / 45, 2 / 9, 0.0], rtol=1e-12, atol=1e-15
    )
    np.testing.assert_array_equal(res["dist_nearest_m"], [300, 200, 100, 100, 400, 1400])

    agg = bg.aggregate_reach(res, origins, by=areas.attrs["sector_area"], weight="children_0_2")
    # A: C = 30, Σ c A = 10/5 + 20·19/45 + 0 = 2 + 76/9 = 94/9
    # B: C = 80, Σ c A = 30·19/45 + 40·2/9 + 0 = 38/3 + 80/9 = 194/9
    # (94 + 194)/9 = 32 = 12 + 20: every place is used once
    np.testing.assert_allclose(agg["target_pop"], [30.0, 80.0])
    np.testing.assert_allclose(
        agg["places_per_100_2sfca"], [100 * 94 / 9 / 30, 100 * 194 / 9 / 80], rtol=1e-12
    )
    # mean distance: A (10·300 + 20·200 + 0·100)/30 = 700/3; B (30·100 + 40·400 + 10·1400)/80
    np.testing.assert_allclose(agg["mean_dist_m"], [700 / 3, 33000 / 80], rtol=1e-12)
    # lower weighted median: A 100 (w 0), 200 (w 20 >= 15) -> 200; B 100 (30), 400 (70 >= 40)
    np.testing.assert_allclose(agg["median_dist_m"], [200.0, 400.0])
    # covered (nearest <= 1000): everyone but o5 (10 of B's 80)
    np.testing.assert_allclose(agg["share_covered"], [1.0, 70 / 80])

    out = bg.gaps(areas, origins, res, services, kinds=[KIND], norm=33)
    assert out.attrs["demand"] == {KIND: "children_0_2"}
    g = out.xs(KIND, level="service_kind")
    assert g["children"].tolist() == [30.0, 80.0]
    assert g["places"].tolist() == [12.0, 20.0]
    # same-area ratio: 100·12/30 = 40; 100·20/80 = 25
    np.testing.assert_allclose(g["places_per_100_in_area"], [40.0, 25.0])
    np.testing.assert_allclose(g["places_per_100_2sfca"], agg["places_per_100_2sfca"], rtol=1e-12)
    # missing = max(0, 0.33·C − P): A max(0, 9.9 − 12) = 0; B 26.4 − 20 = 6.4
    np.testing.assert_allclose(g["missing_places"], [0.0, 6.4], atol=1e-12)
    # 2SFCA: max(0, 0.33·C − Σ c A): A 9.9 − 94/9 < 0 -> 0; B 26.4 − 194/9
    np.testing.assert_allclose(g["missing_places_2sfca"], [0.0, 26.4 - 194 / 9], atol=1e-12)
    # 100·fca2 against 33: o0 20 and o4 22.2 below (o2 too, with 0 children), o1, o3 42.2
    # above, o5 0 below: A 10/30; B (40 + 10)/80
    np.testing.assert_allclose(g["share_below_norm"], [1 / 3, 50 / 80])
    np.testing.assert_allclose(g["share_beyond_catchment"], [0.0, 10 / 80])
    np.testing.assert_allclose(g["share_unreachable"], [0.0, 0.0])
    np.testing.assert_allclose(g["mean_dist_m"], [700 / 3, 412.5], rtol=1e-12)
    # s1 income-related (12 of 12 known places); s2's tariff unknown -> NaN
    np.testing.assert_allclose(g["share_income_related"], [1.0, np.nan])
    # shortfall = clip(1 − ratio/33): A ratio 34.8 -> 0; B 1 − (19400/720)/33
    short_b = 1 - (19400 / 720) / 33
    np.testing.assert_allclose(g["shortfall"], [0.0, short_b], rtol=1e-12, atol=1e-15)
    # without deprivation need = children and gap = missing_2sfca · 100 / 33
    np.testing.assert_allclose(g["need"], [30.0, 80.0])
    np.testing.assert_allclose(g["gap_score"], [0.0, 80 * short_b], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(
        g["gap_score"], g["missing_places_2sfca"] * 100 / 33, rtol=1e-12, atol=1e-12
    )
    assert g["rank"].tolist() == [2, 1]


def test_gaps_counts_the_population_reach_used(layout):
    # reach_all with a targets= override: demand = 2 × children_0_2 on every origin, so
    # R1 = 12/120, R2 = 20/180 and every fca2 halves, while the children double:
    # places per 100 (same area) A 100·12/60 = 20, B 100·20/160 = 12.5, 2SFCA halves,
    # and Σ C ratio / 100 is still the 32 places
    areas, origins, services = layout
    origins = origins.assign(demand=origins["children_0_2"] * 2)
    res = bg.reach_all(origins, services, targets={KIND: "demand"})
    g = bg.gaps(areas, origins, res, services).xs(KIND, level="service_kind")
    assert g["children"].tolist() == [60.0, 160.0]
    np.testing.assert_allclose(g["places_per_100_in_area"], [20.0, 12.5])
    np.testing.assert_allclose(
        g["places_per_100_2sfca"], [50 * 94 / 9 / 30, 50 * 194 / 9 / 80], rtol=1e-12
    )
    assert (g["children"] * g["places_per_100_2sfca"] / 100).sum() == pytest.approx(32.0)


def test_gaps_empty_area_no_services_and_unknown_capacity(layout):
    areas, origins, services = layout
    # a third area C with no origins: no children, every rate unknown, nothing missing
    extra = gpd.GeoDataFrame(
        {"area_name": ["C"], "municipality_nis": ["11001"]},
        geometry=[box(3000, 0, 4000, 1000)],
        index=pd.Index(["C"], name="area_id"),
        crs=CRS,
    )
    three = pd.concat([areas, extra])
    three.attrs["sector_area"] = areas.attrs["sector_area"]
    # s2's capacity unknown: only s1's 12 places exist; R1 = 12/60 as before and
    # fca2 = 1/5 for o0..o3, 0 for o4, o5
    svc = services.assign(capacity=[12.0, np.nan])
    res = bg.reach_all(origins, svc)
    g = bg.gaps(three, origins, res, svc).xs(KIND, level="service_kind")
    assert g.loc["C", "children"] == 0.0 and g.loc["C", "missing_places"] == 0.0
    assert (
        g.loc[["C"], ["places_per_100_in_area", "places_per_100_2sfca", "gap_score"]]
        .isna()
        .to_numpy()
        .all()
    )
    assert pd.isna(g.loc["C", "rank"]) and pd.isna(g.loc["C", "bivariate_class"])
    assert g["n_services"].tolist() == [1, 1, 0]
    # B: 0 known places in the area; 2SFCA 100·30·(1/5)/80 = 7.5
    np.testing.assert_allclose(g["places"], [12.0, 0.0, 0.0])
    np.testing.assert_allclose(g.loc["B", "places_per_100_2sfca"], 7.5)
    # A: 100·(10 + 20)/5/30 = 20
    np.testing.assert_allclose(g.loc["A", "places_per_100_2sfca"], 20.0)

    # no service of the kind at all: 0 places, fca2 0, everyone beyond reach
    res0 = bg.reach(origins, svc.iloc[:0], catchment_m=1000, population="children_0_2")
    g0 = bg.gaps(areas, origins, res0, svc.iloc[:0], kinds=[KIND]).xs(KIND, level="service_kind")
    np.testing.assert_allclose(g0["places"], [0.0, 0.0])
    np.testing.assert_allclose(g0["places_per_100_2sfca"], [0.0, 0.0])
    np.testing.assert_allclose(g0["share_unreachable"], [1.0, 1.0])
    np.testing.assert_allclose(g0["shortfall"], [1.0, 1.0])
    assert g0["mean_dist_m"].isna().all()  # no reachable origin: no mean distance
    # missing = 0.33 · C: 9.9 and 26.4
    np.testing.assert_allclose(g0["missing_places"], [9.9, 26.4])


def test_gap_ties_share_the_best_rank(layout):
    # two areas with the same children and no service: equal gap scores, both rank 1
    areas, origins, services = layout
    origins = origins.assign(children_0_2=[10.0, 10.0, 0.0, 10.0, 10.0, 0.0])
    res = bg.reach(origins, services.iloc[:0], catchment_m=1000, population="children_0_2")
    g = bg.gaps(areas, origins, res, services.iloc[:0], kinds=[KIND])
    g = g.xs(KIND, level="service_kind")
    assert g["gap_score"].tolist() == [20.0, 20.0]
    assert g["rank"].tolist() == [1, 1]
    # equal need: both have mean rank 1.5 of 2, mid-rank (1.5 − 0.5)/2 = 1/2 -> class
    # ceil(1.5) = 2 (neither high nor low); equal reach (0 places per 100) likewise
    assert g["need_class"].tolist() == [2, 2]
    assert g["reach_class"].tolist() == [2, 2]
    assert g["bivariate_class"].tolist() == ["2-2", "2-2"]


def test_terciles_are_symmetric():
    from buurtgeo.gaps import _tercile

    # 4 distinct values: mid-ranks 1/8, 3/8, 5/8, 7/8 -> ceil(3/8, 9/8, 15/8, 21/8) = 1, 2, 2, 3
    assert _tercile(pd.Series([5.0, 1.0, 9.0, 3.0])).tolist() == [2, 1, 3, 2]
    # 3 distinct: 1/6, 1/2, 5/6 -> 1, 2, 3; a missing value gets no class
    assert _tercile(pd.Series([2.0, np.nan, 1.0, 3.0])).tolist() == [2, pd.NA, 1, 3]
    # 6 values with a tie at the top: ranks 1, 2, 3, 4, 5.5, 5.5 ->
    # mid-ranks 1/12, 3/12, 5/12, 7/12, 10/12, 10/12 -> 1, 1, 2, 2, 3, 3
    assert _tercile(pd.Series([1.0, 2, 3, 4, 6, 6])).tolist() == [1, 1, 2, 2, 3, 3]


# --------------------------------------------------------------------------------------
# Equity
# --------------------------------------------------------------------------------------


def _lorenz_gini(x, w):
    """1 − Σ (F_i − F_{i−1}) (L_i + L_{i−1}) over the population-weighted Lorenz curve."""
    x, w = np.asarray(x, float), np.asarray(w, float)
    o = np.argsort(x)
    x, w = x[o], w[o]
    f = np.concatenate([[0.0], np.cumsum(w) / w.sum()])
    lor = np.concatenate([[0.0], np.cumsum(w * x) / (w * x).sum()])
    return 1.0 - (np.diff(f) * (lor[1:] + lor[:-1])).sum()


def test_gini_by_hand_and_lorenz():
    # x = 0, 2, 4 with weights 1, 1, 2: W = 4, μ = 10/4 = 2.5;
    # Σ_i Σ_j w_i w_j |x_i − x_j| = 2 (1·1·2 + 1·2·4 + 1·2·2) = 28; G = 28 / (2·16·2.5)
    assert gini([0.0, 2.0, 4.0], [1, 1, 2]) == pytest.approx(0.35, rel=1e-12)
    # Lorenz: F = 1/4, 1/2, 1; L = 0, 0.2, 1: 1 − (0 + 0.25·0.2 + 0.5·1.2) = 0.35
    assert _lorenz_gini([0.0, 2.0, 4.0], [1, 1, 2]) == pytest.approx(0.35, rel=1e-12)
    rng = np.random.default_rng(12)
    x = np.round(rng.gamma(1.5, 20.0, 200), 1)  # rounded: many ties
    w = rng.integers(1, 50, 200).astype(float)
    assert gini(x, w) == pytest.approx(_lorenz_gini(x, w), rel=1e-10)
    # all equal -> 0; all zero or nothing known -> NaN; NaN/inf units and zero weights left out
    assert gini([7.0] * 5, [1, 2, 3, 4, 5]) == pytest.approx(0.0, abs=1e-15)
    assert np.isnan(gini([0.0, 0.0])) and np.isnan(gini([np.nan]))
    assert gini([0.0, 2.0, 4.0, np.nan, np.inf, 99.0], [1, 1, 2, 5, 5, 0]) == pytest.approx(0.35)


def _ci_covariance(h, dep, w):
    """CI = 2 cov_w(h, r) / mean_w(h), r the fractional rank from most to least deprived,
    tied units sharing their group's weighted mean rank (independent of buurtgeo)."""
    t = pd.DataFrame({"h": h, "d": dep, "w": w}).sort_values("d", ascending=False, kind="stable")
    cum = t["w"].cumsum()
    t["r"] = (cum - t["w"] / 2) / t["w"].sum()
    t["r"] = (t["r"] * t["w"]).groupby(t["d"]).transform("sum") / t.groupby("d")["w"].transform(
        "sum"
    )
    cov = np.cov(t["h"], t["r"], aweights=t["w"], bias=True)[0, 1]
    return 2 * cov / np.average(t["h"], weights=t["w"])


def test_concentration_index_covariance_with_ties():
    # access 1, 3, 2, 6; deprivation 5, 5, 2, 1; weights 1, 1, 2, 4; W = 8, μ = 32/8 = 4
    # fractional ranks (most deprived first): tied units 1/16 and 3/16 -> both 1/8;
    # unit 3: (2 + 1)/8 = 3/8; unit 4: (4 + 2)/8 = 3/4 (mean rank 1/2)
    # Σ w (h − μ)(r − ½) = 1(−3)(−3/8) + 1(−1)(−3/8) + 2(−2)(−1/8) + 4(2)(1/4) = 4
    # cov = 4/8 = 1/2; CI = 2 · (1/2) / 4 = 1/4
    h, d, w = [1.0, 3.0, 2.0, 6.0], [5.0, 5.0, 2.0, 1.0], [1.0, 1.0, 2.0, 4.0]
    assert concentration_index(h, d, w) == pytest.approx(0.25, rel=1e-12)
    assert _ci_covariance(h, d, w) == pytest.approx(0.25, rel=1e-12)
    rng = np.random.default_rng(5)
    h = rng.gamma(2.0, 3.0, 300)
    d = rng.integers(0, 12, 300).astype(float)  # many ties
    w = rng.integers(1, 40, 300).astype(float)
    assert concentration_index(h, d, w) == pytest.approx(_ci_covariance(h, d, w), rel=1e-10)
    # the row order of tied units does not matter
    p = rng.permutation(300)
    assert concentration_index(h[p], d[p], w[p]) == pytest.approx(
        concentration_index(h, d, w), rel=1e-12
    )


def test_equity_deprived_split_ignores_unknown_deprivation():
    # units x = 1, 2, 3 (weight 1 each, deprivation 3, 2, 1) and x = 10 (weight 7,
    # deprivation unknown). Known weight 3; fractional ranks 1/6, 1/2, 5/6: only the
    # first is under 1/3 -> deprived mean 1, rest (2 + 3)/2 = 2.5, ratio 0.4.
    # The unknown unit still counts in the mean access: (1 + 2 + 3 + 70)/10 = 7.6
    t = pd.DataFrame({"x": [1.0, 2.0, 3.0, 10.0], "w": [1.0, 1.0, 1.0, 7.0]})
    t["d"] = [3.0, 2.0, 1.0, np.nan]
    row = equity(t, access="x", weight="w", deprivation="d").loc["all"]
    assert row["mean_access"] == pytest.approx(7.6)
    assert row["mean_access_deprived"] == 1.0 and row["mean_access_rest"] == 2.5
    assert row["ratio_deprived_rest"] == pytest.approx(0.4)
    # an unknown weight leaves the unit out of both groups (not every unit deprived):
    # known units 1, 2, 10 with weights 1, 1, 7: ranks 1/18, 3/18, 11/18 -> 1, 2 deprived
    t2 = t.assign(d=[3.0, 2.0, 1.0, 0.0], w=[1.0, 1.0, np.nan, 7.0])
    row = equity(t2, access="x", weight="w", deprivation="d").loc["all"]
    assert row["mean_access_deprived"] == 1.5 and row["mean_access_rest"] == 10.0


# --------------------------------------------------------------------------------------
# Scenarios on a street network
# --------------------------------------------------------------------------------------


def _town(seed: int):
    rng = np.random.default_rng(seed)
    xy = rng.uniform(100, 1900, (50, 2))
    origins = gpd.GeoDataFrame(
        {"population": rng.integers(0, 30, 50).astype(float)},
        geometry=gpd.points_from_xy(xy[:, 0], xy[:, 1]),
        crs=CRS,
    )
    origins["area_id"] = np.where(xy[:, 0] < 1000, "west", "east")
    sxy = rng.uniform(100, 1900, (6, 2))
    services = gpd.GeoDataFrame(
        {"capacity": rng.integers(5, 40, 6).astype(float)},
        geometry=gpd.points_from_xy(sxy[:, 0], sxy[:, 1]),
        index=pd.Index([f"k{j}" for j in range(6)], name="service_id"),
        crs=CRS,
    )
    return origins, services


@pytest.mark.parametrize("decay", ["step", "gaussian"])
def test_scenario_network_incremental_equals_full_and_compare(decay):
    from buurtgeo.network import grid_network

    net = grid_network(21, spacing_m=100.0, seed=4)  # 2 km × 2 km
    origins, services = _town(8)
    # close the service nearest to most origins, resize one, open one
    base = bg.reach(origins, services, network=net, catchment_m=600, decay=decay)
    model = Scenario(origins, services, network=net, catchment_m=600, decay=decay)
    new = gpd.GeoDataFrame(
        {"capacity": [25.0]},
        geometry=[Point(1000, 1000)],
        index=pd.Index(["n1"], name="service_id"),
        crs=CRS,
    )
    close, resize = ["k0", "k3"], {"k1": 2.0}
    after = model.apply(open=new, close=close, resize=resize)
    changed = model.changed_services(open=new, close=close, resize=resize)
    assert list(changed.index) == ["k1", "k2", "k4", "k5", "n1"]
    assert changed.loc["k1", "capacity"] == 2.0
    full = bg.reach(origins, changed, network=net, catchment_m=600, decay=decay)
    for col in ("dist_nearest_m", "services_within", "covered"):
        np.testing.assert_array_equal(after[col], full[col])
    np.testing.assert_allclose(after["capacity_within"], full["capacity_within"], atol=1e-9)
    np.testing.assert_allclose(after["fca2"], full["fca2"], rtol=1e-9, atol=1e-12)
    assert after.attrs["origins_changed"] > 0

    cmp = model.compare(by="area_id", open=new, close=close, resize=resize)
    w = origins["population"]
    for when, res in (("before", base), ("after", full)):
        a = bg.aggregate_reach(res, origins, by="area_id", weight=w)
        np.testing.assert_allclose(
            cmp[f"places_per_100_2sfca_{when}"], a["places_per_100_2sfca"], rtol=1e-9
        )
        np.testing.assert_allclose(cmp[f"share_covered_{when}"], a["share_covered"])
        np.testing.assert_allclose(cmp[f"mean_dist_m_{when}"], a["mean_dist_m"], rtol=1e-12)
    np.testing.assert_allclose(
        cmp["places_per_100_2sfca_diff"],
        cmp["places_per_100_2sfca_after"] - cmp["places_per_100_2sfca_before"],
    )


def test_scenario_unreachable_origins_on_a_split_network():
    from buurtgeo.network import Network

    # two streets that do not meet: y = 0 (x = 0..400) and y = 5000 (x = 0..200)
    node_x = [0, 100, 200, 300, 400, 0, 100, 200]
    node_y = [0, 0, 0, 0, 0, 5000, 5000, 5000]
    u, v = [0, 1, 2, 3, 5, 6], [1, 2, 3, 4, 6, 7]
    net = Network.from_edges(u, v, [100.0] * 6, node_x, node_y, crs=CRS, keep_largest=False)
    origins = gpd.GeoDataFrame(
        {"population": [10.0, 10.0, 5.0]},
        geometry=[Point(0, 0), Point(400, 0), Point(100, 5000)],
        crs=CRS,
    )
    services = gpd.GeoDataFrame(
        {"capacity": [6.0, 4.0]},
        geometry=[Point(100, 0), Point(400, 0)],
        index=pd.Index(["a", "b"], name="service_id"),
        crs=CRS,
    )
    model = Scenario(origins, services, network=net, catchment_m=250)
    # the third origin can reach nothing: inf, never capped
    assert np.isinf(model.baseline["dist_nearest_m"].iloc[2])
    # close a (nearest of origin 0 at 100 m): origin 0 now 400 m from b -> not covered
    after = model.apply(close=["a"])
    np.testing.assert_array_equal(after["dist_nearest_m"], [400.0, 0.0, np.inf])
    np.testing.assert_array_equal(after["covered"], [False, True, False])
    # b reaches origin 1 only: fca2 = 4/10
    np.testing.assert_allclose(after["fca2"], [0.0, 0.4, 0.0])
    # open a service on the other street (snapped 0 m from node 6): origin 2 at 0 m
    new = gpd.GeoDataFrame({"capacity": [5.0]}, geometry=[Point(100, 5000)], index=["c"], crs=CRS)
    after = model.apply(open=new, close=["a"])
    np.testing.assert_array_equal(after["dist_nearest_m"], [400.0, 0.0, 0.0])
    np.testing.assert_allclose(after["fca2"], [0.0, 0.4, 1.0])
    full = bg.reach(
        origins, pd.concat([services.drop(index="a"), new]), network=net, catchment_m=250
    )
    np.testing.assert_array_equal(after["dist_nearest_m"], full["dist_nearest_m"])
    np.testing.assert_allclose(after["fca2"], full["fca2"], atol=1e-15)


# --------------------------------------------------------------------------------------
# Small-number suppression
# --------------------------------------------------------------------------------------


def test_suppression_hides_everything_built_on_a_small_count(layout):
    areas, origins, services = layout
    # A's children become 3 (o0 2, o1 1): with deprivation 1 and α = 1 its need is 6,
    # above the threshold 5 but giving the children count back (6 / (1 + 1) = 3)
    origins = origins.assign(children_0_2=[2.0, 1.0, 0.0, 30.0, 40.0, 10.0])
    res = bg.reach_all(origins, services)
    dep = pd.Series({"sA": 1.0, "sB": 0.0})
    g = bg.gaps(areas, origins, res, services, deprivation=dep, suppress_below=5)
    a = g.loc[("A", KIND)]
    for col in (
        "children",
        "need",
        "missing_places",
        "missing_places_2sfca",
        "places_per_100_in_area",
        "places_per_100_2sfca",
        "share_below_norm",
        "share_beyond_catchment",
        "mean_dist_m",
        "shortfall",
        "gap_score",
    ):
        assert pd.isna(a[col]), col
    assert a["places"] == 12.0  # places are not people: shown
    b = g.loc[("B", KIND)]
    assert b["children"] == 80.0 and b["need"] == 80.0 and b["suppressed"] == ""

    # a wide aggregate table (reach_all): target_pop__<kind> hides its own rates only
    agg = bg.aggregate_reach(res, origins, by=areas.attrs["sector_area"], weight="target")
    agg["target_pop__other"] = [100.0, 100.0]
    agg["share_covered__other"] = [0.5, 0.5]
    out = suppress_small(agg, threshold=5)
    assert pd.isna(out.loc["A", f"target_pop__{KIND}"])
    for col in ("places_per_100_2sfca", "share_covered", "mean_dist_m", "share_unreachable"):
        assert pd.isna(out.loc["A", f"{col}__{KIND}"]), col
        assert out.loc["B", f"{col}__{KIND}"] == agg.loc["B", f"{col}__{KIND}"]
    assert out.loc["A", "share_covered__other"] == 0.5
    assert agg.loc["A", f"target_pop__{KIND}"] == 3.0  # input untouched


# --------------------------------------------------------------------------------------
# Site suggestions
# --------------------------------------------------------------------------------------


@pytest.mark.slow  # importing spopt and pulp takes ~7 s on its own
def test_sites_mclp_is_optimal_by_enumeration_and_greedy_within_bound():
    from itertools import combinations

    from buurtgeo.sites import suggest_sites

    rng = np.random.default_rng(21)
    dxy = rng.uniform(0, 2000, (25, 2))
    cxy = rng.uniform(0, 2000, (8, 2))
    demand = gpd.GeoDataFrame(
        {"need": rng.integers(1, 20, 25).astype(float)},
        geometry=gpd.points_from_xy(dxy[:, 0], dxy[:, 1]),
        crs=CRS,
    )
    cands = gpd.GeoDataFrame(
        geometry=gpd.points_from_xy(cxy[:, 0], cxy[:, 1]),
        index=pd.Index([f"c{j}" for j in range(8)]),
        crs=CRS,
    )
    # independent: coverage by brute-force distances, best of all C(8, 3) = 56 triples
    cover = np.hypot(*(dxy[:, None, :] - cxy[None, :, :]).transpose(2, 0, 1)) <= 500.0
    w = demand["need"].to_numpy()
    best = max(w[cover[:, list(t)].any(axis=1)].sum() for t in combinations(range(8), 3))
    exact = suggest_sites(demand, cands, k=3, catchment_m=500, method="mclp")
    greedy = suggest_sites(demand, cands, k=3, catchment_m=500, method="greedy")
    assert exact["cumulative"].iloc[-1] == pytest.approx(best)
    assert greedy["cumulative"].iloc[-1] >= (1 - 1 / np.e) * best
    assert greedy["cumulative"].iloc[-1] <= best + 1e-9
    # each site's 'added' is what it covers beyond the sites listed before it
    chosen = [int(i[1:]) for i in exact.index]
    for n in range(1, 4):
        got = w[cover[:, chosen[:n]].any(axis=1)].sum()
        assert exact["cumulative"].iloc[n - 1] == pytest.approx(got)
    assert exact["share_of_uncovered"].iloc[-1] == pytest.approx(best / w.sum())
