"""A submit and the work that changes a batch never interleave: whoever comes second waits,
and then sees what the first did (PostgreSQL, where transactions run side by side; SQLite
takes the whole file for each write transaction)."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import update

from tests import postgres
from tests.batch_helpers import DEMO, TODAY, demo_workspace
from usikit import read_table
from usikit.bulk_usi import batches
from usikit.bulk_usi.batch_states import BatchState
from usikit.bulk_usi.clients import import_clients
from usikit.bulk_usi.tables import batches as batches_table
from usikit.store.locks import hold_batches

WAIT = 10.0


@pytest.fixture
def ready(postgres_server):
    workspace = demo_workspace(postgres.create_database(postgres_server))
    batches.add_to_batch(workspace, ["S0000004", "S0000006"])
    return workspace


def while_a_submit_records(workspace, work):
    """Run `work` in a thread while a submit holds its lock; the submit then makes batch 1
    `submitting` and commits. Whether `work` waited, and what it returned."""
    holding, finished, outcome = threading.Event(), threading.Event(), {}

    def other() -> None:
        holding.wait(WAIT)
        outcome["value"] = work()
        finished.set()

    thread = threading.Thread(target=other)
    thread.start()
    with workspace.begin() as connection:
        hold_batches(connection, submitting=True)
        holding.set()
        waited = not finished.wait(1.0)  # the other side cannot finish while this holds
        connection.execute(
            update(batches_table)
            .where(batches_table.c.id == 1)
            .values(status=BatchState.SUBMITTING)
        )
    thread.join(WAIT)
    return waited, outcome["value"]


def test_a_client_added_during_a_submit_goes_into_a_new_batch(ready):
    waited, added = while_a_submit_records(ready, lambda: batches.add_to_batch(ready, ["S0000005"]))
    assert waited and added.added == ["S0000005"] and added.batch_id != 1


def test_an_import_during_a_submit_leaves_the_clients_being_sent_alone(ready):
    frame = read_table(DEMO)
    frame.loc[frame["Client ID"] == "S0000004", "Family Name"] = "Someoneelse"
    waited, imported = while_a_submit_records(
        ready, lambda: import_clients(ready, frame, include_invalid=True, today=TODAY)
    )
    assert waited and len(imported.in_flight) == 1
    view = batches.batch_view(ready, 1)
    assert view.report.records.set_index("Client ID").loc["S0000004", "Family Name"] != (
        "Someoneelse"
    )
