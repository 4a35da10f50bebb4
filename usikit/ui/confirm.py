"""A question asked before an action that cannot be taken back: sending a batch to the
registry, writing to the register, exporting personal data unmasked.

The button that starts such an action only asks; the action runs when the officer answers
yes, and nothing happens on Cancel. The question names what will happen, with the counts.
"""

from __future__ import annotations

import html
from collections.abc import Callable

import ipywidgets as widgets

from usikit.ui.messages import STYLES

STYLE = STYLES["warning"] + ";padding:6px 10px;border-radius:4px;margin:4px 0"


class Confirm:
    """Hidden until `ask`; `yes` runs the action asked about, `no` forgets it."""

    def __init__(self) -> None:
        self.question = widgets.HTML()
        self.yes = widgets.Button(button_style="danger", layout=widgets.Layout(width="auto"))
        self.no = widgets.Button(
            description="Cancel", icon="times", layout=widgets.Layout(width="auto")
        )
        self.text = ""
        self._action: Callable[[], None] | None = None
        self.yes.on_click(lambda _: self._answer(True))
        self.no.on_click(lambda _: self._answer(False))
        self.widget = widgets.VBox([self.question, widgets.HBox([self.yes, self.no])])
        self.close()

    @property
    def is_open(self) -> bool:
        return self.widget.layout.display != "none"

    def ask(self, question: str, answer: str, action: Callable[[], None]) -> None:
        """Show `question`; the `answer` button ("Yes, send it") runs `action`."""
        self.text, self._action = question, action
        self.question.value = f"<div style='{STYLE}'>{html.escape(question)}</div>"
        self.yes.description = answer
        self.yes.tooltip = answer
        self.yes.disabled = False
        self.widget.layout.display = "flex"

    def close(self) -> None:
        self.text, self._action = "", None
        self.widget.layout.display = "none"

    def _answer(self, yes: bool) -> None:
        action = self._action
        self.close()
        if yes and action is not None:
            action()
