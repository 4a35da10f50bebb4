"""A text (CSV, TSV, TXT) file read a chunk of records at a time, so that a file larger than
memory can be validated: each chunk is a frame as `read_table` returns for the whole file.

What needs the whole file is learnt first. A scan of the bytes (a piece at a time) decides the
encoding as `read_table` decides it for the whole file and refuses NUL characters and
over-long lines wherever they are; the first pass over the records (`frames(final=False)`)
learns what the header's faults depend on (how many values a column without a header holds,
whether the cells beyond the header are only a trailing separator). Later passes give frames
whose rows, columns and reader problems are those of the whole-file read. A chunk ends only
where a record ends (a quoted cell's line breaks never cut).

Limits (`usikit.io.limits.ReadLimits`): the size, columns and line limits hold for the whole
file; the cells limit holds for each chunk (a streamed file may hold more cells in all: it is
never in memory at once); the time limit holds for each part read (a chunk, a piece of the
scan), since a file takes as long as its size needs (the size limit bounds that). UTF-16 and
UTF-32 files are not streamed (`open_stream` returns None).
"""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

from usikit.errors import InputError
from usikit.io import detect, text
from usikit.io.grid import (
    ROW_INDEX_NAME,
    blank_cells,
    extra_cells_problem,
    filled_rows,
    name_columns,
    quoted_text,
    refuse_title_row,
    trailing_separators,
)
from usikit.io.limits import (
    CHUNK_RECORDS,
    ReadLimits,
    column_letters,
    human_size,
    over_limit,
)
from usikit.io.read import _checked_size, _read_bytes
from usikit.io.tableinfo import TableInfo, attach
from usikit.io.textfile import (
    STRAY,
    _lines_within,
    _mixed_encoding,
    _refuse_swallowed_lines,
    _separator_hint,
    _stray_cells,
    _undecodable,
    checked_sep,
    is_utf8,
    marked_utf8,
    nul_error,
    text_layout,
    utf8_line_counts,
)
from usikit.problems import Problem

PIECE = 32 * 1024 * 1024  # bytes read from disk at a time
CHUNK_BYTES = 128 * 1024 * 1024  # and at most this much text, whatever the records hold


@dataclass(frozen=True)
class _Bytes:
    """What the scan of the whole file's bytes found."""

    encoding: str
    stray: bool  # UTF-8 with a few bytes in another encoding, marked (`marked_utf8`)
    terminator: int  # the byte ending lines: LF, or CR in files saved by Excel for Mac


@dataclass
class _Facts:
    """What the header's faults depend on, counted over every record."""

    blank_filled: dict[int, int] = field(default_factory=dict)
    over: int = 0
    over_text: bool = False
    records: int = 0


class ReadClock:
    """The time spent reading one chunk (or one piece of the scan), whatever is done between
    chunks, against the time limit: a file of any size takes as long as its size needs, and
    no part of it may take longer than the limit."""

    def __init__(self, limits: ReadLimits, path: Path) -> None:
        self.limits, self.path, self.spent = limits, path, 0.0

    def lap(self) -> None:
        """A chunk read: the next one has the whole limit."""
        self.spent = 0.0

    def add(self, started: float) -> None:
        self.spent += time.monotonic() - started
        if self.spent > self.limits.seconds:
            raise over_limit(
                self.path,
                f"took longer than {self.limits.seconds:g} seconds to read, the time limit",
                "seconds",
                self.limits.seconds * 4,
            )


def open_stream(
    path: str | Path,
    *,
    sep: str | None = None,
    limits: ReadLimits | None = None,
    chunk_records: int = CHUNK_RECORDS,
) -> TextStream | None:
    """The file as a stream of chunks, or None when it is not a text file that can be read
    so (a workbook, or UTF-16/32 text): read it whole with `read_table`."""
    path = Path(path)
    chosen = limits if limits is not None else ReadLimits.default()
    _checked_size(path, chosen.bytes)
    head = _read_bytes(path, limit=detect.SAMPLE_BYTES)
    if detect.file_kind(head[:8], head) != "text":
        return None
    encoding = detect.bom_encoding(head) or detect.utf16_without_bom(head) or "utf-8"
    if encoding not in ("utf-8", "utf-8-sig"):
        return None
    return TextStream(path, sep, chosen, chunk_records, encoding)


class TextStream:
    """A text file's records, a chunk at a time (see the module's docstring)."""

    def __init__(
        self, path: Path, sep: str | None, limits: ReadLimits, chunk_records: int, encoding: str
    ) -> None:
        self.path, self.limits, self.chunk_records = path, limits, max(1, chunk_records)
        self.clock = ReadClock(limits, path)
        started = time.monotonic()
        self.bytes = _scan(path, encoding, limits, self.clock)
        with path.open("rb") as handle:
            first = handle.read(PIECE)
        if self.bytes.stray:
            first = marked_utf8(first)
        chosen = None if sep is None else checked_sep(sep, path)
        sample, self.sep, declared, self.width = text_layout(
            path, first, self.bytes.encoding, chosen, limits
        )
        self.declared = declared is not None
        self.sample = sample
        self.given_sep = chosen is not None
        if self.width > limits.columns:
            raise over_limit(
                path,
                f"has {self.width:,} columns in its first line (to column "
                f"{column_letters(self.width)}), over the limit of {limits.columns:,}",
                "columns",
                self.width,
            )
        # A chunk within the cells limit however wide the records (lines with quoted line
        # breaks count as lines: the limit is checked again on each chunk).
        self.chunk_records = max(1, min(self.chunk_records, limits.cells // (2 * self.width)))
        self.facts: _Facts | None = None  # known once a pass has read every record
        self.clock.add(started)

    def frames(self, *, final: bool = True) -> Iterator[pd.DataFrame]:
        """The records, a frame of at most `chunk_records` lines at a time, each numbered by
        spreadsheet row and carrying its reader problems (`usikit.io.tableinfo`) and the
        file's own. A pass with `final=False` learns what the header's faults depend on;
        with `final` (the default) such a pass is made first when none has been."""
        if final and self.facts is None:
            for _ in self.frames(final=False):
                pass
        learning = _Facts() if self.facts is None else None
        header: _Header | None = None
        offset = 0
        for block in _blocks(self.path, self.sep, self.bytes.terminator, self):
            started = time.monotonic()
            grid, extra = self._grid(block, offset)
            if offset == 0:
                header = _Header.of(self, grid, extra, self.facts)
            assert header is not None
            frame, problems = header.body(grid, extra, offset, learning, self.facts)
            offset += len(grid)
            self.clock.add(started)
            self.clock.lap()
            yield attach(frame, replace(header.info, problems=header.file + tuple(problems)))
        if learning is not None:
            self.facts = learning
        if header is None:
            raise InputError("holds no records; choose the file with data", path=self.path)

    def _grid(self, block: bytes, offset: int) -> tuple[pd.DataFrame, dict[int, list[str]]]:
        first = offset == 0
        lines = block.count(bytes([self.bytes.terminator])) + 1
        if lines * self.width > self.limits.cells:
            raise over_limit(
                self.path,
                f"has {lines:,} lines of {self.width:,} columns ({lines * self.width:,} cells) "
                f"in one part read, over the limit of {self.limits.cells:,} cells",
                "cells",
                lines * self.width,
            )
        encoding = self.bytes.encoding
        if not first and encoding == "utf-8-sig":
            encoding = "utf-8"
        data = marked_utf8(block) if self.bytes.stray else block
        try:
            grid, extra = text.parse_grid(data, encoding, self.sep, self.width)
        except UnicodeDecodeError:
            raise _undecodable(self.path) from None
        except pd.errors.EmptyDataError:
            raise InputError(
                "holds no records; choose the file with data", path=self.path
            ) from None
        except (pd.errors.ParserError, ValueError) as exc:
            raise InputError(
                f"could not be read as CSV ({quoted_text(str(exc).splitlines()[0])[:120]}); "
                "open it in Excel and save it again as CSV",
                path=self.path,
            ) from None
        if first and self.declared:  # Excel hides the `sep=` line: the next line is its row 1
            grid.iloc[0] = ""
        first_row = offset + (0 if self.declared else 1)
        _refuse_swallowed_lines(self.path, data, encoding, grid, self.sep, self.width, first_row)
        return grid, extra


@dataclass
class _Header:
    """The header found in the first chunk, and how every chunk's body is framed by it."""

    stream: TextStream
    at: int  # the header's record position
    first_row: int  # the spreadsheet row of record position 0
    names: list[str]
    dropped: list[int]
    blank: list[int]  # positions of columns without a header
    info: TableInfo
    file: tuple[Problem, ...]  # problems with the whole file

    @classmethod
    def of(
        cls, stream: TextStream, grid: pd.DataFrame, extra: dict, facts: _Facts | None
    ) -> _Header:
        path = stream.path
        filled = filled_rows(grid, extra)
        if not filled.any():
            raise InputError("holds no text, only blank rows; choose the file with data", path=path)
        at = int(np.argmax(filled))
        first_row = 0 if stream.declared else 1
        refuse_title_row(grid, at, extra, at + first_row, str(path))
        header = [str(cell).replace("\ufeff", "").strip() for cell in grid.iloc[at]]
        letters = [column_letters(1 + j) for j in range(len(header))]
        blank = [j for j, name in enumerate(header) if not name]
        problems: list[Problem] = []
        counts = facts.blank_filled if facts is not None else dict.fromkeys(blank, 1)
        names, dropped = name_columns(header, lambda j: counts.get(j, 0), letters, problems)
        if stream.bytes.stray:
            names = [name.replace(STRAY, "") for name in names]
        file = list(problems)
        if stream.given_sep and len(names) == 1:
            hint = detect.sniff_separator(stream.sample)
            if hint != stream.sep:
                file.append(_separator_hint(names[0], stream.sep, hint))
        info = TableInfo(
            source=str(path),
            format="csv",
            encoding=stream.bytes.encoding,
            sep=stream.sep,
            header_row=at + first_row,
        )
        return cls(stream, at, first_row, names, dropped, blank, info, tuple(file))

    def body(
        self,
        grid: pd.DataFrame,
        extra: dict[int, list[str]],
        offset: int,
        learning: _Facts | None,
        facts: _Facts | None,
    ) -> tuple[pd.DataFrame, list[Problem]]:
        """The chunk's records (record positions from `offset`) as a frame, and their
        reader problems; what the header's faults depend on is counted into `learning`."""
        filled = filled_rows(grid, extra)
        start = self.at + 1 if offset == 0 else 0
        body = grid.iloc[start:]
        keep = filled[start:]
        rows = np.arange(start, len(grid)) + offset + self.first_row
        body = body[keep] if not keep.all() else body
        body.index = pd.Index(rows[keep], name=ROW_INDEX_NAME)
        over = {p: c for p, c in extra.items() if p >= start and filled[p]}
        if learning is not None:
            for j in self.blank:
                count = int((~blank_cells(body.iloc[:, j])).sum())
                learning.blank_filled[j] = learning.blank_filled.get(j, 0) + count
            learning.over += len(over)
            learning.over_text |= any(cell.strip() for cells in over.values() for cell in cells)
            learning.records += int(keep.sum())
        if self.dropped:
            body = body.drop(columns=body.columns[self.dropped])
        body.columns = self.names
        problems: list[Problem] = []
        if facts is not None and not trailing_separators(
            facts.over, facts.over_text, facts.records
        ):
            width = len(self.names) + len(self.dropped)
            for position, cells in sorted(over.items()):
                row = position + offset + self.first_row
                problems.append(extra_cells_problem(row, width, cells))
        if self.stream.bytes.encoding == text.FALLBACK_ENCODING:
            problems += map(_mixed_encoding, text.utf8_read_as_cp1252(body))
        elif self.stream.bytes.stray:
            body, found = _stray_cells(body)
            problems += found
        return body, problems


def _scan(path: Path, encoding: str, limits: ReadLimits, clock: ReadClock) -> _Bytes:
    """The whole file's bytes, a piece at a time: NUL characters and over-long lines refused,
    the encoding decided as `read_table` decides it for the whole file."""
    valid, accented, failed = True, 0, 0
    lines = 0  # lines before the piece looked at
    crs = lfs = 0
    carry = b""
    with path.open("rb") as handle:
        while True:
            started = time.monotonic()
            piece = handle.read(PIECE)
            data = carry + piece
            if not data:
                break
            cut = len(data) if not piece else max(data.rfind(b"\n"), data.rfind(b"\r")) + 1
            if cut <= 0 and len(data) <= limits.line:
                carry = data
                continue
            cut = cut if cut > 0 else len(data)
            part, carry = data[:cut], data[cut:]
            at = part.find(b"\x00")
            if at >= 0:
                raise nul_error(path, lines + part[:at].count(b"\n") + 1)
            _lines_within(path, part, limits, before=lines)
            valid = valid and is_utf8(part)
            found, bad = utf8_line_counts(part)
            accented, failed = accented + found, failed + bad
            lfs += part.count(b"\n")
            crs += part.count(b"\r")
            lines += part.count(b"\n")
            clock.add(started)
            clock.lap()
            if not piece:
                break
    terminator = 10 if lfs or not crs else 13
    if valid:
        return _Bytes(encoding, False, terminator)
    if accented - failed > failed:  # a few bytes in another encoding: read them, name them
        return _Bytes(encoding, True, terminator)
    if encoding == "utf-8-sig":
        raise _undecodable(path)
    return _Bytes(text.FALLBACK_ENCODING, False, terminator)


def _blocks(path: Path, sep: str, terminator: int, stream: TextStream) -> Iterator[bytes]:
    """The file cut into blocks of at most `chunk_records` whole records (a cell's line
    breaks inside quotes never cut)."""
    records, longest = stream.chunk_records, stream.limits.line
    data, ends = b"", np.zeros(0, dtype=np.int64)
    lines = 0
    with path.open("rb") as handle:
        while True:
            started = time.monotonic()
            piece = handle.read(PIECE)
            final = not piece
            done = int(ends[-1]) if len(ends) else 0
            data = data + piece
            found = done + _record_ends(data[done:], sep, terminator, final)
            ends = np.concatenate([ends, found])
            if final and len(data) and (not len(ends) or ends[-1] != len(data)):
                ends = np.append(ends, len(data))
            start, taken = 0, 0
            while taken < len(ends):
                count = taken + records
                if count > len(ends):
                    if not final and int(ends[-1]) - start < CHUNK_BYTES:
                        break
                    count = len(ends)
                fitting = int(np.searchsorted(ends, start + CHUNK_BYTES, side="right"))
                count = max(taken + 1, min(count, fitting))
                cut = int(ends[count - 1])
                block = data[start:cut]
                lines += block.count(bytes([terminator]))
                stream.clock.add(started)
                yield block
                started = time.monotonic()
                start, taken = cut, count
            if final:
                return
            data, ends = data[start:], ends[taken:] - start
            tail = len(data) - (int(ends[-1]) if len(ends) else 0)
            if tail > max(longest, PIECE):
                raise _record_too_long(path, lines + 1, longest)
            stream.clock.add(started)


def _record_ends(data: bytes, sep: str, terminator: int, final: bool) -> np.ndarray:
    """The offsets just past each whole record in `data` (which starts at a record's start);
    one ending at the data's end counts only at the end of the file (the rest of its cell,
    or the LF of a CR LF, may follow)."""
    if b'"' not in data:
        ends = np.flatnonzero(np.frombuffer(data, dtype=np.uint8) == terminator) + 1
    else:
        ends = _quoted_record_ends(data, sep)
    if not final and len(ends) and ends[-1] == len(data):
        ends = ends[:-1]
    return ends.astype(np.int64)


def _quoted_record_ends(data: bytes, sep: str) -> np.ndarray:
    """Record ends of data holding quotes, found by the csv module's reading of quoted cells
    (bytes read one to one as characters, so offsets stay byte offsets)."""
    content = data.decode("latin-1")
    csv.field_size_limit(max(csv.field_size_limit(), len(content) + 1))
    ends: list[int] = []
    position = 0

    def lines() -> Iterator[str]:
        nonlocal position
        for line in io.StringIO(content, newline=""):
            position += len(line)
            yield line

    try:
        for _ in csv.reader(lines(), delimiter=sep):
            if content[position - 1 : position] in ("\n", "\r"):
                ends.append(position)
    except csv.Error:
        pass  # what follows is read again with the next piece, or by the parser
    return np.asarray(ends, dtype=np.int64)


def _record_too_long(path: Path, line: int, limit: int) -> InputError:
    return over_limit(
        path,
        f"the record starting on line {line} runs on for more than {human_size(limit)}, the "
        "limit for one line (a quote that opens a cell and is never closed makes the rest of "
        'the file one cell: add the closing quote (") or remove the opening one)',
        "line",
        limit * 2,
    )
