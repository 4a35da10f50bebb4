"""A text file read a chunk at a time: the records, row numbers and reader problems of the
whole-file read, and the same refusals of hostile files."""

from __future__ import annotations

import pandas as pd
import pytest

from usikit.errors import UsikitError
from usikit.io import read_table
from usikit.io.limits import ReadLimits
from usikit.io.stream import open_stream
from usikit.io.tableinfo import table_info

HEAD = "Client ID,First Name,Family Name,Date of Birth\n"
ROWS = "".join(f"C{i},Ann,Lee,0{1 + i % 9}/02/1990\n" for i in range(500))
LIMITS = ReadLimits(line=2000)
HOSTILE = {
    "nul": HEAD + ROWS * 8 + "C9,A\x00n,Lee,01/01/1990\n" + ROWS,  # beyond the first look
    "unclosed quote": HEAD + ROWS + 'C1000,"Ann,Lee,01/01/1990\n' + ROWS[:2000],
    "title row": "My clients\n" + HEAD + ROWS,
    "long line": HEAD + ROWS + "C1," + "x" * 3000 + ",Lee,01/01/1990\n",
    "no text": "\n \n\n",
}


def _streamed(path, chunk: int = 40) -> tuple[pd.DataFrame, set]:
    stream = open_stream(path, limits=LIMITS, chunk_records=chunk)
    assert stream is not None
    frames = list(stream.frames())
    assert all(len(frame) <= chunk for frame in frames)
    whole = pd.concat(frames)
    problems = {p for frame in frames for p in table_info(frame).problems}
    return whole, problems


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_files_are_refused_as_when_read_whole(case, tmp_path):
    path = tmp_path / "clients.csv"
    path.write_text(HOSTILE[case], encoding="utf-8")
    with pytest.raises(UsikitError) as whole:
        read_table(path, limits=LIMITS)
    with pytest.raises(UsikitError) as streamed:
        _streamed(path)
    assert str(streamed.value) == str(whole.value)


def test_records_rows_and_reader_problems_are_the_whole_reads(tmp_path):
    lines = [HEAD.rstrip("\n").replace("Family Name", ",Family Name")]
    for i in range(300):
        lines.append(f'C{i},"Ann\nMarie",{"x" if i == 150 else ""},Lee,01/02/1990')
        if i % 50 == 7:
            lines.append("")
    lines[200] += ",stray"
    path = tmp_path / "clients.csv"
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("utf-8-sig"))
    whole = read_table(path)
    streamed, problems = _streamed(path, chunk=33)
    pd.testing.assert_frame_equal(streamed, whole)
    assert problems == set(table_info(whole).problems)
    assert {p.check for p in problems} == {"blank_header", "extra_cells"}


def test_workbooks_and_utf16_text_are_read_whole(tmp_path):
    path = tmp_path / "clients.txt"
    path.write_text(HEAD + ROWS, encoding="utf-16")
    assert open_stream(path) is None


def test_the_cells_limit_bounds_each_chunk_not_the_file(tmp_path):
    path = tmp_path / "clients.csv"
    path.write_text(HEAD + ROWS, encoding="utf-8")
    limits = ReadLimits(cells=400)
    with pytest.raises(UsikitError, match="over the limit of 400 cells"):
        read_table(path, limits=limits)  # read whole: 2,004 cells
    stream = open_stream(path, limits=limits, chunk_records=1000)
    assert stream is not None
    frames = list(stream.frames())
    assert max(len(frame) for frame in frames) * 4 <= 400
    assert sum(len(frame) for frame in frames) == 500
