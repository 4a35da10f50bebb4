"""Work on worker threads: results in the items' order, long items handed out first, and
what stops a rule's lines is raised, not counted as a failing record."""

from __future__ import annotations

import threading

import pandas as pd
import pytest

import usikit.parallel as parallel
from usikit.parallel import PARALLEL_FROM, in_parallel
from usikit.rules.engine import Field, Rule, Schema, as_records


def test_results_keep_the_items_order_whichever_are_handed_out_first(monkeypatch):
    monkeypatch.setattr(parallel, "WORKERS", 2)
    items = ["a", "B", "c", "D", "e", "F"]  # capitals: the long ones
    started: list[str] = []
    lock = threading.Lock()

    def work(item: str) -> str:
        with lock:
            started.append(item)
        return item * 2

    results = in_parallel(work, items, PARALLEL_FROM, sooner=str.isupper)
    assert results == ["aa", "BB", "cc", "DD", "ee", "FF"]
    # Two workers take the items from one queue: the capitals are taken before any other.
    assert started[0].isupper() and started[1].isupper()
    assert not started[-1].isupper() and not started[-2].isupper()


def test_a_small_table_runs_its_items_in_order_on_this_thread(monkeypatch):
    monkeypatch.setattr(parallel, "WORKERS", 2)
    threads: set[int] = set()
    started: list[str] = []

    def work(item: str) -> str:
        threads.add(threading.get_ident())
        started.append(item)
        return item

    assert in_parallel(work, ["a", "B"], PARALLEL_FROM - 1, sooner=str.isupper) == ["a", "B"]
    assert started == ["a", "B"] and threads == {threading.get_ident()}


@pytest.mark.parametrize("records", [3, PARALLEL_FROM])
def test_a_rule_whose_lines_cannot_be_built_stops_the_validation(monkeypatch, records):
    """The lines are built inside pandera's check, which would count an exception as one
    more failure: the validation raises it instead of reporting half a table."""
    monkeypatch.setattr(parallel, "WORKERS", 2)

    def broken_detail(frame: pd.DataFrame, rows: pd.Index) -> pd.Series:
        raise ValueError("the detail broke")

    schema = Schema(
        "lines",
        (Field("A"),),
        (
            Rule("A", "filled", lambda v: v != "", "{column} is empty"),
            Rule(
                "A", "short", lambda v: v.str.len() < 2, "{column}: {detail}", detail=broken_detail
            ),
        ),
    )
    frame = as_records(pd.DataFrame({"A": ["", "long"] + ["x"] * (records - 2)}))
    with pytest.raises(ValueError, match="the detail broke"):
        schema.validate(frame)


def test_each_failing_rule_has_its_lines_in_the_rules_order_on_threads(monkeypatch):
    """The rule comparing records runs first on the threads, yet on a cell failing two rules
    the lines come in the order the rules are declared, as on one thread."""
    monkeypatch.setattr(parallel, "WORKERS", 2)
    schema = Schema(
        "order",
        (Field("A"), Field("B")),
        (
            Rule("A", "filled", lambda v: v != "", "{column} is empty"),
            Rule("B", "digits", lambda v: v.str.isdigit(), "{column} '{value}' is not a number"),
            Rule(
                "A",
                "unique",
                lambda v: ~v.duplicated(keep=False),
                "{column} '{value}' twice",
                across_records=True,
            ),
        ),
    )
    count = PARALLEL_FROM
    frame = as_records(
        pd.DataFrame({"A": ["", "", "x"] + [f"a{i}" for i in range(count - 3)], "B": ["1"] * count})
    )
    frame.loc[4, "B"] = "two"
    errors = schema.validate(frame).errors
    assert errors[["row", "column", "check"]].values.tolist() == [
        [2, "A", "filled"],
        [2, "A", "unique"],
        [3, "A", "filled"],
        [3, "A", "unique"],
        [4, "B", "digits"],
    ]
