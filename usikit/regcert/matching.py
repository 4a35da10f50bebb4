"""Applying an import file to the register: the seed's four matching rules, in one transaction.

1. A row without a registration number finds the record by ULN + Qualification Number.
2. A row with a registration number finds the record that has it; the first number fills
   the learner's record on that qualification (creating the record if there is none).
   A number that belongs to another record is an error (the validation reports it).
3. An empty cell never removes a registration number, nor any other stored value.
4. A status that needs a registration number (`NEEDS_REGISTRATION_NUMBER`) reverts to the
   record's previous status when the record ends up without one.

`plan_import` decides everything on DataFrames. `import_file` validates a file against the
register and applies it reading the register once, inside the transaction that writes;
`apply_import` applies a report made earlier, reading the register again. Either way all
rows are written in one transaction: a failure midway leaves the register as it was.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sqlalchemy import Connection, Integer, bindparam, select
from sqlalchemy.exc import IntegrityError

from usikit.errors import InputError
from usikit.problem_lines import joined_notes
from usikit.regcert.fields import (
    DATE_COLUMNS,
    NEEDS_REGISTRATION_NUMBER,
    NEW_RECORD_STATUS,
    POSTAL_REFERENCE,
    QUALIFICATION_NUMBER,
    REGISTRATION_NUMBER,
    STATUS,
    ULN,
)
from usikit.regcert.import_rules import import_keys, validate_regcert
from usikit.regcert.keys import number_keys, record_keys
from usikit.regcert.register import load_records, lock_register, text_frame
from usikit.regcert.register_rules import Lookup
from usikit.regcert.tables import learners, qualifications, registrations
from usikit.report import ValidationReport
from usikit.store import audit
from usikit.store.access import acting
from usikit.store.bulk import collection_paused, executemany, json_list, listed
from usikit.store.clock import now
from usikit.store.engine import Workspace
from usikit.store.roles import IMPORT_TO_REGISTER
from usikit.store.tables import column_key

CREATED, UPDATED, UNCHANGED, REVERTED = "created", "updated", "unchanged", "status reverted"
RESULTS = (CREATED, UPDATED, UNCHANGED, REVERTED)
RESULT_COLUMNS = ("Row", ULN, QUALIFICATION_NUMBER, REGISTRATION_NUMBER, "Record", "Result",
                  "Details")  # fmt: skip
# The import columns an empty cell leaves as they are, with their column in the register.
KEPT_WHEN_EMPTY = {name: column_key(name) for name in (*DATE_COLUMNS, POSTAL_REFERENCE)}
SHOWN_ROWS = 10


@dataclass
class ImportPlan:
    """What an import will do: one result per row, and the rows to insert and update."""

    results: pd.DataFrame  # RESULT_COLUMNS, one line per applied row
    inserts: pd.DataFrame  # columns of `registrations`, without id and timestamps
    # The same, with the record's id, and whether its registration number changes (`renumbered`).
    updates: pd.DataFrame


# What the checks against the register read of each enrolment's record...
CHECKED = {
    "uln": learners.c.uln,
    "number_key": qualifications.c.number_key,
    "status": registrations.c.status,
    "registration_number": registrations.c.registration_number,
}
# ...what applying the file reads besides: the record, to join each row with...
KEYED = {**CHECKED, "record_id": registrations.c.id}
# ...and what it keeps of the record when the row leaves a cell empty.
DETAILS = {key: registrations.c[key] for key in KEPT_WHEN_EMPTY.values()}
STORED = {**KEYED, **DETAILS}


def current_records(
    connection: Connection, rows: pd.DataFrame | None = None, *, applying: bool = True
) -> pd.DataFrame:
    """The enrolments `rows` may touch (all without `rows`), each with its registration
    record (empty text where there is none, record_id <NA>), indexed by learner and
    qualification key; without `applying`, only the columns the checks read.

    When applying for `rows`, the record's dates and postal reference are those of the
    records the rows name by learner and qualification (the only ones an apply writes), read
    by id in a second query, and empty for the others: the first reads every enrolment of
    the file's learners, most of them on other qualifications.
    """
    if rows is None:
        columns, integers = (STORED, ("record_id",)) if applying else (CHECKED, ())
        frame = load_records(connection, columns, integers=integers)
    else:
        numbers = rows.loc[rows[REGISTRATION_NUMBER] != "", REGISTRATION_NUMBER]
        columns, integers = (KEYED, ("record_id",)) if applying else (CHECKED, ())
        frame = load_records(
            connection, columns, ulns=rows[ULN], numbers=numbers, integers=integers
        )
    frame.index = pd.Index(frame["uln"] + "|" + frame["number_key"], name="key")
    if applying and rows is not None:
        named = record_keys(rows[ULN], rows[QUALIFICATION_NUMBER])
        frame = _with_details(connection, frame, named)
    return frame


def _with_details(connection: Connection, frame: pd.DataFrame, named: pd.Series) -> pd.DataFrame:
    """`frame` with the `DETAILS` of the records whose key is among `named`, empty text for
    every other enrolment."""
    ids = frame["record_id"].fillna(-1).to_numpy(dtype=np.int64)
    wanted = (ids >= 0) & Lookup.of(named).contains(frame.index.to_series()).to_numpy()
    query = select(registrations.c.id, *DETAILS.values()).where(
        registrations.c.id.in_(listed(connection, "ids", Integer))
    )
    with collection_paused():
        found = connection.execute(query, {"ids": json_list(np.unique(ids[wanted]).tolist())})
        details = text_frame(found.all(), ["id", *DETAILS], integers=("id",))
    # Each enrolment's record among those read (none: empty text).
    picked = details.set_index("id").reindex(ids)
    for key in DETAILS:
        frame[key] = picked[key].fillna("").array
    return frame


def plan_import(rows: pd.DataFrame, current: pd.DataFrame) -> ImportPlan:
    """Decide, for each accepted row, which record it creates or updates and how.

    `rows` are validated import records (indexed by spreadsheet row); `current` is
    `current_records` of the register. Rows the register no longer accepts (it changed
    since the file was validated) raise `InputError`: nothing is then written.
    """
    keys = record_keys(rows[ULN], rows[QUALIFICATION_NUMBER])
    stored = Lookup.of(current.index.to_series(), current["registration_number"])
    at = stored.positions(keys)  # each row's record among the lookup's keys (-1: none)
    _refuse_stale(rows, keys, current, stored.at(at, rows.index), at < 0)
    # A join on the key: each row's record (every row has one, or it was refused above); the
    # lookup holds each key once, at the position of its first record.
    first = np.flatnonzero(~current.index.duplicated())
    record = current.iloc[first[at]].set_axis(rows.index)
    exists = record["record_id"].notna().to_numpy()
    given = rows[REGISTRATION_NUMBER]
    stored = record["registration_number"]
    # The stored spelling stays when the row gives the same number in other capitals.
    same = (given == "") | (number_keys(given) == number_keys(stored))
    number = given.where(~same, stored)
    previous = record["status"].where(exists, NEW_RECORD_STATUS)
    wanted = rows[STATUS]
    reverted = (wanted.isin(list(NEEDS_REGISTRATION_NUMBER)) & (number == "")).to_numpy()
    status = wanted.where(~reverted, previous)
    # A reverted row's dates and postal reference belong to the status it was refused: the
    # record keeps its own (an Exempt record never gets an Achieved date).
    taken = pd.Series(~reverted, index=rows.index)
    values = {
        key: rows[name].where((rows[name] != "") & taken, record[key])
        for name, key in KEPT_WHEN_EMPTY.items()
    }
    renumbered = number != stored
    changed = renumbered | (status != previous)
    for key, value in values.items():
        changed |= value != record[key]
    result = np.select(
        [reverted, ~exists, changed.to_numpy()], [REVERTED, CREATED, UPDATED], UNCHANGED
    )
    # The text columns go in as the Arrow arrays they are (through numpy, each cell would be
    # made a Python string and converted back).
    written = pd.DataFrame(
        {
            "enrolment_id": record["enrolment_id"].to_numpy(dtype="int64"),
            "status": status.array,
            "registration_number": number.array,
            **{key: value.array for key, value in values.items()},
        },
        index=rows.index,
    )
    details = _details(exists, reverted, given, stored, wanted, previous)
    results = pd.DataFrame(
        {
            "Row": rows.index,
            ULN: rows[ULN].array,
            QUALIFICATION_NUMBER: rows[QUALIFICATION_NUMBER].array,
            REGISTRATION_NUMBER: number.array,
            "Record": record["record_id"].to_numpy(),
            "Result": result,
            "Details": details,
        }
    )
    update = exists & changed.to_numpy()
    return ImportPlan(
        results=results,
        inserts=written[~exists],
        updates=written[update].assign(
            id=record["record_id"][update].to_numpy(dtype="int64"),
            renumbered=renumbered.to_numpy()[update],
        ),
    )


def _refuse_stale(
    rows: pd.DataFrame,
    keys: pd.Series,
    current: pd.DataFrame,
    number: pd.Series,
    unknown: np.ndarray,
) -> None:
    """Rows that validation accepted but the register, changed since, no longer does
    (`number`: each row's record's number, `unknown`: rows whose record is not there)."""
    numbered = (current["registration_number"] != "").to_numpy()
    owners = Lookup.of(
        number_keys(current["registration_number"][numbered]), current.index.to_series()[numbered]
    )
    given = rows[REGISTRATION_NUMBER]
    found = owners.get(number_keys(given))
    elsewhere = (given != "") & (found != "") & (found != keys)
    differs = (given != "") & (number != "") & (number_keys(number) != number_keys(given))
    _refuse_rows(rows.index[unknown | (elsewhere | differs).to_numpy()])


def _refuse_rows(stale: pd.Index) -> None:
    if len(stale):
        shown = ", ".join(str(r) for r in stale[:SHOWN_ROWS])
        more = f" and {len(stale) - SHOWN_ROWS} more" if len(stale) > SHOWN_ROWS else ""
        raise InputError(
            f"the register changed since the file was validated: rows {shown}{more} no longer "
            "match it (learner, enrolment or registration number); nothing was written. "
            "Validate the file again"
        )


# Why a row had its result, in the order the notes are joined.
NOTES = (
    "record created",
    "record created with this registration number",
    "registration number added; the record is matched by it from now on",
    "registration number kept (an empty cell never removes it)",
    "matched by its registration number",
)


def _details(
    exists: np.ndarray,
    reverted: np.ndarray,
    given: pd.Series,
    stored: pd.Series,
    wanted: pd.Series,
    previous: pd.Series,
) -> np.ndarray:
    """Why each row had its result, in words, for the result table: each combination of
    notes is joined once, whatever the number of rows holding it."""
    first = ((given != "") & (stored == "")).to_numpy()
    kept = ((given == "") & (stored != "")).to_numpy()
    matched = ((given != "") & (number_keys(given) == number_keys(stored))).to_numpy()
    created = ~exists
    flags = (created & ~first, created & first, ~created & first, kept, matched)
    combination = np.zeros(len(given), dtype=np.int64)
    for bit, flag in enumerate(flags):
        combination |= flag.astype(np.int64) << bit
    texts, codes = joined_notes(combination, NOTES)
    joined = np.array(texts, dtype=object)[codes]
    if reverted.any():
        why = (
            "Status " + wanted[reverted] + " needs a registration number and the record has "
            "none; the status stays " + previous[reverted] + ", and the row's dates are not written"
        ).to_numpy(dtype=object)
        before = joined[reverted]
        joined[reverted] = np.where(before == "", why, before + "; " + why)
    return joined


def apply_import(workspace: Workspace, report: ValidationReport) -> pd.DataFrame:
    """Write the report's accepted records into the register, all of them or none.

    The register is read again inside the transaction: rows it no longer accepts (it
    changed since `report` was made) stop the import (`InputError`). Returns the result
    table (RESULT_COLUMNS): per row, created, updated, unchanged or status reverted, the
    record's id and why. Needs bulk_upload and manage_regcert.
    """
    rows = report.valid
    with acting(workspace, IMPORT_TO_REGISTER, APPLYING), workspace.begin() as connection:
        lock_register(connection)
        if rows.empty:
            results = pd.DataFrame(columns=list(RESULT_COLUMNS))
        else:
            results = _apply(connection, plan_import(rows, current_records(connection, rows)))
        _record(connection, report, results)
        return results


_NO_ROWS = pd.DataFrame(
    {name: pd.Series(dtype="str") for name in (ULN, QUALIFICATION_NUMBER, REGISTRATION_NUMBER)}
)


@dataclass
class ImportOutcome:
    """An import file validated against the register, and what applying it did (if it did)."""

    report: ValidationReport
    results: pd.DataFrame | None = None  # None when nothing was applied


def import_file(
    workspace: Workspace,
    frame: pd.DataFrame,
    *,
    apply: bool = False,
    allow_temporary_uln: bool = False,
    show_sensitive: bool = False,
    today: dt.date | None = None,
    on_step: Callable[[str], None] | None = None,
) -> ImportOutcome:
    """Validate an import file against the register and, with `apply`, write its accepted
    records: the register is read once, in the same transaction as the writes, so what
    was validated is what gets written. Either way it needs bulk_upload (an import) and
    manage_regcert (it reads, and with `apply` changes, the register). `on_step` hears
    when the writing starts, for a screen's progress bar."""

    def validated(connection: Connection) -> tuple[ValidationReport, pd.DataFrame]:
        records = import_keys(frame)
        rows = records if records is not None else _NO_ROWS
        current = current_records(connection, rows, applying=apply)
        report = validate_regcert(
            frame,
            enrolments=enrolments_of(current),
            allow_temporary_uln=allow_temporary_uln,
            show_sensitive=show_sensitive,
            today=today,
        )
        return report, current

    if not apply:
        checking = acting(workspace, IMPORT_TO_REGISTER, CHECKING)
        with checking, workspace.engine.connect() as connection:
            return ImportOutcome(validated(connection)[0])
    with acting(workspace, IMPORT_TO_REGISTER, APPLYING), workspace.begin() as connection:
        lock_register(connection)
        report, current = validated(connection)
        if report.valid.empty:
            results = pd.DataFrame(columns=list(RESULT_COLUMNS))
        else:
            if on_step is not None:
                on_step(f"Writing {len(report.valid):,} accepted records…")
            results = _apply(connection, plan_import(report.valid, current))
        _record(connection, report, results)
        return ImportOutcome(report, results)


APPLYING = "apply a Registration & Certification file"
CHECKING = "check a Registration & Certification file against the register"


def _record(connection: Connection, report: ValidationReport, results: pd.DataFrame) -> None:
    """The audit record of an apply, in its transaction: counts only, no learner details."""
    outcome = results["Result"].value_counts()
    audit.record_import(
        connection,
        "regcert apply",
        report,
        created=int(outcome.get(CREATED, 0)),
        updated=int(outcome.get(UPDATED, 0)),
        unchanged=int(outcome.get(UNCHANGED, 0)),
        reverted=int(outcome.get(REVERTED, 0)),
    )


def enrolments_of(current: pd.DataFrame) -> pd.DataFrame:
    """`current_records` in the shape `validate_regcert(enrolments=...)` takes."""
    return pd.DataFrame(
        {
            ULN: current["uln"].array,
            QUALIFICATION_NUMBER: current["number_key"].array,
            REGISTRATION_NUMBER: current["registration_number"].array,
            STATUS: current["status"].array,
        }
    )


def _apply(connection: Connection, plan: ImportPlan) -> pd.DataFrame:
    """Write a plan inside the caller's transaction; the result table with every record id."""
    stamp = now()
    try:
        created = _insert_rows(connection, plan.inserts, stamp)
        _update_rows(connection, plan.updates, stamp)
    except IntegrityError:  # another import took a number or a record meanwhile
        raise InputError(
            "the register changed while the file was being imported (another import wrote "
            "the same registration number or record); nothing was written. Validate the "
            "file again"
        ) from None
    results = plan.results.copy()
    ids = pd.array(results["Record"], dtype="Int64")
    ids[ids.isna()] = created
    results["Record"] = ids.astype("int64")
    return results


def _insert_rows(connection: Connection, rows: pd.DataFrame, stamp: dt.datetime) -> np.ndarray:
    """Insert new records; their ids in the order of `rows` (given in that order, as the
    file's rows come)."""
    if rows.empty:
        return np.zeros(0, dtype=np.int64)
    columns = list(rows.columns)
    statement = registrations.insert().values(
        {c: bindparam(c) for c in columns}
        | {"created_at": bindparam("_now"), "updated_at": bindparam("_now")}
    )
    executemany(connection, statement, _columns(rows, columns), {"_now": stamp})
    # Each new record is its enrolment's one record: its id found by the enrolment.
    enrolment = registrations.c.enrolment_id
    found = connection.execute(
        select(enrolment, registrations.c.id).where(
            enrolment.in_(listed(connection, "enrolments", Integer))
        ),
        {"enrolments": json_list(rows["enrolment_id"].tolist())},
    ).all()
    ids = pd.Series([i for _, i in found], index=[e for e, _ in found], dtype="int64")
    return ids.reindex(rows["enrolment_id"].to_numpy()).to_numpy(dtype="int64")


def _update_rows(connection: Connection, rows: pd.DataFrame, stamp: dt.datetime) -> None:
    """Update the records; a record keeping its registration number is written without it,
    so that the two indexes on the numbers are left alone (most updates change a status)."""
    renumbered = rows["renumbered"].to_numpy(dtype=bool)
    for part, number in ((rows[renumbered], True), (rows[~renumbered], False)):
        if part.empty:
            continue
        columns = [
            c
            for c in part.columns
            if c not in ("id", "enrolment_id", "renumbered")
            and (number or c != "registration_number")
        ]
        statement = (
            registrations.update()
            .where(registrations.c.id == bindparam("_id"))
            .values({c: bindparam(f"_{c}") for c in columns} | {"updated_at": bindparam("_now")})
        )
        # In the order of the records' ids: each page of the table is then visited once (in
        # a file's order, they fall all over the table, and the writing takes three times
        # longer).
        values = _columns(part.sort_values("id", kind="stable"), ["id", *columns])
        executemany(connection, statement, {f"_{c}": v for c, v in values.items()}, {"_now": stamp})


def _columns(rows: pd.DataFrame, names: list[str]) -> dict[str, list[object]]:
    """Plain Python values, a list per column, for an executemany.

    An empty registration number is stored as NULL, so that numbers stay unique.
    """
    columns = {}
    for column in names:
        values = rows[column].to_numpy()
        if column == "registration_number":
            values = np.where(values == "", None, values)
        columns[column] = values.tolist()
    return columns
