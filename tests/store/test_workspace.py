"""The workspace store: created on first use, versioned, owner-only, on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import stat

import pytest
from sqlalchemy import inspect, select

from tests.batch_helpers import DEMO, TODAY
from usikit import InputError, read_table
from usikit.bulk_usi.clients import clients_frame, export_clients, import_clients
from usikit.store.audit import audit_records
from usikit.store.connect import open_store
from usikit.store.schema import SchemaPart, WorkspaceSchema
from usikit.store.tables import schema_info
from usikit.workspace import SCHEMA_VERSION, WORKSPACE_SCHEMA, open_workspace, workspace_url


def test_new_workspace_has_every_table_and_the_current_version(workspace_url):
    workspace = open_workspace(workspace_url)
    names = set(inspect(workspace.engine).get_table_names())
    assert {"clients", "batches", "batch_records", "submissions", "results"} <= names
    with workspace.begin() as connection:
        version = connection.execute(select(schema_info.c.value)).scalar_one()
    assert int(version) == SCHEMA_VERSION
    workspace.close()
    open_workspace(workspace_url).close()  # opening again changes nothing


def test_sqlite_workspace_is_owner_only_and_uses_wal(tmp_path):
    workspace = open_workspace(str(tmp_path / "w.db"))
    assert stat.S_IMODE(os.stat(tmp_path / "w.db").st_mode) == 0o600
    with workspace.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_url_comes_from_argument_then_environment_then_default(monkeypatch):
    monkeypatch.delenv("USIKIT_WORKSPACE", raising=False)
    assert workspace_url() == "sqlite:///usikit.db"
    monkeypatch.setenv("USIKIT_WORKSPACE", "postgresql+psycopg://u@h/db")
    assert workspace_url() == "postgresql+psycopg://u@h/db"
    assert workspace_url("team.db") == "sqlite:///team.db"
    monkeypatch.setenv("USIKIT_WORKSPACE", "demo/usikit.db")
    assert workspace_url() == "sqlite:///demo/usikit.db"


def test_a_newer_schema_is_refused(tmp_path):
    path = tmp_path / "w.db"
    workspace = open_workspace(str(path))
    with workspace.begin() as connection:
        connection.execute(schema_info.update().values(value=str(SCHEMA_VERSION + 1)))
    with pytest.raises(InputError, match="made by a newer usikit"):
        open_workspace(str(path))


def test_an_older_schema_is_upgraded_step_by_step(tmp_path):
    path = tmp_path / "w.db"
    open_workspace(str(path)).close()
    steps = []
    later = SchemaPart("later", (), steps={SCHEMA_VERSION: lambda connection: steps.append("ran")})
    newer = WorkspaceSchema(SCHEMA_VERSION + 1, (*WORKSPACE_SCHEMA.parts, later))
    workspace = open_store(f"sqlite:///{path}", newer)
    with workspace.begin() as connection:
        assert int(connection.execute(select(schema_info.c.value)).scalar_one()) == (
            SCHEMA_VERSION + 1
        )
    assert steps == ["ran"]
    workspace.close()
    with pytest.raises(InputError, match="made by a newer usikit"):
        open_workspace(str(path))  # this usikit is older than the workspace now


V2_ADDITIONS = (
    "DROP VIEW role_gate_bulk_upload", "DROP VIEW role_gate_manage_regcert",
    "DROP VIEW role_gate_usi_batches", "DROP VIEW role_gate_data_export",
    "DROP TABLE audit", "DROP TABLE workspace_roles",
)  # fmt: skip


def test_a_version_1_workspace_gains_roles_and_the_audit_trail(workspace_url, tmp_path):
    """A workspace made before roles and the audit trail (version 1) is brought forward."""
    workspace = open_workspace(workspace_url)
    import_clients(workspace, read_table(DEMO), today=TODAY)
    with workspace.begin() as connection:
        for statement in V2_ADDITIONS:  # what version 1 did not have
            connection.exec_driver_sql(statement)
        connection.execute(schema_info.update().values(value="1"))
    workspace.close()
    upgraded = open_workspace(workspace_url)
    with upgraded.begin() as connection:
        assert connection.execute(select(schema_info.c.value)).scalar_one() == str(SCHEMA_VERSION)
    with upgraded.begin() as connection:
        assert len(clients_frame(connection)) == 32  # nothing lost
    export_clients(upgraded, tmp_path / "clients.csv")
    assert audit_records(upgraded)["Action"].tolist() == ["clients export"]


def test_a_database_of_something_else_is_refused(tmp_path):
    import sqlite3

    path = tmp_path / "other.db"
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE invoices (id INTEGER)")
    with pytest.raises(InputError, match="not a usikit workspace"):
        open_workspace(str(path))


def test_bad_urls_and_memory_are_refused(tmp_path):
    with pytest.raises(InputError, match="in-memory"):
        open_workspace("sqlite://")
    with pytest.raises(InputError, match="folder does not exist"):
        open_workspace(str(tmp_path / "missing" / "w.db"))
    with pytest.raises(InputError, match="cannot be opened"):
        open_workspace("postgresql+psycopg://nobody@127.0.0.1:1/none")
