"""Large maps: the page a planner opens, its size and how long headless Chromium takes to draw it.

Measure 6 of ``run.py``. Two maps, each with four indicator layers, names and 3,000
services at Flanders scale:

* ``wijken``: the 2,767 Flemish *wijken* of ``../shared/data/real/flanders_wijken_ggw7``
  (``ggw7.shp``; skipped when the real data folder is absent), indicators drawn from a
  seeded random generator;
* ``sectors``: seeded synthetic sectors (Voronoi cells of jittered seeds over a Flanders-
  sized region) whose borders carry vertices every 40 m moved by a smooth noise field of
  a few metres, so that neighbours keep sharing their borders and a sector has about as
  many vertices as a Statbel sector (≈60-120).

The draw time is the wall time from asking Chromium to open the ``file://`` page (network
cut) until every layer is made, the areas are drawn (SVG paths, or the canvas above 3,000
areas) and two frames have been painted after that.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
#: The region of the synthetic sectors: about Flanders' extent, in EPSG:3812.
REGION = (540_000.0, 640_000.0, 780_000.0, 720_000.0)


def _noise(x: np.ndarray, y: np.ndarray, amplitude: float, seed: int) -> np.ndarray:
    """A smooth field (sum of a few sines) of the coordinates: the same point moves the same."""
    rng = np.random.default_rng(seed)
    out = np.zeros_like(x)
    for _ in range(4):
        kx, ky = rng.uniform(1 / 400, 1 / 90, 2)
        phase = rng.uniform(0, 2 * np.pi)
        out += np.sin(kx * x + ky * y + phase)
    return amplitude * out / 4


def synthetic_sectors(n: int, *, seed: int = 7):
    """``n`` seeded sectors with wiggly shared borders, in EPSG:3812 (see the module doc)."""
    import geopandas as gpd
    import shapely

    rng = np.random.default_rng(seed)
    minx, miny, maxx, maxy = REGION
    pts = np.column_stack([rng.uniform(minx, maxx, n), rng.uniform(miny, maxy, n)])
    region = shapely.box(*REGION)
    cells = shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(pts), extend_to=region))
    cells = shapely.clip_by_rect(cells, *REGION)
    # borders every 40 m, moved by a field of the coordinates (snapped to a 1 cm grid
    # first, so that a vertex two cells share moves the same way in both)
    dense = shapely.segmentize(shapely.set_precision(cells, 0.01), 40.0)

    def wiggle(xy: np.ndarray) -> np.ndarray:
        x, y = np.round(xy[:, 0], 2), np.round(xy[:, 1], 2)
        return np.column_stack([x + _noise(x, y, 6.0, seed), y + _noise(y, x, 6.0, seed + 1)])

    moved = shapely.transform(dense, wiggle)
    frame = gpd.GeoDataFrame(geometry=shapely.make_valid(moved), crs="EPSG:3812")
    frame = frame[frame.geom_type.isin(["Polygon", "MultiPolygon"])].reset_index(drop=True)
    frame.index = [f"S{i:05d}" for i in range(len(frame))]
    frame.index.name = "sector_id"
    frame["sector_name_nl"] = [f"Sector {i}" for i in range(len(frame))]
    return frame


def real_wijken(real_dir: Path):
    """The 2,767 Flemish wijken (``ggw7.shp``) in EPSG:3812, or None without the real data."""
    import geopandas as gpd

    path = real_dir / "flanders_wijken_ggw7" / "ggw7.shp"
    if not path.exists():
        return None
    frame = gpd.read_file(path).to_crs("EPSG:3812")
    frame = frame.set_index("geoitem").rename(columns={"naam": "area_name"})
    frame.index.name = "area_id"
    return frame


def with_indicators(areas, *, seed: int = 0):
    """Four indicator columns of the benchmark kind (seeded), and children."""
    rng = np.random.default_rng(seed)
    n = len(areas)
    out = areas.copy()
    out["children_0_2"] = rng.integers(0, 400, n).astype(float)
    out["share_covered__childcare_baby"] = rng.beta(5, 1, n)
    out["places_per_100_2sfca__childcare_baby"] = rng.gamma(3, 12, n)
    out["mean_dist_m__childcare_baby"] = rng.gamma(3, 250, n)
    out["share_covered__primary_school"] = rng.beta(5, 1, n)
    return out


def services_for(areas, n: int, *, seed: int = 1):
    """``n`` childcare services at random points of the areas (capacity 10-80)."""
    import geopandas as gpd
    import shapely

    rng = np.random.default_rng(seed)
    pick = rng.integers(0, len(areas), n)
    pts = shapely.point_on_surface(np.asarray(areas.geometry.values)[pick])
    return gpd.GeoDataFrame(
        {"service_kind": "childcare_baby", "capacity": rng.integers(10, 80, n).astype(float)},
        geometry=pts,
        crs=areas.crs,
    )


def write_map(areas, services, path: Path) -> dict[str, float]:
    """Build and save the map; seconds to build and save, and the page's size in MB."""
    import buurtgeo as bg

    indicators = [c for c in areas.columns if "__" in c]
    t0 = time.perf_counter()
    m = bg.reach_map(areas, indicators=indicators, services=services, title="benchmark")
    t1 = time.perf_counter()
    bg.save_map(m, path)
    t2 = time.perf_counter()
    return {"build": t1 - t0, "save": t2 - t1, "mb": path.stat().st_size / 1e6}


def draw_time(path: Path, n_areas: int) -> float | None:
    """Seconds until headless Chromium shows every area of the page (None without Chromium)."""
    if not CHROMIUM.exists():
        return None
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        page = browser.new_context(viewport={"width": 1400, "height": 900}).new_page()
        page.route(
            "**/*",
            lambda r: r.continue_() if r.request.url.startswith("file:") else r.abort(),
        )
        t0 = time.perf_counter()
        page.goto(path.resolve().as_uri(), wait_until="commit")
        # every layer made (the page's last script sets bgReady), the areas drawn: as SVG
        # paths, or on one canvas above 3,000 areas
        # (pages of before issue 18 have no bgReady: their paths alone say it)
        page.wait_for_function(
            "(window.bgReady === true && document.querySelector('.leaflet-bgAreas-pane canvas'))"
            f" || document.querySelectorAll('.leaflet-bgAreas-pane path').length >= {n_areas}",
            timeout=120_000,
            polling=50,
        )
        page.evaluate("new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
        elapsed = time.perf_counter() - t0
        browser.close()
    return elapsed
