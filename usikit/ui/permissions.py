"""Which role each control needs, so that a screen offers only what the officer may do.

The library refuses on its own (`usikit.store.access.acting`, and PostgreSQL itself); the
screens read the officer's roles once when they open and disable what would be refused, with
a note naming the missing role, so that nobody is invited to click a button that can only fail.

Each screen says it next to the action: its handler is marked `@needs(role, ..., controls=...)`
with the controls that start it, and a screen whose grid shows something a role guards sets
`grid_needs`. tests/test_roles_matrix.py holds each control to the library functions behind it.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

import ipywidgets as widgets

from usikit.store.roles import Role
from usikit.ui.messages import box

Method = TypeVar("Method", bound=Callable[..., Any])
NEEDS = "_usikit_needs"  # the attribute `needs` puts on a handler


def needs(*roles: Role, controls: tuple[str, ...]) -> Callable[[Method], Method]:
    """Mark a screen's handler: the `controls` that start it (dotted paths on the screen,
    "files.upload") are offered only to an officer holding every one of `roles`."""

    def mark(method: Method) -> Method:
        setattr(method, NEEDS, (tuple(roles), controls))
        return method

    return mark


def needs_text(missing: Iterable[str]) -> str:
    names = list(missing)
    noun = "role" if len(names) == 1 else "roles"
    return f"Needs the {' and '.join(names)} {noun}"


def needs_note(missing: Iterable[str]) -> str:
    """What a disabled control says when hovered: the roles it needs, and whom to ask."""
    return needs_text(missing) + "; ask your administrator"


def _classes(screen: type | object) -> list[type]:
    kind = screen if isinstance(screen, type) else type(screen)
    return list(reversed(kind.__mro__))  # a subclass's marks override its parent's


def buttons_of(screen: type | object) -> dict[str, tuple[Role, ...]]:
    """The screen's controls that need roles, by their dotted path."""
    found: dict[str, tuple[Role, ...]] = {}
    for klass in _classes(screen):
        for attribute in vars(klass).values():
            marked = getattr(attribute, NEEDS, None)
            if marked is not None:
                roles, controls = marked
                found.update(dict.fromkeys(controls, roles))
    return found


def grid_of(screen: type | object) -> tuple[Role, str] | None:
    """(role, what the grid shows) when the screen's grid needs a role."""
    kind = screen if isinstance(screen, type) else type(screen)
    grid: tuple[Role, str] | None = getattr(kind, "grid_needs", None)
    return grid


def roles_used(screen: type | object) -> set[Role]:
    """Every role some part of the screen (a screen or its class) needs."""
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

    def __init__(self, screen: object, held: set[Role] | None) -> None:
        """`held` None: the roles are not known (no workspace); nothing is refused."""
        self.held = held
        self.refused: dict[str, list[Role]] = {}
        self.grid: tuple[Role, str] | None = None
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
            f"You cannot see {shown}: it needs the {role} role ({role.description}). Ask your "
            "administrator to grant it."
        )
        grid_box.children = (widgets.HTML(box(text, "warning")),)

    def summary_html(self, screen: object) -> str:
        """One note under the header listing what is disabled and which role it needs."""
        if not self.refused and self.grid is None:
            return ""
        by_roles: dict[tuple[Role, ...], list[str]] = {}
        if self.grid is not None:
            by_roles[(self.grid[0],)] = [f"seeing {self.grid[1]}"]
        for path, missing in self.refused.items():
            label = getattr(part(screen, path), "description", "") or path
            by_roles.setdefault(tuple(missing), []).append(label)
        lines = [
            f"{html.escape(needs_text(roles))}: "
            + ", ".join(f"<i>{html.escape(label)}</i>" for label in labels)
            for roles, labels in by_roles.items()
        ]
        held = ", ".join(f"<b>{role}</b>" for role in Role if role in (self.held or ()))
        head = (
            f"Your roles in this workspace: {held or 'none'}. "
            "Some of this screen is disabled for you."
        )
        body = "".join(f"<li>{line}</li>" for line in lines)
        tail = "Ask your administrator for a role you need."
        return box(f"{head}<ul style='margin:2px 0'>{body}</ul>{tail}", "info", raw=True)
