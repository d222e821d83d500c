"""Service areas: the ground within each service's catchment, over the streets.

:func:`service_areas` turns the network distances from each service into the part of
the street network it reaches within its catchment, buffered into a polygon: the area
a planner can see on a map ("who lives within 1 km walking of this crèche?"), written
as the ``catchments`` layer of ``indicators.gpkg``. Without a network it returns
straight-line circles, and says so in its ``method`` column.

How a service meets the street follows the semantics of every network measure (see
DESIGN.md): the service P joins the nearest street segment at Q, the closest point of
that segment's own line; the straight offset o = |PQ| is added; from Q the search runs
to both ends of the segment. With f the position of Q along the segment (0 at its end
u, 1 at v) and L its length, the two ends start at distances o + f·L and o + (1 − f)·L,
and :meth:`buurtgeo.Network.pairs_within` gives every node within the catchment R.
An edge (u, v) of length L whose ends are reached at d_u and d_v is reached over
[0, R − d_u] from u and over [L − (R − d_v), L] from v (the whole edge when the two
meet); the service's own segment is reached over [f·L − (R − o), f·L + (R − o)].
These pieces of street, and the straight way P → Q, buffered by ``buffer_m``, make the
service area.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from buurtgeo._checks import Checks

if TYPE_CHECKING:  # pragma: no cover
    import geopandas as gpd

    from buurtgeo.network import Network

__all__ = ["service_areas"]


def _radius_per_service(services: Any, catchment_m: Any) -> np.ndarray:
    """The catchment (metres) of each service: one number, per kind, or the kind's default."""
    from buurtgeo.schema import service_kinds

    known = service_kinds()
    kinds = services["service_kind"].astype(str).to_numpy()
    out = np.empty(len(services))
    for i, kind in enumerate(kinds):
        if isinstance(catchment_m, Mapping) and kind in catchment_m:
            out[i] = float(catchment_m[kind])
        elif catchment_m is not None and not isinstance(catchment_m, Mapping):
            out[i] = float(catchment_m)
        else:
            out[i] = float(known[kind].catchment_m)
    return out


def _check_service_areas(services: Any, network: Any, catchment_m: Any, buffer_m: Any) -> None:
    """The check step of :func:`service_areas`: every problem at once."""
    import geopandas as gpd

    from buurtgeo.schema import service_kinds

    checks = Checks("service_areas")
    frames: list[Any] = []
    names: list[str] = []
    if not isinstance(services, gpd.GeoDataFrame):
        checks.add(f"services must be a GeoDataFrame of points, got {type(services).__name__}")
    else:
        checks.points(services, "services")
        frames.append(services)
        names.append("services")
        if "service_kind" not in services.columns:
            checks.missing_column("service_kind", "services", services.columns)
        elif not isinstance(catchment_m, int | float) or isinstance(catchment_m, bool):
            given = catchment_m if isinstance(catchment_m, Mapping) else {}
            unknown = sorted(
                set(services["service_kind"].astype(str)) - set(given) - set(service_kinds())
            )
            if unknown:
                checks.add(f"no catchment for the kinds {unknown}: give catchment_m")
    values = catchment_m.values() if isinstance(catchment_m, Mapping) else [catchment_m]
    for value in values:
        if value is not None:
            checks.radius(value, "catchment_m")
    if not (isinstance(buffer_m, int | float) and np.isfinite(buffer_m) and buffer_m > 0):
        checks.add(f"buffer_m must be a positive number of metres, got {buffer_m!r}")
    checks.crs_with_network(frames, names, network)
    checks.raise_if_any()


def service_areas(
    services: gpd.GeoDataFrame,
    *,
    network: Network | None = None,
    catchment_m: float | Mapping[str, float] | None = None,
    buffer_m: float = 50.0,
    fill_holes_m2: float = 100_000.0,
) -> gpd.GeoDataFrame:
    """The area within each service's catchment: over the streets, or a circle without them.

    Over a network, the pieces of street a service reaches within its catchment R
    (network metres, measured as :func:`buurtgeo.reach` measures them; formulas in the
    module docstring), buffered by ``buffer_m``: the homes along those streets (with the
    straight way from the service to its street). Without a network, the circle of
    radius R around the service (straight line).

    Parameters
    ----------
    services : geopandas.GeoDataFrame
        Points with ``service_kind`` (and optionally ``name``), in a projected CRS in
        metres (the network's).
    network : buurtgeo.Network, optional
        The street network (from :func:`buurtgeo.read_network`); None: circles.
    catchment_m : float or mapping kind → float, optional
        Catchment in metres, for every service or per kind; default each kind's
        :attr:`buurtgeo.ServiceKind.catchment_m`.
    buffer_m : float, default 50
        Half-width of the band along the reached streets, metres.
    fill_holes_m2 : float, default 100,000 (10 ha)
        Holes of the band smaller than this are filled: a block whose streets are all
        reached is reached (its homes face those streets); larger holes (a park, a
        field, a lake between reached streets) stay. 0 keeps every hole.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per service, on its index: ``service_kind``, ``name`` (when given),
        ``catchment_m``, ``method`` (``'network'`` or ``'straight_line'``), ``buffer_m``
        (NaN for circles), ``street_m`` (metres of street reached; NaN for circles) and
        the polygon (empty when the service lies farther than R from every street).
    """
    import geopandas as gpd
    import shapely

    _check_service_areas(services, network, catchment_m, buffer_m)
    radius = _radius_per_service(services, catchment_m)
    pts = np.asarray(services.geometry.values)
    if network is None:
        geoms = shapely.buffer(pts, radius, quad_segs=16)
        street = np.full(len(services), np.nan)
        method, band = "straight_line", np.nan
    else:
        geoms, street = _network_areas(network, pts, radius, float(buffer_m))
        geoms = _fill_holes(geoms, float(fill_holes_m2))
        method, band = "network", float(buffer_m)
    columns = {"service_kind": services["service_kind"].astype(str).to_numpy()}
    if "name" in services.columns:
        columns["name"] = services["name"].to_numpy()
    out = gpd.GeoDataFrame(
        {
            **columns,
            "catchment_m": radius,
            "method": method,
            "buffer_m": band,
            "street_m": street,
        },
        geometry=geoms,
        index=services.index,
        crs=services.crs,
    )
    return out


def _fill_holes(geoms: np.ndarray, below_m2: float) -> np.ndarray:
    """Each polygon without its holes of less than ``below_m2`` square metres."""
    import shapely

    if below_m2 <= 0:
        return geoms
    out = geoms.copy()
    for i, geom in enumerate(geoms):
        if geom.is_empty:
            continue
        parts = [
            shapely.Polygon(
                p.exterior, [h for h in p.interiors if shapely.Polygon(h).area >= below_m2]
            )
            for p in shapely.get_parts(geom)
        ]
        out[i] = shapely.union_all(parts) if len(parts) > 1 else parts[0]
    return out


def _snap_to_edges(network: Any, edges: Any, pts: np.ndarray) -> tuple[np.ndarray, ...]:
    """Each point's nearest edge, its offset |PQ| and the fraction f of Q from the edge's u."""
    import shapely

    lines = np.asarray(edges.geometry.values)
    tree = shapely.STRtree(lines)
    (p_idx, e_idx), dist = tree.query_nearest(pts, return_distance=True, all_matches=False)
    edge = np.empty(len(pts), dtype=np.int64)
    offset = np.empty(len(pts))
    edge[p_idx] = e_idx
    offset[p_idx] = dist
    line = lines[edge]
    along = shapely.line_locate_point(line, pts, normalized=True)
    flip = _starts_at_v(network, edges, edge)
    frac = np.where(flip, 1.0 - along, along)
    return edge, offset, frac


def _starts_at_v(network: Any, edges: Any, edge: np.ndarray) -> np.ndarray:
    """True where an edge's line is drawn from its node v to its node u."""
    import shapely

    first = shapely.get_point(np.asarray(edges.geometry.values)[edge], 0)
    u = edges["u"].to_numpy()[edge]
    v = edges["v"].to_numpy()[edge]
    fx, fy = shapely.get_x(first), shapely.get_y(first)
    du = np.hypot(fx - network.node_x[u], fy - network.node_y[u])
    dv = np.hypot(fx - network.node_x[v], fy - network.node_y[v])
    return dv < du


def _network_areas(
    network: Any, pts: np.ndarray, radius: np.ndarray, buffer_m: float
) -> tuple[np.ndarray, np.ndarray]:
    """Polygons and metres of street reached per service (see the module docstring)."""
    import shapely

    edges = network.edges()
    n_s = len(pts)
    if n_s == 0 or len(edges) == 0:
        return np.array([shapely.Polygon()] * n_s, dtype=object), np.zeros(n_s)
    u_all = edges["u"].to_numpy()
    v_all = edges["v"].to_numpy()
    length = edges["length_m"].to_numpy(dtype=float)
    own, offset, frac = _snap_to_edges(network, edges, pts)
    # two sources per service: the ends of its own edge
    src_node = np.concatenate([u_all[own], v_all[own]])
    src_off = np.concatenate([offset + frac * length[own], offset + (1 - frac) * length[own]])
    src_r = np.concatenate([radius, radius])
    ok = src_off <= src_r
    src_index = np.flatnonzero(ok)
    s_i, node, dist = network.pairs_within(src_node[ok], src_r[ok], src_off[ok])
    service = src_index[s_i] % n_s
    pieces = _edge_pieces(network, u_all, v_all, length, service, node, dist, radius, own)
    svc, edge, start, end = _own_edges(pieces, own, offset, frac, length, radius)
    real = end - start > 1e-9  # a piece of no length adds nothing
    svc, edge, start, end = svc[real], edge[real], start[real], end[real]
    lines = _substrings(network, edges, edge, start, end, length)
    street = np.bincount(svc, weights=end - start, minlength=n_s)
    # and the straight way from the service to its street, P → Q (walked, not street)
    walk = np.flatnonzero((offset > 0) & (offset <= radius))
    if len(walk):
        q = shapely.line_interpolate_point(
            np.asarray(edges.geometry.values)[own[walk]],
            np.where(_starts_at_v(network, edges, own[walk]), 1 - frac[walk], frac[walk]),
            normalized=True,
        )
        links = shapely.linestrings(
            np.stack([shapely.get_coordinates(pts[walk]), shapely.get_coordinates(q)], axis=1)
        )
        lines = np.concatenate([lines, links])
        svc = np.concatenate([svc, walk])
    keep = np.flatnonzero(~shapely.is_empty(lines))
    keep = keep[np.argsort(svc[keep], kind="stable")]
    multi = shapely.multilinestrings(lines[keep], indices=svc[keep])
    geoms = np.array([shapely.Polygon()] * n_s, dtype=object)
    reached = np.unique(svc[keep])
    geoms[reached] = shapely.buffer(np.asarray(multi), buffer_m, quad_segs=4)
    return geoms, street


def _edge_pieces(
    network: Any,
    u_all: np.ndarray,
    v_all: np.ndarray,
    length: np.ndarray,
    service: np.ndarray,
    node: np.ndarray,
    dist: np.ndarray,
    radius: np.ndarray,
    own: np.ndarray,
) -> tuple[np.ndarray, ...]:
    """(service, edge, start, end) of the street reached from the reached nodes, and the
    reach (a from u, b from v) of each service's own edge (0 where not reached).

    ``start``/``end`` are distances from the edge's u along the network length; an
    edge reached from both ends past each other is reached whole. A service's own edge
    is left out of the pieces (see :func:`_own_edges`).
    """
    n_nodes = network.n_nodes
    key = service.astype(np.int64) * n_nodes + node
    order = np.argsort(key, kind="stable")
    key, dist_sorted = key[order], dist[order]
    first = np.r_[True, key[1:] != key[:-1]] if len(key) else np.zeros(0, dtype=bool)
    # one distance per (service, node): the least
    mins = np.minimum.reduceat(dist_sorted, np.flatnonzero(first)) if len(key) else dist_sorted
    key = key[first]
    # incident edges of every node: CSR over both ends
    ends = np.concatenate([u_all, v_all])
    edge_of_end = np.concatenate([np.arange(len(u_all)), np.arange(len(v_all))])
    by_node = np.argsort(ends, kind="stable")
    ptr = np.searchsorted(ends[by_node], np.arange(n_nodes + 1))
    nodes = key % n_nodes
    svcs = key // n_nodes
    counts = ptr[nodes + 1] - ptr[nodes]
    pos = np.repeat(ptr[nodes], counts) + (
        np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)
    )
    pair_edge = edge_of_end[by_node[pos]]
    pair_svc = np.repeat(svcs, counts)
    pair_key = np.unique(pair_svc * len(u_all) + pair_edge)
    p_svc, p_edge = pair_key // len(u_all), pair_key % len(u_all)

    def at(nodes_: np.ndarray) -> np.ndarray:
        k = p_svc * n_nodes + nodes_
        i = np.searchsorted(key, k)
        i = np.minimum(i, len(key) - 1)
        return np.where(key[i] == k, mins[i], np.inf)

    du, dv = at(u_all[p_edge]), at(v_all[p_edge])
    r = radius[p_svc]
    L = length[p_edge]
    a = np.clip(r - du, 0, L)  # reached from u: [0, a]
    b = np.clip(r - dv, 0, L)  # reached from v: [L - b, L]
    is_own = p_edge == own[p_svc]
    own_a = np.zeros(len(radius))
    own_b = np.zeros(len(radius))
    own_a[p_svc[is_own]] = a[is_own]
    own_b[p_svc[is_own]] = b[is_own]
    p_svc, p_edge, a, b, L = (x[~is_own] for x in (p_svc, p_edge, a, b, L))
    whole = a + b >= L
    svc_out = [p_svc[whole], p_svc[~whole & (a > 0)], p_svc[~whole & (b > 0)]]
    edge_out = [p_edge[whole], p_edge[~whole & (a > 0)], p_edge[~whole & (b > 0)]]
    start = [
        np.zeros(int(whole.sum())),
        np.zeros(int((~whole & (a > 0)).sum())),
        (L - b)[~whole & (b > 0)],
    ]
    end = [L[whole], a[~whole & (a > 0)], L[~whole & (b > 0)]]
    return (
        np.concatenate(svc_out),
        np.concatenate(edge_out),
        np.concatenate(start),
        np.concatenate(end),
        own_a,
        own_b,
    )


def _own_edges(
    pieces: tuple[np.ndarray, ...],
    own: np.ndarray,
    offset: np.ndarray,
    frac: np.ndarray,
    length: np.ndarray,
    radius: np.ndarray,
) -> tuple[np.ndarray, ...]:
    """The pieces, with each service's own edge added as the union of what reaches it:
    [f·L − (R − o), f·L + (R − o)] around Q, [0, a] from u and [L − b, L] from v (a path
    that leaves the edge and comes back can reach past Q's own stretch)."""
    svc, edge, start, end, own_a, own_b = pieces
    extra: list[tuple[int, int, float, float]] = []
    for s in range(len(radius)):
        left = radius[s] - offset[s]
        if left < 0:
            continue
        L = float(length[own[s]])
        at = float(frac[s]) * L
        spans = sorted(
            [
                (max(0.0, at - left), min(L, at + left)),
                (0.0, float(own_a[s])),
                (L - float(own_b[s]), L),
            ]
        )
        merged: list[list[float]] = []
        for lo, hi in spans:
            if hi <= lo:
                continue
            if merged and lo <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], hi)
            else:
                merged.append([lo, hi])
        extra += [(s, int(own[s]), lo, hi) for lo, hi in merged]
    if not extra:
        return svc, edge, start, end
    e = np.asarray(extra, dtype=float)
    return (
        np.concatenate([svc, e[:, 0].astype(np.int64)]),
        np.concatenate([edge, e[:, 1].astype(np.int64)]),
        np.concatenate([start, e[:, 2]]),
        np.concatenate([end, e[:, 3]]),
    )


def _substrings(
    network: Any,
    edges: Any,
    edge: np.ndarray,
    start: np.ndarray,
    end: np.ndarray,
    length: np.ndarray,
) -> np.ndarray:
    """The line between ``start`` and ``end`` (network metres from u) of each edge."""
    import shapely
    from shapely.ops import substring

    lines = np.asarray(edges.geometry.values)[edge]
    flip = _starts_at_v(network, edges, edge)
    full = length[edge]
    f0 = np.where(full > 0, start / np.where(full > 0, full, 1), 0.0)
    f1 = np.where(full > 0, end / np.where(full > 0, full, 1), 1.0)
    g0 = np.where(flip, 1.0 - f1, f0)  # fractions along the drawn line
    g1 = np.where(flip, 1.0 - f0, f1)
    out = lines.copy()
    whole = (g0 <= 1e-12) & (g1 >= 1 - 1e-12)
    straight = shapely.get_num_coordinates(lines) == 2
    part = ~whole & straight
    if part.any():  # two-point lines: interpolate the end points
        xy = shapely.get_coordinates(lines[part]).reshape(-1, 2, 2)
        a = xy[:, 0] + (xy[:, 1] - xy[:, 0]) * g0[part, None]
        b = xy[:, 0] + (xy[:, 1] - xy[:, 0]) * g1[part, None]
        out[part] = shapely.linestrings(np.stack([a, b], axis=1))
    for i in np.flatnonzero(~whole & ~straight):  # bent lines: shapely's substring
        out[i] = substring(lines[i], g0[i], g1[i], normalized=True)
    return out
