"""The learners screen: check the learner file, then load it into the register, asked first."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.ui_helpers import uploaded
from usikit.io import read_table, write_csv
from usikit.regcert.tables import learners
from usikit.store.audit import audit_records
from usikit.ui import RegcertLearnersScreen
from usikit.workspace import open_workspace

pytestmark = pytest.mark.usefixtures("screens_raise_bugs")


def learners_in(path) -> int:
    workspace = open_workspace(str(path))
    with workspace.begin() as connection:
        count = connection.execute(select(func.count()).select_from(learners)).scalar_one()
    workspace.close()
    return count


@pytest.fixture
def screen(tmp_path):
    made = RegcertLearnersScreen(tmp_path / "usikit.db", page_size=10)
    yield made
    made.close()


def test_a_new_workspace_is_made_only_by_loading_learners(screen, tmp_path, demo_folder):
    assert screen.message.kind == "info"
    assert "loading a learner file below starts it" in screen.message.text
    assert not (tmp_path / "usikit.db").exists() and screen.load.disabled
    screen.files.upload.value = uploaded(demo_folder / "regcert_register.xlsx")
    screen.check.click()
    assert "regcert_register.xlsx: 482 rows: 482 can be loaded, 0 with errors" in (
        screen.summary.value
    )
    assert not (tmp_path / "usikit.db").exists()  # checking writes nothing
    screen.load.click()
    assert screen.confirm.is_open and "Load 482 accepted rows of regcert_register.xlsx" in (
        screen.confirm.text
    )
    assert not (tmp_path / "usikit.db").exists()  # asked, not done
    screen.confirm.yes.click()
    assert screen.message.kind == "success"
    assert screen.message.text.startswith(
        "Register updated in one transaction: learners 200 created"
    )
    assert learners_in(tmp_path / "usikit.db") == 200
    trail = audit_records(screen.workspace)
    assert trail["Action"].tolist() == ["learners import"]
    assert trail["File"].tolist() == ["regcert_register.xlsx"]


def test_a_file_with_problems_shows_them_in_words_and_loads_only_good_rows(
    screen, tmp_path, demo_folder
):
    rows = read_table(demo_folder / "regcert_register.xlsx")
    rows.iloc[0, rows.columns.get_loc("ULN")] = "1234567890"  # a wrong check digit
    bad = tmp_path / "learners.csv"
    write_csv(rows, bad)
    screen.files.upload.value = uploaded(bad)
    screen.check.click()
    assert "481 can be loaded, 1 with errors" in screen.summary.value
    problems = screen.report_view.grid.frame
    assert problems.iloc[0]["Row"] == "2" and problems.iloc[0]["Column"] == "ULN"
    assert "_" not in problems.iloc[0]["Check"]  # the check in words
    screen.report_view.grid.select_rows(0)
    assert "check digit" in screen.report_view.detail.text
    screen.load.click()
    assert "the 1 row with errors is left out" in screen.confirm.text
    screen.confirm.no.click()
    assert not (tmp_path / "usikit.db").exists()


def test_choosing_another_file_forgets_the_checked_one(screen, demo_folder):
    screen.files.upload.value = uploaded(demo_folder / "regcert_register.xlsx")
    screen.check.click()
    screen.load.click()
    screen.files.upload.value = uploaded(demo_folder / "clients_demo.xlsx")
    assert screen.report is None and screen.load.disabled and not screen.confirm.is_open
