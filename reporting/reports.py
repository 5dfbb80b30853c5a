"""Reports as the API's JSON shapes (plain dicts, dates as ISO strings), for the API views
and the dashboard pages alike.

- `metric_report`: a metric's series over a window (the /reports/holders, /contributors
  and /actions answers);
- `key_result_report`: value to date, target, progress, series and trend;
- `contributors_report`: a program's contributors, and how many of them were new;
- `funnel_report` (reporting/funnel.py): a pathway's funnel;
- `recent_awards`: the latest awards of a program, with nothing personal unless the
  recipient shows the award on their public profile.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from badges.models import Assertion, BadgeClass
from cairn.db import db, utcnow
from cairn.urls import public_url
from recipients.models import Person, PersonIdentity
from reporting import counts
from reporting.funnel import funnel_report
from reporting.metrics import metric_series, resolve
from reporting.models import KeyResult, Program
from reporting.periods import Window, default_group_by
from reporting.series import Series
from reporting.trend import trend

__all__ = ["contributors_report", "funnel_report", "key_result_report", "metric_report",
           "recent_awards"]


def series_report(series: Series, *, metric: str, cumulative: bool = False
                  ) -> dict[str, Any]:
    """The common shape: with `cumulative`, each point's value is its running figure."""
    window = series.window
    points = [point.as_dict() for point in series.points]
    if cumulative:
        for point in points:
            point["value"] = point["cumulative"]
    return {"metric": metric, "group_by": window.group_by, "time_zone": window.time_zone,
            "from": window.start.isoformat(), "to": window.end.isoformat(),
            "as_of": _instant(window.now), "cumulative": cumulative, "series": points,
            "total": series.total}


def metric_report(metric: dict[str, Any], program: Program, window: Window, *,
                  cumulative: bool = False) -> dict[str, Any]:
    return series_report(metric_series(resolve(metric, program), window),
                         metric=metric["kind"], cumulative=cumulative)


def _instant(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def key_result_report(key_result: KeyResult, *, group_by: str | None = None,
                      now: datetime | None = None) -> dict[str, Any]:
    """{"key_result", "objective", "title", "unit", "metric", "period", "time_zone",
    "group_by", "as_of", "value", "target", "progress", "series": [{"start", "end",
    "value", "cumulative"}], "trend": {"projected", "on_track", "slope_per_day",
    "points"}}. `value` is the figure to date (None for a manual key result without a
    reading yet); `progress` is value / target."""
    program = key_result.program
    start, end = key_result.start, key_result.end
    window = Window(program.time_zone, start, end, group_by or default_group_by(start, end),
                    now or utcnow())
    resolved = resolve(key_result.metric, program, key_result_id=key_result.id)
    series = metric_series(resolved, window)
    value = series.total
    return {
        "key_result": key_result.public_id, "objective": key_result.objective.public_id,
        "title": key_result.title, "unit": key_result.unit, "metric": key_result.metric,
        "period": {"start": start.isoformat(), "end": end.isoformat()},
        "time_zone": window.time_zone, "group_by": window.group_by,
        "as_of": _instant(window.now), "value": value,
        "target": counts.plain(key_result.target),
        "progress": None if value is None else round(value / key_result.target, 4),
        "series": [point.as_dict() for point in series.points],
        "trend": trend(series, key_result.target)}


def contributors_report(program: Program, *, group_by: str | None, start: date, end: date,
                        now: datetime | None = None) -> dict[str, Any]:
    """The program's contributors per bucket (people with an award of its issuers or an
    action of its action types), and `new`: how many of them contributed for the first
    time ever within the window."""
    window = Window(program.time_zone, start, end, group_by or default_group_by(start, end),
                    now or utcnow())
    report = metric_report({"kind": "contributors"}, program, window)
    report["new"] = metric_series(resolve({"kind": "new_contributors"}, program),
                                  window).total
    return report


def recent_awards(program: Program, limit: int = 10) -> list[dict[str, Any]]:
    """The latest awards of the program's issuers (revoked and suspended ones left out):
    {"badge_class", "badge_class_name", "issued_on", "recipient", "profile_url"}. The
    recipient's display name and profile are given only when the recipient has claimed
    the award, keeps a public profile and shows this award on it; otherwise both are
    None and nothing personal is given."""
    link, person = aliased(PersonIdentity), aliased(Person)
    shown = sa.and_(Assertion.shown_on_profile.is_(True), person.profile_public.is_(True))
    query = (sa.select(BadgeClass.public_id, BadgeClass.name, Assertion.issued_on,
                       sa.case((shown, person.display_name), else_=sa.null()),
                       sa.case((shown, person.slug), else_=sa.null()))
             .select_from(Assertion).join(BadgeClass, BadgeClass.id == Assertion.badge_class_id)
             .outerjoin(link, sa.and_(link.identity_id == Assertion.recipient_identity_id,
                                      link.verified_at.is_not(None)))
             .outerjoin(person, person.id == link.person_id)
             .where(Assertion.issuer_id.in_([issuer.id for issuer in program.issuers]),
                    Assertion.revoked_at.is_(None), Assertion.suspended_at.is_(None))
             .order_by(Assertion.issued_on.desc(), Assertion.id.desc()).limit(limit))
    return [{"badge_class": public_id, "badge_class_name": name,
             "issued_on": _instant(issued_on), "recipient": display_name,
             "profile_url": public_url(f"/people/{slug}") if slug else None}
            for public_id, name, issued_on, display_name, slug in db.session.execute(query)]
