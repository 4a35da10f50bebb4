"""The register read for a file and joined to its rows in whole columns: the edge cases a
wrong join would get wrong (numbers in other capitals, a record found twice, an empty
register, blank cells, lists longer than SQLite binds, ids in the rows' order)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import select

from tests.regcert.test_register import (
    TODAY,
    ULN_A,
    ULN_B,
    _file,
    count,
    engineering,
    learner_file,
    records,
)
from usikit.regcert.fields import IMPORT_COLUMNS, REGISTRATION_NUMBER
from usikit.regcert.learner_rules import validate_learners
from usikit.regcert.matching import (
    KEPT_WHEN_EMPTY,
    _details,
    current_records,
    import_file,
    plan_import,
)
from usikit.regcert.register import import_learners, register_enrolments, text_frame
from usikit.regcert.tables import enrolments, learners, qualifications, registrations
from usikit.workspace import open_register


@pytest.fixture
def workspace(workspace_url):
    """Two learners: A on engineering and maths, B on engineering."""
    opened = open_register(workspace_url, create=True)
    import_learners(opened, validate_learners(learner_file(), today=TODAY))
    yield opened
    opened.close()


def test_a_number_in_other_capitals_is_found_on_another_learners_record(workspace):
    import_file(workspace, _file(engineering(Status="Registered", Registration_number="RN-A1")),
                apply=True, today=TODAY)  # fmt: skip
    # Learner B's own enrolments do not hold the number: only the read by number finds it.
    frame = _file(engineering(ULN_B, Status="Registered", Registration_number="rn-a1"))
    outcome = import_file(workspace, frame, apply=True, today=TODAY)
    errors = outcome.report.errors
    assert errors["check"].tolist() == ["registration_number_elsewhere"]
    assert "another learner's record (qualification 60312345)" in errors["message"].iloc[0]
    assert outcome.results.empty and count(workspace, registrations) == 1


def test_a_record_found_by_its_learner_and_by_its_number_is_read_once(workspace):
    import_file(workspace, _file(engineering(Status="Registered", Registration_number="RN-A1")),
                apply=True, today=TODAY)  # fmt: skip
    rows = _file(engineering(Status="Achieved", Registration_number="rn-A1"))
    with workspace.begin() as connection:
        current = current_records(connection, rows)
    assert sorted(current.index) == [f"{ULN_A}|6012468X", f"{ULN_A}|60312345"]
    assert not current["enrolment_id"].duplicated().any()
    done = import_file(workspace, rows.assign(**{"Achieved date": "15/05/2026"}), apply=True,
                       today=TODAY)  # fmt: skip
    assert done.results["Result"].tolist() == ["updated"]
    assert records(workspace)[["status", "number"]].values.tolist() == [["Achieved", "RN-A1"]]


def test_applying_reads_the_details_of_the_records_the_rows_name_and_no_others(workspace):
    maths = {"Qualification Number": "601/2468/X", "ULN": ULN_A}
    import_file(
        workspace,
        _file(
            engineering(
                Status="Registered", Registration_number="RN-A1", Registration_date="01/10/2025"
            ),
            maths
            | {
                "Status": "Registered",
                "Registration number": "RN-M1",
                "Registration date": "02/10/2025",
                "Postal Tracking Reference": "PT1",
            },
        ),
        apply=True,
        today=TODAY,
    )
    rows = _file(engineering(Status="Achieved", Achieved_date="15/05/2026"))
    with workspace.begin() as connection:
        current = current_records(connection, rows)
        whole = current_records(connection)
        checking = current_records(connection, rows, applying=False)
    # Both of learner A's enrolments are read (the checks need them); only engineering,
    # which the row names, comes with its record's details.
    assert sorted(current.index) == [f"{ULN_A}|6012468X", f"{ULN_A}|60312345"]
    assert list(current.columns) == list(whole.columns)
    named = current.loc[f"{ULN_A}|60312345"]
    assert named["registration_date"] == "01/10/2025" and named["registration_number"] == "RN-A1"
    other = current.loc[f"{ULN_A}|6012468X"]
    assert other["registration_number"] == "RN-M1"  # what the checks read, still there
    assert (other[list(KEPT_WHEN_EMPTY.values())] == "").all()
    assert whole.loc[f"{ULN_A}|6012468X", "postal_tracking_reference"] == "PT1"
    assert "registration_date" not in checking.columns
    # The empty cells of the applied row keep the record's stored date.
    done = import_file(workspace, rows, apply=True, today=TODAY)
    assert done.results["Result"].tolist() == ["updated"]
    assert records(workspace)["registered"].tolist() == ["01/10/2025", "02/10/2025"]


def test_an_empty_register_knows_no_learner_and_writes_nothing(workspace_url):
    empty = open_register(workspace_url, create=True)
    try:
        frame = _file(engineering(Status="Registered", Registration_number="RN1"),
                      engineering(ULN_B, Status="Not registered"))  # fmt: skip
        outcome = import_file(empty, frame, apply=True, today=TODAY)
        assert set(outcome.report.errors["check"]) == {"learner_not_in_register"}
        assert outcome.results.empty and count(empty, registrations) == 0
        assert register_enrolments(empty, for_file=frame).empty
    finally:
        empty.close()


def test_blank_and_missing_cells_match_by_learner_and_store_no_number(workspace):
    frame = _file(engineering(Status="Not registered"), engineering(ULN_B, Status="Exempt"))
    frame.loc[0, "Registration number"] = np.nan
    frame.loc[1, "Registration number"] = None
    frame.loc[1, "Postal Tracking Reference"] = np.nan
    done = import_file(workspace, frame, apply=True, today=TODAY)
    assert done.report.ok and done.results["Result"].tolist() == ["created", "created"]
    stored = records(workspace)
    assert stored["number"].tolist() == [None, None]  # NULL: two records without a number
    assert stored["uln"].tolist() == [ULN_A, ULN_B]


def test_new_records_get_their_ids_in_the_rows_order(workspace):
    frame = _file(
        engineering(ULN_B, Status="Registered", Registration_number="RN-B"),
        {"Qualification Number": "601/2468/X", "ULN": ULN_A, "Status": "Not registered"},
        engineering(Status="Registered", Registration_number="RN-A"),
    )
    done = import_file(workspace, frame, apply=True, today=TODAY)
    assert done.results["Result"].tolist() == ["created"] * 3
    with workspace.begin() as connection:
        stored = dict(
            connection.execute(
                select(registrations.c.id, learners.c.uln + "|" + qualifications.c.number_key)
                .join(enrolments, enrolments.c.id == registrations.c.enrolment_id)
                .join(learners, learners.c.id == enrolments.c.learner_id)
                .join(qualifications, qualifications.c.id == enrolments.c.qualification_id)
            ).all()
        )
    found = [stored[i] for i in done.results["Record"]]
    assert found == [f"{ULN_B}|60312345", f"{ULN_A}|6012468X", f"{ULN_A}|60312345"]


def test_more_learners_than_sqlite_binds_are_read_in_one_query(workspace):
    many = [f"{n:010d}" for n in range(2_000_000_000, 2_000_040_000)]  # 40,000 unknown ULNs
    frame = pd.DataFrame({"ULN": [*many, ULN_B], "Qualification Number": "603/1234/5",
                          "Status": "Registered"}).reindex(
        columns=list(IMPORT_COLUMNS), fill_value=""
    )  # fmt: skip
    frame.loc[:, "Registration number"] = [f"X{n}" for n in range(len(frame))]
    found = register_enrolments(workspace, for_file=frame)
    assert found["ULN"].tolist() == [ULN_B]
    assert found["Qualification Number"].tolist() == ["60312345"]


def test_database_rows_become_text_columns_with_blanks_for_null():
    rows = [(1, "RN1", None, True), (None, None, "Exempt", False)]
    frame = text_frame(rows, ["id", "number", "status", "flag"], integers=("id",))
    assert frame["id"].tolist() == [1, pd.NA]
    assert frame["number"].tolist() == ["RN1", ""]
    assert frame["status"].tolist() == ["", "Exempt"]
    assert frame["flag"].tolist() == ["True", "False"]  # not Arrow's "true"
    assert str(frame["number"].dtype) == "str"
    empty = text_frame([], ["id", "number"], integers=("id",))
    assert empty.empty and list(empty.columns) == ["id", "number"]


def test_the_plan_joins_each_row_with_its_own_record_when_a_key_repeats():
    def record(enrolment: int, uln: str, key: str, record_id: int, number: str) -> dict:
        kept = {column: "" for column in KEPT_WHEN_EMPTY.values()}
        return {"enrolment_id": enrolment, "uln": uln, "number_key": key,
                "record_id": record_id, "status": "Registered",
                "registration_number": number} | kept  # fmt: skip

    current = pd.DataFrame(
        [
            record(1, ULN_A, "60312345", 11, "RN-A"),
            record(2, ULN_A, "60312345", 12, "RN-A2"),  # the same key again: not the first
            record(3, ULN_B, "60312345", 13, "RN-B"),
        ]
    ).astype({"record_id": "Int64"})
    current.index = pd.Index(current["uln"] + "|" + current["number_key"], name="key")
    rows = _file(
        engineering(ULN_B, Status="Achieved", Registration_number="rn-b"),
        engineering(Status="Achieved", Registration_number="RN-A"),
    )
    rows.index = pd.RangeIndex(2, 4, name="row")
    plan = plan_import(rows, current)
    assert plan.results["Record"].tolist() == [13, 11]
    assert plan.results[REGISTRATION_NUMBER].tolist() == ["RN-B", "RN-A"]  # stored spelling
    assert plan.updates["id"].tolist() == [13, 11] and plan.inserts.empty


def test_each_row_s_details_join_its_notes_in_order():
    exists = np.array([False, True, True, True, False, True])
    given = pd.Series(["", "RN2", "", "rn1", "", ""], dtype="str")
    stored = pd.Series(["", "", "RN1", "RN1", "", ""], dtype="str")
    wanted = pd.Series(["Not registered", "Registered", "Achieved", "Achieved", "Achieved",
                        "Registered"], dtype="str")  # fmt: skip
    previous = pd.Series(["Not registered", "Exempt", "Registered", "Registered",
                          "Not registered", "Exempt"], dtype="str")  # fmt: skip
    reverted = np.array([False, False, False, False, True, True])
    why = "needs a registration number and the record has none; the status stays"
    assert _details(exists, reverted, given, stored, wanted, previous).tolist() == [
        "record created",
        "registration number added; the record is matched by it from now on",
        "registration number kept (an empty cell never removes it)",
        "matched by its registration number",
        f"record created; Status Achieved {why} Not registered, and the row's dates are not "
        "written",
        f"Status Registered {why} Exempt, and the row's dates are not written",
    ]
