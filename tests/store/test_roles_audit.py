"""The audit trail: no personal data in any record, `who` written by PostgreSQL itself, and an
export's record consistent with the file it describes."""

from __future__ import annotations

import datetime as dt
import hashlib

import pandas as pd
import pytest
from sqlalchemy import select, text

from tests.batch_helpers import DEMO, TODAY
from tests.roles_helpers import OWNER, shared_workspace
from usikit import read_table
from usikit.bulk_usi import batches
from usikit.bulk_usi.clients import export_clients, import_clients
from usikit.bulk_usi.registry.simulator import OfflineRegistry
from usikit.bulk_usi.tables import clients
from usikit.regcert.export import export_records
from usikit.regcert.learner_rules import validate_learners
from usikit.regcert.matching import import_file
from usikit.regcert.register import import_learners
from usikit.store import access, audit, grants
from usikit.store.audit import audit_records
from usikit.store.exports import export_error_report, export_import_results
from usikit.store.tables import audit as audit_table
from usikit.workspace import open_workspace

SAMPLES = DEMO.parent
# The columns of the flow's files that hold personal data (or identify a person).
CLIENT_PERSONAL = ("Client ID", "USI", "First Name", "Middle Name", "Family Name", "Single Name",
                   "Date of Birth", "Town/City of Birth", "Email", "Home Phone", "Mobile Phone",
                   "Address Line 1", "Address Line 2", "Suburb/Town/City", "Postcode",
                   "Document Number", "Document Card Number", "Name on Document")  # fmt: skip
LEARNER_PERSONAL = ("First Name", "Last Name", "Address Line 1", "Address Line 2",
                    "Address Town/City", "Post Code", "Date of Birth", "Email address", "ULN",
                    "Primary Tutor", "Employer")  # fmt: skip
IMPORT_PERSONAL = ("ULN", "Registration number", "Postal Tracking Reference")


def personal_values(workspace) -> set[str]:
    """Every name, date of birth, document number, ... the flow read or the registry issued."""
    found: set[str] = set()
    for frame, columns in (
        (read_table(DEMO), CLIENT_PERSONAL),
        (read_table(SAMPLES / "regcert_register.xlsx"), LEARNER_PERSONAL),
        (read_table(SAMPLES / "regcert_import_first.csv", sep=","), IMPORT_PERSONAL),
        (read_table(SAMPLES / "regcert_import_update.csv", sep=","), IMPORT_PERSONAL),
    ):
        for column in columns:
            found |= {v.strip() for v in frame[column].astype(str)}
    with workspace.begin() as connection:  # the USIs the registry issued
        found |= set(connection.execute(select(clients.c.usi)).scalars())
    dates = {v for v in found if len(v) == 10 and v[2] == "/" and v[5] == "/"}
    found |= {f"{d[6:]}-{d[3:5]}-{d[:2]}" for d in dates}  # and as ISO dates
    return {v for v in found if len(v) >= 4}


def test_audit_records_hold_no_personal_data(workspace_url, tmp_path):
    """The whole flow, every export with its personal data shown, then every audit cell."""
    workspace = open_workspace(workspace_url)
    registry = OfflineRegistry(workspace, delay=dt.timedelta(0))
    import_clients(workspace, read_table(DEMO), today=TODAY)
    batches.add_to_batch(workspace, all_without_usi=True)
    batches.export_batch(workspace, tmp_path / "grid.xlsx", show_sensitive=True)
    sent = batches.submit_batch(workspace, registry, org_code="DEMO1", user_reference="t",
                                today=TODAY)  # fmt: skip
    batches.retrieve_batch(workspace, registry, sent.batch_id, org_code="DEMO1")
    batches.export_results(workspace, sent.batch_id, tmp_path / "results.csv")
    export_clients(workspace, tmp_path / "clients.csv", show_sensitive=True)
    learners = validate_learners(read_table(SAMPLES / "regcert_register.xlsx"), show_sensitive=True)
    import_learners(workspace, learners)
    for name in ("regcert_import_first.csv", "regcert_import_update.csv"):
        outcome = import_file(
            workspace, read_table(SAMPLES / name, sep=","), apply=True, show_sensitive=True
        )
        export_error_report(workspace, outcome.report, tmp_path / f"errors-{name}")
        export_import_results(workspace, outcome.results, tmp_path / f"results-{name}")
    export_records(workspace, tmp_path / "register.csv", show_sensitive=True)
    with workspace.begin() as connection:
        rows = connection.execute(select(audit_table)).mappings().all()
    assert len(rows) == 14  # one per action of the flow
    # The digest is a hash of the file: its hex digits can spell a postcode by chance.
    assert all(len(row["file_sha256"]) in (0, 64) for row in rows)
    written = " | ".join(
        str(row[column])
        for row in rows
        for column in row
        if column not in ("id", "at", "file_sha256")
    )
    assert "Siobhan" in (tmp_path / "clients.csv").read_text("utf-8-sig")  # the exports do
    values = personal_values(workspace)
    assert len(values) > 500 and {"Siobhan", "21/07/1992", "19504143", "8583693063"} <= values
    leaked = sorted(v for v in values if v.casefold() in written.casefold())
    assert leaked == []


@pytest.fixture
def team(postgres_server):
    return shared_workspace(
        postgres_server, {"alice": ("bulk_upload",), "bob": ("data_export",)}, ("dave",)
    )


INSERT = (
    "INSERT INTO audit (at, who, action, file_name, file_sha256, counts) "
    "VALUES (now(), :who, 'clients import', '', '', '{}')"
)


RECORD = "SELECT usikit_audit_record('clients import', 'forged.csv', '', '{}')"


def test_postgresql_writes_who_inserted_the_audit_record(team):
    """Nobody writes an audit record in someone else's name: an officer cannot insert one at
    all, usikit's function writes the user who logged in, even after SET ROLE, and the
    owner's own insert gets the owner's name from the trigger."""
    _url, owner, as_user = team
    alice = as_user("alice")
    with pytest.raises(Exception) as refused, alice.begin() as connection:
        connection.execute(text(INSERT), {"who": "bob"})
    assert refused.value.orig.sqlstate == access.REFUSED
    with alice.begin() as connection:
        connection.exec_driver_sql(RECORD)
        connection.exec_driver_sql("SET LOCAL ROLE usikit_bulk_upload")
        connection.exec_driver_sql(RECORD)
    with owner.begin() as connection:
        connection.execute(text(INSERT), {"who": "alice"})
    import_clients(alice, read_table(DEMO), include_invalid=True, today=TODAY)
    trail = audit_records(owner)
    assert trail["Who"].tolist() == ["alice", "alice", OWNER, "alice"]
    with pytest.raises(Exception) as refused, alice.begin() as connection:  # still append-only
        connection.exec_driver_sql("UPDATE audit SET who = 'bob'")
    assert refused.value.orig.sqlstate == access.REFUSED
    with as_user("dave").begin() as connection:  # the administrator may correct a record
        connection.exec_driver_sql("UPDATE audit SET who = 'alice (corrected)' WHERE id = 1")
    assert audit_records(owner)["Who"].tolist()[0] == "alice (corrected)"


def test_the_audit_trigger_is_made_once(team):
    _url, owner, _ = team
    grants.setup(owner)
    with owner.begin() as connection:
        grants.guard(connection)
        grants.guard(connection)
        count = connection.exec_driver_sql(
            "SELECT count(*) FROM pg_trigger WHERE tgrelid = 'audit'::regclass "
            "AND tgname = 'audit_who'"
        ).scalar_one()
    assert count == 1


def test_an_export_and_its_audit_record_agree(tmp_path):
    workspace = open_workspace(str(tmp_path / "w.db"))
    import_learners(workspace, validate_learners(read_table(SAMPLES / "regcert_register.xlsx")))
    import_file(workspace, read_table(SAMPLES / "regcert_import_first.csv", sep=","), apply=True)
    frame = export_records(workspace, tmp_path / "register.csv")
    trail = audit_records(workspace, actions=["regcert export"])
    assert trail["File"].tolist() == ["register.csv"]
    digest = hashlib.sha256((tmp_path / "register.csv").read_bytes()).hexdigest()
    assert trail["SHA-256"].tolist() == [digest]  # the record describes the file in place
    assert trail["exported"].tolist() == [len(frame)] == [46]


def test_an_export_whose_audit_record_fails_is_removed(tmp_path, monkeypatch):
    """No export is left without its audit record."""
    workspace = open_workspace(str(tmp_path / "w.db"))
    import_learners(workspace, validate_learners(read_table(SAMPLES / "regcert_register.xlsx")))
    import_file(workspace, read_table(SAMPLES / "regcert_import_first.csv", sep=","), apply=True)
    before = audit_records(workspace)

    def failing(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(audit, "record", failing)
    for export in (
        lambda: export_records(workspace, tmp_path / "register.csv"),
        lambda: export_clients(workspace, tmp_path / "clients.csv"),
    ):
        with pytest.raises(OSError, match="disk full"):
            export()
    assert not (tmp_path / "register.csv").exists() and not (tmp_path / "clients.csv").exists()
    monkeypatch.undo()
    pd.testing.assert_frame_equal(audit_records(workspace), before)
