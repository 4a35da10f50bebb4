"""The Registration & Certification export screen (notebook 04): filter, select, export.

The records come from `usikit.regcert.export.select_records` (filtered by status and
qualification there), which needs the manage_regcert role, and the file is written by
`export_records`, in the seed's 32 columns: it needs manage_regcert and data_export, and
records the export in the audit trail.
"""

from __future__ import annotations

from pathlib import Path

import ipywidgets as widgets
import pandas as pd

from usikit.regcert.export import export_records, select_records
from usikit.regcert.fields import NOT_REGISTERED, STATUSES
from usikit.store.roles import Role
from usikit.ui.charts import BLUE, GREY, Chart
from usikit.ui.downloads import Downloads, export_path, format_choice
from usikit.ui.grid import PAGE_SIZE, PagedGrid
from usikit.ui.messages import box
from usikit.ui.permissions import needs
from usikit.ui.screen import WIDE, Screen, button, guarded, heading, ready
from usikit.wording import counted

ANY = ""
GRID_COLUMNS = ["ULN", "Full Name", "Date of Birth", "Qualification number", "Qualification Name",
                "Status", "Registration number", "Registered Date"]  # fmt: skip
SEARCHED = ("ULN", "Full Name", "Registration number")


class RegcertExportScreen(Screen):
    """Filter the register, choose records one by one, by page or all, and export them."""

    title = "Registration & Certification: export records"
    grid_needs = (Role.MANAGE_REGCERT, "the Registration & Certification register")

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
        )
        self.export_format = format_choice()
        self.export = button("Export the selected records", icon="download", style="primary")
        self.downloads = Downloads()
        for control in (self.status, self.qualification, self.search):
            control.observe(lambda _: self.filter(), "value")
        self.reload.on_click(lambda _: self.load())
        self.select_page.on_click(lambda _: self.grid.choose_page())
        self.select_all.on_click(lambda _: self.grid.choose_all())
        self.clear.on_click(lambda _: self.grid.clear())
        self.grid.on_choose(lambda _: self._show_banner())
        self.export.on_click(self._export)
        self.compose(
            heading("1. Filter the register"),
            widgets.HBox([self.status, self.qualification]),
            widgets.HBox([self.search, self.reload]),
            self.chart.widget,
            heading("2. Choose the records (click, Ctrl+click, Shift+click)"),
            self.banner,
            widgets.HBox([self.select_page, self.select_all, self.clear]),
            self.grid.widget,
            heading("3. Export"),
            widgets.HBox([self.export_format, self.export]),
            self.downloads.widget,
        )
        if self.connect(register=True) and self.may_see_grid:
            self.load()
        self._show_banner()

    @needs(Role.MANAGE_REGCERT, controls=("reload",))
    @guarded
    def load(self) -> None:
        """Read the register again: the qualifications to filter by, then the records."""
        assert self.workspace is not None
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
        """The records passing the filters, in the grid; the choice keeps those still shown."""
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
        text = f"{counted(chosen, 'record')} selected (of {shown:,} shown)"
        self.banner.value = box(text, "success" if chosen else "info")
        self.select_all.description = f"Select all {shown:,}"
        self.export.disabled = chosen == 0 or self.workspace is None
        self.select_page.disabled = self.select_all.disabled = shown == 0
        self.restrict()

    def status_line(self) -> str:
        return self.message.text or f"{len(self.records):,} records shown"

    @needs(Role.MANAGE_REGCERT, Role.DATA_EXPORT, controls=("export",))
    @guarded
    def _export(self, _: object = None) -> None:
        assert self.settings is not None
        wanted = set(self.grid.chosen)
        ready(wanted, "choose the records to export first (tick them, or Select all)")
        current = self._select()  # the register as it is now, under the same filters
        still = [int(key) for key in current.index if key in wanted]
        path = export_path(self.settings.exports, "regcert-export", self.export_format.value)
        chosen = export_records(self.opened, path, ids=still)  # both roles; audited
        self.downloads.offer(path)
        noun = "record" if len(chosen) == 1 else "records"
        self.message.success(
            f"Wrote {len(chosen):,} {noun} to {path} (dates of birth masked)"
            + ("" if len(chosen) == len(wanted) else "; the others are no longer in the register")
        )
