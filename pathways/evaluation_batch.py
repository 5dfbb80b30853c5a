"""Evaluating many people together, and awarding what they reached in batches.

The engine's jobs evaluate a part's people in groups: one query finds the milestones their
changes can affect, one gathers every person's facts, the rules run in Python, and the
milestones reached are awarded per milestone through the bulk-award path
(`badges.batch.award_batch`), which signs with no transaction open. Per person and rule
the result is what `evaluation.evaluate_triggered` gives one at a time: the same
milestones, the same evidence, the same idempotency keys.

Awarding once holds as before: a batch claims its `MilestoneAward` rows (INSERT ... ON
CONFLICT DO NOTHING) in the transaction that stores its assertions, and stores only the
rows it won. A batch that meets another conflict falls back to awarding its people one by
one (`evaluation.award_one`).

Within a pathway, milestones are awarded in dependency order; when a milestone's batch
fails (the pathway's creator lost their role, say), the later milestones of that pathway
are not awarded to those people in this pass: a milestone is never awarded on the
strength of one that was not.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from badges.awards import Recipient
from badges.batch import ALREADY_HELD, AWARDED, CLAIMED, BatchItem, award_batch
from badges.models import Assertion
from cairn.db import db, transaction, utcnow
from cairn.errors import CairnError
from cairn.webhooks import queue_events
from pathways.evaluation import (
    AWARDING,
    INSERTS,
    MILESTONE_LOADS,
    ActionInfo,
    Evaluation,
    award_one,
    awarded_milestones,
    awarding_actor,
    gather_facts,
    held_now,
    inputs,
    names,
    reached_event,
    walk,
)
from pathways.models import Milestone, MilestoneAward, MilestoneTrigger, Pathway
from pathways.pathway_evidence import award_details
from pathways.rules import Outcome, milestone_order
from recipients.models import RecipientIdentity

#: What changed for a person: identity id -> (action types, badge classes).
Changes = dict[int, tuple[set[str], set[str]]]


@dataclass(frozen=True)
class Reached:
    """A milestone whose rule holds for a person, to award."""

    milestone: Milestone
    identity_id: int
    outcome: Outcome


def evaluate_changes(changes: Changes, as_of: datetime | None = None,
                     results: dict[int, Evaluation] | None = None) -> dict[int, Evaluation]:
    """Evaluate, for each person, the milestones their changes can affect, award those
    that hold, then follow up the badges awarded, until nothing more changes. Returns
    each person's result."""
    results = results if results is not None else defaultdict(Evaluation)
    while changes:
        new_badges = _evaluate(_triggered(changes), as_of or utcnow(), results)
        changes = {identity_id: (set(), badges) for identity_id, badges in new_badges.items()
                   if badges}
    return results


def evaluate_milestones(identity_ids: Sequence[int], milestones: Sequence[Milestone],
                        as_of: datetime | None = None) -> dict[int, Evaluation]:
    """Evaluate these milestones for these people (a backfill), then follow up the
    badges awarded."""
    results: dict[int, Evaluation] = defaultdict(Evaluation)
    new_badges = _evaluate({identity_id: list(milestones) for identity_id in identity_ids},
                           as_of or utcnow(), results)
    return evaluate_changes({identity_id: (set(), badges)
                             for identity_id, badges in new_badges.items() if badges},
                            as_of, results)


def _triggered(changes: Changes) -> dict[int, list[Milestone]]:
    """Per person, the active milestones not awarded to them whose rules depend on what
    changed for them."""
    types = set().union(*(types for types, _ in changes.values()))
    badges = set().union(*(badges for _, badges in changes.values()))
    conditions = []
    if types:
        conditions.append(sa.and_(MilestoneTrigger.kind == "action",
                                  MilestoneTrigger.key.in_(types)))
    if badges:
        conditions.append(sa.and_(MilestoneTrigger.kind == "badge",
                                  MilestoneTrigger.key.in_(badges)))
    if not conditions:
        return {}
    triggers: dict[int, set[tuple[str, str]]] = defaultdict(set)
    for milestone_id, kind, key in db.session.execute(sa.select(
            MilestoneTrigger.milestone_id, MilestoneTrigger.kind, MilestoneTrigger.key)
            .where(sa.or_(*conditions))):
        triggers[milestone_id].add((kind, key))
    milestones = list(db.session.scalars(sa.select(Milestone).where(
        Milestone.archived_at.is_(None), Milestone.id.in_(triggers))
        .order_by(Milestone.id).options(*MILESTONE_LOADS)))
    awarded = awarded_milestones(list(changes), [milestone.id for milestone in milestones])
    wanted: dict[int, list[Milestone]] = {}
    for identity_id, (types, badges) in changes.items():
        changed = {("action", key) for key in types} | {("badge", key) for key in badges}
        mine = [milestone for milestone in milestones
                if triggers[milestone.id] & changed and milestone.id not in awarded[identity_id]]
        if mine:
            wanted[identity_id] = mine
    return wanted


def _evaluate(wanted: dict[int, list[Milestone]], as_of: datetime,
              results: dict[int, Evaluation]) -> dict[int, set[str]]:
    """Evaluate each person's milestones and award those reached; the badge classes newly
    awarded to each person."""
    if not wanted:
        return {}
    every = {milestone.id: milestone for mine in wanted.values() for milestone in mine}
    types, badges = inputs(every.values())
    facts, infos = gather_facts(list(wanted), action_types=types, badges=badges, as_of=as_of)
    pathways = {milestone.pathway_id: milestone.pathway for milestone in every.values()}
    awarded = awarded_milestones(list(wanted), [
        milestone.id for pathway in pathways.values()
        for milestone in pathway.active_milestones])
    named = {pathway_id: names(pathway) for pathway_id, pathway in pathways.items()}
    reached: list[Reached] = []
    for identity_id, mine in wanted.items():
        for pathway_id in sorted({milestone.pathway_id for milestone in mine}):
            def judge(milestone: Milestone, outcome: Outcome, identity_id=identity_id) -> bool:
                if outcome.holds:
                    reached.append(Reached(milestone, identity_id, outcome))
                return outcome.holds

            walk(pathways[pathway_id], facts[identity_id], awarded[identity_id], as_of, judge,
                 selected={milestone.id for milestone in mine}, named=named[pathway_id])
    return _award_all(pathways, reached, infos, results)


def _award_all(pathways: dict[int, Pathway], reached: list[Reached],
               infos: dict[int, ActionInfo], results: dict[int, Evaluation],
               ) -> dict[int, set[str]]:
    """Award per milestone, each pathway's milestones in dependency order."""
    new_badges: dict[int, set[str]] = defaultdict(set)
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
    return new_badges


def _identities(identity_ids: Collection[int]) -> dict[int, RecipientIdentity]:
    if not identity_ids:
        return {}
    return {identity.id: identity for identity in db.session.scalars(
        sa.select(RecipientIdentity).where(RecipientIdentity.id.in_(identity_ids)))}


class MilestoneBatch:
    """One milestone reached by several people: those holding its badge class already get
    the milestone recorded against that award; the others get the badge in one batch."""

    def __init__(self, actor, pathway: Pathway, milestone: Milestone, group: list[Reached],
                 identities: dict[int, RecipientIdentity], infos: dict[int, ActionInfo],
                 results: dict[int, Evaluation]) -> None:
        self.actor, self.pathway, self.milestone = actor, pathway, milestone
        self.group, self.identities, self.infos, self.results = group, identities, infos, results
        self.by_key = {self.key(item.identity_id): item for item in group}
        self.new_badges: set[int] = set()

    def key(self, identity_id: int) -> str:
        return f"milestone:{self.milestone.id}:{identity_id}"

    def award(self) -> set[int]:
        """Award the group; the people whose award failed."""
        held = self._held()
        if held:
            holders = [item for item in self.group if item.identity_id in held]
            with transaction():
                won = self._insert(holders,
                                   {who: award_id for who, (award_id, _) in held.items()})
                self._events([(item, held[item.identity_id][1]) for item in holders
                              if item.identity_id in won])
            for item in holders:  # counted once committed
                self._count(item.identity_id, won=item.identity_id in won)
        rest = [item for item in self.group if item.identity_id not in held]
        if not rest:
            return set()
        items = [self._batch_item(item) for item in rest]
        db.session.info[AWARDING] = True
        try:
            outcomes = award_batch(self.actor, self.milestone.badge_class.public_id, items,
                                   claim=self)
        except CairnError as error:
            for item in rest:
                self._failed(item.identity_id, error)
            return {item.identity_id for item in rest}
        except IntegrityError:
            db.session.rollback()
            return self._one_by_one(rest)
        finally:
            db.session.info.pop(AWARDING, None)
        for key, outcome in outcomes.items():  # counted once committed
            who = self.by_key[key].identity_id
            if who in self.new_badges or outcome == CLAIMED:
                self._count(who, won=who in self.new_badges)
        # The batch stored neither an award nor a milestone row for these (a holder that
        # appeared since `_held`, or an earlier run's key): the single path settles them.
        unsettled = [self.by_key[key] for key, outcome in outcomes.items()
                     if outcome in (ALREADY_HELD, AWARDED)
                     and self.by_key[key].identity_id not in self.new_badges]
        return self._one_by_one(unsettled) if unsettled else set()

    # --- BatchClaim -----------------------------------------------------------------------

    def claim(self, keys: Sequence[str]) -> set[str]:
        won = self._insert([self.by_key[key] for key in keys], {})
        return {key for key in keys if self.by_key[key].identity_id in won}

    def stored(self, new: Sequence[tuple[Assertion, BatchItem]]) -> None:
        pairs = [(self.by_key[item.key], assertion) for assertion, item in new]
        table = MilestoneAward.__table__
        db.session.execute(sa.update(table).where(
            table.c.milestone_id == self.milestone.id, table.c.identity_id == sa.bindparam("who"))
            .values(assertion_id=sa.bindparam("assertion")),
            [{"who": item.identity_id, "assertion": assertion.id} for item, assertion in pairs])
        self._events([(item, assertion.public_id) for item, assertion in pairs])
        for item, _ in pairs:
            self.new_badges.add(item.identity_id)

    # --- helpers --------------------------------------------------------------------------

    def _batch_item(self, item: Reached) -> BatchItem:
        identity = self.identities[item.identity_id]
        return BatchItem(self.key(item.identity_id), Recipient(identity.type, identity.value),
                         award_details(self.pathway, self.milestone, item.outcome, self.infos),
                         identity=identity)

    def _held(self) -> dict[int, tuple[int, str]]:
        """Who in the group holds the badge class now (unrevoked, unsuspended, unexpired:
        as the single path judges it; the first such award): identity -> (award id,
        public id)."""
        held: dict[int, tuple[int, str]] = {}
        for who, award_id, public_id in db.session.execute(sa.select(
                Assertion.recipient_identity_id, Assertion.id, Assertion.public_id).where(
                Assertion.badge_class_id == self.milestone.badge_class_id,
                Assertion.recipient_identity_id.in_([item.identity_id for item in self.group]),
                *held_now(utcnow())).order_by(Assertion.id.desc())):
            held[who] = (award_id, public_id)
        return held

    def _insert(self, items: Iterable[Reached], held: dict[int, int]) -> set[int]:
        """Insert the milestone awards (with the award already held, where there is one);
        the identities whose row this inserted. The others lost to a concurrent run. Rows
        go in identity order, so two runs over the same people lock them in the same order
        on PostgreSQL and cannot deadlock."""
        insert = INSERTS[db.session.get_bind().dialect.name]
        now, version = utcnow(), self.milestone.current.id
        items = sorted(items, key=lambda item: item.identity_id)
        rows = [{"milestone_id": self.milestone.id, "identity_id": item.identity_id,
                 "rule_version_id": version, "created_at": now,
                 "assertion_id": held.get(item.identity_id),
                 "action_ids": [self.infos[a].public_id for a in item.outcome.action_ids]}
                for item in items]
        if not rows:
            return set()
        # Many parameter sets to one statement (not .values(rows)): compiled once and cached,
        # sent as one multi-row INSERT all the same.
        table = MilestoneAward.__table__
        return set(db.session.scalars(
            insert(table).on_conflict_do_nothing(index_elements=["milestone_id", "identity_id"])
            .returning(table.c.identity_id), rows))

    def _count(self, identity_id: int, *, won: bool) -> None:
        """A milestone award made, or lost to a concurrent run."""
        result = self.results[identity_id]
        if won:
            result.awarded += 1
        else:
            result.already += 1

    def _events(self, made: Sequence[tuple[Reached, str]]) -> None:
        """`milestone.reached` for each (person, award public id)."""
        if made:
            queue_events(self.pathway.issuer.public_id, "milestone.reached", [
                reached_event(self.pathway, self.milestone, self.identities[item.identity_id],
                              public_id) for item, public_id in made])

    def _failed(self, identity_id: int, error: CairnError) -> None:
        result = self.results[identity_id]
        result.failed += 1
        result.errors.append({"milestone": self.milestone.public_id, "code": error.code,
                              "message": error.message, "errors": error.errors})

    def _one_by_one(self, rest: list[Reached]) -> set[int]:
        """After a conflict in the batch: each person through the single-award path."""
        failed, badge = set(), self.milestone.badge_class.public_id
        for item in rest:
            result = self.results[item.identity_id]
            had = badge in result.new_badges
            if not award_one(self.actor, self.pathway, self.milestone,
                             self.identities[item.identity_id], item.outcome, self.infos,
                             result):
                failed.add(item.identity_id)
            elif not had and badge in result.new_badges:
                self.new_badges.add(item.identity_id)
        return failed
