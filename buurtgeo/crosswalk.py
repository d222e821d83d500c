"""Counts moved between two vintages of statistical sectors (Statbel redraws them).

Statbel redrew the sectors in 2025, after the municipal mergers: of Gent's 254 sectors of
2025 only 93 carry a 2019 code. A population table of one vintage and sector polygons of
another then match badly. :func:`crosswalk_sectors` moves counts (residents, children:
extensive values) from the old sectors to the new ones:

1. a code present in both vintages is **passed through** (its count goes to the new
   sector with the same code);
2. every other old sector is **redistributed** over new sectors by a weight:

   * with the old polygons: over the new sectors it overlaps, in proportion to the
     overlap area (``weights="area"``) or to the addresses of the old sector that lie in
     each new sector (``weights=<address points>``)::

         value(new k) += value(old s) × w(s ∩ k) / Σ_k' w(s ∩ k')

   * without them (``old=None``, as when only the population table of the old vintage
     is at hand): over its **code family**, the new sectors whose code starts with the
     same eight characters (NIS code + sector base: ``44021A04-`` and ``44021A040`` →
     ``44021A04K``, ``44021A04L``), in proportion to their area or their addresses; the
     old sectors of one family are pooled first.

Totals are kept (Σ out = Σ in) except for old sectors that reach no new sector (no
overlap, or no family); those are listed with their counts in ``attrs["crosswalk"]``.
An old sector whose addresses are all outside the new sectors falls back to area.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from buurtgeo._checks import Checks
from buurtgeo.schema import SECTOR_ID

__all__ = ["crosswalk_sectors"]


def _ids(frame: Any) -> pd.Index:
    if SECTOR_ID in getattr(frame, "columns", ()):
        return pd.Index(frame[SECTOR_ID].astype(str))
    return pd.Index(frame.index.astype(str))


def _check(old: Any, new: Any, values: Any, weights: Any) -> None:
    import geopandas as gpd

    checks = Checks("crosswalk_sectors")
    if not isinstance(new, gpd.GeoDataFrame):
        checks.add(f"new must be a GeoDataFrame of sectors, got {type(new).__name__}")
    if old is not None and not isinstance(old, gpd.GeoDataFrame):
        checks.add(f"old must be a GeoDataFrame of sectors or None, got {type(old).__name__}")
    if not isinstance(values, pd.DataFrame):
        checks.add(f"values must be a DataFrame indexed by sector_id, got {type(values).__name__}")
    elif values.index.has_duplicates:
        checks.add("values has duplicate sector ids")
    if not (
        isinstance(weights, gpd.GeoDataFrame) or (isinstance(weights, str) and weights == "area")
    ):
        checks.add("weights must be 'area' or a GeoDataFrame of address points")
    frames = [f for f in (old, new) if isinstance(f, gpd.GeoDataFrame)]
    if isinstance(weights, gpd.GeoDataFrame):
        frames.append(weights)
    if frames:
        checks.crs(frames, ["old", "new", "weights"][: len(frames)])
    checks.raise_if_any()


def _pairs_overlay(old_part: Any, new: Any, weights: Any) -> pd.DataFrame:
    """(old position, new position, weight) for old sectors over the new ones."""
    import shapely

    og = np.asarray(old_part.geometry.array)
    ng = np.asarray(new.geometry.array)
    tree = shapely.STRtree(ng)
    oi, ni = tree.query(og, predicate="intersects")
    area = shapely.area(shapely.intersection(og[oi], ng[ni]))
    pairs = pd.DataFrame({"old": oi, "new": ni, "area": area})
    pairs = pairs[pairs["area"] > 0]
    pairs["w"] = pairs["area"]
    if not isinstance(weights, str):
        pts = np.asarray(weights.geometry.array)
        p_old = shapely.STRtree(og).query(pts, predicate="intersects")
        p_new = tree.query(pts, predicate="intersects")
        old_of = pd.Series(p_old[1], index=p_old[0]).groupby(level=0).first()
        new_of = pd.Series(p_new[1], index=p_new[0]).groupby(level=0).first()
        both = pd.DataFrame({"old": old_of, "new": new_of}).dropna().astype("int64")
        counts = both.groupby(["old", "new"]).size().rename("n").reset_index()
        pairs = pairs.merge(counts, on=["old", "new"], how="left").fillna({"n": 0.0})
        has = pairs.groupby("old")["n"].transform("sum") > 0
        pairs["w"] = np.where(has, pairs["n"], pairs["area"])
    return pairs[["old", "new", "w"]]


def _pairs_family(old_ids: pd.Index, new: Any, new_only: np.ndarray, weights: Any) -> pd.DataFrame:
    """(old position, new position, weight): old codes over new codes with the same 8 first
    characters (only the new codes not passed through)."""
    import shapely

    ng = np.asarray(new.geometry.array)
    new_ids = _ids(new)
    w = shapely.area(ng)
    if not isinstance(weights, str):
        pts = np.asarray(weights.geometry.array)
        hit = shapely.STRtree(ng).query(pts, predicate="intersects")
        n_addr = np.bincount(hit[1], minlength=len(ng)).astype(float)
        w = n_addr
    fam_new = pd.DataFrame({"new": np.flatnonzero(new_only), "family": new_ids[new_only].str[:8]})
    fam_old = pd.DataFrame({"old": np.arange(len(old_ids)), "family": old_ids.str[:8]})
    pairs = fam_old.merge(fam_new, on="family")
    pairs["w"] = w[pairs["new"].to_numpy()]
    if not isinstance(weights, str):  # a family without addresses: by area
        has = pairs.groupby("old")["w"].transform("sum") > 0
        area = shapely.area(ng)[pairs["new"].to_numpy()]
        pairs["w"] = np.where(has, pairs["w"], area)
    return pairs[["old", "new", "w"]]


def crosswalk_sectors(
    old: Any,
    new: Any,
    values: pd.DataFrame,
    *,
    weights: Any = "area",
    columns: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Move counts from sectors of one vintage to the sectors of another (see the module).

    Parameters
    ----------
    old : GeoDataFrame or None
        The sectors the ``values`` belong to (index or column ``sector_id``), in the CRS of
        ``new``; None: redistribute by code family (first 8 characters).
    new : GeoDataFrame
        The sectors to move the counts to (index or column ``sector_id``).
    values : DataFrame
        Index ``sector_id`` (the old codes); extensive counts (persons).
    weights : 'area' or GeoDataFrame, default 'area'
        Redistribute by area, or by address points (e.g. :func:`buurtgeo.read_addresses`)
        in the CRS of ``new``.
    columns : sequence of str, optional
        Columns of ``values`` to move; default every numeric column.

    Returns
    -------
    DataFrame
        Index ``sector_id`` = every new sector (in ``new`` order), the ``columns``
        (float64; 0 where nothing arrived). ``attrs["crosswalk"]``: ``passed_through``,
        ``redistributed`` (numbers of old sectors), ``method`` (``'overlay'`` or
        ``'code family'``), ``weights``, ``unplaced`` (old ids that reached no new
        sector), ``totals_in``, ``totals_out``, ``lost`` (per column); and
        ``attrs["report"]``, one line saying all that.
    """
    _check(old, new, values, weights)
    cols = list(columns) if columns is not None else list(values.select_dtypes("number").columns)
    vals = values[cols].apply(pd.to_numeric, errors="coerce").astype("float64").fillna(0.0)
    vals.index = pd.Index(vals.index.astype(str))
    new_ids = _ids(new)
    same = vals.index.isin(new_ids)
    out = pd.DataFrame(0.0, index=pd.Index(new_ids, name=SECTOR_ID), columns=cols)
    out.loc[vals.index[same]] = vals[same].to_numpy()
    rest = vals[~same]
    if old is None:
        new_only = ~new_ids.isin(vals.index)
        pairs = _pairs_family(rest.index, new, np.asarray(new_only), weights)
        method = "code family"
    else:
        old_ids = _ids(old)
        part = old[old_ids.isin(rest.index)]
        part_ids = _ids(part)
        pairs = _pairs_overlay(part, new, weights)
        pairs["old"] = rest.index.get_indexer(part_ids[pairs["old"].to_numpy()])
        method = "overlay"
    total_w = pairs.groupby("old")["w"].transform("sum")
    pairs = pairs[total_w > 0].assign(
        share=lambda p: p["w"] / p.groupby("old")["w"].transform("sum")
    )
    moved = rest.to_numpy()[pairs["old"].to_numpy()] * pairs["share"].to_numpy()[:, None]
    add = pd.DataFrame(moved, columns=cols).groupby(pairs["new"].to_numpy()).sum()
    out.iloc[add.index.to_numpy()] += add.to_numpy()
    placed = np.zeros(len(rest), dtype=bool)
    placed[pairs["old"].to_numpy()] = True
    unplaced = rest.index[~placed]
    totals_in = {c: float(vals[c].sum()) for c in cols}
    totals_out = {c: float(out[c].sum()) for c in cols}
    lost = {c: float(rest.loc[unplaced, c].sum()) for c in cols}
    wname = "area" if isinstance(weights, str) else "addresses"
    info = {
        "passed_through": int(same.sum()),
        "redistributed": int(placed.sum()),
        "method": method,
        "weights": wname,
        "unplaced": unplaced.tolist(),
        "totals_in": totals_in,
        "totals_out": totals_out,
        "lost": lost,
    }
    first = cols[0] if cols else None
    report = (
        f"sector vintages: {info['passed_through']} codes passed through,"
        f" {info['redistributed']} sectors redistributed by {method} ({wname})"
    )
    if first is not None:
        report += f"; {first}: {totals_in[first]:.0f} in, {totals_out[first]:.0f} out"
    if len(unplaced):
        report += (
            f"; {len(unplaced)} old sector(s) reached no new sector"
            f" ({', '.join(unplaced[:3])}{' …' if len(unplaced) > 3 else ''}"
            + (f"; {lost[first]:.0f} {first}" if first else "")
            + ")"
        )
    out.attrs["crosswalk"] = info
    out.attrs["report"] = report
    return out
