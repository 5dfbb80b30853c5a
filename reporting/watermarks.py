"""Watermarks: per table, a row id up to which the rows are settled, so that kept figures
can say exactly which rows they counted ("every row with id <= mark") and later count
only the rest.

The danger is a row that commits after the figures were counted with an id lower than
one that was counted: ids are handed out when a row is inserted, not when it commits, so
a transaction that inserted id 100 and commits late would be missed by "new rows are
those with id > 105". A mark is therefore only ever a *settled* id: one below which no
row can still appear.

- PostgreSQL: ids come from the table's sequence (cache 1, as the migrations make it),
  so an id handed out later is higher than every id handed out before. `settled_marks`
  first reads each sequence's last value L, then looks in `pg_locks` for transactions of
  other sessions holding a write lock (ROW EXCLUSIVE or stronger) on those tables. An
  INSERT takes that lock when the statement starts, before it draws its ids, and keeps it
  to the end of its transaction; so any id <= L whose row is not committed yet belongs to
  one of those transactions. It waits (briefly) until each of them has ended. Then every
  id <= L is decided for good: committed, or rolled back and never to be seen; a snapshot
  taken after that sees all the rows with id <= L there will ever be. If some writer
  does not finish within SETTLE_SECONDS, there is no settled mark this time and the memo
  is not moved forward (the report is still exact: it counts within its snapshot).
- SQLite: one writer at a time, and a new row's id is one more than the highest
  committed id the writer sees; the highest committed id is settled as soon as it is
  read.

In-place changes (a revocation, a verification) are not a matter of ids: they move the
corrections epoch (cairn/epochs.py).
"""

from __future__ import annotations

import time
from collections.abc import Mapping

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from badges.models import Assertion
from pathways.action_models import Action
from pathways.models import MilestoneAward
from pathways.nomination_models import Nomination
from recipients.models import PersonIdentity
from reporting.slices import among
from reporting.tuning import run_report

Marks = dict[str, int]

#: Each table whose new rows reports count: its id column and whose row it is.
TABLES = {
    "actions": (Action.id, Action.identity_id),
    "assertions": (Assertion.id, Assertion.recipient_identity_id),
    "milestone_awards": (MilestoneAward.id, MilestoneAward.identity_id),
    "nominations": (Nomination.id, Nomination.identity_id),
}
#: How long to wait for the writers in progress to finish before giving up.
SETTLE_SECONDS = 0.5
_WRITE_LOCKS = ("RowExclusiveLock", "ShareRowExclusiveLock", "ExclusiveLock",
                "AccessExclusiveLock")


def visible_marks(connection: Connection, tables: tuple[str, ...]) -> Marks:
    """The highest id of each table that this transaction sees."""
    return {name: connection.execute(sa.select(sa.func.max(TABLES[name][0]))).scalar() or 0
            for name in tables}


def settled_marks(connection: Connection, tables: tuple[str, ...]) -> Marks | None:
    """Settled marks (see above), read outside any snapshot the caller takes after."""
    if connection.dialect.name != "postgresql":
        return visible_marks(connection, tables)
    marks = {name: connection.execute(sa.text(
        "SELECT pg_sequence_last_value(pg_get_serial_sequence(:table, 'id')::regclass)"),
        {"table": name}).scalar() or 0 for name in tables}
    writers = _writers(connection, tables, None)
    deadline = time.monotonic() + SETTLE_SECONDS
    pause = 0.002
    while writers:
        if time.monotonic() > deadline:
            return None
        time.sleep(pause)
        pause = min(pause * 2, 0.05)
        writers = _writers(connection, tables, writers)
    return marks


def _writers(connection: Connection, tables: tuple[str, ...],
             among: set[str] | None) -> set[str]:
    """The transactions of other sessions holding a write lock on the tables (of those
    in `among`, when given), by virtual transaction id."""
    query = sa.text(
        "SELECT DISTINCT virtualtransaction FROM pg_locks WHERE locktype = 'relation' "
        "AND granted AND pid <> pg_backend_pid() AND mode = ANY(CAST(:modes AS text[])) "
        "AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
        "AND relation = ANY(ARRAY(SELECT to_regclass(name)::oid "
        "FROM unnest(CAST(:tables AS text[])) AS name))")
    found = set(connection.execute(query, {"modes": list(_WRITE_LOCKS),
                                           "tables": list(tables)}).scalars())
    connection.commit()
    return found if among is None else found & among


def touched_identities(tables: tuple[str, ...], since: Mapping[str, int],
                       until: Mapping[str, int], *, most: int) -> tuple[int, ...] | None:
    """Every identity of every person with a row in (since, until] of the tables: the
    identities of the rows, and all the identities verified by the same person (reports
    count people). None when they are more than `most` people.

    Three short statements, each by an index (row ids, then identities, then people),
    rather than one: as one statement the planner misjudged how many identities the
    rows had and read the whole table of verified links, twice."""
    parts = [sa.select(identity.label("identity_id")).where(id_ > since[name],
                                                            id_ <= until[name])
             for name in tables for id_, identity in [TABLES[name]]
             if until[name] > since[name]]
    if not parts:
        return ()
    touched = set(run_report(sa.union(*parts)).scalars())
    linked = dict(_verified(PersonIdentity.identity_id, touched))
    people = set(linked.values())
    identities = touched | {identity for identity, _ in
                            _verified(PersonIdentity.person_id, people)}
    if len(people) + len(touched - linked.keys()) > most:
        return None
    return tuple(sorted(identities))


def _verified(column: sa.ColumnElement, ids: set[int]) -> list[tuple[int, int]]:
    """(identity, person) of the verified links whose `column` is one of `ids`."""
    if not ids:
        return []
    return run_report(sa.select(PersonIdentity.identity_id, PersonIdentity.person_id).where(
        PersonIdentity.verified_at.is_not(None), among(column, tuple(ids)))).all()
