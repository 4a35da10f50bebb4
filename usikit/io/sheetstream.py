"""A worksheet table written a chunk of rows at a time, when the whole table is never in
memory: the same sheets, continuation sheets and cut texts as `usikit.io.sheets.write_sheet`
gives the whole table (`Records`, `Records (2)`, ... once a sheet's rows are full)."""

from __future__ import annotations

from dataclasses import dataclass, field

from openpyxl.utils import get_column_letter

from usikit.io.sheets import (
    HEADER_FONT,
    Sheet,
    SheetLimits,
    SheetWritten,
    TextCells,
    _Cells,
    _Codes,
    _header,
    _rows,
    _widths,
    parts,
    titles,
)


@dataclass
class _Part:
    worksheet: object
    columns: list[int]
    cells: _Cells
    rows: int = 0


@dataclass
class SheetStream:
    """One table's sheets in a write-only workbook, fed chunk by chunk (`append`); `close`
    says where it went. The column widths are those of the first chunk's rows."""

    workbook: object
    name: str
    limits: SheetLimits
    taken: set[str]
    key_columns: int = 0
    rows: int = 0
    cut_cells: int = 0
    made: list[_Part] = field(default_factory=list)
    header: list[str] | None = None
    widths: list[float] = field(default_factory=list)
    column_sets: list[list[int]] = field(default_factory=list)
    titles: list[str] = field(default_factory=list)

    def append(self, sheet: Sheet) -> None:
        """The chunk's rows (fills given by position in the chunk) after those written."""
        frame = sheet.frame
        if self.header is None:
            self.header = [_header(name, self.limits.cell_chars) for name in frame.columns]
            self.widths = _widths(frame)
            self.column_sets = [c for _, c in parts(1, frame.shape[1], self.key_columns,
                                                    self.limits)]  # fmt: skip
        text = TextCells(frame, self.limits.cell_chars)
        codes = _Codes(frame, sheet, text.formula_like)
        self.cut_cells += text.cut_cells
        per_sheet = self.limits.rows - 1
        begin = 0
        while begin < len(frame) or not self.made:
            part = self.rows // per_sheet
            take = min(per_sheet - self.rows % per_sheet, len(frame) - begin)
            for placed in self._sheets_of(part):
                for rows in _rows(frame, begin, begin + take, placed.columns, text, codes,
                                  placed.cells):  # fmt: skip
                    for row in rows:
                        placed.worksheet.append(row)  # type: ignore[attr-defined]
                placed.rows += take
            begin += take
            self.rows += take
            if not len(frame):
                break

    def _sheets_of(self, part: int) -> list[_Part]:
        """The worksheets of the `part`-th range of rows, one per set of columns."""
        width = len(self.column_sets)
        while len(self.made) < (part + 1) * width:
            columns = self.column_sets[len(self.made) % width]
            (title,) = titles(self.name, 1, self.taken)
            worksheet = self.workbook.create_sheet(title=title)  # type: ignore[attr-defined]
            worksheet.freeze_panes = "A2"
            for place, j in enumerate(columns, start=1):
                worksheet.column_dimensions[get_column_letter(place)].width = self.widths[j]
            cells = _Cells(worksheet)
            assert self.header is not None
            worksheet.append([cells.make(self.header[j], font=HEADER_FONT) for j in columns])
            self.made.append(_Part(worksheet, columns, cells))
            self.titles.append(title)
        return self.made[part * width : (part + 1) * width]

    def close(self) -> SheetWritten:
        """Each sheet's filter over its rows; where the table went."""
        for placed in self.made:
            if placed.columns:
                last = get_column_letter(len(placed.columns))
                placed.worksheet.auto_filter.ref = f"A1:{last}{placed.rows + 1}"  # type: ignore[attr-defined]
        columns = len(self.header or [])
        return SheetWritten(self.name, tuple(self.titles), self.rows, columns, self.cut_cells)
