"""Dicht-bij-huis areas (wijken, quartiers) as supplied, tied to the statistical sectors.

:func:`read_areas` accepts the two ways cities publish their areas:

* **polygons** with an id and a name (Stad Gent ``stadswijken-gent.geojson``, the
  Flemish provinces' ``ggw7.shp`` wijken, the Brussels monitoring quartiers GeoJSON):
  each sector goes to the area that holds the largest part of it;
* a **sector → area table** (``statsec_ggw7.xlsx`` with ``statsec``/``ggw7``,
  ``statsec2024_ggw72024.xlsx``, Brussels ``secteurs_quartiers_2023.csv`` with
  ``id;cd_sector``): the area polygons are the union of their sectors.

Either way it checks that every sector belongs to exactly one area and reports what
does not fit (``attrs["checks"]``): sectors in no area, sectors straddling areas,
sectors listed in two areas, areas with no sector, areas that overlap.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from os import PathLike
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from buurtgeo._attrs import hold
from buurtgeo._checks import Checks
from buurtgeo.errors import InputError, MissingColumnError
from buurtgeo.io._geo import (
    read_vector,
    repair_geometries,
    set_aside_duplicates,
    to_working_crs,
    warn_user,
)
from buurtgeo.io._ledger import RowLedger
from buurtgeo.io.sectors import normalize_sector_codes
from buurtgeo.schema import AREA_ID, SECTOR_ID

__all__ = ["read_areas", "AREA_ID_COLUMNS", "AREA_NAME_COLUMNS", "CHECK_KINDS"]

#: Columns tried, in order (case-insensitive), for the area id when ``id_column`` is None.
AREA_ID_COLUMNS: tuple[str, ...] = (
    "area_id",
    "geoitem",
    "geoitem code",
    "ggw7",
    "ggw72024",
    "wijknr",
    "wijkcode",
    "quartier_id",
    "mdrc",
    "id",
    "code",
)
#: Columns tried, in order (case-insensitive), for the area name when ``name_column`` is None.
AREA_NAME_COLUMNS: tuple[str, ...] = (
    "area_name",
    "wijk",
    "wijknaam",
    "naam",
    "name",
    "name_nl",
    "nom",
    "name_fr",
)
_SECTOR_COLUMNS = ("sector_id", "cd_sector", "statsec", "statsec2024", "cd_res_sector", "nis9_code")

#: Kinds of findings in ``attrs["checks"]``.
CHECK_KINDS: Mapping[str, str] = {
    "sector_in_no_area": "sector lies in no area (or less than min_share of it does)",
    "sector_straddles_areas": "more than `tolerance` of the sector lies in other areas",
    "sector_in_two_areas": "the table lists the sector under two areas (first kept)",
    "area_with_no_sector": "area gets no sector",
    "areas_overlap": "two areas overlap by more than 1 % of the smaller one",
}
_CHECK_COLUMNS = ("kind", SECTOR_ID, AREA_ID, "other_area_id", "share")

_VECTOR_SUFFIXES = (".geojson", ".json", ".gpkg", ".shp", ".sqlite", ".db", ".zip", ".fgb")


def _pick(
    columns: list[str], wanted: str | None, candidates: tuple[str, ...], role: str, path: str
):
    if wanted is not None:
        if wanted not in columns:
            raise MissingColumnError(wanted, path=path, found_columns=columns, role=role)
        return wanted
    lowered = {c.lower(): c for c in reversed(columns)}
    for candidate in candidates:
        if candidate in lowered:
            return lowered[candidate]
    return None


def _no_id_column(source: str, columns: list[str]) -> MissingColumnError:
    return MissingColumnError(
        "area_id",
        path=source,
        found_columns=columns,
        role="area id",
        hint="Pass id_column='<column>'",
    )


def _ids(values: pd.Series) -> pd.Series:
    """Area ids as text, case kept: 7 → '7', 7.0 → '7', ' 11001W01 ' → '11001W01'."""
    if pd.api.types.is_float_dtype(values.dtype):
        whole = values.notna() & (values % 1 == 0)
        text = values.astype("str")
        text[whole] = values[whole].astype("int64").astype("str")
        values = text.where(values.notna(), pd.NA)
    elif pd.api.types.is_integer_dtype(values.dtype):
        values = values.astype("str")
    text = values.astype("str").str.strip()
    return text.where(text != "", pd.NA)


def _check_frame(rows: list[tuple]) -> pd.DataFrame:
    columns = list(zip(*rows, strict=True)) if rows else [()] * len(_CHECK_COLUMNS)
    data = {
        name: pd.Series(list(values), dtype="float64" if name == "share" else object)
        for name, values in zip(_CHECK_COLUMNS, columns, strict=True)
    }
    return pd.DataFrame(data)


def _validate(sectors: Any, min_share: float, tolerance: float) -> None:
    checks = Checks("read_areas")
    if not isinstance(sectors, gpd.GeoDataFrame):
        checks.add(f"sectors must be a GeoDataFrame (got {type(sectors).__name__})")
    else:
        if sectors.index.name != SECTOR_ID:
            checks.add(f"sectors must be indexed by {SECTOR_ID!r} (found {sectors.index.name!r})")
        elif sectors.index.has_duplicates:
            checks.add("sectors has duplicate sector ids")
        checks.crs([sectors], ["sectors"])
    if not (isinstance(min_share, int | float) and 0 < min_share <= 1):
        checks.add(f"min_share must be in (0, 1], got {min_share!r}")
    if not (isinstance(tolerance, int | float) and 0 <= tolerance < 1):
        checks.add(f"tolerance must be in [0, 1), got {tolerance!r}")
    checks.raise_if_any()


def read_areas(
    path_or_table: str | PathLike[str] | pd.DataFrame | pd.Series,
    *,
    sectors: gpd.GeoDataFrame,
    id_column: str | None = None,
    name_column: str | None = None,
    sector_column: str | None = None,
    names: Mapping[Hashable, str] | pd.Series | pd.DataFrame | str | PathLike[str] | None = None,
    layer: str | None = None,
    sheet: str | int | None = None,
    min_share: float = 0.5,
    tolerance: float = 0.05,
) -> gpd.GeoDataFrame:
    """Read dicht-bij-huis areas and tie every sector to one of them.

    Parameters
    ----------
    path_or_table : path, GeoDataFrame, DataFrame or Series
        Area **polygons** (a vector file — GeoJSON, GPKG, SHP, zipped — or a
        GeoDataFrame) or a **sector → area table** (CSV/TXT/Excel file, a DataFrame, or a
        Series of area ids on sector codes).
    sectors : GeoDataFrame
        The canonical sectors (index ``sector_id``, metric CRS), e.g. from
        :func:`buurtgeo.read_sectors`.
    id_column, name_column : str, optional
        Area id and name columns; default the first of :data:`AREA_ID_COLUMNS` /
        :data:`AREA_NAME_COLUMNS` present (case-insensitive). In a two-column table the
        column that is not the sector code is the id. Without a name the id is the name.
    sector_column : str, optional
        Sector-code column of a table; default the first of ``sector_id``,
        ``cd_sector``, ``statsec``, ``statsec2024`` … present, else the column whose
        values are most often sector codes.
    names : mapping, Series, DataFrame or path, optional
        Area names for a table: ``{area_id: name}``, a Series, or a table/vector file
        with an id and a name column (e.g. ``ggw7.xlsx`` or the quartiers GeoJSON).
    layer, sheet : optional
        Layer of a vector file, sheet of a workbook.
    min_share : float, default 0.5
        Polygons: a sector joins the area holding the largest part of it only when that
        part is at least ``min_share`` of the sector's area; areas with less than
        ``min_share`` of their own surface inside the sectors are set aside as outside
        the study area.
    tolerance : float, default 0.05
        Polygons: a sector "straddles" areas when more than ``tolerance`` of its area
        lies in areas other than its own.

    Returns
    -------
    GeoDataFrame
        Index ``area_id`` (str), ``area_name`` (str), ``municipality_nis`` (str: the
        municipality holding most of the area's sector surface; missing for an area with
        no sector), ``geometry`` (polygons as supplied in the sectors' CRS, or the union
        of the area's sectors for a table). Areas in source order.

        ``attrs``:

        * ``sector_area`` — Series ``area_id`` on ``sector_id`` for every sector that
          belongs to an area (sectors in no area are absent and listed in ``checks``);
          polygons: ``area = argmax_a |sector ∩ a|``, kept when
          ``|sector ∩ area| / |sector| >= min_share``;
        * ``sectors_outside_areas`` — list of the sectors in no area whose municipality no
          area covers at all (e.g. a national sectors file with one city's wijken); they
          are not repeated in ``checks``;
        * ``checks`` — DataFrame ``kind`` (see :data:`CHECK_KINDS`), ``sector_id``,
          ``area_id``, ``other_area_id``, ``share`` (polygons: the share of the sector in
          ``area_id``; overlaps: overlap / smaller area), one row per finding; a
          ``UserWarning`` summarises it;
        * ``set_aside``, ``rows_in``, ``source`` — the source rows not used (missing or
          duplicate ids, empty or non-polygon geometry, areas outside the sectors; table
          rows with missing or unknown (``…ZZZZ``) codes, sectors outside the sectors'
          municipalities or not in ``sectors``, sectors listed twice), each with a
          reason. Polygons: ``len(result) + len(set_aside) == rows_in``; a table:
          ``rows_used + len(set_aside) == rows_in`` (``rows_used``: one row per sector);
        * ``mode`` — ``'polygons'`` or ``'table'``.

    Raises
    ------
    InputError
        Bad arguments (all reported at once), unreadable file, no id/sector column.
    CRSError
        ``sectors`` not in a projected metric CRS.
    """
    _validate(sectors, min_share, tolerance)
    if isinstance(path_or_table, gpd.GeoDataFrame):
        return _from_polygons(
            path_or_table.reset_index(drop=True),
            "GeoDataFrame",
            sectors,
            id_column,
            name_column,
            min_share,
            tolerance,
        )
    if isinstance(path_or_table, pd.Series):
        frame = pd.DataFrame(
            {SECTOR_ID: path_or_table.index.astype(str), AREA_ID: path_or_table.to_numpy()}
        )
        return _from_table(
            frame,
            RowLedger(frame, source="Series", first_row=1),
            sectors,
            AREA_ID,
            None,
            SECTOR_ID,
            names,
        )
    if isinstance(path_or_table, pd.DataFrame):
        frame = path_or_table.reset_index(drop=True)
        return _from_table(
            frame,
            RowLedger(frame, source="DataFrame", first_row=1),
            sectors,
            id_column,
            name_column,
            sector_column,
            names,
        )
    path = Path(path_or_table)
    if path.suffix.lower() in _VECTOR_SUFFIXES:
        raw = read_vector(path, layer=layer)
        return _from_polygons(raw, str(path), sectors, id_column, name_column, min_share, tolerance)
    from buurtgeo.io._tabular import ledger_for, read_table

    frame, info = read_table(path, sheet=sheet)
    return _from_table(
        frame, ledger_for(frame, info), sectors, id_column, name_column, sector_column, names
    )


# --------------------------------------------------------------------------------------
# polygons
# --------------------------------------------------------------------------------------


def _from_polygons(
    raw: gpd.GeoDataFrame,
    source: str,
    sectors: gpd.GeoDataFrame,
    id_column: str | None,
    name_column: str | None,
    min_share: float,
    tolerance: float,
) -> gpd.GeoDataFrame:
    ledger, ids, id_col, name_col, gdf = _area_rows(raw, source, sectors, id_column, name_column)
    set_aside_duplicates(ids, ledger, column=id_col, what="area id")

    kept = np.flatnonzero(ledger.kept)
    area_geoms = np.asarray(gdf.geometry.reindex(raw.index[kept]).array, dtype=object)
    sec_geoms = np.asarray(sectors.geometry.array, dtype=object)
    sec_area = shapely.area(sec_geoms)
    pairs = _intersections(sec_geoms, area_geoms, sec_area)
    live, pairs = _set_aside_outside(pairs, area_geoms, kept, ledger, min_share)

    # sector → area with the largest overlap
    pairs = pairs.sort_values(["s", "m2", "a"], ascending=[True, False, True], kind="stable")
    total = pairs.groupby("s")["m2"].sum()
    best = pairs.groupby("s").head(1).set_index("s")
    second = pairs.groupby("s").nth(1).set_index("s")
    share = best["m2"] / sec_area[best.index]
    assigned = best.index[share.to_numpy() >= min_share]

    area_ids = ids.to_numpy(dtype=object)[kept]
    rows = []
    unassigned = np.setdiff1d(np.arange(len(sec_geoms)), assigned)
    best_a = best["a"].reindex(unassigned)
    rows += list(
        zip(
            ["sector_in_no_area"] * len(unassigned),
            sectors.index[unassigned],
            [None if pd.isna(a) else area_ids[int(a)] for a in best_a],
            [None] * len(unassigned),
            share.reindex(unassigned).fillna(0.0).astype(float),
            strict=True,
        )
    )
    other_share = (total.reindex(assigned) - best["m2"].reindex(assigned)) / sec_area[assigned]
    for s in assigned[(other_share > tolerance).to_numpy()]:
        rows.append(
            (
                "sector_straddles_areas",
                sectors.index[s],
                area_ids[best.at[s, "a"]],
                area_ids[second.at[s, "a"]] if s in second.index else None,
                float(share[s]),
            )
        )

    sector_area = pd.Series(
        area_ids[best.loc[assigned, "a"].to_numpy()],
        index=pd.Index(sectors.index[assigned], name=SECTOR_ID),
        name=AREA_ID,
        dtype="str",
    )
    live_pos = np.flatnonzero(live)
    with_sector = set(best.loc[assigned, "a"])
    for a in live_pos:
        if a not in with_sector:
            rows.append(("area_with_no_sector", None, area_ids[a], None, float("nan")))
    rows += _overlaps(area_geoms[live_pos], area_ids[live_pos])

    names = (
        raw.loc[raw.index[kept[live_pos]], name_col].astype("str").str.strip()
        if name_col
        else pd.Series(area_ids[live_pos], dtype="str")
    )
    out = gpd.GeoDataFrame(
        {
            "area_name": names.to_numpy(),
            "municipality_nis": _majority_municipality(
                sectors, sector_area, pd.Index(area_ids[live_pos])
            ),
        },
        geometry=area_geoms[live_pos],
        crs=sectors.crs,
        index=pd.Index(area_ids[live_pos], name=AREA_ID, dtype="str"),
    )
    out["area_name"] = out["area_name"].fillna(pd.Series(out.index, index=out.index))
    out = ledger.attach(out)
    return _finish(
        out, sectors, sector_area, _check_frame(rows), "polygons", gdf.attrs.get("repaired")
    )


def _area_rows(
    raw: gpd.GeoDataFrame,
    source: str,
    sectors: gpd.GeoDataFrame,
    id_column: str | None,
    name_column: str | None,
) -> tuple[RowLedger, pd.Series, str, str | None, gpd.GeoDataFrame]:
    """The area polygons in the sectors' CRS, repaired; rows without an id or a polygon
    set aside. Returns the ledger, the ids, the id and name columns and the polygons."""
    columns = [str(c) for c in raw.columns if c != raw.geometry.name]
    id_col = _pick(columns, id_column, AREA_ID_COLUMNS, "area id", source)
    if id_col is None:
        raise _no_id_column(source, columns)
    name_col = _pick(columns, name_column, AREA_NAME_COLUMNS, "area name", source)
    ledger = RowLedger(raw, source=source, first_row=1)
    ids = _ids(raw[id_col])
    ledger.set_aside(ids.isna().to_numpy(), "area id is missing", column=id_col)
    gdf = to_working_crs(raw, source=source)
    if not gdf.crs.equals(sectors.crs):
        gdf = gdf.to_crs(sectors.crs)
    gdf = repair_geometries(gdf.loc[ledger.kept], ledger)
    polygonal = pd.Series(gdf.geom_type.isin(["Polygon", "MultiPolygon"]), index=gdf.index)
    ledger.set_aside(
        ~polygonal,
        ("not a polygon: " + gdf.geom_type.astype("str")).reindex(raw.index).to_numpy(),
        column="geometry",
    )
    return ledger, ids, id_col, name_col, gdf


def _intersections(
    sec_geoms: np.ndarray, area_geoms: np.ndarray, sec_area: np.ndarray
) -> pd.DataFrame:
    """Every (sector, area) pair that intersects, with the intersection's area (m²):
    columns ``s`` and ``a`` (positions) and ``m2`` (> 0)."""
    tree = shapely.STRtree(area_geoms)
    # pairs whose interiors meet: a sector inside an area (the usual case: no
    # intersection to compute) or overlapping it partly (intersection computed);
    # pairs that only touch along a boundary are skipped
    s_in, a_in = tree.query(sec_geoms, predicate="covered_by")
    s_big, a_big = tree.query(sec_geoms, predicate="covers")  # a small area inside a sector
    s_part, a_part = tree.query(sec_geoms, predicate="overlaps")
    s_idx = np.concatenate([s_in, s_big, s_part])
    a_idx = np.concatenate([a_in, a_big, a_part])
    inter = np.concatenate(
        [
            sec_area[s_in],
            shapely.area(area_geoms[a_big]),
            shapely.area(shapely.intersection(sec_geoms[s_part], area_geoms[a_part])),
        ]
    )
    unique = ~pd.DataFrame({"s": s_idx, "a": a_idx}).duplicated().to_numpy()  # equal shapes
    s_idx, a_idx, inter = s_idx[unique], a_idx[unique], inter[unique]
    pairs = pd.DataFrame({"s": s_idx, "a": a_idx, "m2": inter})
    pairs = pairs[pairs["m2"] > 0]
    return pairs


def _set_aside_outside(
    pairs: pd.DataFrame,
    area_geoms: np.ndarray,
    kept: np.ndarray,
    ledger: RowLedger,
    min_share: float,
) -> tuple[np.ndarray, pd.DataFrame]:
    """Set aside the areas mostly outside the sectors (outside the study area).

    Returns which kept areas stay (by position) and the pairs of those areas."""
    inside = np.bincount(pairs["a"], weights=pairs["m2"], minlength=len(kept))
    own = shapely.area(area_geoms)
    inside_share = np.divide(inside, own, out=np.zeros_like(own), where=own > 0)
    outside = inside_share < min_share
    reasons = np.full(ledger.rows_in, None, dtype=object)
    reasons[kept[outside]] = [
        f"outside the sectors ({100 * s:.0f} % of the area lies in them; min_share {min_share:g})"
        for s in inside_share[outside]
    ]
    mask = np.zeros(ledger.rows_in, dtype=bool)
    mask[kept[outside]] = True
    ledger.set_aside(mask, reasons, column="geometry")
    live = ~outside
    return live, pairs[live[pairs["a"].to_numpy()]]


def _overlaps(geoms: np.ndarray, ids: np.ndarray) -> list[tuple]:
    """Pairs of areas overlapping by more than 1 % of the smaller one."""
    if len(geoms) < 2:
        return []
    tree = shapely.STRtree(geoms)
    i, j = tree.query(geoms, predicate="intersects")
    keep = i < j
    i, j = i[keep], j[keep]
    if not len(i):
        return []
    inter = shapely.area(shapely.intersection(geoms[i], geoms[j]))
    smaller = np.minimum(shapely.area(geoms[i]), shapely.area(geoms[j]))
    ratio = np.divide(inter, smaller, out=np.zeros_like(inter), where=smaller > 0)
    hit = ratio > 0.01
    return [
        ("areas_overlap", None, ids[a], ids[b], float(r))
        for a, b, r in zip(i[hit], j[hit], ratio[hit], strict=True)
    ]


def _majority_municipality(sectors, sector_area: pd.Series, area_ids: pd.Index) -> np.ndarray:
    """Per area: the municipality holding most of its sectors' surface (NA when none)."""
    if "municipality_nis" in sectors.columns:
        nis = sectors["municipality_nis"].reindex(sector_area.index)
    else:
        nis = pd.Series(sector_area.index.str[:5], index=sector_area.index)
    weight = sectors.geometry.area.reindex(sector_area.index)
    frame = pd.DataFrame(
        {"area": sector_area.to_numpy(), "nis": nis.to_numpy(), "w": weight.to_numpy()}
    )
    if frame.empty:
        return np.full(len(area_ids), None, dtype=object)
    sums = frame.groupby(["area", "nis"], sort=True)["w"].sum().reset_index()
    sums = sums.sort_values(["area", "w", "nis"], ascending=[True, False, True], kind="stable")
    top = sums.groupby("area").head(1).set_index("area")["nis"]
    return top.reindex(area_ids).to_numpy(dtype=object)


def _finish(out, sectors, sector_area, checks, mode, repaired=None):
    """Attach the mapping and the checks; sectors of municipalities that no area touches
    are not listed one by one (a national sectors file with one city's wijken) but kept
    in ``attrs["sectors_outside_areas"]``."""
    if "municipality_nis" in sectors.columns:
        nis = sectors["municipality_nis"].astype("str")
    else:
        nis = pd.Series(sectors.index.str[:5], index=sectors.index)
    covered = set(nis.reindex(sector_area.index).dropna())
    no_area = checks["kind"] == "sector_in_no_area"
    elsewhere = no_area & ~checks[SECTOR_ID].map(nis).isin(covered)
    outside = checks.loc[elsewhere, SECTOR_ID].tolist()
    checks = checks.loc[~elsewhere].reset_index(drop=True)
    out.attrs["sector_area"] = hold(sector_area)
    out.attrs["checks"] = hold(checks)
    out.attrs["sectors_outside_areas"] = outside
    out.attrs["mode"] = mode
    if repaired is not None:
        out.attrs["repaired"] = hold(repaired)
    parts = [f"{kind}: {n}" for kind, n in checks["kind"].value_counts().items()]
    if len(checks):
        first = checks.iloc[0]
        example = first[SECTOR_ID] if isinstance(first[SECTOR_ID], str) else first[AREA_ID]
        parts[-1] += f" (e.g. {example}); see attrs['checks']"
    if outside:
        parts.append(
            f"{len(outside)} sector(s) in municipalities no area covers (e.g. {outside[0]});"
            " see attrs['sectors_outside_areas']"
        )
    if parts:
        where = out.attrs.get("source", mode)
        parts_nl = [p.split(" (e.g.")[0] for p in parts if not p[0].isdigit()]
        if outside:
            parts_nl.append(
                f"{len(outside)} sector(en) in gemeenten zonder gebied (bv. {outside[0]})"
            )
        warn_user(
            f"{where}: " + ", ".join(parts),
            nl=f"{where}: controle van de gebieden (reden per sector in attrs['checks']): "
            + ", ".join(parts_nl),
        )
    return out


# --------------------------------------------------------------------------------------
# sector → area table
# --------------------------------------------------------------------------------------


def _sector_column(frame: pd.DataFrame, wanted: str | None, source: str) -> str:
    columns = [str(c) for c in frame.columns]
    hit = _pick(columns, wanted, _SECTOR_COLUMNS, "sector code", source)
    if hit is not None:
        return hit
    best, best_share = None, 0.0
    for column in columns:
        codes = normalize_sector_codes(frame[column])
        share = codes.str.fullmatch(r"[0-9]{5}[A-Z0-9]{3}[A-Z0-9-]").fillna(False).mean()
        if share > best_share:
            best, best_share = column, share
    if best is None or best_share < 0.5:
        raise MissingColumnError(
            "sector_id",
            path=source,
            found_columns=columns,
            role="sector code",
            hint="Pass sector_column='<column>'",
        )
    return best


def _names_lookup(names: Any) -> pd.Series | None:
    """Area names as a Series on area id, from the many forms ``names=`` accepts."""
    if names is None:
        return None
    if isinstance(names, Mapping):
        return pd.Series({str(k): str(v) for k, v in names.items()}, dtype="str")
    if isinstance(names, pd.Series):
        return pd.Series(
            names.astype("str").to_numpy(), index=_ids(names.index.to_series()).to_numpy()
        )
    if isinstance(names, pd.DataFrame):
        frame = names
        source = "names"
    else:
        path = Path(names)
        source = str(path)
        if path.suffix.lower() in _VECTOR_SUFFIXES:
            frame = pd.DataFrame(read_vector(path)).drop(columns="geometry")
        else:
            from buurtgeo.io._tabular import read_table

            frame, _ = read_table(path)
    columns = [str(c) for c in frame.columns]
    id_col = _pick(columns, None, AREA_ID_COLUMNS, "area id", source)
    name_col = _pick(columns, None, AREA_NAME_COLUMNS, "area name", source)
    if id_col is None or name_col is None:
        raise InputError(
            "names= needs an id and a name column",
            path=source,
            expected=f"one of {AREA_ID_COLUMNS} and one of {AREA_NAME_COLUMNS}",
            hint=f"Columns found: {columns}",
        )
    ids = _ids(frame[id_col])
    keep = ids.notna() & ~ids.duplicated()
    return pd.Series(frame.loc[keep, name_col].astype("str").to_numpy(), index=ids[keep].to_numpy())


def _from_table(
    frame: pd.DataFrame,
    ledger: RowLedger,
    sectors: gpd.GeoDataFrame,
    id_column: str | None,
    name_column: str | None,
    sector_column: str | None,
    names: Any,
) -> gpd.GeoDataFrame:
    source = ledger.source
    sec_col = _sector_column(frame, sector_column, source)
    columns = [str(c) for c in frame.columns]
    others = [c for c in columns if c != sec_col]
    id_col = _pick(others, id_column, AREA_ID_COLUMNS, "area id", source)
    if id_col is None and len(others) == 1:
        id_col = others[0]
    if id_col is None:
        raise _no_id_column(source, columns)
    name_col = _pick(
        [c for c in others if c != id_col], name_column, AREA_NAME_COLUMNS, "area name", source
    )

    from buurtgeo.io._tabular import check_duplicate_columns

    check_duplicate_columns(
        frame,
        [c for c in (sec_col, id_col, name_col) if c is not None],
        explicit=[c for c in (sector_column, id_column, name_column) if c is not None],
        path=source,
    )
    codes = normalize_sector_codes(frame[sec_col])
    ids = _ids(frame[id_col])
    ledger.set_aside(codes.isna().to_numpy(), "sector code is missing", column=sec_col)
    ledger.set_aside(ids.isna().to_numpy(), "area id is missing", column=id_col)
    unknown = codes.str.endswith("ZZZZ").fillna(False).to_numpy(dtype=bool)
    ledger.set_aside(
        unknown, "unknown sector (code ends in ZZZZ: no place on the map)", column=sec_col
    )
    municipalities = set(sectors.index.str[:5])
    if "municipality_nis" in sectors.columns:
        municipalities |= set(sectors["municipality_nis"].dropna())
    known = codes.isin(sectors.index).fillna(False).to_numpy(dtype=bool)
    elsewhere = ~codes.str[:5].isin(municipalities).fillna(False).to_numpy(dtype=bool)
    ledger.set_aside(
        ~known & elsewhere, "sector outside the sectors' municipalities", column=sec_col
    )
    ledger.set_aside(~known, "sector not in sectors (another vintage?)", column=sec_col)

    # a sector listed twice: same area → duplicate row; other area → overlap finding
    kept = pd.Series(ledger.kept, index=frame.index)
    live_codes, live_ids = codes[kept], ids[kept]
    dup = live_codes.duplicated(keep="first")
    first_area = live_ids.groupby(live_codes.to_numpy()).transform("first")
    rows = []
    reasons = pd.Series(None, index=frame.index, dtype=object)
    for i in dup[dup].index:
        if live_ids[i] == first_area[i]:
            reasons[i] = f"duplicate row for sector {live_codes[i]}"
        else:
            reasons[i] = f"sector {live_codes[i]} already in area {first_area[i]}"
            rows.append(
                ("sector_in_two_areas", live_codes[i], first_area[i], live_ids[i], float("nan"))
            )
    ledger.set_aside(
        dup.reindex(frame.index, fill_value=False).to_numpy(dtype=bool),
        reasons.to_numpy(),
        column=sec_col,
    )

    used = pd.Series(ledger.kept, index=frame.index)
    sector_area = pd.Series(
        ids[used].to_numpy(),
        index=pd.Index(codes[used].to_numpy(), name=SECTOR_ID),
        name=AREA_ID,
        dtype="str",
    )
    for s in sectors.index.difference(sector_area.index, sort=False):
        rows.append(("sector_in_no_area", s, None, None, 0.0))
    # areas mentioned for sectors in these municipalities but left without a sector
    mentioned = ids[~elsewhere & ~unknown & ids.notna().to_numpy()].unique()
    for a in pd.Index(mentioned).difference(pd.Index(sector_area.unique()), sort=False):
        rows.append(("area_with_no_sector", None, a, None, float("nan")))

    # one output row per area, in order of first appearance: its sectors dissolved
    order = pd.unique(sector_area.to_numpy())
    geoms = gpd.GeoSeries(sectors.geometry.reindex(sector_area.index).to_numpy(), crs=sectors.crs)
    dissolved = geoms.groupby(sector_area.to_numpy()).agg(lambda g: shapely.union_all(g.to_numpy()))
    area_names = pd.Series(order, index=order, dtype="str")
    if name_col is not None:
        from_table = (
            frame.loc[used.to_numpy(), name_col].astype("str").groupby(ids[used].to_numpy()).first()
        )
        area_names = from_table.reindex(order).fillna(area_names)
    lookup = _names_lookup(names)
    if lookup is not None:
        area_names = lookup.reindex(order).fillna(area_names)
    out = gpd.GeoDataFrame(
        {
            "area_name": area_names.reindex(order).to_numpy(),
            "municipality_nis": _majority_municipality(sectors, sector_area, pd.Index(order)),
        },
        geometry=dissolved.reindex(order).to_numpy(),
        crs=sectors.crs,
        index=pd.Index(order, name=AREA_ID, dtype="str"),
    )
    # accounting: rows in = rows used (one per sector) + rows set aside; the areas table has
    # one row per area, so the ledger is settled against the sector → area rows
    ledger.attach(sector_area.to_frame())
    out.attrs["set_aside"] = ledger.table()
    out.attrs["rows_in"] = ledger.rows_in
    out.attrs["rows_used"] = int(used.sum())
    out.attrs["source"] = source
    return _finish(out, sectors, sector_area, _check_frame(rows), "table")
