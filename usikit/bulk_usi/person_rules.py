"""Rules on the person: identifiers, names, date of birth, gender, birthplace, countries."""

from __future__ import annotations

import datetime as dt
from functools import cache

import numpy as np
import pandas as pd

from usikit.bulk_usi import countries
from usikit.identifiers import usi
from usikit.problems import WARNING, name_checks
from usikit.rules import dates
from usikit.rules.checks import (
    allowed,
    any_filled,
    date,
    filled_in,
    fullmatch,
    max_length,
    not_in_future,
    required,
)
from usikit.rules.distinct import row_keys, value_codes
from usikit.rules.engine import Rule
from usikit.rules.memo import remembered
from usikit.rules.people import is_name, mixed_scripts, not_too_old, others_in_group, skeleton
from usikit.rules.repeats import repeated_cells, repeated_numbers
from usikit.rules.textscan import among

NAME_LENGTHS = {"First Name": 40, "Middle Name": 80, "Family Name": 40, "Single Name": 40}
CLIENT_ID_LENGTH = 20  # the registry's ApplicationId is at most 20 characters
GENDERS = ("M", "F", "X")
YOUNG_YEARS = 10


def valid_usi_or_exemption(values: pd.Series) -> pd.Series:
    return (values == "") | usi.valid_mask(values) | usi.exemption_mask(values)


@cache
def _country_codes() -> list[str]:
    table = countries.all_countries()
    return table.loc[table["kind"] == "country", "code"].tolist()


def known_country(values: pd.Series) -> pd.Series:
    """A SACC code of a country (not a region or a 'not stated' code)."""
    return (values == "") | among(values, _country_codes())


def _same_client_id(frame: pd.DataFrame, rows: pd.Index) -> pd.Series:
    return others_in_group(frame.loc[rows, "Client ID"])


PERSON_COLUMNS = ("First Name", "Family Name", "Single Name", "Date of Birth")


def _person_parts(frame: pd.DataFrame) -> pd.DataFrame:
    """Names (case, accents and look-alike letters set aside: `skeleton`) and date of birth
    of the records that can be told apart by them."""
    named = (frame["Family Name"] != "") | (frame["Single Name"] != "")
    known = (named & (frame["Date of Birth"] != "")).to_numpy()
    return pd.DataFrame(
        {
            c: skeleton(frame[c][known]) if c != "Date of Birth" else frame[c][known]
            for c in PERSON_COLUMNS
        }
    )


def _person_keys(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """For every record, one integer standing for its `_person_parts` (each column's values
    numbered once per distinct value), and which records have them: worked out once per
    validation, for the rule and for its messages."""
    arrays = tuple(frame[c].array for c in PERSON_COLUMNS)
    key = ("person keys", *(id(a) for a in arrays))
    return remembered(key, arrays, lambda: _keys_of(frame))


def _keys_of(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    named = (frame["Family Name"] != "") | (frame["Single Name"] != "")
    known = (named & (frame["Date of Birth"] != "")).to_numpy()
    keys = row_keys(
        [value_codes(frame[c], skeleton if c != "Date of Birth" else None) for c in PERSON_COLUMNS]
    )
    return keys, known


def _unique_person(frame: pd.DataFrame) -> pd.Series:
    keys, known = _person_keys(frame)
    unique = np.ones(len(frame), dtype=bool)
    unique[known] = ~repeated_numbers(keys[known])
    return pd.Series(unique, index=frame.index)


def _same_person_detail(frame: pd.DataFrame, rows: pd.Index) -> pd.Series:
    keys, _ = _person_keys(frame)
    return others_in_group(pd.Series(keys[frame.index.get_indexer(rows)], index=rows))


def _needed_unless_single_name(column: str) -> Rule:
    return Rule(
        column,
        "required",
        lambda f: filled_in(f, column) | filled_in(f, "Single Name"),
        "{column} is empty; give First Name and Family Name, or only Single Name for a "
        "person with one name",
        uses=("Single Name",),
        direct=True,
    )


def person_rules(today: dt.date) -> tuple[Rule, ...]:
    """Every rule on the person's identity, for validations run on `today`."""
    youngest = pd.Timestamp(today) - pd.DateOffset(years=YOUNG_YEARS)
    name_rules = [
        rule
        for column, length in NAME_LENGTHS.items()
        for rule in (
            max_length(column, length),
            Rule(
                column,
                "name_characters",
                is_name,
                "{column} '{value}' may hold only letters, spaces, apostrophes and hyphens",
                skips_blank=True,
            ),
            Rule(
                column,
                "mixed_alphabets",
                lambda v: ~mixed_scripts(v),
                "{column} '{value}' mixes Latin letters with Cyrillic or Greek ones that look "
                "the same; check it was typed on the right keyboard (the registry compares "
                "names letter by letter)",
                severity=WARNING,
                skips_blank=True,
            ),
        )
    ]
    return (
        required("Client ID"),
        max_length("Client ID", CLIENT_ID_LENGTH),
        Rule(
            "Client ID",
            "client_id_characters",
            fullmatch(r"[ -~]*"),
            "Client ID '{value}' holds a character other than the letters A-Z, digits and "
            "punctuation (a letter of another alphabet that looks like one of them, or an "
            "accent); type it as your student management system issued it",
            skips_blank=True,
        ),
        Rule(
            "Client ID",
            "duplicate_client_id",
            lambda v: (v == "").to_numpy() | ~repeated_cells(v),
            "Client ID {value} is also used in row {detail}; each client needs their own ID",
            detail=_same_client_id,
            skips_blank=True,
            across_records=True,
        ),
        Rule(
            "Client ID",
            "same_person",
            _unique_person,
            "This looks like the same person as row {detail} (same names and date of birth); "
            "check they are not entered twice",
            severity=WARNING,
            uses=("First Name", "Family Name", "Single Name", "Date of Birth"),
            detail=_same_person_detail,
            across_records=True,
        ),
        Rule(
            "USI",
            "usi_check",
            valid_usi_or_exemption,
            "USI {value} is not a valid USI (10 characters of 2-9 and A-Z without I and O, "
            "the last one a check character); correct it, or leave it empty to create one",
            skips_blank=True,
        ),
        _needed_unless_single_name("First Name"),
        _needed_unless_single_name("Family Name"),
        Rule(
            "Single Name",
            "single_name_only",
            lambda f: (
                ~filled_in(f, "Single Name")
                | ~any_filled(f, ("First Name", "Middle Name", "Family Name"))
            ),
            "Single Name is for a person with one name; clear it, or clear First, Middle "
            "and Family Name",
            uses=("First Name", "Middle Name", "Family Name"),
            skips_blank=True,
            direct=True,
        ),
        *name_rules,
        required("Date of Birth"),
        date("Date of Birth"),
        not_in_future("Date of Birth", today),
        not_too_old("Date of Birth", today),
        Rule(
            "Date of Birth",
            "under_10",
            lambda v: ~(dates.parse(v) > youngest) | (dates.parse(v) > pd.Timestamp(today)),
            f"Date of Birth {{value}} makes the student younger than {YOUNG_YEARS}; "
            "check it is right",
            severity=WARNING,
        ),
        required("Gender"),
        allowed("Gender", GENDERS),
        required("Town/City of Birth"),
        max_length("Town/City of Birth", 50),
        *_country_rules("Country of Birth"),
        *_country_rules("Country of Residence"),
    )


def _country_rules(column: str) -> tuple[Rule, ...]:
    return (
        required(column),
        Rule(
            column,
            "country",
            known_country,
            "{column} '{value}' is not a country the registry knows; give a 4-digit SACC "
            "code (Australia 1101) or the country's name (for the UK: England, Scotland, "
            "Wales or Northern Ireland)",
            skips_blank=True,
        ),
    )


name_checks(
    {
        "duplicate_client_id": "a Client ID used twice",
        "same_person": "the same person twice",
        "usi_check": "not a valid USI",
        "single_name_only": "a single name beside other names",
        "under_10": "a student under 10",
        "country": "a country the registry does not know",
    }
)
