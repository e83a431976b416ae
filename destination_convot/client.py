"""Transport to the Convot API, and the only place that waits on Convot (429 pauses, retry back-off); the
ledger's lock wait (ledger.py) and the progress lines' interval (counters.py) wait on other things.

Bearer auth, the error envelope mapped to exceptions (`errors.py`), 429 pauses shared by every worker thread
and honouring Retry-After, bounded jittered retries for 5xx and dropped connections, and a rate-limit
watermark (hits, time paused, resume time). Tests inject `Pacing` so nothing really waits.
"""

from __future__ import annotations

import logging
import os
import random
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import requests

from connector_shared.retry_after import retry_after_seconds as shared_retry_after
from connector_shared.sessions import NoRedirectSession, redirect_target_host
from destination_convot.assumptions import (
    MAX_RETRY_AFTER_SECONDS,
    RATE_LIMIT_CAP_SECONDS,
    RATE_LIMIT_FALLBACK_BASE_SECONDS,
)
from destination_convot.errors import ConvotApiError, ConvotRedirected, ConvotUnavailable, error_for

logger = logging.getLogger("airbyte")

TRANSPORT_ERRORS = (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError)
TIMEOUT_SECONDS = (10, 60)


@dataclass(frozen=True)
class Pacing:
    """How long to wait, and how: injected so tests run without real waiting."""

    max_retries: int = 5  # for 5xx and dropped connections
    max_rate_limit_waits: int = 200  # a 429 storm is waited out, but not forever
    base_seconds: float = 1.0
    cap_seconds: float = 30.0
    scale: float = 1.0  # multiplies every wait, Retry-After included; tests use 0 or a tiny value
    sleep: Callable[[float], None] | None = None  # None: wait on the client's stop event (SIGTERM ends it)
    jitter: Callable[[], float] = random.random

    def retry_delay(self, attempt: int) -> float:
        """Exponential, jittered between 50 % and 100 % of the step so workers do not retry in lockstep."""
        step = min(self.cap_seconds, self.base_seconds * 2 ** (attempt - 1))
        return step * (0.5 + 0.5 * self.jitter()) * self.scale


class Interrupted(Exception):
    """A stop was requested while a request waited (rate-limit pause, retry delay): it is not sent. What it
    would have written stays pending in the ledger, and an unsent create's intent is reconciled next run."""


def waiter(pacing: Pacing, stop: threading.Event) -> Callable[[float], None]:
    """How the client waits: the injected sleep (tests), else the stop event (SIGTERM cuts a pause short)."""

    def wait(seconds: float) -> None:
        if pacing.sleep is not None:
            pacing.sleep(seconds)
        else:
            stop.wait(seconds)
        if stop.is_set():
            raise Interrupted(f"stop requested during a {seconds:.1f}s wait")

    return wait


@dataclass
class RateLimitWatermark:
    """One pause shared by all worker threads: after a 429 nobody sends until Convot said to come back."""

    pacing: Pacing
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    hits: int = 0
    paused_seconds: float = 0.0
    _pause_until: float = 0.0
    _announced_resume: bool = True
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def pause(self, seconds: float, request: str) -> None:
        with self._lock:
            now = self.clock()
            self.hits += 1
            until = now + seconds
            if until <= self._pause_until:
                return
            self.paused_seconds += until - max(now, self._pause_until)
            self._pause_until = until
            self._announced_resume = False
        resume_at = datetime.now(UTC) + timedelta(seconds=seconds)
        logger.warning(
            f"Convot rate limit hit on {request} (#{self.hits}): pausing all requests for {seconds:.2f}s, "
            f"resuming at {resume_at:%H:%M:%S} UTC."
        )

    def wait_if_paused(self) -> None:
        with self._lock:
            remaining = self._pause_until - self.clock()
        if remaining > 0:
            self.sleep(remaining)
        with self._lock:
            if self._announced_resume or self.clock() < self._pause_until:
                return
            self._announced_resume = True
        logger.info(
            f"Convot rate limit pause over: resumed at {datetime.now(UTC):%H:%M:%S} UTC "
            f"({self.hits} limits hit, {self.paused_seconds:.1f}s paused in total)."
        )


def retry_after_seconds(header: str | None) -> float | None:
    """Retry-After as seconds (integer or decimal) or as an HTTP date, measured on this machine's clock
    (connector_shared/retry_after.py, the same reading as the source's); None: no usable wait in it."""
    return shared_retry_after(header, datetime.now(UTC))


class ConvotClient:
    def __init__(
        self, base_url: str, token: str, *, pacing: Pacing | None = None, stop: threading.Event | None = None
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._token = token
        self.pacing = pacing or Pacing()
        self.stop = stop or threading.Event()
        self._sleep = waiter(self.pacing, self.stop)
        self.watermark = RateLimitWatermark(self.pacing, self._sleep)
        self._local = threading.local()

    def _session(self) -> requests.Session:
        # One session per worker thread: requests.Session is not documented as thread-safe.
        session = getattr(self._local, "session", None)
        if session is None:
            session = NoRedirectSession()  # the host api_url names is the only one ever sent to
            session.headers["Authorization"] = f"Bearer {self._token}"
            session.headers["Accept"] = "application/json"
            # Read proxy and CA-bundle variables once, not on every request (requests rescans os.environ per
            # call, which was a third of this connector's CPU per message).
            session.proxies = requests.utils.get_environ_proxies(self.base_url)
            session.verify = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or True
            session.trust_env = False
            self._local.session = session
        return session

    def get(self, path: str, params: Mapping[str, Any] | None = None, base: str | None = None) -> Any:
        return self.request("GET", path, params=params, base=base)

    def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: Mapping[str, Any] | None = None,
        already_applied: Callable[[], Any] | None = None,
        confirms: Callable[[Any], bool] | None = None,
        base: str | None = None,
    ) -> Any:
        """Send one request and return its decoded JSON body.

        `already_applied` marks a non-idempotent create: after an ambiguous failure (dropped connection, 5xx)
        it is asked whether Convot applied the first attempt; its answer is returned, not a second create.
        `confirms` tells whether a 2xx body is the confirmation the caller needs (a create's body must carry
        the new id): one that is not (`{}`, no id) is an ambiguous failure like a lost answer, never a write.
        `base` replaces `base_url` for this request (a route documented under another prefix).
        """
        label = f"{method} {path}"
        failures = 0
        rate_limits = 0
        while True:
            self.watermark.wait_if_paused()
            if failures and already_applied is not None:
                found = already_applied()
                if found is not None:
                    logger.info(
                        f"{label}: the earlier attempt had been applied by Convot; not sending it again."
                    )
                    return found
            try:
                response = self._session().request(
                    method, (base or self.base_url) + path, json=json, params=params, timeout=TIMEOUT_SECONDS
                )
            except TRANSPORT_ERRORS as exc:
                failures = self._count_failure(label, failures, f"connection problem: {type(exc).__name__}")
                continue
            if response.status_code == 429:
                rate_limits += 1
                if rate_limits > self.pacing.max_rate_limit_waits:
                    raise ConvotUnavailable(label, "still rate limited (429)", rate_limits)
                self.watermark.pause(self._rate_limit_wait(response, rate_limits), label)
                continue
            if 300 <= response.status_code < 400:
                raise ConvotRedirected(
                    label, response.status_code, redirect_target_host(response.headers.get("Location"))
                )
            if response.status_code >= 500:
                failures = self._count_failure(label, failures, f"HTTP {response.status_code}")
                continue
            body = _json_or_none(response)
            if response.ok and confirms is not None and not confirms(body):
                problem = f"HTTP {response.status_code} without the id of the object written"
                failures = self._count_failure(label, failures, problem)
                continue
            if response.ok:
                return body
            raise error_for(response.status_code, body, label)

    def _count_failure(self, label: str, failures: int, problem: str) -> int:
        failures += 1
        if failures > self.pacing.max_retries:
            raise ConvotUnavailable(label, problem, failures)
        delay = self.pacing.retry_delay(failures)
        logger.warning(f"{label}: {problem}; retry {failures}/{self.pacing.max_retries} in {delay:.2f}s.")
        self._sleep(delay)
        return failures

    def _rate_limit_wait(self, response: requests.Response, attempt: int) -> float:
        advised = retry_after_seconds(response.headers.get("Retry-After"))
        if advised is None:
            advised = min(RATE_LIMIT_CAP_SECONDS, RATE_LIMIT_FALLBACK_BASE_SECONDS * 2 ** (attempt - 1))
        return min(advised, MAX_RETRY_AFTER_SECONDS) * self.pacing.scale


def _json_or_none(response: requests.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


__all__ = [
    "ConvotApiError",
    "ConvotClient",
    "Interrupted",
    "Pacing",
    "RateLimitWatermark",
    "retry_after_seconds",
]
