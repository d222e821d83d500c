"""Errors, options, schema vocabulary and row accounting: the pieces every stage shares."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point

import buurtgeo as bg
from buurtgeo.io._ledger import RowLedger


def test_error_message_names_file_row_column_expected_found():
    err = bg.InputError(
        "not a number",
        path="s.csv",
        row=14,
        column="Capaciteit",
        expected="a count >= 0",
        found="twaalf",
    )
    assert str(err) == (
        "s.csv: row 14, column 'Capaciteit': not a number (expected a count >= 0; found 'twaalf')"
    )
    assert isinstance(err, ValueError)


def test_missing_column_lists_what_was_found():
    err = bg.MissingColumnError("CD_SECTOR", path="pop.xlsx", found_columns=["CD_REFNIS", "TOTAL"])
    text = str(err)
    assert "pop.xlsx" in text and "'CD_SECTOR'" in text and "'CD_REFNIS', 'TOTAL'" in text
    assert isinstance(err, KeyError) and isinstance(err, bg.InputError)


def test_options_context_manager_restores_and_validates():
    assert bg.get_option("language") == "nl"
    with bg.set_options(language="en", working_crs="EPSG:31370"):
        assert bg.get_option("language") == "en"
        assert bg.get_option("working_crs") == "EPSG:31370"
    assert bg.get_option("language") == "nl"
    with pytest.raises(bg.ConfigError) as info:
        bg.set_options(language="fr", working_crs="EPSG:4326", nonsense=1)
    message = str(info.value)
    # every problem at once, and nothing changed
    assert "'language'" in message and "'working_crs'" in message and "'nonsense'" in message
    assert bg.get_option("language") == "nl"


def test_labels_dutch_by_default_english_available():
    assert bg.label("dist_nearest_m") == "Afstand tot dichtstbijzijnde (m)"
    assert bg.label("dist_nearest_m", language="en") == "Distance to nearest (m)"
    with bg.set_options(language="en"):
        assert bg.label("fca2__childcare_baby") == (
            "Places per child (2SFCA): Childcare for babies and toddlers"
        )


def test_service_kind_vocabulary_is_extensible():
    kinds = bg.service_kinds()
    assert {"childcare_baby", "consultatiebureau", "huis_van_het_kind", "primary_school"} <= set(
        kinds
    )
    assert kinds["primary_school"].catchment_m == 400.0
    new = bg.ServiceKind("youth_centre", "Jeugdhuis", "Youth centre", ("children_6_11",), 1200.0)
    try:
        bg.register_service_kind(new)
        assert bg.get_service_kind("youth_centre").label() == "Jeugdhuis"
        with pytest.raises(bg.InputError):
            bg.register_service_kind(new)
    finally:
        from buurtgeo.schema import _KINDS

        _KINDS.pop("youth_centre", None)
    with pytest.raises(bg.InputError, match="unknown service kind 'nope'"):
        bg.get_service_kind("nope")


def test_require_metric_crs_refuses_geographic_and_mixed():
    a = gpd.GeoDataFrame(geometry=[Point(0, 0)], crs="EPSG:3812")
    b = gpd.GeoDataFrame(geometry=[Point(0, 0)], crs="EPSG:31370")
    c = gpd.GeoDataFrame(geometry=[Point(4.3, 50.8)], crs="EPSG:4326")
    assert bg.require_metric_crs(a, a).to_epsg() == 3812
    with pytest.raises(bg.CRSError, match="not a projected CRS"):
        bg.require_metric_crs(c, what=["origins"])
    with pytest.raises(bg.CRSError, match="services is in EPSG:31370 but origins is in EPSG:3812"):
        bg.require_metric_crs(a, b, what=["origins", "services"])
    with pytest.raises(bg.CRSError, match="has no CRS"):
        bg.require_metric_crs(gpd.GeoDataFrame(geometry=[Point(0, 0)]))


def test_ledger_balances_and_keeps_first_reason():
    raw = pd.DataFrame({"id": ["a", "b", "c", "d"], "cap": ["1", "x", "-2", None]})
    ledger = RowLedger(raw, source="t.csv", first_row=2)
    cap = pd.to_numeric(raw["cap"], errors="coerce")
    assert ledger.set_aside(raw["cap"].isna(), "capacity is empty", column="cap") == 1
    assert ledger.set_aside(cap.isna(), "capacity is not a number", column="cap") == 1
    assert ledger.set_aside(cap < 0, "capacity is negative", column="cap") == 1
    kept = raw[ledger.kept]
    result = ledger.attach(pd.DataFrame(kept))
    table = result.attrs["set_aside"]
    assert list(table["row"]) == [3, 4, 5]
    assert list(table["reason"]) == [
        "capacity is not a number",
        "capacity is negative",
        "capacity is empty",
    ]
    assert list(table["id"]) == ["b", "c", "d"]
    assert result.attrs["rows_in"] == len(result) + len(table) == 4
    with pytest.raises(AssertionError, match="row accounting broken"):
        RowLedger(raw, source="t.csv").attach(pd.DataFrame(index=np.arange(3)))


def test_public_api_lists_the_stable_names():
    for name in (
        "read_sectors",
        "read_population",
        "read_services",
        "read_osm_services",
        "read_network",
        "read_areas",
        "reach",
    ):
        assert name in bg.__all__


def test_functions_named_like_their_module_stay_functions():
    """Every public name that is also a submodule's stays the function after a plain
    ``import buurtgeo.<module>`` of every module (which sets the package attribute)."""
    import pkgutil
    import subprocess
    import sys

    modules = {m.name for m in pkgutil.iter_modules(bg.__path__)}
    shared = sorted(set(bg.__all__) & modules)
    assert {"reach", "gaps", "equity", "service_areas"} <= set(shared)
    code = (
        "import importlib, pkgutil, types, buurtgeo as bg\n"
        "for m in pkgutil.iter_modules(bg.__path__):\n"
        "    importlib.import_module('buurtgeo.' + m.name)\n"
        f"print(*(isinstance(getattr(bg, n), types.FunctionType) for n in {shared!r}))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["True"] * len(shared)


def test_missing_column_suggests_a_close_match():
    err = bg.MissingColumnError(
        "PAG015", path="ACP_BXL.xls", found_columns=["SS", "PAG0015", "POP_2018"]
    )
    assert "Did you mean 'PAG0015'?" in str(err)


def test_each_places_per_100_ratio_has_its_own_label():
    import buurtgeo.gaps  # noqa: F401  (registers the gap labels)

    assert bg.label("places_per_100_2sfca") == "Plaatsen per 100 kinderen binnen bereik (2SFCA)"
    assert bg.label("places_per_100_in_area") == "Plaatsen per 100 kinderen in de buurt"
    assert (
        bg.label("places_per_100_2sfca", language="en")
        == "Places per 100 children within reach (2SFCA)"
    )
    assert (
        bg.label("places_per_100_in_area", language="en") == "Places per 100 children in the area"
    )
    # the old, ambiguous name has no label any more (it is shown as it is)
    assert bg.label("places_per_100") == "places_per_100"


def test_the_old_places_per_100_name_says_what_to_use_instead():
    from buurtgeo.schema import renamed_column_note

    for old in ("places_per_100", "places_per_100__childcare_baby", "places_per_100_before"):
        note = renamed_column_note(old)
        assert "places_per_100_2sfca" in note and "places_per_100_in_area" in note, old
    for name in ("places_per_100_2sfca", "places_per_100_in_area__library", "fca2"):
        assert renamed_column_note(name) is None, name
    table = pd.DataFrame({"places_per_100_2sfca": [10.0, 40.0], "children": [5.0, 8.0]})
    with pytest.raises(bg.MissingColumnError) as err:
        bg.equity(table, access="places_per_100", weight="children")
    text = str(err.value)
    assert "no longer exists" in text and "'places_per_100_in_area'" in text
    assert "Did you mean" not in text  # not a typo: a rename


def test_yes_no_words_per_language():
    from buurtgeo.schema import YES_NO, yes_no

    assert YES_NO["nl"] == ("ja", "nee") and YES_NO["en"] == ("yes", "no")
    assert [yes_no(v, "nl") for v in (True, False, np.True_, np.False_)] == [
        "ja",
        "nee",
        "ja",
        "nee",
    ]
    assert [yes_no(v, "en") for v in (True, False)] == ["yes", "no"]
    assert [yes_no(v, "nl") for v in (None, pd.NA, np.nan)] == ["", "", ""]
    # missing values of every kind, and words read as words (bool('nee') is True)
    assert [yes_no(v, "nl") for v in (np.float32("nan"), pd.NaT, np.datetime64("NaT"))] == [""] * 3
    assert [yes_no(v, "en") for v in ("nee", "Ja", " TRUE ", "no")] == ["no", "yes", "yes", "no"]
    with pytest.raises(ValueError, match="misschien"):
        yes_no("misschien")
    with bg.set_options(language="en"):
        assert yes_no(True) == "yes"
