"""The Registration & Certification import screen (notebook 03): validate, then upload.

Validation and import are `usikit.regcert.matching.import_file`, without and then with
`apply`: the import validates the file again against the register in the transaction that
writes, so what the officer accepted is what the register holds. Both read the register, so
both need manage_regcert as well as bulk_upload (`usikit.ui.permissions` disables them).
"""

from __future__ import annotations

import datetime as dt
import html
from pathlib import Path

import ipywidgets as widgets
import pandas as pd

from usikit.errors import InputError
from usikit.regcert.fields import IMPORT_FIELDS
from usikit.regcert.import_rules import file_rules
from usikit.regcert.matching import CREATED, RESULTS, REVERTED, UNCHANGED, UPDATED, import_file
from usikit.report import ValidationReport
from usikit.store.exports import export_error_report, export_import_results
from usikit.store.roles import Role
from usikit.ui.charts import AMBER, BLUE, GREEN, GREY, RED, Chart
from usikit.ui.downloads import Downloads, download_link, export_path, format_choice, write_table
from usikit.ui.files import FilePicker
from usikit.ui.grid import AMBER as AMBER_ROW
from usikit.ui.grid import GREEN as GREEN_ROW
from usikit.ui.grid import GREY as GREY_ROW
from usikit.ui.grid import PAGE_SIZE, PagedGrid
from usikit.ui.grid import RED as RED_ROW
from usikit.ui.messages import box
from usikit.ui.permissions import needs
from usikit.ui.screen import WIDE, Screen, button, guarded, heading, present, ready
from usikit.validators import VALIDATORS, read_input
from usikit.wording import counted

KIND = VALIDATORS["regcert"]
MAX_MB = (KIND.max_bytes or 0) // 2**20
SEPARATORS = (("Comma ( , )", ","), ("Semicolon ( ; )", ";"), ("Tab", "\t"), ("Pipe ( | )", "|"))
SAMPLE_NAME = "regcert_import_sample"
PROBLEM_COLUMNS = {"row": "Row", "column": "Column", "value": "Value", "severity": "Severity",
                   "message": "Message"}  # fmt: skip
SEVERITY_COLOURS = {"error": RED_ROW, "warning": AMBER_ROW}
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
        self.summary = widgets.HTML()
        self.chart = Chart()
        self.problems = PagedGrid(
            status="Severity",
            colours=SEVERITY_COLOURS,
            page_size=page_size,
            column_widths={"Column": 170, "Value": 130, "Message": 700},
        )
        self.export_format = format_choice()
        self.export_errors = button("Export errors", icon="download")
        self.cancel = button("Cancel", icon="times")
        self.upload = button("Upload accepted records", icon="upload", style="success")
        self.result_summary = widgets.HTML()
        self.result_chart = Chart()
        self.result_grid = PagedGrid(
            status="Result",
            colours=RESULT_COLOURS,
            page_size=page_size,
            column_widths={"Result": 110, "Details": 520},
        )
        self.export_results = button("Export the result table", icon="download")
        self.downloads = Downloads()
        self.validate.on_click(self._validate)
        self.export_errors.on_click(self._export_errors)
        self.cancel.on_click(self._cancel)
        self.upload.on_click(self._upload)
        self.export_results.on_click(self._export_results)
        self.compose(
            heading("1. Choose the file"),
            self.files.widget,
            widgets.HBox([self.separator, self.temporary_uln, self.validate]),
            self.tips,
            self.progress.widget,
            heading("2. Validation report"),
            self.summary,
            self.chart.widget,
            self.problems.widget,
            widgets.HBox([self.export_format, self.export_errors, self.cancel, self.upload]),
            heading("3. What the import did"),
            self.result_summary,
            self.result_chart.widget,
            self.result_grid.widget,
            self.export_results,
            self.downloads.widget,
        )
        self.connect(register=True)
        self._show_report()

    def _tips_html(self) -> str:
        must = ", ".join(f"<b>{html.escape(name)}</b>" for name in mandatory_columns())
        columns = "".join(
            f"<li><b>{html.escape(f.name)}</b>: {html.escape(f.description)}</li>"
            for f in IMPORT_FIELDS
        )
        sample = ""
        if self.settings is not None:
            path = export_path(self.settings.exports, SAMPLE_NAME, ".csv", stamped=False)
            write_table(sample_frame(), path, "Import")
            sample = f"<p>{download_link(path, 'Download sample file')}</p>"
        return (
            f"<p>A CSV file of at most {MAX_MB} MB with exactly these "
            f"{len(IMPORT_FIELDS)} columns, in this order (former names are accepted). "
            f"Mandatory fields: {must}.</p><ol>{columns}</ol>{sample}"
        )

    # Validating.

    @needs(Role.BULK_UPLOAD, Role.MANAGE_REGCERT, controls=("files.upload", "validate"))
    @guarded
    def _validate(self, _: object = None) -> None:
        if self.workspace is None:
            raise InputError("the register cannot be opened; see the message above")
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
            self.summary.value = box("Choose a file and click Validate.", "info")
            self.problems.show(pd.DataFrame(columns=list(PROBLEM_COLUMNS.values())))
            self.chart.clear()
        else:
            blocking = int((report.errors["severity"] == "error").sum())
            line = (
                f"{name + ': ' if name else ''}{counted(report.n_records, 'record')}: "
                f"{report.n_valid:,} can be imported, {report.n_invalid:,} with errors "
                f"({counted(blocking, 'error')}, {counted(report.n_warnings, 'warning')})"
            )
            kind = "error" if report.n_invalid else "warning" if report.n_warnings else "success"
            self.summary.value = box(line, kind)
            table = report.errors.rename(columns=PROBLEM_COLUMNS)[list(PROBLEM_COLUMNS.values())]
            table["Row"] = table["Row"].astype(object).where(table["Row"].notna(), "file")
            self.problems.show(table.rename_axis("#"))
            self.chart.show(
                "Problems by column and check",
                [
                    (f"{r.column}: {r.what}", r.problems, RED if r.severity == "error" else AMBER)
                    for r in report.summary().itertuples(index=False)
                ],
            )
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
        self.frame = self.report = None
        self.files.clear()
        self._clear_results()
        self._show_report()
        self.message.info("Cancelled: nothing was imported.")

    @needs(Role.BULK_UPLOAD, Role.MANAGE_REGCERT, controls=("upload",))
    @guarded
    def _upload(self, _: object = None) -> None:
        assert self.workspace is not None
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
        self.result_grid.show(results.set_index("Row") if len(results) else results)
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
        if self.report is None and self.results is None:
            return
        self.frame = self.report = None
        self._clear_results()
        self._show_report()

    def _clear_results(self) -> None:
        self.results = None
        self.result_summary.value = ""
        self.result_grid.show(pd.DataFrame())
        self.result_chart.clear()
