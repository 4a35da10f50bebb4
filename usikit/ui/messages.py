"""The one line a screen says to the officer: red for a problem, green for done, plain for news."""

from __future__ import annotations

import html

import ipywidgets as widgets

STYLES = {
    "error": "background:#f8d7da;color:#842029;border:1px solid #f5c2c7",
    "warning": "background:#fff3cd;color:#664d03;border:1px solid #ffecb5",
    "success": "background:#d1e7dd;color:#0f5132;border:1px solid #badbcc",
    "info": "background:#e7f1ff;color:#084298;border:1px solid #b6d4fe",
}

# Links drawn as links: Voila's page style leaves anchors looking like plain text.
LINK = "color:#0b5ed7;text-decoration:underline;font-weight:bold"


def box(text: str, kind: str, *, raw: bool = False) -> str:
    """A coloured box holding `text` (escaped unless `raw`: the caller built safe HTML)."""
    body = text if raw else html.escape(text).replace("\n", "<br>")
    return (
        f'<div class="usikit-{kind}" style="{STYLES[kind]};padding:6px 10px;'
        f'border-radius:4px;margin:4px 0">{body}</div>'
    )


class Message:
    """A message area; `kind` and `text` say what it shows, for people and for tests."""

    def __init__(self) -> None:
        self.widget = widgets.HTML()
        self.kind = ""
        self.text = ""

    def show(self, text: str, kind: str = "info") -> None:
        self.kind, self.text = kind, text
        self.widget.value = box(text, kind) if text else ""

    def error(self, text: str) -> None:
        self.show(text, "error")

    def warning(self, text: str) -> None:
        self.show(text, "warning")

    def success(self, text: str) -> None:
        self.show(text, "success")

    def info(self, text: str) -> None:
        self.show(text, "info")

    def clear(self) -> None:
        self.show("", "")
