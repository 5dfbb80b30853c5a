"""A milestone's rule in words, for the pages: "all of: at least 5 mentoring.session in
the last 180 days; reached “Mentor I”".

The words are rule_text's, the ones a person's progress is explained with, so that a
rule reads the same on the pathway page and in the explanation of an award: a count is
rule_text's count line with "at least N" in place of "found of N".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pathways import rule_text


@dataclass
class RulePart:
    text: str
    parts: list[RulePart] = field(default_factory=list)


def describe(rule: dict[str, Any], names: Mapping[str, str] | None = None) -> RulePart:
    """A checked rule as a tree of phrases; `names` gives display names for badge class
    ids and milestone keys (evaluation.names)."""
    names = names or {}
    for kind in ("all", "any"):
        if kind in rule:
            return RulePart(rule_text.group_text(kind),
                            [describe(child, names) for child in rule[kind]])
    if "badge" in rule:
        return RulePart(rule_text.badge_text(names.get(rule["badge"], rule["badge"]), True))
    if "milestone" in rule:
        key = rule["milestone"]
        return RulePart(rule_text.milestone_text(names.get(key, key), True))
    return RulePart(count_phrase(rule))


def count_phrase(rule: dict[str, Any]) -> str:
    needed, type_key = rule.get("at_least", 1), rule["action"]
    between = tuple(map(rule_text.parse_bound, rule["between"])) if "between" in rule \
        else None
    line = rule_text.count_text(0, needed, type_key, where=rule.get("where", {}),
                                within_days=rule.get("within_days"), between=between)
    found_of = f"0 of {needed} {type_key}"
    return f"at least {needed} {type_key}{line[len(found_of):]}"


def as_text(part: RulePart, depth: int = 0) -> str:
    """The tree as indented lines (two spaces a level), as explanations are written."""
    lines = ["  " * depth + part.text]
    lines += [as_text(child, depth + 1) for child in part.parts]
    return "\n".join(lines)
