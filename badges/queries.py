"""Read paths that are hot enough to skip the ORM: the public hosted assertion is the
most requested URL Cairn serves (every verifier and backpack fetches it)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Row

from badges.models import Assertion, BadgeClass
from cairn.db import db

#: What an OB 2.0 hosted assertion needs, under the same names as on `Assertion`.
HOSTED_COLUMNS = (
    Assertion.public_id, BadgeClass.public_id.label("badge_class_public_id"),
    Assertion.recipient_type, Assertion.recipient_hash, Assertion.recipient_salt,
    Assertion.issued_on, Assertion.expires_at, Assertion.evidence, Assertion.narrative,
    Assertion.revoked_at, Assertion.revocation_reason,
)
HostedRow = Row

_HOSTED = sa.select(*HOSTED_COLUMNS).join(BadgeClass, BadgeClass.id == Assertion.badge_class_id)


def find_hosted(public_id: str) -> HostedRow | None:
    return db.session.execute(_HOSTED.where(Assertion.public_id == public_id)).first()
