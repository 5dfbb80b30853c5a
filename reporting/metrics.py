"""Metrics over time: a checked metric resolved to ids (within a program), and its series
over a window, every figure an SQL aggregate (reporting/counts.py, reporting/holders.py)
worked out through a memo (reporting/memo.py), which counts again only what changed.

Manual values are the exception: a key result has a handful of readings typed in by
hand, read as they are (they are not rows to count).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa

from badges.models import BadgeClass
from cairn.db import db
from pathways.action_models import ActionType
from pathways.models import Milestone
from reporting import counts
from reporting.computations import for_metric, series_of
from reporting.memo import exact_figures
from reporting.metric_specs import Resolved, find_program_pathway
from reporting.models import ManualValue, Program
from reporting.periods import Window, bucket_start, local_today
from reporting.series import Series, build, latest
from reporting.sources import ActionScope, AwardScope


def badge_class_ids(public_ids: Iterable[str], issuer_ids: Iterable[int]) -> tuple[int, ...]:
    return tuple(db.session.scalars(sa.select(BadgeClass.id).where(
        BadgeClass.public_id.in_(list(public_ids)), BadgeClass.issuer_id.in_(list(issuer_ids)))
        .order_by(BadgeClass.id)))


def action_type_ids(keys: Iterable[str]) -> tuple[int, ...]:
    return tuple(db.session.scalars(sa.select(ActionType.id).where(
        ActionType.key.in_(list(keys))).order_by(ActionType.id)))


def program_action_types(program: Program) -> tuple[int, ...] | None:
    """The action types whose actions are the program's; None: every type."""
    return action_type_ids(program.action_types) if program.action_types else None


def resolve(metric: dict[str, Any], program: Program, *,
            key_result_id: int | None = None) -> Resolved:
    """The metric as ids. Names that no longer resolve (nothing is deleted in Cairn, but
    a badge class can move out of reach) simply count nothing."""
    issuer_ids = tuple(issuer.id for issuer in program.issuers)
    include_revoked = bool(metric.get("include_revoked", False))
    classes = (badge_class_ids(metric["badge_classes"], issuer_ids)
               if "badge_classes" in metric else None)
    awards = AwardScope(classes, issuer_ids, include_revoked)
    types = (action_type_ids(metric["action_types"]) if "action_types" in metric
             else program_action_types(program))
    actions = ActionScope(types, metric.get("where", {}))
    kind = metric["kind"]
    if kind in ("contributors", "new_contributors"):
        names_actions = "action_types" in metric or "where" in metric
        names_awards = "badge_classes" in metric
        awards_counted = names_awards or not names_actions
        actions_counted = names_actions or not names_awards
        return Resolved(kind, awards if awards_counted else None,
                        actions if actions_counted else None)
    if kind == "milestones":
        pathway = find_program_pathway(program, metric["pathway"])
        milestone_ids = _milestone_ids(pathway.id if pathway else None, metric.get("milestone"))
        return Resolved(kind, pathway_id=pathway.id if pathway else None,
                        milestone_ids=milestone_ids, include_revoked=include_revoked)
    return Resolved(kind, awards, actions, amount=metric.get("property"),
                    status=metric.get("status", "received"),
                    aggregate=metric.get("aggregate", "latest"), key_result_id=key_result_id)


def _milestone_ids(pathway_id: int | None, key: str | None) -> tuple[int, ...]:
    if pathway_id is None:
        return ()
    query = sa.select(Milestone.id).where(Milestone.pathway_id == pathway_id,
                                          Milestone.archived_at.is_(None))
    if key is not None:
        query = query.where(Milestone.key == key)
    return tuple(db.session.scalars(query.order_by(Milestone.id)))


def metric_series(metric: Resolved, window: Window) -> Series:
    if metric.kind == "manual":
        return manual_series(metric, window)
    if metric.kind == "milestones" and metric.pathway_id is None:
        return build(window, {})
    return series_of(metric.kind, window, exact_figures(for_metric(metric, window)))


def manual_series(metric: Resolved, window: Window) -> Series:
    """Readings up to today: the latest of each bucket (or their sum, with `aggregate:
    sum`); the running figure is the latest reading, or the sum within the window."""
    today = local_today(window.time_zone, window.now)
    query = (sa.select(ManualValue.recorded_on, ManualValue.value)
             .where(ManualValue.key_result_id == metric.key_result_id,
                    ManualValue.recorded_on <= min(window.end, today))
             .order_by(ManualValue.recorded_on, ManualValue.id))
    positions = window.index()
    if metric.aggregate == "sum":
        sums: dict[int, counts.Number] = {}
        for day, value in db.session.execute(query.where(
                ManualValue.recorded_on >= window.start)):
            where = positions[bucket_start(day, window.group_by)]
            sums[where] = counts.plain(sums.get(where, 0) + value)
        return build(window, sums)
    baseline, readings = None, {}
    for day, value in db.session.execute(query):
        if day < window.start:
            baseline = counts.plain(value)
        else:
            readings[positions[bucket_start(day, window.group_by)]] = counts.plain(value)
    return latest(window, readings, baseline)
