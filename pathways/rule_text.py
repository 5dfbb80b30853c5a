"""The rule language in words (pathways/rules.py holds its meaning): the JSON Schema of each
kind of rule with the message a person sees when it fails, the dates a rule is written
with, and the explanations of an evaluation.

Explanations are short and deterministic, for a program lead reading a person's progress.
Values are shown as JSON shows them, except that a string is shown bare unless it could be
mistaken for another value ("1" is quoted, O1-KR1 is not).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime
from typing import Any

from jsonschema import ValidationError

KINDS = ("all", "any", "action", "badge", "milestone")
MAX_DEPTH = 8
MAX_NODES = 200
MAX_COUNT = 1_000_000
MAX_DAYS = 36_500

BOUND_MESSAGE = "Must be a date like 2026-01-31 or a date-time like 2026-01-31T09:00:00Z."
NOT_A_RULE = "Must be a rule: an object with one of all, any, action, badge or milestone."
SEVERAL_KINDS = "A rule takes one of all, any, action, badge or milestone, not several."
TOO_DEEP = f"Rules nest at most {MAX_DEPTH} levels deep."
TOO_BIG = f"A rule has at most {MAX_NODES} parts."
BOTH_WINDOWS = "Give within_days or between, not both."
START_AFTER_END = "The start may not be after the end."
NOT_FINITE = "Numbers must be finite."

_SCALAR = {"type": ["string", "number", "boolean", "null"], "maxLength": 1000,
           "description": "Must be a string (up to 1,000 characters), a number, true, false "
                          "or null."}
_CONDITION = {
    "type": "object", "minProperties": 1, "maxProperties": 1,
    "properties": {
        "equals": _SCALAR,
        "in": {"type": "array", "minItems": 1, "maxItems": 100, "items": _SCALAR,
               "description": "Must be a list of 1 to 100 values."},
        "at_least": {"type": "number", "description": "Must be a number."}},
    "additionalProperties": False,
    "description": 'Must be one condition: {"equals": value}, {"in": [value, ...]} or '
                   '{"at_least": number}.'}


def _name(what: str) -> dict:
    return {"type": "string", "minLength": 1, "maxLength": 200,
            "description": f"Must be {what} (a string of 1 to 200 characters)."}


def _node(**properties: dict) -> dict:
    return {"type": "object", "properties": properties, "additionalProperties": False}


def _children() -> dict:
    return {"type": "array", "minItems": 1, "maxItems": MAX_NODES,
            "description": f"Must be a list of 1 to {MAX_NODES} rules."}


#: The shape of each kind of rule object, one level deep: rules.py walks the nesting itself,
#: so that depth and size are bounded before anything descends.
SHAPES = {
    "all": _node(all=_children()),
    "any": _node(any=_children()),
    "action": _node(
        action=_name("an action type key"),
        at_least={"type": "integer", "minimum": 1, "maximum": MAX_COUNT,
                  "description": "Must be a whole number from 1 to 1,000,000."},
        within_days={"type": "integer", "minimum": 1, "maximum": MAX_DAYS,
                     "description": "Must be a whole number of days from 1 to 36,500."},
        between={"type": "array", "minItems": 2, "maxItems": 2,
                 "items": {"type": "string", "description": BOUND_MESSAGE},
                 "description": "Must be [from, to]: two dates or date-times."},
        where={"type": "object", "maxProperties": 20, "additionalProperties": _CONDITION,
               "propertyNames": {"minLength": 1, "maxLength": 200,
                                 "description": "Property names must be 1 to 200 characters."},
               "description": "Must map up to 20 property names to conditions."}),
    "badge": _node(badge=_name("a badge class id")),
    "milestone": _node(milestone=_name("a milestone key")),
}

def shape_messages(errors: Iterable[ValidationError], path: str) -> list[tuple[str, str]]:
    """Each JSON Schema failure as (path, message): the description of the part of SHAPES
    that failed, written for people, or for an unknown key the keys that are known."""
    found = []
    for error in errors:
        where = ".".join([path, *map(str, error.absolute_path)])
        if error.validator == "additionalProperties":
            known = error.schema["properties"]
            found += [(f"{where}.{key}", f"Unknown key; expected {', '.join(known)}.")
                      for key in error.instance if key not in known]
        else:
            found.append((where, error.schema.get("description", error.message)))
    return found


_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_DATETIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}"
                       r"(\.[0-9]{1,6})?([Zz]|[+-][0-9]{2}:[0-9]{2})")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def parse_bound(text: str) -> date:
    """A `between` bound: a date, or an aware UTC datetime for an RFC 3339 date-time (an
    offset is required; Python's looser ISO forms such as 20260131 are refused)."""
    try:
        if _DATE.fullmatch(text):
            return date.fromisoformat(text)
        if _DATETIME.fullmatch(text):
            return datetime.fromisoformat(text.upper().replace("Z", "+00:00")).astimezone(UTC)
    except OverflowError as error:
        raise ValueError(BOUND_MESSAGE) from error
    raise ValueError(BOUND_MESSAGE)


def bound_text(bound: date) -> str:
    return bound.isoformat().replace("+00:00", "Z")


def group_text(kind: str) -> str:
    return f"{kind} of:"


def badge_text(name: str, holds: bool) -> str:
    return f"holds {name}" if holds else f"does not hold {name}"


def milestone_text(name: str, reached: bool) -> str:
    return f"reached “{name}”" if reached else f"has not reached “{name}”"


def count_text(found: int, needed: int, type_name: str, *, where: Mapping[str, dict],
               within_days: int | None = None,
               between: tuple[date, date] | None = None) -> str:
    """"2 of 5 mentoring.session with kr = O1-KR1 in the last 180 days"."""
    parts = [f"{found} of {needed} {type_name}"]
    if where:
        parts.append("with " + " and ".join(
            _condition_text(name, condition) for name, condition in where.items()))
    if within_days is not None:
        parts.append("in the last day" if within_days == 1 else f"in the last {within_days} days")
    if between is not None:
        parts.append(_between_text(*between))
    return " ".join(parts)


def _condition_text(name: str, condition: dict) -> str:
    [(operator, argument)] = condition.items()
    if operator == "equals":
        return f"{name} = {value_text(argument)}"
    if operator == "in":
        shown = [value_text(value) for value in argument]
        listed = shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " or " + shown[-1]
        return f"{name} = {listed}"
    return f"{name} ≥ {value_text(argument)}"


def value_text(value: Any) -> str:
    if isinstance(value, str) and value and not _looks_like_other_json(value):
        return value
    return json.dumps(value, ensure_ascii=False)


def _looks_like_other_json(text: str) -> bool:
    try:
        return not isinstance(json.loads(text), str)
    except ValueError:
        return False


def _between_text(start: date, end: date) -> str:
    if not isinstance(start, datetime) and start == end:
        return f"on {moment_text(start)}"
    return f"between {moment_text(start)} and {moment_text(end)}"


def moment_text(moment: date) -> str:
    """"31 Mar 2026" for a date, "31 Mar 2026 09:30 UTC" for a date-time."""
    day = f"{moment.day} {_MONTHS[moment.month - 1]} {moment.year}"
    if not isinstance(moment, datetime):
        return day
    moment = moment.astimezone(UTC)
    clock = moment.strftime("%H:%M:%S" if moment.second else "%H:%M")
    return f"{day} {clock} UTC"
