"""A 10,000-recipient bulk award, end to end: upload, job, every award's OB 3.0 credential
signed (its JWS-encoded forms are made on first request), timed until the job is done.

Runs on the embedded default (SQLite, jobs on the in-process pool of the gunicorn worker)
and on PostgreSQL with Celery workers on the Redis at 127.0.0.1:6379 (database 14, a queue
of its own). Target: under 60 s either way.

    .venv/bin/python bench/bulk.py [--n 10000] [--database sqlite|postgresql] [--celery-workers 2]
"""

from __future__ import annotations

import argparse
import os
import secrets
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import requests
from celery import Celery
from serve import ROOT, create_badge_class, load_average, machine, served

TARGET_SECONDS = 60
LIMIT_SECONDS = 900
CELERY = Path(sys.executable).with_name("celery")


def rows(n: int) -> list[dict]:
    return [{"recipient": {"type": "email", "identity": f"bulk-{i}@example.org",
                           "name": f"Recipient {i}"},
             "evidence": [{"url": f"https://example.org/partnerships/{i}"}]}
            for i in range(n)]


@contextmanager
def celery_workers(env: dict[str, str], count: int):
    """`count` worker processes (concurrency 1 each) sharing the server's environment."""
    workers = [subprocess.Popen(
        [CELERY, "-A", "cairn.celery_worker", "worker", "--pool", "solo", "--loglevel",
         "WARNING", "-Q", env["CAIRN_JOBS_QUEUE"], "-n", f"bench{i}@%h"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for i in range(count)]
    try:
        _wait_ready(env["CAIRN_BROKER_URL"], count)
        yield
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.wait(timeout=30)


def _wait_ready(broker_url: str, count: int, limit: float = 120) -> None:
    """Until every worker answers a ping: a deployment's workers are up before the work
    arrives, so the clock starts on warm workers, not on their imports."""
    control = Celery(broker=broker_url).control
    deadline = time.monotonic() + limit
    while len(control.ping(timeout=0.5)) < count:
        if time.monotonic() > deadline:
            raise RuntimeError(f"{count} Celery workers not ready after {limit} s")


def run(database: str, n: int, celery_workers_count: int) -> None:
    load = load_average()
    if database == "postgresql":
        os.environ["CAIRN_BROKER_URL"] = "redis://127.0.0.1:6379/14"
        os.environ["CAIRN_JOBS_QUEUE"] = f"bench-{secrets.token_hex(4)}"
    else:
        os.environ.pop("CAIRN_BROKER_URL", None)
    with served(database) as server:
        session = requests.Session()
        _, badge_class = create_badge_class(session, server)
        runner = "in-process pool"
        workers = celery_workers(server.env, celery_workers_count) \
            if database == "postgresql" else _nothing()
        if database == "postgresql":
            runner = f"{celery_workers_count} Celery workers (Redis)"
        with workers:
            started = time.perf_counter()
            response = session.post(
                f"{server.base_url}/api/v1/badge-classes/{badge_class}/assertions/bulk",
                headers=server.auth, json={"rows": rows(n)}, timeout=300)
            response.raise_for_status()
            accepted = time.perf_counter() - started
            job = wait_for(session, server, response.json()["id"], started)
            wall = time.perf_counter() - started
        awarded = count_awards(session, server, badge_class)
    print(f"bulk: {database}, {runner}; {machine(load)}")
    print(f"  {n} rows accepted (validated, job queued) in {accepted:6.2f} s")
    print(f"  job {job['status']}: {awarded} awards in {wall:6.2f} s "
          f"= {awarded / wall:6.1f} awards/s; result {job.get('result')}, "
          f"{len(job.get('errors') or [])} row errors")
    floor = signature_floor(n)
    print(f"  floor: the award's Ed25519 signature alone for {n} awards "
          f"on {os.cpu_count()} cores take {floor:5.2f} s; this run is {wall / floor:4.1f}x it")
    print(f"  target: under {TARGET_SECONDS} s "
          f"({'met' if wall < TARGET_SECONDS else 'missed'}; {wall / TARGET_SECONDS:4.2f}x it)")


def signature_floor(n: int, sample: int = 300) -> float:
    """Seconds the signatures of `n` awards need on every core of this machine, measured
    now: the work no award path can skip (the Data Integrity proof's Ed25519 signature;
    the RSA and JWT forms wait for their first request, badges/signed_forms.py)."""
    from cryptography.hazmat.primitives.asymmetric import ed25519

    ed_key = ed25519.Ed25519PrivateKey.generate()
    message = b"x" * 64  # the proof signs two SHA-256 hashes
    started = time.perf_counter()
    for _ in range(sample):
        ed_key.sign(message)
    per_award = (time.perf_counter() - started) / sample
    return per_award * n / (os.cpu_count() or 1)


@contextmanager
def _nothing():
    yield


def count_awards(session: requests.Session, server, badge_class: str) -> int:
    """The awards that exist, counted through the API: the job's own tally could hide a
    lost or doubled award."""
    count, cursor = 0, None
    while True:
        page = session.get(f"{server.base_url}/api/v1/assertions", headers=server.auth,
                           params={"badge_class": badge_class, "limit": 500, "cursor": cursor},
                           timeout=60).json()
        count += len(page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            return count


def wait_for(session: requests.Session, server, job_id: str, started: float) -> dict:
    while True:
        job = session.get(f"{server.base_url}/api/v1/jobs/{job_id}", headers=server.auth,
                          timeout=30).json()
        if job["status"] in ("done", "failed"):
            return job
        if time.perf_counter() - started > LIMIT_SECONDS:
            raise TimeoutError(f"job not done after {LIMIT_SECONDS} s: {job}")
        time.sleep(0.5)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--database", choices=("sqlite", "postgresql"), action="append")
    parser.add_argument("--celery-workers", type=int, default=2)
    args = parser.parse_args()
    for database in args.database or ["sqlite", "postgresql"]:
        run(database, args.n, args.celery_workers)


if __name__ == "__main__":
    main()
