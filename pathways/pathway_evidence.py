"""What a milestone award says about why it was made: its evidence and narrative.

The evidence uses only the fields every credential builder takes (`name`, `narrative`,
`url`): the first item names the milestone, the pathway, the rule version and the
explanation of the rule as it held; then one item per action that met the rule (its URL
when the action's properties carry an http(s) `url`), at most MAX_LISTED_ACTIONS of them,
the rest named together in one last item.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from badges.awards import AwardDetails
from pathways.models import Milestone, Pathway
from pathways.rules import Line, Outcome

if TYPE_CHECKING:
    from pathways.evaluation import ActionInfo

MAX_LISTED_ACTIONS = 20


def explanation(lines: Iterable[Line]) -> str:
    """The explanation lines as text, indented two spaces per level."""
    return "\n".join("  " * line.depth + line.text for line in lines)


def award_details(pathway: Pathway, milestone: Milestone, outcome: Outcome,
                  infos: Mapping[int, ActionInfo]) -> AwardDetails:
    version = milestone.current.version
    evidence: list[dict[str, Any]] = [{
        "name": f"Milestone “{milestone.name}”, rule version {version}",
        "narrative": (f"Rule version {version} of the milestone “{milestone.name}” of the "
                      f"pathway “{pathway.name}” held:\n{explanation(outcome.lines)}")}]
    actions = [infos[action_id] for action_id in outcome.action_ids]
    for info in actions[:MAX_LISTED_ACTIONS]:
        item = {"name": f"{info.type_key} {info.public_id}",
                "narrative": (f"Action {info.public_id}: {info.type_key} on "
                              f"{info.occurred_at.isoformat().replace('+00:00', 'Z')}, "
                              f"recorded from {info.source} as {info.external_id}.")}
        url = info.properties.get("url")
        if isinstance(url, str) and url.startswith(("https://", "http://")):
            item["url"] = url
        evidence.append(item)
    if rest := actions[MAX_LISTED_ACTIONS:]:
        evidence.append({"name": f"{len(rest)} more actions",
                         "narrative": "Also met the rule: "
                                      + ", ".join(info.public_id for info in rest) + "."})
    return AwardDetails(
        evidence=tuple(evidence), notify=pathway.notify,
        narrative=f"Reached the milestone “{milestone.name}” of the pathway “{pathway.name}”.")
