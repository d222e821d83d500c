"""The whole job: config validation, the demo end to end, indicators cross-checked by hand."""

from __future__ import annotations

import filecmp
import io
import shutil
import tomllib

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from scipy.spatial.distance import cdist

import buurtgeo as bg
from buurtgeo.config import CONFIG_TEMPLATE, load_config, parse_config
from buurtgeo.errors import ConfigError, InputError
from buurtgeo.pipeline import run_config
from buurtgeo.sample import make_sample

OUTPUTS = (
    "indicators.csv",
    "indicators_areas.csv",
    "legenda.csv",
    "indicators.xlsx",
    "indicators.gpkg",
    "map.html",
    "set_aside.csv",
    "buurtfiches/index.html",
)


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    return make_sample(tmp_path_factory.mktemp("sample"))


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    analysis = bg.run_demo(out, quiet=True)
    return analysis, out


def _straight_config(sample, **analysis):
    return {
        "inputs": {
            "sectors": str(sample["sectors"]),
            "population": str(sample["population"]),
            "age_bands": str(sample["age_bands"]),
            "areas": str(sample["areas"]),
            "services": [{"path": str(sample["childcare"])}, {"path": str(sample["services"])}],
        },
        "analysis": {"origins": "point", **analysis},
    }


@pytest.fixture(scope="module")
def straight(sample):
    """Straight-line distances from one point per sector: small enough to check by hand."""
    return run_config(_straight_config(sample), write=False, quiet=True)


# --------------------------------------------------------------------------------------
# configuration
# --------------------------------------------------------------------------------------


def test_template_is_valid_toml_for_the_sample_files(sample, tmp_path):
    for path in sample.values():
        shutil.copy(path, tmp_path / path.name)
    (tmp_path / "analysis.toml").write_text(CONFIG_TEMPLATE, encoding="utf-8")
    cfg = load_config(tmp_path / "analysis.toml")
    assert cfg.sectors == tmp_path / sample["sectors"].name
    assert len(cfg.services) == 2
    assert cfg.out_dir == tmp_path / "buurtgeo-output"
    assert cfg.network is not None and cfg.areas is not None


def test_config_reports_every_problem_at_once(sample, tmp_path):
    data = {
        "inputs": {
            "sectors": str(sample["sectors"]),
            "populaton": "x.xlsx",
            "network": "missing.osm",
            "services": [{"path": str(sample["services"]), "kind": "creche", "colums": {}}],
        },
        "analysis": {
            "decay": "exponential",
            "grid_spacing_m": -1,
            "age_bands": {"library": ["kids"]},
        },
        "output": {},
    }
    with pytest.raises(ConfigError) as info:
        parse_config(data, base_dir=tmp_path, source="analysis.toml")
    message = str(info.value)
    assert "\n" not in message
    for part in (
        "analysis.toml",
        "unknown section [output] (did you mean 'outputs'?)",
        "unknown key inputs.populaton (did you mean 'population'?)",
        "inputs.population is required",
        "file not found",
        "missing.osm",
        "unknown service kind 'creche' (did you mean 'childcare_baby'?)",
        "unknown key inputs.services[1].colums",
        "analysis.decay must be",
        "analysis.grid_spacing_m must be a number of metres from 10 to 5000",
        "unknown age band(s) ['kids']",
    ):
        assert part in message, part
    assert message.startswith("analysis.toml: 9 problem(s)")


@pytest.mark.parametrize(
    ("section", "key", "value", "expected"),
    [
        ("outputs", "csv", "yes", "outputs.csv must be true or false"),
        ("outputs", "language", "fr", "outputs.language must be 'nl' or 'en'"),
        ("analysis", "kinds", "library", "analysis.kinds must be a list"),
        ("analysis", "catchment_m", {"library": 0}, "analysis.catchment_m must be"),
        ("analysis", "catchments_m", {"library": 0}, "analysis.catchments_m must be"),
        ("areas", "n_areas", 2.5, "areas.n_areas must be a positive whole number"),
    ],
)
def test_config_wrong_types(sample, section, key, value, expected):
    data = _straight_config(sample)
    data.setdefault(section, {})[key] = value
    with pytest.raises(ConfigError, match=expected.replace("(", r"\(").replace(")", r"\)")):
        parse_config(data)


def test_bad_toml_names_the_line(tmp_path):
    path = tmp_path / "a.toml"
    path.write_text("[inputs\nsectors = 1\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"a\.toml: not valid TOML.*line 1"):
        load_config(path)


def test_relative_paths_resolve_against_the_config_file(sample, tmp_path):
    folder = tmp_path / "project"
    folder.mkdir()
    for path in sample.values():
        shutil.copy(path, folder / path.name)
    text = CONFIG_TEMPLATE.replace('dir = "buurtgeo-output"', 'dir = "out"')
    (folder / "a.toml").write_text(text, encoding="utf-8")
    cfg = load_config(folder / "a.toml")
    assert cfg.out_dir == folder / "out"
    assert tomllib.loads(text)["outputs"]["dir"] == "out"


# --------------------------------------------------------------------------------------
# the demo, end to end
# --------------------------------------------------------------------------------------


@pytest.mark.slow
def test_demo_writes_every_output(demo):
    _analysis, out = demo
    for name in OUTPUTS:
        assert (out / name).is_file(), name
        assert (out / name).stat().st_size > 0
    assert not list(out.glob(".*tmp*")), "temporary files left behind"


@pytest.mark.slow
def test_demo_tables_have_one_row_per_sector_and_area(demo, sample):
    import geopandas as gpd
    import pyogrio

    analysis, out = demo
    raw_sectors = gpd.read_file(sample["sectors"])
    wijken = pd.read_csv(sample["areas"], sep=";", encoding="utf-8-sig")
    table = pd.read_csv(out / "indicators.csv", sep=";", decimal=",", encoding="utf-8-sig")
    areas = pd.read_csv(out / "indicators_areas.csv", sep=";", decimal=",", encoding="utf-8-sig")
    assert len(table) == len(raw_sectors) == 48
    assert set(table["sector_id"]) == set(raw_sectors["cd_sector"])
    assert len(areas) == wijken["wijknr"].nunique() == 7
    layers = dict(pyogrio.list_layers(out / "indicators.gpkg"))
    # the demo asks for service areas and site suggestions: their layers come along
    assert set(layers) == {"sectors", "areas", "services", "catchments", "sites", "bronnen"}
    catchments = gpd.read_file(out / "indicators.gpkg", layer="catchments")
    assert len(catchments) == len(analysis.services)
    assert set(catchments["method"]) == {"network"}
    gpkg_sectors = gpd.read_file(out / "indicators.gpkg", layer="sectors")
    assert len(gpkg_sectors) == 48 and gpkg_sectors.crs.to_epsg() == 3812
    assert set(analysis.kinds) == {
        "childcare_baby",
        "out_of_school_care",
        "consultatiebureau",
        "huis_van_het_kind",
        "primary_school",
        "library",
        "playground",
    }


@pytest.mark.slow
def test_demo_indicators_are_sane(demo, sample):
    analysis, out = demo
    table = pd.read_csv(out / "indicators.csv", sep=";", decimal=",", encoding="utf-8-sig")
    for kind in analysis.kinds:
        share = table[f"share_covered__{kind}"].dropna()
        assert share.between(0, 1).all(), kind
        assert (table[f"mean_dist_m__{kind}"].dropna() >= 0).all()
    assert (table["places_per_100_2sfca__childcare_baby"].dropna() >= 0).all()
    # services without any capacity get no capacity-based indicators
    assert "places_per_100_2sfca__playground" not in table.columns
    # the target children of childcare are the 0-2 year olds of the age-band file
    bands = pd.read_csv(sample["age_bands"], sep=";", encoding="utf-8-sig")
    areas = analysis.indicators(level="area")
    assert areas["target_pop__childcare_baby"].sum() == pytest.approx(bands["children_0_2"].sum())
    playground = bands["children_3_5"].sum() + bands["children_6_11"].sum()
    assert areas["target_pop__playground"].sum() == pytest.approx(playground)


@pytest.mark.slow
def test_demo_set_aside_lists_every_unused_row(demo, sample):
    _analysis, out = demo
    table = pd.read_csv(out / "set_aside.csv", sep=";", encoding="utf-8-sig", dtype=str)
    assert list(table.columns) == ["stage", "source", "row", "column", "reason", "values"]
    # the two 'ZZZZ' rows of the population file
    population = table[table["stage"] == "population"]
    assert population["values"].str.contains("ZZZZ").sum() == 2
    # the childcare location without coordinates: the last line of its file
    lines = sample["childcare"].read_bytes().decode("cp1252").splitlines()
    services = table[table["stage"] == "services"]
    assert len(services) == 1
    assert int(services["row"].iloc[0]) == len(lines)
    assert "Nog Te Plaatsen" in services["values"].iloc[0]
    # the motorway is not walkable
    assert table["values"].str.contains("highway=motorway").any()


@pytest.mark.slow
def test_demo_csv_opens_in_belgian_excel(demo):
    _analysis, out = demo
    data = (out / "indicators.csv").read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    header, first = data.decode("utf-8-sig").split("\r\n")[:2]
    assert header.startswith("sector_id;sector_name_nl;")
    assert "," in first and "." not in first.split(";", 3)[3]  # decimal commas only
    back = pd.read_csv(io.BytesIO(data), sep=";", decimal=",", encoding="utf-8-sig")
    assert pd.api.types.is_float_dtype(back["share_covered__childcare_baby"])


@pytest.mark.slow
def test_writing_twice_gives_the_same_bytes(demo, tmp_path):
    analysis, out = demo
    analysis.write(out_dir=tmp_path)
    for name in OUTPUTS:
        assert filecmp.cmp(out / name, tmp_path / name, shallow=False), name


@pytest.mark.slow
def test_demo_summary_and_html(demo):
    analysis, _out = demo
    text = analysis.summary()
    assert "48 statistische sectoren" in text and "7 buurten" in text
    assert "Kinderopvang baby's en peuters" in text
    html = analysis._repr_html_()
    assert html.count("<tr>") == 1 + len(analysis.kinds)
    assert "buurtgeo Analysis" in html


# --------------------------------------------------------------------------------------
# indicators against an independent dense computation (straight lines, one point per sector)
# --------------------------------------------------------------------------------------


def _dense_2sfca(analysis, kind):
    origins = analysis.origins
    services = analysis.services[analysis.services["service_kind"] == kind]
    radius = analysis.catchment_m[kind]
    d = cdist(
        np.column_stack([origins.geometry.x, origins.geometry.y]),
        np.column_stack([services.geometry.x, services.geometry.y]),
    )
    pop = origins[list(analysis.targets[kind])].sum(axis=1).to_numpy()
    within = d <= radius
    supply = services["capacity"].fillna(0.0).to_numpy()
    demand = within.T.astype(float) @ pop
    ratio = np.divide(supply, demand, out=np.zeros_like(supply), where=demand > 0)
    access = within.astype(float) @ ratio
    covered = d.min(axis=1) <= radius
    frame = (
        pd.DataFrame(
            {"sector_id": origins["sector_id"], "p": pop, "pa": pop * access, "pc": pop * covered}
        )
        .groupby("sector_id")[["p", "pa", "pc"]]
        .sum()
    )
    return frame["pa"] / frame["p"], frame["pc"] / frame["p"], d.min(axis=1)


@pytest.mark.parametrize("kind", ["childcare_baby", "out_of_school_care", "playground"])
def test_sector_indicators_match_a_dense_computation(straight, kind):
    fca2, share, nearest = _dense_2sfca(straight, kind)
    table = straight.indicators(level="sector", kind=kind)
    populated = fca2.dropna().index
    assert np.allclose(table.loc[populated, "share_covered"], share[populated], rtol=1e-9)
    if "fca2" in table.columns:
        assert np.allclose(table.loc[populated, "fca2"], fca2[populated], rtol=1e-9)
    # one origin per sector: the sector's mean distance is that origin's distance
    by_sector = pd.Series(nearest, index=straight.origins["sector_id"])
    assert np.allclose(table.loc[populated, "mean_dist_m"], by_sector[populated], rtol=1e-9)


def test_places_per_child_add_up_to_the_places(straight):
    # 2SFCA identity: Σ_i P_i A_i = Σ_j S_j over the services that have demand in reach
    kind = "childcare_baby"
    services = straight.services[straight.services["service_kind"] == kind]
    origins = straight.origins
    d = cdist(
        np.column_stack([origins.geometry.x, origins.geometry.y]),
        np.column_stack([services.geometry.x, services.geometry.y]),
    )
    demand = origins["children_0_2"].to_numpy() @ (d <= straight.catchment_m[kind])
    places = services["capacity"].to_numpy()[demand > 0].sum()
    table = straight.indicators(level="sector", kind=kind)
    total = (table["target_pop"] * table["fca2"]).sum()
    assert total == pytest.approx(places, rel=1e-9)


def test_area_and_region_are_weighted_means_of_sectors(straight):
    kind = "childcare_baby"
    sectors = straight.indicators(level="sector", kind=kind)
    areas = straight.indicators(level="area", kind=kind)
    ok = sectors["target_pop"] > 0
    weighted = (sectors["share_covered"] * sectors["target_pop"])[ok].groupby(
        sectors.loc[ok, "area_id"]
    ).sum() / sectors.loc[ok].groupby("area_id")["target_pop"].sum()
    assert np.allclose(areas.loc[weighted.index, "share_covered"], weighted, rtol=1e-9)
    region = straight.region.iloc[0]
    expected = (sectors["share_covered"] * sectors["target_pop"])[ok].sum() / sectors.loc[
        ok, "target_pop"
    ].sum()
    assert region[f"share_covered__{kind}"] == pytest.approx(expected, rel=1e-9)


def test_kinds_and_catchments_from_config(sample):
    analysis = run_config(
        _straight_config(
            sample, kinds=["library", "childcare_baby"], catchment_m={"childcare_baby": 500.0}
        ),
        write=False,
        quiet=True,
    )
    assert analysis.kinds == ("library", "childcare_baby")
    assert analysis.catchment_m == {"library": 1200.0, "childcare_baby": 500.0}
    assert set(analysis.services["service_kind"]) == {"library", "childcare_baby"}


def test_catchments_m_is_still_read_and_not_with_catchment_m(sample):
    """The old spelling ``catchments_m`` of ``[analysis] catchment_m`` still runs; both
    at once is a configuration error naming both."""
    old = parse_config(_straight_config(sample, catchments_m={"childcare_baby": 500.0}))
    new = parse_config(_straight_config(sample, catchment_m={"childcare_baby": 500.0}))
    assert old.catchment_m == new.catchment_m == {"childcare_baby": 500.0}
    both = _straight_config(
        sample, catchment_m={"childcare_baby": 500.0}, catchments_m={"library": 900.0}
    )
    with pytest.raises(ConfigError, match="give catchment_m or catchments_m .*, not both"):
        parse_config(both)
    with pytest.raises(ConfigError, match=r"analysis\.catchments_m: unknown service kind 'creche'"):
        parse_config(_straight_config(sample, catchments_m={"creche": 500.0}))


def test_catchments_in_minutes_from_config(sample):
    """``catchment_min`` (or ``catchments_min``) per kind, at the mode's speed: walking
    4.8 km/h = 80 m/min, so 15 min = 1,200 m; ``speed_kmh = 6`` (100 m/min): 1,500 m."""
    analysis = run_config(
        _straight_config(
            sample, kinds=["library", "childcare_baby"], catchment_min={"library": 15}
        ),
        write=False,
        quiet=True,
    )
    assert analysis.catchment_m == {"library": pytest.approx(1200.0), "childcare_baby": 1000.0}
    assert analysis.catchment_min == {"library": 15.0} and analysis.speed_kmh == 4.8
    # the summary and the fact sheets say the minutes that were asked, and the metres
    rows = {line.split("  ")[0]: line for line in analysis.summary().splitlines()}
    assert " 15 min (1.200 m) " in rows["Bibliotheek"]
    assert "1.000 m" in rows["Kinderopvang baby's en peuters"]
    assert "min (" not in rows["Kinderopvang baby's en peuters"]
    sheet = analysis.fact_sheet(analysis.area_indicators.index[0])
    assert "(bereik 15 min (1.200 m))" in sheet and "(bereik 1.000 m)" in sheet
    cfg = parse_config(
        _straight_config(sample, catchments_min={"library": 15}, speed_kmh=6.0, far="error")
    )
    assert cfg.catchment_min == {"library": 15.0} and cfg.speed_kmh == 6.0 and cfg.far == "error"
    assert (cfg.snap, cfg.max_snap_m) == ("edge", 250.0)
    bad = _straight_config(
        sample,
        catchment_m={"library": 900.0},
        catchment_min={"library": 10, "playground": -5},
        snap="street",
        far="never",
        max_snap_m=-1,
    )
    with pytest.raises(ConfigError) as err:
        parse_config(bad)
    text = str(err.value)
    assert "metres and in minutes for ['library']" in text
    assert "analysis.catchment_min must be a table {kind = minutes}" in text
    assert "analysis.snap must be 'edge' or 'node'" in text
    assert "analysis.far must be" in text and "analysis.max_snap_m must be" in text
    with pytest.raises(ConfigError, match="catchment_min or catchments_min"):
        parse_config(
            _straight_config(sample, catchment_min={"library": 5}, catchments_min={"library": 6})
        )


def test_network_run_measures_along_the_street(sample, tmp_path):
    """Over the sample's walking network: per-origin snap_m, services' snap_m (also in the
    GeoPackage), the catchment in metres and minutes in the legend; snap = 'node' gives
    other distances."""
    config = _straight_config(
        sample, kinds=["childcare_baby"], catchment_min={"childcare_baby": 10}
    )
    config["inputs"]["network"] = str(sample["network"])
    config["outputs"] = {"map": False, "fact_sheets": False, "xlsx": False}
    analysis = run_config(config, out_dir=tmp_path, quiet=True)
    assert "snap_m" in analysis.reach.columns and (analysis.reach["snap_m"] >= 0).all()
    assert analysis.reach.attrs["snap"] == "edge"
    assert "snap_m" in analysis.services.columns and analysis.services["snap_m"].notna().all()
    assert analysis.catchment_m == {"childcare_baby": pytest.approx(800.0)}
    layer = gpd.read_file(tmp_path / "indicators.gpkg", layer="services")
    np.testing.assert_allclose(layer["snap_m"], analysis.services["snap_m"], rtol=1e-12)
    legend = pd.read_csv(tmp_path / "legenda.csv", sep=";", index_col=0)
    assert legend.loc["share_covered__childcare_baby", "uitleg"].endswith(
        "(bereik 800 m = 10 min te voet aan 4,8 km/u)"
    )
    config["analysis"]["snap"] = "node"
    node = run_config(config, write=False, quiet=True)
    assert node.reach.attrs["snap"] == "node"
    assert (analysis.reach["snap_m"] <= node.reach["snap_m"] + 1e-9).all()
    assert not np.allclose(
        analysis.reach["dist_nearest_m__childcare_baby"],
        node.reach["dist_nearest_m__childcare_baby"],
    )


def test_unknown_kind_and_level_are_clear_errors(straight):
    with pytest.raises(InputError, match="was not analysed"):
        straight.indicators(level="sector", kind="social_services")
    with pytest.raises(InputError, match="level must be"):
        straight.indicators(level="wijk")


def test_labels_for_people(straight):
    table = straight.indicators(level="area", kind="childcare_baby", labels=True)
    assert "Aandeel kinderen binnen bereik" in table.columns


# --------------------------------------------------------------------------------------
# progress bars (buurtgeo._progress)
# --------------------------------------------------------------------------------------


def test_progress_bars_only_when_asked_or_on_a_terminal(capsys):
    from buurtgeo._progress import progress_enabled, steps, track

    assert not progress_enabled()  # pytest's stderr is not a terminal
    with steps(total=2, desc="quiet") as bar:
        bar.step("a")
        bar.step("b")
    assert list(track(range(3), desc="quiet")) == [0, 1, 2]
    assert capsys.readouterr().err == ""
    with bg.set_options(progress=True):
        assert progress_enabled()
        with steps(total=2, desc="loud") as bar:
            bar.step("first")
            bar.step("second")
    err = capsys.readouterr().err
    assert "loud" in err and "1/2" in err and "second" in err


def test_areas_are_proposed_when_no_areas_file_is_given(sample):
    config = _straight_config(sample)
    del config["inputs"]["areas"]
    config["areas"] = {"target_children": 1500}
    analysis = run_config(config, write=False, quiet=True)
    sector_area = analysis.areas.attrs["sector_area"]
    assert set(sector_area.index) == set(analysis.sectors.index)  # every sector, once
    municipality = analysis.sectors["municipality_nis"]
    for area_id, group in municipality.groupby(sector_area):
        assert group.nunique() == 1, f"{area_id} crosses a municipal border"
    areas = analysis.indicators(level="area")
    assert areas["children_0_17"].sum() == pytest.approx(analysis.sectors["children_0_17"].sum())
    assert (areas["children_0_17"] >= 1500).all()
    # the summary's notes in the analysis' language (Dutch by default)
    assert "buurten voorgesteld uit aangrenzende sectoren (geen gebiedenbestand gegeven)" in (
        analysis.notes
    )


def test_selecting_municipalities(sample):
    import geopandas as gpd

    raw = gpd.read_file(sample["sectors"])
    wijken = pd.read_csv(sample["areas"], sep=";", encoding="utf-8-sig", dtype=str)
    config = _straight_config(sample)
    config["inputs"]["municipality"] = ["46091", "Hazelbeke"]  # by NIS code and by name
    both = run_config(config, write=False, quiet=True)
    assert len(both.sectors) == len(raw)
    config["inputs"]["municipality"] = "Lindevoorde"
    one = run_config(config, write=False, quiet=True)
    assert len(one.sectors) == (raw["cd_munty_refnis"] == "46091").sum()
    in_one = wijken.loc[wijken["statsec"].str.startswith("46091"), "wijknr"].nunique()
    assert len(one.areas) == in_one
    assert set(one.sector_indicators["municipality_nis"]) == {"46091"}


def test_whole_sectors_file_is_read_once_per_run(sample, monkeypatch, tmp_path):
    """With a municipality chosen, the demand across the border and the map's
    neighbours both need every sector of the file: one read serves both."""
    import os
    import shutil
    from pathlib import Path

    import buurtgeo as bg
    from buurtgeo._run_inputs import whole_sectors_file

    calls: list[object] = []
    real_read = bg.read_sectors

    def counting(path, **kwargs):
        calls.append(kwargs.get("municipality"))
        return real_read(path, **kwargs)

    monkeypatch.setattr(bg, "read_sectors", counting)
    sectors = tmp_path / Path(sample["sectors"]).name
    shutil.copyfile(sample["sectors"], sectors)
    config = _straight_config(sample)
    config["inputs"]["sectors"] = str(sectors)
    config["inputs"]["municipality"] = "Lindevoorde"
    config.setdefault("map", {})["basemap"] = True
    analysis = run_config(config, write=False, quiet=True)
    assert calls.count(None) == 1 and calls.count("Lindevoorde") == 1
    assert analysis.basemap is not None and analysis.reach.attrs.get("across_border") is not None
    cfg = analysis.config
    first, again = whole_sectors_file(cfg), whole_sectors_file(cfg)
    assert calls.count(None) == 1  # still the run's read
    assert again is not first and again.equals(first)  # copies: safe to change
    stat = os.stat(sectors)
    os.utime(sectors, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))  # the file changed
    assert whole_sectors_file(cfg).equals(first) and calls.count(None) == 2


def test_a_dutch_run_lists_the_loaders_warnings_in_dutch(sample, tmp_path):
    """An InputWarning carries its Dutch text: the Dutch summary's notes are Dutch, the
    English run's (and Python's own warning text) English. Without place counts the
    affordable share is a share of the locations, and says so."""
    import buurtgeo as bg

    childcare = pd.read_csv(sample["childcare"], sep=";", encoding="cp1252", dtype=str)
    without = tmp_path / "kinderopvang_zonder_plaatsen.csv"
    childcare.drop(columns="Vergunde plaatsen").to_csv(
        without, sep=";", index=False, encoding="cp1252"
    )
    config = _straight_config(sample, kinds=["childcare_baby"])
    config["inputs"]["services"] = [{"path": str(without)}]
    with pytest.warns(bg.InputWarning, match="no capacity column found") as caught:
        bg.read_services(without)  # Python's warning: the English text
    assert isinstance(caught[0].message, UserWarning)
    assert caught[0].message.text("nl").startswith(f"{without}: geen kolom met het aantal")
    dutch = run_config(config, write=False, quiet=True)  # a run keeps them as notes
    notes = [n for n in dutch.notes if n.startswith(str(without))]
    assert notes == [
        f"{without}: geen kolom met het aantal plaatsen gevonden; plaatsen onbekend. Heeft het"
        " bestand er een, noem ze dan in columns (capacity = kolomnaam)"
    ]
    used = dutch.services[dutch.services["service_kind"] == "childcare_baby"]
    if "outside_area" in used.columns:  # the study area's own locations
        used = used[~used["outside_area"].fillna(False).astype(bool)]
    assert used["capacity"].isna().all() and used["income_related"].notna().all()
    share = round(100 * used["income_related"].astype(bool).mean())  # each location once
    line = next(x for x in dutch.summary().splitlines() if x.startswith("Betaalbaar"))
    assert line.endswith(f" {share} % (van de locaties: plaatsen onbekend)")
    config.setdefault("outputs", {})["language"] = "en"
    english = run_config(config, write=False, quiet=True)
    assert any(n.startswith(f"{without}: no capacity column found") for n in english.notes)
    line = next(x for x in english.summary().splitlines() if x.startswith("Affordable"))
    assert line.endswith(f" {share} % (of the locations: places unknown)")


def test_services_from_openstreetmap_and_a_kind_map(sample, tmp_path):
    import geopandas as gpd

    sectors = gpd.read_file(sample["sectors"]).to_crs(4326)
    points = sectors.representative_point().iloc[:2]
    nodes = "".join(
        f'<node id="{i}" version="1" lat="{p.y:.7f}" lon="{p.x:.7f}">'
        f'<tag k="leisure" v="playground"/><tag k="name" v="Speelplein {i}"/></node>'
        for i, p in enumerate(points, start=1)
    )
    osm = tmp_path / "poi.osm"
    osm.write_text(f"<?xml version='1.0' encoding='UTF-8'?><osm version='0.6'>{nodes}</osm>")
    city = pd.read_csv(sample["services"], sep=";", encoding="utf-8-sig", dtype=str)
    city["Type voorziening"] = city["Type voorziening"].replace({"Bibliotheek": "BIB-FILIAAL"})
    city_path = tmp_path / "city.csv"
    city_path.write_bytes(b"\xef\xbb\xbf" + city.to_csv(sep=";", index=False).encode("utf-8"))
    config = _straight_config(sample, kinds=["playground", "library"])
    config["inputs"]["services"] = [
        {"path": str(osm), "kinds": ["playground"]},
        {"path": str(city_path), "kind_map": {"BIB-FILIAAL": "library"}},
    ]
    analysis = run_config(config, write=False, quiet=True)
    used = analysis.services
    assert {"osm-node-1", "osm-node-2"} <= set(used.index)
    n_libraries = (city["Type voorziening"] == "BIB-FILIAAL").sum()
    assert (used["service_kind"] == "library").sum() == n_libraries
    with pytest.raises(ConfigError, match=r"kind_map: unknown service kind 'bieb'"):
        config["inputs"]["services"][1]["kind_map"] = {"BIB-FILIAAL": "bieb"}
        parse_config(config)


def test_summary_counts_rows_of_other_municipalities_apart(sample):
    """Rows of nationwide/regional files about other municipalities are listed in
    set_aside but summed apart, in Dutch stage names; no English join note."""
    wijken = pd.read_csv(sample["areas"], sep=";", encoding="utf-8-sig", dtype=str)
    config = _straight_config(sample)
    config["inputs"]["municipality"] = "Lindevoorde"
    one = run_config(config, write=False, quiet=True)
    other_areas = int((~wijken["statsec"].str.startswith("46091")).sum())  # Hazelbeke's rows
    # the sample's population file has one ZZZZ row per municipality: Hazelbeke's is outside
    line = one.summary().splitlines()[-1 - len(one.notes)]
    assert line.startswith("2 invoerrij(en) niet gebruikt (bevolking 1, voorzieningen 1); ")
    assert f"{other_areas + 1} rij(en) over andere gemeenten overgeslagen" in line
    assert f"(bevolking 1, gebieden {other_areas})" in line
    # nothing dropped from the table: the services beyond the reach of Lindevoorde (in
    # Hazelbeke's far end) are listed too, and counted apart in the summary
    far = one.set_aside["reason"].str.startswith("farther from the study area")
    assert f"{int(far.sum())} voorziening(en) te ver van het studiegebied niet gebruikt" in line
    assert len(one.set_aside) == 2 + other_areas + 1 + int(far.sum())
    assert not any("join_population" in note for note in one.notes)


# --------------------------------------------------------------------------------------
# the map legend of a real city: most areas at 100 % (buurtgeo.maps.classify)
# --------------------------------------------------------------------------------------


def test_legend_of_tied_shares_reads_distinct_classes():
    import warnings

    from buurtgeo.maps import classify

    # City of Brussels, childcare 0-2 within 1000 m: 8 quartiers below 100 %, 27 at 100 %
    shares = np.array([0.0, 0.2857, 0.774, 0.8406, 0.9113, 0.9823, 0.9938, 0.9993] + [1.0] * 27)
    # by default: the fixed breaks of a share, whatever the data (right-closed classes)
    fixed = classify(shares, column="share_covered__childcare_baby", k=5)
    assert fixed.labels == ("0 – 50 %", "50 – 75 %", "75 – 90 %", "90 – 100 %")
    assert fixed.counts == (2, 0, 2, 31)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # mapclassify's "Not enough unique values" stays inside
        classes = classify(shares, column="share_covered__childcare_baby", scheme="quantiles", k=5)
    assert len(set(classes.labels)) == len(classes.labels)
    # 20 % quantile: position 0.2 · 34 = 6.8 → 0.9938 + 0.8 · (0.9993 − 0.9938) = 0.99820;
    # its class would hold 0 % and 99,4 %: split at 25, 50, 75 % (steps of a quarter)
    assert classes.labels == ("0 – 25 %", "25 – 50 %", "50 – 75 %", "75 – 99,8 %", "99,8 – 100 %")
    assert classes.counts == (1, 1, 0, 5, 28) and sum(classes.counts) == shares.size
    assert "gesplitst" in classes.note
    # every value at one tied bound: the class reads as that value alone
    tied = classify(
        np.array([0.5, 0.5, 0.5, 0.9] + [1.0] * 6), column="share_covered__x", scheme="quantiles"
    )
    # quantile bounds 0.9 and 1; the class 50-90 % (spread 40 of a 50-point range) is split
    # at steps of 20 points: 60 and 80 %
    assert tied.labels == ("50 – 60 %", "60 – 80 %", "80 – 90 %", "100 %")
    assert tied.counts == (3, 0, 1, 6)
    # bounds that already read differently keep their decimals
    metres = classify(
        np.array([120.0, 500, 800, 1300, 2000]), column="mean_dist_m__x", scheme="quantiles", k=5
    )
    assert metres.labels[-1] == "1.440 – 2.000 m"


def test_notes_name_options_as_a_configuration_file_user_can_follow(sample, tmp_path):
    """A services file without a capacity column (and a prenatal row): the note and the
    set-aside reason name the option, not Python syntax a `buurtgeo run` user cannot type."""
    table = pd.read_csv(sample["services"], sep=";", encoding="utf-8-sig", dtype=str)
    table = table.drop(columns="Capaciteit")
    table.loc[0, "Type voorziening"] = "PRENATAL"
    path = tmp_path / "voorzieningen_zonder_capaciteit.csv"
    table.to_csv(path, sep=";", index=False, encoding="utf-8-sig")
    config = _straight_config(sample)
    config["inputs"]["services"] = [{"path": str(path)}]
    analysis = run_config(config, write=False, quiet=True)
    # a Dutch run (the default) lists the note in Dutch
    capacity = [n for n in analysis.notes if "geen kolom met het aantal plaatsen" in n]
    assert capacity and "noem ze dan in columns (capacity = kolomnaam)" in capacity[0]
    prenatal = analysis.set_aside[analysis.set_aside["reason"].str.startswith("prenatal")]
    assert len(prenatal) == 1
    assert "map PRENATAL to consultatiebureau with kind_map" in prenatal["reason"].iloc[0]
    assert not any("={" in text for text in [*analysis.notes, *analysis.set_aside["reason"]])


def test_rows_outside_the_study_area_are_recognised_by_their_codes():
    from types import SimpleNamespace

    from buurtgeo.summary import _outside_study_area

    rows = [
        ("population", "unknown sector", "CD_REFNIS=11001 | CD_SECTOR=11001ZZZZ | TOTAL=1"),
        ("population", "unknown sector", "CD_REFNIS=21004 | CD_SECTOR=21004ZZZZ | TOTAL=3"),
        ("age_bands", "share is missing", "SS=21014A18- | POP_2018=1"),  # IBSA layout
        ("age_bands", "share is missing", "SS=21004C591 | POP_2018=2"),
        ("areas", "sector outside the sectors' municipalities", "statsec=46092A00- | wijknr=9"),
        ("join", "no age bands", "sector_id=21004C591"),
        ("services", "no coordinates", "Dossiernummer=KO-0076 | Note=21014A18-x"),
        ("services", "no coordinates", "Code=21014A18-"),  # a service is a place, not a sector
    ]
    fake = SimpleNamespace(
        set_aside=pd.DataFrame(rows, columns=["stage", "reason", "values"]),
        sectors=pd.DataFrame({"municipality_nis": ["21004", "21004"]}),
    )
    expected = [True, False, True, False, True, False, False, False]
    assert _outside_study_area(fake).tolist() == expected


@pytest.mark.slow
def test_legenda_csv_explains_every_column_of_both_csvs(demo):
    _analysis, out = demo
    legend = pd.read_csv(out / "legenda.csv", sep=";", encoding="utf-8-sig", dtype=str)
    assert list(legend.columns) == ["kolom", "label", "uitleg"]
    assert legend["kolom"].is_unique
    for name in ("indicators.csv", "indicators_areas.csv"):
        header = pd.read_csv(out / name, sep=";", encoding="utf-8-sig", nrows=0).columns
        assert set(header) <= set(legend["kolom"])
    row = legend.set_index("kolom").loc["fca2__childcare_baby"]
    assert row["label"].startswith("Plaatsen per kind (2SFCA)") and "2SFCA" in row["uitleg"]
    # every column has a label in words, not its own name (bivariate_class had none)
    base = legend["kolom"].str.partition("__")[0]
    assert not legend.loc[legend["label"].str.partition(":")[0] == base, "kolom"].tolist()
    bivariate = legend.set_index("kolom").loc["bivariate_class__childcare_baby"]
    assert bivariate["label"].startswith("Klasse nood-bereik") and "'3-1'" in bivariate["uitleg"]


@pytest.mark.slow
def test_demo_outputs_name_each_places_ratio_once(demo):
    import pyogrio

    analysis, out = demo
    kind = "childcare_baby"
    areas = pd.read_csv(out / "indicators_areas.csv", sep=";", decimal=",", encoding="utf-8-sig")
    sectors = pd.read_csv(out / "indicators.csv", sep=";", decimal=",", encoding="utf-8-sig")
    legend = pd.read_csv(out / "legenda.csv", sep=";", encoding="utf-8-sig", dtype=str)
    sheets = pd.read_excel(out / "indicators.xlsx", sheet_name=None, engine="openpyxl")
    names = [*areas.columns, *sectors.columns, *legend["kolom"]]
    names += [c for sheet in sheets.values() for c in sheet.columns]
    names += [
        c
        for layer in ("sectors", "areas")
        for c in pyogrio.read_info(out / "indicators.gpkg", layer=layer)["fields"]
    ]
    names += [*analysis.area_indicators.columns, *analysis.region.columns]
    # the old, ambiguous name is nowhere, not even as the stem of a wide column
    assert not [n for n in names if str(n).partition("__")[0] == "places_per_100"]
    # the floating ratio: 100 · fca2 (the 2SFCA mean); the same-area ratio: the places
    # located in the area per 100 of its target children (Opgroeien's ratio)
    kept = analysis.area_indicators
    np.testing.assert_allclose(
        kept[f"places_per_100_2sfca__{kind}"], 100 * kept[f"fca2__{kind}"], rtol=1e-12
    )
    np.testing.assert_allclose(
        kept[f"places_per_100_in_area__{kind}"],
        100 * kept[f"places__{kind}"] / kept[f"target_pop__{kind}"],
        rtol=1e-12,
    )
    rows = legend.set_index("kolom")
    floating = rows.loc[f"places_per_100_2sfca__{kind}"]
    in_area = rows.loc[f"places_per_100_in_area__{kind}"]
    assert floating["label"].startswith("Plaatsen per 100 kinderen binnen bereik (2SFCA)")
    assert in_area["label"].startswith("Plaatsen per 100 kinderen in de buurt")
    assert "2SFCA" in floating["uitleg"] and "Opgroeien" in in_area["uitleg"]
    page = (out / "buurtfiches" / f"{kept.index[0]}.html").read_text(encoding="utf-8")
    assert "Plaatsen per 100 kinderen binnen bereik (2SFCA)" in page
    assert "Plaatsen per 100 kinderen in de buurt" in page


@pytest.mark.slow
def test_demo_yes_no_columns_read_ja_nee_and_stay_booleans_in_the_gpkg(demo):
    import pyogrio

    analysis, out = demo
    flags = [c for c in analysis.area_indicators.columns if c.startswith("high_need_low_reach__")]
    assert len(flags) == len(analysis.kinds)
    kept = analysis.area_indicators[flags]
    assert kept.any().any() and not kept.all().all()  # both words occur
    expected = kept.replace({True: "ja", False: "nee"}).astype(str)
    raw = pd.read_csv(out / "indicators_areas.csv", sep=";", encoding="utf-8-sig", dtype=str)
    assert raw.set_index("area_id")[flags].equals(expected.set_axis(raw["area_id"]))
    text = (out / "indicators_areas.csv").read_text(encoding="utf-8-sig")
    assert "True" not in text and "False" not in text
    # read back as the module docstring says: booleans again
    back = pd.read_csv(
        out / "indicators_areas.csv",
        sep=";",
        decimal=",",
        encoding="utf-8-sig",
        true_values=["ja"],
        false_values=["nee"],
    ).set_index("area_id")
    for column in flags:
        assert back[column].dtype == bool
        assert back[column].tolist() == kept[column].tolist()
    sheet = pd.read_excel(out / "indicators.xlsx", sheet_name="buurten", engine="openpyxl")
    assert set(sheet[flags].stack()) == {"ja", "nee"}
    for layer, columns in (("areas", flags), ("services", ["income_related", "outside_area"])):
        info = pyogrio.read_info(out / "indicators.gpkg", layer=layer)
        subtype = dict(zip(info["fields"], info["ogr_subtypes"], strict=True))
        assert {subtype[c] for c in columns} == {"OFSTBoolean"}, layer


def test_tables_write_yes_no_in_the_output_language():
    from buurtgeo.outputs import _for_tables

    frame = pd.DataFrame(
        {
            "flag": [True, False, True],
            "nullable": pd.array([True, None, False], dtype="boolean"),
            "hidden": pd.Series([True, np.nan, False], dtype=object),  # after suppression
            "text": ["True", "ja", "x"],  # words stay words
            "count": [1, 0, 2],  # 0/1 numbers are not flags
            "share": [0.123456, np.inf, np.nan],
        }
    )
    nl = _for_tables(frame, "nl")
    assert nl["flag"].tolist() == ["ja", "nee", "ja"]
    assert nl["nullable"].iloc[[0, 2]].tolist() == ["ja", "nee"] and pd.isna(nl["nullable"][1])
    assert nl["hidden"].iloc[[0, 2]].tolist() == ["ja", "nee"] and pd.isna(nl["hidden"][1])
    assert nl["text"].tolist() == ["True", "ja", "x"] and nl["count"].tolist() == [1, 0, 2]
    assert nl["share"].iloc[0] == 0.1235 and nl["share"].iloc[1:].isna().all()
    en = _for_tables(frame, "en")
    assert en["flag"].tolist() == ["yes", "no", "yes"]
    assert en["hidden"].iloc[[0, 2]].tolist() == ["yes", "no"]
    assert frame["flag"].dtype == bool  # input untouched
    csv = _csv_text(nl)
    assert csv.splitlines()[2] == "1;nee;;;ja;0;"


def _csv_text(frame: pd.DataFrame) -> str:
    from buurtgeo.outputs import _csv_bytes

    return _csv_bytes(frame).decode("utf-8-sig").replace("\r\n", "\n")


def test_english_csv_writes_yes_no(sample, tmp_path):
    config = _straight_config(sample, kinds=["childcare_baby"])
    config["outputs"] = {
        "language": "en",
        "xlsx": False,
        "gpkg": False,
        "map": False,
        "fact_sheets": False,
    }
    analysis = run_config(config, out_dir=tmp_path, quiet=True)
    raw = pd.read_csv(tmp_path / "indicators_areas.csv", sep=";", encoding="utf-8-sig", dtype=str)
    flag = raw["high_need_low_reach__childcare_baby"]
    kept = analysis.area_indicators["high_need_low_reach__childcare_baby"]
    assert flag.tolist() == ["yes" if v else "no" for v in kept]
    legend = pd.read_csv(tmp_path / "legenda.csv", sep=";", encoding="utf-8-sig", dtype=str)
    row = legend.set_index("column").loc["places_per_100_in_area__childcare_baby"]
    assert row["label"].startswith("Places per 100 children in the area")


def test_pipeline_notes_in_english_too(sample):
    config = _straight_config(sample, kinds=["childcare_baby", "library"])
    config["inputs"]["services"] = [{"path": str(sample["childcare"])}]
    config["outputs"] = {"language": "en"}
    english = run_config(config, write=False, quiet=True)
    assert "no services of these kind(s) in the inputs: Library" in english.notes
    config["outputs"] = {"language": "nl"}
    dutch = run_config(config, write=False, quiet=True)
    assert "geen voorzieningen van deze soort(en) in de invoer: Bibliotheek" in dutch.notes


def test_sectors_and_population_with_their_own_column_names(sample, tmp_path):
    """A sectors file whose code column is not Statbel's: named in the configuration."""
    import geopandas as gpd

    raw = gpd.read_file(sample["sectors"]).rename(columns={"cd_sector": "CODE_SECTEUR"})
    path = tmp_path / "sectoren.gpkg"
    raw.to_file(path, layer="sectoren")
    config = _straight_config(sample)
    config["inputs"]["sectors"] = {
        "path": str(path),
        "layer": "sectoren",
        "columns": {"sector_id": "CODE_SECTEUR"},
    }
    config["inputs"]["population"] = {"path": str(sample["population"])}
    analysis = run_config(config, write=False, quiet=True)
    assert len(analysis.sectors) == len(raw)
    assert set(analysis.sectors.index) == set(raw["CODE_SECTEUR"])
    config["inputs"]["sectors"] = {"path": str(path), "colums": {}, "crs": 31370}
    config["inputs"]["population"] = {"sheet": 1}
    with pytest.raises(ConfigError) as info:
        run_config(config, write=False, quiet=True)
    text = str(info.value)
    assert "unknown key inputs.sectors.colums (did you mean 'columns'?)" in text
    assert "inputs.sectors.crs must be a CRS" in text
    assert "inputs.population.path is required" in text


def test_suppress_below_hides_small_counts_in_every_published_output(sample, tmp_path):
    config = _straight_config(sample)
    config["outputs"] = {"suppress_below": 100, "xlsx": False, "gpkg": False}
    analysis = run_config(config, out_dir=tmp_path, quiet=True)
    kind = "childcare_baby"
    kept = analysis.sector_indicators  # the analyst's working copy keeps every figure
    small = kept[f"target_pop__{kind}"].between(0, 100, inclusive="neither")
    assert small.any() and (~small).any()
    word = "afgeschermd (< 100)"
    raw = pd.read_csv(tmp_path / "indicators.csv", sep=";", dtype=str, encoding="utf-8-sig")
    raw = raw.set_index(kept.index.name)
    table = pd.read_csv(
        tmp_path / "indicators.csv", sep=";", decimal=",", encoding="utf-8-sig", na_values=[word]
    )
    table = table.set_index(kept.index.name)
    hidden = table.loc[small[small].index]
    shown = table.loc[small[~small].index]
    # secondary suppression may hide more rows than the small ones: the column says which
    listed = shown["suppressed"].fillna("").str.split(",")
    secondary = listed.map(lambda cols: f"target_pop__{kind}" in cols)
    shown = shown[~secondary]
    assert len(shown) > 0
    for column, decimals in (
        (f"target_pop__{kind}", 0),
        (f"share_covered__{kind}", 2),
        (f"places_per_100_2sfca__{kind}", 1),
    ):
        assert hidden[column].isna().all(), column
        assert (raw.loc[hidden.index, column] == word).all(), column
        np.testing.assert_allclose(
            shown[column], kept.loc[shown.index, column].round(decimals), rtol=1e-9
        )
    assert hidden["suppressed"].str.contains(f"target_pop__{kind}").all()


def test_gpkg_types_object_flag_columns_as_booleans(demo, tmp_path):
    # a flag column that became objects (a hidden cell, a join on areas that lack it)
    # must still be a GeoPackage boolean, not the text 'True'/'False'
    import dataclasses

    import pyogrio

    from buurtgeo.outputs import _write_gpkg

    analysis, _ = demo
    areas = analysis.area_indicators.copy()
    flag = next(c for c in areas.columns if c.startswith("high_need_low_reach__"))
    areas[flag] = areas[flag].astype(object)
    areas.iloc[0, areas.columns.get_loc(flag)] = None
    _write_gpkg(dataclasses.replace(analysis, area_indicators=areas), tmp_path / "t.gpkg")
    info = pyogrio.read_info(tmp_path / "t.gpkg", layer="areas")
    subtype = dict(zip(info["fields"], info["ogr_subtypes"], strict=True))
    assert subtype[flag] == "OFSTBoolean"
    back = pyogrio.read_dataframe(tmp_path / "t.gpkg", layer="areas")
    assert back[flag].isna().tolist() == [True] + [False] * (len(areas) - 1)
    assert back[flag].iloc[1:].astype(bool).tolist() == areas[flag].iloc[1:].astype(bool).tolist()
