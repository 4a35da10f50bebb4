"""`ValidationReport`: the one shape every validator returns, and its CSV/XLSX exports."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from usikit.io.write import Sheet, write_csv, write_xlsx
from usikit.privacy import mask_series
from usikit.problems import ERROR, PROBLEM_COLUMNS, WARNING, check_words, typed_problems

OK, INVALID = "ok", "error"
ROW_HEADER, STATUS_HEADER, PROBLEMS_HEADER = "Row", "Record status", "Problems"
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
    ) -> None:
        self.records = records
        self.source = source
        self.source_sha256 = source_sha256  # for the audit trail, when the file is gone
        self.sensitive = frozenset(sensitive)
        self.show_sensitive = show_sensitive
        typed = typed_problems(problems)
        if labels is not None:
            typed = _not_blocking(typed, labels)
        self.errors = _sorted(typed, list(records.columns))
        self.status = _status(records.index, self.errors, labels)
        self.headers: pd.DataFrame | None = None  # how each header was read, when matched

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
        """Problems counted by column and check, most frequent first; `what` is the check in
        words."""
        columns = ["column", "check", "what", "severity", "problems", "records"]
        if self.errors.empty:
            return pd.DataFrame(columns=columns)
        grouped = self.errors.groupby(["column", "check", "severity"], dropna=False, sort=False)
        table = grouped.agg(problems=("message", "size"), records=("row", "nunique"))
        table = table.reset_index().sort_values("problems", ascending=False, kind="stable")
        table["what"] = table["check"].map(check_words)
        return table[columns]

    def summary_line(self) -> str:
        """The one line a person reads first: `N records: V valid, I with errors`."""
        noun = "record" if self.n_records == 1 else "records"
        return f"{self.n_records} {noun}: {self.n_valid} valid, {self.n_invalid} with errors"

    def messages_by_row(self) -> pd.Series:
        """All messages of each row joined, for a grid's Problems column."""
        per_row = self.errors.dropna(subset=["row"])
        if per_row.empty:
            return pd.Series("", index=self.records.index, dtype=object)
        rows = per_row["row"].to_numpy(dtype="int64")
        order = np.argsort(rows, kind="stable")
        rows, messages = rows[order], per_row["message"].to_numpy(dtype=object)[order]
        starts = np.r_[0, np.flatnonzero(np.diff(rows)) + 1]
        joined = ["; ".join(part) for part in np.split(messages, starts[1:])]
        return pd.Series(joined, index=rows[starts]).reindex(self.records.index, fill_value="")

    def to_csv(self, path: str | Path) -> Path:
        """The error list as CSV (one line per problem), written atomically."""
        return write_csv(self.errors.rename(columns=EXPORT_HEADERS), path)

    def to_excel(self, path: str | Path, *, show_sensitive: bool | None = None) -> Path:
        """A workbook with Records (status, highlighted cells), Errors and Summary sheets."""
        reveal = self.show_sensitive if show_sensitive is None else show_sensitive
        grid = self.records_grid(show_sensitive=reveal)
        status_fill = self.status.map(lambda s: "error" if s == INVALID else "ok")
        records = Sheet(
            "Records",
            grid,
            fills=_cell_fills(self.records, self.errors),
            column_fills={grid.columns[1]: status_fill.reset_index(drop=True)},
        )
        errors = Sheet("Errors", self.errors.rename(columns=EXPORT_HEADERS))
        summary = Sheet("Summary", self.summary_table())
        return write_xlsx([records, errors, summary], path)

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

    def summary_table(self) -> pd.DataFrame:
        """The Summary sheet: the counts, then problems by column and check."""
        counts = pd.DataFrame(
            {
                "Column": ["(all)", "(all)", "(all)", "(all)"],
                "Check": ["records", "valid", "with errors", "warnings"],
                "What": ["", "", "", ""],
                "Severity": ["", "", "", ""],
                "Problems": [self.n_records, self.n_valid, self.n_invalid, self.n_warnings],
                "Records": ["", "", "", ""],
            }
        )
        table = self.summary().rename(columns=str.title)
        return pd.concat([counts, table], ignore_index=True)

    def __repr__(self) -> str:
        where = f" for {self.source}" if self.source else ""
        return f"<ValidationReport{where}: {self.summary_line()}, {len(self.errors)} problems>"


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
    blocking = errors[errors["severity"] == ERROR]
    if blocking["row"].isna().any():
        status[:] = INVALID
    else:
        status[index.isin(blocking["row"].dropna().astype(int))] = INVALID
    return status


def _sorted(errors: pd.DataFrame, column_order: list[str]) -> pd.DataFrame:
    """File-level problems first, then by row and by the column's place in the file."""
    rank = {name: i for i, name in enumerate(column_order)}
    order = errors.assign(
        _file=errors["row"].isna().astype(int) * -1,
        _col=errors["column"].map(rank).fillna(len(rank)),
    ).sort_values(["_file", "row", "_col"], kind="stable", na_position="first")
    return order[list(PROBLEM_COLUMNS)].reset_index(drop=True)


def _cell_fills(records: pd.DataFrame, errors: pd.DataFrame) -> dict[tuple[int, str], str]:
    """(record position, column) -> fill for every cell a problem points at; errors win."""
    located = errors.dropna(subset=["row"])
    located = located[located["column"].isin(records.columns)]
    if located.empty:
        return {}
    positions = records.index.get_indexer(located["row"].astype(int))
    fills: dict[tuple[int, str], str] = {}
    for position, column, severity in zip(
        positions, located["column"], located["severity"], strict=True
    ):
        if position < 0:
            continue
        key = (int(position), column)
        if fills.get(key) != ERROR:
            fills[key] = severity
    return fills
