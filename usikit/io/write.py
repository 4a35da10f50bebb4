"""Writers for CSV and styled XLSX: atomic, owner-only, and safe to open in a spreadsheet."""

from __future__ import annotations

import contextlib
import copy
import os
import re
import stat
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from usikit.errors import InputError
from usikit.io.safety import formula_like_mask, is_formula_like, neutralise_frame

try:
    import fcntl
except ImportError:  # Windows: part files are told stale by their age
    fcntl = None  # type: ignore[assignment]

OWNER_ONLY = 0o600
CSV_ENCODING = "utf-8-sig"  # the BOM makes Excel read accents correctly
FILLS = {
    "error": PatternFill("solid", fgColor="FFC7CE"),
    "warning": PatternFill("solid", fgColor="FFEB9C"),
    "ok": PatternFill("solid", fgColor="C6EFCE"),
    "info": PatternFill("solid", fgColor="DDEBF7"),
}
HEADER_FONT = Font(bold=True)
ILLEGAL_PATTERN = r"[\x00-\x08\x0b\x0c\x0e-\x1f]"  # what openpyxl's ILLEGAL_CHARACTERS_RE finds
SHOWN_FOR_ILLEGAL = "\ufffd"
MIN_WIDTH, MAX_WIDTH, WIDTH_SAMPLE = 8, 60, 1000


@contextlib.contextmanager
def atomic_target(path: str | Path) -> Iterator[Path]:
    """A temporary path beside `path` that replaces it only when the block succeeds.

    A crash or error midway leaves the old file (or no file), never a partial one under
    its name; the result is readable by its owner only.

    The temporary file is hidden (`.NAME.XXXXXXXX.part`, owner-only). An error deletes
    it; a process killed while writing (SIGKILL, a power cut) cannot, so each write first
    removes the part files that earlier writes to the same target left behind
    (`remove_stale_parts`): half-written personal data stays on disk only until the next
    write to that file. To tell a dead writer's part file from a live one's, each writer
    holds an advisory lock (`flock`) on its part file until it has renamed or deleted it;
    the kernel drops the lock when the process ends, however it ends.
    """
    path = Path(path)
    folder = check_target(path)
    remove_stale_parts(path)
    handle: int | None
    try:
        handle, temporary = tempfile.mkstemp(prefix=_part_prefix(path), suffix=PART, dir=folder)
    except OSError as exc:
        raise _write_error(path, exc) from None
    if not _lock(handle, blocking=True):  # before any byte is written: see remove_stale_parts
        os.close(handle)  # no locks here (Windows), where an open file cannot be renamed
        handle = None
    try:
        try:
            yield Path(temporary)
            _sync(temporary)
            os.chmod(temporary, OWNER_ONLY)
            os.replace(temporary, path)
        except OSError as exc:
            _discard(temporary)
            raise _write_error(path, exc) from None
        except BaseException:
            _discard(temporary)
            raise
    finally:
        if handle is not None:
            os.close(handle)  # and with it the lock
    _sync_folder(folder)


def check_target(path: str | Path) -> Path:
    """Refuse, before any work, a target that cannot be written; its folder."""
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        raise InputError("is a folder; give a file name to write to", path=path)
    if not folder.is_dir():
        raise InputError("cannot be written: its folder does not exist", path=path)
    if not os.access(folder, os.W_OK | os.X_OK):
        raise InputError("cannot be written: its folder is read-only; choose another", path=path)
    if path.exists() and not os.access(path, os.W_OK):
        raise InputError(
            "is read-only, so it is not replaced; make it writable or choose another name",
            path=path,
        )
    return folder


PART = ".part"
STALE_EMPTY_SECONDS = 60.0
STALE_UNLOCKED_SECONDS = 600.0


def remove_stale_parts(path: str | Path) -> list[Path]:
    """Delete the part files that killed writes to `path` left beside it; those deleted.

    A part file is stale when no process holds its lock. Its writer locks it right after
    creating it, before writing anything, so an empty one younger than a minute may be a
    live writer's that is not locked yet: it is left for a later write. Where locks are not
    available (Windows, or a file system without them), a part file is taken to be stale
    once it has not changed for ten minutes (a live writer writes continuously).
    Files that cannot be inspected or deleted are left as they are.
    """
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    shape = re.compile(re.escape(_part_prefix(path)) + r"[A-Za-z0-9_]{8}" + re.escape(PART))
    removed: list[Path] = []
    try:
        names = [name for name in os.listdir(folder) if shape.fullmatch(name)]
    except OSError:
        return removed
    for name in names:
        part = folder / name
        with contextlib.suppress(OSError):
            if _is_stale(part):
                part.unlink()
                removed.append(part)
    return removed


def _part_prefix(path: Path) -> str:
    return f".{path.name}."


def _is_stale(part: Path) -> bool:
    """Whether `part` is a dead writer's (OSError when it cannot be told)."""
    if not stat.S_ISREG(os.lstat(part).st_mode):
        return False  # not something atomic_target made
    flags = os.O_RDWR | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    descriptor = os.open(part, flags)
    try:
        locked = _lock(descriptor, blocking=False)
        info = os.fstat(descriptor)
        age = time.time() - info.st_mtime
        if not stat.S_ISREG(info.st_mode):
            return False
        if locked is None:  # no locks here: only the age tells
            return age > STALE_UNLOCKED_SECONDS
        if not locked:
            return False  # its writer is alive
        return info.st_size > 0 or age > STALE_EMPTY_SECONDS
    finally:
        os.close(descriptor)  # and with it the lock


def _lock(descriptor: int, *, blocking: bool) -> bool | None:
    """Take the advisory lock on an open file: True when taken, False when another process
    holds it, None when this system or file system has no such locks."""
    if fcntl is None:
        return None
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
    except BlockingIOError:
        return False
    except OSError:
        return None
    return True


def write_csv(frame: pd.DataFrame, path: str | Path, *, sep: str = ",") -> Path:
    """Write `frame` as CSV without its index, formulas neutralised, atomically."""
    safe = neutralise_frame(frame)
    with atomic_target(path) as temporary:
        safe.to_csv(temporary, index=False, sep=sep, encoding=CSV_ENCODING, lineterminator="\r\n")
    return Path(path)


@dataclass
class Sheet:
    """One worksheet to write: a frame plus optional cell fills.

    `fills` maps (record position, column name) to a key of `FILLS`; `column_fills`
    maps a column name to a Series of fill keys aligned with the frame's rows.
    """

    name: str
    frame: pd.DataFrame
    fills: Mapping[tuple[int, str], str] = field(default_factory=dict)
    column_fills: Mapping[str, pd.Series] = field(default_factory=dict)


def write_xlsx(sheets: Sequence[Sheet], path: str | Path) -> Path:
    """Write sheets with a bold frozen header, autofilter and readable widths, atomically.

    Text that looks like a formula is stored as text (never a formula cell) and marked
    so Excel keeps showing it as typed.
    """
    check_target(path)  # before the workbook holds anything it would have to throw away
    workbook = Workbook(write_only=True)
    for sheet in sheets:
        _write_sheet(workbook, sheet)
    with atomic_target(path) as temporary:
        workbook.save(temporary)
    return Path(path)


def _write_sheet(workbook: Workbook, sheet: Sheet) -> None:
    frame = _storable(sheet.frame)
    worksheet = workbook.create_sheet(title=sheet.name[:31])
    columns = [ILLEGAL_CHARACTERS_RE.sub(SHOWN_FOR_ILLEGAL, str(c)) for c in frame.columns]
    worksheet.freeze_panes = "A2"
    for position, width in enumerate(_widths(frame), start=1):
        worksheet.column_dimensions[get_column_letter(position)].width = width
    if columns:
        last = get_column_letter(len(columns))
        worksheet.auto_filter.ref = f"A1:{last}{len(frame) + 1}"
    cells = _Cells(worksheet)
    worksheet.append([cells.make(name, font=HEADER_FONT) for name in columns])
    special = _special_cells(frame, sheet)
    values = frame.astype(object).where(frame.notna(), None).to_numpy().tolist()
    for position, row in enumerate(values):
        marks = special.get(position)
        if marks is None:
            worksheet.append(row)
            continue
        worksheet.append(
            [
                cells.make(value, fill=marks.get(j), text=True) if j in marks else value
                for j, value in enumerate(row)
            ]
        )


def _storable(frame: pd.DataFrame) -> pd.DataFrame:
    """`frame` with the control characters a workbook cannot hold (NUL, \\x01...) shown as
    a replacement mark: a report must open even when the values it quotes hold them."""
    fixed = frame
    for j in range(frame.shape[1]):
        column = frame.iloc[:, j]
        if not (pd.api.types.is_object_dtype(column) or pd.api.types.is_string_dtype(column)):
            continue
        text = column.astype("str")
        bad = text.str.contains(ILLEGAL_PATTERN, regex=True).fillna(False).to_numpy(dtype=bool)
        if bad.any():
            if fixed is frame:
                fixed = frame.copy()
            cleaned = column[bad].map(
                lambda v: (
                    ILLEGAL_CHARACTERS_RE.sub(SHOWN_FOR_ILLEGAL, v) if isinstance(v, str) else v
                )
            )
            fixed.iloc[np.flatnonzero(bad), j] = cleaned.to_numpy()
    return fixed


def _special_cells(frame: pd.DataFrame, sheet: Sheet) -> dict[int, dict[int, str | None]]:
    """Row position -> {column position -> fill key or None}, for cells needing a WriteOnlyCell."""
    special: dict[int, dict[int, str | None]] = {}
    where = {name: j for j, name in enumerate(frame.columns)}
    for j, name in enumerate(frame.columns):
        column = frame[name]
        if pd.api.types.is_object_dtype(column) or pd.api.types.is_string_dtype(column):
            for found in np.flatnonzero(formula_like_mask(column).to_numpy()).tolist():
                special.setdefault(found, {})[j] = None
    for name, keys in sheet.column_fills.items():
        j = where[name]
        for position, key in enumerate(keys.tolist()):
            if key:
                special.setdefault(position, {})[j] = key
    for (position, name), key in sheet.fills.items():
        special.setdefault(position, {})[where[name]] = key
    return special


class _Cells:
    """Styled cells for one sheet; each distinct style is built once and then copied."""

    def __init__(self, worksheet) -> None:
        self.worksheet = worksheet
        self.styles: dict[tuple, object] = {}

    def make(self, value, *, fill: str | None = None, font: Font | None = None, text=False):
        cell = WriteOnlyCell(self.worksheet, value=value)
        quote = False
        if isinstance(value, str) and (text or cell.data_type == "f"):
            cell.data_type = "s"  # text, never a formula
            quote = is_formula_like(value)
        key = (fill, font is not None, quote)
        style = self.styles.get(key)
        if style is not None:
            cell._style = copy.copy(style)  # openpyxl's style array: cheap to copy
            return cell
        cell.quotePrefix = quote
        if fill:
            cell.fill = FILLS[fill]
        if font is not None:
            cell.font = font
        self.styles[key] = copy.copy(cell._style)
        return cell


def _widths(frame: pd.DataFrame) -> list[float]:
    sample = frame.head(WIDTH_SAMPLE)
    widths = []
    for name in frame.columns:
        longest = sample[name].astype(str).str.len().max() if len(sample) else 0
        widths.append(float(min(MAX_WIDTH, max(MIN_WIDTH, len(str(name)) + 2, (longest or 0) + 2))))
    return widths


def _sync(temporary: str) -> None:
    with open(temporary, "rb+") as handle:
        os.fsync(handle.fileno())


def _sync_folder(folder: Path) -> None:
    with contextlib.suppress(OSError):
        descriptor = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


def _discard(temporary: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(temporary)


def _write_error(path: Path, exc: OSError) -> InputError:
    reason = exc.strerror or str(exc)
    hint = "close it if it is open in Excel, or choose another folder"
    return InputError(f"cannot be written ({reason}); {hint}", path=path)
