"""The column-wise builders of the error table say what the per-value code they replaced said.

Each builder (masking, dates rewritten in the buffer, messages joined in Arrow, the names of a
duplicate's other rows, the table's order) is compared with a plain per-value version of the
same rule on inputs chosen to trip it: characters beyond ASCII, cells longer than a message
shows, masked columns, reasons combined, groups of every size.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.rules.test_people import plainly
from usikit.parallel import PARALLEL_FROM
from usikit.privacy import mask, mask_series
from usikit.problems import PROBLEM_COLUMNS, typed_problems
from usikit.report import _sorted
from usikit.rules import dates
from usikit.rules.engine import Field, Rule, Schema, as_records
from usikit.rules.normalise import Step, normalise, tidy_spaces, upper
from usikit.rules.people import others_in_group
from usikit.rules.rule_lines import SHOWN_VALUE_LENGTH, display

TEXT = st.text(alphabet=st.sampled_from(list("aZ09-/ .é日\u2019@x")), max_size=70)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(TEXT, st.none()), max_size=30))
def test_masking_a_column_masks_each_value_as_mask_does(cells):
    values = pd.Series(cells, dtype=object, index=range(7, 7 + len(cells)), name="Date")
    masked = mask_series(values)
    assert masked.tolist() == ["" if c is None else mask(c) for c in cells]
    assert masked.index.equals(values.index) and masked.name == "Date"


DATE_CELLS = st.sampled_from(
    ["2026-11-22", "2026-13-45", "1999-02-29", "2026-1-2", "2026-11-22T00:00", "22/11/2026",
     "1/2/2003", "03/2020", "", "2026-11-22x", "x2026-11-2", "１９９９-01-01", "9999-99-99"]
)  # fmt: skip


def _canonical_by_regex(cell: str) -> str:
    """What canonical_dates did per cell before yyyy-mm-dd was rewritten in the buffer."""
    if re.fullmatch(dates.CANONICAL + r"|[0-9]{1,2}/[0-9]{4}", cell):
        return cell
    for pattern, order in ((dates.DAY_FIRST, (1, 2, 3)), (dates.ISO, (3, 2, 1))):
        found = re.fullmatch(pattern, cell)
        if found:
            day, month, year = (found.group(i) for i in order)
            return f"{day.zfill(2)}/{month.zfill(2)}/{year}"
    return cell


@settings(max_examples=200, deadline=None)
@given(st.lists(DATE_CELLS, max_size=25))
def test_dates_rewritten_in_the_buffer_read_as_the_patterns_read_them(cells):
    values = pd.Series(cells, dtype="str", index=range(2, 2 + len(cells)))
    rewritten = dates.canonical_dates(values)
    assert rewritten.tolist() == [_canonical_by_regex(c) for c in cells]
    assert rewritten.index.equals(values.index)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.integers(0, 4), min_size=1, max_size=40), st.randoms())
def test_a_duplicate_names_the_same_other_rows_in_groups_of_any_size(groups, random):
    rows = random.sample(range(2, 500), len(groups))  # rows in any order, as a subset is
    keys = pd.Series([f"k{g}" for g in groups], index=rows)
    assert others_in_group(keys).tolist() == plainly(keys)


def test_a_large_group_names_its_first_rows_and_how_many_more():
    keys = pd.Series(["same"] * 20_000, index=range(2, 20_002))
    text = others_in_group(keys)
    assert text.iloc[0] == "3, 4, 5, 6, 7 and 19994 more"
    assert text.iloc[3] == "2, 3, 4, 6, 7 and 19994 more"
    assert text.iloc[-1] == "2, 3, 4, 5, 6 and 19994 more"


def test_the_table_is_ordered_file_problems_first_then_by_row_and_column():
    rng = np.random.default_rng(5)
    for trial in range(102):
        # The last two as many problems as make the columns gathered on the worker threads.
        n = int(rng.integers(0, 30)) if trial < 100 else PARALLEL_FROM + int(rng.integers(0, 99))
        names = ["A", "B", "C", "Z", ""]
        table = typed_problems(
            pd.DataFrame(
                {
                    "row": [
                        None if rng.random() < 0.2 else int(rng.integers(2, 8 + n // 100))
                        for _ in range(n)
                    ],
                    "column": [names[i] for i in rng.integers(0, 5, n)],
                    "value": [str(i) for i in range(n)],
                    "check": "c",
                    "severity": "error",
                    "message": [f"m{i}" for i in range(n)],
                }
            )
        )
        order = ["C", "A", "B", "A"] if trial % 2 else ["B", "A"]
        rank = {name: i for i, name in enumerate(order)}
        expected = (
            table.assign(
                _file=table["row"].isna().astype(int) * -1,
                _col=table["column"].map(rank).fillna(len(rank)),
            )
            .sort_values(["_file", "row", "_col"], kind="stable", na_position="first")[
                list(PROBLEM_COLUMNS)
            ]
            .reset_index(drop=True)
        )
        pd.testing.assert_frame_equal(_sorted(table, order), expected)


LONG = "Ē" * 30 + "x" * 40  # 70 characters, beyond ASCII: cut by characters, not bytes


def test_rule_messages_show_each_value_as_display_does():
    schema = Schema(
        "tricky",
        (Field("Secret", sensitive=True), Field("Name")),
        (
            Rule("Secret", "short", lambda v: v.str.len() < 3, "{column} {value} too long"),
            Rule("Name", "short", lambda v: v.str.len() < 3, "'{value}' {detail}!",
                 detail=lambda f, rows: pd.Series({rows[0]: "first"}).reindex(rows)),
            Rule("Name", "filled", lambda v: v == "", "{column} must stay empty"),
        ),
    )  # fmt: skip
    cells = ["1990-03-14", LONG, "ab", "日本語のテキスト", "", "x\u2019y 12"]
    frame = as_records(pd.DataFrame({"Secret": cells, "Name": cells[::-1]}))
    for reveal in (False, True):
        found = schema.check(frame, show_sensitive=reveal)
        expected = []
        for rule in schema.rules:
            for row, value in frame[rule.column].items():
                if rule.test(frame[rule.column])[row]:
                    continue
                hidden = rule.column == "Secret" and not reveal
                detail = "first" if rule.message.endswith("!") and row == 2 else ""
                message = rule.message.format(
                    column=rule.column, value=display(value, hidden), detail=detail
                )
                expected.append((row, rule.column, mask(value) if hidden else value, message))
        got = list(
            zip(found["row"], found["column"], found["value"], found["message"], strict=True)
        )
        assert sorted(got) == sorted(expected)
    assert len(display(LONG, False)) == SHOWN_VALUE_LENGTH


def test_each_change_is_one_warning_with_its_reasons_in_order():
    steps = [
        Step(("A", "B"), tidy_spaces, "extra spaces removed"),
        Step(("A",), upper, "upper-cased"),
        Step(("A",), lambda v: v.str.lower(), "lower-cased"),  # back to what it was, for some
        Step(("B",), upper, "upper-cased"),
    ]
    a = ["  ab ", "ab", "AB", "", LONG.lower() + "  ", "é é"]
    b = ["x", " x ", "1990-03-14 ", "", "", LONG]
    frame = as_records(pd.DataFrame({"A": a, "B": b}))
    for hide in (False, True):
        result, warnings = normalise(frame, steps, sensitive=("B",) if hide else ())
        expected = []
        for name, reasons in (("A", ("extra spaces removed", "upper-cased", "lower-cased")),
                              ("B", ("extra spaces removed", "upper-cased"))):  # fmt: skip
            for row, before in frame[name].items():
                after = result.loc[row, name]
                why = []
                value = before
                for reason in reasons:
                    step = next(s for s in steps if s.reason == reason and name in s.columns)
                    new = step.apply(pd.Series([value], dtype="str")).iloc[0]
                    if new != value:
                        why.append(reason)
                    value = new
                if after == before or not why:
                    continue
                old, new = (mask(before), mask(after)) if hide and name == "B" else (before, after)
                expected.append(
                    (row, name, old,
                     f"{name} '{display(old, False)}' was changed to '{display(new, False)}' "
                     f"({'; '.join(why)})")
                )  # fmt: skip
        got = list(
            zip(warnings["row"], warnings["column"], warnings["value"], warnings["message"],
                strict=True)
        )  # fmt: skip
        assert sorted(got) == sorted(expected)
        assert set(warnings["check"]) == {"normalised"} and set(warnings["severity"]) == {"warning"}
