"""Geometry of simple SVG bar charts, computed here and drawn by the analytics template.

Server-side SVG: no JavaScript, no chart library, nothing loaded from elsewhere, and each chart
comes with the same figures as a table for screen readers and copying.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import List, Sequence

WIDTH = 600
PLOT_LEFT, PLOT_RIGHT, PLOT_TOP, PLOT_BOTTOM = 44, 12, 12, 36


@dataclass
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str
    value: float
    series: int = 0


@dataclass
class Chart:
    title: str
    category_name: str
    width: int
    height: int
    bars: List[Bar]
    ticks: List[dict] = field(default_factory=list)       # value axis: {"pos", "label"}
    categories: List[dict] = field(default_factory=list)  # category axis: {"pos", "label"}
    series_names: List[str] = field(default_factory=list)
    horizontal: bool = False
    rows: List[tuple] = field(default_factory=list)        # the figures, for the table


def _axis(largest: float, whole_numbers: bool) -> tuple:
    """A round axis top and tick step (1, 2 or 5 times a power of ten) for values up to `largest`."""
    raw_step = max(largest, 1e-9) / 4
    power = 10 ** math.floor(math.log10(raw_step))
    step = next(multiple * power for multiple in (1, 2, 5, 10) if raw_step <= multiple * power)
    if whole_numbers:
        step = max(1, step)
    top = step * max(1, math.ceil(largest / step))
    return top, step


def _format(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def column_chart(title: str, category_name: str, labels: Sequence[str], series: Sequence[Sequence[float]],
                 series_names: Sequence[str] = (), height: int = 240, label_every: int = 1) -> Chart:
    """Vertical bars per category; several series are drawn side by side."""
    largest = max((max(values, default=0) for values in series), default=0)
    top, step = _axis(largest, all(float(v).is_integer() for values in series for v in values))
    plot_width = WIDTH - PLOT_LEFT - PLOT_RIGHT
    plot_height = height - PLOT_TOP - PLOT_BOTTOM
    slot = plot_width / max(1, len(labels))
    bar_width = max(1.0, slot * 0.8 / len(series))
    bars = []
    for index, label in enumerate(labels):
        for number, values in enumerate(series):
            value = values[index]
            bar_height = plot_height * value / top
            bars.append(Bar(x=PLOT_LEFT + index * slot + slot * 0.1 + number * bar_width,
                            y=PLOT_TOP + plot_height - bar_height, width=bar_width, height=bar_height,
                            label=label, value=value, series=number))
    ticks = [{"pos": PLOT_TOP + plot_height * (1 - i * step / top), "label": _format(i * step)}
             for i in range(int(round(top / step)) + 1)]
    categories = [{"pos": PLOT_LEFT + i * slot + slot / 2, "label": label}
                  for i, label in enumerate(labels) if i % label_every == 0]
    rows = [(label, *[values[i] for values in series]) for i, label in enumerate(labels)]
    return Chart(title, category_name, WIDTH, height, bars, ticks, categories, list(series_names), rows=rows)


def bar_chart(title: str, category_name: str, items: Sequence[tuple]) -> Chart:
    """Horizontal bars, one per (label, value), largest first as given."""
    row_height, label_width = 26, 190
    height = PLOT_TOP + row_height * max(1, len(items)) + 8
    top, _ = _axis(max((value for _, value in items), default=0), True)
    plot_width = WIDTH - label_width - 60
    bars = [Bar(x=label_width, y=PLOT_TOP + i * row_height + 4, width=plot_width * value / top,
                height=row_height - 8, label=str(label), value=value)
            for i, (label, value) in enumerate(items)]
    return Chart(title, category_name, WIDTH, height, bars, horizontal=True, rows=[(str(k), v) for k, v in items])
