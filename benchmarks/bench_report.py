"""The styled error report at a million records, and `usikit validate --errors` end to end.

Two files of the same records: the benchmark file (about 3% of records broken) and the same
file with every date written yyyy-mm-dd, as an export from another system writes them (a
"changed" warning for every date: about 1.5 million problems, more than an Excel sheet holds,
so the Errors list continues on a second sheet). Each measurement runs in a fresh process,
so that its memory is its own: the workbook usikit writes against a plain
`DataFrame.to_excel` of the same sheets, and the command against a process that only reads
the file with pandas.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import pandas as pd

from benchmarks.common import DATA, Figure
from benchmarks.data import clients_csv
from usikit.bulk_usi.validation import DATE_COLUMNS

REPORT_TARGET = 5.0  # the styled report at most 5 times a plain to_excel of the same sheets
MEMORY_LIMIT_MB = 2048  # extra memory while writing the styled report

PROBE = textwrap.dedent(
    """
    import gc, json, sys, threading, time
    import datetime as dt
    import pandas as pd
    from usikit import read_table
    from usikit.bulk_usi.validation import validate_clients
    from usikit.report import EXPORT_HEADERS

    def rss():
        with open("/proc/self/statm") as handle:
            return int(handle.read().split()[1]) * 4096

    def plain(report, target, per_sheet=1_048_575):
        # The same sheets as usikit writes, the Errors list split where Excel needs it.
        with pd.ExcelWriter(target, engine="openpyxl") as writer:
            report.records_grid().to_excel(writer, sheet_name="Records", index=False)
            errors = report.errors.rename(columns=EXPORT_HEADERS)
            for n, start in enumerate(range(0, max(1, len(errors)), per_sheet), start=1):
                name = "Errors" if n == 1 else f"Errors ({n})"
                part = errors.iloc[start : start + per_sheet]
                part.to_excel(writer, sheet_name=name, index=False)
            report.summary_table().to_excel(writer, sheet_name="Summary", index=False)
        return ["Records", "Errors", "Summary"]

    mode, source, target = sys.argv[1:4]
    report = validate_clients(read_table(source), today=dt.date(2026, 11, 22))
    gc.collect()
    before, peak, running = rss(), [0], [True]

    def watch():
        while running[0]:
            peak[0] = max(peak[0], rss())
            time.sleep(0.01)

    watcher = threading.Thread(target=watch)
    watcher.start()
    start = time.perf_counter()
    if mode == "styled":
        written = report.to_workbook(target)
        sheets = [title for sheet in written.sheets for title in sheet.titles]
    else:
        sheets = plain(report, target)
    seconds = time.perf_counter() - start
    running[0] = False
    watcher.join()
    print(json.dumps({
        "seconds": seconds, "extra": max(peak[0], rss()) - before, "problems": len(report.errors),
        "records": report.n_records, "sheets": sheets,
    }))
    """
)

TIMED = textwrap.dedent(
    """
    import json, resource, subprocess, sys, time
    start = time.perf_counter()
    done = subprocess.run(sys.argv[1:], capture_output=True)
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
    print(json.dumps({"seconds": seconds, "peak": peak, "status": done.returncode}))
    """
)


def iso_dates_csv(rows: int) -> Path:
    """The benchmark file with every date written yyyy-mm-dd (month-years left as they are)."""
    path = DATA / f"clients_{rows}_iso_dates.csv"
    if not path.exists():
        frame = pd.read_csv(clients_csv(rows), dtype=str, keep_default_na=False)
        for name in DATE_COLUMNS:
            frame[name] = frame[name].str.replace(
                r"^(\d\d)/(\d\d)/(\d{4})$", r"\3-\2-\1", regex=True
            )
        temporary = path.with_suffix(".part")
        frame.to_csv(temporary, index=False)
        temporary.replace(path)
    return path


def _probe(mode: str, source: Path, target: Path) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, mode, str(source), str(target)],
        capture_output=True,
        text=True,
        check=True,
    )
    return _said(f"{mode} report of {source.name}", done.stdout)


def _timed(what: str, *command: str) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", TIMED, *command], capture_output=True, text=True, check=True
    )
    return _said(what, done.stdout)


def _said(what: str, output: str) -> dict:
    """A measurement, also shown as soon as it is taken: a run lasts most of an hour."""
    figures = json.loads(output)
    print(f"{what}: {json.dumps(figures)}", file=sys.stderr, flush=True)
    return figures


def run(rows: int) -> list[Figure]:
    """The report and the command on both files of `rows` records."""
    figures: list[Figure] = []
    files = (
        ("the benchmark file", clients_csv(rows)),
        ("every date written yyyy-mm-dd", iso_dates_csv(rows)),
    )
    for label, source in files:
        with tempfile.TemporaryDirectory() as folder:
            styled = _probe("styled", source, Path(folder) / "styled.xlsx")
            plain = _probe("plain", source, Path(folder) / "plain.xlsx")
            command = _timed(
                f"usikit validate {source.name}",
                sys.executable, "-m", "usikit", "validate", "clients", str(source),
                "--errors", str(Path(folder) / "errors.xlsx"),
            )  # fmt: skip
        read = _timed(
            f"pandas.read_csv of {source.name}",
            sys.executable,
            "-c",
            f"import pandas; pandas.read_csv({str(source)!r}, dtype=str)",
        )
        sheets = ", ".join(styled["sheets"])
        what = f"{styled['records']:,} records, {label}: {styled['problems']:,} problems"
        figures += [
            Figure(
                f"styled error report XLSX, {what} (sheets {sheets})",
                styled["seconds"],
                "plain `DataFrame.to_excel` (openpyxl) of the same sheets",
                plain["seconds"],
                target=f"<= {REPORT_TARGET:.0f} x",
                met=styled["seconds"] <= REPORT_TARGET * plain["seconds"],
            ),
            Figure(
                "peak extra memory while writing that report (resident set)",
                styled["extra"] / 2**20,
                "the same for the plain `to_excel`",
                plain["extra"] / 2**20,
                target=f"< {MEMORY_LIMIT_MB:,} MB",
                met=styled["extra"] / 2**20 < MEMORY_LIMIT_MB,
                unit="MB",
            ),
            Figure(
                f"`usikit validate clients FILE --errors e.xlsx` end to end, {what}",
                command["seconds"],
                '`python -c "import pandas; pandas.read_csv(FILE, dtype=str)"`',
                read["seconds"],
                target="first look (no target)",
            ),
            Figure(
                "peak memory of that command (resident set of the process)",
                command["peak"] / 2**20,
                "the same for the process that only reads the file",
                read["peak"] / 2**20,
                unit="MB",
            ),
        ]
    return figures
