"""Counts moved between sector vintages: pass-through, overlay, code family; totals kept."""

from __future__ import annotations

import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

import buurtgeo as bg


def _gdf(ids, boxes):
    return gpd.GeoDataFrame(
        geometry=[shapely.box(*b) for b in boxes],
        index=pd.Index(ids, name="sector_id"),
        crs="EPSG:3812",
    )


OLD = _gdf(["11001A00-", "11001A01-"], [(0, 0, 100, 100), (100, 0, 300, 100)])
NEW = _gdf(
    ["11001A00-", "11001A01K", "11001A01L"],
    [(0, 0, 100, 100), (100, 0, 200, 100), (200, 0, 300, 100)],
)
VALUES = pd.DataFrame(
    {"population": [10, 30], "children_0_2": [1.0, 4.0]},
    index=pd.Index(["11001A00-", "11001A01-"], name="sector_id"),
)


def test_overlay_by_area():
    out = bg.crosswalk_sectors(OLD, NEW, VALUES)
    assert out["population"].tolist() == [10.0, 15.0, 15.0]
    assert out["children_0_2"].tolist() == [1.0, 2.0, 2.0]
    info = out.attrs["crosswalk"]
    assert info["passed_through"] == 1 and info["redistributed"] == 1
    assert info["totals_in"] == info["totals_out"] == {"population": 40.0, "children_0_2": 5.0}
    assert "1 codes passed through" in out.attrs["report"]


def test_overlay_by_addresses_and_code_family():
    pts = gpd.GeoDataFrame(
        geometry=[shapely.Point(x, 50) for x in (110, 120, 130, 250)], crs="EPSG:3812"
    )
    out = bg.crosswalk_sectors(OLD, NEW, VALUES, weights=pts)
    assert out["population"].tolist() == pytest.approx([10.0, 22.5, 7.5])
    family = bg.crosswalk_sectors(None, NEW, VALUES)
    assert family["population"].tolist() == [10.0, 15.0, 15.0]
    assert family.attrs["crosswalk"]["method"] == "code family"


def test_unplaced_are_reported():
    values = pd.concat(
        [VALUES, pd.DataFrame({"population": [7], "children_0_2": [0.0]}, index=["11001B99-"])]
    )
    out = bg.crosswalk_sectors(None, NEW, values)
    info = out.attrs["crosswalk"]
    assert info["unplaced"] == ["11001B99-"] and info["lost"]["population"] == 7.0
    assert info["totals_out"]["population"] == info["totals_in"]["population"] - 7.0
    assert "reached no new sector" in out.attrs["report"]


@pytest.mark.realdata
def test_gent_2025_sectors_from_2019_population(real):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pop = bg.read_population(
            real / "statbel_population_sectors_2019" / "OPEN DATA_SECTOREN_2019.xlsx"
        )
    new = gpd.read_file(real / "gent_sectors_wijken" / "gent-sectors.geojson").to_crs(3812)
    new = new.set_index("nis9_code").rename_axis("sector_id")
    gent = pop[pop.index.str.startswith("44021")]
    out = bg.crosswalk_sectors(None, new, gent[["population"]])
    info = out.attrs["crosswalk"]
    assert len(out) == 254 and info["passed_through"] == 93
    # Σ out = Σ in − what found no 2025 sector; most of Gent arrives
    lost = info["lost"]["population"]
    assert info["totals_out"]["population"] == pytest.approx(info["totals_in"]["population"] - lost)
    assert lost / info["totals_in"]["population"] < 0.05
    assert np.isfinite(out["population"]).all()
