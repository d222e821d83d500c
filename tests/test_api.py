"""The public API, frozen: the names users and notebooks rely on, and how they are called.

* every name below stays importable from ``buurtgeo`` (``bg.<name>`` and
  ``from buurtgeo import <name>``), among them the stable names of DESIGN.md
  ("Public API: names to keep stable");
* the key functions keep their parameter names, their data inputs positional and their
  options keyword-only (documented defaults unchanged);
* no public function takes an option positionally: a new option goes after ``*``.

Extending is fine (a new name, a new keyword-only option); renaming, removing or
reordering is a break, and this file says so first.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import pytest

import buurtgeo as bg

#: Every name in ``buurtgeo.__all__`` when this file was written (none may go).
FROZEN_NAMES = (
    "AGE_BANDS",
    "Analysis",
    "BuurtgeoError",
    "CRSError",
    "ConfigError",
    "DownloadError",
    "Indicator",
    "InputError",
    "InputWarning",
    "MissingColumnError",
    "Network",
    "EdgeSnap",
    "NetworkError",
    "Scenario",
    "ServiceKind",
    "aggregate_reach",
    "aggregate_to_areas",
    "bivariate_map",
    "decay_weights",
    "download",
    "equity",
    "explain",
    "fact_sheets",
    "fca2_from_costs",
    "format_value",
    "gaps",
    "get_indicator",
    "get_option",
    "get_service_kind",
    "join_population",
    "label",
    "load_config",
    "make_sample",
    "map_html",
    "municipality_areas",
    "need_score",
    "options_snapshot",
    "origins_from_sectors",
    "propose_areas",
    "reach",
    "reach_all",
    "reach_map",
    "read_age_bands",
    "read_areas",
    "read_network",
    "read_osm_services",
    "read_population",
    "read_sectors",
    "read_services",
    "register_indicator",
    "register_service_kind",
    "require_metric_crs",
    "run_config",
    "run_demo",
    "save_map",
    "scenario",
    "scenario_map",
    "service_kinds",
    "services_near",
    "set_aside_of",
    "set_options",
    "show_map",
    "static_map",
    "suggest_sites",
    "suppress_published",
    "suppress_small",
    "validate_population",
    "validate_sectors",
    "validate_services",
    "base_map",
    "read_deprivation",
    "read_osm_basemap",
    "service_areas",
    # issue 19: the physical living environment (areas reached at their edge)
    "read_green",
    "read_osm_green",
    "read_osm_entrances",
    "green_services",
    "green_indicators",
    "GREEN_NORMS",
    "GreenNorm",
    "derive_age_bands",
)

#: DESIGN.md's stable names (``read_addresses`` and ``read_published_places`` since
#: issue 16, with ``crosswalk_sectors``).
DESIGN_NAMES = (
    "read_sectors",
    "read_population",
    "read_services",
    "read_osm_services",
    "read_network",
    "read_areas",
    "reach",
    "read_addresses",
    "read_published_places",
    "crosswalk_sectors",
)

#: name -> (positional parameters in order, keyword-only parameters that must exist).
#: Keyword-only parameters may be added; positional ones may not.
SIGNATURES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "read_sectors": (("path",), ("municipality", "layer", "columns", "assume_crs")),
    "read_population": (("path",), ("sheet", "year", "columns")),
    "read_services": (
        ("path",),
        ("kind", "columns", "crs", "layer", "sheet", "kind_map", "check_belgium", "keep_columns"),
    ),
    "read_osm_services": (("path",), ("kinds",)),
    "read_addresses": (("path",), ("layer", "crs")),
    "read_published_places": (("path",), ("sheet",)),
    "crosswalk_sectors": (("old", "new", "values"), ("weights", "columns")),
    "read_age_bands": (
        ("path",),
        ("sheet", "columns", "share_column", "total_column", "population"),
    ),
    "read_network": (("path",), ("mode", "layer", "bbox", "snap_tolerance_m")),
    "read_areas": (
        ("path_or_table",),
        ("sectors", "id_column", "name_column", "sector_column", "names", "layer", "sheet"),
    ),
    "reach": (
        ("origins", "services"),
        (
            "network",
            "catchment_m",
            "decay",
            "population",
            "capacity",
            "speed_kmh",
            "extra_catchments_m",
            "catchment_min",
            "snap",
            "max_snap_m",
            "far",
            "area_edge_m",
            "entrances",
        ),
    ),
    "reach_all": (
        ("origins", "services"),
        (
            "network",
            "catchment_m",
            "decay",
            "targets",
            "kinds",
            "capacity",
            "speed_kmh",
            "catchment_min",
            "snap",
            "max_snap_m",
            "far",
            "area_edge_m",
            "entrances",
        ),
    ),
    "read_green": (("path",), ("kind", "columns", "layer", "crs", "planned")),
    "read_osm_green": (("path",), ("types",)),
    "read_osm_entrances": (("path", "green"), ("tolerance_m",)),
    "green_services": (("green",), ("min_area_m2", "cluster_m", "kinds")),
    "green_indicators": (("reach", "origins"), ("by", "kinds", "children", "residents")),
    "derive_age_bands": (("table",), ("bands",)),
    "services_near": (("services", "area"), ("catchment_m",)),
    "aggregate_reach": (("result", "origins"), ("by", "weight", "catchment_m")),
    "origins_from_sectors": (("sectors", "population"), ("method", "spacing_m", "columns")),
    "gaps": (
        ("areas", "origins", "reach", "services"),
        ("kinds", "norm", "deprivation", "alpha", "suppress_below", "language"),
    ),
    "equity": (("table",), ("access", "weight", "deprivation", "norm", "deprived", "by")),
    "scenario": (
        ("origins", "services"),
        (
            "network",
            "by",
            "catchment_m",
            "decay",
            "population",
            "open",
            "close",
            "resize",
            "catchment_min",
            "snap",
            "max_snap_m",
            "far",
        ),
    ),
    "suggest_sites": (
        ("demand", "candidates"),
        (
            "k",
            "catchment_m",
            "weight",
            "covered",
            "existing",
            "network",
            "method",
            "catchment_min",
            "snap",
            "max_snap_m",
            "far",
        ),
    ),
    "run_config": (("config",), ("out_dir", "write", "quiet")),
    "read_deprivation": (("path",), ("column", "id_column", "sheet")),
    "read_osm_basemap": (("path",), ("bbox",)),
    "service_areas": (("services",), ("network", "catchment_m", "buffer_m", "fill_holes_m2")),
    "base_map": (("areas",), ("network", "osm", "sectors", "margin_m")),
    "reach_map": (
        ("areas",),
        ("indicators", "scheme", "catchment_m", "norm", "basemap", "sites", "catchments"),
    ),
    "run_demo": (("out_dir",), ("write", "quiet")),
    "label": (("column",), ("language",)),
    "explain": (("column",), ("language",)),
    "format_value": (("column", "value"), ("language", "unit", "missing")),
    "Scenario.__init__": (
        ("origins", "services"),
        ("network", "catchment_m", "decay", "catchment_min", "snap", "max_snap_m", "far"),
    ),
    "Scenario.apply": ((), ("open", "close", "resize")),
    "Scenario.compare": ((), ("by", "open", "close", "resize", "areas")),
    "Analysis.indicators": ((), ("level", "kind", "labels")),
    "Analysis.map": ((), ("level", "kind")),
    "Analysis.write": ((), ("out_dir",)),
    "Network.from_edges": (
        ("u", "v", "length_m", "node_x", "node_y"),
        ("crs", "mode", "oneway"),
    ),
    "Network.from_lines": (("lines",), ("mode", "snap_tolerance_m", "oneway")),
    "Network.snap_edges": (("x", "y"), ()),
    "Network.nearest": (("source_nodes", "source_offset_m"), ("reverse",)),
    "Network.pairs_within": (
        ("source_nodes", "radius_m", "source_offset_m"),
        ("sort", "reverse"),
    ),
}

#: Defaults DESIGN.md and the README document.
DEFAULTS: dict[str, dict[str, Any]] = {
    "read_sectors": {"municipality": None},
    "read_services": {"kind": None, "columns": None},
    "read_osm_services": {"kinds": None},
    "read_network": {"mode": "walk"},
    "reach": {
        "network": None,
        "catchment_m": 1000.0,
        "catchment_min": None,
        "decay": "step",
        "snap": "edge",
        "max_snap_m": 250.0,
        "far": "warn",
        "area_edge_m": 10.0,
        "entrances": None,
    },
    "reach_all": {
        "network": None,
        "catchment_m": None,
        "catchment_min": None,
        "decay": "step",
        "snap": "edge",
        "max_snap_m": 250.0,
        "far": "warn",
    },
    "suggest_sites": {"candidates": None, "network": None, "snap": "edge"},
    "read_green": {"kind": "green"},
    "green_services": {"cluster_m": 0.0, "min_area_m2": None},
    "reach_map": {"scheme": "default", "basemap": None},
    "scenario_map": {"scheme": "default"},
    "service_areas": {"network": None, "buffer_m": 50.0},
    "Scenario.__init__": {"snap": "edge", "max_snap_m": 250.0, "far": "warn"},
    "Analysis.indicators": {"level": "sector"},
}

#: Positional parameters with a default that are data, not options (an option with a
#: default goes after ``*``).
OPTIONAL_DATA = {
    ("need_score", "deprivation"),
    ("origins_from_sectors", "population"),
    ("suggest_sites", "candidates"),
    ("run_demo", "out_dir"),
    ("Network.nearest", "source_offset_m"),
    ("Network.pairs_within", "source_offset_m"),
}


def _callable(qualname: str) -> Callable[..., Any]:
    owner, _, method = qualname.partition(".")
    obj = getattr(bg, owner)
    return getattr(obj, method) if method else obj


def _parameters(func: Callable[..., Any]) -> list[inspect.Parameter]:
    params = list(inspect.signature(func).parameters.values())
    return [p for p in params if p.name not in ("self", "cls")]


def _public_callables() -> dict[str, Callable[..., Any]]:
    """The functions of ``buurtgeo.__all__`` and the public methods of its classes that
    take options (the result, scenario and network classes; the registry entries)."""
    out: dict[str, Callable[..., Any]] = {}
    for name in bg.__all__:
        obj = getattr(bg, name)
        if inspect.isfunction(obj):
            out[name] = obj
    for cls in (bg.Analysis, bg.Scenario, bg.Network, bg.Indicator, bg.ServiceKind):
        for name, member in vars(cls).items():
            if name.startswith("_") and name != "__init__":
                continue
            if cls in (bg.Analysis, bg.Indicator, bg.ServiceKind) and name == "__init__":
                continue  # records: their fields, not options
            func = member.__func__ if isinstance(member, classmethod | staticmethod) else member
            if inspect.isfunction(func):
                out[f"{cls.__name__}.{name}"] = func
    return out


@pytest.mark.parametrize("name", FROZEN_NAMES + DESIGN_NAMES)
def test_name_is_importable_from_buurtgeo(name: str) -> None:
    assert name in bg.__all__ and name in dir(bg)
    namespace: dict[str, Any] = {}
    exec(f"from buurtgeo import {name}", namespace)
    assert namespace[name] is getattr(bg, name)


def test_all_lists_at_least_the_frozen_names() -> None:
    assert set(FROZEN_NAMES) <= set(bg.__all__)
    assert len(set(bg.__all__)) == len(bg.__all__)


@pytest.mark.parametrize("qualname", sorted(SIGNATURES))
def test_key_signature(qualname: str) -> None:
    positional, keyword_only = SIGNATURES[qualname]
    params = _parameters(_callable(qualname))
    got_positional = tuple(
        p.name for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
    )
    got_keyword_only = {p.name for p in params if p.kind is p.KEYWORD_ONLY}
    assert got_positional == positional, f"{qualname}: data inputs {got_positional}"
    missing = [k for k in keyword_only if k not in got_keyword_only]
    assert not missing, f"{qualname}: not (or no longer) keyword-only: {missing}"


@pytest.mark.parametrize("qualname", sorted(DEFAULTS))
def test_documented_defaults(qualname: str) -> None:
    params = {p.name: p for p in _parameters(_callable(qualname))}
    for name, default in DEFAULTS[qualname].items():
        assert params[name].default == default, f"{qualname}({name}=...)"


def test_options_are_keyword_only_everywhere() -> None:
    """A positional parameter with a default is an option in disguise (unless it is an
    optional data input listed in OPTIONAL_DATA)."""
    found = set()
    for qualname, func in _public_callables().items():
        for p in _parameters(func):
            positional = p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
            if positional and p.default is not p.empty:
                found.add((qualname, p.name))
    assert found - OPTIONAL_DATA == set(), "options passed positionally"
    assert OPTIONAL_DATA <= found, "OPTIONAL_DATA names parameters that changed"


def test_a_positional_option_is_refused() -> None:
    """The old positional calls fail loudly rather than mean something else."""
    with pytest.raises(TypeError):
        bg.reach(None, None, None)
    with pytest.raises(TypeError):
        bg.read_network("streets.osm", "walk")
    with pytest.raises(TypeError):
        bg.label("dist_nearest_m", "en")
