"""Area destinations (parks, play spaces): reached at their edge, not at their middle.

A service may be a polygon (a park, a playground, a sports pitch) instead of a point.
:func:`buurtgeo.reach` and :func:`buurtgeo.reach_all` then measure to its edge:

Straight line
    ``d(P, A) = 0`` when ``P`` lies in the area ``A`` (or on its edge), else the
    distance from ``P`` to the nearest point of ``A``'s boundary
    (``shapely.distance``).

Over the street network
    An area is reached where a street or path enters it. With ``Z`` the area widened by
    ``edge_m`` (default :data:`AREA_EDGE_M`: road registers draw the axis of the road,
    the park begins at the kerb), its *entrances* are the points where a street line
    crosses ``Z``'s boundary, each at cost ``c_e = d(e, A)`` (``= edge_m``; 0 when
    ``edge_m = 0``): the area joins the network there as a point does, through the
    street it lies on, with one join per entrance. When the data names the area's
    entrances (OpenStreetMap ``entrance=*`` nodes and gates on its boundary, see
    :func:`buurtgeo.read_osm_entrances`), those are its entrances instead, at cost
    ``|gate, street| + d(gate, A)``. An area no street reaches (no crossing, no
    gate) joins at the point of the nearest street closest to it, at the cost of the
    straight distance between the two (a warning names these areas). For an origin
    ``P`` that joins the network at ``Q`` (``|PQ|`` = its ``snap_m``)::

        d(P, A) = 0                                     P in A
                  |PQ| + d(Q, A)                        Q in Z (its street runs in or along A)
                  min( |PQ| + along(Q -> e) ... + c_e ) over the entrances e of A

    the last over the network as for any service (see :mod:`buurtgeo.reach`), the
    least of the three when several apply. A network distance is never shorter than the
    straight one (``|PQ| + d(Q, A) >= d(P, A)``), so selecting services by straight
    distance first (:func:`buurtgeo.services_near`) loses none.

Points and areas may be mixed in one kind (youth centres as points, pitches as
polygons). Capacity may be an area (m²): the 2SFCA then gives m² within reach per
person (``R_j = S_j / Σ P_i``, ``S_j`` in m²).

How it is computed
------------------
:class:`AreaEngine` wraps the engine of :mod:`buurtgeo._engines` and gives the same
four operations (``prepare``, ``nearest``, ``accumulate``, ``pair_blocks``). Straight
lines: the (service, origin) pairs within the radius come from a shapely ``STRtree``
of the origins queried with each block of services (``dwithin``), their distances
from ``shapely.distance``; the nearest from ``STRtree.query_nearest``. Over the
network: the entrances become seeds and attachments of the area's join
(:class:`buurtgeo._engines._Join`: many per area, so no kernel changes), and the pairs
of the origins inside ``A`` or joining the network inside ``Z`` are added to each
block of pairs before the compiled 2SFCA passes (the least distance per pair kept).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
import pandas as pd

from buurtgeo._checks import shown
from buurtgeo._engines import _PAIR_BLOCK, _Join, _join, _Points, _Sums
from buurtgeo._reach_kernels import _DECAY_CODES, _pairs_pass_access, _pairs_pass_demand
from buurtgeo.errors import InputWarning
from buurtgeo.indicators import format_number

__all__ = ["AREA_EDGE_M", "AreaEngine", "as_points", "has_areas", "is_area"]

#: How far (metres) a street may run from an area's edge and still open the area along
#: that stretch (a pavement between the road's axis and the park).
AREA_EDGE_M = 10.0

_POLYGON_TYPES = (3, 6)  # shapely type ids of Polygon and MultiPolygon
_SERVICE_BLOCK = 2048  # area services per straight-line STRtree query
# segments per quarter circle of an area's widened edge (its rounded corners are off
# the true curve by at most edge_m * (1 - cos(pi / 64)): 1.2 mm at 10 m)
_QUAD_SEGS = 16


def _zone(geoms: np.ndarray, edge_m: float) -> np.ndarray:
    """The areas widened by ``edge_m`` (themselves when 0)."""
    import shapely

    return geoms if edge_m <= 0 else shapely.buffer(geoms, edge_m, quad_segs=_QUAD_SEGS)


def is_area(geometries: Any) -> np.ndarray:
    """True for each Polygon or MultiPolygon (an area service) of ``geometries``."""
    import shapely

    return np.isin(shapely.get_type_id(np.asarray(geometries)), _POLYGON_TYPES)


def has_areas(frame: Any) -> bool:
    """Whether a GeoDataFrame holds any area (polygon) service."""
    geometry = getattr(frame, "geometry", None)
    return geometry is not None and bool(is_area(geometry.array).any())


def as_points(frame: Any) -> Any:
    """``frame`` with every area replaced by a point inside it (``representative_point``),
    for markers on maps and fact sheets; the same frame when it holds no area."""
    if not has_areas(frame):
        return frame
    out = frame.copy()
    mask = is_area(out.geometry.array)
    points = out.geometry.representative_point()
    out["geometry"] = out.geometry.where(~mask, points)
    return out


# --------------------------------------------------------------------------------------
# Services as places: points and areas
# --------------------------------------------------------------------------------------


class _Places(_Points):
    """Services prepared for an :class:`AreaEngine`: coordinates (a point inside each
    area), the geometries, which are areas, and over a network their joins (one per
    entrance) and the *direct* pairs: ``(service, origin, d)`` of the origins inside an
    area or joining the network within its edge zone."""

    __slots__ = ("geom", "area", "direct", "how")

    def __init__(
        self,
        x: np.ndarray,
        y: np.ndarray,
        join: _Join | None,
        geom: np.ndarray,
        direct: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None,
        how: np.ndarray | None = None,
    ) -> None:
        super().__init__(x, y, join)
        self.geom = geom
        self.area = is_area(geom)
        self.direct = direct
        #: per service: 'point', 'street' (entered by streets), 'gate', 'nearest' or ''
        self.how = np.full(len(x), "point", dtype=object) if how is None else how

    def take(self, idx: np.ndarray) -> _Places:
        idx = np.asarray(idx, dtype=np.int64)
        direct = None
        if self.direct is not None:
            new = np.full(len(self.x), -1, dtype=np.int64)
            new[idx] = np.arange(len(idx), dtype=np.int64)
            svc, origin, d = self.direct
            keep = new[svc] >= 0
            direct = (new[svc[keep]], origin[keep], d[keep])
        return _Places(
            self.x[idx],
            self.y[idx],
            None if self.join is None else self.join.take(idx),
            self.geom[idx],
            direct,
            self.how[idx],
        )


def _street_lines(network: Any) -> np.ndarray:
    """The street lines of a network (rows of :meth:`buurtgeo.Network.edges`)."""
    return np.asarray(network.edges().geometry.array)


def _entrances(
    network: Any,
    lines: Any,
    tree: Any,
    geoms: np.ndarray,
    *,
    edge_m: float,
    gates: list[np.ndarray] | None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Entrances of the areas ``geoms``: ``owner`` (position in ``geoms``), ``x``, ``y``,
    ``cost`` (from the entrance to the area, metres) and per area how it is entered
    ('street', 'gate' or 'nearest'). Sorted by owner."""
    import shapely

    n = len(geoms)
    how = np.full(n, "street", dtype=object)
    zone = _zone(geoms, edge_m)
    boundary = shapely.boundary(zone)
    bi, li = tree.query(boundary, predicate="intersects")
    cuts = shapely.intersection(boundary[bi], lines[li])
    xy, which = shapely.get_coordinates(cuts, return_index=True)
    owner = bi[which]
    # one entrance per place (an intersection may repeat a point, a shared stretch its ends)
    key = pd.DataFrame({"o": owner, "x": np.round(xy[:, 0], 3), "y": np.round(xy[:, 1], 3)})
    first = ~key.duplicated().to_numpy()
    owner, xy = owner[first], xy[first]
    if gates is not None:
        has_gate = np.array([g is not None and len(g) > 0 for g in gates], dtype=bool)
        if has_gate.any():
            keep = ~has_gate[owner]
            gated = np.flatnonzero(has_gate)
            g_owner = np.repeat(gated, [len(gates[k]) for k in gated])
            g_xy = np.concatenate([np.asarray(gates[k], dtype=float) for k in gated])
            owner = np.concatenate([owner[keep], g_owner])
            xy = np.concatenate([xy[keep], g_xy.reshape(-1, 2)])
            how[has_gate] = "gate"
    missing = np.setdiff1d(np.arange(n), owner)
    if len(missing):  # no street enters: the point of the nearest street closest to it
        how[missing] = "nearest"
        gi, ni = tree.query_nearest(geoms[missing], all_matches=False)
        near = np.full(len(missing), -1, dtype=np.int64)
        near[gi] = ni
        ok = near >= 0
        shortest = shapely.shortest_line(geoms[missing[ok]], lines[near[ok]])
        ends = shapely.get_coordinates(shapely.get_point(shortest, 1))
        owner = np.concatenate([owner, missing[ok]])
        xy = np.concatenate([xy.reshape(-1, 2), ends])
    order = np.argsort(owner, kind="stable")
    owner, xy = owner[order], xy.reshape(-1, 2)[order]
    pts = shapely.points(xy)
    cost = shapely.distance(pts, geoms[owner]) if len(owner) else np.zeros(0)
    return owner, xy[:, 0].copy(), xy[:, 1].copy(), np.asarray(cost, dtype=np.float64), how


def _group_join(join: _Join, owner: np.ndarray, n: int, extra: np.ndarray) -> _Join:
    """Joins of entrance points (sorted by ``owner``) as one join per owner ``0..n-1``,
    each entrance's costs raised by ``extra``; ``snap_m`` per owner: the least
    ``offset + extra`` of its entrances (inf without one)."""
    first = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(owner, minlength=n), out=first[1:])
    seed_per = np.diff(join.seed_ptr)
    att_per = np.diff(join.att_ptr)
    seed_cost = join.seed_cost + np.repeat(extra, seed_per)
    att_cost = join.att_cost + np.repeat(extra, att_per)
    snap = np.full(n, np.inf)
    if len(owner):
        np.minimum.at(snap, owner, join.snap_m + extra)
    return _Join(
        join.seed_ptr[first],
        join.seed_node,
        seed_cost,
        join.att_ptr[first],
        join.att_street,
        join.att_pos,
        att_cost,
        snap,
    )


def _min_pairs(
    svc: np.ndarray, origin: np.ndarray, d: np.ndarray, n: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each (service, origin) pair once, at its least distance."""
    if len(svc) == 0:
        return svc, origin, d
    key = svc.astype(np.int64) * max(n, 1) + origin.astype(np.int64)
    order = np.lexsort((d, key))
    key = key[order]
    first = np.ones(len(key), dtype=bool)
    first[1:] = key[1:] != key[:-1]
    pick = order[first]
    return svc[pick], origin[pick], d[pick]


def _inner_points(services: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Geometries, which are areas, and a point inside each (``point_on_surface``)."""
    import shapely

    geom = np.asarray(services.geometry.array)
    area = is_area(geom)
    inner = geom.copy()
    if area.any():
        inner[area] = shapely.point_on_surface(geom[area])
    return (
        geom,
        area,
        shapely.get_x(inner).astype(np.float64),
        shapely.get_y(inner).astype(np.float64),
    )


def service_joins(
    network: Any,
    services: Any,
    *,
    snap: str = "edge",
    edge_m: float = AREA_EDGE_M,
    entrances: Any = None,
    cut_m: float | None = None,
) -> tuple[_Join, np.ndarray]:
    """How each service (point or area) joins ``network``: one join per service, with a
    seed and an attachment per entrance of an area (see the module docstring), and per
    service how it is entered (``'point'``, ``'street'``, ``'gate'``, ``'nearest'``).

    The join's ``snap_m`` is each service's least ``|entrance, street| + d(entrance,
    area)`` (0 for an area a street enters; the straight gap for one no street
    reaches). With ``cut_m`` (``far='unreachable'``) entrances farther than it from their
    street are left out (``snap_m`` still says how far the service is)."""
    import shapely

    geom, area, x, y = _inner_points(services)
    owner = np.flatnonzero(~area)  # a point is its own entrance, at no extra cost
    ex, ey, extra = x[~area], y[~area], np.zeros(int((~area).sum()))
    how = np.full(len(geom), "point", dtype=object)
    if area.any():
        lines = _street_lines(network)
        tree = shapely.STRtree(lines)
        a_idx = np.flatnonzero(area)
        gates = _gates_of(services, a_idx, entrances)
        a_owner, ax, ay, a_cost, a_how = _entrances(
            network, lines, tree, geom[a_idx], edge_m=edge_m, gates=gates
        )
        how[a_idx] = a_how
        owner = np.concatenate([owner, a_idx[a_owner]])
        ex, ey = np.concatenate([ex, ax]), np.concatenate([ey, ay])
        extra = np.concatenate([extra, a_cost])
    order = np.argsort(owner, kind="stable")
    owner, ex, ey, extra = owner[order], ex[order], ey[order], extra[order]
    join = _join(network, ex, ey, snap=snap, leave=False, cut_m=None)
    snap_all = _group_join(join, owner, len(geom), extra).snap_m
    if cut_m is not None:  # far='unreachable': an entrance too far from its street counts not
        far = join.snap_m + extra > cut_m
        if far.any():
            keep = np.flatnonzero(~far)
            join, owner, extra = join.take(keep), owner[keep], extra[keep]
    grouped = _group_join(join, owner, len(geom), extra)
    if area.any() and snap == "node":
        grouped = _with_nodes_inside(grouped, network, geom, area, edge_m)
        snap_all = np.minimum(snap_all, grouped.snap_m)
    grouped.snap_m = snap_all
    return grouped, how


# --------------------------------------------------------------------------------------
# The engine
# --------------------------------------------------------------------------------------


class AreaEngine:
    """A distance engine of :mod:`buurtgeo._engines` that also reaches areas at their edge.

    Parameters
    ----------
    base : buurtgeo._engines._Euclid or _OnNetwork
        The engine built on the origins.
    edge_m : float
        Over a network: how far a street may run from an area and still open it.
    """

    def __init__(self, base: Any, *, edge_m: float = AREA_EDGE_M) -> None:
        import shapely

        self.base = base
        self.kind = base.kind
        self.n = base.n
        self.edge_m = float(edge_m)
        self.near_within: np.ndarray | None = None
        if self.kind == "network":
            self.snap_m = base.snap_m
            self.order = base.order
            xy = (base.x, base.y)
        else:
            self.snap_m = None
            self.order = np.arange(self.n, dtype=np.int64)
            xy = (base.xy[:, 0], base.xy[:, 1])
        self._origins = shapely.points(np.column_stack(xy)) if self.n else np.zeros(0, object)
        self._origin_tree = shapely.STRtree(self._origins)
        self._q_tree: Any = None
        self._q_pts: np.ndarray | None = None

    # -- services ----------------------------------------------------------------------

    def prepare(self, services: Any, *, entrances: Any = None) -> _Places:
        """The services (points and areas, a GeoDataFrame) as :class:`_Places`; over a
        network with their joins, one per entrance of each area, and the direct pairs.

        ``entrances``: entrance points of the areas (see :func:`_gates_of`), optional."""
        geom, area, x, y = _inner_points(services)
        if self.kind != "network":
            return _Places(x, y, None, geom)
        base = self.base
        grouped, how = service_joins(
            base.network, services, snap=base.snap, edge_m=self.edge_m, entrances=entrances,
            cut_m=base.cut_m,
        )  # fmt: skip
        if area.any():
            self._warn_nearest(services.index, how == "nearest", grouped.snap_m)
        direct = self._direct(geom, area)
        return _Places(x, y, grouped, geom, direct, how)

    def _warn_nearest(self, index: pd.Index, nearest: np.ndarray, snap: np.ndarray) -> None:
        if not nearest.any():
            return
        far = float(np.max(np.where(np.isfinite(snap[nearest]), snap[nearest], 0.0)))
        which = shown(index[nearest].tolist())
        warnings.warn(
            InputWarning(
                f"reach: {int(nearest.sum())} area service(s) that no street enters ({which})"
                " join the network at the nearest street's point closest to them, plus that"
                f" straight distance (up to {far:,.0f} m)",
                nl=f"bereik: {int(nearest.sum())} gebied(en) waar geen straat in komt ({which})"
                " sluiten aan op het dichtste punt van de dichtste straat, plus die rechte"
                f" afstand (tot {format_number(far, 0, 'nl')} m)",
            ),
            stacklevel=4,
        )

    def _join_points(self) -> tuple[Any, np.ndarray]:
        """Where each origin joins the network (its ``Q``), as points in an STRtree; the
        origins cut off (far='unreachable') are left out."""
        import shapely

        if self._q_tree is None:
            base, net = self.base, self.base.network
            if base.snap == "node":
                node, _ = net.snap(base.x, base.y)
                qx, qy = net.node_x[node], net.node_y[node]
            else:
                es = net.snap_edges(base.x, base.y)
                qx, qy = es.x, es.y
            ok = np.ones(self.n, dtype=bool) if base.cut_m is None else base.snap_m <= base.cut_m
            self._q_pts = np.flatnonzero(ok)
            self._q_tree = shapely.STRtree(shapely.points(qx[ok], qy[ok]))
        assert self._q_pts is not None
        return self._q_tree, self._q_pts

    def _direct(
        self, geom: np.ndarray, area: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(service, origin, d)`` (origins in input order) for the origins inside an area
        (``d = 0``) and those that join the network within its edge zone
        (``d = snap_m + d(Q, A)``), each pair once at its least ``d``."""
        import shapely

        a_idx = np.flatnonzero(area)
        if not len(a_idx) or not self.n:
            z = np.zeros(0, np.int64)
            return z, z.copy(), np.zeros(0)
        polys = geom[a_idx]
        si, oi = self._origin_tree.query(polys, predicate="intersects")
        d_in = np.zeros(len(si))
        tree, q_rows = self._join_points()
        zone = _zone(polys, self.edge_m)
        zi, qi = tree.query(zone, predicate="intersects")
        origin_q = q_rows[qi]
        q_geom = tree.geometries.take(qi)
        d_q = self.snap_m[origin_q] + shapely.distance(q_geom, polys[zi])
        svc = np.concatenate([a_idx[si], a_idx[zi]])
        origin = np.concatenate([oi, origin_q]).astype(np.int64)
        d = np.concatenate([d_in, d_q])
        return _min_pairs(svc, origin, d, self.n)

    # -- nearest -----------------------------------------------------------------------

    def nearest(self, s: _Points, known: np.ndarray | None = None) -> np.ndarray:
        """Distance from each origin (input order) to its nearest service, metres."""
        assert isinstance(s, _Places)
        if len(s) == 0 or self.n == 0:
            return np.full(self.n, np.inf)
        if self.kind != "network":
            import shapely

            # ``known``: the least distance of the origins with a pair within the radius
            # of :meth:`accumulate` (exact); only the others are queried
            out = np.full(self.n, np.inf) if known is None else known.copy()
            todo = np.flatnonzero(np.isinf(out))
            if len(todo):
                tree = shapely.STRtree(s.geom)
                (oi, _), dist = tree.query_nearest(
                    self._origins[todo], return_distance=True, all_matches=False
                )
                out[todo[oi]] = dist
            return out
        out = self.base.nearest(s, known=known)
        assert s.direct is not None
        svc, origin, d = s.direct
        if len(d):
            np.minimum.at(out, origin, d)
        return out

    # -- pairs within a radius ---------------------------------------------------------

    def _blocks(self, s: _Places, radius: float) -> Iterator[tuple[np.ndarray, ...]]:
        """``(service, internal origin, d)`` with ``d <= radius``, blocks of whole services."""
        if len(s) == 0 or self.n == 0:
            return
        if self.kind != "network":
            yield from self._straight_blocks(s, radius)
            return
        base = self.base
        assert s.join is not None and s.direct is not None
        back = np.empty(self.n, dtype=np.int64)
        back[self.order] = np.arange(self.n, dtype=np.int64)
        d_svc, d_origin, d_d = s.direct
        within = d_d <= radius
        d_svc, d_origin, d_d = d_svc[within], back[d_origin[within]], d_d[within]
        key = np.full(len(s), base.network.n_nodes, dtype=np.int64)
        has = np.diff(s.join.seed_ptr) > 0
        key[has] = s.join.seed_node[s.join.seed_ptr[:-1][has]]
        by_node = np.argsort(key, kind="stable")
        step = base._source_block(radius)
        in_block = np.zeros(len(s), dtype=bool)
        for lo in range(0, len(s), step):
            src = by_node[lo : lo + step]
            svc, origin, d = base._pairs(s, src, np.full(len(src), float(radius)))
            in_block[:] = False
            in_block[src] = True
            extra = in_block[d_svc]
            if extra.any():
                svc = np.concatenate([svc, d_svc[extra]])
                origin = np.concatenate([origin, d_origin[extra]])
                d = np.concatenate([d, d_d[extra]])
                svc, origin, d = _min_pairs(svc, origin, d, self.n)
            yield svc, origin, d

    def _straight_blocks(self, s: _Places, radius: float) -> Iterator[tuple[np.ndarray, ...]]:
        import shapely

        for lo in range(0, len(s), _SERVICE_BLOCK):
            geoms = s.geom[lo : lo + _SERVICE_BLOCK]
            si, oi = self._origin_tree.query(geoms, predicate="dwithin", distance=float(radius))
            d = np.asarray(shapely.distance(geoms[si], self._origins[oi]), dtype=np.float64)
            keep = d <= radius
            svc, origin, d = si[keep].astype(np.int64) + lo, oi[keep].astype(np.int64), d[keep]
            # whole services per block, at most about _PAIR_BLOCK pairs each
            counts = np.bincount(svc - lo, minlength=len(geoms))
            for a, b in _ranges(counts, _PAIR_BLOCK):
                pick = (svc >= lo + a) & (svc < lo + b)
                yield svc[pick], origin[pick], d[pick]

    def pair_blocks(self, s: _Points, radius: float) -> Iterator[tuple[np.ndarray, ...]]:
        """Yield ``(service, origin, d)`` with ``d <= radius``; each block holds whole services."""
        assert isinstance(s, _Places)
        for svc, origin, d in self._blocks(s, radius):
            yield svc, self.order[origin], d

    def accumulate(
        self,
        s: _Points,
        population: np.ndarray,
        supply: np.ndarray,
        has_cap: np.ndarray,
        r: float,
        decay: str,
        extras: Sequence[float],
    ) -> tuple[np.ndarray, ...]:
        """Counts, capacity and 2SFCA in the compiled passes of
        :mod:`buurtgeo._reach_kernels`, over each block of pairs (see
        :meth:`buurtgeo._engines._OnNetwork.accumulate`)."""
        assert isinstance(s, _Places)
        ex = np.asarray(extras, dtype=np.float64)
        sums = _Sums(self.n, len(s), len(ex))
        code = _DECAY_CODES[decay]
        pop = np.ascontiguousarray(np.asarray(population, dtype=np.float64)[self.order])
        supply = np.ascontiguousarray(supply, dtype=np.float64)
        near = np.full(self.n, np.inf)
        for svc, origin, d in self._blocks(s, max([r, *extras])):
            step1 = sums.step1()
            _pairs_pass_demand(svc, origin, d, pop, supply, r, code, ex, *step1, near)
            _pairs_pass_access(svc, origin, d, r, code, sums.ratio(supply, has_cap), sums.access)
        self.near_within = np.empty(self.n)
        self.near_within[self.order] = near
        return sums.in_input_order(self.order)


def _ranges(sizes: np.ndarray, limit: int) -> Iterator[tuple[int, int]]:
    """Consecutive ranges ``[a, b)`` of items whose sizes sum to at most ``limit`` (one
    item at least)."""
    n = len(sizes)
    cum = np.cumsum(np.asarray(sizes, dtype=np.int64))
    a = 0
    while a < n:
        base = cum[a - 1] if a else 0
        b = max(int(np.searchsorted(cum, base + limit, side="right")), a + 1)
        yield a, b
        a = b


def _gates_of(services: Any, a_idx: np.ndarray, entrances: Any) -> list[np.ndarray] | None:
    """The entrance points (x, y rows) of each area ``a_idx`` of ``services``, from an
    entrances table whose ``green_id`` column names the area's ``green_id`` (its id as
    read, :func:`buurtgeo.green_services`) or whose ``service_id`` column names the
    service (None without a table)."""
    if entrances is None or not len(entrances):
        return None
    import shapely

    if "green_id" in entrances.columns and "green_id" in services.columns:
        ids = services["green_id"].astype(str).to_numpy()[a_idx]
        owner = entrances["green_id"].astype(str).to_numpy()
    else:
        ids = services.index.astype(str).to_numpy()[a_idx]
        column = "service_id" if "service_id" in entrances.columns else "green_id"
        owner = entrances[column].astype(str).to_numpy()
    xy = shapely.get_coordinates(np.asarray(entrances.geometry.array))
    by_id: dict[str, list[int]] = {}
    for row, sid in enumerate(owner):
        by_id.setdefault(sid, []).append(row)
    return [xy[by_id[str(i)]] if str(i) in by_id else None for i in ids]  # type: ignore[misc]


def _with_nodes_inside(
    join: _Join, network: Any, geom: np.ndarray, area: np.ndarray, edge_m: float
) -> _Join:
    """``snap='node'``: every node within an area's edge zone is also a seed of that area,
    at its straight distance to the area."""
    import shapely

    a_idx = np.flatnonzero(area)
    nodes = shapely.points(np.column_stack([network.node_x, network.node_y]))
    zone = _zone(geom[a_idx], edge_m)
    zi, ni = shapely.STRtree(nodes).query(zone, predicate="intersects")
    if not len(zi):
        return join
    cost = shapely.distance(nodes[ni], geom[a_idx[zi]])
    owner_new = a_idx[zi]
    n = len(geom)
    owner_old = np.repeat(np.arange(n, dtype=np.int64), np.diff(join.seed_ptr))
    owner = np.concatenate([owner_old, owner_new])
    node = np.concatenate([join.seed_node, ni.astype(np.int64)])
    costs = np.concatenate([join.seed_cost, cost])
    order = np.argsort(owner, kind="stable")
    ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(owner, minlength=n), out=ptr[1:])
    snap = join.snap_m.copy()
    np.minimum.at(snap, owner_new, cost)
    return _Join(
        ptr,
        node[order],
        costs[order],
        join.att_ptr,
        join.att_street,
        join.att_pos,
        join.att_cost,
        snap,
    )


def area_engine(
    base: Any, services: Any, *, edge_m: float = AREA_EDGE_M, entrances: Any = None
) -> tuple[AreaEngine, _Places]:
    """The :class:`AreaEngine` on ``base`` and the services prepared for it."""
    engine = AreaEngine(base, edge_m=edge_m)
    return engine, engine.prepare(services, entrances=entrances)


def check_edge(checks: Any, edge_m: Any) -> None:
    """Record a problem unless ``edge_m`` is a finite number of metres >= 0."""
    if (
        isinstance(edge_m, bool)
        or not isinstance(edge_m, int | float | np.integer | np.floating)
        or not math.isfinite(float(edge_m))
        or edge_m < 0
    ):
        checks.add(f"area_edge_m must be a number of metres >= 0, got {edge_m!r}")
