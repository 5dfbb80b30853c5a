"""API views for an issuer's webhooks and their delivery log: check, parse, call one service.

Webhooks are for the issuer's editors and owners: `issuers:write` to change them,
`issuers:read` to read them and their log; another issuer's webhook is not found.
"""

from __future__ import annotations

from cairn import webhooks
from cairn.auth import current_actor
from cairn.http import Blueprint, PageArgs, decode_cursor, page, page_limit
from issuers.services import change_webhooks, get_issuer
from issuers.webhook_schemas import (
    DeliveryOut,
    DeliveryPage,
    WebhookIn,
    WebhookOut,
    WebhookPatch,
    WebhookSecretOut,
)

bp = Blueprint("issuer_webhooks", __name__, url_prefix="/api/v1/issuers",
               description="Webhooks: signed POSTs of an issuer's events, and their log.")


def _issuer(issuer_id: str, *, change: bool = False) -> str:
    """The issuer's public id, once the actor may read (or change) its webhooks."""
    action = "manage_webhooks" if change else "read_webhooks"
    return get_issuer(current_actor(), issuer_id, action).public_id


@bp.route("/<issuer_id>/webhooks", methods=["POST"])
@bp.arguments(WebhookIn)
@bp.response(201, WebhookSecretOut)
def create_webhook(args, issuer_id):
    webhook, secret = change_webhooks(current_actor(), issuer_id, lambda issuer: (
        webhooks.create_webhook(issuer, url=args["url"], events=args["events"])))
    return {"record": webhook, "secret": secret}


@bp.route("/<issuer_id>/webhooks", methods=["GET"])
@bp.response(200, WebhookOut(many=True))
def list_webhooks(issuer_id):
    return webhooks.list_webhooks(_issuer(issuer_id))


@bp.route("/<issuer_id>/webhooks/<webhook_id>", methods=["GET"])
@bp.response(200, WebhookOut)
def get_webhook(issuer_id, webhook_id):
    return webhooks.get_webhook(_issuer(issuer_id), webhook_id)


@bp.route("/<issuer_id>/webhooks/<webhook_id>", methods=["PATCH"])
@bp.arguments(WebhookPatch)
@bp.response(200, WebhookSecretOut)
def update_webhook(changes, issuer_id, webhook_id):
    webhook, secret = change_webhooks(current_actor(), issuer_id, lambda issuer: (
        webhooks.update_webhook(issuer, webhook_id, **changes)))
    return {"record": webhook, "secret": secret}


@bp.route("/<issuer_id>/webhooks/<webhook_id>", methods=["DELETE"])
@bp.response(204)
def delete_webhook(issuer_id, webhook_id):
    change_webhooks(current_actor(), issuer_id,
                    lambda issuer: webhooks.delete_webhook(issuer, webhook_id))


@bp.route("/<issuer_id>/webhooks/<webhook_id>/deliveries", methods=["GET"])
@bp.arguments(PageArgs, location="query")
@bp.response(200, DeliveryPage)
def list_deliveries(args, issuer_id, webhook_id):
    issuer = _issuer(issuer_id)
    limit = page_limit(args["limit"])
    before = (decode_cursor(args["cursor"]) or {}).get("before")
    deliveries = webhooks.list_deliveries(issuer, webhook_id, limit=limit, before=before)
    return page(deliveries, limit, lambda delivery: {"before": delivery.id})


@bp.route("/<issuer_id>/webhooks/<webhook_id>/deliveries/<delivery_id>/retry",
          methods=["POST"])
@bp.response(202, DeliveryOut)
def retry_delivery(issuer_id, webhook_id, delivery_id):
    return webhooks.retry_delivery(_issuer(issuer_id, change=True), webhook_id, delivery_id)
