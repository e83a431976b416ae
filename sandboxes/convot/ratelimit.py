"""Token bucket: `rate` tokens per second refill a bucket of `burst`; an empty bucket means 429."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class TokenBucket:
    def __init__(self, rate: float, burst: int, clock: Callable[[], float] = time.monotonic) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError("a token bucket needs rate > 0 and burst >= 1")
        self.rate, self.burst, self._clock = rate, burst, clock
        self._tokens = float(burst)
        self._updated = clock()
        self._lock = threading.Lock()

    def take(self) -> float:
        """0.0 when a token was taken, else the seconds until one will be available."""
        with self._lock:
            now = self._clock()
            self._tokens = min(self.burst, self._tokens + (now - self._updated) * self.rate)
            self._updated = now
            if self._tokens >= 1:
                self._tokens -= 1
                return 0.0
            return (1 - self._tokens) / self.rate


class BucketsPerApp:
    """One bucket per app (gap 1: the unit of the real limit is unknown; the key's app is assumed)."""

    def __init__(self, rate: float, burst: int, clock: Callable[[], float] = time.monotonic) -> None:
        self._make = lambda: TokenBucket(rate, burst, clock)
        self._buckets: dict[int, TokenBucket] = {}
        self._lock = threading.Lock()

    def take(self, app_id: int) -> float:
        with self._lock:
            bucket = self._buckets.get(app_id)
            if bucket is None:
                bucket = self._buckets[app_id] = self._make()
        return bucket.take()
