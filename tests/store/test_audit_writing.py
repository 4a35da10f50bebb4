"""Only usikit writes the audit trail, and reading it takes the audit role (schema version 4).

On PostgreSQL no officer's role may insert into the audit table: records come through the
function `usikit_audit_record`, which refuses an unknown action, a file name with folders, a
digest that is not one and counts that are not whole, and takes the time and the user from the
server. A version-3 workspace is brought to version 4 on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import getpass

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from tests.batch_helpers import DEMO, TODAY
from tests.roles_helpers import shared_workspace
from usikit import read_table
from usikit.bulk_usi.clients import import_clients
from usikit.cli import main
from usikit.errors import PermissionRefused
from usikit.store import access, grants
from usikit.store.audit import activity, audit_records
from usikit.store.roles import Role
from usikit.store.tables import schema_info
from usikit.workspace import SCHEMA_VERSION, open_workspace

CALL = "SELECT usikit_audit_record(:action, :file, :sha, :counts)"
GOOD = {
    "action": "clients import",
    "file": "clients.xlsx",
    "sha": "a" * 64,
    "counts": '{"read": 3}',
}


@pytest.fixture
def team(postgres_server):
    return shared_workspace(
        postgres_server,
        {"alice": ("bulk_upload",), "erin": ("audit",), "bob": ("data_export", "usi_batches")},
    )


def test_no_officer_role_may_write_the_audit_table(team):
    _url, _owner, as_user = team
    for user in ("alice", "erin", "bob"):
        with pytest.raises(DBAPIError) as caught, as_user(user).begin() as connection:
            connection.exec_driver_sql(
                "INSERT INTO audit (at, who, action, file_name, file_sha256, counts) VALUES "
                "('2001-01-01', 'someone else', 'batch submit', 'x', '', '{\"requests\": 99}')"
            )
        assert caught.value.orig.sqlstate == access.REFUSED, user


@pytest.mark.parametrize(
    ("change", "says"),
    [
        ({"action": "nothing happened"}, "unknown audit action"),
        ({"file": "../people/clients.xlsx"}, "without its folders"),
        ({"sha": "not a digest"}, "SHA-256"),
        ({"counts": '{"read": -1}'}, "not a known whole count"),
        ({"counts": '{"read": 2.5}'}, "not a known whole count"),
        ({"counts": '{"names": 1}'}, "not a known whole count"),
        ({"counts": '"free text"'}, "an object of counts"),
    ],
)
def test_the_audit_function_takes_only_what_usikit_records(team, change, says):
    _url, _owner, as_user = team
    with pytest.raises(DBAPIError, match=says), as_user("alice").begin() as connection:
        connection.execute(text(CALL), GOOD | change)


def test_the_audit_function_writes_the_server_time_and_the_user(team):
    _url, owner, as_user = team
    with as_user("alice").begin() as connection:
        connection.execute(text(CALL), GOOD)
    (record,) = audit_records(owner).to_dict("records")
    assert (record["Who"], record["Action"], record["File"], record["read"]) == (
        "alice",
        "clients import",
        "clients.xlsx",
        3,
    )


def test_reading_the_trail_needs_the_audit_role(team):
    _url, _owner, as_user = team
    alice, erin = as_user("alice"), as_user("erin")
    import_clients(alice, read_table(DEMO), include_invalid=True, today=TODAY)
    with pytest.raises(PermissionRefused, match="you need the audit role to read the audit"):
        audit_records(alice)
    with pytest.raises(PermissionRefused):
        activity(alice)
    with pytest.raises(DBAPIError) as caught, alice.begin() as connection:  # PostgreSQL's no
        connection.exec_driver_sql("SELECT count(*) FROM audit")
    assert caught.value.orig.sqlstate == access.REFUSED
    assert audit_records(erin)["Who"].tolist() == ["alice"]
    assert access.held_roles(erin) == {Role.AUDIT}


def test_the_audit_command_says_which_role_it_needs(tmp_path, capsys, monkeypatch):
    url = str(tmp_path / "w.db")
    workspace = open_workspace(url)
    me = getpass.getuser()
    grants.grant(workspace, me, "bulk_upload")
    monkeypatch.setenv("USIKIT_WORKSPACE", url)
    assert main(["audit"]) == 2
    err = capsys.readouterr().err
    assert "you need the audit role to read the audit trail" in err
    assert "usikit roles grant YOUR_USER audit" in err
    grants.grant(workspace, me, "audit")
    assert main(["audit"]) == 0


def _as_version_3(connection) -> None:
    """What a version-3 usikit made: every role inserting into the audit table itself."""
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql("DROP FUNCTION usikit_audit_record(text, text, text, text)")
        for role in Role:
            if role != Role.AUDIT:
                connection.exec_driver_sql(f"GRANT SELECT, INSERT ON audit TO {role.database_role}")
    connection.execute(schema_info.update().values(value="3"))


def test_a_version_3_sqlite_workspace_is_upgraded(tmp_path):
    url = f"sqlite:///{tmp_path / 'w.db'}"
    workspace = open_workspace(url)
    with workspace.begin() as connection:
        _as_version_3(connection)
    workspace.close()
    upgraded = open_workspace(url)
    with upgraded.begin() as connection:
        version = connection.execute(schema_info.select()).one().value
    assert int(version) == SCHEMA_VERSION
    import_clients(upgraded, read_table(DEMO), include_invalid=True, today=TODAY)
    assert audit_records(upgraded)["Action"].tolist() == ["clients import"]


def test_a_version_3_postgresql_workspace_is_upgraded(team):
    url, owner, as_user = team
    with owner.begin() as connection:
        _as_version_3(connection)
    owner.close()
    upgraded = open_workspace(url)  # the owner opens it first: the upgrade
    with upgraded.begin() as connection:
        assert connection.execute(schema_info.select()).one().value == str(SCHEMA_VERSION)
        inserts = connection.execute(
            text("SELECT has_table_privilege('usikit_bulk_upload', 'audit', 'INSERT')")
        ).scalar_one()
    assert not inserts
    import_clients(as_user("alice"), read_table(DEMO), include_invalid=True, today=TODAY)
    assert audit_records(as_user("erin"))[["Who", "Action"]].values.tolist() == [
        ["alice", "clients import"]
    ]
