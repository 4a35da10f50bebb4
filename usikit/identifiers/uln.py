"""Unique Learner Number (England): format, check digit and sample values.

A ULN is 10 digits, the first not 0. With weights 10, 9, ..., 2 on the first nine digits,
r = sum mod 11; r = 0 is never valid, otherwise the 10th digit is 10 - r (r = 10 gives 0).
``9999999999`` is the ILR's temporary ULN: it fails the check and is accepted only where the
caller explicitly allows temporary ULNs.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from usikit.identifiers.cells import Rng, byte_matrix, draw, mask_from

TEMPORARY_ULN = "9999999999"

_WEIGHTS = np.arange(10, 1, -1, dtype=np.int64)
_ZERO = ord("0")


def _is_digits(value: str, length: int) -> bool:
    """``value`` is exactly ``length`` ASCII digits (str.isdigit alone accepts '²' and '٣')."""
    return len(value) == length and value.isascii() and value.isdigit()


def check_digit(first9: str) -> str | None:
    """Complete a ULN stem, or say (None) that no valid ULN starts with these nine digits."""
    if not isinstance(first9, str) or not _is_digits(first9, 9):
        raise ValueError(f"a ULN stem is 9 ASCII digits, got {first9!r}")
    r = int(np.dot(_WEIGHTS, [int(ch) for ch in first9])) % 11
    return None if r == 0 else str((10 - r) % 10)


def is_valid(value: object, *, allow_temporary: bool = False) -> bool:
    """Catch mistyped ULNs before a registration file goes to an awarding organisation."""
    if not isinstance(value, str) or not _is_digits(value, 10):
        return False
    if value == TEMPORARY_ULN:
        return allow_temporary
    return value[0] != "0" and check_digit(value[:9]) == value[9]


def valid_mask(values: pd.Series, *, allow_temporary: bool = False) -> pd.Series:
    """Check a whole column of ULNs at data-frame speed, with the same verdict as ``is_valid``."""
    positions, matrix = byte_matrix(values, 10)
    digits = matrix.astype(np.int64) - _ZERO
    shape_ok = ((digits >= 0) & (digits <= 9)).all(axis=1) & (digits[:, 0] != 0)
    r = (digits[:, :9] * _WEIGHTS).sum(axis=1) % 11
    ok = shape_ok & (r != 0) & (digits[:, 9] == (10 - r) % 10)
    if allow_temporary:
        ok |= (digits == 9).all(axis=1)
    return mask_from(values, positions, ok)


def generate(rng: Rng) -> str:
    """Give simulators and sample data a ULN that passes the check, reproducibly."""
    while True:
        first = 1 + draw(rng, 9, 1)[0]
        stem = str(first) + "".join(str(d) for d in draw(rng, 10, 8))
        digit = check_digit(stem)
        if digit is not None:
            return stem + digit


def generate_many(n: int, seed: int | None = None) -> list[str]:
    """Make large batches of valid sample ULNs without a Python loop per value."""
    rng = np.random.default_rng(seed)
    stems = np.empty((n, 9), dtype=np.int64)
    todo = np.arange(n)
    while todo.size:  # about 1 stem in 11 has no valid check digit: draw those again
        stems[todo, 0] = rng.integers(1, 10, size=todo.size)
        stems[todo, 1:] = rng.integers(0, 10, size=(todo.size, 8))
        todo = todo[(stems[todo] * _WEIGHTS).sum(axis=1) % 11 == 0]
    checks = (10 - (stems * _WEIGHTS).sum(axis=1) % 11) % 10
    rows = np.concatenate([stems, checks[:, None]], axis=1).astype(np.uint8) + _ZERO
    return np.ascontiguousarray(rows).view("S10").ravel().astype("U10").tolist()
