"""Recipient identities: normalised, validated and stored once."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from urllib.parse import urlsplit

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from cairn.db import db, execute_core, utcnow
from cairn.inserts import join_as_stored
from recipients.errors import InvalidIdentity
from recipients.models import IdentityType, RecipientIdentity

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_TELEPHONE = re.compile(r"^\+[1-9]\d{6,14}$")
_DID = re.compile(r"^did:[a-z0-9]+:[A-Za-z0-9._:%-]*[A-Za-z0-9._%-]$")  # W3C DID Core §3.1


def normalise_identity(identity_type: IdentityType, value: str) -> str:
    """The canonical form that is hashed and compared; raises InvalidIdentity."""
    value = value.strip()
    if identity_type is IdentityType.email:
        if not _EMAIL.match(value) or len(value) > 320:
            raise _invalid("Not a valid email address.")
        return value.lower()
    if identity_type is IdentityType.telephone:
        digits = re.sub(r"[\s().-]", "", value)
        if not _TELEPHONE.match(digits):
            raise _invalid("Not a telephone number in international form (+15551234567).")
        return digits
    if identity_type is IdentityType.did:
        if not _DID.match(value):
            raise _invalid("Not a DID (did:method:identifier).")
        return value
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise _invalid("Not an http(s) URL.")
    return value


def _invalid(message: str) -> InvalidIdentity:
    return InvalidIdentity("The recipient is not valid.", {"recipient": {"identity": [message]}})


def find_identity(identity_type: IdentityType, value: str) -> RecipientIdentity | None:
    value = normalise_identity(identity_type, value)
    return db.session.scalar(sa.select(RecipientIdentity).where(
        RecipientIdentity.type == identity_type, RecipientIdentity.value == value))


_INSERTS = {"postgresql": postgresql_insert, "sqlite": sqlite_insert}


def resolve_identity(identity_type: IdentityType, value: str) -> RecipientIdentity:
    """Get or create the identity (joins the caller's transaction; safe under races: an
    INSERT .. ON CONFLICT DO NOTHING, then a read if another transaction had it first).

    The INSERT returns the new id only, and the object is made from the values inserted:
    an ORM INSERT .. RETURNING the entity costs about six times as much Python, once per
    award."""
    value = normalise_identity(identity_type, value)
    insert, select = _identity_statements(db.session.get_bind().dialect.name)
    params = {"type": identity_type, "value": value}
    created_at = utcnow()
    new_id = execute_core(insert, {**params, "created_at": created_at}).scalar()
    if new_id is None:
        return db.session.scalar(select, params)
    identity = RecipientIdentity(id=new_id, created_at=created_at, **params)
    join_as_stored(identity)
    return identity


@functools.cache
def _identity_statements(dialect: str) -> tuple[sa.Insert, sa.Select]:
    """`resolve_identity`'s statements, built once per dialect: every award runs them."""
    table, kind, value = RecipientIdentity.__table__, sa.bindparam("type"), sa.bindparam("value")
    insert = (_INSERTS[dialect](table)
              .values(type=kind, value=value, created_at=sa.bindparam("created_at"))
              .on_conflict_do_nothing().returning(table.c.id))
    select = sa.select(RecipientIdentity).where(RecipientIdentity.type == kind,
                                                RecipientIdentity.value == value)
    return insert, select


def resolve_identities(
        pairs: Iterable[tuple[IdentityType, str]]) -> dict[tuple[IdentityType, str],
                                                            RecipientIdentity]:
    """Get or create many identities with one INSERT and one SELECT per type, keyed by
    their normalised (type, value). Rows are inserted in sorted order, so two concurrent
    batches lock them in the same order on PostgreSQL and cannot deadlock."""
    wanted = sorted({(kind, normalise_identity(kind, value)) for kind, value in pairs})
    if not wanted:
        return {}
    insert = _INSERTS[db.session.get_bind().dialect.name]
    now = utcnow()
    db.session.execute(insert(RecipientIdentity.__table__).values(
        [{"type": kind, "value": value, "created_at": now} for kind, value in wanted])
        .on_conflict_do_nothing())
    found: dict[tuple[IdentityType, str], RecipientIdentity] = {}
    for kind in {kind for kind, _ in wanted}:
        values = [value for other, value in wanted if other is kind]
        for identity in db.session.scalars(sa.select(RecipientIdentity).where(
                RecipientIdentity.type == kind, RecipientIdentity.value.in_(values))):
            found[(identity.type, identity.value)] = identity
    return found
