"""Small-number suppression: counts of few persons, and what would reveal them, hidden.

Published tables must not let a reader single out a handful of children. Before the
pipeline writes a table (:mod:`buurtgeo.outputs`), and when :func:`buurtgeo.gaps` is asked
to, :func:`suppress_small` hides every count of persons below a threshold and every
figure built on it in the same row.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from buurtgeo.errors import InputError, MissingColumnError

__all__ = ["suppress_small"]


# --------------------------------------------------------------------------------------
# Small-number suppression
# --------------------------------------------------------------------------------------

#: Counts that :func:`suppress_small` hides by default, with the rates built on them.
#: Counts that :func:`suppress_small` hides by default, with the rates built on them.
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
        ``<count>__<kind>`` in wide tables (:func:`buurtgeo.reach_all` aggregates).
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
            if c in _DEFAULT_COUNTS or str(c).partition("__")[0] in _DEFAULT_COUNTS
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
