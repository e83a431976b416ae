"""Conversations and messages streams with requests-mock: push-down parameters, early stop, state shape."""

from __future__ import annotations

import logging
from typing import Any

from airbyte_cdk.models import ConfiguredAirbyteCatalogSerializer
from airbyte_cdk.test.entrypoint_wrapper import read
from airbyte_cdk.test.state_builder import StateBuilder

from source_crisp import SourceCrisp
from source_crisp.client import Backoff
from source_crisp.state_origin import READ_FROM
from testing.source_builders import config, envelope, url

SCHEMA = {
    "type": "object",
    "properties": {
        "session_id": {"type": ["null", "string"], "x-crisp-path": ["session_id"]},
        "updated_at": {"type": ["null", "integer"], "x-crisp-path": ["updated_at"]},
        "timestamp": {"type": ["null", "integer"], "x-crisp-path": ["timestamp"]},
        "fingerprint": {"type": ["null", "integer"], "x-crisp-path": ["fingerprint"]},
    },
}


def values(state: dict) -> dict:
    """A saved state's values, without what it was read from (state_origin.py)."""
    return {key: value for key, value in state.items() if key != READ_FROM}


def catalog(stream: str, cursor: str) -> Any:
    configured = {
        "stream": {"name": stream, "json_schema": SCHEMA, "supported_sync_modes": ["incremental"]},
        "sync_mode": "incremental",
        "destination_sync_mode": "append",
        "cursor_field": [cursor],
    }
    return ConfiguredAirbyteCatalogSerializer.load({"streams": [configured]})


def conversation(n: int) -> dict[str, Any]:
    return {"session_id": f"s{n}", "updated_at": n, "created_at": n}


def page(*updated: int) -> dict[str, Any]:
    return {"status_code": 206, "json": envelope([conversation(n) for n in updated])}


def run(stream: str, cursor: str, saved: dict[str, Any] | None = None, **overrides: Any) -> Any:
    state = StateBuilder().with_stream_state(stream, saved).build() if saved is not None else None
    return read(SourceCrisp(Backoff.immediate()), config(**overrides), catalog(stream, cursor), state=state)


def test_newer_than_stops_on_the_first_page_that_reaches_the_reference(requests_mock):
    requests_mock.get(url("conversations/1"), **page(*range(100, 80, -1)))  # 20 changed
    requests_mock.get(url("conversations/2"), **page(*range(80, 60, -1)))  # reaches 70: stop here
    output = run("conversations", "updated_at", {"updated_at": 70}, page_size=20)
    assert [r.record.data["updated_at"] for r in output.records] == list(range(100, 70, -1))
    assert requests_mock.call_count == 2  # no page 3
    assert requests_mock.request_history[0].qs["order_date_updated"] == ["1"]
    assert values(output.most_recent_state.stream_state.__dict__) == {"updated_at": 100}


def test_checkpoint_after_each_page_records_the_covered_range(requests_mock):
    requests_mock.get(url("conversations/1"), **page(*range(100, 80, -1)))
    requests_mock.get(url("conversations/2"), **page(*range(80, 60, -1)))
    output = run("conversations", "updated_at", {"updated_at": 70}, page_size=20)
    first_checkpoint = values(output.state_messages[0].state.stream.stream_state.__dict__)
    assert first_checkpoint == {"updated_at": 70, "covered": [[81, 100]]}


def test_older_than_pushes_the_date_filter_down_and_filters_exactly(requests_mock):
    requests_mock.get(url("conversations/1"), **page(2000, 1500, 999))
    raw = config(
        incremental={
            "comparison": "older_than",
            "reference": {"type": "fixed_date", "date": "1970-01-01T00:00:01Z"},
        }
    )
    output = read(SourceCrisp(Backoff.immediate()), raw, catalog("conversations", "updated_at"))
    assert [r.record.data["updated_at"] for r in output.records] == [999]
    assert requests_mock.request_history[0].qs["filter_date_end"] == ["1970-01-01t00:00:02.000z"]


def test_messages_only_for_changed_conversations_oldest_first(requests_mock):
    requests_mock.get(url("conversations/1"), **page(90, 50, 10))
    messages = [
        {"session_id": "s90", "fingerprint": f, "timestamp": t} for f, t in ((1, 30), (2, 60), (3, 90))
    ]
    requests_mock.get(url("conversation/s90/messages"), status_code=206, json=envelope(messages))
    output = run("conversation_messages", "timestamp", {"timestamp": 50}, page_size=20)
    assert [r.record.data["timestamp"] for r in output.records] == [60, 90]
    assert [
        r.url.split("/v1/")[1].split("?")[0].rsplit("/", 2)[-2] for r in requests_mock.request_history
    ] == [
        "conversations",
        "s90",
    ]
    assert values(output.most_recent_state.stream_state.__dict__) == {"timestamp": 90}


def test_waiting_since_scans_the_updated_list_and_a_conversation_waiting_after_its_update_turns_it_complete(
    requests_mock, caplog
):
    def waiting(n: int, since: int | None) -> dict[str, Any]:
        return {"session_id": f"s{n}", "updated_at": n, **({"waiting_since": since} if since else {})}

    # s90 claims to wait since after its last update: the early stop (at s80, s70) can no longer be trusted
    first = [waiting(100, 95), waiting(90, 200), *(waiting(n, n - 10) for n in range(80, 62, -1))]
    requests_mock.get(url("conversations/1"), status_code=206, json=envelope(first))
    requests_mock.get(url("conversations/2"), status_code=206, json=envelope([waiting(60, 99)]))
    with caplog.at_level(logging.WARNING, logger="airbyte"):
        output = run("conversations", "waiting_since", {"waiting_since": 85}, page_size=20)
    assert [r.record.data["session_id"] for r in output.records] == ["s100", "s90", "s60"]
    assert requests_mock.request_history[0].qs == {"include_empty": ["1"], "order_date_updated": ["1"],
                                                   "per_page": ["20"]}  # fmt: skip
    warnings = [record.getMessage() for record in caplog.records if record.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "WAITING_SINCE_SCAN_AXIS" in warnings[0]
    assert values(output.most_recent_state.stream_state.__dict__) == {"waiting_since": 100}


def test_without_the_contradiction_waiting_since_stops_early_on_the_updated_list(requests_mock):
    # A page shorter than asked does not end the list (issue 18 A.1): the two updates at or below the
    # reference (80, 70) do, without asking page 2.
    updated = (100, 90, 80, 70)
    conversations = [{"session_id": f"s{n}", "updated_at": n, "waiting_since": n - 5} for n in updated]
    requests_mock.get(url("conversations/1"), status_code=206, json=envelope(conversations))
    output = run("conversations", "waiting_since", {"waiting_since": 85})
    assert [r.record.data["session_id"] for r in output.records] == ["s100"]  # s90 waits since 85: not newer
    assert requests_mock.call_count == 1
