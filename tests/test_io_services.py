"""Tests of read_services: real OpenDataSoft exports and a small file for every quirk."""

from __future__ import annotations

import json
import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from pyproj import Transformer

import buurtgeo as bg
from buurtgeo.errors import CRSError, InputError, MissingColumnError
from buurtgeo.io.services import (
    LAYOUTS,
    OPGROEIEN_CHILDCARE_LAYOUT,
    parse_income_related,
    read_services,
    resolve_service_kinds,
)

# Two places in Gent, as published coordinates in three CRSs (computed once with pyproj
# below, in the test, as the independent reference).
LON_LAT = [(3.7250, 51.0543), (3.7100, 51.0400)]


def to_crs(points, crs):
    t = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    return [t.transform(lon, lat) for lon, lat in points]


def working_xy(points):
    """Expected coordinates in the working CRS (EPSG:3812), straight from pyproj."""
    return np.array(to_crs(points, "EPSG:3812"))


def xy(frame):
    return np.column_stack([frame.geometry.x, frame.geometry.y])


def write(tmp_path, name, text, encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def quiet_read(*args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return read_services(*args, **kwargs)


# ------------------------------------------------------------------ real exports


@pytest.mark.realdata
def test_real_ods_childcare(real):
    path = real / "brussels_city_childcare_one" / "milieux_accueil_petite_enfance.csv"
    with pytest.warns(UserWarning, match="no capacity column"):
        services = read_services(path)
    set_aside = services.attrs["set_aside"]
    assert len(services) + len(set_aside) == 92 == services.attrs["rows_in"]
    assert len(set_aside) == 0
    assert services.attrs["layout"] == "opendatasoft"
    assert services.attrs["columns_used"]["point"] == "Geo Point"
    assert (services["service_kind"] == "childcare_baby").all()
    assert services["capacity"].isna().all()  # the export has no number of places
    assert "no capacity column" in services.attrs["notes"][0]
    # Soort tarifering: 21 inkomenstarief, 7 vrije prijs, 64 empty (the ONE rows,
    # PROVENANCE.md); Statut/Status fills those: a subsidised place (69 in all) has an
    # income-related fee, a non-subsidised one (23) a free price (issue 16)
    counts = services["income_related"].value_counts(dropna=False)
    assert counts[True] == 69 and counts[False] == 23
    assert services["income_related"].notna().all()
    # where both are given they agree (Kind & Gezin rows)
    raw = pd.read_csv(path, sep=";", encoding="utf-8-sig")
    tariff = raw["Soort tarifering"].map({"inkomenstarief": True, "vrije prijs": False})
    both = tariff.notna().to_numpy()
    assert (services["income_related"].to_numpy()[both] == tariff.to_numpy()[both]).all()
    # Taal / Langue kept as language codes
    assert services["language"].value_counts().to_dict() == {"fr": 64, "nl": 28}
    assert services.crs.to_epsg() == 3812
    assert services.index.name == "service_id" and services.index.is_unique
    raw = pd.read_csv(path, sep=";", encoding="utf-8-sig", dtype=str)
    # Naam, else Nom; 9 rows have neither in the export
    expected_names = raw["Naam"].fillna(raw["Nom"])
    assert services["name"].isna().sum() == expected_names.isna().sum() == 9
    assert services["name"].dropna().tolist() == expected_names.dropna().tolist()
    # Geo Point ('lat, lon' text) against the Geo Shape GeoJSON (lon/lat) of the same row
    shape = np.array([json.loads(s)["coordinates"] for s in raw["Geo Shape"]])
    expected = np.array(to_crs(shape, "EPSG:3812"))
    np.testing.assert_allclose(xy(services), expected, atol=0.05)
    # the City of Brussels (NIS 21004) lies within lon 4.30-4.45, lat 50.79-50.92
    lon, lat = services.to_crs(4326).geometry.x, services.to_crs(4326).geometry.y
    assert lon.between(4.30, 4.45).all() and lat.between(50.79, 50.92).all()
    bg.validate_services(services)


@pytest.mark.realdata
def test_real_ods_consultations(real):
    path = real / "brussels_city_childcare_one" / "consultations_enfants_one.csv"
    services = quiet_read(path)
    set_aside = services.attrs["set_aside"]
    assert len(services) == 11 and len(set_aside) == 4  # CHILDREN 11, PRENATAL 4
    assert (services["service_kind"] == "consultatiebureau").all()
    assert set_aside["reason"].str.contains("prenatal").all()
    assert set_aside["row"].tolist() == [5, 7, 12, 16]
    assert set(set_aside["Categorie"]) == {"PRENATAL"}
    kept_all = quiet_read(path, kind_map={"PRENATAL": "consultatiebureau"})
    assert len(kept_all) == 15


# ------------------------------------------------------------------ CSV quirks


def test_semicolon_decimal_comma_cp1252_lambert72(tmp_path):
    (x1, y1), (x2, y2) = to_crs(LON_LAT, "EPSG:31370")

    def comma(v):
        return f"{v:.3f}".replace(".", ",")

    text = (
        "Naam;Soort;Capaciteit;X;Y\r\n"
        f"Crèche Zonneke;Groepsopvang;12,5;{comma(x1)};{comma(y1)}\r\n"
        f"Kinderdagverblijf 't Bengeltje;Gezinsopvang;1.234;{comma(x2)};{comma(y2)}\r\n"
    )
    path = write(tmp_path, "opvang.csv", text, "cp1252")
    services = read_services(path)
    assert services["name"].tolist() == ["Crèche Zonneke", "Kinderdagverblijf 't Bengeltje"]
    assert services["capacity"].tolist() == [12.5, 1234.0]
    assert services.attrs["crs_source"] == "EPSG:31370"
    np.testing.assert_allclose(xy(services), working_xy(LON_LAT), atol=0.5)
    assert services.index.tolist() == ["opvang-2", "opvang-3"]


def test_utf8_bom_lat_lon(tmp_path):
    rows = "".join(f"K{i};{lat};{lon};kinderopvang\n" for i, (lon, lat) in enumerate(LON_LAT))
    path = write(tmp_path, "bom.csv", "\ufeffNom;Latitude;Longitude;Type\n" + rows)
    with pytest.warns(UserWarning, match="no capacity column"):
        services = read_services(path)
    assert services["name"].tolist() == ["K0", "K1"]
    np.testing.assert_allclose(xy(services), working_xy(LON_LAT), atol=0.05)


def test_comma_dot_decimals_and_mapping(tmp_path):
    rows = "".join(f's{i},Lib {i},{lat},{lon},"1,200"\n' for i, (lon, lat) in enumerate(LON_LAT))
    path = write(tmp_path, "libs.csv", "code,title,breedte,lengte,m2\n" + rows)
    services = quiet_read(
        path,
        kind="library",
        columns={"service_id": "code", "name": "title", "lat": "breedte", "lon": "lengte"},
    )
    assert services.index.tolist() == ["s0", "s1"]
    assert (services["service_kind"] == "library").all()
    np.testing.assert_allclose(xy(services), working_xy(LON_LAT), atol=0.05)


def test_lambert2008_detected_and_mapped_crs(tmp_path):
    pts = to_crs(LON_LAT, "EPSG:3812")
    rows = "".join(f"{x:.2f};{y:.2f}\n" for x, y in pts)
    path = write(tmp_path, "l08.csv", "X;Y\n" + rows)
    services = quiet_read(path, kind="playground")
    assert services.attrs["crs_source"] == "EPSG:3812"
    np.testing.assert_allclose(xy(services), np.array(pts), atol=0.01)
    # the same values declared as Lambert 72 land outside Belgium: a whole-file CRSError
    with pytest.raises(CRSError, match="none of the 2 locations is in Belgium"):
        quiet_read(path, kind="playground", columns={"x": "X", "y": "Y", "crs": "EPSG:31370"})


def test_swapped_lat_lon_fixed_with_warning(tmp_path):
    (lon0, lat0), (lon1, lat1) = LON_LAT
    text = f"naam;lat;lon\nA;{lat0};{lon0}\nB;{lon1};{lat1}\n"  # row 3 swapped
    path = write(tmp_path, "swap.csv", text)
    with pytest.warns(UserWarning, match="swapped"):
        services = read_services(path, kind="library")
    np.testing.assert_allclose(xy(services), working_xy(LON_LAT), atol=0.05)
    assert "row 3" in services.attrs["notes"][-1]


def test_outside_belgium_rows_set_aside(tmp_path):
    (lon0, lat0), _ = LON_LAT
    text = f"naam;lat;lon\nGent;{lat0};{lon0}\nParijs;48.8566;2.3522\nNul;0;0\nLeeg;;\n"
    services = quiet_read(write(tmp_path, "out.csv", text), kind="library")
    assert services["name"].tolist() == ["Gent"]
    aside = services.attrs["set_aside"].set_index("row")
    assert aside.loc[3, "reason"].startswith("outside Belgium (lon 2.3522, lat 48.8566)")
    assert aside.loc[4, "reason"].startswith("outside Belgium")
    assert aside.loc[5, "reason"] == "no coordinates"
    assert set(aside["naam"]) == {"Parijs", "Nul", "Leeg"}


def test_whole_file_outside_belgium(tmp_path):
    text = "naam;lat;lon\nParijs;48.8566;2.3522\nLyon;45.76;4.83\n"
    with pytest.raises(CRSError) as err:
        quiet_read(write(tmp_path, "fr.csv", text), kind="library")
    assert err.value.row == 2 and "fr.csv" in str(err.value)
    # outside Belgium on purpose
    services = quiet_read(write(tmp_path, "fr2.csv", text), kind="library", check_belgium=False)
    assert len(services) == 2


def test_missing_coordinate_columns(tmp_path):
    path = write(tmp_path, "nocoord.csv", "Naam;Adres;Capaciteit\nA;Kerkstraat 1;12\n")
    with pytest.raises(MissingColumnError) as err:
        read_services(path, kind="childcare_baby")
    message = str(err.value)
    assert "nocoord.csv" in message and "'Adres'" in message and "'Capaciteit'" in message


def test_capacity_non_numeric_negative_empty(tmp_path):
    (lon, lat), _ = LON_LAT
    text = "naam;capaciteit;lat;lon\n" + "".join(
        f"{n};{c};{lat};{lon}\n" for n, c in [("a", "14"), ("b", "twaalf"), ("c", "-3"), ("d", "")]
    )
    services = quiet_read(write(tmp_path, "cap.csv", text), kind="childcare_baby")
    assert services["name"].tolist() == ["a", "d"]
    assert services["capacity"].iloc[0] == 14.0 and np.isnan(services["capacity"].iloc[1])
    aside = services.attrs["set_aside"]
    assert aside["row"].tolist() == [3, 4]
    assert aside["column"].tolist() == ["capaciteit", "capaciteit"]
    assert aside["reason"].tolist() == ["capacity is not a number", "capacity is negative"]
    assert aside["source"].iloc[0].endswith("cap.csv")


def test_empty_file(tmp_path):
    with pytest.raises(InputError, match="empty"):
        read_services(write(tmp_path, "e.csv", ""), kind="library")


def test_kinds_vocabulary_kind_map_and_unknown(tmp_path):
    (lon, lat), _ = LON_LAT
    kinds = ["Groepsopvang", "CRÈCHE", "Gezinsopvang", "Bowling", "Speelplein", "BKO"]
    text = "naam;soort;lat;lon\n" + "".join(f"n{i};{k};{lat};{lon}\n" for i, k in enumerate(kinds))
    services = quiet_read(write(tmp_path, "k.csv", text))
    assert services["service_kind"].tolist() == [
        "childcare_baby",
        "childcare_baby",
        "childcare_baby",
        "playground",
    ]
    aside = services.attrs["set_aside"]
    assert aside["reason"].str.contains("unknown service kind 'Bowling'").any()
    assert aside["reason"].str.contains("'BKO'").any()
    mapped = quiet_read(
        write(tmp_path, "k2.csv", text), kind_map={"bko": "out_of_school_care", "Bowling": None}
    )
    assert mapped["service_kind"].tolist()[-1] == "out_of_school_care"
    assert mapped.attrs["set_aside"]["reason"].tolist() == ["excluded by kind_map ('Bowling')"]


def test_resolve_service_kinds_direct():
    values = pd.Series(
        [
            "Gesubsidieerde Franstalige crèche of onthaalouder",
            "CHILDREN",
            None,
            "Initiatief Buitenschoolse Kinderopvang De Pret",
            "Secundaire school",
            "School",
            "Kinderopvang en speeltuin",
        ]
    )
    kinds, reasons = resolve_service_kinds(values)
    assert kinds.tolist()[:2] == ["childcare_baby", "consultatiebureau"]
    assert reasons.tolist()[2] == "service kind is empty"
    assert kinds.iloc[3] == "out_of_school_care"  # the longer phrase wins
    assert pd.isna(kinds.iloc[4]) and "unknown" in reasons.iloc[4]  # not a primary school
    assert kinds.iloc[5] == "primary_school"
    assert pd.isna(kinds.iloc[6]) and "ambiguous" in reasons.iloc[6]


def test_income_related_flags():
    values = pd.Series(["inkomenstarief", "IKT", "Ja", "1", "vrije prijs", "nee", "0", None, "??"])
    flags, unknown = parse_income_related(values)
    assert flags.tolist()[:7] == [True, True, True, True, False, False, False]
    assert flags.isna().tolist()[7:] == [True, True]
    assert unknown.tolist() == [False] * 8 + [True]
    flags, _ = parse_income_related(pd.Series([True, False]))
    assert flags.tolist() == [True, False]


def test_duplicate_ids_set_aside(tmp_path):
    (lon, lat), _ = LON_LAT
    text = f"id;naam;lat;lon\nA;x;{lat};{lon}\nA;y;{lat};{lon}\n;z;{lat};{lon}\n"
    services = quiet_read(write(tmp_path, "dup.csv", text), kind="library")
    assert services.index.tolist() == ["A", "dup-4"]
    assert services.attrs["set_aside"]["reason"].tolist() == [
        "duplicate service_id 'A' (first at row 2)"
    ]


def test_geo_point_text_and_geo_shape_fallback(tmp_path):
    (lon0, lat0), (lon1, lat1) = LON_LAT
    shape = json.dumps({"coordinates": [lon1, lat1], "type": "Point"}).replace('"', '""')
    text = (
        "Naam;Geo Point;Geo Shape;Categorie\n"
        f'A;{lat0}, {lon0};;kinderopvang\nB;;"{shape}";kinderopvang\nC;not a point;;kinderopvang\n'
    )
    services = quiet_read(write(tmp_path, "ods.csv", text))
    assert services["name"].tolist() == ["A", "B"]
    np.testing.assert_allclose(xy(services), working_xy(LON_LAT), atol=0.05)
    assert services.attrs["set_aside"]["reason"].tolist() == ["Geo Point is not 'lat, lon' text"]


def test_arguments_validated_at_once(tmp_path):
    path = write(tmp_path, "a.csv", "x;y\n1;2\n")
    with pytest.raises(InputError) as err:
        read_services(
            path, kind="swimming", columns={"naam": "x", "x": "x"}, sheet="Blad1", crs="EPSG:0"
        )
    message = str(err.value)
    for part in ("swimming", "'naam'", "'x' and 'y'", "sheet=", "EPSG:0"):
        assert part in message


def test_no_kind(tmp_path):
    (lon, lat), _ = LON_LAT
    with pytest.raises(InputError, match="no kind column"):
        read_services(write(tmp_path, "nk.csv", f"naam;lat;lon\na;{lat};{lon}\n"))


def test_opgroeien_layout_recognised(tmp_path):
    (x1, y1), (x2, y2) = to_crs(LON_LAT, "EPSG:31370")
    header = "Dossiernummer;Naam opvanglocatie;Opvangvorm;Vergunde plaatsen;Inkomenstarief;Straat;Huisnummer;Postcode;Gemeente;X;Y"
    rows = [
        f"2001;De Bengel;Groepsopvang;18;ja;Kerkstraat;1;9000;Gent;{x1:.2f};{y1:.2f}",
        f"2002;IBO Zuid;Buitenschoolse opvang;60;;Dorp;2;9000;Gent;{x2:.2f};{y2:.2f}",
    ]
    path = write(tmp_path, "og.csv", "\r\n".join([header, *rows]).replace(".", ",") + "\r\n")
    services = read_services(path)
    assert services.attrs["layout"] == OPGROEIEN_CHILDCARE_LAYOUT.name
    assert services.index.tolist() == ["2001", "2002"]
    assert services["service_kind"].tolist() == ["childcare_baby", "out_of_school_care"]
    assert services["capacity"].tolist() == [18.0, 60.0]
    assert services["income_related"].tolist()[0] is True
    assert pd.isna(services["income_related"].iloc[1])
    assert [layout.name for layout in LAYOUTS][-1] == "generic"


def test_keep_columns(tmp_path):
    (lon, lat), _ = LON_LAT
    text = f"naam;adres;lat;lon\na;Kerkstraat 1;{lat};{lon}\n"
    services = quiet_read(write(tmp_path, "kc.csv", text), kind="library", keep_columns=["adres"])
    assert services["adres"].tolist() == ["Kerkstraat 1"]


def test_working_crs_option(tmp_path):
    (lon, lat), _ = LON_LAT
    text = f"naam;lat;lon\na;{lat};{lon}\n"
    with bg.set_options(working_crs="EPSG:31370"):
        services = quiet_read(write(tmp_path, "w.csv", text), kind="library")
    assert services.crs.to_epsg() == 31370
    np.testing.assert_allclose(
        xy(services), np.array(to_crs([(lon, lat)], "EPSG:31370")), atol=0.01
    )


# ------------------------------------------------------------------ Excel and vector formats


def test_xlsx(tmp_path):
    from openpyxl import Workbook

    (x1, y1), (x2, y2) = to_crs(LON_LAT, "EPSG:31370")
    wb = Workbook()
    ws = wb.active
    ws.append(["Naam", "Type", "Capaciteit", "X", "Y"])
    ws.append(["A", "Basisschool", None, x1, y1])
    ws.append(["B", "Kleuterschool", 12, x2, y2])
    path = tmp_path / "scholen.xlsx"
    wb.save(path)
    services = quiet_read(path)
    assert services["service_kind"].tolist() == ["primary_school", "nursery_school"]
    assert np.isnan(services["capacity"].iloc[0]) and services["capacity"].iloc[1] == 12.0
    np.testing.assert_allclose(xy(services), working_xy(LON_LAT), atol=0.01)


def vector_frame(crs="EPSG:31370"):
    pts = to_crs(LON_LAT, crs)
    return gpd.GeoDataFrame(
        {
            "naam": ["A", "B", "C"],
            "type": ["speeltuin", "bibliotheek", "speeltuin"],
            "capaciteit": [None, 3.0, -1.0],
        },
        geometry=[shapely.Point(pts[0]), shapely.Point(pts[1]), None],
        crs=crs,
    )


@pytest.mark.parametrize(
    ("suffix", "driver"), [(".geojson", "GeoJSON"), (".gpkg", "GPKG"), (".shp", None)]
)
def test_vector_formats(tmp_path, suffix, driver):
    path = tmp_path / f"vz{suffix}"
    crs = "EPSG:4326" if suffix == ".geojson" else "EPSG:31370"
    vector_frame(crs).to_file(path, driver=driver)
    services = quiet_read(path)
    assert services["name"].tolist() == ["A", "B"]
    assert services["service_kind"].tolist() == ["playground", "library"]
    assert services.index.tolist() == ["vz-1", "vz-2"]  # features are numbered from 1
    aside = services.attrs["set_aside"]
    assert aside["row"].tolist() == [3]
    assert aside["reason"].iloc[0] in ("capacity is negative", "empty or missing geometry")
    np.testing.assert_allclose(xy(services), working_xy(LON_LAT), atol=0.05)


def test_vector_polygons_use_inner_point(tmp_path):
    (x, y), _ = to_crs(LON_LAT, "EPSG:3812")
    square = shapely.box(x - 50, y - 50, x + 50, y + 50)
    path = tmp_path / "parks.gpkg"
    gpd.GeoDataFrame({"name": ["park"]}, geometry=[square], crs="EPSG:3812").to_file(path)
    with pytest.warns(UserWarning) as record:
        services = read_services(path, kind="playground")
    assert any("not points" in str(w.message) for w in record)
    assert services.geometry.iloc[0].within(square)


def test_whole_file_outside_belgium_despite_empty_rows(tmp_path):
    text = "naam;lat;lon\nLeeg;;\nParijs;48.8566;2.3522\n"
    with pytest.raises(CRSError, match="none of the 1 locations"):
        quiet_read(write(tmp_path, "fr3.csv", text), kind="library")


def test_mapped_coordinates_win_over_geo_point(tmp_path):
    (lon0, lat0), _ = LON_LAT
    (x, y), _ = to_crs(LON_LAT, "EPSG:31370")
    text = f"Naam;Geo Point;X;Y\nA;0, 0;{x:.3f};{y:.3f}\n"
    services = quiet_read(
        write(tmp_path, "both.csv", text),
        kind="library",
        columns={"x": "X", "y": "Y", "crs": "EPSG:31370"},
    )
    assert services.attrs["columns_used"].get("point") is None
    np.testing.assert_allclose(xy(services), working_xy(LON_LAT)[:1], atol=0.5)


def test_ods_v21_geo_point_2d_column(tmp_path):
    # OpenDataSoft v2.1 exports name the point column geo_point_2d
    rows = "".join(
        f"{i};Bib {i};bibliotheek;{lat}, {lon}\n" for i, (lon, lat) in enumerate(LON_LAT)
    )
    path = write(tmp_path, "bibs.csv", "objectid;name;type;geo_point_2d\n" + rows)
    services = quiet_read(path)
    assert services.attrs["columns_used"]["point"] == "geo_point_2d"
    assert services.index.tolist() == ["0", "1"]
    assert (services["service_kind"] == "library").all()
    np.testing.assert_allclose(xy(services), working_xy(LON_LAT), atol=0.05)


def test_zipped_csv_and_zipped_shapefile(tmp_path):
    import zipfile

    (lon, lat), _ = LON_LAT
    path = tmp_path / "bibs.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("bibs.csv", f"naam;lat;lon\nA;{lat};{lon}\n")
    services = quiet_read(path, kind="library")
    assert services["name"].tolist() == ["A"]
    assert services.attrs["source"].endswith("bibs.zip!bibs.csv")
    folder = tmp_path / "shp"
    folder.mkdir()
    vector_frame().to_file(folder / "vz.shp")
    zipped = tmp_path / "vz.zip"
    with zipfile.ZipFile(zipped, "w") as archive:
        for part in folder.iterdir():
            archive.write(part, part.name)
    services = quiet_read(zipped)
    assert services["name"].tolist() == ["A", "B"]


def test_header_only_and_no_coordinates_at_all(tmp_path):
    empty = quiet_read(write(tmp_path, "h.csv", "Naam;X;Y\n"), kind="library")
    assert len(empty) == 0 and empty.attrs["rows_in"] == 0
    assert empty.crs.to_epsg() == 3812
    none = quiet_read(write(tmp_path, "n.csv", "Naam;X;Y\nA;;\nB;;\n"), kind="library")
    assert len(none) == 0
    assert none.attrs["set_aside"]["reason"].tolist() == ["no coordinates", "no coordinates"]


@pytest.mark.slow
@settings(max_examples=10, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.floats(min_value=2.6, max_value=6.3),  # lon inside Belgium's box
            st.floats(min_value=49.55, max_value=51.45),  # lat
            st.integers(min_value=0, max_value=500),
        ),
        min_size=1,
        max_size=6,
    ),
    st.sampled_from(["EPSG:31370", "EPSG:3812"]),
)
def test_written_belgian_style_read_back(tmp_path_factory, rows, crs):
    """Coordinates written as a Belgian Excel would (decimal commas, cp1252, ';') come back
    at the places pyproj puts them, whatever the Lambert variant."""
    folder = tmp_path_factory.mktemp("prop")
    pts = to_crs([(lon, lat) for lon, lat, _ in rows], crs)
    lines = ["Naam;Capaciteit;X;Y"] + [
        f"Crèche {i};{cap};{x:.3f};{y:.3f}".replace(".", ",")
        for i, ((x, y), (_, _, cap)) in enumerate(zip(pts, rows, strict=True))
    ]
    path = write(folder, "p.csv", "\r\n".join(lines) + "\r\n", "cp1252")
    services = quiet_read(path, kind="childcare_baby")
    assert len(services) == len(rows)
    assert services.attrs["crs_source"] == crs
    assert services["capacity"].tolist() == [float(c) for _, _, c in rows]
    np.testing.assert_allclose(
        xy(services), working_xy([(lon, lat) for lon, lat, _ in rows]), atol=0.5
    )
