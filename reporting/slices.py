"""Which of the rows in scope a computation reads: everyone's (the report), or only the
rows of some identities up to some row ids (the parts of a report kept in
reporting/memo.py that new rows change), or the rows that changed between two sets of
marks, each flagged as counted before and after.

Every person-based figure is a sum over people of what each person's rows give, so the
figures of the people behind a set of identities (all the identities of each of them)
can be taken out of a kept total and put back counted again.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from reporting.buckets import dialect_name

#: Identities by id, or one identity as an SQL expression (a column of an outer query).
Identities = tuple[int, ...] | sa.ColumnElement[int] | None


@dataclass(frozen=True)
class Slice:
    """Rows of these identities only (None: of any), with ids up to these marks, per
    table name (None, or a table not named: every row).

    With `before` (older marks) the part is a change: each row carries `old` (counted up
    to `before`) and `new` (counted up to `upto`) as 1 or 0 (reporting/sources.py), so
    that one pass gives the figures' change. Without identities a change reads only the
    rows past `before` (and, for actions, those withdrawn since: the sources add them)."""

    identities: Identities = None
    upto: Mapping[str, int] | None = None
    before: Mapping[str, int] | None = None

    def condition(self, table: str, id_column: sa.ColumnElement,
                  identity_column: sa.ColumnElement) -> sa.ColumnElement[bool]:
        conditions = []
        if self.identities is not None:
            conditions.append(among(identity_column, self.identities))
        elif self.before is not None and table in self.before:
            conditions.append(id_column > self.before[table])
        if self.upto is not None and table in self.upto:
            conditions.append(id_column <= self.upto[table])
        return sa.and_(sa.true(), *conditions)

    def old(self, table: str, id_column: sa.ColumnElement) -> sa.ColumnElement[int]:
        """1 for a row that the older marks cover, else 0 (a change only)."""
        return sa.case((id_column <= self.before[table], 1), else_=0)


EVERY = Slice()


def among(column: sa.ColumnElement, ids: tuple[int, ...] | sa.ColumnElement[int]
          ) -> sa.ColumnElement[bool]:
    """`column IN ids`; one array parameter on PostgreSQL, however many ids."""
    if isinstance(ids, sa.ColumnElement):
        return column == ids
    if dialect_name() == "postgresql":
        array = sa.bindparam(None, list(ids), type_=postgresql.ARRAY(sa.Integer))
        return column == sa.any_(array)
    return column.in_(ids) if ids else sa.false()
