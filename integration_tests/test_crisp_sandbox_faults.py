"""Each fault, switched on per instance, from the constructor, `set_faults` and the admin route."""

from __future__ import annotations

import json
import time

import pytest
import requests

from sandboxes.crisp import CrispSandbox, Faults
from sandboxes.crisp.faults import FaultInjector
from sandboxes.crisp.testing import SandboxClient

RATE_LIMITED = {"error": True, "reason": "rate_limited", "data": {}}


def statuses(client: SandboxClient, n: int, path: str = "") -> list[int]:
    return [client.get(path).status_code for _ in range(n)]


def test_rate_limit_answers_429_after_n_requests_in_the_window():
    with CrispSandbox(size="tiny", port=0, faults=Faults(rate_limit=3)) as sandbox:
        client = SandboxClient(sandbox)
        assert statuses(client, 3) == [200, 200, 200]
        limited = client.get("conversations/1")
        assert (limited.status_code, limited.json()) == (429, RATE_LIMITED)
        assert "Retry-After" not in limited.headers
        assert sandbox.request_counts() == {"website": 3, "conversations": 1}


def test_rate_limit_can_answer_420_with_retry_after(crisp_sandbox):
    crisp_sandbox.set_faults(Faults(rate_limit=1, rate_status=420, retry_after_s=7))
    client = SandboxClient(crisp_sandbox)
    assert statuses(client, 3) == [200, 420, 420]
    limited = client.get("")
    assert (limited.json(), limited.headers["Retry-After"]) == (RATE_LIMITED, "7")
    crisp_sandbox.set_faults(None)
    assert statuses(client, 2) == [200, 200]


def test_rate_limit_window_reopens_after_its_duration():
    now = [100.0]
    injector = FaultInjector(Faults(rate_limit=2, rate_window_s=10), clock=lambda: now[0])
    assert [injector.decide().status for _ in range(3)] == [None, None, 429]
    now[0] += 10
    assert [injector.decide().status for _ in range(3)] == [None, None, 429]


def test_daily_quota_answers_423_once_spent(crisp_sandbox):
    crisp_sandbox.set_faults(Faults(daily_quota=2))
    client = SandboxClient(crisp_sandbox)
    assert statuses(client, 4, "operators/list") == [200, 200, 423, 423]
    assert client.get("").json() == {"error": True, "reason": "quota_limit_exceeded", "data": {}}


def test_error_ratio_answers_503_deterministically_per_fault_seed():
    runs = []
    for _ in range(2):
        with CrispSandbox(size="tiny", port=0, faults=Faults(error_ratio=0.5, seed=3)) as sandbox:
            runs.append(statuses(SandboxClient(sandbox), 30))
    assert runs[0] == runs[1]
    assert set(runs[0]) == {200, 503}
    with CrispSandbox(size="tiny", port=0, faults=Faults(error_ratio=1.0, error_status=502)) as sandbox:
        response = SandboxClient(sandbox).get("")
        assert (response.status_code, response.json()["error"]) == (502, True)


def test_dropped_connections_close_without_a_response(crisp_sandbox):
    crisp_sandbox.set_faults(Faults(drop_ratio=1.0))
    with pytest.raises(requests.ConnectionError):
        SandboxClient(crisp_sandbox).get("conversations/1")
    assert crisp_sandbox.request_counts() == {"conversations": 1}


def test_latency_is_added_to_each_request(crisp_sandbox):
    crisp_sandbox.set_faults(Faults(latency_ms=40))
    client = SandboxClient(crisp_sandbox)
    started = time.perf_counter()
    assert statuses(client, 2) == [200, 200]
    assert time.perf_counter() - started >= 0.08


def test_malformed_bodies_keep_their_success_status_but_do_not_parse(crisp_sandbox):
    crisp_sandbox.set_faults(Faults(malformed_ratio=1.0))
    response = SandboxClient(crisp_sandbox).get("conversations/1")
    assert response.status_code == 206
    assert len(response.content) == int(response.headers["Content-Length"])
    with pytest.raises(ValueError, match=r"Expecting|Unterminated|Extra|Invalid"):
        json.loads(response.content)


def test_drift_moves_touched_conversations_to_the_top_between_pages(crisp_sandbox):
    client = SandboxClient(crisp_sandbox)
    before = [c["session_id"] for c in client.all("conversations", per_page=20)]
    crisp_sandbox.set_faults(Faults(drift_per_page=2))
    first = [c["session_id"] for c in client.data("conversations/1")]
    jumped = [c["session_id"] for c in crisp_sandbox.workspace.conversations()[:2]]
    assert first == before[:20]
    assert set(jumped) <= set(before[20:])  # touched after page 1 was served, from further down
    second = [c["session_id"] for c in client.data("conversations/2")]
    # page 2 shifted by the two that jumped ahead: it repeats page 1's last two and one of them is never seen
    assert second[:2] == before[18:20]
    assert not set(jumped) & set(first + second)


def test_faults_are_switched_through_the_admin_route(crisp_sandbox):
    admin = crisp_sandbox.base_url.removesuffix("/v1") + "/_sandbox/faults"
    assert requests.post(admin, json={"rate_limit": 0}, timeout=5).status_code == 200
    assert SandboxClient(crisp_sandbox).get("").status_code == 429
    rejected = requests.post(admin, json={"rate_limt": 1}, timeout=5)
    assert (rejected.status_code, rejected.json()["reason"]) == (400, "invalid_data")
    assert "rate_limt" in rejected.json()["data"]["message"]
    assert requests.post(admin, json={}, timeout=5).status_code == 200
    assert SandboxClient(crisp_sandbox).get("").status_code == 200


def test_fault_config_errors_name_the_field():
    with pytest.raises(ValueError, match="error_ratio must be between 0 and 1"):
        Faults(error_ratio=2)
    with pytest.raises(ValueError, match="rate_status must be 420 or 429"):
        Faults(rate_status=500)
