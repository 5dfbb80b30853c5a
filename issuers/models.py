from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cairn.db import UTCDateTime, db, new_public_id, utcnow
from cairn.users import User


class Role(enum.StrEnum):
    """Staff roles, weakest first: each role can do what the ones before it can."""

    viewer = "viewer"
    awarder = "awarder"
    editor = "editor"
    owner = "owner"

    @property
    def rank(self) -> int:
        return list(Role).index(self)


class KeyType(enum.StrEnum):
    rsa = "rsa"  # OB 2.0 JWS (RS256) and VC-JWT RS256
    ed25519 = "ed25519"  # OB 3.0 eddsa-rdfc-2022 and VC-JWT EdDSA


class StatusMethod(enum.StrEnum):
    """Which credentialStatus an issuer's OB 3.0 credentials carry (docs/credentials.md)."""

    bitstring = "bitstring"  # W3C BitstringStatusListEntry: wallets, DCC, Digital Bazaar
    revocation_list = "1edtech"  # 1EdTechRevocationList: 1EdTech conformance tools


class Issuer(db.Model):
    __tablename__ = "issuers"
    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(sa.String(32), unique=True, default=new_public_id)
    name: Mapped[str] = mapped_column(sa.String(200))
    url: Mapped[str] = mapped_column(sa.String(2000))
    email: Mapped[str | None] = mapped_column(sa.String(320))
    description: Mapped[str | None] = mapped_column(sa.Text)
    status_method: Mapped[StatusMethod] = mapped_column(
        sa.Enum(StatusMethod, native_enum=False, length=16), default=StatusMethod.bitstring)
    # OB 3.0 issuer id: did:web (needs CAIRN_BASE_URL on HTTPS) instead of the Profile URL.
    did_web: Mapped[bool] = mapped_column(default=False)
    # How many status list entries were handed out; entry n lives in list group n // 65,536.
    status_entries: Mapped[int] = mapped_column(default=0)
    # A fingerprint of the SECRET_KEY that turned every one of those entries into an index
    # (badges/status.py); None once two secrets did: new indexes are then checked for clashes.
    status_secret: Mapped[str | None] = mapped_column(sa.String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    memberships: Mapped[list[Membership]] = relationship(
        back_populates="issuer", cascade="all, delete-orphan")
    keys: Mapped[list[SigningKey]] = relationship(
        back_populates="issuer", order_by="SigningKey.id", cascade="all, delete-orphan")

    def __repr__(self) -> str:
        return f"<Issuer {self.public_id}>"


class Membership(db.Model):
    __tablename__ = "memberships"
    __table_args__ = (sa.UniqueConstraint("issuer_id", "user_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    issuer_id: Mapped[int] = mapped_column(sa.ForeignKey("issuers.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[Role] = mapped_column(sa.Enum(Role, native_enum=False, length=16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    issuer: Mapped[Issuer] = relationship(back_populates="memberships")
    user: Mapped[User] = relationship()


class SigningKey(db.Model):
    """An issuer's key pair. The private half is encrypted (cairn.keyring) and never
    leaves the services; a retired key still verifies what it signed but signs nothing."""

    __tablename__ = "signing_keys"
    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(sa.String(32), unique=True, default=new_public_id)
    issuer_id: Mapped[int] = mapped_column(sa.ForeignKey("issuers.id", ondelete="CASCADE"),
                                           index=True)
    type: Mapped[KeyType] = mapped_column(sa.Enum(KeyType, native_enum=False, length=16))
    public_pem: Mapped[str] = mapped_column(sa.Text)
    private_encrypted: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    issuer: Mapped[Issuer] = relationship(back_populates="keys")

    def __repr__(self) -> str:
        return f"<SigningKey {self.public_id} {self.type}>"
