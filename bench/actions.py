"""Actions in, badges out: posts actions for many people in batches of 1,000 against
PostgreSQL with Celery workers, across 3 pathways with 10 milestones, and prints the
ingestion rate and the time from the last action until every earned badge is awarded.

The badges each person earns are worked out here from the actions sent (the rules are
plain counts, so the expected set is exact), and the awards are counted in the database
until they match. Targets (issue 6): >= 2,000 actions/s ingested; every award within
30 s of the last action.

    .venv/bin/python bench/actions.py [--people 10000] [--actions 100000] [--celery-workers 2]
"""

from __future__ import annotations

import argparse
import os
import random
import secrets
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import requests
import sqlalchemy as sa
from bulk import celery_workers
from serve import _png_data_uri, load_average, machine, served

TYPES = ("mentoring.session", "contribution.merged", "partnership.closed")
# (pathway, milestone key, action type, count needed); the third pathway's last milestone
# needs the first two pathways' level II.
LADDERS = {
    "Mentoring": [("m1", TYPES[0], 1), ("m2", TYPES[0], 3), ("m3", TYPES[0], 5),
                  ("m4", TYPES[0], 8)],
    "Contributing": [("c1", TYPES[1], 1), ("c2", TYPES[1], 3), ("c3", TYPES[1], 6)],
    "Partnering": [("p1", TYPES[2], 1), ("p2", TYPES[2], 3)],
}
TARGET_ACTIONS_PER_SECOND = 2000
TARGET_AWARD_SECONDS = 30
BATCH = 1000
CLIENT_THREADS = 4
LIMIT_SECONDS = 1800


def setup(session: requests.Session, api: str, auth: dict[str, str]) -> dict[str, str]:
    """The issuer, one badge class per milestone, the action types and the pathways."""
    issuer = session.post(f"{api}/issuers", headers=auth, timeout=30, json={
        "name": "Benchmark Program", "url": "https://example.org",
        "email": "badges@example.org"}).json()["id"]
    for key in TYPES:
        session.post(f"{api}/action-types", headers=auth, timeout=30, json={
            "key": key, "description": key, "properties_schema": {"type": "object"}}
        ).raise_for_status()
    badges = {}
    for name, ladder in LADDERS.items():
        milestones = []
        for key, kind, count in ladder:
            badges[key] = session.post(
                f"{api}/issuers/{issuer}/badge-classes", headers=auth, timeout=30, json={
                    "name": f"{name} {key}", "description": f"{count} x {kind}",
                    "criteria": {"narrative": f"{count} x {kind}"},
                    "image": _png_data_uri()}).json()["id"]
            milestones.append({"key": key, "name": f"{name} {key}", "badge_class": badges[key],
                               "rule": {"action": kind, "at_least": count}})
        if name == "Partnering":
            badges["p3"] = session.post(
                f"{api}/issuers/{issuer}/badge-classes", headers=auth, timeout=30, json={
                    "name": "Distinguished", "description": "m2, c2 and p1",
                    "criteria": {"narrative": "m2, c2 and p1"},
                    "image": _png_data_uri()}).json()["id"]
            milestones.append({"key": "p3", "name": "Distinguished", "badge_class": badges["p3"],
                               "rule": {"all": [{"badge": badges["m2"]}, {"badge": badges["c2"]},
                                                {"milestone": "p1"}]}})
        session.post(f"{api}/pathways", headers=auth, timeout=60, json={
            "issuer": issuer, "name": name, "milestones": milestones}).raise_for_status()
    return badges


def histories(people: int, actions: int, seed: int = 7) -> list[dict]:
    rng = random.Random(seed)
    now = datetime.now(UTC).replace(microsecond=0)
    return [{"source": "bench", "id": f"a{n}", "type": rng.choice(TYPES),
             "person": {"type": "email", "identity": f"p{rng.randrange(people)}@example.org"},
             "occurred_at": (now - timedelta(minutes=rng.randrange(60 * 24 * 90))).isoformat(),
             "properties": {}} for n in range(actions)]


def expected_awards(sent: list[dict]) -> int:
    counts: dict[str, Counter] = {}
    for action in sent:
        counts.setdefault(action["person"]["identity"], Counter())[action["type"]] += 1
    total = 0
    for per_type in counts.values():
        reached = {key for ladder in LADDERS.values() for key, kind, need in ladder
                   if per_type[kind] >= need}
        total += len(reached) + ({"m2", "c2", "p1"} <= reached)
    return total


def count_awards(database_url: str) -> int:
    engine = sa.create_engine(database_url)
    with engine.connect() as connection:
        count = connection.scalar(sa.text("SELECT count(*) FROM assertions"))
    engine.dispose()
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--actions", type=int, default=100_000)
    parser.add_argument("--celery-workers", type=int, default=2)
    args = parser.parse_args()
    load = load_average()
    os.environ["CAIRN_BROKER_URL"] = "redis://127.0.0.1:6379/14"
    os.environ["CAIRN_JOBS_QUEUE"] = f"bench-{secrets.token_hex(4)}"
    sent = histories(args.people, args.actions)
    expected = expected_awards(sent)
    with served("postgresql") as server, requests.Session() as session:
        api = f"{server.base_url}/api/v1"
        setup(session, api, server.auth)
        with celery_workers(server.env, args.celery_workers):
            started = time.perf_counter()

            def post(first: int) -> None:
                with requests.Session() as client:
                    client.post(f"{api}/actions", headers=server.auth, timeout=300,
                                json={"actions": sent[first:first + BATCH]}).raise_for_status()

            with ThreadPoolExecutor(CLIENT_THREADS) as pool:
                list(pool.map(post, range(0, len(sent), BATCH)))
            ingested = time.perf_counter() - started
            awarded = 0
            while awarded < expected and time.perf_counter() - started < LIMIT_SECONDS:
                time.sleep(0.5)
                awarded = count_awards(server.env["DATABASE_URL"])
            settled = time.perf_counter() - started - ingested
    rate = args.actions / ingested
    print(f"actions: postgresql, gunicorn 2 workers, {args.celery_workers} Celery workers, "
          f"{CLIENT_THREADS} client threads, batches of {BATCH}; {machine(load)}")
    print(f"  {args.actions} actions for {args.people} people ingested in {ingested:6.1f} s "
          f"= {rate:7.0f} actions/s ({rate / TARGET_ACTIONS_PER_SECOND:.2f}x the "
          f"{TARGET_ACTIONS_PER_SECOND}/s target)")
    print(f"  awards: {awarded} of {expected} expected, the last {settled:6.1f} s after the "
          f"last action (target {TARGET_AWARD_SECONDS} s: "
          f"{'met' if awarded == expected and settled <= TARGET_AWARD_SECONDS else 'missed'})")


if __name__ == "__main__":
    main()
