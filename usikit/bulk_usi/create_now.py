"""Creating one student's USI at once (CreateUSI), with a batch's care.

The record is checked as a batch's would be (the client rules, the student's permission, no
last application that failed on the same details), and the request, its id and its exact
application, is recorded *before* it is sent. If the process dies, or the registry cannot be
reached, after it was sent but before its answer was recorded, the next attempt for that
client sends the same request again: the simulator answers a request id it has seen with its
first answer, and the registry answers a student it knows with MatchFound and their USI, so
nothing is created twice. Until it is answered, the client cannot join a batch or be changed.

A permanent fault drops the request only when it proves the registry created nothing for it
(the batch's policy, `usikit.bulk_usi.registry.base.created_nothing`); otherwise it is kept,
and the next attempt sends it again once the cause is fixed.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Row, select

from usikit import settings
from usikit.bulk_usi.batches.membership import batches_holding
from usikit.bulk_usi.batches.submit import new_request_id
from usikit.bulk_usi.batches.view import checked_for_sending, permission_given_elsewhere
from usikit.bulk_usi.client_status import failures_by_client_id
from usikit.bulk_usi.clients import PENDING, clients_frame, is_simulated, update_clients
from usikit.bulk_usi.permission_rules import PERMISSION_CHECKS, PERMISSION_ELSEWHERE
from usikit.bulk_usi.reference_lists import evidence_type_id
from usikit.bulk_usi.registry import applications as wire
from usikit.bulk_usi.registry.base import (
    FAILURE,
    MATCH_FOUND,
    SUCCESS,
    Application,
    ApplicationResult,
    Registry,
    created_nothing,
    describe,
    is_the_registry,
    may_finish,
)
from usikit.bulk_usi.tables import clients, usi_requests
from usikit.errors import Do, InputError, RecordsInError, RegistryFault, step
from usikit.identifiers import usi
from usikit.store import audit
from usikit.store.access import acting
from usikit.store.clock import now
from usikit.store.engine import Workspace
from usikit.store.locks import hold_batches
from usikit.store.roles import Role

ANSWERED = "answered"
SHOWN_PROBLEMS = 5

AnyRow = Row[Any]


@dataclass
class CreateOutcome:
    """What became of the client's application."""

    client_id: str
    registry: str  # the registry's label
    request_id: str
    result: str  # Success | Failure | MatchFound
    usi: str = ""
    written: bool = False  # the USI is now the client's
    errors: list[str] = field(default_factory=list)  # "E101: message"
    note: str = ""  # why a USI was not written
    resent: bool = False  # an earlier, unanswered request was sent again


def create_usi_now(
    workspace: Workspace,
    registry: Registry,
    client_id: str,
    *,
    org_code: str,
    user_reference: str,
    non_dvs_document_type_id: int | None = None,
    permission_elsewhere: bool | None = None,
    today: dt.date | None = None,
) -> CreateOutcome:
    """Create `client_id`'s USI now, or finish the request an earlier attempt left unanswered.

    `permission_elsewhere`: the organisation records students' permission in its student
    system (None: the setting); the audit trail records that it was said.
    """
    elsewhere = permission_given_elsewhere(permission_elsewhere)
    with acting(workspace, Role.USI_BATCHES, "create a USI"):
        if non_dvs_document_type_id is None:  # the organisation's setting, when it has one
            non_dvs_document_type_id = evidence_type_id(
                workspace, registry, settings.non_dvs_type_setting(), org_code=org_code
            )
        with workspace.begin() as connection:
            pending = _pending(connection, client_id)
        if pending is not None:
            if not may_finish(pending.registry, registry.name):
                raise InputError(
                    f"client {client_id}'s USI was asked of the {describe(pending.registry)} "
                    f"(request {pending.request_id}), which has not answered yet",
                    next_step=step(Do.USE_SENT_REGISTRY, registry=describe(pending.registry)),
                )
            return _send(workspace, registry, org_code, pending, fresh=False)
        recorded = _record(
            workspace, registry, client_id, user_reference, non_dvs_document_type_id,
            elsewhere, today,
        )  # fmt: skip
        return _send(workspace, registry, org_code, recorded, fresh=True)


def _pending(connection: Connection, client_id: str) -> AnyRow | None:
    return connection.execute(
        select(usi_requests, clients.c.client_id)
        .join(clients, clients.c.id == usi_requests.c.client_pk)
        .where(clients.c.client_id == client_id, usi_requests.c.state == PENDING)
        .order_by(usi_requests.c.id)
    ).first()


def _record(
    workspace: Workspace,
    registry: Registry,
    client_id: str,
    user_reference: str,
    non_dvs: int | None,
    elsewhere: bool,
    today: dt.date | None,
) -> AnyRow:
    """Check the client's record and record its request (not sent yet); the request."""
    live = is_the_registry(registry.name)
    with workspace.begin() as connection:
        application, frame = _application(
            connection, client_id, live, user_reference, non_dvs, elsewhere, today
        )
    with workspace.begin() as connection:
        hold_batches(connection, submitting=True)  # no addition, edit or import meanwhile
        again, _ = _application(connection, client_id, live, user_reference, non_dvs,
                                elsewhere, today)  # fmt: skip
        if again != application or _pending(connection, client_id) is not None:
            raise InputError(
                f"client {client_id} changed while it was being checked; nothing was sent",
                next_step=step(Do.SUBMIT_AGAIN),
            )
        connection.execute(
            usi_requests.insert().values(
                client_pk=int(frame.index[0]),
                request_id=new_request_id(),
                registry=registry.name,
                state=PENDING,
                payload=json.dumps(wire.to_json(application)),
                permission_elsewhere=int(elsewhere),
                created_at=now(),
            )
        )
        if elsewhere:
            audit.record(connection, PERMISSION_ELSEWHERE, applications=1)
        recorded = _pending(connection, client_id)
    assert recorded is not None
    return recorded


def _application(
    connection: Connection,
    client_id: str,
    live: bool,
    user_reference: str,
    non_dvs: int | None,
    elsewhere: bool,
    today: dt.date | None,
) -> tuple[Application, Any]:
    """The client's record as an application, once it is checked as a batch's would be."""
    row = connection.execute(
        select(clients.c.id, clients.c.usi, clients.c.usi_source).where(
            clients.c.client_id == client_id
        )
    ).first()
    if row is None:
        raise InputError(f"no client with Client ID {client_id} in the workspace",
                         next_step=step(Do.IMPORT_CLIENTS))  # fmt: skip
    replaceable = live and is_simulated(row.usi_source)  # not a real USI: the registry's wins
    if usi.is_valid(row.usi) and not replaceable:
        raise InputError(f"client {client_id} already has the USI {row.usi}")
    if usi.is_exemption(row.usi):
        raise InputError(f"client {client_id} holds the exemption code {row.usi}: no USI is "
                         "created for it")  # fmt: skip
    placed = batches_holding(connection, [row.id]).get(row.id)
    if placed is not None:
        if placed[1] == "open":
            raise InputError(f"client {client_id} is in the open batch {placed[0]}",
                             next_step=step(Do.REMOVE_FROM_BATCH, client=client_id))  # fmt: skip
        raise InputError(f"client {client_id} was sent in batch {placed[0]} ({placed[1]})",
                         next_step=step(Do.RETRIEVE_BATCH, batch=placed[0]))  # fmt: skip
    frame = clients_frame(connection, [row.id])
    if replaceable:
        frame["USI"] = ""
    failures = failures_by_client_id(connection, frame)
    report = checked_for_sending(frame, failures, today=today, elsewhere=elsewhere)
    if report.status.iloc[0] != "ok":
        errors = report.errors[report.errors["severity"] == "error"]
        only_permission = set(errors["check"]) <= set(PERMISSION_CHECKS)
        shown = "; ".join(errors["message"].head(SHOWN_PROBLEMS))
        more = len(errors) - SHOWN_PROBLEMS
        raise RecordsInError(
            f"client {client_id} cannot be sent: {shown}"
            + (f" (and {more} more problems)" if more > 0 else ""),
            next_step=step(Do.RECORD_PERMISSION)
            if only_permission
            else step(Do.FIX_CLIENT, client=client_id),
        )
    record = report.records.iloc[0].to_dict()
    application = wire.application_from_record(
        record,
        application_id=client_id,
        user_reference=user_reference,
        non_dvs_document_type_id=non_dvs,
    )
    return application, frame


def _send(
    workspace: Workspace, registry: Registry, org_code: str, request: AnyRow, *, fresh: bool
) -> CreateOutcome:
    """Send the recorded request and keep its answer; `fresh`: recorded by this attempt."""
    application = wire.from_json(json.loads(request.payload))
    try:
        answer = registry.create_usi(org_code, request.request_id, application)
    except RegistryFault as fault:
        if fault.transient:
            raise  # kept: the next attempt sends the same request
        dropped = created_nothing(fault, first_sending=fresh)
        if dropped:
            with workspace.begin() as connection:
                connection.execute(usi_requests.delete().where(usi_requests.c.id == request.id))
        raise RegistryFault(
            fault.code,
            fault.title,
            fault.message.rstrip(".")
            + (
                ". Nothing was created and the request was dropped: fix the cause, then create "
                "the USI again"
                if dropped
                else f". Request {request.request_id} is kept, as it may have reached the "
                "registry: once the cause is fixed, creating the USI again sends the same "
                "request, so nothing is created twice"
            ),
            arrival=fault.arrival,
        ) from None
    problem = _unusable(answer, application)
    if problem:
        raise RegistryFault(0, "Unusable answer", f"{problem}; request {request.request_id} "
                            "is kept and sent again next time", transient=True)  # fmt: skip
    return workspace.transact(
        lambda connection: _keep(connection, registry, request, answer, resent=not fresh)
    )


def _unusable(answer: ApplicationResult, application: Application) -> str:
    if answer.application_id and answer.application_id != application.application_id:
        return f"the registry answered for application {answer.application_id!r}"
    if answer.result not in (SUCCESS, FAILURE, MATCH_FOUND):
        return f"the registry's answer has the result {answer.result[:20]!r}"
    if answer.result != FAILURE and not usi.is_valid(answer.usi):
        return "the registry's answer gives a result without a valid USI"
    return ""


def _keep(
    connection: Connection,
    registry: Registry,
    request: AnyRow,
    answer: ApplicationResult,
    *,
    resent: bool,
) -> CreateOutcome:
    """Record the answer and write the USI to the client (one transaction)."""
    state = connection.execute(
        select(usi_requests.c.state).where(usi_requests.c.id == request.id).with_for_update()
    ).scalar()
    errors = [f"{e.code}: {e.message}" for e in answer.errors]
    outcome = CreateOutcome(
        request.client_id, registry.label, request.request_id, answer.result, answer.usi,
        errors=errors, resent=resent,
    )  # fmt: skip
    if state != PENDING:  # another run kept this answer meanwhile
        return outcome
    issuer = request.registry
    held = connection.execute(
        select(clients.c.usi, clients.c.usi_source).where(clients.c.id == request.client_pk)
    ).one()
    if answer.result != FAILURE:
        holder = connection.execute(
            select(clients.c.client_id).where(
                clients.c.usi == answer.usi, clients.c.id != request.client_pk
            )
        ).scalar()
        replaces = is_the_registry(issuer) and is_simulated(held.usi_source)
        if holder is not None:
            outcome.note = (
                f"not written: client {holder} already holds this USI (the registry took them "
                "for one student); check which record is that student's"
            )
        elif held.usi in ("", answer.usi) or replaces:
            update_clients(connection, [{"pk": request.client_pk, "usi": answer.usi,
                                         "usi_source": issuer, "updated_at": now()}])  # fmt: skip
            outcome.written = True
        else:
            outcome.note = f"not written: the client already had the USI {held.usi}"
    connection.execute(
        usi_requests.update()
        .where(usi_requests.c.id == request.id)
        .values(
            state=ANSWERED,
            answered_at=now(),
            result=answer.result,
            usi=answer.usi or None,
            identity_document_verified=answer.identity_document_verified,
            errors="\n".join(errors),
            note=outcome.note,
        )
    )
    audit.record(
        connection,
        "usi create",
        applications=1,
        usis_issued=int(outcome.written),
        failed=int(answer.result == FAILURE),
    )
    return outcome
