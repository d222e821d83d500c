"""The column names that no longer exist, with what to use instead.

A bottom module (it imports nothing of buurtgeo) so that both the error classes
(:class:`~buurtgeo.errors.MissingColumnError` names the replacement) and
:mod:`buurtgeo.schema` (which re-exports both names) can use the table.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

__all__ = ["RENAMED_COLUMNS", "renamed_column_note"]


#: Column names that no longer exist, with what to use instead. ``places_per_100`` meant
#: the 2SFCA ratio in :func:`buurtgeo.aggregate_reach` and the same-area ratio in
#: :func:`buurtgeo.gaps`; each measure now has one name everywhere.
RENAMED_COLUMNS: Mapping[str, str] = MappingProxyType(
    {
        "places_per_100": (
            "'places_per_100' no longer exists (it meant two different ratios): use "
            "'places_per_100_2sfca' for places per 100 children within reach (2SFCA, "
            "100 · fca2) or 'places_per_100_in_area' for places located in the area per "
            "100 children of the area (the ratio Opgroeien publishes)"
        ),
    }
)


def renamed_column_note(column: Any) -> str | None:
    """What to use instead of a column name that no longer exists, or None.

    Also for wide and derived names: ``'places_per_100__childcare_baby'``,
    ``'places_per_100_before'``.
    """
    base = str(column).partition("__")[0]
    for old, note in RENAMED_COLUMNS.items():
        if base == old or base in (f"{old}_before", f"{old}_after", f"{old}_diff"):
            return note
    return None
