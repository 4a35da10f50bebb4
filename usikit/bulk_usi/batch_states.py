"""Where a batch and each of its requests stand, and the one lookup of a batch's state."""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import Connection, select

from usikit.bulk_usi.tables import batches
from usikit.errors import Do, InputError, step


class BatchState(StrEnum):
    """open -> submitting (requests being sent) -> submitted -> processed (all results in)."""

    OPEN = "open"
    SUBMITTING = "submitting"
    SUBMITTED = "submitted"
    PROCESSED = "processed"


class RequestState(StrEnum):
    """pending (recorded, maybe sent) -> sent (receipt recorded) -> retrieved (results in)."""

    PENDING = "pending"
    SENT = "sent"
    RETRIEVED = "retrieved"


UNFINISHED = (BatchState.SUBMITTING, BatchState.SUBMITTED)  # with the registry


def batch_state(connection: Connection, batch_id: int, *, lock: bool = False) -> BatchState:
    """The batch's state (with `lock`, the row is locked until the transaction ends)."""
    query = select(batches.c.status).where(batches.c.id == batch_id)
    status = connection.execute(query.with_for_update() if lock else query).scalar()
    if status is None:
        raise InputError(f"there is no batch {batch_id}", next_step=step(Do.LIST_BATCHES))
    return BatchState(status)


def batch_registry(connection: Connection, batch_id: int) -> str | None:
    """The name of the registry the batch was sent to (None while it is open)."""
    name: str | None = connection.execute(
        select(batches.c.registry).where(batches.c.id == batch_id)
    ).scalar()
    return name
