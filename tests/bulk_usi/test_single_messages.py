"""CreateUSI, LocateUSI and GetNonDvsDocumentTypes: every request conforms to the registry's
schema and reads back as written; answers are read, and unusable ones are transient faults."""

from __future__ import annotations

import pytest
from lxml import etree

from tests.usi_schema import WSDL, XS, assert_conforms
from usikit.bulk_usi.registry import messages, single_messages
from usikit.bulk_usi.registry.applications import application_from_record, locate_from_record
from usikit.bulk_usi.registry.base import (
    EXACT,
    MAX_VERIFICATIONS,
    SINGLE_NO_CONTACT_MATCH,
    ApplicationResult,
    LocateResult,
    NonDvsType,
    RegistryError,
)
from usikit.bulk_usi.registry.namespaces import q
from usikit.bulk_usi.samples import DEMO_DATE, demo_clients
from usikit.bulk_usi.validation import validate_clients
from usikit.errors import RegistryFault


@pytest.fixture(scope="module")
def records():
    return validate_clients(demo_clients(), today=DEMO_DATE).valid.to_dict("records")


def test_the_bulk_verification_limit_is_the_schemas():
    if not WSDL.exists():
        pytest.skip(f"the registry's WSDL is not at {WSDL} (reference material kept outside)")
    document = etree.parse(str(WSDL))
    found = document.xpath(
        "//xs:complexType[@name='BulkVerifyUSIType']//xs:element[@name='Verification']/@maxOccurs",
        namespaces={"xs": XS},
    )
    assert found == [str(MAX_VERIFICATIONS)]


def test_create_usi_for_every_document_type_conforms_and_reads_back(records):
    kinds = set()
    for record in records:
        application = application_from_record(
            record, application_id=record["Client ID"], user_reference="officer",
            non_dvs_document_type_id=2,
        )  # fmt: skip
        element = single_messages.create_usi("DEMO1", "U1", application)
        assert_conforms(element)
        assert single_messages.read_create_usi(element) == ("DEMO1", "U1", application)
        kinds.add(application.document.registry_type if application.document else None)
    assert len(kinds) == 9  # the eight documents, and none (non-DVS)


def test_locate_usi_for_every_record_conforms_and_reads_back(records):
    for record in records:
        locate = locate_from_record(record, user_reference="officer")
        element = single_messages.locate_usi("DEMO1", locate)
        assert_conforms(element)
        assert single_messages.read_locate(element) == ("DEMO1", locate)


def test_the_schema_check_catches_a_locate_out_of_order(records):
    locate = locate_from_record(records[0], user_reference="o")
    element = single_messages.locate_usi("DEMO1", locate)
    personal = element.find(q("PersonalDetails"))
    personal.insert(0, personal[-1])
    with pytest.raises(AssertionError, match="not expected"):
        assert_conforms(element)


def test_answers_conform_and_read_back():
    created = ApplicationResult("S1", "Failure", "False", "2026-12-01T10:00:00+00:00",
                                errors=(RegistryError("E101", "Not valid."),))  # fmt: skip
    assert_conforms(single_messages.create_response(created))
    assert single_messages.read_create_response(single_messages.create_response(created)) == created
    found = LocateResult(EXACT, "BNGH7C75FN", "")
    assert_conforms(single_messages.locate_response(found))
    assert single_messages.read_locate_response(single_messages.locate_response(found)) == found
    types = [NonDvsType(1, "Statutory declaration", 1), NonDvsType(7, "Other", 2)]
    assert_conforms(single_messages.get_non_dvs_document_types("DEMO1"))
    assert_conforms(single_messages.non_dvs_response(types))
    assert single_messages.read_non_dvs_types(single_messages.non_dvs_response(types)) == types


def test_a_locate_without_a_usi_reads_as_none_and_a_usi_counts_only_when_exact():
    answer = single_messages.locate_response(LocateResult(SINGLE_NO_CONTACT_MATCH, "", "Ask."))
    assert single_messages.read_locate_response(answer) == LocateResult(
        SINGLE_NO_CONTACT_MATCH, "", "Ask."
    )
    etree.SubElement(answer, q("USI")).text = "BNGH7C75FN"  # a USI beside another result
    assert single_messages.read_locate_response(answer).usi == ""


def test_unusable_answers_are_transient_faults():
    located = single_messages.locate_response(LocateResult(EXACT, "BNGH7C75FN"))
    located.remove(located.find(q("Result")))
    types = single_messages.non_dvs_response([NonDvsType(1, "A", 1)])
    types.find(f".//{q('Id')}").text = "seven"
    result = ApplicationResult("S1", "Success", "True", "x", "BNGH7C75FN")
    created = single_messages.create_response(result)
    created.append(single_messages.create_response(result).find(q("Application")))
    for element, read in (
        (located, single_messages.read_locate_response),
        (types, single_messages.read_non_dvs_types),
        (created, single_messages.read_create_response),
    ):
        with pytest.raises(RegistryFault) as raised:
            read(element)
        assert raised.value.transient, read.__name__


def test_a_create_request_with_two_applications_is_refused_by_the_endpoint_reader(records):
    application = application_from_record(records[0], application_id="A", user_reference="o")
    element = single_messages.create_usi("DEMO1", "U1", application)
    element.append(messages.bulk_upload("DEMO1", "U1", [application]).find(
        f".//{q('Application')}"))  # fmt: skip
    with pytest.raises(RegistryFault, match="exactly one Application"):
        single_messages.read_create_usi(element)
