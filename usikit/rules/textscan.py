"""Byte-level scans of text columns, for the questions asked of every cell of a file.

Arrow keeps a column's text as one byte buffer with offsets; numpy answers "which cells
start with an apostrophe" or "which cells hold a tab" over that buffer far faster than a
regular expression per cell. A scan may flag a cell that needs nothing (the normaliser
then leaves it as it is) but never misses one.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

SPACE, TAB, LF, CR, APOSTROPHE = 0x20, 0x09, 0x0A, 0x0D, 0x27
NBSP = (0xC2, 0xA0)  # U+00A0 in UTF-8


def _chunks(values: pd.Series) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """(offsets, bytes) of each chunk of the column as UTF-8 text."""
    array = pa.array(values, type=pa.large_string(), from_pandas=True)
    chunks = array.chunks if isinstance(array, pa.ChunkedArray) else [array]
    for chunk in chunks:
        _, offsets, data = chunk.buffers()
        starts = np.frombuffer(offsets, dtype=np.int64)[
            chunk.offset : chunk.offset + len(chunk) + 1
        ]
        body = np.frombuffer(data, dtype=np.uint8) if data is not None else np.zeros(0, np.uint8)
        yield starts, body


def _cells_of(positions: np.ndarray, starts: np.ndarray) -> np.ndarray:
    return np.searchsorted(starts, positions, side="right") - 1


def untidy(values: pd.Series) -> np.ndarray:
    """Cells with a leading or trailing space, two spaces together, a tab, a line break or a
    non-breaking space."""
    parts = []
    for starts, body in _chunks(values):
        flags = np.zeros(len(starts) - 1, dtype=bool)
        filled = starts[1:] > starts[:-1]
        if body.size:
            flags[filled] = (body[starts[:-1][filled]] == SPACE) | (
                body[starts[1:][filled] - 1] == SPACE
            )
            pairs = body[:-1], body[1:]
            hits = (pairs[0] == SPACE) & (pairs[1] == SPACE)
            hits |= (pairs[0] == NBSP[0]) & (pairs[1] == NBSP[1])
            hits = np.flatnonzero(hits)
            controls = np.flatnonzero((body == TAB) | (body == LF) | (body == CR))
            flags[_cells_of(np.concatenate([hits, controls]), starts)] = True
        parts.append(flags)
    return np.concatenate(parts) if parts else np.zeros(0, dtype=bool)


def starts_with(values: pd.Series, byte: int) -> np.ndarray:
    """Cells whose first byte is `byte` (an ASCII character)."""
    parts = []
    for starts, body in _chunks(values):
        flags = np.zeros(len(starts) - 1, dtype=bool)
        filled = starts[1:] > starts[:-1]
        flags[filled] = body[starts[:-1][filled]] == byte
        parts.append(flags)
    return np.concatenate(parts) if parts else np.zeros(0, dtype=bool)


def non_ascii(values: pd.Series) -> np.ndarray:
    """Cells holding any character outside ASCII (accents, curly quotes, other alphabets)."""
    parts = []
    for starts, body in _chunks(values):
        flags = np.zeros(len(starts) - 1, dtype=bool)
        flags[_cells_of(np.flatnonzero(body >= 0x80), starts)] = True
        parts.append(flags)
    return np.concatenate(parts) if parts else np.zeros(0, dtype=bool)


def full_match(values: pd.Series, pattern: str) -> pd.Series:
    """Cells matching `pattern` as a whole (RE2 syntax: no look-arounds or back-references).

    Runs in Arrow's regular-expression engine, in linear time, whatever the text holds.
    """
    array = pa.array(values, type=pa.large_string(), from_pandas=True)
    hits = pc.fill_null(pc.match_substring_regex(array, f"^(?:{pattern})$"), False)
    return pd.Series(hits.to_numpy(zero_copy_only=False), index=values.index, dtype=bool)


def without(values: pd.Series, characters: str) -> pd.Series:
    """The cells with every one of `characters` removed (plain text, no patterns)."""
    array = pa.array(values, type=pa.large_string(), from_pandas=True)
    for character in characters:
        array = pc.replace_substring(array, character, "")
    return pd.Series(array, dtype="str", index=values.index)


def positions_in(values: pd.Series, choices: tuple[str, ...]) -> np.ndarray:
    """Each cell's position in `choices`, or -1 when it is not one of them."""
    array = pa.array(values, type=pa.large_string(), from_pandas=True)
    found = pc.index_in(array, value_set=pa.array(choices, type=pa.large_string()))
    return pc.fill_null(found, -1).to_numpy(zero_copy_only=False)
