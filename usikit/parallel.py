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


def in_parallel(work: Callable[[T], R], items: Iterable[T], records: int) -> list[R]:
    """`work` on every item, in order: on the worker threads for a large table (each sees the
    shared results of this validation), one after another for a small one."""
    if records < PARALLEL_FROM or WORKERS == 1:
        return [work(item) for item in items]
    context = contextvars.copy_context()
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        return list(pool.map(lambda item: context.copy().run(work, item), items))
