"""read_table against plain pandas on the same file."""

from __future__ import annotations

import pandas as pd

from benchmarks.common import Figure, best_of
from benchmarks.data import clients_csv
from usikit import read_table


def run(rows: int, repeat: int) -> list[Figure]:
    path = clients_csv(rows)
    baseline = best_of(lambda: pd.read_csv(path, dtype=str, keep_default_na=False), repeat)
    ours = best_of(lambda: read_table(path), repeat)
    return [
        Figure(
            f"`read_table` on a {rows:,}-row CSV",
            ours,
            "`pandas.read_csv(dtype=str)`",
            baseline,
            target="first look (no target yet)",
        )
    ]
