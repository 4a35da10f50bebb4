"""Choosing a spreadsheet: uploaded from the officer's computer, or picked in the workspace folder.

An uploaded file becomes a file the readers can open only while it is read (the readers take
a path and tell files apart by content): on Linux an anonymous file in memory that no folder
shows and that ends with the process, however it ends; elsewhere a private temporary folder,
deleted after. The screens keep the records in memory and in the workspace, never a stray
copy of the spreadsheet.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import ipywidgets as widgets
import pandas as pd

from usikit.errors import InputError
from usikit.io.tableinfo import attach, table_info
from usikit.ui.screen import button

SPREADSHEETS = (".xlsx", ".xlsm", ".xls", ".ods", ".csv", ".tsv", ".txt")
NOTHING = ""


class FilePicker:
    """An upload button and a list of the workspace folder's files; the latest choice counts."""

    def __init__(self, folder: Path, *, suffixes: tuple[str, ...] = SPREADSHEETS) -> None:
        self.folder, self.suffixes = folder, suffixes
        self.upload = widgets.FileUpload(
            accept=",".join(suffixes),
            multiple=False,
            description="Upload a file",
            layout=widgets.Layout(width="auto"),
        )
        self.path = widgets.Dropdown(description="or pick:", layout=widgets.Layout(width="360px"))
        self.refresh = button("", icon="refresh", tooltip="Look for new files in the folder")
        self.refresh.layout.width = "36px"
        self.refresh.on_click(lambda _: self.list_files())
        self.upload.observe(self._uploaded, "value")
        self.path.observe(self._picked, "value")
        self.widget = widgets.HBox([self.upload, self.path, self.refresh])
        self.list_files()

    def list_files(self) -> None:
        """Offer the spreadsheets in the workspace folder (not in its subfolders)."""
        found = []
        if self.folder.is_dir():
            found = sorted(
                p.name
                for p in self.folder.iterdir()
                if p.is_file() and p.suffix.lower() in self.suffixes and not p.name.startswith(".")
            )
        chosen = self.path.value
        self.path.options = [(f"a file in {self.folder.name or self.folder}", NOTHING)] + [
            (name, name) for name in found
        ]
        self.path.value = chosen if chosen in found else NOTHING

    def pick(self, name: str) -> None:
        """Choose a file of the workspace folder by name (what the drop-down does)."""
        if name not in [value for _, value in self.path.options]:
            self.list_files()
        self.path.value = name

    @property
    def chosen(self) -> str:
        """The name of the file that will be read ("" when none is chosen)."""
        if self.upload.value:
            return self.upload.value[0]["name"]
        return self.path.value or NOTHING

    def read(self, reader: Callable[[Path], pd.DataFrame]) -> pd.DataFrame:
        """The chosen file read by `reader` (a function of a path); InputError names the file."""
        if self.upload.value:
            item = self.upload.value[0]
            return _read_upload(_safe_name(item["name"]), bytes(item["content"]), reader)
        if not self.path.value:
            raise InputError("choose a file first: upload one, or pick one in the list")
        return reader(self.folder / self.path.value)

    def clear(self) -> None:
        self.upload.value = ()
        self.path.value = NOTHING

    def _uploaded(self, change: dict) -> None:
        if change["new"]:
            self.path.value = NOTHING

    def _picked(self, change: dict) -> None:
        if change["new"] and self.upload.value:
            self.upload.value = ()


def _safe_name(name: str) -> str:
    """The uploaded file's own name, without any folder or odd character."""
    base = Path(name.replace("\\", "/")).name
    return re.sub(r"[^\w .()-]+", "_", base).strip() or "upload"


def _read_upload(name: str, content: bytes, reader: Callable[[Path], pd.DataFrame]) -> pd.DataFrame:
    with _private_copy(name, content) as path:
        try:
            frame = reader(path)
        except InputError as exc:
            exc.path = name  # the officer's file, not the private copy
            exc.args = (exc.text(),)
            raise exc from None
    info = table_info(frame)
    if info is not None:  # the officer's file name, and its digest for the audit trail
        sha256 = hashlib.sha256(content).hexdigest()
        attach(frame, dataclasses.replace(info, source=name, sha256=sha256))
    return frame


@contextlib.contextmanager
def _private_copy(name: str, content: bytes) -> Iterator[Path]:
    """The upload as a file the readers can open. On Linux it lives in memory only (no name
    on any disk, gone with the process whatever ends it); elsewhere a private temporary
    folder holds it while it is read."""
    if hasattr(os, "memfd_create") and Path("/proc/self/fd").is_dir():
        descriptor = os.memfd_create(f"usikit-upload-{name}", 0)
        try:
            os.write(descriptor, content)
            yield Path(f"/proc/self/fd/{descriptor}")
        finally:
            os.close(descriptor)
        return
    folder = Path(tempfile.mkdtemp(prefix="usikit-upload-"))  # readable by its owner only
    try:
        path = folder / name
        path.write_bytes(content)
        yield path
    finally:
        shutil.rmtree(folder, ignore_errors=True)
