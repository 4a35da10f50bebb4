"""validate_clients against parsing the file, and against the rules run row by row."""

from __future__ import annotations

import pandas as pd

from benchmarks.common import Figure, best_of
from benchmarks.data import TODAY, clients_csv
from benchmarks.rowwise import validate_rows
from usikit import read_table
from usikit.rules.clients import validate_clients

PARSE_TARGET = 1.0  # validation takes no longer than parsing the file
ROWWISE_TARGET = 20.0  # and is at least 20 times faster than a row-by-row loop


def run(sizes: tuple[int, ...], repeat: int, rowwise_rows: int) -> tuple[list[Figure], list[str]]:
    figures: list[Figure] = []
    per_record: list[tuple[int, float]] = []
    for rows in sizes:
        path = clients_csv(rows)
        parse = best_of(lambda p=path: pd.read_csv(p, dtype=str, keep_default_na=False), repeat)
        frame = read_table(path)
        seconds = best_of(lambda f=frame: validate_clients(f, today=TODAY), repeat)
        per_record.append((rows, seconds / rows))
        figures.append(
            Figure(
                f"`validate_clients` on {rows:,} records (all rules)",
                seconds,
                "`pandas.read_csv(dtype=str)` of the same file",
                parse,
                target=f"<= {PARSE_TARGET:.1f} x",
                met=seconds <= PARSE_TARGET * parse,
            )
        )
    path = clients_csv(rowwise_rows)
    frame = read_table(path)
    ours = best_of(lambda: validate_clients(frame, today=TODAY), repeat)
    loop = best_of(lambda: validate_rows(path, TODAY), 1)
    figures.append(
        Figure(
            f"`validate_clients` on {rowwise_rows:,} records",
            ours,
            "the rules row by row in plain Python (`benchmarks/rowwise.py`)",
            loop,
            target=f"<= {1 / ROWWISE_TARGET:.2f} x ({ROWWISE_TARGET:.0f} x faster)",
            met=ours * ROWWISE_TARGET <= loop,
        )
    )
    fastest = min(cost for _, cost in per_record)
    growth = [
        "| records | time per record | against the cheapest size |",
        "|---|---|---|",
        *(
            f"| {rows:,} | {cost * 1e6:.2f} us | {cost / fastest:.2f} x |"
            for rows, cost in per_record
        ),
    ]
    return figures, growth
