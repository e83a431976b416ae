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
    from collections.abc import Callable, Mapping

# The 404 reason each parent's routes give when the parent does not exist (routes.py).
PARENT_REASONS = {
    "session_id": assumptions.UNKNOWN_CONVERSATION_REASON,
    "people_id": assumptions.UNKNOWN_PROFILE_REASON,
    "campaign_id": assumptions.UNKNOWN_CAMPAIGN_REASON,
}


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
    # (route name, parent id): that child route answers 404 for that parent while the parent still exists
    # (its own route answers), e.g. ("conversation_messages", session_id): the source's guess
    # CHILD_404_MEANS_PARENT_GONE, answered the other way. `times` bounds how often (None: every time).
    child_404: tuple[tuple[str, str], ...] = ()
    child_404_times: int | None = None
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
        pairs = tuple(tuple(pair) for pair in self.child_404)  # JSON (POST /_sandbox/faults) sends lists
        if any(len(pair) != 2 or not all(isinstance(part, str) for part in pair) for pair in pairs):
            raise ValueError(f"Faults.child_404 takes (route name, parent id) pairs, got {self.child_404!r}")
        object.__setattr__(self, "child_404", pairs)

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
            self._child_404_sent = 0

    def missing_child(self, route_name: str, params: Mapping[str, str]) -> Verdict | None:
        """A 404 for a child route of a parent that still exists (Faults.child_404), with the reason the
        route gives for an unknown parent; None to serve the route."""
        f = self.faults
        ids = set(params.values())
        if not any(name == route_name and parent in ids for name, parent in f.child_404):
            return None
        with self._lock:
            if f.child_404_times is not None and self._child_404_sent >= f.child_404_times:
                return None
            self._child_404_sent += 1
        field = next((name for name in PARENT_REASONS if name in params), None)
        return Verdict(status=404, reason=PARENT_REASONS.get(field, "not_found"))

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
