"""Submitting the open batch: checked, every request recorded, then sent.

Refused, listing the records in error, while any record has an error. The batch is cut into
requests of at most 500 applications. Each request (its id and the exact applications) is
recorded before it is sent; if the process dies before the receipt is recorded, the next
submit or retrieve sends the same request again, and the registry, which deduplicates by
request id, answers with the same receipt instead of creating the USIs twice.

A transient fault (service unavailable, a timeout) leaves the batch `submitting`: the next
submit sends the same requests again. A permanent fault is `usikit.bulk_usi.batches.refusal`'s
to settle.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import select

from usikit import settings
from usikit.bulk_usi.batch_states import BatchState, RequestState, batch_state
from usikit.bulk_usi.batches.channel import Channel
from usikit.bulk_usi.batches.membership import NO_OPEN_BATCH, open_batch_id
from usikit.bulk_usi.batches.refusal import refuse
from usikit.bulk_usi.batches.view import (
    BatchView,
    batch_frame,
    checked_for_sending,
    permission_given_elsewhere,
)
from usikit.bulk_usi.client_status import failures_by_client_id
from usikit.bulk_usi.permission_rules import PERMISSION_CHECKS, PERMISSION_ELSEWHERE
from usikit.bulk_usi.reference_lists import evidence_type_id
from usikit.bulk_usi.registry import applications as wire
from usikit.bulk_usi.registry.base import (
    LIVE_NAME,
    MAX_APPLICATIONS,
    TEST_NAME,
    Registry,
    is_the_registry,
)
from usikit.bulk_usi.tables import batch_records, batches, submission_records, submissions
from usikit.errors import Do, InputError, RecordsInError, RegistryFault, step
from usikit.store import audit
from usikit.store.access import acting
from usikit.store.clock import now
from usikit.store.engine import Workspace
from usikit.store.locks import hold_batches
from usikit.store.roles import Role

RECEIPT_LENGTH = 36
SHOWN_IDS = 20


@dataclass(frozen=True)
class SubmitRequest:
    """What a submission says besides the records: who sends them, and how."""

    org_code: str
    user_reference: str  # who prepared the applications (the registry's UserReference)
    non_dvs_document_type_id: int | None = None  # evidence type of records without a document
    today: dt.date | None = None  # the day the records are validated for
    permission_elsewhere: bool = False  # students' permission is recorded in another system


@dataclass
class Submission:
    batch_id: int
    registry: str
    receipts: list[tuple[str, str]]  # (request id, receipt number)
    applications: int


def submit_batch(
    workspace: Workspace,
    registry: Registry,
    *,
    org_code: str,
    user_reference: str,
    non_dvs_document_type_id: int | None = None,
    today: dt.date | None = None,
    permission_elsewhere: bool | None = None,
) -> Submission:
    """Send the open batch (or finish sending an interrupted one) to the registry.

    Refused, listing the records in error, while any record has an error; a record needs
    the student's permission unless `permission_elsewhere` (None: the organisation's
    setting), which the audit trail then records. The batch is cut into requests of at most
    500 applications, each recorded before it is sent. Records without an identity document
    go with `non_dvs_document_type_id` (else the setting USIKIT_NON_DVS_TYPE); the USI
    Registry itself refuses them without one, and so does this.
    """
    elsewhere = permission_given_elsewhere(permission_elsewhere)
    with acting(workspace, Role.USI_BATCHES, "submit a batch"):
        if non_dvs_document_type_id is None:  # the organisation's setting, when it has one
            non_dvs_document_type_id = evidence_type_id(
                workspace, registry, settings.non_dvs_type_setting(), org_code=org_code
            )
        request = SubmitRequest(
            org_code, user_reference, non_dvs_document_type_id, today, elsewhere
        )
        return _submit(Channel(workspace, registry, org_code), request)


def _submit(channel: Channel, request: SubmitRequest) -> Submission:
    workspace = channel.workspace
    with workspace.begin() as connection:
        unfinished = connection.execute(
            select(batches.c.id).where(batches.c.status == BatchState.SUBMITTING)
        ).first()
    if unfinished is not None:
        return send_pending(channel, int(unfinished.id))
    live = is_the_registry(channel.registry.name)
    with workspace.begin() as connection:
        batch_id = open_batch_id(connection, create=False)
        if batch_id is None:
            raise InputError(NO_OPEN_BATCH)
        frame = batch_frame(connection, batch_id, live=live)
        failures = failures_by_client_id(connection, frame)
    checked = frame.copy()  # what was validated: the batch must still be exactly this when sent
    report = checked_for_sending(
        frame, failures, today=request.today, elsewhere=request.permission_elsewhere
    )
    view = BatchView(batch_id, BatchState.OPEN, report)
    if not view.client_ids:
        raise InputError("the open batch is empty; add clients before submitting")
    blocked = view.in_error()
    if blocked:
        listing = ", ".join(blocked[:SHOWN_IDS]) + (" ..." if len(blocked) > SHOWN_IDS else "")
        errors = report.errors[report.errors["severity"] == "error"]
        permission = set(errors["check"]) <= set(PERMISSION_CHECKS)
        raise RecordsInError(
            f"batch {view.batch_id} cannot be submitted: {len(blocked)} records have errors "
            f"({listing})" + (": the students' permission is not recorded" if permission else ""),
            next_step=step(Do.RECORD_PERMISSION if permission else Do.FIX_OR_REMOVE_RECORDS),
        )
    labelled = view.report.status != "ok"
    if labelled.any():
        listing = ", ".join(view.report.records.loc[labelled, "Client ID"])
        raise InputError(
            f"batch {view.batch_id} holds clients that need no new USI ({listing}); "
            "remove them before submitting"
        )
    _refuse_without_evidence_type(view, channel.registry.name, request)
    fresh = _record_requests(channel, view, checked, live, request)
    return send_pending(channel, view.batch_id, fresh=fresh)


def _refuse_without_evidence_type(view: BatchView, registry: str, request: SubmitRequest) -> None:
    """The USI Registry takes an application without an identity document (DVSCheckRequired
    false) with the kind of evidence seen instead, NonDvsDocumentTypeId: its ids come from the
    registry's list of non-DVS document types, so none is guessed. A batch for the registry
    itself (or its 3PT test environment) holding such records is refused until it is given;
    the simulator and a local endpoint take them without it."""
    if request.non_dvs_document_type_id is not None or registry not in (LIVE_NAME, TEST_NAME):
        return
    records = view.report.records
    without = records.loc[records["Document Type"] == "", "Client ID"].tolist()
    if without:
        listing = ", ".join(without[:SHOWN_IDS]) + (" ..." if len(without) > SHOWN_IDS else "")
        raise InputError(
            f"batch {view.batch_id} holds {len(without)} record(s) without an identity document "
            f"({listing}): the {registry} needs the kind of evidence seen instead (a non-DVS "
            "document type from its list); give one, or add the records' documents",
            next_step=step(Do.CHOOSE_EVIDENCE_TYPE),
        )


def _as_sent(record: dict[str, str]) -> dict[str, str]:
    """A record as the registry takes it: a green Medicare card's expiry is its month (an
    Excel date cell gives a full date; the registry takes xs:gYearMonth for green cards)."""
    expiry = record.get("Document Expiry", "")
    if record.get("Medicare Card Colour") == "Green" and expiry.count("/") == 2:
        return {**record, "Document Expiry": expiry.split("/", 1)[1]}
    return record


def _record_requests(
    channel: Channel, view: BatchView, checked: pd.DataFrame, live: bool, request: SubmitRequest
) -> set[int]:
    """Write every request (id, applications) for the batch before any is sent; their keys.

    In the same locked transaction, the batch is read again: a record added, removed or
    edited since it was validated refuses the submission (nothing is recorded or sent).
    """
    applications = [
        wire.application_from_record(
            _as_sent(record),
            application_id=record["Client ID"],
            user_reference=request.user_reference,
            non_dvs_document_type_id=request.non_dvs_document_type_id,
        )
        for record in view.report.records.to_dict("records")
    ]
    stamp = now()
    recorded: set[int] = set()
    with channel.workspace.begin() as connection:
        hold_batches(connection, submitting=True)  # additions, removals, edits wait for this
        if batch_state(connection, view.batch_id, lock=True) != BatchState.OPEN:
            raise InputError(  # a second submit waits for the first, then lands here
                f"batch {view.batch_id} is already being submitted by another run",
                next_step=step(Do.RETRIEVE_BATCH, batch=view.batch_id),
            )
        if not batch_frame(connection, view.batch_id, live=live).equals(checked):
            raise InputError(
                f"batch {view.batch_id} changed while it was being checked (a record was "
                "added, removed or edited meanwhile); nothing was sent",
                next_step=step(Do.SUBMIT_AGAIN),
            )
        record_ids = dict(
            connection.execute(
                select(batch_records.c.application_id, batch_records.c.id).where(
                    batch_records.c.batch_id == view.batch_id
                )
            ).all()
        )
        for start in range(0, len(applications), MAX_APPLICATIONS):
            part = applications[start : start + MAX_APPLICATIONS]
            inserted = connection.execute(
                submissions.insert().values(
                    batch_id=view.batch_id,
                    request_id=new_request_id(),
                    state=RequestState.PENDING,
                    applications=len(part),
                    payload=json.dumps([wire.to_json(a) for a in part]),
                    created_at=stamp,
                )
            )
            assert inserted.inserted_primary_key is not None
            submission_id = int(inserted.inserted_primary_key[0])
            recorded.add(submission_id)
            connection.execute(
                submission_records.insert(),
                [{"submission_id": submission_id, "batch_record_id": record_ids[a.application_id]}
                 for a in part],
            )  # fmt: skip
        connection.execute(
            batches.update()
            .where(batches.c.id == view.batch_id)
            .values(status=BatchState.SUBMITTING, registry=channel.registry.name)
        )
        if request.permission_elsewhere:  # said by the officer, kept with the work it covers
            audit.record(connection, PERMISSION_ELSEWHERE, applications=len(applications))
    return recorded


def new_request_id() -> str:
    """A request id unique to this request (at most 20 characters)."""
    return "U" + uuid.uuid4().hex[:19].upper()


def send_pending(channel: Channel, batch_id: int, *, fresh: set[int] | None = None) -> Submission:
    """Send each recorded request that has no receipt yet, recording each receipt.

    `fresh`: the requests this run recorded, so never sent before (see `refusal.refuse`).
    """
    workspace, registry = channel.workspace, channel.registry
    with workspace.begin() as connection:
        channel.same_registry(connection, batch_id)
        pending = connection.execute(
            select(submissions.c.id, submissions.c.request_id, submissions.c.payload)
            .where(
                submissions.c.batch_id == batch_id,
                submissions.c.state == RequestState.PENDING,
            )
            .order_by(submissions.c.id)
        ).all()
    for row in pending:
        part = [wire.from_json(item) for item in json.loads(row.payload)]
        try:
            answer = registry.bulk_upload(channel.org_code, row.request_id, part)
        except RegistryFault as fault:
            if fault.transient:
                raise  # the request stays pending: the next submit sends it again
            refused = refuse(workspace, batch_id, row.request_id, fault, row.id in (fresh or ()))
            raise refused from None
        receipt = (answer or "").strip()
        if not receipt or len(receipt) > RECEIPT_LENGTH:
            raise RegistryFault(
                0,
                "Unusable answer",
                f"the registry answered request {row.request_id} without a usable receipt "
                f"number ({receipt[:40]!r}); the request is kept and sent again next time, "
                "and the registry answers a request it already has with its receipt",
                transient=True,
            )
        with workspace.begin() as connection:
            connection.execute(
                submissions.update()
                .where(submissions.c.id == row.id)
                .values(receipt_number=receipt, state=RequestState.SENT, sent_at=now())
            )
    with workspace.begin() as connection:
        sent = connection.execute(
            select(
                submissions.c.request_id, submissions.c.receipt_number, submissions.c.applications
            )
            .where(submissions.c.batch_id == batch_id)
            .order_by(submissions.c.id)
        ).all()
        if batch_state(connection, batch_id) == BatchState.SUBMITTING:
            connection.execute(
                batches.update()
                .where(batches.c.id == batch_id)
                .values(status=BatchState.SUBMITTED, submitted_at=now())
            )
            audit.record(
                connection,
                "batch submit",
                applications=sum(row.applications for row in sent),
                requests=len(sent),
            )
    return Submission(
        batch_id,
        registry.label,
        [(row.request_id, row.receipt_number) for row in sent],
        sum(row.applications for row in sent),
    )
