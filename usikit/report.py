"""`ValidationReport`: the one shape every validator returns, and its CSV/XLSX exports."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from usikit.privacy import mask_series
from usikit.problem_kinds import problem_kinds
from usikit.problem_lines import lines_of, problems_table
from usikit.problems import ERROR, WARNING, typed_problems

if TYPE_CHECKING:  # the writers (openpyxl) are imported when a report is written
    from usikit.io.write import SheetLimits, SheetWritten, WrittenWorkbook

OK, INVALID = "ok", "error"
ROW_HEADER, STATUS_HEADER, PROBLEMS_HEADER = "Row", "Record status", "Problems"
SUMMARY_COLUMNS = [
    "column", "check", "what", "severity", "problems", "records", "first_rows", "example",
]  # fmt: skip
EXPORT_HEADERS = {
    "row": "Row",
    "column": "Column",
    "value": "Value",
    "check": "Check",
    "severity": "Severity",
    "message": "Message",
}


class ValidationReport:
    """Every problem found in a table of records, and which records can go ahead.

    `errors` has one line per problem (columns row, column, value, check, severity,
    message); `row` is the spreadsheet row (header = 1) and empty for problems with the
    whole file. A record with any problem of severity "error" has status "error"; a
    file-level error makes every record "error". Warnings never block a record.
    `in_order` says the problems come in the report's order already (problems with the whole
    file first, then by row and by the column's place), as `Schema.validate` hands them over.
    """

    def __init__(
        self,
        records: pd.DataFrame,
        problems: pd.DataFrame,
        *,
        source: str | None = None,
        source_sha256: str | None = None,
        sensitive: Iterable[str] = (),
        show_sensitive: bool = False,
        labels: pd.Series | None = None,
        in_order: bool = False,
    ) -> None:
        self.records = records
        self.source = source
        self.source_sha256 = source_sha256  # for the audit trail, when the file is gone
        self.sensitive = frozenset(sensitive)
        self.show_sensitive = show_sensitive
        typed = typed_problems(problems)
        if labels is not None:
            typed = _not_blocking(typed, labels)
        # A table already in the report's order (as validation hands it over) is not checked
        # again: for millions of problems, even confirming the order costs a tenth of a second.
        self.errors = typed if in_order else _sorted(typed, list(records.columns))
        self.status = _status(records.index, self.errors, labels)
        self.headers: pd.DataFrame | None = None  # how each header was read, when matched
        self._summary: tuple[pd.DataFrame, pd.DataFrame] | None = None  # of which errors

    @property
    def n_records(self) -> int:
        return len(self.records)

    @property
    def n_invalid(self) -> int:
        return int((self.status == INVALID).sum())

    @property
    def n_valid(self) -> int:
        return self.n_records - self.n_invalid

    @property
    def n_warnings(self) -> int:
        return int((self.errors["severity"] == WARNING).sum())

    @property
    def valid(self) -> pd.DataFrame:
        """Records that can go ahead (their warnings notwithstanding)."""
        return self.records[(self.status != INVALID).to_numpy()]

    @property
    def invalid(self) -> pd.DataFrame:
        return self.records[(self.status == INVALID).to_numpy()]

    @property
    def file_problems(self) -> pd.DataFrame:
        """Problems with the file as a whole (missing or unexpected columns, headers)."""
        return self.errors[self.errors["row"].isna()]

    @property
    def ok(self) -> bool:
        """True when no record is blocked."""
        return self.n_invalid == 0

    def summary(self) -> pd.DataFrame:
        """Problems counted by column and check, errors first, then the most frequent first.

        `what` is the check in words (for a tidied value, what was done to it), `first_rows`
        the first spreadsheet rows it was found on ("2, 3, 4"; empty for the whole file),
        `example` its first message. A million identical warnings are one line here.
        """
        if self._summary is not None and self._summary[0] is self.errors:
            return self._summary[1].copy()
        table = _summary(self.errors)
        self._summary = (self.errors, table)
        return table.copy()

    def summary_lines(self, most: int | None = None) -> list[tuple[str, str]]:
        """(severity, sentence) for each line of the summary, e.g. ("warning", "Date of Birth:
        date written as dd/mm/yyyy -- 1,000,000 records, e.g. rows 2, 3, 4")."""
        table = self.summary()
        if most is not None:
            table = table.head(most)
        return [(row.severity, kind_sentence(row)) for row in table.itertuples(index=False)]

    def summary_line(self) -> str:
        """The one line a person reads first: `N records: V valid, I with errors`."""
        noun = "record" if self.n_records == 1 else "records"
        return f"{self.n_records:,} {noun}: {self.n_valid:,} valid, {self.n_invalid:,} with errors"

    def messages_by_row(self) -> pd.Series:
        """All messages of each row joined, for a grid's Problems column."""
        return _messages_by_row(self.errors, self.records.index)

    def to_csv(self, path: str | Path) -> Path:
        """The error list as CSV (one line per problem), written atomically."""
        from usikit.io.atomic import write_csv

        return write_csv(self.errors.rename(columns=EXPORT_HEADERS), path)

    def to_excel(self, path: str | Path, *, show_sensitive: bool | None = None) -> Path:
        """A workbook with Records (status, highlighted cells), Errors and Summary sheets."""
        return self.to_workbook(path, show_sensitive=show_sensitive).path

    def to_workbook(
        self,
        path: str | Path,
        *,
        show_sensitive: bool | None = None,
        limits: SheetLimits | None = None,
    ) -> WrittenWorkbook:
        """`to_excel`, saying where each table went: a list longer than a sheet holds
        continues on further sheets (Records (2), Errors (2), ...), and the Summary sheet and
        `notes()` say so."""
        from usikit.io.sheets import excel_limits
        from usikit.io.write import Sheet, write_workbook

        reveal = self.show_sensitive if show_sensitive is None else show_sensitive
        grid = self.records_grid(show_sensitive=reveal)
        status_fill = pd.Series(
            np.where((self.status == INVALID).to_numpy(), "error", "ok"), dtype=object
        )
        records = Sheet(
            "Records",
            grid,
            cell_fills=_cell_fills(self.records, self.errors),
            column_fills={grid.columns[1]: status_fill},
            key_columns=3,  # Row, Record status, Problems: on each sheet wide records continue on
        )
        errors = Sheet("Errors", self.errors.rename(columns=EXPORT_HEADERS), key_columns=1)

        def summary(written: tuple[SheetWritten, ...]) -> list[Sheet]:
            notes = [note for sheet in written for note in sheet.notes(excel_limits(limits))]
            return [Sheet("Summary", self.summary_table(notes))]

        return write_workbook([records, errors], path, limits=limits, finish=summary)

    def records_grid(self, *, show_sensitive: bool | None = None) -> pd.DataFrame:
        """Every record with its row, status and problems first: the Records sheet."""
        reveal = self.show_sensitive if show_sensitive is None else show_sensitive
        shown = self.records.copy()
        for name in self.sensitive & set(shown.columns):
            if not reveal:
                shown[name] = mask_series(shown[name])
        row, status, problems = (
            _free_name(name, shown.columns) for name in (ROW_HEADER, STATUS_HEADER, PROBLEMS_HEADER)
        )
        leading = pd.DataFrame(
            {
                row: self.records.index,
                status: self.status.to_numpy(),
                problems: self.messages_by_row().to_numpy(),
            }
        )
        return pd.concat([leading, shown.reset_index(drop=True)], axis=1)

    def summary_table(self, notes: Iterable[str] = ()) -> pd.DataFrame:
        """The Summary sheet: the counts, `notes` about the workbook, then one line per kind
        of problem (column and check in words), errors first, with its first rows."""
        counts = [
            ("records in the file", self.n_records, ""),
            ("valid records (warnings do not block)", self.n_valid, ""),
            ("records with errors", self.n_invalid, ""),
            ("warnings", "", self.n_warnings),
        ]
        lines = [("(all)", what, "", records, problems, "", "", "") for what, records, problems
                 in counts]  # fmt: skip
        lines += [("(workbook)", note, "", "", "", "", "", "") for note in notes]
        head = pd.DataFrame(lines, columns=SUMMARY_HEADERS)
        kinds = self.summary()
        table = pd.DataFrame(
            {
                "Column": kinds["column"],
                "Problem": kinds["what"],
                "Severity": kinds["severity"],
                "Records": kinds["records"],
                "Problems": kinds["problems"],
                "First rows": kinds["first_rows"],
                "Example": kinds["example"],
                "Check": kinds["check"],
            }
        )
        return pd.concat([head.astype(object), table.astype(object)], ignore_index=True)

    def __repr__(self) -> str:
        where = f" for {self.source}" if self.source else ""
        return f"<ValidationReport{where}: {self.summary_line()}, {len(self.errors)} problems>"


SUMMARY_HEADERS = [
    "Column", "Problem", "Severity", "Records", "Problems", "First rows", "Example", "Check",
]  # fmt: skip


def kind_sentence(kind) -> str:
    """One kind of problem as an officer reads it: "Date of Birth: date written as
    dd/mm/yyyy -- 1,000,000 records, e.g. rows 2, 3, 4"."""
    if not kind.records:
        return f"{kind.column}: {kind.what} -- the whole file"
    noun = "record" if kind.records == 1 else "records"
    rows = "row" if kind.records == 1 else "e.g. rows"
    return f"{kind.column}: {kind.what} -- {kind.records:,} {noun}, {rows} {kind.first_rows}"


def _summary(errors: pd.DataFrame) -> pd.DataFrame:
    """`ValidationReport.summary` for this error table."""
    table = problem_kinds(errors)
    if table.empty:
        return pd.DataFrame(columns=SUMMARY_COLUMNS)
    table["first_rows"] = [first_rows(heads) for heads in table["heads"]]
    return in_summary_order(table)


def in_summary_order(table: pd.DataFrame) -> pd.DataFrame:
    """A summary's lines as it shows them: errors first, then the most frequent first."""
    order = np.lexsort((-table["problems"].to_numpy(), (table["severity"] != ERROR).to_numpy()))
    return table.iloc[order].reset_index(drop=True)[SUMMARY_COLUMNS]


def first_rows(heads: list[int | None]) -> str:
    """The rows a summary line names ("2, 3, 4"), problems with the whole file (None) left
    out."""
    return ", ".join(str(row) for row in heads if row is not None)


def _messages_by_row(errors: pd.DataFrame, index: pd.Index) -> pd.Series:
    """Each row's messages joined by "; " in the table's order (a row without any: ""),
    joined in Arrow a row's run of lines at a time, not one Python join per row."""
    rows = errors["row"].to_numpy(dtype=np.int64, na_value=-1)
    located = np.flatnonzero(errors["row"].notna().to_numpy(dtype=bool))
    if not located.size:
        return pd.Series("", index=index, dtype=object)
    rows = rows[located]
    picked = len(located) < len(errors)
    if bool((rows[1:] < rows[:-1]).any()):  # not in the report's order: each row's lines together
        order = np.argsort(rows, kind="stable")
        located, rows, picked = located[order], rows[order], True
    starts = np.flatnonzero(np.r_[True, rows[1:] != rows[:-1]])
    messages = pa.array(errors["message"], type=pa.large_string(), from_pandas=True)
    messages = messages.take(pa.array(located)) if picked else messages
    if isinstance(messages, pa.ChunkedArray):  # a list's values are one array
        messages = messages.combine_chunks()
    lines = pa.LargeListArray.from_arrays(np.r_[starts, len(rows)], pc.fill_null(messages, ""))
    joined = pc.binary_join(lines, pa.scalar("; ", pa.large_string()))
    by_row = pd.Series(pd.array(joined, dtype="str"), index=rows[starts])
    return by_row.reindex(index, fill_value="")


def _free_name(name: str, taken: pd.Index) -> str:
    """A header for an added column that cannot clash with the records' own columns."""
    while name in taken:
        name = f"usikit {name}"
    return name


IDENTITY_COLUMNS = ("Client ID", "USI")  # what makes a labelled record itself; always blocks


def _not_blocking(errors: pd.DataFrame, labels: pd.Series) -> pd.DataFrame:
    """Errors of a labelled record (a client who already has a USI) become warnings.

    Such a record is never sent for creation, so what creation would need cannot block it;
    the officer still sees each finding. A problem with the record's own identity (its
    Client ID or its USI) still blocks.
    """
    named = labels[labels.fillna("") != ""]
    if named.empty or errors.empty:
        return errors
    located = (
        errors["row"].isin(named.index).fillna(False).to_numpy(dtype=bool)
        & (errors["severity"] == ERROR).to_numpy()
        & ~errors["column"].isin(IDENTITY_COLUMNS).to_numpy()
    )
    if not located.any():
        return errors
    errors = errors.copy()
    label = named.reindex(errors.loc[located, "row"].astype("int64")).to_numpy(dtype=object)
    errors.loc[located, "severity"] = WARNING
    errors.loc[located, "message"] = (
        errors.loc[located, "message"].to_numpy(dtype=object)
        + " (does not block: the record is labelled '"
        + label
        + "')"
    )
    return errors


def _status(index: pd.Index, errors: pd.DataFrame, labels: pd.Series | None) -> pd.Series:
    status = pd.Series(OK, index=index, dtype=object, name="status")
    if labels is not None:
        named = labels.reindex(index).fillna("")
        status = status.where(named == "", named)
    # Read from the two columns alone: filtering the table would copy every column of a
    # million problems to learn their rows.
    blocking = (errors["severity"] == ERROR).to_numpy(dtype=bool)
    rows = errors["row"]
    if (blocking & rows.isna().to_numpy(dtype=bool)).any():
        status[:] = INVALID
    else:
        status[index.isin(rows.to_numpy(dtype=np.int64, na_value=0)[blocking])] = INVALID
    return status


def _sorted(errors: pd.DataFrame, column_order: list[str]) -> pd.DataFrame:
    """File-level problems first, then by row and by the column's place in the file (a table
    already in that order, as validation hands it over, is taken as it is)."""
    return problems_table([lines_of(errors)], column_order)


def _cell_fills(records: pd.DataFrame, errors: pd.DataFrame) -> pd.DataFrame:
    """(record position, column, fill) for every cell a problem points at; an error's fill
    comes last, so it wins over a warning's on the same cell."""
    located = errors.dropna(subset=["row"])
    located = located[located["column"].isin(records.columns).to_numpy(dtype=bool)]
    positions = records.index.get_indexer(located["row"].astype("int64"))
    fills = pd.DataFrame(
        {
            "position": positions,
            "column": located["column"].to_numpy(dtype=object),
            "fill": located["severity"].to_numpy(dtype=object),
        }
    )
    fills = fills[positions >= 0]
    order = np.argsort((fills["fill"] == ERROR).to_numpy(), kind="stable")
    return fills.iloc[order].reset_index(drop=True)
