"""Opening a store: the engine for its URL, and its schema brought up to date."""

from __future__ import annotations

from sqlalchemy import create_engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError, ProgrammingError

from usikit.errors import InputError
from usikit.store.engine import Workspace, sqlite_engine, workspace_url
from usikit.store.migrations import upgrade
from usikit.store.schema import WorkspaceSchema


def open_store(url: str | None, schema: WorkspaceSchema, *, create: bool = True) -> Workspace:
    """Open (and, for a new store, create) the workspace at `url` with `schema`'s tables."""
    text = workspace_url(url)
    try:
        parsed = make_url(text)
    except ArgumentError:
        raise InputError(f"'{text}' is not a database URL; give a file name or a URL") from None
    shown = parsed.render_as_string(hide_password=True)
    if parsed.get_backend_name() == "sqlite":
        engine = sqlite_engine(parsed.database, create=create)
    else:
        # An error never quotes the statement's values (dates of birth, document numbers).
        engine = create_engine(parsed, pool_pre_ping=True, hide_parameters=True)
    workspace = Workspace(engine, shown, schema)
    try:
        upgrade(workspace)
    except (OperationalError, ProgrammingError) as exc:
        engine.dispose()
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        raise InputError(f"the workspace {shown} cannot be opened ({reason})") from None
    return workspace
