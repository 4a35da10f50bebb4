"""Clients in the workspace: imported from a spreadsheet (validated first), and exported.

Importing never loses a USI and never changes a record that is with the registry. For a
client already in the workspace (matched by Client ID):

- a blank USI cell leaves the stored USI as it is: the original spreadsheet, imported again
  after the registry issued USIs, does not wipe them;
- a USI cell that differs from a stored, non-blank USI is a conflict: nothing of that row is
  applied (its other details neither, as it may describe someone else) and the row is
  reported; if the file is right, correct the USI with `usikit batch edit CLIENT_ID USI=...`;
- a client whose record is in a batch being sent or sent (`submitting`, `submitted`) is not
  changed until its results are retrieved, as `usikit batch edit` refuses; a row that would
  change it is reported (an identical row is simply unchanged).

Every client records where its USI came from (`usi_source`): an import, an edit, or the
registry that issued it; the client export shows it in its last column, "USI Source", so
that a USI from the offline simulator is never taken for a real one.
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import Connection, Row, bindparam, select

from usikit.bulk_usi.batch_states import UNFINISHED
from usikit.bulk_usi.client_status import client_status
from usikit.bulk_usi.fields import CLIENT_COLUMNS, CLIENT_FIELDS
from usikit.bulk_usi.registry.base import NOT_THE_REGISTRY, describe
from usikit.bulk_usi.tables import (
    CLIENT_KEYS,
    USI_EDITED,
    USI_IMPORTED,
    batch_records,
    batches,
    clients,
    usi_requests,
)
from usikit.bulk_usi.validation import STEPS, validate_clients
from usikit.errors import Do, InputError, NextStep, step
from usikit.io.atomic import write_csv
from usikit.io.tableinfo import table_info
from usikit.privacy import MASK_CHAR, mask_series
from usikit.report import ValidationReport
from usikit.rules.headers import header_key
from usikit.rules.normalise import normalise
from usikit.store import audit
from usikit.store.access import acting
from usikit.store.clock import now
from usikit.store.engine import Workspace
from usikit.store.exports import audited_export, is_csv
from usikit.store.locks import hold_batches
from usikit.store.roles import Role

SENSITIVE = tuple(f.name for f in CLIENT_FIELDS if f.sensitive)
HAS_ERRORS = "has errors (see the report)"  # why a row in error was not imported
# What a masked export hides; its mask character is never part of a date or a number.
MASKABLE = tuple(CLIENT_KEYS[name] for name in SENSITIVE)
CHUNK = 900  # keys per IN (...) query, under SQLite's variable limit
USI_SOURCE_COLUMN = "USI Source"  # the client export's last column
SOURCE_LABELS = {USI_IMPORTED: "imported from a spreadsheet", USI_EDITED: "entered by hand"}
PENDING = "pending"  # a CreateUSI request recorded, maybe sent, not answered yet
CREATING = (0, "a USI created one at a time, not answered yet")  # in `_with_the_registry`


@dataclass
class ClientImport:
    """What an import did: the validation report and the fate of every row."""

    report: ValidationReport
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: dict[int, str] = field(default_factory=dict)  # spreadsheet row -> reason
    # What the officer can do about a skipped row, where there is something (by row).
    next_steps: dict[int, NextStep] = field(default_factory=dict)
    # Rows also in `skipped`: a USI that differs from the stored one, a record with the registry.
    conflicts: list[int] = field(default_factory=list)
    in_flight: list[int] = field(default_factory=list)
    # Rows of a masked export (`**/**/**79`): the stored values were kept, or, for a new
    # client, the row was not imported (then it is in `skipped` too).
    masked: list[int] = field(default_factory=list)

    def summary_line(self) -> str:
        line = (
            f"{len(self.created)} clients added, {len(self.updated)} updated, "
            f"{len(self.unchanged)} unchanged, {len(self.skipped)} rows not imported"
        )
        why = []
        if self.masked:
            why.append(
                f"{len(self.masked)} with masked dates of birth or document numbers, which were "
                f"not stored ({step(Do.IMPORT_UNMASKED).plain})"
            )
        if self.conflicts:
            why.append(f"{len(self.conflicts)} with a USI that differs from the workspace's")
        if self.in_flight:
            why.append(f"{len(self.in_flight)} in a batch sent to the registry")
        return line + (f" ({', '.join(why)})" if why else "")


def is_simulated(source: str | None) -> bool:
    """Whether a USI with this `usi_source` came from something that is not the USI Registry
    (the offline simulator, a test endpoint): it is no real USI."""
    return source in NOT_THE_REGISTRY


def usi_source_label(source: str | None) -> str:
    """`usi_source` as the client export shows it."""
    return SOURCE_LABELS.get(source or "", describe(source))


def import_clients(
    workspace: Workspace,
    frame: pd.DataFrame,
    *,
    include_invalid: bool = False,
    today: dt.date | None = None,
) -> ClientImport:
    """Add or update clients by Client ID, in one transaction.

    Rows with errors are left out (and reported) unless `include_invalid`; a row without a
    Client ID, or whose Client ID appears twice in the file, can never be imported. Stored
    USIs and records sent to the registry are protected as the module's docstring says.
    """
    report = validate_clients(frame, today=today)
    absent = [c for c in CLIENT_COLUMNS if c not in report.records.columns]
    if absent:  # not a client file at all (the template's required columns are missing)
        file = f"{report.source}: " if report.source else ""
        info = table_info(frame)
        read = f" (sheet '{info.sheet}' was read)" if info is not None and info.sheet else ""
        raise InputError(
            f"{file}this is not a client file: it has no "
            + ", ".join(f"'{c}'" for c in absent[:5])
            + (" ..." if len(absent) > 5 else "")
            + f" column{read}",
            next_step=step(Do.CHOOSE_SHEET if read else Do.START_FROM_TEMPLATE),
        )
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
            result.skipped.setdefault(int(row), HAS_ERRORS)
    chosen = records[~records.index.isin(list(result.skipped))]
    rows = [int(row) for row in chosen.index]
    chosen_records = chosen[list(CLIENT_COLUMNS)].to_dict("records")
    source_file = Path(report.source).name if report.source else ""

    def write(connection: Connection) -> ClientImport:
        stamp = now()
        done = ClientImport(report)  # this attempt's outcome (`transact` may run it again)
        existing = _existing(connection, [r["Client ID"] for r in chosen_records])
        sent = _with_the_registry(connection)
        inserts, updates, located = [], [], []
        for row, record in zip(rows, chosen_records, strict=True):
            client_id = record["Client ID"]
            values = {CLIENT_KEYS[name]: value for name, value in record.items()}
            known = existing.get(client_id)
            hidden = [key for key in MASKABLE if MASK_CHAR in values[key]]
            if hidden:  # a masked export: its stars are never stored over the real values
                done.masked.append(row)
                if known is None:
                    done.skipped[row] = (
                        f"client {client_id} is new and its personal data is masked in this file"
                    )
                    done.next_steps[row] = step(Do.IMPORT_UNMASKED)
                    continue
                values.update({key: known[key] for key in hidden})
            # A frame that is no file (made in code) leaves where the client was found alone.
            where = {"source_file": source_file, "source_row": row} if source_file else {}
            if known is None:
                values["usi_source"] = USI_IMPORTED if values["usi"] else ""
                inserts.append({**values, **where, "created_at": stamp, "updated_at": stamp})
                done.created.append(client_id)
                continue
            given = values["usi"]
            if not given:
                values["usi"] = known["usi"]  # a blank cell never clears a USI
            same = values["usi"] == known["usi"]
            values["usi_source"] = known["usi_source"] if same else USI_IMPORTED
            if all(known[key] == value for key, value in values.items()):
                done.unchanged.append(client_id)
                if where and any(known[key] != value for key, value in where.items()):
                    located.append({"pk": known["id"], **where})  # this file is where it is now
                continue
            reason = _not_applied(known, given, sent.get(known["id"]))
            if reason:
                done.skipped[row] = reason
                if known["id"] not in sent:
                    done.next_steps[row] = step(Do.CORRECT_USI, client=client_id, usi=given)
                (done.in_flight if known["id"] in sent else done.conflicts).append(row)
                continue
            updates.append({"pk": known["id"], **values, **where, "updated_at": stamp})
            done.updated.append(client_id)
        if inserts:
            connection.execute(clients.insert(), inserts)
        update_clients(connection, updates)
        update_clients(connection, located)
        audit.record_import(  # rows left out count as rejected, not only those in error
            connection,
            "clients import",
            report,
            accepted=len(chosen_records) - len(done.skipped),
            rejected=len(result.skipped) + len(done.skipped),
            created=len(done.created),
            updated=len(done.updated),
            unchanged=len(done.unchanged),
        )
        return done

    with acting(workspace, Role.BULK_UPLOAD, "import clients"):
        done = workspace.transact(write)
    result.created, result.updated, result.unchanged = done.created, done.updated, done.unchanged
    result.conflicts, result.in_flight = done.conflicts, done.in_flight
    result.masked, result.next_steps = done.masked, done.next_steps
    result.skipped = dict(sorted({**result.skipped, **done.skipped}.items()))
    return result


def _with_the_registry(connection: Connection) -> dict[int, tuple[int, str]]:
    """client key -> (batch id, status) for clients whose record is being sent or was sent."""
    # A submit either waits for this import (and then sees its changes and refuses), or has
    # made its batch `submitting` before this reads it, and its clients are left alone here.
    hold_batches(connection)
    query = (
        select(batch_records.c.client_pk, batches.c.id, batches.c.status)
        .join(batches, batches.c.id == batch_records.c.batch_id)
        .where(batches.c.status.in_(UNFINISHED))
    )
    sent = {row.client_pk: (row.id, row.status) for row in connection.execute(query)}
    creating = select(usi_requests.c.client_pk).where(usi_requests.c.state == PENDING)
    return {**dict.fromkeys(connection.execute(creating).scalars(), CREATING), **sent}


def pending_creates(connection: Connection, pks: list[int]) -> set[int]:
    """The clients among `pks` whose USI is being created one at a time (a CreateUSI request
    recorded, maybe sent, not answered yet)."""
    found: set[int] = set()
    for start in range(0, len(pks), CHUNK):
        query = select(usi_requests.c.client_pk).where(
            usi_requests.c.state == PENDING,
            usi_requests.c.client_pk.in_(pks[start : start + CHUNK]),
        )
        found |= set(connection.execute(query).scalars())
    return found


def _not_applied(known: dict, given_usi: str, sent: tuple[int, str] | None) -> str:
    """Why a file's row cannot update a stored client (see the module's policy), or ''."""
    client_id, stored = known["client_id"], known["usi"]
    if sent == CREATING:
        return f"client {client_id} was sent for {sent[1]}; its details cannot change until then"
    if sent is not None:
        return (
            f"client {client_id} was sent in batch {sent[0]} ({sent[1]}); its details cannot "
            "change until the results are retrieved"
        )
    if given_usi and stored and given_usi != stored:
        return (
            f"USI conflict: the file has {given_usi} but the workspace holds {stored} for "
            f"client {client_id} ({usi_source_label(known['usi_source'])}); the row was not "
            "applied"
        )
    return ""


def _existing(connection: Connection, client_ids: Sequence[str]) -> dict[str, dict]:
    found: dict[str, dict] = {}
    for start in range(0, len(client_ids), CHUNK):
        part = client_ids[start : start + CHUNK]
        for row in connection.execute(select(clients).where(clients.c.client_id.in_(part))):
            found[row.client_id] = dict(row._mapping)
    return found


def update_clients(connection: Connection, changes: list[dict[str, Any]]) -> None:
    """Change many clients in one statement: each change names its client's key (`pk`) and
    the values of the columns it sets (the same columns in every change)."""
    if not changes:
        return
    columns = [key for key in changes[0] if key != "pk"]
    connection.execute(
        clients.update()
        .where(clients.c.id == bindparam("pk"))
        .values({column: bindparam(f"set_{column}") for column in columns}),
        [{"pk": change["pk"], **{f"set_{c}": change[c] for c in columns}} for change in changes],
    )


def spreadsheet_rows(connection: Connection, client_ids: Iterable[str]) -> pd.DataFrame:
    """File and Row of each client (the spreadsheet it was last imported from and its row
    there, header = 1; "" when unknown), by Client ID, in the order given."""
    ids = [str(client_id) for client_id in client_ids]
    found: dict[str, tuple[str, str]] = {}
    for start in range(0, len(ids), CHUNK):
        query = select(clients.c.client_id, clients.c.source_file, clients.c.source_row).where(
            clients.c.client_id.in_(ids[start : start + CHUNK])
        )
        for row in connection.execute(query):
            where = "" if row.source_row is None else str(row.source_row)
            found[row.client_id] = (row.source_file, where)
    pairs = [found.get(client_id, ("", "")) for client_id in ids]
    return pd.DataFrame(
        {"File": [file for file, _ in pairs], "Row": [where for _, where in pairs]},
        index=pd.Index(ids, name="Client ID"),
    )


def clients_frame(connection: Connection, pks: Iterable[int] | None = None) -> pd.DataFrame:
    """Clients in the template's columns (indexed by their workspace key, `pk`)."""
    query = select(clients).order_by(clients.c.id)
    if pks is not None:
        wanted = list(pks)
        rows: list[Row[Any]] = []
        for start in range(0, len(wanted), CHUNK):
            part = wanted[start : start + CHUNK]
            rows += connection.execute(query.where(clients.c.id.in_(part))).all()
    else:
        rows = list(connection.execute(query).all())
    frame = pd.DataFrame(
        [[row._mapping[CLIENT_KEYS[name]] for name in CLIENT_COLUMNS] for row in rows],
        columns=list(CLIENT_COLUMNS),
        index=pd.Index([row.id for row in rows], name="pk"),
        dtype="str",
    )
    return frame


def export_clients(workspace: Workspace, path: str | Path, *, show_sensitive: bool = False) -> Path:
    """Every client with their USI, in the template's columns (CSV or XLSX), then what the
    registry last said of each client (the verified status and the last application's
    failure: `usikit.bulk_usi.client_status`), and where each USI came from in a last column,
    "USI Source" (a simulator's USI is not a real one).

    Dates of birth and document numbers are masked unless `show_sensitive`.
    """
    from usikit.bulk_usi.template import write_clients_workbook  # openpyxl: only when asked

    def write(target: Path) -> tuple[Path, int]:
        with workspace.begin() as connection:
            frame = clients_frame(connection)
            sources = dict(connection.execute(select(clients.c.id, clients.c.usi_source)).all())
            status = client_status(connection, frame)
        frame = pd.concat([frame, status], axis=1)
        frame[USI_SOURCE_COLUMN] = [usi_source_label(sources.get(pk)) for pk in frame.index]
        frame = frame.reset_index(drop=True)
        if not show_sensitive:
            for column in SENSITIVE:
                frame[column] = mask_series(frame[column])
        writer = write_csv if is_csv(target) else write_clients_workbook
        return writer(frame, target), len(frame)

    return audited_export(
        workspace,
        path,
        write,
        what="the client export",
        doing="export clients",
        action="clients export",
    )


def _near_fields(name: str) -> list[str]:
    """The template's fields a mistyped name may have meant: the one an import would read
    it as (capitals, spacing, aliases: `header_key`), else the nearest spellings."""
    keys: dict[str, str] = {}
    for f in CLIENT_FIELDS:
        if f.name != "Client ID":
            for spelling in (f.name, *f.aliases):
                keys.setdefault(header_key(spelling), f.name)
    wanted = header_key(name)
    if wanted in keys:
        return [keys[wanted]]
    close = difflib.get_close_matches(wanted, list(keys), n=2, cutoff=0.7)
    return list(dict.fromkeys(keys[key] for key in close))


def set_client_fields(connection: Connection, client_id: str, changes: dict[str, str]) -> int:
    """Change some template fields of one client; its workspace key."""
    unknown = [name for name in changes if name not in CLIENT_KEYS or name == "Client ID"]
    if unknown:
        listing = ", ".join(repr(n) for n in unknown)
        near = _near_fields(unknown[0])
        hint = f"; did you mean {' or '.join(repr(n) for n in near)}?" if near else ""
        raise InputError(f"cannot change {listing}: not a client field (see the template){hint}")
    row = connection.execute(
        select(clients.c.id, clients.c.usi).where(clients.c.client_id == client_id)
    ).first()
    if row is None:
        raise InputError(f"no client with Client ID {client_id} in the workspace")
    values = {CLIENT_KEYS[name]: value for name, value in _tidied(changes).items()}
    if "usi" in values and values["usi"] != row.usi:
        values["usi_source"] = USI_EDITED if values["usi"] else ""
        holder = connection.execute(
            select(clients.c.client_id).where(
                clients.c.usi == values["usi"], clients.c.id != row.id
            )
        ).first()
        if values["usi"] and holder is not None:
            raise InputError(
                f"the USI {values['usi']} already belongs to client {holder.client_id}; a USI "
                "is one person's: check the Client ID and the USI"
            )
    connection.execute(
        clients.update().where(clients.c.id == row.id).values(**values, updated_at=now())
    )
    return row.id


def _tidied(changes: dict[str, str]) -> dict[str, str]:
    """The changed values as validation normalises them (female -> F, Australia -> 1101,
    1992-05-25 -> 25/05/1992: the steps validate_clients applies), so that what is stored is
    what the report said it would be."""
    frame = pd.DataFrame([changes], dtype="str")
    tidied, _ = normalise(frame, STEPS)
    return {name: str(tidied[name].iloc[0]) for name in changes}
