"""The Registration & Certification register screen: find records, correct one, export them.

The records come from `usikit.regcert.export.select_records` (filtered by status and
qualification there), which needs the manage_regcert role. A record is corrected through
`usikit.regcert.edit.edit_record` (manage_regcert; checked and audited). The file is written
by `export_records`, in the seed's 32 columns: it needs manage_regcert and data_export, and
records the export in the audit trail. Dates of birth are masked unless the officer ticks
the box for the awarding organisation's file and confirms: that export is recorded as
unmasked.

The filters only change what the grid shows: records chosen and then filtered out of view
stay chosen, the banner counts them, and the export writes every chosen record.
"""

from __future__ import annotations

from pathlib import Path

import ipywidgets as widgets
import pandas as pd

from usikit.regcert.edit import edit_record, record_values
from usikit.regcert.export import export_records, select_records
from usikit.regcert.fields import NOT_REGISTERED, STATUSES
from usikit.store.roles import Role
from usikit.ui.charts import BLUE, GREY, Chart
from usikit.ui.confirm import Confirm
from usikit.ui.detail import DetailPane
from usikit.ui.downloads import Downloads, export_path, format_choice
from usikit.ui.grid import PAGE_SIZE, PagedGrid
from usikit.ui.messages import box
from usikit.ui.permissions import needs
from usikit.ui.record_form import RecordForm
from usikit.ui.regcert_import import REGISTER_STARTS
from usikit.ui.screen import WIDE, Screen, button, guarded, heading, present, ready
from usikit.wording import counted

ANY = ""
GRID_COLUMNS = ["ULN", "Full Name", "Date of Birth", "Qualification number", "Qualification Name",
                "Status", "Registration number", "Registered Date"]  # fmt: skip
SEARCHED = ("ULN", "Full Name", "Registration number")


class RegcertExportScreen(Screen):
    """Filter the register, choose records, correct one by hand, and export them."""

    title = "Registration & Certification: the register and its export"
    tab = "R&C register"
    what = (
        "find register records, correct one by hand, and export them for the awarding organisation"
    )
    notebook = "04_regcert_export.ipynb"
    grid_needs = (Role.MANAGE_REGCERT, "the Registration & Certification register")
    starts_workspace = REGISTER_STARTS

    def __init__(self, workspace: str | Path | None = None, *, page_size: int = PAGE_SIZE):
        super().__init__(workspace)
        self.records = pd.DataFrame(columns=GRID_COLUMNS)  # the filtered records, 32 columns
        self.status = widgets.Dropdown(
            options=[("Any status", ANY), *((s, s) for s in STATUSES)],
            description="Status:",
            style=WIDE,
        )
        self.qualification = widgets.Dropdown(
            options=[("Any qualification", ANY)],
            description="Qualification:",
            layout=widgets.Layout(width="520px"),
            style=WIDE,
        )
        self.search = widgets.Text(
            placeholder="ULN, name or registration number",
            description="Search:",
            continuous_update=False,
            style=WIDE,
            layout=widgets.Layout(width="360px"),
        )
        self.reload = button("Refresh", icon="refresh")
        self.chart = Chart()
        self.banner = widgets.HTML()
        self.select_page = button("Select this page", icon="check-square-o")
        self.select_all = button("Select all", icon="check-square")
        self.clear = button("Clear the selection", icon="square-o")
        self.grid = PagedGrid(
            page_size=page_size,
            column_widths={"Full Name": 160, "Qualification Name": 330, "Status": 160},
            key="Record",
            keep_hidden_choice=True,
        )
        self.detail = DetailPane("Click a record to read all its columns here.", limit=1)
        self.edit = button("Correct the selected record", icon="pencil")
        self.form = RecordForm()
        self.export_format = format_choice()
        self.unmasked = widgets.Checkbox(
            value=False,
            description="with dates of birth shown (the file for the awarding organisation)",
            style=WIDE,
            layout=widgets.Layout(width="auto"),
        )
        self.export = button("Export the selected records", icon="download", style="primary")
        self.confirm = Confirm()
        self.downloads = Downloads()
        self._wire()
        self.compose(
            heading("1. Filter the register"),
            widgets.HBox([self.status, self.qualification]),
            widgets.HBox([self.search, self.reload]),
            self.chart.widget,
            heading("2. Choose the records (click, Ctrl+click, Shift+click)"),
            self.banner,
            widgets.HBox([self.select_page, self.select_all, self.clear]),
            self.grid.widget,
            self.detail.widget,
            widgets.HBox([self.edit]),
            self.form.widget,
            heading("3. Export"),
            widgets.HBox([self.export_format, self.unmasked, self.export]),
            self.confirm.widget,
            self.downloads.widget,
        )
        if self.connect() and self.may_see_grid:
            self.load()
        self._show_banner()

    def _wire(self) -> None:
        for control in (self.status, self.qualification, self.search):
            control.observe(lambda _: self.filter(), "value")
        self.reload.on_click(lambda _: self.load())
        self.select_page.on_click(lambda _: self.grid.choose_page())
        self.select_all.on_click(lambda _: self.grid.choose_all())
        self.clear.on_click(lambda _: self.grid.clear())
        self.grid.on_choose(lambda _: self._show_banner())
        self.edit.on_click(self._open_form)
        self.form.save.on_click(self._save)
        self.export.on_click(self._ask_export)
        self.unmasked.observe(lambda _: self.confirm.close(), "value")

    def refresh_view(self) -> None:
        self.load()  # an import on another screen may have changed the register

    @needs(Role.MANAGE_REGCERT, controls=("reload",))
    @guarded
    def load(self) -> None:
        """Read the register again: the qualifications to filter by, then the records."""
        if not self.may_see_grid:
            return
        everything = select_records(self.opened)
        numbers = everything[["Qualification number", "Qualification Name"]].drop_duplicates()
        chosen = self.qualification.value
        self.qualification.options = [("Any qualification", ANY)] + [
            (f"{number} {name}", number)
            for number, name in sorted(numbers.itertuples(index=False, name=None))
        ]
        self.qualification.value = chosen if chosen in set(numbers["Qualification number"]) else ANY
        self.filter()

    @guarded
    def filter(self) -> None:
        """The records passing the filters, in the grid; the choice is kept whole."""
        if self.workspace is None or not self.may_see_grid:
            return
        self.records = self._select()
        self.grid.show(self.records[GRID_COLUMNS], page=0)
        counts = self.records["Status"].value_counts()
        self.chart.show(
            "Records by status",
            [(s, int(counts[s]), GREY if s == NOT_REGISTERED else BLUE) for s in STATUSES
             if counts.get(s, 0)],
        )  # fmt: skip
        self._show_banner()

    def _select(self) -> pd.DataFrame:
        status, number = self.status.value, self.qualification.value
        frame = select_records(
            self.opened,
            statuses=[status] if status else None,
            qualifications=[number] if number else None,
            with_ids=True,
        )
        wanted = self.search.value.strip().casefold()
        if wanted:
            hit = pd.Series(False, index=frame.index)
            for column in SEARCHED:
                hit |= frame[column].str.casefold().str.contains(wanted, regex=False)
            frame = frame[hit]
        return frame

    def _show_banner(self) -> None:
        chosen, shown = len(self.grid.chosen), len(self.records)
        hidden = len(self.grid.hidden_chosen)
        text = f"{counted(chosen, 'record')} selected (of {shown:,} shown)"
        if hidden:
            text += (
                f"; {counted(hidden, 'selected record')} not shown by the filters "
                f"{'is' if hidden == 1 else 'are'} still selected and will be exported"
            )
        self.banner.value = box(text, "success" if chosen else "info")
        self.select_all.description = f"Select all {shown:,}"
        self.detail.show(self.records, self.grid.chosen, title="Record")
        self.export.disabled = chosen == 0 or self.workspace is None
        self.edit.disabled = chosen != 1 or self.workspace is None
        self.select_page.disabled = self.select_all.disabled = shown == 0
        self.restrict()

    def status_line(self) -> str:
        return self.message.text or f"{len(self.records):,} records shown"

    # Correcting a record.

    @needs(Role.MANAGE_REGCERT, controls=("edit",))
    @guarded
    def _open_form(self, _: object = None) -> None:
        ready(len(self.grid.chosen) == 1, "select one record in the grid first")
        record_id = int(str(self.grid.chosen[0]))
        values = record_values(self.opened, record_id)
        about = f"ULN {values['ULN']}, qualification {values['Qualification Number']}"
        self.form.open(record_id, values, about)

    @guarded
    def _save(self, _: object = None) -> None:
        record_id = present(self.form.record_id, "choose the record to correct first")
        changes = self.form.changes()
        if not changes:
            self.message.info(f"Record {record_id}: nothing was changed")
            self.form.close()
            return
        outcome = edit_record(self.opened, record_id, changes)
        self.form.close()
        text = outcome.summary_line()
        if outcome.warnings:
            self.message.warning(text + "\n" + "\n".join(f"Warning: {w}" for w in outcome.warnings))
        else:
            self.message.success(text)
        self.load()

    # Exporting.

    @needs(Role.MANAGE_REGCERT, Role.DATA_EXPORT, controls=("export",))
    @guarded
    def _ask_export(self, _: object = None) -> None:
        """Export the chosen records; with dates of birth shown, only once confirmed."""
        ready(self.grid.chosen, "choose the records to export first (tick them, or Select all)")
        if not self.unmasked.value:
            self._export()
            return
        count = len(self.grid.chosen)
        self.confirm.ask(
            f"The file will hold the dates of birth of {counted(count, 'learner record')} "
            "unmasked. Send it only to the awarding organisation, over a secure channel, and "
            "delete your copy once it is sent. The export is recorded in the audit trail as "
            "unmasked.",
            "Yes, export with dates of birth",
            lambda: self._export(unmasked=True),
        )

    @guarded
    def _export(self, _: object = None, *, unmasked: bool = False) -> None:
        assert self.settings is not None
        wanted = [int(str(key)) for key in self.grid.chosen]
        ready(wanted, "choose the records to export first (tick them, or Select all)")
        still = set(select_records(self.opened, with_ids=True).index)  # the register now
        ids = [key for key in wanted if key in still]
        ready(ids, "the chosen records are no longer in the register")
        stem = "regcert-for-ao" if unmasked else "regcert-export"
        path = export_path(self.settings.exports, stem, self.export_format.value)
        chosen = export_records(self.opened, path, ids=ids, show_sensitive=unmasked)
        self.downloads.offer(path)
        masked = "dates of birth shown" if unmasked else "dates of birth masked"
        gone = len(wanted) - len(ids)
        self.message.success(
            f"Wrote {counted(len(chosen), 'record')} to {path} ({masked})"
            + (f"; {counted(gone, 'record')} chosen earlier are no longer in the register"
               if gone else "")
        )  # fmt: skip
