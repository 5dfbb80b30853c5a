"""The reports recomputed in plain Python from the raw rows, written from the definitions
(README, "Reports") and sharing no code with reporting/: the numbers the API answers must
be these, exactly.

Rows are read whole; every rule is applied here by hand: a person is the verified person
of an identity or else the identity; revoked and suspended awards are out unless asked
for; a retraction and the action it withdraws are out; a holder holds at instant E when
issued_on < E <= expires_at (or never expires).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from badges.models import Assertion
from cairn.db import db
from pathways.action_models import Action
from recipients.models import PersonIdentity


@dataclass(frozen=True)
class Award:
    person: int
    badge_class_id: int
    issuer_id: int
    issued_on: datetime
    expires_at: datetime | None
    withdrawn: bool


@dataclass(frozen=True)
class Act:
    person: int
    type_id: int
    occurred_at: datetime
    properties: dict


def people() -> dict[int, int]:
    return {identity: -person for identity, person in db.session.execute(
        sa.select(PersonIdentity.identity_id, PersonIdentity.person_id).where(
            PersonIdentity.verified_at.is_not(None)))}


def awards() -> list[Award]:
    who = people()
    return [Award(who.get(a.recipient_identity_id, a.recipient_identity_id), a.badge_class_id,
                  a.issuer_id, a.issued_on, a.expires_at,
                  a.revoked_at is not None or a.suspended_at is not None)
            for a in db.session.scalars(sa.select(Assertion))]


def acts() -> list[Act]:
    who = people()
    rows = list(db.session.scalars(sa.select(Action)))
    withdrawn = {row.retracts_id for row in rows if row.retracts_id is not None}
    return [Act(who.get(row.identity_id, row.identity_id), row.action_type_id,
                row.occurred_at, row.properties)
            for row in rows if row.action_type_id is not None and row.id not in withdrawn]


def _bucket_start(day: date, group_by: str) -> date:
    if group_by == "week":
        return day - timedelta(days=day.weekday())
    if group_by == "month":
        return date(day.year, day.month, 1)
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def _following(start: date, group_by: str) -> date:
    if group_by == "week":
        return start + timedelta(days=7)
    step = 1 if group_by == "month" else 3
    month = start.month + step
    return date(start.year + (month - 1) // 12, (month - 1) % 12 + 1, 1)


@dataclass(frozen=True)
class Span:
    start: date  # first day shown
    end: date  # last day shown
    lo: datetime
    hi: datetime  # cut at now


def spans(zone: str, first: date, last: date, group_by: str, now: datetime) -> list[Span]:
    place = ZoneInfo(zone)

    def midnight(day: date) -> datetime:
        return datetime.combine(day, time(), place).astimezone(UTC)

    found, key = [], _bucket_start(first, group_by)
    while key <= last:
        following = _following(key, group_by)
        shown_start, shown_end = max(key, first), min(following - timedelta(days=1), last)
        if midnight(shown_start) >= now:
            break
        found.append(Span(shown_start, shown_end, midnight(shown_start),
                          min(midnight(shown_end + timedelta(days=1)), now)))
        key = following
    return found


def series(values: list, cumulative: list) -> list[tuple]:
    return list(zip(values, cumulative, strict=True))


def count_events(spans_: list[Span], times: list[datetime], amounts=None) -> list[tuple]:
    amounts = amounts or [1] * len(times)
    values = [sum(amount for moment, amount in zip(times, amounts, strict=True)
                  if span.lo <= moment < span.hi) for span in spans_]
    running, cumulative = 0, []
    for value in values:
        running += value
        cumulative.append(running)
    return series(values, cumulative)


def first_times(rows: list[tuple[int, datetime]]) -> dict[int, datetime]:
    firsts: dict[int, datetime] = {}
    for person, moment in rows:
        firsts[person] = min(moment, firsts.get(person, moment))
    return firsts


def newcomers(spans_: list[Span], rows: list[tuple[int, datetime]]) -> list[tuple]:
    return count_events(spans_, list(first_times(rows).values()))


def distinct_people(spans_: list[Span], rows: list[tuple[int, datetime]]) -> list[tuple]:
    lo = spans_[0].lo
    values = [len({p for p, moment in rows if span.lo <= moment < span.hi}) for span in spans_]
    cumulative = [len({p for p, moment in rows if lo <= moment < span.hi}) for span in spans_]
    return series(values, cumulative)


def holders(spans_: list[Span], held: list[Award]) -> list[tuple]:
    def holding(moment: datetime) -> int:
        return len({a.person for a in held if a.issued_on < moment
                    and (a.expires_at is None or a.expires_at >= moment)})

    before = holding(spans_[0].lo)
    values, cumulative = [], []
    for span in spans_:
        now_holding = holding(span.hi)
        values.append(now_holding - before)
        cumulative.append(now_holding)
        before = now_holding
    return series(values, cumulative)
