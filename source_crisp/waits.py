"""Every wait is bounded and visible while it lasts: the bound check and discover answer within, and the log
line that says a request or a pause is still waiting.

- ANSWER_BOUND_SECONDS: `check` and `discover` (what the ETL UI waits on) answer within this, success or a
  clear error, whatever the server does (trickles, stalls, rate-limits): no try, retry or pause of theirs
  starts or lasts past it (client.py cuts each try's deadline and socket timeout to what is left).
- Waits: each request in flight and each pause (backoff, rate limit) registers here; a watcher thread logs
  one line every `every` seconds per wait still running, so a slow sync never looks hung. The thread runs
  only while something waits longer than `every`, and ends by itself once nothing does.
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

LOGGER = logging.getLogger("airbyte")

# check and discover answer within this many seconds (documented in docs/source-crisp.md "Timeouts").
ANSWER_BOUND_SECONDS = 90.0
# A waiting request or pause is logged every this many seconds while it lasts.
HEARTBEAT_SECONDS = 20.0


class Waits:
    def __init__(
        self,
        every: float = HEARTBEAT_SECONDS,
        logger: logging.Logger = LOGGER,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._every = every
        self._logger = logger
        self._clock = clock
        self._waiting: dict[int, tuple[float, str]] = {}  # id -> (started, what)
        self._ids = itertools.count()
        self._lock = threading.Lock()
        self._watcher: threading.Thread | None = None
        self._stop = threading.Event()

    @contextmanager
    def waiting(self, what: str) -> Iterator[None]:
        """Registers `what` ("GET /website/…/conversations/2", "rate-limit pause of 60 s") while the block
        runs. Cheap (a dict entry under a lock): every request of a sync goes through it."""
        key = next(self._ids)
        with self._lock:
            self._waiting[key] = (self._clock(), what)
            if self._watcher is None:
                self._stop.clear()
                self._watcher = threading.Thread(target=self._watch, name="crisp-waits", daemon=True)
                self._watcher.start()
        try:
            yield
        finally:
            with self._lock:
                del self._waiting[key]

    def close(self) -> None:
        self._stop.set()

    def _watch(self) -> None:
        idle_beats = 0
        while not self._stop.wait(self._every):
            now = self._clock()
            with self._lock:
                long = [(now - started, what) for started, what in self._waiting.values()]
                long = [(seconds, what) for seconds, what in long if seconds >= self._every]
                if not self._waiting:
                    idle_beats += 1
                    if idle_beats >= 2:  # nothing in flight for a while: the next wait starts a new watcher
                        self._watcher = None
                        return
                else:
                    idle_beats = 0
            for seconds, what in sorted(long, reverse=True):
                self._logger.info(f"Still waiting on Crisp after {seconds:.0f} s: {what}.")
        with self._lock:
            self._watcher = None
