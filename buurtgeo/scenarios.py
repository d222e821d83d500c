"""What-if scenarios: open, close or resize services and see the change per area.

Stage 4 of the pipeline (``reach per origin -> indicators per area``):

* :class:`Scenario` — the baseline reach computed once; each change recomputes only
  what it touches (the services changed and the origins within their catchment);
* :func:`scenario` — one change in one call.
"""

from __future__ import annotations

import warnings
from collections.abc import Hashable, Iterable, Mapping
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from buurtgeo import _snap_policy as policy
from buurtgeo._checks import Checks
from buurtgeo.gaps import _services_area

if TYPE_CHECKING:  # pragma: no cover
    import geopandas as gpd

    from buurtgeo.decay import Decay
    from buurtgeo.network import Network

__all__ = ["Scenario", "scenario"]


class Scenario:
    """What if services open, close or change size? Per area before, after and difference.

    The baseline reach is computed once. A change then recomputes only what it
    touches, using two facts of the 2SFCA (see :func:`buurtgeo.reach`)::

        R_j = S_j / Σ_{i : d_ij ≤ R} w(d_ij) P_i      A_i = Σ_{j : d_ij ≤ R} w(d_ij) R_j

    ``R_j`` depends on service ``j`` and the origins only, so a change to a set ``X``
    of services leaves every other ``R_j`` as it was, and::

        A_i' = A_i + Σ_{j ∈ X'} w(d_ij) R_j' − Σ_{j ∈ X} w(d_ij) R_j

    where ``X`` are the changed services before and ``X'`` after (closed ones only in
    ``X``, opened ones only in ``X'``, resized in both). Both sums are one
    :func:`buurtgeo.reach` call on the changed services alone; only origins within
    the catchment of a changed service get a non-zero term. ``capacity_within`` and
    ``services_within`` change the same way. The nearest distance changes only for
    origins whose nearest service closed (recomputed against the remaining services)
    or that are closer to an opened one: ``d_i' = min(d_i or its recomputation,
    distance to the nearest opened service)``.

    Parameters
    ----------
    origins : GeoDataFrame
        Origins with the demand column ``population`` (persons).
    services : GeoDataFrame
        Services of one kind with ``capacity`` (places); unique index.
    network : buurtgeo.Network, optional
        Street network; None measures straight lines.
    catchment_m : float, default 1000
        Catchment radius in metres.
    catchment_min : float, optional
        The catchment in minutes instead, at the mode's speed (see
        :func:`buurtgeo.reach`).
    decay : str or callable, default 'step'
        See :func:`buurtgeo.reach`.
    population : str, default 'population'
        Demand column of ``origins``.
    snap, max_snap_m, far
        How points join the network and what those far from every street get, as in
        :func:`buurtgeo.reach`: the baseline names the far origins and services once,
        :meth:`apply` the opened services that are far.
    """

    _COLUMNS = ("dist_nearest_m", "services_within", "capacity_within", "fca2", "covered")

    def __init__(
        self,
        origins: gpd.GeoDataFrame,
        services: gpd.GeoDataFrame,
        *,
        network: Network | None = None,
        catchment_m: float = policy.DEFAULT_CATCHMENT_M,
        catchment_min: float | None = None,
        decay: Decay = "step",
        population: str = "population",
        snap: str = "edge",
        max_snap_m: float = policy.MAX_SNAP_M,
        far: str = "warn",
    ) -> None:
        from buurtgeo.reach import _speed, reach

        checks = Checks("Scenario")
        if services.index.has_duplicates:
            checks.add("services must have a unique index to name what changes")
        policy.check_minutes(checks, catchment_m, catchment_min)
        checks.raise_if_any()
        self.origins = origins
        self.services = services
        self.network = network
        self.decay = decay
        self.population = population
        self.snap, self.max_snap_m, self.far = snap, max_snap_m, far
        self.catchment_min = catchment_min
        self.baseline = reach(
            origins,
            services,
            network=network,
            catchment_m=catchment_m,
            catchment_min=catchment_min,
            decay=decay,
            population=population,
            snap=snap,
            max_snap_m=max_snap_m,
            far=far,
        )[list(self._COLUMNS)]
        #: the catchment in metres (from ``catchment_min`` at the mode's speed when given)
        self.catchment_m = policy.radius_m(catchment_m, catchment_min, _speed(None, network))

    def _reach(self, origins: gpd.GeoDataFrame, services: gpd.GeoDataFrame) -> pd.DataFrame:
        """:func:`buurtgeo.reach` with the scenario's settings; the baseline has already
        named the points far from every street."""
        from buurtgeo.reach import reach

        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="reach: ", category=UserWarning)
            return reach(
                origins,
                services,
                network=self.network,
                catchment_m=self.catchment_m,
                decay=self.decay,
                population=self.population,
                snap=self.snap,
                max_snap_m=self.max_snap_m,
                far=self.far,
            )

    def _check_change(
        self,
        checks: Checks,
        open: gpd.GeoDataFrame | None,
        close: list[Hashable],
        resize: dict[Hashable, float],
    ) -> None:
        """Record every problem with a change (ids, capacities, the opened services)."""
        import geopandas as gpd

        unknown = [s for s in close + list(resize) if s not in self.services.index]
        if unknown:
            checks.add(f"unknown service ids {unknown[:5]}")
        both = sorted(set(close) & set(resize), key=str)
        if both:
            checks.add(f"services both closed and resized: {both[:5]}")
        bad = {s: c for s, c in resize.items() if not (isinstance(c, int | float) and c >= 0)}
        if bad:
            checks.add(f"new capacities must be numbers >= 0: {bad}")
        if open is not None:
            if not isinstance(open, gpd.GeoDataFrame) or "capacity" not in open.columns:
                checks.add("open must be a GeoDataFrame of points with a capacity column")
            elif open.index.isin(self.services.index).any():
                checks.add("opened services reuse existing ids")
            else:
                checks.crs([self.services, open], ["services", "open"])

    def apply(
        self,
        *,
        open: gpd.GeoDataFrame | None = None,
        close: Iterable[Hashable] = (),
        resize: Mapping[Hashable, float] | None = None,
    ) -> pd.DataFrame:
        """Per-origin reach after the change (``dist_nearest_m``, ``services_within``,
        ``capacity_within``, ``fca2``, ``covered``), on ``origins.index``.

        Parameters
        ----------
        open : GeoDataFrame, optional
            New services (points with ``capacity``, places), ids not already used.
        close : iterable
            Ids of services to close.
        resize : dict id → capacity, optional
            New capacities (places) of existing services.

        Returns
        -------
        DataFrame
            ``attrs["origins_changed"]``: how many origins got a different value.
        """
        close = list(close)
        resize = dict(resize or {})
        checks = Checks("Scenario.apply")
        self._check_change(checks, open, close, resize)
        checks.raise_if_any()

        base = self.baseline
        old = self.services.loc[close + list(resize)]
        new_parts = []
        if resize:
            resized = self.services.loc[list(resize)].copy()
            resized["capacity"] = pd.Series(resize, dtype=float)
            new_parts.append(resized)
        if open is not None and len(open):
            new_parts.append(open)
        new = pd.concat(new_parts) if new_parts else self.services.iloc[:0]
        after = base.copy()
        zero = pd.DataFrame(
            0.0, index=base.index, columns=["services_within", "capacity_within", "fca2"]
        )
        before_x = self._reach(self.origins, old)[list(zero.columns)] if len(old) else zero
        after_x = self._reach(self.origins, new)[list(zero.columns)] if len(new) else zero
        if self.network is not None and open is not None and len(open):  # points checked
            geom = open.geometry
            snap_m = policy.snap_distance(
                self.network, geom.x.to_numpy(), geom.y.to_numpy(), snap=self.snap
            )
            policy.report_far(
                "Scenario.apply", None, snap_m, open.index,
                max_snap_m=float(self.max_snap_m), far=self.far,
                names=("origin(s)", "opened service row(s)"),
            )  # fmt: skip
        delta = after_x.fillna(0.0) - before_x.fillna(0.0)
        after["services_within"] = (base["services_within"] + delta["services_within"]).astype(
            "int64"
        )
        # as reach does: with no capacity known among the services after the change,
        # capacity_within and fca2 are unknown (NaN) rather than 0
        # (no services at all: 0 places, as reach gives)
        kept = self.services.drop(index=close + list(resize))["capacity"]
        known_after = (
            bool(kept.notna().any())
            or bool(new["capacity"].notna().any())
            or (len(kept) + len(new) == 0)
        )
        for col in ("capacity_within", "fca2"):
            after[col] = base[col].fillna(0.0) + delta[col] if known_after else np.nan
        # nearest: origins whose nearest closed, then the opened services
        d = base["dist_nearest_m"].to_numpy(dtype=float).copy()
        if close:
            d_closed = self._reach(self.origins, self.services.loc[close])["dist_nearest_m"]
            lost = np.flatnonzero(d_closed.to_numpy() <= d)
            remaining = self.services.drop(index=close)
            if len(lost):
                if len(remaining):
                    d[lost] = self._reach(self.origins.iloc[lost], remaining)["dist_nearest_m"]
                else:
                    d[lost] = np.inf
        if open is not None and len(open):
            d = np.minimum(d, self._reach(self.origins, open)["dist_nearest_m"].to_numpy())
        after["dist_nearest_m"] = d
        after["covered"] = d <= self.catchment_m
        changed = ~np.isclose(after["fca2"].fillna(-1), base["fca2"].fillna(-1)) | (
            after["dist_nearest_m"].to_numpy() != base["dist_nearest_m"].to_numpy()
        )
        after.attrs["origins_changed"] = int(changed.sum())
        return after

    def compare(
        self,
        *,
        by: str | pd.Series,
        open: gpd.GeoDataFrame | None = None,
        close: Iterable[Hashable] = (),
        resize: Mapping[Hashable, float] | None = None,
        areas: gpd.GeoDataFrame | None = None,
    ) -> pd.DataFrame:
        """Per group (area) before, after and difference of a change.

        Parameters
        ----------
        by : str or Series
            Group of each origin, as in :func:`buurtgeo.aggregate_reach` (e.g. an
            ``area_id`` Series on ``sector_id``).
        open, close, resize
            See :meth:`apply`.
        areas : GeoDataFrame, optional
            Area polygons indexed like the groups of ``by``: adds the places located
            in each area (``places_in_area``, ``Σ S_j`` over its services, the base of
            the official same-area ratio).

        Returns
        -------
        DataFrame
            One row per group: ``target_pop`` and, for ``places_per_100_2sfca`` (2SFCA,
            ``100 · Σ P_i A_i / Σ P_i``), ``share_covered`` and ``mean_dist_m`` (and
            ``places_in_area`` with ``areas``), the columns ``<measure>_before``,
            ``<measure>_after``, ``<measure>_diff`` (after − before).
            ``attrs["origins_changed"]``.
        """
        from buurtgeo.aggregate import aggregate_reach

        close = list(close)  # read once: apply and changed_services both need it
        checks = Checks("Scenario.compare")
        self._check_change(checks, open, close, dict(resize or {}))
        if areas is not None:
            checks.crs([areas, self.services], ["areas", "services"])
        checks.raise_if_any()

        after = self.apply(open=open, close=close, resize=resize)
        w = self.origins[self.population]
        a0 = aggregate_reach(self.baseline, self.origins, by=by, weight=w)
        a1 = aggregate_reach(after, self.origins, by=by, weight=w)
        out = pd.DataFrame({"target_pop": a0["target_pop"]}, index=a0.index)
        for m in ("places_per_100_2sfca", "share_covered", "mean_dist_m"):
            out[f"{m}_before"] = a0[m]
            out[f"{m}_after"] = a1[m]
            out[f"{m}_diff"] = a1[m] - a0[m]
        if areas is not None:
            before_svc = self.services
            after_svc = self.changed_services(open=open, close=close, resize=resize)
            for when, svc in (("before", before_svc), ("after", after_svc)):
                where = _services_area(svc, areas)
                cap = pd.to_numeric(svc["capacity"], errors="coerce").fillna(0.0)
                sums = cap[where.notna().to_numpy()].groupby(where.dropna().to_numpy()).sum()
                out[f"places_in_area_{when}"] = sums.reindex(out.index).fillna(0.0)
            out["places_in_area_diff"] = out["places_in_area_after"] - out["places_in_area_before"]
        out.attrs["origins_changed"] = after.attrs["origins_changed"]
        return out

    def changed_services(
        self,
        *,
        open: gpd.GeoDataFrame | None = None,
        close: Iterable[Hashable] = (),
        resize: Mapping[Hashable, float] | None = None,
    ) -> gpd.GeoDataFrame:
        """The services table after a change (closed removed, resized, opened added)."""
        out = self.services.drop(index=list(close))
        if resize:
            out = out.copy()
            out.loc[list(resize), "capacity"] = pd.Series(resize, dtype=float)
        if open is not None and len(open):
            out = pd.concat([out, open])
        return out


def scenario(
    origins: gpd.GeoDataFrame,
    services: gpd.GeoDataFrame,
    *,
    network: Network | None = None,
    by: str | pd.Series,
    catchment_m: float = policy.DEFAULT_CATCHMENT_M,
    catchment_min: float | None = None,
    decay: Decay = "step",
    population: str = "population",
    open: gpd.GeoDataFrame | None = None,
    close: Iterable[Hashable] = (),
    resize: Mapping[Hashable, float] | None = None,
    areas: gpd.GeoDataFrame | None = None,
    snap: str = "edge",
    max_snap_m: float = policy.MAX_SNAP_M,
    far: str = "warn",
) -> pd.DataFrame:
    """One scenario in one call: ``Scenario(...).compare(by=..., open=..., close=..., resize=...)``.

    See :class:`Scenario` for the formulas and the returned columns. To try several
    changes on the same baseline, build a :class:`Scenario` once and call
    :meth:`Scenario.compare` for each.
    """
    model = Scenario(
        origins,
        services,
        network=network,
        catchment_m=catchment_m,
        catchment_min=catchment_min,
        decay=decay,
        population=population,
        snap=snap,
        max_snap_m=max_snap_m,
        far=far,
    )
    return model.compare(by=by, open=open, close=close, resize=resize, areas=areas)
