"""The Registration & Certification export: the seed's 32 columns, one row per record.

Awarding organisations receive this file to register learners, so its header is exactly the
seed's (current names, seed order). Dates of birth are masked unless asked for.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

import pandas as pd
from sqlalchemy import select

from usikit.errors import InputError
from usikit.privacy import mask_series
from usikit.regcert import tables as rt
from usikit.regcert.fields import EXPORT_COLUMNS, EXPORT_FIELDS, NO, STATUSES, YES
from usikit.regcert.keys import QUALIFICATION_SHAPE, canonical_statuses, qualification_keys
from usikit.regcert.register import text_frame
from usikit.regcert.tables import LEARNER_KEYS, PROGRAMME_KEYS
from usikit.rules.textscan import full_match
from usikit.store.access import acting
from usikit.store.engine import Workspace
from usikit.store.exports import audited_export, export_target, write_table
from usikit.store.roles import EXPORT_REGISTER, Role
from usikit.store.tables import column_key

SHEET_NAME = "Registrations"
# Where each export column comes from (those not listed are derived below).
SOURCES = {
    **{name: rt.learners.c[key] for name, key in LEARNER_KEYS.items()},
    **{name: rt.programmes.c[key] for name, key in PROGRAMME_KEYS.items()},
    "ULN": rt.learners.c.uln,
    "Programme Name": rt.programmes.c.name,
    "Qualification Name": rt.qualifications.c.name,
    "Qualification number": rt.qualifications.c.number,
    "Awarding Organisation": rt.qualifications.c.awarding_organisation,
    "Status": rt.registrations.c.status,
    "Registration number": rt.registrations.c.registration_number,
    "Registered Date": rt.registrations.c[column_key("Registration date")],
    "Certificate Received Date": rt.registrations.c[column_key("Certificate received Date")],
    "Certificate Claimed Date": rt.registrations.c[column_key("Certificate claimed date")],
    "Achieved Date": rt.registrations.c[column_key("Achieved date")],
    "Certificate Sent Date": rt.registrations.c[column_key("Certificate Sent Date")],
    "Postal Tracking Reference": rt.registrations.c[column_key("Postal Tracking Reference")],
}
DERIVED = ("Full Name", "QA Verified")


def select_records(
    workspace: Workspace,
    *,
    ids: Sequence[int] | None = None,
    statuses: Iterable[str] | None = None,
    qualifications: Iterable[str] | None = None,
    show_sensitive: bool = False,
    with_ids: bool = False,
) -> pd.DataFrame:
    """The export's 32 columns for the chosen records (all when nothing is chosen).

    `ids` are registration record ids (an unknown id is an error); `statuses` and
    `qualifications` filter (a status in any case, a qualification number with or without
    slashes). Filters combine: a record must pass each one given. `with_ids` indexes the
    frame by record id (named "Record"), for screens that let a person pick records.
    Reading the register needs the manage_regcert role.
    """
    with acting(workspace, Role.MANAGE_REGCERT, "view the register"):
        return _select_records(
            workspace,
            ids=ids,
            statuses=statuses,
            qualifications=qualifications,
            show_sensitive=show_sensitive,
            with_ids=with_ids,
        )


def _select_records(
    workspace: Workspace,
    *,
    ids: Sequence[int] | None,
    statuses: Iterable[str] | None,
    qualifications: Iterable[str] | None,
    show_sensitive: bool,
    with_ids: bool,
) -> pd.DataFrame:
    columns = [c for c in EXPORT_COLUMNS if c not in DERIVED]
    query = (
        select(rt.registrations.c.id, rt.enrolments.c.qa_verified, *(SOURCES[c] for c in columns))
        .select_from(rt.registrations)
        .join(rt.enrolments, rt.enrolments.c.id == rt.registrations.c.enrolment_id)
        .join(rt.learners, rt.learners.c.id == rt.enrolments.c.learner_id)
        .join(rt.programmes, rt.programmes.c.id == rt.enrolments.c.programme_id)
        .join(rt.qualifications, rt.qualifications.c.id == rt.enrolments.c.qualification_id)
        .order_by(rt.registrations.c.id)
    )
    if ids is not None:
        query = query.where(rt.registrations.c.id.in_(list(ids)))
    if statuses is not None:
        query = query.where(rt.registrations.c.status.in_(_statuses(statuses)))
    if qualifications is not None:
        query = query.where(rt.qualifications.c.number_key.in_(_qualification_keys(qualifications)))
    with workspace.engine.connect() as connection:
        rows = connection.execute(query).all()
    frame = text_frame(rows, ["id", "qa_verified", *columns], integers=("id",))
    if ids is not None:
        _refuse_unknown(ids, frame["id"])
    frame["Full Name"] = (frame["First Name"] + " " + frame["Last Name"]).str.strip()
    frame["QA Verified"] = [YES if v == "True" else NO for v in frame["qa_verified"]]
    if not show_sensitive:
        for f in EXPORT_FIELDS:
            if f.sensitive:
                frame[f.name] = mask_series(frame[f.name])
    if with_ids:
        frame.index = pd.Index(frame["id"].astype("int64"), name="Record")
    return frame[list(EXPORT_COLUMNS)]


def _statuses(given: Iterable[str]) -> list[str]:
    values = pd.Series(list(given), dtype="str")
    canonical = canonical_statuses(values.str.strip())
    unknown = canonical[~canonical.isin(STATUSES)]
    if len(unknown):
        raise InputError(
            f"unknown status {', '.join(repr(s) for s in unknown)}; choose from: "
            + ", ".join(STATUSES)
        )
    return canonical.tolist()


def _qualification_keys(given: Iterable[str]) -> list[str]:
    values = pd.Series(list(given), dtype="str").str.strip().str.upper()
    wrong = values[~full_match(values, QUALIFICATION_SHAPE)]
    if len(wrong):
        raise InputError(
            f"{', '.join(repr(v) for v in wrong)} is not a qualification number; give the "
            "Ofqual number (603/1234/5) or the 8-character aim reference (60312345)"
        )
    return qualification_keys(values).tolist()


def _refuse_unknown(asked: Sequence[int], found: pd.Series) -> None:
    missing = sorted(set(asked) - {int(v) for v in found})
    if missing:
        raise InputError(
            "no registration record with id "
            + ", ".join(str(i) for i in missing)
            + "; the import's result table shows each record's id"
        )


def check_export_path(path: Path) -> None:
    """Refuse an unknown format before the register is read."""
    export_target(path, "the export")


def write_export(frame: pd.DataFrame, path: str | Path) -> Path:
    """CSV or XLSX by the file's suffix; atomic and formula-safe like every export."""
    return write_table(frame, export_target(path, "the export"), SHEET_NAME)


def export_records(
    workspace: Workspace,
    path: str | Path,
    *,
    ids: Sequence[int] | None = None,
    statuses: Iterable[str] | None = None,
    qualifications: Iterable[str] | None = None,
    show_sensitive: bool = False,
) -> pd.DataFrame:
    """Select records and write them to `path`; the frame written. Needs manage_regcert (to
    read the register) and data_export; audited once the file is in place, as an unmasked
    export when `show_sensitive` (the file then holds dates of birth)."""
    chosen: list[pd.DataFrame] = []

    def write(target: Path) -> tuple[Path, int]:
        frame = _select_records(
            workspace,
            ids=ids,
            statuses=statuses,
            qualifications=qualifications,
            show_sensitive=show_sensitive,
            with_ids=False,
        )
        chosen.append(frame)
        return write_export(frame, target), len(frame)

    audited_export(
        workspace,
        path,
        write,
        what="the export",
        doing="export the register",
        action="regcert export unmasked" if show_sensitive else "regcert export",
        roles=EXPORT_REGISTER,
    )
    return chosen[0]
