"""Registration & Certification's share of the workspace: the register's tables, which only
manage_regcert may read or change (an import or an export of the register needs it besides
bulk_upload or data_export), its audit actions and its step from version 6."""

from __future__ import annotations

from sqlalchemy import Connection
from sqlalchemy.schema import CreateIndex

from usikit.regcert.tables import REGISTER_TABLES, REGISTRATION_NUMBER_INDEX
from usikit.store.roles import Role
from usikit.store.schema import SchemaPart


def _number_index(connection: Connection) -> None:
    """Version 7: the registration numbers indexed in capitals, as imports look them up (a
    register of 100,000 learners was read in full for each file's numbers)."""
    # IF NOT EXISTS: SQLAlchemy cannot see an index on an expression to check for it first.
    connection.execute(CreateIndex(REGISTRATION_NUMBER_INDEX, if_not_exists=True))


REGCERT_PART = SchemaPart(
    "Registration & Certification",
    REGISTER_TABLES,
    grants={
        Role.MANAGE_REGCERT: {
            table.name: "SELECT, INSERT, UPDATE, DELETE" for table in REGISTER_TABLES
        },
    },
    steps={6: _number_index},
    audit_actions=(
        "learners import",
        "regcert apply",
        "regcert export",
        "regcert export unmasked",
        "regcert edit",
    ),
)
