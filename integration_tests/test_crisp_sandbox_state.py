"""Request accounting, determinism per seed, mutations (touch, delete), the admin routes, the CLI, sizes."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path
from types import GeneratorType

import pytest
import requests

from sandboxes.crisp import CrispSandbox
from sandboxes.crisp.dataset import Workspace
from sandboxes.crisp.testing import SandboxClient

REPO = Path(__file__).resolve().parents[1]
CLI = [sys.executable, "-m", "sandboxes.crisp"]
FLAGS = ["--rate-limit", "--rate-window", "--rate-status", "--retry-after", "--daily-quota", "--error-ratio",
         "--error-status", "--drop-ratio", "--latency-ms", "--malformed-ratio", "--drift", "--size", "--seed"]


def admin_url(sandbox: CrispSandbox, name: str) -> str:
    return sandbox.base_url.removesuffix("/v1") + f"/_sandbox/{name}"


def test_every_request_is_counted_per_route_faulted_or_not(crisp_sandbox):
    client = SandboxClient(crisp_sandbox)
    session = client.data("conversations/1")[0]["session_id"]
    client.get(f"conversation/{session}")
    client.get(f"conversation/{session}/messages")
    client.get("people/profiles/1")
    client.get("helpdesk/locale/en/articles/1")
    SandboxClient(crisp_sandbox, "plugin_not_installed").get("visitors/list/1")  # rejected, still counted
    client.get("/no/such/route")
    expected = {"conversations": 1, "conversation": 1, "conversation_messages": 1, "people_profiles": 1,
                "helpdesk_articles": 1, "visitors": 1, "unknown_route": 1}  # fmt: skip
    assert crisp_sandbox.request_counts() == expected
    assert crisp_sandbox.total_requests() == 7
    answer = requests.get(admin_url(crisp_sandbox, "requests"), timeout=5).json()["data"]
    # One request at a time, on separate connections: a handler thread may still be finishing the last one.
    assert answer.pop("peak_in_flight") in (1, 2)
    assert answer == {"counts": expected, "total": 7, "repeated": 0}
    assert crisp_sandbox.total_requests() == 7  # admin calls are not counted
    crisp_sandbox.reset_counts()
    assert crisp_sandbox.request_counts() == {}
    client.get("")
    requests.post(admin_url(crisp_sandbox, "reset"), timeout=5)
    assert crisp_sandbox.total_requests() == 0


def test_the_same_seed_gives_the_same_workspace_and_another_seed_does_not():
    def snapshot(seed: int) -> tuple:
        with CrispSandbox(size="tiny", seed=seed, port=0) as sandbox:
            client = SandboxClient(sandbox)
            page = client.data("conversations/2", per_page=50)
            return (sandbox.website_id, page, client.data(f"conversation/{page[0]['session_id']}/messages"),
                    client.data("people/profiles/1"), client.data("helpdesk/locale/fr/articles/1"),
                    client.data("operators/list"))  # fmt: skip

    first, again, other = snapshot(7), snapshot(7), snapshot(8)
    assert first == again
    assert all(a != b for a, b in zip(first, other, strict=True))


def test_touch_adds_messages_and_moves_conversations_to_the_top(crisp_sandbox):
    client = SandboxClient(crisp_sandbox)
    before = client.all("conversations", per_page=50)
    newest = max(c["updated_at"] for c in crisp_sandbox.workspace.conversations())
    old_threads = {c["session_id"]: client.sandbox.workspace.messages(c["session_id"]) for c in before}
    touched = crisp_sandbox.touch_conversations(3, new_messages=2)
    assert len(set(touched)) == 3
    positions = sorted(before.index(next(c for c in before if c["session_id"] == s)) for s in touched)
    assert positions[0] > 0  # never the newest
    assert positions[-1] - positions[0] >= len(before) // 3  # spread through the order
    after = client.all("conversations", per_page=50)
    assert {c["session_id"] for c in after[:3]} == set(touched)
    assert len(after) == len(before)
    for conversation in after[:3]:
        thread = client.sandbox.workspace.messages(conversation["session_id"])
        assert thread[:-2] == old_threads[conversation["session_id"]]
        assert all(m["timestamp"] > newest for m in thread[-2:])
        assert conversation["updated_at"] == thread[-1]["timestamp"]
        assert conversation["last_message"] == thread[-1]["content"]
        fresh = client.data(f"conversation/{conversation['session_id']}/messages", timestamp_after=newest)
        assert fresh == thread[-2:]


def test_touch_through_the_admin_route(crisp_sandbox):
    response = requests.post(admin_url(crisp_sandbox, "touch"), json={"count": 2}, timeout=5)
    touched = response.json()["data"]["session_ids"]
    assert len(touched) == 2
    top = [c["session_id"] for c in SandboxClient(crisp_sandbox).data("conversations/1")[:2]]
    assert set(top) == set(touched)


def test_deleted_conversations_leave_lists_and_ground_truth(crisp_sandbox):
    client = SandboxClient(crisp_sandbox)
    victim = client.data("conversations/1")[4]["session_id"]
    crisp_sandbox.delete_conversation(victim)
    assert victim not in {c["session_id"] for c in client.all("conversations", per_page=50, include_empty=1)}
    assert victim not in {c["session_id"] for c in crisp_sandbox.workspace.conversations()}
    with pytest.raises(KeyError, match="unknown or deleted"):
        crisp_sandbox.workspace.messages(victim)
    with pytest.raises(KeyError, match="already deleted"):
        crisp_sandbox.delete_conversation(victim)


def test_source_config_and_credentials(crisp_sandbox):
    config = crisp_sandbox.source_config(page_size=20)
    plugin = crisp_sandbox.credentials()
    assert config == {"website_id": crisp_sandbox.website_id, "identifier": plugin["identifier"],
                      "key": plugin["key"], "tier": "plugin", "api_url": crisp_sandbox.base_url,
                      "page_size": 20}  # fmt: skip
    assert crisp_sandbox.base_url == f"http://127.0.0.1:{crisp_sandbox.port}/v1"
    with pytest.raises(ValueError, match="tier must be one of"):
        crisp_sandbox.credentials("admin")


def test_sizes_are_validated_and_large_is_lazy():
    with pytest.raises(ValueError, match="size must be one of tiny, small, medium, large"):
        Workspace("huge")
    large = Workspace("large", seed=7)
    assert large.store.count >= 100_000
    assert large.total_messages() >= 1_000_000
    assert isinstance(large.conversations(), GeneratorType)
    assert isinstance(large.people_profiles(), GeneratorType)
    newest = next(iter(large.conversations()))
    assert len(large.messages(newest["session_id"])) == large.store.message_count(0)


def test_cli_prints_one_json_line_serves_and_stops_on_sigterm():
    process = subprocess.Popen(
        [*CLI, "--port", "0", "--size", "tiny", "--seed", "7", "--rate-limit", "2"],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        line = json.loads(process.stdout.readline())
        plugin = line["credentials"]
        assert plugin["tier"] == "plugin"
        url = f"{line['base_url']}/website/{line['website_id']}"
        auth = (plugin["identifier"], plugin["key"])
        codes = [requests.get(url, auth=auth, headers={"X-Crisp-Tier": "plugin"}, timeout=5).status_code
                 for _ in range(3)]  # fmt: skip
        assert codes == [200, 200, 429]
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0


def test_cli_help_lists_the_fault_flags():
    result = subprocess.run(
        [*CLI, "--help"],
        cwd=REPO, capture_output=True, text=True, check=True,
    )
    for flag in FLAGS:
        assert flag in result.stdout


def test_the_request_log_tells_a_repeated_path_and_query_from_a_new_one(crisp_sandbox):
    client = SandboxClient(crisp_sandbox)
    client.get("conversations/1", per_page=20, include_empty=1)
    client.get("conversations/1", include_empty=1, per_page=20)  # the same request, query in another order
    client.get("conversations/1", per_page=20, order_date_created=1)
    client.get("conversations/2", per_page=20, include_empty=1)
    path = f"/v1/website/{crisp_sandbox.website_id}/conversations/1"
    assert crisp_sandbox.repeated_requests() == {f"{path}?include_empty=1&per_page=20": 2}
    crisp_sandbox.reset_counts()
    assert crisp_sandbox.repeated_requests() == {}
