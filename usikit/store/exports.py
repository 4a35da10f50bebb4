"""The one recipe every export follows: its format checked before any work, the roles it
needs, the file written atomically, then its audit record with the file's fingerprint.

Also the exports of an import's outcome (its error report, its result table): exports like
any other, so they need data_export and are audited.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd

from usikit.errors import InputError
from usikit.io import Sheet, write_csv, write_xlsx
from usikit.report import ValidationReport
from usikit.store import audit
from usikit.store.access import Roles, acting, export_allowed
from usikit.store.engine import Workspace
from usikit.store.roles import Role

SUFFIXES = (".csv", ".xlsx")
Writer = Callable[[Path], tuple[Path, int]]  # writes the export to a path: (path, records)


def export_target(path: str | Path, what: str) -> Path:
    """The path of an export, refused before any work unless it ends in .csv or .xlsx."""
    path = Path(path)
    if path.suffix.lower() not in SUFFIXES:
        raise InputError(f"{what} must end in .csv or .xlsx", path=path)
    return path


def is_csv(path: Path) -> bool:
    return path.suffix.lower() == ".csv"


def audited_export(
    workspace: Workspace,
    path: str | Path,
    write: Writer,
    *,
    what: str,
    doing: str,
    action: str,
    roles: Roles = Role.DATA_EXPORT,
) -> Path:
    """Write an export with `write` and record it in the audit trail.

    `what` names the file in a refusal ("the client export"), `doing` the action in a
    missing role's message ("export clients"), `action` the audit record's action. The
    export gate is read first, so the database refuses an officer without data_export
    before anything is read; the audit record follows once the file is in place.
    """
    target = export_target(path, what)
    with acting(workspace, roles, doing):
        with workspace.begin() as connection:
            export_allowed(connection)
        written, count = write(target)
        audit.record_after(workspace, action, file=written, exported=count)
    return written


def write_table(frame: pd.DataFrame, path: Path, sheet: str) -> Path:
    """One table as CSV or as a one-sheet workbook, by the file's suffix."""
    return write_csv(frame, path) if is_csv(path) else write_xlsx([Sheet(sheet, frame)], path)


def export_error_report(workspace: Workspace, report: ValidationReport, path: str | Path) -> Path:
    """Write `report` (CSV or XLSX by the name's ending)."""

    def write(target: Path) -> tuple[Path, int]:
        written = report.to_csv(target) if is_csv(target) else report.to_excel(target)
        return written, len(report.errors)

    return audited_export(
        workspace,
        path,
        write,
        what="the error report",
        doing="export an error report",
        action="error report export",
    )


def export_import_results(workspace: Workspace, results: pd.DataFrame, path: str | Path) -> Path:
    """Write an import's result table (one line per row: what happened to it and why)."""
    return audited_export(
        workspace,
        path,
        lambda target: (write_table(results, target, "Results"), len(results)),
        what="the result table",
        doing="export an import's result table",
        action="import results export",
    )
