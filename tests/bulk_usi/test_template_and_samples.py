"""The committed template and sample files are exactly what the code generates."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from tests.paths import ROOT
from usikit import read_table
from usikit.bulk_usi.fields import CLIENT_COLUMNS
from usikit.bulk_usi.samples import (
    DEMO_DATE,
    DEMO_MISTAKES,
    add_mistakes,
    demo_clients,
    synthetic_clients,
)
from usikit.bulk_usi.template import data_dictionary, data_dictionary_markdown
from usikit.bulk_usi.validation import validate_clients
from usikit.cli import main

TODAY = dt.date(2026, 11, 22)


def test_template_files_have_the_columns_in_order():
    xlsx = read_table(ROOT / "data/templates/usi_clients.xlsx")
    csv = read_table(ROOT / "data/templates/usi_clients.csv")
    assert list(xlsx.columns) == list(CLIENT_COLUMNS) == list(csv.columns)
    assert len(xlsx) == len(csv) == 0


def test_xlsx_template_keeps_leading_zeros_and_offers_choices():
    workbook = load_workbook(ROOT / "data/templates/usi_clients.xlsx")
    sheet = workbook["Clients"]
    postcode = CLIENT_COLUMNS.index("Postcode") + 1
    assert sheet.cell(row=2, column=postcode).number_format == "@"
    lists = {str(v.sqref): v.formula1 for v in sheet.data_validations.dataValidation}
    gender = get_column_letter(CLIENT_COLUMNS.index("Gender") + 1)
    assert lists[f"{gender}2:{gender}1001"] == '"M,F,X"'
    permission = get_column_letter(CLIENT_COLUMNS.index("USI Permission") + 1)
    assert lists[f"{permission}2:{permission}1001"] == '"Yes,No"'
    assert len(lists) == 6
    dictionary = workbook["Data dictionary"]
    assert [c.value for c in dictionary["A"][1:]] == list(CLIENT_COLUMNS)


def test_template_command_writes_both_formats(tmp_path):
    assert main(["template", "clients", str(tmp_path / "t.xlsx")]) == 0
    assert main(["template", "clients", str(tmp_path / "t.csv")]) == 0
    assert list(read_table(tmp_path / "t.csv").columns) == list(CLIENT_COLUMNS)


def test_readme_shows_the_current_data_dictionary():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert data_dictionary_markdown() in readme


def test_dictionary_says_which_document_types_use_each_column():
    table = data_dictionary().set_index("Column")
    used = table["Document types (registry field)"]
    assert "Medicare (MedicareCardNumber)" in used["Document Number"]
    assert "Birth Certificate (CertificateNumber)" in used["Document Card Number"]
    assert table.loc["Client ID", "Must be in the file"] == "yes"


def test_committed_demo_file_is_the_generated_one():
    committed = read_table(ROOT / "data/samples/clients_demo.xlsx")
    expected = demo_clients()
    expected.index = committed.index
    pd.testing.assert_frame_equal(committed.astype(str), expected.astype(str), check_dtype=False)


def test_demo_file_covers_every_document_type_and_its_mistakes():
    report = validate_clients(read_table(ROOT / "data/samples/clients_demo.xlsx"), today=DEMO_DATE)
    assert report.summary_line() == "40 records: 32 valid, 8 with errors"
    assert set(report.records["Document Type"]) - {""} == {
        "Driver Licence", "Medicare", "Australian Passport", "Visa", "Birth Certificate",
        "Citizenship Certificate", "Descent Certificate", "ImmiCard",
    }  # fmt: skip
    broken_rows = {position + 2 for position in DEMO_MISTAKES} | {2}  # row 2 shares its ID
    assert set(report.invalid.index) == broken_rows
    assert set(report.status) == {"ok", "error", "has USI", "exempt"}


def test_synthetic_records_are_valid_and_every_mistake_is_caught():
    clean = synthetic_clients(3000, seed=9, today=TODAY)
    assert validate_clients(clean, today=TODAY).errors.query("severity == 'error'").empty
    broken, made = add_mistakes(clean, rate=0.25, seed=4)
    report = validate_clients(broken, today=TODAY)
    invalid_positions = set(report.invalid.index - 2)
    assert set(made.index) <= invalid_positions
    assert invalid_positions - set(made.index) <= {0}
    assert made.nunique() == 17
