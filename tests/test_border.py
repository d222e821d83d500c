"""Demand across the border: children outside the study area counted in step 1 of the 2SFCA."""

from __future__ import annotations

import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

import buurtgeo as bg
from buurtgeo.border import origins_across_border, reach_across_border


def _points(xy, **columns):
    return gpd.GeoDataFrame(columns, geometry=[shapely.Point(x, y) for x, y in xy], crs="EPSG:3812")


def test_hand_computed_two_step():
    inside = _points([(0, 0)], sector_id=["A"], target__childcare_baby=[10.0])
    outside = _points(
        [(500, 0), (5000, 0)], sector_id=["B", "C"], target__childcare_baby=[30.0, 99.0]
    )
    services = _points([(200, 0)], service_kind=["childcare_baby"], capacity=[8.0])
    opts = {"catchment_m": 1000.0, "targets": {"childcare_baby": "target__childcare_baby"}}
    alone = reach_across_border(inside, services, outside=None, **opts)
    assert alone["fca2__childcare_baby"].iloc[0] == pytest.approx(8 / 10)
    counted = reach_across_border(inside, services, outside=outside, **opts)
    # R = 8 / (10 + 30): C at 5 km is beyond the catchment and does not count
    assert counted["fca2__childcare_baby"].iloc[0] == pytest.approx(8 / 40)
    assert counted.index.equals(inside.index)
    report = counted.attrs["across_border"]["childcare_baby"]
    assert report["children"] == 30.0 and report["sectors"] == 1
    assert report["sectors_considered"] == 2


def test_origins_across_border_takes_sectors_within_reach_only():
    sectors = gpd.GeoDataFrame(
        {"population": [10.0, 20.0, 30.0]},
        geometry=[
            shapely.box(0, 0, 100, 100),
            shapely.box(100, 0, 200, 100),
            shapely.box(3000, 0, 3100, 100),
        ],
        index=pd.Index(["A", "B", "C"], name="sector_id"),
        crs="EPSG:3812",
    )
    services = _points([(50, 50)], service_kind=["childcare_baby"], capacity=[1.0])
    out = origins_across_border(
        sectors,
        inside=["A"],
        services=services,
        catchment_m=500.0,
        method="point",
        columns=["population"],
    )
    assert out.attrs["sectors"] == ["B"] and out["population"].sum() == 20.0
    none = origins_across_border(
        sectors, inside=["A", "B"], services=services, catchment_m=500.0, columns=["population"]
    )
    assert none is None


D_SECTORS = "statbel_sectors_brussels_2020/statistical_sectors_brussels_region.gpkg"
D_POP = "statbel_population_sectors_2019/OPEN DATA_SECTOREN_2019.xlsx"
D_AGES = "brussels_quartiers_ibsa/ACP_BXL_sectors.xls"
D_CHILDCARE = "brussels_city_childcare_one/milieux_accueil_petite_enfance.csv"


def _config(real, services, municipalities, border):
    return {
        "inputs": {
            "sectors": str(real / D_SECTORS),
            "municipality": municipalities,
            "population": str(real / D_POP),
            "age_bands": {
                "path": str(real / D_AGES),
                "share_column": "PAG0015",
                "total_column": "POP_2018",
            },
            "services": [{"path": str(services)}],
        },
        "analysis": {
            "origins": "grid",
            "grid_spacing_m": 100.0,
            "kinds": ["childcare_baby"],
            "demand_across_border": border,
        },
        "areas": {"n_areas": 3},
    }


def _places_per_100(analysis, nis="21009"):
    table = analysis.sector_indicators
    table = table[table["municipality_nis"] == nis]
    w = table["children_0_2"]
    return float((table["places_per_100_2sfca__childcare_baby"] * w).sum() / w.sum())


@pytest.mark.realdata
@pytest.mark.slow
def test_elsene_alone_equals_elsene_cut_from_a_larger_run(real, tmp_path):
    """Elsene/Ixelles alone and with the City of Brussels, on the real Brussels files.

    The City's childcare file has no number of places: every location gets 1 place here
    (the ratio between the runs does not depend on that uniform number)."""
    raw = pd.read_csv(real / D_CHILDCARE, sep=";", encoding="utf-8-sig")
    raw["Capacité"] = 1.0
    services = tmp_path / "childcare_with_places.csv"
    raw.to_csv(services, sep=";", index=False, encoding="utf-8-sig")
    runs = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for border in (False, True):
            for munis in (["Elsene"], ["Elsene", "Bruxelles"]):
                cfg = _config(real, services, munis, border)
                runs[border, len(munis)] = bg.run_config(cfg, write=False, quiet=True)
    # without the children across the border, Elsene alone looks ~4x better supplied
    # (the 25.9 vs 6.4 places per 100 is the same ratio: 4.05)
    off_alone, off_both = _places_per_100(runs[False, 1]), _places_per_100(runs[False, 2])
    assert off_alone / off_both == pytest.approx(4.0, rel=0.05)
    # with them, Elsene's sectors get the same figures alone and within the larger run
    alone, both = runs[True, 1], runs[True, 2]
    a = alone.sector_indicators["places_per_100_2sfca__childcare_baby"]
    b = both.sector_indicators["places_per_100_2sfca__childcare_baby"].reindex(a.index)
    np.testing.assert_allclose(a.to_numpy(), b.to_numpy(), rtol=1e-9, atol=1e-12)
    assert _places_per_100(alone) < off_both  # other neighbours compete too
    # the run reports how many children across the border were counted
    report = alone.reach.attrs["across_border"]["childcare_baby"]
    assert report["children"] > 1000 and report["sectors"] > 50
    assert any("kinderen over de grens" in n for n in alone.notes)
    # the option turns it off
    assert runs[False, 1].reach.attrs["across_border"] == {}


def test_border_note_names_kinds_and_writes_numbers_as_people_read_them():
    from buurtgeo._run_inputs import border_note

    reach = pd.DataFrame()
    reach.attrs["across_border"] = {"childcare_baby": {"children": 11623.4, "sectors": 188}}
    assert border_note(reach, "nl").endswith(
        ": Kinderopvang baby's en peuters: 11.623 (188 sectoren)"
    )
    assert border_note(reach, "en").endswith(
        ": Childcare for babies and toddlers: 11,623 (188 sectors)"
    )
    assert border_note(pd.DataFrame(), "nl") is None
