"""Row accounting for loaders: rows in = rows used + rows set aside.

Every loader reads a raw table, then walks it through checks. A :class:`RowLedger`
remembers which raw rows each check set aside and why, and at the end attaches the
set-aside table to the result::

    ledger = RowLedger(raw, source=path, first_row=2)      # CSV: header is line 1
    ledger.set_aside(raw["Capaciteit"].isna(), "capacity is empty", column="Capaciteit")
    kept = raw[ledger.kept]                                 # boolean mask over raw rows
    ...build result from kept...
    return ledger.attach(result)

The set-aside table (``result.attrs["set_aside"]``) has the columns
``source, row, column, reason`` followed by the original row's values (as text),
one line per raw row set aside (the first reason wins). ``result.attrs["rows_in"]``
holds the number of raw rows.

The set-aside table is a :class:`~buurtgeo._attrs.HeldFrame`: a DataFrame for whoever
reads it, that pandas neither copies on every operation nor fails to compare when it
combines tables (``pd.concat``, ``merge``, ``astype``), so the loader's result stays a
plain frame. :meth:`RowLedger.attach` holds every other value of ``attrs`` the same way
(:func:`buurtgeo._attrs.hold_attrs`), and :func:`set_aside_of` reads the rows back from
a loader result, a :class:`~buurtgeo.Network` or an :class:`~buurtgeo.Analysis`.
"""

from __future__ import annotations

from os import PathLike

import numpy as np
import pandas as pd

from buurtgeo._attrs import hold, hold_attrs
from buurtgeo.schema import SET_ASIDE_COLUMNS

__all__ = ["RowLedger", "empty_set_aside", "combine_set_aside", "set_aside_of"]


def empty_set_aside() -> pd.DataFrame:
    """An empty set-aside table with the canonical columns."""
    return pd.DataFrame({c: pd.Series(dtype="object") for c in SET_ASIDE_COLUMNS})


def set_aside_of(obj: object) -> pd.DataFrame | None:
    """The set-aside rows of a loader result, a Network or an Analysis (None: none kept).

    A plain DataFrame (a copy of what ``attrs["set_aside"]`` or ``.set_aside`` holds).
    """
    if obj is None:
        return None
    table = getattr(obj, "set_aside", None)
    if not isinstance(table, pd.DataFrame):
        attrs = getattr(obj, "attrs", None)
        table = attrs.get("set_aside") if isinstance(attrs, dict) else None
    return pd.DataFrame(table).copy() if isinstance(table, pd.DataFrame) else None


def combine_set_aside(*tables: pd.DataFrame) -> pd.DataFrame:
    """Stack several set-aside tables (e.g. of several files) into one."""
    tables = tuple(t for t in tables if t is not None and len(t))
    if not tables:
        return empty_set_aside()
    return pd.concat(tables, ignore_index=True, sort=False)


class RowLedger:
    """Track which raw rows a loader sets aside, and why.

    Parameters
    ----------
    raw : DataFrame
        The table as read, one row per source record, in source order.
    source : str or path-like
        File name shown in the set-aside table and in errors.
    first_row : int, default 2
        Row number of ``raw``'s first record as people see it: 2 for a CSV or Excel
        sheet with one header line, 1 for the features of a vector layer.
    """

    def __init__(
        self, raw: pd.DataFrame, *, source: str | PathLike[str], first_row: int = 2
    ) -> None:
        self.raw = raw
        self.source = str(source)
        self.first_row = first_row
        n = len(raw)
        self._reason = np.full(n, None, dtype=object)
        self._column = np.full(n, None, dtype=object)

    @property
    def rows_in(self) -> int:
        """Number of raw rows."""
        return len(self.raw)

    @property
    def kept(self) -> np.ndarray:
        """Boolean mask (over raw rows) of the rows not set aside so far."""
        return np.asarray(pd.isna(self._reason))

    def row_number(self, position: int | np.ndarray) -> int | np.ndarray:
        """Row number people see for a raw row position (0-based)."""
        return position + self.first_row

    def set_aside(
        self, mask, reason: str | pd.Series | np.ndarray, *, column: str | None = None
    ) -> int:
        """Set aside the raw rows where ``mask`` is true (rows already set aside keep their reason).

        Parameters
        ----------
        mask : array-like of bool, length ``rows_in``; or a boolean Series aligned on a
            subset of ``raw``'s index (missing positions count as False).
        reason : str or array-like of str
            Why; one text for all, or one per raw row.
        column : str, optional
            The source column the problem is in.

        Returns
        -------
        int
            How many rows this call newly set aside.
        """
        if isinstance(mask, pd.Series) and not mask.index.equals(self.raw.index):
            mask = mask.reindex(self.raw.index, fill_value=False)
        mask = np.asarray(mask, dtype=bool)
        if mask.shape != (self.rows_in,):
            raise ValueError(f"mask has shape {mask.shape}, expected ({self.rows_in},)")
        new = mask & self.kept
        if isinstance(reason, str):
            self._reason[new] = reason
        else:
            self._reason[new] = np.asarray(reason, dtype=object)[new]
        self._column[new] = column
        return int(new.sum())

    def table(self) -> pd.DataFrame:
        """The set-aside table so far (held: safe in ``attrs``, see :mod:`buurtgeo._attrs`)."""
        return hold(self._table())

    def _table(self) -> pd.DataFrame:
        positions = np.flatnonzero(~self.kept)
        if len(positions) == 0:
            out = empty_set_aside()
            for col in self.raw.columns:
                if col not in out.columns and str(col) != "geometry":
                    out[str(col)] = pd.Series(dtype="object")
            return out
        head = pd.DataFrame(
            {
                "source": self.source,
                "row": np.asarray(self.row_number(positions)).astype("int64"),
                "column": self._column[positions],
                "reason": self._reason[positions],
            }
        )
        values = self.raw.iloc[positions]
        if "geometry" in values.columns:
            geom = values["geometry"]
            values = pd.DataFrame(values.drop(columns="geometry"))
            values["geometry_wkt"] = [None if g is None else g.wkt[:200] for g in geom]
        values = values.astype(object).where(values.notna(), None).reset_index(drop=True)
        values.columns = [str(c) for c in values.columns]
        clash = [c for c in values.columns if c in head.columns]
        values = values.rename(columns={c: f"{c} (source)" for c in clash})
        return pd.concat([head, values], axis=1)

    def attach(self, result: pd.DataFrame) -> pd.DataFrame:
        """Attach the set-aside table and row counts to ``result`` and check the books balance.

        Raises
        ------
        AssertionError
            When ``len(result) + rows set aside != rows_in`` (a loader bug, never user error).
        """
        table = self.table()
        if len(result) + len(table) != self.rows_in:
            raise AssertionError(
                f"row accounting broken for {self.source}: {len(result)} used + {len(table)} set aside"
                f" != {self.rows_in} read"
            )
        result.attrs["set_aside"] = table
        result.attrs["rows_in"] = self.rows_in
        result.attrs["source"] = self.source
        return hold_attrs(result)
