"""Errors of action types, actions, handles and sources (stable codes, api.md)."""

from __future__ import annotations

from typing import Any

from cairn.errors import CairnError, Conflict, NotFound, Unauthorized, ValidationFailed


class InvalidActionType(ValidationFailed):
    pass


class ActionTypeExists(Conflict):
    code = "action_type_exists"


class ActionTypeNotFound(NotFound):
    code = "action_type_not_found"


class ActionNotFound(NotFound):
    code = "action_not_found"


class InvalidAction(ValidationFailed):
    """One action (not a batch) that cannot be recorded; `errors` is per field."""


class InvalidActions(ValidationFailed):
    """A batch with invalid items: nothing was recorded. `items` lists each invalid item
    with its errors; the body carries it beside the usual error shape."""

    code = "invalid_actions"

    def __init__(self, message: str, errors: dict[str, Any], items: list[dict[str, Any]]):
        super().__init__(message, errors)
        self.items = items


class TooManyActions(ValidationFailed):
    code = "too_many_actions"


class MalformedBody(CairnError):
    status, code = 400, "malformed_json"


class InvalidHandle(ValidationFailed):
    pass


class HandleTaken(Conflict):
    code = "handle_taken"


class HandleNotFound(NotFound):
    code = "handle_not_found"


class InvalidSource(ValidationFailed):
    pass


class SourceExists(Conflict):
    code = "action_source_exists"


class BadSignature(Unauthorized):
    code = "bad_signature"
