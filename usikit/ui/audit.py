"""The audit screen: who imported, exported, submitted and retrieved what.

The records come from `usikit.store.audit` (`audit_records`, `activity`); the screen
filters them, shows them newest first with a chart of the activity by day, and exports what it
shows as CSV through the library's writer. Reading the trail needs the audit role: it holds
no personal data, but it says who did what and when.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import ipywidgets as widgets
import pandas as pd

from usikit.errors import InputError
from usikit.io import write_csv
from usikit.store.audit import ACTIONS, activity, audit_records
from usikit.store.roles import Role
from usikit.ui.downloads import Downloads, export_path
from usikit.ui.grid import PAGE_SIZE, PagedGrid
from usikit.ui.messages import box
from usikit.ui.permissions import needs
from usikit.ui.screen import WIDE, Screen, button, guarded, heading, ready
from usikit.ui.stacked_chart import Row, StackedChart
from usikit.wording import counted

PALETTE = ("#4f81bd", "#198754", "#6f42c1", "#20c997", "#0dcaf0", "#e0a800", "#fd7e14",
           "#d63384", "#dc3545", "#6c757d", "#8c564b", "#17becf", "#bcbd22", "#393b79",
           "#ad494a", "#637939")  # fmt: skip
COLOURS = dict(zip(ACTIONS, PALETTE, strict=False))  # each action keeps its colour every day
WHEN = "When (UTC)"
SHORT_SHA = 12  # enough to tell files apart on screen; the export has the whole digest
DAY = "%d/%m/%Y"


def shown_table(records: pd.DataFrame) -> pd.DataFrame:
    """The records as the grid shows them: newest first, digest shortened, blanks for no count."""
    table = _text(records)
    table[WHEN] = records["When"].map(lambda t: t.strftime(f"{DAY} %H:%M:%S"))
    table["SHA-256"] = records["SHA-256"].map(
        lambda sha: sha[:SHORT_SHA] + "…" if len(sha) > SHORT_SHA else sha
    )
    table.index = pd.RangeIndex(1, len(table) + 1, name="#")  # the record's place in the trail
    when = pd.Series(records["When"].to_numpy(), index=table.index)
    return table.loc[when.iloc[::-1].sort_values(ascending=False, kind="stable").index]


def export_table(records: pd.DataFrame) -> pd.DataFrame:
    """The records as the CSV holds them: oldest first, the whole digest, ISO times."""
    table = _text(records)
    table[WHEN] = records["When"].map(lambda t: t.isoformat(timespec="seconds"))
    return table


def _text(records: pd.DataFrame) -> pd.DataFrame:
    table = records.rename(columns={"When": WHEN}).astype("object")
    return table.where(table.notna(), "").astype(str)


def since_day(text: str) -> dt.date | None:
    """The day typed in the Since box (dd/mm/yyyy, or d/m/yyyy); None when empty."""
    text = text.strip()
    if not text:
        return None
    try:
        return dt.datetime.strptime(text, DAY).date()
    except ValueError:
        raise InputError(f"Since '{text}' is not a day; write it as dd/mm/yyyy") from None


def day_rows(days: pd.DataFrame) -> list[Row]:
    """One chart row per day (oldest first): the records of each action that day."""
    rows: list[Row] = []
    for day, group in days.groupby("day", sort=True):
        counts = dict(zip(group["action"], group["records"].astype(int), strict=True))
        rows.append((day.strftime(DAY), counts))
    return rows


class AuditScreen(Screen):
    """The audit trail, filtered by day and action, charted by day, exported as CSV."""

    title = "Audit trail"
    tab = "Audit trail"
    what = "who imported, exported, submitted, retrieved and corrected what, and when"
    notebook = "05_audit.ipynb"
    grid_needs = (Role.AUDIT, "the audit trail")

    def __init__(self, workspace: str | Path | None = None, *, page_size: int = PAGE_SIZE):
        super().__init__(workspace)
        self.records = pd.DataFrame(columns=["When", "Who", "Action", "File", "SHA-256"])
        # A text box, not the browser's date picker: that one follows the browser's
        # language (mm/dd/yyyy in an American browser); officers write dd/mm/yyyy.
        self.since = widgets.Text(
            placeholder="dd/mm/yyyy",
            description="Since (dd/mm/yyyy):",
            continuous_update=False,
            style=WIDE,
            layout=widgets.Layout(width="260px"),
        )
        self.actions = widgets.SelectMultiple(
            options=ACTIONS,
            rows=5,
            description="Actions:",
            style=WIDE,
            layout=widgets.Layout(width="380px"),
        )
        self.everything = button("Every day and action", icon="times")
        self.reload = button("Refresh", icon="refresh")
        self.summary = widgets.HTML()
        self.chart = StackedChart(COLOURS)
        self.grid = PagedGrid(
            page_size=page_size,
            column_widths={WHEN: 150, "Who": 110, "Action": 170, "File": 230, "SHA-256": 120},
            key="#",
        )
        self.export = button("Export as CSV", icon="download", style="primary")
        self.downloads = Downloads()
        self.since.observe(lambda _: self.refresh(), "value")
        self.actions.observe(lambda _: self.refresh(), "value")
        self.everything.on_click(self._everything)
        self.reload.on_click(lambda _: self.refresh())
        self.export.on_click(self._export)
        self.compose(
            heading("1. Choose what to see (no action chosen: every action)"),
            widgets.HBox(
                [
                    self.since,
                    self.actions,
                    widgets.VBox(
                        [self.everything, self.reload],
                        layout=widgets.Layout(align_items="flex-start"),
                    ),
                ]
            ),
            heading("2. Activity by day"),
            self.summary,
            self.chart.widget,
            heading("3. The records, newest first"),
            self.grid.widget,
            heading("4. Export"),
            widgets.HBox([self.export]),
            self.downloads.widget,
        )
        if self.connect():
            self.refresh()
        self._enable()

    def refresh_view(self) -> None:
        self.refresh()  # the other screens' work is in the trail now

    @needs(Role.AUDIT, controls=("reload", "everything", "since", "actions", "export"))
    @guarded
    def refresh(self) -> None:
        """Read the trail again under the filters: the table, the chart and the summary."""
        if self.workspace is None or not self.may_see_grid:
            return
        since, chosen = since_day(self.since.value), list(self.actions.value)
        self.records = audit_records(self.opened, since=since, actions=chosen)
        self.grid.show(shown_table(self.records), page=0)
        days = activity(self.opened)
        if since is not None:
            days = days[days["day"] >= since]
        if chosen:
            days = days[days["action"].isin(chosen)]
        self.chart.show("Audit records by day and action (UTC)", day_rows(days))
        self.summary.value = self._summary_html(filtered=since is not None or bool(chosen))
        self._enable()

    def _summary_html(self, *, filtered: bool) -> str:
        records = self.records
        if records.empty:
            text = "No audit records for that choice." if filtered else "No audit records yet."
            return box(text, "info")
        people = records["Who"].nunique()
        first, last = records["When"].min(), records["When"].max()
        text = (
            f"{counted(len(records), 'audit record')} by {counted(people, 'person', 'people')}, "
            f"from {first:{DAY}} to {last:{DAY}}"
        )
        if filtered:
            text += " (filtered)"
        return box(text, "success")

    def status_line(self) -> str:
        return self.message.text or counted(len(self.records), "audit record")

    def _enable(self) -> None:
        self.export.disabled = self.workspace is None or self.records.empty
        for control in (self.reload, self.everything, self.since, self.actions):
            control.disabled = self.workspace is None
        self.restrict()

    @guarded
    def _everything(self, _: object = None) -> None:
        self.since.value = ""
        self.actions.value = ()
        self.refresh()

    @guarded
    def _export(self, _: object = None) -> None:
        assert self.settings is not None
        ready(len(self.records), "there is nothing to export: no audit record is shown")
        path = export_path(self.settings.exports, "audit-trail", ".csv")
        write_csv(export_table(self.records), path)
        self.downloads.offer(path)
        self.message.success(f"Wrote {counted(len(self.records), 'audit record')} to {path}")
