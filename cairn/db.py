"""The SQLAlchemy handle, the model base and the transaction boundary.

Services own transactions (style.md §3): `with transaction():` commits when the
outermost block ends and rolls back on any exception; nested blocks join it.
"""

from __future__ import annotations

import contextlib
import secrets
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


# Objects stay loaded after a commit: a service returns what it committed and the view
# renders it without reading every row again.
db = SQLAlchemy(model_class=Base, session_options={"expire_on_commit": False})


def utcnow() -> datetime:
    return datetime.now(UTC)


def new_public_id() -> str:
    """Opaque, URL-safe and not guessable: ids must not let anyone walk the assertions.
    Never starting with `-` or `_`: such an id reads as an option on a command line and
    as a formula in a spreadsheet (which an export would have to quote)."""
    while True:
        public_id = secrets.token_urlsafe(12)
        if public_id[0].isalnum():
            return public_id


def new_uuid() -> uuid.UUID:
    return uuid.uuid4()


class UTCDateTime(sa.types.TypeDecorator):
    """Timezone-aware UTC datetimes on every database (SQLite drops offsets)."""

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect):
        return None if value is None else value.replace(tzinfo=UTC)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record) -> None:
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.close()


def execute_core(statement: sa.Executable, params: dict[str, Any]) -> sa.CursorResult:
    """Run a Core statement in the session's transaction, skipping the ORM's execute
    step (about 25 us a statement): for the few statements every request runs."""
    return db.session.connection().execute(statement, params)


@contextlib.contextmanager
def transaction() -> Iterator[None]:
    """Commit at the end of the outermost block, roll back on any exception."""
    info = db.session.info
    depth = info.get("cairn_tx_depth", 0)
    info["cairn_tx_depth"] = depth + 1
    try:
        yield
        if depth == 0:
            db.session.commit()
    except BaseException:
        if depth == 0:
            db.session.rollback()
        raise
    finally:
        info["cairn_tx_depth"] = depth
