"""Tables and arrays that ride along in ``DataFrame.attrs`` without breaking pandas.

buurtgeo's results carry what a planner needs next to them in ``attrs``: a loader's
set-aside rows (``attrs["set_aside"]``), an areas table's sector → area mapping
(``attrs["sector_area"]``), the unmatched ids of a join. pandas copies ``attrs`` deeply
into every derived table and, when it combines tables (``pd.concat``, ``merge``,
``astype``, ``groupby``), compares the inputs' ``attrs`` with ``==`` and asks for the
truth of the answer. A plain DataFrame, Series or array there makes that comparison
raise (*the truth value of a DataFrame is ambiguous*), and copies it on every
``.loc``.

:func:`hold` turns such a value into one that behaves: a :class:`HeldFrame` (or
:class:`HeldSeries`) is a real DataFrame (Series) for everyone who reads it, but

* a deep copy returns the same object (it is shared, read-only by convention: derive
  a new table from it rather than changing it in place);
* comparing it with another held table gives one ``True``/``False`` (same labels,
  same values: :meth:`pandas.DataFrame.equals`); compared with anything else it is
  compared cell by cell as usual;
* anything derived from it (``.copy()``, a selection, ``pd.concat``) is a plain
  DataFrame (Series) again;
* it pickles.

Arrays become tuples; lists, tuples and dicts are held item by item.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["HeldFrame", "HeldSeries", "hold", "hold_attrs"]


def _same(a: Any, b: Any) -> bool:
    if a is b:
        return True
    try:
        return bool(
            type(a) is type(b)
            and a.shape == b.shape
            and a.index.equals(b.index)
            and getattr(a, "columns", pd.Index([])).equals(getattr(b, "columns", pd.Index([])))
            and a.equals(b)
        )
    except (TypeError, ValueError):
        return False


class HeldFrame(pd.DataFrame):
    """A DataFrame held in another table's ``attrs`` (see the module docstring)."""

    _metadata: list[str] = []

    @property
    def _constructor(self) -> type[pd.DataFrame]:
        return pd.DataFrame

    def __deepcopy__(self, memo: Any = None) -> HeldFrame:
        return self

    def __copy__(self) -> HeldFrame:
        return self

    def __eq__(self, other: Any) -> Any:
        if isinstance(other, HeldFrame):
            return _same(self, other)
        return super().__eq__(other)

    def __ne__(self, other: Any) -> Any:
        if isinstance(other, HeldFrame):
            return not _same(self, other)
        return super().__ne__(other)

    __hash__ = None  # type: ignore[assignment]


class HeldSeries(pd.Series):
    """A Series held in another table's ``attrs`` (see the module docstring)."""

    _metadata: list[str] = []

    @property
    def _constructor(self) -> type[pd.Series]:
        return pd.Series

    @property
    def _constructor_expanddim(self) -> type[pd.DataFrame]:
        return pd.DataFrame

    def __deepcopy__(self, memo: Any = None) -> HeldSeries:
        return self

    def __copy__(self) -> HeldSeries:
        return self

    def __eq__(self, other: Any) -> Any:
        if isinstance(other, HeldSeries):
            return _same(self, other)
        return super().__eq__(other)

    def __ne__(self, other: Any) -> Any:
        if isinstance(other, HeldSeries):
            return not _same(self, other)
        return super().__ne__(other)

    __hash__ = None  # type: ignore[assignment]


def hold(value: Any) -> Any:
    """``value`` made safe for ``attrs``: frames and series held, arrays as tuples.

    A GeoDataFrame keeps its geometry as a column (``HeldFrame`` is no GeoDataFrame);
    a value that is already held, a scalar or a text is returned as it is.
    """
    if isinstance(value, HeldFrame | HeldSeries):
        return value
    if isinstance(value, pd.DataFrame):
        held = HeldFrame(pd.DataFrame(value))
        held.attrs = {}
        return held
    if isinstance(value, pd.Series):
        held_s = HeldSeries(pd.Series(value))
        held_s.attrs = {}
        return held_s
    if isinstance(value, pd.Index):
        return tuple(value.tolist())
    if isinstance(value, np.ndarray):
        return tuple(value.tolist())
    if isinstance(value, Mapping):
        return {k: hold(v) for k, v in value.items()}
    if isinstance(value, list):
        return [hold(v) for v in value]
    if isinstance(value, tuple) and not hasattr(value, "_fields"):
        return tuple(hold(v) for v in value)
    return value


def hold_attrs(table: Any) -> Any:
    """Hold every value of ``table.attrs`` in place (:func:`hold`); return ``table``."""
    attrs = getattr(table, "attrs", None)
    if attrs:
        for key in list(attrs):
            attrs[key] = hold(attrs[key])
    return table
