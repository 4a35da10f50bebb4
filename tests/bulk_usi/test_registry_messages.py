"""The SOAP messages conform to the registry's own schema and read back what was written."""

from __future__ import annotations

import pytest
from lxml import etree

from tests.usi_schema import assert_conforms
from usikit.bulk_usi.registry import messages
from usikit.bulk_usi.registry.applications import application_from_record, from_json, to_json
from usikit.bulk_usi.registry.base import (
    ApplicationResult,
    BulkResults,
    Country,
    RegistryError,
    Verification,
    VerificationResult,
)
from usikit.bulk_usi.samples import DEMO_DATE, demo_clients
from usikit.bulk_usi.validation import validate_clients
from usikit.errors import RegistryFault


@pytest.fixture(scope="module")
def applications():
    report = validate_clients(demo_clients(), today=DEMO_DATE)
    return [
        application_from_record(
            record,
            application_id=record["Client ID"],
            user_reference="officer",
            non_dvs_document_type_id=3,
        )
        for record in report.valid.to_dict("records")
    ]


def test_every_document_type_and_address_form_conforms(applications):
    kinds = {a.document.registry_type if a.document else None for a in applications}
    assert kinds == {
        "DriversLicenceDocumentType",
        "MedicareDocumentType",
        "PassportDocumentType",
        "VisaDocumentType",
        "BirthCertificateDocumentType",
        "CitizenshipCertificateDocumentType",
        "CertificateOfRegistrationByDescentDocumentType",
        "ImmiCardDocumentType",
        None,
    }
    assert any(dict(a.contact).get("InternationalAddress") for a in applications)
    assert any(dict(a.personal).get("SingleName") for a in applications)
    assert_conforms(messages.bulk_upload("DEMO1", "U123", applications))


def test_the_schema_check_catches_a_wrong_message(applications):
    element = messages.bulk_upload("DEMO1", "U123", applications[:1])
    personal = element.find(f".//{messages.q('PersonalDetails')}")
    personal.insert(0, personal[-1])  # elements out of order
    with pytest.raises(AssertionError, match="not expected"):
        assert_conforms(element)


def test_other_requests_conform():
    verification = Verification(1, "BNGH7C75FN", "Mia", "Nguyen", "", "2004-04-23")
    single = Verification(2, "223456789N", single_name="Sukarno", date_of_birth="1970-01-01")
    assert_conforms(messages.bulk_upload_retrieve("0" * 36))
    assert_conforms(messages.verify_usi("DEMO1", verification))
    assert_conforms(messages.bulk_verify_usi("DEMO1", [verification, single]))
    assert_conforms(messages.get_countries("DEMO1"))


def test_responses_conform_and_parse_back():
    results = BulkResults(
        "U123",
        (
            ApplicationResult("S1", "Success", "True", "2026-11-22T09:00:00", "BNGH7C75FN"),
            ApplicationResult(
                "S2",
                "Failure",
                "False",
                "2026-11-22T09:00:00",
                errors=(RegistryError("E102", "Not verified."),),
            ),
        ),
    )
    element = messages.bulk_results_response(results)
    assert_conforms(element)
    assert messages.read_bulk_results(element) == results
    assert_conforms(messages.bulk_upload_response("1" * 36))
    verified = VerificationResult(
        1,
        "BNGH7C75FN",
        "Valid",
        {"FirstName": "Match", "FamilyName": "NoMatch", "DateOfBirth": "Match"},
    )
    assert_conforms(messages.verify_response(verified))
    assert_conforms(messages.bulk_verify_response([verified]))
    countries = [Country("1101", "Australia"), Country("1201", "New Zealand", False)]
    element = messages.countries_response(countries)
    assert_conforms(element)
    assert messages.read_countries(element) == countries


def test_a_request_read_back_is_the_application_sent(applications):
    envelope = messages.envelope("BulkUpload", messages.bulk_upload("DEMO1", "U1", applications))
    action, body = messages.read_envelope(messages.serialise(envelope))
    assert action == "http://usi.gov.au/2022/ws/BulkUpload"
    org_code, request_id, read = messages.read_bulk_upload(body)
    assert (org_code, request_id) == ("DEMO1", "U1")
    assert read == applications
    assert [from_json(to_json(a)) for a in applications] == applications


def test_envelope_carries_ws_addressing():
    data = messages.serialise(
        messages.envelope("GetCountries", messages.get_countries("X"), to="https://x")
    )
    root = etree.fromstring(data)
    header = root.find(messages.q("Header", messages.SOAP))
    assert header.findtext(messages.q("Action", messages.WSA)) == messages.USI + "/GetCountries"
    assert header.findtext(messages.q("To", messages.WSA)) == "https://x"
    assert header.findtext(messages.q("MessageID", messages.WSA)).startswith("urn:uuid:")


def test_faults_are_read_as_registry_faults():
    fault = RegistryFault(2002, "Organisation Failed Authorisation", "Not authorised.")
    with pytest.raises(RegistryFault) as caught:
        messages.read_envelope(messages.fault_envelope(fault))
    assert (caught.value.code, caught.value.transient) == (2002, False)
    busy = RegistryFault(1001, "Service Unavailable", "Try later.", transient=True)
    with pytest.raises(RegistryFault) as caught:
        messages.read_envelope(messages.fault_envelope(busy))
    assert caught.value.transient
    with pytest.raises(RegistryFault, match="could not be read"):
        messages.read_envelope(b"<s:Envelope><broken>")
