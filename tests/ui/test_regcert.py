"""The Registration & Certification screens: import (validate, cancel, upload), export."""

from __future__ import annotations

import html
import re

import ipywidgets as widgets
import pandas as pd
import pytest
from sqlalchemy import func, select

from tests.ui_helpers import click_record, link_bytes, uploaded
from usikit.io import read_table
from usikit.regcert.fields import EXPORT_COLUMNS, IMPORT_COLUMNS
from usikit.regcert.matching import import_file
from usikit.regcert.tables import registrations
from usikit.store.audit import audit_records
from usikit.ui import RegcertExportScreen, RegcertImportScreen
from usikit.workspace import open_workspace

pytestmark = pytest.mark.usefixtures("screens_raise_bugs")


@pytest.fixture
def importer(demo_folder):
    made = RegcertImportScreen(demo_folder / "usikit.db", page_size=10)
    yield made
    made.close()


def records_in_register(folder) -> int:
    workspace = open_workspace(str(folder / "usikit.db"))
    with workspace.begin() as connection:
        count = connection.execute(select(func.count()).select_from(registrations)).scalar()
    workspace.close()
    return count


def validated(screen: RegcertImportScreen, folder, name: str) -> RegcertImportScreen:
    screen.files.upload.value = uploaded(folder / name)
    screen.validate.click()
    return screen


def test_the_tips_list_the_mandatory_fields_and_offer_a_sample(importer, demo_folder):
    tips = importer.tips.children[0].value
    assert "Mandatory fields: <b>Qualification Number</b>, <b>ULN</b>, <b>Status</b>" in tips
    assert "at most 2 MB" in tips
    sample = link_bytes(tips).decode("utf-8-sig").splitlines()
    assert sample[0] == ",".join(IMPORT_COLUMNS)
    assert re.search(r"\(\d+ bytes\)", tips) and "0 KB" not in tips  # a small file's size
    assert not (demo_folder / "exports").exists()  # the sample is made in memory: no file
    assert importer.separator.value == ","
    assert importer.upload.disabled and importer.cancel.disabled


def test_validate_shows_the_report_and_changes_nothing(importer, demo_folder):
    validated(importer, demo_folder, "regcert_import_first.csv")
    assert (
        "regcert_import_first.csv: 46 records: 46 can be imported, 0 with errors "
        "(0 errors, 4 warnings)"
    ) in importer.summary.value
    assert len(importer.problems.frame) == 4
    assert set(importer.problems.frame["Severity"]) == {"warning"}
    assert importer.chart.bars and importer.chart.title == "Problems by column and check"
    assert importer.progress.steps[0] == "Reading regcert_import_first.csv…"
    assert not importer.upload.disabled
    assert records_in_register(demo_folder) == 0


def test_errors_are_listed_and_exported(importer, demo_folder):
    validated(importer, demo_folder, "regcert_import_errors.csv")
    assert "26 records: 8 can be imported, 18 with errors" in importer.summary.value
    assert importer.problems.pages == 3  # 23 problems, 10 a page
    assert "error" in set(importer.problems.frame["Severity"])
    importer.export_format.value = ".csv"
    importer.export_errors.click()
    errors = pd.read_csv(importer.downloads.paths[-1], encoding="utf-8-sig", dtype=str)
    assert list(errors.columns) == ["Row", "Column", "Value", "Check", "Severity", "Message"]
    assert len(errors) == 23


def test_cancel_forgets_the_file(importer, demo_folder):
    validated(importer, demo_folder, "regcert_import_first.csv")
    importer.cancel.click()
    assert importer.report is None and importer.files.chosen == ""
    assert importer.message.text == "Cancelled: nothing was imported."
    assert importer.upload.disabled
    assert records_in_register(demo_folder) == 0


def uploaded_to_register(importer: RegcertImportScreen) -> None:
    importer.upload.click()
    importer.confirm.yes.click()


def test_upload_asks_first_and_cancel_writes_nothing(importer, demo_folder):
    validated(importer, demo_folder, "regcert_import_errors.csv")
    importer.upload.click()
    assert importer.confirm.is_open
    assert importer.confirm.text == (
        "Write 8 accepted records to the register in one transaction (validated again first); "
        "the 18 records with errors are left out?"
    )
    assert records_in_register(demo_folder) == 0
    importer.confirm.no.click()
    assert records_in_register(demo_folder) == 0 and importer.results is None


def test_upload_imports_the_accepted_records_and_shows_each_result(importer, demo_folder):
    validated(importer, demo_folder, "regcert_import_first.csv")
    uploaded_to_register(importer)
    text = (
        "Applied 46 records in one transaction: 44 created, 0 updated, 0 unchanged, "
        "2 status reverted"
    )
    assert importer.message.text == text and importer.status_line() == text
    assert importer.progress.steps[-2:] == [
        "Validating again and importing in one transaction…",
        "Writing 46 accepted records…",
    ]
    results = importer.result_grid.frame
    assert len(results) == 46 and set(results["Result"]) == {"created", "status reverted"}
    assert ("created", 44, "#198754") in importer.result_chart.bars
    assert importer.upload.disabled  # once only
    assert records_in_register(demo_folder) == 46  # reverted ones are created too
    importer.export_results.click()
    assert len(read_table(importer.downloads.paths[-1])) == 46


def test_the_separator_is_the_one_chosen(importer, demo_folder, tmp_path):
    semicolons = tmp_path / "semicolons.csv"
    frame = read_table(demo_folder / "regcert_import_first.csv", sep=",")
    frame.to_csv(semicolons, sep=";", index=False)
    validated(importer, tmp_path, "semicolons.csv")
    assert "46 with errors" in importer.summary.value  # one file-level error: the columns
    assert importer.upload.disabled
    importer.separator.value = ";"
    importer.validate.click()
    assert "46 can be imported" in importer.summary.value


def test_a_workbook_or_a_large_file_is_refused_in_red(importer, demo_folder, tmp_path):
    validated(importer, demo_folder, "regcert_register.xlsx")
    assert importer.message.kind == "error"
    assert importer.message.text.startswith("regcert_register.xlsx: is a workbook, not a CSV")
    big = tmp_path / "big.csv"
    big.write_text(",".join(IMPORT_COLUMNS) + "\n" + "x," * 1_100_000)
    validated(importer, tmp_path, "big.csv")
    assert "over the 2.0 MB limit" in importer.message.text


def test_a_workspace_without_a_register_says_how_to_make_one(tmp_path):
    screen = RegcertImportScreen(tmp_path / "usikit.db")
    assert screen.message.kind == "info"
    assert "loading the learner file on the Learners screen starts the register" in (
        screen.message.text
    )
    assert screen.validate.disabled and not (tmp_path / "usikit.db").exists()


@pytest.fixture
def exporter(demo_folder):
    workspace = open_workspace(str(demo_folder / "usikit.db"))
    first = read_table(demo_folder / "regcert_import_first.csv", sep=",")
    import_file(workspace, first, apply=True)
    workspace.close()
    made = RegcertExportScreen(demo_folder / "usikit.db", page_size=10)
    yield made
    made.close()


def test_the_register_grid_and_its_filters(exporter):
    assert len(exporter.records) == 46 and exporter.grid.pages == 5
    assert "0 records selected (of 46 shown)" in exporter.banner.value
    assert exporter.export.disabled
    assert exporter.records["Date of Birth"].str.startswith("**/**/**").all()
    exporter.status.value = "Registered"
    assert set(exporter.records["Status"]) == {"Registered"}
    numbers = [value for _, value in exporter.qualification.options if value]
    exporter.qualification.value = numbers[0]
    assert set(exporter.records["Qualification number"]) <= {numbers[0]}
    exporter.status.value = ""
    exporter.qualification.value = ""
    uln = exporter.records["ULN"].iloc[0]
    exporter.search.value = uln
    assert set(exporter.records["ULN"]) == {uln}
    assert (
        dict((s, n) for s, n, _ in exporter.chart.bars)
        == exporter.records["Status"].value_counts().to_dict()
    )


def test_select_records_the_page_or_all_and_export(exporter):
    exporter.grid.select_rows(0, 2)
    first = list(exporter.grid.chosen)
    assert len(first) == 2 and "2 records selected (of 46 shown)" in exporter.banner.value
    exporter.grid.next.click()
    exporter.select_page.click()
    assert len(exporter.grid.chosen) == 12  # the first page's two and the second page
    exporter.grid.previous.click()
    assert exporter.grid.grid.selections[0]["r1"] == 0  # the choice shows on its page
    exporter.export_format.value = ".csv"
    exporter.export.click()
    written = pd.read_csv(exporter.downloads.paths[-1], dtype=str, encoding="utf-8-sig")
    assert list(written.columns) == list(EXPORT_COLUMNS) and len(written) == 12
    assert "Wrote 12 records" in exporter.message.text
    exporter.select_all.click()
    assert "46 records selected (of 46 shown)" in exporter.banner.value
    exporter.export_format.value = ".xlsx"
    exporter.export.click()
    assert len(read_table(exporter.downloads.paths[-1])) == 46
    exporter.clear.click()
    assert exporter.grid.chosen == [] and exporter.export.disabled


def test_upload_only_ever_sends_the_file_shown(importer, demo_folder, tmp_path):
    validated(importer, demo_folder, "regcert_import_update.csv")
    assert not importer.upload.disabled
    importer.files.pick("regcert_import_first.csv")  # another file, not validated yet
    assert importer.report is None and importer.upload.disabled
    validated(importer, demo_folder, "regcert_import_update.csv")
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    importer.files.upload.value = uploaded(empty)
    importer.validate.click()  # fails: nothing of the earlier file may be uploaded now
    assert importer.message.kind == "error" and "is empty" in importer.message.text
    assert importer.report is None and importer.upload.disabled
    importer._upload()  # as a double click on a button being disabled would
    assert importer.message.kind == "warning" and "validate a file first" in importer.message.text
    assert records_in_register(demo_folder) == 0


def test_after_an_upload_cancel_is_no_longer_offered(importer, demo_folder):
    validated(importer, demo_folder, "regcert_import_first.csv")
    uploaded_to_register(importer)
    assert importer.cancel.disabled and importer.upload.disabled


def test_export_with_nothing_chosen_writes_nothing(exporter):
    exporter._export()
    assert exporter.message.kind == "warning" and "choose the records" in exporter.message.text
    assert exporter.downloads.paths == []


def test_a_file_with_the_wrong_columns_is_said_whole(importer, demo_folder):
    """The file-level error names every expected and found column: it is written out in
    full under the summary, and whole in the detail pane when its row is clicked."""
    validated(importer, demo_folder, "regcert_import_columns.csv")
    [message] = importer.report.errors["message"]
    assert message.startswith("The file must have exactly these 10 columns in this order")
    assert len(message) > 300  # far longer than any grid cell shows
    assert message in html.unescape(importer.report_view.file_problems.value)
    assert importer.problems.grid.header_visibility == "column"  # no 0-based # column
    assert list(importer.problems.frame.columns) == [
        "Row", "Column", "Value", "Check", "Severity", "Message"
    ]  # fmt: skip
    importer.problems.select_rows(0)
    assert importer.problems.frame.iloc[0]["Row"] == "file"
    assert message in importer.problem_detail.text
    assert message in html.unescape(importer.problem_detail.widget.value)


def test_problems_name_their_check_in_words(importer, demo_folder):
    validated(importer, demo_folder, "regcert_import_errors.csv")
    checks = set(importer.problems.frame["Check"])
    assert "a learner not in the register" in checks and "learner_not_in_register" not in checks
    assert not [label for label, _, _ in importer.chart.bars if "_" in label]


def test_each_result_of_an_upload_can_be_read_whole(importer, demo_folder):
    validated(importer, demo_folder, "regcert_import_first.csv")
    uploaded_to_register(importer)
    grid = importer.result_grid
    reverted = grid.frame.index[grid.frame["Result"] == "status reverted"][0]
    click_record(grid, reverted)
    assert "needs a registration number and the record has none" in importer.result_detail.text
    assert grid.frame.index.name == "Row"  # the spreadsheet row, as the file has it


def test_filtering_the_register_never_drops_a_chosen_record(exporter):
    exporter.grid.select_rows(0)
    [first] = exporter.grid.chosen
    other = exporter.records.loc[first, "Status"]
    exporter.status.value = next(s for s in ("Registered", "Not registered") if s != other)
    assert first not in exporter.records.index and exporter.grid.chosen == [first]
    assert "1 record selected (of " in exporter.banner.value
    assert "1 selected record not shown by the filters is still selected" in (exporter.banner.value)
    exporter.select_all.click()
    shown = len(exporter.records)
    assert len(exporter.grid.chosen) == shown + 1
    exporter.export_format.value = ".csv"
    exporter.export.click()
    written = pd.read_csv(exporter.downloads.paths[-1], dtype=str, encoding="utf-8-sig")
    assert len(written) == shown + 1  # the hidden one too
    assert f"Wrote {shown + 1} records" in exporter.message.text


def test_the_chosen_record_is_written_out_whole(exporter):
    exporter.grid.select_rows(0)
    [record] = exporter.grid.chosen
    uln = exporter.records.loc[record, "ULN"]
    assert (
        f"ULN: {uln}" in exporter.detail.text and "Awarding Organisation: " in exporter.detail.text
    )
    assert "Date of Birth: **/**/**" in exporter.detail.text  # masked here too
    assert exporter.grid.grid.column_widths["ULN"] >= 96  # ten digits shown whole


def test_the_export_for_the_awarding_organisation_shows_dates_of_birth_once_confirmed(
    exporter, demo_folder
):
    exporter.select_all.click()
    exporter.unmasked.value = True
    exporter.export_format.value = ".csv"
    exporter.export.click()
    assert exporter.confirm.is_open and exporter.downloads.paths == []  # nothing yet
    assert "dates of birth of 46 learner records unmasked" in exporter.confirm.text
    assert "recorded in the audit trail as unmasked" in exporter.confirm.text
    exporter.confirm.yes.click()
    written = pd.read_csv(exporter.downloads.paths[-1], dtype=str, encoding="utf-8-sig")
    assert not written["Date of Birth"].str.contains("*", regex=False).any()
    assert "(dates of birth shown)" in exporter.message.text
    exporter.unmasked.value = False
    exporter.export.click()  # masked: no question
    masked = pd.read_csv(exporter.downloads.paths[-1], dtype=str, encoding="utf-8-sig")
    assert masked["Date of Birth"].str.startswith("**/**/**").all()
    workspace = open_workspace(str(demo_folder / "usikit.db"))
    trail = audit_records(workspace)
    workspace.close()
    assert trail["Action"].tolist()[-2:] == ["regcert export unmasked", "regcert export"]


def test_a_record_is_corrected_by_hand(exporter, demo_folder):
    """What an import refuses (another registration number for a record that has one) is
    corrected on the register screen, checked and audited."""
    exporter.search.value = ""
    numbered = exporter.records[exporter.records["Registration number"] != ""]
    record = numbered.index[0]
    exporter.search.value = numbered.loc[record, "Registration number"]
    exporter.grid.select_rows(0)
    assert exporter.grid.chosen == [record] and not exporter.edit.disabled
    exporter.edit.click()
    form = exporter.form
    assert form.is_open and form.record_id == record
    assert isinstance(form.boxes["Status"], widgets.Dropdown)
    assert form.boxes["Registration number"].value == numbered.loc[record, "Registration number"]
    form.fill({"Registration number": "RN55555555", "Achieved date": "31/02/2026"})
    form.save.click()
    assert exporter.message.kind == "error" and "not a real date" in exporter.message.text
    form.fill({"Achieved date": "01/03/2026"})
    form.save.click()
    assert exporter.message.kind == "success" and not form.is_open
    assert exporter.message.text.startswith(f"Record {record} saved: Registration number ")
    exporter.search.value = "RN55555555"
    assert list(exporter.records.index) == [record]
    workspace = open_workspace(str(demo_folder / "usikit.db"))
    assert audit_records(workspace)["Action"].tolist()[-1] == "regcert edit"
    workspace.close()
