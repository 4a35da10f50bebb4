"""What a workspace holds, declared by parts: the store's own tables and each job's.

A job (bulk USI creation, Registration & Certification) declares a `SchemaPart`: its tables,
what each role may do with them on PostgreSQL, its audit actions, and the steps that bring
its tables forward from an older schema version. `usikit.workspace` puts the parts together
into the one `WorkspaceSchema` every workspace has, so the store never needs to know a job.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from sqlalchemy import Connection, Table

from usikit.store import audit
from usikit.store.roles import Role
from usikit.store.tables import STORE_TABLES

Step = Callable[[Connection], None]
Grants = Mapping[Role, Mapping[str, str]]  # role -> table -> privileges ("SELECT, INSERT")


@dataclass(frozen=True)
class SchemaPart:
    """One job's share of the workspace.

    `steps[n]` brings this part's tables from schema version n to n + 1 (new tables are
    created after the steps, so a step only changes what exists). `grants` say what each
    role's database role may do with the part's tables, beyond reading its own gate.
    """

    name: str
    tables: tuple[Table, ...]
    grants: Grants = field(default_factory=dict)
    steps: Mapping[int, Step] = field(default_factory=dict)
    audit_actions: tuple[str, ...] = ()


def _roles_and_audit(connection: Connection) -> None:
    """Version 2 adds the audit and workspace_roles tables, the role gates and the
    append-only guard: new tables are created and the guards run after the steps, so this
    step has nothing of its own to do. On PostgreSQL the owner sets up the roles afterwards
    to grant them on the new tables."""


def _audit_by_function(connection: Connection) -> None:
    """Version 4 takes writing the audit trail away from the officers' roles: on PostgreSQL
    records are added only through usikit's function (`usikit.store.audit.guard_audit`
    creates it after the steps, and the upgrade's grants give each role EXECUTE on it and
    take back INSERT on the table), and reading the trail needs the new audit role. The
    tables do not change, so this step has nothing of its own to do."""


# Every role may read the version and the roles; the audit role reads the trail. Nobody
# writes it but usikit's function (PostgreSQL; `usikit.store.grants` grants it).
STORE_PART = SchemaPart(
    "store",
    STORE_TABLES,
    grants={
        role: {"schema_info": "SELECT", "workspace_roles": "SELECT"}
        | ({"audit": "SELECT"} if role == Role.AUDIT else {})
        for role in Role
    },
    steps={1: _roles_and_audit, 3: _audit_by_function},
    audit_actions=("error report export", "import results export"),  # `usikit.store.exports`
)


@dataclass(frozen=True)
class WorkspaceSchema:
    """The parts of every workspace, at one schema version."""

    version: int
    parts: tuple[SchemaPart, ...]

    def __post_init__(self) -> None:
        owners: dict[int, str] = {}
        for part in self.parts:
            for version in part.steps:
                if not 1 <= version < self.version:
                    raise ValueError(f"{part.name}: step from version {version} is out of range")
                if version in owners:
                    raise ValueError(f"{part.name} and {owners[version]}: two steps from {version}")
                owners[version] = part.name
        names = [table.name for part in self.parts for table in part.tables]
        if len(set(names)) != len(names):
            raise ValueError("a table belongs to two schema parts")
        audit.declare(self.audit_actions)

    @property
    def tables(self) -> list[Table]:
        return [table for part in self.parts for table in part.tables]

    def step_from(self, version: int) -> Step | None:
        """The step from `version` to the next, or None when no part changes then."""
        return next((p.steps[version] for p in self.parts if version in p.steps), None)

    def grants(self) -> dict[Role, dict[str, str]]:
        """What each role may do, table by table, over every part."""
        merged: dict[Role, dict[str, str]] = {role: {} for role in Role}
        for part in self.parts:
            for role, tables in part.grants.items():
                merged[role].update(tables)
        return merged

    @property
    def audit_actions(self) -> tuple[str, ...]:
        return tuple(action for part in self.parts for action in part.audit_actions)
