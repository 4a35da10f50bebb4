"""The Verify USIs screen (notebook 07): verify students' USIs with the registry, from a
spreadsheet or the clients not verified yet, see each record green or red with what did not
match in words, export the results, and find the USI of a student who does not remember it.

Each step is one call into `usikit.bulk_usi.verify` or `usikit.bulk_usi.locate`; a USI found
is written to the client only when the officer clicks to confirm it.
"""

from __future__ import annotations

import html
from pathlib import Path

import ipywidgets as widgets
import pandas as pd

from usikit.bulk_usi.locate import LocateOutcome, locate_client, write_located_usi
from usikit.bulk_usi.verify import (
    NOT_CHECKED,
    NOT_VERIFIED,
    VERIFIED,
    VerifyOutcome,
    export_results,
    request_chunks,
    verify_clients,
    verify_frame,
)
from usikit.io import read_table
from usikit.settings import permission_recorded_elsewhere, user_reference
from usikit.store.roles import Role
from usikit.ui.charts import GREEN, GREY, RED, Chart
from usikit.ui.downloads import Downloads, export_path, format_choice
from usikit.ui.files import FilePicker
from usikit.ui.grid import GREEN as GREEN_ROW
from usikit.ui.grid import GREY as GREY_ROW
from usikit.ui.grid import PAGE_SIZE, PagedGrid
from usikit.ui.grid import RED as RED_ROW
from usikit.ui.messages import box
from usikit.ui.permissions import needs
from usikit.ui.screen import Screen, button, guarded, heading, present

FILE, CLIENTS = "file", "clients"
OUTCOME_ROWS = {VERIFIED: GREEN_ROW, NOT_VERIFIED: RED_ROW, NOT_CHECKED: GREY_ROW}
OUTCOME_BARS = {VERIFIED: GREEN, NOT_VERIFIED: RED, NOT_CHECKED: GREY}
GRID_COLUMNS = ["USI", "Name", "Date of Birth", "Outcome", "Details", "Registry"]


class VerifyScreen(Screen):
    """Verify USIs (a spreadsheet, or the unverified clients); find a student's USI."""

    title = "Verify USIs"
    tab = "Verify USIs"
    what = (
        "verify students' USIs with the registry (a spreadsheet, or the clients not verified "
        "yet), see what did not match, and find the USI of a student who forgot it"
    )
    notebook = "07_verify_usis.ipynb"

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
        self.outcome: VerifyOutcome | None = None
        self.located: LocateOutcome | None = None
        folder = self.settings.folder if self.settings else Path.cwd()
        self.source = widgets.ToggleButtons(
            options=[("A spreadsheet", FILE), ("Clients not verified yet", CLIENTS)],
            value=FILE,
            style={"button_width": "190px"},
        )
        self.files = FilePicker(folder)
        self.verify = button("Verify the USIs", icon="check-circle", style="primary")
        self.summary = widgets.HTML()
        self.chart = Chart()
        self.grid = PagedGrid(
            status="Outcome",
            colours=OUTCOME_ROWS,
            page_size=page_size,
            column_widths={"Name": 170, "Details": 430, "Registry": 260},
            key="Client ID",
        )
        self.export_format = format_choice()
        self.export = button("Export the results", icon="download")
        self.downloads = Downloads()
        self.client_id = widgets.Text(placeholder="Client ID", description="Client:")
        self.find = button("Find the USI", icon="search")
        self.found = widgets.HTML()
        self.write = button("Write this USI to the client", icon="save", style="warning")
        self.source.observe(lambda _: self._enable(), "value")
        self.verify.on_click(self._verify)
        self.export.on_click(self._export)
        self.find.on_click(self._find)
        self.write.on_click(self._write)
        self.compose(
            heading("1. What to verify"),
            self.source,
            self.files.widget,
            widgets.HBox([self.verify, self.progress.widget]),
            heading("2. Results"),
            self.summary,
            self.chart.widget,
            self.grid.widget,
            heading("3. Export"),
            widgets.HBox([self.export_format, self.export]),
            self.downloads.widget,
            heading("4. Find a student's USI"),
            widgets.HTML(
                "<div style='color:#555'>For a student who has a USI but does not remember it: "
                "the registry is asked with the client's names, date of birth and contact "
                "details. A USI found is written to the client only when you click to confirm "
                "it.</div>"
            ),
            widgets.HBox([self.client_id, self.find]),
            self.found,
            widgets.HBox([self.write]),  # its own width, not the screen's
        )
        self.connect(registry=True)
        self._enable()

    def _enable(self) -> None:
        ready = self.workspace is not None and self.registry is not None
        self.files.widget.layout.display = "flex" if self.source.value == FILE else "none"
        self.verify.disabled = not ready
        self.find.disabled = not ready
        self.export.disabled = self.outcome is None or self.workspace is None
        located = self.located
        self.write.disabled = (
            located is None or not located.found or located.already_held or bool(located.held_by)
        )
        self.restrict()

    def status_line(self) -> str:
        if self.outcome is not None and not self.message.text:
            return self.outcome.summary_line()
        return self.message.text or "choose what to verify"

    @needs(Role.USI_BATCHES, controls=("verify",))
    @guarded
    def _verify(self, _: object = None) -> None:
        assert self.registry is not None and self.settings is not None
        org_code = self.settings.org_code
        if self.source.value == FILE:
            frame = self.files.read(read_table)
            self.progress.start(request_chunks(len(frame)), "Asking the registry…")
            outcome = verify_frame(frame, self.registry, org_code=org_code, tick=self._answered)
        else:
            self.progress.start(1, "Asking the registry…")
            outcome = verify_clients(
                self.opened, self.registry, org_code=org_code, all_unverified=True,
                tick=self._answered,
            )  # fmt: skip
        self.progress.finish()
        self.outcome = outcome
        self._show()
        line = f"{outcome.summary_line()}, by the {outcome.registry}."
        if outcome.all_verified:
            self.message.success(line)
        else:
            self.message.warning(line + " The red records are not verified: each says why.")
        self._enable()

    def _answered(self) -> None:
        self.progress.step("A request answered")

    def _show(self) -> None:
        outcome = present(self.outcome, "verify first")
        results = outcome.results
        counts = results["Outcome"].value_counts()
        kind = "success" if outcome.all_verified else "error"
        self.summary.value = box(outcome.summary_line(), kind)
        self.chart.show(
            "Records by outcome",
            [(name, int(counts.get(name, 0)), OUTCOME_BARS[name])
             for name in (VERIFIED, NOT_VERIFIED, NOT_CHECKED) if counts.get(name, 0)],
        )  # fmt: skip
        shown = results.set_index("Client ID")[GRID_COLUMNS] if len(results) else pd.DataFrame()
        self.grid.show(shown, page=0)

    @needs(Role.DATA_EXPORT, controls=("export",))
    @guarded
    def _export(self, _: object = None) -> None:
        assert self.settings is not None
        outcome = present(self.outcome, "verify first")
        path = export_path(self.settings.exports, "usi-verification", self.export_format.value)
        path = export_results(self.opened, outcome, path)
        self.downloads.offer(path)
        self.message.success(f"Wrote the results to {path} (dates of birth masked)")

    @needs(Role.USI_BATCHES, controls=("find",))
    @guarded
    def _find(self, _: object = None) -> None:
        assert self.registry is not None and self.settings is not None
        client_id = self.client_id.value.strip()
        present(client_id or None, "type the client's Client ID first")
        self.located = None
        self._enable()
        self.located = locate_client(
            self.opened,
            self.registry,
            client_id,
            org_code=self.settings.org_code,
            user_reference=user_reference(),
            permission_elsewhere=permission_recorded_elsewhere(),
        )
        self._show_located()
        self._enable()

    def _show_located(self) -> None:
        located = present(self.located, "find a USI first")
        lines = [html.escape(f"{located.client_id}: {located.words}.")]
        if located.found:
            held = " (the client already holds it)" if located.already_held else ""
            if located.held_by:
                held = f" (client {located.held_by} holds it: the same student twice?)"
            lines.append(f"USI <b>{html.escape(located.usi)}</b>{html.escape(held)}")
        if located.contact_message:
            lines.append(html.escape(f"The registry says: {located.contact_message}"))
        lines.append(html.escape(f"Asked of the {located.registry}."))
        kind = "success" if located.found and not located.held_by else "warning"
        self.found.value = box("<br>".join(lines), kind, raw=True)

    @needs(Role.USI_BATCHES, controls=("write",))
    @guarded
    def _write(self, _: object = None) -> None:
        located = present(self.located, "find a USI first")
        self.located = write_located_usi(self.opened, located)
        self.message.success(
            f"Wrote the USI {self.located.usi} to client {self.located.client_id}'s record"
        )
        self._show_located()
        self._enable()
