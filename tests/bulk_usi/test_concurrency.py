"""Two processes importing clients and adding them to the batch at the same time lose nothing.

Each process imports its own clients plus a share of clients both files hold, and adds every
client without a USI to the open batch. Afterwards every client is there once, in the one open
batch. Run on SQLite (writers queue for the file) and PostgreSQL (colliding transactions are
run again).
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time

import pandas as pd
from sqlalchemy import func, select

from tests.batch_helpers import TODAY
from usikit.bulk_usi.samples import synthetic_clients
from usikit.bulk_usi.tables import batch_records, batches, clients
from usikit.workspace import open_workspace

WORKER = textwrap.dedent(
    """
    import datetime as dt, pathlib, sys, time
    from usikit import read_table
    from usikit.workspace import open_workspace
    from usikit.bulk_usi import batches
    from usikit.bulk_usi.clients import import_clients

    url, path, go = sys.argv[1], sys.argv[2], pathlib.Path(sys.argv[3])
    workspace = open_workspace(url)
    frame = read_table(path)
    while not go.exists():
        time.sleep(0.01)
    for start in range(0, len(frame), 50):  # many small transactions, interleaving
        import_clients(workspace, frame.iloc[start:start + 50], today=dt.date(2026, 11, 22))
        batches.add_to_batch(workspace, all_without_usi=True)
    """
)


def client_file(tmp_path, name: str, prefix: str, shared: pd.DataFrame) -> str:
    own = synthetic_clients(300, seed=len(prefix) + ord(prefix[0]), today=TODAY)
    own["Client ID"] = [f"{prefix}{i:05d}" for i in range(len(own))]
    path = tmp_path / name
    pd.concat([own, shared], ignore_index=True).to_csv(path, index=False)
    return str(path)


def count(connection, table, *where) -> int:
    return connection.execute(select(func.count()).select_from(table).where(*where)).scalar_one()


def test_two_processes_import_and_add_at_once(workspace_url, tmp_path):
    open_workspace(workspace_url).close()  # created first: both workers open an existing store
    shared = synthetic_clients(50, seed=99, today=TODAY)
    shared["Client ID"] = [f"C{i:05d}" for i in range(len(shared))]
    files = [
        client_file(tmp_path, "a.csv", "A", shared),
        client_file(tmp_path, "b.csv", "B", shared),
    ]
    go = tmp_path / "go"
    workers = [
        subprocess.Popen([sys.executable, "-c", WORKER, workspace_url, path, str(go)],
                         stderr=subprocess.PIPE, text=True)
        for path in files
    ]  # fmt: skip
    time.sleep(1.0)  # both have started and wait at the line
    go.touch()
    for worker in workers:
        _, errors = worker.communicate(timeout=300)
        assert worker.returncode == 0, errors
    workspace = open_workspace(workspace_url)
    with workspace.begin() as connection:
        assert count(connection, clients) == 650
        assert count(connection, batches) == 1
        assert count(connection, batches, batches.c.status == "open") == 1
        assert count(connection, batch_records) == 650
        distinct = select(func.count(func.distinct(batch_records.c.client_pk)))
        assert connection.execute(distinct).scalar_one() == 650
