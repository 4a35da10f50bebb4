"""The five roles, named once: what each allows, and its names in the database.

On PostgreSQL each role is a database role (`usikit_bulk_upload`, ...) that the database
itself enforces through grants and a gate view per role (`usikit.store.access` reads the gates,
`usikit.store.grants` makes them). On SQLite the roles are recorded and advisory.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum


class Role(StrEnum):
    """A role an officer holds; its value is the name people type (`usikit roles grant`)."""

    BULK_UPLOAD = "bulk_upload"
    MANAGE_REGCERT = "manage_regcert"
    USI_BATCHES = "usi_batches"
    DATA_EXPORT = "data_export"
    AUDIT = "audit"

    @property
    def description(self) -> str:
        return DESCRIPTIONS[self]

    @property
    def database_role(self) -> str:
        return database_role(self.value)

    @property
    def gate(self) -> str:
        """The view only this role may read: the database's yes or no before each action."""
        return f"role_gate_{self.value}"


DESCRIPTIONS = {
    Role.BULK_UPLOAD: "import client files, learner files and Registration & Certification files",
    Role.MANAGE_REGCERT: "view and change the Registration & Certification register",
    Role.USI_BATCHES: "build, submit and retrieve USI batches",
    Role.DATA_EXPORT: "export client, batch, register and error files",
    Role.AUDIT: "read the whole audit trail (who imported, exported, submitted what, and when)",
}
ROLE_NAMES = frozenset(role.value for role in Role)
ADMIN = "admin"  # the administrators' database role (usikit_admin): not a role officers hold
PREFIX = "usikit_"
# What the library's work needs, for the functions that need more than one role.
IMPORT_TO_REGISTER = (Role.BULK_UPLOAD, Role.MANAGE_REGCERT)
EXPORT_REGISTER = (Role.MANAGE_REGCERT, Role.DATA_EXPORT)


def database_role(name: str) -> str:
    """The PostgreSQL role of a usikit role (or of ADMIN)."""
    return PREFIX + name


def as_roles(role: str | Sequence[str]) -> tuple[Role, ...]:
    """One role or several, as Role members; an unknown name is a mistake in the code."""
    names = (role,) if isinstance(role, str) else tuple(role)
    if not names:
        raise ValueError("no role given")
    return tuple(Role(name) for name in names)
