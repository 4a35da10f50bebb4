"""A registry that refuses a batch for good (a validation or authorisation fault, not one that
retrying fixes) never leaves it stuck in `submitting`: the records come back to be fixed, and
the message says the registry refused it and why."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from tests.batch_helpers import (
    BAD_EMAIL,
    IN_ERROR,
    TODAY,
    demo_workspace,
)
from usikit.bulk_usi import batches
from usikit.bulk_usi.clients import import_clients
from usikit.bulk_usi.registry.endpoint import LocalEndpoint
from usikit.bulk_usi.registry.simulator import OfflineRegistry
from usikit.bulk_usi.registry.simulator_tables import simulator_requests
from usikit.bulk_usi.samples import synthetic_clients
from usikit.bulk_usi.tables import batch_records, submissions
from usikit.cli import main
from usikit.errors import RegistryFault, SubmissionRefused
from usikit.store.audit import audit_records
from usikit.workspace import open_workspace

VALIDATION = RegistryFault(1002, "Generic Validation", "OrgCode is not valid.")
NOT_AUTHORISED = RegistryFault(2002, "Organisation Failed Authorisation", "No valid token.")
UNAVAILABLE = RegistryFault(1001, "Service Unavailable", "down", transient=True)


class Refusing:
    """The simulator, except that its next BulkUpload answers are the faults given (None:
    the simulator answers)."""

    def __init__(self, inner, *faults):
        self.inner, self.faults, self.sent = inner, list(faults), []
        self.name, self.label = inner.name, inner.label

    def bulk_upload(self, org_code, request_id, applications):
        self.sent.append(request_id)
        fault = self.faults.pop(0) if self.faults else None
        if fault is not None:
            raise fault
        return self.inner.bulk_upload(org_code, request_id, applications)

    def bulk_upload_retrieve(self, *args):
        return self.inner.bulk_upload_retrieve(*args)


def ready_batch(url: str):
    workspace = demo_workspace(url)
    batches.add_to_batch(workspace, all_without_usi=True)
    batches.remove_from_batch(workspace, IN_ERROR)
    return workspace


def submit(workspace, registry):
    return batches.submit_batch(
        workspace, registry, org_code="DEMO1", user_reference="t", today=TODAY
    )


def statuses(workspace) -> list[tuple[int, str]]:
    table = batches.list_batches(workspace, include_processed=True)
    return list(zip(table["batch"].tolist(), table["status"].tolist(), strict=True))


def requests_recorded(workspace) -> int:
    with workspace.begin() as connection:
        return connection.execute(select(func.count()).select_from(submissions)).scalar()


def records_in(workspace, batch_id: int) -> int:
    with workspace.begin() as connection:
        return connection.execute(
            select(func.count()).where(batch_records.c.batch_id == batch_id)
        ).scalar()


@pytest.mark.parametrize("fault", [VALIDATION, NOT_AUTHORISED])
def test_a_refused_batch_is_open_again_with_its_records(workspace_url, fault):
    workspace = ready_batch(workspace_url)
    simulator = OfflineRegistry(workspace, delay=dt.timedelta(0))
    with pytest.raises(SubmissionRefused) as refused:
        submit(workspace, Refusing(simulator, fault))
    assert refused.value.outcome == "reopened" and refused.value.fault is fault
    message = str(refused.value)
    assert message.startswith(f"the registry refused batch 1: {fault.title} [{fault.code}]")
    assert "created nothing" in message and "open again with its 30 records" in message
    assert statuses(workspace) == [(1, "open")] and requests_recorded(workspace) == 0
    trail = audit_records(workspace)
    assert trail["Action"].tolist() == ["clients import", "batch submit refused"]
    assert trail["applications"].tolist()[-1] == 30
    batches.edit_client(workspace, "S0000004", {"Email": "new@example.com"})  # editable again
    assert batches.remove_from_batch(workspace, ["S0000005"]) == ["S0000005"]
    sent = submit(workspace, simulator)
    assert sent.batch_id == 1 and sent.applications == 29
    done = batches.retrieve_batch(workspace, simulator, 1, org_code="DEMO1")
    assert done.processed and done.new_results == 29


class RefusingOnce:
    """The simulator, refusing the first request as the registry refuses a bad one."""

    def __init__(self, inner) -> None:
        self.inner, self.name, self.label, self.refused = inner, inner.name, inner.label, False

    def bulk_upload(self, *args):
        if not self.refused:
            self.refused = True
            raise RegistryFault(1002, "Generic Validation", "OrgCode 'X9' is not known.")
        return self.inner.bulk_upload(*args)

    def __getattr__(self, name):
        return getattr(self.inner, name)


def test_the_command_line_says_the_registry_refused_it_and_why(tmp_path, capsys, monkeypatch):
    path = str(tmp_path / "w.db")
    workspace = ready_batch(f"sqlite:///{path}")
    refusing = RefusingOnce(OfflineRegistry(workspace, delay=dt.timedelta(0)))
    monkeypatch.setattr("usikit.cli.batch_cmd.registry_of", lambda args, ws: refusing)
    options = ["--workspace", path, "--registry-delay", "0"]
    assert main(["batch", "submit", *options, "--org-code", "X9"]) == 3
    err = capsys.readouterr().err
    assert err.startswith("error: the registry refused batch 1: Generic Validation [1002]: ")
    assert "OrgCode 'X9'" in err and "open again with its 30 records" in err
    assert "run the same command again later" not in err and "Traceback" not in err
    assert statuses(open_workspace(path)) == [(1, "open")]
    assert main(["batch", "submit", *options]) == 0
    assert "Batch 1 submitted" in capsys.readouterr().out


def test_an_organisation_code_the_registry_would_refuse_is_refused_before_sending(tmp_path, capsys):
    """The registry takes 1 to 8 letters or digits: usikit checks it, not only the simulator."""
    path = str(tmp_path / "w.db")
    ready_batch(f"sqlite:///{path}")
    options = ["--workspace", path, "--registry-delay", "0"]
    for code in ("NOT VALID", "TOOLONGCODE", ""):
        assert main(["batch", "submit", *options, "--org-code", code]) == 2
        err = capsys.readouterr().err
        assert f"the organisation code {code!r} is not 1 to 8 letters or digits" in err
        assert main(["batch", "retrieve", "1", *options, "--org-code", code]) == 2
        capsys.readouterr()
    with open_workspace(path).begin() as connection:  # nothing recorded, nothing sent
        assert connection.execute(select(func.count()).select_from(submissions)).scalar() == 0
    assert statuses(open_workspace(path)) == [(1, "open")]


def test_a_refused_token_over_soap_reopens_the_batch(tmp_path, capsys):
    simulator = OfflineRegistry(open_workspace(str(tmp_path / "sim.db")), delay=dt.timedelta(0))
    path = str(tmp_path / "w.db")
    ready_batch(f"sqlite:///{path}")
    with LocalEndpoint(simulator).serving() as endpoint:
        options = ["--registry", endpoint.url, "--workspace", path]
        endpoint.fail_next("unauthorised")
        assert main(["batch", "submit", *options]) == 3
        err = capsys.readouterr().err
        assert "refused batch 1: Organisation Failed Authorisation [2002]" in err
        assert "open again" in err and "run the same command again later" not in err
        assert statuses(open_workspace(path)) == [(1, "open")]
        assert main(["batch", "submit", *options]) == 0
        assert main(["batch", "retrieve", "1", *options]) == 0
    assert "Every result is in: 28 USIs, 2 failed." in capsys.readouterr().out
    with simulator.workspace.begin() as connection:
        assert (
            connection.execute(select(func.count()).select_from(simulator_requests)).scalar()
            == 1  # the refused request created nothing
        )


def test_a_transient_fault_still_keeps_the_batch_for_the_next_run(tmp_path):
    workspace = ready_batch(f"sqlite:///{tmp_path / 'w.db'}")
    simulator = OfflineRegistry(workspace, delay=dt.timedelta(0))
    with pytest.raises(RegistryFault) as caught:
        submit(workspace, Refusing(simulator, UNAVAILABLE))
    assert not isinstance(caught.value, SubmissionRefused)
    assert statuses(workspace) == [(1, "submitting")] and requests_recorded(workspace) == 1


def test_refused_on_a_resend_the_records_join_the_batch_opened_meanwhile(tmp_path):
    workspace = ready_batch(f"sqlite:///{tmp_path / 'w.db'}")
    simulator = OfflineRegistry(workspace, delay=dt.timedelta(0))
    with pytest.raises(RegistryFault):
        submit(workspace, Refusing(simulator, UNAVAILABLE))
    assert batches.add_to_batch(workspace, [BAD_EMAIL]).batch_id == 2  # a new open batch
    with pytest.raises(SubmissionRefused) as refused:  # a validation fault: nothing was created
        submit(workspace, Refusing(simulator, VALIDATION))
    assert refused.value.outcome == "returned"
    assert "back in the open batch 2 (batch 1 is no more)" in str(refused.value)
    assert statuses(workspace) == [(2, "open")] and records_in(workspace, 2) == 31
    assert requests_recorded(workspace) == 0


def test_an_authorisation_fault_on_a_resend_keeps_the_batch_and_nothing_is_created_twice(
    tmp_path,
):
    """A request sent by an interrupted run may have reached the registry: an authorisation
    fault does not prove it did not, so the same request is kept to be sent again."""
    workspace = ready_batch(f"sqlite:///{tmp_path / 'w.db'}")
    simulator = OfflineRegistry(workspace, delay=dt.timedelta(0))
    with pytest.raises(RegistryFault):
        submit(workspace, Refusing(simulator, UNAVAILABLE))
    with pytest.raises(SubmissionRefused) as refused:
        submit(workspace, Refusing(simulator, NOT_AUTHORISED))
    assert refused.value.outcome == "kept submitting"
    assert "stays 'submitting'" in str(refused.value) and "Fix the cause" in str(refused.value)
    assert statuses(workspace) == [(1, "submitting")] and requests_recorded(workspace) == 1
    honest = Refusing(simulator)
    sent = submit(workspace, honest)
    assert sent.batch_id == 1 and len(sent.receipts) == 1
    assert honest.sent == [sent.receipts[0][0]]  # the request recorded first, sent again


def test_refused_after_some_requests_were_accepted_the_rest_come_back(workspace_url):
    workspace = open_workspace(workspace_url)
    import_clients(workspace, synthetic_clients(700, seed=8, today=TODAY), today=TODAY)
    simulator = OfflineRegistry(workspace, delay=dt.timedelta(0))
    batches.add_to_batch(workspace, all_without_usi=True)
    with pytest.raises(SubmissionRefused) as refused:
        submit(workspace, Refusing(simulator, None, VALIDATION))
    assert refused.value.outcome == "partly submitted"
    message = str(refused.value)
    assert "1 of its requests had already been accepted" in message
    assert "submitted with their 500 applications" in message
    assert "The 200 records of the refused request" in message and "open batch 2" in message
    assert statuses(workspace) == [(1, "submitted"), (2, "open")]
    assert (records_in(workspace, 1), records_in(workspace, 2)) == (500, 200)
    assert requests_recorded(workspace) == 1
    done = batches.retrieve_batch(workspace, simulator, 1, org_code="DEMO1")
    assert done.processed and done.new_results == 500
    again = submit(workspace, simulator)
    assert again.batch_id == 2 and again.applications == 200
