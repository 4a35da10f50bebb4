"""The create-USI batch: add clients, check them, fix or remove, export, submit, retrieve.

A batch moves open -> submitting -> submitted -> processed. Each bulk request is recorded
(with its request id and the exact applications) before it is sent; if the process dies
before the receipt is recorded, the next submit or retrieve sends the same request again,
and the registry, which deduplicates by request id, answers with the same receipt instead of
creating the USIs twice. Every change to the workspace is one transaction.
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
    MATCH_FOUND,
    MAX_APPLICATIONS,
    SUCCESS,
    BulkResults,
    NotProcessedYet,
    Registry,
)
from usikit.report import ValidationReport
from usikit.rules.clients import validate_clients
from usikit.workspace import audit
from usikit.workspace.clients import SENSITIVE, clients_frame, now, set_client_fields
from usikit.workspace.engine import Workspace
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


# Adding, editing and removing.


def open_batch_id(connection: Connection, *, create: bool = True) -> int | None:
    """The open batch (created when asked and there is none)."""
    row = connection.execute(select(batches.c.id).where(batches.c.status == OPEN)).first()
    if row is not None:
        return row.id
    if not create:
        return None
    return connection.execute(
        batches.insert().values(status=OPEN, created_at=now())
    ).inserted_primary_key[0]


def add_to_batch(
    workspace: Workspace, client_ids: Sequence[str] = (), *, all_without_usi: bool = False
) -> AddResult:
    """Add clients to the open batch; those that cannot go in are refused with a reason."""
    with acting(workspace, "usi_batches", "add clients to a batch"):
        return workspace.transact(lambda connection: _add(connection, client_ids, all_without_usi))


def _add(connection: Connection, client_ids: Sequence[str], all_without_usi: bool) -> AddResult:
    batch_id = open_batch_id(connection)
    if all_without_usi:
        wanted = (
            connection.execute(
                select(clients.c.client_id).where(clients.c.usi == "").order_by(clients.c.id)
            )
            .scalars()
            .all()
        )
    else:
        wanted = list(dict.fromkeys(client_ids))
    result = AddResult(batch_id)
    found = {
        row.client_id: row
        for row in connection.execute(
            select(clients.c.id, clients.c.client_id, clients.c.usi).where(
                clients.c.client_id.in_(wanted)
            )
        )
    }
    placed = _batches_holding(connection, [row.id for row in found.values()])
    stamp = now()
    rows = []
    for client_id in wanted:
        client = found.get(client_id)
        reason = _refusal(client, placed.get(client.id) if client else None, batch_id)
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


def _refusal(client, placed: tuple[int, str] | None, batch_id: int) -> str:
    if client is None:
        return "no client with this Client ID in the workspace; import it first"
    if usi.is_valid(client.usi):
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
        batch_id = open_batch_id(connection, create=False)
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
        pks = (
            connection.execute(
                select(batch_records.c.client_pk)
                .where(batch_records.c.batch_id == batch_id)
                .order_by(batch_records.c.id)
            )
            .scalars()
            .all()
        )
        frame = (
            clients_frame(connection, pks).loc[list(pks)] if pks else clients_frame(connection, [])
        )
    report = validate_clients(
        frame.reset_index(drop=True), today=today, show_sensitive=show_sensitive
    )
    return BatchView(batch_id, status, report)


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
    view = batch_view(workspace, today=today)
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
    _record_requests(workspace, registry, view, user_reference, non_dvs_document_type_id)
    return _send_pending(workspace, registry, view.batch_id, org_code)


def _record_requests(workspace, registry, view, user_reference, non_dvs_document_type_id):
    """Write every request (id, applications) for the batch before any is sent."""
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
    with workspace.begin() as connection:
        if _status(connection, view.batch_id, lock=True) != OPEN:  # a second submit waits here
            raise InputError(
                f"batch {view.batch_id} is already being submitted by another run; retrieve "
                f"its results later (usikit batch retrieve {view.batch_id})"
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


def new_request_id() -> str:
    """A request id unique to this request (at most 20 characters)."""
    return "U" + uuid.uuid4().hex[:19].upper()


def _send_pending(workspace, registry, batch_id: int, org_code: str) -> Submission:
    """Send each recorded request that has no receipt yet, recording each receipt."""
    with workspace.begin() as connection:
        pending = connection.execute(
            select(submissions.c.id, submissions.c.request_id, submissions.c.payload)
            .where(submissions.c.batch_id == batch_id, submissions.c.state == PENDING)
            .order_by(submissions.c.id)
        ).all()
    for row in pending:
        part = [wire.from_json(item) for item in json.loads(row.payload)]
        receipt = registry.bulk_upload(org_code, row.request_id, part)
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


def _retrieve(workspace, registry, batch_id: int, org_code: str) -> Retrieval:
    with workspace.begin() as connection:
        status = _status(connection, batch_id)
    if status == OPEN:
        raise InputError(f"batch {batch_id} has not been submitted yet")
    if status == SUBMITTING:
        _send_pending(workspace, registry, batch_id, org_code)  # finish an interrupted submit
    with workspace.begin() as connection:
        waiting_rows = connection.execute(
            select(submissions.c.id, submissions.c.receipt_number).where(
                submissions.c.batch_id == batch_id, submissions.c.state == SENT
            )
        ).all()
    ready: list[tuple[int, BulkResults]] = []
    waiting = 0
    for row in waiting_rows:
        try:
            ready.append((row.id, registry.bulk_upload_retrieve(org_code, row.receipt_number)))
        except NotProcessedYet:
            waiting += 1
    new_results, written = 0, 0
    with workspace.begin() as connection:
        for submission_id, outcome in ready:
            added, usis = _write_results(connection, submission_id, outcome)
            new_results, written = new_results + added, written + usis
        failed = sum(outcome.failed for _, outcome in ready)
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
    return Retrieval(batch_id, left == 0, waiting, new_results, written)


def _write_results(connection: Connection, submission_id: int, outcome: BulkResults):
    members = connection.execute(
        select(batch_records.c.id, batch_records.c.application_id, batch_records.c.client_pk)
        .join(submission_records, submission_records.c.batch_record_id == batch_records.c.id)
        .where(submission_records.c.submission_id == submission_id)
    ).all()
    by_application = {row.application_id: row for row in members}
    already = set(
        connection.execute(
            select(results.c.batch_record_id).where(
                results.c.batch_record_id.in_([row.id for row in members])
            )
        ).scalars()
    )
    current = dict(
        connection.execute(
            select(clients.c.id, clients.c.usi).where(
                clients.c.id.in_([row.client_pk for row in members])
            )
        ).all()
    )
    stamp, rows, new_usis = now(), [], []
    for item in outcome.applications:
        member = by_application.get(item.application_id)
        if member is None or member.id in already:
            continue
        note = ""
        if item.result in (SUCCESS, MATCH_FOUND) and item.usi:
            held = current[member.client_pk]
            if held == "":
                new_usis.append({"pk": member.client_pk, "usi": item.usi})
            elif held != item.usi:
                note = f"the client already had the USI {held}; it was left as it was"
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
            .values(usi=bindparam("usi"), updated_at=stamp),
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


def export_results(workspace: Workspace, batch_id: int, path: str | Path) -> Path:
    """The result grid: green for a USI, red for a failure."""
    path = Path(path)
    if path.suffix.lower() not in (".csv", ".xlsx"):
        raise InputError("the results export must end in .csv or .xlsx", path=path)
    with acting(workspace, "data_export", "export a batch's results"):
        with workspace.begin() as connection:
            export_allowed(connection)
        frame = _results(workspace, batch_id)
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
