"""Reports over a two-year program: 1,000,000 awards and 5,000,000 actions for 200,000
people in PostgreSQL, and the time of each report endpoint and of the dashboard page.

The issuers, badge classes, action types, pathway and program with its objectives and key
results are made through the API, as a program lead would; the people, awards and actions
are written straight into PostgreSQL with COPY (bench/reports_data.py), then VACUUM ANALYZE.
Each endpoint is asked once per gunicorn worker to warm up (the first request is its cold
time), then 5 times with nothing changed (warm), then 5 times each right after 1,000 new
actions and 50 new awards were committed (after new data); both medians are printed
against the targets (issue 7), every report under 200 ms and the dashboard page under
500 ms.

    .venv/bin/python bench/reports.py [--people 200000] [--awards 1000000]
        [--actions 5000000] [--plans] [--keep]

--plans also prints the EXPLAIN ANALYZE plan of the slowest SQL statement of the slowest
endpoint. Try it small first: --awards 20000 --actions 100000 --people 5000.

--keep keeps the loaded database (and its instance folder) for the next run with the same
sizes and --keep, which then skips the load and times the endpoints again on it, its
report memos dropped first and its new rows given to other people than the last run's
(bench/report_kept.py says where it is kept and how to drop it). Without --keep the
database is dropped at the end.
"""

from __future__ import annotations

import argparse
import os
import time

import requests
from report_fresh import SEED, NewRows
from report_kept import kept_name, kept_server
from report_setup import (
    Made,
    Program,
    endpoints,
    make_catalogue,
    make_program,
    reporting_endpoints,
)
from report_timing import TIMEOUT, explain_slowest, time_endpoints
from reports_data import load
from serve import Served, load_average, machine, served


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=200_000)
    parser.add_argument("--awards", type=int, default=1_000_000)
    parser.add_argument("--actions", type=int, default=5_000_000)
    parser.add_argument("--plans", action="store_true",
                        help="print the EXPLAIN ANALYZE plan of the slowest query")
    parser.add_argument("--keep", action="store_true",
                        help="keep the loaded database for the next run with --keep")
    args = parser.parse_args()
    load_at_start = load_average()
    # A report far over its target should still give its time, not a worker killed
    # at gunicorn's default 30 s.
    os.environ["GUNICORN_CMD_ARGS"] = f"--timeout {TIMEOUT}"
    if not args.keep:
        with served("postgresql") as server, requests.Session() as session:
            session.headers.update(server.auth)
            made = _load(session, server, args, load_at_start)
            if made is not None:
                _time(session, server, *made, plans=args.plans)
        return
    name = kept_name(args.people, args.awards, args.actions)
    seed = SEED
    with kept_server(name) as kept, requests.Session() as session:
        session.headers.update(kept.served.auth)
        if kept.state is None:
            made = _load(session, kept.served, args, load_at_start)
            if made is None:
                return
            kept.save(*made)
        else:
            made = kept.made()
            seed = None
            print(f"reports: postgresql, gunicorn 2 workers; {os.cpu_count()} CPUs, load "
                  f"average {load_at_start:.2f} at start; kept database {name} (loaded by "
                  "an earlier run)", flush=True)
        _time(session, kept.served, *made, plans=args.plans, seed=seed)


def _load(session: requests.Session, server: Served, args: argparse.Namespace,
          load_at_start: float) -> tuple[Made, Program] | None:
    """The catalogue, the bulk rows and the program; None without a reporting API."""
    api = f"{server.base_url}/api/v1"
    catalogue, made = make_catalogue(session, api, server.env["DATABASE_URL"])
    started = time.perf_counter()
    timings = load(server.env["DATABASE_URL"], catalogue, people=args.people,
                   awards=args.awards, actions=args.actions)
    loaded = time.perf_counter() - started
    print(f"reports: postgresql, gunicorn 2 workers; {machine(load_at_start)}", flush=True)
    print(f"  loaded {args.people:,} people, {args.awards:,} awards, {args.actions:,} "
          f"actions in {loaded:6.1f} s ("
          + ", ".join(f"{name} {seconds:.1f} s" for name, seconds in timings.items()) + ")",
          flush=True)
    if not reporting_endpoints(session, api):
        print("  the reporting API is not there yet (/api/v1/objectives): nothing to time")
        return None
    return made, make_program(session, api, made, people=args.people)


def _time(session: requests.Session, server: Served, made: Made, program: Program, *,
          plans: bool, seed: int | None = SEED) -> None:
    """Every endpoint timed, the misses listed, and with `plans` the slowest's plan. The
    new rows' people are drawn with `seed`: the same on every fresh load, and another
    (None) on a kept database, whose people would otherwise get every run's new rows."""
    new_rows = NewRows(server.env["DATABASE_URL"], seed=seed)
    try:
        results = time_endpoints(session, server.base_url, endpoints(program, made),
                                 new_rows)
    finally:
        new_rows.close()
    missed = [result for result in results if not result.met]
    print(f"  {len(results) - len(missed)} of {len(results)} within target"
          + (f"; missed: {', '.join(result.name for result in missed)}" if missed else "")
          + f" (load average {load_average():.2f})")
    if plans:
        timed = [result for result in results if result.runs] or results
        slowest = max(timed, key=lambda result: result.median / result.target)
        print(explain_slowest(server, slowest))

if __name__ == "__main__":
    main()
