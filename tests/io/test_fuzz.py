"""Random bytes, random tables and random DataFrames: usikit answers with a report whose
counts add up, or with an InputError, and loses no record of a file it reads.

Each test keeps its examples few and small so that the whole file runs in seconds; the
corpus in `tests/data/bad/` covers the known ways files go wrong one by one.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from unittest import mock

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from tests.paths import CORPUS
from usikit import InputError, read_table
from usikit.bulk_usi.fields import CLIENT_COLUMNS
from usikit.bulk_usi.validation import validate_clients
from usikit.cli import main
from usikit.regcert.fields import IMPORT_COLUMNS
from usikit.regcert.import_rules import validate_regcert
from usikit.report import ValidationReport

TODAY = dt.date(2026, 11, 22)
FAST = settings(
    max_examples=60,
    deadline=None,  # the first example pays for imports (pandera) and warms caches
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
VALIDATORS = (validate_clients, validate_regcert)

# Text as it turns up in real cells: every alphabet, control characters, NUL, separators,
# quotes, line breaks, right-to-left text and its marks, emoji, and the odd very long cell.
SPECIAL = st.sampled_from(
    [
        "",
        " ",
        "\x00",
        "\t",
        "\r\n",
        "\n",
        '"',
        "'",
        ",",
        ";",
        "|",
        "\ufeff",
        "\u200f",
        "\u00a0",
        "=1+1",
        "#N/A",
        "O\u2019Brien",
        "Zoë",
        "فاطمة",
        "נועה",
        "😀",
        "👩\u200d👩\u200d👧",
        "0800",
        "23/04/2004",
        "2004-04-23",
        "31/02/2004",
        "1000000043",
        "sep=;",
        "x" * 5000,
    ]
)
CELL = st.one_of(st.text(max_size=12), SPECIAL, st.lists(SPECIAL, max_size=3).map("".join))
HEADER = st.one_of(
    st.sampled_from([*CLIENT_COLUMNS, *IMPORT_COLUMNS, "", " ", "Surname", "DOB", "Email"]),
    CELL,
)
ENCODINGS = ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "utf-32", "cp1252"]
NAMES = ["data.csv", "data.txt", "data.tsv", "data.xlsx", "data.xls", "noextension"]


@contextmanager
def written(name: str, data: bytes) -> Iterator[Path]:
    """A file holding `data` (hypothesis runs many examples in one test: no tmp_path)."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_bytes(data)
        yield path


def assert_accounts_for(report: ValidationReport, frame: pd.DataFrame) -> None:
    """Every record of `frame` is in the report once, valid or not, and every problem
    points at one of them or at the whole file."""
    assert report.n_records == len(frame)
    assert report.n_valid + report.n_invalid == len(frame)
    assert len(report.valid) + len(report.invalid) == len(frame)
    assert report.records.index.is_unique
    located = report.errors["row"].dropna().astype(int)
    assert located.isin(report.records.index).all()
    assert len(report.summary_line()) > 0


def check_file(path: Path, sep: str | None = None) -> pd.DataFrame | None:
    """Read `path` and validate it both ways; None when it is refused with an InputError."""
    try:
        frame = read_table(path, sep=sep)
    except InputError as exc:
        assert str(exc).startswith(f"{path}: ")
        return None
    assert frame.index.name == "row" and frame.index.is_unique
    assert all(isinstance(cell, str) for column in frame.columns for cell in frame[column])
    for validate in VALIDATORS:
        try:
            report = validate(frame, today=TODAY)
        except InputError:
            continue
        assert_accounts_for(report, frame)
        assert report.records.index.equals(frame.index)  # the rows the user sees
    return frame


PREFIXES = st.sampled_from(
    [
        b"",
        b"\xef\xbb\xbf",
        b"\xff\xfe",
        b"\xfe\xff",
        b"\xff\xfe\x00\x00",
        b"PK\x03\x04",
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
        b"sep=;\r\n",
        b"<html><table>",
        b"Client ID,First Name,Family Name\r\n",
        b'"',
    ]
)


@FAST
@given(prefix=PREFIXES, body=st.binary(max_size=600), name=st.sampled_from(NAMES))
def test_random_bytes_give_a_report_or_an_input_error(prefix, body, name):
    with written(name, prefix + body) as path:
        check_file(path)


SAMPLES = sorted(
    p.name for p in CORPUS.iterdir() if p.name not in ("manifest.json", ".gitattributes")
)


@st.composite
def damaged(draw) -> tuple[str, bytes]:
    """A corpus file cut short, with bytes overwritten or inserted: what a failed copy,
    a bad disk or a careless edit leaves."""
    name = draw(st.sampled_from(SAMPLES))
    data = bytearray((CORPUS / name).read_bytes()[:20_000])
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(data)))
        action = draw(st.sampled_from(["cut", "overwrite", "insert"]))
        noise = draw(st.binary(min_size=1, max_size=8))
        if action == "cut":
            del data[at:]
        elif action == "overwrite":
            data[at : at + len(noise)] = noise
        else:
            data[at:at] = noise
    return name, bytes(data)


@FAST
@given(file=damaged())
def test_damaged_files_give_a_report_or_an_input_error(file):
    name, data = file
    with written(name, data) as path:
        check_file(path)


def visible(cell: str) -> bool:
    """Whether a cell shows anything: a cell of spaces (Unicode white space) does not."""
    return cell.strip() != ""


def expected_rows(rows: list[list[str]], shown=lambda cell: cell) -> list[int]:
    """The spreadsheet rows (1-based) of the records: every row with visible text below the
    first row with visible text (the header)."""
    filled = [i + 1 for i, row in enumerate(rows) if any(visible(shown(c)) for c in row)]
    return filled[1:]


TABLES = st.lists(st.lists(CELL, min_size=1, max_size=6), min_size=1, max_size=8)


@FAST
@given(
    header=st.lists(HEADER, min_size=1, max_size=6),
    rows=TABLES,
    sep=st.sampled_from([",", ";", "\t", "|"]),
    encoding=st.sampled_from(ENCODINGS),
    newline=st.sampled_from(["\r\n", "\n", "\r"]),
    quoting=st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL]),
    told=st.booleans(),
)
def test_random_tables_as_csv_lose_no_record(header, rows, sep, encoding, newline, quoting, told):
    if header[0].startswith("\ufeff"):  # at the very start it is a byte-order mark
        header[0] = header[0].lstrip("\ufeff")
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=sep, lineterminator=newline, quoting=quoting)
    writer.writerows([header, *rows])
    # Windows-1252 has no emoji: a file saved in it holds '?' instead.
    text = buffer.getvalue().encode(encoding, errors="replace").decode(encoding)
    with written("table.csv", text.encode(encoding)) as path:
        frame = check_file(path, sep=sep if told else None)
    if frame is not None and told and not header[0].lower().startswith("sep="):
        records = list(csv.reader(io.StringIO(text, newline=""), delimiter=sep))
        assert frame.index.tolist() == expected_rows(records)


XLSX_CELL = st.one_of(
    CELL.map(lambda text: ILLEGAL_CHARACTERS_RE.sub("", text)[:32767]),
    st.none(),
    st.integers(-(10**12), 10**12),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.booleans(),
    st.dates(min_value=dt.date(1900, 3, 1), max_value=dt.date(2100, 1, 1)),
)


def xlsx_text(value: object) -> str:
    """Whether a cell shows anything, as far as this test needs to know."""
    if value is None or (isinstance(value, str) and (not value.strip() or value.startswith("="))):
        return ""
    return "x"


@FAST
@given(
    rows=st.lists(st.lists(XLSX_CELL, min_size=1, max_size=6), min_size=1, max_size=8),
    top=st.integers(0, 3),
    left=st.integers(0, 2),
)
def test_random_tables_as_xlsx_lose_no_record(rows, top, left):
    book = Workbook()
    sheet = book.active
    for i, row in enumerate(rows):
        for j, value in enumerate(row):
            if value is not None:
                sheet.cell(top + i + 1, left + j + 1, value)
    buffer = io.BytesIO()
    book.save(buffer)
    with written("table.xlsx", buffer.getvalue()) as path:
        frame = check_file(path)
    if frame is not None:
        assert frame.index.tolist() == [top + r for r in expected_rows(rows, xlsx_text)]


COLUMN_NAMES = st.one_of(
    st.sampled_from([*CLIENT_COLUMNS, *IMPORT_COLUMNS, "Given Name", "Surname", ""]),
    st.text(max_size=8),
    st.integers(0, 3),
)
VALUES = st.one_of(
    CELL,
    st.none(),
    st.just(np.nan),
    st.just(pd.NaT),
    st.integers(-(10**18), 10**18),
    st.floats(),
    st.booleans(),
    st.datetimes(min_value=dt.datetime(1800, 1, 1), max_value=dt.datetime(2200, 1, 1)),
    st.dates(),
    st.binary(max_size=4),
)


@st.composite
def frames(draw) -> pd.DataFrame:
    """DataFrames as people build them in notebooks: odd names, mixed types, blanks."""
    names = draw(st.lists(COLUMN_NAMES, max_size=8))
    length = draw(st.integers(0, 6))
    columns = {}
    for position in range(len(names)):
        values = draw(st.lists(VALUES, min_size=length, max_size=length))
        kind = draw(st.sampled_from(["object", "string", "category", "as is"]))
        column = pd.Series(values, dtype=object)
        if kind == "string":
            column = column.map(lambda v: v if v is None or isinstance(v, str) else str(v))
            column = column.astype("string")
        elif kind == "category":
            column = column.map(lambda v: None if v is None or v != v else str(v))
            column = column.astype("category")
        elif kind == "as is":
            column = pd.Series(values) if values else column
        columns[position] = column
    frame = pd.DataFrame(columns, index=pd.RangeIndex(length))
    frame.columns = names
    numbering = draw(st.sampled_from(["by position", "as read", "joined"]))
    if numbering == "joined" and length:  # two files' records, both from row 2
        frame.index = pd.Index([2 + i % 2 for i in range(length)], name="row")
    elif numbering == "as read":
        frame.index = pd.Index(
            sorted(draw(st.sets(st.integers(2, 99), min_size=length, max_size=length))), name="row"
        )
    return frame


@FAST
@given(frame=frames(), show=st.booleans())
def test_random_dataframes_give_a_report_or_an_input_error(frame, show):
    for validate in VALIDATORS:
        try:
            report = validate(frame, today=TODAY, show_sensitive=show)
        except InputError:
            continue
        assert_accounts_for(report, frame)
        with tempfile.TemporaryDirectory() as folder:  # the exports take any text
            report.to_excel(Path(folder) / "errors.xlsx")
            report.to_csv(Path(folder) / "errors.csv")


FILES = st.one_of(
    damaged(), st.tuples(st.sampled_from(NAMES), st.binary(max_size=300)), st.just(("e.csv", b""))
)


@pytest.mark.parametrize("kind", ["clients", "regcert"])
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(file=FILES, report=st.sampled_from(["errors.xlsx", "errors.csv"]))
def test_the_command_line_never_shows_a_traceback(kind, file, report):
    name, data = file
    with written(name, data) as path, _plain_run() as (out, err):
        status = main(["validate", kind, str(path), "--errors", str(path.with_name(report))])
    assert status in (0, 1, 2), err.getvalue()
    assert "Traceback" not in out.getvalue() + err.getvalue()
    if status == 2:
        assert err.getvalue().startswith("error: ") and err.getvalue().count("\n") == 1


@contextmanager
def _plain_run() -> Iterator[tuple[io.StringIO, io.StringIO]]:
    """What the command prints, as a user sees it (no USIKIT_DEBUG tracebacks)."""
    out, err = io.StringIO(), io.StringIO()
    with (
        mock.patch.dict(os.environ),
        contextlib.redirect_stdout(out),
        contextlib.redirect_stderr(err),
    ):
        os.environ.pop("USIKIT_DEBUG", None)
        yield out, err
