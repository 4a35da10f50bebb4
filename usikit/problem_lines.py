"""Problems kept as Arrow columns, their repeated texts coded, until the report orders them.

Validation finds its problems in parts: a column's normalisation warnings, a rule's failing
records. Much of their text repeats (the column's name on every line, a warning written once
per distinct value and shared by the many cells holding it), so a part keeps such a column
as a dictionary and one number per line. The parts are joined once, in the report's order,
and only then is each column's text written out: a million warnings cost one copy of their
text instead of one per part plus another for the sort.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from usikit.parallel import in_parallel
from usikit.problems import PROBLEM_COLUMNS

# A part of the problems table: "row" the spreadsheet rows (numbers, or a nullable array
# where a problem concerns the whole file), every other column of PROBLEM_COLUMNS as Arrow
# text, plain or coded (a pa.DictionaryArray), all of the same length.
Lines = dict[str, object]
TEXT = pa.large_string()
TEXT_COLUMNS = PROBLEM_COLUMNS[1:]


def repeated(text: str, count: int) -> pa.DictionaryArray:
    """`text` on `count` lines, held once."""
    return coded(pa.array([text], type=TEXT), np.zeros(count, dtype=np.int32))


def coded(values: pa.Array, positions: np.ndarray) -> pa.DictionaryArray:
    """The `values` at `positions`, one number per line instead of a copy of the text."""
    numbers = pa.array(positions.astype(np.int32, copy=False))
    return pa.DictionaryArray.from_arrays(numbers, values.cast(TEXT))


def spread(texts: pa.Array, positions: np.ndarray) -> pa.DictionaryArray:
    """The `texts` (plain or coded) at `positions`, still coded: a message written once per
    distinct value, for every line holding that value."""
    if isinstance(texts, pa.DictionaryArray):
        numbers = texts.indices.to_numpy(zero_copy_only=False)
        return coded(texts.dictionary, numbers[positions])
    return coded(texts, positions)


def joined_notes(bits: np.ndarray, notes: Sequence[str]) -> tuple[list[str], np.ndarray]:
    """Each combination of notes `bits` holds (bit i: `notes[i]` applies), joined by "; " in
    the notes' order, and each element's combination among them: a million lines holding a
    few combinations cost a few joins, not a million."""
    kinds, codes = np.unique(bits, return_inverse=True)
    texts = ["; ".join(note for i, note in enumerate(notes) if kind >> i & 1) for kind in kinds]
    return texts, codes.reshape(-1)


def lines_of(frame: pd.DataFrame) -> Lines:
    """A problems table (typed as `usikit.problems.typed_problems` types it) as a part."""
    part: Lines = {"row": frame["row"].array}
    for name in TEXT_COLUMNS:
        part[name] = pa.array(frame[name].array, type=TEXT)
    return part


def problems_table(
    parts: Sequence[Lines], column_order: Sequence[str] | None = None
) -> pd.DataFrame:
    """The parts as one problems table: in the report's order when `column_order` (the
    file's columns) is given (problems with the whole file first, then by row and by the
    column's place in the file, ties as the parts came), else one part after another."""
    numbers, whole_file = _rows(parts)
    order = None if column_order is None else _order(parts, numbers, whole_file, column_order)
    if order is not None:
        numbers, whole_file = numbers[order], whole_file[order]
    texts = in_parallel(
        lambda name: _written([part[name] for part in parts], order), TEXT_COLUMNS, len(numbers)
    )
    columns: dict[str, object] = {"row": pd.arrays.IntegerArray(numbers, whole_file)}
    for name, text in zip(TEXT_COLUMNS, texts, strict=True):
        columns[name] = pd.array(text, dtype="str")
    return pd.DataFrame(columns, index=pd.RangeIndex(len(numbers)), copy=False)


def _rows(parts: Sequence[Lines]) -> tuple[np.ndarray, np.ndarray]:
    """Every line's row number (0 where none) and whether it concerns the whole file."""
    numbers, missing = [], []
    for part in parts:
        rows = part["row"]
        if isinstance(rows, np.ndarray) and rows.dtype.kind in "iu":
            numbers.append(rows.astype(np.int64, copy=False))
            missing.append(np.zeros(len(rows), dtype=bool))
        else:
            typed = pd.array(rows, dtype="Int64")
            numbers.append(typed.to_numpy(dtype=np.int64, na_value=0))
            missing.append(typed.isna())
    if not parts:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=bool)
    return np.concatenate(numbers), np.concatenate(missing)


def _order(
    parts: Sequence[Lines],
    numbers: np.ndarray,
    whole_file: np.ndarray,
    column_order: Sequence[str],
) -> np.ndarray | None:
    """The lines' order in the report, or None where they are in it already (then no
    column is gathered: a report given a table that is already in order keeps its text)."""
    rank = {name: i for i, name in enumerate(column_order)}  # a repeated name: its last place
    names = pa.array(list(rank), type=TEXT)
    ranks = np.asarray([*rank.values(), len(rank)], dtype=np.int64)  # last: after every column
    places = np.concatenate(
        [_places(part["column"], names, ranks) for part in parts] or [np.zeros(0, np.int64)]
    )
    width = len(ranks)
    if len(numbers) and (numbers.min() < 0 or numbers.max() >= (1 << 61) // width):
        return np.lexsort((places, numbers, ~whole_file))  # rows beyond one key's reach
    # One key per line: the whole file's lines first, then the row, then the column's place.
    key = np.where(whole_file, places, numbers * width + places + width)
    if bool((key[1:] >= key[:-1]).all()):
        return None
    return np.argsort(key, kind="stable")  # the parts are runs in order: a merge, nearly


def _places(column: object, names: pa.Array, ranks: np.ndarray) -> np.ndarray:
    """Each line's column as the rank of its name among `names` (the last rank for a column
    not among them), worked out once per distinct name where the column is coded."""
    if isinstance(column, pa.DictionaryArray):
        found = pc.fill_null(pc.index_in(column.dictionary, value_set=names), -1)
        numbers = column.indices.to_numpy(zero_copy_only=False)
        return ranks[found.to_numpy(zero_copy_only=False)][numbers]
    found = pc.fill_null(pc.index_in(column, value_set=names), -1)
    return ranks[found.to_numpy(zero_copy_only=False)]


def _written(arrays: list, order: np.ndarray | None) -> pa.Array | pa.ChunkedArray:
    """One text column of the joined parts, in `order`, its text written out once."""
    if not any(isinstance(array, pa.DictionaryArray) for array in arrays):
        joined = pa.chunked_array(_chunks(arrays), type=TEXT)  # no copy
        return joined if order is None else joined.take(pa.array(order))
    # Every part as a dictionary and numbers into it (a plain part is its own dictionary),
    # the dictionaries one after another: each line is then one number into their join.
    texts, numbers, offset = [], [], 0
    for array in arrays:
        if isinstance(array, pa.DictionaryArray):
            texts.append(array.dictionary)
            numbers.append(array.indices.to_numpy(zero_copy_only=False).astype(np.int64) + offset)
            offset += len(array.dictionary)
        else:
            texts.extend(_chunks([array]))
            numbers.append(np.arange(offset, offset + len(array), dtype=np.int64))
            offset += len(array)
    picked = np.concatenate(numbers)
    if order is not None:
        picked = picked[order]
    return pa.chunked_array(texts, type=TEXT).combine_chunks().take(pa.array(picked))


def _chunks(arrays: list) -> list[pa.Array]:
    found: list[pa.Array] = []
    for array in arrays:
        array = array.cast(TEXT) if array.type != TEXT else array
        found.extend(array.chunks if isinstance(array, pa.ChunkedArray) else [array])
    return found
