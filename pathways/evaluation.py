"""The parts of evaluating people against milestones: facts, walking a pathway, and
awarding one milestone to one person. `evaluation_batch` puts them together for many
people at once; the job tasks and the tests go through it.

Facts are gathered per person: their actions of the types the rules depend on (with the
retractions of those), the badge classes they hold (unrevoked, unsuspended, unexpired),
and the milestones of the pathway already awarded to them. Milestones are evaluated in
`milestone_order`, so one reached in a pass counts for the milestones after it.

Awarding once: a `MilestoneAward` row is inserted (ON CONFLICT DO NOTHING on its unique
(milestone, identity)) in the same transaction as the assertion. A concurrent evaluation
of the same person waits on that key (PostgreSQL) or the write lock (SQLite) and then
inserts nothing: it loses cleanly, without an error or a second badge. Someone who
already holds the milestone's badge class gets no second badge: the row records the award
they hold.

The actor: a rule awards as the pathway's creator, with every scope but only their role
at the issuer (checked on each award), so a creator who leaves the issuer stops the
pathway's awards; the errors are recorded on the job that tried.

Chains terminate: an award made here may make other milestones hold (a rule naming its
badge class), which are evaluated right after the commit (`evaluation_batch`), but each
round needs a new MilestoneAward row, and there are finitely many (milestone, person)
pairs. Awards made here do not go through the `badge_awarded` receiver (see AWARDING).

Each milestone reached queues the issuer's `milestone.reached` webhook event in the same
transaction (no recipient address in it, as for awards).

Awards are never revoked by the engine: a retraction after an award leaves it in place;
progress shows the rule's current truth beside it.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import selectinload

from badges.awards import Recipient, award_badge
from badges.models import Assertion, BadgeClass
from cairn.auth import Actor
from cairn.db import db, transaction, utcnow
from cairn.errors import CairnError
from cairn.users import SCOPES, User
from cairn.webhooks import queue_event, rfc3339
from pathways.action_models import RETRACTION, Action, ActionType
from pathways.action_sql import any_of
from pathways.models import Milestone, MilestoneAward, Pathway
from pathways.pathway_evidence import award_details
from pathways.rules import (
    ActionFact,
    Facts,
    Outcome,
    evaluate,
    milestone_order,
    nodes,
)
from pathways.services import trigger_closure
from recipients.models import RecipientIdentity

#: Set on the session while this module awards: the `badge_awarded` receiver then leaves
#: the award to `evaluation_batch`, which follows it up after the commit.
AWARDING = "pathways.awarding"
INSERTS = {"postgresql": postgresql_insert, "sqlite": sqlite_insert}


@dataclass
class PersonFacts:
    actions: list[ActionFact] = field(default_factory=list)
    badges: set[str] = field(default_factory=set)


@dataclass(frozen=True)
class ActionInfo:
    """What an award's evidence says about an action that met its rule."""

    public_id: str
    type_key: str
    occurred_at: datetime
    source: str
    external_id: str
    properties: dict[str, Any]


@dataclass
class Evaluation:
    """What evaluating people did: milestone awards made (new badges, or badges the
    person held already), lost to a concurrent evaluation, and failed."""

    awarded: int = 0
    already: int = 0
    failed: int = 0
    new_badges: set[str] = field(default_factory=set)
    errors: list[dict[str, Any]] = field(default_factory=list)

    def add(self, other: Evaluation) -> None:
        self.awarded += other.awarded
        self.already += other.already
        self.failed += other.failed
        self.errors += other.errors


def gather_facts(identity_ids: Collection[int], *, action_types: Collection[str],
                 badges: Collection[str], as_of: datetime, with_properties: bool = True,
                 ) -> dict[int, PersonFacts]:
    """Each person's facts. Only what rules read is loaded: the actions' properties only
    `with_properties` (a rule filters on them), and no evidence (`action_infos` reads
    that for the few actions that met a rule reached)."""
    people = {identity_id: PersonFacts() for identity_id in identity_ids}
    if not people:
        return people
    if action_types:
        properties = Action.properties if with_properties else sa.null()
        read: set[int] = set()
        for action_id, identity_id, key, occurred_at, values in db.session.execute(
                sa.select(Action.id, Action.identity_id, ActionType.key, Action.occurred_at,
                          properties)
                .join(ActionType, ActionType.id == Action.action_type_id)
                .where(any_of(Action.identity_id, people), ActionType.key.in_(action_types))):
            people[identity_id].actions.append(
                ActionFact(action_id, key, occurred_at, values or _NO_PROPERTIES))
            read.add(action_id)
        # A retraction has no type and the person of the action it withdraws: those of
        # these people that withdraw an action just read are the ones that matter.
        for row in db.session.execute(sa.select(
                Action.id, Action.identity_id, Action.occurred_at, Action.retracts_id)
                .where(any_of(Action.identity_id, people), Action.action_type_id.is_(None),
                       Action.retracts_id.is_not(None))):
            if row.retracts_id in read:
                people[row.identity_id].actions.append(ActionFact(
                    row.id, RETRACTION, row.occurred_at, {}, retracts=row.retracts_id))
    if badges:
        for identity_id, badge_class_id in db.session.execute(
                sa.select(Assertion.recipient_identity_id, BadgeClass.public_id)
                .join(BadgeClass, BadgeClass.id == Assertion.badge_class_id)
                .where(any_of(Assertion.recipient_identity_id, people),
                       BadgeClass.public_id.in_(badges), *held_now(as_of))):
            people[identity_id].badges.add(badge_class_id)
    return people


_NO_PROPERTIES: Mapping[str, Any] = MappingProxyType({})


def action_infos(action_ids: Collection[int]) -> dict[int, ActionInfo]:
    """What the evidence says about each of these actions."""
    if not action_ids:
        return {}
    return {row.id: ActionInfo(row.public_id, row.key, row.occurred_at, row.source,
                               row.external_id, row.properties or {})
            for row in db.session.execute(sa.select(
                Action.id, Action.public_id, ActionType.key, Action.occurred_at,
                Action.source, Action.external_id, Action.properties)
                .join(ActionType, ActionType.id == Action.action_type_id)
                .where(any_of(Action.id, action_ids)))}


def reads_properties(milestones: Iterable[Milestone]) -> bool:
    """Whether any of these milestones' rules filters actions on their properties."""
    return any(node.get("where") for milestone in milestones for node in nodes(milestone.rule))


def held_now(as_of: datetime) -> list[sa.ColumnElement[bool]]:
    """An award its recipient holds at `as_of`: not revoked, suspended or expired."""
    return [Assertion.revoked_at.is_(None), Assertion.suspended_at.is_(None),
            sa.or_(Assertion.expires_at.is_(None), Assertion.expires_at > as_of)]


def awarded_milestones(identity_ids: Collection[int],
                       milestone_ids: Collection[int]) -> dict[int, dict[int, int | None]]:
    """Per person: milestone id -> the id of the assertion it awarded."""
    found: dict[int, dict[int, int | None]] = {identity_id: {} for identity_id in identity_ids}
    if identity_ids and milestone_ids:
        for identity_id, milestone_id, assertion_id in db.session.execute(sa.select(
                MilestoneAward.identity_id, MilestoneAward.milestone_id,
                MilestoneAward.assertion_id).where(
                any_of(MilestoneAward.identity_id, identity_ids),
                MilestoneAward.milestone_id.in_(milestone_ids))):
            found[identity_id][milestone_id] = assertion_id
    return found


def inputs(milestones: Iterable[Milestone]) -> tuple[set[str], set[str]]:
    """The action types and badge classes that evaluating these milestones reads."""
    types: set[str] = set()
    badges: set[str] = set()
    by_pathway: dict[int, Pathway] = {}
    wanted: set[int] = set()
    for milestone in milestones:
        by_pathway[milestone.pathway_id] = milestone.pathway
        wanted.add(milestone.id)
    for pathway in by_pathway.values():
        active = pathway.active_milestones
        closure = trigger_closure({milestone.key: milestone.rule for milestone in active})
        for milestone in active:
            if milestone.id in wanted:
                types |= closure[milestone.key][0]
                badges |= closure[milestone.key][1]
    return types, badges


def names(pathway: Pathway) -> dict[str, str]:
    """Display names for explanations: milestones and the badge classes rules name."""
    named = {milestone.key: milestone.name for milestone in pathway.milestones}
    _, badges = inputs(pathway.active_milestones)
    if badges:
        named |= {public_id: name for public_id, name in db.session.execute(
            sa.select(BadgeClass.public_id, BadgeClass.name)
            .where(BadgeClass.public_id.in_(badges)))}
    return named


#: Called with each milestone evaluated and its outcome; returns whether the person has
#: now reached it.
Judge = Callable[[Milestone, Outcome], bool]


@dataclass(frozen=True)
class Step:
    """A milestone as `walk` goes through it: with its current rule and its badge class."""

    milestone: Milestone
    rule: dict[str, Any]
    badge: str


def steps(pathway: Pathway) -> list[Step]:
    """The pathway's active milestones in dependency order: what `walk` goes through,
    worked out once for the many people of a batch."""
    by_key = {milestone.key: milestone for milestone in pathway.active_milestones}
    rules = {key: milestone.rule for key, milestone in by_key.items()}
    return [Step(by_key[key], rules[key], by_key[key].badge_class.public_id)
            for key in milestone_order(rules)]


def walk(pathway: Pathway, facts: PersonFacts, awarded: Collection[int], as_of: datetime,
         judge: Judge, *, selected: Collection[int] | None = None,
         named: dict[str, str] | None = None, awarded_too: bool = False,
         order: list[Step] | None = None) -> None:
    """Evaluate a person's milestones of one pathway in dependency order (`order`, the
    pathway's `steps`). Those already awarded count as reached (and are evaluated only
    `awarded_too`); once `judge` says a milestone is reached, its key and badge class
    count for the milestones after it (`facts.badges` grows)."""
    order = steps(pathway) if order is None else order
    reached = {step.milestone.key for step in order if step.milestone.id in awarded}
    for step in order:
        milestone = step.milestone
        if (selected is not None and milestone.id not in selected) or (
                milestone.id in awarded and not awarded_too):
            continue
        outcome = evaluate(step.rule, Facts(facts.actions, frozenset(facts.badges),
                                            frozenset(reached)), as_of, names=named)
        if judge(milestone, outcome):
            reached.add(milestone.key)
            facts.badges.add(step.badge)


#: What evaluating a milestone reads of it and of its pathway.
MILESTONE_LOADS = (
    selectinload(Milestone.versions), selectinload(Milestone.badge_class),
    selectinload(Milestone.pathway).selectinload(Pathway.milestones)
    .selectinload(Milestone.versions),
    selectinload(Milestone.pathway).selectinload(Pathway.milestones)
    .selectinload(Milestone.badge_class),
)


def awarding_actor(pathway: Pathway) -> Actor:
    creator = db.session.get(User, pathway.created_by_id)
    if creator is None:
        raise LookupError("the pathway's creator no longer exists")
    return Actor(user_id=creator.id, is_admin=creator.is_admin, scopes=frozenset(SCOPES))


def award_one(actor: Actor, pathway: Pathway, milestone: Milestone,
              identity: RecipientIdentity, outcome: Outcome, infos: dict[int, ActionInfo],
              result: Evaluation) -> bool:
    """Record the milestone and award its badge in one transaction; whether the person
    has reached it now (a concurrent evaluation that awarded it first counts). The path
    of a batch that met a conflict, one person at a time."""
    insert = INSERTS[db.session.get_bind().dialect.name]
    details = award_details(pathway, milestone, outcome, infos)
    db.session.info[AWARDING] = True
    try:
        with transaction():
            award_id = db.session.scalar(insert(MilestoneAward).values(
                milestone_id=milestone.id, identity_id=identity.id,
                rule_version_id=milestone.current.id, created_at=utcnow(),
                action_ids=[infos[action_id].public_id for action_id in outcome.action_ids])
                .on_conflict_do_nothing(index_elements=["milestone_id", "identity_id"])
                .returning(MilestoneAward.id))
            if award_id is None:
                result.already += 1
                return True
            assertion = _held_award(identity.id, milestone.badge_class_id)
            if assertion is None:
                assertion = award_badge(
                    actor, milestone.badge_class.public_id,
                    Recipient(identity.type, identity.value), details,
                    idempotency_key=f"milestone:{milestone.id}:{identity.id}")
                result.new_badges.add(milestone.badge_class.public_id)
            db.session.flush()
            db.session.execute(sa.update(MilestoneAward).where(MilestoneAward.id == award_id)
                               .values(assertion_id=assertion.id))
            queue_event(pathway.issuer.public_id, "milestone.reached",
                        reached_event(pathway, milestone, identity, assertion.public_id))
    except CairnError as error:
        result.failed += 1
        result.errors.append({"milestone": milestone.public_id, "code": error.code,
                              "message": error.message, "errors": error.errors})
        return False
    finally:
        db.session.info.pop(AWARDING, None)
    result.awarded += 1
    return True


def reached_event(pathway: Pathway, milestone: Milestone, identity: RecipientIdentity,
                  assertion_public_id: str) -> dict[str, Any]:
    """The data of a `milestone.reached` webhook event (no recipient address in it)."""
    return {"pathway": pathway.public_id, "milestone": milestone.key,
            "rule_version": milestone.version, "assertion": assertion_public_id,
            "badge_class": milestone.badge_class.public_id,
            "recipient_type": identity.type.value, "reached_at": rfc3339(utcnow())}


def _held_award(identity_id: int, badge_class_id: int) -> Assertion | None:
    return db.session.scalar(sa.select(Assertion).where(
        Assertion.recipient_identity_id == identity_id,
        Assertion.badge_class_id == badge_class_id, *held_now(utcnow()))
        .order_by(Assertion.id).limit(1))
