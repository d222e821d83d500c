"""Small error classes that say where a problem is: file, row and column.

Every error raised at buurtgeo's public boundary is a :class:`BuurtgeoError`. The
subclasses also derive from the matching built-in (``ValueError``, ``KeyError``…)
so that generic ``except ValueError`` code keeps working.

The message is built from the parts, so it always reads the same way::

    services.csv: row 14, column 'Capaciteit': not a number (expected a count >= 0; found 'twaalf')
"""

from __future__ import annotations

import difflib
from os import PathLike
from typing import Any

from buurtgeo._renamed import renamed_column_note

__all__ = [
    "BuurtgeoError",
    "InputError",
    "MissingColumnError",
    "CRSError",
    "NetworkError",
    "ConfigError",
    "DownloadError",
    "InputWarning",
]


def _describe(value: Any, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


class BuurtgeoError(Exception):
    """Base class of every error buurtgeo raises on purpose.

    Parameters
    ----------
    message : str
        What went wrong, in one sentence.
    path : str or path-like, optional
        The file the problem is in.
    row : int, optional
        The row as a spreadsheet shows it (header = row 1, first record = row 2) for
        tabular files, or the 1-based feature number for vector layers.
    column : str, optional
        The column (field) the problem is in.
    expected : str, optional
        What was expected there.
    found : object, optional
        What was found instead (shortened in the message).
    hint : str, optional
        How to fix it.
    """

    def __init__(
        self,
        message: str,
        *,
        path: str | PathLike[str] | None = None,
        row: int | None = None,
        column: str | None = None,
        expected: str | None = None,
        found: Any = None,
        hint: str | None = None,
    ) -> None:
        self.message = message
        self.path = None if path is None else str(path)
        self.row = row
        self.column = column
        self.expected = expected
        self.found = found
        self.hint = hint
        super().__init__(self._render())

    def _render(self) -> str:
        where = []
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column {self.column!r}")
        text = ""
        if self.path is not None:
            text += f"{self.path}: "
        if where:
            text += ", ".join(where) + ": "
        text += self.message
        extra = []
        if self.expected is not None:
            extra.append(f"expected {self.expected}")
        if self.found is not None:
            extra.append(f"found {_describe(self.found)}")
        if extra:
            text += " (" + "; ".join(extra) + ")"
        if self.hint:
            text += f". {self.hint}"
        return text

    def __str__(self) -> str:  # KeyError would otherwise repr() the message
        return self._render()


class InputError(BuurtgeoError, ValueError):
    """A file or table cannot be used as given."""


class MissingColumnError(InputError, KeyError):
    """A required column is absent; the message lists the columns that were found."""

    def __init__(
        self,
        column: str,
        *,
        path: str | PathLike[str] | None = None,
        found_columns: list[str] | None = None,
        hint: str | None = None,
        role: str | None = None,
    ) -> None:
        self.found_columns = list(found_columns or [])
        what = "required column is missing" + (f" ({role})" if role else "")
        renamed = renamed_column_note(column)
        close = difflib.get_close_matches(column, [str(c) for c in self.found_columns], n=1)
        guess = f"{renamed}. " if renamed else f"Did you mean {close[0]!r}? " if close else ""
        listing = ", ".join(repr(c) for c in self.found_columns[:40])
        if len(self.found_columns) > 40:
            listing += f", … ({len(self.found_columns)} in all)"
        super().__init__(
            what,
            path=path,
            column=column,
            expected=None,
            found=None,
            hint=guess
            + (f"Columns found: {listing}" if self.found_columns else "No columns were found")
            + (f". {hint}" if hint else ""),
        )


class CRSError(BuurtgeoError, ValueError):
    """A coordinate reference system is missing, geographic where metres are needed, or mixed."""


class NetworkError(BuurtgeoError, ValueError):
    """A street network cannot be built or used (no edges, nothing connected, …)."""


class ConfigError(InputError):
    """A configuration file has unknown keys, wrong types or impossible values."""


class DownloadError(BuurtgeoError, OSError):
    """A download failed (HTTP error, network error, truncated or altered file)."""


class InputWarning(UserWarning):
    """A warning about the inputs, in English and, where written, in Dutch.

    ``str(w)`` is the English text (what Python prints); :meth:`text` gives the text in
    the run's language, so a Dutch summary lists its notes in Dutch.
    """

    def __init__(self, message: str, *, nl: str | None = None) -> None:
        super().__init__(message)
        self.nl = nl

    def text(self, language: str = "en") -> str:
        """The warning in ``language`` ('nl' or 'en'; English when no Dutch is written)."""
        return self.nl if language == "nl" and self.nl else str(self)
