"""The fictional sample: deterministic bytes, small, in the publishers' formats."""

from __future__ import annotations

import filecmp
import io
import json
import zipfile

import numpy as np
import pandas as pd
import pytest

from buurtgeo.errors import InputError
from buurtgeo.sample import SAMPLE_FILES, make_sample, sample_dir


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    return make_sample(tmp_path_factory.mktemp("sample"))


def test_same_seed_same_bytes(sample, tmp_path):
    again = make_sample(tmp_path)
    for role, path in sample.items():
        assert filecmp.cmp(path, again[role], shallow=False), role


def test_other_seed_other_study_area(sample, tmp_path):
    other = make_sample(tmp_path, seed=7)
    assert other["sectors"].read_bytes() != sample["sectors"].read_bytes()


def test_embedded_sample_is_the_default_seed(sample):
    folder = sample_dir()
    if folder is None:
        pytest.skip("no data/sample in this checkout")
    for role, name in SAMPLE_FILES.items():
        assert (folder / name).read_bytes() == sample[role].read_bytes(), (
            f"data/sample/{name} is stale: run python data/make_sample.py"
        )


def test_small(sample):
    assert sum(p.stat().st_size for p in sample.values()) < 2_000_000


def test_bad_seed_is_a_clear_error(tmp_path):
    with pytest.raises(InputError, match="seed"):
        make_sample(tmp_path, seed="x")


def test_zips_have_fixed_timestamps(sample):
    for role in ("sectors", "population"):
        with zipfile.ZipFile(sample[role]) as zf:
            assert {i.date_time for i in zf.infolist()} == {(1980, 1, 1, 0, 0, 0)}
    with zipfile.ZipFile(sample["population"]) as zf:
        core = zf.read("docProps/core.xml").decode()
    assert "2023-01-01T00:00:00Z" in core


def test_sectors_file_is_statbel_2023_layout(sample):
    with zipfile.ZipFile(sample["sectors"]) as zf:
        (name,) = zf.namelist()
        doc = json.loads(zf.read(name))
    assert name == "sh_statbel_statistical_sectors_3812_20230101.geojson"
    assert doc["crs"]["properties"]["name"] == "urn:ogc:def:crs:EPSG::3812"
    props = pd.DataFrame([f["properties"] for f in doc["features"]])
    assert {"cd_sector", "tx_sector_descr_nl", "cd_munty_refnis", "tx_munty_descr_nl"} <= set(props)
    assert 30 <= len(props) <= 60
    assert props["cd_sector"].is_unique
    assert props["cd_sector"].str.fullmatch(r"4609[12][A-Z]\d\d[0-9-]").all()
    assert set(props["cd_munty_refnis"]) == {"46091", "46092"}
    # coordinates are Lambert 2008 metres in East Flanders
    xy = np.array(
        [c for f in doc["features"] for c in f["geometry"]["coordinates"][0][0]], dtype=float
    )
    assert xy[:, 0].min() > 600_000 and xy[:, 0].max() < 700_000
    assert xy[:, 1].min() > 650_000 and xy[:, 1].max() < 750_000


def test_sectors_tile_the_study_area(sample):
    import geopandas as gpd

    sectors = gpd.read_file(sample["sectors"])
    assert sectors.crs.to_epsg() == 3812
    assert sectors.is_valid.all()
    union = sectors.union_all()
    assert abs(union.area - sectors.area.sum()) < 1.0  # no overlaps (m²)
    assert union.geom_type == "Polygon"  # one piece, no holes between sectors
    assert len(union.interiors) == 0


def test_population_table_as_statbel_publishes_it(sample):
    raw = pd.read_excel(sample["population"], sheet_name="Blad1", dtype=str, engine="openpyxl")
    assert list(raw.columns) == [
        "CD_REFNIS",
        "CD_SECTOR",
        "TOTAL",
        "DT_STRT_SECTOR",
        "DT_STOP_SECTOR",
        "OPPERVLAKTE IN HM²",
        "TX_DESCR_SECTOR_NL",
        "TX_DESCR_SECTOR_FR",
        "TX_DESCR_NL",
        "TX_DESCR_FR",
    ]
    assert raw["CD_SECTOR"].str.endswith("ZZZZ").sum() == 2
    assert (raw["TOTAL"].astype(int) >= 0).all()


def test_age_bands_add_up(sample):
    bands = pd.read_csv(
        sample["age_bands"], sep=";", encoding="utf-8-sig", dtype={"CD_SECTOR": str}
    )
    parts = bands[["children_0_2", "children_3_5", "children_6_11"]].sum(axis=1)
    assert (bands["children_0_17"] >= parts).all()
    pop = pd.read_excel(sample["population"], dtype={"CD_SECTOR": str}, engine="openpyxl")
    pop = pop.set_index("CD_SECTOR")
    joined = bands.set_index("CD_SECTOR").join(pop["TOTAL"])
    assert (joined["children_0_17"] < joined["TOTAL"]).all()


def test_childcare_csv_is_a_flemish_cp1252_export(sample):
    data = sample["childcare"].read_bytes()
    assert not data.startswith(b"\xef\xbb\xbf") and b"\r\n" in data
    assert "Hélène".encode("cp1252") in data  # cp1252, not UTF-8
    table = pd.read_csv(io.BytesIO(data), sep=";", encoding="cp1252", dtype=str)
    assert list(table.columns[:5]) == [
        "Dossiernummer",
        "Naam opvanglocatie",
        "Opvangvorm",
        "Vergunde plaatsen",
        "Inkomenstarief",
    ]
    assert table["X"].dropna().str.fullmatch(r"\d{6},\d{2}").all()  # Lambert 72, decimal comma
    assert table["X"].isna().sum() == 1  # the not-yet-geocoded location
    assert set(table["Inkomenstarief"]) == {"ja", "nee"}
    assert set(table["Opvangvorm"]) == {"Groepsopvang", "Gezinsopvang", "Buitenschoolse opvang"}


def test_city_services_csv_is_utf8_with_bom(sample):
    data = sample["services"].read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and b"\r\n" in data
    table = pd.read_csv(io.BytesIO(data), sep=";", encoding="utf-8-sig", dtype=str)
    assert {"Naam", "Type voorziening", "X", "Y"} <= set(table)
    assert set(table["Type voorziening"]) == {
        "Consultatiebureau",
        "Huis van het Kind",
        "Basisschool",
        "Speeltuin",
        "Bibliotheek",
    }


def test_network_is_osm_xml_with_walk_tags(sample):
    import osmium

    highways = []
    for obj in osmium.FileProcessor(str(sample["network"])):
        if obj.is_way():
            highways.append(obj.tags.get("highway"))
    assert {"residential", "footway", "primary", "motorway"} <= set(highways)
