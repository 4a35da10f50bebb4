"""Australian Medicare card numbers, the DVS identity document most students use for a USI.

The card number is 10 digits: d1 is 2-6, d1..d8 weighted 1, 3, 7, 9, 1, 3, 7, 9 summed mod 10
must equal d9, and d10 is the card issue number, never 0. The individual reference number (IRN,
the person's position on the card) is a separate field of one digit 1-9.

The first-digit rule (2-6) comes from NEHTA's "Use of Healthcare Identifiers in Health Software
Systems - Software Conformance Requirements" v1.4, as quoted in public developer answers.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from usikit.identifiers.cells import Rng, byte_matrix, draw, mask_from

FIRST_DIGITS = "23456"

_WEIGHTS = np.array([1, 3, 7, 9, 1, 3, 7, 9], dtype=np.int64)
_ZERO = ord("0")
CHECK_COLUMNS = ("ten_digits", "first_digit", "check_digit", "issue_number")


def _is_digits(value: str, length: int) -> bool:
    """``value`` is exactly ``length`` ASCII digits (str.isdigit alone accepts '²' and '٣')."""
    return len(value) == length and value.isascii() and value.isdigit()


def check_digit(first8: str) -> str:
    """Complete a Medicare card stem for sample data, or show a user which digit was expected."""
    if not isinstance(first8, str) or not _is_digits(first8, 8):
        raise ValueError(f"a Medicare card stem is 8 ASCII digits, got {first8!r}")
    return str(int(np.dot(_WEIGHTS, [int(ch) for ch in first8])) % 10)


def is_valid_number(value: object) -> bool:
    """Catch mistyped card numbers before the registry's DVS check rejects the application."""
    return (
        isinstance(value, str)
        and _is_digits(value, 10)
        and value[0] in FIRST_DIGITS
        and check_digit(value[:8]) == value[8]
        and value[9] != "0"
    )


def number_checks(values: pd.Series) -> pd.DataFrame:
    """Tell a validator WHICH part of each card number failed, not just that it did.

    Columns (``CHECK_COLUMNS``): ``ten_digits`` (a str of exactly 10 ASCII digits), and, each
    False wherever ``ten_digits`` is False, ``first_digit`` (2-6), ``check_digit`` (d9 right)
    and ``issue_number`` (d10 not 0).
    """
    positions, matrix = byte_matrix(values, 10)
    digits = matrix.astype(np.int64) - _ZERO
    shape = ((digits >= 0) & (digits <= 9)).all(axis=1)
    checks = {
        "ten_digits": shape,
        "first_digit": shape & (digits[:, 0] >= 2) & (digits[:, 0] <= 6),
        "check_digit": shape & ((digits[:, :8] * _WEIGHTS).sum(axis=1) % 10 == digits[:, 8]),
        "issue_number": shape & (digits[:, 9] != 0),
    }
    return pd.DataFrame(
        {name: mask_from(values, positions, ok).to_numpy() for name, ok in checks.items()},
        index=values.index,
    )


def valid_number_mask(values: pd.Series) -> pd.Series:
    """Check a whole column of card numbers at once, agreeing with ``is_valid_number``."""
    return pd.Series(
        number_checks(values).all(axis=1).to_numpy(dtype=bool),
        index=values.index,
        name=values.name,
    )


def check_digit_mask(values: pd.Series) -> pd.Series:
    """Single out card numbers whose 9th digit is wrong (so the user re-reads the card)."""
    return number_checks(values)["check_digit"].rename(values.name)


def issue_number_mask(values: pd.Series) -> pd.Series:
    """Single out card numbers whose issue number is 0, which no card carries."""
    return number_checks(values)["issue_number"].rename(values.name)


def is_valid_irn(value: object) -> bool:
    """Catch an IRN that cannot be a position on a card (0, blank, two digits, a letter)."""
    return isinstance(value, str) and _is_digits(value, 1) and value != "0"


def valid_irn_mask(values: pd.Series) -> pd.Series:
    """Check a whole IRN column at once, with the same verdict as ``is_valid_irn``."""
    positions, matrix = byte_matrix(values, 1)
    ok = (matrix[:, 0] >= ord("1")) & (matrix[:, 0] <= ord("9"))
    return mask_from(values, positions, ok)


def generate(rng: Rng) -> str:
    """Give simulators and sample data a card number that passes every local check."""
    stem = FIRST_DIGITS[draw(rng, 5, 1)[0]] + "".join(str(d) for d in draw(rng, 10, 7))
    return stem + check_digit(stem) + str(1 + draw(rng, 9, 1)[0])


def generate_many(n: int, seed: int | None = None) -> list[str]:
    """Make large batches of valid sample card numbers without a Python loop per value."""
    rng = np.random.default_rng(seed)
    stems = rng.integers(0, 10, size=(n, 8), dtype=np.int64)
    stems[:, 0] = rng.integers(2, 7, size=n)
    checks = (stems * _WEIGHTS).sum(axis=1) % 10
    issues = rng.integers(1, 10, size=n)
    rows = np.concatenate([stems, checks[:, None], issues[:, None]], axis=1).astype(np.uint8)
    return np.ascontiguousarray(rows + _ZERO).view("S10").ravel().astype("U10").tolist()
