"""The new operations over real HTTP on loopback, signed as the USI Registry requires: the
local endpoint serves CreateUSI, LocateUSI, GetNonDvsDocumentTypes and the verifications
behind the same token check, every request conforms to the v5 schema, and the library's
verification, creation and location work through the SOAP client as through the simulator."""

from __future__ import annotations

import pytest
from lxml import etree

from tests.batch_helpers import SAME_PERSON, TODAY, demo_workspace
from tests.bulk_usi.test_simulator import MEDICARE, person
from tests.bulk_usi.test_simulator_single import locate, reached
from tests.signed_helpers import signed_services
from tests.usi_schema import assert_conforms
from usikit.bulk_usi.create_now import create_usi_now
from usikit.bulk_usi.locate import locate_client, write_located_usi
from usikit.bulk_usi.reference_lists import evidence_type_id
from usikit.bulk_usi.registry.base import EXACT, Verification
from usikit.bulk_usi.registry.namespaces import SOAP, q
from usikit.bulk_usi.verify import VERIFIED, verify_clients
from usikit.errors import InputError, RegistryFault


@pytest.fixture
def services(tmp_path):
    with signed_services(tmp_path, slow_seconds=0.2) as services:
        yield services


def fast(registry):
    registry.backoff, registry.timeout = 0.01, 5.0
    return registry


def operations(requests) -> list[str]:
    """The operation of each request the endpoint received; each one conforms to the schema."""
    names = []
    for data in requests:
        body = etree.fromstring(data).find(q("Body", SOAP))[0]
        assert_conforms(body)
        names.append(etree.QName(body).localname)
    return names


def test_each_new_operation_runs_signed_and_conforms(services, tmp_path):
    registry = fast(services.registry(tmp_path))
    types = registry.get_non_dvs_document_types("DEMO1")
    assert [t.name for t in types][:1] == ["Statutory declaration"]
    made = registry.create_usi("DEMO1", "R1", reached(person("A1", document=MEDICARE)))
    assert made.result == "Success"
    assert registry.create_usi("DEMO1", "R1", reached(person("A1", document=MEDICARE))) == made
    found = registry.locate_usi("DEMO1", locate(email="mia@example.com"))
    assert (found.result, found.usi) == (EXACT, made.usi)
    missing = registry.locate_usi("DEMO1", locate(first="Ann", family="Tran"))
    assert (missing.result, missing.usi) == ("NoMatch", "")
    single = registry.verify_usi(
        "DEMO1", Verification(1, made.usi, "Mia", "Nguyen", "", "2004-04-23")
    )
    assert single.usi_status == "Valid" and set(single.matches.values()) == {"Match"}
    many = registry.bulk_verify_usi("DEMO1", [
        Verification(1, made.usi, "Mia", "Nguyen", "", "2004-04-24"),
        Verification(2, "BNGH7C75FN", "Ann", "Tran", "", "2001-01-01"),
    ])  # fmt: skip
    assert [(r.record_id, r.usi_status, r.matches.get("DateOfBirth")) for r in many] == [
        (1, "Valid", "NoMatch"), (2, "Invalid", None)]  # fmt: skip
    assert services.endpoint.refusals == []
    assert operations(services.endpoint.requests) == [
        "GetNonDvsDocumentTypes", "CreateUSI", "CreateUSI", "LocateUSI", "LocateUSI",
        "VerifyUSI", "BulkVerifyUSI"]  # fmt: skip


def test_an_unsigned_request_for_a_new_operation_is_refused(services, tmp_path):
    from usikit.bulk_usi.registry.soap import SoapRegistry

    unsigned = fast(SoapRegistry(services.endpoint.url, attempts=1))
    with pytest.raises(RegistryFault, match="Security refused"):
        unsigned.create_usi("DEMO1", "R1", person("A1"))
    assert services.endpoint.refusals  # the endpoint's security check said no
    with pytest.raises(RegistryFault, match="Security refused"):
        unsigned.locate_usi("DEMO1", locate())


def test_the_library_works_through_the_soap_client(services, tmp_path):
    registry = fast(services.registry(tmp_path))
    workspace = demo_workspace(f"sqlite:///{tmp_path / 'w.db'}")
    known, returning = SAME_PERSON
    made = create_usi_now(workspace, registry, known, org_code="DEMO1", user_reference="t",
                          permission_elsewhere=False, today=TODAY)  # fmt: skip
    assert made.written and made.registry.startswith("SOAP endpoint at http://127.0.0.1")
    outcome = verify_clients(workspace, registry, [known], org_code="DEMO1", today=TODAY)
    assert outcome.results["Outcome"].tolist() == [VERIFIED]
    found = locate_client(workspace, registry, returning, org_code="DEMO1", user_reference="t",
                          permission_elsewhere=False, today=TODAY)  # fmt: skip
    assert found.usi == made.usi
    with pytest.raises(InputError, match=f"already belongs to client {known}"):
        write_located_usi(workspace, found)
    assert evidence_type_id(workspace, registry, "letter", org_code="DEMO1") == 2
    operations(services.endpoint.requests)  # all conform


def test_a_lost_create_answer_over_soap_is_finished_without_creating_twice(services, tmp_path):
    registry = fast(services.registry(tmp_path))
    registry.attempts = 1
    workspace = demo_workspace(f"sqlite:///{tmp_path / 'w.db'}")
    services.endpoint.fail_next("http500")  # the request may have arrived: kept
    with pytest.raises(RegistryFault):
        create_usi_now(workspace, registry, "S0000004", org_code="DEMO1", user_reference="t",
                       permission_elsewhere=False, today=TODAY)  # fmt: skip
    again = create_usi_now(workspace, registry, "S0000004", org_code="DEMO1",
                           user_reference="t", permission_elsewhere=False, today=TODAY)  # fmt: skip
    assert again.resent and again.written
