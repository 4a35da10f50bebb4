"""Parsing delimited text into a grid of strings, exactly as typed."""

from __future__ import annotations

import csv
import io
import re

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as arrow_csv

FALLBACK_ENCODING = "cp1252"  # what Excel on Windows uses for "CSV (Comma delimited)"
TEXT = pd.StringDtype("pyarrow", na_value=np.nan)  # pandas' default string type
# Arrow parses a file in blocks, several threads at a time, and each block becomes one chunk of
# every column (joined afterwards: `in_one_piece`). Its default block (1 MiB) cuts a
# million-record file into some 180 chunks, each paying a little per step; a few blocks per
# thread keep the threads busy with far fewer.
SMALLEST_BLOCK, LARGEST_BLOCK = 1 << 20, 64 << 20
BLOCKS_PER_THREAD = 8


class RaggedRows(Exception):
    """The fast parser met a record with more cells than the first one."""


def parse_grid(
    data: bytes, encoding: str, sep: str, width: int
) -> tuple[pd.DataFrame, dict[int, list[str]]]:
    """All records as text (header included), plus the extra cells of over-long records.

    Keys of the extra-cell map are record positions (0 = the first record in the file).
    Arrow's multi-threaded reader handles well-formed files (`width` cells in every
    record); pandas' parser takes short records, and a file with over-long records is
    parsed again with the csv module so that every extra cell can be reported.
    """
    try:
        return _parse_arrow(data, encoding, sep, width), {}
    except (pa.ArrowInvalid, UnicodeError):
        pass
    try:
        return _parse_pandas(data, encoding, sep), {}
    except RaggedRows:
        return _parse_tolerant(data.decode(encoding), sep, width)


def _parse_arrow(data: bytes, encoding: str, sep: str, width: int) -> pd.DataFrame:
    names = [str(i) for i in range(width)]
    table = arrow_csv.read_csv(
        io.BytesIO(data),
        read_options=arrow_csv.ReadOptions(
            column_names=names, encoding=encoding, block_size=block_size(len(data))
        ),
        parse_options=arrow_csv.ParseOptions(
            delimiter=sep, newlines_in_values=True, ignore_empty_lines=False
        ),
        convert_options=arrow_csv.ConvertOptions(
            column_types=dict.fromkeys(names, pa.large_string()),
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
        ),
    )
    grid = in_one_piece(table).to_pandas(types_mapper=lambda kind: TEXT)
    grid.columns = range(width)
    return grid


def in_one_piece(table: pa.Table) -> pa.Table:
    """The table with each column's chunks joined into one array. Arrow copies a column of
    several chunks whole at every take, even of one cell, and the checks take from columns
    many times; joined once here, column by column (one column's copy at a time), they are
    not joined again."""
    names, columns = table.column_names, []
    while table.num_columns:
        column = table.column(0)  # Arrow's combine copies even a single chunk
        columns.append(column.chunk(0) if column.num_chunks == 1 else column.combine_chunks())
        table = table.remove_column(0)
    return pa.table(columns, names=names)


def block_size(size: int) -> int:
    """The bytes Arrow parses at a time for a file of `size` bytes."""
    wanted = size // (BLOCKS_PER_THREAD * pa.cpu_count())
    return min(LARGEST_BLOCK, max(SMALLEST_BLOCK, wanted))


def _parse_pandas(data: bytes, encoding: str, sep: str) -> pd.DataFrame:
    try:
        grid = pd.read_csv(
            io.BytesIO(data),
            sep=sep,
            header=None,
            dtype=str,
            na_filter=False,
            keep_default_na=False,
            skip_blank_lines=False,
            encoding=encoding,
            engine="c",
        )
    except pd.errors.ParserError as exc:
        raise RaggedRows(str(exc)) from exc
    return grid.fillna("")


def _parse_tolerant(text: str, sep: str, width: int) -> tuple[pd.DataFrame, dict[int, list[str]]]:
    # The csv module refuses cells longer than its limit (128 KB); no cell is longer than
    # the text, and the larger limit only matters to this process.
    csv.field_size_limit(max(csv.field_size_limit(), len(text) + 1))
    records = list(csv.reader(io.StringIO(text.lstrip("\ufeff"), newline=""), delimiter=sep))
    extra: dict[int, list[str]] = {}
    for position, record in enumerate(records):
        if len(record) > width:
            extra[position] = record[width:]
            del record[width:]
        elif len(record) < width:
            record.extend([""] * (width - len(record)))
    return pd.DataFrame(records, dtype=str), extra


def swallowed_lines(grid: pd.DataFrame, sep: str, width: int) -> tuple[int, int, int] | None:
    """(record position, column position, line breaks) of the first cell that swallowed
    whole lines of the file, or None.

    A quote that opens a cell and is never closed (or closed only by another cell's quote)
    makes the parser read the following lines, records and all, into that one cell.
    Such a cell holds a line break followed by a line with as many separators as a
    record; the caller checks that the file's quotes do not pair up before blaming it.
    """
    enough = max(width - 1, 1)
    for column in range(grid.shape[1]):
        values = grid[column]
        broken = values.str.contains("\n", regex=False) | values.str.contains("\r", regex=False)
        for position in np.flatnonzero(broken.fillna(False).to_numpy()):
            cell = str(values.iloc[position])
            later = cell.splitlines()[1:]
            if any(line.count(sep) >= enough for line in later):
                breaks = len(cell.splitlines()) - 1
                return int(position), column, breaks
    return None


def _cp1252_class(first: int, last: int) -> str:
    """A regex class of the characters Windows-1252 shows for the bytes first..last."""
    shown = bytes(range(first, last + 1)).decode(FALLBACK_ENCODING, errors="ignore")
    return f"[{shown}]"  # none of them is special inside a class


# UTF-8 letters read as Windows-1252 show as a lead character (Ã, Å, â...) followed by
# continuation characters (€, ©, «, ...): 'Brontë' reads 'BrontÃ«'.
_CONTINUATION = _cp1252_class(0x80, 0xBF)
GARBLED = (
    f"{_cp1252_class(0xC2, 0xDF)}{_CONTINUATION}"
    f"|{_cp1252_class(0xE0, 0xEF)}{_CONTINUATION}{{2}}"
    f"|{_cp1252_class(0xF0, 0xF4)}{_CONTINUATION}{{3}}"
)
_UTF8_SEQUENCE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}"
)


def utf8_read_as_cp1252(frame: pd.DataFrame) -> list[tuple[int, str, str, str]]:
    """(row, column, value, the value read as UTF-8) for cells of a file read as
    Windows-1252 that hold UTF-8 text: the file mixes the two encodings."""
    found = []
    for name in frame.columns:
        values = frame[name]
        suspects = values[values.str.contains(GARBLED, regex=True).fillna(False).to_numpy()]
        for row, value in suspects.items():
            raw = value.encode(FALLBACK_ENCODING)
            if _UTF8_SEQUENCE.search(raw):
                found.append((int(row), str(name), value, raw.decode("utf-8", errors="replace")))
    return found
