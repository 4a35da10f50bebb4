"""The common tests agree with plain Python on any text, blank cells and letters of several
bytes included (they read the column's UTF-8 bytes first and count characters only where
the bytes leave it open)."""

from __future__ import annotations

import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from usikit.rules.checks import at_most, fullmatch, one_of

CELLS = st.lists(st.text(alphabet="ab \u00e9\u4e2d\U0001f600", max_size=7), max_size=25)


@given(CELLS, st.integers(min_value=0, max_value=8))
def test_at_most_counts_characters_not_bytes(cells, length):
    values = pd.Series(cells, dtype="str")
    assert list(at_most(length)(values)) == [len(cell) <= length for cell in cells]


@given(CELLS)
def test_a_blank_cell_passes_a_format_test_and_a_filled_one_is_tested(cells):
    values = pd.Series(cells, dtype="str", index=range(100, 100 + len(cells)))
    shaped = fullmatch("[ab]+")(values)
    chosen = one_of(["ab", "\u00e9"])(values)
    assert list(shaped) == [c == "" or set(c) <= {"a", "b"} for c in cells]
    assert list(chosen) == [c in ("", "ab", "\u00e9") for c in cells]
