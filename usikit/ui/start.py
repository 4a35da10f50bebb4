"""The start screen: which workspace the screens use, what it holds, and the way to each screen.

In the app, each screen is a tab and the start screen's buttons bring it to the front; shown
alone (a notebook in JupyterLab), it names each screen's notebook instead.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from pathlib import Path

import ipywidgets as widgets
from sqlalchemy.exc import DBAPIError

from usikit.store.access import REFUSED
from usikit.store.roles import Role
from usikit.ui import catalogue
from usikit.ui.messages import box
from usikit.ui.permissions import roles_used
from usikit.ui.screen import Screen, button, heading
from usikit.workspace import workspace_counts


class StartScreen(Screen):
    """The workspace and its counts, the registry in use, and the way to the other screens."""

    title = "usikit: start here"
    tab = "Start"
    what = "what usikit does, the workspace the screens use, and what it holds"

    def __init__(
        self,
        workspace: str | Path | None = None,
        *,
        navigate: Callable[[type[Screen]], None] | None = None,
    ) -> None:
        """`navigate` brings a screen to the front (given by the app that holds them all)."""
        super().__init__(workspace)
        self.navigate = navigate
        self.counts: dict[str, int] = {}
        self.table = widgets.HTML()
        self.roles = widgets.HTML()
        self.reload = button("Count again", icon="refresh")
        self.reload.on_click(lambda _: self.refresh())
        self.kinds = catalogue.SCREENS
        self.opens = {kind: button(f"Open {kind.tab}", icon="arrow-right") for kind in self.kinds}
        for kind, control in self.opens.items():
            control.on_click(lambda _, kind=kind: self.go_to(kind))
            control.layout.min_width = "200px"
        self.notes = {kind: widgets.HTML() for kind in self.kinds}
        self.links = widgets.VBox(
            [
                widgets.HBox(
                    [self.opens[kind], self.notes[kind]],
                    layout=widgets.Layout(align_items="center"),
                )
                for kind in self.kinds
            ]
        )
        self.compose(
            widgets.HTML(_INTRODUCTION),
            heading("The workspace"),
            self.table,
            widgets.HBox([self.reload]),
            self.roles,
            heading("The screens"),
            self.links,
        )
        if self.connect(registry=True):
            self.roles.value = _roles_html(self.permissions.held)
            self.refresh()
        self._show_links()

    def refresh_view(self) -> None:
        self.roles.value = _roles_html(self.permissions.held)
        self.refresh()
        self._show_links()

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

    def _show_links(self) -> None:
        """Each screen: a button to it in the app (its notebook's name when alone), what the
        officer does there, and the roles it needs that the officer does not hold."""
        held = self.permissions.held
        for kind in self.kinds:
            lacking = sorted(roles_used(kind) - held) if held is not None else []
            note = (
                f" <span style='color:#664d03'>(needs {html.escape(', '.join(lacking))}, which "
                "you do not hold: parts of it are disabled)</span>"
                if lacking
                else ""
            )
            where = "" if self.can_go_to else f"<b>{html.escape(kind.notebook)}</b>: "
            self.opens[kind].layout.display = None if self.can_go_to else "none"
            self.notes[
                kind
            ].value = f"<div style='margin:4px 10px'>{where}{html.escape(kind.what)}{note}</div>"

    def status_line(self) -> str:
        if not self.counts:
            return self.message.text
        return ", ".join(f"{number} {name}" for name, number in self.counts.items())


_INTRODUCTION = (
    "<div style='max-width:900px;line-height:1.5;margin:6px 0'>usikit turns two spreadsheet "
    "jobs of a student-records team "
    "into a checked, repeatable workflow, all by clicking: creating USIs in bulk through the "
    "USI Registry (Australia), and the Registration &amp; Certification register with its "
    "import and export files (England). Every problem is said in plain English, with the "
    "spreadsheet row it is on; nothing is sent or written without asking first.</div>"
)


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
