"""The rows reports count, as SELECTs of (person, at, ...) that the aggregates in
reporting/counts.py group: awards, actions, milestones reached and nominations.

What each leaves out, whatever the report:
- awards revoked or suspended now, unless `include_revoked` (they are left out over their
  whole history: the award stands withdrawn, not from some date on);
- retractions, and every action a retraction points at (pathways/action_models.py);
- milestones reached through an award that is revoked or suspended now, unless
  `include_revoked`.
Expiry is the holders count's business (reporting/holders.py): an award that expired
later still made its recipient a contributor and a new holder when it was issued.

Each takes a `part` (reporting/slices.py): every row by default, or the rows of some
identities up to some ids, which is how kept figures are brought up to date. A part that
is a change (with `before`) adds the columns `old` and `new`: whether the row counted up
to the older marks, and up to the newer ones. An award or a milestone counts in both once
it is there (a revocation is a correction, counted again from scratch); an action stops
counting when a retraction of it comes in.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from badges.models import Assertion, BadgeClass
from pathways.action_models import Action
from pathways.models import Milestone, MilestoneAward
from pathways.nomination_models import Nomination
from reporting.people import with_person
from reporting.properties import property_number, where_clause
from reporting.slices import EVERY, Identities, Slice


@dataclass(frozen=True)
class AwardScope:
    """Which awards count: of these badge classes (None: any), of these issuers (None:
    any). An empty tuple matches nothing."""

    badge_class_ids: tuple[int, ...] | None = None
    issuer_ids: tuple[int, ...] | None = None
    include_revoked: bool = False


@dataclass(frozen=True)
class ActionScope:
    """Which actions count: of these types (None: any type), meeting `where`."""

    action_type_ids: tuple[int, ...] | None = None
    where: dict[str, dict[str, Any]] = field(default_factory=dict)


def _flags(part: Slice, table: str, id_column: sa.ColumnElement,
           new: sa.ColumnElement[int] | None = None) -> list[sa.ColumnElement[int]]:
    """The `old` and `new` columns of a change; none for any other part."""
    if part.before is None:
        return []
    return [part.old(table, id_column).label("old"),
            (sa.literal(1) if new is None else new).label("new")]


def _within(column: sa.ColumnElement, ids: tuple[int, ...] | None) -> sa.ColumnElement[bool]:
    if ids is None:
        return sa.true()
    return column.in_(ids) if ids else sa.false()


def _standing(assertion) -> sa.ColumnElement[bool]:
    return sa.and_(assertion.revoked_at.is_(None), assertion.suspended_at.is_(None))


def award_rows(scope: AwardScope, part: Slice = EVERY) -> sa.Select:
    """(person, at = issued_on, expires, id) of every award in scope."""
    query, person = with_person(sa.select().select_from(Assertion),
                                Assertion.recipient_identity_id)
    query = query.add_columns(person.label("person"), Assertion.issued_on.label("at"),
                              Assertion.expires_at.label("expires"), Assertion.id.label("id"))
    query = query.add_columns(*_flags(part, "assertions", Assertion.id))
    query = query.where(_within(Assertion.badge_class_id, scope.badge_class_ids),
                        _within(Assertion.issuer_id, scope.issuer_ids),
                        part.condition("assertions", Assertion.id,
                                       Assertion.recipient_identity_id))
    if not scope.include_revoked:
        query = query.where(_standing(Assertion))
    if isinstance(part.identities, sa.ColumnElement):
        # One identity's few awards (reporting/changes.py), by the index on the identity:
        # OFFSET 0 keeps a time bound from outside out of this query, with which the
        # planner liked to AND that index with the one on issued_on, reading every
        # award since that time once per identity.
        query = query.offset(0)
    return query


def action_rows(scope: ActionScope, *, amount: str | None = None,
                person: bool = True, part: Slice = EVERY) -> sa.Select | sa.CompoundSelect:
    """(person, at = occurred_at[, amount]) of every counted action in scope; `amount` is
    the numeric property to sum (NULL where the action's is not a number). Counts that
    need no person leave it (and its join) out."""
    query = sa.select().select_from(Action)
    if person:
        query, key = with_person(query, Action.identity_id)
        query = query.add_columns(key.label("person"))
    query = query.add_columns(Action.occurred_at.label("at"))
    if amount is not None:
        query = query.add_columns(property_number(Action.properties, amount).label("amount"))
    if part.before is not None:
        query = query.add_columns(*_flags(part, "actions", Action.id, new=sa.case(
            (Action.id.in_(_retracted(part.identities, part.before, part.upto)), 0),
            else_=1)))
    query = query.where(Action.action_type_id.is_not(None),
                        _within(Action.action_type_id, scope.action_type_ids),
                        where_clause(Action.properties, scope.where))
    if part.before is not None and part.identities is None:
        return _changed_actions(query, part)
    upto = part.upto if part.before is None else part.before
    return query.where(Action.id.not_in(_retracted(part.identities, None, upto)),
                       part.condition("actions", Action.id, Action.identity_id))


def _changed_actions(query: sa.Select, part: Slice) -> sa.CompoundSelect:
    """A change without identities reads only the actions past the older marks and the
    older ones that a retraction since withdraws, each by its id (two index reads, where
    an OR of the two would scan the table). None of the new ones can have been withdrawn
    before the older marks: a retraction comes after its action."""
    before = part.before["actions"]
    return sa.union_all(
        query.where(part.condition("actions", Action.id, Action.identity_id)),
        query.where(Action.id <= before,
                    Action.id.in_(_retracted(None, part.before, part.upto))))


def _retracted(identities: Identities, after: Mapping[str, int] | None,
               upto: Mapping[str, int] | None) -> sa.Select:
    """The ids of the actions withdrawn (by retractions past `after`, up to `upto`). NOT
    IN over this (never NULL) list, rather than NOT EXISTS: PostgreSQL probes a hash of
    the few retracted ids for each action instead of merging with the whole table, which
    costs a third of a large count. A retraction carries the identity of the action it
    withdraws, so a part's retractions are those of its identities."""
    retraction = aliased(Action)
    query = sa.select(retraction.retracts_id).where(
        retraction.retracts_id.is_not(None),
        Slice(identities, upto).condition("actions", retraction.id, retraction.identity_id))
    if identities is not None:  # found by (identity, no type): a retraction has no type
        query = query.where(retraction.action_type_id.is_(None))
    return query if after is None else query.where(retraction.id > after["actions"])


def contribution_rows(awards: AwardScope | None, actions: ActionScope | None,
                      part: Slice = EVERY) -> sa.Select | sa.CompoundSelect:
    """(person, at) of every award and action that makes its person a contributor; at
    least one of the two scopes is given. Actions come first: a search for anyone's
    first row in a time range (reporting/changes.py) finds it by the actions' index on
    (identity, type, time), where awards have none."""
    names = ("person", "at") if part.before is None else ("person", "at", "old", "new")
    parts = []
    if actions is not None:
        rows = action_rows(actions, part=part).subquery()
        parts.append(sa.select(*(rows.c[name] for name in names)))
    if awards is not None:
        rows = award_rows(awards, part).subquery()
        parts.append(sa.select(*(rows.c[name] for name in names)))
    if not parts:
        raise ValueError("contributions need awards, actions or both")
    return parts[0] if len(parts) == 1 else sa.union_all(*parts)


def milestone_rows(pathway_id: int, milestone_ids: tuple[int, ...] | None, *,
                   include_revoked: bool = False, part: Slice = EVERY) -> sa.Select:
    """(person, at = reached, milestone) of every milestone of the pathway reached."""
    query = (sa.select().select_from(MilestoneAward)
             .join(Milestone, Milestone.id == MilestoneAward.milestone_id)
             .outerjoin(Assertion, Assertion.id == MilestoneAward.assertion_id))
    query, person = with_person(query, MilestoneAward.identity_id)
    query = query.add_columns(person.label("person"), MilestoneAward.created_at.label("at"),
                              MilestoneAward.milestone_id.label("milestone"),
                              *_flags(part, "milestone_awards", MilestoneAward.id))
    query = query.where(Milestone.pathway_id == pathway_id,
                        _within(MilestoneAward.milestone_id, milestone_ids),
                        part.condition("milestone_awards", MilestoneAward.id,
                                       MilestoneAward.identity_id))
    if include_revoked:
        return query
    return query.where(sa.or_(MilestoneAward.assertion_id.is_(None), _standing(Assertion)))


def nomination_rows(scope: AwardScope, status: str, part: Slice = EVERY) -> sa.Select:
    """(at) of each nomination: received (created), or decided (approved or rejected, at
    the decision); withdrawn nominations were received but never decided."""
    at = Nomination.created_at if status == "received" else Nomination.decided_at
    query = sa.select(at.label("at"), *_flags(part, "nominations", Nomination.id)
                      ).select_from(Nomination).where(
        _within(Nomination.badge_class_id, scope.badge_class_ids),
        part.condition("nominations", Nomination.id, Nomination.identity_id))
    if scope.issuer_ids is not None:
        query = query.join(BadgeClass, BadgeClass.id == Nomination.badge_class_id).where(
            _within(BadgeClass.issuer_id, scope.issuer_ids))
    decided = {"decided": ("approved", "rejected"), "approved": ("approved",),
               "rejected": ("rejected",)}
    if status in decided:
        query = query.where(Nomination.status.in_(decided[status]),
                            Nomination.decided_at.is_not(None))
    return query
