"""A run on the real Brussels files with the inputs as published: municipal ages, addresses,
Opgroeien's published places; estimates labelled in every output."""

from __future__ import annotations

import warnings

import geopandas as gpd
import pandas as pd
import pytest

import buurtgeo as bg
from tests.test_io_age_shares import HEADER, _row

D_SECTORS = "statbel_sectors_brussels_2020/statistical_sectors_brussels_region.gpkg"
D_POP = "statbel_population_sectors_2019/OPEN DATA_SECTOREN_2019.xlsx"
D_CHILDCARE = "brussels_city_childcare_one/milieux_accueil_petite_enfance.csv"
D_AREAS = "brussels_quartiers_ibsa/secteurs_quartiers_2023.csv"


def write_places_workbook(path):
    """Opgroeien's places-and-locations workbook: a title row, then the header."""
    rows = [
        ["Aantal plaatsen en locaties naar vergunningstype en inkomenstarief"] + [None] * 10,
        [None] * 11,
        [
            "Jaar",
            "Gewest",
            "Provincie",
            "Zorgregio",
            "Gemeente",
            "Vergunningstype",
            "IKT/Niet IKT",
            "Totaal plaatsen",
            "Plaatsen IKT",
            "Plaatsen vrije prijs",
            "Locaties",
        ],
        [
            2023,
            "Brussels Hoofdstedelijk Gewest",
            None,
            "Brussel",
            "Brussel",
            "Groepsopvang baby's en peuters",
            "IKT",
            900,
            900,
            0,
            30,
        ],
        [
            2023,
            "Brussels Hoofdstedelijk Gewest",
            None,
            "Brussel",
            "Brussel",
            "Groepsopvang baby's en peuters",
            "Niet IKT",
            150,
            0,
            150,
            8,
        ],
        [
            2022,
            "Brussels Hoofdstedelijk Gewest",
            None,
            "Brussel",
            "Brussel",
            "Groepsopvang baby's en peuters",
            "IKT",
            1,
            1,
            0,
            1,
        ],
        [
            2023,
            "Vlaams Gewest",
            "Oost-Vlaanderen",
            "Gent",
            "Merelbeke-Melle",
            "Groepsopvang baby's en peuters",
            "IKT",
            300,
            300,
            0,
            12,
        ],
        [2023, "Totaal", None, None, "Totaal", None, None, 1351, 1201, 150, 51],
    ]
    pd.DataFrame(rows).to_excel(path, header=False, index=False)
    return path


def test_read_published_places(tmp_path):
    table = bg.read_published_places(
        write_places_workbook(
            tmp_path
            / "b-p-aantal-plaatsen-en-locaties-naar-vergunningstype-en-inkomenstarief_12.xlsx"
        )
    )
    assert len(table) == 4 and table.attrs["rows_in"] == 5
    aside = table.attrs["set_aside"]
    assert aside["reason"].tolist() == ["a total row, not a municipality"]
    assert aside["row"].tolist() == [8]  # the spreadsheet's own row number
    assert table["places"].tolist() == [900.0, 150.0, 1.0, 300.0]
    assert table.attrs["kind"] == "places_and_locations"


def test_read_places_per_100(tmp_path):
    frame = pd.DataFrame(
        {
            "Jaar": [2023, 2023],
            "Gemeente": ["Gent", "Totaal"],
            "Aantal kinderen": [9000, 9000],
            "Plaatsen per 100 kinderen": ["55,2", "55,2"],
        }
    )
    path = tmp_path / "aantal-plaatsen-per-100-kinderen_12.xlsx"
    frame.to_excel(path, index=False)
    table = bg.read_published_places(path)
    assert table["places_per_100"].tolist() == [55.2] and table.attrs["kind"] == "places_per_100"


def _brussels_city_sectors(real):
    sectors = gpd.read_file(real / D_SECTORS)
    return sectors[sectors["CNIS5_2020"].astype(str) == "21004"]


def write_best_for(path, sectors, n=3):
    pts = sectors.geometry.representative_point().iloc[:n]
    frame = pd.DataFrame(
        {
            "EPSG:31370_x": pts.x.round(2),
            "EPSG:31370_y": pts.y.round(2),
            "address_id": range(1, n + 1),
            "house_number": "1",
            "streetname_nl": "Nieuwstraat",
            "postcode": "1000",
            "municipality_id": "21004",
        }
    )
    frame.to_csv(path, index=False)
    return path, sectors["CS01012020"].iloc[:n].tolist()


@pytest.mark.realdata
@pytest.mark.slow
def test_brussels_run_with_published_inputs(real, tmp_path):
    ages = tmp_path / "TF_SOC_POP_STRUCT_2019.txt"
    rows = [_row(21004, "Brussel", "M", "BE", 1, a, 10) for a in range(0, 18)]
    rows += [_row(21004, "Brussel", "F", "BE", 2, 40, 820)]  # 180 of 1000 are 0-17
    ages.write_text(HEADER + "\n" + "\n".join(rows) + "\n", encoding="utf-8-sig")
    addresses, with_address = write_best_for(tmp_path / "best.csv", _brussels_city_sectors(real))
    workbook = write_places_workbook(tmp_path / "b-p-aantal-plaatsen_12.xlsx")
    config = {
        "inputs": {
            "sectors": str(real / D_SECTORS),
            "municipality": "Bruxelles",
            "population": str(real / D_POP),
            "age_bands": str(ages),
            "addresses": str(addresses),
            "published_places": str(workbook),
            "areas": str(real / D_AREAS),
            "services": [{"path": str(real / D_CHILDCARE)}],
        },
        "analysis": {"origins": "addresses", "kinds": ["childcare_baby"]},
        "outputs": {"dir": str(tmp_path / "out")},
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        analysis = bg.run_config(config, quiet=True)
    sectors = analysis.sectors
    # children from the municipal ages: 3/100 of each sector's residents are 0-2
    some = sectors.index[sectors["population"] > 0][0]
    assert sectors.loc[some, "children_0_2"] == pytest.approx(
        0.03 * sectors.loc[some, "population"]
    )
    # origins on the three addresses; the other sectors on the grid
    placed = analysis.origins.groupby("sector_id")["placement"].first()
    assert (placed.reindex(with_address) == "address").all()
    assert (placed.drop(with_address) != "address").all()
    assert any("zonder adres" in n for n in analysis.notes)
    # published against found: Brussel 1050 places in 38 locations in 2023
    table = analysis.tables["published_vs_found"]
    row = table.loc["21004"]
    assert row["places_published"] == 1050 and row["locations_published"] == 38
    assert row["year_published"] == 2023
    assert row["locations_found"] > 0 and pd.isna(row["places_found"])  # no places in the file
    assert any("Merelbeke-Melle" in n for n in analysis.notes), "\n".join(analysis.notes)
    # places by language: the ONE (fr) and K&G (nl) locations of the city
    langs = analysis.tables["places_by_language"]
    assert set(langs["language"]) == {"fr", "nl"}
    out = tmp_path / "out"
    csv = pd.read_csv(out / "indicators.csv", sep=";", decimal=",")
    assert set(csv["children_estimated"]) == {"ja"}
    assert "sector_name_fr" in csv.columns and "municipality_name_fr" in csv.columns
    legend = pd.read_csv(out / "legenda.csv", sep=";")
    meaning = legend.set_index("kolom").loc["children_0_2", "uitleg"]
    assert "geschat" in meaning and "TF_SOC_POP_STRUCT_2019.txt" in meaning
    assert (out / "published_vs_found.csv").is_file() and (out / "places_by_language.csv").is_file()
    sheets = list((out / "buurtfiches").glob("*.html"))
    sheet = next(p for p in sheets if p.name != "index.html").read_text(encoding="utf-8")
    assert "(geschat)" in sheet and "aandeel 0-2-jarigen" in sheet
    assert "(geschat)" in (out / "map.html").read_text(encoding="utf-8")
    gpkg = gpd.read_file(out / "indicators.gpkg", layer="sectors")
    assert gpkg["children_estimated"].all()


@pytest.mark.realdata
def test_population_of_another_vintage_just_works(real, tmp_path):
    """Gent's 2025 sectors with the 2019 population: moved by code family, with a note."""
    services = tmp_path / "speeltuinen.csv"
    pd.DataFrame(
        {
            "Naam": ["Speeltuin Kouter", "Speeltuin Citadelpark"],
            "Type voorziening": ["Speeltuin"] * 2,
            "X": ["104800", "104500"],
            "Y": ["193800", "192200"],
        }
    ).to_csv(services, sep=";", index=False)
    config = {
        "inputs": {
            "sectors": str(real / "gent_sectors_wijken" / "gent-sectors.geojson"),
            "population": str(real / D_POP),
            "services": [{"path": str(services)}],
        },
        "analysis": {"origins": "point", "age_bands": {"playground": ["population"]}},
        "areas": {"n_areas": 4, "target_column": "population"},
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        analysis = bg.run_config(config, write=False, quiet=True)
    line = next(n for n in analysis.notes if n.startswith("population: sector vintages"))
    assert "93 codes passed through" in line and "104 sectors redistributed" in line
    assert (analysis.sectors["population"] > 0).sum() > 240  # not only the 93 equal codes
    assert analysis.sectors["population"].sum() == pytest.approx(251766, abs=50)


def test_config_keys(tmp_path):
    from buurtgeo.config import parse_config
    from buurtgeo.errors import ConfigError

    for name in ("s.gpkg", "p.xlsx", "a.csv", "w1.xlsx", "w2.xlsx", "svc.csv"):
        (tmp_path / name).write_text("x")
    base = {"sectors": "s.gpkg", "population": "p.xlsx", "services": [{"path": "svc.csv"}]}
    cfg = parse_config(
        {
            "inputs": {**base, "addresses": "a.csv", "published_places": ["w1.xlsx", "w2.xlsx"]},
            "analysis": {"origins": "addresses", "demand_across_border": False},
        },
        base_dir=tmp_path,
    )
    assert cfg.addresses == tmp_path / "a.csv" and len(cfg.published_places) == 2
    assert cfg.origins == "addresses" and cfg.demand_across_border is False
    assert parse_config({"inputs": base}, base_dir=tmp_path).demand_across_border is True
    with pytest.raises(ConfigError, match="needs inputs.addresses"):
        parse_config({"inputs": base, "analysis": {"origins": "addresses"}}, base_dir=tmp_path)
    with pytest.raises(ConfigError, match="demand_across_border must be true or false"):
        parse_config(
            {"inputs": base, "analysis": {"demand_across_border": "ja"}}, base_dir=tmp_path
        )
