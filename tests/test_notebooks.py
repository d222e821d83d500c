"""Every notebook in notebooks/ runs from top to bottom (compared by execution, not output text).

The notebooks are stored without outputs; they write into the folder named by
``BUURTGEO_NOTEBOOK_OUT`` (here a temporary folder) and read the real extracts from
``BUURTGEO_REAL_DATA`` (here the ``real`` fixture's folder).
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))
REAL_DATA = {"02_real_municipality.ipynb"}


def test_there_are_notebooks():
    assert [p.name for p in NOTEBOOKS][:3] == [
        "01_quick_start.ipynb",
        "02_real_municipality.ipynb",
        "03_gaps_scenarios_sites.ipynb",
    ]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_outputs_are_stripped(path):
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, path.name


@pytest.mark.slow
@pytest.mark.notebook
@pytest.mark.parametrize(
    "path",
    [
        pytest.param(p, marks=[pytest.mark.realdata] if p.name in REAL_DATA else [])
        for p in NOTEBOOKS
    ],
    ids=[p.stem for p in NOTEBOOKS],
)
def test_notebook_runs(path, tmp_path, monkeypatch, request):
    from nbclient import NotebookClient

    if path.name in REAL_DATA:
        monkeypatch.setenv("BUURTGEO_REAL_DATA", str(request.getfixturevalue("real")))
    monkeypatch.setenv("BUURTGEO_NOTEBOOK_OUT", str(tmp_path))
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb,
        kernel_name="python3",
        timeout=300,
        resources={"metadata": {"path": str(path.parent)}},
    )
    client.execute()  # raises CellExecutionError naming the cell when one fails
    errors = [
        out
        for cell in nb.cells
        if cell.cell_type == "code"
        for out in cell.outputs
        if out.output_type == "error"
    ]
    assert errors == []
    assert any(cell.outputs for cell in nb.cells if cell.cell_type == "code")
