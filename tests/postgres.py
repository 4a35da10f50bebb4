"""A throwaway PostgreSQL server for the tests, started from Debian's server binaries.

Set USIKIT_TEST_POSTGRES to a server URL (an admin role able to create databases) to use an
existing server instead.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg

ADMIN = "workspace_owner"


def server_binaries() -> Path | None:
    found = shutil.which("initdb")
    if found:
        return Path(found).parent
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(versions[-1]).parent if versions else None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _as_server_user(command: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: run it as the postgres user then."""
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *command]
    return command


@contextlib.contextmanager
def temporary_server() -> Iterator[str]:
    """Start a server on 127.0.0.1 in a temporary folder; yield its admin URL."""
    binaries = server_binaries()
    if binaries is None:
        raise RuntimeError("no PostgreSQL server binaries (install Debian's postgresql package)")
    folder = Path(tempfile.mkdtemp(prefix="usikit-pg-"))
    data = folder / "data"
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    port = _free_port()
    run = subprocess.run
    try:
        run(_as_server_user([str(binaries / "initdb"), "-D", str(data), "-U", ADMIN,
                             "--auth=trust", "-E", "UTF8", "--no-sync"]),
            check=True, capture_output=True)  # fmt: skip
        options = f"-h 127.0.0.1 -p {port} -k {folder} -c fsync=off"
        run(_as_server_user([str(binaries / "pg_ctl"), "-D", str(data), "-o", options, "-w",
                             "-l", str(folder / "server.log"), "start"]),
            check=True, capture_output=True)  # fmt: skip
        yield f"postgresql+psycopg://{ADMIN}@127.0.0.1:{port}/postgres"
    finally:
        if data.exists():
            run(_as_server_user([str(binaries / "pg_ctl"), "-D", str(data), "-m", "immediate",
                                 "stop"]), capture_output=True)  # fmt: skip
        shutil.rmtree(folder, ignore_errors=True)


def create_database(admin_url: str, owner: str | None = None) -> str:
    """A new empty database on the server; its URL (as `owner`, a CREATEROLE login, if given)."""
    name = f"usikit_{uuid.uuid4().hex[:12]}"
    plain = admin_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain, autocommit=True) as connection:
        if owner is None:
            connection.execute(f'CREATE DATABASE "{name}"')
        else:
            known = connection.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (owner,))
            if known.fetchone() is None:
                connection.execute(f'CREATE ROLE "{owner}" LOGIN CREATEROLE')
            connection.execute(f'CREATE DATABASE "{name}" OWNER "{owner}"')
    url = admin_url.rsplit("/", 1)[0] + f"/{name}"
    return url if owner is None else url.replace(f"{ADMIN}@", f"{owner}@")
