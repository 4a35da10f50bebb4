"""The create-USI batch screen (notebook 01): load, check, fix or remove, export, submit.

Every step is one call into `usikit.bulk_usi.batches` (and `clients` to load a
spreadsheet); the screen only shows what those calls return.
"""

from __future__ import annotations

import html
from collections.abc import Hashable
from pathlib import Path

import ipywidgets as widgets
import pandas as pd

from usikit.bulk_usi.batches import (
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
from usikit.bulk_usi.clients import clients_frame, import_clients
from usikit.bulk_usi.registry.base import MAX_APPLICATIONS
from usikit.errors import InputError
from usikit.io import read_table
from usikit.settings import user_reference
from usikit.store.roles import Role
from usikit.ui.charts import AMBER, RED, Chart
from usikit.ui.downloads import Downloads, export_path, format_choice
from usikit.ui.files import FilePicker
from usikit.ui.forms import DOCUMENT_FIELDS, PERSON_FIELDS, ClientForm
from usikit.ui.grid import GREEN, GREY, PAGE_SIZE, PagedGrid
from usikit.ui.grid import RED as RED_ROW
from usikit.ui.messages import LINK, box
from usikit.ui.permissions import needs
from usikit.ui.progress import Watched
from usikit.ui.screen import Screen, button, guarded, heading, present, ready
from usikit.wording import counted

GRID_COLUMNS = ["Row", "Name", "Date of Birth", "Document Type", "Status", "Errors", "Warnings"]
STATUS_COLOURS = {"error": RED_ROW, "ok": GREEN, "has USI": GREY, "exempt": GREY}
CLIENTS_LISTED = 200  # clients offered in the list at once; the search box finds the others
SHOWN_DETAILS = 5  # chosen records whose problems are spelt out
SHOWN_REASONS = 10
RESULTS_NOTEBOOK = "02_retrieve_usi_results.ipynb"


class BatchScreen(Screen):
    """Build the open batch from a spreadsheet or the workspace's clients, fix it, submit it."""

    title = "Create USIs: the batch"
    grid_needs = (Role.USI_BATCHES, "the open batch")

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
        )
        self.chosen_count = widgets.HTML()
        self.details = widgets.HTML()
        self.select_red = button("Select the red records", icon="check-square")
        self.edit_person = button("Edit client details", icon="user")
        self.edit_document = button("Edit identity document", icon="id-card")
        self.remove = button("Remove from the batch", icon="trash", style="warning")
        self.export_format = format_choice()
        self.export = button("Export the grid", icon="download")
        self.submit = button("Submit to the registry", icon="paper-plane", style="success")
        self.form = ClientForm()
        self.downloads = Downloads()
        self.next_step = widgets.HTML()
        self._wire()
        self.compose(
            heading("1. Add clients to the batch"),
            widgets.HBox([self.files.widget, self.load]),
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
            widgets.HBox([self.chosen_count, self.select_red]),
            self.details,
            widgets.HBox([self.edit_person, self.edit_document, self.remove]),
            self.form.widget,
            heading("3. Export or submit"),
            widgets.HBox([self.export_format, self.export, self.submit]),
            self.downloads.widget,
            self.next_step,
        )
        if self.connect(create=True, registry=True) and self.may_see_grid:
            self.refresh()
        else:
            self._enable()

    def _wire(self) -> None:
        self.load.on_click(self._load)
        self.search.observe(lambda _: self._list_clients(), "value")
        self.add_chosen.on_click(self._add_chosen)
        self.add_all.on_click(self._add_all)
        self.grid.on_choose(self._chosen)
        self.select_red.on_click(self._select_red)
        self.edit_person.on_click(lambda _: self._open_form(PERSON_FIELDS, "Client details"))
        self.edit_document.on_click(lambda _: self._open_form(DOCUMENT_FIELDS, "Identity document"))
        self.form.save.on_click(self._save)
        self.remove.on_click(self._remove)
        self.export.on_click(self._export)
        self.submit.on_click(self._submit)

    # Showing the batch.

    @guarded
    def refresh(self) -> None:
        """Validate the open batch again and show it."""
        assert self.workspace is not None
        with self.workspace.begin() as connection:
            batch_id = open_batch_id(connection, create=False)
        self.view = None if batch_id is None else batch_view(self.opened, batch_id)
        if self.view is None:
            self.summary.value = box(
                "No open batch yet: load a spreadsheet or add clients above to start one.", "info"
            )
            self.grid.show(pd.DataFrame(columns=GRID_COLUMNS))
            self.chart.clear()
        else:
            report = self.view.report
            colour = "success" if report.ok and report.n_records else "warning"
            if report.n_invalid:
                colour = "error"
            line = f"Batch {self.view.batch_id} ({self.view.status}): {report.summary_line()}"
            if report.n_warnings:
                line += f" ({report.n_warnings} warnings)"
            self.summary.value = box(line, colour)
            self.grid.show(batch_grid(self.view).set_index("Client ID")[GRID_COLUMNS])
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

    def status_line(self) -> str:
        if self.view is None:
            return self.message.text or "no open batch"
        return f"batch {self.view.batch_id}: {self.view.report.summary_line()}"

    def _list_clients(self) -> None:
        if self.workspace is None:
            return
        with self.workspace.begin() as connection:
            everyone = clients_frame(connection)
        wanted = self.search.value.strip().casefold()
        names = (
            everyone["First Name"] + " " + everyone["Family Name"] + " " + everyone["Single Name"]
        )
        if wanted:
            hits = everyone["Client ID"].str.casefold().str.contains(wanted, regex=False)
            hits |= names.str.casefold().str.contains(wanted, regex=False)
            everyone, names = everyone[hits], names[hits]
        labels = [
            f"{cid} · {' '.join(name.split())}" + (f" · USI {held}" if held else "")
            for cid, name, held in zip(everyone["Client ID"], names, everyone["USI"], strict=True)
        ]
        self.clients.options = list(zip(labels, everyone["Client ID"], strict=True))[
            :CLIENTS_LISTED
        ]

    def _chosen(self, keys: list[Hashable]) -> None:
        """Show the chosen records' problems in words, and what can be done with them."""
        count = len(keys)
        self.chosen_count.value = (
            f"<span style='margin-right:10px'>{count} record{'s' if count != 1 else ''} "
            "selected</span>"
            if count
            else "<span style='margin-right:10px;color:#666'>Click a record to see its "
            "problems</span>"
        )
        self.details.value = self._details_html([str(k) for k in keys[:SHOWN_DETAILS]])
        self._enable()

    def _details_html(self, client_ids: list[str]) -> str:
        if self.view is None or not client_ids:
            return ""
        report = self.view.report
        records = report.records
        parts = []
        for client_id in client_ids:
            row = records.index[records["Client ID"] == client_id]
            if not len(row):
                continue
            problems = report.errors[report.errors["row"] == row[0]]
            status = report.status[row[0]]
            name = (
                self.grid.frame.loc[client_id, "Name"] if client_id in self.grid.frame.index else ""
            )
            items = "".join(
                f"<li style='color:{'#842029' if p.severity == 'error' else '#664d03'}'>"
                f"<b>{html.escape(p.severity.capitalize())}:</b> {html.escape(p.message)}</li>"
                for p in problems.itertuples(index=False)
            )
            heading_line = f"<b>{html.escape(client_id)}</b> {html.escape(name)}: " + (
                "no problems" if problems.empty else f"status {html.escape(status)}"
            )
            parts.append(f"<div>{heading_line}<ul style='margin:2px 0 6px'>{items}</ul></div>")
        return "".join(parts)

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
        busy = self.workspace is None
        for control in (self.load, self.add_chosen, self.add_all):
            control.disabled = busy
        self.restrict()

    # Adding clients.

    @needs(Role.BULK_UPLOAD, Role.USI_BATCHES, controls=("files.upload", "load"))
    @guarded
    def _load(self, _: object = None) -> None:
        assert self.workspace is not None
        name = self.files.chosen
        self.progress.start(3, f"Reading {name or 'the file'}…")
        frame = self.files.read(read_table)
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

    def _added(self, added) -> None:
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
        if self.view is not None:
            self.grid.choose(self.view.in_error())

    @needs(Role.USI_BATCHES, controls=("edit_person", "edit_document"))
    def _open_form(self, fields, title: str) -> None:
        if self.view is None or len(self.grid.chosen) != 1:
            self.message.error("select one record in the grid first")
            return
        client_id = str(self.grid.chosen[0])
        records = self.view.report.records
        record = records[records["Client ID"] == client_id].iloc[0].to_dict()
        self.form.open(client_id, record, fields, title)

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
            self.message.success(f"{client_id}: saved; the record is now {status}")
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
            f"{len(removed)} record{'s' if len(removed) != 1 else ''} removed from the open "
            "batch; the clients stay in the workspace and can be added again later"
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
    def _submit(self, _: object = None) -> None:
        assert self.registry is not None and self.settings is not None
        empty = (
            "there is nothing to submit: the open batch is empty (a batch just submitted is "
            "on the results screen)"
        )
        view = present(self.view, empty)
        ready(view.client_ids, empty)
        count = len(view.client_ids)
        requests = -(-count // MAX_APPLICATIONS)
        self.progress.start(requests, f"Sending {count:,} applications in {requests} request(s)…")
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
            f"applications in {sent} request{'s' if sent != 1 else ''}. "
            + " ".join(f"Receipt {receipt}." for _, receipt in done.receipts[:3])
        )
        self.next_step.value = (
            f"<div>Retrieve the USIs of batch {done.batch_id} in "
            f'<a href="{RESULTS_NOTEBOOK}" target="_blank" style="{LINK}">'
            "02 Retrieve USI results</a> once the registry has processed it.</div>"
        )
        self.grid.clear()
        self.refresh()
