"""API shapes of an issuer's webhooks and their delivery log. The secret appears only in
the answer of the request that made it (creation, rotation)."""

from __future__ import annotations

import json

import marshmallow as ma

from cairn.http import PageOut
from cairn.webhooks import EVENTS, STATUSES


def _events(**options) -> ma.fields.List:
    return ma.fields.List(ma.fields.String(validate=ma.validate.OneOf(EVENTS)),
                          validate=ma.validate.Length(min=1), metadata={
                              "description": f"One or more of: {', '.join(EVENTS)}."},
                          **options)


def _url(**options) -> ma.fields.Url:
    return ma.fields.Url(schemes={"http", "https"}, require_tld=False,
                         validate=ma.validate.Length(max=2000), metadata={
                             "description": "Where Cairn POSTs the events (http or https)."},
                         **options)


class WebhookIn(ma.Schema):
    url = _url(required=True)
    events = _events(required=True)


class WebhookPatch(ma.Schema):
    url = _url()
    events = _events()
    active = ma.fields.Boolean(metadata={"description": "false stops the deliveries."})
    rotate_secret = ma.fields.Boolean(load_default=False, metadata={
        "description": "Replace the secret now; the answer shows the new one, once."})


class WebhookOut(ma.Schema):
    id = ma.fields.String(attribute="public_id")
    issuer = ma.fields.String(attribute="issuer_public_id")
    url = ma.fields.String()
    events = ma.fields.List(ma.fields.String())
    active = ma.fields.Boolean()
    created_at = ma.fields.AwareDateTime()
    updated_at = ma.fields.AwareDateTime()


class WebhookSecretOut(WebhookOut):
    """A webhook with the secret just made, as {"record": Webhook, "secret": str | None}."""

    secret = ma.fields.String(metadata={
        "description": "Signs every request (README: Webhooks); it is never shown again. "
                       "Absent when the secret did not change."})

    def get_attribute(self, obj, attr, default):
        if attr == "secret":
            return obj["secret"]
        return super().get_attribute(obj["record"], attr, default)

    @ma.post_dump
    def _without_unchanged_secret(self, data, **kwargs):
        if data.get("secret") is None:
            data.pop("secret", None)
        return data


class AttemptOut(ma.Schema):
    attempt = ma.fields.Integer()
    at = ma.fields.String(metadata={"description": "RFC 3339"})
    http_status = ma.fields.Integer(allow_none=True)
    error = ma.fields.String(allow_none=True)


class DeliveryOut(ma.Schema):
    id = ma.fields.String(attribute="public_id")
    event = ma.fields.String()
    status = ma.fields.String(metadata={"enum": list(STATUSES)})
    attempts = ma.fields.Integer()
    last_http_status = ma.fields.Integer(allow_none=True)
    last_error = ma.fields.String(allow_none=True)
    attempt_log = ma.fields.List(ma.fields.Nested(AttemptOut))
    payload = ma.fields.Function(lambda delivery: json.loads(delivery.body))
    created_at = ma.fields.AwareDateTime()
    last_attempt_at = ma.fields.AwareDateTime(allow_none=True)
    next_attempt_at = ma.fields.Function(
        lambda delivery: delivery.next_attempt_at.isoformat()
        if delivery.status == "pending" else None)
    delivered_at = ma.fields.AwareDateTime(allow_none=True)


class DeliveryPage(PageOut):
    items = ma.fields.List(ma.fields.Nested(DeliveryOut))
