"""One JSON error shape for the whole API: {"code", "message", "errors"}.

Services raise `CairnError` subclasses; the handlers registered by
`register_error_handlers` render them, werkzeug's HTTP errors and webargs'
validation errors in the same shape. Anything unexpected is a 500 with a
generic message; the traceback goes to the log only.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, jsonify
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)


class CairnError(Exception):
    """A domain error that a client can act on."""

    status: int = 400
    code: str = "bad_request"

    def __init__(self, message: str, errors: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.errors = errors or {}

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "errors": self.errors}


class ValidationFailed(CairnError):
    status, code = 422, "validation_failed"


class NotFound(CairnError):
    status, code = 404, "not_found"


class Conflict(CairnError):
    status, code = 409, "conflict"


class Unauthorized(CairnError):
    status, code = 401, "unauthorized"


class Forbidden(CairnError):
    status, code = 403, "forbidden"


class PayloadTooLarge(CairnError):
    status, code = 413, "payload_too_large"


class UnsupportedMediaType(CairnError):
    status, code = 415, "unsupported_media_type"


#: Every `code` the API can answer with, for the OpenAPI document.
HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    410: "gone",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_failed",
    429: "too_many_requests",
    500: "internal_error",
}


def error_response(status: int, code: str, message: str, errors: dict | None = None):
    response = jsonify({"code": code, "message": message, "errors": errors or {}})
    response.status_code = status
    return response


def _strip_locations(messages: dict[str, Any]) -> dict[str, Any]:
    """webargs nests errors under their location ("json", "query", "files"); clients
    care about the field, so merge the locations away."""
    merged: dict[str, Any] = {}
    for location, fields in messages.items():
        if isinstance(fields, dict):
            merged.update(fields)
        else:
            merged[location] = fields
    return merged


def render_http_exception(error: HTTPException):
    status = error.code or 500
    data = getattr(error, "data", None) or {}
    messages = data.get("messages") or {}
    if status == 400 and messages.get("json") == ["Invalid JSON body."]:
        return error_response(400, "malformed_json", "The request body is not valid JSON.",
                              {"body": ["Invalid JSON body."]})
    if status == 422:
        return error_response(422, "validation_failed", "The request is not valid.",
                              _strip_locations(messages))
    code = HTTP_CODES.get(status, (error.name or "error").lower().replace(" ", "_"))
    message = data.get("message") or error.description or error.name
    response = error_response(status, code, message, _strip_locations(messages))
    for name, value in (error.get_response().headers or {}).items():
        if name.lower() in ("allow", "www-authenticate", "retry-after"):
            response.headers[name] = value
    return response


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(CairnError)
    def _cairn_error(error: CairnError):
        return error_response(error.status, error.code, error.message, error.errors)

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException):
        return render_http_exception(error)

    @app.errorhandler(Exception)
    def _unexpected(error: Exception):
        log.exception("unhandled error")
        return error_response(500, "internal_error", "Something went wrong on our side.")
