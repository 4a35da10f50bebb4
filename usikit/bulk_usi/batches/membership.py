"""Which clients are in the open batch: adding, removing, and editing a client in it.

A client is in at most one batch that is not processed yet. Every change here takes the
batch lock shared (`usikit.store.locks`): it waits for a submit under way, never for another
change, so a submit sees either all of a change or none of it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Row, select

from usikit.bulk_usi.batch_states import UNFINISHED, BatchState
from usikit.bulk_usi.clients import (
    clients_frame,
    is_simulated,
    pending_creates,
    set_client_fields,
)
from usikit.bulk_usi.registry.base import NOT_THE_REGISTRY, Registry, describe, is_the_registry
from usikit.bulk_usi.tables import batch_records, batches, clients
from usikit.bulk_usi.validation import validate_clients
from usikit.errors import Do, InputError, step
from usikit.identifiers import usi
from usikit.report import ValidationReport
from usikit.store.access import acting
from usikit.store.clock import now
from usikit.store.engine import Workspace
from usikit.store.locks import hold_batches
from usikit.store.roles import Role

NO_OPEN_BATCH = "there is no open batch; add clients to start one"

AnyRow = Row[*tuple[Any, ...]]  # a database row of any columns


@dataclass
class AddResult:
    batch_id: int
    added: list[str] = field(default_factory=list)
    refused: dict[str, str] = field(default_factory=dict)  # Client ID -> reason


def open_batch_id(connection: Connection, *, create: bool = True, lock: bool = False) -> int | None:
    """The open batch (created when asked and there is none). With `lock`, a submit cannot
    start recording until the transaction ends, and one under way is waited for (then the
    batch it sent is no longer the open one): see `usikit.store.locks`."""
    if lock:
        hold_batches(connection)
    row = connection.execute(
        select(batches.c.id).where(batches.c.status == BatchState.OPEN)
    ).first()
    if row is not None:
        return int(row.id)
    if not create:
        return None
    inserted = connection.execute(batches.insert().values(status=BatchState.OPEN, created_at=now()))
    key = inserted.inserted_primary_key
    assert key is not None
    return int(key[0])


def add_to_batch(
    workspace: Workspace,
    client_ids: Sequence[str] = (),
    *,
    all_without_usi: bool = False,
    registry: Registry | None = None,
) -> AddResult:
    """Add clients to the open batch; those that cannot go in are refused with a reason.

    When the batch is for the USI Registry itself (`registry`), a client whose USI came from
    the offline simulator or another endpoint that is not the registry counts as without one.
    """
    live = registry is not None and is_the_registry(registry.name)
    with acting(workspace, Role.USI_BATCHES, "add clients to a batch"):
        return workspace.transact(
            lambda connection: _add(connection, client_ids, all_without_usi, live)
        )


def _add(
    connection: Connection, client_ids: Sequence[str], all_without_usi: bool, live: bool
) -> AddResult:
    batch_id = open_batch_id(connection, lock=True)
    assert batch_id is not None
    if all_without_usi:
        without = clients.c.usi == ""
        if live:
            without = without | clients.c.usi_source.in_(NOT_THE_REGISTRY)
        wanted = list(
            connection.execute(select(clients.c.client_id).where(without).order_by(clients.c.id))
            .scalars()
            .all()
        )
    else:
        wanted = list(dict.fromkeys(client_ids))
    result = AddResult(batch_id)
    found = {
        row.client_id: row
        for row in connection.execute(
            select(clients.c.id, clients.c.client_id, clients.c.usi, clients.c.usi_source).where(
                clients.c.client_id.in_(wanted)
            )
        )
    }
    placed = batches_holding(connection, [row.id for row in found.values()])
    creating = pending_creates(connection, [row.id for row in found.values()])
    stamp = now()
    rows = []
    for client_id in wanted:
        client = found.get(client_id)
        reason = _refusal(client, placed.get(client.id) if client else None, batch_id, live)
        if client is not None and client.id in creating:
            reason = "its USI is being created one at a time (not answered yet); finish that first"
        if reason or client is None:
            result.refused[client_id] = reason
            continue
        rows.append({"batch_id": batch_id, "client_pk": client.id,
                     "application_id": client_id, "added_at": stamp})  # fmt: skip
        result.added.append(client_id)
    if rows:
        connection.execute(batch_records.insert(), rows)
    return result


def batches_holding(connection: Connection, pks: list[int]) -> dict[int, tuple[int, str]]:
    """client key -> (batch id, state) for clients in a batch not yet processed."""
    if not pks:
        return {}
    query = (
        select(batch_records.c.client_pk, batches.c.id, batches.c.status)
        .join(batches, batches.c.id == batch_records.c.batch_id)
        .where(batch_records.c.client_pk.in_(pks), batches.c.status != BatchState.PROCESSED)
    )
    return {row.client_pk: (row.id, row.status) for row in connection.execute(query)}


def _refusal(
    client: AnyRow | None, placed: tuple[int, str] | None, batch_id: int, live: bool
) -> str:
    if client is None:
        return "no client with this Client ID in the workspace; import it first"
    simulated = is_simulated(client.usi_source)
    if usi.is_valid(client.usi) and not (live and simulated):
        if simulated:
            return (
                f"already has the USI {client.usi} from the {describe(client.usi_source)}; "
                "it counts as none only for a batch sent to the USI Registry itself"
            )
        return f"already has the USI {client.usi}"
    if usi.is_exemption(client.usi):
        return f"holds the exemption code {client.usi}: no USI is created for it"
    if placed is not None:
        other, status = placed
        if other == batch_id:
            return f"already in batch {batch_id}"
        return f"sent in batch {other} ({status}); retrieve its results first"
    return ""


def remove_from_batch(workspace: Workspace, client_ids: Sequence[str]) -> list[str]:
    """Take records out of the open batch (they can be added again later); those removed."""
    with (
        acting(workspace, Role.USI_BATCHES, "remove records from a batch"),
        workspace.begin() as connection,
    ):
        batch_id = open_batch_id(connection, create=False, lock=True)
        if batch_id is None:
            raise InputError(NO_OPEN_BATCH)
        pks = select(clients.c.id).where(clients.c.client_id.in_(list(client_ids)))
        removed = (
            connection.execute(
                select(batch_records.c.application_id).where(
                    batch_records.c.batch_id == batch_id, batch_records.c.client_pk.in_(pks)
                )
            )
            .scalars()
            .all()
        )
        connection.execute(
            batch_records.delete().where(
                batch_records.c.batch_id == batch_id, batch_records.c.client_pk.in_(pks)
            )
        )
    return list(removed)


def edit_client(
    workspace: Workspace, client_id: str, changes: dict[str, str], *, today: dt.date | None = None
) -> ValidationReport:
    """Change a client's personal or identity-document details; the record revalidated."""
    with (
        acting(workspace, Role.USI_BATCHES, "edit a client in a batch"),
        workspace.begin() as connection,
    ):
        open_batch_id(connection, create=False, lock=True)  # a submit cannot start meanwhile
        row = connection.execute(
            select(clients.c.id).where(clients.c.client_id == client_id)
        ).first()
        if row is not None:
            held = batches_holding(connection, [row.id]).get(row.id)
            if held and held[1] in UNFINISHED:
                raise InputError(
                    f"client {client_id} was sent in batch {held[0]}; its details cannot "
                    "change until the results are retrieved"
                )
            if pending_creates(connection, [row.id]):
                raise InputError(
                    f"client {client_id}'s USI is being created (a request not answered yet); "
                    "its details cannot change until it is answered",
                    next_step=step(Do.FINISH_CREATE, client=client_id),
                )
        pk = set_client_fields(connection, client_id, changes)
        frame = clients_frame(connection, [pk])
    return validate_clients(frame.reset_index(drop=True), today=today)
