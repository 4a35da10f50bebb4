"""Work on independent columns or rules, on worker threads where the table is large.

Arrow and numpy release the interpreter lock while they work, so the columns of a large
table (its rules, its normalisation steps, the gathering of its problems) run side by side.
"""

from __future__ import annotations

import contextvars
import os
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")

WORKERS = min(4, os.cpu_count() or 1)
PARALLEL_FROM = 50_000  # records; below, threads cost more in handing over the lock than they save


def in_parallel(
    work: Callable[[T], R],
    items: Iterable[T],
    records: int,
    *,
    sooner: Callable[[T], bool] | None = None,
) -> list[R]:
    """`work` on every item, its results in the items' order: on the worker threads for a
    large table (each sees the shared results of this validation), one after another for a
    small one. The items `sooner` picks out (the long ones) are handed to the workers first,
    so that no long item is left to run alone at the end."""
    items = list(items)
    if records < PARALLEL_FROM or WORKERS == 1:
        return [work(item) for item in items]
    order = list(range(len(items)))
    if sooner is not None:
        order.sort(key=lambda i: not sooner(items[i]))  # stable: the rest keep their order
    context = contextvars.copy_context()
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        done = list(pool.map(lambda i: context.copy().run(work, items[i]), order))
    placed = dict(zip(order, done, strict=True))
    return [placed[i] for i in range(len(items))]
