"""The create-USI batch: add clients, check them, fix or remove, export, submit, retrieve.

A batch moves open -> submitting -> submitted -> processed. Each bulk request is recorded
(with its request id and the exact applications) before it is sent; if the process dies
before the receipt is recorded, the next submit or retrieve sends the same request again,
and the registry, which deduplicates by request id, answers with the same receipt instead of
creating the USIs twice. Every change to the workspace is one transaction.

A transient fault (service unavailable, a timeout) leaves the batch `submitting`: the next
submit sends the same requests again. A permanent fault (the registry refused a request, for
example a validation fault 1002 or an authorisation fault 2002) raises `SubmissionRefused`,
whose message says what became of the batch:

- no request of the batch has a receipt yet: the registry created nothing, so the batch is
  open again with all its records (they join the open batch if another was started
  meanwhile), ready to be fixed and submitted again;
- some requests already have receipts: the batch becomes `submitted` with those requests
  only (retrieve them as usual), and the records of the refused request and of the requests
  not yet sent go back to the open batch;
- the refused request may already have reached the registry in an earlier, interrupted run,
  and the fault does not prove otherwise (anything but a validation fault): the batch stays
  `submitting`; once the cause is fixed, submit again sends the same request ids, which the
  registry answers with their receipts, so nothing is created twice.

A USI the offline simulator (or any endpoint that is not the USI Registry) issued is not a
real USI: for a batch that goes to the USI Registry itself, such clients count as without a
USI (they can be added, and the registry's USI replaces the simulator's one).
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from sqlalchemy import Connection, bindparam, case, func, select

from usikit.errors import InputError, RecordsInError
from usikit.identifiers import usi
from usikit.io.write import Sheet, write_csv, write_xlsx
from usikit.privacy import mask_series
from usikit.registry import applications as wire
from usikit.registry.base import (
    FAILURE,
    GENERIC_VALIDATION,
    MATCH_FOUND,
    MAX_APPLICATIONS,
    NOT_THE_REGISTRY,
    SUCCESS,
    BulkResults,
    NotProcessedYet,
    Registry,
    RegistryFault,
    describe,
    is_the_registry,
    may_finish,
)
from usikit.report import ValidationReport
from usikit.rules.clients import validate_clients
from usikit.workspace import audit
from usikit.workspace.clients import (
    CHUNK,
    SENSITIVE,
    clients_frame,
    is_simulated,
    now,
    set_client_fields,
)
from usikit.workspace.engine import Workspace
from usikit.workspace.locks import hold_batches
from usikit.workspace.roles import acting, export_allowed
from usikit.workspace.tables import (
    batch_records,
    batches,
    clients,
    results,
    submission_records,
    submissions,
)

OPEN, SUBMITTING, SUBMITTED, PROCESSED = "open", "submitting", "submitted", "processed"
PENDING, SENT, RETRIEVED = "pending", "sent", "retrieved"
UNFINISHED = (SUBMITTING, SUBMITTED)


@dataclass
class AddResult:
    batch_id: int
    added: list[str] = field(default_factory=list)
    refused: dict[str, str] = field(default_factory=dict)  # Client ID -> reason


@dataclass
class BatchView:
    """A batch's records, freshly validated: the grid a data officer works through."""

    batch_id: int
    status: str
    report: ValidationReport  # rows are the batch's records in the order they were added

    @property
    def client_ids(self) -> list[str]:
        return self.report.records["Client ID"].tolist()

    def in_error(self) -> list[str]:
        return self.report.records.loc[self.report.status == "error", "Client ID"].tolist()


@dataclass
class Submission:
    batch_id: int
    registry: str
    receipts: list[tuple[str, str]]  # (request id, receipt number)
    applications: int


@dataclass
class Retrieval:
    batch_id: int
    processed: bool
    waiting: int  # requests the registry has not finished
    new_results: int
    usis_written: int
    # Requests whose answer could not be used (nothing of them was written): why, per request.
    problems: list[str] = field(default_factory=list)


class SubmissionRefused(InputError):
    """The registry refused a request for good; the message says why and what became of the
    batch (`outcome`: "reopened", "returned", "partly submitted" or "kept submitting")."""

    def __init__(self, fault: RegistryFault, batch_id: int, outcome: str, what_now: str) -> None:
        self.fault, self.batch_id, self.outcome = fault, batch_id, outcome
        super().__init__(
            f"the registry refused batch {batch_id}: {fault.title} [{fault.code}]: "
            f"{fault.message.rstrip('.')}. {what_now}"
        )


# Adding, editing and removing.


def open_batch_id(connection: Connection, *, create: bool = True, lock: bool = False) -> int | None:
    """The open batch (created when asked and there is none). With `lock`, a submit cannot
    start recording until the transaction ends, and one under way is waited for (then the
    batch it sent is no longer the open one): see `usikit.workspace.locks`."""
    if lock:
        hold_batches(connection)
    row = connection.execute(select(batches.c.id).where(batches.c.status == OPEN)).first()
    if row is not None:
        return row.id
    if not create:
        return None
    return connection.execute(
        batches.insert().values(status=OPEN, created_at=now())
    ).inserted_primary_key[0]


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
    with acting(workspace, "usi_batches", "add clients to a batch"):
        return workspace.transact(
            lambda connection: _add(connection, client_ids, all_without_usi, live)
        )


def _add(
    connection: Connection, client_ids: Sequence[str], all_without_usi: bool, live: bool
) -> AddResult:
    batch_id = open_batch_id(connection, lock=True)
    if all_without_usi:
        without = clients.c.usi == ""
        if live:
            without = without | clients.c.usi_source.in_(NOT_THE_REGISTRY)
        wanted = (
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
    placed = _batches_holding(connection, [row.id for row in found.values()])
    stamp = now()
    rows = []
    for client_id in wanted:
        client = found.get(client_id)
        reason = _refusal(client, placed.get(client.id) if client else None, batch_id, live)
        if reason:
            result.refused[client_id] = reason
            continue
        rows.append({"batch_id": batch_id, "client_pk": client.id,
                     "application_id": client_id, "added_at": stamp})  # fmt: skip
        result.added.append(client_id)
    if rows:
        connection.execute(batch_records.insert(), rows)
    return result


def _batches_holding(connection: Connection, pks: list[int]) -> dict[int, tuple[int, str]]:
    """client key -> (batch id, status) for clients in a batch not yet processed."""
    if not pks:
        return {}
    query = (
        select(batch_records.c.client_pk, batches.c.id, batches.c.status)
        .join(batches, batches.c.id == batch_records.c.batch_id)
        .where(batch_records.c.client_pk.in_(pks), batches.c.status != PROCESSED)
    )
    return {row.client_pk: (row.id, row.status) for row in connection.execute(query)}


def _refusal(client, placed: tuple[int, str] | None, batch_id: int, live: bool) -> str:
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
        acting(workspace, "usi_batches", "remove records from a batch"),
        workspace.begin() as connection,
    ):
        batch_id = open_batch_id(connection, create=False, lock=True)
        if batch_id is None:
            raise InputError("there is no open batch; add clients to start one")
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
        acting(workspace, "usi_batches", "edit a client in a batch"),
        workspace.begin() as connection,
    ):
        open_batch_id(connection, create=False, lock=True)  # a submit cannot start meanwhile
        row = connection.execute(
            select(clients.c.id).where(clients.c.client_id == client_id)
        ).first()
        if row is not None:
            held = _batches_holding(connection, [row.id]).get(row.id)
            if held and held[1] in UNFINISHED:
                raise InputError(
                    f"client {client_id} was sent in batch {held[0]}; its details cannot "
                    "change until the results are retrieved"
                )
        pk = set_client_fields(connection, client_id, changes)
        frame = clients_frame(connection, [pk])
    return validate_clients(frame.reset_index(drop=True), today=today)


# Seeing and exporting the grid.


def batch_view(
    workspace: Workspace,
    batch_id: int | None = None,
    *,
    today: dt.date | None = None,
    show_sensitive: bool = False,
) -> BatchView:
    """The batch's records validated now (the open batch when no id is given)."""
    with acting(workspace, "usi_batches", "see a batch"), workspace.begin() as connection:
        if batch_id is None:
            batch_id = open_batch_id(connection, create=False)
            if batch_id is None:
                raise InputError("there is no open batch; add clients to start one")
        status = _status(connection, batch_id)
        frame = _batch_frame(connection, batch_id)
    report = validate_clients(
        frame.reset_index(drop=True), today=today, show_sensitive=show_sensitive
    )
    return BatchView(batch_id, status, report)


def _batch_frame(connection: Connection, batch_id: int, *, live: bool = False) -> pd.DataFrame:
    """The batch's clients in the template's columns, in the order they were added (indexed
    by client key). With `live`, a USI that is not from the USI Registry is left out."""
    pks = (
        connection.execute(
            select(batch_records.c.client_pk)
            .where(batch_records.c.batch_id == batch_id)
            .order_by(batch_records.c.id)
        )
        .scalars()
        .all()
    )
    frame = clients_frame(connection, pks).loc[list(pks)] if pks else clients_frame(connection, [])
    if live and pks:
        simulated = connection.execute(
            select(clients.c.id)
            .join(batch_records, batch_records.c.client_pk == clients.c.id)
            .where(batch_records.c.batch_id == batch_id)
            .where(clients.c.usi_source.in_(NOT_THE_REGISTRY))
        ).scalars()
        frame.loc[frame.index.isin(list(simulated)), "USI"] = ""
    return frame


def batch_grid(view: BatchView, *, show_sensitive: bool = False) -> pd.DataFrame:
    """One line per record: who, the status (ok/error) and the number of problems."""
    records, report = view.report.records, view.report
    problems = report.errors.dropna(subset=["row"])
    errors = problems[problems["severity"] == "error"].groupby("row").size()
    warnings = problems[problems["severity"] == "warning"].groupby("row").size()
    born = records["Date of Birth"] if show_sensitive else mask_series(records["Date of Birth"])
    grid = pd.DataFrame(
        {
            "Row": records.index,
            "Client ID": records["Client ID"],
            "Name": _names(records),
            "Date of Birth": born,
            "Document Type": records["Document Type"],
            "Status": report.status,
            "Errors": errors.reindex(records.index, fill_value=0).astype(int),
            "Warnings": warnings.reindex(records.index, fill_value=0).astype(int),
            "Problems": report.messages_by_row(),
        }
    )
    return grid.reset_index(drop=True)


def _names(records: pd.DataFrame) -> pd.Series:
    full = records["First Name"] + " " + records["Family Name"]
    return full.where(records["Single Name"] == "", records["Single Name"]).str.strip()


def export_batch(workspace: Workspace, path: str | Path, *, show_sensitive: bool = False) -> Path:
    """The open batch's grid with statuses and every problem, as XLSX or CSV."""
    path = Path(path)
    if path.suffix.lower() not in (".csv", ".xlsx"):
        raise InputError("the batch export must end in .csv or .xlsx", path=path)
    with acting(workspace, "data_export", "export the batch grid"):
        with workspace.begin() as connection:
            export_allowed(connection)
        view = batch_view(workspace, show_sensitive=show_sensitive)
        if path.suffix.lower() == ".csv":
            written = write_csv(batch_grid(view, show_sensitive=show_sensitive), path)
        else:
            written = view.report.to_excel(path, show_sensitive=show_sensitive)
        audit.record_after(workspace, "batch export", file=written, exported=view.report.n_records)
    return written


# Submitting.


def submit_batch(
    workspace: Workspace,
    registry: Registry,
    *,
    org_code: str,
    user_reference: str,
    non_dvs_document_type_id: int | None = None,
    today: dt.date | None = None,
) -> Submission:
    """Send the open batch (or finish sending an interrupted one) to the registry.

    Refused, listing the records in error, while any record has an error. The batch is cut
    into requests of at most 500 applications, each recorded before it is sent.
    """
    with acting(workspace, "usi_batches", "submit a batch"):
        return _submit(
            workspace, registry, org_code, user_reference, non_dvs_document_type_id, today
        )


def _submit(workspace, registry, org_code, user_reference, non_dvs_document_type_id, today):
    with workspace.begin() as connection:
        unfinished = connection.execute(
            select(batches.c.id).where(batches.c.status == SUBMITTING)
        ).first()
    if unfinished is not None:
        return _send_pending(workspace, registry, unfinished.id, org_code)
    live = is_the_registry(registry.name)
    with workspace.begin() as connection:
        batch_id = open_batch_id(connection, create=False)
        if batch_id is None:
            raise InputError("there is no open batch; add clients to start one")
        frame = _batch_frame(connection, batch_id, live=live)
    checked = frame.copy()  # what was validated: the batch must still be exactly this when sent
    view = BatchView(batch_id, OPEN, validate_clients(frame.reset_index(drop=True), today=today))
    if not view.client_ids:
        raise InputError("the open batch is empty; add clients before submitting")
    blocked = view.in_error()
    if blocked:
        listing = ", ".join(blocked[:20]) + (" ..." if len(blocked) > 20 else "")
        raise RecordsInError(
            f"batch {view.batch_id} cannot be submitted: {len(blocked)} records have errors "
            f"({listing}); fix them (usikit batch edit) or remove them (usikit batch remove)"
        )
    labelled = view.report.status != "ok"
    if labelled.any():
        listing = ", ".join(view.report.records.loc[labelled, "Client ID"])
        raise InputError(
            f"batch {view.batch_id} holds clients that need no new USI ({listing}); "
            "remove them before submitting"
        )
    fresh = _record_requests(
        workspace, registry, view, checked, live, user_reference, non_dvs_document_type_id
    )
    return _send_pending(workspace, registry, view.batch_id, org_code, fresh=fresh)


def _record_requests(
    workspace, registry, view, checked, live, user_reference, non_dvs_document_type_id
) -> set[int]:
    """Write every request (id, applications) for the batch before any is sent; their keys.

    In the same locked transaction, the batch is read again: a record added, removed or
    edited since it was validated refuses the submission (nothing is recorded or sent).
    """
    records = view.report.records
    applications = [
        wire.application_from_record(
            record,
            application_id=record["Client ID"],
            user_reference=user_reference,
            non_dvs_document_type_id=non_dvs_document_type_id,
        )
        for record in records.to_dict("records")
    ]
    stamp = now()
    recorded: set[int] = set()
    with workspace.begin() as connection:
        hold_batches(connection, submitting=True)  # additions, removals, edits wait for this
        if _status(connection, view.batch_id, lock=True) != OPEN:  # a second submit waits here
            raise InputError(
                f"batch {view.batch_id} is already being submitted by another run; retrieve "
                f"its results later (usikit batch retrieve {view.batch_id})"
            )
        if not _batch_frame(connection, view.batch_id, live=live).equals(checked):
            raise InputError(
                f"batch {view.batch_id} changed while it was being checked (a record was "
                "added, removed or edited meanwhile); nothing was sent: submit again"
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
            submission_id = connection.execute(
                submissions.insert().values(
                    batch_id=view.batch_id,
                    request_id=new_request_id(),
                    state=PENDING,
                    applications=len(part),
                    payload=json.dumps([wire.to_json(a) for a in part]),
                    created_at=stamp,
                )
            ).inserted_primary_key[0]
            recorded.add(submission_id)
            connection.execute(
                submission_records.insert(),
                [{"submission_id": submission_id, "batch_record_id": record_ids[a.application_id]}
                 for a in part],
            )  # fmt: skip
        connection.execute(
            batches.update()
            .where(batches.c.id == view.batch_id)
            .values(status=SUBMITTING, registry=registry.name)
        )
    return recorded


def new_request_id() -> str:
    """A request id unique to this request (at most 20 characters)."""
    return "U" + uuid.uuid4().hex[:19].upper()


RECEIPT_LENGTH = 36


def _send_pending(
    workspace, registry, batch_id: int, org_code: str, *, fresh: set[int] | None = None
) -> Submission:
    """Send each recorded request that has no receipt yet, recording each receipt.

    `fresh`: the requests this run recorded, so never sent before (see `_refuse`).
    """
    with workspace.begin() as connection:
        _same_registry(connection, batch_id, registry)
        pending = connection.execute(
            select(submissions.c.id, submissions.c.request_id, submissions.c.payload)
            .where(submissions.c.batch_id == batch_id, submissions.c.state == PENDING)
            .order_by(submissions.c.id)
        ).all()
    for row in pending:
        part = [wire.from_json(item) for item in json.loads(row.payload)]
        try:
            answer = registry.bulk_upload(org_code, row.request_id, part)
        except RegistryFault as fault:
            if fault.transient:
                raise  # the request stays pending: the next submit sends it again
            raise _refuse(workspace, batch_id, row, fault, row.id in (fresh or ())) from None
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
                .values(receipt_number=receipt, state=SENT, sent_at=now())
            )
    with workspace.begin() as connection:
        sent = connection.execute(
            select(
                submissions.c.request_id, submissions.c.receipt_number, submissions.c.applications
            )
            .where(submissions.c.batch_id == batch_id)
            .order_by(submissions.c.id)
        ).all()
        if _status(connection, batch_id) == SUBMITTING:
            connection.execute(
                batches.update()
                .where(batches.c.id == batch_id)
                .values(status=SUBMITTED, submitted_at=now())
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


def _refuse(workspace, batch_id: int, refused, fault: RegistryFault, fresh: bool):
    """What a permanent fault on request `refused` makes of the batch (see the module's
    docstring); the `SubmissionRefused` to raise.

    A request may have reached the registry in an earlier run that died before recording its
    receipt. Only a validation fault proves the registry holds nothing for it (it answers a
    request id it already has with the receipt); then, or when this run recorded the request
    (`fresh`), the registry created nothing for it, and its records can be sent again.
    """
    if not fresh and fault.code != GENERIC_VALIDATION:
        return SubmissionRefused(
            fault,
            batch_id,
            "kept submitting",
            f"The batch stays 'submitting': an earlier run may already have delivered request "
            f"{refused.request_id}, so it is kept. Fix the cause (for example the "
            "organisation's credential), then submit again: the same requests are sent, "
            "and the registry answers one it already has with its receipt, so nothing is "
            "created twice.",
        )
    return workspace.transact(lambda connection: _take_back(connection, batch_id, fault))


def _take_back(connection: Connection, batch_id: int, fault: RegistryFault) -> SubmissionRefused:
    """Put the records of the batch's unsent requests back into an open batch (one
    transaction); the refusal that says where they went."""
    if _status(connection, batch_id, lock=True) != SUBMITTING:  # another run dealt with it
        return SubmissionRefused(
            fault, batch_id, "kept submitting", "Another run has moved the batch on since."
        )
    requests = connection.execute(
        select(submissions.c.id, submissions.c.state, submissions.c.applications)
        .where(submissions.c.batch_id == batch_id)
        .order_by(submissions.c.id)
    ).all()
    unsent = [row.id for row in requests if row.state == PENDING]
    accepted = [row for row in requests if row.state != PENDING]
    members = (
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
    fix = "fix what the registry names, then submit again."
    if not accepted:  # nothing was created, yet the officer's attempt is on record
        audit.record(
            connection, "batch submit refused", applications=len(members), requests=len(unsent)
        )
        other = open_batch_id(connection, create=False, lock=True)
        if other is None:
            connection.execute(
                batches.update().where(batches.c.id == batch_id).values(status=OPEN, registry=None)
            )
            return SubmissionRefused(
                fault,
                batch_id,
                "reopened",
                f"The registry created nothing: batch {batch_id} is open again with its "
                f"{len(members)} records; {fix}",
            )
        connection.execute(
            batch_records.update()
            .where(batch_records.c.batch_id == batch_id)
            .values(batch_id=other)
        )
        connection.execute(batches.delete().where(batches.c.id == batch_id))
        return SubmissionRefused(
            fault,
            batch_id,
            "returned",
            f"The registry created nothing: its {len(members)} records are back in the open "
            f"batch {other} (batch {batch_id} is no more); {fix}",
        )
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
        .values(status=SUBMITTED, submitted_at=now())
    )
    audit.record(connection, "batch submit", applications=applications, requests=len(accepted))
    return SubmissionRefused(
        fault,
        batch_id,
        "partly submitted",
        f"{len(accepted)} of its requests had already been accepted: batch {batch_id} is "
        f"submitted with their {applications} applications (retrieve them as usual). The "
        f"{len(members)} records of the refused request and of those not sent yet are back "
        f"in the open batch {target}; {fix}",
    )


# Retrieving.


def retrieve_batch(
    workspace: Workspace, registry: Registry, batch_id: int, *, org_code: str
) -> Retrieval:
    """Download the results and write each new USI into the client's record.

    All results that are ready are written in one transaction; a fault from the registry
    writes nothing. Retrieving again changes nothing and duplicates nothing.
    """
    with acting(workspace, "usi_batches", "retrieve a batch's results"):
        return _retrieve(workspace, registry, batch_id, org_code)


def _same_registry(connection: Connection, batch_id: int, registry: Registry) -> None:
    """Refuse to finish a batch through another registry than the one it was sent to: its
    receipts mean nothing elsewhere, and the USIs would be credited to the wrong issuer."""
    stored = connection.execute(select(batches.c.registry).where(batches.c.id == batch_id)).scalar()
    if not may_finish(stored, registry.name):
        raise InputError(
            f"batch {batch_id} was sent to the {describe(stored)}, not to the "
            f"{registry.label}; give the registry it was sent to (--registry) to finish "
            "sending it or to retrieve its results"
        )


def _retrieve(workspace, registry, batch_id: int, org_code: str) -> Retrieval:
    with workspace.begin() as connection:
        status = _status(connection, batch_id)
        if status != OPEN:
            _same_registry(connection, batch_id, registry)
    if status == OPEN:
        raise InputError(f"batch {batch_id} has not been submitted yet")
    if status == SUBMITTING:
        _send_pending(workspace, registry, batch_id, org_code)  # finish an interrupted submit
    with workspace.begin() as connection:
        issuer = connection.execute(
            select(batches.c.registry).where(batches.c.id == batch_id)
        ).scalar()
        waiting_rows = connection.execute(
            select(submissions.c.id, submissions.c.request_id, submissions.c.receipt_number)
            .where(submissions.c.batch_id == batch_id, submissions.c.state == SENT)
            .order_by(submissions.c.id)
        ).all()
    ready = []
    waiting = 0
    for row in waiting_rows:
        try:
            ready.append((row, registry.bulk_upload_retrieve(org_code, row.receipt_number)))
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
            .where(submissions.c.batch_id == batch_id, submissions.c.state != RETRIEVED)
        ).scalar_one()
        if left == 0 and _status(connection, batch_id) != PROCESSED:
            connection.execute(
                batches.update()
                .where(batches.c.id == batch_id)
                .values(status=PROCESSED, processed_at=now())
            )
    return Retrieval(batch_id, left == 0, waiting, new_results, written, problems)


def _members(connection: Connection, submission_id: int) -> list:
    """The batch records a request carried: (id, application id, client key)."""
    return connection.execute(
        select(batch_records.c.id, batch_records.c.application_id, batch_records.c.client_pk)
        .join(submission_records, submission_records.c.batch_record_id == batch_records.c.id)
        .where(submission_records.c.submission_id == submission_id)
    ).all()


def _unusable(request_id: str, members: list, outcome: BulkResults) -> str:
    """Why the registry's answer for a request cannot be written, or '' when it can."""
    answered = {item.application_id for item in outcome.applications}
    missing = [row.application_id for row in members if row.application_id not in answered]
    no_usi = [
        item.application_id
        for item in outcome.applications
        if item.result in (SUCCESS, MATCH_FOUND) and not usi.is_valid(item.usi)
    ]
    if no_usi:  # a USI that is missing or fails its check character would be written wrong
        listing = ", ".join(no_usi[:10]) + (" ..." if len(no_usi) > 10 else "")
        return (
            f"request {request_id}: the registry's answer gives {len(no_usi)} application(s) "
            f"a result without a valid USI ({listing}); nothing of this request was written. "
            "Retrieve again later; if the answer stays the same, ask the registry about it"
        )
    if not missing:
        return ""
    listing = ", ".join(missing[:10]) + (" ..." if len(missing) > 10 else "")
    return (
        f"request {request_id}: the registry's answer has no result for {len(missing)} of "
        f"its {len(members)} applications ({listing}); nothing of this request was written. "
        "Retrieve again later; if the answer stays incomplete, ask the registry about it"
    )


def _write_results(
    connection: Connection, submission_id: int, members: list, outcome: BulkResults, issuer: str
):
    """Record each application's result and write each new USI to its client; `issuer` (the
    registry's name) is recorded as where the USI came from."""
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
                new_usis.append({"pk": member.client_pk, "usi": item.usi, "source": issuer})
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
    if new_usis:
        connection.execute(
            clients.update()
            .where(clients.c.id == bindparam("pk"))
            .values(usi=bindparam("usi"), usi_source=bindparam("source"), updated_at=stamp),
            new_usis,
        )
    added, written = len(rows), len(new_usis)
    connection.execute(
        submissions.update()
        .where(submissions.c.id == submission_id)
        .values(state=RETRIEVED, retrieved_at=stamp)
    )
    return added, written


# Listing and results.


def _status(connection: Connection, batch_id: int, *, lock: bool = False) -> str:
    query = select(batches.c.status).where(batches.c.id == batch_id)
    status = connection.execute(query.with_for_update() if lock else query).scalar()
    if status is None:
        raise InputError(f"there is no batch {batch_id}; `usikit batch list --all` shows them")
    return status


def list_batches(workspace: Workspace, *, include_processed: bool = False) -> pd.DataFrame:
    """Batches with their counts; processed ones only when asked."""

    def count(result: str):
        return func.coalesce(func.sum(case((results.c.result == result, 1), else_=0)), 0)

    tally = (
        select(
            batch_records.c.batch_id,
            func.count(batch_records.c.id).label("records"),
            count(SUCCESS).label("created"),
            count(MATCH_FOUND).label("matched"),
            count(FAILURE).label("failed"),
        )
        .outerjoin(results, results.c.batch_record_id == batch_records.c.id)
        .group_by(batch_records.c.batch_id)
        .subquery()
    )
    query = (
        select(
            batches.c.id.label("batch"),
            batches.c.status,
            batches.c.created_at,
            batches.c.submitted_at,
            batches.c.processed_at,
            batches.c.registry,
            *(func.coalesce(tally.c[name], 0).label(name)
              for name in ("records", "created", "matched", "failed")),
        )
        .outerjoin(tally, tally.c.batch_id == batches.c.id)
        .order_by(batches.c.id)
    )  # fmt: skip
    if not include_processed:
        query = query.where(batches.c.status != PROCESSED)
    with acting(workspace, "usi_batches", "list batches"), workspace.begin() as connection:
        rows = connection.execute(query).all()
    columns = ["batch", "status", "created_at", "submitted_at", "processed_at", "registry",
               "records", "created", "matched", "failed"]  # fmt: skip
    return pd.DataFrame([dict(row._mapping) for row in rows], columns=columns)


def batch_results(workspace: Workspace, batch_id: int) -> pd.DataFrame:
    """Per record: the outcome, the USI or the registry's errors."""
    with acting(workspace, "usi_batches", "see a batch's results"):
        return _results(workspace, batch_id)


def _results(workspace: Workspace, batch_id: int) -> pd.DataFrame:
    query = (
        select(
            clients.c.client_id,
            clients.c.first_name,
            clients.c.family_name,
            clients.c.single_name,
            results.c.result,
            results.c.usi,
            results.c.identity_document_verified,
            results.c.errors,
            results.c.note,
        )
        .select_from(batch_records)
        .join(clients, clients.c.id == batch_records.c.client_pk)
        .outerjoin(results, results.c.batch_record_id == batch_records.c.id)
        .where(batch_records.c.batch_id == batch_id)
        .order_by(batch_records.c.id)
    )
    with workspace.begin() as connection:
        _status(connection, batch_id)
        rows = connection.execute(query).all()
    frame = pd.DataFrame([dict(row._mapping) for row in rows])
    if frame.empty:
        return pd.DataFrame(columns=RESULT_COLUMNS)
    names = (frame["first_name"] + " " + frame["family_name"]).str.strip()
    return pd.DataFrame(
        {
            "Client ID": frame["client_id"],
            "Name": names.where(frame["single_name"] == "", frame["single_name"]),
            "Result": frame["result"].fillna("not retrieved yet"),
            "USI": frame["usi"].fillna(""),
            "Identity document verified": frame["identity_document_verified"].fillna(""),
            "Registry errors": frame["errors"].fillna(""),
            "Note": frame["note"].fillna(""),
        }
    )


RESULT_COLUMNS = ["Client ID", "Name", "Result", "USI", "Identity document verified",
                  "Registry errors", "Note"]  # fmt: skip
REGISTRY_COLUMN = "Registry"  # the results export's last column: who issued them


def export_results(workspace: Workspace, batch_id: int, path: str | Path) -> Path:
    """The result grid: green for a USI, red for a failure; its last column, "Registry", says
    which registry issued the results (and when that is not the USI Registry)."""
    path = Path(path)
    if path.suffix.lower() not in (".csv", ".xlsx"):
        raise InputError("the results export must end in .csv or .xlsx", path=path)
    with acting(workspace, "data_export", "export a batch's results"):
        with workspace.begin() as connection:
            export_allowed(connection)
            issuer = connection.execute(
                select(batches.c.registry).where(batches.c.id == batch_id)
            ).scalar()
        frame = _results(workspace, batch_id)
        frame[REGISTRY_COLUMN] = describe(issuer)
        if path.suffix.lower() == ".csv":
            written = write_csv(frame, path)
        else:
            fills = frame["Result"].map({SUCCESS: "ok", MATCH_FOUND: "ok", FAILURE: "error"})
            sheet = Sheet("Results", frame, column_fills={"Result": fills.fillna("")})
            written = write_xlsx([sheet], path)
        audit.record_after(workspace, "batch results export", file=written, exported=len(frame))
    return written


__all__ = [
    "SENSITIVE",
    "AddResult",
    "BatchView",
    "Retrieval",
    "Submission",
    "SubmissionRefused",
    "add_to_batch",
    "batch_grid",
    "batch_results",
    "batch_view",
    "edit_client",
    "export_batch",
    "export_results",
    "list_batches",
    "remove_from_batch",
    "retrieve_batch",
    "submit_batch",
]
