"""The reports behind the dashboard pages, kept for a minute and then refreshed behind the
reader's back.

A dashboard asks for a report per key result, the contributors and each funnel: together
far more than one page view should wait for, and the figures move slowly. So each report is
kept in the process for `DASHBOARD_FRESH_SECONDS` (60); a view after that still gets the
kept one, up to `DASHBOARD_STALE_SECONDS` (900) old, while one background thread works out
the new one (stale-while-revalidate, as HTTP caches do). Only a report never made, or older
than that, is made during the request, and several of those are made side by side, each in
its own app context and database session. The page says how old its figures are.

Keys name what a report depends on (public ids and the `updated_at` of the program,
objective and key result), so changing a key result shows at once; new awards and
actions show within the minute. 0 fresh seconds turns the keeping off.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app

from cairn.db import db

MAX_ENTRIES = 2000
#: Reports made side by side for one page view (each holds a database connection).
PARALLEL = 4

Compute = Callable[[], Any]


@dataclass(frozen=True)
class _Entry:
    value: Any
    made: float  # time.monotonic()


class ReportCache:
    """Reports by key, in this process, the least recently used dropped past MAX_ENTRIES."""

    def __init__(self, max_entries: int = MAX_ENTRIES):
        self._entries: OrderedDict[Hashable, _Entry] = OrderedDict()
        self._refreshing: set[Hashable] = set()
        self._lock = threading.Lock()
        self._max = max_entries

    def get_many(self, wanted: Sequence[tuple[Hashable, Compute]]) -> list[Any]:
        """The value of each (key, compute) pair: kept, kept and being refreshed, or
        computed now (those side by side)."""
        app = current_app._get_current_object()
        fresh_for = app.config["DASHBOARD_FRESH_SECONDS"]
        usable_for = max(fresh_for, app.config["DASHBOARD_STALE_SECONDS"])
        now = time.monotonic()
        values: list[Any] = [None] * len(wanted)
        missing = []
        for index, (key, compute) in enumerate(wanted):
            entry = self._lookup(key)
            age = None if entry is None else now - entry.made
            if age is not None and age < usable_for and fresh_for > 0:
                values[index] = entry.value
                if age >= fresh_for:
                    self._refresh(app, key, compute)
            else:
                missing.append(index)
        made = run_side_by_side(app, [wanted[index][1] for index in missing])
        for index, value in zip(missing, made, strict=True):
            values[index] = value
            if fresh_for > 0:
                self._store(wanted[index][0], value)
        return values

    def _lookup(self, key: Hashable) -> _Entry | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
            return entry

    def _store(self, key: Hashable, value: Any) -> None:
        with self._lock:
            self._entries[key] = _Entry(value, time.monotonic())
            self._entries.move_to_end(key)
            while len(self._entries) > self._max:
                self._entries.popitem(last=False)

    def _refresh(self, app: Flask, key: Hashable, compute: Compute) -> None:
        """Make the value again in a background thread, one at a time per key."""
        with self._lock:
            if key in self._refreshing:
                return
            self._refreshing.add(key)

        def work() -> None:
            try:
                self._store(key, in_app_context(app, compute))
            except Exception:
                app.logger.exception("Refreshing a dashboard report failed")
            finally:
                with self._lock:
                    self._refreshing.discard(key)

        _REFRESHES.submit(work)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


#: Refreshes run a few at a time, each with a database connection: a dashboard of many key
#: results going stale at once must not start a thread (and take a connection) for each.
_REFRESHES = ThreadPoolExecutor(max_workers=PARALLEL, thread_name_prefix="dashboard-refresh")


def in_app_context(app: Flask, compute: Compute) -> Any:
    """Run `compute` in an app context (and database session) of its own."""
    with app.app_context():
        try:
            return compute()
        finally:
            db.session.remove()


def run_side_by_side(app: Flask, computes: Sequence[Compute]) -> list[Any]:
    """Each result in order; one runs in the caller's context, several in threads."""
    if len(computes) <= 1:
        return [compute() for compute in computes]
    with ThreadPoolExecutor(max_workers=min(PARALLEL, len(computes)),
                            thread_name_prefix="dashboard-report") as pool:
        return list(pool.map(lambda compute: in_app_context(app, compute), computes))


#: One per process: reports are plain data (dicts, lists), shared by every request.
reports = ReportCache()
