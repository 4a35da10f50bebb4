"""Faults from the registry (over the local SOAP endpoint) are retried or reported, and a
batch is never half-applied: the next run finishes the work without sending anything twice."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from tests.batch_helpers import (
    BAD_DATE,
    BAD_EMAIL,
    BAD_MEDICARE,
    BAD_POSTCODE,
    NO_CARD,
    NO_FAMILY,
    demo_workspace,
)
from usikit.cli import main
from usikit.registry.base import RegistryFault
from usikit.registry.offline import OfflineRegistry
from usikit.registry.offline_tables import simulator_requests
from usikit.registry.server import LocalEndpoint
from usikit.registry.soap import LocalToken, SoapRegistry
from usikit.workspace import batches, open_workspace
from usikit.workspace.tables import clients

IN_ERROR = [BAD_POSTCODE, BAD_DATE, NO_CARD, NO_FAMILY, BAD_MEDICARE, BAD_EMAIL]


@pytest.fixture
def endpoint(tmp_path):
    simulator = OfflineRegistry(open_workspace(str(tmp_path / "sim.db")), delay=dt.timedelta(0))
    endpoint = LocalEndpoint(simulator, secret="s", slow_seconds=1.0)
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
    registry = SoapRegistry(endpoint.url, token=LocalToken("s"), backoff=0.01, timeout=0.5)
    sent = batches.submit_batch(workspace, registry, org_code="DEMO1", user_reference="t")
    outcome = batches.retrieve_batch(workspace, registry, sent.batch_id, org_code="DEMO1")
    assert outcome.processed and outcome.new_results == 30
    assert requests_received(endpoint) == 1


def test_an_unreachable_registry_is_reported_and_the_next_run_finishes(tmp_path, endpoint, capsys):
    ready_batch(tmp_path)
    url, workspace = endpoint.url, str(tmp_path / "w.db")
    endpoint.fail_next("unavailable", times=100)
    options = ["--registry", url, "--registry-secret", "s", "--workspace", workspace]
    assert main(["batch", "submit", *options]) == 3
    err = capsys.readouterr().err
    assert err.startswith("error: the registry answered with a fault") and "Traceback" not in err
    assert batches.list_batches(open_workspace(workspace))["status"].tolist() == ["submitting"]
    endpoint.failures.clear()
    assert main(["batch", "submit", *options]) == 0
    assert main(["batch", "retrieve", "1", *options]) == 0
    assert "Every result is in: 28 USIs, 2 failed." in capsys.readouterr().out
    assert requests_received(endpoint) == 1


def test_a_fault_during_retrieval_writes_nothing(tmp_path, endpoint):
    workspace = ready_batch(tmp_path)
    registry = SoapRegistry(endpoint.url, token=LocalToken("s"), backoff=0.01, attempts=2)
    sent = batches.submit_batch(workspace, registry, org_code="DEMO1", user_reference="t")
    endpoint.fail_next("http500", times=5)
    with pytest.raises(RegistryFault):
        batches.retrieve_batch(workspace, registry, sent.batch_id, org_code="DEMO1")
    with workspace.begin() as connection:
        written = connection.execute(select(func.count()).where(clients.c.usi != "")).scalar()
    assert written == 2  # only what the demo file already had: a USI and INTOFF
    assert batches.list_batches(workspace)["status"].tolist() == ["submitted"]
