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
from typing import TypeVar

import pandas as pd

from usikit.rules.distinct import Distinct, known_distinct

T = TypeVar("T")
_CACHE: ContextVar[dict | None] = ContextVar("usikit_shared_results", default=None)


@contextlib.contextmanager
def shared_results() -> Iterator[None]:
    """Within this block, functions decorated with `shared` compute once per column."""
    token = _CACHE.set({})
    try:
        yield
    finally:
        _CACHE.reset(token)


def shared(function: Callable[[pd.Series], T]) -> Callable[[pd.Series], T]:
    """Memoise a column -> column function for the current validation run."""
    return _memoised(function, per_value=False)


def shared_per_value(function: Callable[[pd.Series], T]) -> Callable[[pd.Series], T]:
    """`shared`, for a function whose answer for a cell depends on that cell alone (a
    Series or array of one answer per cell): computed on the column's distinct values where
    this validation knows them (`usikit.rules.distinct`), then spread to the cells."""
    return _memoised(function, per_value=True)


def _memoised(function: Callable[[pd.Series], T], *, per_value: bool) -> Callable[[pd.Series], T]:
    @functools.wraps(function)
    def wrapper(values: pd.Series) -> T:
        cache = _CACHE.get()
        if cache is None:
            return function(values)
        array = values.array
        key = (function, id(array))
        hit = cache.get(key)
        if hit is not None and hit[0] is array and hit[1].equals(values.index):
            return hit[2]
        found = known_distinct(values) if per_value else None
        if found is None or found.values is values:
            result = function(values)
        else:
            result = _spread(found, wrapper(found.values), values.index)
        cache[key] = (array, values.index, result)
        return result

    return wrapper


def _spread(found: Distinct, answers: T, index: pd.Index) -> T:
    spread = found.spread(answers)
    if isinstance(answers, pd.Series):
        return pd.Series(spread, index=index, dtype=answers.dtype)
    return spread  # type: ignore[return-value]


def remembered(key: tuple, keep: tuple, compute: Callable[[], T]) -> T:
    """`compute()` once per validation run for `key`; `keep` holds the objects whose
    identities the key was made from (held by the cache, so none can be reused meanwhile)."""
    cache = _CACHE.get()
    if cache is None:
        return compute()
    hit = cache.get(key)
    if hit is not None and all(a is b for a, b in zip(hit[0], keep, strict=True)):
        return hit[1]
    result = compute()
    cache[key] = (keep, result)
    return result


def column_of(frame: pd.DataFrame, name: str) -> pd.Series:
    """`frame[name]`, one Series per column and validation run: pandas builds a new Series
    at every access (tens of microseconds), which the rules of a small file paid several
    times each."""
    return remembered(("column", id(frame), name), (frame,), lambda: frame[name])
