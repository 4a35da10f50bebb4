"""Client records (the template's columns) turned into registry applications.

The document columns map to each document's registry fields through
`usikit.bulk_usi.document_rules.DOCUMENT_TYPES`; this module adds what the wire needs: ISO dates,
the schema's field order, the Medicare name lines and the address form.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import pandas as pd

from usikit.bulk_usi.contact_rules import AUSTRALIA, international_address
from usikit.bulk_usi.documents import DOCUMENTS_BY_NAME, medicare_name_lines
from usikit.bulk_usi.registry.base import Application, Document, Locate

# Element order of each DVS document in the registry's schema (version 5).
FIELD_ORDER = {
    "DriversLicenceDocumentType": ("LicenceNumber", "State", "CardNumber"),
    "MedicareDocumentType": ("MedicareCardNumber", "IndividualRefNumber", "ExpiryDate",
                             "CardColour", "NameLine1", "NameLine2", "NameLine3", "NameLine4"),
    "PassportDocumentType": ("DocumentNumber",),
    "VisaDocumentType": ("PassportNumber",),
    "BirthCertificateDocumentType": ("RegistrationNumber", "RegistrationState",
                                     "RegistrationDate", "DatePrinted", "CertificateNumber"),
    "CitizenshipCertificateDocumentType": ("StockNumber", "AcquisitionDate"),
    "CertificateOfRegistrationByDescentDocumentType": ("AcquisitionDate",),
    "ImmiCardDocumentType": ("ImmiCardNumber",),
}  # fmt: skip
DATE_FIELDS = {"RegistrationDate", "DatePrinted", "AcquisitionDate"}


def iso_date(text: str) -> str:
    """dd/mm/yyyy -> yyyy-mm-dd (xs:date); mm/yyyy -> yyyy-mm (xs:gYearMonth)."""
    parts = text.split("/")
    if len(parts) == 3:
        return f"{parts[2]}-{parts[1]}-{parts[0]}"
    if len(parts) == 2:
        return f"{parts[1]}-{parts[0]}"
    return text


def _phone(text: str) -> str:
    return re.sub(r"[ ()\-]", "", text)


def document_of(record: Mapping[str, str]) -> Document | None:
    """The record's identity document in the registry's terms (None: no DVS document)."""
    kind = DOCUMENTS_BY_NAME.get(record.get("Document Type", ""))
    if kind is None:
        return None
    values: dict[str, str] = {}
    for column, field in kind.fields.items():
        value = record.get(column, "")
        if field == "NameLine1":
            for number, line in enumerate(medicare_name_lines(value) or [value], start=1):
                values[f"NameLine{number}"] = line
        elif field in DATE_FIELDS or field == "ExpiryDate":
            values[field] = iso_date(value) if value else ""
        else:
            values[field] = value
    ordered = tuple((f, values[f]) for f in FIELD_ORDER[kind.registry_type] if values.get(f))
    return Document(kind.registry_type, ordered)


def _personal(record: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
    if record.get("Single Name"):
        names = [("SingleName", record["Single Name"])]
    else:
        names = [("FirstName", record["First Name"])]
        if record.get("Middle Name"):
            names.append(("MiddleName", record["Middle Name"]))
        names.append(("FamilyName", record["Family Name"]))
    return (
        ("Gender", record["Gender"]),
        *names,
        ("DateOfBirth", iso_date(record["Date of Birth"])),
        ("CountryOfBirthCode", record["Country of Birth"]),
        ("TownCityOfBirth", record["Town/City of Birth"]),
        ("IsPreferredName", "false"),
    )


def _contact(record: Mapping[str, str]) -> tuple[tuple[str, object], ...]:
    contact: list[tuple[str, object]] = [("CountryOfResidenceCode", record["Country of Residence"])]
    if record.get("Email"):
        contact.append(("EmailAddress", record["Email"]))
    phones = tuple(
        (field, _phone(record[column]))
        for field, column in (("Home", "Home Phone"), ("Mobile", "Mobile Phone"))
        if record.get(column)
    )
    if phones:
        contact.append(("Phone", phones))
    if record["Country of Residence"] == AUSTRALIA:
        if record.get("Address Line 1"):
            address = [("Address1", record["Address Line 1"])]
            if record.get("Address Line 2"):
                address.append(("Address2", record["Address Line 2"]))
            address += [
                ("SuburbTownCity", record["Suburb/Town/City"]),
                ("State", record["State"]),
                ("PostCode", record["Postcode"]),
            ]
            contact.append(("NationalAddress", tuple(address)))
    else:
        joined = international_address(pd.DataFrame([dict(record)])).iloc[0]
        if joined:
            contact.append(("InternationalAddress", joined))
    return tuple(contact)


def application_from_record(
    record: Mapping[str, str],
    *,
    application_id: str,
    user_reference: str,
    non_dvs_document_type_id: int | None = None,
) -> Application:
    """One valid client record (normalised by the client rules) as a registry application."""
    document = document_of(record)
    return Application(
        application_id=application_id,
        user_reference=user_reference,
        contact=_contact(record),
        personal=_personal(record),
        document=document,
        non_dvs_document_type_id=None if document else non_dvs_document_type_id,
    )


def locate_from_record(record: Mapping[str, str], *, user_reference: str) -> Locate:
    """A valid client record as a LocateUSI request: the person and how to reach them."""
    personal = dict(_personal(record))
    order = ("Gender", "FirstName", "MiddleName", "FamilyName", "SingleName", "DateOfBirth",
             "TownCityOfBirth")  # fmt: skip
    return Locate(
        user_reference=user_reference,
        personal=tuple((name, personal[name]) for name in order if personal.get(name)),
        contact=_contact(record),
    )


def _tuples(value):
    """Lists read back from JSON as the nested tuples an Application holds."""
    if isinstance(value, list):
        return tuple(_tuples(v) for v in value)
    return value


def to_json(application: Application) -> dict:
    """A plain dict for storing exactly what was sent (tuples are written as lists)."""
    document = application.document
    return {
        "application_id": application.application_id,
        "user_reference": application.user_reference,
        "contact": application.contact,
        "personal": application.personal,
        "document": {"registry_type": document.registry_type, "fields": document.fields}
        if document
        else None,
        "non_dvs_document_type_id": application.non_dvs_document_type_id,
    }


def from_json(data: dict) -> Application:
    document = data.get("document")
    return Application(
        application_id=data["application_id"],
        user_reference=data["user_reference"],
        contact=_tuples(data["contact"]),
        personal=_tuples(data["personal"]),
        document=Document(document["registry_type"], _tuples(document["fields"]))
        if document
        else None,
        non_dvs_document_type_id=data.get("non_dvs_document_type_id"),
    )
