from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from cairn.db import UTCDateTime, db, utcnow


class IdentityType(enum.StrEnum):
    """How a recipient is known. The values are OB 2.0's IdentityObject types."""

    email = "email"
    url = "url"
    telephone = "telephone"
    did = "did"  # OB 3.0 only names it; OB 2.0 documents publish it as a url identity


class RecipientIdentity(db.Model):
    """One identity of a recipient, stored once however many badges it holds.

    The plain value is kept (mail must reach it, staff search by it) but is never
    published: documents carry a salted hash per award.
    """

    __tablename__ = "recipient_identities"
    __table_args__ = (sa.UniqueConstraint("type", "value"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    type: Mapped[IdentityType] = mapped_column(sa.Enum(IdentityType, native_enum=False,
                                                       length=16))
    value: Mapped[str] = mapped_column(sa.String(2000))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<RecipientIdentity {self.id} {self.type}>"
