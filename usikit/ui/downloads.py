"""Exports offered as download links that work in JupyterLab and in Voila alike.

Each export is first written by the library's writers (atomic, owner-only, formulas
neutralised) into the exports folder, then offered as an anchor whose `data:` URI holds the
file: no server route is needed, so the same link works wherever the widget is shown.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import re
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

import ipywidgets as widgets
import pandas as pd

from usikit.io import Sheet, write_csv, write_xlsx
from usikit.ui.messages import LINK

MAX_LINK_BYTES = 20 * 1024 * 1024  # larger files are only saved: a link that big hangs a tab
MEDIA_TYPES = {
    ".csv": "text/csv",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
FORMATS = (("XLSX", ".xlsx"), ("CSV", ".csv"))


def export_path(folder: Path, stem: str, suffix: str, *, stamped: bool = True) -> Path:
    """A file in `folder` (created readable by its owner only), named and time-stamped so
    that an export never replaces an earlier one (unless not `stamped`)."""
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "-", stem).strip("-") or "export"
    if not stamped:
        return folder / f"{safe}{suffix}"
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    path = folder / f"{safe}-{stamp}{suffix}"
    number = 2
    while path.exists():
        path = folder / f"{safe}-{stamp}-{number}{suffix}"
        number += 1
    return path


def download_link(path: Path, text: str | None = None) -> str:
    """An anchor that downloads the file under its own name, or where it is when too large."""
    size = path.stat().st_size
    where = html.escape(str(path))
    if size > MAX_LINK_BYTES:
        return f"{html.escape(path.name)} is saved at <code>{where}</code> ({file_size(size)})."
    return content_link(
        path.name, path.read_bytes(), text, note=f"also saved at <code>{where}</code>"
    )


def content_link(name: str, content: bytes, text: str | None = None, *, note: str = "") -> str:
    """An anchor that downloads `content` as a file called `name`, with its size (and
    `note`, HTML, beside it)."""
    label = html.escape(text or f"Download {name}")
    media = MEDIA_TYPES.get(Path(name).suffix.lower(), "application/octet-stream")
    payload = base64.b64encode(content).decode("ascii")
    beside = file_size(len(content)) + (f"; {note}" if note else "")
    return (
        f'<a class="usikit-download" download="{html.escape(name)}" '
        f'href="data:{media};base64,{payload}" style="{LINK}">{label}</a> '
        f"<span style='color:#555'>({beside})</span>"
    )


def written_bytes(name: str, write: Callable[[Path], object]) -> bytes:
    """What `write` (one of the library's writers, given a path) writes, read back from a
    private temporary folder that is then removed: a file offered without being left behind."""
    folder = Path(tempfile.mkdtemp(prefix="usikit-download-"))
    try:
        path = folder / name
        write(path)
        return path.read_bytes()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def file_size(size: int) -> str:
    """A file's size as people read it: bytes below a kilobyte, then KB, then MB."""
    if size < 1024:
        return f"{size} byte{'' if size == 1 else 's'}"
    return f"{size / 1024:.0f} KB" if size < 1024 * 1024 else f"{size / 1024 / 1024:.1f} MB"


class Downloads:
    """Where a screen offers its exports (the latest few); `paths` lists them, newest last."""

    SHOWN = 3

    def __init__(self) -> None:
        self.widget = widgets.HTML()
        self.paths: list[Path] = []
        self._links: list[str] = []

    def offer(self, path: Path, text: str | None = None) -> None:
        self.paths.append(path)
        self._show(download_link(path, text))

    def offer_content(self, name: str, content: bytes, text: str | None = None) -> None:
        """Offer a file made in memory (a template, a sample): nothing is saved."""
        self._show(content_link(name, content, text))

    def _show(self, link: str) -> None:
        self._links = [link, *self._links][: self.SHOWN]
        self.widget.value = "".join(f"<div style='margin:4px 0'>{a}</div>" for a in self._links)

    def clear(self) -> None:
        self._links = []
        self.widget.value = ""


def format_choice() -> widgets.ToggleButtons:
    """XLSX or CSV, for an export button next to it."""
    return widgets.ToggleButtons(
        options=FORMATS, value=".xlsx", style={"button_width": "60px"}, tooltips=["", ""]
    )


def write_table(frame: pd.DataFrame, path: Path, sheet: str) -> Path:
    """A plain table as CSV or XLSX by the file's suffix, with the library's safe writers."""
    if path.suffix.lower() == ".csv":
        return write_csv(frame, path)
    return write_xlsx([Sheet(sheet, frame)], path)
