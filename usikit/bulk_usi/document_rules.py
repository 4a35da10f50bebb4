"""The rules of the identity-document columns, for each kind of document
(`usikit.bulk_usi.documents.DOCUMENT_TYPES` says which columns each kind uses)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from usikit.bulk_usi.contact_rules import STATES
from usikit.bulk_usi.documents import (
    CARD_COLOURS,
    DATE_PRINTED_STATES,
    DOCUMENT_COLUMNS,
    DOCUMENT_TYPES,
    MEDICARE_NAME_LINES,
    NEEDS_DOB_BEFORE,
    TYPE_NAMES,
    medicare_name_lines,
)
from usikit.identifiers import medicare
from usikit.problems import WARNING, name_checks
from usikit.rules import dates
from usikit.rules.checks import any_filled, date, filled, filled_in, not_in_future
from usikit.rules.engine import Rule
from usikit.rules.memo import column_of, shared_per_value
from usikit.rules.textscan import among, full_match, positions_in


def _type(frame: pd.DataFrame) -> pd.Series:
    return column_of(frame, "Document Type")


@shared_per_value
def kind_numbers(values: pd.Series) -> np.ndarray:
    """Each record's document type as its position in DOCUMENT_TYPES (-1: none or unknown)."""
    return positions_in(values, TYPE_NAMES)


def _kinds(names: list[str]) -> np.ndarray:
    """A look-up by type number, True at the places of `names` (the last place of the table
    stands for none or unknown, numbered -1): a record's answer is one index into it."""
    table = np.zeros(len(TYPE_NAMES) + 1, dtype=bool)
    table[[TYPE_NAMES.index(n) for n in names]] = True
    return table


def _kind_of(frame: pd.DataFrame) -> np.ndarray:
    return kind_numbers(_type(frame))


def _is_kind(frame: pd.DataFrame, names: list[str]) -> np.ndarray:
    """Whether each record's document type is one of `names`."""
    return _kinds(names)[_kind_of(frame)]


def _types_where(predicate) -> list[str]:
    return [d.name for d in DOCUMENT_TYPES if predicate(d)]


def _type_detail(frame: pd.DataFrame, rows: pd.Index) -> pd.Series:
    return frame.loc[rows, "Document Type"].map({d.name: d.described for d in DOCUMENT_TYPES})


def _required_for_type(column: str) -> Rule:
    needing = _kinds(_types_where(lambda d: column in d.required))
    return Rule(
        column,
        "required_for_document",
        lambda f: ~needing[_kind_of(f)] | filled_in(f, column),
        "{column} is empty; {detail} needs it",
        uses=("Document Type",),
        detail=_type_detail,
        direct=True,
    )


def _not_used_by_type(column: str) -> Rule:
    free = _kinds(_types_where(lambda d: column in d.fields))
    free[-1] = True  # no type, or one not known: `document_type` says so
    return Rule(
        column,
        "not_used_for_document",
        lambda f: ~filled_in(f, column) | free[_kind_of(f)],
        "{column} is not used for {detail}; it will not be sent (clear it to be sure)",
        severity=WARNING,
        uses=("Document Type",),
        detail=_type_detail,
        skips_blank=True,
        direct=True,
    )


def _pattern_rule(column: str, check: str, pattern_of, hint_of) -> Rule:
    """`column` must match the pattern the document type declares for it."""
    shaped = [d for d in DOCUMENT_TYPES if pattern_of(d)]
    # A type's place among the shaped ones, by its number (the last place: none or unknown).
    shaped_at = np.full(len(TYPE_NAMES) + 1, -1)
    for number, document in enumerate(shaped):
        shaped_at[TYPE_NAMES.index(document.name)] = number

    def test(frame: pd.DataFrame) -> np.ndarray:
        kind = shaped_at[_kind_of(frame)]  # the types looked up once per validation
        present = filled(frame[column])
        ok = (kind < 0) | ~present
        values = frame[column]
        for number, document in enumerate(shaped):
            rows = np.flatnonzero((kind == number) & present)
            if rows.size:  # taken by position: a mask over every record costs each type a pass
                ok[rows] = full_match(values.iloc[rows], pattern_of(document)).to_numpy()
        return ok

    def detail(frame: pd.DataFrame, rows: pd.Index) -> pd.Series:
        return frame.loc[rows, "Document Type"].map({d.name: hint_of(d) for d in shaped})

    return Rule(
        column,
        check,
        test,
        "{column} {value} is not in the right form for this document: {detail}",
        uses=("Document Type",),
        detail=detail,
    )


BIRTH_CERTIFICATE = _kinds(["Birth Certificate"])


def _date_printed_given(frame: pd.DataFrame) -> np.ndarray:
    """A date printed, wherever a birth certificate of a state that prints one needs it (the
    state looked up for the birth certificates without one only)."""
    ok = ~BIRTH_CERTIFICATE[_kind_of(frame)] | filled_in(frame, "Date Printed")
    undated = np.flatnonzero(~ok)
    if undated.size:
        state = column_of(frame, "Document State").iloc[undated]
        ok[undated] = ~among(state, DATE_PRINTED_STATES).to_numpy()
    return ok


def _medicare_rows(frame: pd.DataFrame) -> np.ndarray:
    return _is_kind(frame, ["Medicare"])


def _medicare_number_ok(frame: pd.DataFrame) -> np.ndarray:
    cards = np.flatnonzero(_medicare_rows(frame))
    ok = np.ones(len(frame), dtype=bool)
    if cards.size:
        checks = medicare.number_checks(frame["Document Number"].iloc[cards])
        fine = ~checks["ten_digits"] | checks.drop(columns="ten_digits").all(axis=1)
        ok[cards] = fine.to_numpy(dtype=bool)
    return ok


def _medicare_detail(frame: pd.DataFrame, rows: pd.Index) -> pd.Series:
    checks = medicare.number_checks(frame.loc[rows, "Document Number"])
    reason = pd.Series(
        "has a wrong check digit (the 9th digit); check for a typing mistake",
        index=rows,
        dtype=object,
    )
    reason[~checks["issue_number"]] = "ends in issue number 0, which is never printed on a card"
    reason[~checks["first_digit"]] = "cannot start with that digit (card numbers start with 2-6)"
    return reason


def _expiry_ok(today: dt.date):
    """A green card shows a month (mm/yyyy; a full date, as an Excel date cell holds one, is
    read as its month), blue and yellow cards a day; a card expires at the end of its day or
    month."""
    now = pd.Timestamp(today)

    def test(frame: pd.DataFrame) -> pd.Series:
        expiry = frame["Document Expiry"]
        colour = frame["Medicare Card Colour"]
        green = colour == "Green"
        month = dates.parse_month_years(expiry)
        day = dates.parse(expiry)
        shaped = (green & (month.notna() | day.notna())) | (
            ~green & among(colour, CARD_COLOURS) & day.notna()
        )
        return ~_medicare_rows(frame) | (expiry == "") | ~among(colour, CARD_COLOURS) | shaped

    def current(frame: pd.DataFrame) -> pd.Series:
        expiry = frame["Document Expiry"]
        green = frame["Medicare Card Colour"] == "Green"
        day = dates.parse(expiry)
        month_end = dates.parse_month_years(expiry).fillna(day) + pd.offsets.MonthEnd(0)
        ends = month_end.where(green, day.fillna(month_end))
        return ~_medicare_rows(frame) | ~(ends < now)

    return test, current


def _expiry_detail(frame: pd.DataFrame, rows: pd.Index) -> pd.Series:
    green = frame.loc[rows, "Medicare Card Colour"] == "Green"
    return green.map(
        {True: "a green card shows mm/yyyy", False: "blue and yellow cards show dd/mm/yyyy"}
    )


def _name_fits(values: pd.Series) -> pd.Series:
    fits = values.str.len() <= MEDICARE_NAME_LINES[0]
    long = values[~fits]
    if not long.empty:
        fits[long.index] = long.map(lambda name: medicare_name_lines(name) is not None)
    return fits.astype(bool)


def _not_before_birth(frame: pd.DataFrame) -> pd.Series:
    issued = dates.parse(frame["Document Date"])
    born = dates.parse(frame["Date of Birth"])
    return ~_is_kind(frame, list(NEEDS_DOB_BEFORE)) | ~(issued < born).to_numpy(dtype=bool)


def document_rules(today: dt.date) -> tuple[Rule, ...]:
    """Every identity-document rule, for validations run on `today`."""
    expiry_shape, expiry_current = _expiry_ok(today)
    return (
        Rule(
            "Document Type",
            "document_type",
            lambda v: (v == "") | among(v, TYPE_NAMES),
            "Document Type '{value}' is not one of: " + ", ".join(TYPE_NAMES),
            skips_blank=True,
        ),
        Rule(
            "Document Type",
            "document_type_missing",
            lambda f: filled(_type(f)) | ~any_filled(f, DOCUMENT_COLUMNS),
            "Document Type is empty but document details are filled; choose the document "
            "type, or clear the document columns",
            uses=DOCUMENT_COLUMNS,
            direct=True,
        ),
        Rule(
            "Document Type",
            "non_dvs",
            lambda f: filled(_type(f)) | filled_in(f, "USI"),
            "No identity document: the USI will be applied for without document "
            "verification (non-DVS evidence); add a document if the student has one",
            severity=WARNING,
            uses=("USI",),
            direct=True,
        ),
        *(
            _required_for_type(c)
            for c in DOCUMENT_COLUMNS
            if any(c in d.required for d in DOCUMENT_TYPES)  # a rule no type needs never fails
        ),
        *(_not_used_by_type(c) for c in DOCUMENT_COLUMNS),
        _pattern_rule(
            "Document Number",
            "document_number",
            lambda d: d.number_pattern,
            lambda d: d.number_hint,
        ),
        _pattern_rule(
            "Document Card Number", "card_number", lambda d: d.card_pattern, lambda d: d.card_hint
        ),
        Rule(
            "Document Number",
            "medicare_number",
            _medicare_number_ok,
            "Medicare card number {value} {detail}",
            uses=("Document Type",),
            detail=_medicare_detail,
            skips_blank=True,
        ),
        Rule(
            "Document State",
            "state",
            lambda v: (v == "") | among(v, STATES),
            "Document State '{value}' is not one of " + ", ".join(STATES),
            skips_blank=True,
        ),
        date("Document Date"),
        not_in_future("Document Date", today),
        Rule(
            "Document Date",
            "before_birth",
            _not_before_birth,
            "Document Date {value} is before the date of birth; check both",
            uses=("Document Type", "Date of Birth"),
            skips_blank=True,
        ),
        date("Date Printed"),
        not_in_future("Date Printed", today),
        Rule(
            "Date Printed",
            "date_printed_needed",
            _date_printed_given,
            "Date Printed is empty; ACT and SA birth certificates need it",
            uses=("Document Type", "Document State"),
            direct=True,
        ),
        Rule(
            "Medicare IRN",
            "irn",
            lambda v: (v == "") | medicare.valid_irn_mask(v),
            "Medicare IRN '{value}' must be one digit from 1 to 9 (the number beside the "
            "name on the card)",
            skips_blank=True,
        ),
        Rule(
            "Medicare Card Colour",
            "card_colour",
            lambda v: (v == "") | among(v, CARD_COLOURS),
            "Medicare Card Colour '{value}' is not Green, Blue or Yellow",
            skips_blank=True,
        ),
        Rule(
            "Document Expiry",
            "expiry_format",
            expiry_shape,
            "Document Expiry {value} is not a real date in the card's form: {detail}",
            uses=("Document Type", "Medicare Card Colour"),
            detail=_expiry_detail,
            skips_blank=True,
        ),
        Rule(
            "Document Expiry",
            "expired",
            expiry_current,
            "The Medicare card expired ({value}); the registry cannot verify an expired "
            "card: use the current card",
            uses=("Document Type", "Medicare Card Colour"),
            skips_blank=True,
        ),
        Rule(
            "Name on Document",
            "medicare_name",
            lambda v: (v == "") | _name_fits(v),
            "Name on Document '{value}' does not fit the card's lines (27, 25, 23 and 21 "
            "characters); type it exactly as printed",
            skips_blank=True,
        ),
    )


name_checks(
    {
        "document_type": "not a document type",
        "document_type_missing": "document details without a type",
        "non_dvs": "no identity document",
        "required_for_document": "missing for the document",
        "not_used_for_document": "not used for the document",
        "document_number": "a document number in the wrong form",
        "card_number": "a card number in the wrong form",
        "medicare_number": "not a Medicare card number",
        "before_birth": "a document dated before the birth",
        "date_printed_needed": "the date printed is needed",
        "irn": "not a Medicare IRN",
        "card_colour": "not a Medicare card colour",
        "expiry_format": "an expiry in the wrong form",
        "expired": "an expired card",
        "medicare_name": "a name too long for the card",
    }
)
