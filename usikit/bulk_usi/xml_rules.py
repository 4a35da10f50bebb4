"""A rule for every client column: no character the registry's XML cannot carry.

XML 1.0 has no place for U+FFFE, U+FFFF, lone surrogates or C0 control characters (other than
tab and line ends). A record holding one could never be sent: the request would be malformed,
and the registry could not read it. Normalisation already removes the controls a person cannot
see (with a warning); what remains is an error here, naming the cell.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from usikit.bulk_usi.fields import CLIENT_COLUMNS
from usikit.problems import name_checks
from usikit.rules.engine import Rule
from usikit.rules.textscan import holding_bytes

NOT_XML = re.compile("[\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\ufffe\\uffff\\ud800-\\udfff]")
# Bytes that start such a character in UTF-8: the controls, and EF (U+FFFE and U+FFFF).
LEADS = bytes((*range(0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0xEF))


def xml_safe(values: pd.Series) -> pd.Series:
    """True where the cell holds only characters XML can carry."""
    suspects = holding_bytes(values, LEADS)  # most cells: none of those bytes
    safe = np.ones(len(values), dtype=bool)
    if suspects.any():
        safe[suspects] = [not NOT_XML.search(str(v)) for v in values[suspects]]
    return pd.Series(safe, index=values.index)


def _which(column: str):
    def detail(frame: pd.DataFrame, rows: pd.Index) -> pd.Series:
        def code(value: object) -> str:
            found = NOT_XML.search(str(value))
            return f"U+{ord(found.group()):04X}" if found else "a character"

        return frame.loc[rows, column].map(code)

    return detail


XML_RULES = tuple(
    Rule(
        column,
        "xml_character",
        xml_safe,
        "{column} holds {detail}, a character the registry's XML cannot carry (often left "
        "by a copy from another program); type the value again",
        detail=_which(column),
        skips_blank=True,
    )
    for column in CLIENT_COLUMNS
)


name_checks({"xml_character": "a character the registry cannot receive"})
