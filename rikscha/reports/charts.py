"""Geometry of the reports' horizontal bar charts, drawn by the template as inline SVG (no JavaScript).

Pure functions: the template only places rectangles and texts at the coordinates computed here.
"""

from __future__ import annotations

from dataclasses import dataclass

WIDTH = 640
LABEL_WIDTH = 200  # room for the category name left of the bars
VALUE_WIDTH = 90  # room for the value right of the longest bar
BAR_HEIGHT = 28
GAP = 12
PADDING = 8
MAX_LABEL_CHARS = 22
# A chart of a month's 200+ drivers would be 9 000 px tall and compare nothing; beyond this many
# rows it shows the largest values, ranked, and says so (the table next to it has every row).
MAX_BARS = 15


@dataclass(frozen=True)
class Bar:
    label: str  # possibly shortened; the data table next to the chart has the full text
    value: float
    text: str  # the value as shown (already formatted)
    x: float
    y: float
    width: float
    height: float
    label_y: float  # baseline of the label and value texts, vertically centred on the bar
    value_x: float  # where the value text starts, right of the bar


@dataclass(frozen=True)
class BarChart:
    width: int
    height: int
    axis_x: int
    bars: tuple[Bar, ...]
    rows: int  # how many rows the chart was drawn from: more than len(bars) when cut to the largest

    @property
    def label_x(self) -> int:
        """Where the labels end (they are right-aligned, left of the axis)."""
        return self.axis_x - 8


def shorten(text: str, limit: int = MAX_LABEL_CHARS) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def bar_chart(rows, *, width: int = WIDTH, limit: int = MAX_BARS) -> BarChart | None:
    """Horizontal bars for `rows` of (label, value, text); None when there is nothing to draw.

    The longest bar fills the room between the labels and the value column; negative values are
    treated as zero (reports only count and sum non-negative things). Up to `limit` rows keep
    their order; of more, the `limit` largest are drawn, largest first (ties in row order).
    """
    rows = [(label, max(float(value or 0), 0.0), text) for label, value, text in rows]
    if not rows:
        return None
    row_count = len(rows)
    if row_count > limit:
        rows = sorted(rows, key=lambda row: row[1], reverse=True)[:limit]  # sorted() is stable
    room = width - LABEL_WIDTH - VALUE_WIDTH
    top = max(value for _label, value, _text in rows)
    bars = []
    for index, (label, value, text) in enumerate(rows):
        y = PADDING + index * (BAR_HEIGHT + GAP)
        length = round(room * value / top if top > 0 else 0.0, 1)
        bars.append(
            Bar(
                label=shorten(label),
                value=value,
                text=text,
                x=LABEL_WIDTH,
                y=y,
                width=length,
                height=BAR_HEIGHT,
                label_y=round(y + BAR_HEIGHT / 2 + 6, 1),
                value_x=round(LABEL_WIDTH + length + 8, 1),
            )
        )
    height = 2 * PADDING + len(rows) * BAR_HEIGHT + (len(rows) - 1) * GAP
    return BarChart(width=width, height=height, axis_x=LABEL_WIDTH, bars=tuple(bars), rows=row_count)
