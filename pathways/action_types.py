"""Action types: a key, a description and a JSON Schema for the properties of their actions.

A properties schema is checked against its own metaschema when the type is created and may
refer only to places inside itself: Cairn never fetches a document to validate an action.
Compiled validators are cached by the schema's text, so a batch of 1,000 actions compiles
each type's schema at most once (and usually not at all).
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import unquote

import jsonschema
import referencing
import referencing.exceptions
import sqlalchemy as sa
from jsonschema import validators
from sqlalchemy.exc import IntegrityError

from cairn.db import db, transaction, utcnow
from pathways.action_errors import ActionTypeExists, ActionTypeNotFound, InvalidActionType
from pathways.action_models import RETRACTION, ActionType

KEY = re.compile(r"^[a-z][a-z0-9_-]*(\.[a-z][a-z0-9_-]*)*$")
#: Largest properties schema, as JSON text.
MAX_SCHEMA_CHARS = 65_536
#: Most messages reported for one action's properties.
MAX_PROPERTY_ERRORS = 10
#: Keywords whose values are data, not subschemas: a `$ref` inside them is no reference.
_DATA_KEYWORDS = frozenset({"enum", "const", "default", "examples"})


def create_action_type(key: str, *, description: str,
                       properties_schema: dict[str, Any]) -> ActionType:
    """Define a type. Its key and schema never change: actions already recorded were
    validated against this schema, and rules refer to the key."""
    _check_key(key)
    check_properties_schema(properties_schema)
    try:
        with transaction():
            if db.session.scalar(sa.select(ActionType.id).where(ActionType.key == key)):
                raise _exists(key)
            action_type = ActionType(key=key, description=description,
                                     properties_schema=properties_schema, created_at=utcnow())
            db.session.add(action_type)
    except IntegrityError as error:  # created by someone else at the same moment
        raise _exists(key) from error
    return action_type


def _exists(key: str) -> ActionTypeExists:
    return ActionTypeExists(f"The action type '{key}' exists.", {"key": ["Already defined."]})


def _check_key(key: str) -> None:
    if key == RETRACTION:
        raise InvalidActionType("The action type is not valid.", {"key": [
            f"'{RETRACTION}' is reserved for actions that withdraw an earlier one."]})
    if not KEY.match(key) or len(key) > 100:
        raise InvalidActionType("The action type is not valid.", {"key": [
            "Lowercase words (a-z, 0-9, _ or -) joined by dots, like 'partnership.closed'."]})


def get_action_type(key: str) -> ActionType:
    action_type = db.session.scalar(sa.select(ActionType).where(ActionType.key == key))
    if action_type is None:
        raise ActionTypeNotFound(f"No action type '{key}'.")
    return action_type


def list_action_types(*, limit: int, after: int | None) -> list[ActionType]:
    query = sa.select(ActionType).order_by(ActionType.id).limit(limit + 1)
    if after is not None:
        query = query.where(ActionType.id > after)
    return list(db.session.scalars(query))


def action_types_by_key(keys: Iterable[str]) -> dict[str, ActionType]:
    keys = sorted(set(keys))
    if not keys:
        return {}
    return {t.key: t for t in db.session.scalars(
        sa.select(ActionType).where(ActionType.key.in_(keys)))}


def check_properties_schema(schema: Any) -> None:
    """Refuse anything that is not a JSON Schema object Cairn can apply offline."""
    errors = _schema_problems(schema)
    if errors:
        raise InvalidActionType("The properties schema is not valid.",
                                {"properties_schema": errors})


def _schema_problems(schema: Any) -> list[str]:
    if not isinstance(schema, dict):
        return ["Must be a JSON Schema object."]
    if len(json.dumps(schema)) > MAX_SCHEMA_CHARS:
        return [f"At most {MAX_SCHEMA_CHARS:,} characters of JSON."]
    if "$schema" in schema and validators.validator_for(schema, default=None) is None:
        return ["Unknown $schema: use draft 4, 6, 7, 2019-09 or 2020-12 (the default)."]
    problems = list(_reference_problems(schema, schema))
    if problems:
        return problems
    try:
        _validator_class(schema).check_schema(schema)
    except jsonschema.SchemaError as error:
        where = "/".join(str(part) for part in error.absolute_path)
        return [f"{_short(error.message)}" + (f" (at /{where})" if where else "")]
    return []


def _reference_problems(node: Any, root: dict[str, Any], path: str = "") -> Iterable[str]:
    """References may only be JSON Pointers into the schema itself ("#/$defs/money"), and
    must point at something: a dangling one would fail only when an action reaches it."""
    if isinstance(node, list):
        for index, item in enumerate(node):
            yield from _reference_problems(item, root, f"{path}/{index}")
        return
    if not isinstance(node, dict):
        return
    for keyword in ("$dynamicRef", "$recursiveRef"):
        if isinstance(node.get(keyword), str):
            yield f"{keyword} is not supported (at {path or '/'})."
    if isinstance(node.get("$id"), str) and node is not root:
        yield f"$id is allowed only at the top of the schema (at {path})."
    reference = node.get("$ref")
    if isinstance(reference, str) and not _points_inside(reference, root):
        yield (f"$ref must point inside this schema, like '#/$defs/name' "
               f"(at {path or '/'}: {reference[:100]!r}).")
    for name, value in node.items():
        if name not in _DATA_KEYWORDS:
            yield from _reference_problems(value, root, f"{path}/{name}")


def _points_inside(reference: str, root: dict[str, Any]) -> bool:
    """Whether `reference` is a JSON Pointer fragment (RFC 6901 §6) naming a part of root."""
    if reference == "#":
        return True
    if not reference.startswith("#/"):
        return False
    node: Any = root
    for token in unquote(reference[2:]).split("/"):
        token = token.replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict) and token in node:
            node = node[token]
        elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        else:
            return False
    return True


def _short(message: str, limit: int = 300) -> str:
    return message if len(message) <= limit else message[:limit] + "…"


def _validator_class(schema: dict[str, Any]) -> type:
    if "$schema" in schema:
        return validators.validator_for(schema)
    return jsonschema.Draft202012Validator


def _refuse_retrieval(uri: str) -> referencing.Resource:
    raise referencing.exceptions.NoSuchResource(ref=uri)


@functools.lru_cache(maxsize=512)
def _compiled(schema_text: str):
    schema = json.loads(schema_text)
    cls = _validator_class(schema)
    return cls(schema, registry=referencing.Registry(retrieve=_refuse_retrieval),
               format_checker=cls.FORMAT_CHECKER)


def properties_validator(action_type: ActionType):
    """The compiled validator of a type (cached by the schema's text: types never change,
    yet a key may name another schema after a database is emptied, as in tests)."""
    return _compiled(json.dumps(action_type.properties_schema, sort_keys=True))


def properties_errors(validator, properties: dict[str, Any]) -> dict[str, list[str]]:
    """Per-property messages (`_schema` for the object itself), empty when valid."""
    errors: dict[str, list[str]] = {}
    try:
        found = validator.iter_errors(properties)
        for count, error in enumerate(found):
            if count == MAX_PROPERTY_ERRORS:
                break
            where = "/".join(str(part) for part in error.absolute_path) or "_schema"
            errors.setdefault(where, []).append(_short(error.message))
    except referencing.exceptions.Unresolvable as error:
        errors.setdefault("_schema", []).append(
            f"The action type's schema has a reference that cannot be resolved: {error}.")
    return errors
