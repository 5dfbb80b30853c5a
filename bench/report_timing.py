"""Timing for bench/reports.py: each endpoint over HTTP, three ways: cold (its first
request), warm (after one request per worker, the median of 5 with nothing changed) and
after new data (the median of 5, each right after 1,000 new actions and 50 new awards of
existing people were committed: bench/report_fresh.py); with --plans, the EXPLAIN ANALYZE
plan of the slowest statement behind the slowest endpoint."""

from __future__ import annotations

import contextlib
import io
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import requests
import sqlalchemy as sa
from serve import Served

REPORT_TARGET, PAGE_TARGET = 0.200, 0.500
RUNS = 5
#: Warm-up requests: one per gunicorn worker (serve.py starts 2), so that "warm" means
#: every worker has answered once (the dashboard keeps its reports per process).
WARMUPS = 2
#: Seconds a request may take (gunicorn is started with the same timeout).
TIMEOUT = 600

@dataclass(frozen=True)
class Endpoint:
    name: str
    path: str  # from the server's root, with its query string
    target: float  # seconds
    headers: tuple[tuple[str, str], ...] = ()

@dataclass(frozen=True)
class Result:
    endpoint: Endpoint
    runs: list[float]  # warm: nothing changed since the previous request
    first: float = 0.0  # the first (cold) request
    size: int = 0
    error: str | None = None  # why the endpoint gave no figure (a 500, a timeout)
    fresh: list[float] = field(default_factory=list)  # each right after new rows

    @property
    def name(self) -> str:
        return self.endpoint.name

    @property
    def target(self) -> float:
        return self.endpoint.target

    @property
    def median(self) -> float:
        return statistics.median(self.runs) if self.runs else float("inf")

    @property
    def fresh_median(self) -> float:
        return statistics.median(self.fresh) if self.fresh else float("inf")

    @property
    def met(self) -> bool:
        return (self.error is None and self.median < self.target
                and self.fresh_median < self.target)

    def line(self) -> str:
        target = f"target {self.target * 1000:.0f} ms: {'met' if self.met else 'MISSED'}"
        if self.error is not None:
            return f"  {self.name:<44} failed: {self.error}  {target}"
        return (f"  {self.name:<40} cold {self.first * 1000:8.1f}  warm "
                f"{self.median * 1000:7.1f}  after new data {self.fresh_median * 1000:7.1f} "
                f"ms ({self.size:>6,} B)  {target}")


class Failed(Exception):
    pass


def _get(session: requests.Session, url: str, headers: dict[str, str]) -> tuple[float, int]:
    """Seconds and size of one request; Failed when it does not answer 200."""
    started = time.perf_counter()
    try:
        response = session.get(url, headers=headers, timeout=TIMEOUT)
    except requests.Timeout:
        raise Failed(f"no answer within {TIMEOUT} s") from None
    seconds = time.perf_counter() - started
    if response.status_code != 200:
        raise Failed(f"{response.status_code} after {seconds:.1f} s")
    return seconds, len(response.content)


def time_endpoint(session: requests.Session, base_url: str, endpoint: Endpoint,
                  new_rows: Callable[[], None]) -> Result:
    """WARMUPS requests (the first is the cold time), RUNS warm ones, then RUNS each after
    `new_rows`; a failed request ends the endpoint's timing with its status (a report
    that fails or times out has missed its target)."""
    url, headers = base_url + endpoint.path, dict(endpoint.headers)
    warm, fresh, first, size = [], [], 0.0, 0
    try:
        for run in range(WARMUPS + RUNS):
            seconds, size = _get(session, url, headers)
            first = seconds if run == 0 else first
            if run >= WARMUPS:
                warm.append(seconds)
        for _ in range(RUNS):
            new_rows()
            seconds, size = _get(session, url, headers)
            fresh.append(seconds)
    except Failed as failure:
        return Result(endpoint, warm, first, size, str(failure), fresh)
    return Result(endpoint, warm, first, size, fresh=fresh)


def time_endpoints(session: requests.Session, base_url: str, endpoints: list[Endpoint],
                   new_rows: Callable[[], None]) -> list[Result]:
    """Each endpoint in turn, its line printed as soon as it is timed."""
    results = []
    for endpoint in endpoints:
        results.append(time_endpoint(session, base_url, endpoint, new_rows))
        print(results[-1].line(), flush=True)
    return results


def explain_slowest(server: Served, slowest: Result) -> str:
    """Ask for the endpoint once more inside this process, with every SQL statement timed,
    then EXPLAIN ANALYZE the slowest statement with its own parameters."""

    from cairn.app import create_app
    from cairn.db import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": server.env["DATABASE_URL"],
                      "INSTANCE_DIR": server.env["CAIRN_INSTANCE_DIR"],
                      "SECRET_KEY": server.env["CAIRN_SECRET_KEY"],
                      "BASE_URL": server.base_url, "LOG_LEVEL": "WARNING"})
    statements: list[tuple[float, str, object]] = []
    with app.app_context():
        engine = db.engine

        def before(conn, cursor, statement, parameters, context, executemany):
            conn.info["started"] = time.perf_counter()

        def after(conn, cursor, statement, parameters, context, executemany):
            statements.append((time.perf_counter() - conn.info["started"], statement,
                               parameters))

        sa.event.listen(engine, "before_cursor_execute", before)
        sa.event.listen(engine, "after_cursor_execute", after)
        headers = {**dict(slowest.endpoint.headers), **server.auth}
        with contextlib.redirect_stderr(io.StringIO()):
            app.test_client().get(slowest.endpoint.path, headers=headers)
        sa.event.remove(engine, "before_cursor_execute", before)
        sa.event.remove(engine, "after_cursor_execute", after)
        if not statements:
            return f"  {slowest.name}: no SQL statement ran"
        seconds, statement, parameters = max(statements, key=lambda item: item[0])
        with engine.connect() as connection:
            raw = connection.connection.dbapi_connection
            with raw.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)
                plan = "\n".join(f"    {row[0]}" for row in cursor.fetchall())
        engine.dispose()
    return (f"  slowest statement of {slowest.name} ({seconds * 1000:.1f} ms of "
            f"{len(statements)} statements):\n    {statement.strip()}\n    parameters: "
            f"{parameters}\n{plan}")
