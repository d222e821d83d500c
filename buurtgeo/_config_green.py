"""The configuration of the physical living environment: ``[[inputs.green]]`` and ``[green]``.

:mod:`buurtgeo.config` reads these tables with the rules below (one check step for the
whole file, see there); :class:`GreenInput` is one checked ``[[inputs.green]]`` table.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = [
    "GREEN_INPUT_SPEC",
    "GREEN_SECTION_SPEC",
    "GreenInput",
    "check_green",
    "green_inputs",
    "norm_problems",
]

_OSM_SUFFIXES = (".osm", ".pbf", ".osm.bz2", ".osm.gz")


def _is_str(v: Any) -> bool:
    return isinstance(v, str) and v != ""


def _is_metres(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v) and v >= 0


_Rule = tuple[Callable[[Any], bool], str]

#: One ``[[inputs.green]]`` table: a file of green, play or youth spaces (areas).
GREEN_INPUT_SPEC: dict[str, _Rule] = {
    "path": (_is_str, "a file path"),
    "kind": (lambda v: v in ("green", "play", "youth"), "'green', 'play' or 'youth'"),
    "columns": (
        lambda v: (
            isinstance(v, dict)
            and all(_is_str(x) for x in v.values())
            and set(v) <= {"name", "service_id", "status"}
        ),
        "a table {name, service_id, status = source column}",
    ),
    "layer": (_is_str, "a layer name"),
    "crs": (_is_str, "a CRS, e.g. 'EPSG:31370'"),
}
#: The ``[green]`` section: which norms, their size classes, how areas are reached.
GREEN_SECTION_SPEC: dict[str, _Rule] = {
    "kinds": (
        lambda v: isinstance(v, list) and all(_is_str(x) for x in v),
        "a list of green norms (play_space, youth_space, buurtgroen, wijkgroen)",
    ),
    "min_area_m2": (
        lambda v: isinstance(v, dict) and all(_is_metres(x) for x in v.values()),
        "a table {norm = m² >= 0}",
    ),
    "cluster_m": (_is_metres, "a number of metres >= 0"),
    "area_edge_m": (_is_metres, "a number of metres >= 0"),
}


@dataclass(frozen=True)
class GreenInput:
    """One file of green, play or youth spaces (``[[inputs.green]]``)."""

    path: Path
    kind: str = "green"
    columns: Mapping[str, str] | None = None
    layer: str | None = None
    crs: str | None = None

    @property
    def is_osm(self) -> bool:
        """True for an OpenStreetMap extract (read with :func:`buurtgeo.read_osm_green`)."""
        return self.path.name.lower().endswith(_OSM_SUFFIXES)


def norm_problems(green: Mapping[str, Any]) -> list[str]:
    """The norms ``[green]`` names that are not green norms, one sentence each."""
    from buurtgeo.green import GREEN_NORMS

    problems = []
    for key in ("kinds", "min_area_m2"):
        value = green.get(key)
        named = value if isinstance(value, list) else list(value) if isinstance(value, dict) else []
        for kind in named:
            if kind not in GREEN_NORMS:
                problems.append(
                    f"green.{key}: {kind!r} is not a green norm ({', '.join(GREEN_NORMS)})"
                )
    return problems


def check_green(
    checks: Any,
    inputs: Mapping[str, Any],
    green: Mapping[str, Any],
    base: Path,
    check_table: Callable[..., None],
    check_file: Callable[..., None],
) -> None:
    """Record the problems of every ``[[inputs.green]]`` table (its keys and its file,
    with the configuration's ``check_table`` and ``check_file``) and of the norms that
    ``[green]`` names."""
    entries = inputs.get("green", [])
    for n, entry in enumerate(entries if isinstance(entries, list) else [], start=1):
        where = f"inputs.green[{n}]"
        if not isinstance(entry, Mapping):
            checks.add(f"{where} must be a table with a 'path'")
            continue
        check_table(checks, entry, GREEN_INPUT_SPEC, where, required=("path",))
        check_file(checks, entry.get("path"), base, f"{where}.path")
    checks.extend(norm_problems(green))


def green_inputs(
    entries: Sequence[Mapping[str, Any]], resolve: Callable[[Any], Path | None]
) -> tuple[GreenInput, ...]:
    """The checked ``[[inputs.green]]`` tables, paths resolved with ``resolve``."""
    return tuple(
        GreenInput(
            resolve(entry["path"]),  # type: ignore[arg-type]
            kind=entry.get("kind", "green"),
            columns=dict(entry["columns"]) if "columns" in entry else None,
            layer=entry.get("layer"),
            crs=entry.get("crs"),
        )
        for entry in entries
    )
