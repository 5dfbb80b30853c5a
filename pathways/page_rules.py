"""The builder's form as the API's pathway definition, and back; and each error of the
definition placed beside the form field it concerns.

The form turns into exactly the JSON a client would post (api.md's rule grammar), and the
same checks apply (pathways.schemas, pathways.pathway_checks): the page adds only what a
form row can get wrong that JSON cannot say, such as two filters on one property. A value
the form cannot read (a count that is not a number) is passed on as typed, so that the
rule's own check names the problem in its own words.

Values are written as rule_text shows them: a string bare unless it could be read as
another value ("1" in quotes is the string, 1 the number), so a rule read into the form
and saved again is the same rule.
"""

from __future__ import annotations

import json
import re
from typing import Any

from cairn.pages import flatten_errors
from pathways.page_forms import (
    FORM_DEPTH,
    Condition,
    FilterRow,
    Group,
    MilestoneForm,
    PathwayForm,
)
from pathways.rule_text import value_text

#: JSON path -> form field, for the top of the definition.
_TOP_FIELDS = {"name": "name", "description": "description", "notify": "notify",
               "milestones": "milestones"}


class Definition:
    """A form read as a pathway definition: the JSON, the problems only the form can
    have (by field), and where each JSON path of it came from on the form."""

    def __init__(self) -> None:
        self.errors: dict[str, list[str]] = {}
        self.fields: dict[str, str] = dict(_TOP_FIELDS)
        self.json: dict[str, Any] = {}

    def error(self, name: str, message: str) -> None:
        self.errors.setdefault(name, []).append(message)

    def place(self, errors: Any) -> dict[str, list[str]]:
        """Errors keyed by JSON path ({"milestones": {"0": {"key": [...]}}} or
        "milestones.0.rule.all.1.action") keyed by the field that shows them: the
        nearest field for the path or a part above it, else the form's top ("")."""
        placed: dict[str, list[str]] = {}
        for path, messages in flatten_errors(errors).items():
            name = self.field_for(path)
            known = placed.setdefault(name, [])
            known.extend(message for message in messages if message not in known)
        return placed

    def field_for(self, path: str) -> str:
        parts = path.split(".")
        while parts:
            name = self.fields.get(".".join(parts))
            if name is not None:
                return name
            parts.pop()
        return ""


def merge_errors(first: dict[str, list[str]],
                 then: dict[str, list[str]]) -> dict[str, list[str]]:
    """Both sets of messages; a field that has messages in `first` keeps only those (the
    form's own words for an empty choice, say, rather than the schema's)."""
    merged = {name: list(messages) for name, messages in first.items()}
    for name, messages in then.items():
        if name and name in first:
            continue
        known = merged.setdefault(name, [])
        known.extend(message for message in messages if message not in known)
    return merged


# --- form -> definition ----------------------------------------------------------------------

def definition_of(form: PathwayForm) -> Definition:
    found = Definition()
    found.json = {"issuer": form.issuer, "name": form.name.strip(),
                  "description": form.description.strip() or None, "notify": form.notify,
                  "milestones": [_milestone(found, milestone, index)
                                 for index, milestone in enumerate(form.milestones)]}
    return found


def _milestone(found: Definition, milestone: MilestoneForm, index: int) -> dict[str, Any]:
    prefix, path = f"m-{index}", f"milestones.{index}"
    found.fields[path] = prefix
    for name in ("key", "name", "badge_class"):
        found.fields[f"{path}.{name}"] = f"{prefix}-{name}"
    found.fields[f"{path}.rule"] = f"{prefix}-rule"
    if not milestone.badge_class:
        found.error(f"{prefix}-badge_class", "Choose the badge class this milestone awards.")
    if milestone.locked is not None:
        rule = milestone.locked
    else:
        rule = _group(found, milestone.group, prefix, f"{path}.rule", root=True)
    return {"key": milestone.key.strip(), "name": milestone.name.strip(),
            "badge_class": milestone.badge_class, "rule": rule}


def _group(found: Definition, group: Group, prefix: str, path: str, *,
           root: bool = False) -> dict[str, Any]:
    """A group of one condition at the top of a rule is that condition alone: the same
    rule, said more simply (and a rule made through the API as one condition comes back
    unchanged)."""
    if root and len(group.conditions) == 1:
        return _condition(found, group.conditions[0], f"{prefix}-c-0", path)
    found.fields[path] = found.fields[f"{path}.{group.combinator}"] = \
        f"{prefix}-rule" if root else prefix
    return {group.combinator: [
        _condition(found, condition, f"{prefix}-c-{index}",
                   f"{path}.{group.combinator}.{index}")
        for index, condition in enumerate(group.conditions)]}


def _condition(found: Definition, condition: Condition, prefix: str,
               path: str) -> dict[str, Any]:
    found.fields[path] = prefix
    if condition.kind == "group" and condition.group is not None:
        return _group(found, condition.group, prefix, path)
    if condition.kind in ("badge", "milestone"):
        key = getattr(condition, condition.kind)
        found.fields[f"{path}.{condition.kind}"] = f"{prefix}-{condition.kind}"
        if not key:
            found.error(f"{prefix}-{condition.kind}", "Choose a badge class."
                        if condition.kind == "badge" else "Choose a milestone.")
        return {condition.kind: key}
    return _count(found, condition, prefix, path)


def _count(found: Definition, condition: Condition, prefix: str, path: str) -> dict[str, Any]:
    for name in ("action", "at_least", "within_days"):
        found.fields[f"{path}.{name}"] = f"{prefix}-{name}"
    found.fields[f"{path}.between"] = found.fields[f"{path}.between.1"] = f"{prefix}-end"
    found.fields[f"{path}.between.0"] = f"{prefix}-start"
    found.fields[f"{path}.where"] = f"{prefix}-filters"
    if not condition.action:
        found.error(f"{prefix}-action", "Choose an action type.")
    at_least = _whole_number(condition.at_least)
    node: dict[str, Any] = {"action": condition.action,
                            "at_least": 1 if at_least is None else at_least}
    if condition.within_days.strip():
        node["within_days"] = _whole_number(condition.within_days)
    start, end = condition.start.strip(), condition.end.strip()
    if start or end:
        node["between"] = [start, end]
        if not start or not end:
            found.error(f"{prefix}-{'end' if start else 'start'}",
                        "Give both dates, or neither.")
    where = _where(found, condition.filters, prefix, f"{path}.where")
    if where:
        node["where"] = where
    return node


def _where(found: Definition, rows: list[FilterRow], prefix: str,
           path: str) -> dict[str, dict[str, Any]]:
    where: dict[str, dict[str, Any]] = {}
    for index, row in enumerate(rows):
        name, row_prefix = row.property.strip(), f"{prefix}-f-{index}"
        if row.is_blank():
            continue
        if not name:
            found.error(f"{row_prefix}-property", "Name the property this filter tests.")
            continue
        if name in where:
            found.error(f"{row_prefix}-property",
                        "Another filter of this condition tests this property already.")
            continue
        found.fields[f"{path}.{name}"] = f"{row_prefix}-value"
        argument = _argument(row)
        if argument in (None, []):
            found.error(f"{row_prefix}-value", "Give one or more values, separated by "
                        "commas." if row.operator == "in" else "Give a value.")
        where[name] = {row.operator: argument}
    return where


def _whole_number(text: str) -> int | str | None:
    """The count as a number, or the text as typed (for the rule's check to refuse)."""
    text = text.strip()
    if not text:
        return None
    return int(text) if re.fullmatch(r"[0-9]{1,9}", text) else text


def _argument(row: FilterRow) -> Any:
    if not row.value.strip():
        return None
    if row.operator == "in":
        return [value_of(item) for item in split_values(row.value)]
    value = value_of(row.value)
    if row.operator == "at_least" and (isinstance(value, bool)
                                       or not isinstance(value, int | float)):
        return row.value.strip()  # not a number: the rule's check says so
    return value


def value_of(text: str) -> Any:
    """A typed value as JSON reads it when it is a JSON scalar (5, 2.5, true, null,
    "quoted text"), otherwise the text itself (O1-KR1)."""
    text = text.strip()
    try:
        value = json.loads(text, parse_constant=_refuse)
    except ValueError:
        return text
    return text if isinstance(value, dict | list) else value


def _refuse(name: str) -> Any:
    raise ValueError(name)  # NaN and Infinity are not JSON


def split_values(text: str) -> list[str]:
    """A comma-separated list, where a comma inside "double quotes" is part of a value."""
    items, current, quoted, escaped = [], [], False, False
    for char in text:
        if quoted:
            escaped, quoted = (False, True) if escaped else (char == "\\", char != '"')
        elif char == '"':
            quoted = True
        elif char == ",":
            items.append("".join(current))
            current = []
            continue
        current.append(char)
    items.append("".join(current))
    return [item for item in items if item.strip()]


def value_shown(value: Any, *, in_list: bool = False) -> str:
    """A value as the form shows it, read back by `value_of` as the same value."""
    if (isinstance(value, str) and value == value.strip() and not value.startswith('"')
            and not (in_list and "," in value) and value_text(value) == value):
        return value
    return json.dumps(value, ensure_ascii=False)


# --- definition -> form ------------------------------------------------------------------------

def form_of(issuer: str, name: str, description: str | None, notify: bool,
            milestones: list[tuple[str, str, str, dict[str, Any]]]) -> PathwayForm:
    """A stored pathway as the form shows it; `milestones` are (key, name, badge class
    id, rule) in order. A rule the form cannot show is kept whole (`locked`)."""
    rows = []
    for key, milestone_name, badge_class, rule in milestones:
        group = group_of(rule)
        rows.append(MilestoneForm(key=key, name=milestone_name, badge_class=badge_class,
                                  **({"group": group} if group is not None
                                     else {"locked": rule})))
    return PathwayForm(issuer=issuer, name=name, description=description or "",
                       notify=notify, milestones=rows)


def group_of(rule: dict[str, Any], depth: int = 1) -> Group | None:
    """The rule as form rows, or None when it nests deeper than the form shows."""
    kind = "all" if "all" in rule else "any" if "any" in rule else None
    if kind is None:
        leaf = _leaf(rule)
        return None if leaf is None or depth > 1 else Group(conditions=[leaf])
    conditions = []
    for child in rule[kind]:
        if "all" in child or "any" in child:
            nested = group_of(child, depth + 1) if depth < FORM_DEPTH else None
            if nested is None:
                return None
            conditions.append(Condition(kind="group", group=nested))
        else:
            leaf = _leaf(child)
            if leaf is None:
                return None
            conditions.append(leaf)
    return Group(combinator=kind, conditions=conditions)


def _leaf(rule: dict[str, Any]) -> Condition | None:
    if "badge" in rule:
        return Condition(kind="badge", badge=rule["badge"])
    if "milestone" in rule:
        return Condition(kind="milestone", milestone=rule["milestone"])
    if "action" not in rule:
        return None
    start, end = rule.get("between", ["", ""])
    return Condition(kind="action", action=rule["action"],
                     at_least=str(rule.get("at_least", 1)),
                     within_days=str(rule.get("within_days", "")), start=start, end=end,
                     filters=[_filter_row(name, condition)
                              for name, condition in rule.get("where", {}).items()])


def _filter_row(name: str, condition: dict[str, Any]) -> FilterRow:
    [(operator, argument)] = condition.items()
    if operator == "in":
        shown = ", ".join(value_shown(value, in_list=True) for value in argument)
    else:
        shown = value_shown(argument)
    return FilterRow(property=name, operator=operator, value=shown)
