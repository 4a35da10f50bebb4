"""Opening the workspace: the one store for clients, batches and the register.

The embedded default is a SQLite file `usikit.db` in the current folder (WAL journal,
foreign keys on, owner-only permissions). Any SQLAlchemy URL can be given instead, through
the `--workspace` option or the USIKIT_WORKSPACE environment variable; teams share a
PostgreSQL database (`postgresql+psycopg://user@host/db`).
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, IntegrityError, OperationalError, ProgrammingError

from usikit.errors import InputError

T = TypeVar("T")
ENVIRONMENT = "USIKIT_WORKSPACE"
DEFAULT_FILE = "usikit.db"
BUSY_TIMEOUT_MS = 30_000  # wait this long for another process's write to finish


@dataclass
class Workspace:
    """An open workspace: a SQLAlchemy engine whose schema is current."""

    engine: Engine
    url: str  # for messages: the password, if any, is hidden

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @contextlib.contextmanager
    def begin(self) -> Iterator[Connection]:
        """One transaction: everything inside is written together, or not at all."""
        with self.engine.begin() as connection:
            yield connection

    def transact(self, work: Callable[[Connection], T], *, attempts: int = 5) -> T:
        """Run `work` in one transaction, again from the start if another writer collided.

        Two processes adding the same client or opening the batch at once make one of the
        transactions fail (a unique key, a serialisation failure, a locked file); that one
        is rolled back and run again, and then sees what the other wrote. Nothing is lost.
        """
        for attempt in range(attempts):
            try:
                with self.begin() as connection:
                    return work(connection)
            except (IntegrityError, OperationalError) as exc:
                if attempt == attempts - 1 or not _collision(exc):
                    raise
                time.sleep(0.05 * (attempt + 1))
        raise AssertionError("unreachable")  # pragma: no cover

    def close(self) -> None:
        self.engine.dispose()


def _collision(exc: Exception) -> bool:
    """Whether a database error means another transaction got there first."""
    code = getattr(getattr(exc, "orig", None), "sqlstate", None)
    if code in ("23505", "40001", "40P01"):  # unique violation, serialisation, deadlock
        return True
    text = str(exc).lower()
    return "database is locked" in text or "unique constraint failed" in text


def workspace_url(url: str | None = None) -> str:
    """The URL to open: the one given, else USIKIT_WORKSPACE, else usikit.db here."""
    chosen = url or os.environ.get(ENVIRONMENT) or DEFAULT_FILE
    return chosen if "://" in chosen else f"sqlite:///{chosen}"


def open_workspace(url: str | None = None, *, create: bool = True) -> Workspace:
    """Open (and, for a new store, create) the workspace, bringing its schema up to date."""
    from usikit.workspace.migrations import upgrade

    text = workspace_url(url)
    try:
        parsed = make_url(text)
    except ArgumentError:
        raise InputError(f"'{text}' is not a database URL; give a file name or a URL") from None
    shown = parsed.render_as_string(hide_password=True)
    if parsed.get_backend_name() == "sqlite":
        engine = _sqlite_engine(parsed.database, create=create, shown=shown)
    else:
        engine = create_engine(parsed, pool_pre_ping=True)
    workspace = Workspace(engine, shown)
    try:
        upgrade(workspace)
    except (OperationalError, ProgrammingError) as exc:
        engine.dispose()
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        raise InputError(f"the workspace {shown} cannot be opened ({reason})") from None
    return workspace


def _sqlite_engine(database: str | None, *, create: bool, shown: str) -> Engine:
    if not database or database == ":memory:":
        raise InputError("an in-memory workspace would lose everything; give a file name")
    path = Path(database)
    if not path.exists():
        if not create:
            raise InputError(f"no workspace at {path}; import clients first to create it")
        if not path.parent.is_dir():
            raise InputError(f"cannot create the workspace {path}: its folder does not exist")
        descriptor = os.open(path, os.O_CREAT | os.O_WRONLY, 0o600)  # owner-only from birth
        os.close(descriptor)
    engine = create_engine(f"sqlite:///{path}", connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})
    event.listen(engine, "connect", _sqlite_pragmas)
    event.listen(engine, "begin", _sqlite_begin)
    return engine


def _sqlite_pragmas(connection, _record) -> None:
    # pysqlite's own transaction handling is switched off: SQLAlchemy's "begin" event
    # below issues BEGIN IMMEDIATE, so a writer waits for the lock instead of failing.
    connection.isolation_level = None
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.close()


def _sqlite_begin(connection) -> None:
    connection.exec_driver_sql("BEGIN IMMEDIATE")
