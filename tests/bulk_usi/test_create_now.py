"""One student's USI created at once: checked as a batch's records are, recorded before it is
sent, never created twice (the process killed after sending, a fault, a repeat), and a
failure shown until the details change."""

from __future__ import annotations

import datetime as dt
import signal
import subprocess
import sys
import textwrap

import pytest
from sqlalchemy import func, select

from tests.batch_helpers import BAD_POSTCODE, NOT_VERIFIABLE, SAME_PERSON, TODAY, demo_workspace
from usikit.bulk_usi import batches
from usikit.bulk_usi.client_status import batch_shared_usis, client_status
from usikit.bulk_usi.clients import clients_frame, import_clients
from usikit.bulk_usi.create_now import create_usi_now
from usikit.bulk_usi.registry.simulator import OfflineRegistry
from usikit.bulk_usi.registry.simulator_tables import simulator_people, simulator_requests
from usikit.bulk_usi.tables import usi_requests
from usikit.errors import Do, InputError, RecordsInError, RegistryFault
from usikit.identifiers import usi
from usikit.store.audit import audit_records

FRESH = "S0000004"  # a valid demo record without a USI


@pytest.fixture
def workspace(workspace_url):
    made = demo_workspace(workspace_url)
    yield made
    made.close()


def simulator(workspace):
    return OfflineRegistry(workspace, delay=dt.timedelta(0))


def create(workspace, registry, client_id=FRESH, **options):
    options.setdefault("permission_elsewhere", False)
    return create_usi_now(workspace, registry, client_id, org_code="DEMO1",
                          user_reference="officer", today=TODAY, **options)  # fmt: skip


def count(workspace, table) -> int:
    with workspace.begin() as connection:
        return connection.execute(select(func.count()).select_from(table)).scalar_one()


def client(workspace, client_id: str):
    with workspace.begin() as connection:
        frame = clients_frame(connection)
        status = client_status(connection, frame).set_axis(frame["Client ID"])
    return frame.set_index("Client ID").loc[client_id], status.loc[client_id]


def requests(workspace):
    with workspace.begin() as connection:
        return connection.execute(
            select(usi_requests.c.request_id, usi_requests.c.state, usi_requests.c.result)
        ).all()


def test_a_usi_is_created_written_and_audited(workspace):
    outcome = create(workspace, simulator(workspace))
    assert (outcome.result, outcome.written, outcome.resent) == ("Success", True, False)
    record, _ = client(workspace, FRESH)
    assert record["USI"] == outcome.usi and usi.is_valid(outcome.usi)
    states = [(state, result) for _, state, result in requests(workspace)]
    assert states == [("answered", "Success")]
    trail = audit_records(workspace)
    assert trail["Action"].tolist()[-1] == "usi create"
    assert trail["usis_issued"].iloc[-1] == 1
    with pytest.raises(InputError, match="already has the USI"):
        create(workspace, simulator(workspace))


def test_a_failure_is_kept_and_shown_until_the_details_change(workspace):
    registry = simulator(workspace)
    outcome = create(workspace, registry, NOT_VERIFIABLE)
    assert (outcome.result, outcome.written) == ("Failure", False)
    assert outcome.errors == ["E102: The identity document could not be verified with the "
                              "issuing body."]  # fmt: skip
    _, status = client(workspace, NOT_VERIFIABLE)
    assert status["Last Application Failed"].startswith("E102: The identity document")
    with pytest.raises(RecordsInError, match="last application: E102") as refused:
        create(workspace, registry, NOT_VERIFIABLE)  # unchanged, it would fail again
    assert refused.value.next_step.do == Do.FIX_CLIENT
    batches.add_to_batch(workspace, [NOT_VERIFIABLE])
    view = batches.batch_view(workspace, today=TODAY)
    assert view.report.status.tolist() == ["error"]
    grid = batches.batch_grid(view)
    assert grid["Last Application Failed"].iloc[0].startswith("E102")
    batches.edit_client(workspace, NOT_VERIFIABLE, {"Document Number": "PA1234567"})
    _, status = client(workspace, NOT_VERIFIABLE)
    assert status["Last Application Failed"] == ""
    assert batches.batch_view(workspace, today=TODAY).report.status.tolist() == ["ok"]


def test_the_records_rules_and_the_students_permission_are_checked(workspace):
    registry = simulator(workspace)
    with pytest.raises(RecordsInError, match="Postcode '800'") as refused:
        create(workspace, registry, BAD_POSTCODE)
    assert refused.value.next_step.do == Do.FIX_CLIENT
    batches.edit_client(workspace, FRESH, {"USI Permission": "No"})
    with pytest.raises(RecordsInError, match="USI Permission is not Yes") as refused:
        create(workspace, registry)
    assert refused.value.next_step.do == Do.RECORD_PERMISSION
    assert requests(workspace) == []  # nothing recorded, nothing sent
    outcome = create(workspace, registry, permission_elsewhere=True)
    assert outcome.written
    trail = audit_records(workspace)["Action"].tolist()
    assert trail[-2:] == ["permission elsewhere", "usi create"]


def test_a_client_in_a_batch_is_refused(workspace):
    batches.add_to_batch(workspace, [FRESH])
    with pytest.raises(InputError, match="is in the open batch") as refused:
        create(workspace, simulator(workspace))
    assert refused.value.next_step.do == Do.REMOVE_FROM_BATCH


class Unreachable:
    """The simulator, unreachable for the next `times` calls (after or before it received)."""

    def __init__(self, inner, times=1, *, received=True, fault=None):
        self.inner, self.times, self.received = inner, times, received
        self.fault = fault or RegistryFault(1001, "Service Unavailable", "gone", transient=True)
        self.name, self.label, self.request_ids = inner.name, inner.label, []

    def create_usi(self, org_code, request_id, application):
        self.request_ids.append(request_id)
        if self.times:
            self.times -= 1
            if self.received:
                self.inner.create_usi(org_code, request_id, application)
            raise self.fault
        return self.inner.create_usi(org_code, request_id, application)


def test_an_answer_lost_is_asked_again_with_the_same_request(workspace):
    flaky = Unreachable(simulator(workspace))
    with pytest.raises(RegistryFault) as lost:
        create(workspace, flaky)
    assert lost.value.transient
    [(request_id, state, _)] = requests(workspace)
    assert state == "pending"
    # Meanwhile the client can neither join a batch nor change.
    assert batches.add_to_batch(workspace, [FRESH]).refused[FRESH].startswith("its USI is being")
    with pytest.raises(InputError, match="being created") as refused:
        batches.edit_client(workspace, FRESH, {"Email": "x@example.com"})
    assert refused.value.next_step.do == Do.FINISH_CREATE
    outcome = create(workspace, flaky)
    assert outcome.resent and outcome.written and outcome.result == "Success"
    assert flaky.request_ids == [request_id, request_id]
    assert count(workspace, simulator_people) == 1  # created once


def test_a_refusal_that_proves_nothing_arrived_drops_the_request(workspace):
    refusing = Unreachable(
        simulator(workspace), received=False,
        fault=RegistryFault(1002, "Generic Validation", "No."),
    )  # fmt: skip
    with pytest.raises(RegistryFault, match="Nothing was created and the request was dropped"):
        create(workspace, refusing)
    assert requests(workspace) == []
    assert create(workspace, refusing).written  # a new request, sent afresh


def test_a_refusal_of_a_request_that_may_have_arrived_keeps_it(workspace):
    flaky = Unreachable(simulator(workspace))
    with pytest.raises(RegistryFault):
        create(workspace, flaky)  # sent, answer lost
    refusing = Unreachable(
        flaky.inner, received=False,
        fault=RegistryFault(2002, "Organisation Failed Authorisation", "No."),
    )  # fmt: skip
    with pytest.raises(RegistryFault, match="is kept, as it may have reached") as refused:
        create(workspace, refusing)  # an authorisation fault proves only this sending refused
    assert not refused.value.transient
    [(request_id, state, _)] = requests(workspace)
    assert state == "pending"
    outcome = create(workspace, flaky.inner)
    assert outcome.resent and outcome.request_id == request_id and outcome.written


def test_an_answer_for_another_registry_is_finished_only_there(workspace, tmp_path):
    flaky = Unreachable(simulator(workspace))
    with pytest.raises(RegistryFault):
        create(workspace, flaky)

    class Elsewhere:
        name, label = "SOAP endpoint", "SOAP endpoint at somewhere (not the USI Registry)"

    with pytest.raises(InputError, match="has not answered yet") as refused:
        create(workspace, Elsewhere())
    assert refused.value.next_step.do == Do.USE_SENT_REGISTRY


def test_two_clients_for_one_student_share_a_usi_and_it_is_said(workspace):
    registry = simulator(workspace)
    first, second = SAME_PERSON
    made = create(workspace, registry, first)
    batches.add_to_batch(workspace, [second])
    batches.submit_batch(workspace, registry, org_code="DEMO1", user_reference="t", today=TODAY)
    batches.retrieve_batch(workspace, registry, 1, org_code="DEMO1")
    shared = batch_shared_usis(workspace, 1)
    assert shared.values.tolist() == [[made.usi, f"{first}, {second}"]]


def test_one_already_held_by_another_client_is_not_written(workspace):
    registry = simulator(workspace)
    first, second = SAME_PERSON
    made = create(workspace, registry, first)
    again = create(workspace, registry, second)
    assert (again.result, again.usi, again.written) == ("MatchFound", made.usi, False)
    assert again.note.startswith(f"not written: client {first} already holds this USI")
    assert client(workspace, second)[0]["USI"] == ""
    assert count(workspace, simulator_requests) == 2


KILLER = textwrap.dedent(
    """
    import datetime as dt, os, signal, sys
    from usikit.bulk_usi.create_now import create_usi_now
    from usikit.bulk_usi.registry.simulator import OfflineRegistry
    from usikit.workspace import open_workspace

    workspace = open_workspace(sys.argv[1])
    inner = OfflineRegistry(workspace, delay=dt.timedelta(0))

    class DiesAfterSending:
        name, label = inner.name, inner.label

        def create_usi(self, *args):
            inner.create_usi(*args)
            os.kill(os.getpid(), signal.SIGKILL)  # sent; the answer is never recorded

    create_usi_now(workspace, DiesAfterSending(), "S0000004", org_code="DEMO1",
                   user_reference="t", permission_elsewhere=False, today=dt.date(2026, 11, 22))
    """
)


def test_killed_after_sending_it_is_finished_not_repeated(workspace, workspace_url):
    died = subprocess.run([sys.executable, "-c", KILLER, workspace_url], capture_output=True,
                          text=True, timeout=120)  # fmt: skip
    assert died.returncode == -signal.SIGKILL, died.stderr
    [(request_id, state, _)] = requests(workspace)
    assert state == "pending" and count(workspace, simulator_people) == 1
    import_clients(workspace, clients_frame_of(workspace, FRESH, Email="new@example.com"),
                   today=TODAY)  # fmt: skip
    assert client(workspace, FRESH)[0]["Email"] != "new@example.com"  # not changed meanwhile
    outcome = create(workspace, simulator(workspace))
    assert (outcome.resent, outcome.request_id, outcome.written) == (True, request_id, True)
    assert count(workspace, simulator_people) == 1 and count(workspace, simulator_requests) == 1


def clients_frame_of(workspace, client_id, **changes):
    with workspace.begin() as connection:
        frame = clients_frame(connection)
    frame = frame[frame["Client ID"] == client_id].copy()
    for name, value in changes.items():
        frame[name.replace("_", " ")] = value
    return frame.reset_index(drop=True)
