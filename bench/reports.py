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
        [--actions 5000000] [--plans]

--plans also prints the EXPLAIN ANALYZE plan of the slowest SQL statement of the slowest
endpoint. Try it small first: --awards 20000 --actions 100000 --people 5000.
"""

from __future__ import annotations

import argparse
import os
import time

import requests
from report_fresh import NewRows
from report_setup import endpoints, make_catalogue, make_program, reporting_endpoints
from report_timing import TIMEOUT, explain_slowest, time_endpoints
from reports_data import load
from serve import load_average, machine, served


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=200_000)
    parser.add_argument("--awards", type=int, default=1_000_000)
    parser.add_argument("--actions", type=int, default=5_000_000)
    parser.add_argument("--plans", action="store_true",
                        help="print the EXPLAIN ANALYZE plan of the slowest query")
    args = parser.parse_args()
    load_at_start = load_average()
    # A report far over its target should still give its time, not a worker killed
    # at gunicorn's default 30 s.
    os.environ["GUNICORN_CMD_ARGS"] = f"--timeout {TIMEOUT}"
    with served("postgresql") as server, requests.Session() as session:
        session.headers.update(server.auth)
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
            return
        program = make_program(session, api, made, people=args.people)
        new_rows = NewRows(server.env["DATABASE_URL"])
        try:
            results = time_endpoints(session, server.base_url, endpoints(program, made),
                                     new_rows)
        finally:
            new_rows.close()
        missed = [result for result in results if not result.met]
        print(f"  {len(results) - len(missed)} of {len(results)} within target"
              + (f"; missed: {', '.join(result.name for result in missed)}" if missed else ""))
        if args.plans:
            timed = [result for result in results if result.runs] or results
            slowest = max(timed, key=lambda result: result.median / result.target)
            print(explain_slowest(server, slowest))


if __name__ == "__main__":
    main()
