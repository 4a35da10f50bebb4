"""Reading spreadsheets as text and writing safe, atomic CSV/XLSX files."""

from usikit.io.read import read_table
from usikit.io.tableinfo import TableInfo, table_info
from usikit.io.write import Sheet, atomic_target, write_csv, write_xlsx

__all__ = [
    "Sheet",
    "TableInfo",
    "atomic_target",
    "read_table",
    "table_info",
    "write_csv",
    "write_xlsx",
]
