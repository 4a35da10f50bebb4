"""`validate_clients_file`: a client file validated from disk, a chunk of records at a time
when it is a large text file, so that memory stays bounded whatever its size.

The report is the one `validate_clients` gives for the whole file (the same counts, summary
and problems, row for row): the checks that compare records with each other (a Client ID used
twice, the same person twice) look up an index of the whole file's keys built by a first
pass (`usikit.rules.groups`), and the reader learns on that pass what the header's faults
depend on (`usikit.io.stream`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path

import pandas as pd

from usikit.bulk_usi.fields import CLIENT_FIELDS
from usikit.bulk_usi.person_rules import PERSON_COLUMNS, _person_parts
from usikit.bulk_usi.validation import STEPS, client_schema, validate_clients, validate_with
from usikit.io import read_table, stream
from usikit.io.limits import CHUNK_RECORDS, STREAM_FROM, ReadLimits
from usikit.rules.engine import Rule, Schema, as_records
from usikit.rules.groups import GroupIndex
from usikit.rules.headers import match_headers
from usikit.rules.normalise import normalise
from usikit.rules.streamed import FileReport, validate_chunks

KEY_COLUMNS = ("Client ID", *PERSON_COLUMNS)


def validate_clients_file(
    path: str | Path,
    *,
    errors: str | Path | None = None,
    sep: str | None = None,
    sheet: str | None = None,
    limits: ReadLimits | None = None,
    today: dt.date | None = None,
    show_sensitive: bool = False,
    needs_permission: bool = False,
    chunk_records: int | None = None,
    stream_from: int | None = None,
) -> FileReport:
    """Validate the client file at `path` as `validate_clients` validates its records, and
    write every problem to `errors` (.csv or .xlsx) when given.

    A text file (CSV, TSV, TXT in UTF-8 or Windows-1252) larger than `stream_from` bytes
    (default `usikit.io.limits.STREAM_FROM`) is read `chunk_records` records at a time
    (default `CHUNK_RECORDS`), twice: a first pass indexes the Client IDs and people, the
    second validates and writes each chunk. Smaller files, workbooks (at most Excel's
    1,048,576 rows) and UTF-16 text are read whole.
    """
    threshold = STREAM_FROM if stream_from is None else stream_from
    chunk = CHUNK_RECORDS if chunk_records is None else chunk_records
    path = Path(path)
    if errors is not None:
        from usikit.io.atomic import check_target

        check_target(errors)
    day = today or dt.date.today()
    chunks = None
    if sheet is None and path.is_file() and path.stat().st_size > threshold:
        chunks = stream.open_stream(path, sep=sep, limits=limits, chunk_records=chunk)
    if chunks is None:
        frame = read_table(path, sep=sep, sheet=sheet, limits=limits)
        report = validate_clients(
            frame, today=day, show_sensitive=show_sensitive, needs_permission=needs_permission
        )
        return FileReport.of(report, errors)
    ids, people = GroupIndex(), GroupIndex()
    for frame in chunks.frames(final=False):
        _index_keys(frame, ids, people)
    schema = _across_file(client_schema(day, needs_permission), ids.finish(), people.finish())
    return validate_chunks(
        chunks.frames(),
        lambda frame: validate_with(frame, schema, show_sensitive=show_sensitive),
        errors=errors,
        source=str(path),
        show_sensitive=show_sensitive,
    )


def _index_keys(frame: pd.DataFrame, ids: GroupIndex, people: GroupIndex) -> None:
    """A chunk's Client IDs and people, normalised as the rules see them, into the indexes."""
    renamed, _, _ = match_headers(as_records(frame), CLIENT_FIELDS)
    if renamed is None:
        return  # no record is checked: nothing to compare
    keys = renamed[list(KEY_COLUMNS)]
    normalised, _ = normalise(keys, [s for s in STEPS if set(s.columns) & set(KEY_COLUMNS)])
    client_ids = normalised["Client ID"]
    ids.add(client_ids[(client_ids != "").to_numpy()])
    parts = _person_parts(normalised)
    joined = parts[PERSON_COLUMNS[0]]
    for column in PERSON_COLUMNS[1:]:
        joined = joined + "\x00" + parts[column]
    people.add(joined)


def _across_file(schema: Schema, ids: GroupIndex, people: GroupIndex) -> Schema:
    """The client schema with its checks across records answered from the whole file's
    indexes (their words and severities unchanged)."""
    swapped = {
        "duplicate_client_id": lambda rule: replace(
            rule,
            test=lambda values: (
                (values == "") | ~pd.Series(ids.repeated(values.index), index=values.index)
            ),
            detail=lambda frame, rows: ids.others(rows),
        ),
        "same_person": lambda rule: replace(
            rule,
            test=lambda frame: pd.Series(~people.repeated(frame.index), index=frame.index),
            detail=lambda frame, rows: people.others(rows),
        ),
    }
    rules: list[Rule] = [swapped[r.check](r) if r.check in swapped else r for r in schema.rules]
    return replace(schema, rules=tuple(rules))
