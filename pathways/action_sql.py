"""The statements that write and look up a batch of actions, in the form each database
runs fastest.

On PostgreSQL every list travels as one array parameter (`unnest`, `= ANY`): psycopg
parses a statement's placeholders again on every call unless the statement is short (it
caches only those), and a batch of 1,000 written as multi-row VALUES and long IN lists spent
a third of its time there. SQLite takes the plain forms (an executemany that SQLAlchemy
sends as multi-row VALUES, and IN lists), which cost it nothing comparable.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from cairn.db import db
from pathways.action_models import Action
from recipients.models import IdentityType, RecipientIdentity

_COLUMNS = ("public_id", "action_type_id", "identity_id", "occurred_at", "properties",
            "source", "external_id", "retracts_id")

# Rows go in the order given (WITH ORDINALITY .. ORDER BY), so concurrent batches, each
# sorted, take their locks in the same order and cannot deadlock.
_POSTGRESQL_INSERT = sa.text("""
    INSERT INTO actions (public_id, action_type_id, identity_id, occurred_at, properties,
                         source, external_id, retracts_id, recorded_at)
    SELECT public_id, action_type_id, identity_id, occurred_at, CAST(properties AS json),
           source, external_id, retracts_id, :recorded_at
    FROM unnest(CAST(:public_id AS varchar[]), CAST(:action_type_id AS integer[]),
                CAST(:identity_id AS integer[]), CAST(:occurred_at AS timestamp[]),
                CAST(:properties AS text[]), CAST(:source AS varchar[]),
                CAST(:external_id AS varchar[]), CAST(:retracts_id AS integer[]))
         WITH ORDINALITY AS given(public_id, action_type_id, identity_id, occurred_at,
                                  properties, source, external_id, retracts_id, position)
    ORDER BY position
    ON CONFLICT DO NOTHING
    RETURNING id, public_id, source, external_id""")


def _postgresql() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def any_of(column: sa.ColumnElement, values: Collection[Any]) -> sa.ColumnElement[bool]:
    """`column IN values`, as `column = ANY(:array)` on PostgreSQL."""
    if _postgresql():
        return column == sa.any_(sa.bindparam(None, list(values),
                                              type_=postgresql.ARRAY(column.type)))
    return column.in_(list(values))


def identity_ids(kind: IdentityType, values: Collection[str]) -> list[sa.Row]:
    """(id, value) of the stored identities of this type among these values.

    On PostgreSQL the values are joined as a table (`unnest`), not tested with `= ANY`:
    psycopg prepares a statement after a few calls, and a plan made while the table was
    still small (no ANALYZE yet, as in a new instance's first minute) tests each row
    against the whole array, a thousand comparisons per row (380 ms a batch at 10,000
    people). A join is hashed or looked up in the index whatever the plan."""
    table = RecipientIdentity.__table__
    if not _postgresql():
        return list(db.session.execute(sa.select(table.c.id, table.c.value).where(
            table.c.type == kind, table.c.value.in_(list(values)))))
    given = sa.func.unnest(sa.bindparam("values", list(values),
                                        type_=postgresql.ARRAY(table.c.value.type))
                           ).table_valued("value").render_derived(name="given")
    return list(db.session.execute(
        sa.select(table.c.id, table.c.value).join(given, given.c.value == table.c.value)
        .where(table.c.type == kind)))


def _naive_utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None)  # as cairn.db.UTCDateTime stores it


def insert_actions(rows: list[dict[str, Any]], *, recorded_at: datetime) -> list[sa.Row]:
    """Insert the rows, skipping any whose (source, external_id) or retracts_id is taken;
    (id, public_id, source, external_id) of each row inserted."""
    if _postgresql():
        arrays: dict[str, Any] = {name: [row[name] for row in rows] for name in _COLUMNS}
        arrays["occurred_at"] = [_naive_utc(moment) for moment in arrays["occurred_at"]]
        arrays["properties"] = [json.dumps(value) for value in arrays["properties"]]
        return list(db.session.execute(_POSTGRESQL_INSERT,
                                       {**arrays, "recorded_at": _naive_utc(recorded_at)}))
    table = Action.__table__
    statement = sqlite_insert(table).on_conflict_do_nothing().returning(
        table.c.id, table.c.public_id, table.c.source, table.c.external_id)
    return list(db.session.execute(statement, [{**row, "recorded_at": recorded_at}
                                               for row in rows]))
