"""The physical living environment (*fysieke leefomgeving*): green and play norms per area.

The second theme of the *referentiekader* is the physical living environment of
children. Flemish city monitoring measures it as the share of residents and children
living within walking distance of play space, youth space and public green of a
minimum size. :data:`GREEN_NORMS` holds those norms, each with its source:

============  ==========  =================  ==========  ======================================
kind          who         distance (walk)    min. size   source
============  ==========  =================  ==========  ======================================
play_space    0-11 and    400 m              —           Gemeente- en Stadsmonitor, "Speelruimte
              residents                                  in de wijk"
youth_space   12-17       1,000 m            —           Stadsmonitor, "Speelruimte en
                                                         jeugdruimte in de wijk: Gezinsfocus"
                                                         (12-18 there; open or covered)
buurtgroen    residents,  400 m              0.2 ha      Statistiek Vlaanderen / Stadsmonitor,
              0-17                                       "Nabijheid van groen" (VITO)
wijkgroen     residents,  800 m              10 ha       idem
              0-17
============  ==========  =================  ==========  ======================================

The distance of a norm is its kind's catchment (``analysis.catchment_m`` changes it);
the size class is ``min_area_m2`` (``[green] min_area_m2`` in a configuration). Green
areas that touch or overlap are one green area for the size class, as the VITO model
clusters them (``cluster_m``).

* :func:`green_services` — the green spaces as read (:func:`buurtgeo.read_green`,
  :func:`buurtgeo.read_osm_green`) as services of the norm kinds: a 12 ha park is both
  *buurtgroen* and *wijkgroen*; its capacity is its area (m²);
* :func:`green_indicators` — per sector or area, beside what
  :func:`buurtgeo.aggregate_reach` gives (``share_covered``: children within the norm):
  ``share_residents_covered`` (residents within the norm), ``children_beyond_norm``
  and ``residents_beyond_norm`` (the gap against the norm, persons),
  ``m2_per_child`` (2SFCA: m² within reach per child of the norm's group) and
  ``m2_within``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from buurtgeo._checks import Checks

__all__ = [
    "GREEN_NORMS",
    "GreenNorm",
    "green_services",
    "green_indicators",
    "is_green_kind",
]


@dataclass(frozen=True)
class GreenNorm:
    """One norm of the physical living environment.

    Parameters
    ----------
    kind : str
        The service kind (its catchment is the norm's distance, its target the children).
    green_type : str
        Which spaces serve it (``'green'``, ``'play'``, ``'youth'``: see
        :data:`buurtgeo.io.green.GREEN_TYPES`).
    min_area_m2 : float
        The size class: the smallest area (m², of the touching green area it belongs to)
        that counts.
    residents : bool
        The norm is also stated for all residents (not only children).
    source_nl, source_en : str
        Where the norm comes from, and what is still to be confirmed.
    """

    kind: str
    green_type: str
    min_area_m2: float
    residents: bool
    source_nl: str
    source_en: str

    def source(self, language: str = "nl") -> str:
        """The source in ``language``."""
        return self.source_en if language == "en" else self.source_nl


_MONITOR = "Gemeente- en Stadsmonitor (Agentschap Binnenlands Bestuur), stadsmonitor.vlaanderen.be"
_VITO = (
    "Statistiek Vlaanderen, 'Nabijheid van groen' (VITO, voor de Gemeente- en Stadsmonitor):"
    " woongroen 150 m, buurtgroen ≥ 0,2 ha op 400 m, wijkgroen ≥ 10 ha op 800 m,"
    " stadsdeelgroen ≥ 30 ha op 1.600 m; afstand over het Wegenregister"
)
_VITO_EN = (
    "Statistiek Vlaanderen, 'Nabijheid van groen' (proximity of green; VITO, for the"
    " Gemeente- en Stadsmonitor): woongroen 150 m, buurtgroen >= 0.2 ha within 400 m,"
    " wijkgroen >= 10 ha within 800 m, stadsdeelgroen >= 30 ha within 1,600 m; distances"
    " over the Wegenregister"
)

#: The norms of the physical living environment, by service kind.
GREEN_NORMS: Mapping[str, GreenNorm] = MappingProxyType(
    {
        "play_space": GreenNorm(
            "play_space",
            "play",
            0.0,
            True,
            f"{_MONITOR}: 'Speelruimte in de wijk', aandeel inwoners en kinderen (0-11 jaar)"
            " binnen 400 m loopafstand van speelruimte",
            f"{_MONITOR}: 'Speelruimte in de wijk' (play space in the neighbourhood), share of"
            " residents and children (0-11) within 400 m walking of play space",
        ),
        "youth_space": GreenNorm(
            "youth_space",
            "youth",
            0.0,
            False,
            f"{_MONITOR}: 'Speelruimte en jeugdruimte in de wijk: Gezinsfocus', jongeren"
            " binnen 1.000 m loopafstand van open of overdekte jeugdruimte (de monitor telt"
            " 12-18 jaar, buurtgeo 12-17: te bevestigen)",
            f"{_MONITOR}: 'Speelruimte en jeugdruimte in de wijk: Gezinsfocus', young people"
            " within 1,000 m walking of open or covered youth space (the monitor counts ages"
            " 12-18, buurtgeo 12-17: to be confirmed)",
        ),
        "buurtgroen": GreenNorm("buurtgroen", "green", 2_000.0, True, _VITO, _VITO_EN),
        "wijkgroen": GreenNorm("wijkgroen", "green", 100_000.0, True, _VITO, _VITO_EN),
    }
)


def is_green_kind(kind: str) -> bool:
    """Whether a service kind is a norm of the physical living environment."""
    return kind in GREEN_NORMS


# --------------------------------------------------------------------------------------
# Spaces as services of the norms
# --------------------------------------------------------------------------------------


def _clusters(geoms: np.ndarray, cluster_m: float | None) -> tuple[np.ndarray, np.ndarray]:
    """Cluster label of each area (areas within ``cluster_m`` of each other, transitively;
    None: each its own) and the cluster's area (m², of the union)."""
    import shapely
    from scipy.sparse import coo_array
    from scipy.sparse.csgraph import connected_components

    n = len(geoms)
    if cluster_m is None or n == 0:
        return np.arange(n), np.asarray(shapely.area(geoms), dtype=float)
    a, b = shapely.STRtree(geoms).query(geoms, predicate="dwithin", distance=float(cluster_m))
    graph = coo_array((np.ones(len(a)), (a, b)), shape=(n, n))
    _, label = connected_components(graph, directed=False)
    size = np.zeros(label.max() + 1 if n else 0)
    for c in np.unique(label):
        members = np.flatnonzero(label == c)
        size[c] = float(shapely.area(shapely.union_all(geoms[members])))
    return label, size[label]


def _check_green(green: Any, min_area_m2: Any, cluster_m: Any, kinds: Any) -> dict[str, float]:
    import geopandas as gpd

    checks = Checks("green_services")
    if not isinstance(green, gpd.GeoDataFrame):
        checks.add(f"green must be a GeoDataFrame (read_green), got {type(green).__name__}")
    else:
        for column in ("green_type", "area_m2"):
            if column not in green.columns:
                checks.missing_column(column, "green", green.columns)
        checks.crs([green], ["green"])
    sizes = {k: n.min_area_m2 for k, n in GREEN_NORMS.items()}
    for k, v in dict(min_area_m2 or {}).items():
        if k not in GREEN_NORMS:
            checks.add(f"min_area_m2: {k!r} is not a green norm (one of {', '.join(GREEN_NORMS)})")
        elif isinstance(v, bool) or not isinstance(v, int | float) or not v >= 0:
            checks.add(f"min_area_m2[{k!r}] must be a number of m² >= 0, got {v!r}")
        else:
            sizes[k] = float(v)
    if cluster_m is not None and (
        isinstance(cluster_m, bool) or not isinstance(cluster_m, int | float) or cluster_m < 0
    ):
        checks.add(f"cluster_m must be a number of metres >= 0 or None, got {cluster_m!r}")
    for k in kinds or ():
        if k not in GREEN_NORMS:
            checks.add(f"kinds: {k!r} is not a green norm (one of {', '.join(GREEN_NORMS)})")
    checks.raise_if_any()
    return sizes


def green_services(
    green: Any,
    *,
    min_area_m2: Mapping[str, float] | None = None,
    cluster_m: float | None = 0.0,
    kinds: Sequence[str] | None = None,
) -> Any:
    """The green, play and youth spaces as services of the norm kinds.

    Parameters
    ----------
    green : GeoDataFrame
        From :func:`buurtgeo.read_green` or :func:`buurtgeo.read_osm_green` (or several
        of them concatenated): ``green_type``, ``area_m2``, ``name``, polygons (youth
        centres may be points).
    min_area_m2 : mapping kind -> m², optional
        Size classes instead of the norms' (:data:`GREEN_NORMS`: *buurtgroen* 2,000 m²,
        *wijkgroen* 100,000 m²).
    cluster_m : float or None, default 0
        Green areas of one type within this many metres of each other (0: touching or
        overlapping) count as one green area for the size class; None: each on its own.
    kinds : sequence of str, optional
        The norm kinds wanted (default all four).

    Returns
    -------
    GeoDataFrame
        One row per (space, norm kind it serves): index ``'<id>-<kind>'``; ``name``,
        ``service_kind``, ``capacity`` (its area, m²; the 2SFCA shares m²),
        ``income_related`` (NA), ``area_m2``, ``cluster_m2`` (the area of its touching
        green area, m²: what the size class was judged on), ``green_type``,
        ``green_id`` (its id as read), ``geometry``. ``attrs["set_aside"]``: the spaces
        that serve no norm (smaller than every size class; a space of one type lying
        within another one of the same type, counted with it), with the reason.
    """
    import geopandas as gpd
    import shapely

    from buurtgeo.io._ledger import RowLedger

    sizes = _check_green(green, min_area_m2, cluster_m, kinds)
    wanted = list(kinds) if kinds is not None else list(GREEN_NORMS)
    geoms = np.asarray(green.geometry.array)
    gtype = green["green_type"].astype(str).to_numpy()
    ledger = RowLedger(pd.DataFrame(green).reset_index(), source="green", first_row=1)
    # a space lying within another of the same type (a garden in a park) counts with it;
    # of two equal ones the first stays
    polygonal = np.isin(shapely.get_type_id(geoms), (3, 6))
    inner, outer = shapely.STRtree(geoms).query(geoms, predicate="within")
    pairs = set(zip(inner.tolist(), outer.tolist(), strict=True))
    ids = green.index.astype(str).to_numpy()
    within_other = np.zeros(len(geoms), dtype=bool)
    reason = np.full(len(geoms), None, dtype=object)
    for i, o in zip(inner.tolist(), outer.tolist(), strict=True):
        if i == o or gtype[i] != gtype[o] or not (polygonal[i] and polygonal[o]):
            continue
        if (o, i) in pairs and i < o:  # equal areas: the first one stays
            continue
        if not within_other[i]:
            within_other[i] = True
            reason[i] = f"lies within {ids[o]!r}, a space of the same type: counted with it"
    ledger.set_aside(within_other, reason, column="geometry")
    keep = ~within_other
    cluster_size = np.asarray(green["area_m2"], dtype=float).copy()
    for t in np.unique(gtype):
        rows = np.flatnonzero(keep & (gtype == t) & polygonal)
        if len(rows):
            _, cluster_size[rows] = _clusters(geoms[rows], cluster_m)
    parts = []
    used = np.zeros(len(geoms), dtype=bool)
    for kind in wanted:
        norm = GREEN_NORMS[kind]
        size = np.where(np.isnan(cluster_size), 0.0, cluster_size)
        serves = keep & (gtype == norm.green_type) & (size >= sizes[kind] - 1e-9)
        used |= serves
        part = pd.DataFrame(
            {
                "name": green["name"].astype(str).to_numpy()[serves]
                if "name" in green.columns
                else ids[serves],
                "service_kind": kind,
                "capacity": np.asarray(green["area_m2"], dtype=float)[serves],
                "income_related": pd.array([pd.NA] * int(serves.sum()), dtype="boolean"),
                "area_m2": np.asarray(green["area_m2"], dtype=float)[serves],
                "cluster_m2": cluster_size[serves],
                "green_type": gtype[serves],
                "green_id": ids[serves],
                "geometry": geoms[serves],
            },
            index=pd.Index([f"{i}-{kind}" for i in ids[serves]], name="service_id", dtype="str"),
        )
        parts.append(part)
    smallest = min((sizes[k] for k in wanted if GREEN_NORMS[k].green_type == "green"), default=0)
    unused = keep & ~used
    reasons = np.array(
        [
            f"serves no norm asked for ({t}; public green smaller than {smallest:,.0f} m²:"
            " woongroen)"
            if t == "green"
            else f"serves no norm asked for ({t})"
            for t in gtype
        ],
        dtype=object,
    )
    ledger.set_aside(unused, reasons, column="area_m2")
    frame = pd.concat(parts) if parts else pd.DataFrame(columns=["geometry"])
    out = gpd.GeoDataFrame(frame, geometry="geometry", crs=green.crs)
    out.attrs["set_aside"] = ledger.table()
    out.attrs["min_area_m2"] = {k: sizes[k] for k in wanted}
    out.attrs["cluster_m"] = cluster_m
    return out


# --------------------------------------------------------------------------------------
# Indicators per sector or area
# --------------------------------------------------------------------------------------

#: Renamed for green kinds: the 2SFCA of m² is not places per child.
GREEN_RENAMES: Mapping[str, str] = MappingProxyType(
    {"fca2": "m2_per_child", "capacity_within": "m2_within"}
)
#: Dropped for green kinds (places per 100 children mean nothing for m²).
GREEN_DROPS: tuple[str, ...] = ("places_per_100_2sfca",)


def green_indicators(
    reach: pd.DataFrame,
    origins: pd.DataFrame,
    *,
    by: Any,
    kinds: Sequence[str],
    children: Mapping[str, str],
    residents: str = "population",
) -> pd.DataFrame:
    """The norm indicators of green kinds per group (sector or area).

    For group ``g``, kind ``k`` with norm distance ``R_k``, origins ``i ∈ g`` with
    ``c_i`` children of the norm's group (``children[k]``, a column of ``origins``) and
    ``p_i`` residents::

        share_residents_covered = Σ p_i [d_i <= R_k] / Σ p_i
        children_beyond_norm    = Σ c_i [d_i > R_k]        (persons: the gap)
        residents_beyond_norm   = Σ p_i [d_i > R_k]

    ``d_i`` the distance to the nearest space of kind ``k`` (``dist_nearest_m__k``; the
    result's ``covered__k`` says ``d_i <= R_k``). The residents' columns only for norms
    stated for residents (:attr:`GreenNorm.residents`).

    Parameters
    ----------
    reach : DataFrame
        :func:`buurtgeo.reach_all` result on ``origins.index``.
    origins : DataFrame
        The origins, with the ``children`` and ``residents`` columns.
    by : str or Series
        The group of each origin, as :func:`buurtgeo.aggregate_reach` takes it.
    kinds : sequence of str
        Kinds to report (those that are green norms are).
    children : mapping kind -> column
        The children column of each kind (e.g. ``target__play_space``).
    residents : str, default 'population'

    Returns
    -------
    DataFrame
        One row per group (sorted), ``<indicator>__<kind>`` columns.
    """
    from buurtgeo.aggregate import aggregate_reach

    green = [k for k in kinds if is_green_kind(k) and f"covered__{k}" in reach.columns]
    if not green:
        return pd.DataFrame()
    frames = []
    for weight, suffix in ((children, "children"), (dict.fromkeys(green, residents), "residents")):
        cols = [f"{c}__{k}" for k in green for c in ("dist_nearest_m", "covered")]
        part = aggregate_reach(reach[cols], origins, by=by, weight={k: weight[k] for k in green})
        for k in green:
            total, share = part[f"target_pop__{k}"], part[f"share_covered__{k}"]
            beyond = (total * (1.0 - share)).where(total > 0, 0.0)
            if suffix == "children":
                frames.append(beyond.rename(f"children_beyond_norm__{k}"))
            elif GREEN_NORMS[k].residents:
                frames.append(share.rename(f"share_residents_covered__{k}"))
                frames.append(beyond.rename(f"residents_beyond_norm__{k}"))
    return pd.concat(frames, axis=1)


def rename_green_columns(table: Any, kinds: Sequence[str]) -> Any:
    """A table's ``fca2__k`` and ``capacity_within__k`` of green kinds ``k`` renamed
    ``m2_per_child__k`` and ``m2_within__k`` (their unit is m²), its
    ``places_per_100_2sfca__k`` dropped."""
    renames = {
        f"{old}__{k}": f"{new}__{k}"
        for k in kinds
        if is_green_kind(k)
        for old, new in GREEN_RENAMES.items()
    }
    drops = [f"{c}__{k}" for k in kinds if is_green_kind(k) for c in GREEN_DROPS]
    out = table.drop(columns=[c for c in drops if c in table.columns]).rename(columns=renames)
    out.attrs = dict(table.attrs)
    return out
