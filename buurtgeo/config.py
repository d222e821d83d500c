"""The analysis configuration: its template, its specification and its validation.

A configuration (a TOML file, or the same as a dict) names the input files, the service
kinds, catchments and age bands, and the outputs (see :data:`CONFIG_TEMPLATE`, which
``buurtgeo template`` prints). :func:`parse_config` turns it into an
:class:`AnalysisConfig` in two steps:

* a *check step* that compares every table with its specification (``{key: (check,
  what is expected)}``, one loop for the top level, the sections, the file tables and
  the services entries), looks up every service kind and age band and every input
  file, and raises one :class:`~buurtgeo.errors.ConfigError` listing every problem;
* a *build step* that resolves the paths and fills in the defaults.

:func:`load_config` reads a TOML file; :func:`demo_config` is the demo's configuration.
"""

from __future__ import annotations

import difflib
import importlib.resources
import math
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from os import PathLike
from pathlib import Path
from typing import Any

from buurtgeo._checks import Checks
from buurtgeo._config_green import GREEN_SECTION_SPEC, GreenInput, check_green, green_inputs
from buurtgeo.errors import ConfigError
from buurtgeo.schema import AGE_BANDS, ServiceKind, service_kinds

__all__ = [
    "CONFIG_TEMPLATE",
    "OUTPUT_NAMES",
    "AnalysisConfig",
    "GreenInput",
    "ScenarioSpec",
    "ServicesInput",
    "SitesSpec",
    "check_out_dir",
    "demo_config",
    "load_config",
    "parse_config",
]

#: Smallest and largest grid spacing (metres): below 10 m a grid adds points, not precision
#: (sector populations are spread evenly), and a city at 0.1 m would need billions of points.
GRID_SPACING_M = (10.0, 5000.0)

#: A complete, commented configuration file (``buurtgeo run --template`` prints it).
#: The commented configuration ``buurtgeo template`` prints: every key, its default and
#: what it does (package data ``buurtgeo/template.toml``, read once at import).
CONFIG_TEMPLATE: str = (
    importlib.resources.files("buurtgeo").joinpath("template.toml").read_text(encoding="utf-8")
)


# --------------------------------------------------------------------------------------
# The specification: what each key may hold
# --------------------------------------------------------------------------------------


def _is_str(v: Any) -> bool:
    return isinstance(v, str) and v != ""


def _is_bool(v: Any) -> bool:
    return isinstance(v, bool)


def _is_number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)


def _is_positive(v: Any) -> bool:
    return _is_number(v) and v > 0


def _is_positive_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) and v > 0


def _is_municipality(v: Any) -> bool:
    items = v if isinstance(v, list) else [v]
    return bool(items) and all(
        (isinstance(i, str) and i) or (isinstance(i, int) and not isinstance(i, bool))
        for i in items
    )


def _is_str_list(v: Any) -> bool:
    return isinstance(v, list) and all(_is_str(i) for i in v)


def _is_str_map(v: Any) -> bool:
    return isinstance(v, dict) and all(_is_str(x) for x in v.values())


def _is_catchments(v: Any) -> bool:
    return isinstance(v, dict) and all(_is_positive(x) for x in v.values())


def _is_scheme_map(v: Any) -> bool:
    from buurtgeo.maps.classes import SCHEMES

    return isinstance(v, dict) and all(x in SCHEMES and x != "thresholds" for x in v.values())


def _is_bounds(v: Any) -> bool:
    return (
        isinstance(v, list)
        and len(v) > 0
        and all(_is_number(x) for x in v)
        and all(a < b for a, b in zip(v, v[1:], strict=False))
    )


def _is_bounds_map(v: Any) -> bool:
    return isinstance(v, dict) and all(_is_bounds(x) for x in v.values())


def _is_id_list(v: Any) -> bool:
    return isinstance(v, list) and all(_is_str(i) or isinstance(i, int) for i in v)


def _is_non_negative(v: Any) -> bool:
    return _is_number(v) and v >= 0


#: What a table of the configuration may hold: key -> (check, what is expected).
_Spec = dict[str, tuple[Callable[[Any], bool], str]]

#: The sections and their keys.
_SPEC: dict[str, _Spec] = {
    "inputs": {
        "sectors": (
            lambda v: _is_str(v) or isinstance(v, dict),
            "a file path or a table {path, layer, columns, crs}",
        ),
        "population": (
            lambda v: _is_str(v) or isinstance(v, dict),
            "a file path or a table {path, sheet, year, columns}",
        ),
        "age_bands": (
            lambda v: _is_str(v) or isinstance(v, dict),
            "a file path or a table {path, sheet, share_column, total_column}",
        ),
        "network": (_is_str, "a file path"),
        "network_mode": (lambda v: v in ("walk", "bike"), "'walk' or 'bike'"),
        "areas": (_is_str, "a file path"),
        "areas_id_column": (_is_str, "a column name"),
        "areas_name_column": (_is_str, "a column name"),
        "areas_names": (_is_str, "a file path (table or polygons with area id and name)"),
        "municipality": (_is_municipality, "a NIS code or name, or a list of them"),
        "services": (lambda v: isinstance(v, list), "a list of [[inputs.services]] tables"),
        # issue 16: published inputs
        "addresses": (_is_str, "a file path (BeST, Adressenregister or CRAB)"),
        "published_places": (
            lambda v: _is_str(v) or _is_str_list(v),
            "a file path or a list of them (Opgroeien's places workbooks)",
        ),
        "population_sectors": (_is_str, "a file path (sectors of the population's vintage)"),
        "deprivation": (
            lambda v: isinstance(v, dict),
            "a table {path, column, direction, id_column, sheet, scale, alpha}",
        ),
        "basemap": (_is_str, "the path of an OpenStreetMap file (.osm, .osm.pbf)"),
        "decimal": (lambda v: v in (",", "."), "',' or '.'"),
        "green": (lambda v: isinstance(v, list), "a list of [[inputs.green]] tables"),
    },
    "analysis": {
        "kinds": (_is_str_list, "a list of service kinds"),
        "decay": (lambda v: v in ("step", "linear", "gaussian"), "'step', 'linear' or 'gaussian'"),
        "origins": (
            lambda v: v in ("grid", "point", "addresses"),
            "'grid', 'point' or 'addresses'",
        ),
        "demand_across_border": (_is_bool, "true or false"),
        "grid_spacing_m": (
            lambda v: _is_number(v) and GRID_SPACING_M[0] <= v <= GRID_SPACING_M[1],
            f"a number of metres from {GRID_SPACING_M[0]:g} to {GRID_SPACING_M[1]:g}",
        ),
        "catchment_m": (_is_catchments, "a table {kind = metres}"),
        "catchments_m": (_is_catchments, "a table {kind = metres}"),  # the old spelling
        "catchment_min": (_is_catchments, "a table {kind = minutes}"),
        "catchments_min": (_is_catchments, "a table {kind = minutes}"),  # as for metres
        "speed_kmh": (_is_positive, "a positive number of km/h"),
        "snap": (lambda v: v in ("edge", "node"), "'edge' or 'node'"),
        "max_snap_m": (_is_non_negative, "a number of metres >= 0"),
        "far": (
            lambda v: v in ("warn", "unreachable", "error"),
            "'warn', 'unreachable' or 'error'",
        ),
        "age_bands": (
            lambda v: (
                isinstance(v, dict) and all(_is_str(x) or _is_str_list(x) for x in v.values())
            ),
            "a table {kind = [age band columns]}",
        ),
        "norm_places_per_100": (_is_positive, "a positive number"),
    },
    "areas": {
        "target_children": (_is_positive, "a positive number of children"),
        "n_areas": (_is_positive_int, "a positive whole number"),
        "target_column": (lambda v: v in AGE_BANDS or v == "population", "an age band"),
    },
    "outputs": {
        "dir": (_is_str, "a folder path"),
        "csv": (_is_bool, "true or false"),
        "xlsx": (_is_bool, "true or false"),
        "gpkg": (_is_bool, "true or false"),
        "map": (_is_bool, "true or false"),
        "fact_sheets": (_is_bool, "true or false"),
        "language": (lambda v: v in ("nl", "en"), "'nl' or 'en'"),
        "suppress_below": (_is_positive_int, "a positive whole number of persons"),
        "headers": (lambda v: v in ("codes", "labels"), "'codes' or 'labels'"),
    },
    "sites": {
        "kind": (_is_str, "a service kind"),
        "k": (_is_positive_int, "a positive whole number of sites"),
        "catchment_m": (_is_positive, "a positive number of metres"),
        "candidates": (_is_str, "'origins' or the path of a file of candidate points"),
        "candidates_columns": (_is_str_map, "a table {canonical = source column}"),
        "method": (lambda v: v in ("auto", "mclp", "greedy"), "'auto', 'mclp' or 'greedy'"),
    },
    "map": {
        "scheme": (
            lambda v: _is_scheme_map(v) or (isinstance(v, str) and _is_scheme_map({"x": v})),
            "a scheme ('default', 'quantiles', 'natural_breaks', 'equal_interval') or a table"
            " {indicator = scheme}",
        ),
        "k": (lambda v: isinstance(v, int) and not isinstance(v, bool) and 2 <= v <= 9, "2 to 9"),
        "thresholds": (_is_bounds_map, "a table {indicator = [increasing bounds]}"),
        "catchments": (_is_bool, "true or false"),
        "basemap": (_is_bool, "true or false"),
        "bivariate_kind": (_is_str, "a service kind"),
    },
    "green": GREEN_SECTION_SPEC,  # the physical living environment (buurtgeo._config_green)
}
#: ``inputs.deprivation``: a per-sector table and how to read its figure.
_DEPRIVATION_SPEC: _Spec = {
    "path": (_is_str, "a file path"),
    "column": (_is_str, "the column with the figure"),
    "direction": (
        lambda v: v in ("higher_is_worse", "lower_is_worse"),
        "'higher_is_worse' (a deprivation score) or 'lower_is_worse' (an income)",
    ),
    "id_column": (_is_str, "the column with the sector codes"),
    "sheet": (lambda v: _is_str(v) or isinstance(v, int), "a sheet name or number"),
    "scale": (lambda v: v in ("rank", "minmax", "share"), "'rank', 'minmax' or 'share'"),
    "alpha": (lambda v: _is_number(v) and v >= 0, "a number >= 0"),
}
#: One ``[[scenarios]]`` table, and one service it opens.
_SCENARIO_SPEC: _Spec = {
    "name": (_is_str, "a name"),
    "kind": (_is_str, "a service kind"),
    "open": (lambda v: isinstance(v, list), "a list of tables {x, y, crs, capacity, name}"),
    "close": (_is_id_list, "a list of service ids"),
    "resize": (
        lambda v: isinstance(v, dict) and all(_is_number(x) and x >= 0 for x in v.values()),
        "a table {service id = new capacity}",
    ),
}
_OPEN_SPEC: _Spec = {
    "id": (lambda v: _is_str(v) or isinstance(v, int), "a service id"),
    "name": (_is_str, "a name"),
    "x": (_is_number, "a number (with crs)"),
    "y": (_is_number, "a number (with crs)"),
    "crs": (_is_str, "a CRS, e.g. 'EPSG:31370'"),
    "lat": (lambda v: _is_number(v) and -90 <= v <= 90, "a latitude"),
    "lon": (lambda v: _is_number(v) and -180 <= v <= 180, "a longitude"),
    "capacity": (lambda v: _is_number(v) and v >= 0, "a number of places >= 0"),
}
#: One ``[[inputs.services]]`` table.
_SERVICE_SPEC: _Spec = {
    "path": (_is_str, "a file path"),
    "kind": (_is_str, "a service kind"),
    "columns": (_is_str_map, "a table {canonical = source column}"),
    "sheet": (lambda v: _is_str(v) or isinstance(v, int), "a sheet name or number"),
    "layer": (_is_str, "a layer name"),
    "crs": (_is_str, "a CRS, e.g. 'EPSG:31370'"),
    "kind_map": (
        lambda v: isinstance(v, dict) and all(isinstance(x, str) for x in v.values()),
        "a table {source value = service kind}",
    ),
    "kinds": (_is_str_list, "a list of service kinds (OpenStreetMap files)"),
    "decimal": (lambda v: v in (",", "."), "',' or '.'"),
}
_OSM_SUFFIXES = (".osm", ".pbf", ".osm.bz2", ".osm.gz")
#: ``inputs.age_bands`` / ``inputs.sectors`` / ``inputs.population`` as a table: a ``path``
#: and the loader's options (``crs`` is :func:`buurtgeo.read_sectors`' ``assume_crs``).
_FILE_SPECS: dict[str, _Spec] = {
    "age_bands": {
        "path": (_is_str, "a file path"),
        "sheet": (lambda v: _is_str(v) or isinstance(v, int), "a sheet name or number"),
        "share_column": (_is_str, "a column name"),
        "total_column": (_is_str, "a column name"),
        "columns": (_is_str_map, "a table {role = source column}"),
    },
    "sectors": {
        "path": (_is_str, "a file path"),
        "layer": (_is_str, "a layer name"),
        "columns": (_is_str_map, "a table {canonical = source column}"),
        "crs": (_is_str, "a CRS, e.g. 'EPSG:31370'"),
    },
    "population": {
        "path": (_is_str, "a file path"),
        "sheet": (lambda v: _is_str(v) or isinstance(v, int), "a sheet name or number"),
        "year": (_is_positive_int, "a year, e.g. 2023"),
        "columns": (_is_str_map, "a table {canonical = source column}"),
    },
}
#: The top level: every section is a table; ``scenarios`` a list of tables.
_SECTIONS: _Spec = {
    **{section: (lambda v: isinstance(v, Mapping), "a table") for section in _SPEC},
    "scenarios": (lambda v: isinstance(v, list), "a list of [[scenarios]] tables"),
}
_REQUIRED = (("inputs", "sectors"), ("inputs", "population"), ("inputs", "services"))
#: The input files named by a path (a table's ``path`` is checked with its table).
_PATH_KEYS = (
    "sectors",
    "population",
    "age_bands",
    "network",
    "areas",
    "areas_names",
    "addresses",
    "population_sectors",
    "basemap",
)


@dataclass(frozen=True)
class ServicesInput:
    """One services file of the configuration."""

    path: Path
    kind: str | None = None
    columns: Mapping[str, str] | None = None
    sheet: str | int | None = None
    layer: str | None = None
    crs: str | None = None
    kind_map: Mapping[str, str] | None = None
    kinds: tuple[str, ...] | None = None
    decimal: str | None = None

    @property
    def is_osm(self) -> bool:
        """True for an OpenStreetMap extract (read with :func:`buurtgeo.read_osm_services`)."""
        return self.path.name.lower().endswith(_OSM_SUFFIXES)


@dataclass(frozen=True)
class ScenarioSpec:
    """One ``[[scenarios]]`` block: services of one kind opened, closed or resized.

    ``open`` holds one mapping per new service: ``id`` (optional), ``name``,
    ``capacity`` (places) and its place as ``x``/``y`` with ``crs`` or ``lat``/``lon``.
    """

    name: str
    kind: str
    open: tuple[Mapping[str, Any], ...] = ()
    close: tuple[str, ...] = ()
    resize: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class SitesSpec:
    """The ``[sites]`` block: suggest ``k`` new sites of ``kind`` (see :func:`buurtgeo.suggest_sites`)."""

    kind: str
    k: int
    catchment_m: float | None = None
    candidates: Path | None = None  # None: the origins (where the children live)
    candidates_columns: Mapping[str, str] | None = None
    method: str = "auto"


@dataclass(frozen=True)
class AnalysisConfig:
    """A validated analysis configuration (paths resolved; see :data:`CONFIG_TEMPLATE`)."""

    sectors: Path
    population: Path
    services: tuple[ServicesInput, ...]
    age_bands: Path | None = None
    age_bands_options: Mapping[str, Any] = field(default_factory=dict)
    sectors_options: Mapping[str, Any] = field(default_factory=dict)
    population_options: Mapping[str, Any] = field(default_factory=dict)
    network: Path | None = None
    network_mode: str = "walk"
    areas: Path | None = None
    areas_id_column: str | None = None
    areas_name_column: str | None = None
    areas_names: Path | None = None
    municipality: tuple[str | int, ...] | None = None
    kinds: tuple[str, ...] | None = None
    decay: str = "step"
    origins: str = "grid"
    grid_spacing_m: float = 100.0
    catchment_m: Mapping[str, float] = field(default_factory=dict)
    catchment_min: Mapping[str, float] = field(default_factory=dict)
    speed_kmh: float | None = None
    snap: str = "edge"
    max_snap_m: float = 250.0
    far: str = "warn"
    age_bands_by_kind: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    norm_places_per_100: float = 33.0
    target_children: float | None = 400.0
    n_areas: int | None = None
    area_target_column: str = "children_0_17"
    out_dir: Path = Path("buurtgeo-output")
    csv: bool = True
    xlsx: bool = True
    gpkg: bool = True
    map: bool = True
    fact_sheets: bool = True
    language: str = "nl"
    suppress_below: int | None = None
    # the planner's questions (inputs.deprivation, [[scenarios]], [sites], [map])
    deprivation: Path | None = None
    deprivation_options: Mapping[str, Any] = field(default_factory=dict)
    basemap: Path | None = None
    scenarios: tuple[ScenarioSpec, ...] = ()
    sites: SitesSpec | None = None
    map_scheme: str | Mapping[str, str] = "default"
    map_k: int = 5
    map_thresholds: Mapping[str, tuple[float, ...]] = field(default_factory=dict)
    map_catchments: bool = True
    map_basemap: bool = True
    bivariate_kind: str | None = None
    source: str = "<dict>"
    # issue 16: published inputs
    addresses: Path | None = None
    published_places: tuple[Path, ...] = ()
    population_sectors: Path | None = None
    demand_across_border: bool = True
    headers: str = "codes"
    decimal: str | None = None
    green: tuple[GreenInput, ...] = ()  # the physical living environment (issue 19)
    green_options: Mapping[str, Any] = field(default_factory=dict)


# --------------------------------------------------------------------------------------
# The check step: every problem at once
# --------------------------------------------------------------------------------------


def _check_table(
    checks: Checks,
    table: Mapping[str, Any],
    spec: _Spec,
    where: str | None,
    required: tuple[str, ...] = (),
) -> None:
    """Record every unknown key of ``table``, every value that fails its check in ``spec``
    and every ``required`` key that is absent.

    ``where`` names the table in the messages (``'inputs'``, ``'inputs.services[2]'``);
    ``None`` is the top level, whose keys are sections (``[inputs]``).
    """
    for key, value in table.items():
        name = f"[{key}]" if where is None else f"{where}.{key}"
        if key not in spec:
            close = difflib.get_close_matches(key, list(spec), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            noun = "section" if where is None else "key"
            checks.add(f"unknown {noun} {name}{hint}")
        elif not spec[key][0](value):
            checks.add(f"{name} must be {spec[key][1]}, found {value!r}")
    for key in required:
        if key not in table:
            checks.add(f"{where}.{key} is required")


def _resolve(value: Any, base: Path) -> Path | None:
    """A path of the configuration, relative to ``base`` (None when it is no path)."""
    if not _is_str(value):
        return None
    path = Path(value).expanduser()
    return path if path.is_absolute() else base / path


def _check_file(checks: Checks, value: Any, base: Path, where: str) -> None:
    from buurtgeo.io._files import input_problem

    path = _resolve(value, base)
    if path is not None and not path.exists():
        checks.add(f"{where}: file not found: {path}")
    elif path is not None:
        problem = input_problem(path)
        if problem:
            checks.add(f"{where}: {problem}: {path}")


def _check_kind(checks: Checks, kind: Any, where: str, kinds: Mapping[str, ServiceKind]) -> None:
    if isinstance(kind, str) and kind not in kinds:
        by_alias = [k.key for k in kinds.values() if kind.lower() in k.aliases]
        close = by_alias or difflib.get_close_matches(kind, list(kinds), n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        checks.add(f"{where}: unknown service kind {kind!r}{hint}")


def _sections(data: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Each known section as a dict (empty when absent or not a table; ``scenarios``, a
    list of tables, is read apart)."""
    return {s: dict(data[s]) if isinstance(data.get(s), Mapping) else {} for s in _SPEC}


def _check_inputs(checks: Checks, inputs: Mapping[str, Any], base: Path) -> None:
    """The input files: those named by a path, then those given as a table."""
    for key in _PATH_KEYS:
        _check_file(checks, inputs.get(key), base, f"inputs.{key}")
    published = inputs.get("published_places")
    for n, value in enumerate(published if isinstance(published, list) else [published]):
        _check_file(checks, value, base, f"inputs.published_places[{n + 1}]")

    for name, spec in _FILE_SPECS.items():
        table = inputs.get(name)
        if not isinstance(table, dict):
            continue
        _check_table(checks, table, spec, f"inputs.{name}", required=("path",))
        _check_file(checks, table.get("path"), base, f"inputs.{name}.path")


def _check_services(
    checks: Checks, inputs: Mapping[str, Any], base: Path, kinds: Mapping[str, ServiceKind]
) -> None:
    """Every ``[[inputs.services]]`` table: its keys, its service kinds, its file."""
    entries = inputs.get("services", [])
    if not isinstance(entries, list):
        return
    if "services" in inputs and not entries:
        checks.add("inputs.services is empty: name at least one services file")
    for n, entry in enumerate(entries, start=1):
        where = f"inputs.services[{n}]"
        if not isinstance(entry, Mapping):
            checks.add(f"{where} must be a table with a 'path'")
            continue
        _check_table(checks, entry, _SERVICE_SPEC, where, required=("path",))
        _check_kind(checks, entry.get("kind"), f"{where}.kind", kinds)
        kind_map = entry.get("kind_map")
        for value in kind_map.values() if isinstance(kind_map, dict) else ():
            _check_kind(checks, value, f"{where}.kind_map", kinds)
        for value in entry.get("kinds", []) if _is_str_list(entry.get("kinds")) else []:
            _check_kind(checks, value, f"{where}.kinds", kinds)
        _check_file(checks, entry.get("path"), base, f"{where}.path")


def _bands(value: str | list[str] | None) -> tuple[str, ...]:
    """``analysis.age_bands`` of one kind: one band or a list of them."""
    return (value,) if isinstance(value, str) else tuple(value or ())


def _check_analysis(
    checks: Checks, analysis: Mapping[str, Any], kinds: Mapping[str, ServiceKind]
) -> None:
    """The service kinds named in ``[analysis]`` and the age bands of each kind."""
    for kind in analysis.get("kinds", []) if _is_str_list(analysis.get("kinds")) else []:
        _check_kind(checks, kind, "analysis.kinds", kinds)
    if "catchment_m" in analysis and "catchments_m" in analysis:
        checks.add("analysis: give catchment_m or catchments_m (its old spelling), not both")
    if "catchment_min" in analysis and "catchments_min" in analysis:
        checks.add("analysis: give catchment_min or catchments_min (its other spelling), not both")
    metres, minutes = _catchment_table(analysis), _minutes_table(analysis)
    if isinstance(metres, dict) and isinstance(minutes, dict):
        both = sorted(set(metres) & set(minutes))
        if both:
            checks.add(f"analysis: a catchment in metres and in minutes for {both}: give one")
    for table in ("catchment_m", "catchments_m", "catchment_min", "catchments_min", "age_bands"):
        if isinstance(analysis.get(table), dict):
            for kind in analysis[table]:
                _check_kind(checks, kind, f"analysis.{table}", kinds)
    if isinstance(analysis.get("age_bands"), dict):
        for kind, bands in analysis["age_bands"].items():
            bad = [b for b in _bands(bands) if b not in AGE_BANDS and b != "population"]
            if bad:
                checks.add(
                    f"analysis.age_bands.{kind}: unknown age band(s) {bad}"
                    f" (expected some of {', '.join(AGE_BANDS)} or 'population')"
                )


def _check_deprivation(checks: Checks, inputs: Mapping[str, Any], base: Path) -> None:
    """``inputs.deprivation``: its keys, its file, a column to read."""
    table = inputs.get("deprivation")
    if not isinstance(table, dict):
        return
    _check_table(checks, table, _DEPRIVATION_SPEC, "inputs.deprivation", ("path", "column"))
    _check_file(checks, table.get("path"), base, "inputs.deprivation.path")
    if table.get("scale") == "share" and table.get("direction") == "lower_is_worse":
        checks.add("inputs.deprivation: scale 'share' reads a share of deprived (higher is worse)")


def _check_scenarios(checks: Checks, entries: Any, kinds: Mapping[str, ServiceKind]) -> None:
    """Every ``[[scenarios]]`` block: its keys, its kind, the services it opens."""
    if not isinstance(entries, list):
        return
    names = []
    for n, entry in enumerate(entries, start=1):
        where = f"scenarios[{n}]"
        if not isinstance(entry, Mapping):
            checks.add(f"{where} must be a table with a name and a kind")
            continue
        _check_table(checks, entry, _SCENARIO_SPEC, where, required=("name", "kind"))
        _check_kind(checks, entry.get("kind"), f"{where}.kind", kinds)
        names.append(entry.get("name"))
        if not any(k in entry for k in ("open", "close", "resize")):
            checks.add(f"{where} changes nothing: give open, close or resize")
        given = entry.get("open")
        opened: list[Any] = given if isinstance(given, list) else []
        for m, service in enumerate(opened, start=1):
            spot = f"{where}.open[{m}]"
            if not isinstance(service, Mapping):
                checks.add(f"{spot} must be a table {{x, y, crs, capacity}}")
                continue
            _check_table(checks, service, _OPEN_SPEC, spot, required=("capacity",))
            xy, ll = {"x", "y"} & set(service), {"lat", "lon"} & set(service)
            if not (len(xy) == 2 and "crs" in service) and len(ll) != 2:
                checks.add(f"{spot} needs x, y and crs, or lat and lon")
            elif xy and ll:
                checks.add(f"{spot}: give x/y or lat/lon, not both")
    dup = sorted({n for n in names if isinstance(n, str) and names.count(n) > 1})
    if dup:
        checks.add(f"scenarios: names used more than once: {dup}")


def _check_config(checks: Checks, data: Mapping[str, Any], base: Path) -> None:
    """The check step of :func:`parse_config`: record every problem of ``data``."""
    _check_table(checks, data, _SECTIONS, None)
    sections = _sections(data)
    for section, spec in _SPEC.items():
        _check_table(checks, sections[section], spec, section)
    for section, key in _REQUIRED:
        green_only = key == "services" and "green" in sections[section]
        if key not in sections[section] and not green_only:
            checks.add(f"{section}.{key} is required")
    kinds = service_kinds()
    _check_inputs(checks, sections["inputs"], base)
    _check_services(checks, sections["inputs"], base, kinds)
    check_green(checks, sections["inputs"], sections["green"], base, _check_table, _check_file)
    _check_analysis(checks, sections["analysis"], kinds)
    if sections["analysis"].get("origins") == "addresses" and "addresses" not in sections["inputs"]:
        checks.add("analysis.origins = 'addresses' needs inputs.addresses (an address file)")
    if "target_children" in sections["areas"] and "n_areas" in sections["areas"]:
        checks.add("areas: give target_children or n_areas, not both")
    _check_deprivation(checks, sections["inputs"], base)
    _check_scenarios(checks, data.get("scenarios", []), kinds)
    sites = sections["sites"]
    if sites:
        for key in ("kind", "k"):
            if key not in sites:
                checks.add(f"sites.{key} is required")
        _check_kind(checks, sites.get("kind"), "sites.kind", kinds)
        if sites.get("candidates") not in (None, "origins"):
            _check_file(checks, sites.get("candidates"), base, "sites.candidates")
    _check_kind(checks, sections["map"].get("bivariate_kind"), "map.bivariate_kind", kinds)
    if _is_str(sections["outputs"].get("dir", "buurtgeo-output")):
        out_dir = _build_outputs(sections["outputs"], base)["out_dir"]
        inputs = _input_paths(sections["inputs"], base)
        if _is_str(sites.get("candidates")) and sites.get("candidates") != "origins":
            inputs += [p for p in [_resolve(sites["candidates"], base)] if p is not None]
        for problem in out_dir_problems(out_dir, inputs):
            checks.add(f"outputs.dir: {problem}")


# --------------------------------------------------------------------------------------
# The build step: paths resolved, defaults filled in
# --------------------------------------------------------------------------------------


def _services_input(entry: Mapping[str, Any], base: Path) -> ServicesInput:
    """One checked ``[[inputs.services]]`` table."""
    return ServicesInput(
        _resolve(entry["path"], base),  # type: ignore[arg-type]
        kind=entry.get("kind"),
        columns=dict(entry["columns"]) if "columns" in entry else None,
        sheet=entry.get("sheet"),
        layer=entry.get("layer"),
        crs=entry.get("crs"),
        kind_map=dict(entry["kind_map"]) if "kind_map" in entry else None,
        kinds=tuple(entry["kinds"]) if "kinds" in entry else None,
        decimal=entry.get("decimal"),
    )


def _as_list(value: Any) -> list[Any]:
    """A path or a list of paths as a list (empty when absent)."""
    return value if isinstance(value, list) else [] if value is None else [value]


def _build_inputs(inputs: Mapping[str, Any], base: Path) -> dict[str, Any]:
    """The :class:`AnalysisConfig` fields of a checked ``[inputs]``."""
    paths = {key: _resolve(inputs.get(key), base) for key in _PATH_KEYS}
    options: dict[str, dict[str, Any]] = {name: {} for name in _FILE_SPECS}
    for name in _FILE_SPECS:
        table = inputs.get(name)
        if not isinstance(table, dict):
            continue
        paths[name] = _resolve(table["path"], base)
        options[name] = {k: v for k, v in table.items() if k != "path"}
        if "crs" in options[name]:
            options[name]["assume_crs"] = options[name].pop("crs")
    municipality = inputs.get("municipality")
    if municipality is not None and not isinstance(municipality, list):
        municipality = [municipality]
    return {
        "sectors": paths["sectors"],
        "population": paths["population"],
        "services": tuple(_services_input(entry, base) for entry in inputs.get("services", [])),
        "green": green_inputs(inputs.get("green", []), lambda v: _resolve(v, base)),
        "age_bands": paths["age_bands"],
        "age_bands_options": options["age_bands"],
        "sectors_options": options["sectors"],
        "population_options": options["population"],
        "network": paths["network"],
        "network_mode": inputs.get("network_mode", "walk"),
        "areas": paths["areas"],
        "areas_id_column": inputs.get("areas_id_column"),
        "areas_name_column": inputs.get("areas_name_column"),
        "areas_names": paths["areas_names"],
        "municipality": tuple(municipality) if municipality else None,
        "addresses": paths["addresses"],
        "published_places": tuple(
            p
            for p in (_resolve(v, base) for v in _as_list(inputs.get("published_places")))
            if p is not None
        ),
        "population_sectors": paths["population_sectors"],
        "decimal": inputs.get("decimal"),
    }


def _catchment_table(analysis: Mapping[str, Any]) -> Mapping[str, Any]:
    """``analysis.catchment_m``, or its old spelling ``catchments_m`` (checked: not both)."""
    return analysis.get("catchment_m", analysis.get("catchments_m", {}))


def _minutes_table(analysis: Mapping[str, Any]) -> Mapping[str, Any]:
    """``analysis.catchment_min``, or ``catchments_min`` (checked: not both)."""
    return analysis.get("catchment_min", analysis.get("catchments_min", {}))


def _build_analysis(analysis: Mapping[str, Any], areas: Mapping[str, Any]) -> dict[str, Any]:
    """The :class:`AnalysisConfig` fields of a checked ``[analysis]`` and ``[areas]``."""
    return {
        "kinds": tuple(analysis["kinds"]) if "kinds" in analysis else None,
        "decay": analysis.get("decay", "step"),
        "origins": analysis.get("origins", "grid"),
        "demand_across_border": analysis.get("demand_across_border", True),
        "grid_spacing_m": float(analysis.get("grid_spacing_m", 100.0)),
        "catchment_m": {k: float(v) for k, v in _catchment_table(analysis).items()},
        "catchment_min": {k: float(v) for k, v in _minutes_table(analysis).items()},
        "speed_kmh": float(analysis["speed_kmh"]) if "speed_kmh" in analysis else None,
        "snap": analysis.get("snap", "edge"),
        "max_snap_m": float(analysis.get("max_snap_m", 250.0)),
        "far": analysis.get("far", "warn"),
        "age_bands_by_kind": {k: _bands(v) for k, v in analysis.get("age_bands", {}).items()},
        "norm_places_per_100": float(analysis.get("norm_places_per_100", 33.0)),
        "target_children": (
            None if "n_areas" in areas else float(areas.get("target_children", 400.0))
        ),
        "n_areas": areas.get("n_areas"),
        "area_target_column": areas.get("target_column", "children_0_17"),
    }


def _build_outputs(outputs: Mapping[str, Any], base: Path) -> dict[str, Any]:
    """The :class:`AnalysisConfig` fields of a checked ``[outputs]``."""
    out_dir = Path(outputs.get("dir", "buurtgeo-output")).expanduser()
    return {
        "out_dir": out_dir if out_dir.is_absolute() else base / out_dir,
        "csv": outputs.get("csv", True),
        "xlsx": outputs.get("xlsx", True),
        "gpkg": outputs.get("gpkg", True),
        "map": outputs.get("map", True),
        "fact_sheets": outputs.get("fact_sheets", True),
        "language": outputs.get("language", "nl"),
        "suppress_below": outputs.get("suppress_below"),
        "headers": outputs.get("headers", "codes"),
    }


def _build_planning(
    inputs: Mapping[str, Any], data: Mapping[str, Any], base: Path
) -> dict[str, Any]:
    """The :class:`AnalysisConfig` fields of the planner's questions (checked before)."""
    sections = _sections(data)
    dep = inputs.get("deprivation")
    sites, look = sections["sites"], sections["map"]
    out: dict[str, Any] = {
        "deprivation": _resolve(dep["path"], base) if isinstance(dep, dict) else None,
        "deprivation_options": {k: v for k, v in dep.items() if k != "path"}
        if isinstance(dep, dict)
        else {},
        "basemap": _resolve(inputs.get("basemap"), base),
        "scenarios": tuple(
            ScenarioSpec(
                name=str(entry["name"]),
                kind=str(entry["kind"]),
                open=tuple(dict(x) for x in entry.get("open", [])),
                close=tuple(str(x) for x in entry.get("close", [])),
                resize={str(k): float(v) for k, v in entry.get("resize", {}).items()},
            )
            for entry in data.get("scenarios", [])
        ),
        "sites": None,
        "map_scheme": look.get("scheme", "default"),
        "map_k": look.get("k", 5),
        "map_thresholds": {
            k: tuple(float(x) for x in v) for k, v in look.get("thresholds", {}).items()
        },
        "map_catchments": look.get("catchments", True),
        "map_basemap": look.get("basemap", True),
        "bivariate_kind": look.get("bivariate_kind"),
    }
    if sites:
        candidates = sites.get("candidates", "origins")
        out["sites"] = SitesSpec(
            kind=sites["kind"],
            k=int(sites["k"]),
            catchment_m=float(sites["catchment_m"]) if "catchment_m" in sites else None,
            candidates=None if candidates == "origins" else _resolve(candidates, base),
            candidates_columns=dict(sites["candidates_columns"])
            if "candidates_columns" in sites
            else None,
            method=sites.get("method", "auto"),
        )
    return out


def parse_config(
    data: Mapping[str, Any], *, base_dir: str | PathLike[str] = ".", source: str = "<dict>"
) -> AnalysisConfig:
    """Validate a configuration mapping and return an :class:`AnalysisConfig`.

    Every problem is collected first and reported at once.

    Parameters
    ----------
    data : mapping
        The parsed TOML (tables ``inputs``, ``analysis``, ``areas``, ``outputs``; see
        :data:`CONFIG_TEMPLATE`).
    base_dir : path-like, default '.'
        Folder relative paths are resolved against (the config file's folder).
    source : str
        Name of the configuration shown in errors.

    Returns
    -------
    AnalysisConfig

    Raises
    ------
    ConfigError
        One line listing every unknown key, wrong type, unknown service kind or age
        band and missing input file.
    """
    base = Path(base_dir)
    checks = Checks("configuration", ConfigError)
    if not isinstance(data, Mapping):
        checks.add("a configuration must be a table of tables")
    else:
        _check_config(checks, data, base)
    checks.raise_if_any(path=source, hint="")

    sections = _sections(data)
    return AnalysisConfig(
        **_build_inputs(sections["inputs"], base),
        **_build_analysis(sections["analysis"], sections["areas"]),
        **_build_outputs(sections["outputs"], base),
        **_build_planning(sections["inputs"], data, base),
        green_options=dict(sections["green"]),
        source=source,
    )


def load_config(path: str | PathLike[str]) -> AnalysisConfig:
    """Read and validate a TOML analysis configuration (see :data:`CONFIG_TEMPLATE`).

    Parameters
    ----------
    path : path-like
        The ``.toml`` file; relative paths inside it are relative to its folder.

    Returns
    -------
    AnalysisConfig

    Raises
    ------
    ConfigError
        File missing, not valid TOML (with the line), or any problem of
        :func:`parse_config`.
    """
    path = Path(path)
    if not path.is_file():
        raise ConfigError("configuration file not found", path=path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"not valid TOML: {exc}", path=path) from None
    except UnicodeDecodeError:
        raise ConfigError("not a UTF-8 text file", path=path) from None
    return parse_config(data, base_dir=path.resolve().parent, source=str(path))


def demo_config(
    out_dir: str | PathLike[str] = "demo-output", *, sample: str | PathLike[str] | None = None
) -> AnalysisConfig:
    """The configuration of the demo: the embedded fictional sample, every kind, its
    (fictional) deprivation index, one scenario and three suggested childcare sites.

    Parameters
    ----------
    out_dir : path-like
        Where the demo writes its files.
    sample : path-like, optional
        Folder holding the sample files; default: ``data/sample`` of the checkout, or a
        fresh copy made by :func:`buurtgeo.make_sample` in ``out_dir/sample``.
    """
    from buurtgeo.sample import make_sample, sample_dir, sample_paths

    folder = Path(sample) if sample is not None else sample_dir()
    if folder is None:
        folder = Path(out_dir) / "sample"
        paths = make_sample(folder)
    else:
        paths = sample_paths(folder)
    data = {
        "inputs": {
            "sectors": str(paths["sectors"]),
            "population": str(paths["population"]),
            "age_bands": str(paths["age_bands"]),
            "network": str(paths["network"]),
            "areas": str(paths["areas"]),
            "services": [{"path": str(paths["childcare"])}, {"path": str(paths["services"])}],
            "deprivation": {
                "path": str(paths["deprivation"]),
                "column": "BIMD2011_score",
                "direction": "higher_is_worse",
            },
        },
        # one what-if, three suggested sites: the demo shows every output
        "scenarios": [
            {
                "name": "Nieuwe crèche Lammerstraat",
                "kind": "childcare_baby",
                "open": [
                    {
                        "name": "Crèche Lammerstraat",
                        "x": 645800.0,
                        "y": 695900.0,
                        "crs": "EPSG:3812",
                        "capacity": 28,
                    }
                ],
                "close": ["KO-0008"],
            }
        ],
        "sites": {"kind": "childcare_baby", "k": 3},
        "outputs": {"dir": str(out_dir)},
    }
    return parse_config(data, source="demo")


# --------------------------------------------------------------------------------------
# The output folder: never over an input, never a file, never a system folder
# --------------------------------------------------------------------------------------

#: Every name :func:`buurtgeo.outputs.write_outputs` may write in the output folder.
OUTPUT_NAMES: tuple[str, ...] = (
    "indicators.csv",
    "indicators_areas.csv",
    "legenda.csv",
    "bronnen.csv",
    "indicators.xlsx",
    "indicators.gpkg",
    "map.html",
    "set_aside.csv",
    "equity.csv",
    "bivariate.html",
    "scenarios.csv",
    "sites.csv",
    "published_vs_found.csv",
    "places_by_language.csv",
    "ONVOLLEDIG.txt",
    "INCOMPLETE.txt",
)
#: Outputs named after a configuration's blocks: ``scenario_<name>.html``.
_OUTPUT_PATTERNS: tuple[tuple[str, str], ...] = (("scenario_", ".html"),)
#: The folder of the fact sheets inside the output folder (every file in it is written).
FACT_SHEETS_DIR = "buurtfiches"
#: Folders that hold no data a run may write (pseudo file systems, the system's own).
_SYSTEM_DIRS = ("/bin", "/boot", "/dev", "/etc", "/lib", "/lib64", "/proc", "/sbin", "/sys", "/usr")


def _input_paths(inputs: Mapping[str, Any], base: Path) -> list[Path]:
    """Every input file a configuration's ``[inputs]`` names (resolved)."""
    paths = [_resolve(inputs.get(key), base) for key in _PATH_KEYS]
    for name in _FILE_SPECS:
        if isinstance(inputs.get(name), dict):
            paths.append(_resolve(inputs[name].get("path"), base))
    for entry in inputs.get("services", []) if isinstance(inputs.get("services"), list) else []:
        if isinstance(entry, Mapping):
            paths.append(_resolve(entry.get("path"), base))
    if isinstance(inputs.get("deprivation"), Mapping):
        paths.append(_resolve(inputs["deprivation"].get("path"), base))
    published = inputs.get("published_places")
    for value in published if isinstance(published, list) else [published]:
        if _is_str(value):
            paths.append(_resolve(value, base))
    return [p for p in paths if p is not None]


def _real(path: Path) -> Path:
    try:
        return path.expanduser().resolve()
    except (OSError, RuntimeError):
        return path.expanduser().absolute()


def out_dir_problems(out_dir: Path, inputs: list[Path]) -> list[str]:
    """What is wrong with an output folder: a file system root or a system folder, a file,
    or a folder where an output file (or a fact sheet) would replace one of ``inputs``."""
    problems = []
    where = _real(Path(out_dir))
    if where == Path(where.anchor):
        problems.append(f"{out_dir} is the root of a file system; name a folder of its own")
    elif any(where == Path(d) or Path(d) in where.parents for d in _SYSTEM_DIRS):
        problems.append(f"{out_dir} is a system folder; name a folder of your own")
    if where.exists() and not where.is_dir():
        problems.append(f"{out_dir} is a file, not a folder")
    sheets = where / FACT_SHEETS_DIR
    for path in inputs:
        real = _real(path)
        named = real.name in OUTPUT_NAMES or any(
            real.name.startswith(a) and real.name.endswith(b) for a, b in _OUTPUT_PATTERNS
        )
        if (real.parent == where and named) or real.parent == sheets:
            problems.append(
                f"writing the outputs to {out_dir} would replace the input file {path};"
                " name another folder"
            )
        elif real == where or real == sheets:
            problems.append(f"{out_dir} is an input, not a folder for outputs")
    return problems


def check_out_dir(cfg: AnalysisConfig, out_dir: str | PathLike[str] | None = None) -> Path:
    """Refuse an output folder that cannot be written safely (see :func:`out_dir_problems`).

    Parameters
    ----------
    cfg : AnalysisConfig
        Its input files are never overwritten.
    out_dir : path-like, optional
        Default ``cfg.out_dir``.

    Returns
    -------
    pathlib.Path
        The folder.

    Raises
    ------
    ConfigError
        Naming every problem.
    """
    folder = Path(out_dir) if out_dir is not None else cfg.out_dir
    inputs = [cfg.sectors, cfg.population, *(s.path for s in cfg.services)]
    optional: list[Path | None] = [cfg.age_bands, cfg.network, cfg.areas, cfg.areas_names]
    optional += [cfg.addresses, cfg.population_sectors, cfg.deprivation, cfg.basemap]
    optional += [*cfg.published_places, cfg.sites.candidates if cfg.sites else None]
    inputs += [p for p in optional if p is not None]
    if cfg.source not in ("<dict>", "demo"):
        inputs.append(Path(cfg.source))
    problems = out_dir_problems(folder, inputs)
    if problems:
        raise ConfigError("outputs.dir: " + "; ".join(problems), path=cfg.source)
    return folder
