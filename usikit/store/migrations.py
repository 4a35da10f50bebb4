"""The workspace schema's version, and the path from each older version to the current one.

A new store gets every table of its `WorkspaceSchema` at the current version. An older store
is brought forward one version at a time by the parts' steps, each in the same transaction
as the version update, so an upgrade either completes or leaves the store as it was. To
change the schema: add the tables or columns to a part, raise the version in
`usikit.workspace`, and give the part the step from the previous version.
"""

from __future__ import annotations

from sqlalchemy import inspect, select

from usikit.errors import InputError
from usikit.store import grants
from usikit.store.engine import Workspace
from usikit.store.locks import UPGRADE_LOCK, hold
from usikit.store.tables import metadata, schema_info


def upgrade(workspace: Workspace) -> int:
    """Create or bring the workspace's schema up to date; the version it is now at."""
    schema, current = workspace.schema, workspace.schema.version
    with workspace.begin() as connection:
        hold(connection, UPGRADE_LOCK)
        existing = set(inspect(connection).get_table_names())
        if schema_info.name not in existing:
            if existing:
                raise InputError(
                    f"{workspace.url} already holds other tables and is not a usikit "
                    "workspace; give an empty database or another file"
                )
            metadata.create_all(connection, tables=schema.tables)
            grants.guard(connection)
            connection.execute(schema_info.insert().values(key="version", value=str(current)))
            return current
        version = int(
            connection.execute(
                select(schema_info.c.value).where(schema_info.c.key == "version")
            ).scalar_one()
        )
        if version > current:
            raise InputError(
                f"the workspace {workspace.url} was made by a newer usikit (schema version "
                f"{version}); upgrade usikit to open it"
            )
        if version < current:
            while version < current:
                step = schema.step_from(version)
                if step is not None:
                    step(connection)
                version += 1
            metadata.create_all(connection, tables=schema.tables)  # tables new in this version
            grants.guard(connection)
            if connection.dialect.name == "postgresql" and grants.roles_exist(connection):
                grants.apply_grants(connection, schema)  # a shared workspace: new needs, grants
            connection.execute(
                schema_info.update()
                .where(schema_info.c.key == "version")
                .values(value=str(version))
            )
        return version
