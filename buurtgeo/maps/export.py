"""Maps out of Python: a self-contained, deterministic HTML page, a file, a notebook cell.

:func:`map_html` renders a map with stable element ids and every script and
stylesheet inlined (see :mod:`buurtgeo.maps._offline`); :func:`save_map` writes it
atomically; :func:`show_map` shows it in Jupyter without internet.
"""

from __future__ import annotations

import functools
import html
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from buurtgeo._atomic import write_bytes
from buurtgeo.errors import InputError
from buurtgeo.maps._offline import deterministic_ids, inline_assets

if TYPE_CHECKING:  # pragma: no cover
    import folium
    from branca.element import Figure

__all__ = ["InlineMap", "map_html", "save_map", "show_map"]


@functools.cache
def _map_class() -> type[folium.Map]:
    import folium

    class BuurtMap(folium.Map):
        """A ``folium.Map`` that also displays offline in Jupyter (see :func:`show_map`)."""

        def _repr_html_(self, **kwargs: Any) -> str:
            return show_map(self)._repr_html_()

    return BuurtMap


@dataclass(frozen=True)
class InlineMap:
    """A saved-map page shown in a notebook cell through an ``<iframe srcdoc=…>``."""

    page: str
    height_px: int = 600

    def _repr_html_(self) -> str:
        return (
            f'<iframe srcdoc="{html.escape(self.page, quote=True)}" '
            f'style="width:100%;height:{self.height_px}px;border:1px solid #ddd" '
            'sandbox="allow-scripts allow-popups"></iframe>'
        )


def show_map(m: folium.Map | Figure, *, height_px: int = 600) -> InlineMap:
    """Show a map in Jupyter without internet: the self-contained page of :func:`map_html`.

    Folium's own notebook display loads Leaflet from CDNs and stays blank offline; maps
    from :func:`reach_map`, :func:`bivariate_map` and :func:`scenario_map` display
    through this function already, and any other folium map can be passed to it.

    Parameters
    ----------
    m : folium.Map
    height_px : int, default 600
        Height of the frame in the notebook, in CSS pixels.

    Returns
    -------
    InlineMap
        An object Jupyter renders as an ``<iframe>`` holding the whole page.
    """
    return InlineMap(map_html(m), int(height_px))


def map_html(m: folium.Map | Figure) -> str:
    """Render a folium map to one self-contained, deterministic HTML page.

    A copy of the map's page is rendered, so the map itself is left as it was and
    rendering again (or after a notebook display) gives the same page. Element ids are
    renumbered in tree order (folium draws random ones), and every remote script and
    stylesheet is replaced by the same file read from an installed ``xstatic`` package
    (see :mod:`buurtgeo.maps._offline`).

    Parameters
    ----------
    m : folium.Map or branca.element.Figure

    Returns
    -------
    str
        HTML text; the same map gives the same text.

    Raises
    ------
    InputError
        When the map loads a web resource that has no installed offline copy.
    """
    import copy

    deterministic_ids(m.get_root())  # ids of the elements the caller made, once
    page = cast("Figure", copy.deepcopy(m.get_root()))  # a map's root is its page
    page.script._children.clear()  # what earlier renders left there (only render adds)
    deterministic_ids(page)
    return inline_assets(page.render())


def save_map(m: folium.Map | Figure, path: str | os.PathLike[str]) -> Path:
    """Write a map as a self-contained HTML file that opens offline by double-click.

    Parameters
    ----------
    m : folium.Map
        E.g. from :func:`reach_map`, :func:`bivariate_map` or :func:`scenario_map`.
    path : str or path-like
        Target ``.html`` file; folders are created. Written atomically (temporary file
        in the same folder, then ``os.replace``), UTF-8.

    Returns
    -------
    pathlib.Path
        The path written.
    """
    path = Path(path)
    if path.suffix.lower() not in (".html", ".htm"):
        raise InputError(
            "a map is saved as an HTML file", path=path, expected="a name ending in .html"
        )
    write_bytes(path, map_html(m).encode("utf-8"))
    return path
