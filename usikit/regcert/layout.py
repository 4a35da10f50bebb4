"""The import file's header, read strictly: exactly the seed's ten columns, in that order
(former names accepted), or one file-level error that says what is missing or extra."""

from __future__ import annotations

import pandas as pd

from usikit.problems import ERROR, WARNING, Problem, name_checks
from usikit.regcert.fields import IMPORT_FIELDS
from usikit.rules.engine import Field
from usikit.rules.headers import header_key

WRONG_COLUMNS = "columns"


def check_columns(
    frame: pd.DataFrame, fields: tuple[Field, ...] = IMPORT_FIELDS
) -> tuple[pd.DataFrame | None, list[Problem], pd.DataFrame]:
    """Read the header strictly: the frame renamed to the current names, or None when the
    columns are not exactly `fields` in order; the problems; how each header was read."""
    by_key: dict[str, tuple[str, str]] = {}
    for f in fields:
        by_key[header_key(f.name)] = (f.name, "exact")
        for alias in f.aliases:
            by_key.setdefault(header_key(alias), (f.name, "alias"))
    found = [str(c) for c in frame.columns]
    read_as = [by_key.get(header_key(h), ("", "not recognised")) for h in found]
    headers = pd.DataFrame(
        [(h, name, _how(h, name, how)) for h, (name, how) in zip(found, read_as, strict=True)],
        columns=["found", "read_as", "how"],
    )
    expected = [f.name for f in fields]
    names = [name for name, _ in read_as]
    if names != expected:
        return None, [_wrong_columns(expected, found, names)], headers
    problems = [
        Problem(
            None,
            name,
            header,
            "header_mapped",
            WARNING,
            f"Column '{header}' was read as '{name}'"
            + (" (its former name)" if how == "alias" else ""),
        )
        for header, (name, how) in zip(found, read_as, strict=True)
        if header != name
    ]
    return frame.set_axis(expected, axis=1), problems, headers


def _how(header: str, name: str, how: str) -> str:
    if not name or header == name:
        return how
    return "alias" if how == "alias" else "spelling"


def _wrong_columns(expected: list[str], found: list[str], names: list[str]) -> Problem:
    missing = [name for name in expected if name not in names]
    extra = [header for header, name in zip(found, names, strict=True) if not name]
    twice = sorted({name for name in names if name and names.count(name) > 1})
    faults = []
    if not any(names):
        faults.append(
            "none of them was found: check the separator and that the first row is the header"
        )
    elif missing:
        faults.append("missing: " + ", ".join(missing))
    if extra and any(names):
        faults.append("not expected: " + ", ".join(extra))
    if twice:
        faults.append("more than once: " + ", ".join(twice))
    if not faults:
        faults.append("the columns are in another order")
    first = next(
        (
            name
            for position, name in enumerate(expected)
            if position >= len(names) or names[position] != name
        ),
        expected[0],
    )
    return Problem(
        None,
        first,
        "",
        WRONG_COLUMNS,
        ERROR,
        f"The file must have exactly these {len(expected)} columns in this order: "
        + ", ".join(expected)
        + ". It has: "
        + (", ".join(found) or "no columns")
        + ". ("
        + "; ".join(faults)
        + "). Put the columns in this order (start from the sample file) and validate again",
    )


name_checks(
    {
        "columns": "not the columns of the layout",
    }
)
