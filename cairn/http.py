"""The API object, its error shape, pagination and shared request helpers."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

import flask_smorest
import marshmallow as ma
from flask import Response, current_app, request

from cairn.errors import HTTP_CODES, ValidationFailed, render_http_exception


class ErrorSchema(ma.Schema):
    code = ma.fields.String(metadata={"enum": sorted(set(HTTP_CODES.values())),
                                      "description": "Stable machine-readable error code."})
    message = ma.fields.String(metadata={"description": "For people."})
    errors = ma.fields.Dict(metadata={"description": "Per-field messages."})


class Api(flask_smorest.Api):
    """flask-smorest, answering errors in Cairn's one JSON shape."""

    ERROR_SCHEMA = ErrorSchema

    def handle_http_exception(self, error):
        return render_http_exception(error)


class Blueprint(flask_smorest.Blueprint):
    """flask-smorest's Blueprint, parsing each request with one schema instance made when
    the view is declared: given a class, webargs would build the schema (and deep-copy
    every field) on every request. Marshmallow schemas keep no state between loads."""

    def arguments(self, schema, **kwargs):
        return super().arguments(schema() if isinstance(schema, type) else schema, **kwargs)


class PageArgs(ma.Schema):
    limit = ma.fields.Integer(load_default=None, validate=ma.validate.Range(min=1, max=500))
    cursor = ma.fields.String(load_default=None)


def page_limit(limit: int | None) -> int:
    return min(limit or current_app.config["PAGE_DEFAULT"], current_app.config["PAGE_MAX"])


def encode_cursor(position: dict[str, Any]) -> str:
    raw = json.dumps(position, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> dict[str, Any] | None:
    if not cursor:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        position = json.loads(base64.urlsafe_b64decode(padded))
    except (ValueError, binascii.Error) as error:
        raise ValidationFailed("The cursor is not valid.", {"cursor": ["Not a valid cursor."]}) \
            from error
    if not isinstance(position, dict):
        raise ValidationFailed("The cursor is not valid.", {"cursor": ["Not a valid cursor."]})
    return position


def page(items: list, limit: int, cursor_of) -> dict[str, Any]:
    """Keyset pagination: callers fetch limit+1 rows; the extra row means there is more."""
    more = len(items) > limit
    items = items[:limit]
    return {"items": items, "next_cursor": encode_cursor(cursor_of(items[-1])) if more else None}


class PageOut(ma.Schema):
    next_cursor = ma.fields.String(allow_none=True)


JSON_LD = "application/ld+json"


def wants_html() -> bool:
    """Content negotiation for public documents: machines get JSON-LD unless they prefer
    HTML (browsers send text/html first; `*/*` alone means JSON)."""
    best = request.accept_mimetypes.best_match([JSON_LD, "application/json", "text/html"],
                                               default=JSON_LD)
    return best == "text/html"


def json_document(document: dict[str, Any], *, status: int = 200,
                  max_age: int = 60) -> Response:
    body = json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()
    return json_document_bytes(body, status=status, max_age=max_age)


def json_document_bytes(body: bytes, *, status: int = 200, max_age: int = 60) -> Response:
    response = Response(body, status=status, mimetype=JSON_LD)
    response.headers["Cache-Control"] = f"public, max-age={max_age}"
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.vary.add("Accept")
    return response
