"""Registration & Certification import files: the seed's rules and `validate_regcert`.

The import file's columns are fixed (seed 001: ten columns in exactly that order), so a file
whose header differs gets one file-level error and no record checks. With the register's
enrolments, each row must also name a learner enrolled on the qualification, and its
registration number must agree with the register (matching rules, `usikit.regcert.matching`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from usikit.identifiers import uln
from usikit.identifiers.qualification import AIM_PATTERN, OFQUAL_PATTERN
from usikit.problems import ERROR, WARNING, Problem, problems_frame
from usikit.report import ValidationReport
from usikit.rules import dates
from usikit.rules.checks import date, filled, max_length, required
from usikit.rules.engine import (
    Field,
    Rule,
    Schema,
    as_records,
    digest_of,
    reader_problems,
    source_of,
)
from usikit.rules.headers import header_key
from usikit.rules.normalise import (
    Step,
    drop_invisible,
    drop_text_mark,
    normalise,
    tidy_spaces,
    upper,
)
from usikit.rules.person import others_in_group
from usikit.rules.regcert_fields import (
    DATE_COLUMNS,
    DATE_ORDER,
    IMPORT_COLUMNS,
    IMPORT_FIELDS,
    NEEDS_REGISTRATION_NUMBER,
    NEW_RECORD_STATUS,
    QUALIFICATION_NUMBER,
    REGISTRATION_NUMBER,
    STATUS,
    STATUSES,
    TEXT_COLUMNS,
    TEXT_LENGTH,
    ULN,
)
from usikit.rules.textscan import full_match

QUALIFICATION_SHAPE = f"(?:{OFQUAL_PATTERN})|(?:{AIM_PATTERN})"
TEMPORARY_ULN_OPTION = "--allow-temporary-uln"
WRONG_COLUMNS = "columns"


def qualification_keys(values: pd.Series) -> pd.Series:
    """The aim-reference spelling (no slashes): 603/1234/5 and 60312345 are one qualification."""
    return values.str.replace("/", "", regex=False)


def record_keys(ulns: pd.Series, numbers: pd.Series) -> pd.Series:
    """One text key per learner and qualification, to match rows with register records."""
    return ulns + "|" + qualification_keys(numbers)


def _status_key(values: pd.Series) -> pd.Series:
    return values.str.lower().str.replace(r"\s+", "", regex=True)


_STATUS_BY_KEY = {"".join(s.lower().split()): s for s in STATUSES}


def canonical_statuses(values: pd.Series) -> pd.Series:
    """A status typed in another case or with other spacing, spelt as in the list."""
    mapped = _status_key(values).map(_STATUS_BY_KEY)
    return mapped.astype(object).where(mapped.notna(), values).astype(str)


STEPS: tuple[Step, ...] = (
    Step(IMPORT_COLUMNS, drop_text_mark, "spreadsheet text mark removed"),
    Step(IMPORT_COLUMNS, drop_invisible, "invisible character removed"),
    Step(IMPORT_COLUMNS, tidy_spaces, "extra spaces removed"),
    Step((STATUS,), canonical_statuses, "written as in the list of statuses"),
    Step((QUALIFICATION_NUMBER,), upper, "qualification numbers are upper case"),
    Step(DATE_COLUMNS, dates.canonical_dates, "date written as dd/mm/yyyy"),
)


# The file's header: exactly the ten columns, in order (former names accepted).


def check_columns(
    frame: pd.DataFrame, fields: tuple[Field, ...] = IMPORT_FIELDS
) -> tuple[pd.DataFrame | None, list[Problem], pd.DataFrame]:
    """Read the header strictly: the frame renamed to the current names, or None when the
    columns are not exactly `fields` in order; the problems; how each header was read."""
    by_key: dict[str, tuple[str, str]] = {}
    for f in fields:
        by_key[header_key(f.name)] = (f.name, "exact")
        for alias in f.aliases:
            by_key.setdefault(header_key(alias), (f.name, "alias"))
    found = [str(c) for c in frame.columns]
    read_as = [by_key.get(header_key(h), ("", "not recognised")) for h in found]
    headers = pd.DataFrame(
        [(h, name, _how(h, name, how)) for h, (name, how) in zip(found, read_as, strict=True)],
        columns=["found", "read_as", "how"],
    )
    expected = [f.name for f in fields]
    names = [name for name, _ in read_as]
    if names != expected:
        return None, [_wrong_columns(expected, found, names)], headers
    problems = [
        Problem(
            None,
            name,
            header,
            "header_mapped",
            WARNING,
            f"Column '{header}' was read as '{name}'"
            + (" (its former name)" if how == "alias" else ""),
        )
        for header, (name, how) in zip(found, read_as, strict=True)
        if header != name
    ]
    return frame.set_axis(expected, axis=1), problems, headers


def _how(header: str, name: str, how: str) -> str:
    if not name or header == name:
        return how
    return "alias" if how == "alias" else "spelling"


def _wrong_columns(expected: list[str], found: list[str], names: list[str]) -> Problem:
    missing = [name for name in expected if name not in names]
    extra = [header for header, name in zip(found, names, strict=True) if not name]
    twice = sorted({name for name in names if name and names.count(name) > 1})
    faults = []
    if not any(names):
        faults.append(
            "none of them was found: check the separator (--sep) and that the first row is "
            "the header"
        )
    elif missing:
        faults.append("missing: " + ", ".join(missing))
    if extra and any(names):
        faults.append("not expected: " + ", ".join(extra))
    if twice:
        faults.append("more than once: " + ", ".join(twice))
    if not faults:
        faults.append("the columns are in another order")
    first = next(
        (
            name
            for position, name in enumerate(expected)
            if position >= len(names) or names[position] != name
        ),
        expected[0],
    )
    return Problem(
        None,
        first,
        "",
        WRONG_COLUMNS,
        ERROR,
        f"The file must have exactly these {len(expected)} columns in this order: "
        + ", ".join(expected)
        + ". It has: "
        + (", ".join(found) or "no columns")
        + ". ("
        + "; ".join(faults)
        + "). Put the columns in this order (start from the sample file) and validate again",
    )


# Rules on one row.


def _uln_detail(frame: pd.DataFrame, rows: pd.Index) -> pd.Series:
    values = frame.loc[rows, ULN]
    digits = full_match(values, "[0-9]+")
    reason = pd.Series(
        "has a wrong check digit; copy it again from the learner's record", index=rows, dtype=object
    )
    reason[values.str.startswith("0").to_numpy()] = "cannot start with 0; a ULN starts with 1-9"
    reason[(values.str.len() != 10).to_numpy()] = "must be exactly 10 digits"
    reason[~digits.to_numpy()] = "must be 10 digits and nothing else"
    reason[(values == uln.TEMPORARY_ULN).to_numpy()] = (
        "is the temporary ULN; give the learner's real ULN, or allow temporary ULNs "
        f"({TEMPORARY_ULN_OPTION})"
    )
    return reason


def uln_rule(column: str, allow_temporary: bool) -> Rule:
    """The ULN's shape and check digit (the temporary ULN only when allowed)."""
    return Rule(
        column,
        "uln",
        lambda v: (v == "") | uln.valid_mask(v, allow_temporary=allow_temporary),
        "{column} '{value}' {detail}",
        detail=_uln_detail,
        skips_blank=True,
    )


def qualification_rule(column: str) -> Rule:
    return Rule(
        column,
        "qualification_number",
        lambda v: (v == "") | full_match(v, QUALIFICATION_SHAPE),
        "{column} '{value}' is not a qualification number; use the Ofqual number such as "
        "603/1234/5 or the 8-character learning aim reference such as 60312345 or ZPROG001",
        skips_blank=True,
    )


def future_warning(column: str, today: dt.date) -> Rule:
    limit = pd.Timestamp(today)
    return Rule(
        column,
        "in_future",
        lambda v: ~(dates.parse(v) > limit),
        "{column} {value} is in the future; check the year",
        WARNING,
        skips_blank=True,
    )


def _later_than(frame: pd.DataFrame, column: str, earlier: tuple[str, ...]) -> pd.DataFrame:
    """For each earlier date column: True where it is after `column`'s date."""
    own = dates.parse(frame[column])
    return pd.DataFrame({e: (dates.parse(frame[e]) > own).to_numpy() for e in earlier})


def date_order_rule(column: str, earlier: tuple[str, ...]) -> Rule:
    """A date before one that should come first (achieved before registered, ...)."""

    def test(frame: pd.DataFrame) -> pd.Series:
        return pd.Series(~_later_than(frame, column, earlier).any(axis=1).to_numpy(), frame.index)

    def detail(frame: pd.DataFrame, rows: pd.Index) -> pd.Series:
        part = frame.loc[rows]
        after = _later_than(part, column, earlier).to_numpy()
        texts = [
            " and ".join(
                f"{e} {part[e].iloc[i]}" for e, late in zip(earlier, flags, strict=True) if late
            )
            for i, flags in enumerate(after)
        ]
        return pd.Series(texts, index=rows, dtype=object)

    return Rule(
        column,
        "date_order",
        test,
        "{column} {value} is before the {detail}; check the dates",
        WARNING,
        uses=earlier,
        detail=detail,
        skips_blank=True,
    )


def _pair_keys(frame: pd.DataFrame) -> pd.Series:
    return record_keys(frame[ULN], frame[QUALIFICATION_NUMBER])


def _unique_pairs(frame: pd.DataFrame) -> pd.Series:
    complete = filled(frame[ULN]) & filled(frame[QUALIFICATION_NUMBER])
    return ~(complete & _pair_keys(frame).duplicated(keep=False))


def _same_pair_rows(frame: pd.DataFrame, rows: pd.Index) -> pd.Series:
    return others_in_group(_pair_keys(frame.loc[rows]))


def file_rules(today: dt.date, allow_temporary: bool) -> tuple[Rule, ...]:
    """The rules a file is checked against on its own, without a register."""
    order_rules = tuple(
        date_order_rule(column, DATE_ORDER[:position])
        for position, column in enumerate(DATE_ORDER)
        if position
    )
    return (
        required(QUALIFICATION_NUMBER),
        qualification_rule(QUALIFICATION_NUMBER),
        required(ULN),
        uln_rule(ULN, allow_temporary),
        Rule(
            ULN,
            "duplicate_record",
            _unique_pairs,
            "ULN {value} with this Qualification Number is also in row {detail}; give each "
            "learner's qualification one row",
            uses=(QUALIFICATION_NUMBER,),
            detail=_same_pair_rows,
        ),
        required(STATUS),
        Rule(
            STATUS,
            "status",
            lambda v: (v == "") | v.isin(STATUSES),
            "{column} '{value}' is not one of: " + ", ".join(STATUSES),
            skips_blank=True,
        ),
        *(max_length(column, TEXT_LENGTH) for column in TEXT_COLUMNS),
        Rule(
            REGISTRATION_NUMBER,
            "registration_number_twice",
            lambda v: (v == "") | ~v.duplicated(keep=False),
            "{column} {value} is also in row {detail}; a registration number belongs to one "
            "learner's qualification",
            detail=lambda f, rows: others_in_group(f.loc[rows, REGISTRATION_NUMBER]),
            skips_blank=True,
        ),
        *(
            rule
            for column in DATE_COLUMNS
            for rule in (date(column), future_warning(column, today))
        ),
        *order_rules,
    )


# Rules against the register.


@dataclass(frozen=True)
class Lookup:
    """Text keys with a text value each, probed a whole column at a time through Arrow.

    (pandas' `isin` and `map` against an index of a few hundred thousand keys take a second;
    Arrow's hash lookup takes milliseconds.)
    """

    keys: pa.Array
    values: np.ndarray

    @classmethod
    def of(cls, keys: pd.Series, values: pd.Series | None = None) -> Lookup:
        first = ~keys.duplicated().to_numpy()  # one value per key: the first given
        chosen = np.full(int(first.sum()), "", dtype=object)
        if values is not None:
            chosen = values.to_numpy(dtype=object)[first]
        return cls(pa.array(keys[first], type=pa.large_string(), from_pandas=True), chosen)

    def positions(self, probe: pd.Series) -> np.ndarray:
        array = pa.array(probe, type=pa.large_string(), from_pandas=True)
        found = pc.index_in(array, value_set=self.keys)
        return pc.fill_null(found, -1).to_numpy(zero_copy_only=False)

    def contains(self, probe: pd.Series) -> pd.Series:
        return pd.Series(self.positions(probe) >= 0, index=probe.index)

    def get(self, probe: pd.Series) -> pd.Series:
        """Each value's entry; "" where the key is not there."""
        at = self.positions(probe)
        found = np.where(at >= 0, self.values[np.maximum(at, 0)] if len(self.values) else "", "")
        return pd.Series(found, index=probe.index, dtype="str")


@dataclass(frozen=True)
class RegisterView:
    """What the rules need to know of the register: enrolments and their registration record."""

    numbers: Lookup  # learner-and-qualification key -> its record's number ("" for none)
    statuses: Lookup  # key -> its record's status ("" when it has no record yet)
    learners: Lookup  # the ULNs of the learners
    owners: Lookup  # registration number -> key of the record that has it

    @classmethod
    def of(cls, enrolments: pd.DataFrame) -> RegisterView:
        lacking = [c for c in (ULN, QUALIFICATION_NUMBER) if c not in enrolments.columns]
        if lacking:
            raise ValueError(f"enrolments need the columns ULN and Qualification Number: {lacking}")
        frame = as_records(enrolments)
        blank = pd.Series("", index=frame.index, dtype="str")
        keys = record_keys(frame[ULN], frame[QUALIFICATION_NUMBER].str.upper())
        numbers = frame.get(REGISTRATION_NUMBER, blank)
        numbered = (numbers != "").to_numpy()
        return cls(
            numbers=Lookup.of(keys, numbers),
            statuses=Lookup.of(keys, frame.get(STATUS, blank)),
            learners=Lookup.of(frame[ULN]),
            owners=Lookup.of(numbers[numbered], keys[numbered]),
        )


def register_rules(view: RegisterView, allow_temporary: bool) -> tuple[Rule, ...]:
    """Rules that need the register: the learner, the enrolment and the registration number."""

    def valid_uln(frame: pd.DataFrame) -> pd.Series:
        return uln.valid_mask(frame[ULN], allow_temporary=allow_temporary)

    def known_learner(values: pd.Series) -> pd.Series:
        return ~uln.valid_mask(values, allow_temporary=allow_temporary) | view.learners.contains(
            values
        )

    def enrolled(frame: pd.DataFrame) -> pd.Series:
        shaped = full_match(frame[QUALIFICATION_NUMBER], QUALIFICATION_SHAPE)
        learner = valid_uln(frame) & view.learners.contains(frame[ULN])
        return ~(shaped & learner) | view.numbers.contains(_pair_keys(frame))

    def owner(frame: pd.DataFrame) -> pd.Series:
        return view.owners.get(frame[REGISTRATION_NUMBER])

    def number_not_elsewhere(frame: pd.DataFrame) -> pd.Series:
        found = owner(frame)
        return (found == "") | (found == _pair_keys(frame))

    def elsewhere_detail(frame: pd.DataFrame, rows: pd.Index) -> pd.Series:
        part = frame.loc[rows]
        found = owner(part)
        same_learner = found.str.split("|").str[0] == part[ULN]
        qualification = found.str.split("|").str[1]
        return pd.Series(
            np.where(
                same_learner,
                "this learner's record on qualification " + qualification,
                "another learner's record (qualification " + qualification + ")",
            ),
            index=rows,
        )

    def stored_number(frame: pd.DataFrame) -> pd.Series:
        return view.numbers.get(_pair_keys(frame))

    def number_agrees(frame: pd.DataFrame) -> pd.Series:
        stored = stored_number(frame)
        return (
            (frame[REGISTRATION_NUMBER] == "")
            | (stored == "")
            | (stored == frame[REGISTRATION_NUMBER])
        )

    def keeps_status(frame: pd.DataFrame) -> pd.Series:
        needs = frame[STATUS].isin(list(NEEDS_REGISTRATION_NUMBER))
        keys = _pair_keys(frame)
        bare = (frame[REGISTRATION_NUMBER] == "") & (view.numbers.get(keys) == "")
        return ~(needs & bare & view.numbers.contains(keys))

    def kept_status(frame: pd.DataFrame, rows: pd.Index) -> pd.Series:
        status = view.statuses.get(_pair_keys(frame.loc[rows]))
        return status.where(status != "", NEW_RECORD_STATUS)

    return (
        Rule(
            ULN,
            "learner_not_in_register",
            known_learner,
            "ULN {value} is not a learner in the register; load the learner first (usikit "
            "regcert learners import) or check the ULN",
            skips_blank=True,
        ),
        Rule(
            QUALIFICATION_NUMBER,
            "not_enrolled",
            enrolled,
            "The learner with this ULN is not enrolled on qualification {value} in the "
            "register; check the Qualification Number or add the enrolment to the learner file",
            uses=(ULN,),
        ),
        Rule(
            REGISTRATION_NUMBER,
            "registration_number_elsewhere",
            number_not_elsewhere,
            "{column} {value} already belongs to {detail}; check the number, the ULN and the "
            "Qualification Number",
            uses=(ULN, QUALIFICATION_NUMBER),
            detail=elsewhere_detail,
            skips_blank=True,
        ),
        Rule(
            REGISTRATION_NUMBER,
            "registration_number_differs",
            number_agrees,
            "{column} {value} differs from {detail}, the number this learner's record already "
            "has; an import cannot change a registration number: use the stored one, or "
            "correct the record by hand first",
            uses=(ULN, QUALIFICATION_NUMBER),
            detail=lambda f, rows: stored_number(f.loc[rows]),
            skips_blank=True,
        ),
        Rule(
            STATUS,
            "status_reverts",
            keeps_status,
            "{column} {value} needs a registration number, and neither this row nor the "
            "record has one; the record keeps the status {detail}",
            WARNING,
            uses=(ULN, QUALIFICATION_NUMBER, REGISTRATION_NUMBER),
            detail=kept_status,
        ),
    )


def regcert_schema(
    today: dt.date, *, allow_temporary_uln: bool = False, register: RegisterView | None = None
) -> Schema:
    """The import file's schema; with `register`, the rules against the register too."""
    rules = file_rules(today, allow_temporary_uln)
    if register is not None:
        rules += register_rules(register, allow_temporary_uln)
    return Schema("regcert", IMPORT_FIELDS, rules)


def import_records(frame: pd.DataFrame) -> pd.DataFrame | None:
    """The import file's records as validation reads them (normalised), or None when its
    columns are wrong; lets the register be read for just the file's learners."""
    renamed, _, _ = check_columns(as_records(frame))
    return None if renamed is None else normalise(renamed, STEPS)[0]


def validate_regcert(
    frame: pd.DataFrame,
    *,
    enrolments: pd.DataFrame | None = None,
    allow_temporary_uln: bool = False,
    show_sensitive: bool = False,
    today: dt.date | None = None,
) -> ValidationReport:
    """Check a Registration & Certification import file before anything is written.

    `enrolments` (columns ULN and Qualification Number, optionally the record's
    Registration number and Status) adds the checks against the register: every enrolment,
    or at least those of the file's learners and of its registration numbers
    (`usikit.regcert.register.register_enrolments` reads them). The report's `valid`
    records are the ones an import may apply, normalised.
    """
    typed = as_records(frame)
    today = today or dt.date.today()
    renamed, header_problems, headers = check_columns(typed)
    earlier = [*reader_problems(frame), *header_problems]
    if renamed is None:
        report = ValidationReport(
            typed,
            problems_frame(earlier),
            source=source_of(frame),
            source_sha256=digest_of(frame),
            show_sensitive=show_sensitive,
        )
        report.headers = headers
        return report
    view = None if enrolments is None else RegisterView.of(enrolments)
    schema = regcert_schema(today, allow_temporary_uln=allow_temporary_uln, register=view)
    normalised, changes = normalise(renamed, STEPS)
    report = schema.validate(
        normalised,
        original=renamed,
        problems=earlier,
        tables=[changes],
        show_sensitive=show_sensitive,
        source=source_of(frame),
        source_sha256=digest_of(frame),
    )
    report.headers = headers
    return report
