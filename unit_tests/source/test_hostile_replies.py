"""Replies a hostile or broken server may send: errors dressed as success, trickled bodies, absurd headers,
bodies nested too deep to parse. Each must end in a clear, bounded error, never in an empty page or a hang."""

from __future__ import annotations

import logging
import socket
import time

import pytest
from airbyte_cdk.models import FailureType
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from source_crisp.client import Backoff, CrispClient, Timeouts
from source_crisp.config import CrispConfig
from source_crisp.source import SourceCrisp
from testing.hostile_server import hostile_server
from testing.source_builders import SECRET_KEY, client, config, envelope, url

LIST = url("conversations/1")
LIST_PATH = LIST.split("/v1/")[1]
WEBSITE = url("")[:-1]


@pytest.mark.parametrize("data", [{}, [], None])
def test_an_error_flag_on_a_200_is_not_an_empty_page(requests_mock, data):
    requests_mock.get(LIST, status_code=200, json=envelope(data, reason="internal_error", error=True))
    with pytest.raises(AirbyteTracedException, match="envelope says error \\(internal_error\\)"):
        client().get(LIST_PATH)
    assert requests_mock.call_count == 1 + Backoff().max_retries  # retried, bounded


def test_an_error_flag_with_a_known_reason_takes_that_reasons_row(requests_mock):
    requests_mock.get(LIST, status_code=206, json=envelope({}, reason="website_not_found", error=True))
    with pytest.raises(AirbyteTracedException, match="'website_id'") as error:
        client().get(LIST_PATH)
    assert error.value.failure_type == FailureType.config_error
    assert requests_mock.call_count == 1


def test_check_fails_on_an_error_dressed_as_success(requests_mock):
    source = SourceCrisp(backoff=Backoff.immediate())
    requests_mock.get(WEBSITE, status_code=200, json=envelope({}, reason="not_subscribed", error=True))
    ok, message = source.check_connection(logging.getLogger("test"), config())
    assert not ok
    assert "plugin is not installed" in message
    requests_mock.get(WEBSITE, status_code=200, json=envelope([], reason="boom", error=True))
    with pytest.raises(AirbyteTracedException, match="envelope says error"):
        source.check_connection(logging.getLogger("test"), config())


@pytest.mark.parametrize("header", ["nan", "NaN", "inf", "-inf", "-5", "1e999", "soon", "Mon, 99 Foo 2024"])
def test_an_unusable_retry_after_falls_back_to_backoff(requests_mock, header):
    requests_mock.get(
        LIST,
        [
            {
                "status_code": 429,
                "json": envelope({}, "rate_limited", True),
                "headers": {"Retry-After": header},
            },
            {"status_code": 206, "json": envelope([{"session_id": "s1"}])},
        ],
    )
    waits: list[float] = []
    reply = client(waits).get(LIST_PATH)
    assert reply is not None
    assert reply.data == [{"session_id": "s1"}]
    assert len(waits) == 1
    assert 0.0 <= waits[0] <= 600.0


def test_a_body_nested_too_deep_to_parse_is_a_clear_bounded_error(requests_mock):
    deep = '{"error":false,"reason":"listed","data":' + "[" * 100_000 + "]" * 100_000 + "}"
    requests_mock.get(LIST, status_code=206, text=deep)
    with pytest.raises(AirbyteTracedException, match="nested too deeply") as error:
        client().get(LIST_PATH)
    assert error.value.failure_type == FailureType.transient_error


def _trickle(connection: socket.socket) -> None:
    """Headers at once, then one byte of a long body every 50 ms: each read succeeds, none finishes."""
    connection.sendall(
        b"HTTP/1.1 206 Partial Content\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n"
    )
    for _ in range(400):
        connection.sendall(b" ")
        time.sleep(0.05)


def test_a_trickling_server_meets_the_total_deadline_and_check_says_so():
    with hostile_server(_trickle) as base:
        source = SourceCrisp(
            backoff=Backoff.immediate(),
            timeouts=Timeouts(connect_seconds=2, read_seconds=2, total_seconds=0.3),
        )
        started = time.monotonic()
        with pytest.raises(AirbyteTracedException) as error:
            source.check_connection(logging.getLogger("test"), config(api_url=base))
        elapsed = time.monotonic() - started
    assert "no complete answer within the 0.3 s deadline" in error.value.message
    # A try that ran out its deadline is retried once (Timeouts.deadline_retries), not five times.
    assert f"Gave up after {Timeouts().deadline_retries} retries" in error.value.message
    assert elapsed < 2 * 0.3 + 3  # two bounded attempts, not 400 x 50 ms each
    assert SECRET_KEY not in error.value.message


def test_the_server_clock_comes_from_the_date_header(requests_mock):
    requests_mock.get(
        LIST, status_code=206, json=envelope([]), headers={"Date": "Wed, 01 May 2024 00:00:00 GMT"}
    )
    crisp = CrispClient(CrispConfig.from_mapping(config()), backoff=Backoff.immediate())
    crisp.get(LIST_PATH)
    assert abs(crisp.server_now().timestamp() - 1714521600) < 5


def test_an_endless_fast_body_is_cut_at_the_size_limit(monkeypatch):
    monkeypatch.setattr("source_crisp.client.MAX_BODY_BYTES", 256 * 1024)

    def flood(connection: socket.socket) -> None:
        connection.sendall(b"HTTP/1.1 206 Partial Content\r\nContent-Type: application/json\r\n\r\n")
        for _ in range(10_000):
            connection.sendall(b" " * 65536)

    with hostile_server(flood) as base:
        crisp = CrispClient(CrispConfig.from_mapping(config(api_url=base)), backoff=Backoff(max_retries=0))
        with pytest.raises(AirbyteTracedException, match=r"an answer larger than 0\.25 MB"):
            crisp.get("website/x")
