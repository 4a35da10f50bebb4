"""Masking of personal data (identity-document numbers, dates of birth) for logs and exports."""

from __future__ import annotations

import re
import traceback

import numpy as np
import pandas as pd
import pyarrow as pa

# Every letter or digit that still has two more letters or digits after it: the shape of
# the value (separators, length) stays visible so a wrong format can still be spotted.
_MASKABLE = re.compile(r"[A-Za-z0-9](?=(?:[^A-Za-z0-9]*[A-Za-z0-9]){2})")
MASK_CHAR = "*"


def mask(value: object) -> str:
    """Hide all but the last two letters or digits, keeping the value's shape."""
    text = "" if value is None else str(value)
    return _MASKABLE.sub(MASK_CHAR, text)


def mask_series(values: pd.Series) -> pd.Series:
    """Vectorised `mask` for a whole column: a few array operations on the column's UTF-8
    buffer (a letter or digit of A-Z, a-z, 0-9 is one byte there, and no byte of a character
    beyond ASCII is one), so a million dates cost no more than a few passes over their bytes."""
    text = values.fillna("").astype(str)
    array = pa.array(text, type=pa.large_string(), from_pandas=True)
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    _, offsets, data = array.buffers()
    if data is None or not len(array):
        return text
    starts = np.frombuffer(offsets, dtype=np.int64)[array.offset : array.offset + len(array) + 1]
    body = np.frombuffer(data, dtype=np.uint8)[starts[0] : starts[-1]].copy()
    starts = starts - starts[0]
    folded = body | 0x20  # upper-case ASCII letters as lower-case ones
    maskable = ((body >= ord("0")) & (body <= ord("9"))) | (
        (folded >= ord("a")) & (folded <= ord("z"))
    )
    seen = np.concatenate([[0], np.cumsum(maskable, dtype=np.int64)])  # before each byte
    cells = np.repeat(np.arange(len(starts) - 1), np.diff(starts))
    after = seen[starts[1:]][cells] - seen[1:]  # letters and digits after each byte, same cell
    body[maskable & (after >= 2)] = ord(MASK_CHAR)
    masked = pa.LargeStringArray.from_buffers(
        len(starts) - 1, pa.py_buffer(starts), pa.py_buffer(body)
    )
    return pd.Series(masked, index=text.index, dtype="str", name=text.name)


_MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?"
_DATE_SEPARATOR = "[-/. \u00b7\u2010-\u2015]"  # hyphens, slashes, dots, spaces, dashes
# What in a text could be a date of birth or an identity-document number: a date (14/03/1990,
# 1990-03-14, 14.3.90, 14 03 1990 with dashes, 14 Mar 1990, March 14, 1990) or a run of six or more
# digits, maybe spaced or hyphenated and after a few letters (N1234567, 2123 45670 1).
_SENSITIVE_TEXT = re.compile(
    rf"\d{{1,4}}{_DATE_SEPARATOR}\d{{1,2}}{_DATE_SEPARATOR}\d{{1,4}}"
    rf"|\d{{1,2}}[ -]{_MONTH}[ -]\d{{2,4}}"
    rf"|{_MONTH} \d{{1,2}},? \d{{4}}"
    r"|[A-Za-z]{0,3}\d(?:[ -]?\d){5,}",
    re.IGNORECASE,
)
_QUOTED = re.compile(r"'([^'\n]*)'")


def mask_by_look(text: str) -> str:
    """Text with whatever looks like a date or a long run of digits masked (`mask`), for a
    message about a value whose column is not known (a reader's, a traceback's)."""
    return _SENSITIVE_TEXT.sub(lambda found: mask(found.group()), text)


def mask_quoted(message: str) -> str:
    """A message with every value it quotes ('...') masked: for a problem found before the
    column was known to hold personal data (a reader's problem in a Date of Birth column)."""
    return _QUOTED.sub(lambda found: f"'{mask(found.group(1))}'", message)


def scrub_traceback(exc: BaseException) -> str:
    """The traceback of a bug, as USIKIT_DEBUG shows it, without the personal data an error
    can carry: a database error's DETAIL line (which quotes the failing row) and statement
    parameters are left out, and what looks like a date or a long number is masked. The
    frames (file, line, code) are kept as they are."""
    kept = []
    for block in traceback.format_exception(exc):
        for line in block.splitlines():
            stripped = line.lstrip()
            if line.startswith("    ") or stripped.startswith('File "'):
                kept.append(line)  # where the bug is: code, not data
            elif stripped.startswith(("DETAIL:", "[parameters:", "CONTEXT:")):
                kept.append(
                    line[: len(line) - len(stripped)] + stripped.split(":")[0] + ": (hidden)"
                )
            else:
                kept.append(mask_by_look(line))
    return "\n".join(kept)
