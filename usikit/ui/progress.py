"""A progress bar for long work: validating a large file, sending requests, importing."""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any

import ipywidgets as widgets

from usikit.bulk_usi.registry.base import BulkResults, Registry


class Progress:
    """Hidden while idle; `steps` keeps what it said, so tests can see the work went by."""

    def __init__(self) -> None:
        self.bar = widgets.IntProgress(value=0, min=0, max=1, layout=widgets.Layout(width="260px"))
        self.label = widgets.HTML()
        self.widget = widgets.HBox([self.bar, self.label])
        self.widget.layout.display = "none"
        self.steps: list[str] = []

    @property
    def running(self) -> bool:
        return self.widget.layout.display != "none"

    def start(self, total: int, text: str) -> None:
        """Show the bar for `total` steps (at least one)."""
        self.steps = [text]
        self.bar.max = max(1, total)
        self.bar.value = 0
        self.bar.bar_style = "info"
        self._say(text)
        self.widget.layout.display = "flex"

    def step(self, text: str | None = None) -> None:
        self.bar.value = min(self.bar.max, self.bar.value + 1)
        if text:
            self.steps.append(text)
            self._say(text)

    def finish(self) -> None:
        """Fill the bar and hide it: the screen's message says how the work ended."""
        self.bar.value = self.bar.max
        self.bar.bar_style = "success"
        self.widget.layout.display = "none"

    def _say(self, text: str) -> None:
        self.label.value = f"<span style='margin-left:8px'>{html.escape(text)}</span>"


class Watched:
    """A registry whose bulk requests tick a progress bar as they go by.

    The library's loop sends the requests; the screen only watches it, through the same
    `Registry` interface the workflow already takes.
    """

    def __init__(self, registry: Registry, tick: Callable[[], None]) -> None:
        self._registry, self._tick = registry, tick

    def __getattr__(self, name: str) -> Any:
        return getattr(self._registry, name)

    def bulk_upload(self, *args: Any, **kwargs: Any) -> str:
        receipt = self._registry.bulk_upload(*args, **kwargs)
        self._tick()
        return receipt

    def bulk_upload_retrieve(self, *args: Any, **kwargs: Any) -> BulkResults:
        try:
            return self._registry.bulk_upload_retrieve(*args, **kwargs)
        finally:
            self._tick()
