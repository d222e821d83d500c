"""Sector → area: proposed *dicht-bij-huis* areas and extensive/intensive aggregation.

A *buurt* that residents experience as close to home is usually a handful of
statistical sectors. This module

* proposes such areas (:func:`propose_areas`): contiguous groups of sectors of a
  target size, never crossing a municipality border, using PySAL ``spopt``
  regionalisation on a contiguity graph built per municipality;
* aggregates any sector (or origin) table to areas (:func:`aggregate_to_areas`),
  summing extensive variables (counts) and taking weighted means of intensive ones
  (rates, shares, distances).

Areas the user supplies are read by :func:`buurtgeo.read_areas`; proposed areas have
the same shape: a GeoDataFrame indexed by ``area_id`` with ``area_name``,
``municipality_nis`` and ``geometry``, and the sector → area table in
``attrs["sector_area"]`` (a Series ``area_id`` on ``sector_id``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from buurtgeo._attrs import hold
from buurtgeo._checks import Checks
from buurtgeo.aggregate import Groups
from buurtgeo.errors import InputError, MissingColumnError
from buurtgeo.schema import AREA_ID, SECTOR_ID

if TYPE_CHECKING:  # pragma: no cover
    import geopandas as gpd

__all__ = [
    "propose_areas",
    "aggregate_to_areas",
    "area_of",
    "municipality_areas",
    "sector_area_of",
    "contiguity_graph",
]

_METHODS = ("auto", "maxp", "ward", "kmeans")


# --------------------------------------------------------------------------------------
# Contiguity
# --------------------------------------------------------------------------------------


def contiguity_graph(sectors: Any):
    """Queen contiguity of polygons as a sparse adjacency matrix.

    Two sectors are neighbours when their polygons share at least one point (an edge
    or a corner: *Queen* contiguity), found with a shapely ``STRtree`` query with the
    ``intersects`` predicate.

    Parameters
    ----------
    sectors : GeoDataFrame or GeoSeries
        Polygons, one per sector, in any CRS.

    Returns
    -------
    scipy.sparse.csr_matrix
        Symmetric boolean ``n × n`` matrix in the row order of ``sectors``; the
        diagonal is empty.
    """
    import scipy.sparse as sp
    import shapely

    geoms = np.asarray(sectors.geometry.values if hasattr(sectors, "geometry") else sectors)
    n = len(geoms)
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="intersects")
    keep = left != right
    left, right = left[keep], right[keep]
    adj = sp.coo_matrix((np.ones(len(left), dtype=bool), (left, right)), shape=(n, n)).tocsr()
    return (adj + adj.T).astype(bool).tocsr()


def _link_components(geoms: np.ndarray, adj) -> tuple[Any, list[tuple[int, int, float]]]:
    """Join the connected components of ``adj`` by their shortest gaps.

    The components are linked along a minimum spanning tree of the component-to-
    component distances (metres), each tree edge becoming one link between the two
    closest sectors. Returns the connected adjacency and the links added
    ``(position_a, position_b, distance_m)``.
    """
    import scipy.sparse as sp
    import shapely
    from scipy.sparse.csgraph import connected_components, minimum_spanning_tree

    n_comp, comp = connected_components(adj, directed=False)
    if n_comp == 1:
        return adj, []
    members = [np.flatnonzero(comp == c) for c in range(n_comp)]
    hulls = np.array([shapely.union_all(geoms[m]) for m in members])
    dist = shapely.distance(hulls[:, None], hulls[None, :])
    # zero gaps (touching only through slivers) still need an edge: add a tiny epsilon
    dense = np.where(np.eye(n_comp, dtype=bool), 0.0, dist + 1e-9)
    tree = minimum_spanning_tree(dense).tocoo()
    links = []
    rows, cols = [], []
    for a, b in sorted(zip(tree.row.tolist(), tree.col.tolist(), strict=True)):
        ma, mb = members[a], members[b]
        str_b = shapely.STRtree(geoms[mb])
        (ia, ib), d = str_b.query_nearest(geoms[ma], return_distance=True, all_matches=False)
        best = int(np.argmin(d))
        pa, pb = int(ma[ia[best]]), int(mb[ib[best]])
        links.append((pa, pb, float(d[best])))
        rows += [pa, pb]
        cols += [pb, pa]
    extra = sp.coo_matrix((np.ones(len(rows), dtype=bool), (rows, cols)), shape=adj.shape)
    return (adj + extra).astype(bool).tocsr(), links


def _valid_geometries(sectors: Any) -> tuple[np.ndarray, int]:
    """The sector polygons, invalid ones repaired with ``shapely.make_valid`` (count returned).

    Rounded coordinates in open-data exports often make polygons self-touch; unions
    of such polygons fail in GEOS, so they are repaired for the area geometry only.
    """
    import shapely

    geoms = np.asarray(sectors.geometry.values)
    bad = ~shapely.is_valid(geoms)
    if bad.any():
        geoms = geoms.copy()
        geoms[bad] = shapely.make_valid(geoms[bad], method="structure", keep_collapsed=False)
    return geoms, int(bad.sum())


# --------------------------------------------------------------------------------------
# Proposed areas
# --------------------------------------------------------------------------------------


def _apportion(totals: np.ndarray, counts: np.ndarray, k: int) -> np.ndarray:
    """Split ``k`` areas over groups in proportion to ``totals`` (largest remainder).

    Every group gets at least one area and at most as many as it has sectors.
    """
    weights = totals.astype(float)
    if weights.sum() <= 0:
        weights = counts.astype(float)
    quota = k * weights / weights.sum()
    alloc = np.minimum(np.maximum(np.floor(quota).astype(int), 1), counts)
    while alloc.sum() < k:
        deficit = np.where(alloc < counts, quota - alloc, -np.inf)
        alloc[int(np.argmax(deficit))] += 1
    while alloc.sum() > k:
        surplus = np.where(alloc > 1, alloc - quota, -np.inf)
        alloc[int(np.argmax(surplus))] -= 1
    return alloc


def _regions_for_group(
    xy: np.ndarray,
    target: np.ndarray,
    adj,
    *,
    method: str,
    target_size: float | None,
    n_areas: int,
    seed: int,
    max_iterations: int,
) -> np.ndarray:
    """Labels 0..p-1 for one connected group of sectors."""
    import libpysal
    from spopt.region import RegionKMeansHeuristic, WardSpatial

    n = len(xy)
    if n == 1:
        return np.zeros(1, dtype=int)
    coo = adj.tocoo()
    neighbours: dict[int, list[int]] = {i: [] for i in range(n)}
    for i, j in zip(coo.row.tolist(), coo.col.tolist(), strict=True):
        neighbours[i].append(j)
    w = libpysal.weights.W({i: sorted(v) for i, v in neighbours.items()}, silence_warnings=True)
    # spopt draws from numpy's global generator: seed it, then restore the caller's state
    state = np.random.get_state()  # noqa: NPY002
    np.random.seed(seed)  # noqa: NPY002
    try:
        if method == "maxp":
            assert target_size is not None  # propose_areas gives 'maxp' a target size
            if target.sum() < 2 * target_size:
                return np.zeros(n, dtype=int)
            labels = _maxp_construction(xy, target, w, float(target_size), max_iterations)
        elif method == "ward":
            if n_areas <= 1:
                return np.zeros(n, dtype=int)
            frame = pd.DataFrame({"x": xy[:, 0], "y": xy[:, 1]})
            model = WardSpatial(frame, w, ["x", "y"], n_clusters=int(n_areas))
            model.solve()
            labels = np.asarray(model.labels_, dtype=int)
        else:
            if n_areas <= 1:
                return np.zeros(n, dtype=int)
            # the graph is connected here; drop_islands=True also keeps libpysal's
            # adjacency list integer (with False it turns float and spopt fails)
            model = RegionKMeansHeuristic(xy, int(n_areas), w, drop_islands=True, seed=seed)
            model.solve()
            labels = np.asarray(model.labels_, dtype=int)
    finally:
        np.random.set_state(state)  # noqa: NPY002
    _, labels = np.unique(labels, return_inverse=True)
    return labels


def _maxp_construction(
    xy: np.ndarray, target: np.ndarray, w, threshold: float, iterations: int
) -> np.ndarray:
    """Max-p regions by spopt's construction phase; the most compact of the solutions.

    spopt 0.7's ``MaxPHeuristic`` follows the construction with a simulated-annealing
    phase that loops forever when no movable sector borders another region (e.g. a
    group that ends up as one region); it is therefore not run. Among the
    constructions reaching the maximal number of regions ``p``, the one with the
    smallest total within-region city-block distance between centroids wins.
    """
    from scipy.spatial.distance import pdist, squareform
    from spopt.region import maxp as spopt_maxp

    distance = squareform(pdist(xy, metric="cityblock"))
    max_p, solutions = spopt_maxp._construction_phase(
        np.arange(len(xy)), xy, target, distance, w, threshold, 2, max(1, int(iterations))
    )
    if max_p <= 1 or not solutions:
        return np.zeros(len(xy), dtype=int)
    costs = [
        spopt_maxp._calculate_within_region_distance(regions, distance)
        for _, regions, _ in solutions
    ]
    return np.asarray(solutions[int(np.argmin(costs))][0], dtype=int)


def _check_propose(
    sectors, population, target_column, target_size, n_areas, within, method, progress
) -> pd.Series:
    """The check step of :func:`propose_areas`: every problem with its inputs, raised once.

    Returns the ``target_column`` counts as numbers (on the population index).
    """
    import geopandas as gpd

    checks = Checks("propose_areas")
    if not isinstance(sectors, gpd.GeoDataFrame):
        checks.add(f"sectors must be a GeoDataFrame, got {type(sectors).__name__}")
    if not isinstance(population, pd.DataFrame):
        checks.add(f"population must be a DataFrame, got {type(population).__name__}")
    checks.raise_if_any()  # nothing below can be checked without the two tables
    if sectors.index.has_duplicates:
        checks.add("sectors has duplicate sector ids")
    if population.index.has_duplicates:
        checks.add("population has duplicate sector ids")
    if target_column not in population.columns:
        checks.add(
            f"target_column {target_column!r} is not a population column"
            f" (found {[str(c) for c in population.columns]})"
        )
    if within is not None and within not in sectors.columns:
        checks.add(
            f"within={within!r} is not a sectors column (found {[str(c) for c in sectors.columns]})"
        )
    elif within is not None and sectors[within].isna().any():
        bad = sectors.index[sectors[within].isna().to_numpy()][:5].tolist()
        checks.add(f"sectors {bad} have no {within!r}")
    if len(sectors) and not sectors.index.isin(population.index).any():
        checks.add(
            "no sector id of sectors is in the population index"
            f" (e.g. {sectors.index[0]!r} vs {population.index[0] if len(population) else None!r});"
            " both must be indexed by sector_id"
        )
    _check_sizes(checks, sectors, target_size, n_areas, within, method)
    if progress is not None and not callable(progress):
        checks.add("progress must be a callable progress(done, total, message) or None")
    if sectors.geometry.isna().any() or sectors.geometry.is_empty.any():
        bad = sectors.index[sectors.geometry.isna() | sectors.geometry.is_empty][:5].tolist()
        checks.add(f"sectors {bad} have no geometry")
    checks.crs([sectors], ["sectors"])
    pop = None
    if target_column in population.columns:
        pop = pd.to_numeric(population[target_column], errors="coerce")
        bad = pop.index[pop.isna() & population[target_column].notna()]
        if len(bad) or (pop < 0).any():
            first = bad[0] if len(bad) else pop.index[pop < 0][0]
            checks.add(
                f"population column {target_column!r}: counts must be numbers >= 0"
                f" (found sector {first}: {population.loc[first, target_column]!r})"
            )
    checks.raise_if_any()
    assert pop is not None
    return pop


def _check_sizes(checks: Checks, sectors, target_size, n_areas, within, method) -> None:
    """``target_size`` or ``n_areas`` (one of them), and a method that can use it."""
    if (target_size is None) == (n_areas is None):
        checks.add("give exactly one of target_size (children per area) or n_areas")
    if target_size is not None and not (
        isinstance(target_size, int | float) and np.isfinite(target_size) and target_size > 0
    ):
        checks.add(f"target_size must be a number > 0, got {target_size!r}")
    if n_areas is not None:
        if not isinstance(n_areas, int | np.integer) or n_areas < 1:
            checks.add(f"n_areas must be an integer >= 1, got {n_areas!r}")
        elif n_areas > len(sectors):
            checks.add(f"n_areas={n_areas} is more than the {len(sectors)} sectors")
        elif within is not None and within in sectors.columns:
            groups = sectors[within].nunique(dropna=False)
            if n_areas < groups:
                checks.add(
                    f"n_areas={n_areas} is fewer than the {groups} groups in {within!r};"
                    " areas never cross those borders"
                )
    if method not in _METHODS:
        checks.add(f"method must be one of {_METHODS}, got {method!r}")
    elif method == "maxp" and target_size is None:
        checks.add("method='maxp' needs target_size")
    elif method in ("kmeans", "ward") and n_areas is None:
        checks.add(f"method={method!r} needs n_areas")


def propose_areas(
    sectors: gpd.GeoDataFrame,
    population: pd.DataFrame,
    *,
    target_column: str = "children_0_17",
    target_size: float | None = None,
    n_areas: int | None = None,
    within: str | None = "municipality_nis",
    method: str = "auto",
    seed: int = 0,
    max_iterations: int = 30,
    progress: Callable[[int, int, str], object] | None = None,
) -> gpd.GeoDataFrame:
    """Group contiguous sectors into *dicht-bij-huis* areas of a target size.

    Each group of sectors sharing a value of ``within`` (a municipality by default)
    is regionalised on its own, so that areas never cross those borders:

    * ``target_size=N`` (method ``'maxp'``): the construction phase of PySAL
      ``spopt.region.MaxPHeuristic`` finds as many contiguous areas as possible with
      at least ``N`` children (``Σ target_column ≥ N``) each; of ``max_iterations``
      random constructions reaching that number, the most compact wins (smallest
      ``Σ_areas Σ_{i<j in area} |x_i − x_j| + |y_i − y_j|`` over sector centroids,
      in metres). spopt's simulated-annealing phase is not run: in spopt 0.7 it can
      loop forever (see :func:`_maxp_construction`).
      A group holding fewer than ``2 N`` children becomes one area.
    * ``n_areas=K`` (methods ``'ward'``, ``'kmeans'``): the ``K`` areas are shared
      over the groups in proportion to their children (largest remainder, at least
      one per group); within a group ``k_g`` contiguous, compact areas are made from
      the sector centroids by ``spopt.region.WardSpatial`` (``'ward'``: Ward
      agglomeration restricted to contiguous merges, minimising the within-area sum
      of squared centroid distances; no randomness, fast) or
      ``spopt.region.RegionKMeansHeuristic`` (``'kmeans'``: contiguity-constrained
      k-means; pure Python, ≈ 15 s for 254 sectors into 25 areas). Sizes in children
      are not balanced.

    Contiguity is *Queen* contiguity (:func:`contiguity_graph`). A group whose
    sectors do not form one connected piece (islands, enclaves) is connected first
    by the shortest links between its pieces (a minimum spanning tree over the gaps);
    those links are listed in ``attrs["added_links"]``.

    The result is deterministic: groups and sectors are processed in sorted order and
    spopt's random draws are seeded with ``seed`` (numpy's global random state is
    restored afterwards).

    Parameters
    ----------
    sectors : GeoDataFrame
        Index ``sector_id``; polygons in a projected CRS in metres; the ``within``
        column; optionally ``sector_name_nl`` and ``municipality_name_nl`` (names).
    population : DataFrame
        Index ``sector_id``; ``target_column`` (children, persons). Sectors without a
        population row count 0 children and are listed in
        ``attrs["sectors_without_population"]``; population rows without a sector
        are ignored and listed in ``attrs["population_without_sector"]``.
    target_column : str, default ``'children_0_17'``
        The count that sizes the areas (persons).
    target_size : float, optional
        Minimum children per area (persons). Give this or ``n_areas``.
    n_areas : int, optional
        Total number of areas. Give this or ``target_size``.
    within : str or None, default ``'municipality_nis'``
        Sector column whose borders areas never cross; ``None`` for no border.
    method : {'auto', 'maxp', 'ward', 'kmeans'}
        ``'auto'``: ``'maxp'`` with ``target_size``, ``'ward'`` with ``n_areas``.
    seed : int, default 0
        Seed for spopt's heuristics.
    max_iterations : int, default 30
        Random constructions tried by the max-p heuristic (more is slower and
        sometimes more compact).
    progress : callable, optional
        Called as ``progress(done, total, message)`` after each group.

    Returns
    -------
    GeoDataFrame
        Index ``area_id`` (``'<within value>-A01'``, numbered west → east by the mean
        x of the area's sector centroids), columns ``area_name`` (the name of the
        area's most populous sector, else ``'<municipality> <nn>'``),
        ``municipality_nis`` (the ``within`` value), ``municipality_name_nl`` (when the
        sectors have it), ``n_sectors``, ``target_column``
        (children in the area, persons), ``geometry`` (union of the sectors).
        ``attrs["sector_area"]``: Series ``area_id`` on ``sector_id``, one row per
        sector. ``attrs["added_links"]``: DataFrame ``sector_a, sector_b,
        distance_m`` of links added between unconnected pieces.
        ``attrs["geometries_repaired"]``: invalid sector polygons repaired
        (``shapely.make_valid``) before the union.

    Raises
    ------
    InputError
        Listing every problem with the arguments at once.
    CRSError
        When the sectors are not in a projected CRS in metres.

    Examples
    --------
    >>> areas = bg.propose_areas(sectors, pop, target_column="children_0_17",
    ...                          target_size=800)  # doctest: +SKIP
    >>> areas.attrs["sector_area"].head()  # doctest: +SKIP
    """
    import geopandas as gpd
    import shapely

    pop = _check_propose(
        sectors, population, target_column, target_size, n_areas, within, method, progress
    )
    if method == "auto":
        method = "maxp" if target_size is not None else "ward"

    sectors = sectors.sort_index(kind="stable")
    target = pop.reindex(sectors.index).fillna(0.0).to_numpy(dtype=float)
    missing = sectors.index.difference(pop.index)
    extra = pop.index.difference(sectors.index)

    geoms, repaired = _valid_geometries(sectors)
    centroids = shapely.centroid(geoms)
    xy = np.column_stack([shapely.get_x(centroids), shapely.get_y(centroids)])
    if within is None:
        group_keys = np.zeros(len(sectors), dtype=int)
        group_names = [""]
    else:
        codes, uniques = pd.factorize(sectors[within].astype(str), sort=True)
        group_keys, group_names = codes, [str(u) for u in uniques]
    n_groups = len(group_names)
    members = [np.flatnonzero(group_keys == g) for g in range(n_groups)]
    if n_areas is not None:
        totals = np.array([target[m].sum() for m in members])
        alloc = _apportion(totals, np.array([len(m) for m in members]), int(n_areas))
    else:
        alloc = np.ones(n_groups, dtype=int)

    sector_area = np.empty(len(sectors), dtype=object)
    links: list[tuple[str, str, float]] = []
    index = sectors.index.to_numpy()
    names_nl = sectors["sector_name_nl"] if "sector_name_nl" in sectors.columns else None
    muni_names = (
        sectors["municipality_name_nl"] if "municipality_name_nl" in sectors.columns else None
    )
    rows = []
    for g, m in enumerate(members):
        adj = contiguity_graph(geoms[m])
        adj, added = _link_components(geoms[m], adj)
        links += [(index[m[a]], index[m[b]], d) for a, b, d in added]
        labels = _regions_for_group(
            xy[m],
            target[m],
            adj,
            method=method,
            target_size=target_size,
            n_areas=int(alloc[g]),
            seed=seed,
            max_iterations=max_iterations,
        )
        prefix = f"{group_names[g]}-" if within is not None else ""
        number, ids, width = _number_areas(labels, xy[m, 0], prefix)
        n_lab = len(number)
        sector_area[m] = np.asarray(ids, dtype=object)[labels]
        rows += _group_rows(
            m,
            labels,
            number,
            ids,
            width,
            group=group_names[g],
            nis=group_names[g] if within is not None else None,
            target=target,
            target_column=target_column,
            geoms=geoms,
            names_nl=names_nl,
            muni_names=muni_names,
        )
        if progress is not None:
            progress(g + 1, n_groups, f"{group_names[g] or 'all'}: {n_lab} areas")

    out = gpd.GeoDataFrame(rows, geometry="geometry", crs=sectors.crs).set_index(AREA_ID)
    out = out.sort_index()
    if muni_names is None:
        out = out.drop(columns="municipality_name_nl")
    # make duplicate names readable: add the area number
    dup = out["area_name"].duplicated(keep=False)
    if dup.any():
        out.loc[dup, "area_name"] = [
            f"{name} ({aid})"
            for name, aid in zip(out["area_name"][dup], out.index[dup], strict=True)
        ]
    out["area_name"] = out["area_name"].astype("str")
    mapping = pd.Series(sector_area, index=sectors.index.rename(SECTOR_ID), name=AREA_ID)
    out.attrs["sector_area"] = hold(mapping.astype("str"))
    out.attrs["added_links"] = hold(
        pd.DataFrame(links, columns=["sector_a", "sector_b", "distance_m"]).astype(
            {"distance_m": float}
        )
    )
    out.attrs["sectors_without_population"] = [str(s) for s in missing]
    out.attrs["population_without_sector"] = [str(s) for s in extra]
    out.attrs["method"] = method
    out.attrs["geometries_repaired"] = repaired
    return out


def _number_areas(
    labels: np.ndarray, x: np.ndarray, prefix: str
) -> tuple[np.ndarray, list[str], int]:
    """Number one group's areas west → east by the mean x of their sector centroids
    (ties: the area of the earlier sector first).

    Returns the number of each label, the ids ``'<prefix>A01'``… and the digits used.
    """
    n_lab = int(labels.max()) + 1
    mean_x = np.bincount(labels, weights=x, minlength=n_lab) / np.bincount(labels, minlength=n_lab)
    first_pos = np.array([np.flatnonzero(labels == lab)[0] for lab in range(n_lab)])
    order = np.lexsort((first_pos, mean_x))
    number = np.empty(n_lab, dtype=int)
    number[order] = np.arange(1, n_lab + 1)
    width = max(2, len(str(n_lab)))
    ids = [f"{prefix}A{num:0{width}d}" for num in number]
    return number, ids, width


def _group_rows(
    m: np.ndarray,
    labels: np.ndarray,
    number: np.ndarray,
    ids: list[str],
    width: int,
    *,
    group: str,
    nis: str | None,
    target: np.ndarray,
    target_column: str,
    geoms: np.ndarray,
    names_nl: pd.Series | None,
    muni_names: pd.Series | None,
) -> list[dict[str, Any]]:
    """One row per area of a group (sector positions ``m``): its name (the most populous
    sector's, else ``'<municipality> <nn>'``), sectors, children and polygon."""
    import shapely

    rows = []
    for lab in range(len(number)):
        pos = m[labels == lab]
        best = pos[int(np.argmax(target[pos]))]
        name = None
        if names_nl is not None and pd.notna(names_nl.iloc[best]):
            name = str(names_nl.iloc[best])
        if name is None:
            base = (
                str(muni_names.iloc[best])
                if muni_names is not None and pd.notna(muni_names.iloc[best])
                else group or "Buurt"
            )
            name = f"{base} {number[lab]:0{width}d}"
        rows.append(
            {
                AREA_ID: ids[lab],
                "area_name": name,
                "municipality_nis": nis,
                "municipality_name_nl": None
                if muni_names is None or pd.isna(muni_names.iloc[best])
                else str(muni_names.iloc[best]),
                "n_sectors": len(pos),
                target_column: float(target[pos].sum()),
                "geometry": shapely.union_all(geoms[pos]),
            }
        )
    return rows


def municipality_areas(
    sectors: gpd.GeoDataFrame, *, by: str = "municipality_nis"
) -> gpd.GeoDataFrame:
    """One area per municipality (or per value of ``by``), in the shape of proposed areas.

    Useful to compute the official same-area ratio that Opgroeien publishes per
    municipality (places per 100 children 0–2) with :func:`buurtgeo.gaps`.

    Parameters
    ----------
    sectors : GeoDataFrame
        Index ``sector_id``; the ``by`` column; optionally ``municipality_name_nl``.
    by : str, default ``'municipality_nis'``
        Column that names the areas.

    Returns
    -------
    GeoDataFrame
        Index ``area_id`` (the ``by`` value as text, sorted); ``area_name`` (the
        municipality's Dutch name when known, else the code), ``municipality_nis``
        (when ``by`` is ``'municipality_nis'``), ``n_sectors``, ``geometry`` (union of
        the sectors); ``attrs["sector_area"]``.
    """
    import geopandas as gpd
    import shapely

    if by not in sectors.columns:
        raise MissingColumnError(
            by, found_columns=[str(c) for c in sectors.columns], role="sectors"
        )
    key = sectors[by].astype("str")
    if key.isna().any():
        raise InputError(
            f"some sectors have no {by}", column=by, found=key.index[key.isna()][:5].tolist()
        )
    codes, uniques = pd.factorize(key, sort=True)
    geoms, _ = _valid_geometries(sectors)
    names = (
        sectors["municipality_name_nl"].groupby(codes).first()
        if "municipality_name_nl" in sectors.columns
        else pd.Series(np.nan, index=range(len(uniques)))
    )
    out = gpd.GeoDataFrame(
        {
            "area_name": [
                str(n) if pd.notna(n) else str(u) for n, u in zip(names, uniques, strict=True)
            ],
            "municipality_nis": list(uniques) if by == "municipality_nis" else None,
            "n_sectors": np.bincount(codes, minlength=len(uniques)),
        },
        geometry=[shapely.union_all(geoms[codes == g]) for g in range(len(uniques))],
        index=pd.Index([str(u) for u in uniques], name=AREA_ID),
        crs=sectors.crs,
    )
    if by != "municipality_nis":
        out = out.drop(columns="municipality_nis")
    out["area_name"] = out["area_name"].astype("str")
    out.attrs["sector_area"] = hold(
        pd.Series(
            np.asarray(uniques, dtype=object)[codes],
            index=sectors.index.rename(SECTOR_ID),
            name=AREA_ID,
        ).astype("str")
    )
    return out


# --------------------------------------------------------------------------------------
# Aggregation
# --------------------------------------------------------------------------------------


def sector_area_of(areas_or_mapping: Any) -> pd.Series:
    """Return the sector → area Series from an areas table or a mapping.

    Parameters
    ----------
    areas_or_mapping : GeoDataFrame, Series, DataFrame or dict
        An areas table with ``attrs["sector_area"]`` (from :func:`propose_areas` or
        :func:`buurtgeo.read_areas`), a Series ``area_id`` on ``sector_id``, a
        DataFrame with ``sector_id`` and ``area_id`` columns, or a dict.

    Returns
    -------
    Series
        ``area_id`` on ``sector_id``.
    """
    obj = areas_or_mapping
    if isinstance(obj, pd.DataFrame) and "sector_area" in obj.attrs:
        obj = obj.attrs["sector_area"]
    elif isinstance(obj, pd.DataFrame):
        if SECTOR_ID in obj.columns and AREA_ID in obj.columns:
            obj = obj.set_index(SECTOR_ID)[AREA_ID]
        else:
            raise InputError(
                "cannot find a sector → area table",
                expected=f"attrs['sector_area'] or columns {SECTOR_ID!r} and {AREA_ID!r}",
                found=[str(c) for c in obj.columns],
                hint="Pass the areas from propose_areas/read_areas or a Series area_id on sector_id",
            )
    elif isinstance(obj, Mapping):
        obj = pd.Series(dict(obj), name=AREA_ID)
    if not isinstance(obj, pd.Series):
        raise InputError(
            "sector_area must be an areas table, a Series, a DataFrame or a dict",
            found=type(obj).__name__,
        )
    if obj.index.has_duplicates:
        dup = obj.index[obj.index.duplicated()][:5].tolist()
        raise InputError("a sector appears in more than one area", column=SECTOR_ID, found=dup)
    return obj


def area_of(table: pd.DataFrame, sector_area: Any = None, *, what: str = "row") -> pd.Series:
    """The area of every row of a sector or origin table.

    Parameters
    ----------
    table : DataFrame
        With an ``area_id`` column, or a ``sector_id`` column, or indexed by sector.
    sector_area : Series, DataFrame, dict or areas table, optional
        ``area_id`` on ``sector_id`` (see :func:`sector_area_of`); not needed when
        ``table`` has an ``area_id`` column.
    what : str
        What a row is, for the error message (e.g. ``'origin'``).

    Returns
    -------
    Series
        ``area_id`` on ``table.index``.

    Raises
    ------
    InputError
        When rows belong to no area (the first ones are listed).
    """
    if AREA_ID in table.columns:
        area = table[AREA_ID]
    else:
        mapping = sector_area_of(sector_area)
        keys = table[SECTOR_ID] if SECTOR_ID in table.columns else table.index.to_series()
        area = keys.map(mapping)
    area = pd.Series(area.to_numpy(), index=table.index, name=AREA_ID)
    if area.isna().any():
        lost = table.index[area.isna().to_numpy()][:5].tolist()
        raise InputError(
            f"{int(area.isna().sum())} {what}(s) belong to no area",
            found=lost,
            hint="Give every sector an area (see the areas' attrs['sector_area']),"
            " or drop those rows on purpose first",
        )
    return area


def aggregate_to_areas(
    table: pd.DataFrame,
    sector_area: pd.Series | pd.DataFrame | Mapping[str, str] | None,
    *,
    extensive: Iterable[str] = (),
    intensive: Mapping[str, str | None] | None = None,
) -> pd.DataFrame:
    """Aggregate a sector (or origin) table to areas.

    Extensive variables (counts: children, places, services) are summed; intensive
    variables (rates, shares, distances) are weighted means::

        extensive:  X_a = Σ_{i ∈ a} x_i
        intensive:  Y_a = Σ_{i ∈ a} w_i y_i / Σ_{i ∈ a} w_i

    where the sums run over the rows of area ``a`` whose value (and weight) are known.
    An area whose values are all missing gets NaN; an intensive value whose weights
    sum to 0 gets NaN. Infinite values (e.g. an unreachable distance) make the mean
    infinite: filter them first when that is not wanted.

    Parameters
    ----------
    table : DataFrame
        One row per sector (index ``sector_id``) or per origin; when the index is not
        the sector id, a ``sector_id`` or ``area_id`` column says where each row goes.
    sector_area : Series, DataFrame, dict or areas table
        ``area_id`` on ``sector_id`` (see :func:`sector_area_of`); with an ``area_id``
        column in ``table`` it may be ``None``.
    extensive : iterable of str
        Columns to sum (their units are kept).
    intensive : dict of {column: weight column or None}
        Columns to average, each with its weight column (``None``: unweighted mean).

    Returns
    -------
    DataFrame
        Index ``area_id`` (every area of ``sector_area``, sorted); the extensive and
        intensive columns.

    Raises
    ------
    MissingColumnError
        When a named column is not in ``table`` (:class:`InputError` naming them all when
        several are missing).
    InputError
        When rows of ``table`` belong to no area (they are listed).
    """
    intensive = dict(intensive or {})
    extensive = list(extensive)
    checks = Checks("aggregate_to_areas")
    needed = extensive + list(intensive) + [w for w in intensive.values() if w is not None]
    for column in dict.fromkeys(needed):
        if column not in table.columns:
            checks.missing_column(column, "table", table.columns)
    checks.raise_if_any()
    area = area_of(table, sector_area, what="row")
    all_areas = pd.Index(area.unique())
    if sector_area is not None:
        all_areas = all_areas.union(pd.Index(sector_area_of(sector_area).unique()))
    groups = Groups(area)
    out = pd.DataFrame(index=pd.Index(groups.labels, name=AREA_ID))
    for column in extensive:
        out[column] = groups.total(_numbers(table[column]))
    for column, weight in intensive.items():
        w = None if weight is None else _numbers(table[weight])
        out[column] = groups.mean(_numbers(table[column]), w)
    return out.reindex(all_areas.sort_values()).rename_axis(AREA_ID)


def _numbers(column: pd.Series) -> np.ndarray:
    """A column as float64, NaN where it holds no number (unknown: left out)."""
    return pd.to_numeric(column, errors="coerce").to_numpy(dtype=float)
