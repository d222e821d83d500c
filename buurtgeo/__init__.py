"""buurtgeo: where children and families live far from the services they need.

The pipeline, one module per stage::

    files ──io──▶ canonical tables ──reach──▶ reach per origin ──areas/gaps──▶ indicators per area
                                                                   └──maps/report──▶ HTML map, fact sheets

Quick start::

    import buurtgeo as bg
    sectors = bg.read_sectors("sectors.gpkg", municipality="Gent")
    pop = bg.read_population("OPEN DATA_SECTOREN_2019.xlsx")
    services = bg.read_services("kinderopvang.csv")
    ...

Public names are imported lazily (``import buurtgeo`` stays fast and the CLI starts
quickly); ``dir(buurtgeo)`` and ``buurtgeo.__all__`` list them all.
"""

from __future__ import annotations

import importlib
from typing import Any

from buurtgeo import _proj
from buurtgeo.errors import (
    BuurtgeoError,
    ConfigError,
    CRSError,
    DownloadError,
    InputError,
    InputWarning,
    MissingColumnError,
    NetworkError,
)
from buurtgeo.indicators import (
    Indicator,
    explain,
    format_value,
    get_indicator,
    label,
    register_indicator,
)
from buurtgeo.options import get_option, options_snapshot, set_options
from buurtgeo.schema import (
    AGE_BANDS,
    ServiceKind,
    get_service_kind,
    register_service_kind,
    require_metric_crs,
    service_kinds,
    validate_population,
    validate_sectors,
    validate_services,
)

__version__ = "0.1.0"

# public name -> module that defines it (imported on first use)
_LAZY: dict[str, str] = {
    # io: loaders
    "read_sectors": "buurtgeo.io.sectors",
    "read_population": "buurtgeo.io.population",
    "read_age_bands": "buurtgeo.io.population",
    "join_population": "buurtgeo.io.population",
    "read_services": "buurtgeo.io.services",
    "read_osm_services": "buurtgeo.io.osm",
    "read_network": "buurtgeo.io.network",
    "read_areas": "buurtgeo.io.areas",
    "read_deprivation": "buurtgeo.io.deprivation",
    "read_osm_basemap": "buurtgeo.io.basemap",
    "set_aside_of": "buurtgeo.io._ledger",
    "download": "buurtgeo.io.download",
    "read_addresses": "buurtgeo.io.addresses",
    "read_published_places": "buurtgeo.io.published",
    "crosswalk_sectors": "buurtgeo.crosswalk",
    "derive_age_bands": "buurtgeo.io._age_shares",
    # the physical living environment: green, play and youth spaces (areas)
    "read_green": "buurtgeo.io.green",
    "read_osm_green": "buurtgeo.io.green",
    "read_osm_entrances": "buurtgeo.io.green",
    "green_services": "buurtgeo.green",
    "green_indicators": "buurtgeo.green",
    "GREEN_NORMS": "buurtgeo.green",
    "GreenNorm": "buurtgeo.green",
    # network and reach
    "Network": "buurtgeo.network",
    "EdgeSnap": "buurtgeo.network",
    "origins_from_sectors": "buurtgeo.origins",
    "reach": "buurtgeo.reach",
    "aggregate_reach": "buurtgeo.aggregate",
    "reach_all": "buurtgeo.reach",
    "services_near": "buurtgeo.reach",
    "decay_weights": "buurtgeo.decay",
    "fca2_from_costs": "buurtgeo.fca",
    # areas and gaps
    "propose_areas": "buurtgeo.areas",
    "aggregate_to_areas": "buurtgeo.areas",
    "municipality_areas": "buurtgeo.areas",
    "gaps": "buurtgeo.gaps",
    "need_score": "buurtgeo.gaps",
    "equity": "buurtgeo.equity",
    "Scenario": "buurtgeo.scenarios",
    "scenario": "buurtgeo.scenarios",
    "suggest_sites": "buurtgeo.sites",
    "service_areas": "buurtgeo.service_areas",
    "suppress_small": "buurtgeo.suppression",
    "suppress_published": "buurtgeo.suppression",
    # maps and reports
    "reach_map": "buurtgeo.maps",
    "save_map": "buurtgeo.maps",
    "bivariate_map": "buurtgeo.maps",
    "scenario_map": "buurtgeo.maps",
    "static_map": "buurtgeo.maps",
    "map_html": "buurtgeo.maps",
    "show_map": "buurtgeo.maps",
    "base_map": "buurtgeo.maps",
    # the whole job
    "make_sample": "buurtgeo.sample",
    "run_demo": "buurtgeo.pipeline",
    "run_config": "buurtgeo.pipeline",
    "load_config": "buurtgeo.config",
    "Analysis": "buurtgeo.pipeline",
    "fact_sheets": "buurtgeo.report",
}

__all__ = sorted(
    [
        "AGE_BANDS",
        "BuurtgeoError",
        "CRSError",
        "ConfigError",
        "DownloadError",
        "InputError",
        "InputWarning",
        "MissingColumnError",
        "NetworkError",
        "Indicator",
        "ServiceKind",
        "explain",
        "format_value",
        "get_indicator",
        "get_option",
        "get_service_kind",
        "label",
        "register_indicator",
        "options_snapshot",
        "register_service_kind",
        "require_metric_crs",
        "service_kinds",
        "set_options",
        "validate_population",
        "validate_sectors",
        "validate_services",
        *_LAZY,
    ]
)


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'buurtgeo' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


# ``reach``, ``gaps``, ``equity`` and ``service_areas`` share their module's name.
# Importing such a submodule (``import buurtgeo.reach``, which any user or library may do)
# sets the package attribute to the module; binding the functions here, after their
# modules have loaded, keeps them the functions whatever is imported later
# (tests/test_core.py checks every public name that is also a module's).
from buurtgeo.equity import equity  # noqa: E402
from buurtgeo.gaps import gaps  # noqa: E402
from buurtgeo.reach import reach  # noqa: E402
from buurtgeo.service_areas import service_areas  # noqa: E402
