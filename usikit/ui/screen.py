"""What every screen shares: its settings, a message line, a header, and how it displays.

A screen is a small class whose widgets are attributes (so tests can set values and click
buttons) and whose `widget` is what the notebook (or a tab of the app) shows. Handlers run
through `guarded`: a problem becomes the red message, never a traceback. The officer's roles
are read once, when the workspace opens, and what they do not allow is disabled
(`usikit.ui.permissions`). The workspace and the registry are opened in one place,
`Screen.connect`; a workspace that does not exist yet is not made by looking at it, only by
the work that fills it (loading a spreadsheet), and the screen says so.
"""

from __future__ import annotations

import functools
import html
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import ipywidgets as widgets

from usikit.bulk_usi.registry.base import Registry
from usikit.bulk_usi.registry.connect import open_registry
from usikit.errors import OutOfTurn, UsikitError
from usikit.outcomes import explain
from usikit.settings import Settings, debugging
from usikit.store.access import held_roles
from usikit.store.engine import Workspace
from usikit.ui.messages import Message, box
from usikit.ui.permissions import Permissions
from usikit.ui.progress import Progress
from usikit.ui.wording import SCREEN_WORDING
from usikit.workspace import open_workspace

Handler = TypeVar("Handler", bound=Callable[..., Any])
T = TypeVar("T")
BUG_HINT = "Start usikit again with USIKIT_DEBUG=1 set to see the details, and report them"
# What makes a workspace that is not there yet, as a screen says it.
STARTS_ELSEWHERE = (
    "loading a client spreadsheet (Create USIs) or a learner file (Learners) starts it"
)


def present(value: T | None, what: str) -> T:
    """`value`, or a plain message that stops the handler when the step it needs was not done."""
    if value is None:
        raise OutOfTurn(what)
    return value


def ready(condition: object, what: str) -> None:
    """Stop a handler with a plain message when the step before it was not done."""
    if not condition:
        raise OutOfTurn(what)


def guarded(method: Handler) -> Handler:
    """Run a screen's handler so that a problem is shown in the screen, not as a traceback:
    in the words `usikit.outcomes` gives it, as the command line does, with its next step
    worded for the screens."""

    @functools.wraps(method)
    def run(self: Screen, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except Exception as exc:
            self.show_problem(exc)
        finally:
            if self.progress.running:  # a handler that stopped early leaves no bar behind
                self.progress.finish()
        return None

    return run  # type: ignore[return-value]


WIDE = {"description_width": "initial"}  # a description shown whole, not cut at 80 pixels


def button(text: str, *, icon: str = "", style: str = "", tooltip: str = "") -> widgets.Button:
    return widgets.Button(
        description=text,
        icon=icon,
        button_style=style,
        tooltip=tooltip or text,
        layout=widgets.Layout(width="auto"),
    )


def heading(text: str, level: int = 4) -> widgets.HTML:
    return widgets.HTML(f"<h{level} style='margin:10px 0 4px'>{html.escape(text)}</h{level}>")


class Screen:
    """The base of every screen: settings resolved, workspace opened, problems shown."""

    title = "usikit"
    tab = "usikit"  # its name in the app's tabs
    what = ""  # what the officer does there, in a line (the start screen lists it)
    notebook = ""  # the notebook that shows it alone in JupyterLab
    starts_workspace = STARTS_ELSEWHERE  # what makes the workspace when it is not there yet

    def __init__(
        self,
        workspace: str | Path | None = None,
        *,
        registry: str | None = None,
        delay: float | None = None,
        org_code: str | None = None,
    ) -> None:
        self.message = Message()
        self.progress = Progress()
        self.header = widgets.HTML()
        self.roles_note = widgets.HTML()
        self.permissions = Permissions(self, None)
        self.widget = widgets.VBox(layout=widgets.Layout(width="100%", max_width="1200px"))
        self.settings: Settings | None = None
        self.workspace: Workspace | None = None
        self.registry: Registry | None = None
        self._wanted_registry = False
        # Set by the app that holds the screen: brings another screen (by its class) to the front.
        self.navigate: Callable[[type[Screen]], None] | None = None
        try:
            self.settings = Settings.resolve(
                workspace, registry=registry, delay=delay, org_code=org_code
            )
        except UsikitError as exc:
            self.show_problem(exc)

    def connect(self, *, create: bool = False, registry: bool = False) -> bool:
        """Open the workspace (and the registry): False, with the reason shown, if it cannot.

        A SQLite workspace that is not there yet is made only with `create` (by the work
        that fills it); otherwise the screen says where it will be and what starts it.
        """
        self._wanted_registry = self._wanted_registry or registry
        if self.settings is None:
            return False
        if self.workspace is not None:
            return True
        file = self.settings.sqlite_file
        if file is not None and not file.exists() and not create:
            self.message.info(
                f"There is no workspace at {file} yet: {self.starts_workspace}. If you meant "
                "another workspace, ask your administrator which one to use."
            )
            self.header.value = self.header_html()
            return False
        try:
            self.workspace = open_workspace(self.settings.workspace, create=create)
            if self._wanted_registry:
                settings = self.settings
                self.registry = open_registry(
                    self.workspace,
                    settings.registry,
                    delay=settings.delay,
                    credential=settings.credential,
                    alias=settings.credential_alias,
                    sts=settings.sts,
                )
        except UsikitError as exc:
            self.show_problem(exc)
            return False
        finally:
            self.header.value = self.header_html()
        self._read_roles()
        return True

    def shown(self) -> None:
        """The screen is in front again (its tab chosen): open a workspace made meanwhile by
        another screen, and read again what other screens may have changed."""
        if self.workspace is None and self.settings is not None:
            file = self.settings.sqlite_file
            if file is not None and file.exists() and self.connect():
                self.message.clear()
        if self.workspace is not None:
            self.refresh_view()

    def refresh_view(self) -> None:
        """Read again what other screens may have changed (each screen says what)."""

    @property
    def can_go_to(self) -> bool:
        """Whether another screen can be brought to the front (the screen is in the app)."""
        return self.navigate is not None

    def go_to(self, screen: type[Screen]) -> None:
        if self.navigate is not None:
            self.navigate(screen)

    def show_problem(self, exc: BaseException) -> None:
        """`exc` in the message line, worded for the screens (a bug re-raised when debugging)."""
        outcome = explain(exc, SCREEN_WORDING, bug_hint=BUG_HINT)
        if outcome.bug and debugging():
            raise exc
        if outcome.kind == "warning":
            self.message.warning(outcome.message)
        else:
            self.message.error(outcome.message)

    def _read_roles(self) -> None:
        """Read the officer's roles once, and disable (or hide) what they do not allow."""
        assert self.workspace is not None
        self.permissions = Permissions(self, held_roles(self.workspace))
        self.roles_note.value = self.permissions.summary_html(self)
        self.permissions.hide_grid(self)
        self.restrict()

    @property
    def opened(self) -> Workspace:
        """The open workspace; a handler used before it opened stops with a plain message."""
        ready(self.workspace is not None, "the workspace is not open: see the message above")
        assert self.workspace is not None
        return self.workspace

    @property
    def may_see_grid(self) -> bool:
        """Whether the roles allow what the screen's grid shows (it is not loaded otherwise)."""
        return self.permissions.may_see_grid

    def restrict(self) -> None:
        """Disable what the roles refuse; screens call it after enabling buttons by state."""
        self.permissions.restrict(self)

    def header_html(self) -> str:
        """Which workspace, and which registry: the simulator must never look like the real one."""
        lines = []
        if self.settings is not None:
            where = html.escape(self.settings.shown_workspace)
            lines.append(f"<div style='color:#555'>Workspace: <code>{where}</code></div>")
        if self.registry is not None:
            kind = "warning" if getattr(self.registry, "is_simulator", False) else "info"
            lines.append(box(f"Registry: {self.registry.label}", kind))
        return "".join(lines)

    def compose(self, *children: widgets.Widget) -> None:
        title = widgets.HTML(f"<h3 style='margin:4px 0'>{html.escape(self.title)}</h3>")
        self.widget.children = (title, self.header, self.roles_note, self.message.widget, *children)

    def status_line(self) -> str:
        """One line saying what the screen shows, for a notebook's plain-text output."""
        return self.message.text

    def close(self) -> None:
        """Let go of the workspace (the screen cannot be used afterwards)."""
        if self.workspace is not None:
            self.workspace.close()
            self.workspace = None

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        bundle = self.widget._repr_mimebundle_(**kwargs)
        data = bundle[0] if isinstance(bundle, tuple) else bundle
        data["text/plain"] = f"{self.title}: {self.status_line()}".strip()
        return bundle
