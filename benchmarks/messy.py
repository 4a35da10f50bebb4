"""The messy client files of the speed issue: where real files make validation slow.

Each is made from the benchmark file (`benchmarks.data.clients_csv`, about 3% broken), seeded
and kept in benchmarks/data/ like it:

- every date written yyyy-mm-dd, as an export from another system writes them (one
  "changed" warning per date);
- every record missing one of the mandatory fields (one error per record);
- 30% of the records the same person as another record (same names and date of birth);
- the same 9 people over and over (every record "the same person" as thousands of others).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from benchmarks.bench_report import iso_dates_csv
from benchmarks.common import DATA
from benchmarks.data import clients_csv

MANDATORY = ("Family Name", "Date of Birth", "Gender", "Town/City of Birth")
PERSON = ("First Name", "Middle Name", "Family Name", "Single Name", "Date of Birth")
TWICE_SHARE = 0.3
PEOPLE = 9
NINE_PEOPLE_ROWS = 200_000  # the size for this file


def _derived(rows: int, name: str, change: Callable[[pd.DataFrame, np.random.Generator], None]):
    path = DATA / f"clients_{rows}_{name}.csv"
    if not path.exists():
        frame = pd.read_csv(clients_csv(rows), dtype=str, keep_default_na=False)
        change(frame, np.random.default_rng(rows + 7))
        temporary = path.with_suffix(".part")
        frame.to_csv(temporary, index=False)
        temporary.replace(path)
    return path


def _missing_one(frame: pd.DataFrame, rng: np.random.Generator) -> None:
    blank = rng.integers(0, len(MANDATORY), len(frame))
    for i, name in enumerate(MANDATORY):
        frame.loc[blank == i, name] = ""


def _same_person_twice(frame: pd.DataFrame, rng: np.random.Generator) -> None:
    """30% of the records take the names and date of birth of another record."""
    count = int(len(frame) * TWICE_SHARE)
    positions = rng.permutation(len(frame))
    copies, originals = positions[:count], positions[count : 2 * count]
    for name in PERSON:
        values = frame[name].to_numpy(dtype=object)
        values[copies] = values[originals]
        frame[name] = values


def _nine_people(frame: pd.DataFrame, rng: np.random.Generator) -> None:
    who = rng.integers(0, PEOPLE, len(frame))
    for name in PERSON:
        values = frame[name].to_numpy(dtype=object)
        frame[name] = values[:PEOPLE][who]


def missing_field_csv(rows: int) -> Path:
    """Every record with one of the mandatory fields blank."""
    return _derived(rows, "missing_field", _missing_one)


def same_person_csv(rows: int) -> Path:
    """30% of the records the same person as another one."""
    return _derived(rows, "same_person", _same_person_twice)


def nine_people_csv(rows: int) -> Path:
    """Every record one of 9 people."""
    return _derived(rows, "nine_people", _nine_people)


# (what the file is, how it is made, its size when the targets are measured)
FILES: tuple[tuple[str, Callable[[int], Path], int], ...] = (
    ("the benchmark file (3% broken)", clients_csv, 1_000_000),
    ("every date written yyyy-mm-dd", iso_dates_csv, 1_000_000),
    ("every record missing a mandatory field", missing_field_csv, 1_000_000),
    ("30% of records the same person twice", same_person_csv, 1_000_000),
    ("the same 9 people repeated", nine_people_csv, NINE_PEOPLE_ROWS),
)
