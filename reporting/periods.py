"""Periods and buckets in a program's time zone, computed in Python: where each week, month
or quarter starts (a local date) and the UTC instant it starts at.

The SQL side (reporting/buckets.py) puts each row in one of these buckets; a report's
window lists every bucket it shows, so empty buckets are reported as zeros. Weeks start
on Monday (ISO 8601, as PostgreSQL's date_trunc). The first and last buckets are cut to
the window's days; buckets that have not begun yet are left out, and the current one is
counted up to `now`: a series ends today.
"""

from __future__ import annotations

import functools
import zoneinfo
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

GROUPS = ("week", "month", "quarter")
MAX_YEARS = 10
#: Windows up to this many days are bucketed by week unless asked otherwise, longer ones
#: by month.
WEEKLY_UP_TO_DAYS = 183


@functools.cache
def time_zone_names() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def is_time_zone(name: str) -> bool:
    return name in time_zone_names()


@functools.cache
def zone(name: str) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(name)


def local_today(time_zone: str, now: datetime) -> date:
    return now.astimezone(zone(time_zone)).date()


def midnight(day: date, time_zone: str) -> datetime:
    """The UTC instant a local day starts at."""
    return datetime.combine(day, time(), zone(time_zone)).astimezone(UTC)


def bucket_start(day: date, group_by: str) -> date:
    if group_by == "week":
        return day - timedelta(days=day.weekday())
    if group_by == "month":
        return day.replace(day=1)
    return day.replace(month=(day.month - 1) // 3 * 3 + 1, day=1)


def next_bucket(start: date, group_by: str) -> date:
    if group_by == "week":
        return start + timedelta(days=7)
    months = 1 if group_by == "month" else 3
    month = start.month - 1 + months
    return date(start.year + month // 12, month % 12 + 1, 1)


def quarter_of(day: date) -> tuple[date, date]:
    start = bucket_start(day, "quarter")
    return start, next_bucket(start, "quarter") - timedelta(days=1)


def add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def too_long(start: date, end: date) -> bool:
    """Whether [start, end] spans more than MAX_YEARS years."""
    return end >= add_years(start, MAX_YEARS)


def default_group_by(start: date, end: date) -> str:
    return "week" if (end - start).days < WEEKLY_UP_TO_DAYS else "month"


@dataclass(frozen=True)
class Bucket:
    """One bucket as shown: its calendar start (the SQL key), the days it covers within
    the window (`first` to `last`, both included) and the UTC instants it covers, the
    end cut at `now`."""

    key: date
    first: date
    last: date
    lo: datetime
    hi: datetime


@dataclass(frozen=True)
class Window:
    """The local days [start, end] of a report, bucketed by `group_by` in `time_zone`, as
    seen at `now`."""

    time_zone: str
    start: date
    end: date
    group_by: str
    now: datetime
    buckets: tuple[Bucket, ...] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "buckets", tuple(self._buckets()))

    @property
    def lo(self) -> datetime:
        return midnight(self.start, self.time_zone)

    @property
    def hi(self) -> datetime:
        return midnight(self.end + timedelta(days=1), self.time_zone)

    @property
    def cap(self) -> datetime:
        """Where counting stops: the end of the window, or now if that is earlier."""
        return max(self.lo, min(self.hi, self.now))

    @property
    def over(self) -> bool:
        return self.now >= self.hi

    def _buckets(self):
        key = bucket_start(self.start, self.group_by)
        while key <= self.end:
            following = next_bucket(key, self.group_by)
            first, last = max(key, self.start), min(following - timedelta(days=1), self.end)
            lo = midnight(first, self.time_zone)
            if lo >= self.now:
                return
            hi = min(midnight(last + timedelta(days=1), self.time_zone), self.now)
            yield Bucket(key, first, last, lo, hi)
            key = following

    def index(self) -> dict[date, int]:
        return {bucket.key: position for position, bucket in enumerate(self.buckets)}

    def days(self, moment: datetime) -> float:
        """Days from the window's start to `moment` (the trend's x axis)."""
        return (moment - self.lo).total_seconds() / 86400

    def all_buckets(self) -> list[Bucket]:
        """Every bucket of the window, those still to come included (for a trend line)."""
        whole = Window(self.time_zone, self.start, self.end, self.group_by,
                       now=max(self.hi, self.now) + timedelta(seconds=1))
        return list(whole.buckets)


def offsets(time_zone: str, lo: datetime, hi: datetime) -> tuple[int, list[tuple[datetime, int]]]:
    """The zone's UTC offset (seconds) at `lo`, and each change up to `hi` as (instant,
    new offset): what SQLite needs to turn stored UTC times into local ones."""
    place = zone(time_zone)

    def offset(moment: datetime) -> int:
        return int(moment.astimezone(place).utcoffset().total_seconds())

    first = offset(lo)
    changes: list[tuple[datetime, int]] = []
    current, moment = first, lo
    while moment < hi:
        following = min(moment + timedelta(days=1), hi)
        if offset(following) != current:
            before, after = moment, following
            while (after - before) > timedelta(seconds=1):
                middle = before + (after - before) / 2
                before, after = (middle, after) if offset(middle) == current else (before, middle)
            current = offset(after)
            changes.append((after.replace(microsecond=0), current))
        moment = following
    return first, changes


def year_before(end: date) -> date:
    """The first day of the month eleven months before `end`'s: with `end`'s month, twelve
    calendar months."""
    month = end.month - 11 + (12 if end.month <= 11 else 0)
    return date(end.year - (1 if end.month <= 11 else 0), month, 1)
