"""Problem lines with coded texts read as the plain table they stand for, in the report's order."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from usikit.bulk_usi.samples import add_mistakes, synthetic_clients
from usikit.bulk_usi.validation import validate_clients
from usikit.parallel import PARALLEL_FROM
from usikit.problem_lines import coded, lines_of, problems_table, repeated
from usikit.problems import PROBLEM_COLUMNS, typed_problems
from usikit.report import _sorted
from usikit.rules import distinct as distinct_module

WORDS = st.text(alphabet=st.sampled_from(list("ab é日\u2019'=")), max_size=6)
COLUMNS = ["Name", "Date", "ID", "Other", ""]
TODAY = dt.date(2026, 12, 2)


@st.composite
def parts(draw):
    """Parts as validation makes them: some with a row for every line, one with lines for the
    whole file, texts plain, repeated or coded from a few distinct values."""
    made = []
    for _ in range(draw(st.integers(0, 5))):
        count = draw(st.integers(0, 12))
        numbers = draw(st.lists(st.integers(2, 9), min_size=count, max_size=count))
        rows: object = np.sort(np.asarray(numbers, dtype=np.int64))  # a rule's rows
        if draw(st.booleans()):  # as earlier steps give them: some for the whole file
            rows = pd.array([None if draw(st.booleans()) else n for n in numbers], dtype="Int64")
        part: dict[str, object] = {"row": rows}
        for name in PROBLEM_COLUMNS[1:]:
            kind = draw(st.sampled_from(["plain", "repeated", "coded"]))
            texts = COLUMNS if name == "column" else draw(st.lists(WORDS, min_size=1, max_size=4))
            if kind == "repeated":
                part[name] = repeated(draw(st.sampled_from(texts)), count)
            elif kind == "coded":
                picks = draw(
                    st.lists(st.integers(0, len(texts) - 1), min_size=count, max_size=count)
                )
                part[name] = coded(pa.array(texts), np.asarray(picks, dtype=np.int64))
            else:
                cells = draw(st.lists(st.sampled_from(texts), min_size=count, max_size=count))
                part[name] = pa.array(cells, type=pa.large_string())
        made.append(part)
    return made


def _plainly(made: list[dict]) -> pd.DataFrame:
    """The parts spelled out one line at a time, as a table of Python values."""
    lines = []
    for part in made:
        texts = {name: part[name].to_pylist() for name in PROBLEM_COLUMNS[1:]}
        for i, row in enumerate(pd.array(part["row"], dtype="Int64")):
            lines.append((row, *(texts[name][i] for name in PROBLEM_COLUMNS[1:])))
    return typed_problems(pd.DataFrame(lines, columns=list(PROBLEM_COLUMNS)))


@settings(max_examples=300, deadline=None)
@given(parts())
def test_joined_parts_read_as_their_lines_one_part_after_another(made):
    expected = _plainly(made)
    if expected.empty:
        return
    pd.testing.assert_frame_equal(problems_table(made), expected)


@settings(max_examples=300, deadline=None)
@given(parts(), st.permutations(COLUMNS[:4]))
def test_ordered_parts_read_as_the_plain_table_sorted_as_the_report_sorts(made, order):
    expected = _plainly(made)
    if expected.empty:
        return
    pd.testing.assert_frame_equal(problems_table(made, order), _sorted(expected, order))


def test_a_table_already_in_order_keeps_its_text_without_a_copy():
    count = PARALLEL_FROM + 7  # as many as gather the columns on the worker threads
    rows = np.arange(2, count + 2, dtype=np.int64)
    part = {
        "row": rows,
        "column": repeated("Name", count),
        "value": pa.array([f"v{i}" for i in range(count)], type=pa.large_string()),
        "check": repeated("required", count),
        "severity": repeated("error", count),
        "message": coded(pa.array(["first", "second"]), rows % 2),
    }
    table = problems_table([part], ["Name"])
    again = _sorted(table, ["Name"])
    pd.testing.assert_frame_equal(again, table)
    for name in PROBLEM_COLUMNS[1:]:
        before = pa.array(table[name].array, type=pa.large_string())
        after = pa.array(again[name].array, type=pa.large_string())
        assert _data_address(after) == _data_address(before), name


def test_rows_far_beyond_a_spreadsheet_are_still_ordered_by_row_then_column():
    huge = np.array([1 << 62, 5, 1 << 62], dtype=np.int64)
    part = {
        "row": huge,
        "column": pa.array(["B", "A", "A"], type=pa.large_string()),
        **{name: repeated(name, 3) for name in ("value", "check", "severity", "message")},
    }
    table = problems_table([part], ["A", "B"])
    assert table["row"].tolist() == [5, 1 << 62, 1 << 62]
    assert table["column"].tolist() == ["A", "A", "B"]


def test_the_problems_of_the_whole_file_come_first_in_the_files_column_order():
    table = lines_of(
        typed_problems(
            pd.DataFrame(
                {
                    "row": [3, None, 2, None],
                    "column": ["A", "B", "A", "A"],
                    "value": "",
                    "check": "c",
                    "severity": "error",
                    "message": ["r3", "file B", "r2", "file A"],
                }
            )
        )
    )
    ordered = problems_table([table], ["A", "B"])
    assert ordered["message"].tolist() == ["file A", "file B", "r2", "r3"]
    assert ordered["row"].isna().tolist() == [True, True, False, False]


def _data_address(array: pa.ChunkedArray | pa.Array) -> list[int]:
    chunks = array.chunks if isinstance(array, pa.ChunkedArray) else [array]
    return [chunk.buffers()[2].address for chunk in chunks]


@pytest.mark.parametrize("coded_path", [False, True])
def test_validation_hands_the_report_its_problems_already_in_order(coded_path, monkeypatch):
    """The report trusts validation's order (`in_order`): sorting its table again changes
    nothing, on the direct path and where columns are taken as their distinct values."""
    if coded_path:
        monkeypatch.setattr(distinct_module, "DISTINCT_FROM", 2)
        monkeypatch.setattr(distinct_module, "SAMPLE", 64)
    clients, _ = add_mistakes(synthetic_clients(300, seed=8, today=TODAY), rate=0.3, seed=9)
    clients.loc[::4, "Date of Birth"] = (
        pd.to_datetime(clients.loc[::4, "Date of Birth"], format="%d/%m/%Y", errors="coerce")
        .dt.strftime("%Y-%m-%d")
        .fillna("")
    )  # normalisation warnings among the rules' errors
    clients.loc[::6, "State"] = clients.loc[::6, "State"].str.lower()
    report = validate_clients(pd.concat([clients, clients], ignore_index=True), today=TODAY)
    assert report.errors["check"].nunique() > 5 and (report.errors["severity"] == "warning").any()
    pd.testing.assert_frame_equal(
        _sorted(report.errors, list(report.records.columns)), report.errors
    )
