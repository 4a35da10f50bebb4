"""A batch as the officer sees it: its records validated now, the grid, and its export.

An open batch's records are checked as records about to be sent: the student's permission
is needed (unless the organisation records it elsewhere), and a record whose last
application failed, unchanged since, is in error (`usikit.bulk_usi.client_status`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from sqlalchemy import Connection, select

from usikit import settings
from usikit.bulk_usi.batch_states import BatchState, batch_state
from usikit.bulk_usi.batches.membership import NO_OPEN_BATCH, open_batch_id
from usikit.bulk_usi.client_status import (
    FAILED_COLUMN,
    client_status,
    failure_problems,
    failures_by_client_id,
)
from usikit.bulk_usi.clients import clients_frame
from usikit.bulk_usi.registry.base import NOT_THE_REGISTRY
from usikit.bulk_usi.tables import batch_records, clients
from usikit.bulk_usi.validation import validate_clients
from usikit.bulk_usi.verified import VERIFIED_COLUMN
from usikit.errors import InputError
from usikit.io.atomic import write_csv
from usikit.privacy import mask_series
from usikit.report import ValidationReport
from usikit.store.access import acting
from usikit.store.engine import Workspace
from usikit.store.exports import audited_export, is_csv
from usikit.store.roles import Role


@dataclass
class BatchView:
    """A batch's records, freshly validated: the grid a data officer works through."""

    batch_id: int
    status: BatchState
    report: ValidationReport  # rows are the batch's records in the order they were added
    # By Client ID: the verified status and the last failed application (client_status).
    statuses: pd.DataFrame | None = None

    @property
    def client_ids(self) -> list[str]:
        ids: list[str] = self.report.records["Client ID"].tolist()
        return ids

    def in_error(self) -> list[str]:
        ids: list[str] = self.report.records.loc[
            self.report.status == "error", "Client ID"
        ].tolist()
        return ids


def batch_view(
    workspace: Workspace,
    batch_id: int | None = None,
    *,
    today: dt.date | None = None,
    show_sensitive: bool = False,
    permission_elsewhere: bool | None = None,
) -> BatchView:
    """The batch's records validated now (the open batch when no id is given).

    `permission_elsewhere`: the organisation records students' permission in its student
    system, so an open batch's records do not need it in theirs (None: the setting,
    USIKIT_PERMISSION_RECORDED_ELSEWHERE).
    """
    with acting(workspace, Role.USI_BATCHES, "see a batch"), workspace.begin() as connection:
        if batch_id is None:
            batch_id = open_batch_id(connection, create=False)
            if batch_id is None:
                raise InputError(NO_OPEN_BATCH)
        status = batch_state(connection, batch_id)
        frame = batch_frame(connection, batch_id)
        failures = failures_by_client_id(connection, frame)
        statuses = client_status(connection, frame).set_axis(frame["Client ID"])
    elsewhere = status != BatchState.OPEN or permission_given_elsewhere(permission_elsewhere)
    report = checked_for_sending(
        frame, failures, today=today, show_sensitive=show_sensitive, elsewhere=elsewhere
    )
    return BatchView(batch_id, status, report, statuses)


def permission_given_elsewhere(chosen: bool | None) -> bool:
    """The choice made, else the organisation's setting."""
    return settings.permission_recorded_elsewhere() if chosen is None else chosen


def checked_for_sending(
    frame: pd.DataFrame,
    failures: dict[str, str],
    *,
    today: dt.date | None,
    elsewhere: bool,
    show_sensitive: bool = False,
) -> ValidationReport:
    """Records (template columns) checked as about to be sent for creation: the client
    rules, the student's permission unless recorded `elsewhere`, and no last application
    that failed on the same details (`failures`, by Client ID: `failures_by_client_id`)."""
    report = validate_clients(
        frame.reset_index(drop=True),
        today=today,
        show_sensitive=show_sensitive,
        needs_permission=not elsewhere,
    )
    return failure_problems(report, failures)


def batch_frame(connection: Connection, batch_id: int, *, live: bool = False) -> pd.DataFrame:
    """The batch's clients in the template's columns, in the order they were added (indexed
    by client key). With `live`, a USI that is not from the USI Registry is left out."""
    pks = list(
        connection.execute(
            select(batch_records.c.client_pk)
            .where(batch_records.c.batch_id == batch_id)
            .order_by(batch_records.c.id)
        )
        .scalars()
        .all()
    )
    frame = clients_frame(connection, pks).loc[pks] if pks else clients_frame(connection, [])
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
            "Name": person_names(records),
            "Date of Birth": born,
            "Document Type": records["Document Type"],
            "Status": report.status,
            "Errors": errors.reindex(records.index, fill_value=0).astype(int),
            "Warnings": warnings.reindex(records.index, fill_value=0).astype(int),
            "Problems": report.messages_by_row(),
        }
    )
    statuses = view.statuses
    for column in (VERIFIED_COLUMN, FAILED_COLUMN):
        grid[column] = (
            statuses[column].reindex(records["Client ID"]).fillna("").to_numpy()
            if statuses is not None
            else ""
        )
    return grid.reset_index(drop=True)


def person_names(records: pd.DataFrame) -> pd.Series:
    """First and family name, or the single name of a person who has one."""
    full = records["First Name"] + " " + records["Family Name"]
    return full.where(records["Single Name"] == "", records["Single Name"]).str.strip()


def export_batch(workspace: Workspace, path: str | Path, *, show_sensitive: bool = False) -> Path:
    """The open batch's grid with statuses and every problem, as XLSX or CSV."""

    def write(target: Path) -> tuple[Path, int]:
        view = batch_view(workspace, show_sensitive=show_sensitive)
        if is_csv(target):
            written = write_csv(batch_grid(view, show_sensitive=show_sensitive), target)
        else:
            written = view.report.to_excel(target, show_sensitive=show_sensitive)
        return written, view.report.n_records

    return audited_export(
        workspace,
        path,
        write,
        what="the batch export",
        doing="export the batch grid",
        action="batch export",
    )
