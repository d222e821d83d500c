"""Tests of read_population, read_age_bands and join_population."""

from __future__ import annotations

import datetime as dt
import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

import buurtgeo as bg
from buurtgeo.errors import InputError, MissingColumnError

POP_2019 = "statbel_population_sectors_2019/OPEN DATA_SECTOREN_2019.xlsx"
BXL = "statbel_sectors_brussels_2020/statistical_sectors_brussels_region.gpkg"

ACTIVE = dt.datetime(9999, 12, 31)
START = dt.datetime(1981, 3, 1)


def _quiet(func, *args, **kwargs):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = func(*args, **kwargs)
    return out, [str(w.message) for w in caught]


def _statbel_2019_rows():
    """Seven rows in the 2019 layout; the expected outcome is worked out by hand below."""
    return pd.DataFrame(
        {
            "CD_REFNIS": [21004, 21004, 21004, 21004, 21004, 21004, 21001],
            "CD_SECTOR": [
                "21004A00-",  # kept: 120
                "21004A011",  # kept: 0
                "21004ZZZZ",  # unknown sector
                "21004A02-",  # stopped 2018-12-31 < 2019-01-01
                "21004A03-",  # count not a number
                "21004A04-",  # negative count
                "21001A00-",  # kept: 35
            ],
            "POPULATION": [120, 0, 7, 50, "twaalf", -3, 35],
            "DT_STRT_SECTOR": [START] * 7,
            "DT_STOP_SECTOR": [
                ACTIVE,
                ACTIVE,
                ACTIVE,
                dt.datetime(2018, 12, 31),
                ACTIVE,
                ACTIVE,
                ACTIVE,
            ],
            "OPPERVLAKKTE IN HM²": [1.5] * 7,
            "TX_DESCR_SECTOR_NL": ["A", "B", "ONBEKEND", "C", "D", "E", "F"],
            "TX_DESCR_SECTOR_FR": ["A", "B", "INCONNU", "C", "D", "E", "F"],
            "TX_DESCR_NL": ["Brussel"] * 6 + ["Anderlecht"],
            "TX_DESCR_FR": ["Bruxelles"] * 6 + ["Anderlecht"],
        }
    )


EXPECTED_2019 = {"21004A00-": 120, "21004A011": 0, "21001A00-": 35}
EXPECTED_ASIDE_2019 = {
    4: "unknown sector (code ends in ZZZZ: residents whose sector is not known)",
    5: "sector no longer active on 2019-01-01 (DT_STOP_SECTOR 2018-12-31)",
    6: "population is not a number",
    7: "population is negative",
}


def test_statbel_2019_xlsx(tmp_path):
    path = tmp_path / "OPEN DATA_SECTOREN_2019.xlsx"
    _statbel_2019_rows().to_excel(path, sheet_name="Blad1", index=False)
    out = bg.read_population(path)
    assert out.index.name == "sector_id"
    assert out["population"].to_dict() == EXPECTED_2019
    assert out["population"].dtype == "int64"
    aside = out.attrs["set_aside"]
    assert dict(zip(aside["row"], aside["reason"], strict=True)) == EXPECTED_ASIDE_2019
    assert aside.set_index("row").loc[6, "column"] == "POPULATION"
    assert len(out) + len(aside) == out.attrs["rows_in"] == 7
    assert out.attrs["reference_date"] == "2019-01-01"
    bg.validate_population(out)


def test_year_argument_overrides_the_file_name(tmp_path):
    path = tmp_path / "population.xlsx"
    _statbel_2019_rows().to_excel(path, index=False)
    # 2018-01-01: the sector that stopped on 2018-12-31 was still active
    out = bg.read_population(path, year=2018)
    assert out.loc["21004A02-", "population"] == 50
    # no year anywhere: no date check, with a warning
    out2, messages = _quiet(bg.read_population, path)
    assert "21004A02-" in out2.index
    assert any("reference date" in m for m in messages)


def test_statbel_2022_txt_pipe_utf8_bom(tmp_path):
    """OPENDATA_SECTOREN_2022.txt: '|'-separated, UTF-8 with BOM, count column TOTAL."""
    lines = [
        "CD_REFNIS|CD_SECTOR|TOTAL|DT_STRT_SECTOR|DT_STOP_SECTOR|OPPERVLAKTE IN HM²"
        "|TX_DESCR_SECTOR_NL|TX_DESCR_SECTOR_FR|TX_DESCR_NL|TX_DESCR_FR",
        "44021|44021A00-|1234|01/01/1981|31/12/9999|12,5|KOUTER|KOUTER|Gent|Gand",
        "44021|44021A01-|56|01/01/1981|31/12/2021|3,1|ZUID|SUD|Gent|Gand",
        "44021|44021ZZZZ|9|01/01/1981|31/12/9999|0|NIET TE LOKALISEREN|NON LOCALISABLE|Gent|Gand",
        "11002|11002A00-|2.345|01/01/1981|31/12/9999|7,2|CENTRUM|CENTRE|Antwerpen|Anvers",
    ]
    path = tmp_path / "OPENDATA_SECTOREN_2022.txt"
    path.write_bytes(b"\xef\xbb\xbf" + "\r\n".join(lines).encode("utf-8"))
    out = bg.read_population(path)
    # a head count "2.345" is 2345 (Belgian thousands dot), not 2.345 persons
    assert out["population"].to_dict() == {"44021A00-": 1234, "11002A00-": 2345}
    aside = out.attrs["set_aside"].set_index("row")["reason"].to_dict()
    assert aside == {
        3: "sector no longer active on 2022-01-01 (DT_STOP_SECTOR 31/12/2021)",
        4: "unknown sector (code ends in ZZZZ: residents whose sector is not known)",
    }
    assert out.attrs["columns"]["population"] == "TOTAL"


def test_cp1252_semicolon_txt(tmp_path):
    text = "CD_SECTOR;POPULATION;TX_DESCR_SECTOR_FR\n21004A00-;10;Théâtre\n21004A011;20;Gare\n"
    path = tmp_path / "pop.csv"
    path.write_bytes(text.encode("cp1252"))
    out = bg.read_population(path)
    assert out["population"].to_dict() == {"21004A00-": 10, "21004A011": 20}


def test_bimd_2011_tsv(tmp_path):
    path = tmp_path / "population_2011"
    path.write_text('"CD_RES_SECTOR"\t"POPULATION"\n"11001A00-"\t2477\n"11001A01-"\t2805\n')
    out = bg.read_population(path)
    assert out["population"].to_dict() == {"11001A00-": 2477, "11001A01-": 2805}


def test_healthiar_gpkg(tmp_path):
    gdf = gpd.GeoDataFrame(
        {"SECTOR": ["21001A00-", "21001A011"], "MUNICIP": ["21001", "21001"], "POP": [2796, 3183]},
        geometry=[shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1)],
        crs=31370,
    )
    path = tmp_path / "sector_brussels.gpkg"
    gdf.to_file(path)
    out = bg.read_population(path)
    assert out["population"].to_dict() == {"21001A00-": 2796, "21001A011": 3183}
    assert out.attrs["rows_in"] == 2


def test_duplicates_bad_codes_and_fractions(tmp_path):
    frame = pd.DataFrame(
        {
            "cd_sector": ["21004A00-", "21004A00-", "garbage", None, "21004A011"],
            "population": ["10", "11", "5", "4", "2,5"],
        }
    )
    path = tmp_path / "p.csv"
    frame.to_csv(path, sep=";", index=False)
    out = bg.read_population(path)
    assert out["population"].to_dict() == {"21004A00-": 10}
    aside = out.attrs["set_aside"].set_index("row")["reason"].to_dict()
    assert aside == {
        3: "duplicate sector id 21004A00- (first at row 2)",
        4: "not a 9-character Statbel sector code (NIS5 + 4 characters)",
        5: "sector code is missing",
        6: "population is not a whole number",
    }


def test_missing_columns_are_named(tmp_path):
    path = tmp_path / "p.csv"
    path.write_text("code;inw\n21004A00-;3\n")
    with pytest.raises(MissingColumnError, match="'code', 'inw'"):
        bg.read_population(path)
    out = bg.read_population(path, columns={"sector_id": "code", "population": "inw"})
    assert out["population"].to_dict() == {"21004A00-": 3}
    with pytest.raises(InputError, match="not in the file"):
        bg.read_population(path, columns={"sector_id": "nope"})


def test_population_with_band_columns(tmp_path):
    path = tmp_path / "p.csv"
    path.write_text(
        "CD_SECTOR;POPULATION;0-2 jaar;3-5;children_6_11;0-17\n21004A00-;100;3;4;9;20\n"
    )
    out = bg.read_population(path)
    assert out.loc["21004A00-"].to_dict() == {
        "population": 100,
        "children_0_2": 3.0,
        "children_3_5": 4.0,
        "children_6_11": 9.0,
        "children_0_17": 20.0,
    }


def _long_table():
    # sector A: ages 0, 2, 3, 11, 17, 18 (two sexes for age 0); sector B: '95+' and 5
    return pd.DataFrame(
        {
            "CD_SECTOR": ["21004A00-"] * 7 + ["21004A011"] * 2,
            "CD_SEX": ["M", "F", "M", "M", "F", "M", "F", "F", "M"],
            "CD_AGE": ["0", "0", "2", "3", "11", "17", "18", "95+", "5"],
            "MS_POPULATION": [1, 2, 4, 8, 16, 32, 64, 128, 256],
        }
    )


# hand sums: A: 0-2 = 1+2+4 = 7; 3-5 = 8; 6-11 = 16; 0-17 = 7+8+16+32 = 63; 12-17 = 32;
#               total 127
#            B: 0-2 = 0; 3-5 = 256; 6-11 = 0; 0-17 = 256; 12-17 = 0; total 384
LONG_EXPECTED = {
    "21004A00-": {
        "children_0_2": 7,
        "children_3_5": 8,
        "children_6_11": 16,
        "children_0_17": 63,
        "children_12_17": 32,
    },
    "21004A011": {
        "children_0_2": 0,
        "children_3_5": 256,
        "children_6_11": 0,
        "children_0_17": 256,
        "children_12_17": 0,
    },
}


def test_read_age_bands_single_year_ages(tmp_path):
    path = tmp_path / "ages.csv"
    table = _long_table()
    table.loc[len(table)] = ["21004A011", "M", "onbekend", 5]  # set aside
    table.to_csv(path, sep=";", index=False)
    out = bg.read_age_bands(path)
    assert out.to_dict(orient="index") == LONG_EXPECTED
    assert out.attrs["layout"] == "single_year_ages" and out.attrs["estimated"] == []
    assert out.attrs["set_aside"]["reason"].tolist() == ["age is not a number of years"]
    assert out.attrs["rows_used"] + len(out.attrs["set_aside"]) == out.attrs["rows_in"] == 10


def test_read_population_long_table_gives_totals_and_bands(tmp_path):
    path = tmp_path / "ages.csv"
    _long_table().to_csv(path, sep=";", index=False)
    out = bg.read_population(path)
    assert out["population"].to_dict() == {"21004A00-": 127, "21004A011": 384}
    assert out.loc["21004A00-", "children_0_17"] == 63


def test_read_age_bands_band_columns(tmp_path):
    path = tmp_path / "bands.xlsx"
    pd.DataFrame(
        {"sector_id": ["21004A00-", "21004A011"], "children_0_2": [5, 6], "children_3_5": [1, "x"]}
    ).to_excel(path, index=False)
    out = bg.read_age_bands(path)
    assert out.to_dict(orient="index") == {"21004A00-": {"children_0_2": 5.0, "children_3_5": 1.0}}
    assert out.attrs["set_aside"]["reason"].tolist() == ["children_3_5 is not a number"]


def test_read_age_bands_from_five_year_groups(tmp_path):
    """[0-4]=50, [5-9]=100, [10-14]=25, [15-19]=10, spread evenly over each group's years."""
    path = tmp_path / "groups.csv"
    path.write_text("CD_SECTOR;0-4;5-9;10-14;15-19;20+\n21004A00-;50;100;25;10;999\n")
    out = bg.read_age_bands(path)
    assert out.loc["21004A00-"].to_dict() == pytest.approx(
        {
            "children_0_2": 30.0,  # 3/5 x 50
            "children_3_5": 40.0,  # 2/5 x 50 + 1/5 x 100
            "children_6_11": 90.0,  # 4/5 x 100 + 2/5 x 25
            "children_0_17": 181.0,  # 50 + 100 + 25 + 3/5 x 10
            "children_12_17": 21.0,  # 3/5 x 25 + 3/5 x 10
        }
    )
    assert out.attrs["estimated"] == list(bg.AGE_BANDS)


def test_kind_en_gezin_groups_are_exact(tmp_path):
    path = tmp_path / "groups.csv"
    path.write_text("CD_SECTOR;0-2 jaar;3-5 jaar;6-11 jaar;12-17 jaar\n21004A00-;1;2;4;8\n")
    out = bg.read_age_bands(path)
    assert out.loc["21004A00-"].to_dict() == {
        "children_0_2": 1.0,
        "children_3_5": 2.0,
        "children_6_11": 4.0,
        "children_0_17": 15.0,  # 1 + 2 + 4 + 8
        "children_12_17": 8.0,  # its own column
    }
    assert out.attrs["estimated"] == []


def test_read_age_bands_share_estimate(tmp_path):
    """1600 residents, 16 % aged 0-15 → 256 children 0-15 → 16 per year of age."""
    path = tmp_path / "acp.csv"
    path.write_text(
        "SS;POP_2018;PAG0015\n"
        "21004A00-;1600;16\n"
        "21004A011;0;\n"  # no residents, share left empty: 0 children
        "21004A02-;500;-999\n"  # missing-value code
        "21004A03-;50;\n"  # residents but no share: cannot estimate
    )
    out = bg.read_age_bands(path, share_column="PAG0015", total_column="POP_2018")
    assert out.loc["21004A00-"].to_dict() == {
        "children_0_2": 48.0,  # 3 years x 16
        "children_3_5": 48.0,
        "children_6_11": 96.0,  # 6 years x 16
        "children_0_17": 288.0,  # 18 years x 16 (extrapolated)
        "children_12_17": 96.0,  # 6 years x 16 (extrapolated beyond 15)
    }
    assert out.loc["21004A011"].tolist() == [0.0, 0.0, 0.0, 0.0, 0.0]
    assert out.attrs["estimated"] == list(bg.AGE_BANDS)
    assert out.attrs["layout"] == "share_estimate"
    aside = out.attrs["set_aside"].set_index("row")["reason"].to_dict()
    assert aside == {4: "no value (missing-value code -999.0)", 5: "share is missing"}


def test_read_age_bands_share_as_fraction_and_argument_checks(tmp_path):
    path = tmp_path / "acp.csv"
    path.write_text("SS;POP;P\n21004A00-;1600;0,16\n")
    out = bg.read_age_bands(path, share_column="P", total_column="POP")
    assert out.loc["21004A00-", "children_0_2"] == pytest.approx(48.0)
    with pytest.raises(InputError, match="go together"):
        bg.read_age_bands(path, share_column="P")
    with pytest.raises(InputError, match="no age-band columns"):
        bg.read_age_bands(path)


def _sectors(codes):
    geoms = [
        shapely.box(600_000 + i * 10, 650_000, 600_010 + i * 10, 650_010) for i in range(len(codes))
    ]
    return gpd.GeoDataFrame(
        {"municipality_nis": [c[:5] for c in codes]},
        geometry=geoms,
        index=pd.Index(codes, name="sector_id"),
        crs=3812,
    )


def test_join_population_reports_both_sides():
    sectors = _sectors(["21004A00-", "21004A011", "21004A02-"])
    sectors.attrs["vintage"] = "test"
    pop = pd.DataFrame(
        {"population": [10, 20, 30, 40]},
        index=pd.Index(["21004A00-", "21004A011", "21004A99-", "11002A00-"], name="sector_id"),
    )
    out, messages = _quiet(bg.join_population, sectors, pop)
    assert out.index.tolist() == sectors.index.tolist()
    assert out["population"].tolist()[:2] == [10, 20]
    assert pd.isna(out.loc["21004A02-", "population"])
    assert out.attrs["vintage"] == "test"
    unmatched = out.attrs["unmatched"]
    assert sorted(map(tuple, unmatched.to_numpy().tolist())) == [
        ("21004A02-", "sectors", "no population"),
        ("21004A99-", "population", "no sector"),
    ]
    # 11002A00- (Antwerpen) is outside the sectors' municipalities: counted, not listed
    assert out.attrs["outside_sectors"] == {"population": 1}
    assert any("1 sector(s) with no population" in m for m in messages)


def test_join_population_with_age_bands_and_validation():
    sectors = _sectors(["21004A00-", "21004A011"])
    pop = pd.DataFrame(
        {"population": [10, 20], "children_0_2": [1.0, 2.0]},
        index=pd.Index(["21004A00-", "21004A011"], name="sector_id"),
    )
    bands = pd.DataFrame(
        {"children_0_2": [3.0], "children_3_5": [4.0]},
        index=pd.Index(["21004A00-"], name="sector_id"),
    )
    bands.attrs["estimated"] = ["children_3_5"]
    out, messages = _quiet(bg.join_population, sectors, pop, age_bands=bands)
    assert out.attrs["estimated"] == ["children_3_5"]
    assert out.loc["21004A00-", "children_0_2"] == 3.0
    assert np.isnan(out.loc["21004A011", "children_3_5"])
    assert any("using age_bands" in m for m in messages)
    assert ("21004A011", "sectors", "no age bands") in map(
        tuple, out.attrs["unmatched"].to_numpy().tolist()
    )
    bad = pop.reset_index()
    with pytest.raises(InputError, match="indexed by 'sector_id'"):
        bg.join_population(sectors, bad)


# ---------------------------------------------------------------------------- real data


@pytest.fixture(scope="module")
def pop2019(real):
    return bg.read_population(real / POP_2019)


@pytest.mark.realdata
@pytest.mark.slow
def test_real_population_2019_accounting(pop2019):
    aside = pop2019.attrs["set_aside"]
    assert pop2019.attrs["rows_in"] == 20_382
    assert len(pop2019) + len(aside) == 20_382
    assert pop2019.index.is_unique
    reasons = aside["reason"].value_counts()
    # counted in the file: 589 codes ending in ZZZZ, 12 sectors stopped on 2018-12-31
    assert reasons["unknown sector (code ends in ZZZZ: residents whose sector is not known)"] == 589
    assert reasons["sector no longer active on 2019-01-01 (DT_STOP_SECTOR 2018-12-31)"] == 12
    assert len(aside) == 601
    # nothing lost: used + set aside = Belgium's 11,431,406 residents (PROVENANCE.md)
    total = pop2019["population"].sum() + aside["POPULATION"].astype(int).sum()
    assert total == 11_431_406


@pytest.mark.realdata
@pytest.mark.slow
def test_real_join_brussels(real, pop2019):
    sectors = bg.read_sectors(real / BXL)
    out = bg.join_population(sectors, pop2019)
    assert out["population"].notna().sum() == 724
    assert len(out.attrs["unmatched"]) == 0
    # Brussels-Capital Region on 1 Jan 2019: 1,208,542 residents (Statbel); the rest of
    # them are in the 19 municipalities' ZZZZ rows
    aside = pop2019.attrs["set_aside"]
    unknown = aside[aside["CD_SECTOR"].str.startswith("21")]["POPULATION"].astype(int).sum()
    assert out["population"].sum() + unknown == 1_208_542


@pytest.mark.realdata
def test_real_bimd_2011_and_healthiar(real):
    bimd = bg.read_population(real / "bimd_2011/population_2011.tsv")
    assert len(bimd) + len(bimd.attrs["set_aside"]) == 18_764
    assert bimd.index.str.len().max() == 9
    # 2011 codes on the 2020 Brussels sectors: 675 of 724 match (PROVENANCE.md); the
    # other 49 sectors are reported, not dropped
    joined, messages = _quiet(bg.join_population, bg.read_sectors(real / BXL), bimd)
    assert len(joined) == 724
    assert joined["population"].notna().sum() == 675
    unmatched = joined.attrs["unmatched"]
    assert (unmatched["problem"] == "no population").sum() == 49
    assert any("49 sector(s) with no population" in m for m in messages)
    healthiar = bg.read_population(
        real / "statbel_sectors_brussels_2020/sector_brussels_pop2020.gpkg"
    )
    assert len(healthiar) == 724
    assert healthiar["population"].sum() == 1_215_012  # PROVENANCE.md


@pytest.mark.realdata
def test_real_brussels_children_estimate(real):
    path = real / "brussels_quartiers_ibsa/ACP_BXL_sectors.xls"
    bands = bg.read_age_bands(path, share_column="PAG0015", total_column="POP_2018")
    assert len(bands) + len(bands.attrs["set_aside"]) == 724
    assert bands.attrs["estimated"] == list(bg.AGE_BANDS)
    raw = pd.read_excel(path, sheet_name="Feuil1", engine="xlrd").set_index("SS")
    first = bands.index[0]
    expected = raw.loc[first, "POP_2018"] * raw.loc[first, "PAG0015"] / 100 * 3 / 16
    assert bands.loc[first, "children_0_2"] == pytest.approx(expected)


def test_zipped_statbel_txt(tmp_path):
    """Statbel ships OPENDATA_SECTOREN_2022 as a zip holding one '|'-separated txt."""
    import zipfile

    text = "CD_REFNIS|CD_SECTOR|TOTAL|DT_STOP_SECTOR\n44021|44021A00-|1234|31/12/9999\n44021|44021A01-|x|31/12/9999\n"
    path = tmp_path / "OPENDATA_SECTOREN_2022.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("OPENDATA_SECTOREN_2022.txt", text.encode("utf-8"))
    out = bg.read_population(path)
    assert out["population"].to_dict() == {"44021A00-": 1234}
    assert out.attrs["reference_date"] == "2022-01-01"
    aside = out.attrs["set_aside"]
    assert aside["source"].iloc[0] == f"{path}!OPENDATA_SECTOREN_2022.txt"
    assert aside["row"].tolist() == [3]
    two = tmp_path / "two.zip"
    with zipfile.ZipFile(two, "w") as archive:
        archive.writestr("a.txt", text)
        archive.writestr("b.txt", text)
    with pytest.raises(InputError, match="several tables"):
        bg.read_population(two)


def test_year_column_selects_rows_and_keeps_file_row_numbers(tmp_path):
    path = tmp_path / "pop.csv"
    path.write_text(
        "CD_YEAR;CD_SECTOR;MS_POPULATION\n"
        "2022;21004A00-;5\n"
        "2023;21004A00-;6\n"
        "2023;21004A011;-1\n"
        "2022;21004A011;7\n"
    )
    out = bg.read_population(path, year=2023)
    assert out["population"].to_dict() == {"21004A00-": 6}
    aside = out.attrs["set_aside"]
    assert aside["row"].tolist() == [4] and aside["reason"].tolist() == ["population is negative"]
    assert out.attrs["rows_in"] == 2  # the rows of 2023
    latest, messages = _quiet(bg.read_population, path)
    assert latest["population"].to_dict() == {"21004A00-": 6}
    assert any("holds 2 years; reading 2023" in m for m in messages)
    with pytest.raises(InputError, match="no rows for year 2021"):
        bg.read_population(path, year=2021)


def test_codes_survive_csv_and_xlsx(tmp_path):
    """Property: any 9-character sector code (digits, letters, trailing '-') comes back
    unchanged, leading zeros and dashes included, from CSV and from Excel."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    alnum = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXY"
    code = st.builds(
        lambda nis, mid, last: nis + mid + last,
        st.text("0123456789", min_size=5, max_size=5),
        st.text(alnum, min_size=3, max_size=3),
        st.sampled_from(list(alnum) + ["-"]),
    ).filter(lambda c: not c.endswith("ZZZZ"))

    @settings(max_examples=12, deadline=None)
    @given(st.lists(code, min_size=1, max_size=6, unique=True))
    def check(codes):
        frame = pd.DataFrame({"CD_SECTOR": codes, "POPULATION": range(len(codes))})
        csv = tmp_path / "p.csv"
        frame.to_csv(csv, sep=";", index=False)
        assert bg.read_population(csv).index.tolist() == codes
        xlsx = tmp_path / "p.xlsx"
        frame.to_excel(xlsx, index=False)
        assert bg.read_population(xlsx).index.tolist() == codes

    check()


def test_stop_dates_in_every_written_form():
    from buurtgeo.io.population import _parse_dates

    # Excel serials count days from 1899-12-30: 43466 is 2019-01-01, 2958465 is 9999-12-31
    values = pd.Series(
        ["2958465", "43466", "20190101", "9999-12-31 00:00:00", "31/12/2018", None, "x"],
        dtype="str",
    )
    got = _parse_dates(values).tolist()
    assert got[:5] == [99991231, 20190101, 20190101, 99991231, 20181231]
    assert np.isnan(got[5]) and np.isnan(got[6])
