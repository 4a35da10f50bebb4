"""The start screen (notebook 00): which workspace the screens use, and what it holds."""

from __future__ import annotations

import html
from pathlib import Path

import ipywidgets as widgets
from sqlalchemy.exc import DBAPIError

from usikit.errors import Do, InputError, step
from usikit.outcomes import message
from usikit.store.access import REFUSED
from usikit.store.roles import Role
from usikit.ui.audit import AuditScreen
from usikit.ui.batch import BatchScreen
from usikit.ui.messages import LINK, box
from usikit.ui.permissions import roles_used
from usikit.ui.regcert_export import RegcertExportScreen
from usikit.ui.regcert_import import RegcertImportScreen
from usikit.ui.results import ResultsScreen
from usikit.ui.screen import Screen, button
from usikit.ui.wording import SCREEN_WORDING
from usikit.workspace import workspace_counts

# (notebook, title, what the officer does there, the screen's class)
SCREENS = (
    ("01_create_usi_batch.ipynb", "Create USIs", "load client records, fix the red ones, submit",
     BatchScreen),
    ("02_retrieve_usi_results.ipynb", "Retrieve USI results", "download the USIs of a batch",
     ResultsScreen),
    ("03_regcert_import.ipynb", "Registration & Certification import",
     "validate a file from an awarding organisation and import it", RegcertImportScreen),
    ("04_regcert_export.ipynb", "Registration & Certification export",
     "choose register records and export them for awarding organisations",
     RegcertExportScreen),
    ("05_audit.ipynb", "Audit trail",
     "who imported, exported, submitted and retrieved what, and when", AuditScreen),
)  # fmt: skip


class StartScreen(Screen):
    """The workspace and its counts, the registry in use, and the way to the other screens."""

    title = "usikit: start here"

    def __init__(self, workspace: str | Path | None = None) -> None:
        super().__init__(workspace)
        self.counts: dict[str, int] = {}
        self.table = widgets.HTML()
        self.roles = widgets.HTML()
        self.links = widgets.HTML(_links_html(None))
        self.reload = button("Count again", icon="refresh")
        self.reload.on_click(lambda _: self.refresh())
        self.compose(self.table, widgets.HBox([self.reload]), self.roles, self.links)
        exists = self.settings is not None and (
            self.settings.sqlite_file is None or self.settings.sqlite_file.exists()
        )
        if not exists and self.settings is not None:
            missing = InputError(
                f"There is no workspace at {self.settings.shown_workspace} yet",
                next_step=step(Do.PREPARE_WORKSPACE),
            )
            self.message.warning(message(missing, SCREEN_WORDING))
        elif self.connect(registry=True):
            held = self.permissions.held
            self.roles.value = _roles_html(held)
            self.links.value = _links_html(held)
            self.refresh()

    def refresh(self) -> None:
        if self.workspace is None:
            return
        try:
            self.counts = workspace_counts(self.workspace)
        except DBAPIError as exc:  # a database server refuses tables the roles do not cover
            if getattr(exc.orig, "sqlstate", None) != REFUSED:
                raise
            self.message.info(
                "Your roles do not allow reading everything this workspace holds, so it is not "
                "counted here; the screens below show what your roles allow."
            )
            return
        rows = "".join(
            f"<tr><td style='padding:2px 12px 2px 0'>{html.escape(name[0].upper() + name[1:])}</td>"
            f"<td style='text-align:right'><b>{number:,}</b></td></tr>"
            for name, number in self.counts.items()
        )
        self.table.value = f"<table>{rows}</table>"

    def status_line(self) -> str:
        if not self.counts:
            return self.message.text
        return ", ".join(f"{number} {name}" for name, number in self.counts.items())


def _roles_html(held: set[Role] | None) -> str:
    """The roles the officer holds, and what the missing ones would allow."""
    if held is None:
        return ""
    have = ", ".join(f"<b>{html.escape(role)}</b>" for role in Role if role in held) or "none"
    missing = "".join(
        f"<li><b>{html.escape(role)}</b>: {html.escape(role.description)}</li>"
        for role in Role
        if role not in held
    )
    if not missing:
        return f"<div style='margin:6px 0'>Your roles in this workspace: {have}.</div>"
    text = (
        f"Your roles in this workspace: {have}. Without these, parts of the screens are "
        f"disabled:<ul style='margin:2px 0'>{missing}</ul>Ask your administrator for a role "
        "you need."
    )
    return box(text, "info", raw=True)


def _links_html(held: set[Role] | None) -> str:
    items = []
    for name, title, what, screen in SCREENS:
        lacking = sorted(roles_used(screen) - held) if held is not None else []
        note = (
            f" <span style='color:#664d03'>(needs {html.escape(', '.join(lacking))}, which "
            "you do not hold: parts of it are disabled)</span>"
            if lacking
            else ""
        )
        items.append(
            f'<li><a href="{name}" target="_blank" style="{LINK}">{html.escape(title)}</a>'
            f": {html.escape(what)}{note}</li>"
        )
    return f"<h4 style='margin:10px 0 4px'>The screens</h4><ol>{''.join(items)}</ol>"
