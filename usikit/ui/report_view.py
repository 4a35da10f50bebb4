"""A validation report as the file screens show it: the summary, any problem with the file as
a whole written out in full, a chart of the problems in words, the problems in a grid by
spreadsheet row, and the problem clicked written out whole."""

from __future__ import annotations

import ipywidgets as widgets
import pandas as pd

from usikit.problems import check_words
from usikit.report import ValidationReport
from usikit.ui.charts import AMBER, RED, Chart
from usikit.ui.detail import DetailPane
from usikit.ui.grid import AMBER as AMBER_ROW
from usikit.ui.grid import RED as RED_ROW
from usikit.ui.grid import PagedGrid
from usikit.ui.messages import box

# The report's columns as the grid names them; the check in words, never its id.
PROBLEM_COLUMNS = {"row": "Row", "column": "Column", "value": "Value", "what": "Check",
                   "severity": "Severity", "message": "Message"}  # fmt: skip
SEVERITY_COLOURS = {"error": RED_ROW, "warning": AMBER_ROW}
WHOLE_FILE = "file"  # the Row of a problem with the file as a whole


def problem_table(report: ValidationReport) -> pd.DataFrame:
    """The report's problems as text, one a line: spreadsheet row ("file" for the whole
    file), column, value, the check in words, severity and message."""
    errors = report.errors
    table = errors.assign(what=errors["check"].map(check_words)).rename(columns=PROBLEM_COLUMNS)
    table = table[list(PROBLEM_COLUMNS.values())]
    table["Row"] = table["Row"].astype(object).where(table["Row"].notna(), WHOLE_FILE)
    return table.astype(str)


def problem_bars(report: ValidationReport) -> list[tuple[str, int, str]]:
    """The chart's bars: problems by column and check (in words), red for errors."""
    return [
        (f"{r.column}: {r.what}", r.problems, RED if r.severity == "error" else AMBER)
        for r in report.summary().itertuples(index=False)
    ]


class ReportView:
    """The widgets that show one validation report; `show(None, ...)` shows none yet."""

    def __init__(self, page_size: int) -> None:
        self.summary = widgets.HTML()
        self.file_problems = widgets.HTML()
        self.chart = Chart()
        self.grid = PagedGrid(
            status="Severity",
            colours=SEVERITY_COLOURS,
            page_size=page_size,
            column_widths={"Column": 170, "Value": 130, "Check": 210, "Message": 700},
        )
        self.detail = DetailPane("Click a problem to read it whole here.")
        self.grid.on_choose(lambda keys: self.detail.show(self.grid.frame, keys))
        self.widgets = (
            self.summary,
            self.file_problems,
            self.chart.widget,
            self.grid.widget,
            self.detail.widget,
        )

    def show(self, report: ValidationReport | None, line: str, kind: str) -> None:
        """`line` in the summary box (coloured by `kind`), and the report's problems."""
        self.summary.value = box(line, kind)
        self.file_problems.value = ""
        if report is None:
            self.grid.show(pd.DataFrame(columns=list(PROBLEM_COLUMNS.values())))
            self.chart.clear()
        else:
            whole = report.errors[report.errors["row"].isna()]
            self.file_problems.value = "".join(  # it blocks every record: written out in full
                box(message, "error" if severity == "error" else "warning")
                for message, severity in zip(whole["message"], whole["severity"], strict=True)
            )
            self.grid.show(problem_table(report))
            self.chart.show("Problems by column and check", problem_bars(report))
        self.detail.show(self.grid.frame, self.grid.chosen)
        if report is not None and report.errors.empty:
            self.detail.widget.value = "<div style='color:#0f5132;margin:4px 0'>No problems.</div>"
