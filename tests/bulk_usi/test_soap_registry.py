"""SoapRegistry against the local SOAP endpoint: the whole network stack, with faults."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.bulk_usi.test_simulator import MEDICARE, person
from usikit.bulk_usi.registry.base import Verification, is_the_registry
from usikit.bulk_usi.registry.endpoint import LocalEndpoint
from usikit.bulk_usi.registry.simulator import OfflineRegistry
from usikit.bulk_usi.registry.soap import PRODUCTION_ENDPOINT, TEST_ENDPOINT, SoapRegistry
from usikit.errors import InputError, NotProcessedYet, RegistryFault
from usikit.workspace import open_workspace


@pytest.fixture
def endpoint(tmp_path):
    simulator = OfflineRegistry(open_workspace(str(tmp_path / "sim.db")), delay=dt.timedelta(0))
    endpoint = LocalEndpoint(simulator, slow_seconds=1.0)
    with endpoint.serving():
        yield endpoint


def client(endpoint, **options) -> SoapRegistry:
    options = {"backoff": 0.01, **options}
    return SoapRegistry(endpoint.url, **options)


def test_bulk_upload_and_retrieve_over_http(endpoint):
    registry = client(endpoint)
    assert endpoint.url.startswith("http://127.0.0.1:")
    receipt = registry.bulk_upload(
        "DEMO1", "R1", [person("A1", document=MEDICARE), person("A2", first="Bo")]
    )
    results = registry.bulk_upload_retrieve("DEMO1", receipt)
    assert [r.result for r in results.applications] == ["Success", "Success"]
    again = registry.bulk_upload(
        "DEMO1", "R1", [person("A1", document=MEDICARE), person("A2", first="Bo")]
    )
    assert again == receipt
    assert "not the USI Registry" in registry.label


def test_not_processed_yet_is_reported_as_such(tmp_path):
    simulator = OfflineRegistry(open_workspace(str(tmp_path / "s.db")), delay=dt.timedelta(hours=1))
    endpoint = LocalEndpoint(simulator)
    with endpoint.serving():
        registry = SoapRegistry(endpoint.url, backoff=0.01)
        receipt = registry.bulk_upload("DEMO1", "R1", [person("A1")])
        with pytest.raises(NotProcessedYet):
            registry.bulk_upload_retrieve("DEMO1", receipt)


def test_verify_and_countries_over_http(endpoint):
    registry = client(endpoint)
    receipt = registry.bulk_upload("DEMO1", "R1", [person("A1")])
    issued = registry.bulk_upload_retrieve("DEMO1", receipt).applications[0].usi
    check = registry.verify_usi("DEMO1", Verification(1, issued, "Mia", "Nguyen", "", "2004-04-23"))
    assert check.usi_status == "Valid"
    assert (
        len(
            registry.bulk_verify_usi(
                "DEMO1", [Verification(1, issued, "Mia", "X", "", "2004-04-23")]
            )
        )
        == 1
    )
    assert any(c.code == "1101" for c in registry.get_countries("DEMO1"))


@pytest.mark.parametrize("kind", ["unavailable", "http500", "malformed"])
def test_transient_failures_are_retried(endpoint, kind):
    endpoint.fail_next(kind, times=2)
    receipt = client(endpoint).bulk_upload("DEMO1", "R1", [person("A1")])
    assert len(receipt) == 36
    assert len(endpoint.requests) == 1  # the two failed tries never reached the simulator


def test_a_timeout_is_retried_without_creating_twice(endpoint):
    endpoint.fail_next("slow")
    registry = client(endpoint, timeout=0.3)
    receipt = registry.bulk_upload("DEMO1", "R1", [person("A1")])
    results = registry.bulk_upload_retrieve("DEMO1", receipt)
    assert [r.result for r in results.applications] == ["Success"]


def test_giving_up_after_the_attempts_says_so(endpoint):
    endpoint.fail_next("unavailable", times=10)
    with pytest.raises(RegistryFault, match="gave up after 3 attempts") as caught:
        client(endpoint, attempts=3).bulk_upload("DEMO1", "R1", [person("A1")])
    assert caught.value.transient


def test_registry_faults_are_not_retried(endpoint):
    with pytest.raises(RegistryFault) as caught:
        client(endpoint).bulk_upload("bad code!", "R1", [person("A1")])
    assert caught.value.code == 1002 and not caught.value.transient
    assert len(endpoint.requests) == 1


def test_unreachable_endpoint_is_a_transient_fault():
    registry = SoapRegistry(
        "http://127.0.0.1:9/Service/v5/UsiService.svc", attempts=2, backoff=0.01
    )
    with pytest.raises(RegistryFault, match="could not reach"):
        registry.get_countries("DEMO1")


def test_only_the_production_address_is_the_usi_registry():
    production, test, other = (
        SoapRegistry(url) for url in (PRODUCTION_ENDPOINT, TEST_ENDPOINT, "http://127.0.0.1:1/")
    )
    assert is_the_registry(production.name) and "not the USI Registry" not in production.label
    for endpoint in (test, other):  # what they issue is not a real USI
        assert not is_the_registry(endpoint.name)
        assert "not the USI Registry" in endpoint.label
    assert "3PT" in test.label and "its USIs are tests" in test.label


def test_plain_http_is_refused_except_to_this_computer():
    with pytest.raises(InputError, match="plain http"):
        SoapRegistry("http://registry.example/Service/v5/UsiService.svc")
    with pytest.raises(InputError, match="https"):
        SoapRegistry("ftp://registry.example/")
    assert SoapRegistry("http://localhost:1/x").endpoint == "http://localhost:1/x"
