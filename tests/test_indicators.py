"""The indicator registry: one entry per published column, one way to write a value."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

import buurtgeo as bg
from buurtgeo import indicators
from buurtgeo.errors import InputError


@pytest.mark.parametrize(
    ("column", "value", "language", "expected"),
    [
        ("share_covered__childcare_baby", 0.774, "nl", "77 %"),
        ("share_covered", 1.0, "en", "100 %"),
        ("mean_dist_m", 1234.5, "nl", "1.234 m"),  # round half to even, thousands dot
        ("mean_dist_m", 1234.6, "en", "1,235 m"),
        ("mean_dist_m__library", float("inf"), "nl", "onbereikbaar"),
        ("dist_nearest_m", np.inf, "en", "unreachable"),
        ("time_nearest_min", 12.345, "nl", "12,3 min"),
        ("places_per_100_2sfca", 36.64, "nl", "36,6"),
        ("fca2", 0.36641, "en", "0.366"),
        ("target_pop", 8071.0, "nl", "8.071"),
        ("children_0_2", 12.7, "nl", "13"),  # persons are whole numbers when shown
        ("high_need_low_reach", True, "nl", "ja"),
        ("high_need_low_reach", np.False_, "en", "no"),
        ("area_name", "Sint-Pieters", "nl", "Sint-Pieters"),
        ("need", 12.345, "en", "12.3"),  # no registered decimals: 1 below 100
        ("need", 1.2345, "en", "1.23"),  # 2 below 10
        ("need", 250.0, "en", "250"),
        ("mean_dist_m", None, "nl", "geen gegevens"),
        ("mean_dist_m", float("nan"), "en", "no data"),
        ("mean_dist_m", pd.NA, "en", "no data"),
        ("gap_score", -0.001, "en", "0.00"),  # never '-0.00'
        ("dist_to_park_m", 51.2, "en", "51 m"),  # unknown *_m: a distance
    ],
)
def test_format_value_by_hand(column, value, language, expected):
    assert bg.format_value(column, value, language=language) == expected


def test_missing_values_in_compact_tables_and_units_on_request():
    assert bg.format_value("mean_dist_m", float("nan"), language="nl", missing="–") == "–"
    assert bg.format_value("mean_dist_m", 800.0, language="nl", unit=False) == "800"


def test_labels_come_with_the_kind_and_fall_back_to_the_name():
    assert bg.label("mean_dist_m__library", language="en") == "Mean distance (m): Library"
    assert bg.label("share_covered", language="nl") == "Aandeel kinderen binnen bereik"
    assert bg.label("not_an_indicator") == "not_an_indicator"
    assert bg.explain("fca2", language="en").startswith("places per child")
    assert bg.explain("not_an_indicator") == ""


def test_derived_names_use_the_longest_registered_prefix():
    assert bg.get_indicator("dist_nearest_m_2sfca").unit == " m"
    assert bg.get_indicator("children_0_5").persons
    assert bg.get_indicator("unknown") is None
    assert indicators.worse("mean_time_min__playground") == "higher"
    assert indicators.worse("share_covered") == "lower"


def test_every_label_is_known_in_a_fresh_process():
    """Labels no longer depend on which module happened to be imported first."""
    code = "import buurtgeo as bg; print(bg.label('area_m2'), bg.label('gap_rank', language='en'))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "Oppervlakte (m²) Rank (1 = largest gap)"


def test_register_refuses_a_silent_change_and_accepts_a_repeat():
    entry = bg.Indicator("test_only_col", "Proef", "Test", unit=" pt", decimals=1)
    try:
        bg.register_indicator(entry)
        bg.register_indicator(entry)  # the same entry: harmless
        with pytest.raises(InputError, match="registered already"):
            bg.register_indicator(bg.Indicator("test_only_col", "Andere", "Other"))
        assert bg.format_value("test_only_col__library", 2.26, language="en") == "2.3 pt"
        bg.register_indicator(
            bg.Indicator("test_only_col", "Andere", "Other"), replace_existing=True
        )
        assert bg.label("test_only_col", language="en") == "Other"
    finally:
        indicators._REGISTRY.pop("test_only_col", None)
    with pytest.raises(InputError, match="worse"):
        bg.register_indicator(bg.Indicator("x", "x", "x", worse="up"))  # type: ignore[arg-type]
    with pytest.raises(InputError, match="__"):
        bg.register_indicator(bg.Indicator("a__b", "x", "x"))


def test_every_aggregated_indicator_names_its_weight():
    for entry in indicators.registered_indicators().values():
        if entry.aggregation in ("mean", "median", "share"):
            assert entry.weight, entry.name
        if entry.persons:
            assert entry.aggregation == "sum", entry.name


def test_every_published_column_of_the_demo_has_a_label_and_the_indicators_an_explanation(
    demo_output,
):
    legend = pd.read_csv(demo_output / "legenda.csv", sep=";", encoding="utf-8-sig")
    unlabelled = legend.loc[legend["label"] == legend["kolom"], "kolom"].tolist()
    assert not unlabelled
    measures = legend["kolom"].str.partition("__")[0]
    aggregated = {
        name
        for name, entry in indicators.registered_indicators().items()
        if entry.aggregation != "none" and entry.doc_nl
    }
    explained = legend.loc[measures.isin(aggregated), "uitleg"]
    assert explained.notna().all() and len(explained) > 0
