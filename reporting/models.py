"""Programs, their objectives and key results, and the values recorded by hand.

A program is what a dashboard shows and what objectives belong to: one issuer or a group
of issuers, read in one time zone. An issuer gets its own program implicitly the first time
an objective is posted for it (`own_issuer_id`); programs covering several issuers are
made explicitly. Reports read every package below; these tables are the only ones
reporting writes.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cairn.db import UTCDateTime, db, new_public_id, utcnow
from issuers.models import Issuer

program_issuers = sa.Table(
    "program_issuers", db.metadata,
    sa.Column("program_id", sa.ForeignKey("programs.id", ondelete="CASCADE"),
              primary_key=True),
    sa.Column("issuer_id", sa.ForeignKey("issuers.id", ondelete="CASCADE"), primary_key=True,
              index=True),
)


class Program(db.Model):
    __tablename__ = "programs"
    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(sa.String(32), unique=True, default=new_public_id)
    # The public dashboard lives at /dashboards/<slug>.
    slug: Mapped[str] = mapped_column(sa.String(64), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str | None] = mapped_column(sa.Text)
    # An IANA name; reports put their weeks, months and quarters in this zone.
    time_zone: Mapped[str] = mapped_column(sa.String(64), default="UTC")
    # Whether /dashboards/<slug> is shown to anyone (it never shows personal data).
    public: Mapped[bool] = mapped_column(default=False)
    # Action types whose actions are the program's (actions have no issuer); empty: all.
    action_types: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    # Set on the program made implicitly for one issuer's objectives; one per issuer.
    own_issuer_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("issuers.id", ondelete="CASCADE"), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    issuers: Mapped[list[Issuer]] = relationship(secondary=program_issuers,
                                                 order_by=Issuer.id)
    objectives: Mapped[list[Objective]] = relationship(
        back_populates="program", order_by="Objective.id", cascade="all, delete-orphan")

    def __repr__(self) -> str:
        return f"<Program {self.public_id} {self.slug!r}>"


class Objective(db.Model):
    """A program's goal for a period (a quarter unless given)."""

    __tablename__ = "objectives"
    __table_args__ = (sa.Index("ix_objectives_program_id_id", "program_id", "id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(sa.String(32), unique=True, default=new_public_id)
    program_id: Mapped[int] = mapped_column(sa.ForeignKey("programs.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str | None] = mapped_column(sa.Text)
    # Local dates in the program's time zone, both included.
    period_start: Mapped[date]
    period_end: Mapped[date]
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    program: Mapped[Program] = relationship(back_populates="objectives")
    key_results: Mapped[list[KeyResult]] = relationship(
        back_populates="objective", order_by="KeyResult.position",
        cascade="all, delete-orphan")

    def __repr__(self) -> str:
        return f"<Objective {self.public_id}>"


class KeyResult(db.Model):
    """A measurable result of an objective: a metric (reporting/metric_specs.py) compared
    with a target over a period, the objective's unless the key result has its own."""

    __tablename__ = "key_results"
    __table_args__ = (sa.Index("ix_key_results_objective_id_position", "objective_id",
                               "position"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(sa.String(32), unique=True, default=new_public_id)
    objective_id: Mapped[int] = mapped_column(sa.ForeignKey("objectives.id",
                                                            ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(sa.String(200))
    position: Mapped[int] = mapped_column(default=0)
    target: Mapped[float]
    unit: Mapped[str] = mapped_column(sa.String(32), default="")
    # None: the objective's period.
    period_start: Mapped[date | None]
    period_end: Mapped[date | None]
    # The checked metric, naming badge classes and pathways by public id, action types by key.
    metric: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    objective: Mapped[Objective] = relationship(back_populates="key_results")

    @property
    def start(self) -> date:
        return self.period_start or self.objective.period_start

    @property
    def end(self) -> date:
        return self.period_end or self.objective.period_end

    @property
    def program(self) -> Program:
        return self.objective.program

    def __repr__(self) -> str:
        return f"<KeyResult {self.public_id}>"


class ManualValue(db.Model):
    """A value recorded by hand for a `manual` key result (a survey's NPS): the date it
    stands for and a note saying where it comes from."""

    __tablename__ = "manual_values"
    __table_args__ = (sa.Index("ix_manual_values_key_result_id_recorded_on", "key_result_id",
                               "recorded_on"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(sa.String(32), unique=True, default=new_public_id)
    key_result_id: Mapped[int] = mapped_column(sa.ForeignKey("key_results.id",
                                                             ondelete="CASCADE"))
    recorded_on: Mapped[date]
    value: Mapped[float]
    note: Mapped[str] = mapped_column(sa.Text, default="")
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    key_result: Mapped[KeyResult] = relationship()

    def __repr__(self) -> str:
        return f"<ManualValue {self.public_id}>"


class ReportMemo(db.Model):
    """The exact figures of one report computation, kept so that the next request counts
    only what changed since (reporting/memo.py). `key` hashes the computation's
    signature (kept beside it for reading); `figures` are per-bucket numbers (whole
    numbers, or decimals as text); `marks` are, per table, the highest row id counted, and
    every lower id is settled (reporting/watermarks.py); `corrections` is the corrections
    epoch (cairn/epochs.py) the figures were counted under; before `horizon` no counted
    row's time reaches the window's end (None: never)."""

    __tablename__ = "report_memos"
    key: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    signature: Mapped[str] = mapped_column(sa.Text)
    figures: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    marks: Mapped[dict[str, int]] = mapped_column(sa.JSON)
    corrections: Mapped[int] = mapped_column(sa.BigInteger)
    horizon: Mapped[datetime | None] = mapped_column(UTCDateTime)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    used_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    def __repr__(self) -> str:
        return f"<ReportMemo {self.key[:12]}>"
