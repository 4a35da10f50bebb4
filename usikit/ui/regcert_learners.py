"""The learners screen: load the learner file into the Registration & Certification register.

The learner file (one row per learner and qualification: the learner, their programme, the
qualification and its awarding organisation) decides what the register holds; the import
file can only update records of learners enrolled here. The file is checked first
(`usikit.regcert.learner_rules.validate_learners`: no role needed, nothing is read from the
workspace); loading asks first, then writes its accepted rows in one transaction
(`usikit.regcert.register.import_learners`: bulk_upload and manage_regcert). The first file
loaded starts the workspace when there is none.
"""

from __future__ import annotations

from pathlib import Path

import ipywidgets as widgets

from usikit.io import read_table
from usikit.regcert.learner_rules import validate_learners
from usikit.regcert.register import import_learners
from usikit.report import ValidationReport
from usikit.store.roles import Role
from usikit.ui.confirm import Confirm
from usikit.ui.files import FilePicker
from usikit.ui.grid import PAGE_SIZE
from usikit.ui.messages import box
from usikit.ui.permissions import needs
from usikit.ui.report_view import ReportView
from usikit.ui.screen import WIDE, Screen, button, guarded, heading, present
from usikit.wording import counted


class RegcertLearnersScreen(Screen):
    """Check a learner file, then load its accepted rows into the register."""

    title = "Registration & Certification: load learners into the register"
    tab = "Learners"
    what = "load the learner file into the Registration & Certification register"
    notebook = "06_regcert_learners.ipynb"
    starts_workspace = "loading a learner file below starts it"

    def __init__(self, workspace: str | Path | None = None, *, page_size: int = PAGE_SIZE):
        super().__init__(workspace)
        folder = self.settings.folder if self.settings else Path.cwd()
        self.report: ValidationReport | None = None
        self.name = ""
        self.files = FilePicker(folder)
        self.files.upload.description = "Upload the learner file"
        for chooser in (self.files.upload, self.files.path):  # another file: check it first
            chooser.observe(lambda _: self._forget(), "value")
        self.temporary_uln = widgets.Checkbox(
            value=False, description="accept the temporary ULN 9999999999", style=WIDE
        )
        self.check = button("Check the file", icon="check", style="primary")
        self.report_view = ReportView(page_size)
        self.summary = self.report_view.summary
        self.load = button("Load the accepted rows into the register", icon="upload",
                           style="success")  # fmt: skip
        self.confirm = Confirm()
        self.result = widgets.HTML()
        self.check.on_click(self._check)
        self.load.on_click(self._ask_load)
        self.compose(
            heading("1. Choose the learner file (CSV or workbook)"),
            self.files.widget,
            widgets.HBox([self.temporary_uln, self.check]),
            self.progress.widget,
            heading("2. What the check found"),
            *self.report_view.widgets,
            widgets.HBox([self.load]),
            self.confirm.widget,
            heading("3. What the register now holds"),
            self.result,
        )
        self.connect()
        self._show()

    def refresh_view(self) -> None:
        """Nothing another screen does changes a checked file."""

    @guarded
    def _check(self, _: object = None) -> None:
        """Read and check the file; nothing is written."""
        self.message.clear()
        self._forget()
        name = self.files.chosen
        self.progress.start(2, f"Reading {name or 'the file'}…")
        frame = self.files.read(read_table)
        self.progress.step(f"Checking {counted(len(frame), 'row')}…")
        self.report = validate_learners(frame, allow_temporary_uln=self.temporary_uln.value)
        self.name = name
        self.progress.finish()
        self._show()

    def _show(self) -> None:
        report = self.report
        if report is None:
            self.report_view.show(None, "Choose the learner file and click Check the file.", "info")
        else:
            line = (
                f"{self.name}: {counted(report.n_records, 'row')}: {report.n_valid:,} can be "
                f"loaded, {report.n_invalid:,} with errors "
                f"({counted(report.n_warnings, 'warning')})"
            )
            kind = "error" if report.n_invalid else "warning" if report.n_warnings else "success"
            self.report_view.show(report, line, kind)
        self._enable()

    def _enable(self) -> None:
        self.load.disabled = self.report is None or self.report.n_valid == 0
        self.check.disabled = self.settings is None
        self.restrict()

    def status_line(self) -> str:
        if self.report is not None:
            return f"{self.report.n_valid} of {self.report.n_records} rows can be loaded"
        return self.message.text or "choose the learner file and check it"

    @needs(Role.BULK_UPLOAD, Role.MANAGE_REGCERT, controls=("load",))
    @guarded
    def _ask_load(self, _: object = None) -> None:
        """Say what will be written to the register before anything is."""
        report = present(self.report, "check a learner file first: Load writes what it accepted")
        left = report.n_invalid
        self.confirm.ask(
            f"Load {counted(report.n_valid, 'accepted row')} of {self.name} into the register "
            "in one transaction (new learners, programmes, qualifications and enrolments are "
            "added, changed ones updated, nothing removed)"
            + (f"; the {counted(left, 'row')} with errors {_are(left)} left out" if left else "")
            + "?",
            "Yes, load into the register",
            self._load,
        )

    @guarded
    def _load(self) -> None:
        report = present(self.report, "check a learner file first: Load writes what it accepted")
        if not self.connect(create=True):  # the first file loaded starts the workspace
            return
        self.progress.start(1, "Loading the register in one transaction…")
        done = import_learners(self.opened, report)
        self.progress.finish()
        text = f"Register updated in one transaction: {done.summary_line()}"
        self.message.success(text)
        self.result.value = box(text, "success")
        self.report = None
        self.files.clear()
        self._show()

    def _forget(self) -> None:
        """Drop the checked file: Load only ever writes what is shown."""
        self.confirm.close()
        if self.report is None:
            return
        self.report = None
        self._show()


def _are(count: int) -> str:
    return "is" if count == 1 else "are"
