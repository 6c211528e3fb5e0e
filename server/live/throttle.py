"""A token bucket per student (per-browser id): a burst of answers, then one per `refill` s."""

from __future__ import annotations

import math
import time
from collections.abc import Callable

#: Buckets kept at most; past it the full ones (students who have been quiet) are forgotten.
MAX_BUCKETS = 20_000


class Throttle:
    def __init__(self, burst: int, refill: float, clock: Callable[[], float] = time.monotonic):
        self.burst, self.refill, self.clock = burst, refill, clock
        self.buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, time)

    def _tokens(self, key: str, now: float) -> float:
        tokens, then = self.buckets.get(key, (self.burst, now))
        return min(self.burst, tokens + (now - then) / self.refill)

    def take(self, key: str) -> int:
        """0 when `key` may go now, else the seconds to wait (for Retry-After)."""
        now = self.clock()
        tokens = self._tokens(key, now)
        if tokens < 1:
            self.buckets[key] = (tokens, now)
            return max(1, math.ceil((1 - tokens) * self.refill))
        if len(self.buckets) >= MAX_BUCKETS:
            self.buckets = {
                k: v for k, v in self.buckets.items() if self._tokens(k, now) < self.burst
            }
        self.buckets[key] = (tokens - 1, now)
        return 0
