"""Turning a column of cells into arrays the identifier checks can work on without loops."""

from __future__ import annotations

import random

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

Rng = random.Random | np.random.Generator


def str_cells(values: pd.Series) -> np.ndarray:
    """``values`` as an object array in which every cell that is not a str (NA too) is None."""
    cells = values.to_numpy(dtype=object, na_value=None)
    if pd.api.types.infer_dtype(cells, skipna=True) in ("string", "empty"):
        return cells
    is_str = np.fromiter((isinstance(cell, str) for cell in cells), bool, len(cells))
    text: np.ndarray = cells.copy()
    text[~is_str] = None
    return text


def arrow_strings(values: pd.Series) -> pa.ChunkedArray | None:
    """The Arrow string data behind ``values`` (no copy), or None if it is not Arrow-backed.

    ``read_table`` gives pandas' ``str`` columns, which pyarrow stores: checking them in Arrow
    skips turning a million cells into Python objects first.
    """
    dtype = values.dtype
    arrow_backed = (isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow") or (
        isinstance(dtype, pd.ArrowDtype)
        and (
            pa.types.is_string(dtype.pyarrow_dtype) or pa.types.is_large_string(dtype.pyarrow_dtype)
        )
    )
    if not arrow_backed:
        return None
    data = values.array.__arrow_array__()
    return data if isinstance(data, pa.ChunkedArray) else pa.chunked_array([data])


def byte_matrix(values: pd.Series, width: int) -> tuple[np.ndarray, np.ndarray]:
    """Positions of the str cells exactly ``width`` long and their bytes, one row each.

    Non-strings and NA are left out; a cell with a non-ASCII character becomes ``?`` bytes so
    every row stays ``width`` bytes and no alphabet or digit test can accept it.
    """
    data = arrow_strings(values)
    if data is not None:
        return _arrow_byte_matrix(data, width)
    cells = str_cells(values)
    positions = np.flatnonzero(pd.notna(cells))
    lengths = np.frompyfunc(len, 1, 1)(cells[positions]).astype(np.int64)
    positions = positions[lengths == width]
    blob = "".join(cells[positions]).encode("ascii", "replace")
    return positions, np.frombuffer(blob, dtype=np.uint8).reshape(-1, width)


def _arrow_byte_matrix(data: pa.ChunkedArray, width: int) -> tuple[np.ndarray, np.ndarray]:
    """``byte_matrix`` in Arrow compute kernels: no Python call per cell."""
    keep = pc.fill_null(pc.equal(pc.utf8_length(data), width), False)
    positions = np.flatnonzero(keep.to_numpy(zero_copy_only=False))
    if positions.size == 0:
        return positions, np.empty((0, width), dtype=np.uint8)
    chosen = pc.filter(data, keep)
    # A character is one byte only in ASCII: more bytes than characters means non-ASCII.
    ascii = pc.equal(pc.binary_length(chosen), width)
    chosen = pc.if_else(ascii, chosen, "?" * width).combine_chunks()
    fixed = chosen.cast(pa.binary(width))
    blob = np.frombuffer(fixed.buffers()[1], dtype=np.uint8)
    start = fixed.offset * width
    return positions, blob[start : start + len(fixed) * width].reshape(-1, width)


def mask_from(values: pd.Series, positions: np.ndarray, ok: np.ndarray) -> pd.Series:
    """A bool Series on ``values``' index, True only at ``positions[ok]``."""
    out = np.zeros(len(values), dtype=bool)
    out[positions[ok]] = True
    return pd.Series(out, index=values.index, name=values.name)


def draw(rng: Rng, high: int, count: int) -> list[int]:
    """``count`` integers in ``[0, high)`` from either kind of generator."""
    if isinstance(rng, np.random.Generator):
        return [int(i) for i in rng.integers(0, high, size=count)]
    return [rng.randrange(high) for _ in range(count)]
