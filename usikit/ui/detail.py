"""The chosen row of a grid, written out whole: what a grid cell cuts off, the officer reads here.

A grid draws on a canvas in columns of fixed width, so a long message (a file with the wrong
columns, a registry's errors) shows only its start. Clicking a row puts its every column here
as ordinary text, wrapped, which a person can read, select and copy.
"""

from __future__ import annotations

import html
from collections.abc import Hashable, Sequence

import ipywidgets as widgets
import pandas as pd

SHOWN = 3  # chosen rows written out; the count says how many more there are
STYLE = "border:1px solid #ccc;border-radius:4px;padding:6px 10px;margin:4px 0;background:#fafafa"
NAME_STYLE = "text-align:left;vertical-align:top;padding:1px 12px 1px 0;white-space:nowrap"
VALUE_STYLE = "white-space:pre-wrap;word-break:break-word"


class DetailPane:
    """Every column of the chosen rows of a frame, as text; `text` keeps it for tests."""

    def __init__(self, hint: str = "Click a row to read it whole here.") -> None:
        self.hint = hint
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
        for key in present[:SHOWN]:
            row = frame.loc[key]
            if isinstance(row, pd.DataFrame):  # a key held twice: its first row
                row = row.iloc[0]
            heading = f"{title} {key}".strip() if title else ""
            cells = "".join(
                f"<tr><th style='{NAME_STYLE}'>{html.escape(str(name))}</th>"
                f"<td style='{VALUE_STYLE}'>{html.escape(_text(value))}</td></tr>"
                for name, value in row.items()
            )
            head = f"<div><b>{html.escape(heading)}</b></div>" if heading else ""
            parts.append(f"<div style='{STYLE}'>{head}<table>{cells}</table></div>")
            lines.append(" | ".join(f"{name}: {_text(value)}" for name, value in row.items()))
        more = len(present) - SHOWN
        if more > 0:
            parts.append(f"<div style='color:#555'>and {more} more chosen</div>")
        self.widget.value = "".join(parts)
        self.text = "\n".join(lines)

    def clear(self) -> None:
        self.widget.value = f"<div style='color:#666;margin:4px 0'>{html.escape(self.hint)}</div>"
        self.text = ""


def _text(value: object) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    return str(value)
