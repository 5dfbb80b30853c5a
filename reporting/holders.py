"""How many people hold a badge at each bucket's end, expiry included, in one query.

A person holds at instant E when one of their awards in scope was issued before E and
has not expired by then: issued_on < E <= expires_at (or it never expires). Counting that
per bucket end directly would compare every award with every bucket. Instead each person
becomes at most a few events that the database sums per bucket:

- +1 at `since`, their first award that never expires: from then on they hold for good;
- for their expiring awards, merged into islands of overlapping validity (gaps and
  islands over issued_on, with the running maximum of expires_at): +1 at an island's
  start and -1 at its end, the end cut at `since` (and islands after `since` dropped),
  because from `since` on the first kind already counts them.

A person's islands never overlap each other or the time after `since`, so at any E they
add exactly 1 if they hold and 0 otherwise: holders at E = the sum of the events before
E (an end at E itself is still holding). Events before the window make the baseline
(holders when it starts); each bucket's sum is the net change over that bucket.

The figures change with time alone when an island's end still to come is reached: the
earliest such end (and the earliest award dated after now) is the horizon of the figures.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from badges.models import Assertion
from cairn.db import UTCDateTime
from reporting.buckets import bucket_key, instant, position
from reporting.counts import Exact, horizon, later_of
from reporting.periods import Window
from reporting.slices import EVERY, Slice
from reporting.sources import AwardScope, award_rows
from reporting.tuning import run_report


def _lasting(scope: AwardScope, window: Window, part: Slice) -> sa.CTE:
    rows = award_rows(scope, part).where(Assertion.issued_on < instant(window.cap),
                                   Assertion.expires_at.is_(None)).subquery()
    return (sa.select(rows.c.person, sa.func.min(rows.c.at).label("since"))
            .group_by(rows.c.person).cte("lasting"))


def _islands(scope: AwardScope, window: Window, part: Slice) -> sa.Subquery:
    rows = award_rows(scope, part).where(Assertion.issued_on < instant(window.cap),
                                   Assertion.expires_at.is_not(None)).subquery()
    order = (rows.c.at, rows.c.id)
    reach = sa.func.max(rows.c.expires).over(partition_by=rows.c.person, order_by=order,
                                             rows=(None, -1))
    ordered = sa.select(rows.c.person, rows.c.at, rows.c.id, rows.c.expires,
                        reach.label("reach")).subquery()
    opens = sa.case((sa.or_(ordered.c.reach.is_(None), ordered.c.at > ordered.c.reach), 1),
                    else_=0)
    island = sa.func.sum(opens).over(partition_by=ordered.c.person,
                                     order_by=(ordered.c.at, ordered.c.id), rows=(None, 0))
    flagged = sa.select(ordered.c.person, ordered.c.at, ordered.c.expires,
                        island.label("island")).subquery()
    return (sa.select(flagged.c.person, sa.func.min(flagged.c.at).label("start"),
                      sa.func.max(flagged.c.expires).label("stop"))
            .group_by(flagged.c.person, flagged.c.island).subquery())


def holder_changes(scope: AwardScope, window: Window, part: Slice = EVERY
                   ) -> tuple[Exact, dict[int, Exact], datetime | None]:
    """Holders when the window starts, the net change in each bucket, and the horizon.
    The per-person parts are CTEs, which both databases compute once however often they
    are named."""
    lasting, islands = _lasting(scope, window, part), _islands(scope, window, part)
    stop = sa.case((lasting.c.since < islands.c.stop, lasting.c.since),
                   else_=islands.c.stop)
    clipped = (sa.select(islands.c.start, stop.label("stop"))
               .select_from(islands.outerjoin(lasting, lasting.c.person == islands.c.person))
               .where(sa.or_(lasting.c.since.is_(None), islands.c.start < lasting.c.since))
               .cte("clipped"))
    changes = sa.union_all(
        sa.select(lasting.c.since.label("at"), sa.literal(1).label("change")),
        sa.select(clipped.c.start, sa.literal(1)),
        sa.select(clipped.c.stop, sa.literal(-1)).where(
            clipped.c.stop < instant(window.cap))).subquery()
    inner = sa.select(bucket_key(changes.c.at, window).label("bucket"),
                      changes.c.change).subquery()
    ends = sa.select(sa.null(), sa.null(), sa.func.min(clipped.c.stop)).where(
        clipped.c.stop >= instant(window.cap), clipped.c.stop < instant(window.hi))
    query = sa.union_all(
        sa.select(inner.c.bucket, sa.func.sum(inner.c.change),
                  sa.cast(sa.null(), UTCDateTime)).group_by(inner.c.bucket), ends)
    baseline, per_bucket, next_end = 0, {}, None
    for key, change, end in run_report(query):
        if change is None:  # the row of `ends`
            next_end = later_of(end)
        elif (where := position(key, window)) is None:
            baseline += int(change)
        else:
            per_bucket[where] = int(change)
    issued = horizon(award_rows(scope, part), window)
    return baseline, per_bucket, min(filter(None, (next_end, issued)), default=None)
