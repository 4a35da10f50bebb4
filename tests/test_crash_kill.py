"""Killing the process (SIGKILL) mid-work leaves things as before or complete, never half.

Each case starts the work in a real subprocess, waits until it says it is starting, kills it
after a delay, and checks the invariant; the delays span the work, so some kills land in the
middle of it. Then the same work runs to the end, as a next run would, and must succeed.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
import time

import pandas as pd
import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from tests.batch_helpers import TODAY
from usikit.regcert.register import import_learners, register_enrolments
from usikit.regcert_samples import import_rows, synthetic_register
from usikit.rules.regcert import validate_regcert
from usikit.rules.regcert_learners import validate_learners
from usikit.samples import synthetic_clients
from usikit.workspace import open_workspace
from usikit.workspace.register_tables import registrations
from usikit.workspace.tables import clients

DELAYS = (0.05, 0.4, 1.2)


def run_and_kill(script: str, args: list[str], delay: float) -> int:
    """Start `script`, wait for it to print 'go', kill it `delay` seconds later."""
    process = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(script), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout.readline().strip() == "go", process.stderr.read()
    time.sleep(delay)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=60)
    return process.returncode


def count(workspace, table) -> int:
    with workspace.begin() as connection:
        return connection.execute(select(func.count()).select_from(table)).scalar_one()


EXPORT = """
    import sys
    import pandas as pd
    from usikit.io import Sheet, write_csv, write_xlsx
    frame = pd.read_csv(sys.argv[1], dtype=str, keep_default_na=False)
    print("go", flush=True)
    if sys.argv[2].endswith(".csv"):
        write_csv(frame, sys.argv[2])
    else:
        write_xlsx([Sheet("Clients", frame)], sys.argv[2])
"""


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_killed_export_leaves_the_old_file_or_the_new_one(tmp_path, suffix):
    source = tmp_path / "clients.csv"
    synthetic_clients(20_000, seed=3, today=TODAY).to_csv(source, index=False)
    target = tmp_path / f"export{suffix}"
    target.write_text("the earlier export")
    for delay in DELAYS:
        run_and_kill(EXPORT, [str(source), str(target)], delay)
        if target.read_bytes() == b"the earlier export":
            continue
        if suffix == ".csv":  # complete: every record is there
            assert len(pd.read_csv(target, dtype=str, encoding="utf-8-sig")) == 20_000
        else:
            assert load_workbook(target, read_only=True)["Clients"].max_row == 20_001
    leftovers = [p for p in tmp_path.iterdir() if p.name.endswith(".part")]
    assert all(p.name.startswith(".") for p in leftovers)  # hidden, never the export itself


IMPORT = """
    import datetime as dt, sys
    import pandas as pd
    from usikit.workspace import open_workspace
    from usikit.workspace.clients import import_clients
    workspace = open_workspace(sys.argv[1])
    frame = pd.read_csv(sys.argv[2], dtype=str, keep_default_na=False)
    print("go", flush=True)
    import_clients(workspace, frame, today=dt.date(2026, 11, 22))
"""


def test_killed_client_import_leaves_none_or_all(workspace_url, tmp_path):
    source = tmp_path / "clients.csv"
    synthetic_clients(20_000, seed=4, today=TODAY).to_csv(source, index=False)
    workspace = open_workspace(workspace_url)
    for delay in DELAYS:
        run_and_kill(IMPORT, [workspace_url, str(source)], delay)
        assert count(workspace, clients) in (0, 20_000)
    finished = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(IMPORT), workspace_url, str(source)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert finished.returncode == 0, finished.stderr
    assert count(workspace, clients) == 20_000


APPLY = """
    import sys
    import pandas as pd
    from usikit.regcert.matching import import_file
    from usikit.workspace import open_workspace
    workspace = open_workspace(sys.argv[1])
    frame = pd.read_csv(sys.argv[2], dtype=str, keep_default_na=False)
    print("go", flush=True)
    import_file(workspace, frame, apply=True)
"""


def test_killed_registration_apply_leaves_none_or_all(workspace_url, tmp_path):
    register = synthetic_register(4_000, seed=5)
    workspace = open_workspace(workspace_url)
    import_learners(workspace, validate_learners(register))
    rows = import_rows(register, 6_000, seed=6)
    assert validate_regcert(rows, enrolments=register_enrolments(workspace)).ok
    source = tmp_path / "import.csv"
    rows.to_csv(source, index=False)
    for delay in DELAYS:
        run_and_kill(APPLY, [workspace_url, str(source)], delay)
        assert count(workspace, registrations) in (0, len(rows))
    finished = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(APPLY), workspace_url, str(source)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert finished.returncode == 0, finished.stderr
    assert count(workspace, registrations) == len(rows)
