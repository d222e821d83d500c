"""Per-area fact sheets (*buurtfiches*): one self-contained HTML page per area.

Each page shows the area on a small map (inline SVG: the area, its sectors, the
neighbouring areas and the services in and near it; no scripts, works offline and
prints well), its residents and children, every indicator of every service kind
beside the same indicator for its municipality and for the whole study area, the
gap columns when the analysis has them, and the services in the area and within
each kind's catchment of it. Every text that comes from data (names of areas,
sectors, services) is HTML-escaped. Pages contain no timestamps: the same analysis
gives the same bytes. With small-number suppression (``outputs.suppress_below``) the
pages show the published figures: a hidden one reads *afgeschermd (< n)*, for the
area, its sectors, its municipality and the study area alike. The foot of every page
names the sources (input files, their vintage and SHA-256, buurtgeo's version).
File names are the area ids made safe for every disk: ``index`` and names that differ
only in case get a suffix, so no page overwrites another or ``index.html``.

    sheets = bg.fact_sheets(analysis)          # {area_id: html}
    write_fact_sheets(analysis, "out/buurtfiches")
"""

from __future__ import annotations

import math
import re
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from html import escape
from os import PathLike
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
import pandas as pd

from buurtgeo._atomic import write_text
from buurtgeo.errors import InputError
from buurtgeo.indicators import catchment_text, format_number, format_value, label, worse
from buurtgeo.maps.style import nice_length
from buurtgeo.schema import service_kinds, yes_no
from buurtgeo.suppression import suppression_text

if TYPE_CHECKING:  # pragma: no cover
    import geopandas as gpd

    from buurtgeo.config import AnalysisConfig
    from buurtgeo.network import Network


class AnalysisLike(Protocol):
    """What the fact sheets read of a :class:`buurtgeo.Analysis` (its attributes of the
    same names): the pages depend on the results, not on the pipeline that made them."""

    @property
    def config(self) -> AnalysisConfig: ...
    @property
    def kinds(self) -> tuple[str, ...]: ...
    @property
    def catchment_m(self) -> dict[str, float]: ...
    @property
    def sectors(self) -> gpd.GeoDataFrame: ...
    @property
    def areas(self) -> gpd.GeoDataFrame: ...
    @property
    def services(self) -> gpd.GeoDataFrame: ...
    @property
    def origins(self) -> gpd.GeoDataFrame: ...
    @property
    def reach(self) -> pd.DataFrame: ...
    @property
    def sector_indicators(self) -> gpd.GeoDataFrame: ...
    @property
    def area_indicators(self) -> gpd.GeoDataFrame: ...
    @property
    def region(self) -> pd.DataFrame: ...
    @property
    def network(self) -> Network | None: ...
    @property
    def municipalities(self) -> pd.DataFrame | None: ...


__all__ = ["fact_sheets", "fact_sheet", "write_fact_sheets", "REPORT_INDICATORS"]

#: Indicators shown per kind, in this order (those present in the analysis).
REPORT_INDICATORS: tuple[str, ...] = (
    "target_pop",
    "share_covered",
    "mean_dist_m",
    "median_dist_m",
    "mean_time_min",
    "services_within",
    "capacity_within",
    "places_per_100_2sfca",
    # green, play and youth space (buurtgeo.green): the norm for residents, m² per child
    "share_residents_covered",
    "m2_within",
    "m2_per_child",
)

_WORDS = {
    "nl": {
        "title": "Buurtfiche",
        "municipality": "Gemeente",
        "region": "Studiegebied",
        "area": "Buurt",
        "indicator": "Indicator",
        "indicators": "Bereik en aanbod per voorziening",
        "green": "Fysieke leefomgeving: groen-, speel- en jeugdruimte binnen de norm",
        "residents": "Inwoners en kinderen",
        "services": "Voorzieningen in en nabij de buurt",
        "service": "Voorziening",
        "kind": "Soort",
        "capacity": "Plaatsen",
        "income": "Inkomenstarief",
        "where": "Ligging",
        "inside": "in de buurt",
        "near": "op {d} m",
        "none": "geen",
        "gaps": "Hiaten",
        "sectors": "Statistische sectoren",
        "about": "Over deze cijfers",
        "unknown": "onbekend",
        "index": "Buurtfiches",
        "catchment": "bereik {m}",
        "back": "alle buurten",
        "made": "Gemaakt met buurtgeo. Afstanden: {how}.",
        "network": "over het {mode}netwerk",
        "straight": "in rechte lijn",
        "sources": "Bronnen",
    },
    "en": {
        "title": "Area fact sheet",
        "municipality": "Municipality",
        "region": "Study area",
        "area": "Area",
        "indicator": "Indicator",
        "indicators": "Reach and supply per service",
        "green": "Physical living environment: green, play and youth space within the norm",
        "residents": "Residents and children",
        "services": "Services in and near the area",
        "service": "Service",
        "kind": "Kind",
        "capacity": "Places",
        "income": "Income-related tariff",
        "where": "Where",
        "inside": "in the area",
        "near": "{d} m away",
        "none": "none",
        "gaps": "Gaps",
        "sectors": "Statistical sectors",
        "about": "About these figures",
        "unknown": "unknown",
        "index": "Area fact sheets",
        "catchment": "catchment {m}",
        "back": "all areas",
        "made": "Made with buurtgeo. Distances: {how}.",
        "network": "over the {mode} network",
        "straight": "as the crow flies",
        "sources": "Sources",
    },
}

_KIND_COLOURS = (
    "#1b9e77",
    "#d95f02",
    "#7570b3",
    "#e7298a",
    "#66a61e",
    "#e6ab02",
    "#a6761d",
    "#666666",
    "#1f78b4",
)

_CSS = """
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:2em auto;max-width:60em;
color:#222;line-height:1.4;padding:0 1em}
h1{margin-bottom:.1em}h2{margin-top:1.6em;border-bottom:1px solid #ccc}
.sub{color:#555;margin-top:0}
table{border-collapse:collapse;margin:.5em 0;width:100%}
th,td{padding:.25em .6em;border-bottom:1px solid #e4e4e4;text-align:left;vertical-align:top}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
tr.kind th{background:#f3f3f3}
.worse{color:#b30000;font-weight:600}
.legend span{display:inline-block;margin-right:1em;font-size:.9em}
.dot{display:inline-block;width:.8em;height:.8em;border-radius:50%;margin-right:.3em}
svg{border:1px solid #ddd;background:#fafafa;max-width:100%;height:auto}
footer{margin-top:2em;color:#666;font-size:.85em}
@media print{body{margin:0}a{color:inherit}}
"""


# --------------------------------------------------------------------------------------
# Formatting
# --------------------------------------------------------------------------------------


def _worse(indicator: str, area: Any, reference: Any) -> bool:
    """True when the area does clearly worse than the reference (for highlighting).

    Clearly worse: 25 % more than the reference where higher is worse (distances,
    times), 20 % less where lower is worse (coverage, places per child), by the
    direction the indicator registry gives.
    """
    try:
        a, r = float(area), float(reference)
    except (TypeError, ValueError):
        return False
    if math.isnan(a) or math.isnan(r):
        return False
    direction = worse(indicator)
    if direction == "higher":
        return a > 1.25 * r
    if direction == "lower":
        return a < 0.8 * r
    return False


def _shown(
    row: Any,
    column: str,
    language: str,
    threshold: int | None,
    *,
    base: str | None = None,
    missing: str | None = None,
) -> str:
    """A published value as HTML: *afgeschermd (< n)* where small-number suppression hid
    it (the row's ``suppressed`` list), else :func:`format_value` (escaped)."""
    if row is None or not hasattr(row, "get"):
        return escape(format_value(base or column, None, language=language, missing=missing))
    if threshold and column in str(row.get("suppressed") or "").split(","):
        return escape(suppression_text(threshold, language))
    value = row.get(column)
    return escape(format_value(base or column, value, language=language, missing=missing))


def _text(value: Any) -> str:
    """Text of a cell for people: '' for missing values (pandas' str dtype keeps NaN)."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value)


#: Names Windows refuses for a file, whatever the extension.
_RESERVED = {
    "con",
    "prn",
    "aux",
    "nul",
    *(f"com{i}" for i in range(10)),
    *(f"lpt{i}" for i in range(10)),
}


def _safe_name(area_id: Any) -> str:
    """A file name stem for an area id: letters, digits, ``_ . -`` only, at most 80
    characters, never a name Windows reserves (``CON``, ``NUL`` …)."""
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", str(area_id)).strip("._")[:80] or "area"
    return f"area_{stem}" if stem.lower() in _RESERVED else stem


def _file_names(area_ids: Sequence[Any]) -> dict[Any, str]:
    """One ``<stem>.html`` per area, distinct on a disk that ignores case (Windows, macOS),
    and never ``index.html`` (the list of pages)."""
    files: dict[Any, str] = {}
    used = {"index"}
    for area_id in area_ids:
        stem = _safe_name(area_id)
        candidate, k = stem, 1
        while candidate.lower() in used:
            k += 1
            candidate = f"{stem}_{k}"
        used.add(candidate.lower())
        files[area_id] = f"{candidate}.html"
    return files


# --------------------------------------------------------------------------------------
# The small map (inline SVG)
# --------------------------------------------------------------------------------------


def _svg_path(geom: Any, transform) -> str:
    import shapely

    parts = []
    for polygon in shapely.get_parts(geom):
        if polygon.geom_type != "Polygon":
            continue
        for ring in (polygon.exterior, *polygon.interiors):
            xy = transform(np.asarray(ring.coords)).tolist()  # Python floats format faster
            parts.append("M" + "L".join([f"{x:.1f},{y:.1f}" for x, y in xy]) + "Z")
    return "".join(parts)


def _small_map(
    area_geom: Any,
    sectors: Any,
    neighbours: Any,
    services: Any,
    colours: Mapping[str, str],
    *,
    width: int = 560,
) -> str:
    """An SVG map of the area (metric CRS) with its sectors, neighbours and services."""
    from buurtgeo.areal import is_area

    minx, miny, maxx, maxy = area_geom.buffer(max(area_geom.length * 0.05, 150.0)).bounds
    shapes = services[is_area(services.geometry.array)] if len(services) else services
    services = services.drop(index=shapes.index) if len(shapes) else services
    if len(services):
        sx, sy = services.geometry.x.to_numpy(), services.geometry.y.to_numpy()
        minx, maxx = min(minx, sx.min() - 60), max(maxx, sx.max() + 60)
        miny, maxy = min(miny, sy.min() - 60), max(maxy, sy.max() + 60)
    scale = width / max(maxx - minx, 1.0)
    height = int(round((maxy - miny) * scale))

    def transform(xy: np.ndarray) -> np.ndarray:
        return np.column_stack([(xy[:, 0] - minx) * scale, (maxy - xy[:, 1]) * scale])

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img">'
    ]
    for geom in neighbours.geometry:
        out.append(f'<path d="{_svg_path(geom, transform)}" fill="#eeeeee" stroke="#aaaaaa"/>')
    out.append(
        f'<path d="{_svg_path(area_geom, transform)}" fill="#fde9c8" stroke="#c05800" '
        'stroke-width="2.5"/>'
    )
    for geom in sectors.geometry:
        out.append(
            f'<path d="{_svg_path(geom, transform)}" fill="none" stroke="#c05800" '
            'stroke-width="0.8" stroke-dasharray="3,2"/>'
        )
    for geom, kind, name in zip(
        shapes.geometry, shapes["service_kind"], shapes["name"].map(_text), strict=True
    ):  # parks and play spaces as the areas they are (the frame clips them)
        colour = colours.get(kind, "#333")
        out.append(
            f'<path d="{_svg_path(geom, transform)}" fill="{colour}" fill-opacity="0.35" '
            f'stroke="{colour}" stroke-width="1"><title>{escape(name)}</title></path>'
        )
    if len(services):
        xy = transform(np.column_stack([services.geometry.x, services.geometry.y]))
        for (x, y), kind, name in zip(
            xy, services["service_kind"], services["name"].map(_text), strict=True
        ):
            out.append(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="5" fill="{colours.get(kind, "#333")}" '
                f'stroke="white" stroke-width="1"><title>{escape(name)}</title></circle>'
            )
    # scale bar
    bar_m = nice_length((maxx - minx) / 5)
    bar_px = bar_m * scale
    out.append(
        f'<g font-size="11" fill="#333"><rect x="10" y="{height - 18}" width="{bar_px:.1f}" '
        f'height="4" fill="#333"/><text x="{bar_px + 16:.1f}" y="{height - 12}">'
        f"{int(bar_m)} m</text></g>"
    )
    out.append("</svg>")
    return "".join(out)


# --------------------------------------------------------------------------------------
# Context: municipality and study-area references, services near each area
# --------------------------------------------------------------------------------------


def _references(analysis: Any) -> tuple[pd.DataFrame, pd.Series]:
    """Indicators per municipality and for the whole study area (children-weighted); as
    published (``analysis.municipalities`` and its ``region``) when the writers set them."""
    from buurtgeo.aggregate import aggregate_reach

    if getattr(analysis, "municipalities", None) is not None:
        return analysis.municipalities, analysis.region.iloc[0]

    weights = {k: f"target__{k}" for k in analysis.kinds}
    municipality_of = analysis.sectors["municipality_nis"].astype(str)
    per_municipality = aggregate_reach(
        analysis.reach, analysis.origins, by=municipality_of, weight=weights
    )
    per_municipality = _green_references(analysis, per_municipality, municipality_of, weights)
    counts = [
        c
        for c in ("population", "children_0_2", "children_3_5", "children_6_11", "children_0_17")
        if c in analysis.sectors.columns
    ]
    sums = pd.DataFrame(analysis.sectors[counts]).groupby(municipality_of).sum()
    per_municipality = per_municipality.join(sums)
    region = analysis.region.iloc[0].copy()
    for c in counts:
        region[c] = float(analysis.sectors[c].sum())
    return per_municipality, region


def _green_references(
    analysis: Any, table: pd.DataFrame, by: pd.Series, weights: Mapping[str, str]
) -> pd.DataFrame:
    """The municipality references of green kinds: their m² columns named as in the
    area table, and the norm indicators (:func:`buurtgeo.green_indicators`)."""
    from buurtgeo.green import green_indicators, is_green_kind, rename_green_columns

    green = [k for k in analysis.kinds if is_green_kind(k)]
    if not green:
        return table
    extra = green_indicators(analysis.reach, analysis.origins, by=by, kinds=green, children=weights)
    return rename_green_columns(table.join(extra), green)


def _bare(frame: Any) -> Any:
    """``frame`` without its ``attrs`` (a shallow copy): the many small tables cut from it
    for the pages do not each copy them deeply."""
    bare = frame.copy(deep=False)
    bare.attrs = {}
    return bare


def _services_near(analysis: Any, area_ids: Sequence[Any]) -> dict[Any, pd.DataFrame]:
    """Per area, the services within their kind's catchment of its outline, with
    ``distance_m``; in the order of the kinds, then by distance and name.

    The candidate pairs come from one STRtree query over all areas; the distances are
    the same shapely distances as area by area.
    """
    import shapely

    services = _bare(analysis.services)
    if not len(services):
        empty = services.iloc[0:0].assign(distance_m=pd.Series(dtype=float))
        return {area_id: empty for area_id in area_ids}
    geoms = np.asarray(analysis.area_indicators.geometry.loc[list(area_ids)].values)
    points = np.asarray(services.geometry.values)
    catchment = services["service_kind"].map(analysis.catchment_m).astype(float).to_numpy()
    reach = np.nan_to_num(catchment, nan=-1.0)
    pairs = shapely.STRtree(points).query(geoms, predicate="dwithin", distance=max(reach.max(), 0))
    distance = shapely.distance(geoms[pairs[0]], points[pairs[1]])
    inside = distance <= catchment[pairs[1]]
    area_at, service_at, distance = pairs[0][inside], pairs[1][inside], distance[inside]
    order = np.lexsort((service_at, area_at))  # per area, in the services' order
    area_at, service_at, distance = area_at[order], service_at[order], distance[order]
    bounds = np.searchsorted(area_at, np.arange(len(geoms) + 1))
    kind_order = services["service_kind"].map({k: i for i, k in enumerate(analysis.kinds)})
    out = {}
    for i, area_id in enumerate(area_ids):
        at = slice(bounds[i], bounds[i + 1])
        near = services.iloc[service_at[at]].copy()
        near["distance_m"] = distance[at]
        near["_order"] = kind_order.iloc[service_at[at]].to_numpy()
        out[area_id] = near.sort_values(["_order", "distance_m", "name"]).drop(columns="_order")
    return out


# --------------------------------------------------------------------------------------
# Pages
# --------------------------------------------------------------------------------------


def _page(title: str, body: str, language: str) -> str:
    return (
        f'<!DOCTYPE html>\n<html lang="{language}">\n<head>\n<meta charset="utf-8">\n'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n{body}\n"
        "</body>\n</html>\n"
    )


def _kind_colours(kinds: Sequence[str]) -> dict[str, str]:
    return {k: _KIND_COLOURS[i % len(_KIND_COLOURS)] for i, k in enumerate(kinds)}


def _sheet(
    analysis: Any,
    area_id: Any,
    per_municipality: pd.DataFrame,
    region: pd.Series,
    near: pd.DataFrame | None = None,
    neighbours: Any = None,
) -> str:
    """One area's page: header and small map, residents, indicators, gaps, services, sectors.

    ``near``: the services near the area (:func:`_services_near`), ``neighbours`` the
    areas around it (:func:`_neighbours`); found here when None.
    """
    language = analysis.config.language
    words = _WORDS[language]
    areas = analysis.area_indicators
    if area_id not in areas.index:
        raise InputError(
            f"unknown area {area_id!r}",
            expected=f"one of {', '.join(map(str, areas.index[:10]))}"
            + (" …" if len(areas) > 10 else ""),
        )
    row = areas.loc[area_id]
    name = _text(row.get("area_name")) or str(area_id)
    nis = str(row.get("municipality_nis", ""))
    municipality = per_municipality.loc[nis] if nis in per_municipality.index else pd.Series()
    municipality_name = _text(row.get("municipality_name_nl")) or nis
    sector_area = analysis.areas.attrs["sector_area"]
    sector_ids = sector_area.index[sector_area == area_id]
    sectors = analysis.sectors.loc[analysis.sectors.index.intersection(sector_ids)]
    if near is None:
        near = _services_near(analysis, [area_id])[area_id]
    # one municipality: the study area is the municipality, one column says it all
    columns = _Columns(name, municipality_name, municipality, region, len(per_municipality) > 1)

    parts = [
        f"<p><a href='index.html'>← {escape(words['back'])}</a></p>",
        f"<h1>{escape(name)}</h1>",
        f"<p class='sub'>{escape(words['title'])} · {escape(words['area'])} "
        f"{escape(str(area_id))} · {escape(words['municipality'])} {escape(municipality_name)}"
        f" ({escape(nis)})</p>",
        *_map_section(analysis, area_id, sectors, near, neighbours),
        *_residents_section(
            row,
            areas,
            columns,
            language,
            analysis.config.suppress_below,
            analysis.sectors.attrs.get("estimate_methods", {}),
        ),
        *_indicators_section(analysis, row, columns),
        *_indicators_section(analysis, row, columns, green=True),
        *_gaps_section(analysis, row),
        *_services_section(near, language),
        *_sectors_section(analysis, sectors, language),
        _footer(analysis),
    ]
    return _page(f"{words['title']} {name}", "\n".join(parts), language)


@dataclass(frozen=True)
class _Columns:
    """The columns of a fact sheet's tables: the area, its municipality, the study area."""

    name: str
    municipality_name: str
    municipality: pd.Series
    region: pd.Series
    with_region: bool  # False with one municipality: the study area is the municipality

    def head(self, words: Mapping[str, str]) -> str:
        return (
            f"<tr><th>{escape(words['indicator'])}</th><th class='n'>{escape(self.name)}</th>"
            f"<th class='n'>{escape(self.municipality_name)}</th>"
            + (f"<th class='n'>{escape(words['region'])}</th>" if self.with_region else "")
            + "</tr>"
        )

    def region_cell(self, text: str) -> str:
        return f"<td class='n'>{text}</td>" if self.with_region else ""


def _neighbours(areas: Any, area_ids: Sequence[Any]) -> dict[Any, Any]:
    """Per area, the other areas within 200 m of it (touching ones included), in the
    table's order: one STRtree query for all areas."""
    import shapely

    areas = _bare(areas)
    geoms = np.asarray(areas.geometry.values)
    at = areas.index.get_indexer(list(area_ids))
    near_of, other = shapely.STRtree(geoms).query(
        shapely.buffer(geoms[at], 200.0), predicate="intersects"
    )
    order = np.lexsort((other, near_of))
    near_of, other = near_of[order], other[order]
    bounds = np.searchsorted(near_of, np.arange(len(at) + 1))
    return {
        area_id: areas.iloc[other[bounds[i] : bounds[i + 1]]].drop(index=area_id, errors="ignore")
        for i, area_id in enumerate(area_ids)
    }


def _map_section(
    analysis: Any, area_id: Any, sectors: Any, near: pd.DataFrame, neighbours: Any = None
) -> list[str]:
    """The small map of the area, its neighbours and the services near, with a legend."""
    language = analysis.config.language
    areas = analysis.area_indicators
    area_geom = areas.geometry.loc[area_id]
    if neighbours is None:
        neighbours = _neighbours(areas, [area_id])[area_id]
    colours = _kind_colours(analysis.kinds)
    return [
        _small_map(area_geom, sectors, neighbours, near, colours),
        "<div class='legend'>"
        + "".join(
            f"<span><i class='dot' style='background:{colours[k]}'></i>"
            f"{escape(service_kinds()[k].label(language=language))}</span>"
            for k in analysis.kinds
        )
        + "</div>",
    ]


def _residents_section(
    row: pd.Series,
    areas: Any,
    columns: _Columns,
    language: str,
    threshold: int | None = None,
    methods: Mapping[str, Mapping[str, str]] | None = None,
) -> list[str]:
    """Residents and children of the area, its municipality and the study area; a count
    hidden by small-number suppression reads *afgeschermd (< n)*; an estimated count is
    labelled *geschat* and its method is said under the table."""
    words = _WORDS[language]
    municipality, region = columns.municipality, columns.region
    methods = methods or {}
    mark = " (geschat)" if language == "nl" else " (estimated)"
    rows = []
    for column in ("population", "children_0_2", "children_3_5", "children_6_11", "children_0_17"):
        if column in areas.columns:
            suffix = mark if column in methods else ""
            rows.append(
                f"<tr><td>{escape(label(column, language=language) + suffix)}</td>"
                f"<td class='n'>{_shown(row, column, language, threshold)}</td>"
                f"<td class='n'>{_shown(municipality, column, language, threshold)}</td>"
                f"{columns.region_cell(_shown(region, column, language, threshold))}</tr>"
            )
    notes = [
        f"<p class='estimate'>{escape(label(c, language=language))}: "
        f"{escape(m.get(language, m.get('nl', '')))}</p>"
        for c, m in methods.items()
        if c in areas.columns
    ]
    return [
        f"<h2>{escape(words['residents'])}</h2>",
        f"<table>{columns.head(words)}{''.join(rows)}</table>",
        *notes,
    ]


def _indicators_section(
    analysis: Any, row: pd.Series, columns: _Columns, *, green: bool = False
) -> list[str]:
    """Every indicator of every kind beside its municipality's and the study area's; the
    kinds of the physical living environment (``green``) in a section of their own."""
    from buurtgeo.green import is_green_kind

    language = analysis.config.language
    threshold = analysis.config.suppress_below
    words = _WORDS[language]
    areas = analysis.area_indicators
    kinds = [k for k in analysis.kinds if is_green_kind(k) == green]
    if not kinds:
        return []
    rows = []
    for kind in kinds:
        minutes = getattr(analysis, "catchment_min", {}).get(kind)
        catchment = words["catchment"].format(
            m=catchment_text(analysis.catchment_m[kind], minutes, language=language)
        )
        rows.append(
            f"<tr class='kind'><th colspan='{4 if columns.with_region else 3}'>{escape(service_kinds()[kind].label(language=language))}"
            f" <small>({escape(catchment)})</small></th></tr>"
        )
        for base in REPORT_INDICATORS:
            column = f"{base}__{kind}"
            if column not in areas.columns:
                continue
            value = row[column]
            ref_m = columns.municipality.get(column)
            cls = "n worse" if _worse(base, value, ref_m) else "n"
            municipality, region = columns.municipality, columns.region
            rows.append(
                f"<tr><td>{escape(label(base, language=language))}</td>"
                f"<td class='{cls}'>{_shown(row, column, language, threshold, base=base)}</td>"
                f"<td class='n'>{_shown(municipality, column, language, threshold, base=base)}</td>"
                f"{columns.region_cell(_shown(region, column, language, threshold, base=base))}"
                "</tr>"
            )
    return [
        f"<h2>{escape(words['green' if green else 'indicators'])}</h2>",
        f"<table>{columns.head(words)}{''.join(rows)}</table>",
    ]


def _gaps_section(analysis: Any, row: pd.Series) -> list[str]:
    """The gap columns (added by :func:`buurtgeo.gaps`, when present): one row per kind."""
    language = analysis.config.language
    words = _WORDS[language]
    areas = analysis.area_indicators
    gap_measures = [
        base
        for base in GAP_MEASURES
        if any(f"{base}__{k}" in areas.columns for k in analysis.kinds)
    ]
    if not gap_measures:
        return []
    head_g = (
        f"<tr><th>{escape(words['kind'])}</th>"
        + "".join(
            f"<th class='n'>{escape(label(base, language=language))}</th>" for base in gap_measures
        )
        + "</tr>"
    )
    rows = []
    threshold = analysis.config.suppress_below
    for kind in analysis.kinds:
        cells = ""
        for base in gap_measures:
            align = "" if base == "class_label" else " class='n'"
            text = _shown(row, f"{base}__{kind}", language, threshold, base=base, missing="–")
            cells += f"<td{align}>{text}</td>"
        rows.append(
            f"<tr><td>{escape(service_kinds()[kind].label(language=language))}</td>{cells}</tr>"
        )
    return [f"<h2>{escape(words['gaps'])}</h2>", f"<table>{head_g}{''.join(rows)}</table>"]


def _services_section(near: pd.DataFrame, language: str) -> list[str]:
    """The services in the area and within each kind's catchment of it."""
    words = _WORDS[language]
    if not len(near):
        return [f"<h2>{escape(words['services'])}</h2>", f"<p>{escape(words['none'])}</p>"]
    head_s = (
        f"<tr><th>{escape(words['service'])}</th><th>{escape(words['kind'])}</th>"
        f"<th class='n'>{escape(words['capacity'])}</th><th>{escape(words['income'])}</th>"
        f"<th class='n'>{escape(words['where'])}</th></tr>"
    )
    rows = []
    for _, s in near.iterrows():
        capacity = s.get("capacity")
        capacity_text = "–" if capacity is None or pd.isna(capacity) else f"{capacity:.0f}"
        income = s.get("income_related")
        income_text = yes_no(income, language) or words["unknown"]
        if s.geometry is not None and s.geometry.geom_type in ("Polygon", "MultiPolygon"):
            capacity_text = format_value("area_m2", s.geometry.area, language=language)
            income_text = "–"  # an area (a park): its m², no tariff
        where = (
            words["inside"]
            if s["distance_m"] <= 0
            else words["near"].format(d=format_number(s["distance_m"], 0, language))
        )
        rows.append(
            f"<tr><td>{escape(_text(s['name']))}</td>"
            f"<td>{escape(service_kinds()[s['service_kind']].label(language=language))}</td>"
            f"<td class='n'>{capacity_text}</td><td>{escape(income_text)}</td>"
            f"<td class='n'>{escape(where)}</td></tr>"
        )
    return [f"<h2>{escape(words['services'])}</h2>", f"<table>{head_s}{''.join(rows)}</table>"]


def _sectors_section(analysis: Any, sectors: Any, language: str) -> list[str]:
    """The area's statistical sectors with their residents (as published: from the sector
    table, where small-number suppression may have hidden them)."""
    words = _WORDS[language]
    threshold = analysis.config.suppress_below
    published = analysis.sector_indicators
    sector_rows = "".join(
        f"<tr><td>{escape(str(sid))}</td><td>{escape(_text(s.get('sector_name_nl')))}</td>"
        "<td class='n'>"
        + _shown(
            published.loc[sid] if sid in published.index else s, "population", language, threshold
        )
        + "</td></tr>"
        for sid, s in sectors.iterrows()
    )
    return [f"<h2>{escape(words['sectors'])}</h2>", f"<table>{sector_rows}</table>"]


#: Gap measures shown per kind (from :func:`buurtgeo.gaps`, via the pipeline's area table).
GAP_MEASURES: tuple[str, ...] = (
    "places_per_100_in_area",
    "missing_places",
    "children_beyond_norm",
    "need",
    "gap_score",
    "gap_rank",
    "class_label",
)


#: The formulas in the reader's language ("R" named both the catchment and the 2SFCA
#: ratio before: B/C is the catchment, V_j the ratio).
_ABOUT = {
    "nl": (
        "Aandeel kinderen binnen bereik = Σ P·[d ≤ B] / Σ P; gemiddelde afstand = Σ P·d / Σ P "
        "(over de kinderen die een voorziening kunnen bereiken); plaatsen per 100 kinderen "
        "binnen bereik (2SFCA): per voorziening j V_j = S_j / Σ_{i: d_ij ≤ B} P_i, per "
        "herkomstpunt i A_i = Σ_{j: d_ij ≤ B} V_j, en 100 · Σ P_i A_i / Σ P_i; plaatsen per 100"
        " kinderen in de buurt = 100 · (plaatsen die in de buurt liggen) / (kinderen van de "
        "buurt), zonder rekening te houden met bereik. P = kinderen in de leeftijdsgroepen van "
        "de voorziening, d = afstand tot de dichtstbijzijnde voorziening (d_ij: van "
        "herkomstpunt i tot voorziening j), B = bereik, S = plaatsen."
    ),
    "en": (
        "Share of children within reach = Σ P·[d ≤ C] / Σ P; mean distance = Σ P·d / Σ P (over "
        "the children who can reach a service); places per 100 children within reach (2SFCA): "
        "for each service j V_j = S_j / Σ_{i: d_ij ≤ C} P_i, for each origin i A_i = Σ_{j: d_ij"
        " ≤ C} V_j, and 100 · Σ P_i A_i / Σ P_i; places per 100 children in the area = 100 · "
        "(places located in the area) / (children of the area), reach not considered. P = "
        "children of the kind's age bands, d = distance to the nearest service (d_ij: from "
        "origin i to service j), C = catchment, S = places."
    ),
}


#: How green, play and youth space is measured, in the reader's language.
_ABOUT_GREEN = {
    "nl": (
        "Groen-, speel- en jeugdruimte wordt bereikt aan de rand: 0 wie erin woont, anders"
        " de wandelafstand tot waar een straat of pad de ruimte binnengaat of erlangs loopt"
        " (in rechte lijn: tot de dichtstbijzijnde rand). Binnen de norm = binnen de"
        " normafstand (speelruimte 400 m, jeugdruimte 1.000 m, buurtgroen 400 m, wijkgroen"
        " 800 m); m² per kind volgens 2SFCA met de oppervlakte als aanbod."
    ),
    "en": (
        "Green, play and youth space is reached at its edge: 0 for those living in it, else"
        " the walking distance to where a street or path enters it or runs along it (as"
        " the crow flies: to its nearest edge). Within the norm = within the norm distance"
        " (play space 400 m, youth space 1,000 m, buurtgroen 400 m, wijkgroen 800 m); m² per"
        " child by 2SFCA with the area as supply."
    ),
}


def _footer(analysis: Any) -> str:
    language = analysis.config.language
    words = _WORDS[language]
    if analysis.network is not None:
        modes = {
            "nl": {"walk": "wandel", "bike": "fiets"},
            "en": {"walk": "walking", "bike": "cycling"},
        }
        mode = analysis.network.mode
        how = words["network"].format(mode=modes[language].get(mode, mode))
    else:
        how = words["straight"]
    about = _ABOUT[language]
    from buurtgeo.green import is_green_kind

    if any(is_green_kind(k) for k in analysis.kinds):
        about += " " + _ABOUT_GREEN[language]
    cfg = analysis.config
    if getattr(analysis, "sources", None):
        from buurtgeo._sources import sources_line

        sources = sources_line(analysis, language)
    else:
        names = [cfg.sectors.name, cfg.population.name, *(s.path.name for s in cfg.services)]
        names += [g.path.name for g in getattr(cfg, "green", ())]
        if cfg.network is not None:
            names.append(cfg.network.name)
        sources = f"{words['sources']}: {', '.join(names)}."
    hidden = ""
    if cfg.suppress_below:
        hidden = f"<p>{escape(_HIDDEN_NOTE[language].format(n=cfg.suppress_below))}</p>"
    return (
        f"<footer><p><strong>{escape(words['about'])}.</strong> {escape(about)}</p>{hidden}"
        f"<p class='sources'>{escape(sources)}</p>"
        f"<p>{escape(words['made'].format(how=how))}</p></footer>"
    )


#: What the foot of a page says about small-number suppression.
_HIDDEN_NOTE = {
    "nl": "Aantallen van minder dan {n} personen, en de cijfers waaruit ze af te leiden zijn,"
    " zijn afgeschermd: 'afgeschermd (< {n})'.",
    "en": "Counts of fewer than {n} persons, and the figures they could be derived from, are"
    " suppressed: 'suppressed (< {n})'.",
}


def fact_sheets(analysis: AnalysisLike) -> dict[Hashable, str]:
    """Every area's fact sheet as HTML text, by ``area_id``.

    Parameters
    ----------
    analysis : buurtgeo.Analysis
        From :func:`buurtgeo.run_config` / :func:`buurtgeo.run_demo`.

    Returns
    -------
    dict
        ``{area_id: html}``; each page is self-contained (inline CSS and SVG, no
        scripts). Indicators per area, municipality and study area are children-weighted
        means over origins (``Σ P_i x_i / Σ P_i``, ``P_i`` the kind's target children);
        distances in metres, shares in %, places per 100 children (within reach, 2SFCA;
        and, in the gap table, located in the area).
    """
    per_municipality, region = _references(analysis)
    area_ids = list(analysis.area_indicators.index)
    near = _services_near(analysis, area_ids)
    around = _neighbours(analysis.area_indicators, area_ids)
    return {
        area_id: _sheet(analysis, area_id, per_municipality, region, near[area_id], around[area_id])
        for area_id in area_ids
    }


def fact_sheet(analysis: AnalysisLike, area_id: Hashable) -> str:
    """One area's fact sheet as HTML text (see :func:`fact_sheets`)."""
    per_municipality, region = _references(analysis)
    return _sheet(analysis, area_id, per_municipality, region)


def _index_page(analysis: Any, files: Mapping[Any, str]) -> str:
    language = analysis.config.language
    words = _WORDS[language]
    areas = analysis.area_indicators
    first_kind = analysis.kinds[0] if analysis.kinds else None
    column = f"share_covered__{first_kind}" if first_kind else None
    rows = []
    for area_id, file_name in files.items():
        row = areas.loc[area_id]
        value = ""
        threshold = analysis.config.suppress_below
        if column and column in areas.columns:
            value = _shown(row, column, language, threshold, base="share_covered")
        rows.append(
            f"<tr><td><a href='{escape(file_name)}'>{escape(_text(row.get('area_name')) or str(area_id))}"
            f"</a></td><td>{escape(str(area_id))}</td>"
            f"<td>{escape(_text(row.get('municipality_name_nl')))}</td>"
            f"<td class='n'>{_shown(row, 'children_0_17', language, threshold)}</td>"
            f"<td class='n'>{value}</td></tr>"
        )
    covered = label(column, language=language) if column else ""
    head = (
        f"<tr><th>{escape(words['area'])}</th><th>id</th><th>{escape(words['municipality'])}</th>"
        f"<th class='n'>{escape(label('children_0_17', language=language))}</th>"
        f"<th class='n'>{escape(covered)}</th></tr>"
    )
    body = f"<h1>{escape(words['index'])}</h1><table>{head}{''.join(rows)}</table>"
    return _page(words["index"], body + _footer(analysis), language)


def write_fact_sheets(analysis: AnalysisLike, out_dir: str | PathLike[str]) -> Path:
    """Write one HTML page per area and an ``index.html`` into ``out_dir``.

    Parameters
    ----------
    analysis : buurtgeo.Analysis
    out_dir : path-like
        Folder (created). Pages are named after the area id (unsafe characters → ``_``;
        ``index`` and ids that differ only in case get ``_2``, ``_3``; see
        :func:`_file_names`).

    Returns
    -------
    pathlib.Path
        The ``index.html`` path.
    """

    folder = Path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    sheets = fact_sheets(analysis)
    files = _file_names(list(sheets))
    pages = {files[a]: html for a, html in sheets.items()}
    pages["index.html"] = _index_page(analysis, files)
    for file_name, html in pages.items():
        write_text(folder / file_name, html)
    return folder / "index.html"
