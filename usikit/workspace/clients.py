"""Clients in the workspace: imported from a spreadsheet (validated first), and exported."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from sqlalchemy import Connection, bindparam, select

from usikit.errors import InputError
from usikit.io.write import write_csv
from usikit.privacy import mask_series
from usikit.report import ValidationReport
from usikit.rules.client_fields import CLIENT_COLUMNS, CLIENT_FIELDS
from usikit.rules.clients import validate_clients
from usikit.rules.engine import digest_of, source_of
from usikit.workspace import audit
from usikit.workspace.engine import Workspace
from usikit.workspace.roles import acting, export_allowed
from usikit.workspace.tables import CLIENT_KEYS, clients

SENSITIVE = tuple(f.name for f in CLIENT_FIELDS if f.sensitive)
CHUNK = 900  # keys per IN (...) query, under SQLite's variable limit


@dataclass
class ClientImport:
    """What an import did: the validation report and the fate of every row."""

    report: ValidationReport
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: dict[int, str] = field(default_factory=dict)  # spreadsheet row -> reason

    def summary_line(self) -> str:
        return (
            f"{len(self.created)} clients added, {len(self.updated)} updated, "
            f"{len(self.unchanged)} unchanged, {len(self.skipped)} rows not imported"
        )


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def import_clients(
    workspace: Workspace,
    frame: pd.DataFrame,
    *,
    include_invalid: bool = False,
    today: dt.date | None = None,
) -> ClientImport:
    """Add or update clients by Client ID, in one transaction.

    Rows with errors are left out (and reported) unless `include_invalid`; a row without a
    Client ID, or whose Client ID appears twice in the file, can never be imported.
    """
    report = validate_clients(frame, today=today)
    result = ClientImport(report)
    records = report.records
    ids = records["Client ID"] if "Client ID" in records else pd.Series("", index=records.index)
    repeated = ids.duplicated(keep=False) & (ids != "")
    for row in records.index[(ids == "").to_numpy()]:
        result.skipped[int(row)] = "no Client ID"
    for row in records.index[repeated.to_numpy()]:
        result.skipped[int(row)] = f"Client ID {ids[row]} appears more than once in the file"
    if not include_invalid:
        for row in records.index[(report.status == "error").to_numpy()]:
            result.skipped.setdefault(int(row), "has errors (see the report)")
    chosen = records[~records.index.isin(list(result.skipped))]
    chosen_records = chosen[list(CLIENT_COLUMNS)].to_dict("records")

    def write(connection: Connection) -> tuple[list[str], list[str], list[str]]:
        stamp = now()
        existing = _existing(connection, [r["Client ID"] for r in chosen_records])
        inserts, updates, created, updated, unchanged = [], [], [], [], []
        for record in chosen_records:
            values = {CLIENT_KEYS[name]: value for name, value in record.items()}
            known = existing.get(record["Client ID"])
            if known is None:
                inserts.append({**values, "created_at": stamp, "updated_at": stamp})
                created.append(record["Client ID"])
            elif any(known[key] != value for key, value in values.items()):
                changed = {f"new_{key}": value for key, value in values.items()}
                updates.append({"pk": known["id"], **changed, "new_updated_at": stamp})
                updated.append(record["Client ID"])
            else:
                unchanged.append(record["Client ID"])
        if inserts:
            connection.execute(clients.insert(), inserts)
        if updates:
            connection.execute(
                clients.update()
                .where(clients.c.id == bindparam("pk"))
                .values({key[4:]: bindparam(key) for key in updates[0] if key != "pk"}),
                updates,
            )
        return created, updated, unchanged

    def write_and_record(connection: Connection) -> tuple[list[str], list[str], list[str]]:
        created, updated, unchanged = write(connection)
        audit.record(
            connection,
            "clients import",
            file=audit.source_file(source_of(frame), digest_of(frame)),
            read=report.n_records,
            accepted=len(chosen_records),
            rejected=len(result.skipped),
            created=len(created),
            updated=len(updated),
            unchanged=len(unchanged),
        )
        return created, updated, unchanged

    with acting(workspace, "bulk_upload", "import clients"):
        result.created, result.updated, result.unchanged = workspace.transact(write_and_record)
    return result


def _existing(connection: Connection, client_ids: Sequence[str]) -> dict[str, dict]:
    found: dict[str, dict] = {}
    for start in range(0, len(client_ids), CHUNK):
        part = client_ids[start : start + CHUNK]
        for row in connection.execute(select(clients).where(clients.c.client_id.in_(part))):
            found[row.client_id] = dict(row._mapping)
    return found


def clients_frame(connection: Connection, pks: Iterable[int] | None = None) -> pd.DataFrame:
    """Clients in the template's columns (indexed by their workspace key, `pk`)."""
    query = select(clients).order_by(clients.c.id)
    if pks is not None:
        wanted = list(pks)
        rows = []
        for start in range(0, len(wanted), CHUNK):
            part = wanted[start : start + CHUNK]
            rows += connection.execute(query.where(clients.c.id.in_(part))).all()
    else:
        rows = connection.execute(query).all()
    frame = pd.DataFrame(
        [[row._mapping[CLIENT_KEYS[name]] for name in CLIENT_COLUMNS] for row in rows],
        columns=list(CLIENT_COLUMNS),
        index=pd.Index([row.id for row in rows], name="pk"),
        dtype="str",
    )
    return frame


def export_clients(workspace: Workspace, path: str | Path, *, show_sensitive: bool = False) -> Path:
    """Every client with their USI, in the template's columns (CSV or XLSX).

    Dates of birth and document numbers are masked unless `show_sensitive`.
    """
    from usikit.templates import write_clients_workbook

    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise InputError("the client export must end in .csv or .xlsx", path=path)
    with acting(workspace, "data_export", "export clients"):
        with workspace.begin() as connection:
            export_allowed(connection)
            frame = clients_frame(connection).reset_index(drop=True)
        if not show_sensitive:
            for column in SENSITIVE:
                frame[column] = mask_series(frame[column])
        writer = write_csv if suffix == ".csv" else write_clients_workbook
        written = writer(frame, path)
        audit.record_after(workspace, "clients export", file=written, exported=len(frame))
    return written


def set_client_fields(connection: Connection, client_id: str, changes: dict[str, str]) -> int:
    """Change some template fields of one client; its workspace key."""
    unknown = [name for name in changes if name not in CLIENT_KEYS or name == "Client ID"]
    if unknown:
        listing = ", ".join(repr(n) for n in unknown)
        raise InputError(f"cannot change {listing}: not a client field (see the template)")
    row = connection.execute(select(clients.c.id).where(clients.c.client_id == client_id)).first()
    if row is None:
        raise InputError(f"no client with Client ID {client_id} in the workspace")
    values = {CLIENT_KEYS[name]: value for name, value in changes.items()}
    connection.execute(
        clients.update().where(clients.c.id == row.id).values(**values, updated_at=now())
    )
    return row.id
