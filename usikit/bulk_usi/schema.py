"""Bulk USI creation's share of the workspace: its tables, what each role may do with them,
its audit actions, and the steps that brought its tables to the current schema version."""

from __future__ import annotations

from sqlalchemy import Connection, func, inspect, select

from usikit.bulk_usi.registry.base import LIVE_NAME, UNCERTAIN_NAME
from usikit.bulk_usi.registry.simulator_tables import SIMULATOR_TABLES
from usikit.bulk_usi.tables import (
    BATCH_TABLES,
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


BULK_USI_PART = SchemaPart(
    "bulk USI creation",
    (clients, *BATCH_TABLES, *SIMULATOR_TABLES),
    grants={
        Role.BULK_UPLOAD: {
            "clients": "SELECT, INSERT, UPDATE",
            # A client import leaves alone the records of batches sent to the registry.
            "batches": "SELECT",
            "batch_records": "SELECT",
        },
        Role.USI_BATCHES: {
            "clients": "SELECT, UPDATE",
            **dict.fromkeys(BATCH_NAMES, "SELECT, INSERT, UPDATE, DELETE"),
            **{table.name: "SELECT, INSERT" for table in SIMULATOR_TABLES},
        },
        Role.DATA_EXPORT: dict.fromkeys(("clients", *BATCH_NAMES), "SELECT"),
    },
    steps={2: _usi_source},
    audit_actions=(
        "clients import",
        "clients export",
        "batch submit",
        "batch submit refused",
        "batch retrieve",
        "batch export",
        "batch results export",
    ),
)
