"""A form for one registration record: what the officer may correct by hand.

The fields are the import's (`usikit.regcert.edit.EDITABLE`): the status as a drop-down of
the eight statuses, the registration number, the five dates (dd/mm/yyyy) and the postal
tracking reference. Saving goes through `usikit.regcert.edit.edit_record`, which checks the
values with the import's rules; the form only collects them.
"""

from __future__ import annotations

import html
from collections.abc import Mapping

import ipywidgets as widgets

from usikit.regcert.edit import EDITABLE
from usikit.regcert.fields import DATE_COLUMNS, STATUS, STATUSES
from usikit.ui.screen import button


class RecordForm:
    """Controls for one record's editable fields; `changes()` holds what was changed."""

    def __init__(self) -> None:
        self.record_id: int | None = None
        self.title = widgets.HTML()
        self.boxes: dict[str, widgets.Text | widgets.Dropdown] = {}
        self.original: dict[str, str] = {}
        self.rows = widgets.VBox()
        self.save = button("Save the record", icon="check", style="primary")
        self.cancel = button("Cancel", icon="times")
        self.cancel.on_click(lambda _: self.close())
        self.widget = widgets.VBox(
            [self.title, self.rows, widgets.HBox([self.save, self.cancel])],
            layout=widgets.Layout(border="1px solid #ccc", padding="6px", margin="6px 0"),
        )
        self.close()

    @property
    def is_open(self) -> bool:
        return self.widget.layout.display != "none"

    def open(self, record_id: int, values: Mapping[str, str], about: str) -> None:
        """Fill the form with the record's stored values; `about` says whose record it is."""
        self.record_id = record_id
        self.title.value = (
            f"<b>Correct record {record_id}</b> ({html.escape(about)}). An empty box empties "
            "the field; the values are checked as an import checks them."
        )
        self.boxes, self.original, rows = {}, {}, []
        for name in EDITABLE:
            current = str(values.get(name, "") or "")
            self.original[name] = current
            box: widgets.Text | widgets.Dropdown
            if name == STATUS:
                options = list(STATUSES) + ([current] if current not in STATUSES else [])
                box = widgets.Dropdown(options=options, value=current)
            else:
                box = widgets.Text(value=current)
                if name in DATE_COLUMNS:
                    box.placeholder = "dd/mm/yyyy"
            box.layout = widgets.Layout(width="320px")
            self.boxes[name] = box
            rows.append(
                widgets.HBox([widgets.Label(name, layout=widgets.Layout(width="210px")), box])
            )
        self.rows.children = tuple(rows)
        self.widget.layout.display = "flex"

    def fill(self, values: Mapping[str, str]) -> None:
        for name, value in values.items():
            self.boxes[name].value = value

    def changes(self) -> dict[str, str]:
        return {
            name: (box.value or "").strip()
            for name, box in self.boxes.items()
            if (box.value or "").strip() != self.original[name]
        }

    def close(self) -> None:
        self.record_id = None
        self.widget.layout.display = "none"
        self.rows.children = ()
        self.boxes = {}
