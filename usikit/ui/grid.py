"""A grid of records a page at a time, each row coloured by its status, rows selectable.

Built on ipydatagrid's DataGrid (see docs/ui.md for why): it renders on a canvas, so
thousands of rows scroll smoothly, and a Vega expression colours each row by its status
column in the browser. Only one page (200 records by default) is sent to the browser at a
time, which keeps the notebook's widget state small however large the batch.

The choice of records survives paging: `chosen` holds the keys picked on every page, and
the page's rows show as selected in the grid. A grid whose records have no key a person
reads (a list of problems) hides its row header; one with a key names it even when empty.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping

import ipywidgets as widgets
import pandas as pd
from ipydatagrid import DataGrid, TextRenderer, VegaExpr

from usikit.ui.screen import button

RED, GREEN, AMBER, GREY = "#f8d7da", "#d1e7dd", "#fff3cd", "#e9ecef"
PAGE_SIZE = 200
ROW_HEIGHT, ROWS_SHOWN = 20, 16  # the grid grows with its records up to this many rows
MAX_WIDTH = 320  # a column wider than this shows the start of its text (drag to widen)
CHARACTER, PADDING = 8, 24  # pixels per character of the grid's font, and around a cell


def row_colour(column: str, colours: Mapping[str, str], default: str = "#ffffff") -> VegaExpr:
    """A Vega expression giving each row the colour of its value in `column`."""
    value = f"cell.metadata.data[{json.dumps(column)}]"
    expression = json.dumps(default)
    for status, colour in reversed(list(colours.items())):
        expression = f"({value} === {json.dumps(status)} ? {json.dumps(colour)} : {expression})"
    return VegaExpr(expression)


class PagedGrid:
    """Records indexed by a key (Client ID, record id), shown a page at a time."""

    def __init__(
        self,
        *,
        status: str | None = None,
        colours: Mapping[str, str] | None = None,
        page_size: int = PAGE_SIZE,
        rows_shown: int = ROWS_SHOWN,
        column_widths: Mapping[str, int] | None = None,
        key: str | None = None,
        keep_hidden_choice: bool = False,
    ) -> None:
        """`key`: the name of the index a person reads (Client ID); None hides the row
        header (the index is only the grid's own). `keep_hidden_choice`: records chosen and
        then filtered out of view stay chosen (`hidden_chosen` counts them)."""
        self.page_size, self.rows_shown = page_size, rows_shown
        self.widths = dict(column_widths or {})
        self.key, self.keep_hidden_choice = key, keep_hidden_choice
        self.frame = pd.DataFrame()
        self.page = 0
        self.chosen: list[Hashable] = []
        self._listeners: list[Callable[[list[Hashable]], None]] = []
        self._quiet = False
        renderer = TextRenderer()
        if status is not None:
            renderer = TextRenderer(background_color=row_colour(status, colours or {}))
        self.grid = DataGrid(
            pd.DataFrame({"": pd.Series(dtype="str")}),
            selection_mode="row",
            default_renderer=renderer,
            base_row_size=ROW_HEIGHT,
            base_column_header_size=ROW_HEIGHT,
            base_row_header_size=100,
            header_visibility="all" if key is not None else "column",
            layout=widgets.Layout(width="100%"),
        )
        self.grid.observe(self._selected, "selections")
        self.previous = button("Previous", icon="arrow-left")
        self.next = button("Next", icon="arrow-right")
        self.previous.on_click(lambda _: self.go(self.page - 1))
        self.next.on_click(lambda _: self.go(self.page + 1))
        self.position = widgets.HTML()
        self.pager = widgets.HBox([self.previous, self.position, self.next])
        self.widget = widgets.VBox([self.grid, self.pager])

    # What is shown.

    @property
    def pages(self) -> int:
        return max(1, -(-len(self.frame) // self.page_size))

    def show(self, frame: pd.DataFrame, *, page: int | None = None) -> None:
        """Show `frame` (indexed by key); the choice keeps the keys still there (and, with
        `keep_hidden_choice`, those filtered out of view)."""
        if self.key is not None and frame.index.name is None:
            frame = frame.rename_axis(self.key)
        self.frame = frame
        if not self.keep_hidden_choice:
            kept = set(frame.index)
            self.chosen = [key for key in self.chosen if key in kept]
        self.go(self.page if page is None else page)

    @property
    def hidden_chosen(self) -> list[Hashable]:
        """Chosen records that the frame shown does not hold (filtered out of view)."""
        shown = set(self.frame.index)
        return [key for key in self.chosen if key not in shown]

    def page_frame(self) -> pd.DataFrame:
        start = self.page * self.page_size
        return self.frame.iloc[start : start + self.page_size]

    def go(self, page: int) -> None:
        self.page = min(max(0, page), self.pages - 1)
        shown = self.page_frame()
        with self._quietly():
            self.grid.selections = []
            self.grid._visible_rows = []  # the browser sends its order again for the new page
            self.grid.data = shown
            self.grid.column_widths = {name: self._width(shown, name) for name in shown.columns}
            rows = min(self.rows_shown, max(1, len(shown))) + 1  # and the header
            self.grid.layout.height = f"{rows * ROW_HEIGHT + 22}px"  # and a scroll bar
        self.previous.disabled = self.page == 0
        self.next.disabled = self.page >= self.pages - 1
        total, start = len(self.frame), self.page * self.page_size
        self.position.value = (
            f"<span style='margin:0 10px'>Records {start + 1:,}-{start + len(shown):,} of "
            f"{total:,} (page {self.page + 1} of {self.pages})</span>"
            if total
            else "<span style='margin:0 10px'>No records</span>"
        )
        self.pager.layout.display = "flex" if total > self.page_size else "none"
        self._reflect()

    def page_of(self, key: Hashable) -> int:
        return int(self.frame.index.get_loc(key)) // self.page_size

    # What is chosen.

    def on_choose(self, listener: Callable[[list[Hashable]], None]) -> None:
        """Call `listener` with the chosen keys whenever the choice changes."""
        self._listeners.append(listener)

    def choose(self, keys: Iterable[Hashable], *, reveal: bool = True) -> None:
        """Choose these records; with `reveal`, show the page of the first one with the
        grid scrolled to its top (the page is sent again, which resets the view)."""
        wanted = set(keys)
        hidden = [key for key in self.hidden_chosen if key in wanted]
        self.chosen = hidden + [key for key in self.frame.index if key in wanted]
        shown = [key for key in self.chosen if key not in set(hidden)]
        if reveal and shown:
            self.go(self.page_of(shown[0]))
        else:
            self._reflect()
        self._tell()

    def choose_page(self) -> None:
        self.choose([*self.chosen, *self.page_frame().index], reveal=False)

    def choose_all(self) -> None:
        """Add every record shown to the choice."""
        self.choose([*self.chosen, *self.frame.index], reveal=False)

    def clear(self) -> None:
        self.chosen = []
        self._reflect()
        self._tell()

    def select_rows(self, *positions: int) -> None:
        """Select rows of the page as a click in the browser does (tests use it)."""
        last = self._last_column()
        self.grid.selections = [{"r1": p, "r2": p, "c1": 0, "c2": last} for p in positions]

    def _selected(self, change: dict) -> None:
        if self._quiet:
            return
        visible = self._visible_keys()
        picked = []
        for rect in change["new"]:
            low, high = sorted((rect["r1"], rect["r2"]))
            picked += [visible[r] for r in range(max(0, low), min(high, len(visible) - 1) + 1)]
        on_page = set(visible)
        wanted = {key for key in self.chosen if key not in on_page} | set(picked)
        hidden = [key for key in self.hidden_chosen if key in wanted]
        self.chosen = hidden + [key for key in self.frame.index if key in wanted]
        self._tell()

    def _reflect(self) -> None:
        """Show the chosen records of this page as selected rows."""
        chosen = set(self.chosen)
        rows = [position for position, key in enumerate(self._visible_keys()) if key in chosen]
        last = self._last_column()
        rectangles: list[dict[str, int]] = []
        for row in rows:
            if rectangles and rectangles[-1]["r2"] == row - 1:
                rectangles[-1]["r2"] = row
            else:
                rectangles.append({"r1": row, "r2": row, "c1": 0, "c2": last})
        with self._quietly():
            self.grid.selections = rectangles

    def _visible_keys(self) -> list[Hashable]:
        """The page's keys in the order the browser shows them (it may have sorted them)."""
        if self.frame.empty:
            return []
        return list(self.grid.get_visible_data().index)

    def _tell(self) -> None:
        for listener in self._listeners:
            listener(list(self.chosen))

    def _width(self, shown: pd.DataFrame, name: str) -> int:
        """The width asked for, else wide enough for the header and the page's values (a
        ULN's ten digits whole), up to MAX_WIDTH."""
        if name in self.widths:
            return self.widths[name]
        longest = int(shown[name].astype(str).str.len().max()) if len(shown) else 0
        return min(MAX_WIDTH, max(70, CHARACTER * max(len(str(name)), longest) + PADDING))

    def _last_column(self) -> int:
        return max(0, len(self.frame.columns) - 1)

    @contextlib.contextmanager
    def _quietly(self) -> Iterator[None]:
        """Change the grid without taking it for the officer's own selection."""
        self._quiet = True
        try:
            yield
        finally:
            self._quiet = False
