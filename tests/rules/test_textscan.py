"""The byte-level scans agree with the plain string questions they stand for."""

from __future__ import annotations

import re

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from usikit.rules.memo import shared_results
from usikit.rules.textscan import (
    byte_run,
    fits,
    four_digit_numbers,
    full_match,
    holding,
    holding_bytes,
    nonempty_cells,
    packed,
    positions_in,
    starts_with,
    untidy,
    without,
)

CELLS = st.lists(
    st.text(alphabet=st.sampled_from(list("ab 'é\t\n\u00a0-=+Z9")), max_size=8), max_size=40
)


@settings(max_examples=200, deadline=None)
@given(CELLS)
def test_untidy_flags_every_cell_that_tidying_would_change(cells):
    values = pd.Series(cells, dtype="str", index=range(5, 5 + len(cells)))
    flagged = untidy(values)
    for cell, flag in zip(cells, flagged, strict=True):
        tidied = re.sub(r"[\s\u00a0]+", " ", cell).strip()
        if tidied != cell:
            assert flag, repr(cell)


@settings(max_examples=200, deadline=None)
@given(CELLS)
def test_starts_with_and_non_ascii_match_python(cells):
    values = pd.Series(cells, dtype="str")
    assert starts_with(values, "'").tolist() == [c.startswith("'") for c in cells]
    assert holding(values, non_ascii=True).tolist() == [not c.isascii() for c in cells]
    assert holding(values, "=+").tolist() == [("=" in c) or ("+" in c) for c in cells]


WANTED = st.sampled_from(
    [b"\xe2", b"\t\x7f", b"`" + bytes(range(0x80, 0x100)), b"=+", b"a\xc3", b""]
)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.text(alphabet=st.sampled_from(list("ab `\t\x7f=é\u2019\u200d日")), max_size=6),
        max_size=40,
    ),
    st.lists(WANTED, min_size=1, max_size=4),
)
def test_holding_bytes_reads_the_unusual_cells_as_a_scan_of_every_cell_would(cells, asked):
    """Questions about unusual bytes read only the cells one shared scan found; any other
    question scans every cell: both say what Python says of each cell's bytes."""
    values = pd.Series(cells, dtype="str")
    with shared_results():  # the scan shared by the questions, as in a validation
        for wanted in asked:
            expected = [any(b in wanted for b in c.encode()) for c in cells]
            assert holding_bytes(values, wanted).tolist() == expected
    assert holding_bytes(values, b"\xe2").tolist() == [
        "\u2019" in c or "\u200d" in c for c in cells
    ]


def test_scans_work_on_a_column_arrow_keeps_in_many_chunks():
    values = pd.concat([pd.Series(["a  b", "ok"] * 3, dtype="str")] * 50, ignore_index=True)
    assert untidy(values).tolist() == [True, False] * 150


def test_full_match_is_anchored_and_blank_safe():
    values = pd.Series(["0800", "08000", "", "x0800"], index=[3, 4, 5, 6])
    assert full_match(values, "[0-9]{4}").tolist() == [True, False, False, False]
    assert full_match(values, "[0-9]{4}").index.tolist() == [3, 4, 5, 6]


def test_without_and_positions_in():
    values = pd.Series(["(02) 9999-0000", "", "0412 345 678"], index=[7, 8, 9])
    assert without(values, " ()-").tolist() == ["0299990000", "", "0412345678"]
    assert positions_in(pd.Series(["NSW", "x", "ACT", ""]), ("NSW", "VIC", "ACT")).tolist() == [
        0, -1, 2, -1,
    ]  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(alphabet=st.sampled_from(list("0189/x")), max_size=11), max_size=40))
def test_fits_agrees_with_a_regular_expression(cells):
    values = pd.Series(cells, dtype="str")
    expected = [re.fullmatch(r"[0-9]{2}/[0-9]{2}/[0-9]{4}", c) is not None for c in cells]
    assert fits(values, "99/99/9999").tolist() == expected


@given(CELLS, st.integers(0, 5))
def test_nonempty_cells_are_the_cells_that_are_not_blank_even_in_a_slice(cells, start):
    values = pd.Series(cells, dtype="str").iloc[start:]
    assert nonempty_cells(values).tolist() == [c != "" for c in cells[start:]]
    missing = pd.Series(["a", None, ""], dtype="str")
    assert nonempty_cells(missing).tolist() == [True, False, False]


def test_scans_of_a_slice_see_only_the_slice():
    values = pd.Series(["a  b", "Zoë", "'x", "ok", "fine", "also fine"], dtype="str")
    part = values.iloc[3:]
    assert untidy(part).tolist() == [False, False, False]
    assert holding(part, non_ascii=True).tolist() == [False, False, False]
    assert starts_with(part, "'").tolist() == [False, False, False]
    assert untidy(values.iloc[:2]).tolist() == [True, False]


@given(st.lists(st.text(alphabet="0123456789 /a\u00e9", max_size=6), max_size=40))
def test_four_digit_numbers_agree_with_python(cells):
    values = pd.Series(cells, dtype="str")
    expected = [int(c) if len(c) == 4 and c.isascii() and c.isdigit() else -1 for c in cells]
    assert four_digit_numbers(values).tolist() == expected


# Every one-class pattern the rules use, and some edge cases of the class's writing.
RUNS = [
    "[ -~]*",
    r"[\x00-\x7f]*",
    "[0-9]+",
    "[A-Z0-9]{1,14}",
    "[0-9]{10}",
    r"[A-Z0-9/\-]{4,11}",
    "[0-9]{3}",
    r"[A-Za-z' \-]*",
    "[a-]+",
    r"[\.\]x]{2}",
]
RUN_CELLS = st.lists(
    st.text(
        alphabet=st.sampled_from(list("aZ09 -/'.]~\x7f\x00\t\u00e9\u0410\U0001f600")), max_size=12
    ),
    max_size=40,
)


def _by_arrow(cells: list[str], pattern: str) -> list[bool]:
    hits = pc.match_substring_regex(pa.array(cells, pa.large_string()), f"^(?:{pattern})$")
    return hits.to_pylist()


@pytest.mark.parametrize("pattern", RUNS)
def test_every_one_class_pattern_the_rules_use_is_read_as_one(pattern):
    assert byte_run(pattern) is not None


@pytest.mark.parametrize(
    "pattern", ["[^a]*", r"[\p{L}]*", r"[\w]+", "[a-z]?", "(?:[0-9]{4})", "[\u00e9]*", "[0-9]{2}x"]
)
def test_other_patterns_are_left_to_the_regular_expression_engine(pattern):
    assert byte_run(pattern) is None


@settings(max_examples=300, deadline=None)
@given(RUN_CELLS, st.sampled_from(RUNS))
def test_one_class_patterns_match_as_the_regular_expression_engine_does(cells, pattern):
    values = pd.Series(cells, dtype="str", index=range(3, 3 + len(cells)))
    assert full_match(values, pattern).tolist() == _by_arrow(cells, pattern)
    assert full_match(values.iloc[1:], pattern).tolist() == _by_arrow(cells[1:], pattern)


def test_a_missing_cell_never_matches_a_one_class_pattern():
    values = pd.Series(["12", None, ""], dtype="str")
    assert full_match(values, "[0-9]*").tolist() == [True, False, True]


@settings(max_examples=300, deadline=None)
@given(RUN_CELLS, st.sampled_from([" ()-", "a", "\t/", "\u00e9 "]))
def test_without_removes_exactly_the_characters_python_would(cells, characters):
    values = pd.Series(cells, dtype="str", index=range(2, 2 + len(cells)))
    expected = ["".join(c for c in cell if c not in characters) for cell in cells]
    assert without(values, characters).tolist() == expected
    assert without(values.iloc[2:], characters).tolist() == expected[2:]


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.text(alphabet=st.sampled_from(list("aZ0\x00 é\u0410")), max_size=4), max_size=40),
    st.booleans(),
)
def test_packed_numbers_are_equal_exactly_where_the_cells_are(cells, eight_bytes):
    if eight_bytes:  # every cell exactly 8 bytes, as fixed-width Client IDs are
        cells = [cell.encode()[:8].ljust(8, b"x").decode("utf-8", "replace") for cell in cells]
        cells = [cell if len(cell.encode()) == 8 else "x" * 8 for cell in cells]
    values = pd.Series(cells, dtype="str", index=range(5, 5 + len(cells)))
    with shared_results():
        numbers = packed(values)
        sliced = packed(values.iloc[1:])
    sizes = {len(cell.encode()) for cell in cells}
    if not cells or (max(sizes) > 7 and sizes != {8}):
        assert numbers is None
        return
    assert numbers is not None
    assert pd.factorize(numbers)[0].tolist() == pd.factorize(values)[0].tolist()
    if len(cells) > 1 and sliced is not None:
        assert pd.factorize(sliced)[0].tolist() == pd.factorize(values.iloc[1:])[0].tolist()


def test_long_mixed_or_missing_cells_are_not_packed():
    with shared_results():
        assert packed(pd.Series(["abcdefghi", "a"], dtype="str")) is None  # over 8 bytes
        assert packed(pd.Series(["abcdefgh", "a"], dtype="str")) is None  # 8 and fewer
        assert packed(pd.Series(["a", None], dtype="str")) is None  # a missing cell
