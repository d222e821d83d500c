"""The run's summary: a few lines for the terminal, or an HTML block for a notebook.

:func:`summary_text` is what ``buurtgeo demo`` and ``buurtgeo run`` print (and what
:meth:`buurtgeo.Analysis.summary` returns); :func:`summary_html` is the same summary as
a notebook shows it. Both name the study area, the network, then the B's the run
measures: *beschikbaar en bereikbaar* (one row per service kind: services, catchment,
share of children within reach, places per 100 children, mean distance, for the whole
study area), *betaalbaar* (the share of places with an income-related tariff, where the
inputs say) and, beside them, the *fysieke leefomgeving* (one row per norm of green,
play and youth space: spaces, norm distance, size class, children and residents within
the norm, m² within reach per child, children beyond the norm); then the input rows set
aside (those about other municipalities counted apart) and the notes of the run. Labels
in Dutch or English.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from buurtgeo.green import GREEN_NORMS, is_green_kind
from buurtgeo.indicators import catchment_text, format_number, format_value
from buurtgeo.schema import service_kinds

__all__ = ["summary_html", "summary_text"]

#: The words of the summary and of the run's notes, by language.
_WORDS = {
    "nl": {
        "sectors": "statistische sectoren",
        "areas": "buurten",
        "residents": "inwoners",
        "children": "kinderen 0-17",
        "network": "afstanden over het {mode}netwerk ({nodes} knopen)",
        "straight": "afstanden in rechte lijn (geen netwerk gegeven)",
        "kind": "Voorziening",
        "n": "aantal",
        "catchment": "bereik",
        "covered": "binnen bereik",
        "places": "plaatsen/100 (2SFCA)",
        "dist": "gem. afstand",
        "outside": "waarvan {n} over de grens",
        "set_aside": "{n} invoerrij(en) niet gebruikt ({parts})",
        "outside_rows": "{n} rij(en) over andere gemeenten overgeslagen ({parts})",
        "far_rows": "{n} voorziening(en) te ver van het studiegebied niet gebruikt",
        "see_set_aside": "reden per rij in set_aside.csv",
        "mode_walk": "wandel",
        "mode_bike": "fiets",
        "no_services": "geen voorzieningen van deze soort(en) in de invoer: {kinds}",
        "proposed": "buurten voorgesteld uit aangrenzende sectoren (geen gebiedenbestand gegeven)",
        "b_services": "Beschikbaar en bereikbaar",
        "b_affordable": "Betaalbaar: plaatsen met inkomenstarief: {parts}",
        "b_affordable_none": "Betaalbaar: geen tarieven in de invoer",
        "of_locations": "van de locaties: plaatsen onbekend",
        "b_physical": "Fysieke leefomgeving (normen van de Gemeente- en Stadsmonitor)",
        "norm": "Norm",
        "norm_m": "afstand",
        "min_size": "min. grootte",
        "children_in": "kinderen binnen",
        "residents_in": "inwoners binnen",
        "m2_child": "m²/kind (2SFCA)",
        "children_out": "kinderen buiten",
    },
    "en": {
        "sectors": "statistical sectors",
        "areas": "areas",
        "residents": "residents",
        "children": "children 0-17",
        "network": "distances over the {mode} network ({nodes} nodes)",
        "straight": "straight-line distances (no network given)",
        "kind": "Service",
        "n": "count",
        "catchment": "catchment",
        "covered": "within reach",
        "places": "places/100 (2SFCA)",
        "dist": "mean dist.",
        "outside": "{n} across the border",
        "set_aside": "{n} input row(s) not used ({parts})",
        "outside_rows": "{n} row(s) about other municipalities skipped ({parts})",
        "far_rows": "{n} service(s) too far from the study area not used",
        "see_set_aside": "the reason for each row is in set_aside.csv",
        "mode_walk": "walking",
        "mode_bike": "cycling",
        "no_services": "no services of these kind(s) in the inputs: {kinds}",
        "proposed": "areas proposed from contiguous sectors (no areas file given)",
        "b_services": "Available and reachable (beschikbaar, bereikbaar)",
        "b_affordable": "Affordable (betaalbaar): places with an income-related tariff: {parts}",
        "b_affordable_none": "Affordable (betaalbaar): no tariffs in the inputs",
        "of_locations": "of the locations: places unknown",
        "b_physical": "Physical living environment (norms of the Gemeente- en Stadsmonitor)",
        "norm": "Norm",
        "norm_m": "distance",
        "min_size": "min. size",
        "children_in": "children within",
        "residents_in": "residents within",
        "m2_child": "m²/child (2SFCA)",
        "children_out": "children beyond",
    },
}


def _fmt_int(value: float, language: str) -> str:
    return format_number(round(value), 0, language)


def _cell(column: str, value: Any, language: str) -> str:
    """A value of the summary table: as every output writes it, '–' when missing."""
    return format_value(column, value, language=language, missing="–")


def _catchment(analysis: Any, kind: str, language: str) -> str:
    """A kind's catchment: in minutes (and metres) when given in minutes."""
    minutes = getattr(analysis, "catchment_min", {}).get(kind)
    return catchment_text(analysis.catchment_m[kind], minutes, language=language)


def _count_cell(analysis: Any, kind: str, words: Mapping[str, str]) -> str:
    """How many services of a kind, and how many of them across the border."""
    of_kind = analysis.services[analysis.services["service_kind"] == kind]
    n = str(len(of_kind))
    outside = int(of_kind.get("outside_area", pd.Series(False)).fillna(False).sum())
    if outside:
        n += f" ({words['outside'].format(n=outside)})"
    return n


def _summary_rows(analysis: Any) -> list[list[str]]:
    language = analysis.config.language
    words = _WORDS[language]
    rows = []
    region = analysis.region.iloc[0] if len(analysis.region) else pd.Series(dtype=float)
    for kind in analysis.kinds:
        if is_green_kind(kind):
            continue  # in the physical living environment's table
        n = _count_cell(analysis, kind, words)
        rows.append(
            [
                service_kinds()[kind].label(language=language),
                n,
                _catchment(analysis, kind, language),
                _cell("share_covered", region.get(f"share_covered__{kind}"), language),
                _cell(
                    "places_per_100_2sfca", region.get(f"places_per_100_2sfca__{kind}"), language
                ),
                _cell("mean_dist_m", region.get(f"mean_dist_m__{kind}"), language),
            ]
        )
    return rows


def _summary_head(analysis: Any) -> list[str]:
    language = analysis.config.language
    words = _WORDS[language]
    names = sorted(set(analysis.sectors["municipality_name_nl"].dropna().astype(str)))
    if not names and "municipality_nis" in analysis.sectors.columns:  # a city's own sectors
        names = sorted(set(analysis.sectors["municipality_nis"].dropna().astype(str)))
    population = float(analysis.sectors.get("population", pd.Series(0.0)).sum())
    children = float(analysis.sectors.get("children_0_17", pd.Series(0.0)).sum())
    lines = [
        f"{', '.join(names)}: {len(analysis.sectors)} {words['sectors']}, "
        f"{len(analysis.areas)} {words['areas']}, {_fmt_int(population, language)} "
        f"{words['residents']}, {_fmt_int(children, language)} {words['children']}"
    ]
    if analysis.network is not None:
        mode = words.get(f"mode_{analysis.network.mode}", analysis.network.mode)
        lines.append(
            words["network"].format(mode=mode, nodes=_fmt_int(analysis.network.n_nodes, language))
        )
    else:
        lines.append(words["straight"])
    return lines


_STAGE_WORDS = {
    "nl": {
        "sectors": "sectoren",
        "population": "bevolking",
        "age_bands": "leeftijdsgroepen",
        "join": "koppeling",
        "services": "voorzieningen",
        "network": "netwerk",
        "areas": "gebieden",
        "deprivation": "kansarmoede",
        "green": "groen",
    },
    "en": {"join": "join", "age_bands": "age bands"},
}

#: A municipality (NIS) code in a set-aside row's values: ``CD_REFNIS=21004`` or the
#: first five characters of a sector code in any column (``CD_SECTOR=21004A00-``,
#: IBSA's ``SS=21014A18-``).
_NIS_IN_VALUES = (
    r"(?:^|\| )(?:CD_REFNIS|cd_refnis)=(\d{5})(?:$| \|)"
    r"|=(\d{5})[A-Z][0-9A-Z]{2}[0-9A-Z-]?(?:$| \|)"
)
#: Stages whose rows are about sectors (services and network rows are about places).
_SECTOR_STAGES = ("sectors", "population", "age_bands", "join", "areas", "deprivation")


def _outside_study_area(analysis: Any) -> pd.Series:
    """Set-aside rows about another municipality than the study area's (True).

    A row is outside when its values name a municipality code (``CD_REFNIS`` or the
    first five characters of a sector code) that is not one of the study area's, or
    when an areas table maps a sector of another municipality. Nationwide files
    (Statbel population, regional sector → area tables) bring many of these; they are
    listed in ``set_aside.csv`` but counted apart in the summary.
    """
    table = analysis.set_aside
    if not len(table):
        return pd.Series(False, index=table.index)
    study = set(analysis.sectors["municipality_nis"].dropna().astype(str))
    found = table["values"].astype(str).str.extract(_NIS_IN_VALUES)
    nis = found[0].fillna(found[1])
    outside = table["stage"].isin(_SECTOR_STAGES) & nis.notna() & ~nis.isin(study)
    reason = table["reason"].astype(str)
    outside |= (table["stage"] == "areas") & reason.str.startswith("sector outside")
    return outside.fillna(False).astype(bool)


def _set_aside_line(analysis: Any) -> str:
    language = analysis.config.language
    words = _WORDS[language]
    stage_words = _STAGE_WORDS.get(language, {})
    outside = _outside_study_area(analysis)

    def parts(table: pd.DataFrame) -> str:
        counts = table["stage"].value_counts(sort=False)
        return ", ".join(f"{stage_words.get(stage, stage)} {n}" for stage, n in counts.items())

    table = analysis.set_aside
    far = (table["stage"] == "services") & table["reason"].astype(str).str.startswith(
        "farther from the study area"
    )
    far = far.fillna(False).to_numpy(dtype=bool)
    outside = outside.to_numpy(dtype=bool) & ~far
    inside_rows, outside_rows = table[~outside & ~far], table[outside]
    pieces = []
    if len(inside_rows):
        pieces.append(words["set_aside"].format(n=len(inside_rows), parts=parts(inside_rows)))
    if len(outside_rows):
        pieces.append(words["outside_rows"].format(n=len(outside_rows), parts=parts(outside_rows)))
    if far.any():
        pieces.append(words["far_rows"].format(n=int(far.sum())))
    return "; ".join(pieces) + "; " + words["see_set_aside"]


def _summary_header(analysis: Any) -> list[str]:
    words = _WORDS[analysis.config.language]
    return [words[k] for k in ("kind", "n", "catchment", "covered", "places", "dist")]


def _green_header(analysis: Any) -> list[str]:
    words = _WORDS[analysis.config.language]
    keys = ("norm", "n", "norm_m", "min_size", "children_in", "residents_in", "m2_child")
    return [words[k] for k in (*keys, "children_out")]


def _size_text(m2: float, language: str) -> str:
    """A size class for people: '–' without one, else hectares (m² under 0.1 ha)."""
    if not m2 > 0:
        return "–"
    if m2 < 1_000:
        return format_number(m2, 0, language) + " m²"
    return format_number(m2 / 10_000, 1 if m2 % 10_000 else 0, language) + " ha"


def _green_rows(analysis: Any) -> list[list[str]]:
    """One row per norm of the physical living environment, for the whole study area."""
    language = analysis.config.language
    words = _WORDS[language]
    region = analysis.region.iloc[0] if len(analysis.region) else pd.Series(dtype=float)
    sizes = dict(getattr(analysis.config, "green_options", {}).get("min_area_m2", {}))
    rows = []
    for kind in analysis.kinds:
        if not is_green_kind(kind):
            continue
        size = float(sizes.get(kind, GREEN_NORMS[kind].min_area_m2))
        rows.append(
            [
                service_kinds()[kind].label(language=language),
                _count_cell(analysis, kind, words),
                _catchment(analysis, kind, language),
                _size_text(size, language),
                _cell("share_covered", region.get(f"share_covered__{kind}"), language),
                _cell(
                    "share_residents_covered",
                    region.get(f"share_residents_covered__{kind}"),
                    language,
                ),
                _cell("m2_per_child", region.get(f"m2_per_child__{kind}"), language),
                _cell(
                    "children_beyond_norm", region.get(f"children_beyond_norm__{kind}"), language
                ),
            ]
        )
    return rows


def _affordable_line(analysis: Any) -> str | None:
    """*Betaalbaar*: per kind with known tariffs, the share of its places (of its
    locations, said so, when no place count is known) in the study area with an
    income-related tariff."""
    language = analysis.config.language
    words = _WORDS[language]
    kinds = [k for k in analysis.kinds if not is_green_kind(k)]
    if not kinds:
        return None
    services = analysis.services
    if "outside_area" in services.columns:
        services = services[~services["outside_area"].fillna(False).astype(bool)]
    parts = []
    for kind in kinds:
        of_kind = services[services["service_kind"] == kind]
        if "income_related" not in of_kind.columns or not of_kind["income_related"].notna().any():
            continue
        known = of_kind[of_kind["income_related"].notna()]
        size = pd.to_numeric(known["capacity"], errors="coerce")
        by_places = bool(size.notna().any())
        size = size if by_places else pd.Series(1.0, index=known.index)
        yes = known["income_related"].astype(bool).to_numpy()
        share = float(size[yes].sum() / size.sum()) if size.sum() > 0 else float("nan")
        label = service_kinds()[kind].label(language=language)
        how = "" if by_places else f" ({words['of_locations']})"  # counted, not weighed
        parts.append(f"{label} {_cell('share_income_related', share, language)}{how}")
    if not parts:
        return words["b_affordable_none"]
    return words["b_affordable"].format(parts="; ".join(parts))


def _aligned(cells: Sequence[str], widths: Sequence[int]) -> str:
    """One line of a text table: the first cell left-aligned, the others right-aligned."""
    first = cells[0].ljust(widths[0])
    rest = [c.rjust(w) for c, w in zip(cells[1:], widths[1:], strict=True)]
    return "  ".join([first, *rest]).rstrip()


def summary_text(analysis: Any) -> str:
    """The summary of an :class:`~buurtgeo.Analysis` as plain text (what the CLI prints)."""
    header = _summary_header(analysis)
    rows = _summary_rows(analysis)
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]

    def line(cells: Sequence[str]) -> str:
        return _aligned(cells, widths)

    out = ["buurtgeo — " + _summary_head(analysis)[0], *_summary_head(analysis)[1:], ""]
    words = _WORDS[analysis.config.language]
    if rows:
        out += [words["b_services"], line(header), *(line(r) for r in rows)]
    if (affordable := _affordable_line(analysis)) is not None:
        out.append(affordable)
    green = _green_rows(analysis)
    if green:
        g_header = _green_header(analysis)
        g_widths = [max(len(r[i]) for r in [g_header, *green]) for i in range(len(g_header))]
        out += [""] if rows else []
        out.append(words["b_physical"])
        out += [_aligned(cells, g_widths) for cells in (g_header, *green)]
    if len(analysis.set_aside):
        out += ["", _set_aside_line(analysis)]
    out += [f"· {note}" for note in analysis.notes]
    return "\n".join(out)


def summary_html(analysis: Any) -> str:
    """The same summary as HTML, with the accessors of the result (a notebook's view)."""
    from html import escape

    words = _WORDS[analysis.config.language]

    def table(header: Sequence[str], rows: Sequence[Sequence[str]], title: str) -> str:
        if not rows:
            return ""
        head = "".join(f"<th>{escape(h)}</th>" for h in header)
        body = "".join(
            "<tr>" + "".join(f"<td>{escape(c)}</td>" for c in row) + "</tr>" for row in rows
        )
        return (
            f"<div><em>{escape(title)}</em></div>"
            f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
        )

    tables = table(_summary_header(analysis), _summary_rows(analysis), words["b_services"])
    if (affordable := _affordable_line(analysis)) is not None:
        tables += f"<div>{escape(affordable)}</div>"
    tables += table(_green_header(analysis), _green_rows(analysis), words["b_physical"])
    lines = "".join(f"<div>{escape(x)}</div>" for x in _summary_head(analysis))
    notes = "".join(f"<li>{escape(n)}</li>" for n in analysis.notes)
    if len(analysis.set_aside):
        notes += f"<li>{escape(_set_aside_line(analysis))}</li>"
    accessors = (
        "<code>.indicators('sector'|'area', kind=…)</code>, <code>.map()</code>, "
        "<code>.fact_sheet(area_id)</code>, <code>.write(dir)</code>, <code>.sectors</code>, "
        "<code>.services</code>, <code>.areas</code>, <code>.set_aside</code>"
    )
    return (
        "<div class='buurtgeo-analysis'><strong>buurtgeo Analysis</strong>"
        f"{lines}{tables}"
        + (f"<ul>{notes}</ul>" if notes else "")
        + f"<div style='color:#666'>{accessors}</div></div>"
    )
