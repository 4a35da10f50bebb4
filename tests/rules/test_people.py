"""Naming the other rows of a duplicate group, checked against a plain reading of the rule."""

from __future__ import annotations

import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from usikit.rules.people import SHOWN_OTHERS, others_in_group, skeleton


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
