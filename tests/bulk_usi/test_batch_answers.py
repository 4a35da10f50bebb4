"""Answers from the registry that cannot be used are faults, not results: a retrieval that
lacks some applications writes nothing of that request, and a blank receipt is never kept.
And a batch changed between its check and its sending is not sent."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from sqlalchemy import func, select

from tests.batch_helpers import (
    BAD_EMAIL,
    IN_ERROR,
    SAME_PERSON,
    TODAY,
    demo_workspace,
)
from usikit import InputError
from usikit.bulk_usi import batches
from usikit.bulk_usi.batch_states import RequestState
from usikit.bulk_usi.batches import view as view_module
from usikit.bulk_usi.registry.simulator import OfflineRegistry
from usikit.bulk_usi.registry.simulator_tables import simulator_requests
from usikit.bulk_usi.tables import clients, results, submissions
from usikit.bulk_usi.validation import validate_clients
from usikit.cli import main
from usikit.errors import RegistryFault
from usikit.workspace import open_workspace

# Clients holding a USI once the batch is retrieved: the demo file's USI and INTOFF, and 27
# new ones; S0000040 (the same person as S0000039, MatchFound) is not given S0000039's USI.
HOLDING_USIS = 29


class Answering:
    """The simulator, with its answers spoilt as a test asks."""

    def __init__(self, inner, *, receipt: str | None = None, drop: int = 0):
        self.inner, self.receipt, self.drop = inner, receipt, drop
        self.name, self.label = inner.name, inner.label

    def bulk_upload(self, *args):
        answer = self.inner.bulk_upload(*args)
        return answer if self.receipt is None else self.receipt

    def bulk_upload_retrieve(self, *args):
        answer = self.inner.bulk_upload_retrieve(*args)
        return dataclasses.replace(answer, applications=answer.applications[self.drop :])


def ready_batch(url: str):
    workspace = demo_workspace(url)
    batches.add_to_batch(workspace, all_without_usi=True)
    batches.remove_from_batch(workspace, IN_ERROR)
    return workspace, OfflineRegistry(workspace, delay=dt.timedelta(0))


def submit(workspace, registry):
    return batches.submit_batch(
        workspace, registry, org_code="DEMO1", user_reference="t", today=TODAY
    )


def counts(workspace) -> tuple[int, int, list[str]]:
    """(results, clients with a USI, the states of the requests)."""
    with workspace.begin() as connection:
        return (
            connection.execute(select(func.count()).select_from(results)).scalar(),
            connection.execute(select(func.count()).where(clients.c.usi != "")).scalar(),
            connection.execute(select(submissions.c.state)).scalars().all(),
        )


def test_an_answer_missing_applications_writes_nothing_and_is_reported(workspace_url):
    workspace, simulator = ready_batch(workspace_url)
    sent = submit(workspace, simulator)
    outcome = batches.retrieve_batch(
        workspace, Answering(simulator, drop=2), sent.batch_id, org_code="DEMO1"
    )
    assert (outcome.processed, outcome.new_results, outcome.usis_written) == (False, 0, 0)
    (problem,) = outcome.problems
    assert "has no result for 2 of its 30 applications" in problem
    assert "nothing of this request was written" in problem
    assert counts(workspace) == (0, 2, [RequestState.SENT])  # the demo file's USI and INTOFF only
    assert batches.list_batches(workspace)["status"].tolist() == ["submitted"]
    done = batches.retrieve_batch(workspace, simulator, sent.batch_id, org_code="DEMO1")
    assert done.processed and done.new_results == 30 and done.problems == []
    assert counts(workspace) == (30, HOLDING_USIS, [RequestState.RETRIEVED])


def test_the_command_line_reports_an_incomplete_answer(tmp_path, capsys, monkeypatch):
    workspace, simulator = ready_batch(f"sqlite:///{tmp_path / 'w.db'}")
    submit(workspace, simulator)
    monkeypatch.setattr(
        "usikit.cli.batch_cmd.registry_of", lambda args, ws: Answering(simulator, drop=1)
    )
    status = main(["batch", "retrieve", "1", "--workspace", str(tmp_path / "w.db")])
    captured = capsys.readouterr()
    assert status == 3
    assert "error: request U" in captured.err and "has no result for 1 of its 30" in captured.err
    assert "0 new results" in captured.out and "Every result is in" not in captured.out


@pytest.mark.parametrize("receipt", ["", "   "])
def test_a_blank_receipt_is_not_recorded_and_the_request_is_sent_again(tmp_path, receipt):
    workspace, simulator = ready_batch(f"sqlite:///{tmp_path / 'w.db'}")
    with pytest.raises(RegistryFault, match="without a usable receipt number") as caught:
        submit(workspace, Answering(simulator, receipt=receipt))
    assert caught.value.transient
    assert counts(workspace)[2] == [RequestState.PENDING]
    assert batches.list_batches(workspace)["status"].tolist() == ["submitting"]
    sent = submit(workspace, simulator)
    assert len(sent.receipts[0][1]) == 36
    with workspace.begin() as connection:  # the simulator created the request once
        assert (
            connection.execute(select(func.count()).select_from(simulator_requests)).scalar() == 1
        )


@pytest.mark.parametrize("change", ["add", "remove", "edit"])
def test_a_batch_changed_between_its_check_and_its_sending_is_not_sent(
    workspace_url, monkeypatch, change
):
    workspace, simulator = ready_batch(workspace_url)
    other = open_workspace(workspace_url)  # another person, at the same moment

    changed = []

    def validate_then_change(frame, **options):
        report = validate_clients(frame, **options)
        if changed:  # the edit below validates too
            return report
        changed.append(change)
        if change == "add":
            batches.add_to_batch(other, [BAD_EMAIL])
        elif change == "remove":
            batches.remove_from_batch(other, ["S0000004"])
        else:
            batches.edit_client(other, "S0000004", {"Email": "new@example.com"})
        return report

    monkeypatch.setattr(view_module, "validate_clients", validate_then_change)
    with pytest.raises(InputError, match="changed while it was being checked"):
        submit(workspace, simulator)
    monkeypatch.undo()
    assert counts(workspace)[2] == []  # nothing recorded, nothing sent
    assert batches.list_batches(workspace)["status"].tolist() == ["open"]
    if change == "add":
        batches.remove_from_batch(workspace, [BAD_EMAIL])
    sent = submit(workspace, simulator)
    assert sent.applications == (29 if change == "remove" else 30)


class BadUsi(Answering):
    """The registry's answer with the first success's USI blank or broken."""

    def __init__(self, inner, usi_given: str) -> None:
        super().__init__(inner)
        self.usi_given = usi_given

    def bulk_upload_retrieve(self, *args):
        answer = self.inner.bulk_upload_retrieve(*args)
        items = list(answer.applications)
        first = next(i for i, item in enumerate(items) if item.result == "Success")
        items[first] = dataclasses.replace(items[first], usi=self.usi_given)
        return dataclasses.replace(answer, applications=items)


@pytest.mark.parametrize("usi_given", ["", "BNGH7C75FM", "not a usi"])
def test_a_success_without_a_valid_usi_writes_nothing(workspace_url, usi_given):
    workspace, simulator = ready_batch(workspace_url)
    sent = submit(workspace, simulator)
    outcome = batches.retrieve_batch(
        workspace, BadUsi(simulator, usi_given), sent.batch_id, org_code="DEMO1"
    )
    (problem,) = outcome.problems
    assert "a result without a valid USI" in problem and "nothing of this request" in problem
    assert counts(workspace) == (0, 2, [RequestState.SENT])
    done = batches.retrieve_batch(workspace, simulator, sent.batch_id, org_code="DEMO1")
    assert done.processed and counts(workspace) == (30, HOLDING_USIS, [RequestState.RETRIEVED])


class Spoilt(Answering):
    """The simulator, with its retrieval answer changed by `spoil` (items -> items)."""

    def __init__(self, inner, spoil) -> None:
        super().__init__(inner)
        self.spoil = spoil

    def bulk_upload_retrieve(self, *args):
        answer = self.inner.bulk_upload_retrieve(*args)
        return dataclasses.replace(
            answer, applications=tuple(self.spoil(list(answer.applications)))
        )


def _changed(index: int, **values):
    def spoil(items):
        items[index] = dataclasses.replace(items[index], **values)
        return items

    return spoil


HOSTILE_ANSWERS = {  # each breaks the registry's schema: nothing of the request is written
    "a result that is not final": (_changed(0, result="Pending"), "not final or not one"),
    "a result nobody knows": (_changed(3, result="Success{0}"), "'Success{0}'"),
    "one application answered twice": (lambda items: [*items, items[0]], "more than one result"),
    "an over-long processed date": (
        _changed(1, processed_date="2026-11-22T09:00:00." + "0" * 60),
        "a processed date",
    ),
    "a processed date that is not one": (_changed(1, processed_date="yesterday"), "processed date"),
    "an unknown verification": (_changed(2, identity_document_verified="Maybe"), "verification"),
    "a failure with a long USI": (
        _changed(0, result="Failure", usi="X" * 50),
        "a result without a valid USI",
    ),
}


@pytest.mark.parametrize("case", sorted(HOSTILE_ANSWERS))
def test_an_answer_the_schema_does_not_allow_writes_nothing_and_stays_retrievable(
    workspace_url, case
):
    spoil, says = HOSTILE_ANSWERS[case]
    workspace, simulator = ready_batch(workspace_url)
    sent = submit(workspace, simulator)
    outcome = batches.retrieve_batch(
        workspace, Spoilt(simulator, spoil), sent.batch_id, org_code="DEMO1"
    )
    (problem,) = outcome.problems
    assert says in problem and "nothing of this request was written" in problem
    assert not outcome.processed
    assert counts(workspace) == (0, 2, [RequestState.SENT])
    assert batches.list_batches(workspace)["status"].tolist() == ["submitted"]
    done = batches.retrieve_batch(workspace, simulator, sent.batch_id, org_code="DEMO1")
    assert done.processed and counts(workspace) == (30, HOLDING_USIS, [RequestState.RETRIEVED])


def _one_usi_for(*positions: int):
    def spoil(items):
        given = next(item.usi for item in items if item.usi)
        for position in positions:
            items[position] = dataclasses.replace(items[position], result="Success", usi=given)
        return items

    return spoil


def _usi_of_another_client(workspace):
    with workspace.begin() as connection:
        held = connection.execute(select(clients.c.usi).where(clients.c.usi.like("__________")))
        usi_given = next(u for u in held.scalars() if u not in ("INTOFF", "INDIV"))
    return _changed(0, result="MatchFound", usi=usi_given)


def usis_held_twice(workspace) -> list:
    with workspace.begin() as connection:
        return connection.execute(
            select(clients.c.usi).where(clients.c.usi != "").group_by(clients.c.usi)
            .having(func.count() > 1)
        ).all()  # fmt: skip


def usi_of(workspace, client_id: str) -> str:
    with workspace.begin() as connection:
        return connection.execute(
            select(clients.c.usi).where(clients.c.client_id == client_id)
        ).scalar_one()


def test_one_usi_for_several_applications_is_written_to_none_of_them(workspace_url):
    workspace, simulator = ready_batch(workspace_url)
    sent = submit(workspace, simulator)
    outcome = batches.retrieve_batch(
        workspace, Spoilt(simulator, _one_usi_for(0, 1, 2)), sent.batch_id, org_code="DEMO1"
    )
    assert outcome.processed and outcome.problems == [] and len(outcome.withheld) == 3
    assert "gave the USI" in outcome.withheld[0] and "to 3 applications" in outcome.withheld[0]
    assert "written to none of their records" in outcome.withheld[0]
    assert usis_held_twice(workspace) == []
    for line in outcome.withheld:
        assert usi_of(workspace, line.split(":")[0]) == ""
    with workspace.begin() as connection:
        notes = connection.execute(select(results.c.note).where(results.c.note != "")).scalars()
        assert sum("written to none" in note for note in notes) == 3
    again = batches.retrieve_batch(workspace, simulator, sent.batch_id, org_code="DEMO1")
    assert again.processed and again.new_results == 0


def test_the_same_person_twice_gets_the_usi_once(workspace_url):
    """S0000039 and S0000040 are one person: the registry created the USI for the first and
    matched the second to it; the USI goes to the first only, and the retrieval says so."""
    workspace, simulator = ready_batch(workspace_url)
    sent = submit(workspace, simulator)
    outcome = batches.retrieve_batch(workspace, simulator, sent.batch_id, org_code="DEMO1")
    first, second = SAME_PERSON
    assert outcome.withheld == [] and len(outcome.noted) == 1
    assert outcome.noted[0].startswith(f"{second}: the registry gave the USI")
    assert f"it was written to {first}'s record" in outcome.noted[0]
    assert usi_of(workspace, first) != "" and usi_of(workspace, second) == ""
    assert usis_held_twice(workspace) == []


def test_a_usi_another_client_holds_is_not_written_again(workspace_url, capsys, monkeypatch):
    workspace, simulator = ready_batch(workspace_url)
    sent = submit(workspace, simulator)
    spoilt = Spoilt(simulator, _usi_of_another_client(workspace))
    monkeypatch.setattr("usikit.cli.batch_cmd.registry_of", lambda args, ws: spoilt)
    monkeypatch.setattr("usikit.cli.batch_cmd.workspace_of", lambda args, create=True: workspace)
    assert main(["batch", "retrieve", str(sent.batch_id)]) == 1
    err = capsys.readouterr().err
    assert "already belongs to client" in err and "not written to this client's record" in err
    assert usis_held_twice(workspace) == []
