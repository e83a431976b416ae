"""Every row of the error policy, retries, Retry-After, the rate-limit watermark and the request budget."""

from __future__ import annotations

import logging

import pytest
import requests
from airbyte_cdk.models import FailureType
from airbyte_cdk.sources.streams.http.error_handlers.response_models import ResponseAction
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from source_crisp.client import Backoff, RequestBudget
from source_crisp.errors import CHILD_POLICY, ERROR_POLICY, OPTIONAL_FEATURE_POLICY, resolve
from testing.source_builders import SECRET_KEY, client, envelope, url

LIST = url("conversations/1")


def error_body(reason: str) -> dict:
    return envelope({}, reason=reason, error=True)


@pytest.mark.parametrize(
    ("status", "reason", "advice"),
    [
        (401, "unauthorized", "check 'identifier' and 'key'"),
        (403, "not_allowed", "lacks a scope"),
        (403, "restricted_route_tier", "set 'tier'"),
        (403, "website_member_role_not_allowed", "permissions"),
        (404, "website_not_found", "'website_id'"),
        (404, "not_subscribed", "plugin is not installed"),
        (402, "subscription_upgrade_required", "upgrade the plan"),
        (423, "password_unverified", "sign in to Crisp"),
    ],
)
def test_config_errors_say_what_to_fix_and_never_show_the_key(requests_mock, caplog, status, reason, advice):
    requests_mock.get(LIST, status_code=status, json=error_body(reason))
    with pytest.raises(AirbyteTracedException) as error:
        client().get(f"website/{url('')[-37:-1]}/conversations/1")
    assert error.value.failure_type == FailureType.config_error
    assert advice in error.value.message
    assert requests_mock.call_count == 1  # not retried
    assert SECRET_KEY not in error.value.message + caplog.text


def test_bad_request_is_a_system_error_with_crisp_detail(requests_mock):
    requests_mock.get(
        LIST, status_code=400, json=envelope({"message": "per_page invalid"}, "invalid_data", True)
    )
    with pytest.raises(AirbyteTracedException, match="per_page invalid") as error:
        client().get(LIST.split("/v1/")[1])
    assert error.value.failure_type == FailureType.system_error


@pytest.mark.parametrize(
    ("status", "reason"), [(429, "rate_limited"), (420, "rate_limited"), (423, "quota_limit_exceeded")]
)
def test_rate_limits_back_off_and_continue_with_a_watermark(requests_mock, caplog, status, reason):
    requests_mock.get(
        LIST,
        [
            {"status_code": status, "json": error_body(reason)},
            {"status_code": status, "json": error_body(reason)},
            {"status_code": 206, "json": envelope([{"session_id": "s1"}])},
        ],
    )
    waits: list[float] = []
    crisp = client(waits)
    with caplog.at_level(logging.WARNING, logger="airbyte"):
        reply = crisp.get(LIST.split("/v1/")[1])
    assert reply is not None
    assert reply.data == [{"session_id": "s1"}]
    assert crisp.watermark.hits == 2
    assert waits == [0.0, 0.0]
    assert "limit #2 this sync" in caplog.text
    assert "resuming at" in caplog.text


def test_retry_after_is_honoured(requests_mock):
    requests_mock.get(
        LIST,
        [
            {"status_code": 429, "json": error_body("rate_limited"), "headers": {"Retry-After": "7"}},
            {"status_code": 206, "json": envelope([])},
        ],
    )
    waits: list[float] = []
    crisp = client(waits)
    crisp._backoff.max_retry_after_seconds = 600  # immediate() caps waits at 0; keep Retry-After visible
    crisp.get(LIST.split("/v1/")[1])
    assert waits == [7.0]
    assert crisp.watermark.paused_seconds == 7.0


def test_exponential_backoff_with_jitter_is_bounded():
    backoff = Backoff(base_seconds=1, cap_seconds=8, jitter=lambda: 1.0)
    assert [backoff.delay(attempt) for attempt in range(6)] == [1, 2, 4, 8, 8, 8]
    assert Backoff(base_seconds=1, jitter=lambda: 0.0).delay(2) == 2.0  # jitter spans [half, full]
    assert Backoff(max_retry_after_seconds=30).delay(0, retry_after=900) == 30


def test_rate_limits_give_up_after_the_bound_as_transient(requests_mock):
    requests_mock.get(LIST, status_code=429, json=error_body("rate_limited"))
    with pytest.raises(AirbyteTracedException, match="Gave up after 10 retries") as error:
        client().get(LIST.split("/v1/")[1])
    assert error.value.failure_type == FailureType.transient_error
    assert requests_mock.call_count == 11


@pytest.mark.parametrize(
    "failure",
    [
        {"status_code": 503, "json": error_body("server_error")},
        {"status_code": 500, "text": "oops"},
        {"status_code": 206, "text": '{"error":false,"reason":"listed","da'},  # malformed JSON
        {"exc": requests.ConnectionError("reset")},
        {"exc": requests.Timeout("slow")},
    ],
)
def test_server_and_transport_errors_are_retried(requests_mock, failure):
    requests_mock.get(LIST, [failure, failure, {"status_code": 206, "json": envelope([1])}])
    assert client().get(LIST.split("/v1/")[1]).data == [1]
    assert requests_mock.call_count == 3


def test_server_errors_give_up_after_five_retries(requests_mock):
    requests_mock.get(LIST, status_code=503, json=error_body("server_error"))
    with pytest.raises(AirbyteTracedException) as error:
        client().get(LIST.split("/v1/")[1])
    assert error.value.failure_type == FailureType.transient_error
    assert requests_mock.call_count == 6


def test_404_on_a_child_read_is_skipped_with_a_warning(requests_mock, caplog):
    messages = url("conversation/session_1/messages")
    requests_mock.get(messages, status_code=404, json=error_body("not_found"))
    with caplog.at_level(logging.WARNING, logger="airbyte"):
        assert client().get(messages.split("/v1/")[1], child=True) is None
    assert "no longer exists" in caplog.text
    assert "skipped" in caplog.text


def test_404_on_a_top_level_list_fails(requests_mock):
    requests_mock.get(LIST, status_code=404, json=error_body("not_found"))
    with pytest.raises(AirbyteTracedException):
        client().get(LIST.split("/v1/")[1])


def test_requests_carry_basic_auth_and_tier(requests_mock):
    requests_mock.get(LIST, status_code=206, json=envelope([]))
    client(tier="website").get(LIST.split("/v1/")[1])
    sent = requests_mock.last_request.headers
    assert sent["X-Crisp-Tier"] == "website"
    assert sent["Authorization"].startswith("Basic ")


def test_policy_keeps_the_cdk_defaults_and_adds_crisp_rows():
    assert (408, None) in ERROR_POLICY
    assert (420, None) in ERROR_POLICY
    assert (404, "not_subscribed") in ERROR_POLICY


def test_budget_spaces_requests_to_the_configured_rate():
    now = [0.0]
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        now[0] += seconds

    budget = RequestBudget(2, clock=lambda: now[0], sleep=sleep)
    for _ in range(3):
        budget.acquire()
        now[0] += 1.0
    assert waits == [58.0]


def policy_rows() -> list[tuple[int, str | None, dict[str, bool]]]:
    rows = [(status, reason, {}) for status, reason in ERROR_POLICY]
    rows += [(status, reason, {"child": True}) for status, reason in CHILD_POLICY]
    return rows + [(status, reason, {"optional": True}) for status, reason in OPTIONAL_FEATURE_POLICY]


@pytest.mark.parametrize(("status", "reason", "scope"), policy_rows())
def test_every_policy_row_is_what_the_client_does(requests_mock, status, reason, scope):
    resolution = resolve(status, reason, **scope)
    then_ok = {"status_code": 206, "json": envelope(["ok"])}
    requests_mock.get(LIST, [{"status_code": status, "json": error_body(reason or "any")}, then_ok])
    action = resolution.response_action
    if action in (ResponseAction.RETRY, ResponseAction.RATE_LIMITED):
        assert client().get(LIST.split("/v1/")[1], **scope).data == ["ok"]
    elif action == ResponseAction.IGNORE:
        assert client().get(LIST.split("/v1/")[1], **scope) is None
    else:
        assert action == ResponseAction.FAIL
        with pytest.raises(AirbyteTracedException) as error:
            client().get(LIST.split("/v1/")[1], **scope)
        assert error.value.failure_type == resolution.failure_type
        assert error.value.message


def test_a_child_read_of_an_uninstalled_plugin_still_fails_as_config(requests_mock):
    messages = url("conversation/session_1/messages")
    requests_mock.get(messages, status_code=404, json=error_body("not_subscribed"))
    with pytest.raises(AirbyteTracedException, match="plugin is not installed"):
        client().get(messages.split("/v1/")[1], child=True)
