"""The kinds of problem a table holds (column, check, what, severity), counted in arrays.

A report's summary reads as one line per kind. A file whose every date was tidied holds
millions of problems of a few kinds; grouping them by their text in pandas cost seconds (the
four text columns hashed together, then the reason of every tidied value cut out of its
message one line at a time). Here each text column is numbered once (Arrow's hashing), a
tidied value's reason is cut out of each distinct message only, and the kinds are counted
on those numbers.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from usikit.problems import check_words

EXAMPLE_ROWS = 3  # the first rows of each kind of problem a summary names
# Checks whose message ends with what was done in brackets ("... (date written as
# dd/mm/yyyy)"): the summary counts each such reason on its own line. The normalisation of
# usikit.rules.normalise reports every change as "normalised".
REASON_IN_MESSAGE = ("normalised",)
KIND_COLUMNS = ["column", "check", "what", "severity"]


def problem_kinds(errors: pd.DataFrame) -> pd.DataFrame:
    """One line per kind of problem, in the order each kind first appears: its `problems`,
    its distinct `records` (problems with the whole file not counted), its first `example`
    message, and `heads`: the rows of its first EXAMPLE_ROWS problems (None for the whole
    file), which a summary names. `errors` is a problems table as `typed_problems` types it
    (text everywhere but the rows, never missing)."""
    if errors.empty:
        return pd.DataFrame(columns=[*KIND_COLUMNS, "problems", "records", "example", "heads"])
    checks, check_names = _numbered(errors["check"])
    whats, what_names = _whats(errors["message"], checks, check_names)
    parts = [
        _numbered(errors["column"]),
        (checks, check_names),
        (whats, what_names),
        _numbered(errors["severity"]),
    ]
    key = np.zeros(len(errors), dtype=np.int64)
    for codes, names in parts:  # one number per combination: far below 2**63 combinations
        key = key * len(names) + codes
    kind, _ = pd.factorize(key)  # numbered in order of first appearance, as the lines come
    count = int(kind.max()) + 1
    problems = np.bincount(kind, minlength=count)
    small = np.int16 if count < 1 << 15 else np.int64  # numpy sorts 16 bits by radix
    order = np.argsort(kind.astype(small), kind="stable")  # each kind's lines, in order
    starts = np.concatenate([[0], np.cumsum(problems)[:-1]])
    first = order[starts]
    rows, missing = _rows(errors["row"])
    table = {
        name: pd.array(np.asarray(names, dtype=object)[codes[first]], dtype="str")
        for name, (codes, names) in zip(KIND_COLUMNS, parts, strict=True)
    }
    table["problems"] = problems.astype(np.int64)
    table["records"] = _distinct_rows(kind, order, rows, missing, count)
    table["example"] = errors["message"].iloc[first].to_numpy(dtype=object)
    table["heads"] = _heads(order, starts, problems, rows, missing)
    return pd.DataFrame(table)


def _numbered(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Each cell's number among the column's distinct texts, and those texts."""
    codes, names = pd.factorize(values)
    return codes.astype(np.int64), np.asarray(names, dtype=object)


def _whats(
    messages: pd.Series, checks: np.ndarray, check_names: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Each problem's check in words, numbered; for a check that says in its message what
    was done (a tidied value), that reason, cut out of each distinct message once."""
    labels = [check_words(name) for name in check_names]
    codes = checks.copy()
    reasoned = np.isin(check_names, REASON_IN_MESSAGE)[checks]
    if reasoned.any():
        numbers, texts = pd.factorize(messages[reasoned])
        found = pc.extract_regex(pa.array(np.asarray(texts, dtype=object)), r"\((?P<why>[^()]*)\)$")
        reasons = pc.struct_field(found, [0]).to_pylist()
        given = np.array([reason is not None for reason in reasons], dtype=bool)[numbers]
        places = np.flatnonzero(reasoned)[given]
        codes[places] = len(labels) + numbers[given]
        labels += [reason or "" for reason in reasons]
    # The same words from a check and from a reason are one kind, as their text is.
    same, words = pd.factorize(np.asarray(labels, dtype=object))
    return same[codes].astype(np.int64), np.asarray(words, dtype=object)


def _rows(rows: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """The rows as numbers (0 where none) and where there is none (the whole file)."""
    typed = pd.array(rows, dtype="Int64")
    return typed.to_numpy(dtype=np.int64, na_value=0), np.asarray(typed.isna(), dtype=bool)


def _distinct_rows(
    kind: np.ndarray, order: np.ndarray, rows: np.ndarray, missing: np.ndarray, count: int
) -> np.ndarray:
    """How many distinct rows each kind was found on (`order`: each kind's lines in turn)."""
    lines = order[~missing[order]]
    kinds, found = kind[lines], rows[lines]
    if not found.size:
        return np.zeros(count, dtype=np.int64)
    same_kind = kinds[1:] == kinds[:-1]
    if bool((found[1:] >= found[:-1])[same_kind].all()):  # a report's order: rows ascending
        first = np.concatenate([[True], ~same_kind | (found[1:] != found[:-1])])
        return np.bincount(kinds[first], minlength=count).astype(np.int64)
    distinct = pd.DataFrame({"kind": kinds, "row": found}).drop_duplicates()
    return np.bincount(distinct["kind"].to_numpy(), minlength=count).astype(np.int64)


def _heads(
    order: np.ndarray,
    starts: np.ndarray,
    problems: np.ndarray,
    rows: np.ndarray,
    missing: np.ndarray,
) -> list[list[int | None]]:
    """The rows of each kind's first EXAMPLE_ROWS problems, in the table's order."""
    heads: list[list[int | None]] = [[] for _ in starts]
    for step in range(EXAMPLE_ROWS):
        has = np.flatnonzero(problems > step)
        lines = order[starts[has] + step]
        for at, line in zip(has.tolist(), lines.tolist(), strict=True):
            heads[at].append(None if missing[line] else int(rows[line]))
    return heads
