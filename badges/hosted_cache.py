"""Rendered hosted assertions, kept a moment in each process.

The hosted assertion is the URL every verifier and backpack fetches, and it only changes
when the award is revoked. Each process keeps the rendered bytes for a few seconds
(`HOSTED_CACHE_SECONDS`, default 2; the response already allows clients 60 s), and the
process that revokes an award drops its entry at once; other processes show the
revocation within that many seconds.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict


class DocumentCache:
    def __init__(self, max_entries: int = 10_000) -> None:
        self._entries: OrderedDict[str, tuple[float, bytes, int]] = OrderedDict()
        self._lock = threading.Lock()
        self._max_entries = max_entries

    def get(self, key: str, ttl: float) -> tuple[bytes, int] | None:
        with self._lock:
            entry = self._entries.get(key)
        if entry is None or time.monotonic() - entry[0] > ttl:
            return None
        return entry[1], entry[2]

    def put(self, key: str, body: bytes, status: int) -> None:
        with self._lock:
            self._entries[key] = (time.monotonic(), body, status)
            self._entries.move_to_end(key)
            while len(self._entries) > self._max_entries:
                self._entries.popitem(last=False)

    def drop(self, key: str) -> None:
        with self._lock:
            self._entries.pop(key, None)


hosted_documents = DocumentCache()
