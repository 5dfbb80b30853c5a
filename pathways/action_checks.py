"""What an action must satisfy before it is recorded, checked for a whole batch at once.

The checks only read (action types, handles and retraction targets: one query each for the
whole batch), so a batch with an invalid item is refused before anything is written.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from cairn.db import db
from pathways.action_errors import InvalidHandle
from pathways.action_models import RETRACTION, Action, ActionType
from pathways.action_people import (
    HANDLE,
    PersonRef,
    handle_identities,
    identity_of,
    normalise_handle,
)
from pathways.action_sql import any_of
from pathways.action_types import action_types_by_key, properties_errors, properties_validator
from recipients.errors import InvalidIdentity
from recipients.models import IdentityType

MISSING = "Missing data for required field."


@dataclass(frozen=True)
class ActionDraft:
    """An action as a source posts it. `source` may be left out on a signed webhook (the
    webhook's source is taken); `type`, `person` and `occurred_at` on a retraction."""

    external_id: str
    source: str | None = None
    type: str | None = None
    person: PersonRef | None = None
    occurred_at: datetime | None = None
    properties: dict[str, Any] = field(default_factory=dict)
    retracts: tuple[str, str] | None = None  # (source, id) of the action withdrawn


@dataclass(frozen=True)
class UnreadableAction:
    """An item that failed the request schema, kept so that the whole batch is reported."""

    errors: dict[str, Any]
    source: str | None = None
    external_id: str | None = None


@dataclass(frozen=True)
class Recorded:
    """An action already stored, as far as recording others needs it."""

    id: int
    public_id: str
    identity_id: int
    type_key: str | None  # None for a retraction
    retracts_id: int | None = None


@dataclass
class Row:
    """A valid item, ready to be written."""

    index: int
    key: tuple[str, str]  # (source, external_id)
    occurred_at: datetime | None
    properties: dict[str, Any]
    type_id: int | None = None
    type_key: str | None = None
    identity: tuple[IdentityType, str] | None = None  # to resolve (get or create)
    identity_id: int | None = None
    target_key: tuple[str, str] | None = None  # a retraction's target ...
    target: Recorded | None = None  # ... when it was recorded before this batch
    target_id: int | None = None
    duplicate_of: int | None = None  # position of an earlier row with the same key
    created: bool = False


@dataclass
class _Batch:
    """What the checks of one batch share: looked up once, for every item."""

    webhook_source: str | None
    types: dict[str, ActionType]
    validators: dict[str, Any]
    handles: dict[str, int]
    recorded: dict[tuple[str, str], Recorded]
    rows: list[Row] = field(default_factory=list)
    by_key: dict[tuple[str, str], int] = field(default_factory=dict)
    by_target: dict[tuple[str, str], int] = field(default_factory=dict)


def check_items(items: Sequence[ActionDraft | UnreadableAction], *,
                webhook_source: str | None) -> tuple[list[Row], dict[int, dict[str, Any]]]:
    """The rows to write (one per item, in order) and the errors of each invalid item."""
    drafts = [item for item in items if isinstance(item, ActionDraft)]
    types = action_types_by_key(d.type for d in drafts if d.retracts is None and d.type)
    batch = _Batch(
        webhook_source=webhook_source, types=types,
        validators={key: properties_validator(t) for key, t in types.items()},
        handles=handle_identities(_handles(drafts)),
        recorded=_recorded({d.retracts for d in drafts if d.retracts is not None}))
    invalid: dict[int, dict[str, Any]] = {}
    for index, item in enumerate(items):
        if isinstance(item, UnreadableAction):
            invalid[index] = item.errors
            continue
        errors: dict[str, Any] = {}
        row = _check(index, item, batch, errors)
        if errors:
            invalid[index] = errors
        else:
            _add(batch, row)
    return batch.rows, invalid


def _add(batch: _Batch, row: Row) -> None:
    """Keep a valid row; a later row with the same key, or withdrawing the same action,
    duplicates the earlier one."""
    position = len(batch.rows)
    row.duplicate_of = batch.by_key.get(row.key)
    if row.duplicate_of is None and row.target_key is not None:
        row.duplicate_of = batch.by_target.get(row.target_key)
    batch.rows.append(row)
    if row.duplicate_of is None:
        batch.by_key[row.key] = position
        if row.target_key is not None:
            batch.by_target[row.target_key] = position


def _check(index: int, draft: ActionDraft, batch: _Batch, errors: dict[str, Any]) -> Row:
    source = _source(draft, batch.webhook_source, errors)
    row = Row(index, (source or "", draft.external_id), draft.occurred_at, draft.properties)
    if draft.retracts is None:
        _check_plain(row, draft, batch, errors)
    else:
        _check_retraction(row, draft, batch, errors)
    return row


def _source(draft: ActionDraft, webhook_source: str | None, errors: dict[str, Any]) -> str:
    if webhook_source is None:
        if draft.source is None:
            errors["source"] = [MISSING]
        return draft.source or ""
    if draft.source not in (None, webhook_source):
        errors["source"] = [f"Must be '{webhook_source}', the source of this webhook."]
    return webhook_source


def _check_plain(row: Row, draft: ActionDraft, batch: _Batch, errors: dict[str, Any]) -> None:
    if draft.type is None:
        errors["type"] = [MISSING]
    elif draft.type == RETRACTION:
        errors["retracts"] = ["A retraction names the action it withdraws: "
                              "{\"source\": ..., \"id\": ...}."]
    elif draft.type not in batch.types:
        errors["type"] = [f"Unknown action type '{draft.type}'."]
    else:
        row.type_id, row.type_key = batch.types[draft.type].id, draft.type
        problems = properties_errors(batch.validators[draft.type], draft.properties)
        if problems:
            errors["properties"] = problems
    if draft.occurred_at is None:
        errors["occurred_at"] = [MISSING]
    if draft.person is None:
        errors["person"] = [MISSING]
    elif draft.person.type == HANDLE:
        row.identity_id = _handle_identity(draft.person.identity, batch, errors)
    else:
        try:
            row.identity = identity_of(draft.person)
        except InvalidIdentity as error:
            errors["person"] = error.errors


def _handle_identity(handle: str, batch: _Batch, errors: dict[str, Any]) -> int | None:
    try:
        handle = normalise_handle(handle)
    except InvalidHandle as error:
        errors["person"] = {"identity": error.errors["handle"]}
        return None
    if handle not in batch.handles:
        errors["person"] = {"identity": [
            f"The handle '{handle}' is not mapped to a person; map it first "
            "(POST /api/v1/handles)."]}
    return batch.handles.get(handle)


def _check_retraction(row: Row, draft: ActionDraft, batch: _Batch,
                      errors: dict[str, Any]) -> None:
    if draft.type not in (None, RETRACTION):
        errors["type"] = [f"A retraction has the type '{RETRACTION}' or none."]
    if draft.person is not None:
        errors["person"] = ["A retraction is about the person of the action it withdraws; "
                            "leave this out."]
    row.target_key = draft.retracts
    row.target = batch.recorded.get(draft.retracts)
    earlier = batch.by_key.get(draft.retracts)
    if row.target is None and earlier is None:
        source, external_id = draft.retracts
        errors["retracts"] = [f"No action with source '{source}' and id '{external_id}' "
                              "has been recorded."]
    elif (row.target.type_key is None if row.target is not None
          else batch.rows[earlier].target_key is not None):
        errors["retracts"] = ["A retraction cannot be retracted."]


def _handles(drafts: list[ActionDraft]) -> list[str]:
    handles = []
    for draft in drafts:
        if draft.person is not None and draft.person.type == HANDLE:
            try:
                handles.append(normalise_handle(draft.person.identity))
            except InvalidHandle:
                continue  # reported by the item's own check
    return handles


def _recorded(keys: set[tuple[str, str]]) -> dict[tuple[str, str], Recorded]:
    if not keys:
        return {}
    rows = db.session.execute(
        sa.select(Action.id, Action.public_id, Action.source, Action.external_id,
                  Action.identity_id, Action.retracts_id, ActionType.key)
        .outerjoin(ActionType, ActionType.id == Action.action_type_id)
        .where(any_of(Action.source, sorted({source for source, _ in keys})),
               any_of(Action.external_id, sorted({external_id for _, external_id in keys}))))
    return {(r.source, r.external_id): Recorded(r.id, r.public_id, r.identity_id, r.key,
                                                 r.retracts_id)
            for r in rows if (r.source, r.external_id) in keys}
