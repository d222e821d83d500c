"""Every table buurtgeo returns behaves like a plain pandas frame (issue 17).

pandas compares ``attrs`` when it combines tables and copies them into every derived
table; loaders used to keep DataFrames there (``attrs["set_aside"]``), which made
``pd.concat``, ``merge``, ``astype`` and the GeoPackage writer fail with *the truth
value of a DataFrame is ambiguous*. Each loader and each result type is built twice,
independently (so their ``attrs`` are equal but not the same objects), and put through
what an analyst does first.
"""

from __future__ import annotations

import copy
import pickle
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import buurtgeo as bg
from buurtgeo.io._ledger import set_aside_of
from buurtgeo.sample import make_sample

OSM = """<?xml version="1.0" encoding="UTF-8"?>
<osm version="0.6" generator="hand">
<node id="1" version="1" lat="51.0500" lon="3.7200"><tag k="amenity" v="childcare"/><tag k="name" v="Kribbe"/><tag k="capacity" v="14"/></node>
<node id="2" version="1" lat="51.0510" lon="3.7230"><tag k="leisure" v="playground"/></node>
<node id="3" version="1" lat="51.0520" lon="3.7240"><tag k="amenity" v="library"/></node>
<relation id="9" version="1"><member type="node" ref="3" role=""/><tag k="type" v="site"/><tag k="amenity" v="school"/></relation>
</osm>
"""


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    return make_sample(tmp_path_factory.mktemp("sample"))


def _twice(make: Callable[[], object]) -> tuple[object, object]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return make(), make()


def _loaders(sample: dict[str, Path], tmp: Path) -> dict[str, Callable[[], object]]:
    osm = tmp / "services.osm"
    osm.write_text(OSM, encoding="utf-8")

    def sectors():
        return bg.read_sectors(sample["sectors"])

    def population():
        return bg.read_population(sample["population"])

    def joined():
        return bg.join_population(
            sectors(), population(), age_bands=bg.read_age_bands(sample["age_bands"])
        )

    def origins():
        j = joined()
        counts = ["population", "children_0_2", "children_3_5", "children_6_11"]
        return bg.origins_from_sectors(j, pd.DataFrame(j[counts]), method="point", columns=counts)

    def services():
        return bg.read_services(sample["childcare"])

    def baby():
        s = services()
        return s[s["service_kind"] == "childcare_baby"]

    def areas():
        return bg.read_areas(sample["areas"], sectors=sectors())

    def reach_one():
        return bg.reach(origins(), baby())

    def reach_all():
        return bg.reach_all(origins(), baby(), targets={"childcare_baby": "children_0_2"})

    def aggregate():
        o = origins()
        r = bg.reach_all(o, baby(), targets={"childcare_baby": "children_0_2"})
        return bg.aggregate_reach(r, o, by="sector_id", weight={"childcare_baby": "children_0_2"})

    def gaps():
        o = origins()
        s = baby()
        r = bg.reach_all(o, s, targets={"childcare_baby": "children_0_2"})
        return bg.gaps(areas(), o, r, s, kinds=["childcare_baby"])

    def proposed():
        j = joined()
        return bg.propose_areas(j, pd.DataFrame(j[["children_0_17"]]), n_areas=4)

    def compared():
        o = origins()
        s = baby()
        # the rows of a loader result as a what-if: the first thing an analyst tries
        new = bg.read_services(sample["childcare"]).iloc[:2].copy()
        new.index = pd.Index([f"new-{i}" for i in range(len(new))], name=new.index.name)
        o = o.assign(population=o["children_0_2"])
        model = bg.Scenario(o, s, catchment_m=800.0)
        after = model.changed_services(open=new, resize={s.index[0]: 20.0})
        assert len(after) == len(s) + len(new)
        return model.compare(by=areas().attrs["sector_area"], open=new, resize={s.index[0]: 20.0})

    def near():
        return bg.services_near(baby(), sectors(), catchment_m=800.0)

    def to_areas():
        j = joined()
        a = areas()
        return bg.aggregate_to_areas(
            pd.DataFrame(j[["children_0_2"]]), a.attrs["sector_area"], extensive=["children_0_2"]
        )

    def equity():
        return bg.equity(aggregate(), access="share_covered__childcare_baby")

    def sites():
        o = origins().assign(need=lambda t: t["children_0_2"])
        return bg.suggest_sites(o, k=1, catchment_m=500.0)

    runs: list = []

    def analysis_table(name):
        """One table of two independent demo analyses, alternately (two runs in all)."""
        from buurtgeo.config import demo_config
        from buurtgeo.pipeline import analyse

        def make():
            while len(runs) < 2:
                runs.append(analyse(demo_config(tmp / "demo")))
            run = runs[make.calls % 2]  # the first call from one run, the second from the other
            make.calls += 1
            return getattr(run, name)

        make.calls = 0
        return make

    return {
        "services_near": near,
        "aggregate_to_areas": to_areas,
        "municipality_areas": lambda: bg.municipality_areas(sectors()),
        "equity": equity,
        "suggest_sites": sites,
        "Analysis.sectors": analysis_table("sectors"),
        "Analysis.services": analysis_table("services"),
        "Analysis.areas": analysis_table("areas"),
        "Analysis.origins": analysis_table("origins"),
        "Analysis.reach": analysis_table("reach"),
        "Analysis.sector_indicators": analysis_table("sector_indicators"),
        "Analysis.area_indicators": analysis_table("area_indicators"),
        "Analysis.region": analysis_table("region"),
        "Analysis.gaps": analysis_table("gaps"),
        "Analysis.set_aside": analysis_table("set_aside"),
        "read_sectors": sectors,
        "read_population": population,
        "read_age_bands": lambda: bg.read_age_bands(sample["age_bands"]),
        "join_population": joined,
        "read_services": services,
        "read_services (second layout)": lambda: bg.read_services(sample["services"]),
        "read_osm_services": lambda: bg.read_osm_services(osm),
        "read_areas": areas,
        "origins_from_sectors": origins,
        "reach": reach_one,
        "reach_all": reach_all,
        "aggregate_reach": aggregate,
        "gaps": gaps,
        "propose_areas": proposed,
        "Scenario.compare": compared,
        "suppress_small": lambda: bg.suppress_small(aggregate(), threshold=5),
    }


@pytest.fixture(scope="module")
def results(sample, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("frames")
    return {name: _twice(make) for name, make in _loaders(sample, tmp).items()}


NAMES = [
    "read_sectors",
    "read_population",
    "read_age_bands",
    "join_population",
    "read_services",
    "read_services (second layout)",
    "read_osm_services",
    "read_areas",
    "origins_from_sectors",
    "reach",
    "reach_all",
    "aggregate_reach",
    "gaps",
    "propose_areas",
    "Scenario.compare",
    "suppress_small",
    "services_near",
    "aggregate_to_areas",
    "municipality_areas",
    "equity",
    "suggest_sites",
    "Analysis.sectors",
    "Analysis.services",
    "Analysis.areas",
    "Analysis.origins",
    "Analysis.reach",
    "Analysis.sector_indicators",
    "Analysis.area_indicators",
    "Analysis.region",
    "Analysis.gaps",
    "Analysis.set_aside",
]


def _first_column(frame: pd.DataFrame) -> str:
    return next(c for c in frame.columns if c != "geometry")


@pytest.mark.parametrize("name", NAMES)
def test_loader_results_survive_concat_merge_copy_groupby_loc_pickle(results, name, tmp_path):
    a, b = results[name]
    assert isinstance(a, pd.DataFrame)
    # pd.concat of two results (equal attrs, other objects) and of a result with itself
    both = pd.concat([a, b])
    assert len(both) == len(a) + len(b)
    assert len(pd.concat([a, a.iloc[:1]])) == len(a) + min(1, len(a))
    # merge on the index
    merged = pd.DataFrame(a).merge(
        pd.DataFrame(b), left_index=True, right_index=True, suffixes=("", "_b")
    )
    assert len(merged) == len(a)
    # astype (pandas concatenates the columns inside)
    column = _first_column(a)
    assert a.astype({column: object})[column].dtype == object
    # copy, deep copy, .loc
    assert a.copy().equals(a) and copy.deepcopy(a).equals(a)
    assert len(a.loc[a.index[:2]]) == min(2, len(a))
    # groupby
    grouped = a.groupby(a[column].astype(str), dropna=False).size()
    assert int(grouped.sum()) == len(a)
    # pickling keeps the rows and what the loader attached
    back = pickle.loads(pickle.dumps(a))
    assert back.equals(a)
    assert back.attrs.keys() == a.attrs.keys()
    if set_aside_of(a) is not None:
        pd.testing.assert_frame_equal(set_aside_of(back), set_aside_of(a))
        # the set-aside rows stay reachable from what is derived from the result
        pd.testing.assert_frame_equal(set_aside_of(a.loc[a.index[:1]]), set_aside_of(a))
        pd.testing.assert_frame_equal(set_aside_of(a.copy()), set_aside_of(a))


GEO_NAMES = [
    "read_sectors",
    "join_population",
    "read_services",
    "read_services (second layout)",
    "read_osm_services",
    "read_areas",
    "origins_from_sectors",
    "propose_areas",
    "services_near",
    "municipality_areas",
    "suggest_sites",
    "Analysis.sectors",
    "Analysis.services",
    "Analysis.areas",
    "Analysis.origins",
    "Analysis.sector_indicators",
    "Analysis.area_indicators",
]


@pytest.mark.parametrize("name", GEO_NAMES)
def test_geo_results_write_to_a_geopackage(results, name, tmp_path):
    import geopandas as gpd

    a, b = results[name]
    assert isinstance(a, gpd.GeoDataFrame), name
    path = tmp_path / "t.gpkg"
    flags = [c for c in a.columns if c != "geometry" and pd.api.types.is_bool_dtype(a[c])]
    typed = a.astype(dict.fromkeys(flags, "boolean")) if flags else a
    typed.reset_index().to_file(path, layer="one", driver="GPKG", engine="pyogrio")
    pd.concat([a, b]).reset_index().to_file(path, layer="two", driver="GPKG", engine="pyogrio")
    assert len(gpd.read_file(path, layer="two")) == len(a) + len(b)


def test_the_network_keeps_its_set_aside_rows(sample):
    net = bg.read_network(sample["network"])
    table = set_aside_of(net)
    assert isinstance(table, pd.DataFrame)
    assert net.stats["segments_read"] == net.stats["segments_used"] + len(table)


def test_held_tables_compare_as_a_whole_only_with_each_other():
    from buurtgeo._attrs import HeldFrame, HeldSeries, hold

    frame = pd.DataFrame({"a": [1, 2], "reason": ["x", "y"]})
    held, other = hold(frame), hold(frame.copy())
    assert isinstance(held, HeldFrame) and held is not other
    assert (held == other) is True and (held != other) is False
    assert (held == hold(frame.assign(a=[1, 3]))) is False
    # compared with anything else, cell by cell as usual
    assert (held["reason"] == "x").tolist() == [True, False]
    assert isinstance(held == frame, pd.DataFrame)
    # what is derived is a plain frame again; deep copies share it
    assert type(held.copy()) is pd.DataFrame and type(held[["a"]]) is pd.DataFrame
    assert copy.deepcopy(held) is held
    series = hold(pd.Series(["A", "B"], index=["s1", "s2"]))
    assert isinstance(series, HeldSeries)
    assert (series == "A").tolist() == [True, False]
    assert (series == hold(series.copy())) is True
    assert hold(np.arange(3)) == (0, 1, 2)


@pytest.mark.realdata
def test_real_loaders_survive_concat_merge_astype_and_pickle(real, tmp_path):
    """Every loader on the real files of the issue's Brussels configuration."""
    ibsa = real / "brussels_quartiers_ibsa"
    sectors_path = (
        real / "statbel_sectors_brussels_2020" / "statistical_sectors_brussels_region.gpkg"
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sectors = bg.read_sectors(sectors_path, municipality="Bruxelles")
        loaders = {
            "sectors": lambda: bg.read_sectors(sectors_path, municipality="Bruxelles"),
            "population": lambda: bg.read_population(
                real / "statbel_population_sectors_2019" / "OPEN DATA_SECTOREN_2019.xlsx"
            ),
            "age bands": lambda: bg.read_age_bands(
                ibsa / "ACP_BXL_sectors.xls", share_column="PAG0015", total_column="POP_2018"
            ),
            "areas": lambda: bg.read_areas(ibsa / "secteurs_quartiers_2023.csv", sectors=sectors),
            "services": lambda: bg.read_services(
                real / "brussels_city_childcare_one" / "milieux_accueil_petite_enfance.csv"
            ),
        }
        for name, load in loaders.items():
            a, b = load(), load()
            assert len(pd.concat([a, b])) == len(a) + len(b), name
            column = _first_column(a)
            assert a.astype({column: object})[column].dtype == object, name
            merged = pd.DataFrame(a).merge(
                pd.DataFrame(b), left_index=True, right_index=True, suffixes=("", "_b")
            )
            assert len(merged) == len(a), name
            back = pickle.loads(pickle.dumps(a))
            pd.testing.assert_frame_equal(set_aside_of(back), set_aside_of(a))
            if hasattr(a, "geometry"):
                a.reset_index().to_file(tmp_path / "t.gpkg", layer=name.replace(" ", "_"))


@pytest.mark.realdata
def test_real_brussels_city_childcare_run_writes_every_output(real, tmp_path):
    """The crash of issue 17: the City of Brussels childcare file with the quartier table
    (one services file, default outputs) ended in 'The truth value of a DataFrame is
    ambiguous' while writing indicators.gpkg."""
    config = brussels_config(real, tmp_path)
    analysis = bg.run_config(config, quiet=True)
    for name in ("indicators.gpkg", "map.html", "set_aside.csv", "buurtfiches/index.html"):
        assert (tmp_path / "out" / name).is_file(), name
    assert len(analysis.services) == 92
    # and the rows of two services files combine
    path = real / "brussels_city_childcare_one" / "milieux_accueil_petite_enfance.csv"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        one, two = bg.read_services(path), bg.read_services(path)
    assert len(pd.concat([one, two])) == 2 * len(one)


def brussels_config(real: Path, tmp_path: Path, **outputs: object) -> dict:
    """The issue's configuration: City of Brussels sectors, population, IBSA age bands and
    quartiers, the City's childcare file (ONE and Kind & Gezin)."""
    sectors = real / "statbel_sectors_brussels_2020" / "statistical_sectors_brussels_region.gpkg"
    ibsa = real / "brussels_quartiers_ibsa"
    return {
        "inputs": {
            "sectors": str(sectors),
            "municipality": "Bruxelles",
            "population": str(
                real / "statbel_population_sectors_2019" / "OPEN DATA_SECTOREN_2019.xlsx"
            ),
            "age_bands": {
                "path": str(ibsa / "ACP_BXL_sectors.xls"),
                "share_column": "PAG0015",
                "total_column": "POP_2018",
            },
            "areas": str(ibsa / "secteurs_quartiers_2023.csv"),
            "services": [
                {
                    "path": str(
                        real / "brussels_city_childcare_one" / "milieux_accueil_petite_enfance.csv"
                    )
                }
            ],
        },
        "outputs": {"dir": str(tmp_path / "out"), **outputs},
    }
