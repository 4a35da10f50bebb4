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
    label = html.escape(text or f"Download {path.name}")
    where = html.escape(str(path))
    if size > MAX_LINK_BYTES:
        return f"{html.escape(path.name)} is saved at <code>{where}</code> ({_size(size)})."
    media = MEDIA_TYPES.get(path.suffix.lower(), "application/octet-stream")
    payload = base64.b64encode(path.read_bytes()).decode("ascii")
    return (
        f'<a class="usikit-download" download="{html.escape(path.name)}" '
        f'href="data:{media};base64,{payload}" style="{LINK}">{label}</a> '
        f"<span style='color:#555'>({_size(size)}; also saved at <code>{where}</code>)</span>"
    )


def _size(size: int) -> str:
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
        self._links = [download_link(path, text), *self._links][: self.SHOWN]
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
