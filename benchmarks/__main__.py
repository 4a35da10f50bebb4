"""Run every benchmark and write benchmarks/RESULTS.md.

`python -m benchmarks` runs the sizes the targets name (1,000,000 records; about an hour, most
of it spent in the slow baselines); `--quick` runs small sizes for a smoke test.
`python -m benchmarks report` runs only the error report's benchmarks and rewrites only their
section of RESULTS.md. `python -m benchmarks messy` runs only the messy files' benchmarks
(`benchmarks/bench_messy.py`) and rewrites only their section.
"""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

from benchmarks import (
    bench_batches,
    bench_files,
    bench_messy,
    bench_process,
    bench_read,
    bench_regcert,
    bench_report,
    bench_validate,
)
from benchmarks.common import HERE, machine, table

REPORT_SECTION = "## The error report at a million records"
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
"""


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks")
    parser.add_argument(
        "which", nargs="?", choices=("all", "report", "messy"), default="all",
        help="report, messy: only the error report's or the messy files' benchmarks (their "
        "section of the results)",
    )  # fmt: skip
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke test")
    parser.add_argument("--out", default=str(HERE / "RESULTS.md"))
    args = parser.parse_args()
    quick = args.quick
    if args.which == "messy":
        messy = messy_section(quick)
        replace_section(Path(args.out), messy, MESSY_SECTION)
        print("\n".join(messy))
        return
    report = report_section(20_000 if quick else 1_000_000, quick)
    if args.which == "report":
        replace_section(Path(args.out), report)
        print("\n".join(report))
        return
    sizes = (2_000, 10_000, 20_000) if quick else (10_000, 100_000, 1_000_000)
    repeat = 2 if quick else 3
    figures = bench_read.run(sizes[-1], repeat)
    validation, growth = bench_validate.run(sizes, repeat)
    figures += validation
    figures += bench_process.run(sizes[-1], 2 if not quick else 1)
    figures += bench_files.run(5_000 if quick else 100_000, 1)
    figures += bench_regcert.run(
        learners=2_000 if quick else 100_000,
        repeat=repeat,
        file_bytes=(256 if quick else 2048) * 1024,
    )
    workflow = bench_batches.run(1_000 if quick else 10_000)
    lines = [
        "# Benchmark results",
        "",
        f"Measured {dt.datetime.now():%Y-%m-%d %H:%M} with `make bench`"
        + (" (quick sizes)" if quick else "")
        + "; every ratio is against a baseline measured in the same run.",
        "",
        *machine(),
        "",
        *table(figures),
        "",
        "## Growth: validation time per record",
        "",
        *growth,
        "",
        "## Create-USI batch workflow",
        "",
        *workflow,
        "",
        *report,
        "",
        *messy_section(quick),
        "",
        NOTES,
    ]
    with open(args.out, "w", encoding="utf-8") as handle:
        handle.write("\n".join(lines))
    print("\n".join(lines))


def report_section(rows: int, quick: bool) -> list[str]:
    """The error report's benchmarks as their own section of RESULTS.md."""
    figures = bench_report.run(rows)
    return [
        REPORT_SECTION,
        "",
        f"Measured {dt.datetime.now():%Y-%m-%d %H:%M}"
        + (" (quick sizes)" if quick else "")
        + "; every ratio is against a baseline measured in the same run.",
        "",
        *table(figures),
        "",
        REPORT_NOTES,
    ]


def messy_section(quick: bool) -> list[str]:
    """The messy files' benchmarks as their own section of RESULTS.md."""
    figures, profiles = bench_messy.run(quick, 1 if quick else 2)
    return [
        MESSY_SECTION,
        "",
        f"Measured {dt.datetime.now():%Y-%m-%d %H:%M}"
        + (" (quick sizes)" if quick else "")
        + f"; every ratio is against a baseline measured in the same run. {load()}",
        "",
        *figures,
        *(["", "### Where the time goes where a target is missed", "", *profiles] * bool(profiles)),
    ]


def load() -> str:
    """How busy the machine was (other work shares its cores and slows every figure)."""
    try:
        one, five, _ = Path("/proc/loadavg").read_text().split()[:3]
    except (OSError, ValueError):
        return ""
    return f"Load average at the end of the run: {one} (1 min), {five} (5 min)."


def replace_section(path: Path, section: list[str], title: str = REPORT_SECTION) -> None:
    """Put `section` in place of the section of the same title in `path` (or at its end)."""
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    lines = text.splitlines()
    if title in lines:
        start = lines.index(title)
        end = next(
            (i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines)
        )
        lines[start:end] = [*section, ""]
    else:
        lines += ["", *section]
    path.write_text("\n".join(lines).rstrip("\n") + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
