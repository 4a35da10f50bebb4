"""Retrieving a batch's results, and writing each new USI into its client's record.

All results that are ready are written in one transaction; a fault from the registry writes
nothing. An answer that lacks some of a request's applications, or gives one a result without
a valid USI, is treated as a fault: nothing of that request is written. Retrieving again
changes nothing and duplicates nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Row, func, select

from usikit.bulk_usi.batch_states import BatchState, RequestState, batch_registry, batch_state
from usikit.bulk_usi.batches.channel import Channel
from usikit.bulk_usi.batches.submit import send_pending
from usikit.bulk_usi.clients import is_simulated, update_clients
from usikit.bulk_usi.registry.base import (
    MATCH_FOUND,
    SUCCESS,
    BulkResults,
    Registry,
    describe,
    is_the_registry,
)
from usikit.bulk_usi.tables import (
    batch_records,
    batches,
    clients,
    results,
    submission_records,
    submissions,
)
from usikit.errors import InputError, NotProcessedYet
from usikit.identifiers import usi
from usikit.store import audit
from usikit.store.access import acting
from usikit.store.clock import now
from usikit.store.engine import Workspace
from usikit.store.roles import Role

SHOWN_IDS = 10

AnyRow = Row[*tuple[Any, ...]]  # a database row of any columns


@dataclass
class Retrieval:
    batch_id: int
    processed: bool
    waiting: int  # requests the registry has not finished
    new_results: int
    usis_written: int
    # Requests whose answer could not be used (nothing of them was written): why, per request.
    problems: list[str] = field(default_factory=list)


def retrieve_batch(
    workspace: Workspace, registry: Registry, batch_id: int, *, org_code: str
) -> Retrieval:
    """Download the results and write each new USI into the client's record."""
    with acting(workspace, Role.USI_BATCHES, "retrieve a batch's results"):
        return _retrieve(Channel(workspace, registry, org_code), batch_id)


def _retrieve(channel: Channel, batch_id: int) -> Retrieval:
    workspace, registry = channel.workspace, channel.registry
    with workspace.begin() as connection:
        status = batch_state(connection, batch_id)
        if status != BatchState.OPEN:
            channel.same_registry(connection, batch_id)
    if status == BatchState.OPEN:
        raise InputError(f"batch {batch_id} has not been submitted yet")
    if status == BatchState.SUBMITTING:
        send_pending(channel, batch_id)  # finish an interrupted submit
    with workspace.begin() as connection:
        issuer = batch_registry(connection, batch_id)
        waiting_rows = connection.execute(
            select(submissions.c.id, submissions.c.request_id, submissions.c.receipt_number)
            .where(submissions.c.batch_id == batch_id, submissions.c.state == RequestState.SENT)
            .order_by(submissions.c.id)
        ).all()
    ready = []
    waiting = 0
    for row in waiting_rows:
        try:
            ready.append((row, registry.bulk_upload_retrieve(channel.org_code, row.receipt_number)))
        except NotProcessedYet:
            waiting += 1
    new_results, written, failed, problems = 0, 0, 0, []
    with workspace.begin() as connection:
        for row, outcome in ready:
            members = _members(connection, row.id)
            problem = _unusable(row.request_id, members, outcome)
            if problem:  # treated as a fault: nothing of this request is written
                problems.append(problem)
                continue
            added, usis = _write_results(
                connection, row.id, members, outcome, issuer or registry.name
            )
            new_results, written = new_results + added, written + usis
            failed += outcome.failed
        audit.record(
            connection, "batch retrieve", results=new_results, usis_issued=written, failed=failed
        )
        left = connection.execute(
            select(func.count())
            .select_from(submissions)
            .where(
                submissions.c.batch_id == batch_id,
                submissions.c.state != RequestState.RETRIEVED,
            )
        ).scalar_one()
        if left == 0 and batch_state(connection, batch_id) != BatchState.PROCESSED:
            connection.execute(
                batches.update()
                .where(batches.c.id == batch_id)
                .values(status=BatchState.PROCESSED, processed_at=now())
            )
    return Retrieval(batch_id, left == 0, waiting, new_results, written, problems)


def _members(connection: Connection, submission_id: int) -> list[AnyRow]:
    """The batch records a request carried: (id, application id, client key)."""
    return list(
        connection.execute(
            select(batch_records.c.id, batch_records.c.application_id, batch_records.c.client_pk)
            .join(submission_records, submission_records.c.batch_record_id == batch_records.c.id)
            .where(submission_records.c.submission_id == submission_id)
        ).all()
    )


def _listing(ids: list[str]) -> str:
    return ", ".join(ids[:SHOWN_IDS]) + (" ..." if len(ids) > SHOWN_IDS else "")


def _unusable(request_id: str, members: list[AnyRow], outcome: BulkResults) -> str:
    """Why the registry's answer for a request cannot be written, or '' when it can."""
    answered = {item.application_id for item in outcome.applications}
    missing = [row.application_id for row in members if row.application_id not in answered]
    no_usi = [
        item.application_id
        for item in outcome.applications
        if item.result in (SUCCESS, MATCH_FOUND) and not usi.is_valid(item.usi)
    ]
    if no_usi:  # a USI that is missing or fails its check character would be written wrong
        return (
            f"request {request_id}: the registry's answer gives {len(no_usi)} application(s) "
            f"a result without a valid USI ({_listing(no_usi)}); nothing of this request was "
            "written. Retrieve again later; if the answer stays the same, ask the registry "
            "about it"
        )
    if not missing:
        return ""
    return (
        f"request {request_id}: the registry's answer has no result for {len(missing)} of "
        f"its {len(members)} applications ({_listing(missing)}); nothing of this request was "
        "written. Retrieve again later; if the answer stays incomplete, ask the registry "
        "about it"
    )


def _write_results(
    connection: Connection,
    submission_id: int,
    members: list[AnyRow],
    outcome: BulkResults,
    issuer: str,
) -> tuple[int, int]:
    """Record each application's result and write each new USI to its client; `issuer` (the
    registry's name) is recorded as where the USI came from. (results added, USIs written)"""
    live = is_the_registry(issuer)
    by_application = {row.application_id: row for row in members}
    already = set(
        connection.execute(
            select(results.c.batch_record_id).where(
                results.c.batch_record_id.in_([row.id for row in members])
            )
        ).scalars()
    )
    current = {
        row.id: row
        for row in connection.execute(
            select(clients.c.id, clients.c.usi, clients.c.usi_source).where(
                clients.c.id.in_([row.client_pk for row in members])
            )
        )
    }
    stamp, rows, new_usis = now(), [], []
    for item in outcome.applications:
        member = by_application.get(item.application_id)
        if member is None or member.id in already:
            continue
        note = ""
        if item.result in (SUCCESS, MATCH_FOUND) and item.usi:
            held = current[member.client_pk]
            replaces = live and is_simulated(held.usi_source)  # not a real USI: the registry's wins
            if held.usi == "" or replaces:
                new_usis.append({"pk": member.client_pk, "usi": item.usi, "usi_source": issuer,
                                 "updated_at": stamp})  # fmt: skip
            if held.usi not in ("", item.usi):
                note = (
                    f"replaced the USI {held.usi} from the {describe(held.usi_source)}"
                    if replaces
                    else f"the client already had the USI {held.usi}; it was left as it was"
                )
        rows.append(
            {
                "batch_record_id": member.id,
                "application_id": item.application_id,
                "result": item.result,
                "usi": item.usi or None,
                "identity_document_verified": item.identity_document_verified,
                "processed_date": item.processed_date,
                "errors": "\n".join(f"{e.code}: {e.message}" for e in item.errors),
                "note": note,
                "retrieved_at": stamp,
            }
        )
    if rows:
        connection.execute(results.insert(), rows)
    update_clients(connection, new_usis)
    connection.execute(
        submissions.update()
        .where(submissions.c.id == submission_id)
        .values(state=RequestState.RETRIEVED, retrieved_at=stamp)
    )
    return len(rows), len(new_usis)
