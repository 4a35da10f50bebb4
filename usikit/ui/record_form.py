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
from usikit.ui.form_frame import FormFrame


class RecordForm(FormFrame):
    """Controls for one record's editable fields; `changes()` holds what was changed."""

    def __init__(self) -> None:
        super().__init__("Save the record")
        self.record_id: int | None = None
        self.close()

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

    def changes(self) -> dict[str, str]:
        return {
            name: (box.value or "").strip()
            for name, box in self.boxes.items()
            if (box.value or "").strip() != self.original[name]
        }

    def close(self) -> None:
        super().close()
        self.record_id = None
