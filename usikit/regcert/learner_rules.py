"""The learner file that fills the register: one row per learner and qualification.

A learner's personal details and a programme's details repeat on each of their rows, so the
rows must agree with each other; a qualification number must always name the same
qualification and awarding organisation.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from usikit.problems import WARNING, name_checks
from usikit.regcert.field_rules import date_order_rule, qualification_rule, uln_rule
from usikit.regcert.fields import (
    LEARNER_COLUMNS,
    LEARNER_FIELDS,
    NO,
    PERSON_COLUMNS,
    PROGRAMME_COLUMNS,
    QUALIFICATION_COLUMNS,
    TEXT_LENGTH,
    YES,
)
from usikit.regcert.keys import qualification_keys
from usikit.report import ValidationReport
from usikit.rules import dates, textscan
from usikit.rules.checks import date, fullmatch, max_length, not_in_future, required
from usikit.rules.engine import Rule, Schema
from usikit.rules.headers import match_headers
from usikit.rules.normalise import (
    Step,
    drop_invisible,
    drop_text_mark,
    patched,
    straight_apostrophes,
    tidy_spaces,
    upper,
)
from usikit.rules.people import EMAIL, is_name, not_too_old
from usikit.rules.pipeline import run_validation

ULN, QUALIFICATION = "ULN", "Qualification number"
PROGRAMME = "Programme Name"
DATE_COLUMNS = ("Date of Birth", "Start Date", "Planned Achievement Date")
NAME_COLUMNS = ("First Name", "Last Name")
# Policy: an address in one of these countries (or with no country) is in the UK.
UK_COUNTRIES = ("", "united kingdom", "uk", "england", "scotland", "wales", "northern ireland")
UK_POSTCODE = r"[A-Z]{1,2}[0-9][A-Z0-9]? [0-9][A-Z]{2}"
YES_WORDS = {"yes": YES, "y": YES, "true": YES, "1": YES, "qa verified": YES, "verified": YES,
             "no": NO, "n": NO, "false": NO, "0": NO}  # fmt: skip
SHOWN_ROWS = 5


def _yes_no(values: pd.Series) -> pd.Series:
    mapped = values.str.lower().map(YES_WORDS)
    return mapped.astype(object).where(mapped.notna(), values).astype(str)


def _postcode_spacing(values: pd.Series) -> pd.Series:
    """'LS14AP' as 'LS1 4AP': the inward code is always the last three characters."""
    bare = textscan.full_match(values, r"[A-Z]{1,2}[0-9][A-Z0-9]?[0-9][A-Z]{2}")
    if not bare.any():
        return values
    rows = values[bare]
    return patched(values, bare, rows.str.slice(0, -3) + " " + rows.str.slice(-3))


STEPS: tuple[Step, ...] = (
    Step(LEARNER_COLUMNS, drop_text_mark, "spreadsheet text mark removed"),
    Step(LEARNER_COLUMNS, drop_invisible, "invisible character removed"),
    Step(LEARNER_COLUMNS, tidy_spaces, "extra spaces removed"),
    Step(NAME_COLUMNS, straight_apostrophes, "apostrophe straightened"),
    Step((QUALIFICATION, "Post Code"), upper, "upper-cased"),
    Step(("Post Code",), _postcode_spacing, "space added before the last three characters"),
    Step(DATE_COLUMNS, dates.canonical_dates, "date written as dd/mm/yyyy"),
    Step(("QA Verified",), _yes_no, "written as Yes or No"),
)


def _joined(frame: pd.DataFrame, columns: tuple[str, ...]) -> pd.Series:
    joined = frame[columns[0]]
    for column in columns[1:]:
        joined = joined + "\x1f" + frame[column]
    return joined


def _group_keys(frame: pd.DataFrame, by: str) -> pd.Series:
    if by == ULN:
        return frame[ULN]
    if by == PROGRAMME:
        return frame[ULN] + "\x1f" + frame[PROGRAMME]
    return qualification_keys(frame[QUALIFICATION])


def consistency_rule(column: str, by: str, details: tuple[str, ...], what: str) -> Rule:
    """Rows of one learner, programme or qualification must give the same `details`."""
    needs = {ULN: (ULN,), PROGRAMME: (ULN, PROGRAMME), QUALIFICATION: (QUALIFICATION,)}[by]
    uses = tuple(c for c in dict.fromkeys((*needs, *details)) if c != column)

    def test(frame: pd.DataFrame) -> pd.Series:
        keys = _group_keys(frame, by)
        table = pd.DataFrame({"key": keys.to_numpy(), "details": _joined(frame, details)})
        counts = table.groupby("key", sort=False)["details"].transform("nunique").to_numpy()
        return pd.Series((counts <= 1) | (keys == "").to_numpy(), index=frame.index)

    def detail(frame: pd.DataFrame, rows: pd.Index) -> pd.Series:
        part = frame.loc[rows]
        keys = _group_keys(part, by)
        text = pd.Series("", index=rows, dtype=object)
        for _, members in part.groupby(keys.to_numpy(), sort=False):
            values = members[list(details)].to_numpy()
            for i, row in enumerate(members.index):
                differ = (values != values[i]).any(axis=1)
                others = members.index[differ][:SHOWN_ROWS]
                columns = [
                    c for j, c in enumerate(details) if (values[differ, j] != values[i, j]).any()
                ]
                text[row] = f"{', '.join(str(r) for r in others)} ({', '.join(columns)})"
        return text

    return Rule(
        column,
        f"{what}_details_differ",
        test,
        f"{{column}} '{{value}}' has other {what} details in row {{detail}}; the rows of one "
        f"{what} must agree: correct them",
        uses=uses,
        detail=detail,
        across_records=True,
    )


def _unique_enrolment(frame: pd.DataFrame) -> pd.Series:
    keys = frame[ULN] + "|" + qualification_keys(frame[QUALIFICATION])
    complete = (frame[ULN] != "") & (frame[QUALIFICATION] != "")
    return ~(complete & keys.duplicated(keep=False))


def _in_uk(frame: pd.DataFrame) -> pd.Series:
    return frame["Country"].str.lower().isin(UK_COUNTRIES)


def learner_rules(today: dt.date, allow_temporary_uln: bool = False) -> tuple[Rule, ...]:
    """Every rule of the learner file, for validations run on `today`."""
    free_text = [c for c in LEARNER_COLUMNS if c not in (*DATE_COLUMNS, ULN, QUALIFICATION)]
    mandatory = [f.name for f in LEARNER_FIELDS if f.required]
    return (
        *(required(c) for c in mandatory),
        uln_rule(ULN, allow_temporary_uln),
        *(max_length(c, TEXT_LENGTH) for c in free_text if c != "QA Verified"),
        *(
            Rule(
                c,
                "name_characters",
                is_name,
                "{column} '{value}' may hold only letters, spaces, apostrophes and hyphens",
                skips_blank=True,
            )
            for c in NAME_COLUMNS
        ),
        Rule(
            "Email address",
            "email",
            fullmatch(EMAIL),
            "{column} '{value}' is not an email address; use the form name@example.com",
            skips_blank=True,
        ),
        Rule(
            "Post Code",
            "uk_postcode",
            lambda f: (
                ~_in_uk(f)
                | (f["Post Code"] == "")
                | textscan.full_match(f["Post Code"], UK_POSTCODE)
            ),
            "{column} '{value}' does not look like a UK postcode (such as LS1 4AP); check it",
            WARNING,
            uses=("Country",),
            skips_blank=True,
        ),
        *(date(c) for c in DATE_COLUMNS),
        not_in_future("Date of Birth", today),
        not_too_old("Date of Birth", today),
        date_order_rule("Planned Achievement Date", ("Start Date",)),
        qualification_rule(QUALIFICATION),
        Rule(
            "QA Verified",
            "yes_no",
            lambda v: (v == "") | v.isin((YES, NO)),
            "{column} '{value}' must be Yes or No (empty means No)",
            skips_blank=True,
        ),
        Rule(
            ULN,
            "duplicate_enrolment",
            _unique_enrolment,
            "ULN {value} is enrolled on this qualification in another row too; give each "
            "learner's qualification one row",
            uses=(QUALIFICATION,),
            across_records=True,
        ),
        consistency_rule(ULN, ULN, PERSON_COLUMNS, "learner"),
        consistency_rule(PROGRAMME, PROGRAMME, PROGRAMME_COLUMNS, "programme"),
        consistency_rule(QUALIFICATION, QUALIFICATION, QUALIFICATION_COLUMNS, "qualification"),
    )


def learner_schema(today: dt.date, allow_temporary_uln: bool = False) -> Schema:
    return Schema("regcert-learners", LEARNER_FIELDS, learner_rules(today, allow_temporary_uln))


def validate_learners(
    frame: pd.DataFrame,
    *,
    allow_temporary_uln: bool = False,
    show_sensitive: bool = False,
    today: dt.date | None = None,
) -> ValidationReport:
    """Check a learner file before it fills the register.

    Headers are matched forgivingly (case, spacing, former names); values are normalised
    with a warning for each change; dates of birth are masked unless `show_sensitive`.
    """
    schema = learner_schema(today or dt.date.today(), allow_temporary_uln)
    return run_validation(
        frame,
        schema,
        STEPS,
        lambda typed: match_headers(typed, LEARNER_FIELDS),
        show_sensitive=show_sensitive,
    )


name_checks(
    {
        "uk_postcode": "not a UK postcode",
        "yes_no": "not Yes or No",
        "duplicate_enrolment": "an enrolment twice",
        "learner_details_differ": "learner details that differ",
        "programme_details_differ": "programme details that differ",
        "qualification_details_differ": "qualification details that differ",
    }
)
