"""Rules on the person: identifiers, names, date of birth, gender, birthplace, countries."""

from __future__ import annotations

import datetime as dt
from functools import cache

import pandas as pd

from usikit import countries
from usikit.identifiers import usi
from usikit.problems import WARNING
from usikit.rules import dates
from usikit.rules.checks import allowed, filled, max_length, required
from usikit.rules.engine import Rule

NAME_LENGTHS = {"First Name": 40, "Middle Name": 80, "Family Name": 40, "Single Name": 40}
NAME_PUNCTUATION = r"[ '\-]"  # policy: letters (accented too), spaces, apostrophes, hyphens
CLIENT_ID_LENGTH = 20  # the registry's ApplicationId is at most 20 characters
GENDERS = ("M", "F", "X")
OLDEST_YEARS, YOUNG_YEARS = 120, 10


def is_name(values: pd.Series) -> pd.Series:
    """Letters of any alphabet with single spaces, apostrophes and hyphens between them."""
    letters = values.str.replace(NAME_PUNCTUATION, "", regex=True)
    return (values == "") | letters.str.isalpha().fillna(False).astype(bool)


def valid_usi_or_exemption(values: pd.Series) -> pd.Series:
    return (values == "") | usi.valid_mask(values) | usi.exemption_mask(values)


@cache
def _country_codes() -> list[str]:
    table = countries.all_countries()
    return table.loc[table["kind"] == "country", "code"].tolist()


def known_country(values: pd.Series) -> pd.Series:
    """A SACC code of a country (not a region or a 'not stated' code)."""
    return (values == "") | values.isin(_country_codes())


def _other_rows(column: str):
    """Detail for duplicates: the other rows holding the same value."""

    def detail(frame: pd.DataFrame, rows: pd.Index) -> pd.Series:
        key = frame[column]
        return _rows_sharing(key, rows)

    return detail


def _rows_sharing(key: pd.Series, rows: pd.Index) -> pd.Series:
    wanted = key.loc[rows]
    sharing = key[key.isin(set(wanted))]
    groups = {value: list(index) for value, index in sharing.groupby(sharing).groups.items()}
    return pd.Series(
        [", ".join(str(r) for r in groups[wanted[row]] if r != row) for row in rows], index=rows
    )


def person_key(frame: pd.DataFrame) -> pd.Series:
    """Names and date of birth folded together: the same person typed twice shares it."""
    parts = [frame[c].str.casefold() for c in ("First Name", "Family Name", "Single Name")]
    key = parts[0] + "|" + parts[1] + "|" + parts[2] + "|" + frame["Date of Birth"]
    has_name = (frame["Family Name"] != "") | (frame["Single Name"] != "")
    return key.where(has_name & (frame["Date of Birth"] != ""), "")


def _unique_person(frame: pd.DataFrame) -> pd.Series:
    key = person_key(frame)
    return (key == "") | ~key.duplicated(keep=False)


def _same_person_detail(frame: pd.DataFrame, rows: pd.Index) -> pd.Series:
    return _rows_sharing(person_key(frame), rows)


def _date_detail(column: str):
    def detail(frame: pd.DataFrame, rows: pd.Index) -> pd.Series:
        return dates.why_not_a_date(frame.loc[rows, column])

    return detail


def date_rule(column: str) -> Rule:
    """A real date, with the reason in words when it is not."""
    return Rule(
        column,
        "real_date",
        lambda v: (v == "") | dates.parse(v).notna(),
        "{column} {value} {detail}; use dd/mm/yyyy",
        detail=_date_detail(column),
    )


def not_in_future(column: str, today: dt.date) -> Rule:
    limit = pd.Timestamp(today)
    return Rule(
        column,
        "not_in_future",
        lambda v: ~(dates.parse(v) > limit),
        "{column} {value} is in the future; check the year",
    )


def person_rules(today: dt.date) -> tuple[Rule, ...]:
    """Every rule on the person's identity, for validations run on `today`."""
    oldest = pd.Timestamp(today) - pd.DateOffset(years=OLDEST_YEARS)
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
            ),
        )
    ]
    return (
        required("Client ID"),
        max_length("Client ID", CLIENT_ID_LENGTH),
        Rule(
            "Client ID",
            "duplicate_client_id",
            lambda v: (v == "") | ~v.duplicated(keep=False),
            "Client ID {value} is also used in row {detail}; each client needs their own ID",
            detail=_other_rows("Client ID"),
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
        ),
        Rule(
            "USI",
            "usi_check",
            valid_usi_or_exemption,
            "USI {value} is not a valid USI (10 characters of 2-9 and A-Z without I and O, "
            "the last one a check character); correct it, or leave it empty to create one",
        ),
        Rule(
            "First Name",
            "required",
            lambda f: filled(f["First Name"]) | filled(f["Single Name"]),
            "First Name is empty; give First Name and Family Name, or only Single Name for "
            "a person with one name",
            uses=("Single Name",),
        ),
        Rule(
            "Family Name",
            "required",
            lambda f: filled(f["Family Name"]) | filled(f["Single Name"]),
            "Family Name is empty; give First Name and Family Name, or only Single Name for "
            "a person with one name",
            uses=("Single Name",),
        ),
        Rule(
            "Single Name",
            "single_name_only",
            lambda f: (
                ~filled(f["Single Name"])
                | ~(filled(f["First Name"]) | filled(f["Middle Name"]) | filled(f["Family Name"]))
            ),
            "Single Name is for a person with one name; clear it, or clear First, Middle "
            "and Family Name",
            uses=("First Name", "Middle Name", "Family Name"),
        ),
        *name_rules,
        required("Date of Birth"),
        date_rule("Date of Birth"),
        not_in_future("Date of Birth", today),
        Rule(
            "Date of Birth",
            "too_old",
            lambda v: ~(dates.parse(v) < oldest),
            f"Date of Birth {{value}} is more than {OLDEST_YEARS} years ago; check the year",
        ),
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
        ),
    )
