"""The baseline the issue asks for: the client rules written row by row in plain Python.

This is what a script that loops over records would do (dicts, `re`, `datetime`). It is a
baseline only: usikit never uses it. It covers the rules that cost the most (shapes,
dates, lengths, identifiers, duplicates); usikit checks more, so the comparison favours
the baseline.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from pathlib import Path

from usikit.identifiers import medicare, usi

NAME = re.compile(r"[^\W\d_](?:[^\W\d_]|['\- ])*")
EMAIL = re.compile(r"[^@\s]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+")
PHONE = re.compile(r"(?:\+61|0)[2-478][0-9]{8}|1[38]00[0-9]{6}|13[0-9]{4}")
POSTCODE = re.compile(r"[0-9]{4}")
STATES = {"NSW", "VIC", "QLD", "SA", "WA", "TAS", "NT", "ACT"}
LENGTHS = {"First Name": 40, "Middle Name": 80, "Family Name": 40, "Single Name": 40,
           "Town/City of Birth": 50, "Address Line 1": 50, "Suburb/Town/City": 50}  # fmt: skip


def _date(text: str) -> dt.date | None:
    try:
        return dt.datetime.strptime(text, "%d/%m/%Y").date()
    except ValueError:
        return None


def validate_rows(path: Path, today: dt.date) -> list[tuple[int, str, str]]:
    """(row, column, check) for every problem found, one record at a time."""
    problems: list[tuple[int, str, str]] = []
    seen: dict[str, int] = {}
    with path.open(encoding="utf-8", newline="") as handle:
        for row, record in enumerate(csv.DictReader(handle), start=2):

            def fail(column: str, check: str, row: int = row) -> None:
                problems.append((row, column, check))

            client = record["Client ID"].strip()
            if not client:
                fail("Client ID", "required")
            elif client in seen:
                fail("Client ID", "duplicate_client_id")
            seen.setdefault(client, row)
            value = record["USI"].strip().upper()
            if value and not (usi.is_valid(value) or usi.is_exemption(value)):
                fail("USI", "usi_check")
            for column, longest in LENGTHS.items():
                text = " ".join(record[column].split())
                if len(text) > longest:
                    fail(column, "max_length")
                if column.endswith("Name") and text and not NAME.fullmatch(text):
                    fail(column, "name_characters")
            if not record["Single Name"] and not record["First Name"]:
                fail("First Name", "required")
            if not record["Single Name"] and not record["Family Name"]:
                fail("Family Name", "required")
            born = _date(record["Date of Birth"])
            if born is None:
                fail("Date of Birth", "real_date")
            elif born > today or born.year < today.year - 120:
                fail("Date of Birth", "range")
            if record["Gender"] not in ("M", "F", "X"):
                fail("Gender", "allowed_values")
            if not record["Town/City of Birth"]:
                fail("Town/City of Birth", "required")
            if record["Email"] and not EMAIL.fullmatch(record["Email"]):
                fail("Email", "email")
            for column in ("Home Phone", "Mobile Phone"):
                digits = re.sub(r"[ ()\-]", "", record[column])
                if digits and not PHONE.fullmatch(digits):
                    fail(column, "phone_number")
            if record["State"] and record["State"] not in STATES:
                fail("State", "state")
            if record["Postcode"] and not POSTCODE.fullmatch(record["Postcode"]):
                fail("Postcode", "postcode")
            kind, number = record["Document Type"], record["Document Number"].replace(" ", "")
            if kind == "Medicare":
                if not medicare.is_valid_number(number):
                    fail("Document Number", "medicare_number")
                if (
                    _date("01/" + record["Document Expiry"]) is None
                    and _date(record["Document Expiry"]) is None
                ):
                    fail("Document Expiry", "expiry_format")
            elif kind == "Driver Licence" and not record["Document Card Number"]:
                fail("Document Card Number", "required_for_document")
            elif kind == "Australian Passport" and not re.fullmatch(r"[A-Z]{1,2}[0-9]{7}", number):
                fail("Document Number", "document_number")
    return problems
