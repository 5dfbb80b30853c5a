"""The SQL expression that puts a stored UTC time into its bucket of a report's window, in
the window's time zone, computed by the database, and the way back from what it answers
to the bucket's position (None: before the window, the baseline).

The window's buckets start at local midnights that Python's zoneinfo turns into UTC
instants (reporting/periods.py), so both databases only compare stored UTC times:

- PostgreSQL: `width_bucket(at, ARRAY[start of each bucket, end of the last])`, a binary
  search over those instants answering the bucket's number (0 before the first). It is
  the bucket `date_trunc('month', at AT TIME ZONE 'UTC' AT TIME ZONE zone)` would give,
  for much less: converting each row's time zone cost about 1.2 µs a row, the search
  about 0.25 µs (300,000 actions: 360 ms against 80 ms, measured on PostgreSQL 15).
- SQLite knows no time zones: the offsets in force over the window (periods.offsets)
  become a CASE over the stored time, and its date functions truncate the local time to
  the bucket's first day (a date, which the window maps to its position).

The expression is meant for an inner SELECT, grouped by in the outer one: PostgreSQL
cannot match a GROUP BY expression with bound parameters to the SELECT's.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from cairn.db import UTCDateTime, db
from reporting.periods import Window, offsets


def dialect_name() -> str:
    return db.session.get_bind().dialect.name


def instant(moment: datetime) -> sa.BindParameter:
    """A bound UTC time, written exactly as the column stores it (SQLite compares text)."""
    return sa.bindparam(None, moment, type_=UTCDateTime)


def bucket_key(column: sa.ColumnElement, window: Window) -> sa.ColumnElement:
    """Which bucket of `window` the stored UTC time `column` falls in (see `position`)."""
    if dialect_name() == "postgresql":
        bounds = [bucket.lo for bucket in window.buckets] + [window.cap]
        naive = [moment.astimezone(UTC).replace(tzinfo=None) for moment in bounds]
        return sa.func.width_bucket(column, sa.bindparam(
            None, naive, type_=postgresql.ARRAY(sa.DateTime())), type_=sa.Integer)
    return sa.case((column < instant(window.lo), sa.null()),
                   else_=_sqlite_bucket_start(column, window))


def position(key: int | date | str | None, window: Window) -> int | None:
    """The bucket's index in `window.buckets`, or None for a time before the window."""
    if key is None or key == 0:
        return None
    if isinstance(key, int):
        return key - 1
    return window.index()[key if isinstance(key, date) else date.fromisoformat(key)]


def _sqlite_bucket_start(column: sa.ColumnElement, window: Window) -> sa.ColumnElement:
    shift = _sqlite_shift(column, window)
    if window.group_by == "week":
        return sa.func.date(column, shift, "-6 days", "weekday 1")
    if window.group_by == "month":
        return sa.func.date(column, shift, "start of month")
    month = sa.cast(sa.func.strftime("%m", column, shift), sa.Integer)
    back = sa.literal("-") + sa.cast((month - 1) % 3, sa.String) + sa.literal(" months")
    return sa.func.date(column, shift, "start of month", back)


def _sqlite_shift(column: sa.ColumnElement, window: Window) -> sa.ColumnElement:
    """A date-function modifier ('+3600 seconds') giving the local time of `column`."""
    first, changes = offsets(window.time_zone, window.lo, window.cap)
    if not changes:
        return sa.literal(f"{first:+d} seconds")
    whens = []
    previous = first
    for moment, offset in changes:
        whens.append((column < instant(moment), sa.literal(f"{previous:+d} seconds")))
        previous = offset
    return sa.case(*whens, else_=sa.literal(f"{previous:+d} seconds"))
