"""The shared check step: problems collected, one error raised with the right class."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import LineString, Point

from buurtgeo._checks import Checks, raise_problems, row_labels, shown
from buurtgeo.errors import ConfigError, CRSError, InputError, MissingColumnError


def _points(crs: str = "EPSG:3812") -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"population": [1.0, 2.0]}, geometry=[Point(0, 0), Point(1, 1)], crs=crs
    )


def test_no_problem_raises_nothing() -> None:
    checks = Checks("reach")
    assert checks.points(_points(), "origins")
    assert checks.crs([_points(), _points()], ["origins", "services"])
    values = checks.numeric(_points(), "population", "origins", allow_nan=False)
    checks.raise_if_any()
    assert not checks and len(checks) == 0
    np.testing.assert_array_equal(values, [1.0, 2.0])


def test_only_a_crs_problem_raises_crs_error() -> None:
    checks = Checks("reach")
    assert not checks.crs([_points("EPSG:4326")], ["origins"])
    with pytest.raises(CRSError):
        checks.raise_if_any()


def test_a_crs_problem_among_others_is_listed_in_one_input_error() -> None:
    checks = Checks("reach")
    checks.crs([_points("EPSG:4326")], ["origins"])
    checks.radius(-1, "catchment_m")
    with pytest.raises(InputError, match=r"reach: 2 problem\(s\) with the inputs") as info:
        checks.raise_if_any()
    assert not isinstance(info.value, CRSError)
    assert "catchment_m" in str(info.value) and "origins" in str(info.value)


def test_one_missing_column_raises_missing_column_error_listing_columns() -> None:
    checks = Checks("reach")
    assert checks.numeric(_points(), "children_0_2", "origins", allow_nan=False) is None
    with pytest.raises(MissingColumnError, match="population") as info:
        checks.raise_if_any()
    assert info.value.column == "children_0_2"


def test_numeric_names_text_empty_negative_and_infinite_rows() -> None:
    frame = pd.DataFrame({"capacity": ["3", "twaalf", None, "-1", "inf"]})
    checks = Checks("reach")
    checks.numeric(frame, "capacity", "services", allow_nan=False)
    text = "; ".join(checks.problems)
    assert "rows 1 are not numbers (found ['twaalf'])" in text
    assert "rows 2 are empty" in text
    assert "rows 3, 4 are negative or infinite" in text


def test_points_refuses_lines_and_missing_geometry() -> None:
    frame = gpd.GeoDataFrame(geometry=[Point(0, 0), LineString([(0, 0), (1, 1)]), None])
    checks = Checks("reach")
    assert not checks.points(frame, "services")
    text = "; ".join(checks.problems)
    assert "rows 2 have no geometry" in text and "rows 1 are LineString" in text
    assert not checks.points(pd.DataFrame(), "services")


def test_config_errors_keep_their_class_and_path() -> None:
    with pytest.raises(ConfigError, match=r"a\.toml: 2 problem\(s\): x; y"):
        checks = Checks("config", ConfigError)
        checks.extend(["x", "y", "x"])  # the same sentence once
        checks.raise_if_any(path="a.toml")


def test_helpers_shorten_long_lists() -> None:
    assert shown(list(range(7))) == "0, 1, 2, 3, 4 and 2 more"
    assert row_labels(pd.Index(["a", "b"]), np.array([False, True])) == "rows 'b'"
    with pytest.raises(InputError, match="f: 1 problem"):
        raise_problems("f", ["bad"])
