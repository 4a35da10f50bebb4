"""Whole-process figures: the command line end to end, and peak memory while validating."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

from benchmarks.common import Figure, best_of
from benchmarks.data import clients_csv

CLI_TARGET = 2.5  # usikit validate end to end, against starting Python and reading the CSV
MEMORY_TARGET = 3.0  # extra memory while validating, against the DataFrame's size

MEMORY_PROBE = textwrap.dedent(
    """
    import gc, json, sys, threading, time
    import datetime as dt
    import pyarrow
    from usikit import read_table
    from usikit.bulk_usi.validation import validate_clients

    def rss():
        with open("/proc/self/statm") as handle:
            return int(handle.read().split()[1]) * 4096

    frame = read_table(sys.argv[1])
    size = int(frame.memory_usage(deep=True).sum())
    # What reading freed but Arrow's allocator still holds would be counted as resident
    # before validating, and validation would reuse it unseen: handed back first.
    gc.collect()
    pyarrow.default_memory_pool().release_unused()
    before, peak, running = rss(), [0], [True]

    def watch():
        while running[0]:
            peak[0] = max(peak[0], rss())
            time.sleep(0.005)

    watcher = threading.Thread(target=watch)
    watcher.start()
    validate_clients(frame, today=dt.date(2026, 11, 22))
    running[0] = False
    watcher.join()
    print(json.dumps({"frame": size, "extra": max(peak[0], rss()) - before}))
    """
)


def run(rows: int, repeat: int) -> list[Figure]:
    path = clients_csv(rows)
    python = sys.executable
    with tempfile.TemporaryDirectory() as folder:
        errors = Path(folder) / "errors.csv"
        cli = best_of(
            lambda: subprocess.run(
                [python, "-m", "usikit", "validate", "clients", str(path), "--errors", str(errors)],
                capture_output=True,
                check=False,
            ),
            repeat,
        )
    read = best_of(
        lambda: subprocess.run(
            [python, "-c", f"import pandas; pandas.read_csv({str(path)!r}, dtype=str)"],
            capture_output=True,
            check=True,
        ),
        repeat,
    )
    probe = subprocess.run([python, "-c", MEMORY_PROBE, str(path)], capture_output=True,
                           text=True, check=True)  # fmt: skip
    memory = json.loads(probe.stdout)
    return [
        Figure(
            f"`usikit validate clients` CLI on the {rows:,}-row CSV, errors to CSV",
            cli,
            '`python -c "import pandas; pandas.read_csv(...)"`',
            read,
            target=f"<= {CLI_TARGET} x",
            met=cli <= CLI_TARGET * read,
        ),
        Figure(
            f"peak extra memory while validating {rows:,} records (resident set)",
            memory["extra"] / 2**20,
            "size of the DataFrame validated",
            memory["frame"] / 2**20,
            target=f"<= {MEMORY_TARGET} x",
            met=memory["extra"] <= MEMORY_TARGET * memory["frame"],
            unit="MB",
        ),
    ]
