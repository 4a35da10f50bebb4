"""Roles: refused by PostgreSQL itself (real server, several users), advisory on SQLite."""

from __future__ import annotations

import datetime as dt
import getpass

import pandas as pd
import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from tests.batch_helpers import DEMO, TODAY
from tests.roles_helpers import shared_workspace
from usikit import read_table
from usikit.bulk_usi import batches
from usikit.bulk_usi.clients import export_clients, import_clients
from usikit.bulk_usi.registry.simulator import OfflineRegistry
from usikit.errors import PermissionRefused
from usikit.regcert.export import export_records
from usikit.regcert.learner_rules import validate_learners
from usikit.regcert.matching import import_file
from usikit.regcert.register import import_learners
from usikit.regcert.tables import registrations
from usikit.store import access, grants
from usikit.store.audit import audit_records
from usikit.store.exports import export_error_report, export_import_results
from usikit.store.tables import audit
from usikit.workspace import open_workspace

SAMPLES = DEMO.parent


@pytest.fixture
def team(postgres_server):
    """A shared workspace set up by its owner (not a superuser, as the README's steps say),
    and officers each with their own login."""
    officers = {"alice": ("bulk_upload", "usi_batches"), "bob": ("data_export",),
                "carol": ("manage_regcert",)}  # fmt: skip
    _url, owner, as_user = shared_workspace(postgres_server, officers, ("dave",))
    return owner, as_user


def test_each_officer_can_do_their_own_work_and_nothing_else(team, tmp_path):
    _owner, as_user = team
    alice, bob, carol = as_user("alice"), as_user("bob"), as_user("carol")
    frame = read_table(DEMO)
    import_clients(alice, frame, include_invalid=True, today=TODAY)
    assert batches.add_to_batch(alice, ["S0000004"]).added == ["S0000004"]
    export_clients(bob, tmp_path / "clients.csv")
    refusals = [
        (lambda: export_clients(alice, tmp_path / "a.csv"), "data_export"),
        (lambda: import_clients(bob, frame, today=TODAY), "bulk_upload"),
        (lambda: batches.add_to_batch(bob, ["S0000005"]), "usi_batches"),
        (lambda: batches.submit_batch(carol, OfflineRegistry(carol), org_code="DEMO1",
                                      user_reference="c", today=TODAY), "usi_batches"),
        (lambda: batches.export_batch(carol, tmp_path / "g.xlsx"), "data_export"),
        (lambda: import_learners(carol, validate_learners(read_table(
            SAMPLES / "regcert_register.xlsx"))), "bulk_upload"),
        (lambda: import_file(carol, read_table(SAMPLES / "regcert_import_first.csv", sep=",")),
         "bulk_upload"),
        (lambda: import_file(alice, read_table(SAMPLES / "regcert_import_first.csv", sep=",")),
         "manage_regcert"),
        (lambda: export_records(bob, tmp_path / "x.csv"), "manage_regcert"),
        (lambda: export_records(carol, tmp_path / "x.csv"), "data_export"),
        (lambda: export_import_results(alice, pd.DataFrame({"Row": [2]}), tmp_path / "r.csv"),
         "data_export"),
        (lambda: export_error_report(alice, validate_learners(read_table(
            SAMPLES / "regcert_register.xlsx")), tmp_path / "e.csv"), "data_export"),
    ]  # fmt: skip
    for action, role in refusals:
        with pytest.raises(PermissionRefused) as refused:
            action()
        assert refused.value.role == role
        assert f"you need the {role} role" in str(refused.value)
    with pytest.raises(PermissionRefused) as refused:  # every missing role is named
        import_file(bob, read_table(SAMPLES / "regcert_import_first.csv", sep=","))
    assert refused.value.roles == ("bulk_upload", "manage_regcert")
    assert "you need the bulk_upload and manage_regcert roles" in str(refused.value)
    written = {p.name for p in tmp_path.iterdir()}
    assert not written & {"a.csv", "g.xlsx", "r.csv", "e.csv", "x.csv"}


def test_the_database_itself_refuses(team):
    _, as_user = team
    alice, bob = as_user("alice"), as_user("bob")
    for workspace, statement in (
        (alice, "SELECT allowed FROM role_gate_data_export"),
        (bob, "INSERT INTO clients (client_id, created_at, updated_at) VALUES ('X', now(), now())"),
        (bob, "DELETE FROM audit"),
        (alice, "UPDATE audit SET who = 'someone else'"),
    ):
        with pytest.raises(DBAPIError) as refused, workspace.begin() as connection:
            connection.exec_driver_sql(statement)
        assert refused.value.orig.sqlstate == access.REFUSED


def test_the_register_is_changed_by_manage_regcert_and_imported_by_bulk_upload(team):
    owner, as_user = team
    alice, carol = as_user("alice"), as_user("carol")
    grants.grant(owner, "alice", "manage_regcert")  # an import into the register needs both
    import_learners(alice, validate_learners(read_table(SAMPLES / "regcert_register.xlsx")))
    outcome = import_file(alice, read_table(SAMPLES / "regcert_import_first.csv", sep=","),
                          apply=True)  # fmt: skip
    assert outcome.results is not None and len(outcome.results) == 46
    with carol.begin() as connection:  # view and change the register by hand (the edit form)
        connection.execute(registrations.update().values(postal_tracking_reference="TRK1"))
        assert connection.execute(select(registrations.c.id)).first() is not None


def test_audit_is_append_only_except_for_the_administrator(team):
    owner, as_user = team
    alice, dave = as_user("alice"), as_user("dave")
    import_clients(alice, read_table(DEMO), include_invalid=True, today=TODAY)
    trail = audit_records(owner)
    assert trail[["Who", "Action"]].values.tolist() == [["alice", "clients import"]]
    assert trail["File"].tolist() == ["clients_demo.xlsx"] and len(trail["SHA-256"][0]) == 64
    with pytest.raises(DBAPIError), alice.begin() as connection:
        connection.execute(audit.delete())
    with dave.begin() as connection:  # the administrator may correct the trail
        connection.execute(audit.update().values(who="alice (corrected)"))
    assert audit_records(owner)["Who"].tolist() == ["alice (corrected)"]


def test_roles_are_listed(team):
    owner, _ = team
    listed = grants.list_roles(owner)
    assert ("alice", "bulk_upload") in set(map(tuple, listed.values.tolist()))
    assert access.held_roles(owner, "bob") == {"data_export"}
    grants.revoke(owner, "bob", "data_export")
    assert access.held_roles(owner, "bob") == set()


def test_sqlite_roles_are_recorded_and_advisory(tmp_path):
    workspace = open_workspace(str(tmp_path / "w.db"))
    me = getpass.getuser()
    frame = read_table(DEMO)
    import_clients(workspace, frame, today=TODAY)  # no role recorded: the one officer does all
    export_clients(workspace, tmp_path / "before.csv")
    grants.grant(workspace, me, "bulk_upload")
    assert access.held_roles(workspace) == {"bulk_upload"}
    import_clients(workspace, frame, today=TODAY)
    with pytest.raises(PermissionRefused, match="data_export"):
        export_clients(workspace, tmp_path / "after.csv")
    assert not (tmp_path / "after.csv").exists()
    grants.grant(workspace, me, "data_export")
    export_clients(workspace, tmp_path / "after.csv")
    assert grants.list_roles(workspace).values.tolist() == [
        [me, "bulk_upload"],
        [me, "data_export"],
    ]


def test_sqlite_audit_records_cannot_change(tmp_path):
    workspace = open_workspace(str(tmp_path / "w.db"))
    import_clients(workspace, read_table(DEMO), today=TODAY)
    for statement in ("UPDATE audit SET who = 'x'", "DELETE FROM audit"):
        with pytest.raises(DBAPIError, match="audit records cannot"), workspace.begin() as c:
            c.execute(text(statement))
    assert len(audit_records(workspace)) == 1


def test_one_audit_record_per_action(workspace_url, tmp_path):
    workspace = open_workspace(workspace_url)
    registry = OfflineRegistry(workspace, delay=dt.timedelta(0))
    import_clients(workspace, read_table(DEMO), today=TODAY)
    batches.add_to_batch(workspace, all_without_usi=True)
    batches.export_batch(workspace, tmp_path / "grid.xlsx")
    sent = batches.submit_batch(workspace, registry, org_code="DEMO1", user_reference="t",
                                today=TODAY)  # fmt: skip
    batches.retrieve_batch(workspace, registry, sent.batch_id, org_code="DEMO1")
    batches.export_results(workspace, sent.batch_id, tmp_path / "results.csv")
    export_clients(workspace, tmp_path / "clients.xlsx")
    import_learners(workspace, validate_learners(read_table(SAMPLES / "regcert_register.xlsx")))
    outcome = import_file(
        workspace, read_table(SAMPLES / "regcert_import_first.csv", sep=","), apply=True
    )
    export_error_report(workspace, outcome.report, tmp_path / "errors.xlsx")
    export_import_results(workspace, outcome.results, tmp_path / "results.xlsx")
    export_records(workspace, tmp_path / "register.csv", statuses=["Registered"])
    trail = audit_records(workspace)
    assert trail["Action"].tolist() == [
        "clients import", "batch export", "batch submit", "batch retrieve",
        "batch results export", "clients export", "learners import", "regcert apply",
        "error report export", "import results export", "regcert export",
    ]  # fmt: skip
    counts = trail.set_index("Action")
    assert counts.loc["clients import", "accepted"] == 32
    assert counts.loc["batch submit", "applications"] == 30
    assert counts.loc["batch retrieve", "usis_issued"] == 27  # S0000040 is not given S0000039's USI
    assert counts.loc["regcert apply", "created"] == 44
    assert counts.loc["regcert apply", "reverted"] == 2
    assert set(trail["File"]) >= {"clients_demo.xlsx", "grid.xlsx", "results.csv"}
