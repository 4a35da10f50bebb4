"""validate_regcert: each import rule passes a good row and catches a bad one."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

import usikit
from usikit import read_table
from usikit.regcert.fields import IMPORT_COLUMNS, STATUSES
from usikit.regcert.import_rules import validate_regcert

TODAY = dt.date(2026, 11, 22)
ULN_A, ULN_B, ULN_C = "1000000043", "9276308686", "1000000051"

BASE = {
    "Qualification Number": "603/1234/5",
    "ULN": ULN_A,
    "Status": "Registered",
    "Registration number": "RN1",
    "Registration date": "01/09/2025",
    "Certificate claimed date": "",
    "Achieved date": "",
    "Certificate received Date": "",
    "Certificate Sent Date": "",
    "Postal Tracking Reference": "",
}
# The register: A on two qualifications (one with a record numbered RN9), B on one.
ENROLMENTS = pd.DataFrame(
    {
        "ULN": [ULN_A, ULN_A, ULN_B],
        "Qualification Number": ["603/1234/5", "ZPROG001", "60312345"],
        "Registration number": ["", "", "RN9"],
        "Status": ["", "Exempt", "Registered"],
    }
)


def row(**changes: str) -> dict[str, str]:
    record = dict(BASE)
    record.update({k.replace("_", " "): v for k, v in changes.items()})
    return record


def check(*rows: dict[str, str], **options):
    frame = pd.DataFrame(list(rows), columns=list(IMPORT_COLUMNS))
    return validate_regcert(frame, today=TODAY, **options)


def found(report, severity: str | None = None) -> set[tuple[str, str]]:
    errors = report.errors
    if severity:
        errors = errors[errors["severity"] == severity]
    return set(zip(errors["column"], errors["check"], strict=True))


def test_a_good_row_has_no_problem_on_its_own_and_against_the_register():
    assert check(row()).errors.empty
    assert check(row(), enrolments=ENROLMENTS).errors.empty


@pytest.mark.parametrize("status", STATUSES)
def test_every_status_is_accepted(status):
    assert found(check(row(Status=status)), "error") == set()


@pytest.mark.parametrize(
    ("number", "valid"),
    [("603/1234/5", True), ("603/1234/X", True), ("6031234X", True), ("ZPROG001", True),
     ("603-1234-5", False), ("603/123/5", False), ("6031234", False), ("ZPROG0001", False)],
)  # fmt: skip
def test_qualification_number_shapes(number, valid):
    errors = found(check(row(Qualification_Number=number)), "error")
    assert (("Qualification Number", "qualification_number") not in errors) is valid


# One failing case per rule: (changes to the base row, (column, check) expected).
FAILING = [
    ({"Qualification Number": ""}, ("Qualification Number", "required")),
    ({"Qualification Number": "QUAL-1"}, ("Qualification Number", "qualification_number")),
    ({"ULN": ""}, ("ULN", "required")),
    ({"ULN": "1000000063"}, ("ULN", "uln")),
    ({"ULN": "0000000042"}, ("ULN", "uln")),
    ({"ULN": "100000004"}, ("ULN", "uln")),
    ({"ULN": "10000000A3"}, ("ULN", "uln")),
    ({"ULN": "9999999999"}, ("ULN", "uln")),
    ({"Status": ""}, ("Status", "required")),
    ({"Status": "Passed"}, ("Status", "status")),
    ({"Registration number": "R" * 129}, ("Registration number", "max_length")),
    ({"Postal Tracking Reference": "P" * 129}, ("Postal Tracking Reference", "max_length")),
    ({"Registration date": "31/02/2025"}, ("Registration date", "real_date")),
    ({"Certificate claimed date": "01/09/25"}, ("Certificate claimed date", "real_date")),
    ({"Achieved date": "soon"}, ("Achieved date", "real_date")),
    ({"Certificate received Date": "32/01/2026"}, ("Certificate received Date", "real_date")),
    ({"Certificate Sent Date": "2026/01/05"}, ("Certificate Sent Date", "real_date")),
]


@pytest.mark.parametrize(("changes", "expected"), FAILING, ids=[str(c) for c, _ in FAILING])
def test_each_rule_catches_its_failure(changes, expected):
    report = check(row(**changes))
    assert expected in found(report, "error")
    assert report.status.tolist() == ["error"]


def test_text_of_exactly_128_characters_is_accepted():
    report = check(row(Registration_number="R" * 128, Postal_Tracking_Reference="P" * 128))
    assert found(report) == set()


WARNINGS = [
    ({"Registration date": "01/01/2099"}, ("Registration date", "in_future")),
    ({"Certificate Sent Date": "23/11/2026"}, ("Certificate Sent Date", "in_future")),
    ({"Achieved date": "01/08/2025"}, ("Achieved date", "date_order")),
    ({"Certificate claimed date": "10/06/2026", "Certificate Sent Date": "01/06/2026"},
     ("Certificate Sent Date", "date_order")),
    ({"Certificate claimed date": "10/06/2026", "Certificate received Date": "01/06/2026"},
     ("Certificate received Date", "date_order")),
    ({"Status": "certificate  claimed"}, ("Status", "normalised")),
    ({"Registration date": "1/9/2025"}, ("Registration date", "normalised")),
    ({"Qualification Number": "zprog001"}, ("Qualification Number", "normalised")),
]  # fmt: skip


@pytest.mark.parametrize(("changes", "expected"), WARNINGS, ids=[str(e) for _, e in WARNINGS])
def test_warnings_never_block_the_row(changes, expected):
    report = check(row(**changes))
    assert expected in found(report, "warning")
    assert report.ok


def test_dates_in_order_and_today_are_not_warned_about():
    in_order = row(
        Achieved_date="01/09/2025",
        Certificate_claimed_date="02/09/2025",
        Certificate_received_Date="03/09/2025",
        Certificate_Sent_Date="22/11/2026",
    )
    report = check(in_order)
    assert found(report) == set()


def test_status_case_and_spacing_are_corrected_with_a_warning():
    report = check(row(Status=" certificate  CLAIMED"), row(ULN=ULN_B, Status="notregistered",
                                                             Registration_number=""))  # fmt: skip
    assert report.records["Status"].tolist() == ["Certificate Claimed", "Not registered"]
    notes = report.errors.query("check == 'normalised'")["message"].tolist()
    assert notes[0].startswith(
        "Status ' certificate  CLAIMED' was changed to 'Certificate Claimed'"
    )


def test_the_temporary_uln_needs_the_option():
    message = check(row(ULN="9999999999")).errors["message"].iloc[0]
    assert "temporary ULN" in message and "allow temporary ULNs" in message
    assert found(check(row(ULN="9999999999"), allow_temporary_uln=True)) == set()


def test_uln_messages_say_what_is_wrong():
    report = check(
        row(ULN="1000000063"), row(ULN="0000000042", Registration_number="RN2"),
        row(ULN="12345", Registration_number="RN3"),
    )  # fmt: skip
    assert report.errors["message"].tolist() == [
        "ULN '1000000063' has a wrong check digit; copy it again from the learner's record",
        "ULN '0000000042' cannot start with 0; a ULN starts with 1-9",
        "ULN '12345' must be exactly 10 digits",
    ]


def test_a_learners_qualification_twice_in_the_file_is_an_error_on_both_rows():
    report = check(row(), row(Qualification_Number="60312345", Registration_number=""))
    duplicates = report.errors.query("check == 'duplicate_record'")
    assert duplicates["row"].tolist() == [2, 3]
    assert "also in row 3" in duplicates["message"].iloc[0]


def test_a_registration_number_twice_in_the_file_is_an_error():
    report = check(row(), row(ULN=ULN_B))
    assert report.errors.query("check == 'registration_number_twice'")["row"].tolist() == [2, 3]


# Rules against the register.

REGISTER_FAILING = [
    ({"ULN": ULN_C}, ("ULN", "learner_not_in_register")),
    ({"Qualification Number": "601/2468/X"}, ("Qualification Number", "not_enrolled")),
    ({"Registration number": "RN9"}, ("Registration number", "registration_number_elsewhere")),
    ({"ULN": ULN_B, "Qualification Number": "603/1234/5", "Registration number": "RN8"},
     ("Registration number", "registration_number_differs")),
]  # fmt: skip


@pytest.mark.parametrize(
    ("changes", "expected"), REGISTER_FAILING, ids=[e[1] for _, e in REGISTER_FAILING]
)
def test_each_register_rule_catches_its_failure(changes, expected):
    assert expected not in found(check(row(**changes)))  # the file alone cannot know
    report = check(row(**changes), enrolments=ENROLMENTS)
    assert expected in found(report, "error")
    assert report.n_valid == 0


def test_register_rules_pass_rows_that_match():
    report = check(
        row(),  # the first number for A's record
        row(ULN=ULN_B, Registration_number="RN9", Status="Achieved"),  # matched by its number
        row(Qualification_Number="ZPROG001", Registration_number="", Status="Exempt"),
        enrolments=ENROLMENTS,
    )  # fmt: skip
    assert found(report) == set()


def test_aim_reference_and_ofqual_spelling_find_the_same_enrolment():
    report = check(row(Qualification_Number="60312345"), enrolments=ENROLMENTS)
    assert found(report) == set()


def test_number_of_another_qualification_of_the_same_learner_is_named_so():
    enrolments = ENROLMENTS.assign(**{"Registration number": ["", "RN7", "RN9"]})
    report = check(row(Registration_number="RN7"), enrolments=enrolments)
    message = report.errors.query("check == 'registration_number_elsewhere'")["message"].iloc[0]
    assert "this learner's record on qualification ZPROG001" in message


def test_a_status_that_will_revert_is_a_warning_naming_the_status_kept():
    report = check(row(Registration_number=""), enrolments=ENROLMENTS)
    reverts = report.errors.query("check == 'status_reverts'")
    assert reverts["severity"].tolist() == ["warning"]
    assert (
        reverts["message"]
        .iloc[0]
        .endswith(
            "the record keeps the status Not registered, and the row's dates and postal reference "
            "are not written"
        )
    )
    assert report.ok
    stored = check(row(ULN=ULN_B, Registration_number=""), enrolments=ENROLMENTS)
    assert found(stored) == set()  # B's record has a number: nothing reverts


def test_temporary_uln_allowed_must_still_be_a_learner_in_the_register():
    report = check(row(ULN="9999999999"), enrolments=ENROLMENTS, allow_temporary_uln=True)
    assert found(report, "error") == {("ULN", "learner_not_in_register")}


def test_enrolments_need_their_columns():
    with pytest.raises(ValueError, match="ULN and Qualification Number"):
        check(row(), enrolments=pd.DataFrame({"ULN": [ULN_A]}))


# The header: exactly the ten columns in order.


def _frame_with(columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame([[BASE.get(c, "x") for c in columns]], columns=columns)


@pytest.mark.parametrize(
    ("columns", "fault"),
    [
        (list(IMPORT_COLUMNS[:-1]), "missing: Postal Tracking Reference"),
        ([*IMPORT_COLUMNS, "Notes"], "not expected: Notes"),
        ([IMPORT_COLUMNS[1], IMPORT_COLUMNS[0], *IMPORT_COLUMNS[2:]], "in another order"),
    ],
    ids=["missing", "extra", "misordered"],
)
def test_wrong_columns_are_one_file_level_error_naming_expected_and_found(columns, fault):
    report = validate_regcert(_frame_with(columns), today=TODAY)
    assert len(report.errors) == 1
    problem = report.errors.iloc[0]
    assert pd.isna(problem["row"]) and problem["check"] == "columns"
    assert fault in problem["message"]
    assert "in this order: " + ", ".join(IMPORT_COLUMNS) in problem["message"]
    assert "It has: " + ", ".join(columns) in problem["message"]
    assert report.n_valid == 0


def test_former_names_and_other_spellings_are_accepted_with_a_warning():
    columns = [
        "Aim ref number",
        "uln",
        *IMPORT_COLUMNS[2:4],
        "Registered Date",
        *IMPORT_COLUMNS[5:],
    ]
    report = validate_regcert(pd.DataFrame([list(BASE.values())], columns=columns), today=TODAY)
    assert list(report.records.columns) == list(IMPORT_COLUMNS)
    mapped = report.errors.query("check == 'header_mapped'")["message"].tolist()
    assert "Column 'Aim ref number' was read as 'Qualification Number' (its former name)" in mapped
    assert report.ok
    assert report.headers.set_index("found").loc["uln", "how"] == "spelling"


def test_the_public_api_and_the_registry_of_kinds(write_text):
    path = write_text("r.csv", ",".join(IMPORT_COLUMNS) + "\n" + ",".join(BASE.values()) + "\n")
    frame = read_table(path, sep=",")
    assert (
        usikit.validate_regcert(frame, today=TODAY).summary_line()
        == "1 record: 1 valid, 0 with errors"
    )
    assert usikit.validate("regcert", frame, today=TODAY).ok
    validator = usikit.VALIDATORS["regcert"]
    assert (validator.max_bytes, validator.csv_only, validator.default_sep) == (
        2 * 1024 * 1024,
        True,
        ",",
    )
    assert "validate_regcert" in usikit.__all__


def test_rows_are_numbered_as_in_the_file_and_a_formula_mark_is_removed(write_text):
    lines = [",".join(IMPORT_COLUMNS), ",".join(BASE.values()), "",
             ",".join(row(ULN=ULN_B, Registration_number="RN2",
                          Postal_Tracking_Reference="'=1+2").values())]  # fmt: skip
    report = validate_regcert(read_table(write_text("r.csv", "\n".join(lines) + "\n")), today=TODAY)
    assert list(report.records.index) == [2, 4]
    assert report.records.loc[4, "Postal Tracking Reference"] == "=1+2"
    assert ("Postal Tracking Reference", "normalised") in found(report, "warning")
