"""Which role each button needs, so that a screen offers only what the officer may do.

The library refuses on its own (`usikit.workspace.roles.acting`, and PostgreSQL itself); the
screens read the officer's roles once when they open and disable what would be refused, with
a note naming the missing role, so that nobody is invited to click a button that can only fail.
The mapping is declared here once, for every screen, and says what the library functions
behind each control need (tests/test_roles_matrix.py holds the two to each other).
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping
from typing import Any

import ipywidgets as widgets

from usikit.ui.messages import box
from usikit.workspace.roles import ROLES

BULK, REGISTER, BATCHES, EXPORT = "bulk_upload", "manage_regcert", "usi_batches", "data_export"

# "Screen.attribute" (dotted into the screen's parts): the roles the control needs.
BUTTONS: Mapping[str, tuple[str, ...]] = {
    "BatchScreen.files.upload": (BULK, BATCHES),  # a file is imported, then added to the batch
    "BatchScreen.load": (BULK, BATCHES),
    "BatchScreen.add_chosen": (BATCHES,),
    "BatchScreen.add_all": (BATCHES,),
    "BatchScreen.edit_person": (BATCHES,),
    "BatchScreen.edit_document": (BATCHES,),
    "BatchScreen.remove": (BATCHES,),
    "BatchScreen.submit": (BATCHES,),
    "BatchScreen.export": (EXPORT,),
    "ResultsScreen.reload": (BATCHES,),
    "ResultsScreen.download": (BATCHES,),
    "ResultsScreen.export": (EXPORT,),
    "ResultsScreen.export_clients": (EXPORT,),
    # An import file is checked against the register (read: manage_regcert) and applied to it.
    "RegcertImportScreen.files.upload": (BULK, REGISTER),
    "RegcertImportScreen.validate": (BULK, REGISTER),
    "RegcertImportScreen.upload": (BULK, REGISTER),
    "RegcertImportScreen.export_errors": (EXPORT,),
    "RegcertImportScreen.export_results": (EXPORT,),
    "RegcertExportScreen.reload": (REGISTER,),
    "RegcertExportScreen.export": (REGISTER, EXPORT),  # the records are read, then written
}
# A screen's grid (its `grid` attribute) and what it shows: replaced by a note without the role.
GRIDS: Mapping[str, tuple[str, str]] = {
    "BatchScreen": (BATCHES, "the open batch"),
    "ResultsScreen": (BATCHES, "the batches and their results"),
    "RegcertExportScreen": (REGISTER, "the Registration & Certification register"),
}


def needs(missing: Iterable[str]) -> str:
    names = list(missing)
    noun = "role" if len(names) == 1 else "roles"
    return f"Needs the {' and '.join(names)} {noun}"


def needs_note(missing: Iterable[str]) -> str:
    """What a disabled control says when hovered: the roles it needs, and whom to ask."""
    return needs(missing) + "; ask your administrator"


def _names(screen: type | object | str) -> list[str]:
    """The screen's class names, its own first (a subclass keeps its parent's entries)."""
    if isinstance(screen, str):
        return [screen]
    kind = screen if isinstance(screen, type) else type(screen)
    return [klass.__name__ for klass in kind.__mro__]


def buttons_of(screen: type | object | str) -> dict[str, tuple[str, ...]]:
    """The screen's controls that need roles, by their dotted path."""
    found: dict[str, tuple[str, ...]] = {}
    for name in reversed(_names(screen)):
        prefix = name + "."
        found.update({k[len(prefix) :]: v for k, v in BUTTONS.items() if k.startswith(prefix)})
    return found


def grid_of(screen: type | object | str) -> tuple[str, str] | None:
    """(role, what the grid shows) when the screen's grid needs a role."""
    return next((GRIDS[name] for name in _names(screen) if name in GRIDS), None)


def roles_used(screen: type | object | str) -> set[str]:
    """Every role some part of the screen (a screen, its class or its class's name) needs."""
    used = {role for roles in buttons_of(screen).values() for role in roles}
    grid = grid_of(screen)
    return used | {grid[0]} if grid else used


def part(screen: object, path: str) -> Any:
    """The screen's widget at a dotted path ("files.upload")."""
    found = screen
    for name in path.split("."):
        found = getattr(found, name)
    return found


class Permissions:
    """The roles held, read once when a screen opens, and what they refuse on that screen."""

    def __init__(self, screen: object, held: set[str] | None) -> None:
        """`held` None: the roles are not known (no workspace); nothing is refused."""
        self.held = held
        self.refused: dict[str, list[str]] = {}
        self.grid: tuple[str, str] | None = None
        if held is None:
            return
        for path, roles in buttons_of(screen).items():
            missing = [role for role in roles if role not in held]
            if missing:
                self.refused[path] = missing
        grid = grid_of(screen)
        if grid is not None and grid[0] not in held:
            self.grid = grid

    @property
    def may_see_grid(self) -> bool:
        return self.grid is None

    def restrict(self, screen: object) -> None:
        """Disable what the roles refuse, saying why; call after enabling by the screen's state."""
        for path, missing in self.refused.items():
            control = part(screen, path)
            control.disabled = True
            control.tooltip = needs_note(missing)

    def hide_grid(self, screen: object) -> None:
        """Put a note in the place of the screen's grid when the roles do not allow it."""
        if self.grid is None:
            return
        grid_box = part(screen, "grid.widget")
        role, shown = self.grid
        text = (
            f"You cannot see {shown}: it needs the {role} role ({ROLES[role]}). Ask your "
            "administrator to grant it."
        )
        grid_box.children = (widgets.HTML(box(text, "warning")),)

    def summary_html(self, screen: object) -> str:
        """One note under the header listing what is disabled and which role it needs."""
        if not self.refused and self.grid is None:
            return ""
        by_roles: dict[tuple[str, ...], list[str]] = {}
        if self.grid is not None:
            by_roles[(self.grid[0],)] = [f"seeing {self.grid[1]}"]
        for path, missing in self.refused.items():
            label = getattr(part(screen, path), "description", "") or path
            by_roles.setdefault(tuple(missing), []).append(label)
        lines = [
            f"{html.escape(needs(roles))}: "
            + ", ".join(f"<i>{html.escape(label)}</i>" for label in labels)
            for roles, labels in by_roles.items()
        ]
        held = ", ".join(f"<b>{role}</b>" for role in ROLES if role in (self.held or ()))
        head = (
            f"Your roles in this workspace: {held or 'none'}. "
            "Some of this screen is disabled for you."
        )
        body = "".join(f"<li>{line}</li>" for line in lines)
        tail = "Ask your administrator for a role you need (usikit roles grant YOUR_USER ROLE)."
        return box(f"{head}<ul style='margin:2px 0'>{body}</ul>{tail}", "info", raw=True)
