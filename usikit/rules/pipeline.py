"""The one path every validator takes: records as text, headers read, values normalised
(each change a warning), the schema's rules run, one `ValidationReport` out."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace

import pandas as pd

from usikit.privacy import mask, mask_quoted
from usikit.problems import Problem, problems_frame
from usikit.report import ValidationReport
from usikit.rules.distinct import distinct_values
from usikit.rules.engine import Schema, as_records, digest_of, reader_problems, source_of
from usikit.rules.normalise import Step, normalise_lines

# How a kind of file's header is read: the records renamed to the schema's columns (None when
# no record can be checked, as with a wrong set of columns), the problems, how each was read.
HeaderReader = Callable[[pd.DataFrame], tuple[pd.DataFrame | None, list[Problem], pd.DataFrame]]


def run_validation(
    frame: pd.DataFrame,
    schema: Schema,
    steps: Sequence[Step],
    read_headers: HeaderReader,
    *,
    show_sensitive: bool = False,
    more_problems: Callable[[pd.DataFrame], list[Problem]] | None = None,
) -> ValidationReport:
    """Validate `frame` as `schema` says, its values first normalised by `steps`.

    `more_problems` finds file-level problems in how the headers were read (a kind of file
    whose columns may come in several sets). Sensitive values are masked in the report and
    its warnings unless `show_sensitive`.
    """
    typed = as_records(frame)
    renamed, header_problems, headers = read_headers(typed)
    earlier = [
        *_masked(reader_problems(frame), headers, schema.sensitive, show_sensitive),
        *header_problems,
        *(more_problems(headers) if more_problems else ()),
    ]
    source, sha256 = source_of(frame), digest_of(frame)
    if renamed is None:
        report = ValidationReport(
            typed,
            problems_frame(earlier),
            source=source,
            source_sha256=sha256,
            show_sensitive=show_sensitive,
        )
    else:
        with distinct_values():  # a column's distinct values hashed once, for both
            normalised, changes = normalise_lines(
                renamed, steps, sensitive=schema.sensitive, reveal=show_sensitive
            )
            report = schema.validate(
                normalised,
                original=renamed,
                problems=earlier,
                lines=changes,
                show_sensitive=show_sensitive,
                source=source,
                source_sha256=sha256,
            )
    report.headers = headers
    return report


def _masked(
    problems: Sequence[Problem], headers: pd.DataFrame, sensitive: frozenset[str], reveal: bool
) -> list[Problem]:
    """A reader's problems, with the values quoted by those in columns holding personal data
    (a date of birth, a document number) masked: the reader found them before it knew what
    the columns hold."""
    if reveal:
        return list(problems)
    hidden = set(headers.loc[headers["read_as"].isin(list(sensitive)), "found"]) | set(sensitive)
    return [
        replace(p, value=mask(p.value), message=mask_quoted(p.message))
        if p.column in hidden and p.row is not None
        else p
        for p in problems
    ]
