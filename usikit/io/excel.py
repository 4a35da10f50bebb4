"""Reading workbooks (XLSX, XLSM, XLS, ODS) with calamine, turning cells into the text shown."""

from __future__ import annotations

import datetime as dt
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

import pandas as pd
from python_calamine import CalamineWorkbook, SheetTypeEnum, SheetVisibleEnum

from usikit.errors import Do, InputError, step
from usikit.io.extent import Budget, Extent, check_ods, check_xls, check_xlsx, check_xlsx_sheet
from usikit.io.formula_errors import formula_errors
from usikit.io.limits import Deadline, ReadLimits

EXCEL_DIGITS = 15  # Excel keeps and shows at most 15 significant digits


class SheetGrid(NamedTuple):
    """One sheet's used range as text, and where it sits in the sheet (1-based)."""

    grid: pd.DataFrame
    first_row: int
    first_col: int
    name: str
    merged: list[tuple[tuple[int, int], tuple[int, int]]]  # 0-based (top, left), (bottom, right)


def read_sheet(
    path: Path, sheet: str | None, limits: ReadLimits, deadline: Deadline, *, container: str
) -> SheetGrid:
    """The used range of one sheet as text, with the sheet row and column it starts at.

    `container` is "zip" (XLSX, XLSM, ODS) or "ole" (XLS). The workbook is measured before
    the reader builds any grid (`usikit.io.extent`): what it unpacks to and how far its cells
    reach must fit `limits`.
    """
    budget = Budget(path, limits, deadline)
    ods = container == "zip" and _is_ods(path)
    if ods:
        check_ods(path, budget)
    elif container == "zip":
        check_xlsx(path, budget)
    else:
        check_xls(path, budget)
    workbook = _opened(path)
    name = _pick_sheet(workbook, sheet, path)
    if container == "zip" and not ods:
        check_xlsx_sheet(path, name, budget)
    try:
        worksheet = workbook.get_sheet_by_name(name)
        merged = list(worksheet.merged_cell_ranges or [])
        # The grid is built; its size was measured before, and is checked again here as the
        # reader itself counts it, before it becomes Python objects.
        Budget(path, limits, deadline).grid(Extent(1, 1, worksheet.height, worksheet.width), name)
        deadline.check()
        rows = worksheet.to_python(skip_empty_area=True)
    except BaseException as exc:
        if not _calamine_failure(exc):
            raise
        raise InputError(
            f"sheet '{name}' could not be read ({_reason(exc)}); "
            "save the workbook again in Excel or export the sheet as CSV",
            path=path,
        ) from None
    if not rows:
        raise InputError(
            f"sheet '{name}' is empty; choose the sheet with data: its sheets are "
            + ", ".join(f"'{n}'" for n in workbook.sheet_names),
            path=path,
        )
    start = worksheet.start or (0, 0)
    grid = _text_grid(rows, deadline)
    del rows
    for (row, column), shown in formula_errors(path, name).items():
        at_row, at_column = row - start[0], column - start[1]
        if 0 <= at_row < grid.shape[0] and 0 <= at_column < grid.shape[1]:
            grid.iat[at_row, at_column] = shown
    return SheetGrid(grid, start[0] + 1, start[1] + 1, name, merged)


def _opened(path: Path) -> CalamineWorkbook:
    try:
        return CalamineWorkbook.from_path(str(path))
    except BaseException as exc:  # calamine raises several types for unreadable workbooks
        if not _calamine_failure(exc):
            raise
        raise InputError(
            "could not be opened as a workbook "
            f"({_reason(exc)}); open it in Excel and save it again as .xlsx or .csv",
            path=path,
        ) from None


def _is_ods(path: Path) -> bool:
    """An OpenDocument spreadsheet says so in its first member, `mimetype`."""
    try:
        with zipfile.ZipFile(path) as archive:
            return "content.xml" in archive.namelist() and "xl/workbook.xml" not in (
                archive.namelist()
            )
    except (zipfile.BadZipFile, OSError, ValueError):
        return False


def _text_grid(rows: Sequence[Sequence[object]], deadline: Deadline) -> pd.DataFrame:
    """The rows as a frame of text, built column by column (a wide sheet would make a
    frame changed column by column crawl)."""
    columns = {}
    for position, cells in enumerate(zip(*rows, strict=True)):
        columns[position] = _as_text(pd.Series(cells, dtype=object))
        if position % 256 == 255:
            deadline.check()
    return pd.DataFrame(columns, index=pd.RangeIndex(len(rows)))


def _calamine_failure(exc: BaseException) -> bool:
    """An error of calamine's, including the panic of its Rust code on some damaged files
    (pyo3's PanicException derives from BaseException, so `except Exception` misses it)."""
    return isinstance(exc, Exception) or type(exc).__name__ == "PanicException"


def _pick_sheet(workbook: CalamineWorkbook, sheet: str | None, path: Path) -> str:
    names = list(workbook.sheet_names)
    if not names:
        raise InputError("the workbook has no sheets", path=path)
    if sheet is None:  # the first sheet a person sees that can hold cells (not a chart)
        shown = [
            m.name
            for m in workbook.sheets_metadata
            if m.visible == SheetVisibleEnum.Visible and m.typ != SheetTypeEnum.ChartSheet
        ]
        if shown:
            return shown[0]
        hidden = ", ".join(f"'{m.name}'" for m in workbook.sheets_metadata)
        raise InputError(
            f"has no visible sheet (its sheets, {hidden}, are all hidden), and usikit does not "
            "read a hidden sheet unasked; unhide the sheet with the records in Excel (right-"
            "click a sheet tab > Unhide) and save",
            path=path,
            next_step=step(Do.CHOOSE_SHEET),
        )
    if sheet in names:
        return sheet
    folded = {n.casefold().strip(): n for n in names}
    if sheet.casefold().strip() in folded:
        return folded[sheet.casefold().strip()]
    listing = ", ".join(f"'{n}'" for n in names)
    raise InputError(f"has no sheet named '{sheet}'; its sheets are {listing}", path=path)


def _as_text(column: pd.Series) -> pd.Series:
    if pd.api.types.infer_dtype(column, skipna=False) == "string":
        return column.astype(str)
    return column.map(cell_text).astype(str)


def cell_text(value: object) -> str:
    """The text Excel shows for a cell in the General format (dates as dd/mm/yyyy)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _number_text(value)
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return value.strftime("%d/%m/%Y")
        return value.strftime("%d/%m/%Y ") + _time_text(value.time())
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, dt.time):
        return _time_text(value)
    if isinstance(value, dt.timedelta):
        return str(value)
    return str(value)


def _number_text(value: float) -> str:
    if value != value:  # NaN
        return ""
    if value.is_integer() and abs(value) < 10**EXCEL_DIGITS:
        return str(int(value))
    return format(value, f".{EXCEL_DIGITS}g").replace("e", "E")


def _time_text(value: dt.time) -> str:
    return value.strftime("%H:%M:%S" if value.second else "%H:%M")


def _reason(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text[:120]
