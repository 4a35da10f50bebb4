"""The create-USI batch lifecycle, on SQLite and on PostgreSQL, with the offline simulator."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from tests.batch_helpers import (
    BAD_EMAIL,
    BAD_POSTCODE,
    IN_ERROR,
    NAME_NOT_ON_CARD,
    NOT_VERIFIABLE,
    SAME_PERSON,
    TODAY,
    Clock,
    demo_workspace,
)
from usikit import InputError
from usikit.bulk_usi import batches
from usikit.bulk_usi.clients import clients_frame, import_clients
from usikit.bulk_usi.registry.simulator import OfflineRegistry
from usikit.bulk_usi.samples import synthetic_clients
from usikit.bulk_usi.tables import clients, submissions
from usikit.errors import RecordsInError, RegistryFault
from usikit.identifiers import usi
from usikit.workspace import open_workspace


@pytest.fixture
def workspace(workspace_url):
    return demo_workspace(workspace_url)


@pytest.fixture
def registry(workspace):
    clock = Clock()
    return OfflineRegistry(workspace, delay=dt.timedelta(seconds=10), clock=clock), clock


def test_adding_refuses_clients_that_need_no_usi_or_are_unknown(workspace):
    result = batches.add_to_batch(workspace, ["S0000002", "S0000006", "NOPE", "S0000004"])
    assert result.added == ["S0000004"]
    assert result.refused == {
        "S0000002": "already has the USI BNGH7C75FN",
        "S0000006": "holds the exemption code INTOFF: no USI is created for it",
        "NOPE": "no client with this Client ID in the workspace; import it first",
    }
    again = batches.add_to_batch(workspace, ["S0000004"])
    assert again.refused == {"S0000004": f"already in batch {result.batch_id}"}


def test_grid_shows_a_status_and_error_count_per_record(workspace):
    batches.add_to_batch(workspace, all_without_usi=True)
    view = batches.batch_view(workspace, today=TODAY)
    grid = batches.batch_grid(view)
    assert len(grid) == 36
    assert sorted(grid.loc[grid["Status"] == "error", "Client ID"]) == IN_ERROR
    assert set(grid.loc[grid["Status"] == "error", "Errors"]) == {1}
    assert grid.loc[grid["Client ID"].isin(SAME_PERSON), "Warnings"].tolist() == [1, 1]
    assert "**" in grid["Date of Birth"].iloc[0]  # masked
    assert view.in_error() == [c for c in view.client_ids if c in IN_ERROR]


def test_editing_revalidates_the_record(workspace):
    batches.add_to_batch(workspace, all_without_usi=True)
    fixed = batches.edit_client(workspace, BAD_POSTCODE, {"Postcode": "0800"}, today=TODAY)
    assert fixed.ok and fixed.errors.empty
    broken = batches.edit_client(workspace, BAD_EMAIL, {"Email": "still wrong"}, today=TODAY)
    assert broken.errors["check"].tolist() == ["email"]
    with pytest.raises(InputError, match="not a client field"):
        batches.edit_client(workspace, BAD_EMAIL, {"Shoe Size": "9"})
    with pytest.raises(InputError, match="no client with Client ID"):
        batches.edit_client(workspace, "NOPE", {"Email": "a@b.au"})
    view = batches.batch_view(workspace, today=TODAY)
    assert BAD_POSTCODE not in view.in_error()


def test_removed_records_can_be_added_again(workspace):
    batches.add_to_batch(workspace, ["S0000004", "S0000005"])
    assert batches.remove_from_batch(workspace, ["S0000004", "S0000099"]) == ["S0000004"]
    assert batches.batch_view(workspace).client_ids == ["S0000005"]
    assert batches.add_to_batch(workspace, ["S0000004"]).added == ["S0000004"]


def test_export_of_the_grid(workspace, tmp_path):
    batches.add_to_batch(workspace, all_without_usi=True)
    xlsx = load_workbook(batches.export_batch(workspace, tmp_path / "grid.xlsx"))
    statuses = [row[1].value for row in xlsx["Records"].iter_rows(min_row=2)]
    assert statuses.count("error") == len(IN_ERROR)
    assert xlsx["Errors"].max_row >= len(IN_ERROR) + 1
    csv = pd.read_csv(
        batches.export_batch(workspace, tmp_path / "grid.csv"),
        dtype=str,
        keep_default_na=False,
        encoding="utf-8-sig",
    )
    assert list(csv.columns) == [
        "Row",
        "Client ID",
        "Name",
        "Date of Birth",
        "Document Type",
        "Status",
        "Errors",
        "Warnings",
        "Problems",
        "USI Verified",
        "Last Application Failed",
    ]
    assert not csv["Date of Birth"].str.fullmatch(r"\d\d/\d\d/\d{4}").any()


def test_submit_is_refused_while_a_record_has_an_error(workspace, registry):
    simulator, _ = registry
    batches.add_to_batch(workspace, all_without_usi=True)
    with pytest.raises(RecordsInError) as refused:
        batches.submit_batch(
            workspace, simulator, org_code="DEMO1", user_reference="t", today=TODAY
        )
    assert all(client_id in str(refused.value) for client_id in IN_ERROR)
    with workspace.begin() as connection:
        assert connection.execute(select(func.count()).select_from(submissions)).scalar() == 0


def test_submit_then_retrieve_writes_the_usis(workspace, registry):
    simulator, clock = registry
    batches.add_to_batch(workspace, all_without_usi=True)
    batches.remove_from_batch(workspace, IN_ERROR)
    sent = batches.submit_batch(
        workspace, simulator, org_code="DEMO1", user_reference="t", today=TODAY
    )
    assert sent.applications == 30 and len(sent.receipts) == 1
    assert len(sent.receipts[0][1]) == 36
    assert batches.list_batches(workspace)["status"].tolist() == ["submitted"]
    with pytest.raises(InputError, match="cannot change until the results are retrieved"):
        batches.edit_client(workspace, "S0000004", {"Email": "new@example.com"})
    early = batches.retrieve_batch(workspace, simulator, sent.batch_id, org_code="DEMO1")
    assert (early.processed, early.waiting, early.new_results) == (False, 1, 0)
    clock.advance(10)
    done = batches.retrieve_batch(workspace, simulator, sent.batch_id, org_code="DEMO1")
    assert (done.processed, done.new_results, done.usis_written) == (True, 30, 27)
    results = batches.batch_results(workspace, sent.batch_id).set_index("Client ID")
    assert results.loc[NOT_VERIFIABLE, "Registry errors"].startswith("E102")
    assert results.loc[NAME_NOT_ON_CARD, "Registry errors"].startswith("E103")
    assert results.loc[SAME_PERSON[1], "Result"] == "MatchFound"
    assert results.loc[SAME_PERSON[1], "USI"] == results.loc[SAME_PERSON[0], "USI"]
    with workspace.begin() as connection:
        stored = clients_frame(connection).set_index("Client ID")["USI"]
    issued = results.loc[results["USI"] != "", "USI"]
    # A USI is one person's: S0000040 (the same person) keeps no copy of S0000039's.
    assert (
        stored[SAME_PERSON[1]] == ""
        and "probably the same person" in results.loc[SAME_PERSON[1], "Note"]
    )
    issued = issued.drop(SAME_PERSON[1])
    assert (stored[issued.index] == issued).all()
    assert all(usi.is_valid(value) for value in issued)
    before = batches.batch_results(workspace, sent.batch_id)
    again = batches.retrieve_batch(workspace, simulator, sent.batch_id, org_code="DEMO1")
    assert (again.new_results, again.usis_written) == (0, 0)
    pd.testing.assert_frame_equal(batches.batch_results(workspace, sent.batch_id), before)
    assert batches.list_batches(workspace).empty
    counts = batches.list_batches(workspace, include_processed=True)
    assert counts[["created", "matched", "failed"]].values.tolist() == [[27, 1, 2]]


def test_failed_clients_can_go_into_a_new_batch(workspace, registry):
    simulator, clock = registry
    batches.add_to_batch(workspace, [NOT_VERIFIABLE, "S0000004"])
    sent = batches.submit_batch(
        workspace, simulator, org_code="DEMO1", user_reference="t", today=TODAY
    )
    assert batches.add_to_batch(workspace, [NOT_VERIFIABLE]).refused == {
        NOT_VERIFIABLE: f"sent in batch {sent.batch_id} (submitted); retrieve its results first"
    }
    clock.advance(10)
    batches.retrieve_batch(workspace, simulator, sent.batch_id, org_code="DEMO1")
    retry = batches.add_to_batch(workspace, [NOT_VERIFIABLE, "S0000004"])
    assert retry.added == [NOT_VERIFIABLE]
    assert retry.refused["S0000004"].startswith("already has the USI")


def test_big_batches_go_in_requests_of_at_most_500(workspace_url):
    workspace = open_workspace(workspace_url)
    import_clients(workspace, synthetic_clients(1203, seed=4, today=TODAY), today=TODAY)
    simulator = OfflineRegistry(workspace, delay=dt.timedelta(0))
    batches.add_to_batch(workspace, all_without_usi=True)
    sent = batches.submit_batch(
        workspace, simulator, org_code="DEMO1", user_reference="t", today=TODAY
    )
    with workspace.begin() as connection:
        sizes = (
            connection.execute(select(submissions.c.applications).order_by(submissions.c.id))
            .scalars()
            .all()
        )
    assert sizes == [500, 500, 203] and len(sent.receipts) == 3
    done = batches.retrieve_batch(workspace, simulator, sent.batch_id, org_code="DEMO1")
    results = batches.batch_results(workspace, sent.batch_id)
    assert done.processed and done.new_results == 1203
    assert done.usis_written == int((results["USI"] != "").sum()) > 1190


class FlakyRegistry:
    """Delegates to the simulator but fails the second retrieval, to test all-or-nothing."""

    def __init__(self, inner):
        self.inner, self.calls = inner, 0
        self.name, self.label = inner.name, inner.label

    def bulk_upload(self, *args):
        return self.inner.bulk_upload(*args)

    def bulk_upload_retrieve(self, *args):
        self.calls += 1
        if self.calls == 2:
            raise RegistryFault(1001, "Service Unavailable", "down", transient=True)
        return self.inner.bulk_upload_retrieve(*args)


def test_a_failed_retrieve_leaves_the_batch_as_it_was(workspace_url):
    workspace = open_workspace(workspace_url)
    import_clients(workspace, synthetic_clients(700, seed=8, today=TODAY), today=TODAY)
    flaky = FlakyRegistry(OfflineRegistry(workspace, delay=dt.timedelta(0)))
    batches.add_to_batch(workspace, all_without_usi=True)
    sent = batches.submit_batch(workspace, flaky, org_code="DEMO1", user_reference="t", today=TODAY)
    with pytest.raises(RegistryFault):
        batches.retrieve_batch(workspace, flaky, sent.batch_id, org_code="DEMO1")
    with workspace.begin() as connection:
        assert connection.execute(select(func.count()).where(clients.c.usi != "")).scalar() == 0
    assert batches.list_batches(workspace)["status"].tolist() == ["submitted"]
    done = batches.retrieve_batch(workspace, flaky, sent.batch_id, org_code="DEMO1")
    assert done.processed and done.new_results == 700 and done.usis_written > 690


def test_nothing_to_submit_or_show(workspace_url):
    workspace = open_workspace(workspace_url)
    with pytest.raises(InputError, match="no open batch"):
        batches.batch_view(workspace)
    simulator = OfflineRegistry(workspace)
    with pytest.raises(InputError, match="empty"):
        batches.add_to_batch(workspace, [])
        batches.submit_batch(workspace, simulator, org_code="DEMO1", user_reference="t")
    with pytest.raises(InputError, match="there is no batch 42"):
        batches.retrieve_batch(workspace, simulator, 42, org_code="DEMO1")
