"""The nearest Table Schema to the client rules, for the frictionless baseline.

Frictionless checks types, required fields, lengths, patterns, enumerations and uniqueness;
the client rules that depend on several columns (documents, addresses, names) have no Table
Schema equivalent, so frictionless does less work than usikit here.
"""

from __future__ import annotations

from pathlib import Path

from usikit.bulk_usi.contact_rules import STATES
from usikit.bulk_usi.documents import CARD_COLOURS, TYPE_NAMES
from usikit.bulk_usi.fields import CLIENT_FIELDS
from usikit.bulk_usi.person_rules import GENDERS

LENGTHS = {"Client ID": 20, "First Name": 40, "Middle Name": 80, "Family Name": 40,
           "Single Name": 40, "Town/City of Birth": 50, "Email": 254, "Home Phone": 20,
           "Mobile Phone": 20, "Address Line 1": 50, "Address Line 2": 50,
           "Suburb/Town/City": 50, "Name on Document": 96}  # fmt: skip
PATTERNS = {
    "USI": "[2-9A-HJ-NP-Z]{10}|INTOFF|INDIV",
    "Country of Birth": "[0-9]{4}",
    "Country of Residence": "[0-9]{4}",
    "Postcode": "[0-9]{4}",
    "Medicare IRN": "[1-9]",
    "Home Phone": r"\+?[0-9 ()\-]+",
    "Mobile Phone": r"\+?[0-9 ()\-]+",
}
ENUMS = {"Gender": GENDERS, "State": STATES, "Document State": STATES,
         "Document Type": TYPE_NAMES, "Medicare Card Colour": CARD_COLOURS}  # fmt: skip
DATES = ("Date of Birth", "Document Date", "Date Printed")


def table_schema() -> dict:
    fields = []
    for field in CLIENT_FIELDS:
        constraints: dict[str, object] = {}
        if field.required:
            constraints["required"] = True
        if field.name in LENGTHS:
            constraints["maxLength"] = LENGTHS[field.name]
        if field.name in PATTERNS:
            constraints["pattern"] = PATTERNS[field.name]
        if field.name in ENUMS:
            constraints["enum"] = list(ENUMS[field.name])
        if field.name == "Client ID":
            constraints["unique"] = True
        described: dict[str, object] = {"name": field.name, "type": "string"}
        if field.name in DATES:
            described = {"name": field.name, "type": "date", "format": "%d/%m/%Y"}
        if field.name == "Email":
            described["format"] = "email"
        if constraints:
            described["constraints"] = constraints
        fields.append(described)
    return {"fields": fields, "missingValues": [""]}


def validate_with_frictionless(path: Path) -> int:
    """Validate the file as frictionless does; the number of errors it found."""
    from frictionless import Resource, Schema

    # frictionless refuses absolute paths as "not safe": give it the folder as its base.
    resource = Resource(
        path=path.name, basepath=str(path.parent), schema=Schema.from_descriptor(table_schema())
    )
    report = resource.validate(limit_errors=10**9)
    kinds = {kind for (kind,) in report.flatten(["type"])}
    if kinds & {"resource-error", "source-error", "scheme-error", "format-error"}:
        raise RuntimeError(f"frictionless could not read {path}: {report.flatten(['note'])[0]}")
    if report.stats["errors"] == 0:
        raise RuntimeError(f"frictionless found none of the mistakes in {path}")
    return report.stats["errors"]
