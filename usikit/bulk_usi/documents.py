"""Identity documents (DVS): the kinds the registry verifies, and which template columns fill
each. `DOCUMENT_TYPES` is the one place that says how the shared document columns map to each
document's registry fields; the rules and the registry requests read it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from usikit.rules.headers import header_key
from usikit.rules.normalise import where_changed
from usikit.rules.textscan import among

DOCUMENT_COLUMNS = (
    "Document Number",
    "Document State",
    "Document Card Number",
    "Document Date",
    "Document Expiry",
    "Medicare IRN",
    "Medicare Card Colour",
    "Name on Document",
    "Date Printed",
)
CARD_COLOURS = ("Green", "Blue", "Yellow")
MEDICARE_NAME_LINES = (27, 25, 23, 21)
DATE_PRINTED_STATES = ("ACT", "SA")


@dataclass(frozen=True)
class DocumentType:
    """One kind of identity document and how the template's columns fill it."""

    name: str
    registry_type: str  # the DVSDocument type in the registry's schema
    fields: Mapping[str, str]  # template column -> registry field
    required: frozenset[str]
    number_pattern: str = ""
    number_hint: str = ""
    card_pattern: str = ""
    card_hint: str = ""
    aliases: tuple[str, ...] = ()
    described: str = ""  # how a message names it: "a Medicare card"


DOCUMENT_TYPES: tuple[DocumentType, ...] = (
    DocumentType(
        "Driver Licence",
        "DriversLicenceDocumentType",
        {
            "Document Number": "LicenceNumber",
            "Document State": "State",
            "Document Card Number": "CardNumber",
        },
        frozenset({"Document Number", "Document State", "Document Card Number"}),
        number_pattern="[A-Z0-9]{1,10}",
        number_hint="1 to 10 letters or digits",
        card_pattern="[A-Z0-9]{1,10}",
        card_hint="1 to 10 letters or digits, printed on the licence card",
        aliases=(
            "Drivers Licence",
            "Driver's Licence",
            "Driver License",
            "Drivers License",
            "Driving Licence",
            "Licence",
        ),
        described="a driver licence",
    ),
    DocumentType(
        "Medicare",
        "MedicareDocumentType",
        {
            "Document Number": "MedicareCardNumber",
            "Medicare IRN": "IndividualRefNumber",
            "Document Expiry": "ExpiryDate",
            "Medicare Card Colour": "CardColour",
            "Name on Document": "NameLine1",
        },
        frozenset(
            {
                "Document Number",
                "Medicare IRN",
                "Document Expiry",
                "Medicare Card Colour",
                "Name on Document",
            }
        ),
        number_pattern="[0-9]{10}",
        number_hint="10 digits as printed on the card",
        aliases=("Medicare Card",),
        described="a Medicare card",
    ),
    DocumentType(
        "Australian Passport",
        "PassportDocumentType",
        {"Document Number": "DocumentNumber"},
        frozenset({"Document Number"}),
        number_pattern="[A-Z]{1,2}[0-9]{7}",
        number_hint="1 or 2 letters then 7 digits",
        aliases=("Passport (Australian)", "Australian Passport Number", "AU Passport"),
        described="an Australian passport",
    ),
    DocumentType(
        "Visa",
        "VisaDocumentType",
        {"Document Number": "PassportNumber"},
        frozenset({"Document Number"}),
        number_pattern="[A-Z0-9]{1,14}",
        number_hint="the passport number: 1 to 14 letters or digits",
        aliases=(
            "Non-Australian Passport",
            "Foreign Passport",
            "Overseas Passport",
            "Passport with Visa",
            "Visa (non-Australian passport)",
        ),
        described="a non-Australian passport (Visa)",
    ),
    DocumentType(
        "Birth Certificate",
        "BirthCertificateDocumentType",
        {
            "Document State": "RegistrationState",
            "Document Number": "RegistrationNumber",
            "Document Date": "RegistrationDate",
            "Document Card Number": "CertificateNumber",
            "Date Printed": "DatePrinted",
        },
        frozenset({"Document State", "Document Number"}),
        number_pattern="[A-Z0-9/\\-]{1,10}",
        number_hint="the registration number: 1 to 10 characters",
        card_pattern="[A-Z0-9]{1,11}",
        card_hint="the certificate number: 1 to 11 letters or digits",
        aliases=("Birth Cert", "Australian Birth Certificate"),
        described="a birth certificate",
    ),
    DocumentType(
        "Citizenship Certificate",
        "CitizenshipCertificateDocumentType",
        {"Document Number": "StockNumber", "Document Date": "AcquisitionDate"},
        frozenset({"Document Number", "Document Date"}),
        number_pattern="[A-Z0-9/\\-]{4,11}",
        number_hint="the stock number: 4 to 11 letters, digits, '-' or '/'",
        aliases=("Citizenship", "Certificate of Citizenship", "Citizenship Cert"),
        described="a citizenship certificate",
    ),
    DocumentType(
        "Descent Certificate",
        "CertificateOfRegistrationByDescentDocumentType",
        {"Document Date": "AcquisitionDate"},
        frozenset({"Document Date"}),
        aliases=(
            "Certificate of Registration by Descent",
            "Registration by Descent",
            "Citizenship by Descent",
            "Descent",
        ),
        described="a certificate of registration by descent",
    ),
    DocumentType(
        "ImmiCard",
        "ImmiCardDocumentType",
        {"Document Number": "ImmiCardNumber"},
        frozenset({"Document Number"}),
        number_pattern="[A-Z0-9]{9}",
        number_hint="9 letters or digits",
        aliases=("Immi Card", "ImmiCard Number"),
        described="an ImmiCard",
    ),
)
DOCUMENTS_BY_NAME = {d.name: d for d in DOCUMENT_TYPES}
TYPE_NAMES = tuple(DOCUMENTS_BY_NAME)
NEEDS_DOB_BEFORE = ("Birth Certificate", "Citizenship Certificate", "Descent Certificate")


def canonical_document_types(values: pd.Series) -> pd.Series:
    """The template's name for a document type typed with other spelling or an alias."""
    odd = ~among(values, TYPE_NAMES)
    if not odd.any():
        return values
    names = {header_key(d.name): d.name for d in DOCUMENT_TYPES}
    names |= {header_key(a): d.name for d in DOCUMENT_TYPES for a in d.aliases}
    before = values[odd]
    known = before.str.lower().str.replace(r"[^0-9a-z]+", "", regex=True).map(names)
    return where_changed(values, before, known.where(known.notna(), before).astype("str"))


def medicare_name_lines(name: str) -> list[str] | None:
    """Split a name over the card's four lines at spaces; None if it does not fit."""
    lines: list[str] = []
    for word in name.split():
        if lines and len(lines[-1]) + 1 + len(word) <= MEDICARE_NAME_LINES[len(lines) - 1]:
            lines[-1] += " " + word
        elif len(lines) < len(MEDICARE_NAME_LINES) and len(word) <= MEDICARE_NAME_LINES[len(lines)]:
            lines.append(word)
        else:
            return None
    return lines
