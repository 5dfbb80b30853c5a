"""A pathway's funnel: how many people reached each milestone, in pathway order, and the
conversion from each step to the next.

A person reached a milestone when the milestone's award row exists (pathways.models.
MilestoneAward), at the time it was written; a person reaching it through two identities
counts once, at the earlier. Milestones reached through an award revoked or suspended now
are left out unless `include_revoked`. `start` (optional) and `end` bound when the
milestone was first reached, in local days of the time zone. The counts go through a
memo (reporting/memo.py), like every report's.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from cairn.db import utcnow
from pathways.models import Pathway
from reporting.buckets import instant
from reporting.computations import for_funnel
from reporting.figures import Figures, figures
from reporting.memo import exact_figures
from reporting.periods import local_today, midnight
from reporting.slices import Slice
from reporting.sources import milestone_rows
from reporting.tuning import run_report

DIGITS = 4


def reached_counts(pathway: Pathway, *, lo: datetime | None, hi: datetime,
                   include_revoked: bool) -> dict[int, int]:
    """{milestone id: people who first reached it in [lo, hi)}."""
    def count(part: Slice) -> tuple[Figures, None]:
        return figures(reached=_reached(pathway.id, lo, hi, include_revoked, part)), None

    computation = for_funnel(pathway.id, lo=lo, hi=hi, include_revoked=include_revoked,
                             count=count, now=utcnow())
    return {int(key): value for key, value in exact_figures(computation).get("reached", {}).items()}


def _reached(pathway_id: int, lo: datetime | None, hi: datetime, include_revoked: bool,
             part: Slice) -> dict[int, int]:
    rows = milestone_rows(pathway_id, None, include_revoked=include_revoked,
                          part=part).subquery()
    first = sa.func.min(rows.c.at)
    condition = first < instant(hi)
    if lo is not None:
        condition = sa.and_(condition, first >= instant(lo))
    per = (sa.select(rows.c.milestone).group_by(rows.c.milestone, rows.c.person)
           .having(condition).subquery())
    query = sa.select(per.c.milestone, sa.func.count()).group_by(per.c.milestone)
    return dict(run_report(query).all())


def _ratio(part: int, whole: int) -> float | None:
    return round(part / whole, DIGITS) if whole else None


def funnel_report(pathway: Pathway, *, start: date | None = None, end: date | None = None,
                  time_zone: str = "UTC", include_revoked: bool = False,
                  now: datetime | None = None) -> dict[str, Any]:
    """{"pathway", "name", "from", "to", "time_zone", "as_of", "steps": [{"position", "key",
    "name",
    "badge_class", "people", "conversion" (from the step before), "share" (of the
    first step)}]}."""
    now = now or utcnow()
    end = end or local_today(time_zone, now)
    lo = midnight(start, time_zone) if start is not None else None
    reached = reached_counts(pathway, lo=lo, hi=midnight(end + timedelta(days=1), time_zone),
                             include_revoked=include_revoked)
    steps, previous, first = [], None, None
    for position, milestone in enumerate(pathway.active_milestones):
        people = reached.get(milestone.id, 0)
        first = people if first is None else first
        steps.append({"position": position, "key": milestone.key, "name": milestone.name,
                      "badge_class": milestone.badge_class.public_id, "people": people,
                      "conversion": None if previous is None else _ratio(people, previous),
                      "share": _ratio(people, first)})
        previous = people
    return {"pathway": pathway.public_id, "name": pathway.name,
            "from": start.isoformat() if start else None, "to": end.isoformat(),
            "time_zone": time_zone, "include_revoked": include_revoked,
            "as_of": now.isoformat().replace("+00:00", "Z"), "steps": steps}
