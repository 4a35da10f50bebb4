"""A column's distinct values, so that work done per value is done once per value.

Most columns of a client file repeat a few values: genders, states, countries, the towns and
the dates of birth of a million people are thousands of values, not a million. A rule or a
normalisation step whose answer for a cell depends on that cell alone runs on the column's
distinct values, and its answer is spread back to the cells by their codes: the cost follows
the number of different values (the work), not the number of records times the number of
rules. Columns whose values are nearly all different (Client IDs, emails, phone numbers)
are left to the direct path: hashing them would only add a pass.

Inside `distinct_values()` (one validation), each column is hashed at most once, and a
column made from another by a normalisation step keeps the codes it was made from.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable, Iterator, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

DISTINCT_FROM = 20_000  # records; below, the hash costs more than the passes it saves
# Cells looked at (at random, seeded) to guess whether a column repeats its values: the
# values seen once and twice in the sample say roughly how many different values the column
# has (Chao's estimate, which a very common value such as a blank does not mislead), for
# about a millisecond where hashing a column of a million different values costs 0.3 s.
SAMPLE = 4_096
REPEATING = 0.5  # distinct values at most this share of the sample, and of the column


@dataclass(frozen=True)
class Distinct:
    """A column as its distinct values and, for each cell, the position of its value."""

    # Each value once (or more, once normalised), numbered 0, 1, ...; for `distinct_rows`,
    # a frame of several columns, each combination once.
    values: pd.Series | pd.DataFrame
    codes: np.ndarray  # cell i holds values[codes[i]]

    def spread(self, answers: pd.Series | np.ndarray) -> np.ndarray:
        """An answer per distinct value as an answer per cell."""
        answers = np.asarray(answers)
        if answers.dtype == bool and answers.all():  # most rules pass every value: no look-up
            return np.ones(len(self.codes), dtype=bool)
        return np.take(answers, self.codes)  # faster than indexing by int32

    def column(self, values: pd.Series, like: pd.Series) -> pd.Series:
        """The column whose cells hold `values` (one per distinct value), on `like`'s rows."""
        array = _arrow(values).take(pa.array(self.codes))
        return pd.Series(array, index=like.index, name=like.name, dtype="str")


_KNOWN: ContextVar[dict | None] = ContextVar("usikit_distinct_values", default=None)


@contextlib.contextmanager
def distinct_values() -> Iterator[None]:
    """Within this block (one validation), columns are hashed once and their codes kept;
    a nested block shares the outer one's."""
    if _KNOWN.get() is not None:
        yield
        return
    token = _KNOWN.set({})
    try:
        yield
    finally:
        _KNOWN.reset(token)


def distinct(values: pd.Series) -> Distinct | None:
    """The column's distinct values, or None where working on them would not pay (a short
    column, one of nearly all different values, one with missing cells, or outside
    `distinct_values()`)."""
    known, key, keep = _place(values)
    if known is None or key is None:
        return None
    if key in known:
        return known[key][1]
    found = _encoded(values, keep)
    known[key] = (keep, found)
    if found is not None:
        _settle(found.values, known)
    return found


def known_distinct(values: pd.Series) -> Distinct | None:
    """`distinct` for a column already hashed in this validation, else None: for values
    derived from a column (parsed dates), which pay only where the column's values are
    known (a part of a column is not hashed for them)."""
    known, key, _ = _place(values)
    if known is None or key is None or key not in known:
        return None
    return known[key][1]


def _place(values: pd.Series) -> tuple[dict | None, tuple | None, pa.ChunkedArray | None]:
    """This validation's known columns and the column's key in them (None for a column too
    short to be worth it, or outside `distinct_values()`)."""
    known = _KNOWN.get()
    if known is None or len(values) < DISTINCT_FROM:
        return None, None, None
    return (known, *_key(values))


def remember(values: pd.Series, found: Distinct) -> None:
    """Record that `values` (a column made from another one value by value) is `found`, so
    that the rules reading it need no hash of their own."""
    known = _KNOWN.get()
    key, keep = _key(values)
    if known is not None and key is not None:
        known[key] = (keep, found)
        _settle(found.values, known)


def _settle(values: pd.Series, known: dict) -> None:
    """Distinct values are not hashed again (the rules run on them directly)."""
    key, keep = _key(values)
    if key is not None:
        known[key] = (keep, None)


def _key(values: pd.Series) -> tuple[tuple | None, pa.ChunkedArray | None]:
    """The identity of the column's Arrow buffers (pandas may wrap the same buffers in a new
    Series at every access); the cache keeps the array, so no address is reused meanwhile.
    Worked out once per Arrow array and validation: the rules ask hundreds of times, and
    walking the chunks' buffers in Python each time held the interpreter lock for tens of
    milliseconds."""
    if not (isinstance(values.dtype, pd.StringDtype) and values.dtype.storage == "pyarrow"):
        return None, None
    array = values.array.__arrow_array__()  # the buffers pandas holds, not a copy
    known = _KNOWN.get()
    if known is None:
        return _identity(array)
    place = ("identity", id(array))
    hit = known.get(place)
    if hit is None or hit[0] is not array:
        hit = (array, _identity(array))  # the array is kept, so its id is not reused
        known[place] = hit
    return hit[1]


def _identity(array: pa.Array | pa.ChunkedArray) -> tuple[tuple | None, pa.ChunkedArray | None]:
    if isinstance(array, pa.Array):
        array = pa.chunked_array([array])
    if array.null_count:
        return None, None
    parts = tuple(
        (chunk.offset, len(chunk), *(b.address for b in chunk.buffers()[1:] if b is not None))
        for chunk in array.chunks
    )
    return parts, array


def _encoded(values: pd.Series, array: pa.ChunkedArray) -> Distinct | None:
    if len(values) > SAMPLE and _guessed_count(array) > REPEATING * len(values):
        return None  # mostly different values: Client IDs, emails, phone numbers
    # One chunk as it is (Arrow's combine copies even a single chunk; `read_table` and
    # `as_records` give columns in one).
    whole = array.chunk(0) if array.num_chunks == 1 else array.combine_chunks()
    if _all_blank(whole):  # an unused column: nothing to hash
        return Distinct(pd.Series([""], dtype="str"), np.zeros(len(values), dtype=np.int32))
    encoded = whole.dictionary_encode()
    if len(encoded.dictionary) > REPEATING * len(values):
        return None
    codes = encoded.indices.to_numpy(zero_copy_only=False)  # 4 bytes a cell
    return Distinct(pd.Series(encoded.dictionary, dtype="str"), codes)


def _all_blank(array: pa.Array) -> bool:
    """No cell holds a byte of text (its first and last offsets are equal)."""
    wide = pa.types.is_large_string(array.type)
    offsets = np.frombuffer(array.buffers()[1], dtype=np.int64 if wide else np.int32)
    return bool(offsets[array.offset] == offsets[array.offset + len(array)])


def _guessed_count(array: pa.ChunkedArray) -> float:
    """About how many different values the column holds (an underestimate where a few
    values are very common, which only costs a hash)."""
    picked = _sample_positions(len(array), SAMPLE)
    counts = pc.value_counts(_cells_at(array, picked)).field("counts").to_numpy()
    once, twice = int((counts == 1).sum()), int((counts == 2).sum())
    return len(counts) + once * (once - 1) / (2 * (twice + 1))


@lru_cache(maxsize=8)
def _sample_positions(length: int, size: int) -> np.ndarray:
    """The sorted cells sampled in a column of `length` (the same for every column of a
    file: drawn once)."""
    positions = np.unique(np.random.default_rng(0).integers(0, length, size))
    positions.flags.writeable = False
    return positions


def _cells_at(array: pa.ChunkedArray, positions: np.ndarray) -> pa.Array:
    """The cells at sorted `positions`, taken chunk by chunk (a take across the chunks would
    first join them: a copy of the whole column for a sample of a few thousand cells)."""
    starts = np.cumsum([0, *(len(chunk) for chunk in array.chunks)])
    edges = np.searchsorted(positions, starts)
    parts = [
        chunk.take(pa.array(positions[edges[i] : edges[i + 1]] - starts[i]))
        for i, chunk in enumerate(array.chunks)
    ]
    return pa.concat_arrays(parts) if parts else pa.array([], type=array.type)


def _arrow(values: pd.Series) -> pa.Array:
    array = pa.array(values, type=pa.large_string(), from_pandas=True)
    return array.combine_chunks() if isinstance(array, pa.ChunkedArray) else array


def value_codes(
    values: pd.Series, key: Callable[[pd.Series], pd.Series] | None = None
) -> tuple[np.ndarray, int]:
    """A number per cell, equal where `key` of the values is equal (the values themselves
    without a `key`), and how many numbers there are: worked out on the distinct values
    where the column's are known, so a million cells cost a few array operations."""
    found = known_distinct(values)
    if found is None:
        cells, uniques = pd.factorize(values)
        if key is None:
            return cells, len(uniques)
        found = Distinct(pd.Series(uniques, dtype=values.dtype), cells)  # a key once per value
    codes, uniques = pd.factorize(key(found.values) if key else found.values)
    if not codes.size:  # every cell missing
        return np.full(len(found.codes), -1, dtype=np.intp), 0
    # A missing cell (numbered -1 by factorize) stays -1.
    return np.where(found.codes < 0, -1, codes[found.codes]), len(uniques)


def row_keys(parts: Sequence[tuple[np.ndarray, int]], dtype: type = np.int64) -> np.ndarray:
    """One integer per row, equal where the rows are equal in every part (`value_codes` of
    each column), so that comparing records costs one hash of integers instead of one of
    each column's text. A caller whose product of counts fits a narrower `dtype` passes it:
    half the bytes to write and read for a million rows."""
    keys: np.ndarray = np.zeros(len(parts[0][0]) if parts else 0, dtype=dtype)
    largest = 1
    for codes, count in parts:
        size = max(count, 1)
        if largest * size >= np.iinfo(keys.dtype).max // 2:
            keys, uniques = pd.factorize(keys)  # renumbered densely, so the product fits
            largest = len(uniques)
        keys *= size  # in place: the keys are this function's own array
        keys += codes
        largest *= size
    return keys


def distinct_rows(frame: pd.DataFrame, columns: Sequence[str]) -> Distinct | None:
    """The combinations of `columns` the records hold, each once (a frame of those columns,
    numbered 0, 1, ...), and each record's combination, for a rule that reads several
    columns but no other record: where every column's distinct values are known and the
    combinations that could occur are no more than the records, they are counted in one
    table instead of a sort."""
    known = _KNOWN.get()
    if known is None or len(frame) < DISTINCT_FROM:
        return None
    found = [f for c in columns if (f := known_distinct(frame[c])) is not None]
    if len(found) < len(columns):
        return None
    sizes = [len(f.values) for f in found]
    possible = math.prod(sizes)  # exact: a Python integer
    if possible > len(frame):
        return None
    key = ("rows", *(id(f) for f in found))
    hit = known.get(key)
    if hit is not None:
        return hit[1]
    # No more combinations than records: 32-bit keys hold them all.
    keys = row_keys([(f.codes, n) for f, n in zip(found, sizes, strict=True)], np.int32)
    present = np.zeros(possible, dtype=bool)
    present[keys] = True
    combinations = np.flatnonzero(present)
    numbers = np.cumsum(present, dtype=np.int32)
    numbers -= 1  # each combination's place among those present
    rows = pd.DataFrame(
        {
            name: f.values.take(codes).reset_index(drop=True)
            for name, f, codes in zip(
                columns, found, np.unravel_index(combinations, sizes), strict=True
            )
        }
    )
    result = Distinct(rows, np.take(numbers, keys))
    known[key] = (tuple(found), result)
    return result
