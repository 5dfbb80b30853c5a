"""What the pathway pages read besides the pathway: each milestone's counts, and the
choices the builder offers (issuers, badge classes, action types).

Counts are SQL aggregates, never an evaluation per person:

- reached: the milestone's MilestoneAward rows (a person counts once, whatever became of
  the badge since);
- in progress: people not reached who have at least one countable action (not withdrawn
  by a retraction, not in the future) of a type the rule counts, inside that count's
  time window. Property filters are left out (they are JSON values, compared as JSON
  compares them, which SQL on two databases does not do alike), so this can count
  people whose actions do not pass a filter. A rule without counts of its own (only
  badges and milestones) takes the counts of the milestones it names; a rule with none
  at all has no "in progress" (None).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from badges.models import BadgeClass
from badges.services import list_badge_classes
from cairn.auth import Actor
from cairn.db import db, utcnow
from issuers.models import Issuer, Role
from issuers.permissions import issuers_with_role_clause, may_access
from pathways.action_models import Action, ActionType
from pathways.action_types import list_action_types
from pathways.models import MilestoneAward, Pathway
from pathways.rule_text import parse_bound
from pathways.services import WRITE

#: Choices a select offers at most (a longer list would be a search, not a select).
MAX_CHOICES = 500


def reached_counts(milestone_ids: Collection[int]) -> dict[int, int]:
    if not milestone_ids:
        return {}
    rows = db.session.execute(sa.select(MilestoneAward.milestone_id, sa.func.count())
                              .where(MilestoneAward.milestone_id.in_(milestone_ids))
                              .group_by(MilestoneAward.milestone_id))
    return {milestone_id: number for milestone_id, number in rows}


def in_progress_counts(pathway: Pathway, as_of: datetime | None = None) -> dict[int, int | None]:
    """Per active milestone id: people with a qualifying action who have not reached it."""
    as_of = as_of or utcnow()
    active = pathway.active_milestones
    rules = {milestone.key: milestone.rule for milestone in active}
    counts: dict[int, int | None] = {}
    for milestone in active:
        counts_of = qualifying_counts(rules, milestone.key)
        counts[milestone.id] = _people_in_progress(milestone.id, counts_of, as_of) \
            if counts_of else None
    return counts


def qualifying_counts(rules: Mapping[str, dict], key: str,
                      seen: frozenset[str] = frozenset()) -> list[dict[str, Any]]:
    """The count parts of a milestone's rule, or those of the milestones it names when
    it has none of its own."""
    own = list(_counts(rules[key]))
    if own:
        return own
    found: list[dict[str, Any]] = []
    for reference in sorted(_references(rules[key])):
        if reference in rules and reference not in seen:
            found += qualifying_counts(rules, reference, seen | {key})
    return found


def _counts(rule: dict) -> list[dict[str, Any]]:
    if "action" in rule:
        return [rule]
    return [node for child in rule.get("all", []) + rule.get("any", [])
            for node in _counts(child)]


def _references(rule: dict) -> set[str]:
    if "milestone" in rule:
        return {rule["milestone"]}
    return {key for child in rule.get("all", []) + rule.get("any", [])
            for key in _references(child)}


def _people_in_progress(milestone_id: int, counts: list[dict[str, Any]],
                        as_of: datetime) -> int:
    withdrawing = aliased(Action)
    return db.session.scalar(
        sa.select(sa.func.count(sa.distinct(Action.identity_id)))
        .join(ActionType, ActionType.id == Action.action_type_id)
        .where(sa.or_(*(sa.and_(*_window(count, as_of)) for count in counts)),
               ~sa.exists().where(withdrawing.retracts_id == Action.id),
               ~sa.exists().where(MilestoneAward.milestone_id == milestone_id,
                                  MilestoneAward.identity_id == Action.identity_id))) or 0


def _window(count: dict[str, Any], as_of: datetime) -> list[sa.ColumnElement[bool]]:
    """An action of the count's type inside its window, as pathways.rules reads it."""
    conditions = [ActionType.key == count["action"], Action.occurred_at <= as_of]
    if "within_days" in count:
        conditions.append(Action.occurred_at > as_of - timedelta(days=count["within_days"]))
    if "between" in count:
        start, end = map(parse_bound, count["between"])
        conditions.append(Action.occurred_at >= _moment(start))
        conditions.append(Action.occurred_at <= end if isinstance(end, datetime)
                          else Action.occurred_at < _moment(end + timedelta(days=1)))
    return conditions


def _moment(bound: date) -> datetime:
    return bound if isinstance(bound, datetime) else datetime.combine(bound, time(), UTC)


# --- the builder's choices ----------------------------------------------------------------

def writable_issuers(actor: Actor) -> list[Issuer]:
    """The issuers where the actor may define pathways, by name."""
    if not actor.has_scope(WRITE[0]):
        return []
    return list(db.session.scalars(sa.select(Issuer).where(
        issuers_with_role_clause(actor, Role.editor))
        .order_by(Issuer.name, Issuer.id).limit(MAX_CHOICES)))


def may_write(actor: Actor, issuer: Issuer) -> bool:
    """Whether to offer the buttons that change pathways; the services check again."""
    return may_access(actor, issuer, *WRITE)


def badge_class_choices(actor: Actor, issuer_public_id: str) -> list[BadgeClass]:
    return list_badge_classes(actor, issuer_public_id, limit=MAX_CHOICES,
                              after=None)[:MAX_CHOICES]


def action_type_choices() -> list[str]:
    """Action types are instance-wide (README, Actions): any of them may be counted."""
    return [action_type.key for action_type
            in list_action_types(limit=MAX_CHOICES, after=None)[:MAX_CHOICES]]
