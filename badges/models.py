from __future__ import annotations

from datetime import datetime
from uuid import uuid4

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cairn.db import UTCDateTime, db, new_public_id, utcnow
from issuers.models import Issuer, SigningKey
from recipients.models import IdentityType, RecipientIdentity


class BadgeClass(db.Model):
    __tablename__ = "badge_classes"
    __table_args__ = (sa.Index("ix_badge_classes_issuer_id_id", "issuer_id", "id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(sa.String(32), unique=True, default=new_public_id)
    issuer_id: Mapped[int] = mapped_column(sa.ForeignKey("issuers.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text)
    criteria_narrative: Mapped[str | None] = mapped_column(sa.Text)
    criteria_url: Mapped[str | None] = mapped_column(sa.String(2000))
    tags: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    alignments: Mapped[list[dict]] = mapped_column(sa.JSON, default=list)
    expires_after_days: Mapped[int | None]
    # Suspendable awards carry a suspension status entry instead of a revocation one.
    suspendable: Mapped[bool] = mapped_column(default=False)
    # Whether an active milestone's rule depends on holding this badge class (kept by
    # pathways' write_triggers): only then is an award followed by a pathway evaluation.
    watched_by_milestones: Mapped[bool] = mapped_column(default=False,
                                                        server_default=sa.false())
    # The uploaded image as cleaned (sanitised SVG or the original PNG bytes) ...
    image: Mapped[bytes] = mapped_column(sa.LargeBinary, deferred=True)
    image_type: Mapped[str] = mapped_column(sa.String(32))
    # ... and a PNG of it, rasterised once, so that every award can be baked as PNG.
    image_png: Mapped[bytes | None] = mapped_column(sa.LargeBinary, deferred=True)
    image_width: Mapped[int] = mapped_column(default=0)
    image_height: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    issuer: Mapped[Issuer] = relationship()

    def __repr__(self) -> str:
        return f"<BadgeClass {self.public_id}>"


class Assertion(db.Model):
    """One badge awarded to one recipient. Revocation sets revoked_at and keeps the row."""

    __tablename__ = "assertions"
    __table_args__ = (
        sa.UniqueConstraint("awarded_by_id", "idempotency_key"),
        sa.UniqueConstraint("issuer_id", "status_group", "status_index"),
        sa.Index("ix_assertions_issuer_id_id", "issuer_id", "id"),
        sa.Index("ix_assertions_badge_class_id_id", "badge_class_id", "id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(sa.String(32), unique=True, default=new_public_id)
    badge_class_id: Mapped[int] = mapped_column(sa.ForeignKey("badge_classes.id"))
    issuer_id: Mapped[int] = mapped_column(sa.ForeignKey("issuers.id"))
    recipient_identity_id: Mapped[int] = mapped_column(
        sa.ForeignKey("recipient_identities.id"), index=True)
    recipient_type: Mapped[IdentityType] = mapped_column(
        sa.Enum(IdentityType, native_enum=False, length=16))
    recipient_salt: Mapped[str] = mapped_column(sa.String(64))
    recipient_hash: Mapped[str] = mapped_column(sa.String(80))
    recipient_name: Mapped[str | None] = mapped_column(sa.String(200))
    issued_on: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    evidence: Mapped[list[dict]] = mapped_column(sa.JSON, default=list)
    narrative: Mapped[str | None] = mapped_column(sa.Text)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revocation_reason: Mapped[str | None] = mapped_column(sa.Text)
    suspended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    suspension_reason: Mapped[str | None] = mapped_column(sa.Text)
    # Whether its recipient shows it on their public profile (/people/<slug>).
    shown_on_profile: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    # Where the award sits in the issuer's status lists (the same index in each purpose's list).
    status_group: Mapped[int | None]
    status_index: Mapped[int | None]
    # The status entry its credential carries: "revocation", "suspension" (bitstring
    # entries of that purpose) or "1edtech" (1EdTechRevocationList); fixed at award time.
    credential_status: Mapped[str | None] = mapped_column(sa.String(16))
    # The OB 3.0 credential: Data Integrity JSON and VC-JWTs, signed once at award time.
    credential: Mapped[str | None] = mapped_column(sa.Text, deferred=True)
    credential_jwt: Mapped[str | None] = mapped_column(sa.Text, deferred=True)
    credential_jwt_eddsa: Mapped[str | None] = mapped_column(sa.Text, deferred=True)
    awarded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    idempotency_key: Mapped[str | None] = mapped_column(sa.String(200))
    request_hash: Mapped[str | None] = mapped_column(sa.String(64))
    # The OB 2.0 signed assertion, signed once at award time and never changed.
    signed_id: Mapped[str] = mapped_column(sa.String(64), default=lambda: f"urn:uuid:{uuid4()}")
    signed_jws: Mapped[str | None] = mapped_column(sa.Text, deferred=True)
    signing_key_id: Mapped[int | None] = mapped_column(sa.ForeignKey("signing_keys.id"))
    badge_class: Mapped[BadgeClass] = relationship()
    issuer: Mapped[Issuer] = relationship()
    recipient: Mapped[RecipientIdentity] = relationship()
    signing_key: Mapped[SigningKey | None] = relationship()

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None

    @property
    def badge_class_public_id(self) -> str:
        return self.badge_class.public_id

    def __repr__(self) -> str:
        return f"<Assertion {self.public_id}>"


class StatusList(db.Model):
    """One W3C Bitstring Status List of an issuer: a purpose and a group of 131,072 entries.
    Rows appear when first needed; the signed list credential is stored and re-signed
    whenever a bit changes."""

    __tablename__ = "status_lists"
    __table_args__ = (sa.UniqueConstraint("issuer_id", "purpose", "group"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    issuer_id: Mapped[int] = mapped_column(sa.ForeignKey("issuers.id", ondelete="CASCADE"))
    purpose: Mapped[str] = mapped_column(sa.String(16))
    group: Mapped[int]
    bits: Mapped[bytes] = mapped_column(sa.LargeBinary)
    credential: Mapped[str | None] = mapped_column(sa.Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    issuer: Mapped[Issuer] = relationship()

    @property
    def slug(self) -> str:
        return f"{self.purpose}-{self.group}"
