"""Each report figure as a computation that reporting/memo.py can keep: its signature
(everything the figures depend on, `now` included as far as it matters), the tables whose
new rows change it, and how to count it over a part of the rows (reporting/slices.py).

What the figures depend on in `now`: the buckets begun (their number is in the
signature), and rows dated after now, which count once now reaches them (the horizon the
count answers with). Nothing else: every bucket before the current one is closed, and the
current one counts rows up to now, which the horizon covers.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from reporting import changes, counts
from reporting.figures import Figures, difference, figures, numbers
from reporting.holders import holder_changes
from reporting.metric_specs import Resolved
from reporting.periods import Window
from reporting.series import Series, build
from reporting.slices import Slice
from reporting.sources import (
    ActionScope,
    AwardScope,
    action_rows,
    award_rows,
    contribution_rows,
    milestone_rows,
    nomination_rows,
)

#: Changes whenever a computation's meaning changes, so that older memos are not used.
VERSION = 1
#: Kinds that count rows, not people: their change needs only the rows that changed.
EVENTS = ("actions", "action_sum", "nominations")

Count = Callable[[Slice], tuple[Figures, datetime | None]]


@dataclass(frozen=True)
class Computation:
    signature: dict[str, Any]
    tables: tuple[str, ...]  # whose new rows change the figures
    count: Count  # figures of a part of the rows, and their horizon
    now: datetime
    #: The figures' change over a change part (reporting/changes.py), in one pass; None:
    #: the part's people counted twice, up to each set of marks.
    change: Count | None = None
    #: Whether the change needs the people concerned, or only the rows that changed.
    by_person: bool = True

    def changed(self, part: Slice) -> tuple[Figures, datetime | None]:
        """How the figures of the part's people changed from `part.before` to
        `part.upto`, and the horizon of the rows that count now."""
        if self.change is not None:
            return self.change(part)
        old, _ = self.count(Slice(part.identities, part.before))
        new, horizon = self.count(Slice(part.identities, part.upto))
        return difference(new, old), horizon

    @property
    def text(self) -> str:
        return json.dumps(self.signature, sort_keys=True, separators=(",", ":"))

    @property
    def key(self) -> str:
        return hashlib.sha256(self.text.encode()).hexdigest()


def _ids(ids: tuple[int, ...] | None) -> list[int] | None:
    return None if ids is None else sorted(set(ids))


def _awards(scope: AwardScope | None) -> dict[str, Any] | None:
    if scope is None:
        return None
    return {"badge_classes": _ids(scope.badge_class_ids), "issuers": _ids(scope.issuer_ids),
            "include_revoked": scope.include_revoked}


def _actions(scope: ActionScope | None) -> dict[str, Any] | None:
    if scope is None:
        return None
    return {"types": _ids(scope.action_type_ids), "where": scope.where}


def _window(window: Window) -> dict[str, Any]:
    return {"time_zone": window.time_zone, "from": window.start.isoformat(),
            "to": window.end.isoformat(), "group_by": window.group_by,
            "buckets": len(window.buckets)}


def _tables(metric: Resolved) -> tuple[str, ...]:
    if metric.kind == "nominations":
        return ("nominations",)
    if metric.kind == "milestones":
        return ("milestone_awards",)
    if metric.kind in ("actions", "action_sum"):
        return ("actions",)
    return tuple(name for name, scope in (("assertions", metric.awards),
                                          ("actions", metric.actions)) if scope is not None)


def for_metric(metric: Resolved, window: Window) -> Computation:
    """A counted metric (not a manual one) over a window."""
    signature = {"v": VERSION, "kind": metric.kind, "window": _window(window),
                 "awards": _awards(metric.awards), "actions": _actions(metric.actions),
                 "amount": metric.amount, "status": metric.status,
                 "pathway": metric.pathway_id, "milestones": _ids(metric.milestone_ids),
                 "include_revoked": metric.include_revoked}
    return Computation(signature, _tables(metric), _counter(metric, window), window.now,
                       _changer(metric, window), metric.kind not in EVENTS)


def _counter(metric: Resolved, window: Window) -> Count:
    kind = metric.kind
    if kind == "holders":
        return lambda part: _holders(metric, window, part)
    if kind in ("contributors", "new_contributors"):
        def rows(part: Slice):
            return contribution_rows(metric.awards, metric.actions, part)
    elif kind == "new_holders":
        def rows(part: Slice):
            return award_rows(metric.awards, part)
    elif kind in ("actions", "action_sum"):
        def rows(part: Slice):
            return action_rows(metric.actions, part=part, person=False,
                               amount=metric.amount if kind == "action_sum" else None)
    elif kind == "nominations":
        def rows(part: Slice):
            return nomination_rows(metric.awards, metric.status, part)
    else:
        def rows(part: Slice):
            return milestone_rows(metric.pathway_id, metric.milestone_ids,
                                  include_revoked=metric.include_revoked, part=part)
    return lambda part: (_aggregate(kind, rows(part), window), counts.horizon(rows(part),
                                                                              window))


def _changer(metric: Resolved, window: Window) -> Count | None:
    """The one-pass change of each kind but holders (whose per-person islands are
    counted again the plain way)."""
    kind = metric.kind

    def contributions(part: Slice):
        return contribution_rows(metric.awards, metric.actions, part)

    if kind == "contributors":
        def change(part: Slice):
            values, increments, horizon = changes.distinct(contributions, part, window)
            return figures(values=values, increments=increments), horizon
        return change
    if kind in EVENTS:
        def rows(part: Slice):
            if kind == "nominations":
                return nomination_rows(metric.awards, metric.status, part)
            return action_rows(metric.actions, part=part, person=False,
                               amount=metric.amount if kind == "action_sum" else None)
        return lambda part: _as_values(changes.events(rows(part), window,
                                                      amount=kind == "action_sum"))
    if kind == "new_contributors":
        return lambda part: _as_values(changes.firsts(contributions, part, window))
    if kind == "new_holders":
        return lambda part: _as_values(changes.firsts(
            lambda part: award_rows(metric.awards, part), part, window))
    if kind == "milestones":
        def reached(part: Slice):
            return milestone_rows(metric.pathway_id, metric.milestone_ids,
                                  include_revoked=metric.include_revoked, part=part)
        return lambda part: _as_values(changes.firsts(reached, part, window,
                                                      by=("person", "milestone")))
    return None


def _as_values(change: changes.Change) -> tuple[Figures, datetime | None]:
    return figures(values=change[0]), change[1]


def _aggregate(kind: str, rows, window: Window) -> Figures:
    if kind == "contributors":
        values, increments = counts.distinct(rows, window)
        return figures(values=values, increments=increments)
    if kind in ("actions", "action_sum", "nominations"):
        return figures(values=counts.events(rows, window, amount=kind == "action_sum"))
    by = ("person", "milestone") if kind == "milestones" else ("person",)
    return figures(values=counts.firsts(rows, window, by=by))


def _holders(metric: Resolved, window: Window, part: Slice
             ) -> tuple[Figures, datetime | None]:
    baseline, changes, horizon = holder_changes(metric.awards, window, part)
    return figures(values=changes, baseline={"": baseline}), horizon


def series_of(kind: str, window: Window, found: Figures) -> Series:
    """The series a metric's figures make."""
    if kind == "holders":
        return build(window, numbers(found, "values"),
                     baseline=counts.plain(sum(found.get("baseline", {}).values())))
    if kind == "contributors":
        return build(window, numbers(found, "values"),
                     increments=numbers(found, "increments"))
    return build(window, numbers(found, "values"))



def for_funnel(pathway_id: int, *, lo: datetime | None, hi: datetime,
               include_revoked: bool, count: Count, now: datetime) -> Computation:
    """People first reaching each milestone of a pathway in [lo, hi): the same whenever
    it is asked, as nothing in it depends on now."""
    signature = {"v": VERSION, "kind": "funnel", "pathway": pathway_id,
                 "from": lo.isoformat() if lo else None, "to": hi.isoformat(),
                 "include_revoked": include_revoked}
    return Computation(signature, ("milestone_awards",), count, now)
