"""End to end, incremental: two runs around sandbox changes, request costs, references, kill + resume."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from sandboxes.crisp import CrispSandbox, Faults
from testing.source_runs import Run, configure, discovered_catalog, run, stream_messages

PAGE = 20
CHILD_AND_PARENT = ("conversations", "conversation_messages")


def state_value(states: list[dict[str, Any]], stream: str, key: str) -> Any:
    return next(
        s["stream"]["stream_state"][key] for s in states if s["stream"]["stream_descriptor"]["name"] == stream
    )


@pytest.fixture
def catalog(crisp_sandbox: CrispSandbox, tmp_path: Path) -> dict[str, Any]:
    return configure(discovered_catalog(crisp_sandbox.source_config()), CHILD_AND_PARENT, incremental=True)


@pytest.mark.parametrize("changed", [3, 25])
def test_second_run_emits_exactly_the_changes_at_the_promised_cost(crisp_sandbox, catalog, tmp_path, changed):
    config = crisp_sandbox.source_config(page_size=PAGE)
    first = run("read", tmp_path, config, catalog)
    assert len(first.records["conversations"]) == len(crisp_sandbox.workspace.conversations())
    seen_until = state_value(first.last_states(), "conversation_messages", "timestamp")

    touched = set(crisp_sandbox.touch_conversations(changed, new_messages=1))
    crisp_sandbox.reset_counts()
    second = run("read", tmp_path, config, catalog, first.last_states())

    assert {c["session_id"] for c in second.records["conversations"]} == touched
    new_messages = {
        (m["session_id"], m["fingerprint"])
        for session_id in touched
        for m in crisp_sandbox.workspace.messages(session_id)
        if m["timestamp"] > seen_until
    }
    assert {
        (m["session_id"], m["fingerprint"]) for m in second.records["conversation_messages"]
    } == new_messages
    assert len(new_messages) == changed
    counts = crisp_sandbox.request_counts()
    # The bound holds for the whole sync: the messages stream re-walks the pages the conversations
    # stream just listed, which cost no second request.
    assert counts["conversations"] <= math.ceil(changed / PAGE) + 2
    assert counts["conversation_messages"] == changed  # only conversations that changed, one batch each
    assert set(counts) == {"conversations", "conversation_messages"}
    newest = max(crisp_sandbox.workspace.conversation(s)["updated_at"] for s in touched)
    assert state_value(second.last_states(), "conversations", "updated_at") == newest

    crisp_sandbox.reset_counts()
    third = run("read", tmp_path, config, catalog, second.last_states())
    assert not third.records
    assert crisp_sandbox.request_counts() == {"conversations": 1}


def median_updated_at(sandbox: CrispSandbox) -> int:
    stamps = sorted(c["updated_at"] for c in sandbox.workspace.conversations())
    return stamps[len(stamps) // 2]


@pytest.mark.parametrize(
    ("comparison", "reference", "keep"),
    [
        ("older_than", {"type": "fixed_date", "date": "{ms}"}, lambda at, ref: at < ref),
        ("newer_than", {"type": "variable", "value": "$CRISP_SINCE"}, lambda at, ref: at > ref),
        ("newer_than", {"type": "fixed_date", "date": "{iso}"}, lambda at, ref: at > ref // 1000 * 1000),
    ],
)
def test_fixed_and_variable_references(
    crisp_sandbox, catalog, tmp_path, monkeypatch, comparison, reference, keep
):
    ref = median_updated_at(crisp_sandbox)
    iso = datetime.fromtimestamp(ref / 1000, UTC).isoformat()
    monkeypatch.setenv("CRISP_SINCE", str(ref))
    reference = {k: v.format(ms=ref, iso=iso[:19]) for k, v in reference.items()}
    config = crisp_sandbox.source_config(incremental={"comparison": comparison, "reference": reference})
    conversations_only = {"streams": catalog["streams"][:1]}
    result = run("read", tmp_path, config, conversations_only)
    truth = {c["session_id"] for c in crisp_sandbox.workspace.conversations() if keep(c["updated_at"], ref)}
    assert {c["session_id"] for c in result.records["conversations"]} == truth
    assert truth


@pytest.mark.parametrize("kill_after", [("conversations", 2), ("conversation_messages", 3)])
def test_a_killed_read_resumes_from_its_last_state_without_losing_records(
    crisp_sandbox, catalog, tmp_path, kill_after
):
    crisp_sandbox.set_faults(Faults(latency_ms=10))  # keeps the read alive until the kill
    config = crisp_sandbox.source_config(page_size=PAGE)
    process, messages = stream_messages(tmp_path, config, catalog)
    before_kill, states_seen = [], 0
    for message in messages:
        before_kill.append(message)
        if (
            message["type"] == "STATE"
            and message["state"]["stream"]["stream_descriptor"]["name"] == kill_after[0]
        ):
            states_seen += 1
            if states_seen == kill_after[1]:
                process.kill()
                break
    process.wait(timeout=30)
    assert process.returncode != 0, "killed midway, not after the end"
    crisp_sandbox.set_faults(None)
    killed = Run(before_kill)
    resumed = run("read", tmp_path, config, catalog, killed.last_states())

    ws = crisp_sandbox.workspace
    truth_conversations = {c["session_id"] for c in ws.conversations()}
    truth_messages = {
        (m["session_id"], m["fingerprint"]) for s in truth_conversations for m in ws.messages(s)
    }
    joined = Run([*killed.messages, *resumed.messages]).records
    assert {c["session_id"] for c in joined["conversations"]} == truth_conversations
    assert {(m["session_id"], m["fingerprint"]) for m in joined["conversation_messages"]} == truth_messages
    emitted_after_resume = len(resumed.records[kill_after[0]])
    total = len(truth_conversations) if kill_after[0] == "conversations" else len(truth_messages)
    assert 0 < emitted_after_resume < total, "the resumed run skipped what was already emitted"


def test_a_conversation_deleted_mid_read_is_skipped_with_a_warning(crisp_sandbox, tmp_path):
    crisp_sandbox.set_faults(Faults(latency_ms=20))
    ws = crisp_sandbox.workspace
    by_creation = sorted(ws.conversations(), key=lambda c: c["created_at"], reverse=True)
    victim = next(c["session_id"] for c in by_creation[10:PAGE] if ws.messages(c["session_id"]))
    catalog = configure(discovered_catalog(crisp_sandbox.source_config()), ["conversation_messages"])
    # One conversation's messages at a time: with a pool, the victim's messages may be read (while it still
    # exists) before the first record is out; what is tested is a deletion between the list and the child.
    config = crisp_sandbox.source_config(page_size=PAGE, max_concurrency=1)
    process, messages = stream_messages(tmp_path, config, catalog)
    collected = []
    for message in messages:
        collected.append(message)
        if message["type"] == "RECORD" and ws.store.index_of(victim) is not None:
            crisp_sandbox.delete_conversation(victim)  # the list page holding it was read already
    assert process.wait(timeout=60) == 0
    result = Run(collected)
    assert not [m for m in result.records["conversation_messages"] if m["session_id"] == victim]
    assert [log for log in result.logs("WARN") if victim in log and "skipped" in log]
    assert len(result.records["conversation_messages"]) == ws.total_messages()


def test_rate_limits_pause_log_the_watermark_and_finish(crisp_sandbox, catalog, tmp_path):
    crisp_sandbox.set_faults(Faults(rate_limit=2, rate_window_s=0.5, retry_after_s=1))
    result = run(
        "read", tmp_path, crisp_sandbox.source_config(page_size=PAGE), {"streams": catalog["streams"][:1]}
    )
    assert result.returncode == 0
    assert len(result.records["conversations"]) == len(crisp_sandbox.workspace.conversations())
    watermarks = [log for log in result.logs("WARN") if "rate limit (429)" in log]
    assert watermarks
    assert "resuming at" in watermarks[-1]
