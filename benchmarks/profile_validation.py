"""Where `validate_clients` spends its time, measured in the same run as the figures.

The issue asks that a missed target comes with its profile (which check, which copy) and what
would close it; this module measures the stages one at a time and every rule on its own, so
RESULTS.md carries that profile rather than a remembered one.
"""

from __future__ import annotations

import datetime as dt
import time

import pandas as pd

from usikit.bulk_usi.fields import CLIENT_FIELDS
from usikit.bulk_usi.validation import STEPS, client_schema, validate_clients
from usikit.parallel import PARALLEL_FROM, WORKERS
from usikit.rules.distinct import distinct_values
from usikit.rules.engine import as_records, passes
from usikit.rules.headers import match_headers
from usikit.rules.memo import shared_results
from usikit.rules.normalise import normalise

TOP_RULES = 8
THREADED = f" from {PARALLEL_FROM:,} records"


def _seconds(function) -> tuple[float, object]:
    start = time.perf_counter()
    result = function()
    return time.perf_counter() - start, result


def stages(frame: pd.DataFrame, today: dt.date) -> list[tuple[str, float]]:
    """The stages of one validation, timed one after another (each as validate_clients runs it)."""
    schema = client_schema(today)
    typing, (renamed, _, _) = _seconds(lambda: match_headers(as_records(frame), CLIENT_FIELDS))
    with distinct_values():  # as `run_validation` runs the two
        normalising, (normalised, _) = _seconds(
            lambda: normalise(renamed, STEPS, sensitive=schema.sensitive)
        )
        checking, _ = _seconds(lambda: schema.check(normalised, original=renamed))
    whole, _ = _seconds(lambda: validate_clients(frame, today=today))
    return [
        ("text columns and header matching", typing),
        (f"normalisation (columns on {WORKERS} threads{THREADED})", normalising),
        (
            f"rules on {WORKERS} threads{THREADED}, then the error table of the failing cells",
            checking,
        ),
        ("report (statuses, counts) and the rest", max(whole - typing - normalising - checking, 0)),
        ("whole `validate_clients`", whole),
    ]


def rule_costs(frame: pd.DataFrame, today: dt.date) -> list[tuple[str, float]]:
    """Every rule run alone on one thread, in declaration order (a derived column shared by
    several rules, such as parsed dates, is charged to the first rule that asks for it)."""
    schema = client_schema(today)
    renamed = match_headers(as_records(frame), CLIENT_FIELDS)[0]
    costs = []
    with distinct_values(), shared_results():
        normalised = normalise(renamed, STEPS, sensitive=schema.sensitive)[0]
        present = [r for r in schema.rules if all(c in normalised.columns for c in r.columns)]
        for rule in present:
            seconds, _ = _seconds(lambda r=rule: passes(r, normalised))
            costs.append((f"{rule.column} / {rule.check}", seconds))
    return costs


def profile(frames: dict[int, pd.DataFrame], today: dt.date) -> list[str]:
    """Markdown: the stages at every size, then the costliest rules at the largest size."""
    sizes = sorted(frames)
    timed = {rows: dict(stages(frames[rows], today)) for rows in sizes}
    names = list(timed[sizes[0]])
    lines = [
        "| stage | " + " | ".join(f"{rows:,} records" for rows in sizes) + " |",
        "|---|" + "---|" * len(sizes),
        *(
            f"| {name} | "
            + " | ".join(f"{timed[rows][name] * 1000:,.0f} ms" for rows in sizes)
            + " |"
            for name in names
        ),
        "",
    ]
    costs_at = {rows: rule_costs(frames[rows], today) for rows in (sizes[0], sizes[-1])}
    for rows, costs in costs_at.items():
        total = sum(seconds for _, seconds in costs)
        lines.append(
            f"Rules one after another on {rows:,} records: {len(costs)} rules, "
            f"{total * 1000:,.0f} ms in all, {total / len(costs) * 1000:.2f} ms per rule on "
            "average."
        )
    lines += [
        "",
        f"The {TOP_RULES} costliest rules on {sizes[-1]:,} records:",
        "",
        "| rule (column / check) | time | share of all rules |",
        "|---|---|---|",
    ]
    costs = costs_at[sizes[-1]]  # measured once, above
    total = sum(seconds for _, seconds in costs)
    for name, seconds in sorted(costs, key=lambda item: -item[1])[:TOP_RULES]:
        lines.append(f"| {name} | {seconds * 1000:,.0f} ms | {seconds / total:.0%} |")
    return lines


def misses(figures: list, growth_met: bool, rows: int) -> list[str]:
    """For each validation target missed: what the profile says and what would close it."""
    lines = []
    for figure in figures:
        if figure.met is not False or "validate_clients" not in figure.work:
            continue
        if "row by row" in figure.baseline:
            loop_us = figure.baseline_seconds / rows * 1e6
            lines.append(
                f"- **20 x faster than the row-by-row loop** (measured "
                f"{1 / figure.ratio:.1f} x). The loop spends {loop_us:.1f} us per record; "
                f"20 x leaves {loop_us / 20:.2f} us per record for everything usikit does, "
                "including the plain-English error table and the normalisation warnings the "
                "loop does not build. The rules and steps on one column already run on its "
                "distinct values; what would close the rest: hashing the columns once in the "
                "reader, the rules spanning several columns on the distinct combinations of "
                "their columns, and each column's regular expressions matched as one set."
            )
        elif "read_csv" in figure.baseline and f"{rows:,} records" in figure.work:
            lines.append(
                f"- **Validation no slower than parsing** (measured {figure.ratio:.2f} x). "
                "The profile shows no single hot spot once the rules on one column run on "
                "its distinct values: hashing the columns, the columns of nearly all "
                "different values and the rules spanning several columns share the time. What "
                "would close it: the same three steps as for the loop, or more cores (rules "
                "and normalisation already run on worker threads)."
            )
    if not growth_met:
        lines.append(
            "- **Linear growth** (see the growth table). The largest sizes check each "
            "distinct value of a repeating column once, so their cost per record falls as "
            "files grow; the smallest checks every cell with every rule (the per-rule "
            "average above). That average is the rules' own work (patterns, dates, folded "
            "names), not the engine's: measured on 2026-12-04 at 10,000 records, a rule "
            "that does nothing costs 7 us through it, `required` 16 us, `max_length` 40 us, "
            "and checking distinct values from 1,000 records instead of 20,000 changed "
            "nothing (175 ms against 169 ms). The 31 presence rules became array operations "
            "on what each column works out once (filled cells, document type numbers) on "
            "the afternoon of 2026-12-04: 20 ms of the rules at 10,000 records became 4 ms. "
            "The polars expressions grow 1.2 to 2.5 x themselves, and at 10,000 records take "
            "1.8 to 4.5 times what the target allows usikit (*Messy files*): no engine that "
            "checks every cell of a small file meets it. What would narrow it: each column's "
            "remaining rules evaluated as one expression, each cell read once for all of them."
        )
    return lines
