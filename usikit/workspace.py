"""The workspace: the store with both jobs' tables, and what it holds, counted.

Every workspace holds the store's own tables, bulk USI creation's and the Registration &
Certification register, at one schema version: `WORKSPACE_SCHEMA` puts the parts together.
Open one with `open_workspace` (the settings' workspace by default: USIKIT_WORKSPACE, else
`usikit.db` here).
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import ColumnElement, Table, func, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from usikit import settings
from usikit.bulk_usi.batch_states import BatchState
from usikit.bulk_usi.schema import BULK_USI_PART
from usikit.bulk_usi.tables import batch_records, batches, clients
from usikit.errors import Do, InputError, step
from usikit.regcert.schema import REGCERT_PART
from usikit.regcert.tables import learners, qualifications, registrations
from usikit.store.connect import open_store
from usikit.store.engine import Workspace
from usikit.store.schema import STORE_PART, WorkspaceSchema

SCHEMA_VERSION = 7
WORKSPACE_SCHEMA = WorkspaceSchema(SCHEMA_VERSION, (STORE_PART, BULK_USI_PART, REGCERT_PART))


def workspace_url(url: str | None = None) -> str:
    """The URL to open: the one given, else USIKIT_WORKSPACE, else usikit.db here."""
    return settings.workspace_url(url)


def open_workspace(url: str | None = None, *, create: bool = True) -> Workspace:
    """Open (and, for a new store, create) the workspace, bringing its schema up to date."""
    return open_store(workspace_url(url), WORKSPACE_SCHEMA, create=create)


def open_register(url: str | None = None, *, create: bool = False) -> Workspace:
    """The workspace holding the register; without `create`, a missing SQLite file is an error
    that says how to make the register (an import must not leave an empty file behind)."""
    if not create:
        try:
            parsed = make_url(workspace_url(url))
        except ArgumentError:
            parsed = None  # open_workspace says what is wrong with it
        if parsed is not None and parsed.get_backend_name() == "sqlite" and parsed.database:
            path = Path(parsed.database)
            if not path.exists():
                raise InputError(f"no register at {path}", next_step=step(Do.LOAD_LEARNERS))
    return open_workspace(url, create=create)


def workspace_counts(workspace: Workspace) -> dict[str, int]:
    """Clients (and how many hold a USI), batches by stage, and the register's size: the
    first thing the start screen tells the officer."""
    with workspace.engine.connect() as connection:

        def count(table: Table, *where: ColumnElement[bool]) -> int:
            query = select(func.count()).select_from(table)
            return int(connection.execute(query.where(*where) if where else query).scalar_one())

        in_open = (
            select(func.count())
            .select_from(batch_records.join(batches, batches.c.id == batch_records.c.batch_id))
            .where(batches.c.status == BatchState.OPEN)
        )
        finished = (BatchState.OPEN, BatchState.PROCESSED)
        return {
            "clients": count(clients),
            "clients with a USI": count(clients, clients.c.usi != ""),
            "records in the open batch": int(connection.execute(in_open).scalar_one()),
            "batches waiting for results": count(batches, batches.c.status.notin_(finished)),
            "batches processed": count(batches, batches.c.status == BatchState.PROCESSED),
            "learners": count(learners),
            "qualifications": count(qualifications),
            "registration records": count(registrations),
        }


__all__ = [
    "SCHEMA_VERSION",
    "WORKSPACE_SCHEMA",
    "Workspace",
    "open_register",
    "open_workspace",
    "workspace_counts",
    "workspace_url",
]
