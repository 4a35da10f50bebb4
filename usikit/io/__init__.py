"""Reading spreadsheets as text and writing safe, atomic CSV/XLSX files.

The names below are imported when first used, so that a light module of the package (its
limits, its file detection) can be imported without the readers and writers behind them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from usikit.io.atomic import atomic_target, write_csv
    from usikit.io.read import read_table
    from usikit.io.tableinfo import TableInfo, table_info
    from usikit.io.write import Sheet, write_xlsx

_SOURCES = {
    "Sheet": "usikit.io.write",
    "TableInfo": "usikit.io.tableinfo",
    "atomic_target": "usikit.io.atomic",
    "read_table": "usikit.io.read",
    "table_info": "usikit.io.tableinfo",
    "write_csv": "usikit.io.atomic",
    "write_xlsx": "usikit.io.write",
}

__all__ = [
    "Sheet",
    "TableInfo",
    "atomic_target",
    "read_table",
    "table_info",
    "write_csv",
    "write_xlsx",
]


def __getattr__(name: str) -> Any:
    """A public name, imported on first use and kept (PEP 562)."""
    source = _SOURCES.get(name)
    if source is None:
        raise AttributeError(f"module 'usikit.io' has no attribute {name!r}")
    value = getattr(importlib.import_module(source), name)
    globals()[name] = value
    return value
