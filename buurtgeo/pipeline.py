"""The whole job: files → canonical tables → reach → indicators per sector and area → outputs.

:func:`run_config` runs one analysis described by a configuration (a TOML file or a
dict, see :data:`CONFIG_TEMPLATE`); :func:`run_demo` runs it on the embedded fictional
sample. Both return an :class:`Analysis`, the result object for notebooks, and can
write the planner's files::

    DIR/indicators.csv         one row per statistical sector  (Excel-ready, see below)
    DIR/indicators_areas.csv   one row per area (dicht-bij-huis *buurt*)
    DIR/legenda.csv            what each column of the two CSV files means
    DIR/indicators.xlsx        both tables as sheets 'sectoren' and 'buurten'
    DIR/indicators.gpkg        layers 'sectors', 'areas', 'services'
    DIR/map.html               self-contained interactive map (opens offline)
    DIR/set_aside.csv          every input row that was not used, with file, row and reason
    DIR/buurtfiches/           one HTML fact sheet per area (+ index.html)

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
"""

from __future__ import annotations

import difflib
import io
import math
import tomllib
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from os import PathLike
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from buurtgeo._atomic import write_with
from buurtgeo.errors import ConfigError, InputError
from buurtgeo.schema import AGE_BANDS, YES_NO, label, service_kinds

__all__ = [
    "CONFIG_TEMPLATE",
    "AnalysisConfig",
    "Analysis",
    "load_config",
    "parse_config",
    "run_config",
    "run_demo",
    "demo_config",
]

#: A complete, commented configuration file (``buurtgeo run --template`` prints it).
CONFIG_TEMPLATE = """\
# buurtgeo analysis — paths are relative to this file.
# The file names below are those of the embedded sample (buurtgeo sample --out DIR).

[inputs]
sectors = "sh_statbel_statistical_sectors_3812_20230101.geojson.zip"  # Statbel sectors
# sectors = { path = "sectoren.gpkg", layer = "sectoren", columns = { sector_id = "CODE" }, crs = "EPSG:31370" }
#                                                # … when the columns are not Statbel's own
population = "OPEN DATA_SECTOREN_2023.xlsx"     # Statbel population per sector
# population = { path = "bevolking.xlsx", sheet = "2023", columns = { sector_id = "sector", population = "inwoners" } }
age_bands = "leeftijdsgroepen_sectoren_2023.csv" # optional: children per age band and sector
# age_bands = { path = "ACP_BXL.xls", share_column = "PAG0015", total_column = "POP_2018" }
#                                                # … or estimated from a share of 0-15 year olds
network = "lindevoorde_hazelbeke_walk.osm"       # optional: OSM .osm/.pbf or road lines; without: straight lines
network_mode = "walk"                            # walk | bike
areas = "statsec_wijken.csv"                     # optional: areas (polygons or sector → area table); without: proposed
# areas_id_column = "wijknr"                     # optional, when the areas file is not recognised
# areas_name_column = "wijknaam"
# areas_names = "wijken.geojson"                 # optional: area names from another file
# municipality = ["46091", "46092"]              # optional: NIS codes or names to keep

[[inputs.services]]                              # one block per services file
path = "kinderopvanglocaties.csv"

[[inputs.services]]
path = "voorzieningen_kinderen_gezinnen.csv"
# kind = "childcare_baby"                        # optional: one kind for the whole file
# columns = { name = "Naam", capacity = "Capaciteit", x = "X", y = "Y", crs = "EPSG:31370" }
# kind_map = { PRENATAL = "consultatiebureau" }  # optional: source value → service kind

# [[inputs.services]]                            # services from OpenStreetMap (.osm / .osm.pbf)
# path = "belgium-latest.osm.pbf"
# kinds = ["playground", "library"]

[analysis]
# kinds = ["childcare_baby", "playground"]      # default: every kind found in the services
decay = "step"                                   # step | linear | gaussian
origins = "grid"                                 # grid (population spread on a grid) | point
grid_spacing_m = 100.0
# catchments_m = { childcare_baby = 800 }        # per kind, metres; default: the vocabulary's
# age_bands = { playground = ["children_3_5", "children_6_11"] }   # target group per kind
norm_places_per_100 = 33.0                       # places per 100 children (beschikbaarheid norm)

[areas]                                          # used when no areas file is given
target_children = 400                            # about this many children 0-17 per proposed area
# n_areas = 8

[outputs]
dir = "buurtgeo-output"
csv = true
xlsx = true
gpkg = true
map = true
fact_sheets = true
language = "nl"                                  # nl | en
# suppress_below = 5                             # optional: hide counts of fewer than 5 children (and rates built on them) in every output
"""


# --------------------------------------------------------------------------------------
# Configuration
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


# key -> (check, what is expected)
_SPEC: dict[str, dict[str, tuple[Callable[[Any], bool], str]]] = {
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
    },
    "analysis": {
        "kinds": (_is_str_list, "a list of service kinds"),
        "decay": (lambda v: v in ("step", "linear", "gaussian"), "'step', 'linear' or 'gaussian'"),
        "origins": (lambda v: v in ("grid", "point"), "'grid' or 'point'"),
        "grid_spacing_m": (_is_positive, "a positive number of metres"),
        "catchments_m": (
            lambda v: isinstance(v, dict) and all(_is_positive(x) for x in v.values()),
            "a table {kind = metres}",
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
    },
}
_SERVICE_SPEC: dict[str, tuple[Callable[[Any], bool], str]] = {
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
}
_OSM_SUFFIXES = (".osm", ".pbf", ".osm.bz2", ".osm.gz")
_AGE_BANDS_SPEC: dict[str, tuple[Callable[[Any], bool], str]] = {
    "path": (_is_str, "a file path"),
    "sheet": (lambda v: _is_str(v) or isinstance(v, int), "a sheet name or number"),
    "share_column": (_is_str, "a column name"),
    "total_column": (_is_str, "a column name"),
    "columns": (_is_str_map, "a table {role = source column}"),
}
#: ``inputs.sectors`` / ``inputs.population`` as a table: the loader's options
#: (``crs`` is :func:`buurtgeo.read_sectors`' ``assume_crs``).
_FILE_SPECS: dict[str, dict[str, tuple[Callable[[Any], bool], str]]] = {
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
_REQUIRED = (("inputs", "sectors"), ("inputs", "population"), ("inputs", "services"))


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

    @property
    def is_osm(self) -> bool:
        """True for an OpenStreetMap extract (read with :func:`buurtgeo.read_osm_services`)."""
        return self.path.name.lower().endswith(_OSM_SUFFIXES)


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
    catchments_m: Mapping[str, float] = field(default_factory=dict)
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
    source: str = "<dict>"


def _unknown(key: str, known: Sequence[str], where: str) -> str:
    close = difflib.get_close_matches(key, known, n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    if where == "section ":
        return f"unknown section [{key}]{hint}"
    return f"unknown key {where}{key}{hint}"


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
    problems: list[str] = []
    if not isinstance(data, Mapping):
        raise ConfigError("a configuration must be a table of tables", path=source)
    for section, value in data.items():
        if section not in _SPEC:
            problems.append(_unknown(section, list(_SPEC), "section "))
        elif not isinstance(value, Mapping):
            problems.append(f"[{section}] must be a table, found {type(value).__name__}")
    sections = {s: dict(data.get(s, {})) if isinstance(data.get(s), Mapping) else {} for s in _SPEC}
    for section, spec in _SPEC.items():
        for key, value in sections[section].items():
            if key not in spec:
                problems.append(_unknown(key, list(spec), f"{section}."))
                continue
            check, expected = spec[key]
            if not check(value):
                problems.append(f"{section}.{key} must be {expected}, found {value!r}")
    for section, key in _REQUIRED:
        if key not in sections[section]:
            problems.append(f"{section}.{key} is required")

    kinds = service_kinds()

    def check_kind(kind: Any, where: str) -> None:
        if isinstance(kind, str) and kind not in kinds:
            by_alias = [k.key for k in kinds.values() if kind.lower() in k.aliases]
            close = by_alias or difflib.get_close_matches(kind, list(kinds), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            problems.append(f"{where}: unknown service kind {kind!r}{hint}")

    def existing(value: Any, where: str) -> Path | None:
        if not _is_str(value):
            return None
        path = Path(value).expanduser()
        path = path if path.is_absolute() else base / path
        if not path.exists():
            problems.append(f"{where}: file not found: {path}")
        return path

    inputs = sections["inputs"]
    paths = {
        key: existing(inputs.get(key), f"inputs.{key}")
        for key in ("sectors", "population", "age_bands", "network", "areas", "areas_names")
    }
    age_options: dict[str, Any] = {}
    if isinstance(inputs.get("age_bands"), dict):
        table = inputs["age_bands"]
        for key, value in table.items():
            if key not in _AGE_BANDS_SPEC:
                problems.append(_unknown(key, list(_AGE_BANDS_SPEC), "inputs.age_bands."))
            elif not _AGE_BANDS_SPEC[key][0](value):
                problems.append(
                    f"inputs.age_bands.{key} must be {_AGE_BANDS_SPEC[key][1]}, found {value!r}"
                )
        if "path" not in table:
            problems.append("inputs.age_bands.path is required")
        paths["age_bands"] = existing(table.get("path"), "inputs.age_bands.path")
        age_options = {k: v for k, v in table.items() if k != "path" and k in _AGE_BANDS_SPEC}
    file_options: dict[str, dict[str, Any]] = {"sectors": {}, "population": {}}
    for name, spec in _FILE_SPECS.items():
        table = inputs.get(name)
        if not isinstance(table, dict):
            continue
        for key, value in table.items():
            if key not in spec:
                problems.append(_unknown(key, list(spec), f"inputs.{name}."))
            elif not spec[key][0](value):
                problems.append(f"inputs.{name}.{key} must be {spec[key][1]}, found {value!r}")
        if "path" not in table:
            problems.append(f"inputs.{name}.path is required")
        paths[name] = existing(table.get("path"), f"inputs.{name}.path")
        options = {k: v for k, v in table.items() if k != "path" and k in spec}
        if "crs" in options:
            options["assume_crs"] = options.pop("crs")
        file_options[name] = options
    services: list[ServicesInput] = []
    raw_services = inputs.get("services", [])
    if isinstance(raw_services, list):
        if "services" in inputs and not raw_services:
            problems.append("inputs.services is empty: name at least one services file")
        for n, entry in enumerate(raw_services, start=1):
            where = f"inputs.services[{n}]"
            if not isinstance(entry, Mapping):
                problems.append(f"{where} must be a table with a 'path'")
                continue
            for key, value in entry.items():
                if key not in _SERVICE_SPEC:
                    problems.append(_unknown(key, list(_SERVICE_SPEC), f"{where}."))
                    continue
                check, expected = _SERVICE_SPEC[key]
                if not check(value):
                    problems.append(f"{where}.{key} must be {expected}, found {value!r}")
            if "path" not in entry:
                problems.append(f"{where}.path is required")
            check_kind(entry.get("kind"), f"{where}.kind")
            kind_map = entry.get("kind_map")
            for value in kind_map.values() if isinstance(kind_map, dict) else ():
                check_kind(value, f"{where}.kind_map")
            for value in entry.get("kinds", []) if _is_str_list(entry.get("kinds")) else []:
                check_kind(value, f"{where}.kinds")
            path = existing(entry.get("path"), f"{where}.path")
            if path is not None:
                services.append(
                    ServicesInput(
                        path,
                        kind=entry.get("kind") if _is_str(entry.get("kind")) else None,
                        columns=dict(entry["columns"])
                        if _is_str_map(entry.get("columns"))
                        else None,
                        sheet=entry.get("sheet"),
                        layer=entry.get("layer") if _is_str(entry.get("layer")) else None,
                        crs=entry.get("crs") if _is_str(entry.get("crs")) else None,
                        kind_map=dict(entry["kind_map"])
                        if isinstance(entry.get("kind_map"), dict)
                        else None,
                        kinds=tuple(entry["kinds"]) if _is_str_list(entry.get("kinds")) else None,
                    )
                )

    analysis = sections["analysis"]
    for kind in analysis.get("kinds", []) if _is_str_list(analysis.get("kinds")) else []:
        check_kind(kind, "analysis.kinds")
    for table in ("catchments_m", "age_bands"):
        if isinstance(analysis.get(table), dict):
            for kind in analysis[table]:
                check_kind(kind, f"analysis.{table}")
    bands_by_kind: dict[str, tuple[str, ...]] = {}
    if isinstance(analysis.get("age_bands"), dict):
        for kind, bands in analysis["age_bands"].items():
            bands = (bands,) if isinstance(bands, str) else tuple(bands or ())
            bad = [b for b in bands if b not in AGE_BANDS and b != "population"]
            if bad:
                problems.append(
                    f"analysis.age_bands.{kind}: unknown age band(s) {bad}"
                    f" (expected some of {', '.join(AGE_BANDS)} or 'population')"
                )
            bands_by_kind[kind] = bands
    areas = sections["areas"]
    if "target_children" in areas and "n_areas" in areas:
        problems.append("areas: give target_children or n_areas, not both")
    outputs = sections["outputs"]

    if problems:
        raise ConfigError(f"{len(problems)} problem(s): " + "; ".join(problems), path=source)

    municipality = inputs.get("municipality")
    if municipality is not None and not isinstance(municipality, list):
        municipality = [municipality]
    out_dir = Path(outputs.get("dir", "buurtgeo-output")).expanduser()
    out_dir = out_dir if out_dir.is_absolute() else base / out_dir
    return AnalysisConfig(
        sectors=paths["sectors"],  # type: ignore[arg-type]
        population=paths["population"],  # type: ignore[arg-type]
        services=tuple(services),
        age_bands=paths["age_bands"],
        age_bands_options=age_options,
        sectors_options=file_options["sectors"],
        population_options=file_options["population"],
        network=paths["network"],
        network_mode=inputs.get("network_mode", "walk"),
        areas=paths["areas"],
        areas_id_column=inputs.get("areas_id_column"),
        areas_name_column=inputs.get("areas_name_column"),
        areas_names=paths["areas_names"],
        municipality=tuple(municipality) if municipality else None,
        kinds=tuple(analysis["kinds"]) if "kinds" in analysis else None,
        decay=analysis.get("decay", "step"),
        origins=analysis.get("origins", "grid"),
        grid_spacing_m=float(analysis.get("grid_spacing_m", 100.0)),
        catchments_m={k: float(v) for k, v in analysis.get("catchments_m", {}).items()},
        age_bands_by_kind=bands_by_kind,
        norm_places_per_100=float(analysis.get("norm_places_per_100", 33.0)),
        target_children=(
            None if "n_areas" in areas else float(areas.get("target_children", 400.0))
        ),
        n_areas=areas.get("n_areas"),
        area_target_column=areas.get("target_column", "children_0_17"),
        out_dir=out_dir,
        csv=outputs.get("csv", True),
        xlsx=outputs.get("xlsx", True),
        gpkg=outputs.get("gpkg", True),
        map=outputs.get("map", True),
        fact_sheets=outputs.get("fact_sheets", True),
        language=outputs.get("language", "nl"),
        suppress_below=outputs.get("suppress_below"),
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
    """The configuration of the demo: the embedded fictional sample, every kind.

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
        },
        "outputs": {"dir": str(out_dir)},
    }
    return parse_config(data, source="demo")


# --------------------------------------------------------------------------------------
# The analysis
# --------------------------------------------------------------------------------------

#: Indicators kept per kind and level (from :func:`buurtgeo.aggregate_reach`).
INDICATORS: tuple[str, ...] = (
    "target_pop",
    "share_covered",
    "share_unreachable",
    "mean_dist_m",
    "median_dist_m",
    "mean_time_min",
    "services_within",
    "capacity_within",
    "fca2",
    "places_per_100_2sfca",
)
_CAPACITY_INDICATORS = ("capacity_within", "fca2", "places_per_100_2sfca")
_CONTEXT_SECTOR = ("sector_name_nl", "municipality_nis", "municipality_name_nl", "area_id")
_COUNTS = ("population", *AGE_BANDS)


@dataclass
class Analysis:
    """The result of one analysis: every table, and the means to look at and write them.

    Attributes
    ----------
    config : AnalysisConfig
        What was asked.
    sectors : GeoDataFrame
        Canonical sectors (index ``sector_id``) with ``population`` and the age bands.
    services : GeoDataFrame
        Services used (index ``service_id``; ``name``, ``service_kind``, ``capacity``
        in places, ``income_related``, ``outside_area`` for those across the border).
    areas : GeoDataFrame
        Areas (index ``area_id``; ``area_name``, ``municipality_nis``), from the areas
        file or proposed; ``attrs["sector_area"]`` maps sectors to areas.
    origins : GeoDataFrame
        Points carrying the population (index ``origin_id``; ``sector_id``, counts).
    reach : DataFrame
        Per origin, ``<indicator>__<kind>`` from :func:`buurtgeo.reach_all`.
    sector_indicators, area_indicators : GeoDataFrame
        Per sector / per area: names, counts and ``<indicator>__<kind>`` (see
        :meth:`indicators`), the area table also the gap columns.
    set_aside : DataFrame
        Every input row not used: ``source``, ``row``, ``column``, ``reason``, ``values``.
    network : buurtgeo.Network or None
        The street network (None: straight-line distances).
    kinds : tuple of str
        Service kinds analysed.
    catchments_m : dict
        Catchment per kind, metres.
    targets : dict
        Target age bands per kind (the children a kind serves).
    notes : list of str
        Things the user should know (warnings of the stages, skipped steps).
    """

    config: AnalysisConfig
    sectors: Any
    services: Any
    areas: Any
    origins: Any
    reach: pd.DataFrame
    sector_indicators: Any
    area_indicators: Any
    set_aside: pd.DataFrame
    network: Any
    kinds: tuple[str, ...]
    catchments_m: dict[str, float]
    targets: dict[str, tuple[str, ...]]
    region: pd.DataFrame
    notes: list[str] = field(default_factory=list)
    gaps: pd.DataFrame | None = None

    # -- accessors ---------------------------------------------------------------------

    def indicators(
        self, level: str = "sector", *, kind: str | None = None, labels: bool = False
    ) -> pd.DataFrame:
        """Indicator table per ``'sector'`` or ``'area'`` (a plain DataFrame, no geometry).

        Parameters
        ----------
        level : {'sector', 'area'}
        kind : str, optional
            Only this kind's columns (suffix dropped: ``share_covered`` …).
        labels : bool, default False
            Column labels for people (``label()``, in the configured language).
        """
        if level not in ("sector", "area"):
            raise InputError("level must be 'sector' or 'area'", found=level)
        table = self.sector_indicators if level == "sector" else self.area_indicators
        frame = pd.DataFrame(table.drop(columns="geometry", errors="ignore"))
        if kind is not None:
            if kind not in self.kinds:
                raise InputError(
                    f"kind {kind!r} was not analysed", expected=f"one of {list(self.kinds)}"
                )
            suffix = f"__{kind}"
            keep = [c for c in frame.columns if "__" not in c]
            kind_cols = {c: c.removesuffix(suffix) for c in frame.columns if c.endswith(suffix)}
            frame = frame[keep + list(kind_cols)].rename(columns=kind_cols)
        if labels:
            frame = frame.rename(columns=lambda c: label(c, self.config.language))
        return frame

    def summary(self) -> str:
        """A short plain-text summary (what the CLI prints)."""
        return _summary_text(self)

    def _repr_html_(self) -> str:
        return _summary_html(self)

    def __repr__(self) -> str:
        return (
            f"<Analysis: {len(self.sectors)} sectors, {len(self.areas)} areas, "
            f"{len(self.services)} services of {len(self.kinds)} kinds>"
        )

    # -- views -------------------------------------------------------------------------

    def map(self, *, level: str = "area", kind: str | None = None, **kwargs: Any):
        """Interactive map (folium) of the indicators per area or sector.

        Parameters
        ----------
        level : {'area', 'sector'}
        kind : str, optional
            Only this kind's indicators (default: share covered and distance of every kind).
        **kwargs
            Passed to :func:`buurtgeo.reach_map`.
        """
        from buurtgeo.maps import reach_map

        table = self.area_indicators if level == "area" else self.sector_indicators
        kinds = [kind] if kind else list(self.kinds)
        indicators = _map_indicators(table, kinds)
        kwargs.setdefault("language", self.config.language)
        kwargs.setdefault("title", _map_title(self, level))
        services = self.services[self.services["service_kind"].isin(kinds)]
        return reach_map(table, indicators=indicators, services=services, **kwargs)

    def fact_sheet(self, area_id: str) -> str:
        """The *buurtfiche* of one area as an HTML page (see :mod:`buurtgeo.report`)."""
        from buurtgeo.report import fact_sheet

        return fact_sheet(self, area_id)

    def write(self, out_dir: str | PathLike[str] | None = None) -> dict[str, Path]:
        """Write the output files (see the module docstring) and return their paths."""
        return _write_outputs(self, Path(out_dir) if out_dir is not None else self.config.out_dir)


def _map_indicators(table: pd.DataFrame, kinds: Sequence[str]) -> list[str]:
    wanted = []
    bases = (
        ("share_covered", "places_per_100_2sfca", "mean_dist_m")
        if len(kinds) == 1
        else ("share_covered", "places_per_100_2sfca")
    )
    for kind in kinds:
        for base in bases:
            column = f"{base}__{kind}"
            if column in table.columns and table[column].notna().any():
                wanted.append(column)
    return wanted


def _map_title(analysis: Analysis, level: str) -> str:
    names = sorted(set(analysis.sectors["municipality_name_nl"].dropna().astype(str)))
    where = ", ".join(names[:4]) + (" …" if len(names) > 4 else "")
    what = "buurten" if analysis.config.language == "nl" else "areas"
    if level == "sector":
        what = (
            "statistische sectoren" if analysis.config.language == "nl" else "statistical sectors"
        )
    return f"{where}: {what}"


def _kind_targets(cfg: AnalysisConfig, kinds: Sequence[str]) -> dict[str, tuple[str, ...]]:
    vocabulary = service_kinds()
    return {k: tuple(cfg.age_bands_by_kind.get(k, vocabulary[k].target)) for k in kinds}


def _missing(value: Any) -> bool:
    """True for None, NA and NaN (scalars only; anything else is a value)."""
    if value is None or value is pd.NA:
        return True
    return isinstance(value, float) and math.isnan(value)


def _flatten_set_aside(table: pd.DataFrame | None, stage: str) -> pd.DataFrame:
    """Canonical four columns + the source row's values as one ``col=value | …`` text."""
    columns = ["stage", "source", "row", "column", "reason", "values"]
    if table is None or len(table) == 0:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in columns})
    table = pd.DataFrame(table)
    head = {
        c: table[c] if c in table.columns else None for c in ("source", "row", "column", "reason")
    }
    rest = [c for c in table.columns if c not in head]
    values = [
        " | ".join(f"{c}={v}" for c, v in zip(rest, row, strict=True) if not _missing(v))
        for row in table[rest].astype(object).itertuples(index=False, name=None)
    ]
    out = pd.DataFrame({"stage": stage, **head, "values": values}, index=table.index)
    return out[columns].reset_index(drop=True)


def _set_aside_of(obj: Any) -> pd.DataFrame | None:
    if obj is None:
        return None
    table = getattr(obj, "set_aside", None)
    if table is None and hasattr(obj, "attrs"):
        table = obj.attrs.get("set_aside")
    return table


def analyse(cfg: AnalysisConfig) -> Analysis:
    """Run the analysis a configuration describes (no files written).

    Steps: read sectors (selecting municipalities), population and age bands, join
    them; read every services file; read the network; place the population on origins
    (grid or representative point); select services within the largest catchment of
    the study area (across its border too); :func:`buurtgeo.reach_all` for every kind;
    :func:`buurtgeo.aggregate_reach` per sector, per area and for the whole study area
    with each kind's target children as weights; gaps per area.

    Parameters
    ----------
    cfg : AnalysisConfig

    Returns
    -------
    Analysis
    """
    notes: list[str] = []
    set_aside: list[pd.DataFrame] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        analysis = _analyse(cfg, notes, set_aside)
    _notes_from_warnings(analysis.notes, caught)
    return analysis


def _notes_from_warnings(notes: list[str], caught: Sequence[warnings.WarningMessage]) -> None:
    """Keep the stages' user warnings as notes (shown in the summary), once each."""
    for w in caught:
        text = " ".join(str(w.message).split())
        if issubclass(w.category, UserWarning) and not issubclass(w.category, FutureWarning):
            if text not in notes:
                notes.append(text)
        else:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)


def _analyse(cfg: AnalysisConfig, notes: list[str], set_aside: list[pd.DataFrame]) -> Analysis:
    import buurtgeo as bg
    from buurtgeo._progress import steps

    _register_labels()
    with steps(total=8, desc="buurtgeo") as bar:
        bar.step("sectoren en bevolking")
        sectors = _read_sectors(cfg)
        set_aside.append(_flatten_set_aside(_set_aside_of(sectors), "sectors"))
        population = bg.read_population(cfg.population, **dict(cfg.population_options))
        set_aside.append(_flatten_set_aside(_set_aside_of(population), "population"))
        age_bands = None
        if cfg.age_bands is not None:
            age_bands = bg.read_age_bands(cfg.age_bands, **dict(cfg.age_bands_options))
            set_aside.append(_flatten_set_aside(_set_aside_of(age_bands), "age_bands"))
        with warnings.catch_warnings():
            # its unmatched sectors become set-aside rows (stage 'join') just below
            warnings.filterwarnings("ignore", message="join_population: ", category=UserWarning)
            joined = bg.join_population(sectors, population, age_bands=age_bands)
        unmatched = joined.attrs.get("unmatched")
        if isinstance(unmatched, pd.DataFrame) and len(unmatched):
            set_aside.append(_unmatched_rows(unmatched))
        for band in _COUNTS:
            if band in joined.columns:
                joined[band] = (
                    pd.to_numeric(joined[band], errors="coerce").astype("float64").fillna(0.0)
                )

        bar.step("voorzieningen")
        frames = []
        for entry in cfg.services:
            if entry.is_osm:
                part = bg.read_osm_services(entry.path, kinds=entry.kinds)
            else:
                part = bg.read_services(
                    entry.path,
                    kind=entry.kind,
                    columns=dict(entry.columns) if entry.columns else None,
                    sheet=entry.sheet,
                    layer=entry.layer,
                    crs=entry.crs,
                    kind_map=dict(entry.kind_map) if entry.kind_map else None,
                )
            set_aside.append(_flatten_set_aside(_set_aside_of(part), "services"))
            frames.append(part)
        services = _concat_services(frames)
        present = list(dict.fromkeys(services["service_kind"]))
        vocabulary = list(service_kinds())
        if cfg.kinds is not None:
            kinds = [k for k in cfg.kinds if k in present]
            missing = [k for k in cfg.kinds if k not in present]
            if missing:
                notes.append(
                    _WORDS[cfg.language]["no_services"].format(
                        kinds=", ".join(service_kinds()[k].label(cfg.language) for k in missing)
                    )
                )
        else:
            kinds = sorted(present, key=vocabulary.index)
        if not kinds:
            raise InputError(
                "no services of the requested kinds", expected=str(cfg.kinds), found=present
            )
        services = services[services["service_kind"].isin(kinds)]
        catchments = {k: cfg.catchments_m.get(k, service_kinds()[k].catchment_m) for k in kinds}
        targets = _kind_targets(cfg, kinds)
        _check_targets(targets, [c for c in _COUNTS if c in joined.columns], cfg)

        bar.step("netwerk")
        network = None
        if cfg.network is not None:
            network = bg.read_network(cfg.network, mode=cfg.network_mode)
            set_aside.append(_flatten_set_aside(_set_aside_of(network), "network"))

        bar.step("herkomstpunten")
        services = bg.services_near(services, joined, catchment_m=max(catchments.values()))
        counts = [c for c in _COUNTS if c in joined.columns]
        origins = bg.origins_from_sectors(
            joined,
            pd.DataFrame(joined[counts]),
            method=cfg.origins,
            spacing_m=cfg.grid_spacing_m,
            columns=counts,
        )
        target_columns = {}
        for kind, bands in targets.items():
            column = f"target__{kind}"
            origins[column] = origins[list(bands)].sum(axis=1) if bands else 0.0
            target_columns[kind] = column

        bar.step("bereikbaarheid")
        reach = bg.reach_all(
            origins,
            services,
            network,
            catchments=catchments,
            decay=cfg.decay,
            targets=target_columns,
            kinds=kinds,
        )

        bar.step("buurten")
        areas = _areas(cfg, joined, notes)
        set_aside.append(_flatten_set_aside(_set_aside_of(areas), "areas"))
        sector_area = areas.attrs["sector_area"]

        bar.step("indicatoren")
        per_sector = bg.aggregate_reach(reach, origins, by="sector_id", weight=target_columns)
        per_area = bg.aggregate_reach(reach, origins, by=sector_area, weight=target_columns)
        everywhere = pd.Series("all", index=joined.index)
        region = bg.aggregate_reach(reach, origins, by=everywhere, weight=target_columns)
        no_capacity = [
            k for k in kinds if services.loc[services["service_kind"] == k, "capacity"].isna().all()
        ]
        sector_table = _sector_table(joined, sector_area, per_sector, kinds, no_capacity)
        area_table = _area_table(areas, joined, sector_area, per_area, kinds, no_capacity)

        bar.step("hiaten")
        gaps = _gaps(cfg, areas, origins, reach, services, kinds, notes)
        if gaps is not None:
            wide = _wide_gaps(gaps, kinds)
            wide = wide.drop(columns=[c for c in wide.columns if c in area_table.columns])
            area_table = area_table.join(wide)

    return Analysis(
        config=cfg,
        sectors=joined,
        services=services,
        areas=areas,
        origins=origins,
        reach=reach,
        sector_indicators=sector_table,
        area_indicators=area_table,
        set_aside=pd.concat(set_aside, ignore_index=True),
        network=network,
        kinds=tuple(kinds),
        catchments_m=catchments,
        targets=targets,
        region=_drop_capacity(region, no_capacity),
        notes=notes,
        gaps=gaps,
    )


def _check_targets(
    targets: Mapping[str, Sequence[str]], counts: Sequence[str], cfg: AnalysisConfig
) -> None:
    """Every kind's target age bands must be in the population: one error listing all gaps."""
    missing = {k: [b for b in bands if b not in counts] for k, bands in targets.items()}
    missing = {k: bands for k, bands in missing.items() if bands}
    if not missing:
        return
    listing = "; ".join(f"{kind} needs {', '.join(bands)}" for kind, bands in missing.items())
    raise InputError(
        f"the population has no age bands for some service kinds: {listing}",
        path=cfg.population,
        expected="age-band columns " + ", ".join(AGE_BANDS),
        found=list(counts),
        hint="Name an age-band table in inputs.age_bands, or count everyone for those kinds"
        " with analysis.age_bands = { kind = ['population'] }",
    )


def _unmatched_rows(unmatched: pd.DataFrame) -> pd.DataFrame:
    """join_population's unmatched ids as set-aside rows (stage 'join')."""
    return pd.DataFrame(
        {
            "stage": "join",
            "source": unmatched["table"].astype(str),
            "row": None,
            "column": "sector_id",
            "reason": unmatched["problem"].astype(str),
            "values": "sector_id=" + unmatched["sector_id"].astype(str),
        }
    )


def _read_sectors(cfg: AnalysisConfig):
    import buurtgeo as bg

    if cfg.municipality is None or len(cfg.municipality) == 1:
        only = cfg.municipality[0] if cfg.municipality else None
        return bg.read_sectors(cfg.sectors, municipality=only, **dict(cfg.sectors_options))
    parts = [
        bg.read_sectors(cfg.sectors, municipality=m, **dict(cfg.sectors_options))
        for m in cfg.municipality
    ]
    tables = [p.attrs.get("set_aside") for p in parts]
    attrs = dict(parts[0].attrs)
    stripped = []
    for part in parts:
        part = part.copy()
        part.attrs = {}  # DataFrames in attrs cannot be compared by pd.concat
        stripped.append(part)
    sectors = pd.concat(stripped)
    sectors = sectors[~sectors.index.duplicated()]
    tables = [t for t in tables if isinstance(t, pd.DataFrame) and len(t)]
    if tables:  # the same file read once per municipality: each unused row once
        keys = [c for c in ("source", "row", "reason") if c in tables[0].columns]
        attrs["set_aside"] = pd.concat(tables, ignore_index=True).drop_duplicates(keys)
    sectors.attrs = attrs
    return sectors


def _concat_services(frames: Sequence[Any]):
    import geopandas as gpd

    if len(frames) == 1:
        return frames[0]
    stripped = []
    for frame in frames:
        frame = frame.copy()
        frame.attrs = {}  # DataFrames in attrs cannot be compared by pd.concat
        stripped.append(frame)
    services = pd.concat(stripped)
    if services.index.has_duplicates:
        dup = services.index[services.index.duplicated()].unique()[:5].tolist()
        raise InputError(
            "the same service_id occurs in more than one services file",
            found=dup,
            hint="Give each file its own ids (a 'service_id' column mapping)",
        )
    return gpd.GeoDataFrame(services, geometry="geometry", crs=frames[0].crs)


def _areas(cfg: AnalysisConfig, sectors: Any, notes: list[str]):
    import buurtgeo as bg

    if cfg.areas is not None:
        kwargs = {}
        if cfg.areas_id_column:
            kwargs["id_column"] = cfg.areas_id_column
        if cfg.areas_name_column:
            kwargs["name_column"] = cfg.areas_name_column
        if cfg.areas_names is not None:
            kwargs["names"] = cfg.areas_names
        return bg.read_areas(cfg.areas, sectors=sectors, **kwargs)
    population = pd.DataFrame(sectors[[c for c in _COUNTS if c in sectors.columns]])
    notes.append(_WORDS[cfg.language]["proposed"])
    from buurtgeo._progress import callback

    return bg.propose_areas(
        sectors,
        population,
        target_column=cfg.area_target_column,
        target_size=cfg.target_children,
        n_areas=cfg.n_areas,
        progress=callback("buurten voorstellen"),
    )


def _drop_capacity(table: pd.DataFrame, no_capacity: Sequence[str]) -> pd.DataFrame:
    """Drop capacity-based indicators of kinds whose services have no capacity at all."""
    drop = [f"{base}__{k}" for k in no_capacity for base in _CAPACITY_INDICATORS]
    return table.drop(columns=[c for c in drop if c in table.columns])


def _kind_columns(table: pd.DataFrame, kinds: Sequence[str]) -> list[str]:
    return [f"{base}__{k}" for k in kinds for base in INDICATORS if f"{base}__{k}" in table.columns]


def _sector_table(sectors, sector_area, per_sector, kinds, no_capacity):
    import geopandas as gpd

    counts = [c for c in _COUNTS if c in sectors.columns]
    base = pd.DataFrame(sectors[[c for c in _CONTEXT_SECTOR if c in sectors.columns] + counts])
    base["area_id"] = sector_area.reindex(base.index)
    indicators = _drop_capacity(per_sector[_kind_columns(per_sector, kinds)], no_capacity)
    table = base.join(indicators)
    table = table[
        [c for c in (*_CONTEXT_SECTOR, *counts) if c in table.columns] + list(indicators.columns)
    ]
    return gpd.GeoDataFrame(table, geometry=sectors.geometry, crs=sectors.crs)


def _area_table(areas, sectors, sector_area, per_area, kinds, no_capacity):
    import geopandas as gpd

    from buurtgeo.areas import aggregate_to_areas

    counts = [c for c in _COUNTS if c in sectors.columns]
    sums = aggregate_to_areas(pd.DataFrame(sectors[counts]), sector_area, extensive=counts)
    n_sectors = sector_area.value_counts().rename("n_sectors")
    context = [
        c for c in ("area_name", "municipality_nis", "municipality_name_nl") if c in areas.columns
    ]
    table = pd.DataFrame(areas[context]).join(n_sectors).join(sums)
    if "municipality_name_nl" not in table.columns and "municipality_nis" in table.columns:
        names = sectors.drop_duplicates("municipality_nis").set_index("municipality_nis")
        table["municipality_name_nl"] = table["municipality_nis"].map(names["municipality_name_nl"])
    first = [c for c in ("area_name", "municipality_nis", "municipality_name_nl") if c in table]
    table = table[first + [c for c in table.columns if c not in first]]
    indicators = _drop_capacity(per_area[_kind_columns(per_area, kinds)], no_capacity)
    table = table.join(indicators)
    return gpd.GeoDataFrame(table, geometry=areas.geometry, crs=areas.crs)


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


def _register_labels() -> None:
    from buurtgeo.schema import register_label

    register_label("gap_rank", "Rang (1 = grootste hiaat)", "Rank (1 = largest gap)")


def _gaps(cfg, areas, origins, reach, services, kinds, notes):
    """Gap indicators per area and kind from :func:`buurtgeo.gaps` (long table), or None."""
    try:
        from buurtgeo.gaps import gaps as gaps_function
    except ImportError:
        notes.append("gap indicators skipped: buurtgeo.gaps is not available")
        return None
    return gaps_function(
        areas,
        origins,
        reach,
        services,
        kinds=list(kinds),
        norm=cfg.norm_places_per_100,
        language=cfg.language,
    )


def _wide_gaps(gaps: pd.DataFrame, kinds: Sequence[str]) -> pd.DataFrame:
    """``(area_id, service_kind)`` rows → one row per area, ``<column>__<kind>`` columns."""
    keep = [c for c in GAP_COLUMNS_KEPT if c in gaps.columns]
    parts = []
    for kind in kinds:
        if kind not in gaps.index.get_level_values("service_kind"):
            continue
        part = gaps.xs(kind, level="service_kind")[keep].rename(columns=GAP_COLUMNS_KEPT)
        parts.append(part.add_suffix(f"__{kind}"))
    return pd.concat(parts, axis=1) if parts else pd.DataFrame()


# --------------------------------------------------------------------------------------
# Summaries
# --------------------------------------------------------------------------------------

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
        "see_set_aside": "reden per rij in set_aside.csv",
        "mode_walk": "wandel",
        "mode_bike": "fiets",
        "no_services": "geen voorzieningen van deze soort(en) in de invoer: {kinds}",
        "proposed": "buurten voorgesteld uit aangrenzende sectoren (geen gebiedenbestand gegeven)",
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
        "see_set_aside": "the reason for each row is in set_aside.csv",
        "mode_walk": "walking",
        "mode_bike": "cycling",
        "no_services": "no services of these kind(s) in the inputs: {kinds}",
        "proposed": "areas proposed from contiguous sectors (no areas file given)",
    },
}


def _fmt_int(value: float, language: str) -> str:
    text = f"{round(value):,}"
    return text.replace(",", ".") if language == "nl" else text


def _fmt(value: Any, unit: str, language: str, digits: int = 0) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if isinstance(value, float) and math.isinf(value):
        return "∞"
    text = f"{value:,.{digits}f}"
    if language == "nl":
        text = text.replace(",", " ").replace(".", ",").replace(" ", ".")
    return f"{text}{unit}"


def _summary_rows(analysis: Analysis) -> list[list[str]]:
    language = analysis.config.language
    words = _WORDS[language]
    rows = []
    region = analysis.region.iloc[0] if len(analysis.region) else pd.Series(dtype=float)
    for kind in analysis.kinds:
        of_kind = analysis.services[analysis.services["service_kind"] == kind]
        n = str(len(of_kind))
        outside = int(of_kind.get("outside_area", pd.Series(False)).fillna(False).sum())
        if outside:
            n += f" ({words['outside'].format(n=outside)})"
        rows.append(
            [
                service_kinds()[kind].label(language),
                n,
                _fmt(analysis.catchments_m[kind], " m", language),
                _fmt(100 * region.get(f"share_covered__{kind}", float("nan")), " %", language),
                _fmt(region.get(f"places_per_100_2sfca__{kind}", float("nan")), "", language, 1),
                _fmt(region.get(f"mean_dist_m__{kind}", float("nan")), " m", language),
            ]
        )
    return rows


def _summary_head(analysis: Analysis) -> list[str]:
    language = analysis.config.language
    words = _WORDS[language]
    names = sorted(set(analysis.sectors["municipality_name_nl"].dropna().astype(str)))
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
_SECTOR_STAGES = ("sectors", "population", "age_bands", "join", "areas")


def _outside_study_area(analysis: Analysis) -> pd.Series:
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


def _set_aside_line(analysis: Analysis) -> str:
    language = analysis.config.language
    words = _WORDS[language]
    stage_words = _STAGE_WORDS.get(language, {})
    outside = _outside_study_area(analysis)

    def parts(table: pd.DataFrame) -> str:
        counts = table["stage"].value_counts(sort=False)
        return ", ".join(f"{stage_words.get(stage, stage)} {n}" for stage, n in counts.items())

    inside_rows, outside_rows = analysis.set_aside[~outside], analysis.set_aside[outside]
    pieces = []
    if len(inside_rows):
        pieces.append(words["set_aside"].format(n=len(inside_rows), parts=parts(inside_rows)))
    if len(outside_rows):
        pieces.append(words["outside_rows"].format(n=len(outside_rows), parts=parts(outside_rows)))
    return "; ".join(pieces) + "; " + words["see_set_aside"]


def _summary_header(analysis: Analysis) -> list[str]:
    words = _WORDS[analysis.config.language]
    return [words[k] for k in ("kind", "n", "catchment", "covered", "places", "dist")]


def _summary_text(analysis: Analysis) -> str:
    header = _summary_header(analysis)
    rows = _summary_rows(analysis)
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]

    def line(cells: Sequence[str]) -> str:
        first = cells[0].ljust(widths[0])
        rest = [c.rjust(w) for c, w in zip(cells[1:], widths[1:], strict=True)]
        return "  ".join([first, *rest]).rstrip()

    out = ["buurtgeo — " + _summary_head(analysis)[0], *_summary_head(analysis)[1:], ""]
    out += [line(header), *(line(r) for r in rows)]
    if len(analysis.set_aside):
        out += ["", _set_aside_line(analysis)]
    out += [f"· {note}" for note in analysis.notes]
    return "\n".join(out)


def _summary_html(analysis: Analysis) -> str:
    from html import escape

    header = _summary_header(analysis)
    head = "".join(f"<th>{escape(h)}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(f"<td>{escape(c)}</td>" for c in row) + "</tr>"
        for row in _summary_rows(analysis)
    )
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
        f"{lines}<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
        + (f"<ul>{notes}</ul>" if notes else "")
        + f"<div style='color:#666'>{accessors}</div></div>"
    )


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
    """Plain table for CSV/xlsx: no geometry, inf → empty, floats rounded to 4 decimals,
    booleans as words people read (``ja``/``nee`` or ``yes``/``no``, by ``language``)."""
    frame = pd.DataFrame(frame.drop(columns="geometry", errors="ignore")).copy()
    for column in frame.columns:
        if _is_flag(frame[column]):
            frame[column] = _yes_no_column(frame[column], language)
        elif pd.api.types.is_float_dtype(frame[column]):
            values = frame[column].replace([np.inf, -np.inf], np.nan)
            frame[column] = values.round(4)
    return frame


def _csv_bytes(frame: pd.DataFrame, *, index_label: str | None = None) -> bytes:
    text = frame.to_csv(sep=";", decimal=",", lineterminator="\r\n", index_label=index_label)
    return ("\ufeff" + text).encode("utf-8")


def _legend_table(analysis: Analysis, columns: Sequence[str]) -> pd.DataFrame:
    rows = []
    for column in columns:
        base = column.partition("__")[0]
        language = analysis.config.language
        doc = _INDICATOR_DOCS.get(base, ("", ""))[1 if language == "en" else 0]
        names = ("column", "label", "meaning") if language == "en" else ("kolom", "label", "uitleg")
        rows.append(dict(zip(names, (column, label(column, language), doc), strict=True)))
    return pd.DataFrame(rows)


#: One line per indicator (xlsx legend): (Dutch, English).
_INDICATOR_DOCS: dict[str, tuple[str, str]] = {
    "target_pop": (
        "kinderen in de leeftijdsgroepen van de voorziening (personen; opgeteld)",
        "children of the kind's target age bands (persons; summed)",
    ),
    "share_covered": (
        "aandeel van die kinderen binnen het bereik van minstens één voorziening (0-1)",
        "share of those children within the catchment of at least one service (0-1)",
    ),
    "share_unreachable": (
        "aandeel van die kinderen zonder bereikbare voorziening (0-1)",
        "share of those children with no service reachable at all (0-1)",
    ),
    "mean_dist_m": (
        "gemiddelde afstand tot de dichtstbijzijnde voorziening, gewogen naar kinderen (meter)",
        "children-weighted mean distance to the nearest service (metres)",
    ),
    "median_dist_m": (
        "mediane afstand tot de dichtstbijzijnde voorziening (meter)",
        "children-weighted median distance to the nearest service (metres)",
    ),
    "mean_time_min": (
        "gemiddelde wandeltijd tot de dichtstbijzijnde voorziening (minuten)",
        "mean walking time to the nearest service (minutes)",
    ),
    "services_within": (
        "voorzieningen binnen het bereik (aantal; gewogen gemiddelde)",
        "services within the catchment (count; children-weighted mean)",
    ),
    "capacity_within": (
        "plaatsen binnen het bereik (plaatsen; gewogen gemiddelde)",
        "places within the catchment (places; children-weighted mean)",
    ),
    "fca2": (
        "plaatsen per kind volgens de 2SFCA-methode (gewogen gemiddelde)",
        "places per child by the two-step floating catchment area method (weighted mean)",
    ),
    "places_per_100_2sfca": (
        "100 × fca2: plaatsen per 100 kinderen binnen bereik, gedeeld met alle kinderen die"
        " dezelfde voorzieningen kunnen bereiken (2SFCA, over de buurtgrens heen)",
        "100 × fca2: places per 100 children within reach, shared with every child who can"
        " reach the same services (2SFCA, across the area's border)",
    ),
    "places_per_100_in_area": (
        "plaatsen die in de buurt zelf liggen per 100 kinderen van de buurt (de verhouding"
        " die Opgroeien per gemeente publiceert; geen rekening met bereik)",
        "places located in the area itself per 100 children of the area (the ratio"
        " Opgroeien publishes per municipality; reach not considered)",
    ),
    "places": ("plaatsen in de buurt", "places in the area"),
    "missing_places": (
        "ontbrekende plaatsen tegenover de norm: max(0, norm/100 × kinderen − plaatsen)",
        "places missing against the norm: max(0, norm/100 × children − places)",
    ),
    "missing_places_2sfca": (
        "ontbrekende plaatsen volgens 2SFCA: max(0, (norm − plaatsen per 100 kinderen binnen"
        " bereik)/100 × kinderen)",
        "places missing by 2SFCA: max(0, (norm − places per 100 children within reach)/100"
        " × children)",
    ),
    "share_income_related": (
        "aandeel plaatsen met inkomenstarief (van de plaatsen met gekend tarief)",
        "share of places with an income-related tariff (of those with a known tariff)",
    ),
    "need": (
        "noodscore: kinderen, zwaarder gewogen bij kansarmoede",
        "need: children, weighted up by deprivation",
    ),
    "gap_score": ("hiaatscore = nood × tekort", "gap score = need × shortfall"),
    "gap_rank": ("rang (1 = grootste hiaat)", "rank (1 = largest gap)"),
    "class_label": ("klasse nood × bereik (tertielen)", "need × reach class (terciles)"),
    "bivariate_class": (
        "code 'nood-bereik' van de klasse: nood 1-3 (3 = hoogste) en bereik 1-3 (1 = laagste)"
        " in tertielen; '3-1' = hoge nood en laag bereik",
        "'need-reach' code of the class: need 1-3 (3 = highest) and reach 1-3 (1 = lowest)"
        " in terciles; '3-1' = high need and low reach",
    ),
    "high_need_low_reach": (
        "ja/nee: hoge nood en laag bereik (klasse 3-1)",
        "yes/no: high need and low reach (class 3-1)",
    ),
}


def _write_gpkg(analysis: Analysis, path: Path) -> None:
    import pyogrio

    layers = {
        "sectors": analysis.sector_indicators,
        "areas": analysis.area_indicators,
        "services": analysis.services,
    }
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


def _for_publication(analysis: Analysis) -> Analysis:
    """The analysis as published: with ``outputs.suppress_below = n``, counts of fewer than
    ``n`` persons, and every rate computed from them, are hidden in every table, the map
    and the fact sheets (:func:`buurtgeo.gaps.suppress_small`; a ``suppressed`` column
    says what was hidden). The in-memory :class:`Analysis` keeps every figure."""
    threshold = analysis.config.suppress_below
    if not threshold:
        return analysis
    from dataclasses import replace

    from buurtgeo.gaps import suppress_small

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
    )


def _write_outputs(analysis: Analysis, out_dir: Path) -> dict[str, Path]:
    from buurtgeo._progress import steps

    analysis = _for_publication(analysis)
    out_dir.mkdir(parents=True, exist_ok=True)
    with steps(total=6, desc="bestanden") as bar:
        return _write_files(analysis, out_dir, bar)


def _write_files(analysis: Analysis, out_dir: Path, bar: Any) -> dict[str, Path]:
    from buurtgeo.sample import _normalise_xlsx

    cfg = analysis.config
    written: dict[str, Path] = {}
    bar.step("csv")
    sectors = _for_tables(analysis.sector_indicators, cfg.language)
    areas = _for_tables(analysis.area_indicators, cfg.language)
    if cfg.csv:
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
    bar.step("xlsx")
    if cfg.xlsx:

        def write_xlsx(p: Path) -> None:
            buffer = io.BytesIO()
            with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
                sectors.to_excel(writer, sheet_name="sectoren")
                areas.to_excel(writer, sheet_name="buurten")
                legend = _legend_table(analysis, [*sectors.columns, *areas.columns])
                legend = legend.drop_duplicates(legend.columns[0])
                legend.to_excel(writer, sheet_name="legenda", index=False)
            p.write_bytes(_normalise_xlsx(buffer.getvalue()))

        written["indicators.xlsx"] = write_with(out_dir / "indicators.xlsx", write_xlsx)
    bar.step("gpkg")
    if cfg.gpkg:
        written["indicators.gpkg"] = write_with(
            out_dir / "indicators.gpkg", lambda p: _write_gpkg(analysis, p)
        )
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
# Entry points
# --------------------------------------------------------------------------------------


def run_config(
    config: str | PathLike[str] | Mapping[str, Any] | AnalysisConfig,
    *,
    out_dir: str | PathLike[str] | None = None,
    write: bool = True,
    quiet: bool = False,
) -> Analysis:
    """Run the analysis a configuration describes and (by default) write its files.

    Parameters
    ----------
    config : path-like, mapping or AnalysisConfig
        A TOML file (see :data:`CONFIG_TEMPLATE`), the same as a dict (relative paths
        then resolve against the working folder), or a parsed config.
    out_dir : path-like, optional
        Output folder; default the config's ``outputs.dir``.
    write : bool, default True
        Write the output files (``False``: only compute, e.g. in a notebook).
    quiet : bool, default False
        Do not print the summary.

    Returns
    -------
    Analysis
        Per sector and per area, for every kind ``k`` (weights: the kind's target
        children ``P_i``, metres, see :func:`buurtgeo.aggregate_reach`):
        ``share_covered__k = Σ P_i [d_i <= R_k] / Σ P_i``, ``mean_dist_m__k``,
        ``median_dist_m__k``, ``services_within__k``, ``capacity_within__k``,
        ``fca2__k`` (2SFCA ``A_i = Σ_j R_j`` over services with ``d_ij <= R_k``,
        ``R_j = S_j / Σ_i P_i [d_ij <= R_k]``, places per child) and
        ``places_per_100_2sfca__k = 100 · fca2__k``; per area also the gap columns,
        among them ``places_per_100_in_area__k`` (places located in the area per 100
        of its children, :func:`buurtgeo.gaps`).
    """
    if isinstance(config, AnalysisConfig):
        cfg = config
    elif isinstance(config, Mapping):
        cfg = parse_config(config)
    else:
        cfg = load_config(config)
    analysis = analyse(cfg)
    if write:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            analysis.write(out_dir)
        _notes_from_warnings(analysis.notes, caught)
    if not quiet:
        print(analysis.summary())
        if write:
            print(f"→ {Path(out_dir) if out_dir is not None else cfg.out_dir}")
    return analysis


def run_demo(
    out_dir: str | PathLike[str] = "demo-output", *, write: bool = True, quiet: bool = False
) -> Analysis:
    """Run the demo analysis on the embedded fictional sample (see :mod:`buurtgeo.sample`).

    Two fictional municipalities, 48 sectors, walking distances over the sample's OSM
    network, every service kind in the sample, the sample's *wijken* as areas.

    Parameters
    ----------
    out_dir : path-like, default 'demo-output'
        Where ``indicators.csv``, ``indicators.gpkg``, ``map.html`` … are written.
    write : bool, default True
        Write the files.
    quiet : bool, default False
        Do not print the summary.

    Returns
    -------
    Analysis
    """
    return run_config(demo_config(out_dir), out_dir=out_dir, write=write, quiet=quiet)
