"""The planner's files, and small numbers hidden before they are published.

:func:`write_outputs` (what :meth:`buurtgeo.Analysis.write` calls) writes::

    DIR/indicators.csv         one row per statistical sector  (Excel-ready, see below)
    DIR/indicators_areas.csv   one row per area (dicht-bij-huis *buurt*)
    DIR/legenda.csv            what each column of the two CSV files means
    DIR/indicators.xlsx        both tables as sheets 'sectoren' and 'buurten'
    DIR/indicators.gpkg        layers 'sectors', 'areas', 'services'
    DIR/map.html               self-contained interactive map (opens offline)
    DIR/set_aside.csv          every input row that was not used, with file, row and reason
    DIR/published_vs_found.csv places and locations found against Opgroeien's published
                               figures per municipality (with ``inputs.published_places``)
    DIR/places_by_language.csv locations and places per area and language (Brussels)
    DIR/buurtfiches/           one HTML fact sheet per area (+ index.html)

and, when the configuration asks for them (see :mod:`buurtgeo.planning`)::

    DIR/equity.csv             per service kind: equity of access across children (deprivation)
    DIR/bivariate.html         need × reach per area (deprivation given)
    DIR/scenarios.csv          per scenario and area: before, after, difference
    DIR/scenario_<name>.html   per scenario: before, after and the difference on a map
    DIR/sites.csv              suggested sites, in the order they add coverage
    indicators.gpkg            + layers 'catchments' (service areas) and 'sites'

CSV format: ``;``-separated, decimal comma, UTF-8 with BOM and CRLF line ends: that is
what Excel with Belgian (nl-BE / fr-BE) settings opens correctly by double-click
(with ``,`` separators and decimal points it would read ``1.234`` as one thousand two
hundred thirty-four and put whole rows in one cell). In Python read it back with
``pd.read_csv(path, sep=";", decimal=",", true_values=["ja"], false_values=["nee"])``
(``"yes"``/``"no"`` with ``outputs.language = "en"``): yes/no columns such as
``high_need_low_reach__<kind>`` are written as ``ja``/``nee`` in the CSV and xlsx, and
stay booleans in the GeoPackage. Unreachable distances (infinite) are
written as empty cells in the CSV and xlsx (``share_unreachable`` says how many
children have none), and as ``inf`` in the GeoPackage. Every file is written to a
temporary name first and then renamed, so a crash never leaves half a file; and the
same inputs give the same bytes (no timestamps; GeoPackage dates fixed).

With ``outputs.suppress_below = n`` every published table hides counts of fewer than
``n`` persons and the rates built on them (:func:`buurtgeo.suppress_small`, in :mod:`buurtgeo.suppression`); the in-memory
analysis keeps every figure.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from buurtgeo._atomic import write_bytes, write_with
from buurtgeo.indicators import explain, format_number, get_indicator, label
from buurtgeo.schema import YES_NO
from buurtgeo.suppression import suppress_small

__all__ = ["GAP_COLUMNS_KEPT", "write_outputs"]


# --------------------------------------------------------------------------------------
# The gap columns published per area (what each column *is* lives in buurtgeo.indicators)
# --------------------------------------------------------------------------------------

#: Columns taken from :func:`buurtgeo.gaps` into the area table, and their names there
#: (its ``places_per_100_2sfca`` is already in the table, from
#: :func:`buurtgeo.aggregate_reach`).
GAP_COLUMNS_KEPT: dict[str, str] = {
    "need": "need",
    "n_services": "n_services",
    "places": "places",
    "places_per_100_in_area": "places_per_100_in_area",
    "missing_places": "missing_places",
    "missing_places_2sfca": "missing_places_2sfca",
    "share_income_related": "share_income_related",
    "gap_score": "gap_score",
    "rank": "gap_rank",
    "bivariate_class": "bivariate_class",
    "class_label": "class_label",
    "high_need_low_reach": "high_need_low_reach",
}


# --------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------


def _is_flag(values: pd.Series) -> bool:
    """A yes/no column: bool or nullable boolean, or objects that are all bools or missing
    (a bool column with a hidden cell, or joined on areas that lack it)."""
    if pd.api.types.is_bool_dtype(values):
        return True
    if values.dtype != object:
        return False
    known = values[values.notna()]
    return len(known) > 0 and all(isinstance(v, bool | np.bool_) for v in known)


def _yes_no_column(values: pd.Series, language: str) -> pd.Series:
    """``ja``/``nee`` (``yes``/``no``; :data:`buurtgeo.schema.YES_NO`), missing stays missing."""
    yes, no = YES_NO["en" if language == "en" else "nl"]
    known = values.notna().to_numpy()
    truth = values.where(known, False).astype(bool).to_numpy()
    words = np.where(truth, yes, no).astype(object)
    words[~known] = None
    return pd.Series(words, index=values.index, dtype="str", name=values.name)


def _for_tables(frame: pd.DataFrame, language: str) -> pd.DataFrame:
    """Plain table for CSV/xlsx: no geometry, inf → empty, floats rounded to 4 decimals
    (more where the registry shows more: longitudes and latitudes keep 6), booleans as
    words people read (``ja``/``nee`` or ``yes``/``no``, by ``language``)."""
    frame = pd.DataFrame(frame.drop(columns="geometry", errors="ignore")).copy()
    for column in frame.columns:
        if _is_flag(frame[column]):
            frame[column] = _yes_no_column(frame[column], language)
        elif pd.api.types.is_float_dtype(frame[column]):
            values = frame[column].replace([np.inf, -np.inf], np.nan)
            entry = get_indicator(str(column))
            shown = entry.decimals if entry is not None and entry.decimals is not None else 0
            frame[column] = values.round(max(4, shown))
    return frame


def _csv_bytes(frame: pd.DataFrame, *, index_label: str | None = None) -> bytes:
    text = frame.to_csv(sep=";", decimal=",", lineterminator="\r\n", index_label=index_label)
    return ("\ufeff" + text).encode("utf-8")


def _catchment_note(analysis: Any, kind: str, language: str) -> str:
    """``bereik 800 m = 10 min te voet (4,8 km/u)``: a kind's catchment for the legend, in
    metres and in minutes at the speed of the analysis (as given when in minutes)."""
    metres = getattr(analysis, "catchment_m", {}).get(kind)
    speed = float(getattr(analysis, "speed_kmh", 4.8))
    if metres is None:
        return ""
    minutes = getattr(analysis, "catchment_min", {}).get(kind, metres / (speed * 1000.0 / 60.0))
    network = getattr(analysis, "network", None)
    bike = network is not None and getattr(network, "mode", "walk") == "bike"
    en = language == "en"
    how = ("by bike" if bike else "on foot") if en else ("per fiets" if bike else "te voet")
    m = format_number(float(metres), 0, language)
    mins = format_number(float(minutes), 1 if round(minutes, 1) % 1 else 0, language)
    km_h = format_number(speed, 1, language)
    word = "catchment" if en else "bereik"
    return (
        f" ({word} {m} m = {mins} min {how} at {km_h} km/h)"
        if en
        else (f" ({word} {m} m = {mins} min {how} aan {km_h} km/u)")
    )


def _legend_table(analysis: Any, columns: Sequence[str]) -> pd.DataFrame:
    rows = []
    methods = analysis.sectors.attrs.get("estimate_methods", {})
    for column in columns:
        base, _, kind = column.partition("__")
        language = analysis.config.language
        doc = explain(base, language=language)
        if base in methods:  # an estimated count says so, and how (geschat)
            doc = f"{doc} — {methods[base].get(language, methods[base].get('nl', ''))}"
        if kind:  # a kind's column: with that kind's catchment
            doc = (doc + _catchment_note(analysis, kind, language)).strip()
        names = ("column", "label", "meaning") if language == "en" else ("kolom", "label", "uitleg")
        rows.append(dict(zip(names, (column, label(column, language=language), doc), strict=True)))
    return pd.DataFrame(rows)


def _write_gpkg(analysis: Any, path: Path) -> None:
    import pyogrio

    layers = {
        "sectors": analysis.sector_indicators,
        "areas": analysis.area_indicators,
        "services": analysis.services,
    }
    for name in ("catchments", "sites"):  # the planner's layers, when asked for
        frame = getattr(analysis, name, None)
        if frame is not None and len(frame):
            layers[name] = frame
    previous = pyogrio.get_gdal_config_option("OGR_CURRENT_DATE")
    pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": "2000-01-01T00:00:00.000Z"})
    try:
        for name, frame in layers.items():
            # typed: yes/no columns become GeoPackage booleans (OFSTBoolean, NULL where
            # unknown), also when they are objects holding bools; no ja/nee words here
            flags = [c for c in frame.columns if c != "geometry" and _is_flag(frame[c])]
            typed = frame.astype(dict.fromkeys(flags, "boolean")) if flags else frame
            typed.reset_index().to_file(path, layer=name, driver="GPKG", engine="pyogrio")
    finally:
        pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": previous})


def _for_publication(analysis: Any) -> Any:
    """The analysis as published: with ``outputs.suppress_below = n``, counts of fewer than
    ``n`` persons, and every rate computed from them, are hidden in every table, the map
    and the fact sheets (:func:`suppress_small`; a ``suppressed`` column
    says what was hidden). The in-memory :class:`~buurtgeo.Analysis` keeps every figure."""
    threshold = analysis.config.suppress_below
    if not threshold:
        return analysis

    def hide(table):
        if table is None:
            return None
        out = suppress_small(table, threshold=threshold)
        out.attrs = dict(table.attrs)
        return out

    return replace(
        analysis,
        sector_indicators=hide(analysis.sector_indicators),
        area_indicators=hide(analysis.area_indicators),
        gaps=hide(analysis.gaps),
        scenarios=[
            replace(res, table=_hide_scenario(res.table, threshold))
            for res in getattr(analysis, "scenarios", [])
        ],
        sites=_hide_sites(getattr(analysis, "sites", None), threshold),
    )


def _hide_scenario(table: pd.DataFrame, threshold: int) -> pd.DataFrame:
    """A scenario's table with the areas of few children hidden (every measure of the row)."""
    rates = [c for c in table.columns if c != "target_pop"]
    out = suppress_small(
        table, threshold=threshold, columns=["target_pop"], rates={"target_pop": rates}
    )
    out.attrs = {}
    return out


def _hide_sites(sites: Any, threshold: int) -> Any:
    """Suggested sites with the need they cover hidden where it is under the threshold."""
    if sites is None or not len(sites):
        return sites
    out = sites.copy()
    for column in ("added", "covers_alone"):
        small = (out[column] > 0) & (out[column] < threshold)
        out[column] = out[column].where(~small)
    return out


def write_outputs(analysis: Any, out_dir: Path) -> dict[str, Path]:
    """Write the files of an :class:`~buurtgeo.Analysis` (see the module docstring), as
    published (:func:`_for_publication`), into ``out_dir``; return their paths by name."""
    from buurtgeo._progress import steps

    analysis = _for_publication(analysis)
    out_dir.mkdir(parents=True, exist_ok=True)
    with steps(total=7, desc="bestanden") as bar:
        written = _write_files(analysis, out_dir, bar)
        bar.step("planning")
        written.update(_write_planning(analysis, out_dir))
        return written


def _write_csv(
    analysis: Any, sectors: pd.DataFrame, areas: pd.DataFrame, out_dir: Path
) -> dict[str, Path]:
    """indicators.csv, indicators_areas.csv and legenda.csv (tables from :func:`_for_tables`)."""
    written: dict[str, Path] = {}
    written["indicators.csv"] = write_with(
        out_dir / "indicators.csv", lambda p: p.write_bytes(_csv_bytes(sectors))
    )
    written["indicators_areas.csv"] = write_with(
        out_dir / "indicators_areas.csv", lambda p: p.write_bytes(_csv_bytes(areas))
    )
    # what each column of the two CSVs means, for whoever opens them in Excel
    names = [sectors.index.name, *sectors.columns, areas.index.name, *areas.columns]
    legend = _legend_table(analysis, [str(n) for n in names if n is not None])
    legend = legend.drop_duplicates(legend.columns[0]).set_index(legend.columns[0])
    written["legenda.csv"] = write_with(
        out_dir / "legenda.csv", lambda p: p.write_bytes(_csv_bytes(legend))
    )
    return written


def _write_xlsx(analysis: Any, sectors: pd.DataFrame, areas: pd.DataFrame, path: Path) -> None:
    """indicators.xlsx: sheets 'sectoren', 'buurten' and 'legenda' (no dates inside)."""
    from buurtgeo.sample import _normalise_xlsx

    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        sectors.to_excel(writer, sheet_name="sectoren")
        areas.to_excel(writer, sheet_name="buurten")
        legend = _legend_table(analysis, [*sectors.columns, *areas.columns])
        legend = legend.drop_duplicates(legend.columns[0])
        legend.to_excel(writer, sheet_name="legenda", index=False)
    path.write_bytes(_normalise_xlsx(buffer.getvalue()))


def _writer(content: bytes) -> Any:
    """A function writing ``content`` to the path it is given (for :func:`write_with`)."""

    def write(path: Path) -> None:
        path.write_bytes(content)

    return write


def _write_files(analysis: Any, out_dir: Path, bar: Any) -> dict[str, Path]:
    cfg = analysis.config
    written: dict[str, Path] = {}
    bar.step("csv")
    sectors = _for_tables(analysis.sector_indicators, cfg.language)
    areas = _for_tables(analysis.area_indicators, cfg.language)
    if cfg.csv:
        written.update(_write_csv(analysis, sectors, areas, out_dir))
    bar.step("xlsx")
    if cfg.xlsx:
        written["indicators.xlsx"] = write_with(
            out_dir / "indicators.xlsx", lambda p: _write_xlsx(analysis, sectors, areas, p)
        )
    bar.step("gpkg")
    if cfg.gpkg:
        written["indicators.gpkg"] = write_with(
            out_dir / "indicators.gpkg", lambda p: _write_gpkg(analysis, p)
        )
    for name, table in getattr(analysis, "tables", {}).items():
        content = _csv_bytes(_for_tables(table, cfg.language))
        written[f"{name}.csv"] = write_with(out_dir / f"{name}.csv", _writer(content))
    bar.step("set_aside")
    set_aside = analysis.set_aside
    written["set_aside.csv"] = write_with(
        out_dir / "set_aside.csv", lambda p: p.write_bytes(_csv_bytes(set_aside.set_index("stage")))
    )
    bar.step("kaart")
    if cfg.map:
        from buurtgeo.maps import save_map

        written["map.html"] = Path(save_map(analysis.map(), out_dir / "map.html"))
    bar.step("buurtfiches")
    if cfg.fact_sheets:
        from buurtgeo.report import write_fact_sheets

        written["buurtfiches"] = write_fact_sheets(analysis, out_dir / "buurtfiches")
    return written


# --------------------------------------------------------------------------------------
# The planner's files: equity, scenarios, sites, the bivariate and scenario maps
# --------------------------------------------------------------------------------------


def _write_planning(analysis: Any, out_dir: Path) -> dict[str, Path]:
    """equity.csv, bivariate.html, scenarios.csv, scenario_<name>.html and sites.csv,
    for what the configuration asked (see :mod:`buurtgeo.planning`)."""
    from buurtgeo import planning

    cfg = analysis.config
    written: dict[str, Path] = {}
    tables = {
        "equity.csv": analysis.equity,
        "scenarios.csv": planning.scenarios_table(analysis.scenarios, analysis.areas),
        "sites.csv": None
        if analysis.sites is None
        else pd.DataFrame(analysis.sites.drop(columns="geometry")),
    }
    for name, table in tables.items():
        if table is not None and cfg.csv:
            written[name] = write_bytes(
                out_dir / name, _csv_bytes(_for_tables(table, cfg.language))
            )
    if cfg.map:
        written.update(_write_planning_maps(analysis, out_dir))
    return written


def _write_planning_maps(analysis: Any, out_dir: Path) -> dict[str, Path]:
    """bivariate.html (deprivation given) and one scenario_<name>.html per scenario."""
    from buurtgeo import planning
    from buurtgeo.maps import bivariate_map, save_map, scenario_map
    from buurtgeo.maps.style import _kind_label

    cfg = analysis.config
    language = cfg.language
    written: dict[str, Path] = {}
    options = {"language": language, "basemap": analysis.basemap}
    if analysis.deprivation is not None and analysis.gaps is not None:
        kind = planning.bivariate_kind(analysis)
        frame, need, reach, classes = planning.bivariate_areas(analysis, kind)
        services = analysis.services[analysis.services["service_kind"] == kind]
        title = f"{_kind_label(kind, language)}: " + (
            "nood × bereik per buurt" if language == "nl" else "need × reach per area"
        )
        m = bivariate_map(
            frame,
            need=need,
            reach=reach,
            classes=classes,
            services=services,
            title=title,
            **options,
        )
        written["bivariate.html"] = Path(save_map(m, out_dir / "bivariate.html"))
    for res in analysis.scenarios:
        services = analysis.services[analysis.services["service_kind"] == res.kind]
        name = f"scenario_{planning.slug(res.name)}.html"
        m = scenario_map(
            res.table,
            analysis.area_indicators,
            indicator=res.indicator,
            services=services.drop(index=res.closed.index),
            added_services=res.opened,
            removed_services=res.closed,
            scheme="default",
            catchment_m=analysis.catchment_m,
            norm=cfg.norm_places_per_100,
            title=f"Scenario: {res.name}",
            **options,
        )
        written[name] = Path(save_map(m, out_dir / name))
    return written
