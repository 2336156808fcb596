"""Small inline-SVG charts for the market reports (no scripts, no external files, like the Gantt chart)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from html import escape

__all__ = ["line_chart"]

COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf", "#7f7f7f",
           "#bcbd22")
WIDTH, HEIGHT, LEFT, RIGHT, TOP, BOTTOM = 720, 300, 70, 130, 30, 40


def _ticks(high: float) -> list[float]:
    """About five round tick values from 0 to at least *high*."""
    if high <= 0:
        return [0.0, 1.0]
    raw = high / 5
    magnitude = 10.0 ** math.floor(math.log10(raw))
    step = next((m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw), 10 * magnitude)
    count = int(high / step) + 1
    return [round(step * i, 10) for i in range(count + 1)]


def line_chart(title: str, series: Mapping[str, Sequence[tuple[int, float]]], unit: str, scale: float = 1.0) -> str:
    """One SVG line chart: years on x, *value / scale* on y in *unit*, one line and legend entry per series."""
    points = [(x, y / scale) for values in series.values() for x, y in values]
    if not points:
        return f"<p class=note>{escape(title)}: no data</p>"
    years = sorted({x for x, _ in points})
    ticks = _ticks(max(y for _, y in points))
    span_x = max(years[-1] - years[0], 1)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x_of(year: int) -> float:
        return LEFT + (year - years[0]) / span_x * plot_w if len(years) > 1 else LEFT + plot_w / 2

    def y_of(value: float) -> float:
        return TOP + plot_h - value / ticks[-1] * plot_h

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" role="img" '
             f'aria-label="{escape(title)}"><text x="{LEFT}" y="18" font-size="14">{escape(title)} ({escape(unit)})'
             "</text>"]
    for tick in ticks:
        y = y_of(tick)
        parts.append(f'<line x1="{LEFT}" y1="{y:.1f}" x2="{LEFT + plot_w}" y2="{y:.1f}" stroke="#ddd"/>'
                     f'<text x="{LEFT - 6}" y="{y + 4:.1f}" font-size="11" text-anchor="end">{tick:g}</text>')
    for year in years:
        parts.append(f'<text x="{x_of(year):.1f}" y="{TOP + plot_h + 18}" font-size="11" '
                     f'text-anchor="middle">{year}</text>')
    for i, (name, values) in enumerate(series.items()):
        colour = COLOURS[i % len(COLOURS)]
        coords = " ".join(f"{x_of(x):.1f},{y_of(y / scale):.1f}" for x, y in sorted(values))
        parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{coords}"/>')
        parts += [f'<circle cx="{x_of(x):.1f}" cy="{y_of(y / scale):.1f}" r="3" fill="{colour}"/>' for x, y in values]
        parts.append(f'<rect x="{WIDTH - RIGHT + 12}" y="{TOP + 16 * i}" width="10" height="10" fill="{colour}"/>'
                     f'<text x="{WIDTH - RIGHT + 27}" y="{TOP + 9 + 16 * i}" font-size="12">{escape(name)}</text>')
    parts.append("</svg>")
    return "".join(parts)
