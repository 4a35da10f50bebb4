"""Where a table came from and what the reader noticed, carried in `DataFrame.attrs`."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import pandas as pd

from usikit.problems import Problem

ATTR_KEY = "usikit"


@dataclass(frozen=True)
class TableInfo:
    """Facts about a file read by `read_table`; validators use them in their messages."""

    source: str
    format: str  # "csv" or "xlsx" (also used for xls/ods workbooks)
    encoding: str | None = None
    sep: str | None = None
    sheet: str | None = None
    header_row: int = 1
    sha256: str | None = None  # the file's digest, when its reader took it (an upload)
    problems: tuple[Problem, ...] = field(default_factory=tuple)


def table_info(frame: pd.DataFrame) -> TableInfo | None:
    """The `TableInfo` that `read_table` attached, if the frame came from a file."""
    info = frame.attrs.get(ATTR_KEY)
    return info if isinstance(info, TableInfo) else None


def attach(frame: pd.DataFrame, info: TableInfo) -> pd.DataFrame:
    """Attach `info` to `frame` (in place) and return the frame."""
    frame.attrs[ATTR_KEY] = info
    return frame


def with_problems(info: TableInfo, *problems: Problem) -> TableInfo:
    """A copy of `info` with more reader problems."""
    return replace(info, problems=info.problems + tuple(problems))
