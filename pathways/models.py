"""Pathways, their milestones, the versions of each milestone's rule, and the awards
the rules made.

A milestone's rule is never changed in place: an edit adds a `RuleVersion`, so every
award can name the exact rule it was made under. `MilestoneAward` is the guarantee that a
milestone awards its badge once per person: a unique (milestone, identity) row, written
in the same transaction as the assertion.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from badges.models import Assertion, BadgeClass
from cairn.db import UTCDateTime, db, new_public_id, utcnow
from issuers.models import Issuer
from recipients.models import RecipientIdentity


class Pathway(db.Model):
    __tablename__ = "pathways"
    __table_args__ = (sa.Index("ix_pathways_issuer_id_id", "issuer_id", "id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(sa.String(32), unique=True, default=new_public_id)
    issuer_id: Mapped[int] = mapped_column(sa.ForeignKey("issuers.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str | None] = mapped_column(sa.Text)
    # Mail each milestone award to its recipient (email identities), as `notify` does.
    notify: Mapped[bool] = mapped_column(default=False)
    # Rules award as this user (see pathways/evaluation.py: awarding_actor).
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    issuer: Mapped[Issuer] = relationship()
    # Every milestone, archived ones included; `active_milestones` is what is evaluated.
    milestones: Mapped[list[Milestone]] = relationship(
        back_populates="pathway", order_by="Milestone.position",
        cascade="all, delete-orphan")

    @property
    def active_milestones(self) -> list[Milestone]:
        return sorted((milestone for milestone in self.milestones
                       if milestone.archived_at is None), key=lambda m: m.position)

    def __repr__(self) -> str:
        return f"<Pathway {self.public_id}>"


class Milestone(db.Model):
    """A step of a pathway. `version` is the number of its current RuleVersion. A
    milestone removed from its pathway is archived (kept with its versions and awards,
    no longer evaluated); naming its key again restores it."""

    __tablename__ = "milestones"
    __table_args__ = (sa.UniqueConstraint("pathway_id", "key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(sa.String(32), unique=True, default=new_public_id)
    pathway_id: Mapped[int] = mapped_column(sa.ForeignKey("pathways.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(sa.String(64))
    name: Mapped[str] = mapped_column(sa.String(200))
    position: Mapped[int]
    badge_class_id: Mapped[int] = mapped_column(sa.ForeignKey("badge_classes.id"), index=True)
    version: Mapped[int] = mapped_column(default=1)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    pathway: Mapped[Pathway] = relationship(back_populates="milestones")
    badge_class: Mapped[BadgeClass] = relationship()
    versions: Mapped[list[RuleVersion]] = relationship(
        back_populates="milestone", order_by="RuleVersion.version",
        cascade="all, delete-orphan")

    @property
    def current(self) -> RuleVersion:
        return next(version for version in self.versions if version.version == self.version)

    @property
    def rule(self) -> dict[str, Any]:
        return self.current.rule

    def __repr__(self) -> str:
        return f"<Milestone {self.public_id} {self.key!r} v{self.version}>"


class RuleVersion(db.Model):
    """One version of a milestone's rule (normalised by pathways.rules.check_rule);
    written once and never changed."""

    __tablename__ = "rule_versions"
    __table_args__ = (sa.UniqueConstraint("milestone_id", "version"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    milestone_id: Mapped[int] = mapped_column(sa.ForeignKey("milestones.id",
                                                            ondelete="CASCADE"))
    version: Mapped[int]
    rule: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    milestone: Mapped[Milestone] = relationship(back_populates="versions")

    def __repr__(self) -> str:
        return f"<RuleVersion {self.milestone_id} v{self.version}>"


class MilestoneTrigger(db.Model):
    """What can change whether a milestone holds: an action type or a badge class its
    current rule depends on, directly or through the milestones it refers to. Derived
    from the rules and rewritten with them; it lets a new action or award find the
    milestones to evaluate with one indexed read."""

    __tablename__ = "milestone_triggers"
    __table_args__ = (sa.UniqueConstraint("milestone_id", "kind", "key"),
                      sa.Index("ix_milestone_triggers_kind_key", "kind", "key"))
    id: Mapped[int] = mapped_column(primary_key=True)
    milestone_id: Mapped[int] = mapped_column(sa.ForeignKey("milestones.id",
                                                            ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(sa.String(16))  # "action" (type key) or "badge"
    key: Mapped[str] = mapped_column(sa.String(200))


class MilestoneAward(db.Model):
    """A milestone reached by a person and the award it made: the rule version it was
    made under and the actions that met the rule. Unique per (milestone, identity)."""

    __tablename__ = "milestone_awards"
    __table_args__ = (sa.UniqueConstraint("milestone_id", "identity_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    milestone_id: Mapped[int] = mapped_column(sa.ForeignKey("milestones.id",
                                                            ondelete="CASCADE"))
    identity_id: Mapped[int] = mapped_column(sa.ForeignKey("recipient_identities.id"),
                                             index=True)
    # Set in the transaction that inserts the row: the new award, or the award of the
    # badge class the person already held.
    assertion_id: Mapped[int | None] = mapped_column(sa.ForeignKey("assertions.id"),
                                                     index=True)
    rule_version_id: Mapped[int] = mapped_column(sa.ForeignKey("rule_versions.id"))
    # Public ids of the actions that met the rule.
    action_ids: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    milestone: Mapped[Milestone] = relationship()
    identity: Mapped[RecipientIdentity] = relationship()
    assertion: Mapped[Assertion | None] = relationship()
    rule_version: Mapped[RuleVersion] = relationship()
