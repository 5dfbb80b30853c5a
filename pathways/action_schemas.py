"""marshmallow schemas of action types, actions, handles and sources (API in and out).

`POST /actions` takes one action or a batch, and a batch reports every invalid item at
once, so the body is read here item by item (`load_actions`) rather than by webargs, which
would stop at the first broken item with errors in another shape.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import marshmallow as ma

from cairn.errors import ValidationFailed
from cairn.http import PageArgs, PageOut
from cairn.urls import public_url
from pathways.action_checks import ActionDraft, UnreadableAction
from pathways.action_errors import MalformedBody, TooManyActions
from pathways.action_people import PERSON_TYPES, PersonRef
from pathways.actions import MAX_BATCH

#: Largest properties object of one action, as JSON text.
MAX_PROPERTIES_CHARS = 16_384
#: How far ahead of the server's clock an action may be dated (clocks drift).
FUTURE_SLACK = timedelta(hours=1)
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)


class ActionTypeIn(ma.Schema):
    key = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=100),
                           metadata={"description": "Dotted lowercase words, like "
                                                    "`partnership.closed`; never changes."})
    description = ma.fields.String(load_default="", validate=ma.validate.Length(max=5000))
    properties_schema = ma.fields.Dict(load_default=dict, metadata={
        "description": "JSON Schema (draft 2020-12 unless `$schema` says otherwise) that "
                       "each action's `properties` must satisfy. `$ref` may only point "
                       "inside it (`#/$defs/...`)."})


class ActionTypeOut(ma.Schema):
    key = ma.fields.String()
    description = ma.fields.String()
    properties_schema = ma.fields.Dict()
    created_at = ma.fields.AwareDateTime()


class ActionTypePage(PageOut):
    items = ma.fields.List(ma.fields.Nested(ActionTypeOut))


class ActionPersonIn(ma.Schema):
    type = ma.fields.String(load_default="email", validate=ma.validate.OneOf(PERSON_TYPES),
                            metadata={"description": "`handle` for an external handle "
                                                     "mapped with POST /handles"})
    identity = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=2000))

    @ma.post_load
    def _make(self, data, **kwargs):
        return PersonRef(**data)


class ActionRefIn(ma.Schema):
    source = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=100))
    id = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=200))


def _properties_size(value: dict) -> None:
    if len(json.dumps(value, default=str)) > MAX_PROPERTIES_CHARS:
        raise ma.ValidationError(f"At most {MAX_PROPERTIES_CHARS:,} characters of JSON.")


def _plausible_time(value: datetime) -> None:
    if value < EARLIEST:
        raise ma.ValidationError("Must be after 1970-01-01T00:00:00Z.")
    if value > datetime.now(UTC) + FUTURE_SLACK:
        raise ma.ValidationError("Must not be in the future.")


class ActionIn(ma.Schema):
    source = ma.fields.String(load_default=None, validate=ma.validate.Length(min=1, max=100),
                              metadata={"description": "The system the action comes from; "
                                        "(source, id) is recorded once."})
    id = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=200),
                          metadata={"description": "The source's id of the action."})
    type = ma.fields.String(load_default=None, validate=ma.validate.Length(min=1, max=100),
                            metadata={"description": "An action type key; `retraction` "
                                                     "(or none) with `retracts`."})
    person = ma.fields.Nested(ActionPersonIn, load_default=None)
    occurred_at = ma.fields.AwareDateTime(load_default=None, validate=_plausible_time,
                                          metadata={"description": "RFC 3339 with offset; "
                                                    "a retraction defaults to now."})
    properties = ma.fields.Dict(load_default=dict, validate=_properties_size)
    retracts = ma.fields.Nested(ActionRefIn, load_default=None, metadata={
        "description": "Withdraw the action recorded with this source and id."})

    @ma.post_load
    def _make(self, data, **kwargs):
        retracts = data["retracts"]
        occurred_at = data["occurred_at"]
        return ActionDraft(
            external_id=data["id"], source=data["source"], type=data["type"],
            person=data["person"], properties=data["properties"],
            occurred_at=occurred_at.astimezone(UTC) if occurred_at else None,
            retracts=(retracts["source"], retracts["id"]) if retracts else None)


class ActionBatchIn(ma.Schema):
    actions = ma.fields.List(ma.fields.Nested(ActionIn), required=True,
                             validate=ma.validate.Length(max=MAX_BATCH))


_ACTION = ActionIn()


def read_json(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except (ValueError, RecursionError) as error:
        raise MalformedBody("The request body is not valid JSON.",
                            {"body": ["Invalid JSON body."]}) from error


def load_actions(body: Any) -> tuple[list[ActionDraft | UnreadableAction], bool]:
    """The items of a body holding one action or `{"actions": [...]}` (a bare list is a
    batch too), and whether it was a batch."""
    batch = isinstance(body, list) or (isinstance(body, dict) and "actions" in body)
    raw = body if isinstance(body, list) else body.get("actions") if batch else [body]
    if not isinstance(raw, list):
        raise ValidationFailed("Send one action, or {\"actions\": [...]}.",
                               {"actions": ["Not a valid list."]})
    if isinstance(body, dict) and batch and len(body) > 1:
        raise ValidationFailed("A batch is {\"actions\": [...]} and nothing else.",
                               {name: ["Unknown field."] for name in body if name != "actions"})
    if len(raw) > MAX_BATCH:
        raise TooManyActions(f"At most {MAX_BATCH:,} actions in one batch; this one has "
                             f"{len(raw):,}.",
                             {"actions": [f"At most {MAX_BATCH:,} actions in one batch."]})
    return [_load_one(item) for item in raw], batch


def _load_one(item: Any) -> ActionDraft | UnreadableAction:
    if not isinstance(item, dict):
        return UnreadableAction({"_schema": ["Invalid input type."]})
    draft = _plain_action(item)
    if draft is not None:
        return draft
    try:
        return _ACTION.load(item)
    except ma.ValidationError as error:
        def text(name: str) -> str | None:
            return item.get(name) if isinstance(item.get(name), str) else None
        return UnreadableAction(error.normalized_messages(), text("source"), text("id"))


_FIELDS = frozenset(ActionIn().fields)
_PERSON_FIELDS = frozenset(ActionPersonIn().fields)


def _text(value: Any, longest: int) -> bool:
    return isinstance(value, str) and 0 < len(value) <= longest


def _plain_action(item: dict[str, Any]) -> ActionDraft | None:
    """The common case, a well-formed action that withdraws nothing, read without
    marshmallow (which costs ten times as much: a batch of 1,000 would spend a fifth of a
    second here). It accepts only what ActionIn accepts; anything else, valid or not,
    returns None and goes through ActionIn, which has the error messages."""
    person, occurred_at = item.get("person"), item.get("occurred_at")
    properties = item.get("properties", {})
    if not (item.keys() <= _FIELDS and "retracts" not in item
            and (item.get("source") is None or _text(item["source"], 100))
            and _text(item.get("id"), 200)
            and _text(item.get("type"), 100) and isinstance(person, dict)
            and person.keys() <= _PERSON_FIELDS and person.get("type", "email") in PERSON_TYPES
            and _text(person.get("identity"), 2000) and isinstance(occurred_at, str)
            and isinstance(properties, dict)):
        return None
    try:
        when = datetime.fromisoformat(occurred_at)  # as ma.fields.AwareDateTime reads it
        if when.tzinfo is None:
            return None
        _plausible_time(when)
        _properties_size(properties)
    except (ValueError, ma.ValidationError):
        return None
    return ActionDraft(external_id=item["id"], source=item.get("source"), type=item["type"],
                       person=PersonRef(person.get("type", "email"), person["identity"]),
                       occurred_at=when.astimezone(UTC), properties=properties)


def batch_items(outcomes: list) -> list[dict[str, Any]]:
    """ActionBatchOut's items, built directly: dumping 1,000 outcomes with marshmallow
    would cost more than recording them."""
    return [{"index": o.index, "id": o.public_id, "status": o.status, "source": o.source,
             "external_id": o.external_id, "errors": {}} for o in outcomes]


class ActionRefOut(ma.Schema):
    source = ma.fields.String()
    id = ma.fields.String(attribute="external_id")


class ActionOut(ma.Schema):
    id = ma.fields.String(attribute="public_id")
    source = ma.fields.String()
    external_id = ma.fields.String(metadata={"description": "The source's id (`id` in)."})
    type = ma.fields.String(attribute="type_key")
    person = ma.fields.Function(lambda a: {"type": a.identity.type.value,
                                           "identity": a.identity.value})
    occurred_at = ma.fields.AwareDateTime()
    properties = ma.fields.Dict()
    retracts = ma.fields.Nested(ActionRefOut, allow_none=True)
    recorded_at = ma.fields.AwareDateTime()


class ActionItemOut(ma.Schema):
    index = ma.fields.Integer()
    id = ma.fields.String(attribute="public_id", allow_none=True,
                          metadata={"description": "Cairn's id of the action recorded (the "
                                                   "original for a duplicate)."})
    status = ma.fields.String(metadata={"enum": ["created", "duplicate", "invalid"]})
    source = ma.fields.String(allow_none=True)
    external_id = ma.fields.String(allow_none=True)
    errors = ma.fields.Dict(dump_default=dict)


class ActionBatchOut(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(ActionItemOut))


class ActionListArgs(PageArgs):
    type = ma.fields.String(load_default=None, metadata={"description": "An action type "
                                                         "key, or `retraction`."})
    person = ma.fields.String(load_default=None, metadata={
        "description": "`ada@example.org`, or typed: `url:https://...`, `did:...`, "
                       "`handle:github:ada`"})
    since = ma.fields.AwareDateTime(load_default=None, metadata={
        "description": "Actions that occurred at or after this time."})
    until = ma.fields.AwareDateTime(load_default=None, metadata={
        "description": "Actions that occurred before this time."})
    source = ma.fields.String(load_default=None)

    @ma.post_load
    def _person(self, data, **kwargs):
        person = data.pop("person")
        if person:
            kind, sep, value = person.partition(":")
            if person.startswith("did:"):
                data["person"] = PersonRef("did", person)
            elif sep and kind in PERSON_TYPES:
                data["person"] = PersonRef(kind, value)
            else:
                data["person"] = PersonRef("email", person)
        return data


class ActionPage(PageOut):
    items = ma.fields.List(ma.fields.Nested(ActionOut))


class HandleIn(ma.Schema):
    handle = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=200),
                              metadata={"description": "namespace:name, like `github:ada`"})
    person = ma.fields.Nested(ActionPersonIn, required=True)


class HandleOut(ma.Schema):
    handle = ma.fields.String()
    person = ma.fields.Function(lambda h: {"type": h.identity.type.value,
                                           "identity": h.identity.value})
    created_at = ma.fields.AwareDateTime()


class ActionSourceIn(ma.Schema):
    key = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=100),
                           metadata={"description": "Lowercase, like `crm`; the `source` "
                                                    "of the actions it posts."})
    description = ma.fields.String(load_default="", validate=ma.validate.Length(max=5000))


def _webhook_url(source) -> str:
    return public_url(f"/api/v1/action-sources/{source.key}/webhook")


class ActionSourceOut(ma.Schema):
    key = ma.fields.String()
    description = ma.fields.String()
    webhook_url = ma.fields.Function(_webhook_url)
    created_at = ma.fields.AwareDateTime()


class NewActionSourceOut(ma.Schema):
    """A new source and its secret, as {"record": ActionSource, "secret": str}."""

    key = ma.fields.String(attribute="record.key")
    description = ma.fields.String(attribute="record.description")
    webhook_url = ma.fields.Function(lambda new: _webhook_url(new["record"]))
    created_at = ma.fields.AwareDateTime(attribute="record.created_at")
    secret = ma.fields.String(metadata={"description": "The HMAC-SHA256 key of its "
                                                       "webhooks; never shown again."})


class ActionSourcePage(PageOut):
    items = ma.fields.List(ma.fields.Nested(ActionSourceOut))
