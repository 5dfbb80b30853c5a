"""The aggregates behind every series: one GROUP BY over the buckets, computed by the
database. Each function takes the rows to count (reporting/sources.py) and a window, and
answers {bucket position: number}; nothing is counted in Python.

- `events`: rows (or the sum of `amount`) per bucket.
- `firsts`: people (or groups) by the bucket of their first row ever (new holders, new
  contributors, milestones first reached).
- `distinct`: distinct people per bucket, and the running count of distinct people.
- `horizon`: when the next row in scope dated after now (and within the window) falls
  due: until then the figures cannot change with time alone.

Figures are exact (`exact`: integers, or decimals for sums), so that kept figures can be
added to and taken from (reporting/memo.py) without rounding; `plain` turns them into
what JSON shows.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import sqlalchemy as sa

from reporting.buckets import bucket_key, instant, position
from reporting.periods import Window
from reporting.tuning import run_report

Number = int | float
#: A figure as counted: a whole number, or an exact decimal (sums of properties).
Exact = int | Decimal


def exact(value: Decimal | float | int | None) -> Exact:
    """A figure as the database answered it, exactly. SQLite sums JSON numbers as binary
    floats; those are taken at their shortest decimal form."""
    if value is None:
        return 0
    if isinstance(value, float):
        return int(value) if value.is_integer() else Decimal(repr(value))
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else value
    return int(value)


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


def _grouped(inner: sa.Select, aggregate, window: Window) -> dict[int, Exact]:
    rows = inner.subquery()
    query = sa.select(rows.c.bucket, aggregate(rows)).group_by(rows.c.bucket)
    found = {}
    for key, value in run_report(query):
        if (where := position(key, window)) is not None:
            found[where] = exact(value)
    return found


def horizon(source: sa.Select | sa.CompoundSelect, window: Window) -> datetime | None:
    """The earliest time of a row in scope from now (the window's cap) to the window's
    end: the first moment the figures would change without a new row."""
    rows = source.subquery()
    query = sa.select(sa.func.min(rows.c.at)).where(
        rows.c.at >= instant(window.cap), rows.c.at < instant(window.hi))
    return later_of(run_report(query).scalar())


def later_of(value: datetime | str | None) -> datetime | None:
    """A time read from a subquery (SQLite hands back its text)."""
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(value).replace(tzinfo=UTC)


def events(source: sa.Select, window: Window, *, amount: bool = False) -> dict[int, Exact]:
    rows = source.subquery()
    columns = [bucket_key(rows.c.at, window).label("bucket")]
    if amount:
        columns.append(rows.c.amount)
    inner = sa.select(*columns).where(in_window(rows.c.at, window))
    if amount:
        return _grouped(inner, lambda sub: sa.func.sum(sub.c.amount), window)
    return _grouped(inner, lambda sub: sa.func.count(), window)


def firsts(source: sa.Select | sa.CompoundSelect, window: Window, *,
           by: tuple[str, ...] = ("person",)) -> dict[int, Exact]:
    """Groups (people by default) counted in the bucket of their first row ever."""
    rows = source.subquery()
    first = sa.func.min(rows.c.at)
    per = (sa.select(first.label("first")).where(rows.c.at < instant(window.cap))
           .group_by(*(rows.c[name] for name in by))
           .having(first >= instant(window.lo)).subquery())
    inner = sa.select(bucket_key(per.c.first, window).label("bucket"))
    return _grouped(inner, lambda sub: sa.func.count(), window)


def distinct(source: sa.Select | sa.CompoundSelect, window: Window
             ) -> tuple[dict[int, Exact], dict[int, Exact]]:
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
    values: dict[int, Exact] = {}
    increments: dict[int, Exact] = {}
    for key, active, newcomers in run_report(query):
        if (where := position(key, window)) is not None:
            values[where] = values.get(where, 0) + active
            increments[where] = increments.get(where, 0) + newcomers
    return values, increments
