"""Read paths of the staff pages: an issuer's overview and the award search.

`awards.list_assertions` serves the API (exact recipient, revoked or not); staff also
search by part of a recipient's name or address and filter suspended awards. Staff of
an issuer may see its recipients' plain addresses; the public pages never show them.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager, joinedload

from badges.models import Assertion, BadgeClass
from badges.services import list_badge_classes
from cairn.auth import Actor
from cairn.db import db
from issuers.models import Issuer, Membership, SigningKey
from issuers.permissions import PERMISSIONS, role_of
from issuers.services import get_issuer, list_keys, list_members
from recipients.models import RecipientIdentity

#: The statuses the award list filters by: not revoked nor suspended, or either.
AWARD_STATUSES = ("active", "suspended", "revoked")
#: Badge classes shown on an issuer's page (the page says when there are more).
OVERVIEW_BADGE_CLASSES = 200
RECENT_AWARDS = 10


def allowed_actions(actor: Actor, issuer: Issuer) -> frozenset[str]:
    """What the actor may do at the issuer (permission names), so that a page offers only
    the buttons that will work; the services check again when they are pressed."""
    role = role_of(actor, issuer)
    if role is None:
        return frozenset()
    return frozenset(action for action, (scope, weakest) in PERMISSIONS.items()
                     if actor.has_scope(scope) and role.rank >= weakest.rank)


@dataclass(frozen=True)
class AwardSearch:
    text: str | None = None  # part of the recipient's name or identity (email, URL, ...)
    badge_class: str | None = None  # a badge class's public id
    status: str | None = None  # one of AWARD_STATUSES


def search_awards(actor: Actor, issuer_public_id: str, search: AwardSearch, *, limit: int,
                  before: int | None = None) -> list[Assertion]:
    """The issuer's awards matching `search`, newest first; fetches limit + 1 rows so
    that the caller can tell whether there is a next page (cairn.http.page)."""
    issuer = get_issuer(actor, issuer_public_id)
    query = (_matching(issuer, search)
             .options(contains_eager(Assertion.recipient), joinedload(Assertion.badge_class))
             .order_by(Assertion.id.desc()).limit(limit + 1))
    if before is not None:
        query = query.where(Assertion.id < before)
    return list(db.session.scalars(query))


def _matching(issuer: Issuer, search: AwardSearch, *columns) -> sa.Select:
    query = (sa.select(*(columns or (Assertion,)))
             .join(RecipientIdentity, RecipientIdentity.id == Assertion.recipient_identity_id)
             .where(Assertion.issuer_id == issuer.id))
    return query.where(*_conditions(search))


def _count(issuer: Issuer, search: AwardSearch) -> int:
    return db.session.scalar(_matching(issuer, search, sa.func.count(Assertion.id)))


def _conditions(search: AwardSearch) -> list:
    conditions: list = []
    if search.text and search.text.strip():
        pattern = "%" + _escape_like(search.text.strip()) + "%"
        conditions.append(sa.or_(Assertion.recipient_name.ilike(pattern, escape="\\"),
                                 RecipientIdentity.value.ilike(pattern, escape="\\")))
    if search.badge_class:
        conditions.append(Assertion.badge_class_id == sa.select(BadgeClass.id).where(
            BadgeClass.public_id == search.badge_class).scalar_subquery())
    if search.status == "active":
        conditions += [Assertion.revoked_at.is_(None), Assertion.suspended_at.is_(None)]
    elif search.status == "suspended":
        conditions += [Assertion.revoked_at.is_(None), Assertion.suspended_at.is_not(None)]
    elif search.status == "revoked":
        conditions.append(Assertion.revoked_at.is_not(None))
    return conditions


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


@dataclass(frozen=True)
class IssuerOverview:
    issuer: Issuer
    allowed: frozenset[str]
    badge_classes: list[BadgeClass]
    more_badge_classes: bool
    award_counts: dict[int, int]  # badge class id -> awards not revoked
    recent_awards: list[Assertion]
    members: list[Membership]
    keys: list[SigningKey]


def issuer_overview(actor: Actor, issuer_public_id: str) -> IssuerOverview:
    """Everything the issuer's staff page shows, each part read through its service."""
    issuer = get_issuer(actor, issuer_public_id)
    badge_classes = list_badge_classes(actor, issuer_public_id,
                                       limit=OVERVIEW_BADGE_CLASSES, after=None)
    recent = search_awards(actor, issuer_public_id, AwardSearch(), limit=RECENT_AWARDS)
    return IssuerOverview(
        issuer=issuer, allowed=allowed_actions(actor, issuer),
        badge_classes=badge_classes[:OVERVIEW_BADGE_CLASSES],
        more_badge_classes=len(badge_classes) > OVERVIEW_BADGE_CLASSES,
        award_counts=_award_counts(issuer), recent_awards=recent[:RECENT_AWARDS],
        members=list_members(actor, issuer_public_id), keys=list_keys(actor, issuer_public_id))


def _award_counts(issuer: Issuer) -> dict[int, int]:
    rows = db.session.execute(
        sa.select(Assertion.badge_class_id, sa.func.count()).where(
            Assertion.issuer_id == issuer.id, Assertion.revoked_at.is_(None))
        .group_by(Assertion.badge_class_id))
    return {badge_class_id: count for badge_class_id, count in rows}


@dataclass(frozen=True)
class AwardList:
    issuer: Issuer
    allowed: frozenset[str]
    badge_classes: list[BadgeClass]  # for the filter
    awards: list[Assertion]
    more: bool  # whether a next page exists
    total: int  # how many awards match, on every page


def award_list(actor: Actor, issuer_public_id: str, search: AwardSearch, *, limit: int,
               before: int | None) -> AwardList:
    """One page of the issuer's award list, with what its filters and buttons need."""
    issuer = get_issuer(actor, issuer_public_id)
    found = search_awards(actor, issuer_public_id, search, limit=limit, before=before)
    badge_classes = list_badge_classes(actor, issuer_public_id,
                                       limit=OVERVIEW_BADGE_CLASSES, after=None)
    return AwardList(issuer=issuer, allowed=allowed_actions(actor, issuer),
                     badge_classes=badge_classes[:OVERVIEW_BADGE_CLASSES],
                     awards=found[:limit], more=len(found) > limit,
                     total=_count(issuer, search))
