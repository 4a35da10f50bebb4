"""Killing the process (SIGKILL) mid-work leaves things as before or complete, never half.

Each case runs the work in a real subprocess whose script hooks the work so that, once it
is genuinely under way, it prints `inside` and waits: an export once part of the file is
written to its temporary `.part` file (or once that file has been renamed into place), a
client import or a Registration & Certification apply once its rows are written inside
the database transaction, before it commits. The parent kills it there, checks the
invariant, and then runs the same work to the end, as a next run would.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap

import pandas as pd
import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from tests.batch_helpers import TODAY
from usikit.bulk_usi.samples import synthetic_clients
from usikit.bulk_usi.tables import clients
from usikit.regcert.import_rules import validate_regcert
from usikit.regcert.learner_rules import validate_learners
from usikit.regcert.register import import_learners, register_enrolments
from usikit.regcert.samples import import_rows, synthetic_register
from usikit.regcert.tables import registrations
from usikit.store.tables import audit
from usikit.workspace import open_workspace

PAUSE_AFTER = 16 * 1024  # bytes in the part file before the export says it is inside


def start(script: str, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(script), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def kill_inside(script: str, *args: str) -> str:
    """Run `script` in pause mode, SIGKILL it as soon as it says it is inside the work;
    the rest of the line it printed."""
    process = start(script, *args, "pause")
    line = process.stdout.readline()
    if not line.startswith("inside"):  # it ended without reaching the hook
        process.wait(timeout=60)
        pytest.fail(f"never got inside the work: {line!r} {process.stderr.read()[-2000:]}")
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=60)
    process.stdout.close()
    process.stderr.close()
    assert process.returncode == -signal.SIGKILL  # killed there, not ended on its own
    return line.removeprefix("inside").strip()


def run_to_the_end(script: str, *args: str) -> None:
    finished = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script), *args, "run"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert finished.returncode == 0, finished.stderr


def count(workspace, table, *where) -> int:
    with workspace.begin() as connection:
        query = select(func.count()).select_from(table)
        return connection.execute(query.where(*where) if where else query).scalar_one()


# Exports. In pause mode, "writing" wraps every file opened for writing whose name ends in
# .part, so that the write which brings it past PAUSE_AFTER bytes says `inside` and waits;
# "renamed" waits once the part file has been renamed into place (the folder's sync).
EXPORT = f"""
    import builtins, io, os, sys, time
    import pandas as pd
    import usikit.io.atomic
    from usikit.io import Sheet, write_csv, write_xlsx

    source, target, pause, mode = sys.argv[1:5]

    def wait_here(size):
        print("inside", size, flush=True)
        time.sleep(600)

    class Pausing:
        def __init__(self, handle):
            self.handle, self.written = handle, 0
        def write(self, data):
            count = self.handle.write(data)
            self.written += len(data)
            if self.written >= {PAUSE_AFTER}:
                self.handle.flush()
                wait_here(os.fstat(self.handle.fileno()).st_size)
            return count
        def __getattr__(self, name):
            return getattr(self.handle, name)
        def __enter__(self):
            return self
        def __exit__(self, *exc):
            return self.handle.__exit__(*exc)

    real_open = io.open

    def opening(file, mode="r", *args, **kwargs):
        handle = real_open(file, mode, *args, **kwargs)
        part = isinstance(file, (str, os.PathLike)) and os.fspath(file).endswith(".part")
        return Pausing(handle) if part and "w" in mode else handle

    if mode == "pause" and pause == "writing":
        builtins.open = io.open = opening
    if mode == "pause" and pause == "renamed":
        usikit.io.atomic._sync_folder = lambda folder: wait_here(os.stat(target).st_size)
    frame = pd.read_csv(source, dtype=str, keep_default_na=False)
    if target.endswith(".csv"):
        write_csv(frame, target)
    else:
        write_xlsx([Sheet("Clients", frame)], target)
"""
EXPORTED = 5_000


def parts(folder) -> list:
    return sorted(p for p in folder.iterdir() if p.name.endswith(".part"))


def assert_complete(target) -> None:
    if target.suffix == ".csv":  # every record is there
        assert len(pd.read_csv(target, dtype=str, encoding="utf-8-sig")) == EXPORTED
    else:
        workbook = load_workbook(target, read_only=True)
        assert sum(1 for _ in workbook["Clients"].iter_rows()) == EXPORTED + 1
        workbook.close()


@pytest.mark.parametrize(
    ("suffix", "earlier", "pause"),
    [
        (".csv", True, "writing"),
        (".xlsx", True, "writing"),
        (".csv", False, "writing"),
        (".csv", True, "renamed"),
        (".xlsx", True, "renamed"),
    ],
)
def test_killed_export_leaves_the_old_file_or_the_new_one(tmp_path, suffix, earlier, pause):
    source = tmp_path / "clients.csv"
    synthetic_clients(EXPORTED, seed=3, today=TODAY).to_csv(source, index=False)
    exports = tmp_path / "exports"
    exports.mkdir()
    target = exports / f"export{suffix}"
    if earlier:
        target.write_text("the earlier export")
    size = int(kill_inside(EXPORT, str(source), str(target), pause))
    if pause == "writing":  # as before; the partial file is only a hidden part file
        [part] = parts(exports)
        assert part.name.startswith(f".{target.name}.")
        assert PAUSE_AFTER <= part.stat().st_size == size  # killed with part of it written
        assert sorted(p.name for p in exports.iterdir()) == sorted(
            [part.name, *([target.name] if earlier else [])]
        )
        if earlier:
            assert target.read_text() == "the earlier export"
    else:  # complete
        assert parts(exports) == [] and target.stat().st_size == size
        assert_complete(target)
    run_to_the_end(EXPORT, str(source), str(target), pause)
    assert_complete(target)
    assert parts(exports) == []  # the killed run's part file is gone with the next run


# The client import and the Registration & Certification apply both write their audit
# record last, in their transaction: in pause mode it counts the rows the transaction has
# written, says `inside` with that count, and waits before the commit.
IN_TRANSACTION = """
    import datetime as dt, sys, time
    import pandas as pd
    from sqlalchemy import func, select
    from usikit.workspace import open_workspace
    from usikit.store import audit
    from {table_module} import {table}
    from {work_module} import {work}

    def rows_then_wait(table):
        real_record = audit.record
        def record(connection, *args, **kwargs):
            real_record(connection, *args, **kwargs)
            written = connection.execute(select(func.count()).select_from(table)).scalar_one()
            print("inside", written, flush=True)
            time.sleep(600)
        audit.record = record

    url, source, mode = sys.argv[1:4]
    workspace = open_workspace(url)
    frame = pd.read_csv(source, dtype=str, keep_default_na=False)
    if mode == "pause":
        rows_then_wait({table})
    {work}(workspace, frame, {options})
"""
IMPORT = IN_TRANSACTION.format(
    table_module="usikit.bulk_usi.tables", table="clients",
    work_module="usikit.bulk_usi.clients", work="import_clients",
    options="today=dt.date(2026, 11, 22)",
)  # fmt: skip
IMPORTED = 3_000


def test_killed_client_import_leaves_none_or_all(workspace_url, tmp_path):
    source = tmp_path / "clients.csv"
    synthetic_clients(IMPORTED, seed=4, today=TODAY).to_csv(source, index=False)
    workspace = open_workspace(workspace_url)
    written = kill_inside(IMPORT, workspace_url, str(source))
    assert int(written) == IMPORTED  # every row written, inside the transaction
    assert count(workspace, clients) == 0  # as before: the transaction never committed
    assert count(workspace, audit, audit.c.action == "clients import") == 0
    run_to_the_end(IMPORT, workspace_url, str(source))
    assert count(workspace, clients) == IMPORTED
    assert count(workspace, audit, audit.c.action == "clients import") == 1


APPLY = IN_TRANSACTION.format(
    table_module="usikit.regcert.tables", table="registrations",
    work_module="usikit.regcert.matching", work="import_file", options="apply=True",
)  # fmt: skip


def test_killed_registration_apply_leaves_none_or_all(workspace_url, tmp_path):
    register = synthetic_register(1_000, seed=5)
    workspace = open_workspace(workspace_url)
    import_learners(workspace, validate_learners(register))
    rows = import_rows(register, 1_500, seed=6)
    assert validate_regcert(rows, enrolments=register_enrolments(workspace)).ok
    source = tmp_path / "import.csv"
    rows.to_csv(source, index=False)
    written = kill_inside(APPLY, workspace_url, str(source))
    assert int(written) == len(rows)  # every record written, inside the transaction
    assert count(workspace, registrations) == 0  # as before: the transaction never committed
    assert count(workspace, audit, audit.c.action == "regcert apply") == 0
    run_to_the_end(APPLY, workspace_url, str(source))
    assert count(workspace, registrations) == len(rows)
    assert count(workspace, audit, audit.c.action == "regcert apply") == 1
