"""Parsing delimited text into a grid of strings, exactly as typed."""

from __future__ import annotations

import csv
import io

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as arrow_csv

FALLBACK_ENCODING = "cp1252"  # what Excel on Windows uses for "CSV (Comma delimited)"
TEXT = pd.StringDtype("pyarrow", na_value=np.nan)  # pandas' default string type


class RaggedRows(Exception):
    """The fast parser met a record with more cells than the first one."""


def parse_grid(
    data: bytes, encoding: str, sep: str, width: int
) -> tuple[pd.DataFrame, dict[int, list[str]]]:
    """All records as text (header included), plus the extra cells of over-long records.

    Keys of the extra-cell map are record positions (0 = the first record in the file).
    Arrow's multi-threaded reader handles well-formed files (`width` cells in every
    record); pandas' parser takes short records, and a file with over-long records is
    parsed again with the csv module so that every extra cell can be reported.
    """
    try:
        return _parse_arrow(data, encoding, sep, width), {}
    except (pa.ArrowInvalid, UnicodeError):
        pass
    try:
        return _parse_pandas(data, encoding, sep), {}
    except RaggedRows:
        return _parse_tolerant(data.decode(encoding), sep)


def _parse_arrow(data: bytes, encoding: str, sep: str, width: int) -> pd.DataFrame:
    names = [str(i) for i in range(width)]
    table = arrow_csv.read_csv(
        io.BytesIO(data),
        read_options=arrow_csv.ReadOptions(column_names=names, encoding=encoding),
        parse_options=arrow_csv.ParseOptions(
            delimiter=sep, newlines_in_values=True, ignore_empty_lines=False
        ),
        convert_options=arrow_csv.ConvertOptions(
            column_types=dict.fromkeys(names, pa.large_string()),
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
        ),
    )
    grid = table.to_pandas(types_mapper=lambda kind: TEXT)
    grid.columns = range(width)
    return grid


def _parse_pandas(data: bytes, encoding: str, sep: str) -> pd.DataFrame:
    try:
        grid = pd.read_csv(
            io.BytesIO(data),
            sep=sep,
            header=None,
            dtype=str,
            na_filter=False,
            keep_default_na=False,
            skip_blank_lines=False,
            encoding=encoding,
            engine="c",
        )
    except pd.errors.ParserError as exc:
        raise RaggedRows(str(exc)) from exc
    return grid.fillna("")


def _parse_tolerant(text: str, sep: str) -> tuple[pd.DataFrame, dict[int, list[str]]]:
    records = list(csv.reader(io.StringIO(text.lstrip("\ufeff"), newline=""), delimiter=sep))
    width = len(records[0]) if records else 0
    extra: dict[int, list[str]] = {}
    for position, record in enumerate(records):
        if len(record) > width:
            extra[position] = record[width:]
            del record[width:]
        elif len(record) < width:
            record.extend([""] * (width - len(record)))
    return pd.DataFrame(records, dtype=str), extra
