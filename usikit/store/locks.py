"""PostgreSQL advisory locks: a submit serialised with the work that changes what a batch
holds or says, one change of the register and one schema upgrade at a time.

A submit records the batch's requests from what it validated; a record added, removed or
edited meanwhile must either be seen by it (and stop it) or wait for it (and then find the
batch no longer open). An advisory lock does that without any table privilege, so an
officer who may only import can take it. SQLite needs none: each write transaction there
starts by taking the whole file (BEGIN IMMEDIATE).
"""

from __future__ import annotations

from sqlalchemy import Connection

BATCH_LOCK = 0x555342  # "USB"
UPGRADE_LOCK = 0x55534B  # "USK": one process upgrades the schema at a time
REGISTER_LOCK = 0x55534B52  # "USKR": one change of the R&C register at a time


def hold_batches(connection: Connection, *, submitting: bool = False) -> None:
    """Until the transaction ends: exclusively for a submit, shared for everything else
    (imports, additions and edits do not wait for one another, only for a submit)."""
    hold(connection, BATCH_LOCK, shared=not submitting)


def hold(connection: Connection, key: int, *, shared: bool = False) -> None:
    """PostgreSQL's advisory lock `key`, until the transaction ends (nothing on SQLite)."""
    if connection.dialect.name != "postgresql":
        return
    function = "pg_advisory_xact_lock_shared" if shared else "pg_advisory_xact_lock"
    connection.exec_driver_sql(f"SELECT {function}({key})")
