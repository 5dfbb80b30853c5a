"""Award throughput through the real HTTP path (gunicorn, JSON API, database commit).

Awards 2,000 badges (each to a new recipient) from 8 threads with keep-alive connections and
prints awards/s against the 300/s target. An authenticated GET of the issuer, sent the same
way in the same run, is printed as the floor: what the HTTP stack, the token lookup and one
query give on this machine, so the award figure can be read against it. gunicorn runs with
Cairn's settings (`cairn.serving`: threaded workers that keep connections open), as in
production.

    .venv/bin/python bench/awards.py [--n 2000] [--database sqlite|postgresql] [--workers 2]
                                     [--client python|wrk] [--seconds 20]

With `--client wrk` the load comes from wrk (C, one thread, bench/awards.lua making each
body unique) for a fixed time instead, so the client takes far less of the machine; the
awards are then counted through the API, not taken from wrk's tally.
"""

from __future__ import annotations

import argparse
import http.client
import json
import re
import subprocess
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import requests
from bulk import count_awards
from hosted import find_wrk, load_with_wrk
from serve import (
    DATABASES,
    award_body,
    create_badge_class,
    load_average,
    machine,
    percentiles,
    served,
)

TARGET_AWARDS_PER_SECOND = 300
CLIENT_THREADS = 8
WARM_UP = 20
PHASE_LIMIT_SECONDS = 600


@dataclass(frozen=True)
class Run:
    count: int
    wall: float
    latencies: list[float]

    @property
    def rate(self) -> float:
        return self.count / self.wall


#: One request: (method, path, JSON body or None) for the index-th request of a run.
Request = Callable[[int], tuple[str, str, dict | None]]


def run_pool(base_url: str, headers: dict[str, str], request: Request, n: int,
             expected_status: int) -> Run:
    """Send `n` requests from CLIENT_THREADS threads, each over its own keep-alive
    connection (http.client: much less client CPU than `requests`, CPU that two cores
    would otherwise take from the server), timing each request; any unexpected
    status stops the run (a fast error is no figure), and so does running past
    PHASE_LIMIT_SECONDS."""
    local = threading.local()
    deadline = time.perf_counter() + PHASE_LIMIT_SECONDS
    parts = urlsplit(base_url)
    sent_headers = {**headers, "Content-Type": "application/json"}

    def one(index: int) -> float:
        if time.perf_counter() > deadline:
            raise TimeoutError(f"still running after {PHASE_LIMIT_SECONDS} s")
        if not hasattr(local, "connection"):
            local.connection = http.client.HTTPConnection(parts.hostname, parts.port,
                                                          timeout=30)
        method, path, body = request(index)
        started = time.perf_counter()
        local.connection.request(method, path, body=json.dumps(body) if body else None,
                                 headers=sent_headers)
        response = local.connection.getresponse()
        text = response.read()
        elapsed = time.perf_counter() - started
        if response.status != expected_status:
            raise RuntimeError(f"{response.status}: {text[:500]!r}")
        return elapsed

    with ThreadPoolExecutor(CLIENT_THREADS) as pool:
        started = time.perf_counter()
        latencies = list(pool.map(one, range(n)))
        wall = time.perf_counter() - started
    return Run(n, wall, latencies)


def report(label: str, run: Run) -> None:
    p50, p99 = percentiles(run.latencies)
    print(f"  {label:<28} {run.count:>6} req in {run.wall:6.2f} s = {run.rate:7.1f}/s"
          f"   p50 {p50:6.1f} ms   p99 {p99:6.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2000, help="awards to make")
    parser.add_argument("--database", choices=DATABASES, default="sqlite")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--client", choices=("python", "wrk"), default="python")
    parser.add_argument("--seconds", type=int, default=20, help="wrk: seconds per phase")
    args = parser.parse_args()
    if args.client == "wrk":
        bench_with_wrk(args)
        return
    load_at_start = load_average()

    with served(args.database, workers=args.workers) as server, requests.Session() as setup:
        issuer_id, badge_class_id = create_badge_class(setup, server)
        issuer_path = f"/api/v1/issuers/{issuer_id}"
        award_path = f"/api/v1/badge-classes/{badge_class_id}/assertions"

        def get_issuer(index: int) -> tuple[str, str, None]:
            return "GET", issuer_path, None

        def award(prefix: str) -> Request:
            return lambda index: ("POST", award_path,
                                  award_body(f"{prefix}-{index}@example.org"))

        def run(request: Request, n: int, status: int) -> Run:
            return run_pool(server.base_url, server.auth, request, n, status)

        run(get_issuer, WARM_UP, 200)
        run(award("warm-up"), WARM_UP, 201)  # signing key made, decrypted per worker
        floor = run(get_issuer, args.n, 200)
        awards = run(award("recipient"), args.n, 201)

    print(f"awards: {args.database}, gunicorn {args.workers} workers (cairn.serving), "
          f"{CLIENT_THREADS} client threads, {WARM_UP} warm-up requests of each kind not counted; "
          f"{machine(load_at_start)}")
    report("floor GET /api/v1/issuers/<id>", floor)
    report("POST .../assertions", awards)
    print(f"  total awards {awards.count}, wall {awards.wall:.2f} s, "
          f"{awards.rate:.1f} awards/s = {awards.rate / TARGET_AWARDS_PER_SECOND:.2f}x "
          f"the {TARGET_AWARDS_PER_SECOND}/s target; "
          f"awards/floor = {awards.rate / floor.rate:.2f}")


def bench_with_wrk(args: argparse.Namespace) -> None:
    wrk = find_wrk()
    if wrk is None:
        raise SystemExit("wrk is not installed (Debian package wrk)")
    load_at_start = load_average()
    with served(args.database, workers=args.workers) as server, requests.Session() as setup:
        issuer_id, badge_class_id = create_badge_class(setup, server)
        award_url = f"{server.base_url}/api/v1/badge-classes/{badge_class_id}/assertions"
        for index in range(WARM_UP):
            setup.post(award_url, headers=server.auth, timeout=30,
                       json=award_body(f"warm-up-{index}@example.org")).raise_for_status()
        floor = load_with_wrk(wrk, f"{server.base_url}/api/v1/issuers/{issuer_id}",
                              args.seconds, headers=[server_auth(server)])
        started = time.perf_counter()
        out = subprocess.run(
            [wrk, "-t1", "-c8", f"-d{args.seconds}s", "--timeout", "30s", "-s",
             str(Path(__file__).with_name("awards.lua")), "-H", server_auth(server), award_url],
            capture_output=True, text=True, timeout=args.seconds + 120, check=True).stdout
        if "requests in" not in out:
            raise RuntimeError(f"wrk said: {out}")
        wall = time.perf_counter() - started
        awarded = count_awards(setup, server, badge_class_id) - WARM_UP
    errors = "; ".join(re.findall(r"^\s*((?:Non-2xx|Socket errors).*)$", out, re.M)) or "none"
    rate = awarded / wall
    print(f"awards: {args.database}, gunicorn {args.workers} workers (cairn.serving), wrk -t1 -c8, "
          f"{args.seconds} s per phase; {machine(load_at_start)}")
    print(f"  floor GET /api/v1/issuers/<id>: {floor.rps:7.1f} req/s, p99 {floor.p99_ms:.1f} ms")
    print(f"  POST .../assertions: {awarded} awards counted through the API in {wall:.1f} s "
          f"= {rate:.1f} awards/s; wrk errors: {errors}")
    print(f"  {rate / TARGET_AWARDS_PER_SECOND:.2f}x the {TARGET_AWARDS_PER_SECOND}/s target; "
          f"awards/floor = {rate / floor.rps:.2f}")


def server_auth(server) -> str:
    return f"Authorization: {server.auth['Authorization']}"


if __name__ == "__main__":
    main()
