"""Report memos: exact figures kept in the database, shared by every process, and brought
up to date by counting again only the people whose rows came in since.

A memo (reporting.models.ReportMemo) holds a computation's figures (reporting/
computations.py) as they stood for the rows up to its watermarks (reporting/watermarks.py)
under a corrections epoch (cairn/epochs.py), valid until its horizon. When a report is
asked for, in one snapshot (reporting/snapshot.py):

1. the memo is usable if its epoch is the current one and now has not passed its horizon
   (and its signature, which names the window and the number of buckets begun, is the
   request's); otherwise the figures are counted in full;
2. rows past the watermarks belong to a set of people P; every figure is a sum over
   people, so new = memo + figures(all of P's rows) - figures(P's rows up to the old
   marks): the change, counted in one pass over P's rows, each flagged as counted
   before and now (reporting/slices.py, reporting/changes.py). Counts of rows (actions,
   sums, nominations) are sums over rows: their change reads only the new rows and the
   actions withdrawn since, whoever they belong to. More than MOST_PEOPLE people:
   counted in full instead;
3. the figures up to the newest settled marks are kept for the next request (never
   failing the report if that write fails); rows the snapshot sees past those marks (a
   writer that had not finished) are added for this answer only.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from cairn.db import db, utcnow
from reporting.computations import Computation
from reporting.figures import Figures, added, from_json, to_json
from reporting.models import ReportMemo
from reporting.slices import EVERY, Slice
from reporting.snapshot import Snapshot, open_snapshot
from reporting.watermarks import Marks, settled_marks, touched_identities

#: Past this many people with new rows, counting everything again is cheaper.
MOST_PEOPLE = 5000
#: Memos not used for this long are dropped when a new one is written.
UNUSED_FOR = timedelta(days=7)
#: A memo read but not changed is marked used at most this often.
MARK_USED_EVERY = timedelta(hours=1)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Counted:
    figures: Figures
    marks: Marks  # every row up to these ids, and no other
    horizon: datetime | None  # valid while now <= horizon


@dataclass(frozen=True)
class _Kept:
    counted: Counted
    used_at: datetime


def exact_figures(computation: Computation) -> Figures:
    """The computation's figures, exact for the rows committed now."""
    with db.engine.connect() as connection:
        settled = settled_marks(connection, computation.tables)
        with open_snapshot(connection, computation.tables) as snapshot:
            kept = _kept(snapshot, computation)
            keep, answer = _work_out(computation, snapshot, settled,
                                     kept.counted if kept else None)
        if keep is not None and _worth_writing(keep, kept):
            _write(connection, computation, snapshot.corrections, keep, fresh=kept is None)
    return answer


def _work_out(computation: Computation, snapshot: Snapshot, settled: Marks | None,
              kept: Counted | None) -> tuple[Counted | None, Figures]:
    """(the figures to keep, if any; the figures of the snapshot)."""
    target = settled or (kept.marks if kept else None)
    if target is None:
        return None, computation.count(EVERY)[0]
    if kept is None:
        base = _count(computation, snapshot, target)
    else:
        base = _advance(computation, snapshot, kept, target)
    if snapshot.visible is None or _covers(target, snapshot.visible):
        return base, base.figures
    return base, _advance(computation, snapshot, base, snapshot.visible).figures


def _covers(marks: Marks, visible: Marks) -> bool:
    return all(visible[name] <= marks[name] for name in visible)


def _count(computation: Computation, snapshot: Snapshot, marks: Marks) -> Counted:
    """Everything up to `marks`; without a bound when the snapshot sees nothing past."""
    bounded = snapshot.visible is None or not _covers(marks, snapshot.visible)
    found, horizon = computation.count(Slice(upto=marks) if bounded else EVERY)
    return Counted(found, marks, horizon)


def _advance(computation: Computation, snapshot: Snapshot, counted: Counted,
             marks: Marks) -> Counted:
    """`counted` brought from its marks to `marks` by adding the change that the rows in
    between made (for figures of people, counted over those rows' people)."""
    if any(marks[name] < counted.marks[name] for name in computation.tables):
        return _count(computation, snapshot, marks)  # ids went back: start again
    if all(marks[name] == counted.marks[name] for name in computation.tables):
        return Counted(counted.figures, marks, counted.horizon)
    identities = None
    if computation.by_person:
        identities = touched_identities(computation.tables, counted.marks, marks,
                                        most=MOST_PEOPLE)
        if identities is None:
            return _count(computation, snapshot, marks)
        if not identities:
            return Counted(counted.figures, marks, counted.horizon)
    change, horizon = computation.changed(Slice(identities, marks, counted.marks))
    return Counted(added(counted.figures, change), marks,
                   min(filter(None, (counted.horizon, horizon)), default=None))


def _kept(snapshot: Snapshot, computation: Computation) -> _Kept | None:
    """The memo, if it is exact for what it counted and still valid now."""
    row = snapshot.connection.execute(sa.select(
        ReportMemo.signature, ReportMemo.figures, ReportMemo.marks, ReportMemo.corrections,
        ReportMemo.horizon, ReportMemo.used_at).where(ReportMemo.key == computation.key)
    ).one_or_none()
    if (row is None or row.signature != computation.text
            or row.corrections != snapshot.corrections
            or (row.horizon is not None and computation.now > row.horizon)
            or not set(computation.tables) <= set(row.marks)):
        return None
    marks = {name: int(row.marks[name]) for name in computation.tables}
    return _Kept(Counted(from_json(row.figures), marks, row.horizon), row.used_at)


def _worth_writing(keep: Counted, kept: _Kept | None) -> bool:
    return (kept is None or keep != kept.counted
            or utcnow() - kept.used_at > MARK_USED_EVERY)


def _write(connection: Connection, computation: Computation, corrections: int,
           keep: Counted, *, fresh: bool) -> None:
    """Keep the figures; a failure is logged, never raised: the report stands without."""
    try:
        with connection.begin():
            connection.execute(_upsert(connection, computation, corrections, keep))
            if fresh:  # the table grows only by fresh memos: prune then
                connection.execute(sa.delete(ReportMemo).where(
                    ReportMemo.used_at < utcnow() - UNUSED_FOR))
    except Exception:
        log.warning("Keeping a report memo failed", exc_info=True)


def _upsert(connection: Connection, computation: Computation, corrections: int,
            keep: Counted) -> sa.Insert:
    now = utcnow()
    values = {"signature": computation.text, "figures": to_json(keep.figures),
              "marks": keep.marks, "corrections": corrections, "horizon": keep.horizon,
              "computed_at": now, "used_at": now}
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(ReportMemo).values(key=computation.key, **values)
    return statement.on_conflict_do_update(index_elements=[ReportMemo.key], set_=values)
