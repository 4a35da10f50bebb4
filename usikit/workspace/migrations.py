"""The workspace schema's version and the path from each older version to the current one.

A new store gets every table at the current version. An older store is brought forward one
version at a time, each step in the same transaction as the version update, so an upgrade
either completes or leaves the store as it was. To change the schema: add the tables or
columns, bump SCHEMA_VERSION, and add the step from the previous version to MIGRATIONS.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Connection, func, inspect, select

from usikit.errors import InputError
from usikit.registry.base import LIVE_NAME, UNCERTAIN_NAME
from usikit.workspace import schema
from usikit.workspace.locks import UPGRADE_LOCK, hold
from usikit.workspace.tables import (
    USI_IMPORTED,
    batch_records,
    batches,
    clients,
    metadata,
    results,
    schema_info,
)

SCHEMA_VERSION = 3


def _roles_and_audit(connection: Connection) -> None:
    """Version 2 adds the audit and workspace_roles tables, the role gates and the
    append-only guard: `upgrade` creates new tables and runs `guard` after the steps, so
    this step has nothing of its own to do. On PostgreSQL the owner runs `usikit roles
    setup` afterwards to grant the roles on them."""


def _usi_source(connection: Connection) -> None:
    """Version 3 records where each client's USI came from (`clients.usi_source`), so that a
    USI the offline simulator issued is never taken for a real one. A USI that a batch's
    result wrote is credited to that batch's registry; any other USI to an import. One the
    USI Registry's name was given to before is marked uncertain (it may be a 3PT test USI)."""
    if "usi_source" not in {c["name"] for c in inspect(connection).get_columns("clients")}:
        connection.exec_driver_sql(
            "ALTER TABLE clients ADD COLUMN usi_source VARCHAR(40) NOT NULL DEFAULT ''"
        )
    issued_by = (
        select(batches.c.registry)
        .select_from(results.join(batch_records, batch_records.c.id == results.c.batch_record_id))
        .join(batches, batches.c.id == batch_records.c.batch_id)
        .where(batch_records.c.client_pk == clients.c.id, results.c.usi == clients.c.usi)
        .where(batches.c.registry.is_not(None))
        .order_by(results.c.retrieved_at.desc())
        .limit(1)
        .scalar_subquery()
    )
    connection.execute(
        clients.update()
        .where(clients.c.usi != "", clients.c.usi_source == "")
        .values(usi_source=func.coalesce(issued_by, USI_IMPORTED))
    )
    # Until now the 3PT test address was called the USI Registry too: what it issued, and
    # batches still with it, can no longer be told from the real thing.
    connection.execute(
        clients.update().where(clients.c.usi_source == LIVE_NAME).values(usi_source=UNCERTAIN_NAME)
    )
    connection.execute(
        batches.update().where(batches.c.registry == LIVE_NAME).values(registry=UNCERTAIN_NAME)
    )


MIGRATIONS: dict[int, Callable[[Connection], None]] = {  # step from version n to n + 1
    1: _roles_and_audit,
    2: _usi_source,
}


AUDIT_GUARDS = (  # SQLite: audit records are never changed or removed
    "CREATE TRIGGER IF NOT EXISTS audit_append_only_update BEFORE UPDATE ON audit "
    "BEGIN SELECT RAISE(ABORT, 'audit records cannot be changed'); END",
    "CREATE TRIGGER IF NOT EXISTS audit_append_only_delete BEFORE DELETE ON audit "
    "BEGIN SELECT RAISE(ABORT, 'audit records cannot be removed'); END",
)


ROLE_NAMES = ("bulk_upload", "manage_regcert", "usi_batches", "data_export")


def gate(role: str) -> str:
    """The view only `role` may read: the database's yes or no before each action."""
    return f"role_gate_{role}"


# PostgreSQL: an audit record names the database user who logged in, whatever the insert
# says, so that nobody can write a record in someone else's name (grants keep it append-only).
AUDIT_WHO_FUNCTION = (
    "CREATE OR REPLACE FUNCTION usikit_audit_who() RETURNS trigger LANGUAGE plpgsql AS "
    "$$ BEGIN NEW.who := session_user; RETURN NEW; END $$"
)
AUDIT_WHO_TRIGGER = (
    "CREATE TRIGGER audit_who BEFORE INSERT ON audit "
    "FOR EACH ROW EXECUTE FUNCTION usikit_audit_who()"
)


def guard(connection: Connection) -> None:
    """What plain tables cannot say: one gate view per role; on SQLite an append-only audit,
    on PostgreSQL an audit whose `who` is the logged-in user. Safe to run again."""
    postgres = connection.dialect.name == "postgresql"
    create = "CREATE OR REPLACE VIEW" if postgres else "CREATE VIEW IF NOT EXISTS"
    for role in ROLE_NAMES:
        connection.exec_driver_sql(f"{create} {gate(role)} AS SELECT 1 AS allowed")
    if not postgres:
        for statement in AUDIT_GUARDS:
            connection.exec_driver_sql(statement)
        return
    connection.exec_driver_sql(AUDIT_WHO_FUNCTION)
    present = connection.exec_driver_sql(
        "SELECT 1 FROM pg_trigger WHERE tgname = 'audit_who' AND tgrelid = 'audit'::regclass"
    ).first()
    if present is None:
        connection.exec_driver_sql(AUDIT_WHO_TRIGGER)


def upgrade(workspace) -> int:
    """Create or bring the workspace's schema up to date; the version it is now at."""
    assert schema.TABLE_MODULES  # every table is registered on `metadata` by now
    with workspace.begin() as connection:
        hold(connection, UPGRADE_LOCK)
        existing = set(inspect(connection).get_table_names())
        if schema_info.name not in existing:
            if existing:
                raise InputError(
                    f"{workspace.url} already holds other tables and is not a usikit "
                    "workspace; give an empty database or another file"
                )
            metadata.create_all(connection)
            guard(connection)
            connection.execute(
                schema_info.insert().values(key="version", value=str(SCHEMA_VERSION))
            )
            return SCHEMA_VERSION
        version = int(
            connection.execute(
                select(schema_info.c.value).where(schema_info.c.key == "version")
            ).scalar_one()
        )
        if version > SCHEMA_VERSION:
            raise InputError(
                f"the workspace {workspace.url} was made by a newer usikit (schema version "
                f"{version}); upgrade usikit to open it"
            )
        if version < SCHEMA_VERSION:
            while version < SCHEMA_VERSION:
                MIGRATIONS[version](connection)
                version += 1
            metadata.create_all(connection)  # tables that are new in this version
            guard(connection)
            if connection.dialect.name == "postgresql":
                from usikit.workspace import roles  # it builds on this module

                if roles.roles_exist(connection):  # a shared workspace: new needs, new grants
                    roles.apply_grants(connection)
            connection.execute(
                schema_info.update()
                .where(schema_info.c.key == "version")
                .values(value=str(version))
            )
        return version
