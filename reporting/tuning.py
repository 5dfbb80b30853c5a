"""How report statements run: on which connection, and with which PostgreSQL settings.

A report counted for a memo (reporting/memo.py) runs on a connection of its own, inside
one snapshot (reporting/snapshot.py); `on_connection` makes every report statement in the
block go there. Anything else runs in the request's session.

Two server defaults suit the application's short statements and not a report's: JIT
compilation (the benchmark's plans spent about 200 ms compiling a statement that ran in
under a second), and the 4 MB `work_mem` under which the hash aggregates of a year of
actions spill to temporary files. Each report statement runs with JIT off and a larger
`work_mem`, set for the current transaction only (`SET LOCAL`), so nothing else on the
pooled connection is affected.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar

import sqlalchemy as sa
import sqlalchemy.orm
from sqlalchemy.engine import Connection, Result

from cairn.db import db

WORK_MEM = "64MB"

_connection: ContextVar[Connection | None] = ContextVar("report_connection", default=None)


@contextlib.contextmanager
def on_connection(connection: Connection) -> Iterator[None]:
    token = _connection.set(connection)
    try:
        yield
    finally:
        _connection.reset(token)


def tune(executor: Connection | sa.orm.Session) -> None:
    """The settings above, for the executor's current transaction."""
    if db.session.get_bind().dialect.name == "postgresql":
        executor.execute(sa.text(f"SET LOCAL work_mem = '{WORK_MEM}'"))
        executor.execute(sa.text("SET LOCAL jit = off"))


def run_report(statement: sa.Executable) -> Result:
    """Execute a report statement with the settings above (a report connection has them
    for its whole snapshot already)."""
    connection = _connection.get()
    if connection is not None:
        return connection.execute(statement)
    tune(db.session)
    return db.session.execute(statement)
