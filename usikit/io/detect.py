"""Telling what a file is from its bytes: workbook or text, which encoding, which separator."""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Callable
from typing import Literal

FileKind = Literal["zip", "ole", "text", "binary"]

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# Excel stores a password-protected .xlsx as an OLE container with this stream name.
ENCRYPTED_STREAM = "EncryptedPackage".encode("utf-16-le")

BOMS: tuple[tuple[bytes, str], ...] = (
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe\x00\x00", "utf-32"),
    (b"\x00\x00\xfe\xff", "utf-32"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
)
SEPARATORS = (",", ";", "\t", "|")
SAMPLE_BYTES = 64 * 1024
SAMPLE_RECORDS = 50


def file_kind(head: bytes, sample: bytes) -> FileKind:
    """Classify by content, not by name: a workbook renamed to .csv is still a workbook."""
    if head.startswith(ZIP_MAGIC):
        return "zip"
    if head.startswith(OLE_MAGIC):
        return "ole"
    if bom_encoding(sample) or utf16_without_bom(sample):
        return "text"
    return "binary" if _looks_binary(sample) else "text"


def is_encrypted_workbook(data: bytes) -> bool:
    """Whether an OLE file holds a password-protected Office document."""
    return ENCRYPTED_STREAM in data


def bom_encoding(sample: bytes) -> str | None:
    """The encoding a byte-order mark announces, if there is one."""
    for bom, encoding in BOMS:
        if sample.startswith(bom):
            return encoding
    return None


def utf16_without_bom(sample: bytes) -> str | None:
    """UTF-16 saved without a BOM shows as a NUL in every other byte of ASCII text.

    The other half of the bytes is NUL only for the rare characters U+xx00 (such as the
    CJK character U+4E00 or half of an emoji), so a few are allowed there; what the bytes
    decode to must still look like text.
    """
    if len(sample) < 4:
        return None
    even, odd = sample[0::2], sample[1::2]
    for high, low, encoding in ((odd, even, "utf-16-le"), (even, odd, "utf-16-be")):
        if high.count(0) > 0.4 * len(high) and low.count(0) <= 0.05 * len(low):
            text = sample[: len(sample) // 2 * 2].decode(encoding, errors="replace")
            if not _looks_binary(text.encode("utf-8")):
                return encoding
    return None


def _looks_binary(sample: bytes) -> bool:
    """NUL bytes or many control characters mean this is not text a person saved."""
    if b"\x00" in sample:
        return True
    return _controls(sample) > max(8, len(sample) // 100)


def _controls(sample: bytes) -> int:
    return sum(sample.count(bytes([c])) for c in range(1, 32) if c not in (9, 10, 12, 13))


def nul_damaged_text(sample: bytes) -> bool:
    """Text with NUL bytes in it: what a file damaged while saving, or a faulty export,
    looks like (as opposed to a picture or a program, which is binary throughout)."""
    if b"\x00" not in sample:
        return False
    rest = sample.replace(b"\x00", b"")
    return _controls(rest) <= max(8, len(rest) // 100)


def looks_like_markup(sample: str) -> bool:
    """A web page or XML file, which some systems save with an .xls name."""
    start = sample.lstrip()[:2048].casefold()
    return start.startswith("<") and any(
        tag in start for tag in ("<html", "<table", "<?xml", "<!doctype")
    )


def decode_sample(data: bytes, encoding: str, size: int = SAMPLE_BYTES) -> str:
    """The first `size` bytes of the file as text, cut at a line end, for sniffing.

    Raises UnicodeDecodeError when the sample is not in `encoding` (a character cut by
    the sample's end is left out, not taken for an error).
    """
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    text = decoder.decode(data[:size], final=len(data) <= size)
    text = text.lstrip("\ufeff")
    if len(data) > size and "\n" in text:
        text = text[: text.rindex("\n")]
    return text


_DIRECTIVE = re.compile(r"sep=([^\r\n])(?:\r\n|\r|\n|$)", re.IGNORECASE)


def separator_directive(sample: str) -> str | None:
    """The separator a first line such as `sep=;` declares; Excel obeys it and hides it."""
    found = _DIRECTIVE.match(sample)
    return found.group(1) if found else None


def without_directive(sample: str) -> str:
    """The sample after its `sep=` line (the records that sniffing and widths look at)."""
    found = _DIRECTIVE.match(sample)
    return sample[found.end() :] if found else sample


def sniff_separator(sample: str) -> str:
    """The separator that splits the header into the most columns, consistently across rows.

    Falls back to a comma when no candidate splits the header (a one-column file).
    """
    best, best_score = ",", (0.0, 1)
    for sep in SEPARATORS:
        counts = _field_counts(sample, sep)
        if not counts or counts[0] < 2:
            continue
        consistency = sum(1 for c in counts if c == counts[0]) / len(counts)
        score = (consistency, counts[0])
        if score > best_score:
            best, best_score = sep, score
    return best


def first_record_width(sample: str, sep: str) -> int:
    """How many cells the first record with any text has: the header, which blank lines
    above it do not make narrower."""
    counts = _field_counts(sample, sep, blank=lambda cell: cell == "")
    return counts[0] if counts else 1


def _field_counts(
    sample: str, sep: str, blank: Callable[[str], bool] = lambda cell: not cell.strip()
) -> list[int]:
    # newline="": files saved by Excel for Mac end their lines with a lone CR.
    reader = csv.reader(io.StringIO(sample, newline=""), delimiter=sep)
    # The csv module refuses cells over 128 KB; no cell is longer than the sample, and the
    # larger limit only matters to this process.
    csv.field_size_limit(max(csv.field_size_limit(), len(sample) + 1))
    counts: list[int] = []
    try:
        for record in reader:
            if not all(blank(cell) for cell in record):
                counts.append(len(record))
            if len(counts) >= SAMPLE_RECORDS:
                break
    except csv.Error:
        return counts  # what came before a damaged record still says something
    return counts
