"""The client template as files people fill in, and its data dictionary."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from usikit.bulk_usi.contact_rules import STATES
from usikit.bulk_usi.documents import CARD_COLOURS, DOCUMENT_TYPES, TYPE_NAMES
from usikit.bulk_usi.fields import CLIENT_COLUMNS, CLIENT_FIELDS
from usikit.bulk_usi.permission_rules import GIVEN, REFUSED
from usikit.bulk_usi.person_rules import GENDERS
from usikit.bulk_usi.validation import DATE_COLUMNS
from usikit.errors import InputError
from usikit.io.safety import is_formula_like
from usikit.io.write import atomic_target, write_csv

TEMPLATE_ROWS = 1000  # rows prepared with text format and drop-down lists
CHOICES = {
    "Gender": GENDERS,
    "State": STATES,
    "Document Type": TYPE_NAMES,
    "Document State": STATES,
    "Medicare Card Colour": CARD_COLOURS,
    "USI Permission": (GIVEN, REFUSED),
}
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")


def data_dictionary() -> pd.DataFrame:
    """One row per template column: whether the file must have it, what it holds, who uses it."""
    used_by = {
        name: "; ".join(f"{d.name} ({d.fields[name]})" for d in DOCUMENT_TYPES if name in d.fields)
        for name in CLIENT_COLUMNS
    }
    return pd.DataFrame(
        {
            "Column": [f.name for f in CLIENT_FIELDS],
            "Must be in the file": ["yes" if f.required else "no" for f in CLIENT_FIELDS],
            "What it holds": [f.description for f in CLIENT_FIELDS],
            "Example": [f.example for f in CLIENT_FIELDS],
            "Document types (registry field)": [used_by[f.name] for f in CLIENT_FIELDS],
            "Also read from": [", ".join(f.aliases) for f in CLIENT_FIELDS],
        }
    )


def data_dictionary_markdown() -> str:
    """The data dictionary as the Markdown table the README shows."""
    table = data_dictionary().drop(columns="Also read from")
    lines = [
        "| " + " | ".join(table.columns) + " |",
        "|" + "---|" * len(table.columns),
    ]
    for row in table.itertuples(index=False):
        cells = [str(v).replace("|", "\\|") if v else "" for v in row]
        cells[0] = f"**{cells[0]}**"
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def write_client_template(path: str | Path) -> Path:
    """An empty client template: XLSX (text columns, drop-downs, dictionary) or CSV header."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return write_csv(pd.DataFrame(columns=list(CLIENT_COLUMNS)), path)
    if suffix != ".xlsx":
        raise InputError("the template can be written as .xlsx or .csv", path=path)
    return write_clients_workbook(pd.DataFrame(columns=list(CLIENT_COLUMNS)), path)


def write_clients_workbook(
    frame: pd.DataFrame, path: str | Path, *, date_cells: bool = False
) -> Path:
    """Client records in a workbook shaped like the template.

    Every column is formatted as text so that Excel keeps leading zeros; with `date_cells`
    the date columns are written as real Excel dates, as many student systems export them.
    """
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Clients"
    columns = list(frame.columns)
    sheet.append(columns)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
    for values in frame.itertuples(index=False):
        sheet.append([_cell_value(c, v, date_cells) for c, v in zip(columns, values, strict=True)])
        for cell in sheet[sheet.max_row]:
            if is_formula_like(cell.value):  # text Excel shows as typed, never a formula
                cell.data_type = "s"
                cell.quotePrefix = True
    for position, name in enumerate(columns, start=1):
        letter = get_column_letter(position)
        sheet.column_dimensions[letter].width = max(12, min(40, len(name) + 4))
        dated = date_cells and name in DATE_COLUMNS
        for row in range(2, max(TEMPLATE_ROWS, len(frame)) + 2):
            sheet.cell(row=row, column=position).number_format = "dd/mm/yyyy" if dated else "@"
        if name in CHOICES:
            _drop_down(sheet, letter, CHOICES[name], max(TEMPLATE_ROWS, len(frame)) + 1)
    sheet.freeze_panes = "B2"
    _dictionary_sheet(workbook)
    with atomic_target(path) as temporary:
        workbook.save(temporary)
    return Path(path)


def _cell_value(column: str, value: object, date_cells: bool) -> object:
    text = "" if value is None else str(value)
    if date_cells and column in DATE_COLUMNS and text:
        try:
            return dt.datetime.strptime(text, "%d/%m/%Y").date()
        except ValueError:
            return text
    return text or None


def _drop_down(sheet, letter: str, choices: tuple[str, ...], last_row: int) -> None:
    listing = ",".join(choices)
    validation = DataValidation(type="list", formula1=f'"{listing}"', allow_blank=True)
    validation.error = f"Choose one of: {', '.join(choices)}"
    validation.errorStyle = "warning"
    sheet.add_data_validation(validation)
    validation.add(f"{letter}2:{letter}{last_row}")


def _dictionary_sheet(workbook: Workbook) -> None:
    sheet = workbook.create_sheet("Data dictionary")
    table = data_dictionary()
    sheet.append(list(table.columns))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
    for values in table.itertuples(index=False):
        sheet.append(list(values))
    for letter, width in zip("ABCDEF", (24, 10, 70, 22, 50, 50), strict=True):
        sheet.column_dimensions[letter].width = width
        for cell in sheet[letter][1:]:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = "B2"
