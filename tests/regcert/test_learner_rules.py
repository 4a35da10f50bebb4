"""validate_learners: the learner file that fills the register, rule by rule."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from usikit.regcert.fields import LEARNER_COLUMNS
from usikit.regcert.learner_rules import validate_learners

TODAY = dt.date(2026, 11, 22)

BASE = {
    "Title": "Ms",
    "First Name": "Amelia",
    "Last Name": "O'Neill",
    "Address Line 1": "12 Mill Lane",
    "Address Line 2": "",
    "Address Town/City": "Leeds",
    "County": "West Yorkshire",
    "Post Code": "LS1 4AP",
    "Country": "England",
    "Date of Birth": "14/03/2007",
    "Gender": "F",
    "Email address": "amelia@example.com",
    "Ethnicity": "Any other ethnic group",
    "Start Date": "01/09/2025",
    "Planned Achievement Date": "31/07/2026",
    "Primary Tutor": "Jordan Patel",
    "Employer": "Pennine Precision Ltd",
    "ULN": "1000000043",
    "Programme Name": "Engineering Technician (Level 3)",
    "Qualification Name": "Level 3 Diploma in Engineering Technology",
    "Qualification number": "603/1234/5",
    "Awarding Organisation": "Northfield Awards",
    "QA Verified": "Yes",
}
SECOND = {
    "Qualification number": "ZPROG001",
    "Qualification Name": "Apprenticeship programme aim",
    "Awarding Organisation": "",
}


def learner(**changes: str) -> dict[str, str]:
    record = dict(BASE)
    record.update({k.replace("_", " "): v for k, v in changes.items()})
    return record


def check(*rows: dict[str, str], **options):
    return validate_learners(pd.DataFrame(list(rows)), today=TODAY, **options)


def found(report, severity: str | None = None) -> set[tuple[str, str]]:
    errors = report.errors
    if severity:
        errors = errors[errors["severity"] == severity]
    return set(zip(errors["column"], errors["check"], strict=True))


def test_a_learner_on_two_qualifications_is_valid():
    report = check(learner(), learner(**SECOND))
    assert report.errors.empty
    assert list(report.records.columns) == list(LEARNER_COLUMNS)


FAILING = [
    ({"ULN": ""}, ("ULN", "required")),
    ({"ULN": "1000000063"}, ("ULN", "uln")),
    ({"ULN": "9999999999"}, ("ULN", "uln")),
    ({"First Name": ""}, ("First Name", "required")),
    ({"First Name": "Am3lia"}, ("First Name", "name_characters")),
    ({"Last Name": ""}, ("Last Name", "required")),
    ({"Last Name": "O" * 129}, ("Last Name", "max_length")),
    ({"Employer": "E" * 129}, ("Employer", "max_length")),
    ({"Date of Birth": ""}, ("Date of Birth", "required")),
    ({"Date of Birth": "30/02/2007"}, ("Date of Birth", "real_date")),
    ({"Date of Birth": "01/01/2027"}, ("Date of Birth", "not_in_future")),
    ({"Date of Birth": "01/01/1900"}, ("Date of Birth", "too_old")),
    ({"Start Date": "2025/09/01"}, ("Start Date", "real_date")),
    ({"Planned Achievement Date": "31/06/2026"}, ("Planned Achievement Date", "real_date")),
    ({"Email address": "amelia@"}, ("Email address", "email")),
    ({"Programme Name": ""}, ("Programme Name", "required")),
    ({"Qualification number": ""}, ("Qualification number", "required")),
    ({"Qualification number": "603/12/5"}, ("Qualification number", "qualification_number")),
    ({"Qualification Name": ""}, ("Qualification Name", "required")),
    ({"QA Verified": "Maybe"}, ("QA Verified", "yes_no")),
]


@pytest.mark.parametrize(("changes", "expected"), FAILING, ids=[str(c) for c, _ in FAILING])
def test_each_rule_catches_its_failure(changes, expected):
    report = check(learner(**changes))
    assert expected in found(report, "error")
    assert report.n_valid == 0


WARNINGS = [
    ({"Post Code": "LS1 4A"}, ("Post Code", "uk_postcode")),
    ({"Planned Achievement Date": "01/08/2025"}, ("Planned Achievement Date", "date_order")),
    ({"QA Verified": "true"}, ("QA Verified", "normalised")),
    ({"Post Code": "ls14ap"}, ("Post Code", "normalised")),
    ({"Last Name": "O\u2019Neill"}, ("Last Name", "normalised")),
]


@pytest.mark.parametrize(("changes", "expected"), WARNINGS, ids=[str(e) for _, e in WARNINGS])
def test_warnings_never_block_the_row(changes, expected):
    report = check(learner(**changes))
    assert expected in found(report, "warning")
    assert report.ok


def test_normalised_values_are_the_records_kept():
    report = check(learner(Post_Code="ls14ap", QA_Verified="y", Last_Name="O\u2019Neill"))
    record = report.records.iloc[0]
    assert (record["Post Code"], record["QA Verified"], record["Last Name"]) == (
        "LS1 4AP",
        "Yes",
        "O'Neill",
    )


def test_a_postcode_abroad_is_not_checked():
    assert found(check(learner(Country="France", Post_Code="75001"))) == set()


def test_temporary_uln_with_the_option():
    assert found(check(learner(ULN="9999999999"), allow_temporary_uln=True)) == set()


def test_one_learners_rows_must_agree_on_personal_details():
    report = check(learner(), learner(**SECOND, Last_Name="Oneill", Date_of_Birth="15/03/2007"))
    differ = report.errors.query("check == 'learner_details_differ'")
    assert differ["row"].tolist() == [2, 3]
    assert "row 3 (Last Name, Date of Birth)" in differ["message"].iloc[0]
    assert "15/03/2007" not in report.errors.to_string()  # dates of birth stay masked


def test_one_programmes_rows_must_agree_and_a_qualification_keeps_its_name():
    report = check(learner(), learner(**SECOND, Employer="Other Ltd"))
    assert ("Programme Name", "programme_details_differ") in found(report, "error")
    other = learner(ULN="9276308686", Qualification_Name="Another name")
    report = check(learner(), other)
    assert ("Qualification number", "qualification_details_differ") in found(report, "error")


def test_an_enrolment_twice_is_an_error():
    report = check(learner(), learner(Qualification_number="60312345"))
    assert ("ULN", "duplicate_enrolment") in found(report, "error")


def test_headers_are_matched_forgivingly_with_former_names():
    renamed = {"Qualification number": "Aim ref number", "Awarding Organisation": "Awarding body",
               "Planned Achievement Date": "Completion date", "Last Name": "Surname",
               "Date of Birth": "DOB"}  # fmt: skip
    frame = pd.DataFrame([learner()]).rename(columns=renamed)
    report = validate_learners(frame, today=TODAY)
    assert report.errors.query("severity == 'error'").empty
    assert report.headers.set_index("found").loc["Aim ref number", "read_as"] == (
        "Qualification number"
    )


def test_missing_required_columns_are_file_level_errors():
    frame = pd.DataFrame([learner()]).drop(columns=["ULN", "Programme Name"])
    report = validate_learners(frame, today=TODAY)
    missing = report.file_problems.query("check == 'missing_column'")["column"].tolist()
    assert missing == ["ULN", "Programme Name"]
