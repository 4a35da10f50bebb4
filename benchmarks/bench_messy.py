"""validate_clients on the messy files (benchmarks/messy.py) against parsing the same file,
the polars-expression baseline and the row-by-row loop, with the growth per record."""

from __future__ import annotations

import gc

import pandas as pd

from benchmarks.common import Figure, best_of, table
from benchmarks.data import TODAY
from benchmarks.messy import FILES
from benchmarks.polars_baseline import read, validate_with_polars
from benchmarks.profile_validation import profile
from benchmarks.rowwise import validate_rows
from usikit import read_table
from usikit.bulk_usi.validation import validate_clients

PARSE_TARGET = 0.5  # validation takes at most half the time of parsing the file
POLARS_TARGET = 2.0  # and at most twice the polars expressions' time
LOOP_TARGET = 20.0  # and is at least 20 times faster than the loop
GROWTH_TARGET = 1.5  # time per record from the smallest size to the largest
SMALLEST = 10_000

NOTES = """\
Each file is the benchmark file changed as the issue describes (`benchmarks/messy.py`;
seeded, kept in `benchmarks/data/`). Times are the best of the runs named above, all in this
one run; validation excludes reading the file (`read_table`, as in the table above), and so does
the polars baseline (`pl.read_csv` with every column as text). The polars baseline
(`benchmarks/polars_baseline.py`) does less than usikit: the normalisation and the main
single-column rules, duplicate Client IDs and the same person twice, but no check characters, no
rule spanning several columns (documents, addresses, permission), no masking, and duplicate
messages naming one other row. The row-by-row loop builds no message text for normalisation.
Before and after the error tables were built column by column (processor time of one
validation on one thread, the same files, measured one after the other on 2026-12-02 with the
machine busy): every date yyyy-mm-dd (2,468,107 problems) 24.5 s before, 11.1 s after; every
record missing a field 8.4 s, 6.5 s; 30% the same person twice 9.5 s, 7.5 s; the same 9 people
(200,000 records) 2.35 s, 1.59 s; the benchmark file 7.3 s, 6.7 s."""


CLOSING = """\
What the profiles above say, and what would close the targets missed:

- Reading the error table and the normalisation warnings is no longer where the time goes: a
  million "changed" warnings, a million "required" errors or 200,000 "same person" warnings are
  built column by column in Arrow (masking, dates rewritten in the column's buffer, messages
  joined element-wise, the table ordered by one integer sort): a few array operations per kind
  of problem. The file of yyyy-mm-dd dates still costs more than the benchmark file (11.1 s
  against 6.7 s of processor time): its 2.5 million lines are rewritten, compared, ordered and
  counted, each a pass over millions of cells.
- What remains is the rules stage (123 rules, each one or more passes over its column
  through pandas and Arrow, a few milliseconds per 100,000 records each) and the normalisation
  (17 steps, each scanning its columns' bytes). Half of `pandas.read_csv`'s time, the row-by-row
  loop's 20 x, and the polars expressions' 2 x all need the same next step: compiling each
  column's single-column rules and normalisation steps into one pass over its buffer (one set of
  RE2 patterns matched at once, lengths and byte classes from one scan), as polars' query engine
  fuses its expressions; then the rules spanning several columns on the columns' results.
- Growth: the smallest file pays a fixed cost per rule and per step (a pandas object or an
  Arrow call whatever the length), so time per record at 10,000 records is higher; fewer,
  fused passes would also cut that fixed cost.
"""


def _validation(path, repeat: int) -> tuple[float, pd.DataFrame]:
    frame = read_table(path)
    return best_of(lambda: validate_clients(frame, today=TODAY), repeat), frame


def run(quick: bool, repeat: int) -> tuple[list[str], list[str]]:
    """The results table and growth table of every messy file, and the profile of the files
    whose targets were missed (lines of RESULTS.md)."""
    figures: list[Figure] = []
    growth = [
        "| file | records | time per record | at 10,000 records | growth | target | met |",
        "|---|---|---|---|---|---|---|",
    ]
    profiles: list[str] = []
    for what, make, size in FILES:
        rows = max(size // 50, 2 * SMALLEST) if quick else size
        path = make(rows)
        parse = best_of(lambda p=path: pd.read_csv(p, dtype=str, keep_default_na=False), repeat)
        seconds, frame = _validation(path, repeat)
        polars_frame = read(path)
        polars = best_of(lambda f=polars_frame: validate_with_polars(f, TODAY), repeat)
        del polars_frame
        loop = best_of(lambda p=path: validate_rows(p, TODAY), 1)
        small_path = make(SMALLEST)
        small, small_frame = _validation(small_path, max(repeat, 3))
        work = f"`validate_clients`, {what} ({rows:,} records)"
        checks = (
            ("`pandas.read_csv(dtype=str)` of the same file", parse, PARSE_TARGET,
             f"<= {PARSE_TARGET:.1f} x"),
            ("the polars expressions (`benchmarks/polars_baseline.py`)", polars, POLARS_TARGET,
             f"<= {POLARS_TARGET:.1f} x"),
            ("the same rules row by row (`benchmarks/rowwise.py`)", loop, 1 / LOOP_TARGET,
             f">= {LOOP_TARGET:.0f} x faster (<= {1 / LOOP_TARGET:.2f} x)"),
        )  # fmt: skip
        missed = False
        for baseline, baseline_seconds, limit, target in checks:
            met = seconds <= limit * baseline_seconds
            missed |= not met
            figures.append(Figure(work, seconds, baseline, baseline_seconds, target, met))
        spread = (small / SMALLEST) / (seconds / rows)
        grows = max(spread, 1 / spread)
        missed |= grows > GROWTH_TARGET
        growth.append(
            f"| {what} | {rows:,} | {seconds / rows * 1e6:.2f} us | "
            f"{small / SMALLEST * 1e6:.2f} us | {grows:.2f} x | <= {GROWTH_TARGET} x | "
            f"{'yes' if grows <= GROWTH_TARGET else '**no**'} |"
        )
        if missed:
            frames = {SMALLEST: small_frame, rows: frame}
            profiles += [f"#### {what}", "", *profile(frames, TODAY), ""]
        print(f"measured: {what}", flush=True)
        del frame, small_frame
        gc.collect()
    if profiles:
        profiles.append(CLOSING)
    return [*table(figures), "", *growth, "", NOTES], profiles
