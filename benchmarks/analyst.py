"""Where analysts wait (issue #20): the command line and site suggestions, with their peers.

Two measures, each with its peer timed in the same task (alternating, so both see the same load).
They were numbered 6 and 7 when issue #20 added them, and are 8 and 9 since it was merged beside
issue #18, whose large maps are measure 6:

8. **The command line**: ``python -m buurtgeo run CONFIG`` on a city-sized configuration (the real
   City of Brussels files when ``BUURTGEO_REAL_DATA`` — or ``../shared/data/real`` beside the
   repository — holds them; else a synthetic city written in the publishers' layouts) vs a fresh
   Python process that only *reads* the same input files with geopandas/pandas. The first run of
   each is a warm-up (numba's on-disk cache, the OS file cache) and runs under
   ``-X importtime``, which tells which libraries a plain run imports and what importing
   mapclassify costs inside the run; the medians of the next ``CLI_REPEAT`` runs are compared.
   Target: ``buurtgeo run`` ≤ 1.5 × the reading alone.
9. **Site suggestions (MCLP)**: ``bg.suggest_sites(method="mclp")`` vs a textbook
   ``scipy.optimize.milp`` (HiGHS) formulation of the same problem (cKDTree coverage in a sparse
   matrix, binary ``x`` and ``y``), and vs today's route before issue #20 (spopt ``MCLP`` +
   pulp/CBC on the dense cost matrix), on two instances: 3,000 demand points × 600 candidates
   (k = 5, 500 m) and 3,314 grid points as their own candidates (k = 5, 500 m). Same covered
   weight required; target ≤ 2 × the direct milp. The greedy's time and gap are in the notes.

Everything here is seeded; nothing is tuned for the benchmark.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
CLI_REPEAT = 3
CLI_LIMIT = 1.5  # buurtgeo run <= 1.5 x reading its inputs
SITES_LIMIT = 2.0  # MCLP <= 2 x a direct milp
HEAVY = ("mapclassify", "sklearn", "matplotlib", "spopt", "libpysal", "pulp", "networkx", "numba")


# --------------------------------------------------------------------------------------
# 8. The command line
# --------------------------------------------------------------------------------------


def _real_dir() -> Path | None:
    for cand in (os.environ.get("BUURTGEO_REAL_DATA"), HERE.parent.parent / "shared/data/real"):
        if cand and (Path(cand) / "statbel_sectors_brussels_2020").is_dir():
            return Path(cand)
    return None


def brussels_config(out: Path) -> tuple[Path, str, str] | None:
    """The City of Brussels configuration on the real files, and the peer's reading script.

    Returns ``(config path, reading script, label)``, or None when the files are absent.
    """
    real = _real_dir()
    if real is None:
        return None
    files = {
        "sectors": real / "statbel_sectors_brussels_2020/statistical_sectors_brussels_region.gpkg",
        "population": real / "statbel_population_sectors_2019/OPEN DATA_SECTOREN_2019.xlsx",
        "ages": real / "brussels_quartiers_ibsa/ACP_BXL_sectors.xls",
        "areas": real / "brussels_quartiers_ibsa/secteurs_quartiers_2023.csv",
        "childcare": real / "brussels_city_childcare_one/milieux_accueil_petite_enfance.csv",
        "consult": real / "brussels_city_childcare_one/consultations_enfants_one.csv",
    }
    if not all(p.exists() for p in files.values()):
        return None
    out.mkdir(parents=True, exist_ok=True)
    cfg = out / "brussels.toml"
    cfg.write_text(
        f"""[inputs]
sectors = {json.dumps(str(files["sectors"]))}
municipality = ["Bruxelles"]
population = {json.dumps(str(files["population"]))}
age_bands = {{ path = {json.dumps(str(files["ages"]))}, share_column = "PAG0015", total_column = "POP_2018" }}
areas = {json.dumps(str(files["areas"]))}

[[inputs.services]]
path = {json.dumps(str(files["childcare"]))}

[[inputs.services]]
path = {json.dumps(str(files["consult"]))}

[outputs]
dir = {json.dumps(str(out / "out"))}
""",
        encoding="utf-8",
    )
    script = f"""
import geopandas as gpd, pandas as pd
gpd.read_file({str(files["sectors"])!r})
pd.read_excel({str(files["population"])!r})
pd.read_excel({str(files["ages"])!r})
pd.read_csv({str(files["areas"])!r}, sep=None, engine="python", encoding="latin-1")
pd.read_csv({str(files["childcare"])!r}, sep=None, engine="python", encoding="utf-8-sig")
pd.read_csv({str(files["consult"])!r}, sep=None, engine="python", encoding="utf-8-sig")
"""
    return cfg, script, "City of Brussels, real files (107 sectors, 2 services files)"


def synthetic_config(bundle, out: Path) -> tuple[Path, str, str]:
    """A city configuration written from the synthetic bundle, in layouts the loaders read.

    Sectors as a GeoPackage (canonical columns), population and age bands as ``;`` CSVs,
    a sector → area table (the synthetic municipalities), and one services CSV per kind.
    """
    out.mkdir(parents=True, exist_ok=True)
    sectors = bundle.sectors.reset_index()
    sectors[["sector_id", "sector_name_nl", "municipality_nis", "geometry"]].to_file(
        out / "sectors.gpkg", driver="GPKG"
    )
    pop = bundle.population
    pop[["population"]].rename_axis("CD_SECTOR").rename(columns={"population": "TOTAL"}).to_csv(
        out / "population.csv", sep=";"
    )
    pop.drop(columns="population").round(0).to_csv(out / "age_bands.csv", sep=";")
    areas = sectors[["sector_id", "municipality_nis"]].rename(
        columns={"municipality_nis": "area_id"}
    )
    areas.to_csv(out / "areas.csv", sep=";", index=False)
    kinds = ["childcare_baby", "consultatiebureau"]
    blocks = []
    for kind in kinds:
        s = bundle.services[bundle.services["service_kind"] == kind]
        table = s[["name", "capacity"]].assign(x=s.geometry.x.round(1), y=s.geometry.y.round(1))
        table.to_csv(out / f"{kind}.csv", sep=";", index=False)
        blocks.append(
            f"""[[inputs.services]]
path = "{kind}.csv"
kind = "{kind}"
columns = {{ name = "name", capacity = "capacity", x = "x", y = "y", crs = "EPSG:3812" }}
"""
        )
    cfg = out / "city.toml"
    cfg.write_text(
        """[inputs]
sectors = "sectors.gpkg"
population = "population.csv"
age_bands = "age_bands.csv"
areas = "areas.csv"
areas_id_column = "area_id"

"""
        + "\n".join(blocks)
        + f"""
[outputs]
dir = {json.dumps(str(out / "out"))}
""",
        encoding="utf-8",
    )
    script = f"""
import geopandas as gpd, pandas as pd
gpd.read_file({str(out / "sectors.gpkg")!r})
for name in ("population.csv", "age_bands.csv", "areas.csv", {", ".join(repr(k + ".csv") for k in kinds)}):
    pd.read_csv({str(out)!r} + "/" + name, sep=";")
"""
    return cfg, script, f"synthetic city ({len(sectors)} sectors, {len(kinds)} services files)"


def _run_child(cmd: list[str], *, env: dict[str, str] | None = None) -> tuple[float, float, str]:
    """Wall seconds, peak resident MB and standard error of one child process."""
    import tempfile

    with tempfile.TemporaryFile("w+") as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err, env=env, text=True)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        text = err.read()
    if proc.returncode != 0:
        tail = (text.strip().splitlines() or ["no output"])[-1]
        raise RuntimeError(f"{' '.join(cmd[:4])}… exit {proc.returncode}: {tail}")
    return wall, usage.ru_maxrss / 1024.0, text  # Linux: KiB


def _imports(importtime: str) -> dict[str, float]:
    """Cumulative import seconds of each top-level package in ``-X importtime`` output."""
    out: dict[str, float] = {}
    for line in importtime.splitlines():
        if not line.startswith("import time:"):
            continue
        parts = line.split("|")
        if len(parts) != 3:
            continue
        name = parts[2].strip()
        try:
            cum = int(parts[1]) / 1e6
        except ValueError:
            continue
        top = name.split(".")[0]
        if name == top:
            out[top] = max(out.get(top, 0.0), cum)
    return out


#: Stages of ``buurtgeo run`` timed in one extra run (module, function); a name that is
#: not there (renamed in a later version) is left out of the breakdown.
STAGES = (
    ("buurtgeo.pipeline", "_read_population"),
    ("buurtgeo.pipeline", "_read_services"),
    ("buurtgeo.pipeline", "_read_network"),
    ("buurtgeo.pipeline", "_origins"),
    ("buurtgeo.reach", "reach_all"),  # the pipeline calls it through buurtgeo.border
    ("buurtgeo.pipeline", "_areas"),
    ("buurtgeo.pipeline", "_indicators"),
    ("buurtgeo.pipeline", "_gaps"),
    ("buurtgeo.outputs", "_write_csv"),
    ("buurtgeo.outputs", "_write_xlsx"),
    ("buurtgeo.outputs", "_write_gpkg"),
    ("buurtgeo.pipeline:Analysis", "map"),
    ("buurtgeo.maps", "save_map"),
    ("buurtgeo.maps.choropleth", "classify"),
    ("buurtgeo.report", "write_fact_sheets"),
)


def stages_main(config: str) -> None:
    """One ``buurtgeo run`` in this process with its stages timed; prints JSON (seconds)."""
    import functools
    import importlib

    t0 = time.perf_counter()
    import buurtgeo  # noqa: F401

    times: dict[str, float] = {"import buurtgeo": time.perf_counter() - t0}
    for where, name in STAGES:
        module_name, _, owner = where.partition(":")
        try:
            holder = importlib.import_module(module_name)
        except ImportError:
            continue
        if owner:
            holder = getattr(holder, owner, None)
        if holder is None or not hasattr(holder, name):
            continue
        func = getattr(holder, name)

        def timed(*args, __f=func, __k=f"{name}", **kwargs):
            t = time.perf_counter()
            try:
                return __f(*args, **kwargs)
            finally:
                times[__k] = times.get(__k, 0.0) + time.perf_counter() - t

        setattr(holder, name, functools.wraps(func)(timed))
    from buurtgeo.pipeline import run_config

    t1 = time.perf_counter()
    run_config(config, quiet=True)
    times["run_config"] = time.perf_counter() - t1
    times["process"] = time.perf_counter() - t0
    print(json.dumps({k: round(v, 3) for k, v in times.items()}))


def task_cli(ctx, repeat: int = CLI_REPEAT) -> dict:
    """``buurtgeo run`` vs reading its inputs, both in fresh processes, alternating."""
    where = ctx.cache / "cli" / ctx.scale
    found = brussels_config(where) if ctx.scale != "toy" else None
    cfg, script, label = found if found else synthetic_config(ctx.bundle, where)
    # both sides with their bytecode cached, as on a user's machine: pip compiles it at
    # install and Python writes it at the first import; a sandbox that sets
    # PYTHONDONTWRITEBYTECODE would make every run compile buurtgeo's source anew (the
    # reader's packages come compiled)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    run_cmd = [sys.executable, "-m", "buurtgeo", "run", str(cfg)]
    read_cmd = [sys.executable, "-c", "import warnings; warnings.simplefilter('ignore')" + script]
    # warm-up: numba's on-disk cache, the OS file cache; -X importtime says what a run imports
    _, _, err = _run_child([sys.executable, "-X", "importtime", *run_cmd[1:]], env=env)
    imported = _imports(err)
    _, _, rerr = _run_child([sys.executable, "-X", "importtime", *read_cmd[1:]], env=env)
    read_imported = _imports(rerr)
    runs, reads, run_mb, read_mb = [], [], 0.0, 0.0
    for _ in range(max(1, repeat)):
        wall, peak, _ = _run_child(run_cmd, env=env)
        runs.append(wall)
        run_mb = max(run_mb, peak)
        wall, peak, _ = _run_child(read_cmd, env=env)
        reads.append(wall)
        read_mb = max(read_mb, peak)
    # one more run in a process that times the stages (not counted in the medians); its
    # sys.path[0] is benchmarks/, so the package under test is put on PYTHONPATH unless
    # --at-commit already did
    stage_env = dict(env)
    if not os.environ.get("PYTHONPATH"):
        stage_env["PYTHONPATH"] = str(Path(__file__).resolve().parent.parent)
    proc = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--stages", str(cfg)],
        capture_output=True,
        text=True,
        env=stage_env,
        check=False,
    )
    try:
        stages = json.loads(proc.stdout.strip().splitlines()[-1])
    except (IndexError, json.JSONDecodeError):
        stages = {"error": (proc.stderr.strip().splitlines() or ["no output"])[-1][:200]}
    heavy = {k: round(imported[k], 2) for k in HEAVY if k in imported}
    return {
        "times": {"run": statistics.median(runs), "read": statistics.median(reads)},
        "info": {
            "config": label,
            "runs_s": [round(v, 2) for v in runs],
            "reads_s": [round(v, 2) for v in reads],
            "peak_mb": {"run": round(run_mb), "read": round(read_mb)},
            "stages_s": stages,
            "heavy_imports_s": heavy,
            "buurtgeo_import_s": round(imported.get("buurtgeo", 0.0), 2),
            "reader_import_s": round(
                read_imported.get("geopandas", 0.0) + read_imported.get("pandas", 0.0), 2
            ),
        },
    }


# --------------------------------------------------------------------------------------
# 9. Site suggestions
# --------------------------------------------------------------------------------------


def sites_instances(scale: str) -> dict[str, dict]:
    """The seeded MCLP instances of a scale: demand xy and weights, candidate xy, k, radius."""
    f = 0.1 if scale == "toy" else 1.0
    rng = np.random.default_rng(20)
    # 3,000 demand points in an 8 km city with a denser centre, 600 candidates anywhere
    n_d, n_c = int(3000 * f), int(600 * f)
    side = 8000.0 * np.sqrt(f)
    centre = rng.normal(side / 2, side / 6, (n_d // 2, 2))
    spread = rng.uniform(0, side, (n_d - n_d // 2, 2))
    demand = np.clip(np.concatenate([centre, spread]), 0, side)
    need = np.round(rng.lognormal(1.0, 0.8, n_d), 1)
    cands = rng.uniform(0, side, (n_c, 2))
    # 3,314 points of a 100 m grid (58 × 58, a few cells missing), their own candidates
    g = np.arange(0.0, 5800.0 * np.sqrt(f), 100.0)
    grid = np.array([(x, y) for x in g for y in g])
    grid = grid[rng.random(len(grid)) < 0.985][: int(3314 * f)]
    gw = np.round(
        rng.lognormal(0, 1, len(grid)) * (1 + 3 * np.exp(-((grid - g.mean()) ** 2).sum(1) / 2e6)), 2
    )
    return {
        "points": {"demand": demand, "weight": need, "cands": cands, "k": 5, "r": 500.0},
        "grid": {"demand": grid, "weight": gw, "cands": grid, "k": 5, "r": 500.0},
    }


def _frames(inst: dict):
    import geopandas as gpd

    demand = gpd.GeoDataFrame(
        {"need": inst["weight"]},
        geometry=gpd.points_from_xy(inst["demand"][:, 0], inst["demand"][:, 1]),
        crs="EPSG:3812",
    )
    cands = gpd.GeoDataFrame(
        geometry=gpd.points_from_xy(inst["cands"][:, 0], inst["cands"][:, 1]), crs="EPSG:3812"
    )
    return demand, cands


def _covered(inst: dict, chosen) -> float:
    from scipy.spatial import cKDTree

    chosen = np.asarray(list(chosen), dtype=int)
    if chosen.size == 0:
        return 0.0
    d, _ = cKDTree(inst["cands"][chosen]).query(
        inst["demand"], distance_upper_bound=inst["r"] * (1 + 1e-12)
    )
    return float(inst["weight"][d <= inst["r"]].sum())


def task_sites_ours(ctx) -> dict:
    import buurtgeo as bg  # imported before the clock (import time is not run time)

    times, info = {}, {}
    for name, inst in sites_instances(ctx.scale).items():
        demand, cands = _frames(inst)
        t0 = time.perf_counter()
        res = bg.suggest_sites(
            demand, cands, k=inst["k"], catchment_m=inst["r"], method="mclp", time_limit_s=600.0
        )
        t1 = time.perf_counter()
        greedy = bg.suggest_sites(
            demand, cands, k=inst["k"], catchment_m=inst["r"], method="greedy"
        )
        t2 = time.perf_counter()
        times[name] = t1 - t0
        times[f"{name}:greedy"] = t2 - t1
        info[name] = {
            "covered": res.attrs["covered_total"],
            "check": _covered(inst, [cands.index.get_loc(i) for i in res.index]),
            "mip_gap": res.attrs.get("mip_gap"),
            "greedy_covered": greedy.attrs["covered_total"],
            "greedy_gap": res.attrs.get("greedy_gap"),
            "greedy_gap_bound": greedy.attrs.get("gap_bound"),
        }
    return {"times": times, "info": info}


def direct_milp(inst: dict) -> tuple[list[int], float]:
    """The textbook MCLP in ``scipy.optimize.milp``: cKDTree coverage, binary x and y."""
    import scipy.sparse as sp
    from scipy.optimize import Bounds, LinearConstraint, milp
    from scipy.spatial import cKDTree

    pairs = cKDTree(inst["cands"]).sparse_distance_matrix(
        cKDTree(inst["demand"]), inst["r"], output_type="ndarray"
    )
    n, m = len(inst["demand"]), len(inst["cands"])
    a = sp.csr_array((np.ones(len(pairs)), (pairs["j"], pairs["i"])), shape=(n, m))
    res = milp(
        np.r_[-inst["weight"], np.zeros(m)],
        constraints=[
            LinearConstraint(sp.hstack([sp.eye_array(n), -a], format="csr"), -np.inf, 0.0),
            LinearConstraint(np.r_[np.zeros(n), np.ones(m)][None, :], inst["k"], inst["k"]),
        ],
        integrality=np.ones(n + m),
        bounds=Bounds(0.0, 1.0),
        options={"time_limit": 600.0},
    )
    return np.flatnonzero(res.x[n:] > 0.5).tolist(), float(-res.fun)


def task_sites_milp(ctx) -> dict:
    import scipy.optimize  # imported before the clock
    import scipy.spatial  # noqa: F401

    times, info = {}, {}
    for name, inst in sites_instances(ctx.scale).items():
        t0 = time.perf_counter()
        chosen, _ = direct_milp(inst)
        times[name] = time.perf_counter() - t0
        info[name] = {"covered": _covered(inst, chosen)}
    return {"times": times, "info": info}


def task_sites_spopt(ctx) -> dict:
    """Today's route before issue #20: spopt MCLP + pulp/CBC on the dense cost matrix (points only)."""
    import warnings

    import pulp
    from scipy.spatial.distance import cdist
    from spopt.locate import MCLP

    inst = sites_instances(ctx.scale)["points"]
    t0 = time.perf_counter()
    cost = np.where(cdist(inst["demand"], inst["cands"]) <= inst["r"], 0.0, 2.0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        model = MCLP.from_cost_matrix(
            cost, inst["weight"], service_radius=1.0, p_facilities=inst["k"]
        )
        model.solve(pulp.PULP_CBC_CMD(msg=False, timeLimit=600), results=False)
    chosen = [j for j, var in enumerate(model.fac_vars) if (var.value() or 0) > 0.5]
    return {
        "times": {"points": time.perf_counter() - t0},
        "info": {"points": {"covered": _covered(inst, chosen)}},
    }


TASKS = {
    "m8_cli": task_cli,
    "m9_sites_ours": task_sites_ours,
    "m9_sites_milp": task_sites_milp,
    "m9_sites_spopt": task_sites_spopt,
}
#: Scales where these measures run (the command line and the MCLP instances are city-sized).
SCALES = ("toy", "city")


def rows(results: dict, row, notes: list[str]) -> None:
    """Table rows 8 and 9 (``row`` is run.py's helper that adds one)."""
    cli = row(
        "8",
        "buurtgeo run, city config (median of 3)",
        "m8_cli",
        "run",
        "fresh python: read the inputs only",
        "m8_cli",
        "read",
        f"<= {CLI_LIMIT:g}x read",
        lambda it: None if it.ratio is None else it.ratio >= 1 / CLI_LIMIT,
    )
    info = results.get("m8_cli", {}).get("info", {})
    if info.get("peak_mb"):  # the children's peaks (buurtgeo run, the reader), not the task's
        cli.ours_mb, cli.peer_mb = info["peak_mb"]["run"], info["peak_mb"]["read"]
    if info and cli.ours_s is not None:
        notes.append(
            f"8  {info['config']}: runs {info['runs_s']} s, reads {info['reads_s']} s; "
            f"buurtgeo run = {cli.ours_s / cli.peer_s:.2f} x reading; peak MB of the children: "
            f"run {info['peak_mb']['run']}, read {info['peak_mb']['read']}; both with their "
            "bytecode cached (as after pip install; PYTHONDONTWRITEBYTECODE unset for them)"
        )
        heavy = info.get("heavy_imports_s", {})
        notes.append(
            "8  imported by the run (s, cumulative, -X importtime warm-up run): buurtgeo "
            f"{info.get('buurtgeo_import_s')}, "
            + (", ".join(f"{k} {v}" for k, v in heavy.items()) or "none of " + "/".join(HEAVY))
            + f"; the reader's geopandas+pandas {info.get('reader_import_s')}"
        )
        stages = info.get("stages_s", {})
        if stages:
            notes.append(
                "8  one run's stages (s; classify includes importing mapclassify, map includes "
                "classify): " + ", ".join(f"{k} {v}" for k, v in stages.items())
            )
    ours = results.get("m9_sites_ours", {})
    for name, label in (
        ("points", "3,000 demand x 600 cand."),
        ("grid", "3,314 grid pts as cand."),
    ):
        same = None
        o = ours.get("info", {}).get(name)
        p = results.get("m9_sites_milp", {}).get("info", {}).get(name)
        if o and p:
            same = abs(o["covered"] - p["covered"]) <= 1e-6 * max(1.0, p["covered"])
            same = same and abs(o["covered"] - o["check"]) <= 1e-6 * max(1.0, o["check"])

        def ok(it, same=same):
            return (
                None if it.ratio is None or same is None else it.ratio >= 1 / SITES_LIMIT and same
            )

        row(
            "9" if name == "points" else "",
            f"MCLP k=5 500 m, {label}",
            "m9_sites_ours",
            name,
            "scipy milp (HiGHS), direct",
            "m9_sites_milp",
            name,
            f"<= {SITES_LIMIT:g}x milp, =",
            ok,
        )
        if name == "points":
            s = results.get("m9_sites_spopt", {}).get("info", {}).get(name)
            row(
                "",
                "",
                "m9_sites_ours",
                name,
                "spopt MCLP + pulp/CBC (old route)",
                "m9_sites_spopt",
                name,
                "",
                None,
            )
            if o and s:
                notes.append(
                    f"9  points: covered weight ours {o['covered']:.6g}, milp {p['covered'] if p else float('nan'):.6g}, "
                    f"spopt {s['covered']:.6g}"
                )
        if o:
            g_s = ours.get("times", {}).get(f"{name}:greedy")
            notes.append(
                f"9  {name}: covered ours {o['covered']:.6g} (recomputed {o['check']:.6g}), direct milp "
                f"{p['covered'] if p else float('nan'):.6g}; HiGHS gap {o['mip_gap']:.1e}; greedy "
                f"{g_s:.2f} s covers {o['greedy_covered']:.6g}, gap {100 * o['greedy_gap']:.2f} % "
                f"(its own bound without the MCLP: ≤ {100 * o['greedy_gap_bound']:.1f} %)"
            )


if __name__ == "__main__":  # the stage-timing child of measure 8
    if len(sys.argv) == 3 and sys.argv[1] == "--stages":
        stages_main(sys.argv[2])
    else:
        raise SystemExit("usage: python benchmarks/analyst.py --stages CONFIG.toml")
