"""The workspace's connection: the one store for clients, batches and the register.

The embedded default is a SQLite file `usikit.db` in the current folder (WAL journal,
foreign keys on, owner-only permissions). Any SQLAlchemy URL can be given instead (the
settings' workspace: USIKIT_WORKSPACE, or the faces' own choice); teams share a PostgreSQL
database (`postgresql+psycopg://user@host/db`). `usikit.store.connect.open_store` opens one
and brings its schema up to date.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.exc import IntegrityError, OperationalError

from usikit.errors import Do, InputError, step

if TYPE_CHECKING:
    from usikit.store.schema import WorkspaceSchema

T = TypeVar("T")
DEFAULT_FILE = "usikit.db"
BUSY_TIMEOUT_MS = 30_000  # wait this long for another process's write to finish


@dataclass
class Workspace:
    """An open workspace: a SQLAlchemy engine whose schema is current."""

    engine: Engine
    url: str  # for messages: the password, if any, is hidden
    schema: WorkspaceSchema

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


def workspace_url(url: str | None) -> str:
    """The URL to open: the one given, else usikit.db here (a file name becomes a URL)."""
    chosen = url or DEFAULT_FILE
    return chosen if "://" in chosen else f"sqlite:///{chosen}"


def sqlite_engine(database: str | None, *, create: bool) -> Engine:
    """A SQLite engine with the pragmas that keep its file safe; the file is created
    owner-only when `create`, else a missing file is refused."""
    if not database or database == ":memory:":
        raise InputError("an in-memory workspace would lose everything; give a file name")
    path = Path(database)
    if not path.exists():
        if not create:
            raise InputError(f"no workspace at {path}", next_step=step(Do.IMPORT_CLIENTS))
        if not path.parent.is_dir():
            raise InputError(f"cannot create the workspace {path}: its folder does not exist")
        descriptor = os.open(path, os.O_CREAT | os.O_WRONLY, 0o600)  # owner-only from birth
        os.close(descriptor)
    engine = create_engine(
        f"sqlite:///{path}",
        connect_args={"timeout": BUSY_TIMEOUT_MS / 1000},
        hide_parameters=True,  # an error never quotes the values (dates of birth...) written
    )
    event.listen(engine, "connect", _sqlite_pragmas)
    event.listen(engine, "begin", _sqlite_begin)
    return engine


def _sqlite_pragmas(connection: Any, _record: object) -> None:
    # pysqlite's own transaction handling is switched off: SQLAlchemy's "begin" event
    # below issues BEGIN IMMEDIATE, so a writer waits for the lock instead of failing.
    connection.isolation_level = None
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.close()


def _sqlite_begin(connection: Connection) -> None:
    connection.exec_driver_sql("BEGIN IMMEDIATE")
