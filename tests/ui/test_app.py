"""The one app: every screen a tab in one kernel, each built when first chosen, each reading
again what the others changed when it comes to the front; and the notebooks saved as shipped."""

from __future__ import annotations

import json

import nbformat
import pytest

from tests.paths import ROOT
from tests.ui_helpers import uploaded
from usikit.io import read_table
from usikit.ui import (
    App,
    AuditScreen,
    BatchScreen,
    RegcertExportScreen,
    RegcertImportScreen,
    RegcertLearnersScreen,
    ResultsScreen,
    StartScreen,
    catalogue,
)
from usikit.ui.notebook_saving import is_screen_notebook, strip_screen_notebooks
from usikit.ui.screen import Screen

pytestmark = pytest.mark.usefixtures("screens_raise_bugs")

TABS = ["Start", "Create USIs", "USI results", "Verify USIs", "Learners", "Import R&C",
        "R&C register", "Audit trail"]  # fmt: skip


@pytest.fixture
def app(demo_folder):
    made = App(demo_folder / "usikit.db", delay=0, page_size=10)
    yield made
    made.close()


def test_every_screen_is_a_tab_and_only_the_start_screen_is_built_at_first(app):
    assert list(app.tabs.titles) == TABS
    assert app.tabs.selected_index == 0 and list(app.screens) == [StartScreen]
    start = app.screens[StartScreen]
    assert start.counts["clients"] == 38
    assert all(start.opens[kind].layout.display != "none" for kind in catalogue.SCREENS)
    assert "<b>" not in start.notes[BatchScreen].value  # in the app: buttons, no notebook names
    text = app._repr_mimebundle_()["text/plain"]
    assert text.startswith("usikit: tabs Start, Create USIs, USI results, Verify USIs, Learners")
    assert "Start: 38 clients" in text


def test_the_start_screen_s_buttons_bring_a_screen_to_the_front(app):
    app.screens[StartScreen].opens[RegcertImportScreen].click()
    assert app.tabs.selected_index == TABS.index("Import R&C")
    assert isinstance(app.current, RegcertImportScreen)
    assert app.holders[TABS.index("Import R&C")].children == (app.current.widget,)


def test_the_screens_share_one_day_s_work(app, demo_folder):
    """Load and submit on one tab, retrieve on another; import a file, then find it in the
    register and the audit trail: each tab reads again what the others changed."""
    app.open(ResultsScreen)
    results = app.current
    assert results.batches.options == ()  # nothing submitted yet
    app.open(BatchScreen)
    batch = app.current
    batch.files.pick("clients_demo.xlsx")
    batch.load.click()
    batch.select_red.click()
    batch.remove.click()
    batch.submit.click()
    batch.confirm.yes.click()
    assert batch.open_results.layout.display != "none"  # in the app: a button to the results
    batch.open_results.click()
    assert app.current is results and results.batch_id == 1  # listed when it came to the front
    results.download.click()
    assert "Every result is in" in results.message.text
    first = results.grid.frame.index[0]
    file = read_table(demo_folder / "clients_demo.xlsx")
    in_file = str(file.index[file["Client ID"] == first][0])
    assert results.grid.frame.loc[first, "Row"] == in_file  # the row of the file loaded
    app.open(RegcertImportScreen)
    importer = app.current
    importer.files.upload.value = uploaded(demo_folder / "regcert_import_first.csv")
    importer.validate.click()
    importer.upload.click()
    importer.confirm.yes.click()
    app.open(RegcertExportScreen)
    assert len(app.current.records) == 46
    app.open(AuditScreen)
    actions = set(app.current.records["Action"])
    assert {"clients import", "batch submit", "batch retrieve", "regcert apply"} <= actions
    app.open(StartScreen)
    assert app.current.counts["batches processed"] == 1


def test_a_new_workspace_made_on_one_tab_opens_on_the_others(tmp_path, demo_folder):
    app = App(tmp_path / "usikit.db", delay=0)
    start = app.screens[StartScreen]
    assert start.message.kind == "info" and "There is no workspace" in start.message.text
    app.open(RegcertLearnersScreen)
    learners = app.current
    learners.files.upload.value = uploaded(demo_folder / "regcert_register.xlsx")
    learners.check.click()
    learners.load.click()
    learners.confirm.yes.click()
    assert "Register updated in one transaction: learners 200 created" in learners.message.text
    app.open(StartScreen)
    assert start.message.text == "" and start.counts["learners"] == 200
    app.open(RegcertExportScreen)
    assert app.current.workspace is not None and app.current.message.text == ""
    app.close()


def test_adding_a_screen_to_the_app_is_one_line(monkeypatch, demo_folder):
    class VerifyScreen(Screen):
        title = "Verify USIs"
        tab = "Verify USIs"
        what = "check that students' USIs are theirs"

        def __init__(self, workspace=None, **_options):
            super().__init__(workspace)
            self.compose()

    monkeypatch.setattr(catalogue, "SCREENS", (*catalogue.SCREENS, VerifyScreen))
    app = App(demo_folder / "usikit.db")
    assert app.tabs.titles[-1] == "Verify USIs"
    assert "check that students" in app.screens[StartScreen].notes[VerifyScreen].value
    app.open(VerifyScreen)
    assert isinstance(app.current, VerifyScreen)
    app.close()


NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_a_notebook_run_in_jupyterlab_is_saved_as_shipped(path):
    """What JupyterLab's save sends (outputs, widget state, its kernel's details) is stripped
    by the pre-save hook `make lab` gives JupyterLab, so the file does not change by use."""
    shipped = path.read_text()
    content = json.loads(shipped)
    for cell in content["cells"]:
        if cell["cell_type"] == "code":
            cell["outputs"] = [{"output_type": "execute_result", "data": {"text/plain": "x"},
                                "metadata": {}, "execution_count": 1}]  # fmt: skip
            cell["execution_count"] = 1
            cell["metadata"] = {"scrolled": True}
    content["metadata"]["widgets"] = {"application/vnd.jupyter.widget-state+json": {}}
    content["metadata"]["kernelspec"]["display_name"] = "Python 3 (ipykernel)"
    content["metadata"]["language_info"] = {"name": "python", "version": "3.11.7"}
    content["cells"].append(  # Shift+Enter on the last cell adds an empty one below
        {"cell_type": "code", "execution_count": None, "id": "new", "metadata": {},
         "outputs": [], "source": []}
    )  # fmt: skip
    model = {"type": "notebook", "content": content}
    strip_screen_notebooks(model=model, path=path.name, contents_manager=None)
    saved = nbformat.writes(nbformat.from_dict(model["content"])) + "\n"
    assert saved == shipped


def test_other_notebooks_are_saved_untouched():
    mine = {"cells": [{"cell_type": "code", "source": "import pandas as pd\npd.DataFrame()",
                       "outputs": [{"output_type": "stream"}], "metadata": {}}],
            "metadata": {}}  # fmt: skip
    model = {"type": "notebook", "content": json.loads(json.dumps(mine))}
    assert not is_screen_notebook(model["content"])
    strip_screen_notebooks(model=model)
    assert model["content"] == mine
