"""The registry's version 5 messages for one person at a time (CreateUSI, LocateUSI) and its
list of evidence types (GetNonDvsDocumentTypes), built and read in both directions.

A CreateUSI request carries the same `Application` element as BulkUpload, and its answer the
same `Application` result as BulkUploadRetrieve: both are built by `messages` and moved into
their own envelope body, so one application is written one way wherever it goes.
"""

from __future__ import annotations

from lxml import etree

from usikit.bulk_usi.registry import messages
from usikit.bulk_usi.registry.base import (
    EXACT,
    Application,
    ApplicationResult,
    BulkResults,
    Locate,
    LocateResult,
    NonDvsType,
    RegistryError,
)
from usikit.bulk_usi.registry.messages import (
    UNREADABLE,
    _add,
    _answered,
    _invalid,
    _pairs,
    _root,
    _text,
)
from usikit.bulk_usi.registry.namespaces import q
from usikit.errors import RegistryFault

Element = messages.Element
LOCATE_PERSONAL = ("Gender", "FirstName", "MiddleName", "FamilyName", "SingleName",
                   "DateOfBirth", "TownCityOfBirth")  # fmt: skip
LOCATE_CONTACT = ("CountryOfResidenceCode", "EmailAddress", "Phone", "InternationalAddress",
                  "NationalAddress")  # fmt: skip


def _moved(source: Element, into: Element) -> Element:
    """`source`'s first Application element, moved into `into`."""
    application = next(source.iter(q("Application")))
    into.append(application)
    return into


# CreateUSI.


def create_usi(org_code: str, request_id: str, application: Application) -> Element:
    root = _root("CreateUSI")
    _add(root, "RequestId", request_id)
    _add(root, "OrgCode", org_code)
    return _moved(messages.bulk_upload(org_code, request_id, [application]), root)


def read_create_usi(element: Element) -> tuple[str, str, Application]:
    """(org code, request id, the application) from a CreateUSI request."""
    org_code, request_id, applications = messages.read_bulk_upload(element)
    if len(applications) != 1:
        raise _invalid("CreateUSI takes exactly one Application.")
    return org_code, request_id, applications[0]


def create_response(result: ApplicationResult) -> Element:
    built = messages.bulk_results_response(BulkResults("", (result,)))
    return _moved(built, _root("CreateUSIResponse"))


def read_create_response(element: Element) -> ApplicationResult:
    results = messages.read_bulk_results(element).applications
    if len(results) != 1:
        raise RegistryFault(0, UNREADABLE, f"{len(results)} results for one application",
                            transient=True)  # fmt: skip
    return results[0]


# LocateUSI.


def locate_usi(org_code: str, locate: Locate) -> Element:
    root = _root("LocateUSI")
    _add(root, "OrgCode", org_code)
    _add(root, "UserReference", locate.user_reference)
    personal = dict(locate.personal)
    _add(root, "PersonalDetails", tuple((n, personal[n]) for n in LOCATE_PERSONAL
                                        if personal.get(n)))  # fmt: skip
    contact = dict(locate.contact)
    _add(root, "ContactDetails", tuple((n, contact[n]) for n in LOCATE_CONTACT if contact.get(n)))
    return root


def read_locate(element: Element) -> tuple[str, Locate]:
    """(org code, the request) from a LocateUSI request."""
    personal = element.find(q("PersonalDetails"))
    if personal is None:
        raise _invalid("PersonalDetails is missing.")
    contact = element.find(q("ContactDetails"))
    locate = Locate(
        user_reference=_text(element, "UserReference"),
        personal=tuple((n, str(v)) for n, v in _pairs(personal)),
        contact=_pairs(contact) if contact is not None else (),
    )
    return _text(element, "OrgCode"), locate


def locate_response(result: LocateResult) -> Element:
    """The answer; the schema makes USI required, but only an exact match has one, so it is
    left out otherwise (and read either way)."""
    root = _root("LocateUSIResponse")
    _add(root, "Result", result.result)
    if result.usi:
        _add(root, "USI", result.usi)
    _add(root, "ContactDetailsMessage", result.contact_message)
    if result.errors:
        errors = etree.SubElement(root, q("Errors"))
        for error in result.errors:
            _add(errors, "Error", (("Code", error.code), ("Message", error.message[:255])))
    return root


def read_locate_response(element: Element) -> LocateResult:
    result = _text(element, "Result")
    usi = _text(element, "USI").strip()
    if not result:
        raise RegistryFault(0, UNREADABLE, "a LocateUSI answer without a Result", transient=True)
    return LocateResult(
        result=result,
        usi=usi if result == EXACT else "",
        contact_message=_text(element, "ContactDetailsMessage"),
        errors=tuple(
            RegistryError(_text(error, "Code"), _text(error, "Message"))
            for error in element.iter(q("Error"))
        ),
    )


# GetNonDvsDocumentTypes.


def get_non_dvs_document_types(org_code: str) -> Element:
    root = _root("GetNonDvsDocumentTypes")
    _add(root, "OrgCode", org_code)
    return root


def non_dvs_response(types: list[NonDvsType]) -> Element:
    root = _root("GetNonDvsDocumentTypesResponse")
    container = etree.SubElement(root, q("NonDvsDocumentTypes"))
    for kind in types:
        fields = (("Id", kind.id), ("DocumentType", kind.name), ("SortOrder", kind.sort_order))
        _add(container, "NonDvsDocumentType", fields)
    return root


def read_non_dvs_types(element: Element) -> list[NonDvsType]:
    return [
        NonDvsType(
            id=_answered(_text(item, "Id") or "none", 0),  # an Id is required
            name=_text(item, "DocumentType").strip(),
            sort_order=_answered(_text(item, "SortOrder"), 0),
        )
        for item in element.iter(q("NonDvsDocumentType"))
    ]
