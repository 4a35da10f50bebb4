"""The frame every edit form shares: a title, its rows of fields, Save and Cancel, shown only
while a record is being edited. `ClientForm` and `RecordForm` fill the rows their own way."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import ipywidgets as widgets

from usikit.ui.screen import button


class FormFrame:
    """Title, rows, Save and Cancel; `boxes` are the controls by field, `original` the values
    the record had when the form opened."""

    def __init__(self, save: str) -> None:
        self.title = widgets.HTML()
        self.boxes: dict[str, Any] = {}  # a widgets.Text or widgets.Dropdown by field
        self.original: dict[str, str] = {}
        self.rows = widgets.VBox()
        self.save = button(save, icon="check", style="primary")
        self.cancel = button("Cancel", icon="times")
        self.cancel.on_click(lambda _: self.close())
        self.widget = widgets.VBox(
            [self.title, self.rows, widgets.HBox([self.save, self.cancel])],
            layout=widgets.Layout(border="1px solid #ccc", padding="6px", margin="6px 0"),
        )

    @property
    def is_open(self) -> bool:
        return self.widget.layout.display != "none"

    def fill(self, values: Mapping[str, str]) -> None:
        """Type or choose values in the form's controls by field name."""
        for name, value in values.items():
            self.boxes[name].value = value

    def close(self) -> None:
        self.widget.layout.display = "none"
        self.rows.children = ()
        self.boxes = {}
