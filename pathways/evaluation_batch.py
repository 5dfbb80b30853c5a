"""Evaluating many people together, and awarding what they reached in batches.

The engine's jobs evaluate their people together: one query finds the milestones their
changes can affect, one gathers every person's facts, the rules run in Python, and the
milestones reached are awarded per milestone in batches (`milestone_batch.py`, awarding
once by a claim row per milestone and person). Per person and rule the result is what
evaluating them one at a time gives: the same milestones, the same evidence, the same
idempotency keys.

Within a pathway, milestones are awarded in dependency order; when a milestone's batch
fails (the pathway's creator lost their role, say), the later milestones of that pathway
are not awarded to those people in this pass: a milestone is never awarded on the
strength of one that was not.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Sequence
from datetime import datetime

import sqlalchemy as sa

from cairn.db import db, utcnow
from pathways.action_sql import any_of
from pathways.evaluation import (
    MILESTONE_LOADS,
    ActionInfo,
    Evaluation,
    action_infos,
    awarded_milestones,
    awarding_actor,
    gather_facts,
    inputs,
    names,
    reads_properties,
    steps,
    walk,
)
from pathways.milestone_batch import MilestoneBatch, Reached
from pathways.models import Milestone, MilestoneTrigger, Pathway
from pathways.rules import Outcome, dependencies, milestone_order
from recipients.models import RecipientIdentity

#: What changed for a person: identity id -> (action types, badge classes).
Changes = dict[int, tuple[set[str], set[str]]]
#: Milestones to evaluate again for a person, as they refer to a milestone just reached:
#: identity id -> milestone ids.
Followed = dict[int, set[int]]


def evaluate_changes(changes: Changes, as_of: datetime | None = None,
                     results: dict[int, Evaluation] | None = None,
                     followed: Followed | None = None) -> dict[int, Evaluation]:
    """Evaluate, for each person, the milestones their changes can affect, award those
    that hold, then follow up what was awarded (the badges, and the milestones that refer
    to a milestone reached), until nothing more changes. Returns each person's result."""
    results = results if results is not None else defaultdict(Evaluation)
    followed = followed or {}
    while changes or followed:
        new_badges, followed = _evaluate(_triggered(changes, followed), as_of or utcnow(),
                                         results)
        changes = {identity_id: (set(), badges) for identity_id, badges in new_badges.items()
                   if badges}
    return results


def evaluate_milestones(identity_ids: Sequence[int], milestones: Sequence[Milestone],
                        as_of: datetime | None = None) -> dict[int, Evaluation]:
    """Evaluate these milestones for these people (a backfill), then follow up what was
    awarded."""
    results: dict[int, Evaluation] = defaultdict(Evaluation)
    new_badges, followed = _evaluate(
        {identity_id: list(milestones) for identity_id in identity_ids}, as_of or utcnow(),
        results)
    return evaluate_changes({identity_id: (set(), badges)
                             for identity_id, badges in new_badges.items() if badges},
                            as_of, results, followed)


def _triggered(changes: Changes, followed: Followed) -> dict[int, list[Milestone]]:
    """Per person, the active milestones not awarded to them whose rules depend on what
    changed for them, and those to follow up."""
    types = set().union(*(types for types, _ in changes.values()))
    badges = set().union(*(badges for _, badges in changes.values()))
    conditions = []
    if types:
        conditions.append(sa.and_(MilestoneTrigger.kind == "action",
                                  MilestoneTrigger.key.in_(types)))
    if badges:
        conditions.append(sa.and_(MilestoneTrigger.kind == "badge",
                                  MilestoneTrigger.key.in_(badges)))
    triggers: dict[int, set[tuple[str, str]]] = defaultdict(set)
    if conditions:
        for milestone_id, kind, key in db.session.execute(sa.select(
                MilestoneTrigger.milestone_id, MilestoneTrigger.kind, MilestoneTrigger.key)
                .where(sa.or_(*conditions))):
            triggers[milestone_id].add((kind, key))
    wanted_ids = set(triggers).union(*followed.values())
    if not wanted_ids:
        return {}
    milestones = list(db.session.scalars(sa.select(Milestone).where(
        Milestone.archived_at.is_(None), Milestone.id.in_(wanted_ids))
        .order_by(Milestone.id).options(*MILESTONE_LOADS)))
    people = set(changes) | set(followed)
    awarded = awarded_milestones(list(people), [milestone.id for milestone in milestones])
    wanted: dict[int, list[Milestone]] = {}
    for identity_id in sorted(people):
        types, badges = changes.get(identity_id, ((), ()))
        changed = {("action", key) for key in types} | {("badge", key) for key in badges}
        again = followed.get(identity_id, set())
        mine = [milestone for milestone in milestones
                if (triggers[milestone.id] & changed or milestone.id in again)
                and milestone.id not in awarded[identity_id]]
        if mine:
            wanted[identity_id] = mine
    return wanted


def _evaluate(wanted: dict[int, list[Milestone]], as_of: datetime,
              results: dict[int, Evaluation]) -> tuple[dict[int, set[str]], Followed]:
    """Evaluate each person's milestones and award those reached; the badge classes newly
    awarded to each person, and the milestones to follow up."""
    if not wanted:
        return {}, {}
    every = {milestone.id: milestone for mine in wanted.values() for milestone in mine}
    types, badges = inputs(every.values())
    pathways = {milestone.pathway_id: milestone.pathway for milestone in every.values()}
    facts = gather_facts(list(wanted), action_types=types, badges=badges, as_of=as_of,
                         with_properties=reads_properties(every.values()))
    awarded = awarded_milestones(list(wanted), [
        milestone.id for pathway in pathways.values()
        for milestone in pathway.active_milestones])
    named = {pathway_id: names(pathway) for pathway_id, pathway in pathways.items()}
    ordered = {pathway_id: steps(pathway) for pathway_id, pathway in pathways.items()}
    reached: list[Reached] = []
    for identity_id, mine in wanted.items():
        for pathway_id in sorted({milestone.pathway_id for milestone in mine}):
            def judge(milestone: Milestone, outcome: Outcome, identity_id=identity_id) -> bool:
                if outcome.holds:
                    reached.append(Reached(milestone, identity_id, outcome))
                return outcome.holds

            walk(pathways[pathway_id], facts[identity_id], awarded[identity_id], as_of, judge,
                 selected={milestone.id for milestone in mine}, named=named[pathway_id],
                 order=ordered[pathway_id])
    infos = action_infos({action_id for item in reached for action_id in item.outcome.action_ids})
    return _award_all(pathways, reached, infos, results)


def _award_all(pathways: dict[int, Pathway], reached: list[Reached],
               infos: dict[int, ActionInfo], results: dict[int, Evaluation],
               ) -> tuple[dict[int, set[str]], Followed]:
    """Award per milestone, each pathway's milestones in dependency order.

    A milestone referring to one reached here, and not reached with it, is followed up
    after the commit: it may have been judged on facts read before another worker's award
    of its other inputs, which was itself judged before this award (each worker's reads
    precede its commits), and only a reading after both commits sees both."""
    new_badges: dict[int, set[str]] = defaultdict(set)
    followed: Followed = defaultdict(set)
    identities = _identities({item.identity_id for item in reached})
    for pathway_id, pathway in pathways.items():
        by_milestone: dict[str, list[Reached]] = defaultdict(list)
        for item in reached:
            if item.milestone.pathway_id == pathway_id:
                by_milestone[item.milestone.key].append(item)
        if not by_milestone:
            continue
        actor = awarding_actor(pathway)
        stopped: set[int] = set()
        order = milestone_order({m.key: m.rule for m in pathway.active_milestones})
        for key in order:
            group = [item for item in by_milestone.get(key, ()) if item.identity_id not in stopped]
            if not group:
                continue
            batch = MilestoneBatch(actor, pathway, group[0].milestone, group, identities,
                                   infos, results)
            stopped |= batch.award()
            badge = group[0].milestone.badge_class.public_id
            for identity_id in batch.new_badges:
                new_badges[identity_id].add(badge)
                results[identity_id].new_badges.add(badge)
            _follow(pathway, key, by_milestone, [item.identity_id for item in group
                                                 if item.identity_id not in stopped], followed)
    return new_badges, followed


def _follow(pathway: Pathway, key: str, by_milestone: dict[str, list[Reached]],
            people: list[int], followed: Followed) -> None:
    """Add the milestones referring to milestone `key`, for the people who reached it,
    unless they reached them in the same pass."""
    for dependent in pathway.active_milestones:
        if key not in dependencies(dependent.rule).milestones:
            continue
        with_it = {item.identity_id for item in by_milestone.get(dependent.key, ())}
        for identity_id in people:
            if identity_id not in with_it:
                followed[identity_id].add(dependent.id)


def _identities(identity_ids: Collection[int]) -> dict[int, RecipientIdentity]:
    if not identity_ids:
        return {}
    return {identity.id: identity for identity in db.session.scalars(
        sa.select(RecipientIdentity).where(any_of(RecipientIdentity.id, identity_ids)))}
