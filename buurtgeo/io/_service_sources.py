"""Published service layouts of schools and services that :func:`buurtgeo.read_services` knows.

The column lists come from public code that reads the real files:

* the **Flemish POI service** (Informatie Vlaanderen, GeoJSON from its WFS or OGC API):
  properties ``categorie`` (``GroepsopvangBabysEnPeuters``, ``Basisonderwijs``,
  ``Secundair onderwijs`` …), ``categorietxt`` (its readable text, e.g. ``Groepsopvang
  baby's en peuters``), ``id``, ``naam``, ``adres``, ``x``, ``y`` (upper-case in the WFS);
* the **Onderwijs Vlaanderen API** (``instellingslocatie``): JSON pages
  ``{"meta": {...}, "content": [...]}`` whose records hold ``instelling_nummer``,
  ``instellingslocatie_vestigingsnummer``, ``instellingslocatie_straatnaam``,
  ``instellingslocatie_huisnummer``, ``instellingslocatie_postcode``,
  ``instellingslocatie_gemeente``, ``instellingslocatie_gemeente_nis``,
  ``gps_breedtegraad``, ``gps_lengtegraad`` (some rows without GPS). **The records
  carry no school kind buurtgeo can read** (the API's code for primary schools is not
  known here), so ``kind=`` must be given;
* the **FWB** ``signaletique-fase`` (Fédération Wallonie-Bruxelles, French-speaking
  schools, one row per site × type of education): GeoJSON or JSON records with
  ``ndeg_fase_de_l_etablissement``, ``ndeg_fase_de_l_implantation``,
  ``nom_de_l_etablissement``, ``type_d_enseignement`` (``Maternel ordinaire``,
  ``Primaire ordinaire``, ``Secondaire ordinaire``, ``… spécialisé`` …), ``niveau``,
  ``latitude``, ``longitude``; its CSV export writes the display labels
  (``N° FASE de l'implantation``, ``Nom de l'établissement``, ``Type d'enseignement``,
  ``Latitude``, ``Longitude``), which compare equal after normalisation.

Values with no service kind (secondary and special education, higher education, library
*servicepunten*) are set aside with the value in the reason; ``kind_map`` keeps them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pandas as pd

__all__ = [
    "EXTRA_ALIASES",
    "SET_ASIDE_VALUES",
    "json_records",
    "language_codes",
    "status_income_related",
]

#: Source words of these layouts → service kind (compared after normalisation).
EXTRA_ALIASES: Mapping[str, str] = MappingProxyType(
    {
        # Flemish POI service: categorie (CamelCase) and categorietxt
        "groepsopvangbabysenpeuters": "childcare_baby",
        "gezinsopvangbabysenpeuters": "childcare_baby",
        "gezinsopvang baby's en peuters": "childcare_baby",
        "buitenschoolseopvang": "out_of_school_care",
        "basisonderwijs": "primary_school",
        "gewoon basisonderwijs": "primary_school",
        "kleuteronderwijs": "nursery_school",
        "gewoon kleuteronderwijs": "nursery_school",
        "lager onderwijs": "primary_school",
        "gewoon lager onderwijs": "primary_school",
        "consultatiebureaukindengezin": "consultatiebureau",
        "huisvanhetkind": "huis_van_het_kind",
        "bibliotheek": "library",
        # FWB signaletique: type_d_enseignement
        "maternel ordinaire": "nursery_school",
        "primaire ordinaire": "primary_school",
        "fondamental ordinaire": "primary_school",
        # library points that count (Flemish library network)
        "hoofdbibliotheek": "library",
        "bedieningspunt": "library",
        "filiaal": "library",
        "filiaalbibliotheek": "library",
    }
)

_SECONDARY = (
    "secondary school (children 12-17): buurtgeo has no service kind for it;"
    " to keep it, map it with kind_map"
)
_SPECIAL = (
    "special education (buitengewoon onderwijs / enseignement spécialisé): not a"
    " neighbourhood school; to keep it, map it with kind_map"
)
_SERVICEPUNT = (
    "library servicepunt (not open to everyone or not all year): set aside by default;"
    " to count it, map it to library with kind_map"
)

#: Whole words that set a value aside by default, with the reason (``kind_map`` wins).
SET_ASIDE_VALUES: Mapping[str, str] = MappingProxyType(
    {
        "secundair": _SECONDARY,
        "secundaironderwijs": _SECONDARY,
        "secondaire": _SECONDARY,
        "specialise": _SPECIAL,
        "buitengewoon": _SPECIAL,
        "servicepunt": _SERVICEPUNT,
        "servicepunten": _SERVICEPUNT,
    }
)


def json_records(path: Path) -> pd.DataFrame | None:
    """A JSON file of records as a table of text (None for GeoJSON: read it as vectors).

    Accepts an API page ``{"meta": …, "content": [records]}`` (Onderwijs Vlaanderen), a
    plain list of records (an OpenDataSoft JSON export) or ``{"results": [records]}``
    (OpenDataSoft API v2). Nested objects are flattened with ``_`` (``a_b``); every value
    becomes text as :func:`buurtgeo.io._tabular.read_table` gives it (empty → NA).
    """
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None
    records: Any = None
    if isinstance(data, list):
        records = data
    elif isinstance(data, dict) and data.get("type") not in ("FeatureCollection", "Feature"):
        for key in ("content", "results", "records", "data"):
            if isinstance(data.get(key), list):
                records = data[key]
                break
    if records is None or not all(isinstance(r, dict) for r in records):
        return None
    frame = pd.json_normalize(records, sep="_") if records else pd.DataFrame()
    text = frame.astype(object).where(frame.notna(), None)
    out = text.map(lambda v: None if v is None or v == "" else str(v))
    return out.astype("str").where(out.notna(), None).reset_index(drop=True)


_LANGUAGES = {
    "nl": ("nederlands", "nederlandstalig", "neerlandais", "neerlandophone", "nl", "dutch"),
    "fr": ("frans", "franstalig", "francais", "francophone", "fr", "french"),
    "nl+fr": ("tweetalig", "bilingue", "bilingual", "nl fr", "fr nl"),
}


def language_codes(values: pd.Series, norm) -> pd.Series:
    """``Taal``/``Langue`` values → ``'nl'``, ``'fr'`` or ``'nl+fr'`` (others kept as text)."""
    lookup = {word: code for code, words in _LANGUAGES.items() for word in words}
    return values.map(
        lambda v: lookup.get(norm(v), str(v).strip()) if isinstance(v, str) and v.strip() else None
    ).astype("object")


_SUBSIDISED = {"gesubsidieerd": True, "subventionne": True, "subsidised": True}
_NOT_SUBSIDISED = {"niet gesubsidieerd": False, "non subventionne": False, "not subsidised": False}


def status_income_related(values: pd.Series, norm) -> pd.Series:
    """Brussels ONE / Kind & Gezin ``Statut``/``Status``: subsidised → income-related fee.

    ``gesubsidieerd`` / ``subventionné`` → True (a subsidised place has an income-related
    fee); ``niet-gesubsidieerd`` / ``non-subventionné`` → False (free price: in the City
    of Brussels file every Kind & Gezin row says so, 7 of 7); anything else NA.
    """
    table = {**_SUBSIDISED, **_NOT_SUBSIDISED}
    flags = values.map(lambda v: table.get(norm(v)) if isinstance(v, str) else None)
    return flags.astype("boolean")
