"""The import file's rules against the register: the learner, the enrolment, and the
registration number (matching rules, `usikit.regcert.matching`), as lookups on Arrow."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from usikit.identifiers import uln
from usikit.problems import WARNING, name_checks
from usikit.regcert.fields import (
    NEEDS_REGISTRATION_NUMBER,
    NEW_RECORD_STATUS,
    QUALIFICATION_NUMBER,
    REGISTRATION_NUMBER,
    STATUS,
    ULN,
)
from usikit.regcert.keys import QUALIFICATION_SHAPE, number_keys, pair_keys, record_keys
from usikit.rules.engine import Rule, as_records
from usikit.rules.memo import remembered
from usikit.rules.textscan import full_match


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
        return self.at(self.positions(probe), probe.index)

    def at(
        self, positions: np.ndarray, index: pd.Index, values: np.ndarray | None = None
    ) -> pd.Series:
        """The entries at `positions` (from `positions`; "" at -1), of `values` (aligned
        with the keys) or the lookup's own."""
        chosen = self.values if values is None else values
        taken = chosen[np.maximum(positions, 0)] if len(chosen) else ""
        return pd.Series(np.where(positions >= 0, taken, ""), index=index, dtype="str")


@dataclass(frozen=True)
class RegisterView:
    """What the rules need to know of the register: enrolments and their registration record."""

    numbers: Lookup  # learner-and-qualification key -> its record's number ("" for none)
    statuses: np.ndarray  # each key's record's status ("" when it has no record yet)
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
        first = ~keys.duplicated().to_numpy()  # as in Lookup.of: the first of a key counts
        return cls(
            numbers=Lookup.of(keys, numbers),
            statuses=frame.get(STATUS, blank).to_numpy(dtype=object)[first],
            learners=Lookup.of(frame[ULN]),
            owners=Lookup.of(number_keys(numbers[numbered]), keys[numbered]),
        )

    def records_of(self, frame: pd.DataFrame) -> np.ndarray:
        """Where each row's learner-and-qualification record is among `numbers`' keys (-1:
        not enrolled): the join of the rows with the register, made once per validation
        run and frame and shared by the rules that read it."""
        ulns, qualifications = frame[ULN].array, frame[QUALIFICATION_NUMBER].array
        return remembered(
            ("register records", id(self), id(ulns), id(qualifications)),
            (self, ulns, qualifications),
            lambda: self.numbers.positions(pair_keys(frame)),
        )

    def owners_of(self, frame: pd.DataFrame) -> pd.Series:
        """The key of the record that holds each row's registration number ("" for none),
        once per validation run and frame."""
        given = frame[REGISTRATION_NUMBER]
        return remembered(
            ("register owners", id(self), id(given.array)),
            (self, given.array),
            lambda: self.owners.get(number_keys(given)),
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
        return ~(shaped & learner) | pd.Series(view.records_of(frame) >= 0, index=frame.index)

    def owner(frame: pd.DataFrame) -> pd.Series:
        return view.owners_of(frame)

    def number_not_elsewhere(frame: pd.DataFrame) -> pd.Series:
        found = owner(frame)
        return (found == "") | (found == pair_keys(frame))

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
        return view.numbers.at(view.records_of(frame), frame.index)

    def number_agrees(frame: pd.DataFrame) -> pd.Series:
        stored = stored_number(frame)
        return (
            (frame[REGISTRATION_NUMBER] == "")
            | (stored == "")
            | (number_keys(stored) == number_keys(frame[REGISTRATION_NUMBER]))
        )

    def keeps_status(frame: pd.DataFrame) -> pd.Series:
        needs = frame[STATUS].isin(list(NEEDS_REGISTRATION_NUMBER))
        bare = (frame[REGISTRATION_NUMBER] == "") & (stored_number(frame) == "")
        return ~(needs & bare & pd.Series(view.records_of(frame) >= 0, index=frame.index))

    def kept_status(frame: pd.DataFrame, rows: pd.Index) -> pd.Series:
        part = frame.loc[rows]
        status = view.numbers.at(view.records_of(part), rows, view.statuses)
        return status.where(status != "", NEW_RECORD_STATUS)

    return (
        Rule(
            ULN,
            "learner_not_in_register",
            known_learner,
            "ULN {value} is not a learner in the register; load the learner into the register "
            "first, or check the ULN",
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
            "record has one; the record keeps the status {detail}, and the row's dates and "
            "postal reference are not written",
            WARNING,
            uses=(ULN, QUALIFICATION_NUMBER, REGISTRATION_NUMBER),
            detail=kept_status,
        ),
    )


name_checks(
    {
        "learner_not_in_register": "a learner not in the register",
        "not_enrolled": "a learner not enrolled",
        "registration_number_elsewhere": "another record's registration number",
        "registration_number_differs": "a registration number that differs",
        "status_reverts": "a status that needs a registration number",
    }
)
