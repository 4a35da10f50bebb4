"""The create-USI batch screen: load, check, fix or remove, export, submit.

Every step is one call into `usikit.bulk_usi.batches` (and `clients` to load a
spreadsheet); the screen only shows what those calls return.
"""

from __future__ import annotations

from collections.abc import Hashable
from pathlib import Path

import ipywidgets as widgets
import pandas as pd

from usikit.bulk_usi.batches import (
    AddResult,
    BatchState,
    BatchView,
    add_to_batch,
    batch_grid,
    batch_view,
    edit_client,
    export_batch,
    open_batch_id,
    remove_from_batch,
    submit_batch,
)
from usikit.bulk_usi.clients import clients_frame, import_clients, spreadsheet_rows
from usikit.bulk_usi.registry.base import MAX_APPLICATIONS
from usikit.bulk_usi.template import write_client_template
from usikit.bulk_usi.validation import STATUS_WORDS
from usikit.errors import InputError
from usikit.io import read_table
from usikit.settings import user_reference
from usikit.store.roles import Role
from usikit.ui.batch_parts import client_options, details_html, problems_of
from usikit.ui.charts import AMBER, RED, Chart
from usikit.ui.confirm import Confirm
from usikit.ui.downloads import Downloads, export_path, format_choice, written_bytes
from usikit.ui.files import FilePicker
from usikit.ui.forms import DOCUMENT_FIELDS, PERSON_FIELDS, ClientForm
from usikit.ui.grid import GREEN, GREY, PAGE_SIZE, PagedGrid
from usikit.ui.grid import RED as RED_ROW
from usikit.ui.messages import box
from usikit.ui.permissions import needs
from usikit.ui.progress import Watched
from usikit.ui.results import ResultsScreen
from usikit.ui.screen import Screen, button, guarded, heading, present, ready
from usikit.wording import counted

GRID_COLUMNS = ["Row", "Name", "Date of Birth", "Document Type", "Status", "Errors", "Warnings"]
STATUS_COLOURS = {"error": RED_ROW, "ok": GREEN, "has USI": GREY, "exempt": GREY}
SHOWN_DETAILS = 5  # chosen records whose problems are spelt out
SHOWN_REASONS = 10
TEMPLATE_NAME = "usi_clients_template.xlsx"


class BatchScreen(Screen):
    """Build the open batch from a spreadsheet or the workspace's clients, fix it, submit it."""

    title = "Create USIs: the batch"
    tab = "Create USIs"
    what = "load client records, fix or remove the red ones, submit the batch to the registry"
    notebook = "01_create_usi_batch.ipynb"
    grid_needs = (Role.USI_BATCHES, "the open batch")
    starts_workspace = "loading a client spreadsheet below starts it"

    def __init__(
        self,
        workspace: str | Path | None = None,
        *,
        registry: str | None = None,
        delay: float | None = None,
        org_code: str | None = None,
        page_size: int = PAGE_SIZE,
        non_dvs_type: int | None = None,
    ) -> None:
        """`non_dvs_type`: the registry's non-DVS evidence type for records without an identity
        document (the command line's --non-dvs-type)."""
        super().__init__(workspace, registry=registry, delay=delay, org_code=org_code)
        self.non_dvs_type = non_dvs_type
        self.view: BatchView | None = None
        folder = self.settings.folder if self.settings else Path.cwd()
        # Adding clients.
        self.files = FilePicker(folder)
        self.load = button("Load and add to the batch", icon="upload", style="primary")
        self.template = button("Download the client template", icon="file-excel-o")
        self.search = widgets.Text(
            placeholder="Client ID or name", description="Find:", continuous_update=False
        )
        self.clients = widgets.SelectMultiple(rows=6, layout=widgets.Layout(width="380px"))
        self.add_chosen = button("Add the chosen clients", icon="plus")
        self.add_all = button("Add all without a USI", icon="plus-circle")
        # The batch.
        self.summary = widgets.HTML()
        self.chart = Chart()
        self.grid = PagedGrid(
            status="Status",
            colours=STATUS_COLOURS,
            page_size=page_size,
            column_widths={"Name": 170, "Document Type": 150, "Date of Birth": 110},
            key="Client ID",
        )
        self.chosen_count = widgets.HTML()
        self.details = widgets.HTML()
        self.select_red = button("Select the red records", icon="check-square")
        self.show_all = button("Show every record", icon="list")
        self.focus: list[str] | None = None  # the records shown alone (the red ones, chosen)
        self.edit_person = button("Edit client details", icon="user")
        self.edit_document = button("Edit identity document", icon="id-card")
        self.remove = button("Remove from the batch", icon="trash", style="warning")
        self.export_format = format_choice()
        self.export = button("Export the grid", icon="download")
        self.submit = button("Submit to the registry", icon="paper-plane", style="success")
        self.confirm = Confirm()
        self.form = ClientForm()
        self.downloads = Downloads()
        self.next_step = widgets.HTML()
        self.open_results = button(f"Open {ResultsScreen.tab}", icon="arrow-right")
        self.open_results.layout.display = "none"
        self._wire()
        self.compose(
            heading("1. Add clients to the batch"),
            widgets.HBox([self.files.widget, self.load, self.template]),
            widgets.HBox(
                [
                    self.search,
                    self.clients,
                    widgets.VBox(
                        [self.add_chosen, self.add_all], layout=widgets.Layout(min_width="220px")
                    ),
                ]
            ),
            self.progress.widget,
            heading("2. Check and fix the records"),
            widgets.HBox([self.summary]),
            self.chart.widget,
            self.grid.widget,
            widgets.HBox([self.chosen_count, self.select_red, self.show_all]),
            self.details,
            widgets.HBox([self.edit_person, self.edit_document, self.remove]),
            self.form.widget,
            heading("3. Export or submit"),
            widgets.HBox([self.export_format, self.export, self.submit]),
            self.confirm.widget,
            self.downloads.widget,
            widgets.HBox([self.next_step, self.open_results]),
        )
        if self.connect(registry=True) and self.may_see_grid:
            self.refresh()
        else:
            self._show_empty()
            self._enable()

    def _wire(self) -> None:
        self.load.on_click(self._load)
        self.template.on_click(self._template)
        self.search.observe(lambda _: self._list_clients(), "value")
        self.add_chosen.on_click(self._add_chosen)
        self.add_all.on_click(self._add_all)
        self.grid.on_choose(self._chosen)
        self.select_red.on_click(self._select_red)
        self.show_all.on_click(self._show_all)
        self.edit_person.on_click(lambda _: self._open_form(PERSON_FIELDS, "Client details"))
        self.edit_document.on_click(lambda _: self._open_form(DOCUMENT_FIELDS, "Identity document"))
        self.form.save.on_click(self._save)
        self.remove.on_click(self._remove)
        self.export.on_click(self._export)
        self.submit.on_click(self._ask_submit)
        self.open_results.on_click(lambda _: self.go_to(ResultsScreen))

    # Showing the batch.

    def refresh_view(self) -> None:
        if self.may_see_grid:
            self._list_clients()

    @guarded
    def refresh(self) -> None:
        """Validate the open batch again and show it."""
        with self.opened.begin() as connection:
            batch_id = open_batch_id(connection, create=False)
        self.view = None if batch_id is None else batch_view(self.opened, batch_id)
        if self.view is None:
            self._show_empty()
        else:
            report = self.view.report
            colour = "success" if report.ok and report.n_records else "warning"
            if report.n_invalid:
                colour = "error"
            line = f"Batch {self.view.batch_id} ({self.view.status}): {report.summary_line()}"
            if report.n_warnings:
                line += f" ({report.n_warnings} warnings)"
            self.summary.value = box(line, colour)
            self.grid.show(self._focused(self._grid_frame(self.view)))
            self.chart.show(
                "Problems by column and check",
                [
                    (
                        f"{row.column}: {row.what}",
                        row.problems,
                        RED if row.severity == "error" else AMBER,
                    )
                    for row in report.summary().itertuples(index=False)
                ],
            )
        self._list_clients()
        self._chosen(self.grid.chosen)

    def _focused(self, grid: pd.DataFrame) -> pd.DataFrame:
        """The records the grid shows: those chosen with Select the red records while they
        are shown alone (so that they are all in view), else every record."""
        kept = [key for key in self.focus or () if key in grid.index]
        self.focus = kept or None
        self.show_all.layout.display = None if self.focus else "none"  # a button: its own
        if self.focus is None:
            return grid
        self.summary.value += box(
            f"Showing the {counted(len(kept), 'record')} that were red when selected; "
            "Show every record brings back the others.",
            "info",
        )
        return grid.loc[kept]

    def _grid_frame(self, view: BatchView) -> pd.DataFrame:
        """The grid: each record's spreadsheet row (of the file it was loaded from), who,
        its status and the number of its problems; a File column when several files."""
        grid = batch_grid(view).set_index("Client ID")
        with self.opened.begin() as connection:
            where = spreadsheet_rows(connection, grid.index)
        grid["Row"] = where["Row"]
        columns = list(GRID_COLUMNS)
        files = set(where["File"]) - {""}
        if len(files) > 1:
            grid["File"] = where["File"]
            columns.insert(1, "File")
        if not files:
            columns.remove("Row")  # no client of the batch came from a spreadsheet
        return grid[columns]

    def _show_empty(self) -> None:
        self.view, self.focus = None, None
        self.show_all.layout.display = "none"
        self.summary.value = box(
            "No open batch yet: load a spreadsheet or add clients above to start one.", "info"
        )
        self.grid.show(pd.DataFrame(columns=GRID_COLUMNS[1:]))
        self.chart.clear()

    def status_line(self) -> str:
        if self.view is None:
            return self.message.text or "no open batch"
        return f"batch {self.view.batch_id}: {self.view.report.summary_line()}"

    def _list_clients(self) -> None:
        if self.workspace is None:
            return
        with self.workspace.begin() as connection:
            everyone = clients_frame(connection)
        self.clients.options = client_options(everyone, self.search.value)

    def _chosen(self, keys: list[Hashable]) -> None:
        """Show the chosen records' problems in words, and what can be done with them."""
        count = len(keys)
        self.chosen_count.value = (
            f"<span style='margin-right:10px'>{counted(count, 'record')} selected</span>"
            if count
            else "<span style='margin-right:10px;color:#666'>Click a record to see its "
            "problems</span>"
        )
        self.details.value = self._details_html([str(k) for k in keys[:SHOWN_DETAILS]])
        self._enable()

    def _details_html(self, client_ids: list[str]) -> str:
        if self.view is None or not client_ids:
            return ""
        return details_html(self.view.report, self.grid.frame, client_ids)

    def _enable(self) -> None:
        """Offer only what can be done now; Submit only while no record is red."""
        view, chosen = self.view, self.grid.chosen
        is_open = view is not None and view.status == BatchState.OPEN
        red = view.in_error() if view is not None else []
        self.select_red.disabled = not red
        self.edit_person.disabled = self.edit_document.disabled = not (is_open and len(chosen) == 1)
        self.remove.disabled = not (is_open and chosen)
        records = view.client_ids if view is not None else []
        self.export.disabled = not records
        self.submit.disabled = not (is_open and records and not red)
        self.submit.tooltip = (
            f"{len(red)} records are red: fix or remove them first" if red else "Send the batch"
        )
        self.load.disabled = self.settings is None
        for control in (self.add_chosen, self.add_all):
            control.disabled = self.workspace is None
        self.restrict()

    # Adding clients.

    @guarded
    def _template(self, _: object = None) -> None:
        """The empty client template, offered as a download (nothing is saved)."""
        content = written_bytes(TEMPLATE_NAME, write_client_template)
        self.downloads.offer_content(TEMPLATE_NAME, content, "Download the client template")
        self.message.info(
            "The client template: one row per client, text-formatted columns with drop-down "
            "lists, and a Data dictionary sheet saying what each column holds."
        )

    @needs(Role.BULK_UPLOAD, Role.USI_BATCHES, controls=("files.upload", "load"))
    @guarded
    def _load(self, _: object = None) -> None:
        name = self.files.chosen
        self.progress.start(3, f"Reading {name or 'the file'}…")
        frame = self.files.read(read_table)
        if not self.connect(create=True, registry=True):  # the first file starts the workspace
            return
        self.message.clear()
        self.progress.step(f"Checking {len(frame):,} records…")
        imported = import_clients(self.opened, frame, include_invalid=True)
        self.progress.step("Adding them to the batch…")
        ids = imported.created + imported.updated + imported.unchanged
        added = add_to_batch(self.opened, ids, registry=self.registry)
        self.progress.finish()
        lines = [
            f"{name}: {imported.report.summary_line()}.",
            f"{imported.summary_line()}.",
            f"Batch {added.batch_id}: {counted(len(added.added), 'client')} added, "
            f"{len(added.refused)} refused.",
        ]
        lines += [f"Row {row}: {why}" for row, why in sorted(imported.skipped.items())][
            :SHOWN_REASONS
        ]
        lines += [f"{cid}: {why}" for cid, why in added.refused.items()][:SHOWN_REASONS]
        troubled = imported.skipped or added.refused
        self.message.show("\n".join(lines), "warning" if troubled else "success")
        self.files.clear()
        self.refresh()

    @needs(Role.USI_BATCHES, controls=("add_chosen",))
    @guarded
    def _add_chosen(self, _: object = None) -> None:
        if not self.clients.value:
            raise InputError("choose clients in the list first (Ctrl+click to choose several)")
        self._added(add_to_batch(self.opened, list(self.clients.value), registry=self.registry))
        self.clients.value = ()

    @needs(Role.USI_BATCHES, controls=("add_all",))
    @guarded
    def _add_all(self, _: object = None) -> None:
        self._added(add_to_batch(self.opened, all_without_usi=True, registry=self.registry))

    def _added(self, added: AddResult) -> None:
        lines = [
            f"Batch {added.batch_id}: {counted(len(added.added), 'client')} added, "
            f"{len(added.refused)} refused."
        ]
        lines += [f"{cid}: {why}" for cid, why in added.refused.items()][:SHOWN_REASONS]
        self.message.show("\n".join(lines), "warning" if added.refused else "success")
        self.refresh()

    # Fixing and removing.

    @guarded
    def _select_red(self, _: object = None) -> None:
        """Choose every red record and show them alone, so that all of them are in view
        (a canvas grid cannot be scrolled from here)."""
        if self.view is not None:
            self.focus = self.view.in_error()
            self.refresh()
            self.grid.choose(self.focus)

    @guarded
    def _show_all(self, _: object = None) -> None:
        """Every record again; the choice stays."""
        self.focus = None
        self.refresh()

    @needs(Role.USI_BATCHES, controls=("edit_person", "edit_document"))
    @guarded
    def _open_form(self, fields, title: str) -> None:
        view = present(self.view, "the batch is empty: add clients")
        ready(len(self.grid.chosen) == 1, "select one record in the grid first")
        client_id = str(self.grid.chosen[0])
        records = view.report.records
        record = records[records["Client ID"] == client_id].iloc[0].to_dict()
        problems: dict[str, list[tuple[str, str]]] = {}
        for p in problems_of(view.report, client_id).itertuples(index=False):
            problems.setdefault(p.column, []).append((p.severity, p.message))
        self.form.open(client_id, record, fields, title, problems)

    @guarded
    def _save(self, _: object = None) -> None:
        client_id, changes = self.form.client_id, self.form.changes()
        if not changes:
            self.message.info(f"{client_id}: nothing was changed")
            self.form.close()
            return
        report = edit_client(self.opened, client_id, changes)
        status = report.status.iloc[0] if len(report.status) else "ok"
        self.form.close()
        if status == "error":
            blocking = report.errors[report.errors["severity"] == "error"]["message"]
            self.message.warning(
                f"{client_id}: saved; the record still has errors:\n" + "\n".join(blocking)
            )
        else:
            words = STATUS_WORDS.get(status, status)
            self.message.success(f"{client_id}: saved; the record is now {words}")
        self.refresh()
        if client_id in self.grid.frame.index:
            self.grid.choose([client_id])

    @needs(Role.USI_BATCHES, controls=("remove",))
    @guarded
    def _remove(self, _: object = None) -> None:
        chosen = [str(key) for key in self.grid.chosen]
        removed = remove_from_batch(self.opened, chosen)
        if self.form.client_id in removed:  # its record left the batch: so does its form
            self.form.close()
        self.message.success(
            f"{counted(len(removed), 'record')} removed from the open batch; the clients stay "
            "in the workspace and can be added again later"
        )
        self.grid.clear()
        self.refresh()

    # Exporting and submitting.

    @needs(Role.DATA_EXPORT, controls=("export",))
    @guarded
    def _export(self, _: object = None) -> None:
        assert self.settings is not None
        view = present(self.view, "the batch is empty: add clients")
        ready(view.client_ids, "the batch is empty: add clients")
        stem = f"batch-{view.batch_id}-grid"
        path = export_batch(
            self.opened, export_path(self.settings.exports, stem, self.export_format.value)
        )
        self.downloads.offer(path)
        self.message.success(f"Wrote the batch grid to {path}")

    @needs(Role.USI_BATCHES, controls=("submit",))
    @guarded
    def _ask_submit(self, _: object = None) -> None:
        """Say what will be sent, and where, before anything is."""
        assert self.registry is not None
        view = present(self.view, _NOTHING_TO_SUBMIT)
        ready(view.client_ids, _NOTHING_TO_SUBMIT)
        count = len(view.client_ids)
        requests = -(-count // MAX_APPLICATIONS)
        self.confirm.ask(
            f"Send batch {view.batch_id} to the {self.registry.label}: "
            f"{counted(count, 'application')} in {counted(requests, 'request')}? Once sent, "
            "the batch cannot be changed.",
            "Yes, send the batch",
            self._submit,
        )

    @guarded
    def _submit(self, _: object = None) -> None:
        assert self.registry is not None and self.settings is not None
        view = present(self.view, _NOTHING_TO_SUBMIT)
        ready(view.client_ids, _NOTHING_TO_SUBMIT)
        count = len(view.client_ids)
        requests = -(-count // MAX_APPLICATIONS)
        self.progress.start(
            requests, f"Sending {count:,} applications in {counted(requests, 'request')}…"
        )
        done = submit_batch(
            self.opened,
            Watched(self.registry, lambda: self.progress.step("Request sent")),
            org_code=self.settings.org_code,
            user_reference=user_reference(),
            non_dvs_document_type_id=self.non_dvs_type,
        )
        self.progress.finish()
        sent = len(done.receipts)
        self.message.success(
            f"Batch {done.batch_id} submitted to the {done.registry}: {done.applications} "
            f"applications in {counted(sent, 'request')}. "
            + " ".join(f"Receipt {receipt}." for _, receipt in done.receipts[:3])
        )
        self.next_step.value = (
            f"<div style='margin:6px 10px 6px 0'>Retrieve the USIs of batch {done.batch_id} "
            f"on the {ResultsScreen.tab} screen once the registry has processed it.</div>"
        )
        self.open_results.layout.display = None if self.can_go_to else "none"
        self.grid.clear()
        self.refresh()


_NOTHING_TO_SUBMIT = (
    "there is nothing to submit: the open batch is empty (a batch just submitted is on the "
    "results screen)"
)
