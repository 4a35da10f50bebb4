"""The batches with their counts, and each batch's results: listed, and exported."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import case, func, select

from usikit.bulk_usi.batch_states import BatchState, batch_registry, batch_state
from usikit.bulk_usi.batches.view import person_names
from usikit.bulk_usi.registry.base import FAILURE, MATCH_FOUND, SUCCESS, describe
from usikit.bulk_usi.tables import batch_records, batches, clients, results
from usikit.io.write import Sheet, write_csv, write_xlsx
from usikit.store.access import acting
from usikit.store.engine import Workspace
from usikit.store.exports import audited_export, is_csv
from usikit.store.roles import Role

RESULT_COLUMNS = ["Client ID", "Name", "Result", "USI", "Identity document verified",
                  "Registry errors", "Note"]  # fmt: skip
NAME_COLUMNS = {"first_name": "First Name", "family_name": "Family Name",
                "single_name": "Single Name"}  # fmt: skip
NAME_COLUMNS = {"first_name": "First Name", "family_name": "Family Name",
                "single_name": "Single Name"}  # fmt: skip
REGISTRY_COLUMN = "Registry"  # the results export's last column: who issued them
LIST_COLUMNS = ["batch", "status", "created_at", "submitted_at", "processed_at", "registry",
                "records", "created", "matched", "failed"]  # fmt: skip


def list_batches(workspace: Workspace, *, include_processed: bool = False) -> pd.DataFrame:
    """Batches with their counts; processed ones only when asked."""

    def count(result: str) -> Any:
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
        query = query.where(batches.c.status != BatchState.PROCESSED)
    with acting(workspace, Role.USI_BATCHES, "list batches"), workspace.begin() as connection:
        rows = connection.execute(query).all()
    return pd.DataFrame([dict(row._mapping) for row in rows], columns=LIST_COLUMNS)


def batch_results(workspace: Workspace, batch_id: int) -> pd.DataFrame:
    """Per record: the outcome, the USI or the registry's errors."""
    with acting(workspace, Role.USI_BATCHES, "see a batch's results"):
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
        batch_state(connection, batch_id)
        rows = connection.execute(query).all()
    frame = pd.DataFrame([dict(row._mapping) for row in rows])
    if frame.empty:
        return pd.DataFrame(columns=RESULT_COLUMNS)
    names = frame.rename(columns=NAME_COLUMNS)
    return pd.DataFrame(
        {
            "Client ID": frame["client_id"],
            "Name": person_names(names),
            "Result": frame["result"].fillna("not retrieved yet"),
            "USI": frame["usi"].fillna(""),
            "Identity document verified": frame["identity_document_verified"].fillna(""),
            "Registry errors": frame["errors"].fillna(""),
            "Note": frame["note"].fillna(""),
        }
    )


def export_results(workspace: Workspace, batch_id: int, path: str | Path) -> Path:
    """The result grid: green for a USI, red for a failure; its last column, "Registry", says
    which registry issued the results (and when that is not the USI Registry)."""

    def write(target: Path) -> tuple[Path, int]:
        with workspace.begin() as connection:
            issuer = batch_registry(connection, batch_id)
        frame = _results(workspace, batch_id)
        frame[REGISTRY_COLUMN] = describe(issuer)
        if is_csv(target):
            return write_csv(frame, target), len(frame)
        fills = frame["Result"].map({SUCCESS: "ok", MATCH_FOUND: "ok", FAILURE: "error"})
        sheet = Sheet("Results", frame, column_fills={"Result": fills.fillna("")})
        return write_xlsx([sheet], target), len(frame)

    return audited_export(
        workspace,
        path,
        write,
        what="the results export",
        doing="export a batch's results",
        action="batch results export",
    )
