"""Who is acting: the database user who logged in, or the login on SQLite."""

from __future__ import annotations

import getpass

from sqlalchemy import Connection


def who(connection: Connection) -> str:
    """The person acting: the database user who logged in on PostgreSQL (`session_user`,
    which the audit trail records whatever a caller says), the login on SQLite."""
    if connection.dialect.name == "postgresql":
        return str(connection.exec_driver_sql("SELECT session_user").scalar_one())
    return getpass.getuser() or "unknown"
