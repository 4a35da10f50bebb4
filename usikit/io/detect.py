"""Telling what a file is from its bytes: workbook or text, which encoding, which separator."""

from __future__ import annotations

import csv
import io
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
    """UTF-16 saved without a BOM shows as a NUL in every other byte of ASCII text."""
    if len(sample) < 4:
        return None
    even, odd = sample[0::2], sample[1::2]
    if odd.count(0) > 0.4 * len(odd) and even.count(0) == 0:
        return "utf-16-le"
    if even.count(0) > 0.4 * len(even) and odd.count(0) == 0:
        return "utf-16-be"
    return None


def _looks_binary(sample: bytes) -> bool:
    """NUL bytes or many control characters mean this is not text a person saved."""
    if b"\x00" in sample:
        return True
    controls = sum(sample.count(bytes([c])) for c in range(32) if c not in (9, 10, 12, 13))
    return controls > max(8, len(sample) // 100)


def decode_sample(data: bytes, encoding: str) -> str:
    """The first records of the file as text, cut at a line end, for sniffing."""
    text = data[:SAMPLE_BYTES].decode(encoding, errors="ignore").lstrip("\ufeff")
    if len(data) > SAMPLE_BYTES and "\n" in text:
        text = text[: text.rindex("\n")]
    return text


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
    """How many cells the first record of the file has (the header, normally)."""
    counts = _field_counts(sample, sep, skip_blank=False)
    return counts[0] if counts else 1


def _field_counts(sample: str, sep: str, skip_blank: bool = True) -> list[int]:
    reader = csv.reader(io.StringIO(sample), delimiter=sep)
    counts: list[int] = []
    try:
        for record in reader:
            if not skip_blank or any(cell.strip() for cell in record):
                counts.append(len(record))
            if len(counts) >= SAMPLE_RECORDS:
                break
    except csv.Error:
        return []
    return counts
