"""Read paths of the staff pages that review nominations: an issuer's queue, one
nomination with its policy, the choices of the policy form, and the open counts that the
issuer and badge class pages link with.

The nominations services decide who reads what (pathways/nominations.py); these pages
add one rule of their own: they are for the issuer's staff, so a nominator without a role
at the issuer (who reads their own nomination through the API) finds nothing here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager

from badges.models import BadgeClass
from badges.services import get_badge_class, list_badge_classes
from cairn.auth import Actor
from cairn.db import db
from issuers.errors import RoleTooLow
from issuers.models import Issuer
from issuers.permissions import may_access, role_of, visible_issuers_clause
from issuers.services import get_issuer
from pathways.nomination_errors import NominationNotFound
from pathways.nomination_models import STATUSES, Nomination, NominationPolicy
from pathways.nomination_policies import EDIT, find_policy
from pathways.nominations import NominationFilter, get_nomination, list_nominations

#: Badge classes offered in the queue's filter and as validators (the page says so).
MAX_BADGE_CLASSES = 200
MAX_VALIDATOR_CHOICES = 500


def may_decide(actor: Actor, issuer: Issuer) -> bool:
    """Whether to offer the decision and policy forms: the rule of nomination_policies.EDIT
    (the services check it again when a form is sent)."""
    return may_access(actor, issuer, *EDIT)


def require_editor(actor: Actor, issuer: Issuer) -> None:
    """Checked before a form is read, so that a viewer's POST is refused as such (403)
    rather than told what to fix in a form they may not send."""
    if not may_decide(actor, issuer):
        raise RoleTooLow("Only the issuer's editors decide nominations and set their policy.")


@dataclass(frozen=True)
class QueueRow:
    nomination: Nomination
    needed: int  # endorsements an approval needs (the policy's minimum)

    @property
    def missing(self) -> int:
        return max(self.needed - self.nomination.endorsement_count, 0)

    @property
    def ready(self) -> bool:
        """Open with the endorsements an approval needs; objections never block (the
        editors weigh them), so they do not take the mark away."""
        return self.nomination.status == "open" and self.missing == 0


@dataclass(frozen=True)
class Queue:
    issuer: Issuer
    may_decide: bool
    badge_classes: list[BadgeClass]  # the issuer's, for the filter
    rows: list[QueueRow]
    more: bool  # whether an older page exists
    status: str | None  # the status filter; None for any
    status_counts: dict[str, int]  # status -> nominations, within the badge class filter
    badge_class: BadgeClass | None  # the badge class filter
    policy: NominationPolicy | None  # its policy

    @property
    def total(self) -> int:
        """Nominations matching the filters, on every page."""
        if self.status is not None:
            return self.status_counts.get(self.status, 0)
        return sum(self.status_counts.values())


def review_queue(actor: Actor, issuer_public_id: str, *, status: str | None,
                 badge_class: str | None, limit: int, before: int | None) -> Queue:
    """One page of the issuer's nominations, newest first (the API's order)."""
    issuer = get_issuer(actor, issuer_public_id)  # 404 without a role there
    found = list_nominations(actor, NominationFilter(badge_class=badge_class,
                                                     issuer=issuer.public_id, status=status),
                             limit=limit, before=before)
    needed = _minimums({nomination.badge_class_id for nomination in found})
    classes = list_badge_classes(actor, issuer.public_id, limit=MAX_BADGE_CLASSES, after=None)
    chosen = next((item for item in classes if item.public_id == badge_class), None)
    return Queue(
        issuer=issuer, may_decide=may_decide(actor, issuer),
        badge_classes=classes[:MAX_BADGE_CLASSES],
        rows=[QueueRow(item, needed.get(item.badge_class_id, 0)) for item in found[:limit]],
        more=len(found) > limit, status=status,
        status_counts=_status_counts(issuer, badge_class), badge_class=chosen,
        policy=find_policy(chosen.id) if chosen is not None else None)


def _minimums(badge_class_ids: Iterable[int]) -> dict[int, int]:
    ids = list(badge_class_ids)
    if not ids:
        return {}
    rows = db.session.execute(sa.select(NominationPolicy.badge_class_id,
                                        NominationPolicy.min_endorsements)
                              .where(NominationPolicy.badge_class_id.in_(ids)))
    return {badge_class_id: minimum for badge_class_id, minimum in rows}


def _status_counts(issuer: Issuer, badge_class: str | None) -> dict[str, int]:
    query = (sa.select(Nomination.status, sa.func.count(Nomination.id))
             .join(BadgeClass, BadgeClass.id == Nomination.badge_class_id)
             .where(BadgeClass.issuer_id == issuer.id).group_by(Nomination.status))
    if badge_class:
        query = query.where(BadgeClass.public_id == badge_class)
    counts = dict.fromkeys(STATUSES, 0)
    counts.update({status: count for status, count in db.session.execute(query)})
    return counts


@dataclass(frozen=True)
class Review:
    nomination: Nomination
    policy: NominationPolicy | None
    may_decide: bool

    @property
    def row(self) -> QueueRow:
        return QueueRow(self.nomination, self.policy.min_endorsements if self.policy else 0)


def nomination_review(actor: Actor, public_id: str) -> Review:
    """A nomination for its issuer's staff; 404 to anyone without a role there."""
    nomination = get_nomination(actor, public_id)
    issuer = nomination.badge_class.issuer
    if role_of(actor, issuer) is None:  # its nominator, reading through the API instead
        raise NominationNotFound("No such nomination.")
    return Review(nomination, find_policy(nomination.badge_class_id),
                  may_decide(actor, issuer))


@dataclass(frozen=True)
class PolicyView:
    badge_class: BadgeClass
    policy: NominationPolicy | None
    may_edit: bool
    validator_choices: list[BadgeClass]  # grouped by issuer, the class itself included


def policy_view(actor: Actor, badge_class_public_id: str) -> PolicyView:
    badge_class = get_badge_class(actor, badge_class_public_id)  # 404 without a role
    policy = find_policy(badge_class.id)
    editable = may_decide(actor, badge_class.issuer)
    choices = validator_choices(actor) if editable else []
    if policy is not None and policy.validator_badge_class not in choices and editable:
        choices.append(policy.validator_badge_class)
    return PolicyView(badge_class, policy, editable, choices)


def validator_choices(actor: Actor) -> list[BadgeClass]:
    """The badge classes set_policy accepts as validators: those at the issuers where the
    actor has a role, by issuer name then badge class name."""
    return list(db.session.scalars(
        sa.select(BadgeClass).join(BadgeClass.issuer).where(visible_issuers_clause(actor))
        .options(contains_eager(BadgeClass.issuer))
        .order_by(Issuer.name, Issuer.id, BadgeClass.name, BadgeClass.id)
        .limit(MAX_VALIDATOR_CHOICES)))


def open_nomination_count(issuer: Issuer | None = None,
                          badge_class: BadgeClass | None = None) -> int:
    """Open nominations of the issuer or of one badge class, for the links of the staff
    pages that show them (which have checked the role already)."""
    query = sa.select(sa.func.count(Nomination.id)).where(Nomination.status == "open")
    if badge_class is not None:
        query = query.where(Nomination.badge_class_id == badge_class.id)
    elif issuer is not None:
        query = query.join(BadgeClass, BadgeClass.id == Nomination.badge_class_id).where(
            BadgeClass.issuer_id == issuer.id)
    else:
        return 0
    return db.session.scalar(query) or 0
