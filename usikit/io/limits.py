"""How much a reader takes before it refuses a file, so that no input can exhaust memory or
run for ever: the file's size, what a workbook holds once unpacked, the cells and columns of
the table, the length of one line of text, and the time spent reading.

Each limit bounds memory or time whatever the file holds; what exceeds one is refused with a
`LimitExceeded` naming the limit and how to raise it (`ReadLimits`, the `USIKIT_LIMITS`
setting, or a face's own option). The defaults take the largest files officers keep (a
million client records) with room to spare.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from usikit import settings
from usikit.errors import Do, InputError, LimitExceeded, step

MB = 1024 * 1024
# A text file larger than this (some 2,000,000 client records) is validated CHUNK_RECORDS records
# at a time (`usikit.io.stream`); a smaller one is read whole, in at most about 2.5 GB.
STREAM_FROM = 512 * MB
CHUNK_RECORDS = 250_000  # records in a chunk: about 60 MB of client records as text
# The grid of a workbook: Excel and LibreOffice stop at row 1,048,576 and column XFD.
WORKBOOK_ROWS, WORKBOOK_COLUMNS = 1_048_576, 16_384


@dataclass(frozen=True)
class ReadLimits:
    """The limits of one read; `None` for `bytes` means files of any size on disk."""

    bytes: int | None = None  # the file's size on disk
    unpacked: int = 512 * MB  # what a workbook's parts hold once decompressed
    cells: int = 50_000_000  # rows x columns of the table read
    columns: int = WORKBOOK_COLUMNS  # as many as Excel's grid has (to XFD)
    line: int = 8 * MB  # one line of a text file, in bytes
    seconds: float = 600.0  # reading one file, from start to finish

    @classmethod
    def default(cls, *, max_bytes: int | None = None) -> ReadLimits:
        """The defaults, changed by the USIKIT_LIMITS setting, and `max_bytes` if given."""
        chosen = cls().updated(settings.limits_setting())
        return chosen if max_bytes is None else replace(chosen, bytes=max_bytes)

    def updated(self, changes: dict[str, float]) -> ReadLimits:
        """These limits with some changed by name (`cells=...`); unknown names are refused."""
        known = {f.name for f in fields(self)}
        unknown = sorted(set(changes) - known)
        if unknown:
            raise InputError(
                f"there is no limit named {', '.join(unknown)}; the limits are "
                + ", ".join(sorted(known))
            )
        typed: dict[str, Any] = {
            name: (float(value) if name == "seconds" else int(value))
            for name, value in changes.items()
        }
        return replace(self, **typed)


LIMIT_NAMES = tuple(f.name for f in fields(ReadLimits))


class Deadline:
    """The moment a read must be over by; readers look at it between steps (a step itself is
    bounded by the other limits, so the time over is short)."""

    def __init__(self, limits: ReadLimits, path: str | Path) -> None:
        self.seconds, self.path = limits.seconds, path
        self.ends = time.monotonic() + limits.seconds

    def check(self) -> None:
        if time.monotonic() > self.ends:
            raise over_limit(
                self.path,
                f"took longer than {self.seconds:g} seconds to read, the time limit",
                "seconds",
                self.seconds * 4,
            )


def over_limit(path: str | Path | None, reason: str, limit: str, suggested: float) -> LimitExceeded:
    """The refusal of a file beyond one limit, with how to raise it as the next step."""
    shown = f"{suggested:g}" if limit == "seconds" else str(int(suggested))
    return LimitExceeded(reason, path=path, next_step=step(Do.RAISE_LIMIT, limit=limit,
                                                           value=shown))  # fmt: skip


def human_size(size: float) -> str:
    """A size in bytes as people read it: 912 bytes, 1.4 KB, 2.0 MB, 1.5 GB."""
    if size < 1024:
        return f"{int(size)} bytes"
    scaled, unit = size / 1024, 0
    while scaled >= 1024 and unit < 2:
        scaled, unit = scaled / 1024, unit + 1
    return f"{scaled:.1f} {('KB', 'MB', 'GB')[unit]}"


def column_letters(number: int) -> str:
    """The spreadsheet letters of a 1-based column number (1 = A, 27 = AA), for any number:
    a file beyond Excel's last column (XFD) is still named in the messages that refuse it."""
    letters = ""
    while number > 0:
        number, remainder = divmod(number - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters


def column_number(letters: str) -> int:
    """The 1-based column number of spreadsheet letters (A = 1), upper or lower case."""
    number = 0
    for letter in letters.upper():
        number = number * 26 + ord(letter) - ord("A") + 1
    return number
