"""Correcting one registration record by hand: what an import cannot do.

An import never changes a registration number a record already has, nor clears a stored
value (the matching rules keep them). When the register holds a wrong number or date, an
officer corrects that one record here. The record's new values go through the import's
rules (dates, lengths, statuses, a number that belongs to another record), and a status
that needs a registration number is refused without one rather than reverted: a person
typed it, so the person is told. The change is written with its audit record in one
transaction. It needs manage_regcert: it changes the register.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

import pandas as pd
from sqlalchemy import Connection, select
from sqlalchemy.exc import IntegrityError

from usikit.errors import InputError
from usikit.regcert.fields import (
    DATE_COLUMNS,
    IMPORT_COLUMNS,
    NEEDS_REGISTRATION_NUMBER,
    POSTAL_REFERENCE,
    QUALIFICATION_NUMBER,
    REGISTRATION_NUMBER,
    STATUS,
    ULN,
)
from usikit.regcert.import_rules import validate_regcert
from usikit.regcert.matching import KEPT_WHEN_EMPTY, current_records, enrolments_of
from usikit.regcert.register import lock_register
from usikit.regcert.tables import enrolments, learners, qualifications, registrations
from usikit.store import audit
from usikit.store.access import acting
from usikit.store.clock import now
from usikit.store.engine import Workspace
from usikit.store.roles import Role

EDITABLE: tuple[str, ...] = (STATUS, REGISTRATION_NUMBER, *DATE_COLUMNS, POSTAL_REFERENCE)
STORED = {STATUS: "status", REGISTRATION_NUMBER: "registration_number", **KEPT_WHEN_EMPTY}
EDITING = "edit a registration record"
EDIT_ACTION = "regcert edit"
IGNORED_CHECKS = ("status_reverts",)  # a typed status is refused, not reverted (see below)


@dataclass
class RecordEdit:
    """What an edit changed: each field's old and new value, and the warnings it kept."""

    record_id: int
    changed: dict[str, tuple[str, str]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def summary_line(self) -> str:
        if not self.changed:
            return f"Record {self.record_id}: nothing was changed"
        listing = "; ".join(
            f"{name} {old or '(empty)'} -> {new or '(empty)'}"
            for name, (old, new) in self.changed.items()
        )
        return f"Record {self.record_id} saved: {listing}"


def record_values(workspace: Workspace, record_id: int) -> dict[str, str]:
    """The record's ULN, qualification number and editable fields, as an import row holds
    them. Reading the register needs manage_regcert."""
    with (
        acting(workspace, Role.MANAGE_REGCERT, "view the register"),
        workspace.engine.connect() as connection,
    ):
        return _current(connection, record_id)


def edit_record(
    workspace: Workspace,
    record_id: int,
    changes: Mapping[str, str],
    *,
    today: dt.date | None = None,
) -> RecordEdit:
    """Set the given fields of registration record `record_id` ("" empties one), checked by
    the import's rules against the rest of the register; nothing is written when a check
    fails (`InputError` says which). Needs manage_regcert; audited."""
    unknown = [name for name in changes if name not in EDITABLE]
    if unknown:
        raise InputError(
            f"{', '.join(repr(n) for n in unknown)} cannot be edited; a registration record's "
            "editable fields are: " + ", ".join(EDITABLE)
        )
    with acting(workspace, Role.MANAGE_REGCERT, EDITING), workspace.begin() as connection:
        lock_register(connection)
        before = _current(connection, record_id)
        wanted = {**before, **{name: str(value).strip() for name, value in changes.items()}}
        after, warnings = _checked(connection, record_id, wanted, today)
        changed = {
            name: (before[name], after[name]) for name in EDITABLE if after[name] != before[name]
        }
        outcome = RecordEdit(record_id, changed, warnings)
        if outcome.changed:
            _write(connection, record_id, {name: after[name] for name in outcome.changed})
            audit.record(connection, EDIT_ACTION, updated=1)
        return outcome


def _current(connection: Connection, record_id: int) -> dict[str, str]:
    query = (
        select(
            learners.c.uln,
            qualifications.c.number,
            *(registrations.c[key] for key in STORED.values()),
        )
        .select_from(registrations)
        .join(enrolments, enrolments.c.id == registrations.c.enrolment_id)
        .join(learners, learners.c.id == enrolments.c.learner_id)
        .join(qualifications, qualifications.c.id == enrolments.c.qualification_id)
        .where(registrations.c.id == int(record_id))
    )
    row = connection.execute(query).first()
    if row is None:
        raise InputError(
            f"no registration record with id {record_id}; the register's grid and an "
            "import's result table show each record's id"
        )
    values = ["" if value is None else str(value) for value in row]
    return dict(zip((ULN, QUALIFICATION_NUMBER, *STORED), values, strict=True))


def _checked(
    connection: Connection, record_id: int, wanted: dict[str, str], today: dt.date | None
) -> tuple[dict[str, str], list[str]]:
    """`wanted` normalised by the import's rules, with the warnings it keeps; `InputError`
    with every blocking problem."""
    row = pd.DataFrame([{name: wanted.get(name, "") for name in IMPORT_COLUMNS}], index=[2])
    current = current_records(connection, row)
    own = (current["record_id"] == record_id).fillna(False).to_numpy(dtype=bool)
    current.loc[own, "registration_number"] = ""  # its own number may change: it is the edit
    report = validate_regcert(row, enrolments=enrolments_of(current), today=today)
    problems = report.errors[~report.errors["check"].isin(IGNORED_CHECKS)]
    blocking = problems[problems["severity"] == "error"]["message"].tolist()
    records = report.records
    result = {name: str(records[name].iloc[0]) for name in EDITABLE} if len(records) else {}
    needs_number = result.get(STATUS) in NEEDS_REGISTRATION_NUMBER
    if not blocking and needs_number and not result.get(REGISTRATION_NUMBER):
        blocking.append(
            f"Status {result[STATUS]} needs a registration number; give the number the "
            "awarding organisation sent, or choose a status that does not need one"
        )
    if blocking:
        raise InputError(f"record not changed: {'; '.join(blocking)}")
    return result, problems[problems["severity"] == "warning"]["message"].tolist()


def _write(connection: Connection, record_id: int, values: dict[str, str]) -> None:
    columns: dict[str, object] = {STORED[name]: value for name, value in values.items()}
    if "registration_number" in columns and not columns["registration_number"]:
        columns["registration_number"] = None  # NULL, so that numbers stay unique
    try:
        connection.execute(
            registrations.update()
            .where(registrations.c.id == int(record_id))
            .values(**columns, updated_at=now())
        )
    except IntegrityError:
        raise InputError(
            "record not changed: another record took that registration number meanwhile; "
            "check the number"
        ) from None
