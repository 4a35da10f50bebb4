"""The phone rules' shortcuts say what their patterns say.

`mobile_or_not_australian` tells mobiles by how an Australian number starts, and
`phone_characters` reads the bytes a number holds before its pattern; both must agree with
the patterns they stand for (`MOBILE`, `PHONE_CHARACTERS`) on any text.
"""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from hypothesis import given, settings
from hypothesis import strategies as st

from usikit.bulk_usi.contact_rules import (
    AUSTRALIAN_PHONE,
    CONTACT_RULES,
    MOBILE,
    PHONE_CHARACTERS,
    mobile_or_not_australian,
    phone_characters,
)
from usikit.rules.memo import shared_results

NUMBERS = st.lists(
    st.one_of(
        st.text(alphabet=st.sampled_from(list("0123468+ ()-x\u00e9")), max_size=14),
        st.from_regex(AUSTRALIAN_PHONE, fullmatch=True),
        st.sampled_from(["0412345678", "+61412345678", "+614", "04", "0298765432", "131450"]),
    ),
    min_size=1,
    max_size=40,
)


def _matches(cells: list[str], pattern: str) -> list[bool]:
    array = pa.array(cells, pa.large_string())
    return pc.match_substring_regex(array, f"^(?:{pattern})$").to_pylist()


@settings(max_examples=300, deadline=None)
@given(NUMBERS)
def test_a_mobile_is_told_as_the_mobile_pattern_tells_it(cells):
    digits = ["".join(c for c in cell if c not in " ()-") for cell in cells]
    australian = _matches(digits, AUSTRALIAN_PHONE)
    expected = [not a or m for a, m in zip(australian, _matches(digits, MOBILE), strict=True)]
    with shared_results():
        found = mobile_or_not_australian(pd.Series(cells, dtype="str"))
    assert found.tolist() == expected


@settings(max_examples=300, deadline=None)
@given(NUMBERS)
def test_phone_characters_are_the_patterns_and_the_rule_lets_a_blank_pass(cells):
    values = pd.Series(cells, dtype="str", index=range(2, 2 + len(cells)))
    matched = _matches(cells, PHONE_CHARACTERS)
    with shared_results():
        assert phone_characters(values).tolist() == matched
        assert phone_characters(values.iloc[1:]).tolist() == matched[1:]  # a slice's own cells
        rule = next(r for r in CONTACT_RULES if r.check == "phone_characters")
        passed = rule.test(values).tolist()
    assert passed == [cell == "" or hit for cell, hit in zip(cells, matched, strict=True)]
