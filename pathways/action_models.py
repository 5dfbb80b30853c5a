"""Action types, the sources that post actions, external handles, and the actions themselves.

Actions are instance-wide (no issuer) and never edited: a correction is a retraction, a new
row pointing at the action it withdraws.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cairn.db import UTCDateTime, db, new_public_id, utcnow
from recipients.models import RecipientIdentity

#: The type key a retraction shows; no action type may be created with it.
RETRACTION = "retraction"


class ActionType(db.Model):
    """What kind of thing happened (`partnership.closed`), and the JSON Schema its
    properties must satisfy. Never edited: actions recorded under it stay valid."""

    __tablename__ = "action_types"
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(100), unique=True)
    description: Mapped[str] = mapped_column(sa.Text, default="")
    properties_schema: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<ActionType {self.key}>"


class ActionSource(db.Model):
    """An outside system that may post signed webhooks. `secret` is the HMAC secret,
    encrypted at rest (cairn.keyring); it is shown once, when the source is created."""

    __tablename__ = "action_sources"
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(100), unique=True)
    description: Mapped[str] = mapped_column(sa.Text, default="")
    secret: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<ActionSource {self.key}>"


class PersonHandle(db.Model):
    """An external handle (`github:ada`) that stands for a recipient identity, so that a
    source which knows people only by handle can still post their actions."""

    __tablename__ = "person_handles"
    id: Mapped[int] = mapped_column(primary_key=True)
    handle: Mapped[str] = mapped_column(sa.String(200), unique=True)
    identity_id: Mapped[int] = mapped_column(sa.ForeignKey("recipient_identities.id"),
                                             index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    identity: Mapped[RecipientIdentity] = relationship()

    def __repr__(self) -> str:
        return f"<PersonHandle {self.id}>"


class Action(db.Model):
    """Something a person did, as a source reported it.

    `(source, external_id)` is unique, so a retried post is recorded once. A retraction has
    `retracts_id` set (unique: an action is withdrawn at most once), the person of the action
    it withdraws, and no type (`action_type_id` is NULL), so counting actions of a type never
    counts retractions; counts must leave out the actions that a retraction points at.
    """

    __tablename__ = "actions"
    __table_args__ = (
        sa.UniqueConstraint("source", "external_id"),
        sa.Index("ix_actions_identity_type_time", "identity_id", "action_type_id",
                 "occurred_at"),
        sa.Index("ix_actions_type_time", "action_type_id", "occurred_at"),
        sa.Index("ix_actions_occurred_at", "occurred_at"),  # reports over every type
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(sa.String(32), unique=True, default=new_public_id)
    action_type_id: Mapped[int | None] = mapped_column(sa.ForeignKey("action_types.id"))
    identity_id: Mapped[int] = mapped_column(sa.ForeignKey("recipient_identities.id"))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    properties: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    source: Mapped[str] = mapped_column(sa.String(100))
    external_id: Mapped[str] = mapped_column(sa.String(200))
    retracts_id: Mapped[int | None] = mapped_column(sa.ForeignKey("actions.id"), unique=True)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    action_type: Mapped[ActionType | None] = relationship()
    identity: Mapped[RecipientIdentity] = relationship()
    retracts: Mapped[Action | None] = relationship(remote_side=[id])

    @property
    def type_key(self) -> str:
        return RETRACTION if self.action_type is None else self.action_type.key

    def __repr__(self) -> str:
        return f"<Action {self.public_id}>"
