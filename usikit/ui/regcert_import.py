"""The Registration & Certification import screen: validate, then upload.

Validation and import are `usikit.regcert.matching.import_file`, without and then with
`apply`: the import validates the file again against the register in the transaction that
writes, so what the officer accepted is what the register holds. Both read the register, so
both need manage_regcert as well as bulk_upload (`usikit.ui.permissions` disables them).
A problem with the file as a whole is written out in full under the summary, and the row
clicked in a grid is written out whole below it; uploading asks first.
"""

from __future__ import annotations

import datetime as dt
import html
from pathlib import Path

import ipywidgets as widgets
import pandas as pd

from usikit.io import write_csv
from usikit.regcert.fields import IMPORT_FIELDS
from usikit.regcert.import_rules import file_rules
from usikit.regcert.matching import (
    CREATED,
    RESULT_COLUMNS,
    RESULTS,
    REVERTED,
    UNCHANGED,
    UPDATED,
    import_file,
)
from usikit.report import ValidationReport
from usikit.store.exports import export_error_report, export_import_results
from usikit.store.roles import Role
from usikit.ui.charts import AMBER, BLUE, GREEN, GREY, Chart
from usikit.ui.confirm import Confirm
from usikit.ui.detail import DetailPane
from usikit.ui.downloads import Downloads, content_link, export_path, format_choice, written_bytes
from usikit.ui.files import FilePicker
from usikit.ui.grid import AMBER as AMBER_ROW
from usikit.ui.grid import GREEN as GREEN_ROW
from usikit.ui.grid import GREY as GREY_ROW
from usikit.ui.grid import PAGE_SIZE, PagedGrid
from usikit.ui.messages import box
from usikit.ui.permissions import needs
from usikit.ui.report_view import ReportView
from usikit.ui.screen import WIDE, Screen, button, guarded, heading, present, ready
from usikit.validators import VALIDATORS, read_input
from usikit.wording import counted

KIND = VALIDATORS["regcert"]
MAX_MB = (KIND.max_bytes or 0) // 2**20
SEPARATORS = (("Comma ( , )", ","), ("Semicolon ( ; )", ";"), ("Tab", "\t"), ("Pipe ( | )", "|"))
SAMPLE_NAME = "regcert_import_sample"
REGISTER_STARTS = "loading the learner file on the Learners screen starts the register"
RESULT_COLOURS = {CREATED: GREEN_ROW, UPDATED: GREEN_ROW, UNCHANGED: GREY_ROW, REVERTED: AMBER_ROW}
OUTCOME_COLOURS = {CREATED: GREEN, UPDATED: BLUE, UNCHANGED: GREY, REVERTED: AMBER}


def mandatory_columns() -> list[str]:
    """The import columns that must be filled: those the file rules require."""
    rules = file_rules(dt.date.today(), False)
    return [rule.column for rule in rules if rule.check == "required"]


def sample_frame() -> pd.DataFrame:
    """A one-row import file in the required columns, filled with each column's example."""
    return pd.DataFrame([{f.name: f.example for f in IMPORT_FIELDS}])


class RegcertImportScreen(Screen):
    """Upload an import file, read its validation report, then import the accepted records."""

    title = "Registration & Certification: import a file"
    tab = "Import R&C"
    what = "validate an awarding organisation's file against the register, then import it"
    notebook = "03_regcert_import.ipynb"
    starts_workspace = REGISTER_STARTS

    def __init__(self, workspace: str | Path | None = None, *, page_size: int = PAGE_SIZE):
        super().__init__(workspace)
        folder = self.settings.folder if self.settings else Path.cwd()
        self.frame: pd.DataFrame | None = None
        self.report: ValidationReport | None = None
        self.results: pd.DataFrame | None = None
        self.files = FilePicker(folder, suffixes=(".csv",))
        self.files.upload.description = f"Upload a CSV (at most {MAX_MB} MB)"
        for chooser in (self.files.upload, self.files.path):  # another file: validate it first
            chooser.observe(lambda _: self._forget(), "value")
        self.separator = widgets.Dropdown(
            options=SEPARATORS, value=",", description="Separator:", style=WIDE
        )
        self.temporary_uln = widgets.Checkbox(
            value=False, description="accept the temporary ULN 9999999999", style=WIDE
        )
        self.validate = button("Validate", icon="check", style="primary")
        self.tips = widgets.Accordion(children=[widgets.HTML(self._tips_html())])
        self.tips.set_title(0, "Tips: the file's columns, the mandatory fields, a sample file")
        self.tips.selected_index = None
        self.report_view = ReportView(page_size)
        self.summary, self.chart = self.report_view.summary, self.report_view.chart
        self.problems, self.problem_detail = self.report_view.grid, self.report_view.detail
        self.export_format = format_choice()
        self.export_errors = button("Export errors", icon="download")
        self.cancel = button("Cancel", icon="times")
        self.upload = button("Upload accepted records", icon="upload", style="success")
        self.confirm = Confirm()
        self.result_summary = widgets.HTML()
        self.result_chart = Chart()
        self.result_grid = PagedGrid(
            status="Result",
            colours=RESULT_COLOURS,
            page_size=page_size,
            column_widths={"Result": 110, "Details": 520},
            key="Row",
        )
        self.result_detail = DetailPane("Click a record to read what the import did with it.")
        self.export_results = button("Export the result table", icon="download")
        self.downloads = Downloads()
        self.validate.on_click(self._validate)
        self.export_errors.on_click(self._export_errors)
        self.cancel.on_click(self._cancel)
        self.upload.on_click(self._ask_upload)
        self.export_results.on_click(self._export_results)
        self.result_grid.on_choose(
            lambda keys: self.result_detail.show(self.result_grid.frame, keys, title="Row")
        )
        self.compose(
            heading("1. Choose the file"),
            self.files.widget,
            widgets.HBox([self.separator, self.temporary_uln, self.validate]),
            self.tips,
            self.progress.widget,
            heading("2. Validation report"),
            *self.report_view.widgets,
            widgets.HBox([self.export_format, self.export_errors, self.cancel, self.upload]),
            self.confirm.widget,
            heading("3. What the import did"),
            self.result_summary,
            self.result_chart.widget,
            self.result_grid.widget,
            self.result_detail.widget,
            widgets.HBox([self.export_results]),
            self.downloads.widget,
        )
        self.connect()
        self._show_report()

    def _tips_html(self) -> str:
        """The columns, the mandatory fields and a sample file made in memory (opening the
        tips writes nothing)."""
        must = ", ".join(f"<b>{html.escape(name)}</b>" for name in mandatory_columns())
        columns = "".join(
            f"<li><b>{html.escape(f.name)}</b>: {html.escape(f.description)}</li>"
            for f in IMPORT_FIELDS
        )
        name = f"{SAMPLE_NAME}.csv"
        content = written_bytes(name, lambda path: write_csv(sample_frame(), path))
        sample = f"<p>{content_link(name, content, 'Download sample file')}</p>"
        return (
            f"<p>A CSV file of at most {MAX_MB} MB with exactly these "
            f"{len(IMPORT_FIELDS)} columns, in this order (former names are accepted). "
            f"Mandatory fields: {must}.</p><ol>{columns}</ol>{sample}"
        )

    # Validating.

    @needs(Role.BULK_UPLOAD, Role.MANAGE_REGCERT, controls=("files.upload", "validate"))
    @guarded
    def _validate(self, _: object = None) -> None:
        ready(self.workspace is not None, f"there is no register yet: {REGISTER_STARTS}")
        self.message.clear()  # what an earlier file or action got is not about this one
        self._forget()  # should this file fail, nothing of an earlier one can be uploaded
        name = self.files.chosen
        self.progress.start(3, f"Reading {name or 'the file'}…")
        frame = self.files.read(
            lambda path: read_input(KIND, path, sep=self.separator.value, max_bytes=KIND.max_bytes)
        )
        self.progress.step(f"Checking {counted(len(frame), 'record')} against the register…")
        outcome = import_file(self.opened, frame, allow_temporary_uln=self.temporary_uln.value)
        self.progress.finish()
        self.frame, self.report = frame, outcome.report
        self._show_report(name)

    def _show_report(self, name: str = "") -> None:
        report = self.report
        if report is None:
            self.report_view.show(None, "Choose a file and click Validate.", "info")
        else:
            blocking = int((report.errors["severity"] == "error").sum())
            line = (
                f"{name + ': ' if name else ''}{counted(report.n_records, 'record')}: "
                f"{report.n_valid:,} can be imported, {report.n_invalid:,} with errors "
                f"({counted(blocking, 'error')}, {counted(report.n_warnings, 'warning')})"
            )
            kind = "error" if report.n_invalid else "warning" if report.n_warnings else "success"
            self.report_view.show(report, line, kind)
        self._enable()

    def _enable(self) -> None:
        report = self.report
        self.export_errors.disabled = report is None or report.errors.empty
        self.cancel.disabled = report is None or self.results is not None  # done is done
        self.upload.disabled = report is None or report.n_valid == 0 or self.results is not None
        self.export_results.disabled = self.results is None
        self.validate.disabled = self.workspace is None
        self.restrict()

    def status_line(self) -> str:
        if self.results is not None:
            return self.result_summary_text()
        if self.report is not None:
            return f"{self.report.n_valid} of {self.report.n_records} records can be imported"
        return self.message.text or "choose a file and validate it"

    @needs(Role.DATA_EXPORT, controls=("export_errors",))
    @guarded
    def _export_errors(self, _: object = None) -> None:
        assert self.settings is not None
        report = present(self.report, "validate a file first: there is no error list yet")
        path = export_path(self.settings.exports, "regcert-errors", self.export_format.value)
        path = export_error_report(self.opened, report, path)
        self.downloads.offer(path)
        self.message.success(f"Wrote {counted(len(report.errors), 'problem')} to {path}")

    # Cancelling or uploading.

    @guarded
    def _cancel(self, _: object = None) -> None:
        self.confirm.close()
        self.frame = self.report = None
        self.files.clear()
        self._clear_results()
        self._show_report()
        self.message.info("Cancelled: nothing was imported.")

    @needs(Role.BULK_UPLOAD, Role.MANAGE_REGCERT, controls=("upload",))
    @guarded
    def _ask_upload(self, _: object = None) -> None:
        """Say what will be written to the register before anything is."""
        report = present(self.report, "validate a file first: Upload sends what it accepted")
        left = report.n_invalid
        self.confirm.ask(
            f"Write {counted(report.n_valid, 'accepted record')} to the register in one "
            "transaction (validated again first)"
            + (f"; the {counted(left, 'record')} with errors {_are(left)} left out" if left else "")
            + "?",
            "Yes, upload to the register",
            self._upload,
        )

    @guarded
    def _upload(self, _: object = None) -> None:
        ready(self.frame is not None, "validate a file first: Upload sends what it accepted")
        self.progress.start(2, "Validating again and importing in one transaction…")
        outcome = import_file(
            self.opened,
            self.frame,
            apply=True,
            allow_temporary_uln=self.temporary_uln.value,
            on_step=self.progress.step,
        )
        self.progress.finish()
        self.report, self.results = outcome.report, outcome.results
        self._show_report()
        results = self.results if self.results is not None else pd.DataFrame()
        self.result_summary.value = box(self.result_summary_text(), "success")
        self.result_grid.show(results.set_index("Row"))
        counts = results["Result"].value_counts() if len(results) else pd.Series(dtype=int)
        self.result_chart.show(
            "Results by outcome",
            [(r, int(counts.get(r, 0)), OUTCOME_COLOURS[r]) for r in RESULTS if counts.get(r, 0)],
        )
        self.message.success(self.result_summary_text())
        self._enable()

    def result_summary_text(self) -> str:
        results = self.results
        if results is None:
            return ""
        counts = results["Result"].value_counts()
        listing = ", ".join(f"{int(counts.get(r, 0))} {r}" for r in RESULTS)
        return f"Applied {counted(len(results), 'record')} in one transaction: {listing}"

    @needs(Role.DATA_EXPORT, controls=("export_results",))
    @guarded
    def _export_results(self, _: object = None) -> None:
        assert self.settings is not None
        ready(self.results is not None, "upload the records first: there are no results yet")
        path = export_path(self.settings.exports, "regcert-results", self.export_format.value)
        self.downloads.offer(export_import_results(self.opened, self.results, path))
        self.message.success(f"Wrote the result table to {path}")

    def _forget(self) -> None:
        """Drop the validated file and its report: Upload only ever sends what is shown."""
        self.confirm.close()
        if self.report is None and self.results is None:
            return
        self.frame = self.report = None
        self._clear_results()
        self._show_report()

    def _clear_results(self) -> None:
        self.results = None
        self.result_summary.value = ""
        self.result_grid.show(pd.DataFrame(columns=list(RESULT_COLUMNS)).set_index("Row"))
        self.result_detail.clear()
        self.result_chart.clear()


def _are(count: int) -> str:
    return "is" if count == 1 else "are"
