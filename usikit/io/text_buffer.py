"""A text column as Arrow lays it out: one buffer of UTF-8 bytes and the offsets of its cells.

A question asked of every cell's bytes (its first character, a byte anywhere in it) is
answered by numpy or a byte search over this buffer far faster than by a pattern per cell.
The exports and the rules' scans read the buffer through these two functions.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa


def text_array(values: pd.Series) -> pa.Array:
    """The column as one Arrow text array (not copied where Arrow holds it in one piece)."""
    array = pa.array(values, type=pa.large_string(), from_pandas=True)
    if isinstance(array, pa.ChunkedArray):  # one buffer: numpy then works on it in one go
        array = array.combine_chunks()
    return array


def cell_bytes(array: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """(offsets, bytes) of a large_string array: cell i is bytes[o[i]:o[i + 1]]."""
    _, offsets, data = array.buffers()
    starts = np.frombuffer(offsets, dtype=np.int64)[array.offset : array.offset + len(array) + 1]
    body = np.frombuffer(data, dtype=np.uint8) if data is not None else np.zeros(0, np.uint8)
    # A slice of a column shares its parent's buffer: keep only this slice's bytes. A whole
    # column's offsets start at 0 and are used as they are (not copied: eight bytes a cell).
    first = int(starts[0])
    return (starts - first if first else starts), body[first : starts[-1]]
