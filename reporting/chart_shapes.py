"""The smaller reporting charts: a progress bar, a funnel and the single-KR widget.

Same conventions as reporting/charts.py: pure, deterministic SVG strings with a fixed
viewBox, <title> and <desc>, classes naming each mark.
"""

from __future__ import annotations

from collections.abc import Sequence

from reporting.chart_svg import (
    ACCENT,
    BAD,
    INK,
    LINE,
    MUTED,
    TARGET,
    clip,
    coordinate,
    frame,
    number,
    percent,
    text,
)

PROGRESS = (400, 56)  # viewBox width, height
FUNNEL_WIDTH, FUNNEL_ROW, FUNNEL_LABEL, FUNNEL_BAR = 480, 44, 150, 230
WIDGET = (320, 120)
SPARK = (168.0, 44.0, 308.0, 104.0)  # left, top, right, bottom of the widget's sparkline


def progress_bar(value: float, target: float | None, *, title: str, chart_id: str) -> str:
    """How far `value` is towards `target`: a filled bar (full past 100%) and a label.
    Without a target there is no bar to fill, only the value."""
    width, height = PROGRESS
    fraction = None if not target else value / target
    label = (f"{number(value)} of {number(target)} ({percent(fraction)})"
             if fraction is not None else f"{number(value)} (no target)")
    filled = 0.0 if fraction is None else max(0.0, min(fraction, 1.0)) * width
    body = [f'<rect class="track" x="0" y="24" width="{width}" height="20" rx="4" '
            f'fill="{LINE}"/>',
            f'<rect class="fill" x="0" y="24" width="{coordinate(filled)}" height="20" rx="4" '
            f'fill="{ACCENT}"/>',
            f'<text class="label" x="0" y="16" font-weight="600">{text(label)}</text>']
    return frame(chart_id, width, height, title, f"{title}: {label}.", body,
                 css_class="chart progress-chart")


def funnel_chart(steps: Sequence[tuple[str, int]], *, title: str, chart_id: str) -> str:
    """One horizontal bar per step, as long as its count relative to the first step's,
    with the count and the share of the previous step that went on to it."""
    height = max(1, len(steps)) * FUNNEL_ROW + 8
    widest = max([1, *(count for _, count in steps)])
    body, said = [], []
    for index, (label, count) in enumerate(steps):
        top = 4 + index * FUNNEL_ROW
        length = count / widest * FUNNEL_BAR
        conversion = None
        if index > 0:
            previous = steps[index - 1][1]
            conversion = count / previous if previous else None
        note = number(count) if index == 0 else f"{number(count)} · {percent(conversion)}"
        body.append(f'<g class="step" data-count="{count}">')
        body.append(f'<text x="{FUNNEL_LABEL - 10}" y="{top + 23}" text-anchor="end">'
                    f'{text(clip(label, 22))}</text>')
        body.append(f'<rect class="bar" x="{FUNNEL_LABEL}" y="{top + 6}" '
                    f'width="{coordinate(length)}" height="26" rx="3" fill="{ACCENT}"/>')
        body.append(f'<text class="count" x="{coordinate(FUNNEL_LABEL + length + 8)}" '
                    f'y="{top + 23}" fill="{INK}">{text(note)}</text>')
        body.append("</g>")
        said.append(f"{label}: {number(count)}" + (
            f" ({percent(conversion)} of the step before)" if index > 0 else ""))
    if not steps:
        body.append(f'<text class="empty" x="{FUNNEL_WIDTH // 2}" y="30" text-anchor="middle" '
                    f'fill="{MUTED}">No steps</text>')
    return frame(chart_id, FUNNEL_WIDTH, height, title,
                 "; ".join(said) + "." if said else "No steps.", body,
                 css_class="chart funnel-chart")


def kr_widget(*, title: str, value: float, target: float | None,
              cumulative: Sequence[float], on_track: bool | None, chart_id: str,
              status: str | None = None) -> str:
    """One key result at a glance, for embedding elsewhere: its title, value against
    target, a sparkline of the cumulative series (with the target as a faint line when it
    fits the scale) and whether it is on track. `status` words the mark differently
    (a finished period is "Target met", not "On track"); `on_track` gives its colour."""
    width, height = WIDGET
    default, colour = {True: ("On track", ACCENT), False: ("Behind", BAD),
                       None: ("No trend yet", MUTED)}[on_track]
    status = status or default
    figure = number(value) if target is None else f"{number(value)} / {number(target)}"
    body = [f'<rect x="0.5" y="0.5" width="{width - 1}" height="{height - 1}" rx="8" '
            f'fill="#fff" stroke="{LINE}"/>',
            f'<text class="title" x="12" y="24" font-size="14" font-weight="700">'
            f'{text(clip(title, 40))}</text>',
            f'<text class="value" x="12" y="64" font-size="{_figure_size(figure)}" '
            f'font-weight="700">'
            f'{text(figure)}</text>',
            f'<g class="status" data-on-track="{str(on_track).lower()}">'
            f'<circle cx="18" cy="90" r="6" fill="{colour}"/>'
            f'<text x="30" y="94" fill="{colour}" font-weight="600">{text(status)}</text></g>',
            *_sparkline(cumulative, target)]
    description = f"{title}: {figure}. {status}."
    return frame(chart_id, width, height, title, description, body,
                 css_class="chart kr-widget")


def _figure_size(figure: str) -> int:
    """Shrink a long figure so that it stays clear of the sparkline beside it."""
    return 24 if len(figure) <= 10 else 18 if len(figure) <= 14 else 13


def _sparkline(cumulative: Sequence[float], target: float | None) -> list[str]:
    left, top, right, bottom = SPARK
    if not cumulative:
        return []
    highest = max([*cumulative, target or 0.0]) or 1.0
    step = (right - left) / max(len(cumulative) - 1, 1)

    def y(value: float) -> float:
        return bottom - value / highest * (bottom - top)

    parts = []
    if target:
        parts.append(f'<line class="target" x1="{left}" x2="{right}" y1="{coordinate(y(target))}"'
                     f' y2="{coordinate(y(target))}" stroke="{TARGET}" stroke-dasharray="3 3"/>')
    joined = " ".join(f"{coordinate(left + index * step)},{coordinate(y(value))}"
                      for index, value in enumerate(cumulative))
    if len(cumulative) == 1:
        parts.append(f'<circle class="spark-point" cx="{coordinate(left)}" '
                     f'cy="{coordinate(y(cumulative[0]))}" r="3" fill="{ACCENT}"/>')
    else:
        parts.append(f'<polyline class="sparkline" points="{joined}" fill="none" '
                     f'stroke="{ACCENT}" stroke-width="2"/>')
    return parts
