"""Reporting charts as SVG strings, drawn on the server: a key result's line chart here;
the progress bar, funnel and single-KR widget in reporting/chart_shapes.py.

Pure functions of plain data (dates and numbers in, a string out), deterministic, so a
page, the embeddable widget and the tests all get the same picture. Element classes name
what each mark shows (`series`, `point`, `target`, `trend`, `tick`), which is also how
the tests find them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from reporting.chart_shapes import funnel_chart, kr_widget, progress_bar
from reporting.chart_svg import (
    ACCENT,
    LINE,
    MUTED,
    TARGET,
    compact_number,
    coordinate,
    date_ticks,
    frame,
    nice_ticks,
    number,
    text,
)

__all__ = ["LINE_CHART", "Plot", "funnel_chart", "kr_widget", "line_chart", "progress_bar"]


@dataclass(frozen=True)
class Plot:
    """Where a chart draws its data inside the viewBox."""

    width: int
    height: int
    left: float
    top: float
    right: float
    bottom: float


LINE_CHART = Plot(width=480, height=270, left=44, top=40, right=464, bottom=226)
#: Markers on each point only while they stay apart; the line alone carries a long series.
MAX_MARKERS = 60


@dataclass(frozen=True)
class _Scale:
    first: date
    last: date
    highest: float
    plot: Plot

    def x(self, day: date) -> float:
        span = max((self.last - self.first).days, 1)
        return self.plot.left + (day - self.first).days / span * (self.plot.right - self.plot.left)

    def y(self, value: float) -> float:
        return self.plot.bottom - value / self.highest * (self.plot.bottom - self.plot.top)


def line_chart(points: Sequence[tuple[date, float]], *, start: date, end: date,
               target: float | None = None, projected: float | None = None,
               title: str, chart_id: str, description: str | None = None,
               whole: bool = True, label: str = "Cumulative") -> str:
    """A series over a period (a running figure, or per-bucket values), the target as a
    horizontal line, and the trend as a dashed line from the last point to `projected`
    at the period's end. An empty series still shows the axes and the target.

    `whole` says the values are counts (axis steps of at least 1); `label` names the
    series in the key above the plot."""
    points = sorted(points)
    first = min([start, *(day for day, _ in points)])
    last = max([end, *(day for day, _ in points)])
    values = [value for _, value in points]
    ticks = nice_ticks(max([0.0, *values, target or 0.0, projected or 0.0]), whole=whole)
    scale = _Scale(first, last, ticks[-1], LINE_CHART)
    body = [*_axes(scale, ticks), *_legend(label, target, projected, points),
            *_target(scale, target), *_series(scale, points),
            *_trend(scale, points, end, projected)]
    if not points:
        middle_x = coordinate((LINE_CHART.left + LINE_CHART.right) / 2)
        middle_y = coordinate((LINE_CHART.top + LINE_CHART.bottom) / 2)
        body.append(f'<text class="empty" x="{middle_x}" y="{middle_y}" text-anchor="middle" '
                    f'fill="{MUTED}">No data in this period yet</text>')
    return frame(chart_id, LINE_CHART.width, LINE_CHART.height, title,
                 description or describe_series(points, start=start, end=end, target=target,
                                                projected=projected),
                 body, css_class="chart line-chart")


def describe_series(points: Sequence[tuple[date, float]], *, start: date, end: date,
                    target: float | None, projected: float | None) -> str:
    """The chart in one sentence, for the <desc> a screen reader reads."""
    period = f"{start.isoformat()} to {end.isoformat()}"
    if not points:
        said = f"No values yet in the period {period}."
    else:
        day, value = points[-1]
        said = (f"{len(points)} values in the period {period}; "
                f"{number(value)} as of {day.isoformat()}.")
    if target is not None:
        said += f" Target {number(target)}."
    if projected is not None and points:
        said += f" The trend projects {number(projected)} by {end.isoformat()}."
    return said


def _axes(scale: _Scale, ticks: list[float]) -> list[str]:
    plot = scale.plot
    left, right, bottom = coordinate(plot.left), coordinate(plot.right), coordinate(plot.bottom)
    parts = ['<g class="axis y-axis">']
    for tick in ticks:
        y = coordinate(scale.y(tick))
        parts.append(f'<line class="grid" x1="{left}" x2="{right}" y1="{y}" y2="{y}" '
                     f'stroke="{LINE}"/>')
        parts.append(f'<text class="tick" data-value="{tick:.10g}" x="{coordinate(plot.left - 8)}" '
                     f'y="{y}" dy="4" text-anchor="end" fill="{MUTED}">'
                     f'{text(compact_number(tick))}</text>')
    parts.append('</g><g class="axis x-axis">')
    parts.append(f'<line x1="{left}" x2="{right}" y1="{bottom}" y2="{bottom}" stroke="{MUTED}"/>')
    for day, label in date_ticks(scale.first, scale.last):
        x = scale.x(day)
        anchor = "start" if x - plot.left < 20 else "end" if plot.right - x < 20 else "middle"
        parts.append(f'<line x1="{coordinate(x)}" x2="{coordinate(x)}" '
                     f'y1="{bottom}" y2="{coordinate(plot.bottom + 5)}" '
                     f'stroke="{MUTED}"/>')
        parts.append(f'<text class="tick" data-date="{day.isoformat()}" x="{coordinate(x)}" '
                     f'y="{coordinate(plot.bottom + 20)}" text-anchor="{anchor}" '
                     f'fill="{MUTED}">{text(label)}</text>')
    parts.append("</g>")
    return parts


def _legend(label: str, target: float | None, projected: float | None,
            points: Sequence[tuple[date, float]]) -> list[str]:
    """A key above the plot, left to right: what each line style means."""
    entries = [("series", ACCENT, "", label)]
    if target is not None:
        entries.append(("target", TARGET, "", f"Target {number(target)}"))
    if projected is not None and points:
        entries.append(("trend", MUTED, ' stroke-dasharray="6 4"',
                        f"Trend {number(projected)}"))
    parts, x = ['<g class="legend">'], LINE_CHART.left
    for name, color, dash, label in entries:
        parts.append(f'<line class="key-{name}" x1="{coordinate(x)}" x2="{coordinate(x + 22)}" '
                     f'y1="16" y2="16" stroke="{color}" stroke-width="2.5"{dash}/>')
        parts.append(f'<text x="{coordinate(x + 28)}" y="20">{text(label)}</text>')
        x += 44 + 7 * len(label)
    parts.append("</g>")
    return parts


def _target(scale: _Scale, target: float | None) -> list[str]:
    if target is None:
        return []
    y = coordinate(scale.y(target))
    return [f'<line class="target" x1="{coordinate(scale.plot.left)}" '
            f'x2="{coordinate(scale.plot.right)}" y1="{y}" y2="{y}" stroke="{TARGET}" '
            f'stroke-width="2"/>']


def _series(scale: _Scale, points: Sequence[tuple[date, float]]) -> list[str]:
    if not points:
        return []
    xy = [(scale.x(day), scale.y(value)) for day, value in points]
    parts = []
    if len(points) > 1:
        joined = " ".join(f"{coordinate(x)},{coordinate(y)}" for x, y in xy)
        parts.append(f'<polyline class="series" points="{joined}" fill="none" stroke="{ACCENT}"'
                     f' stroke-width="2.5" stroke-linejoin="round"/>')
    if len(points) <= MAX_MARKERS:
        parts.append('<g class="points">')
        for (day, value), (x, y) in zip(points, xy, strict=True):
            parts.append(f'<circle class="point" cx="{coordinate(x)}" cy="{coordinate(y)}" r="3.5"'
                         f' fill="{ACCENT}"><title>{text(day.isoformat())}: '
                         f'{text(number(value))}</title></circle>')
        parts.append("</g>")
    return parts


def _trend(scale: _Scale, points: Sequence[tuple[date, float]], end: date,
           projected: float | None) -> list[str]:
    """The projection runs from where the series is now to the period's end; once the
    period is over there is nothing left to project."""
    if projected is None or not points or points[-1][0] >= end:
        return []
    day, value = points[-1]
    return [f'<line class="trend" x1="{coordinate(scale.x(day))}" '
            f'y1="{coordinate(scale.y(value))}" x2="{coordinate(scale.x(end))}" '
            f'y2="{coordinate(scale.y(projected))}" '
            f'stroke="{MUTED}" stroke-width="2" stroke-dasharray="6 4"/>']
