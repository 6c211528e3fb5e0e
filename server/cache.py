"""A small LRU cache of response bodies, for repeated small requests.

Every visitor of the page loads the same presets, and the page re-parses the expression on
every keystroke: identical request bodies, identical answers (the trace is deterministic and
the limits are fixed per app). Only successful answers to small requests are kept, and only
small ones, so the cache holds a few megabytes at most. It is used from the event loop only
(see routers/expressions.py), so it needs no lock.
"""

from __future__ import annotations

from collections import OrderedDict

#: Entries kept; the least recently used goes first.
CACHE_ENTRIES = 256
#: Larger responses are not kept (256 x 64 KB = 16 MB at most).
CACHE_MAX_RESPONSE_BYTES = 65_536


class ResponseCache:
    def __init__(
        self, entries: int = CACHE_ENTRIES, max_response_bytes: int = CACHE_MAX_RESPONSE_BYTES
    ):
        self.entries = entries
        self.max_response_bytes = max_response_bytes
        self._data: OrderedDict = OrderedDict()
        self.hits = self.misses = 0

    def get(self, key) -> bytes | None:
        value = self._data.get(key)
        if value is None:
            self.misses += 1
            return None
        self._data.move_to_end(key)
        self.hits += 1
        return value

    def put(self, key, value: bytes) -> None:
        if self.entries <= 0 or len(value) > self.max_response_bytes:
            return
        self._data[key] = value
        self._data.move_to_end(key)
        while len(self._data) > self.entries:
            self._data.popitem(last=False)
