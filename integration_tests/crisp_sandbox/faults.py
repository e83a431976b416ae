"""Fault injection: what can go wrong on a request, decided deterministically from a seed.

`Faults` is the switchable configuration (constructor, `set_faults`, CLI flags, `POST /_sandbox/faults`);
`FaultInjector` holds the counters and the seeded randomness of one running server.
"""

from __future__ import annotations

import random
import threading
import time
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING

from . import assumptions

if TYPE_CHECKING:
    from collections.abc import Callable


@dataclass(frozen=True)
class Faults:
    rate_limit: int | None = None  # requests allowed per window, then rate_status
    rate_window_s: float = 60.0
    rate_status: int = assumptions.RATE_LIMIT_STATUS_DEFAULT  # 429 or 420
    retry_after_s: int | None = (
        assumptions.RETRY_AFTER_DEFAULT
    )  # adds a Retry-After header to rate-limit replies
    daily_quota: int | None = None  # after this many requests: 423 quota_limit_exceeded
    error_ratio: float = 0.0  # share of requests answered with error_status
    error_status: int = 503
    error_as_200: bool = False  # the error_ratio errors are dressed as success: HTTP 200, `"error": true`
    drop_ratio: float = 0.0  # share of requests whose socket is closed without any response
    latency_ms: int = 0  # added to every request
    malformed_ratio: float = 0.0  # share of successful replies whose JSON body is truncated
    drift_per_page: int = 0  # conversations touched after each conversations list page served
    page_cycle: int = 0  # list page n served as page ((n - 1) mod page_cycle) + 1: A, B, A, B... never ends
    hostile_values: bool = False  # lone surrogates, bytes not UTF-8, NaN, 2**70 planted (hostile_values.py)
    seed: int = 0

    def __post_init__(self) -> None:
        for name in ("error_ratio", "drop_ratio", "malformed_ratio"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f"Faults.{name} must be between 0 and 1, got {getattr(self, name)!r}")
        if self.page_cycle < 0:
            raise ValueError(f"Faults.page_cycle must be 0 (off) or positive, got {self.page_cycle!r}")
        if self.rate_status not in (420, 429):
            raise ValueError(f"Faults.rate_status must be 420 or 429, got {self.rate_status!r}")

    @classmethod
    def from_mapping(cls, values: dict) -> Faults:
        known = {f.name for f in fields(cls)}
        unknown = set(values) - known
        if unknown:
            raise ValueError(f"unknown fault field(s) {sorted(unknown)}; accepted: {sorted(known)}")
        return cls(**values)


@dataclass(frozen=True)
class Verdict:
    """What to do with one request before (or instead of) serving it."""

    drop: bool = False
    status: int | None = None  # a fault status to answer instead of the route
    reason: str = ""
    headers: tuple[tuple[str, str], ...] = ()
    malformed: bool = False
    dressed_as_200: bool = False  # send the fault status's error envelope with HTTP status 200


class FaultInjector:
    def __init__(self, faults: Faults | None = None, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock  # injectable, so tests move the rate-limit window without sleeping
        self._lock = threading.Lock()
        self.configure(faults or Faults())

    def configure(self, faults: Faults) -> None:
        with self._lock:
            self.faults = faults
            self._rng = random.Random(faults.seed)
            self._window_start = self._clock()
            self._window_count = 0
            self._quota_used = 0

    def decide(self) -> Verdict:
        f = self.faults
        if f.latency_ms:
            time.sleep(f.latency_ms / 1000)
        with self._lock:
            self._quota_used += 1
            roll_drop, roll_error, roll_malformed = self._rng.random(), self._rng.random(), self._rng.random()
            if f.rate_limit is not None:
                now = self._clock()
                if now - self._window_start >= f.rate_window_s:
                    self._window_start, self._window_count = now, 0
                self._window_count += 1
                if self._window_count > f.rate_limit:
                    headers = () if f.retry_after_s is None else (("Retry-After", str(f.retry_after_s)),)
                    return Verdict(
                        status=f.rate_status, reason=assumptions.RATE_LIMIT_REASON, headers=headers
                    )
        if f.daily_quota is not None and self._quota_used > f.daily_quota:
            return Verdict(status=assumptions.QUOTA_STATUS, reason=assumptions.QUOTA_REASON)
        if roll_drop < f.drop_ratio:
            return Verdict(drop=True)
        if roll_error < f.error_ratio:
            return Verdict(status=f.error_status, reason="server_error", dressed_as_200=f.error_as_200)
        return Verdict(malformed=roll_malformed < f.malformed_ratio)
