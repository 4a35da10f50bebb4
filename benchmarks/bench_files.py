"""Reading workbooks, against plain pandas (the styled error report: bench_report.py)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from benchmarks.common import DATA, Figure, best_of
from benchmarks.data import TODAY
from usikit import read_table
from usikit.bulk_usi.samples import synthetic_clients
from usikit.bulk_usi.template import write_clients_workbook

READ_TARGET = 5.0  # read_table at least 5 times faster than read_excel(openpyxl)


def clients_xlsx(rows: int) -> Path:
    path = DATA / f"clients_{rows}.xlsx"
    if not path.exists():
        DATA.mkdir(parents=True, exist_ok=True)
        frame = synthetic_clients(rows, seed=rows, today=TODAY)
        write_clients_workbook(frame, path, date_cells=True)
    return path


def run(xlsx_rows: int, repeat: int) -> list[Figure]:
    path = clients_xlsx(xlsx_rows)
    ours = best_of(lambda: read_table(path), repeat)
    theirs = best_of(lambda: pd.read_excel(path, engine="openpyxl", dtype=str), 1)
    return [
        Figure(
            f"`read_table` on a {xlsx_rows:,}-row XLSX",
            ours,
            '`pandas.read_excel(engine="openpyxl")`',
            theirs,
            target=f">= {READ_TARGET:.0f} x faster (<= {1 / READ_TARGET:.2f} x)",
            met=ours * READ_TARGET <= theirs,
        )
    ]
