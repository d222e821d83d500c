"""Supply tables beside the reach: published places against places found, places by language.

* :func:`published_vs_found` puts, per municipality of the study area, the childcare
  places and locations found in the locations file beside those Opgroeien publishes
  (:func:`buurtgeo.read_published_places`), and the places per 100 children 0-2
  computed from each, with the differences::

      places_per_100_found     = 100 × Σ capacity of the locations in the municipality / C
      places_per_100_published = the workbook's figure, else 100 × published places / C

  where ``C`` is the municipality's children aged 0-2 in the study area's sectors.
* :func:`places_by_language` gives, per area and language of the service (``Taal`` /
  ``Langue`` in Brussels), the locations and places and the places per 100 of the area's
  target children: what is there for a family that needs a service it understands
  (*begrijpbaar*).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from buurtgeo.io.published import match_municipalities

__all__ = ["places_by_language", "published_vs_found"]


def _sector_of(services: Any, sectors: Any) -> pd.Series:
    """The sector each service lies in (NA outside), by point-in-polygon."""
    import shapely

    pts = np.asarray(services.geometry.array)
    geoms = np.asarray(sectors.geometry.array)
    hit = shapely.STRtree(geoms).query(pts, predicate="intersects")
    first = pd.Series(hit[1], index=hit[0]).groupby(level=0).first()
    ids = pd.Series(pd.NA, index=range(len(pts)), dtype="object")
    ids[first.index] = sectors.index.to_numpy()[first.to_numpy()]
    return pd.Series(ids.to_numpy(), index=services.index)


def published_vs_found(
    published: Sequence[pd.DataFrame],
    services: Any,
    sectors: Any,
    *,
    kind: str = "childcare_baby",
    all_sectors: Any = None,
) -> tuple[pd.DataFrame, list[str]]:
    """Places and locations found against published, per municipality (see the module).

    Parameters
    ----------
    published : sequence of DataFrame
        Tables of :func:`buurtgeo.read_published_places` (the places-and-locations
        workbook, the per-100 workbook, or both). Of each, the latest year is used.
    services : GeoDataFrame
        The services of the run (``service_kind``, ``capacity``).
    sectors : GeoDataFrame
        The study area's sectors (``municipality_nis``, ``municipality_name_nl``/``_fr``,
        ``children_0_2``).
    kind : str, default 'childcare_baby'
    all_sectors : GeoDataFrame, optional
        The whole sectors file, to tell names outside the study area from names no
        sectors file knows (the 2025 mergers, see :func:`match_municipalities`).

    Returns
    -------
    table : DataFrame, index ``municipality_nis``
        ``municipality_name_nl``, ``children_0_2``, ``places_found``,
        ``places_published``, ``places_difference`` (found − published),
        ``locations_found``, ``locations_published``, ``locations_difference``,
        ``places_per_100_found``, ``places_per_100_published``,
        ``places_per_100_difference``, ``year_published``.
    unknown : list of str
        Published municipality names that match no municipality of the sectors file.
    """
    names = all_sectors if all_sectors is not None else sectors
    munis = sectors[["municipality_nis"]].copy()
    for column in ("municipality_name_nl", "municipality_name_fr"):
        if column in sectors.columns:
            munis[column] = sectors[column]
    index = pd.Index(
        sorted(set(munis["municipality_nis"].dropna().astype(str))), name="municipality_nis"
    )
    table = pd.DataFrame(index=index)
    first_names = munis.drop_duplicates("municipality_nis").set_index("municipality_nis")
    for column in ("municipality_name_nl", "municipality_name_fr"):
        if column in first_names.columns:
            table[column] = first_names[column].reindex(index).astype("str")
    children = sectors.get("children_0_2")
    table["children_0_2"] = (
        pd.Series(
            children.to_numpy(dtype=float), index=munis["municipality_nis"].astype(str).to_numpy()
        )
        .groupby(level=0)
        .sum()
        .reindex(index)
        if children is not None
        else np.nan
    )
    mine = services[services["service_kind"] == kind]
    where = _sector_of(mine, sectors)
    inside = where.notna().to_numpy()
    muni_of = pd.Series(
        sectors["municipality_nis"].astype(str).reindex(where[inside]).to_numpy(),
        index=mine.index[inside],
    )
    cap = mine["capacity"][inside]
    table["places_found"] = (
        cap.groupby(muni_of).sum(min_count=1).reindex(index) if cap.notna().any() else np.nan
    )
    table["locations_found"] = muni_of.value_counts().reindex(index).fillna(0).astype("float64")
    unknown: list[str] = []
    for frame in published:
        if not len(frame):
            continue
        latest = frame["year"].max() if frame["year"].notna().any() else np.nan
        part = frame[frame["year"] == latest] if np.isfinite(latest) else frame
        codes, missing = match_municipalities(part["municipality_name"], names)
        unknown += [m for m in missing if m not in unknown]
        part = part.assign(municipality_nis=codes.to_numpy()).dropna(subset=["municipality_nis"])
        sums = part.groupby("municipality_nis")
        table["year_published"] = latest
        if "places" in part.columns and "places_per_100" not in part.columns:
            table["places_published"] = sums["places"].sum(min_count=1).reindex(index)
        if "locations" in part.columns:
            table["locations_published"] = sums["locations"].sum(min_count=1).reindex(index)
        if "places_per_100" in part.columns:
            table["places_per_100_published"] = sums["places_per_100"].first().reindex(index)
    for column in ("places_published", "locations_published", "places_per_100_published"):
        if column not in table.columns:
            table[column] = np.nan
    c = table["children_0_2"].where(table["children_0_2"] > 0)
    table["places_per_100_found"] = 100.0 * table["places_found"] / c
    from_places = 100.0 * table["places_published"] / c
    table["places_per_100_published"] = table["places_per_100_published"].fillna(from_places)
    table["places_difference"] = table["places_found"] - table["places_published"]
    table["locations_difference"] = table["locations_found"] - table["locations_published"]
    table["places_per_100_difference"] = (
        table["places_per_100_found"] - table["places_per_100_published"]
    )
    order = [
        "municipality_name_nl",
        "municipality_name_fr",
        "year_published",
        "children_0_2",
        "places_found",
        "places_published",
        "places_difference",
        "locations_found",
        "locations_published",
        "locations_difference",
        "places_per_100_found",
        "places_per_100_published",
        "places_per_100_difference",
    ]
    return table[[c for c in order if c in table.columns]], unknown


def places_by_language(
    services: Any,
    sectors: Any,
    sector_area: pd.Series,
    areas: Any,
    targets: Mapping[str, Sequence[str]],
) -> pd.DataFrame:
    """Locations and places per area, service kind and language (see the module).

    Returns
    -------
    DataFrame
        Columns ``area_id``, ``area_name``, ``service_kind``, ``language``, ``locations``,
        ``places`` (NaN when no capacity is known), ``target_pop`` (the kind's children
        in the area) and ``places_per_100_in_area`` (``100 × places / target_pop``); one row
        per combination present (``language`` "unknown" for services of a file without
        one). Empty when no service carries a language.
    """
    columns = [
        "area_id",
        "area_name",
        "service_kind",
        "language",
        "locations",
        "places",
        "target_pop",
        "places_per_100_in_area",
    ]
    if "language" not in services.columns or services["language"].isna().all():
        return pd.DataFrame(columns=columns)
    where = _sector_of(services, sectors)
    inside = where.notna().to_numpy()
    svc = pd.DataFrame(services[inside].drop(columns="geometry"))
    svc["area_id"] = sector_area.reindex(where[inside].to_numpy()).to_numpy()
    svc["language"] = svc["language"].fillna("unknown")  # a file without Taal/Langue
    groups = svc.groupby(["area_id", "service_kind", "language"], dropna=False)
    out = groups.agg(locations=("name", "size"), places=("capacity", lambda v: v.sum(min_count=1)))
    out = out.reset_index()
    pops = {}
    for kind, bands in targets.items():
        present = [b for b in bands if b in sectors.columns]
        per_sector = (
            sectors[present].sum(axis=1) if present else pd.Series(0.0, index=sectors.index)
        )
        pops[kind] = per_sector.groupby(sector_area.reindex(sectors.index).to_numpy()).sum()
    out["target_pop"] = [
        float(pops[k].get(a, np.nan)) if k in pops else np.nan
        for a, k in zip(out["area_id"], out["service_kind"], strict=True)
    ]
    out["places_per_100_in_area"] = (
        100.0 * out["places"] / out["target_pop"].where(out["target_pop"] > 0)
    )
    if "area_name" in areas.columns:
        out["area_name"] = areas["area_name"].reindex(out["area_id"]).to_numpy()
    else:
        out["area_name"] = None
    out["locations"] = out["locations"].astype("float64")
    return out[columns].sort_values(["area_id", "service_kind", "language"]).reset_index(drop=True)
