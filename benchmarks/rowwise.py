"""The baseline the issue asks for: the client rules written row by row in plain Python.

This is what a script looping over records would do, with dicts, `re` and `datetime`: the
same normalisation and the same checks as `usikit.bulk_usi.validation`, one record at a time, and
a message for each problem. It is a baseline only; usikit never uses it.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from pathlib import Path

from usikit.bulk_usi import countries
from usikit.bulk_usi.contact_rules import AUSTRALIAN_PHONE, INTERNATIONAL_PHONE, MOBILE, STATES
from usikit.bulk_usi.documents import DOCUMENTS_BY_NAME, medicare_name_lines
from usikit.identifiers import medicare, usi
from usikit.rules.people import EMAIL

NAME = re.compile(r"(?:[^\W\d_]|['\- ])*[^\W\d_](?:[^\W\d_]|['\- ])*")
EMAIL_SHAPE = re.compile(EMAIL)
PHONE = re.compile(f"{AUSTRALIAN_PHONE}|{INTERNATIONAL_PHONE}")
AU_PHONE, MOBILE_PHONE = re.compile(AUSTRALIAN_PHONE), re.compile(MOBILE)
PHONE_CHARACTERS = re.compile(r"\+?[0-9 ()\-]+")
DAY_FIRST = re.compile(r"([0-9]{1,2})[/.\-]([0-9]{1,2})[/.\-]([0-9]{4})")
ISO = re.compile(r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})")
LENGTHS = {"Client ID": 20, "First Name": 40, "Middle Name": 80, "Family Name": 40,
           "Single Name": 40, "Town/City of Birth": 50, "Email": 254, "Home Phone": 20,
           "Mobile Phone": 20, "Address Line 1": 50, "Address Line 2": 50,
           "Suburb/Town/City": 50}  # fmt: skip
GENDER_WORDS = {"male": "M", "m": "M", "female": "F", "f": "F", "x": "X", "other": "X"}
DATES = ("Date of Birth", "Document Date", "Date Printed")


def _countries() -> tuple[set[str], dict[str, str]]:
    table = countries.all_countries()
    codes = set(table.loc[table["kind"] == "country", "code"])
    return codes, {
        name.casefold(): code for code, name in zip(table["code"], table["name"], strict=True)
    }


def _date(text: str) -> dt.date | None:
    try:
        return dt.datetime.strptime(text, "%d/%m/%Y").date()
    except ValueError:
        return None


def _canonical(text: str) -> str:
    for pattern, order in ((DAY_FIRST, (1, 2, 3)), (ISO, (3, 2, 1))):
        found = pattern.fullmatch(text)
        if found:
            day, month, year = (found.group(i) for i in order)
            return f"{int(day):02d}/{int(month):02d}/{year}"
    return text


def validate_rows(path: Path, today: dt.date) -> list[tuple[int, str, str, str]]:
    """(row, column, check, message) for every problem found, one record at a time."""
    known_codes, code_by_name = _countries()
    oldest, youngest = today.replace(year=today.year - 120), today.replace(year=today.year - 10)
    problems: list[tuple[int, str, str, str]] = []
    first_row: dict[str, int] = {}
    first_person: dict[tuple, int] = {}
    with path.open(encoding="utf-8", newline="") as handle:
        for row, raw in enumerate(csv.DictReader(handle), start=2):

            def fail(column: str, check: str, message: str, row: int = row) -> None:
                problems.append((row, column, check, message))

            record = {k: " ".join(v.split()) for k, v in raw.items()}
            for column in ("First Name", "Middle Name", "Family Name", "Single Name"):
                record[column] = re.sub("[\u2019\u2018`\u00b4]", "'", record[column])
            for column in ("USI", "State", "Document State", "Document Number"):
                record[column] = record[column].upper()
            record["Document Number"] = record["Document Number"].replace(" ", "")
            record["Gender"] = GENDER_WORDS.get(record["Gender"].lower(), record["Gender"])
            for column in ("Country of Birth", "Country of Residence"):
                value = record[column]
                if value and value not in known_codes:
                    record[column] = code_by_name.get(value.casefold(), value)
            for column in DATES:
                if record[column]:
                    record[column] = _canonical(record[column])

            client = record["Client ID"]
            if not client:
                fail("Client ID", "required", "Client ID is empty")
            elif client in first_row:
                fail("Client ID", "duplicate_client_id", f"also used in row {first_row[client]}")
            first_row.setdefault(client, row)
            if record["USI"] and not (
                usi.is_valid(record["USI"]) or usi.is_exemption(record["USI"])
            ):
                fail("USI", "usi_check", f"USI {record['USI']} is not a valid USI")
            single = record["Single Name"]
            if not single:
                for column in ("First Name", "Family Name"):
                    if not record[column]:
                        fail(column, "required", f"{column} is empty")
            elif record["First Name"] or record["Middle Name"] or record["Family Name"]:
                fail("Single Name", "single_name_only", "either Single Name or the others")
            for column, longest in LENGTHS.items():
                value = record[column]
                if len(value) > longest:
                    fail(column, "max_length", f"{column} is too long")
                if column.endswith("Name") and value and not NAME.fullmatch(value):
                    fail(column, "name_characters", f"{column} {value} has other characters")
            born = _date(record["Date of Birth"])
            if not record["Date of Birth"]:
                fail("Date of Birth", "required", "Date of Birth is empty")
            elif born is None:
                fail("Date of Birth", "real_date", "not a real date")
            elif born > today:
                fail("Date of Birth", "not_in_future", "in the future")
            elif born < oldest:
                fail("Date of Birth", "too_old", "more than 120 years ago")
            elif born > youngest:
                fail("Date of Birth", "under_10", "younger than 10")
            key = (record["First Name"].casefold(), record["Family Name"].casefold(),
                   single.casefold(), record["Date of Birth"])  # fmt: skip
            if (record["Family Name"] or single) and record["Date of Birth"]:
                if key in first_person:
                    fail("Client ID", "same_person", f"same person as row {first_person[key]}")
                first_person.setdefault(key, row)
            if record["Gender"] not in ("M", "F", "X"):
                fail("Gender", "allowed_values", f"Gender {record['Gender']} is not M, F or X")
            if not record["Town/City of Birth"]:
                fail("Town/City of Birth", "required", "Town/City of Birth is empty")
            for column in ("Country of Birth", "Country of Residence"):
                if record[column] not in known_codes:
                    fail(column, "country", f"{column} {record[column]} is not a country")
            email = record["Email"]
            if email and not EMAIL_SHAPE.fullmatch(email):
                fail("Email", "email", f"Email {email} is not an email address")
            for column in ("Home Phone", "Mobile Phone"):
                value = record[column]
                if not value:
                    continue
                if not PHONE_CHARACTERS.fullmatch(value):
                    fail(column, "phone_characters", "other characters")
                digits = re.sub(r"[ ()\-]", "", value)
                if not PHONE.fullmatch(digits):
                    fail(column, "phone_number", "not a phone number")
                if (
                    column == "Mobile Phone"
                    and AU_PHONE.fullmatch(digits)
                    and not MOBILE_PHONE.fullmatch(digits)
                ):
                    fail(column, "mobile_landline", "a landline")
            australian = record["Country of Residence"] == "1101"
            address = [record[c] for c in ("Address Line 1", "Address Line 2", "Suburb/Town/City",
                                            "State", "Postcode")]  # fmt: skip
            if australian and any(address):
                for column in ("Address Line 1", "Suburb/Town/City", "State", "Postcode"):
                    if not record[column]:
                        fail(column, "required_for_address", f"{column} is empty")
            if australian and record["State"] and record["State"] not in STATES:
                fail("State", "state", "not a state")
            if (
                australian
                and record["Postcode"]
                and not re.fullmatch("[0-9]{4}", record["Postcode"])
            ):
                fail("Postcode", "postcode", "not 4 digits")
            if not australian and len(", ".join(a for a in address if a)) > 250:
                fail("Address Line 1", "international_address", "too long")
            _document(record, today, born, fail)
    return problems


def _document(record: dict[str, str], today: dt.date, born, fail) -> None:
    kind_name = record["Document Type"]
    columns = ("Document Number", "Document State", "Document Card Number", "Document Date",
               "Document Expiry", "Medicare IRN", "Medicare Card Colour", "Name on Document",
               "Date Printed")  # fmt: skip
    if not kind_name:
        if any(record[c] for c in columns):
            fail("Document Type", "document_type_missing", "document details without a type")
        elif not record["USI"]:
            fail("Document Type", "non_dvs", "no identity document")
        return
    kind = DOCUMENTS_BY_NAME.get(kind_name)
    if kind is None:
        fail("Document Type", "document_type", f"{kind_name} is not a document type")
        return
    for column in columns:
        value = record[column]
        if column in kind.required and not value:
            fail(column, "required_for_document", f"{column} is empty")
        if value and column not in kind.fields:
            fail(column, "not_used_for_document", f"{column} is not used")
    number = record["Document Number"]
    if number and kind.number_pattern and not re.fullmatch(kind.number_pattern, number):
        fail("Document Number", "document_number", kind.number_hint)
    card = record["Document Card Number"]
    if card and kind.card_pattern and not re.fullmatch(kind.card_pattern, card):
        fail("Document Card Number", "card_number", kind.card_hint)
    if kind.name == "Medicare":
        if len(number) == 10 and number.isdigit() and not medicare.is_valid_number(number):
            fail("Document Number", "medicare_number", "wrong check digit")
        if record["Medicare IRN"] and not medicare.is_valid_irn(record["Medicare IRN"]):
            fail("Medicare IRN", "irn", "not 1 to 9")
        colour = record["Medicare Card Colour"]
        expiry = record["Document Expiry"]
        ends = _date("01/" + expiry) if colour == "Green" else _date(expiry)
        if expiry and ends is None:
            fail("Document Expiry", "expiry_format", "not in the card's form")
        elif ends is not None and ends < today.replace(day=1):
            fail("Document Expiry", "expired", "expired")
        if record["Name on Document"] and medicare_name_lines(record["Name on Document"]) is None:
            fail("Name on Document", "medicare_name", "does not fit")
    for column in ("Document Date", "Date Printed"):
        value = record[column]
        if value:
            when = _date(value)
            if when is None:
                fail(column, "real_date", "not a real date")
            elif when > today:
                fail(column, "not_in_future", "in the future")
            elif column == "Document Date" and born and when < born and kind.name != "Medicare":
                fail(column, "before_birth", "before the date of birth")
    printed_needed = kind.name == "Birth Certificate" and record["Document State"] in ("ACT", "SA")
    if printed_needed and not record["Date Printed"]:
        fail("Date Printed", "date_printed_needed", "needed for ACT and SA")
    if record["Document State"] and record["Document State"] not in STATES:
        fail("Document State", "state", "not a state")


__all__ = ["validate_rows"]
