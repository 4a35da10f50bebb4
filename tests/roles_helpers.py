"""A shared PostgreSQL workspace set up by its owner, with officers holding chosen roles."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import psycopg

from tests import postgres
from usikit.store import grants
from usikit.store.roles import ADMIN, Role
from usikit.workspace import Workspace, open_workspace

OWNER = "records_admin"  # CREATEROLE, not a superuser, as the README's steps say


def shared_workspace(
    server: str, officers: Mapping[str, Sequence[str]], administrators: Sequence[str] = ()
) -> tuple[str, Workspace, Callable[[str], Workspace]]:
    """(URL, the owner's workspace, open-as-user): each officer holds exactly their roles
    (database roles are the server's, so whatever an earlier test granted is taken back), and
    each administrator is a member of usikit_admin."""
    url = postgres.create_database(server, owner=OWNER)
    owner = open_workspace(url)
    grants.setup(owner)
    plain = server.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain, autocommit=True) as connection:
        for name in (*officers, *administrators):
            known = connection.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (name,))
            if known.fetchone() is None:
                connection.execute(f"CREATE ROLE {name} LOGIN")
            for role in (*Role, ADMIN):
                connection.execute(f"REVOKE usikit_{role} FROM {name}")
    for name, held in officers.items():
        for role in held:
            grants.grant(owner, name, role)
    with owner.begin() as connection:
        for name in administrators:
            connection.exec_driver_sql(f"GRANT usikit_admin TO {name}")

    def as_user(name: str) -> Workspace:
        return open_workspace(user_url(url, name))

    return url, owner, as_user


def user_url(url: str, name: str) -> str:
    return url.replace(f"{OWNER}@", f"{name}@")
