"""Sharing derived columns (parsed dates, digits of phone numbers) between rules.

Several rules read the same derived values; inside one validation run (`shared_results`)
each is computed once per column. Results are keyed on the column's array object, which
the cache holds on to, so an identity can never be reused for other data while cached.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterator
from contextvars import ContextVar

import pandas as pd

_CACHE: ContextVar[dict | None] = ContextVar("usikit_shared_results", default=None)


@contextlib.contextmanager
def shared_results() -> Iterator[None]:
    """Within this block, functions decorated with `shared` compute once per column."""
    token = _CACHE.set({})
    try:
        yield
    finally:
        _CACHE.reset(token)


def shared(function: Callable[[pd.Series], pd.Series]) -> Callable[[pd.Series], pd.Series]:
    """Memoise a column -> column function for the current validation run."""

    @functools.wraps(function)
    def wrapper(values: pd.Series) -> pd.Series:
        cache = _CACHE.get()
        if cache is None:
            return function(values)
        array = values.array
        key = (function, id(array))
        hit = cache.get(key)
        if hit is not None and hit[0] is array and hit[1].index.equals(values.index):
            return hit[1]
        result = function(values)
        cache[key] = (array, result)
        return result

    return wrapper
