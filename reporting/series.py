"""A series: one point per bucket of a window, each with its value and the running figure.

`value` is what happened within the bucket; `cumulative` is the figure at the bucket's
end: the baseline (what stood before the window: holders already holding, the last manual
value) plus every increment so far. For most metrics the increment is the value; for
contributors it is the people seen for the first time in the window, so that the running
figure counts each person once. The total of a report is the last running figure.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from reporting.counts import Number
from reporting.periods import Window


@dataclass(frozen=True)
class Point:
    first: date
    last: date
    value: Number | None
    cumulative: Number | None

    def as_dict(self) -> dict[str, Any]:
        return {"start": self.first.isoformat(), "end": self.last.isoformat(),
                "value": self.value, "cumulative": self.cumulative}


@dataclass(frozen=True)
class Series:
    window: Window
    points: tuple[Point, ...]
    baseline: Number | None

    @property
    def total(self) -> Number | None:
        return self.points[-1].cumulative if self.points else self.baseline


def _add(a: Number | None, b: Number | None) -> Number | None:
    if a is None:
        return b
    return a if b is None else a + b


def build(window: Window, values: Mapping[int, Number], *,
          increments: Mapping[int, Number] | None = None,
          baseline: Number | None = 0, empty: Number | None = 0) -> Series:
    """The points of `window` from per-bucket figures (keyed by the bucket's position);
    buckets without rows get `empty`."""
    increments = values if increments is None else increments
    points, running = [], baseline
    for where, bucket in enumerate(window.buckets):
        running = _add(running, increments.get(where))
        points.append(Point(bucket.first, bucket.last, values.get(where, empty), running))
    return Series(window, tuple(points), baseline)


def latest(window: Window, values: Mapping[int, Number], baseline: Number | None) -> Series:
    """A series of readings (manual values): each bucket's last reading, and the latest
    reading so far as the running figure."""
    points, running = [], baseline
    for where, bucket in enumerate(window.buckets):
        if where in values:
            running = values[where]
        points.append(Point(bucket.first, bucket.last, values.get(where), running))
    return Series(window, tuple(points), baseline)
