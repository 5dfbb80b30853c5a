"""Which of the rows in scope a computation reads: everyone's (the report), or only the
rows of some identities up to some row ids (the parts of a report kept in
reporting/memo.py that new rows change).

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


@dataclass(frozen=True)
class Slice:
    """Rows of these identities only (None: of any), with ids up to these marks, per
    table name (None, or a table not named: every row)."""

    identities: tuple[int, ...] | None = None
    upto: Mapping[str, int] | None = None

    def condition(self, table: str, id_column: sa.ColumnElement,
                  identity_column: sa.ColumnElement) -> sa.ColumnElement[bool]:
        conditions = []
        if self.identities is not None:
            conditions.append(among(identity_column, self.identities))
        if self.upto is not None and table in self.upto:
            conditions.append(id_column <= self.upto[table])
        return sa.and_(sa.true(), *conditions)


EVERY = Slice()


def among(column: sa.ColumnElement, ids: tuple[int, ...]) -> sa.ColumnElement[bool]:
    """`column IN ids`; one array parameter on PostgreSQL, however many ids."""
    if dialect_name() == "postgresql":
        array = sa.bindparam(None, list(ids), type_=postgresql.ARRAY(sa.Integer))
        return column == sa.any_(array)
    return column.in_(ids) if ids else sa.false()
