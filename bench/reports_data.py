"""The bulk data behind bench/reports.py, written straight into PostgreSQL with COPY:
people and their identities, awards (with their milestone rows) and actions, spread over
two years the way a growing program's are.

The shape, all drawn from one seeded generator so that every run loads the same rows:
- activity per person is log-normal (a few people do much, most do a little), the same
  weight for awards and actions;
- activity grows over the two years (three times as busy at the end as at the start) and
  drops at weekends;
- 4% of people have a second verified email, a quarter of those also a verified URL, and
  their awards and actions are spread over their identities; one in ten other people has
  signed in (a person row with one verified identity);
- each badge class is held at most once per person: popular classes by many, rare ones by
  few; the pathway's ladder is nested (everyone on step 3 holds steps 1 and 2), each step
  earned after the one before and recorded as a milestone award;
- 2% of awards are revoked, awards of classes with an expiry expire a year after issue
  (so the older ones have), and 1% of the actions are retractions of earlier actions.

The awards are rows for the reports to count, not signed credentials: no status list
entry, OB 2.0 signature or OB 3.0 credential is made for them.
"""

from __future__ import annotations

import base64
import bisect
import hashlib
import math
import random
import time
import uuid
from array import array
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import psycopg

SPAN_DAYS = 730
REVOKED_SHARE, RETRACTED_SHARE, LADDER_SHARE = 0.02, 0.01, 0.2
WORK_HOURS = [1, 1, 1, 1, 1, 2, 4, 8, 12, 14, 14, 12, 10, 12, 14, 14, 12, 10, 7, 5, 4, 3, 2, 1]


@dataclass(frozen=True)
class BadgeClassRow:
    id: int
    issuer_id: int
    expires_after_days: int | None
    popularity: float = 1.0


@dataclass(frozen=True)
class LadderStep:
    badge_class: BadgeClassRow
    milestone_id: int
    rule_version_id: int


@dataclass(frozen=True)
class Catalogue:
    """What the API made, by database id: the loader writes rows that point at it."""

    general: list[BadgeClassRow]
    ladder: list[LadderStep]
    action_types: dict[str, int]  # key -> id; the weights are in ACTION_MIX
    awarded_by: int


#: action type key -> (share of actions, source that posts it)
ACTION_MIX = {"contribution.merged": (0.55, "git"), "mentoring.session": (0.28, "mentoring"),
              "event.attended": (0.12, "events"), "partnership.closed": (0.05, "crm")}


@dataclass
class People:
    weights: list[float]
    # per person: (identity id, type, value), the primary email first
    identities: list[list[tuple[int, str, str]]]
    cumulative: list[float] = field(default_factory=list)

    def identity(self, person: int, rng: random.Random) -> tuple[int, str, str]:
        mine = self.identities[person]
        return mine[0] if len(mine) == 1 or rng.random() < 0.6 else rng.choice(mine)


class Clock:
    """Moments over the two years before `now`: denser towards the end, thinner at
    weekends and at night. Text as PostgreSQL reads a naive UTC timestamp."""

    def __init__(self, now: datetime):
        self.end = now.replace(microsecond=0, tzinfo=None)
        self.start = self.end - timedelta(days=SPAN_DAYS)
        self.days = [(self.start + timedelta(days=d)).strftime("%Y-%m-%d")
                     for d in range(SPAN_DAYS + 1)]
        weekday = [(self.start + timedelta(days=d)).weekday() for d in range(SPAN_DAYS + 1)]
        self.day_weights = [(1 + 2 * d / SPAN_DAYS) * (0.3 if weekday[d] >= 5 else 1.0)
                            for d in range(SPAN_DAYS)]
        self.day_cumulative = list(_accumulate(self.day_weights))
        self.hour_cumulative = list(_accumulate(WORK_HOURS))

    def second(self, day: int, rng: random.Random) -> int:
        hour = pick(self.hour_cumulative, rng)
        return day * 86400 + hour * 3600 + int(rng.random() * 3600)

    def moment(self, rng: random.Random) -> int:
        """Seconds since `start`."""
        return self.second(pick(self.day_cumulative, rng), rng)

    def text(self, seconds: int, *, future: bool = False) -> str:
        """A moment after `now` is taken as now, unless `future` allows it (an expiry)."""
        if seconds > SPAN_DAYS * 86400 and future:
            return (self.start + timedelta(seconds=seconds)).strftime("%Y-%m-%d %H:%M:%S")
        day, rest = divmod(min(seconds, SPAN_DAYS * 86400), 86400)
        hours, rest = divmod(rest, 3600)
        return f"{self.days[day]} {hours:02d}:{rest // 60:02d}:{rest % 60:02d}"

    def per_day(self, total: int) -> list[int]:
        """`total` spread over the days in proportion to their weight, exactly."""
        scale = total / sum(self.day_weights)
        wanted = [weight * scale for weight in self.day_weights]
        counts = [math.floor(w) for w in wanted]
        by_remainder = sorted(range(SPAN_DAYS), key=lambda d: counts[d] - wanted[d])
        for day in by_remainder[:total - sum(counts)]:
            counts[day] += 1
        return counts


def _accumulate(values: Iterable[float]) -> Iterator[float]:
    running = 0.0
    for value in values:
        running += value
        yield running


def pick(cumulative: list[float], rng: random.Random) -> int:
    """An index drawn by weight, given the running sums of the weights (what
    `random.choices` does, without building a list for each draw)."""
    return bisect.bisect(cumulative, rng.random() * cumulative[-1])


def public_id(rng: random.Random) -> str:
    token = base64.urlsafe_b64encode(rng.getrandbits(72).to_bytes(9, "big")).decode()
    return token if token[0].isalnum() else "a" + token[1:]


def copy_rows(connection: psycopg.Connection, table: str, columns: str,
              rows: Iterable[str], *, block: int = 20_000) -> int:
    """COPY tab-separated lines (NULL as \\N) into `table`; the number written."""
    written, pending = 0, []
    with connection.cursor() as cursor, \
            cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        for line in rows:
            pending.append(line)
            if len(pending) == block:
                copy.write("\n".join(pending) + "\n")
                written, pending = written + len(pending), []
        if pending:
            copy.write("\n".join(pending) + "\n")
            written += len(pending)
    return written


def next_id(connection: psycopg.Connection, table: str) -> int:
    return connection.execute(f"SELECT coalesce(max(id), 0) + 1 FROM {table}").fetchone()[0]


def load_people(connection: psycopg.Connection, count: int, clock: Clock,
                rng: random.Random) -> People:
    """Identities (email, some URLs), people rows for those who signed in, verified links."""
    first_identity, first_person = next_id(connection, "recipient_identities"), \
        next_id(connection, "people")
    identities: list[list[tuple[int, str, str]]] = []
    identity_rows, people_rows, link_rows = [], [], []
    next_identity = first_identity
    for person in range(count):
        values = [("email", f"p{person}@example.org")]
        if rng.random() < 0.04:
            values.append(("email", f"p{person}@work.example"))
            if rng.random() < 0.25:
                values.append(("url", f"https://people.example/p{person}"))
        when = clock.text(clock.moment(rng))
        mine = [(next_identity + n, kind, value) for n, (kind, value) in enumerate(values)]
        next_identity += len(values)
        identities.append(mine)
        identity_rows += [f"{i}\t{kind}\t{value}\t{when}" for i, kind, value in mine]
        if len(values) > 1 or rng.random() < 0.1:
            person_id = first_person + len(people_rows)
            people_rows.append(f"{person_id}\t{public_id(rng)}\tPerson {person}\tt\t{when}")
            link_rows += [f"{person_id}\t{i}\t{when}\t{when}" for i, _, _ in mine]
    copy_rows(connection, "recipient_identities", "id, type, value, created_at", identity_rows)
    copy_rows(connection, "people", "id, slug, display_name, profile_public, created_at",
              people_rows)
    copy_rows(connection, "person_identities",
              "person_id, identity_id, verified_at, created_at", link_rows)
    weights = [rng.lognormvariate(0, 1.3) for _ in range(count)]
    return People(weights, identities, list(_accumulate(weights)))


def _holders(people: People, count: int, rng: random.Random) -> list[int]:
    """`count` different people, drawn by activity weight (Efraimidis-Spirakis keys),
    in the order drawn: a prefix of the list is a smaller draw."""
    keys = [rng.random() ** (1 / weight) for weight in people.weights]
    return sorted(range(len(keys)), key=keys.__getitem__, reverse=True)[:count]


def plan_awards(catalogue: Catalogue, people: People, total: int, clock: Clock,
                rng: random.Random) -> list[tuple[int, int, int, int]]:
    """(seconds, person, class index, ladder step or -1), sorted by time. Class index
    counts the general classes first, then the ladder's."""
    everyone = len(people.weights)
    ladder_total = round(total * LADDER_SHARE) if catalogue.ladder else 0
    ratios = [2 ** -step for step in range(len(catalogue.ladder))]
    steps = [min(everyone, round(ladder_total * r / sum(ratios))) for r in ratios]
    popularity = [row.popularity for row in catalogue.general]
    shares = [min(everyone, round((total - sum(steps)) * p / sum(popularity)))
              for p in popularity]
    planned = []
    for index, share in enumerate(shares):
        planned += [(clock.moment(rng), person, index, -1)
                    for person in _holders(people, share, rng)]
    for rank, person in enumerate(_holders(people, steps[0] if steps else 0, rng)):
        level = sum(1 for needed in steps if needed > rank)
        moments = sorted(clock.moment(rng) for _ in range(level))
        planned += [(moment, person, len(shares) + step, step)
                    for step, moment in enumerate(moments)]
    planned.sort()
    return planned


def load_awards(connection: psycopg.Connection, catalogue: Catalogue, people: People,
                total: int, clock: Clock, rng: random.Random) -> int:
    classes = [*catalogue.general, *(step.badge_class for step in catalogue.ladder)]
    first = next_id(connection, "assertions")
    milestone_rows = []

    def rows() -> Iterator[str]:
        for offset, (moment, person, index, step) in enumerate(
                plan_awards(catalogue, people, total, clock, rng)):
            badge_class = classes[index]
            identity, kind, value = people.identity(person, rng)
            salt = f"{rng.getrandbits(128):032x}"
            digest = hashlib.sha256((value + salt).encode()).hexdigest()
            issued = clock.text(moment)
            expires = clock.text(moment + badge_class.expires_after_days * 86400,
                                 future=True) \
                if badge_class.expires_after_days else "\\N"
            revoked, reason = "\\N", "\\N"
            if rng.random() < REVOKED_SHARE:
                revoked = clock.text(moment + rng.randrange(86400, 60 * 86400))
                reason = "Awarded in error"
            signed = uuid.UUID(int=rng.getrandbits(128), version=4)
            yield (f"{first + offset}\t{public_id(rng)}\t{badge_class.id}\t"
                   f"{badge_class.issuer_id}\t{identity}\t{kind}\t{salt}\tsha256${digest}\t"
                   f"Person {person}\t{issued}\t{expires}\t[]\t{revoked}\t{reason}\t"
                   f"{catalogue.awarded_by}\turn:uuid:{signed}\tf")
            if step >= 0:
                ladder = catalogue.ladder[step]
                milestone_rows.append(f"{ladder.milestone_id}\t{identity}\t{first + offset}\t"
                                      f"{ladder.rule_version_id}\t[]\t{issued}")

    written = copy_rows(
        connection, "assertions",
        "id, public_id, badge_class_id, issuer_id, recipient_identity_id, recipient_type, "
        "recipient_salt, recipient_hash, recipient_name, issued_on, expires_at, evidence, "
        "revoked_at, revocation_reason, awarded_by_id, signed_id, shown_on_profile", rows())
    copy_rows(connection, "milestone_awards", "milestone_id, identity_id, assertion_id, "
              "rule_version_id, action_ids, created_at", milestone_rows)
    return written


def load_actions(connection: psycopg.Connection, catalogue: Catalogue, people: People,
                 total: int, clock: Clock, rng: random.Random) -> int:
    """Typed actions in time order, then retractions of 1% of them."""
    first = next_id(connection, "actions")
    retractions = round(total * RETRACTED_SHARE)
    typed = total - retractions
    kinds = list(ACTION_MIX)
    kind_weights = list(_accumulate(share for share, _ in ACTION_MIX.values()))
    identity_of, moment_of, source_of = array("i"), array("l"), array("b")

    def typed_rows() -> Iterator[str]:
        offset = 0
        for day, count in enumerate(clock.per_day(typed)):
            persons = rng.choices(range(len(people.weights)), cum_weights=people.cumulative,
                                  k=count)
            for second, person in sorted((clock.second(day, rng), p) for p in persons):
                kind = pick(kind_weights, rng)
                identity = people.identity(person, rng)[0]
                properties = "{}" if kinds[kind] != "partnership.closed" else \
                    f'{{"value": {rng.randrange(1000, 50000, 500)}}}'
                identity_of.append(identity)
                moment_of.append(second)
                source_of.append(kind)
                when = clock.text(second)
                yield (f"{first + offset}\t{public_id(rng)}\t{catalogue.action_types[kinds[kind]]}"
                       f"\t{identity}\t{when}\t{properties}\t{ACTION_MIX[kinds[kind]][1]}\t"
                       f"b{first + offset}\t\\N\t{when}")
                offset += 1

    def retraction_rows() -> Iterator[str]:
        for offset, target in enumerate(sorted(rng.sample(range(typed), retractions))):
            when = clock.text(moment_of[target] + rng.randrange(3600, 14 * 86400))
            yield (f"{first + typed + offset}\t{public_id(rng)}\t\\N\t{identity_of[target]}\t"
                   f"{when}\t{{}}\t{ACTION_MIX[kinds[source_of[target]]][1]}\t"
                   f"r{first + target}\t{first + target}\t{when}")

    columns = ("id, public_id, action_type_id, identity_id, occurred_at, properties, source, "
               "external_id, retracts_id, recorded_at")
    written = copy_rows(connection, "actions", columns, typed_rows())
    return written + copy_rows(connection, "actions", columns, retraction_rows())


SEQUENCED = ("recipient_identities", "people", "person_identities", "assertions",
             "milestone_awards", "actions")


def load(database_url: str, catalogue: Catalogue, *, people: int, awards: int,
         actions: int, seed: int = 11) -> dict[str, float]:
    """Write everything, then VACUUM ANALYZE as autovacuum would have by the time anyone
    reads a two-year-old program's reports; seconds per step."""
    rng, clock = random.Random(seed), Clock(datetime.now(UTC))
    timings: dict[str, float] = {}
    conninfo = database_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(conninfo, autocommit=False) as connection:
        connection.execute("SET synchronous_commit = off")
        started = time.perf_counter()
        loaded = load_people(connection, people, clock, rng)
        connection.commit()
        timings["people"] = time.perf_counter() - started
        for name, step in (("awards", load_awards), ("actions", load_actions)):
            started = time.perf_counter()
            step(connection, catalogue, loaded, {"awards": awards, "actions": actions}[name],
                 clock, rng)
            connection.commit()
            timings[name] = time.perf_counter() - started
        for table in SEQUENCED:
            connection.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                               f"(SELECT coalesce(max(id), 1) FROM {table}))")
        connection.commit()
    started = time.perf_counter()
    with psycopg.connect(conninfo, autocommit=True) as connection:
        connection.execute("VACUUM (ANALYZE)")
    timings["vacuum analyze"] = time.perf_counter() - started
    return timings
