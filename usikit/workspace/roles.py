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
from collections.abc import Iterator, Sequence
from pathlib import Path

import pandas as pd
from sqlalchemy import Connection, delete, select, text
from sqlalchemy.exc import DBAPIError

from usikit.errors import InputError
from usikit.workspace.audit import who
from usikit.workspace.engine import Workspace
from usikit.workspace.migrations import ROLE_NAMES, gate, guard
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
# The register is manage_regcert's alone: an import (bulk_upload) or an export (data_export)
# of register records needs manage_regcert as well, so neither role is given its tables.
GRANTS: dict[str, dict[str, str]] = {
    "bulk_upload": {
        "clients": "SELECT, INSERT, UPDATE",
        # A client import leaves alone the records of batches sent to the registry.
        "batches": "SELECT",
        "batch_records": "SELECT",
    },
    "manage_regcert": dict.fromkeys(REGISTER, "SELECT, INSERT, UPDATE, DELETE"),
    "usi_batches": {
        "clients": "SELECT, UPDATE",
        **dict.fromkeys(BATCH, "SELECT, INSERT, UPDATE, DELETE"),
        **dict.fromkeys(SIMULATOR, "SELECT, INSERT"),
    },
    "data_export": dict.fromkeys(("clients", *BATCH), "SELECT"),
}
assert set(GRANTS) == set(ROLES) == set(ROLE_NAMES)
EVERYONE = {"schema_info": "SELECT", "workspace_roles": "SELECT", "audit": "SELECT, INSERT"}
# What the library's work needs, for the functions that need more than one role.
IMPORT_TO_REGISTER = ("bulk_upload", "manage_regcert")
EXPORT_REGISTER = ("manage_regcert", "data_export")
REFUSED = "42501"  # insufficient_privilege


class PermissionRefused(InputError):
    """An action the user's roles do not allow; `role` is the (first) missing role and
    `roles` every missing one."""

    def __init__(self, role: str | Sequence[str], action: str) -> None:
        self.roles = (role,) if isinstance(role, str) else tuple(role)
        self.role, self.action = self.roles[0], action
        if len(self.roles) == 1:
            needed = f"the {self.role} role to {action} ({ROLES[self.role]})"
            ask = f"grant it (usikit roles grant YOUR_USER {self.role})"
        else:
            names = " and ".join(self.roles)
            what = "; ".join(f"{r}: {ROLES[r]}" for r in self.roles)
            needed = f"the {names} roles to {action} ({what})"
            ask = "grant them (usikit roles grant YOUR_USER ROLE, for each)"
        super().__init__(f"you need {needed}; ask your administrator to {ask}")


def database_role(role: str) -> str:
    return PREFIX + role


def _needed(role: str | Sequence[str]) -> tuple[str, ...]:
    needed = (role,) if isinstance(role, str) else tuple(role)
    unknown = [r for r in needed if r not in ROLES]
    if unknown or not needed:
        raise ValueError(f"unknown role {unknown or needed!r}")
    return needed


@contextlib.contextmanager
def acting(workspace: Workspace, role: str | Sequence[str], action: str) -> Iterator[None]:
    """Do `action`, which needs `role` (or every one of several roles): refused with a clear
    message naming the missing role when the user lacks it, before any work and, should the
    database refuse something midway, then too."""
    needed = _needed(role)
    require(workspace, needed, action)
    with _refusal(workspace, needed, action):
        yield


def require(workspace: Workspace, role: str | Sequence[str], action: str) -> None:
    """Refuse now, before any work, when the user lacks `role` (or one of several roles)."""
    needed = _needed(role)
    missing = missing_roles(workspace, needed)
    if missing:
        raise PermissionRefused(missing, action)


def missing_roles(workspace: Workspace, needed: Sequence[str]) -> list[str]:
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
def _refusal(workspace: Workspace, needed: Sequence[str], action: str) -> Iterator[None]:
    """The database refused midway (a role revoked meanwhile): name the role now missing."""
    try:
        yield
    except DBAPIError as exc:
        if getattr(exc.orig, "sqlstate", None) == REFUSED:
            missing = missing_roles(workspace, needed)
            if missing:
                raise PermissionRefused(missing, action) from None
            raise InputError(  # the roles are held: the tables' grants are older than usikit
                f"the database refused to {action} although you hold the "
                f"{' and '.join(needed)} role(s): the workspace's grants are out of date "
                "(usikit was upgraded); ask your administrator to run `usikit roles setup`"
            ) from None
        raise


def open_gate(connection: Connection, role: str) -> None:
    """Read the role's gate view: the database refuses it to users without the role."""
    connection.execute(text(f"SELECT allowed FROM {gate(role)}")).all()


def export_allowed(connection: Connection) -> None:
    """Read the export gate inside the export's own transaction."""
    open_gate(connection, "data_export")


def held_roles(workspace: Workspace, user: str | None = None) -> set[str]:
    """The roles a user holds (the current one by default): what they can actually do.

    On PostgreSQL, whether the user may read each role's gate view, the very test `require`
    makes: a member of the role, of usikit_admin, or the workspace's owner holds it. On
    SQLite, a workspace where no role was ever granted belongs to its one officer, who may
    do everything.
    """
    with workspace.begin() as connection:
        if connection.dialect.name == "postgresql":
            if user is not None and not _role_exists(connection, user):
                return set()
            held = set()
            for role in ROLES:
                if user is None:
                    query = text("SELECT has_table_privilege(:gate, 'SELECT')")
                else:
                    query = text("SELECT has_table_privilege(:user, :gate, 'SELECT')")
                if connection.execute(query, {"user": user, "gate": gate(role)}).scalar_one():
                    held.add(role)
            return held
        user = user or who(connection)
        rows = connection.execute(select(workspace_roles.c.user_name, workspace_roles.c.role)).all()
    if not rows:
        return set(ROLES)
    return {role for name, role in rows if name == user}


def grant(workspace: Workspace, user: str, role: str) -> None:
    """Give `user` a role (an administrator's work: the owner, or a member of usikit_admin)."""
    _check(role)
    with _administering("grant"), workspace.begin() as connection:
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
    with _administering("revoke"), workspace.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql(f'REVOKE {database_role(role)} FROM "{_name(user)}"')
        else:
            connection.execute(
                delete(workspace_roles).where(
                    workspace_roles.c.user_name == user, workspace_roles.c.role == role
                )
            )


@contextlib.contextmanager
def _administering(verb: str) -> Iterator[None]:
    """PostgreSQL refused to grant or revoke: say who may."""
    try:
        yield
    except DBAPIError as exc:
        if getattr(exc.orig, "sqlstate", None) == REFUSED:
            raise InputError(
                f"only an administrator may {verb} roles: the workspace's owner or a member of "
                f"{database_role(ADMIN)} (after `usikit roles setup`)"
            ) from None
        if getattr(exc.orig, "sqlstate", None) == "42704":  # undefined_object
            raise InputError(
                f"{exc.orig}".strip().splitlines()[0]
                + "; create the database user first, and run `usikit roles setup` as the owner"
            ) from None
        raise


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

    Each role gets exactly its GRANTS: whatever an older usikit granted beyond them is
    taken back. usikit_admin gets every table and every role WITH ADMIN OPTION, so that an
    administrator who is not the owner can grant and revoke them. The gates and the audit
    trigger are (re)made too. Safe to run again, and to be run after an upgrade of usikit
    adds tables.
    """
    if workspace.is_sqlite:
        return []
    with workspace.begin() as connection:
        return apply_grants(connection)


def roles_exist(connection: Connection) -> bool:
    """Whether `usikit roles setup` has made this server's usikit roles (PostgreSQL)."""
    return _role_exists(connection, database_role(ADMIN))


def _role_exists(connection: Connection, name: str) -> bool:
    """Whether the PostgreSQL server has a role (or user) of this name."""
    found = connection.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :name"), {"name": name})
    return found.first() is not None


def apply_grants(connection: Connection) -> list[str]:
    """`setup`'s work in the caller's transaction (an upgrade re-grants its new tables)."""
    done = []
    for role in (*ROLES, ADMIN):
        name = database_role(role)
        if not _role_exists(connection, name):
            connection.exec_driver_sql(f"CREATE ROLE {name} NOLOGIN")
            done.append(f"created role {name}")
    guard(connection)  # the gate views and the audit trigger, as the owner
    tables = set(
        connection.execute(
            text("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
        ).scalars()
    ) | {gate(role) for role in ROLES}
    for role, grants in GRANTS.items():
        for table in sorted(tables):
            _revoke_all(connection, table, database_role(role))
        for table, privileges in {**EVERYONE, gate(role): "SELECT", **grants}.items():
            if table in tables:
                _grant(connection, privileges, table, database_role(role))
    admin = database_role(ADMIN)
    for table in tables:
        _grant(connection, "ALL PRIVILEGES", table, admin)
    for role in ROLES:
        connection.exec_driver_sql(f"GRANT {database_role(role)} TO {admin} WITH ADMIN OPTION")
    done.append(
        "granted every role its tables (the register: manage_regcert only); usikit_admin "
        "may grant the roles; audit records: only usikit_admin may change, and each names "
        "the database user who wrote it"
    )
    return done


def _revoke_all(connection: Connection, table: str, role: str) -> None:
    connection.exec_driver_sql(f'REVOKE ALL ON "{table}" FROM {role}')
    sequence = _sequence(connection, table)
    if sequence:
        connection.exec_driver_sql(f"REVOKE ALL ON SEQUENCE {sequence} FROM {role}")


def _sequence(connection: Connection, table: str) -> str | None:
    """The sequence numbering the table's id column, if it has one."""
    return connection.execute(
        text(
            "SELECT pg_get_serial_sequence(:table, 'id') FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND table_name = :table "
            "AND column_name = 'id'"
        ),
        {"table": table},
    ).scalar()


def _grant(connection: Connection, privileges: str, table: str, role: str) -> None:
    connection.exec_driver_sql(f'GRANT {privileges} ON "{table}" TO {role}')
    if "INSERT" in privileges or privileges == "ALL PRIVILEGES":
        sequence = _sequence(connection, table)
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


def shared_file_warning(workspace: Workspace) -> str | None:
    """What to tell the officer when a SQLite workspace file can be read by other people
    (None when it cannot, or on PostgreSQL): the file's owner-only permissions are all that
    protects it, since roles there are advisory. A warning, not a refusal: the officer may
    have a reason, and usikit should not lock them out of their own records."""
    if not workspace.is_sqlite or not workspace.engine.url.database:
        return None
    path = Path(workspace.engine.url.database)
    try:
        if owner_only(path):
            return None
        mode = path.stat().st_mode & 0o777
    except OSError:
        return None
    others = " and ".join(
        whom for whom, bits in (("its group", 0o070), ("other users", 0o007)) if mode & bits
    )
    verb = "read" if mode & 0o044 else "changed"
    return (
        f"the workspace {path} can be {verb} by {others} (mode {mode:03o}): on SQLite the "
        "file's owner-only permissions are what protects the personal data in it (roles "
        f"there are advisory). Make it private with: chmod 600 {path}"
    )
