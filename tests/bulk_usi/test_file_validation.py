"""A client file validated a chunk at a time gives the whole file's report, in bounded memory."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook

from usikit.bulk_usi.file_validation import validate_clients_file
from usikit.bulk_usi.samples import add_mistakes, synthetic_clients
from usikit.bulk_usi.validation import validate_clients
from usikit.io import read_table, sheets, text
from usikit.io.sheets import SheetLimits
from usikit.rules.groups import GroupIndex
from usikit.rules.people import others_in_group

TODAY = dt.date(2026, 11, 22)
CHUNK = 97  # records a chunk: the file below crosses sixteen chunks


def _messy_file(folder, records: int = 1500) -> str:
    """Client records with every kind of mistake, repeats spanning chunks, and the text
    oddities a chunk boundary could break: blank lines, quoted cells holding line breaks, a
    column without a header holding one value, a row with a cell too many."""
    clean = synthetic_clients(records, seed=5, today=TODAY)
    frame, _ = add_mistakes(clean, rate=0.08, seed=6)
    frame.loc[records - 500, "Client ID"] = frame.loc[10, "Client ID"]  # a pair far apart
    for row in (700, 1100, records - 1):  # a group of four across the file
        frame.loc[row, "Client ID"] = frame.loc[30, "Client ID"]
    for column in ("First Name", "Family Name", "Single Name", "Date of Birth"):
        frame.loc[records - 300, column] = frame.loc[20, column]  # one person, two Client IDs
    frame.loc[600, "Address Line 1"] = "Unit 4\nBlock B, Level 2"
    frame.insert(3, "", "")
    frame.iloc[900, 3] = "stray"
    lines = frame.to_csv(index=False, lineterminator="\n").split("\n")
    lines.insert(400, "")
    lines.insert(1000, ",,,")
    lines[1300] += ",extra"
    path = folder / "clients.csv"
    path.write_text("\n".join(lines), encoding="utf-8")
    return str(path)


@pytest.fixture(scope="module")
def messy(tmp_path_factory):
    return _messy_file(tmp_path_factory.mktemp("stream"))


WHOLE: dict = {}


def _whole(path):
    if path not in WHOLE:
        WHOLE[path] = validate_clients(read_table(path), today=TODAY)
    return WHOLE[path]


def test_chunks_give_the_whole_files_report(messy, tmp_path):
    whole = _whole(messy)
    whole.to_csv(tmp_path / "whole.csv")
    streamed = validate_clients_file(
        messy, errors=tmp_path / "streamed.csv", today=TODAY, chunk_records=CHUNK, stream_from=0
    )
    assert streamed.summary_line() == whole.summary_line()
    assert (streamed.n_records, streamed.n_invalid, streamed.n_warnings) == (
        whole.n_records, whole.n_invalid, whole.n_warnings)  # fmt: skip
    assert streamed.n_problems == len(whole.errors)
    assert streamed.summary_lines() == whole.summary_lines()
    pd.testing.assert_frame_equal(
        streamed.summary().astype(object), whole.summary().astype(object), check_dtype=False
    )
    assert streamed.file_problems["message"].tolist() == whole.file_problems["message"].tolist()
    # Every problem, its row, column and message, in the same order, byte for byte.
    assert (tmp_path / "streamed.csv").read_bytes() == (tmp_path / "whole.csv").read_bytes()
    checks = set(whole.errors["check"])
    assert {"duplicate_client_id", "same_person", "extra_cells", "blank_header"} <= checks


def test_repeats_are_named_across_chunks(messy, tmp_path):
    validate_clients_file(
        messy, errors=tmp_path / "e.csv", today=TODAY, chunk_records=CHUNK, stream_from=0
    )
    errors = pd.read_csv(tmp_path / "e.csv", dtype=str, encoding="utf-8-sig")
    for check, row in (("duplicate_client_id", "12"), ("same_person", "22")):
        found = errors[(errors["Check"] == check) & (errors["Row"] == row)]
        other = int(found["Message"].str.extract(r"row (\d+)")[0].iloc[0])
        assert other - int(row) > 10 * CHUNK  # named from a chunk ten chunks on
    group = errors[(errors["Check"] == "duplicate_client_id") & (errors["Row"] == "32")]
    assert group["Message"].str.contains(r"row \d+, \d+, \d+;").all()


def test_no_chunk_holds_more_records_than_the_chunk_size(messy, monkeypatch):
    sizes = []
    parse = text.parse_grid

    def counted(data, encoding, sep, width):
        grid, extra = parse(data, encoding, sep, width)
        sizes.append(len(grid))
        return grid, extra

    monkeypatch.setattr(text, "parse_grid", counted)
    report = validate_clients_file(messy, today=TODAY, chunk_records=CHUNK, stream_from=0)
    assert sizes and max(sizes) <= CHUNK
    assert len(sizes) >= 2 * (report.n_records // CHUNK)  # two passes, every chunk small


def test_the_workbook_is_the_whole_files_with_its_continuation_sheets(messy, tmp_path, monkeypatch):
    monkeypatch.setattr(sheets, "EXCEL", SheetLimits(rows=350))
    whole = _whole(messy)
    whole.to_workbook(tmp_path / "whole.xlsx")
    streamed = validate_clients_file(
        messy, errors=tmp_path / "streamed.xlsx", today=TODAY, chunk_records=CHUNK, stream_from=0
    )
    one, other = load_workbook(tmp_path / "whole.xlsx"), load_workbook(tmp_path / "streamed.xlsx")
    assert one.sheetnames == other.sheetnames
    assert "Records (5)" in one.sheetnames and "Errors (2)" not in one.sheetnames
    for name in one.sheetnames:
        mine, theirs = one[name], other[name]
        assert [[c.value for c in r] for r in mine.iter_rows()] == [
            [c.value for c in r] for r in theirs.iter_rows()
        ], name
        assert [[c.fill.fgColor.rgb for c in r] for r in mine.iter_rows()] == [
            [c.fill.fgColor.rgb for c in r] for r in theirs.iter_rows()
        ], name
        assert mine.auto_filter.ref == theirs.auto_filter.ref
    assert streamed.notes == whole.to_workbook(tmp_path / "again.xlsx").notes()


def test_a_small_file_is_read_whole(messy, monkeypatch):
    monkeypatch.setattr(text, "parse_grid", _refused)
    with pytest.raises(AssertionError, match="read whole"):
        validate_clients_file(messy, today=TODAY, chunk_records=CHUNK)


def _refused(data, *args):
    raise AssertionError("read whole" if data.count(b"\n") > CHUNK else "read in chunks")


def test_the_index_is_exact_when_hashes_collide(monkeypatch):
    monkeypatch.setattr(
        pd.util, "hash_pandas_object", lambda keys, index: pd.Series(np.zeros(len(keys), "uint64"))
    )
    index = GroupIndex()
    index.add(pd.Series(["a", "b", "c"], index=[2, 3, 4]))
    index.add(pd.Series(["b", "d"], index=[900, 901]))
    index.finish()
    rows = pd.Index([2, 3, 4, 900, 901])
    assert index.repeated(rows).tolist() == [False, True, False, True, False]
    assert index.others(pd.Index([3, 900])).tolist() == ["900", "3"]


def test_a_group_names_its_first_rows_and_how_many_more():
    index = GroupIndex()
    for start in range(0, 40, 10):
        index.add(pd.Series(["x"] * 2, index=[start + 2, start + 3]))
    index.finish()
    assert index.others(pd.Index([2, 23])).tolist() == [
        "3, 12, 13, 22, 23 and 2 more",
        "2, 3, 12, 13, 22 and 2 more",
    ]


def _encoded(folder, name: str, variant: str) -> str:
    frame, _ = add_mistakes(synthetic_clients(300, seed=8, today=TODAY), rate=0.1, seed=9)
    frame.loc[250, "Client ID"] = frame.loc[3, "Client ID"]
    frame.loc[40, "First Name"] = "Zoë"
    frame.loc[260, "Family Name"] = "Brontë"
    sep = ";" if variant == "directive" else ","
    body = frame.to_csv(index=False, sep=sep, lineterminator="\r\n" if variant == "crlf" else "\n")
    path = folder / name
    if variant == "cp1252":
        path.write_bytes(body.encode("cp1252"))
    elif variant == "stray":  # UTF-8, but one name saved in Windows-1252
        data = body.encode("utf-8")
        path.write_bytes(data.replace("Brontë".encode(), "Brontë".encode("cp1252")))
    elif variant == "directive":
        path.write_bytes(("sep=;\n" + body).encode("utf-8"))
    else:
        path.write_bytes(body.encode("utf-8-sig"))
    return str(path)


@pytest.mark.parametrize("variant", ["cp1252", "stray", "directive", "crlf"])
def test_encodings_separators_and_line_ends_stream_as_they_read(variant, tmp_path):
    path = _encoded(tmp_path, f"{variant}.csv", variant)
    whole = validate_clients(read_table(path), today=TODAY)
    whole.to_csv(tmp_path / "whole.csv")
    streamed = validate_clients_file(
        path, errors=tmp_path / "streamed.csv", today=TODAY, chunk_records=45, stream_from=0
    )
    assert streamed.summary_lines() == whole.summary_lines()
    assert (tmp_path / "streamed.csv").read_bytes() == (tmp_path / "whole.csv").read_bytes()
    assert whole.n_records == 300 and "duplicate_client_id" in set(whole.errors["check"])


def test_the_index_words_each_row_as_the_whole_file_path_does():
    """Both paths name a row's others with the same words (one wording, `named_others`)."""
    rng = np.random.default_rng(4)
    for trial in range(30):
        codes = rng.integers(0, 1 + trial % 7, int(rng.integers(2, 60)))
        keys = pd.Series([f"k{c}" for c in codes], index=range(2, 2 + len(codes)))
        repeated = keys[keys.duplicated(keep=False)]
        index = GroupIndex()
        index.add(keys)
        index.finish()
        assert index.others(repeated.index).tolist() == others_in_group(repeated).tolist()
