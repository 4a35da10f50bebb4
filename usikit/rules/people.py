"""Checks about people that every kind of file shares: names, email addresses, a date of
birth within a lifetime, and the other rows a duplicate shares its key with."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from usikit.problems import name_checks
from usikit.rules import dates
from usikit.rules.engine import Rule
from usikit.rules.textscan import full_match

# Policy: letters of any alphabet (with their accents), spaces, apostrophes and hyphens.
NAME_PATTERN = r"[\p{L}\p{M}' \-]*\p{L}[\p{L}\p{M}' \-]*"
ASCII_NAME = r"[A-Za-z' \-]*[A-Za-z][A-Za-z' \-]*"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
EMAIL = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@" + (
    _LABEL + r"(?:\." + _LABEL + r")+"
)
OLDEST_YEARS = 120  # policy: a date of birth further back is a mistake
SHOWN_OTHERS = 5  # a duplicate's message names at most this many other rows


def is_name(values: pd.Series) -> pd.Series:
    """Letters of any alphabet with single spaces, apostrophes and hyphens between them."""
    ok = ((values == "") | full_match(values, ASCII_NAME)).to_numpy(copy=True)  # most: cheap
    rest = np.flatnonzero(~ok)
    if rest.size:
        ok[rest] = full_match(values.iloc[rest], NAME_PATTERN).to_numpy()
    return pd.Series(ok, index=values.index)


def not_too_old(column: str, today: dt.date) -> Rule:
    """A date of birth at most OLDEST_YEARS before `today`."""
    oldest = pd.Timestamp(today) - pd.DateOffset(years=OLDEST_YEARS)
    return Rule(
        column,
        "too_old",
        lambda v: ~(dates.parse(v) < oldest),
        f"{{column}} {{value}} is more than {OLDEST_YEARS} years ago; check the year",
        skips_blank=True,
    )


def others_in_group(keys: pd.Series) -> pd.Series:
    """For each row, the other rows with the same key: '7, 9 and 3 more'.

    `keys` holds the failing rows only: every member of a duplicate group fails too.
    """
    rows = keys.index.to_numpy()
    text = np.empty(len(keys), dtype=object)
    codes, _ = pd.factorize(keys)
    order = np.argsort(codes, kind="stable")
    bounds = np.flatnonzero(np.diff(codes[order])) + 1
    starts = np.concatenate([[0], bounds])
    sizes = np.diff(np.concatenate([starts, [len(order)]]))
    # Most duplicates come in pairs: each names the other, in one vectorised step.
    pairs = starts[sizes == 2]
    first, second = order[pairs], order[pairs + 1]
    text[first] = rows[second].astype(str)
    text[second] = rows[first].astype(str)
    for start, size in zip(starts[sizes != 2], sizes[sizes != 2], strict=True):
        positions = order[start : start + size]
        members = rows[positions]
        head = members[: SHOWN_OTHERS + 1]
        for position, row in zip(positions, members, strict=True):
            others = [str(r) for r in head if r != row][:SHOWN_OTHERS]
            more = len(members) - 1 - len(others)
            text[position] = ", ".join(others) + (f" and {more} more" if more > 0 else "")
    return pd.Series(text, index=keys.index)


name_checks(
    {
        "too_old": "born more than 120 years ago",
        "name_characters": "characters a name cannot hold",
        "email": "not an email address",
    }
)
