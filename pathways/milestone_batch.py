"""One milestone reached by several people, awarded in one batch through the bulk-award
path (`badges.batch.award_batch`), which signs with no transaction open.

Awarding once: the batch claims its `MilestoneAward` rows (INSERT ... ON CONFLICT DO
NOTHING) in the transaction that stores its assertions, and stores only the rows it won.
A batch that meets another conflict falls back to awarding its people one by one
(`evaluation.award_one`). People who hold the badge class already get the milestone
recorded against the award they hold.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from badges.awards import Recipient
from badges.batch import ALREADY_HELD, AWARDED, CLAIMED, BatchItem, award_batch
from badges.models import Assertion
from cairn.db import UTCDateTime, db, transaction, utcnow
from cairn.errors import CairnError
from cairn.webhooks import queue_events
from pathways.action_sql import any_of
from pathways.evaluation import (
    AWARDING,
    INSERTS,
    ActionInfo,
    Evaluation,
    award_one,
    held_now,
    reached_event,
)
from pathways.models import Milestone, MilestoneAward, Pathway
from pathways.pathway_evidence import award_details
from pathways.rules import Outcome
from recipients.models import RecipientIdentity

#: `MilestoneBatch._insert` on PostgreSQL: the rows as arrays, so that the statement stays
#: short (psycopg parses a long one's placeholders at every call), in the order given.
_CLAIM = sa.text("""
    INSERT INTO milestone_awards (milestone_id, identity_id, rule_version_id, created_at,
                                  assertion_id, action_ids)
    SELECT :milestone_id, identity_id, :rule_version_id, :created_at, assertion_id,
           CAST(action_ids AS json)
    FROM unnest(CAST(:identity_id AS integer[]), CAST(:assertion_id AS integer[]),
                CAST(:action_ids AS text[]))
         WITH ORDINALITY AS given(identity_id, assertion_id, action_ids, position)
    ORDER BY position
    ON CONFLICT (milestone_id, identity_id) DO NOTHING
    RETURNING identity_id""").bindparams(sa.bindparam("created_at", type_=UTCDateTime))


#: `MilestoneBatch.stored` on PostgreSQL: each row's award, as two arrays in one statement.
_ATTACH = sa.text("""
    UPDATE milestone_awards SET assertion_id = given.assertion_id
    FROM unnest(CAST(:identity_id AS integer[]), CAST(:assertion_id AS integer[]))
         AS given(identity_id, assertion_id)
    WHERE milestone_awards.milestone_id = :milestone_id
      AND milestone_awards.identity_id = given.identity_id""")


@dataclass(frozen=True)
class Reached:
    """A milestone whose rule holds for a person, to award."""

    milestone: Milestone
    identity_id: int
    outcome: Outcome


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
                                   claim=self, earlier_runs=False)
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
        if db.session.get_bind().dialect.name == "postgresql":
            db.session.execute(_ATTACH, {
                "milestone_id": self.milestone.id,
                "identity_id": [item.identity_id for item, _ in pairs],
                "assertion_id": [assertion.id for _, assertion in pairs]})
        else:
            table = MilestoneAward.__table__
            db.session.execute(sa.update(table).where(
                table.c.milestone_id == self.milestone.id,
                table.c.identity_id == sa.bindparam("who"))
                .values(assertion_id=sa.bindparam("assertion")),
                [{"who": item.identity_id, "assertion": assertion.id}
                 for item, assertion in pairs])
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
                any_of(Assertion.recipient_identity_id, [item.identity_id for item in self.group]),
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
        if db.session.get_bind().dialect.name == "postgresql":
            return set(db.session.scalars(_CLAIM, {
                "milestone_id": self.milestone.id, "rule_version_id": version,
                "created_at": now, **{name: [row[name] for row in rows]
                                      for name in ("identity_id", "assertion_id")},
                "action_ids": [json.dumps(row["action_ids"]) for row in rows]}))
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
