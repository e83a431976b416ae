"""Convot sandbox: injected faults, the admin routes and the command line."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time

import pytest
import requests

from sandboxes.convot import ConvotFaults
from sandboxes.convot.ratelimit import TokenBucket
from sandboxes.convot.testing import ApiClient


def statuses(api: ApiClient, count: int) -> list[int]:
    return [api.get("/contacts").status_code for _ in range(count)]


def test_token_bucket_refills_at_its_rate():
    now = [100.0]
    bucket = TokenBucket(rate=2, burst=2, clock=lambda: now[0])
    assert [bucket.take(), bucket.take()] == [0.0, 0.0]
    assert bucket.take() == pytest.approx(0.5)
    now[0] += 0.5
    assert bucket.take() == 0.0
    now[0] += 10
    assert [bucket.take(), bucket.take()] == [0.0, 0.0]  # never more than the burst
    assert bucket.take() > 0


def test_rate_limit_answers_429_with_retry_after_per_app(convot_sandbox, convot_api):
    convot_sandbox.set_faults(ConvotFaults(rate_per_second=0.5, burst=2))
    assert statuses(convot_api, 2) == [200, 200]
    limited = convot_api.get("/contacts")
    assert limited.status_code == 429
    assert limited.json()["error"]["code"] == "rate_limited"
    assert 1.9 <= float(limited.headers["Retry-After"]) <= 2.0
    other = ApiClient(convot_sandbox.base_url, convot_sandbox.create_token(convot_sandbox.create_app()))
    assert other.get("/contacts").status_code == 200
    assert convot_sandbox.request_log()["statuses"] == {"200": 3, "429": 1}


def test_retry_after_can_be_whole_seconds(convot_sandbox, convot_api):
    convot_sandbox.set_faults(ConvotFaults(rate_per_second=4, burst=1, retry_after_integer=True))
    convot_api.get("/contacts")
    assert convot_api.get("/contacts").headers["Retry-After"] == "1"


def test_rate_limited_writes_are_not_applied(convot_sandbox, convot_api):
    convot_sandbox.set_faults(ConvotFaults(rate_per_second=0.1, burst=1))
    assert convot_api.post("/contacts", {"email": "a@example.com"}).status_code == 201
    assert convot_api.post("/contacts", {"email": "b@example.com"}).status_code == 429
    assert [c["email"] for c in convot_sandbox.dump()["contacts"]] == ["a@example.com"]


def test_error_ratio_answers_503_deterministically_for_a_seed(convot_sandbox, convot_api):
    convot_sandbox.set_faults(ConvotFaults(error_ratio=0.5, seed=7))
    first = statuses(convot_api, 40)
    convot_sandbox.set_faults(ConvotFaults(error_ratio=0.5, seed=7))
    assert statuses(convot_api, 40) == first
    assert set(first) == {200, 503}
    assert 10 <= first.count(503) <= 30
    convot_sandbox.set_faults(ConvotFaults(error_ratio=1))
    response = convot_api.get("/contacts")
    assert (response.status_code, response.json()["error"]["code"]) == (503, "service_unavailable")


def test_dropped_connections_close_without_a_response(convot_sandbox, convot_api):
    convot_sandbox.set_faults(ConvotFaults(drop_ratio=1))
    with pytest.raises(requests.ConnectionError):
        convot_api.post("/contacts", {"email": "a@example.com"})
    convot_sandbox.set_faults(ConvotFaults())
    assert convot_api.get("/contacts").status_code == 200
    assert convot_sandbox.request_log()["statuses"] == {"dropped": 1, "200": 1}
    assert convot_sandbox.dump()["contacts"] == []


def test_latency_is_added_to_every_api_request(convot_sandbox, convot_api):
    convot_sandbox.set_faults(ConvotFaults(latency_ms=60))
    started = time.perf_counter()
    statuses(convot_api, 2)
    assert time.perf_counter() - started >= 0.12


def test_fail_path_rule_fails_matching_requests_permanently(convot_sandbox, convot_api):
    convot_sandbox.set_faults(ConvotFaults(fail_path_regex=r"^POST /v1/conversations/[^/]+/messages$"))
    uuid = convot_api.create("/conversations", {"email": "a@example.com", "content": "Hi"})["id"]
    for _ in range(3):
        assert convot_api.post(f"/conversations/{uuid}/messages", {"content": "x"}).status_code == 500
    assert convot_api.get(f"/conversations/{uuid}/messages").status_code == 200
    convot_sandbox.set_faults(ConvotFaults(fail_path_regex="/helpdesk/", fail_status=422))
    rejected = convot_api.post("/helpdesk/articles", {"title": "x"})
    assert rejected.status_code == 422
    assert rejected.json()["error"]["details"]
    assert convot_sandbox.dump()["helpdesk_articles"] == []


def test_reject_content_rule_answers_422_with_details(convot_sandbox, convot_api):
    convot_sandbox.set_faults(ConvotFaults(reject_content_regex="poison"))
    uuid = convot_api.create("/conversations", {"email": "a@example.com", "content": "Hi"})["id"]
    rejected = convot_api.post(f"/conversations/{uuid}/messages", {"content": "a poison pill"})
    assert rejected.status_code == 422
    assert rejected.json()["error"]["details"] == ["Content is rejected by the sandbox rule poison"]
    assert convot_api.post("/helpdesk/articles", {"title": "poison"}).status_code == 422
    assert convot_api.post(f"/conversations/{uuid}/messages", {"content": "fine"}).status_code == 201
    assert [m["content"] for m in convot_sandbox.dump()["conversations"][0]["messages"]] == ["Hi", "fine"]


def test_unauthenticated_requests_get_401_before_any_rate_limit(convot_sandbox):
    convot_sandbox.set_faults(ConvotFaults(rate_per_second=0.1, burst=1))
    anonymous = ApiClient(convot_sandbox.base_url, None)
    assert [anonymous.get("/contacts").status_code for _ in range(3)] == [401, 401, 401]


@pytest.mark.parametrize(
    "options",
    [{"error_ratio": 2}, {"fail_status": 200}, {"fail_path_regex": "("}, {"rate_per_second": 0}],
)
def test_invalid_fault_options_name_the_field(options):
    with pytest.raises(ValueError, match=next(iter(options))):
        ConvotFaults(**options)


def test_admin_routes_dump_count_and_set_faults(convot_sandbox, convot_api):
    admin = ApiClient(convot_sandbox.admin_url, None)
    convot_api.create("/contacts", {"email": "a@example.com"})
    assert admin.get("/dump", app_id=1).json() == convot_sandbox.dump()
    assert admin.get("/requests").json()["requests"] == {"POST /v1/contacts": 1}
    assert admin.post("/faults", {"error_ratio": 1}).json()["faults"]["error_ratio"] == 1
    assert convot_api.get("/contacts").status_code == 503
    bad = admin.post("/faults", {"errors": 1})
    assert bad.status_code == 400
    assert "unknown fault option" in bad.json()["error"]["message"]
    user_id = admin.post("/users", {"app_id": 1, "email": "agent@example.com"}).json()["user_id"]
    assert {"id": user_id, "email": "agent@example.com", "name": None} in convot_sandbox.dump()["users"]


def test_command_line_prints_one_json_line_and_stops_on_sigterm(tmp_path):
    command = [sys.executable, "-m", "sandboxes.convot", "--port", "0", "--db",
               str(tmp_path / "cli.sqlite3"), "--error-ratio", "1"]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    try:
        started = json.loads(process.stdout.readline())
        api = ApiClient(started["base_url"], started["token"])
        assert api.get("/contacts").status_code == 503
        requests.post(f"{started['admin_url']}/faults", json={}, timeout=5)
        assert api.get("/contacts").status_code == 200
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
    assert started["base_url"].startswith("http://127.0.0.1:")


def test_lost_response_applies_the_write_but_leaves_it_unanswered(convot_sandbox, convot_api):
    convot_sandbox.set_faults(ConvotFaults(lost_response_ratio=1))
    assert convot_api.get("/contacts").status_code == 200  # reads are never lost
    with pytest.raises(requests.ConnectionError):
        convot_api.post(
            "/conversations", {"email": "a@example.com", "content": "Hi", "external_id": "crisp:s1"}
        )
    convot_sandbox.set_faults(ConvotFaults())
    listed = convot_api.get("/conversations", external_id="crisp:s1").json()["conversations"]
    assert len(listed) == 1
    assert convot_sandbox.request_log()["statuses"] == {"200": 2, "dropped": 1}


def test_admin_routes_create_apps_tokens_and_revoke_them(convot_sandbox):
    admin = ApiClient(convot_sandbox.admin_url, None)
    app_id = admin.post("/apps").json()["app_id"]
    token = admin.post("/tokens", {"app_id": app_id, "scopes": ["contacts:read"]}).json()["token"]
    scoped = ApiClient(convot_sandbox.base_url, token)
    assert scoped.get("/contacts").status_code == 200
    assert scoped.get("/conversations").status_code == 403
    assert admin.post("/tokens", {"scopes": ["contacts:admin"]}).status_code == 400
    admin.post("/tokens/revoke", {"token": token})
    assert scoped.get("/contacts").status_code == 401


def test_a_body_above_max_body_bytes_answers_413_and_is_not_applied(convot_sandbox, convot_api):
    convot_sandbox.set_faults(ConvotFaults(max_body_bytes=200))
    refused = convot_api.post("/contacts", {"external_id": "crisp:big", "name": "x" * 300})
    assert refused.status_code == 413
    assert refused.json()["error"]["code"] == "payload_too_large"
    assert convot_api.post("/contacts", {"external_id": "crisp:small", "name": "Jo"}).status_code in (
        200,
        201,
    )
    assert [c["external_id"] for c in convot_sandbox.dump()["contacts"]] == ["crisp:small"]


@pytest.mark.parametrize("unique", [False, True])
def test_a_second_create_with_the_same_external_id_answers_409_only_with_the_switch(
    convot_sandbox, convot_api, unique
):
    convot_sandbox.set_faults(ConvotFaults(conflict_on_known_external_id=unique))
    body = {"email": "jane@example.com", "content": "Hi", "external_id": "crisp:s-1"}
    assert convot_api.post("/conversations", body).status_code in (200, 201)
    second = convot_api.post("/conversations", body)
    assert second.status_code == (409 if unique else 201)
    if unique:
        assert second.json()["error"]["code"] == "conflict"
    assert len(convot_sandbox.dump()["conversations"]) == (1 if unique else 2)
