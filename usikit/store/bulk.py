"""Many rows in or out of the workspace at once, without Python work per row in between.

`listed` puts a whole list of keys in one query as one JSON parameter (SQLite binds at most
32,766 values, and binding each one costs time); `executemany` hands a statement and its
columns of values to the database driver's own executemany, converting each constant once
(SQLAlchemy's per-row parameter handling costs three times the writing itself);
`collection_paused` keeps Python's cycle collector from walking the heap again and again while
a query's rows are made (a few hundred thousand values, none of them in a cycle).
"""

from __future__ import annotations

import contextlib
import gc
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from sqlalchemy import (
    JSON,
    ColumnElement,
    Connection,
    Executable,
    Integer,
    Select,
    Text,
    bindparam,
    cast,
    func,
    select,
)
from sqlalchemy import literal_column as _literal_column
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ClauseElement


def listed(
    connection: Connection, name: str, type_: type[Text] | type[Integer] = Text
) -> Select[Any]:
    """A subquery of the values of the JSON list bound as `name` (see `json_list`), for
    `column.in_(...)`; `type_` Integer for a list of ids."""
    value = bindparam(name, type_=Text)
    if connection.dialect.name == "postgresql":
        source = func.json_array_elements_text(cast(value, JSON))
        element: ColumnElement[Any] = _literal_column("value", Text)
        if type_ is Integer:
            element = cast(element, Integer)
        return select(element).select_from(source)
    return select(_literal_column("value", type_())).select_from(func.json_each(value))


@contextlib.contextmanager
def collection_paused() -> Iterator[None]:
    """No cycle collection inside the block (it was measured to double the time of reading
    57,000 rows into columns: each pass walks every row made so far); on again after it,
    unless it was off before."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()


def json_list(values: Iterable[str] | Iterable[int] | None) -> str:
    """The parameter `listed` reads: distinct values, as JSON text. (A pandas column goes
    through its `tolist`: iterating Arrow-backed text value by value costs ten times more.)"""
    if values is None:
        return "[]"
    as_list = getattr(values, "tolist", None)
    items = as_list() if callable(as_list) else list(values)
    return json.dumps(list(dict.fromkeys(items)))


def executemany(
    connection: Connection,
    statement: Executable,
    columns: Mapping[str, Sequence[object]],
    constants: Mapping[str, object] | None = None,
) -> None:
    """Run `statement` once per row of `columns` (bind parameter -> a value per row), with
    the same `constants` (bind parameter -> value) in every row, in one driver executemany
    inside the caller's transaction. Values must be plain Python values the driver takes
    (str, int, None); each constant is converted once, as its column's type would."""
    if not isinstance(statement, ClauseElement):
        raise TypeError("executemany needs a SQLAlchemy statement")
    compiled = statement.compile(dialect=connection.dialect)
    if not isinstance(compiled, SQLCompiler):
        raise TypeError("executemany needs a SQL statement")
    fixed = {}
    for name, value in (constants or {}).items():
        processor = (
            compiled.binds[name]
            .type.dialect_impl(connection.dialect)
            .bind_processor(connection.dialect)
        )
        fixed[name] = processor(value) if processor is not None else value
    lengths = {len(values) for values in columns.values()}
    if len(lengths) > 1:
        raise ValueError("every column needs one value per row")
    rows = lengths.pop() if lengths else 0
    if rows == 0:
        return
    every = {**{name: [value] * rows for name, value in fixed.items()}, **columns}
    order = compiled.positiontup
    if order is not None:  # the driver takes a tuple per row (SQLite)
        parameters: list[object] = list(zip(*(every[name] for name in order), strict=True))
    else:  # the driver takes a mapping per row (PostgreSQL)
        names = list(every)
        parameters = [
            dict(zip(names, row, strict=True))
            for row in zip(*(every[name] for name in names), strict=True)
        ]
    connection.exec_driver_sql(str(compiled), parameters)
