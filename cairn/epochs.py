"""The corrections epoch: a counter that goes up, in the same transaction, with every
change that alters rows already written and read by reports (a revocation, a suspension
or its end, an identity verified for a person, a nomination decided or withdrawn).

Reports keep exact figures together with the newest row ids they counted
(reporting/memo.py); rows added later are counted on top, but a row changed in place
cannot be told apart from an unchanged one. Such changes are rare, so instead of tracking
them one by one they move this counter, and figures kept under an older value are worked
out again from scratch.

The counter is one row, updated with an upsert: each bump waits for the previous one to
commit, so the values are committed in order and a snapshot that reads value v sees every
correction up to v and none after. Callers bump as the last write of their transaction,
so that the row lock is held as briefly as possible.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Mapped, mapped_column

from cairn.db import db

#: The id of the one row.
ROW = 1


class CorrectionEpoch(db.Model):
    __tablename__ = "correction_epochs"
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    value: Mapped[int] = mapped_column(sa.BigInteger, default=0)


def bump_corrections() -> None:
    """Count one correction, inside the caller's transaction."""
    table = CorrectionEpoch.__table__
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    statement = dialect.insert(table).values(id=ROW, value=1)
    db.session.execute(statement.on_conflict_do_update(
        index_elements=[table.c.id], set_={"value": table.c.value + 1}))


def current_corrections(connection: Connection | None = None) -> int:
    """The counter as the given connection's transaction sees it (0 before the first)."""
    query = sa.select(CorrectionEpoch.value).where(CorrectionEpoch.id == ROW)
    value = (connection or db.session).execute(query).scalar()
    return value or 0
