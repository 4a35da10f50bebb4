"""The audit screen on a workspace where real work was done: rows, filters, chart, export."""

from __future__ import annotations

import datetime as dt
import getpass
import json

import pandas as pd
import pytest

from tests.batch_helpers import Clock
from tests.ui_helpers import link_bytes
from usikit.bulk_usi import batches
from usikit.bulk_usi.registry.simulator import OfflineRegistry
from usikit.io import read_table
from usikit.regcert.export import export_records
from usikit.regcert.matching import import_file
from usikit.store.audit import audit_records
from usikit.store.exports import export_error_report
from usikit.store.tables import audit
from usikit.ui import AuditScreen
from usikit.ui.audit import COLOURS, SHORT_SHA
from usikit.ui.stacked_chart import fold, stacked_chart_svg
from usikit.workspace import open_workspace

pytestmark = pytest.mark.usefixtures("screens_raise_bugs")

EARLIER = dt.datetime(2026, 1, 5, 9, 30, tzinfo=dt.UTC)  # a record of an earlier day
RISKY_NAME = "=HYPERLINK(x).csv"  # a file name a spreadsheet would take for a formula
# What the demo and the work below record, oldest first.
DONE = [
    "clients import",
    "learners import",
    "clients export",
    "regcert apply",
    "regcert export",
    "error report export",
    "batch export",
    "batch submit",
    "batch retrieve",
    "batch results export",
]


@pytest.fixture
def worked(demo_folder, tmp_path):
    """The demo workspace after a day's work: imports, exports, a batch submitted and
    retrieved; plus one record of an earlier day, by someone else."""
    workspace = open_workspace(str(demo_folder / "usikit.db"))
    with workspace.begin() as connection:
        connection.execute(
            audit.insert().values(
                at=EARLIER,
                who="alice",
                action="clients export",
                file_name=RISKY_NAME,
                file_sha256="ab" * 32,
                counts=json.dumps({"exported": 5}),
            )
        )
    first = read_table(demo_folder / "regcert_import_first.csv", sep=",")
    import_file(workspace, first, apply=True)
    export_records(workspace, tmp_path / "register.csv")
    errors = import_file(workspace, read_table(demo_folder / "regcert_import_errors.csv", sep=","))
    export_error_report(workspace, errors.report, tmp_path / "errors.csv")
    batches.add_to_batch(workspace, all_without_usi=True)
    batches.remove_from_batch(workspace, batches.batch_view(workspace).in_error())
    batches.export_batch(workspace, tmp_path / "grid.xlsx")
    clock = Clock()
    registry = OfflineRegistry(workspace, delay=dt.timedelta(seconds=5), clock=clock)
    submitted = batches.submit_batch(workspace, registry, org_code="DEMO1", user_reference="t")
    clock.advance(10)
    batches.retrieve_batch(workspace, registry, submitted.batch_id, org_code="DEMO1")
    batches.export_results(workspace, submitted.batch_id, tmp_path / "results.csv")
    workspace.close()
    return demo_folder


@pytest.fixture
def screen(worked):
    made = AuditScreen(worked / "usikit.db", page_size=5)
    yield made
    made.close()


def test_it_shows_every_record_newest_first(screen):
    records = screen.records
    assert list(records["Action"]) == DONE
    shown = screen.grid.frame
    assert len(shown) == len(DONE) and screen.grid.pages == 2
    assert list(shown.index) == [*range(len(DONE), 3, -1), 2, 1, 3]  # newest first, by time
    assert list(shown["Action"])[:3] == ["batch results export", "batch retrieve", "batch submit"]
    assert list(shown.columns[:5]) == ["When (UTC)", "Who", "Action", "File", "SHA-256"]
    submit = shown[shown["Action"] == "batch submit"].iloc[0]
    assert submit["Who"] == getpass.getuser()
    assert submit["applications"] == "30" and submit["read"] == ""  # a count it does not keep
    apply = shown[shown["Action"] == "regcert apply"].iloc[0]
    assert apply["File"] == "regcert_import_first.csv"
    full = records.loc[records["Action"] == "regcert apply", "SHA-256"].iloc[0]
    assert len(full) == 64 and apply["SHA-256"] == full[:SHORT_SHA] + "…"
    old = shown.iloc[-1]  # recorded third, but dated earlier: listed last
    assert old["When (UTC)"] == "05/01/2026 09:30:00" and old["Who"] == "alice"
    assert f"{len(DONE)} audit records by 2 people, from 05/01/2026" in screen.summary.value
    assert screen.status_line() == f"{len(DONE)} audit records"
    assert not screen.export.disabled and screen.roles_note.value == ""


def test_filters_by_action_and_day(screen):
    screen.actions.value = ("batch submit", "batch retrieve")
    assert list(screen.grid.frame["Action"]) == ["batch retrieve", "batch submit"]
    assert "2 audit records by 1 person" in screen.summary.value
    assert "(filtered)" in screen.summary.value
    screen.actions.value = ()
    today = dt.datetime.now(dt.UTC).date()
    screen.since.value = f"{today:%d/%m/%Y}"  # the day as officers write it, dd/mm/yyyy
    assert len(screen.records) == len(DONE) - 1 and "alice" not in set(screen.records["Who"])
    tomorrow = today + dt.timedelta(days=1)
    screen.since.value = f"{tomorrow.day}/{tomorrow.month}/{tomorrow.year}"  # d/m/yyyy too
    assert screen.records.empty and screen.grid.frame.empty
    assert "No audit records for that choice." in screen.summary.value
    assert screen.export.disabled and screen.chart.rows == []
    screen.everything.click()
    assert screen.since.value == "" and screen.actions.value == ()
    assert len(screen.records) == len(DONE)


def test_a_day_not_in_dd_mm_yyyy_is_a_message_not_a_guess(screen):
    screen.since.value = "2026-01-05"  # not how the box asks for it
    assert screen.message.kind == "warning" or screen.message.kind == "error"
    assert "is not a day; write it as dd/mm/yyyy" in screen.message.text
    assert screen.since.placeholder == "dd/mm/yyyy"


def test_the_chart_shows_the_activity_by_day_and_action(screen):
    today = dt.datetime.now(dt.UTC).date()
    assert screen.chart.rows[0] == ("05/01/2026", {"clients export": 1})
    label, counts = screen.chart.rows[-1]
    assert label == f"{today:%d/%m/%Y}"
    assert counts == {action: 1 for action in DONE if action != "clients export"}
    svg = screen.chart.widget.value
    assert svg.startswith("<svg") and "Audit records by day and action" in svg
    assert f"<title>{label}: batch submit: 1</title>" in svg
    assert f'fill="{COLOURS["batch submit"]}"' in svg
    assert ">regcert apply</text>" in svg  # in the legend
    screen.actions.value = ("regcert apply",)
    assert screen.chart.rows == [(label, {"regcert apply": 1})]
    assert ">batch submit</text>" not in screen.chart.widget.value


def test_export_writes_the_records_shown_with_the_whole_digest(screen, worked):
    screen.export.click()
    path = screen.downloads.paths[-1]
    assert path.parent == worked / "exports" and path.suffix == ".csv"
    assert f"Wrote {len(DONE)} audit records to {path}" == screen.message.text
    assert path.read_bytes() == link_bytes(screen.downloads.widget.value)
    assert path.stat().st_mode & 0o077 == 0  # the library's writer: owner only
    written = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    workspace = open_workspace(str(worked / "usikit.db"))
    expected = audit_records(workspace)
    workspace.close()
    assert list(written["Action"]) == list(expected["Action"])  # oldest first, as kept
    assert list(written["SHA-256"]) == list(expected["SHA-256"])  # whole, 64 characters
    [old] = written[written["Who"] == "alice"].to_dict("records")
    assert old["File"] == "'" + RISKY_NAME  # neutralised: text, not a formula
    assert old["When (UTC)"] == "2026-01-05T09:30:00" and old["exported"] == "5"
    screen.actions.value = ("batch export",)
    screen.export.click()
    again = pd.read_csv(screen.downloads.paths[-1], dtype=str, keep_default_na=False)
    assert list(again["Action"]) == ["batch export"] and again.loc[0, "exported"] == "30"


def test_a_workspace_that_does_not_exist_is_named_and_not_made(tmp_path):
    screen = AuditScreen(tmp_path / "usikit.db")
    assert screen.message.kind == "info" and screen.export.disabled
    assert f"There is no workspace at {tmp_path / 'usikit.db'} yet" in screen.message.text
    assert screen.records.empty and not (tmp_path / "usikit.db").exists()


def test_a_long_history_folds_its_earliest_days():
    rows = [(f"{day:02d}/01/2026", {"batch submit": day}) for day in range(1, 21)]
    folded = fold(rows, limit=14)
    assert len(folded) == 15 and folded[0] == ("6 earlier", {"batch submit": 21})
    assert folded[-1] == rows[-1]
    svg = stacked_chart_svg("t", rows, COLOURS)
    assert ">6 earlier</text>" in svg and svg.count("<rect") == 15 + 1  # and one legend key
    assert stacked_chart_svg("t", [], COLOURS) == ""
