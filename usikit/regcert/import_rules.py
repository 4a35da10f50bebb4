"""Registration & Certification import files: the seed's rules and `validate_regcert`.

The import file's columns are fixed (seed 001: ten columns in exactly that order), so a file
whose header differs gets one file-level error and no record checks. With the register's
enrolments, each row must also name a learner enrolled on the qualification, and its
registration number must agree with the register (matching rules, `usikit.regcert.matching`).
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from usikit.problems import name_checks
from usikit.regcert.field_rules import (
    date_order_rule,
    future_warning,
    qualification_rule,
    uln_rule,
)
from usikit.regcert.fields import (
    DATE_COLUMNS,
    DATE_ORDER,
    IMPORT_COLUMNS,
    IMPORT_FIELDS,
    QUALIFICATION_NUMBER,
    REGISTRATION_NUMBER,
    STATUS,
    STATUSES,
    TEXT_COLUMNS,
    TEXT_LENGTH,
    ULN,
)
from usikit.regcert.keys import canonical_statuses, number_keys, pair_keys
from usikit.regcert.layout import check_columns
from usikit.regcert.register_rules import RegisterView, register_rules
from usikit.report import ValidationReport
from usikit.rules import dates
from usikit.rules.checks import date, filled, max_length, required
from usikit.rules.engine import (
    Rule,
    Schema,
    as_records,
)
from usikit.rules.normalise import (
    Step,
    drop_invisible,
    drop_text_mark,
    normalise,
    tidy_spaces,
    upper,
)
from usikit.rules.people import others_in_group
from usikit.rules.pipeline import run_validation

WRONG_COLUMNS = "columns"


STEPS: tuple[Step, ...] = (
    Step(IMPORT_COLUMNS, drop_text_mark, "spreadsheet text mark removed"),
    Step(IMPORT_COLUMNS, drop_invisible, "invisible character removed"),
    Step(IMPORT_COLUMNS, tidy_spaces, "extra spaces removed"),
    Step((STATUS,), canonical_statuses, "written as in the list of statuses"),
    Step((QUALIFICATION_NUMBER,), upper, "qualification numbers are upper case"),
    Step(DATE_COLUMNS, dates.canonical_dates, "date written as dd/mm/yyyy"),
)


# Rules on one row.


def _unique_pairs(frame: pd.DataFrame) -> pd.Series:
    complete = filled(frame[ULN]) & filled(frame[QUALIFICATION_NUMBER])
    return ~(complete & pair_keys(frame).duplicated(keep=False))


def _same_pair_rows(frame: pd.DataFrame, rows: pd.Index) -> pd.Series:
    return others_in_group(pair_keys(frame.loc[rows]))


def file_rules(today: dt.date, allow_temporary: bool) -> tuple[Rule, ...]:
    """The rules a file is checked against on its own, without a register."""
    order_rules = tuple(
        date_order_rule(column, DATE_ORDER[:position])
        for position, column in enumerate(DATE_ORDER)
        if position
    )
    return (
        required(QUALIFICATION_NUMBER),
        qualification_rule(QUALIFICATION_NUMBER),
        required(ULN),
        uln_rule(ULN, allow_temporary),
        Rule(
            ULN,
            "duplicate_record",
            _unique_pairs,
            "ULN {value} with this Qualification Number is also in row {detail}; give each "
            "learner's qualification one row",
            uses=(QUALIFICATION_NUMBER,),
            detail=_same_pair_rows,
            across_records=True,
        ),
        required(STATUS),
        Rule(
            STATUS,
            "status",
            lambda v: (v == "") | v.isin(STATUSES),
            "{column} '{value}' is not one of: " + ", ".join(STATUSES),
            skips_blank=True,
        ),
        *(max_length(column, TEXT_LENGTH) for column in TEXT_COLUMNS),
        Rule(
            REGISTRATION_NUMBER,
            "registration_number_twice",
            lambda v: (v == "") | ~number_keys(v).duplicated(keep=False),
            "{column} {value} is also in row {detail} (capitals and small letters are the "
            "same number); a registration number belongs to one learner's qualification",
            detail=lambda f, rows: others_in_group(number_keys(f.loc[rows, REGISTRATION_NUMBER])),
            skips_blank=True,
            across_records=True,
        ),
        *(
            rule
            for column in DATE_COLUMNS
            for rule in (date(column), future_warning(column, today))
        ),
        *order_rules,
    )


def regcert_schema(
    today: dt.date, *, allow_temporary_uln: bool = False, register: RegisterView | None = None
) -> Schema:
    """The import file's schema; with `register`, the rules against the register too."""
    rules = file_rules(today, allow_temporary_uln)
    if register is not None:
        rules += register_rules(register, allow_temporary_uln)
    return Schema("regcert", IMPORT_FIELDS, rules)


KEY_STEPS = tuple(
    Step(keyed, step.apply, step.reason)
    for step in STEPS
    if (keyed := tuple(c for c in step.columns if c in (ULN, REGISTRATION_NUMBER)))
)


def import_keys(frame: pd.DataFrame) -> pd.DataFrame | None:
    """The import file's ULNs and registration numbers as validation reads them (the other
    columns as given), or None when its columns are wrong: what the register is read for,
    without normalising the whole file twice."""
    renamed, _, _ = check_columns(as_records(frame))
    return None if renamed is None else normalise(renamed, KEY_STEPS)[0]


def validate_regcert(
    frame: pd.DataFrame,
    *,
    enrolments: pd.DataFrame | None = None,
    allow_temporary_uln: bool = False,
    show_sensitive: bool = False,
    today: dt.date | None = None,
) -> ValidationReport:
    """Check a Registration & Certification import file before anything is written.

    `enrolments` (columns ULN and Qualification Number, optionally the record's
    Registration number and Status) adds the checks against the register: every enrolment,
    or at least those of the file's learners and of its registration numbers
    (`usikit.regcert.register.register_enrolments` reads them). The report's `valid`
    records are the ones an import may apply, normalised.
    """
    view = None if enrolments is None else RegisterView.of(enrolments)
    schema = regcert_schema(
        today or dt.date.today(), allow_temporary_uln=allow_temporary_uln, register=view
    )
    return run_validation(frame, schema, STEPS, check_columns, show_sensitive=show_sensitive)


name_checks(
    {
        "duplicate_record": "a learner and qualification twice",
        "status": "not a status",
        "registration_number_twice": "a registration number twice",
    }
)
