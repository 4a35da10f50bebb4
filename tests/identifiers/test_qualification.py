"""Qualification numbers: Ofqual and learning-aim shapes, scalar/vector agreement."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from usikit.identifiers import qualification

# shared/domain.md section 2.4
DOMAIN = {"603/1234/5": "ofqual", "6031234X": "aim", "ZPROG001": "aim"}
# Real Ofqual numbers (TQUK qualifications) from t21services21/T21-RTT-Validator
# TQUK_ALL_QUALIFICATIONS_COMPLETE_LIST.md
OFQUAL_REAL = ["610/0103/6", "610/2626/8", "610/2625/6", "610/2623/2", "610/2624/4"]
# LRS learning-event SubjectCodes (aim references): ministryofjustice/hmpps-learner-records-api
# README.md (50079116) and src/test/resources/get_learning_events_linked_match_full.xml (1000323X)
AIM_REAL = ["50079116", "1000323X"]
INVALID = [
    "603/1234/x",
    "603/1234/56",
    "603/123/5",
    "6031234",
    "603-1234-5",
    "zprog001",
    "ZPROG0001",
    " 603/1234/5",
    "603/1234/5 ",
    "603/1234/5\n",
    "\u0666\u0660\u0663/1234/5",  # Arabic-Indic digits
    "",
]
ODD_INPUTS = [None, 6031234, 3.5, float("nan"), b"ZPROG001", "Z" * 1_000_000, pd.NA]

texts = st.one_of(
    st.from_regex(qualification.OFQUAL_PATTERN, fullmatch=True),
    st.from_regex(qualification.AIM_PATTERN, fullmatch=True),
    st.text(alphabet="0123456789ABXZaz/ -\u0663", max_size=11),
    st.sampled_from(list(DOMAIN) + OFQUAL_REAL + AIM_REAL + INVALID),
)
cells = st.one_of(texts, st.none(), st.just(float("nan")), st.integers(), st.binary(max_size=9))


@pytest.mark.parametrize(
    ("value", "expected"),
    [*DOMAIN.items()] + [(v, "ofqual") for v in OFQUAL_REAL] + [(v, "aim") for v in AIM_REAL],
)
def test_known_kinds(value: str, expected: str) -> None:
    assert qualification.kind(value) == expected
    assert qualification.is_valid(value)


@pytest.mark.parametrize("value", INVALID + ODD_INPUTS, ids=repr)
def test_invalid_and_odd_inputs(value: object) -> None:
    assert qualification.kind(value) is None
    assert qualification.is_valid(value) is False
    assert qualification.to_aim_reference(value) is None


def test_to_aim_reference() -> None:
    assert qualification.to_aim_reference("603/1234/5") == "60312345"
    assert qualification.to_aim_reference("610/0103/6") == "61001036"
    assert qualification.to_aim_reference("6031234X") == "6031234X"
    assert qualification.to_aim_reference("ZPROG001") == "ZPROG001"


@given(st.from_regex(qualification.OFQUAL_PATTERN, fullmatch=True))
def test_every_ofqual_number_has_an_aim_reference(value: str) -> None:
    aim = qualification.to_aim_reference(value)
    assert aim is not None
    assert qualification.kind(aim) == "aim"
    assert aim == value.replace("/", "")


@given(st.lists(cells, max_size=30), st.integers(-1000, 1000))
def test_mask_agrees_with_scalar_on_object_series(values: list, start: int) -> None:
    series = pd.Series(values, index=range(start, start + 5 * len(values), 5), dtype=object)
    mask = qualification.valid_mask(series)
    assert mask.dtype == bool
    assert mask.index.equals(series.index)
    assert mask.tolist() == [qualification.is_valid(v) for v in values]


@given(st.lists(st.one_of(texts, st.none()), max_size=30))
def test_mask_agrees_with_scalar_on_string_series(values: list) -> None:
    expected = [qualification.is_valid(v) for v in values]
    labels = [f"q{i}" for i in range(len(values))]
    for series in (pd.Series(values, index=labels), pd.Series(values, dtype="string")):
        mask = qualification.valid_mask(series)
        assert mask.tolist() == expected
        assert mask.index.equals(series.index)


def test_mask_edge_shapes() -> None:
    assert qualification.valid_mask(pd.Series([], dtype=object)).tolist() == []
    assert qualification.valid_mask(pd.Series([None, None])).tolist() == [False, False]
    assert qualification.valid_mask(pd.Series([6031234, 1])).tolist() == [False, False]
