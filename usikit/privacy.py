"""Masking of personal data (identity-document numbers, dates of birth) for logs and exports."""

from __future__ import annotations

import re

import pandas as pd

# Every letter or digit that still has two more letters or digits after it: the shape of
# the value (separators, length) stays visible so a wrong format can still be spotted.
_MASKABLE = re.compile(r"[A-Za-z0-9](?=(?:[^A-Za-z0-9]*[A-Za-z0-9]){2})")
MASK_CHAR = "*"


def mask(value: object) -> str:
    """Hide all but the last two letters or digits, keeping the value's shape."""
    text = "" if value is None else str(value)
    return _MASKABLE.sub(MASK_CHAR, text)


def mask_series(values: pd.Series) -> pd.Series:
    """Vectorised `mask` for a whole column."""
    text = values.fillna("").astype(str)
    return text.str.replace(_MASKABLE, MASK_CHAR, regex=True)
