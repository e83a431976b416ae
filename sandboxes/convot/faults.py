"""Fault injection: rate limits, 5xx, dropped connections, latency and permanent failure rules.

`ConvotFaults` is plain data (constructor, `set_faults`, CLI flags and `POST /_sandbox/faults` all build one);
`FaultPlan` is its running state: the seeded random stream and the token buckets.
"""

from __future__ import annotations

import math
import random
import re
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, fields
from typing import TypeVar

from . import assumptions as A
from .errors import ApiError
from .ratelimit import BucketsPerApp
from .store import Store

T = TypeVar("T")
DROP = "drop"  # the server closes the connection without answering
# The creates that name an external id, by path under the API prefix, and the table holding them.
CREATES_WITH_EXTERNAL_ID = {
    "/conversations": "conversations",
    "/helpdesk/categories": "helpdesk_categories",
    "/helpdesk/articles": "helpdesk_articles",
}


@dataclass(frozen=True)
class ConvotFaults:
    rate_per_second: float | None = None  # token bucket per app; None = no rate limit
    burst: int = 10
    retry_after_integer: bool = False  # Retry-After as whole seconds (rounded up) instead of "0.25"
    error_ratio: float = 0.0  # share of API requests answered 503
    drop_ratio: float = 0.0  # share of API requests whose connection is closed without a response
    lost_response_ratio: float = 0.0  # share of successful writes applied, then closed without a response
    latency_ms: float = 0.0  # added before every API request is handled
    fail_path_regex: str | None = None  # re.search over "METHOD /v1/path" (no query): always fail_status
    fail_status: int = 500
    fail_retry_after: float | None = None  # Retry-After (seconds) on the fail rule's answers (e.g. a 429)
    reject_content_regex: str | None = None  # POST/PATCH whose content or title matches -> 422
    empty_success_regex: str | None = None  # writes matching "METHOD /v1/path" are applied, answer 200 {}
    # Convot documents neither 413 nor 409 (convot-api.md §2.10): the other answers to "no size limit" and
    # "a second create with the same external id makes a second object".
    max_body_bytes: int | None = None  # a POST/PATCH body above this many bytes answers 413
    conflict_on_known_external_id: bool = False  # a create naming a held external_id answers 409
    seed: int = 0  # the random stream behind the ratios, so a run is repeatable

    def __post_init__(self) -> None:
        for name in ("error_ratio", "drop_ratio", "lost_response_ratio"):
            if not 0 <= getattr(self, name) <= 1:
                raise ValueError(f"{name} must be between 0 and 1, got {getattr(self, name)!r}")
        if self.error_ratio + self.drop_ratio > 1:
            raise ValueError("error_ratio + drop_ratio must not exceed 1")
        if self.rate_per_second is not None and self.rate_per_second <= 0:
            raise ValueError(f"rate_per_second must be > 0 or null, got {self.rate_per_second!r}")
        if self.max_body_bytes is not None and self.max_body_bytes < 1:
            raise ValueError(f"max_body_bytes must be >= 1 or null, got {self.max_body_bytes!r}")
        if self.burst < 1 or self.latency_ms < 0:
            raise ValueError("burst must be >= 1 and latency_ms >= 0")
        if not 400 <= self.fail_status <= 599:
            raise ValueError(f"fail_status must be an HTTP error status 400-599, got {self.fail_status!r}")
        for name in ("fail_path_regex", "reject_content_regex", "empty_success_regex"):
            try:
                re.compile(getattr(self, name) or "")
            except re.error as error:
                raise ValueError(f"{name} is not a valid regular expression: {error}") from None

    @classmethod
    def from_dict(cls, data: dict) -> ConvotFaults:
        return options_from_dict(cls, data, "fault option")

    def to_dict(self) -> dict:
        return asdict(self)


def options_from_dict(cls: type[T], data: dict, noun: str) -> T:
    """A dataclass of sandbox options from JSON, naming unknown keys and the accepted ones."""
    known = {item.name for item in fields(cls)}
    unknown = sorted(set(data) - known)
    if unknown:
        raise ValueError(f"unknown {noun}(s) {unknown}; accepted: {sorted(known)}")
    return cls(**data)


def format_retry_after(seconds: float, whole_seconds: bool) -> str:
    if whole_seconds:
        return str(max(1, math.ceil(seconds)))
    return f"{max(seconds, 0.001):.3f}".rstrip("0").rstrip(".")


class FaultPlan:
    def __init__(self, faults: ConvotFaults, clock: Callable[[], float] = time.monotonic) -> None:
        self.faults = faults
        self._random = random.Random(faults.seed)
        self._lock = threading.Lock()
        self._buckets = (
            BucketsPerApp(faults.rate_per_second, faults.burst, clock) if faults.rate_per_second else None
        )

    def delay(self) -> None:
        if self.faults.latency_ms:
            time.sleep(self.faults.latency_ms / 1000)

    def before_auth(self, method: str, path: str) -> str | ApiError | None:
        """Faults of the transport and the server, decided before the request is understood."""
        faults = self.faults
        if faults.drop_ratio or faults.error_ratio:
            with self._lock:
                draw = self._random.random()
            if draw < faults.drop_ratio:
                return DROP
            if draw < faults.drop_ratio + faults.error_ratio:
                return ApiError(
                    A.INJECTED_ERROR_STATUS, "Service temporarily unavailable (injected); retry later"
                )
        if faults.fail_path_regex and re.search(faults.fail_path_regex, f"{method} {path}"):
            return ApiError(
                faults.fail_status,
                f"Request failed permanently (sandbox rule {faults.fail_path_regex})",
                ["Rejected by the sandbox fail rule"] if faults.fail_status == 422 else [],
                headers={"Retry-After": str(faults.fail_retry_after)} if faults.fail_retry_after else {},
            )
        return None

    def too_large(self, method: str, body: bytes) -> ApiError | None:
        limit = self.faults.max_body_bytes
        if limit is None or method not in ("POST", "PATCH", "PUT") or len(body) <= limit:
            return None
        return ApiError(413, f"Request body of {len(body)} bytes is larger than the {limit} bytes accepted")

    def conflict(self, store: Store, app_id: int, method: str, relative: str, body: dict) -> ApiError | None:
        """409 for a create whose external_id this app already holds (instead of a second object)."""
        table = CREATES_WITH_EXTERNAL_ID.get(relative) if method == "POST" else None
        external_id = body.get("external_id") if isinstance(body, dict) else None
        if not self.faults.conflict_on_known_external_id or table is None or not external_id:
            return None
        held = store.one(f"SELECT id FROM {table} WHERE app_id = ? AND external_id = ?", app_id, external_id)
        if held is None:
            return None
        return ApiError(409, f"An object with external_id {external_id} already exists (id {held['id']})")

    def lose_response(self, method: str, status: int) -> bool:
        """After a write succeeded: drop the answer, so the client cannot know it was applied."""
        if not self.faults.lost_response_ratio or method not in ("POST", "PATCH") or status >= 300:
            return False
        with self._lock:
            return self._random.random() < self.faults.lost_response_ratio

    def empty_success(self, method: str, path: str) -> bool:
        """A write applied whose 2xx answer is `{}`: the client must not take it as a confirmation."""
        pattern = self.faults.empty_success_regex
        return bool(pattern) and re.search(pattern, f"{method} {path}") is not None

    def rate_limit(self, app_id: int) -> ApiError | None:
        wait = self._buckets.take(app_id) if self._buckets else 0.0
        if not wait:
            return None
        retry_after = format_retry_after(wait, self.faults.retry_after_integer)
        return ApiError(
            429,
            f"Rate limit exceeded; retry after {retry_after} seconds",
            headers={"Retry-After": retry_after},
        )

    def reject_content(self, method: str, body: dict) -> ApiError | None:
        pattern = self.faults.reject_content_regex
        if not pattern or method not in ("POST", "PATCH"):
            return None
        details = [
            f"{name.capitalize()} is rejected by the sandbox rule {pattern}"
            for name in ("content", "title")
            if isinstance(body.get(name), str) and re.search(pattern, body[name])
        ]
        return ApiError(422, "Validation failed", details) if details else None
