"""Service locations from official open-data tables: CSV/Excel, OpenDataSoft exports, vector files.

:func:`read_services` turns a published table of service locations (childcare,
consultatiebureaus, schools, libraries, ...) into the canonical *services* table of
:mod:`buurtgeo.schema`: index ``service_id``, columns ``name``, ``service_kind``,
``capacity``, ``income_related`` and a Point ``geometry`` in the working CRS. Rows it
cannot use are returned as ``attrs["set_aside"]`` with a reason each.

Recognised layouts (:data:`LAYOUTS`), tried in order, without any column mapping:

* :data:`POI_LAYOUT`, :data:`ONDERWIJS_LAYOUT`, :data:`FWB_LAYOUT` — the Flemish POI
  service (schools, childcare, libraries), the Onderwijs Vlaanderen API pages (``kind=``
  needed) and the French-speaking schools of the FWB ``signaletique-fase`` (see
  :mod:`buurtgeo.io._service_sources` for the column lists and the kinds).
* :data:`ODS_LAYOUT` — the OpenDataSoft export that Belgian city portals publish
  (opendata.brussels.be, data.stad.gent, ...): ``;``, UTF-8 with BOM, a ``Geo Point``
  column with ``"lat, lon"`` text and a ``Geo Shape`` column with GeoJSON.
* :data:`OPGROEIEN_CHILDCARE_LAYOUT` — childcare locations in the Flemish open-data
  style (see the constant's documentation: a *documented model*, not a copy of a
  published file).
* :data:`FLEMISH_SERVICES_LAYOUT` — service locations of all kinds in a Flemish
  open-data export (``ID;Naam;Type voorziening;...;X;Y``), the layout of the sample data.
* :data:`GENERIC_LAYOUT` — common column names in Dutch, French and English
  (``Naam``/``Nom``/``name``, ``Capaciteit``/``aantal plaatsen``, ``X``/``Y``,
  ``Latitude``/``Longitude``, ``geo_point_2d``, ...).

A ``columns={canonical: source}`` mapping overrides any of them. JSON files are read as
records (an API page ``{meta, content: [...]}`` or a list) unless they are GeoJSON.
"""

from __future__ import annotations

import re
import unicodedata
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from os import PathLike
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from buurtgeo import _proj  # noqa: F401  (PROJ network off before any transform)
from buurtgeo._checks import Checks
from buurtgeo.errors import CRSError, InputError, InputWarning, MissingColumnError
from buurtgeo.io._ledger import RowLedger
from buurtgeo.io._service_coords import Coords, guess_crs, locate, table_coords
from buurtgeo.io._service_sources import (
    EXTRA_ALIASES,
    SET_ASIDE_VALUES,
    json_records,
    language_codes,
    status_income_related,
)
from buurtgeo.io._tabular import (
    EXCEL_SUFFIXES,
    check_duplicate_columns,
    duplicate_aliases,
    ledger_for,
    read_table,
    to_number,
    zip_table_member,
)
from buurtgeo.schema import SERVICE_ID, service_kinds, working_crs

if TYPE_CHECKING:  # pragma: no cover
    import pyproj

__all__ = [
    "ServiceLayout",
    "POI_LAYOUT",
    "ONDERWIJS_LAYOUT",
    "FWB_LAYOUT",
    "ODS_LAYOUT",
    "OPGROEIEN_CHILDCARE_LAYOUT",
    "FLEMISH_SERVICES_LAYOUT",
    "GENERIC_LAYOUT",
    "LAYOUTS",
    "COLUMN_ROLES",
    "EXTRA_KIND_ALIASES",
    "INCOME_RELATED_TRUE",
    "INCOME_RELATED_FALSE",
    "read_services",
    "resolve_service_kinds",
    "parse_income_related",
]

#: The largest capacity read as places (a larger one is set aside): no crèche, school or
#: playground has 100,000 places, and sums of numbers like 1e308 overflow to infinity.
MAX_CAPACITY = 100_000

#: Canonical roles a ``columns`` mapping may name (``crs`` takes a CRS, not a column).
COLUMN_ROLES: tuple[str, ...] = (
    "service_id",
    "name",
    "service_kind",
    "capacity",
    "income_related",
    "x",
    "y",
    "lat",
    "lon",
    "point",
    "shape",
    "language",
    "status",
    "crs",
)

_COORD_ROLES = frozenset({"x", "y", "lat", "lon", "point", "shape"})
_VECTOR_SUFFIXES = (".geojson", ".json", ".gpkg", ".shp", ".zip", ".sqlite", ".fgb")


@dataclass(frozen=True)
class ServiceLayout:
    """A published table layout of service locations that :func:`read_services` recognises.

    Parameters
    ----------
    name : str
        Short identifier (shown in ``attrs["layout"]``).
    description : str
        Where the layout comes from and what its columns hold.
    signature : tuple of str
        Source columns that must all be present for the layout to be recognised
        (compared without case, accents, spaces/underscores). Empty: always matches.
    columns : mapping of str to tuple of str
        For each canonical role (:data:`COLUMN_ROLES`), the source column names that may
        hold it, in order of preference; the first present is used.
    crs : str, optional
        CRS of the ``x``/``y`` columns of this layout (``lat``/``lon``/``point`` are
        always WGS84 lon/lat, EPSG:4326).
    id_parts : tuple of str, default ()
        Columns whose values, joined with ``-``, make the service id (when one column is
        not unique: a school's number and its site number).
    needs_kind : str, optional
        Why ``kind=`` must be given for this layout (its rows carry no readable kind).
    """

    name: str
    description: str
    signature: tuple[str, ...]
    columns: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    crs: str | None = None
    id_parts: tuple[str, ...] = ()
    needs_kind: str | None = None


#: OpenDataSoft export as published by Belgian city portals (e.g. opendata.brussels.be
#: ``milieux-accueil-petite-enfance-one-kindengezin-vbx``): ``;``-separated, UTF-8 with BOM,
#: bilingual columns (``Nom``/``Naam``), ``Geo Point`` = ``"50.8302931453, 4.3601838544"``
#: (lat, lon) and ``Geo Shape`` = ``{"coordinates": [lon, lat], "type": "Point"}``.
#: Kinds from ``Soort opvang`` (Crèche, Groepsopvang, Gezinsopvang, ...) or ``Categorie``
#: (CHILDREN, PRENATAL); income-related tariff from ``Soort tarifering`` (inkomenstarief /
#: vrije prijs) or ``Type de tarification``. No capacity column: capacity is NaN.
ODS_LAYOUT = ServiceLayout(
    name="opendatasoft",
    description="OpenDataSoft export of a Belgian city portal: 'Geo Point' (lat, lon text)"
    " and 'Geo Shape' (GeoJSON) columns, ';'-separated, UTF-8 with BOM",
    signature=("Geo Point",),
    columns=MappingProxyType(
        {
            "service_id": ("service_id", "id", "identifiant", "identificator"),
            "name": ("Naam", "Nom", "Name", "nom_fr", "naam_nl"),
            "service_kind": (
                "Soort opvang",
                "Type d'accueil",
                "Soort voorziening",
                "Categorie",
                "Catégorie",
                "Category",
            ),
            "capacity": ("Capaciteit", "Capacité", "Aantal plaatsen", "Nombre de places"),
            "income_related": ("Soort tarifering", "Type de tarification", "Inkomenstarief"),
            "point": ("Geo Point",),
            "shape": ("Geo Shape",),
            "language": ("Taal", "Langue"),
            "status": ("Status", "Statut"),
        }
    ),
    crs="EPSG:4326",
)

#: The Flemish POI service (GeoJSON from its WFS/OGC API, or a table of its properties):
#: ``categorie``/``categorietxt`` → kinds (:mod:`buurtgeo.io._service_sources`), ``id``,
#: ``naam``, ``adres``, ``x``/``y`` (the CRS recognised from the ranges).
POI_LAYOUT = ServiceLayout(
    name="poi_vlaanderen",
    description="Flemish POI service: categorie, categorietxt, id, naam, adres, x, y",
    signature=("categorie", "categorietxt", "naam"),
    columns=MappingProxyType(
        {
            "service_id": ("id",),
            "name": ("naam",),
            "service_kind": ("categorietxt", "categorie"),
            "x": ("x",),
            "y": ("y",),
        }
    ),
)

#: Onderwijs Vlaanderen API ``instellingslocatie`` pages (JSON ``{meta, content}``): one
#: record per school site, GPS in ``gps_breedtegraad``/``gps_lengtegraad`` (WGS84).
ONDERWIJS_LAYOUT = ServiceLayout(
    name="onderwijs_vlaanderen",
    description="Onderwijs Vlaanderen API instellingslocatie: instelling_nummer,"
    " instellingslocatie_vestigingsnummer, gps_breedtegraad, gps_lengtegraad",
    signature=("instellingslocatie_vestigingsnummer", "gps_breedtegraad"),
    columns=MappingProxyType(
        {
            "name": ("instelling_naam", "instellingslocatie_naam", "instelling_naam_volledig"),
            "lat": ("gps_breedtegraad",),
            "lon": ("gps_lengtegraad",),
        }
    ),
    id_parts=("instelling_nummer", "instellingslocatie_vestigingsnummer"),
    needs_kind="the Onderwijs Vlaanderen API records carry no school kind that buurtgeo can"
    " read (its code for primary schools is not known): pass kind='primary_school' (or"
    " 'nursery_school') for a page of those schools",
)

#: FWB ``signaletique-fase``: French-speaking schools, one row per site and type of
#: education (JSON/GeoJSON field names or the CSV export's display labels).
FWB_LAYOUT = ServiceLayout(
    name="fwb_signaletique",
    description="FWB signaletique-fase: ndeg_fase_de_l_implantation, nom_de_l_etablissement,"
    " type_d_enseignement, latitude, longitude",
    signature=("type_d_enseignement", "nom_de_l_etablissement"),
    columns=MappingProxyType(
        {
            "name": ("nom_de_l_etablissement",),
            "service_kind": ("type_d_enseignement",),
            "lat": ("latitude",),
            "lon": ("longitude",),
        }
    ),
    id_parts=("ndeg_fase_de_l_implantation", "type_d_enseignement"),
)

#: Childcare locations in the Flemish open-data style of Opgroeien (formerly Kind en Gezin).
#:
#: **A documented model, not a copy of a published file.** The real column names of
#: Opgroeien's "kinderopvanglocaties" export could not be looked up from here (no copy in
#: the stored documentation or code); this layout is modelled on Flemish open-data CSVs:
#: ``;``-separated, UTF-8 (with or without BOM) or cp1252, decimal commas, Belgian Lambert
#: 72 coordinates (EPSG:31370) in ``X``/``Y``. Columns::
#:
#:     Dossiernummer;Naam opvanglocatie;Opvangvorm;Vergunde plaatsen;Inkomenstarief;
#:     Straat;Huisnummer;Postcode;Gemeente;X;Y
#:
#: ``Opvangvorm``: ``Groepsopvang`` | ``Gezinsopvang`` (→ ``childcare_baby``) |
#: ``Buitenschoolse opvang`` (→ ``out_of_school_care``); ``Vergunde plaatsen``: licensed
#: places (a whole number); ``Inkomenstarief``: ``ja`` | ``nee``. The sample data in
#: ``data/`` is written in exactly this layout. When the real export differs, pass
#: ``columns=`` or add a layout here.
OPGROEIEN_CHILDCARE_LAYOUT = ServiceLayout(
    name="opgroeien_kinderopvang",
    description="Flemish childcare locations (modelled on Opgroeien open data): ';',"
    " Lambert 72 X/Y, 'Vergunde plaatsen', 'Opvangvorm', 'Inkomenstarief'",
    signature=("Naam opvanglocatie", "Opvangvorm", "X", "Y"),
    columns=MappingProxyType(
        {
            "service_id": ("Dossiernummer",),
            "name": ("Naam opvanglocatie",),
            "service_kind": ("Opvangvorm",),
            "capacity": ("Vergunde plaatsen",),
            "income_related": ("Inkomenstarief",),
            "x": ("X",),
            "y": ("Y",),
        }
    ),
    crs="EPSG:31370",
)

#: Locations of services for children and families in a Flemish open-data export, as the
#: sample data in ``data/sample/voorzieningen_kinderen_gezinnen.csv`` writes them (modelled on
#: Flemish city POI exports; not a copy of a specific published file): ``;``-separated,
#: UTF-8 with BOM, decimal commas, Lambert 72 ``X``/``Y``. Columns::
#:
#:     ID;Naam;Type voorziening;Adres;Gemeente;Capaciteit;Inkomenstarief;X;Y
#:
#: ``Type voorziening``: e.g. ``Groepsopvang baby's en peuters``, ``Buitenschoolse opvang``,
#: ``Consultatiebureau``, ``Huis van het Kind``, ``Basisschool``, ``Speeltuin``,
#: ``Bibliotheek``; ``Capaciteit``: places (empty when not applicable);
#: ``Inkomenstarief``: ``ja``/``nee`` (childcare only).
FLEMISH_SERVICES_LAYOUT = ServiceLayout(
    name="flemish_services",
    description="Flemish open-data export of service locations: ';', Lambert 72 X/Y,"
    " 'Type voorziening', 'Capaciteit', 'Inkomenstarief'",
    signature=("Naam", "Type voorziening", "X", "Y"),
    columns=MappingProxyType(
        {
            "service_id": ("ID",),
            "name": ("Naam",),
            "service_kind": ("Type voorziening",),
            "capacity": ("Capaciteit",),
            "income_related": ("Inkomenstarief",),
            "x": ("X",),
            "y": ("Y",),
        }
    ),
    crs="EPSG:31370",
)

#: Common column names in Dutch, French and English, recognised when unambiguous.
GENERIC_LAYOUT = ServiceLayout(
    name="generic",
    description="common column names (Naam/Nom/name, Capaciteit/capacity/aantal plaatsen,"
    " X/Y, Latitude/Longitude/lat/lon, geo_point_2d, ...)",
    signature=(),
    columns=MappingProxyType(
        {
            "service_id": (
                "service_id",
                "id",
                "Dossiernummer",
                "identificator",
                "identifiant",
                "objectid",
            ),
            "name": ("name", "naam", "nom", "naam opvanglocatie", "naam voorziening", "benaming"),
            "service_kind": (
                "service_kind",
                "soort voorziening",
                "soort opvang",
                "opvangvorm",
                "type opvang",
                "type voorziening",
                "categorie",
                "category",
                "soort",
                "type",
            ),
            "capacity": (
                "capacity",
                "capaciteit",
                "aantal plaatsen",
                "vergunde plaatsen",
                "aantal vergunde plaatsen",
                "plaatsen",
                "kindplaatsen",
                "places",
                "nombre de places",
                "capacite",
            ),
            "income_related": (
                "income_related",
                "inkomenstarief",
                "inkomensgerelateerd",
                "ikt",
                "soort tarifering",
                "type de tarification",
            ),
            "x": (
                "x",
                "x lambert",
                "x lambert72",
                "x lambert 72",
                "lambert x",
                "x l72",
                "x coord",
                "coord x",
                "x coordinaat",
                "x lambert 2008",
                "x lambert2008",
            ),
            "y": (
                "y",
                "y lambert",
                "y lambert72",
                "y lambert 72",
                "lambert y",
                "y l72",
                "y coord",
                "coord y",
                "y coordinaat",
                "y lambert 2008",
                "y lambert2008",
            ),
            "lat": ("lat", "latitude", "breedtegraad", "wgs84 lat", "lat wgs84"),
            "lon": ("lon", "lng", "long", "longitude", "lengtegraad", "wgs84 lon", "lon wgs84"),
            "point": ("geo point", "geo point 2d", "geopoint", "geo_point_2d"),
            "shape": ("geo shape", "geo_shape", "geoshape"),
            "language": ("taal", "langue", "language", "onderwijstaal"),
        }
    ),
)

#: Layouts tried in order by :func:`read_services`; the first whose signature is present wins
#: (the generic names fill any role the recognised layout leaves open).
LAYOUTS: tuple[ServiceLayout, ...] = (
    POI_LAYOUT,
    ONDERWIJS_LAYOUT,
    FWB_LAYOUT,
    ODS_LAYOUT,
    OPGROEIEN_CHILDCARE_LAYOUT,
    FLEMISH_SERVICES_LAYOUT,
    GENERIC_LAYOUT,
)

#: Source words for service kinds beyond the aliases of :func:`buurtgeo.schema.service_kinds`
#: (the French labels of the Brussels ONE/Kind & Gezin export and a few Flemish ones).
EXTRA_KIND_ALIASES: Mapping[str, str] = MappingProxyType(
    {
        "occasionele opvang": "childcare_baby",
        "halte-accueil": "childcare_baby",
        "accueil en groupe": "childcare_baby",
        "accueil familial": "childcare_baby",
        "accueillant.e subventionne.e": "childcare_baby",
        "accueillante": "childcare_baby",
        "gesubsidieerde onthaalouder": "childcare_baby",
        "kinderdagverblijf": "childcare_baby",
        "childcare": "childcare_baby",
        "buitenschoolse kinderopvang": "out_of_school_care",
        "consultation": "consultatiebureau",
        "consultatie": "consultatiebureau",
        "school": "primary_school",
        "playground": "playground",
        "library": "library",
    }
)

# Generic words that name a kind only when they are the whole value ('School', 'CHILDREN'),
# never inside a longer one ('Secundaire school', 'Childcare for children').
_EXACT_ONLY = frozenset({"school", "children", "consultation", "consultatie"})

#: Kind values set aside by default, with the reason (override with ``kind_map``).
_SET_ASIDE_KINDS: Mapping[str, str] = MappingProxyType(
    {
        "prenatal": "prenatal consultation (for expectant parents, not a service for children);"
        " to keep it, map PRENATAL to consultatiebureau with kind_map",
        "prenatale": "prenatal consultation (for expectant parents, not a service for children);"
        " to keep it, map PRENATAL to consultatiebureau with kind_map",
    }
)

#: Flag values meaning an income-related tariff (compared without case and accents).
INCOME_RELATED_TRUE: frozenset[str] = frozenset(
    {
        "inkomenstarief",
        "inkomensgerelateerd",
        "inkomensgerelateerd tarief",
        "ikt",
        "ja",
        "yes",
        "oui",
        "y",
        "j",
        "1",
        "true",
        "waar",
        "vrai",
        "x",
        "tarification liee au revenu",
        "tarif lie aux revenus",
        "income related",
        "income-related",
    }
)
#: Flag values meaning no income-related tariff.
INCOME_RELATED_FALSE: frozenset[str] = frozenset(
    {
        "vrije prijs",
        "nee",
        "neen",
        "no",
        "non",
        "n",
        "0",
        "false",
        "onwaar",
        "faux",
        "tarification libre",
        "prix libre",
        "free price",
    }
)

# --------------------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------------------


def _norm(text: Any) -> str:
    """Lower-case, accents removed, runs of spaces/underscores/dashes/dots → one space."""
    text = unicodedata.normalize("NFKD", str(text))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = text.casefold().replace("\ufeff", "").replace("°", "deg")
    text = re.sub(r"[\s_\-./'’]+", " ", text)
    return text.strip()


def _find_column(columns: Sequence[str], candidates: Sequence[str]) -> str | None:
    by_norm: dict[str, str] = {}
    for col in columns:
        by_norm.setdefault(_norm(col), col)
    for cand in candidates:
        hit = by_norm.get(_norm(cand))
        if hit is not None:
            return hit
    return None


def _recognise(columns: Sequence[str]) -> ServiceLayout:
    present = {_norm(c) for c in columns}
    for layout in LAYOUTS:
        if all(_norm(s) in present for s in layout.signature):
            return layout
    return GENERIC_LAYOUT


def _resolve_columns(
    columns: Sequence[str], layout: ServiceLayout, mapping: Mapping[str, str], path: Path
) -> dict[str, str]:
    """Role → source column: the user's mapping first, then the layout, then generic names."""
    found: dict[str, str] = {}
    listing = [str(c) for c in columns]
    for role, source in mapping.items():
        if role == "crs":
            continue
        hit = source if source in columns else _find_column(columns, [source])
        if hit is None:
            raise MissingColumnError(
                source,
                path=path,
                found_columns=listing,
                role=f"mapped to {role!r} in columns=",
            )
        found[role] = hit
    taken = set(found.values())
    # coordinates named by the user are the only ones used (no 'Geo Point' sneaking in)
    user_coords = bool(_COORD_ROLES & set(mapping))
    for role in COLUMN_ROLES:
        if role in found or role == "crs" or (user_coords and role in _COORD_ROLES):
            continue
        candidates = tuple(layout.columns.get(role, ())) + tuple(
            GENERIC_LAYOUT.columns.get(role, ())
        )
        hit = _find_column([c for c in columns if c not in taken], candidates)
        if hit is not None:
            found[role] = hit
            taken.add(hit)
    return found


# --------------------------------------------------------------------------------------
# Kinds and flags
# --------------------------------------------------------------------------------------


def _alias_table() -> dict[str, str]:
    table: dict[str, str] = {}
    for key, kind in service_kinds().items():
        for word in (key, kind.label_nl, kind.label_en, *kind.aliases):
            table.setdefault(_norm(word), key)
    for word, key in (*EXTRA_KIND_ALIASES.items(), *EXTRA_ALIASES.items()):
        if key in service_kinds():
            table.setdefault(_norm(word), key)
    return table


def _set_aside_reason(key: str) -> str | None:
    """Why a value is set aside by default (prenatal, secondary, special, servicepunt)."""
    words = key.split()
    if key in _SET_ASIDE_KINDS or any(w in words for w in _SET_ASIDE_KINDS):
        return _SET_ASIDE_KINDS.get(key, _SET_ASIDE_KINDS["prenatal"])
    for word, reason in SET_ASIDE_VALUES.items():
        if word in words:
            return reason
    return None


def resolve_service_kinds(
    values: pd.Series, *, kind_map: Mapping[str, str | None] | None = None
) -> tuple[pd.Series, pd.Series]:
    """Map source words to service-kind keys.

    Matching ignores case, accents and punctuation. Order: (1) ``kind_map`` (exact);
    (2) a kind's key, Dutch or English label or alias (:func:`buurtgeo.schema.service_kinds`,
    plus :data:`EXTRA_KIND_ALIASES`), exact; (3) prenatal consultations are set aside;
    (4) a value *containing* aliases of exactly one kind as whole words (e.g.
    ``'Gesubsidieerde Franstalige crèche of onthaalouder'`` → ``childcare_baby``); a
    longer alias subsumes the shorter ones inside it (``'IBO Buitenschoolse kinderopvang
    De Pret'`` → ``out_of_school_care``, not also ``kinderopvang``); generic words
    (``school``, ``children``, ``consultation``) count only as the whole value.

    Parameters
    ----------
    values : Series of str
        Source values (e.g. the ``Soort opvang`` column).
    kind_map : mapping, optional
        ``{source value: kind key}``; a value of None sets those rows aside on purpose.

    Returns
    -------
    kinds : Series of str
        Kind key per row, NA where unresolved.
    reasons : Series of str
        Why a row is unresolved (NA where resolved).
    """
    user = {_norm(k): v for k, v in (kind_map or {}).items()}
    table = _alias_table()
    words = sorted(table, key=len, reverse=True)
    resolved: dict[Any, tuple[str | None, str | None]] = {}
    for value in pd.unique(values.dropna()):
        key = _norm(value)
        if key in user:
            target = user[key]
            resolved[value] = (
                (target, None) if target else (None, f"excluded by kind_map ({value!r})")
            )
            continue
        if key in table:
            resolved[value] = (table[key], None)
            continue
        reason = _set_aside_reason(key)
        if reason is not None:
            prefix = "" if reason.startswith("prenatal") else f"{value!r}: "
            resolved[value] = (None, prefix + reason)
            continue
        padded = f" {key} "
        found = [w for w in words if w not in _EXACT_ONLY and f" {w} " in padded]
        # the longest phrases win: 'buitenschoolse kinderopvang' subsumes 'kinderopvang'
        found = [w for w in found if not any(w != o and f" {w} " in f" {o} " for o in found)]
        kinds = {table[w] for w in found}
        if len(kinds) == 1:
            resolved[value] = (kinds.pop(), None)
        elif kinds:
            resolved[value] = (None, f"ambiguous service kind {value!r}: {sorted(kinds)}")
        else:
            resolved[value] = (
                None,
                f"unknown service kind {value!r}; map it with kind_map={{{value!r}: '<kind>'}}",
            )
    kinds = values.map(lambda v: resolved.get(v, (None, None))[0], na_action="ignore")
    reasons = values.map(lambda v: resolved.get(v, (None, None))[1], na_action="ignore")
    reasons = reasons.where(values.notna(), "service kind is empty")
    return kinds.astype("object"), reasons.astype("object")


def parse_income_related(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Parse income-related tariff flags.

    ``'inkomenstarief'``, ``'inkomensgerelateerd'``, ``'IKT'``, ``'ja'``, ``'yes'``,
    ``'1'``, True, ``'tarification liée au revenu'`` → True; ``'vrije prijs'``, ``'nee'``,
    ``'0'``, False, ``'tarification libre'`` → False (see :data:`INCOME_RELATED_TRUE`,
    :data:`INCOME_RELATED_FALSE`); empty → NA.

    Returns
    -------
    flags : Series of pandas ``boolean``
        NA where empty or not recognised.
    unknown : Series of bool
        True where a non-empty value was not recognised.
    """
    if pd.api.types.is_bool_dtype(values):
        return values.astype("boolean"), pd.Series(False, index=values.index)
    text = values.map(_norm, na_action="ignore")
    text = text.where(text != "", None)
    is_true = text.isin(INCOME_RELATED_TRUE)
    is_false = text.isin(INCOME_RELATED_FALSE)
    flags = pd.Series(pd.NA, index=values.index, dtype="boolean")
    flags[is_true.to_numpy()] = True
    flags[is_false.to_numpy()] = False
    unknown = text.notna() & ~is_true & ~is_false
    return flags, unknown.astype(bool)


# --------------------------------------------------------------------------------------
# The loader
# --------------------------------------------------------------------------------------


def _validate(
    path: Path,
    kind: str | None,
    columns: Mapping[str, str] | None,
    crs: Any,
    layer: str | None,
    sheet: str | int | None,
    kind_map: Mapping[str, str | None] | None,
) -> Any:
    """Check every argument at once; return the CRS to use for x/y (or None)."""
    from pyproj import CRS
    from pyproj.exceptions import CRSError as ProjCRSError

    checks = Checks("read_services")
    if kind is not None:
        if kind not in service_kinds():
            checks.add(
                f"kind={kind!r} is not a known service kind (known: {', '.join(sorted(service_kinds()))})"
            )
    if columns is not None:
        if not isinstance(columns, Mapping):
            checks.add(
                f"columns must be a dict {{canonical: source column}}, got {type(columns).__name__}"
            )
        else:
            unknown = [r for r in columns if r not in COLUMN_ROLES]
            if unknown:
                checks.add(
                    f"columns= has unknown canonical names {unknown} (known: {', '.join(COLUMN_ROLES)})"
                )
            if kind is not None and "service_kind" in columns:
                checks.add(
                    "pass either kind= (one kind for the file) or columns={'service_kind': ...}"
                )
            if "crs" in columns and crs is not None:
                checks.add("pass the CRS either as crs= or as columns['crs'], not both")
            if ("x" in columns) != ("y" in columns):
                checks.add("columns= must name both 'x' and 'y'")
            if ("lat" in columns) != ("lon" in columns):
                checks.add("columns= must name both 'lat' and 'lon'")
            crs = columns.get("crs", crs)
    if kind_map is not None:
        if not isinstance(kind_map, Mapping):
            checks.add("kind_map must be a dict {source value: kind key or None}")
        else:
            bad = {k: v for k, v in kind_map.items() if v is not None and v not in service_kinds()}
            if bad:
                checks.add(
                    f"kind_map maps to unknown kinds {bad} (known: {', '.join(sorted(service_kinds()))})"
                )
    suffix = path.suffix.lower()
    if sheet is not None and suffix not in (*EXCEL_SUFFIXES, ".zip"):
        checks.add(f"sheet= is only for Excel workbooks, not {suffix or 'this file'}")
    if layer is not None and suffix not in _VECTOR_SUFFIXES:
        checks.add(
            f"layer= is only for vector files (GeoPackage, zip), not {suffix or 'this file'}"
        )
    parsed = None
    if crs is not None:
        try:
            parsed = CRS.from_user_input(crs)
        except (ProjCRSError, TypeError, ValueError):
            checks.add(f"crs={crs!r} is not a CRS pyproj knows (e.g. 'EPSG:31370')")
    checks.raise_if_any(path=path)
    return parsed


def read_services(
    path: str | PathLike[str],
    *,
    kind: str | None = None,
    columns: Mapping[str, str] | None = None,
    crs: pyproj.CRS | str | int | None = None,
    layer: str | None = None,
    sheet: str | int | None = None,
    kind_map: Mapping[str, str | None] | None = None,
    check_belgium: bool = True,
    keep_columns: Sequence[str] = (),
) -> gpd.GeoDataFrame:
    """Read service locations (childcare, consultatiebureaus, schools, ...) as published.

    Parameters
    ----------
    path : str or path-like
        CSV/TXT (``;``, ``,``, ``|`` or tab; UTF-8 with/without BOM or cp1252; decimal
        commas) or Excel (xlsx, xls) with coordinate columns; or a vector file (GeoJSON,
        GeoPackage, Shapefile, also zipped) with point (or polygon) features; a ``.zip``
        holding one CSV/Excel table is read as that table.
    kind : str, optional
        Service kind of every row (a key of :func:`buurtgeo.service_kinds`, e.g.
        ``'childcare_baby'``). Default: read from a kind column (``Soort opvang``,
        ``Opvangvorm``, ``Categorie``, ... or ``columns['service_kind']``).
    columns : dict, optional
        ``{canonical: source column}`` for the roles of :data:`COLUMN_ROLES`: ``name``,
        ``service_kind``, ``capacity`` (places), ``income_related``, ``service_id``; and
        coordinates as ``lat``/``lon`` (degrees WGS84), ``x``/``y`` (+ ``'crs':
        'EPSG:31370'``, metres), ``point`` (``"lat, lon"`` text) or ``shape`` (GeoJSON/WKT
        text). Roles not named are found by :data:`LAYOUTS`.
    crs : str or pyproj.CRS, optional
        CRS of ``x``/``y`` columns (or of a vector file that declares none). Default:
        recognised from the Belgian coordinate ranges (Lambert 72 x 10–320 km;
        Lambert 2008 x 480–840 km; degrees).
    layer : str, optional
        Layer of a GeoPackage (or file inside a zip).
    sheet : str or int, optional
        Sheet of an Excel workbook (default the first).
    kind_map : dict, optional
        ``{source value: kind key}`` applied before the vocabulary (case/accent
        insensitive); a value of None sets those rows aside on purpose.
    check_belgium : bool, default True
        Set aside rows outside Belgium (lon 2–7, lat 49–52) and raise when no row is in
        Belgium. False for data elsewhere (then pass ``crs=`` for x/y columns).
    keep_columns : sequence of str
        Source columns to carry into the result unchanged (e.g. an address for maps).

    Returns
    -------
    GeoDataFrame
        Index ``service_id`` (str: the source id column when there is one, else
        ``'<file stem>-<row>'`` with the spreadsheet row / feature number); columns
        ``name`` (str), ``service_kind`` (str), ``capacity`` (float, places; NaN when
        empty or when the source has no capacity column), ``income_related`` (pandas
        ``boolean``, NA when unknown; in the Brussels ONE / Kind & Gezin export a
        *subsidised* place — ``Statut``/``Status`` — has an income-related fee),
        ``language`` when the source has ``Taal``/``Langue`` (``'nl'``, ``'fr'``,
        ``'nl+fr'``), ``geometry`` (Point, working CRS). ``attrs``:
        ``set_aside`` (rows not used, with ``source, row, column, reason``), ``rows_in``,
        ``source``, ``layout`` (name of the recognised layout), ``columns_used``
        (role → source column), ``crs_source`` and ``notes`` (what the loader assumed).

    Raises
    ------
    InputError
        Bad arguments (all listed at once), unreadable file, or no kind column and no
        ``kind=``.
    MissingColumnError
        No coordinate columns, or a column named in ``columns=`` is absent (lists the
        columns found).
    CRSError
        Coordinates match no Belgian CRS, or none of them is in Belgium.

    Notes
    -----
    Row rules (each set-aside row gets one reason): no or unparseable coordinates;
    outside Belgium; capacity not a number; capacity < 0; service kind empty, unknown or
    ambiguous; prenatal consultations (``'PRENATAL'``: for expectant parents, kept only
    with ``kind_map``); duplicate ``service_id`` (the later rows). Latitude/longitude
    written the wrong way round (Belgium's ranges do not overlap) are swapped back with a
    warning. Capacity is parsed with :func:`buurtgeo.io._tabular.to_number`:
    ``'12,5'`` → 12.5, ``'1.234'`` → 1234.
    """
    path = Path(path)
    crs_arg = _validate(path, kind, columns, crs, layer, sheet, kind_map)
    mapping = {k: v for k, v in (columns or {}).items() if k != "crs"}
    suffix = path.suffix.lower()
    notes: list[str] = []
    zipped_table = suffix == ".zip" and path.is_file() and zip_table_member(path) is not None
    records = json_records(path) if suffix == ".json" and path.is_file() else None
    if records is not None:  # an API page or a list of records, not GeoJSON
        raw = records
        ledger = RowLedger(raw, source=path, first_row=1)
        layout = _recognise([str(c) for c in raw.columns])
        roles = _resolve_columns([str(c) for c in raw.columns], layout, mapping, path)
        coords = table_coords(raw, roles, crs_arg, layout.crs, ledger, path, check_belgium)
    elif suffix in _VECTOR_SUFFIXES and not zipped_table:
        raw, ledger, coords, roles, layout = _from_vector(
            path, layer, mapping, crs_arg, check_belgium
        )
    else:
        raw, info = read_table(path, sheet=sheet)
        ledger = ledger_for(raw, info)
        layout = _recognise([str(c) for c in raw.columns])
        aliases = duplicate_aliases(raw)
        roles = _resolve_columns(
            [str(c) for c in raw.columns],
            layout,
            {k: aliases.get(v, v) for k, v in mapping.items()},
            path,
        )
        check_duplicate_columns(raw, roles.values(), explicit=mapping.values(), path=path)
        coords = table_coords(raw, roles, crs_arg, layout.crs, ledger, path, check_belgium)
    missing_keep = [c for c in keep_columns if c not in raw.columns]
    if missing_keep:
        raise MissingColumnError(
            missing_keep[0],
            path=path,
            found_columns=[str(c) for c in raw.columns],
            role="keep_columns",
        )
    if layout.needs_kind and kind is None and "service_kind" not in mapping:
        raise InputError(f"{layout.description}: {layout.needs_kind}", path=path)
    kinds = _kinds(raw, roles, kind, kind_map, mapping, ledger, path)
    _library_points(raw, kinds, kind_map, ledger)
    capacity = _capacity(raw, roles, ledger, path, notes)
    flags = _income_related(raw, roles, path, notes)
    if "status" in roles:  # Brussels ONE / K&G: a subsidised place has an income-related fee
        flags = flags.fillna(status_income_related(raw[roles["status"]], _norm))
    # coordinates (after the other checks so each row gets its first reason)
    geoms = locate(coords, ledger, path, check_belgium=check_belgium, notes=notes)
    ids = _service_ids(raw, roles, ledger, path, _id_parts(raw, layout, mapping))

    kept = ledger.kept
    names = _names(raw, roles, layout, mapping)
    result = gpd.GeoDataFrame(
        {
            "name": pd.Series(names[kept], dtype="str"),
            "service_kind": pd.Series(np.asarray(kinds, dtype=object)[kept], dtype="str"),
            "capacity": pd.Series(capacity[kept], dtype="float64"),
            "income_related": pd.Series(flags.to_numpy()[kept], dtype="boolean"),
        },
        geometry=gpd.GeoSeries(geoms[kept], crs=working_crs()),
    )
    result.index = pd.Index(ids.to_numpy(dtype=object)[kept], name=SERVICE_ID, dtype="str")
    if "language" in roles:  # Taal / Langue: kept, for places by language
        result["language"] = language_codes(raw[roles["language"]], _norm).to_numpy()[kept]
    for column in keep_columns:
        result[column] = raw[column].to_numpy()[kept]
    if "name" not in roles:
        notes.append("no name column: name is empty")
    result = ledger.attach(result)
    result.attrs["layout"] = layout.name
    result.attrs["columns_used"] = dict(roles)
    from pyproj import CRS

    result.attrs["crs_source"] = CRS.from_user_input(coords.crs).to_string()
    result.attrs["notes"] = notes
    return result


def _kinds(
    raw: pd.DataFrame,
    roles: dict[str, str],
    kind: str | None,
    kind_map: Mapping[str, str | None] | None,
    mapping: Mapping[str, str],
    ledger: RowLedger,
    path: Path,
) -> pd.Series:
    """The service kind of every row (``kind=`` or the kind column); unknown kinds are set aside."""
    n = len(raw)
    if kind is not None:
        return pd.Series(kind, index=raw.index, dtype="object")
    if "service_kind" not in roles:
        raise InputError(
            "the service kind is unknown: no kind column found",
            path=path,
            hint=f"Pass kind= (one of {', '.join(sorted(service_kinds()))}) or"
            f" columns={{'service_kind': <column>}}. Columns found: {[str(c) for c in raw.columns][:30]}",
        )
    source = (
        raw[roles["service_kind"]].astype("str").where(raw[roles["service_kind"]].notna(), None)
    )
    kinds, reasons = resolve_service_kinds(source, kind_map=kind_map)
    if n and kinds.isna().all() and "service_kind" not in mapping and source.notna().any():
        examples = sorted({str(v) for v in source.dropna().unique()})[:5]
        raise InputError(
            "no value of the kind column is a known service kind",
            path=path,
            column=roles["service_kind"],
            found=examples,
            hint="Pass kind='childcare_baby' (for the whole file), columns={'service_kind': ...}"
            " or kind_map={...}",
        )
    ledger.set_aside(
        kinds.isna().to_numpy(), reasons.fillna("").to_numpy(), column=roles["service_kind"]
    )
    return kinds


def _capacity(
    raw: pd.DataFrame, roles: dict[str, str], ledger: RowLedger, path: Path, notes: list[str]
) -> np.ndarray:
    """Places per row (float, NaN when unknown); text and negative capacities are set aside."""
    n = len(raw)
    if "capacity" in roles:
        col = roles["capacity"]
        capacity, not_number = to_number(
            raw[col], path=path, column=col, first_row=ledger.first_row, ambiguous="raise"
        )
        ledger.set_aside(not_number.to_numpy(), "capacity is not a number", column=col)
        negative = (capacity < 0).to_numpy()
        ledger.set_aside(negative, "capacity is negative", column=col)
        huge = (capacity > MAX_CAPACITY).to_numpy()
        ledger.set_aside(
            huge, f"capacity is implausibly large (more than {MAX_CAPACITY:,} places)", column=col
        )
        capacity = capacity.to_numpy(dtype=float)
    else:
        capacity = np.full(n, np.nan)
        notes.append("no capacity column: capacity is NaN (unknown) for every service")
        warnings.warn(
            InputWarning(
                f"{path}: no capacity column found; capacity is NaN (unknown). If the file"
                " has one, name it in columns (capacity = its column name)",
                nl=f"{path}: geen kolom met het aantal plaatsen gevonden; plaatsen onbekend."
                " Heeft het bestand er een, noem ze dan in columns (capacity = kolomnaam)",
            ),
            stacklevel=3,
        )
    return capacity


def _income_related(
    raw: pd.DataFrame, roles: dict[str, str], path: Path, notes: list[str]
) -> pd.Series:
    """The income-related tariff flag per row (pandas ``boolean``, NA when unknown)."""
    if "income_related" in roles:
        flags, unknown = parse_income_related(raw[roles["income_related"]])
        if unknown.any():
            examples = sorted(
                {str(v) for v in raw.loc[unknown.to_numpy(), roles["income_related"]]}
            )[:5]
            message = (
                f"{int(unknown.sum())} value(s) of {roles['income_related']!r} are not a yes/no"
                f" flag ({examples}); income_related is NA there"
            )
            notes.append(message)
            nl = (
                f"{path}: {int(unknown.sum())} waarde(n) van {roles['income_related']!r} zijn"
                f" geen ja/nee ({examples}); inkomenstarief daar onbekend"
            )
            warnings.warn(InputWarning(f"{path}: {message}", nl=nl), stacklevel=3)
    else:
        flags = pd.Series(pd.NA, index=raw.index, dtype="boolean")
    return flags


def _id_parts(
    raw: pd.DataFrame, layout: ServiceLayout, mapping: Mapping[str, str]
) -> pd.Series | None:
    """Ids joined from the layout's ``id_parts`` columns (None when it has none)."""
    if not layout.id_parts or "service_id" in mapping:
        return None
    columns = [_find_column([str(c) for c in raw.columns], [p]) for p in layout.id_parts]
    if any(c is None for c in columns):
        return None
    parts = [raw[c].astype("str").str.strip().str.replace(r"\.0$", "", regex=True) for c in columns]
    joined = parts[0]
    for part in parts[1:]:
        joined = joined + "-" + part
    return joined


def _library_points(
    raw: pd.DataFrame,
    kinds: pd.Series,
    kind_map: Mapping[str, str | None] | None,
    ledger: RowLedger,
) -> None:
    """Library *servicepunten* (not open to everyone or not all year) are set aside by
    default, also when ``kind='library'`` is given for the whole file: a column named
    ``type``/``soort``/``categorie``/``type vestiging`` saying *servicepunt* decides
    (``kind_map={'Servicepunt': 'library'}`` keeps them)."""
    if not (kinds == "library").any():
        return
    user = {_norm(k) for k, v in (kind_map or {}).items() if v == "library"}
    names = ("type", "soort", "categorie", "type vestiging", "soort vestiging", "vestigingstype")
    column = _find_column([str(c) for c in raw.columns], names)
    if column is None:
        return
    text = raw[column].map(_norm, na_action="ignore")
    point = text.map(
        lambda v: "servicepunt" in str(v).split() and v not in user, na_action="ignore"
    )
    mask = point.fillna(False).astype(bool).to_numpy() & (kinds == "library").to_numpy()
    reason = SET_ASIDE_VALUES["servicepunt"]
    ledger.set_aside(mask, f"library {reason.removeprefix('library ')}", column=column)


def _service_ids(
    raw: pd.DataFrame,
    roles: dict[str, str],
    ledger: RowLedger,
    path: Path,
    composite: pd.Series | None = None,
) -> pd.Series:
    """The id of every row (the id column, else ``<file stem>-<row>``); later duplicates are
    set aside."""
    n = len(raw)
    numbers = pd.Series(np.asarray(ledger.row_number(np.arange(n)), dtype="int64"))
    auto = (f"{path.stem}-" + numbers.astype("str")).to_numpy(dtype=object)
    if composite is not None:
        ids = np.where(composite.notna(), composite.to_numpy(dtype=object), auto)
    elif "service_id" in roles:
        ids = raw[roles["service_id"]].astype("str").str.strip()
        ids = np.where(ids.notna() & (ids != ""), ids.to_numpy(dtype=object), auto)
    else:
        ids = auto
    ids = pd.Series(ids, dtype="object")
    kept = ledger.kept
    dup = np.zeros(n, dtype=bool)
    dup[kept] = ids[kept].duplicated(keep="first").to_numpy()
    if dup.any():
        # row of the first occurrence of each duplicated id (among the kept rows)
        firsts = ids[kept & ~dup]
        first_row = pd.Series(numbers[kept & ~dup].to_numpy(), index=firsts.to_numpy())
        reasons = np.full(n, None, dtype=object)
        reasons[dup] = [
            f"duplicate service_id {v!r} (first at row {first_row[v]})" for v in ids[dup]
        ]
        ledger.set_aside(dup, reasons, column=roles.get("service_id", SERVICE_ID))
    return ids


def _names(
    raw: pd.DataFrame, roles: dict[str, str], layout: ServiceLayout, mapping: Mapping[str, str]
) -> np.ndarray:
    """Names: the name column; when found automatically, empty cells are filled from the
    other name columns of the layout (e.g. ``Naam`` empty → ``Nom``)."""
    if "name" not in roles:
        return np.full(len(raw), None, dtype=object)
    names = raw[roles["name"]].astype("str")
    if "name" not in mapping:
        columns = [str(c) for c in raw.columns]
        candidates = tuple(layout.columns.get("name", ())) + tuple(
            GENERIC_LAYOUT.columns.get("name", ())
        )
        for cand in candidates:
            other = _find_column(columns, [cand])
            if other is not None and other != roles["name"]:
                names = names.fillna(raw[other].astype("str"))
    return names.to_numpy(dtype=object)


def _from_vector(path: Path, layer, mapping, crs_arg, check_belgium):
    """Read a vector file: attribute roles, and one point per feature in its own CRS."""
    from buurtgeo.io._geo import read_vector
    from buurtgeo.io._ledger import RowLedger

    gdf = read_vector(path, layer=layer)
    attrs = pd.DataFrame(gdf.drop(columns=gdf.geometry.name))
    raw = gdf
    ledger = RowLedger(raw, source=path, first_row=1)
    columns = [str(c) for c in attrs.columns]
    layout = _recognise(columns)
    roles = _resolve_columns(columns, layout, mapping, path)
    for role in ("x", "y", "lat", "lon", "point", "shape"):
        roles.pop(role, None)
    geoms = np.asarray(gdf.geometry.array, dtype=object)
    missing = shapely.is_missing(geoms)
    empty = missing.copy()
    empty[~missing] = shapely.is_empty(geoms[~missing])
    ledger.set_aside(empty, "empty or missing geometry", column="geometry")
    x = np.full(len(geoms), np.nan)
    y = np.full(len(geoms), np.nan)
    ok = ~empty
    if ok.any():
        g = shapely.force_2d(geoms[ok])
        not_point = shapely.get_type_id(g) != 0
        if not_point.any():
            g = np.where(not_point, shapely.point_on_surface(g), g)
            warnings.warn(
                InputWarning(
                    f"{path}: {int(not_point.sum())} feature(s) are not points; using a point"
                    " inside each (shapely.point_on_surface)",
                    nl=f"{path}: {int(not_point.sum())} object(en) zijn geen punt; een punt"
                    " erbinnen gebruikt",
                ),
                stacklevel=3,
            )
        x[ok] = shapely.get_x(g)
        y[ok] = shapely.get_y(g)
    crs = gdf.crs if gdf.crs is not None else crs_arg
    if crs is None:
        if not check_belgium:
            raise CRSError("the file declares no CRS", path=path, hint="Pass crs=...")
        crs = guess_crs(x, y, path)
        warnings.warn(
            InputWarning(
                f"{path}: no CRS declared; the coordinates look like {crs}, assuming it",
                nl=f"{path}: geen coördinatenstelsel opgegeven; de coördinaten lijken {crs},"
                " dat is aangenomen",
            ),
            stacklevel=3,
        )
    coords = Coords(x, y, crs, "geometry")
    return raw, ledger, coords, roles, layout
