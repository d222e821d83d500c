"""The planner's blocks of a configuration: deprivation, equity, scenarios, sites, [map].

The demo asks for all of them (one scenario, three sites, the sample's fictional BIMD
table); the figures are checked against hand computations and independent formulas.
"""

from __future__ import annotations

import json
import shutil

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

import buurtgeo as bg
from buurtgeo.config import CONFIG_TEMPLATE, demo_config, load_config, parse_config
from buurtgeo.errors import ConfigError
from buurtgeo.pipeline import run_config
from buurtgeo.sample import make_sample


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    return make_sample(tmp_path_factory.mktemp("sample"))


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    analysis = bg.run_demo(out, quiet=True)
    return analysis, out


def _read(path):
    return pd.read_csv(path, sep=";", decimal=",", encoding="utf-8-sig")


def _base(sample, **extra):
    data = {
        "inputs": {
            "sectors": str(sample["sectors"]),
            "population": str(sample["population"]),
            "age_bands": str(sample["age_bands"]),
            "areas": str(sample["areas"]),
            "services": [{"path": str(sample["childcare"])}, {"path": str(sample["services"])}],
        },
        "analysis": {"origins": "point", "kinds": ["childcare_baby", "consultatiebureau"]},
    }
    for key, value in extra.items():
        if key == "inputs":
            data["inputs"].update(value)
        else:
            data[key] = value
    return data


# --------------------------------------------------------------------------------------
# configuration
# --------------------------------------------------------------------------------------


def test_template_documents_and_parses_every_planning_block(sample, tmp_path):
    for block in ("deprivation =", "[[scenarios]]", "[sites]", "[map]", "direction", "scheme"):
        assert block in CONFIG_TEMPLATE, block
    for path in sample.values():
        shutil.copy(path, tmp_path / path.name)
    (tmp_path / "analysis.toml").write_text(CONFIG_TEMPLATE, encoding="utf-8")
    cfg = load_config(tmp_path / "analysis.toml")
    assert cfg.deprivation == tmp_path / sample["deprivation"].name
    assert cfg.deprivation_options["column"] == "BIMD2011_score"
    (scenario,) = cfg.scenarios
    assert scenario.kind == "childcare_baby" and scenario.close == ("KO-0008",)
    assert scenario.open[0]["capacity"] == 28 and scenario.open[0]["crs"] == "EPSG:3812"
    assert cfg.sites is not None and cfg.sites.k == 3 and cfg.sites.candidates is None
    assert cfg.map_catchments and cfg.map_basemap and cfg.map_scheme == "default"


def test_planning_blocks_report_every_problem_at_once(sample, tmp_path):
    data = _base(
        sample,
        inputs={"deprivation": {"path": "bimd.csv", "direction": "up", "alpha": -1}},
        scenarios=[
            {"name": "a", "kind": "creche", "open": [{"x": 1.0, "y": 2.0, "capacity": 5}]},
            {"name": "a", "kind": "library", "colse": ["x"]},
        ],
        sites={"k": 0, "candidates": "nowhere.csv"},
        map={"scheme": {"share_covered": "jenks"}, "k": 12, "thresholds": {"mean_dist_m": [9, 3]}},
    )
    with pytest.raises(ConfigError) as info:
        parse_config(data, base_dir=tmp_path, source="analysis.toml")
    message = str(info.value)
    for part in (
        "inputs.deprivation.column is required",
        "inputs.deprivation.direction must be",
        "inputs.deprivation.alpha must be",
        "inputs.deprivation.path: file not found",
        "unknown service kind 'creche'",
        "scenarios[1].open[1] needs x, y and crs, or lat and lon",
        "unknown key scenarios[2].colse (did you mean 'close'?)",
        "scenarios[2] changes nothing",
        "scenarios: names used more than once: ['a']",
        "sites.kind is required",
        "sites.k must be a positive whole number",
        "sites.candidates: file not found",
        "map.scheme must be",
        "map.k must be 2 to 9",
        "map.thresholds must be",
    ):
        assert part in message, part


def test_scenario_with_unknown_service_ids_names_them(sample):
    data = _base(
        sample, scenarios=[{"name": "dicht", "kind": "childcare_baby", "close": ["KO-9999"]}]
    )
    with pytest.raises(ConfigError, match="KO-9999") as info:
        run_config(data, write=False, quiet=True)
    assert "KO-0001" in str(info.value)  # which ids exist


def test_map_block_reaches_the_map(sample):
    data = _base(
        sample,
        map={
            "scheme": {"share_covered": "equal_interval"},
            "thresholds": {"places_per_100_2sfca": [10, 20, 40]},
            "catchments": False,
            "basemap": False,
        },
    )
    analysis = run_config(data, write=False, quiet=True)
    assert analysis.catchments is None and analysis.basemap is None
    page = bg.map_html(analysis.map(kind="childcare_baby"))
    assert "Gelijke intervallen (gevraagd)" in page  # share_covered, any kind
    assert "Vaste grenzen (opgegeven)" in page
    assert json.dumps("20 – 40")[1:-1] in page  # non-ASCII text travels JSON-escaped
    assert "over de straten" not in page  # catchments = false: no service areas


# --------------------------------------------------------------------------------------
# deprivation and equity
# --------------------------------------------------------------------------------------


def test_need_is_weighted_by_the_sectors_deprivation_rank(demo):
    analysis, _out = demo
    dep = analysis.deprivation
    raw = bg.read_deprivation(analysis.config.deprivation, column="BIMD2011_score")
    # d = percentile rank of the score among the study's sectors that have one
    scores = raw["deprivation_value"].reindex(dep.index)
    ranks = scores.rank(method="average") / scores.notna().sum()
    np.testing.assert_allclose(dep["deprivation_weight"], ranks, equal_nan=True)
    assert dep["deprivation_weight"].isna().sum() == 1  # the industrial zone: no residents
    # need of an area = Σ over its sectors children_0_2 · (1 + d), d = 0 where unknown
    sectors = analysis.sector_indicators
    by_hand = (
        (sectors["children_0_2"] * (1 + dep["deprivation_weight"].fillna(0)))
        .groupby(sectors["area_id"])
        .sum()
    )
    np.testing.assert_allclose(
        analysis.area_indicators["need__childcare_baby"].sort_index(),
        by_hand.sort_index(),
        rtol=1e-9,
    )


def _gini_naive(x, w):
    """Σ_i Σ_j w_i w_j |x_i − x_j| / (2 W² μ), the definition, in O(n²)."""
    x, w = np.asarray(x, float), np.asarray(w, float)
    ok = np.isfinite(x) & np.isfinite(w) & (w > 0)
    x, w = x[ok], w[ok]
    big_w = w.sum()
    mu = (w * x).sum() / big_w
    return (w[:, None] * w[None, :] * np.abs(x[:, None] - x[None, :])).sum() / (2 * big_w**2 * mu)


def test_equity_csv_per_kind_matches_the_definitions(demo):
    """The equity measures by their definitions (in memory, full precision), and the CSV
    publishes them as every table does: persons whole, the registry's decimals."""
    analysis, out = demo
    memory = analysis.equity
    table = _read(out / "equity.csv").set_index("service_kind")
    assert list(table.index) == list(analysis.kinds)
    sectors = analysis.sector_indicators
    for kind in ("childcare_baby", "library"):
        access = "places_per_100_2sfca" if kind == "childcare_baby" else "share_covered"
        assert table.loc[kind, "access_indicator"] == access
        x = sectors[f"{access}__{kind}"]
        w = sectors[f"target_pop__{kind}"]
        assert memory.loc[kind, "gini"] == pytest.approx(_gini_naive(x, w), abs=1e-9)
        ok = x.notna() & w.notna()
        assert memory.loc[kind, "people"] == pytest.approx(w[ok].sum(), abs=1e-9)
        assert table.loc[kind, "gini"] == pytest.approx(
            round(memory.loc[kind, "gini"], 3), abs=1e-12
        )
        assert table.loc[kind, "people"] == round(memory.loc[kind, "people"])
    # places: the share of children below the norm of 33 places per 100
    x = sectors["places_per_100_2sfca__childcare_baby"]
    w = sectors["target_pop__childcare_baby"]
    ok = x.notna()
    below = w[ok & (x < 33)].sum() / w[ok].sum()
    assert memory.loc["childcare_baby", "share_below_norm"] == pytest.approx(below, abs=1e-12)
    published = table.loc["childcare_baby", "share_below_norm"]
    assert published == pytest.approx(round(below, 2), abs=1e-12)  # a whole percentage


def test_demo_sector_table_carries_the_deprivation(demo):
    _analysis, out = demo
    sectors = _read(out / "indicators.csv")
    assert {"deprivation_value", "deprivation", "deprivation_weight"} <= set(sectors.columns)
    legend = _read(out / "legenda.csv").set_index("kolom")
    assert legend.loc["deprivation_weight", "label"] == "Gewicht kansarmoede (0-1)"


def test_income_counts_lower_as_more_deprived(sample, tmp_path):
    """A published income table (Statbel's fiscal layout): lower income → higher weight."""
    raw = pd.read_csv(sample["deprivation"])
    income = pd.DataFrame(
        {
            "cd_sector": raw["CD_RES_SECTOR"],
            "revenu_median_decla": (40_000 - 1_000 * raw["BIMD2011_score"]).round(0),
        }
    )
    path = tmp_path / "fisc.csv"
    income.to_csv(path, index=False)
    data = _base(
        sample,
        inputs={
            "deprivation": {
                "path": str(path),
                "column": "revenu_median_decla",
                "direction": "lower_is_worse",
                "scale": "minmax",
            }
        },
    )
    analysis = run_config(data, write=False, quiet=True)
    dep = analysis.deprivation.dropna()
    value = dep["deprivation_value"]
    expected = (value.max() - value) / (value.max() - value.min())
    np.testing.assert_allclose(dep["deprivation_weight"], expected, rtol=1e-12)
    poorest = value.idxmin()
    assert dep.loc[poorest, "deprivation_weight"] == 1.0


# --------------------------------------------------------------------------------------
# scenarios and sites
# --------------------------------------------------------------------------------------


def test_scenario_table_by_hand(demo):
    analysis, out = demo
    table = _read(out / "scenarios.csv")
    assert set(table["scenario"]) == {"Nieuwe crèche Lammerstraat"}
    assert len(table) == len(analysis.areas)
    rows = table.set_index("area_name")
    # the new crèche (28 places) lies in Lammerstraat, Het Nestje (KO-0008, 14) closes in
    # the area that held it
    services = analysis.services
    nestje_area = gpd.sjoin(services.loc[["KO-0008"]], analysis.areas[["area_name", "geometry"]])
    assert rows.loc["Lammerstraat", "places_in_area_diff"] == 28
    assert rows.loc[nestje_area["area_name"].iloc[0], "places_in_area_diff"] == -14
    assert rows["places_in_area_diff"].sum() == 28 - 14
    # after − before, column by column
    for m in ("places_per_100_2sfca", "share_covered", "mean_dist_m"):
        diff = rows[f"{m}_after"] - rows[f"{m}_before"]
        np.testing.assert_allclose(rows[f"{m}_diff"], diff, atol=1e-3)
    # Lammerstraat's children get nearer to a crèche
    assert rows.loc["Lammerstraat", "mean_dist_m_diff"] < -300
    assert (
        rows.loc["Lammerstraat", "share_covered_after"]
        > rows.loc["Lammerstraat", "share_covered_before"]
    )
    assert (out / "scenario_nieuwe_creche_lammerstraat.html").is_file()


def test_scenario_before_equals_the_analysis(demo):
    analysis, _out = demo
    (res,) = analysis.scenarios
    areas = analysis.area_indicators
    np.testing.assert_allclose(
        res.table["share_covered_before"],
        areas["share_covered__childcare_baby"].reindex(res.table.index),
        rtol=1e-9,
    )


def test_sites_cover_uncovered_need(demo):
    analysis, out = demo
    sites = _read(out / "sites.csv")
    assert list(sites["order"]) == [1, 2, 3]
    assert (np.diff(sites["cumulative"]) > 0).all()
    assert sites["share_of_uncovered"].is_monotonic_increasing
    assert set(sites["service_kind"]) == {"childcare_baby"}
    # what the first site adds = the need within 1000 m of it over the network, among the
    # origins not yet covered (recomputed with reach from that one point)
    first = analysis.sites.iloc[[0]]
    origins = analysis.origins
    need = origins["target__childcare_baby"] * (
        1 + origins["sector_id"].map(analysis.deprivation["deprivation_weight"]).fillna(0)
    )
    uncovered = ~analysis.reach["covered__childcare_baby"].astype(bool)
    one = first.assign(capacity=1.0, service_kind="childcare_baby")
    res = bg.reach(origins, one, network=analysis.network, catchment_m=1000.0)
    within = res["dist_nearest_m"] <= 1000.0
    added = float(need[uncovered & within].sum())
    assert analysis.sites["added"].iloc[0] == pytest.approx(added, rel=1e-9)
    assert sites["added"].iloc[0] == round(added)  # need counts persons: published whole
    # x/y in the working CRS and lon/lat agree
    lonlat = gpd.GeoSeries(gpd.points_from_xy(sites["x"], sites["y"]), crs=3812).to_crs(4326)
    np.testing.assert_allclose(lonlat.x, sites["lon"], atol=2e-6)
    np.testing.assert_allclose(lonlat.y, sites["lat"], atol=2e-6)


def test_demo_writes_the_planners_files(demo):
    analysis, out = demo
    for name in ("equity.csv", "scenarios.csv", "sites.csv", "bivariate.html"):
        assert (out / name).stat().st_size > 0, name
    page = (out / "bivariate.html").read_text(encoding="utf-8")
    assert "Klassen: tertielen uit de hiaatanalyse" in page
    assert "Noodscore: Kinderopvang" in page
    main = (out / "map.html").read_text(encoding="utf-8")
    assert "Voorgestelde locaties" in main and "over de straten" in main
    assert analysis.basemap is not None
    assert set(analysis.basemap["feature"]) == {"street", "waterway", "railway", "water", "park"}


def test_demo_config_asks_for_every_block():
    cfg = demo_config("x")
    assert cfg.deprivation is not None and cfg.scenarios and cfg.sites is not None


@pytest.mark.slow
def test_the_whole_demo_never_imports_mapclassify(tmp_path):
    """Classes by the kind of indicator need no mapclassify (its import alone takes
    seconds): a plain run, maps included, leaves it unimported."""
    import subprocess
    import sys

    code = (
        "import sys, buurtgeo as bg\n"
        f"bg.run_demo({str(tmp_path)!r}, quiet=True)\n"
        "assert 'mapclassify' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
    assert (tmp_path / "bivariate.html").is_file()
