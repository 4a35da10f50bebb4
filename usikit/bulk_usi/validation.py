"""USI client records: the client template's rules and `validate_clients`."""

from __future__ import annotations

import datetime as dt
from functools import cache

import numpy as np
import pandas as pd
import pyarrow as pa

from usikit.bulk_usi import countries
from usikit.bulk_usi.contact_rules import CONTACT_RULES, canonical_phones, state_codes
from usikit.bulk_usi.document_rules import document_rules
from usikit.bulk_usi.documents import CARD_COLOURS, canonical_document_types
from usikit.bulk_usi.fields import CLIENT_COLUMNS, CLIENT_FIELDS, NAME_COLUMN_SETS
from usikit.bulk_usi.permission_rules import SENDING_RULES, permission_rules, permission_words
from usikit.bulk_usi.person_rules import GENDERS, person_rules
from usikit.bulk_usi.xml_rules import NOT_XML, XML_RULES
from usikit.errors import InputError
from usikit.identifiers import usi
from usikit.problems import ERROR, Problem
from usikit.report import ValidationReport
from usikit.rules import dates, textscan
from usikit.rules.distinct import known_distinct
from usikit.rules.engine import ROW_INDEX_NAME, Schema
from usikit.rules.headers import match_headers
from usikit.rules.normalise import (
    Step,
    composed,
    drop_invisible,
    drop_joiners,
    drop_text_mark,
    ordinary_forms,
    replaced_where,
    straight_apostrophes,
    tidy_spaces,
    upper,
    where_changed,
)
from usikit.rules.pipeline import run_validation
from usikit.rules.textscan import among

HAS_USI, EXEMPT = "has USI", "exempt"
# A record's status in a sentence ("the record is now ...").
STATUS_WORDS = {
    "ok": "ok",
    "error": "in error",
    HAS_USI: "one with a USI (not sent for creation)",
    EXEMPT: "exempt from a USI (not sent for creation)",
}
KNOWN_CODES = countries.all_countries()["code"].tolist()
DATE_COLUMNS = ("Date of Birth", "Document Date", "Date Printed", "Document Expiry",
                "Privacy Notice Date")  # fmt: skip
GENDER_WORDS = {
    "male": "M", "m": "M", "man": "M",
    "female": "F", "f": "F", "woman": "F",
    "x": "X", "other": "X", "non-binary": "X", "nonbinary": "X", "indeterminate": "X",
    "intersex": "X", "unspecified": "X",
}  # fmt: skip


def _genders(values: pd.Series) -> pd.Series:
    odd = ~among(values, ["", *GENDERS])  # most cells already hold M, F or X
    if not odd.any():
        return values
    before = values[odd]
    mapped = before.str.lower().map(GENDER_WORDS)
    return where_changed(values, before, mapped.where(mapped.notna(), before).astype("str"))


def _country_codes(values: pd.Series) -> pd.Series:
    named = ~among(values, KNOWN_CODES)  # most cells already hold a code
    if not named.any():
        return values
    before = values[named]
    codes = countries.lookup_codes(before)
    return where_changed(values, before, codes.where(codes != "", before))


def _card_colours(values: pd.Series) -> pd.Series:
    odd = ~among(values, CARD_COLOURS)  # most cells already hold a colour as spelt
    if not odd.any():
        return values
    before = values[odd]
    titled = before.str.capitalize()
    return where_changed(values, before, titled.where(among(titled, CARD_COLOURS), before))


def _no_spaces(values: pd.Series) -> pd.Series:
    return replaced_where(values, textscan.holding(values, " "), " ", "")


NAME_COLUMNS = ("First Name", "Middle Name", "Family Name", "Single Name")
# Columns of words (names, places, addresses), where scripts may need a zero-width joiner
# and full-width forms may be meant; every other column holds an identifier, a code or a date.
WORDS = (*NAME_COLUMNS, "Town/City of Birth", "Address Line 1", "Address Line 2",
         "Suburb/Town/City", "Name on Document")  # fmt: skip
IDENTIFIERS = tuple(c for c in CLIENT_COLUMNS if c not in WORDS)
STEPS: tuple[Step, ...] = (
    Step(CLIENT_COLUMNS, drop_text_mark, "spreadsheet text mark removed"),
    Step(CLIENT_COLUMNS, drop_invisible, "invisible character removed"),
    Step(IDENTIFIERS, drop_joiners, "invisible joiner removed"),
    Step(CLIENT_COLUMNS, composed, "accents written as one character with their letter"),
    Step(IDENTIFIERS, ordinary_forms, "full-width or special characters written as ordinary"),
    Step(CLIENT_COLUMNS, tidy_spaces, "extra spaces removed"),
    Step(NAME_COLUMNS, straight_apostrophes, "apostrophe straightened"),
    Step(("USI",), upper, "USIs are upper case"),
    Step(("State", "Document State"), state_codes, "state codes are upper case"),
    Step(("Home Phone", "Mobile Phone"), canonical_phones,
         "written as dialled from anywhere: + and the country code, no trunk 0"),
    Step(("Document Number", "Document Card Number", "Medicare IRN"), _no_spaces,
         "spaces removed from the number"),
    Step(("Document Number", "Document Card Number"), upper, "upper-cased"),
    Step(("Gender",), _genders, "written as M, F or X"),
    Step(("Country of Birth", "Country of Residence"), _country_codes,
         "country written as its SACC code"),
    Step(("Document Type",), canonical_document_types, "document type spelt as in the template"),
    Step(("Medicare Card Colour",), _card_colours, "card colour spelt as in the template"),
    Step(("USI Permission",), permission_words, "written as Yes or No"),
    Step(DATE_COLUMNS, dates.canonical_dates, "date written as dd/mm/yyyy"),
    Step(("Document Expiry",), dates.canonical_month_years, "written as mm/yyyy"),
)  # fmt: skip


@cache
def client_schema(today: dt.date, needs_permission: bool = False) -> Schema:
    """The client template's schema for validations run on `today`; with `needs_permission`,
    for records sent for creation or location (the student's permission is needed)."""
    rules = (*person_rules(today), *CONTACT_RULES, *document_rules(today), *XML_RULES,
             *permission_rules(today), *(SENDING_RULES if needs_permission else ()))  # fmt: skip
    return Schema("clients", CLIENT_FIELDS, rules, labels=_labels)


def _labels(frame: pd.DataFrame) -> pd.Series:
    """'has USI' and 'exempt' records are valid and are never sent for creation."""
    found = known_distinct(frame["USI"])  # each USI checked once where they repeat
    checked = frame["USI"] if found is None else found.values
    kind = np.zeros(len(checked), dtype=np.int8)  # a number per value, its text taken once
    kind[usi.valid_mask(checked).to_numpy()] = 1
    kind[usi.exemption_mask(checked).to_numpy()] = 2
    if found is not None:
        kind = found.spread(kind)
    texts = pa.array(["", HAS_USI, EXEMPT], type=pa.large_string())
    return pd.Series(texts.take(kind), index=frame.index, dtype="str")  # compared in Arrow


def _missing_names(headers: pd.DataFrame) -> list[Problem]:
    """Either First and Family Name or Single Name must be columns of the file."""
    present = set(headers["read_as"])
    if any(all(c in present for c in names) for names in NAME_COLUMN_SETS):
        return []
    return [
        Problem(
            None,
            "First Name",
            "",
            "missing_column",
            ERROR,
            "The file has no name columns; add First Name and Family Name (and Single Name "
            "for people with one name)",
        )
    ]


def validate_clients(
    frame: pd.DataFrame,
    *,
    today: dt.date | None = None,
    show_sensitive: bool = False,
    needs_permission: bool = False,
) -> ValidationReport:
    """Check client records against every rule the USI Registry applies, and our policy.

    Headers are matched forgivingly, values are normalised (each change reported as a
    warning), and the report's `records` are the normalised records ready for a batch.
    Dates of birth and document numbers are masked in the report unless `show_sensitive`.
    `needs_permission`: the records are to be sent for creation or location, so the
    student's permission and the privacy notice's date are needed
    (`usikit.bulk_usi.permission_rules`).
    """
    schema = client_schema(today or dt.date.today(), needs_permission)
    return validate_with(frame, schema, show_sensitive=show_sensitive)


def validate_with(
    frame: pd.DataFrame, schema: Schema, *, show_sensitive: bool = False
) -> ValidationReport:
    """`validate_clients` with a given client schema (a file read in chunks passes one whose
    checks across records cover the whole file)."""
    _no_lone_surrogates(frame)
    return run_validation(
        frame,
        schema,
        STEPS,
        lambda typed: match_headers(typed, CLIENT_FIELDS),
        show_sensitive=show_sensitive,
        more_problems=_missing_names,
    )


def _no_lone_surrogates(frame: pd.DataFrame) -> None:
    """A lone surrogate cannot even be held as text for the rules (only a frame of Python
    objects can hold one): refused here, naming the cell."""
    numbered = frame.index.name == ROW_INDEX_NAME  # else rows count from 2, as in a sheet
    for column in frame.columns[[dtype is np.dtype(object) for dtype in frame.dtypes]]:
        for position, value in enumerate(frame[column]):
            found = NOT_XML.search(value) if isinstance(value, str) else None
            if found and 0xD800 <= ord(found.group()) <= 0xDFFF:
                row = frame.index[position] if numbered else position + 2
                raise InputError(
                    f"row {row}, {column}: U+{ord(found.group()):04X} is a lone surrogate, a "
                    "character the registry's XML cannot carry; type the value again"
                )


def records_to_create(report: ValidationReport) -> pd.DataFrame:
    """The records a create-USI batch should send: valid, without a USI or exemption."""
    return report.records[(report.status == "ok").to_numpy()]
