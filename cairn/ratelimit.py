"""Per-client request budgets (token buckets), kept in each process.

Keyed on `request.remote_addr`: behind a reverse proxy, wrap the app in werkzeug's
ProxyFix so that this is the client and not the proxy. Several processes each keep
their own budget, so the effective limit is the rate times the number of processes.
"""

from __future__ import annotations

import threading
import time

from flask import current_app, request


class TokenBuckets:
    """`rate` requests a minute per client, in bursts of at most `rate`."""

    def __init__(self, max_clients: int = 10_000) -> None:
        self.max_clients = max_clients
        self._lock = threading.Lock()
        self._buckets: dict[str, tuple[float, float]] = {}

    def wait(self, client: str, rate: int) -> float:
        """0 and one token taken, or the seconds until a token is free."""
        now = time.monotonic()
        with self._lock:
            tokens, last = self._buckets.pop(client, (float(rate), now))
            tokens = min(float(rate), tokens + (now - last) * rate / 60)
            if len(self._buckets) >= self.max_clients:
                for stale in list(self._buckets)[: self.max_clients // 2]:
                    del self._buckets[stale]  # the least recently seen clients
            allowed = tokens >= 1
            self._buckets[client] = (tokens - 1 if allowed else tokens, now)
        return 0.0 if allowed else (1 - tokens) * 60 / rate


_buckets_lock = threading.Lock()


def throttle_wait(name: str, rate: int) -> float:
    """0 if the current client may go on (a token is taken from budget `name`), else the
    seconds until it may; a rate of 0 or less means no limit."""
    if rate <= 0:
        return 0.0
    with _buckets_lock:
        buckets = current_app.extensions.setdefault(f"cairn_buckets_{name}", TokenBuckets())
    return buckets.wait(request.remote_addr or "unknown", rate)
