"""Transport: 429 pauses honour Retry-After and say when they resume; 5xx and dropped connections are retried,
bounded; errors say what to do; a lost answer to a create is looked up before anything is sent twice."""

from __future__ import annotations

import logging

import pytest
import requests
import requests_mock as rm

from destination_convot.client import ConvotClient, Pacing, retry_after_seconds
from destination_convot.errors import ConvotAuthError, ConvotRejected, ConvotUnavailable

BASE = "http://127.0.0.1:9/v1"
TOKEN = "ck_app:s3cr3t"


class FakeTime:
    """Clock and sleep in one: sleeping advances the clock, so pauses are measured without waiting."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def client_with(fake: FakeTime, **pacing: object) -> ConvotClient:
    client = ConvotClient(BASE, TOKEN, pacing=Pacing(sleep=fake.sleep, jitter=lambda: 1.0, **pacing))
    client.watermark.clock = lambda: fake.now
    return client


def error(code: str, message: str, details: list[str] | None = None) -> dict:
    return {"error": {"code": code, "message": message, **({"details": details} if details else {})}}


def test_429_pauses_for_retry_after_logs_resume_and_continues(
    requests_mock: rm.Mocker, caplog: pytest.LogCaptureFixture
) -> None:
    fake = FakeTime()
    requests_mock.get(
        f"{BASE}/contacts",
        [
            {
                "status_code": 429,
                "headers": {"Retry-After": "2.5"},
                "json": error("rate_limited", "slow down"),
            },
            {"status_code": 200, "json": {"contacts": [], "meta": {"has_more": False}}},
        ],
    )
    client = client_with(fake)
    with caplog.at_level(logging.INFO, logger="airbyte"):
        assert client.get("/contacts") == {"contacts": [], "meta": {"has_more": False}}
    assert fake.sleeps == [2.5]
    assert client.watermark.hits == 1
    assert client.watermark.paused_seconds == pytest.approx(2.5)
    assert "pausing all requests for 2.50s, resuming at" in caplog.text
    assert "rate limit pause over: resumed at" in caplog.text
    assert requests_mock.request_history[0].headers["Authorization"] == f"Bearer {TOKEN}"


def test_429_without_retry_after_backs_off_exponentially() -> None:
    fake = FakeTime()
    with rm.Mocker() as mocker:
        mocker.get(f"{BASE}/contacts", [{"status_code": 429}] * 3 + [{"status_code": 200, "json": {}}])
        client_with(fake).get("/contacts")
    assert fake.sleeps == [1.0, 2.0, 4.0]


def test_endless_rate_limiting_ends_in_a_clear_failure() -> None:
    fake = FakeTime()
    with rm.Mocker() as mocker:
        mocker.get(f"{BASE}/contacts", status_code=429, headers={"Retry-After": "1"})
        with pytest.raises(ConvotUnavailable, match="still rate limited"):
            client_with(fake, max_rate_limit_waits=3).get("/contacts")


def test_5xx_is_retried_with_growing_jittered_delays_then_succeeds(requests_mock: rm.Mocker) -> None:
    fake = FakeTime()
    requests_mock.get(
        f"{BASE}/contacts", [{"status_code": 503}, {"status_code": 502}, {"status_code": 200, "json": {}}]
    )
    assert client_with(fake).get("/contacts") == {}
    assert fake.sleeps == [1.0, 2.0]


def test_5xx_after_every_retry_fails_saying_what_to_do(requests_mock: rm.Mocker) -> None:
    requests_mock.post(f"{BASE}/contacts", status_code=500)
    with pytest.raises(ConvotUnavailable) as raised:
        client_with(FakeTime(), max_retries=2).request("POST", "/contacts", json={})
    assert "POST /contacts (HTTP 500) after 3 attempts" in str(raised.value)
    assert "re-run the sync" in str(raised.value)
    assert requests_mock.call_count == 3


def test_a_dropped_connection_on_a_create_is_looked_up_before_sending_again(requests_mock: rm.Mocker) -> None:
    requests_mock.post(f"{BASE}/conversations", exc=requests.ConnectionError("reset by peer"))
    lookups: list[str] = []

    def already_applied() -> dict:
        lookups.append("looked up")
        return {"conversation": {"id": "uuid-1"}}

    body = client_with(FakeTime()).request(
        "POST", "/conversations", json={"x": 1}, already_applied=already_applied
    )
    assert body == {"conversation": {"id": "uuid-1"}}
    assert lookups == ["looked up"]
    assert requests_mock.call_count == 1


def test_a_dropped_connection_on_a_create_that_did_not_happen_is_sent_again(requests_mock: rm.Mocker) -> None:
    requests_mock.post(
        f"{BASE}/conversations",
        [
            {"exc": requests.ConnectionError("reset")},
            {"status_code": 201, "json": {"conversation": {"id": "u"}}},
        ],
    )
    body = client_with(FakeTime()).request("POST", "/conversations", json={}, already_applied=lambda: None)
    assert body == {"conversation": {"id": "u"}}
    assert requests_mock.call_count == 2


def test_auth_errors_become_config_errors_with_advice_and_no_token(requests_mock: rm.Mocker) -> None:
    requests_mock.get(
        f"{BASE}/contacts",
        status_code=403,
        json=error("forbidden", "This API key lacks the contacts:read scope"),
    )
    with pytest.raises(ConvotAuthError) as raised:
        client_with(FakeTime()).get("/contacts")
    traced = raised.value.as_config_error()
    assert "contacts:read" in traced.message
    assert "create a new key" in traced.message
    assert "s3cr3t" not in traced.message


def test_validation_errors_carry_convot_details(requests_mock: rm.Mocker) -> None:
    requests_mock.post(
        f"{BASE}/helpdesk/articles",
        status_code=422,
        json=error("unprocessable_entity", "Validation failed", ["Title can't be blank"]),
    )
    with pytest.raises(ConvotRejected) as raised:
        client_with(FakeTime()).request("POST", "/helpdesk/articles", json={})
    assert raised.value.status == 422
    assert raised.value.reason == "Validation failed; Title can't be blank"


@pytest.mark.parametrize(("header", "seconds"), [("3", 3.0), ("0.25", 0.25), (None, None), ("soon", None)])
def test_retry_after_parsing(header: str | None, seconds: float | None) -> None:
    assert retry_after_seconds(header) == seconds


def test_retry_after_as_http_date_in_the_past_means_now() -> None:
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0


@pytest.mark.parametrize("header", ["nan", "inf", "-1e999"])
def test_a_retry_after_naming_no_usable_wait_leaves_the_backoff_to_decide(header: str) -> None:
    # Before, nan and -1e999 meant "retry at once" and inf a wait capped only later.
    assert retry_after_seconds(header) is None


def test_a_retry_after_in_asctime_form_is_read_as_gmt() -> None:
    # RFC 7231's third date form carries no zone: it crashed the 429 handling with a TypeError before.
    assert retry_after_seconds("Sun Nov  6 08:49:37 1994") == 0.0


def test_a_very_long_retry_after_is_capped_so_the_sync_keeps_talking(requests_mock: rm.Mocker) -> None:
    fake = FakeTime()
    requests_mock.get(
        f"{BASE}/contacts",
        [{"status_code": 429, "headers": {"Retry-After": "86400"}}, {"status_code": 200, "json": {}}],
    )
    client_with(fake).get("/contacts")
    assert fake.sleeps == [600.0]
