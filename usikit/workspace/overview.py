"""What a workspace holds, counted: the first thing the start screen tells the officer."""

from __future__ import annotations

from sqlalchemy import func, select

from usikit.workspace.engine import Workspace
from usikit.workspace.register_tables import learners, qualifications, registrations
from usikit.workspace.tables import batch_records, batches, clients

OPEN, PROCESSED = "open", "processed"


def workspace_counts(workspace: Workspace) -> dict[str, int]:
    """Clients (and how many hold a USI), batches by stage, and the register's size."""

    def count(table, *where) -> int:
        query = select(func.count()).select_from(table)
        return int(connection.execute(query.where(*where) if where else query).scalar_one())

    with workspace.engine.connect() as connection:
        in_open = (
            select(func.count())
            .select_from(batch_records.join(batches, batches.c.id == batch_records.c.batch_id))
            .where(batches.c.status == OPEN)
        )
        return {
            "clients": count(clients),
            "clients with a USI": count(clients, clients.c.usi != ""),
            "records in the open batch": int(connection.execute(in_open).scalar_one()),
            "batches waiting for results": count(
                batches, batches.c.status.notin_((OPEN, PROCESSED))
            ),
            "batches processed": count(batches, batches.c.status == PROCESSED),
            "learners": count(learners),
            "qualifications": count(qualifications),
            "registration records": count(registrations),
        }
