"""What a program's dashboard shows, gathered for the templates: each key result with its
charts, the contributors of the last twelve months, the funnel of each pathway and the
recent awards. The public and the staff dashboard are the same page; the public one
leaves out anything personal (see `public_awards`).

Charts are SVG drawn here on the server (reporting/charts.py) and marked safe for the
templates; every text in them is escaped by the chart functions.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from markupsafe import Markup
from sqlalchemy.orm import selectinload

from cairn.db import db, utcnow
from pathways.models import Milestone, Pathway
from reporting import charts
from reporting.chart_svg import MONTHS
from reporting.models import KeyResult, Objective, Program
from reporting.page_reports import (
    contributors_wanted,
    fetch,
    funnel_wanted,
    key_result_wanted,
)
from reporting.periods import local_today, year_before, zone
from reporting.reports import recent_awards

#: Most objectives a dashboard shows: current and coming ones first, then the latest past.
MAX_OBJECTIVES = 10
#: Most pathways whose funnel a dashboard shows (oldest first).
MAX_PATHWAYS = 5
RECENT = 10
#: Kinds whose figures may have fractions; the others count people or things, so their
#: axes step by whole numbers.
FRACTIONAL_KINDS = ("action_sum", "manual")


def svg_markup(svg: str) -> Markup:
    """A chart for the templates, as it is: the chart functions escape every text they
    draw, so the SVG is markup to keep, not text to escape again."""
    return Markup(svg)  # noqa: S704


@dataclass(frozen=True)
class KeyResultView:
    key_result: KeyResult
    report: dict[str, Any]
    status: str  # what the on-track badge says
    tone: str  # "ok", "bad" or "" (neutral), the badge's colour
    progress_svg: Markup
    chart_svg: Markup

    @property
    def anchor(self) -> str:
        return f"kr-{self.key_result.public_id}"


@dataclass(frozen=True)
class ObjectiveView:
    objective: Objective
    key_results: list[KeyResultView]


@dataclass(frozen=True)
class Dashboard:
    program: Program
    public: bool
    today: date
    as_of: datetime  # when the oldest figure shown was worked out, in the program's zone
    objectives: list[ObjectiveView]
    more_objectives: bool
    contributors: dict[str, Any]
    contributors_svg: Markup
    funnels: list[tuple[dict[str, Any], Markup]]
    awards: list[dict[str, Any]]


def key_result_status(report: dict[str, Any], today: date) -> tuple[str, str]:
    """The on-track badge: before the period, after it (met or missed), or on the way."""
    start, end = (date.fromisoformat(report["period"][name]) for name in ("start", "end"))
    value, target = report["value"], report["target"]
    if today < start:
        return f"Starts {start.day} {MONTHS[start.month - 1]} {start.year}", ""
    if today > end:
        return ("Target met", "ok") if value is not None and value >= target else \
            ("Target missed", "bad")
    if report["trend"]["projected"] is None:
        return "No trend yet", ""
    return ("On track", "ok") if report["trend"]["on_track"] else ("Behind", "bad")


def series_points(report: dict[str, Any], as_of: date) -> list[tuple[date, float]]:
    """Each bucket's running figure at the day it stands for: the bucket's last day, or
    today for the bucket still under way (a reading taken at a bucket's start would put
    a whole week's or month's count before it happened)."""
    return [(min(date.fromisoformat(point["end"]), as_of), point["cumulative"])
            for point in report["series"] if point["cumulative"] is not None]


def key_result_view(key_result: KeyResult, report: dict[str, Any],
                    today: date) -> KeyResultView:
    status, tone = key_result_status(report, today)
    chart_id = f"kr-{key_result.public_id}"
    start, end = (date.fromisoformat(report["period"][name]) for name in ("start", "end"))
    progress = charts.progress_bar(report["value"] or 0, report["target"],
                                   title=f"Progress of {key_result.title}",
                                   chart_id=f"{chart_id}-progress")
    chart = charts.line_chart(
        series_points(report, today), start=start, end=end, target=report["target"],
        projected=report["trend"]["projected"] if today <= end else None,
        title=f"{key_result.title}: running figure by {report['group_by']}",
        chart_id=f"{chart_id}-chart", label="Running figure",
        whole=key_result.metric.get("kind") not in FRACTIONAL_KINDS)
    return KeyResultView(key_result, report, status, tone, svg_markup(progress),
                         svg_markup(chart))


def program_objectives(program: Program, today: date) -> tuple[list[Objective], bool]:
    """Objectives under way or to come (soonest end first), then past ones (latest first);
    whether more were left out."""
    found = list(db.session.scalars(
        sa.select(Objective).where(Objective.program_id == program.id)
        .options(selectinload(Objective.key_results))))
    current = sorted((o for o in found if o.period_end >= today),
                     key=lambda o: (o.period_end, o.id))
    past = sorted((o for o in found if o.period_end < today),
                  key=lambda o: (o.period_end, o.id), reverse=True)
    ordered = current + past
    return ordered[:MAX_OBJECTIVES], len(ordered) > MAX_OBJECTIVES


def find_key_result(program: Program, public_id: str) -> KeyResult | None:
    """A key result of one of the program's objectives."""
    return db.session.scalar(
        sa.select(KeyResult).join(Objective, Objective.id == KeyResult.objective_id)
        .where(Objective.program_id == program.id, KeyResult.public_id == public_id)
        .options(selectinload(KeyResult.objective)))


def program_pathways(program: Program) -> list[Pathway]:
    issuers = [issuer.id for issuer in program.issuers]
    return list(db.session.scalars(
        sa.select(Pathway).where(Pathway.issuer_id.in_(issuers)).order_by(Pathway.id)
        .options(selectinload(Pathway.milestones).selectinload(Milestone.badge_class))
        .limit(MAX_PATHWAYS)))


def contributors_svg(report: dict[str, Any], today: date) -> Markup:
    """Contributors per month over the last twelve months (this one included)."""
    first = date.fromisoformat(report["from"])
    points = [(date.fromisoformat(point["start"]), point["value"])
              for point in report["series"]]
    return svg_markup(charts.line_chart(
        points, start=first, end=today, title="Contributors per month",
        chart_id="contributors-chart", label="Contributors in the month",
        description=f"{report['total']} people contributed between {first.isoformat()} and "
                    f"{today.isoformat()}, {report['new']} of them for the first time."))


def funnel_svg(report: dict[str, Any]) -> Markup:
    return svg_markup(charts.funnel_chart(
        [(step["name"], step["people"]) for step in report["steps"]],
        title=f"{report['name']}: people who reached each milestone",
        chart_id=f"funnel-{report['pathway']}"))


def public_awards(awards: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """What a public dashboard shows of an award: the badge and the day, nobody's name
    (even one its holder shows on their own profile)."""
    return [{"badge_class": award["badge_class"], "badge_class_name": award["badge_class_name"],
             "issued_on": award["issued_on"], "recipient": None, "profile_url": None}
            for award in awards]


def local_day(instant: str, time_zone: str) -> date:
    moment = datetime.fromisoformat(instant.replace("Z", "+00:00"))
    return moment.astimezone(zone(time_zone)).date()


def instant(text: str, time_zone: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(zone(time_zone))


def build_dashboard(program: Program, *, public: bool, now: datetime | None = None
                    ) -> Dashboard:
    """Every report of the page in one `fetch`, so that those not kept are made side by
    side."""
    now = now or utcnow()
    today = local_today(program.time_zone, now)
    objectives, more = program_objectives(program, today)
    key_results = [kr for objective in objectives for kr in objective.key_results]
    pathways = program_pathways(program)
    found = fetch([key_result_wanted(kr) for kr in key_results]
                  + [contributors_wanted(program, year_before(today), today)]
                  + [funnel_wanted(pathway, program.time_zone) for pathway in pathways])
    by_key_result = dict(zip((kr.id for kr in key_results), found, strict=False))
    contributors, funnels = found[len(key_results)], found[len(key_results) + 1:]
    views = [ObjectiveView(objective, [key_result_view(kr, by_key_result[kr.id], today)
                                       for kr in objective.key_results])
             for objective in objectives]
    awards = recent_awards(program, limit=RECENT)
    if public:
        awards = public_awards(awards)
    for award in awards:
        award["day"] = local_day(award["issued_on"], program.time_zone)
    as_of = min([instant(report["as_of"], program.time_zone)
                 for report in [*by_key_result.values(), contributors, *funnels]])
    return Dashboard(program=program, public=public, today=today, as_of=as_of,
                     objectives=views, more_objectives=more, contributors=contributors,
                     contributors_svg=contributors_svg(contributors, today),
                     funnels=[(report, funnel_svg(report)) for report in funnels],
                     awards=awards)
