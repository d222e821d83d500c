"""Tests of read_areas: polygons → sectors by largest overlap, tables → dissolved polygons."""

from __future__ import annotations

import warnings

import geopandas as gpd
import pandas as pd
import pytest
import shapely

import buurtgeo as bg
from buurtgeo.errors import CRSError, InputError, MissingColumnError

BXL = "statbel_sectors_brussels_2020/statistical_sectors_brussels_region.gpkg"
X0, Y0 = 650_000.0, 670_000.0  # Lambert 2008, central Brussels


def _quiet(func, *args, **kwargs):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = func(*args, **kwargs)
    return out, [str(w.message) for w in caught]


def _box(x0, y0, x1, y1):
    return shapely.box(X0 + x0, Y0 + y0, X0 + x1, Y0 + y1)


def _sectors():
    """A 3 x 1 row of 100 m squares: A (0-100), B (100-200), C (200-300); C in 21001."""
    return gpd.GeoDataFrame(
        {"municipality_nis": ["21004", "21004", "21001"]},
        geometry=[_box(0, 0, 100, 100), _box(100, 0, 200, 100), _box(200, 0, 300, 100)],
        index=pd.Index(["21004A00-", "21004A011", "21001A02-"], name="sector_id"),
        crs=3812,
    )


def _areas_gdf():
    """West covers 0-140 (all of A, 40 % of B); East 140-300 (60 % of B, all of C);
    Far lies 5 km away (outside the study area)."""
    return gpd.GeoDataFrame(
        {"wijknr": [1, 2, 3], "wijk": ["West", "East", "Far"]},
        geometry=[_box(0, 0, 140, 100), _box(140, 0, 300, 100), _box(5000, 0, 5100, 100)],
        crs=3812,
    )


def test_polygons_largest_overlap_and_straddling(tmp_path):
    path = tmp_path / "wijken.geojson"
    _areas_gdf().to_crs(4326).to_file(path)
    out, messages = _quiet(bg.read_areas, path, sectors=_sectors())
    assert out.index.name == "area_id"
    assert out.index.tolist() == ["1", "2"]
    assert out["area_name"].tolist() == ["West", "East"]
    # A → 1 (100 %), B → 2 (60 % > 40 %), C → 2
    assert out.attrs["sector_area"].to_dict() == {
        "21004A00-": "1",
        "21004A011": "2",
        "21001A02-": "2",
    }
    # area 2 holds 60 m x 100 of 21004 and 100 m x 100 of 21001: 21001 wins
    assert out["municipality_nis"].tolist() == ["21004", "21001"]
    checks = out.attrs["checks"]
    assert checks[["kind", "sector_id", "area_id", "other_area_id"]].values.tolist() == [
        ["sector_straddles_areas", "21004A011", "2", "1"]
    ]
    assert checks["share"].iloc[0] == pytest.approx(0.6, abs=1e-6)
    aside = out.attrs["set_aside"]
    assert aside["row"].tolist() == [3]
    assert aside["reason"].iloc[0].startswith("outside the sectors (0 %")
    assert len(out) + len(aside) == out.attrs["rows_in"] == 3
    assert out.attrs["mode"] == "polygons"
    assert out.crs.to_epsg() == 3812
    assert any("sector_straddles_areas: 1" in m for m in messages)


def test_polygons_gaps_overlaps_and_bad_rows():
    areas = gpd.GeoDataFrame(
        {
            "area_id": ["N", "S", "O", None, "N", "E", "P"],
            "naam": ["Noord", "Zuid", "Overlap", "x", "dup", "Empty", "Punt"],
        },
        geometry=[
            _box(0, 0, 100, 100),  # N: exactly sector A
            _box(100, 0, 200, 100),  # S: exactly sector B
            _box(50, 0, 150, 100),  # O: overlaps N and S by half; gets no sector
            _box(0, 0, 10, 10),  # missing id
            _box(0, 0, 100, 100),  # duplicate id
            None,  # empty geometry
            shapely.Point(X0 + 50, Y0 + 50),  # not a polygon
        ],
        crs=3812,
    )
    out, _ = _quiet(bg.read_areas, areas, sectors=_sectors())
    assert out.index.tolist() == ["N", "S", "O"]
    assert out.attrs["sector_area"].to_dict() == {"21004A00-": "N", "21004A011": "S"}
    kinds = out.attrs["checks"][["kind", "sector_id", "area_id", "other_area_id"]].values.tolist()
    # C lies in no area, and no area covers its municipality 21001: listed apart
    assert out.attrs["sectors_outside_areas"] == ["21001A02-"]
    assert ["area_with_no_sector", None, "O", None] in kinds
    assert ["areas_overlap", None, "N", "O"] in kinds
    assert ["areas_overlap", None, "S", "O"] in kinds
    # half of A and of B also lie in O
    assert ["sector_straddles_areas", "21004A00-", "N", "O"] in kinds
    assert ["sector_straddles_areas", "21004A011", "S", "O"] in kinds
    assert len(kinds) == 5
    reasons = out.attrs["set_aside"].set_index("row")["reason"].to_dict()
    assert reasons == {
        4: "area id is missing",
        5: "duplicate area id N (first at row 1)",
        6: "empty or missing geometry",
        7: "not a polygon: Point",
    }


def test_small_area_inside_a_sector_and_equal_shapes():
    areas = gpd.GeoDataFrame(
        {"id": ["tiny", "same"]},
        geometry=[_box(10, 10, 20, 20), _box(100, 0, 200, 100)],  # inside A; equal to B
        crs=3812,
    )
    out, _ = _quiet(bg.read_areas, areas, sectors=_sectors())
    # A is only 1 % in 'tiny': in no area; B is 100 % in 'same'; C in none
    assert out.attrs["sector_area"].to_dict() == {"21004A011": "same"}
    checks = out.attrs["checks"]
    # A is listed (its municipality 21004 has areas); C's municipality has none
    assert checks["kind"].tolist() == ["sector_in_no_area", "area_with_no_sector"]
    assert checks[["sector_id", "area_id"]].values.tolist() == [
        ["21004A00-", "tiny"],
        [None, "tiny"],
    ]
    assert checks["share"].iloc[0] == pytest.approx(0.01)
    assert out.attrs["sectors_outside_areas"] == ["21001A02-"]


def test_min_share_and_argument_validation():
    areas = gpd.GeoDataFrame({"id": ["a"]}, geometry=[_box(0, 0, 130, 100)], crs=3812)
    # B lies 30 % in 'a': below min_share 0.5 → in no area; at min_share 0.3 it joins
    out, _ = _quiet(bg.read_areas, areas, sectors=_sectors().iloc[:2])
    assert out.attrs["sector_area"].to_dict() == {"21004A00-": "a"}
    out2, _ = _quiet(bg.read_areas, areas, sectors=_sectors().iloc[:2], min_share=0.3)
    assert out2.attrs["sector_area"].to_dict() == {"21004A00-": "a", "21004A011": "a"}
    with pytest.raises(InputError, match="min_share.*tolerance"):
        bg.read_areas(areas, sectors=_sectors(), min_share=0, tolerance=2)
    with pytest.raises(CRSError):
        bg.read_areas(areas, sectors=_sectors().to_crs(4326))
    with pytest.raises(MissingColumnError):
        bg.read_areas(areas.rename(columns={"id": "foo"}), sectors=_sectors())


def test_table_two_columns_csv(tmp_path):
    path = tmp_path / "secteurs_quartiers.csv"
    path.write_text(
        "id;cd_sector\n"
        "7;21004A00-\n"
        "7;21004A011\n"
        "8;21001A02-\n"
        "9;21001ZZZZ\n"  # unknown sector
        "9;11002A00-\n"  # Antwerpen: outside the sectors' municipalities
        "8;21004A99-\n"  # not in sectors (other vintage)
        "8;21004A00-\n"  # already in area 7
    )
    out, messages = _quiet(bg.read_areas, path, sectors=_sectors())
    assert out.index.tolist() == ["7", "8"]
    assert out.attrs["sector_area"].to_dict() == {
        "21004A00-": "7",
        "21004A011": "7",
        "21001A02-": "8",
    }
    # area 7 = A ∪ B: one 200 m x 100 m rectangle
    assert out.loc["7", "geometry"].area == pytest.approx(20_000)
    assert shapely.equals(out.loc["7", "geometry"], _box(0, 0, 200, 100))
    assert out["area_name"].tolist() == ["7", "8"]
    assert out["municipality_nis"].tolist() == ["21004", "21001"]
    reasons = out.attrs["set_aside"].set_index("row")["reason"].to_dict()
    assert reasons == {
        5: "unknown sector (code ends in ZZZZ: no place on the map)",
        6: "sector outside the sectors' municipalities",
        7: "sector not in sectors (another vintage?)",
        8: "sector 21004A00- already in area 7",
    }
    assert out.attrs["rows_used"] + len(out.attrs["set_aside"]) == out.attrs["rows_in"] == 7
    checks = out.attrs["checks"][["kind", "sector_id", "area_id", "other_area_id"]].values.tolist()
    assert checks == [["sector_in_two_areas", "21004A00-", "7", "8"]]
    assert out.attrs["mode"] == "table"
    assert messages


def test_table_xlsx_with_names_and_gaps(tmp_path):
    path = tmp_path / "statsec_ggw7.xlsx"
    pd.DataFrame(
        {"statsec": ["21004A00-", "21004A011"], "ggw7": ["21004W01", "21004W01"]}
    ).to_excel(path, index=False)
    names = pd.DataFrame({"geoitem code": ["21004W01", "21004W02"], "name": ["Centrum", "Noord"]})
    out, _ = _quiet(bg.read_areas, path, sectors=_sectors(), names=names)
    assert out["area_name"].to_dict() == {"21004W01": "Centrum"}
    assert len(out.attrs["checks"]) == 0
    assert out.attrs["sectors_outside_areas"] == ["21001A02-"]


def test_national_sectors_with_one_citys_areas():
    """Sectors of other municipalities are not listed one by one as gaps."""
    areas = gpd.GeoDataFrame({"id": ["w"]}, geometry=[_box(0, 0, 200, 100)], crs=3812)
    out, messages = _quiet(bg.read_areas, areas, sectors=_sectors())
    assert out.attrs["sector_area"].to_dict() == {"21004A00-": "w", "21004A011": "w"}
    assert len(out.attrs["checks"]) == 0
    assert out.attrs["sectors_outside_areas"] == ["21001A02-"]
    assert any("1 sector(s) in municipalities no area covers" in m for m in messages)


def test_table_from_series_and_dataframe():
    series = pd.Series({"21004A00-": "a", "21004A011": "a", "21001A02-": "b"})
    out, _ = _quiet(bg.read_areas, series, sectors=_sectors(), names={"a": "Alfa", "b": "Beta"})
    assert out["area_name"].tolist() == ["Alfa", "Beta"]
    frame = pd.DataFrame(
        {"code": ["21004A00-", "21004A011", "21001A02-"], "wijk": ["a", "a", "b"], "x": [1, 2, 3]}
    )
    out2, _ = _quiet(bg.read_areas, frame, sectors=_sectors(), id_column="wijk")
    assert out2.attrs["sector_area"].to_dict() == {
        "21004A00-": "a",
        "21004A011": "a",
        "21001A02-": "b",
    }
    assert len(out2.attrs["checks"]) == 0


# ---------------------------------------------------------------------------- real data


@pytest.fixture(scope="module")
def gent(real):
    out, _ = _quiet(bg.read_sectors, real / "gent_sectors_wijken/gent-sectors.geojson")
    return out


@pytest.fixture(scope="module")
def brussels(real):
    return bg.read_sectors(real / BXL)


@pytest.mark.realdata
def test_real_gent_stadswijken_match_gents_own_assignment(real, gent):
    out, _ = _quiet(
        bg.read_areas, real / "gent_sectors_wijken/stadswijken-gent.geojson", sectors=gent
    )
    assert len(out) == 25
    mapping = out.attrs["sector_area"]
    assert len(mapping) == 254
    # independent check: Stad Gent's own sector → wijk numbers (column wijknr)
    own = gpd.read_file(real / "gent_sectors_wijken/gent-sectors.geojson", ignore_geometry=True)
    own = own.set_index("nis9_code")["wijknr"].astype(str)
    assert (mapping == own.reindex(mapping.index)).all()
    assert set(out.attrs["checks"]["kind"]) <= {"sector_straddles_areas"}


@pytest.mark.realdata
def test_real_largest_overlap_matches_geopandas_overlay(real, gent):
    """Independent implementation: geopandas.overlay, then the largest piece per sector."""
    path = real / "gent_sectors_wijken/stadswijken-gent.geojson"
    out, _ = _quiet(bg.read_areas, path, sectors=gent)
    wijken = gpd.read_file(path).to_crs(gent.crs)
    wijken["wijk_id"] = wijken["wijknr"].astype(str)
    wijken["geometry"] = wijken.geometry.make_valid()
    pieces = gpd.overlay(
        gent.reset_index()[["sector_id", "geometry"]], wijken[["wijk_id", "geometry"]]
    )
    pieces["m2"] = pieces.geometry.area
    best = pieces.sort_values("m2").groupby("sector_id").last()["wijk_id"]
    assert out.attrs["sector_area"].sort_index().to_dict() == best.sort_index().to_dict()


@pytest.mark.realdata
@pytest.mark.slow
def test_real_ggw7_polygons_and_table_agree(real, gent):
    folder = real / "flanders_wijken_ggw7"
    poly, _ = _quiet(bg.read_areas, folder / "ggw7.shp", sectors=gent)
    table, _ = _quiet(
        bg.read_areas, folder / "statsec_ggw7.xlsx", sectors=gent, names=folder / "ggw7.xlsx"
    )
    assert len(poly) == 25 and len(table) == 25  # Gent has 25 wijken in ggw7 (PROVENANCE.md)
    assert len(poly) + len(poly.attrs["set_aside"]) == 2767
    assert table.attrs["rows_used"] + len(table.attrs["set_aside"]) == 10_902
    assert (
        poly.attrs["sector_area"]
        == table.attrs["sector_area"].reindex(poly.attrs["sector_area"].index)
    ).all()
    assert len(table.attrs["sector_area"]) == 254  # statsec_ggw7 covers all 254 Gent codes
    assert table.loc["44021W01", "area_name"] == "Binnenstad (Gent)"
    assert set(table["municipality_nis"]) == {"44021"}


@pytest.mark.realdata
def test_real_brussels_quartiers_polygons_and_table(real, brussels):
    folder = real / "brussels_quartiers_ibsa"
    geojson = folder / "ibsa-revenu-imposable-median-des-declarations_2019_quartier.geojson"
    poly, _ = _quiet(bg.read_areas, geojson, sectors=brussels)
    table, messages = _quiet(
        bg.read_areas, folder / "secteurs_quartiers_2023.csv", sectors=brussels, names=geojson
    )
    assert len(poly) == 145 and len(table) == 145
    assert len(table.attrs["sector_area"]) == 724
    assert len(table.attrs["checks"]) == 0 and not messages
    same = poly.attrs["sector_area"] == table.attrs["sector_area"].reindex(
        poly.attrs["sector_area"].index
    )
    assert same.mean() > 0.99
    assert table.loc["55", "area_name"] == "Neerpede"
    # the quartiers tile the region: their union has the sectors' area
    assert table.geometry.area.sum() == pytest.approx(brussels.geometry.area.sum(), rel=1e-6)


@pytest.mark.realdata
@pytest.mark.slow
def test_real_statsec2024_table_and_polygons_on_brussels_2020(real, brussels):
    folder = real / "flanders_wijken_ggw7"
    out, _ = _quiet(bg.read_areas, folder / "statsec2024_ggw72024.xlsx", sectors=brussels)
    assert len(out.attrs["sector_area"]) == 724
    assert out.attrs["rows_used"] + len(out.attrs["set_aside"]) == 10_241
    assert set(out["municipality_nis"].str[:2]) == {"21"}
    # the 2020-2024 wijk polygons, built from the same sectors, give the same assignment
    poly, _ = _quiet(bg.read_areas, folder / "ggw72024.shp", sectors=brussels)
    mapping = poly.attrs["sector_area"]
    assert len(mapping) == 724
    assert (mapping == out.attrs["sector_area"].reindex(mapping.index)).mean() > 0.99
