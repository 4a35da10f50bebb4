"""Who may do what, checked before each action: refused with the missing role named.

On PostgreSQL officers connect as their own database users, and the database itself refuses
what their roles do not allow: each action first reads its role's gate view, which the
database refuses to users without the role; a refusal midway (a role revoked meanwhile) is
named the same way. On SQLite (one person, one file) the file's owner-only permissions are the
protection: roles granted there are recorded, and usikit checks them before acting, but anyone
who can open the file could change them.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence

from sqlalchemy import Connection, select, text
from sqlalchemy.exc import DBAPIError

from usikit.errors import Do, PermissionRefused, Refused, step
from usikit.store.actor import who
from usikit.store.engine import Workspace
from usikit.store.roles import ROLE_NAMES, Role, as_roles
from usikit.store.tables import workspace_roles

REFUSED = "42501"  # PostgreSQL's insufficient_privilege
Roles = Role | Sequence[Role]


def refused(roles: Sequence[Role], action: str) -> PermissionRefused:
    """The refusal of `action` for lack of `roles`, each named with what it allows."""
    if len(roles) == 1:
        needed = f"the {roles[0]} role to {action} ({roles[0].description})"
    else:
        what = "; ".join(f"{r}: {r.description}" for r in roles)
        needed = f"the {' and '.join(roles)} roles to {action} ({what})"
    return PermissionRefused(tuple(str(r) for r in roles), action, needed)


@contextlib.contextmanager
def acting(workspace: Workspace, role: Roles, action: str) -> Iterator[None]:
    """Do `action`, which needs `role` (or every one of several roles): refused with a clear
    message naming the missing role when the user lacks it, before any work and, should the
    database refuse something midway, then too."""
    needed = as_roles(role)
    require(workspace, needed, action)
    with _refusal(workspace, needed, action):
        yield


def require(workspace: Workspace, role: Roles, action: str) -> None:
    """Refuse now, before any work, when the user lacks `role` (or one of several roles)."""
    missing = missing_roles(workspace, as_roles(role))
    if missing:
        raise refused(missing, action)


def missing_roles(workspace: Workspace, needed: Sequence[Role]) -> list[Role]:
    """Which of `needed` the user lacks, in the order given.

    On PostgreSQL each role's gate view is read: the database refuses it to users without
    the role (tables alone cannot tell "import" from "correct the register"; the gate can).
    """
    if workspace.is_sqlite:
        held = held_roles(workspace)
        return [role for role in needed if role not in held]
    missing = []
    with workspace.begin() as connection:
        for role in needed:
            try:
                with connection.begin_nested():
                    open_gate(connection, role)
            except DBAPIError as exc:
                if getattr(exc.orig, "sqlstate", None) != REFUSED:
                    raise
                missing.append(role)
    return missing


@contextlib.contextmanager
def _refusal(workspace: Workspace, needed: Sequence[Role], action: str) -> Iterator[None]:
    """The database refused midway (a role revoked meanwhile): name the role now missing."""
    try:
        yield
    except DBAPIError as exc:
        if getattr(exc.orig, "sqlstate", None) == REFUSED:
            missing = missing_roles(workspace, needed)
            if missing:
                raise refused(missing, action) from None
            raise Refused(  # the roles are held: the tables' grants are older than usikit
                f"the database refused to {action} although you hold the "
                f"{' and '.join(needed)} role(s)",
                next_step=step(Do.ASK_FOR_ROLES_SETUP),
            ) from None
        raise


def open_gate(connection: Connection, role: Role) -> None:
    """Read the role's gate view: the database refuses it to users without the role."""
    connection.execute(text(f"SELECT allowed FROM {role.gate}")).all()


def export_allowed(connection: Connection) -> None:
    """Read the export gate inside the export's own transaction."""
    open_gate(connection, Role.DATA_EXPORT)


def held_roles(workspace: Workspace, user: str | None = None) -> set[Role]:
    """The roles a user holds (the current one by default): what they can actually do.

    On PostgreSQL, whether the user may read each role's gate view, the very test `require`
    makes: a member of the role, of usikit_admin, or the workspace's owner holds it. On
    SQLite, a workspace where no role was ever granted belongs to its one officer, who may
    do everything.
    """
    with workspace.begin() as connection:
        if connection.dialect.name == "postgresql":
            if user is not None and not role_exists(connection, user):
                return set()
            held = set()
            for role in Role:
                if user is None:
                    query = text("SELECT has_table_privilege(:gate, 'SELECT')")
                else:
                    query = text("SELECT has_table_privilege(:user, :gate, 'SELECT')")
                if connection.execute(query, {"user": user, "gate": role.gate}).scalar_one():
                    held.add(role)
            return held
        user = user or who(connection)
        rows = connection.execute(select(workspace_roles.c.user_name, workspace_roles.c.role)).all()
    if not rows:
        return set(Role)
    return {Role(role) for name, role in rows if name == user and role in ROLE_NAMES}


def role_exists(connection: Connection, name: str) -> bool:
    """Whether the PostgreSQL server has a role (or user) of this name."""
    found = connection.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :name"), {"name": name})
    return found.first() is not None
