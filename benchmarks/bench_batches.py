"""The create-USI batch workflow on 10,000 clients: add, validate, submit, retrieve."""

from __future__ import annotations

import datetime as dt
import tempfile
import time
from pathlib import Path

from benchmarks.data import TODAY
from usikit.bulk_usi import batches
from usikit.bulk_usi.clients import import_clients
from usikit.bulk_usi.registry.simulator import OfflineRegistry
from usikit.bulk_usi.samples import synthetic_clients
from usikit.workspace import open_workspace


def run(clients: int) -> list[str]:
    """A table of the time each step takes, on a fresh SQLite workspace."""
    frame = synthetic_clients(clients, seed=clients, today=TODAY)
    steps: list[tuple[str, float]] = []

    def timed(name: str, work):
        start = time.perf_counter()
        result = work()
        steps.append((name, time.perf_counter() - start))
        return result

    with tempfile.TemporaryDirectory() as folder:
        workspace = open_workspace(str(Path(folder) / "bench.db"))
        registry = OfflineRegistry(workspace, delay=dt.timedelta(0))
        timed(
            "import the clients (validated first)",
            lambda: import_clients(workspace, frame, today=TODAY),
        )
        timed(
            "add them all to a batch", lambda: batches.add_to_batch(workspace, all_without_usi=True)
        )
        timed("validate the batch (the grid)", lambda: batches.batch_view(workspace, today=TODAY))
        sent = timed(
            "submit (validate, record, send to the offline simulator)",
            lambda: batches.submit_batch(
                workspace, registry, org_code="DEMO1", user_reference="bench", today=TODAY
            ),
        )
        timed(
            "retrieve and write the USIs",
            lambda: batches.retrieve_batch(workspace, registry, sent.batch_id, org_code="DEMO1"),
        )
        workspace.close()
    lines = [
        f"{clients:,} synthetic clients, SQLite workspace, offline simulator with no delay "
        f"({len(sent.receipts)} requests of at most 500).",
        "",
        "| step | time | per client |",
        "|---|---|---|",
        *(
            f"| {name} | {seconds:.2f} s | {seconds / clients * 1e3:.3f} ms |"
            for name, seconds in steps
        ),
    ]
    return lines
