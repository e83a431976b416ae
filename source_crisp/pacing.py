"""How fast one sync's requests go out, shared by every thread: the pause after a rate limit, and how many
per-parent requests may be in flight (fanout.py).

- a rate limit (420/429/423) pauses EVERY worker until the shared resume time, not just the thread that was
  limited: the others would only collect more limits meanwhile;
- it also halves the requests allowed in flight (at least 1), once per pause: the workers limited by the same
  burst do not halve it again and again;
- a run of RECOVERY_RUN answers without a limit allows one more in flight, up to max_concurrency.

Thread-safe; the clock is injectable so tests need not wait.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

# Answers in a row without a rate limit before one more request may be in flight. Slow on purpose: a limit
# costs a pause for every worker, a request fewer in flight costs only a little speed.
RECOVERY_RUN = 20


class Pacing:
    def __init__(self, max_concurrency: int = 1, clock: Callable[[], float] = time.monotonic) -> None:
        self.ceiling = max_concurrency  # the configured max_concurrency
        self.limit = max_concurrency  # allowed in flight now
        self.lowest = max_concurrency  # the lowest `limit` of this sync (logs, tests)
        self._clock = clock
        self._resume_at = float("-inf")  # clock value until which nobody sends
        self._successes = 0
        self._lock = threading.Lock()

    def rate_limited(self, pause: float) -> tuple[float, float]:
        """A request was limited and its thread pauses `pause` seconds: everyone pauses until then, and fewer
        requests go in flight. Returns (the shared resume time, the seconds it added to the pause already
        running)."""
        with self._lock:
            now = self._clock()
            if now >= self._resume_at:  # a new pause: the first limit of its burst
                self.limit = max(1, self.limit // 2)
                self.lowest = min(self.lowest, self.limit)
                added = pause
            else:
                added = max(0.0, now + pause - self._resume_at)
            self._successes = 0
            self._resume_at = max(self._resume_at, now + pause)
            return self._resume_at, added

    def answered(self) -> None:
        """A request got an answer that is not a rate limit."""
        with self._lock:
            if self.limit >= self.ceiling:
                return
            self._successes += 1
            if self._successes >= RECOVERY_RUN:
                self.limit += 1
                self._successes = 0

    def wait_for_resume(self, sleep: Callable[[float], None], slept_until: float | None = None) -> None:
        """Sleep until the shared pause ends. `slept_until`: the resume time the caller already slept through
        (its own pause), so that only a pause another worker extended is waited for again."""
        with self._lock:
            resume_at = self._resume_at
        if slept_until is not None and resume_at <= slept_until:
            return
        wait = resume_at - self._clock()
        if wait > 0:
            sleep(wait)
