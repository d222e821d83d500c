"""buurtgeo's side of the benchmark: thin calls into the public API, nothing tuned here.

Each part checks first that the API it needs has landed; when it has not, it raises
:class:`NotAvailable` and the table prints "n/a (not available yet)" — never a made-up number.
"""

from __future__ import annotations

import importlib


class NotAvailable(Exception):
    """A part of buurtgeo's API that the benchmark needs does not exist (yet)."""


def api(name: str):
    """Return ``buurtgeo.<name>``, or raise :class:`NotAvailable` when it is not there."""
    try:
        bg = importlib.import_module("buurtgeo")
        return getattr(bg, name)
    except (ImportError, AttributeError) as exc:
        raise NotAvailable(f"buurtgeo.{name}: {exc}") from None


def build_network(net, *, mode: str = "walk"):
    """``buurtgeo.Network.from_edges`` on the synthetic network's arrays."""
    network_cls = api("Network")
    return network_cls.from_edges(
        net.u, net.v, net.length_m, net.node_x, net.node_y, crs=net.crs, mode=mode
    )


def reach_all_kinds(origins, services, network, *, catchment_m: float, kinds):
    """``bg.reach_all`` when it exists, else one ``bg.reach`` per kind (same demand rule).

    Returns the wide result and the name of what was called.
    """
    try:
        reach_all = api("reach_all")
    except NotAvailable:
        reach_all = None
    if reach_all is not None:
        res = reach_all(
            origins, services, network=network, catchment_m=float(catchment_m), kinds=list(kinds)
        )
        return res, "bg.reach_all"
    import pandas as pd

    from buurtgeo.schema import service_kinds

    reach = api("reach")
    frames = []
    for kind in kinds:
        target = list(service_kinds()[kind].target)
        demand = origins[target].sum(axis=1)
        sub = origins.assign(_demand=demand)
        res = reach(
            sub,
            services[services["service_kind"] == kind],
            network=network,
            catchment_m=catchment_m,
            population="_demand",
        )
        frames.append(res.add_suffix(f"__{kind}"))
    return pd.concat(frames, axis=1), "5 x bg.reach"
