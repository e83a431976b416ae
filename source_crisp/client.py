"""Transport only: a requests.Session per thread, Basic auth + X-Crisp-Tier, timeouts, envelope unwrap,
retries, the per-minute and per-sync request budgets.

Thread-safe: the fan-out's workers (fanout.py) share one client. Counters, the watermark, the server clock
and the budgets change under a lock; each thread has its own Session (connection pool), as requests does not
promise that one Session is safe across threads. A rate limit pauses every thread (pacing.py).
Only this module and pacing.py sleep. Waiting is injected through `Backoff` (tests pass a zero backoff and
record the waits).
The token key is only ever handed to requests' auth; it is never formatted into a message.
"""

from __future__ import annotations

import logging
import math
import random
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

import requests
import urllib3
from airbyte_cdk.sources.streams.http.error_handlers.response_models import ErrorResolution, ResponseAction
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from source_crisp import body_text, errors
from source_crisp.config import CrispConfig
from source_crisp.pacing import Pacing
from source_crisp.request_counts import note_request, stream_being_read

LOGGER = logging.getLogger("airbyte")
USER_AGENT = "airbyte-source-crisp/0.1"
_CHUNK_BYTES = 64 * 1024
# A Crisp page of 50 conversations is well under 1 MB; a body past this is not an answer we can use, and
# reading it whole would exhaust memory before the deadline ends it.
MAX_BODY_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True)
class Timeouts:
    """Per-request limits. A per-read timeout alone lets a server that trickles one byte every few seconds
    hold a request for ever, so every request also has a total deadline, checked between reads of the body:
    a request ends at most `total_seconds` + one `read_seconds` after it was sent."""

    connect_seconds: float = 10.0
    read_seconds: float = 60.0
    total_seconds: float = 120.0


@dataclass
class Backoff:
    """Exponential backoff with equal jitter; Retry-After (seconds or HTTP date) wins when present."""

    base_seconds: float = 1.0
    cap_seconds: float = 60.0
    max_retry_after_seconds: float = 600.0
    max_retries: int = 5  # server errors, network errors, malformed bodies
    max_rate_limit_retries: int = 10
    sleep: Callable[[float], None] = time.sleep
    jitter: Callable[[], float] = random.random

    @classmethod
    def immediate(cls, sleep: Callable[[float], None] = lambda _seconds: None) -> Backoff:
        """No waiting at all: for tests."""
        return cls(base_seconds=0.0, cap_seconds=0.0, max_retry_after_seconds=0.0, sleep=sleep)

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        if retry_after is not None:
            return min(max(retry_after, 0.0), self.max_retry_after_seconds)
        exponential = min(self.cap_seconds, self.base_seconds * 2**attempt)
        return exponential / 2 + self.jitter() * exponential / 2


@dataclass
class RateLimitWatermark:
    """How often Crisp limited us and how long we paused, for the log and for tests."""

    hits: int = 0
    paused_seconds: float = 0.0

    def record(self, pause: float, status: int, now: datetime, added: float | None = None) -> str:
        """`added`: how much this limit lengthened the pause all threads share (default: all of it)."""
        self.hits += 1
        self.paused_seconds += pause if added is None else added
        resume = (now + timedelta(seconds=pause)).strftime("%H:%M:%S UTC")
        return (
            f"Crisp rate limit ({status}): limit #{self.hits} this sync, "
            f"{self.paused_seconds:.1f} s paused in total; pausing {pause:.1f} s, resuming at {resume}."
        )


@dataclass
class RequestBudget:
    """Proactive client-side limit: at most `per_minute` requests in any sliding 60 s window, across threads.

    Each request books its send time under the lock (the earliest time that keeps the window within the
    limit) and sleeps outside it, so threads queue for the window in order without holding each other up."""

    per_minute: int | None
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    _sent: deque[float] = field(default_factory=deque)  # booked send times, ascending
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def acquire(self) -> None:
        if not self.per_minute:
            return
        with self._lock:
            now = self.clock()
            while self._sent and now - self._sent[0] >= 60.0:
                self._sent.popleft()
            at = now
            if len(self._sent) >= self.per_minute:
                at = max(now, self._sent[-self.per_minute] + 60.0)
            self._sent.append(at)
            while len(self._sent) > self.per_minute:  # only the last per_minute bookings bound the next one
                self._sent.popleft()
        if at > now:
            self.sleep(at - now)


class SyncBudgetSpent(Exception):
    """`max_requests_per_sync` requests were sent: the request asked for next is not sent (streams.py stops
    the stream at its last checkpoint)."""


@dataclass(frozen=True)
class Reply:
    status: int
    data: Any


class CrispClient:
    def __init__(
        self,
        config: CrispConfig,
        *,
        backoff: Backoff | None = None,
        session: requests.Session | None = None,
        logger: logging.Logger = LOGGER,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        timeouts: Timeouts | None = None,
    ) -> None:
        self._base = config.api_url.rstrip("/") + "/"
        self._backoff = backoff or Backoff()
        self._budget = RequestBudget(config.max_requests_per_minute, sleep=self._backoff.sleep)
        self._logger = logger
        self._now = now
        self._timeouts = timeouts or Timeouts()
        self._server_clock_offset = timedelta(0)  # server's Date header minus our clock, at the last reply
        self._credentials = (config.identifier, config.key)
        self._headers = {"X-Crisp-Tier": config.tier, "Accept": "application/json", "User-Agent": USER_AGENT}
        self._injected = self._configured(session) if session is not None else None  # tests: every thread's
        self._local = threading.local()  # this thread's Session
        self._sessions: list[requests.Session] = []  # every Session made, to close them at the end
        self._lock = threading.Lock()
        self.pacing = Pacing(config.max_concurrency)  # shared with the reader's FanOut
        self.max_requests_per_sync = config.max_requests_per_sync
        self.watermark = RateLimitWatermark()
        self.requests_sent = 0
        self.replaced_text = body_text.ReplacedText()  # reported per stream when its read ends
        self._charsets_noted: set[str] = set()

    @property
    def budget_spent(self) -> bool:
        """True once `max_requests_per_sync` requests were sent: every further request raises."""
        limit = self.max_requests_per_sync
        return limit is not None and self.requests_sent >= limit

    def close(self) -> None:
        with self._lock:
            sessions, self._sessions = self._sessions, []
        for session in sessions:
            session.close()

    def _configured(self, session: requests.Session) -> requests.Session:
        session.auth = self._credentials
        session.headers.update(self._headers)
        # requests reads the proxy and CA-bundle variables again on every request (a walk of os.environ,
        # a sixth of its CPU per request); every request goes to one host, so they are read once, for it,
        # exactly as requests would merge them, and the session carries them.
        settings = session.merge_environment_settings(self._base, {}, None, None, None)
        session.proxies, session.verify, session.trust_env = settings["proxies"], settings["verify"], False
        return session

    def _session(self) -> requests.Session:
        if self._injected is not None:
            return self._injected
        session = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = self._configured(requests.Session())
            with self._lock:
                self._sessions.append(session)
        return session

    def server_now(self) -> datetime:
        """Crisp's clock as its last `Date` header showed it (our clock when it sent none)."""
        return self._now() + self._server_clock_offset

    def get(
        self,
        path: str,
        params: Mapping[str, Any] | None = None,
        *,
        child: bool = False,
        optional: bool = False,
        quiet: bool = False,
    ) -> Reply | None:
        """GET `path` (relative to api_url). None when the policy says to skip it: a deleted child, or a
        feature the website does not have. `child` / `optional` pick those rows of the policy (errors.py).
        `quiet`: the caller explains a skipped answer itself (a probe, an absent part): no warning."""
        failures = limits = 0
        slept_until: float | None = None  # the end of this thread's own rate-limit pause, once it paused
        while True:
            self.pacing.wait_for_resume(self._backoff.sleep, slept_until)
            resolution, reply, facts = self._attempt(path, params, child, optional)
            action = resolution.response_action
            if reply is not None or action == ResponseAction.IGNORE:
                self.pacing.answered()
            if reply is not None:
                return reply
            if action == ResponseAction.IGNORE:
                level = logging.DEBUG if quiet else logging.WARNING
                self._logger.log(level, errors.describe(resolution, **facts))
                return None
            if action == ResponseAction.RATE_LIMITED and limits < self._backoff.max_rate_limit_retries:
                pause = self._backoff.delay(limits, facts.pop("retry_after", None))
                limits += 1
                slept_until, added = self.pacing.rate_limited(pause)
                with self._lock:
                    note = self.watermark.record(pause, facts["status"], self._now(), added)
                if self.pacing.ceiling > 1:
                    note += f" Per-item requests in flight: at most {self.pacing.limit} for now."
                self._logger.warning(note)
                self._backoff.sleep(pause)
                continue
            if action == ResponseAction.RETRY and failures < self._backoff.max_retries:
                pause = self._backoff.delay(failures)
                failures += 1
                self._logger.info(
                    f"{errors.describe(resolution, **facts)} Retry {failures} in {pause:.1f} s."
                )
                self._backoff.sleep(pause)
                continue
            raise self._give_up(resolution, facts, limits + failures)

    def _attempt(
        self, path: str, params: Mapping[str, Any] | None, child: bool, optional: bool
    ) -> tuple[ErrorResolution, Reply | None, dict[str, Any]]:
        facts: dict[str, Any] = {"route": "/" + path.split("?")[0]}
        with self._lock:
            if self.budget_spent:
                raise SyncBudgetSpent
            self.requests_sent += 1
        self._budget.acquire()
        note_request()  # per-stream counts (request_counts.py)
        try:
            status, headers, raw = self._fetch(self._base + path, params)
        except _DeadlineExceeded:
            detail = f"no complete answer within the {self._timeouts.total_seconds:g} s deadline"
            return errors.TRANSPORT_ERROR, None, facts | {"detail": detail}
        except _TooLarge:
            detail = f"an answer larger than {MAX_BODY_BYTES / 2**20:g} MB"
            return errors.TRANSPORT_ERROR, None, facts | {"detail": detail}
        except (requests.RequestException, urllib3.exceptions.HTTPError, OSError) as error:
            return errors.TRANSPORT_ERROR, None, facts | {"detail": type(error).__name__}
        facts["status"] = status
        self._note_server_clock(headers.get("Date"))
        try:
            parsed = body_text.parse(raw, headers.get("Content-Type")) if raw else None
        except ValueError:
            parsed = None
        except RecursionError:  # nested deeper than Python's parser goes: no use retrying, but bounded
            return errors.TRANSPORT_ERROR, None, facts | {"detail": "JSON body nested too deeply to read"}
        body = parsed.value if parsed is not None else None
        if isinstance(body, dict):
            facts["reason"] = body.get("reason")
            facts["detail"] = (
                (body.get("data") or {}).get("message", "") if isinstance(body.get("data"), dict) else ""
            )
        flagged = isinstance(body, dict) and body.get("error") is True
        if status in (200, 206) and not flagged:
            if not isinstance(body, dict) or "data" not in body:
                return errors.TRANSPORT_ERROR, None, facts | {"detail": "malformed JSON body"}
            if parsed is not None:
                self._note_text(parsed, facts["route"])
            return ErrorResolution(ResponseAction.SUCCESS), Reply(status, body["data"]), facts
        # An HTTP-date is on Crisp's clock: measured against it (its Date header), not against ours.
        retry_after = _retry_after_seconds(headers.get("Retry-After"), self.server_now())
        if retry_after is not None:
            facts["retry_after"] = retry_after
        if flagged and 200 <= status < 300:
            # Crisp's envelope flag wins over the status: an error dressed as a 200 is not an empty page.
            return errors.resolve_flagged(facts.get("reason"), child=child, optional=optional), None, facts
        resolution = errors.resolve(status, facts.get("reason"), child=child, optional=optional)
        return resolution, None, facts

    def _fetch(self, url: str, params: Mapping[str, Any] | None) -> tuple[int, Mapping[str, str], bytes]:
        """Status, headers and body of one GET, within the total deadline."""
        limits = self._timeouts
        deadline = time.monotonic() + limits.total_seconds
        read_timeout = min(limits.read_seconds, limits.total_seconds)
        response = self._session().get(
            url, params=params, timeout=(limits.connect_seconds, read_timeout), stream=True
        )
        chunks: list[bytes] = []
        size = 0
        try:
            while True:
                if time.monotonic() > deadline:
                    raise _DeadlineExceeded
                chunk = response.raw.read1(_CHUNK_BYTES, decode_content=True)
                if not chunk:
                    break
                size += len(chunk)
                if size > MAX_BODY_BYTES:
                    raise _TooLarge
                chunks.append(chunk)
        except BaseException:
            response.close()  # a half-read connection cannot be reused
            raise
        response.raw.release_conn()
        return response.status_code, response.headers, b"".join(chunks)

    def _note_text(self, parsed: body_text.Parsed, route: str) -> None:
        """Characters replaced in a usable answer: tallied for the stream being read (reported when its read
        ends), logged at once outside a stream's read (check, discover). A non-UTF-8 charset: once."""
        if parsed.charset is not None and parsed.charset not in self._charsets_noted:
            self._charsets_noted.add(parsed.charset)
            self._logger.warning(
                f"Crisp answered {route} in {parsed.charset}, not UTF-8 as JSON must be: "
                f"read as {parsed.charset}."
            )
        if not parsed.replaced:
            return
        stream = stream_being_read()
        if stream is not None:
            self.replaced_text.add(stream, parsed.replaced)
            return
        for (name, record), count in sorted(parsed.replaced.items(), key=lambda pair: pair[0][0]):
            self._logger.warning(body_text.describe(route, name, count, [record] if record else []))

    def _note_server_clock(self, date_header: str | None) -> None:
        if not date_header:
            return
        try:
            server = parsedate_to_datetime(date_header)
        except (TypeError, ValueError, IndexError):
            return
        if server.tzinfo is not None:
            offset = server - self._now()
            with self._lock:
                self._server_clock_offset = offset

    def _give_up(
        self, resolution: ErrorResolution, facts: dict[str, Any], retries: int
    ) -> AirbyteTracedException:
        message = errors.describe(resolution, **facts)
        if resolution.response_action in (ResponseAction.RETRY, ResponseAction.RATE_LIMITED):
            message += f" Gave up after {retries} retries; the next sync resumes from the last saved state."
        return AirbyteTracedException(
            message=message, internal_message=message, failure_type=resolution.failure_type
        )


def _retry_after_seconds(header: str | None, now: datetime) -> float | None:
    """Seconds to wait, or None when the header is absent or not a usable number or date (`nan`, `-1e999`,
    gibberish): the exponential backoff applies instead."""
    if not header:
        return None
    try:
        seconds = float(header)
    except ValueError:
        try:
            moment = parsedate_to_datetime(header)
            # RFC 7231 §7.1.1.1: HTTP dates are GMT; the asctime form carries no zone at all.
            moment = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
            seconds = (moment - now).total_seconds()
        except (TypeError, ValueError, IndexError, OverflowError):
            return None
    return max(seconds, 0.0) if math.isfinite(seconds) else None


class _DeadlineExceeded(Exception):
    """The total deadline of one request passed while its answer was still arriving."""


class _TooLarge(Exception):
    """An answer grew past MAX_BODY_BYTES."""
