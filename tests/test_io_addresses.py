"""Address points as published (BeST, Adressenregister, CRAB) and origins on addresses."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

import buurtgeo as bg
from buurtgeo.errors import InputError

BEST_HEADER = (
    "EPSG:31370_x,EPSG:31370_y,EPSG:4326_lat,EPSG:4326_lon,address_id,box_number,house_number,"
    "municipality_id,municipality_name_de,municipality_name_fr,municipality_name_nl,postcode,"
    "postname_fr,postname_nl,street_id,streetname_de,streetname_fr,streetname_nl,region_code,status"
)


def write_best(path):
    rows = [
        "150000.12,170000.5,50.84,4.35,1001,,12,21004,Brüssel,Bruxelles,Brussel,1000,"
        "Bruxelles,Brussel,77,,Rue Neuve,Nieuwstraat,BE-BRU,current",
        "150010.0,170010.0,50.84,4.35,1002,b1,12,21004,Brüssel,Bruxelles,Brussel,1000,"
        "Bruxelles,Brussel,77,,Rue Neuve,Nieuwstraat,BE-BRU,current",
        ",,,,1003,,14,21004,Brüssel,Bruxelles,Brussel,1000,Bruxelles,Brussel,77,,Rue Neuve,"
        "Nieuwstraat,BE-BRU,current",  # no coordinates
        "0,0,0,0,1004,,16,21004,Brüssel,Bruxelles,Brussel,1000,Bruxelles,Brussel,77,,"
        "Rue Neuve,Nieuwstraat,BE-BRU,current",  # 0/0 = no coordinates
        "150020.0,170020.0,50.84,4.35,1001,,18,21004,Brüssel,Bruxelles,Brussel,1000,Bruxelles,"
        "Brussel,77,,Rue Neuve,Nieuwstraat,BE-BRU,current",  # duplicate id
    ]
    path.write_text(BEST_HEADER + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_best_csv(tmp_path):
    addr = bg.read_addresses(write_best(tmp_path / "Brussels_addresses.csv"))
    assert addr.attrs["layout"] == "best"
    assert addr.index.tolist() == ["1001", "1002"]
    assert addr.loc["1002", "box_number"] == "b1" and addr.loc["1001", "street"] == "Nieuwstraat"
    aside = addr.attrs["set_aside"]
    assert len(addr) + len(aside) == 5 == addr.attrs["rows_in"]
    assert aside["row"].tolist() == [4, 5, 6]
    assert aside["reason"].str.startswith("no coordinates").sum() == 2
    assert "duplicate address id" in aside["reason"].iloc[2]
    assert addr.crs.to_epsg() == 3812
    # Lambert 72 → 2008 (offline, ~0.2 m): the 10 m step between the first two stays 10 m
    d = addr.geometry.iloc[0].distance(addr.geometry.iloc[1])
    assert d == pytest.approx(np.hypot(9.88, 9.5), abs=0.05)


def test_best_lat_lon_only(tmp_path):
    frame = pd.DataFrame(
        {
            "EPSG:4326_lat": ["50.84", ""],
            "EPSG:4326_lon": ["4.35", ""],
            "address_id": ["1", "2"],
            "house_number": ["1", "2"],
            "streetname_nl": ["A", "A"],
        }
    )
    path = tmp_path / "best.csv"
    frame.to_csv(path, index=False)
    addr = bg.read_addresses(path)
    assert len(addr) == 1 and len(addr.attrs["set_aside"]) == 1


def _points(n):
    return [shapely.Point(150000 + 10 * k, 170000) for k in range(n)]


def test_adressenregister_shapefile(tmp_path):
    gdf = gpd.GeoDataFrame(
        {
            "adresid": [5, 6, 7],
            "straatnm": ["Kouter", "Kouter", "Veldstraat"],
            "huisnr": ["1", "3", "2"],
            "busnr": [None, "A", None],
            "postcode": ["9000"] * 3,
            "gemeenteid": ["44021"] * 3,
            "posgeommet": ["manueleAanduidingVanIngang"] * 3,
        },
        geometry=[*_points(2), None],
        crs="EPSG:31370",
    )
    path = tmp_path / "Adres.shp"
    gdf.to_file(path)
    addr = bg.read_addresses(path)
    assert addr.attrs["layout"] == "adressenregister"
    assert addr.index.tolist() == ["5", "6"]
    assert addr["municipality"].tolist() == ["44021", "44021"]
    assert addr.attrs["set_aside"]["reason"].tolist() == ["no coordinates (empty geometry)"]


def test_crab_latin1_shapefile(tmp_path):
    gdf = gpd.GeoDataFrame(
        {
            "ID": [1, 2],
            "STRAATNM": ["Rue de l'Église", "Kouter"],
            "HUISNR": ["1", "2"],
            "POSTCODE": ["9000", "9000"],
            "GEMEENTE": ["Gent", "Gent"],
        },
        geometry=_points(2),
        crs="EPSG:31370",
    )
    path = tmp_path / "CrabAdr.shp"
    gdf.to_file(path, encoding="ISO-8859-1")
    path.with_suffix(".cpg").unlink()  # CRAB ships latin-1 without a code page file
    addr = bg.read_addresses(path)
    assert addr.attrs["layout"] == "crab"
    assert addr["street"].iloc[0] == "Rue de l'Église"


def test_unknown_layout(tmp_path):
    path = tmp_path / "x.csv"
    pd.DataFrame({"a": [1]}).to_csv(path, index=False)
    with pytest.raises(InputError, match="BeST, Adressenregister or CRAB"):
        bg.read_addresses(path)


def test_origins_on_addresses_fall_back_to_the_grid():
    sectors = gpd.GeoDataFrame(
        {"population": [30.0, 8.0]},
        geometry=[shapely.box(0, 0, 200, 200), shapely.box(200, 0, 400, 200)],
        index=pd.Index(["A", "B"], name="sector_id"),
        crs="EPSG:3812",
    )
    addresses = gpd.GeoDataFrame(
        geometry=[shapely.Point(10, 10), shapely.Point(50, 50), shapely.Point(150, 150)],
        crs="EPSG:3812",
    )
    origins = bg.origins_from_sectors(
        sectors, method="addresses", address_points=addresses, spacing_m=100.0
    )
    a = origins[origins["sector_id"] == "A"]
    b = origins[origins["sector_id"] == "B"]
    assert a["population"].tolist() == [10.0, 10.0, 10.0]  # 30 residents over 3 addresses
    assert (a["placement"] == "address").all()
    # B has no address: its 8 residents on its 4 grid cells (100 m), reported
    assert len(b) == 4 and b["population"].sum() == pytest.approx(8.0)
    assert (b["placement"] == "grid").all()
    assert origins.attrs["sectors_without_addresses"] == ["B"]
