"""Rules both Registration & Certification files use: the ULN, the qualification number,
dates in the future, and dates in the wrong order."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from usikit.identifiers import uln
from usikit.problems import WARNING, name_checks
from usikit.regcert.fields import ULN
from usikit.regcert.keys import QUALIFICATION_SHAPE
from usikit.rules import dates
from usikit.rules.checks import not_in_future
from usikit.rules.engine import Rule
from usikit.rules.textscan import full_match


def _uln_detail(frame: pd.DataFrame, rows: pd.Index) -> pd.Series:
    values = frame.loc[rows, ULN]
    digits = full_match(values, "[0-9]+")
    reason = pd.Series(
        "has a wrong check digit; copy it again from the learner's record", index=rows, dtype=object
    )
    reason[values.str.startswith("0").to_numpy()] = "cannot start with 0; a ULN starts with 1-9"
    reason[(values.str.len() != 10).to_numpy()] = "must be exactly 10 digits"
    reason[~digits.to_numpy()] = "must be 10 digits and nothing else"
    reason[(values == uln.TEMPORARY_ULN).to_numpy()] = (
        "is the temporary ULN; give the learner's real ULN, or allow temporary ULNs"
    )
    return reason


def uln_rule(column: str, allow_temporary: bool) -> Rule:
    """The ULN's shape and check digit (the temporary ULN only when allowed)."""
    return Rule(
        column,
        "uln",
        lambda v: (v == "") | uln.valid_mask(v, allow_temporary=allow_temporary),
        "{column} '{value}' {detail}",
        detail=_uln_detail,
        skips_blank=True,
    )


def qualification_rule(column: str) -> Rule:
    return Rule(
        column,
        "qualification_number",
        lambda v: (v == "") | full_match(v, QUALIFICATION_SHAPE),
        "{column} '{value}' is not a qualification number; use the Ofqual number such as "
        "603/1234/5 or the 8-character learning aim reference such as 60312345 or ZPROG001",
        skips_blank=True,
    )


def future_warning(column: str, today: dt.date) -> Rule:
    """A date in the future: worth a look, but a registration may be planned ahead."""
    return not_in_future(column, today, WARNING, check="in_future")


def _later_than(frame: pd.DataFrame, column: str, earlier: tuple[str, ...]) -> pd.DataFrame:
    """For each earlier date column: True where it is after `column`'s date."""
    own = dates.parse(frame[column])
    return pd.DataFrame({e: (dates.parse(frame[e]) > own).to_numpy() for e in earlier})


def date_order_rule(column: str, earlier: tuple[str, ...]) -> Rule:
    """A date before one that should come first (achieved before registered, ...)."""

    def test(frame: pd.DataFrame) -> pd.Series:
        return pd.Series(~_later_than(frame, column, earlier).any(axis=1).to_numpy(), frame.index)

    def detail(frame: pd.DataFrame, rows: pd.Index) -> pd.Series:
        part = frame.loc[rows]
        after = _later_than(part, column, earlier).to_numpy()
        texts = [
            " and ".join(
                f"{e} {part[e].iloc[i]}" for e, late in zip(earlier, flags, strict=True) if late
            )
            for i, flags in enumerate(after)
        ]
        return pd.Series(texts, index=rows, dtype=object)

    return Rule(
        column,
        "date_order",
        test,
        "{column} {value} is before the {detail}; check the dates",
        WARNING,
        uses=earlier,
        detail=detail,
        skips_blank=True,
    )


name_checks(
    {
        "uln": "not a valid ULN",
        "date_order": "dates in the wrong order",
        "qualification_number": "not a qualification number",
        "in_future": "a date in the future",
    }
)
