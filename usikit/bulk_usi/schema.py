"""Bulk USI creation's share of the workspace: its tables, what each role may do with them,
its audit actions, and the steps that brought its tables to the current schema version."""

from __future__ import annotations

from sqlalchemy import Connection, func, inspect, select

from usikit.bulk_usi.fields import PERMISSION_COLUMNS
from usikit.bulk_usi.permission_rules import PERMISSION_ELSEWHERE
from usikit.bulk_usi.registry.base import LIVE_NAME, UNCERTAIN_NAME
from usikit.bulk_usi.registry.simulator_tables import SIMULATOR_TABLES, simulator_people
from usikit.bulk_usi.tables import (
    BATCH_TABLES,
    CLIENT_KEYS,
    ONE_AT_A_TIME_TABLES,
    USI_IMPORTED,
    batch_records,
    batches,
    clients,
    results,
)
from usikit.store.roles import Role
from usikit.store.schema import SchemaPart

BATCH_NAMES = tuple(table.name for table in BATCH_TABLES)


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


def _add_columns(connection: Connection, table: str, names: tuple[str, ...]) -> None:
    present = {c["name"] for c in inspect(connection).get_columns(table)}
    for name in names:
        if name not in present:
            connection.exec_driver_sql(
                f"ALTER TABLE {table} ADD COLUMN {name} TEXT NOT NULL DEFAULT ''"
            )


def _one_at_a_time(connection: Connection) -> None:
    """Version 5: the client template's permission columns, and the simulator's contact
    details for LocateUSI (the verifications, single requests and the registry's lists are
    new tables, made after the steps)."""
    _add_columns(connection, "clients", tuple(CLIENT_KEYS[name] for name in PERMISSION_COLUMNS))
    _add_columns(connection, simulator_people.name, ("email", "mobile"))


def _source_rows(connection: Connection) -> None:
    """Version 6: each client's spreadsheet and row, kept (unknown for clients imported
    before: shown empty until their next import)."""
    present = {c["name"] for c in inspect(connection).get_columns("clients")}
    if "source_file" not in present:
        _add_columns(connection, "clients", ("source_file",))
    if "source_row" not in present:
        connection.exec_driver_sql("ALTER TABLE clients ADD COLUMN source_row INTEGER")


ONE_NAMES = tuple(table.name for table in ONE_AT_A_TIME_TABLES)

BULK_USI_PART = SchemaPart(
    "bulk USI creation",
    (clients, *BATCH_TABLES, *SIMULATOR_TABLES, *ONE_AT_A_TIME_TABLES),
    grants={
        Role.BULK_UPLOAD: {
            "clients": "SELECT, INSERT, UPDATE",
            # A client import leaves alone the records of batches sent to the registry.
            "batches": "SELECT",
            "batch_records": "SELECT",
            "usi_requests": "SELECT",  # nor the client of a CreateUSI request not answered
        },
        Role.USI_BATCHES: {
            "clients": "SELECT, UPDATE",
            **dict.fromkeys((*BATCH_NAMES, *ONE_NAMES), "SELECT, INSERT, UPDATE, DELETE"),
            **{table.name: "SELECT, INSERT" for table in SIMULATOR_TABLES},
        },
        # The client export says each client's verification and last failed application.
        Role.DATA_EXPORT: dict.fromkeys(("clients", *BATCH_NAMES, *ONE_NAMES), "SELECT"),
    },
    steps={2: _usi_source, 4: _one_at_a_time, 5: _source_rows},
    audit_actions=(
        "clients import",
        "clients export",
        "batch submit",
        "batch submit refused",
        "batch retrieve",
        "batch export",
        "batch results export",
        "usi verify",
        "usi verify export",
        "usi locate",
        "usi locate write",
        "usi create",
        "registry lists",
        PERMISSION_ELSEWHERE,
    ),
)
