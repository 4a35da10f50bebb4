"""The report when problems run into the hundreds of thousands: one summary line per column and
check, every cell still marked, lists past a sheet's rows continued, and the command saying so."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook

from usikit.cli import main
from usikit.io import sheets
from usikit.io.sheets import SheetLimits
from usikit.report import ValidationReport

TIDIED = "date written as dd/mm/yyyy"


def report_of(records: int, *, errors_every: int = 0) -> ValidationReport:
    """`records` records whose every Born was tidied (a warning each), and a real-date error on
    every `errors_every`-th record."""
    rows = np.arange(2, records + 2)
    frame = pd.DataFrame(
        {"Name": ["Ann"] * records, "Born": ["01/02/1990"] * records},
        index=pd.Index(rows),
    )
    warnings = pd.DataFrame(
        {
            "row": rows,
            "column": "Born",
            "value": "1990-02-01",
            "check": "normalised",
            "severity": "warning",
            "message": f"Born '1990-02-01' was changed to '01/02/1990' ({TIDIED})",
        }
    )
    parts = [warnings]
    if errors_every:
        broken = rows[::errors_every]
        parts.append(
            pd.DataFrame(
                {
                    "row": broken,
                    "column": "Name",
                    "value": "Ann",
                    "check": "real_date",
                    "severity": "error",
                    "message": "Name is wrong",
                }
            )
        )
    return ValidationReport(frame, pd.concat(parts, ignore_index=True))


def test_a_million_identical_warnings_read_as_one_line():
    report = report_of(1_000_000)
    summary = report.summary()
    assert len(summary) == 1
    line = summary.iloc[0]
    assert (line["column"], line["what"], line["problems"], line["records"]) == (
        "Born",
        TIDIED,
        1_000_000,
        1_000_000,
    )
    assert report.summary_lines() == [
        ("warning", f"Born: {TIDIED} -- 1,000,000 records, e.g. rows 2, 3, 4")
    ]
    assert report.summary_line() == "1,000,000 records: 1,000,000 valid, 0 with errors"


def test_errors_lead_the_summary_whatever_the_warnings_count():
    report = report_of(30, errors_every=10)
    assert report.summary_lines() == [
        ("error", "Name: not a real date -- 3 records, e.g. rows 2, 12, 22"),
        ("warning", f"Born: {TIDIED} -- 30 records, e.g. rows 2, 3, 4"),
    ]


def test_the_workbook_marks_every_cell_and_continues_the_lists(tmp_path, monkeypatch):
    monkeypatch.setattr(sheets, "EXCEL", SheetLimits(rows=1_001, columns=100, cell_chars=500))
    report = report_of(2_500, errors_every=1_000)
    written = report.to_workbook(tmp_path / "report.xlsx")
    book = load_workbook(written.path)
    assert book.sheetnames == [
        "Records", "Records (2)", "Records (3)", "Errors", "Errors (2)", "Errors (3)", "Summary",
    ]  # fmt: skip
    amber = [
        row[4].fill.fgColor.rgb[-6:]
        for title in ("Records", "Records (2)", "Records (3)")
        for row in book[title].iter_rows(min_row=2)
    ]
    assert len(amber) == 2_500 and set(amber) == {"FFEB9C"}  # every tidied cell is marked
    assert book["Records (2)"]["A2"].value == 1_002
    assert book["Records (2)"]["D2"].fill.fgColor.rgb.endswith("FFC7CE")  # its error
    assert book["Records (2)"]["B2"].value == "error"
    errors = sum(book[t].max_row - 1 for t in ("Errors", "Errors (2)", "Errors (3)"))
    assert errors == len(report.errors) == 2_503
    summary = list(book["Summary"].iter_rows(values_only=True))
    assert summary[0] == (
        "Column", "Problem", "Severity", "Records", "Problems", "First rows", "Example", "Check",
    )  # fmt: skip
    notes = [row[1] for row in summary if row[0] == "(workbook)"]
    assert notes == [
        "Records: 2,500 rows, continued on sheets Records (2), Records (3) "
        "(an Excel sheet holds 1,000 rows under its header)",
        "Errors: 2,503 rows, continued on sheets Errors (2), Errors (3) "
        "(an Excel sheet holds 1,000 rows under its header)",
    ]
    kinds = [row[:6] for row in summary]
    assert ("Name", "not a real date", "error", 3, 3, "2, 1002, 2002") in kinds
    assert ("Born", TIDIED, "warning", 2_500, 2_500, "2, 3, 4") in kinds
    assert kinds.index(("Name", "not a real date", "error", 3, 3, "2, 1002, 2002")) < len(kinds) - 1


def test_wide_records_continue_with_their_row_status_and_problems(tmp_path, monkeypatch):
    monkeypatch.setattr(sheets, "EXCEL", SheetLimits(rows=100, columns=4, cell_chars=500))
    book = load_workbook(report_of(3).to_workbook(tmp_path / "wide.xlsx").path)
    assert [c.value for c in book["Records"][1]] == ["Row", "Record status", "Problems", "Name"]
    assert [c.value for c in book["Records (2)"][1]] == ["Row", "Record status", "Problems", "Born"]
    assert book["Records (2)"]["D2"].fill.fgColor.rgb.endswith("FFEB9C")
    assert [c.value for c in book["Errors (2)"][1]] == ["Row", "Severity", "Message"]


@pytest.fixture
def dated_file(write_text):
    lines = ["Name,Born,Code"] + [f"Ann,{d}/13/1990,ABC" for d in range(10, 22)]
    return write_text("dated.csv", "\n".join(lines) + "\n")


def test_the_command_says_where_a_long_list_continues(demo_kind, dated_file, tmp_path, capsys,
                                                       monkeypatch):  # fmt: skip
    monkeypatch.setattr(sheets, "EXCEL", SheetLimits(rows=11, columns=100, cell_chars=500))
    out = tmp_path / "e.xlsx"
    assert main(["validate", demo_kind, str(dated_file), "--errors", str(out)]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines == [
        "12 records: 0 valid, 12 with errors",
        "Errors, by column and check:",
        "  Born: not a real date -- 12 records, e.g. rows 2, 3, 4",
        f"Wrote 12 problems to {out}",
        "  Records: 12 rows, continued on sheets Records (2) (an Excel sheet holds 10 rows "
        "under its header)",
        "  Errors: 12 rows, continued on sheets Errors (2) (an Excel sheet holds 10 rows under "
        "its header)",
    ]
    assert load_workbook(out).sheetnames == [
        "Records", "Records (2)", "Errors", "Errors (2)", "Summary",
    ]  # fmt: skip


def test_the_command_shows_ten_kinds_and_says_where_the_others_are(tmp_path, capsys):
    from tests.paths import ROOT

    demo = str(ROOT / "data/samples/clients_demo.xlsx")
    assert main(["validate", "clients", demo, "--errors", str(tmp_path / "e.csv")]) == 1
    lines = capsys.readouterr().out.splitlines()
    kinds = [line for line in lines if line.startswith("  ") and " -- " in line]
    assert len(kinds) == 10
    assert lines.index("Errors, by column and check:") < lines.index(
        "Warnings (they block no record):"
    )
    tail = [line for line in lines if line.startswith("  ... and ")]
    assert tail and tail[0].endswith("more kinds of problem (the CSV lists every one)")
