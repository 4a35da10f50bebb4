"""Turning a column of cells into arrays the identifier checks can work on without loops."""

from __future__ import annotations

import random

import numpy as np
import pandas as pd

Rng = random.Random | np.random.Generator


def str_cells(values: pd.Series) -> np.ndarray:
    """``values`` as an object array in which every cell that is not a str (NA too) is None."""
    cells = values.to_numpy(dtype=object, na_value=None)
    if pd.api.types.infer_dtype(cells, skipna=True) in ("string", "empty"):
        return cells
    is_str = np.frompyfunc(isinstance, 2, 1)(cells, str).astype(bool)
    return np.where(is_str, cells, None)


def byte_matrix(values: pd.Series, width: int) -> tuple[np.ndarray, np.ndarray]:
    """Positions of the str cells exactly ``width`` long and their bytes, one row each.

    Non-strings and NA are left out; non-ASCII characters become ``?`` so every row stays
    ``width`` bytes and no alphabet or digit test can accept them.
    """
    cells = str_cells(values)
    positions = np.flatnonzero(pd.notna(cells))
    lengths = np.frompyfunc(len, 1, 1)(cells[positions]).astype(np.int64)
    positions = positions[lengths == width]
    blob = "".join(cells[positions]).encode("ascii", "replace")
    return positions, np.frombuffer(blob, dtype=np.uint8).reshape(-1, width)


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
