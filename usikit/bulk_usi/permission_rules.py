"""The student's permission, as the registry's terms need it: the organisation may apply for a
USI, or find one, on a student's behalf only with the student's permission, once the student
was given the privacy notice.

`PERMISSION_RULES` check the two columns whenever they are filled; `SENDING_RULES` make them
needed for a record sent for creation or location, unless the organisation records the
permission in its own student system (then it says so when sending, and the audit trail
records that it did).
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from usikit.problems import name_checks
from usikit.rules.checks import allowed, date, filled, not_in_future
from usikit.rules.engine import Rule
from usikit.rules.normalise import where_changed
from usikit.rules.textscan import among

PERMISSION, NOTICE = "USI Permission", "Privacy Notice Date"
PERMISSION_ELSEWHERE = "permission elsewhere"  # the audit action: records sent without it
GIVEN, REFUSED = "Yes", "No"
YES_WORDS = {"yes": GIVEN, "y": GIVEN, "true": GIVEN, "given": GIVEN,
             "no": REFUSED, "n": REFUSED, "false": REFUSED}  # fmt: skip


def permission_words(values: pd.Series) -> pd.Series:
    """yes/y/true -> Yes, no/n/false -> No (normalisation; anything else is left to the rules)."""
    odd = ~among(values, (GIVEN, REFUSED, ""))  # most cells already hold Yes or No
    if not odd.any():
        return values
    before = values[odd]
    mapped = before.str.lower().map(YES_WORDS)
    return where_changed(values, before, mapped.where(mapped.notna(), before).astype("str"))


def permission_rules(today: dt.date) -> tuple[Rule, ...]:
    """The two columns' values, checked whenever they are filled."""
    return (
        allowed(PERMISSION, (GIVEN, REFUSED)),
        date(NOTICE),
        not_in_future(NOTICE, today),
    )


SENDING_RULES: tuple[Rule, ...] = (
    Rule(
        PERMISSION,
        "permission_needed",
        lambda values: values == GIVEN,
        "USI Permission is not Yes; the registry's terms need the student's permission to "
        "apply for or find a USI on their behalf: record it (Yes) and the day the privacy "
        "notice was given",
    ),
    Rule(
        NOTICE,
        "privacy_notice_needed",
        filled,
        "Privacy Notice Date is empty; the registry's terms need the student to be given the "
        "privacy notice before a USI is applied for or found on their behalf: record the day",
    ),
)

PERMISSION_CHECKS = tuple(rule.check for rule in SENDING_RULES)

name_checks(
    {
        "permission_needed": "no permission from the student",
        "privacy_notice_needed": "no privacy notice date",
    }
)
