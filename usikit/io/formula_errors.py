"""Cells of an XLSX sheet that show a formula error (#N/A, #REF!, ...).

calamine reads such a cell as empty. The user sees `#N/A`, and an empty cell passes the rules
of optional columns: a USI looked up by a VLOOKUP that failed would read as "no USI yet" and
the student would be sent for a second one. The cells are found in the sheet's XML: a cheap
byte scan tells whether the sheet has any (most have none), and only then is it parsed.
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import IO
from xml.etree import ElementTree

from usikit.io.extent import sheet_part

ERROR_TYPE = (b' t="e"', b" t='e'")  # the cell type attribute of an error cell
CHUNK = 1 << 20


def formula_errors(path: Path, sheet: str) -> dict[tuple[int, int], str]:
    """(row, column) of each error cell of `sheet`, 0-based as calamine counts -> its text.

    Empty for workbooks that are not XLSX/XLSM, and for any the reader cannot follow (then
    the cells stay as calamine read them).
    """
    try:
        with zipfile.ZipFile(path) as archive:
            part = sheet_part(archive, sheet)
            if part is None or not _has_error_cells(archive, part):
                return {}
            with archive.open(part) as xml:
                return _error_cells(xml)
    except (zipfile.BadZipFile, KeyError, ElementTree.ParseError, OSError, ValueError):
        return {}


def _has_error_cells(archive: zipfile.ZipFile, part: str) -> bool:
    with archive.open(part) as xml:
        chunk = xml.read(CHUNK)
        # A writer quotes all its attributes alike: look for the one spelling it uses.
        marker = ERROR_TYPE[0] if b'="' in chunk[:4096] else ERROR_TYPE[1]
        tail = b""
        while chunk:
            if marker in tail + chunk[: len(marker)] or marker in chunk:
                return True
            tail = chunk[-len(marker) :]
            chunk = xml.read(CHUNK)
    return False


def _error_cells(xml: IO[bytes]) -> dict[tuple[int, int], str]:
    # Imported here: most workbooks hold no error cell, and openpyxl is slow to import.
    from openpyxl.utils.cell import column_index_from_string, coordinate_from_string

    found: dict[tuple[int, int], str] = {}
    for _, element in ElementTree.iterparse(xml, events=("end",)):
        name = element.tag.rsplit("}", 1)[-1]
        if name == "c" and element.get("t") == "e" and element.get("r"):
            text = next((v.text for v in element if v.tag.rsplit("}", 1)[-1] == "v"), None) or ""
            letters, row = coordinate_from_string(element.get("r", ""))
            found[(row - 1, column_index_from_string(letters) - 1)] = text
        elif name == "row":
            element.clear()  # keep memory flat on large sheets
    return found
