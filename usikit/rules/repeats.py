"""Values that occur more than once in a column: duplicate Client IDs, the same person twice.

A million different Client IDs are compared as numbers where they are short
(`textscan.packed`), and repeats are found by a sort: a hash table of a million different
values misses the processor's cache at nearly every insert and costs several times the sort.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from usikit.rules.distinct import known_distinct, value_codes
from usikit.rules.textscan import packed


def repeated_cells(values: pd.Series) -> np.ndarray:
    """Cells whose value another cell holds too (a missing cell repeats another missing
    one), counted from the cells' `value_codes`: a normalised column's distinct values may
    hold one value twice (" C1" and "C1" both trimmed), which those codes make one. Short
    text of all different values (Client IDs) is compared as numbers instead."""
    numbers = packed(values) if known_distinct(values) is None else None
    if numbers is not None:
        return repeated_numbers(numbers)
    codes, count = value_codes(values)
    codes = np.where(codes < 0, count, codes)  # factorize numbers a missing cell -1
    return np.bincount(codes, minlength=count + 1)[codes] > 1


def repeated_numbers(numbers: np.ndarray) -> np.ndarray:
    """Which of `numbers` occur more than once: found by one sort, not a hash (a hash table
    of a million different numbers misses the processor's cache at nearly every insert, and
    costs several times the sort)."""
    order = np.argsort(numbers)
    ordered = numbers[order]
    same = ordered[1:] == ordered[:-1]  # each number beside its equals
    flags = np.zeros(len(numbers), dtype=bool)
    flags[1:] |= same
    flags[:-1] |= same
    repeated = np.empty(len(numbers), dtype=bool)
    repeated[order] = flags
    return repeated
