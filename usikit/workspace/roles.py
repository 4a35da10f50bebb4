"""Who may do what: four roles, enforced by PostgreSQL, recorded (advisory) on SQLite.

On PostgreSQL each role is a database role (`usikit_bulk_upload`, ...) holding exactly the
grants its work needs; officers connect as their own database users and the database itself
refuses what their roles do not allow. usikit turns such a refusal into a message naming the
missing role. On SQLite (one person, one file) the file's owner-only permissions are the
protection: roles granted there are recorded, and usikit checks them before acting, but anyone
who can open the file could change them.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
from sqlalchemy import Connection, delete, select, text
from sqlalchemy.exc import DBAPIError

from usikit.errors import InputError
from usikit.workspace.audit import who
from usikit.workspace.engine import Workspace
from usikit.workspace.migrations import ROLE_NAMES, gate
from usikit.workspace.tables import workspace_roles

ROLES = {
    "bulk_upload": "import client files, learner files and Registration & Certification files",
    "manage_regcert": "view and change the Registration & Certification register",
    "usi_batches": "build, submit and retrieve USI batches",
    "data_export": "export client, batch, register and error files",
}
ADMIN = "admin"
PREFIX = "usikit_"
REGISTER = ("learners", "programmes", "qualifications", "enrolments", "registrations")
BATCH = ("batches", "batch_records", "submissions", "submission_records", "results")
SIMULATOR = ("simulator_requests", "simulator_people")
# What each role's database role may do, table by table (besides reading its own gate).
GRANTS: dict[str, dict[str, str]] = {
    "bulk_upload": {
        "clients": "SELECT, INSERT, UPDATE",
        **dict.fromkeys(REGISTER, "SELECT, INSERT, UPDATE"),
    },
    "manage_regcert": dict.fromkeys(REGISTER, "SELECT, INSERT, UPDATE, DELETE"),
    "usi_batches": {
        "clients": "SELECT, UPDATE",
        **dict.fromkeys(BATCH, "SELECT, INSERT, UPDATE, DELETE"),
        **dict.fromkeys(SIMULATOR, "SELECT, INSERT"),
    },
    "data_export": dict.fromkeys(("clients", *BATCH, *REGISTER), "SELECT"),
}
assert set(GRANTS) == set(ROLES) == set(ROLE_NAMES)
EVERYONE = {"schema_info": "SELECT", "workspace_roles": "SELECT", "audit": "SELECT, INSERT"}
REFUSED = "42501"  # insufficient_privilege


class PermissionRefused(InputError):
    """An action the user's roles do not allow."""

    def __init__(self, role: str, action: str) -> None:
        self.role, self.action = role, action
        super().__init__(
            f"you need the {role} role to {action} ({ROLES[role]}); ask your administrator "
            f"to grant it (usikit roles grant YOUR_USER {role})"
        )


def database_role(role: str) -> str:
    return PREFIX + role


@contextlib.contextmanager
def acting(workspace: Workspace, role: str, action: str) -> Iterator[None]:
    """Do `action`, which needs `role`: refused with a clear message when the user lacks it."""
    require(workspace, role, action)
    with _refusal(role, action):
        yield


def require(workspace: Workspace, role: str, action: str) -> None:
    """Refuse now, before any work, when the user lacks `role`."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}")
    if workspace.is_sqlite:
        if role not in held_roles(workspace):
            raise PermissionRefused(role, action)
        return
    # Tables alone cannot tell "import" from "correct the register"; the gate can.
    with _refusal(role, action), workspace.begin() as connection:
        open_gate(connection, role)


@contextlib.contextmanager
def _refusal(role: str, action: str) -> Iterator[None]:
    try:
        yield
    except DBAPIError as exc:
        if getattr(exc.orig, "sqlstate", None) == REFUSED:
            raise PermissionRefused(role, action) from None
        raise


def open_gate(connection: Connection, role: str) -> None:
    """Read the role's gate view: the database refuses it to users without the role."""
    connection.execute(text(f"SELECT allowed FROM {gate(role)}")).all()


def export_allowed(connection: Connection) -> None:
    """Read the export gate inside the export's own transaction."""
    open_gate(connection, "data_export")


def held_roles(workspace: Workspace, user: str | None = None) -> set[str]:
    """The roles a user holds (the current one by default).

    On SQLite, a workspace where no role was ever granted belongs to its one officer, who
    may do everything.
    """
    with workspace.begin() as connection:
        user = user or who(connection)
        if connection.dialect.name == "postgresql":
            held = set()
            for role in ROLES:
                exists = connection.execute(
                    text("SELECT 1 FROM pg_roles WHERE rolname = :name"),
                    {"name": database_role(role)},
                ).first()
                if (
                    exists
                    and connection.execute(
                        text("SELECT pg_has_role(:user, :role, 'MEMBER')"),
                        {"user": user, "role": database_role(role)},
                    ).scalar_one()
                ):
                    held.add(role)
            return held
        rows = connection.execute(select(workspace_roles.c.user_name, workspace_roles.c.role)).all()
    if not rows:
        return set(ROLES)
    return {role for name, role in rows if name == user}


def grant(workspace: Workspace, user: str, role: str) -> None:
    """Give `user` a role (an administrator's work)."""
    _check(role)
    with workspace.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql(f'GRANT {database_role(role)} TO "{_name(user)}"')
        else:
            known = connection.execute(
                select(workspace_roles).where(
                    workspace_roles.c.user_name == user, workspace_roles.c.role == role
                )
            ).first()
            if known is None:
                connection.execute(
                    workspace_roles.insert().values(
                        user_name=user,
                        role=role,
                        granted_by=who(connection),
                        granted_at=dt.datetime.now(dt.UTC),
                    )
                )


def revoke(workspace: Workspace, user: str, role: str) -> None:
    _check(role)
    with workspace.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql(f'REVOKE {database_role(role)} FROM "{_name(user)}"')
        else:
            connection.execute(
                delete(workspace_roles).where(
                    workspace_roles.c.user_name == user, workspace_roles.c.role == role
                )
            )


def list_roles(workspace: Workspace) -> pd.DataFrame:
    """Who holds which role."""
    with workspace.begin() as connection:
        if connection.dialect.name == "postgresql":
            rows = connection.execute(
                text(
                    "SELECT m.rolname AS user_name, r.rolname AS role FROM pg_auth_members a "
                    "JOIN pg_roles r ON r.oid = a.roleid JOIN pg_roles m ON m.oid = a.member "
                    "WHERE r.rolname LIKE 'usikit\\_%' AND m.rolname NOT LIKE 'usikit\\_%' "
                    "ORDER BY 1, 2"
                )
            ).all()
            pairs = [(user, role.removeprefix(PREFIX)) for user, role in rows]
        else:
            pairs = [
                (row.user_name, row.role)
                for row in connection.execute(
                    select(workspace_roles).order_by(workspace_roles.c.user_name)
                )
            ]
    return pd.DataFrame(pairs, columns=["user", "role"])


def setup(workspace: Workspace) -> list[str]:
    """Create the database roles and their grants (PostgreSQL; run as the workspace owner).

    Safe to run again, and to be run after an upgrade of usikit adds tables.
    """
    if workspace.is_sqlite:
        return []
    done = []
    with workspace.begin() as connection:
        for role in (*ROLES, ADMIN):
            name = database_role(role)
            exists = connection.execute(
                text("SELECT 1 FROM pg_roles WHERE rolname = :name"), {"name": name}
            ).first()
            if exists is None:
                connection.exec_driver_sql(f"CREATE ROLE {name} NOLOGIN")
                done.append(f"created role {name}")
        tables = set(
            connection.execute(
                text("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
            ).scalars()
        ) | {gate(role) for role in ROLES}
        for role, grants in GRANTS.items():
            for table, privileges in {**EVERYONE, gate(role): "SELECT", **grants}.items():
                if table in tables:
                    _grant(connection, privileges, table, database_role(role))
        admin = database_role(ADMIN)
        for table in tables:
            _grant(connection, "ALL PRIVILEGES", table, admin)
        for role in ROLES:
            connection.exec_driver_sql(f"GRANT {database_role(role)} TO {admin}")
        done.append("granted every role its tables; audit records: only usikit_admin may change")
    return done


def _grant(connection: Connection, privileges: str, table: str, role: str) -> None:
    connection.exec_driver_sql(f'GRANT {privileges} ON "{table}" TO {role}')
    if "INSERT" in privileges or privileges == "ALL PRIVILEGES":
        sequence = connection.execute(
            text(
                "SELECT pg_get_serial_sequence(:table, 'id') FROM information_schema.columns "
                "WHERE table_schema = current_schema() AND table_name = :table "
                "AND column_name = 'id'"
            ),
            {"table": table},
        ).scalar()
        if sequence:
            connection.exec_driver_sql(f"GRANT USAGE, SELECT ON SEQUENCE {sequence} TO {role}")


def _check(role: str) -> None:
    if role not in ROLES:
        listing = ", ".join(ROLES)
        raise InputError(f"there is no role {role!r}; the roles are {listing}")


def _name(user: str) -> str:
    if not user or '"' in user or len(user) > 63:
        raise InputError(f"{user!r} is not a database user name")
    return user


def owner_only(path: Path) -> bool:
    """Whether a SQLite workspace file is readable by its owner only (its protection)."""
    return path.stat().st_mode & 0o077 == 0
