"""A key result's trend: the least-squares line through its running figure, projected to
the end of its period.

The points are (days since the period started, figure) at the period's start (the
baseline: 0 for counts, the holders already holding, the last reading before it) and at
the end of each bucket so far, the current one as of now. With a single point the line
is flat. Once the period is over the projection is the final figure itself: there is
nothing left to project. `on_track` says whether the projection reaches the target.
"""

from __future__ import annotations

from typing import Any

from reporting.counts import plain
from reporting.series import Series

DIGITS = 2


def least_squares(points: list[tuple[float, float]]) -> tuple[float, float]:
    """(intercept, slope) of the line fitted to the points (a flat line through their mean
    when they share one x)."""
    count = len(points)
    mean_x = sum(x for x, _ in points) / count
    mean_y = sum(y for _, y in points) / count
    spread = sum((x - mean_x) ** 2 for x, _ in points)
    if spread == 0:
        return mean_y, 0.0
    slope = sum((x - mean_x) * (y - mean_y) for x, y in points) / spread
    return mean_y - slope * mean_x, slope


def fitted_points(series: Series) -> list[tuple[float, float]]:
    window = series.window
    points = [] if series.baseline is None else [(0.0, float(series.baseline))]
    for bucket, point in zip(window.buckets, series.points, strict=True):
        if point.cumulative is not None:
            points.append((window.days(bucket.hi), float(point.cumulative)))
    return points


def trend(series: Series, target: float) -> dict[str, Any]:
    """{"projected", "on_track", "slope_per_day", "points": the line at each bucket's end
    over the whole period}."""
    window = series.window
    points = fitted_points(series) if window.buckets else []
    if not points:
        return {"projected": None, "on_track": False, "slope_per_day": None, "points": []}
    intercept, slope = least_squares(points)
    projected = intercept + slope * window.days(window.hi)
    if window.over and series.total is not None:
        projected = float(series.total)
    line = [{"start": bucket.first.isoformat(), "end": bucket.last.isoformat(),
             "value": plain(round(intercept + slope * window.days(bucket.hi), DIGITS))}
            for bucket in window.all_buckets()]
    return {"projected": plain(round(projected, DIGITS)), "on_track": projected >= target,
            "slope_per_day": round(slope, 6), "points": line}
