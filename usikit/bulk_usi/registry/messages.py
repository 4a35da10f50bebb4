"""The registry's version 5 SOAP messages, built and read in both directions.

`SoapRegistry` builds requests and reads responses; the local endpoint reads requests and
builds responses. Element names, order and namespaces follow the registry's WSDL
(http://usi.gov.au/2022/ws); faults carry ErrorInfo (http://usi.gov.au/2020/ws).
"""

from __future__ import annotations

import uuid
import xml.etree.ElementTree as ET
from collections.abc import Sequence

from usikit.bulk_usi.registry.base import (
    GENERIC_VALIDATION,
    Application,
    ApplicationResult,
    BulkResults,
    Country,
    Document,
    RegistryError,
    Verification,
    VerificationResult,
)
from usikit.errors import RegistryFault

SOAP = "http://www.w3.org/2003/05/soap-envelope"
WSA = "http://www.w3.org/2005/08/addressing"
USI = "http://usi.gov.au/2022/ws"
ERRORS = "http://usi.gov.au/2020/ws"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
WSSE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
ACTION = USI + "/{operation}"
for prefix, namespace in (("s", SOAP), ("a", WSA), ("u", USI), ("e", ERRORS), ("xsi", XSI),
                          ("o", WSSE)):  # fmt: skip
    ET.register_namespace(prefix, namespace)


def q(name: str, namespace: str = USI) -> str:
    return f"{{{namespace}}}{name}"


def _add(parent: ET.Element, name: str, value: object) -> ET.Element:
    """A child element: text for a value, nested children for (name, value) pairs."""
    child = ET.SubElement(parent, q(name))
    if isinstance(value, tuple):
        for inner_name, inner_value in value:
            _add(child, inner_name, inner_value)
    else:
        child.text = str(value)
    return child


def _pairs(element: ET.Element) -> tuple[tuple[str, object], ...]:
    """Children as (local name, text or nested pairs): the inverse of `_add`."""
    return tuple(
        (_local(child), _pairs(child) if len(child) else (child.text or "")) for child in element
    )


def _local(element: ET.Element) -> str:
    return element.tag.rsplit("}", 1)[-1]


def _child(element: ET.Element, name: str) -> ET.Element:
    """A child the schema requires; its absence is an unusable message."""
    found = element.find(q(name))
    if found is None:
        raise RegistryFault(GENERIC_VALIDATION, "Generic Validation", f"{name} is missing.")
    return found


def _text(element: ET.Element, name: str, default: str = "") -> str:
    found = element.find(q(name))
    return (found.text or "") if found is not None else default


# Envelopes.


def envelope(
    operation: str, body: ET.Element, *, to: str = "", security: ET.Element | None = None
) -> bytes:
    """A SOAP 1.2 request with the WS-Addressing headers the registry expects."""
    root = ET.Element(q("Envelope", SOAP))
    header = ET.SubElement(root, q("Header", SOAP))
    action = ET.SubElement(header, q("Action", WSA), {q("mustUnderstand", SOAP): "1"})
    action.text = ACTION.format(operation=operation)
    ET.SubElement(header, q("MessageID", WSA)).text = f"urn:uuid:{uuid.uuid4()}"
    reply = ET.SubElement(header, q("ReplyTo", WSA))
    ET.SubElement(reply, q("Address", WSA)).text = WSA + "/anonymous"
    if to:
        ET.SubElement(header, q("To", WSA), {q("mustUnderstand", SOAP): "1"}).text = to
    if security is not None:
        header.append(security)
    ET.SubElement(root, q("Body", SOAP)).append(body)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def response_envelope(operation: str, body: ET.Element) -> bytes:
    root = ET.Element(q("Envelope", SOAP))
    header = ET.SubElement(root, q("Header", SOAP))
    ET.SubElement(header, q("Action", WSA)).text = ACTION.format(operation=operation + "Response")
    ET.SubElement(root, q("Body", SOAP)).append(body)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def fault_envelope(fault: RegistryFault) -> bytes:
    """A SOAP 1.2 fault whose detail is the registry's ErrorInfo."""
    root = ET.Element(q("Envelope", SOAP))
    body = ET.SubElement(root, q("Body", SOAP))
    element = ET.SubElement(body, q("Fault", SOAP))
    code = ET.SubElement(element, q("Code", SOAP))
    ET.SubElement(code, q("Value", SOAP)).text = "s:Receiver" if fault.transient else "s:Sender"
    reason = ET.SubElement(element, q("Reason", SOAP))
    ET.SubElement(reason, q("Text", SOAP), {"xml:lang": "en"}).text = fault.title
    detail = ET.SubElement(element, q("Detail", SOAP))
    info = ET.SubElement(detail, q("ErrorInfo", ERRORS))
    ET.SubElement(info, q("Code", ERRORS)).text = str(fault.code)
    ET.SubElement(info, q("Title", ERRORS)).text = fault.title
    ET.SubElement(info, q("Message", ERRORS)).text = fault.message
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def read_envelope(data: bytes) -> tuple[str, ET.Element]:
    """(action, the body's first element); a fault body raises RegistryFault."""
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        raise RegistryFault(0, "Unreadable answer", f"the XML could not be read ({exc})",
                            transient=True) from None  # fmt: skip
    body = root.find(q("Body", SOAP))
    if root.tag != q("Envelope", SOAP) or body is None or len(body) == 0:
        raise RegistryFault(0, "Unreadable answer", "not a SOAP 1.2 envelope", transient=True)
    action = root.findtext(f"{q('Header', SOAP)}/{q('Action', WSA)}") or ""
    first = body[0]
    if first.tag == q("Fault", SOAP):
        raise fault_from(first)
    return action.strip(), first


def fault_from(element: ET.Element) -> RegistryFault:
    info = element.find(f".//{q('ErrorInfo', ERRORS)}")
    reason = element.findtext(f".//{q('Text', SOAP)}") or "Fault"
    if info is None:
        return RegistryFault(0, reason, reason, transient=True)
    code = int(info.findtext(q("Code", ERRORS)) or 0)
    title = info.findtext(q("Title", ERRORS)) or reason
    message = info.findtext(q("Message", ERRORS)) or ""
    return RegistryFault(code, title, message, transient=code == 1001)


# BulkUpload.


def bulk_upload(org_code: str, request_id: str, applications: Sequence[Application]) -> ET.Element:
    root = ET.Element(q("BulkUpload"))
    _add(root, "OrgCode", org_code)
    _add(root, "RequestId", request_id)
    _add(root, "NoOfApplications", len(applications))
    container = ET.SubElement(root, q("Applications"))
    for application in applications:
        element = ET.SubElement(container, q("Application"))
        _add(element, "ApplicationId", application.application_id)
        _add(element, "DVSCheckRequired", "true" if application.dvs_check_required else "false")
        _add(element, "UserReference", application.user_reference)
        _add(element, "ContactDetails", application.contact)
        _add(element, "PersonalDetails", application.personal)
        if application.document is not None:
            document = ET.SubElement(
                element,
                q("DVSDocument"),
                {q("type", XSI): f"u:{application.document.registry_type}"},
            )
            for name, value in application.document.fields:
                _add(document, name, value)
        elif application.non_dvs_document_type_id is not None:
            _add(element, "NonDvsDocumentTypeId", application.non_dvs_document_type_id)
    return root


def read_bulk_upload(element: ET.Element) -> tuple[str, str, list[Application]]:
    """(org code, request id, applications) from a BulkUpload request."""
    applications = []
    for item in element.iter(q("Application")):
        document_element = item.find(q("DVSDocument"))
        document = None
        if document_element is not None:
            kind = document_element.get(q("type", XSI), "").rsplit(":", 1)[-1]
            document = Document(kind, tuple((n, str(v)) for n, v in _pairs(document_element)))
        non_dvs = _text(item, "NonDvsDocumentTypeId")
        applications.append(
            Application(
                application_id=_text(item, "ApplicationId"),
                user_reference=_text(item, "UserReference"),
                contact=_pairs(_child(item, "ContactDetails")),
                personal=tuple((n, str(v)) for n, v in _pairs(_child(item, "PersonalDetails"))),
                document=document,
                non_dvs_document_type_id=int(non_dvs) if non_dvs else None,
            )
        )
    return _text(element, "OrgCode"), _text(element, "RequestId"), applications


def bulk_upload_response(receipt_number: str) -> ET.Element:
    root = ET.Element(q("BulkUploadResponse"))
    _add(root, "ReceiptNumber", receipt_number)
    return root


def read_receipt(element: ET.Element) -> str:
    return _text(element, "ReceiptNumber")


# BulkUploadRetrieve.


def bulk_upload_retrieve(receipt_number: str) -> ET.Element:
    root = ET.Element(q("BulkUploadRetrieve"))
    _add(root, "ReceiptNumber", receipt_number)
    return root


def read_retrieve_request(element: ET.Element) -> str:
    return _text(element, "ReceiptNumber")


def bulk_results_response(results: BulkResults) -> ET.Element:
    root = ET.Element(q("BulkUploadRetrieveResponse"))
    _add(root, "RequestId", results.request_id)
    _add(root, "NoOfApplications", len(results.applications))
    _add(root, "NoOfApplicationsFailed", results.failed)
    container = ET.SubElement(root, q("Applications"))
    for item in results.applications:
        element = ET.SubElement(container, q("Application"))
        _add(element, "ProcessedDate", item.processed_date)
        _add(element, "ApplicationId", item.application_id)
        _add(element, "Result", item.result)
        _add(element, "IdentityDocumentVerified", item.identity_document_verified)
        if item.usi:
            _add(element, "USI", item.usi)
        if item.errors:
            errors = ET.SubElement(element, q("Errors"))
            for error in item.errors:
                _add(errors, "Error", (("Code", error.code), ("Message", error.message[:255])))
    return root


def read_bulk_results(element: ET.Element) -> BulkResults:
    applications = []
    for item in element.iter(q("Application")):
        errors = tuple(
            RegistryError(_text(error, "Code"), _text(error, "Message"))
            for error in item.iter(q("Error"))
        )
        applications.append(
            ApplicationResult(
                application_id=_text(item, "ApplicationId"),
                result=_text(item, "Result"),
                identity_document_verified=_text(item, "IdentityDocumentVerified"),
                processed_date=_text(item, "ProcessedDate"),
                usi=_text(item, "USI"),
                errors=errors,
            )
        )
    return BulkResults(_text(element, "RequestId"), tuple(applications))


# VerifyUSI and BulkVerifyUSI.


def _person(verification: Verification) -> tuple[tuple[str, str], ...]:
    names: tuple[tuple[str, str], ...]
    if verification.single_name:
        names = (("SingleName", verification.single_name),)
    else:
        names = (("FirstName", verification.first_name), ("FamilyName", verification.family_name))
    return (*names, ("DateOfBirth", verification.date_of_birth))


def verify_usi(org_code: str, verification: Verification) -> ET.Element:
    root = ET.Element(q("VerifyUSI"))
    _add(root, "OrgCode", org_code)
    _add(root, "USI", verification.usi)
    for name, value in _person(verification):
        _add(root, name, value)
    return root


def bulk_verify_usi(org_code: str, verifications: Sequence[Verification]) -> ET.Element:
    root = ET.Element(q("BulkVerifyUSI"))
    _add(root, "OrgCode", org_code)
    _add(root, "NoOfVerifications", len(verifications))
    container = ET.SubElement(root, q("Verifications"))
    for verification in verifications:
        element = ET.SubElement(container, q("Verification"))
        _add(element, "RecordId", verification.record_id)
        _add(element, "USI", verification.usi)
        for name, value in _person(verification):
            _add(element, name, value)
    return root


def read_verifications(element: ET.Element) -> tuple[str, list[Verification]]:
    """(org code, verifications) from a VerifyUSI or BulkVerifyUSI request."""
    items = list(element.iter(q("Verification"))) or [element]

    def one(item: ET.Element, record_id: int) -> Verification:
        return Verification(
            record_id=int(_text(item, "RecordId") or record_id),
            usi=_text(item, "USI"),
            first_name=_text(item, "FirstName"),
            family_name=_text(item, "FamilyName"),
            single_name=_text(item, "SingleName"),
            date_of_birth=_text(item, "DateOfBirth"),
        )

    return _text(element, "OrgCode"), [one(item, n) for n, item in enumerate(items, start=1)]


def _verification_fields(parent: ET.Element, result: VerificationResult) -> None:
    _add(parent, "USIStatus", result.usi_status)
    for name in ("FirstName", "FamilyName", "SingleName", "DateOfBirth"):
        if name in result.matches:
            _add(parent, name, result.matches[name])


def verify_response(result: VerificationResult) -> ET.Element:
    root = ET.Element(q("VerifyUSIResponse"))
    _verification_fields(root, result)
    return root


def bulk_verify_response(results: Sequence[VerificationResult]) -> ET.Element:
    root = ET.Element(q("BulkVerifyUSIResponse"))
    container = ET.SubElement(root, q("VerificationResponses"))
    for result in results:
        element = ET.SubElement(container, q("VerificationResponse"))
        _verification_fields(element, result)
        _add(element, "USI", result.usi)
        _add(element, "RecordId", result.record_id)
    return root


def read_verification_results(element: ET.Element, usis: Sequence[str]) -> list[VerificationResult]:
    items = list(element.iter(q("VerificationResponse"))) or [element]
    results = []
    for number, item in enumerate(items):
        matches = {
            name: _text(item, name)
            for name in ("FirstName", "FamilyName", "SingleName", "DateOfBirth")
            if item.find(q(name)) is not None
        }
        results.append(
            VerificationResult(
                record_id=int(_text(item, "RecordId") or number + 1),
                usi=_text(item, "USI") or usis[number],
                usi_status=_text(item, "USIStatus"),
                matches=matches,
            )
        )
    return results


# GetCountries.


def get_countries(org_code: str) -> ET.Element:
    root = ET.Element(q("GetCountries"))
    _add(root, "OrgCode", org_code)
    return root


def read_org_code(element: ET.Element) -> str:
    return _text(element, "OrgCode")


def countries_response(countries: Sequence[Country]) -> ET.Element:
    root = ET.Element(q("GetCountriesResponse"))
    container = ET.SubElement(root, q("Countries"))
    for country in countries:
        current = "true" if country.is_current else "false"
        details = (("CountryCode", country.code), ("Name", country.name), ("IsCurrent", current))
        _add(container, "CountryDetails", details)
    return root


def read_countries(element: ET.Element) -> list[Country]:
    return [
        Country(_text(item, "CountryCode"), _text(item, "Name"), _text(item, "IsCurrent") == "true")
        for item in element.iter(q("CountryDetails"))
    ]
