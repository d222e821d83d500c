"""Per-area fact sheets: one page per area, references, escaped names, deterministic."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

import pandas as pd
import pytest

from buurtgeo.errors import InputError
from buurtgeo.pipeline import run_config
from buurtgeo.report import fact_sheet, fact_sheets, write_fact_sheets
from buurtgeo.sample import make_sample

EVIL = "<script>alert('x')</script> & Co"


@pytest.fixture(scope="module")
def analysis(tmp_path_factory):
    folder = tmp_path_factory.mktemp("sample")
    paths = make_sample(folder)
    # a service whose name is an attempt at script injection, next to a real one
    city = pd.read_csv(paths["services"], sep=";", encoding="utf-8-sig", dtype=str)
    evil = city.iloc[[0]].assign(ID="EVIL1", Naam=EVIL)
    text = pd.concat([city, evil]).to_csv(sep=";", index=False, lineterminator="\r\n")
    paths["services"].write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    config = {
        "inputs": {
            "sectors": str(paths["sectors"]),
            "population": str(paths["population"]),
            "age_bands": str(paths["age_bands"]),
            "areas": str(paths["areas"]),
            "services": [{"path": str(paths["childcare"])}, {"path": str(paths["services"])}],
        },
        "analysis": {"origins": "point"},
    }
    return run_config(config, write=False, quiet=True)


@pytest.fixture(scope="module")
def sheets(analysis):
    return fact_sheets(analysis)


class _Scripts(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)

    def handle_data(self, data):
        self.text.append(data)


def test_one_page_per_area(analysis, sheets):
    assert list(sheets) == list(analysis.area_indicators.index)
    for area_id, page in sheets.items():
        name = analysis.area_indicators.loc[area_id, "area_name"]
        assert page.startswith("<!DOCTYPE html>")
        assert f"<h1>{name}</h1>" in page
        assert "<svg" in page and "</svg>" in page


def test_names_from_data_are_escaped(analysis, sheets):
    evil_kind = analysis.services.loc["EVIL1", "service_kind"]
    pages = [page for page in sheets.values() if "alert" in page]
    assert pages, f"the {evil_kind} named {EVIL!r} should be listed near some area"
    for page in pages:
        parser = _Scripts()
        parser.feed(page)
        assert "script" not in parser.tags  # no element was injected
        assert EVIL in "".join(parser.text)  # the name shows as text
        assert "&lt;script&gt;" in page


def test_indicators_against_municipality_and_region(analysis, sheets):
    kind = "childcare_baby"
    areas = analysis.indicators(level="area", kind=kind)
    area_id = areas.index[0]
    page = sheets[area_id]
    # the study-area column equals the region's weighted share, in %
    region_share = round(100 * analysis.region.iloc[0][f"share_covered__{kind}"])
    row = re.search(
        r"Aandeel kinderen binnen bereik</td>(.*?)</tr>", page.split("Kinderopvang baby")[2]
    )
    assert row is not None
    cells = re.findall(r"<td class='n[^']*'>([^<]*)</td>", row.group(1))
    assert cells[0] == f"{round(100 * areas.loc[area_id, 'share_covered'])} %"
    assert cells[2] == f"{region_share} %"
    # the municipality's residents are the sum over its sectors
    nis = areas.loc[area_id, "municipality_nis"]
    residents = analysis.sectors.loc[analysis.sectors["municipality_nis"] == nis, "population"]
    expected = f"{round(residents.sum()):,}".replace(",", ".")
    assert f"<td class='n'>{expected}</td>" in page


def test_services_in_the_area_are_listed(analysis, sheets):
    area_id = analysis.area_indicators.index[0]
    geometry = analysis.area_indicators.geometry.loc[area_id]
    inside = analysis.services[analysis.services.within(geometry)]
    for name in inside["name"]:
        assert html.escape(name) in sheets[area_id]


def test_same_analysis_same_bytes(analysis, sheets):
    area_id = analysis.area_indicators.index[-1]
    assert fact_sheet(analysis, area_id) == sheets[area_id]


def test_unknown_area_is_a_clear_error(analysis):
    with pytest.raises(InputError, match="unknown area 'nowhere'"):
        fact_sheet(analysis, "nowhere")


def test_write_fact_sheets_with_an_index(analysis, tmp_path):
    index = write_fact_sheets(analysis, tmp_path / "fiches")
    assert index.name == "index.html"
    links = re.findall(r"href='([^']+)'", index.read_text(encoding="utf-8"))
    assert len(links) == len(analysis.area_indicators)
    for link in links:
        assert (index.parent / link).is_file()
    assert not list(index.parent.glob(".*"))


def test_english(analysis):
    from dataclasses import replace

    english = replace(analysis, config=replace(analysis.config, language="en"))
    page = fact_sheet(english, english.area_indicators.index[0])
    assert 'lang="en"' in page and "Study area" in page and "Share of children within reach" in page


def test_gap_table_per_kind(analysis, sheets):
    areas = analysis.indicators(level="area", kind="childcare_baby")
    area_id = areas.index[0]
    section = sheets[area_id].split("<h2>Hiaten</h2>")[1].split("</table>")[0]
    row = re.search(
        r"<tr><td>Kinderopvang baby's en peuters</td>(.*?)</tr>", html.unescape(section)
    )
    assert row is not None
    cells = re.findall(r"<td[^>]*>([^<]*)</td>", row.group(1))
    assert cells[-1] == areas.loc[area_id, "class_label"]
    assert cells[-2] == str(int(areas.loc[area_id, "gap_rank"]))


def test_one_municipality_has_no_separate_study_area_column(tmp_path):
    """Study area = one municipality: the municipality column says it all (no twin column)."""
    paths = make_sample(tmp_path)
    config = {
        "inputs": {
            "sectors": str(paths["sectors"]),
            "population": str(paths["population"]),
            "age_bands": str(paths["age_bands"]),
            "areas": str(paths["areas"]),
            "municipality": "Lindevoorde",
            "services": [{"path": str(paths["childcare"])}],
        },
        "analysis": {"origins": "point"},
    }
    one = run_config(config, write=False, quiet=True)
    page = fact_sheet(one, one.area_indicators.index[0])
    assert "Studiegebied" not in page and "<th class='n'>Lindevoorde</th>" in page
    assert "<h2>Bereik en aanbod per voorziening</h2>" in page
    header_cells = re.findall(r"<th[^>]*>", page.split("<h2>Bereik en aanbod")[1].split("</tr>")[0])
    assert len(header_cells) == 3  # indicator, area, municipality
    assert "colspan='3'" in page


def test_two_municipalities_keep_the_study_area_column(sheets):
    page = next(iter(sheets.values()))
    assert page.count("<th class='n'>Studiegebied</th>") == 2  # residents and indicators
    assert "<h2>Bereik en aanbod per voorziening</h2>" in page


def test_formulas_in_the_readers_language(analysis, sheets):
    page = next(iter(sheets.values()))
    footer = page.split("<footer>")[1]
    assert "Aandeel kinderen binnen bereik = Σ P·[d ≤ B] / Σ P" in footer
    assert "V_j = S_j / Σ_{i: d_ij ≤ B} P_i" in footer and "B = bereik" in footer
    assert "share_covered" not in footer  # no column identifiers for a Dutch reader
    from dataclasses import replace

    english_analysis = replace(analysis, config=replace(analysis.config, language="en"))
    english = fact_sheet(english_analysis, analysis.area_indicators.index[0])
    assert "Share of children within reach = Σ P·[d ≤ C] / Σ P" in english
