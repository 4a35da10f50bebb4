"""What a record to verify needs: a Client ID, the USI, the names and the date of birth.

A file to verify is read as a client file (a student system's export of clients is one; the
columns verification does not use are recognised and left alone), and checked with the
client template's own rules on those columns only: a record they refuse is not sent.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from functools import cache

import pandas as pd

from usikit.bulk_usi.fields import CLIENT_FIELDS
from usikit.bulk_usi.person_rules import person_rules
from usikit.bulk_usi.validation import STEPS
from usikit.report import ValidationReport
from usikit.rules.engine import Schema
from usikit.rules.headers import match_headers
from usikit.rules.pipeline import run_validation

VERIFY_COLUMNS = ("Client ID", "USI", "First Name", "Middle Name", "Family Name", "Single Name",
                  "Date of Birth")  # fmt: skip
NEEDED = ("Client ID", "USI", "Date of Birth")  # the columns a file to verify must have
VERIFY_FIELDS = tuple(dataclasses.replace(f, required=f.name in NEEDED) for f in CLIENT_FIELDS)


@cache
def verify_schema(today: dt.date) -> Schema:
    """The client rules on the columns verification uses (and only those)."""
    rules = tuple(r for r in person_rules(today) if set(r.columns) <= set(VERIFY_COLUMNS))
    return Schema("USI verification", VERIFY_FIELDS, rules)


def validate_for_verify(
    frame: pd.DataFrame, *, today: dt.date | None = None, show_sensitive: bool = False
) -> ValidationReport:
    """Check the records of a file to verify; the report's records are normalised (upper-case
    USIs, dates as dd/mm/yyyy) and ready to send."""
    steps = tuple(s for s in STEPS if set(s.columns) & set(VERIFY_COLUMNS))
    return run_validation(
        frame,
        verify_schema(today or dt.date.today()),
        steps,
        lambda typed: match_headers(typed, VERIFY_FIELDS),
        show_sensitive=show_sensitive,
    )
