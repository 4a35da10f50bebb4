"""Reading workbooks and writing the styled error report, against plain pandas."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pandas as pd

from benchmarks.common import DATA, Figure, best_of
from benchmarks.data import TODAY
from usikit import read_table
from usikit.bulk_usi.samples import add_mistakes, synthetic_clients
from usikit.bulk_usi.template import write_clients_workbook
from usikit.bulk_usi.validation import validate_clients

READ_TARGET = 5.0  # read_table at least 5 times faster than read_excel(openpyxl)
REPORT_TARGET = 1.5  # the styled report at most 1.5 times a plain to_excel


def clients_xlsx(rows: int) -> Path:
    path = DATA / f"clients_{rows}.xlsx"
    if not path.exists():
        DATA.mkdir(parents=True, exist_ok=True)
        frame = synthetic_clients(rows, seed=rows, today=TODAY)
        write_clients_workbook(frame, path, date_cells=True)
    return path


def run(xlsx_rows: int, problems: int, repeat: int) -> list[Figure]:
    path = clients_xlsx(xlsx_rows)
    ours = best_of(lambda: read_table(path), repeat)
    theirs = best_of(lambda: pd.read_excel(path, engine="openpyxl", dtype=str), 1)
    figures = [
        Figure(
            f"`read_table` on a {xlsx_rows:,}-row XLSX",
            ours,
            '`pandas.read_excel(engine="openpyxl")`',
            theirs,
            target=f">= {READ_TARGET:.0f} x faster (<= {1 / READ_TARGET:.2f} x)",
            met=ours * READ_TARGET <= theirs,
        )
    ]
    report = _report_with(problems)
    with tempfile.TemporaryDirectory() as folder:
        styled = best_of(lambda: report.to_excel(Path(folder) / "report.xlsx"), repeat)
        plain = best_of(lambda: _plain_workbook(report, Path(folder) / "plain.xlsx"), repeat)
    figures.append(
        Figure(
            f"error report XLSX with {len(report.errors):,} problems (styled, three sheets)",
            styled,
            "plain `DataFrame.to_excel` of the same three sheets",
            plain,
            target=f"<= {REPORT_TARGET} x",
            met=styled <= REPORT_TARGET * plain,
        )
    )
    return figures


def _plain_workbook(report, path: Path) -> None:
    """The same three sheets, written by pandas without styles."""
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        report.records_grid().to_excel(writer, sheet_name="Records", index=False)
        report.errors.to_excel(writer, sheet_name="Errors", index=False)
        report.summary_table().to_excel(writer, sheet_name="Summary", index=False)


def _report_with(problems: int):
    """A client report with about `problems` problems (one mistake per broken record)."""
    rows = problems * 2
    broken, _ = add_mistakes(synthetic_clients(rows, seed=7, today=TODAY), rate=0.5, seed=8)
    return validate_clients(broken, today=TODAY)
