"""Styled XLSX workbooks: atomic, owner-only, and safe to open in a spreadsheet.

The atomic files and CSV live in `usikit.io.atomic` (no openpyxl); their names are
re-exported here, where the writers were first gathered.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from openpyxl import Workbook

from usikit.io.atomic import (
    CSV_ENCODING,
    OWNER_ONLY,
    atomic_target,
    check_target,
    remove_stale_parts,
    write_csv,
)
from usikit.io.sheets import (
    EXCEL,
    Sheet,
    SheetLimits,
    SheetWritten,
    excel_limits,
    write_sheet,
)

__all__ = [  # the workbook's parts live in usikit.io.sheets; these are the writers' names
    "CSV_ENCODING",
    "EXCEL",
    "OWNER_ONLY",
    "Sheet",
    "SheetLimits",
    "SheetWritten",
    "WrittenWorkbook",
    "atomic_target",
    "check_target",
    "remove_stale_parts",
    "write_csv",
    "write_workbook",
    "write_xlsx",
]


@dataclass(frozen=True)
class WrittenWorkbook:
    """A workbook written: where, and where each table went in it."""

    path: Path
    sheets: tuple[SheetWritten, ...]
    limits: SheetLimits = EXCEL

    def notes(self) -> list[str]:
        """What Excel's limits changed, in words: tables continued on further sheets, texts
        cut (empty when every table fits on its sheet)."""
        return [note for sheet in self.sheets for note in sheet.notes(self.limits)]


def write_xlsx(sheets: Sequence[Sheet], path: str | Path) -> Path:
    """Write sheets with a bold frozen header, autofilter and readable widths, atomically.

    Text that looks like a formula is stored as text (never a formula cell) and marked
    so Excel keeps showing it as typed. A table beyond Excel's limits continues on further
    sheets (see `write_workbook`).
    """
    return write_workbook(sheets, path).path


def write_workbook(
    sheets: Sequence[Sheet],
    path: str | Path,
    *,
    limits: SheetLimits | None = None,
    finish: Callable[[tuple[SheetWritten, ...]], Sequence[Sheet]] | None = None,
) -> WrittenWorkbook:
    """`write_xlsx`, saying where each table went: a table longer or wider than a sheet
    holds continues on further sheets (`Errors (2)`, ...), a text longer than a cell holds
    is cut with a note of its length; `notes()` says so in words.

    The rows are streamed (a write-only workbook, a chunk of rows at a time, styles built
    once per sheet), so a million rows need little more memory than the tables themselves.
    `finish`, given where those sheets went, returns the last sheets (a summary that says
    so).
    """
    limits = excel_limits(limits)
    check_target(path)  # before the workbook holds anything it would have to throw away
    workbook = Workbook(write_only=True)
    taken: set[str] = set()
    with atomic_target(path) as temporary:
        written = tuple(write_sheet(workbook, sheet, limits, taken) for sheet in sheets)
        if finish is not None:
            last = finish(written)
            written += tuple(write_sheet(workbook, sheet, limits, taken) for sheet in last)
        workbook.save(temporary)
    return WrittenWorkbook(Path(path), written, limits)
