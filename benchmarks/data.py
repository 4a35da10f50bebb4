"""Synthetic benchmark files, generated once (seeded) and kept in benchmarks/data/."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from benchmarks.common import DATA
from usikit.bulk_usi.samples import add_mistakes, synthetic_clients

TODAY = dt.date(2026, 11, 22)  # the validations' "today", so that runs compare
MISTAKE_RATE = 0.03  # a few percent of records broken, every kind of mistake


def clients_csv(rows: int) -> Path:
    """A client file of `rows` records with about 3% of mistakes of every kind."""
    path = DATA / f"clients_{rows}.csv"
    if not path.exists():
        DATA.mkdir(parents=True, exist_ok=True)
        clean = synthetic_clients(rows, seed=rows, today=TODAY)
        broken, _ = add_mistakes(clean, rate=MISTAKE_RATE, seed=rows + 1)
        temporary = path.with_suffix(".part")
        broken.to_csv(temporary, index=False)
        temporary.replace(path)
    return path
