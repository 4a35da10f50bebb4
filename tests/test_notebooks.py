"""Every notebook runs headless from top to bottom on a demo workspace and shows its screen."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from tests.paths import ROOT
from usikit.cli.demo_cmd import prepare_demo
from usikit.io import read_table
from usikit.regcert.matching import import_file
from usikit.workspace import open_workspace

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
# What each screen must show on the demo workspace: in its plain-text output, and in the
# widgets' state (what the browser would draw).
EXPECTED = {
    "00_start_here.ipynb": (
        "usikit: tabs Start, Create USIs, USI results, Verify USIs, Learners, Import R&C, "
        "R&C register, Audit trail. Start: 38 clients, 2 clients with a USI",
        ["Learners", "offline simulator (not the USI Registry", "Open Audit trail", "R&C register"],
    ),
    "01_create_usi_batch.ipynb": (
        "Create USIs: the batch: no open batch",
        ["No open batch yet", "S0000003 · Olivia Brown", "clients_demo.xlsx"],
    ),
    "02_retrieve_usi_results.ipynb": (
        "Retrieve USI results: no batches waiting for results",
        ["No batches waiting for results", "offline simulator (not the USI Registry"],
    ),
    "03_regcert_import.ipynb": (
        "Registration & Certification: import a file: choose a file and validate it",
        ["Mandatory fields: <b>Qualification Number</b>", "Download sample file"],
    ),
    "04_regcert_export.ipynb": (
        "Registration & Certification: the register and its export: 46 records shown",
        ["0 records selected (of 46 shown)", "Records by status", "Correct the selected record"],
    ),
    "05_audit.ipynb": (
        "Audit trail: 3 audit records",
        ["3 audit records by 1 person", "Audit records by day and action", "regcert_import_first"],
    ),
    "06_regcert_learners.ipynb": (
        "Registration & Certification: load learners into the register: choose the learner file",
        ["Check the file", "Load the accepted rows into the register", "regcert_register.xlsx"],
    ),
    "07_verify_usis.ipynb": (
        "Verify USIs: choose what to verify",
        ["Clients not verified yet", "offline simulator (not the USI Registry", "Find the USI"],
    ),
}


@pytest.fixture(scope="module")
def demo_workspace(tmp_path_factory) -> Path:
    """`prepare_demo`'s workspace, with the first sample import applied (for the export)."""
    folder = tmp_path_factory.mktemp("notebooks") / "demo"
    path = prepare_demo(folder)
    workspace = open_workspace(str(path))
    import_file(workspace, read_table(folder / "regcert_import_first.csv", sep=","), apply=True)
    workspace.close()
    return path


def test_every_notebook_is_checked():
    assert sorted(EXPECTED) == [path.name for path in NOTEBOOKS]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_runs_and_shows_its_screen(path, demo_workspace, monkeypatch):
    monkeypatch.setenv("USIKIT_WORKSPACE", str(demo_workspace))
    monkeypatch.delenv("USIKIT_OFFLINE_DELAY", raising=False)
    notebook = nbformat.read(path, as_version=4)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert len(code) == 1 and len(code[0].source.splitlines()) <= 3  # one short cell
    NotebookClient(
        notebook,
        timeout=300,
        kernel_name="python3",
        store_widget_state=True,
        resources={"metadata": {"path": str(path.parent)}},
    ).execute()
    outputs = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    [shown] = [o for o in outputs if o.output_type == "execute_result"]
    assert "application/vnd.jupyter.widget-view+json" in shown.data
    plain, drawn = EXPECTED[path.name]
    assert shown.data["text/plain"].startswith(plain)
    state = notebook.metadata.widgets["application/vnd.jupyter.widget-state+json"]
    text = json.dumps(state, ensure_ascii=False)  # the widgets' values as the browser gets them
    for expected in drawn:
        assert expected in text, expected
    assert "usikit-error" not in text  # no red message


def test_notebooks_are_committed_without_outputs():
    for path in NOTEBOOKS:
        notebook = nbformat.read(path, as_version=4)
        assert all(not c.get("outputs") for c in notebook.cells if c.cell_type == "code"), path
