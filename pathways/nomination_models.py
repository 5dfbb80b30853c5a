"""Nominations: proposals that a person receive a badge, the validators' endorsements and
objections, and each badge class's nomination policy.

A badge class accepts nominations once an editor gives it a `NominationPolicy`: which
badge class makes its holders validators, and how many endorsements an approval needs.
A nomination is `open` until the issuer's editors approve or reject it (`decided_at`,
`decided_by_id`, `decision_note`; an approval records the award in `assertion_id`) or its
nominator withdraws it (`withdrawn_at`; `decided_at` stays empty: nobody decided).

At most one nomination of a person for a badge class is open at a time: a unique index
over the open rows only, so two nominators racing each other get one nomination and a
clear conflict, and a person can be nominated again once an earlier one closed.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from badges.models import Assertion, BadgeClass
from cairn.db import UTCDateTime, db, new_public_id, utcnow
from cairn.users import User
from recipients.models import Person, RecipientIdentity

STATUSES = ("open", "approved", "rejected", "withdrawn")
KINDS = ("endorse", "object")
_OPEN = sa.text("status = 'open'")


class NominationPolicy(db.Model):
    """That a badge class accepts nominations, and who validates them."""

    __tablename__ = "nomination_policies"
    id: Mapped[int] = mapped_column(primary_key=True)
    badge_class_id: Mapped[int] = mapped_column(
        sa.ForeignKey("badge_classes.id", ondelete="CASCADE"), unique=True)
    # Holders of this badge class (unrevoked, unsuspended, unexpired) endorse or object.
    validator_badge_class_id: Mapped[int] = mapped_column(
        sa.ForeignKey("badge_classes.id"), index=True)
    # Endorsements an approval needs; objections never block, editors weigh them.
    min_endorsements: Mapped[int] = mapped_column(default=0)
    # False stops new nominations; open ones can still be validated and decided.
    accepting: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    badge_class: Mapped[BadgeClass] = relationship(foreign_keys=[badge_class_id])
    validator_badge_class: Mapped[BadgeClass] = relationship(
        foreign_keys=[validator_badge_class_id])

    def __repr__(self) -> str:
        return f"<NominationPolicy {self.badge_class_id}>"


class Nomination(db.Model):
    __tablename__ = "nominations"
    __table_args__ = (
        sa.Index("ix_nominations_badge_class_id_created_at", "badge_class_id", "created_at"),
        sa.Index("ix_nominations_badge_class_id_decided_at", "badge_class_id", "decided_at"),
        sa.Index("uq_nominations_open_badge_class_id_identity_id", "badge_class_id",
                 "identity_id", unique=True, sqlite_where=_OPEN, postgresql_where=_OPEN),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(sa.String(32), unique=True, default=new_public_id)
    badge_class_id: Mapped[int] = mapped_column(sa.ForeignKey("badge_classes.id"))
    # The nominee: an identity as awards name recipients (the plain value stays private).
    identity_id: Mapped[int] = mapped_column(sa.ForeignKey("recipient_identities.id"),
                                             index=True)
    nominee_name: Mapped[str | None] = mapped_column(sa.String(200))
    statement: Mapped[str] = mapped_column(sa.Text)
    status: Mapped[str] = mapped_column(sa.String(16), default="open")
    # Who nominated (a user with a token); None for nominations made some other way.
    nominated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    decision_note: Mapped[str | None] = mapped_column(sa.Text)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The award an approval made.
    assertion_id: Mapped[int | None] = mapped_column(sa.ForeignKey("assertions.id"))
    badge_class: Mapped[BadgeClass] = relationship()
    identity: Mapped[RecipientIdentity] = relationship()
    nominated_by: Mapped[User | None] = relationship(foreign_keys=[nominated_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
    assertion: Mapped[Assertion | None] = relationship()
    endorsements: Mapped[list[NominationEndorsement]] = relationship(
        back_populates="nomination", order_by="NominationEndorsement.id",
        cascade="all, delete-orphan", passive_deletes=True)

    @property
    def endorsement_count(self) -> int:
        return sum(1 for item in self.endorsements if item.kind == "endorse")

    @property
    def objection_count(self) -> int:
        return sum(1 for item in self.endorsements if item.kind == "object")

    def __repr__(self) -> str:
        return f"<Nomination {self.public_id} {self.status}>"


class NominationEndorsement(db.Model):
    """One validator's stance on one nomination, given once. An endorsement is published
    as a signed EndorsementCredential (`credential`, signed once, never changed); an
    objection is seen by the issuer's staff and the nominator only."""

    __tablename__ = "nomination_endorsements"
    __table_args__ = (sa.UniqueConstraint("nomination_id", "person_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(sa.String(32), unique=True, default=new_public_id)
    nomination_id: Mapped[int] = mapped_column(
        sa.ForeignKey("nominations.id", ondelete="CASCADE"))
    # The validator, and the verified identity and award that made them one.
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id"), index=True)
    identity_id: Mapped[int] = mapped_column(sa.ForeignKey("recipient_identities.id"))
    validator_assertion_id: Mapped[int | None] = mapped_column(sa.ForeignKey("assertions.id"))
    # The user whose token gave it, when given through the API.
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(sa.String(16))
    comment: Mapped[str | None] = mapped_column(sa.Text)
    # The name the validator signs with (published in the credential of an endorsement).
    endorser_name: Mapped[str] = mapped_column(sa.String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    credential: Mapped[str | None] = mapped_column(sa.Text, deferred=True)
    nomination: Mapped[Nomination] = relationship(back_populates="endorsements")
    person: Mapped[Person] = relationship()
    validator_assertion: Mapped[Assertion | None] = relationship()

    def __repr__(self) -> str:
        return f"<NominationEndorsement {self.public_id} {self.kind}>"
