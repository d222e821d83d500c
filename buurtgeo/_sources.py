"""Where the numbers come from: every input file of a run, the software, the settings.

The pipeline records each input file it reads (:func:`input_source`: the file as given,
its size and SHA-256, the layout and vintage its loader recognised, and how many of its
rows were read, used and set aside). :func:`sources_table` turns those records, the
versions of buurtgeo and the libraries it computes with, and the full effective
configuration into the *bronnen* table that every run publishes (``bronnen.csv``, the
xlsx sheet *bronnen*, the GeoPackage table ``bronnen``); :func:`sources_line` is the
short version printed at the foot of the map and of every fact sheet. No timestamps:
the same inputs and settings give the same table.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from os import PathLike
from pathlib import Path
from typing import Any

import pandas as pd

__all__ = [
    "SOURCE_COLUMNS",
    "SetAside",
    "input_source",
    "note_source",
    "sources_table",
    "sources_line",
]

#: The columns of the *bronnen* table.
SOURCE_COLUMNS: tuple[str, ...] = (
    "part",
    "item",
    "value",
    "size_bytes",
    "sha256",
    "layout",
    "vintage",
    "rows_read",
    "rows_used",
    "rows_set_aside",
    "rows_other_municipalities",
)

#: Libraries whose versions can change a published figure.
_LIBRARIES = ("numpy", "pandas", "geopandas", "shapely", "pyproj", "scipy", "pyogrio", "osmium")

_YEAR = re.compile(r"(?<!\d)(19[5-9]\d|20[0-9]\d)(?!\d)")


def _sha256(path: Path) -> tuple[int | None, str]:
    """Size (bytes) and SHA-256 of a regular file ('' and None for anything else)."""
    try:
        if not path.is_file():
            return None, ""
        digest = hashlib.sha256()
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        return path.stat().st_size, digest.hexdigest()
    except OSError:
        return None, ""


def _layout(result: Any) -> str:
    """The layout a loader recognised, in a few words."""
    attrs = getattr(result, "attrs", None) or {}
    parts = []
    for key in ("layout", "mode"):
        if isinstance(attrs.get(key), str) and attrs[key]:
            parts.append(attrs[key])
    stats = getattr(result, "stats", None)
    if isinstance(stats, Mapping):  # a Network
        mode = getattr(result, "mode", "")
        parts.append(
            f"street network ({mode}): {stats.get('nodes')} nodes, {stats.get('edges')} edges"
        )
    columns = attrs.get("columns_used") or attrs.get("columns")
    if isinstance(columns, Mapping) and columns:
        parts.append(
            "columns " + ", ".join(f"{k}={v}" for k, v in columns.items() if isinstance(v, str))
        )
    if isinstance(attrs.get("crs_source"), str):
        parts.append(f"CRS {attrs['crs_source']}")
    estimated = attrs.get("estimated")
    if isinstance(estimated, Sequence) and not isinstance(estimated, str) and len(estimated):
        parts.append("estimated: " + ", ".join(map(str, estimated)))
    return "; ".join(parts)


def _vintage(result: Any, path: Path) -> str:
    """The vintage a loader recognised (reference date, sector vintage), else a year in the
    file's name (said so)."""
    attrs = getattr(result, "attrs", None) or {}
    found = [str(attrs[k]) for k in ("reference_date", "vintage", "year") if attrs.get(k)]
    years = _YEAR.findall(path.name)
    if years and not any(years[-1] in text for text in found):
        found.append(f"{years[-1]} (file name)")
    return "; ".join(found)


def _count(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def input_source(item: str, path: str | PathLike[str], result: Any) -> dict[str, Any]:
    """One input file of a run, for :func:`sources_table`.

    Parameters
    ----------
    item : str
        What the file is in the configuration (``'inputs.sectors'``,
        ``'inputs.services[2]'``).
    path : path-like
        The file as the configuration names it (relative paths resolved).
    result : DataFrame or Network
        What its loader returned (``attrs``: ``rows_in``, ``set_aside``, ``layout``…).

    Returns
    -------
    dict
        The row: ``value`` (the path), ``size_bytes``, ``sha256``, ``layout``,
        ``vintage``, ``rows_read``, ``rows_used``, ``rows_set_aside`` and
        ``rows_other_municipalities`` (rows read = used + set aside + other
        municipalities).
    """
    from buurtgeo.io._ledger import set_aside_of

    path = Path(path)
    size, digest = _sha256(path)
    attrs = getattr(result, "attrs", None) or {}
    stats = getattr(result, "stats", None)
    table = set_aside_of(result)
    set_aside = 0 if table is None else len(table)
    if isinstance(stats, Mapping):  # a Network: segments
        read = _count(stats.get("segments_read"))
        used = _count(stats.get("segments_used"))
        other = 0
    else:
        rows_in = _count(attrs.get("rows_in"))
        in_file = _count(attrs.get("rows_in_file"))
        read = in_file if in_file is not None else rows_in
        other = (in_file - rows_in) if in_file is not None and rows_in is not None else 0
        used = _count(attrs.get("rows_used"))
        if used is None and rows_in is not None:
            used = rows_in - set_aside
    return {
        "part": "input",
        "item": item,
        "value": str(path),
        "size_bytes": size,
        "sha256": digest,
        "layout": _layout(result),
        "vintage": _vintage(result, path),
        "rows_read": read,
        "rows_used": used,
        "rows_set_aside": set_aside,
        "rows_other_municipalities": other,
    }


class SetAside(list):
    """The set-aside tables of a run's stages, and the input files they came from
    (``sources``: :func:`input_source` records, in the order the files were read)."""

    def __init__(self, tables: Sequence[Any] = ()) -> None:
        super().__init__(tables)
        self.sources: list[dict[str, Any]] = []


def note_source(
    sources: list[dict[str, Any]] | None, item: str, path: Any, result: Any
) -> dict[str, Any] | None:
    """Record an input file of a run in ``sources`` (see :func:`input_source`); nothing
    when ``sources`` or ``path`` is None, or when ``item`` was recorded already (a file
    read twice, e.g. for the population and the age bands, is listed once). Returns the
    record."""
    if sources is None or path is None:
        return None
    for record in sources:
        if record.get("item") == item:
            return record
    record = input_source(item, path, result)
    sources.append(record)
    return record


def _setting(value: Any) -> str:
    """A configuration value as text: paths as given, tables as sorted JSON."""
    if value is None:
        return ""
    if isinstance(value, Path):
        return str(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return json.dumps(
            {f.name: _setting(getattr(value, f.name)) for f in dataclasses.fields(value)},
            ensure_ascii=False,
            sort_keys=True,
        )
    if isinstance(value, Mapping):
        return json.dumps(
            {str(k): _plain(v) for k, v in value.items()}, ensure_ascii=False, sort_keys=True
        )
    if isinstance(value, tuple | list):
        return json.dumps([_plain(v) for v in value], ensure_ascii=False)
    return str(value)


def _plain(value: Any) -> Any:
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    return value


def _versions() -> list[dict[str, Any]]:
    import importlib.metadata
    import platform

    from buurtgeo import __version__

    rows = [{"part": "software", "item": "buurtgeo", "value": __version__}]
    rows.append({"part": "software", "item": "python", "value": platform.python_version()})
    for name in _LIBRARIES:
        try:
            version = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            continue
        rows.append({"part": "software", "item": name, "value": version})
    return rows


#: Configuration fields not listed: where the outputs go is where this table lies.
_NOT_SETTINGS = ("out_dir",)
#: The configuration key of each field of :class:`~buurtgeo.config.AnalysisConfig` (as the
#: TOML file names it); a field not listed keeps its own name.
_KEYS = {
    "sectors": "inputs.sectors",
    "sectors_options": "inputs.sectors (options)",
    "population": "inputs.population",
    "population_options": "inputs.population (options)",
    "age_bands": "inputs.age_bands",
    "age_bands_options": "inputs.age_bands (options)",
    "services": "inputs.services",
    "network": "inputs.network",
    "network_mode": "inputs.network_mode",
    "areas": "inputs.areas",
    "areas_id_column": "inputs.areas_id_column",
    "areas_name_column": "inputs.areas_name_column",
    "areas_names": "inputs.areas_names",
    "municipality": "inputs.municipality",
    "decimal": "inputs.decimal",
    "addresses": "inputs.addresses",
    "published_places": "inputs.published_places",
    "population_sectors": "inputs.population_sectors",
    "deprivation": "inputs.deprivation",
    "deprivation_options": "inputs.deprivation (options)",
    "basemap": "inputs.basemap",
    "kinds": "analysis.kinds",
    "decay": "analysis.decay",
    "origins": "analysis.origins",
    "grid_spacing_m": "analysis.grid_spacing_m",
    "catchment_m": "analysis.catchment_m",
    "catchment_min": "analysis.catchment_min",
    "speed_kmh": "analysis.speed_kmh",
    "snap": "analysis.snap",
    "max_snap_m": "analysis.max_snap_m",
    "far": "analysis.far",
    "demand_across_border": "analysis.demand_across_border",
    "age_bands_by_kind": "analysis.age_bands",
    "norm_places_per_100": "analysis.norm_places_per_100",
    "target_children": "areas.target_children",
    "n_areas": "areas.n_areas",
    "area_target_column": "areas.target_column",
    "csv": "outputs.csv",
    "xlsx": "outputs.xlsx",
    "gpkg": "outputs.gpkg",
    "map": "outputs.map",
    "fact_sheets": "outputs.fact_sheets",
    "language": "outputs.language",
    "suppress_below": "outputs.suppress_below",
    "headers": "outputs.headers",
    "scenarios": "scenarios",
    "sites": "sites",
    "map_scheme": "map.scheme",
    "map_k": "map.k",
    "map_thresholds": "map.thresholds",
    "map_catchments": "map.catchments",
    "map_basemap": "map.basemap",
    "bivariate_kind": "map.bivariate_kind",
    "source": "configuration file",
}


def sources_table(analysis: Any) -> pd.DataFrame:
    """The *bronnen* table of an analysis: inputs, software, settings (see the module).

    Returns
    -------
    DataFrame
        Columns :data:`SOURCE_COLUMNS`; ``part`` is ``'input'`` (one row per file read),
        ``'software'`` (buurtgeo, Python and the libraries, with their versions) or
        ``'setting'`` (every field of the effective configuration, ``item`` its name
        and ``value`` its value as text).
    """
    rows: list[dict[str, Any]] = list(getattr(analysis, "sources", None) or [])
    rows += _versions()
    cfg = analysis.config
    for field in dataclasses.fields(cfg):
        if field.name in _NOT_SETTINGS:
            continue
        item = _KEYS.get(field.name, field.name)
        rows.append({"part": "setting", "item": item, "value": _setting(getattr(cfg, field.name))})
    table = pd.DataFrame(rows, columns=list(SOURCE_COLUMNS))
    for column in (
        "size_bytes",
        "rows_read",
        "rows_used",
        "rows_set_aside",
        "rows_other_municipalities",
    ):
        table[column] = pd.array(table[column], dtype="Int64")
    for column in ("part", "item", "value", "sha256", "layout", "vintage"):
        table[column] = table[column].astype("str").where(table[column].notna(), None)
    return table


def sources_line(analysis: Any, language: str = "nl") -> str:
    """One line naming the inputs (file, vintage, first 12 characters of the SHA-256) and
    buurtgeo's version, for the foot of the map and of the fact sheets."""
    from buurtgeo import __version__

    parts = []
    for row in getattr(analysis, "sources", None) or []:
        text = Path(str(row["value"])).name
        details = [d for d in (row.get("vintage") or "", (row.get("sha256") or "")[:12]) if d]
        if details:
            text += f" ({', '.join(details)})"
        parts.append(text)
    head = "Sources" if language == "en" else "Bronnen"
    return f"{head}: {'; '.join(parts)}. buurtgeo {__version__}; details in bronnen.csv."
