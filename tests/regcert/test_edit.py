"""Correcting one registration record by hand: checked by the import's rules, all or nothing,
refused without manage_regcert, audited; on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.paths import ROOT
from usikit import InputError, read_table
from usikit.regcert.edit import EDITABLE, edit_record, record_values
from usikit.regcert.export import select_records
from usikit.regcert.learner_rules import validate_learners
from usikit.regcert.matching import import_file
from usikit.regcert.register import import_learners
from usikit.store.audit import audit_records
from usikit.workspace import open_workspace

SAMPLES = ROOT / "data" / "samples"
TODAY = dt.date(2026, 11, 22)


@pytest.fixture
def workspace(workspace_url):
    opened = open_workspace(workspace_url)
    import_learners(opened, validate_learners(read_table(SAMPLES / "regcert_register.xlsx")))
    first = read_table(SAMPLES / "regcert_import_first.csv", sep=",")
    import_file(opened, first, apply=True, today=TODAY)
    yield opened
    opened.close()


def numbered(workspace) -> tuple[int, int]:
    """Two records that hold a registration number."""
    records = select_records(workspace, with_ids=True)
    ids = records.index[records["Registration number"] != ""]
    return int(ids[0]), int(ids[1])


def test_a_registration_number_an_import_cannot_change_is_corrected(workspace):
    record, _ = numbered(workspace)
    before = record_values(workspace, record)
    done = edit_record(workspace, record, {"Registration number": "RN55555555"}, today=TODAY)
    assert done.changed == {"Registration number": (before["Registration number"], "RN55555555")}
    assert record_values(workspace, record)["Registration number"] == "RN55555555"
    assert done.summary_line() == (
        f"Record {record} saved: Registration number {before['Registration number']} -> RN55555555"
    )
    trail = audit_records(workspace, actions=["regcert edit"])
    assert trail["updated"].tolist() == [1] and trail["File"].tolist() == [""]


def test_values_are_tidied_and_an_empty_value_empties_a_field(workspace):
    record, _ = numbered(workspace)
    done = edit_record(
        workspace, record, {"Achieved date": "1/3/2026", "Status": "achieved"}, today=TODAY
    )
    after = record_values(workspace, record)
    assert after["Achieved date"] == "01/03/2026" and after["Status"] == "Achieved"
    assert any("was changed to '01/03/2026'" in w for w in done.warnings)
    edit_record(workspace, record, {"Achieved date": ""}, today=TODAY)
    assert record_values(workspace, record)["Achieved date"] == ""


@pytest.mark.parametrize(
    ("changes", "said"),
    [
        ({"Registration date": "31/02/2026"}, "is not a real date"),
        ({"Status": "Passed"}, "is not one of"),
        ({"Postal Tracking Reference": "P" * 129}, "is longer than 128 characters"),
        ({"Status": "Registered", "Registration number": ""}, "needs a registration number"),
        ({"ULN": "1000000043"}, "cannot be edited"),
    ],
)
def test_a_wrong_value_changes_nothing(workspace, changes, said):
    record, _ = numbered(workspace)
    before = record_values(workspace, record)
    with pytest.raises(InputError, match=said):
        edit_record(workspace, record, changes, today=TODAY)
    assert record_values(workspace, record) == before
    assert audit_records(workspace, actions=["regcert edit"]).empty


def test_another_record_s_number_is_refused(workspace):
    record, other = numbered(workspace)
    taken = record_values(workspace, other)["Registration number"]
    with pytest.raises(InputError, match="already belongs to"):
        edit_record(workspace, record, {"Registration number": taken}, today=TODAY)


def test_an_unknown_record_and_nothing_changed(workspace):
    with pytest.raises(InputError, match="no registration record with id 99999"):
        edit_record(workspace, 99999, {"Status": "Exempt"})
    record, _ = numbered(workspace)
    same = record_values(workspace, record)["Status"]
    assert edit_record(workspace, record, {"Status": same}).changed == {}
    assert audit_records(workspace, actions=["regcert edit"]).empty  # nothing to record


def test_the_editable_fields_are_the_import_s_but_the_keys():
    assert EDITABLE[0] == "Status" and "ULN" not in EDITABLE
    assert "Qualification Number" not in EDITABLE and len(EDITABLE) == 8
