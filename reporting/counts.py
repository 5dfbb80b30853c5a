"""The aggregates behind every series: one GROUP BY over the buckets, computed by the
database. Each function takes the rows to count (reporting/sources.py) and a window, and
answers {bucket position: number}; nothing is counted in Python.

- `events`: rows (or the sum of `amount`) per bucket.
- `firsts`: people (or groups) by the bucket of their first row ever (new holders, new
  contributors, milestones first reached).
- `distinct`: distinct people per bucket, and the running count of distinct people.
"""

from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa

from reporting.buckets import bucket_key, instant, position
from reporting.periods import Window
from reporting.tuning import run_report

Number = int | float


def plain(value: Decimal | float | int | None) -> Number:
    """A number as JSON shows it: whole numbers as integers, no Decimal."""
    if value is None:
        return 0
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def in_window(column: sa.ColumnElement, window: Window) -> sa.ColumnElement[bool]:
    return sa.and_(column >= instant(window.lo), column < instant(window.cap))


def _grouped(inner: sa.Select, aggregate, window: Window) -> dict[int, Number]:
    rows = inner.subquery()
    query = sa.select(rows.c.bucket, aggregate(rows)).group_by(rows.c.bucket)
    found = {}
    for key, value in run_report(query):
        if (where := position(key, window)) is not None:
            found[where] = plain(value)
    return found


def events(source: sa.Select, window: Window, *, amount: bool = False) -> dict[int, Number]:
    rows = source.subquery()
    columns = [bucket_key(rows.c.at, window).label("bucket")]
    if amount:
        columns.append(rows.c.amount)
    inner = sa.select(*columns).where(in_window(rows.c.at, window))
    if amount:
        return _grouped(inner, lambda sub: sa.func.sum(sub.c.amount), window)
    return _grouped(inner, lambda sub: sa.func.count(), window)


def firsts(source: sa.Select | sa.CompoundSelect, window: Window, *,
           by: tuple[str, ...] = ("person",)) -> dict[int, Number]:
    """Groups (people by default) counted in the bucket of their first row ever."""
    rows = source.subquery()
    first = sa.func.min(rows.c.at)
    per = (sa.select(first.label("first")).where(rows.c.at < instant(window.cap))
           .group_by(*(rows.c[name] for name in by))
           .having(first >= instant(window.lo)).subquery())
    inner = sa.select(bucket_key(per.c.first, window).label("bucket"))
    return _grouped(inner, lambda sub: sa.func.count(), window)


def distinct(source: sa.Select | sa.CompoundSelect, window: Window
             ) -> tuple[dict[int, Number], dict[int, Number]]:
    """Distinct people per bucket, and per bucket the people seen there for the first time
    within the window (whose running sum counts each person once), in one statement: the
    (person, bucket) pairs once (a CTE), then counted per bucket, and per person's first
    bucket. Two hash aggregates over the pairs; no sort."""
    rows = source.subquery()
    pairs = (sa.select(rows.c.person, bucket_key(rows.c.at, window).label("bucket"))
             .where(in_window(rows.c.at, window)).subquery())
    seen = (sa.select(pairs.c.person, pairs.c.bucket)
            .group_by(pairs.c.person, pairs.c.bucket).cte("seen"))
    earliest = (sa.select(sa.func.min(seen.c.bucket).label("bucket"))
                .group_by(seen.c.person).subquery())
    query = sa.union_all(
        sa.select(seen.c.bucket, sa.func.count().label("active"),
                  sa.literal(0).label("newcomers")).group_by(seen.c.bucket),
        sa.select(earliest.c.bucket, sa.literal(0), sa.func.count())
        .group_by(earliest.c.bucket))
    values: dict[int, Number] = {}
    increments: dict[int, Number] = {}
    for key, active, newcomers in run_report(query):
        if (where := position(key, window)) is not None:
            values[where] = values.get(where, 0) + active
            increments[where] = increments.get(where, 0) + newcomers
    return values, increments
