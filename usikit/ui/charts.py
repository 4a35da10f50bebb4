"""Small bar charts drawn as SVG in an HTML widget: no plotting library, works everywhere."""

from __future__ import annotations

import html
from collections.abc import Sequence

import ipywidgets as widgets

RED, AMBER, GREEN, GREY, BLUE = "#dc3545", "#e0a800", "#198754", "#adb5bd", "#4f81bd"
BAR_HEIGHT, GAP, LABEL_WIDTH, BAR_WIDTH, LABEL_CHARACTERS = 18, 6, 380, 260, 56
MAX_BARS = 12


def bar_chart_svg(title: str, bars: Sequence[tuple[str, int, str]]) -> str:
    """Horizontal bars (label, count, colour), longest first as given; the rest summed up."""
    shown = list(bars[:MAX_BARS])
    rest = sum(count for _, count, _ in bars[MAX_BARS:])
    if rest:
        shown.append((f"{len(bars) - MAX_BARS} more", rest, GREY))
    if not shown:
        return ""
    top = max(count for _, count, _ in shown) or 1
    height = len(shown) * (BAR_HEIGHT + GAP) + 24
    width = LABEL_WIDTH + BAR_WIDTH + 60
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'role="img" aria-label="{html.escape(title)}" style="font:12px sans-serif">',
        f'<text x="0" y="14" font-weight="bold">{html.escape(title)}</text>',
    ]
    for position, (label, count, colour) in enumerate(shown):
        y = 24 + position * (BAR_HEIGHT + GAP)
        length = max(2, round(BAR_WIDTH * count / top))
        text = label if len(label) <= LABEL_CHARACTERS else label[: LABEL_CHARACTERS - 1] + "…"
        parts += [
            f'<text x="{LABEL_WIDTH - 6}" y="{y + 13}" text-anchor="end">'
            f"<title>{html.escape(label)}</title>{html.escape(text)}</text>",
            f'<rect x="{LABEL_WIDTH}" y="{y}" width="{length}" height="{BAR_HEIGHT}" '
            f'fill="{colour}" rx="2"/>',
            f'<text x="{LABEL_WIDTH + length + 4}" y="{y + 13}">{count:,}</text>',
        ]
    parts.append("</svg>")
    return "".join(parts)


class Chart:
    """An HTML widget holding one bar chart; `bars` keeps the figures for tests."""

    def __init__(self) -> None:
        self.widget = widgets.HTML()
        self.title = ""
        self.bars: list[tuple[str, int, str]] = []

    def show(self, title: str, bars: Sequence[tuple[str, int, str]]) -> None:
        self.title, self.bars = title, [(label, int(n), colour) for label, n, colour in bars]
        self.widget.value = bar_chart_svg(title, self.bars)

    def clear(self) -> None:
        self.show("", [])
