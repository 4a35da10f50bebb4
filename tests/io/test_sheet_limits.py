"""Every workbook stays within Excel's limits: rows and columns continue on further sheets,
a too long text is cut and says how long it was. Tested at and past each limit, lowered
where a real million-row sheet would be slow, and once at Excel's own."""

from __future__ import annotations

import pandas as pd
import pytest
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from pandas.io.formats.excel import ExcelFormatter
from python_calamine import CalamineWorkbook

from usikit.io import sheets
from usikit.io.sheets import EXCEL, Sheet, SheetLimits
from usikit.io.write import write_workbook, write_xlsx

SMALL = SheetLimits(rows=5, columns=4, cell_chars=100)  # 4 records under the header


def rows_of(path, title):
    return [list(row) for row in load_workbook(path)[title].iter_rows(values_only=True)]


def test_the_limits_are_excels():
    assert (EXCEL.rows, EXCEL.columns, EXCEL.cell_chars) == (1_048_576, 16_384, 32_767)
    assert get_column_letter(EXCEL.columns) == "XFD"  # Excel's last column
    assert (ExcelFormatter.max_rows, ExcelFormatter.max_cols) == (EXCEL.rows, EXCEL.columns)


def test_a_table_that_fills_a_sheet_exactly_stays_on_one(tmp_path):
    frame = pd.DataFrame({"n": [str(i) for i in range(4)]})
    written = write_workbook([Sheet("Errors", frame)], tmp_path / "w.xlsx", limits=SMALL)
    assert written.sheets[0].titles == ("Errors",)
    assert written.notes() == []
    assert load_workbook(written.path).sheetnames == ["Errors"]


def test_one_row_more_continues_on_a_second_sheet_with_its_header(tmp_path):
    frame = pd.DataFrame({"Value": ["a", "b", "c", "d", "=1+1"], "n": [1, 2, 3, 4, 5]})
    fills = {(4, "Value"): "error", (3, "n"): "warning"}
    written = write_workbook(
        [Sheet("Errors", frame, fills=fills)], tmp_path / "w.xlsx", limits=SMALL
    )
    assert written.sheets[0].titles == ("Errors", "Errors (2)")
    book = load_workbook(written.path)
    assert book.sheetnames == ["Errors", "Errors (2)"]
    assert rows_of(written.path, "Errors") == [
        ["Value", "n"],
        ["a", 1],
        ["b", 2],
        ["c", 3],
        ["d", 4],
    ]
    assert rows_of(written.path, "Errors (2)") == [["Value", "n"], ["=1+1", 5]]
    second = book["Errors (2)"]
    assert second["A2"].data_type == "s" and second["A2"].quotePrefix  # text, never a formula
    assert second["A2"].fill.fgColor.rgb.endswith("FFC7CE")  # the fill follows its row
    assert book["Errors"]["B5"].fill.fgColor.rgb.endswith("FFEB9C")
    assert second.freeze_panes == "A2" and second.auto_filter.ref == "A1:B2"
    assert written.notes() == [
        "Errors: 5 rows, continued on sheets Errors (2) (an Excel sheet holds 4 rows under its "
        "header)"
    ]


def test_a_table_wider_than_a_sheet_continues_repeating_its_key_columns(tmp_path):
    frame = pd.DataFrame([[f"r{r}c{c}" for c in range(7)] for r in range(2)])
    frame.columns = [f"C{c}" for c in range(7)]
    exactly = write_workbook([Sheet("Wide", frame.iloc[:, :4])], tmp_path / "a.xlsx", limits=SMALL)
    assert exactly.sheets[0].titles == ("Wide",)
    written = write_workbook(
        [Sheet("Wide", frame, key_columns=1)], tmp_path / "b.xlsx", limits=SMALL
    )
    assert written.sheets[0].titles == ("Wide", "Wide (2)")  # C0-C3, then C0 and C4-C6
    assert rows_of(written.path, "Wide")[0] == ["C0", "C1", "C2", "C3"]
    assert rows_of(written.path, "Wide (2)") == [
        ["C0", "C4", "C5", "C6"],
        ["r0c0", "r0c4", "r0c5", "r0c6"],
        ["r1c0", "r1c4", "r1c5", "r1c6"],
    ]
    assert "(an Excel sheet holds 4 columns)" in written.notes()[0]


def test_a_text_as_long_as_a_cell_holds_is_kept_and_a_longer_one_cut_saying_so(tmp_path):
    fits, longer = "x" * EXCEL.cell_chars, "y" * (EXCEL.cell_chars + 1)  # Excel's own limit
    frame = pd.DataFrame({"Value": [fits, longer, "short"]})
    written = write_workbook([Sheet("Errors", frame)], tmp_path / "w.xlsx")
    values = [row[0] for row in rows_of(written.path, "Errors")[1:]]
    assert values[0] == fits and values[2] == "short"
    assert len(values[1]) == EXCEL.cell_chars
    assert values[1].startswith("yyy")
    assert values[1].endswith("[cut to fit an Excel cell: 32,768 characters in all]")
    assert written.sheets[0].cut_cells == 1
    assert written.notes() == [
        "Errors: 1 cell cut to Excel's 32,767 characters, each ending with how long it was "
        "(a CSV keeps the whole text)"
    ]


def test_headers_and_sheet_names_are_kept_within_the_limits_too(tmp_path):
    frame = pd.DataFrame({"h" * 150: ["1"]})
    path = write_xlsx(
        [Sheet("A name much longer than thirty-one characters", frame)], tmp_path / "w.xlsx"
    )
    book = load_workbook(path)
    assert book.sheetnames == ["A name much longer than thirty-"]
    assert len(book.active["A1"].value) <= EXCEL.cell_chars
    long_title = "Records/of [2024]: a name longer than a sheet allows"
    titles = sheets.titles(long_title, 2, set())
    assert all(len(t) <= 31 and not set(t) & set("[]:*?/\\") for t in titles)
    assert titles[1].endswith(" (2)") and titles[0] != titles[1]


def test_a_real_sheet_holds_excels_rows_and_one_more_goes_on_the_next(tmp_path):
    # Written at Excel's own limit: 1,048,575 records under the header, then one more.
    frame = pd.DataFrame({"n": range(EXCEL.rows)})
    written = write_workbook([Sheet("Errors", frame)], tmp_path / "big.xlsx")
    assert written.sheets[0].titles == ("Errors", "Errors (2)")
    book = CalamineWorkbook.from_path(str(written.path))
    first, second = (book.get_sheet_by_name(t) for t in ("Errors", "Errors (2)"))
    assert first.height == EXCEL.rows  # header + 1,048,575: every row Excel has
    assert second.to_python() == [["n"], [EXCEL.rows - 1]]


def test_the_limits_a_test_sets_apply_to_every_writer(tmp_path, monkeypatch):
    monkeypatch.setattr(sheets, "EXCEL", SMALL)
    path = write_xlsx([Sheet("Learners", pd.DataFrame({"a": list("abcdef")}))], tmp_path / "l.xlsx")
    assert load_workbook(path).sheetnames == ["Learners", "Learners (2)"]


@pytest.mark.parametrize("rows", [4, 5])
def test_the_client_workbook_continues_on_clients_2_with_its_drop_downs(tmp_path, rows):
    from usikit.bulk_usi.fields import CLIENT_COLUMNS
    from usikit.bulk_usi.samples import synthetic_clients
    from usikit.bulk_usi.template import write_clients_workbook

    clients = synthetic_clients(rows, seed=1)
    limits = SheetLimits(rows=5, columns=EXCEL.columns, cell_chars=EXCEL.cell_chars)
    path = write_clients_workbook(clients, tmp_path / "c.xlsx", limits=limits)
    book = load_workbook(path)
    expected = ["Clients", "Clients (2)"] if rows > 4 else ["Clients"]
    assert book.sheetnames == [*expected, "Data dictionary"]
    last = book[expected[-1]]
    assert [c.value for c in last[1]] == list(CLIENT_COLUMNS)
    assert last["A2"].value == clients["Client ID"].iloc[4 if rows > 4 else 0]
    assert last["A2"].number_format == "@"
    ranges = [str(v.sqref) for v in last.data_validations.dataValidation]
    assert len(ranges) == 6 and {
        r.split(":")[1].strip("ABCDEFGHIJKLMNOPQRSTUVWXYZ") for r in ranges
    } == {"5"}
    assert last.max_row <= limits.rows
