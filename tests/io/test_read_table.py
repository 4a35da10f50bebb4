"""read_table: every cell arrives as the text the user saw, or one clear InputError."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pandas as pd
import pyarrow as pa
import pytest

from usikit import InputError, read_table
from usikit.io import table_info
from usikit.io.text import in_one_piece

ROWS = "Client ID,Postcode,Phone,Name\nC1,0800,0412 345 678,Zoë Brontë\nC2,2000,02 9999 0000,José\n"


def cells(frame: pd.DataFrame) -> list[list[str]]:
    return frame.astype(str).to_numpy().tolist()


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be"])
def test_unicode_encodings_read_the_same_text(write_text, encoding):
    text = ROWS if encoding in ("utf-8", "utf-8-sig", "utf-16") else "\ufeff" + ROWS
    frame = read_table(write_text("clients.csv", text, encoding))
    assert list(frame.columns) == ["Client ID", "Postcode", "Phone", "Name"]
    assert cells(frame) == [
        ["C1", "0800", "0412 345 678", "Zoë Brontë"],
        ["C2", "2000", "02 9999 0000", "José"],
    ]


def test_utf16_saved_without_bom_is_recognised(write_text):
    frame = read_table(write_text("clients.txt", ROWS, "utf-16-le"))
    assert frame.loc[2, "Name"] == "Zoë Brontë"


def test_windows_1252_file_saved_by_excel_reads_correctly(write_text):
    text = "Name;Note\r\nRenée O’Brien;costs €5 – paid\r\n"
    frame = read_table(write_text("excel.csv", text, "cp1252"))
    assert frame.loc[2, "Name"] == "Renée O’Brien"
    assert frame.loc[2, "Note"] == "costs €5 – paid"
    assert table_info(frame).encoding == "cp1252"


@pytest.mark.parametrize("sep", [",", ";", "\t", "|"])
def test_separator_is_sniffed(write_text, sep):
    text = sep.join(["A", "B", "C"]) + "\n" + sep.join(["1", "x y", "0042"]) + "\n"
    frame = read_table(write_text("data.txt", text))
    assert list(frame.columns) == ["A", "B", "C"]
    assert cells(frame) == [["1", "x y", "0042"]]
    assert table_info(frame).sep == sep


def test_semicolon_file_whose_values_hold_commas_is_not_taken_for_comma(write_text):
    text = "Name;Address\nSmith, John;1 High St, Perth\nLee, Ann;2 Low Rd, Hobart\n"
    frame = read_table(write_text("data.csv", text))
    assert list(frame.columns) == ["Name", "Address"]
    assert frame.loc[3, "Address"] == "2 Low Rd, Hobart"


@pytest.mark.parametrize(("given", "actual"), [("tab", "\t"), ("semicolon", ";"), ("\\t", "\t")])
def test_separator_can_be_named(write_text, given, actual):
    path = write_text("data.csv", f"A{actual}B\n1{actual}2\n")
    assert list(read_table(path, sep=given).columns) == ["A", "B"]


def test_wrong_separator_given_is_reported_with_the_likely_one(write_text):
    frame = read_table(write_text("data.csv", "A;B;C\n1;2;3\n"), sep=",")
    problems = table_info(frame).problems
    assert len(frame.columns) == 1
    assert [p.check for p in problems] == ["separator"]
    assert "semicolon" in problems[0].message


def test_no_type_guessing_everything_stays_text(write_text):
    text = "a,b,c,d,e,f\n0800,1e5,NA,TRUE, padded ,007.50\n"
    frame = read_table(write_text("data.csv", text))
    assert cells(frame) == [["0800", "1e5", "NA", "TRUE", " padded ", "007.50"]]
    assert all(isinstance(v, str) for v in frame.iloc[0])


def test_empty_cells_are_empty_strings_and_short_rows_are_padded(write_text):
    frame = read_table(write_text("data.csv", "a,b,c\n1,,3\n4\n"))
    assert cells(frame) == [["1", "", "3"], ["4", "", ""]]


def test_rows_are_spreadsheet_rows_even_with_quoted_newlines_and_blank_lines(write_text):
    text = 'Name,Note\nAnn,"line one\nline two"\n\nBob,"x, y"\n,\nCal,z\n'
    frame = read_table(write_text("data.csv", text))
    assert frame.index.name == "row"
    # Excel shows the quoted newline inside one cell: Ann is row 2, the blank record row 3.
    assert frame.index.tolist() == [2, 4, 6]
    assert frame.loc[2, "Note"] == "line one\nline two"
    assert frame.loc[4, "Note"] == "x, y"


def test_header_only_file_has_no_records(write_text):
    frame = read_table(write_text("data.csv", "Client ID,Name\n"))
    assert list(frame.columns) == ["Client ID", "Name"]
    assert len(frame) == 0


def test_duplicate_headers_are_reported_not_guessed(write_text):
    frame = read_table(write_text("data.csv", "Email,Name,email\na@x.au,Ann,b@x.au\n"))
    problems = table_info(frame).problems
    assert list(frame.columns) == ["Email", "Name", "email (column C)"]
    assert frame.loc[2, "email (column C)"] == "b@x.au"
    assert [(p.check, p.row) for p in problems] == [("duplicate_header", None)]
    assert "column A" in problems[0].message and "column C" in problems[0].message


def test_blank_header_with_data_is_reported_and_empty_one_dropped(write_text):
    frame = read_table(write_text("data.csv", "Name,,Code,\nAnn,oops,X,\nBob,,Y,\n"))
    problems = table_info(frame).problems
    assert list(frame.columns) == ["Name", "(no header, column B)", "Code"]
    assert [p.check for p in problems] == ["blank_header"]
    assert "Column B has no header but 1 cell with data" in problems[0].message


def test_rows_with_more_cells_than_the_header_are_reported_with_the_extra_cells(write_text):
    text = "Name,Town\nAnn,Perth\nSmith, John,Hobart,TAS\nCal,Darwin\n"
    frame = read_table(write_text("data.csv", text))
    problems = table_info(frame).problems
    assert frame.index.tolist() == [2, 3, 4]
    assert frame.loc[3].tolist() == ["Smith", " John"]
    assert [(p.row, p.check) for p in problems] == [(3, "extra_cells")]
    assert "'Hobart', 'TAS'" in problems[0].message


def test_xlsx_cells_become_the_text_the_user_saw(write_xlsx):
    path = write_xlsx(
        "clients.xlsx",
        {
            "Clients": [
                ["ULN", "Postcode", "Born", "Amount", "Flag", "Typed", "At", "Huge"],
                [1000000043, 800, dt.date(1990, 2, 3), 12.5, True, "0800", None, 1e20],
                [9276308686, "0800", dt.datetime(2020, 1, 2, 13, 45), -3.0, False, "x", None, 0.1],
            ]
        },
    )
    frame = read_table(path)
    assert cells(frame) == [
        ["1000000043", "800", "03/02/1990", "12.5", "TRUE", "0800", "", "1E+20"],
        ["9276308686", "0800", "02/01/2020 13:45", "-3", "FALSE", "x", "", "0.1"],
    ]
    info = table_info(frame)
    assert (info.format, info.sheet) == ("xlsx", "Clients")


def test_xlsx_rows_are_numbered_as_in_excel_when_data_starts_lower(write_xlsx):
    path = write_xlsx(
        "report.xlsx", {"S": [[None], [None], ["Name", "Code"], ["Ann", "A"], [None], ["Bob", "B"]]}
    )
    frame = read_table(path)
    assert table_info(frame).header_row == 3
    assert frame.index.tolist() == [4, 6]


def test_sheet_is_chosen_by_name_case_insensitively(write_xlsx):
    path = write_xlsx("two.xlsx", {"Intro": [["Read me"]], "Clients": [["Name"], ["Ann"]]})
    assert read_table(path).columns.tolist() == ["Read me"]
    assert read_table(path, sheet="clients").loc[2, "Name"] == "Ann"


def test_unknown_sheet_lists_the_sheets(write_xlsx):
    path = write_xlsx("two.xlsx", {"Intro": [["x"]], "Clients": [["Name"]]})
    with pytest.raises(
        InputError, match=r"no sheet named 'Data'; its sheets are 'Intro', 'Clients'"
    ):
        read_table(path, sheet="Data")


def test_a_workbook_named_csv_is_read_as_a_workbook(write_xlsx, tmp_path):
    path = write_xlsx("clients.xlsx", {"S": [["Name"], ["Ann"]]})
    renamed = path.rename(tmp_path / "clients.csv")
    assert read_table(renamed).loc[2, "Name"] == "Ann"


def test_password_protected_workbook_says_how_to_remove_the_password(write_xlsx, tmp_path):
    ooxml = pytest.importorskip("msoffcrypto.format.ooxml", reason="builds the locked fixture")
    plain = write_xlsx("plain.xlsx", {"S": [["Name"], ["Ann"]]})
    locked = tmp_path / "locked.xlsx"
    with plain.open("rb") as source, locked.open("wb") as target:
        ooxml.OOXMLFile(source).encrypt("secret", target)
    with pytest.raises(InputError, match="protected with a password") as caught:
        read_table(locked)
    assert "locked.xlsx" in str(caught.value)


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("empty.csv", b"", "is empty"),
        ("blank.csv", b"\r\n  \n\n", "only blank lines"),
        ("picture.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "binary"),
        ("bom-only.csv", b"\xef\xbb\xbf", "only blank lines"),
    ],
)
def test_unusable_files_raise_input_error_naming_the_file(tmp_path, name, content, expected):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(InputError, match=expected) as caught:
        read_table(path)
    assert name in str(caught.value)


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(InputError, match="file not found"):
        read_table(tmp_path / "nope.csv")
    with pytest.raises(InputError, match="is a folder"):
        read_table(tmp_path)


def test_file_over_the_limit_is_refused_before_reading(write_text):
    path = write_text("big.csv", "Name\n" + "x" * 3000 + "\n")
    with pytest.raises(InputError, match=r"is 2\.9 KB, over the 2\.0 KB limit"):
        read_table(path, max_bytes=2048)
    assert len(read_table(path, max_bytes=4096)) == 1


def test_zip_that_is_not_a_workbook(tmp_path):
    path = tmp_path / "archive.xlsx"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "hello")
    path.write_bytes(buffer.getvalue())
    with pytest.raises(InputError, match="could not be opened as a workbook"):
        read_table(path)


def test_undecodable_text_says_how_to_save_it(tmp_path):
    path = tmp_path / "odd.csv"
    path.write_bytes(b"Name\n\x81\x8d\x8f\x90\x9d\n")  # bytes Windows-1252 does not define
    with pytest.raises(InputError, match="Save As > CSV UTF-8"):
        read_table(path)


@pytest.mark.parametrize("sep", ["", ",,", '"', "\n"])
def test_unusable_separator(write_text, sep):
    with pytest.raises(InputError, match="separator"):
        read_table(write_text("data.csv", "a,b\n1,2\n"), sep=sep)


def test_sheet_on_a_csv_and_separator_on_a_workbook_are_refused(write_text, write_xlsx):
    with pytest.raises(InputError, match="has no sheets"):
        read_table(write_text("data.csv", "a\n1\n"), sheet="Sheet1")
    with pytest.raises(InputError, match="leave out the separator"):
        read_table(write_xlsx("book.xlsx", {"S": [["a"], [1]]}), sep=";")


def test_extra_cells_quoted_in_a_problem_mask_dates_and_document_numbers(write_text):
    text = "Client ID,First Name,Family Name\nS1,Ann,Lee,14/03/1990,N1234567\n"
    problems = table_info(read_table(write_text("ragged.csv", text))).problems
    assert [p.check for p in problems] == ["extra_cells"]
    shown = problems[0].message + problems[0].value
    assert "14/03/1990" not in shown and "1234567" not in shown
    assert "**/**/**90" in problems[0].message


def test_a_large_file_is_parsed_in_few_blocks_and_read_whole(write_text, monkeypatch):
    """Fewer, larger blocks, and no record lost or split where one block ends and the next
    begins, quoted line breaks included; each column then comes in one piece (Arrow copies
    a column of several chunks whole at every take)."""
    from usikit.io import text

    assert text.block_size(0) == text.SMALLEST_BLOCK
    assert text.block_size(1 << 40) == text.LARGEST_BLOCK
    monkeypatch.setattr(text, "SMALLEST_BLOCK", 4096)  # blocks of a few records here
    lines = [f'C{i},{i:04d},"line one\nline {i}",Zoë {i}' for i in range(3000)]
    path = write_text("clients.csv", "Client ID,Postcode,Note,Name\n" + "\n".join(lines))
    assert text.block_size(path.stat().st_size) * 4 < path.stat().st_size  # several blocks
    frame = read_table(path)
    for name in frame.columns:
        assert frame[name].array.__arrow_array__().num_chunks == 1, name
    assert frame["Client ID"].tolist() == [f"C{i}" for i in range(3000)]
    assert frame["Note"].iloc[2999] == "line one\nline 2999"
    assert frame.index[-1] == 3001


def test_columns_are_joined_into_one_chunk_and_a_single_chunk_is_not_copied():
    """Arrow's combine copies even a single chunk: a column already in one keeps its buffers."""
    whole = pa.chunked_array([pa.array(["p", "q", "r"])])
    table = pa.table({"0": pa.chunked_array([["x"], [], ["y", "z"]]), "1": whole})
    joined = in_one_piece(table)
    assert joined.column_names == ["0", "1"]
    assert [joined.column(i).num_chunks for i in range(2)] == [1, 1]
    assert joined.column(0).to_pylist() == ["x", "y", "z"]
    assert joined.column(1).chunk(0).buffers()[2].address == whole.chunk(0).buffers()[2].address
