"""Helpers for the screen tests: uploads as the browser sends them, grid lookups, files."""

from __future__ import annotations

import base64
import datetime as dt
from pathlib import Path

from usikit.ui.grid import PagedGrid


def uploaded(path: Path, name: str | None = None) -> tuple[dict, ...]:
    """A FileUpload value holding `path`'s bytes, as the browser sends it."""
    content = path.read_bytes()
    return (
        {
            "name": name or path.name,
            "type": "",
            "size": len(content),
            "last_modified": dt.datetime.now(dt.UTC),
            "content": memoryview(content),
        },
    )


def click_record(grid: PagedGrid, key: str) -> None:
    """Click the row of `key` as a person would: go to its page, select its row."""
    grid.go(grid.page_of(key))
    grid.select_rows(list(grid.page_frame().index).index(key))


def link_bytes(html: str) -> bytes:
    """The file a download link's data: URI holds."""
    payload = html.split(";base64,", 1)[1].split('"', 1)[0]
    return base64.b64decode(payload)
