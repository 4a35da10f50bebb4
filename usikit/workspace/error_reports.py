"""Files written from an import's outcome (its error report, its result table): exports like
any other, so they need data_export and are audited."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from usikit.errors import InputError
from usikit.io import Sheet, write_csv, write_xlsx
from usikit.report import ValidationReport
from usikit.workspace import audit
from usikit.workspace.engine import Workspace
from usikit.workspace.roles import acting, export_allowed

SUFFIXES = (".csv", ".xlsx")


def export_error_report(workspace: Workspace, report: ValidationReport, path: str | Path) -> Path:
    """Write `report` (CSV or XLSX by the name's ending)."""
    path = _checked(path, "the error report")
    with acting(workspace, "data_export", "export an error report"):
        with workspace.begin() as connection:
            export_allowed(connection)
        written = report.to_csv(path) if path.suffix.lower() == ".csv" else report.to_excel(path)
        audit.record_after(
            workspace, "error report export", file=written, exported=len(report.errors)
        )
    return written


def export_import_results(workspace: Workspace, results: pd.DataFrame, path: str | Path) -> Path:
    """Write an import's result table (one line per row: what happened to it and why)."""
    path = _checked(path, "the result table")
    with acting(workspace, "data_export", "export an import's result table"):
        with workspace.begin() as connection:
            export_allowed(connection)
        if path.suffix.lower() == ".csv":
            written = write_csv(results, path)
        else:
            written = write_xlsx([Sheet("Results", results)], path)
        audit.record_after(workspace, "import results export", file=written, exported=len(results))
    return written


def _checked(path: str | Path, what: str) -> Path:
    path = Path(path)
    if path.suffix.lower() not in SUFFIXES:
        raise InputError(f"{what} must end in .csv or .xlsx", path=path)
    return path
