"""The store's own tables (SQLAlchemy Core) and the one `metadata` every job's tables join.

Text columns hold what the user typed (normalised by the rules); dates stay dd/mm/yyyy text
as in the files, so what goes in comes back out unchanged.
"""

from __future__ import annotations

import re

from sqlalchemy import Column, DateTime, Integer, MetaData, String, Table, Text

metadata = MetaData()


def column_key(name: str) -> str:
    """The database name of a file's column: 'Town/City of Birth' -> 'town_city_of_birth'."""
    return re.sub(r"[^0-9a-z]+", "_", name.lower()).strip("_")


schema_info = Table(
    "schema_info",
    metadata,
    Column("key", String(40), primary_key=True),
    Column("value", String(200), nullable=False),
)

audit = Table(
    "audit",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("who", String(128), nullable=False),  # the database user, or the login on SQLite
    Column("action", String(40), nullable=False),
    Column("file_name", String(260), nullable=False, server_default=""),  # no folders
    Column("file_sha256", String(64), nullable=False, server_default=""),
    Column("counts", Text, nullable=False, server_default="{}"),  # JSON; never personal data
)

workspace_roles = Table(
    "workspace_roles",  # on SQLite the roles are recorded here (advisory); PostgreSQL enforces
    metadata,
    Column("user_name", String(128), primary_key=True),
    Column("role", String(40), primary_key=True),
    Column("granted_by", String(128), nullable=False),
    Column("granted_at", DateTime(timezone=True), nullable=False),
)

STORE_TABLES = (schema_info, audit, workspace_roles)
