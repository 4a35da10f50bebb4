"""The register: learners, programmes, qualifications and enrolments, loaded from a learner file.

A learner file is validated first (`usikit.regcert.learner_rules.validate_learners`); its
accepted rows are written in one transaction, adding new learners, programmes,
qualifications and enrolments and updating the ones whose details changed. Nothing is ever
deleted by an import.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import (
    ColumnElement,
    Connection,
    Executable,
    Select,
    Table,
    bindparam,
    select,
    union_all,
)

from usikit.regcert.fields import (
    QUALIFICATION_NUMBER,
    REGISTRATION_NUMBER,
    STATUS,
    ULN,
    YES,
)
from usikit.regcert.import_rules import import_keys
from usikit.regcert.keys import number_keys, qualification_keys
from usikit.regcert.tables import (
    LEARNER_KEYS,
    PROGRAMME_KEYS,
    UPPER_REGISTRATION_NUMBER,
    enrolments,
    learners,
    programmes,
    qualifications,
    registrations,
)
from usikit.report import ValidationReport
from usikit.store import audit
from usikit.store.access import acting
from usikit.store.bulk import collection_paused, json_list, listed
from usikit.store.clock import now
from usikit.store.engine import Workspace
from usikit.store.locks import REGISTER_LOCK, hold
from usikit.store.roles import IMPORT_TO_REGISTER, Role

LEARNER_FILE_QUALIFICATION = "Qualification number"  # the learner file's spelling
CREATED, UPDATED, UNCHANGED = "created", "updated", "unchanged"
KINDS = ("learners", "programmes", "qualifications", "enrolments")
LEARNERS_IMPORT = "import learners into the register"


def lock_register(connection: Connection) -> None:
    """Let one register change run at a time on PostgreSQL (SQLite's BEGIN IMMEDIATE does it)."""
    hold(connection, REGISTER_LOCK)


def records_query(*columns: ColumnElement, numbered: bool = False) -> Select:
    """Enrolments with their learner, qualification and registration record (if any);
    `numbered` keeps the enrolments whose record exists, read from the record's side (so that
    a search by registration number uses its index)."""
    if numbered:
        start = registrations.join(enrolments, enrolments.c.id == registrations.c.enrolment_id)
    else:
        start = enrolments.outerjoin(registrations, registrations.c.enrolment_id == enrolments.c.id)
    return (
        select(enrolments.c.id, *columns)
        .select_from(start)
        .join(learners, learners.c.id == enrolments.c.learner_id)
        .join(qualifications, qualifications.c.id == enrolments.c.qualification_id)
    )


def load_records(
    connection: Connection,
    columns: Mapping[str, ColumnElement[Any]],
    *,
    ulns: Iterable[str] | None = None,
    numbers: Iterable[str] | None = None,
    integers: Sequence[str] = (),
) -> pd.DataFrame:
    """Enrolments as a frame of text with the given `columns` (name -> database column).

    With `ulns` and `numbers`, only the enrolments of those learners and the records
    holding those registration numbers: all that an import file's rules and matching need,
    read in one query (each list bound as one JSON parameter, however long) in a fraction of
    the time the whole register takes.
    """
    labelled = [c.label(name) for name, c in columns.items()]
    names = ["enrolment_id", *columns]
    if ulns is None and numbers is None:
        query: Executable = records_query(*labelled)
        parameters: dict[str, str] = {}
    else:
        if numbers is None:
            wanted_numbers: Iterable[str] = ()
        else:
            given = numbers if isinstance(numbers, pd.Series) else list(numbers)
            wanted_numbers = number_keys(pd.Series(given, dtype="str"))
        query = union_all(
            records_query(*labelled).where(learners.c.uln.in_(listed(connection, "ulns"))),
            records_query(*labelled, numbered=True).where(
                UPPER_REGISTRATION_NUMBER.in_(listed(connection, "numbers"))
            ),
        )
        parameters = {"ulns": json_list(ulns), "numbers": json_list(wanted_numbers)}
    with collection_paused():
        rows = connection.execute(query, parameters).all()
        frame = text_frame(rows, names, integers=("enrolment_id", *integers))
    return frame[~frame["enrolment_id"].duplicated()].reset_index(drop=True)


ENROLMENT_COLUMNS = {
    ULN: learners.c.uln,
    QUALIFICATION_NUMBER: qualifications.c.number_key,
    REGISTRATION_NUMBER: registrations.c.registration_number,
    STATUS: registrations.c.status,
}


def register_enrolments(workspace: Workspace, for_file: pd.DataFrame | None = None) -> pd.DataFrame:
    """Enrolments with their record's registration number and status ("" when none): the
    shape `validate_regcert(enrolments=...)` takes.

    With `for_file` (an import file as read), only what that file's rules need. Reading
    the register needs the manage_regcert role.
    """
    with acting(workspace, Role.MANAGE_REGCERT, "check a file against the register"):
        return _register_enrolments(workspace, for_file)


def _register_enrolments(workspace: Workspace, for_file: pd.DataFrame | None) -> pd.DataFrame:
    ulns = numbers = None
    if for_file is not None:
        records = import_keys(for_file)
        if records is None:  # wrong columns: no record is checked against the register
            ulns, numbers = [], []
        else:
            ulns, numbers = (
                records[ULN],
                records.loc[records[REGISTRATION_NUMBER] != "", REGISTRATION_NUMBER],
            )
    with workspace.engine.connect() as connection:
        frame = load_records(connection, ENROLMENT_COLUMNS, ulns=ulns, numbers=numbers)
    return frame.drop(columns="enrolment_id")


def text_frame(
    rows: Sequence[Sequence[object]], columns: Sequence[str], *, integers: Sequence[str] = ()
) -> pd.DataFrame:
    """Database rows as a frame of text columns (NULL as ""), like the files they came from;
    the `integers` columns (ids) stay numbers, NULL as <NA>. A column of text goes into
    Arrow whole; one holding other values (a flag) is written out value by value."""
    values = list(zip(*rows, strict=True)) if rows else [()] * len(columns)
    data = {}
    for name, column in zip(columns, values, strict=True):
        if name in integers:
            data[name] = pd.array(column, dtype="Int64")
            continue
        try:
            text = pc.fill_null(pa.array(column, type=pa.large_string()), "")
        except (pa.ArrowTypeError, pa.ArrowInvalid):
            data[name] = pd.Series(column, dtype=object).fillna("").astype("str").array
        else:
            data[name] = pd.array(text, dtype="str")
    return pd.DataFrame(data, index=pd.RangeIndex(len(rows)), copy=False)


@dataclass
class LearnersImported:
    """What a learner file changed, per kind of record: created, updated, unchanged."""

    counts: dict[str, dict[str, int]] = field(default_factory=dict)

    def summary_line(self) -> str:
        parts = [
            f"{kind} {c[CREATED]} created, {c[UPDATED]} updated, {c[UNCHANGED]} unchanged"
            for kind, c in self.counts.items()
        ]
        return "; ".join(parts)


def import_learners(workspace: Workspace, report: ValidationReport) -> LearnersImported:
    """Write the learner file's accepted rows into the register, in one transaction.

    Needs bulk_upload (an import) and manage_regcert (it changes the register)."""
    with acting(workspace, IMPORT_TO_REGISTER, LEARNERS_IMPORT):
        return _import_learners(workspace, report)


def _import_learners(workspace: Workspace, report: ValidationReport) -> LearnersImported:
    rows = report.valid
    result = LearnersImported()
    with workspace.begin() as connection:
        learners_counts = _write_learners(connection, rows, result, now())
        audit.record_import(connection, "learners import", report, **learners_counts)
    return result


def _write_learners(
    connection: Connection, rows: pd.DataFrame, result: LearnersImported, stamp: dt.datetime
) -> dict[str, int]:
    """The learners, programmes, qualifications and enrolments of the accepted rows; the
    learner counts for the audit."""
    lock_register(connection)
    if rows.empty:
        for kind in KINDS:
            result.counts[kind] = {CREATED: 0, UPDATED: 0, UNCHANGED: 0}
        return dict(result.counts["learners"])
    people = {"uln": rows[ULN].to_numpy()} | {
        key: rows[name].to_numpy() for name, key in LEARNER_KEYS.items()
    }
    learner_ids, result.counts["learners"] = upsert(
        connection, learners, ["uln"], pd.DataFrame(people).drop_duplicates("uln"), stamp
    )
    learner_of_row = rows[ULN].map(learner_ids).to_numpy()
    wanted_programmes = pd.DataFrame(
        {"learner_id": learner_of_row, "name": rows["Programme Name"].to_numpy()}
        | {key: rows[name].to_numpy() for name, key in PROGRAMME_KEYS.items()}
    ).drop_duplicates(["learner_id", "name"])
    programme_ids, result.counts["programmes"] = upsert(
        connection, programmes, ["learner_id", "name"], wanted_programmes, stamp
    )
    programme_of_row = pd.MultiIndex.from_arrays(
        [learner_of_row, rows["Programme Name"].to_numpy()]
    ).map(programme_ids)
    keys = qualification_keys(rows[LEARNER_FILE_QUALIFICATION])
    wanted_qualifications = pd.DataFrame(
        {
            "number_key": keys.to_numpy(),
            "number": rows[LEARNER_FILE_QUALIFICATION].to_numpy(),
            "name": rows["Qualification Name"].to_numpy(),
            "awarding_organisation": rows["Awarding Organisation"].to_numpy(),
        }
    ).drop_duplicates("number_key")
    qualification_ids, result.counts["qualifications"] = upsert(
        connection, qualifications, ["number_key"], wanted_qualifications, stamp
    )
    wanted_enrolments = pd.DataFrame(
        {
            "learner_id": learner_of_row,
            "qualification_id": keys.map(qualification_ids).to_numpy(),
            "programme_id": programme_of_row.to_numpy(),
            "qa_verified": (rows["QA Verified"] == YES).to_numpy(),
        }
    )
    _, result.counts["enrolments"] = upsert(
        connection, enrolments, ["learner_id", "qualification_id"], wanted_enrolments, stamp
    )
    return dict(result.counts["learners"])


def upsert(
    connection: Connection, table: Table, keys: list[str], wanted: pd.DataFrame, now: dt.datetime
) -> tuple[pd.Series, dict[str, int]]:
    """Insert the rows of `wanted` that are new, update the ones that differ (by `keys`).

    Returns every key's id (indexed by the key, or by a MultiIndex of several) and the counts.
    """
    values = [c for c in wanted.columns if c not in keys]
    existing = _load(connection, table, ["id", *keys, *values])
    merged = wanted.merge(existing, on=keys, how="left", suffixes=("", "_stored"))
    new = merged["id"].isna().to_numpy()
    differs = pd.Series(False, index=merged.index)
    for column in values:
        differs |= merged[column].astype(object) != merged[f"{column}_stored"].astype(object)
    changed = ~new & differs.to_numpy()
    if new.any():
        inserts = merged.loc[new, [*keys, *values]].assign(created_at=now, updated_at=now)
        connection.execute(table.insert(), _records(inserts))
    if changed.any():
        update = (
            table.update()
            .where(table.c.id == bindparam("_id"))
            .values({c: bindparam(f"_{c}") for c in values} | {"updated_at": bindparam("_now")})
        )
        rows = merged.loc[changed, ["id", *values]].rename(columns=lambda c: f"_{c}")
        connection.execute(update, _records(rows.assign(_now=now)))
    ids = _load(connection, table, ["id", *keys]) if new.any() else existing
    index = ids[keys[0]] if len(keys) == 1 else pd.MultiIndex.from_frame(ids[keys])
    counts = {
        CREATED: int(new.sum()),
        UPDATED: int(changed.sum()),
        UNCHANGED: int(len(merged) - new.sum() - changed.sum()),
    }
    return pd.Series(ids["id"].to_numpy(), index=index), counts


def _load(connection: Connection, table: Table, columns: list[str]) -> pd.DataFrame:
    rows = connection.execute(select(*(table.c[c] for c in columns))).all()
    frame = pd.DataFrame(rows, columns=columns)
    for column in columns:
        if column == "id" or column.endswith("_id"):
            frame[column] = frame[column].astype("int64")
        elif frame[column].dtype != bool:
            frame[column] = frame[column].astype(object)
    return frame


def _records(frame: pd.DataFrame) -> list[dict[str, object]]:
    """Plain Python values for the database driver (no numpy scalars)."""
    return frame.astype(object).to_dict("records")
