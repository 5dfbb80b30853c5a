"""The /reports endpoints: their parameters resolved to a window and scopes, then counted.

Filters narrow: awards of the given issuers (default: the program's, or every issuer the
actor has a role at), of the given badge classes, of the given pathway's milestones;
actions of the given types, of the types the pathway's rules name, of the program's types,
meeting every `where`. A filter naming something out of reach, or outside the program, is
refused by name. The window is [from, to] in local days: `to` defaults to today, `from` to
the first day of the month eleven months before (a year by month); the time zone is the
parameter's, else the program's, else UTC.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa

from badges.models import BadgeClass
from cairn.auth import Actor
from cairn.db import db, utcnow
from issuers.errors import IssuerNotFound
from issuers.services import find_issuer
from pathways.models import Milestone, MilestoneTrigger, Pathway
from pathways.services import find_pathway
from reporting.access import authorize_issuer, authorize_reports, visible_issuer_ids
from reporting.errors import InvalidReport, ProgramNotFound
from reporting.funnel import funnel_report
from reporting.metric_specs import Resolved
from reporting.metrics import action_type_ids, metric_series, program_action_types
from reporting.models import Program
from reporting.periods import Window, default_group_by, local_today, too_long, year_before
from reporting.reports import series_report
from reporting.services import get_program
from reporting.sources import ActionScope, AwardScope

Args = Mapping[str, Any]


class _Scope:
    """The filters of one request, resolved; problems gathered per parameter."""

    def __init__(self, actor: Actor, args: Args) -> None:
        self.actor, self.args = actor, args
        self.errors: dict[str, list[str]] = {}
        self.program = self._program()
        self.issuer_ids = self._issuers()
        self.pathway = self._pathway()

    def error(self, name: str, message: str) -> None:
        self.errors.setdefault(name, []).append(message)

    def _program(self) -> Program | None:
        if not self.args.get("program"):
            return None
        try:
            return get_program(self.actor, self.args["program"])
        except ProgramNotFound:
            self.error("program", "No such program.")
            return None

    def _issuers(self) -> tuple[int, ...] | None:
        covered = None if self.program is None else {i.id for i in self.program.issuers}
        found = []
        for public_id in self.args.get("issuers") or ():
            try:
                issuer = authorize_issuer(self.actor, find_issuer(public_id))
            except IssuerNotFound:
                self.error("issuer", f"No such issuer: {public_id}.")
                continue
            if covered is not None and issuer.id not in covered:
                self.error("issuer", f"The issuer {public_id} is not one of the program's.")
            found.append(issuer.id)
        if found:
            return tuple(found)
        return tuple(sorted(covered)) if covered is not None else visible_issuer_ids(self.actor)

    def _pathway(self) -> Pathway | None:
        public_id = self.args.get("pathway")
        if not public_id:
            return None
        pathway = find_pathway(public_id)
        try:
            authorize_issuer(self.actor, pathway.issuer if pathway else None)
        except IssuerNotFound:
            self.error("pathway", "No such pathway.")
            return None
        if self.issuer_ids is not None and pathway.issuer_id not in self.issuer_ids:
            self.error("pathway", "The pathway is not one of the issuers' reported on.")
        return pathway

    def badge_class_ids(self) -> tuple[int, ...] | None:
        wanted = list(dict.fromkeys(self.args.get("badge_classes") or ()))
        ids: tuple[int, ...] | None = None
        if wanted:
            query = sa.select(BadgeClass.public_id, BadgeClass.id).where(
                BadgeClass.public_id.in_(wanted))
            if self.issuer_ids is not None:
                query = query.where(BadgeClass.issuer_id.in_(self.issuer_ids))
            found = dict(db.session.execute(query).all())
            for missing in [item for item in wanted if item not in found]:
                self.error("badge_class", f"No such badge class: {missing}.")
            ids = tuple(found.values())
        if self.pathway is not None:
            of_pathway = {m.badge_class_id for m in self.pathway.active_milestones}
            ids = tuple(sorted(of_pathway if ids is None else of_pathway & set(ids)))
        return ids

    def action_type_ids(self) -> tuple[int, ...] | None:
        wanted = list(dict.fromkeys(self.args.get("action_types") or ()))
        ids: tuple[int, ...] | None = None
        if wanted:
            ids = action_type_ids(wanted)
            if len(ids) < len(wanted):
                self.error("action_type", "No such action type among: "
                                          f"{', '.join(wanted)}.")
        if self.pathway is not None:
            of_pathway = set(action_type_ids(_pathway_action_types(self.pathway)))
            ids = tuple(sorted(of_pathway if ids is None else of_pathway & set(ids)))
        if ids is None and self.program is not None:
            ids = program_action_types(self.program)
        return ids

    def awards(self) -> AwardScope:
        return AwardScope(self.badge_class_ids(), self.issuer_ids,
                          bool(self.args.get("include_revoked")))

    def actions(self) -> ActionScope:
        return ActionScope(self.action_type_ids(), dict(self.args.get("where") or {}))

    def window(self, now: datetime) -> tuple[str, date, date, str]:
        """(time zone, from, to, group_by), problems recorded: the Window is built only
        once they are known to be none (a window of centuries is not worth building)."""
        time_zone = self.args.get("time_zone") or (
            self.program.time_zone if self.program else "UTC")
        end = self.args.get("end") or local_today(time_zone, now)
        start = self.args.get("start") or year_before(end)
        if start > end:
            self.error("from", "Must not be after 'to' (which defaults to today).")
        elif too_long(start, end):
            self.error("to", "A report spans at most 10 years.")
        return time_zone, start, end, self.args.get("group_by") or default_group_by(start, end)

    def check(self) -> None:
        if self.errors:
            raise InvalidReport("The report's parameters are not valid.", self.errors)


def _pathway_action_types(pathway: Pathway) -> list[str]:
    return list(db.session.scalars(sa.select(MilestoneTrigger.key).distinct().join(
        Milestone, Milestone.id == MilestoneTrigger.milestone_id).where(
        Milestone.pathway_id == pathway.id, Milestone.archived_at.is_(None),
        MilestoneTrigger.kind == "action")))


def _report(actor: Actor, args: Args, kind: str, now: datetime | None) -> dict[str, Any]:
    authorize_reports(actor)
    now = now or utcnow()
    scope = _Scope(actor, args)
    time_zone, start, end, group_by = scope.window(now)
    if kind in ("holders", "new_holders"):
        metric = Resolved(kind, awards=scope.awards())
    elif kind in ("contributors", "new_contributors"):
        names_actions = bool(args.get("action_types") or args.get("where"))
        names_awards = bool(args.get("badge_classes") or args.get("issuers"))
        metric = Resolved(kind, scope.awards() if names_awards or not names_actions else None,
                          scope.actions() if names_actions or not names_awards else None)
    else:
        metric = Resolved(kind, actions=scope.actions(), amount=args.get("sum"))
    scope.check()
    window = Window(time_zone, start, end, group_by, now)
    report = series_report(metric_series(metric, window), metric=kind,
                           cumulative=bool(args.get("cumulative")))
    report["filters"] = _filters(args)
    return report


def _filters(args: Args) -> dict[str, Any]:
    names = ("program", "issuers", "badge_classes", "pathway", "action_types", "where", "sum",
             "include_revoked")
    return {name: args[name] for name in names if args.get(name)}


def holders(actor: Actor, args: Args, *, now: datetime | None = None) -> dict[str, Any]:
    return _report(actor, args, "new_holders" if args.get("new") else "holders", now)


def contributors(actor: Actor, args: Args, *, now: datetime | None = None) -> dict[str, Any]:
    return _report(actor, args, "new_contributors" if args.get("new") else "contributors",
                   now)


def actions(actor: Actor, args: Args, *, now: datetime | None = None) -> dict[str, Any]:
    return _report(actor, args, "action_sum" if args.get("sum") else "actions", now)


def funnel(actor: Actor, args: Args, *, now: datetime | None = None) -> dict[str, Any]:
    authorize_reports(actor)
    scope = _Scope(actor, args)
    now = now or utcnow()
    time_zone = args.get("time_zone") or (scope.program.time_zone if scope.program else "UTC")
    end = args.get("end") or local_today(time_zone, now)
    start = args.get("start")
    if start is not None and start > end:
        scope.error("from", "Must not be after 'to' (which defaults to today).")
    if scope.pathway is None and "pathway" not in scope.errors:
        scope.error("pathway", "Missing data for required field.")
    scope.check()
    return funnel_report(scope.pathway, start=start, end=end, time_zone=time_zone,
                         include_revoked=bool(args.get("include_revoked")), now=now)

