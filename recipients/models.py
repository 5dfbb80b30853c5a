from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cairn.db import UTCDateTime, db, new_public_id, utcnow


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


class Person(db.Model):
    """Someone who holds badges: signs in by email link (never a password) and gathers
    their identities. Staff users are a separate thing (cairn.users)."""

    __tablename__ = "people"
    id: Mapped[int] = mapped_column(primary_key=True)
    # The public profile lives at /people/<slug>; random, so people cannot be walked.
    slug: Mapped[str] = mapped_column(sa.String(32), unique=True, default=new_public_id)
    display_name: Mapped[str | None] = mapped_column(sa.String(200))
    # A master switch over the profile; each award is also shown only once switched on.
    profile_public: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<Person {self.slug}>"


class PersonIdentity(db.Model):
    """An identity held by a person. An identity belongs to at most one person; the link
    counts (its awards are the person's) only once verified: an email by a mailed link, a
    URL by a page that links back, a DID by a signed challenge. An unverified link proves
    nothing, so whoever verifies the identity first takes it over."""

    __tablename__ = "person_identities"
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id", ondelete="CASCADE"),
                                           index=True)
    identity_id: Mapped[int] = mapped_column(sa.ForeignKey("recipient_identities.id"),
                                             unique=True)
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    person: Mapped[Person] = relationship()
    identity: Mapped[RecipientIdentity] = relationship()

    def __repr__(self) -> str:
        return f"<PersonIdentity {self.person_id} {self.identity_id}>"


class UsedToken(db.Model):
    """The nonce of every mailed link accepted: a link works once. The unique key, not a
    read before the write, is what refuses a second use (two at once included)."""

    __tablename__ = "used_tokens"
    id: Mapped[int] = mapped_column(primary_key=True)
    nonce: Mapped[str] = mapped_column(sa.String(64), unique=True)
    used_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
