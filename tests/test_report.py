"""ValidationReport: row numbers, statuses, counts, masking and the two exports."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from tests.conftest import DEMO, validate_demo
from usikit import read_table
from usikit.problems import typed_problems
from usikit.report import _messages_by_row
from usikit.rules.engine import as_records


def demo_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "Name": ["Ann", "", "Bartholomew Longname", "Dee"],
            "Born": ["01/02/1990", "31/02/1990", "12/12/2000", "05/05/2005"],
            "Code": ["ABC", "=cmd|' /C calc'!A0", "", "XYZ"],
        }
    )


def test_rows_are_numbered_as_the_spreadsheet_shows_them():
    report = validate_demo(demo_frame())
    assert report.records.index.tolist() == [2, 3, 4, 5]
    problems = report.errors[["row", "column", "check", "severity"]].values.tolist()
    assert problems == [
        [3, "Name", "required", "error"],
        [3, "Born", "real_date", "error"],
        [3, "Code", "code_shape", "error"],
        [4, "Name", "max_length", "error"],
        [4, "Code", "code_for_named", "warning"],
    ]


def test_rows_of_a_file_keep_their_numbers_past_blank_lines(write_text):
    path = write_text("people.csv", "Name,Born,Code\nAnn,01/01/1990,ABC\n\n\nBob,32/01/1990,ABD\n")
    report = validate_demo(read_table(path))
    assert report.errors["row"].tolist() == [5]
    assert report.source.endswith("people.csv")


def test_status_counts_and_the_valid_and_invalid_records():
    report = validate_demo(demo_frame())
    assert report.status.tolist() == ["ok", "error", "error", "ok"]
    assert (report.n_records, report.n_valid, report.n_invalid, report.n_warnings) == (4, 2, 2, 1)
    assert report.valid["Name"].tolist() == ["Ann", "Dee"]
    assert report.invalid.index.tolist() == [3, 4]
    assert report.summary_line() == "4 records: 2 valid, 2 with errors"
    assert not report.ok


def test_a_warning_alone_does_not_block_the_record():
    frame = pd.DataFrame({"Name": ["Ann"], "Born": ["01/01/1990"], "Code": [""]})
    report = validate_demo(frame)
    assert report.errors["severity"].tolist() == ["warning"]
    assert report.ok and report.status.tolist() == ["ok"]


def test_messages_are_plain_english_and_mask_dates_of_birth():
    report = validate_demo(demo_frame())
    born = report.errors.query("column == 'Born'").iloc[0]
    assert born["value"] == "**/**/**90"
    assert born["message"] == "Born **/**/**90 is not a real date; use dd/mm/yyyy"
    assert "31/02/1990" not in report.errors.to_string()
    revealed = validate_demo(demo_frame(), show_sensitive=True)
    assert (
        "Born 31/02/1990 is not a real date; use dd/mm/yyyy" in revealed.errors["message"].tolist()
    )


def test_missing_required_column_is_a_file_level_error_that_blocks_every_record():
    report = validate_demo(pd.DataFrame({"Name": ["Ann", "Bob"], "Code": ["ABC", "DEF"]}))
    file_level = report.file_problems
    assert file_level[["column", "check"]].values.tolist() == [["Born", "missing_column"]]
    assert file_level["row"].isna().all()
    assert report.n_invalid == 2
    assert report.errors.iloc[0]["check"] == "missing_column"


def test_reader_problems_appear_in_the_report(write_text):
    path = write_text(
        "x.csv", "Name,Born,Code,Code\nAnn,01/01/1990,ABC,\nBob,01/01/1990,XYZ,,extra\n"
    )
    report = validate_demo(read_table(path))
    rows = [None if pd.isna(r) else int(r) for r in report.errors["row"]]
    assert list(zip(rows, report.errors["check"], strict=True)) == [
        (None, "duplicate_header"),
        (3, "extra_cells"),
    ]
    assert report.n_invalid == 2


def test_summary_counts_problems_by_column_and_check():
    summary = validate_demo(demo_frame()).summary()
    assert set(summary.columns) >= {"column", "check", "what", "severity", "problems", "records"}
    assert summary.set_index(["column", "check"]).loc[("Name", "required"), "problems"] == 1
    assert summary.set_index(["column", "check"]).loc[("Name", "required"), "what"] == (
        "empty but needed"
    )
    assert summary["problems"].sum() == 5


def test_to_csv_writes_the_error_list_with_file_level_rows_empty(tmp_path):
    report = validate_demo(pd.DataFrame({"Name": ["=1+1"], "Code": ["AB"]}))
    path = report.to_csv(tmp_path / "errors.csv")
    written = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    assert list(written.columns) == ["Row", "Column", "Value", "Check", "Severity", "Message"]
    assert written["Row"].tolist() == ["", "2"]
    assert written["Value"].tolist() == ["", "AB"]


def test_to_excel_has_records_with_status_and_highlighted_cells_and_errors(tmp_path):
    report = validate_demo(demo_frame())
    workbook = load_workbook(report.to_excel(tmp_path / "report.xlsx"))
    assert workbook.sheetnames == ["Records", "Errors", "Summary"]
    records = workbook["Records"]
    header = [c.value for c in records[1]]
    assert header == ["Row", "Record status", "Problems", "Name", "Born", "Code"]
    statuses = [(r[0].value, r[1].value, r[1].fill.fgColor.rgb[-6:]) for r in records.iter_rows(2)]
    assert statuses == [
        (2, "ok", "C6EFCE"),
        (3, "error", "FFC7CE"),
        (4, "error", "FFC7CE"),
        (5, "ok", "C6EFCE"),
    ]
    assert records["D3"].fill.fgColor.rgb.endswith("FFC7CE")  # Name of row 3
    assert records["F4"].fill.fgColor.rgb.endswith("FFEB9C")  # warning on Code, row 4
    assert records["D2"].fill.fgColor.rgb in (None, "00000000")
    assert records["E3"].value == "**/**/**90"  # masked in the export
    assert records["F3"].value == "=cmd|' /C calc'!A0" and records["F3"].data_type == "s"
    assert "Name is empty" in records["C3"].value
    errors = workbook["Errors"]
    assert [c.value for c in errors[1]] == [
        "Row",
        "Column",
        "Value",
        "Check",
        "Severity",
        "Message",
    ]
    assert errors.max_row == 6 and errors.freeze_panes == "A2" and errors.auto_filter.ref
    formulas = [c for ws in workbook for row in ws.iter_rows() for c in row if c.data_type == "f"]
    assert formulas == []


def test_export_can_reveal_sensitive_values_when_asked(tmp_path):
    report = validate_demo(demo_frame())
    sheet = load_workbook(report.to_excel(tmp_path / "r.xlsx", show_sensitive=True))["Records"]
    assert sheet["E3"].value == "31/02/1990"


def test_added_columns_never_clash_with_a_records_column(tmp_path):
    frame = demo_frame().assign(**{"Record status": "mine"})
    sheet = load_workbook(validate_demo(frame).to_excel(tmp_path / "r.xlsx"))["Records"]
    header = [c.value for c in sheet[1]]
    assert header[:3] == ["Row", "usikit Record status", "Problems"]
    assert "Record status" in header[3:]


def test_schema_refuses_a_rule_declared_twice():
    from usikit.rules.engine import Schema

    with pytest.raises(ValueError, match="declared twice"):
        Schema("twice", DEMO.fields, (*DEMO.rules, DEMO.rules[0]))


def test_a_broken_rule_is_a_bug_not_a_validation_problem():
    from usikit.rules.engine import Field, Rule, Schema

    broken = Schema("broken", (Field("A"),), (Rule("A", "boom", lambda v: v.str.nonsense(), "x"),))
    with pytest.raises(RuntimeError, match="boom on A could not run"):
        broken.validate(as_records(pd.DataFrame({"A": ["1"]})))


def test_frames_built_in_code_become_text_records():
    frame = pd.DataFrame({"Postcode": [800, None], "When": pd.to_datetime(["2020-01-02", None])})
    records = as_records(frame)
    assert records.index.tolist() == [2, 3]
    assert records.to_numpy().tolist() == [["800", "02/01/2020"], ["", ""]]


def test_every_check_a_schema_declares_has_words():
    """Summaries and charts show a check in words, never its id: each module names its own."""
    import datetime as dt

    from usikit.bulk_usi.validation import client_schema
    from usikit.problems import CHECK_WORDS, check_words
    from usikit.regcert.import_rules import regcert_schema
    from usikit.regcert.learner_rules import learner_schema
    from usikit.regcert.register_rules import RegisterView

    today = dt.date(2026, 12, 1)
    view = RegisterView.of(pd.DataFrame({"ULN": ["1000000043"], "Qualification Number": ["x"]}))
    schemas = (client_schema(today), learner_schema(today), regcert_schema(today, register=view))
    checks = {rule.check for schema in schemas for rule in schema.rules}
    assert checks - set(CHECK_WORDS) == set()
    assert check_words("same_person") == "the same person twice"
    assert check_words("no_such_check") == "no such check"  # a fallback, never an error


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(st.one_of(st.none(), st.integers(2, 9)), st.sampled_from(["a", "b; c", "é", ""])),
        max_size=30,
    ),
    st.booleans(),
)
def test_each_rows_messages_are_joined_in_the_tables_order(lines, in_report_order):
    errors = typed_problems(
        pd.DataFrame(
            [(row, "Name", "", "required", "error", message) for row, message in lines],
            columns=["row", "column", "value", "check", "severity", "message"],
        )
    )
    if in_report_order:  # as a report holds them; the other tables are out of order
        errors = errors.sort_values("row", na_position="first", kind="stable")
    half = len(errors) // 2  # its text in two pieces, as tables joined together hold it
    errors = pd.concat([errors.iloc[:half], errors.iloc[half:]], ignore_index=True)
    index = pd.RangeIndex(2, 10)
    expected = {row: "; ".join(m for at, m in lines if at == row) for row in index}
    joined = _messages_by_row(errors, index)
    assert joined.index.equals(index)
    assert joined.to_dict() == expected
