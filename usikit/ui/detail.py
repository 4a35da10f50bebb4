"""The chosen row of a grid, written out whole: what a grid cell cuts off, the officer reads here.

A grid draws on a canvas in columns of fixed width, so a long message (a file with the wrong
columns, a registry's errors) shows only its start. Clicking a row puts its every column here
as ordinary text, wrapped, which a person can read, select and copy. A row of many columns (a
register record's 32) is laid out in two pairs of columns, so that it stays short.
"""

from __future__ import annotations

import html
from collections.abc import Hashable, Sequence

import ipywidgets as widgets
import pandas as pd

STYLE = "border:1px solid #ccc;border-radius:4px;padding:6px 10px;margin:4px 0;background:#fafafa"
NAME_STYLE = "font-weight:bold;padding-right:12px;white-space:nowrap"
VALUE_STYLE = "white-space:pre-wrap;word-break:break-word;padding-right:24px"
WIDE = 10  # a row with more columns than this is laid out in two pairs of columns


class DetailPane:
    """Every column of the chosen rows of a frame (the first `limit` of them), as text;
    `text` keeps it for tests."""

    def __init__(self, hint: str = "Click a row to read it whole here.", *, limit: int = 3):
        self.hint, self.limit = hint, limit
        self.widget = widgets.HTML()
        self.text = ""
        self.clear()

    def show(self, frame: pd.DataFrame, keys: Sequence[Hashable], *, title: str = "") -> None:
        """Write out the rows of `frame` at `keys` (those still in it)."""
        present = [key for key in keys if key in frame.index]
        if not present:
            self.clear()
            return
        parts, lines = [], []
        for key in present[: self.limit]:
            row = frame.loc[key]
            if isinstance(row, pd.DataFrame):  # a key held twice: its first row
                row = row.iloc[0]
            pairs = [(str(name), _text(value)) for name, value in row.items()]
            heading = f"{title} {key}".strip() if title else ""
            head = f"<div style='margin-bottom:4px'><b>{html.escape(heading)}</b></div>"
            parts.append(f"<div style='{STYLE}'>{head if heading else ''}{_grid(pairs)}</div>")
            lines.append(" | ".join(f"{name}: {value}" for name, value in pairs))
        more = len(present) - self.limit
        if more > 0:
            parts.append(
                f"<div style='color:#555'>and {more} more selected: click one record to read "
                "it here</div>"
            )
        self.widget.value = "".join(parts)
        self.text = "\n".join(lines)

    def clear(self) -> None:
        self.widget.value = f"<div style='color:#666;margin:4px 0'>{html.escape(self.hint)}</div>"
        self.text = ""


def _grid(pairs: list[tuple[str, str]]) -> str:
    """Names and values side by side: one pair a line, or two for a row of many columns."""
    across = 2 if len(pairs) > WIDE else 1
    template = " ".join(["max-content minmax(0, 1fr)"] * across)
    cells = "".join(
        f"<div style='{NAME_STYLE}'>{html.escape(name)}</div>"
        f"<div style='{VALUE_STYLE}'>{html.escape(value)}</div>"
        for name, value in pairs
    )
    return f"<div style='display:grid;grid-template-columns:{template};row-gap:2px'>{cells}</div>"


def _text(value: object) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    return str(value)
