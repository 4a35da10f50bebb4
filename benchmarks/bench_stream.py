"""Files larger than memory: `usikit validate clients` on 10,000,000 records, time and peak
resident set of its process, against pandas reading the same file whole.

The file is made of copies of one generated block (seeded, with the usual mistakes), each copy
with its own Client IDs and family names so that records stay distinct people; the first
records of every copy keep the block's Client IDs, so some IDs repeat across the whole file
(groups spanning every chunk). It is kept in benchmarks/data/ (about 2.5 GB).
"""

from __future__ import annotations

import os
import string
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.common import DATA, Figure
from benchmarks.data import MISTAKE_RATE, TODAY
from usikit.bulk_usi.samples import add_mistakes, synthetic_clients

RECORDS = 10_000_000
BLOCK = 250_000
SHARED_IDS = 3  # records of each copy that keep the block's Client IDs (repeated file-wide)
MEMORY_TARGET = 4 * 2**30  # bytes of resident set, the whole process


def big_clients_csv(records: int = RECORDS) -> Path:
    """A client file of `records` records made of perturbed copies of one block."""
    path = DATA / f"clients_stream_{records}.csv"
    if path.exists():
        return path
    DATA.mkdir(parents=True, exist_ok=True)
    size = min(BLOCK, records)
    block, _ = add_mistakes(
        synthetic_clients(size, seed=records, today=TODAY), rate=MISTAKE_RATE, seed=records + 1
    )
    ids, family = block["Client ID"].astype(str), block["Family Name"].astype(str)
    temporary = path.with_suffix(".part")
    with open(temporary, "w", encoding="utf-8", newline="") as handle:
        for copy in range(-(-records // size)):
            part = block.head(min(size, records - copy * size)).copy()
            mark = _letters(copy)
            fresh = ids.head(len(part)).copy()
            fresh.iloc[SHARED_IDS:] = f"K{copy}-" + fresh.iloc[SHARED_IDS:]
            part["Client ID"] = fresh.to_numpy()
            named = (family.head(len(part)) != "").to_numpy()
            part.loc[named, "Family Name"] = family.head(len(part))[named] + mark
            part.to_csv(handle, index=False, header=copy == 0, lineterminator="\n")
    temporary.replace(path)
    return path


def _letters(number: int) -> str:
    """A suffix of lower-case letters, distinct for each copy (a name holds only letters)."""
    letters = ""
    while True:
        number, remainder = divmod(number, 26)
        letters += string.ascii_lowercase[remainder]
        if not number:
            return letters


def _measured(command: list[str]) -> tuple[float, int, int]:
    """(seconds, peak resident set in bytes, exit status) of a command in a fresh process."""
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.stderr is not None:
        process.stderr.close()
    return seconds, usage.ru_maxrss * 1024, process.returncode


HEAD_RECORDS = 1_000_000  # the first records, validated both ways: what streaming costs
BOTH_WAYS = (
    "import datetime as dt, sys\n"
    "from usikit.bulk_usi.file_validation import validate_clients_file\n"
    "validate_clients_file(sys.argv[1], errors=sys.argv[2], today=dt.date(2026, 11, 22), "
    "stream_from=int(sys.argv[3]))"
)


def head_of(path: Path, records: int) -> Path:
    """The header and first `records` records of a generated file."""
    head = DATA / f"{path.stem}_head_{records}.csv"
    if not head.exists():
        temporary = head.with_suffix(".part")
        with open(path, "rb") as source, open(temporary, "wb") as target:
            for _ in range(records + 1):
                target.write(source.readline())
        temporary.replace(head)
    return head


def both_ways(path: Path, records: int) -> tuple[list[Figure], list[str]]:
    """The first `records` records validated a chunk at a time and whole, each in a fresh
    process; whether the two error reports are the same bytes."""
    head = head_of(path, records)
    python = sys.executable
    with tempfile.TemporaryDirectory() as folder:
        streamed_csv, whole_csv = Path(folder) / "streamed.csv", Path(folder) / "whole.csv"
        streamed = _measured([python, "-c", BOTH_WAYS, str(head), str(streamed_csv), "0"])
        whole = _measured([python, "-c", BOTH_WAYS, str(head), str(whole_csv), str(2**62)])
        same = streamed_csv.read_bytes() == whole_csv.read_bytes()
    figures = [
        Figure(
            f"`validate_clients_file` on {records:,} records a chunk at a time (two passes), "
            "errors to CSV: time",
            streamed[0],
            "the same file read and validated whole",
            whole[0],
            target="(none: what streaming costs)",
        ),
        Figure(
            f"`validate_clients_file` on {records:,} records a chunk at a time: peak resident set",
            streamed[1] / 2**20,
            "the same file read and validated whole: peak resident set",
            whole[1] / 2**20,
            target="(none)",
            unit="MB",
        ),
    ]
    said = "the same bytes" if same else "**different**"
    return figures, [f"The two error reports of the first {records:,} records are {said}."]


def run(records: int = RECORDS) -> tuple[list[Figure], list[str]]:
    """The figures, and notes on the run (file size, load, exit statuses)."""
    path = big_clients_csv(records)
    python = sys.executable
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as folder:
        errors = Path(folder) / "errors.csv"
        command = [
            python,
            "-m",
            "usikit",
            "validate",
            "clients",
            str(path),
            "--errors",
            str(errors),
        ]
        seconds, peak, status = _measured(command)
        written = errors.stat().st_size if errors.exists() else 0
    load_after = os.getloadavg()
    read = f"import pandas; pandas.read_csv({str(path)!r}, dtype=str)"
    read_seconds, read_peak, read_status = _measured([python, "-c", read])
    gib = 2**30
    figures = [
        Figure(
            f"`usikit validate clients` on {records:,} records ({path.stat().st_size / gib:.1f} "
            "GiB CSV), errors to CSV: time",
            seconds,
            "`pandas.read_csv(dtype=str)` of the same file (reading only)",
            read_seconds,
            target="(none: a first measure)",
        ),
        Figure(
            f"`usikit validate clients` on {records:,} records: peak resident set",
            peak / 2**20,
            "`pandas.read_csv(dtype=str)` of the same file: peak resident set",
            read_peak / 2**20,
            target=f"< {MEMORY_TARGET / gib:.0f} GiB",
            met=peak < MEMORY_TARGET,
            unit="MB",
        ),
    ]
    notes = [
        f"The command exited with status {status} (1: records with errors, as the file has) "
        f"and wrote an error report of {written / 2**20:,.0f} MB; pandas exited with "
        f"{read_status}.",
        f"Load average (1, 5, 15 minutes) before the command: {_load(load_before)}; after it: "
        f"{_load(load_after)} (the machine has {os.cpu_count()} cores shared with other work, "
        "so the times are upper bounds).",
    ]
    more, said = both_ways(path, min(HEAD_RECORDS, records))
    return figures + more, notes + said


def _load(values: tuple[float, float, float]) -> str:
    return ", ".join(f"{value:.2f}" for value in values)
