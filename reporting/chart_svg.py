"""What every reporting chart shares: the accessible <svg> frame, escaping, number and date
labels, and "nice" axis ticks.

Charts are drawn on the server so that a dashboard reads without JavaScript. Each is a
fixed viewBox scaled to its container (width 100%), with a <title> and <desc> that a screen
reader announces as one image (role="img", aria-labelledby); the numbers themselves are in
the data table the page renders beneath it. No fonts, scripts or URLs are referenced: the
same SVG is served on its own and embedded in other sites.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import date
from html import escape

SVG_NS = "http://www.w3.org/2000/svg"
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"
INK, MUTED, LINE, ACCENT, BAD, TARGET = ("#1d2433", "#5b6475", "#dde2ea", "#2f6f5e",
                                         "#a3261c", "#8a5a00")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def text(value: object) -> str:
    """Escape for XML text and attribute values (quotes included)."""
    return escape(str(value), quote=True)


def coordinate(value: float) -> str:
    """A coordinate to one decimal: enough for a 640-unit viewBox, and stable output."""
    rounded = round(value, 1)
    return str(int(rounded)) if rounded == int(rounded) else f"{rounded:.1f}"


def clip(label: str, length: int) -> str:
    """Shorten a label that would overrun its space; the full text is in the data table."""
    return label if len(label) <= length else label[:length - 1].rstrip() + "…"


def frame(chart_id: str, width: int, height: int, title: str, description: str,
          body: Iterable[str], *, css_class: str) -> str:
    """The outer <svg>: fixed viewBox, width 100%, named by its <title> and <desc>."""
    title_id, desc_id = f"{chart_id}-title", f"{chart_id}-desc"
    return "".join([
        f'<svg xmlns="{SVG_NS}" class="{text(css_class)}" id="{text(chart_id)}" '
        f'viewBox="0 0 {width} {height}" width="100%" role="img" '
        f'aria-labelledby="{text(title_id)} {text(desc_id)}" '
        f'font-family="{text(FONT)}" font-size="12" fill="{INK}">',
        f'<title id="{text(title_id)}">{text(title)}</title>',
        f'<desc id="{text(desc_id)}">{text(description)}</desc>',
        *body,
        "</svg>",
    ])


def number(value: float | None) -> str:
    """12,345 or 12.5: whole numbers without decimals, others to one decimal place."""
    if value is None:
        return "–"
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.1f}"


def compact_number(value: float) -> str:
    """Tick labels: 250k and 1.5M for large values, `number` otherwise."""
    for size, suffix in ((1_000_000, "M"), (1_000, "k")):
        if abs(value) >= 10 * size or (abs(value) >= size and value % (size / 10) == 0):
            scaled = value / size
            return (f"{int(scaled)}" if float(scaled).is_integer() else f"{scaled:.1f}") + suffix
    return number(value)


def percent(fraction: float | None) -> str:
    return "–" if fraction is None else f"{fraction * 100:.0f}%"


def nice_ticks(highest: float, *, count: int = 5, whole: bool = True) -> list[float]:
    """Evenly spaced ticks from 0 to at least `highest`, on steps of 1, 2, 2.5 or 5 times a
    power of ten, so that the labels are round numbers a reader can interpolate between.
    `whole` keeps the step at 1 or more (counts have no fractions)."""
    highest = max(highest, 1.0 if whole else 1e-9)
    raw = highest / (count - 1)
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    if whole:
        step = max(1.0, step if float(step).is_integer() else math.ceil(step))
    steps = math.ceil(highest / step - 1e-9)
    return [round(step * i, 10) for i in range(steps + 1)]


def date_label(day: date, *, with_year: bool) -> str:
    return f"{MONTHS[day.month - 1]} {day.year}" if with_year else \
        f"{day.day} {MONTHS[day.month - 1]}"


def date_ticks(first: date, last: date, *, most: int = 6) -> list[tuple[date, str]]:
    """Tick dates for an axis from `first` to `last`: month starts when the span covers
    at least two of them (labelled "Feb", with the year on January and on the first
    tick), otherwise evenly spaced days ("5 Jan")."""
    months = []
    year, month = (first.year, first.month) if first.day == 1 else \
        (first.year + first.month // 12, first.month % 12 + 1)
    while (day := date(year, month, 1)) <= last:
        months.append(day)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    if len(months) >= 2:
        stride = math.ceil(len(months) / most)
        chosen = months[::stride]
        return [(day, f"{MONTHS[day.month - 1]} {day.year}"
                 if day.month == 1 or index == 0 else MONTHS[day.month - 1])
                for index, day in enumerate(chosen)]
    span = (last - first).days
    if span == 0:
        return [(first, date_label(first, with_year=False))]
    parts = min(most - 1, span)
    days = sorted({first.fromordinal(first.toordinal() + round(span * i / parts))
                   for i in range(parts + 1)})
    return [(day, date_label(day, with_year=False)) for day in days]
