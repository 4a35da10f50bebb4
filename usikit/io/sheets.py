"""Worksheets within Excel's limits, streamed row by row with shared styles.

A sheet holds at most 1,048,576 rows and 16,384 columns, and a cell at most 32,767
characters (Excel's specification; LibreOffice has the same row and column limits). A table
longer than that continues on further sheets (`Errors (2)`, ...), each with the header; a
table wider than that continues on further sheets that repeat its first `key_columns`; a
longer text is cut, with a note at its end saying how long it was. The rows are converted to
cells a chunk at a time, so memory stays bounded whatever the table's length.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from usikit.io.safety import formula_like_mask

FILLS = {
    "error": PatternFill("solid", fgColor="FFC7CE"),
    "warning": PatternFill("solid", fgColor="FFEB9C"),
    "ok": PatternFill("solid", fgColor="C6EFCE"),
    "info": PatternFill("solid", fgColor="DDEBF7"),
}
FILL_KEYS = (None, *FILLS)  # a cell's fill as a small code: its place here
TEXT = 8  # code bit: the cell is text that must be shown as typed (never a formula)
HEADER_FONT = Font(bold=True)
ILLEGAL_PATTERN = r"[\x00-\x08\x0b\x0c\x0e-\x1f]"  # what openpyxl's ILLEGAL_CHARACTERS_RE finds
FORMULA_PATTERN = r"^[=+\-@\t\r]"  # usikit.io.safety.FORMULA_TRIGGERS
SHOWN_FOR_ILLEGAL = "\ufffd"
MIN_WIDTH, MAX_WIDTH, WIDTH_SAMPLE = 8, 60, 1000
CHUNK_ROWS = 20_000  # rows turned into cells at a time: bounds the memory a sheet needs
TITLE_LENGTH = 31
TITLE_FORBIDDEN = str.maketrans({c: "_" for c in "[]:*?/\\"})


@dataclass(frozen=True)
class SheetLimits:
    """What one worksheet holds: rows (the header's included), columns, characters a cell."""

    rows: int = 1_048_576
    columns: int = 16_384
    cell_chars: int = 32_767


EXCEL = SheetLimits()  # Excel's specifications and limits


def excel_limits(limits: SheetLimits | None = None) -> SheetLimits:
    """`limits`, or Excel's (looked up when called, so that a test can lower them)."""
    return limits or EXCEL


@dataclass
class Sheet:
    """One table to write as a worksheet, plus optional cell fills.

    `fills` maps (record position, column name) to a key of `FILLS`; `cell_fills` says the
    same for many cells at once (a frame with columns position, column, fill; a later line
    wins); `column_fills` maps a column name to a Series of fill keys aligned with the rows.
    `key_columns` leading columns are repeated on each sheet a too wide table continues on.
    """

    name: str
    frame: pd.DataFrame
    fills: Mapping[tuple[int, str], str] = field(default_factory=dict)
    column_fills: Mapping[str, pd.Series] = field(default_factory=dict)
    cell_fills: pd.DataFrame | None = None
    key_columns: int = 0


@dataclass(frozen=True)
class SheetWritten:
    """Where one table went: the sheets it fills, and how many of its cells were cut."""

    name: str
    titles: tuple[str, ...]
    rows: int
    columns: int
    cut_cells: int = 0

    def notes(self, limits: SheetLimits = EXCEL) -> list[str]:
        """What a reader should know about this table in the workbook, in words."""
        notes = []
        if len(self.titles) > 1:
            why = []
            if self.rows > limits.rows - 1:
                why.append(f"{limits.rows - 1:,} rows under its header")
            if self.columns > limits.columns:
                why.append(f"{limits.columns:,} columns")
            size = f"{self.rows:,} rows"
            if self.columns > limits.columns:
                size += f" of {self.columns:,} columns"
            notes.append(
                f"{self.name}: {size}, continued on sheets {', '.join(self.titles[1:])} "
                f"(an Excel sheet holds {' and '.join(why)})"
            )
        if self.cut_cells:
            cells = "cell" if self.cut_cells == 1 else "cells"
            notes.append(
                f"{self.name}: {self.cut_cells:,} {cells} cut to Excel's {limits.cell_chars:,} "
                "characters, each ending with how long it was (a CSV keeps the whole text)"
            )
        return notes


def parts(rows: int, columns: int, key_columns: int, limits: SheetLimits) -> list[tuple]:
    """The (row range, column positions) of each sheet a rows x columns table needs."""
    per_sheet = limits.rows - 1
    row_ranges = [(start, min(rows, start + per_sheet)) for start in range(0, rows, per_sheet)]
    if columns <= limits.columns:
        column_sets = [list(range(columns))]
    else:
        keys = min(key_columns, limits.columns - 1)
        width = limits.columns - keys
        column_sets = [
            list(range(keys)) + list(range(start, min(columns, start + width)))
            for start in range(keys, columns, width)
        ]
    return [(r, c) for r in (row_ranges or [(0, 0)]) for c in column_sets]


def titles(name: str, count: int, taken: set[str]) -> tuple[str, ...]:
    """`count` sheet titles for one table: NAME, NAME (2), ...; valid in Excel and not taken
    (titles are compared without case, as Excel does)."""
    base = name.translate(TITLE_FORBIDDEN).strip("'") or "Sheet"
    chosen: list[str] = []
    number = 1
    while len(chosen) < count:
        suffix = "" if number == 1 else f" ({number})"
        title = base[: TITLE_LENGTH - len(suffix)] + suffix
        number += 1
        if title.casefold() in taken:
            continue
        taken.add(title.casefold())
        chosen.append(title)
    return tuple(chosen)


def write_sheet(workbook, sheet: Sheet, limits: SheetLimits, taken: set[str]) -> SheetWritten:
    """Stream `sheet` into a write-only workbook, on as many worksheets as the limits need."""
    frame = sheet.frame
    text = TextCells(frame, limits.cell_chars)
    codes = _Codes(frame, sheet, text.formula_like)
    layout = parts(len(frame), frame.shape[1], sheet.key_columns, limits)
    names = titles(sheet.name, len(layout), taken)
    header = [_header(name, limits.cell_chars) for name in frame.columns]
    widths = _widths(frame)
    for title, ((start, stop), columns) in zip(names, layout, strict=True):
        worksheet = workbook.create_sheet(title=title)
        worksheet.freeze_panes = "A2"
        for place, j in enumerate(columns, start=1):
            worksheet.column_dimensions[get_column_letter(place)].width = widths[j]
        if columns:
            worksheet.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{stop - start + 1}"
        cells = _Cells(worksheet)
        worksheet.append([cells.make(header[j], font=HEADER_FONT) for j in columns])
        for rows in _rows(frame, start, stop, columns, text, codes, cells):
            for row in rows:
                worksheet.append(row)
    return SheetWritten(sheet.name, names, len(frame), frame.shape[1], text.cut_cells)


def _rows(frame, start, stop, columns, text, codes, cells) -> Iterator[list]:
    """The rows start..stop of `columns`, a chunk at a time, as openpyxl appends them."""
    arrays = [frame.iloc[:, j].array for j in columns]
    for begin in range(start, stop, CHUNK_ROWS):
        end = min(stop, begin + CHUNK_ROWS)
        values = [
            text.values(j, array[begin:end], begin)
            for j, array in zip(columns, arrays, strict=True)
        ]
        rows: list = list(zip(*values, strict=True)) if values else [()] * (end - begin)
        chunk = codes.chunk(begin, end, columns)
        for position in np.flatnonzero(chunk.any(axis=1)).tolist():
            row = list(rows[position])
            for place in np.flatnonzero(chunk[position]).tolist():
                code = int(chunk[position, place])
                fill = FILL_KEYS[code & 7]
                row[place] = cells.make(row[place], fill=fill, text=bool(code & TEXT))
            rows[position] = row
        yield rows


class TextCells:
    """The frame's values as cells take them: empty text left out, characters a workbook
    cannot hold replaced, texts longer than a cell cut; found by vectorised scans first."""

    def __init__(self, frame: pd.DataFrame, cell_chars: int) -> None:
        self.cell_chars = cell_chars
        self.cut_cells = 0
        self.fix: dict[int, np.ndarray] = {}  # column -> sorted positions needing a fix
        self.formula_like: dict[int, np.ndarray] = {}
        self.textual: set[int] = set()
        for j in range(frame.shape[1]):
            column = frame.iloc[:, j]
            if not (pd.api.types.is_object_dtype(column) or pd.api.types.is_string_dtype(column)):
                continue
            self.textual.add(j)
            if pd.api.types.is_string_dtype(column) and not pd.api.types.is_object_dtype(column):
                strings = column.str
                illegal = _flags(strings.contains(ILLEGAL_PATTERN, regex=True))
                long = _flags(strings.len() > cell_chars)
                formula = _flags(strings.contains(FORMULA_PATTERN, regex=True))
            else:  # mixed objects: the few such tables are small
                shown = column.map(lambda v: v if isinstance(v, str) else "")
                illegal = shown.str.contains(ILLEGAL_PATTERN, regex=True).to_numpy(dtype=bool)
                long = (shown.str.len() > cell_chars).to_numpy(dtype=bool)
                formula = formula_like_mask(column).to_numpy(dtype=bool)
            if illegal.any() or long.any():
                self.fix[j] = np.flatnonzero(illegal | long)
                self.cut_cells += int(long.sum())
            if formula.any():
                self.formula_like[j] = np.flatnonzero(formula)

    def values(self, j: int, array, begin: int) -> np.ndarray:
        """Column `j`'s chunk starting at row `begin` as Python values (None: no cell)."""
        values = array.to_numpy(dtype=object, na_value=None)
        if j not in self.textual:
            return values
        values[values == ""] = None
        positions = self.fix.get(j)
        if positions is not None:
            low, high = np.searchsorted(positions, (begin, begin + len(values)))
            for position in (positions[low:high] - begin).tolist():
                values[position] = fit(values[position], self.cell_chars)
        return values


def _flags(found: pd.Series) -> np.ndarray:
    return found.to_numpy(dtype=bool, na_value=False)


def fit(value: object, cell_chars: int) -> object:
    """A text a cell can hold: control characters shown as a mark, a too long text cut with
    a note of its length at its end."""
    if not isinstance(value, str):
        return value
    text = ILLEGAL_CHARACTERS_RE.sub(SHOWN_FOR_ILLEGAL, value)
    if len(text) <= cell_chars:
        return text
    note = f"\u2026 [cut to fit an Excel cell: {len(text):,} characters in all]"
    return text[: max(0, cell_chars - len(note))] + note[:cell_chars]


def _header(name: object, cell_chars: int) -> str:
    return str(fit(str(name), cell_chars))


class _Codes:
    """Each cell's fill and whether it is text to show as typed, as a small code; kept
    sparse (only marked cells) so that a million-row sheet costs little memory."""

    def __init__(self, frame: pd.DataFrame, sheet: Sheet, formula_like: dict) -> None:
        where = {name: j for j, name in enumerate(frame.columns)}
        self.dense: dict[int, np.ndarray] = {}
        for name, keys in sheet.column_fills.items():
            self.dense[where[name]] = _fill_codes(pd.Series(keys).to_numpy(dtype=object))
        given = [
            (pd.Series([p for p, _ in sheet.fills]), pd.Series([n for _, n in sheet.fills]),
             pd.Series(list(sheet.fills.values()), dtype=object)),
        ]  # fmt: skip
        if sheet.cell_fills is not None:
            marks = sheet.cell_fills
            given.append((marks["position"], marks["column"], marks["fill"]))
        position_parts, column_parts, code_parts = [], [], []
        for positions, names, keys in given:
            known = names.isin(list(where)).to_numpy(dtype=bool)
            position_parts.append(positions.to_numpy(dtype="int64")[known])
            column_parts.append(names[known].map(where).to_numpy(dtype="int64"))
            code_parts.append(_fill_codes(keys.to_numpy(dtype=object)[known]))
        for j, found in formula_like.items():  # a text flag alongside any fill
            position_parts.append(found)
            column_parts.append(np.full(len(found), j, dtype="int64"))
            code_parts.append(np.full(len(found), TEXT, dtype="uint8"))
        position = np.concatenate(position_parts)
        column = np.concatenate(column_parts)
        code = np.concatenate(code_parts)
        width = max(1, frame.shape[1])
        cell = position * width + column
        order = np.argsort(cell, kind="stable")
        cell, code = cell[order], code[order]
        if len(cell):  # one code per cell: fills (the last given) and the text flag combined
            starts = np.r_[0, np.flatnonzero(np.diff(cell)) + 1]
            text = np.bitwise_or.reduceat(code & TEXT, starts)
            has_fill = (code & 7) > 0
            index = np.where(has_fill, np.arange(len(code)), -1)
            last = np.maximum.reduceat(index, starts)
            fill = np.where(last >= 0, code[np.maximum(last, 0)] & 7, 0).astype("uint8")
            cell, code = cell[starts], (fill | text).astype("uint8")
        self.width = width
        self.cell, self.code = cell, code

    def chunk(self, begin: int, end: int, columns: list[int]) -> np.ndarray:
        """The codes of rows begin..end, for `columns` (a table's columns on one sheet)."""
        codes = np.zeros((end - begin, self.width), dtype="uint8")
        for j, dense in self.dense.items():
            codes[:, j] = dense[begin:end]
        low, high = np.searchsorted(self.cell, (begin * self.width, end * self.width))
        cell, code = self.cell[low:high], self.code[low:high]
        rows, cols = np.divmod(cell, self.width)
        rows -= begin
        fill = code & 7
        keep = np.where(fill > 0, fill, codes[rows, cols] & 7)
        codes[rows, cols] = (keep | (code & TEXT)).astype("uint8")
        return codes[:, columns]


def _fill_codes(keys: np.ndarray) -> np.ndarray:
    """Fill keys as codes (0: no fill), one dictionary look-up per distinct key."""
    if not len(keys):
        return np.zeros(0, dtype="uint8")
    lookup = {key: code for code, key in enumerate(FILL_KEYS) if key}
    codes = pd.Series(keys, dtype=object).map(lookup)
    return codes.fillna(0).to_numpy(dtype="uint8")


class _Cells:
    """Styled cells for one sheet; each distinct style is built once and then copied."""

    def __init__(self, worksheet) -> None:
        self.worksheet = worksheet
        self.styles: dict[tuple, object] = {}

    def make(self, value, *, fill: str | None = None, font: Font | None = None, text=False):
        cell = WriteOnlyCell(self.worksheet, value=value)
        quote = False
        if isinstance(value, str) and (text or cell.data_type == "f"):
            cell.data_type = "s"  # text, never a formula
            quote = value.startswith(("=", "+", "-", "@", "\t", "\r"))
        key = (fill, font is not None, quote)
        style = self.styles.get(key)
        if style is not None:
            cell._style = copy.copy(style)  # openpyxl's style array: cheap to copy
            return cell
        cell.quotePrefix = quote
        if fill:
            cell.fill = FILLS[fill]
        if font is not None:
            cell.font = font
        self.styles[key] = copy.copy(cell._style)
        return cell


def _widths(frame: pd.DataFrame) -> list[float]:
    sample = frame.head(WIDTH_SAMPLE)
    widths = []
    for j, name in enumerate(frame.columns):
        values = sample.iloc[:, j]
        longest = values.astype(str).str.len().max() if len(sample) else 0
        widths.append(float(min(MAX_WIDTH, max(MIN_WIDTH, len(str(name)) + 2, (longest or 0) + 2))))
    return widths
