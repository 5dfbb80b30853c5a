"""One new row, stored without the unit of work: for the few hot paths that insert one
plain object per request (an award).

`session.add()` and a flush give the same row, but the flush runs SQLAlchemy's unit of
work (dependency sorting, relationship synchronisation, per-attribute history), about a
millisecond of Python for one award's assertion on the 2-core machine: a fifth of the
request. Here the row's values are read from the object (its columns, the keys of its
many-to-one relationships, the columns' Python defaults for what is unset), written
with one Core INSERT built once per table, and the object joins the session as the
persistent row it now is.

Only for objects whose mapper has no ORM insert events and that carry no collections
(Cairn's models have neither): those would be skipped. If the transaction rolls back,
the object stays in the session naming a row that is gone: like everything else an
operation that failed returned, it is not to be used.
"""

from __future__ import annotations

import functools
from typing import Any

import psycopg
import sqlalchemy as sa
from sqlalchemy.orm import Mapper, make_transient_to_detached
from sqlalchemy.orm.interfaces import MANYTOONE

from cairn.db import Base, db, execute_core


def insert_object(obj: Base) -> None:
    """INSERT `obj` (new, with an autoincrement primary key) and add it to the session
    as persistent, its id and defaults set as a flush would set them."""
    mapper: Mapper = sa.inspect(type(obj))
    new_id = execute_core(_insert(mapper.local_table), row_values(obj)).scalar_one()
    setattr(obj, mapper.get_property_by_column(mapper.primary_key[0]).key, new_id)
    join_as_stored(obj)


def row_values(obj: Base) -> dict[str, Any]:
    """The row a flush would write for the new `obj`, by column key: its columns, the
    keys of its many-to-one relationships and, for what is unset, the columns' Python
    defaults (set on the object too). A primary key not set yet is left to the database,
    and so is a column with only a server default: it loads when first read."""
    mapper: Mapper = sa.inspect(type(obj))
    _fill_foreign_keys(mapper, obj)
    return {column.key: _value(obj, key, column) for key, column in _columns(mapper)
            if key in obj.__dict__
            or (not column.primary_key
                and (column.default is not None or column.server_default is None))}


def join_as_stored(obj: Base) -> None:
    """Add `obj`, whose row was just inserted (its primary key set), to the session as
    that persistent row: `add()` must not INSERT it again."""
    make_transient_to_detached(obj)
    db.session.add(obj)


def _fill_foreign_keys(mapper: Mapper, obj: Base) -> None:
    """The foreign key columns of the many-to-one relationships set on `obj`."""
    for relationship in mapper.relationships:
        related = obj.__dict__.get(relationship.key)
        if relationship.direction is not MANYTOONE or related is None:
            continue
        related_mapper: Mapper = sa.inspect(type(related))
        for local, remote in relationship.local_remote_pairs:
            value = getattr(related, related_mapper.get_property_by_column(remote).key)
            setattr(obj, mapper.get_property_by_column(local).key, value)


@functools.cache
def _columns(mapper: Mapper) -> tuple[tuple[str, sa.Column], ...]:
    return tuple((prop.key, prop.columns[0]) for prop in mapper.column_attrs)


def _value(obj: Base, key: str, column: sa.Column) -> Any:
    """The attribute's value, or the column's Python default (set on the object too)."""
    if key in obj.__dict__:
        return obj.__dict__[key]
    default = column.default
    if default is None:
        value = None
    elif default.is_callable:
        value = default.arg(None)  # type: ignore[union-attr]  # wrapped: takes a context
    else:
        value = default.arg  # type: ignore[union-attr]
    setattr(obj, key, value)
    return value


@functools.cache
def _insert(table: sa.Table) -> sa.Insert:
    primary_key = next(iter(table.primary_key.columns))
    return sa.insert(table).returning(primary_key)


def copy_rows(table: sa.Table, rows: list[dict[str, Any]]) -> None:
    """INSERT many rows (of `row_values`, primary keys set) in the session's transaction:
    on PostgreSQL with COPY when every row sets the same columns, elsewhere (and for rows
    of different shapes) with an executemany. Each value goes through its column type's
    bind processing first, as SQLAlchemy would do it.

    COPY sends the rows as one stream, where an executemany binds every column of every
    row in SQLAlchemy and psycopg and PostgreSQL runs one statement per row: a batch of
    awards (30 columns, a 3 KB credential each) took a quarter of the CPU the executemany
    took. A row that breaks a constraint fails the whole COPY, raised as SQLAlchemy's
    IntegrityError like the executemany's."""
    if not rows:
        return
    keys = tuple(rows[0])
    connection = db.session.connection()
    if connection.dialect.name != "postgresql" or any(tuple(row) != keys for row in rows):
        connection.execute(sa.insert(table), rows)
        return
    sql, processors = _copy_statement(table, keys, connection.dialect)
    try:
        with connection.connection.driver_connection.cursor() as cursor, \
                cursor.copy(sql) as copy:
            for row in rows:
                copy.write_row([value if process is None else process(value)
                                for process, value in zip(processors, row.values(), strict=True)])
    except psycopg.IntegrityError as error:
        raise sa.exc.IntegrityError(sql, None, error) from error


@functools.cache
def _copy_statement(table: sa.Table, keys: tuple[str, ...], dialect: sa.Dialect,
                    ) -> tuple[str, tuple[Any, ...]]:
    """`COPY table (columns) FROM STDIN` and each column's bind processor (or None)."""
    columns = [table.c[key] for key in keys]
    preparer = dialect.identifier_preparer
    sql = (f"COPY {preparer.format_table(table)} "
           f"({', '.join(preparer.format_column(column) for column in columns)}) FROM STDIN")
    return sql, tuple(column.type.dialect_impl(dialect).bind_processor(dialect)
                      for column in columns)
