"""Canonical tables, service kinds, working CRS and the validators everything imports.

The pipeline passes a handful of tables from stage to stage. Their columns are
fixed here, in English snake_case, with units in the name where they matter.

sectors (GeoDataFrame, index ``sector_id``; from :func:`buurtgeo.read_sectors`)
    ``sector_name_nl``, ``sector_name_fr`` (str), ``municipality_nis`` (5-char str),
    ``municipality_name_nl``, ``municipality_name_fr`` (str), ``area_m2`` (float),
    ``geometry`` (Polygon/MultiPolygon, 2D, working CRS).
population (DataFrame, index ``sector_id``; from :func:`buurtgeo.read_population`)
    ``population`` (int) and, where known, the age bands of :data:`AGE_BANDS`
    (``children_0_2``, ``children_3_5``, ``children_6_11``, ``children_0_17``,
    ``children_12_17``; float, because estimated bands need not be whole numbers).
services (GeoDataFrame, index ``service_id``; from :func:`buurtgeo.read_services`)
    ``name`` (str), ``service_kind`` (a key of :func:`service_kinds`), ``capacity``
    (float, places; NaN when the source has none), ``income_related`` (boolean, NA
    when unknown), ``geometry`` (Point, working CRS). Area services (parks, play
    spaces: :func:`buurtgeo.read_green`) are Polygons or MultiPolygons, with
    ``area_m2`` and ``capacity`` in m²; they are reached at their edge.
areas (GeoDataFrame, index ``area_id``; from :func:`buurtgeo.read_areas`)
    ``area_name`` (str), ``municipality_nis`` (str), ``geometry``; plus the
    sector → area table in ``attrs["sector_area"]`` (Series ``area_id`` on ``sector_id``).

Every loader also returns the rows it could not use as ``attrs["set_aside"]``
(see :mod:`buurtgeo.io._ledger`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import pandas as pd

from buurtgeo._renamed import RENAMED_COLUMNS, renamed_column_note
from buurtgeo.errors import CRSError, InputError, MissingColumnError
from buurtgeo.options import get_option

if TYPE_CHECKING:  # pragma: no cover
    import geopandas as gpd
    import pyproj

__all__ = [
    "SECTOR_ID",
    "AREA_ID",
    "SERVICE_ID",
    "AGE_BANDS",
    "SECTOR_COLUMNS",
    "POPULATION_COLUMNS",
    "SERVICE_COLUMNS",
    "SET_ASIDE_COLUMNS",
    "ServiceKind",
    "service_kinds",
    "register_service_kind",
    "get_service_kind",
    "RENAMED_COLUMNS",
    "renamed_column_note",
    "YES_NO",
    "yes_no",
    "working_crs",
    "require_metric_crs",
    "is_sector_code",
    "validate_sectors",
    "validate_population",
    "validate_services",
]

SECTOR_ID = "sector_id"
AREA_ID = "area_id"
SERVICE_ID = "service_id"

#: Age bands (inclusive years) that buurtgeo knows by name.
AGE_BANDS: Mapping[str, tuple[int, int]] = MappingProxyType(
    {
        "children_0_2": (0, 2),
        "children_3_5": (3, 5),
        "children_6_11": (6, 11),
        "children_0_17": (0, 17),
        # young people (youth space, jeugdruimte); when a source gives only the bands
        # above, it is children_0_17 minus the three younger bands
        # (buurtgeo.derive_age_bands)
        "children_12_17": (12, 17),
    }
)

SECTOR_COLUMNS: tuple[str, ...] = (
    "sector_name_nl",
    "sector_name_fr",
    "municipality_nis",
    "municipality_name_nl",
    "municipality_name_fr",
    "area_m2",
    "geometry",
)
POPULATION_COLUMNS: tuple[str, ...] = ("population", *AGE_BANDS)
SERVICE_COLUMNS: tuple[str, ...] = (
    "name",
    "service_kind",
    "capacity",
    "income_related",
    "geometry",
)
#: Columns every set-aside table starts with; the source row's own values follow.
SET_ASIDE_COLUMNS: tuple[str, ...] = ("source", "row", "column", "reason")

# A Statbel sector code: NIS5 municipality + letter + 2 digits + a 1-char suffix
# ('-' or a letter/digit) in the 2011-2024 design, e.g. '11001A00-', '21004A11-', '44021A04L'
# (2025 redesign). Unknown-sector codes end in 'ZZZZ' (e.g. '11001ZZZZ').
_SECTOR_CODE = re.compile(r"^[0-9]{5}[A-Z0-9]{3}[A-Z0-9-]$")


def is_sector_code(code: Any) -> bool:
    """Return True when ``code`` looks like a 9-character Statbel sector code.

    Parameters
    ----------
    code : object
        Value to test, e.g. ``'11001A00-'``.

    Returns
    -------
    bool
    """
    return isinstance(code, str) and bool(_SECTOR_CODE.match(code))


# --------------------------------------------------------------------------------------
# Service kinds
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ServiceKind:
    """One kind of service for children and families.

    Parameters
    ----------
    key : str
        Identifier used in tables (``service_kind`` column), English snake_case.
    label_nl, label_en : str
        Labels shown to people.
    target : tuple of str
        Age-band columns whose sum is the kind's target population.
    catchment_m : float
        Default walking catchment in metres (Flemish practice).
    osm_tags : tuple of (key, value)
        OpenStreetMap tags that mean this kind.
    aliases : tuple of str
        Lower-case words in source data that mean this kind (e.g. ``'consultatiebureau'``).
    """

    key: str
    label_nl: str
    label_en: str
    target: tuple[str, ...]
    catchment_m: float
    osm_tags: tuple[tuple[str, str], ...] = ()
    aliases: tuple[str, ...] = field(default=())

    def label(self, *, language: str | None = None) -> str:
        """Label in ``language`` ('nl' or 'en'; default: the ``language`` option)."""
        language = language or get_option("language")
        return self.label_en if language == "en" else self.label_nl


_BUILTIN_KINDS: tuple[ServiceKind, ...] = (
    ServiceKind(
        "childcare_baby",
        "Kinderopvang baby's en peuters",
        "Childcare for babies and toddlers",
        ("children_0_2",),
        1000.0,
        (("amenity", "childcare"),),
        (
            "kinderopvang",
            "crèche",
            "creche",
            "kinderdagverblijf",
            "groepsopvang",
            "gezinsopvang",
            "onthaalouder",
            "milieu d'accueil",
            "opvang baby's en peuters",
        ),
    ),
    ServiceKind(
        "out_of_school_care",
        "Buitenschoolse opvang",
        "Out-of-school care",
        ("children_3_5", "children_6_11"),
        1000.0,
        (),
        (
            "buitenschoolse opvang",
            "ibo",
            "initiatief buitenschoolse opvang",
            "accueil extrascolaire",
        ),
    ),
    ServiceKind(
        "consultatiebureau",
        "Consultatiebureau (Kind en Gezin / ONE)",
        "Child health clinic (Kind en Gezin / ONE)",
        ("children_0_2",),
        1200.0,
        (),
        (
            "consultatiebureau",
            "consultation pour enfants",
            "consultations pour enfants",
            "children",
        ),
    ),
    ServiceKind(
        "huis_van_het_kind",
        "Huis van het Kind",
        "Huis van het Kind (family centre)",
        ("children_0_17",),
        1200.0,
        (),
        ("huis van het kind",),
    ),
    ServiceKind(
        "nursery_school",
        "Kleuterschool",
        "Nursery school",
        ("children_3_5",),
        400.0,
        (("amenity", "kindergarten"),),
        ("kleuterschool", "kleuteronderwijs", "école maternelle", "enseignement maternel"),
    ),
    ServiceKind(
        "primary_school",
        "Lagere school",
        "Primary school",
        ("children_6_11",),
        400.0,
        (("amenity", "school"),),
        (
            "lagere school",
            "basisschool",
            "lager onderwijs",
            "école primaire",
            "enseignement primaire",
        ),
    ),
    ServiceKind(
        "library",
        "Bibliotheek",
        "Library",
        ("children_0_17",),
        1200.0,
        (("amenity", "library"),),
        ("bibliotheek", "bib", "bibliothèque"),
    ),
    ServiceKind(
        "playground",
        "Speeltuin",
        "Playground",
        ("children_3_5", "children_6_11"),
        400.0,
        (("leisure", "playground"),),
        ("speeltuin", "speelplein", "plaine de jeux", "aire de jeux"),
    ),
    ServiceKind(
        "social_services",
        "Sociale dienstverlening (OCMW, sociaal huis)",
        "Social services (OCMW / CPAS)",
        ("children_0_17",),
        1200.0,
        (("amenity", "social_facility"),),
        ("ocmw", "cpas", "sociaal huis", "sociale dienst"),
    ),
    # the physical living environment (fysieke leefomgeving): green and play space,
    # areas reached at their edge; their norms, size classes and sources are in
    # buurtgeo.green (GREEN_NORMS), their loaders buurtgeo.read_green and
    # buurtgeo.read_osm_green (no OSM tags here: read_osm_services reads points)
    ServiceKind(
        "play_space",
        "Speelruimte (0-11 jaar)",
        "Play space (ages 0-11)",
        ("children_0_2", "children_3_5", "children_6_11"),
        400.0,
        (),
        ("speelruimte", "speelterrein", "speelbos", "speelzone"),
    ),
    ServiceKind(
        "youth_space",
        "Jeugdruimte (12-17 jaar)",
        "Youth space (ages 12-17)",
        ("children_12_17",),
        1000.0,
        (),
        ("jeugdruimte", "jeugdhuis", "jeugdcentrum", "tienerruimte", "maison de jeunes"),
    ),
    ServiceKind(
        "buurtgroen",
        "Buurtgroen",
        "Neighbourhood green",
        ("children_0_17",),
        400.0,
        (),
        ("buurtgroen", "buurtpark"),
    ),
    ServiceKind(
        "wijkgroen",
        "Wijkgroen",
        "District green",
        ("children_0_17",),
        800.0,
        (),
        ("wijkgroen", "wijkpark"),
    ),
)

_KINDS: dict[str, ServiceKind] = {k.key: k for k in _BUILTIN_KINDS}


def service_kinds() -> Mapping[str, ServiceKind]:
    """Return the vocabulary of service kinds (built-in plus registered), by key.

    Returns
    -------
    Mapping[str, ServiceKind]
        Read-only view; use :func:`register_service_kind` to extend it.
    """
    return MappingProxyType(_KINDS)


def register_service_kind(kind: ServiceKind, *, replace: bool = False) -> ServiceKind:
    """Add a service kind to the vocabulary (or replace one with ``replace=True``).

    Parameters
    ----------
    kind : ServiceKind
        The new kind; its ``target`` must name known age bands.
    replace : bool, default False
        Allow replacing an existing key.

    Returns
    -------
    ServiceKind
        The registered kind.
    """
    if not re.fullmatch(r"[a-z][a-z0-9_]*", kind.key):
        raise InputError(
            "a service-kind key must be lower-case snake_case",
            found=kind.key,
            expected="e.g. 'youth_centre'",
        )
    unknown = [band for band in kind.target if band not in AGE_BANDS and band != "population"]
    if unknown:
        raise InputError(
            f"unknown target band(s) {unknown} for service kind {kind.key!r}",
            expected=f"some of {list(AGE_BANDS)} or 'population'",
        )
    if kind.key in _KINDS and not replace:
        raise InputError(
            f"service kind {kind.key!r} exists already", hint="Pass replace=True to change it"
        )
    _KINDS[kind.key] = kind
    return kind


def get_service_kind(key: str) -> ServiceKind:
    """Return the :class:`ServiceKind` for ``key``; a clear error lists the known keys."""
    try:
        return _KINDS[key]
    except KeyError:
        raise InputError(
            f"unknown service kind {key!r}",
            expected=f"one of {', '.join(sorted(_KINDS))}",
            hint="Register new kinds with buurtgeo.register_service_kind",
        ) from None


#: How a yes/no (boolean) value is written for people, per language: (true, false).
#: The CSV and xlsx outputs and the fact sheets use it; the GeoPackage keeps booleans.
YES_NO: Mapping[str, tuple[str, str]] = MappingProxyType({"nl": ("ja", "nee"), "en": ("yes", "no")})


def yes_no(value: Any, language: str | None = None) -> str:
    """``'ja'``/``'nee'`` (``'yes'``/``'no'`` in English) for a truth value, ``''`` if missing.

    Parameters
    ----------
    value : bool, numpy bool, number, None or NA, or a yes/no word
        ('ja'/'nee', 'yes'/'no', 'true'/'false', any case); missing values of any
        kind (NaN, NaT, NA) give ``''``; another text raises ValueError.
    language : {'nl', 'en'}, optional
        Default: the ``language`` option.
    """
    if pd.api.types.is_scalar(value) and pd.isna(value):  # None, NA, NaN of any width, NaT
        return ""
    if isinstance(value, str):  # bool('nee') is True: read the word instead
        truth = _TRUTH_WORDS.get(value.strip().lower())
        if truth is None:
            raise ValueError(f"not a yes/no value: {value!r}")
        value = truth
    words = YES_NO["en" if (language or get_option("language")) == "en" else "nl"]
    return words[0] if bool(value) else words[1]


_TRUTH_WORDS = {
    word: truth
    for truth, words in (
        (True, ("ja", "yes", "true", "waar")),
        (False, ("nee", "no", "false", "onwaar")),
    )
    for word in words
}


# --------------------------------------------------------------------------------------
# CRS
# --------------------------------------------------------------------------------------


def working_crs():
    """Return the working CRS (a :class:`pyproj.CRS`) from the ``working_crs`` option."""
    from pyproj import CRS

    return CRS.from_user_input(get_option("working_crs"))


def require_metric_crs(*frames: object, what: Iterable[str] | None = None) -> pyproj.CRS:
    """Check that frames share one projected CRS in metres and return it.

    Pure analysis functions call this and never reproject: loaders do that.

    Parameters
    ----------
    *frames : GeoDataFrame or object with a ``crs`` attribute
        The inputs of an analysis function.
    what : iterable of str, optional
        Names of the inputs, used in the error message.

    Returns
    -------
    pyproj.CRS

    Raises
    ------
    CRSError
        When a CRS is missing, geographic (degrees) or the inputs disagree.
    """
    from pyproj import CRS

    names = list(what) if what is not None else [f"input {i + 1}" for i in range(len(frames))]
    crss = []
    for name, frame in zip(names, frames, strict=True):
        crs = getattr(frame, "crs", None)
        if crs is None:
            raise CRSError(
                f"{name} has no CRS",
                hint="Set it with .set_crs(...) or load it with a buurtgeo loader",
            )
        crs = CRS.from_user_input(crs)
        if not crs.is_projected or crs.axis_info[0].unit_name not in ("metre", "meter"):
            raise CRSError(
                f"{name} is in {crs.to_string()}, which is not a projected CRS in metres",
                hint="Reproject first, e.g. .to_crs('EPSG:3812'); buurtgeo loaders do this for you",
            )
        crss.append((name, crs))
    first_name, first = crss[0]
    for name, crs in crss[1:]:
        if not crs.equals(first, ignore_axis_order=True):
            raise CRSError(
                f"{name} is in {crs.to_string()} but {first_name} is in {first.to_string()}",
                hint="Bring all inputs to one CRS with .to_crs(...)",
            )
    return first


# --------------------------------------------------------------------------------------
# Validators (public: users may run them on their own tables)
# --------------------------------------------------------------------------------------


def _require_columns(frame: pd.DataFrame, columns: Iterable[str], what: str) -> None:
    for column in columns:
        if column not in frame.columns:
            raise MissingColumnError(
                column, found_columns=[str(c) for c in frame.columns], role=what
            )


def validate_sectors(sectors: gpd.GeoDataFrame) -> None:
    """Check a sectors GeoDataFrame against the canonical schema.

    Raises
    ------
    InputError
        With every problem found listed at once.
    """
    import geopandas as gpd

    if not isinstance(sectors, gpd.GeoDataFrame):
        raise InputError("sectors must be a GeoDataFrame", found=type(sectors).__name__)
    _require_columns(sectors, ("municipality_nis",), "sectors")
    problems = []
    if sectors.index.name != SECTOR_ID:
        problems.append(f"the index must be named {SECTOR_ID!r} (found {sectors.index.name!r})")
    if sectors.index.has_duplicates:
        dup = sectors.index[sectors.index.duplicated()].unique()[:5].tolist()
        problems.append(f"duplicate sector ids, e.g. {dup}")
    if sectors.geometry.isna().any() or sectors.geometry.is_empty.any():
        problems.append("some sectors have no geometry")
    if problems:
        raise InputError("sectors table is not valid: " + "; ".join(problems))
    require_metric_crs(sectors, what=["sectors"])


def validate_population(population: pd.DataFrame) -> None:
    """Check a population table: index ``sector_id``, non-negative counts."""
    if not isinstance(population, pd.DataFrame):
        raise InputError("population must be a DataFrame", found=type(population).__name__)
    problems = []
    if population.index.name != SECTOR_ID:
        problems.append(f"the index must be named {SECTOR_ID!r} (found {population.index.name!r})")
    if population.index.has_duplicates:
        problems.append("duplicate sector ids")
    for column in POPULATION_COLUMNS:
        if column in population.columns:
            values = pd.to_numeric(population[column], errors="coerce")
            if (values < 0).any():
                problems.append(f"negative values in {column!r}")
    if problems:
        raise InputError("population table is not valid: " + "; ".join(problems))


def validate_services(services: gpd.GeoDataFrame, *, one_kind: bool = False) -> None:
    """Check a services GeoDataFrame: points or areas (polygons), known kinds, capacity
    >= 0, metric CRS."""
    import geopandas as gpd

    if not isinstance(services, gpd.GeoDataFrame):
        raise InputError("services must be a GeoDataFrame", found=type(services).__name__)
    _require_columns(services, ("service_kind",), "services")
    problems = []
    if (
        not services.empty
        and not services.geom_type.isin(["Point", "Polygon", "MultiPolygon"]).all()
    ):
        problems.append("every service must be a Point (or an area: Polygon, MultiPolygon)")
    unknown = sorted(set(services["service_kind"].dropna()) - set(_KINDS))
    if unknown:
        problems.append(f"unknown service kinds {unknown}")
    if one_kind and services["service_kind"].nunique() > 1:
        problems.append(
            f"expected services of ONE kind, found {sorted(services['service_kind'].unique())}"
        )
    if "capacity" in services.columns:
        cap = pd.to_numeric(services["capacity"], errors="coerce")
        if (cap < 0).any():
            problems.append("negative capacity")
    if problems:
        raise InputError("services table is not valid: " + "; ".join(problems))
    require_metric_crs(services, what=["services"])
