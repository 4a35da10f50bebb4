"""Byte-level scans of text columns, for the questions asked of every cell of a file.

Arrow keeps a column's text as one byte buffer with offsets; numpy answers "which cells
start with an apostrophe" or "which cells hold a tab" over that buffer far faster than a
regular expression per cell. A scan may flag a cell that needs nothing (the normaliser
then leaves it as it is) but never misses one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from usikit.io.text_buffer import cell_bytes, text_array
from usikit.rules.memo import shared

SPACE = 0x20
NBSP = (0xC2, 0xA0)  # U+00A0 in UTF-8


@shared
def _buffer(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """(offsets, bytes) of the column as one UTF-8 buffer: cell i is bytes[o[i]:o[i + 1]]."""
    return cell_bytes(text_array(values))


def cell_lengths(values: pd.Series) -> np.ndarray:
    """Each cell's length in bytes (0 for an empty or missing cell)."""
    return np.diff(_buffer(values)[0])


def nonempty_cells(values: pd.Series) -> np.ndarray:
    """Cells holding at least one byte: neighbouring offsets compared, without the array of
    lengths (eight bytes a cell) that `cell_lengths` would make first."""
    starts = _buffer(values)[0]
    return starts[1:] != starts[:-1]


def _cells_of(positions: np.ndarray, starts: np.ndarray) -> np.ndarray:
    return np.searchsorted(starts, positions, side="right") - 1


def _count_before(positions: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """How many of the sorted byte `positions` come before each of `starts`: each start looked
    up among the positions where they are the more (two spaces in every phone number), each
    position's cell counted where they are the fewer."""
    if len(positions) > len(starts):
        return np.searchsorted(positions, starts)
    counts = np.bincount(_cells_of(positions, starts), minlength=len(starts) - 1)
    return np.concatenate([[0], np.cumsum(counts)])


def packed(values: pd.Series) -> np.ndarray | None:
    """Each cell as one 64-bit number, equal exactly where the cells are equal, for a column
    of short text (every cell of at most 7 bytes, or all of exactly 8: most Client IDs);
    None for any other column, or one with missing cells. Numbers are sorted and compared
    at a fraction of the cost of text, which matters for a million different Client IDs."""
    if values.empty or values.hasnans:
        return None
    starts, body = _buffer(values)
    lengths = np.diff(starts)
    longest, shortest = int(lengths.max()), int(lengths.min())
    if longest > 8 or (longest == 8 and shortest < 8):
        return None
    cells = np.zeros((lengths.size, 8), dtype=np.uint8)
    if shortest == longest:  # every cell its bytes, whole
        if longest:
            cells[:, :longest] = np.lib.stride_tricks.sliding_window_view(body, longest)[
                starts[:-1]
            ]
    else:  # seven bytes, zero after the cell's end, and the length (a cell may hold a zero)
        places = starts[:-1, None] + np.arange(7)
        padded = np.concatenate([body, np.zeros(7, dtype=np.uint8)])
        cells[:, :7] = np.where(np.arange(7) < lengths[:, None], padded[places], 0)
        cells[:, 7] = lengths
    return cells.view(np.uint64).ravel()


def untidy(values: pd.Series) -> np.ndarray:
    """Cells with a leading or trailing space, two spaces together, a control character
    (tab, line break) or a non-breaking space."""
    starts, body = _buffer(values)
    flags = np.zeros(len(starts) - 1, dtype=bool)
    if not body.size:
        return flags
    filled = starts[1:] > starts[:-1]
    flags[filled] = (body[starts[:-1][filled]] == SPACE) | (body[starts[1:][filled] - 1] == SPACE)
    spaces = np.flatnonzero(body == SPACE)
    doubled = spaces[:-1][np.diff(spaces) == 1]
    leads = np.flatnonzero(body == NBSP[0])
    leads = leads[leads + 1 < body.size]
    nbsp = leads[body[leads + 1] == NBSP[1]]
    controls = np.flatnonzero(body < SPACE)
    flags[_cells_of(np.concatenate([doubled, nbsp, controls]), starts)] = True
    return flags


def starts_with(values: pd.Series, character: str) -> np.ndarray:
    """Cells whose first character is `character` (an ASCII character)."""
    starts, body = _buffer(values)
    flags = np.zeros(len(starts) - 1, dtype=bool)
    filled = starts[1:] > starts[:-1]
    flags[filled] = body[starts[:-1][filled]] == ord(character)
    return flags


def holding(values: pd.Series, characters: str = "", *, non_ascii: bool = False) -> np.ndarray:
    """Cells holding any of `characters` (ASCII), or, with `non_ascii`, any character
    outside ASCII (accents, curly quotes, other alphabets)."""
    wanted = characters.encode("ascii") + (bytes(range(0x80, 0x100)) if non_ascii else b"")
    return holding_bytes(values, wanted)


# Bytes that plain typed text lacks: control characters, the backtick, DEL and every byte of
# a character beyond ASCII. The normalisation steps ask of a column several questions about
# them (invisible marks? joiners? accents? curly apostrophes?); one scan finds the cells
# holding any, and each question then reads those cells' bytes only.
UNUSUAL = bytes((*range(0x20), ord("`"), *range(0x7F, 0x100)))


@shared
def unusual_cells(values: pd.Series) -> np.ndarray:
    """Positions of the cells holding any `UNUSUAL` byte (one pass over the column)."""
    starts, body = _buffer(values)
    return np.unique(_cells_of(np.flatnonzero(_translated(body, _marks(UNUSUAL))), starts))


def holding_bytes(values: pd.Series, wanted: bytes) -> np.ndarray:
    """Cells whose UTF-8 text holds any of the bytes `wanted` (a character outside ASCII
    shows as its lead byte: 0xE2 starts most punctuation and the invisible marks)."""
    starts, body = _buffer(values)
    flags = np.zeros(len(starts) - 1, dtype=bool)
    if not set(wanted) <= set(UNUSUAL):
        flags[_cells_of(np.flatnonzero(_translated(body, _marks(wanted))), starts)] = True
        return flags
    cells = unusual_cells(values)
    if cells.size:
        lengths = starts[cells + 1] - starts[cells]
        ends = np.cumsum(lengths)  # of each cell's bytes among the gathered ones
        gathered = body[np.repeat(starts[cells] - ends + lengths, lengths) + np.arange(ends[-1])]
        hits = np.flatnonzero(_translated(gathered, _marks(wanted)))
        flags[cells[np.searchsorted(ends, hits, side="right")]] = True
    return flags


def _translated(body: np.ndarray, table: bytes) -> np.ndarray:
    # bytes.translate maps every byte in one pass at memory speed (numpy's isin and take
    # are many times slower on a whole column's buffer).
    return np.frombuffer(body.tobytes().translate(table), dtype=np.uint8)


@cache
def _marks(wanted: bytes) -> bytes:
    """A translation table turning each byte of `wanted` into 1 and every other into 0."""
    return bytes(int(byte in wanted) for byte in range(256))


def fits(values: pd.Series, template: str) -> np.ndarray:
    """Cells shaped like `template`, where 9 stands for any digit: '99/99/9999' is a date.

    A cheap test for the shapes most cells already have; a regular expression then only
    looks at the others.
    """
    starts, body = _buffer(values)
    lengths = np.diff(starts)
    flags = np.zeros(len(lengths), dtype=bool)
    rows = np.flatnonzero(lengths == len(template))
    if rows.size:
        # Each cell's bytes as one row, copied from a sliding view of the buffer (a cell of
        # the template's length is the window that starts where the cell starts).
        cells = np.lib.stride_tricks.sliding_window_view(body, len(template))[starts[rows]]
        expected = np.frombuffer(template.encode("ascii"), dtype=np.uint8)
        digit = expected == ord("9")
        digits = (cells[:, digit] - np.uint8(ord("0"))) <= 9  # below "0" wraps round to > 9
        literals = cells[:, ~digit] == expected[~digit]
        flags[rows] = digits.all(axis=1) & literals.all(axis=1)
    return flags


def rearranged(values: pd.Series, template: str, layout: tuple[int | str, ...]) -> pd.Series:
    """`values` with every cell shaped like `template` (see `fits`) rewritten by `layout`, a
    cell's bytes by position or a literal character in their place: (8, 9, "/", 5, 6, "/", 0, 1,
    2, 3) writes 2026-11-22 as 22/11/2026. The layout keeps the cell's length, so the rewrite is
    a few array operations on the column's buffer, whatever the number of cells. `values` holds
    no missing cells (records are text, blanks empty)."""
    if len(layout) != len(template):
        raise ValueError(f"layout {layout!r} does not keep the length of {template!r}")
    starts, body = _buffer(values)
    rows = np.flatnonzero(fits(values, template))
    if not rows.size:
        return values
    new = body.copy()
    for target, source in enumerate(layout):
        at = starts[rows] + target
        new[at] = ord(source) if isinstance(source, str) else body[starts[rows] + source]
    array = pa.LargeStringArray.from_buffers(
        len(starts) - 1, pa.py_buffer(starts), pa.py_buffer(new)
    )
    return pd.Series(array, index=values.index, dtype="str", name=values.name)


def four_digit_numbers(values: pd.Series) -> np.ndarray:
    """Each cell of exactly four digits as its number (postcodes), -1 for any other cell."""
    starts, body = _buffer(values)
    numbers = np.full(len(starts) - 1, -1, dtype=np.int64)
    shaped = np.flatnonzero(fits(values, "9999"))
    if shaped.size:
        cells = np.lib.stride_tricks.sliding_window_view(body, 4)[starts[shaped]]
        numbers[shaped] = (cells.astype(np.int64) - ord("0")) @ np.array([1000, 100, 10, 1])
    return numbers


# One class of ASCII characters, repeated: "[A-Z0-9]", then *, +, {n} or {m,n}. Its class may
# hold characters, ranges and the escapes \xHH and \- (or any punctuation escaped).
_RUN = re.compile(
    r"\[(?!\^)((?:\\x[0-9A-Fa-f]{2}|\\[^\w\s]|[^\\\]])+)\](\*|\+|\{(\d+)(?:,(\d+))?\})"
)
_CLASS_ITEM = re.compile(r"\\x([0-9A-Fa-f]{2})|\\(.)|(.)", re.DOTALL)


@cache
def byte_run(pattern: str) -> tuple[bytes, int, int] | None:
    """For a pattern that is one class of ASCII characters repeated, (a translation table
    marking the bytes outside the class, fewest and most characters); None for any other.

    A cell matches such a pattern exactly when every byte is in the class (a character
    beyond ASCII never is: all its bytes are above 0x7F) and its length, in bytes then
    equal to characters, is within the bounds.
    """
    found = _RUN.fullmatch(pattern)
    if found is None:
        return None
    content, quantifier, low, high = found.groups()
    items = [  # (character, written as an escape)
        (chr(int(code, 16)) if code else escaped or plain, plain is None)
        for code, escaped, plain in _CLASS_ITEM.findall(content)
    ]
    inside: set[int] = set()
    at = 0
    while at < len(items):
        first = items[at][0]
        if at + 2 < len(items) and items[at + 1] == ("-", False):
            inside.update(range(ord(first), ord(items[at + 2][0]) + 1))
            at += 3
        else:
            inside.add(ord(first))
            at += 1
    if not inside or max(inside) > 0x7F:
        return None
    if quantifier in ("*", "+"):
        fewest, most = int(quantifier == "+"), np.iinfo(np.int64).max
    else:
        fewest = int(low)
        most = int(high) if high else fewest
    return bytes(int(byte not in inside) for byte in range(256)), fewest, most


def _in_run(values: pd.Series, outside: bytes, fewest: int, most: int) -> np.ndarray:
    starts, body = _buffer(values)
    lengths = np.diff(starts)
    ok = (lengths >= fewest) & (lengths <= most)
    ok[_cells_of(np.flatnonzero(_translated(body, outside)), starts)] = False
    return ok


def full_match(values: pd.Series, pattern: str) -> pd.Series:
    """Cells matching `pattern` as a whole (RE2 syntax: no look-arounds or back-references).

    Runs in Arrow's regular-expression engine, in linear time, whatever the text holds; a
    pattern that is one class of ASCII characters repeated ("[A-Z0-9]{9}", "[ -~]*") is
    answered from the column's bytes instead (`byte_run`), several times faster.
    """
    array = pa.array(values, type=pa.large_string(), from_pandas=True)
    run = byte_run(pattern)
    if run is not None and not array.null_count:  # Arrow counted the missing cells already
        return pd.Series(_in_run(values, *run), index=values.index, dtype=bool)
    hits = pc.fill_null(pc.match_substring_regex(array, f"^(?:{pattern})$"), False)
    return pd.Series(hits.to_numpy(zero_copy_only=False), index=values.index, dtype=bool)


def or_full_match(ok: np.ndarray, values: pd.Series, pattern: str) -> np.ndarray:
    """`ok` (changed in place), each cell it leaves False then matched against `pattern`: the
    cheap answer first, the pattern only where it can still change it."""
    rest = np.flatnonzero(~ok)
    if rest.size:
        ok[rest] = full_match(values.iloc[rest], pattern).to_numpy()
    return ok


def without(values: pd.Series, characters: str) -> pd.Series:
    """The cells with every one of `characters` removed (plain text, no patterns).

    ASCII characters are removed from the column's bytes in one pass (a byte below 0x80 is
    never part of another character in UTF-8), whatever their number.
    """
    array = pa.array(values, type=pa.large_string(), from_pandas=True)
    if characters.isascii() and not array.null_count:
        starts, body = _buffer(values)
        dropped = _translated(body, _marks(characters.encode("ascii"))).view(bool)
        removed = _count_before(np.flatnonzero(dropped), starts)
        shorter = pa.LargeStringArray.from_buffers(
            len(starts) - 1, pa.py_buffer(starts - removed), pa.py_buffer(body[~dropped])
        )
        return pd.Series(shorter, dtype="str", index=values.index)
    for character in characters:
        array = pc.replace_substring(array, character, "")
    return pd.Series(array, dtype="str", index=values.index)


def positions_in(values: pd.Series, choices: Iterable[str]) -> np.ndarray:
    """Each cell's position in `choices`, or -1 when it is not one of them."""
    array = pa.array(values, type=pa.large_string(), from_pandas=True)
    found = pc.index_in(array, value_set=_value_set(tuple(choices)))
    return pc.fill_null(found, -1).to_numpy(zero_copy_only=False)


def among(values: pd.Series, choices: Iterable[str]) -> pd.Series:
    """`values.isin(choices)` for text: pandas converts the choices one by one at every
    call (about 2 ms for the 298 country codes, whatever the column's length), Arrow's set
    of them is made once."""
    array = pa.array(values, type=pa.large_string(), from_pandas=True)
    found = pc.fill_null(pc.is_in(array, value_set=_value_set(tuple(choices))), False)
    return pd.Series(found.to_numpy(zero_copy_only=False), index=values.index, dtype=bool)


@cache
def _value_set(choices: tuple[str, ...]) -> pa.Array:
    return pa.array(choices, type=pa.large_string())


# Text columns built in Arrow: the error tables' columns, made whole-column at a time.


def as_arrow(values: pd.Series) -> pa.Array:
    """The column's text as one Arrow array (a missing cell as an empty one)."""
    array = pa.array(values.fillna("").astype(str), type=pa.large_string(), from_pandas=True)
    return array.combine_chunks() if isinstance(array, pa.ChunkedArray) else array


def joined(*pieces: pa.Array | str) -> pa.Array:
    """The pieces joined cell by cell (a str is the same in every cell)."""
    kind = pa.large_string()
    parts = [pa.scalar(p, kind) if isinstance(p, str) else p for p in pieces]
    return pc.binary_join_element_wise(*parts, pa.scalar("", kind))


def shortened(values: pa.Array, longest: int) -> pa.Array:
    """Each cell longer than `longest` characters cut to `longest - 1` and an ellipsis."""
    long = pc.greater(pc.utf8_length(values), longest)
    if not pc.any(long).as_py():
        return values
    return pc.if_else(
        long, joined(pc.utf8_slice_codeunits(values, 0, longest - 1), "\u2026"), values
    )
