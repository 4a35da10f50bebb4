"""USI check character: known vectors, scalar/vector agreement and error-detection properties."""

from __future__ import annotations

import random

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from usikit.identifiers import usi

# shared/domain.md section 1.1
DOMAIN_VALID = ["BNGH7C75FN", "223456789N"]
DOMAIN_INVALID = ["XNY5NV9WG8", "223456789X", "2GF2ugxxv8"]
# ishgroup/oncourse types/src/test/java/ish/util/UsiUtilTest.java (an RTO student system)
ONCOURSE_VALID = [
    "2GF2UGXXV8",
    "ZTCP6RPU6M",
    "KLP2ZP6NCW",
    "G2RN4G89SD",
    "PCVA64XU3D",
    "CVPZXK7N9H",
    "QBK9UZYQNJ",
    "W2NBT2FW66",
    "TSXEDK8HVP",
]
ONCOURSE_INVALID = ["HGDFSGYHIG", "5U9HD88TA3", "2GF2ugxxv8"]

ODD_INPUTS = [
    None,
    12,
    3.5,
    float("nan"),
    b"bytes",
    b"BNGH7C75FN",
    bytearray(b"BNGH7C75FN"),
    "",
    "B" * 1_000_000,
    ["BNGH7C75FN"],
    object(),
    pd.NA,
]

stems = st.text(alphabet=usi.ALPHABET, min_size=9, max_size=9)
valid_usis = stems.map(lambda stem: stem + usi.check_character(stem))
junk_text = st.text(
    alphabet=usi.ALPHABET + usi.ALPHABET.lower() + "01IO -?é√\u00a0\U0001f600",
    max_size=12,
)
texts = st.one_of(valid_usis, junk_text, st.sampled_from(ONCOURSE_VALID + DOMAIN_INVALID))
cells = st.one_of(
    texts,
    st.none(),
    st.just(float("nan")),
    st.integers(),
    st.floats(),
    st.binary(max_size=12),
    st.sampled_from(sorted(usi.EXEMPTION_CODES)),
)


@pytest.mark.parametrize("value", DOMAIN_VALID + ONCOURSE_VALID)
def test_known_valid(value: str) -> None:
    assert usi.is_valid(value)
    assert usi.check_character(value[:9]) == value[9]


@pytest.mark.parametrize("value", DOMAIN_INVALID + ONCOURSE_INVALID)
def test_known_invalid(value: str) -> None:
    assert not usi.is_valid(value)


def test_lower_case_is_not_valid_but_upper_casing_it_can_be() -> None:
    assert not usi.is_valid("2gf2ugxxv8")
    assert usi.is_valid("2gf2ugxxv8".upper())


def test_known_vectors_vectorised() -> None:
    values = DOMAIN_VALID + ONCOURSE_VALID + DOMAIN_INVALID + ONCOURSE_INVALID
    mask = usi.valid_mask(pd.Series(values))
    assert mask.tolist() == [v in DOMAIN_VALID + ONCOURSE_VALID for v in values]


@pytest.mark.parametrize(
    "bad",
    ["", "BNGH7C75", "BNGH7C75FN", "BNGH7C75f", "BNGH7C75I", "BNGH7C750", "BNGH7C7 F", None, 12345],
)
def test_check_character_rejects_bad_stems(bad: object) -> None:
    with pytest.raises(ValueError, match="USI stem"):
        usi.check_character(bad)  # type: ignore[arg-type]


@pytest.mark.parametrize("value", ODD_INPUTS, ids=lambda v: type(v).__name__)
def test_is_valid_never_raises(value: object) -> None:
    assert usi.is_valid(value) is False
    assert usi.is_exemption(value) is False


def test_exemption_codes_are_not_usis() -> None:
    for code in usi.EXEMPTION_CODES:
        assert usi.is_exemption(code)
        assert not usi.is_valid(code)
    assert not usi.is_exemption("intoff")
    assert not usi.is_exemption("BNGH7C75FN")
    values = pd.Series(
        ["INTOFF", "INDIV", "BNGH7C75FN", None, 3, ["INTOFF"], b"INDIV"],
        index=[7, 6, 5, 4, 3, 2, 1],
    )
    mask = usi.exemption_mask(values)
    assert mask.tolist() == [True, True, False, False, False, False, False]
    assert mask.index.equals(values.index)


@given(stems)
def test_appending_check_character_gives_valid_usi(stem: str) -> None:
    assert usi.is_valid(stem + usi.check_character(stem))


@given(valid_usis, st.integers(0, 9), st.sampled_from(usi.ALPHABET))
def test_any_single_substitution_is_detected(value: str, position: int, char: str) -> None:
    assume(value[position] != char)
    changed = value[:position] + char + value[position + 1 :]
    assert not usi.is_valid(changed)


def test_every_single_substitution_of_known_usis_is_detected() -> None:
    changed = [
        v[:i] + c + v[i + 1 :]
        for v in DOMAIN_VALID + ONCOURSE_VALID
        for i in range(10)
        for c in usi.ALPHABET
        if c != v[i]
    ]
    assert not usi.valid_mask(pd.Series(changed)).any()


@given(st.lists(cells, max_size=30), st.integers(-1000, 1000))
def test_mask_agrees_with_scalar_on_object_series(values: list, start: int) -> None:
    series = pd.Series(values, index=range(start, start + 3 * len(values), 3), dtype=object)
    before = series.copy()
    mask = usi.valid_mask(series)
    assert mask.dtype == bool
    assert mask.index.equals(series.index)
    assert mask.tolist() == [usi.is_valid(v) for v in values]
    pd.testing.assert_series_equal(series, before)


@given(st.lists(st.one_of(texts, st.none()), max_size=30))
def test_mask_agrees_with_scalar_on_string_series(values: list) -> None:
    expected = [usi.is_valid(v) for v in values]
    labels = [f"row{i}" for i in range(len(values))]
    for series in (pd.Series(values, index=labels), pd.Series(values, dtype="string")):
        mask = usi.valid_mask(series)
        assert mask.tolist() == expected
        assert mask.index.equals(series.index)


def test_mask_edge_shapes() -> None:
    assert usi.valid_mask(pd.Series([], dtype=object)).tolist() == []
    assert usi.valid_mask(pd.Series([None, np.nan], dtype=object)).tolist() == [False, False]
    assert usi.valid_mask(pd.Series([1, 2])).tolist() == [False, False]
    # non-ASCII, including a lone surrogate, must not break the fixed-width byte view
    odd = pd.Series(
        ["BNGH7C75F\ud800", "BNGH7C75FÑ", "\uff22NGH7C75FN", "BNGH7C75FN"], dtype=object
    )
    assert usi.valid_mask(odd).tolist() == [False, False, False, True]
    duplicated = pd.Series(["BNGH7C75FN", "x", "BNGH7C75FN"], index=[7, 7, 7], name="USI")
    mask = usi.valid_mask(duplicated)
    assert mask.tolist() == [True, False, True]
    assert mask.name == "USI"
    assert mask.index.equals(duplicated.index)


def test_generate_is_valid_and_reproducible() -> None:
    assert usi.generate(random.Random(5)) == usi.generate(random.Random(5))
    assert usi.generate(np.random.default_rng(5)) == usi.generate(np.random.default_rng(5))
    rng = random.Random(9)
    assert all(usi.is_valid(usi.generate(rng)) for _ in range(200))
    generator = np.random.default_rng(9)
    assert all(usi.is_valid(usi.generate(generator)) for _ in range(200))


def test_generate_many() -> None:
    batch = usi.generate_many(5000, seed=11)
    assert len(batch) == 5000
    assert all(isinstance(v, str) for v in batch)
    assert usi.valid_mask(pd.Series(batch)).all()
    assert batch[:50] == usi.generate_many(50, seed=11)
    assert usi.generate_many(0, seed=1) == []
