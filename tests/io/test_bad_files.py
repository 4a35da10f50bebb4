"""Files broken the ways real ones are: each gives a report that accounts for every record, or
one clear InputError; the command line never shows a traceback.

The files are in `tests/data/bad/` (written by `tests/data/make_bad_corpus.py`); its
`manifest.json` gives the spreadsheet rows of each file's records, counted by the generator
rather than by usikit's reader.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pytest

from tests.paths import CORPUS
from usikit import InputError, read_table
from usikit.bulk_usi.validation import validate_clients
from usikit.cli import main
from usikit.errors import Do, LimitExceeded
from usikit.io import table_info
from usikit.io.limits import ReadLimits
from usikit.regcert.fields import IMPORT_COLUMNS
from usikit.regcert.import_rules import validate_regcert
from usikit.report import ValidationReport

TODAY = dt.date(2026, 11, 22)  # the generator's day
MANIFEST: dict[str, dict] = json.loads((CORPUS / "manifest.json").read_text(encoding="utf-8"))
ALL = "every record"  # a file-level error blocks them all
SIZE_LIMIT = 1000


@dataclass(frozen=True)
class Report:
    """The file is read and validated.

    `invalid` is exactly the rows whose records have errors (or ALL); `problems` are
    (row, column, check) lines the report must hold (row None: the whole file); `info`
    holds facts the reader must have found (encoding, separator, sheet).
    """

    invalid: tuple[int, ...] | str = ()
    problems: tuple[tuple[int | None, str, str], ...] = ()
    info: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Refused:
    """The file cannot be used: one InputError naming it, whose message matches `says`
    (which includes what the user should do)."""

    says: str
    options: dict[str, object] = field(default_factory=dict)


EXPECTED: dict[str, Report | Refused] = {
    # Encodings, each one declared or guessed wrongly somewhere.
    "excel_windows1252.csv": Report(
        problems=((4, "Family Name", "normalised"),), info={"encoding": "cp1252"}
    ),
    "excel_mac_cr_only.csv": Report(info={"encoding": "cp1252", "sep": ";"}),
    "utf8_bom_semicolon.csv": Report(info={"encoding": "utf-8-sig", "sep": ";"}),
    "excel_unicode_text.txt": Report(info={"encoding": "utf-16", "sep": "\t"}),
    "utf16le_no_bom.csv": Report(info={"encoding": "utf-16-le"}),
    "utf16be_no_bom.csv": Report(info={"encoding": "utf-16-be"}),
    "utf32_bom.csv": Report(info={"encoding": "utf-32"}),
    "bom_says_utf8_but_windows1252.csv": Refused(
        r"not in a text encoding usikit recognises .*; in Excel choose Save As > CSV UTF-8"
    ),
    # Mostly UTF-8 (rows 3 and 4): the row saved in Windows-1252 is the one named.
    "mixed_utf8_windows1252.csv": Report(
        invalid=(6,), problems=((6, "First Name", "mixed_encoding"),), info={"encoding": "utf-8"}
    ),
    "shift_jis.csv": Refused(r"not in a text encoding usikit recognises .*Save As > CSV UTF-8"),
    # Separators, quotes, line breaks, ragged rows and headers.
    "tab_separated.tsv": Report(
        problems=((5, "Address Line 2", "normalised"),), info={"sep": "\t"}
    ),
    "pipe_separated.txt": Report(info={"sep": "|"}),
    "sep_directive.csv": Report(
        invalid=(4,), problems=((4, "First Name", "name_characters"),), info={"sep": ";"}
    ),
    "quoted_newlines.csv": Report(
        invalid=(6,),
        problems=(
            (3, "Address Line 1", "normalised"),
            (5, "Address Line 1", "normalised"),
            (6, "Email", "email"),
        ),
    ),
    "unclosed_quote.csv": Refused(
        r"the cell in row 4, column A starts with a quote .* not closed .* next 3 lines .*; "
        r"add the closing quote or remove the opening one"
    ),
    "ragged_rows.csv": Report(
        invalid=(4, 6),
        problems=((4, "", "extra_cells"), (4, "State", "state"), (6, "Gender", "required")),
    ),
    "blank_lines.csv": Report(invalid=(9,), problems=((9, "Gender", "allowed_values"),)),
    "blank_header.csv": Report(
        invalid=ALL, problems=((None, "(no header, column D)", "blank_header"),)
    ),
    "duplicate_headers.csv": Report(invalid=ALL, problems=((None, "EMAIL", "duplicate_header"),)),
    "two_names_for_one_column.csv": Report(
        invalid=ALL, problems=((None, "Surname", "column_twice"),)
    ),
    "header_only.csv": Report(),
    "empty.csv": Refused(r"is empty \(0 bytes\); export or save the spreadsheet again"),
    "blank_lines_only.csv": Refused(r"holds no records; choose the file with data"),
    "bom_only.csv": Refused(r"holds no text, only blank lines; choose the file with data"),
    "title_rows.csv": Refused(
        r"row 1 holds only 'Enrolled students - exported \*\*/\*\*/\*\*26' but most rows below it "
        r"have more cells: if it is a title, delete it"
    ),
    # Damaged and mistaken files.
    "picture.csv": Refused(r"binary data\); choose the CSV or Excel file itself"),
    "nul_bytes.csv": Refused(r"NUL characters \(zero bytes; the first on line 4\).*export it"),
    "nul_padded.csv": Refused(r"NUL characters \(zero bytes; the first on line 6\).*export it"),
    "zeros.csv": Refused(r"nothing but zero bytes.*; export or save it again"),
    "long_cells.csv": Report(
        invalid=(3, 4),
        problems=((3, "Address Line 1", "max_length"), (4, "Middle Name", "max_length")),
    ),
    "long_cell_ragged.csv": Report(
        invalid=(3, 5), problems=((3, "", "extra_cells"), (5, "Address Line 2", "max_length"))
    ),
    "rtl_and_emoji_names.csv": Report(
        invalid=(4, 5),
        problems=(
            (4, "First Name", "name_characters"),
            (5, "Family Name", "name_characters"),
            (6, "First Name", "normalised"),  # the invisible right-to-left mark removed
        ),
    ),
    "dates_four_formats.csv": Report(
        invalid=(6, 7, 8, 9),
        problems=(
            (3, "Date of Birth", "normalised"),
            (4, "Date of Birth", "normalised"),
            (5, "Date of Birth", "normalised"),
            (6, "Date of Birth", "real_date"),
            (7, "Date of Birth", "real_date"),
            (8, "Date of Birth", "real_date"),
            (9, "Date of Birth", "real_date"),
        ),
    ),
    "excel_mangled_numbers.csv": Report(
        invalid=(3, 4, 5),
        problems=(
            (3, "Postcode", "postcode"),
            (4, "Mobile Phone", "phone_number"),
            (5, "Document Number", "document_number"),
        ),
    ),
    "web_page.xls": Refused(r"web page or XML file, not a spreadsheet.*save it as Excel Workbook"),
    "xml_spreadsheet_2003.xls": Refused(r"web page or XML file.*save it as Excel Workbook"),
    "text_named.xlsx": Report(info={"format": "csv"}),
    "over_size_limit.csv": Refused(
        r"is 1\.\d KB, over the 1000 bytes limit; split the file, or raise the limit",
        options={"max_bytes": SIZE_LIMIT},
    ),
    # Workbooks.
    "workbook_named.csv": Report(info={"format": "xlsx", "sheet": "Clients"}),
    "several_sheets.xlsx": Report(
        invalid=(5,), problems=((5, "Email", "email"),), info={"sheet": "Clients"}
    ),
    "empty_first_sheet.xlsx": Refused(
        r"sheet 'Sheet1' is empty; choose the sheet with data: its sheets are 'Sheet1', 'Clients'"
    ),
    "data_lower_down.xlsx": Report(
        invalid=(9,), problems=((8, "Gender", "normalised"), (9, "Country of Birth", "country"))
    ),
    "merged_cells.xlsx": Report(
        invalid=(3, 4, 6),
        problems=(
            (2, "State", "merged_cells"),
            (3, "State", "required_for_address"),
            (4, "State", "required_for_address"),
            (6, "First Name", "merged_cells"),
            (6, "Family Name", "required"),
        ),
    ),
    "formulas.xlsx": Report(  # rows 2 and 3: the formulas' cached values are read
        invalid=(4, 5),
        problems=((4, "First Name", "name_characters"), (5, "USI", "usi_check")),
    ),
    "date_serials.xlsx": Report(  # rows 2-4: date cells in three formats read as dd/mm/yyyy
        invalid=(5, 6, 7),
        problems=(
            (5, "Date of Birth", "real_date"),
            (6, "Date of Birth", "real_date"),
            (7, "Postcode", "postcode"),
        ),
    ),
    "password.xlsx": Refused(r"protected with a password; open it in Excel, remove the password"),
    "ole_cut_short.xls": Refused(r"could not be opened as a workbook .*; open it in Excel"),
    "truncated.xlsx": Refused(r"could not be opened as a workbook .*; open it in Excel and save"),
    "zip_not_workbook.xlsx": Refused(r"could not be opened as a workbook .*; open it in Excel"),
    # Hostile files: small, asking for a great deal; and edge cases that rejected good data.
    "far_cell_xfd1048576.xlsx": Refused(
        r"sheet 'Clients' spans 17,179,869,184 cells \(its cells reach XFD1048576.*over the "
        r"limit of 50,000,000; delete the rows and columns beyond the data; split the file, or "
        r"raise the limit"
    ),
    "cell_at_zzzz7.xlsx": Refused(
        r"sheet 'Clients' has a cell at ZZZZ7, beyond the last row \(1,048,576\) or column "
        r"\(XFD\) a workbook can have.*export the sheet as CSV"
    ),
    "cell_at_aaaa2.xlsx": Refused(r"has a cell at AAAA2, beyond the last row .* or column"),
    "no_references.xlsx": Report(),
    "opendocument.ods": Report(),
    "ods_repeated_cells.ods": Refused(
        r"sheet 'Clients' spans 17,179,869,184 cells \(its cells reach XFD1048576"
    ),
    "hidden_sheets_only.xlsx": Refused(
        r"has no visible sheet \(its sheets, 'Old', 'Older', are all hidden\).*unhide the sheet"
    ),
    "columns_18279.csv": Refused(
        r"has 18,279 columns in its first line \(to column AAAA\), over the limit of 16,384; "
        r"split the file, or raise the limit"
    ),
    "trailing_separators.csv": Report(),
    "blank_looking_lines.csv": Report(),
    "nul_after_64kb.csv": Refused(r"NUL characters \(zero bytes; the first on line 452\)"),
    "mixed_encoding_personal.csv": Report(
        invalid=(5,),
        problems=((5, "Date of Birth", "mixed_encoding"), (5, "Document Number", "mixed_encoding")),
        info={"encoding": "cp1252"},
    ),
    # Registration & Certification import files: CSV only, comma-separated unless told.
    "regcert_bom_crlf.csv": Report(problems=((4, "Status", "normalised"),)),
    "regcert_semicolon.csv": Report(
        invalid=ALL,
        problems=(
            (None, ";".join(IMPORT_COLUMNS), "separator"),
            (None, "Qualification Number", "columns"),
        ),
    ),
    "regcert_windows1252.csv": Report(info={"encoding": "cp1252"}),
    "regcert_dates_four_formats.csv": Report(
        invalid=(5, 6, 7),
        problems=(
            (3, "Registration date", "normalised"),
            (4, "Registration date", "normalised"),
            (5, "Registration date", "real_date"),
            (6, "Registration date", "real_date"),
            (7, "Registration date", "real_date"),
        ),
    ),
    "regcert_ragged.csv": Report(
        invalid=(3, 5), problems=((3, "", "extra_cells"), (5, "Status", "required"))
    ),
    "regcert_columns_reordered.csv": Report(
        invalid=ALL, problems=((None, "Qualification Number", "columns"),)
    ),
    "regcert_quoted_newline.csv": Report(
        invalid=(5,),
        problems=((3, "Postal Tracking Reference", "normalised"), (5, "ULN", "uln")),
    ),
    "regcert_workbook.xlsx": Refused(r"is a workbook, not a CSV file"),
}
VALIDATE = {"clients": validate_clients, "regcert": validate_regcert}
SEPARATOR = {"clients": None, "regcert": ","}  # as `usikit validate` reads each kind


def test_the_corpus_is_complete_and_small():
    files = {p.name for p in CORPUS.iterdir()} - {"manifest.json", ".gitattributes"}
    assert files == set(MANIFEST) == set(EXPECTED)
    assert len(files) >= 40
    assert sum(p.stat().st_size for p in CORPUS.iterdir()) < 1024 * 1024
    for name, expected in EXPECTED.items():  # a file without readable records is refused
        assert MANIFEST[name]["rows"] is not None or isinstance(expected, Refused), name


def read_and_validate(name: str, **options: object) -> tuple[pd.DataFrame, ValidationReport]:
    kind = MANIFEST[name]["kind"]
    frame = read_table(CORPUS / name, sep=SEPARATOR[kind], **options)  # type: ignore[arg-type]
    return frame, VALIDATE[kind](frame, today=TODAY)


@pytest.mark.parametrize("name", sorted(n for n, e in EXPECTED.items() if isinstance(e, Report)))
def test_a_readable_file_gives_a_report_accounting_for_every_record(name):
    expected = EXPECTED[name]
    assert isinstance(expected, Report)
    rows = MANIFEST[name]["rows"]
    frame, report = read_and_validate(name)
    assert report.records.index.tolist() == rows  # every record, at the row Excel shows
    assert report.n_valid + report.n_invalid == MANIFEST[name]["records"]
    invalid = rows if expected.invalid == ALL else list(expected.invalid)
    assert report.invalid.index.tolist() == invalid
    found = set(report.errors[["row", "column", "check"]].itertuples(index=False, name=None))
    found = {(None if pd.isna(row) else int(row), column, check) for row, column, check in found}
    missing = [p for p in expected.problems if p not in found]
    assert not missing, f"not reported: {missing}; reported: {sorted(found, key=str)}"
    info = table_info(frame)
    for key, value in expected.info.items():
        assert getattr(info, key) == value, key


@pytest.mark.parametrize("name", sorted(n for n, e in EXPECTED.items() if isinstance(e, Refused)))
def test_an_unusable_file_raises_one_input_error_saying_what_to_do(name):
    expected = EXPECTED[name]
    assert isinstance(expected, Refused)
    with pytest.raises(InputError) as caught:
        read_and_validate(name, **expected.options)
    message = str(caught.value)
    assert caught.value.path == str(CORPUS / name)
    assert message.startswith(f"{CORPUS / name}: ")
    assert re.search(expected.says, message), message
    assert "\n" not in message


def cli_options(expected: Report | Refused) -> list[str]:
    if isinstance(expected, Refused) and "max_bytes" in expected.options:
        return ["--max-bytes", str(expected.options["max_bytes"])]
    return []


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_the_command_line_reports_or_refuses_in_one_line_never_a_traceback(
    name, tmp_path, capsys, monkeypatch
):
    monkeypatch.delenv("USIKIT_DEBUG", raising=False)
    expected = EXPECTED[name]
    kind, path = MANIFEST[name]["kind"], CORPUS / name
    errors = tmp_path / "errors.xlsx"
    status = main(["validate", kind, str(path), "--errors", str(errors), *cli_options(expected)])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    if isinstance(expected, Refused):
        assert status == 2
        assert err.count("\n") == 1 and err.startswith(f"error: {path}: "), err
        assert not errors.exists()
        return
    records = MANIFEST[name]["records"]
    blocked = records if expected.invalid == ALL else len(expected.invalid)
    assert status == (1 if blocked else 0), out + err
    noun = "record" if records == 1 else "records"
    assert out.startswith(f"{records} {noun}: {records - blocked} valid, {blocked} with errors")
    assert errors.exists() and err == ""


def joined_files() -> pd.DataFrame:
    first, second = (read_table(CORPUS / n) for n in ("pipe_separated.txt", "tab_separated.tsv"))
    return pd.concat([first, second])  # both number their records from row 2


BAD_FRAMES = {
    "two files joined": (joined_files, r"row numbers .* repeat .*validate each file on its own"),
    "a column name twice": (
        lambda: pd.DataFrame([["Ann", "Lee"]], columns=["First Name", "First Name"]),
        r"more than one column named 'First Name'; keep one",
    ),
}


@pytest.mark.parametrize("kind", sorted(VALIDATE))
@pytest.mark.parametrize("case", sorted(BAD_FRAMES))
def test_a_frame_that_cannot_be_checked_raises_one_input_error(case, kind):
    make, says = BAD_FRAMES[case]
    with pytest.raises(InputError, match=says):
        VALIDATE[kind](make(), today=TODAY)


def test_a_frame_of_any_dtype_is_checked_as_text():
    frame = pd.DataFrame(
        {
            "Client ID": pd.Categorical(["S1", None]),
            "First Name": pd.array(["Ann", pd.NA], dtype="string"),
            "Family Name": ["Lee", np.nan],
            "Date of Birth": [pd.Timestamp(2004, 4, 23), pd.NaT],
            "Postcode": pd.array([800, None], dtype="Int64"),
        }
    )
    report = validate_clients(frame, today=TODAY)
    assert report.records.index.tolist() == [2, 3]
    assert report.records.loc[2, "Date of Birth"] == "23/04/2004"
    assert report.records.loc[2, "Postcode"] == "800"
    assert report.records.loc[3].eq("").all()


SENSITIVE_TITLES = {  # a title row quoting what may be a date of birth or a document number
    "Ann Lee, born 14/03/1990": "Ann Lee, born **/**/**90",
    "Born 1990-03-14 (passport N1234567)": "Born ****-**-14 (passport ******67)",
    "Medicare 2123 45670 1 - 14 Mar 1990": "Medicare **** ****0 1 - ** *** **90",
    "Ann Lee, born March 14, 1990": "Ann Lee, born ***** **, **90",
    "Enrolled students, term 3": "Enrolled students, term 3",  # nothing to hide
}


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
@pytest.mark.parametrize("title", sorted(SENSITIVE_TITLES))
def test_an_error_quoting_a_cell_masks_dates_and_long_numbers(
    title, suffix, write_text, write_xlsx, capsys
):
    rows = [[title], ["Client ID", "First Name", "Family Name"], ["S1", "Ann", "Lee"]]
    if suffix == ".csv":
        lines = [",".join(f'"{cell}"' for cell in row) for row in rows]
        path = write_text("titled.csv", "\n".join(lines) + "\n")
    else:
        path = write_xlsx("titled.xlsx", {"Clients": rows})
    with pytest.raises(InputError) as caught:
        read_table(path)
    message = str(caught.value)
    assert f"holds only '{SENSITIVE_TITLES[title]}' but most rows" in message
    hidden = re.findall(r"\d{2}/\d{2}/\d{4}|\d{4}-\d{2}-\d{2}|\d{6,}|2123 45670|14 Mar", title)
    assert not [value for value in hidden if value in message]
    assert main(["validate", "clients", str(path)]) == 2
    assert SENSITIVE_TITLES[title] in capsys.readouterr().err


@pytest.mark.parametrize(
    ("name", "limit"), [("far_cell_xfd1048576.xlsx", "cells"), ("columns_18279.csv", "columns")]
)
def test_a_file_over_a_limit_names_the_limit_and_how_to_raise_it(name, limit, capsys):
    with pytest.raises(LimitExceeded) as caught:
        read_table(CORPUS / name)
    assert caught.value.next_step.do == Do.RAISE_LIMIT
    assert caught.value.next_step["limit"] == limit
    assert main(["validate", "clients", str(CORPUS / name)]) == 2
    assert f"raise the limit (--limit {limit}=" in capsys.readouterr().err


def test_a_raised_limit_reads_the_file():
    name = "columns_18279.csv"
    frame = read_table(CORPUS / name, limits=ReadLimits().updated({"columns": 20_000}))
    assert frame.shape == (1, 18_279)
    assert main(["validate", "clients", str(CORPUS / name), "--limit", "columns=20000"]) == 1


def test_a_mixed_encoding_problem_masks_personal_data(tmp_path, capsys, monkeypatch):
    """The reader quotes cells in other encodings; in a Date of Birth or Document Number
    column they are masked in the report, both error reports and an import's output."""
    name = "mixed_encoding_personal.csv"
    hidden = ("1990", "45670", "2123")
    _, report = read_and_validate(name)
    quoted = report.errors[report.errors["check"] == "mixed_encoding"]
    text = " ".join([*quoted["value"], *quoted["message"]])
    assert "**90" in text and not [h for h in hidden if h in text]
    for suffix in (".csv", ".xlsx"):
        out = tmp_path / f"errors{suffix}"
        assert main(["validate", "clients", str(CORPUS / name), "--errors", str(out)]) == 1
        if suffix == ".csv":
            written = out.read_text(encoding="utf-8-sig")
        else:
            sheets = pd.read_excel(out, sheet_name=None, engine="openpyxl").values()
            written = " ".join(str(c) for sheet in sheets for c in sheet.to_numpy().ravel())
        assert not [h for h in hidden if h in written], suffix
    monkeypatch.chdir(tmp_path)
    main(["clients", "import", str(CORPUS / name)])
    printed = capsys.readouterr()
    assert not [h for h in hidden if h in printed.out + printed.err]


def test_one_row_in_another_encoding_is_the_one_named():
    """A UTF-8 file with one row pasted from Windows-1252 names that row; the others pass."""
    frame, report = read_and_validate("mixed_utf8_windows1252.csv")
    assert report.invalid.index.tolist() == [6]
    (message,) = report.errors.loc[report.errors["check"] == "mixed_encoding", "message"]
    assert "First Name 'Renée' holds characters saved in another text encoding" in message
    assert frame.loc[3, "Family Name"] == "Brontë"
