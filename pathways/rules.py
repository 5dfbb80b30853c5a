"""The rule language of pathway milestones (issue 6): JSON, checked when a pathway is stored
and evaluated against one person's actions, badges and reached milestones. A rule is data
only; nothing in it is run.

    rule := {"all": [rule, ...]} | {"any": [rule, ...]}
          | {"action": "<type key>", "at_least": n, "within_days": n, "between": [from, to],
             "where": {"<property>": {"equals": v} | {"in": [v, ...]} | {"at_least": n}}}
          | {"badge": "<badge class id>"} | {"milestone": "<key in this pathway>"}

Semantics, evaluated as of a moment `as_of`:

- A count holds when at least `at_least` (default 1; 1 to 1,000,000) of the person's
  actions of type `action` fall in its window and meet its `where`.
- An action after `as_of` never counts; one at `as_of` exactly does.
- A retraction (an action with `retracts`) never counts, and neither does the action it
  withdraws, whenever either occurred: a retraction corrects the record rather than adding
  to it. Retracting a retraction restores nothing.
- `within_days` N (1 to 36,500): occurred_at in (as_of - N days, as_of]; an action exactly
  N days old is out.
- `between` [from, to]: each a date (2026-01-31) or an RFC 3339 date-time with an offset.
  A date `from` starts at 00:00 UTC, a date `to` ends at the end of that day (UTC), both
  days included; a date-time is an instant, included. `from` may not be after `to`.
- `within_days` and `between` may not both be given.
- `where`: every condition must hold. A missing property fails any condition, even
  {"equals": null}. `equals` / `in` take JSON scalars and compare them as JSON values:
  1 == 1.0, but "1" != 1 and true != 1. `at_least` compares numbers only: a bool, a string
  or any other non-number fails. At most 20 properties; `in` takes 1 to 100 values.
- `all` / `any` take 1 to 200 rules; a whole rule nests at most 8 levels (the root is
  level 1) and has at most 200 parts.
- `badge` holds when the person holds that badge class (unrevoked, unexpired: the caller
  decides); `milestone` when they have reached that milestone of the same pathway.
- Each object takes exactly one of all, any, action, badge, milestone; unknown keys are
  refused everywhere.

check_rule() returns the normalised rule: `at_least` filled in, whole-number floats as ints,
dates as "2026-01-31" and date-times in UTC ("2026-01-31T09:00:00Z"), `where` sorted by
property name (dropped when empty). evaluate() expects a rule in that form.

The actions that met a rule (what an award records as its reason): for a count that holds,
every matching action it counted (not only the first `at_least`); through all/any, the
union over the children that hold; none when the rule does not hold. An explanation says
how many matched ("7 of 5"). milestone_order() keeps the pathway's order except where a
rule needs a later milestone first. The words (schemas and their messages, explanations)
are in pathways/rule_text.py.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import jsonschema

from pathways import rule_text
from pathways.rule_text import KINDS, MAX_DEPTH, MAX_NODES

_VALIDATORS = {kind: jsonschema.Draft202012Validator(shape)
               for kind, shape in rule_text.SHAPES.items()}


class RuleError(ValueError):
    """A rule (or a pathway's set of rules) that cannot be stored; `errors` maps JSON paths
    ("rule.all.1.where.value") to messages."""

    def __init__(self, errors: dict[str, list[str]], message: str = "The rule is not valid."):
        super().__init__(message)
        self.errors = errors


@dataclass(frozen=True)
class ActionFact:
    """One recorded action of the person being evaluated; `retracts` makes it a retraction
    of the action with that id."""

    id: int
    type: str
    occurred_at: datetime
    properties: Mapping[str, Any]
    retracts: int | None = None


@dataclass(frozen=True)
class Facts:
    actions: Sequence[ActionFact]
    badges: frozenset[str] = frozenset()
    milestones: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Dependencies:
    action_types: frozenset[str]
    badges: frozenset[str]
    milestones: frozenset[str]


@dataclass(frozen=True)
class Line:
    depth: int
    holds: bool
    text: str


@dataclass(frozen=True)
class Outcome:
    holds: bool
    action_ids: tuple[int, ...]
    lines: tuple[Line, ...]


def check_rule(rule: Any, *, path: str = "rule") -> dict:
    """The normalised rule, or RuleError with every problem found (keyed under `path`)."""
    checker = _Checker()
    normal = checker.node(rule, path, 1)
    if checker.nodes > MAX_NODES:
        checker.error(path, rule_text.TOO_BIG)
    if checker.errors:
        raise RuleError(checker.errors)
    assert normal is not None
    return normal


class _Checker:
    """One walk over a rule: each object's shape by JSON Schema, then what a schema cannot
    say (depth, size, dates, windows). Depth and size are checked before descending, so a
    hostile rule costs at most MAX_NODES objects of work."""

    def __init__(self) -> None:
        self.errors: dict[str, list[str]] = {}
        self.nodes = 0
        self.too_deep = False

    def error(self, path: str, message: str) -> None:
        messages = self.errors.setdefault(path, [])
        if message not in messages:
            messages.append(message)

    def node(self, node: Any, path: str, depth: int) -> dict | None:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            return None
        if depth > MAX_DEPTH:
            if not self.too_deep:
                self.error(path, rule_text.TOO_DEEP)
            self.too_deep = True
            return None
        kinds = [kind for kind in KINDS if kind in node] if isinstance(node, dict) else []
        if len(kinds) != 1:
            self.error(path, rule_text.SEVERAL_KINDS if kinds else rule_text.NOT_A_RULE)
            return None
        kind = kinds[0]
        shape_errors = rule_text.shape_messages(_VALIDATORS[kind].iter_errors(node), path)
        for where, message in shape_errors:
            self.error(where, message)
        if kind in ("all", "any"):
            return self.group(kind, node[kind], path, depth)
        if shape_errors:
            return None
        return self.count(node, path) if kind == "action" else {kind: node[kind]}

    def group(self, kind: str, children: Any, path: str, depth: int) -> dict | None:
        if not isinstance(children, list) or not 0 < len(children) <= MAX_NODES:
            return None
        checked = [self.node(child, f"{path}.{kind}.{index}", depth + 1)
                   for index, child in enumerate(children)]
        return {kind: checked}

    def count(self, node: dict, path: str) -> dict | None:
        if "within_days" in node and "between" in node:
            self.error(path, rule_text.BOTH_WINDOWS)
            return None
        normal = {"action": node["action"], "at_least": int(node.get("at_least", 1))}
        if "within_days" in node:
            normal["within_days"] = int(node["within_days"])
        between = self.between(node["between"], f"{path}.between") if "between" in node else []
        where = self.where(node.get("where", {}), f"{path}.where")
        if between is None or where is None:
            return None
        normal |= {"between": between} if between else {}
        normal |= {"where": where} if where else {}
        return normal

    def between(self, bounds: list[str], path: str) -> list[str] | None:
        parsed = []
        for index, bound in enumerate(bounds):
            try:
                parsed.append(_parse_bound(bound))
            except ValueError:
                self.error(f"{path}.{index}", rule_text.BOUND_MESSAGE)
        if len(parsed) < 2:
            return None
        start, end = parsed
        if not _within_bounds(_first_moment(start), start, end):
            self.error(path, rule_text.START_AFTER_END)
            return None
        return [rule_text.bound_text(bound) for bound in parsed]

    def where(self, where: dict, path: str) -> dict | None:
        valid = True
        for name, condition in where.items():
            [(operator, argument)] = condition.items()
            if not all(map(_finite, argument if operator == "in" else [argument])):
                self.error(f"{path}.{name}.{operator}", rule_text.NOT_FINITE)
                valid = False
        if not valid:
            return None
        return {name: {operator: list(argument) if operator == "in" else argument
                       for operator, argument in where[name].items()}
                for name in sorted(where)}


def _finite(value: Any) -> bool:
    return not isinstance(value, float) or math.isfinite(value)


#: Bounds are parsed again at each evaluation; a pathway has few distinct ones.
_parse_bound = functools.lru_cache(maxsize=1024)(rule_text.parse_bound)


def _within_bounds(moment: datetime, start: date, end: date) -> bool:
    """Whether `moment` falls between two bounds: a date bound covers its whole UTC day."""
    moment = moment.astimezone(UTC)
    after = moment >= start if isinstance(start, datetime) else moment.date() >= start
    before = moment <= end if isinstance(end, datetime) else moment.date() <= end
    return after and before


def _first_moment(bound: date) -> datetime:
    return bound if isinstance(bound, datetime) else datetime.combine(bound, time(), UTC)


def nodes(rule: dict) -> Iterator[dict]:
    """Every node of a (checked) rule: itself and the rules under its `all` and `any`."""
    pending = [rule]
    while pending:
        node = pending.pop()
        pending += node.get("all", []) + node.get("any", [])
        yield node


def dependencies(rule: dict) -> Dependencies:
    """The action types, badge classes and milestones a (checked) rule refers to."""
    found: dict[str, set[str]] = {"action": set(), "badge": set(), "milestone": set()}
    for node in nodes(rule):
        for kind, keys in found.items():
            if kind in node:
                keys.add(node[kind])
    return Dependencies(frozenset(found["action"]), frozenset(found["badge"]),
                        frozenset(found["milestone"]))


@dataclass(frozen=True)
class _Scene:
    """What one evaluation looks at: the countable actions by type, and the rest."""

    actions: Mapping[str, Sequence[ActionFact]]
    facts: Facts
    as_of: datetime
    names: Mapping[str, str]

    def name(self, key: str) -> str:
        return self.names.get(key, key)


def evaluate(rule: dict, facts: Facts, as_of: datetime, *,
             names: Mapping[str, str] | None = None) -> Outcome:
    """Whether a checked rule holds for one person as of `as_of`, the actions that met it
    and an explanation, one line per part of the rule in rule order."""
    if as_of.tzinfo is None:
        raise ValueError("as_of must be timezone-aware")
    scene = _Scene(_countable(facts.actions, as_of), facts, as_of, names or {})
    holds, action_ids, lines = _judge(rule, scene, 0)
    return Outcome(holds, tuple(sorted(action_ids)), tuple(lines))


def _countable(actions: Iterable[ActionFact], as_of: datetime) -> dict[str, list[ActionFact]]:
    actions = list(actions)
    withdrawn = {action.retracts for action in actions if action.retracts is not None}
    by_type: dict[str, list[ActionFact]] = {}
    for action in actions:
        if (action.retracts is None and action.id not in withdrawn
                and action.occurred_at <= as_of):
            by_type.setdefault(action.type, []).append(action)
    return by_type


_Judgement = tuple[bool, set[int], list[Line]]


def _judge(rule: dict, scene: _Scene, depth: int) -> _Judgement:
    if "all" in rule or "any" in rule:
        return _judge_group(rule, scene, depth)
    if "action" in rule:
        return _judge_count(rule, scene, depth)
    if "badge" in rule:
        holds = rule["badge"] in scene.facts.badges
        text = rule_text.badge_text(scene.name(rule["badge"]), holds)
    else:
        holds = rule["milestone"] in scene.facts.milestones
        text = rule_text.milestone_text(scene.name(rule["milestone"]), holds)
    return holds, set(), [Line(depth, holds, text)]


def _judge_group(rule: dict, scene: _Scene, depth: int) -> _Judgement:
    kind = "all" if "all" in rule else "any"
    judged = [_judge(child, scene, depth + 1) for child in rule[kind]]
    holds = (all if kind == "all" else any)(child_holds for child_holds, _, _ in judged)
    action_ids = set().union(*(ids for child_holds, ids, _ in judged if child_holds))
    lines = [Line(depth, holds, rule_text.group_text(kind))]
    lines += [line for _, _, child_lines in judged for line in child_lines]
    return holds, action_ids if holds else set(), lines


def _judge_count(rule: dict, scene: _Scene, depth: int) -> _Judgement:
    where = rule.get("where", {})
    between = tuple(map(_parse_bound, rule["between"])) if "between" in rule else None
    matching = [action.id for action in scene.actions.get(rule["action"], ())
                if _in_window(action.occurred_at, rule, between, scene.as_of)
                and all(_meets(action.properties, name, condition)
                        for name, condition in where.items())]
    needed = rule.get("at_least", 1)
    holds = len(matching) >= needed
    text = rule_text.count_text(len(matching), needed, scene.name(rule["action"]), where=where,
                                within_days=rule.get("within_days"), between=between)
    return holds, set(matching) if holds else set(), [Line(depth, holds, text)]


def _in_window(moment: datetime, rule: dict, between: tuple[date, date] | None,
               as_of: datetime) -> bool:
    if "within_days" in rule:
        return moment > as_of - timedelta(days=rule["within_days"])
    return between is None or _within_bounds(moment, *between)


def _meets(properties: Mapping[str, Any], name: str, condition: dict) -> bool:
    if name not in properties:
        return False
    value = properties[name]
    [(operator, argument)] = condition.items()
    if operator == "at_least":
        return _json_kind(value) == "number" and value >= argument
    choices = argument if operator == "in" else [argument]
    return any(_json_kind(value) == _json_kind(choice) and value == choice for choice in choices)


def _json_kind(value: Any) -> str:
    """JSON's kind of a value: Python's bool is an int, JSON's true is not a number."""
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    return {str: "string", type(None): "null"}.get(type(value), "other")


def milestone_order(rules: Mapping[str, dict]) -> list[str]:
    """The milestone keys in an order where each comes after those its rule refers to,
    otherwise keeping the pathway's order (the earliest-listed ready key goes first)."""
    keys = list(rules)
    position = {key: index for index, key in enumerate(keys)}
    refers = {key: dependencies(rule).milestones for key, rule in rules.items()}
    unknown = {f"milestones.{key}.rule": [f"No milestone '{ref}' in this pathway."
                                          for ref in sorted(refers[key] - position.keys())]
               for key in keys if refers[key] - position.keys()}
    if unknown:
        raise RuleError(unknown, "A milestone refers to a milestone not in this pathway.")
    order: list[str] = []
    placed: set[str] = set()
    while len(order) < len(keys):
        ready = next((key for key in keys if key not in placed and refers[key] <= placed), None)
        if ready is None:
            raise RuleError(_circles(refers, position, set(keys) - placed),
                            "Milestones refer to each other in a circle.")
        order.append(ready)
        placed.add(ready)
    return order


def _circles(refers: Mapping[str, frozenset[str]], position: Mapping[str, int],
             stuck: set[str]) -> dict[str, list[str]]:
    """Each circle among the milestones left unordered, keyed at its earliest-listed key.
    Every stuck milestone refers to another stuck one, so following those references from
    any of them must come round to a milestone already seen."""
    errors: dict[str, list[str]] = {}
    for start in sorted(stuck, key=position.__getitem__):
        walk = [start]
        while walk.count(walk[-1]) < 2:
            walk.append(min(refers[walk[-1]] & stuck, key=position.__getitem__))
        circle = walk[walk.index(walk[-1]):-1]
        first = circle.index(min(circle, key=position.__getitem__))
        circle = circle[first:] + circle[:first]
        path = f"milestones.{circle[0]}.rule"
        errors.setdefault(path, [
            f"Milestones refer to each other in a circle: {' → '.join(circle + circle[:1])}."])
    return errors
