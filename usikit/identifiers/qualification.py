"""Qualification numbers (England): Ofqual numbers and ILR learning aim references.

An Ofqual qualification number looks like ``603/1234/5``: 3 digits, 4 digits, then one digit or
upper-case letter. The same number without the slashes (``6031234X``) is the ILR learning aim
reference; non-regulated aims such as ``ZPROG001`` are also 8 upper-case letters or digits.
No check-character algorithm is public, so only the shape is checked.
"""

from __future__ import annotations

import re
from typing import Literal

import pandas as pd

from usikit.identifiers.cells import str_cells

# [0-9], not \d: \d also matches other scripts' digits.
OFQUAL_PATTERN = r"[0-9]{3}/[0-9]{4}/[0-9A-Z]"
AIM_PATTERN = r"[0-9A-Z]{8}"

_OFQUAL = re.compile(OFQUAL_PATTERN)
_AIM = re.compile(AIM_PATTERN)
_EITHER = f"(?:{OFQUAL_PATTERN})|(?:{AIM_PATTERN})"

Kind = Literal["ofqual", "aim"]


def kind(value: object) -> Kind | None:
    """Let import code treat an Ofqual number and an aim reference as the same qualification."""
    if not isinstance(value, str):
        return None
    if _OFQUAL.fullmatch(value):
        return "ofqual"
    if _AIM.fullmatch(value):
        return "aim"
    return None


def is_valid(value: object) -> bool:
    """Catch qualification numbers that cannot be right before matching records on them."""
    return kind(value) is not None


def valid_mask(values: pd.Series) -> pd.Series:
    """Check a whole column at data-frame speed, with the same verdict as ``is_valid``."""
    text = pd.Series(str_cells(values), index=values.index, dtype=object)
    matched = text.str.fullmatch(_EITHER, na=False).to_numpy(dtype=bool)
    return pd.Series(matched, index=values.index, name=values.name)


def to_aim_reference(value: object) -> str | None:
    """Match an Ofqual number typed with slashes against ILR aim references typed without."""
    if not isinstance(value, str):
        return None
    found = kind(value)
    if found is None:
        return None
    return value.replace("/", "") if found == "ofqual" else value
