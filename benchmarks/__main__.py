"""Run every benchmark and write benchmarks/RESULTS.md.

`python -m benchmarks` runs the sizes the targets name (1,000,000 records; about an hour, most
of it spent in the slow baselines); `--quick` runs small sizes for a smoke test.
`python -m benchmarks core` runs only the first table (reading, validation at three sizes
against parsing, the loop and frictionless, the command, the workbook read) with the growth
table and the profile, and rewrites only the part of RESULTS.md above the batch workflow;
`python -m benchmarks report` runs only the error report's benchmarks and rewrites only their
section of RESULTS.md; `python -m benchmarks startup`, `regcert` and `messy` do the same for
the command's start-up, for Registration & Certification and for the messy files
(`benchmarks/bench_messy.py`), and `python -m benchmarks stream` for the file larger than
memory (10,000,000 records; many minutes).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
from pathlib import Path

from benchmarks import (
    bench_batches,
    bench_files,
    bench_messy,
    bench_process,
    bench_read,
    bench_regcert,
    bench_report,
    bench_startup,
    bench_stream,
    bench_validate,
)
from benchmarks.common import HERE, machine, table

REPORT_SECTION = "## The error report at a million records"
REGCERT_SECTION = "## Registration & Certification at scale"
STREAM_SECTION = "## Files larger than memory"
STREAM_NOTES = """\
One run of each in a fresh process: `usikit validate clients FILE --errors errors.csv` from its
start to its end, and the largest resident set of its process as the kernel counts it
(`wait4`), against `pandas.read_csv(dtype=str)` reading the same file whole in its own
process. The file is larger than the 512 MB from which the command reads a chunk of 250,000
records at a time, twice (a first pass indexes Client IDs and people for the checks across
records); its memory is the chunk's, plus 32 bytes a record while that index is built.
A chunk at a time cost 2.58 x the whole file on 2026-12-02 (1.39 x in the run of 16:43 that
day): the whole file got faster when the rules of each column began to run on its distinct
values (9.7 s against 14.0 s), a chunk at a time did not (25.0 s against 19.4 s; 22.6 s on
that code and 24.5 s on commit a40db6c, one run each, just after), as each chunk of 250,000
records hashes its repeating columns anew and the first pass reads the file once more.
Carrying each column's distinct values from one chunk to the next would save that hashing
(not measured). On 2026-12-04, after the work of 3 and 4 December (each column in one chunk
among it), a chunk at a time took 12.0 s against 5.7 s for the whole file (2.10 x), and the
10,000,000 records 92 s with a peak of 1.3 GB (208 s and 1.2 GB on 2026-12-02)."""
MESSY_SECTION = "## Messy files"
REPORT_NOTES = """\
Each figure is one run in a fresh process (the baselines take minutes): the workbook written
by `ValidationReport.to_workbook` (records, fills and summary built, rows streamed into a
write-only workbook) against pandas writing the same sheets without styles; memory is the
largest resident set seen while writing minus the resident set before (the report is in
memory already), sampled every 10 ms. The command is timed from its start to its end, with the
largest resident set of its process. Before the workbook was streamed, the same command took
306 s and 3.1 GB on a 1,000,000-record file (41 x the read-only process)."""

NOTES = """\
## How each figure is measured

- Times are the best of several runs (one run for the slowest baselines), each on a file
  generated once with a fixed seed (`benchmarks/data/`, about 3% of records broken in every way
  `usikit.bulk_usi.samples.MISTAKES` knows). Validation times exclude reading the file.
- The row-by-row baseline (`benchmarks/rowwise.py`) applies the same normalisation and checks
  in plain Python, reading the CSV with the csv module as such a script would. The frictionless
  baseline uses the nearest Table Schema (`benchmarks/frictionless_baseline.py`), which cannot
  express the rules that span several columns, so it does less work than usikit.
- Peak memory is the largest resident set seen while `validate_clients` runs (sampled every
  5 ms in a fresh process) minus the resident set before it, against the DataFrame's own size.
  Before it is taken, Arrow's allocator hands back what reading the file freed (since
  2026-12-04: `read_table` joins each column's chunks, and the memory the chunks held, kept
  for reuse, had made the figure read 185 MB where validation needs about 600 MB).
"""


STARTUP_SECTION = "## Start-up"
STARTUP_NOTES = """\
Each figure is the best of several fresh processes, the command and its baseline run in turn
(a busy moment falls on both). `usikit --version` and `--help` import none of the heavy
libraries; `usikit validate` imports what the check needs (pandas, pyarrow, and pandera, which
runs the rules) but no database, workbook or registry library. The baseline of
`usikit validate` imports pandas and reads the same file as text. `usikit validate` is measured
twice: in the environment `make test` installs (the test tools too) and in one holding only
what `make lab` installs (`benchmarks/data/venv-lab`, made by the Makefile's own rule), as an
officer has it: with hypothesis installed, pandera's checks load its data generators, which
the officer's commands no longer pay. What keeps `usikit validate` from its target is what it
imports beyond pandas: pandera with its checks (the line `import pandas` and pandera) and
usikit's own rules and readers, then a fixed cost per rule (about half a millisecond each, 123
rules, on 10 records). Running the rules without pandera would close most of the import gap;
the fixed cost per rule needs the rules of a column evaluated as one expression.

The fixed cost of a small file was cut on 2026-12-03: each column is read from the frame once
per validation, the distinct-value paths are skipped at once below their size, lists of values
(the 298 country codes) are matched through an Arrow set made once instead of being converted
by pandas at every call, format tests take the column's blank cells from the byte lengths
worked out once, length limits read byte lengths first, every normalisation step hands back
the column itself when it changes nothing (no comparison of every cell), pandera is not asked
for missing columns when none is missing, and look-alike letters are folded in one pass.
Measured by one script that loads the code of commit 5d29274 and this code side by side in one
process and validates in turn (processor time of the validating thread, best and median of 40
rounds): 10 records 116 and 131 ms before, 89 and 104 ms after; 100 records 146 and 158 ms,
114 and 122 ms; 10,000 records 246 and 282 ms, 209 and 236 ms; 1,000,000 records 4.10 s and
3.94 s of processor time (best of three; no change beyond the noise). The same error
tables, row for row, on the six files of 10,000 and 200,000 records and on the million-record
benchmark and yyyy-mm-dd files."""


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks")
    parser.add_argument(
        "which", nargs="?", default="all",
        choices=("all", "core", "report", "startup", "regcert", "messy", "stream"),
        help="core, report, startup, regcert, messy, stream: only those benchmarks (their "
        "part of the results)",
    )  # fmt: skip
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke test")
    parser.add_argument("--out", default=str(HERE / "RESULTS.md"))
    args = parser.parse_args()
    quick = args.quick
    if args.which == "messy":
        messy = messy_section(quick)
        replace_section(Path(args.out), messy)
        print("\n".join(messy))
        return
    if args.which == "stream":
        section = stream_section(200_000 if quick else bench_stream.RECORDS, quick)
        replace_section(Path(args.out), section)
        print("\n".join(section))
        return
    if args.which == "regcert":
        regcert = regcert_section(quick)
        replace_section(Path(args.out), regcert)
        print("\n".join(regcert))
        return
    if args.which == "core":
        core = core_part(quick)
        replace_core(Path(args.out), core)
        print("\n".join(core))
        return
    startup = startup_section(3 if quick else 10, quick)
    if args.which == "startup":
        replace_section(Path(args.out), startup)
        print("\n".join(startup))
        return
    report = report_section(20_000 if quick else 1_000_000, quick)
    if args.which == "report":
        replace_section(Path(args.out), report)
        print("\n".join(report))
        return
    core = core_part(quick, "`make bench`")
    regcert = regcert_section(quick)
    workflow = bench_batches.run(1_000 if quick else 10_000)
    lines = [
        *core,
        "",
        WORKFLOW_SECTION,
        "",
        *workflow,
        "",
        *regcert,
        "",
        *report,
        "",
        *messy_section(quick),
        "",
        *startup,
        "",
        NOTES,
    ]
    kept = section_of(Path(args.out), STREAM_SECTION)  # measured on its own: kept as it is
    with open(args.out, "w", encoding="utf-8") as handle:
        handle.write("\n".join([*lines, *(["", *kept] if kept else [])]))
    print("\n".join(lines))


WORKFLOW_SECTION = "## Create-USI batch workflow"  # the first section the core part is not
# The sections `core_part` writes below its first table (the last two only when a target is
# missed, so an old copy of them goes whenever the core part is measured again).
CORE_SECTIONS = (
    bench_validate.GROWTH_SECTION,
    bench_validate.PROFILE_SECTION,
    bench_validate.MISSES_SECTION,
)


def core_part(quick: bool, how: str = "`python -m benchmarks core`") -> list[str]:
    """The top of RESULTS.md: the first table, the growth table and, where a target is
    missed, the profile and what would close it."""
    sizes = (2_000, 10_000, 20_000) if quick else (10_000, 100_000, 1_000_000)
    repeat = 2 if quick else 3
    figures = bench_read.run(sizes[-1], repeat)
    validation, growth = bench_validate.run(sizes, repeat)
    figures += validation
    figures += bench_process.run(sizes[-1], 2 if not quick else 1)
    figures += bench_files.run(5_000 if quick else 100_000, 1)
    return [
        "# Benchmark results",
        "",
        f"Measured {dt.datetime.now():%Y-%m-%d %H:%M} with {how}"
        + (" (quick sizes)" if quick else "")
        + f"; every ratio is against a baseline measured in the same run; {load_average()}. "
        "The sections from *Create-USI batch workflow* on each say when they were measured; "
        "*Messy files* measures the validation targets on the benchmark file and on four messy "
        "files.",
        "",
        *machine(),
        "",
        *table(figures),
        "",
        bench_validate.GROWTH_SECTION,
        "",
        *growth,
    ]


def replace_core(path: Path, core: list[str]) -> None:
    """Put `core` in place of the sections it writes in `path`, keeping every other section
    (each measured by its own command) after it, in the order they had."""
    lines = _lines(path)
    starts = [i for i, line in enumerate(lines) if line.startswith("## ")]
    rest = [
        line
        for start, end in zip(starts, [*starts[1:], len(lines)], strict=True)
        if lines[start] not in CORE_SECTIONS
        for line in lines[start:end]
    ]
    path.write_text("\n".join([*core, "", *rest]).rstrip("\n") + "\n", encoding="utf-8")


def measured(quick: bool) -> str:
    """The line under a section's title: when, and that its ratios are of one run."""
    return (
        f"Measured {dt.datetime.now():%Y-%m-%d %H:%M}"
        + (" (quick sizes)" if quick else "")
        + "; every ratio is against a baseline measured in the same run."
    )


def report_section(rows: int, quick: bool) -> list[str]:
    """The error report's benchmarks as their own section of RESULTS.md."""
    figures = bench_report.run(rows)
    return [
        REPORT_SECTION,
        "",
        measured(quick),
        "",
        *table(figures),
        "",
        REPORT_NOTES,
    ]


def startup_section(repeat: int, quick: bool) -> list[str]:
    """The command's start-up as its own section of RESULTS.md."""
    return [
        STARTUP_SECTION,
        "",
        f"Measured {dt.datetime.now():%Y-%m-%d %H:%M}"
        + (" (quick: fewer runs)" if quick else "")
        + f"; best of {repeat} runs, every ratio against a baseline measured in the same run;",
        f"{load_average()}.",
        "",
        *table(bench_startup.run(repeat)),
        "",
        STARTUP_NOTES,
    ]


def load_average() -> str:
    """How busy the machine was: start-up times grow with the other work it does."""
    try:
        one, five, _ = os.getloadavg()
    except (OSError, AttributeError):  # not measured on this system
        return "load average unknown"
    cores = os.cpu_count() or 1
    # The benchmarks' own work counts too (validation runs on two threads): only more runnable
    # work than the cores can take says that something else shared them.
    busy = " (a busy machine: other work shared its cores)" if one > cores * 1.5 else ""
    return f"load average {one:.2f} over 1 minute, {five:.2f} over 5, on {cores} cores{busy}"


def regcert_section(quick: bool) -> list[str]:
    """Registration & Certification's benchmarks as their own section of RESULTS.md."""
    result = bench_regcert.measure(
        learners=2_000 if quick else 100_000,
        repeat=2 if quick else 5,  # a few seconds each; the shared machine's noise is larger
        file_bytes=(256 if quick else 2048) * 1024,
    )
    return [
        REGCERT_SECTION,
        "",
        measured(quick),
        "",
        *table(result.figures),
        "",
        "Where `regcert import --apply` spends its time (best of the runs, each stage alone):",
        "",
        *bench_regcert.stage_table(result.stages),
        "",
        bench_regcert.NOTES,
    ]


def stream_section(records: int, quick: bool) -> list[str]:
    """The file larger than memory as its own section of RESULTS.md."""
    figures, notes = bench_stream.run(records)
    return [
        STREAM_SECTION,
        "",
        f"Measured {dt.datetime.now():%Y-%m-%d %H:%M}" + (" (quick size)" if quick else "") + ".",
        "",
        *table(figures),
        "",
        *notes,
        "",
        STREAM_NOTES,
    ]


def _span(lines: list[str], title: str) -> tuple[int, int] | None:
    """Where section `title` starts and ends (the next `## ` heading) in `lines`, if there."""
    if title not in lines:
        return None
    start = lines.index(title)
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines))
    return start, end


def _lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines() if path.exists() else []


def section_of(path: Path, title: str) -> list[str]:
    """The lines of section `title` in `path` (empty when it has none)."""
    lines = _lines(path)
    span = _span(lines, title)
    return lines[span[0] : span[1]] if span else []


def messy_section(quick: bool) -> list[str]:
    """The messy files' benchmarks as their own section of RESULTS.md."""
    figures, profiles = bench_messy.run(quick, 1 if quick else 3)
    return [
        MESSY_SECTION,
        "",
        f"{measured(quick)} {load_average()}.",
        "",
        *figures,
        *(["", "### Where the time goes where a target is missed", "", *profiles] * bool(profiles)),
    ]


def replace_section(path: Path, section: list[str]) -> None:
    """Put `section` in place of the section of the same title (its first line) in `path`, or
    at its end."""
    lines = _lines(path)
    span = _span(lines, section[0])
    if span:
        lines[span[0] : span[1]] = [*section, ""]
    else:
        lines += ["", *section]
    path.write_text("\n".join(lines).rstrip("\n") + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
