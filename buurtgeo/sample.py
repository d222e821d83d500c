"""A small FICTIONAL study area in the publishers' own file formats.

:func:`make_sample` writes two adjacent fictional municipalities somewhere in East
Flanders (``46091`` *Lindevoorde* and ``46092`` *Hazelbeke*; real-looking NIS codes that
no real municipality uses), cut into about fifty statistical sectors (Voronoi cells of
seeded points clipped to a wobbly boundary, in Belgian Lambert 2008, EPSG:3812), with:

==========================  ===================================================================
file                        mimics
==========================  ===================================================================
``sectors``                 Statbel's statistical sectors as open data (2023 lower-case layout,
                            GeoJSON in EPSG:3812, zipped as Statbel ships it)
``population``              Statbel's *Bevolking per statistische sector* (``OPEN DATA_SECTOREN``
                            xlsx, one sheet, upper-case columns, unknown-sector ``ZZZZ`` rows)
``age_bands``               a per-sector table of children 0-2 / 3-5 / 6-11 / 0-17 (Statbel
                            publishes age per sector on request; cities get it from their
                            population register)
``childcare``               Opgroeien's childcare locations as Flemish open data (``;``-separated,
                            cp1252, decimal commas, Lambert 72 X/Y, licensed places, income-related
                            tariff ``ja``/``nee``; the layout ``buurtgeo.io.services`` recognises)
``services``                a city's list of other services (``;``, UTF-8 with BOM, Lambert 72
                            X/Y): consultatiebureaus, Huis van het Kind, schools, playgrounds,
                            libraries
``network``                 an OpenStreetMap XML extract (``.osm``) of the walking network:
                            residential, tertiary, secondary, primary, footway, path, service and
                            a motorway that walkers cannot use
``areas``                   a sector → *wijk* table like the Flemish provinces' ``statsec_ggw7``
==========================  ===================================================================

Everything is drawn from one seeded generator and written byte-for-byte deterministically
(zip members carry a fixed 1980-01-01 timestamp, the xlsx document properties a fixed date),
so ``make_sample(a)`` and ``make_sample(b)`` give identical files. None of it describes a
real place, person or service.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from os import PathLike
from pathlib import Path
from typing import TypedDict
from xml.sax.saxutils import quoteattr

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon

__all__ = ["SAMPLE_FILES", "DEFAULT_SEED", "make_sample", "sample_dir", "sample_paths"]

#: Default seed of the generator (the sample in ``data/sample`` is made with it).
DEFAULT_SEED = 20230101

#: File names of the sample, by role.
SAMPLE_FILES: dict[str, str] = {
    "sectors": "sh_statbel_statistical_sectors_3812_20230101.geojson.zip",
    "population": "OPEN DATA_SECTOREN_2023.xlsx",
    "age_bands": "leeftijdsgroepen_sectoren_2023.csv",
    "childcare": "kinderopvanglocaties.csv",
    "services": "voorzieningen_kinderen_gezinnen.csv",
    "network": "lindevoorde_hazelbeke_walk.osm",
    "areas": "statsec_wijken.csv",
    "deprivation": "BIMD2011_DOMAINS_STATISTICAL_SECTOR_ELLIS_WIDE.csv",
}

_FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
_FIXED_DOC_DATE = "2023-01-01T00:00:00Z"

# Study area (EPSG:3812 metres): an irregular ellipse around this centre.
_CENTRE = np.array([645_000.0, 697_000.0])
_HALF_AXES = np.array([3_600.0, 2_300.0])


@dataclass(frozen=True)
class _Municipality:
    nis: str
    name: str
    district_nis: str
    centre: tuple[float, float]  # relative to _CENTRE, metres
    villages: tuple[tuple[str, str, tuple[float, float]], ...]  # (letter, name, centre)


_MUNICIPALITIES = (
    _Municipality(
        "46091",
        "Lindevoorde",
        "46000",
        (-1_700.0, 250.0),
        (("A", "Lindevoorde", (-1_700.0, 250.0)), ("B", "Kapelhoek", (-2_500.0, 1_450.0))),
    ),
    _Municipality(
        "46092",
        "Hazelbeke",
        "46000",
        (1_800.0, -350.0),
        (("A", "Hazelbeke", (1_800.0, -350.0)),),
    ),
)

_SECTOR_NAMES = (
    "Stationsbuurt",
    "Kerkhoek",
    "Molenwijk",
    "Hoogveld",
    "Kouter",
    "Broekmeersen",
    "Heidekant",
    "Bosstraat",
    "Dries",
    "Zandberg",
    "Ter Linden",
    "Vijverhof",
    "Beekkant",
    "Nieuwe Wijk",
    "Gasthuisveld",
    "Spoorweglaan",
    "Kasteeldreef",
    "Meerskant",
    "Hooimeers",
    "Bergske",
    "Plein",
    "Scheldekant",
    "Paddenhoek",
    "Looveld",
    "Nachtegaal",
    "Brielen",
    "Vlasbloem",
    "Rozenhof",
    "Kluizen",
    "Wolfsdonk",
    "Heerweg",
    "Boterhoek",
    "Ekkergem",
    "Poelvoorde",
    "Elsdonk",
    "Weverij",
    "Koestraat",
    "Gavers",
    "Kriekenput",
    "Oude Baan",
    "Driegoten",
    "Zwaluwhof",
    "Klaverveld",
    "Hulst",
    "Ravels",
    "Lammerstraat",
    "Zuidhoek",
    "Akkerwinde",
)

_STREET_NAMES = (
    "Kerkstraat",
    "Molenstraat",
    "Schoolstraat",
    "Stationsstraat",
    "Dorpsstraat",
    "Kapelstraat",
    "Nieuwstraat",
    "Veldstraat",
    "Bosstraat",
    "Beekstraat",
    "Lindenlaan",
    "Hazelaarstraat",
    "Kouterstraat",
    "Meersstraat",
    "Heidestraat",
    "Zandstraat",
    "Blekerijstraat",
    "Vlaslaan",
    "Pastorijstraat",
    "Kasteelstraat",
    "Driesstraat",
    "Broekstraat",
    "Weverstraat",
    "Hoogstraat",
)


def _repo_sample_dir() -> Path:
    return Path(__file__).resolve().parents[1] / "data" / "sample"


def sample_dir() -> Path | None:
    """Return the folder of the embedded sample (``data/sample`` of a source checkout).

    Returns
    -------
    pathlib.Path or None
        The folder when it holds every file of :data:`SAMPLE_FILES`, else ``None`` (an
        installed wheel has no ``data/``; :func:`make_sample` regenerates it anywhere).
    """
    folder = _repo_sample_dir()
    if all((folder / name).is_file() for name in SAMPLE_FILES.values()):
        return folder
    return None


def sample_paths(folder: str | PathLike[str]) -> dict[str, Path]:
    """Return the path of every sample file in ``folder``, by role (see :data:`SAMPLE_FILES`)."""
    folder = Path(folder)
    return {role: folder / name for role, name in SAMPLE_FILES.items()}


# --------------------------------------------------------------------------------------
# Geometry of the fictional study area
# --------------------------------------------------------------------------------------


def _boundary(rng: np.random.Generator) -> Polygon:
    """Irregular ellipse: r(θ) = ellipse(θ) · (1 + Σ_k a_k sin(kθ + φ_k))."""
    theta = np.linspace(0.0, 2.0 * np.pi, 144, endpoint=False)
    wobble = np.zeros_like(theta)
    for k, amplitude in ((2, 0.035), (3, 0.03), (5, 0.02), (9, 0.008)):
        wobble += amplitude * np.sin(k * theta + rng.uniform(0, 2 * np.pi))
    x = _HALF_AXES[0] * np.cos(theta) * (1 + wobble)
    y = _HALF_AXES[1] * np.sin(theta) * (1 + wobble)
    return Polygon(np.column_stack([x, y]) + _CENTRE)


def _seeds(rng: np.random.Generator, boundary: Polygon, n: int) -> np.ndarray:
    """Sector seed points: denser near the town centres, at least ~330 m apart."""
    centres = np.array([m.centre for m in _MUNICIPALITIES]) + _CENTRE
    minx, miny, maxx, maxy = boundary.bounds
    points: list[np.ndarray] = []
    # the town centres and the village centre start as seeds
    for m in _MUNICIPALITIES:
        for _letter, _name, c in m.villages:
            points.append(np.asarray(c) + _CENTRE)
    while len(points) < n:
        p = np.array([rng.uniform(minx, maxx), rng.uniform(miny, maxy)])
        if not shapely.contains_xy(boundary, *p):
            continue
        d_centre = np.min(np.hypot(*(centres - p).T))
        min_gap = 330.0 + 0.16 * d_centre  # small sectors downtown, large ones outside
        if np.min(np.hypot(*(np.asarray(points) - p).T)) < min_gap:
            continue
        points.append(p)
    return np.asarray(points)


def _municipality_of(points: np.ndarray, phase: float) -> np.ndarray:
    """0 for Lindevoorde (west of a wobbly border line), 1 for Hazelbeke."""
    border_x = _CENTRE[0] + 150.0 + 280.0 * np.sin((points[:, 1] - _CENTRE[1]) / 800.0 + phase)
    return (points[:, 0] > border_x).astype(int)


class _Geo(TypedDict):
    """The fictional municipalities' geometry: what :func:`_sectors` draws."""

    boundary: Polygon
    seeds: np.ndarray
    geoms: np.ndarray
    muni: np.ndarray


def _sectors(rng: np.random.Generator) -> _Geo:
    boundary = _boundary(rng)
    seeds = _seeds(rng, boundary, 48)
    cells = shapely.voronoi_polygons(shapely.multipoints(seeds), extend_to=boundary.buffer(2000))
    cells = np.asarray(shapely.get_parts(cells))
    # voronoi_polygons returns cells in arbitrary order: match each seed to its cell
    seed_points = shapely.points(seeds)
    order = np.array([np.flatnonzero(shapely.contains(cells, p))[0] for p in seed_points])
    geoms = shapely.intersection(cells[order], boundary)
    geoms = shapely.set_precision(geoms, 0.01)
    muni = _municipality_of(seeds, rng.uniform(0, 2 * np.pi))
    return {"boundary": boundary, "seeds": seeds, "geoms": geoms, "muni": muni}


# --------------------------------------------------------------------------------------
# Writers with deterministic bytes
# --------------------------------------------------------------------------------------


def _write_zip(path: Path, members: Sequence[tuple[str, bytes]]) -> None:
    """Write a zip whose bytes depend only on ``members`` (fixed timestamps and order)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in members:
            info = zipfile.ZipInfo(name, date_time=_FIXED_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            info.create_system = 3
            zf.writestr(info, data, compresslevel=9)
    _write_bytes(path, buffer.getvalue())


def _write_bytes(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    tmp.replace(path)


def _normalise_xlsx(data: bytes) -> bytes:
    """Re-pack an openpyxl xlsx with fixed zip timestamps and fixed document dates."""
    members = []
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        for info in zf.infolist():
            content = zf.read(info.filename)
            if info.filename == "docProps/core.xml":
                text = content.decode("utf-8")
                text = re.sub(
                    r"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:\2>)",
                    rf"\g<1>{_FIXED_DOC_DATE}\g<3>",
                    text,
                )
                content = text.encode("utf-8")
            members.append((info.filename, content))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, content in members:
            info = zipfile.ZipInfo(name, date_time=_FIXED_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3
            info.external_attr = 0o644 << 16
            zf.writestr(info, content, compresslevel=9)
    return out.getvalue()


def _csv_bytes(header: Sequence[str], rows: Sequence[Sequence[object]], *, sep: str) -> bytes:
    """``sep``-separated text, CRLF line ends, UTF-8 with BOM (as Excel writes 'CSV UTF-8')."""

    def cell(value: object) -> str:
        text = "" if value is None else str(value)
        if sep in text or '"' in text or "\n" in text:
            text = '"' + text.replace('"', '""') + '"'
        return text

    lines = [sep.join(cell(h) for h in header)]
    lines += [sep.join(cell(v) for v in row) for row in rows]
    return ("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-8")


def _decimal_comma(value: float, digits: int) -> str:
    return f"{value:.{digits}f}".replace(".", ",")


# --------------------------------------------------------------------------------------
# The tables
# --------------------------------------------------------------------------------------


def _statbel_sector_columns() -> tuple[str, ...]:
    """The 2023 open-data column list, exactly as the sectors loader recognises it."""
    from buurtgeo.io.sectors import STATBEL_SECTOR_COLUMNS_2023

    return tuple(STATBEL_SECTOR_COLUMNS_2023)


@dataclass
class _SectorRecord:
    code: str
    name: str
    municipality: _Municipality
    letter: str
    village: str
    geometry: Polygon | MultiPolygon
    population: int
    bands: dict[str, int]


def _sector_records(rng: np.random.Generator, geo: _Geo) -> list[_SectorRecord]:
    seeds = geo["seeds"]
    geoms = geo["geoms"]
    muni = geo["muni"]
    names = list(_SECTOR_NAMES)
    rng.shuffle(names)
    name_iter = iter(names)
    records: list[_SectorRecord] = []
    all_centres = np.array([c for m in _MUNICIPALITIES for _, _, c in m.villages]) + _CENTRE
    for m_index, m in enumerate(_MUNICIPALITIES):
        in_m = np.flatnonzero(muni == m_index)
        village_centres = np.array([c for _, _, c in m.villages]) + _CENTRE
        d = np.hypot(
            seeds[in_m, 0][:, None] - village_centres[:, 0],
            seeds[in_m, 1][:, None] - village_centres[:, 1],
        )
        village = np.argmin(d, axis=1)
        for v_index, (letter, vname, _c) in enumerate(m.villages):
            members = in_m[village == v_index]
            members = members[np.argsort(d[village == v_index, v_index], kind="stable")]
            for number, i in enumerate(members):
                suffix = "-"
                name = f"{vname}-Centrum" if number == 0 else next(name_iter)
                code = f"{m.nis}{letter}{number:02d}{suffix}"
                geom = geoms[i]
                area_km2 = geom.area / 1e6
                dist = float(np.min(np.hypot(*(all_centres - seeds[i]).T)))
                density = 280.0 + 5200.0 * np.exp(-((dist / 950.0) ** 2))  # residents per km²
                population = int(round(area_km2 * density * rng.lognormal(0.0, 0.22)))
                records.append(_SectorRecord(code, name, m, letter, vname, geom, population, {}))
    # a few sub-divided sectors: Statbel then ends the code with a digit instead of '-'
    for r in records[5:7]:
        r.code = r.code[:-1] + "0"
    # an industrial zone without residents on the far east edge
    east = max(records, key=lambda r: r.geometry.centroid.x)
    east.name, east.population = "Industriezone Oost", 0
    # a new-build sector full of young families
    young = records[len(records) // 3]
    young.name = "Nieuwe Kouter"
    for r in records:
        boost = 1.9 if r is young else rng.uniform(0.7, 1.35)
        c02 = int(round(r.population * 0.032 * boost))
        c35 = int(round(r.population * 0.034 * boost))
        c611 = int(round(r.population * 0.068 * boost))
        c1217 = int(round(r.population * 0.064 * boost))
        r.bands = {
            "children_0_2": c02,
            "children_3_5": c35,
            "children_6_11": c611,
            "children_0_17": c02 + c35 + c611 + c1217,
        }
    return records


def _sector_value(column: str, r: _SectorRecord) -> object:
    m = r.municipality
    values: dict[str, object] = {
        "cd_sector": r.code,
        "tx_sector_descr_nl": r.name,
        "tx_sector_descr_fr": r.name,
        "tx_sector_descr_de": r.name,
        "cd_sub_munty": f"{m.nis}{r.letter}",
        "tx_sub_munty_nl": r.village,
        "tx_sub_munty_fr": r.village,
        "tx_munty_dstr": "Arrondissement Sint-Niklaas",
        "cd_munty_refnis": m.nis,
        "tx_munty_descr_nl": m.name,
        "tx_munty_descr_fr": m.name,
        "tx_munty_descr_de": m.name,
        "cd_dstr_refnis": "46000",
        "tx_adm_dstr_descr_nl": "Arrondissement Sint-Niklaas",
        "tx_adm_dstr_descr_fr": "Arrondissement de Saint-Nicolas",
        "tx_adm_dstr_descr_de": "Bezirk Sankt Niklaas",
        "cd_prov_refnis": "40000",
        "tx_prov_descr_nl": "Provincie Oost-Vlaanderen",
        "tx_prov_descr_fr": "Province de Flandre orientale",
        "tx_prov_descr_de": "Provinz Ostflandern",
        "cd_rgn_refnis": "02000",
        "tx_rgn_descr_nl": "Vlaams Gewest",
        "tx_rgn_descr_fr": "Région flamande",
        "tx_rgn_descr_de": "Flämische Region",
        "cd_country": "BE",
        "cd_nuts_lvl1": "BE2",
        "cd_nuts_lvl2": "BE23",
        "cd_nuts_lvl3": "BE236",
        "ms_area_ha": round(r.geometry.area / 1e4, 4),
        "ms_perimeter_m": round(r.geometry.length, 2),
        "dt_situation": "2023-01-01",
    }
    return values.get(column)


def _geojson_geometry(geom: Polygon | MultiPolygon) -> dict[str, object]:
    polygons = list(geom.geoms) if isinstance(geom, MultiPolygon) else [geom]

    def ring(coords) -> list[list[float]]:
        return [[round(x, 2), round(y, 2)] for x, y in coords]

    return {
        "type": "MultiPolygon",
        "coordinates": [
            [ring(p.exterior.coords), *(ring(i.coords) for i in p.interiors)] for p in polygons
        ],
    }


def _sectors_geojson(records: Sequence[_SectorRecord]) -> bytes:
    columns = _statbel_sector_columns()
    features = [
        {
            "type": "Feature",
            "properties": {c: _sector_value(c, r) for c in columns},
            "geometry": _geojson_geometry(shapely.orient_polygons(r.geometry)),
        }
        for r in records
    ]
    doc = {
        "type": "FeatureCollection",
        "name": "sh_statbel_statistical_sectors_3812_20230101",
        "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::3812"}},
        "features": features,
    }
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _population_xlsx(records: Sequence[_SectorRecord]) -> bytes:
    import datetime

    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "Blad1"
    ws.append(
        [
            "CD_REFNIS",
            "CD_SECTOR",
            "TOTAL",
            "DT_STRT_SECTOR",
            "DT_STOP_SECTOR",
            "OPPERVLAKTE IN HM²",
            "TX_DESCR_SECTOR_NL",
            "TX_DESCR_SECTOR_FR",
            "TX_DESCR_NL",
            "TX_DESCR_FR",
        ]
    )
    start = datetime.datetime(1981, 3, 1)
    stop = datetime.datetime(9999, 12, 31)
    for m in _MUNICIPALITIES:
        rows = sorted((r for r in records if r.municipality is m), key=lambda r: r.code)
        for r in rows:
            if r.population == 0:
                continue  # Statbel lists no row for a sector without residents
            ws.append(
                [
                    m.nis,
                    r.code,
                    r.population,
                    start,
                    stop,
                    r.geometry.area / 1e4,
                    r.name.upper(),
                    r.name.upper(),
                    m.name,
                    m.name,
                ]
            )
        # residents Statbel could not place in a sector
        ws.append(
            [
                m.nis,
                f"{m.nis}ZZZZ",
                4 if m.nis.endswith("1") else 2,
                start,
                stop,
                None,
                "NIET TE LOKALISEREN IN EEN SECTOR",
                "NON LOCALISABLE DANS UN SECTEUR",
                m.name,
                m.name,
            ]
        )
    wb.properties.creator = "Statbel (fictional sample: buurtgeo)"
    wb.properties.created = datetime.datetime(2023, 1, 1)
    buffer = io.BytesIO()
    wb.save(buffer)
    return _normalise_xlsx(buffer.getvalue())


def _age_bands_csv(records: Sequence[_SectorRecord]) -> bytes:
    bands = ("children_0_2", "children_3_5", "children_6_11", "children_0_17")
    rows = [
        [r.code, *(r.bands[b] for b in bands)]
        for r in sorted(records, key=lambda r: r.code)
        if r.population > 0
    ]
    return _csv_bytes(["CD_SECTOR", *bands], rows, sep=";")


# service kind -> (how many, source 'Type voorziening' text, name stem, capacities or None)
_SERVICE_PLAN: tuple[tuple[str, int, str, str, tuple[int, ...] | None], ...] = (
    (
        "childcare_baby",
        13,
        "Groepsopvang baby's en peuters",
        "Kinderdagverblijf",
        (14, 18, 21, 28, 35, 42, 56),
    ),
    ("childcare_baby", 8, "Gezinsopvang baby's en peuters", "Gezinsopvang", (4, 6, 8, 8)),
    ("out_of_school_care", 5, "Buitenschoolse opvang", "IBO", (40, 60, 84)),
    ("consultatiebureau", 3, "Consultatiebureau", "Consultatiebureau", None),
    ("huis_van_het_kind", 2, "Huis van het Kind", "Huis van het Kind", None),
    ("primary_school", 15, "Basisschool", "Basisschool", None),
    ("playground", 24, "Speeltuin", "Speeltuin", None),
    ("library", 3, "Bibliotheek", "Bibliotheek", None),
)

_CHILDCARE_NAMES = (
    "De Rakkers",
    "'t Kabouterhuis & Co",
    "Het Zonnetje",
    "De Knuffelbeer",
    "Pimpampoentje",
    "De Speelvogel",
    "Klein Duimpje",
    "Het Nestje",
    "Ukkepuk",
    "De Regenboog",
    "Bengeltjes",
    "De Boomhut",
    "Kriebel",
    "Sofie",
    "Hélène",
    "Inge",
    "Nadia",
    "Griet",
    "Hilde",
    "Leen",
    "Fatima",
)


def _town_of(records: Sequence[_SectorRecord], xy: np.ndarray) -> str:
    for r in records:
        if shapely.contains_xy(r.geometry, *xy):
            return r.municipality.name
    return "Waasbeke"


def _services(rng: np.random.Generator, records: Sequence[_SectorRecord], boundary: Polygon):
    """Service rows: (id, kind, type text, name, street, town, x3812, y3812, capacity, income)."""
    populated = [r for r in records if r.population > 0]
    weights = np.array([r.bands["children_0_17"] for r in populated], dtype=float)
    weights /= weights.sum()
    reps = np.array(
        [
            [r.geometry.representative_point().x, r.geometry.representative_point().y]
            for r in populated
        ]
    )
    centres = {v: np.asarray(c) + _CENTRE for m in _MUNICIPALITIES for _l, v, c in m.villages}
    childcare_names = iter(_CHILDCARE_NAMES)
    rows = []
    number = 0
    for kind, count, type_text, stem, capacities in _SERVICE_PLAN:
        for k in range(count):
            if kind in ("huis_van_het_kind", "library", "consultatiebureau"):
                village = list(centres)[k % len(centres)]
                xy = centres[village] + rng.normal(0.0, 60.0, 2)
                label = village
            else:
                while True:
                    i = rng.choice(len(populated), p=weights)
                    xy = reps[i] + rng.normal(0.0, 160.0, 2)
                    if shapely.contains_xy(boundary, *xy):
                        break
                label = populated[i].name
            if kind == "childcare_baby":
                name = f"{stem} {next(childcare_names)}"
            elif kind == "playground":
                name = f"{stem} {label}"
            else:
                name = f"{stem} {label}" if count > 1 else stem
            capacity = None if capacities is None else int(rng.choice(capacities))
            income = None
            if kind == "childcare_baby":
                income = "ja" if rng.random() < 0.45 else "nee"
            number += 1
            street = f"{_STREET_NAMES[int(rng.integers(len(_STREET_NAMES)))]} {int(rng.integers(1, 180))}"
            town = _town_of(records, xy)
            rows.append(
                [
                    f"VZ{number:04d}",
                    kind,
                    type_text,
                    name,
                    street,
                    town,
                    xy[0],
                    xy[1],
                    capacity,
                    income,
                ]
            )
    # two childcare locations just across the border, in the neighbouring municipality
    for name, offset in (
        ("Kinderdagverblijf De Grensrakkers", (-3_900.0, 900.0)),
        ("Gezinsopvang Over 't Water", (3_950.0, -600.0)),
    ):
        number += 1
        xy = _CENTRE + np.asarray(offset)
        rows.append(
            [
                f"VZ{number:04d}",
                "childcare_baby",
                "Groepsopvang baby's en peuters",
                name,
                "Grensstraat 2",
                "Waasbeke",
                xy[0],
                xy[1],
                28,
                "ja",
            ]
        )
    # a location the city has not geocoded yet: no coordinates (a loader sets it aside)
    number += 1
    rows.append(
        [
            f"VZ{number:04d}",
            "childcare_baby",
            "Gezinsopvang baby's en peuters",
            "Gezinsopvang Nog Te Plaatsen",
            "Nieuwstraat 12",
            "Hazelbeke",
            None,
            None,
            8,
            "nee",
        ]
    )
    return rows


_POSTCODES = {"Lindevoorde": "9189", "Hazelbeke": "9196", "Waasbeke": "9197"}
_OPVANGVORM = {
    "Groepsopvang baby's en peuters": "Groepsopvang",
    "Gezinsopvang baby's en peuters": "Gezinsopvang",
    "Buitenschoolse opvang": "Buitenschoolse opvang",
}


def _services_csv(rows) -> tuple[bytes, bytes]:
    """Two exports: Opgroeien-style childcare locations (cp1252) and the city's list (UTF-8 BOM).

    The childcare file follows ``buurtgeo.io.services.OPGROEIEN_CHILDCARE_LAYOUT``; the
    city's list uses common Dutch column names (``Naam``, ``Type voorziening``,
    ``Capaciteit``, ``X``, ``Y``).
    """
    from pyproj import Transformer

    from buurtgeo import _proj  # noqa: F401  (PROJ offline before the first transform)

    to_lambert72 = Transformer.from_crs("EPSG:3812", "EPSG:31370", always_xy=True)
    childcare, city = [], []
    for sid, kind, type_text, name, street, town, x, y, capacity, income in rows:
        if x is None:
            xs = ys = ""
        else:
            lx, ly = to_lambert72.transform(x, y)
            xs, ys = _decimal_comma(lx, 2), _decimal_comma(ly, 2)
        cap = "" if capacity is None else capacity
        if kind in ("childcare_baby", "out_of_school_care"):
            street_name, _, number = street.rpartition(" ")
            childcare.append(
                [
                    f"KO-{sid[2:]}",
                    name,
                    _OPVANGVORM[type_text],
                    cap,
                    income or "nee",
                    street_name,
                    number,
                    _POSTCODES[town],
                    town,
                    xs,
                    ys,
                ]
            )
        else:
            city.append([sid, name, type_text, street, town, cap, xs, ys])
    childcare_header = [
        "Dossiernummer",
        "Naam opvanglocatie",
        "Opvangvorm",
        "Vergunde plaatsen",
        "Inkomenstarief",
        "Straat",
        "Huisnummer",
        "Postcode",
        "Gemeente",
        "X",
        "Y",
    ]
    city_header = ["ID", "Naam", "Type voorziening", "Adres", "Gemeente", "Capaciteit", "X", "Y"]
    childcare_bytes = _csv_bytes(childcare_header, childcare, sep=";")
    childcare_bytes = childcare_bytes.decode("utf-8").removeprefix("\ufeff").encode("cp1252")
    return childcare_bytes, _csv_bytes(city_header, city, sep=";")


def _network_osm(
    rng: np.random.Generator, boundary: Polygon, background: np.random.Generator
) -> bytes:
    """A jittered street grid around the study area, as OpenStreetMap XML.

    Streets every ~120 m (nodes jittered by N(0, 15 m)); about one block edge in nine
    is missing; rows and columns carry highway tags from ``primary`` to ``footway``; a
    motorway without junctions crosses the south (walkers cannot use it). The map's
    background (:func:`_background_ways`, drawn from ``background``): a river, a railway,
    a pond and two parks, sharing no node with the streets.
    """
    from pyproj import Transformer

    from buurtgeo import _proj  # noqa: F401

    to_wgs84 = Transformer.from_crs("EPSG:3812", "EPSG:4326", always_xy=True)
    spacing = 120.0
    area = boundary.buffer(450.0)
    minx, miny, maxx, maxy = area.bounds
    xs = np.arange(minx, maxx + spacing, spacing)
    ys = np.arange(miny, maxy + spacing, spacing)
    gx, gy = np.meshgrid(xs, ys)  # rows = y, cols = x
    gx = gx + rng.normal(0.0, 15.0, gx.shape)
    gy = gy + rng.normal(0.0, 15.0, gy.shape)
    inside = shapely.contains_xy(area, gx, gy)
    node_id = np.zeros(gx.shape, dtype=np.int64)
    node_id[inside] = np.arange(1, int(inside.sum()) + 1)
    centre_row = int(np.argmin(np.abs(ys - (_CENTRE[1] + 0.0))))
    centre_col = int(np.argmin(np.abs(xs - _CENTRE[0])))
    ways = _street_ways(rng, node_id, centre_row, centre_col)

    # motorway across the south: its own nodes, no junction with the street grid
    motorway_y = _CENTRE[1] - 1_950.0
    mx = np.arange(minx, maxx + 250.0, 250.0)
    my = motorway_y + 60.0 * np.sin((mx - minx) / 1500.0)
    first_free = int(node_id.max()) + 1
    motorway_ids = list(range(first_free, first_free + len(mx)))

    lon, lat = to_wgs84.transform(gx[inside], gy[inside])
    ways.append((motorway_ids, {"highway": "motorway", "ref": "E34", "oneway": "yes"}))
    bx, by, extra_ways = _background_ways(background, boundary, motorway_ids[-1] + 1)
    mlon, mlat = to_wgs84.transform(np.concatenate([mx, bx]), np.concatenate([my, by]))
    extra_ids = list(range(first_free, first_free + len(mx) + len(bx)))
    return _osm_xml(node_id[inside], lon, lat, extra_ids, mlon, mlat, ways + extra_ways)


def _background_ways(
    rng: np.random.Generator, boundary: Polygon, first_id: int
) -> tuple[np.ndarray, np.ndarray, list[tuple[list[int], dict[str, str]]]]:
    """A river (north-west to south-east), a railway (west to east), a pond and two parks.

    Returns the x, y of their nodes (EPSG:3812; ids from ``first_id`` on) and their ways.
    """
    minx, miny, maxx, maxy = boundary.buffer(450.0).bounds
    xs: list[np.ndarray] = []
    ys: list[np.ndarray] = []
    ways: list[tuple[list[int], dict[str, str]]] = []

    def add(x: np.ndarray, y: np.ndarray, tags: dict[str, str], closed: bool = False) -> None:
        start = first_id + int(sum(len(a) for a in xs))
        ids = list(range(start, start + len(x)))
        xs.append(x)
        ys.append(y)
        ways.append((ids + ids[:1] if closed else ids, tags))

    t = np.linspace(0.0, 1.0, 60)
    river_x = minx + t * (maxx - minx)
    river_y = maxy - t * (maxy - miny) * 0.55 + 180.0 * np.sin(t * 9.0 + rng.uniform(0, 6))
    add(river_x, river_y, {"waterway": "river", "name": "Beverbeek"})
    rail_x = np.linspace(minx, maxx, 30)
    rail_y = _CENTRE[1] + 900.0 + 120.0 * np.sin((rail_x - minx) / 2600.0)
    add(rail_x, rail_y, {"railway": "rail", "name": "Spoorlijn 59"})
    angles = np.linspace(0.0, 2 * np.pi, 24, endpoint=False)
    for (cx, cy), r, tags in (
        ((-1_450.0, -300.0), 170.0, {"natural": "water", "name": "Kasteelvijver"}),
        ((-1_450.0, -300.0), 420.0, {"leisure": "park", "name": "Kasteelpark"}),
        ((2_150.0, -850.0), 260.0, {"leisure": "park", "name": "Gemeentepark Hazelbeke"}),
    ):
        wobble = 1.0 + 0.12 * np.sin(3 * angles + rng.uniform(0, 6))
        add(
            _CENTRE[0] + cx + r * wobble * np.cos(angles),
            _CENTRE[1] + cy + r * 0.75 * wobble * np.sin(angles),
            tags,
            closed=True,
        )
    return np.concatenate(xs), np.concatenate(ys), ways


def _street_ways(
    rng: np.random.Generator, node_id: np.ndarray, centre_row: int, centre_col: int
) -> list[tuple[list[int], dict[str, str]]]:
    """The streets of the grid of node ids (0 = outside): one way per unbroken run along
    each row and column, with its tags (see :func:`_network_osm`)."""
    n_rows, n_cols = node_id.shape

    def row_tag(j: int) -> str:
        if j == centre_row:
            return "primary"
        if j % 10 == 3:
            return "secondary"
        if j % 5 == 0:
            return "tertiary"
        return "residential"

    def col_tag(i: int) -> str:
        if i == centre_col:
            return "secondary"
        if i % 12 == 7:
            return "tertiary"
        return "residential"

    ways: list[tuple[list[int], dict[str, str]]] = []

    def add_runs(
        ids: np.ndarray, keep_edge: np.ndarray, base_tags: dict[str, str], pedestrian_p: float
    ):
        run: list[int] = []
        for k in range(len(ids)):
            if ids[k] == 0:
                if len(run) > 1:
                    ways.append((run, dict(base_tags)))
                run = []
                continue
            if run and not keep_edge[k - 1]:
                if len(run) > 1:
                    ways.append((run, dict(base_tags)))
                run = []
            run.append(int(ids[k]))
        if len(run) > 1:
            ways.append((run, dict(base_tags)))
        # some short stretches become footpaths / cycle-and-footpaths
        if base_tags["highway"] == "residential":
            for w in list(ways[-3:]):
                if len(w[0]) > 4 and rng.random() < pedestrian_p:
                    w[1]["highway"] = "footway" if rng.random() < 0.6 else "path"
                    w[1].pop("name", None)

    for j in range(n_rows):
        keep = rng.random(n_cols - 1) > 0.11
        tag = row_tag(j)
        if tag != "residential":
            keep[:] = True
        tags = {"highway": tag, "name": _STREET_NAMES[j % len(_STREET_NAMES)]}
        if tag == "primary":
            tags.update({"name": "Steenweg", "ref": "N470", "maxspeed": "50"})
        add_runs(node_id[j, :], keep, tags, 0.15)
    for i in range(n_cols):
        keep = rng.random(n_rows - 1) > 0.11
        tag = col_tag(i)
        if tag != "residential":
            keep[:] = True
        tags = {"highway": tag, "name": _STREET_NAMES[(i * 7 + 3) % len(_STREET_NAMES)] + " "}
        tags["name"] = tags["name"].strip()
        add_runs(node_id[:, i], keep, tags, 0.15)
    # a private service road and a residential street with no foot access
    for w, extra in zip(
        ways[5::97][:2], ({"highway": "service", "access": "private"}, {"foot": "no"}), strict=False
    ):
        w[1].update(extra)

    return ways


def _osm_xml(
    node_ids: np.ndarray,
    lon: np.ndarray,
    lat: np.ndarray,
    motorway_ids: list[int],
    mlon: np.ndarray,
    mlat: np.ndarray,
    ways: list[tuple[list[int], dict[str, str]]],
) -> bytes:
    """The nodes (grid, then motorway and background) and ways as OpenStreetMap XML."""
    lines = [
        "<?xml version='1.0' encoding='UTF-8'?>",
        '<osm version="0.6" generator="buurtgeo.sample (fictional)">',
    ]
    all_lon = np.concatenate([lon, mlon])
    all_lat = np.concatenate([lat, mlat])
    lines.append(
        f'  <bounds minlat="{all_lat.min():.7f}" minlon="{all_lon.min():.7f}" '
        f'maxlat="{all_lat.max():.7f}" maxlon="{all_lon.max():.7f}"/>'
    )
    for nid, a, b in zip(node_ids, lat, lon, strict=True):
        lines.append(f'  <node id="{nid}" version="1" lat="{a:.7f}" lon="{b:.7f}"/>')
    for nid, a, b in zip(motorway_ids, mlat, mlon, strict=True):
        lines.append(f'  <node id="{nid}" version="1" lat="{a:.7f}" lon="{b:.7f}"/>')
    for way_number, (refs, tags) in enumerate(ways, start=1):
        lines.append(f'  <way id="{way_number}" version="1">')
        lines.extend(f'    <nd ref="{r}"/>' for r in refs)
        lines.extend(
            f"    <tag k={quoteattr(k)} v={quoteattr(v)}/>" for k, v in sorted(tags.items())
        )
        lines.append("  </way>")
    lines.append("</osm>")
    return ("\n".join(lines) + "\n").encode("utf-8")


def _areas_csv(rng: np.random.Generator, records: Sequence[_SectorRecord]) -> bytes:
    """Sector → wijk: contiguous-ish groups of sectors per municipality (k-means on centroids)."""
    from scipy.cluster.vq import kmeans2

    rows = []
    for m_index, m in enumerate(_MUNICIPALITIES):
        members = sorted((r for r in records if r.municipality is m), key=lambda r: r.code)
        xy = np.array([[r.geometry.centroid.x, r.geometry.centroid.y] for r in members])
        k = 4 if m_index == 0 else 3
        _centroids, labels = kmeans2(xy, k, seed=rng, minit="++")
        # number wijken west → east so ids are stable and readable
        order = np.argsort(
            [xy[labels == c, 0].mean() if np.any(labels == c) else np.inf for c in range(k)]
        )
        rank = np.empty(k, dtype=int)
        rank[order] = np.arange(k)
        # each wijk is named after its most populous sector ("Lindevoorde-Centrum" → "Centrum")
        names = {}
        for c in range(k):
            biggest = max(
                (r for r, lab in zip(members, labels, strict=True) if lab == c),
                key=lambda r: r.population,
            )
            names[c] = biggest.name.replace(
                f"{biggest.village}-Centrum", f"{biggest.village} Centrum"
            )
        for r, lab in zip(members, labels, strict=True):
            wijk = f"{m.nis}W{rank[lab] + 1:02d}"
            rows.append([r.code, wijk, names[lab]])
    return _csv_bytes(["statsec", "wijknr", "wijknaam"], rows, sep=";")


#: The columns of BIMD2011's sector file (``BIMD2011_DOMAINS_STATISTICAL_SECTOR_ELLIS_WIDE.csv``).
_BIMD_DOMAINS = ("income", "employment", "edu", "hous", "crime", "health")
_BIMD_WEIGHTS = (0.25, 0.25, 0.167, 0.167, 0.083, 0.083)


def _deprivation_csv(rng: np.random.Generator, records: Sequence[_SectorRecord]) -> bytes:
    """A FICTIONAL deprivation index per sector, in the layout of BIMD2011's sector file.

    Comma-separated, every text quoted, numbers as R writes them (15 significant
    digits), LF line ends, ASCII; ``CD_RES_SECTOR``, then per domain ``exp_score_<d>_domain``
    (higher = more deprived), ``rank_<d>_domain`` (1 = most deprived) and
    ``deciles_<d>_domain`` (1 = most deprived tenth), then ``BIMD2011_score`` (the
    domains weighted 25/25/16.7/16.7/8.3/8.3 %), ``BIMD2011_rank`` and
    ``BIMD2011_deciles_domain``. Sectors without residents have no row (as in BIMD).
    Deprivation is drawn higher near Hazelbeke's centre and in the south of Lindevoorde.
    """
    rows = [r for r in records if r.population > 0]
    hot = np.array([[1_800.0, -350.0], [-1_500.0, -1_100.0]]) + _CENTRE
    xy = np.array([[r.geometry.centroid.x, r.geometry.centroid.y] for r in rows])
    d = np.min(np.hypot(xy[:, None, 0] - hot[:, 0], xy[:, None, 1] - hot[:, 1]), axis=1)
    latent = 2.2 * np.exp(-((d / 1_100.0) ** 2)) + rng.normal(0.0, 0.35, len(rows))
    scores = {
        name: np.exp(1.6 + 0.8 * latent + rng.normal(0.0, 0.3, len(rows))) for name in _BIMD_DOMAINS
    }
    scores["BIMD2011"] = sum(
        w * scores[n] for n, w in zip(_BIMD_DOMAINS, _BIMD_WEIGHTS, strict=True)
    )

    def rank_decile(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        rank = np.empty(len(values), dtype=int)
        rank[np.argsort(-values, kind="stable")] = np.arange(1, len(values) + 1)
        return rank, np.ceil(10 * rank / len(values)).astype(int)

    header = ["CD_RES_SECTOR"]
    columns: list[list[str]] = [[f'"{r.code}"' for r in rows]]
    for name in (*_BIMD_DOMAINS, "BIMD2011"):
        rank, decile = rank_decile(scores[name])
        if name == "BIMD2011":
            header += ["BIMD2011_score", "BIMD2011_rank", "BIMD2011_deciles_domain"]
        else:
            header += [f"{p}_{name}_domain" for p in ("exp_score", "rank", "deciles")]
        columns += [
            [f"{v:.15g}" for v in scores[name]],
            [str(v) for v in rank],
            [str(v) for v in decile],
        ]
    lines = [",".join(f'"{h}"' for h in header)]
    lines += [",".join(cells) for cells in zip(*columns, strict=True)]
    return ("\n".join(lines) + "\n").encode("ascii")


def make_sample(out_dir: str | PathLike[str], *, seed: int = DEFAULT_SEED) -> dict[str, Path]:
    """Write the fictional sample study area into ``out_dir``.

    Parameters
    ----------
    out_dir : str or path-like
        Folder to write into (created when missing). Existing sample files are
        replaced atomically.
    seed : int, keyword-only, default :data:`DEFAULT_SEED`
        Seed of the random generator: the same seed gives byte-identical files.

    Returns
    -------
    dict of str to pathlib.Path
        Path of every file by role: ``sectors``, ``population``, ``age_bands``,
        ``services``, ``network``, ``areas``, ``deprivation`` (see :data:`SAMPLE_FILES`).

    Notes
    -----
    Population per sector is drawn as ``area_km2 · density · LogNormal(0, 0.22)``
    with ``density = 280 + 5200 · exp(-(d / 950 m)²)`` residents per km², ``d`` the
    distance to the nearest town or village centre; children per band are shares of
    the population (0-2: 3.2 %, 3-5: 3.4 %, 6-11: 6.8 %, 12-17: 6.4 %) times a
    per-sector factor U(0.7, 1.35) (1.9 in one new-build sector); ``children_0_17``
    is the sum of the four bands. All of it is FICTIONAL.
    """
    from buurtgeo.errors import InputError

    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise InputError("seed must be an integer", found=repr(seed), expected="e.g. 20230101")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(int(seed))
    geo = _sectors(rng)
    records = _sector_records(rng, geo)
    boundary = geo["boundary"]
    paths = sample_paths(out)
    inner = SAMPLE_FILES["sectors"].removesuffix(".zip")
    _write_zip(paths["sectors"], [(inner, _sectors_geojson(records))])
    _write_bytes(paths["population"], _population_xlsx(records))
    _write_bytes(paths["age_bands"], _age_bands_csv(records))
    childcare, city = _services_csv(_services(rng, records, boundary))
    _write_bytes(paths["childcare"], childcare)
    _write_bytes(paths["services"], city)
    # the map's background and the deprivation table draw from their own generator, so
    # that adding them left every other file as it was
    extra = np.random.default_rng([int(seed), 18])
    _write_bytes(paths["network"], _network_osm(rng, boundary, extra))
    _write_bytes(paths["areas"], _areas_csv(rng, records))
    _write_bytes(paths["deprivation"], _deprivation_csv(extra, records))
    return paths
