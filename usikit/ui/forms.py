"""A form for one client's details: the template's fields, checked again on save.

Fields with a fixed list of values are drop-downs: the same lists as the client template's
(gender, states, document type, card colour), and countries by name (the record keeps the
code). A field the record's problems blame is highlighted with its message beside it. The
identity document shows only the fields its type uses (and any other that still holds a
value, so that it can be emptied).

Dates of birth and identity-document numbers are never put into the form: their box starts
empty with the masked value as a hint, and only a value typed in replaces them.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any

import ipywidgets as widgets

from usikit.bulk_usi.countries import all_countries
from usikit.bulk_usi.documents import DOCUMENT_COLUMNS, DOCUMENTS_BY_NAME
from usikit.bulk_usi.fields import CLIENT_FIELDS
from usikit.bulk_usi.template import CHOICES
from usikit.privacy import mask
from usikit.rules.engine import Field
from usikit.ui.form_frame import FormFrame

DOCUMENT_TYPE = "Document Type"
COUNTRY_FIELDS = ("Country of Birth", "Country of Residence")
AUSTRALIA = "1101"
NOT_EDITED = ("Client ID", "USI")  # the key, and what only the registry gives
DOCUMENT_FIELDS: tuple[Field, ...] = tuple(
    f for f in CLIENT_FIELDS if f.name == DOCUMENT_TYPE or f.name in DOCUMENT_COLUMNS
)
PERSON_FIELDS: tuple[Field, ...] = tuple(
    f for f in CLIENT_FIELDS if f.name not in NOT_EDITED and f not in DOCUMENT_FIELDS
)
ERROR_STYLE = "background:#f8d7da;border-radius:3px;padding:1px 4px"
WARNING_STYLE = "background:#fff3cd;border-radius:3px;padding:1px 4px"
Control = Any  # a widgets.Text or a widgets.Dropdown (ipywidgets has no type information)


@cache
def country_options() -> tuple[tuple[str, str], ...]:
    """Countries by name (Australia first), each with its SACC code as the value kept."""
    table = all_countries()
    table = table[table["kind"] == "country"].sort_values("name")
    named = [
        (str(name), str(code)) for code, name in zip(table["code"], table["name"], strict=True)
    ]
    first = [option for option in named if option[1] == AUSTRALIA]
    return (("", ""), *first, *(option for option in named if option[1] != AUSTRALIA))


def options_for(name: str) -> tuple[tuple[str, str], ...] | None:
    """The drop-down's (label, value) pairs of a field, or None for a text box."""
    if name in COUNTRY_FIELDS:
        return country_options()
    if name in CHOICES:
        return (("", ""), *((value, value) for value in CHOICES[name]))
    return None


def used_by(document_type: str) -> set[str]:
    """The document columns a document type fills (none for no or an unknown type)."""
    chosen = DOCUMENTS_BY_NAME.get(document_type)
    return set(chosen.fields) if chosen is not None else set()


class ClientForm(FormFrame):
    """Controls for some fields of one client; `changes()` holds only what was changed."""

    def __init__(self) -> None:
        super().__init__("Save and check again")
        self.client_id = ""
        self.rows_by_name: dict[str, widgets.HBox] = {}
        self.sensitive: set[str] = set()
        self.flagged: dict[str, str] = {}  # field -> the problem shown beside it
        self.close()

    def open(
        self,
        client_id: str,
        record: Mapping[str, str],
        fields: Sequence[Field],
        title: str,
        problems: Mapping[str, Sequence[tuple[str, str]]] | None = None,
    ) -> None:
        """Fill the form with the record's current values (sensitive ones left empty);
        `problems` (field -> (severity, message) pairs) highlights the fields they blame."""
        self.client_id = client_id
        self.title.value = f"<b>{html.escape(title)}: {html.escape(client_id)}</b>"
        self.boxes, self.rows_by_name, self.original, self.sensitive = {}, {}, {}, set()
        self.flagged = {}
        for f in fields:
            current = str(record.get(f.name, "") or "")
            self.original[f.name] = current
            box = self._control(f, current)
            hint = ""
            if f.sensitive:
                self.sensitive.add(f.name)
                shown = mask(current) if current else "empty"
                box.placeholder = shown
                hint = f"hidden ({html.escape(shown)}); type a new value to replace it"
            box.tooltip = f.description
            box.layout = widgets.Layout(width="320px")
            self.boxes[f.name] = box
            found = list((problems or {}).get(f.name, ()))
            label = html.escape(f.name)
            if found:
                worst = "error" if any(s == "error" for s, _ in found) else "warning"
                self.flagged[f.name] = "; ".join(message for _, message in found)
                style = ERROR_STYLE if worst == "error" else WARNING_STYLE
                label = f"<span style='{style}'>{label}</span>"
                hint = html.escape(self.flagged[f.name]) + (f"<br>{hint}" if hint else "")
                box.layout.border = "2px solid #dc3545" if worst == "error" else "2px solid #e0a800"
            row = widgets.HBox(
                [
                    widgets.HTML(label, layout=widgets.Layout(width="190px")),
                    box,
                    widgets.HTML(
                        f"<div style='color:#555;margin-left:8px;max-width:560px'>{hint}</div>"
                    ),
                ],
                layout=widgets.Layout(align_items="center"),
            )
            row.add_class(f"usikit-field-{'flagged' if found else 'plain'}")
            self.rows_by_name[f.name] = row
        self.rows.children = tuple(self.rows_by_name.values())
        if DOCUMENT_TYPE in self.boxes:
            self.boxes[DOCUMENT_TYPE].observe(lambda _: self._show_document_fields(), "value")
            self._show_document_fields()
        self.widget.layout.display = "flex"

    def _control(self, f: Field, current: str) -> Control:
        options = options_for(f.name)
        if options is None or f.sensitive:
            return widgets.Text(value="" if f.sensitive else current)
        values = {value for _, value in options}
        if current not in values:  # the record as it is, even when not one of the choices
            options = (*options, (f"{current} (not one of the choices)", current))
        return widgets.Dropdown(options=options, value=current)

    @property
    def shown_fields(self) -> list[str]:
        """The fields the form shows now (a document's fields follow its type)."""
        return [name for name, row in self.rows_by_name.items() if row.layout.display != "none"]

    def _show_document_fields(self) -> None:
        """Only the document fields the chosen type uses, and any other still holding a
        value (it is not sent for this type: empty it)."""
        used = used_by(self.boxes[DOCUMENT_TYPE].value)
        for name in DOCUMENT_COLUMNS:
            row = self.rows_by_name.get(name)
            if row is None:
                continue
            box = self.boxes[name]
            holds = bool(box.value) or (name not in self.sensitive and bool(self.original[name]))
            row.layout.display = "flex" if name in used or holds else "none"

    def changes(self) -> dict[str, str]:
        """The fields whose value was changed (a hidden field: when something was typed)."""
        changed = {}
        for name, box in self.boxes.items():
            value = box.value or ""
            if name in self.sensitive:
                if value.strip():
                    changed[name] = value.strip()
            elif value != self.original[name]:
                changed[name] = value.strip()
        return changed

    def close(self) -> None:
        super().close()
        self.rows_by_name, self.flagged = {}, {}
