"""Reusable vectorised tests and the rules built from them.

Every test takes a column of text (empty string = blank cell) and returns a boolean mask
with True where the value passes. Format tests pass blank cells: whether a value is
required is a rule of its own.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import numpy as np
import pandas as pd

from usikit.problems import ERROR, Severity, name_checks
from usikit.rules import dates, textscan
from usikit.rules.engine import Rule, ValueTest, filled_cells
from usikit.rules.memo import column_of
from usikit.rules.textscan import among, full_match


def filled(values: pd.Series) -> np.ndarray:
    """Which cells hold something (once per column and validation, from the offsets of the
    column's byte buffer, read-only: many rules ask, and a comparison of every cell with ""
    cost each of them more than the rest of its work on a small file)."""
    return filled_cells(values)


def filled_in(frame: pd.DataFrame, column: str) -> np.ndarray:
    """`filled` for a column of the records being validated (the column taken once)."""
    return filled_cells(column_of(frame, column))


def any_filled(frame: pd.DataFrame, columns: Iterable[str]) -> np.ndarray:
    """Records with any of `columns` filled (one array, not a frame of the columns)."""
    return np.logical_or.reduce([filled_in(frame, c) for c in columns])


def optional(test: ValueTest) -> ValueTest:
    """Let blank cells pass `test` (which cells are blank is worked out once per column: a
    comparison of its own cost each rule more than the rule itself on a small file)."""

    def passes(values: pd.Series) -> np.ndarray:
        return ~filled_cells(values) | np.asarray(test(values), dtype=bool)

    return passes


def at_most(length: int) -> ValueTest:
    """At most `length` characters: a cell of no more bytes has no more characters, so only
    the longer cells (beyond ASCII, or too long) are counted character by character."""

    def passes(values: pd.Series) -> np.ndarray:
        ok = textscan.cell_lengths(values) <= length
        longer = np.flatnonzero(~ok)
        if longer.size:
            ok[longer] = (values.iloc[longer].str.len() <= length).to_numpy(dtype=bool)
        return ok

    return passes


def between(shortest: int, longest: int) -> ValueTest:
    return optional(lambda values: values.str.len().between(shortest, longest))


def fullmatch(pattern: str) -> ValueTest:
    return optional(lambda values: full_match(values, pattern))


def one_of(allowed: Iterable[str]) -> ValueTest:
    choices = list(allowed)
    return optional(lambda values: among(values, choices))


# Rule constructors: the common rules read the same in every schema.


def required(column: str, message: str | None = None) -> Rule:
    said = message or "{column} is empty; it must be filled in"
    return Rule(column, "required", filled, said, direct=True)


def max_length(column: str, length: int, severity: Severity = ERROR) -> Rule:
    return Rule(
        column,
        "max_length",
        at_most(length),
        f"{{column}} '{{value}}' is longer than {length} characters; shorten it",
        severity,
        skips_blank=True,
    )


def length_range(column: str, shortest: int, longest: int) -> Rule:
    size = f"{shortest}" if shortest == longest else f"{shortest} to {longest}"
    return Rule(
        column,
        "length",
        between(shortest, longest),
        f"{{column}} '{{value}}' must be {size} characters long",
        skips_blank=True,
    )


def pattern(column: str, regex: str, check: str, message: str) -> Rule:
    return Rule(column, check, fullmatch(regex), message, skips_blank=True)


def allowed(column: str, values: Iterable[str], check: str = "allowed_values") -> Rule:
    choices = list(values)
    listing = ", ".join(choices)
    message = f"{{column}} '{{value}}' is not one of: {listing}"
    return Rule(column, check, one_of(choices), message, skips_blank=True)


def date(column: str) -> Rule:
    """A real date in dd/mm/yyyy, with the reason in words when it is not."""

    def detail(frame: pd.DataFrame, rows: pd.Index) -> pd.Series:
        return dates.why_not_a_date(frame.loc[rows, column])

    return Rule(
        column,
        "real_date",
        lambda v: (v == "") | dates.parse(v).notna(),
        "{column} {value} {detail}; use dd/mm/yyyy",
        detail=detail,
        skips_blank=True,
    )


def not_in_future(
    column: str, today: dt.date, severity: Severity = ERROR, check: str = "not_in_future"
) -> Rule:
    """A date that is not after `today` (an error, or the warning of another `check`)."""
    limit = pd.Timestamp(today)
    return Rule(
        column,
        check,
        lambda v: ~(dates.parse(v) > limit),
        "{column} {value} is in the future; check the year",
        severity,
        skips_blank=True,
    )


name_checks(
    {
        "required": "empty but needed",
        "max_length": "too long",
        "length": "the wrong length",
        "allowed_values": "not one of the values allowed",
        "real_date": "not a real date",
        "not_in_future": "a date in the future",
        "phone_characters": "characters a phone number cannot hold",
    }
)
