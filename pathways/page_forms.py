"""The pathway builder's form: what the page shows and posts back, and the buttons that
change its shape (add, remove and move milestones, conditions and filters).

The builder works without JavaScript, so every button that changes the shape is a submit
button: the whole form comes back, is read into a `PathwayForm`, changed, and shown
again; nothing is saved until "Save". Fields are named after their place, with
positions counted from 0 and renumbered at each showing:

    m-0-key, m-0-name, m-0-badge_class          milestone 0
    m-0-combinator, m-0-c-1-kind, m-0-c-1-action condition 1 of its rule
    m-0-c-1-f-0-property                         filter 0 of that condition
    m-0-c-2-combinator, m-0-c-2-c-0-kind         a group (condition 2) and its conditions

A rule the form cannot show (nested deeper than one group) travels back unchanged in
`m-0-rule_json`, so editing a pathway never loses it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

#: Condition kinds a form row can be; a "group" holds conditions of its own.
KINDS = ("action", "badge", "milestone", "group")
OPERATORS = ("equals", "in", "at_least")
#: Levels of groups the form shows: the rule's own, and one group inside it.
FORM_DEPTH = 2
#: The most rows read back from one form, whatever it claims (the service's own limits
#: are lower or equal: 100 milestones, 200 parts per rule, 20 filters).
MAX_MILESTONES, MAX_CONDITIONS, MAX_FILTERS = 100, 200, 20


@dataclass
class FilterRow:
    property: str = ""
    operator: str = "equals"
    value: str = ""

    def is_blank(self) -> bool:
        return not self.property.strip() and not self.value.strip()


@dataclass
class Condition:
    kind: str = "action"
    action: str = ""
    at_least: str = "1"
    within_days: str = ""
    start: str = ""  # `between` [start, end]
    end: str = ""
    filters: list[FilterRow] = field(default_factory=list)
    badge: str = ""
    milestone: str = ""
    group: Group | None = None  # kind "group"


@dataclass
class Group:
    combinator: str = "all"
    conditions: list[Condition] = field(default_factory=list)


@dataclass
class MilestoneForm:
    key: str = ""
    name: str = ""
    badge_class: str = ""
    group: Group = field(default_factory=lambda: Group(conditions=[Condition()]))
    locked: dict[str, Any] | None = None  # a rule the form cannot show, kept as it is


@dataclass
class PathwayForm:
    issuer: str
    name: str = ""
    description: str = ""
    notify: bool = False
    milestones: list[MilestoneForm] = field(default_factory=lambda: [MilestoneForm()])


# --- reading the posted form --------------------------------------------------------------

def read_form(values: Mapping[str, str], issuer: str) -> PathwayForm:
    """The form as posted (rows in the order of their numbers)."""
    milestones = [_read_milestone(values, f"m-{index}")
                  for index in _indices(values, "m", "key", MAX_MILESTONES)]
    return PathwayForm(issuer=issuer, name=values.get("name", ""),
                       description=values.get("description", ""),
                       notify=values.get("notify") == "on", milestones=milestones)


def _indices(values: Mapping[str, str], prefix: str, suffix: str, limit: int) -> list[int]:
    pattern = re.compile(rf"^{re.escape(prefix)}-(\d{{1,6}})-{re.escape(suffix)}$")
    found = {int(match.group(1)) for name in values if (match := pattern.match(name))}
    return sorted(found)[:limit]


def _read_milestone(values: Mapping[str, str], prefix: str) -> MilestoneForm:
    milestone = MilestoneForm(key=values.get(f"{prefix}-key", ""),
                              name=values.get(f"{prefix}-name", ""),
                              badge_class=values.get(f"{prefix}-badge_class", ""),
                              group=_read_group(values, prefix, 1))
    locked = values.get(f"{prefix}-rule_json")
    if locked is not None:
        try:
            milestone.locked = json.loads(locked)
        except ValueError:
            milestone.locked = {}  # refused by the rule's check, beside the milestone
    return milestone


def _read_group(values: Mapping[str, str], prefix: str, depth: int) -> Group:
    combinator = values.get(f"{prefix}-combinator", "all")
    return Group(combinator=combinator if combinator in ("all", "any") else "all",
                 conditions=[_read_condition(values, f"{prefix}-c-{index}", depth)
                             for index in _indices(values, f"{prefix}-c", "kind",
                                                   MAX_CONDITIONS)])


def _read_condition(values: Mapping[str, str], prefix: str, depth: int) -> Condition:
    kind = values.get(f"{prefix}-kind", "action")
    if kind not in KINDS or (kind == "group" and depth >= FORM_DEPTH):
        kind = "action"
    condition = Condition(kind=kind, **{
        name: values.get(f"{prefix}-{name}", "")
        for name in ("action", "at_least", "within_days", "start", "end", "badge",
                     "milestone")})
    condition.filters = [
        FilterRow(property=values.get(f"{prefix}-f-{index}-property", ""),
                  operator=_operator(values.get(f"{prefix}-f-{index}-operator", "")),
                  value=values.get(f"{prefix}-f-{index}-value", ""))
        for index in _indices(values, f"{prefix}-f", "property", MAX_FILTERS)]
    if kind == "group":
        condition.group = _read_group(values, prefix, depth + 1)
    return condition


def _operator(name: str) -> str:
    return name if name in OPERATORS else "equals"


# --- the buttons that change the form's shape ------------------------------------------------

#: The submit buttons that change the form instead of saving it.
SHAPE_BUTTONS = ("add_milestone", "remove_milestone", "move_milestone", "add_condition",
                 "remove_condition", "move_condition", "add_filter", "remove_filter",
                 "rebuild_rule")


def shape_change(values: Mapping[str, str]) -> tuple[str, str] | None:
    """The shape button pressed, and its value, if one was."""
    for name in SHAPE_BUTTONS:
        if name in values:
            return name, values[name]
    return None


def change_shape(form: PathwayForm, button: str, value: str) -> str | None:
    """Apply a shape button to the form; returns the name of the field to focus next (the
    first field of a new row), or None. A button naming a row that is not there (a form
    posted twice, say) changes nothing."""
    target, _, direction = value.partition(":")
    try:
        return _CHANGES[button](form, target, direction)
    except (LookupError, ValueError):
        return None


def _add_milestone(form: PathwayForm, target: str, direction: str) -> str | None:
    if len(form.milestones) >= MAX_MILESTONES:
        return None
    form.milestones.append(MilestoneForm())
    return f"m-{len(form.milestones) - 1}-key"


def _remove_milestone(form: PathwayForm, target: str, direction: str) -> str | None:
    del form.milestones[_milestone_index(target)]
    return None


def _move_milestone(form: PathwayForm, target: str, direction: str) -> str | None:
    index = _milestone_index(target)
    other = _moved(form.milestones, index, direction)
    return f"m-{other}-key" if other is not None else None


def _add_condition(form: PathwayForm, target: str, kind: str) -> str | None:
    group = _group(form, target)
    depth = target.count("-c-") + 1
    if kind not in KINDS or (kind == "group" and depth >= FORM_DEPTH) \
            or len(group.conditions) >= MAX_CONDITIONS:
        return None
    condition = Condition(kind=kind)
    if kind == "group":
        condition.group = Group(combinator=_other(group.combinator),
                                conditions=[Condition()])
    group.conditions.append(condition)
    new = f"{target}-c-{len(group.conditions) - 1}"
    return f"{new}-combinator" if kind == "group" else f"{new}-{kind}"


def _remove_condition(form: PathwayForm, target: str, direction: str) -> str | None:
    group, index = _parent(form, target)
    del group.conditions[index]
    return None


def _move_condition(form: PathwayForm, target: str, direction: str) -> str | None:
    group, index = _parent(form, target)
    other = _moved(group.conditions, index, direction)
    if other is None:
        return None
    moved = group.conditions[other]
    prefix = f"{target.rsplit('-c-', 1)[0]}-c-{other}"
    return f"{prefix}-combinator" if moved.kind == "group" else f"{prefix}-{moved.kind}"


def _add_filter(form: PathwayForm, target: str, direction: str) -> str | None:
    group, index = _parent(form, target)
    condition = group.conditions[index]
    if condition.kind != "action" or len(condition.filters) >= MAX_FILTERS:
        return None
    condition.filters.append(FilterRow())
    return f"{target}-f-{len(condition.filters) - 1}-property"


def _remove_filter(form: PathwayForm, target: str, direction: str) -> str | None:
    condition_prefix, _, index = target.rpartition("-f-")
    group, position = _parent(form, condition_prefix)
    del group.conditions[position].filters[int(index)]
    return None


def _rebuild_rule(form: PathwayForm, target: str, direction: str) -> str | None:
    milestone = form.milestones[_milestone_index(target)]
    milestone.locked, milestone.group = None, Group(conditions=[Condition()])
    return f"{target}-c-0-action"


_CHANGES = {"add_milestone": _add_milestone, "remove_milestone": _remove_milestone,
            "move_milestone": _move_milestone, "add_condition": _add_condition,
            "remove_condition": _remove_condition, "move_condition": _move_condition,
            "add_filter": _add_filter, "remove_filter": _remove_filter,
            "rebuild_rule": _rebuild_rule}


def _other(combinator: str) -> str:
    return "any" if combinator == "all" else "all"


def _moved(items: list, index: int, direction: str) -> int | None:
    other = index - 1 if direction == "up" else index + 1 if direction == "down" else -1
    if not 0 <= other < len(items) or not 0 <= index < len(items):
        return None
    items[index], items[other] = items[other], items[index]
    return other


def _milestone_index(prefix: str) -> int:
    match = re.fullmatch(r"m-(\d+)", prefix)
    if match is None:
        raise ValueError(prefix)
    return int(match.group(1))


def _group(form: PathwayForm, prefix: str) -> Group:
    """The group whose fields start with `prefix`: a milestone's rule (m-0) or a group
    condition (m-0-c-2)."""
    milestone, *positions = prefix.split("-c-")
    group = form.milestones[_milestone_index(milestone)].group
    for position in positions:
        nested = group.conditions[int(position)].group
        if nested is None:
            raise LookupError(prefix)
        group = nested
    return group


def _parent(form: PathwayForm, prefix: str) -> tuple[Group, int]:
    """The group holding the condition whose fields start with `prefix`, and its place."""
    parent, _, position = prefix.rpartition("-c-")
    if not parent:
        raise ValueError(prefix)
    group = _group(form, parent)
    index = int(position)
    if not 0 <= index < len(group.conditions):
        raise LookupError(prefix)
    return group, index
