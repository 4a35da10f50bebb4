"""`read_table`: any spreadsheet a data officer has, as a DataFrame of text."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pandas as pd

from usikit.errors import InputError
from usikit.io import detect, excel
from usikit.io.grid import ROW_INDEX_NAME, frame_from_grid, quoted_text
from usikit.io.limits import Deadline, ReadLimits, column_letters, human_size, over_limit
from usikit.io.tableinfo import TableInfo, attach, with_problems
from usikit.io.textfile import SEPARATOR_NAMES, nul_error, read_text
from usikit.problems import WARNING, Problem, name_checks

__all__ = ["ROW_INDEX_NAME", "SEPARATOR_NAMES", "quoted_text", "read_table"]


def read_table(
    path: str | Path,
    *,
    sep: str | None = None,
    sheet: str | None = None,
    max_bytes: int | None = None,
    limits: ReadLimits | None = None,
) -> pd.DataFrame:
    """Read a CSV/TSV/TXT or workbook so that every cell is the text the user saw.

    The index holds spreadsheet row numbers (header = 1). Header problems the reader
    noticed travel with the frame (`usikit.io.tableinfo.table_info`) so that the
    validation report can show them. Unusable files raise `InputError`; a file beyond one
    of the readers' `limits` (`usikit.io.limits.ReadLimits`: the defaults, changed by the
    USIKIT_LIMITS setting; `max_bytes` sets the size limit) raises `LimitExceeded`.
    """
    path = Path(path)
    chosen = limits if limits is not None else ReadLimits.default()
    if max_bytes is not None:
        chosen = replace(chosen, bytes=max_bytes)
    deadline = Deadline(chosen, path)
    size = _checked_size(path, chosen.bytes)
    head = _read_bytes(path, limit=detect.SAMPLE_BYTES)
    kind = detect.file_kind(head[:8], head)
    if kind == "binary":
        raise _binary(path, head)
    if kind == "text":
        if sheet is not None:
            raise InputError(
                "is a text (CSV) file and has no sheets; leave out the sheet name", path=path
            )
        data = _read_bytes(path) if size > len(head) else head
        return read_text(path, data, sep, chosen, deadline)
    if sep is not None and kind == "zip":
        raise InputError("is a workbook, not a CSV file; leave out the separator", path=path)
    if kind == "ole" and detect.is_encrypted_workbook(_read_bytes(path)):
        raise InputError(
            "is protected with a password; open it in Excel, remove the password "
            "(File > Info > Protect Workbook > Encrypt with Password) and save a copy",
            path=path,
        )
    return _read_workbook(path, sheet, chosen, deadline, container=kind)


def _checked_size(path: Path, max_bytes: int | None) -> int:
    if not path.exists():
        raise InputError("file not found; check the folder and the file name", path=path)
    if path.is_dir():
        raise InputError("is a folder, not a file; choose a file inside it", path=path)
    size = path.stat().st_size
    if size == 0:
        raise InputError("is empty (0 bytes); export or save the spreadsheet again", path=path)
    if max_bytes is not None and size > max_bytes:
        raise over_limit(
            path,
            f"is {human_size(size)}, over the {human_size(max_bytes)} limit",
            "bytes",
            size,
        )
    return size


def _read_bytes(path: Path, limit: int = -1) -> bytes:
    try:
        with path.open("rb") as handle:
            return handle.read(limit)
    except OSError as exc:
        raise InputError(
            f"cannot be read ({exc.strerror or exc}); check that you may open it", path=path
        ) from None


def _read_workbook(
    path: Path, sheet: str | None, limits: ReadLimits, deadline: Deadline, *, container: str
) -> pd.DataFrame:
    read = excel.read_sheet(path, sheet, limits, deadline, container=container)
    if read.grid.empty:
        raise InputError(f"sheet '{read.name}' is empty; choose the sheet with data", path=path)
    info = TableInfo(source=str(path), format="xlsx", sheet=read.name)
    frame, info = frame_from_grid(
        read.grid, info, first_row=read.first_row, first_col=read.first_col
    )
    return attach(frame, with_problems(info, *_merged_problems(read, info.header_row)))


def _merged_problems(read: excel.SheetGrid, header_row: int) -> list[Problem]:
    """Merged cells show one value across several cells, but only the first holds it."""
    problems = []
    for (top, left), (bottom, right) in read.merged:
        if bottom + 1 < header_row:
            continue
        first = f"{column_letters(left + 1)}{top + 1}"
        cells = f"{first}:{column_letters(right + 1)}{bottom + 1}"
        at_row, at_column = top + 1 - read.first_row, left + 1 - read.first_col
        header_at = header_row - read.first_row
        column = ""
        if 0 <= at_column < read.grid.shape[1]:
            column = str(read.grid.iat[header_at, at_column]).strip()
        problems.append(
            Problem(
                top + 1 if top + 1 > header_row and at_row >= 0 else None,
                column,
                "",
                "merged_cells",
                WARNING,
                f"Cells {cells} are merged: usikit reads the value in {first} only and the "
                "other cells as empty; unmerge them (Home > Merge & Center) and fill in each "
                "cell",
            )
        )
    return problems


def _binary(path: Path, head: bytes) -> InputError:
    if not head.strip(b"\x00"):
        return InputError(
            "holds nothing but zero bytes, as a file damaged while it was being saved does; "
            "export or save it again",
            path=path,
        )
    if detect.nul_damaged_text(head):
        return nul_error(path, head[: head.index(b"\x00")].count(b"\n") + 1)
    return InputError(
        "does not look like a spreadsheet (it holds binary data); "
        "choose the CSV or Excel file itself",
        path=path,
    )


name_checks(
    {
        "merged_cells": "merged cells",
    }
)
