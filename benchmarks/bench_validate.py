"""validate_clients against parsing the file, the rules row by row, and frictionless."""

from __future__ import annotations

import pandas as pd

from benchmarks.common import Figure, best_of
from benchmarks.data import TODAY, clients_csv
from benchmarks.frictionless_baseline import validate_with_frictionless
from benchmarks.profile_validation import misses, profile
from benchmarks.rowwise import validate_rows
from usikit import read_table
from usikit.bulk_usi.validation import validate_clients

PARSE_TARGET = 1.0  # validation takes no longer than parsing the file
FASTER_TARGET = 20.0  # and is at least 20 times faster than a loop or frictionless
GROWTH_TARGET = 1.5  # time per record across sizes
GROWTH_SECTION = "## Growth: validation time per record"
PROFILE_SECTION = "## Where validation spends its time"
MISSES_SECTION = "## Targets not met, and what would close them"


def run(sizes: tuple[int, ...], repeat: int) -> tuple[list[Figure], list[str]]:
    """Figures for every size (the largest also against the loop and frictionless); the
    growth table, with the profile and what would close each target missed."""
    figures: list[Figure] = []
    per_record: list[tuple[int, float]] = []
    frames = {}
    for rows in sizes:
        path = clients_csv(rows)
        parse = best_of(lambda p=path: pd.read_csv(p, dtype=str, keep_default_na=False), repeat)
        frame = frames[rows] = read_table(path)
        seconds = best_of(lambda f=frame: validate_clients(f, today=TODAY), repeat)
        per_record.append((rows, seconds / rows))
        largest = rows == sizes[-1]  # the target names the largest file; the rest show growth
        figures.append(
            Figure(
                f"`validate_clients` on {rows:,} records (all rules)",
                seconds,
                "`pandas.read_csv(dtype=str)` of the same file",
                parse,
                target=f"<= {PARSE_TARGET:.1f} x" if largest else "(see growth)",
                met=seconds <= PARSE_TARGET * parse if largest else None,
            )
        )
    rows = sizes[-1]
    path = clients_csv(rows)
    loop = best_of(lambda: validate_rows(path, TODAY), 1)
    frictionless = best_of(lambda: validate_with_frictionless(path), 1)
    for name, baseline in (
        ("the same rules row by row in plain Python (`benchmarks/rowwise.py`)", loop),
        ("frictionless `validate`, nearest Table Schema (`benchmarks/frictionless_baseline.py`)",
         frictionless),
    ):  # fmt: skip
        figures.append(
            Figure(
                f"`validate_clients` on {rows:,} records",
                seconds,
                name,
                baseline,
                target=f">= {FASTER_TARGET:.0f} x faster (<= {1 / FASTER_TARGET:.2f} x)",
                met=seconds * FASTER_TARGET <= baseline,
            )
        )
    fastest = min(cost for _, cost in per_record)
    spread = max(cost for _, cost in per_record) / fastest
    growth = [
        "| records | time per record | against the cheapest size |",
        "|---|---|---|",
        *(f"| {n:,} | {cost * 1e6:.2f} us | {cost / fastest:.2f} x |" for n, cost in per_record),
        "",
        f"Target: within {GROWTH_TARGET} x across sizes; measured {spread:.2f} x "
        f"({'met' if spread <= GROWTH_TARGET else '**not met**'}).",
    ]
    missed = misses(figures, spread <= GROWTH_TARGET, sizes[-1])
    if missed:
        growth += [
            "",
            PROFILE_SECTION,
            "",
            *profile({sizes[0]: frames[sizes[0]], rows: frames[rows]}, TODAY),
            "",
            MISSES_SECTION,
            "",
            *missed,
        ]
    return figures, growth
