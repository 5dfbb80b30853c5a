"""One consistent view of the rows for counting a report and its memo: on PostgreSQL a
REPEATABLE READ transaction on a connection of the report's own (every statement sees the
same committed rows, the watermarks and the corrections epoch included); on SQLite, which
takes no such snapshot across statements here, the counts are bounded by row ids instead
(`visible` is None) and the epoch is read before them, so that a correction made while
counting shows as a newer epoch next time.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy.engine import Connection

from cairn.epochs import current_corrections
from reporting.tuning import on_connection, tune
from reporting.watermarks import Marks, visible_marks


@dataclass(frozen=True)
class Snapshot:
    connection: Connection
    corrections: int
    visible: Marks | None  # the highest ids seen; None: no snapshot, bound the counts


@contextlib.contextmanager
def open_snapshot(connection: Connection, tables: tuple[str, ...]) -> Iterator[Snapshot]:
    """Report statements in the block run on `connection`, in one snapshot when the
    database has them. Nothing is written in it; it ends with a rollback."""
    if connection.in_transaction():
        connection.commit()
    postgresql = connection.dialect.name == "postgresql"
    if postgresql:
        connection.execution_options(isolation_level="REPEATABLE READ")
    try:
        with on_connection(connection):
            tune(connection)
            corrections = current_corrections(connection)
            visible = visible_marks(connection, tables) if postgresql else None
            yield Snapshot(connection, corrections, visible)
    finally:
        connection.rollback()
        if postgresql:
            connection.execution_options(isolation_level="READ COMMITTED")
