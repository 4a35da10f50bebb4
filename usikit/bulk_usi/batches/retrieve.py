"""Retrieving a batch's results, and writing each new USI into its client's record.

All results that are ready are written in one transaction; a fault from the registry writes
nothing. An answer that breaks the registry's schema for a request (an application missing or
answered twice, a result that is not Success, Failure or MatchFound, such as a Pending that is
not final, a USI or a processed date that is not one) is treated as a fault: nothing of that
request is written, and the batch can be retrieved again. A USI is one person's: one the
answers give to several clients, or that another client already holds, is recorded with the
results but written to no client's record, and the retrieval says so. Retrieving again changes
nothing and duplicates nothing.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Row, func, select

from usikit.bulk_usi.batch_states import BatchState, RequestState, batch_registry, batch_state
from usikit.bulk_usi.batches.channel import Channel
from usikit.bulk_usi.batches.submit import send_pending
from usikit.bulk_usi.clients import is_simulated, update_clients
from usikit.bulk_usi.registry.base import (
    FAILURE,
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
RESULTS = (SUCCESS, FAILURE, MATCH_FOUND)
VERIFIED = ("True", "False", "NotRequired")
PROCESSED_DATE_LENGTH = 40  # results.processed_date
PROCESSED_DATE = re.compile(
    r"-?[0-9]{4,}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]+)?(?:Z|[+-][0-9]{2}:[0-9]{2})?"
)

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
    # A USI the answers gave to several clients, or one another client holds: recorded with
    # the results, written to no client (`withheld`: the officer must act), or only to the
    # client whose application created it (`noted`: the others are the same person).
    withheld: list[str] = field(default_factory=list)
    noted: list[str] = field(default_factory=list)


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
    withheld: dict[int, tuple[str, bool]] = {}
    with workspace.begin() as connection:
        usable = []
        for row, outcome in ready:
            members = _members(connection, row.id)
            problem = _unusable(row.request_id, members, outcome)
            if problem:  # treated as a fault: nothing of this request is written
                problems.append(problem)
            else:
                usable.append((row, members, outcome))
        withheld = _shared_usis(connection, usable)
        for row, members, outcome in usable:
            added, usis = _write_results(
                connection, row.id, members, outcome, issuer or registry.name, withheld
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
    return Retrieval(
        batch_id,
        left == 0,
        waiting,
        new_results,
        written,
        problems,
        [why for why, blocking in withheld.values() if blocking],
        [why for why, blocking in withheld.values() if not blocking],
    )


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
    """Why the registry's answer for a request cannot be written, or '' when it can: what the
    registry's schema (version 5) does not allow, or leaves the request unfinished."""
    items = outcome.applications
    answered = Counter(item.application_id for item in items)
    twice = sorted(application for application, times in answered.items() if times > 1)
    unknown = [item for item in items if item.result not in RESULTS]
    shown = ", ".join(sorted({repr(item.result[:20]) for item in unknown}))
    shown = shown.replace("{", "{{").replace("}", "}}")
    unverified = [i.application_id for i in items if i.identity_document_verified not in VERIFIED]
    undated = [i.application_id for i in items if not _processed_date(i.processed_date)]
    no_usi = [
        item.application_id
        for item in items
        if (item.result in (SUCCESS, MATCH_FOUND) or item.usi) and not usi.is_valid(item.usi)
    ]
    missing = [row.application_id for row in members if row.application_id not in answered]
    reasons = (
        (twice, "more than one result for {n} application(s) ({ids})"),
        (
            [i.application_id for i in unknown],
            f"{{n}} application(s) a result that is not final or not one the registry's schema "
            f"knows ({shown}; {{ids}})",
        ),
        (no_usi, "{n} application(s) a result without a valid USI ({ids})"),
        (unverified, "{n} application(s) an identity-document verification that is not True, "
         "False or NotRequired ({ids})"),
        (undated, "{n} application(s) a processed date that is not a date and time ({ids})"),
        (missing, f"no result for {{n}} of its {len(members)} applications ({{ids}})"),
    )  # fmt: skip
    for ids, what in reasons:
        if ids:
            gives = "has" if what.startswith("no result") else "gives"
            return (
                f"request {request_id}: the registry's answer {gives} "
                + what.format(n=len(ids), ids=_listing([str(i)[:20] for i in ids]))
                + "; nothing of this request was written. Retrieve again later; if the answer "
                "stays the same, ask the registry about it"
            )
    return ""


def _processed_date(text: str) -> bool:
    """An xs:dateTime, short enough to keep (the results table holds 40 characters)."""
    return len(text) <= PROCESSED_DATE_LENGTH and PROCESSED_DATE.fullmatch(text) is not None


def _shared_usis(
    connection: Connection, usable: list[tuple[AnyRow, list[AnyRow], BulkResults]]
) -> dict[int, tuple[str, bool]]:
    """Clients whose new USI must not be written, by client key, with why: a USI is one
    person's (batch edit refuses to give one to a second client). When the answers give one
    USI to several clients (the same person entered twice), it goes to the one whose
    application created it (Success), and to none when that is not one; a USI another client
    already holds goes to no one else. Each: (why, whether it was written to no one)."""
    claims: dict[str, dict[int, tuple[str, str]]] = {}  # USI -> client key -> (id, result)
    for _, members, outcome in usable:
        clients_of = {row.application_id: row.client_pk for row in members}
        for item in outcome.applications:
            pk = clients_of.get(item.application_id)
            if pk is not None and item.result in (SUCCESS, MATCH_FOUND):
                claims.setdefault(item.usi, {})[pk] = (item.application_id, item.result)
    holders = _holders(connection, list(claims))
    withheld: dict[int, tuple[str, bool]] = {}
    for number, given in claims.items():
        others = [client for key, client in holders.get(number, []) if key not in given]
        if others:
            for pk, (application, _) in given.items():
                withheld[pk] = (
                    f"{application}: the registry's USI {number} already belongs to client "
                    f"{others[0]}; it was not written to this client's record (a USI is one "
                    "person's): check whether they are the same person",
                    True,
                )
            continue
        if len(given) == 1:
            continue
        created = [pk for pk, (_, result) in given.items() if result == SUCCESS]
        keeper = created[0] if len(created) == 1 else None
        listing = _listing(sorted(application for application, _ in given.values()))
        for pk, (application, _) in given.items():
            if pk == keeper:
                continue
            where = (
                f"it was written to {given[keeper][0]}'s record, whose application created it,"
                " and not to this one: they are probably the same person"
                if keeper is not None
                else "it was written to none of their records (a USI is one person's): check "
                "whether they are the same person, keep one client and give it the USI"
            )
            withheld[pk] = (
                f"{application}: the registry gave the USI {number} to {len(given)} "
                f"applications ({listing}); {where}",
                keeper is None,
            )
    return withheld


def _holders(connection: Connection, usis: list[str]) -> dict[str, list[tuple[int, str]]]:
    """The clients already holding each of `usis`: (client key, Client ID)."""
    holders: dict[str, list[tuple[int, str]]] = {}
    for start in range(0, len(usis), 500):
        for row in connection.execute(
            select(clients.c.id, clients.c.client_id, clients.c.usi).where(
                clients.c.usi.in_(usis[start : start + 500])
            )
        ):
            holders.setdefault(row.usi, []).append((row.id, row.client_id))
    return holders


def _write_results(
    connection: Connection,
    submission_id: int,
    members: list[AnyRow],
    outcome: BulkResults,
    issuer: str,
    withheld: dict[int, tuple[str, bool]],
) -> tuple[int, int]:
    """Record each application's result and write each new USI to its client; `issuer` (the
    registry's name) is recorded as where the USI came from; a client in `withheld` keeps its
    record as it was, the result saying why. (results added, USIs written)"""
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
        if member.client_pk in withheld:
            note = withheld[member.client_pk][0].split(": ", 1)[1]
        elif item.result in (SUCCESS, MATCH_FOUND) and item.usi:
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
