"""Reading a pathway's rules against people without awarding: one person's progress, the
dry run ("who would qualify now"), and the people a backfill evaluates.

Progress is the rules' current truth: `holds` is whether a milestone's rule holds now,
`reached` whether the person has the milestone (awarded, or holding now), `detail` the
explanation. A milestone awarded before a retraction stays awarded (the engine never
revokes) while its `holds` turns false.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask import current_app

from badges.models import Assertion, BadgeClass
from cairn.auth import Actor
from cairn.db import db, utcnow
from pathways.action_models import Action, ActionType
from pathways.evaluation import (
    PersonFacts,
    awarded_milestones,
    gather_facts,
    held_now,
    inputs,
    names,
    reads_properties,
    steps,
    walk,
)
from pathways.models import Milestone, Pathway
from pathways.pathway_evidence import explanation
from pathways.rules import Outcome
from pathways.services import WRITE, get_pathway
from recipients.errors import InvalidIdentity
from recipients.models import IdentityType, RecipientIdentity
from recipients.services import find_identity

#: People listed per milestone in a dry run (all of them are counted).
DRY_RUN_LISTED = 1000
#: People whose facts are read at once.
BATCH = 500


def pathway_progress(actor: Actor, public_id: str, person: tuple[IdentityType, str], *,
                     as_of: datetime | None = None) -> dict[str, Any]:
    """Per active milestone, in pathway order: whether it holds and why, and its award.
    A person with no actions or awards yet gets the same answer with nothing reached."""
    pathway = get_pathway(actor, public_id)
    try:
        identity = find_identity(*person)
    except InvalidIdentity as error:  # named after the query parameter, not a recipient
        raise InvalidIdentity(error.message, {"person": error.errors["recipient"]["identity"]},
                              ) from error
    as_of = as_of or utcnow()
    active = pathway.active_milestones
    facts, awarded = PersonFacts(), {}
    if identity is not None:
        types, badges = inputs(active)
        facts = gather_facts([identity.id], action_types=types, badges=badges,
                             as_of=as_of)[identity.id]
        awarded = awarded_milestones([identity.id], [m.id for m in active])[identity.id]
    outcomes: dict[int, Outcome] = {}

    def judge(milestone: Milestone, outcome: Outcome) -> bool:
        outcomes[milestone.id] = outcome
        return outcome.holds

    walk(pathway, facts, awarded, as_of, judge, named=names(pathway), awarded_too=True)
    assertions = _public_ids([value for value in awarded.values() if value is not None])
    return {"pathway": pathway.public_id, "as_of": as_of,
            "person": {"type": str(person[0]), "identity": person[1]},
            "milestones": [_progress(milestone, outcomes[milestone.id],
                                     milestone.id in awarded,
                                     assertions.get(awarded.get(milestone.id) or 0))
                           for milestone in active]}


def _progress(milestone: Milestone, outcome: Outcome, awarded: bool,
              assertion: str | None) -> dict[str, Any]:
    return {"key": milestone.key, "name": milestone.name, "version": milestone.version,
            "badge_class": milestone.badge_class.public_id,
            "reached": awarded or outcome.holds, "holds": outcome.holds,
            "awarded": assertion, "detail": explanation(outcome.lines),
            "lines": [{"depth": line.depth, "holds": line.holds, "text": line.text}
                      for line in outcome.lines]}


def _public_ids(assertion_ids: Sequence[int]) -> dict[int, str]:
    if not assertion_ids:
        return {}
    return {assertion_id: public_id for assertion_id, public_id in db.session.execute(
        sa.select(Assertion.id, Assertion.public_id).where(Assertion.id.in_(assertion_ids)))}


def dry_run(actor: Actor, public_id: str, *, as_of: datetime | None = None) -> dict[str, Any]:
    """Who would be awarded each milestone if the pathway were evaluated now: the people
    with relevant actions or badges who do not have it yet. Writes nothing; a milestone
    that would be reached counts for the milestones after it, as in a real evaluation.

    It runs in the request, so it evaluates at most PATHWAYS_DRY_RUN_MAX_PEOPLE people
    (the first by id); `complete` says whether that was everyone, and the counts are then
    lower bounds. A backfill job has no such ceiling."""
    pathway = get_pathway(actor, public_id, WRITE)
    as_of = as_of or utcnow()
    active = pathway.active_milestones
    everyone = candidates(pathway)
    people = everyone[:max(0, int(current_app.config["PATHWAYS_DRY_RUN_MAX_PEOPLE"]))]
    qualify: dict[int, list[int]] = {milestone.id: [] for milestone in active}
    types, badges = inputs(active)
    named, order = names(pathway), steps(pathway)
    for start in range(0, len(people), BATCH):
        batch = people[start:start + BATCH]
        facts = gather_facts(batch, action_types=types, badges=badges, as_of=as_of,
                             with_properties=reads_properties(active))
        awarded = awarded_milestones(batch, [milestone.id for milestone in active])
        for identity_id in batch:

            def judge(milestone: Milestone, outcome: Outcome, identity_id=identity_id) -> bool:
                if outcome.holds:
                    qualify[milestone.id].append(identity_id)
                return outcome.holds

            walk(pathway, facts[identity_id], awarded[identity_id], as_of, judge, named=named,
                 order=order)
    shown = _identities({identity_id for ids in qualify.values()
                         for identity_id in ids[:DRY_RUN_LISTED]})
    return {"dry_run": True, "pathway": pathway.public_id, "as_of": as_of,
            "evaluated": len(people), "candidates": len(everyone),
            "complete": len(people) == len(everyone),
            "milestones": [{"key": milestone.key, "name": milestone.name,
                            "version": milestone.version, "count": len(qualify[milestone.id]),
                            "people": [shown[identity_id] for identity_id
                                       in qualify[milestone.id][:DRY_RUN_LISTED]]}
                           for milestone in active]}


def _identities(identity_ids: set[int]) -> dict[int, dict[str, str]]:
    if not identity_ids:
        return {}
    rows = db.session.execute(sa.select(RecipientIdentity.id, RecipientIdentity.type,
                                        RecipientIdentity.value)
                              .where(RecipientIdentity.id.in_(identity_ids)))
    return {row.id: {"type": str(row.type), "identity": row.value} for row in rows}


def candidates(pathway: Pathway) -> list[int]:
    """The people a pathway can award: those with an action of a type its rules depend
    on, or an award of a badge class they name (in id order)."""
    types, badges = inputs(pathway.active_milestones)
    found: set[int] = set()
    if types:
        found.update(db.session.scalars(sa.select(Action.identity_id).distinct()
                                        .join(ActionType, ActionType.id == Action.action_type_id)
                                        .where(ActionType.key.in_(types))))
    if badges:
        found.update(db.session.scalars(
            sa.select(Assertion.recipient_identity_id).distinct()
            .join(BadgeClass, BadgeClass.id == Assertion.badge_class_id)
            .where(BadgeClass.public_id.in_(badges), *held_now(utcnow()))))
    return sorted(found)
