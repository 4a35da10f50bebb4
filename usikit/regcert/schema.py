"""Registration & Certification's share of the workspace: the register's tables, which only
manage_regcert may read or change (an import or an export of the register needs it besides
bulk_upload or data_export), and its audit actions."""

from __future__ import annotations

from usikit.regcert.tables import REGISTER_TABLES
from usikit.store.roles import Role
from usikit.store.schema import SchemaPart

REGCERT_PART = SchemaPart(
    "Registration & Certification",
    REGISTER_TABLES,
    grants={
        Role.MANAGE_REGCERT: {
            table.name: "SELECT, INSERT, UPDATE, DELETE" for table in REGISTER_TABLES
        },
    },
    audit_actions=(
        "learners import",
        "regcert apply",
        "regcert export",
        "regcert export unmasked",
        "regcert edit",
    ),
)
