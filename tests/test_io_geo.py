"""Tests of the shared vector helpers (buurtgeo.io._geo): formats, zips, CRS, repairs."""

from __future__ import annotations

import warnings
import zipfile

import geopandas as gpd
import numpy as np
import pytest
import shapely

from buurtgeo.errors import CRSError, InputError
from buurtgeo.io._geo import detect_crs, read_vector, repair_geometries, to_working_crs
from buurtgeo.io._ledger import RowLedger
from buurtgeo.options import set_options

# Brussels Grand-Place, hand-looked-up: lon 4.3525, lat 50.8467.
# In Lambert 72 about (149 000, 170 000); Lambert 2008 adds ~500 km to both axes.
GP_LONLAT = (4.3525, 50.8467)


def _squares(crs, origin, size=100.0, n=3):
    x0, y0 = origin
    geoms = [shapely.box(x0 + i * size, y0, x0 + (i + 1) * size, y0 + size) for i in range(n)]
    return gpd.GeoDataFrame({"code": [f"21004A0{i}-" for i in range(n)]}, geometry=geoms, crs=crs)


def _quiet(func, *args, **kwargs):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = func(*args, **kwargs)
    return out, [str(w.message) for w in caught]


@pytest.mark.parametrize(
    ("suffix", "driver"),
    [(".geojson", "GeoJSON"), (".gpkg", "GPKG"), (".shp", "ESRI Shapefile"), (".sqlite", "SQLite")],
)
def test_read_vector_each_format_plain_and_zipped(tmp_path, suffix, driver):
    gdf = _squares("EPSG:31370", (149_000.0, 170_000.0))
    path = tmp_path / f"sectors{suffix}"
    gdf.to_file(path, driver=driver)
    back = read_vector(path)
    assert back["code"].tolist() == ["21004A00-", "21004A01-", "21004A02-"]
    assert back.crs.to_epsg() == 31370
    zpath = tmp_path / "published.zip"
    with zipfile.ZipFile(zpath, "w") as archive:
        for part in tmp_path.glob("sectors.*"):
            archive.write(part, f"folder/{part.name}")
        archive.writestr("folder/README.txt", "not data")
    zipped = read_vector(zpath)
    assert zipped["code"].tolist() == back["code"].tolist()
    assert np.allclose(zipped.total_bounds, [149_000, 170_000, 149_300, 170_100])


def test_zip_with_two_data_files_needs_layer(tmp_path):
    a = _squares("EPSG:31370", (149_000.0, 170_000.0), n=1)
    b = _squares("EPSG:31370", (149_000.0, 170_000.0), n=2)
    a.to_file(tmp_path / "a.geojson")
    b.to_file(tmp_path / "b.geojson")
    zpath = tmp_path / "two.zip"
    with zipfile.ZipFile(zpath, "w") as archive:
        archive.write(tmp_path / "a.geojson", "a.geojson")
        archive.write(tmp_path / "b.geojson", "b.geojson")
    with pytest.raises(InputError, match="several data files"):
        read_vector(zpath)
    assert len(read_vector(zpath, layer="b")) == 2
    assert len(read_vector(zpath, layer="a.geojson")) == 1


@pytest.mark.parametrize(
    "member", ["../evil.geojson", "/abs/evil.geojson", "ok/../../evil.geojson"]
)
def test_zip_member_escaping_its_folder_is_refused(tmp_path, member):
    _squares("EPSG:31370", (149_000.0, 170_000.0)).to_file(tmp_path / "x.geojson")
    zpath = tmp_path / "evil.zip"
    with zipfile.ZipFile(zpath, "w") as archive:
        # ZipInfo keeps the name as given (ZipFile.write would strip a leading '/')
        archive.writestr(zipfile.ZipInfo(member), (tmp_path / "x.geojson").read_bytes())
    with pytest.raises(InputError, match="leaves its folder") as info:
        read_vector(zpath)
    assert info.value.path == str(zpath)


def test_missing_and_unreadable_files_name_the_file(tmp_path):
    with pytest.raises(InputError, match="file not found") as info:
        read_vector(tmp_path / "nope.gpkg")
    assert info.value.path.endswith("nope.gpkg")
    bad = tmp_path / "bad.gpkg"
    bad.write_text("this is not a geopackage")
    with pytest.raises(InputError, match="cannot read") as info:
        read_vector(bad)
    assert info.value.path.endswith("bad.gpkg")
    assert len(str(info.value)) < 400


def test_gpkg_with_two_layers_needs_layer(tmp_path):
    path = tmp_path / "two.gpkg"
    _squares("EPSG:31370", (149_000.0, 170_000.0), n=1).to_file(path, layer="one")
    _squares("EPSG:31370", (149_000.0, 170_000.0), n=2).to_file(path, layer="two", mode="a")
    with pytest.raises(InputError, match="several layers"):
        read_vector(path)
    assert len(read_vector(path, layer="two")) == 2


def test_detect_crs_from_ranges():
    assert detect_crs(_squares(None, (149_000.0, 170_000.0))) == "EPSG:31370"
    assert detect_crs(_squares(None, (649_000.0, 670_000.0))) == "EPSG:3812"
    assert detect_crs(_squares(None, GP_LONLAT, size=0.001)) == "EPSG:4326"
    assert detect_crs(_squares(None, (5_000_000.0, 0.0))) is None


def test_three_crs_land_on_the_same_place():
    """Grand-Place given in 31370, 3812 and 4326 ends within a metre in EPSG:3812."""
    from pyproj import Transformer

    lam72 = Transformer.from_crs(4326, 31370, always_xy=True).transform(*GP_LONLAT)
    lam08 = Transformer.from_crs(4326, 3812, always_xy=True).transform(*GP_LONLAT)
    points = {
        "EPSG:31370": shapely.Point(lam72),
        "EPSG:3812": shapely.Point(lam08),
        "EPSG:4326": shapely.Point(GP_LONLAT),
    }
    results = []
    for crs, point in points.items():
        gdf = gpd.GeoDataFrame({"a": [1]}, geometry=[point], crs=crs)
        results.append(to_working_crs(gdf, source=crs).geometry.iloc[0])
    # Lambert 2008 = Lambert 72 shifted ~500 km on both axes (hand check of the magnitude)
    assert 499_000 < lam08[0] - lam72[0] < 501_000
    for geom in results:
        assert geom.distance(shapely.Point(lam08)) < 1.0


def test_missing_crs_is_detected_with_a_warning():
    gdf = _squares(None, (149_000.0, 170_000.0))
    out, messages = _quiet(to_working_crs, gdf, source="nocrs.geojson")
    assert out.crs.to_epsg() == 3812
    assert any("no CRS declared" in m and "31370" in m for m in messages)
    # assume_crs is used silently
    out2, messages2 = _quiet(to_working_crs, gdf, source="x", assume_crs=31370)
    assert not messages2
    assert np.allclose(out2.total_bounds, out.total_bounds)


def test_missing_crs_unknown_ranges_raises():
    with pytest.raises(CRSError, match="declares no CRS") as info:
        to_working_crs(_squares(None, (5_000_000.0, 0.0)), source="far.geojson")
    assert info.value.path == "far.geojson"


def test_swapped_lonlat_rows_are_swapped_back():
    gdf = gpd.GeoDataFrame(
        {"a": [1, 2]},
        geometry=[shapely.Point(GP_LONLAT), shapely.Point(GP_LONLAT[::-1])],
        crs=4326,
    )
    out, messages = _quiet(to_working_crs, gdf, source="swap.csv")
    assert any(
        "1 row(s) have latitude and longitude swapped" in m and "row 2" in m for m in messages
    )
    assert out.geometry.iloc[0].distance(out.geometry.iloc[1]) < 1e-6


def test_outside_belgium_is_refused_with_row():
    # declared Lambert 72 but given in Lambert 2008 → lands far east of Belgium
    gdf = _squares("EPSG:31370", (149_000.0, 170_000.0))
    gdf.loc[2, "geometry"] = shapely.box(649_000, 670_000, 649_100, 670_100)
    with pytest.raises(CRSError, match="cannot be in Belgium") as info:
        to_working_crs(gdf, source="wrong.shp")
    assert info.value.row == 3
    assert info.value.path == "wrong.shp"
    # a point in Paris in lon/lat
    paris = gpd.GeoDataFrame({"a": [1]}, geometry=[shapely.Point(2.35, 48.85)], crs=4326)
    with pytest.raises(CRSError, match="cannot be in Belgium"):
        to_working_crs(paris, source="paris.geojson")


def test_z_is_dropped_and_working_crs_option_is_followed():
    poly = shapely.Polygon([(149_000, 170_000, 0), (149_100, 170_000, 0), (149_100, 170_100, 0)])
    gdf = gpd.GeoDataFrame({"a": [1]}, geometry=[poly], crs=31370)
    out = to_working_crs(gdf, source="z.gpkg")
    assert not out.has_z.any()
    with set_options(working_crs="EPSG:31370"):
        same = to_working_crs(gdf, source="z.gpkg")
    assert same.crs.to_epsg() == 31370
    assert np.allclose(same.total_bounds, [149_000, 170_000, 149_100, 170_100])


def test_repair_geometries_makes_valid_and_sets_aside_empty():
    bowtie = shapely.Polygon([(0, 0), (2, 2), (2, 0), (0, 2)])  # self-intersecting, area 2
    sliver = shapely.Polygon([(0, 0), (1, 0), (2, 0)])  # zero area
    geoms = [bowtie, None, shapely.box(0, 0, 1, 1), shapely.Polygon(), sliver]
    gdf = gpd.GeoDataFrame({"code": list("abcde")}, geometry=geoms, crs=3812)
    ledger = RowLedger(gdf, source="bad.gpkg", first_row=1)
    out, messages = _quiet(repair_geometries, gdf, ledger)
    assert out["code"].tolist() == ["a", "c"]
    assert out.is_valid.all()
    # the bow-tie becomes two triangles of area 1 each: 2 in all
    assert out.geometry.iloc[0].area == pytest.approx(2.0)
    assert out.attrs["repaired"]["row"].tolist() == [1]
    assert "Self-intersection" in out.attrs["repaired"]["reason"].iloc[0]
    assert any("repaired 1 invalid geometry" in m for m in messages)
    table = ledger.table()
    assert dict(zip(table["row"], table["reason"], strict=True)) == {
        2: "empty or missing geometry",
        4: "empty or missing geometry",
        5: "geometry has no area after repair",
    }
    assert ledger.attach(out) is out


def test_statbel_zip_layout_folder_named_like_the_file(tmp_path):
    """Statbel's sh_statbel_statistical_sectors_3812_20230101.geojson.zip holds a folder
    named like the file, with the GeoJSON inside it."""
    name = "sh_statbel_statistical_sectors_3812_20230101.geojson"
    _squares("EPSG:3812", (649_000.0, 670_000.0)).to_file(tmp_path / name)
    zpath = tmp_path / f"{name}.zip"
    with zipfile.ZipFile(zpath, "w") as archive:
        archive.writestr(zipfile.ZipInfo(f"{name}/"), b"")
        archive.write(tmp_path / name, f"{name}/{name}")
    assert len(read_vector(zpath)) == 3


def test_declared_lonlat_with_metres_is_recognised_and_said(tmp_path):
    gdf = _squares("EPSG:31370", (149_000.0, 170_000.0)).set_crs(4326, allow_override=True)
    path = tmp_path / "wrong.gpkg"
    gdf.to_file(path)
    raw = read_vector(path)
    assert raw.attrs["crs_declared"] is True
    said, messages = _quiet(to_working_crs, raw, source=str(path))
    assert any("declares EPSG:4326 (degrees) but the coordinates are metres" in m for m in messages)
    assert np.allclose(said.to_crs(31370).total_bounds, [149_000, 170_000, 149_300, 170_100])
    out, messages = _quiet(to_working_crs, raw, source=str(path), assume_crs=31370)
    assert any("using assume_crs=EPSG:31370 instead" in m for m in messages)
    assert np.allclose(out.to_crs(31370).total_bounds, [149_000, 170_000, 149_300, 170_100])


def test_geojson_without_crs_member_counts_as_undeclared(tmp_path):
    path = tmp_path / "lambert.geojson"
    path.write_text(
        '{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"a": 1},'
        ' "geometry": {"type": "Point", "coordinates": [149000.0, 170000.0]}}]}'
    )
    raw = read_vector(path)
    assert raw.attrs["crs_declared"] is False
    out, messages = _quiet(to_working_crs, raw, source=str(path))
    assert any("gives no CRS" in m and "EPSG:31370" in m for m in messages)
    # Grand-Place area: 149 km / 170 km in Lambert 72 is ~ (649 km, 670 km) in Lambert 2008
    assert out.geometry.iloc[0].distance(shapely.Point(649_000, 670_000)) < 200


def test_outline_check_skips_rows_only_when_everything_is_inside_belgium():
    # the fast path of to_working_crs: the outline of all rows' bounds, in lon/lat, inside
    # Belgium's box (less ~10 m) means every row is; anything else runs the check per row
    from buurtgeo.io._geo import _outline_inside_belgium

    ghent = np.array([[590_000.0, 690_000.0, 600_000.0, 700_000.0]])  # EPSG:3812, Gent
    assert _outline_inside_belgium(ghent, "EPSG:3812")
    north = np.vstack([ghent, [[590_000.0, 690_000.0, 600_000.0, 820_000.0]]])  # lat > 52
    assert not _outline_inside_belgium(north, "EPSG:3812")
    assert not _outline_inside_belgium(np.array([[np.nan] * 4]), "EPSG:3812")
    assert _outline_inside_belgium(np.array([[4.3, 50.8, 4.4, 50.9]]), "EPSG:4326")
    assert not _outline_inside_belgium(np.array([[4.3, 50.8, 7.5, 50.9]]), "EPSG:4326")
