"""ULN check digit: known vectors, scalar/vector agreement and error-detection properties."""

from __future__ import annotations

import random

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from usikit.identifiers import uln

# shared/domain.md section 2.3. 1000000043 and 1000000063 (remainder 0) are also ESFA's own
# vectors: SkillsFundingAgency/DC-ILR-1819-ValidationService
# src/ESFA.DC.ILR.ValidationService.Rules.Tests/Derived/DerivedData_01RuleTests.cs; 9276308686 is
# HESA's worked example (https://www.hesa.ac.uk/collection/c17051/a/ULN).
DOMAIN_VALID = ["1000000043", "9276308686"]
DOMAIN_INVALID = ["1000000063", "0000000042"]
# LRS test-environment learners in ministryofjustice/hmpps-learner-records-api README.md
# (1026893096 also in shTalhagaba/sunsis-core Core/htdocs/MIAP/sample-miap.php).
LRS_VALID = ["1026893096", "1174112637"]
# SkillsFundingAgency/DC-ILR-1819-ValidationService .../Learner/ULN/ULN_04RuleTests.cs (error case)
ESFA_INVALID = ["1000000042"]
# accuser/uln src/test/java/io/github/accuser/ULNValidatorTest.java: every repeated digit fails
REPDIGITS_INVALID = [str(d) * 10 for d in range(10)]
# SkillsFundingAgency/das-providerapprenticeshipsservice src/SFA.DAS.ProviderApprenticeshipsService
# .Web.UnitTests/Validation/ApprenticeshipBulkUpload/WhenValidatingUln.cs
DAS_INVALID = ["0123456789", "123456789", "abc123", " ", ""]

KNOWN_VALID = DOMAIN_VALID + LRS_VALID
KNOWN_INVALID = DOMAIN_INVALID + ESFA_INVALID + REPDIGITS_INVALID + DAS_INVALID

ODD_INPUTS = [None, 12, 1000000043, 3.5, float("nan"), b"1000000043", "", "1" * 1_000_000, pd.NA]


def _arabic_indic(digits: str) -> str:
    """The same number written in Arabic-Indic digits (U+0660..U+0669)."""
    return "".join(chr(0x0660 + int(d)) for d in digits)


stems = st.from_regex(r"[1-9][0-9]{8}", fullmatch=True).filter(
    lambda s: uln.check_digit(s) is not None
)
valid_ulns = stems.map(lambda stem: stem + str(uln.check_digit(stem)))
texts = st.one_of(
    valid_ulns,
    st.text(alphabet="0123456789 -a\u0661\u00b2", max_size=12),
    st.sampled_from(KNOWN_VALID + KNOWN_INVALID + [uln.TEMPORARY_ULN]),
)
cells = st.one_of(
    texts, st.none(), st.just(float("nan")), st.integers(), st.floats(), st.binary(max_size=11)
)


@pytest.mark.parametrize("value", KNOWN_VALID)
def test_known_valid(value: str) -> None:
    assert uln.is_valid(value)
    assert uln.check_digit(value[:9]) == value[9]


@pytest.mark.parametrize("value", KNOWN_INVALID)
def test_known_invalid(value: str) -> None:
    assert not uln.is_valid(value)
    assert uln.is_valid(value, allow_temporary=True) == (value == uln.TEMPORARY_ULN)


def test_known_vectors_vectorised() -> None:
    values = KNOWN_VALID + KNOWN_INVALID
    assert uln.valid_mask(pd.Series(values)).tolist() == [v in KNOWN_VALID for v in values]


def test_check_digit() -> None:
    assert uln.check_digit("100000004") == "3"
    assert uln.check_digit("927630868") == "6"
    assert uln.check_digit("100000006") is None  # remainder 0: no valid ULN has this stem


def test_temporary_uln_only_when_allowed() -> None:
    assert not uln.is_valid(uln.TEMPORARY_ULN)
    assert uln.is_valid(uln.TEMPORARY_ULN, allow_temporary=True)
    series = pd.Series([uln.TEMPORARY_ULN, "1000000043", "9999999998", "9999999997"])
    assert uln.valid_mask(series).tolist() == [False, True, True, False]
    assert uln.valid_mask(series, allow_temporary=True).tolist() == [True, True, True, False]


@pytest.mark.parametrize(
    "bad", ["", "10000000", "1000000043", "10000000a", _arabic_indic("100000004"), None, 1]
)
def test_check_digit_rejects_bad_stems(bad: object) -> None:
    with pytest.raises(ValueError, match="ULN stem"):
        uln.check_digit(bad)  # type: ignore[arg-type]


@pytest.mark.parametrize("value", ODD_INPUTS, ids=lambda v: type(v).__name__)
def test_is_valid_never_raises(value: object) -> None:
    assert uln.is_valid(value) is False
    assert uln.is_valid(value, allow_temporary=True) is False


def test_non_ascii_digits_are_rejected() -> None:
    arabic = _arabic_indic("1000000043")  # str.isdigit() says True
    assert not uln.is_valid(arabic)
    assert uln.valid_mask(pd.Series([arabic, "1000000043"])).tolist() == [False, True]


@given(stems)
def test_appending_check_digit_gives_valid_uln(stem: str) -> None:
    assert uln.is_valid(stem + str(uln.check_digit(stem)))


@given(valid_ulns, st.integers(0, 9), st.sampled_from("0123456789"))
def test_any_single_digit_substitution_is_detected(value: str, position: int, digit: str) -> None:
    assume(value[position] != digit)
    assert not uln.is_valid(value[:position] + digit + value[position + 1 :])


@given(st.lists(cells, max_size=30), st.integers(-1000, 1000), st.booleans())
def test_mask_agrees_with_scalar_on_object_series(
    values: list, start: int, allow_temporary: bool
) -> None:
    series = pd.Series(values, index=range(start, start - 2 * len(values), -2), dtype=object)
    mask = uln.valid_mask(series, allow_temporary=allow_temporary)
    assert mask.dtype == bool
    assert mask.index.equals(series.index)
    assert mask.tolist() == [uln.is_valid(v, allow_temporary=allow_temporary) for v in values]


@given(st.lists(st.one_of(texts, st.none()), max_size=30), st.booleans())
def test_mask_agrees_with_scalar_on_string_series(values: list, allow_temporary: bool) -> None:
    expected = [uln.is_valid(v, allow_temporary=allow_temporary) for v in values]
    labels = [f"learner{i}" for i in range(len(values))]
    for series in (pd.Series(values, index=labels), pd.Series(values, dtype="string")):
        mask = uln.valid_mask(series, allow_temporary=allow_temporary)
        assert mask.tolist() == expected
        assert mask.index.equals(series.index)


def test_generate_is_valid_and_reproducible() -> None:
    assert uln.generate(random.Random(3)) == uln.generate(random.Random(3))
    rng, generator = random.Random(4), np.random.default_rng(4)
    assert all(uln.is_valid(uln.generate(rng)) for _ in range(300))
    assert all(uln.is_valid(uln.generate(generator)) for _ in range(300))


def test_generate_many() -> None:
    batch = uln.generate_many(5000, seed=2)
    assert len(batch) == 5000
    assert uln.valid_mask(pd.Series(batch)).all()
    assert batch == uln.generate_many(5000, seed=2)
    assert uln.generate_many(0) == []


def test_the_public_module_is_usikit_uln() -> None:
    import usikit
    import usikit.uln as public

    assert usikit.uln is public
    for name in public.__all__:  # the same objects as the implementation, nothing copied
        assert getattr(public, name) is getattr(uln, name)
    assert public.is_valid(public.TEMPORARY_ULN, allow_temporary=True)
    assert not public.is_valid(public.TEMPORARY_ULN)
