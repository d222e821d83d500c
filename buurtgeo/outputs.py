"""The planner's files: tables safe to open in Excel, sources named, small numbers hidden.

:func:`write_outputs` (what :meth:`buurtgeo.Analysis.write` calls) writes::

    DIR/indicators.csv         one row per statistical sector  (Excel-ready, see below)
    DIR/indicators_areas.csv   one row per area (dicht-bij-huis *buurt*)
    DIR/legenda.csv            what each column of the two CSV files means
    DIR/bronnen.csv            where the numbers come from: every input file (as given,
                               size, SHA-256, layout and vintage recognised, rows read,
                               used and set aside), buurtgeo's and its libraries'
                               versions, and every setting of the run
    DIR/indicators.xlsx        sheets 'sectoren', 'buurten', 'legenda' and 'bronnen'
    DIR/indicators.gpkg        layers 'sectors', 'areas', 'services' and table 'bronnen'
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
(``"yes"``/``"no"`` with ``outputs.language = "en"``; add
``na_values=["afgeschermd (< 5)"]`` with ``outputs.suppress_below = 5``): yes/no columns
such as ``high_need_low_reach__<kind>`` are written as ``ja``/``nee`` in the CSV and
xlsx, and stay booleans in the GeoPackage. Counts of persons and places are whole
numbers, and every other figure has the decimals the indicator registry gives it
(:mod:`buurtgeo.indicators`; a share of 0-1 shown as a whole percentage keeps two); the
planner's equity.csv, scenarios.csv and sites.csv keep at least four decimals.
Unreachable distances (infinite) are written as empty cells in the CSV and xlsx
(``share_unreachable`` says how many children have none), and as ``inf`` in the
GeoPackage. Column headers are the codes (``share_covered__childcare_baby``), or the
labels people read with ``outputs.headers = "labels"``.

Safe to open: a text cell that a spreadsheet would take for a formula (it begins with
``=``, ``+``, ``-``, ``@``, a tab, a carriage return or a line feed, also after blanks)
gets a leading ``'`` in the CSV and xlsx files (OWASP's rule against CSV injection);
numbers stay numbers. No cell built from input text is ever a formula.

Every file is written to a temporary name first and then renamed, so a crash never
leaves half a file; while a run writes, ``ONVOLLEDIG.txt`` (``INCOMPLETE.txt``) in the
folder says that its files may be a mix of two runs, and is removed when every file is
written; temporary files a killed run left behind are removed by the next. The same
inputs give the same bytes (no timestamps; GeoPackage dates fixed). The folder is
checked first (:func:`buurtgeo.config.check_out_dir`): never ``/``, a file, or a
folder where an output would replace an input.

With ``outputs.suppress_below = n`` every published table hides counts of fewer than
``n`` persons, the figures built on them, and what would give them away through a total
(:func:`buurtgeo.suppression.suppress_published`); hidden cells read
*afgeschermd (< n)*. The in-memory analysis keeps every figure.
"""

from __future__ import annotations

import io
import math
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from buurtgeo._atomic import write_bytes, write_text, write_with
from buurtgeo.indicators import explain, format_number, get_indicator, label
from buurtgeo.schema import YES_NO
from buurtgeo.suppression import (
    _DEFAULT_RATES,
    blank_cells,
    hidden_cells,
    hidden_map,
    suppress_published,
    suppress_small,
    suppression_text,
)

__all__ = ["GAP_COLUMNS_KEPT", "write_outputs", "neutralise"]


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
# Cells safe to open in a spreadsheet (OWASP, CSV injection)
# --------------------------------------------------------------------------------------

#: First characters that make Excel, LibreOffice or Google Sheets read a cell as a
#: formula (OWASP: = + - @ tab CR; also a line feed, NUL and the full-width forms).
_FORMULA_START = frozenset("=+-@\t\r\n\x00\uff1d\uff0b\uff0d\uff20")
_BLANKS = " \t\r\n\x00\u00a0\u2007\u202f"


def neutralise(text: str) -> str:
    """``text`` as a spreadsheet cell that is never a formula (OWASP's rule).

    A text whose first character, or first character after blanks, is ``=``, ``+``,
    ``-``, ``@``, a tab, a carriage return, a line feed or NUL (or a full-width
    ``＝ ＋ － ＠``) gets a leading ``'``, which spreadsheets read as "this is text".
    Other texts are returned as they are; applying it twice changes nothing.

    Examples
    --------
    >>> neutralise("=HYPERLINK(\"http://x\")")
    '\'=HYPERLINK("http://x")'
    >>> neutralise("\t=1+1"), neutralise("Kribbe =1")
    ("'\\t=1+1", 'Kribbe =1')
    """
    if not text:
        return text
    first = text[0]
    rest = text.lstrip(_BLANKS)[:1]
    if first in _FORMULA_START or (rest and rest in _FORMULA_START):
        return "'" + text
    return text


def _safe_text(values: pd.Series) -> pd.Series:
    """Every text cell of a column neutralised (numbers, booleans, missing untouched)."""
    if not (values.dtype == object or pd.api.types.is_string_dtype(values)):
        return values
    cells = values.to_numpy(dtype=object)
    changed = [neutralise(v) if isinstance(v, str) else v for v in cells]
    if all(a is b for a, b in zip(changed, cells, strict=True)):
        return values
    return pd.Series(changed, index=values.index, name=values.name, dtype=values.dtype)


def _safe_index(index: pd.Index) -> pd.Index:
    """An index with its text values and names neutralised (each level of a MultiIndex)."""
    if isinstance(index, pd.MultiIndex):
        levels = [_safe_index(index.get_level_values(i)) for i in range(index.nlevels)]
        return pd.MultiIndex.from_arrays(levels, names=[lv.name for lv in levels])
    name = neutralise(index.name) if isinstance(index.name, str) else index.name
    if index.dtype == object or pd.api.types.is_string_dtype(index):
        return pd.Index([neutralise(v) if isinstance(v, str) else v for v in index], name=name)
    return index.rename(name)


def _safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Text cells, the index and the column names of ``frame`` neutralised."""
    out = frame.copy()
    for column in out.columns:
        out[column] = _safe_text(out[column])
    out.index = _safe_index(out.index)
    out.columns = [neutralise(str(c)) for c in out.columns]
    return out


# --------------------------------------------------------------------------------------
# Tables as people read them
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


def _table_decimals(column: str) -> int | None:
    """Decimals of a column in the tables: 0 for a count of persons (the registry's
    ``persons``), else the registry's, on the unscaled value (a share 0-1 shown as a whole
    percentage keeps 2); None when the registry gives none."""
    entry = get_indicator(str(column))
    if entry is not None and entry.persons:
        return 0
    if entry is None or entry.decimals is None:
        return None
    shift = round(math.log10(entry.scale)) if entry.scale > 0 and entry.scale != 1 else 0
    return max(0, entry.decimals + shift)


#: Integers beyond this are not exact in a float64 (and Excel keeps 15 digits).
_EXACT_INT = 2.0**53


def _numbers(values: pd.Series, column: str) -> pd.Series:
    """A numeric column rounded for people: inf → missing; whole numbers (the registry
    gives 0 decimals) as integers; else the registry's decimals (4 when it gives none)."""
    x = pd.to_numeric(values, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    x = np.where(np.isinf(x), np.nan, x)
    decimals = _table_decimals(column)
    if decimals is None:
        if pd.api.types.is_integer_dtype(values) and not values.isna().any():
            return values
        return pd.Series(np.round(x, 4), index=values.index, name=values.name)
    rounded = np.round(x, decimals)
    finite = np.isfinite(rounded)
    if decimals == 0 and bool((np.abs(rounded[finite]) < _EXACT_INT).all()):
        return pd.Series(pd.array(rounded, dtype="Int64"), index=values.index, name=values.name)
    return pd.Series(rounded, index=values.index, name=values.name)


def _for_tables(
    frame: pd.DataFrame, language: str, *, threshold: int | None = None
) -> pd.DataFrame:
    """Plain table for CSV/xlsx: no geometry, inf → empty, numbers rounded as the registry
    says (:func:`_numbers`), booleans as words people
    read (``ja``/``nee`` or ``yes``/``no``), and with ``threshold`` the hidden cells of a
    suppressed table (:func:`buurtgeo.suppression.hidden_cells`) saying
    *afgeschermd (< threshold)*."""
    frame = pd.DataFrame(frame.drop(columns="geometry", errors="ignore")).copy()
    word = suppression_text(threshold, language) if threshold else None
    hidden_in = hidden_map(frame) if word is not None else {}
    for column in frame.columns:
        values = frame[column]
        if _is_flag(values):
            values = _yes_no_column(values, language)
        elif pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
            values = _numbers(values, str(column))
        if word is not None and str(column) in hidden_in:
            hidden = hidden_in[str(column)]
            if hidden.any():
                cells = values.astype(object).to_numpy(copy=True)
                cells[hidden] = word
                values = pd.Series(cells, index=frame.index, name=column, dtype=object)
        frame[column] = values
    return frame


def _header_labels(names: Sequence[Any], language: str) -> list[str]:
    """Column labels for people (``outputs.headers = "labels"``), made unique with the code."""
    labels = [label(str(n), language=language) for n in names]
    seen: dict[str, int] = {}
    for text in labels:
        seen[text] = seen.get(text, 0) + 1
    return [
        f"{text} ({name})" if seen[text] > 1 else text
        for text, name in zip(labels, names, strict=True)
    ]


def _with_headers(frame: pd.DataFrame, headers: str, language: str) -> pd.DataFrame:
    if headers != "labels":
        return frame
    out = frame.copy()
    named = [n for n in out.index.names if n is not None]
    labels = _header_labels([*named, *out.columns], language)
    if named:  # every level of the index has a name, or none is labelled
        if len(named) == out.index.nlevels:
            out.index = out.index.set_names(labels[: len(named)])
        labels = labels[len(named) :]
    out.columns = labels
    return out


def _cell_text(value: Any) -> Any:
    """A cell of a mixed (object) column as the CSV writes it: numbers with a decimal comma."""
    if isinstance(value, bool | np.bool_) or value is None or value is pd.NA:
        return value
    if isinstance(value, float | np.floating):
        return "" if math.isnan(value) else repr(float(value)).replace(".", ",")
    if isinstance(value, int | np.integer):
        return str(int(value))
    return value


def _csv_bytes(frame: pd.DataFrame, *, index_label: str | None = None) -> bytes:
    """``;``-separated, decimal comma, CRLF, UTF-8 with BOM; every text cell, index value
    and header neutralised (:func:`neutralise`)."""
    frame = frame.copy()
    for column in frame.columns:
        if frame[column].dtype == object:
            frame[column] = frame[column].map(_cell_text)
    frame = _safe_frame(frame)
    if index_label is not None:
        index_label = neutralise(index_label)
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
            how = methods[base].get(language, methods[base].get("nl", ""))
            doc = f"{doc} — {how}" if doc else how
        if kind:  # a kind's column: with that kind's catchment
            doc = (doc + _catchment_note(analysis, kind, language)).strip()
        names = ("column", "label", "meaning") if language == "en" else ("kolom", "label", "uitleg")
        rows.append(dict(zip(names, (column, label(column, language=language), doc), strict=True)))
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------------------
# Small numbers hidden before anything is published
# --------------------------------------------------------------------------------------


def _for_publication(analysis: Any) -> Any:
    """The analysis as published: with ``outputs.suppress_below = n``, the tables per
    sector, area, municipality and for the study area suppressed together
    (:func:`buurtgeo.suppression.suppress_published`: small counts of persons, what would
    reveal them through a total, every figure built on them); the long gaps table hides
    the rows of the areas and kinds whose children are hidden; so do the scenarios'
    tables, the equity table and the supply tables (:func:`_hide_linked`), and the
    suggested sites hide the need they cover where it is small (:func:`_hide_sites`).
    The in-memory :class:`~buurtgeo.Analysis` keeps every figure."""
    threshold = analysis.config.suppress_below
    if not threshold:
        return analysis
    from buurtgeo.report import _references

    per_municipality, region = _references(analysis)
    tables = {
        "sectors": analysis.sector_indicators,
        "areas": analysis.area_indicators,
        "municipalities": per_municipality,
        "region": region.to_frame().T,
    }
    targets = {k: tuple(v) for k, v in analysis.targets.items()}
    out = suppress_published(tables, threshold=threshold, targets=targets)
    for name in ("sectors", "areas"):
        out[name].attrs = dict(tables[name].attrs)
        out[name].attrs["suppression_threshold"] = threshold
    return replace(
        analysis,
        sector_indicators=out["sectors"],
        area_indicators=out["areas"],
        municipalities=out["municipalities"],
        region=out["region"],
        gaps=_gaps_for_publication(analysis.gaps, out["areas"], threshold),
        scenarios=[
            replace(res, table=_hide_scenario(res.table, res.kind, out["areas"], threshold))
            for res in analysis.scenarios
        ],
        sites=_hide_sites(analysis.sites, threshold),
        equity=_hide_linked(analysis.equity, threshold, out["region"], "target_pop__{kind}"),
        tables={
            name: _hide_extra_table(name, table, out, threshold)
            for name, table in analysis.tables.items()
        },
    )


def _gaps_for_publication(
    gaps: pd.DataFrame | None, areas: pd.DataFrame, threshold: int
) -> pd.DataFrame | None:
    """The long gaps table as published: :func:`suppress_small`, and every row whose
    area and kind have their children hidden in the published area table."""
    if gaps is None:
        return None
    out = suppress_small(gaps, threshold=threshold)
    if not isinstance(out.index, pd.MultiIndex) or "service_kind" not in out.index.names:
        return out
    columns = [c for c in ("children", "need", *_DEFAULT_RATES["children"]) if c in out.columns]
    kinds = out.index.get_level_values("service_kind")
    area_ids = out.index.get_level_values(0)
    for kind in pd.unique(kinds):
        hidden = pd.Series(hidden_cells(areas, f"target_pop__{kind}"), index=areas.index)
        rows = (kinds == kind) & area_ids.map(hidden).fillna(False).to_numpy(dtype=bool)
        if rows.any():
            for column in columns:
                if pd.api.types.is_float_dtype(out[column]):
                    out.loc[rows, column] = np.nan
                else:
                    out[column] = out[column].astype(object)
                    out.loc[rows, column] = None
            listed = out.loc[rows, "suppressed"].astype(str)
            out.loc[rows, "suppressed"] = [
                ",".join(dict.fromkeys([*filter(None, text.split(",")), *columns]))
                for text in listed
            ]
    return out


def _persons_columns(table: pd.DataFrame) -> list[str]:
    """The numeric columns of ``table`` that count persons (the registry's ``persons``)."""
    from buurtgeo.indicators import get_indicator

    out = []
    for column in table.columns:
        entry = get_indicator(str(column))
        if entry is not None and entry.persons and pd.api.types.is_numeric_dtype(table[column]):
            out.append(str(column))
    return out


def _hide_rows(table: pd.DataFrame, rows: np.ndarray, columns: Sequence[str]) -> pd.DataFrame:
    """``columns`` hidden in ``rows`` of a table that has a ``suppressed`` column (listed)."""
    if not rows.any():
        return table
    out = table.copy()
    for column in columns:
        blank_cells(out, column, rows)
    listed = out["suppressed"].astype("str").fillna("").to_numpy(dtype=object)
    for i in np.flatnonzero(rows):
        listed[i] = ",".join(dict.fromkeys([*filter(None, str(listed[i]).split(",")), *columns]))
    out["suppressed"] = pd.Series(listed, index=out.index, dtype="str")
    return out


def _hide_linked(
    table: pd.DataFrame | None,
    threshold: int,
    published: pd.DataFrame,
    column: str,
    *,
    key: str | None = None,
    kind: str | None = None,
    shown: Sequence[str] = (),
) -> pd.DataFrame | None:
    """A further published table, suppressed as the main tables are.

    Every count of persons (the registry's ``persons``) ``0 < n < threshold`` hides
    itself and every other number of its row (:func:`suppress_small`); and every row
    whose count is hidden in the published table it repeats (``published``'s
    ``column`` — ``{kind}`` filled with the row's ``service_kind``, or ``kind`` — of the
    row named by ``key``, or the index) hides the same, so secondary suppression there
    is not undone here. ``shown`` columns (places, locations: not persons) stay.
    """
    if table is None or not len(table):
        return table
    persons = _persons_columns(table)
    numbers = [
        str(c)
        for c in table.columns
        if str(c) not in shown
        and pd.api.types.is_numeric_dtype(table[c])
        and not pd.api.types.is_bool_dtype(table[c])
    ]
    out = suppress_small(
        table,
        threshold=threshold,
        columns=persons,
        rates={c: [n for n in numbers if n != c] for c in persons},
    )
    ids = table[key] if key is not None else table.index.to_series()
    kinds = (
        table["service_kind"].astype(str)
        if "service_kind" in table.columns
        else pd.Series(kind if kind is not None else table.index.astype(str), index=table.index)
    )
    rows = np.zeros(len(table), dtype=bool)
    for of in pd.unique(kinds):
        name = column.format(kind=of)
        if name not in published.columns:
            continue
        hidden = pd.Series(hidden_cells(published, name), index=published.index)
        if len(published) == 1 and key is None and kind is None:  # the study area's one row
            here = np.full(len(table), bool(hidden.iloc[0]))
        else:
            here = ids.astype(str).map(hidden.set_axis(published.index.astype(str)))
            here = here.fillna(False).to_numpy(dtype=bool)
        rows |= (kinds == of).to_numpy() & here
    out = _hide_rows(out, rows, numbers)
    out.attrs = {}
    out.attrs["suppression_threshold"] = threshold
    return out


def _hide_scenario(
    table: pd.DataFrame, kind: str, areas: pd.DataFrame, threshold: int
) -> pd.DataFrame:
    """A scenario's table as published: an area whose children of the kind are hidden in
    the published area table, or are fewer than the threshold, hides every measure."""
    return _hide_linked(table, threshold, areas, "target_pop__{kind}", kind=kind)


def _hide_extra_table(
    name: str, table: pd.DataFrame, published: Mapping[str, pd.DataFrame], threshold: int
) -> pd.DataFrame:
    """A supply table (``Analysis.tables``) as published: ``published_vs_found`` per
    municipality (children 0-2 as in the municipality table), ``places_by_language`` per
    area and kind (its children as in the area table); places and locations stay."""
    if name == "published_vs_found":
        shown = [c for c in table.columns if str(c).startswith(("places_", "locations_"))]
        shown = [c for c in shown if not str(c).startswith("places_per_100")]
        return _hide_linked(
            table,
            threshold,
            published["municipalities"],
            "children_0_2",
            shown=[*shown, "year_published"],
        )
    if name == "places_by_language":
        return _hide_linked(
            table,
            threshold,
            published["areas"],
            "target_pop__{kind}",
            key="area_id",
            shown=["locations", "places"],
        )
    return _hide_linked(table, threshold, published["areas"], "", kind="")


def _hide_sites(sites: Any, threshold: int) -> Any:
    """Suggested sites as published: the need a site covers (``added``, ``covers_alone``,
    the counts of persons) hidden where ``0 < need < threshold``; since ``cumulative``
    is the running sum of ``added``, it is hidden (with ``share_of_uncovered``, its
    share) from the first site whose ``added`` is hidden on, so no hidden figure is the
    difference of two visible ones."""
    if sites is None or not len(sites):
        return sites
    out = sites.copy()
    counts = [c for c in _persons_columns(out) if c != "cumulative"]
    hidden = {c: np.zeros(len(out), dtype=bool) for c in out.columns}
    for column in counts:
        x = pd.to_numeric(out[column], errors="coerce").to_numpy(dtype=float)
        hidden[column] = (x > 0) & (x < threshold)
    if "added" in hidden and "cumulative" in out.columns:
        first = np.flatnonzero(hidden["added"])
        running = pd.to_numeric(out["cumulative"], errors="coerce").to_numpy(dtype=float)
        after = np.arange(len(out)) >= (first[0] if len(first) else len(out))
        hidden["cumulative"] = after | ((running > 0) & (running < threshold))
        if "share_of_uncovered" in out.columns:
            hidden["share_of_uncovered"] = hidden["cumulative"]
    for column, mask in hidden.items():
        if mask.any():
            values = pd.to_numeric(out[column], errors="coerce").astype("float64")
            out[column] = values.where(~mask)
    names = [c for c in out.columns if hidden[c].any()]
    out["suppressed"] = pd.Series(
        [",".join(c for c in names if hidden[c][i]) for i in range(len(out))],
        index=out.index,
        dtype="str",
    )
    out.attrs = dict(sites.attrs)
    out.attrs["suppression_threshold"] = threshold
    return out


# --------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------

#: The file that says a folder is being written, or was left by an interrupted run.
MARKERS = {"nl": "ONVOLLEDIG.txt", "en": "INCOMPLETE.txt"}
_MARKER_TEXT = {
    "nl": "buurtgeo schrijft deze map, of een run werd onderbroken terwijl hij ze schreef:\r\n"
    "de bestanden hier kunnen van twee verschillende runs zijn. Draai de analyse opnieuw;\r\n"
    "dit bestand verdwijnt wanneer alle bestanden geschreven zijn.\r\n",
    "en": "buurtgeo is writing this folder, or a run was interrupted while writing it:\r\n"
    "the files here may come from two different runs. Run the analysis again;\r\n"
    "this file disappears when every file has been written.\r\n",
}


@contextmanager
def _writing(out_dir: Path, language: str) -> Iterator[None]:
    """Mark ``out_dir`` incomplete while the block writes it (the mark stays when the
    block fails or the process is killed); remove temporary files a killed run left."""
    from buurtgeo._atomic import remove_stale_temporaries

    out_dir.mkdir(parents=True, exist_ok=True)
    remove_stale_temporaries(out_dir)
    marker = out_dir / MARKERS.get(language, MARKERS["nl"])
    write_text(marker, _MARKER_TEXT.get(language, _MARKER_TEXT["nl"]))
    yield
    for name in MARKERS.values():
        (out_dir / name).unlink(missing_ok=True)


def write_outputs(analysis: Any, out_dir: Path) -> dict[str, Path]:
    """Write the files of an :class:`~buurtgeo.Analysis` (see the module docstring), as
    published (:func:`_for_publication`), into ``out_dir``; return their paths by name.

    Raises
    ------
    ConfigError
        When ``out_dir`` is ``/``, a file, or a folder where an output would replace an
        input file (:func:`buurtgeo.config.check_out_dir`); nothing is written then.
    """
    from buurtgeo._progress import steps
    from buurtgeo.config import check_out_dir

    out_dir = Path(out_dir)
    check_out_dir(analysis.config, out_dir)
    analysis = _for_publication(analysis)
    with _writing(out_dir, analysis.config.language), steps(total=9, desc="bestanden") as bar:
        written = _write_files(analysis, out_dir, bar)
        bar.step("planning")
        written.update(_write_planning(analysis, out_dir))
        return written


def _headers(analysis: Any) -> str:
    return getattr(analysis.config, "headers", "codes")


def _write_csv(
    analysis: Any, sectors: pd.DataFrame, areas: pd.DataFrame, out_dir: Path
) -> dict[str, Path]:
    """indicators.csv, indicators_areas.csv and legenda.csv (tables from :func:`_for_tables`)."""
    language = analysis.config.language
    written: dict[str, Path] = {}
    for name, table in (("indicators.csv", sectors), ("indicators_areas.csv", areas)):
        data = _csv_bytes(_with_headers(table, _headers(analysis), language))
        written[name] = write_bytes(out_dir / name, data)
    # what each column of the two CSVs means, for whoever opens them in Excel
    names = [sectors.index.name, *sectors.columns, areas.index.name, *areas.columns]
    legend = _legend_table(analysis, [str(n) for n in names if n is not None])
    legend = legend.drop_duplicates(legend.columns[0]).set_index(legend.columns[0])
    written["legenda.csv"] = write_with(
        out_dir / "legenda.csv", lambda p: p.write_bytes(_csv_bytes(legend))
    )
    return written


def _write_xlsx(
    analysis: Any, sectors: pd.DataFrame, areas: pd.DataFrame, sources: pd.DataFrame, path: Path
) -> None:
    """indicators.xlsx: sheets 'sectoren', 'buurten', 'legenda' and 'bronnen' (no dates
    inside; every text cell neutralised, so no cell is ever a formula)."""
    from buurtgeo.sample import _normalise_xlsx

    language = analysis.config.language
    headers = _headers(analysis)
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        _safe_frame(_with_headers(sectors, headers, language)).to_excel(
            writer, sheet_name="sectoren"
        )
        _safe_frame(_with_headers(areas, headers, language)).to_excel(writer, sheet_name="buurten")
        legend = _legend_table(analysis, [*sectors.columns, *areas.columns])
        legend = legend.drop_duplicates(legend.columns[0])
        _safe_frame(legend).to_excel(writer, sheet_name="legenda", index=False)
        _safe_frame(_with_headers(sources, headers, language)).to_excel(
            writer, sheet_name="bronnen", index=False
        )
    path.write_bytes(_normalise_xlsx(buffer.getvalue()))


def _write_gpkg(analysis: Any, path: Path, sources: pd.DataFrame | None = None) -> None:
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
        if sources is not None:  # a table without geometry: an 'attributes' table
            pyogrio.write_dataframe(pd.DataFrame(sources), path, layer="bronnen", driver="GPKG")
    finally:
        pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": previous})


def _writer(content: bytes) -> Any:
    """A function writing ``content`` to the path it is given (for :func:`write_with`)."""

    def write(path: Path) -> None:
        path.write_bytes(content)

    return write


def _table_bytes(analysis: Any, table: pd.DataFrame) -> bytes:
    """A further table as CSV, like the main ones: numbers rounded as the registry says
    hidden cells saying so, the headers asked for,
    every text cell neutralised."""
    cfg = analysis.config
    if isinstance(table.index, pd.RangeIndex) and table.index.name is None and len(table.columns):
        table = table.set_index(table.columns[0])  # no unnamed 0, 1, 2 … column
    shown = _for_tables(table, cfg.language, threshold=cfg.suppress_below)
    return _csv_bytes(_with_headers(shown, _headers(analysis), cfg.language))


def _write_files(analysis: Any, out_dir: Path, bar: Any) -> dict[str, Path]:
    from buurtgeo._sources import sources_table

    cfg = analysis.config
    threshold = cfg.suppress_below
    written: dict[str, Path] = {}
    bar.step("csv")
    sectors = _for_tables(analysis.sector_indicators, cfg.language, threshold=threshold)
    areas = _for_tables(analysis.area_indicators, cfg.language, threshold=threshold)
    if cfg.csv:
        written.update(_write_csv(analysis, sectors, areas, out_dir))
    bar.step("bronnen")
    sources = sources_table(analysis)
    shown = _with_headers(sources.set_index("part"), _headers(analysis), cfg.language)
    written["bronnen.csv"] = write_with(
        out_dir / "bronnen.csv", lambda p: p.write_bytes(_csv_bytes(shown))
    )
    bar.step("xlsx")
    if cfg.xlsx:
        written["indicators.xlsx"] = write_with(
            out_dir / "indicators.xlsx", lambda p: _write_xlsx(analysis, sectors, areas, sources, p)
        )
    bar.step("gpkg")
    if cfg.gpkg:
        written["indicators.gpkg"] = write_with(
            out_dir / "indicators.gpkg", lambda p: _write_gpkg(analysis, p, sources)
        )
    for name, table in getattr(analysis, "tables", {}).items():
        written[f"{name}.csv"] = write_with(
            out_dir / f"{name}.csv", _writer(_table_bytes(analysis, table))
        )
    bar.step("set_aside")
    set_aside = analysis.set_aside.copy()
    if "row" in set_aside.columns:
        set_aside["row"] = pd.array(pd.to_numeric(set_aside["row"], errors="coerce"), dtype="Int64")
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


def _published_differences(table: pd.DataFrame) -> pd.DataFrame:
    """A scenario table whose ``<m>_diff`` is the published ``<m>_after`` minus the
    published ``<m>_before`` (each rounded as the registry says), so that the numbers a
    reader subtracts agree with the difference printed beside them."""
    out = table.copy()
    for column in out.columns:
        measure, sep, _ = str(column).rpartition("_diff")
        before, after = f"{measure}_before", f"{measure}_after"
        if sep and before in out.columns and after in out.columns:
            rounded_after = _numbers(out[after], after).astype("Float64")
            rounded_before = _numbers(out[before], before).astype("Float64")
            out[column] = (rounded_after - rounded_before).astype("float64")
    return out


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
    if tables["scenarios.csv"] is not None:
        tables["scenarios.csv"] = _published_differences(tables["scenarios.csv"])
    for name, table in tables.items():
        if table is not None and cfg.csv:
            # as every table: persons whole, the registry's decimals
            written[name] = write_bytes(out_dir / name, _table_bytes(analysis, table))
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
    options: dict[str, Any] = {"language": language, "basemap": analysis.basemap}
    if analysis.sources:  # every page names its sources, as map.html does
        from buurtgeo._sources import sources_line

        options["footer"] = sources_line(analysis, language)
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
