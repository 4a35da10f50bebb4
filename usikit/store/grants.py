"""The administrator's side of the roles: the database roles, their grants, and who holds them.

`setup` (run by the workspace's owner on PostgreSQL) creates one database role per usikit
role holding exactly the grants its work needs, table by table, as the schema's parts declare
them, and `usikit_admin`, which may grant them. `guard` makes what plain tables cannot say:
one gate view per role, and an audit trail that is append-only (SQLite) or names the database
user who wrote each record (PostgreSQL).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
from sqlalchemy import Connection, delete, select, text
from sqlalchemy.exc import DBAPIError

from usikit.errors import Do, InputError, step
from usikit.store.access import REFUSED, role_exists
from usikit.store.actor import who
from usikit.store.audit import AUDIT_RECORD, guard_audit
from usikit.store.clock import now
from usikit.store.engine import Workspace
from usikit.store.roles import ADMIN, PREFIX, Role, database_role
from usikit.store.schema import WorkspaceSchema
from usikit.store.tables import workspace_roles


def guard(connection: Connection) -> None:
    """One gate view per role, and the audit trail's guards. Safe to run again."""
    create = (
        "CREATE OR REPLACE VIEW"
        if connection.dialect.name == "postgresql"
        else "CREATE VIEW IF NOT EXISTS"
    )
    for role in Role:
        connection.exec_driver_sql(f"{create} {role.gate} AS SELECT 1 AS allowed")
    guard_audit(connection)


def grant(workspace: Workspace, user: str, role: str) -> None:
    """Give `user` a role (an administrator's work: the owner, or a member of usikit_admin)."""
    chosen = _check(role)
    with _administering("grant"), workspace.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql(f'GRANT {chosen.database_role} TO "{_name(user)}"')
            return
        known = connection.execute(
            select(workspace_roles).where(
                workspace_roles.c.user_name == user, workspace_roles.c.role == chosen.value
            )
        ).first()
        if known is None:
            connection.execute(
                workspace_roles.insert().values(
                    user_name=user, role=chosen.value, granted_by=who(connection), granted_at=now()
                )
            )


def revoke(workspace: Workspace, user: str, role: str) -> None:
    chosen = _check(role)
    with _administering("revoke"), workspace.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql(f'REVOKE {chosen.database_role} FROM "{_name(user)}"')
        else:
            connection.execute(
                delete(workspace_roles).where(
                    workspace_roles.c.user_name == user, workspace_roles.c.role == chosen.value
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
                f"{database_role(ADMIN)} (once the roles are set up)"
            ) from None
        if getattr(exc.orig, "sqlstate", None) == "42704":  # undefined_object
            raise InputError(
                f"{exc.orig}".strip().splitlines()[0], next_step=step(Do.CREATE_DATABASE_USER)
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

    Each role gets exactly its grants: whatever an older usikit granted beyond them is
    taken back. usikit_admin gets every table and every role WITH ADMIN OPTION, so that an
    administrator who is not the owner can grant and revoke them. The gates and the audit
    trigger are (re)made too. Safe to run again, and to be run after an upgrade of usikit
    adds tables.
    """
    if workspace.is_sqlite:
        return []
    with workspace.begin() as connection:
        return apply_grants(connection, workspace.schema)


def roles_exist(connection: Connection) -> bool:
    """Whether the roles were set up on this PostgreSQL server (usikit_admin exists)."""
    return role_exists(connection, database_role(ADMIN))


def apply_grants(connection: Connection, schema: WorkspaceSchema) -> list[str]:
    """`setup`'s work in the caller's transaction (an upgrade re-grants its new tables)."""
    done = []
    for name in (*(role.database_role for role in Role), database_role(ADMIN)):
        if not role_exists(connection, name):
            connection.exec_driver_sql(f"CREATE ROLE {name} NOLOGIN")
            done.append(f"created role {name}")
    guard(connection)  # the gate views and the audit trigger, as the owner
    tables = set(
        connection.execute(
            text("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
        ).scalars()
    ) | {role.gate for role in Role}
    for role, table_grants in schema.grants().items():
        for table in sorted(tables):
            _revoke_all(connection, table, role.database_role)
        for table, privileges in {**table_grants, role.gate: "SELECT"}.items():
            if table in tables:
                _grant(connection, privileges, table, role.database_role)
    admin = database_role(ADMIN)
    for table in tables:
        _grant(connection, "ALL PRIVILEGES", table, admin)
    # Every role records its work in the audit trail, through usikit's function only.
    for name in (*(role.database_role for role in Role), admin):
        connection.exec_driver_sql(f"GRANT EXECUTE ON FUNCTION {AUDIT_RECORD} TO {name}")
    for role in Role:
        connection.exec_driver_sql(f"GRANT {role.database_role} TO {admin} WITH ADMIN OPTION")
    done.append(
        "granted every role its tables (the register: manage_regcert only); usikit_admin "
        "may grant the roles; audit records: added only through usikit's function, read with "
        "the audit role, changed only by usikit_admin, and each names the database user who "
        "wrote it"
    )
    return done


def _revoke_all(connection: Connection, table: str, role: str) -> None:
    connection.exec_driver_sql(f'REVOKE ALL ON "{table}" FROM {role}')
    sequence = _sequence(connection, table)
    if sequence:
        connection.exec_driver_sql(f"REVOKE ALL ON SEQUENCE {sequence} FROM {role}")


def _sequence(connection: Connection, table: str) -> str | None:
    """The sequence numbering the table's id column, if it has one."""
    found: str | None = connection.execute(
        text(
            "SELECT pg_get_serial_sequence(:table, 'id') FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND table_name = :table "
            "AND column_name = 'id'"
        ),
        {"table": table},
    ).scalar()
    return found


def _grant(connection: Connection, privileges: str, table: str, role: str) -> None:
    connection.exec_driver_sql(f'GRANT {privileges} ON "{table}" TO {role}')
    if "INSERT" in privileges or privileges == "ALL PRIVILEGES":
        sequence = _sequence(connection, table)
        if sequence:
            connection.exec_driver_sql(f"GRANT USAGE, SELECT ON SEQUENCE {sequence} TO {role}")


def _check(role: str) -> Role:
    try:
        return Role(role)
    except ValueError:
        listing = ", ".join(Role)
        raise InputError(f"there is no role {role!r}; the roles are {listing}") from None


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
