"""Validation a chunk of records at a time, for files larger than memory: each chunk's
`ValidationReport` is folded into a `FileReport` (the counts and the summary by column and
check that the whole file's report would have) and its problems are written to the error
report as they come, so that memory holds one chunk whatever the file's size."""

from __future__ import annotations

import codecs
import contextlib
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, cast

import numpy as np
import pandas as pd

from usikit.io.safety import neutralise_frame
from usikit.problem_kinds import EXAMPLE_ROWS, KIND_COLUMNS, problem_kinds
from usikit.problems import PROBLEM_COLUMNS, WARNING
from usikit.report import (
    EXPORT_HEADERS,
    INVALID,
    SUMMARY_COLUMNS,
    ValidationReport,
    _cell_fills,
    first_rows,
    in_summary_order,
    kind_sentence,
)

if TYPE_CHECKING:
    from usikit.io.sheets import SheetLimits


class FileReport:
    """What validating a file a chunk at a time found: the same counts, summary by column
    and check and problems with the whole file as `ValidationReport` has for the whole file.
    The problems themselves went to the error report as they were found (`notes`: what
    Excel's limits changed in a workbook); the records are not kept."""

    def __init__(self, source: str | None) -> None:
        self.source = source
        self.n_records = self.n_invalid = self.n_warnings = self.n_problems = 0
        self.file_problems = pd.DataFrame(columns=list(PROBLEM_COLUMNS))
        self.notes: list[str] = []
        self._kinds: dict[tuple, list] = {}  # (column, check, what, severity) -> counts

    @classmethod
    def of(cls, report: ValidationReport, errors: str | Path | None = None) -> FileReport:
        """A whole file's report as a `FileReport`, its problems written to `errors` (.csv or
        .xlsx) by the report's own writers."""
        result = cls(report.source)
        result.add(report.errors, report, first=True)
        if errors is not None:
            if Path(errors).suffix.lower() == ".xlsx":
                result.notes = report.to_workbook(errors).notes()
            else:
                report.to_csv(errors)
        return result

    @property
    def n_valid(self) -> int:
        return self.n_records - self.n_invalid

    @property
    def ok(self) -> bool:
        return self.n_invalid == 0

    def summary_line(self) -> str:
        """The one line a person reads first: `N records: V valid, I with errors`."""
        noun = "record" if self.n_records == 1 else "records"
        return f"{self.n_records:,} {noun}: {self.n_valid:,} valid, {self.n_invalid:,} with errors"

    def summary(self) -> pd.DataFrame:
        """As `ValidationReport.summary`: problems counted by column and check."""
        if not self._kinds:
            return pd.DataFrame(columns=SUMMARY_COLUMNS)
        lines = [
            (*key, problems, records, example, first_rows(rows))
            for key, (problems, records, example, rows) in self._kinds.items()
        ]
        table = pd.DataFrame(lines, columns=[*KIND_COLUMNS, "problems", "records", "example",
                                             "first_rows"])  # fmt: skip
        table["records"] = table["records"].astype("int64")
        table["problems"] = table["problems"].astype("int64")
        return in_summary_order(table)

    def summary_lines(self, most: int | None = None) -> list[tuple[str, str]]:
        """As `ValidationReport.summary_lines`."""
        table = self.summary()
        if most is not None:
            table = table.head(most)
        return [(row.severity, kind_sentence(row)) for row in table.itertuples(index=False)]

    def summary_table(self, notes: Iterable[str] = ()) -> pd.DataFrame:
        """The Summary sheet, laid out as `ValidationReport.summary_table` lays it out."""
        return ValidationReport.summary_table(cast(ValidationReport, self), notes)

    def add(self, errors: pd.DataFrame, report: ValidationReport, *, first: bool) -> None:
        """Fold in a chunk's report; `errors` are its problems to count (those with the whole
        file only from the first chunk)."""
        self.n_records += report.n_records
        self.n_invalid += report.n_invalid
        self.n_warnings += int((errors["severity"] == WARNING).sum())
        self.n_problems += len(errors)
        if first:
            self.file_problems = report.file_problems
        if errors.empty:
            return
        for line in problem_kinds(errors).itertuples(index=False):
            key = (line.column, line.check, line.what, line.severity)
            kind = self._kinds.get(key)
            if kind is None:
                self._kinds[key] = [int(line.problems), int(line.records), line.example, line.heads]
                continue
            kind[0] += int(line.problems)
            kind[1] += int(line.records)  # the chunks' rows differ: their counts add up
            kind[3] = (kind[3] + line.heads)[:EXAMPLE_ROWS]


def validate_chunks(
    frames: Iterable[pd.DataFrame],
    validate: Callable[[pd.DataFrame], ValidationReport],
    *,
    errors: str | Path | None = None,
    source: str | None = None,
    show_sensitive: bool = False,
    limits: SheetLimits | None = None,
) -> FileReport:
    """Validate each chunk of records and fold the reports into one `FileReport`, writing
    every problem to `errors` (.csv: the Errors list; .xlsx: the Records, Errors and Summary
    sheets) as it comes; nothing is left under that name if the validation fails midway."""
    result = FileReport(source)
    if errors is not None:
        from usikit.io.atomic import check_target

        check_target(errors)
    with _sink(errors, result, show_sensitive, limits) as write:
        for position, frame in enumerate(frames):
            report = validate(frame)
            first = position == 0
            found = report.errors if first else report.errors[report.errors["row"].notna()]
            result.add(found, report, first=first)
            write(found, report)
    return result


Writer = Callable[[pd.DataFrame, ValidationReport], None]


@contextlib.contextmanager
def _sink(
    path: str | Path | None, result: FileReport, reveal: bool, limits: SheetLimits | None
) -> Iterator[Writer]:
    if path is None:
        yield lambda errors, report: None
        return
    from usikit.io.atomic import atomic_target
    from usikit.io.csv_text import write_csv_lines

    if Path(path).suffix.lower() == ".xlsx":
        with _workbook_sink(Path(path), result, reveal, limits) as write:
            yield write
    else:
        with atomic_target(path) as temporary, open(temporary, "wb") as handle:
            handle.write(codecs.BOM_UTF8)  # as CSV_ENCODING starts the file
            header = [True]

            def write_csv(errors: pd.DataFrame, report: ValidationReport) -> None:
                safe = neutralise_frame(errors.rename(columns=EXPORT_HEADERS))
                if not write_csv_lines(safe, handle, header=header[0]):
                    safe.to_csv(
                        handle, index=False, header=header[0], lineterminator="\r\n",
                        encoding="utf-8",
                    )  # fmt: skip
                header[0] = False

            yield write_csv


@contextlib.contextmanager
def _workbook_sink(
    path: Path, result: FileReport, reveal: bool, limits: SheetLimits | None
) -> Iterator[Writer]:
    """The workbook `ValidationReport.to_workbook` writes, its sheets fed chunk by chunk."""
    from openpyxl import Workbook

    from usikit.io.atomic import atomic_target
    from usikit.io.sheets import Sheet, SheetWritten, excel_limits, write_sheet
    from usikit.io.sheetstream import SheetStream

    chosen = excel_limits(limits)
    workbook = Workbook(write_only=True)
    taken: set[str] = set()
    records = SheetStream(workbook, "Records", chosen, taken, key_columns=3)
    problems = SheetStream(workbook, "Errors", chosen, taken, key_columns=1)

    def write(errors: pd.DataFrame, report: ValidationReport) -> None:
        grid = report.records_grid(show_sensitive=reveal)
        status = pd.Series(
            np.where((report.status == INVALID).to_numpy(), "error", "ok"), dtype=object
        )
        records.append(
            Sheet(
                "Records",
                grid,
                cell_fills=_cell_fills(report.records, report.errors),
                column_fills={grid.columns[1]: status},
            )
        )
        problems.append(Sheet("Errors", errors.rename(columns=EXPORT_HEADERS)))

    with atomic_target(path) as temporary:
        yield write
        written: tuple[SheetWritten, ...] = (records.close(), problems.close())
        notes = [note for sheet in written for note in sheet.notes(chosen)]
        write_sheet(workbook, Sheet("Summary", result.summary_table(notes)), chosen, taken)
        order = {title: i for i, title in enumerate(t for s in written for t in s.titles)}
        workbook._sheets.sort(key=lambda sheet: order.get(sheet.title, len(order)))
        workbook.save(temporary)
        result.notes = notes
