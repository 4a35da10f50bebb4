"""The results screen: batches waiting, Download USIs after the registry's delay, exports."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from tests.batch_helpers import NOT_VERIFIABLE, Clock
from tests.bulk_usi.test_batch_answers import Answering
from tests.ui_helpers import click_record
from usikit.bulk_usi import batches
from usikit.bulk_usi.clients import clients_frame
from usikit.bulk_usi.registry.simulator import OfflineRegistry
from usikit.identifiers import usi
from usikit.io import read_table
from usikit.ui import ResultsScreen
from usikit.workspace import open_workspace

pytestmark = pytest.mark.usefixtures("screens_raise_bugs")

DELAY = dt.timedelta(seconds=5)


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def submitted(demo_folder, clock):
    """The demo workspace with batch 1 submitted to the simulator (its red records removed)."""
    workspace = open_workspace(str(demo_folder / "usikit.db"))
    batches.add_to_batch(workspace, all_without_usi=True)
    batches.remove_from_batch(workspace, batches.batch_view(workspace).in_error())
    registry = OfflineRegistry(workspace, delay=DELAY, clock=clock)
    batches.submit_batch(workspace, registry, org_code="DEMO1", user_reference="tester")
    workspace.close()
    return demo_folder / "usikit.db"


@pytest.fixture
def screen(submitted, clock):
    made = ResultsScreen(submitted)
    made.registry = OfflineRegistry(made.workspace, delay=DELAY, clock=clock)  # the same clock
    yield made
    made.close()


def test_it_lists_the_batches_waiting(screen):
    assert "offline simulator (not the USI Registry" in screen.header.value
    [(label, batch_id)] = screen.batches.options
    assert batch_id == 1 and screen.batch_id == 1
    assert label.startswith("Batch 1 (submitted, sent ") and "30 records" in label
    assert "30 not retrieved yet" in screen.summary.value
    assert set(screen.grid.frame["Result"]) == {"not retrieved yet"}
    assert not screen.download.disabled


def test_before_the_delay_the_registry_says_not_yet(screen):
    screen.download.click()
    assert screen.message.kind == "warning"
    assert "1 request is not processed yet" in screen.message.text
    assert "0 USIs written" in screen.message.text


def test_after_the_delay_the_usis_go_into_the_client_records(screen, submitted, clock):
    clock.advance(DELAY.total_seconds() + 1)
    screen.download.click()
    assert screen.message.kind == "success"
    assert "offline simulator (not the USI Registry" in screen.message.text
    assert "27 USIs written to the clients' records. Every result is in." in screen.message.text
    assert screen.progress.steps[-1] == "Request answered"
    assert screen.show_processed.value and screen.batch_id == 1  # the finished batch stays
    assert "Batch 1: 30 records: 28 USIs, 2 failed" in screen.summary.value
    results = screen.grid.frame
    assert results.loc[NOT_VERIFIABLE, "Result"] == "Failure"
    assert "E102" in results.loc[NOT_VERIFIABLE, "Registry errors"]
    green = results[results["Result"] == "Success"]
    assert green["USI"].map(usi.is_valid).all()
    assert dict((label, n) for label, n, _ in screen.chart.bars) == {
        "Success": 27,
        "Failure": 2,
        "MatchFound": 1,
    }
    workspace = open_workspace(str(submitted))
    with workspace.begin() as connection:
        stored = clients_frame(connection).set_index("Client ID")["USI"]
    workspace.close()
    assert (stored[green.index] == green["USI"]).all()


def test_processed_batches_show_only_when_asked(screen, clock):
    clock.advance(10)
    screen.download.click()
    screen.show_processed.value = False
    assert screen.batches.options == () and "No batches waiting" in screen.summary.value
    assert screen.download.disabled
    screen.show_processed.value = True
    assert [batch_id for _, batch_id in screen.batches.options] == [1]


def test_exports_of_the_results_and_of_the_client_spreadsheet(screen, clock, demo_folder):
    clock.advance(10)
    screen.download.click()
    screen.export.click()
    results = read_table(screen.downloads.paths[-1])
    assert results["USI"].ne("").sum() == 28
    screen.export_format.value = ".csv"
    screen.export_clients.click()
    clients = screen.downloads.paths[-1]
    assert clients.parent == demo_folder / "exports"
    frame = pd.read_csv(clients, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    # The new ones (S0000040, the same person as S0000039, gets none) and the two the file held.
    assert frame["USI"].ne("").sum() == 27 + 2
    assert frame["Date of Birth"].str.startswith("**/**/**").all()
    assert "masked" in screen.message.text
    assert screen.downloads.widget.value.count("usikit-download") == 2


def test_without_batches_it_says_so(demo_folder):
    screen = ResultsScreen(demo_folder / "usikit.db")
    assert screen.batches.options == ()
    assert "No batches waiting for results" in screen.summary.value
    assert screen.download.disabled and screen.export.disabled
    screen.close()


def test_a_missing_workspace_is_named_not_made(tmp_path):
    screen = ResultsScreen(tmp_path / "nowhere.db")
    assert screen.message.kind == "info"
    assert f"There is no workspace at {tmp_path / 'nowhere.db'} yet" in screen.message.text
    assert not (tmp_path / "nowhere.db").exists()
    assert screen.download.disabled
    assert screen.grid.frame.index.name == "Client ID"  # an empty grid: no "key" column
    assert list(screen.grid.frame.columns) == [
        "Name", "Result", "USI", "Identity document verified", "Registry errors", "Note"
    ]  # fmt: skip


def test_a_record_s_registry_errors_are_read_whole(screen, clock):
    clock.advance(DELAY.total_seconds() + 1)
    screen.download.click()
    click_record(screen.grid, NOT_VERIFIABLE)
    errors = screen.grid.frame.loc[NOT_VERIFIABLE, "Registry errors"]
    assert "E102" in errors and f"Registry errors: {errors}" in screen.detail.text
    assert f"Client {NOT_VERIFIABLE}" in screen.detail.widget.value
    # The demo's clients came from its file before this screen opened: the row is kept.
    assert screen.grid.frame.loc[NOT_VERIFIABLE, "Row"].isdigit()


def test_an_answer_it_cannot_use_is_shown_and_nothing_is_written(screen, clock):
    clock.advance(DELAY.total_seconds() + 1)
    screen.registry = Answering(screen.registry, drop=3)
    screen.download.click()
    assert screen.message.kind == "warning"
    assert "Not written, retry Download USIs later" in screen.message.text
    assert "has no result for 3 of its 30 applications" in screen.message.text
    assert set(screen.grid.frame["Result"]) == {"not retrieved yet"}
    screen.registry = screen.registry.inner
    screen.download.click()
    assert "Every result is in" in screen.message.text


def test_a_batch_not_sent_yet_is_not_offered_for_retrieval(screen, submitted):
    added = batches.add_to_batch(screen.workspace, ["S0000008"])  # in error: not sent
    assert added.added == ["S0000008"] and added.batch_id == 2  # batch 2, still open
    screen.show_processed.value = True
    screen.list()
    assert [batch_id for _, batch_id in screen.batches.options] == [1]
