"""gunicorn's settings for Cairn: `gunicorn -c python:cairn.serving wsgi:app`.

Threaded workers (gthread) keep a client's connection open between its requests: sync
workers close every connection, so each request of an API client or a proxy pays a new TCP
connection and the worker's accept again, about a millisecond of server CPU per request
on the 2-core machine (`bench/awards.py`). The application is thread-safe: each thread
gets its own database session, and the in-process job pool runs threads already.

On SQLite each worker answers one request at a time: SQLite has one writer at a time,
and a writer that finds the database locked waits in SQLite's busy handler, which sleeps
in steps of 1 to 100 ms; with several threads per worker, awards kept finding each
other's locks. PostgreSQL locks rows, so its workers run 4 threads each.

Each worker tunes the garbage collector once the application is loaded
(`cairn.gc_tuning`).

The number of workers is the command line's (`--workers`) or WEB_CONCURRENCY's; any
setting here can be overridden the same way, or with GUNICORN_CMD_ARGS.
"""

import os

from cairn.gc_tuning import tune_garbage_collector

worker_class = "gthread"
threads = 1 if os.environ.get("DATABASE_URL", "sqlite:").startswith("sqlite:") else 4
keepalive = 5  # seconds an idle connection is kept


def post_worker_init(worker) -> None:
    tune_garbage_collector()
