"""How a computation's figures changed between two sets of watermarks, in one pass over
the rows that can have changed them (reporting/memo.py adds the change to the kept
figures). The rows come from reporting/sources.py as a change (reporting/slices.py):
each carries `old` and `new`, whether it counted before and counts now.

- `events`: per bucket, the rows (or their `amount`) that count now less those that
  counted before. Each row stands alone, so the new rows and the actions withdrawn
  since are all it reads, whoever they belong to.
- `firsts` and `distinct`: per person of those concerned, the figure as it was and as
  it is (their first row, or their buckets and the first of them), then per bucket the
  second less the first; the old figures come from the `old` rows of the same pass.
  Rows before the earliest changed row are the same before and after, so only the rows
  from then on are read (from the start of its bucket, for `distinct`), and of the
  earlier ones only whether each person has one (`_settled`): such a person keeps their
  first row, or their first bucket, whatever came in since.

Each also answers the horizon of the rows that count now (reporting/counts.py): the
rows that no longer count can only have made the kept horizon earlier, which is safe.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql as postgresql_types

from cairn.db import UTCDateTime
from reporting.buckets import bucket_key, dialect_name, instant, position
from reporting.counts import Exact, exact, in_window, later_of
from reporting.periods import Window
from reporting.slices import Identities, Slice, among
from reporting.tuning import run_report

Change = tuple[dict[int, Exact], datetime | None]
#: The rows of a computation for a part (reporting/sources.py).
RowsOf = Callable[[Slice], sa.Select | sa.CompoundSelect]


def _no_time() -> sa.ColumnElement:
    """The time column of a figures row: typed, as PostgreSQL matches a UNION's column
    types two branches at a time (two untyped NULLs would make it text)."""
    return sa.cast(sa.null(), UTCDateTime)


def _when(flag: sa.ColumnElement, value: sa.ColumnElement) -> sa.ColumnElement:
    return sa.case((flag == 1, value), else_=sa.null())


def _horizon(rows: sa.CTE, window: Window, width: int) -> sa.Select:
    """A row with the earliest time that counts now in [now, the window's end), after
    `width` NULL columns (the shape of the statement it joins)."""
    return sa.select(*(sa.null() for _ in range(width)), sa.func.min(rows.c.at)).where(
        rows.c.new == 1, rows.c.at >= instant(window.cap), rows.c.at < instant(window.hi))


def _read(query: sa.CompoundSelect, window: Window, width: int
          ) -> tuple[list[tuple[int, tuple]], datetime | None]:
    """(bucket position, figures) of each row of `query` within the window, and the
    horizon (the only row with a time in its last column)."""
    found, horizon = [], None
    for row in run_report(query):
        if row[-1] is not None:
            horizon = later_of(row[-1])
        elif (where := position(row[0], window)) is not None:
            found.append((where, tuple(row[1:width])))
    return found, horizon


def events(source: sa.Select, window: Window, *, amount: bool = False) -> Change:
    """Per bucket: what counts now less what counted before."""
    rows = source.cte("changed")
    change = rows.c.new - rows.c.old
    inner = sa.select(bucket_key(rows.c.at, window).label("bucket"),
                      (change * rows.c.amount if amount else change).label("change")
                      ).where(in_window(rows.c.at, window), rows.c.new != rows.c.old).subquery()
    query = sa.union_all(
        sa.select(inner.c.bucket, sa.func.sum(inner.c.change), _no_time())
        .group_by(inner.c.bucket), _horizon(rows, window, 2))
    found, horizon = _read(query, window, 2)
    return _summed(found), horizon


def firsts(rows_of: RowsOf, part: Slice, window: Window, *,
           by: tuple[str, ...] = ("person",)) -> Change:
    """Groups (people by default) in the bucket of their first row ever: as they are,
    less as they were. A person with a row before the earliest change keeps their first
    row; only the others are counted, from the earliest change on."""
    since = None
    settled: tuple[int, ...] = ()
    if by == ("person",):
        since = _earliest_change(rows_of, part)
        if since is None:
            return {}, None
        settled = _settled(rows_of, part, None, since)
    rows = _rows_since(rows_of, part, since)
    per = (sa.select(sa.func.min(_when(rows.c.old, rows.c.at)).label("was"),
                     sa.func.min(_when(rows.c.new, rows.c.at)).label("now"))
           .where(rows.c.at < instant(window.cap), _not_among(rows.c.person, settled))
           .group_by(*(rows.c[name] for name in by)).subquery())
    moved = sa.union_all(
        sa.select(bucket_key(per.c.was, window).label("bucket"), sa.literal(-1).label("change"))
        .where(per.c.was >= instant(window.lo)),
        sa.select(bucket_key(per.c.now, window), sa.literal(1))
        .where(per.c.now >= instant(window.lo))).subquery()
    query = sa.union_all(
        sa.select(moved.c.bucket, sa.func.sum(moved.c.change), _no_time())
        .group_by(moved.c.bucket), _horizon(rows, window, 2))
    found, horizon = _read(query, window, 2)
    return _summed(found), horizon


def distinct(rows_of: RowsOf, part: Slice, window: Window
             ) -> tuple[dict[int, Exact], dict[int, Exact], datetime | None]:
    """The change of reporting.counts.distinct's two figures: people per bucket, and
    people first seen within the window per bucket. Buckets before the one of the
    earliest change are as they were; of those buckets' people, none is first seen
    later."""
    since = _earliest_change(rows_of, part)
    if since is None:
        return {}, {}, None
    start = _bucket_start(window, since)
    settled = (_settled(rows_of, part, window.lo, start)
               if window.lo < start < window.cap else ())
    rows = _rows_since(rows_of, part, start)
    pairs = (sa.select(rows.c.person, bucket_key(rows.c.at, window).label("bucket"),
                       rows.c.old, rows.c.new)
             .where(in_window(rows.c.at, window)).subquery())
    seen = (sa.select(pairs.c.person, pairs.c.bucket, sa.func.max(pairs.c.old).label("old"),
                      sa.func.max(pairs.c.new).label("new"))
            .group_by(pairs.c.person, pairs.c.bucket).cte("seen"))
    earliest = (sa.select(sa.func.min(_when(seen.c.old, seen.c.bucket)).label("was"),
                          sa.func.min(_when(seen.c.new, seen.c.bucket)).label("now"))
                .where(_not_among(seen.c.person, settled)).group_by(seen.c.person).subquery())
    query = sa.union_all(
        sa.select(seen.c.bucket, sa.func.sum(seen.c.new - seen.c.old), sa.literal(0),
                  _no_time()).where(seen.c.new != seen.c.old).group_by(seen.c.bucket),
        sa.select(earliest.c.was, sa.literal(0), sa.func.count() * -1, _no_time())
        .where(earliest.c.was.is_not(None)).group_by(earliest.c.was),
        sa.select(earliest.c.now, sa.literal(0), sa.func.count(), _no_time())
        .where(earliest.c.now.is_not(None)).group_by(earliest.c.now),
        _horizon(rows, window, 3))
    found, horizon = _read(query, window, 3)
    values: dict[int, Exact] = {}
    increments: dict[int, Exact] = {}
    for where, (active, newcomers) in found:
        values[where] = values.get(where, 0) + exact(active)
        increments[where] = increments.get(where, 0) + exact(newcomers)
    return values, increments, horizon


def _earliest_change(rows_of: RowsOf, part: Slice) -> datetime | None:
    """The earliest time of a row in scope that changed (came in, or was withdrawn),
    whoever's: the part's people's rows before it are as they were."""
    rows = rows_of(Slice(None, part.upto, part.before)).subquery()
    query = sa.select(sa.func.min(rows.c.at)).where(rows.c.new != rows.c.old)
    return later_of(run_report(query).scalar())


def _bucket_start(window: Window, moment: datetime) -> datetime:
    """The start of the window's bucket that holds `moment` (the window's start before
    it, now after now)."""
    if moment >= window.cap:
        return window.cap
    return max((bucket.lo for bucket in window.buckets if bucket.lo <= moment),
               default=window.lo)


def _rows_since(rows_of: RowsOf, part: Slice, since: datetime | None) -> sa.CTE:
    """The part's rows from `since` on, as a CTE (PostgreSQL reads them once for both the
    figures and the horizon), read identity by identity (see `_each_identity`)."""
    touched, identities = _each_identity(part)
    rows = rows_of(Slice(identities, part.upto, part.before)).subquery()
    query = sa.select(*rows.c)
    if since is not None:
        query = query.where(rows.c.at >= instant(since))
    if touched is not None:
        each = query.lateral("each")
        query = sa.select(*each.c).select_from(touched).join(each, sa.true())
    return query.cte("changed")


def _settled(rows_of: RowsOf, part: Slice, lo: datetime | None, hi: datetime
             ) -> tuple[int, ...]:
    """The part's people with a row counted in [lo, hi) (before the change and after
    alike, when hi is at most the earliest change). PostgreSQL looks for one such row
    per identity and stops there; SQLite, whose reports are small, reads them all."""
    touched, identities = _each_identity(part)
    rows = rows_of(Slice(identities, part.before)).subquery()
    conditions = [rows.c.at < instant(hi)]
    if lo is not None:
        conditions.append(rows.c.at >= instant(lo))
    if touched is None:
        return tuple(run_report(sa.select(rows.c.person).where(*conditions).distinct())
                     .scalars())
    hit = sa.select(rows.c.person).where(*conditions).limit(1).lateral("hit")
    query = sa.select(hit.c.person).select_from(touched).join(hit, sa.true()).distinct()
    return tuple(run_report(query).scalars())


def _each_identity(part: Slice) -> tuple[sa.FromClause | None, Identities]:
    """On PostgreSQL, the part's identities as a table (`touched`) and the one identity
    of its row that a LATERAL query reads: then each identity's rows are found by the
    indexes on the identity (actions: identity, type and time), where a list of a
    thousand identities lets the planner prefer the index on time alone and read every
    action of the last day. Elsewhere none, and the identities as they are."""
    if dialect_name() != "postgresql":
        return None, part.identities
    touched = sa.func.unnest(sa.bindparam(
        None, list(part.identities), type_=postgresql_types.ARRAY(sa.Integer))
    ).table_valued("id").render_derived(name="touched")
    return touched, sa.literal_column("touched.id", sa.Integer)


def _not_among(column: sa.ColumnElement, ids: tuple[int, ...]) -> sa.ColumnElement[bool]:
    return sa.not_(among(column, ids)) if ids else sa.true()


def _summed(found: list[tuple[int, tuple]]) -> dict[int, Exact]:
    summed: dict[int, Exact] = {}
    for where, (change,) in found:
        summed[where] = summed.get(where, 0) + exact(change)
    return summed
