"""Origins: the points where the children of each sector are taken to live.

Reach is measured from points. Statistical sectors give population per polygon, so
this module places each sector's counts on points, three ways:

``"point"``
    one origin per sector, at its representative point (always inside the polygon);
``"grid"``
    the sector's counts spread evenly over the centres of a regular grid
    (``spacing_m``, aligned on multiples of ``spacing_m`` in the working CRS) that fall
    inside the sector; sectors that hold no cell centre get their representative point;
``"points"``
    the counts spread over user-supplied address points (e.g. CRAB/Adressenregister
    addresses or building centroids) in proportion to an optional weight (e.g.
    dwellings); sectors without address points get their representative point;
``"addresses"``
    a sector's residents spread equally over its addresses (e.g. from
    :func:`buurtgeo.read_addresses`: BeST, Adressenregister, CRAB); sectors without any
    address fall back to the grid (then to their representative point), listed in
    ``attrs["sectors_without_addresses"]``.

In every method the sum of each count column over a sector's origins equals the
sector's count (to floating-point rounding):
``sum_{k in sector s} c_k = C_s`` with ``c_k = C_s * w_k / sum_{k' in s} w_{k'}``.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from buurtgeo import schema
from buurtgeo._checks import SHOW, Checks, shown
from buurtgeo.errors import InputError, InputWarning

if TYPE_CHECKING:  # pragma: no cover
    import geopandas as gpd

__all__ = ["origins_from_sectors", "ORIGIN_METHODS"]

#: Ways of placing a sector's population on points.
ORIGIN_METHODS: tuple[str, ...] = ("point", "grid", "points", "addresses")


def _sector_ids(sectors: Any) -> np.ndarray:
    if schema.SECTOR_ID in getattr(sectors, "columns", ()):
        return sectors[schema.SECTOR_ID].to_numpy()
    return sectors.index.to_numpy()


def _warn_zero(empty: list[Any], absent: list[Any]) -> None:
    """One warning for the sectors that get 0 people because their counts are unknown."""
    parts = []
    if empty:
        parts.append(f"{len(empty)} sector(s) have empty counts (e.g. {empty[0]!r})")
    if absent:
        parts.append(
            f"{len(absent)} sector(s) are not in the population table (e.g. {absent[0]!r})"
        )
    nl = []
    if empty:
        nl.append(f"{len(empty)} sector(en) met lege aantallen (bv. {empty[0]!r})")
    if absent:
        nl.append(f"{len(absent)} sector(en) niet in de bevolkingstabel (bv. {absent[0]!r})")
    if parts:
        warnings.warn(
            InputWarning(
                "origins_from_sectors: "
                + "; ".join(parts)
                + ": their missing counts are taken as 0 people (see attrs['empty_counts'], "
                "attrs['sectors_with_empty_counts'] and attrs['sectors_without_population'])",
                nl="herkomstpunten: " + "; ".join(nl) + ": ontbrekende aantallen tellen als 0",
            ),
            stacklevel=3,
        )


def origins_from_sectors(
    sectors: gpd.GeoDataFrame,
    population: pd.DataFrame | None = None,
    *,
    method: str = "point",
    spacing_m: float = 100.0,
    columns: Sequence[str] | None = None,
    address_points: gpd.GeoDataFrame | None = None,
    address_weight: str | None = None,
) -> gpd.GeoDataFrame:
    """Place every sector's population on points (origins for :func:`buurtgeo.reach`).

    Parameters
    ----------
    sectors : GeoDataFrame
        Sector polygons in a projected metric CRS, identified by a ``sector_id`` column
        or by the index (as :func:`buurtgeo.read_sectors` returns them).
    population : DataFrame, optional
        Counts per sector, indexed by ``sector_id`` (or with a ``sector_id`` column).
        Default: the count columns of ``sectors`` itself. Sectors missing from it get
        0 (counted in ``attrs["sectors_without_population"]``); its rows whose sector is
        not in ``sectors`` are listed in ``attrs["population_without_sector"]``; empty
        counts (NaN, or ``<NA>`` of nullable ``Int64``/``Float64`` columns, as
        :func:`buurtgeo.join_population` gives sectors without population) are taken as
        0, counted per column in ``attrs["empty_counts"]``, the sectors listed in
        ``attrs["sectors_with_empty_counts"]``, and one ``UserWarning`` names an
        example sector (also for sectors missing from the table).
    method : {'point', 'grid', 'points', 'addresses'}, default 'point'
        How to place the counts (see the module docstring).
    spacing_m : float, default 100
        Grid spacing in metres (``method='grid'``, and the fallback of
        ``'addresses'``); cell centres sit at
        ``((i + 1/2) spacing_m, (j + 1/2) spacing_m)``.
    columns : sequence of str, optional
        Count columns to spread (persons). Default: those of ``population``,
        ``children_0_2``, ``children_3_5``, ``children_6_11``, ``children_0_17`` found.
    address_points : GeoDataFrame, optional
        Points for ``method='points'`` or ``'addresses'`` (same CRS as ``sectors``). A point on a border
        between sectors goes to the first of them (in ``sectors`` order); points in no
        sector are counted in ``attrs["address_points_outside"]``.
    address_weight : str, optional
        Column of ``address_points`` with a weight >= 0 per point (e.g. dwellings);
        default equal weights. A sector whose points all weigh 0 spreads equally.

    Returns
    -------
    GeoDataFrame, index ``origin_id`` (0, 1, ... in sector order, then grid rows
    south to north and west to east, or address order)
        ``sector_id``, the count columns (float, persons; per origin
        ``c_k = C_s w_k / sum_s w``, with ``w = 1`` for grid cells), ``placement``
        ('point', 'grid', 'address' or 'representative_point' for a fallback; with
        ``'addresses'`` a sector without addresses is on 'grid') and the point
        geometry, in the sectors' CRS. ``attrs["sectors_without_addresses"]`` (methods
        'points' and 'addresses') lists the sectors that got no address.

    Examples
    --------
    >>> origins = bg.origins_from_sectors(sectors, pop, method="grid", spacing_m=100)  # doctest: +SKIP
    """
    ids, columns, values = _check(
        sectors,
        population,
        method=method,
        spacing_m=spacing_m,
        columns=columns,
        address_points=address_points,
        address_weight=address_weight,
    )
    counts, info, zero_sectors = _sector_counts(values, ids, by_table=population is not None)
    _warn_zero(*zero_sectors)
    return _place(
        sectors,
        ids,
        columns,
        counts,
        info,
        method=method,
        spacing_m=spacing_m,
        address_points=address_points,
        address_weight=address_weight,
    )


# -- the check step ---------------------------------------------------------------------
def _check(
    sectors: Any,
    population: pd.DataFrame | None,
    *,
    method: str,
    spacing_m: float,
    columns: Sequence[str] | None,
    address_points: Any,
    address_weight: str | None,
) -> tuple[np.ndarray, list[str], pd.DataFrame]:
    """Every problem with the inputs of :func:`origins_from_sectors`, raised once.

    Returns the sector ids, the count columns and their values per row of the counts
    table (float64, NaN where empty, on the table's sector ids).
    """
    import geopandas as gpd

    checks = Checks("origins_from_sectors")
    if method not in ORIGIN_METHODS:
        checks.add(f"method must be one of {list(ORIGIN_METHODS)}, got {method!r}")
    if (
        isinstance(spacing_m, bool)
        or not isinstance(spacing_m, int | float)
        or not (np.isfinite(spacing_m) and spacing_m > 0)
    ):
        checks.add(f"spacing_m must be a number of metres > 0, got {spacing_m!r}")
    if not isinstance(sectors, gpd.GeoDataFrame):
        checks.add(f"sectors must be a GeoDataFrame, got {type(sectors).__name__}")
        checks.raise_if_any()  # nothing below can be checked without sector polygons
    crs_ok = checks.crs([sectors], ["sectors"])
    ids = _check_sectors(checks, sectors)
    table, columns = _check_count_table(checks, sectors, population, columns)
    if method in ("points", "addresses"):
        _check_addresses(
            checks, sectors, address_points, address_weight, crs_ok=crs_ok, method=method
        )
    values = _check_counts(checks, table, columns) if table is not None and columns else None
    checks.raise_if_any()
    assert values is not None and columns is not None
    return ids, columns, values


def _check_sectors(checks: Checks, sectors: Any) -> np.ndarray:
    """The sector ids; every sector needs a polygon and an id of its own."""
    import shapely

    geoms = np.asarray(sectors.geometry.array)
    ids = _sector_ids(sectors)
    bad = np.asarray(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    if bad.any():
        checks.add(f"sectors {shown(ids[bad].tolist())} have no geometry")
    types = np.asarray(shapely.get_type_id(geoms))
    not_poly = ~bad & ~np.isin(types, (3, 6))  # Polygon, MultiPolygon
    if not_poly.any():
        checks.add(f"sectors {shown(ids[not_poly].tolist())} are not polygons")
    if pd.Index(ids).has_duplicates:
        checks.add(
            f"duplicate sector ids: {shown(pd.Index(ids)[pd.Index(ids).duplicated()].tolist())}"
        )
    return ids


def _check_count_table(
    checks: Checks, sectors: Any, population: pd.DataFrame | None, columns: Sequence[str] | None
) -> tuple[pd.DataFrame | None, list[str] | None]:
    """The table the counts are read from (None when they cannot be) and the count columns."""
    table = sectors
    if population is not None:
        if not isinstance(population, pd.DataFrame):
            checks.add(f"population must be a DataFrame, got {type(population).__name__}")
            return None, None if columns is None else list(columns)
        table = population
        if schema.SECTOR_ID in table.columns:
            table = table.set_index(schema.SECTOR_ID)
        if table.index.has_duplicates:
            dup = table.index[table.index.duplicated()].unique().tolist()
            checks.add(f"population has duplicate sector ids: {shown(dup)}")
            return None, None if columns is None else list(columns)
    if columns is None:
        columns = [c for c in schema.POPULATION_COLUMNS if c in table.columns]
        if not columns:
            checks.add(
                f"no count columns found (looked for {list(schema.POPULATION_COLUMNS)}); "
                "name them with columns="
            )
        return table, columns
    columns = list(columns)
    absent = [c for c in columns if c not in table.columns]
    for c in absent:
        checks.missing_column(c, "population", table.columns)
    return (None if absent else table), columns


def _check_addresses(
    checks: Checks,
    sectors: Any,
    address_points: Any,
    address_weight: str | None,
    *,
    crs_ok: bool,
    method: str = "points",
) -> None:
    """``method='points'``: address points in the sectors' CRS, with their weight column."""
    import geopandas as gpd
    import shapely

    if not isinstance(address_points, gpd.GeoDataFrame):
        checks.add(f"method={method!r} needs address_points, a GeoDataFrame of points")
        return
    atype = np.asarray(shapely.get_type_id(np.asarray(address_points.geometry.array)))
    if (atype != 0).any():
        checks.add("address_points must all be points")
    if crs_ok:  # a wrong sectors CRS is reported once
        checks.crs([sectors, address_points], ["sectors", "address_points"])
    if address_weight is not None and address_weight not in address_points.columns:
        checks.missing_column(address_weight, "address_points", address_points.columns)


def _check_counts(checks: Checks, table: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """The count columns as float64 (NaN where empty); text and negative counts are problems."""
    raw = table[list(columns)]
    # nullable dtypes (Int64/Float64 with <NA>, as join_population returns for
    # sectors without population) become float64 with NaN: pd.NA is never compared
    values = raw.apply(pd.to_numeric, errors="coerce").astype(np.float64)
    text = pd.DataFrame(
        values.isna().to_numpy() & raw.notna().to_numpy(),
        index=raw.index,
        columns=raw.columns,
    )
    if text.to_numpy().any():
        col = text.any().idxmax()
        checks.add(
            f"population column {col!r}: sectors {shown(raw.index[text[col]].tolist())}"
            " are not numbers"
        )
    neg = (values < 0).to_numpy().any(axis=1) | np.isinf(values.to_numpy()).any(axis=1)
    if neg.any():
        checks.add(f"negative or infinite counts for sectors {shown(raw.index[neg].tolist())}")
    return values


# -- the compute step -------------------------------------------------------------------
def _sector_counts(
    values: pd.DataFrame, ids: np.ndarray, *, by_table: bool
) -> tuple[np.ndarray, dict[str, Any], tuple[list[Any], list[Any]]]:
    """Counts per sector (in sector order, unknown = 0), the accounting for ``attrs``
    and the sectors whose counts were empty or absent (for the warning)."""
    info: dict[str, Any] = {}
    if by_table:
        known = pd.Index(ids)
        extra = ~values.index.isin(known)
        # plain values only in attrs (pandas compares attrs when combining frames)
        info["population_without_sector"] = values.index[extra].tolist()
        info["population_without_sector_total"] = {
            c: float(v) for c, v in values.loc[extra].sum().items()
        }
        info["sectors_without_population"] = int((~known.isin(values.index)).sum())
        absent = ~known.isin(values.index)
        values = values.reindex(known)
    else:
        absent = np.zeros(len(values), dtype=bool)
    info["empty_counts"] = {c: int(n) for c, n in values.isna().sum().items() if n}
    # sectors present in the table with an empty (NaN / <NA>) count: 0 people, reported
    empty = values.isna().to_numpy().any(axis=1) & ~absent
    info["sectors_with_empty_counts"] = values.index[empty].tolist()
    zero_sectors = (values.index[empty].tolist(), values.index[absent].tolist())
    return values.fillna(0.0).to_numpy(dtype=np.float64), info, zero_sectors


def _place(
    sectors: Any,
    ids: np.ndarray,
    columns: list[str],
    counts: np.ndarray,
    info: dict[str, Any],
    *,
    method: str,
    spacing_m: float,
    address_points: Any,
    address_weight: str | None,
) -> Any:
    """The origins: each sector's counts spread over its points (see the module docstring)."""
    import geopandas as gpd
    import shapely

    geoms = np.asarray(sectors.geometry.array)
    n = len(geoms)
    if method == "point":
        owner = np.arange(n)
        share = np.ones(n)
        pts = shapely.point_on_surface(geoms)
        placement = np.full(n, "point", dtype=object)
    elif method == "grid":
        owner, pts = _grid(geoms, float(spacing_m))
        owner, pts, placement = _with_fallback(owner, pts, geoms, "grid")
        share = 1.0 / np.bincount(owner, minlength=n)[owner]
    else:
        owner, pts, weight, outside = _addresses(geoms, address_points, address_weight)
        info["address_points_outside"] = outside
        without = np.flatnonzero(np.bincount(owner, minlength=n) == 0)
        info["sectors_without_addresses"] = ids[without].tolist()
        if method == "addresses" and len(without):
            owner, pts, weight = _grid_for(owner, pts, weight, geoms, without, spacing_m)
        total = np.bincount(owner, weights=weight, minlength=n)
        npts = np.bincount(owner, minlength=n)
        # all-zero weights in a sector: equal shares
        weight = np.where(total[owner] > 0, weight, 1.0)
        total = np.where(total > 0, total, npts)
        owner, pts, placement, weight = _with_fallback(owner, pts, geoms, "address", weight)
        if method == "addresses" and len(without):
            on_grid = np.isin(owner, without) & (placement == "address")
            placement[on_grid] = "grid"
        total = np.bincount(owner, weights=weight, minlength=n)
        share = weight / total[owner]
    data = {schema.SECTOR_ID: ids[owner]}
    for k, c in enumerate(columns):
        data[c] = counts[owner, k] * share
    data["placement"] = placement
    out = gpd.GeoDataFrame(
        data,
        geometry=np.asarray(pts),
        crs=sectors.crs,
        index=pd.RangeIndex(len(owner), name="origin_id"),
    )
    out["placement"] = out["placement"].astype("str")
    out.attrs.update(info)
    out.attrs["method"] = method
    return out


def _grid(geoms: np.ndarray, spacing: float) -> tuple[np.ndarray, np.ndarray]:
    """Cell centres inside each polygon: (owner sector position, points), vectorised."""
    import shapely

    bounds = shapely.bounds(geoms)
    # centres (k + 1/2) * s with minx <= centre <= maxx
    ix0 = np.ceil(bounds[:, 0] / spacing - 0.5).astype(np.int64)
    ix1 = np.floor(bounds[:, 2] / spacing - 0.5).astype(np.int64)
    iy0 = np.ceil(bounds[:, 1] / spacing - 0.5).astype(np.int64)
    iy1 = np.floor(bounds[:, 3] / spacing - 0.5).astype(np.int64)
    nx = np.maximum(ix1 - ix0 + 1, 0)
    ny = np.maximum(iy1 - iy0 + 1, 0)
    per = nx * ny
    owner_parts, x_parts, y_parts = [], [], []
    shapely.prepare(geoms)
    # blocks of sectors keep the candidate arrays small
    cum = np.cumsum(per)
    lo = 0
    while lo < len(geoms):
        base = cum[lo - 1] if lo else 0
        hi = max(int(np.searchsorted(cum, base + 4_000_000, side="right")), lo + 1)
        sl = slice(lo, hi)
        p = per[sl]
        total = int(p.sum())
        rep = np.repeat(np.arange(lo, hi), p)
        k = np.arange(total, dtype=np.int64) - (np.cumsum(p) - p)[rep - lo]
        x = (ix0[rep] + k % nx[rep] + 0.5) * spacing
        y = (iy0[rep] + k // nx[rep] + 0.5) * spacing
        inside = shapely.contains_xy(geoms[rep], x, y)
        owner_parts.append(rep[inside])
        x_parts.append(x[inside])
        y_parts.append(y[inside])
        lo = hi
    owner = np.concatenate(owner_parts) if owner_parts else np.zeros(0, np.int64)
    x = np.concatenate(x_parts) if x_parts else np.zeros(0)
    y = np.concatenate(y_parts) if y_parts else np.zeros(0)
    return owner, shapely.points(np.column_stack([x, y]))


def _addresses(
    geoms: np.ndarray, address_points: Any, weight_column: str | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """Assign address points to sectors (first sector wins on borders)."""
    import shapely

    pts = np.asarray(address_points.geometry.array)
    tree = shapely.STRtree(geoms)
    pt_idx, sec_idx = tree.query(pts, predicate="intersects")
    order = np.lexsort((sec_idx, pt_idx))
    pt_idx, sec_idx = pt_idx[order], sec_idx[order]
    first = np.r_[True, pt_idx[1:] != pt_idx[:-1]] if len(pt_idx) else np.zeros(0, dtype=bool)
    pt_idx, sec_idx = pt_idx[first], sec_idx[first]
    if weight_column is None:
        weight = np.ones(len(pt_idx))
    else:
        w = pd.to_numeric(address_points[weight_column], errors="coerce").to_numpy(np.float64)
        bad = ~np.isfinite(w) | (w < 0)
        if bad.any():
            raise InputError(
                f"address_points column {weight_column!r}: rows "
                f"{shown(address_points.index[bad].tolist())} are not weights >= 0",
                column=weight_column,
                expected="a number >= 0",
                found=address_points[weight_column][bad].head(SHOW).tolist(),
            )
        weight = w[pt_idx]
    # sector order, then address order
    order = np.lexsort((pt_idx, sec_idx))
    outside = int(len(pts) - len(pt_idx))
    return sec_idx[order].astype(np.int64), pts[pt_idx[order]], weight[order], outside


def _grid_for(
    owner: np.ndarray,
    pts: np.ndarray,
    weight: np.ndarray,
    geoms: np.ndarray,
    sectors: np.ndarray,
    spacing: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Grid cells (weight 1 each) for the ``sectors`` that got no address, in sector order."""
    g_owner, g_pts = _grid(geoms[sectors], float(spacing))
    owner = np.concatenate([owner, sectors[g_owner]])
    pts = np.concatenate([np.asarray(pts), np.asarray(g_pts)])
    weight = np.concatenate([weight, np.ones(len(g_owner))])
    order = np.argsort(owner, kind="stable")
    return owner[order], pts[order], weight[order]


def _with_fallback(
    owner: np.ndarray,
    pts: np.ndarray,
    geoms: np.ndarray,
    label: str,
    weight: np.ndarray | None = None,
):
    """Add the representative point of every sector that got no point, keep sector order."""
    import shapely

    n = len(geoms)
    empty = np.flatnonzero(np.bincount(owner, minlength=n) == 0)
    placement = np.full(len(owner), label, dtype=object)
    if len(empty):
        owner = np.concatenate([owner, empty])
        pts = np.concatenate([np.asarray(pts), shapely.point_on_surface(geoms[empty])])
        placement = np.concatenate(
            [placement, np.full(len(empty), "representative_point", dtype=object)]
        )
        if weight is not None:
            weight = np.concatenate([weight, np.ones(len(empty))])
        order = np.argsort(owner, kind="stable")
        owner, pts, placement = owner[order], pts[order], placement[order]
        if weight is not None:
            weight = weight[order]
    if weight is None:
        return owner, pts, placement
    return owner, pts, placement, weight
