"""What a permanent fault on a request makes of its batch (`SubmissionRefused` says which):

- no request of the batch has a receipt yet: the registry created nothing, so the batch is
  open again with all its records (they join the open batch if another was started
  meanwhile), ready to be fixed and submitted again;
- some requests already have receipts: the batch becomes `submitted` with those requests
  only (retrieve them as usual), and the records of the refused request and of the requests
  not yet sent go back to the open batch;
- the refused request may have reached the registry (in this sending, or in an earlier,
  interrupted run), and the fault does not prove otherwise: the batch stays `submitting`;
  once the cause is fixed, submit again sends the same request ids, which the registry
  answers with their receipts, so nothing is created twice.

Which faults prove the registry created nothing is `usikit.bulk_usi.registry.base`'s
`created_nothing`: a validation fault (1002) answered for the request, or a request that
could never be sent; on a first sending also an authorisation or security refusal, or a
failure before anything was sent. Anything else (an HTTP error, a redirect, an unknown fault
code) may have arrived.
"""

from __future__ import annotations

from sqlalchemy import Connection, select

from usikit.bulk_usi.batch_states import BatchState, RequestState, batch_state
from usikit.bulk_usi.batches.membership import open_batch_id
from usikit.bulk_usi.clients import CHUNK
from usikit.bulk_usi.registry.base import created_nothing
from usikit.bulk_usi.tables import batch_records, batches, submission_records, submissions
from usikit.errors import RegistryFault, SubmissionRefused
from usikit.store import audit
from usikit.store.clock import now
from usikit.store.engine import Workspace

FIX = "fix what the registry names, then submit again."


def refuse(
    workspace: Workspace, batch_id: int, request_id: str, fault: RegistryFault, fresh: bool
) -> SubmissionRefused:
    """The `SubmissionRefused` to raise for a permanent fault on request `request_id`, with
    the batch settled as the module's docstring says.

    A request may have reached the registry in this sending, or in an earlier run that died
    before recording its receipt (`fresh`: this run recorded it, so there was none). Its
    records are sent again only when the fault proves the registry created nothing for it.
    """
    if not created_nothing(fault, first_sending=fresh):
        return SubmissionRefused(
            fault,
            batch_id,
            "kept submitting",
            f"The batch stays 'submitting': request {request_id} may already have reached the "
            "registry, so it is kept. Fix the cause (for example the "
            "organisation's credential), then submit again: the same requests are sent, "
            "and the registry answers one it already has with its receipt, so nothing is "
            "created twice.",
        )
    return workspace.transact(lambda connection: _take_back(connection, batch_id, fault))


def _take_back(connection: Connection, batch_id: int, fault: RegistryFault) -> SubmissionRefused:
    """Put the records of the batch's unsent requests back into an open batch (one
    transaction); the refusal that says where they went."""
    if batch_state(connection, batch_id, lock=True) != BatchState.SUBMITTING:
        return SubmissionRefused(  # another run dealt with it
            fault, batch_id, "kept submitting", "Another run has moved the batch on since."
        )
    requests = connection.execute(
        select(submissions.c.id, submissions.c.state, submissions.c.applications)
        .where(submissions.c.batch_id == batch_id)
        .order_by(submissions.c.id)
    ).all()
    unsent = [row.id for row in requests if row.state == RequestState.PENDING]
    accepted = [row for row in requests if row.state != RequestState.PENDING]
    members = list(
        connection.execute(
            select(submission_records.c.batch_record_id).where(
                submission_records.c.submission_id.in_(unsent)
            )
        )
        .scalars()
        .all()
    )
    connection.execute(
        submission_records.delete().where(submission_records.c.submission_id.in_(unsent))
    )
    connection.execute(submissions.delete().where(submissions.c.id.in_(unsent)))
    if not accepted:  # nothing was created, yet the officer's attempt is on record
        audit.record(
            connection, "batch submit refused", applications=len(members), requests=len(unsent)
        )
        return _reopen(connection, batch_id, fault, len(members))
    target = open_batch_id(connection, lock=True)
    for start in range(0, len(members), CHUNK):
        connection.execute(
            batch_records.update()
            .where(batch_records.c.id.in_(members[start : start + CHUNK]))
            .values(batch_id=target)
        )
    applications = sum(row.applications for row in accepted)
    connection.execute(
        batches.update()
        .where(batches.c.id == batch_id)
        .values(status=BatchState.SUBMITTED, submitted_at=now())
    )
    audit.record(connection, "batch submit", applications=applications, requests=len(accepted))
    return SubmissionRefused(
        fault,
        batch_id,
        "partly submitted",
        f"{len(accepted)} of its requests had already been accepted: batch {batch_id} is "
        f"submitted with their {applications} applications (retrieve them as usual). The "
        f"{len(members)} records of the refused request and of those not sent yet are back "
        f"in the open batch {target}; {FIX}",
    )


def _reopen(
    connection: Connection, batch_id: int, fault: RegistryFault, records: int
) -> SubmissionRefused:
    """Nothing was created: the batch is open again, or its records join the open batch."""
    other = open_batch_id(connection, create=False, lock=True)
    if other is None:
        connection.execute(
            batches.update()
            .where(batches.c.id == batch_id)
            .values(status=BatchState.OPEN, registry=None)
        )
        return SubmissionRefused(
            fault,
            batch_id,
            "reopened",
            f"The registry created nothing: batch {batch_id} is open again with its "
            f"{records} records; {FIX}",
        )
    connection.execute(
        batch_records.update().where(batch_records.c.batch_id == batch_id).values(batch_id=other)
    )
    connection.execute(batches.delete().where(batches.c.id == batch_id))
    return SubmissionRefused(
        fault,
        batch_id,
        "returned",
        f"The registry created nothing: its {records} records are back in the open "
        f"batch {other} (batch {batch_id} is no more); {FIX}",
    )
