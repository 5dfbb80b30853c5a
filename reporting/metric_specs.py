"""What a key result measures: its metric, as JSON, checked against the program it belongs
to and resolved to database ids when a report runs (api.md, "Pathway and reporting
shapes"):

    {"kind": "holders" | "new_holders", "badge_classes": [id, ...], "include_revoked": false}
    {"kind": "contributors" | "new_contributors", "badge_classes": [...],
     "action_types": [key, ...], "where": {...}, "include_revoked": false}
    {"kind": "actions", "action_types": [...], "where": {...}}
    {"kind": "action_sum", "property": "value", "action_types": [...], "where": {...}}
    {"kind": "nominations", "status": "received" | "decided" | "approved" | "rejected",
     "badge_classes": [...]}
    {"kind": "milestones", "pathway": id, "milestone": key, "include_revoked": false}
    {"kind": "manual", "aggregate": "latest" | "sum"}

Badge classes must be the program's; left out, every badge class of its issuers counts.
Action types left out mean the program's action types (all types if it names none). A
contributor is someone with a counted award or action; naming action types (or a `where`)
without badge classes counts only actions, naming badge classes without action types only
awards. `where` is the pathway rules' property filter (pathways/rules.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from badges.models import BadgeClass
from cairn.db import db
from pathways.action_models import ActionType
from pathways.models import Pathway
from pathways.rules import RuleError, check_rule
from reporting.models import Program
from reporting.properties import PROPERTY_NAME
from reporting.sources import ActionScope, AwardScope

KINDS = ("holders", "new_holders", "contributors", "new_contributors", "actions",
         "action_sum", "nominations", "milestones", "manual")
_PEOPLE = ("badge_classes", "action_types", "where", "include_revoked")
FIELDS = {
    "holders": ("badge_classes", "include_revoked"),
    "new_holders": ("badge_classes", "include_revoked"),
    "contributors": _PEOPLE,
    "new_contributors": _PEOPLE,
    "actions": ("action_types", "where"),
    "action_sum": ("property", "action_types", "where"),
    "nominations": ("status", "badge_classes"),
    "milestones": ("pathway", "milestone", "include_revoked"),
    "manual": ("aggregate",),
}
UNITS = {"holders": "people", "new_holders": "people", "contributors": "people",
         "new_contributors": "people", "actions": "actions", "nominations": "nominations",
         "milestones": "milestones", "manual": ""}
STATUSES = ("received", "decided", "approved", "rejected")
AGGREGATES = ("latest", "sum")
MAX_LIST = 100


@dataclass(frozen=True)
class Resolved:
    """A metric with database ids, ready to count."""

    kind: str
    awards: AwardScope | None = None
    actions: ActionScope | None = None
    amount: str | None = None
    status: str = "received"
    pathway_id: int | None = None
    milestone_ids: tuple[int, ...] | None = None
    include_revoked: bool = False
    aggregate: str = "latest"
    key_result_id: int | None = None


def default_unit(metric: dict[str, Any]) -> str:
    return metric["property"] if metric["kind"] == "action_sum" else UNITS[metric["kind"]]


class _Checker:
    def __init__(self, program: Program, path: str) -> None:
        self.program, self.path = program, path
        self.errors: dict[str, list[str]] = {}

    def error(self, name: str, message: str) -> None:
        self.errors.setdefault(f"{self.path}.{name}" if name else self.path, []).append(message)

    def names(self, metric: dict, name: str) -> list[str] | None:
        value = metric[name]
        if (not isinstance(value, list) or not 0 < len(value) <= MAX_LIST
                or not all(isinstance(item, str) and 0 < len(item) <= 200 for item in value)):
            self.error(name, f"Must be a list of 1 to {MAX_LIST} ids.")
            return None
        return list(dict.fromkeys(value))

    def badge_classes(self, metric: dict) -> None:
        wanted = self.names(metric, "badge_classes")
        if wanted is None:
            return
        issuer_ids = [issuer.id for issuer in self.program.issuers]
        found = set(db.session.scalars(sa.select(BadgeClass.public_id).where(
            BadgeClass.public_id.in_(wanted), BadgeClass.issuer_id.in_(issuer_ids))))
        for missing in [item for item in wanted if item not in found]:
            self.error("badge_classes", f"No badge class '{missing}' at the program's issuers.")
        metric["badge_classes"] = wanted

    def action_types(self, metric: dict) -> None:
        wanted = self.names(metric, "action_types")
        if wanted is None:
            return
        found = set(db.session.scalars(sa.select(ActionType.key).where(
            ActionType.key.in_(wanted))))
        for missing in [item for item in wanted if item not in found]:
            self.error("action_types", f"No action type '{missing}'.")
        metric["action_types"] = wanted

    def where(self, metric: dict) -> None:
        try:
            checked = check_rule({"action": "any", "where": metric["where"]}, path="")
        except RuleError as error:
            for where, messages in error.errors.items():
                for message in messages:
                    self.error("where" + where.removeprefix(".where"), message)
            return
        metric["where"] = checked.get("where", {})
        for name in metric["where"]:
            if not PROPERTY_NAME.match(name):
                self.error(f"where.{name}", "Property names in reports may not hold quotes, "
                                            "backslashes or control characters.")

    def choice(self, metric: dict, name: str, choices: tuple[str, ...]) -> None:
        if metric[name] not in choices:
            self.error(name, f"Must be one of: {', '.join(choices)}.")

    def pathway(self, metric: dict) -> None:
        pathway = find_program_pathway(self.program, metric["pathway"])
        if pathway is None:
            self.error("pathway", "No such pathway at the program's issuers.")
            return
        keys = {milestone.key for milestone in pathway.active_milestones}
        if "milestone" in metric and metric["milestone"] not in keys:
            self.error("milestone", "No such milestone in the pathway.")


def find_program_pathway(program: Program, public_id: Any) -> Pathway | None:
    if not isinstance(public_id, str):
        return None
    return db.session.scalar(sa.select(Pathway).where(
        Pathway.public_id == public_id,
        Pathway.issuer_id.in_([issuer.id for issuer in program.issuers])))


def check_metric(metric: Any, program: Program, *, path: str = "metric"
                 ) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """The normalised metric and the problems found, keyed by dotted path under `path`."""
    checker = _Checker(program, path)
    if not isinstance(metric, dict) or metric.get("kind") not in KINDS:
        checker.error("kind", f"Must be one of: {', '.join(KINDS)}.")
        return {}, checker.errors
    kind = metric["kind"]
    normal: dict[str, Any] = {"kind": kind}
    for name, value in metric.items():
        if name != "kind" and name not in FIELDS[kind]:
            checker.error(name, f"Unknown field for a {kind} metric.")
        elif name != "kind":
            normal[name] = value
    _check_fields(checker, normal)
    if kind == "action_sum" and "property" not in normal:
        checker.error("property", "Missing data for required field.")
    if kind == "milestones" and "pathway" not in normal:
        checker.error("pathway", "Missing data for required field.")
    return normal, checker.errors


def _check_fields(checker: _Checker, metric: dict[str, Any]) -> None:
    if "badge_classes" in metric:
        checker.badge_classes(metric)
    if "action_types" in metric:
        checker.action_types(metric)
    if "where" in metric:
        checker.where(metric)
    if "property" in metric and not (isinstance(metric["property"], str)
                                     and PROPERTY_NAME.match(metric["property"])):
        checker.error("property", "Must be a property name (1 to 200 characters, no quotes, "
                                  "backslashes or control characters).")
    if "include_revoked" in metric and not isinstance(metric["include_revoked"], bool):
        checker.error("include_revoked", "Must be true or false.")
    if "status" in metric:
        checker.choice(metric, "status", STATUSES)
    if "aggregate" in metric:
        checker.choice(metric, "aggregate", AGGREGATES)
    if "milestone" in metric and not isinstance(metric["milestone"], str):
        checker.error("milestone", "Must be a milestone key.")
    elif "pathway" in metric:
        checker.pathway(metric)
