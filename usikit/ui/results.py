"""The results screen: download the USIs of submitted batches and export them.

`retrieve_batch` writes each new USI into the client's record; the screen shows the batch's
result grid (green for a USI, red with the registry's errors, written out whole for the
record clicked) and offers the exports.
"""

from __future__ import annotations

from pathlib import Path

import ipywidgets as widgets
import pandas as pd

from usikit.bulk_usi.batches import (
    RESULT_COLUMNS,
    batch_results,
    export_results,
    list_batches,
    retrieve_batch,
)
from usikit.bulk_usi.clients import export_clients, spreadsheet_rows
from usikit.bulk_usi.registry.base import FAILURE, MATCH_FOUND, MAX_APPLICATIONS, SUCCESS
from usikit.store.roles import Role
from usikit.ui.charts import GREEN, GREY, RED, Chart
from usikit.ui.detail import DetailPane
from usikit.ui.downloads import Downloads, export_path, format_choice
from usikit.ui.grid import GREEN as GREEN_ROW
from usikit.ui.grid import GREY as GREY_ROW
from usikit.ui.grid import PAGE_SIZE, PagedGrid
from usikit.ui.grid import RED as RED_ROW
from usikit.ui.messages import box
from usikit.ui.permissions import needs
from usikit.ui.progress import Watched
from usikit.ui.screen import Screen, button, guarded, heading, present

NOT_YET = "not retrieved yet"
RESULT_COLOURS = {SUCCESS: GREEN_ROW, MATCH_FOUND: GREEN_ROW, FAILURE: RED_ROW, NOT_YET: GREY_ROW}
OUTCOME_COLOURS = {SUCCESS: GREEN, MATCH_FOUND: GREEN, FAILURE: RED}


class ResultsScreen(Screen):
    """Pick a batch, download its USIs, see each record's result, export."""

    title = "Retrieve USI results"
    tab = "USI results"
    what = "download the USIs of a submitted batch into the clients' records, and export them"
    notebook = "02_retrieve_usi_results.ipynb"
    grid_needs = (Role.USI_BATCHES, "the batches and their results")

    def __init__(
        self,
        workspace: str | Path | None = None,
        *,
        registry: str | None = None,
        delay: float | None = None,
        org_code: str | None = None,
        page_size: int = PAGE_SIZE,
    ) -> None:
        super().__init__(workspace, registry=registry, delay=delay, org_code=org_code)
        self.batches = widgets.Select(rows=5, layout=widgets.Layout(width="640px"))
        self.show_processed = widgets.Checkbox(value=False, description="show processed batches")
        self.reload = button("Refresh", icon="refresh")
        self.download = button("Download USIs", icon="cloud-download", style="primary")
        self.summary = widgets.HTML()
        self.chart = Chart()
        self.grid = PagedGrid(
            status="Result",
            colours=RESULT_COLOURS,
            page_size=page_size,
            column_widths={"Name": 170, "USI": 110, "Registry errors": 420, "Note": 300},
            key="Client ID",
        )
        self.detail = DetailPane(
            "Click a record to read its result and the registry's errors whole."
        )
        self.export_format = format_choice()
        self.export = button("Export the result grid", icon="download")
        self.export_clients = button("Export the client spreadsheet", icon="table")
        self.downloads = Downloads()
        self.table = pd.DataFrame()
        self.batches.observe(lambda _: self.show_batch(), "value")
        self.show_processed.observe(lambda _: self.list(), "value")
        self.reload.on_click(lambda _: self.list())
        self.download.on_click(self._download)
        self.grid.on_choose(lambda keys: self.detail.show(self.grid.frame, keys, title="Client"))
        self.export.on_click(self._export)
        self.export_clients.on_click(self._export_clients)
        self.compose(
            heading("1. Choose a batch"),
            widgets.HBox(
                [
                    self.batches,
                    widgets.VBox(
                        [self.show_processed, self.reload],
                        layout=widgets.Layout(align_items="flex-start"),
                    ),
                ]
            ),
            widgets.HBox([self.download, self.progress.widget]),
            heading("2. Results"),
            self.summary,
            self.chart.widget,
            self.grid.widget,
            self.detail.widget,
            heading("3. Export"),
            widgets.HBox([self.export_format, self.export, self.export_clients]),
            self.downloads.widget,
        )
        if self.connect(registry=True):
            self.list()
        else:
            self.show_batch()
        self._enable()

    @property
    def batch_id(self) -> int | None:
        return self.batches.value

    def refresh_view(self) -> None:
        self.list()  # a batch submitted on another screen is waiting now

    @needs(Role.USI_BATCHES, controls=("reload",))
    @guarded
    def list(self) -> None:
        """The batches waiting for results (every batch with the checkbox ticked)."""
        if self.workspace is None or not self.may_see_grid:
            return
        table = list_batches(self.opened, include_processed=self.show_processed.value)
        table = table[table["status"] != "open"]  # not sent yet: nothing to retrieve
        chosen = self.batches.value
        options = [(_label(row), int(row.batch)) for row in table.itertuples(index=False)]
        self.batches.options = options
        ids = [value for _, value in options]
        self.batches.value = chosen if chosen in ids else (ids[0] if ids else None)
        if not ids:
            waiting = "" if self.show_processed.value else " waiting for results"
            self.summary.value = box(f"No batches{waiting}.", "info")
        self.show_batch()

    @guarded
    def show_batch(self) -> None:
        """The chosen batch's result grid, with a chart of the outcomes."""
        self._enable()
        if self.workspace is None or self.batch_id is None:
            self.table = pd.DataFrame(columns=list(RESULT_COLUMNS))
            self.grid.show(self.table.set_index("Client ID"))
            self.chart.clear()
            return
        self.table = batch_results(self.opened, self.batch_id)
        counts = self.table["Result"].value_counts()
        issued = int(self.table["USI"].ne("").sum())
        failed = int(counts.get(FAILURE, 0))
        waiting = int(counts.get(NOT_YET, 0))
        line = (
            f"Batch {self.batch_id}: {len(self.table)} records: {issued} USIs, {failed} failed"
            + (f", {waiting} not retrieved yet" if waiting else "")
        )
        self.summary.value = box(line, "error" if failed else "success" if not waiting else "info")
        self.grid.show(self._with_rows(self.table.set_index("Client ID")))
        self.detail.show(self.grid.frame, self.grid.chosen, title="Client")
        self.chart.show(
            "Results by outcome",
            [(name, int(n), OUTCOME_COLOURS.get(name, GREY)) for name, n in counts.items()],
        )

    def _with_rows(self, grid: pd.DataFrame) -> pd.DataFrame:
        """The grid with each client's spreadsheet row, when it came from a spreadsheet."""
        with self.opened.begin() as connection:
            where = spreadsheet_rows(connection, grid.index)
        if (where["Row"] == "").all():
            return grid
        return pd.concat([where[["Row"]], grid], axis=1)

    def status_line(self) -> str:
        if self.batch_id is None:
            return self.message.text or "no batches waiting for results"
        return self.message.text or f"batch {self.batch_id} chosen"

    def _enable(self) -> None:
        has = self.batch_id is not None and self.workspace is not None
        self.download.disabled = not has or self.registry is None
        self.export.disabled = not has
        self.export_clients.disabled = self.workspace is None
        self.restrict()

    @needs(Role.USI_BATCHES, controls=("download",))
    @guarded
    def _download(self, _: object = None) -> None:
        assert self.workspace is not None and self.registry is not None
        assert self.settings is not None
        batch_id = present(self.batch_id, "choose a batch in the list first")
        records = len(self.table) or 1
        requests = -(-records // MAX_APPLICATIONS)
        self.progress.start(requests, f"Asking the registry for {requests} request(s)…")
        outcome = retrieve_batch(
            self.opened,
            Watched(self.registry, lambda: self.progress.step("Request answered")),
            batch_id,
            org_code=self.settings.org_code,
        )
        self.progress.finish()
        text = (
            f"Batch {batch_id}, results from the {self.registry.label}: {outcome.new_results} "
            f"new results; {outcome.usis_written} USIs written to the clients' records."
        )
        if outcome.problems:  # answers that could not be used: nothing of them was written
            self.message.warning(
                f"{text} Not written, retry Download USIs later: " + "; ".join(outcome.problems)
            )
        elif outcome.processed:
            self.message.success(text + " Every result is in.")
        else:
            verb = "request is" if outcome.waiting == 1 else "requests are"
            self.message.warning(
                f"{text} {outcome.waiting} {verb} not processed yet; click Download USIs again "
                "in a little while."
            )
        self.list()
        if outcome.processed and self.batches.value != batch_id:
            self.show_processed.value = True  # keep the batch just finished in view
            self.batches.value = batch_id

    @needs(Role.DATA_EXPORT, controls=("export",))
    @guarded
    def _export(self, _: object = None) -> None:
        assert self.settings is not None
        batch_id = present(self.batch_id, "choose a batch in the list first")
        stem = f"batch-{batch_id}-results"
        path = export_path(self.settings.exports, stem, self.export_format.value)
        path = export_results(self.opened, batch_id, path)
        self.downloads.offer(path)
        self.message.success(f"Wrote the results of batch {batch_id} to {path}")

    @needs(Role.DATA_EXPORT, controls=("export_clients",))
    @guarded
    def _export_clients(self, _: object = None) -> None:
        assert self.settings is not None
        path = export_path(self.settings.exports, "clients", self.export_format.value)
        path = export_clients(self.opened, path)
        self.downloads.offer(path)
        self.message.success(
            f"Wrote the clients with their USIs to {path} (dates of birth and document numbers "
            "masked)"
        )


def _label(row) -> str:
    """One line per batch: its number, state, size and when it was sent."""
    sent = pd.to_datetime(row.submitted_at) if row.submitted_at is not None else None
    when = f", sent {sent:%d/%m/%Y %H:%M}" if sent is not None and not pd.isna(sent) else ""
    done = f": {row.created} created, {row.matched} matched, {row.failed} failed"
    return f"Batch {row.batch} ({row.status}{when}) · {row.records} records{done}"
