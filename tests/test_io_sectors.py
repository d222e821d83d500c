"""Tests of read_sectors: every vintage's naming, every format and CRS, codes, selection."""

from __future__ import annotations

import warnings
import zipfile

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

import buurtgeo as bg
from buurtgeo.errors import InputError, MissingColumnError
from buurtgeo.io.sectors import (
    STATBEL_SECTOR_COLUMNS_2020,
    STATBEL_SECTOR_COLUMNS_2023,
    normalize_nis,
    normalize_sector_codes,
)

BXL = "statbel_sectors_brussels_2020/statistical_sectors_brussels_region.gpkg"

# Three 100 m x 100 m squares near the Grand-Place, Lambert 72 (hand-placed).
X0, Y0 = 149_000.0, 170_000.0
CODES = ["21004A00-", "21004A011", "21001A02-"]


def _squares(n=3, crs="EPSG:31370", origin=(X0, Y0)):
    x0, y0 = origin
    return [shapely.box(x0 + i * 100, y0, x0 + (i + 1) * 100, y0 + 100) for i in range(n)], crs


def _frame(columns: dict, crs="EPSG:31370", geoms=None):
    squares, _ = _squares(len(next(iter(columns.values()))))
    return gpd.GeoDataFrame(columns, geometry=geoms or squares, crs=crs)


def _open_data_2023():
    """The three squares in the lower-case open-data layout, every published column."""
    values = {c: ["x"] * 3 for c in STATBEL_SECTOR_COLUMNS_2023}
    values.update(
        cd_sector=CODES,
        tx_sector_descr_nl=["GROTE MARKT", "STATION", "WAYEZ"],
        tx_sector_descr_fr=["GRAND-PLACE", "GARE", "WAYEZ"],
        cd_munty_refnis=["21004", "21004", "21001"],
        tx_munty_descr_nl=["Brussel", "Brussel", "Anderlecht"],
        tx_munty_descr_fr=["Bruxelles", "Bruxelles", "Anderlecht"],
        ms_area_ha=[1.0, 1.0, 1.0],
        ms_perimeter_m=[400.0, 400.0, 400.0],
        dt_situation=["2023-01-01"] * 3,
    )
    return _frame(values)


def _quiet(func, *args, **kwargs):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = func(*args, **kwargs)
    return out, [str(w.message) for w in caught]


def test_published_column_lists_are_complete():
    assert len(STATBEL_SECTOR_COLUMNS_2023) == 31
    assert STATBEL_SECTOR_COLUMNS_2023[0] == "cd_sector"
    assert {"tx_sector_descr_nl", "cd_munty_refnis", "ms_area_ha"} <= set(
        STATBEL_SECTOR_COLUMNS_2023
    )
    assert STATBEL_SECTOR_COLUMNS_2020[0] == "CS01012020"


def test_open_data_layout(tmp_path):
    path = tmp_path / "sh_statbel_statistical_sectors_31370_20230101.gpkg"
    _open_data_2023().to_file(path)
    out = bg.read_sectors(path)
    assert out.index.name == "sector_id"
    assert out.index.tolist() == CODES
    assert list(out.columns) == list(bg.schema.SECTOR_COLUMNS)
    assert out.loc["21004A00-", "sector_name_fr"] == "GRAND-PLACE"
    assert out.loc["21001A02-", "municipality_name_nl"] == "Anderlecht"
    assert out["area_m2"].tolist() == pytest.approx([10_000.0] * 3, rel=1e-3)
    assert out.crs.to_epsg() == 3812
    assert out.attrs["vintage"] == "statbel_open_data"
    assert out.attrs["rows_in"] == 3 and len(out.attrs["set_aside"]) == 0
    bg.validate_sectors(out)


def test_2020_shapefile_layout(tmp_path):
    values = {
        "CS01012020": CODES,
        "T_SEC_NL": ["GROTE MARKT", "STATION", "WAYEZ"],
        "T_SEC_FR": ["GRAND-PLACE", "GARE", "WAYEZ"],
        "CNIS5_2020": ["21004", "21004", "21001"],
        "T_MUN_NL": ["Brussel", "Brussel", "Anderlecht"],
        "T_MUN_FR": ["Bruxelles", "Bruxelles", "Anderlecht"],
        "M_AREA_HA": [1.0, 1.0, 1.0],
    }
    path = tmp_path / "sh_statbel_statistical_sectors_20200101.shp"
    _frame(values).to_file(path)
    out = bg.read_sectors(path)
    assert out.index.tolist() == CODES
    assert out["municipality_nis"].tolist() == ["21004", "21004", "21001"]
    assert out.attrs["vintage"] == "statbel_shapefile_2020"


def test_2011_upper_case_layout_with_numeric_nis(tmp_path):
    values = {
        "CD_SECTOR": CODES,
        "TX_SECTOR_DESCR_NL": ["GROTE MARKT", "STATION", "WAYEZ"],
        "TX_SECTOR_DESCR_FR": ["GRAND-PLACE", "GARE", "WAYEZ"],
        "CD_REFNIS": [21004, 21004, 21001],  # an integer column
        "TX_MUNTY_DESCR_NL": ["Brussel", "Brussel", "Anderlecht"],
        "TX_MUNTY_DESCR_FR": ["Bruxelles", "Bruxelles", "Anderlecht"],
    }
    path = tmp_path / "scbel01012011.geojson"
    _frame(values).to_file(path)
    out = bg.read_sectors(path)
    assert out["municipality_nis"].tolist() == ["21004", "21004", "21001"]
    assert out.attrs["vintage"] == "statbel_2011"
    assert out.loc["21004A011", "sector_name_nl"] == "STATION"


def test_codes_keep_every_character():
    raw = pd.Series([" 21004a00- ", "44021A04L", "110010001", None], dtype=object)
    assert normalize_sector_codes(raw).tolist()[:3] == ["21004A00-", "44021A04L", "110010001"]
    assert pd.isna(normalize_sector_codes(raw).iloc[3])
    assert normalize_sector_codes(pd.Series([110010001.0, 110010002.0])).tolist() == [
        "110010001",
        "110010002",
    ]
    assert normalize_nis(pd.Series([21004, 4000])).tolist() == ["21004", "04000"]
    assert normalize_nis(pd.Series([21004.0, np.nan])).tolist()[0] == "21004"


def test_numeric_looking_codes_in_geojson_are_kept_as_text(tmp_path):
    # codes written as text that look like numbers: nothing may be lost
    values = {
        "cd_sector": ["110010001", "11001000-", "11001A00-"],
        "tx_sector_descr_nl": list("abc"),
    }
    path = tmp_path / "numeric.geojson"
    _frame(values).to_file(path)
    out = bg.read_sectors(path)
    assert out.index.tolist() == ["110010001", "11001000-", "11001A00-"]
    assert out["municipality_nis"].tolist() == ["11001"] * 3  # derived from the code


@pytest.mark.parametrize(
    ("suffix", "driver"),
    [(".geojson", "GeoJSON"), (".gpkg", "GPKG"), (".shp", "ESRI Shapefile"), (".sqlite", "SQLite")],
)
@pytest.mark.parametrize("crs", ["EPSG:31370", "EPSG:3812", "EPSG:4326"])
def test_every_format_and_crs_gives_the_same_sectors(tmp_path, suffix, driver, crs):
    reference = _open_data_2023()
    gdf = reference.to_crs(crs)[["cd_sector", "tx_sector_descr_nl", "cd_munty_refnis", "geometry"]]
    path = tmp_path / f"sectors{suffix}"
    gdf.to_file(path, driver=driver)
    zpath = tmp_path / "sectors.zip"
    with zipfile.ZipFile(zpath, "w") as archive:
        for part in tmp_path.glob("sectors.*"):
            if part.suffix != ".zip":
                archive.write(part, part.name)
    expected = reference.to_crs(3812).geometry.to_numpy()
    for source in (path, zpath):
        out = bg.read_sectors(source)
        assert out.index.tolist() == CODES
        # a shapefile cuts the names to 'tx_sector_' and 'cd_munty_r': still recognised
        assert out["sector_name_nl"].tolist() == ["GROTE MARKT", "STATION", "WAYEZ"]
        assert out["municipality_nis"].tolist() == ["21004", "21004", "21001"]
        assert out.crs.to_epsg() == 3812
        # the same squares within 1 mm (4326 round trips included)
        assert shapely.hausdorff_distance(out.geometry.to_numpy(), expected).max() < 1e-3


def test_3d_is_flattened_and_missing_crs_recognised(tmp_path):
    squares, _ = _squares()
    squares_z = [shapely.force_3d(g) for g in squares]
    gdf = gpd.GeoDataFrame({"cd_sector": CODES}, geometry=squares_z, crs=None)
    path = tmp_path / "nocrs.geojson"
    gdf.to_file(path)
    out, messages = _quiet(bg.read_sectors, path)
    assert not out.has_z.any()
    # a GeoJSON without "crs" member reads as lon/lat; the Lambert metres are recognised
    assert any("coordinates are metres like EPSG:31370" in m for m in messages)
    assert out.crs.to_epsg() == 3812
    assert np.allclose(out.to_crs(31370).total_bounds, [X0, Y0, X0 + 300, Y0 + 100], atol=0.01)


def test_invalid_empty_and_duplicate_rows(tmp_path):
    squares, _ = _squares(3)
    bowtie = shapely.Polygon([(X0, Y0), (X0 + 100, Y0 + 100), (X0 + 100, Y0), (X0, Y0 + 100)])
    geoms = [bowtie, squares[1], None, squares[2], squares[0], shapely.Point(X0, Y0)]
    codes = ["21004A00-", "21004A011", "21004A02-", "21004A011", "BADCODE", "21004A03-"]
    gdf = gpd.GeoDataFrame({"cd_sector": codes}, geometry=geoms, crs="EPSG:31370")
    path = tmp_path / "messy.gpkg"
    gdf.to_file(path)
    out, messages = _quiet(bg.read_sectors, path)
    assert out.index.tolist() == ["21004A00-", "21004A011"]
    assert out.is_valid.all()
    assert out.loc["21004A00-", "area_m2"] == pytest.approx(5_000.0, rel=1e-3)  # two triangles
    assert out.attrs["repaired"]["row"].tolist() == [1]
    aside = out.attrs["set_aside"].set_index("row")["reason"].to_dict()
    assert aside == {
        3: "empty or missing geometry",
        4: "duplicate sector id 21004A011 (first at row 2)",
        5: "not a 9-character Statbel sector code (NIS5 + 4 characters)",
        6: "not a polygon: Point",
    }
    assert len(out) + len(out.attrs["set_aside"]) == out.attrs["rows_in"] == 6
    assert any("repaired 1" in m for m in messages)


def test_missing_code_column_lists_columns(tmp_path):
    path = tmp_path / "nocode.geojson"
    _frame({"naam": ["a", "b", "c"]}).to_file(path)
    with pytest.raises(MissingColumnError, match="naam"):
        bg.read_sectors(path)


def test_columns_override(tmp_path):
    path = tmp_path / "own.geojson"
    _frame({"CODE": CODES, "NAAM": ["a", "b", "c"]}).to_file(path)
    out = bg.read_sectors(path, columns={"sector_id": "CODE", "sector_name_nl": "NAAM"})
    assert out["sector_name_nl"].tolist() == ["a", "b", "c"]
    with pytest.raises(InputError, match="not in the file"):
        bg.read_sectors(path, columns={"sector_id": "NOPE"})


@pytest.mark.parametrize("which", [21004, "21004", "Brussel", "bruxelles", "BRUXELLES ", "Brüssel"])
def test_municipality_selection(tmp_path, which):
    path = tmp_path / "s.gpkg"
    gdf = _open_data_2023()
    gdf["tx_munty_descr_de"] = ["Brüssel", "Brüssel", "Anderlecht"]
    gdf.to_file(path)
    out = bg.read_sectors(path, municipality=which)
    assert out.index.tolist() == CODES[:2]
    assert out.attrs["rows_in"] == 2 and out.attrs["rows_in_file"] == 3


def test_unknown_municipality_lists_close_matches(tmp_path):
    path = tmp_path / "s.gpkg"
    _open_data_2023().to_file(path)
    with pytest.raises(InputError, match="close matches: \\['Anderlecht'\\]"):
        bg.read_sectors(path, municipality="Anderlekt")
    with pytest.raises(InputError, match="not in this file"):
        bg.read_sectors(path, municipality=44021)
    # every problem at once
    with pytest.raises(InputError, match="'Anderlekt'.*44021 is not in this file"):
        bg.read_sectors(path, municipality=["Anderlekt", 44021, "Brussel"])
    with pytest.raises(InputError, match="must be a NIS code or a name"):
        bg.read_sectors(path, municipality=[True])


def test_several_municipalities(tmp_path):
    path = tmp_path / "s.gpkg"
    _open_data_2023().to_file(path)
    out = bg.read_sectors(path, municipality=["Anderlecht", 21004])
    assert out.index.tolist() == CODES


def test_selection_by_name_needs_names(tmp_path):
    path = tmp_path / "gent.geojson"
    _frame({"nis9_code": CODES, "sectornaam": list("abc")}).to_file(path)
    with pytest.raises(InputError, match="no municipality names.*NIS code"):
        bg.read_sectors(path, municipality="Gent")
    assert bg.read_sectors(path, municipality="21001").index.tolist() == ["21001A02-"]


def test_row_numbers_refer_to_the_file_after_selection(tmp_path):
    gdf = _open_data_2023()
    gdf.loc[1, "geometry"] = None  # row 2 of the file, in Brussel
    path = tmp_path / "s.gpkg"
    gdf.to_file(path)
    out = bg.read_sectors(path, municipality="Brussel")
    assert out.attrs["set_aside"]["row"].tolist() == [2]


# ---------------------------------------------------------------------------- real data


@pytest.mark.realdata
def test_real_brussels_2020(real):
    out = bg.read_sectors(real / BXL)
    assert len(out) == 724 and out.attrs["rows_in"] == 724
    assert out.attrs["vintage"] == "statbel_shapefile_2020"
    assert out.crs.to_epsg() == 3812
    assert not out.has_z.any()
    assert out.index.is_unique and (out.index.str.len() == 9).all()
    assert out["municipality_nis"].str.startswith("21").all()
    # Statbel's own area (M_AREA_HA, hectares) agrees with the geometry
    published = gpd.read_file(real / BXL, ignore_geometry=True).set_index("CS01012020")
    ratio = out["area_m2"] / (published["M_AREA_HA"] * 10_000).reindex(out.index)
    assert ratio.between(0.999, 1.001).all()
    # the Brussels-Capital Region is ~161.4 km²
    assert out["area_m2"].sum() / 1e6 == pytest.approx(161.4, rel=0.01)


@pytest.mark.realdata
@pytest.mark.parametrize("which", ["Bruxelles", "Brussel", 21004, "21004"])
def test_real_city_of_brussels(real, which):
    out = bg.read_sectors(real / BXL, municipality=which)
    assert len(out) == 107  # counted in the file: CNIS5_2020 == '21004'
    assert set(out["municipality_nis"]) == {"21004"}
    assert set(out["municipality_name_fr"]) == {"Bruxelles"}


@pytest.mark.realdata
def test_real_gent_2025(real):
    out, _ = _quiet(bg.read_sectors, real / "gent_sectors_wijken/gent-sectors.geojson")
    assert len(out) + len(out.attrs["set_aside"]) == 254
    assert len(out) == 254
    assert "44021A04L" in out.index
    assert out.attrs["vintage"] == "gent_open_data"
    assert set(out["municipality_nis"]) == {"44021"}
    assert out.is_valid.all()
    # Gent covers ~156 km²
    assert out["area_m2"].sum() / 1e6 == pytest.approx(156, rel=0.03)
    assert (
        len(bg.read_sectors(real / "gent_sectors_wijken/gent-sectors.geojson", municipality=44021))
        == 254
    )


@pytest.mark.realdata
def test_real_healthiar_derivative(real):
    out = bg.read_sectors(real / "statbel_sectors_brussels_2020/sector_brussels_pop2020.gpkg")
    assert len(out) == 724 and out.attrs["vintage"] == "healthiar"
    assert out["sector_name_nl"].isna().all()


def test_labels_for_people():
    assert bg.label("area_m2") == "Oppervlakte (m²)"
    assert bg.label("municipality_name_nl", language="en") == "Municipality"
