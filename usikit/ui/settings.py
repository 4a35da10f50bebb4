"""Where a screen works and whom it talks to, read the way the command line reads it.

The workspace comes from USIKIT_WORKSPACE, the registry from USIKIT_REGISTRY (the offline
simulator by default, its delay from USIKIT_OFFLINE_DELAY) and the organisation code from
USIKIT_ORG_CODE; a screen's constructor arguments override them. Exports are written into
an `exports` folder next to a SQLite workspace (next to the notebook for a database server).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from usikit.cli.options import (
    delay_setting,
    open_registry,
    org_code_setting,
    registry_setting,
    secret_setting,
    token_provider_setting,
)
from usikit.errors import InputError
from usikit.registry.base import Registry
from usikit.workspace import Workspace, open_workspace, workspace_url

EXPORTS_FOLDER = "exports"


@dataclass(frozen=True)
class Settings:
    """The workspace URL, the registry and the organisation code a screen uses."""

    workspace: str
    registry: str
    delay: float
    secret: str | None
    org_code: str

    @classmethod
    def resolve(
        cls,
        workspace: str | Path | None = None,
        *,
        registry: str | None = None,
        delay: float | None = None,
        org_code: str | None = None,
    ) -> Settings:
        """The arguments given, else the environment, else the command line's defaults."""
        return cls(
            workspace=workspace_url(str(workspace) if workspace is not None else None),
            registry=registry if registry is not None else registry_setting(),
            delay=delay if delay is not None else delay_setting(),
            secret=secret_setting(),
            org_code=org_code or org_code_setting(),
        )

    @property
    def sqlite_file(self) -> Path | None:
        """The workspace's file when it is SQLite (None for a database server)."""
        try:
            url = make_url(self.workspace)
        except ArgumentError:
            return None
        if url.get_backend_name() == "sqlite" and url.database:
            return Path(url.database).resolve()
        return None

    @property
    def folder(self) -> Path:
        """The workspace's folder: where the officer keeps the files the screens read."""
        file = self.sqlite_file
        return file.parent if file is not None else Path.cwd()

    @property
    def exports(self) -> Path:
        return self.folder / EXPORTS_FOLDER

    @property
    def shown_workspace(self) -> str:
        """The workspace for a person to read: the file, or the URL without its password."""
        file = self.sqlite_file
        if file is not None:
            return str(file)
        try:
            return make_url(self.workspace).render_as_string(hide_password=True)
        except ArgumentError:
            return self.workspace

    def open(self, *, create: bool = False) -> Workspace:
        """The workspace; a missing SQLite file is an error unless `create`."""
        return open_workspace(self.workspace, create=create)

    def open_register(self) -> Workspace:
        """The workspace holding the register; a missing one says how to load learners."""
        from usikit.regcert.register import open_register

        file = self.sqlite_file
        if file is not None and not file.exists():
            raise InputError(
                f"no workspace at {file}: set USIKIT_WORKSPACE to the workspace that holds the "
                "register (`usikit demo` prepares one with a sample register)"
            )
        return open_register(self.workspace)

    def open_registry(self, workspace: Workspace) -> Registry:
        return open_registry(
            workspace,
            self.registry,
            delay=self.delay,
            secret=self.secret,
            token_provider=token_provider_setting(),
        )
