"""Write `tests/data/bad/`: spreadsheets broken the ways real ones are, and `manifest.json`.

Data officers receive files that were saved by the wrong program, in the wrong encoding, cut
short, merged, protected or typed by hand; `tests/io/test_bad_files.py` states what usikit makes
of each. The records come from `usikit.bulk_usi.samples.synthetic_clients` and
`usikit.regcert.samples` (no real people), so every file holds a known number of records;
the manifest lists, for each file, its kind and the spreadsheet rows of its records (counted
here, independently of usikit's reader), or null for a file whose records cannot be read.

Run it from the repository root after changing it: `.venv/bin/python
tests/data/make_bad_corpus.py`. Regenerating needs xlsxwriter (workbooks with cached formula
values) and msoffcrypto-tool (the password-protected workbook); the tests only read the files.
Every file comes out byte for byte the same each time except password.xlsx, whose encryption
uses a random salt.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import sys
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

from usikit.bulk_usi.samples import synthetic_clients  # noqa: E402
from usikit.regcert.samples import first_import, sample_register  # noqa: E402

TODAY = dt.date(2026, 11, 22)  # the day the records are made relative to; tests use it too
OUT = Path(__file__).resolve().parent / "bad"
CLIENTS, REGCERT = "clients", "regcert"
CRLF = "\r\n"

Rows = list[int] | None  # spreadsheet rows of the records; None: no records can be read
Maker = Callable[[Path], Rows]
MAKERS: dict[str, tuple[str, str, Maker]] = {}


def corpus_file(name: str, kind: str, what: str) -> Callable[[Maker], Maker]:
    """Register a function that writes `name` and returns the rows of its records."""

    def register(make: Maker) -> Maker:
        MAKERS[name] = (kind, what, make)
        return make

    return register


# Building blocks.


def clients(n: int, seed: int) -> pd.DataFrame:
    """`n` valid client records; Medicare cards expire in 2099 so that the files stay valid
    whatever day the tests run (the command line checks against the real date)."""
    frame = synthetic_clients(n, seed=seed, today=TODAY)
    expiry = frame["Document Expiry"]
    frame["Document Expiry"] = expiry.where(expiry == "", expiry.str[:-4] + "2099")
    return frame


def regcert(n: int, start: int = 18) -> pd.DataFrame:
    """`n` rows of the first sample import file (valid on their own, without a register)."""
    rows = first_import(sample_register()).iloc[start : start + n].reset_index(drop=True)
    rows.loc[rows["Status"] == "not registered", "Status"] = "Not registered"
    return rows


def lines(frame: pd.DataFrame, sep: str = ",") -> list[str]:
    """The header and each record as one CSV line (quoted where needed), without line ends."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=sep, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    records = [list(frame.columns), *frame.astype(str).to_numpy().tolist()]
    result = []
    for record in records:
        out.seek(0)
        out.truncate()
        writer.writerow(record)
        result.append(out.getvalue()[:-1])
    return result


def text_of(frame: pd.DataFrame, sep: str = ",", newline: str = CRLF) -> str:
    return newline.join(lines(frame, sep)) + newline


def body_rows(n: int) -> list[int]:
    """The rows of `n` records under a header in row 1."""
    return list(range(2, 2 + n))


def write_bytes(path: Path, data: bytes) -> None:
    path.write_bytes(data)


def workbook(path: Path):
    """An xlsxwriter workbook dated TODAY, so that writing it again gives the same bytes."""
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False})
    book.set_properties({"created": dt.datetime.combine(TODAY, dt.time())})
    return book


def write_records(sheet, frame: pd.DataFrame, skip: set[tuple[int, str]] = frozenset()) -> None:
    """Header in row 1 and records below as text cells; `skip` holds (record position,
    column) pairs left unwritten (formulas, merged and number cells go there)."""
    sheet.write_row(0, 0, list(frame.columns))
    for position, record in enumerate(frame.astype(str).to_numpy().tolist()):
        for column, value in enumerate(record):
            if (position, frame.columns[column]) not in skip and value != "":
                sheet.write_string(1 + position, column, value)


# Encodings, each one declared or guessed wrongly somewhere.


@corpus_file("excel_windows1252.csv", CLIENTS, "Excel's 'CSV (Comma delimited)': Windows-1252")
def _(path: Path) -> Rows:
    frame = clients(6, seed=11)
    frame.loc[1, "First Name"] = "Renée"
    frame.loc[2, "Family Name"] = "O\u2019Brien"  # Excel's curly apostrophe
    frame.loc[3, "Address Line 2"] = "Café – rear entrance"
    write_bytes(path, text_of(frame).encode("cp1252"))
    return body_rows(6)


@corpus_file("excel_mac_cr_only.csv", CLIENTS, "Excel for Mac: semicolons, lines ending in CR")
def _(path: Path) -> Rows:
    frame = clients(5, seed=12)
    frame.loc[3, "Family Name"] = "Müller"
    write_bytes(path, text_of(frame, ";", "\r").encode("cp1252"))
    return body_rows(5)


@corpus_file("utf8_bom_semicolon.csv", CLIENTS, "UTF-8 with a byte-order mark, ';' separator")
def _(path: Path) -> Rows:
    frame = clients(5, seed=13)
    frame.loc[0, "Address Line 1"] = "Unit 4, 12 High St"  # commas inside values
    write_bytes(path, b"\xef\xbb\xbf" + text_of(frame, ";").encode())
    return body_rows(5)


@corpus_file("excel_unicode_text.txt", CLIENTS, "Excel's 'Unicode Text': UTF-16 LE, BOM, tabs")
def _(path: Path) -> Rows:
    frame = clients(5, seed=14)
    frame.loc[2, "First Name"] = "Zoë"
    write_bytes(path, text_of(frame, "\t").encode("utf-16"))
    return body_rows(5)


@corpus_file("utf16le_no_bom.csv", CLIENTS, "UTF-16 LE without a BOM; Chinese names")
def _(path: Path) -> Rows:
    frame = clients(5, seed=15)
    frame.loc[1, ["First Name", "Family Name"]] = ["一鸣", "王"]  # U+4E00: a NUL byte
    write_bytes(path, text_of(frame).encode("utf-16-le"))
    return body_rows(5)


@corpus_file("utf16be_no_bom.csv", CLIENTS, "UTF-16 BE without a BOM")
def _(path: Path) -> Rows:
    write_bytes(path, text_of(clients(4, seed=16)).encode("utf-16-be"))
    return body_rows(4)


@corpus_file("utf32_bom.csv", CLIENTS, "UTF-32 with a BOM")
def _(path: Path) -> Rows:
    write_bytes(path, text_of(clients(3, seed=17)).encode("utf-32"))
    return body_rows(3)


@corpus_file("bom_says_utf8_but_windows1252.csv", CLIENTS, "a UTF-8 BOM on Windows-1252 text")
def _(path: Path) -> Rows:
    frame = clients(4, seed=18)
    frame.loc[0, "First Name"] = "José"
    write_bytes(path, b"\xef\xbb\xbf" + text_of(frame).encode("cp1252"))
    return None


@corpus_file("mixed_utf8_windows1252.csv", CLIENTS, "UTF-8 file with Windows-1252 rows added")
def _(path: Path) -> Rows:
    first, later = clients(4, seed=19), clients(2, seed=20)
    later["Client ID"] = ["S0000005", "S0000006"]
    first.loc[1, "Family Name"] = "Brontë"  # row 3
    first.loc[2, "Address Line 2"] = "Café – rear"  # row 4: no rule would notice it garbled
    later.loc[0, "First Name"] = "Renée"
    data = text_of(first).encode() + CRLF.join(lines(later)[1:]).encode("cp1252") + b"\r\n"
    write_bytes(path, data)
    return body_rows(6)


@corpus_file("shift_jis.csv", CLIENTS, "Shift-JIS (a Japanese system's export)")
def _(path: Path) -> Rows:
    frame = clients(3, seed=21)
    frame.loc[:, "Family Name"] = ["佐藤", "鈴木", "高橋"]
    write_bytes(path, text_of(frame).encode("shift_jis"))
    return None


# Separators, quotes, line breaks and ragged rows.


@corpus_file("tab_separated.tsv", CLIENTS, "tab-separated UTF-8, quoted cells with tabs")
def _(path: Path) -> Rows:
    frame = clients(5, seed=22)
    frame.loc[3, "Address Line 2"] = "Level 2\tSuite 5"
    write_bytes(path, text_of(frame, "\t").encode())
    return body_rows(5)


@corpus_file("pipe_separated.txt", CLIENTS, "'|'-separated text file")
def _(path: Path) -> Rows:
    write_bytes(path, text_of(clients(4, seed=23), "|", "\n").encode())
    return body_rows(4)


@corpus_file("sep_directive.csv", CLIENTS, "first line 'sep=;' (Excel hides it), then ';'")
def _(path: Path) -> Rows:
    frame = clients(5, seed=24)
    frame.loc[2, "First Name"] = "Mia2"  # row 4 as Excel shows it
    write_bytes(path, ("sep=;" + CRLF + text_of(frame, ";")).encode())
    return body_rows(5)


@corpus_file("quoted_newlines.csv", CLIENTS, "addresses with line breaks inside quotes")
def _(path: Path) -> Rows:
    frame = clients(6, seed=25)
    frame.loc[1, "Address Line 1"] = "Unit 4\n12 High St"
    frame.loc[3, "Address Line 1"] = "Rear\r\nof 7\r\nBay Rd"
    frame.loc[4, "Email"] = "no-at-sign.example.com"  # row 6 in Excel, line 9 of the file
    write_bytes(path, text_of(frame).encode())
    return body_rows(6)


@corpus_file("unclosed_quote.csv", CLIENTS, "a quote opened in a cell and never closed")
def _(path: Path) -> Rows:
    rows = lines(clients(6, seed=26))
    rows[3] = '"' + rows[3]  # row 4: the rest of the file falls into its first cell
    write_bytes(path, (CRLF.join(rows) + CRLF).encode())
    return None


@corpus_file("ragged_rows.csv", CLIENTS, "a row with an unquoted comma, a row cut short")
def _(path: Path) -> Rows:
    frame = clients(6, seed=27)
    rows = lines(frame)
    cells = rows[3].split(",")
    address = frame.columns.get_loc("Address Line 1")
    cells[address] = "Unit 4, 12 High St"  # row 4: one cell too many
    rows[3] = ",".join(cells)
    rows[5] = ",".join(rows[5].split(",")[: frame.columns.get_loc("Gender")])  # row 6
    write_bytes(path, (CRLF.join(rows) + CRLF).encode())
    return body_rows(6)


@corpus_file("blank_lines.csv", CLIENTS, "blank lines above the header, between and after")
def _(path: Path) -> Rows:
    frame = clients(5, seed=28)
    frame.loc[3, "Gender"] = "Q"
    rows = lines(frame)
    width = len(frame.columns)
    text = ["", "", rows[0], rows[1], rows[2], "", "," * (width - 1), rows[3], rows[4], rows[5]]
    write_bytes(path, (CRLF.join([*text, "", ""]) + CRLF).encode())
    return [4, 5, 8, 9, 10]


@corpus_file("blank_header.csv", CLIENTS, "a column with data under an empty header")
def _(path: Path) -> Rows:
    frame = clients(4, seed=29)
    frame.insert(3, "", ["x", "", "y", ""])
    write_bytes(path, text_of(frame).encode())
    return body_rows(4)


@corpus_file("duplicate_headers.csv", CLIENTS, "the Email column twice")
def _(path: Path) -> Rows:
    frame = clients(4, seed=30)
    frame.insert(len(frame.columns), "EMAIL ", frame["Email"].str.upper(), allow_duplicates=True)
    write_bytes(path, text_of(frame).encode())
    return body_rows(4)


@corpus_file("two_names_for_one_column.csv", CLIENTS, "a Surname column and a Family Name")
def _(path: Path) -> Rows:
    frame = clients(4, seed=55)
    frame.insert(2, "Surname", frame["Family Name"].str.upper())
    write_bytes(path, text_of(frame).encode())
    return body_rows(4)


@corpus_file("header_only.csv", CLIENTS, "the template's header and no records")
def _(path: Path) -> Rows:
    write_bytes(path, (lines(clients(1, seed=31))[0] + CRLF).encode())
    return []


@corpus_file("empty.csv", CLIENTS, "0 bytes")
def _(path: Path) -> Rows:
    write_bytes(path, b"")
    return None


@corpus_file("blank_lines_only.csv", CLIENTS, "nothing but line breaks and spaces")
def _(path: Path) -> Rows:
    write_bytes(path, b"\r\n\r\n   \r\n,,,\r\n")
    return None


@corpus_file("bom_only.csv", CLIENTS, "a UTF-8 byte-order mark and nothing else")
def _(path: Path) -> Rows:
    write_bytes(path, b"\xef\xbb\xbf")
    return None


@corpus_file("title_rows.csv", CLIENTS, "a report title and a blank line above the header")
def _(path: Path) -> Rows:
    frame = clients(5, seed=32)
    title = "Enrolled students - exported 22/11/2026" + "," * (len(frame.columns) - 1)
    write_bytes(path, (title + CRLF + CRLF + text_of(frame)).encode())
    return None


# Damaged and mistaken files.


@corpus_file("picture.csv", CLIENTS, "a PNG picture named .csv")
def _(path: Path) -> Rows:
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10\x00\x00\x00\x10\x08\x06"
    write_bytes(path, png + bytes(range(256)) * 4)
    return None


@corpus_file("nul_bytes.csv", CLIENTS, "NUL characters inside cells (a faulty export)")
def _(path: Path) -> Rows:
    frame = clients(4, seed=33)
    frame.loc[2, "First Name"] = frame.loc[2, "First Name"] + "\x00\x00"
    write_bytes(path, text_of(frame).encode())
    return None


@corpus_file("nul_padded.csv", CLIENTS, "good records, then zero bytes (saving interrupted)")
def _(path: Path) -> Rows:
    write_bytes(path, text_of(clients(4, seed=34)).encode() + b"\x00" * 4096)
    return None


@corpus_file("zeros.csv", CLIENTS, "nothing but zero bytes")
def _(path: Path) -> Rows:
    write_bytes(path, b"\x00" * 2048)
    return None


@corpus_file("long_cells.csv", CLIENTS, "100,000-character cells")
def _(path: Path) -> Rows:
    frame = clients(4, seed=35)
    frame.loc[1, "Address Line 1"] = "12 High St " * 9091  # 100,001 characters
    frame.loc[2, "Middle Name"] = "A" * 100_000
    write_bytes(path, text_of(frame).encode())
    return body_rows(4)


@corpus_file("long_cell_ragged.csv", CLIENTS, "a 200,000-character cell in a ragged file")
def _(path: Path) -> Rows:
    frame = clients(4, seed=36)
    frame.loc[3, "Address Line 2"] = "x" * 200_000
    rows = lines(frame)
    rows[2] += ",extra"  # row 3: one cell too many
    write_bytes(path, (CRLF.join(rows) + CRLF).encode())
    return body_rows(4)


@corpus_file(
    "rtl_and_emoji_names.csv", CLIENTS, "Arabic and Hebrew names, emoji, a hidden RTL mark"
)
def _(path: Path) -> Rows:
    frame = clients(6, seed=37)
    frame.loc[0, ["First Name", "Family Name"]] = ["فاطمة", "الزهراء"]
    frame.loc[1, ["First Name", "Family Name"]] = ["נועה", "כהן"]
    frame.loc[2, "First Name"] = "Mia 😀"  # row 4
    frame.loc[3, "Family Name"] = "👩\u200d👩\u200d👧"  # row 5: a family emoji
    frame.loc[4, "First Name"] = "\u200fאבי"  # row 6: right-to-left mark copied with the name
    write_bytes(path, text_of(frame).encode())
    return body_rows(6)


@corpus_file("dates_four_formats.csv", CLIENTS, "dates of birth written every which way")
def _(path: Path) -> Rows:
    frame = clients(8, seed=38)
    frame["Date of Birth"] = [
        "23/04/2004",  # row 2: as the template asks
        "2004-04-23",  # row 3: ISO, rewritten with a warning
        "23.04.2004",  # row 4: dots, rewritten with a warning
        "3/4/2004",  # row 5: no leading zeros, rewritten
        "23/04/04",  # row 6: two-digit year
        "04/23/2004",  # row 7: month first (US)
        "23 April 2004",  # row 8: words
        "38100",  # row 9: an Excel serial number pasted as text
    ]
    for column in ("Document Date", "Date Printed"):  # documents issued after any of them
        frame[column] = frame[column].where(frame[column] == "", "01/02/2020")
    write_bytes(path, text_of(frame).encode())
    return body_rows(8)


@corpus_file("excel_mangled_numbers.csv", CLIENTS, "numbers Excel reformatted before saving")
def _(path: Path) -> Rows:
    frame = clients(4, seed=39)
    frame.loc[1, ["State", "Postcode"]] = ["NT", "800"]  # row 3: leading zero lost
    frame.loc[2, "Mobile Phone"] = "412345678"  # row 4: leading zero lost
    frame.loc[3, ["Document Type", "Document Number"]] = ["Visa", "1.23457E+08"]  # row 5
    for column in ("Document State", "Document Card Number", "Document Date"):
        frame.loc[3, column] = ""
    for column in ("Document Expiry", "Medicare IRN", "Medicare Card Colour", "Name on Document"):
        frame.loc[3, column] = ""
    write_bytes(path, text_of(frame).encode())
    return body_rows(4)


@corpus_file("web_page.xls", CLIENTS, "an HTML table a system saved with an .xls name")
def _(path: Path) -> Rows:
    frame = clients(2, seed=40)
    cells = "".join(
        "<tr>" + "".join(f"<td>{v}</td>" for v in record) + "</tr>"
        for record in [list(frame.columns), *frame.to_numpy().tolist()]
    )
    page = f"<html><head><meta charset='utf-8'></head><body><table>{cells}</table></body></html>"
    write_bytes(path, page.encode())
    return None


@corpus_file("xml_spreadsheet_2003.xls", CLIENTS, "Excel 2003 XML Spreadsheet with .xls name")
def _(path: Path) -> Rows:
    frame = clients(2, seed=41)
    rows = "".join(
        "<Row>" + "".join(f'<Cell><Data ss:Type="String">{v}</Data></Cell>' for v in r) + "</Row>"
        for r in [list(frame.columns), *frame.to_numpy().tolist()]
    )
    xml = (
        '<?xml version="1.0"?>\n<?mso-application progid="Excel.Sheet"?>\n'
        '<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet" '
        'xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet">'
        f'<Worksheet ss:Name="Clients"><Table>{rows}</Table></Worksheet></Workbook>'
    )
    write_bytes(path, xml.encode())
    return None


@corpus_file("text_named.xlsx", CLIENTS, "a CSV file given an .xlsx name")
def _(path: Path) -> Rows:
    write_bytes(path, text_of(clients(3, seed=42)).encode())
    return body_rows(3)


@corpus_file("over_size_limit.csv", CLIENTS, "a good file, read with a small size limit")
def _(path: Path) -> Rows:
    write_bytes(path, text_of(clients(6, seed=43)).encode())
    return body_rows(6)  # the test reads it with max_bytes below its size


# Workbooks.


@corpus_file("workbook_named.csv", CLIENTS, "an .xlsx workbook given a .csv name")
def _(path: Path) -> Rows:
    book = workbook(path)
    write_records(book.add_worksheet("Clients"), clients(3, seed=44))
    book.close()
    return body_rows(3)


@corpus_file("several_sheets.xlsx", CLIENTS, "hidden notes, a chart sheet, clients, old data")
def _(path: Path) -> Rows:
    book = workbook(path)
    notes = book.add_worksheet("Instructions")
    notes.write_string(0, 0, "Fill in one row per student")
    chart_sheet = book.add_chartsheet("Chart")
    data = book.add_worksheet("Clients")
    frame = clients(5, seed=45)
    frame.loc[3, "Email"] = "mia@@example.com"  # row 5
    write_records(data, frame)
    write_records(book.add_worksheet("Old"), clients(2, seed=46))
    chart = book.add_chart({"type": "column"})
    chart.add_series({"values": "=Clients!$K$2:$K$6"})
    chart_sheet.set_chart(chart)
    data.activate()
    notes.hide()
    book.close()
    return body_rows(5)


@corpus_file("empty_first_sheet.xlsx", CLIENTS, "the first sheet is empty, the data on another")
def _(path: Path) -> Rows:
    book = workbook(path)
    book.add_worksheet("Sheet1")
    write_records(book.add_worksheet("Clients"), clients(3, seed=47))
    book.close()
    return None


@corpus_file("data_lower_down.xlsx", CLIENTS, "header on row 4 from column C, blank rows")
def _(path: Path) -> Rows:
    book = workbook(path)
    sheet = book.add_worksheet("Clients")
    frame = clients(4, seed=48)
    frame.loc[2, "Gender"] = "female"  # row 8: written as F, with a warning
    frame.loc[3, "Country of Birth"] = "Atlantis"  # row 9
    sheet.write_row(3, 2, list(frame.columns))
    for position, record in enumerate(frame.to_numpy().tolist()):
        row = 4 + position + (position >= 2)  # a blank row 7 between records 2 and 3
        for column, value in enumerate(record):
            if value:
                sheet.write_string(row, 2 + column, value)
    book.close()
    return [5, 6, 8, 9]


@corpus_file("merged_cells.xlsx", CLIENTS, "State merged down three rows, a name across three")
def _(path: Path) -> Rows:
    book = workbook(path)
    sheet = book.add_worksheet("Clients")
    frame = clients(5, seed=49)
    frame.loc[0:2, ["State", "Suburb/Town/City", "Postcode"]] = ["QLD", "Cairns", "4870"]
    frame.loc[0:2, "Document State"] = frame.loc[0:2, "Document State"].where(
        frame.loc[0:2, "Document State"] == "", "QLD"
    )
    names = ["First Name", "Middle Name", "Family Name"]
    skip = {(p, "State") for p in range(3)} | {(4, c) for c in names}
    write_records(sheet, frame, skip=skip)
    state = frame.columns.get_loc("State")
    first = frame.columns.get_loc("First Name")
    merged = book.add_format({"valign": "vcenter"})
    sheet.merge_range(1, state, 3, state, "QLD", merged)  # rows 2-4
    sheet.merge_range(5, first, 5, first + 2, "Mia Rose Nguyen", merged)  # row 6
    book.close()
    return body_rows(5)


@corpus_file("formulas.xlsx", CLIENTS, "formula cells with cached values, and formula errors")
def _(path: Path) -> Rows:
    book = workbook(path)
    sheet = book.add_worksheet("Clients")
    frame = clients(5, seed=50)
    columns = list(frame.columns)
    first, usi, born = (columns.index(c) for c in ("First Name", "USI", "Date of Birth"))
    skip = {(0, "First Name"), (1, "Date of Birth"), (2, "First Name"), (3, "USI")}
    write_records(sheet, frame, skip=skip)
    name = frame.loc[0, "First Name"]
    sheet.write_formula(1, first, f'=PROPER("{name.lower()}")', None, name)  # row 2
    day, month, year = frame.loc[1, "Date of Birth"].split("/")
    sheet.write_formula(  # row 3: a date built by a formula, shown as text
        2, born, f'=TEXT(DATE({year},{month},{day}),"dd/mm/yyyy")', None, f"{day}/{month}/{year}"
    )
    sheet.write_formula(3, first, '=VLOOKUP("S9",Z1:Z2,2,FALSE)', None, "#N/A")  # row 4
    sheet.write_formula(4, usi, '=VLOOKUP("S9",Z1:Z2,2,FALSE)', None, "#N/A")  # row 5
    book.close()
    return body_rows(5)


@corpus_file("date_serials.xlsx", CLIENTS, "dates and numbers stored as Excel numbers")
def _(path: Path) -> Rows:
    book = workbook(path)
    sheet = book.add_worksheet("Clients")
    frame = clients(6, seed=51)
    columns = list(frame.columns)
    born, postcode = columns.index("Date of Birth"), columns.index("Postcode")
    skip = {(p, "Date of Birth") for p in range(5)} | {(5, "Postcode"), (5, "State")}
    write_records(sheet, frame, skip=skip)
    formats = ["dd/mm/yyyy", "d-mmm-yy", "yyyy-mm-dd", "General", "dd/mm/yyyy hh:mm"]
    for position, number_format in enumerate(formats):
        day, month, year = (int(p) for p in frame.loc[position, "Date of Birth"].split("/"))
        when = dt.datetime(year, month, day, 13 if position == 4 else 0, 45 if position == 4 else 0)
        style = book.add_format({"num_format": number_format})
        if number_format == "General":  # the serial number, as Excel shows it unformatted
            sheet.write_number(1 + position, born, (when - dt.datetime(1899, 12, 30)).days, style)
        else:
            sheet.write_datetime(1 + position, born, when, style)
    sheet.write_string(6, columns.index("State"), "NT")
    sheet.write_number(6, postcode, 800, book.add_format({"num_format": "0000"}))  # row 7
    book.close()
    return body_rows(6)


def encrypted_workbook(path: Path) -> bytes:
    """A small workbook protected with a password, as Excel saves it (an OLE container)."""
    from msoffcrypto.format.ooxml import OOXMLFile

    plain = path.with_name(path.name + ".plain.tmp")
    book = workbook(plain)
    write_records(book.add_worksheet("Clients"), clients(3, seed=52))
    book.close()
    locked = io.BytesIO()
    with plain.open("rb") as source:
        OOXMLFile(source).encrypt("Secret-2026", locked)
    plain.unlink()
    return locked.getvalue()


@corpus_file("password.xlsx", CLIENTS, "a workbook protected with a password")
def _(path: Path) -> Rows:
    write_bytes(path, encrypted_workbook(path))
    return None


@corpus_file("ole_cut_short.xls", CLIENTS, "an old-style (OLE) workbook cut short after 1 KB")
def _(path: Path) -> Rows:
    # calamine's Rust code panics on this one rather than raising an error.
    write_bytes(path, encrypted_workbook(path)[:1024])
    return None


@corpus_file("truncated.xlsx", CLIENTS, "a workbook cut short (download interrupted)")
def _(path: Path) -> Rows:
    whole = path.with_name("whole.tmp.xlsx")
    book = workbook(whole)
    write_records(book.add_worksheet("Clients"), clients(20, seed=53))
    book.close()
    data = whole.read_bytes()
    whole.unlink()
    write_bytes(path, data[: len(data) // 2])
    return None


@corpus_file("zip_not_workbook.xlsx", CLIENTS, "a zip archive of CSV files named .xlsx")
def _(path: Path) -> Rows:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        member = zipfile.ZipInfo("clients.csv", date_time=(2026, 11, 22, 0, 0, 0))
        archive.writestr(member, text_of(clients(2, seed=54)))
    write_bytes(path, buffer.getvalue())
    return None


# Registration & Certification import files (CSV only, comma by default).


@corpus_file("regcert_bom_crlf.csv", REGCERT, "R&C import: UTF-8 BOM, CRLF, a status in lower case")
def _(path: Path) -> Rows:
    frame = regcert(8)
    frame.loc[2, "Status"] = "registered"  # row 4: corrected with a warning
    write_bytes(path, b"\xef\xbb\xbf" + text_of(frame).encode())
    return body_rows(8)


@corpus_file("regcert_semicolon.csv", REGCERT, "R&C import saved with ';' (the default is ',')")
def _(path: Path) -> Rows:
    write_bytes(path, text_of(regcert(4), ";").encode())
    return body_rows(4)


@corpus_file("regcert_windows1252.csv", REGCERT, "R&C import in Windows-1252, a '£' reference")
def _(path: Path) -> Rows:
    frame = regcert(4)
    frame.loc[1, "Postal Tracking Reference"] = "Sent 2nd class £1.70 – signed"
    write_bytes(path, text_of(frame).encode("cp1252"))
    return body_rows(4)


@corpus_file("regcert_dates_four_formats.csv", REGCERT, "R&C registration dates four ways")
def _(path: Path) -> Rows:
    frame = regcert(6)
    frame["Registration date"] = [
        "01/10/2025",  # row 2
        "2025-10-02",  # row 3: rewritten with a warning
        "3.10.2025",  # row 4: rewritten with a warning
        "04/10/25",  # row 5: two-digit year
        "10/31/2025",  # row 6: month first
        "Oct 6 2025",  # row 7: words
    ]
    write_bytes(path, text_of(frame).encode())
    return body_rows(6)


@corpus_file("regcert_ragged.csv", REGCERT, "R&C rows with an extra cell and a missing cell")
def _(path: Path) -> Rows:
    rows = lines(regcert(5))
    rows[2] += ",RM123456785GB"  # row 3: eleven cells
    rows[4] = rows[4].rsplit(",", 8)[0]  # row 5: only the first two cells
    write_bytes(path, (CRLF.join(rows) + CRLF).encode())
    return body_rows(5)


@corpus_file("regcert_columns_reordered.csv", REGCERT, "R&C columns in another order")
def _(path: Path) -> Rows:
    frame = regcert(4)
    write_bytes(path, text_of(frame[["ULN", *frame.columns.drop("ULN")]]).encode())
    return body_rows(4)


@corpus_file("regcert_quoted_newline.csv", REGCERT, "R&C reference with a line break; a bad ULN")
def _(path: Path) -> Rows:
    frame = regcert(5)
    frame.loc[1, "Postal Tracking Reference"] = "RM123456785GB\nleft with neighbour"
    frame.loc[3, "ULN"] = frame.loc[3, "ULN"][:9] + str((int(frame.loc[3, "ULN"][9]) + 1) % 10)
    write_bytes(path, text_of(frame).encode())
    return body_rows(5)


@corpus_file("regcert_workbook.xlsx", REGCERT, "R&C import saved as a workbook (CSV only)")
def _(path: Path) -> Rows:
    book = workbook(path)
    write_records(book.add_worksheet("Import"), regcert(3))
    book.close()
    return body_rows(3)


# Hostile files: small files that ask for a great deal, and files that trip the readers'
# edge cases. The large ones (megabytes) are not kept in the repository: `write_large` makes
# them in a folder of the tests' choosing, with their manifest.

LARGE: dict[str, tuple[str, str, Maker]] = {}


def large_file(name: str, kind: str, what: str) -> Callable[[Maker], Maker]:
    """Register a function that writes a large hostile file `name` (made when tests run)."""

    def register(make: Maker) -> Maker:
        LARGE[name] = (kind, what, make)
        return make

    return register


MODERN = dt.datetime.combine(TODAY, dt.time()).timetuple()[:6]
SHEET_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def cell_xml(reference: str, value: str) -> str:
    text = value.replace("&", "&amp;").replace("<", "&lt;")
    return f'<c r="{reference}" t="inlineStr"><is><t>{text}</t></is></c>'


def records_xml(frame: pd.DataFrame) -> list[str]:
    """The header and records as rows of inline-string cells, from A1."""
    from openpyxl.utils import get_column_letter

    rows = []
    for number, record in enumerate([list(frame.columns), *frame.astype(str).to_numpy().tolist()]):
        cells = "".join(
            cell_xml(f"{get_column_letter(column + 1)}{number + 1}", value)
            for column, value in enumerate(record)
            if value != ""
        )
        rows.append(f'<row r="{number + 1}">{cells}</row>')
    return rows


def raw_workbook(
    path: Path,
    sheets: dict[str, Callable[[], Iterator[str]]],
    hidden: frozenset[str] = frozenset(),
    shared_strings: Callable[[], Iterator[str]] | None = None,
) -> None:
    """An XLSX written part by part (each sheet's rows streamed into the archive), so that
    a workbook of millions of rows or of a far-flung cell is written exactly as asked."""
    entries = "".join(
        f'<sheet name="{name}" sheetId="{i}" r:id="rId{i}"'
        + (' state="hidden"' if name in hidden else "")
        + "/>"
        for i, name in enumerate(sheets, start=1)
    )
    relations = "".join(
        f'<Relationship Id="rId{i}" Target="worksheets/sheet{i}.xml" Type="{REL_NS}/worksheet"/>'
        for i in range(1, len(sheets) + 1)
    )
    overrides = "".join(
        f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        for i in range(1, len(sheets) + 1)
    )
    if shared_strings is not None:
        relations += (
            f'<Relationship Id="rIdS" Target="sharedStrings.xml" Type="{REL_NS}/sharedStrings"/>'
        )
        overrides += (
            '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.'
            'openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
        )
    parts = {
        "[Content_Types].xml": '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://'
        'schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default '
        'Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+'
        f'xml"/>{overrides}</Types>',
        "_rels/.rels": '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://'
        'schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" '
        f'Type="{REL_NS}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{SHEET_NS}" '
        f'xmlns:r="{REL_NS}"><sheets>{entries}</sheets></workbook>',
        "xl/_rels/workbook.xml.rels": '<?xml version="1.0" encoding="UTF-8"?><Relationships '
        'xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f"{relations}</Relationships>",
    }
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, content in parts.items():
            archive.writestr(zipfile.ZipInfo(name, date_time=MODERN), content)

        def streamed(name: str, pieces: Iterator[str]) -> None:
            info = zipfile.ZipInfo(name, date_time=MODERN)
            info.compress_type = zipfile.ZIP_DEFLATED
            with archive.open(info, "w", force_zip64=True) as part:
                buffer: list[str] = []
                held = 0
                for piece in pieces:
                    buffer.append(piece)
                    held += len(piece)
                    if held >= 1 << 20:
                        part.write("".join(buffer).encode())
                        buffer, held = [], 0
                part.write("".join(buffer).encode())

        for number, rows in enumerate(sheets.values(), start=1):
            body = (f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{SHEET_NS}">'
                    "<sheetData>", *rows(), "</sheetData></worksheet>")  # fmt: skip
            streamed(f"xl/worksheets/sheet{number}.xml", iter(body))
        if shared_strings is not None:
            streamed("xl/sharedStrings.xml", shared_strings())


def clients_then(extra: str) -> Callable[[], Iterator[str]]:
    """Three good client records, then `extra` (more XML rows)."""
    return lambda: iter([*records_xml(clients(3, seed=60)), extra])


OFFICE = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"'
)


def ods_cell(value: str, repeat: int = 1) -> str:
    times = f' table:number-columns-repeated="{repeat}"' if repeat > 1 else ""
    text = value.replace("&", "&amp;").replace("<", "&lt;")
    return (
        f'<table:table-cell office:value-type="string"{times}><text:p>{text}</text:p>'
        "</table:table-cell>"
    )


def raw_ods(path: Path, sheet: str, rows: list[str]) -> None:
    """An OpenDocument spreadsheet of one sheet, its rows given as XML."""
    content = (
        f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {OFFICE} '
        'office:version="1.2"><office:body><office:spreadsheet>'
        f'<table:table table:name="{sheet}">{"".join(rows)}</table:table>'
        "</office:spreadsheet></office:body></office:document-content>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:'
        'names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2"><manifest:file-entry '
        'manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.'
        'spreadsheet"/><manifest:file-entry manifest:full-path="content.xml" '
        'manifest:media-type="text/xml"/></manifest:manifest>'
    )
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(zipfile.ZipInfo("mimetype", date_time=MODERN),
                         "application/vnd.oasis.opendocument.spreadsheet")  # fmt: skip
        for name, text in (("content.xml", content), ("META-INF/manifest.xml", manifest)):
            info = zipfile.ZipInfo(name, date_time=MODERN)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, text)


def ods_rows(frame: pd.DataFrame) -> list[str]:
    return [
        "<table:table-row>"
        + "".join(ods_cell(v) if v else "<table:table-cell/>" for v in record)
        + "</table:table-row>"
        for record in [list(frame.columns), *frame.astype(str).to_numpy().tolist()]
    ]


@corpus_file("opendocument.ods", CLIENTS, "an OpenDocument spreadsheet (LibreOffice)")
def _(path: Path) -> Rows:
    raw_ods(path, "Clients", ods_rows(clients(3, seed=70)))
    return body_rows(3)


@corpus_file("ods_repeated_cells.ods", CLIENTS, "2 KB: a value repeated over every row and column")
def _(path: Path) -> Rows:
    spread = (f'<table:table-row table:number-rows-repeated="1048575">{ods_cell("x", 16_384)}'
              "</table:table-row>")  # fmt: skip
    raw_ods(path, "Clients", [*ods_rows(clients(2, seed=71))[:1], spread])
    return None


@corpus_file("far_cell_xfd1048576.xlsx", CLIENTS, "5 KB: three records and a value at XFD1048576")
def _(path: Path) -> Rows:
    raw_workbook(
        path, {"Clients": clients_then(f'<row r="1048576">{cell_xml("XFD1048576", "x")}</row>')}
    )
    return None


@corpus_file("cell_at_zzzz7.xlsx", CLIENTS, "a value at ZZZZ7, beyond the last column (XFD)")
def _(path: Path) -> Rows:
    raw_workbook(path, {"Clients": clients_then(f'<row r="7">{cell_xml("ZZZZ7", "x")}</row>')})
    return None


@corpus_file("cell_at_aaaa2.xlsx", CLIENTS, "a header and a value at AAAA2 (column 18,279)")
def _(path: Path) -> Rows:
    header = cell_xml("A1", "Client ID")
    raw_workbook(
        path,
        {
            "Clients": lambda: iter(
                [f'<row r="1">{header}</row>', f'<row r="2">{cell_xml("AAAA2", "x")}</row>']
            )
        },
    )
    return None


@corpus_file("no_references.xlsx", CLIENTS, "cells and rows written without references")
def _(path: Path) -> Rows:
    rows = [
        "<row>" + "".join(f'<c t="inlineStr"><is><t>{v}</t></is></c>' for v in record) + "</row>"
        for record in [
            list(clients(1, seed=61).columns),
            *clients(2, seed=61).astype(str).to_numpy().tolist(),
        ]
    ]
    raw_workbook(path, {"Clients": lambda: iter(rows)})
    return body_rows(2)


@corpus_file("hidden_sheets_only.xlsx", CLIENTS, "every sheet hidden: nothing a person sees")
def _(path: Path) -> Rows:
    rows = records_xml(clients(2, seed=62))
    raw_workbook(path, {"Old": lambda: iter(rows), "Older": lambda: iter(rows)},
                 hidden=frozenset({"Old", "Older"}))  # fmt: skip
    return None


@corpus_file("columns_18279.csv", CLIENTS, "100 KB: a header of 18,279 cells (beyond ZZZ)")
def _(path: Path) -> Rows:
    header = ",".join(f"c{n}" for n in range(18_279))
    write_bytes(path, (header + CRLF + "x," * 18_278 + "x" + CRLF).encode())
    return [2]


@corpus_file(
    "trailing_separators.csv", CLIENTS, "every data row ends with a separator, not the header"
)
def _(path: Path) -> Rows:
    rows = lines(clients(5, seed=63))
    write_bytes(path, (CRLF.join([rows[0], *(row + "," for row in rows[1:])]) + CRLF).encode())
    return body_rows(5)


@corpus_file("blank_looking_lines.csv", CLIENTS, "lines of spaces, and of separators and spaces")
def _(path: Path) -> Rows:
    frame = clients(4, seed=64)
    rows = lines(frame)
    width = len(frame.columns)
    text = [rows[0], rows[1], "   ", rows[2], " ," * (width - 1) + " ", "\t", rows[3], rows[4]]
    write_bytes(path, (CRLF.join(text) + CRLF).encode())
    return [2, 4, 7, 8]


@corpus_file("nul_after_64kb.csv", CLIENTS, "a NUL character in a cell after the first 64 KB")
def _(path: Path) -> Rows:
    frame = clients(500, seed=65)
    frame.loc[450, "First Name"] = frame.loc[450, "First Name"] + "\x00"  # row 452
    write_bytes(path, text_of(frame).encode())
    return None


@corpus_file(
    "mixed_encoding_personal.csv",
    CLIENTS,
    "Windows-1252, one row pasted from UTF-8: its date of birth and document number",
)
def _(path: Path) -> Rows:
    frame = clients(5, seed=66)
    frame.loc[0, "Family Name"] = "Müller"  # the file's own encoding is Windows-1252
    frame.loc[1, "Family Name"] = "Brontë"
    pasted = frame.iloc[[3]].copy()
    pasted["Date of Birth"] = "14\u201303\u20131990"  # typed with dashes: row 5
    pasted["Document Number"] = "2123\u00a045670\u00a01"
    head = text_of(frame.iloc[:3]).encode("cp1252")
    tail = (CRLF.join(lines(pasted)[1:]) + CRLF).encode("utf-8")
    rest = (CRLF.join(lines(frame.iloc[[4]])[1:]) + CRLF).encode("cp1252")
    write_bytes(path, head + tail + rest)
    return body_rows(5)


@large_file("stray_byte_2000_rows.csv", CLIENTS, "2000 UTF-8 records with accents, one byte 0xFF")
def _(path: Path) -> Rows:
    frame = clients(2000, seed=67)
    frame["Town/City of Birth"] = "Cañon City"
    data = text_of(frame).encode()
    at = data.index(b"Ca\xc3\xb1on", len(data) // 2)  # one record halfway down
    write_bytes(path, data[:at] + b"Ca\xffon" + data[at + 6 :])
    return body_rows(2000)


@large_file("whitespace_bomb.xlsx", CLIENTS, "1.5 MB holding 1.5 GB of spaces in its strings")
def _(path: Path) -> Rows:
    spaces = " " * (1 << 20)

    def strings() -> Iterator[str]:
        yield f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{SHEET_NS}">'
        yield '<si><t xml:space="preserve">'
        for _ in range(1536):
            yield spaces
        yield "</t></si></sst>"

    raw_workbook(path, {"Clients": clients_then("")}, shared_strings=strings)
    return None


@large_file("rows_3_million.xlsx", CLIENTS, "7 MB: 3,000,000 rows")
def _(path: Path) -> Rows:
    def rows() -> Iterator[str]:
        yield from records_xml(clients(3, seed=68))
        for number in range(5, 3_000_005):
            yield f'<row r="{number}"><c r="A{number}" t="n"><v>{number}</v></c></row>'

    raw_workbook(path, {"Clients": rows})
    return None


@large_file("line_of_5_million_cells.csv", CLIENTS, "10 MB: a line of 5,000,000 cells")
def _(path: Path) -> Rows:
    rows = lines(clients(3, seed=69))
    write_bytes(path, (CRLF.join([rows[0], rows[1], "x," * 5_000_000, rows[2]]) + CRLF).encode())
    return None


@large_file("header_of_5_million_cells.csv", CLIENTS, "10 MB: a first line of 5,000,000 cells")
def _(path: Path) -> Rows:
    write_bytes(path, ("x," * 5_000_000 + CRLF + "1,2" + CRLF).encode())
    return None


def write_large(folder: Path) -> dict[str, dict[str, object]]:
    """Write the large hostile files into `folder`; their manifest, as `main` writes one."""
    folder.mkdir(parents=True, exist_ok=True)
    manifest: dict[str, dict[str, object]] = {}
    for name, (kind, what, make) in sorted(LARGE.items()):
        rows = make(folder / name)
        manifest[name] = {"kind": kind, "what": what,
                          "records": None if rows is None else len(rows), "rows": rows}  # fmt: skip
    return manifest


def main() -> int:
    """Write every file of the corpus and the manifest; remove files no longer made."""
    OUT.mkdir(parents=True, exist_ok=True)
    manifest: dict[str, dict[str, object]] = {}
    for name, (kind, what, make) in sorted(MAKERS.items()):
        rows = make(OUT / name)
        manifest[name] = {
            "kind": kind,
            "what": what,
            "records": None if rows is None else len(rows),
            "rows": rows,
        }
    for stale in OUT.iterdir():
        if stale.name not in manifest and stale.name not in ("manifest.json", ".gitattributes"):
            stale.unlink()
    # The bytes are the test (CR, CRLF, NUL): git must never convert line ends in them.
    (OUT / ".gitattributes").write_text("* -text\n", encoding="utf-8")
    entries = (
        f" {json.dumps(n)}: {json.dumps(e, ensure_ascii=False)}" for n, e in manifest.items()
    )
    (OUT / "manifest.json").write_text("{\n" + ",\n".join(entries) + "\n}\n", encoding="utf-8")
    size = sum(p.stat().st_size for p in OUT.iterdir())
    print(f"wrote {len(manifest)} files, {size / 1024:.0f} KB, to {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
