"""Reading a text (CSV, TSV, TXT) file: its encoding, its separator and its records, within
the readers' limits (`usikit.io.limits`)."""

from __future__ import annotations

import codecs
import re
import threading
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from usikit.errors import InputError
from usikit.io import detect, text
from usikit.io.grid import file_problem, frame_from_grid, quoted_text
from usikit.io.limits import Deadline, ReadLimits, column_letters, human_size, over_limit
from usikit.io.tableinfo import TableInfo, attach, with_problems
from usikit.privacy import mask_by_look
from usikit.problems import ERROR, Problem, name_checks

SEPARATOR_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
# Marks each byte of a mostly UTF-8 file that is not UTF-8, so that its cell can be found.
STRAY = "\ue000"
WIDE_UNITS = {"utf-16-le": "<u2", "utf-16-be": ">u2", "utf-32-le": "<u4", "utf-32-be": ">u4"}


def read_text(
    path: Path, data: bytes, sep: str | None, limits: ReadLimits, deadline: Deadline
) -> pd.DataFrame:
    """The text file's records, in the encoding its bytes say (a BOM, UTF-16 without one,
    UTF-8, else Windows-1252 as Excel saves it)."""
    encoding = detect.bom_encoding(data) or detect.utf16_without_bom(data) or "utf-8"
    chosen = None if sep is None else checked_sep(sep, path)
    refuse_nul(path, data, encoding)
    if encoding not in ("utf-8", "utf-8-sig") or is_utf8(data):
        try:
            return _parse_text(path, data, encoding, chosen, limits, deadline)
        except UnicodeDecodeError:
            raise _undecodable(path) from None
    if mostly_utf8(data):  # a few bytes in another encoding: read them, and name their rows
        marked = marked_utf8(data)
        return _parse_text(path, marked, encoding, chosen, limits, deadline, stray=True)
    if encoding == "utf-8-sig":  # a UTF-8 BOM in front of text that is not UTF-8: no guess
        raise _undecodable(path)
    try:  # sniffed again: what the sample says depends on how it is decoded
        return _parse_text(path, data, text.FALLBACK_ENCODING, chosen, limits, deadline)
    except UnicodeDecodeError:
        raise _undecodable(path) from None


def is_utf8(data: bytes) -> bool:
    """Whether the bytes are UTF-8 throughout (checked by Arrow at memory speed)."""
    offsets = pa.py_buffer(np.array([0, len(data)], dtype=np.int64))
    whole = pa.Array.from_buffers(pa.large_string(), 1, [None, offsets, pa.py_buffer(data)])
    try:
        whole.validate(full=True)
    except pa.ArrowInvalid:
        return False
    return True


def mostly_utf8(data: bytes) -> bool:
    """Whether a file that is not UTF-8 throughout is UTF-8 with a few lines saved in another
    encoding: more of its lines with accented letters decode as UTF-8 than fail to."""
    accented, failed = utf8_line_counts(data)
    return accented - failed > failed


def utf8_line_counts(data: bytes) -> tuple[int, int]:
    """(lines with accented letters, lines that do not decode as UTF-8): counted part by part
    of a file cut at line ends, their sums decide as for the whole file."""
    failures: list[int] = []
    _FAILURES.found = failures
    data.decode("utf-8", errors="usikit-note")
    body = np.frombuffer(data, dtype=np.uint8)
    line_ends = np.flatnonzero(body == 10)
    accented = np.unique(np.searchsorted(line_ends, np.flatnonzero(body >= 0x80)))
    failed = np.unique(np.searchsorted(line_ends, np.asarray(failures, dtype=np.int64)))
    return len(accented), len(failed)


_FAILURES = threading.local()  # where each decoding in this thread notes its failures


def _note(error: UnicodeError) -> tuple[str, int]:
    assert isinstance(error, UnicodeDecodeError)
    _FAILURES.found.append(error.start)
    return "", error.end


codecs.register_error("usikit-note", _note)


def _mark_stray(error: UnicodeError) -> tuple[str, int]:
    """Each byte that is not UTF-8, as Windows-1252 reads it, after the STRAY mark."""
    assert isinstance(error, UnicodeDecodeError)
    stray = error.object[error.start : error.end]
    shown = "".join(STRAY + bytes([b]).decode(text.FALLBACK_ENCODING, "replace") for b in stray)
    return shown, error.end


codecs.register_error("usikit-stray", _mark_stray)


def marked_utf8(data: bytes) -> bytes:
    """The file as UTF-8, each stray byte read as Windows-1252 and marked (STRAY)."""
    return data.decode("utf-8", errors="usikit-stray").encode("utf-8")


def refuse_nul(path: Path, data: bytes, encoding: str) -> None:
    """NUL characters anywhere (not only in the part looked at first) mean a damaged file."""
    units = WIDE_UNITS.get(_unit_order(data, encoding))
    if units is None:
        at = data.find(b"\x00")
        if at >= 0:
            raise nul_error(path, data[:at].count(b"\n") + 1)
        return
    width = np.dtype(units).itemsize
    start = len(codecs.BOM_UTF32) if encoding == "utf-32" else 2 if encoding == "utf-16" else 0
    body = np.frombuffer(data[start : start + (len(data) - start) // width * width], units)
    nul = np.flatnonzero(body == 0)
    if nul.size:
        raise nul_error(path, int(np.count_nonzero(body[: nul[0]] == 10)) + 1)


def _unit_order(data: bytes, encoding: str) -> str:
    """The byte order of a UTF-16 or UTF-32 file, from its BOM when the name lacks it."""
    if encoding == "utf-16":
        return "utf-16-le" if data.startswith(codecs.BOM_UTF16_LE) else "utf-16-be"
    if encoding == "utf-32":
        return "utf-32-le" if data.startswith(codecs.BOM_UTF32_LE) else "utf-32-be"
    return encoding


def nul_error(path: Path, line: int) -> InputError:
    return InputError(
        f"holds NUL characters (zero bytes; the first on line {line}), as a file damaged "
        "while it was being saved or a faulty export does; export it again, or delete "
        "them with a text editor",
        path=path,
    )


def _parse_text(
    path: Path,
    data: bytes,
    encoding: str,
    sep: str | None,
    limits: ReadLimits,
    deadline: Deadline,
    *,
    stray: bool = False,
) -> pd.DataFrame:
    """The text file read in `encoding`; UnicodeDecodeError when it is not in it. `stray`:
    the file holds bytes marked by `marked_utf8`, whose cells are reported."""
    sample, chosen, declared, width = text_layout(path, data, encoding, sep, limits)
    _within_limits(path, data, width, limits)
    deadline.check()
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
    deadline.check()
    first_row = 1
    if declared is not None:  # Excel hides the `sep=` line: the next line is its row 1
        grid.iloc[0] = ""
        first_row = 0
    _refuse_swallowed_lines(path, data, encoding, grid, chosen, width, first_row)
    info = TableInfo(source=str(path), format="csv", encoding=encoding, sep=chosen)
    frame, info = frame_from_grid(grid, info, first_row=first_row, first_col=1, extra=extra)
    if encoding == text.FALLBACK_ENCODING:
        info = with_problems(info, *map(_mixed_encoding, text.utf8_read_as_cp1252(frame)))
    elif stray:
        frame, found = _stray_cells(frame)
        info = with_problems(info, *found)
    if sep is not None and frame.shape[1] == 1:
        hint = detect.sniff_separator(sample)
        if hint != chosen:
            info = with_problems(info, _separator_hint(frame.columns[0], chosen, hint))
    return attach(frame, info)


def text_layout(
    path: Path, data: bytes, encoding: str, sep: str | None, limits: ReadLimits
) -> tuple[str, str, str | None, int]:
    """What the first records of a text file say: the sample read, the separator (given,
    declared by a `sep=` line, else sniffed), the declared one if any, and the header's
    width; a file with no text, or a web page, is refused."""
    sample = _sample(path, data, encoding, limits)
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
            sep = checked_sep(declared, path)
    chosen = sep if sep is not None else detect.sniff_separator(sample)
    width = detect.first_record_width(sample, chosen)
    return sample, chosen, declared, width


def _sample(path: Path, data: bytes, encoding: str, limits: ReadLimits) -> str:
    """The first records for sniffing, with the whole first line that holds text (its cells
    are the columns, however long it is); refused when that line is over the line limit."""
    size = detect.SAMPLE_BYTES + limits.line
    window = detect.decode_sample(data, encoding, size=size)
    blank = re.match(r"(?:[ \t]*(?:\r\n|\r|\n))*", window)
    start = blank.end() if blank else 0
    line_end = re.compile(r"[\r\n]").search(window, start)
    if (line_end is None and len(data) > size) or (
        (line_end.start() if line_end else len(window)) - start > limits.line
    ):
        raise _line_too_long(path, window[:start].count("\n") + 1, None, limits)
    return window


def _within_limits(path: Path, data: bytes, width: int, limits: ReadLimits) -> None:
    """Columns, and cells (lines x columns, an upper bound), within the limits before the
    file is parsed: a short line of separators can stand for thousands of cells."""
    if width > limits.columns:
        raise over_limit(
            path,
            f"has {width:,} columns in its first line (to column {column_letters(width)}), "
            f"over the limit of {limits.columns:,}",
            "columns",
            width,
        )
    _lines_within(path, data, limits)
    lines = (data.count(b"\n") or data.count(b"\r")) + 1  # a lone CR ends Excel for Mac's
    if lines * width > limits.cells:
        raise over_limit(
            path,
            f"has {lines:,} lines of {width:,} columns ({lines * width:,} cells), over the "
            f"limit of {limits.cells:,} cells",
            "cells",
            lines * width,
        )


def _lines_within(path: Path, data: bytes, limits: ReadLimits, before: int = 0) -> None:
    """Every line within the line limit (a line of millions of cells would be held cell by
    cell by the parsers that read rows longer than the header); `data` may be a part of the
    file that starts after `before` lines, which the message counts."""
    if len(data) <= limits.line:  # only data longer than the limit can hold such a line
        return
    body = np.frombuffer(data, dtype=np.uint8)
    ends = np.flatnonzero((body == 10) | (body == 13))
    bounds = np.concatenate([[-1], ends, [len(body)]])
    lengths = np.diff(bounds) - 1
    longest = int(np.argmax(lengths))
    if lengths[longest] > limits.line:
        line = before + int(np.count_nonzero(body[: bounds[longest] + 1] == 10)) + 1
        raise _line_too_long(path, line, int(lengths[longest]), limits)


def _line_too_long(path: Path, line: int, length: int | None, limits: ReadLimits) -> InputError:
    limit = human_size(limits.line)
    if length:
        reason = f"line {line} is {human_size(length)} long, over the limit of {limit} for one line"
    else:
        reason = f"line {line} is longer than {limit}, the limit for one line"
    return over_limit(
        path,
        reason + " (no record needs that much: a record whose cells never end, or a file that "
        "is not a table)",
        "line",
        max(length or 0, limits.line) * 2,
    )


def _stray_cells(frame: pd.DataFrame) -> tuple[pd.DataFrame, list[Problem]]:
    """Cells of a UTF-8 file holding bytes saved in another encoding: read as Windows-1252
    reads them, and each reported on its row (the rest of the file is not touched)."""
    frame.columns = [str(name).replace(STRAY, "") for name in frame.columns]
    problems = []
    for name in frame.columns:
        values = frame[name]
        marked = values.str.contains(STRAY, regex=False).to_numpy(dtype=bool, na_value=False)
        if not marked.any():
            continue
        cleaned = values[marked].str.replace(STRAY, "", regex=False)
        for row, value in cleaned.items():
            shown = quoted_text(value)
            problems.append(
                Problem(
                    int(row),
                    str(name),
                    shown,
                    "mixed_encoding",
                    ERROR,
                    f"{name} '{shown}' holds characters saved in another text encoding "
                    "(Windows-1252) than the rest of the file (UTF-8); it was read as shown: "
                    "check it, then save the file as CSV UTF-8",
                )
            )
        frame[name] = values.where(~marked, values.str.replace(STRAY, "", regex=False))
    return frame, problems


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
    cell = f"row {position + first_row}, column {column_letters(column + 1)}"
    raise InputError(
        f"the cell in {cell} starts with a "
        f'quote (") that is not closed where the cell ends, so the next {breaks} lines of '
        "the file were read into that one cell; add the closing quote or remove the opening "
        "one, and save again",
        path=path,
    )


def _mixed_encoding(found: tuple[int, str, str, str]) -> Problem:
    row, column, value, meant = found
    shown, read_as = mask_by_look(value), mask_by_look(meant)
    return Problem(
        row,
        column,
        shown,
        "mixed_encoding",
        ERROR,
        f"{column} '{shown}' is probably '{read_as}' saved in another text encoding (UTF-8) "
        "than the rest of the file (Windows-1252); correct it, then save the file as CSV UTF-8",
    )


def _separator_hint(header: str, chosen: str, hint: str) -> Problem:
    return file_problem(
        header,
        "separator",
        f"With the {SEPARATOR_NAMES.get(chosen, repr(chosen))} separator the file has only one "
        f"column; it seems to use the {SEPARATOR_NAMES.get(hint, repr(hint))} separator: "
        "choose that one",
    )


def checked_sep(sep: str, path: Path) -> str:
    aliases = {name: char for char, name in SEPARATOR_NAMES.items()} | {"\\t": "\t"}
    chosen = aliases.get(sep.lower(), sep)
    if len(chosen) != 1 or chosen in '"\r\n':
        raise InputError(
            f"the separator {sep!r} cannot be used; give one character such as , ; | or tab",
            path=path,
        )
    return chosen


def _undecodable(path: Path) -> InputError:
    return InputError(
        "is not in a text encoding usikit recognises (UTF-8, UTF-16 or Windows-1252); "
        "in Excel choose Save As > CSV UTF-8",
        path=path,
    )


name_checks(
    {
        "mixed_encoding": "text in two encodings",
        "separator": "another separator, it seems",
    }
)
