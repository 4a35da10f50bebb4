"""Rules and normalisation run on a column's distinct values say what they say on its cells.

The engine hashes a column that repeats its values once per validation and runs the rules
and steps whose answer for a cell depends on that cell alone on the distinct values
(`usikit.rules.distinct`). These tests hold it to the plain path: the same report, cell for
cell, on sample files broken in every way the samples know; and they hold every schema's
rules to their declaration (a rule looking at other records must say so).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import replace
from typing import TypeVar

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from usikit.bulk_usi.samples import add_mistakes, synthetic_clients
from usikit.bulk_usi.validation import EXEMPT, HAS_USI, client_schema, validate_clients
from usikit.bulk_usi.verify_input import verify_schema
from usikit.identifiers import usi
from usikit.regcert.import_rules import regcert_schema, validate_regcert
from usikit.regcert.learner_rules import learner_schema
from usikit.regcert.samples import errors_import, sample_register, update_import
from usikit.rules import distinct as distinct_module
from usikit.rules.distinct import (
    Distinct,
    _cells_at,
    distinct,
    distinct_values,
    remember,
    row_keys,
    value_codes,
)
from usikit.rules.engine import Field, Rule, Schema, as_records, passes
from usikit.rules.memo import shared_results
from usikit.rules.normalise import Step, normalise, tidy_spaces, upper
from usikit.rules.repeats import repeated_cells, repeated_numbers

T = TypeVar("T")
TODAY = dt.date(2026, 12, 2)


@pytest.fixture
def small_columns_count(monkeypatch):
    """Distinct values used from 2 records and sampled from 64, so small frames take the
    path a million records take."""
    monkeypatch.setattr(distinct_module, "DISTINCT_FROM", 2)
    monkeypatch.setattr(distinct_module, "SAMPLE", 64)


@pytest.fixture
def every_column(small_columns_count, monkeypatch):
    """Every column taken as its distinct values, however many there are."""
    monkeypatch.setattr(distinct_module, "REPEATING", 1.0)


def _text(values) -> pd.Series:
    return pd.Series(values, dtype="str")


def test_a_repeating_column_is_hashed_once_per_validation(small_columns_count):
    column = _text(["NSW", "VIC", "NSW", "QLD", "VIC", "NSW"] * 20)
    assert distinct(column) is None  # outside a validation: nothing kept
    with distinct_values():
        found = distinct(column)
        assert found is not None
        assert sorted(found.values) == ["NSW", "QLD", "VIC"]
        assert found.values.iloc[found.codes].tolist() == column.tolist()
        assert distinct(column) is found
        # The same buffers taken again from a frame, or from a copy, are the same column.
        frame = pd.DataFrame({"State": column})
        assert distinct(frame["State"]) is found
        assert distinct(frame.copy()["State"]) is found
        assert distinct(_text(column.tolist())) is not found  # same text, other buffers


def test_columns_that_would_not_pay_are_left_to_the_plain_path(small_columns_count):
    with distinct_values():
        assert distinct(_text([f"S{i:06d}" for i in range(500)])) is None  # all different
        assert distinct(pd.Series(["a", None, "a"] * 10, dtype="str")) is None  # missing cells
        assert distinct(pd.Series(["a", "b"] * 10, dtype=object)) is None  # not Arrow text


def test_short_columns_are_not_hashed():
    with distinct_values():
        assert distinct(_text(["M", "F"] * 100)) is None  # below DISTINCT_FROM


def test_a_blank_column_is_one_value_and_a_slice_is_judged_by_its_own_cells(small_columns_count):
    """An unused column (every cell blank) is taken as one value without a hash; a slice of a
    buffer is blank or not by its own cells, whatever the buffer holds elsewhere."""
    text = pa.array(["x", *[""] * 40, "y"], type=pa.large_string())
    with distinct_values():
        for column, values in (
            (_text([""] * 30), [""]),
            (pd.Series(text.slice(1, 40), dtype="str"), [""]),
            (pd.Series(text.slice(0, 41), dtype="str"), ["x", ""]),
            (pd.Series(text.slice(1, 41), dtype="str"), ["", "y"]),
        ):
            found = distinct(column)
            assert found is not None
            assert found.values.tolist() == values
            assert found.values.iloc[found.codes].tolist() == column.tolist()


def test_a_column_in_one_chunk_is_hashed_without_a_copy_of_its_text(small_columns_count):
    """Arrow's combine copies even a single chunk: a column in one piece is encoded as it is
    (a few hundred kilobytes of text, a few kilobytes of codes), and one in several chunks
    still gives every cell its value."""
    words = [f"{n:03d}" + "x" * 200 for n in range(40)]
    cells = [words[(n * 7) % 40] for n in range(4_000)]
    whole = pd.Series(pa.array(cells, type=pa.large_string()), dtype="str")
    pool = pa.default_memory_pool()
    with distinct_values():
        before = pool.total_bytes_allocated()
        found = distinct(whole)
        allocated = pool.total_bytes_allocated() - before
    assert found is not None and found.values.iloc[found.codes].tolist() == cells
    assert allocated < sum(map(len, cells)) / 4  # no copy of the text (812 kB)
    pieces = pa.chunked_array([pa.array(cells[:1_500]), pa.array(cells[1_500:])])
    with distinct_values():
        found = distinct(pd.Series(pd.array(pieces, dtype="str")))
    assert found is not None and found.values.iloc[found.codes].tolist() == cells


def test_records_come_with_each_column_in_one_chunk():
    """A column of several chunks (a frame read by Arrow elsewhere) is joined once for the
    validation; a column already in one chunk is the same buffers, not a copy."""
    text = pa.large_string()
    pieces = pa.chunked_array([pa.array(["a", "b"], text), pa.array(["c"], text)])
    one = pa.chunked_array([pa.array(["x", "y", "z"], text)])
    frame = pd.DataFrame(
        {"Joined": pd.array(pieces, dtype="str"), "Whole": pd.array(one, dtype="str")}
    )
    records = as_records(frame)
    joined = records["Joined"].array.__arrow_array__()
    whole = records["Whole"].array.__arrow_array__()
    assert joined.num_chunks == 1 and joined.to_pylist() == ["a", "b", "c"]
    assert whole.num_chunks == 1
    assert whole.chunk(0).buffers()[2].address == one.chunk(0).buffers()[2].address
    assert records.index.tolist() == [2, 3, 4]


def test_a_column_made_value_by_value_keeps_its_codes(small_columns_count):
    column = _text(["nsw", "vic", "nsw"] * 10)
    with distinct_values():
        found = distinct(column)
        assert found is not None
        upper = found.values.str.upper()
        made = found.column(upper, column)
        assert made.tolist() == column.str.upper().tolist()
        assert made.index.equals(column.index)
        remember(made, Distinct(upper, found.codes))
        assert distinct(made).values is upper


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from("abc"), st.sampled_from(["", "x", "xy"]), st.integers(0, 3)),
        min_size=1,
        max_size=40,
    )
)
def test_row_keys_are_equal_exactly_where_the_rows_are(rows):
    frame = pd.DataFrame(rows, columns=["a", "b", "c"]).astype({"a": "str", "b": "str"})
    keys = row_keys([value_codes(frame[c]) for c in frame.columns])
    same = pd.Series(keys).duplicated(keep=False).to_numpy()
    assert (same == frame.duplicated(keep=False).to_numpy()).all()
    for i in range(len(frame)):
        for j in range(len(frame)):
            assert (keys[i] == keys[j]) == frame.iloc[i].equals(frame.iloc[j])


def test_row_keys_renumber_when_the_product_of_counts_would_overflow():
    rng = np.random.default_rng(3)
    parts = [(rng.integers(0, 4, 50), 2**40) for _ in range(4)]  # 2**160 possible rows
    keys = row_keys(parts)
    stacked = pd.DataFrame({i: codes for i, (codes, _) in enumerate(parts)})
    assert (
        pd.Series(keys).duplicated(keep=False).to_numpy()
        == stacked.duplicated(keep=False).to_numpy()
    ).all()


def test_narrow_row_keys_equal_the_wide_ones_and_renumber_before_overflowing():
    rng = np.random.default_rng(5)
    fitting = [(rng.integers(0, n, 500).astype(np.int32), n) for n in (7, 1, 30, 4)]
    assert (row_keys(fitting, np.int32) == row_keys(fitting)).all()
    assert row_keys(fitting, np.int32).dtype == np.int32
    large = [(rng.integers(0, 3, 500).astype(np.int32), 2**12) for _ in range(4)]  # 2**48
    stacked = pd.DataFrame({i: codes for i, (codes, _) in enumerate(large)})
    keys = row_keys(large, np.int32)
    assert (
        pd.Series(keys).duplicated(keep=False).to_numpy()
        == stacked.duplicated(keep=False).to_numpy()
    ).all()


def test_value_codes_apply_the_key_to_the_distinct_values(small_columns_count):
    names = _text(["Anna", "ANNA", "Bob", "anna", "Bob"] * 8)
    with distinct_values():
        codes, count = value_codes(names, lambda v: v.str.lower())
    assert count == 2
    assert len(set(codes[names.str.lower() == "anna"])) == 1
    assert codes[0] != codes[2]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(["Anna", "ANNA", "Bob", "", None, "anna "]), max_size=30))
def test_value_codes_with_a_key_are_the_codes_of_the_keyed_cells(cells):
    """Outside a validation the key is applied once per value, then spread: the same
    numbering as the key applied to every cell, missing cells numbered -1."""
    names = pd.Series(cells, dtype="str")
    codes, count = value_codes(names, lambda v: v.str.lower())
    expected, uniques = pd.factorize(names.str.lower())
    assert count == len(uniques)
    assert pd.factorize(codes)[0].tolist() == pd.factorize(expected)[0].tolist()
    assert (codes < 0).tolist() == (expected < 0).tolist()


def _clients(rows: int) -> pd.DataFrame:
    broken, _ = add_mistakes(synthetic_clients(rows, seed=5, today=TODAY), rate=0.2, seed=6)
    # Values the normalisation rewrites: lower-case states, ISO dates, untidy names.
    broken.loc[::7, "State"] = broken.loc[::7, "State"].str.lower()
    born = pd.to_datetime(broken.loc[::5, "Date of Birth"], format="%d/%m/%Y", errors="coerce")
    broken.loc[::5, "Date of Birth"] = born.dt.strftime("%Y-%m-%d").fillna("")
    broken.loc[::3, "First Name"] = " " + broken.loc[::3, "First Name"] + "  "
    # Every value repeated (each record three times), so that even the Client IDs take the
    # path of a column that repeats its values.
    return pd.concat([broken, broken, broken], ignore_index=True)


def _regcert_frames() -> list[pd.DataFrame]:
    register = sample_register()
    return [
        pd.concat([f, f], ignore_index=True)
        for f in (update_import(register), errors_import(register))
    ]


def _schemas_and_frames() -> list[tuple[str, Schema, pd.DataFrame]]:
    clients = as_records(_clients(300))
    regcert = [as_records(f) for f in _regcert_frames()]
    register = sample_register().reset_index(drop=True)
    return [
        ("clients", client_schema(TODAY, needs_permission=True), clients),
        ("verify", verify_schema(TODAY), clients),
        *(("regcert", regcert_schema(TODAY), frame) for frame in regcert),
        ("learners", learner_schema(TODAY), as_records(pd.concat([register] * 3))),
    ]


def _both_ways(rule, frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """The rule on every cell, then on the distinct values (or combinations) of its columns,
    every column hashed first as a validation's normalisation does."""
    with shared_results():
        cells = passes(rule, frame)
    with distinct_values(), shared_results():
        for name in frame.columns:
            distinct(frame[name])
        values = passes(rule, frame)
    return cells, values


@pytest.mark.parametrize("name, schema, frame", _schemas_and_frames())
def test_every_rule_on_one_column_answers_per_value_or_says_it_does_not(
    every_column, name, schema, frame
):
    """A rule that looks at other records (duplicates) but is not declared `across_records`
    would answer differently on the distinct values of a file whose records repeat."""
    on_values = on_combinations = 0
    for rule in schema.rules:
        if not set(rule.columns) <= set(frame.columns):
            continue
        cells, values = _both_ways(rule, frame)
        assert (cells == values).all(), f"{name}: {rule.column} / {rule.check}"
        on_values += rule.per_value
        on_combinations += rule.reads_record and not rule.across_records
    assert on_values > 5
    assert on_combinations > (0 if name == "verify" else 1)


def _pair_twice() -> Rule:
    """A rule on two columns that looks across records (the same state and gender twice)."""
    return Rule(
        "State",
        "pair_twice",
        lambda f: ~(f["State"] + "|" + f["Gender"]).duplicated(keep=False),
        "{column} '{value}' with this gender is in another row too",
        uses=("Gender",),
        across_records=True,
    )


@pytest.mark.parametrize(
    "rule",
    [
        next(r for r in client_schema(TODAY).rules if r.check == "duplicate_client_id"),
        _pair_twice(),
    ],
    ids=["one column", "two columns"],
)
def test_a_rule_across_records_not_declared_so_would_be_caught(every_column, rule):
    frame = as_records(_clients(300))
    cells, values = _both_ways(rule, frame)
    assert (cells == values).all()
    undeclared = replace(rule, across_records=False)
    cells, values = _both_ways(undeclared, frame)
    assert not (cells == values).all()  # the guard above has teeth


def _plain_then_by_value(monkeypatch, run: Callable[[], T]) -> tuple[T, T]:
    """`run()` on the plain path (no column hashed), then with every column's distinct values
    (however short the column, however many values it has)."""
    monkeypatch.setattr(distinct_module, "DISTINCT_FROM", 10**12)
    plain = run()
    monkeypatch.setattr(distinct_module, "DISTINCT_FROM", 2)
    monkeypatch.setattr(distinct_module, "REPEATING", 1.0)
    return plain, run()


def _same_reports(first, second) -> None:
    pd.testing.assert_frame_equal(
        first.errors.reset_index(drop=True), second.errors.reset_index(drop=True)
    )
    pd.testing.assert_frame_equal(first.records, second.records)
    pd.testing.assert_series_equal(first.status, second.status)


def test_client_validation_is_the_same_on_distinct_values(monkeypatch):
    frame = _clients(600)
    plain, by_value = _plain_then_by_value(
        monkeypatch, lambda: validate_clients(frame, today=TODAY, needs_permission=True)
    )
    _same_reports(plain, by_value)
    assert (plain.errors["check"] == "normalised").any()
    assert (plain.errors["check"] == "same_person").any()
    assert (plain.errors["check"] == "duplicate_client_id").any()


def test_rule_lines_written_once_per_value_read_as_lines_written_per_cell(monkeypatch):
    """A failing rule's lines on a column known by its distinct values point at each value
    (shown and masked once) and at a message written once per value, or per line where a
    detail differs: the same table as every line written out, shown values and all."""
    long = "x" * 70
    values = ["1990-03-14", long, "ok", "", "bad value", "日本語"] * 30
    frame = as_records(pd.DataFrame({"Secret": values, "Plain": values[::-1]}, dtype="str"))
    schema = Schema(
        "tricky",
        (Field("Secret", sensitive=True), Field("Plain")),
        (
            Rule("Secret", "ok", lambda v: v == "ok", "{column} '{value}' is not ok"),
            Rule("Plain", "ok", lambda v: v == "ok", "'{value}' is not ok"),
            Rule("Plain", "fixed", lambda v: v == "ok", "{column} must say ok"),
            Rule("Plain", "which", lambda v: v == "ok", "'{value}' {detail}",
                 detail=lambda f, rows: pd.Series([f"at {r}" for r in rows], index=rows)),
        ),
    )  # fmt: skip

    def checked(reveal: bool) -> Callable[[], pd.DataFrame]:
        def run() -> pd.DataFrame:
            with distinct_values():
                for name in frame.columns:
                    distinct(frame[name])
                return schema.check(frame, original=frame, show_sensitive=reveal)

        return run

    for reveal in (False, True):
        plain, by_value = _plain_then_by_value(monkeypatch, checked(reveal))
        pd.testing.assert_frame_equal(plain, by_value)
        assert len(by_value) == 4 * 5 * 30
        secret = by_value.loc[by_value["column"] == "Secret", "value"]
        assert ("1990-03-14" in set(secret)) is reveal
        assert by_value["message"].str.endswith("\u2026' is not ok").any()


def test_client_ids_equal_once_normalised_are_duplicates_on_distinct_values(monkeypatch):
    """ " C1" and "C1" are two distinct values of the column as typed, one once trimmed."""
    frame = synthetic_clients(40, seed=5, today=TODAY)
    frame["Client ID"] = ["C1", " C1", *(f"C{i}" for i in range(2, 40))]
    monkeypatch.setattr(distinct_module, "DISTINCT_FROM", 10**12)
    plain = validate_clients(frame, today=TODAY)
    monkeypatch.setattr(distinct_module, "DISTINCT_FROM", 2)
    monkeypatch.setattr(distinct_module, "REPEATING", 1.0)
    monkeypatch.setattr(distinct_module, "SAMPLE", 64)
    hashed = validate_clients(frame, today=TODAY)
    duplicates = plain.errors.loc[plain.errors["check"] == "duplicate_client_id", "row"]
    assert duplicates.tolist() == [2, 3]
    _same_reports(plain, hashed)


def test_repeated_cells_counts_missing_cells_as_one_value():
    values = pd.Series(["a", None, "b", None, "a", ""], dtype="str")
    assert repeated_cells(values).tolist() == [True, True, False, True, True, False]


def test_registration_import_validation_is_the_same_on_distinct_values(monkeypatch):
    for frame in _regcert_frames():
        plain, by_value = _plain_then_by_value(
            monkeypatch, lambda frame=frame: validate_regcert(frame, today=TODAY)
        )
        _same_reports(plain, by_value)
        assert not plain.errors.empty


def test_normalisation_warnings_are_the_same_when_written_once_per_value(monkeypatch):
    """A column changed as its distinct values has its warnings written once per value and
    spread to the cells: the same rows, shown values (masked where sensitive, shortened where
    long) and messages as one warning written per cell."""
    long = "ab " * 50 + "  end"
    values = ["  a  b", "C", " c", long, "", "d  ", "e"] * 40
    frame = pd.DataFrame(
        {"Secret": values, "Plain": values[::-1]}, dtype="str", index=range(2, 2 + len(values))
    )
    steps = [
        Step(("Secret", "Plain"), tidy_spaces, "spaces tidied"),
        Step(("Secret", "Plain"), upper, "capital letters"),
    ]

    def normalised() -> tuple[pd.DataFrame, pd.DataFrame]:
        with distinct_values():
            return normalise(frame, steps, sensitive={"Secret"})

    (plain, plain_warnings), (by_value, warnings) = _plain_then_by_value(monkeypatch, normalised)
    pd.testing.assert_frame_equal(plain, by_value)
    pd.testing.assert_frame_equal(plain_warnings, warnings)
    assert len(warnings) == 2 * 5 * 40  # every value but "" and "C", in both columns
    secret = warnings[warnings["column"] == "Secret"]
    assert not secret["message"].str.contains("a b", regex=False).any()  # masked
    assert warnings["message"].str.contains("\u2026", regex=False).any()  # shortened
    changed = frame.index[~frame["Secret"].isin(["", "C"])]
    assert secret["row"].tolist() == changed.tolist()  # each changed cell, in the file's order


def test_records_are_labelled_by_their_usi_the_same_on_distinct_values(monkeypatch):
    """'has USI' and 'exempt' worked out once per USI and spread to the records holding it."""
    frame = synthetic_clients(30, seed=7, today=TODAY)
    frame["USI"] = [usi.generate_many(1, seed=3)[0], "INTOFF", "", "INDIV", "ABCDEFGH12"] * 6
    plain, by_value = _plain_then_by_value(
        monkeypatch, lambda: validate_clients(frame, today=TODAY)
    )
    _same_reports(plain, by_value)
    assert plain.status.tolist() == [HAS_USI, EXEMPT, "ok", EXEMPT, "error"] * 6


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, 30), min_size=1, max_size=6), st.data())
def test_a_sample_taken_chunk_by_chunk_is_the_cells_at_those_positions(sizes, data):
    """The column is sampled chunk by chunk (empty chunks too) without joining its chunks."""
    starts = np.cumsum([0, *sizes[:-1]])
    array = pa.chunked_array(
        [
            pa.array([str(n) for n in range(s, s + k)], pa.large_string())
            for s, k in zip(starts, sizes, strict=True)
        ],
        type=pa.large_string(),
    )
    picked = data.draw(st.sets(st.integers(0, max(len(array) - 1, 0)), max_size=len(array)))
    positions = np.array(sorted(picked), dtype=np.int64)
    assert _cells_at(array, positions).to_pylist() == [str(p) for p in positions]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(-3, 3) | st.integers(-(2**63), 2**63 - 1), max_size=60))
def test_repeated_numbers_are_those_pandas_finds_duplicated(numbers):
    array = np.array(numbers, dtype=np.int64)
    expected = pd.Series(array, dtype="int64").duplicated(keep=False).tolist()
    assert repeated_numbers(array).tolist() == expected


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(["S1", "S2", "S10", "", "S1 ", "é", "ABCDEFGH", "ABCDEFGHI"])))
def test_repeated_cells_of_short_text_are_the_cells_whose_value_repeats(cells):
    values = pd.Series(cells, dtype="str")
    expected = values.duplicated(keep=False).tolist()
    with shared_results():
        assert repeated_cells(values).tolist() == expected
