"""The workspace: where clients, batches and the register live (SQLite or PostgreSQL)."""

from usikit.workspace.engine import Workspace, open_workspace, workspace_url

__all__ = ["Workspace", "open_workspace", "workspace_url"]
