"""Dates as people type them, turned into the users' convention dd/mm/yyyy."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from usikit.rules import textscan
from usikit.rules.memo import shared_per_value
from usikit.rules.textscan import full_match

CANONICAL = r"[0-9]{2}/[0-9]{2}/[0-9]{4}"
DAY_FIRST = r"([0-9]{1,2})[/.\-]([0-9]{1,2})[/.\-]([0-9]{4})(?: 00:00(?::00)?)?"
ISO = r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})(?:[T ]00:00(?::00(?:\.0+)?)?)?"
TWO_DIGIT_YEAR = r"[0-9]{1,2}[/.\-][0-9]{1,2}[/.\-][0-9]{2}"
MONTH_YEAR = r"([0-9]{1,2})[/.\-]([0-9]{4})"
ISO_MONTH = r"([0-9]{4})-([0-9]{1,2})"
DATE_FORMAT = "%d/%m/%Y"
ISO_SHAPE, ISO_TO_DAY_FIRST = "9999-99-99", (8, 9, "/", 5, 6, "/", 0, 1, 2, 3)

NOT_REAL = "is not a real date"
TWO_DIGITS = "has a two-digit year (write all four digits)"
NOT_A_DATE = "is not a date"


def canonical_dates(values: pd.Series) -> pd.Series:
    """dd/mm/yyyy for every value written day-first or as ISO yyyy-mm-dd; others unchanged.

    Only the reading is changed here; whether the date exists is `parse`'s job.
    """
    # Month-year values (a green Medicare card's expiry) are not dates to rewrite here.
    written = textscan.fits(values, "99/99/9999") | textscan.fits(values, "99/9999")
    # yyyy-mm-dd, as other systems export every date: rewritten in the column's buffer.
    iso = textscan.fits(values, ISO_SHAPE) & (not values.hasnans)  # (the buffer has no gaps)
    todo = np.flatnonzero((values != "").to_numpy() & ~written & ~iso)  # most: nothing to do
    result = textscan.rearranged(values, ISO_SHAPE, ISO_TO_DAY_FIRST) if iso.any() else values
    if not todo.size:
        return result
    pending = values.iloc[todo]
    pending = pending[~_fullmatch(pending, f"{CANONICAL}|[0-9]{{1,2}}/[0-9]{{4}}").to_numpy()]
    if pending.empty:
        return result
    for pattern, order in ((DAY_FIRST, (0, 1, 2)), (ISO, (2, 1, 0))):
        parts = pending.str.extract(f"^{pattern}$")
        found = parts[0].notna()
        if found.any():
            if result is values:  # the column itself is returned when nothing changes
                result = values.copy()
            day, month, year = (parts.loc[found, i] for i in order)
            result.loc[found[found].index] = (
                day.str.zfill(2) + "/" + month.str.zfill(2) + "/" + year
            )
        pending = pending[~found]
    return result


@shared_per_value
def parse(values: pd.Series) -> pd.Series:
    """Dates as datetime64; NaT for blank, malformed or impossible dates such as 31/02."""
    unreadable = "00/00/0000"  # has the shape, so every step below can run, and is no date
    shaped = textscan.fits(values, "99/99/9999")
    text = pa.array(values.where(shaped, unreadable), type=pa.large_string())
    parsed = pc.strptime(text, format=DATE_FORMAT, unit="s", error_is_null=True)
    # strptime rolls 31/02 over into March: a real date keeps the day it was written with.
    written_day = pc.cast(pc.utf8_slice_codeunits(text, 0, 2), pa.int64(), safe=False)
    real = pc.equal(pc.day(parsed), written_day)
    dated = pc.if_else(pc.fill_null(real, False), parsed, pa.scalar(None, parsed.type))
    return pd.Series(
        dated.to_numpy(zero_copy_only=False), index=values.index, dtype="datetime64[s]"
    )


def why_not_a_date(values: pd.Series) -> pd.Series:
    """For values that failed `parse`, the reason in words, for the error message."""
    reason = pd.Series(NOT_A_DATE, index=values.index, dtype=object)
    reason[_fullmatch(values, CANONICAL)] = NOT_REAL
    reason[_fullmatch(values, TWO_DIGIT_YEAR)] = TWO_DIGITS
    return reason


def canonical_month_years(values: pd.Series) -> pd.Series:
    """mm/yyyy for month-year values (a Medicare green card's expiry: 11/2029, 11-2029, or
    ISO 2029-11); others unchanged."""
    odd = (values != "") & ~_fullmatch(values, r"[0-9]{2}/[0-9]{4}|[0-9]{2}/[0-9]{2}/[0-9]{4}")
    if not odd.any():
        return values
    result = values.copy()
    changed = False
    for pattern, month, year in ((MONTH_YEAR, 0, 1), (ISO_MONTH, 1, 0)):
        parts = values[odd].str.extract(f"^{pattern}$")
        found = parts[0].notna()
        if found.any():
            rows = found.index[found.to_numpy()]
            result[rows] = parts.loc[rows, month].str.zfill(2) + "/" + parts.loc[rows, year]
            changed = True
    return result if changed else values


def parse_month_years(values: pd.Series) -> pd.Series:
    """The first day of the month for mm/yyyy values; NaT otherwise."""
    shaped = _fullmatch(values, r"[0-9]{2}/[0-9]{4}")
    return parse(("01/" + values).where(shaped, ""))


def _fullmatch(values: pd.Series, pattern: str) -> pd.Series:
    return full_match(values, pattern)
