"""Shared fixtures: paths to the real public extracts, a clean options state, tmp outputs."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def _real_data_dir() -> Path:
    env = os.environ.get("BUURTGEO_REAL_DATA")
    if env:
        return Path(env)
    return REPO.parent / "shared" / "data" / "real"


REAL = _real_data_dir()


@pytest.fixture(scope="session")
def real() -> Path:
    """Folder of the real public extracts (../shared/data/real); skips the test when absent."""
    if not REAL.is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"real data folder {REAL} is missing in CI")
        pytest.skip(f"real data folder {REAL} not present")
    return REAL


@pytest.fixture(scope="session")
def repo() -> Path:
    """The repository root."""
    return REPO


@pytest.fixture(autouse=True)
def _fresh_options():
    """Every test starts from the default settings and cannot leak its own."""
    from buurtgeo.options import _DEFAULTS, _OPTIONS

    saved = dict(_OPTIONS)
    _OPTIONS.clear()
    _OPTIONS.update(_DEFAULTS)
    yield
    _OPTIONS.clear()
    _OPTIONS.update(saved)


@pytest.fixture(scope="session")
def demo_output(tmp_path_factory) -> Path:
    """The folder of one ``buurtgeo demo`` run (shared by the tests that only read it)."""
    import buurtgeo as bg

    out = tmp_path_factory.mktemp("demo-output")
    bg.run_demo(out, quiet=True)
    return out
