"""Formula neutralisation: exported text must never run as a spreadsheet formula."""

from __future__ import annotations

import numpy as np
import pandas as pd

from usikit.io.text_buffer import cell_bytes, text_array

# A cell starting with one of these can be taken as a formula by Excel, LibreOffice or
# Google Sheets (CSV injection).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_TRIGGER_PATTERN = r"^[=+\-@\t\r]"
TEXT_MARK = "'"
_TRIGGER_BYTES = np.frombuffer("".join(FORMULA_TRIGGERS).encode("ascii"), dtype=np.uint8)


def is_formula_like(value: object) -> bool:
    """Whether a spreadsheet could read this value as a formula."""
    return isinstance(value, str) and value.startswith(FORMULA_TRIGGERS)


def formula_like_mask(values: pd.Series) -> pd.Series:
    """Vectorised `is_formula_like` for one column (False for non-text cells)."""
    if isinstance(values.dtype, pd.StringDtype) and values.dtype.storage == "pyarrow":
        return pd.Series(_first_byte_triggers(values), index=values.index)
    text = values.astype("string")
    return text.str.contains(_TRIGGER_PATTERN, regex=True).fillna(False).astype(bool)


def _first_byte_triggers(values: pd.Series) -> np.ndarray:
    """Cells whose first byte is a trigger, read from Arrow's buffer (every trigger is ASCII,
    so a first byte is a first character): a look per cell instead of a pattern per cell."""
    array = text_array(values)
    starts, body = cell_bytes(array)
    filled = starts[1:] > starts[:-1]
    if array.null_count:
        filled &= array.is_valid().to_numpy(zero_copy_only=False)
    first = np.zeros(len(array), dtype=np.uint8)
    first[filled] = body[starts[:-1][filled]]
    return np.isin(first, _TRIGGER_BYTES) & filled


def neutralise(value: str) -> str:
    """Prefix the apostrophe that makes spreadsheets show the cell as text."""
    return TEXT_MARK + value if is_formula_like(value) else value


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Copy of `frame` whose text cells are safe to open in a spreadsheet (used for CSV)."""
    safe = frame.copy()
    for name in safe.columns:
        column = safe[name]
        if not (pd.api.types.is_object_dtype(column) or pd.api.types.is_string_dtype(column)):
            continue
        risky = formula_like_mask(column)
        if not risky.any():
            continue
        if isinstance(column.dtype, pd.StringDtype):  # stays text: no Python object a cell
            safe[name] = column.where(~risky, TEXT_MARK + column)
        else:
            safe[name] = column.astype(object).where(~risky, TEXT_MARK + column.astype(str))
    return safe
