"""The shape of one problem found in a file or a record, shared by readers and validators."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import astuple, dataclass
from typing import Literal

import pandas as pd

Severity = Literal["error", "warning"]
ERROR: Severity = "error"
WARNING: Severity = "warning"

PROBLEM_COLUMNS = ("row", "column", "value", "check", "severity", "message")
# Each check in words, as summaries and charts show it (a check's id is for code and filters).
CHECK_WORDS: dict[str, str] = {}


def name_checks(words: Mapping[str, str]) -> None:
    """Give checks their words; each module names the checks it declares, next to them."""
    CHECK_WORDS.update(words)


def check_words(check: str) -> str:
    """What a check finds, in words ("Client ID used twice"), for a summary or a chart."""
    return CHECK_WORDS.get(check) or check.replace("_", " ")


@dataclass(frozen=True)
class Problem:
    """One line of a validation report; `row` is None for a problem with the whole file."""

    row: int | None
    column: str
    value: str
    check: str
    severity: Severity
    message: str


def problems_frame(problems: Iterable[Problem] = ()) -> pd.DataFrame:
    """Problems as the report's table, with `row` as a nullable integer."""
    rows = [astuple(p) for p in problems]
    if not rows:  # the usual case, made directly: typing an empty table costs milliseconds
        empty = {name: pd.array([], dtype="str") for name in PROBLEM_COLUMNS[1:]}
        return pd.DataFrame({"row": pd.array([], dtype="Int64"), **empty})
    return typed_problems(pd.DataFrame(rows, columns=list(PROBLEM_COLUMNS)))


def typed_problems(frame: pd.DataFrame) -> pd.DataFrame:
    """Give a problems table its dtypes: nullable integer rows, text everywhere else."""
    columns: dict[str, object] = {"row": pd.array(frame["row"].to_numpy(), dtype="Int64")}
    for name in PROBLEM_COLUMNS[1:]:
        values = frame[name]
        if not (values.dtype == "str" and not values.hasnans):  # text already: kept as is
            values = values.astype(object).where(values.notna(), "").astype(str)
        columns[name] = values.array
    return pd.DataFrame(columns, index=pd.RangeIndex(len(frame)))
