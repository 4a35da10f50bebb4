"""Reusable vectorised tests and the rules built from them.

Every test takes a column of text (empty string = blank cell) and returns a boolean mask
with True where the value passes. Format tests pass blank cells: whether a value is
required is a rule of its own.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from usikit.problems import ERROR, Severity
from usikit.rules.engine import Rule, ValueTest

DATE_FORMAT = "%d/%m/%Y"
DATE_SHAPE = r"\d{2}/\d{2}/\d{4}"


def filled(values: pd.Series) -> pd.Series:
    return values != ""


def optional(test: ValueTest) -> ValueTest:
    """Let blank cells pass `test`."""

    def passes(values: pd.Series) -> pd.Series:
        return (values == "") | test(values)

    return passes


def at_most(length: int) -> ValueTest:
    return lambda values: values.str.len() <= length


def between(shortest: int, longest: int) -> ValueTest:
    return optional(lambda values: values.str.len().between(shortest, longest))


def fullmatch(pattern: str) -> ValueTest:
    return optional(lambda values: values.str.fullmatch(pattern).fillna(False).astype(bool))


def one_of(allowed: Iterable[str]) -> ValueTest:
    choices = list(allowed)
    return optional(lambda values: values.isin(choices))


def parse_dates(values: pd.Series, fmt: str = DATE_FORMAT) -> pd.Series:
    """Dates as datetime64 (NaT for blank, malformed or impossible dates such as 31/02)."""
    shaped = values.str.fullmatch(DATE_SHAPE).fillna(False).astype(bool)
    parsed = pd.to_datetime(values.where(shaped, ""), format=fmt, errors="coerce")
    return parsed


def real_date(values: pd.Series) -> pd.Series:
    return (values == "") | parse_dates(values).notna()


# Rule constructors: the common rules read the same in every schema.


def required(column: str, message: str | None = None) -> Rule:
    return Rule(column, "required", filled, message or "{column} is empty; it must be filled in")


def max_length(column: str, length: int, severity: Severity = ERROR) -> Rule:
    return Rule(
        column,
        "max_length",
        at_most(length),
        f"{{column}} '{{value}}' is longer than {length} characters; shorten it",
        severity,
    )


def length_range(column: str, shortest: int, longest: int) -> Rule:
    size = f"{shortest}" if shortest == longest else f"{shortest} to {longest}"
    return Rule(
        column,
        "length",
        between(shortest, longest),
        f"{{column}} '{{value}}' must be {size} characters long",
    )


def pattern(column: str, regex: str, check: str, message: str) -> Rule:
    return Rule(column, check, fullmatch(regex), message)


def allowed(column: str, values: Iterable[str], check: str = "allowed_values") -> Rule:
    choices = list(values)
    listing = ", ".join(choices)
    return Rule(column, check, one_of(choices), f"{{column}} '{{value}}' is not one of: {listing}")


def date(column: str) -> Rule:
    return Rule(
        column,
        "real_date",
        real_date,
        "{column} {value} is not a real date; use dd/mm/yyyy",
    )
