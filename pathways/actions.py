"""Recording actions: one, or a batch of up to 1,000, each idempotent by (source, id).

A batch is all or nothing: every item is checked first (shape, type, properties against the
type's schema, person, retraction target) with a few queries for the whole batch; if any
item is invalid nothing is written and every invalid item is reported. Otherwise the batch
is written with a handful of statements whatever its size: the identities (a SELECT per
identity type, and recipients.services.resolve_identities for those never seen), the
actions (one INSERT .. ON CONFLICT DO NOTHING .. RETURNING, see action_sql.py), a SELECT of
the originals of any duplicates, and the same two again for retractions. The unique key
(source, external_id), not a read before the write, is what makes a retry, or the same
action posted by two processes at once, count once; rows are inserted in key order, so
concurrent batches cannot deadlock.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from cairn.db import db, new_public_id, transaction, utcnow
from pathways.action_checks import ActionDraft, Recorded, Row, UnreadableAction, check_items
from pathways.action_errors import ActionNotFound, InvalidAction, InvalidActions, TooManyActions
from pathways.action_models import RETRACTION, Action, ActionType
from pathways.action_people import PersonRef, identity_id_for_filter
from pathways.action_sql import any_of, identity_ids, insert_actions
from pathways.signals import actions_recorded, actions_recording
from recipients.models import IdentityType
from recipients.services import resolve_identities

MAX_BATCH = 1000
#: What rendering an action needs, loaded with it.
ACTION_LOADS = (joinedload(Action.action_type), joinedload(Action.identity),
                joinedload(Action.retracts))


@dataclass
class Outcome:
    index: int
    status: str  # created | duplicate
    public_id: str
    action_id: int
    source: str
    external_id: str


def record_actions(items: Sequence[ActionDraft | UnreadableAction], *,
                   webhook_source: str | None = None) -> list[Outcome]:
    """Record a batch; the outcome of each item, in order. Raises InvalidActions (nothing
    written) if any item is invalid. Sends `actions_recording` before the commit and
    `actions_recorded` after it."""
    if len(items) > MAX_BATCH:
        raise TooManyActions(f"At most {MAX_BATCH:,} actions in one batch; this one has "
                             f"{len(items):,}.",
                             {"actions": [f"At most {MAX_BATCH:,} actions in one batch."]})
    new: list[tuple[int, int, str | None, int | None]] = []
    with transaction():
        rows, invalid = check_items(items, webhook_source=webhook_source)
        if invalid:
            raise _invalid(items, invalid)
        outcomes = _write(rows, new)
        if new:
            actions_recording.send(None, actions=new)
    if new:
        actions_recorded.send(None, actions=new)
    return outcomes


def record_action(item: ActionDraft | UnreadableAction, *,
                  webhook_source: str | None = None) -> tuple[Action, bool]:
    """Record one action: the action, and whether it is new (False: it was recorded
    before, and the original is returned)."""
    try:
        outcome = record_actions([item], webhook_source=webhook_source)[0]
    except InvalidActions as error:
        raise InvalidAction("The action is not valid.", error.items[0]["errors"]) from None
    return _load(outcome.action_id), outcome.status == "created"


def _invalid(items: Sequence[ActionDraft | UnreadableAction],
             invalid: dict[int, dict[str, Any]]) -> InvalidActions:
    listed = [{"index": index, "id": None, "status": "invalid",
               "source": getattr(items[index], "source", None),
               "external_id": getattr(items[index], "external_id", None), "errors": errors}
              for index, errors in sorted(invalid.items())]
    return InvalidActions(
        f"{len(invalid)} of {len(items)} actions are not valid; none was recorded.",
        {"actions": {str(index): errors for index, errors in sorted(invalid.items())}},
        listed)


def _write(rows: list[Row], new: list) -> list[Outcome]:
    fresh = [row for row in rows if row.duplicate_of is None]
    plain = sorted((row for row in fresh if row.target_key is None), key=lambda r: r.key)
    identities = _identity_ids({row.identity for row in plain if row.identity is not None})
    for row in plain:
        if row.identity is not None:
            row.identity_id = identities[row.identity]
    stored = _insert(plain, new)
    retractions = [row for row in fresh if row.target_key is not None]
    for row in retractions:
        target = row.target or stored[row.target_key]
        row.target_id, row.identity_id, row.type_key = (target.id, target.identity_id,
                                                        target.type_key)
    retractions.sort(key=lambda r: r.target_id)
    stored.update(_insert(retractions, new))
    outcomes = []
    for row in rows:
        key = row.key if row.duplicate_of is None else rows[row.duplicate_of].key
        found = stored[key]
        status = "created" if row.duplicate_of is None and row.created else "duplicate"
        outcomes.append(Outcome(row.index, status, found.public_id, found.id, *row.key))
    return outcomes


def _identity_ids(wanted: set[tuple[IdentityType, str]]) -> dict[tuple[IdentityType, str], int]:
    """The id of each (normalised) identity. Known ones are read, one SELECT per type; only
    new ones go through resolve_identities, whose INSERT costs per row even when every
    identity exists already (most actions are by people seen before)."""
    found: dict[tuple[IdentityType, str], int] = {}
    for kind in {kind for kind, _ in wanted}:
        values = sorted(value for other, value in wanted if other is kind)
        found.update(((kind, value), identity_id)
                     for identity_id, value in identity_ids(kind, values))
    missing = wanted - found.keys()
    if missing:
        found.update((pair, identity.id)
                     for pair, identity in resolve_identities(sorted(missing)).items())
    return found


def _insert(rows: list[Row], new: list) -> dict[tuple[str, str], Recorded]:
    """Insert the rows (skipping any that conflict) and return what is stored under
    each row's key: the new row, or the original it duplicates."""
    if not rows:
        return {}
    now = utcnow()
    values = [{"public_id": new_public_id(), "action_type_id": row.type_id,
               "identity_id": row.identity_id, "occurred_at": row.occurred_at or now,
               "properties": row.properties, "source": row.key[0],
               "external_id": row.key[1], "retracts_id": row.target_id}
              for row in rows]
    created = {(source, external_id): (action_id, public_id) for action_id, public_id,
               source, external_id in insert_actions(values, recorded_at=now)}
    stored: dict[tuple[str, str], Recorded] = {}
    for row in rows:
        if row.key in created:
            action_id, public_id = created[row.key]
            row.created = True
            stored[row.key] = Recorded(action_id, public_id, row.identity_id,
                                       None if row.target_id else row.type_key, row.target_id)
            new.append((action_id, row.identity_id, row.type_key, row.target_id))
    missing = [row for row in rows if row.key not in created]
    if missing:
        stored.update(_originals(missing))
    return stored


def _originals(rows: list[Row]) -> dict[tuple[str, str], Recorded]:
    """The recorded action each conflicting row duplicates: the one with its (source, id),
    or, for a retraction, the earlier retraction of the same action."""
    keys = {row.key for row in rows}
    targets = [row.target_id for row in rows if row.target_id is not None]
    condition = sa.and_(any_of(Action.source, sorted({key[0] for key in keys})),
                        any_of(Action.external_id, sorted({key[1] for key in keys})))
    if targets:
        condition = sa.or_(condition, any_of(Action.retracts_id, targets))
    found = db.session.execute(
        sa.select(Action.id, Action.public_id, Action.source, Action.external_id,
                  Action.identity_id, Action.retracts_id, ActionType.key)
        .outerjoin(ActionType, ActionType.id == Action.action_type_id).where(condition)).all()
    by_key = {(r.source, r.external_id): r for r in found if (r.source, r.external_id) in keys}
    by_target = {r.retracts_id: r for r in found if r.retracts_id is not None}
    stored = {}
    for row in rows:
        original = by_key.get(row.key) or by_target[row.target_id]
        stored[row.key] = Recorded(original.id, original.public_id, original.identity_id,
                                   original.key, original.retracts_id)
    return stored


def _load(action_id: int) -> Action:
    return db.session.scalar(sa.select(Action).where(Action.id == action_id)
                             .options(*ACTION_LOADS))


def get_action(public_id: str) -> Action:
    action = db.session.scalar(sa.select(Action).where(Action.public_id == public_id)
                               .options(*ACTION_LOADS))
    if action is None:
        raise ActionNotFound("No such action.")
    return action


@dataclass(frozen=True)
class ActionFilter:
    type: str | None = None  # a type key, or "retraction"
    person: PersonRef | None = None
    source: str | None = None
    since: datetime | None = None  # occurred at or after
    until: datetime | None = None  # occurred before


def list_actions(filters: ActionFilter, *, limit: int, before: int | None) -> list[Action]:
    """Newest recorded first (limit + 1 rows, for the page's cursor)."""
    query = sa.select(Action).options(*ACTION_LOADS).order_by(Action.id.desc()).limit(limit + 1)
    if filters.type == RETRACTION:
        query = query.where(Action.retracts_id.is_not(None))
    elif filters.type is not None:
        query = query.where(Action.action_type_id == sa.select(ActionType.id).where(
            ActionType.key == filters.type).scalar_subquery())
    if filters.person is not None:
        identity_id = identity_id_for_filter(filters.person)
        if identity_id is None:
            return []
        query = query.where(Action.identity_id == identity_id)
    if filters.source is not None:
        query = query.where(Action.source == filters.source)
    if filters.since is not None:
        query = query.where(Action.occurred_at >= filters.since)
    if filters.until is not None:
        query = query.where(Action.occurred_at < filters.until)
    if before is not None:
        query = query.where(Action.id < before)
    return list(db.session.scalars(query))
