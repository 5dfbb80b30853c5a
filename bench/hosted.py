"""Public hosted-assertion throughput: what a verifier or a badge backpack sees.

For each database, serves Cairn with gunicorn, makes one award through the API, then loads
its hosted OB 2.0 URL (`urls.ob2`, `Accept: application/ld+json`) from a separate load
generator process for `--seconds`, and prints requests/s and p50/p99 latency against the
targets (>= 1,500 req/s, p99 < 25 ms). The same server answering a static file is measured
first as the floor: what gunicorn and Flask alone give on this machine. gunicorn runs with
Cairn's settings (`cairn.serving`: threaded workers keeping connections open), as in
production.

Uses wrk (Debian package `wrk`) when installed, else a Python load generator (processes
with keep-alive http.client connections).

    .venv/bin/python bench/hosted.py [--seconds 20] [--database sqlite|postgresql] [--workers 2]
"""

from __future__ import annotations

import argparse
import http.client
import multiprocessing
import re
import shutil
import subprocess
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests
from serve import (
    DATABASES,
    award_body,
    create_badge_class,
    load_average,
    machine,
    percentiles,
    served,
)

TARGET_RPS = 1500
TARGET_P99_MS = 25
CONNECTIONS = 8
WRK_WAIT_SECONDS = 60
HEADERS = {"Accept": "application/ld+json"}


@dataclass(frozen=True)
class Load:
    requests: int
    rps: float
    p50_ms: float
    p99_ms: float
    errors: str = ""


def find_wrk() -> str | None:
    """wrk may be being installed by apt as this starts: wait a minute for it, no more."""
    deadline = time.monotonic() + WRK_WAIT_SECONDS
    while (wrk := shutil.which("wrk")) is None and time.monotonic() < deadline:
        time.sleep(2)
    return wrk


_UNIT_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def _ms(text: str, label: str) -> float:
    value, unit = re.search(rf"^\s*{label}\s+([\d.]+)(us|ms|s)\s*$", text, re.M).groups()
    return float(value) * _UNIT_MS[unit]


def load_with_wrk(wrk: str, url: str, seconds: int,
                  headers: list[str] | None = None) -> Load:
    """One wrk thread is enough to saturate two workers and leaves the CPUs to them."""
    extra = [option for header in headers or () for option in ("-H", header)]
    result = subprocess.run(
        [wrk, "-t1", f"-c{CONNECTIONS}", f"-d{seconds}s", "--timeout", "10s", "--latency",
         "-H", "Accept: application/ld+json", *extra, url],
        capture_output=True, text=True, timeout=seconds + 60, check=True)
    out = result.stdout
    errors = "; ".join(re.findall(r"^\s*((?:Non-2xx|Socket errors).*)$", out, re.M))
    return Load(requests=int(re.search(r"(\d+) requests in", out).group(1)),
                rps=float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
                p50_ms=_ms(out, "50%"), p99_ms=_ms(out, "99%"), errors=errors)


def _hammer(url: str, seconds: float) -> tuple[list[float], int]:
    """One client connection, reused while the server keeps it open (http.client reconnects
    when the server closes it); returns latencies and the count of non-200 answers."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    latencies, bad = [], 0
    deadline = time.perf_counter() + seconds
    while (started := time.perf_counter()) < deadline:
        connection.request("GET", parts.path, headers=HEADERS)
        response = connection.getresponse()
        response.read()
        latencies.append(time.perf_counter() - started)
        bad += response.status != 200
    connection.close()
    return latencies, bad


def load_with_python(url: str, seconds: int) -> Load:
    """Forked, not spawned: the clients start at once instead of each importing Cairn
    on the CPUs the server is being measured on."""
    with multiprocessing.get_context("fork").Pool(CONNECTIONS) as pool:
        results = pool.starmap(_hammer, [(url, seconds)] * CONNECTIONS)
    latencies = [latency for found, _ in results for latency in found]
    bad = sum(count for _, count in results)
    p50, p99 = percentiles(latencies)
    return Load(len(latencies), len(latencies) / seconds, p50, p99,
                f"non-200 responses: {bad}" if bad else "")


def report(label: str, load: Load) -> None:
    print(f"  {label:<26} {load.requests:>7} req = {load.rps:8.1f} req/s"
          f"   p50 {load.p50_ms:6.2f} ms   p99 {load.p99_ms:6.2f} ms"
          + (f"   [{load.errors}]" if load.errors else ""))


def bench(database: str, workers: int, seconds: int, wrk: str | None) -> None:
    load_at_start = load_average()
    with served(database, workers=workers) as server, requests.Session() as session:
        _, badge_class_id = create_badge_class(session, server)
        response = session.post(
            f"{server.base_url}/api/v1/badge-classes/{badge_class_id}/assertions",
            headers=server.auth, json=award_body("ada@example.org"), timeout=30)
        response.raise_for_status()
        hosted_url = response.json()["urls"]["ob2"]
        check = session.get(hosted_url, headers=HEADERS, timeout=10)
        if check.status_code != 200 or "Assertion" not in check.text:
            raise RuntimeError(f"hosted assertion: {check.status_code} {check.text[:300]}")

        def load(url: str) -> Load:
            return load_with_wrk(wrk, url, seconds) if wrk else load_with_python(url, seconds)

        floor = load(f"{server.base_url}/static/cairn.css")
        hosted = load(hosted_url)

    print(f"hosted: {database}, gunicorn {workers} workers (cairn.serving), "
          f"{'wrk -t1' if wrk else 'python'} with {CONNECTIONS} connections, {seconds} s each; "
          f"{machine(load_at_start)}")
    report("floor GET /static/cairn.css", floor)
    report("GET /assertions/<id>", hosted)
    print(f"  {hosted.rps / TARGET_RPS:.2f}x the {TARGET_RPS} req/s target; "
          f"p99 {hosted.p99_ms:.1f} ms vs < {TARGET_P99_MS} ms "
          f"({'met' if hosted.p99_ms < TARGET_P99_MS else 'missed'}); "
          f"hosted/floor = {hosted.rps / floor.rps:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=20, help="load duration per URL")
    parser.add_argument("--database", choices=DATABASES, help="default: both")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--python-load", action="store_true",
                        help="use the Python load generator even if wrk is installed")
    args = parser.parse_args()
    wrk = None if args.python_load else find_wrk()
    for database in [args.database] if args.database else DATABASES:
        bench(database, args.workers, args.seconds, wrk)


if __name__ == "__main__":
    main()
