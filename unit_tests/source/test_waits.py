"""Every wait is bounded and visible while it lasts (source_crisp/waits.py, client.py).

Against a server that sends headers and then one byte every so often, `check` used to give no answer and
log nothing for minutes: each try had a 120 s deadline and a passed deadline was retried five times. The
tests run the real code with the bounds shrunk (injected), and check the real constants' relationship."""

from __future__ import annotations

import logging
import socket
import threading
import time

import pytest
from airbyte_cdk.models import Status
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from source_crisp.client import AnswerBoundReached, Backoff, CrispClient, Timeouts
from source_crisp.config import CrispConfig
from source_crisp.source import SourceCrisp
from source_crisp.waits import ANSWER_BOUND_SECONDS, HEARTBEAT_SECONDS, Waits
from testing.hostile_server import hostile_server
from testing.source_builders import SECRET_KEY, config, envelope, url

SHORT = Timeouts(connect_seconds=2, read_seconds=2, total_seconds=0.6)


class _Trickle:
    """Headers at once, then one byte of a long body every 0.1 s for ever; counts the tries."""

    def __init__(self) -> None:
        self.tries = 0
        self._lock = threading.Lock()

    def __call__(self, connection: socket.socket) -> None:
        with self._lock:
            self.tries += 1
        connection.sendall(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n"
        )
        for _ in range(600):
            connection.sendall(b" ")
            time.sleep(0.1)


def _heard(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [record.getMessage() for record in caplog.records]


def test_check_against_a_trickling_server_answers_within_the_bound_and_logs_while_it_waits(caplog):
    trickle = _Trickle()
    logger = logging.getLogger("test.waits")
    with hostile_server(trickle) as base, caplog.at_level(logging.INFO):
        source = SourceCrisp(
            backoff=Backoff.immediate(),
            timeouts=Timeouts(connect_seconds=2, read_seconds=2, total_seconds=10),
            answer_bound=1.5,
            heartbeat_seconds=0.4,
        )
        started = time.monotonic()
        status = source.check(logger, config(api_url=base))
        elapsed = time.monotonic() - started
    assert status.status == Status.FAILED
    assert "within 1.5 s" in status.message
    assert "api_url" in status.message
    assert SECRET_KEY not in status.message
    assert elapsed < 1.5 + 0.6, "the answer bound holds, a trickle byte or so past it at most"
    still = [line for line in _heard(caplog) if line.startswith("Still waiting on Crisp")]
    assert still, "the wait was visible while it lasted"
    assert "/website/" in still[0]


def test_discover_against_a_trickling_server_ends_within_the_bound_with_a_clear_error():
    with hostile_server(_Trickle()) as base:
        source = SourceCrisp(backoff=Backoff.immediate(), timeouts=SHORT, answer_bound=1.2)
        started = time.monotonic()
        with pytest.raises(AnswerBoundReached, match=r"within 1\.2 s"):
            source.discover(logging.getLogger("test.waits"), config(api_url=base))
    assert time.monotonic() - started < 1.2 + 0.6


def test_a_try_that_ran_out_its_deadline_is_retried_once_not_five_times():
    trickle = _Trickle()
    with hostile_server(trickle) as base:
        crisp = CrispClient(
            CrispConfig.from_mapping(config(api_url=base)), backoff=Backoff.immediate(), timeouts=SHORT
        )
        started = time.monotonic()
        with pytest.raises(AirbyteTracedException, match=r"no complete answer within the 0\.6 s deadline"):
            crisp.get("website/x")
        elapsed = time.monotonic() - started
        crisp.close()
    assert trickle.tries == 1 + SHORT.deadline_retries == 2
    assert elapsed < 2 * 0.6 + 0.5


def test_a_rate_limit_pause_is_logged_while_it_lasts(requests_mock, caplog):
    requests_mock.get(
        url("conversations/1"),
        [
            {"status_code": 429, "json": envelope({}, "rate_limited", True), "headers": {"Retry-After": "1"}},
            {"status_code": 206, "json": envelope([{"session_id": "s1"}])},
        ],
    )
    logger = logging.getLogger("test.waits")
    crisp = CrispClient(CrispConfig.from_mapping(config()), logger=logger, waits=Waits(0.25, logger=logger))
    with caplog.at_level(logging.INFO):
        reply = crisp.get("website/" + url("conversations/1").split("/website/")[1])
    crisp.close()
    assert reply is not None
    assert reply.data == [{"session_id": "s1"}]
    assert [line for line in _heard(caplog) if "Still waiting" in line and "rate limit" in line]


def test_the_real_bounds_hold_together():
    timeouts, backoff = Timeouts(), Backoff()
    # check and discover answer within a minute or two, stated in one constant.
    assert 60 <= ANSWER_BOUND_SECONDS <= 120
    # A wait is logged several times before the answer bound, and within any single read timeout, so even a
    # server that says nothing for a whole read is seen waiting.
    assert HEARTBEAT_SECONDS * 3 <= ANSWER_BOUND_SECONDS
    assert timeouts.read_seconds > HEARTBEAT_SECONDS
    # One request of a read against a trickling server: at most (deadline_retries + 1) tries of the total
    # deadline and their backoffs: four minutes, where five retries of it took twelve.
    trickled = (timeouts.deadline_retries + 1) * timeouts.total_seconds + backoff.cap_seconds
    assert trickled <= 5 * 60
    # Failure retries start only within the retry window: a request ends by it plus one try.
    assert timeouts.retry_window_seconds + timeouts.total_seconds <= 10 * 60
