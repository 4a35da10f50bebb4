"""Unique Student Identifier (Australia): format, check character and sample values.

A USI is 10 characters from ``ALPHABET``; the 10th is a Luhn mod N (N = 32) check character
whose code point is the character's index in ``ALPHABET``. Lower case is not valid on the wire:
callers that upper-case user input must say so to the user.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from usikit.identifiers.cells import Rng, arrow_strings, byte_matrix, draw, mask_from, str_cells

ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
EXEMPTION_CODES = frozenset({"INTOFF", "INDIV"})

_N = len(ALPHABET)
_INDEX = {ch: i for i, ch in enumerate(ALPHABET)}
# byte -> code point, -1 for any byte outside the alphabet (lower case, digits 0/1, I, O, '?').
_CODE = np.full(256, -1, dtype=np.int16)
_CODE[np.frombuffer(ALPHABET.encode("ascii"), dtype=np.uint8)] = np.arange(_N, dtype=np.int16)
# Weights alternate 2, 1 from the right of the nine-character stem; the check character gets 1.
_WEIGHTS = np.array([2, 1] * 5, dtype=np.int16)
_ALPHABET_BYTES = np.frombuffer(ALPHABET.encode("ascii"), dtype=np.uint8)


def _sum_addends(codes: np.ndarray) -> np.ndarray:
    """Luhn mod 32 sum along the last axis, for a 9-character stem or a whole 10-character USI."""
    addend = codes * _WEIGHTS[: codes.shape[-1]]
    return (addend // _N + addend % _N).sum(axis=-1)


def check_character(first9: str) -> str:
    """Complete or verify a USI stem before anything reaches the registry."""
    if not isinstance(first9, str) or len(first9) != 9:
        raise ValueError(f"a USI stem is 9 characters, got {first9!r}")
    bad = sorted({ch for ch in first9 if ch not in _INDEX})
    if bad:
        raise ValueError(f"USI stem {first9!r} has characters outside {ALPHABET}: {''.join(bad)!r}")
    total = int(_sum_addends(np.array([_INDEX[ch] for ch in first9], dtype=np.int16)))
    return ALPHABET[(_N - total % _N) % _N]


def is_valid(value: object) -> bool:
    """Catch mistyped USIs locally instead of spending a registry call on them."""
    if not isinstance(value, str) or len(value) != 10:
        return False
    if any(ch not in _INDEX for ch in value):
        return False
    return check_character(value[:9]) == value[9]


def is_exemption(value: object) -> bool:
    """Tell AVETMISS exemption codes apart from USIs so they are never submitted or flagged."""
    return isinstance(value, str) and value in EXEMPTION_CODES


def exemption_mask(values: pd.Series) -> pd.Series:
    """Let a validator skip exemption codes across a whole column at once."""
    data = arrow_strings(values)
    if data is not None:
        found = pc.fill_null(pc.is_in(data, pa.array(sorted(EXEMPTION_CODES))), False)
        return pd.Series(found.to_numpy(), index=values.index, name=values.name)
    found = pd.Series(str_cells(values), dtype=object).isin(list(EXEMPTION_CODES))
    return pd.Series(found.to_numpy(dtype=bool), index=values.index, name=values.name)


def valid_mask(values: pd.Series) -> pd.Series:
    """Check a whole column of USIs at data-frame speed, with the same verdict as ``is_valid``."""
    positions, matrix = byte_matrix(values, 10)
    codes = _CODE[matrix]
    ok = (codes >= 0).all(axis=1) & (_sum_addends(codes) % _N == 0)
    return mask_from(values, positions, ok)


def generate(rng: Rng) -> str:
    """Give simulators and sample data a USI that passes the check, reproducibly."""
    stem = "".join(ALPHABET[i] for i in draw(rng, _N, 9))
    return stem + check_character(stem)


def generate_many(n: int, seed: int | None = None) -> list[str]:
    """Make large batches of valid sample USIs without a Python loop per value."""
    stems = np.random.default_rng(seed).integers(0, _N, size=(n, 9), dtype=np.int16)
    checks = (_N - _sum_addends(stems) % _N) % _N
    codes = np.concatenate([stems, checks[:, None].astype(np.int16)], axis=1)
    rows = np.ascontiguousarray(_ALPHABET_BYTES[codes])
    return rows.view("S10").ravel().astype("U10").tolist()
