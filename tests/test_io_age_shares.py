"""Children per sector from Statbel's municipal single-year ages (TF_SOC_POP_STRUCT)."""

from __future__ import annotations

import pandas as pd
import pytest

import buurtgeo as bg
from buurtgeo.errors import InputError

HEADER = (
    "CD_REFNIS|TX_DESCR_NL|TX_DESCR_FR|CD_DSTR_REFNIS|TX_ADM_DSTR_DESCR_NL|TX_ADM_DSTR_DESCR_FR|"
    "CD_PROV_REFNIS|TX_PROV_DESCR_NL|TX_PROV_DESCR_FR|CD_RGN_REFNIS|TX_RGN_DESCR_NL|"
    "TX_RGN_DESCR_FR|CD_SEX|CD_NATLTY|TX_NATLTY_NL|TX_NATLTY_FR|CD_CIV_STS|TX_CIV_STS_NL|"
    "TX_CIV_STS_FR|CD_AGE|MS_POPULATION"
)


def _row(nis, name, sex, nat, civ, age, n):
    return (
        f"{nis}|{name}|{name}|21000|Arr. Brussel|Arr. Bruxelles| | | |04000|Brussels|Bruxelles|"
        f"{sex}|{nat}|{'Belgen' if nat == 'BE' else 'niet-Belgen'}|x|{civ}|Ongehuwd|Célibataire|"
        f"{age}|{n}"
    )


def write_pop_struct(path, *, bad_rows=True, encoding="utf-8-sig"):
    """Two municipalities; 21004: ages 1 (10+5 over sex/nationality), 4 (20), 8 (30),
    40 (35) = 100 residents; 21009: age 0 (10), 50 (90) = 100 residents."""
    rows = [
        _row(21004, "Brussel", "M", "BE", 1, 1, 10),
        _row(21004, "Brussel", "F", "ETR", 1, 1, 5),
        _row(21004, "Brussel", "F", "BE", 1, 4, 20),
        _row(21004, "Brussel", "M", "BE", 1, 8, 30),
        _row(21004, "Brussel", "M", "BE", 2, 40, 35),
        _row(21009, "Elsene", "F", "BE", 1, 0, 10),
        _row(21009, "Elsene", "M", "ETR", 2, 50, 90),
    ]
    if bad_rows:
        rows += [
            _row(21009, "Elsene", "M", "BE", 1, "x", 3),  # age not a number
            _row(21009, "Elsene", "M", "BE", 1, 7, ""),  # count missing
        ]
    path.write_text(HEADER + "\n" + "\n".join(rows) + "\n", encoding=encoding)
    return path


def _population(codes_totals):
    out = pd.DataFrame(
        {"population": [t for _, t in codes_totals]},
        index=pd.Index([c for c, _ in codes_totals], name="sector_id"),
    )
    return out


def test_municipal_shares_times_sector_totals(tmp_path):
    path = write_pop_struct(tmp_path / "TF_SOC_POP_STRUCT_2019.txt")
    pop = _population([("21004A00-", 200), ("21004A01-", 50), ("21009A00-", 40), ("44021A00-", 9)])
    bands = bg.read_age_bands(path, population=pop)
    # 21004: 0-2 = 15/100, 3-5 = 20/100, 6-11 = 30/100, 0-17 = 65/100
    assert bands.loc["21004A00-", "children_0_2"] == pytest.approx(200 * 0.15)
    assert bands.loc["21004A00-", "children_3_5"] == pytest.approx(200 * 0.20)
    assert bands.loc["21004A01-", "children_6_11"] == pytest.approx(50 * 0.30)
    assert bands.loc["21004A01-", "children_0_17"] == pytest.approx(50 * 0.65)
    # 21009: the two bad rows are set aside, the shares use the good rows only: 10/100
    assert bands.loc["21009A00-", "children_0_2"] == pytest.approx(40 * 0.10)
    assert bands.loc["21009A00-", "children_6_11"] == 0.0
    # a sector whose municipality is not in the table: no estimate, listed
    assert "44021A00-" not in bands.index
    assert bands.attrs["sectors_without_municipality"] == ["44021A00-"]
    # every band estimated, and how
    assert bands.attrs["estimated"] == list(bg.schema.AGE_BANDS)
    assert (
        "aandeel 0-2-jarigen in de gemeente"
        in bands.attrs["estimate_methods"]["children_0_2"]["nl"]
    )
    assert "TF_SOC_POP_STRUCT_2019.txt" in bands.attrs["estimate_methods"]["children_0_2"]["en"]
    # row accounting over the age rows
    aside = bands.attrs["set_aside"]
    assert bands.attrs["rows_in"] == 9
    assert bands.attrs["rows_used"] + len(aside) == 9
    assert sorted(aside["reason"]) == ["age is not a number of years", "count is missing"]
    assert bands.attrs["layout"] == "municipal_ages_share"


def test_cp1252_and_old_column_names(tmp_path):
    path = write_pop_struct(
        tmp_path / "TF_SOC_POP_STRUCT_2017.txt", bad_rows=False, encoding="cp1252"
    )
    text = path.read_text(encoding="cp1252").replace(
        "CD_REFNIS|TX_DESCR_NL", "CD_MUNTY_REFNIS|TX_MUNTY_DESCR_NL", 1
    )
    path.write_text(text, encoding="cp1252")
    bands = bg.read_age_bands(path, population=_population([("21009A00-", 100)]))
    assert bands.loc["21009A00-", "children_0_2"] == pytest.approx(10.0)


def test_population_is_needed(tmp_path):
    path = write_pop_struct(tmp_path / "TF_SOC_POP_STRUCT_2019.txt")
    with pytest.raises(InputError, match="population per sector is needed"):
        bg.read_age_bands(path)


def test_join_keeps_the_methods(tmp_path):
    import geopandas as gpd
    import shapely

    path = write_pop_struct(tmp_path / "TF_SOC_POP_STRUCT_2019.txt")
    pop = _population([("21004A00-", 200)])
    sectors = gpd.GeoDataFrame(
        {"municipality_nis": ["21004"]},
        geometry=[shapely.box(0, 0, 100, 100)],
        index=pd.Index(["21004A00-"], name="sector_id"),
        crs="EPSG:3812",
    )
    joined = bg.join_population(sectors, pop, age_bands=bg.read_age_bands(path, population=pop))
    assert joined.attrs["estimated"] == list(bg.schema.AGE_BANDS)
    assert set(joined.attrs["estimate_methods"]) == set(bg.schema.AGE_BANDS)


def test_share_estimate_says_how_each_band_was_made(real):
    bands = bg.read_age_bands(
        real / "brussels_quartiers_ibsa" / "ACP_BXL_sectors.xls",
        share_column="PAG0015",
        total_column="POP_2018",
    )
    methods = bands.attrs["estimate_methods"]
    # 0-2 and 3-5 are the same number (3/16 each): the method says why
    assert (bands["children_0_2"] == bands["children_3_5"]).all()
    assert "3/16" in methods["children_0_2"]["nl"] and "3/16" in methods["children_3_5"]["nl"]
    assert "as many children in each year of age" in methods["children_3_5"]["en"]
    assert "18/16" in methods["children_0_17"]["en"]
