"""The physical living environment: norms and size classes, indicators per area, derived
age bands, the configuration, and runs that show the measures in every output (the
sample with its OpenStreetMap parks; Gent with its real parks, sectors, 2019 population
and road register)."""

from __future__ import annotations

import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

import buurtgeo as bg
from buurtgeo.errors import ConfigError, InputError
from buurtgeo.sample import make_sample

CRS = "EPSG:3812"


def _green(rows) -> gpd.GeoDataFrame:
    """rows: (id, green_type, geometry)."""
    geoms = [g for _, _, g in rows]
    area = [g.area if g.geom_type != "Point" else np.nan for g in geoms]
    return gpd.GeoDataFrame(
        {
            "name": [i.upper() for i, _, _ in rows],
            "green_type": [t for _, t, _ in rows],
            "area_m2": area,
            "capacity": area,
        },
        geometry=geoms,
        index=pd.Index([i for i, _, _ in rows], name="service_id"),
        crs=CRS,
    )


def _box(x, y, w, h=None):
    return shapely.box(x, y, x + w, y + (w if h is None else h))


SPACES = [
    ("a", "green", _box(0, 0, 30)),  # 900 m²: woongroen, no norm
    ("b", "green", _box(1000, 0, 50)),  # 2,500 m²: buurtgroen
    ("c", "green", _box(2000, 0, 400)),  # 16 ha: buurtgroen and wijkgroen
    ("e", "green", _box(2100, 100, 20)),  # a garden inside c: counted with it
    ("d1", "green", _box(0, 2000, 250)),  # 6.25 ha, touching d2: together 12.5 ha
    ("d2", "green", _box(250, 2000, 250)),
    ("p", "play", _box(5000, 0, 10)),  # play space: no minimum size
    ("y", "youth", shapely.Point(6000, 0)),  # a youth centre as a point
]


def test_green_services_size_classes_by_hand():
    green = _green(SPACES)
    services = bg.green_services(green)
    got = services.groupby("service_kind")["green_id"].apply(sorted).to_dict()
    assert got == {
        "buurtgroen": ["b", "c", "d1", "d2"],
        "wijkgroen": ["c", "d1", "d2"],  # d1 and d2 touch: one green area of 12.5 ha
        "play_space": ["p"],
        "youth_space": ["y"],
    }
    assert services.loc["d1-wijkgroen", "cluster_m2"] == pytest.approx(125_000.0)
    assert services.loc["c-buurtgroen", "capacity"] == pytest.approx(160_000.0)
    assert services.loc["d1-wijkgroen", "capacity"] == pytest.approx(62_500.0)
    aside = services.attrs["set_aside"].set_index("service_id")["reason"].to_dict()
    assert aside == {
        "a": "serves no norm asked for (green; public green smaller than 2,000 m²: woongroen)",
        "e": "lies within 'c', a space of the same type: counted with it",
    }
    # each apart: d1 and d2 are no wijkgroen; a larger size class for buurtgroen
    apart = bg.green_services(green, cluster_m=None, min_area_m2={"buurtgroen": 5_000})
    got = apart.groupby("service_kind")["green_id"].apply(sorted).to_dict()
    assert got["wijkgroen"] == ["c"] and got["buurtgroen"] == ["c", "d1", "d2"]
    only = bg.green_services(green, kinds=["play_space"])
    assert list(only.index) == ["p-play_space"]


def test_green_services_checks_everything_at_once():
    with pytest.raises(InputError) as err:
        bg.green_services(
            _green(SPACES), min_area_m2={"parkgroen": 1, "wijkgroen": -5}, cluster_m=-1
        )
    text = str(err.value)
    assert "'parkgroen' is not a green norm" in text
    assert "min_area_m2['wijkgroen'] must be a number of m² >= 0" in text
    assert "cluster_m must be a number of metres >= 0" in text


def test_norms_have_sources_and_distances():
    norms = bg.GREEN_NORMS
    assert set(norms) == {"play_space", "youth_space", "buurtgroen", "wijkgroen"}
    kinds = bg.service_kinds()
    assert [kinds[k].catchment_m for k in norms] == [400.0, 1000.0, 400.0, 800.0]
    assert kinds["play_space"].target == ("children_0_2", "children_3_5", "children_6_11")
    assert kinds["youth_space"].target == ("children_12_17",)
    assert norms["buurtgroen"].min_area_m2 == 2_000 and norms["wijkgroen"].min_area_m2 == 100_000
    assert all("Stadsmonitor" in n.source("nl") and n.source("en") for n in norms.values())
    assert "12-18" in norms["youth_space"].source("nl")  # what is still to be confirmed


def test_green_indicators_by_hand():
    """Four origins of two sectors; buurtgroen within 400 m of origins 0 and 2; youth
    space within 1 km of origin 1 only.

    Sector S1 (origins 0, 1): residents 100 + 300, children 0-17 10 + 50, young 12-17
    4 + 20: residents within buurtgroen 100/400 = 25 %, children beyond 50, residents
    beyond 300; young beyond youth space 4. Sector S2 (2, 3): residents 200 + 0,
    children 20 + 0: all within buurtgroen (the origin without residents counts
    nothing).
    """
    origins = pd.DataFrame(
        {
            "sector_id": ["S1", "S1", "S2", "S2"],
            "population": [100.0, 300.0, 200.0, 0.0],
            "target__buurtgroen": [10.0, 50.0, 20.0, 0.0],
            "target__youth_space": [4.0, 20.0, 8.0, 0.0],
        }
    )
    reach = pd.DataFrame(
        {
            "dist_nearest_m__buurtgroen": [100.0, 900.0, 0.0, 700.0],
            "covered__buurtgroen": [True, False, True, False],
            "dist_nearest_m__youth_space": [1500.0, 300.0, np.inf, 2000.0],
            "covered__youth_space": [False, True, False, False],
        }
    )
    out = bg.green_indicators(
        reach,
        origins,
        by="sector_id",
        kinds=["buurtgroen", "youth_space", "library"],
        children={"buurtgroen": "target__buurtgroen", "youth_space": "target__youth_space"},
    )
    assert out.loc["S1", "share_residents_covered__buurtgroen"] == pytest.approx(0.25)
    assert out.loc["S1", "children_beyond_norm__buurtgroen"] == pytest.approx(50.0)
    assert out.loc["S1", "residents_beyond_norm__buurtgroen"] == pytest.approx(300.0)
    assert out.loc["S2", "share_residents_covered__buurtgroen"] == pytest.approx(1.0)
    assert out.loc["S2", "children_beyond_norm__buurtgroen"] == pytest.approx(0.0)
    assert out.loc["S1", "children_beyond_norm__youth_space"] == pytest.approx(4.0)
    assert out.loc["S2", "children_beyond_norm__youth_space"] == pytest.approx(8.0)
    # youth space is a norm for young people only: no residents' columns
    assert "share_residents_covered__youth_space" not in out.columns
    assert not any(c.endswith("__library") for c in out.columns)


def test_derive_age_bands():
    """12-17 = 0-17 − 0-2 − 3-5 − 6-11: 60 − 10 − 12 − 20 = 18; an inconsistent sector
    (the bands sum to more than 0-17) gives 0 and is counted."""
    table = pd.DataFrame(
        {
            "children_0_2": [10.0, 9.0],
            "children_3_5": [12.0, 9.0],
            "children_6_11": [20.0, 9.0],
            "children_0_17": [60.0, 20.0],
        },
        index=pd.Index(["s1", "s2"], name="sector_id"),
    )
    table.attrs["estimated"] = ["children_0_2"]
    table.attrs["estimate_methods"] = {"children_0_2": {"nl": "geschat: x", "en": "estimated: x"}}
    out = bg.derive_age_bands(table)
    assert out["children_12_17"].tolist() == [18.0, 0.0]
    assert out.attrs["derived_negative"] == {"children_12_17": 1}
    # rests on an estimate: estimated too, and says how
    assert out.attrs["estimated"] == ["children_0_2", "children_12_17"]
    assert out.attrs["estimate_methods"]["children_12_17"]["nl"].startswith("geschat, afgeleid")
    assert "children_12_17" not in table.columns  # the input is left alone
    counted = table.copy()
    counted.attrs = {}
    assert "children_12_17" not in bg.derive_age_bands(counted).attrs.get("estimated", [])
    assert bg.derive_age_bands(table.drop(columns="children_0_17")) is not None
    assert "children_12_17" not in bg.derive_age_bands(table.drop(columns="children_0_17"))


def test_config_green_keys(tmp_path):
    from buurtgeo.config import parse_config

    for name in ("s.gpkg", "p.xlsx", "parken.geojson", "osm.pbf"):
        (tmp_path / name).write_text("x")
    base = {"sectors": "s.gpkg", "population": "p.xlsx"}
    cfg = parse_config(
        {
            "inputs": {
                **base,
                "green": [
                    {"path": "parken.geojson", "columns": {"name": "naam"}},
                    {"path": "osm.pbf"},
                ],
            },  # fmt: skip
            "green": {"min_area_m2": {"wijkgroen": 50_000}, "area_edge_m": 0.0},
        },
        base_dir=tmp_path,
    )
    assert cfg.services == () and len(cfg.green) == 2  # services may be left out
    assert cfg.green[0].columns == {"name": "naam"} and cfg.green[1].is_osm
    assert cfg.green_options == {"min_area_m2": {"wijkgroen": 50_000}, "area_edge_m": 0.0}
    with pytest.raises(ConfigError) as err:
        parse_config(
            {
                "inputs": {**base, "green": [{"path": "parken.geojson", "kind": "park"}]},
                "green": {"kinds": ["stadsgroen"], "cluster_m": -1},
            },
            base_dir=tmp_path,
        )
    text = str(err.value)
    assert "inputs.green[1].kind must be 'green', 'play' or 'youth'" in text
    assert "green.kinds: 'stadsgroen' is not a green norm" in text
    assert "green.cluster_m must be a number of metres >= 0" in text
    with pytest.raises(ConfigError, match="inputs.services is required"):
        parse_config({"inputs": base}, base_dir=tmp_path)


# --------------------------------------------------------------------------------------
# a run: the sample with its OpenStreetMap parks and a city file of play and youth space
# --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    return make_sample(tmp_path_factory.mktemp("sample"))


def _play_and_youth(sample, path):
    """Play spaces and youth spaces in a city's layout, inside the sample's study area."""
    sectors = gpd.read_file(sample["sectors"]).to_crs(CRS)
    pts = sectors.geometry.representative_point().iloc[[0, 7, 15, 23, 31, 40]]
    geoms = [p.buffer(25.0) for p in pts[:4]] + list(pts[4:])
    frame = gpd.GeoDataFrame(
        {
            "naam": ["Speelplein 1", "Speelplein 2", "Speelbos", "Skatepark", "Jeugdhuis", "JOC"],
            "type": ["play", "play", "play", "youth", "youth", "youth"],
        },
        geometry=geoms,
        crs=CRS,
    ).to_crs("EPSG:31370")
    frame[frame["type"] == "play"].to_file(path / "speelruimte.geojson")
    frame[frame["type"] == "youth"].to_file(path / "jeugdruimte.geojson")
    return path / "speelruimte.geojson", path / "jeugdruimte.geojson"


def _config(sample, tmp_path, **outputs):
    play, youth = _play_and_youth(sample, tmp_path)
    return {
        "inputs": {
            "sectors": str(sample["sectors"]),
            "population": str(sample["population"]),
            "age_bands": str(sample["age_bands"]),
            "network": str(sample["network"]),
            "areas": str(sample["areas"]),
            "services": [{"path": str(sample["childcare"])}],
            "green": [
                {"path": str(sample["network"])},  # its parks (OpenStreetMap)
                {"path": str(play), "kind": "play"},
                {"path": str(youth), "kind": "youth"},
            ],
        },
        "analysis": {"origins": "grid", "grid_spacing_m": 200.0},
        "map": {"basemap": False},
        "outputs": {"dir": str(tmp_path / "out"), **outputs},
    }


@pytest.mark.slow
def test_sample_run_shows_green_in_every_output(sample, tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        analysis = bg.run_config(_config(sample, tmp_path), quiet=True)
    green = ("play_space", "youth_space", "buurtgroen", "wijkgroen")
    assert set(green) <= set(analysis.kinds)
    # children 12-17 derived from the sample's bands (0-17 − 0-2 − 3-5 − 6-11)
    s = analysis.sectors
    np.testing.assert_allclose(
        s["children_12_17"],
        (s["children_0_17"] - s["children_0_2"] - s["children_3_5"] - s["children_6_11"]).clip(
            lower=0
        ),
    )
    out = tmp_path / "out"
    areas_csv = pd.read_csv(out / "indicators_areas.csv", sep=";", decimal=",")
    sectors_csv = pd.read_csv(out / "indicators.csv", sep=";", decimal=",")
    for kind in green:
        for table in (areas_csv, sectors_csv):
            assert f"share_covered__{kind}" in table.columns
            assert f"children_beyond_norm__{kind}" in table.columns
            assert f"m2_per_child__{kind}" in table.columns
            assert f"fca2__{kind}" not in table.columns  # m², not places
            assert f"places_per_100_2sfca__{kind}" not in table.columns
    for kind in ("play_space", "buurtgroen", "wijkgroen"):
        assert f"share_residents_covered__{kind}" in areas_csv.columns
    assert "share_residents_covered__youth_space" not in areas_csv.columns
    assert "places__buurtgroen" not in areas_csv.columns  # gap columns about places
    assert "gap_rank__buurtgroen" in areas_csv.columns
    # the gap against the norm adds up: children beyond + within = the target children
    a = analysis.area_indicators
    np.testing.assert_allclose(
        a["children_beyond_norm__buurtgroen"],
        a["target_pop__buurtgroen"] * (1 - a["share_covered__buurtgroen"]),
    )
    legend = pd.read_csv(out / "legenda.csv", sep=";").set_index("kolom")
    assert legend.loc["m2_per_child__buurtgroen", "label"] == (
        "m² binnen bereik per kind (2SFCA): Buurtgroen"
    )
    assert "bereik 400 m" in legend.loc["children_beyond_norm__play_space", "uitleg"]
    xlsx = pd.read_excel(out / "indicators.xlsx", sheet_name="buurten", engine="openpyxl")
    assert "share_residents_covered__wijkgroen" in xlsx.columns
    gpkg_areas = gpd.read_file(out / "indicators.gpkg", layer="areas")
    assert "m2_per_child__wijkgroen" in gpkg_areas.columns
    gpkg_services = gpd.read_file(out / "indicators.gpkg", layer="services")
    parks = gpkg_services[gpkg_services["service_kind"] == "wijkgroen"]
    assert len(parks) == 2 and parks.geom_type.isin(["Polygon", "MultiPolygon"]).all()
    page = (out / "map.html").read_text(encoding="utf-8")
    assert "m\\u00b2 binnen bereik per kind (2SFCA): Buurtgroen" in page  # JSON-escaped
    assert "Groen en speelruimte" in page and "Wijkgroen (2)" in page
    assert "Kinderen buiten de norm: Speelruimte (0-11 jaar)" in page  # the gap, as a layer
    sheet = next(p for p in (out / "buurtfiches").glob("*.html") if p.name != "index.html")
    html = sheet.read_text(encoding="utf-8")
    assert "Fysieke leefomgeving" in html and "Aandeel inwoners binnen de norm" in html
    assert "Kinderen buiten de norm" in html
    text = analysis.summary()
    assert "Beschikbaar en bereikbaar" in text and "Betaalbaar: plaatsen met inkomenstarief" in text
    block = text.split("Fysieke leefomgeving")[1]
    for label in ("Speelruimte (0-11 jaar)", "Jeugdruimte (12-17 jaar)", "Buurtgroen", "Wijkgroen"):
        assert label in block
    assert "10 ha" in block and "0,2 ha" in block
    # every space is used: both parks are over 10 ha, play and youth space have no size class
    assert "green" not in set(analysis.set_aside["stage"])


def test_straight_line_run_equals_shapely(sample, tmp_path):
    """Without a network: each origin's distance to buurtgroen is shapely's distance to
    the nearest park of at least 0.2 ha, and the areas' shares follow from it."""
    config = _config(sample, tmp_path, csv=False, xlsx=False, gpkg=False, map=False,
                     fact_sheets=False)  # fmt: skip
    del config["inputs"]["network"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        analysis = bg.run_config(config, write=False, quiet=True)
    parks = analysis.services[analysis.services["service_kind"] == "buurtgroen"]
    d = shapely.distance(
        np.asarray(analysis.origins.geometry.array)[:, None],
        np.asarray(parks.geometry.array)[None, :],
    ).min(axis=1)
    np.testing.assert_allclose(analysis.reach["dist_nearest_m__buurtgroen"], d, rtol=1e-12)
    children = analysis.origins["target__buurtgroen"]
    sector_area = analysis.areas.attrs["sector_area"]
    area_of = analysis.origins["sector_id"].map(sector_area)
    covered = (d <= 400.0) * children
    expected = covered.groupby(area_of).sum() / children.groupby(area_of).sum()
    got = analysis.area_indicators["share_covered__buurtgroen"]
    np.testing.assert_allclose(got.reindex(expected.index), expected, rtol=1e-12)
    residents = analysis.origins["population"]
    share = ((d <= 400.0) * residents).groupby(area_of).sum() / residents.groupby(area_of).sum()
    np.testing.assert_allclose(
        analysis.area_indicators["share_residents_covered__buurtgroen"].reindex(share.index),
        share,
        rtol=1e-12,
    )


# --------------------------------------------------------------------------------------
# Gent: the real parks, sectors (2025), population (2019, crosswalked) and road register
# --------------------------------------------------------------------------------------

_POP_STRUCT_HEADER = (
    "CD_REFNIS|TX_DESCR_NL|TX_DESCR_FR|CD_DSTR_REFNIS|TX_ADM_DSTR_DESCR_NL|TX_ADM_DSTR_DESCR_FR|"
    "CD_PROV_REFNIS|TX_PROV_DESCR_NL|TX_PROV_DESCR_FR|CD_RGN_REFNIS|TX_RGN_DESCR_NL|"
    "TX_RGN_DESCR_FR|CD_SEX|CD_NATLTY|TX_NATLTY_NL|TX_NATLTY_FR|CD_CIV_STS|TX_CIV_STS_NL|"
    "TX_CIV_STS_FR|CD_AGE|MS_POPULATION"
)


def _gent_ages(path):
    """Gent's single-year ages in Statbel's TF_SOC_POP_STRUCT layout. No such file is
    stored here, so the counts are a stand-in (1,450 per sex and year under 18, 1,650
    above: 19.9 % are 0-17): they only spread each sector's 2019 total over the ages, as
    the real file would (the bands are then *geschat*)."""
    rows = []
    for age in range(0, 100):
        for sex in ("M", "F"):
            rows.append(
                "44021|Gent|Gand|44000|Arr. Gent|Arr. Gand|40000|Oost-Vlaanderen|"
                "Flandre orientale|02000|Vlaams Gewest|Région flamande|"
                f"{sex}|BEL|Belgen|Belges|1|Ongehuwd|Célibataire|{age}|{1450 if age < 18 else 1650}"
            )
    path.write_text(_POP_STRUCT_HEADER + "\n" + "\n".join(rows) + "\n", encoding="utf-8-sig")
    return path


@pytest.mark.realdata
@pytest.mark.slow
def test_gent_run_with_real_parks_shows_green_everywhere(real, tmp_path, capsys):
    from buurtgeo.cli import main

    config = tmp_path / "gent.toml"
    config.write_text(
        f"""
[inputs]
sectors = "{real / "gent_sectors_wijken" / "gent-sectors.geojson"}"
population = "{real / "statbel_population_sectors_2019" / "OPEN DATA_SECTOREN_2019.xlsx"}"
age_bands = "{_gent_ages(tmp_path / "TF_SOC_POP_STRUCT_2019.txt")}"
network = "{real / "gent_roads_parks" / "wegsegmenten-gent.geojson.zip"}"
areas = "{real / "gent_sectors_wijken" / "stadswijken-gent.geojson"}"

[[inputs.green]]
path = "{real / "gent_roads_parks" / "parken-gent.geojson"}"

[outputs]
dir = "{tmp_path / "out"}"
""",
        encoding="utf-8",
    )
    assert main(["run", str(config)]) == 0
    printed = capsys.readouterr().out
    assert "Fysieke leefomgeving" in printed and "Buurtgroen" in printed
    out = tmp_path / "out"
    areas = pd.read_csv(out / "indicators_areas.csv", sep=";", decimal=",")
    assert len(areas) == 25  # the stadswijken
    for column in ("share_covered__buurtgroen", "share_residents_covered__wijkgroen",
                   "m2_per_child__buurtgroen", "children_beyond_norm__wijkgroen"):  # fmt: skip
        assert column in areas.columns and areas[column].notna().sum() >= 20
    assert areas["children_estimated"].eq("ja").all()  # bands from municipal shares
    assert (out / "map.html").read_text(encoding="utf-8").count("Buurtgroen (146)") == 1
    services = gpd.read_file(out / "indicators.gpkg", layer="services")
    assert (services["service_kind"] == "wijkgroen").sum() == 24
    sheets = [p for p in (out / "buurtfiches").glob("*.html") if p.name != "index.html"]
    assert len(sheets) == 25
    assert all("Fysieke leefomgeving" in p.read_text(encoding="utf-8") for p in sheets)
    aside = pd.read_csv(out / "set_aside.csv", sep=";")
    green = aside[aside["stage"] == "green"]
    # 3 parks without geometry, 2 planned, 10 below 0.2 ha (woongroen)
    assert len(green) == 15
    assert green["reason"].str.contains("woongroen").sum() == 10
    # every child of Gent is counted once: within or beyond the norm
    analysis = bg.run_config(config, write=False, quiet=True)
    a = analysis.area_indicators
    total = a["target_pop__buurtgroen"].sum()
    beyond = a["children_beyond_norm__buurtgroen"].sum()
    within = (a["target_pop__buurtgroen"] * a["share_covered__buurtgroen"]).sum()
    assert beyond + within == pytest.approx(total)
    region = analysis.region.iloc[0]
    assert 0.3 < region["share_covered__buurtgroen"] < 0.9
    assert region["share_covered__wijkgroen"] < region["share_covered__buurtgroen"]
    # along the street no park is nearer than in a straight line: per origin
    cfg = bg.load_config(config)
    from dataclasses import replace

    straight = bg.run_config(replace(cfg, network=None), write=False, quiet=True)
    for kind in ("buurtgroen", "wijkgroen"):
        d_net = analysis.reach[f"dist_nearest_m__{kind}"]
        d_line = straight.reach[f"dist_nearest_m__{kind}"]
        assert (d_net >= d_line - 1e-6).all()
        net_share = a[f"share_covered__{kind}"]
        line_share = straight.area_indicators[f"share_covered__{kind}"]
        known = net_share.notna()  # an area without children has no share
        assert known.sum() >= 20 and (net_share[known] <= line_share[known] + 1e-12).all()
