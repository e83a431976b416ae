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
from airbyte_cdk.models import FailureType
from airbyte_cdk.sources.streams.http.error_handlers.response_models import ErrorResolution, ResponseAction
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from connector_shared.retry_after import retry_after_seconds
from connector_shared.sessions import NoRedirectSession, redirect_target_host
from source_crisp import body_text, errors
from source_crisp.config import CrispConfig
from source_crisp.pacing import Pacing
from source_crisp.request_counts import note_request, stream_being_read
from source_crisp.waits import Waits

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
    # A try that ran out its total deadline is retried at most this often: a server that trickled once will
    # likely trickle again, and five more tries would hold one request for ten minutes.
    deadline_retries: int = 1
    # No failure retry (server or network error) starts this long after the request's first try.
    retry_window_seconds: float = 300.0


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


class AnswerBoundReached(AirbyteTracedException):
    """check or discover ran out of waits.ANSWER_BOUND_SECONDS: the answer is this error, now."""


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
        answer_within: float | None = None,
        waits: Waits | None = None,
    ) -> None:
        """`answer_within`: seconds from now past which no try, retry or pause of any request starts or lasts
        (check and discover: waits.ANSWER_BOUND_SECONDS); None for a read, bounded per request only."""
        self._base = config.api_url.rstrip("/") + "/"
        self._answer_within = answer_within
        self._answer_by = None if answer_within is None else time.monotonic() + answer_within
        self._waits = waits or Waits(logger=logger)
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
        self._waits.close()

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
            session = self._local.session = self._configured(NoRedirectSession())
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
        failures = limits = deadline_failures = 0
        slept_until: float | None = None  # the end of this thread's own rate-limit pause, once it paused
        route = "/" + path.split("?")[0]
        first_try = time.monotonic()
        while True:
            if self._answer_by is not None and time.monotonic() >= self._answer_by:
                raise self._out_of_time(f"GET {route}", "the earlier requests used it up.")
            self.pacing.wait_for_resume(lambda seconds: self._held(route, seconds), slept_until)
            with self._waits.waiting(f"GET {route} (try {failures + limits + 1}) has not answered yet"):
                resolution, reply, facts = self._attempt(path, params, child, optional)
            costly = facts.pop("costly", False)  # a try that ran out its deadline or size limit
            deadline_failures += costly
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
                if not self._fits_bound(pause):
                    raise self._out_of_time(
                        f"a rate-limit pause of {pause:.0f} s", self._said(resolution, facts)
                    )
                limits += 1
                slept_until, added = self.pacing.rate_limited(pause)
                with self._lock:
                    note = self.watermark.record(pause, facts["status"], self._now(), added)
                if self.pacing.ceiling > 1:
                    note += f" Per-item requests in flight: at most {self.pacing.limit} for now."
                self._logger.warning(note)
                with self._waits.waiting(f"GET {route} is paused {pause:.0f} s after a Crisp rate limit"):
                    self._backoff.sleep(pause)
                continue
            if action == ResponseAction.RETRY and self._may_retry(failures, deadline_failures, first_try):
                pause = self._backoff.delay(failures)
                if not self._fits_bound(pause):
                    raise self._out_of_time(f"a retry of {route}", self._said(resolution, facts))
                failures += 1
                self._logger.info(
                    f"{errors.describe(resolution, **facts)} Retry {failures} in {pause:.1f} s."
                )
                with self._waits.waiting(f"GET {route} waits {pause:.0f} s before retry {failures}"):
                    self._backoff.sleep(pause)
                continue
            if self._answer_by is not None and time.monotonic() >= self._answer_by:
                raise self._out_of_time(f"a retry of {route}", self._said(resolution, facts))
            raise self._give_up(resolution, facts, limits + failures)

    def _may_retry(self, failures: int, deadline_failures: int, first_try: float) -> bool:
        """A failed try is retried up to `max_retries` times, but a try that ran out its total deadline (or
        was cut at MAX_BODY_BYTES) only `deadline_retries` times, and none starts once `retry_window_seconds`
        passed since the first try: retries add a bounded time, they do not multiply the deadline."""
        timeouts = self._timeouts
        return (
            failures < self._backoff.max_retries
            and deadline_failures <= timeouts.deadline_retries
            and time.monotonic() - first_try < timeouts.retry_window_seconds
        )

    def _fits_bound(self, pause: float) -> bool:
        """Whether a pause of `pause` s, and a try after it, can start before the answer bound."""
        return self._answer_by is None or time.monotonic() + pause < self._answer_by

    def _held(self, route: str, seconds: float) -> None:
        """Sleep through the rate-limit pause another request started (cut at the answer bound)."""
        if self._answer_by is not None:
            seconds = min(seconds, max(self._answer_by - time.monotonic(), 0.0))
        with self._waits.waiting(f"GET {route} is held by a rate-limit pause another request started"):
            self._backoff.sleep(seconds)

    @staticmethod
    def _said(resolution: ErrorResolution, facts: dict[str, Any]) -> str:
        return f"the last try met: {errors.describe(resolution, **facts)}"

    def _out_of_time(self, next_step: str, why: str) -> AnswerBoundReached:
        """check and discover ran out of their answer bound: say so, and what the last try met."""
        message = (
            f"Crisp gave no usable answer within {self._answer_within:g} s, the time check and discover are "
            f"given (waits.ANSWER_BOUND_SECONDS), so {next_step} was not started; {why} Check 'api_url' and "
            "the network path to Crisp, or retry when Crisp answers faster."
        )
        return AnswerBoundReached(
            message=message, internal_message=message, failure_type=FailureType.transient_error
        )

    def back_off(self, attempt: int, why: str) -> None:
        """Wait the backoff of retry `attempt` (0 = first) before a caller re-asks a request itself (a child
        route's 404 while its parent exists: parents.py), saying why in the log."""
        pause = self._backoff.delay(attempt)
        self._logger.info(f"{why}; waiting {pause:.1f} s.")
        with self._waits.waiting(f"{why} (a {pause:.0f} s wait)"):
            self._backoff.sleep(pause)

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
        except _DeadlineExceeded as exceeded:
            detail = f"no complete answer within the {exceeded.seconds:g} s deadline"
            return errors.TRANSPORT_ERROR, None, facts | {"detail": detail, "costly": True}
        except _TooLarge:  # like a deadline: the same answer would come again, so it is retried once only
            detail = f"an answer larger than {MAX_BODY_BYTES / 2**20:g} MB"
            return errors.TRANSPORT_ERROR, None, facts | {"detail": detail, "costly": True}
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
        if 300 <= status < 400:  # not followed (NoRedirectSession): the message names where it pointed
            facts["detail"] = redirect_target_host(headers.get("Location"))
        flagged = isinstance(body, dict) and body.get("error") is True
        if status in (200, 206) and not flagged:
            if not isinstance(body, dict) or "data" not in body:
                return errors.TRANSPORT_ERROR, None, facts | {"detail": "malformed JSON body"}
            if parsed is not None:
                self._note_text(parsed, facts["route"])
            return ErrorResolution(ResponseAction.SUCCESS), Reply(status, body["data"]), facts
        # An HTTP-date is on Crisp's clock: measured against it (its Date header), not against ours.
        retry_after = retry_after_seconds(headers.get("Retry-After"), self.server_now())
        if retry_after is not None:
            facts["retry_after"] = retry_after
        if flagged and 200 <= status < 300:
            # Crisp's envelope flag wins over the status: an error dressed as a 200 is not an empty page.
            return errors.resolve_flagged(facts.get("reason"), child=child, optional=optional), None, facts
        resolution = errors.resolve(status, facts.get("reason"), child=child, optional=optional)
        return resolution, None, facts

    def _fetch(
        self, url: str, params: Mapping[str, Any] | None
    ) -> tuple[int, Mapping[str, str], bytes | bytearray]:
        """Status, headers and body of one GET, within the total deadline (cut to the answer bound). A
        timeout that the deadline itself caused is reported as the deadline (retried at most
        `deadline_retries` times), not as a network error."""
        limits = self._timeouts
        started = time.monotonic()
        deadline = started + limits.total_seconds
        if self._answer_by is not None:
            deadline = min(deadline, self._answer_by)
        allowed = max(deadline - started, 0.001)
        try:
            return self._fetch_by(url, params, deadline, allowed)
        except (requests.RequestException, urllib3.exceptions.HTTPError, OSError) as error:
            if time.monotonic() >= deadline - 0.05:
                raise _DeadlineExceeded(round(allowed, 1)) from error
            raise

    def _fetch_by(
        self, url: str, params: Mapping[str, Any] | None, deadline: float, allowed: float
    ) -> tuple[int, Mapping[str, str], bytearray]:
        read_timeout = min(self._timeouts.read_seconds, allowed)
        connect_timeout = min(self._timeouts.connect_seconds, allowed)
        response = self._session().get(
            url, params=params, timeout=(connect_timeout, read_timeout), stream=True
        )
        body = bytearray()  # one buffer, not chunks joined at the end: a large page is held once, not twice
        try:
            while True:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise _DeadlineExceeded(round(allowed, 1))
                if left < read_timeout:  # near the deadline: no single read may outlast it
                    _cut_read_timeout(response, left)
                chunk = response.raw.read1(_CHUNK_BYTES, decode_content=True)
                if not chunk:
                    break
                if len(body) + len(chunk) > MAX_BODY_BYTES:
                    raise _TooLarge
                body += chunk
        except BaseException:
            response.close()  # a half-read connection cannot be reused
            raise
        response.raw.release_conn()
        return response.status_code, response.headers, body

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
        reason, status = facts.get("reason"), facts.get("status")
        if reason in errors.ROUTE_DENIAL_REASONS or status in errors.ROUTE_DENIAL_STATUSES:  # one route only
            return errors.AccessDenied(message, facts["route"], str(reason), int(status or 0))
        return AirbyteTracedException(
            message=message, internal_message=message, failure_type=resolution.failure_type
        )


def _cut_read_timeout(response: requests.Response, seconds: float) -> None:
    """Shorten the socket timeout of a response being read (urllib3 exposes no public way); without the
    socket, the deadline is still checked between reads, a read timeout later at worst."""
    sock = getattr(getattr(response.raw, "_connection", None), "sock", None)
    if sock is not None:
        sock.settimeout(max(seconds, 0.001))


class _DeadlineExceeded(Exception):
    """The total deadline of one request passed while its answer was still arriving."""

    def __init__(self, seconds: float) -> None:
        super().__init__(seconds)
        self.seconds = seconds


class _TooLarge(Exception):
    """An answer grew past MAX_BODY_BYTES."""
