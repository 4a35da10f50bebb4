"""Medicare card numbers and IRNs: known vectors, failure reasons, scalar/vector agreement."""

from __future__ import annotations

import random

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from usikit.identifiers import medicare

# NEHTA's worked example "2123 45670 1" (quoted in https://stackoverflow.com/questions/3589345),
# also microsoft/presidio presidio-analyzer/tests/test_au_medicare_recognizer.py; 6140523093 from
# angusmillar/HealthIdentifiers HealthIdentifiers.Identifiers.Test/MedicareNumberTest.cs
KNOWN_VALID = ["2123456701", "6140523093"]
# (value, the check that fails). presidio (same file): wrong check digit, 12 digits, letters;
# angusmillar/HealthIdentifiers (same file): issue number 0, letters;
# 1234567890: the common dummy number, first digit 1 and wrong check digit.
KNOWN_INVALID = [
    ("2123258701", "check_digit"),
    ("212345670221", "ten_digits"),
    ("2123456702AF", "ten_digits"),
    ("2273766560", "issue_number"),
    ("614dsf4393", "ten_digits"),
    ("1234567890", "first_digit"),
]

ODD_INPUTS = [None, 2123456701, 3.5, float("nan"), b"2123456701", "", "2" * 1_000_000, pd.NA]

stems = st.from_regex(r"[2-6][0-9]{7}", fullmatch=True)
valid_numbers = st.tuples(stems, st.sampled_from("123456789")).map(
    lambda t: t[0] + medicare.check_digit(t[0]) + t[1]
)
texts = st.one_of(
    valid_numbers,
    st.text(alphabet="0123456789 -x\u0661", max_size=12),
    st.sampled_from(KNOWN_VALID + [v for v, _ in KNOWN_INVALID]),
)
cells = st.one_of(
    texts, st.none(), st.just(float("nan")), st.integers(), st.floats(), st.binary(max_size=11)
)


@pytest.mark.parametrize("value", KNOWN_VALID)
def test_known_valid(value: str) -> None:
    assert medicare.is_valid_number(value)
    assert medicare.check_digit(value[:8]) == value[8]


@pytest.mark.parametrize(("value", "failing"), KNOWN_INVALID)
def test_known_invalid_and_why(value: str, failing: str) -> None:
    assert not medicare.is_valid_number(value)
    checks = medicare.number_checks(pd.Series([value])).iloc[0]
    assert not checks[failing]
    if failing != "ten_digits":
        assert checks["ten_digits"]


def test_each_failure_is_reported_separately() -> None:
    values = pd.Series(
        ["2123456701", "2123258701", "2273766560", "212345670", "1234567891", None],
        index=list("abcdef"),
        name="MedicareCardNumber",
    )
    checks = medicare.number_checks(values)
    assert list(checks.columns) == list(medicare.CHECK_COLUMNS)
    assert checks.index.equals(values.index)
    assert checks.to_dict("list") == {
        "ten_digits": [True, True, True, False, True, False],
        "first_digit": [True, True, True, False, False, False],
        "check_digit": [True, False, True, False, False, False],
        "issue_number": [True, True, False, False, True, False],
    }
    assert medicare.valid_number_mask(values).tolist() == [True] + [False] * 5
    pd.testing.assert_series_equal(
        medicare.check_digit_mask(values), checks["check_digit"].rename("MedicareCardNumber")
    )
    pd.testing.assert_series_equal(
        medicare.issue_number_mask(values), checks["issue_number"].rename("MedicareCardNumber")
    )


def test_check_digit() -> None:
    assert medicare.check_digit("21234567") == "0"  # NEHTA: sum 170, remainder 0
    for bad in [
        "",
        "2123456",
        "212345670",
        "2123456a",
        "\u0662\u0661\u0662\u0663\u0664\u0665\u0666\u0667",
        None,
        21234567,
    ]:
        with pytest.raises(ValueError, match="Medicare card stem"):
            medicare.check_digit(bad)  # type: ignore[arg-type]


@pytest.mark.parametrize("value", ODD_INPUTS, ids=lambda v: type(v).__name__)
def test_validators_never_raise(value: object) -> None:
    assert medicare.is_valid_number(value) is False
    assert medicare.is_valid_irn(value) is False


def test_irn() -> None:
    good = [str(d) for d in range(1, 10)]
    bad = ["0", "10", "", " 1", "a", "\u0661", 1, 1.0, None]  # U+0661: Arabic-Indic 1
    assert all(medicare.is_valid_irn(v) for v in good)
    assert not any(medicare.is_valid_irn(v) for v in bad)
    series = pd.Series(good + bad, index=range(100, 100 + len(good) + len(bad)), dtype=object)
    mask = medicare.valid_irn_mask(series)
    assert mask.tolist() == [True] * len(good) + [False] * len(bad)
    assert mask.index.equals(series.index)


@given(stems, st.sampled_from("123456789"))
def test_appending_check_digit_and_issue_gives_valid_number(stem: str, issue: str) -> None:
    assert medicare.is_valid_number(stem + medicare.check_digit(stem) + issue)


@given(valid_numbers, st.integers(0, 9), st.sampled_from("0123456789"))
def test_single_digit_substitution(value: str, position: int, digit: str) -> None:
    assume(value[position] != digit)
    changed = value[:position] + digit + value[position + 1 :]
    # every digit up to the check digit is protected; the issue number only has to be non-zero
    assert medicare.is_valid_number(changed) == (position == 9 and digit != "0")


@given(st.lists(cells, max_size=30), st.integers(-1000, 1000))
def test_masks_agree_with_scalars_on_object_series(values: list, start: int) -> None:
    series = pd.Series(values, index=range(start, start + len(values)), dtype=object)
    mask = medicare.valid_number_mask(series)
    assert mask.dtype == bool
    assert mask.index.equals(series.index)
    assert mask.tolist() == [medicare.is_valid_number(v) for v in values]
    assert medicare.valid_irn_mask(series).tolist() == [medicare.is_valid_irn(v) for v in values]


@given(st.lists(st.one_of(texts, st.none()), max_size=30))
def test_masks_agree_with_scalars_on_string_series(values: list) -> None:
    expected = [medicare.is_valid_number(v) for v in values]
    labels = [f"card{i}" for i in range(len(values))]
    for series in (pd.Series(values, index=labels), pd.Series(values, dtype="string")):
        mask = medicare.valid_number_mask(series)
        assert mask.tolist() == expected
        assert mask.index.equals(series.index)


def test_generate_is_valid_and_reproducible() -> None:
    assert medicare.generate(random.Random(8)) == medicare.generate(random.Random(8))
    rng, generator = random.Random(1), np.random.default_rng(1)
    numbers = [medicare.generate(rng) for _ in range(300)]
    numbers += [medicare.generate(generator) for _ in range(300)]
    assert medicare.valid_number_mask(pd.Series(numbers)).all()


def test_generate_many_gives_valid_distinct_numbers():
    numbers = medicare.generate_many(5000, seed=3)
    assert len(numbers) == 5000
    assert medicare.valid_number_mask(pd.Series(numbers)).all()
    assert len(set(numbers)) > 4900
    assert numbers == medicare.generate_many(5000, seed=3)
