"""The generic store under both jobs: the connection, the schema's parts and its upgrades,
locks, the audit trail, the roles and their grants, one clock, and the audited-export recipe.

Nothing here knows a job: bulk USI creation and Registration & Certification declare their
tables as `SchemaPart`s, and `usikit.workspace` puts them together.
"""

from usikit.store.access import acting, export_allowed, held_roles, require
from usikit.store.connect import open_store
from usikit.store.engine import Workspace
from usikit.store.roles import Role
from usikit.store.schema import SchemaPart, WorkspaceSchema

__all__ = [
    "Role",
    "SchemaPart",
    "Workspace",
    "WorkspaceSchema",
    "acting",
    "export_allowed",
    "held_roles",
    "open_store",
    "require",
]
