"""The kinds of problem a summary counts, worked out in arrays, say what counting the
problems one by one says: the same kinds in the same order, the same counts, examples and
first rows, whether the table is in the report's order or not."""

from __future__ import annotations

import re

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from usikit.problem_kinds import EXAMPLE_ROWS, REASON_IN_MESSAGE, problem_kinds
from usikit.problems import check_words, typed_problems
from usikit.report import ValidationReport

COLUMNS = ["Name", "Born", "Email"]
CHECKS = ["normalised", "required", "email"]
MESSAGES = [
    "Born '1990-02-01' was changed to '01/02/1990' (date written as dd/mm/yyyy)",
    "Born '1990-02-02' was changed to '02/02/1990' (date written as dd/mm/yyyy)",
    "Name ' Ann' was changed to 'Ann' (spaces removed)",
    "Email was changed (twice)",
    "Email was changed (a value tidied)",
    "no reason given",
    "empty brackets ()",
    "",
]


def counted_one_by_one(errors: pd.DataFrame) -> list[tuple]:
    """The kinds as a person would count them, line after line."""
    kinds: dict[tuple, list] = {}
    for line in errors.itertuples(index=False):
        what = check_words(line.check)
        if line.check in REASON_IN_MESSAGE:
            found = re.search(r"\(([^()]*)\)$", line.message)
            what = found.group(1) if found else what
        key = (line.column, line.check, what, line.severity)
        row = None if pd.isna(line.row) else int(line.row)
        kind = kinds.setdefault(key, [0, set(), line.message, []])
        kind[0] += 1
        if row is not None:
            kind[1].add(row)
        if len(kind[3]) < EXAMPLE_ROWS:
            kind[3].append(row)
    return [(*key, n, len(rows), first, heads) for key, (n, rows, first, heads) in kinds.items()]


def as_lines(table: pd.DataFrame) -> list[tuple]:
    return [
        (line.column, line.check, line.what, line.severity, line.problems, line.records,
         line.example, list(line.heads))
        for line in table.itertuples(index=False)
    ]  # fmt: skip


problem = st.tuples(
    st.one_of(st.none(), st.integers(2, 12)),
    st.sampled_from(COLUMNS),
    st.sampled_from(CHECKS),
    st.sampled_from(["error", "warning"]),
    st.sampled_from(MESSAGES),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(problem, min_size=1, max_size=60), st.booleans())
def test_the_kinds_are_what_counting_line_by_line_finds(lines, in_report_order):
    errors = typed_problems(
        pd.DataFrame(
            [(row, column, "v", check, severity, message)
             for row, column, check, severity, message in lines],
            columns=["row", "column", "value", "check", "severity", "message"],
        )
    )  # fmt: skip
    if in_report_order:  # the whole file first, then by row, as a report holds them
        errors = errors.sort_values("row", na_position="first", kind="stable")
        errors = errors.reset_index(drop=True)
    assert as_lines(problem_kinds(errors)) == counted_one_by_one(errors)


def test_rows_out_of_order_are_counted_once_each():
    errors = typed_problems(
        pd.DataFrame(
            {
                "row": [5, 3, 5, 3, 4],
                "column": "Name",
                "value": "",
                "check": "required",
                "severity": "error",
                "message": "Name is empty",
            }
        )
    )
    [line] = as_lines(problem_kinds(errors))
    assert line[4:] == (5, 3, "Name is empty", [5, 3, 5])


def test_a_reason_in_the_words_of_its_check_is_one_kind_with_the_lines_giving_none():
    errors = typed_problems(
        pd.DataFrame(
            {
                "row": [2, 3, 4, 5],
                "column": "Email",
                "value": "",
                "check": "normalised",
                "severity": "warning",
                "message": [
                    f"Email was changed ({check_words('normalised')})",
                    "Email was changed",  # no reason: the check's words
                    "Email was changed (twice))",  # no reason at the end either
                    "Email was changed (twice)",
                ],
            }
        )
    )
    kinds = as_lines(problem_kinds(errors))
    assert [(k[2], k[4], k[5]) for k in kinds] == [
        (check_words("normalised"), 3, 3),
        ("twice", 1, 1),
    ]


@pytest.mark.parametrize("size", [1, 1_000])
def test_the_report_summary_names_rows_skipping_the_whole_file(size):
    problems = pd.DataFrame(
        {
            "row": [None, *range(2, size + 2)],
            "column": "Born",
            "value": "",
            "check": "normalised",
            "severity": "warning",
            "message": "Born was changed (date written as dd/mm/yyyy)",
        }
    )
    records = pd.DataFrame({"Born": [""] * size}, index=pd.RangeIndex(2, size + 2))
    summary = ValidationReport(records, problems).summary()
    [line] = summary.itertuples(index=False)
    tidied = "date written as dd/mm/yyyy"
    assert (line.what, line.problems, line.records) == (tidied, size + 1, size)
    assert line.first_rows == ", ".join(str(r) for r in range(2, min(size, 2) + 2))
