"""A bounded map kept per process and shared by its threads: values worked out once under
a key that names everything they depend on (a version, an `updated_at`), so an entry is
never stale, only unused; the least recently used go first."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

V = TypeVar("V")


class Kept(Generic[V]):
    def __init__(self, size: int) -> None:
        self._size = size
        self._entries: OrderedDict[Hashable, V] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> V | None:
        with self._lock:
            if key not in self._entries:
                return None
            self._entries.move_to_end(key)
            return self._entries[key]

    def put(self, key: Hashable, value: V) -> None:
        with self._lock:
            self._entries[key] = value
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)

    def get_or_make(self, key: Hashable, make: Callable[[], V]) -> V:
        """The value kept under `key`, or `make()`'s, kept. `make` runs outside the lock:
        two threads may both make it, and either may be kept (the values are equal)."""
        value = self.get(key)
        if value is None:
            value = make()
            self.put(key, value)
        return value
