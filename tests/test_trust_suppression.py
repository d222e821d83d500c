"""Small-number suppression without leaks (issue 17).

With ``outputs.suppress_below = N`` every published count of persons below N is hidden in
every output (CSV, xlsx, GeoPackage, map, fact sheets), so is every figure that would
reveal it, and no hidden count can be recovered by subtracting visible counts from a
published total. Each test is named after the leak it closes.
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import buurtgeo as bg
from buurtgeo.sample import make_sample
from buurtgeo.suppression import hidden_cells, suppress_published, suppression_text

COUNTS = ("population", "children_0_2", "children_3_5", "children_6_11", "children_0_17")
N = 100  # high enough that the fictional sample has small and large counts


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    return make_sample(tmp_path_factory.mktemp("sample"))


def _config(sample: dict[str, Path], out: Path, **outputs) -> dict:
    return {
        "inputs": {
            "sectors": str(sample["sectors"]),
            "population": str(sample["population"]),
            "age_bands": str(sample["age_bands"]),
            "areas": str(sample["areas"]),
            "services": [{"path": str(sample["childcare"])}, {"path": str(sample["services"])}],
        },
        "analysis": {"origins": "point", "kinds": ["childcare_baby", "playground"]},
        "outputs": {"dir": str(out), **outputs},
    }


@pytest.fixture(scope="module")
def published(sample, tmp_path_factory):
    out = tmp_path_factory.mktemp("suppressed")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        analysis = bg.run_config(_config(sample, out, suppress_below=N), quiet=True)
    return analysis, out


def _read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, sep=";", dtype=str, encoding="utf-8-sig", keep_default_na=False)


def _number(text: str) -> float:
    return float(text.replace(",", ".")) if text not in ("", None) else np.nan


# --------------------------------------------------------------------------------------
# primary: no small count of persons anywhere
# --------------------------------------------------------------------------------------


def test_suppression_hides_population_and_children_bands_not_only_target_pop(published):
    """The leak: target_pop and the rates were hidden but the same small counts stayed in
    population and children_* (CSV, xlsx, GeoPackage)."""
    import pyogrio

    analysis, out = published
    word = suppression_text(N)
    for name, kept in (
        ("indicators.csv", analysis.sector_indicators),
        ("indicators_areas.csv", analysis.area_indicators),
    ):
        table = _read(out / name).set_index(kept.index.name)
        sheet = "sectoren" if name == "indicators.csv" else "buurten"
        book = pd.read_excel(out / "indicators.xlsx", sheet_name=sheet, dtype=str)
        book = book.set_index(kept.index.name)
        layer = "sectors" if name == "indicators.csv" else "areas"
        gpkg = pyogrio.read_dataframe(out / "indicators.gpkg", layer=layer)
        gpkg = gpkg.set_index(kept.index.name)
        person_columns = [c for c in kept.columns if c in COUNTS or c.startswith("target_pop__")]
        checked = 0
        for column in person_columns:
            small = kept[column].between(0, N, inclusive="neither")
            for sid in kept.index[small.to_numpy()]:
                assert table.loc[sid, column] == word, (name, sid, column)
                assert book.loc[sid, column] == word, (name, sid, column)
                assert pd.isna(gpkg.loc[sid, column]), (name, sid, column)
                checked += 1
            # every visible cell is N or more (or 0)
            visible = table[column] != word
            values = table.loc[visible, column].map(_number)
            assert ((values == 0) | (values >= N - 0.5)).all(), (name, column)
        assert checked > 0, name


def test_suppression_hides_the_small_counts_in_map_popups_and_fact_sheets(published):
    """The leak: map popups and fact sheets showed 'Kinderen 0-2 jaar 4'."""
    analysis, out = published
    areas = analysis.area_indicators
    small = areas["children_0_2"].between(0, N, inclusive="neither")
    assert small.any()
    page = (out / "map.html").read_text(encoding="utf-8")
    assert "afgeschermd (\\u0026lt; 100)" in page  # HTML-escaped, then JSON-escaped
    sheets = out / "buurtfiches"
    for area_id in areas.index[small.to_numpy()]:
        text = (sheets / f"{area_id}.html").read_text(encoding="utf-8")
        row = re.search(r"Kinderen 0-2 jaar</td><td class='n'>([^<]*)</td>", text)
        assert row is not None
        assert row.group(1) == "afgeschermd (&lt; 100)", (area_id, row.group(1))
        value = areas.loc[area_id, "children_0_2"]
        assert f">{bg.format_value('children_0_2', value)}<" not in text.split("<h2>")[2]


def test_suppression_hides_gap_score_rank_and_class_with_the_children(published):
    """The leak: gap score and rank stayed visible for areas whose children were hidden."""
    analysis, out = published
    table = _read(out / "indicators_areas.csv").set_index("area_id")
    word = suppression_text(N)
    kind = "childcare_baby"
    hidden = table[f"target_pop__{kind}"] == word
    assert hidden.any()
    for base in (
        "need",
        "gap_score",
        "gap_rank",
        "class_label",
        "bivariate_class",
        "high_need_low_reach",
        "places_per_100_in_area",
        "missing_places",
        "share_covered",
        "mean_dist_m",
    ):
        column = f"{base}__{kind}"
        if column in table.columns:
            assert (table.loc[hidden, column] == word).all(), column
    # places are not persons: they stay
    assert (table.loc[hidden, f"places__{kind}"] != word).all()


def test_suppressed_cells_say_suppressed_not_no_data(published, sample, tmp_path):
    """The leak: hidden cells read 'geen gegevens' instead of saying they were hidden."""
    analysis, out = published
    areas = analysis.area_indicators
    small = areas["children_0_2"].between(0, N, inclusive="neither").to_numpy()
    # the map: the popups of the hidden areas and the legend say it, in Dutch
    page = (out / "map.html").read_text(encoding="utf-8")
    said = page.count("afgeschermd (\\u0026lt; 100)") + page.count("afgeschermd (&lt; 100)")
    assert said >= int(small.sum()), said
    # the fact sheets: the area's own cell
    for path in (out / "buurtfiches").glob("*.html"):
        text = path.read_text(encoding="utf-8")
        for line in re.findall(r"<tr><td>Kinderen 0-2 jaar</td>.*?</tr>", text):
            assert "geen gegevens" not in line
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        bg.run_config(
            _config(sample, tmp_path, suppress_below=N, language="en", map=False, xlsx=False),
            quiet=True,
        )
    table = _read(tmp_path / "indicators.csv")
    assert (table == "suppressed (< 100)").any().any()
    assert not (table == "afgeschermd (< 100)").any().any()


# --------------------------------------------------------------------------------------
# secondary: no hidden count recovered by subtraction
# --------------------------------------------------------------------------------------


def _hierarchy():
    """Two municipalities; M1 has areas A (sectors s1, s2) and B (s3); M2 area C (s4, s5)."""
    sectors = pd.DataFrame(
        {
            "area_id": ["A", "A", "B", "C", "C"],
            "municipality_nis": ["11001", "11001", "11001", "11002", "11002"],
            "children_0_2": [3.0, 40.0, 60.0, 50.0, 70.0],
            "target_pop__k": [3.0, 40.0, 60.0, 50.0, 70.0],
            "share_covered__k": [0.5, 0.6, 0.7, 0.8, 0.9],
        },
        index=pd.Index(["s1", "s2", "s3", "s4", "s5"], name="sector_id"),
    )
    areas = sectors.groupby("area_id")[["children_0_2", "target_pop__k"]].sum()
    areas["municipality_nis"] = ["11001", "11001", "11002"]
    areas["share_covered__k"] = [0.6, 0.7, 0.85]
    munis = sectors.groupby("municipality_nis")[["children_0_2", "target_pop__k"]].sum()
    region = munis.sum().to_frame().T
    return {"sectors": sectors, "areas": areas, "municipalities": munis, "region": region}


def test_secondary_suppression_a_hidden_sector_cannot_be_recovered_from_its_area():
    tables = _hierarchy()
    out = suppress_published(tables, threshold=5, targets={"k": ("children_0_2",)})
    s = out["sectors"]
    # s1 (3 children) is hidden; its area A (43) is published: s2 (40) must be hidden too,
    # else 43 - 40 = 3
    assert pd.isna(s.loc["s1", "children_0_2"]) and pd.isna(s.loc["s2", "children_0_2"])
    assert "children_0_2" in s.loc["s2", "suppressed"].split(",")
    # and the rates of s2's children with them; s3 (alone in B) untouched
    assert pd.isna(s.loc["s2", "share_covered__k"])
    assert s.loc["s3", "children_0_2"] == 60.0 and s.loc["s4", "children_0_2"] == 50.0
    assert out["areas"].loc["A", "children_0_2"] == 43.0


def test_secondary_suppression_a_municipality_with_one_hidden_area():
    """The issue's example: a municipality with one hidden area; the area could be
    recovered as the municipality's total minus its other areas."""
    tables = _hierarchy()
    tables["sectors"].loc[["s1", "s2"], ["children_0_2", "target_pop__k"]] = [
        [1.0, 1.0],
        [2.0, 2.0],
    ]
    tables["areas"].loc["A", ["children_0_2", "target_pop__k"]] = [3.0, 3.0]
    tables["municipalities"].loc["11001", ["children_0_2", "target_pop__k"]] = [63.0, 63.0]
    tables["region"].loc[:, ["children_0_2", "target_pop__k"]] = [183.0, 183.0]
    out = suppress_published(tables, threshold=5, targets={"k": ("children_0_2",)})
    a = out["areas"]
    assert pd.isna(a.loc["A", "children_0_2"])
    # B is A's only sibling in 11001: hidden too, and then one of B's sectors (s3 alone)
    assert pd.isna(a.loc["B", "children_0_2"])
    assert pd.isna(out["sectors"].loc["s3", "children_0_2"])
    _assert_no_sum_reveals_one_term(out, tables)


def test_secondary_suppression_never_leaves_hidden_ones_that_add_up_to_their_number():
    """Two hidden cells of 1 under a visible total give themselves away (1 + 1 = 2)."""
    sectors = pd.DataFrame(
        {"area_id": ["A", "A", "A"], "children_0_2": [1.0, 1.0, 30.0]},
        index=pd.Index(["s1", "s2", "s3"], name="sector_id"),
    )
    areas = pd.DataFrame({"children_0_2": [32.0]}, index=pd.Index(["A"], name="area_id"))
    out = suppress_published({"sectors": sectors, "areas": areas}, threshold=5, targets={})
    assert out["sectors"]["children_0_2"].isna().all()


def _sums(tables):
    """Every published sum of the hierarchy: (table, row, [(table, rows)])."""
    s, a = tables["sectors"], tables["areas"]
    out = []
    for i, area in enumerate(a.index):
        out.append(("areas", i, [("sectors", np.flatnonzero(s["area_id"] == area))]))
    if "municipalities" in tables:
        for i, nis in enumerate(tables["municipalities"].index):
            out.append(
                ("municipalities", i, [("sectors", np.flatnonzero(s["municipality_nis"] == nis))])
            )
    return out


def _assert_no_sum_reveals_one_term(out, tables):
    for column in ("children_0_2", "target_pop__k"):
        if column not in out["sectors"]:
            continue
        hidden = {name: hidden_cells(t, column) for name, t in out.items()}
        for parent, i, terms in _sums(tables):
            n = int(hidden[parent][i]) + sum(int(hidden[t][rows].sum()) for t, rows in terms)
            assert n != 1, (column, parent, i)
            if not hidden[parent][i]:
                values = [tables[t][column].to_numpy()[rows] for t, rows in terms]
                hid = [hidden[t][rows] for t, rows in terms]
                total = sum(float(v[h].sum()) for v, h in zip(values, hid, strict=True))
                k = sum(int(h.sum()) for h in hid)
                assert k == 0 or total > k, (column, parent, i)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    counts=st.lists(st.integers(min_value=0, max_value=40), min_size=3, max_size=14),
    areas_of=st.lists(st.integers(min_value=0, max_value=3), min_size=14, max_size=14),
    threshold=st.integers(min_value=2, max_value=10),
)
def test_suppression_property_no_small_count_shown_and_no_sum_with_one_hidden_term(
    counts, areas_of, threshold
):
    n = len(counts)
    area = [f"A{k}" for k in areas_of[:n]]
    sectors = pd.DataFrame(
        {
            "area_id": area,
            "municipality_nis": ["11001" if a in ("A0", "A1") else "11002" for a in area],
            "children_0_2": np.asarray(counts, dtype=float),
            "target_pop__k": np.asarray(counts, dtype=float),
            "share_covered__k": 0.5,
        },
        index=pd.Index([f"s{i}" for i in range(n)], name="sector_id"),
    )
    areas = sectors.groupby("area_id")[["children_0_2", "target_pop__k"]].sum()
    munis = sectors.groupby("municipality_nis")[["children_0_2", "target_pop__k"]].sum()
    tables = {"sectors": sectors, "areas": areas, "municipalities": munis}
    out = suppress_published(tables, threshold=threshold, targets={"k": ("children_0_2",)})
    for name, table in out.items():
        original = tables[name]["children_0_2"].to_numpy()
        shown = table["children_0_2"].to_numpy(dtype=float)
        small = (original > 0) & (original < threshold)
        assert np.isnan(shown[small]).all()
        visible = ~np.isnan(shown)
        np.testing.assert_array_equal(shown[visible], original[visible])
        # the kind's rate is hidden wherever its children are
        if "share_covered__k" in table.columns:
            gone = hidden_cells(table, "target_pop__k")
            assert (
                table["share_covered__k"].to_numpy(dtype=float)[gone].size == 0
                or np.isnan(table["share_covered__k"].to_numpy(dtype=float)[gone]).all()
            )
    _assert_no_sum_reveals_one_term(out, tables)


# --------------------------------------------------------------------------------------
# the real City of Brussels, with and without suppression
# --------------------------------------------------------------------------------------


@pytest.mark.realdata
@pytest.mark.slow
@pytest.mark.parametrize("threshold", [None, 5])
def test_real_brussels_run_publishes_no_small_count(real, tmp_path, threshold):
    from test_trust_frames import brussels_config

    outputs = {"suppress_below": threshold} if threshold else {}
    config = brussels_config(real, tmp_path, **outputs)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        analysis = bg.run_config(config, quiet=True)
    out = tmp_path / "out"
    for name in ("indicators.csv", "indicators_areas.csv", "bronnen.csv", "indicators.gpkg"):
        assert (out / name).is_file()
    sectors = _read(out / "indicators.csv").set_index("sector_id")
    areas = _read(out / "indicators_areas.csv").set_index("area_id")
    if threshold is None:
        assert "suppressed" not in sectors.columns
        return
    word = suppression_text(threshold)
    kept = analysis.sector_indicators
    for column in ("population", "children_0_2", "children_3_5", "target_pop__childcare_baby"):
        small = kept[column].between(0, threshold, inclusive="neither")
        assert small.any(), column
        assert (sectors.loc[kept.index[small.to_numpy()], column] == word).all(), column
        values = sectors.loc[sectors[column] != word, column].map(_number)
        assert ((values == 0) | (values >= threshold - 0.5)).all(), column
    # an area never equals its visible sectors plus a single hidden one
    for column in ("children_0_2", "population"):
        for area_id, group in sectors.groupby("area_id"):
            n_hidden = int((group[column] == word).sum())
            if area_id in areas.index and areas.loc[area_id, column] != word:
                assert n_hidden != 1, (column, area_id)


def test_suppress_small_hides_every_count_of_persons_the_registry_knows():
    """The leak, in the public function: population and children_* were not hidden."""
    table = pd.DataFrame(
        {"population": [3.0, 40.0], "children_0_2": [2.0, 12.0], "places": [10.0, 20.0]}
    )
    out = bg.suppress_small(table, threshold=5)
    assert pd.isna(out.loc[0, "population"]) and pd.isna(out.loc[0, "children_0_2"])
    assert out.loc[1, "population"] == 40.0 and out.loc[0, "places"] == 10.0
