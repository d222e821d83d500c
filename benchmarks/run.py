"""buurtgeo against the tools analysts use today, measured side by side in one run.

Usage::

    python benchmarks/run.py --scale city        # ≈250 sectors, ≈100k nodes (pandana included)
    python benchmarks/run.py --scale flanders    # ≈9,200 sectors, ≈1M nodes, ≈1M origins
    python benchmarks/run.py --scale belgium     # ≈20,000 sectors, ≈3M nodes, 3M origins, six kinds
    python benchmarks/run.py --scale all         # city, Flanders, Belgium (≈10 min on 2 cores)
    python benchmarks/run.py --scale flanders --slow-peers   # + pandana at 1M nodes (≈15 min more)

For every measure the table gives our time, each peer's time, the ratio (peer / ours: above 1
means buurtgeo is faster), the target and PASS/MISS, and the peak memory (resident set size) of
the process that ran it: every implementation of every measure runs in a fresh subprocess
(``resource.getrusage(RUSAGE_SELF).ru_maxrss``), so the peaks are not mixed up. Results are also
cross-checked (the largest relative difference between ours and the peer is printed).

Measures (targets from issues #4 and #10):

1. 2SFCA, one kind, 1 km straight line: ``bg.reach`` vs PySAL ``access`` ``two_stage_fca`` on a
   given cost table — ≥ 10× faster and equal to 1e-9.
2. Nearest service for every network node: ``Network.nearest`` vs pandana (``precompute`` +
   ``set_pois`` + ``nearest_pois``; its preprocessing printed apart) and networkx
   (``multi_source_dijkstra_path_length``; graph build apart) — no slower than pandana.
3. ``bg.reach`` for one kind (1 km, all indicators) given a built network vs (a) the floor
   (KD-tree snap + one scipy multi-source Dijkstra) — within 1.5×; (b) the analysts' pipeline
   (KD-tree snap, networkx nearest, networkx bounded searches into a cost table, ``access``) —
   ≥ 8×; five kinds — ≥ 10× the pipeline; one kind at a 3.75 km bike catchment — ≤ 4 GB.
4. ``bg.read_network`` on the synthetic network written as a GeoPackage vs pyogrio read +
   ``np.unique`` noding + scipy CSR build — within 2×.
5. End to end at Flanders scale: network from the file, origins from sectors (grid), five kinds,
   aggregation per sector and area, map — under 60 s and 4 GB; at the Belgium scale (issue #20)
   six kinds, ≤ 120 s, ≤ 8 GB and each map (per area; per sector for one province) ≤ 15 MB,
   with how time and memory grow from scale to scale printed after the last one.
6. Large maps (``benchmarks/maps.py``): the page of 10,000 synthetic sectors (2,000 at city
   scale) and of the 2,767 real Flemish wijken, four indicators and services each: its size and
   how long headless Chromium takes to draw it — ≤ 15 MB and ≤ 3 s for 10,000 sectors.
8. ``buurtgeo run`` on a city configuration vs reading its inputs — ≤ 1.5× (issue #20).
9. ``suggest_sites(method="mclp")`` vs a direct ``scipy.optimize.milp`` — ≤ 2×, same covered
   weight (issue #20). Measures 8 and 9 live in ``benchmarks/analyst.py`` (numbered 6 and 7
   in the runs recorded before issue #20 was merged beside issue #18; 7 is left unused, so
   that no id names two different measures across the recorded runs).
S1, D1. Street snapping (issue #15): ``Network.snap_edges`` vs shapely ``STRtree`` +
   ``line_locate_point`` — ≥ 5×, same distances; ``reach`` on a dense network vs the floor —
   within 1.5×.

Measure 0 is a warm-up: numba's on-disk cache is filled before anything is timed.

Parts of buurtgeo's API that have not landed print "n/a (not available yet)".
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

_START = time.perf_counter()  # start of this process (workers: CPU share = CPU time / this)
HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

import analyst  # noqa: E402  (issue #20: measures 8 and 9)
import ours  # noqa: E402
import peers  # noqa: E402
import synthetic  # noqa: E402

KIND = "childcare_baby"  # the kind with 3,000 services at Flanders scale
CATCHMENT_M = 1000.0
#: Measure 1 on a given table takes well under a second: ours and access's 2SFCA are
#: each timed as the best of this many calls (after a first one), so a single hiccup
#: of a shared machine does not decide the ratio.
M1_REPEAT = 5
BIKE_M = 3750.0
PANDANA_MAXDIST_M = 2000.0
MEMORY_LIMIT_MB = 4096.0
END_TO_END_LIMIT_S = 60.0
#: The whole country (issue #20): file → map in ≤ 120 s and ≤ 8 GB, each map ≤ 15 MB.
COUNTRY_LIMIT_S = 120.0
COUNTRY_MEMORY_MB = 8192.0
MAP_LIMIT_MB = 15.0
DEFAULT_CACHE = HERE / "_cache"


# --------------------------------------------------------------------------------------
# Context shared by the tasks of one scale
# --------------------------------------------------------------------------------------


@dataclass
class Context:
    """What a task needs: the scale, the cache folder and the command-line switches."""

    scale: str
    cache: Path
    slow_peers: bool = False
    _bundle: synthetic.Bundle | None = field(default=None, repr=False)

    @property
    def bundle(self) -> synthetic.Bundle:
        if self._bundle is None:
            # the country scale's measures make their own origins (3M synthetic ones would
            # only add to their peak memory)
            self._bundle = synthetic.make(
                self.scale, cache_dir=self.cache, with_origins=self.scale != "belgium"
            )
        return self._bundle

    @property
    def results_dir(self) -> Path:
        path = self.cache / "results" / self.scale
        path.mkdir(parents=True, exist_ok=True)
        return path

    def save(self, task: str, **arrays: np.ndarray) -> None:
        np.savez(self.results_dir / f"{task}.npz", **arrays)

    def load(self, task: str) -> dict[str, np.ndarray] | None:
        path = self.results_dir / f"{task}.npz"
        if not path.exists():
            return None
        with np.load(path, allow_pickle=False) as z:
            return {k: z[k] for k in z.files}

    def clear(self) -> None:
        for path in self.results_dir.glob("*.npz"):
            path.unlink()

    @property
    def gpkg(self) -> Path:
        return self.cache / f"{self.scale}_segments.gpkg"


def _timed(call) -> float:
    """Seconds one ``call()`` takes."""
    t0 = _clock()
    call()
    return _clock() - t0


def _clock() -> float:
    return time.perf_counter()


def _preload(*modules: str) -> None:
    """Import a peer's libraries before its clock starts (import time is not run time)."""
    import importlib

    for name in modules:
        importlib.import_module(name)


def _xy(frame) -> tuple[np.ndarray, np.ndarray]:
    return frame.geometry.x.to_numpy(), frame.geometry.y.to_numpy()


def _service_nodes(ctx: Context) -> np.ndarray:
    """Network nodes of the benchmark kind's services (KD-tree snap; the same for every peer)."""
    net = ctx.bundle.network
    sx, sy = _xy(ctx.bundle.kind(KIND))
    nodes, _, _ = peers.kdtree_snap(net.node_x, net.node_y, sx, sy)
    return np.unique(nodes)


def _target(origins, kind: str) -> np.ndarray:
    from buurtgeo.schema import service_kinds

    cols = list(service_kinds()[kind].target)
    return origins[cols].sum(axis=1).to_numpy(dtype=np.float64)


def _kinds(ctx: Context) -> list[str]:
    return list(ctx.bundle.scale.services)


# --------------------------------------------------------------------------------------
# Tasks: each runs in its own process and returns {"times": {...}, "info": {...}}
# --------------------------------------------------------------------------------------


def task_m0_warm(ctx: Context) -> dict:
    """Fill numba's on-disk cache (``cache=True``) before anything is timed.

    A user's first run ever compiles buurtgeo's kernels once; every later run loads them
    from disk. The measures time the later runs: without this, whichever measure came
    first in a freshly exported library (``--at-commit``) would pay the compilation. Runs
    measure 5 at the toy scale (file → origins → every kind over the network → areas →
    maps: the code paths of the end-to-end measure) and a straight-line ``reach_all``,
    each in a child process, twice: the first time says what compiling costs (nothing
    when the cache was already full), the second what loading costs.
    """
    toy = Context(scale="toy", cache=ctx.cache)
    line = (
        "import numpy as np, geopandas as gpd, buurtgeo as bg\n"
        "rng = np.random.default_rng(0)\n"
        "x, y = rng.uniform(0, 1100, 200), rng.uniform(0, 1100, 200)\n"
        "o = gpd.GeoDataFrame({'children_0_2': np.ones(200)},"
        " geometry=gpd.points_from_xy(x, y), crs='EPSG:3812')\n"
        "s = gpd.GeoDataFrame({'capacity': [10.0, 20.0, 5.0],"
        " 'service_kind': ['childcare_baby'] * 3},"
        " geometry=gpd.points_from_xy([100, 600, 900], [200, 700, 300]), crs='EPSG:3812')\n"
        "bg.reach_all(o, s, catchment_m=400.0, kinds=['childcare_baby'])\n"
    )
    if not toy.gpkg.exists():
        run_task_isolated("m4_write", toy, timeout_s=600)
    times = {}
    for key in ("first", "again"):
        t0 = _clock()
        res = run_task_isolated("m5_e2e", toy, timeout_s=600)
        if res.get("status") != "ok":
            raise RuntimeError(f"warm-up (toy measure 5) failed: {res.get('message')}")
        proc = subprocess.run([sys.executable, "-c", line], capture_output=True, text=True)
        if proc.returncode != 0:
            tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
            raise RuntimeError(f"warm-up (straight-line reach) failed: {tail}")
        times[key] = _clock() - t0
    return {"times": times}


def task_m1_ours(ctx: Context) -> dict:
    reach = ours.api("reach")
    o, s = ctx.bundle.origins, ctx.bundle.kind(KIND)
    t0 = _clock()
    reach(o, s, network=None, catchment_m=CATCHMENT_M, population="children_0_2")
    t1 = _clock()
    res = reach(o, s, network=None, catchment_m=CATCHMENT_M, population="children_0_2")
    t2 = _clock()
    ctx.save("m1_ours", fca2=res["fca2"].to_numpy(dtype=np.float64))
    return {"times": {"first": t1 - t0, "reach": t2 - t1}}


def task_m1_access(ctx: Context) -> dict:
    _preload("access", "scipy.spatial")
    o, s = ctx.bundle.origins, ctx.bundle.kind(KIND)
    ox, oy = _xy(o)
    sx, sy = _xy(s)
    t0 = _clock()
    cost = peers.euclidean_cost_table(ox, oy, sx, sy, CATCHMENT_M)
    t1 = _clock()
    pop = o["children_0_2"].reset_index(drop=True)
    cap = s["capacity"].reset_index(drop=True)
    fca2 = peers.access_2sfca(cost, pop, cap, max_cost=CATCHMENT_M)
    t2 = _clock()
    # the 2SFCA alone is short: the best of M1_REPEAT calls, as for fca2_from_costs
    again = lambda: peers.access_2sfca(cost, pop, cap, max_cost=CATCHMENT_M)  # noqa: E731
    best = min([t2 - t1] + [_timed(again) for _ in range(M1_REPEAT - 1)])
    ctx.save("m1_access", fca2=fca2)
    return {
        "times": {"table": t1 - t0, "access": best, "whole": t2 - t0},
        "info": {"pairs": len(cost)},
    }


def task_m1_costs(ctx: Context) -> dict:
    """Our 2SFCA on exactly the cost table ``access`` gets (the table is built off the clock)."""
    fca2_from_costs = ours.api("fca2_from_costs")
    o, s = ctx.bundle.origins, ctx.bundle.kind(KIND)
    ox, oy = _xy(o)
    sx, sy = _xy(s)
    cost = peers.euclidean_cost_table(ox, oy, sx, sy, CATCHMENT_M)
    cost = cost.rename(columns={"dest": "destination"})
    demand = pd.DataFrame({"population": o["children_0_2"].to_numpy(dtype=np.float64)})
    supply = pd.DataFrame({"capacity": s["capacity"].to_numpy(dtype=np.float64)})
    t0 = _clock()
    res = fca2_from_costs(cost, demand, supply, catchment=CATCHMENT_M)
    t1 = _clock()
    best = min(
        _timed(lambda: fca2_from_costs(cost, demand, supply, catchment=CATCHMENT_M))
        for _ in range(M1_REPEAT)
    )
    ctx.save("m1_costs", fca2=res.reindex(range(len(o))).fillna(0.0).to_numpy(dtype=np.float64))
    return {"times": {"first": t1 - t0, "fca2": best}, "info": {"pairs": len(cost)}}


def task_m2_ours(ctx: Context) -> dict:
    sources = _service_nodes(ctx)
    t0 = _clock()
    network = ours.build_network(ctx.bundle.network)
    t1 = _clock()
    if network.n_nodes != ctx.bundle.network.n_nodes:
        raise RuntimeError(
            f"Network.from_edges kept {network.n_nodes} nodes of {ctx.bundle.network.n_nodes}"
        )
    # Network renumbers its nodes (Z-order); ``node_id`` is each node's input number
    position = np.empty(network.n_nodes, dtype=np.int64)
    position[np.asarray(network.node_id)] = np.arange(network.n_nodes, dtype=np.int64)
    theirs = position[sources]
    t1b = _clock()
    network.nearest(theirs)
    t2 = _clock()
    dist, _ = network.nearest(theirs)
    t3 = _clock()
    ctx.save("m2_ours", dist=np.asarray(dist, dtype=np.float64)[position])
    return {"times": {"build": t1 - t0, "first": t2 - t1b, "nearest": t3 - t2}}


def task_m2_networkx(ctx: Context) -> dict:
    _preload("networkx")
    net = ctx.bundle.network
    sources = _service_nodes(ctx)
    t0 = _clock()
    graph = peers.networkx_graph(net.u, net.v, net.length_m)
    t1 = _clock()
    dist = peers.networkx_nearest(graph, net.n_nodes, sources)
    t2 = _clock()
    ctx.save("m2_networkx", dist=dist)
    return {"times": {"build": t1 - t0, "nearest": t2 - t1}}


def task_m2_pandana(ctx: Context) -> dict:
    if ctx.scale == "flanders" and not ctx.slow_peers:
        return {
            "status": "skipped",
            "message": "pandana at 1M nodes needs --slow-peers (≈11 min of preprocessing)",
        }
    _preload("pandana")
    net = ctx.bundle.network
    sources = _service_nodes(ctx)
    dist, times = peers.pandana_nearest(
        net.node_x, net.node_y, net.u, net.v, net.length_m, sources, maxdist=PANDANA_MAXDIST_M
    )
    ctx.save("m2_pandana", dist=dist)
    times["total"] = times["build"] + times["precompute"] + times["query"]
    return {"times": times, "info": {"maxdist_m": PANDANA_MAXDIST_M}}


def task_m3_ours_one(ctx: Context) -> dict:
    reach = ours.api("reach")
    o, s = ctx.bundle.origins, ctx.bundle.kind(KIND)
    t0 = _clock()
    first_net = ours.build_network(ctx.bundle.network)
    t1 = _clock()
    reach(o, s, network=first_net, catchment_m=CATCHMENT_M, population="children_0_2")
    t2 = _clock()
    del first_net
    network = ours.build_network(ctx.bundle.network)  # fresh: no cached KD-tree
    t3 = _clock()
    res = reach(o, s, network=network, catchment_m=CATCHMENT_M, population="children_0_2")
    t4 = _clock()
    # the pipeline joins the network at the nearest node: cross-check our snap="node" (off
    # the clock; the timed call above measures along the street, the default)
    node = _node_snap(reach, o, s, network=network, population="children_0_2")
    ctx.save("m3_ours_one", **_columns(node if node is not None else res, ""))
    return {"times": {"build": t1 - t0, "first": t2 - t1, "reach": t4 - t3}}


def _node_snap(call, *args, **kwargs):
    """``call(..., snap='node')`` (street snapping's ``snap='node'``: points join at their
    nearest node, as the peers do), or None for a buurtgeo without it."""
    import inspect

    if "snap" not in inspect.signature(call).parameters:
        return None
    return call(*args, snap="node", catchment_m=CATCHMENT_M, **kwargs)


def _columns(res, suffix: str) -> dict[str, np.ndarray]:
    out = {}
    for col in ("dist_nearest_m", "services_within", "capacity_within", "fca2"):
        name = col + suffix
        if name in res.columns:
            out[col] = res[name].to_numpy(dtype=np.float64)
    return out


def task_m3_ours_all(ctx: Context) -> dict:
    o, s = ctx.bundle.origins, ctx.bundle.services
    kinds = _kinds(ctx)
    t0 = _clock()
    first_net = ours.build_network(ctx.bundle.network)
    t1 = _clock()
    ours.reach_all_kinds(o, s, first_net, catchment_m=CATCHMENT_M, kinds=kinds)
    t2 = _clock()
    del first_net
    network = ours.build_network(ctx.bundle.network)
    t3 = _clock()
    res, how = ours.reach_all_kinds(o, s, network, catchment_m=CATCHMENT_M, kinds=kinds)
    t4 = _clock()
    node = _node_snap(ours.api("reach_all"), o, s, network=network, kinds=list(kinds))
    if node is not None:  # for the cross-check with the pipeline (nearest nodes)
        res = node
    arrays = {}
    for kind in kinds:
        for col, values in _columns(res, f"__{kind}").items():
            arrays[f"{kind}:{col}"] = values
    ctx.save("m3_ours_all", **arrays)
    return {"times": {"build": t1 - t0, "first": t2 - t1, "reach": t4 - t3}, "info": {"how": how}}


def task_m3_floor(ctx: Context) -> dict:
    _preload("scipy.spatial", "scipy.sparse.csgraph")
    net = ctx.bundle.network
    csr = net.csr()
    ox, oy = _xy(ctx.bundle.origins)
    sx, sy = _xy(ctx.bundle.kind(KIND))
    _, times = peers.floor_nearest(csr, net.node_x, net.node_y, ox, oy, sx, sy)
    times["total"] = times["snap"] + times["dijkstra"]
    return {"times": times}


def task_m3_pipeline(ctx: Context) -> dict:
    _preload("networkx", "access", "scipy.spatial")
    net = ctx.bundle.network
    o, services = ctx.bundle.origins, ctx.bundle.services
    ox, oy = _xy(o)
    kinds = _kinds(ctx)
    times: dict[str, float] = {}
    t0 = _clock()
    onode, ooff, tree = peers.kdtree_snap(net.node_x, net.node_y, ox, oy)
    t1 = _clock()
    graph = peers.networkx_graph(net.u, net.v, net.length_m)
    t2 = _clock()
    times["snap_origins"] = t1 - t0
    times["graph"] = t2 - t1
    arrays = {}
    pairs = {}
    for kind in kinds:
        s = services[services["service_kind"] == kind]
        sx, sy = _xy(s)
        t3 = _clock()
        snode, soff, _ = peers.kdtree_snap(net.node_x, net.node_y, sx, sy, tree=tree)
        t4 = _clock()
        res, ktimes, npairs = peers.pipeline_kind(
            graph,
            net.n_nodes,
            onode,
            ooff,
            _target(o, kind),
            snode,
            soff,
            s["capacity"].to_numpy(dtype=np.float64),
            radius_m=CATCHMENT_M,
        )
        times[f"{kind}:snap"] = t4 - t3
        for key, value in ktimes.items():
            times[f"{kind}:{key}"] = value
        times[f"{kind}:total"] = (t4 - t3) + sum(ktimes.values())
        pairs[kind] = npairs
        for col in res.columns:
            arrays[f"{kind}:{col}"] = res[col].to_numpy(dtype=np.float64)
    ctx.save("m3_pipeline", **arrays)
    times["one"] = times["snap_origins"] + times[f"{KIND}:total"]
    times["all"] = times["snap_origins"] + sum(times[f"{k}:total"] for k in kinds)
    return {"times": times, "info": {"pairs": pairs}}


def task_m3_bike(ctx: Context) -> dict:
    reach = ours.api("reach")
    o, s = ctx.bundle.origins, ctx.bundle.kind(KIND)
    network = ours.build_network(ctx.bundle.network, mode="bike")
    t0 = _clock()
    res = reach(o, s, network=network, catchment_m=BIKE_M, population="children_0_2")
    t1 = _clock()
    return {
        "times": {"reach": t1 - t0},
        "info": {"mean_services_within": float(res["services_within"].mean())},
    }


def task_m4_write(ctx: Context) -> dict:
    """Write the synthetic network as a GeoPackage of line segments once (cached)."""
    if ctx.gpkg.exists():
        return {"times": {}, "info": {"cached": True}}
    import pyogrio

    lines = ctx.bundle.network.lines()
    tmp = ctx.gpkg.with_suffix(".tmp.gpkg")
    if tmp.exists():
        tmp.unlink()
    t0 = _clock()
    pyogrio.write_dataframe(lines, tmp, layer="segments", driver="GPKG")
    t1 = _clock()
    tmp.replace(ctx.gpkg)
    return {"times": {"write": t1 - t0}, "info": {"segments": len(lines)}}


def task_m4_ours(ctx: Context) -> dict:
    read_network = ours.api("read_network")
    _preload("pyogrio", "shapely", "scipy.sparse")
    t0 = _clock()
    network = read_network(ctx.gpkg, mode="walk")
    t1 = _clock()
    return {
        "times": {"read": t1 - t0},
        "info": {"n_nodes": int(network.n_nodes), "n_edges": int(network.n_edges)},
    }


def task_m4_ref(ctx: Context) -> dict:
    _preload("pyogrio", "shapely", "scipy.sparse")
    csr, times = peers.reference_read_network(ctx.gpkg)
    times["total"] = times["read"] + times["noding"] + times["csr"]
    return {"times": times, "info": {"n_nodes": int(csr.shape[0]), "n_edges": int(csr.nnz // 2)}}


def task_m5_e2e(ctx: Context) -> dict:
    """Network from a file, origins from sectors (grid), every kind, aggregation, maps.

    The maps: the indicators per area (municipality), and per sector for one "province"
    (the municipalities whose NIS code starts like the first one's: about a tenth of the
    study area; the whole study area at city scale). Their sizes are reported (issue #20:
    ≤ 15 MB each at the Belgium scale).
    """
    import pandas as pd

    read_network = ours.api("read_network")
    origins_from_sectors = ours.api("origins_from_sectors")
    aggregate_reach = ours.api("aggregate_reach")
    reach_map = ours.api("reach_map")
    save_map = ours.api("save_map")
    sectors, population = ctx.bundle.sectors, ctx.bundle.population
    services = ctx.bundle.services
    kinds = _kinds(ctx)
    ctx._bundle = None  # keep what the run needs, not the synthetic network arrays
    out = ctx.cache / f"{ctx.scale}_map.html"
    out_sectors = ctx.cache / f"{ctx.scale}_map_province_sectors.html"
    times: dict[str, float] = {}
    t0 = _clock()
    network = read_network(ctx.gpkg, mode="walk")
    t1 = _clock()
    origins = origins_from_sectors(sectors, population, method="grid", spacing_m=100.0)
    t2 = _clock()
    res, how = ours.reach_all_kinds(
        origins, services, network, catchment_m=CATCHMENT_M, kinds=kinds
    )
    t3 = _clock()
    per_sector = aggregate_reach(res, origins, by="sector_id", weight="target")
    sector_area = pd.Series(sectors["municipality_nis"].to_numpy(), index=sectors.index)
    per_area = aggregate_reach(res, origins, by=sector_area, weight="target")
    t4 = _clock()
    areas = sectors[["municipality_nis", "geometry"]].dissolve(by="municipality_nis")
    areas.index.name = "area_id"
    areas = areas.join(per_area)
    t4b = _clock()
    indicators = [f"share_covered__{k}" for k in kinds] + [f"places_per_100_2sfca__{KIND}"]
    m = reach_map(areas, indicators=indicators, services=services)
    save_map(m, out)
    del m
    t5 = _clock()
    province = sectors["municipality_nis"].str[:2] == sectors["municipality_nis"].iloc[0][:2]
    in_province = sectors.loc[province, ["geometry"]].join(per_sector)
    near = services[services["service_kind"] == KIND]
    m = reach_map(in_province, indicators=indicators, services=near)
    save_map(m, out_sectors)
    del m
    t6 = _clock()
    times.update(
        read_network=t1 - t0,
        origins=t2 - t1,
        reach=t3 - t2,
        aggregate=t4 - t3,
        dissolve_areas=t4b - t4,
        map=t5 - t4b,
        map_sectors=t6 - t5,
        total=t6 - t0,
    )
    return {
        "times": times,
        "info": {
            "origins": len(origins),
            "sectors": len(per_sector),
            "areas": len(per_area),
            "kinds": len(kinds),
            "reach": how,
            "map_mb": round(out.stat().st_size / 1e6, 1),
            "province_sectors": int(province.sum()),
            "sector_map_mb": round(out_sectors.stat().st_size / 1e6, 1),
        },
    }


#: Synthetic sectors and services of measure 6, per scale.
MAP_SECTORS = {"toy": 200, "city": 2_000, "flanders": 10_000}
MAP_SERVICES = {"toy": 20, "city": 300, "flanders": 3_000}
MAP_MB_LIMIT = 15.0
MAP_DRAW_LIMIT_S = 3.0


def _real_dir() -> Path:
    env = os.environ.get("BUURTGEO_REAL_DATA")
    return Path(env) if env else HERE.parent.parent / "shared" / "data" / "real"


def task_m6_maps(ctx: Context) -> dict:
    """Large maps: size and draw time in headless Chromium (see benchmarks/maps.py)."""
    import maps as large

    times: dict[str, float] = {}
    info: dict[str, object] = {}
    pages = {"sectors": large.synthetic_sectors(MAP_SECTORS[ctx.scale])}
    if ctx.scale != "toy":
        wijken = large.real_wijken(_real_dir())
        if wijken is not None:
            pages["wijken"] = wijken
    for name, areas in pages.items():
        areas = large.with_indicators(areas)
        services = large.services_for(areas, MAP_SERVICES[ctx.scale])
        path = ctx.cache / f"{ctx.scale}_map_{name}.html"
        made = large.write_map(areas, services, path)
        times[f"build_{name}"] = made["build"] + made["save"]
        drawn = large.draw_time(path, len(areas))
        if drawn is not None:
            times[f"draw_{name}"] = drawn
        info[f"mb_{name}"] = round(made["mb"], 2)
        info[f"n_{name}"] = len(areas)
    return {"times": times, "info": info}


# --------------------------------------------------------------------------------------
# Street snapping (issue 15): the snap step alone, and reach on a dense network.
# S1: Network.snap_edges vs shapely STRtree.query_nearest + line_locate_point on the same
#     points (the scale's origins) and segments (the synthetic bent lines), >= 5x, same
#     distances to 1e-9; a KD-tree on the nodes as a reference.
# D1: bg.reach (along the street) on a network with a junction every 30 m vs the floor on
#     that network, <= 1.5x; snap="node" beside it.
# --------------------------------------------------------------------------------------


def _origin_xy(ctx: Context) -> tuple[np.ndarray, np.ndarray]:
    return _xy(ctx.bundle.origins)


def task_s1_ours(ctx: Context) -> dict:
    network_cls = ours.api("Network")
    if not hasattr(network_cls, "snap_edges"):
        raise ours.NotAvailable("buurtgeo.Network.snap_edges")
    lines = ctx.bundle.network.lines()
    ox, oy = _origin_xy(ctx)
    network_cls.from_lines(lines.iloc[:50]).snap_edges(ox[:10], oy[:10])  # JIT loaded
    t0 = _clock()
    net = network_cls.from_lines(lines)
    t1 = _clock()
    snap = net.snap_edges(ox, oy)  # the first call builds the grid over the streets
    t2 = _clock()
    again = net.snap_edges(ox, oy)
    t3 = _clock()
    assert np.array_equal(again.edge, snap.edge)
    ctx.save(
        "s1_ours",
        offset=snap.offset_m,
        segment=np.asarray(net._edge_row)[snap.edge],
        qx=snap.x,
        qy=snap.y,
    )
    return {"times": {"build": t1 - t0, "snap": t2 - t1, "again": t3 - t2}}


def task_s1_shapely(ctx: Context) -> dict:
    _preload("shapely")
    import shapely

    lines = np.asarray(ctx.bundle.network.lines().geometry.array)
    ox, oy = _origin_xy(ctx)
    pts = shapely.points(ox, oy)  # the same points, made off the clock
    t0 = _clock()
    tree = shapely.STRtree(lines)
    t1 = _clock()
    idx, dist = tree.query_nearest(pts, return_distance=True, all_matches=False)
    t2 = _clock()
    seg = np.empty(len(pts), dtype=np.int64)
    seg[idx[0]] = idx[1]
    offset = np.empty(len(pts))
    offset[idx[0]] = dist
    pos = shapely.line_locate_point(lines[seg], pts)
    t3 = _clock()
    q = shapely.get_coordinates(shapely.line_interpolate_point(lines[seg], pos))
    ctx.save("s1_shapely", offset=offset, segment=seg, qx=q[:, 0], qy=q[:, 1])
    return {
        "times": {"tree": t1 - t0, "query": t2 - t1, "locate": t3 - t2, "total": t3 - t0},
        "info": {"segments": len(lines)},
    }


def task_s1_kdtree(ctx: Context) -> dict:
    _preload("scipy.spatial")
    net = ctx.bundle.network
    ox, oy = _origin_xy(ctx)
    t0 = _clock()
    peers.kdtree_snap(net.node_x, net.node_y, ox, oy)
    t1 = _clock()
    return {"times": {"total": t1 - t0}}


def _dense(ctx: Context):
    return synthetic.dense(ctx.scale, cache_dir=ctx.cache)


def task_d1_ours(ctx: Context, snap: str = "edge") -> dict:
    reach = ours.api("reach")
    d = _dense(ctx)
    o, s = d.origins, d.services
    extra = {} if snap == "edge" else {"snap": snap}
    first = ours.build_network(d.network)
    t0 = _clock()
    reach(o, s, network=first, catchment_m=CATCHMENT_M, population="children_0_2", **extra)
    t1 = _clock()
    del first
    network = ours.build_network(d.network)  # fresh: grid and KD-tree built in the call
    t2 = _clock()
    res = reach(o, s, network=network, catchment_m=CATCHMENT_M, population="children_0_2", **extra)
    t3 = _clock()
    info = {"mean_services_within": float(res["services_within"].mean())}
    return {"times": {"first": t1 - t0, "reach": t3 - t2}, "info": info}


def task_d1_node(ctx: Context) -> dict:
    import inspect

    if "snap" not in inspect.signature(ours.api("reach")).parameters:
        raise ours.NotAvailable("buurtgeo.reach(snap=...)")
    return task_d1_ours(ctx, snap="node")


def task_d1_floor(ctx: Context) -> dict:
    _preload("scipy.spatial", "scipy.sparse.csgraph")
    d = _dense(ctx)
    ox, oy = _xy(d.origins)
    sx, sy = _xy(d.services)
    _, times = peers.floor_nearest(
        d.network.csr(), d.network.node_x, d.network.node_y, ox, oy, sx, sy
    )
    times["total"] = times["snap"] + times["dijkstra"]
    return {"times": times, "info": {"nodes": d.network.n_nodes, "segments": d.network.n_edges}}


def _street_rows(ctx: Context, r: dict[str, dict], row, notes: list[str]) -> None:
    """The rows and notes of S1 and D1 (see the block of tasks above)."""
    mine, theirs = ctx.load("s1_ours"), ctx.load("s1_shapely")
    diff = None
    if r.get("s1_ours", {}).get("status") == "ok" and mine and theirs:
        # relative, but in metres for offsets under 1 m (a point on the street: 0 m)
        a, b = mine["offset"], theirs["offset"]
        diff = float((np.abs(a - b) / np.maximum(np.maximum(a, b), 1.0)).max()) if len(a) else 0.0
        same = mine["segment"] == theirs["segment"]
        gap = np.hypot(mine["qx"] - theirs["qx"], mine["qy"] - theirs["qy"])[same]
        notes.append(
            f"S1 offsets: max relative difference ours vs shapely = {diff:.1e} (in metres below"
            " 1 m; target 1e-9);"
            f" the same segment for {same.mean():.2%} of the points (the rest: ties), where the"
            f" join points differ by at most {1e6 * (gap.max() if gap.size else 0.0):.3f} µm"
        )
    row(
        "S1",
        "snap to the nearest street (origins)",
        "s1_ours",
        "snap",
        "shapely STRtree.query_nearest+locate",
        "s1_shapely",
        "total",
        ">= 5x, =1e-9",
        lambda it: None if it.ratio is None or diff is None else (it.ratio >= 5 and diff <= 1e-9),
    )
    row(
        "",
        "",
        "s1_ours",
        "snap",
        "KD-tree nearest node (reference)",
        "s1_kdtree",
        "total",
        "",
        None,
    )
    for task, key, label in (
        ("s1_ours", "again", "snap_edges again (grid kept on the network)"),
        ("s1_ours", "build", "Network.from_lines (not in the time)"),
        ("s1_shapely", "tree", "shapely STRtree build (in its time)"),
        ("s1_shapely", "locate", "shapely line_locate_point (in its time)"),
    ):
        value = _time(r.get(task, {}), key)
        if value is not None:
            notes.append(f"S1 {label}: {_fmt_s(value)} s")
    row(
        "D1",
        "reach on a dense network (30 m), 1 km",
        "d1_ours",
        "reach",
        "floor: KD-tree snap + scipy dijkstra",
        "d1_floor",
        "total",
        "<= 1.5x floor",
        lambda it: None if it.ratio is None else it.ratio >= 1 / 1.5,
    )
    row("", "  the same, snap='node'", "d1_node", "reach", "floor", "d1_floor", "total", "", None)
    info = r.get("d1_floor", {}).get("info", {})
    if info:
        notes.append(
            f"D1 dense network: {info.get('nodes', 0):,} nodes, {info.get('segments', 0):,}"
            f" segments, junctions 30 m apart; mean services within 1 km:"
            f" {r.get('d1_ours', {}).get('info', {}).get('mean_services_within', float('nan')):.1f}"
        )


TASKS: dict[str, Callable[[Context], dict]] = {
    "m0_warm": task_m0_warm,
    "m1_ours": task_m1_ours,
    "m1_access": task_m1_access,
    "m1_costs": task_m1_costs,
    "m2_ours": task_m2_ours,
    "m2_networkx": task_m2_networkx,
    "m2_pandana": task_m2_pandana,
    "m3_ours_one": task_m3_ours_one,
    "m3_ours_all": task_m3_ours_all,
    "m3_floor": task_m3_floor,
    "m3_pipeline": task_m3_pipeline,
    "m3_bike": task_m3_bike,
    "m4_write": task_m4_write,
    "m4_ref": task_m4_ref,
    "m4_ours": task_m4_ours,
    "m5_e2e": task_m5_e2e,
    "m6_maps": task_m6_maps,
    # street snapping (issue 15)
    "s1_ours": task_s1_ours,
    "s1_shapely": task_s1_shapely,
    "s1_kdtree": task_s1_kdtree,
    "d1_ours": task_d1_ours,
    "d1_node": task_d1_node,
    "d1_floor": task_d1_floor,
}
TASKS.update(analyst.TASKS)  # issue #20: 8 the command line, 9 site suggestions


def run_task(name: str, ctx: Context) -> dict:
    """Run one task here and now; never raises (the status says what happened)."""
    t0 = _clock()
    try:
        out = TASKS[name](ctx)
        out.setdefault("status", "ok")
    except ours.NotAvailable as exc:
        out = {"status": "n/a", "message": f"n/a (not available yet): {exc}"}
    except Exception as exc:  # a failing part must not hide the others
        traceback.print_exc()
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        out = {"status": "error", "message": f"error: {type(exc).__name__}: {first}"[:300]}
    out.setdefault("times", {})
    out.setdefault("info", {})
    out["wall_s"] = _clock() - t0
    return out


def _peak_mb() -> float:
    # Linux reports ru_maxrss in KiB, macOS in bytes
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / 1024.0 / (1024.0 if sys.platform == "darwin" else 1.0)


def run_task_isolated(name: str, ctx: Context, *, timeout_s: float) -> dict:
    """Run one task in a fresh Python process and return its result with its peak memory.

    The worker writes its result as JSON to a file (pandana's C++ code prints progress on the
    same standard output, without newlines, so stdout is only kept for the log).
    """
    logs = ctx.cache / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    log = logs / f"{ctx.scale}_{name}.log"
    result_file = logs / f"{ctx.scale}_{name}.json"
    if result_file.exists():
        result_file.unlink()
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", name, "--scale", ctx.scale]
    cmd += ["--cache-dir", str(ctx.cache), "--result-file", str(result_file)]
    if ctx.slow_peers:
        cmd.append("--slow-peers")
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout_s, check=False)
    except subprocess.TimeoutExpired as exc:
        log.write_text(f"{exc.stdout or ''}\n{exc.stderr or ''}")
        return {"status": "error", "message": f"error: timed out after {timeout_s:.0f} s"}
    log.write_text(f"$ {' '.join(cmd)}\n--- stdout\n{proc.stdout}\n--- stderr\n{proc.stderr}")
    if result_file.exists():
        return json.loads(result_file.read_text())
    tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
    return {"status": "error", "message": f"error: worker exit {proc.returncode}: {tail}"[:300]}


def worker_main(name: str, ctx: Context, result_file: Path) -> int:
    out = run_task(name, ctx)
    out["peak_mb"] = _peak_mb()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    # CPU time vs wall time of the whole worker: how much of the machine it really had
    out["cpu_s"] = usage.ru_utime + usage.ru_stime
    out["process_wall_s"] = _clock() - _START
    tmp = result_file.with_suffix(".tmp")
    tmp.write_text(json.dumps(out))
    tmp.replace(result_file)
    return 0


# --------------------------------------------------------------------------------------
# Cross-checks and the table
# --------------------------------------------------------------------------------------


def max_rel_diff(a: np.ndarray, b: np.ndarray) -> float:
    """``max |a - b| / max(|a|, |b|)`` over all entries (0 where both are 0; inf == inf).

    An entry infinite in one array only gives ``inf``.
    """
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        return float("inf")
    inf_a, inf_b = ~np.isfinite(a), ~np.isfinite(b)
    if (inf_a != inf_b).any():
        return float("inf")
    ok = ~inf_a
    a, b = a[ok], b[ok]
    scale = np.maximum(np.abs(a), np.abs(b))
    diff = np.abs(a - b)
    rel = np.divide(diff, scale, out=np.zeros_like(diff), where=scale > 0)
    return float(rel.max()) if rel.size else 0.0


def _fmt_s(value: float | None) -> str:
    if value is None:
        return "—"
    if value >= 100:
        return f"{value:.0f}"
    if value >= 10:
        return f"{value:.1f}"
    if value >= 0.1:
        return f"{value:.2f}"
    return f"{value:.3f}"


def _fmt_mb(value: float | None) -> str:
    return "—" if value is None else f"{value:,.0f}"


@dataclass
class Row:
    """One line of the table."""

    scale: str
    id: str
    measure: str
    ours_s: float | None
    peer: str
    peer_s: float | None
    target: str
    result: str
    ours_mb: float | None = None
    peer_mb: float | None = None
    ours_msg: str = ""
    peer_msg: str = ""
    show_ratio: bool = True
    ours_task: str = ""
    peer_task: str = ""

    @property
    def ratio(self) -> float | None:
        if not self.show_ratio or self.ours_s is None or self.peer_s is None or self.ours_s <= 0:
            return None
        return self.peer_s / self.ours_s


def _time(res: dict, key: str) -> float | None:
    if res.get("status") != "ok":
        return None
    value = res.get("times", {}).get(key)
    return None if value is None else float(value)


def _judge(ok: bool | None) -> str:
    return "n/a" if ok is None else ("PASS" if ok else "MISS")


def build_rows(ctx: Context, results: dict[str, dict]) -> tuple[list[Row], list[str]]:
    """Turn task results into table rows and notes (cross-checks, first calls, sizes)."""
    r = results
    rows: list[Row] = []
    notes: list[str] = []
    sc = ctx.scale

    def row(
        rid, measure, ours_task, ours_key, peer, peer_task, peer_key, target, ok_fn, ratio=True
    ):
        o, p = r.get(ours_task, {}), r.get(peer_task, {})
        ours_s = _time(o, ours_key)
        peer_s = _time(p, peer_key) if peer_task else None
        item = Row(
            sc,
            rid,
            measure,
            ours_s,
            peer,
            peer_s,
            target,
            "—",
            o.get("peak_mb"),
            p.get("peak_mb") if peer_task else None,
            "" if o.get("status") == "ok" else o.get("message", "not run"),
            "" if not peer_task or p.get("status") == "ok" else p.get("message", "not run"),
            ratio,
            ours_task,
            peer_task,
        )
        if ok_fn is not None:
            item.result = _judge(ok_fn(item))
        rows.append(item)
        return item

    def ratio_at_least(x):
        return lambda it: None if it.ratio is None else it.ratio >= x

    # 1. 2SFCA
    fca_ours, fca_peer = ctx.load("m1_ours"), ctx.load("m1_access")
    diff1 = None
    if r.get("m1_ours", {}).get("status") == "ok" and fca_ours and fca_peer:
        diff1 = max_rel_diff(fca_ours["fca2"], fca_peer["fca2"])
        notes.append(
            f"1  2SFCA: max relative difference ours vs access = {diff1:.2e} (target 1e-9)"
        )
    fca_costs = ctx.load("m1_costs")
    diff1c = None
    if r.get("m1_costs", {}).get("status") == "ok" and fca_costs and fca_peer:
        diff1c = max_rel_diff(fca_costs["fca2"], fca_peer["fca2"])
        notes.append(
            f"1  2SFCA on the same cost table: max relative difference fca2_from_costs vs access"
            f" = {diff1c:.2e} (target 1e-9)"
        )
    row(
        "1",
        "2SFCA, 1 kind, 1 km, same cost table",
        "m1_costs",
        "fca2",
        "access two_stage_fca (given table)",
        "m1_access",
        "access",
        ">= 10x, =1e-9",
        lambda it: (
            None if it.ratio is None or diff1c is None else (it.ratio >= 10 and diff1c <= 1e-9)
        ),
    )
    row(
        "",
        "2SFCA from points (pairs found too)",
        "m1_ours",
        "reach",
        "cKDTree cost table + access (whole)",
        "m1_access",
        "whole",
        "=1e-9",
        lambda it: None if diff1 is None else diff1 <= 1e-9,
    )
    row(
        "",
        "",
        "m1_ours",
        "reach",
        "cKDTree cost table (peer prep, apart)",
        "m1_access",
        "table",
        "",
        None,
        ratio=False,
    )
    if "pairs" in r.get("m1_access", {}).get("info", {}):
        notes.append(f"1  straight-line pairs within 1 km: {r['m1_access']['info']['pairs']:,}")

    # 2. nearest over the network
    d_ours, d_nx, d_pd = ctx.load("m2_ours"), ctx.load("m2_networkx"), ctx.load("m2_pandana")
    if r.get("m2_ours", {}).get("status") == "ok" and d_ours and d_nx:
        notes.append(
            "2  nearest: max relative difference ours vs networkx = "
            f"{max_rel_diff(d_ours['dist'], d_nx['dist']):.2e}"
        )
    if r.get("m2_ours", {}).get("status") == "ok" and d_ours and d_pd:
        inside = d_ours["dist"] < PANDANA_MAXDIST_M - 1.0
        capped = int((~inside).sum())
        diff = float(np.abs(d_ours["dist"][inside] - d_pd["dist"][inside]).max())
        notes.append(
            f"2  pandana (float32, capped at {PANDANA_MAXDIST_M:.0f} m for {capped:,} of "
            f"{inside.size:,} nodes): max abs difference within the cap = {diff:.3f} m"
        )
    row(
        "2",
        "nearest service, every node (network)",
        "m2_ours",
        "nearest",
        "pandana nearest_pois (query)",
        "m2_pandana",
        "query",
        ">= 1x",
        ratio_at_least(1.0),
    )
    row(
        "",
        "",
        "m2_ours",
        "nearest",
        "pandana build+precompute+query",
        "m2_pandana",
        "total",
        "",
        None,
    )
    row(
        "",
        "",
        "m2_ours",
        "nearest",
        "networkx multi-source Dijkstra",
        "m2_networkx",
        "nearest",
        "",
        None,
    )
    row(
        "",
        "",
        "m2_ours",
        "nearest",
        "networkx graph build (apart)",
        "m2_networkx",
        "build",
        "",
        None,
        ratio=False,
    )
    for task, key, label in (
        ("m2_ours", "build", "Network.from_edges"),
        ("m2_ours", "first", "first nearest call"),
        ("m2_pandana", "build", "pandana Network (contraction hierarchies)"),
        ("m2_pandana", "precompute", f"pandana precompute({PANDANA_MAXDIST_M:.0f})"),
    ):
        value = _time(r.get(task, {}), key)
        if value is not None:
            notes.append(f"2  {label}: {_fmt_s(value)} s")

    # 3. reach, given a built network
    floor_ok = ratio_at_least(1 / 1.5)
    row(
        "3a",
        "reach, 1 kind, 1 km, all indicators",
        "m3_ours_one",
        "reach",
        "floor: KD-tree snap + scipy dijkstra",
        "m3_floor",
        "total",
        "<= 1.5x floor",
        floor_ok,
    )
    row(
        "",
        "",
        "m3_ours_one",
        "reach",
        "pipeline: snap+networkx+access",
        "m3_pipeline",
        "one",
        ">= 8x",
        ratio_at_least(8.0),
    )
    row(
        "3b",
        "reach, 5 kinds, 1 km",
        "m3_ours_all",
        "reach",
        "pipeline x 5 kinds",
        "m3_pipeline",
        "all",
        ">= 10x",
        ratio_at_least(10.0),
    )
    bike = row(
        "3c",
        f"reach, 1 kind, bike {BIKE_M / 1000:g} km (memory)",
        "m3_bike",
        "reach",
        "",
        "",
        "",
        "<= 4 GB",
        None,
    )
    bike.result = _judge(None if bike.ours_mb is None else bike.ours_mb <= MEMORY_LIMIT_MB)
    if bike.ours_s is None or r.get("m3_bike", {}).get("status") != "ok":
        bike.result = "n/a"
    graph_s = _time(r.get("m3_pipeline", {}), "graph")
    if graph_s is not None:
        notes.append(
            f"3  networkx graph build for the pipeline (not in its time): {_fmt_s(graph_s)} s"
        )
    for task in ("m3_ours_one", "m3_ours_all"):
        first = _time(r.get(task, {}), "first")
        if first is not None:
            notes.append(f"3  {task}: first call (cold: JIT load, KD-tree) {_fmt_s(first)} s")
    how = r.get("m3_ours_all", {}).get("info", {}).get("how")
    if how:
        notes.append(f"3b ours = {how}")
    pipe = ctx.load("m3_pipeline")
    one = ctx.load("m3_ours_one")
    if pipe and one and r.get("m3_ours_one", {}).get("status") == "ok":
        diffs = {c: max_rel_diff(one[c], pipe[f"{KIND}:{c}"]) for c in one}
        notes.append(
            "3a ours (snap='node', like the pipeline; timed: along the street) vs pipeline,"
            " max relative difference: " + ", ".join(f"{c} {v:.1e}" for c, v in diffs.items())
        )
    allk = ctx.load("m3_ours_all")
    if pipe and allk and r.get("m3_ours_all", {}).get("status") == "ok":
        worst = max(
            (max_rel_diff(v, pipe[k]) for k, v in allk.items() if k in pipe), default=float("nan")
        )
        notes.append(
            f"3b ours (snap='node') vs pipeline, 5 kinds, max relative difference: {worst:.1e}"
        )

    # 4. read_network
    item = row(
        "4",
        "read_network (GeoPackage of segments)",
        "m4_ours",
        "read",
        "pyogrio + np.unique noding + CSR",
        "m4_ref",
        "total",
        "<= 2x ref",
        ratio_at_least(0.5),
    )
    ref_info = r.get("m4_ref", {}).get("info", {})
    our_info = r.get("m4_ours", {}).get("info", {})
    if ref_info:
        ref_times = r["m4_ref"].get("times", {})
        notes.append(
            f"4  segments file: {ref_info.get('n_edges', 0):,} edges, {ref_info.get('n_nodes', 0):,} "
            f"nodes (ref read {_fmt_s(ref_times.get('read'))} s, noding "
            f"{_fmt_s(ref_times.get('noding'))} s, CSR {_fmt_s(ref_times.get('csr'))} s)"
        )
    if our_info and ref_info and item.ours_s is not None:
        same = (our_info["n_nodes"], our_info["n_edges"]) == (
            ref_info["n_nodes"],
            ref_info["n_edges"],
        )
        notes.append(
            f"4  ours read {our_info['n_nodes']:,} nodes / {our_info['n_edges']:,} edges "
            f"({'same graph' if same else 'DIFFERENT from the reference'})"
        )

    # 5. end to end (at the Belgium scale: issue #20's targets, the map sizes included)
    e2e = r.get("m5_e2e", {})
    country = sc == "belgium"
    limit_s, limit_mb = (
        (COUNTRY_LIMIT_S, COUNTRY_MEMORY_MB) if country else (END_TO_END_LIMIT_S, MEMORY_LIMIT_MB)
    )
    n_kinds = len(synthetic.SCALES[sc].services)
    item = row(
        "5",
        f"end to end: file→origins→{n_kinds} kinds→areas→map",
        "m5_e2e",
        "total",
        "",
        "",
        "",
        "<=120s,8GB,15MB" if country else "< 60 s, <= 4 GB",
        None,
    )
    if item.ours_s is None:
        item.result = "n/a"
    else:
        info = e2e.get("info", {})
        maps_ok = max(info.get("map_mb", 0.0), info.get("sector_map_mb", 0.0)) <= MAP_LIMIT_MB
        item.result = _judge(
            item.ours_s <= limit_s
            and (item.ours_mb is None or item.ours_mb <= limit_mb)
            and (maps_ok or not country)
        )
        parts = ", ".join(
            f"{k} {_fmt_s(v)} s" for k, v in e2e.get("times", {}).items() if k != "total"
        )
        notes.append(f"5  parts: {parts}; {info}")
        if e2e.get("cpu_s") and e2e.get("process_wall_s"):
            notes.append(
                f"5  CPU time of its process {_fmt_s(e2e['cpu_s'])} s for "
                f"{_fmt_s(e2e['process_wall_s'])} s of wall time (synthetic inputs made first "
                "included): on a shared machine, about what the run takes alone"
            )
    _map_rows(ctx, r, row, notes)  # 6: large maps (issue 18)
    # 8, 9 (issue #20): the command line and site suggestions, in benchmarks/analyst.py
    analyst.rows(r, row, notes)
    _street_rows(ctx, r, row, notes)  # street snapping (issue 15)
    shares = [
        f"{name} {100 * res['cpu_s'] / res['process_wall_s']:.0f}%"
        for name, res in r.items()
        if res.get("cpu_s") and res.get("process_wall_s")
    ]
    if shares:
        notes.append(
            "   CPU time / wall time per process (well below 100% = the CPUs were shared; "
            "pandana and KD-tree queries may use 2 threads): " + ", ".join(shares)
        )
    return rows, notes


def _map_rows(ctx: Context, r: dict[str, dict], row: Callable[..., Row], notes: list[str]) -> None:
    """Measure 6: the large maps' draw times as rows, their sizes in the notes."""
    res = r.get("m6_maps", {})
    info = res.get("info", {})
    for key, what in (("sectors", "synthetic sectors"), ("wijken", "real Flemish wijken")):
        n = info.get(f"n_{key}")
        if res and n is None and key == "wijken":
            continue  # no real data here
        label = f"map of {n:,} {what}: draw" if n else f"map: {what}: draw"
        limit = key == "sectors" and n is not None and n >= 10_000
        item = row(
            "6" if key == "sectors" else "",
            label,
            "m6_maps",
            f"draw_{key}",
            "",
            "",
            "",
            f"<= {MAP_DRAW_LIMIT_S:.0f} s, <= {MAP_MB_LIMIT:.0f} MB" if limit else "—",
            None,
            ratio=False,
        )
        mb = info.get(f"mb_{key}")
        if item.ours_s is None:
            item.result = "n/a" if res.get("status") == "ok" else item.result
            if res.get("status") == "ok":
                item.ours_msg = "n/a (no /usr/bin/chromium)"
        elif limit:
            item.result = _judge(item.ours_s <= MAP_DRAW_LIMIT_S and mb <= MAP_MB_LIMIT)
        if mb is not None:
            build = res.get("times", {}).get(f"build_{key}")
            notes.append(
                f"6  {n:,} {what}: page {mb:.1f} MB, built and saved in {_fmt_s(build)} s, "
                f"drawn in {_fmt_s(item.ours_s)} s"
                + (
                    " (before issue 18: the 2,767 wijken gave 7.1 MB and drew in 2.5 s)"
                    if key == "wijken"
                    else ""
                )
            )


HEADER = (
    f"{'':3} {'measure':<42} {'ours s':>8}  {'peer':<36} {'peer s':>8} {'ratio':>8}"
    f"  {'target':<15} {'result':<6} {'peak MB ours/peer':>17}"
)


def format_table(rows: list[Row], notes: list[str], title: str) -> str:
    """The table as text (what the command prints)."""
    lines = [title, HEADER, "-" * len(HEADER)]
    for it in rows:
        ours_s = _fmt_s(it.ours_s) if it.ours_s is not None else "n/a"
        peer_s = _fmt_s(it.peer_s) if it.peer_s is not None else ("—" if not it.peer else "n/a")
        ratio = "—" if it.ratio is None else f"{it.ratio:.{0 if it.ratio >= 100 else 2}f}x"
        mem = f"{_fmt_mb(it.ours_mb)}/{_fmt_mb(it.peer_mb)}" if it.id or it.peer_mb else ""
        lines.append(
            f"{it.id:<3} {it.measure:<42} {ours_s:>8}  {it.peer:<36} {peer_s:>8} {ratio:>8}"
            f"  {it.target:<15} {it.result:<6} {mem:>17}"
        )
        for msg in dict.fromkeys(m for m in (it.ours_msg, it.peer_msg) if m):
            if it.id or msg != it.ours_msg:
                lines.append(f"      ↳ {msg}")
    if notes:
        lines.append("")
        lines.extend(f"  {n}" for n in notes)
    return "\n".join(lines)


# --------------------------------------------------------------------------------------
# Machine and main
# --------------------------------------------------------------------------------------


def machine() -> dict[str, str]:
    """CPU, cores, memory, Python and library versions."""
    from importlib import metadata

    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram = "?"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                ram = f"{int(line.split()[1]) / 1024**2:.1f} GiB"
    except OSError:
        pass
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    versions = []
    for pkg in (
        "buurtgeo",
        "numpy",
        "scipy",
        "pandas",
        "geopandas",
        "shapely",
        "pyogrio",
        "numba",
        "networkx",
        "pandana",
        "access",
    ):
        try:
            versions.append(f"{pkg} {metadata.version(pkg)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{pkg} -")
    commit = "?"
    try:
        commit = (
            subprocess.run(
                ["git", "-C", str(HERE.parent), "rev-parse", "--short", "HEAD"],
                capture_output=True,
                text=True,
                check=False,
            ).stdout.strip()
            or "?"
        )
    except OSError:
        pass
    return {
        "cpu": cpu,
        "cores": str(cores),
        "ram": ram,
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "versions": ", ".join(versions),
        "commit": commit,
    }


def export_library(rev: str, cache: Path) -> str:
    """Export ``buurtgeo/`` at ``rev`` with ``git archive`` and put it first on PYTHONPATH.

    The workers inherit the environment, so they import that copy instead of the working tree
    (which other engineers may be editing). Returns the short commit hash.
    """
    repo = HERE.parent
    commit = subprocess.run(
        ["git", "-C", str(repo), "rev-parse", "--short", rev],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    target = cache / f"_lib_{commit}"
    if not (target / "buurtgeo" / "__init__.py").exists():
        target.mkdir(parents=True, exist_ok=True)
        archive = subprocess.run(
            ["git", "-C", str(repo), "archive", commit, "buurtgeo"], capture_output=True, check=True
        ).stdout
        subprocess.run(["tar", "-x", "-C", str(target)], input=archive, check=True)
    old = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = str(target) + (os.pathsep + old if old else "")
    return commit


PLAN: dict[str, list[str]] = {
    "default": [
        "m0_warm",
        "m1_ours",
        "m1_access",
        "m1_costs",
        "m2_ours",
        "m2_networkx",
        "m2_pandana",
        "m3_ours_one",
        "m3_ours_all",
        "m3_floor",
        "m3_pipeline",
        "m3_bike",
        "m4_write",
        "m4_ref",
        "m4_ours",
        "m5_e2e",
        "m6_maps",
        *analyst.TASKS,  # 8, 9 (issue #20)
        # street snapping (issue 15)
        "s1_ours",
        "s1_shapely",
        "s1_kdtree",
        "d1_ours",
        "d1_node",
        "d1_floor",
    ],
    # the whole country (issue #20): the file-to-map run, read_network and its reference
    "belgium": ["m0_warm", "m4_write", "m4_ref", "m4_ours", "m5_e2e"],
}


def _plan(scale: str) -> list[str]:
    """The tasks of one scale: every measure, less those sized for one scale only."""
    if scale in PLAN:
        return PLAN[scale]
    return [t for t in PLAN["default"] if t not in analyst.TASKS or scale in analyst.SCALES]


def run_scale(
    scale: str,
    *,
    cache: Path,
    slow_peers: bool = False,
    isolate: bool = True,
    only: list[str] | None = None,
    timeout_s: float = 1800.0,
    log: Callable[[str], None] | None = None,
) -> tuple[list[Row], list[str], dict[str, dict]]:
    """Run every task of one scale and return the table rows, notes and raw results."""
    ctx = Context(scale=scale, cache=cache, slow_peers=slow_peers)
    ctx.clear()
    results: dict[str, dict] = {}
    for name in _plan(scale):
        if only and name != "m0_warm" and not any(name.startswith(p) for p in only):
            continue
        if name.startswith("m4_") and name != "m4_write" and "m4_write" not in results:
            results["m4_write"] = _run(ctx, "m4_write", isolate, timeout_s, log)
        if name == "m5_e2e" and "m4_write" not in results:
            results["m4_write"] = _run(ctx, "m4_write", isolate, timeout_s, log)
        if name in results:
            continue
        results[name] = _run(ctx, name, isolate, timeout_s, log)
    rows, notes = build_rows(ctx, results)
    # print the measures that ran (a scale's own plan, --only), not a page of "not run"
    keep, current = [], False
    for it in rows:
        if it.id:
            current = it.ours_task in results
        if current:
            keep.append(it)
    rows = keep
    warm = results.get("m0_warm", {})
    if warm.get("status") == "ok" and warm.get("times", {}).get("first", 0) > 0:
        notes.append(
            f"0  warm-up before the measures (compiled code cached on disk, as after a user's "
            f"first run): {_fmt_s(warm['times']['first'])} s, then {_fmt_s(warm['times']['again'])}"
            " s in a fresh process"
        )
    write = results.get("m4_write", {})
    if write.get("times", {}).get("write"):
        notes.append(f"4  GeoPackage written once in {_fmt_s(write['times']['write'])} s (cached)")
    return rows, notes, results


def _run(ctx: Context, name: str, isolate: bool, timeout_s: float, log) -> dict:
    t0 = _clock()
    if isolate:
        res = run_task_isolated(name, ctx, timeout_s=timeout_s)
    else:
        res = run_task(name, ctx)
    if log is not None:
        log(f"[{ctx.scale}] {name:<12} {res.get('status', '?'):<8} {_clock() - t0:7.1f} s")
    return res


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Benchmark buurtgeo against pandana, networkx and PySAL access (same run)."
    )
    parser.add_argument(
        "--scale", choices=["toy", "city", "flanders", "belgium", "all"], default="city"
    )
    parser.add_argument(
        "--slow-peers",
        action="store_true",
        help="also run pandana at Flanders scale (≈11 min of preprocessing)",
    )
    parser.add_argument(
        "--only",
        default="",
        help="comma-separated task prefixes, e.g. 'm1,m3_floor' (default: every measure)",
    )
    parser.add_argument(
        "--in-process",
        action="store_true",
        help="run every task in this process (no per-task peak memory; for the smoke test)",
    )
    parser.add_argument("--cache-dir", type=Path, default=DEFAULT_CACHE)
    parser.add_argument("--json", type=Path, default=None, help="also write the results as JSON")
    parser.add_argument("--timeout", type=float, default=1800.0, help="seconds per task")
    parser.add_argument(
        "--at-commit",
        default=None,
        metavar="REV",
        help="benchmark buurtgeo as committed at REV (e.g. HEAD: exported with git archive into "
        "the cache and put first on PYTHONPATH), not the working tree",
    )
    parser.add_argument("--worker", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--result-file", type=Path, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.worker:
        ctx = Context(scale=args.scale, cache=args.cache_dir, slow_peers=args.slow_peers)
        return worker_main(args.worker, ctx, args.result_file)

    scales = ["city", "flanders", "belgium"] if args.scale == "all" else [args.scale]
    commit = None
    if args.at_commit:
        if args.in_process:
            parser.error("--at-commit needs subprocesses (drop --in-process)")
        commit = export_library(args.at_commit, args.cache_dir)
    info = machine()
    if commit:
        info["commit"] = f"{commit} (exported, not the working tree)"
    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    print(f"buurtgeo benchmark, {started}")
    print(f"machine: {info['cpu']}, {info['cores']} cores, {info['ram']} RAM, {info['os']}")
    print(f"python {info['python']}; {info['versions']}; commit {info['commit']}")
    print("ratio = peer / ours (above 1: buurtgeo faster); times in seconds", flush=True)
    everything = {"machine": info, "started": started, "scales": {}}
    only = [p for p in args.only.split(",") if p]
    for scale in scales:
        sizes = synthetic.SCALES[scale]
        load_before = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
        t0 = _clock()
        rows, notes, results = run_scale(
            scale,
            cache=args.cache_dir,
            slow_peers=args.slow_peers,
            isolate=not args.in_process,
            only=only,
            timeout_s=args.timeout,
            log=lambda msg: print(msg, file=sys.stderr, flush=True),
        )
        net = Context(scale=scale, cache=args.cache_dir).bundle.network
        title = (
            f"\n== scale {scale}: {sizes.n_sectors:,} sectors, {net.n_nodes:,} nodes, "
            f"{net.n_edges:,} segments, {sizes.n_origins:,} origins, services "
            + ", ".join(f"{k} {v:,}" for k, v in sizes.services.items())
            + f"; catchment {CATCHMENT_M:.0f} m ({_clock() - t0:.0f} s)"
        )
        load_after = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
        notes.append(
            f"   load average (1 min) {load_before:.1f} before, {load_after:.1f} after, on "
            f"{info['cores']} cores: above the core count, other processes shared the CPUs"
        )
        print(format_table(rows, notes, title), flush=True)
        everything["scales"][scale] = {
            "rows": [dict(vars(it), ratio=it.ratio) for it in rows],
            "notes": notes,
            "results": results,
        }
    growth = growth_table(everything["scales"])
    if growth:
        print(growth, flush=True)
    if args.json:
        args.json.write_text(json.dumps(everything, indent=1, default=str))
    return 0


def growth_table(scales: dict[str, dict]) -> str:
    """How the end-to-end run (measure 5) grows from scale to scale: time, memory, sizes.

    Printed when measure 5 ran at two scales or more (issue #20: city → Flanders → Belgium).
    """
    done = {
        name: data["results"]["m5_e2e"]
        for name, data in scales.items()
        if data["results"].get("m5_e2e", {}).get("status") == "ok"
    }
    if len(done) < 2:
        return ""
    first = next(iter(done.values()))
    lines = [
        "",
        "== growth of measure 5 (end to end) from scale to scale; × = relative to "
        + next(iter(done)),
        f"   {'scale':<10} {'origins':>10} {'sectors':>8} {'kinds':>5} {'total s':>8} {'×':>6} "
        f"{'CPU s':>7} {'peak MB':>8} {'×':>6} {'area map MB':>11} {'sector map MB':>13}  "
        "parts (s)",
    ]
    for name, res in done.items():
        info, times = res.get("info", {}), res.get("times", {})
        parts = ", ".join(f"{k} {_fmt_s(v)}" for k, v in times.items() if k != "total")
        lines.append(
            f"   {name:<10} {info.get('origins', 0):>10,} {info.get('sectors', 0):>8,} "
            f"{info.get('kinds', '?'):>5} {_fmt_s(times.get('total')):>8} "
            f"{times.get('total', 0) / max(first['times'].get('total', 1e-9), 1e-9):>5.1f}x "
            f"{_fmt_s(res.get('cpu_s')):>7} {_fmt_mb(res.get('peak_mb')):>8} "
            f"{(res.get('peak_mb') or 0) / max(first.get('peak_mb') or 1e-9, 1e-9):>5.1f}x "
            f"{info.get('map_mb', float('nan')):>11} {info.get('sector_map_mb', float('nan')):>13}  "
            f"{parts}"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
