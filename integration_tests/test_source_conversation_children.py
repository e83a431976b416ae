"""The per-conversation streams: conversation_events, conversation_pages, conversation_files,
conversation_participants, conversation_routing. Records one by one against the sandbox's ground truth, their
types, what each read costs (and that sibling streams share one walk of the conversation list), the
incremental two-run test of each dated stream, and the guess that adding a child moves its conversation's
updated_at (assumptions.CHILDREN_BUMP_UPDATED_AT) under the sandbox switch that breaks it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from airbyte_cdk.models import ConfiguredAirbyteCatalogSerializer
from airbyte_cdk.test.entrypoint_wrapper import read

from sandboxes.crisp import CrispSandbox
from source_crisp import SourceCrisp
from source_crisp.client import Backoff
from source_crisp.fanout import FanOut
from source_crisp.state_origin import READ_FROM
from testing import airbyte_logger
from testing.expected_records import expected
from testing.source_runs import Run, configure, discovered_catalog, run

DATED = {  # stream -> (sandbox route name, ground-truth accessor, primary key after session_id)
    "conversation_events": ("conversation_events", "conversation_events", ("timestamp", "text")),
    "conversation_pages": ("conversation_pages", "conversation_pages", ("timestamp", "page_url")),
    "conversation_files": ("conversation_files", "conversation_files", ("fingerprint",)),
}
UNDATED = {
    "conversation_participants": ("conversation_participants", ("type", "target")),
    "conversation_routing": ("conversation_routing", ()),
}
STREAMS = (*DATED, *UNDATED)
PAGE_SIZE = 20  # 80 tiny conversations: 4 full list pages, then the empty page that ends the list


def primary_key(stream: str) -> tuple[str, ...]:
    rest = DATED[stream][2] if stream in DATED else UNDATED[stream][1]
    return ("session_id", *rest)


def ground_truth(sandbox: CrispSandbox, stream: str) -> list[dict[str, Any]]:
    """Raw items as the routes serve them, with the fields the source adds (participants and routing: their
    conversation's updated_at, their cursor); event `data` as JSON text."""
    ws = sandbox.workspace
    rows = []
    for conversation in ws.conversations():
        session = conversation["session_id"]
        context = {"website_id": sandbox.website_id, "session_id": session}
        if stream in UNDATED:
            context["conversation_updated_at"] = conversation["updated_at"]
        if stream == "conversation_routing":
            answer = ws.conversation_routing(session)
            rows += [{**context, **answer}] if answer else []  # an empty answer is no row
            continue
        accessor = DATED[stream][1] if stream in DATED else "conversation_participants"
        for item in getattr(ws, accessor)(session):
            if "data" in item:
                item = {**item, "data": json.dumps(item["data"], separators=(",", ":"), ensure_ascii=False)}
            rows.append({**context, **item})
    return rows


def keyed(stream: str, records: list[dict[str, Any]]) -> dict[tuple, dict[str, Any]]:
    return {tuple(record.get(key) for key in primary_key(stream)): record for record in records}


def types_of(catalog: dict[str, Any], stream: str) -> dict[str, str]:
    found = next(s for s in catalog["streams"] if s["name"] == stream)
    return {name: prop["type"][1] for name, prop in found["json_schema"]["properties"].items()}


def stream_states(result: Run) -> dict[str, dict[str, Any]]:
    """Each stream's last state values, without what they were read from (state_origin.py)."""
    return {
        s["stream"]["stream_descriptor"]["name"]: {
            key: value for key, value in s["stream"]["stream_state"].items() if key != READ_FROM
        }
        for s in result.last_states()
    }


class FullRead:
    def __init__(self, sandbox: CrispSandbox, catalog: dict[str, Any], result: Run, counts: dict) -> None:
        self.sandbox, self.catalog, self.result, self.counts = sandbox, catalog, result, counts


@pytest.fixture(scope="module")
def full_read(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FullRead]:
    tmp_path = tmp_path_factory.mktemp("conversation_children")
    with CrispSandbox(size="tiny", seed=7, port=0) as sandbox:
        config = sandbox.source_config(page_size=PAGE_SIZE)
        catalog = discovered_catalog(config)
        sandbox.reset_counts()
        result = run("read", tmp_path, config, configure(catalog, STREAMS))
        assert result.returncode == 0, result.errors
        yield FullRead(sandbox, catalog, result, sandbox.request_counts())


@pytest.mark.parametrize("stream", STREAMS)
def test_every_record_equals_the_ground_truth(full_read: FullRead, stream: str):
    truth = ground_truth(full_read.sandbox, stream)
    emitted = full_read.result.records[stream]
    assert truth, "the sandbox seeds some of each"
    assert len(emitted) == len(truth), "no duplicates, nothing missing"
    types = types_of(full_read.catalog, stream)
    assert keyed(stream, emitted) == {key: expected(raw, types) for key, raw in keyed(stream, truth).items()}


def test_a_full_read_costs_one_list_walk_and_what_each_description_says(full_read: FullRead):
    ws = full_read.sandbox.workspace
    sessions = [c["session_id"] for c in ws.conversations()]
    # A child list ends only on an empty page: 2 requests for a conversation that has any (all fit a page of
    # 20 here), 1 for one that has none. Participants and routing: 1 request per conversation.
    per_list = {
        route: sum(2 if getattr(ws, accessor)(session) else 1 for session in sessions)
        for route, accessor, _ in DATED.values()
    }
    assert full_read.counts == {
        "conversations": len(sessions) // PAGE_SIZE + 1,  # 4 full pages and the empty one, walked once
        **per_list,
        "conversation_participants": len(sessions),
        "conversation_routing": len(sessions),
    }
    assert any(not ws.conversation_events(session) for session in sessions)  # conversations with none
    descriptions = {s["name"]: s["json_schema"]["description"] for s in full_read.catalog["streams"]}
    for stream in DATED:
        assert "2 per conversation that has any, 1 per conversation that has none" in descriptions[stream]
    for stream in UNDATED:
        assert "1 request per conversation" in descriptions[stream]
        assert "the conversations that changed plus a rotating slice" in descriptions[stream]


def test_columns_keys_and_sync_modes(full_read: FullRead):
    catalog = full_read.catalog
    assert types_of(catalog, "conversation_events") == {
        "website_id": "string", "session_id": "string", "text": "string", "data": "string", "color": "string",
        "timestamp": "integer",
    }  # fmt: skip
    assert types_of(catalog, "conversation_pages")["timestamp"] == "integer"
    assert types_of(catalog, "conversation_pages")["page_referrer"] == "string"
    files = types_of(catalog, "conversation_files")
    assert files["fingerprint"] == files["timestamp"] == "integer"
    assert types_of(catalog, "conversation_participants") == {
        "website_id": "string", "session_id": "string", "type": "string", "target": "string",
        "conversation_updated_at": "integer",
    }  # fmt: skip
    assert types_of(catalog, "conversation_routing") == {
        "website_id": "string", "session_id": "string", "assigned_user_id": "string",
        "conversation_updated_at": "integer",
    }  # fmt: skip
    streams = {s["name"]: s for s in catalog["streams"]}
    for stream in STREAMS:
        assert streams[stream]["source_defined_primary_key"] == [[key] for key in primary_key(stream)]
    for stream in DATED:
        assert streams[stream]["supported_sync_modes"] == ["full_refresh", "incremental"]
        assert streams[stream]["default_cursor_field"] == ["timestamp"]
    for stream in UNDATED:  # no date of their own: their conversation's, copied (changed + a slice)
        assert streams[stream]["supported_sync_modes"] == ["full_refresh", "incremental"]
        assert streams[stream]["default_cursor_field"] == ["conversation_updated_at"]


def test_missing_and_empty_sub_objects_stay_missing_or_empty(full_read: FullRead):
    records = full_read.result.records
    events = records["conversation_events"]
    assert "{}" in {record.get("data") for record in events}
    assert any("data" not in record for record in events)
    assert any("page_referrer" not in record for record in records["conversation_pages"])
    assert "" in {record.get("page_referrer") for record in records["conversation_pages"]}
    assert any("name" not in record for record in records["conversation_files"])  # an audio message's file
    routing = {record["session_id"]: record for record in records["conversation_routing"]}
    ws = full_read.sandbox.workspace
    answers = {c["session_id"]: ws.conversation_routing(c["session_id"]) for c in ws.conversations()}
    assert {} in answers.values()
    assert {"assigned": None} in answers.values()
    assert set(routing) == {session for session, answer in answers.items() if answer}
    assert all(
        "assigned_user_id" not in routing[session]
        for session, answer in answers.items()
        if answer == {"assigned": None}
    )


@pytest.fixture
def catalog(crisp_sandbox: CrispSandbox) -> dict[str, Any]:
    return discovered_catalog(crisp_sandbox.source_config())


@pytest.mark.slow
def test_second_run_reads_only_the_conversations_that_changed(crisp_sandbox: CrispSandbox, catalog, tmp_path):
    config = crisp_sandbox.source_config()
    configured = configure(catalog, DATED, incremental=True)
    first = run("read", tmp_path, config, configured)
    newest = max(c["updated_at"] for c in crisp_sandbox.workspace.conversations())
    for stream in DATED:
        assert len(first.records[stream]) == len(ground_truth(crisp_sandbox, stream))
    assert stream_states(first) == {stream: {"timestamp": newest} for stream in DATED}

    changed = crisp_sandbox.add_conversation_children(3)  # one event, page and file each, updated_at moves
    crisp_sandbox.reset_counts()
    second = run("read", tmp_path, config, configured, first.last_states())
    for stream, (_, accessor, _) in DATED.items():
        added = [getattr(crisp_sandbox.workspace, accessor)(session)[-1] for session in changed]
        assert sorted(r["timestamp"] for r in second.records[stream]) == sorted(i["timestamp"] for i in added)
        assert {r["session_id"] for r in second.records[stream]} == set(changed)
    # The three changed conversations lead the first page of the list sorted by updated_at, where the scan
    # stops (that page is read once for the three streams); each of their lists is one page and the empty
    # page that ends it.
    assert crisp_sandbox.request_counts() == {
        "conversations": 1,
        **{route: 2 * len(changed) for route, _, _ in DATED.values()},
    }

    crisp_sandbox.reset_counts()
    third = run("read", tmp_path, config, configured, second.last_states())
    assert [record for stream in DATED for record in third.records[stream]] == []
    assert crisp_sandbox.request_counts() == {"conversations": 1}


@pytest.mark.slow
def test_messages_events_and_pages_walk_the_conversation_list_once(crisp_sandbox, catalog, tmp_path: Path):
    config = crisp_sandbox.source_config(page_size=PAGE_SIZE)
    streams = ["conversation_messages", "conversation_events", "conversation_pages"]
    crisp_sandbox.reset_counts()
    full = run("read", tmp_path, config, configure(catalog, streams))
    assert full.returncode == 0, full.errors
    # Relies on the pages a sync shares between walks of the same list with the same query.
    assert crisp_sandbox.request_counts()["conversations"] == 80 // PAGE_SIZE + 1

    first = run("read", tmp_path, config, configure(catalog, streams, incremental=True))
    crisp_sandbox.add_conversation_children(2)
    crisp_sandbox.touch_conversations(2)
    crisp_sandbox.reset_counts()
    second = run("read", tmp_path, config, configure(catalog, streams, incremental=True), first.last_states())
    assert second.returncode == 0, second.errors
    counts = crisp_sandbox.request_counts()
    assert counts["conversations"] == 1  # the 4 changed conversations lead page 1, read once for all three
    assert {name: len(records) for name, records in second.records.items()} == {
        "conversation_messages": 2,  # one new message in each touched conversation
        "conversation_events": 2,
        "conversation_pages": 2,
    }


@pytest.mark.slow
def test_children_that_do_not_move_updated_at_are_read_one_sync_later(tmp_path: Path):
    """Under the switch, Crisp adds events, pages and files without moving the conversation's updated_at.
    A conversation that changed anyway and holds a child dated after its updated_at shows it: the sync warns
    once per stream naming the guess, visits the rest of the list, keeps its reference, and the next sync
    visits every conversation: every added child is emitted by the second or the third sync."""
    streams = list(DATED)
    with CrispSandbox(size="tiny", children_bump_updated_at=False) as sandbox:
        config = sandbox.source_config()
        configured = configure(discovered_catalog(config), streams, incremental=True)
        first = run("read", tmp_path, config, configured)
        reference = first.last_states()[0]["stream"]["stream_state"]["timestamp"]
        hidden = sandbox.add_conversation_children(6)  # nothing tells the source these changed
        visible = sandbox.touch_conversations(1)  # a new message moves updated_at, then the visitor browses
        sandbox.add_conversation_children(among=visible)
        added = {
            stream: {
                (session, item["timestamp"])
                for session in [*hidden, *visible]
                for item in getattr(sandbox.workspace, DATED[stream][1])(session)
                if item["timestamp"] > reference
            }
            for stream in streams
        }

        second = run("read", tmp_path, config, configured, first.last_states())
        warnings = [w for w in second.logs("WARN") if "CHILDREN_BUMP_UPDATED_AT" in w]
        assert len(warnings) == len(streams)
        assert all(visible[0] in warning for warning in warnings)
        unproven = {"timestamp": reference, "visit_every_conversation": True}
        assert stream_states(second) == {stream: unproven for stream in streams}

        sandbox.reset_counts()
        third = run("read", tmp_path, config, configured, second.last_states())
        assert third.returncode == 0, third.errors
        for stream in streams:
            both = second.records[stream] + third.records[stream]
            emitted = {(record["session_id"], record["timestamp"]) for record in both}
            assert added[stream] <= emitted, stream
        # The safe path's cost: the whole list (80 conversations, 2 pages of 50) and every conversation.
        counts = sandbox.request_counts()
        assert counts["conversations"] == 2
        assert all(counts[DATED[stream][0]] >= 80 for stream in streams)
        for state in third.last_states():
            assert state["stream"]["stream_state"]["visit_every_conversation"] is True

        fourth = run("read", tmp_path, config, configured, third.last_states())
        assert [record for stream in streams for record in fourth.records[stream]] == []


def test_each_page_of_conversations_is_one_fan_out_batch_checkpointed_after_its_children(
    crisp_sandbox: CrispSandbox, monkeypatch: pytest.MonkeyPatch
):
    """In-process: the fan-out gets one list page of conversations at a time, and the checkpoint after that
    page follows every record of its conversations (so a killed sync resumes without a loss)."""
    batches: list[list[str]] = []
    original = FanOut.map

    def recording(self: FanOut, work: Any, batch: Any) -> Any:
        batches.append([conversation["session_id"] for conversation in batch])
        return original(self, work, batch)

    monkeypatch.setattr(FanOut, "map", recording)
    configured = {
        "stream": {"name": "conversation_events", "json_schema": {}, "supported_sync_modes": ["incremental"]},
        "sync_mode": "incremental",
        "destination_sync_mode": "append",
        "cursor_field": ["timestamp"],
    }
    output = read(
        SourceCrisp(backoff=Backoff.immediate()),
        crisp_sandbox.source_config(page_size=PAGE_SIZE),
        ConfiguredAirbyteCatalogSerializer.load({"streams": [configured]}),
    )
    workspace = crisp_sandbox.workspace
    by_updated = [c["session_id"] for c in workspace.conversations()]  # updated_at desc
    assert batches == [by_updated[n : n + PAGE_SIZE] for n in range(0, len(by_updated), PAGE_SIZE)]
    seen: set[str] = set()
    pages_done = 0
    for message in output.records_and_state_messages:
        if message.record is not None:
            seen.add(message.record.data["session_id"])
        elif pages_done < len(batches):
            # The checkpoint after page k follows the events of pages 1..k, and none of a later page.
            pages_done += 1
            done = [session for batch in batches[:pages_done] for session in batch]
            assert seen == {session for session in done if workspace.conversation_events(session)}
    assert pages_done == len(batches)


def test_a_conversation_deleted_before_its_children_are_read_is_skipped_and_nothing_else_is_lost(
    crisp_sandbox: CrispSandbox, monkeypatch: pytest.MonkeyPatch
):
    """In-process full refresh: a conversation of the first list page is deleted after that page was listed
    and before its events are read. Its events 404 (skipped with a warning); the page is listed again, so the
    conversation that slid onto it from the next page is still read, once."""
    ws = crisp_sandbox.workspace
    by_creation = sorted(ws.conversations(), key=lambda c: c["created_at"], reverse=True)
    victim = next(
        c["session_id"] for c in by_creation[5:PAGE_SIZE] if ws.conversation_events(c["session_id"])
    )
    original = FanOut.map

    def deleting(self: FanOut, work: Any, batch: Any) -> Any:
        if ws.store.index_of(victim) is not None:
            crisp_sandbox.delete_conversation(victim)
        return original(self, work, batch)

    monkeypatch.setattr(FanOut, "map", deleting)
    configured = {
        "stream": {
            "name": "conversation_events",
            "json_schema": {},
            "supported_sync_modes": ["full_refresh"],
        },
        "sync_mode": "full_refresh",
        "destination_sync_mode": "overwrite",
    }
    # The client warns on the "airbyte" logger, heard directly (testing/airbyte_logger.py).
    with airbyte_logger.heard() as warnings:
        output = read(
            SourceCrisp(backoff=Backoff.immediate()),
            crisp_sandbox.source_config(page_size=PAGE_SIZE),
            ConfiguredAirbyteCatalogSerializer.load({"streams": [configured]}),
        )
    emitted = [(m.record.data["session_id"], m.record.data["timestamp"]) for m in output.records]
    truth = [
        (c["session_id"], e["timestamp"])
        for c in ws.conversations()
        for e in ws.conversation_events(c["session_id"])
    ]
    assert sorted(emitted) == sorted(truth), "every remaining conversation's events, once"
    assert victim not in {session for session, _ in emitted}
    assert [message for message in warnings if victim in message and "skipped" in message]
