"""A form for one client's details: the template's fields, checked again on save.

Dates of birth and identity-document numbers are never put into the form: their box starts
empty with the masked value as a hint, and only a value typed in replaces them.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence

import ipywidgets as widgets

from usikit.bulk_usi.documents import DOCUMENT_COLUMNS, TYPE_NAMES
from usikit.bulk_usi.fields import CLIENT_FIELDS
from usikit.privacy import mask
from usikit.rules.engine import Field
from usikit.ui.screen import button

DOCUMENT_TYPE = "Document Type"
NOT_EDITED = ("Client ID", "USI")  # the key, and what only the registry gives
DOCUMENT_FIELDS: tuple[Field, ...] = tuple(
    f for f in CLIENT_FIELDS if f.name == DOCUMENT_TYPE or f.name in DOCUMENT_COLUMNS
)
PERSON_FIELDS: tuple[Field, ...] = tuple(
    f for f in CLIENT_FIELDS if f.name not in NOT_EDITED and f not in DOCUMENT_FIELDS
)


class ClientForm:
    """Boxes for some fields of one client; `changes()` holds only what the officer changed."""

    def __init__(self) -> None:
        self.client_id = ""
        self.title = widgets.HTML()
        self.boxes: dict[str, widgets.Text | widgets.Combobox] = {}
        self.original: dict[str, str] = {}
        self.sensitive: set[str] = set()
        self.rows = widgets.VBox()
        self.save = button("Save and check again", icon="check", style="primary")
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

    def open(self, client_id: str, record: dict[str, str], fields: Sequence[Field], title: str):
        """Fill the form with the record's current values (sensitive ones left empty)."""
        self.client_id = client_id
        self.title.value = f"<b>{html.escape(title)}: {html.escape(client_id)}</b>"
        self.boxes, self.original, self.sensitive, rows = {}, {}, set(), []
        for f in fields:
            current = str(record.get(f.name, "") or "")
            self.original[f.name] = current
            if f.name == DOCUMENT_TYPE:
                box = widgets.Combobox(value=current, options=TYPE_NAMES, ensure_option=False)
            else:
                box = widgets.Text(value="" if f.sensitive else current)
            hint = ""
            if f.sensitive:
                self.sensitive.add(f.name)
                shown = mask(current) if current else "empty"
                box.placeholder = shown
                hint = f"hidden ({html.escape(shown)}); type a new value to replace it"
            box.tooltip = f.description
            box.layout = widgets.Layout(width="320px")
            self.boxes[f.name] = box
            rows.append(
                widgets.HBox(
                    [
                        widgets.Label(f.name, layout=widgets.Layout(width="190px")),
                        box,
                        widgets.HTML(f"<span style='color:#666;margin-left:8px'>{hint}</span>"),
                    ]
                )
            )
        self.rows.children = rows
        self.widget.layout.display = "flex"

    def fill(self, values: Mapping[str, str]) -> None:
        """Type values into the form's boxes by field name."""
        for name, value in values.items():
            self.boxes[name].value = value

    def changes(self) -> dict[str, str]:
        """The fields whose value was changed (a hidden field: when something was typed)."""
        changed = {}
        for name, box in self.boxes.items():
            value = box.value
            if name in self.sensitive:
                if value.strip():
                    changed[name] = value.strip()
            elif value != self.original[name]:
                changed[name] = value.strip()
        return changed

    def close(self) -> None:
        self.widget.layout.display = "none"
        self.rows.children = ()
        self.boxes = {}
