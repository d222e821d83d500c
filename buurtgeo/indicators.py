"""The indicator registry: what every published column *is*, in one place.

Each column buurtgeo publishes (in the CSV/xlsx tables, their legend, the GeoPackage,
the map's tooltips and legends, the fact sheets and the printed summary) has one
:class:`Indicator` entry here: its Dutch and English label and explanation, its unit,
how many decimals it is shown with, which direction is *worse*, how it aggregates from
origins or sectors to areas (summed, or a mean weighted by what), and whether it counts
persons (small counts of persons can be suppressed). Every output writes values with
:func:`format_value`, so a distance that cannot be reached reads *onbereikbaar* in the
summary, the map and the fact sheets alike.

Adding an indicator is one :func:`register_indicator` call (or one entry in :data:`_BUILTIN`)
plus its computation. Wide column names carry the service kind after a double
underscore (``share_covered__childcare_baby``); derived names such as
``dist_nearest_m_2sfca`` or ``children_0_5`` fall back to the longest registered prefix,
and unknown names ending in ``_m`` or ``_min`` are read as distances and times.

Examples
--------
>>> import buurtgeo as bg
>>> bg.format_value("share_covered__childcare_baby", 0.774, language="nl")
'77 %'
>>> bg.format_value("mean_dist_m", float("inf"), language="en")
'unreachable'
>>> bg.label("mean_dist_m__library", language="en")
'Mean distance (m): Library'
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from types import MappingProxyType
from typing import Any, Literal

import numpy as np

from buurtgeo.errors import InputError
from buurtgeo.options import get_option

__all__ = [
    "Indicator",
    "register_indicator",
    "get_indicator",
    "registered_indicators",
    "label",
    "explain",
    "format_value",
    "format_number",
    "catchment_text",
    "worse",
    "word",
    "WORDS",
]

Worse = Literal["higher", "lower"] | None
Aggregation = Literal["sum", "mean", "median", "share", "none"]


@dataclass(frozen=True)
class Indicator:
    """What one published column is.

    Parameters
    ----------
    name : str
        Canonical column name, English snake_case, without a ``__kind`` suffix.
    label_nl, label_en : str
        The label people read (column headers, legends, tooltips).
    doc_nl, doc_en : str, optional
        One sentence saying what it measures (the legend table's *uitleg*).
    unit : str, optional
        Text after a number, with its leading space: ``' m'``, ``' min'``, ``' %'``.
    decimals : int or None, default None
        Decimals shown; None chooses from the values (0 for whole numbers, else 2, 1 or
        0 below 10, below 100, from 100).
    scale : float, default 1
        Factor applied before showing (100 for a share 0-1 shown as a percentage).
    worse : {'higher', 'lower'} or None
        Which direction is the problem: ``'higher'`` for distances and missing places,
        ``'lower'`` for coverage and places per child, None when neither is.
    aggregation : {'sum', 'mean', 'median', 'share', 'none'}, default 'none'
        How the value goes from origins or sectors to areas: summed (extensive counts),
        a weighted mean, a weighted median, a weighted share of a yes/no value, or not
        at all (identifiers, classes, ranks).
    weight : str or None
        The weight of a mean, median or share (e.g. ``'target_pop'``: the kind's
        children).
    persons : bool, default False
        The value counts persons (residents, children): small counts of persons are
        hidden by small-number suppression.
    """

    name: str
    label_nl: str
    label_en: str
    doc_nl: str = ""
    doc_en: str = ""
    unit: str = ""
    decimals: int | None = None
    scale: float = 1.0
    worse: Worse = None
    aggregation: Aggregation = "none"
    weight: str | None = None
    persons: bool = False

    def label(self, *, language: str | None = None) -> str:
        """The label in ``language`` ('nl' or 'en'; default: the ``language`` option)."""
        return self.label_en if _language(language) == "en" else self.label_nl

    def explain(self, *, language: str | None = None) -> str:
        """The explanation in ``language`` ('' when there is none)."""
        return self.doc_en if _language(language) == "en" else self.doc_nl


#: Words every output uses for values that are not numbers, (nl, en).
WORDS: Mapping[str, tuple[str, str]] = MappingProxyType(
    {
        "unreachable": ("onbereikbaar", "unreachable"),
        "no_data": ("geen gegevens", "no data"),
        "yes": ("ja", "yes"),
        "no": ("nee", "no"),
    }
)

_CHILDREN = "target_pop"  # the weight of per-kind means: the kind's target children


#: Columns of the inputs as published (issue 16): estimates, published places, languages.
_INPUTS: tuple[Indicator, ...] = (
    Indicator(
        "children_estimated",
        "Kinderen geschat",
        "Children estimated",
        "ja: de aantallen kinderen zijn geschat (hoe: zie de uitleg bij elke leeftijdsgroep)",
        "yes: the numbers of children are estimates (how: see each age band's explanation)",
    ),
    Indicator(
        "language",
        "Taal",
        "Language",
        "taal van de voorziening (nl, fr, nl+fr)",
        "language of the service (nl, fr, nl+fr)",
    ),
    Indicator(
        "locations",
        "Locaties",
        "Locations",
        "aantal locaties",
        "number of locations",
        decimals=0,
        aggregation="sum",
    ),
    Indicator("year_published", "Jaar (gepubliceerd)", "Year (published)", decimals=0),
    *(
        Indicator(
            f"{what}_{source}",
            f"{nl} ({'gevonden' if source == 'found' else 'gepubliceerd'})",
            f"{en} ({source})",
            f"{doc_nl} {'in het locatiebestand, in de gemeente' if source == 'found' else 'volgens Opgroeien (gemeentecijfers)'}",
            f"{doc_en} {'in the locations file, in the municipality' if source == 'found' else 'as published by Opgroeien (municipal figures)'}",
            decimals=1 if what == "places_per_100" else 0,
            aggregation="none" if what == "places_per_100" else "sum",
            worse="lower",
        )
        for what, nl, en, doc_nl, doc_en in (
            ("places", "Plaatsen", "Places", "kinderopvangplaatsen", "childcare places"),
            ("locations", "Locaties", "Locations", "kinderopvanglocaties", "childcare locations"),
            (
                "places_per_100",
                "Plaatsen per 100 kinderen 0-2",
                "Places per 100 children 0-2",
                "plaatsen per 100 kinderen van 0, 1 en 2 jaar,",
                "places per 100 children aged 0, 1 and 2,",
            ),
        )
        for source in ("found", "published")
    ),
    *(
        Indicator(
            f"{what}_difference",
            f"{nl}: verschil (gevonden - gepubliceerd)",
            f"{en}: difference (found - published)",
            "gevonden min gepubliceerd",
            "found minus published",
            decimals=1 if what == "places_per_100" else 0,
        )
        for what, nl, en in (
            ("places", "Plaatsen", "Places"),
            ("locations", "Locaties", "Locations"),
            ("places_per_100", "Plaatsen per 100 kinderen 0-2", "Places per 100 children 0-2"),
        )
    ),
)


_BUILTIN: tuple[Indicator, ...] = (
    # ---- identifiers and names of sectors, areas, municipalities, services
    Indicator("sector_id", "Statistische sector", "Statistical sector"),
    Indicator("sector_name_nl", "Naam sector", "Sector name"),
    Indicator("sector_name_fr", "Naam sector (Frans)", "Sector name (French)"),
    Indicator("area_id", "Buurt", "Area"),
    Indicator("area_name", "Buurt", "Area"),
    Indicator("municipality_nis", "NIS-code gemeente", "Municipality NIS code"),
    Indicator("municipality_name_nl", "Gemeente", "Municipality"),
    Indicator("municipality_name_fr", "Gemeente (Frans)", "Municipality (French)"),
    Indicator(
        "area_m2", "Oppervlakte (m²)", "Area (m²)", unit=" m²", decimals=0, aggregation="sum"
    ),
    Indicator("n_sectors", "Aantal sectoren", "Number of sectors", decimals=0, aggregation="sum"),
    Indicator("name", "Naam", "Name"),
    Indicator("service_kind", "Soort voorziening", "Kind of service"),
    Indicator(
        "capacity", "Capaciteit (plaatsen)", "Capacity (places)", decimals=0, aggregation="sum"
    ),
    Indicator("income_related", "Inkomensgerelateerd tarief", "Income-related tariff"),
    Indicator("outside_area", "Buiten het studiegebied", "Outside the study area"),
    # ---- residents and children (persons)
    Indicator(
        "population",
        "Inwoners",
        "Residents",
        "inwoners volgens het bevolkingsbestand (personen; opgeteld)",
        "residents according to the population file (persons; summed)",
        decimals=0,
        aggregation="sum",
        persons=True,
    ),
    *(
        Indicator(
            f"children_{band}",
            f"Kinderen {band.replace('_', '-')} jaar",
            f"Children aged {band.replace('_', '-')}",
            f"kinderen van {band.split('_')[0]} tot en met {band.split('_')[1]} jaar"
            " (personen; opgeteld)",
            f"children aged {band.split('_')[0]} to {band.split('_')[1]} (persons; summed)",
            decimals=0,
            aggregation="sum",
            persons=True,
        )
        for band in ("0_2", "3_5", "6_11", "0_17", "12_17")
    ),
    Indicator(
        "children",
        "Kinderen (doelgroep)",
        "Children (target group)",
        decimals=0,
        aggregation="sum",
        persons=True,
    ),
    Indicator(
        "target_pop",
        "Kinderen in de doelgroep",
        "Children in the target group",
        "kinderen in de leeftijdsgroepen van de voorziening (personen; opgeteld)",
        "children of the kind's target age bands (persons; summed)",
        decimals=0,
        aggregation="sum",
        persons=True,
    ),
    Indicator("catchment_m", "Bereik (m)", "Catchment (m)", unit=" m", decimals=0),
    Indicator(
        "catchment_min",
        "Bereik (min)",
        "Catchment (min)",
        "bereik in minuten, aan de snelheid van de verplaatsingswijze (te voet 4,8 km/u,"
        " per fiets 15 km/u)",
        "catchment in minutes, at the speed of the travel mode (on foot 4.8 km/h, by bike 15 km/h)",
        unit=" min",
        decimals=0,
    ),
    Indicator(
        "snap_m",
        "Afstand tot de straat (m)",
        "Distance to the street (m)",
        "rechte afstand van het punt tot waar het bij de dichtstbijzijnde straat aansluit"
        " (meter); afstanden langs de straat beginnen met dit stuk",
        "straight distance from the point to where it joins the nearest street (metres);"
        " distances along the street start with it",
        unit=" m",
        decimals=0,
        worse="higher",
    ),
    Indicator(
        "n_origins", "Aantal herkomstpunten", "Number of origins", decimals=0, aggregation="sum"
    ),
    # ---- reach per origin (reach) and per sector/area (aggregate_reach)
    Indicator(
        "dist_nearest_m",
        "Afstand tot dichtstbijzijnde (m)",
        "Distance to nearest (m)",
        unit=" m",
        decimals=0,
        worse="higher",
    ),
    Indicator(
        "time_nearest_min",
        "Reistijd tot dichtstbijzijnde (min)",
        "Travel time to nearest (min)",
        "afstand tot de dichtstbijzijnde voorziening aan de snelheid van de verplaatsingswijze"
        " (te voet 4,8 km/u, per fiets 15 km/u, tenzij anders ingesteld)",
        "distance to the nearest service at the speed of the travel mode (on foot 4.8 km/h,"
        " by bike 15 km/h unless set otherwise)",
        unit=" min",
        decimals=1,
        worse="higher",
    ),
    Indicator(
        "covered",
        "Binnen bereik",
        "Within reach",
        worse="lower",
        aggregation="share",
        weight=_CHILDREN,
        unit=" %",
        decimals=0,
        scale=100.0,
    ),
    Indicator(
        "share_covered",
        "Aandeel kinderen binnen bereik",
        "Share of children within reach",
        "aandeel van die kinderen binnen het bereik van minstens één voorziening (0-1)",
        "share of those children within the catchment of at least one service (0-1)",
        worse="lower",
        aggregation="share",
        weight=_CHILDREN,
        unit=" %",
        decimals=0,
        scale=100.0,
    ),
    Indicator(
        "share_unreachable",
        "Aandeel kinderen zonder bereikbare voorziening",
        "Share of children with no reachable service",
        "aandeel van die kinderen zonder bereikbare voorziening (0-1)",
        "share of those children with no service reachable at all (0-1)",
        worse="higher",
        aggregation="share",
        weight=_CHILDREN,
        unit=" %",
        decimals=0,
        scale=100.0,
    ),
    Indicator(
        "mean_dist_m",
        "Gemiddelde afstand (m)",
        "Mean distance (m)",
        "gemiddelde afstand tot de dichtstbijzijnde voorziening, gewogen naar kinderen (meter)",
        "children-weighted mean distance to the nearest service (metres)",
        unit=" m",
        decimals=0,
        worse="higher",
        aggregation="mean",
        weight=_CHILDREN,
    ),
    Indicator(
        "median_dist_m",
        "Mediane afstand (m)",
        "Median distance (m)",
        "mediane afstand tot de dichtstbijzijnde voorziening (meter)",
        "children-weighted median distance to the nearest service (metres)",
        unit=" m",
        decimals=0,
        worse="higher",
        aggregation="median",
        weight=_CHILDREN,
    ),
    Indicator(
        "mean_time_min",
        "Gemiddelde reistijd (min)",
        "Mean travel time (min)",
        "gemiddelde reistijd (te voet of per fiets, volgens de verplaatsingswijze) tot de"
        " dichtstbijzijnde voorziening (minuten)",
        "mean travel time (on foot or by bike, as the travel mode) to the nearest service"
        " (minutes)",
        unit=" min",
        decimals=1,
        worse="higher",
        aggregation="mean",
        weight=_CHILDREN,
    ),
    Indicator(
        "services_within",
        "Voorzieningen binnen bereik",
        "Services within reach",
        "voorzieningen binnen het bereik (aantal; gewogen gemiddelde)",
        "services within the catchment (count; children-weighted mean)",
        decimals=1,
        worse="lower",
        aggregation="mean",
        weight=_CHILDREN,
    ),
    Indicator(
        "capacity_within",
        "Plaatsen binnen bereik",
        "Places within reach",
        "plaatsen binnen het bereik (plaatsen; gewogen gemiddelde)",
        "places within the catchment (places; children-weighted mean)",
        decimals=0,
        worse="lower",
        aggregation="mean",
        weight=_CHILDREN,
    ),
    Indicator(
        "fca2",
        "Plaatsen per kind (2SFCA)",
        "Places per child (2SFCA)",
        "plaatsen per kind volgens de 2SFCA-methode (gewogen gemiddelde)",
        "places per child by the two-step floating catchment area method (weighted mean)",
        decimals=3,
        worse="lower",
        aggregation="mean",
        weight=_CHILDREN,
    ),
    Indicator(
        "places_per_100_2sfca",
        "Plaatsen per 100 kinderen binnen bereik (2SFCA)",
        "Places per 100 children within reach (2SFCA)",
        "100 × fca2: plaatsen per 100 kinderen binnen bereik, gedeeld met alle kinderen die"
        " dezelfde voorzieningen kunnen bereiken (2SFCA, over de buurtgrens heen)",
        "100 × fca2: places per 100 children within reach, shared with every child who can"
        " reach the same services (2SFCA, across the area's border)",
        decimals=1,
        worse="lower",
        aggregation="mean",
        weight=_CHILDREN,
    ),
    # ---- gaps per area and kind (gaps)
    Indicator(
        "need",
        "Noodscore",
        "Need score",
        "noodscore: kinderen, zwaarder gewogen bij kansarmoede",
        "need: children, weighted up by deprivation",
        aggregation="sum",
        persons=True,
    ),
    Indicator(
        "n_services",
        "Aantal voorzieningen",
        "Number of services",
        decimals=0,
        worse="lower",
        aggregation="sum",
    ),
    Indicator(
        "places",
        "Plaatsen in de buurt",
        "Places in the area",
        "plaatsen in de buurt",
        "places in the area",
        decimals=0,
        worse="lower",
        aggregation="sum",
    ),
    Indicator(
        "places_per_100_in_area",
        "Plaatsen per 100 kinderen in de buurt",
        "Places per 100 children in the area",
        "plaatsen die in de buurt zelf liggen per 100 kinderen van de buurt (de verhouding"
        " die Opgroeien per gemeente publiceert; geen rekening met bereik)",
        "places located in the area itself per 100 children of the area (the ratio"
        " Opgroeien publishes per municipality; reach not considered)",
        decimals=1,
        worse="lower",
    ),
    Indicator(
        "norm", "Norm (plaatsen per 100 kinderen)", "Norm (places per 100 children)", decimals=1
    ),
    Indicator(
        "missing_places",
        "Ontbrekende plaatsen",
        "Missing places",
        "ontbrekende plaatsen tegenover de norm: max(0, norm/100 × kinderen − plaatsen)",
        "places missing against the norm: max(0, norm/100 × children − places)",
        decimals=0,
        worse="higher",
        aggregation="sum",
    ),
    Indicator(
        "missing_places_2sfca",
        "Ontbrekende plaatsen (2SFCA)",
        "Missing places (2SFCA)",
        "ontbrekende plaatsen volgens 2SFCA: max(0, (norm − plaatsen per 100 kinderen binnen"
        " bereik)/100 × kinderen)",
        "places missing by 2SFCA: max(0, (norm − places per 100 children within reach)/100"
        " × children)",
        decimals=0,
        worse="higher",
        aggregation="sum",
    ),
    Indicator(
        "share_below_norm",
        "Aandeel kinderen onder de norm",
        "Share of children below the norm",
        worse="higher",
        aggregation="share",
        weight=_CHILDREN,
        unit=" %",
        decimals=0,
        scale=100.0,
    ),
    Indicator(
        "share_beyond_catchment",
        "Aandeel kinderen buiten wandelafstand",
        "Share of children beyond walking distance",
        worse="higher",
        aggregation="share",
        weight=_CHILDREN,
        unit=" %",
        decimals=0,
        scale=100.0,
    ),
    Indicator(
        "share_income_related",
        "Aandeel plaatsen met inkomenstarief",
        "Share of places with income-related tariff",
        "aandeel plaatsen met inkomenstarief (van de plaatsen met gekend tarief)",
        "share of places with an income-related tariff (of those with a known tariff)",
        worse="lower",
        aggregation="mean",
        weight="places",
        unit=" %",
        decimals=0,
        scale=100.0,
    ),
    Indicator("shortfall", "Tekort (0-1)", "Shortfall (0-1)", decimals=2, worse="higher"),
    Indicator(
        "gap_score",
        "Hiaatscore",
        "Gap score",
        "hiaatscore = nood × tekort",
        "gap score = need × shortfall",
        decimals=2,
        worse="higher",
    ),
    Indicator("need_class", "Noodklasse", "Need class"),
    Indicator("reach_class", "Bereikklasse", "Reach class"),
    Indicator(
        "class_label",
        "Nood en bereik",
        "Need and reach",
        "klasse nood × bereik (tertielen)",
        "need × reach class (terciles)",
    ),
    Indicator(
        "bivariate_class",
        "Klasse nood-bereik (code)",
        "Need-reach class (code)",
        "code 'nood-bereik' van de klasse: nood 1-3 (3 = hoogste) en bereik 1-3 (1 = laagste)"
        " in tertielen; '3-1' = hoge nood en laag bereik",
        "'need-reach' code of the class: need 1-3 (3 = highest) and reach 1-3 (1 = lowest)"
        " in terciles; '3-1' = high need and low reach",
    ),
    Indicator(
        "high_need_low_reach",
        "Hoge nood / laag bereik",
        "High need / low reach",
        "ja/nee: hoge nood en laag bereik (klasse 3-1)",
        "yes/no: high need and low reach (class 3-1)",
    ),
    Indicator("rank", "Rang", "Rank", decimals=0),
    Indicator(
        "gap_rank",
        "Rang (1 = grootste hiaat)",
        "Rank (1 = largest gap)",
        "rang (1 = grootste hiaat)",
        "rank (1 = largest gap)",
        decimals=0,
    ),
    # ---- small-number suppression (buurtgeo.suppression)
    Indicator(
        "suppressed",
        "Afgeschermde kolommen",
        "Suppressed columns",
        "kolommen van deze rij die afgeschermd zijn omdat ze (of een totaal) een klein aantal"
        " personen zouden tonen",
        "columns of this row suppressed because they (or a total) would show a small number"
        " of persons",
    ),
    # ---- the sources of a run (bronnen.csv, buurtgeo._sources)
    Indicator(
        "part", "Onderdeel", "Part", "invoer, software of instelling", "input, software or setting"
    ),
    Indicator(
        "item", "Wat", "What", "sleutel in de configuratie of naam", "configuration key or name"
    ),
    Indicator(
        "value",
        "Waarde",
        "Value",
        "bestand zoals opgegeven, versie of waarde",
        "file as given, version or value",
    ),
    Indicator("size_bytes", "Grootte (bytes)", "Size (bytes)", unit=" bytes", decimals=0),
    Indicator(
        "sha256", "SHA-256", "SHA-256", "vingerafdruk van het bestand", "fingerprint of the file"
    ),
    Indicator(
        "layout",
        "Indeling",
        "Layout",
        "herkende indeling en kolommen",
        "layout and columns recognised",
    ),
    Indicator(
        "vintage",
        "Versie (jaargang)",
        "Vintage",
        "peildatum of jaargang",
        "reference date or vintage",
    ),
    Indicator("rows_read", "Rijen gelezen", "Rows read", decimals=0),
    Indicator("rows_used", "Rijen gebruikt", "Rows used", decimals=0),
    Indicator(
        "rows_set_aside",
        "Rijen niet gebruikt",
        "Rows set aside",
        "rijen niet gebruikt, met de reden in set_aside.csv",
        "rows not used, with the reason in set_aside.csv",
        decimals=0,
    ),
    Indicator(
        "rows_other_municipalities",
        "Rijen van andere gemeenten",
        "Rows of other municipalities",
        decimals=0,
    ),
    # ---- equity
    Indicator("gini", "Gini-coëfficiënt", "Gini coefficient", decimals=3),
    Indicator("concentration_index", "Concentratie-index", "Concentration index", decimals=3),
    *_INPUTS,
)


def _scenario_entries() -> tuple[Indicator, ...]:
    """The columns of scenarios.csv: each measure before, after and their difference."""
    when = {
        "before": ("vóór", "before"),
        "after": ("na", "after"),
        "diff": ("verschil na − vóór", "difference after − before"),
    }
    measured = (
        ("places_per_100_2sfca", "Plaatsen per 100 kinderen binnen bereik (2SFCA)",
         "Places per 100 children within reach (2SFCA)", "", 1, 1.0, "lower"),
        ("share_covered", "Aandeel kinderen binnen bereik", "Share of children within reach",
         " %", 0, 100.0, "lower"),
        ("mean_dist_m", "Gemiddelde afstand (m)", "Mean distance (m)", " m", 0, 1.0, "higher"),
        ("places_in_area", "Plaatsen in de buurt", "Places in the area", "", 0, 1.0, "lower"),
    )  # fmt: skip
    scenario = tuple(
        Indicator(
            f"{name}_{suffix}",
            f"{nl} ({when[suffix][0]})",
            f"{en} ({when[suffix][1]})",
            unit=unit,
            decimals=decimals,
            scale=scale,
            worse=worse,  # type: ignore[arg-type]
        )
        for name, nl, en, unit, decimals, scale, worse in measured
        for suffix in when
    )
    return scenario


#: The columns of the planner's outputs (:mod:`buurtgeo.planning`): deprivation per
#: sector, equity.csv, scenarios.csv, sites.csv and the ``catchments`` layer of the
#: GeoPackage.
_PLANNING: tuple[Indicator, ...] = (
    Indicator("scenario", "Scenario", "Scenario", "naam van het scenario", "scenario name"),
    *_scenario_entries(),
    Indicator(
        "deprivation_value",
        "Kansarmoedecijfer (zoals gepubliceerd)",
        "Deprivation figure (as published)",
        "het cijfer uit inputs.deprivation (een score, een inkomen, een aandeel)",
        "the figure of inputs.deprivation (a score, an income, a share)",
    ),
    Indicator(
        "deprivation",
        "Kansarmoede (hoger = meer)",
        "Deprivation (higher = more)",
        "het cijfer, zo gedraaid dat hoger meer kansarmoede is",
        "the figure, turned so that higher means more deprived",
        worse="higher",
    ),
    Indicator(
        "deprivation_weight",
        "Gewicht kansarmoede (0-1)",
        "Deprivation weight (0-1)",
        "d in nood = kinderen × (1 + alpha × d): rang of herschaling van het cijfer",
        "d in need = children × (1 + alpha × d): rank or rescaling of the figure",
        decimals=2,
        worse="higher",
    ),
    Indicator(
        "access_indicator",
        "Maat voor toegang",
        "Access measure",
        "de indicator die als toegang telt (plaatsen per 100, anders het aandeel binnen bereik)",
        "the indicator counted as access (places per 100, else the share within reach)",
    ),
    Indicator(
        "people",
        "Kinderen (gewicht)",
        "Children (weight)",
        decimals=0,
        aggregation="sum",
        persons=True,
    ),
    Indicator("mean_access", "Gemiddelde toegang", "Mean access", decimals=3, worse="lower"),
    Indicator(
        "mean_access_deprived",
        "Gemiddelde toegang, meest kansarm derde",
        "Mean access, most deprived third",
        decimals=3,
        worse="lower",
    ),
    Indicator(
        "mean_access_rest",
        "Gemiddelde toegang, de andere kinderen",
        "Mean access, the other children",
        decimals=3,
        worse="lower",
    ),
    Indicator(
        "ratio_deprived_rest",
        "Verhouding kansarm / rest",
        "Ratio deprived / rest",
        "gemiddelde toegang van het meest kansarme derde gedeeld door die van de rest"
        " (onder 1: minder toegang voor kansarme kinderen)",
        "mean access of the most deprived third divided by that of the rest (below 1:"
        " less access for deprived children)",
        decimals=2,
        worse="lower",
    ),
    Indicator("site_id", "Locatie", "Site"),
    Indicator("order", "Volgorde", "Order", decimals=0),
    Indicator(
        "added",
        "Extra kinderen binnen bereik (nood)",
        "Children newly within reach (need)",
        "nood van de kinderen die deze locatie er na de vorige bij brengt",
        "need of the children this site adds, after the ones before it",
        decimals=0,
        aggregation="sum",
        persons=True,
    ),
    Indicator(
        "cumulative",
        "Samen binnen bereik (nood)",
        "Together within reach (need)",
        decimals=0,
        aggregation="sum",
        persons=True,
    ),
    Indicator(
        "covers_alone",
        "Binnen bereik van deze locatie alleen (nood)",
        "Within reach of this site alone (need)",
        decimals=0,
        aggregation="sum",
        persons=True,
    ),
    Indicator(
        "share_of_uncovered",
        "Aandeel van wie nu buiten bereik is",
        "Share of those now out of reach",
        unit=" %",
        decimals=0,
        scale=100.0,
    ),
    Indicator("x", "x (m, Lambert 2008)", "x (m, Lambert 2008)", decimals=1),
    Indicator("y", "y (m, Lambert 2008)", "y (m, Lambert 2008)", decimals=1),
    Indicator("lon", "Lengtegraad", "Longitude", decimals=6),
    Indicator("lat", "Breedtegraad", "Latitude", decimals=6),
    Indicator(
        "method",
        "Methode",
        "Method",
        "'network': over de straten; 'straight_line': in vogelvlucht",
        "'network': along the streets; 'straight_line': as the crow flies",
    ),
    Indicator(
        "buffer_m",
        "Strook langs de straat (m)",
        "Band along the street (m)",
        unit=" m",
        decimals=0,
    ),  # fmt: skip
    Indicator(
        "street_m",
        "Straat binnen bereik (m)",
        "Street within reach (m)",
        unit=" m",
        decimals=0,
    ),
)

#: The physical living environment (issue 19): the norms of green, play and youth space
#: per sector and area (:mod:`buurtgeo.green`), and the columns of the spaces.
_GREEN: tuple[Indicator, ...] = (
    Indicator(
        "m2_per_child",
        "m² binnen bereik per kind (2SFCA)",
        "m² within reach per child (2SFCA)",
        "m² groen-, speel- of jeugdruimte binnen de normafstand per kind van de doelgroep,"
        " gedeeld met alle kinderen die dezelfde ruimte bereiken (2SFCA; gewogen gemiddelde)",
        "m² of green, play or youth space within the norm distance per child of the target"
        " group, shared with every child who reaches the same space (2SFCA; weighted mean)",
        unit=" m²",
        decimals=1,
        worse="lower",
        aggregation="mean",
        weight=_CHILDREN,
    ),
    Indicator(
        "m2_within",
        "m² binnen bereik",
        "m² within reach",
        "oppervlakte (m²) van de ruimtes binnen de normafstand (gewogen gemiddelde)",
        "area (m²) of the spaces within the norm distance (children-weighted mean)",
        unit=" m²",
        decimals=0,
        worse="lower",
        aggregation="mean",
        weight=_CHILDREN,
    ),
    Indicator(
        "share_residents_covered",
        "Aandeel inwoners binnen de norm",
        "Share of residents within the norm",
        "aandeel van alle inwoners binnen de normafstand van de ruimte (0-1)",
        "share of all residents within the norm distance of the space (0-1)",
        worse="lower",
        aggregation="share",
        weight="population",
        unit=" %",
        decimals=0,
        scale=100.0,
    ),
    Indicator(
        "children_beyond_norm",
        "Kinderen buiten de norm",
        "Children beyond the norm",
        "kinderen van de doelgroep die verder dan de normafstand wonen: het tekort tegenover"
        " de norm (personen)",
        "children of the target group living farther than the norm distance: the gap"
        " against the norm (persons)",
        decimals=0,
        worse="higher",
        aggregation="sum",
        persons=True,
    ),
    Indicator(
        "residents_beyond_norm",
        "Inwoners buiten de norm",
        "Residents beyond the norm",
        "inwoners die verder dan de normafstand wonen (personen)",
        "residents living farther than the norm distance (persons)",
        decimals=0,
        worse="higher",
        aggregation="sum",
        persons=True,
    ),
    Indicator(
        "green_type",
        "Soort ruimte",
        "Kind of space",
        "green: openbaar groen; play: speelruimte; youth: jeugdruimte",
        "green: public green; play: play space; youth: youth space",
    ),
    Indicator("green_id", "Id van de ruimte", "Id of the space"),
    Indicator(
        "cluster_m2",
        "Oppervlakte groengebied (m²)",
        "Area of the green area (m²)",
        "oppervlakte van het aaneengesloten groengebied waartoe de ruimte behoort (m²): daarop"
        " wordt de grootteklasse beoordeeld",
        "area of the contiguous green area the space belongs to (m²): its size class is"
        " judged on it",
        unit=" m²",
        decimals=0,
    ),
    Indicator("status", "Status", "Status"),
)

_REGISTRY: dict[str, Indicator] = {entry.name: entry for entry in (*_BUILTIN, *_PLANNING, *_GREEN)}

#: Names for which a published column of that name counts distances or times when it is
#: not registered itself (``'dist_to_park_m'``): the suffix and what it implies.
_SUFFIXES: tuple[tuple[str, dict[str, Any]], ...] = (
    ("_m", {"unit": " m", "decimals": 0, "worse": "higher"}),
    ("_min", {"unit": " min", "decimals": 1, "worse": "higher"}),
)


def _language(language: str | None) -> str:
    return language or get_option("language")


def registered_indicators() -> Mapping[str, Indicator]:
    """Every registered indicator by name (read-only; extend with :func:`register_indicator`)."""
    return MappingProxyType(_REGISTRY)


def register_indicator(indicator: Indicator, *, replace_existing: bool = False) -> Indicator:
    """Add an indicator to the registry (or change one with ``replace_existing=True``).

    Registering the same entry twice is harmless; registering a *different* entry under a
    known name raises, so labels never depend on which module happened to load last.

    Parameters
    ----------
    indicator : Indicator
        The new entry; its name must be snake_case without ``__``.
    replace_existing : bool, default False
        Allow changing an existing entry (users customising their outputs).

    Returns
    -------
    Indicator
        The registered entry.
    """
    if not indicator.name or "__" in indicator.name:
        raise InputError(
            "an indicator name is snake_case without '__' (that separates the kind)",
            found=indicator.name,
        )
    if indicator.worse not in ("higher", "lower", None):
        raise InputError("worse must be 'higher', 'lower' or None", found=indicator.worse)
    known = _REGISTRY.get(indicator.name)
    if known is not None and known != indicator and not replace_existing:
        raise InputError(
            f"indicator {indicator.name!r} is registered already with other values",
            found=indicator,
            hint="Pass replace_existing=True to change it",
        )
    _REGISTRY[indicator.name] = indicator
    return indicator


def get_indicator(column: str) -> Indicator | None:
    """The entry for a column name, or None when nothing is known about it.

    The ``__kind`` suffix is ignored; a derived name uses its longest registered prefix
    (``'dist_nearest_m_2sfca'`` → ``dist_nearest_m``, ``'children_0_5'`` → ``children``);
    an unknown name ending in ``_m`` or ``_min`` is a distance or a time.
    """
    base = str(column).partition("__")[0]
    if base in _REGISTRY:
        return _REGISTRY[base]
    prefixes = [key for key in _REGISTRY if base.startswith(key + "_")]
    if prefixes:
        return replace(_REGISTRY[max(prefixes, key=len)], name=base)
    for suffix, implied in _SUFFIXES:
        if base.endswith(suffix):
            return Indicator(base, base, base, **implied)
    return None


def label(column: str, *, language: str | None = None) -> str:
    """The label people read for a column, with the service kind's label after a colon.

    Parameters
    ----------
    column : str
        A column name, e.g. ``'dist_nearest_m'`` or ``'dist_nearest_m__childcare_baby'``.
    language : {'nl', 'en'}, optional
        Default: the ``language`` option.

    Returns
    -------
    str
        The label; the column name itself when none is registered.
    """
    from buurtgeo.schema import service_kinds

    language = _language(language)
    base, _, kind = str(column).partition("__")
    entry = _REGISTRY.get(base)
    text = entry.label(language=language) if entry is not None else base
    kinds = service_kinds()
    if kind and kind in kinds:
        text = f"{text}: {kinds[kind].label(language=language)}"
    return text


def explain(column: str, *, language: str | None = None) -> str:
    """The one-sentence explanation of a column ('' when none is registered)."""
    entry = _REGISTRY.get(str(column).partition("__")[0])
    return entry.explain(language=language) if entry is not None else ""


def worse(column: str) -> Worse:
    """``'higher'`` when higher values are the problem, ``'lower'``, or None."""
    entry = get_indicator(column)
    return entry.worse if entry is not None else None


def word(key: str, language: str | None = None) -> str:
    """One of :data:`WORDS` in ``language``."""
    nl, en = WORDS[key]
    return en if _language(language) == "en" else nl


def format_number(value: float, decimals: int, language: str | None = None) -> str:
    """A number with thousands separators: ``1.234,5`` in Dutch, ``1,234.5`` in English.

    Beyond 10¹⁵ (no count or distance is that large: a sign of bad input) the number is
    written in scientific notation, ``1,0e+308``, not as hundreds of digits.
    """
    if math.isfinite(value) and abs(value) >= 1e15:
        text = f"{value:.1e}"
        return text.replace(".", ",") if _language(language) == "nl" else text
    text = f"{value:,.{decimals}f}"
    if text.lstrip("-").strip("0.,") == "":  # no '-0' or '-0,0'
        text = text.lstrip("-")
    if _language(language) == "nl":
        text = text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")
    return text


def _auto_decimals(value: float) -> int:
    if value == round(value):
        return 0
    big = abs(value)
    return 0 if big >= 100 else 1 if big >= 10 else 2


def format_value(
    column: str,
    value: object,
    *,
    language: str | None = None,
    unit: bool = True,
    missing: str | None = None,
) -> str:
    """A value as people read it, in every output: summary, tables' legend, map, fact sheets.

    Parameters
    ----------
    column : str
        The column the value comes from (a ``__kind`` suffix is fine).
    value : object
        A number, a yes/no value, a text, or a missing value.
    language : {'nl', 'en'}, optional
        Default: the ``language`` option.
    unit : bool, default True
        Append the indicator's unit (``' m'``, ``' %'``).
    missing : str, optional
        Text for a missing value in a compact table (e.g. ``'–'``); default the words
        *geen gegevens* / *no data*.

    Returns
    -------
    str
        ``'geen gegevens'``/``'no data'`` for a missing value, ``'onbereikbaar'``/
        ``'unreachable'`` for an infinite one (no service can be reached), ``'ja'``/``'nee'``
        for a yes/no value, the text itself for a text, else the number scaled, with the
        registry's decimals (chosen from the value when it has none), the language's
        separators and the unit.
    """
    language = _language(language)
    if value is None or _is_missing(value):
        return word("no_data", language) if missing is None else missing
    if isinstance(value, bool | np.bool_):
        return word("yes" if value else "no", language)
    if isinstance(value, str):
        return value
    number = _as_float(value)
    if number is None:
        return str(value)
    if math.isinf(number):
        return word("unreachable", language)
    entry = get_indicator(column)
    scale = entry.scale if entry is not None else 1.0
    scaled = number * scale
    decimals = entry.decimals if entry is not None and entry.decimals is not None else None
    if decimals is None:
        decimals = _auto_decimals(scaled)
    text = format_number(scaled, decimals, language)
    if unit and entry is not None and entry.unit:
        text += entry.unit
    return text


def _as_float(value: Any) -> float | None:
    """``float(value)``, or None for a value float() refuses (shown as text)."""
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _is_missing(value: Any) -> bool:
    try:
        import pandas as pd

        return bool(pd.api.types.is_scalar(value) and pd.isna(value))
    except (TypeError, ValueError):
        return False


def catchment_text(
    metres: float, minutes: float | None = None, *, language: str | None = None
) -> str:
    """A kind's catchment as people read it: ``'1.200 m'``, or with a catchment given in
    minutes ``'15 min (1.200 m)'`` (the minutes first: they are what was asked)."""
    distance = format_value("catchment_m", metres, language=language)
    if minutes is None or not math.isfinite(float(minutes)):
        return distance
    return f"{format_value('catchment_min', minutes, language=language)} ({distance})"
