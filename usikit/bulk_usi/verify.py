"""Verifying students' USIs with the registry: a spreadsheet's records, or the workspace's
clients (whose verified status is then kept, `usikit.bulk_usi.verified`).

Records go in requests of at most `MAX_VERIFICATIONS` (BulkVerifyUSI); a single record goes
alone (VerifyUSI). Each record comes back with the registry's USI status and whether each
name and the date of birth match; it is *verified* when the USI is valid and every detail
sent matches. A record without a USI, or with an AVETMISS exemption code, is not checked (it
has no USI to verify); one the client rules refuse (a USI that fails its check character, a
date that is not one) is not sent and not verified; and, for the USI Registry itself, neither
is a USI the offline simulator or the 3PT test environment issued: it is not a real one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import select

from usikit.bulk_usi.batches.view import person_names
from usikit.bulk_usi.clients import clients_frame, is_simulated
from usikit.bulk_usi.registry.applications import iso_date
from usikit.bulk_usi.registry.base import (
    MATCH,
    MAX_VERIFICATIONS,
    VALID,
    Registry,
    Verification,
    VerificationResult,
    describe,
    is_the_registry,
)
from usikit.bulk_usi.registry.messages import UNREADABLE
from usikit.bulk_usi.tables import clients
from usikit.bulk_usi.verified import (
    DETAIL_COLUMNS,
    PERSON,
    details_digest,
    holding,
    in_words,
    is_verified,
    record_verifications,
)
from usikit.bulk_usi.verify_input import validate_for_verify
from usikit.errors import Do, InputError, RegistryFault, step
from usikit.identifiers import usi
from usikit.io.write import Sheet, write_csv, write_xlsx
from usikit.privacy import MASK_CHAR, mask_series
from usikit.store import audit
from usikit.store.access import acting
from usikit.store.clock import now
from usikit.store.engine import Workspace
from usikit.store.exports import audited_export, export_target, is_csv
from usikit.store.roles import Role

VERIFIED, NOT_VERIFIED, NOT_CHECKED = "verified", "not verified", "not checked"
RESULT_COLUMNS = ["Client ID", "USI", "Name", "Date of Birth", "Outcome", "USI Status",
                  "Not Matching", "Details", "Registry"]  # fmt: skip
FILLS = {VERIFIED: "ok", NOT_VERIFIED: "error"}
Tick = Callable[[], None]
Key = Any  # a record's index: a spreadsheet row, or a client's key


@dataclass
class VerifyOutcome:
    """Every record's outcome (`results`: `RESULT_COLUMNS`, indexed by the spreadsheet row or
    the client's key) and the registry that answered (its label)."""

    results: pd.DataFrame
    registry: str

    def count(self, outcome: str) -> int:
        return int((self.results["Outcome"] == outcome).sum())

    @property
    def all_verified(self) -> bool:
        """Every record that has a USI is verified (those without one are only listed)."""
        return self.count(NOT_VERIFIED) == 0

    def summary_line(self) -> str:
        total = len(self.results)
        noun = "record" if total == 1 else "records"
        line = f"{total} {noun}: {self.count(VERIFIED)} verified, {self.count(NOT_VERIFIED)} not"
        checked = self.count(NOT_CHECKED)
        return line + (f", {checked} without a USI to verify" if checked else "")

    def not_verified(self) -> pd.DataFrame:
        return self.results[self.results["Outcome"] == NOT_VERIFIED]


def request_chunks(count: int) -> int:
    """How many requests `count` records take."""
    return 1 if count <= 1 else -(-count // MAX_VERIFICATIONS)


def _verification(record_id: int, record: pd.Series) -> Verification:
    single = record["Single Name"]
    return Verification(
        record_id=record_id,
        usi=record["USI"],
        first_name="" if single else record["First Name"],
        family_name="" if single else record["Family Name"],
        single_name=single,
        date_of_birth=iso_date(record["Date of Birth"]),
    )


def send(
    registry: Registry, org_code: str, records: pd.DataFrame, *, tick: Tick | None = None
) -> dict[Key, VerificationResult]:
    """The registry's answer for each record (template columns), by the record's index."""
    answers: dict[Key, VerificationResult] = {}
    keys = list(records.index)
    if len(keys) == 1:
        answers[keys[0]] = registry.verify_usi(org_code, _verification(1, records.iloc[0]))
        if tick:
            tick()
        return answers
    for start in range(0, len(keys), MAX_VERIFICATIONS):
        part = keys[start : start + MAX_VERIFICATIONS]
        asked = [_verification(n, records.loc[key]) for n, key in enumerate(part, start=1)]
        got = {result.record_id: result for result in registry.bulk_verify_usi(org_code, asked)}
        if sorted(got) != list(range(1, len(part) + 1)):
            raise RegistryFault(0, UNREADABLE, "the answer's RecordIds are not the request's",
                                transient=True)  # fmt: skip
        answers.update({key: got[n] for n, key in enumerate(part, start=1)})
        if tick:
            tick()
    return answers


def judged(sent: Verification, answer: VerificationResult) -> tuple[str, list[str]]:
    """(outcome, the template columns that did not match): verified only when the USI is
    valid and every detail sent is answered Match."""
    asked = ["SingleName"] if sent.single_name else ["FirstName", "FamilyName"]
    not_matching = [
        DETAIL_COLUMNS[name]
        for name in (*asked, "DateOfBirth")
        if answer.matches.get(name) != MATCH and answer.usi_status == VALID
    ]
    verified = answer.usi_status == VALID and not not_matching
    return (VERIFIED if verified else NOT_VERIFIED), not_matching


def _outcomes(
    records: pd.DataFrame,
    report_status: pd.Series,
    problems: pd.Series,
    registry: Registry,
    org_code: str,
    *,
    refused: dict[Key, str] | None = None,
    tick: Tick | None = None,
) -> tuple[pd.DataFrame, dict[Key, tuple[VerificationResult, list[str]]]]:
    """The results table, and the registry's answers for the records sent."""
    refused = refused or {}
    label = describe(registry.name)
    table = pd.DataFrame(index=records.index, columns=RESULT_COLUMNS, dtype=object).fillna("")
    table["Client ID"], table["USI"] = records["Client ID"], records["USI"]
    table["Name"], table["Date of Birth"] = person_names(records), records["Date of Birth"]
    blank = records["USI"] == ""
    exempt = usi.exemption_mask(records["USI"]).to_numpy()
    table.loc[blank, ["Outcome", "Details"]] = [NOT_CHECKED, "no USI to verify"]
    table.loc[exempt, ["Outcome", "Details"]] = [NOT_CHECKED, "an exemption code, not a USI"]
    in_error = (report_status == "error").to_numpy() & ~blank.to_numpy() & ~exempt
    table.loc[in_error, "Outcome"] = NOT_VERIFIED
    table.loc[in_error, "Details"] = "not sent: " + problems[in_error].astype(str)
    for key, why in refused.items():
        table.loc[key, ["Outcome", "Details"]] = [NOT_VERIFIED, f"not sent: {why}"]
    ready = table["Outcome"] == ""
    answers = send(registry, org_code, records[ready.to_numpy()], tick=tick)
    judgements = {}
    for key, answer in answers.items():
        sent = _verification(1, records.loc[key])
        outcome, not_matching = judged(sent, answer)
        table.loc[key, ["Outcome", "USI Status", "Not Matching", "Details", "Registry"]] = [
            outcome, answer.usi_status, ", ".join(not_matching),
            in_words(answer.usi_status, not_matching), label,
        ]  # fmt: skip
        judgements[key] = (answer, not_matching)
    return table, judgements


def verify_frame(
    frame: pd.DataFrame,
    registry: Registry,
    *,
    org_code: str,
    today: dt.date | None = None,
    show_sensitive: bool = False,
    tick: Tick | None = None,
) -> VerifyOutcome:
    """Verify the records of a spreadsheet (read by `read_table`); nothing is kept. A file
    whose columns cannot be used (no USI column, say) raises InputError."""
    report = validate_for_verify(frame, today=today, show_sensitive=show_sensitive)
    unusable = report.file_problems[report.file_problems["severity"] == "error"]
    if not unusable.empty:  # a missing column: no record can be verified
        file = f"{report.source}: " if report.source else ""
        reasons = "; ".join(unusable["message"].head(3))
        raise InputError(f"{file}this file cannot be verified: {reasons}")
    records = report.records
    hidden = records["Date of Birth"].astype(str).str.contains(MASK_CHAR, regex=False)
    if hidden.any():  # a masked export: its dates cannot be sent, whatever their rules say
        file = f"{report.source}: " if report.source else ""
        raise InputError(
            f"{file}{int(hidden.sum()):,} rows have their dates of birth masked "
            f"(row {records.index[hidden][0]} first); usikit cannot verify a masked date",
            next_step=step(Do.USE_UNMASKED),
        )
    table, _ = _outcomes(records, report.status, report.messages_by_row(), registry, org_code,
                         tick=tick)  # fmt: skip
    return VerifyOutcome(_masked(table, show_sensitive), registry.label)


def _masked(table: pd.DataFrame, show_sensitive: bool) -> pd.DataFrame:
    if not show_sensitive:
        table["Date of Birth"] = mask_series(table["Date of Birth"])
    return table


def clients_to_verify(
    workspace: Workspace,
    client_ids: Sequence[str] = (),
    *,
    all_unverified: bool = False,
    live: bool = False,
) -> pd.DataFrame:
    """The clients named (or every client with a USI not verified now), template columns,
    indexed by client key. `live`: for the USI Registry, a verification by anything else
    does not count."""
    with workspace.begin() as connection:
        if all_unverified:
            frame = clients_frame(connection)
            frame = frame[usi.valid_mask(frame["USI"]).to_numpy()]
            held = holding(connection, frame)
            done = [
                pk
                for pk, row in held.iterrows()
                if is_verified(row) and (is_the_registry(row.registry) or not live)
            ]
            return frame[~frame.index.isin(done)]
        wanted = list(dict.fromkeys(client_ids))
        found = dict(
            connection.execute(
                select(clients.c.client_id, clients.c.id).where(clients.c.client_id.in_(wanted))
            ).all()
        )
        missing = [c for c in wanted if c not in found]
        if missing:
            raise InputError(
                "no client with Client ID " + ", ".join(missing[:10]) + " in the workspace"
            )
        return clients_frame(connection, [found[c] for c in wanted])


def verify_clients(
    workspace: Workspace,
    registry: Registry,
    client_ids: Sequence[str] = (),
    *,
    org_code: str,
    all_unverified: bool = False,
    today: dt.date | None = None,
    show_sensitive: bool = False,
    tick: Tick | None = None,
) -> VerifyOutcome:
    """Verify the clients named, or every client whose USI is not verified now, and keep
    each one's verified status (one transaction, with its audit record)."""
    if not client_ids and not all_unverified:
        raise InputError("name the clients to verify, or verify every unverified client")
    live = is_the_registry(registry.name)
    with acting(workspace, Role.USI_BATCHES, "verify clients' USIs"):
        frame = clients_to_verify(workspace, client_ids, all_unverified=all_unverified, live=live)
        with workspace.begin() as connection:
            sources = dict(connection.execute(select(clients.c.id, clients.c.usi_source)).all())
        report = validate_for_verify(frame.reset_index(drop=True), today=today)
        records = report.records.set_axis(frame.index)
        status = report.status.set_axis(frame.index)
        problems = report.messages_by_row().set_axis(frame.index)
        refused = {
            pk: f"the USI came from the {describe(sources.get(pk))}: it is not a real USI"
            for pk in records.index
            if live and is_simulated(sources.get(pk)) and records.loc[pk, "USI"]
        }
        table, answers = _outcomes(records, status, problems, registry, org_code,
                                   refused=refused, tick=tick)  # fmt: skip
        stamp = now()
        rows = [
            {
                "client_pk": int(pk),
                "verified_at": stamp,
                "registry": registry.name,
                "usi": answer.usi[:10],
                "usi_status": answer.usi_status[:12],
                "not_matching": ", ".join(not_matching),
                "details": details_digest(frame.loc[pk, list(PERSON)]),
            }
            for pk, (answer, not_matching) in answers.items()
        ]
        verified = sum(1 for _, (a, m) in answers.items() if a.usi_status == VALID and not m)
        with workspace.begin() as connection:
            record_verifications(connection, rows)
            audit.record(connection, "usi verify", verified=verified,
                         not_verified=len(rows) - verified)  # fmt: skip
    return VerifyOutcome(_masked(table, show_sensitive), registry.label)


def write_results(outcome: VerifyOutcome, path: str | Path) -> Path:
    """The results as CSV or XLSX (green verified, red not), atomically and formula-safe."""
    target = export_target(path, "the results file")
    frame = outcome.results.reset_index(drop=True)
    if is_csv(target):
        return write_csv(frame, target)
    fills = frame["Outcome"].map(FILLS).fillna("")
    return write_xlsx([Sheet("Verification", frame, column_fills={"Outcome": fills})], target)


def export_results(workspace: Workspace, outcome: VerifyOutcome, path: str | Path) -> Path:
    """`write_results`, as an export of the workspace (data_export, audited)."""
    return audited_export(
        workspace,
        path,
        lambda target: (write_results(outcome, target), len(outcome.results)),
        what="the verification results",
        doing="export verification results",
        action="usi verify export",
    )
