"""Reliability: bad input never crashes deep inside, never loses rows, never corrupts outputs.

Every case below feeds one kind of bad input to a loader or the CLI and accepts only two
outcomes (issue #8):

* a clear :class:`buurtgeo.BuurtgeoError` whose message names the file (and the row and
  column where one is to blame), or
* a result whose set-aside table explains the rows that were not used, with
  ``rows in == rows used + rows set aside``.

Any other exception (a ``KeyError`` from deep inside pandas, a pyogrio traceback, …) fails.
"""

from __future__ import annotations

import io
import json
import logging
import os
import socket
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import LineString, Point, Polygon

import buurtgeo as bg

SERVICES_HEADER = (
    "Dossiernummer;Naam opvanglocatie;Opvangvorm;Vergunde plaatsen;Inkomenstarief;"
    "Straat;Huisnummer;Postcode;Gemeente;X;Y"
)
GOOD_ROWS = [
    "KO-0001;Kinderdagverblijf De Rakkers;Groepsopvang;35;ja;Hoogstraat;37;9196;Hazelbeke;146132,91;197590,78",
    "KO-0002;Kinderdagverblijf Het Zonnetje;Groepsopvang;14;nee;Kapelstraat;23;9189;Lindevoorde;142572,52;198102,46",
]


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def services_csv(
    tmp_path: Path,
    *rows: str,
    name: str = "kinderopvang.csv",
    header: str = SERVICES_HEADER,
    encoding: str = "cp1252",
) -> Path:
    return write(tmp_path / name, "\n".join([header, *rows]) + "\n", encoding)


def expect_error(call, path_fragment: str, *needles: str) -> bg.BuurtgeoError:
    """The call must fail with a BuurtgeoError naming the file and every needle."""
    with pytest.raises(bg.BuurtgeoError) as info:
        call()
    message = str(info.value)
    assert path_fragment in message, f"file not named in: {message}"
    for needle in needles:
        assert needle.lower() in message.lower(), f"{needle!r} not in: {message}"
    assert "\n" not in message.strip() or len(message) < 2000
    return info.value


def expect_books_balance(
    result: pd.DataFrame, rows_in: int, set_aside: int, *reasons: str
) -> pd.DataFrame:
    """rows in = used + set aside, and every reason fragment is present."""
    table = result.attrs["set_aside"]
    assert result.attrs["rows_in"] == rows_in
    assert len(result) + len(table) == rows_in
    assert len(table) == set_aside, table[["row", "column", "reason"]].to_string()
    text = " | ".join(table["reason"].astype(str))
    for reason in reasons:
        assert reason.lower() in text.lower(), f"{reason!r} not in reasons: {text}"
    return table


# --------------------------------------------------------------------------------------
# services: CSV/Excel as exported in Belgium
# --------------------------------------------------------------------------------------


def test_services_empty_file(tmp_path):
    path = write(tmp_path / "leeg.csv", "")
    expect_error(lambda: bg.read_services(path, kind="childcare_baby"), "leeg.csv", "empty")


def test_services_header_only_is_an_empty_balanced_table_or_a_clear_error(tmp_path):
    path = services_csv(tmp_path)
    try:
        result = bg.read_services(path)
    except bg.BuurtgeoError as err:
        assert "kinderopvang.csv" in str(err)
    else:
        expect_books_balance(result, 0, 0)


def test_services_truncated_last_line(tmp_path):
    path = services_csv(tmp_path, *GOOD_ROWS, "KO-0003;Kinderdagverblijf Half;Groepsop")
    try:
        result = bg.read_services(path)
    except bg.BuurtgeoError as err:
        assert "kinderopvang.csv" in str(err) and "row 4" in str(err)
    else:
        table = expect_books_balance(result, 3, 1)
        assert list(table["row"]) == [4]


def test_services_wrong_delimiter_names_the_columns_found(tmp_path):
    rows = [r.replace(";", "\t") for r in GOOD_ROWS]
    header = SERVICES_HEADER.replace(";", "|")  # header and body disagree: nothing lines up
    path = services_csv(tmp_path, *rows, header=header)
    expect_error(lambda: bg.read_services(path), "kinderopvang.csv")


def test_services_tab_delimited_is_read(tmp_path):
    rows = [r.replace(";", "\t") for r in GOOD_ROWS]
    path = services_csv(tmp_path, *rows, header=SERVICES_HEADER.replace(";", "\t"))
    result = bg.read_services(path)
    expect_books_balance(result, 2, 0)
    assert sorted(result["capacity"]) == [14.0, 35.0]


def test_services_cp1252_accents_survive(tmp_path):
    row = GOOD_ROWS[0].replace("De Rakkers", "Crèche Ça Va Été")
    path = services_csv(tmp_path, row, encoding="cp1252")
    result = bg.read_services(path)
    assert result["name"].iloc[0] == "Kinderdagverblijf Crèche Ça Va Été"


def test_services_utf8_bom_is_read(tmp_path):
    # the BOM stands before the first header: put a column that must be recognised there
    # (the name), so that a BOM sticking to it would leave the file without a name column
    def name_first(line: str) -> str:
        cells = line.split(";")
        return ";".join([cells[1], cells[0], *cells[2:]])

    row = name_first(GOOD_ROWS[0].replace("De Rakkers", "Crèche Ça Va"))
    path = services_csv(tmp_path, row, header=name_first(SERVICES_HEADER), encoding="utf-8-sig")
    assert path.read_bytes().startswith(b"\xef\xbb\xbfNaam opvanglocatie;")
    result = bg.read_services(path)
    assert result["name"].iloc[0] == "Kinderdagverblijf Crèche Ça Va"
    assert not any(str(c).startswith("\ufeff") for c in result.columns)
    expect_books_balance(result, 1, 0)


def test_services_dot_decimals_with_comma_separator(tmp_path):
    header = SERVICES_HEADER.replace(";", ",")
    rows = [
        "KO-1,Kinderdagverblijf A,Groepsopvang,35,ja,Hoogstraat,37,9196,Hazelbeke,146132.91,197590.78",
        "KO-2,Kinderdagverblijf B,Groepsopvang,14,nee,Kapelstraat,23,9189,Lindevoorde,142572.52,198102.46",
    ]
    path = services_csv(tmp_path, *rows, header=header)
    result = bg.read_services(path)
    expect_books_balance(result, 2, 0)
    lambert72 = result.to_crs("EPSG:31370")
    assert lambert72.geometry.x.round(2).tolist() == [146132.91, 142572.52]


def test_services_missing_coordinate_columns(tmp_path):
    header = "Dossiernummer;Naam opvanglocatie;Opvangvorm;Vergunde plaatsen"
    path = services_csv(tmp_path, "KO-1;A;Groepsopvang;12", header=header)
    err = expect_error(lambda: bg.read_services(path), "kinderopvang.csv", "Naam opvanglocatie")
    assert isinstance(err, bg.InputError)


def test_services_mapping_to_a_renamed_column(tmp_path):
    path = services_csv(tmp_path, *GOOD_ROWS)
    expect_error(
        lambda: bg.read_services(path, columns={"capacity": "Capaciteit"}),
        "kinderopvang.csv",
        "Capaciteit",
        "Vergunde plaatsen",
    )


def test_services_duplicated_column_names(tmp_path):
    header = SERVICES_HEADER.replace("Straat", "Naam opvanglocatie")
    path = services_csv(tmp_path, *GOOD_ROWS, header=header)
    try:
        result = bg.read_services(path)
    except bg.BuurtgeoError as err:
        assert "kinderopvang.csv" in str(err) and "Naam opvanglocatie" in str(err)
    else:
        expect_books_balance(result, 2, 0)
        assert result["name"].str.startswith("Kinderdagverblijf").all()


def test_services_duplicate_ids_are_set_aside(tmp_path):
    path = services_csv(tmp_path, GOOD_ROWS[0], GOOD_ROWS[0], GOOD_ROWS[1])
    result = bg.read_services(path)
    expect_books_balance(result, 3, 1, "duplicate")
    assert result.index.is_unique


def test_services_non_numeric_and_negative_capacity(tmp_path):
    bad_text = GOOD_ROWS[0].replace(";35;", ";twaalf;")
    negative = GOOD_ROWS[1].replace(";14;", ";-3;")
    zero = GOOD_ROWS[1].replace("KO-0002", "KO-0009").replace(";14;", ";0;")
    path = services_csv(tmp_path, bad_text, negative, zero)
    result = bg.read_services(path)
    table = expect_books_balance(result, 3, 2)
    assert set(table["column"]) == {"Vergunde plaatsen"}
    assert list(table["row"]) == [2, 3]
    assert result["capacity"].tolist() == [0.0]  # zero places is a fact, not an error


def test_services_outside_belgium_row_is_set_aside(tmp_path):
    far = GOOD_ROWS[1].replace("142572,52;198102,46", "942572,52;998102,46")
    path = services_csv(tmp_path, GOOD_ROWS[0], far)
    result = bg.read_services(path)
    expect_books_balance(result, 2, 1, "belgi")


def test_services_swapped_lat_lon_detected(tmp_path):
    header = "ID;Naam;Type voorziening;Capaciteit;Latitude;Longitude"
    rows = [
        "A;Bib Oost;Bibliotheek;;51,0543;3,7174",
        "B;Bib West;Bibliotheek;;3,7250;51,0500",  # swapped
    ]
    path = services_csv(tmp_path, *rows, header=header)
    result = bg.read_services(path)
    table = result.attrs["set_aside"]
    assert len(result) + len(table) == 2
    if len(result) == 2:  # repaired: both in Gent
        gent = result.to_crs("EPSG:4326")
        assert gent.geometry.y.between(51.0, 51.1).all() and gent.geometry.x.between(3.6, 3.8).all()
    else:
        assert "swap" in " ".join(table["reason"]).lower()


def test_services_lambert_numbers_declared_as_lat_lon(tmp_path):
    header = "ID;Naam;Type voorziening;Capaciteit;lat;lon"
    path = services_csv(tmp_path, "A;Bib;Bibliotheek;;146132,91;197590,78", header=header)
    try:
        result = bg.read_services(path)
    except bg.BuurtgeoError as err:
        assert "kinderopvang.csv" in str(err)
    else:
        expect_books_balance(result, 1, 1)


def test_services_unknown_kind_is_set_aside(tmp_path):
    header = "ID;Naam;Type voorziening;Capaciteit;X;Y"
    rows = [
        "A;Bib;Bibliotheek;;146132,91;197590,78",
        "B;Garage Janssens;Autogarage;;146100,00;197500,00",
    ]
    path = services_csv(tmp_path, *rows, header=header)
    result = bg.read_services(path)
    expect_books_balance(result, 2, 1, "Autogarage")


def test_services_hostile_and_odd_names_kept_verbatim(tmp_path):
    names = [
        "<script>alert(1)</script>",
        'Kinderdagverblijf "\'t Kabouterhuis" & Co',
        "Crèche 🧸 Teddy",
        "X" * 5000,
    ]
    rows = [
        f"KO-{i};{name};Groepsopvang;10;ja;Straat;1;9000;Gent;{146000 + i * 10},0;197500,0"
        for i, name in enumerate(names)
    ]
    path = services_csv(tmp_path, *rows, encoding="utf-8-sig")
    result = bg.read_services(path)
    expect_books_balance(result, 4, 0)
    assert result["name"].tolist() == names


def test_services_xlsx_with_a_text_capacity(tmp_path):
    frame = pd.DataFrame(
        {
            "ID": ["A", "B"],
            "Naam": ["Een", "Twee"],
            "Type voorziening": ["Bibliotheek"] * 2,
            "Capaciteit": [10, "veel"],
            "X": [146132.91, 146100.0],
            "Y": [197590.78, 197500.0],
        }
    )
    path = tmp_path / "voorzieningen.xlsx"
    frame.to_excel(path, index=False)
    result = bg.read_services(path)
    table = expect_books_balance(result, 2, 1)
    assert table["row"].tolist() == [3] and table["column"].tolist() == ["Capaciteit"]


def test_services_missing_file_named():
    expect_error(lambda: bg.read_services("/nonexistent/kinderopvang.csv"), "kinderopvang.csv")


# --------------------------------------------------------------------------------------
# sectors
# --------------------------------------------------------------------------------------


def square(x0: float, y0: float, size: float = 500.0) -> Polygon:
    return Polygon([(x0, y0), (x0 + size, y0), (x0 + size, y0 + size), (x0, y0 + size)])


def sectors_frame(n: int = 4, crs: str | None = "EPSG:31370") -> gpd.GeoDataFrame:
    codes = [f"44021A{i:02d}-" for i in range(n)]
    return gpd.GeoDataFrame(
        {
            "cd_sector": codes,
            "tx_sector_descr_nl": [f"Sector {i}" for i in range(n)],
            "tx_sector_descr_fr": [f"Secteur {i}" for i in range(n)],
            "cd_munty_refnis": ["44021"] * n,
            "tx_munty_descr_nl": ["Gent"] * n,
            "tx_munty_descr_fr": ["Gand"] * n,
        },
        geometry=[square(104000 + 500 * i, 193000) for i in range(n)],
        crs=crs,
    )


def test_sectors_missing_file_named():
    expect_error(lambda: bg.read_sectors("/nonexistent/sectoren.gpkg"), "sectoren.gpkg")


def test_sectors_without_crs_are_recognised_as_lambert(tmp_path):
    frame = sectors_frame(crs=None)
    path = tmp_path / "geen_crs.shp"
    frame.to_file(path)
    (tmp_path / "geen_crs.prj").unlink(missing_ok=True)
    with pytest.warns(UserWarning):
        result = bg.read_sectors(path)
    assert result.crs.to_epsg() == 3812
    expect_books_balance(result, 4, 0)
    centre = result.to_crs("EPSG:4326").union_all().centroid
    assert 3.6 < centre.x < 3.9 and 51.0 < centre.y < 51.1  # Gent


def test_sectors_labelled_with_the_wrong_crs_are_recognised_and_said(tmp_path):
    frame = sectors_frame().set_crs(
        "EPSG:4326", allow_override=True
    )  # Lambert metres labelled degrees
    path = tmp_path / "fout_label.gpkg"
    frame.to_file(path)
    with pytest.warns(UserWarning, match="fout_label.gpkg"):
        result = bg.read_sectors(path)
    centre = result.to_crs("EPSG:4326").union_all().centroid
    assert 3.6 < centre.x < 3.9 and 51.0 < centre.y < 51.1  # Gent, where the metres put it


def test_sectors_whose_coordinates_cannot_be_in_belgium_are_refused(tmp_path):
    frame = sectors_frame().set_crs("EPSG:3812", allow_override=True)
    frame["geometry"] = frame.geometry.translate(
        xoff=-100000.0, yoff=5_400_000.0
    )  # UTM-like numbers
    path = tmp_path / "fout_crs.gpkg"
    frame.to_file(path)
    err = expect_error(lambda: bg.read_sectors(path), "fout_crs.gpkg")
    assert isinstance(err, bg.CRSError)


def test_sectors_invalid_geometry_repaired_and_reported(tmp_path):
    frame = sectors_frame()
    frame.loc[1, "geometry"] = Polygon(
        [(104500, 193000), (105000, 193500), (105000, 193000), (104500, 193500)]
    )
    path = tmp_path / "strik.gpkg"
    frame.to_file(path)
    with pytest.warns(UserWarning, match="(?i)repair"):
        result = bg.read_sectors(path)
    expect_books_balance(result, 4, 0)
    assert result.geometry.is_valid.all()


def test_sectors_empty_and_missing_geometry_set_aside(tmp_path):
    frame = sectors_frame()
    frame.loc[2, "geometry"] = Polygon()
    frame.loc[3, "geometry"] = None
    path = tmp_path / "leeg.gpkg"
    frame.to_file(path)
    result = bg.read_sectors(path)
    expect_books_balance(result, 4, 2, "geometry")


def test_sectors_3d_geometry_flattened(tmp_path):
    frame = sectors_frame()
    frame["geometry"] = [
        Polygon([(x, y, 0.0) for x, y in g.exterior.coords]) for g in frame.geometry
    ]
    path = tmp_path / "drie_d.gpkg"
    frame.to_file(path)
    result = bg.read_sectors(path)
    assert not result.geometry.has_z.any()


def test_sectors_duplicate_ids_set_aside(tmp_path):
    frame = sectors_frame()
    frame.loc[3, "cd_sector"] = frame.loc[0, "cd_sector"]
    path = tmp_path / "dubbel.gpkg"
    frame.to_file(path)
    result = bg.read_sectors(path)
    expect_books_balance(result, 4, 1, "duplicate")
    assert result.index.is_unique


def test_sectors_mixed_geometry_types(tmp_path):
    frame = sectors_frame()
    frame.loc[3, "geometry"] = Point(105600, 193200)
    path = tmp_path / "gemengd.geojson"
    frame.to_crs("EPSG:4326").to_file(path, driver="GeoJSON")
    try:
        result = bg.read_sectors(path)
    except bg.BuurtgeoError as err:
        assert "gemengd.geojson" in str(err)
    else:
        expect_books_balance(result, 4, 1)
        assert result.geom_type.isin(["Polygon", "MultiPolygon"]).all()


def test_sectors_missing_code_column(tmp_path):
    frame = sectors_frame().drop(columns="cd_sector")
    path = tmp_path / "zonder_code.gpkg"
    frame.to_file(path)
    err = expect_error(lambda: bg.read_sectors(path), "zonder_code.gpkg", "tx_sector_descr_nl")
    assert isinstance(err, bg.InputError)


def test_sectors_zip_slip_refused(tmp_path):
    inner = tmp_path / "ok.geojson"
    sectors_frame().to_crs("EPSG:4326").to_file(inner, driver="GeoJSON")
    path = tmp_path / "kwaad.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.write(inner, "../../etc/sectors.geojson")
    expect_error(lambda: bg.read_sectors(path), "kwaad.zip")


def test_sectors_truncated_zip(tmp_path):
    inner = tmp_path / "ok.geojson"
    sectors_frame().to_crs("EPSG:4326").to_file(inner, driver="GeoJSON")
    whole = tmp_path / "heel.zip"
    with zipfile.ZipFile(whole, "w") as zf:
        zf.write(inner, "sectors.geojson")
    path = tmp_path / "half.zip"
    path.write_bytes(whole.read_bytes()[: len(whole.read_bytes()) // 2])
    expect_error(lambda: bg.read_sectors(path), "half.zip")


def test_sectors_garbage_bytes(tmp_path):
    path = write(tmp_path / "kapot.gpkg", "dit is geen geopackage")
    expect_error(lambda: bg.read_sectors(path), "kapot.gpkg")


def test_sector_codes_that_look_numeric_keep_their_form(tmp_path):
    frame = sectors_frame()
    frame["cd_sector"] = ["44021A00-", "44021A01-", "44021A0A1", "44021A03-"]
    path = tmp_path / "codes.geojson"
    frame.to_crs("EPSG:4326").to_file(path, driver="GeoJSON")
    result = bg.read_sectors(path)
    assert sorted(result.index) == sorted(frame["cd_sector"])


# --------------------------------------------------------------------------------------
# population
# --------------------------------------------------------------------------------------

POP_HEADER = "CD_REFNIS|CD_SECTOR|TOTAL|TX_DESCR_SECTOR_NL"


def population_txt(tmp_path: Path, *rows: str, name: str = "pop.txt") -> Path:
    return write(tmp_path / name, "\n".join([POP_HEADER, *rows]) + "\n")


def test_population_negative_non_numeric_zero(tmp_path):
    path = population_txt(
        tmp_path,
        "44021|44021A00-|120|Kouter",
        "44021|44021A01-|-5|Min",
        "44021|44021A02-|veel|Tekst",
        "44021|44021A03-|0|Leeg",
    )
    result = bg.read_population(path)
    table = expect_books_balance(result, 4, 2)
    assert set(table["column"]) == {"TOTAL"}
    assert result.loc["44021A03-", "population"] == 0


def test_population_duplicate_sector_ids(tmp_path):
    path = population_txt(tmp_path, "44021|44021A00-|120|A", "44021|44021A00-|130|A bis")
    result = bg.read_population(path)
    expect_books_balance(result, 2, 1, "duplicate")


def test_population_missing_count_column(tmp_path):
    path = write(tmp_path / "pop.txt", "CD_REFNIS|CD_SECTOR|AANTAL_HUIZEN\n44021|44021A00-|12\n")
    err = expect_error(lambda: bg.read_population(path), "pop.txt", "AANTAL_HUIZEN")
    assert isinstance(err, bg.InputError)


def test_population_corrupt_xlsx(tmp_path):
    path = tmp_path / "OPEN DATA_SECTOREN_2023.xlsx"
    path.write_bytes(b"PK\x03\x04 not really a workbook")
    expect_error(lambda: bg.read_population(path), "OPEN DATA_SECTOREN_2023.xlsx")


def test_population_ids_without_geometry_and_sectors_without_population(tmp_path):
    sectors_path = tmp_path / "s.gpkg"
    sectors_frame().to_file(sectors_path)
    sectors = bg.read_sectors(sectors_path)
    path = population_txt(
        tmp_path,
        "44021|44021A00-|120|A",
        "44021|44021A01-|80|B",
        "44021|44021A02-|70|C",
        "44021|44021Z99-|15|Nergens",
    )
    pop = bg.read_population(path)
    with pytest.warns(UserWarning):
        joined = bg.join_population(sectors, pop)
    assert len(joined) == 4  # every sector kept
    report = " ".join(
        str(v) for v in joined.attrs.values() if isinstance(v, pd.DataFrame | str | int)
    )
    assert "44021Z99-" in report or any(
        "44021Z99-" in t.to_string() for t in joined.attrs.values() if isinstance(t, pd.DataFrame)
    )
    assert any(
        "44021A03-" in t.to_string() for t in joined.attrs.values() if isinstance(t, pd.DataFrame)
    )


# --------------------------------------------------------------------------------------
# networks
# --------------------------------------------------------------------------------------

OSM_HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n<osm version="0.6" generator="test">\n'


def test_network_file_with_no_edges(tmp_path):
    text = (
        OSM_HEAD
        + '<node id="1" lat="51.05" lon="3.72"/>\n<node id="2" lat="51.06" lon="3.73"/>\n</osm>\n'
    )
    path = write(tmp_path / "geen_wegen.osm", text)
    err = expect_error(lambda: bg.read_network(path), "geen_wegen.osm")
    assert isinstance(err, bg.NetworkError)


def test_network_empty_file(tmp_path):
    path = write(tmp_path / "leeg.osm", "")
    expect_error(lambda: bg.read_network(path), "leeg.osm")


def test_network_disconnected_part_reported(tmp_path):
    lines = gpd.GeoDataFrame(
        {"wegsegid": [1, 2, 3]},
        geometry=[
            LineString([(104000, 193000), (104100, 193000)]),
            LineString([(104100, 193000), (104200, 193000)]),
            LineString([(109000, 199000), (109050, 199000)]),  # an island
        ],
        crs="EPSG:31370",
    )
    path = tmp_path / "wegen.gpkg"
    lines.to_file(path)
    net = bg.read_network(path)
    assert net.n_edges == 2
    assert len(net.set_aside) >= 1
    assert "connected" in " ".join(net.set_aside["reason"].astype(str)).lower()


def test_services_unreachable_from_every_origin_are_reported_not_capped():
    from buurtgeo.network import Network

    # two separate pieces: origins on one, the service on the other
    net = Network.from_edges(
        np.array([0, 2]),
        np.array([1, 3]),
        np.array([100.0, 100.0]),
        np.array([0.0, 100.0, 5000.0, 5100.0]),
        np.array([0.0, 0.0, 0.0, 0.0]),
        crs="EPSG:3812",
        keep_largest=False,
    )
    origins = gpd.GeoDataFrame(
        {"population": [10.0, 5.0]}, geometry=[Point(0, 0), Point(100, 0)], crs="EPSG:3812"
    )
    services = gpd.GeoDataFrame(
        {"service_kind": ["library"], "capacity": [20.0]},
        geometry=[Point(5000, 0)],
        crs="EPSG:3812",
    )
    result = bg.reach(origins, services, network=net, catchment_m=1000.0)
    assert np.isinf(result["dist_nearest_m"]).all()
    assert not result["covered"].any()
    assert (result["fca2"] == 0).all() and (result["services_within"] == 0).all()


# --------------------------------------------------------------------------------------
# areas
# --------------------------------------------------------------------------------------


def test_areas_table_with_a_sector_in_two_areas_and_an_unknown_sector(tmp_path):
    sectors_path = tmp_path / "s.gpkg"
    sectors_frame().to_file(sectors_path)
    sectors = bg.read_sectors(sectors_path)
    table = write(
        tmp_path / "wijken.csv",
        "statsec;wijk\n44021A00-;W1\n44021A01-;W1\n44021A01-;W2\n44021A02-;W2\n44021Z99-;W3\n",
    )
    try:
        areas = bg.read_areas(table, sectors=sectors)
    except bg.BuurtgeoError as err:
        assert "wijken.csv" in str(err)
        return
    set_aside = areas.attrs["set_aside"]
    text = set_aside.to_string() + " ".join(
        t.to_string() for t in areas.attrs.values() if isinstance(t, pd.DataFrame)
    )
    assert "44021Z99-" in text  # unknown sector reported
    assert "44021A03-" in text  # sector in no area reported
    assert areas.attrs["sector_area"].index.is_unique  # each sector in exactly one area


# --------------------------------------------------------------------------------------
# the CLI and its configuration
# --------------------------------------------------------------------------------------


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "buurtgeo.cli", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture(scope="module")
def sample_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("sample")
    bg.make_sample(out)
    return out


def config_text(sample_dir: Path, extra: str = "") -> str:
    return (
        "[inputs]\n"
        f'sectors = "{sample_dir / "sh_statbel_statistical_sectors_3812_20230101.geojson.zip"}"\n'
        f'population = "{sample_dir / "OPEN DATA_SECTOREN_2023.xlsx"}"\n'
        f'age_bands = "{sample_dir / "leeftijdsgroepen_sectoren_2023.csv"}"\n'
        "[[inputs.services]]\n"
        f'path = "{sample_dir / "kinderopvanglocaties.csv"}"\n' + extra
    )


def one_clear_line(proc: subprocess.CompletedProcess) -> str:
    lines = [line for line in proc.stderr.strip().splitlines() if line.strip()]
    assert "Traceback" not in proc.stderr, proc.stderr
    assert 1 <= len(lines) <= 3, proc.stderr
    return proc.stderr


def test_cli_config_unknown_key_and_wrong_type(tmp_path, sample_dir):
    config = tmp_path / "analysis.toml"
    config.write_text(config_text(sample_dir) + '[analysis]\ncatchment_m = "ver"\nkleur = "rood"\n')
    proc = run_cli("run", str(config), "--check", cwd=tmp_path)
    assert proc.returncode == 2
    text = one_clear_line(proc)
    assert "kleur" in text


def test_cli_config_not_toml(tmp_path):
    config = tmp_path / "analysis.toml"
    config.write_text("[inputs\nsectors = ")
    proc = run_cli("run", str(config), cwd=tmp_path)
    assert proc.returncode == 2
    assert "analysis.toml" in one_clear_line(proc)


def test_cli_config_names_a_missing_file(tmp_path, sample_dir):
    config = tmp_path / "analysis.toml"
    config.write_text(
        config_text(sample_dir).replace("kinderopvanglocaties.csv", "bestaat_niet.csv")
    )
    proc = run_cli("run", str(config), cwd=tmp_path)
    assert proc.returncode in (2, 3)
    assert "bestaat_niet.csv" in one_clear_line(proc)


def test_cli_bad_service_file_is_one_line_exit_3(tmp_path, sample_dir):
    bad = write(tmp_path / "kapot.csv", "")
    config = tmp_path / "analysis.toml"
    config.write_text(
        config_text(sample_dir).replace(str(sample_dir / "kinderopvanglocaties.csv"), str(bad))
    )
    proc = run_cli("run", str(config), "--out", str(tmp_path / "uit"), cwd=tmp_path)
    assert proc.returncode == 3, proc.stderr
    assert "kapot.csv" in one_clear_line(proc)


def test_cli_unknown_command_exit_2(tmp_path):
    proc = run_cli("vliegen", cwd=tmp_path)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr


def test_cli_out_is_a_file(tmp_path):
    target = write(tmp_path / "bestand.txt", "hier staat al iets")
    proc = run_cli("demo", "--out", str(target), cwd=tmp_path)
    assert proc.returncode != 0
    assert "bestand.txt" in one_clear_line(proc)
    assert target.read_text() == "hier staat al iets"


# --------------------------------------------------------------------------------------
# outputs: atomic, deterministic, offline
# --------------------------------------------------------------------------------------


def _demo(out: Path):
    return bg.run_demo(out)


@pytest.fixture(scope="module")
def two_demo_runs(tmp_path_factory):
    a = tmp_path_factory.mktemp("demo_a")
    b = tmp_path_factory.mktemp("demo_b")

    real_connect = socket.socket.connect

    def no_network(self, address):  # the demo must not touch the network
        if (
            isinstance(address, tuple)
            and address
            and address[0] not in ("127.0.0.1", "::1", "localhost")
        ):
            raise AssertionError(f"network access attempted: {address}")
        return real_connect(self, address)

    socket.socket.connect = no_network
    try:
        _demo(a)
        _demo(b)
    finally:
        socket.socket.connect = real_connect
    return a, b


@pytest.mark.slow
def test_same_inputs_give_byte_identical_outputs(two_demo_runs):
    a, b = two_demo_runs
    files_a = sorted(p.relative_to(a) for p in a.rglob("*") if p.is_file())
    files_b = sorted(p.relative_to(b) for p in b.rglob("*") if p.is_file())
    assert files_a == files_b and files_a
    differing = [str(p) for p in files_a if (a / p).read_bytes() != (b / p).read_bytes()]
    assert differing == []


@pytest.mark.slow
def test_outputs_have_no_leftover_temporary_files(two_demo_runs):
    a, _ = two_demo_runs
    leftovers = [
        p.name for p in a.rglob("*") if p.name.startswith(".") or p.suffix in (".tmp", ".part")
    ]
    assert leftovers == []


def test_a_failing_write_leaves_the_old_file_untouched(tmp_path, monkeypatch):
    m = bg.reach_map(
        gpd.GeoDataFrame(
            {"area_name": ["A"], "dist_nearest_m": [120.0]},
            geometry=[square(650000, 670000)],
            crs="EPSG:3812",
        ),
        indicators=["dist_nearest_m"],
    )
    target = tmp_path / "map.html"
    target.write_text("oude kaart")

    def ctrl_c(*args, **kwargs):  # Ctrl-C after the bytes are written, before the rename
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", ctrl_c)
    with pytest.raises(KeyboardInterrupt):
        bg.save_map(m, target)
    assert target.read_text() == "oude kaart"
    assert [p.name for p in tmp_path.iterdir()] == ["map.html"]


def test_reading_the_sample_makes_no_network_call(monkeypatch, sample_dir):
    def refuse(*args, **kwargs):
        raise AssertionError("network access attempted")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    sectors = bg.read_sectors(
        sample_dir / "sh_statbel_statistical_sectors_3812_20230101.geojson.zip"
    )
    services = bg.read_services(sample_dir / "kinderopvanglocaties.csv")
    net = bg.read_network(sample_dir / "lindevoorde_hazelbeke_walk.osm")
    assert len(sectors) and len(services) and net.n_edges
    assert sectors.to_crs("EPSG:4326").geometry.is_valid.all()  # a transform, offline


def test_importing_buurtgeo_does_not_change_global_state():
    """numpy error settings, warning filters and logging stay as they were (cityseer's
    mistake), compared in a fresh process before and after importing buurtgeo and every
    module behind its public names. The libraries buurtgeo builds on are imported first:
    some (scipy, requests) add warning filters of their own, which is not buurtgeo's doing.
    """
    code = textwrap.dedent(
        """
        import json, logging, warnings
        import numpy as np
        import folium, geopandas, mapclassify, matplotlib.pyplot, numba, openpyxl, osmium
        import pandas, pyogrio, pyproj, scipy.sparse, scipy.spatial, scipy.special, shapely
        import spopt, libpysal

        def state():
            return {
                "geterr": np.geterr(),
                "filters": [repr(f) for f in warnings.filters],
                "root_level": logging.getLogger().level,
                "handlers": len(logging.getLogger().handlers),
            }

        before = state()
        import buurtgeo as bg
        for name in bg.__all__:
            getattr(bg, name)
        print(json.dumps({"before": before, "after": state()}))
        """
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stderr
    states = json.loads(proc.stdout.strip().splitlines()[-1])
    assert states["after"] == states["before"]
    assert states["after"]["root_level"] == logging.WARNING


def test_csv_summary_reads_back_in_pandas(two_demo_runs):
    a, _ = two_demo_runs
    frame = pd.read_csv(
        io.BytesIO((a / "indicators.csv").read_bytes()), sep=";", decimal=",", encoding="utf-8-sig"
    )
    assert len(frame) > 0
