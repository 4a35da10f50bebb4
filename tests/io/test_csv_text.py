"""CSV built in Arrow is, byte for byte, what pandas' `to_csv` writes: whatever the cells
hold (separators, quotes, line ends, accents, empty and missing cells), and a table it does
not build is left whole to pandas."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from usikit.io import csv_text
from usikit.io.atomic import write_csv
from usikit.io.csv_text import write_csv_lines

SEPARATORS = [",", ";", "\t", "|"]
awkward = st.text(alphabet=st.sampled_from(list("ab ,;|\t\"'\r\né€\u00a0=+-@")), max_size=8)


def by_pandas(frame: pd.DataFrame, *, sep: str = ",", header: bool = True) -> bytes:
    written = io.BytesIO()
    frame.to_csv(
        written, index=False, sep=sep, header=header, lineterminator="\r\n", encoding="utf-8"
    )
    return written.getvalue()


def by_arrow(frame: pd.DataFrame, *, sep: str = ",", header: bool = True) -> bytes:
    written = io.BytesIO()
    assert write_csv_lines(frame, written, sep=sep, header=header)
    return written.getvalue()


@st.composite
def tables(draw):
    rows = draw(st.integers(0, 12))
    columns = {
        "Row": pd.array(
            draw(st.lists(st.one_of(st.none(), st.integers(-5, 10**12)), min_size=rows,
                          max_size=rows)),
            dtype="Int64",
        ),
        "Value, as typed": pd.array(
            draw(st.lists(st.one_of(st.none(), awkward), min_size=rows, max_size=rows)),
            dtype="str",
        ),
        'Say "why"': pd.Series(draw(st.lists(awkward, min_size=rows, max_size=rows)), dtype=object),
        "Count": np.asarray(
            draw(st.lists(st.integers(-(2**40), 2**40), min_size=rows, max_size=rows)),
            dtype=np.int64,
        ),
    }  # fmt: skip
    return pd.DataFrame(columns)


@settings(max_examples=150, deadline=None)
@given(tables(), st.sampled_from(SEPARATORS), st.booleans())
def test_the_bytes_are_what_pandas_writes(frame, sep, header):
    assert by_arrow(frame, sep=sep, header=header) == by_pandas(frame, sep=sep, header=header)


def test_a_header_named_twice_is_written_twice_as_pandas_writes_it():
    frame = pd.DataFrame([["a", "b,c", "d"]], columns=["Code", "Code", 'Say "so"'])
    assert by_arrow(frame) == by_pandas(frame)


def test_lines_are_built_a_block_at_a_time_and_still_follow_each_other(monkeypatch):
    monkeypatch.setattr(csv_text, "LINES_AT_ONCE", 3)
    frame = pd.DataFrame({"a": [f"x{i}" for i in range(10)], "b": ['q"' * i for i in range(10)]})
    assert by_arrow(frame) == by_pandas(frame)


@pytest.mark.parametrize(
    "frame",
    [
        pd.DataFrame({"a": ["x", ""]}),  # one column: its empty cell is quoted alone
        pd.DataFrame({"a": ["x"], "b": [1.5]}),  # decimals: pandas' own formatting
        pd.DataFrame({"a": ["x"], "b": [True]}),
        pd.DataFrame({"a": ["x"], "b": pd.to_datetime(["2026-12-04"])}),
        pd.DataFrame({"a": ["x"], "b": pd.Series([None], dtype=object)}),
        pd.DataFrame({"a": ["x"], "b": pd.Series(["\ud800"], dtype=object)}),  # not UTF-8
    ],
)
def test_a_table_it_does_not_build_is_left_to_pandas_with_nothing_written(frame):
    written = io.BytesIO()
    assert not write_csv_lines(frame, written)
    assert written.getvalue() == b""


@pytest.mark.parametrize("frame", [
    pd.DataFrame({"Name": ["=1+1", "Zoë, \"Jo\""], "Row": pd.array([2, None], dtype="Int64")}),
    pd.DataFrame({"Name": ["=1+1", "Ann"], "Paid": [1.5, 2.0]}),
])  # fmt: skip
def test_write_csv_gives_the_file_pandas_gives_formulas_neutralised(frame, tmp_path):
    path = write_csv(frame, tmp_path / "out.csv")
    expected = io.BytesIO()
    safe = frame.assign(Name=["'=1+1", frame["Name"][1]])
    safe.to_csv(expected, index=False, lineterminator="\r\n", encoding="utf-8-sig")
    assert path.read_bytes() == expected.getvalue()
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
