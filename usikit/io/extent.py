"""How big a workbook is before it is read: what its parts hold once unpacked, and how far its
cells reach.

The workbook reader (calamine) holds every sheet it reads as a dense grid from the first cell
to the last, so one value at XFD1048576 in a 5 KB file asks for half a terabyte. Here the
parts are unpacked as a stream (never wholly in memory) and the cell references counted, so
that a workbook beyond the readers' limits (`usikit.io.limits`) is refused before any grid
is built. XLSX/XLSM sheets are scanned for their cell references (a byte search; a sheet
whose cells do not all carry one is walked by an XML parser instead), ODS content is walked
by the XML parser (repeated rows and cells included), and the records of an old-style XLS
workbook are read from its container.
"""

from __future__ import annotations

import contextlib
import posixpath
import re
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from operator import itemgetter
from pathlib import Path
from xml.etree import ElementTree
from xml.parsers import expat

from usikit.errors import InputError
from usikit.io.limits import (
    WORKBOOK_COLUMNS,
    WORKBOOK_ROWS,
    Deadline,
    ReadLimits,
    column_letters,
    column_number,
    human_size,
    over_limit,
)

CHUNK = 4 * 1024 * 1024
# Parts a workbook reader never unpacks: pictures and other embedded files.
NOT_READ = ("xl/media/", "xl/embeddings/", "Pictures/", "Thumbnails/", "docProps/thumbnail")
SHEET_FOLDERS = ("xl/worksheets/", "xl/chartsheets/", "xl/dialogsheets/", "xl/macrosheets/")


@dataclass
class Extent:
    """The smallest grid holding every cell with a value (1-based rows and columns)."""

    top: int = 0
    left: int = 0
    bottom: int = 0
    right: int = 0

    def add(self, top: int, left: int, bottom: int, right: int) -> None:
        if self.bottom == 0:
            self.top, self.left, self.bottom, self.right = top, left, bottom, right
            return
        self.top, self.left = min(self.top, top), min(self.left, left)
        self.bottom, self.right = max(self.bottom, bottom), max(self.right, right)

    @property
    def cells(self) -> int:
        if self.bottom == 0:
            return 0
        return (self.bottom - self.top + 1) * (self.right - self.left + 1)

    @property
    def corner(self) -> str:
        return f"{column_letters(self.right)}{self.bottom}"


class Budget:
    """The unpacked bytes, grid cells and time a workbook may take, counted as it is read."""

    def __init__(self, path: Path, limits: ReadLimits, deadline: Deadline) -> None:
        self.path, self.limits, self.deadline = path, limits, deadline
        self.unpacked = 0
        self.cells = 0

    def unpack(self, count: int) -> None:
        self.unpacked += count
        if self.unpacked > self.limits.unpacked:
            raise over_limit(
                self.path,
                f"holds more than {human_size(self.limits.unpacked)} once unpacked (a workbook "
                "is a compressed archive), over the limit",
                "unpacked",
                self.limits.unpacked * 4,
            )
        self.deadline.check()

    def grid(self, extent: Extent, sheet: str, *, final: bool = True) -> None:
        """Refuse a sheet reaching beyond a workbook's grid, or grids over the cells limit;
        `final` adds the sheet's cells to the workbook's (a scan under way only looks)."""
        if extent.bottom > WORKBOOK_ROWS or extent.right > WORKBOOK_COLUMNS:
            raise InputError(
                f"sheet '{sheet}' has a cell at {extent.corner}, beyond the last row "
                f"({WORKBOOK_ROWS:,}) or column (XFD) a workbook can have: it was not saved by "
                "Excel or LibreOffice, or is damaged; export the sheet as CSV from the program "
                "that made it",
                path=self.path,
            )
        if extent.right - extent.left + 1 > self.limits.columns:
            raise over_limit(
                self.path,
                f"sheet '{sheet}' has {extent.right - extent.left + 1:,} columns (to "
                f"{column_letters(extent.right)}), over the limit of {self.limits.columns:,}",
                "columns",
                extent.right - extent.left + 1,
            )
        if self.cells + extent.cells > self.limits.cells:
            raise over_limit(
                self.path,
                f"sheet '{sheet}' spans {extent.cells:,} cells (its cells reach "
                f"{extent.corner}: a value far from the others makes the whole grid between "
                f"count), over the limit of {self.limits.cells:,}; delete the rows and columns "
                "beyond the data",
                "cells",
                self.cells + extent.cells,
            )
        if final:
            self.cells += extent.cells


def stream(archive: zipfile.ZipFile, name: str, budget: Budget) -> Iterator[bytes]:
    """A part of the archive unpacked chunk by chunk, each counted against the budget."""
    with archive.open(name) as part:
        while chunk := part.read(CHUNK):
            budget.unpack(len(chunk))
            yield chunk


# XLSX and XLSM: Office Open XML.


def check_xlsx(path: Path, budget: Budget) -> None:
    """Before the workbook is opened: the parts read on opening (everything but its sheets
    and pictures) unpack within the limit, and it is not a binary (XLSB) workbook."""
    with _zip(path) as archive, _damaged(path):
        names = archive.namelist()
        if "xl/workbook.bin" in names:
            raise InputError(
                "is an Excel Binary Workbook (.xlsb), which usikit does not read; in Excel "
                "choose File > Save As > Excel Workbook (.xlsx)",
                path=path,
            )
        for name in names:
            if name.startswith(NOT_READ + SHEET_FOLDERS) or name.endswith("/"):
                continue
            for _ in stream(archive, name, budget):
                pass


def check_xlsx_sheet(path: Path, sheet: str, budget: Budget) -> None:
    """Before the sheet is read: it unpacks within the limit and its cells fit the limits."""
    with _zip(path) as archive, _damaged(path):
        part = sheet_part(archive, sheet)
        if part is None or part not in archive.namelist():
            return  # the reader says what is wrong with the workbook
        extent = _xlsx_extent(archive, part, sheet, budget)
        if extent is None:  # some cells carry no reference: walk the XML instead
            extent = _walked_extent(stream(archive, part, budget), sheet, budget)
    budget.grid(extent, sheet)


def sheet_part(archive: zipfile.ZipFile, sheet: str) -> str | None:
    """The zip member holding `sheet`: workbook.xml names it, the relationships locate it."""
    try:
        workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"))
        relations = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    except (KeyError, ElementTree.ParseError):
        return None
    ids = [
        value
        for element in workbook.iter()
        if _local(element.tag) == "sheet" and element.get("name") == sheet
        for key, value in element.attrib.items()
        if _local(key) == "id"
    ]
    if not ids:
        return None
    for relation in relations:
        if relation.get("Id") == ids[0]:
            target = relation.get("Target", "")
            return target.lstrip("/") if target.startswith("/") else posixpath.join("xl", target)
    return None


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1].rsplit(":", 1)[-1]


_PREFIX = re.compile(rb"<([A-Za-z_][\w.-]*:)?sheetData[\s>/]")


@dataclass(frozen=True)
class _CellPatterns:
    """Byte patterns for one spelling of the cell element (`c`, or `x:c` with a prefix)."""

    valued: re.Pattern[bytes]  # each cell with a value: (column letters, row number)
    unreferenced: re.Pattern[bytes]  # a cell element not starting with its reference


def _patterns(prefix: bytes) -> _CellPatterns:
    tag = b"<" + re.escape(prefix) + b"c"
    return _CellPatterns(
        # A cell written <c r="B5" .../> holds no value: the reader leaves it out of the grid.
        valued=re.compile(tag + rb' r="([A-Za-z]{1,7})([0-9]{1,10})"[^>]*(?<!/)>'),
        unreferenced=re.compile(tag + rb'(?=[\s>/])(?! r="[A-Za-z]{1,7}[0-9]{1,10}")'),
    )


def _xlsx_extent(archive: zipfile.ZipFile, part: str, sheet: str, budget: Budget) -> Extent | None:
    """The extent of the sheet's cells from their references; None when some cell has none
    (or writes it in a way the byte search does not expect)."""
    extent = Extent()
    patterns: _CellPatterns | None = None
    carried = b""
    for chunk in stream(archive, part, budget):
        data = carried + chunk
        cut = data.rfind(b"<")  # an element cut by the chunk's end is scanned with the next
        data, carried = (data[:cut], data[cut:]) if cut > 0 else (data, b"")
        if patterns is None:
            found = _PREFIX.search(data)
            if found is None:
                carried = (data + carried)[-256:]
                continue
            patterns = _patterns(found.group(1) or b"")
            data = data[found.start() :]
        if not _scan(data, patterns, extent):
            return None
        budget.grid(extent, sheet, final=False)  # a sheet of millions stops here, early
    if patterns is not None and carried and not _scan(carried, patterns, extent):
        return None
    return extent


def _scan(data: bytes, patterns: _CellPatterns, extent: Extent) -> bool:
    """Add the cells of `data` to `extent`; False when a cell does not begin with its
    reference (as Excel, LibreOffice and the common libraries write them)."""
    if patterns.unreferenced.search(data):
        return False
    found = patterns.valued.findall(data)
    if found:
        rows = list(map(int, map(itemgetter(1), found)))
        columns = [column_number(text.decode("ascii")) for text in set(map(itemgetter(0), found))]
        extent.add(min(rows), min(columns), max(rows), max(columns))
    return True


def _walked_extent(chunks: Iterator[bytes], sheet: str, budget: Budget) -> Extent:
    """The extent found as the workbook reader finds it: a cell without a reference follows
    the one before it in its row, and a row without one follows the row before it."""
    extent = Extent()
    row, column = 1, 1
    pending: tuple[int, int] | None = None
    seen = 0

    def start(name: str, attributes: dict[str, str]) -> None:
        nonlocal row, column, pending, seen
        local = name.rsplit(":", 1)[-1]
        if pending is not None:  # an element inside a cell: the cell has a value
            extent.add(pending[0], pending[1], pending[0], pending[1])
            pending = None
        if local == "row" and attributes.get("r", "").isdigit():
            row = int(attributes["r"])
        elif local == "c":
            reference = attributes.get("r", "")
            found = re.fullmatch(r"([A-Za-z]{1,7})([0-9]{1,10})", reference)
            if found:
                column = column_number(found.group(1))
                pending = (int(found.group(2)), column)
            else:
                pending = (row, column)
        seen += 1
        if seen % 100_000 == 0:
            budget.grid(extent, sheet, final=False)
            budget.deadline.check()

    def end(name: str) -> None:
        nonlocal row, column, pending
        local = name.rsplit(":", 1)[-1]
        if local == "c":
            pending = None
            column += 1
        elif local == "row":
            row, column = row + 1, 1

    _walk(chunks, start, end)
    return extent


# ODS: OpenDocument spreadsheets.


def check_ods(path: Path, budget: Budget) -> None:
    """Before the workbook is opened (which reads every sheet): its parts unpack within the
    limit, and the cells of all its sheets, repeated rows and cells counted, fit the limits."""
    with _zip(path) as archive, _damaged(path):
        for name in archive.namelist():
            if name.startswith(NOT_READ) or name.endswith("/") or name == "content.xml":
                continue
            for _ in stream(archive, name, budget):
                pass
        if "content.xml" not in archive.namelist():
            return
        for sheet, extent in _ods_extents(stream(archive, "content.xml", budget), budget):
            budget.grid(extent, sheet)  # the reader builds every sheet's grid on opening


def _ods_extents(chunks: Iterator[bytes], budget: Budget) -> list[tuple[str, Extent]]:
    found: list[tuple[str, Extent]] = []
    state = {"row": 0, "column": 0, "rows": 1, "columns": 1, "seen": 0}
    pending: list[bool] = []  # per open cell: whether it holds a value yet
    table = "table:table"

    def start(name: str, attributes: dict[str, str]) -> None:
        state["seen"] += 1
        if state["seen"] % 100_000 == 0:
            budget.deadline.check()
        if name == table:
            found.append((attributes.get("table:name", ""), Extent()))
            state["row"] = 0
        elif name == "table:table-row":
            state["rows"] = _repeats(attributes.get("table:number-rows-repeated"))
            state["column"] = 0
        elif name in ("table:table-cell", "table:covered-table-cell"):
            state["columns"] = _repeats(attributes.get("table:number-columns-repeated"))
            pending.append("office:value-type" in attributes)
        elif pending:
            pending[-1] = True  # text inside the cell

    def end(name: str) -> None:
        if name in ("table:table-cell", "table:covered-table-cell") and pending:
            if pending.pop() and found:
                first = state["column"] + 1
                found[-1][1].add(
                    state["row"] + 1,
                    first,
                    state["row"] + state["rows"],
                    first + state["columns"] - 1,
                )
            state["column"] += state["columns"]
        elif name == "table:table-row":
            state["row"] += state["rows"]

    _walk(chunks, start, end)
    return found


def _walk(chunks: Iterable[bytes], start: Callable[..., None], end: Callable[[str], None]) -> None:
    """Stream a sheet's XML through the handlers; a damaged sheet ends the walk quietly (the
    reader says what is wrong with it)."""
    parser = expat.ParserCreate()
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    try:
        for chunk in chunks:
            parser.Parse(chunk, False)
        parser.Parse(b"", True)
    except expat.ExpatError:
        pass


def _repeats(text: str | None) -> int:
    return int(text) if text and text.isdigit() else 1


# XLS: the old binary format, records in an OLE container.

CELL_RECORDS = {0x0006, 0x0201, 0x0203, 0x0204, 0x0205, 0x027E, 0x00FD, 0x00D6, 0x0001,
                0x0002, 0x0003, 0x0004, 0x0005, 0x0406}  # fmt: skip
MULTIPLE_RECORDS = {0x00BD, 0x00BE}  # MULRK, MULBLANK: row, first column ... last column
BOF, EOF = {0x0809, 0x0409, 0x0209, 0x0009}, 0x000A


def check_xls(path: Path, budget: Budget) -> None:
    """Before the workbook is opened (which reads every sheet into a grid): the cells of all
    its sheets fit the limits. A container usikit cannot follow is left to the reader."""
    import olefile

    try:
        with olefile.OleFileIO(str(path)) as container:
            name = next((n for n in ("Workbook", "Book") if container.exists(n)), None)
            if name is None:
                return
            size = container.get_size(name)
            budget.unpack(size)
            data = container.openstream(name).read()
    except (OSError, ValueError, struct.error, IndexError, KeyError):
        return
    for number, extent in enumerate(_xls_extents(data, budget), start=1):
        budget.grid(extent, f"sheet {number}")


def _xls_extents(data: bytes, budget: Budget) -> list[Extent]:
    extents: list[Extent] = []
    depth, position, seen = 0, 0, 0
    while position + 4 <= len(data):
        kind, length = struct.unpack_from("<HH", data, position)
        body = position + 4
        position = body + length
        seen += 1
        if seen % 200_000 == 0:
            budget.deadline.check()
        if kind in BOF:
            depth += 1
            if depth == 1:
                extents.append(Extent())
            continue
        if kind == EOF:
            depth = max(depth - 1, 0)
            continue
        if depth != 1 or not extents or length < 4:
            continue
        row, first = struct.unpack_from("<HH", data, body)
        last = first
        if kind in MULTIPLE_RECORDS and length >= 6:
            (last,) = struct.unpack_from("<H", data, body + length - 2)
        elif kind not in CELL_RECORDS:
            continue
        extents[-1].add(row + 1, min(first, last) + 1, row + 1, max(first, last) + 1)
    return extents


def _zip(path: Path) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise InputError(
            f"could not be opened as a workbook ({exc}); open it in Excel and save it again "
            "as .xlsx or .csv",
            path=path,
        ) from None


@contextlib.contextmanager
def _damaged(path: Path) -> Iterator[None]:
    """A part that cannot be unpacked (cut short, a wrong checksum) is a damaged workbook."""
    try:
        yield
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError) as exc:
        raise InputError(
            f"could not be opened as a workbook ({str(exc)[:120] or type(exc).__name__}); "
            "open it in Excel and save it again as .xlsx or .csv",
            path=path,
        ) from None
