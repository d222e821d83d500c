"""Schools and services in their published layouts: POI service, Onderwijs API, FWB."""

from __future__ import annotations

import json
import warnings

import pandas as pd
import pytest

import buurtgeo as bg
from buurtgeo.errors import InputError


def _read(*args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # no capacity column: known here
        return bg.read_services(*args, **kwargs)


def _poi_feature(fid, cat, txt, name, lon, lat, upper=False):
    props = {
        "categorie": cat,
        "categorietxt": txt,
        "id": fid,
        "naam": name,
        "via": f"http://poi.api.geopunt.be/v1/core?id={fid}",
        "adres": "Duffelsesteenweg 353, 2550 Kontich",
        "x": lon,
        "y": lat,
    }
    if upper:
        props = {k.upper(): v for k, v in props.items()}
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
        "properties": props,
    }


@pytest.mark.parametrize("upper", [False, True])
def test_poi_geojson_kinds_and_set_aside(tmp_path, upper):
    feats = [
        _poi_feature(
            146885,
            "GroepsopvangBabysEnPeuters",
            "Groepsopvang baby's en peuters",
            "De Drie Klavertjes",
            4.4783,
            51.1144,
            upper,
        ),
        _poi_feature(147000, "Basisonderwijs", "Basisonderwijs", "GBS Kontich", 4.45, 51.13, upper),
        _poi_feature(
            147001,
            "Secundair onderwijs",
            "Secundair onderwijs",
            "Sint-Ritacollege",
            4.44,
            51.13,
            upper,
        ),
        _poi_feature(
            147002, "OpenluchtSportvelden", "Openlucht sportvelden", "Sportpark", 4.46, 51.12, upper
        ),
    ]
    path = tmp_path / "poi.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": feats}), "utf-8")
    services = _read(path)
    assert services.attrs["layout"] == "poi_vlaanderen"
    assert services["service_kind"].to_dict() == {
        "146885": "childcare_baby",
        "147000": "primary_school",
    }
    assert services.loc["146885", "name"] == "De Drie Klavertjes"
    aside = services.attrs["set_aside"]
    assert len(services) + len(aside) == 4 == services.attrs["rows_in"]
    reasons = aside["reason"].tolist()
    assert reasons[0].startswith("'Secundair onderwijs': secondary school")
    assert "'Openlucht sportvelden'" in reasons[1]  # unknown: its value is the reason
    # kind_map keeps what is set aside by default
    kept = _read(path, kind_map={"Secundair onderwijs": "primary_school"})
    assert len(kept) == 3


def _onderwijs_page(rows):
    return {"meta": {"page": 1, "total_pages": 1, "size": 100}, "content": rows}


def _location(nr, vest, lat, lon):
    return {
        "instelling_nummer": nr,
        "instellingslocatie_vestigingsnummer": vest,
        "instellingslocatie_provincie": "Oost-Vlaanderen",
        "instellingslocatie_straatnaam": "Kouter",
        "instellingslocatie_huisnummer": "1",
        "instellingslocatie_postcode": "9000",
        "instellingslocatie_gemeente": "Gent",
        "instellingslocatie_gemeente_nis": "44021",
        "gps_breedtegraad": lat,
        "gps_lengtegraad": lon,
        "instellingslocatie_telefoonnummers": ["09 123 45 67"],
    }


def test_onderwijs_api_page_needs_kind_and_sets_aside_rows_without_gps(tmp_path):
    path = tmp_path / "instellingslocatie_page1.json"
    rows = [
        _location(12345, 1, 51.05, 3.72),
        _location(12345, 2, 51.06, 3.73),  # same school, second site: its own id
        _location(23456, 1, None, None),  # no GPS
    ]
    path.write_text(json.dumps(_onderwijs_page(rows)), "utf-8")
    with pytest.raises(InputError, match="primary schools is not known"):
        _read(path)
    services = _read(path, kind="primary_school")
    assert services.attrs["layout"] == "onderwijs_vlaanderen"
    assert services.index.tolist() == ["12345-1", "12345-2"]
    aside = services.attrs["set_aside"]
    assert len(aside) == 1 and aside["row"].iloc[0] == 3
    assert "coordinates" in aside["reason"].iloc[0]
    assert services.crs.to_epsg() == 3812


def _fwb_record(impl, name, kind, lat, lon):
    return {
        "reseau": "WBE",
        "ndeg_fase_de_l_etablissement": 100,
        "ndeg_fase_de_l_implantation": impl,
        "nom_de_l_etablissement": name,
        "type_d_enseignement": kind,
        "genre": "Ordinaire",
        "niveau": "Fondamental",
        "adresse_de_l_implantation": "Rue du Trône 1",
        "code_postal_de_l_implantation": "1050",
        "commune_de_l_implantation": "Ixelles",
        "latitude": lat,
        "longitude": lon,
    }


FWB = [
    _fwb_record(501, "Ecole du Trône", "Maternel ordinaire", 50.835, 4.370),
    _fwb_record(501, "Ecole du Trône", "Primaire ordinaire", 50.835, 4.370),
    _fwb_record(502, "Athénée", "Secondaire ordinaire", 50.830, 4.372),
    _fwb_record(503, "Ecole spéciale", "Primaire spécialisé", 50.828, 4.371),
    _fwb_record(504, "HE", "Haute École", 50.829, 4.369),
]


def _check_fwb(services):
    assert services.attrs["layout"] == "fwb_signaletique"
    assert services["service_kind"].to_dict() == {
        "501-Maternel ordinaire": "nursery_school",
        "501-Primaire ordinaire": "primary_school",
    }
    aside = services.attrs["set_aside"]
    assert len(services) + len(aside) == 5 == services.attrs["rows_in"]
    reasons = aside["reason"].tolist()
    assert "secondary school" in reasons[0] and "special education" in reasons[1]
    assert reasons[2].startswith("unknown service kind 'Haute École'")


def test_fwb_geojson(tmp_path):
    feats = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [r["longitude"], r["latitude"]]},
            "properties": r,
        }
        for r in FWB
    ]
    path = tmp_path / "signaletique-fase.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": feats}), "utf-8")
    _check_fwb(_read(path))


def test_fwb_json_records(tmp_path):
    path = tmp_path / "signaletique-fase.json"
    path.write_text(json.dumps(FWB), "utf-8")
    _check_fwb(_read(path))


def test_fwb_csv_export_with_display_labels(tmp_path):
    labels = {
        "reseau": "Réseau",
        "ndeg_fase_de_l_etablissement": "N° FASE de l'établissement",
        "ndeg_fase_de_l_implantation": "N° FASE de l'implantation",
        "nom_de_l_etablissement": "Nom de l'établissement",
        "type_d_enseignement": "Type d'enseignement",
        "genre": "Genre",
        "niveau": "Niveau",
        "adresse_de_l_implantation": "Adresse de l'implantation",
        "code_postal_de_l_implantation": "Code postal de l'implantation",
        "commune_de_l_implantation": "Commune de l'implantation",
        "latitude": "Latitude",
        "longitude": "Longitude",
    }
    frame = pd.DataFrame(FWB).rename(columns=labels)
    path = tmp_path / "signaletique-fase.csv"
    path.write_bytes(("\ufeff" + frame.to_csv(sep=";", index=False)).encode("utf-8"))
    _check_fwb(_read(path))


def test_library_points(tmp_path):
    frame = pd.DataFrame(
        {
            "Naam": ["Bib Gent De Krook", "Bib Ledeberg", "Bib Zwijnaarde", "Bib in het OCMW"],
            "Type": ["Hoofdbibliotheek", "Bedieningspunt", "Filiaal", "Servicepunt"],
            "X": [105000.0, 106000.0, 104000.0, 105500.0],
            "Y": [193000.0, 192000.0, 190000.0, 193500.0],
        }
    )
    path = tmp_path / "bibliotheken.csv"
    frame.to_csv(path, sep=";", index=False)
    by_type = _read(path, columns={"service_kind": "Type"})
    assert len(by_type) == 3 and (by_type["service_kind"] == "library").all()
    assert "servicepunt" in by_type.attrs["set_aside"]["reason"].iloc[0]
    # the whole file as libraries: the Type column still sets the servicepunt aside
    whole = _read(path, kind="library")
    assert len(whole) == 3 and len(whole.attrs["set_aside"]) == 1
    kept = _read(path, kind="library", kind_map={"Servicepunt": "library"})
    assert len(kept) == 4
