"""The registry's version 5 SOAP messages, built and read in both directions.

`SoapRegistry` builds requests and reads responses; the local endpoint reads requests and
builds responses. Element names, order and namespaces follow the registry's WSDL
(http://usi.gov.au/2022/ws); faults carry ErrorInfo (http://usi.gov.au/2020/ws).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from typing import TypeAlias

from lxml import etree

from usikit.bulk_usi.registry import safexml
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
from usikit.bulk_usi.registry.namespaces import ERRORS, SOAP, USI, WSA, WSSE, XSI, q
from usikit.errors import Arrival, RegistryFault

ACTION = USI + "/{operation}"
ENVELOPE_NAMES = {"s": SOAP, "a": WSA}
BODY_NAMES = {None: USI, "xsi": XSI, "u": USI}
# Characters XML 1.0 cannot carry: C0 controls but tab and line ends, surrogates, U+FFFE/F.
NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
SECURITY_SUBCODES = ("InvalidSecurity", "FailedAuthentication", "FailedCheck",
                     "InvalidSecurityToken", "SecurityTokenUnavailable", "MessageExpired",
                     "UnsupportedSecurityToken", "BadContextToken", "RequestFailed")  # fmt: skip
UNREADABLE = "Unreadable answer"
Element: TypeAlias = etree._Element


def _add(parent: Element, name: str, value: object) -> Element:
    """A child element: text for a value, nested children for (name, value) pairs."""
    child = etree.SubElement(parent, q(name))
    if isinstance(value, tuple):
        for inner_name, inner_value in value:
            _add(child, inner_name, inner_value)
    else:
        child.text = str(value)
    return child


def _root(name: str) -> Element:
    return etree.Element(q(name), nsmap=BODY_NAMES)


def _pairs(element: Element) -> tuple[tuple[str, object], ...]:
    """Children as (local name, text or nested pairs): the inverse of `_add`."""
    return tuple(
        (_local(child), _pairs(child) if len(safexml.elements(child)) else (child.text or ""))
        for child in safexml.elements(element)
    )


def _local(element: Element) -> str:
    return safexml.local_name(element)


def _invalid(message: str) -> RegistryFault:
    return RegistryFault(GENERIC_VALIDATION, "Generic Validation", message)


def _child(element: Element, name: str) -> Element:
    """A child the schema requires; its absence is an unusable message."""
    found = element.find(q(name))
    if found is None:
        raise _invalid(f"{name} is missing.")
    return found


def _text(element: Element, name: str, default: str = "") -> str:
    found = element.find(q(name))
    return (found.text or "") if found is not None else default


def _number(text: str, name: str) -> int:
    if not text.strip().isdigit() or len(text.strip()) > 9:
        raise _invalid(f"{name} is not a whole number.")
    return int(text)


def _answered(text: str, default: int) -> int:
    """A whole number in an answer (a fault that retrying may fix when it is not one)."""
    if not text:
        return default
    if not text.strip().isdigit() or len(text.strip()) > 9:
        raise RegistryFault(0, UNREADABLE, f"{text[:20]!r} is not a whole number", transient=True)
    return int(text)


def first_unsendable(applications: Sequence[Application]) -> str:
    """Where the first character XML cannot carry is ("application S1, FirstName: U+FFFF"),
    or "": such a request could never be sent, nor processed by the registry."""
    for application in applications:
        fields = [("ApplicationId", application.application_id),
                  ("UserReference", application.user_reference), *application.personal,
                  *_flat(application.contact),
                  *(application.document.fields if application.document else ())]  # fmt: skip
        for name, value in fields:
            found = NOT_XML.search(str(value))
            if found:
                code = f"U+{ord(found.group()):04X}"
                return f"application {application.application_id!r}, {name}: {code}"
    return ""


def _flat(pairs: tuple[tuple[str, object], ...]) -> list[tuple[str, object]]:
    flat: list[tuple[str, object]] = []
    for name, value in pairs:
        flat += _flat(value) if isinstance(value, tuple) else [(name, value)]
    return flat


# Envelopes.


def envelope(operation: str, body: Element, *, to: str = "") -> Element:
    """A SOAP 1.2 request with the WS-Addressing headers the registry expects: the tree that
    is secured (`usikit.bulk_usi.registry.security`), then serialised and sent as it is."""
    root = etree.Element(q("Envelope", SOAP), nsmap=ENVELOPE_NAMES)
    header = etree.SubElement(root, q("Header", SOAP))
    action = etree.SubElement(header, q("Action", WSA), {q("mustUnderstand", SOAP): "1"})
    action.text = ACTION.format(operation=operation)
    etree.SubElement(header, q("MessageID", WSA)).text = f"urn:uuid:{uuid.uuid4()}"
    reply = etree.SubElement(header, q("ReplyTo", WSA))
    etree.SubElement(reply, q("Address", WSA)).text = WSA + "/anonymous"
    if to:
        etree.SubElement(header, q("To", WSA), {q("mustUnderstand", SOAP): "1"}).text = to
    etree.SubElement(root, q("Body", SOAP)).append(body)
    return root


def serialise(root: Element) -> bytes:
    """The bytes sent for `root`: once serialised, never rebuilt."""
    return etree.tostring(root, encoding="utf-8", xml_declaration=True)


def header_of(root: Element) -> Element:
    header = root.find(q("Header", SOAP))
    if header is None:
        header = etree.Element(q("Header", SOAP))
        root.insert(0, header)
    return header


def message_id(root: Element) -> str:
    return (root.findtext(f"{q('Header', SOAP)}/{q('MessageID', WSA)}") or "").strip()


def _answer(root: Element, action: str, relates_to: str) -> None:
    header = etree.SubElement(root, q("Header", SOAP))
    etree.SubElement(header, q("Action", WSA), {q("mustUnderstand", SOAP): "1"}).text = action
    if relates_to:
        etree.SubElement(header, q("RelatesTo", WSA)).text = relates_to
    header.addnext(etree.Element(q("Body", SOAP)))


def response_envelope(operation: str, body: Element, relates_to: str = "") -> bytes:
    root = etree.Element(q("Envelope", SOAP), nsmap=ENVELOPE_NAMES)
    _answer(root, ACTION.format(operation=operation + "Response"), relates_to)
    root[1].append(body)
    return serialise(root)


def fault_envelope(fault: RegistryFault, relates_to: str = "") -> bytes:
    """A SOAP 1.2 fault whose detail is the registry's ErrorInfo."""
    root = _fault(fault.title, "s:Receiver" if fault.transient else "s:Sender", relates_to)
    detail = etree.SubElement(root[1][0], q("Detail", SOAP))
    info = etree.SubElement(detail, q("ErrorInfo", ERRORS), nsmap={None: ERRORS})
    etree.SubElement(info, q("Code", ERRORS)).text = str(fault.code)
    etree.SubElement(info, q("Title", ERRORS)).text = fault.title
    etree.SubElement(info, q("Message", ERRORS)).text = fault.message
    return serialise(root)


def security_fault_envelope(reason: str, subcode: str = "InvalidSecurity") -> bytes:
    """The fault a WS-Security layer answers (no ErrorInfo: it says little, on purpose)."""
    return serialise(_fault(reason, "s:Sender", "", subcode))


def _fault(reason: str, code: str, relates_to: str, subcode: str = "") -> Element:
    root = etree.Element(q("Envelope", SOAP), nsmap={**ENVELOPE_NAMES, "o": WSSE})
    _answer(root, WSA + "/fault", relates_to)
    element = etree.SubElement(root[1], q("Fault", SOAP))
    code_element = etree.SubElement(element, q("Code", SOAP))
    etree.SubElement(code_element, q("Value", SOAP)).text = code
    if subcode:
        inner = etree.SubElement(code_element, q("Subcode", SOAP))
        etree.SubElement(inner, q("Value", SOAP)).text = f"o:{subcode}"
    text = etree.SubElement(etree.SubElement(element, q("Reason", SOAP)), q("Text", SOAP))
    text.set("{http://www.w3.org/XML/1998/namespace}lang", "en")
    text.text = reason
    return element.getroottree().getroot()


def read_envelope(
    data: bytes, limits: safexml.Limits = safexml.DEFAULT_LIMITS, *, answering: str = ""
) -> tuple[str, Element]:
    """(action, the body's first element); a fault body raises RegistryFault. The element's
    tree is the whole envelope (its headers: `element.getroottree().getroot()`).
    `answering`: the MessageID of the request; an answer that relates to another message is
    not taken as this request's answer (nor its fault as a verdict on this request)."""
    try:
        root = safexml.parse(data, limits)
    except safexml.UnsafeXml as exc:
        raise RegistryFault(0, UNREADABLE, str(exc), transient=True) from None
    body = root.find(q("Body", SOAP))
    children = safexml.elements(body) if body is not None else []
    if root.tag != q("Envelope", SOAP) or not children:
        raise RegistryFault(0, UNREADABLE, "not a SOAP 1.2 envelope", transient=True)
    related = (root.findtext(f"{q('Header', SOAP)}/{q('RelatesTo', WSA)}") or "").strip()
    if answering and related and related != answering:
        raise RegistryFault(0, UNREADABLE, "the answer relates to another message", transient=True)
    action = root.findtext(f"{q('Header', SOAP)}/{q('Action', WSA)}") or ""
    first = children[0]
    if first.tag == q("Fault", SOAP):
        raise fault_from(first)
    return action.strip(), first


def fault_from(element: Element) -> RegistryFault:
    """The registry's ErrorInfo as a RegistryFault; a fault without one is judged by its SOAP
    code: the receiver's is transient, a security layer's refuses this sending only."""
    info = element.find(f".//{q('ErrorInfo', ERRORS)}")
    reason = (element.findtext(f".//{q('Text', SOAP)}") or "Fault").strip()
    if info is None:
        value = element.findtext(f"{q('Code', SOAP)}/{q('Value', SOAP)}") or ""
        subcodes = [v.rsplit(":", 1)[-1] for v in element.xpath(
            ".//s:Subcode/s:Value/text()", namespaces={"s": SOAP})]  # fmt: skip
        if any(code in SECURITY_SUBCODES for code in subcodes):
            return RegistryFault(0, "Security refused", reason, arrival=Arrival.NOT_THIS_TIME)
        return RegistryFault(0, reason, reason, transient=value.endswith("Receiver"))
    text = (info.findtext(q("Code", ERRORS)) or "").strip()
    code = int(text) if text.isdigit() and len(text) < 10 else 0
    title = info.findtext(q("Title", ERRORS)) or reason
    message = info.findtext(q("Message", ERRORS)) or ""
    return RegistryFault(code, title, message, transient=code == 1001)


# BulkUpload.


def bulk_upload(org_code: str, request_id: str, applications: Sequence[Application]) -> Element:
    root = _root("BulkUpload")
    _add(root, "OrgCode", org_code)
    _add(root, "RequestId", request_id)
    _add(root, "NoOfApplications", len(applications))
    container = etree.SubElement(root, q("Applications"))
    for application in applications:
        element = etree.SubElement(container, q("Application"))
        _add(element, "ApplicationId", application.application_id)
        _add(element, "DVSCheckRequired", "true" if application.dvs_check_required else "false")
        _add(element, "UserReference", application.user_reference)
        _add(element, "ContactDetails", application.contact)
        _add(element, "PersonalDetails", application.personal)
        if application.document is not None:
            document = etree.SubElement(
                element,
                q("DVSDocument"),
                {q("type", XSI): f"u:{application.document.registry_type}"},
            )
            for name, value in application.document.fields:
                _add(document, name, value)
        elif application.non_dvs_document_type_id is not None:
            _add(element, "NonDvsDocumentTypeId", application.non_dvs_document_type_id)
    return root


def read_bulk_upload(element: Element) -> tuple[str, str, list[Application]]:
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
                non_dvs_document_type_id=(
                    _number(non_dvs, "NonDvsDocumentTypeId") if non_dvs else None
                ),
            )
        )
    return _text(element, "OrgCode"), _text(element, "RequestId"), applications


def bulk_upload_response(receipt_number: str) -> Element:
    root = _root("BulkUploadResponse")
    _add(root, "ReceiptNumber", receipt_number)
    return root


def read_receipt(element: Element) -> str:
    return _text(element, "ReceiptNumber")


# BulkUploadRetrieve.


def bulk_upload_retrieve(receipt_number: str) -> Element:
    root = _root("BulkUploadRetrieve")
    _add(root, "ReceiptNumber", receipt_number)
    return root


def read_retrieve_request(element: Element) -> str:
    return _text(element, "ReceiptNumber")


def bulk_results_response(results: BulkResults) -> Element:
    root = _root("BulkUploadRetrieveResponse")
    _add(root, "RequestId", results.request_id)
    _add(root, "NoOfApplications", len(results.applications))
    _add(root, "NoOfApplicationsFailed", results.failed)
    container = etree.SubElement(root, q("Applications"))
    for item in results.applications:
        element = etree.SubElement(container, q("Application"))
        _add(element, "ProcessedDate", item.processed_date)
        _add(element, "ApplicationId", item.application_id)
        _add(element, "Result", item.result)
        _add(element, "IdentityDocumentVerified", item.identity_document_verified)
        if item.usi:
            _add(element, "USI", item.usi)
        if item.errors:
            errors = etree.SubElement(element, q("Errors"))
            for error in item.errors:
                _add(errors, "Error", (("Code", error.code), ("Message", error.message[:255])))
    return root


def read_bulk_results(element: Element) -> BulkResults:
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


def verify_usi(org_code: str, verification: Verification) -> Element:
    root = _root("VerifyUSI")
    _add(root, "OrgCode", org_code)
    _add(root, "USI", verification.usi)
    for name, value in _person(verification):
        _add(root, name, value)
    return root


def bulk_verify_usi(org_code: str, verifications: Sequence[Verification]) -> Element:
    root = _root("BulkVerifyUSI")
    _add(root, "OrgCode", org_code)
    _add(root, "NoOfVerifications", len(verifications))
    container = etree.SubElement(root, q("Verifications"))
    for verification in verifications:
        element = etree.SubElement(container, q("Verification"))
        _add(element, "RecordId", verification.record_id)
        _add(element, "USI", verification.usi)
        for name, value in _person(verification):
            _add(element, name, value)
    return root


def read_verifications(element: Element) -> tuple[str, list[Verification]]:
    """(org code, verifications) from a VerifyUSI or BulkVerifyUSI request."""
    items = list(element.iter(q("Verification"))) or [element]

    def one(item: Element, record_id: int) -> Verification:
        return Verification(
            record_id=_number(_text(item, "RecordId") or str(record_id), "RecordId"),
            usi=_text(item, "USI"),
            first_name=_text(item, "FirstName"),
            family_name=_text(item, "FamilyName"),
            single_name=_text(item, "SingleName"),
            date_of_birth=_text(item, "DateOfBirth"),
        )

    return _text(element, "OrgCode"), [one(item, n) for n, item in enumerate(items, start=1)]


def _verification_fields(parent: Element, result: VerificationResult) -> None:
    _add(parent, "USIStatus", result.usi_status)
    for name in ("FirstName", "FamilyName", "SingleName", "DateOfBirth"):
        if name in result.matches:
            _add(parent, name, result.matches[name])


def verify_response(result: VerificationResult) -> Element:
    root = _root("VerifyUSIResponse")
    _verification_fields(root, result)
    return root


def bulk_verify_response(results: Sequence[VerificationResult]) -> Element:
    root = _root("BulkVerifyUSIResponse")
    container = etree.SubElement(root, q("VerificationResponses"))
    for result in results:
        element = etree.SubElement(container, q("VerificationResponse"))
        _verification_fields(element, result)
        _add(element, "USI", result.usi)
        _add(element, "RecordId", result.record_id)
    return root


def read_verification_results(element: Element, usis: Sequence[str]) -> list[VerificationResult]:
    items = list(element.iter(q("VerificationResponse"))) or [element]
    if len(items) != len(usis):
        raise RegistryFault(0, UNREADABLE, f"{len(items)} verification results for "
                            f"{len(usis)} USIs", transient=True)  # fmt: skip
    results = []
    for number, item in enumerate(items):
        matches = {
            name: _text(item, name)
            for name in ("FirstName", "FamilyName", "SingleName", "DateOfBirth")
            if item.find(q(name)) is not None
        }
        results.append(
            VerificationResult(
                record_id=_answered(_text(item, "RecordId"), number + 1),
                usi=_text(item, "USI") or usis[number],
                usi_status=_text(item, "USIStatus"),
                matches=matches,
            )
        )
    return results


# GetCountries.


def get_countries(org_code: str) -> Element:
    root = _root("GetCountries")
    _add(root, "OrgCode", org_code)
    return root


def read_org_code(element: Element) -> str:
    return _text(element, "OrgCode")


def countries_response(countries: Sequence[Country]) -> Element:
    root = _root("GetCountriesResponse")
    container = etree.SubElement(root, q("Countries"))
    for country in countries:
        current = "true" if country.is_current else "false"
        details = (("CountryCode", country.code), ("Name", country.name), ("IsCurrent", current))
        _add(container, "CountryDetails", details)
    return root


def read_countries(element: Element) -> list[Country]:
    return [
        Country(_text(item, "CountryCode"), _text(item, "Name"), _text(item, "IsCurrent") == "true")
        for item in element.iter(q("CountryDetails"))
    ]
