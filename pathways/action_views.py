"""API views for action types, actions, handles and action sources (and their webhooks)."""

from __future__ import annotations

from flask import jsonify, request

from cairn.auth import current_actor
from cairn.http import Blueprint, ErrorSchema, PageArgs, decode_cursor, page, page_limit
from pathways import action_people, action_sources, action_types, actions
from pathways.action_access import READ, WRITE, authorize_actions, authorize_sources
from pathways.action_errors import InvalidActions
from pathways.action_schemas import (
    ActionBatchIn,
    ActionBatchOut,
    ActionIn,
    ActionListArgs,
    ActionOut,
    ActionPage,
    ActionSourceIn,
    ActionSourcePage,
    ActionTypeIn,
    ActionTypeOut,
    ActionTypePage,
    HandleIn,
    HandleOut,
    NewActionSourceOut,
    batch_items,
    load_actions,
    read_json,
)

bp = Blueprint("actions", __name__, url_prefix="/api/v1",
               description="Action types, actions (one or a batch, idempotent by source and "
                           "id), external handles, and sources with signed webhooks.")

ACTIONS_BODY = {"content": {"application/json": {"schema": {"oneOf": [ActionIn,
                                                                       ActionBatchIn]}}},
                "required": True}
BATCH_INVALID = ("`invalid_actions`: some items of a batch are not valid and nothing was "
                 "recorded; `errors.actions` has each invalid item's errors by position, and "
                 "`items` lists them. `validation_failed`: one action (not a batch) is not "
                 "valid. `too_many_actions`: more than 1,000 in a batch.")


@bp.errorhandler(InvalidActions)
def _invalid_batch(error: InvalidActions):
    """The usual error shape, and `items`: each invalid item with its errors."""
    return jsonify({"code": error.code, "message": error.message, "errors": error.errors,
                    "items": error.items}), error.status


@bp.route("/action-types", methods=["POST"])
@bp.arguments(ActionTypeIn)
@bp.response(201, ActionTypeOut)
@bp.alt_response(409, schema=ErrorSchema, description="`action_type_exists`")
def create_action_type(args):
    authorize_actions(current_actor(), WRITE)
    return action_types.create_action_type(args["key"], description=args["description"],
                                           properties_schema=args["properties_schema"])


@bp.route("/action-types", methods=["GET"])
@bp.arguments(PageArgs, location="query")
@bp.response(200, ActionTypePage)
def list_action_types(args):
    authorize_actions(current_actor(), READ)
    limit = page_limit(args["limit"])
    after = (decode_cursor(args["cursor"]) or {}).get("after")
    found = action_types.list_action_types(limit=limit, after=after)
    return page(found, limit, lambda action_type: {"after": action_type.id})


@bp.route("/action-types/<key>", methods=["GET"])
@bp.response(200, ActionTypeOut)
def get_action_type(key):
    authorize_actions(current_actor(), READ)
    return action_types.get_action_type(key)


def _record(raw: bytes, *, webhook_source: str | None):
    items, batch = load_actions(read_json(raw))
    if batch:
        outcomes = actions.record_actions(items, webhook_source=webhook_source)
        return jsonify({"items": batch_items(outcomes)})
    action, created = actions.record_action(items[0], webhook_source=webhook_source)
    return action, 201 if created else 200


@bp.route("/actions", methods=["POST"])
@bp.doc(requestBody=ACTIONS_BODY)
@bp.response(201, ActionOut, description="One action, recorded now.")
@bp.alt_response(200, schema={"oneOf": [ActionOut, ActionBatchOut]}, success=True,
                 description="One action whose (source, id) was recorded before: the "
                             "original. A batch: each item `created` or `duplicate`.")
@bp.alt_response(422, schema=ErrorSchema, description=BATCH_INVALID)
def record_actions():
    authorize_actions(current_actor(), WRITE)
    return _record(request.get_data(), webhook_source=None)


@bp.route("/action-sources/<key>/webhook", methods=["POST"])
@bp.doc(requestBody=ACTIONS_BODY, security=[])
@bp.response(201, ActionOut, description="One action, recorded now.")
@bp.alt_response(200, schema={"oneOf": [ActionOut, ActionBatchOut]}, success=True,
                 description="As POST /actions.")
@bp.alt_response(401, schema=ErrorSchema, description="`bad_signature`: X-Cairn-Signature "
                 "is missing or wrong, or X-Cairn-Timestamp is more than 5 minutes away.")
@bp.alt_response(422, schema=ErrorSchema, description=BATCH_INVALID)
def webhook(key):
    """No bearer token: signed with the source's secret (README, "Actions")."""
    raw = request.get_data()
    source = action_sources.authenticate_webhook(
        key, timestamp=request.headers.get("X-Cairn-Timestamp"),
        signature_header=request.headers.get("X-Cairn-Signature"), body=raw)
    return _record(raw, webhook_source=source.key)


@bp.route("/actions", methods=["GET"])
@bp.arguments(ActionListArgs, location="query")
@bp.response(200, ActionPage)
def list_actions(args):
    authorize_actions(current_actor(), READ)
    limit = page_limit(args.pop("limit"))
    before = (decode_cursor(args.pop("cursor")) or {}).get("before")
    found = actions.list_actions(actions.ActionFilter(**args), limit=limit, before=before)
    return page(found, limit, lambda action: {"before": action.id})


@bp.route("/actions/<action_id>", methods=["GET"])
@bp.response(200, ActionOut)
@bp.alt_response(404, schema=ErrorSchema, description="`action_not_found`")
def get_action(action_id):
    authorize_actions(current_actor(), READ)
    return actions.get_action(action_id)


@bp.route("/handles", methods=["POST"])
@bp.arguments(HandleIn)
@bp.response(201, HandleOut)
@bp.alt_response(200, schema=HandleOut, success=True,
                 description="The handle was already mapped to this person.")
@bp.alt_response(409, schema=ErrorSchema, description="`handle_taken`: mapped to another "
                 "person (actions already recorded went to them).")
def map_handle(args):
    authorize_actions(current_actor(), WRITE)
    handle, created = action_people.map_handle(args["handle"], args["person"])
    return handle, 201 if created else 200


@bp.route("/handles/<path:handle>", methods=["GET"])
@bp.response(200, HandleOut)
def get_handle(handle):
    authorize_actions(current_actor(), READ)
    return action_people.get_handle(handle)


@bp.route("/action-sources", methods=["POST"])
@bp.arguments(ActionSourceIn)
@bp.response(201, NewActionSourceOut)
@bp.alt_response(409, schema=ErrorSchema, description="`action_source_exists`")
def create_source(args):
    authorize_sources(current_actor(), WRITE)
    source, secret = action_sources.create_source(args["key"],
                                                  description=args["description"])
    return {"record": source, "secret": secret}


@bp.route("/action-sources", methods=["GET"])
@bp.arguments(PageArgs, location="query")
@bp.response(200, ActionSourcePage)
def list_sources(args):
    authorize_sources(current_actor(), READ)
    limit = page_limit(args["limit"])
    after = (decode_cursor(args["cursor"]) or {}).get("after")
    found = action_sources.list_sources(limit=limit, after=after)
    return page(found, limit, lambda source: {"after": source.id})
