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


def test_the_public_module_is_usikit_usi() -> None:
    """Issue 3 names `usikit.usi`: importable as a module and as an attribute of the package."""
    import importlib
    import subprocess
    import sys

    import usikit
    import usikit.usi as public

    assert usikit.usi is public
    assert public.check_character("BNGH7C75F") == "N"
    assert public.is_valid("BNGH7C75FN") and not public.is_valid("XNY5NV9WG8")
    assert not public.is_valid(None)
    series = pd.Series(["BNGH7C75FN", "XNY5NV9WG8", "INTOFF", None], dtype=object)
    assert public.valid_mask(series).tolist() == [True, False, False, False]
    assert public.exemption_mask(series).tolist() == [False, False, True, False]
    assert public.is_exemption("INDIV")
    assert sorted(public.EXEMPTION_CODES) == ["INDIV", "INTOFF"]
    for name in public.__all__:  # the same objects as the implementation, nothing copied
        assert getattr(public, name) is getattr(usi, name)
    assert importlib.import_module("usikit.usi") is public
    # `import usikit.usi` works on its own in a fresh interpreter, not only after `import usikit`.
    code = "import usikit.usi; print(usikit.usi.check_character('223456789'))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "N", done.stderr


ARROW_CASES = [
    "BNGH7C75FN", "bngh7c75fn", "BNGH7C75FÑ", "BNGH7C75F😀", "\uff22NGH7C75FN", None,
    "INTOFF", "INDIV", "intoff", "", "223456789N", "BNGH7C75FN ", "XNY5NV9WG8", "2GF2UGXXV8",
]  # fmt: skip


def _arrow_series_of_every_shape(values: list) -> dict[str, pd.Series]:
    """The same cells as the Arrow layouts `read_table` and pandas operations produce."""
    import pyarrow as pa

    half = len(values) // 2
    return {
        "str": pd.Series(values, dtype="str"),
        "string[pyarrow]": pd.Series(values, dtype="string[pyarrow]"),
        "ArrowDtype string": pd.Series(values, dtype=pd.ArrowDtype(pa.string())),
        "ArrowDtype large_string": pd.Series(values, dtype=pd.ArrowDtype(pa.large_string())),
        # several chunks (pd.concat keeps them) and a slice that starts inside a chunk
        "chunked": pd.concat(
            [pd.Series(values[:half], dtype="str"), pd.Series(values[half:], dtype="str")],
            ignore_index=True,
        ),
        "sliced": pd.Series(["pad", "pad", *values], dtype="str").iloc[2:],
    }


@pytest.mark.parametrize("shape", list(_arrow_series_of_every_shape(ARROW_CASES)))
def test_arrow_backed_columns_get_the_same_verdict_without_python_objects(shape: str) -> None:
    from usikit.identifiers import medicare, uln

    series = _arrow_series_of_every_shape(ARROW_CASES)[shape]
    assert usi.valid_mask(series).tolist() == [usi.is_valid(v) for v in ARROW_CASES]
    assert usi.exemption_mask(series).tolist() == [usi.is_exemption(v) for v in ARROW_CASES]
    mask = usi.valid_mask(series)
    assert mask.dtype == bool and mask.index.equals(series.index)
    numbers = ["2123456701", "2123456711", "21234567O1", "٢123456701", None, "9999999999"]
    for number_series in _arrow_series_of_every_shape(numbers).values():
        expected = [medicare.is_valid_number(v) for v in numbers]
        assert medicare.valid_number_mask(number_series).tolist() == expected
        expected = [uln.is_valid(v, allow_temporary=True) for v in numbers]
        assert uln.valid_mask(number_series, allow_temporary=True).tolist() == expected
    irns = ["1", "0", "9", "١", "", None, "12"]
    for irn_series in _arrow_series_of_every_shape(irns).values():
        assert medicare.valid_irn_mask(irn_series).tolist() == [
            medicare.is_valid_irn(v) for v in irns
        ]


def test_arrow_backed_columns_with_nothing_to_check() -> None:
    for values in ([], [None, None], ["short", "x"]):
        series = pd.Series(values, dtype="str")
        assert usi.valid_mask(series).tolist() == [False] * len(values)
        assert usi.exemption_mask(series).tolist() == [False] * len(values)
