"""Static maps for reports: the choropleth of one indicator as a matplotlib figure.

:func:`static_map` draws it in the areas' own metric CRS with a scale bar and a north
arrow, and saves it as PNG, PDF or SVG without timestamps (same inputs, same bytes).
"""

from __future__ import annotations

import os
import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from buurtgeo._atomic import write_bytes
from buurtgeo._checks import Checks
from buurtgeo.indicators import label
from buurtgeo.maps._inputs import (
    _POLYGONS,
    _check_columns,
    _check_crs,
    _check_frame,
    _check_services,
    _language,
)
from buurtgeo.maps.classes import classify
from buurtgeo.maps.style import (
    _NO_DATA_COLOUR,
    _OUTLINE,
    _UNREACHABLE_COLOUR,
    _kind_colour,
    _kind_label,
    _number,
    _radii,
    _word,
    nice_length,
)

if TYPE_CHECKING:  # pragma: no cover
    import geopandas as gpd
    from matplotlib.figure import Figure

__all__ = ["static_map"]


def _scale_bar(ax: Any, language: str) -> None:
    from matplotlib.patches import Rectangle

    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    length = nice_length((x1 - x0) / 5)
    if length <= 0:
        return
    height = (y1 - y0) * 0.008
    left = x1 - (x1 - x0) * 0.04 - length
    bottom = y0 + (y1 - y0) * 0.04
    for j in range(2):
        ax.add_patch(
            Rectangle(
                (left + j * length / 2, bottom),
                length / 2,
                height,
                facecolor="black" if j == 0 else "white",
                edgecolor="black",
                linewidth=0.6,
                zorder=5,
            )
        )
    text = (
        f"{_number(length / 1000, 0 if length >= 1000 else 1, language)} km"
        if length >= 1000
        else f"{_number(length, 0, language)} m"
    )
    ax.annotate(
        "N",
        xy=(x1 - (x1 - x0) * 0.04, y1 - (y1 - y0) * 0.04),
        xytext=(x1 - (x1 - x0) * 0.04, y1 - (y1 - y0) * 0.12),
        ha="center",
        va="center",
        fontsize=9,
        fontweight="bold",
        arrowprops={"arrowstyle": "-|>", "color": "black", "linewidth": 1.2},
        zorder=5,
    )
    ax.text(
        left + length / 2,
        bottom + height * 1.8,
        text,
        ha="center",
        va="bottom",
        fontsize=8,
        zorder=5,
    )


def static_map(
    areas: gpd.GeoDataFrame,
    *,
    indicator: str,
    services: gpd.GeoDataFrame | None = None,
    scheme: str = "default",
    k: int = 5,
    thresholds: Sequence[float] | None = None,
    language: str | None = None,
    title: str | None = None,
    path: str | os.PathLike[str] | None = None,
    figsize: tuple[float, float] = (8.0, 8.0),
    dpi: int = 150,
) -> Figure:
    """The choropleth of one indicator as a matplotlib figure (PNG, PDF or SVG for reports).

    Same classes, colours and legend text as the layer of :func:`reach_map` (see
    :func:`classify`), drawn in the areas' own metric CRS, so the scale bar (a nice
    length 1, 2 or 5 × 10ⁿ m close to a fifth of the map width) is exact. Services
    are drawn per kind with marker area ∝ capacity, as on the web map.

    Parameters
    ----------
    areas : geopandas.GeoDataFrame
        Areas in a projected CRS in metres with the indicator column.
    indicator : str
        Column to map (canonical name, units as in :func:`reach_map`).
    services : geopandas.GeoDataFrame, optional
        Points with ``service_kind`` (and ``capacity``) in the same CRS.
    scheme, k, thresholds, language
        As in :func:`reach_map`.
    title : str, optional
        Default: the indicator's label.
    path : str or path-like, optional
        Write the figure here; the format follows the suffix (``.png``, ``.pdf``,
        ``.svg``). Written atomically and without timestamps (same inputs, same bytes).
    figsize : (float, float), default (8, 8)
        Inches.
    dpi : int, default 150
        Pixels per inch for PNG.

    Returns
    -------
    matplotlib.figure.Figure
    """
    language, fmt_name = _check_static(areas, indicator, services, language, path)

    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    values = areas[indicator].to_numpy(dtype=float)
    classes = classify(
        values, column=indicator, scheme=scheme, k=k, thresholds=thresholds, language=language
    )
    fig = Figure(figsize=figsize, dpi=dpi, layout="constrained")
    ax = fig.add_subplot()
    areas.plot(ax=ax, color=classes.colour_of(), edgecolor=_OUTLINE, linewidth=0.4)
    handles: list[Any] = [
        Patch(facecolor=c, edgecolor=_OUTLINE, label=f"{t} ({n})")
        for c, t, n in zip(classes.colours, classes.labels, classes.counts, strict=True)
    ]
    for code, colour, word in (
        (-2, _UNREACHABLE_COLOUR, "unreachable"),
        (-1, _NO_DATA_COLOUR, "no_data"),
    ):
        count = int(np.sum(classes.codes == code))
        if count:
            handles.append(
                Patch(
                    facecolor=colour, edgecolor=_OUTLINE, label=f"{_word(word, language)} ({count})"
                )
            )
    if services is not None and len(services):
        kinds = sorted(pd.unique(services["service_kind"].astype(str)))
        capacity = (
            services["capacity"].to_numpy(dtype=float)
            if "capacity" in services.columns
            else np.full(len(services), np.nan)
        )
        radii, _ = _radii(capacity)
        sizes = (np.asarray(radii) * 0.75 * 2) ** 2  # px radius → pt² marker area
        xy = np.column_stack([services.geometry.x, services.geometry.y])
        kind_of = services["service_kind"].astype(str).to_numpy()
        for kind in kinds:
            sel = kind_of == kind
            colour = _kind_colour(kind, kinds)
            ax.scatter(
                xy[sel, 0],
                xy[sel, 1],
                s=sizes[sel],
                c=colour,
                edgecolors="white",
                linewidths=0.6,
                zorder=4,
            )
            handles.append(
                Line2D(
                    [],
                    [],
                    marker="o",
                    linestyle="",
                    markerfacecolor=colour,
                    markeredgecolor="white",
                    markersize=7,
                    label=_kind_label(kind, language),
                )
            )
    ax.set_aspect("equal")
    ax.set_axis_off()
    ax.set_title(title or label(indicator, language=language), fontsize=12)
    ax.legend(
        handles=handles,
        title=f"{label(indicator, language=language)}\n" + textwrap.fill(classes.note, 44),
        title_fontsize=8,
        fontsize=8,
        loc="upper left",
        bbox_to_anchor=(1.01, 1.0),
        frameon=False,
    )
    _scale_bar(ax, language)
    if path is not None:
        _save_figure(fig, Path(path), fmt_name or "png")
    return fig


def _check_static(
    areas: Any, indicator: str, services: Any, language: str | None, path: Any
) -> tuple[str, str | None]:
    """The check step of :func:`static_map`; returns the language and the file format."""
    checks = Checks("static_map")
    language = _language(language, checks)
    if _check_frame(areas, "areas", checks, _POLYGONS):
        _check_columns(areas, [indicator], "areas", checks)
    _check_services(services, checks)
    fmt_name = None
    if path is not None:
        fmt_name = Path(path).suffix.lower().lstrip(".")
        if fmt_name not in ("png", "pdf", "svg"):
            checks.add(f"path must end in .png, .pdf or .svg, got {str(path)!r}")
    _check_crs(checks, areas=areas, services=services)
    checks.raise_if_any()
    return language, fmt_name


def _save_figure(fig: Any, path: Path, fmt: str) -> None:
    import io

    from matplotlib import rc_context

    metadata = {
        "png": {"Software": None},
        "pdf": {"CreationDate": None, "Producer": None},
        "svg": {"Date": None},
    }[fmt]
    buffer = io.BytesIO()
    with rc_context({"svg.hashsalt": "buurtgeo", "pdf.compression": 6}):
        fig.savefig(buffer, format=fmt, metadata=metadata, bbox_inches="tight", pad_inches=0.15)
    write_bytes(path, buffer.getvalue())
