"""The client template as files people fill in, and its data dictionary."""

from __future__ import annotations

import copy
import datetime as dt
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
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
from usikit.io.atomic import atomic_target, check_target, write_csv
from usikit.io.safety import is_formula_like
from usikit.io.sheets import CHUNK_ROWS, SheetLimits, TextCells, excel_limits, parts, titles

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
    frame: pd.DataFrame,
    path: str | Path,
    *,
    date_cells: bool = False,
    limits: SheetLimits | None = None,
) -> Path:
    """Client records in a workbook shaped like the template.

    Every column is formatted as text so that Excel keeps leading zeros; with `date_cells`
    the date columns are written as real Excel dates, as many student systems export them.
    The rows are streamed; more records than a sheet holds continue on `Clients (2)`, ...
    """
    limits = excel_limits(limits)
    check_target(path)
    workbook = Workbook(write_only=True)
    text = TextCells(frame, limits.cell_chars)
    layout = parts(len(frame), frame.shape[1], 1, limits)  # Client ID on each sheet
    taken: set[str] = set()
    with atomic_target(path) as temporary:
        for title, (rows, places) in zip(
            titles("Clients", len(layout), taken), layout, strict=True
        ):
            sheet = workbook.create_sheet(title)
            _clients_sheet(sheet, frame, rows, places, text, date_cells, limits)
        _dictionary_sheet(workbook.create_sheet(titles("Data dictionary", 1, taken)[0]))
        workbook.save(temporary)
    return Path(path)


def _clients_sheet(sheet, frame, rows, places, text, date_cells, limits) -> None:
    """Records `rows` (start, stop) of `frame`'s columns `places`, then empty prepared rows
    up to TEMPLATE_ROWS, every cell text- (or date-) formatted, choices as drop-downs."""
    names = [str(frame.columns[j]) for j in places]
    styles = _Styles(sheet)
    formats = ["dd/mm/yyyy" if date_cells and name in DATE_COLUMNS else "@" for name in names]
    dated = [date_cells and name in DATE_COLUMNS for name in names]
    for position, name in enumerate(names, start=1):
        sheet.column_dimensions[get_column_letter(position)].width = max(12, min(40, len(name) + 4))
    sheet.freeze_panes = "B2"
    sheet.append([styles.header(name) for name in names])
    start, stop = rows
    arrays = [frame.iloc[:, j].array for j in places]
    for begin in range(start, stop, CHUNK_ROWS):
        end = min(stop, begin + CHUNK_ROWS)
        values = [text.values(j, a[begin:end], begin) for j, a in zip(places, arrays, strict=True)]
        for row in zip(*values, strict=True):
            sheet.append(
                [
                    styles.cell(_cell_value(v, d), f)
                    for v, d, f in zip(row, dated, formats, strict=True)
                ]
            )
    prepared = min(max(TEMPLATE_ROWS, stop - start), limits.rows - 1)
    for _ in range(prepared - (stop - start)):
        sheet.append([styles.cell(None, f) for f in formats])
    for position, name in enumerate(names, start=1):
        if name in CHOICES:
            _drop_down(sheet, get_column_letter(position), CHOICES[name], prepared + 1)


def _cell_value(value: object, dated: bool) -> object:
    if dated and isinstance(value, str):
        try:
            return dt.datetime.strptime(value, "%d/%m/%Y").date()
        except ValueError:
            return value
    return value


class _Styles:
    """The template's cells, each distinct style built once for the sheet and then copied."""

    def __init__(self, sheet) -> None:
        self.sheet = sheet
        self.styles: dict[tuple, object] = {}

    def header(self, name: str) -> WriteOnlyCell:
        cell = WriteOnlyCell(self.sheet, value=name)
        return self._styled(cell, ("header",), font=Font(bold=True), fill=HEADER_FILL)

    def cell(self, value: object, number_format: str, **style) -> WriteOnlyCell:
        cell = WriteOnlyCell(self.sheet, value=value)
        quote = is_formula_like(value)
        if quote:  # text Excel shows as typed, never a formula
            cell.data_type = "s"
        return self._styled(cell, (number_format, quote, *style), number_format=number_format,
                            quotePrefix=quote, **style)  # fmt: skip

    def _styled(self, cell: WriteOnlyCell, key: tuple, **style) -> WriteOnlyCell:
        cached = self.styles.get(key)
        if cached is None:
            for name, value in style.items():
                setattr(cell, name, value)
            self.styles[key] = copy.copy(cell._style)
        else:
            cell._style = copy.copy(cached)
        return cell


def _drop_down(sheet, letter: str, choices: tuple[str, ...], last_row: int) -> None:
    listing = ",".join(choices)
    validation = DataValidation(type="list", formula1=f'"{listing}"', allow_blank=True)
    validation.error = f"Choose one of: {', '.join(choices)}"
    validation.errorStyle = "warning"
    validation.add(f"{letter}2:{letter}{last_row}")
    sheet.data_validations.append(validation)


def _dictionary_sheet(sheet) -> None:
    table = data_dictionary()
    styles = _Styles(sheet)
    for letter, width in zip("ABCDEF", (24, 10, 70, 22, 50, 50), strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "B2"
    sheet.append([styles.header(name) for name in table.columns])
    wrapped = Alignment(wrap_text=True, vertical="top")
    for values in table.itertuples(index=False):
        sheet.append([styles.cell(v or None, "General", alignment=wrapped) for v in values])
