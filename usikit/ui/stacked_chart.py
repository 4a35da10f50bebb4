"""Stacked bar charts drawn as SVG, like `usikit.ui.charts`: one bar per row (a day), one
coloured segment per series (an action), with a legend; no plotting library is needed."""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence

import ipywidgets as widgets

from usikit.ui.charts import BAR_HEIGHT, GAP, GREY

Row = tuple[str, Mapping[str, int]]  # a row's label, and its count per series
LABEL_WIDTH, BAR_WIDTH, LEGEND_WIDTH, LEGEND_COLUMNS = 120, 420, 200, 3
MAX_ROWS = 14  # the latest rows; the earlier ones are summed into one


def fold(rows: Sequence[Row], limit: int = MAX_ROWS) -> list[Row]:
    """The last `limit` rows, after one row summing the earlier ones (when there are any)."""
    rows = list(rows)
    if len(rows) <= limit:
        return rows
    earlier: dict[str, int] = {}
    for _, counts in rows[:-limit]:
        for series, n in counts.items():
            earlier[series] = earlier.get(series, 0) + int(n)
    return [(f"{len(rows) - limit} earlier", earlier), *rows[-limit:]]


def stacked_chart_svg(title: str, rows: Sequence[Row], colours: Mapping[str, str]) -> str:
    """Horizontal stacked bars, in the order given, each segment titled with its series."""
    shown = fold(rows)
    if not shown:
        return ""
    totals = [sum(int(n) for n in counts.values()) for _, counts in shown]
    top = max(totals) or 1
    present = [s for s in colours if any(counts.get(s) for _, counts in shown)]
    present += sorted({s for _, c in shown for s in c if c[s] and s not in colours})
    bars_end = 24 + len(shown) * (BAR_HEIGHT + GAP)
    legend_rows = -(-len(present) // LEGEND_COLUMNS)
    height = bars_end + 8 + legend_rows * (BAR_HEIGHT + 2)
    width = max(LABEL_WIDTH + BAR_WIDTH + 60, LEGEND_COLUMNS * LEGEND_WIDTH)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'role="img" aria-label="{html.escape(title)}" style="font:12px sans-serif">',
        f'<text x="0" y="14" font-weight="bold">{html.escape(title)}</text>',
    ]
    for position, ((label, counts), total) in enumerate(zip(shown, totals, strict=True)):
        y = 24 + position * (BAR_HEIGHT + GAP)
        parts.append(
            f'<text x="{LABEL_WIDTH - 6}" y="{y + 13}" text-anchor="end">'
            f"{html.escape(label)}</text>"
        )
        x = float(LABEL_WIDTH)
        for series in present:
            n = int(counts.get(series, 0))
            if not n:
                continue
            length = max(2.0, BAR_WIDTH * n / top)
            colour = colours.get(series, GREY)
            parts.append(
                f'<rect x="{x:.1f}" y="{y}" width="{length:.1f}" height="{BAR_HEIGHT}" '
                f'fill="{colour}"><title>{html.escape(f"{label}: {series}: {n:,}")}</title></rect>'
            )
            x += length
        parts.append(f'<text x="{x + 4:.1f}" y="{y + 13}">{total:,}</text>')
    for position, series in enumerate(present):
        x = (position % LEGEND_COLUMNS) * LEGEND_WIDTH
        y = bars_end + 8 + (position // LEGEND_COLUMNS) * (BAR_HEIGHT + 2)
        parts += [
            f'<rect x="{x}" y="{y + 3}" width="12" height="12" '
            f'fill="{colours.get(series, GREY)}" rx="2"/>',
            f'<text x="{x + 16}" y="{y + 13}">{html.escape(series)}</text>',
        ]
    parts.append("</svg>")
    return "".join(parts)


class StackedChart:
    """An HTML widget holding one stacked chart; `rows` keeps the figures for tests."""

    def __init__(self, colours: Mapping[str, str]) -> None:
        self.widget = widgets.HTML()
        self.colours = dict(colours)
        self.title = ""
        self.rows: list[Row] = []

    def show(self, title: str, rows: Sequence[Row]) -> None:
        self.title = title
        self.rows = [(label, {s: int(n) for s, n in counts.items() if n}) for label, counts in rows]
        self.widget.value = stacked_chart_svg(title, self.rows, self.colours)

    def clear(self) -> None:
        self.show("", [])
