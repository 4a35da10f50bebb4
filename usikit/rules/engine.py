"""Rules declared once as data, run through pandera, reported as a `ValidationReport`.

A `Schema` lists the columns a kind of file has (`Field`) and the rules its records must
follow (`Rule`). Each rule is a vectorised test that returns True where a record passes;
the schema turns the rules into pandera checks, runs them lazily, and translates the
failure cases into the people's error table.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from usikit.errors import InputError
from usikit.io.excel import cell_text
from usikit.io.read import ROW_INDEX_NAME
from usikit.io.tableinfo import table_info
from usikit.parallel import in_parallel
from usikit.problem_lines import Lines, lines_of, problems_table
from usikit.problems import (
    ERROR,
    WARNING,
    Problem,
    Severity,
    name_checks,
    problems_frame,
)
from usikit.report import ValidationReport
from usikit.rules import textscan
from usikit.rules.distinct import Distinct, distinct, distinct_rows, known_distinct, remember
from usikit.rules.memo import column_of, remembered, shared, shared_results
from usikit.rules.rule_lines import failing_lines

ValueTest = Callable[[pd.Series], pd.Series]
RecordTest = Callable[[pd.DataFrame], pd.Series]
Detail = Callable[[pd.DataFrame, pd.Index], pd.Series]


@dataclass(frozen=True)
class Field:
    """One column of a file layout, with what a person needs to fill it in."""

    name: str
    required: bool = False  # the column must be present in the file
    sensitive: bool = False  # masked in messages and exports unless asked otherwise
    aliases: tuple[str, ...] = ()
    description: str = ""
    example: str = ""


@dataclass(frozen=True)
class Rule:
    """A check on one column, blamed on that column when it fails.

    `test` receives the column's values, or the whole record frame when the rule `uses`
    other columns (declared in `uses`: a rule reads those columns and no others).
    `message` may use {column}, {value} and {detail}; `detail` computes the extra text for
    the failing rows only.
    """

    column: str
    check: str
    test: ValueTest | RecordTest
    message: str
    severity: Severity = ERROR
    uses: tuple[str, ...] = ()
    detail: Detail | None = None
    skips_blank: bool = False  # a blank cell in `column` always passes this rule
    # The answer for a cell depends on other records too (duplicates): never run on the
    # distinct values or combinations of its columns (`usikit.rules.distinct`), as any other
    # rule may be.
    across_records: bool = False
    # The test is a few array operations on what each of its columns works out once per
    # validation (which cells are filled, the document type's number): it runs on every
    # record as it is, since finding the distinct values or the filled part of its columns
    # would cost more than the test (and `skips_blank` is then only what it says).
    direct: bool = False

    @property
    def reads_record(self) -> bool:
        return bool(self.uses)

    @property
    def columns(self) -> tuple[str, ...]:
        return (self.column, *self.uses)

    @property
    def per_value(self) -> bool:
        """Whether a cell's answer depends on its value alone."""
        return not (self.uses or self.across_records)


@dataclass(frozen=True)
class Schema:
    """A kind of file: its fields and the rules its records follow."""

    name: str
    fields: tuple[Field, ...]
    rules: tuple[Rule, ...]
    labels: Callable[[pd.DataFrame], pd.Series] | None = None

    def __post_init__(self) -> None:
        seen: set[tuple[str, str]] = set()
        for rule in self.rules:
            key = (rule.column, rule.check)
            if key in seen:
                raise ValueError(f"rule {key} is declared twice in schema {self.name}")
            seen.add(key)

    @property
    def sensitive(self) -> frozenset[str]:
        return frozenset(f.name for f in self.fields if f.sensitive)

    def missing_columns(self, frame: pd.DataFrame) -> list[Problem]:
        """A file-level error for each required column the file lacks (pandera's finding)."""
        required = [f.name for f in self.fields if f.required]
        if all(name in frame.columns for name in required):
            return []  # nothing to find (asking pandera costs 3 ms a validation)
        import pandera.pandas as pa  # imported here: it is slow to import and only needed now

        structure = pa.DataFrameSchema(
            {name: pa.Column(required=True, nullable=True) for name in required}
        )
        try:
            structure.validate(frame.head(0), lazy=True)
        except pa.errors.SchemaErrors as failures:
            cases = failures.failure_cases
            missing = set(cases.loc[cases["check"] == "column_in_dataframe", "failure_case"])
            return [
                Problem(
                    None,
                    name,
                    "",
                    "missing_column",
                    ERROR,
                    f"The file has no '{name}' column; add it (the template shows every column)",
                )
                for name in required
                if name in missing
            ]
        return []

    def check(
        self, frame: pd.DataFrame, *, original: pd.DataFrame | None = None, show_sensitive=False
    ) -> pd.DataFrame:
        """Run every rule whose columns are present; the problems as the report's table (the
        rules' lines one rule after another)."""
        parts = self.lines(frame, original=original, show_sensitive=show_sensitive)
        return problems_table(parts) if parts else problems_frame()

    def lines(
        self, frame: pd.DataFrame, *, original: pd.DataFrame | None = None, show_sensitive=False
    ) -> list[Lines]:
        """Run every rule whose columns are present; the failing rules' lines, in the rules'
        order (their repeated texts still coded: `usikit.problem_lines`).

        Pandera runs the rules lazily as one vectorised check over the records (its cost is
        per check, not per record) and says whether any record failed; each rule's own result
        then says which records failed it (pandera is not asked for one failure case per
        failing record: with a million of them, building those cases cost more than the
        rules). A failing rule's lines are built by the worker that ran it, straight after
        it, so the lines that take long (the same person's "as row 7, 9 and 3 more") overlap
        the other rules instead of being waited for alone once every rule has run.
        `original` holds the values as the user typed them (before normalisation), which is
        what the report shows.
        """
        import pandera.pandas as pa

        present = [r for r in self.rules if all(c in frame.columns for c in r.columns)]
        shown = frame if original is None else original

        def rule_lines(rule: Rule, passed: np.ndarray) -> Lines:
            hide = rule.column in self.sensitive and not show_sensitive
            return failing_lines(rule, frame, shown, np.flatnonzero(~passed), hide=hide)

        outcomes: list[Lines | None] = []
        stopped: list[Exception] = []
        rules_check = _rules_check(pa, present, frame, rule_lines, outcomes, stopped)
        schema = pa.DataFrameSchema({RECORD: pa.Column(checks=[rules_check])})
        records = pd.DataFrame({RECORD: np.arange(len(frame))}, index=frame.index)
        # What the rules derived (parsed dates, people's keys) is shared with their messages.
        with shared_results():
            try:
                schema.validate(records, lazy=True)
            except pa.errors.SchemaErrors:
                if stopped:  # pandera reports what a check raised as a failure: raise it
                    raise stopped[0] from None
                return [part for part in outcomes if part is not None]  # most rules pass
        return []

    def validate(
        self,
        frame: pd.DataFrame,
        *,
        original: pd.DataFrame | None = None,
        problems: Iterable[Problem] = (),
        lines: Iterable[Lines] = (),
        show_sensitive: bool = False,
        source: str | None = None,
        source_sha256: str | None = None,
    ) -> ValidationReport:
        """Check `frame` (already in this schema's columns) and build the report.

        `problems` and `lines` are what earlier steps found (reading, headers,
        normalisation); they are reported with the rules' findings, all put in the report's
        order at once (each column's text written out there, once).
        """
        found = self.lines(frame, original=original, show_sensitive=show_sensitive)
        earlier = problems_frame([*problems, *self.missing_columns(frame)])
        parts = [lines_of(earlier), *lines, *found]
        table = problems_table(parts, list(frame.columns))
        return ValidationReport(
            frame,
            table,
            source=source,
            source_sha256=source_sha256,
            sensitive=self.sensitive,
            show_sensitive=show_sensitive,
            labels=self.labels(frame) if self.labels else None,
            in_order=True,
        )


RECORD, RULES_CHECK = "record", "usikit_rules"  # the frame and check pandera validates


def _rules_check(
    pa,
    rules: list[Rule],
    frame: pd.DataFrame,
    lines: Callable[[Rule, np.ndarray], Lines],
    outcomes: list[Lines | None],
    stopped: list[Exception],
):
    """One pandera check over the records that runs every rule and passes when every record
    passes every rule; each rule's lines (None where every record passes it) are kept in
    `outcomes` (in the rules' order: its pass or fail result is not kept beyond them), and
    what stopped a rule or its lines is kept in `stopped` (pandera would only count it as a
    failure)."""

    def run(rule: Rule) -> Lines | None:
        try:
            passed = passes(rule, frame)
        except Exception as exc:
            problem = f"rule {rule.check} on {rule.column} could not run: {exc!r}"
            stopped.append(RuntimeError(problem))
            raise
        if passed.all():
            return None
        try:
            return lines(rule, passed)
        except Exception as exc:
            stopped.append(exc)
            raise

    def test(record: pd.Series) -> bool:
        # Each column's distinct values first, once (the rules then share them).
        per_value = list(dict.fromkeys(r.column for r in rules if r.per_value and not r.direct))
        in_parallel(lambda name: distinct(column_of(frame, name)), per_value, len(frame))
        # The rules comparing records (and naming the others in their lines) take longest:
        # started first, they do not leave one worker busy after the others are done.
        outcomes.extend(
            in_parallel(run, rules, len(frame), sooner=lambda rule: rule.across_records)
        )
        return all(part is None for part in outcomes)  # lines only where a record failed

    return pa.Check(test, name=RULES_CHECK, error=RULES_CHECK, ignore_na=False)


@shared
def filled_cells(values: pd.Series) -> np.ndarray:
    """Which cells hold something (computed once per column and validation, from the
    offsets of the byte buffer the scans share). Every rule asking gets this one array, so it
    is read-only: a rule writing into it would change what the later rules read."""
    found = textscan.nonempty_cells(values)
    found.flags.writeable = False
    return found


SUBSET_BELOW = 0.5  # test only the filled cells when fewer than half the cells are filled


def passes(rule: Rule, frame: pd.DataFrame) -> np.ndarray:
    """Where `rule` passes, as a boolean array over the frame's rows.

    A rule that `skips_blank` is run on the filled cells only when the column is sparse,
    as most optional columns are: blank cells pass it by definition. A rule that compares no
    records runs on the distinct values (or combinations) of its columns where they repeat.
    A `direct` rule runs on the records as they are.
    """
    if rule.direct:
        return _run(rule, frame)
    found = _distinct_inputs(rule, frame)
    if found is not None:
        return found.spread(_checked(rule, rule.test(found.values), found.values.index))
    if rule.skips_blank:
        filled = filled_cells(column_of(frame, rule.column))
        if filled.size and filled.mean() < SUBSET_BELOW:
            ok = np.ones(len(frame), dtype=bool)
            if filled.any():
                rows = pd.DataFrame(
                    {
                        c: _filled_part(column_of(frame, c), column_of(frame, rule.column), filled)
                        for c in rule.columns
                    },
                    copy=False,
                )
                ok[filled] = _run(rule, rows)
            return ok
    return _run(rule, frame)


def _distinct_inputs(rule: Rule, frame: pd.DataFrame) -> Distinct | None:
    """What the rule reads, each value (or combination of its columns) once, where that
    pays and the rule compares no records."""
    if rule.across_records:
        return None
    if rule.reads_record:
        return distinct_rows(frame, rule.columns)
    return distinct(column_of(frame, rule.column))


def _filled_part(values: pd.Series, by: pd.Series, filled: np.ndarray) -> pd.Series:
    """`values` at the rows where `by` is filled: one Series per validation run, so that the
    rules reading it share what is derived from it (parsed dates) instead of each redoing it."""
    key = ("filled part", id(values.array), id(by.array))
    return remembered(key, (values.array, by.array), lambda: _part(values, filled))


def _part(values: pd.Series, filled: np.ndarray) -> pd.Series:
    """`values` at the `filled` rows, knowing its distinct values where the column's are
    known (their codes at those rows), so that what is derived per value (parsed dates) is
    derived once per value on the part too."""
    part = values[filled]
    found = known_distinct(values)
    if found is not None:
        remember(part, Distinct(found.values, found.codes[filled]))
    return part


def _run(rule: Rule, frame: pd.DataFrame) -> np.ndarray:
    result = rule.test(frame) if rule.reads_record else rule.test(column_of(frame, rule.column))
    return _checked(rule, result, frame.index)


def _checked(rule: Rule, result: pd.Series | np.ndarray, index: pd.Index) -> np.ndarray:
    """A rule's result as a boolean array (a missing answer fails), refused if misaligned."""
    if isinstance(result, pd.Series) and not result.index.equals(index):
        raise RuntimeError(f"rule {rule.check} on {rule.column} returned misaligned results")
    array = np.asarray(result)
    if array.dtype != bool:
        array = pd.Series(array).fillna(False).to_numpy(dtype=bool)
    return array


def as_records(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of `frame` as text records indexed by spreadsheet row, whatever its origin.

    Frames from `read_table` keep their row numbers; any other frame is numbered as if it
    were a sheet with a header row (first record = row 2).
    """
    records = frame.copy()
    records.attrs = {}  # read facts are taken from `frame`; copying them on every step is slow
    if records.index.name != ROW_INDEX_NAME:
        records.index = pd.RangeIndex(2, len(records) + 2, name=ROW_INDEX_NAME)
    elif not (records.index.is_unique and pd.api.types.is_integer_dtype(records.index)):
        raise InputError(
            "the records' row numbers (the index 'row') repeat or are not numbers, as when "
            "tables read from several files are joined; validate each file on its own, or "
            "number the records again with frame.reset_index(drop=True)"
        )
    records.columns = [str(c) for c in records.columns]
    twice = sorted(set(records.columns[records.columns.duplicated()]))
    if twice:
        raise InputError(
            "the table has more than one column named "
            + ", ".join(f"'{name}'" for name in twice)
            + "; keep one column of each name and rename or delete the others"
        )
    for name in records.columns:
        column = records[name]
        if isinstance(column.dtype, pd.StringDtype) and not column.isna().any():
            joined = _in_one_piece(column)
            if joined is not column:  # an assignment costs each column of a small file
                records[name] = joined
            continue
        if pd.api.types.is_string_dtype(column) and not column.isna().any():
            records[name] = column.astype("str")  # the same text in the fast string type
            continue
        # As plain objects first: a categorical column cannot take the "" of its blanks.
        shown = column.astype(object).map(cell_text, na_action="ignore")
        records[name] = shown.astype(object).fillna("").astype("str")
    return records


def _in_one_piece(column: pd.Series) -> pd.Series:
    """The column with its Arrow chunks joined (as `read_table` gives them): Arrow copies a
    column of several chunks whole at every take, and the rules take from it many times."""
    if column.dtype.storage != "pyarrow":
        return column
    array = column.array.__arrow_array__()  # the chunks pandas holds, not a copy
    if array.num_chunks <= 1:
        return column
    joined = pd.array(array.combine_chunks(), dtype=column.dtype)
    return pd.Series(joined, index=column.index, name=column.name, copy=False)


def reader_problems(frame: pd.DataFrame) -> Sequence[Problem]:
    """Problems `read_table` noticed (headers, ragged rows), if the frame came from a file."""
    info = table_info(frame)
    return info.problems if info else ()


def source_of(frame: pd.DataFrame) -> str | None:
    info = table_info(frame)
    return info.source if info else None


def digest_of(frame: pd.DataFrame) -> str | None:
    info = table_info(frame)
    return info.sha256 if info else None


__all__ = [
    "ERROR",
    "WARNING",
    "Field",
    "Rule",
    "Schema",
    "as_records",
    "digest_of",
    "reader_problems",
    "source_of",
]


name_checks(
    {
        "missing_column": "a missing column",
    }
)
