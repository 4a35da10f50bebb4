"""A failing rule's lines of the problems table: its values as shown, its messages filled in."""

from __future__ import annotations

from string import Formatter
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyarrow as pa

from usikit.privacy import mask, mask_series
from usikit.problem_lines import Lines, coded, repeated, spread
from usikit.rules import textscan
from usikit.rules.distinct import known_distinct

if TYPE_CHECKING:
    from usikit.rules.engine import Rule

SHOWN_VALUE_LENGTH = 60  # characters of a value a message quotes


def failing_lines(
    rule: Rule, frame: pd.DataFrame, shown: pd.DataFrame, positions: np.ndarray, *, hide: bool
) -> Lines:
    """The rule's lines of the problems table, as columns of equal length, built column by
    column in Arrow (a million failing cells cost a few array operations, not a million
    messages formatted one by one); `positions`, the failing records', are in order, `shown`
    the values as typed, masked where `hide`."""
    rows = frame.index[positions]
    column = shown[rule.column]
    aligned = column.index is frame.index or column.index.equals(frame.index)
    # A column known by its distinct values shows (and masks) each value once; its lines
    # point at them, and so do their messages where no detail differs from line to line.
    found = known_distinct(column) if aligned else None
    if found is not None and isinstance(found.values, pd.Series):
        codes: np.ndarray | None = found.codes[positions]
        text = _shown(found.values, hide)
    else:
        codes = None
        text = _shown(column.iloc[positions] if aligned else column.reindex(rows), hide)
    details = None
    if rule.detail is not None:
        found_detail = rule.detail(frame, rows)
        details = textscan.as_arrow(
            found_detail if found_detail.index.equals(rows) else found_detail.reindex(rows)
        )
    count = len(rows)
    short = textscan.shortened(text, SHOWN_VALUE_LENGTH)
    if codes is None:
        message = _filled(rule.message, rule.column, short, details, count)
    elif details is None:  # one message per distinct value
        message = spread(_filled(rule.message, rule.column, short, None, len(text)), codes)
    else:  # a message per line: its value too
        short = short.take(pa.array(codes))
        message = _filled(rule.message, rule.column, short, details, count)
    return {
        "row": rows.to_numpy(),
        "column": repeated(rule.column, count),
        "value": text if codes is None else coded(text, codes),
        "check": repeated(rule.check, count),
        "severity": repeated(rule.severity, count),
        "message": message,
    }


def _shown(values: pd.Series, hide: bool) -> pa.Array:
    """Values as the report shows them: missing as empty, masked where `hide`."""
    values = values.fillna("").astype(str)
    return textscan.as_arrow(mask_series(values) if hide else values)


def _filled(
    template: str, column: str, values: pa.Array, details: pa.Array | None, count: int
) -> pa.Array:
    """The message template filled in for every failing cell, by one element-wise join of the
    template's parts (literals once, the cells' values and details as whole arrays)."""
    columns = {
        "value": values,
        "detail": details if details is not None else "",
    }
    pieces: list[pa.Array | str] = []
    for literal, field, spec, conversion in Formatter().parse(template):
        if literal:
            pieces.append(literal)
        if field is None:
            continue
        if spec or conversion or field not in ("column", *columns):
            raise ValueError(f"message {template!r}: only {{column}}, {{value}}, {{detail}}")
        pieces.append(column if field == "column" else columns[field])
    if not any(isinstance(piece, pa.Array) for piece in pieces):
        return repeated("".join(str(piece) for piece in pieces), count)
    return textscan.joined(*pieces)


def display(value: str, sensitive: bool) -> str:
    """One value as a message shows it (what `textscan.shortened` and `mask_series` do to a
    whole column; the tests hold them to this)."""
    shown = mask(value) if sensitive else value
    if len(shown) > SHOWN_VALUE_LENGTH:
        shown = shown[: SHOWN_VALUE_LENGTH - 1] + "\u2026"
    return shown
