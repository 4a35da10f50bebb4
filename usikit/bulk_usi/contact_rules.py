"""Rules on contact details: email, phones and the Australian or international address."""

from __future__ import annotations

import numpy as np
import pandas as pd

from usikit.problems import WARNING, name_checks
from usikit.rules.checks import any_filled, filled_in, fullmatch, max_length, optional
from usikit.rules.engine import Rule
from usikit.rules.memo import column_of, shared_per_value
from usikit.rules.normalise import where_changed
from usikit.rules.people import EMAIL
from usikit.rules.textscan import (
    among,
    four_digit_numbers,
    full_match,
    holding,
    or_full_match,
    positions_in,
    without,
)

AUSTRALIA = "1101"
STATES = ("NSW", "VIC", "QLD", "SA", "WA", "TAS", "NT", "ACT")
ADDRESS_COLUMNS = ("Address Line 1", "Address Line 2", "Suburb/Town/City", "State", "Postcode")
INTERNATIONAL_ADDRESS_LENGTH = 250
AUSTRALIAN_LINE_LENGTH = 50
PHONE_LENGTH = 20
EMAIL_LENGTH = 254

PHONE_CHARACTERS = r"\+?[0-9 ()\-]+"
AUSTRALIAN_PHONE = (
    r"(?:\+61|0)[2378][0-9]{8}"  # landline with area code
    r"|(?:\+61|0)4[0-9]{8}"  # mobile
    r"|1[38]00[0-9]{6}|13[0-9]{4}"  # 1300, 1800 and 13 numbers
)
MOBILE = r"(?:\+61|0)4[0-9]{8}"
# Of the Australian numbers (AUSTRALIAN_PHONE), the mobiles are those starting so: MOBILE is
# the only branch that begins 04 or +614.
MOBILE_STARTS = ("04", "+614")
# Every character a phone number may hold, anywhere; PHONE_CHARACTERS then allows the + only
# at the start. The first is answered from the column's bytes, the second only where a + is.
PHONE_BYTES = r"[0-9 ()+\-]+"
INTERNATIONAL_PHONE = r"\+(?:[1-57-9][0-9]{6,14}|6[02-9][0-9]{5,13})"  # 7-15 digits, not +61
# Postcode ranges by state (Australia Post); a mismatch is a warning, not an error.
POSTCODE_RANGES = {
    "NSW": ((1000, 1999), (2000, 2599), (2619, 2899), (2921, 2999)),
    "ACT": ((200, 299), (2600, 2618), (2900, 2920)),
    "VIC": ((3000, 3999), (8000, 8999)),
    "QLD": ((4000, 4999), (9000, 9999)),
    "SA": ((5000, 5999),),
    "WA": ((6000, 6999),),
    "TAS": ((7000, 7999),),
    "NT": ((800, 999),),
}


def canonical_phones(values: pd.Series) -> pd.Series:
    """Numbers written the ways people dial them, as the registry takes them: +61 (0)4...
    and +61 04... lose the trunk 0, 0011 (dialling out of Australia) becomes +, and 61 and
    nine digits (an Australian number without its +) gets its +."""
    odd = values.str.startswith(("+61", "0011", "61")).to_numpy(
        dtype=bool, na_value=False, copy=True
    )
    candidates = np.flatnonzero(odd)  # most numbers start with 0: no pattern to match
    odd[candidates] = ~full_match(values.iloc[candidates], AUSTRALIAN_PHONE).to_numpy()
    if not odd.any():
        return values
    before = values[odd]
    after = (
        before.str.replace(r"^\+61[ ]?\(0\)[ ]?", "+61 ", regex=True)
        .str.replace(r"^\+61[ ]?0([2-478])", r"+61 \1", regex=True)
        .str.replace(r"^0011[ -]?([1-9])", r"+\1", regex=True)
        .str.replace(r"^61([ ]?[2-478](?:[ -]?[0-9]){8})$", r"+61\1", regex=True)
    )
    return where_changed(values, before, after)


@shared_per_value
def digits_only(values: pd.Series) -> pd.Series:
    """A phone number without the spaces, brackets and hyphens people type (worked out once
    per column and validation: three rules read it)."""
    return without(values, " ()-")


@shared_per_value
def australian_number(values: pd.Series) -> np.ndarray:
    """Phone numbers an Australian phone takes (two rules ask: complete? a mobile?)."""
    return full_match(digits_only(values), AUSTRALIAN_PHONE).to_numpy()


def plausible_phone(values: pd.Series) -> pd.Series:
    """A number a phone can dial: Australian, or + and the country code of another country."""
    known = australian_number(values) | (values == "").to_numpy()
    ok = or_full_match(known, digits_only(values), INTERNATIONAL_PHONE)
    return pd.Series(ok, index=values.index)


def mobile_or_not_australian(values: pd.Series) -> pd.Series:
    """A mobile, or a number from abroad: any other Australian number belongs in Home Phone.
    An Australian number is a mobile when it starts as one (`MOBILE_STARTS`): a look at its
    first characters instead of a second pattern over every number."""
    mobile = digits_only(values).str.startswith(MOBILE_STARTS).to_numpy(dtype=bool)
    return pd.Series(~australian_number(values) | mobile, index=values.index)


def phone_characters(values: pd.Series) -> np.ndarray:
    """Only the characters a phone number holds, a + only at the start (`PHONE_CHARACTERS`);
    most numbers have no + and are answered by the bytes they hold (`PHONE_BYTES`)."""
    ok = full_match(values, PHONE_BYTES).to_numpy(copy=True)
    plus = np.flatnonzero(ok & holding(values, "+"))
    if plus.size:
        ok[plus] = full_match(values.iloc[plus], PHONE_CHARACTERS).to_numpy()
    return ok


@shared_per_value
def _is_australia(values: pd.Series) -> np.ndarray:
    """Cells naming Australia (once per validation: the address rules all ask)."""
    return (values == AUSTRALIA).to_numpy(dtype=bool)


def _australian(frame: pd.DataFrame) -> np.ndarray:
    """Records of people living in Australia."""
    return _is_australia(column_of(frame, "Country of Residence"))


def _needed_for_address(column: str) -> Rule:
    return Rule(
        column,
        "required_for_address",
        lambda f: ~(_australian(f) & any_filled(f, ADDRESS_COLUMNS)) | filled_in(f, column),
        "{column} is empty; an Australian address needs Address Line 1, Suburb/Town/City, "
        "State and Postcode",
        uses=("Country of Residence", *(c for c in ADDRESS_COLUMNS if c != column)),
        direct=True,
    )


def _australian_line(column: str) -> Rule:
    """An Australian address line holds at most 50 characters; for a resident elsewhere the
    lines are joined into the international address, which takes 250 in all."""
    return Rule(
        column,
        "max_length",
        lambda f: ~_australian(f) | (f[column].str.len() <= AUSTRALIAN_LINE_LENGTH),
        f"{{column}} is longer than {AUSTRALIAN_LINE_LENGTH} characters, the most the registry "
        "takes for a line of an Australian address; shorten it",
        uses=("Country of Residence",),
        skips_blank=True,
    )


def state_codes(values: pd.Series) -> pd.Series:
    """An Australian state code typed in lower case, in capitals (nsw -> NSW); any other
    value (the state of an address abroad, California) as it was typed."""
    odd = ~among(values, STATES)  # most cells already hold a code
    if not odd.any():
        return values
    before = values[odd]
    upper = before.str.upper()
    return where_changed(values, before, upper.where(among(upper, STATES), before))


def _postcode_table() -> np.ndarray:
    """table[state number, postcode] is True where the postcode belongs to the state."""
    table = np.zeros((len(STATES) + 1, 10_000), dtype=bool)
    for number, name in enumerate(STATES):
        for low, high in POSTCODE_RANGES[name]:
            table[number, low : high + 1] = True
    return table


POSTCODE_TABLE = _postcode_table()


def postcode_matches_state(frame: pd.DataFrame) -> pd.Series:
    code = four_digit_numbers(frame["Postcode"])  # -1 when not four digits
    shaped = code >= 0
    state = positions_in(frame["State"], STATES)  # -1 when not a state
    code[~shaped] = 0
    inside = POSTCODE_TABLE[np.where(state < 0, len(STATES), state), code]
    return pd.Series(~shaped | (state < 0) | inside, index=frame.index)


def _postcode_detail(frame: pd.DataFrame, rows: pd.Index) -> pd.Series:
    three = full_match(frame.loc[rows, "Postcode"], "[0-9]{3}")
    hint = "; if Excel dropped a leading zero, format the column as Text and type it again"
    return three.map({True: hint, False: ""})


def international_address(frame: pd.DataFrame) -> pd.Series:
    """The address columns joined with commas, as sent for a resident outside Australia."""
    joined = frame[ADDRESS_COLUMNS[0]]
    for column in ADDRESS_COLUMNS[1:]:
        part = frame[column]
        comma = ((joined != "") & (part != "")).map({True: ", ", False: ""})
        joined = joined + comma + part
    return joined


def _international_length(frame: pd.DataFrame) -> pd.Series:
    fits = _australian(frame).copy()  # shared with the other rules: written to below
    abroad = np.flatnonzero(~fits)
    if abroad.size:
        joined = international_address(frame[list(ADDRESS_COLUMNS)].iloc[abroad])
        fits[abroad] = (joined.str.len() <= INTERNATIONAL_ADDRESS_LENGTH).to_numpy()
    return pd.Series(fits, index=frame.index)


CONTACT_RULES: tuple[Rule, ...] = (
    max_length("Email", EMAIL_LENGTH),
    Rule(
        "Email",
        "email",
        fullmatch(EMAIL),
        "Email '{value}' is not an email address; use the form name@example.com",
        skips_blank=True,
    ),
    *(
        rule
        for column in ("Home Phone", "Mobile Phone")
        for rule in (
            Rule(
                column,
                "max_length",
                lambda v: digits_only(v).str.len() <= PHONE_LENGTH,
                f"{{column}} '{{value}}' is longer than {PHONE_LENGTH} characters once its "
                "spaces, brackets and hyphens are left out (as it is sent); shorten it",
                skips_blank=True,
            ),
            Rule(
                column,
                "phone_characters",
                optional(phone_characters),
                "{column} '{value}' may hold only digits, spaces, brackets, hyphens and a "
                "leading +",
                skips_blank=True,
            ),
            Rule(
                column,
                "phone_number",
                plausible_phone,
                "{column} '{value}' is not a complete phone number; use e.g. 02 9999 0000, "
                "0412 345 678, +61 412 345 678, or + and the country code for other countries",
                skips_blank=True,
            ),
        )
    ),
    Rule(
        "Mobile Phone",
        "mobile_landline",
        mobile_or_not_australian,
        "Mobile Phone '{value}' looks like a landline; put it in Home Phone",
        severity=WARNING,
        skips_blank=True,
    ),
    *(_needed_for_address(c) for c in ("Address Line 1", "Suburb/Town/City", "State", "Postcode")),
    *(_australian_line(c) for c in ("Address Line 1", "Address Line 2", "Suburb/Town/City")),
    Rule(
        "State",
        "state",
        lambda f: ~_australian(f) | (f["State"] == "") | among(f["State"], STATES),
        "State '{value}' is not one of " + ", ".join(STATES),
        uses=("Country of Residence",),
        skips_blank=True,
    ),
    Rule(
        "Postcode",
        "postcode",
        lambda f: ~_australian(f) | (f["Postcode"] == "") | full_match(f["Postcode"], "[0-9]{4}"),
        "Postcode '{value}' is not 4 digits{detail}",
        uses=("Country of Residence",),
        detail=_postcode_detail,
        skips_blank=True,
    ),
    Rule(
        "Postcode",
        "postcode_state",
        lambda f: ~_australian(f) | postcode_matches_state(f),
        "Postcode {value} is not a postcode of the state given; check both",
        severity=WARNING,
        uses=("Country of Residence", "State"),
        skips_blank=True,
    ),
    Rule(
        "Address Line 1",
        "international_address",
        _international_length,
        f"The address is longer than {INTERNATIONAL_ADDRESS_LENGTH} characters, the most the "
        "registry takes for an address outside Australia; shorten it",
        uses=("Country of Residence", *ADDRESS_COLUMNS[1:]),
    ),
)


name_checks(
    {
        "phone_number": "not a complete phone number",
        "mobile_landline": "a landline given as the mobile",
        "required_for_address": "missing from the address",
        "state": "not an Australian state",
        "postcode": "not a 4-digit postcode",
        "postcode_state": "a postcode of another state",
        "international_address": "an address too long for the registry",
    }
)
