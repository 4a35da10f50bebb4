"""Forgiving header matching: case, spacing, punctuation and common aliases."""

from __future__ import annotations

import re
from collections.abc import Sequence

import pandas as pd

from usikit.problems import ERROR, WARNING, Problem, name_checks
from usikit.rules.engine import Field

_NOT_ALPHANUMERIC = re.compile(r"[^0-9a-z]+")


def header_key(name: str) -> str:
    """A spelling-independent key: 'Post Code', 'post_code' and 'POSTCODE' are one header."""
    return _NOT_ALPHANUMERIC.sub("", str(name).casefold().replace("&", "and"))


def match_headers(
    frame: pd.DataFrame, fields: Sequence[Field]
) -> tuple[pd.DataFrame, list[Problem], pd.DataFrame]:
    """Rename the frame's headers to the fields they stand for.

    Returns the renamed frame (template columns first, in template order, missing optional
    ones added blank; unrecognised columns kept at the end), the problems to report, and a
    table of how each header was read.
    """
    by_key: dict[str, tuple[Field, str]] = {}
    for f in fields:
        by_key[header_key(f.name)] = (f, "exact")
        for alias in f.aliases:
            by_key.setdefault(header_key(alias), (f, "alias"))
    problems: list[Problem] = []
    rows: list[tuple[str, str, str]] = []
    matches = {header: by_key.get(header_key(header)) for header in frame.columns}
    # When two headers mean one field, the one spelt exactly as the field wins (then one
    # matching by name, then an alias): the other keeps its own name, which cannot be the
    # field's name, so that no two columns end up with one name.
    ranked = sorted(
        (m is None or header != m[0].name, m is None or m[1] != "exact", position, header)
        for position, (header, m) in enumerate(matches.items())
    )
    claimed: dict[str, str] = {}
    for *_, header in ranked:
        match = matches[header]
        if match is not None:
            claimed.setdefault(match[0].name, header)
    renames: dict[str, str] = {}
    for header, match in matches.items():
        if match is None:
            rows.append((header, "", "not recognised"))
            problems.append(_unrecognised(header))
            continue
        field, how = match
        if claimed[field.name] != header:
            rows.append((header, "", "duplicate"))
            problems.append(_twice(field.name, claimed[field.name], header))
            continue
        renames[header] = field.name
        rows.append((header, field.name, how if header != field.name else "exact"))
        if how == "alias" or header != field.name:
            problems.append(_mapped(header, field.name))
    renamed = frame.rename(columns=renames)
    extra = [c for c in renamed.columns if c not in renames.values()]
    for f in fields:
        if f.name not in renamed.columns and not f.required:
            renamed[f.name] = ""
    ordered = [f.name for f in fields if f.name in renamed.columns] + extra
    table = pd.DataFrame(rows, columns=["found", "read_as", "how"])
    return renamed[ordered], problems, table


def _unrecognised(header: str) -> Problem:
    return Problem(
        None,
        header,
        "",
        "unrecognised_column",
        WARNING,
        f"Column '{header}' is not part of the template; it is kept but not checked",
    )


def _twice(name: str, first: str, second: str) -> Problem:
    return Problem(
        None,
        second,
        "",
        "column_twice",
        ERROR,
        f"Columns '{first}' and '{second}' both mean {name}; keep one of them",
    )


def _mapped(header: str, name: str) -> Problem:
    return Problem(
        None, name, header, "header_mapped", WARNING, f"Column '{header}' was read as '{name}'"
    )


name_checks(
    {
        "unrecognised_column": "a column not in the layout",
        "column_twice": "a column given twice",
        "header_mapped": "a header read under another name",
    }
)
