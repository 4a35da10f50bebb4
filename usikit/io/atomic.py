"""Files written atomically and owner-only, and CSV written that way.

A crash, an error or a kill midway leaves the old file (or none), never a partial one under
its name. This module needs neither openpyxl nor the workbook code (`usikit.io.write`), so a
command writing CSV does not import them.
"""

from __future__ import annotations

import codecs
import contextlib
import os
import re
import stat
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pandas as pd

from usikit.errors import InputError
from usikit.io.csv_text import write_csv_lines
from usikit.io.safety import neutralise_frame

try:
    import fcntl
except ImportError:  # Windows: part files are told stale by their age
    fcntl = None  # type: ignore[assignment]

OWNER_ONLY = 0o600
CSV_ENCODING = "utf-8-sig"  # the BOM makes Excel read accents correctly


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
    """Write `frame` as CSV without its index, formulas neutralised, atomically (text and
    whole numbers built in Arrow, anything else written by pandas: the same bytes)."""
    safe = neutralise_frame(frame)
    with atomic_target(path) as temporary:
        with open(temporary, "wb") as handle:
            handle.write(codecs.BOM_UTF8)  # as CSV_ENCODING starts the file
            written = write_csv_lines(safe, handle, sep=sep)
        if not written:
            safe.to_csv(
                temporary, index=False, sep=sep, encoding=CSV_ENCODING, lineterminator="\r\n"
            )
    return Path(path)


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
