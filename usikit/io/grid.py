"""From a grid of cells (text or workbook) to the table `read_table` returns: the header found,
records numbered by spreadsheet row, header faults reported, never guessed."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import numpy as np
import pandas as pd

from usikit.errors import InputError
from usikit.io.limits import column_letters
from usikit.io.tableinfo import TableInfo
from usikit.privacy import mask_by_look
from usikit.problems import ERROR, Problem, name_checks

ROW_INDEX_NAME = "row"


def blank_cells(column: pd.Series) -> np.ndarray:
    """Cells holding nothing a person can see: empty, or only spaces and tabs (a line of
    spaces, or of separators and spaces, is no record)."""
    text = column.astype("str") if column.dtype == object else column
    return ((text == "") | text.str.isspace()).to_numpy(dtype=bool, na_value=True)


def filled_rows(grid: pd.DataFrame, extra: dict[int, list[str]] | None = None) -> np.ndarray:
    """Which rows of the grid hold any visible text (extra cells of over-long rows too)."""
    filled = np.zeros(len(grid), dtype=bool)
    for position in range(grid.shape[1]):
        filled |= ~blank_cells(grid.iloc[:, position])
    for position, cells in (extra or {}).items():
        filled[position] |= any(cell.strip() for cell in cells)
    return filled


def frame_from_grid(
    grid: pd.DataFrame,
    info: TableInfo,
    *,
    first_row: int,
    first_col: int,
    extra: dict[int, list[str]] | None = None,
) -> tuple[pd.DataFrame, TableInfo]:
    """Split header from records, number rows as the spreadsheet does, report header faults."""
    filled = filled_rows(grid, extra)
    if not filled.any():
        raise InputError(
            "holds no text, only blank rows; choose the file with data", path=info.source
        )
    header_at = int(np.argmax(filled))
    refuse_title_row(grid, header_at, extra or {}, header_at + first_row, info.source)
    header = [str(cell).replace("\ufeff", "").strip() for cell in grid.iloc[header_at]]
    body = grid.iloc[header_at + 1 :]
    keep = filled[header_at + 1 :]
    rows = np.arange(header_at + 1, len(grid)) + first_row
    body = body[keep] if not keep.all() else body
    body.index = pd.Index(rows[keep], name=ROW_INDEX_NAME)
    letters = [column_letters(first_col + j) for j in range(len(header))]
    problems: list[Problem] = []
    names, dropped = name_columns(
        header, lambda j: int((~blank_cells(body.iloc[:, j])).sum()), letters, problems
    )
    if dropped:
        body = body.drop(columns=body.columns[dropped])
    body.columns = names
    over = {p: c for p, c in (extra or {}).items() if p > header_at and filled[p]}
    if not trailing_separators(len(over), _any_text(over), int(keep.sum())):
        for position, cells in sorted(over.items()):
            problems.append(extra_cells_problem(position + first_row, len(header), cells))
    header_row = header_at + first_row
    return body, replace(info, header_row=header_row, problems=tuple(problems))


def trailing_separators(over: int, any_text: bool, records: int) -> bool:
    """Whether the cells beyond the header (on `over` of the `records`; `any_text`: some hold
    text) are only a separator ending the data rows, as some exports write: empty on every
    row that has them, and that on most rows. (One row with an empty cell too many is a value
    holding the separator: its cells moved.)"""
    return bool(over) and 2 * over >= records and not any_text


def _any_text(over: dict[int, list[str]]) -> bool:
    return any(cell.strip() for cells in over.values() for cell in cells)


def quoted_text(text: str) -> str:
    """Cell text as an error message may quote it: the parts that look like a date or a
    long run of digits (a date of birth, a document number) masked.

    A reader does not know yet which column a cell belongs to, so it masks by the look of
    the text; the shape stays visible (`14/03/1990` shows as `**/**/**90`).
    """
    return mask_by_look(text)


def refuse_title_row(
    grid: pd.DataFrame, header_at: int, extra: dict[int, list[str]], row: int, source: str
) -> None:
    """A title above the column names would be read as the header, and the column names
    as a record: refuse when the first row has one cell and most rows below have more."""
    header = (grid.iloc[header_at] != "").to_numpy()
    if header.sum() != 1:
        return
    below = (grid.iloc[header_at + 1 :] != "").to_numpy().sum(axis=1)
    for position, more in extra.items():
        if position > header_at:
            below[position - header_at - 1] += sum(1 for cell in more if cell != "")
    below = below[below > 0]
    if not below.size or (below > 1).sum() <= below.size / 2:
        return
    title = quoted_text(str(grid.iloc[header_at].iloc[int(np.argmax(header))]))
    shown = title if len(title) <= 60 else title[:59] + "\u2026"
    raise InputError(
        f"row {row} holds only '{shown}' but most rows below it have more cells: if it is a "
        "title, delete it and any rows above the column names, so that the column names are "
        "the first row, and save again",
        path=source,
    )


def name_columns(
    header: list[str],
    filled_cells: Callable[[int], int],
    letters: list[str],
    problems: list[Problem],
) -> tuple[list[str], list[int]]:
    """Column names with blank and duplicate headers made unique and reported, never guessed;
    `filled_cells(position)`: how many records have a value in that column (a column without
    a header and without values is dropped)."""
    names: list[str] = []
    dropped: list[int] = []
    seen: dict[str, str] = {}
    for position, (name, letter) in enumerate(zip(header, letters, strict=True)):
        if not name:
            filled = filled_cells(position)
            if filled == 0:
                dropped.append(position)
                continue
            name = f"(no header, column {letter})"
            problems.append(file_problem(name, "blank_header", _blank_header(letter, filled)))
        key = " ".join(name.casefold().split())
        if key in seen:
            problems.append(
                file_problem(name, "duplicate_header", _duplicate_header(name, seen[key], letter))
            )
            name = f"{name} (column {letter})"
        else:
            seen[key] = letter
        names.append(name)
    return names, dropped


def file_problem(column: str, check: str, message: str) -> Problem:
    """A problem with the whole file (no row)."""
    return Problem(None, column, "", check, ERROR, message)


def _blank_header(letter: str, filled: int) -> str:
    cells = "cell" if filled == 1 else "cells"
    return (
        f"Column {letter} has no header but {filled} {cells} with data; "
        "type a header for it or delete the column"
    )


def _duplicate_header(name: str, first: str, letter: str) -> str:
    return (
        f"The header '{name}' appears in column {first} and again in column {letter}; "
        "keep one column with that name and rename or delete the other"
    )


def extra_cells_problem(row: int, width: int, cells: list[str]) -> Problem:
    shown = ", ".join(repr(quoted_text(c)) for c in cells[:5]) + (" ..." if len(cells) > 5 else "")
    return Problem(
        row,
        "",
        shown,
        "extra_cells",
        ERROR,
        f"Row {row} has {width + len(cells)} cells but the header has {width}; "
        f"the extra cells ({shown}) belong to no column. A value probably holds the "
        "separator without quotes: fix the row or quote the value",
    )


name_checks(
    {
        "blank_header": "a column without a header",
        "duplicate_header": "a header used twice",
        "extra_cells": "more cells than headers",
    }
)
