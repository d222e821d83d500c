"""Small-number suppression: counts of few persons, and what would reveal them, hidden.

Published tables must not let a reader single out a handful of children. Two tools:

* :func:`suppress_small` hides, in one table, every count below a threshold and the
  rates built on it in the same row (used by :func:`buurtgeo.gaps` when asked);
* :func:`suppress_published` is what the pipeline applies before it writes anything
  (:mod:`buurtgeo.outputs`): the tables per sector, per area, per municipality and for
  the whole study area together, so that a hidden count can be recovered neither from
  its own row nor by subtracting the visible counts from a published total.

The rule (:func:`suppress_published`), as Statistics Netherlands (CBS) and Statbel apply
it to published tables of persons:

1. *Primary suppression.* Every count of persons (a column the indicator registry flags
   ``persons``: residents, children per age band, children of a kind's target group,
   need) with ``0 < n < N`` is hidden.
2. *Secondary suppression.* Wherever published figures add up (a kind's target children
   = the sum of its age bands in one row; an area = the sum of its sectors; a
   municipality = the sum of its sectors, and of the areas inside it; the study area =
   the sum of its municipalities, areas and sectors), a sum never has exactly one hidden
   term: then the smallest visible non-zero term is hidden too (or, when there is none,
   the total). This repeats until no sum has a single hidden term, so no hidden count
   equals a published total minus published counts.
3. *What reveals a count is hidden with it.* When a kind's target children are hidden
   in a row, so is every figure of that kind computed from them: need, every rate and
   distance, places per 100 children, missing places, gap score, rank and class.
   (Places and the number of services are not persons: they stay.)

Hidden cells read *afgeschermd (< N)* (*suppressed (< N)* in English,
:func:`suppression_text`) in every output; a ``suppressed`` column lists the hidden
columns of each row. Sources: CBS, *Statistical Disclosure Control* (Hundepool et al.,
Wiley 2012, ch. 4 and 5: threshold rule, secondary suppression in hierarchical tables);
the ESSnet *Handbook on Statistical Disclosure Control*, ch. 5. The threshold is the
user's (5 is common for counts of persons; no Statbel page stating one was found).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from buurtgeo.errors import InputError, MissingColumnError

__all__ = [
    "blank_cells",
    "suppress_small",
    "suppress_published",
    "suppression_text",
    "hidden_cells",
    "hidden_map",
]


#: What a hidden cell says, (nl, en).
_SUPPRESSED_WORDS = ("afgeschermd (< {n})", "suppressed (< {n})")


def blank_cells(table: pd.DataFrame, column: Any, rows: np.ndarray) -> None:
    """Empty ``column`` of ``table`` in ``rows`` (in place): NaN in a plain float column,
    None (the column becomes object) otherwise."""
    if pd.api.types.is_float_dtype(table[column]) and not isinstance(
        table[column].dtype, pd.api.extensions.ExtensionDtype
    ):
        values = table[column].to_numpy(dtype="float64", copy=True)
        values[rows] = np.nan
        table[column] = values
    else:
        cells = table[column].astype(object).to_numpy(copy=True)
        cells[rows] = None
        table[column] = pd.Series(cells, index=table.index, dtype=object)


def suppression_text(threshold: int, language: str = "nl") -> str:
    """What a hidden cell says: ``'afgeschermd (< 5)'`` (``'suppressed (< 5)'`` in English)."""
    nl, en = _SUPPRESSED_WORDS
    return (en if language == "en" else nl).format(n=int(threshold))


def hidden_cells(table: pd.DataFrame, column: str) -> np.ndarray:
    """Rows of ``table`` whose ``column`` was hidden (from its ``suppressed`` column)."""
    if "suppressed" not in table.columns:
        return np.zeros(len(table), dtype=bool)
    lists = table["suppressed"].astype("str").fillna("")
    return np.array([column in text.split(",") for text in lists], dtype=bool)


def hidden_map(table: pd.DataFrame) -> dict[str, np.ndarray]:
    """Every hidden column of ``table`` and the rows it is hidden in (one pass over its
    ``suppressed`` column); empty when nothing was hidden."""
    if "suppressed" not in table.columns:
        return {}
    lists = [set(str(text).split(",")) - {""} for text in table["suppressed"].fillna("")]
    columns = sorted(set().union(*lists)) if lists else []
    return {c: np.fromiter((c in row for row in lists), bool, len(lists)) for c in columns}


# --------------------------------------------------------------------------------------
# Small-number suppression
# --------------------------------------------------------------------------------------

#: Counts that :func:`suppress_small` hides by default, with the rates built on them
#: (besides every column the indicator registry flags ``persons``).
_DEFAULT_COUNTS = (
    "children",
    "need",
    "places",
    "missing_places",
    "missing_places_2sfca",
    "target_pop",
)
_DEFAULT_RATES = {
    "children": (
        "need",
        "missing_places",
        "missing_places_2sfca",
        "places_per_100_in_area",
        "places_per_100_2sfca",
        "places_per_100",  # old, ambiguous name (schema.RENAMED_COLUMNS): still hidden
        "share_beyond_catchment",
        "share_unreachable",
        "mean_dist_m",
        "shortfall",
        "gap_score",
        "share_below_norm",
        "share_covered",
        "median_dist_m",
    ),
    "target_pop": (
        "places_per_100_2sfca",
        "places_per_100",  # old, ambiguous name (schema.RENAMED_COLUMNS): still hidden
        "share_covered",
        "share_unreachable",
        "mean_dist_m",
        "median_dist_m",
        "mean_time_min",
        "services_within",
        "capacity_within",
        "fca2",
    ),
}


def _related(column: str, rates: Mapping[str, Sequence[str]]) -> list[str]:
    """Rates hidden with a count: ``rates[column]``, or for ``<count>__<kind>`` the
    ``<rate>__<kind>`` of ``rates[<count>]`` (wide tables of reach_all / the pipeline)."""
    if column in rates:
        return list(rates[column])
    base, sep, kind = str(column).partition("__")
    return [f"{r}__{kind}" for r in rates.get(base, ())] if sep else []


def suppress_small(
    table: pd.DataFrame,
    *,
    threshold: int = 5,
    columns: Sequence[str] | None = None,
    rates: Mapping[str, Sequence[str]] | None = None,
    hide_zero: bool = False,
) -> pd.DataFrame:
    """Hide small counts, and the rates computed from them, in a table for publication.

    A count ``x`` is hidden (set to missing) when ``0 < x < threshold`` (also ``x = 0``
    with ``hide_zero=True``); every rate listed for that count is hidden in the same
    row, since it would reveal it. A ``suppressed`` column lists, per row, the hidden
    columns (comma-separated; empty when nothing was hidden).

    Parameters
    ----------
    table : DataFrame
        Any output table (e.g. :func:`buurtgeo.gaps`, :func:`buurtgeo.aggregate_reach`).
    threshold : int, default 5
        Smallest count that may be shown (persons or places).
    columns : sequence of str, optional
        Count columns to check; default those of ``children``, ``need``, ``places``,
        ``missing_places``, ``missing_places_2sfca``, ``target_pop`` present, also as
        ``<count>__<kind>`` in wide tables (:func:`buurtgeo.reach_all` aggregates), and
        every other count of persons the indicator registry knows (``population``,
        ``children_0_2`` …: the ``persons`` flag).
    rates : dict count → list of columns, optional
        Columns hidden together with a hidden count; default: with ``children``
        everything :func:`buurtgeo.gaps` derives from it (``need``, missing places, the
        ratios, shares, mean distance, shortfall, gap score), with ``target_pop``
        every weighted mean of :func:`buurtgeo.aggregate_reach`. For a count
        ``<count>__<kind>`` the rates are ``<rate>__<kind>``.
    hide_zero : bool, default False
        Hide zero counts too.

    Returns
    -------
    DataFrame
        A copy, same index, hidden cells missing, plus ``suppressed``;
        ``attrs["suppression_threshold"]``.
    """
    if isinstance(threshold, bool) or not isinstance(threshold, int | float) or threshold < 1:
        raise InputError("threshold must be a number >= 1", found=threshold)
    if columns is None:
        cols = [
            c
            for c in table.columns
            if c in _DEFAULT_COUNTS
            or str(c).partition("__")[0] in _DEFAULT_COUNTS
            or (_is_persons(str(c)) and pd.api.types.is_numeric_dtype(table[c]))
        ]
    else:
        cols = [c for c in columns if c in table.columns]
        missing = [c for c in columns if c not in table.columns]
        if missing:
            raise MissingColumnError(
                missing[0], found_columns=[str(c) for c in table.columns], role="suppress_small"
            )
    rates = _DEFAULT_RATES if rates is None else rates
    out = table.copy()
    hidden = pd.DataFrame(False, index=table.index, columns=list(table.columns))
    for c in cols:
        x = pd.to_numeric(table[c], errors="coerce")
        small = (x < threshold) & ((x >= 0) if hide_zero else (x > 0))
        small = small.fillna(False).to_numpy(dtype=bool)
        hidden.loc[small, c] = True
        for r in _related(c, rates):
            if r in table.columns:
                hidden.loc[small, r] = True
    for c in hidden.columns[hidden.any().to_numpy()]:
        mask = hidden[c].to_numpy()
        if pd.api.types.is_bool_dtype(out[c]) or pd.api.types.is_integer_dtype(out[c]):
            out[c] = out[c].astype("object" if pd.api.types.is_bool_dtype(out[c]) else "Float64")
        out.loc[mask, c] = pd.NA if out[c].dtype == "Float64" else np.nan
    names = np.array([str(c) for c in hidden.columns], dtype=object)
    flags = hidden.to_numpy()
    out["suppressed"] = [",".join(names[row]) for row in flags]
    out["suppressed"] = out["suppressed"].astype("str")
    out.attrs = dict(table.attrs)
    out.attrs["suppression_threshold"] = threshold
    return out


# --------------------------------------------------------------------------------------
# Suppression of the published tables together (primary, secondary, what reveals them)
# --------------------------------------------------------------------------------------

#: Columns of a kind (``<column>__<kind>``) that stay visible when the kind's children are
#: hidden: they count services and places, not persons.
_KEPT_WITH_KIND = ("n_services", "places", "share_income_related", "catchment_m")

_Cell = tuple[str, str, int]  # (table, column, row position)
_Terms = list[tuple[str, str, np.ndarray]]  # (table, column, row positions)


def _is_persons(column: str) -> bool:
    """A count of persons, by the indicator registry (``__kind`` ignored)."""
    from buurtgeo.indicators import get_indicator

    entry = get_indicator(str(column))
    return bool(entry is not None and entry.persons)


class _Cells:
    """Values and hidden flags of every count of persons of the published tables."""

    def __init__(self, tables: Mapping[str, pd.DataFrame]) -> None:
        self.values: dict[tuple[str, str], np.ndarray] = {}
        self.hidden: dict[tuple[str, str], np.ndarray] = {}
        for name, table in tables.items():
            for column in table.columns:
                if _is_persons(column) and pd.api.types.is_numeric_dtype(table[column]):
                    key = (name, str(column))
                    values = pd.to_numeric(table[column], errors="coerce")
                    self.values[key] = values.to_numpy(dtype="float64", na_value=np.nan)
                    self.hidden[key] = np.zeros(len(table), dtype=bool)

    def has(self, table: str, column: str) -> bool:
        return (table, column) in self.values

    def count_hidden(self, parent: _Cell, terms: _Terms) -> tuple[int, float, int]:
        """Hidden terms of a sum (and its total): how many, their total value, and
        whether the total itself is hidden."""
        n, total = 0, 0.0
        for table, column, rows in terms:
            h = self.hidden[(table, column)][rows]
            k = int(np.count_nonzero(h))
            if k:
                n += k
                total += float(np.nansum(self.values[(table, column)][rows][h]))
        return n, total, int(self.hidden[parent[:2]][parent[2]])

    def hide_smallest(self, parent: _Cell, terms: _Terms) -> bool:
        """Hide the smallest visible non-zero term; else the total. False: nothing to hide."""
        best: tuple[float, str, str, int] | None = None
        for table, column, rows in terms:
            v = self.values[(table, column)][rows]
            free = ~self.hidden[(table, column)][rows] & (v > 0)
            if free.any():
                j = int(np.argmin(np.where(free, v, np.inf)))
                if best is None or v[j] < best[0]:
                    best = (float(v[j]), table, column, int(rows[j]))
        if best is not None:
            self.hidden[(best[1], best[2])][best[3]] = True
            return True
        if not self.hidden[parent[:2]][parent[2]]:
            self.hidden[parent[:2]][parent[2]] = True
            return True
        return False


def _positions(index: pd.Index, labels: pd.Series) -> dict[str, np.ndarray]:
    """Row positions of each label value (``labels`` on ``index``), as text keys."""
    codes = labels.astype("str").to_numpy()
    out: dict[str, list[int]] = {}
    for position, code in enumerate(codes):
        out.setdefault(code, []).append(position)
    return {k: np.asarray(v, dtype=np.int64) for k, v in out.items()}


def _sums(
    tables: Mapping[str, pd.DataFrame], cells: _Cells, targets: Mapping[str, Sequence[str]]
) -> list[tuple[_Cell, _Terms]]:
    """Every published sum: (total cell, its terms)."""
    sums: list[tuple[_Cell, _Terms]] = []
    columns = {c for (_t, c) in cells.values}
    sectors, areas = tables.get("sectors"), tables.get("areas")
    munis, region = tables.get("municipalities"), tables.get("region")
    by_area = by_muni = None
    if sectors is not None and "area_id" in sectors.columns:
        by_area = _positions(sectors.index, sectors["area_id"])
    if sectors is not None and "municipality_nis" in sectors.columns:
        by_muni = _positions(sectors.index, sectors["municipality_nis"])
    for column in sorted(columns):
        # an area = its sectors
        if by_area is not None and areas is not None and cells.has("areas", column):
            if cells.has("sectors", column):
                for i, area in enumerate(areas.index.astype(str)):
                    if area in by_area:
                        sums.append((("areas", column, i), [("sectors", column, by_area[area])]))
        # a municipality = its sectors; = its areas (those inside it) and the other sectors
        if munis is not None and by_muni is not None and cells.has("municipalities", column):
            nested = _nested_areas(sectors, areas, by_area) if areas is not None else {}
            for i, nis in enumerate(munis.index.astype(str)):
                rows = by_muni.get(nis)
                if rows is None or not cells.has("sectors", column):
                    continue
                sums.append((("municipalities", column, i), [("sectors", column, rows)]))
                inside = nested.get(nis)
                if inside is not None and by_area is not None and cells.has("areas", column):
                    rest = np.setdiff1d(rows, np.concatenate([by_area[a] for a in inside[1]]))
                    sums.append(
                        (
                            ("municipalities", column, i),
                            [("areas", column, inside[0]), ("sectors", column, rest)],
                        )
                    )
        # the study area = its municipalities = its areas = its sectors
        if region is not None and len(region) == 1 and cells.has("region", column):
            for part in ("municipalities", "areas", "sectors"):
                if cells.has(part, column):
                    rows = np.arange(len(tables[part]), dtype=np.int64)
                    sums.append((("region", column, 0), [(part, column, rows)]))
    return sums


def _row_sums(
    tables: Mapping[str, pd.DataFrame], cells: _Cells, targets: Mapping[str, Sequence[str]]
) -> list[tuple[str, str, tuple[str, ...]]]:
    """The sums inside each row: a kind's target children = the sum of its age bands
    (table, total column, band columns), checked for every row at once."""
    out = []
    for name in tables:
        for kind, bands in targets.items():
            total = f"target_pop__{kind}"
            if bands and cells.has(name, total) and all(cells.has(name, b) for b in bands):
                out.append((name, total, tuple(bands)))
    return out


def _protect_rows(cells: _Cells, name: str, total: str, bands: tuple[str, ...]) -> bool:
    """:func:`_protect`'s rule for one row sum in every row of a table (vectorised)."""
    h_total = cells.hidden[(name, total)]
    h = np.vstack([cells.hidden[(name, b)] for b in bands])
    v = np.nan_to_num(np.vstack([cells.values[(name, b)] for b in bands]), nan=0.0)
    n_terms = h.sum(axis=0)
    hidden_total = (v * h).sum(axis=0)
    n = n_terms + h_total
    todo = (n == 1) | (~h_total & (n_terms >= 2) & (hidden_total <= n_terms))
    changed = False
    for i in np.flatnonzero(todo):
        free = ~h[:, i] & (v[:, i] > 0)
        if free.any():
            j = int(np.argmin(np.where(free, v[:, i], np.inf)))
            cells.hidden[(name, bands[j])][i] = True
            changed = True
        elif not h_total[i]:
            h_total[i] = True
            changed = True
    return changed


def _nested_areas(
    sectors: pd.DataFrame, areas: pd.DataFrame, by_area: dict[str, np.ndarray] | None
) -> dict[str, tuple[np.ndarray, list[str]]]:
    """Per municipality: the positions (in ``areas``) and ids of the areas wholly inside it."""
    if by_area is None or "municipality_nis" not in sectors.columns:
        return {}
    nis = sectors["municipality_nis"].astype("str").to_numpy()
    out: dict[str, tuple[list[int], list[str]]] = {}
    for i, area in enumerate(areas.index.astype(str)):
        rows = by_area.get(area)
        if rows is None or len(rows) == 0:
            continue
        where = set(nis[rows])
        if len(where) == 1:
            entry = out.setdefault(where.pop(), ([], []))
            entry[0].append(i)
            entry[1].append(area)
    return {k: (np.asarray(v[0], dtype=np.int64), v[1]) for k, v in out.items()}


def _protect(
    cells: _Cells,
    sums: list[tuple[_Cell, _Terms]],
    pairs: list[tuple[tuple[str, str], tuple[str, str]]],
    rows: Sequence[tuple[str, str, tuple[str, ...]]] = (),
) -> None:
    """Secondary suppression until no published sum reveals a hidden term.

    A sum with exactly one hidden cell (total or term) gives it away; a visible total
    whose hidden terms are all 1 (their total equals their number) too, since a hidden
    count is at least 1. ``pairs`` are columns whose cells are hidden together, row by
    row (need and target children of one kind); ``rows`` the sums inside each row
    (:func:`_row_sums`).
    """
    changed = True
    while changed:
        changed = False
        for name, column, bands in rows:
            changed |= _protect_rows(cells, name, column, bands)
        for parent, terms in sums:
            n_terms, total, parent_hidden = cells.count_hidden(parent, terms)
            n = n_terms + parent_hidden
            singletons = not parent_hidden and n_terms >= 2 and total <= n_terms
            if (n == 1 or singletons) and cells.hide_smallest(parent, terms):
                changed = True
        for a, b in pairs:
            ha, hb = cells.hidden[a], cells.hidden[b]
            differ = ha != hb
            if differ.any():
                ha |= differ
                hb |= differ
                changed = True


def suppress_published(
    tables: Mapping[str, pd.DataFrame],
    *,
    threshold: int,
    targets: Mapping[str, Sequence[str]],
) -> dict[str, pd.DataFrame]:
    """Hide small counts of persons, and every figure that would reveal them, in the
    published tables together (the rule is in the module docstring).

    Parameters
    ----------
    tables : mapping
        Any of ``'sectors'`` (index ``sector_id``; columns ``area_id`` and
        ``municipality_nis`` link each sector to its area and municipality),
        ``'areas'`` (index ``area_id``), ``'municipalities'`` (index
        ``municipality_nis``) and ``'region'`` (one row): the counts (``population``,
        ``children_*``, ``target_pop__<kind>``, ``need__<kind>``: the columns the
        indicator registry flags ``persons``) and the ``<indicator>__<kind>`` columns.
        Areas and municipalities must be sums of the sectors linked to them.
    threshold : int
        ``N``: counts ``0 < n < N`` are hidden.
    targets : mapping kind → age bands
        The bands each kind's ``target_pop__<kind>`` adds up (``('population',)`` when it
        counts everyone).

    Returns
    -------
    dict
        The same tables (copies), hidden cells missing (NaN, or None in text and yes/no
        columns), plus a ``suppressed`` column listing each row's hidden columns
        (comma-separated) and ``attrs["suppression_threshold"]``.
    """
    if isinstance(threshold, bool) or not isinstance(threshold, int) or threshold < 1:
        raise InputError("threshold must be a whole number >= 1", found=threshold)
    cells = _Cells(tables)
    for key, values in cells.values.items():
        cells.hidden[key] |= (values > 0) & (values < threshold)
    pairs: list[tuple[tuple[str, str], tuple[str, str]]] = []  # hidden together, row by row
    for name in tables:
        for kind in targets:
            need, target = f"need__{kind}", f"target_pop__{kind}"
            if cells.has(name, need) and cells.has(name, target):
                pairs.append(((name, need), (name, target)))
    _protect(cells, _sums(tables, cells, targets), pairs, _row_sums(tables, cells, targets))
    return {name: _hide(name, table, cells, targets, threshold) for name, table in tables.items()}


def _hide(
    name: str,
    table: pd.DataFrame,
    cells: _Cells,
    targets: Mapping[str, Sequence[str]],
    threshold: int,
) -> pd.DataFrame:
    """``table`` with the hidden counts of ``cells`` missing, and the figures of a kind
    whose target children are hidden; a ``suppressed`` column."""
    hidden = pd.DataFrame(False, index=range(len(table)), columns=list(table.columns))
    for (t, column), mask in cells.hidden.items():
        if t == name:
            hidden[column] = mask
    for kind in targets:
        target = f"target_pop__{kind}"
        if target not in hidden.columns:
            continue
        mask = hidden[target].to_numpy()
        for column in table.columns:
            base, _, of = str(column).partition("__")
            if of == kind and base not in _KEPT_WITH_KIND:
                hidden[column] = hidden[column].to_numpy() | mask
    out = table.copy()
    for column in hidden.columns[hidden.any().to_numpy()]:
        blank_cells(out, column, hidden[column].to_numpy())
    names = np.array([str(c) for c in hidden.columns], dtype=object)
    flags = hidden.to_numpy()
    out["suppressed"] = pd.Series(
        [",".join(names[row]) for row in flags], index=out.index, dtype="str"
    )
    out.attrs = dict(table.attrs)
    out.attrs["suppression_threshold"] = threshold
    return out
