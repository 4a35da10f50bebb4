"""Faults from the registry (over the local SOAP endpoint) are retried or reported, and a
batch is never half-applied: the next run finishes the work without sending anything twice."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from sqlalchemy import func, select

from tests.batch_helpers import (
    IN_ERROR,
    demo_workspace,
)
from usikit.bulk_usi import batches
from usikit.bulk_usi.batch_states import RequestState
from usikit.bulk_usi.registry.endpoint import LocalEndpoint
from usikit.bulk_usi.registry.simulator import OfflineRegistry
from usikit.bulk_usi.registry.simulator_tables import simulator_requests
from usikit.bulk_usi.registry.soap import SoapRegistry
from usikit.bulk_usi.tables import clients, results, submissions
from usikit.cli import main
from usikit.errors import RegistryFault
from usikit.store.tables import audit as audit_table
from usikit.workspace import open_workspace


@pytest.fixture
def endpoint(tmp_path):
    simulator = OfflineRegistry(open_workspace(str(tmp_path / "sim.db")), delay=dt.timedelta(0))
    endpoint = LocalEndpoint(simulator, slow_seconds=1.0)
    with endpoint.serving():
        yield endpoint


def ready_batch(tmp_path):
    workspace = demo_workspace(f"sqlite:///{tmp_path / 'w.db'}")
    batches.add_to_batch(workspace, all_without_usi=True)
    batches.remove_from_batch(workspace, IN_ERROR)
    return workspace


def requests_received(endpoint) -> int:
    with endpoint.registry.workspace.begin() as connection:
        return connection.execute(select(func.count()).select_from(simulator_requests)).scalar()


@pytest.mark.parametrize("kind", ["unavailable", "http500", "malformed", "slow"])
def test_a_flaky_registry_is_retried_and_the_batch_goes_through(tmp_path, endpoint, kind):
    workspace = ready_batch(tmp_path)
    endpoint.fail_next(kind, times=2)
    registry = SoapRegistry(endpoint.url, backoff=0.01, timeout=0.5)
    sent = batches.submit_batch(workspace, registry, org_code="DEMO1", user_reference="t")
    outcome = batches.retrieve_batch(workspace, registry, sent.batch_id, org_code="DEMO1")
    assert outcome.processed and outcome.new_results == 30
    assert requests_received(endpoint) == 1


# Each fault the registry can give, as the endpoint's `fail_next` kind; PERMANENT ones
# retrying cannot fix (the SOAP fault 2002: the organisation is not authorised).
FAULTS = {
    "timeout": "slow",
    "http5xx": "http500",
    "soap_fault": "unavailable",
    "malformed_xml": "malformed",
    "cut_off": "truncated",
    "trickling": "trickle",
    "permanent_soap_fault": "unauthorised",
}
PERMANENT = {"permanent_soap_fault"}
ATTEMPTS = 2


def fast_registry(url: str, **options) -> SoapRegistry:
    """A SOAP client that gives up quickly: two attempts, a short overall deadline."""
    return SoapRegistry(url, backoff=0.01, attempts=ATTEMPTS, timeout=0.5)


def give_fault(endpoint, fault: str) -> None:
    """Make every answer the fault."""
    endpoint.fail_next(FAULTS[fault], times=100)


def wait_for_late_answers(endpoint, fault: str) -> None:
    """A timed-out request is still answered by the endpoint a little later: wait for it."""
    if FAULTS[fault] not in ("slow", "trickle"):
        return
    deadline = time.monotonic() + 10
    while len(endpoint.requests) < ATTEMPTS and time.monotonic() < deadline:
        time.sleep(0.05)


def state_of(workspace) -> dict[str, object]:
    """What the workspace records of the batch's requests, results and USIs."""
    with workspace.begin() as connection:
        requests = connection.execute(
            select(submissions.c.state, submissions.c.receipt_number)
        ).all()
        return {
            "states": sorted({row.state for row in requests}),
            "receipts": [row.receipt_number for row in requests if row.receipt_number],
            "results": connection.execute(select(func.count()).select_from(results)).scalar(),
            "usis": connection.execute(select(func.count()).where(clients.c.usi != "")).scalar(),
            "audit": connection.execute(select(audit_table.c.action)).scalars().all(),
        }


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_an_unreachable_registry_is_reported_and_the_next_run_finishes(
    tmp_path, endpoint, capsys, monkeypatch, fault
):
    ready_batch(tmp_path)
    monkeypatch.setattr("usikit.bulk_usi.registry.connect.SoapRegistry", fast_registry)
    url, path = endpoint.url, str(tmp_path / "w.db")
    before = state_of(open_workspace(path))
    give_fault(endpoint, fault)
    options = ["--registry", url, "--workspace", path]
    status = main(["batch", "submit", *options])
    err = capsys.readouterr().err
    assert status != 0 and err.startswith("error: ") and "Traceback" not in err
    wait_for_late_answers(endpoint, fault)
    after = state_of(open_workspace(path))
    # Nothing half-applied: no request recorded as sent, no result, no USI, no audit record.
    assert after["receipts"] == [] and RequestState.SENT not in after["states"]
    assert after["results"] == 0 and after["usis"] == before["usis"] == 2
    assert "batch submit" not in after["audit"]
    if fault not in PERMANENT:  # retried, then reported; the requests wait to be resent
        assert status == 3 and err.startswith("error: the registry answered with a fault")
        assert after["states"] == [RequestState.PENDING]
        assert batches.list_batches(open_workspace(path))["status"].tolist() == ["submitting"]
    endpoint.failures.clear()
    assert main(["batch", "submit", *options]) == 0
    assert main(["batch", "retrieve", "1", *options]) == 0
    assert "Every result is in: 28 USIs, 2 failed." in capsys.readouterr().out
    assert requests_received(endpoint) == 1  # a request sent again is not created twice


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_a_fault_during_retrieval_writes_nothing(tmp_path, endpoint, fault):
    workspace = ready_batch(tmp_path)
    sent = batches.submit_batch(
        workspace, fast_registry(endpoint.url), org_code="DEMO1", user_reference="t"
    )
    before = state_of(workspace)
    give_fault(endpoint, fault)
    with pytest.raises(RegistryFault) as caught:
        batches.retrieve_batch(workspace, fast_registry(endpoint.url), sent.batch_id,
                               org_code="DEMO1")  # fmt: skip
    assert caught.value.transient == (fault not in PERMANENT)
    wait_for_late_answers(endpoint, fault)
    after = state_of(workspace)
    assert after == before  # no result, no USI, no request marked retrieved, no audit record
    assert after["states"] == [RequestState.SENT] and after["usis"] == 2  # what the demo file had
    if fault not in PERMANENT:
        assert batches.list_batches(workspace)["status"].tolist() == ["submitted"]
    endpoint.failures.clear()
    outcome = batches.retrieve_batch(
        workspace, fast_registry(endpoint.url), sent.batch_id, org_code="DEMO1"
    )
    assert (
        outcome.processed and outcome.new_results == 30 and outcome.usis_written == 27
    )  # S0000040: S0000039's USI
