"""Naming the other rows of a duplicate group, checked against a plain reading of the rule."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from hypothesis import given, settings
from hypothesis import strategies as st

from usikit.rules import people
from usikit.rules.people import (
    FEW_NAMES,
    NAME_PATTERN,
    SHOWN_OTHERS,
    is_name,
    others_in_group,
    skeleton,
)


def plainly(keys: pd.Series) -> list[str]:
    """Each row: the first rows of its group (in file order) other than itself, then a count."""
    texts = []
    for row, key in keys.items():
        members = [r for r, k in keys.items() if k == key]
        others = [str(r) for r in members[: SHOWN_OTHERS + 1] if r != row][:SHOWN_OTHERS]
        more = len(members) - 1 - len(others)
        texts.append(", ".join(others) + (f" and {more} more" if more > 0 else ""))
    return texts


@given(st.lists(st.integers(0, 6), max_size=40), st.randoms(use_true_random=False))
def test_every_row_names_the_others_of_its_group(codes, random):
    rows = list(range(2, 2 + len(codes)))
    random.shuffle(rows)
    keys = pd.Series([f"k{c}" for c in codes], index=rows)
    assert others_in_group(keys).tolist() == plainly(keys)


def test_a_pair_names_each_other_and_a_crowd_is_counted():
    keys = pd.Series(["a", "b", "a"] + ["c"] * 8, index=range(2, 13))
    named = others_in_group(keys)
    assert named[2] == "4" and named[4] == "2" and named[3] == ""
    assert named[5] == "6, 7, 8, 9, 10 and 2 more"


@given(st.lists(st.integers(0, 3), max_size=30))
def test_rows_labelled_other_than_by_number_are_named_as_written(codes):
    keys = pd.Series([f"k{c}" for c in codes], index=[f"r{i}" for i in range(len(codes))])
    assert others_in_group(keys).tolist() == plainly(keys)


def test_names_are_compared_without_case_accents_or_look_alike_letters():
    names = pd.Series(
        ["Zo\u00eb", "\u0410nna", "\ufb01ona", "\u039fLGA", "O'Brien", ""],  # Cyrillic A, Greek O
        index=[10, 11, 12, 13, 14, 15],
        dtype="str",
    )
    folded = skeleton(names)
    assert folded.tolist() == ["zoe", "anna", "fiona", "olga", "o'brien", ""]
    assert folded.index.tolist() == names.index.tolist()


@given(st.text(alphabet="aAeE\u00eb\u0410\u0430\u039f\u03bf\u0301 -'", max_size=8))
def test_a_name_and_its_look_alike_spelling_fold_to_one_skeleton(name):
    latin = name.translate({ord("\u0410"): "A", ord("\u0430"): "a", ord("\u039f"): "O"})
    latin = latin.translate({ord("\u03bf"): "o"})
    both = skeleton(pd.Series([name, latin], dtype="str"))
    assert both.iloc[0] == both.iloc[1]


NAME_PARTS = ["a", "Z", "é", "e\u0301", "Д", "م", "क", "\u093f", "李", "\u200c", "\u200d",
              " ", "'", "-", "1", ".", "\U0001f600", "\u0301"]  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(st.lists(st.lists(st.sampled_from(NAME_PARTS), max_size=7).map("".join), max_size=30))
def test_names_checked_in_python_are_the_names_re2_accepts(cells):
    """A handful of names beyond ASCII are checked in Python by the grammar NAME_PATTERN is
    written from; the answers are RE2's, joiners between letters included."""
    values = pd.Series(cells, dtype="str")
    engine = pc.match_substring_regex(
        pa.array(cells, pa.large_string()), f"^(?:{NAME_PATTERN})$"
    ).to_pylist()
    expected = [cell == "" or hit for cell, hit in zip(cells, engine, strict=True)]
    assert is_name(values).tolist() == expected


def test_many_names_beyond_ascii_go_to_re2_in_one_call(monkeypatch):
    names = pd.Series(["Zoë", "ab\u200ccd", "a\u200c\u200cb", "x1"] * (FEW_NAMES // 2), dtype="str")
    calls = []
    original = people.or_full_match
    monkeypatch.setattr(people, "or_full_match", lambda *a: calls.append(a[2]) or original(*a))
    assert is_name(names).tolist() == [True, True, False, False] * (FEW_NAMES // 2)
    assert calls == [NAME_PATTERN]
    assert is_name(names.head(4)).tolist() == [True, True, False, False]
    assert calls == [NAME_PATTERN]  # a handful: no regular expression
