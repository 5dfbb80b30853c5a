"""Who a row is about, as one number per person: reports count people, not identities.

An identity verified by a person (recipients.models.PersonIdentity with `verified_at`) is
that person: the key is minus the person's id. Any other identity (never claimed, or
claimed without proof, which proves nothing) counts as a person of its own: the key is the
identity's id. Ids are positive, so the two kinds never meet.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from recipients.models import PersonIdentity


def with_person(query: sa.Select, identity_column: sa.ColumnElement
                ) -> tuple[sa.Select, sa.ColumnElement]:
    """`query` joined to the verified person of `identity_column`, and the person key."""
    link = aliased(PersonIdentity)
    joined = query.outerjoin(link, sa.and_(link.identity_id == identity_column,
                                           link.verified_at.is_not(None)))
    return joined, sa.func.coalesce(-link.person_id, identity_column)
