"""Checking a pathway's milestones before anything is stored.

Every problem is reported at once, keyed by its JSON path in the request
("milestones.1.rule.all.0.badge"), as pathways.rules reports a rule's own problems: a
rule's shape, a badge class that is missing or belongs to another issuer (the milestone's
own badge class or one a rule refers to), an action type nobody defined, a repeated key,
and milestones referring to an unknown milestone or to each other in a circle.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from badges.models import BadgeClass
from cairn.db import db
from cairn.errors import ValidationFailed
from issuers.models import Issuer
from pathways.action_models import ActionType
from pathways.rules import RuleError, check_rule, milestone_order


class InvalidPathway(ValidationFailed):
    code = "invalid_pathway"


@dataclass(frozen=True)
class CheckedMilestone:
    key: str
    name: str
    badge_class: BadgeClass
    rule: dict[str, Any]  # normalised


def check_milestones(issuer: Issuer,
                     milestones: Sequence[Mapping[str, Any]]) -> list[CheckedMilestone]:
    """The milestones with their rules normalised and badge classes loaded, or
    InvalidPathway naming every problem."""
    errors: dict[str, list[str]] = {}
    rules: dict[int, dict] = {}
    first_with_key: dict[str, int] = {}
    for index, milestone in enumerate(milestones):
        if milestone["key"] in first_with_key:
            errors[f"milestones.{index}.key"] = [
                f"Milestone {first_with_key[milestone['key']]} has this key already."]
        first_with_key.setdefault(milestone["key"], index)
        try:
            rules[index] = check_rule(milestone["rule"], path=f"milestones.{index}.rule")
        except RuleError as error:
            errors.update(error.errors)
    badge_classes = _badge_classes(issuer, milestones, rules)
    for index, milestone in enumerate(milestones):
        if milestone["badge_class"] not in badge_classes:
            errors[f"milestones.{index}.badge_class"] = [_NO_BADGE_CLASS]
    errors.update(_reference_errors(rules, badge_classes))
    if not errors:
        errors.update(_order_errors(milestones, rules))
    if errors:
        raise InvalidPathway("The pathway is not valid.", errors)
    return [CheckedMilestone(milestone["key"], milestone["name"],
                             badge_classes[milestone["badge_class"]], rules[index])
            for index, milestone in enumerate(milestones)]


_NO_BADGE_CLASS = "No badge class with this id at this pathway's issuer."


def references(rule: dict, path: str) -> Iterator[tuple[str, str, str]]:
    """(path, kind, key) of each action type, badge class and milestone a checked rule
    names, with the path of the part naming it."""
    for kind in ("all", "any"):
        for index, child in enumerate(rule.get(kind, ())):
            yield from references(child, f"{path}.{kind}.{index}")
    for kind in ("action", "badge", "milestone"):
        if kind in rule:
            yield f"{path}.{kind}", kind, rule[kind]


def _badge_classes(issuer: Issuer, milestones: Sequence[Mapping[str, Any]],
                   rules: Mapping[int, dict]) -> dict[str, BadgeClass]:
    """The issuer's badge classes among those named; others are as good as missing."""
    wanted = {milestone["badge_class"] for milestone in milestones}
    wanted |= {key for index, rule in rules.items()
               for _, kind, key in references(rule, "") if kind == "badge"}
    found = db.session.scalars(sa.select(BadgeClass).where(
        BadgeClass.issuer_id == issuer.id, BadgeClass.public_id.in_(wanted)))
    return {badge_class.public_id: badge_class for badge_class in found}


def _reference_errors(rules: Mapping[int, dict],
                      badge_classes: Mapping[str, BadgeClass]) -> dict[str, list[str]]:
    named = [(path, kind, key) for index, rule in rules.items()
             for path, kind, key in references(rule, f"milestones.{index}.rule")]
    types = {key for _, kind, key in named if kind == "action"}
    defined = set(db.session.scalars(sa.select(ActionType.key).where(
        ActionType.key.in_(types)))) if types else set()
    errors: dict[str, list[str]] = {}
    for path, kind, key in named:
        if kind == "badge" and key not in badge_classes:
            errors.setdefault(path, []).append(_NO_BADGE_CLASS)
        elif kind == "action" and key not in defined:
            errors.setdefault(path, []).append(
                f"No action type '{key}'; define it first (POST /api/v1/action-types).")
    return errors


def _order_errors(milestones: Sequence[Mapping[str, Any]],
                  rules: Mapping[int, dict]) -> dict[str, list[str]]:
    """Unknown and circular milestone references, keyed by the milestone's place in the
    request (pathways.rules names it by key)."""
    index_of = {milestone["key"]: str(index) for index, milestone in enumerate(milestones)}
    try:
        milestone_order({milestone["key"]: rules[index]
                         for index, milestone in enumerate(milestones)})
    except RuleError as error:
        return {_by_index(path, index_of): messages for path, messages in error.errors.items()}
    return {}


def _by_index(path: str, index_of: Mapping[str, str]) -> str:
    """"milestones.<key>.rule" -> "milestones.<index>.rule"."""
    prefix, suffix = "milestones.", ".rule"
    if path.startswith(prefix) and path.endswith(suffix):
        key = path[len(prefix):-len(suffix)]
        if key in index_of:
            return f"{prefix}{index_of[key]}{suffix}"
    return path
