"""Input checks shared by the public functions: collect every problem, then raise once.

Every public function of buurtgeo checks its inputs in a *check step* before its
*compute step*. The check step records each problem as one sentence in a
:class:`Checks` and ends with :meth:`Checks.raise_if_any`, which raises one error
listing them all, with the class that fits:

* :class:`~buurtgeo.errors.CRSError` when the only problem is the coordinate reference
  system (so ``except CRSError`` catches exactly that case);
* :class:`~buurtgeo.errors.MissingColumnError` when the only problem is one missing
  column (its message lists the columns that were found and the closest match);
* otherwise the checker's error class (:class:`~buurtgeo.errors.InputError`, or
  :class:`~buurtgeo.errors.ConfigError` for configurations) naming every problem.

The rule is written here once; functions only say what they check::

    checks = Checks("reach")
    checks.radius(catchment_m, "catchment_m")
    if checks.points(origins, "origins") and checks.points(services, "services"):
        checks.crs([origins, services], ["origins", "services"])
    pop = checks.numeric(origins, "population", "origins", allow_nan=False)
    checks.raise_if_any()
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from buurtgeo.errors import BuurtgeoError, CRSError, InputError, MissingColumnError

__all__ = ["SHOW", "Checks", "raise_problems", "row_labels", "shown"]

#: How many offending rows or values a message names before it says "and N more".
SHOW = 5


def shown(values: Sequence[Any], limit: int = SHOW) -> str:
    """``'a', 'b', 'c' and 4 more``: the first values of a list, for a message."""
    values = list(values)
    text = ", ".join(repr(v) for v in values[:limit])
    return text + (f" and {len(values) - limit} more" if len(values) > limit else "")


def row_labels(index: pd.Index, mask: np.ndarray) -> str:
    """``rows 3, 7 and 2 more``: the index labels where ``mask`` is true, for a message."""
    bad = index[np.asarray(mask, dtype=bool)]
    return f"rows {shown(bad.tolist())}"


class Checks:
    """The problems found with one call's inputs, raised once at the end of the check step.

    Parameters
    ----------
    what : str
        The function (or file) the problems are about; it starts the message.
    error : type of BuurtgeoError, default InputError
        The class raised when there are several problems, or one that is neither a
        CRS nor a single missing column.
    """

    def __init__(self, what: str, error: type[BuurtgeoError] = InputError) -> None:
        self.what = what
        self.error = error
        self.problems: list[str] = []
        self._missing: list[tuple[str, str | None, list[str]]] = []
        self._crs_error: CRSError | None = None

    # -- recording ----------------------------------------------------------------
    def add(self, message: str) -> None:
        """Record one problem (one sentence, no final full stop)."""
        self.problems.append(message)

    def extend(self, messages: Iterable[str]) -> None:
        """Record several problems."""
        self.problems.extend(messages)

    def __len__(self) -> int:
        return len(self.problems)

    def __bool__(self) -> bool:  # "if checks:" reads "if there are problems"
        return bool(self.problems)

    def missing_column(self, column: str, role: str | None, columns: Iterable[Any]) -> None:
        """Record that ``role`` (a table) has no column ``column``.

        Parameters
        ----------
        column : str
            The column that was looked for.
        role : str or None
            What the table is to the caller (``'origins'``, ``'services'``…).
        columns : iterable
            The columns the table has (listed in the message).
        """
        found = [str(c) for c in columns]
        self._missing.append((column, role, found))
        listing = ", ".join(repr(c) for c in found[:20])
        owner = role if role is not None else "the table"
        self.add(f"{owner} has no column {column!r} (columns found: {listing})")

    # -- common checks ------------------------------------------------------------
    def points(self, frame: Any, role: str, *, areas: bool = False) -> bool:
        """Check that ``frame`` is a GeoDataFrame of points, each with a geometry
        (``areas=True``: points, polygons or multipolygons, as services may be).

        Returns True when it is (so that checks which need points can follow).
        """
        import geopandas as gpd
        import shapely

        if not isinstance(frame, gpd.GeoDataFrame):
            self.add(f"{role} must be a GeoDataFrame of points, got {type(frame).__name__}")
            return False
        geom = np.asarray(frame.geometry.array)
        type_id = shapely.get_type_id(geom)  # -1 = missing, 0 = point: no strings per row
        missing = (type_id < 0) | shapely.is_empty(geom)
        if missing.any():
            self.add(f"{role} {row_labels(frame.index, missing)} have no geometry")
        # 3 = Polygon, 6 = MultiPolygon: area services, reached at their edge
        allowed = np.isin(type_id, (0, 3, 6)) if areas else type_id == 0
        wrong = ~missing & ~allowed
        if wrong.any():
            kinds = sorted(set(frame.geometry.array[wrong].geom_type.tolist()))  # the few wrong
            self.add(
                f"{role} must be points{' or polygons' if areas else ''}, but "
                f"{row_labels(frame.index, wrong)} are {', '.join(kinds)} (use "
                ".representative_point() or buurtgeo.origins_from_sectors)"
            )
        return not (missing.any() or wrong.any())

    def numeric(
        self, frame: pd.DataFrame, column: str, role: str, *, allow_nan: bool
    ) -> np.ndarray | None:
        """Check a column of counts (>= 0, finite) and return it as float64.

        Text, negative and infinite values are problems; empty cells are problems unless
        ``allow_nan`` (then they stay NaN). Returns None when the column is missing.
        """
        if column not in frame.columns:
            self.missing_column(column, role, frame.columns)
            return None
        raw = frame[column]
        values = pd.to_numeric(raw, errors="coerce")
        text = np.asarray(values.isna() & raw.notna())
        if text.any():
            self.add(
                f"{role} column {column!r}: {row_labels(frame.index, text)} are not numbers "
                f"(found {raw[text].head(SHOW).tolist()})"
            )
        arr = values.to_numpy(dtype=np.float64, na_value=np.nan)
        nan = np.isnan(arr) & ~text
        if nan.any() and not allow_nan:
            self.add(f"{role} column {column!r}: {row_labels(frame.index, nan)} are empty")
        neg = (arr < 0) | np.isinf(arr)
        if neg.any():
            self.add(
                f"{role} column {column!r}: {row_labels(frame.index, neg)} are negative or "
                f"infinite (expected a count >= 0; found {arr[neg][:SHOW].tolist()})"
            )
        return arr

    def radius(self, value: Any, name: str) -> bool:
        """Check a distance (or speed): a finite number > 0. True when it is one."""
        if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
            self.add(f"{name} must be a number of metres, got {value!r}")
            return False
        if not (math.isfinite(value) and value > 0):
            self.add(f"{name} must be a finite number of metres > 0, got {value!r}")
            return False
        return True

    def network(self, network: Any) -> bool:
        """Check that ``network`` (None = straight lines) can do what reach asks of it."""
        if network is None:
            return True
        for attr in ("snap", "nearest", "pairs_within", "crs", "n_nodes"):
            if not hasattr(network, attr):
                self.add(
                    f"network must be a buurtgeo.Network (from buurtgeo.read_network), "
                    f"got {type(network).__name__} without {attr!r}"
                )
                return False
        return True

    def crs_with_network(self, frames: Sequence[Any], names: Sequence[str], network: Any) -> None:
        """Check ``network`` (when given) and that it and ``frames`` share one projected
        CRS in metres (a network that fails its own check is left out of the comparison)."""
        frames, names = list(frames), list(names)
        if network is not None and self.network(network):
            frames.append(network)
            names.append("network")
        if frames:
            self.crs(frames, names)

    def crs(self, frames: Sequence[Any], names: Sequence[str]) -> bool:
        """Check that ``frames`` share one projected CRS in metres. True when they do."""
        from buurtgeo.schema import require_metric_crs

        try:
            require_metric_crs(*frames, what=list(names))
        except CRSError as exc:
            self.add(str(exc))
            if self._crs_error is None:
                self._crs_error = exc
            return False
        return True

    # -- the end of the check step --------------------------------------------------
    def raise_if_any(self, *, path: Any = None, hint: str = "Fix them all and call again") -> None:
        """Raise one error naming every problem recorded; do nothing when there are none.

        Parameters
        ----------
        path : str or path-like, optional
            The file the problems are in (a configuration): the message starts with it
            instead of the function's name.
        hint : str, optional
            The last sentence of the message.
        """
        problems = list(dict.fromkeys(self.problems))  # one sentence once
        if not problems:
            return
        if self._crs_error is not None and problems == [str(self._crs_error)]:
            raise self._crs_error
        if len(problems) == 1 and len(self._missing) == 1 and self.error is InputError:
            column, role, found = self._missing[0]
            raise MissingColumnError(column, found_columns=found, role=role, path=path)
        head = f"{len(problems)} problem(s)"
        if path is None:
            head = f"{self.what}: {head} with the inputs"
        raise self.error(head + ": " + "; ".join(problems), path=path, hint=hint)


def raise_problems(
    what: str, problems: Sequence[str], *, error: type[BuurtgeoError] = InputError
) -> None:
    """Raise one ``error`` listing ``problems`` (for checks that collect plain strings)."""
    checks = Checks(what, error)
    checks.extend(problems)
    checks.raise_if_any()
