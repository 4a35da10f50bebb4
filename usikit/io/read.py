"""`read_table`: any spreadsheet a data officer has, as a DataFrame of text."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
from openpyxl.utils import get_column_letter

from usikit.errors import InputError
from usikit.io import detect, excel, text
from usikit.io.tableinfo import TableInfo, attach, with_problems
from usikit.privacy import mask
from usikit.problems import ERROR, WARNING, Problem, name_checks

ROW_INDEX_NAME = "row"
SEPARATOR_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
_MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?"
# What in a cell could be a date of birth or an identity-document number: a date (14/03/1990,
# 1990-03-14, 14.3.90, 14 Mar 1990, March 14, 1990) or a run of six or more digits, maybe
# spaced or hyphenated and after a few letters (N1234567, 2123 45670 1).
_SENSITIVE_TEXT = re.compile(
    r"\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}"
    rf"|\d{{1,2}}[ -]{_MONTH}[ -]\d{{2,4}}"
    rf"|{_MONTH} \d{{1,2}},? \d{{4}}"
    r"|[A-Za-z]{0,3}\d(?:[ -]?\d){5,}",
    re.IGNORECASE,
)


def read_table(
    path: str | Path,
    *,
    sep: str | None = None,
    sheet: str | None = None,
    max_bytes: int | None = None,
) -> pd.DataFrame:
    """Read a CSV/TSV/TXT or workbook so that every cell is the text the user saw.

    The index holds spreadsheet row numbers (header = 1). Header problems the reader
    noticed travel with the frame (`usikit.io.tableinfo.table_info`) so that the
    validation report can show them. Unusable files raise `InputError`.
    """
    path = Path(path)
    size = _checked_size(path, max_bytes)
    head = _read_bytes(path, limit=detect.SAMPLE_BYTES)
    kind = detect.file_kind(head[:8], head)
    if kind == "binary":
        raise _binary(path, head)
    if kind == "text":
        if sheet is not None:
            raise InputError(
                "is a text (CSV) file and has no sheets; leave out the sheet name", path=path
            )
        return _read_text(path, _read_bytes(path) if size > len(head) else head, sep)
    if sep is not None and kind == "zip":
        raise InputError("is a workbook, not a CSV file; leave out the separator", path=path)
    if kind == "ole" and detect.is_encrypted_workbook(_read_bytes(path)):
        raise InputError(
            "is protected with a password; open it in Excel, remove the password "
            "(File > Info > Protect Workbook > Encrypt with Password) and save a copy",
            path=path,
        )
    return _read_workbook(path, sheet)


def _checked_size(path: Path, max_bytes: int | None) -> int:
    if not path.exists():
        raise InputError("file not found; check the folder and the file name", path=path)
    if path.is_dir():
        raise InputError("is a folder, not a file; choose a file inside it", path=path)
    size = path.stat().st_size
    if size == 0:
        raise InputError("is empty (0 bytes); export or save the spreadsheet again", path=path)
    if max_bytes is not None and size > max_bytes:
        raise InputError(
            f"is {_human_size(size)}, over the {_human_size(max_bytes)} limit; "
            "split it into smaller files or raise the limit",
            path=path,
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


def _read_text(path: Path, data: bytes, sep: str | None) -> pd.DataFrame:
    encoding = detect.bom_encoding(data) or detect.utf16_without_bom(data) or "utf-8"
    chosen = None if sep is None else _checked_sep(sep, path)
    try:
        return _parse_text(path, data, encoding, chosen)
    except UnicodeDecodeError:
        if encoding != "utf-8":
            raise _undecodable(path) from None
    try:  # sniffed again: what the sample says depends on how it is decoded
        return _parse_text(path, data, text.FALLBACK_ENCODING, chosen)
    except UnicodeDecodeError:
        raise _undecodable(path) from None


def _parse_text(path: Path, data: bytes, encoding: str, sep: str | None) -> pd.DataFrame:
    """The text file read in `encoding`; UnicodeDecodeError when it is not in it."""
    sample = detect.decode_sample(data, encoding)
    if not sample.strip():
        raise InputError("holds no text, only blank lines; choose the file with data", path=path)
    if detect.looks_like_markup(sample):
        raise InputError(
            "is a web page or XML file, not a spreadsheet (some systems save their exports "
            "so, with an .xls name); open it in Excel and save it as Excel Workbook (.xlsx) "
            "or CSV UTF-8",
            path=path,
        )
    declared = detect.separator_directive(sample)
    if declared is not None:
        sample = detect.without_directive(sample)
        if sep is None:
            sep = _checked_sep(declared, path)
    chosen = sep if sep is not None else detect.sniff_separator(sample)
    width = detect.first_record_width(sample, chosen)
    try:
        grid, extra = text.parse_grid(data, encoding, chosen, width)
    except UnicodeDecodeError:
        raise  # not this encoding: the caller tries the next one
    except pd.errors.EmptyDataError:
        raise InputError("holds no records; choose the file with data", path=path) from None
    except (pd.errors.ParserError, ValueError) as exc:
        raise InputError(
            f"could not be read as CSV ({quoted_text(str(exc).splitlines()[0])[:120]}); "
            "open it in Excel and save it again as CSV",
            path=path,
        ) from None
    first_row = 1
    if declared is not None:  # Excel hides the `sep=` line: the next line is its row 1
        grid.iloc[0] = ""
        first_row = 0
    _refuse_swallowed_lines(path, data, encoding, grid, chosen, width, first_row)
    info = TableInfo(source=str(path), format="csv", encoding=encoding, sep=chosen)
    frame, info = _frame_from_grid(grid, info, first_row=first_row, first_col=1, extra=extra)
    if encoding == text.FALLBACK_ENCODING:
        info = with_problems(info, *map(_mixed_encoding, text.utf8_read_as_cp1252(frame)))
    if sep is not None and frame.shape[1] == 1:
        hint = detect.sniff_separator(sample)
        if hint != chosen:
            info = with_problems(info, _separator_hint(frame.columns[0], chosen, hint))
    return attach(frame, info)


def _refuse_swallowed_lines(
    path: Path, data: bytes, encoding: str, grid: pd.DataFrame, sep: str, width: int, first_row: int
) -> None:
    """An unclosed quote hides records inside one cell: refuse rather than lose them.

    In a file whose quotes all have their partner, a cell holding lines holds them on
    purpose; only then (rarely) are the cells looked at.
    """
    ascii_quote = encoding in ("utf-8", "utf-8-sig", text.FALLBACK_ENCODING)
    quotes = data.count(b'"') if ascii_quote else data.decode(encoding).count('"')
    if quotes % 2 == 0:
        return
    found = text.swallowed_lines(grid, sep, width)
    if found is None:  # a stray quote inside a cell, such as 5'11" (read as it is)
        return
    position, column, breaks = found
    cell = f"row {position + first_row}, column {get_column_letter(column + 1)}"
    raise InputError(
        f"the cell in {cell} starts with a "
        f'quote (") that is not closed where the cell ends, so the next {breaks} lines of '
        "the file were read into that one cell; add the closing quote or remove the opening "
        "one, and save again",
        path=path,
    )


def _read_workbook(path: Path, sheet: str | None) -> pd.DataFrame:
    read = excel.read_sheet(path, sheet)
    if read.grid.empty:
        raise InputError(f"sheet '{read.name}' is empty; choose the sheet with data", path=path)
    info = TableInfo(source=str(path), format="xlsx", sheet=read.name)
    frame, info = _frame_from_grid(
        read.grid, info, first_row=read.first_row, first_col=read.first_col
    )
    return attach(frame, with_problems(info, *_merged_problems(read, info.header_row)))


def _merged_problems(read: excel.SheetGrid, header_row: int) -> list[Problem]:
    """Merged cells show one value across several cells, but only the first holds it."""
    problems = []
    for (top, left), (bottom, right) in read.merged:
        if bottom + 1 < header_row:
            continue
        first = f"{get_column_letter(left + 1)}{top + 1}"
        cells = f"{first}:{get_column_letter(right + 1)}{bottom + 1}"
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


def _frame_from_grid(
    grid: pd.DataFrame,
    info: TableInfo,
    *,
    first_row: int,
    first_col: int,
    extra: dict[int, list[str]] | None = None,
) -> tuple[pd.DataFrame, TableInfo]:
    """Split header from records, number rows as the spreadsheet does, report header faults."""
    filled = (grid != "").to_numpy().any(axis=1)
    for position, cells in (extra or {}).items():  # text beyond the header is text too
        filled[position] |= any(cell != "" for cell in cells)
    if not filled.any():
        raise InputError(
            "holds no text, only blank rows; choose the file with data", path=info.source
        )
    header_at = int(np.argmax(filled))
    _refuse_title_row(grid, header_at, extra or {}, header_at + first_row, info.source)
    header = [str(cell).replace("\ufeff", "").strip() for cell in grid.iloc[header_at]]
    body = grid.iloc[header_at + 1 :]
    keep = filled[header_at + 1 :]
    rows = np.arange(header_at + 1, len(grid)) + first_row
    body = body[keep] if not keep.all() else body
    body.index = pd.Index(rows[keep], name=ROW_INDEX_NAME)
    letters = [get_column_letter(first_col + j) for j in range(len(header))]
    problems: list[Problem] = []
    names, dropped = _name_columns(header, body, letters, problems)
    if dropped:
        body = body.drop(columns=body.columns[dropped])
    body.columns = names
    for position, cells in sorted((extra or {}).items()):
        if position > header_at and filled[position]:
            problems.append(_extra_cells_problem(position + first_row, len(header), cells))
    header_row = header_at + first_row
    return body, replace(info, header_row=header_row, problems=tuple(problems))


def quoted_text(text: str) -> str:
    """Cell text as an error message may quote it: the parts that look like a date or a
    long run of digits (a date of birth, a document number) masked (`usikit.privacy.mask`).

    A reader does not know yet which column a cell belongs to, so it masks by the look of
    the text; the shape stays visible (`14/03/1990` shows as `**/**/**90`).
    """
    return _SENSITIVE_TEXT.sub(lambda found: mask(found.group()), text)


def _refuse_title_row(
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


def _name_columns(
    header: list[str], body: pd.DataFrame, letters: list[str], problems: list[Problem]
) -> tuple[list[str], list[int]]:
    """Column names with blank and duplicate headers made unique and reported, never guessed."""
    names: list[str] = []
    dropped: list[int] = []
    seen: dict[str, str] = {}
    for position, (name, letter) in enumerate(zip(header, letters, strict=True)):
        if not name:
            values = body.iloc[:, position]
            filled = int((values != "").sum())
            if filled == 0:
                dropped.append(position)
                continue
            name = f"(no header, column {letter})"
            problems.append(_file_problem(name, "blank_header", _blank_header(letter, filled)))
        key = " ".join(name.casefold().split())
        if key in seen:
            problems.append(
                _file_problem(name, "duplicate_header", _duplicate_header(name, seen[key], letter))
            )
            name = f"{name} (column {letter})"
        else:
            seen[key] = letter
        names.append(name)
    return names, dropped


def _file_problem(column: str, check: str, message: str) -> Problem:
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


def _extra_cells_problem(row: int, width: int, cells: list[str]) -> Problem:
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


def _mixed_encoding(found: tuple[int, str, str, str]) -> Problem:
    row, column, value, meant = found
    return Problem(
        row,
        column,
        value,
        "mixed_encoding",
        ERROR,
        f"{column} '{value}' is probably '{meant}' saved in another text encoding (UTF-8) "
        "than the rest of the file (Windows-1252); correct it, then save the file as CSV UTF-8",
    )


def _separator_hint(header: str, chosen: str, hint: str) -> Problem:
    return _file_problem(
        header,
        "separator",
        f"With the {SEPARATOR_NAMES.get(chosen, repr(chosen))} separator the file has only one "
        f"column; it seems to use the {SEPARATOR_NAMES.get(hint, repr(hint))} separator: "
        "choose that one",
    )


def _checked_sep(sep: str, path: Path) -> str:
    aliases = {name: char for char, name in SEPARATOR_NAMES.items()} | {"\\t": "\t"}
    chosen = aliases.get(sep.lower(), sep)
    if len(chosen) != 1 or chosen in '"\r\n':
        raise InputError(
            f"the separator {sep!r} cannot be used; give one character such as , ; | or tab",
            path=path,
        )
    return chosen


def _binary(path: Path, head: bytes) -> InputError:
    if not head.strip(b"\x00"):
        return InputError(
            "holds nothing but zero bytes, as a file damaged while it was being saved does; "
            "export or save it again",
            path=path,
        )
    if detect.nul_damaged_text(head):
        line = head[: head.index(b"\x00")].count(b"\n") + 1
        return InputError(
            f"holds NUL characters (zero bytes; the first on line {line}), as a file damaged "
            "while it was being saved or a faulty export does; export it again, or delete "
            "them with a text editor",
            path=path,
        )
    return InputError(
        "does not look like a spreadsheet (it holds binary data); "
        "choose the CSV or Excel file itself",
        path=path,
    )


def _undecodable(path: Path) -> InputError:
    return InputError(
        "is not in a text encoding usikit recognises (UTF-8, UTF-16 or Windows-1252); "
        "in Excel choose Save As > CSV UTF-8",
        path=path,
    )


def _human_size(size: int) -> str:
    if size < 1024:
        return f"{size} bytes"
    scaled = float(size)
    for unit in ("KB", "MB", "GB"):
        scaled /= 1024
        if scaled < 1024 or unit == "GB":
            break
    return f"{scaled:.1f} {unit}"


name_checks(
    {
        "blank_header": "a column without a header",
        "duplicate_header": "a header used twice",
        "extra_cells": "more cells than headers",
        "merged_cells": "merged cells",
        "mixed_encoding": "text in two encodings",
        "separator": "another separator, it seems",
    }
)
