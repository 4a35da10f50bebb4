"""The register on SQLite and PostgreSQL: loading learners, the four matching rules, status
reverting, all-or-nothing writes, and the 32-column export."""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd
import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from tests.paths import SHARED
from usikit import InputError, read_table
from usikit.regcert import matching, register
from usikit.regcert.export import export_records, select_records
from usikit.regcert.fields import EXPORT_COLUMNS, IMPORT_COLUMNS
from usikit.regcert.import_rules import validate_regcert
from usikit.regcert.learner_rules import validate_learners
from usikit.regcert.matching import apply_import, import_file
from usikit.regcert.register import import_learners, register_enrolments
from usikit.regcert.tables import enrolments, learners, registrations
from usikit.workspace import open_register

TODAY = dt.date(2026, 11, 22)
ULN_A, ULN_B = "1000000043", "9276308686"
SEED = SHARED / "seeds" / "001_fc10a34e7011b16f.txt"
# The seed's export columns, current names, in its order.
SEED_EXPORT = [
    "Title", "First Name", "Last Name", "Full Name", "Address Line 1", "Address Line 2",
    "Address Town/City", "County", "Post Code", "Country", "Date of Birth", "Gender",
    "Email address", "Ethnicity", "Start Date", "Planned Achievement Date", "Primary Tutor",
    "Employer", "ULN", "Programme Name", "Qualification Name", "Qualification number",
    "Awarding Organisation", "Status", "Registration number", "Registered Date",
    "Certificate Received Date", "Certificate Claimed Date", "Achieved Date",
    "Certificate Sent Date", "Postal Tracking Reference", "QA Verified",
]  # fmt: skip

PERSON_A = {
    "Title": "Ms", "First Name": "Amelia", "Last Name": "Clarke", "Address Line 1": "12 Mill Lane",
    "Address Line 2": "", "Address Town/City": "Leeds", "County": "West Yorkshire",
    "Post Code": "LS1 4AP", "Country": "England", "Date of Birth": "14/03/2007", "Gender": "F",
    "Email address": "amelia@example.com", "Ethnicity": "Any other ethnic group",
    "Start Date": "01/09/2025", "Planned Achievement Date": "31/07/2027",
    "Primary Tutor": "Jordan Patel", "Employer": "=Pennine Ltd", "ULN": ULN_A,
    "Programme Name": "Engineering Technician (Level 3)", "QA Verified": "Yes",
}  # fmt: skip
ENGINEERING = {
    "Qualification number": "603/1234/5",
    "Qualification Name": "Level 3 Diploma in Engineering Technology",
    "Awarding Organisation": "Northfield Awards",
}
MATHS = {
    "Qualification number": "601/2468/X",
    "Qualification Name": "Level 2 Functional Skills Qualification in Mathematics",
    "Awarding Organisation": "Pennine Assessment",
}
PERSON_B = PERSON_A | {"First Name": "Noah", "Last Name": "Khan", "ULN": ULN_B,
                       "Date of Birth": "02/02/2001", "Gender": "M", "QA Verified": "No",
                       "Employer": "City Salon Group"}  # fmt: skip


def learner_file() -> pd.DataFrame:
    return pd.DataFrame([PERSON_A | ENGINEERING, PERSON_A | MATHS, PERSON_B | ENGINEERING])


@pytest.fixture
def workspace(workspace_url):
    opened = open_register(workspace_url, create=True)
    import_learners(opened, validate_learners(learner_file(), today=TODAY))
    yield opened
    opened.close()


def upload(workspace, *rows: dict[str, str], today=TODAY) -> pd.DataFrame:
    """Validate rows against the register and apply them: the result table."""
    frame = pd.DataFrame([{c: r.get(c, "") for c in IMPORT_COLUMNS} for r in rows])
    report = validate_regcert(frame, enrolments=register_enrolments(workspace), today=today)
    assert report.ok, report.errors["message"].tolist()
    return apply_import(workspace, report)


def records(workspace) -> pd.DataFrame:
    with workspace.begin() as connection:
        rows = connection.execute(
            select(
                learners.c.uln,
                registrations.c.status,
                registrations.c.registration_number,
                registrations.c.registration_date,
                registrations.c.achieved_date,
            )
            .join(enrolments, enrolments.c.id == registrations.c.enrolment_id)
            .join(learners, learners.c.id == enrolments.c.learner_id)
            .order_by(registrations.c.id)
        ).all()
    return pd.DataFrame(rows, columns=["uln", "status", "number", "registered", "achieved"])


def count(workspace, table) -> int:
    with workspace.begin() as connection:
        return connection.execute(select(func.count()).select_from(table)).scalar_one()


def engineering(uln: str = ULN_A, **values: str) -> dict[str, str]:
    return {"Qualification Number": "603/1234/5", "ULN": uln} | {
        k.replace("_", " "): v for k, v in values.items()
    }


def test_learners_are_loaded_and_a_second_load_changes_only_what_differs(workspace):
    assert count(workspace, learners) == 2 and count(workspace, enrolments) == 3
    changed = learner_file()
    changed.loc[changed["ULN"] == ULN_B, "Last Name"] = "Khan-Ali"
    result = import_learners(workspace, validate_learners(changed, today=TODAY))
    assert result.counts["learners"] == {"created": 0, "updated": 1, "unchanged": 1}
    assert result.counts["enrolments"] == {"created": 0, "updated": 0, "unchanged": 3}
    assert list(result.counts) == ["learners", "programmes", "qualifications", "enrolments"]


def test_enrolments_for_validation_have_numbers_and_statuses(workspace):
    frame = register_enrolments(workspace)
    assert sorted(frame["Qualification Number"]) == ["6012468X", "60312345", "60312345"]
    assert set(frame["Registration number"]) == {""} and set(frame["Status"]) == {""}


def test_the_matching_sequence(workspace):
    # 1. First upload, no registration number: matched by ULN + qualification, created.
    first = upload(workspace, engineering(Status="Not registered"))
    assert first[["Result", "Details"]].values.tolist() == [["created", "record created"]]
    record = int(first["Record"].iloc[0])
    # 2. The first registration number fills that record.
    second = upload(workspace, engineering(Status="Registered", Registration_number="RN1",
                                           Registration_date="01/10/2025"))  # fmt: skip
    assert second["Result"].tolist() == ["updated"] and second["Record"].tolist() == [record]
    assert "registration number added" in second["Details"].iloc[0]
    # 3. Afterwards the record is matched by its number.
    third = upload(workspace, engineering(Status="Achieved", Registration_number="RN1",
                                          Achieved_date="15/05/2026"))  # fmt: skip
    assert third["Result"].tolist() == ["updated"]
    assert third["Details"].iloc[0] == "matched by its registration number"
    # 4. An empty cell never clears the number (nor any other stored value).
    fourth = upload(workspace, engineering(Status="Achieved"))
    assert fourth["Result"].tolist() == ["unchanged"]
    assert "registration number kept" in fourth["Details"].iloc[0]
    assert records(workspace).values.tolist() == [
        [ULN_A, "Achieved", "RN1", "01/10/2025", "15/05/2026"]
    ]
    assert count(workspace, registrations) == 1


def test_a_first_number_creates_the_record_when_there_is_none(workspace):
    result = upload(workspace, engineering(ULN_B, Status="Registered", Registration_number="RN5"))
    assert result["Result"].tolist() == ["created"]
    assert result["Details"].iloc[0] == "record created with this registration number"
    assert records(workspace)["number"].tolist() == ["RN5"]


def test_a_number_of_another_record_is_refused_by_validation(workspace):
    upload(workspace, engineering(Status="Registered", Registration_number="RN1"))
    frame = pd.DataFrame([engineering(ULN_B, Status="Registered", Registration_number="RN1")])
    frame = frame.reindex(columns=list(IMPORT_COLUMNS), fill_value="")
    report = validate_regcert(frame, enrolments=register_enrolments(workspace), today=TODAY)
    assert report.errors["check"].tolist() == ["registration_number_elsewhere"]
    assert apply_import(workspace, report).empty  # nothing accepted, nothing written
    assert count(workspace, registrations) == 1


def test_status_reverts_when_there_is_no_registration_number(workspace):
    created = upload(workspace, engineering(Status="Registered"))
    assert created["Result"].tolist() == ["status reverted"]
    assert created["Details"].iloc[0] == (
        "record created; Status Registered needs a registration number and the record has "
        "none; the status stays Not registered, and the row's dates are not written"
    )
    upload(workspace, engineering(Status="Exempt"))
    again = upload(workspace, engineering(Status="Certificate Sent", Achieved_date="01/06/2026"))
    assert again["Result"].tolist() == ["status reverted"]
    assert again["Details"].iloc[0].endswith("the status stays Exempt, and the row's dates are "
                                             "not written")  # fmt: skip
    # The dates belong to the status refused: an Exempt record gets no Achieved date.
    assert records(workspace)[["status", "achieved"]].values.tolist() == [["Exempt", ""]]
    numbered = upload(workspace, engineering(Status="Certificate Sent", Registration_number="RN3"))
    assert numbered["Result"].tolist() == ["updated"]
    assert records(workspace)["status"].tolist() == ["Certificate Sent"]


def test_registration_numbers_are_one_number_whatever_their_capitals(workspace):
    upload(workspace, engineering(Status="Registered", Registration_number="RN-A1"))
    same = upload(workspace, engineering(Status="Achieved", Registration_number="rn-a1",
                                         Achieved_date="15/05/2026"))  # fmt: skip
    assert same["Details"].iloc[0] == "matched by its registration number"
    assert records(workspace)[["status", "number"]].values.tolist() == [["Achieved", "RN-A1"]]
    elsewhere = pd.DataFrame([engineering(ULN_B, Status="Registered", Registration_number="rN-a1")])
    frame = elsewhere.reindex(columns=list(IMPORT_COLUMNS), fill_value="")
    report = validate_regcert(frame, enrolments=register_enrolments(workspace), today=TODAY)
    assert report.errors["check"].tolist() == ["registration_number_elsewhere"]
    twice = pd.DataFrame(
        [
            engineering(ULN_B, Status="Registered", Registration_number="rn-b2"),
            engineering(ULN_A, Status="Registered", Registration_number="RN-B2"),
        ]
    )
    twice = twice.reindex(columns=list(IMPORT_COLUMNS), fill_value="")
    report = validate_regcert(twice, today=TODAY)
    assert report.errors["check"].tolist() == ["registration_number_twice"] * 2  # fmt: skip


def test_statuses_that_need_no_number_never_revert(workspace):
    result = upload(
        workspace,
        engineering(Status="Registration Not Required"),
        {"Qualification Number": "601/2468/X", "ULN": ULN_A, "Status": "Not registered"},
    )
    assert result["Result"].tolist() == ["created", "created"]


def test_a_failure_midway_leaves_the_register_as_it_was(workspace, monkeypatch):
    upload(workspace, engineering(Status="Registered", Registration_number="RN1"))
    before = records(workspace)

    def explode(connection, rows, now):
        raise RuntimeError("disk full")

    monkeypatch.setattr(matching, "_update_rows", explode)
    frame = pd.DataFrame(
        [
            engineering(Status="Achieved", Registration_number="RN1"),  # an update
            engineering(ULN_B, Status="Registered", Registration_number="RN2"),  # an insert
        ]
    ).reindex(columns=list(IMPORT_COLUMNS), fill_value="")
    report = validate_regcert(frame, enrolments=register_enrolments(workspace), today=TODAY)
    with pytest.raises(RuntimeError, match="disk full"):
        apply_import(workspace, report)  # the insert ran, then the update failed
    pd.testing.assert_frame_equal(records(workspace), before)
    assert count(workspace, registrations) == 1


def test_a_learner_file_failing_midway_writes_nothing(workspace_url, monkeypatch):
    workspace = open_register(workspace_url, create=True)
    real = register.upsert
    calls = []

    def failing(connection, table, keys, wanted, now):
        calls.append(table.name)
        if table.name == "enrolments":
            raise RuntimeError("connection lost")
        return real(connection, table, keys, wanted, now)

    monkeypatch.setattr(register, "upsert", failing)
    with pytest.raises(RuntimeError, match="connection lost"):
        import_learners(workspace, validate_learners(learner_file(), today=TODAY))
    assert calls == ["learners", "programmes", "qualifications", "enrolments"]
    assert count(workspace, learners) == 0
    workspace.close()


def test_a_register_changed_since_validation_is_refused_whole(workspace):
    frame = pd.DataFrame(
        [
            engineering(Status="Registered", Registration_number="RN1"),
            engineering(ULN_B, Status="Not registered"),
        ]
    ).reindex(columns=list(IMPORT_COLUMNS), fill_value="")
    report = validate_regcert(frame, enrolments=register_enrolments(workspace), today=TODAY)
    upload(workspace, engineering(ULN_B, Status="Registered", Registration_number="RN1"))
    with pytest.raises(InputError, match=r"changed since the file was validated: rows 2 "):
        apply_import(workspace, report)
    assert records(workspace)["uln"].tolist() == [ULN_B]


def test_missing_register_is_a_clear_error(tmp_path):
    with pytest.raises(InputError, match=r"no register at .*load learners"):
        open_register(str(tmp_path / "none.db"))
    assert not (tmp_path / "none.db").exists()


# The export.


def test_export_has_the_seeds_32_columns_in_order(workspace, tmp_path):
    upload(workspace, engineering(Status="Registered", Registration_number="RN1",
                                  Registration_date="01/10/2025"))  # fmt: skip
    assert list(EXPORT_COLUMNS) == SEED_EXPORT and len(SEED_EXPORT) == 32
    csv = export_records(workspace, tmp_path / "out.csv", ids=[1])
    assert list(read_table(tmp_path / "out.csv").columns) == SEED_EXPORT == list(csv.columns)
    export_records(workspace, tmp_path / "out.xlsx", ids=[1])
    header = [c.value for c in load_workbook(tmp_path / "out.xlsx")["Registrations"][1]]
    assert header == SEED_EXPORT


def test_the_seed_file_lists_the_same_columns():
    if not SEED.exists():
        pytest.skip(f"the seed is not at {SEED}")
    text = SEED.read_text(encoding="utf-8")
    listing = text[text.index("The exported information has the following columns:") :]
    bullets = re.findall(r"^\s*•\s*(.+?)\s*$", listing, flags=re.MULTILINE)[:32]
    names = [re.sub(r"\s*\(.*\)$", "", b).rstrip("*").strip() for b in bullets]
    assert names == SEED_EXPORT


def test_export_values_are_derived_masked_and_safe(workspace, tmp_path):
    upload(workspace, engineering(Status="Certificate Sent", Registration_number="RN1",
                                  Registration_date="01/10/2025", Achieved_date="15/05/2026",
                                  Certificate_claimed_date="20/05/2026",
                                  Certificate_received_Date="05/06/2026",
                                  Certificate_Sent_Date="08/06/2026",
                                  Postal_Tracking_Reference="RM123456785GB"))  # fmt: skip
    upload(workspace, engineering(ULN_B, Status="Not registered"))
    frame = select_records(workspace)
    first = frame.iloc[0]
    assert first["Full Name"] == "Amelia Clarke"
    assert first["Date of Birth"] == "**/**/**07"
    assert (first["QA Verified"], frame.iloc[1]["QA Verified"]) == ("Yes", "No")
    assert first[["Registered Date", "Certificate Received Date", "Certificate Claimed Date",
                  "Achieved Date", "Certificate Sent Date"]].tolist() == [
        "01/10/2025", "05/06/2026", "20/05/2026", "15/05/2026", "08/06/2026"]  # fmt: skip
    assert first["Planned Achievement Date"] == "31/07/2027"
    assert select_records(workspace, show_sensitive=True).iloc[0]["Date of Birth"] == "14/03/2007"
    export_records(workspace, tmp_path / "out.csv")
    raw = (tmp_path / "out.csv").read_text(encoding="utf-8-sig")
    assert "'=Pennine Ltd" in raw and "14/03/2007" not in raw


def test_export_selection_by_ids_status_and_qualification(workspace):
    upload(
        workspace,
        engineering(Status="Registered", Registration_number="RN1"),
        engineering(ULN_B, Status="Not registered"),
        {"Qualification Number": "601/2468/X", "ULN": ULN_A, "Status": "Exempt"},
    )
    assert len(select_records(workspace)) == 3
    assert select_records(workspace, ids=[2])["ULN"].tolist() == [ULN_B]
    by_status = select_records(workspace, statuses=["not REGISTERED", "Exempt"])
    assert by_status["Status"].tolist() == ["Not registered", "Exempt"]
    by_number = select_records(workspace, qualifications=["60312345"])
    assert by_number["Qualification number"].tolist() == ["603/1234/5", "603/1234/5"]
    both = select_records(workspace, statuses=["Registered"], qualifications=["603/1234/5"])
    assert both["Registration number"].tolist() == ["RN1"]
    with pytest.raises(InputError, match="no registration record with id 9"):
        select_records(workspace, ids=[1, 9])
    with pytest.raises(InputError, match="unknown status 'Done'"):
        select_records(workspace, statuses=["Done"])
    with pytest.raises(InputError, match="is not a qualification number"):
        select_records(workspace, qualifications=["603-1234"])


# import_file: validation and writes in one transaction, the register read once.


def _file(*rows: dict[str, str]) -> pd.DataFrame:
    return pd.DataFrame(list(rows)).reindex(columns=list(IMPORT_COLUMNS), fill_value="")


def test_import_file_dry_run_changes_nothing_and_apply_writes(workspace):
    frame = _file(engineering(Status="Registered", Registration_number="RN1"),
                  engineering(ULN_B, Status="Registered"))  # fmt: skip
    dry = import_file(workspace, frame, today=TODAY)
    assert dry.results is None and count(workspace, registrations) == 0
    assert dry.report.errors["check"].tolist() == ["status_reverts"]
    done = import_file(workspace, frame, apply=True, today=TODAY)
    assert done.results["Result"].tolist() == ["created", "status reverted"]
    assert done.results["Record"].tolist() == [1, 2]
    again = import_file(workspace, frame, apply=True, today=TODAY)
    assert again.results["Result"].tolist() == ["unchanged", "status reverted"]


def test_import_file_with_wrong_columns_writes_nothing(workspace):
    frame = _file(engineering(Status="Registered"))[list(reversed(IMPORT_COLUMNS))]
    outcome = import_file(workspace, frame, apply=True, today=TODAY)
    assert outcome.report.errors["check"].tolist() == ["columns"]
    assert outcome.results.empty and count(workspace, registrations) == 0


def test_import_file_failing_midway_writes_nothing(workspace, monkeypatch):
    import_file(workspace, _file(engineering(Status="Not registered")), apply=True, today=TODAY)
    before = records(workspace)

    def explode(connection, rows, now):
        raise RuntimeError("disk full")

    monkeypatch.setattr(matching, "_update_rows", explode)
    frame = _file(engineering(Status="Registered", Registration_number="RN1"),
                  engineering(ULN_B, Status="Not registered"))  # fmt: skip
    with pytest.raises(RuntimeError, match="disk full"):
        import_file(workspace, frame, apply=True, today=TODAY)
    pd.testing.assert_frame_equal(records(workspace), before)


def test_a_registration_number_taken_meanwhile_is_a_clear_error(workspace, monkeypatch):
    real = matching._insert_rows

    def race(connection, rows, now):
        real(connection, rows, now)
        return real(connection, rows, now)  # the same enrolments again: a unique constraint

    monkeypatch.setattr(matching, "_insert_rows", race)
    frame = _file(engineering(Status="Registered", Registration_number="RN1"))
    with pytest.raises(InputError, match="changed while the file was being imported"):
        import_file(workspace, frame, apply=True, today=TODAY)
    assert count(workspace, registrations) == 0
