"""The saved maps in a real browser: headless Debian Chromium via Playwright, offline, file://.

Every request that is not ``file:`` is aborted, so the page must bring everything it
needs. Skipped when /usr/bin/chromium is absent, except under CI=1, where that fails.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from test_maps import XSS, make_areas, make_services  # tests/ is on sys.path (rootdir conftest)

import buurtgeo as bg

if os.environ.get("CI"):
    from playwright.sync_api import expect, sync_playwright  # must be there in CI
else:
    sync_api = pytest.importorskip("playwright.sync_api")
    expect, sync_playwright = sync_api.expect, sync_api.sync_playwright

pytestmark = [pytest.mark.browser, pytest.mark.slow]

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
AREAS_PANE = ".leaflet-bgAreas-pane path.leaflet-interactive"
SERVICES_PANE = ".leaflet-bgServices-pane path.leaflet-interactive"


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing in CI (.ci/run installs it)")
        pytest.skip(f"{CHROMIUM} not installed")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


class Opened:
    """A page opened from file:// with the network cut, and what it reported."""

    def __init__(self, browser, path: Path) -> None:
        self.context = browser.new_context(viewport={"width": 1200, "height": 800})
        self.page = self.context.new_page()
        self.console: list = []
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        self.blocked: list[str] = []
        self.page.on("console", lambda m: self.console.append(m))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("dialog", self._dialog)
        self.page.route("**/*", self._route)
        self.page.goto(path.as_uri())
        self.page.wait_for_selector(AREAS_PANE, state="attached", timeout=10_000)

    def _dialog(self, dialog) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def _route(self, route) -> None:
        if route.request.url.startswith("file:"):
            route.continue_()
        else:
            self.blocked.append(route.request.url)
            route.abort()

    def console_errors(self) -> list:
        return [m for m in self.console if m.type == "error"]

    def hover_centre(self, locator) -> None:
        box = locator.bounding_box()
        assert box is not None
        self.page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)

    def close(self) -> None:
        self.context.close()


@pytest.fixture(scope="module")
def reach_page(browser, tmp_path_factory):
    path = tmp_path_factory.mktemp("maps") / "bereik.html"
    bg.save_map(
        bg.reach_map(
            make_areas(),
            indicators=["dist_nearest_m", "fca2"],
            services=make_services(),
            catchments=True,
            thresholds={"dist_nearest_m": [500, 800, 1200]},
            title="Kinderopvang in de buurt",
        ),
        path,
    )
    opened = Opened(browser, path)
    yield opened
    opened.close()


def test_opens_offline_and_draws_everything(reach_page, tmp_path_factory):
    page = reach_page.page
    assert reach_page.errors == []
    assert reach_page.dialogs == []
    # only the OpenStreetMap background may try the network; its tiles fail quietly
    assert reach_page.blocked and all(
        u.startswith("https://tile.openstreetmap.org/") for u in reach_page.blocked
    )
    for message in reach_page.console_errors():
        assert message.text.startswith("Failed to load resource")
        assert message.location["url"].startswith("https://tile.openstreetmap.org/")
    assert page.locator(AREAS_PANE).count() == 9
    assert page.locator(SERVICES_PANE).count() == 3
    legend = page.locator("#bg-legend")
    assert legend.is_visible()
    assert legend.get_by_text("800 – 1.200 m").is_visible()
    assert legend.get_by_text("onbereikbaar").is_visible()
    assert page.get_by_text("Buurt 4", exact=True).is_visible()  # area labels, no tiles needed
    shot = tmp_path_factory.getbasetemp() / "reach_map.png"
    page.screenshot(path=str(shot))
    assert shot.stat().st_size > 10_000


def test_tooltip_on_hover_with_name_and_units(reach_page):
    page = reach_page.page
    reach_page.hover_centre(page.locator(AREAS_PANE).nth(4))  # Buurt 4: 1300 m
    tip = page.locator(".leaflet-tooltip.bg-tip")
    tip.wait_for(state="visible", timeout=5_000)
    assert "Buurt 4" in tip.inner_text()
    assert "1.300 m" in tip.inner_text()
    page.mouse.move(5, 400)


def test_popup_on_click_lists_every_indicator_with_units(reach_page):
    page = reach_page.page
    reach_page.hover_centre(page.locator(AREAS_PANE).nth(3))  # Buurt 3
    page.mouse.down()
    page.mouse.up()
    popup = page.locator(".leaflet-popup-content")
    expect(popup).to_be_visible()
    text = popup.inner_text()
    assert "Buurt 3" in text
    assert "900 m" in text and "0,20" in text and "40" in text  # distance, fca2, children
    assert "Kinderen 0-2 jaar" in text
    page.locator(".leaflet-popup-close-button").click()
    expect(popup).to_be_hidden()
    page.mouse.move(5, 400)


def test_xss_name_is_text(reach_page):
    page = reach_page.page
    reach_page.hover_centre(page.locator(AREAS_PANE).nth(8))
    tip = page.locator(".leaflet-tooltip.bg-tip", has_text="820 m")
    tip.wait_for(state="visible", timeout=5_000)
    assert XSS in tip.inner_text()  # shown literally
    page.mouse.move(5, 400)
    reach_page.hover_centre(page.locator(SERVICES_PANE).nth(0))
    tip = page.locator(".leaflet-tooltip.bg-tip", has_text="20 plaatsen")
    tip.wait_for(state="visible", timeout=5_000)
    assert XSS in tip.inner_text()
    page.mouse.move(5, 400)
    # the label on the map is text too, and nothing ran
    assert page.get_by_text(XSS, exact=True).first.is_visible()
    assert reach_page.dialogs == [] and reach_page.errors == []
    assert page.evaluate("document.querySelectorAll('.leaflet-container script').length") == 0


def test_layers_toggle_in_the_layer_control(reach_page):
    page = reach_page.page
    control = page.locator(".leaflet-control-layers")
    childcare = control.get_by_text("Kinderopvang baby's en peuters (2)")
    childcare.click()
    expect(page.locator(SERVICES_PANE)).to_have_count(1)
    childcare.click()
    expect(page.locator(SERVICES_PANE)).to_have_count(3)
    # switch the indicator: the legend follows the active layer
    legend = page.locator("#bg-legend")
    control.get_by_text("Plaatsen per kind (2SFCA)").click()
    expect(legend.get_by_text("Plaatsen per kind (2SFCA)")).to_be_visible()
    expect(legend.get_by_text("800 – 1.200 m")).to_be_hidden()
    expect(page.locator(AREAS_PANE)).to_have_count(9)
    control.get_by_text("Afstand tot dichtstbijzijnde (m)").click()
    expect(legend.get_by_text("800 – 1.200 m")).to_be_visible()


def test_without_tiles_not_a_single_request_or_console_error(browser, tmp_path):
    path = tmp_path / "zonder_tegels.html"
    bg.save_map(
        bg.reach_map(make_areas(), indicators="fca2", services=make_services(), tiles=False),
        path,
    )
    opened = Opened(browser, path)
    try:
        opened.page.wait_for_timeout(300)
        assert opened.blocked == []
        assert opened.console_errors() == []
        assert opened.errors == []
        assert opened.page.locator(AREAS_PANE).count() == 9
    finally:
        opened.close()


def test_bivariate_and_scenario_maps_open(browser, tmp_path):
    areas = make_areas()
    after = areas.copy()
    after["dist_nearest_m"] = [100, 300, 700, 500, 1300, 800, np.nan, 250, 1500]
    pages = {
        "bivariaat.html": bg.bivariate_map(
            areas, need="children_0_2", reach="dist_nearest_m", tiles=False
        ),
        "scenario.html": bg.scenario_map(
            areas,
            after,
            indicator="dist_nearest_m",
            added_services=make_services().iloc[:1],
            tiles=False,
        ),
    }
    for name, m in pages.items():
        opened = Opened(browser, bg.save_map(m, tmp_path / name))
        try:
            assert opened.errors == [] and opened.console_errors() == []
            assert opened.page.locator(AREAS_PANE).count() == 9
            assert opened.page.locator("#bg-legend").is_visible()
            if name == "bivariaat.html":
                assert opened.page.locator(".bg-bi .bg-cell").count() == 9
            else:
                control = opened.page.locator(".leaflet-control-layers")
                control.get_by_text("Na: Afstand tot dichtstbijzijnde (m)").click()
                expect(opened.page.locator("#bg-legend").get_by_text("Na: Afstand")).to_be_visible()
        finally:
            opened.close()


def test_choosing_an_indicator_shows_its_kind_of_services(browser, tmp_path):
    areas = make_areas().rename(columns={"dist_nearest_m": "dist_nearest_m__childcare_baby"})
    areas["dist_nearest_m__library"] = np.linspace(100, 2000, 9)
    m = bg.reach_map(
        areas,
        indicators=["dist_nearest_m__childcare_baby", "dist_nearest_m__library"],
        services=make_services(),
        catchments=True,
        tiles=False,
    )
    opened = Opened(browser, bg.save_map(m, tmp_path / "soorten.html"))
    try:
        page = opened.page
        assert page.locator(SERVICES_PANE).count() == 2  # the two childcare places
        assert page.locator(".leaflet-bgCatchments-pane path").count() == 1
        control = page.locator(".leaflet-control-layers")
        control.get_by_text("Afstand tot dichtstbijzijnde (m): Bibliotheek").click()
        expect(page.locator(SERVICES_PANE)).to_have_count(1)  # now the library only
        expect(control.get_by_label("Bibliotheek (1)")).to_be_checked()
        expect(control.get_by_label("Kinderopvang baby's en peuters (2)")).not_to_be_checked()
        legend = page.locator("#bg-legend")
        expect(legend.get_by_text("Bibliotheek", exact=True)).to_be_visible()
        expect(legend.get_by_text("Kinderopvang baby's en peuters", exact=True)).to_be_hidden()
        assert opened.errors == [] and opened.console_errors() == []
    finally:
        opened.close()


@pytest.mark.realdata
def test_real_brussels_sectors_open_offline(browser, real, tmp_path):
    import geopandas as gpd

    src = real / "statbel_sectors_brussels_2020" / "sector_brussels_pop2020.gpkg"
    sectors = gpd.read_file(src).to_crs("EPSG:3812").set_index("SECTOR")
    centre = sectors.geometry.union_all().centroid
    sectors["dist_nearest_m"] = sectors.geometry.centroid.distance(centre)
    path = bg.save_map(
        bg.reach_map(sectors, indicators="dist_nearest_m", tiles=False), tmp_path / "bxl.html"
    )
    opened = Opened(browser, path)
    try:
        assert opened.errors == [] and opened.console_errors() == [] and opened.blocked == []
        expect(opened.page.locator(AREAS_PANE)).to_have_count(724)
        expect(opened.page.locator("#bg-legend")).to_be_visible()
    finally:
        opened.close()


def test_dense_services_cluster_and_split_when_zoomed_in(browser, tmp_path):
    rng = np.random.default_rng(1)
    pts = rng.uniform([650000, 670000], [651500, 671500], size=(80, 2))
    import geopandas as gpd

    services = gpd.GeoDataFrame(
        {"service_kind": ["playground"] * 80, "capacity": np.nan},
        geometry=gpd.points_from_xy(pts[:, 0], pts[:, 1]),
        crs="EPSG:3812",
    )
    m = bg.reach_map(make_areas(), indicators="fca2", services=services, tiles=False)
    opened = Opened(browser, bg.save_map(m, tmp_path / "speeltuinen.html"))
    try:
        page = opened.page
        clusters = page.locator(".bg-cluster")
        expect(clusters.first).to_be_visible()
        total = sum(int(t) for t in clusters.all_inner_texts())
        singles = page.locator(SERVICES_PANE).count()
        assert total + singles == 80  # every playground is in a cluster or on its own
        page.evaluate("Object.values(window).find(v => v instanceof L.Map).setZoom(17)")
        expect(page.locator(SERVICES_PANE)).not_to_have_count(singles)
        assert opened.errors == [] and opened.console_errors() == []
    finally:
        opened.close()


# --------------------------------------------------------------------------------------
# What a planner sees (issue 18): the demo's pages and a real Brussels run, offline
# --------------------------------------------------------------------------------------


def _shot(page, name: str, tmp_path_factory) -> Path:
    """A screenshot in the browser tests' output folder (pytest's base temp / shots)."""
    folder = tmp_path_factory.getbasetemp() / "shots"
    folder.mkdir(exist_ok=True)
    path = folder / name
    page.screenshot(path=str(path))
    assert path.stat().st_size > 20_000
    return path


def _open_ready(browser, path: Path, size=(1400, 900)) -> Opened:
    opened = Opened.__new__(Opened)
    opened.context = browser.new_context(viewport={"width": size[0], "height": size[1]})
    opened.page = opened.context.new_page()
    opened.console, opened.errors, opened.dialogs, opened.blocked = [], [], [], []
    opened.page.on("console", lambda m: opened.console.append(m))
    opened.page.on("pageerror", lambda e: opened.errors.append(str(e)))
    opened.page.on("dialog", opened._dialog)
    opened.page.route("**/*", opened._route)
    opened.page.goto(path.as_uri())
    opened.page.wait_for_function("window.bgReady === true", timeout=20_000)
    opened.page.wait_for_timeout(300)  # the labels are placed after the first frame
    return opened


def _visible_label_boxes(page, cls: str = ".bg-label") -> list[dict]:
    return page.evaluate(
        f"""Array.from(document.querySelectorAll('{cls}'))
              .filter(e => getComputedStyle(e).visibility !== 'hidden')
              .map(e => {{ const r = e.getBoundingClientRect();
                          return {{x0: r.left, y0: r.top, x1: r.right, y1: r.bottom,
                                   text: e.textContent}}; }})"""
    )


def _assert_no_overlap(boxes: list[dict]) -> None:
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            apart = (
                a["x1"] <= b["x0"] or b["x1"] <= a["x0"] or a["y1"] <= b["y0"] or b["y1"] <= a["y0"]
            )
            assert apart, (a["text"], b["text"])


def _assert_legend_not_cut(page) -> None:
    """Every legend line fits its box (nothing cut sideways) and the box fits the window
    (or scrolls: its own scroll height is within reach)."""
    cut = page.evaluate(
        """(() => { const d = document.getElementById('bg-legend'), out = [];
             const box = d.getBoundingClientRect();
             for (const e of d.querySelectorAll('.bg-row, .bg-note, h4')) {
               const r = e.getBoundingClientRect();
               if (e.offsetParent !== null && (e.scrollWidth > e.clientWidth + 1 ||
                   r.right > box.right + 1)) { out.push(e.textContent); } }
             if (d.scrollWidth > d.clientWidth + 1) { out.push('legend scrolls sideways'); }
             if (box.bottom > window.innerHeight) { out.push('legend below the window'); }
             return out; })()"""
    )
    assert cut == []


def _assert_tight_fit(page) -> None:
    """The areas fill the room between the control columns (fractional zoom)."""
    fit = page.evaluate(
        """(() => { const m = Object.values(window).find(v => v instanceof L.Map);
             const A = Object.values(window).find(v => v && v.layer && v.cols);
             const b = A.layer.getBounds(), s = m.getSize();
             const p0 = m.latLngToContainerPoint(b.getNorthWest());
             const p1 = m.latLngToContainerPoint(b.getSouthEast());
             const left = document.querySelector('.leaflet-top.leaflet-left').getBoundingClientRect().right;
             const right = document.querySelector('.leaflet-top.leaflet-right').getBoundingClientRect().left;
             return {w: p1.x - p0.x, h: p1.y - p0.y, room: right - left, height: s.y,
                     x0: p0.x, x1: p1.x, zoom: m.getZoom(), snap: m.options.zoomSnap}; })()"""
    )
    assert fit["snap"] == 0.1
    assert fit["w"] >= 0.8 * fit["room"] - 40 or fit["h"] >= 0.8 * fit["height"]


@pytest.fixture(scope="module")
def demo_out(demo_output):
    return demo_output


def test_demo_map_reads_offline(browser, demo_out, tmp_path_factory):
    opened = _open_ready(browser, demo_out / "map.html")
    try:
        page = opened.page
        # its own base map: no tile request at all, nothing in the console
        assert opened.blocked == [] and opened.console_errors() == [] and opened.errors == []
        assert page.title() == "Hazelbeke, Lindevoorde: buurten"
        assert page.locator(".leaflet-bgBase-pane canvas").count() == 1
        assert page.locator(AREAS_PANE).count() == 7
        # the classes say which scheme and why
        legend = page.locator("#bg-legend")
        shown = legend.locator(".bg-note:visible")  # the active layer's legend only
        expect(shown.filter(has_text="Vaste grenzen 50, 75 en 90 %")).to_have_count(1)
        expect(legend.locator(".bg-row:visible").filter(has_text="90 – 100 %")).to_have_count(1)
        # the walking service area of childcare, and three numbered site suggestions
        assert page.locator(".leaflet-bgCatchments-pane path").count() >= 1
        expect(legend.get_by_text("over de straten: Kinderopvang", exact=False)).to_be_visible()
        expect(page.locator(".bg-num:visible")).to_have_count(4)  # 3 markers, the legend's
        _assert_no_overlap(_visible_label_boxes(page))
        _assert_legend_not_cut(page)
        _assert_tight_fit(page)
        # hovering an area through the base map's canvas still shows its tooltip
        opened.hover_centre(page.locator(AREAS_PANE).nth(3))
        page.locator(".leaflet-tooltip.bg-tip").wait_for(state="visible", timeout=5_000)
        page.mouse.move(5, 880)
        _shot(page, "demo_map.png", tmp_path_factory)
        # another kind: its service area and services come, the childcare sites go
        control = page.locator(".leaflet-control-layers")
        control.get_by_text("Aandeel kinderen binnen bereik: Bibliotheek").click()
        expect(page.locator(".bg-num:visible")).to_have_count(0)
        expect(control.get_by_label("Bibliotheek (3)")).to_be_checked()
        expect(legend.get_by_text("over de straten: Bibliotheek", exact=False)).to_be_visible()
        _shot(page, "demo_map_library.png", tmp_path_factory)
    finally:
        opened.close()


def test_demo_bivariate_and_scenario_maps_read_offline(browser, demo_out, tmp_path_factory):
    pages = {
        "bivariate.html": "Kinderopvang baby's en peuters: nood × bereik per buurt",
        "scenario_nieuwe_creche_lammerstraat.html": "Scenario: Nieuwe crèche Lammerstraat",
    }
    for name, title in pages.items():
        opened = _open_ready(browser, demo_out / name)
        try:
            page = opened.page
            assert opened.blocked == [] and opened.errors == [] and opened.console_errors() == []
            assert page.title() == title
            assert page.locator(AREAS_PANE).count() == 7
            _assert_legend_not_cut(page)
            _assert_no_overlap(_visible_label_boxes(page))
            if name == "bivariate.html":
                assert page.locator(".bg-bi .bg-cell").count() == 9
                expect(page.get_by_text("Klassen: tertielen uit de hiaatanalyse")).to_be_visible()
            else:
                legend = page.locator("#bg-legend")
                expect(legend.get_by_text("Verschil (na − vóór)", exact=False)).to_be_visible()
                expect(legend.get_by_text("Nieuwe voorzieningen", exact=False)).to_be_visible()
                expect(legend.get_by_text("Gesloten voorzieningen", exact=False)).to_be_visible()
            _shot(page, name.replace(".html", ".png"), tmp_path_factory)
        finally:
            opened.close()


def test_more_than_3000_areas_draw_on_a_canvas_and_answer_the_mouse(browser, tmp_path):
    import geopandas as gpd
    from shapely.geometry import box

    n = 56  # 56 × 56 = 3,136 squares of 100 m
    geoms = [box(650000 + 100 * i, 670000 + 100 * j, 650100 + 100 * i, 670100 + 100 * j)
             for i in range(n) for j in range(n)]  # fmt: skip
    areas = gpd.GeoDataFrame(
        {"area_name": [f"V{k}" for k in range(n * n)], "fca2": np.linspace(0, 1, n * n)},
        geometry=geoms,
        crs=3812,
    )
    opened = _open_ready(
        browser,
        bg.save_map(bg.reach_map(areas, indicators="fca2", tiles=False), tmp_path / "vakjes.html"),
    )
    try:
        page = opened.page
        assert page.locator(".leaflet-bgAreas-pane canvas").count() == 1
        assert page.locator(AREAS_PANE).count() == 0  # no SVG path per area
        box_ = page.locator(".leaflet-bgAreas-pane canvas").bounding_box()
        page.mouse.move(box_["x"] + box_["width"] / 2, box_["y"] + box_["height"] / 2)
        tip = page.locator(".leaflet-tooltip.bg-tip")
        tip.wait_for(state="visible", timeout=5_000)
        assert tip.inner_text().startswith("V")
        assert opened.errors == [] and opened.console_errors() == []
    finally:
        opened.close()


@pytest.mark.realdata
def test_real_brussels_run_reads_offline(browser, real, tmp_path_factory):
    """The City of Brussels from the official files (notebook 02's configuration), with the
    BIMD deprivation index, a scenario and site suggestions, written and opened offline."""
    out = tmp_path_factory.mktemp("brussel")
    R = real
    config = {
        "inputs": {
            "sectors": str(R / "statbel_sectors_brussels_2020" / "statistical_sectors_brussels_region.gpkg"),
            "municipality": "Bruxelles",
            "population": str(R / "statbel_population_sectors_2019" / "OPEN DATA_SECTOREN_2019.xlsx"),
            "age_bands": {
                "path": str(R / "brussels_quartiers_ibsa" / "ACP_BXL_sectors.xls"),
                "share_column": "PAG0015",
                "total_column": "POP_2018",
            },
            "areas": str(R / "brussels_quartiers_ibsa" / "secteurs_quartiers_2023.csv"),
            "areas_names": str(
                R / "brussels_quartiers_ibsa" / "ibsa-revenu-imposable-median-des-declarations_2019_quartier.geojson"
            ),
            "services": [
                {"path": str(R / "brussels_city_childcare_one" / "milieux_accueil_petite_enfance.csv")},
                {"path": str(R / "brussels_city_childcare_one" / "consultations_enfants_one.csv")},
            ],
            "deprivation": {
                "path": str(R / "bimd_2011" / "BIMD2011_DOMAINS_STATISTICAL_SECTOR_ELLIS_WIDE.csv"),
                "column": "BIMD2011_score",
                "direction": "higher_is_worse",
            },
        },
        "scenarios": [
            {
                "name": "Consultatie in Haren",
                "kind": "consultatiebureau",
                "open": [{"name": "Haren", "lat": 50.889, "lon": 4.418, "capacity": 1}],
            }
        ],
        "sites": {"kind": "consultatiebureau", "k": 3},
        "outputs": {"dir": str(out)},
    }  # fmt: skip
    analysis = bg.run_config(config, quiet=True)
    assert analysis.network is None and set(analysis.catchments["method"]) == {"straight_line"}
    for name in ("equity.csv", "scenarios.csv", "sites.csv"):
        assert (out / name).stat().st_size > 0
    opened = _open_ready(browser, out / "map.html")
    try:
        page = opened.page
        assert opened.blocked == [] and opened.errors == [] and opened.console_errors() == []
        assert page.title() == "Brussel: buurten"
        expect(page.locator(AREAS_PANE)).to_have_count(35)
        # no network: the neighbouring municipalities and sectors are the background
        base = _visible_label_boxes(page, ".bg-label-base")
        assert {"Schaarbeek", "Elsene"} & {b["text"] for b in base}
        legend = page.locator("#bg-legend")
        shown = legend.locator(".bg-note:visible")  # the active layer's legend only
        expect(shown.filter(has_text="Vaste grenzen 50, 75 en 90 %")).to_have_count(1)
        expect(legend.get_by_text("in vogelvlucht", exact=False).first).to_be_visible()
        labels = _visible_label_boxes(page, ".bg-label:not(.bg-label-base)")
        assert len(labels) >= 15  # the quartiers that fit are named …
        _assert_no_overlap(labels + base)  # … and none overlaps another
        _assert_legend_not_cut(page)
        _assert_tight_fit(page)
        _shot(page, "brussel_map.png", tmp_path_factory)
    finally:
        opened.close()
    for name in ("bivariate.html", "scenario_consultatie_in_haren.html"):
        opened = _open_ready(browser, out / name)
        try:
            assert opened.blocked == [] and opened.errors == [] and opened.console_errors() == []
            expect(opened.page.locator(AREAS_PANE)).to_have_count(35)
            _assert_legend_not_cut(opened.page)
            _shot(opened.page, "brussel_" + name.replace(".html", ".png"), tmp_path_factory)
        finally:
            opened.close()


def test_parks_are_drawn_as_areas_offline(browser, tmp_path):
    """Area services (issue 19) as filled polygons in the services pane, with a tooltip."""
    import geopandas as gpd
    import pandas as pd
    from shapely.geometry import box

    parks = gpd.GeoDataFrame(
        {"name": ["Stadspark", "Wijkpark"], "service_kind": ["buurtgroen", "wijkgroen"],
         "capacity": [10_000.0, 250_000.0]},
        geometry=[box(650100, 670600, 650200, 670700), box(651000, 671000, 651500, 671500)],
        crs="EPSG:3812",
    )  # fmt: skip
    services = pd.concat([make_services(), parks])
    path = tmp_path / "groen.html"
    bg.save_map(bg.reach_map(make_areas(), indicators="fca2", services=services), path)
    opened = Opened(browser, path)
    try:
        assert opened.errors == []
        shapes = opened.page.locator(SERVICES_PANE)
        # two parks as paths, three services as circles (also paths in Leaflet's SVG)
        assert shapes.count() == 5
        park = opened.page.locator(".leaflet-bgServices-pane path[fill='#006d2c']")
        assert park.count() == 1
        opened.hover_centre(park.first)
        expect(opened.page.locator(".bg-tip").first).to_contain_text("Wijkpark")
    finally:
        opened.close()
