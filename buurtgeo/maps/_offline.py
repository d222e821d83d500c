"""Make a rendered folium page self-contained: inline every script and stylesheet.

Folium and branca write ``<script src="https://cdn…">`` and ``<link href="https://cdn…">``
tags into the page head. A planner who double-clicks the file without internet would
see a blank page. :func:`inline_assets` replaces each of those tags by the same file
read from an installed ``xstatic-*`` package (never a copy vendored into this
repository), drops the few Bootstrap / Font Awesome / awesome-markers links that
buurtgeo maps do not need, and refuses any other remote resource so that nothing is
silently loaded from a CDN.

:func:`deterministic_ids` gives every element of a folium tree a stable id, so that
the same map gives the same bytes.
"""

from __future__ import annotations

import base64
import functools
import importlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from buurtgeo.errors import InputError

__all__ = ["inline_assets", "deterministic_ids", "remote_resources"]


@dataclass(frozen=True)
class _Asset:
    package: str  # xstatic module, e.g. "xstatic.pkg.leaflet"
    file: str  # path inside the package's BASE_DIR


# File name (last path segment of the CDN URL, lower case) → installed file.
_ASSETS: dict[str, _Asset] = {
    "leaflet.js": _Asset("xstatic.pkg.leaflet", "leaflet.js"),
    "leaflet-src.js": _Asset("xstatic.pkg.leaflet", "leaflet-src.js"),
    "leaflet.css": _Asset("xstatic.pkg.leaflet", "leaflet.css"),
    "leaflet.markercluster.js": _Asset(
        "xstatic.pkg.leaflet_markercluster", "leaflet.markercluster.js"
    ),
    "leaflet.markercluster-src.js": _Asset(
        "xstatic.pkg.leaflet_markercluster", "leaflet.markercluster-src.js"
    ),
    "markercluster.css": _Asset("xstatic.pkg.leaflet_markercluster", "MarkerCluster.css"),
    "markercluster.default.css": _Asset(
        "xstatic.pkg.leaflet_markercluster", "MarkerCluster.Default.css"
    ),
    "d3.js": _Asset("xstatic.pkg.d3", "d3.js"),
    "d3.min.js": _Asset("xstatic.pkg.d3", "d3.js"),
}
_JQUERY = re.compile(r"^jquery(-[0-9.]+)?(\.min)?\.js$")

# Links folium's default page carries that buurtgeo maps do not use. Each is dropped
# unless the page script uses what it provides (then the export refuses instead).
_DROPPABLE: tuple[tuple[re.Pattern[str], str | None], ...] = (
    (re.compile(r"bootstrap(\.bundle)?(\.min)?\.js$"), None),
    (re.compile(r"bootstrap(\.min)?\.css$"), None),
    (re.compile(r"bootstrap-glyphicons\.css$"), None),
    (re.compile(r"fontawesome-free@[^/]+/css/all(\.min)?\.css$"), None),
    (re.compile(r"leaflet\.awesome-markers(\.min)?\.js$"), "L.AwesomeMarkers"),
    (re.compile(r"leaflet\.awesome-markers(\.min)?\.css$"), "L.AwesomeMarkers"),
    (re.compile(r"leaflet\.awesome\.rotate(\.min)?\.css$"), "L.AwesomeMarkers"),
)

_SCRIPT_TAG = re.compile(
    r"""<script\s+src\s*=\s*["'](?P<url>[^"']+)["'][^>]*>\s*</script>""", re.IGNORECASE
)
_LINK_TAG = re.compile(r"""<link\b[^>]*>""", re.IGNORECASE)
_HREF = re.compile(r"""\bhref\s*=\s*["'](?P<url>[^"']+)["']""", re.IGNORECASE)
_STYLESHEET = re.compile(r"""\brel\s*=\s*["']?stylesheet""", re.IGNORECASE)
_CSS_URL = re.compile(r"""url\(\s*["']?(?P<ref>[^)"']+)["']?\s*\)""")
_SOURCE_MAP = re.compile(r"^\s*//# sourceMappingURL=.*$|/\*# sourceMappingURL=.*?\*/", re.M)
_REMOTE = re.compile(r"^(https?:)?//", re.IGNORECASE)


@functools.cache
def _base_dir(package: str) -> Path:
    try:
        module = importlib.import_module(package)
    except ImportError as exc:  # pragma: no cover - dependency declared in pyproject
        raise InputError(
            f"the package {package!r} that carries an offline map asset is not installed",
            hint="Install buurtgeo's dependencies: pip install xstatic-leaflet "
            "xstatic-leaflet-markercluster xstatic-jquery xstatic-d3",
        ) from exc
    return Path(module.BASE_DIR)


@functools.cache
def _read_asset(package: str, file: str) -> str:
    path = _base_dir(package) / file
    text = path.read_text(encoding="utf-8")
    text = _SOURCE_MAP.sub("", text)
    if file.endswith(".css"):
        text = _CSS_URL.sub(lambda m: _css_url_to_data(m, path.parent), text)
    return text


def _css_url_to_data(match: re.Match[str], folder: Path) -> str:
    ref = match.group("ref")
    if ref.startswith(("data:", "#")):
        return match.group(0)
    file = folder / ref
    if not file.is_file():  # an image the stylesheet names but the wheel lacks
        return "url()"
    mime = {".png": "image/png", ".svg": "image/svg+xml", ".gif": "image/gif"}.get(
        file.suffix.lower(), "application/octet-stream"
    )
    data = base64.b64encode(file.read_bytes()).decode("ascii")
    return f'url("data:{mime};base64,{data}")'


def _asset_for(url: str) -> _Asset | None:
    name = url.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1].lower()
    if name in _ASSETS:
        return _ASSETS[name]
    if _JQUERY.match(name):
        return _Asset("xstatic.pkg.jquery", "jquery.min.js")
    return None


def _droppable(url: str, page: str) -> bool:
    for pattern, needed_by in _DROPPABLE:
        if pattern.search(url.split("?", 1)[0]):
            if needed_by is not None and needed_by in page:
                raise InputError(
                    f"the map uses {needed_by}, whose files buurtgeo cannot inline offline",
                    found=url,
                    hint="Use folium.CircleMarker or a DivIcon instead of folium.Icon markers",
                )
            return True
    return False


def _script_block(text: str) -> str:
    # A literal "</script" inside the code would end the element early.
    return "<script>" + re.sub(r"</(script)", r"<\\/\1", text, flags=re.IGNORECASE) + "</script>"


def _style_block(text: str) -> str:
    return "<style>" + re.sub(r"</(style)", r"<\\/\1", text, flags=re.IGNORECASE) + "</style>"


def inline_assets(page: str) -> str:
    """Replace every remote script and stylesheet of a rendered page by its inlined text.

    Parameters
    ----------
    page : str
        HTML as rendered by ``folium.Map.get_root().render()``.

    Returns
    -------
    str
        The same page in which each ``<script src=…>`` and stylesheet ``<link>`` that
        points to the web is replaced by a ``<script>``/``<style>`` block holding the
        file from the matching installed ``xstatic`` package (Leaflet, Leaflet
        MarkerCluster, jQuery, d3), with the images its CSS refers to turned into
        ``data:`` URIs; Bootstrap, Font Awesome and awesome-markers links are dropped.
        Each asset is inlined once even when the page names it twice.

    Raises
    ------
    InputError
        When the page loads a remote resource buurtgeo has no installed copy of, or
        uses awesome-markers icons (which need files no installed package carries).
    """
    seen: set[tuple[str, str]] = set()
    unknown: list[str] = []

    def replace(url: str, kind: str) -> str:
        if not _REMOTE.match(url):
            return ""  # a local file reference would break when the HTML is mailed on
        asset = _asset_for(url)
        if asset is None:
            if not _droppable(url, page):
                unknown.append(url)
            return ""
        key = (asset.package, asset.file)
        if key in seen:
            return ""
        seen.add(key)
        text = _read_asset(asset.package, asset.file)
        return _style_block(text) if kind == "css" else _script_block(text)

    def script(match: re.Match[str]) -> str:
        return replace(match.group("url"), "js")

    def link(match: re.Match[str]) -> str:
        tag = match.group(0)
        href = _HREF.search(tag)
        if href is None or not _STYLESHEET.search(tag):
            return tag
        return replace(href.group("url"), "css")

    out = _SCRIPT_TAG.sub(script, page)
    out = _LINK_TAG.sub(link, out)
    if unknown:
        raise InputError(
            "the map loads resources from the web that cannot be inlined for offline use",
            found=unknown,
            expected="only Leaflet, Leaflet.markercluster, jQuery and d3 (from xstatic packages)",
            hint="Remove the plugin that needs them, or save with folium's own m.save()",
        )
    return out


def remote_resources(page: str) -> list[str]:
    """List the web addresses a page would load as script, stylesheet or image.

    Tile URL templates inside scripts and plain ``<a href>`` links are not loads and
    are not listed.

    Parameters
    ----------
    page : str
        HTML text.

    Returns
    -------
    list of str
        The remote ``src``/``href`` addresses of ``script``, ``link``, ``img`` and
        ``iframe`` tags and CSS ``url(...)`` references, in page order.
    """
    found = []
    for tag in re.finditer(r"<(script|link|img|iframe)\b[^>]*>", page, re.IGNORECASE):
        for attr in re.finditer(r"""\b(src|href)\s*=\s*["']([^"']+)["']""", tag.group(0)):
            if _REMOTE.match(attr.group(2)):
                found.append(attr.group(2))
    for match in _CSS_URL.finditer(page):
        if _REMOTE.match(match.group("ref")):
            found.append(match.group("ref"))
    return found


def _walk(element: Any) -> Iterator[Any]:
    yield element
    for child in list(getattr(element, "_children", {}).values()):
        yield from _walk(child)
    # branca keeps a Figure's header/html/script and a Popup's parts outside _children
    for part in ("header", "html", "script"):
        sub = element.__dict__.get(part)
        if sub is not None and hasattr(sub, "_children") and sub is not element:
            yield from _walk(sub)


def deterministic_ids(root: Any, prefix: str = "bg") -> None:
    """Give every element under ``root`` an id that depends only on its place in the tree.

    Folium names each JavaScript variable after a random ``uuid4`` id; replacing the
    ids by ``<prefix><n>`` (n = depth-first order) makes the same map render to the
    same bytes. Elements numbered by an earlier call keep their number, and elements
    that rendering added since (folium adds some) are numbered after them, so a map
    renders to the same page however often it is rendered.

    Parameters
    ----------
    root : branca.element.Element
        Usually ``m.get_root()``.
    prefix : str, default "bg"
        Start of every id (letters only, so the names stay valid JavaScript).
    """
    pattern = re.compile(re.escape(prefix) + r"(\d+)")
    elements = []
    seen: set[int] = set()
    for element in _walk(root):
        if id(element) not in seen and hasattr(element, "_id"):
            seen.add(id(element))
            elements.append(element)
    numbered = [pattern.fullmatch(str(e._id)) for e in elements]
    n = max((int(m.group(1)) + 1 for m in numbered if m), default=0)
    for element, match in zip(elements, numbered, strict=True):
        if match is None:
            element._id = f"{prefix}{n:04d}"
            n += 1
