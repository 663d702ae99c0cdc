"""Bar charts drawn on the server as SVG: each bar's length is its share of the largest value. The same
numbers are always shown in a table beside the chart."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class ChartBar:
    label: str
    value: int | Decimal
    percent: float  # of the largest bar, 0-100
    y: int  # the bar's top, in SVG units

    @property
    def width(self) -> float:
        return round(self.percent * BAR_SPACE / 100, 1)

    @property
    def value_x(self) -> float:
        return BAR_X + self.width + 6


ROW = 28  # SVG units per bar
BAR_X = 200  # where bars start (labels to the left)
BAR_SPACE = 320  # the longest bar's length (its value is written after it)


def bars(items: list[tuple[str, int | Decimal]]) -> list[ChartBar]:
    largest = max((value for _label, value in items), default=0) or 1
    return [
        ChartBar(label=label, value=value, percent=round(float(value) * 100 / float(largest), 1), y=index * ROW)
        for index, (label, value) in enumerate(items)
    ]


def height(chart: list[ChartBar]) -> int:
    return max(len(chart), 1) * ROW
