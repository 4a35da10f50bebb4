"""What the registry last said about each client, for the exports and the batch grid: the
verified status (`usikit.bulk_usi.verified`), the failure of the client's last application,
and the USIs the registry gave to more than one client.

A failed application is shown until the client's details change: sent again unchanged, the
record would fail again, so a record whose last application failed is not green in the batch
grid (`failure_problems`). Any change to the client (an import, an edit) clears it.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from sqlalchemy import Connection, Integer, Row, cast, null, select, union_all

from usikit.bulk_usi.registry.base import FAILURE, MATCH_FOUND, SUCCESS
from usikit.bulk_usi.tables import batch_records, clients, results, usi_requests
from usikit.bulk_usi.verified import CHUNK, STATUS_COLUMNS, status_frame
from usikit.problems import ERROR, Problem, name_checks, problems_frame
from usikit.report import ValidationReport
from usikit.store.access import acting
from usikit.store.engine import Workspace
from usikit.store.roles import Role

FAILED_COLUMN = "Last Application Failed"
CLIENT_STATUS_COLUMNS = (*STATUS_COLUMNS, FAILED_COLUMN)
SHARED_COLUMNS = ["USI", "Client IDs"]

AnyRow = Row[Any]


def _last_answers(connection: Connection, pks: list[int]) -> list[AnyRow]:
    """Every answer the registry gave each client's applications: (client key, when, result,
    errors, where), from batches and from single requests."""
    found: list[AnyRow] = []
    for start in range(0, len(pks), CHUNK):
        part = pks[start : start + CHUNK]
        from_batches = (
            select(
                batch_records.c.client_pk.label("pk"),
                results.c.retrieved_at.label("at"),
                results.c.result,
                results.c.errors,
                batch_records.c.batch_id.label("batch"),
            )
            .join(results, results.c.batch_record_id == batch_records.c.id)
            .where(batch_records.c.client_pk.in_(part))
        )
        single = select(
            usi_requests.c.client_pk.label("pk"),
            usi_requests.c.answered_at.label("at"),
            usi_requests.c.result,
            usi_requests.c.errors,
            cast(null(), Integer).label("batch"),
        ).where(usi_requests.c.client_pk.in_(part), usi_requests.c.answered_at.is_not(None))
        found += connection.execute(union_all(from_batches, single)).all()
    return found


def last_failures(connection: Connection, clients_now: pd.DataFrame) -> pd.Series:
    """For each client (indexed by key) whose last application failed and whose details did
    not change since: the registry's errors in words; "" for the others."""
    failed = pd.Series("", index=clients_now.index, dtype=object)
    if clients_now.empty:
        return failed
    pks = [int(pk) for pk in clients_now.index]
    latest: dict[int, AnyRow] = {}
    for row in _last_answers(connection, pks):
        if row.pk not in latest or row.at > latest[row.pk].at:
            latest[row.pk] = row
    changed = dict(
        connection.execute(select(clients.c.id, clients.c.updated_at).where(
            clients.c.id.in_([pk for pk, row in latest.items() if row.result == FAILURE]))
        ).all()
    )  # fmt: skip
    for pk, row in latest.items():
        if row.result != FAILURE or changed.get(pk) is None or changed[pk] > row.at:
            continue
        where = f"batch {row.batch}" if row.batch is not None else "created one at a time"
        errors = "; ".join(line for line in (row.errors or "").splitlines() if line)
        failed[pk] = f"{errors or 'no reason given'} ({where})"
    return failed


def client_status(connection: Connection, clients_now: pd.DataFrame) -> pd.DataFrame:
    """`CLIENT_STATUS_COLUMNS` for each client (template columns, indexed by key)."""
    status = status_frame(connection, clients_now)
    status[FAILED_COLUMN] = last_failures(connection, clients_now)
    return status


def failure_problems(report: ValidationReport, failures: dict[str, str]) -> ValidationReport:
    """`report` with an error on each record whose last application failed (by Client ID),
    unless it is labelled (it has a USI, or an exemption code): sent again unchanged, it
    would fail again."""
    records = report.records
    problems = [
        Problem(
            int(row),
            "USI",
            "",
            "last_application_failed",
            ERROR,
            f"The registry refused this student's last application: {failures[client_id]}; "
            "correct the details it names before sending it again (any change to the record "
            "clears this)",
        )
        for row, client_id, status in zip(
            records.index, records["Client ID"], report.status, strict=True
        )
        if client_id in failures and status in ("ok", "error")
    ]
    if not problems:
        return report
    labels = report.status.where(~report.status.isin(["ok", "error"]), "")
    combined = pd.concat([report.errors, problems_frame(problems)], ignore_index=True)
    rebuilt = ValidationReport(
        records,
        combined,
        source=report.source,
        source_sha256=report.source_sha256,
        sensitive=report.sensitive,
        show_sensitive=report.show_sensitive,
        labels=labels,
    )
    rebuilt.headers = report.headers
    return rebuilt


def failures_by_client_id(connection: Connection, frame: pd.DataFrame) -> dict[str, str]:
    """Client ID -> the failure of the last application, for these clients (template
    columns, indexed by key)."""
    failed = last_failures(connection, frame)
    return {frame.loc[pk, "Client ID"]: text for pk, text in failed.items() if text}


def shared_usis(connection: Connection, client_pks: list[int] | None = None) -> pd.DataFrame:
    """USIs the registry gave to more than one client (a MatchFound for a student entered
    twice, say), with those clients' IDs; only those involving `client_pks` when given."""
    given = (
        select(batch_records.c.client_pk.label("pk"), results.c.usi)
        .join(results, results.c.batch_record_id == batch_records.c.id)
        .where(results.c.result.in_([SUCCESS, MATCH_FOUND]), results.c.usi.is_not(None))
    )
    single = select(usi_requests.c.client_pk.label("pk"), usi_requests.c.usi).where(
        usi_requests.c.result.in_([SUCCESS, MATCH_FOUND]), usi_requests.c.usi.is_not(None)
    )
    held = select(clients.c.id.label("pk"), clients.c.usi).where(clients.c.usi != "")
    rows = connection.execute(union_all(given, single, held)).all()
    holders: dict[str, set[int]] = {}
    for row in rows:
        holders.setdefault(row.usi, set()).add(int(row.pk))
    shared = {u: pks for u, pks in holders.items() if len(pks) > 1}
    if client_pks is not None:
        wanted = set(client_pks)
        shared = {u: pks for u, pks in shared.items() if pks & wanted}
    if not shared:
        return pd.DataFrame(columns=SHARED_COLUMNS)
    involved = sorted(set().union(*shared.values()))
    names = dict(
        connection.execute(
            select(clients.c.id, clients.c.client_id).where(clients.c.id.in_(involved))
        ).all()
    )
    return pd.DataFrame(
        [[u, ", ".join(sorted(names[pk] for pk in pks))] for u, pks in sorted(shared.items())],
        columns=SHARED_COLUMNS,
    )


def batch_shared_usis(workspace: Workspace, batch_id: int) -> pd.DataFrame:
    """`shared_usis` involving the clients of batch `batch_id`."""
    with acting(workspace, Role.USI_BATCHES, "see a batch"), workspace.begin() as connection:
        pks = connection.execute(
            select(batch_records.c.client_pk).where(batch_records.c.batch_id == batch_id)
        ).scalars()
        return shared_usis(connection, [int(pk) for pk in pks])


def shared_line(usi: str, client_ids: str) -> str:
    """One shared USI, in words."""
    return (
        f"USI {usi} was given to more than one client ({client_ids}): the registry took them "
        "for one student; check which record is that student's and correct the others"
    )


name_checks({"last_application_failed": "the last application failed"})
