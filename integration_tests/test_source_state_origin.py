"""A state applies only to what it was read from (issue 18, C.6): another website, cursor or comparison sets
it aside with a warning, a state written before states carried their origin keeps working, and the page
positions follow a page size change."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest
from airbyte_cdk.models import ConfiguredAirbyteCatalogSerializer

from sandboxes.crisp import CrispSandbox
from source_crisp.state_origin import READ_FROM
from testing.source_runs import (
    configure,
    discovered_catalog,
    last_states,
    read_in_process,
    stream_records,
)

PAGE = 20
# Conversations and profiles (the sample), and one of each kind of state: a conversation child
# (covered ranges on the parent's updated_at), one with the rotating slice, a per-profile child, and a
# generic list scanned unsorted (resume_page).
STREAMS = ("conversations", "conversation_messages", "conversation_participants", "people_profiles",
           "people_events", "teams")  # fmt: skip


@pytest.fixture(scope="module")
def old_site() -> Iterator[CrispSandbox]:
    with CrispSandbox(size="tiny", seed=7, port=0) as sandbox:
        yield sandbox


@pytest.fixture(scope="module")
def new_site() -> Iterator[CrispSandbox]:
    with CrispSandbox(size="tiny", seed=8, port=0) as sandbox:
        yield sandbox


def catalog(sandbox: CrispSandbox, streams: tuple[str, ...] = STREAMS) -> Any:
    discovered = discovered_catalog(sandbox.source_config(page_size=PAGE))
    return ConfiguredAirbyteCatalogSerializer.load(configure(discovered, streams, incremental=True))


def sync(sandbox: CrispSandbox, state: dict[str, Any] | None = None, **config: Any):
    return read_in_process(sandbox.source_config(page_size=PAGE, **config), catalog(sandbox), state)


def truth(sandbox: CrispSandbox) -> dict[str, int]:
    ws = sandbox.workspace
    sessions = [c["session_id"] for c in ws.conversations()]
    people = [p["people_id"] for p in ws.people_profiles()]
    return {
        "conversations": len(sessions),
        "conversation_messages": sum(len(ws.messages(s)) for s in sessions),
        "conversation_participants": sum(len(ws.conversation_participants(s)) for s in sessions),
        "people_profiles": len(people),
        "people_events": sum(len(ws.people_events(p)) for p in people),
    }


def counts(output) -> dict[str, int]:
    return {stream: len(stream_records(output, stream)) for stream in STREAMS}


def test_a_state_from_another_website_is_not_applied(old_site, new_site, caplog):
    assert old_site.website_id != new_site.website_id
    old_state = last_states(sync(old_site))
    caplog.set_level(logging.WARNING)
    moved = sync(new_site, old_state)
    expected = truth(new_site)
    assert {stream: n for stream, n in counts(moved).items() if stream in expected} == expected
    teams = len(
        stream_records(read_in_process(new_site.source_config(page_size=PAGE), catalog(new_site)), "teams")
    )
    assert counts(moved)["teams"] == teams > 0
    warned = [r.getMessage() for r in caplog.records if "website_id" in r.getMessage()]
    assert {message.split(":")[0] for message in warned} == set(STREAMS)
    assert all(old_site.website_id in message and new_site.website_id in message for message in warned)
    # What it saved is the new website's: the next sync emits nothing new, and no warning.
    saved = last_states(moved)
    assert {saved[stream][READ_FROM]["website_id"] for stream in STREAMS} == {new_site.website_id}
    caplog.clear()
    again = sync(new_site, saved)
    assert counts(again)["conversations"] == 0
    assert counts(again)["people_profiles"] == 0
    assert not [r for r in caplog.records if "not applied" in r.getMessage()]


def test_a_state_without_origin_keeps_working_for_the_same_website_and_gets_one(old_site, caplog):
    first = last_states(sync(old_site))
    legacy = {stream: {k: v for k, v in state.items() if k != READ_FROM} for stream, state in first.items()}
    touched = set(old_site.touch_conversations(2, new_messages=1))
    caplog.set_level(logging.WARNING)
    second = sync(old_site, legacy)
    assert {c["session_id"] for c in stream_records(second, "conversations")} == touched
    assert len(stream_records(second, "conversation_messages")) == 2
    assert counts(second)["people_profiles"] == 0
    assert not [r for r in caplog.records if "not applied" in r.getMessage()]
    origin = {"website_id": old_site.website_id, "cursor": "updated_at", "comparison": "newer_than"}
    assert last_states(second)["conversations"][READ_FROM] == origin | {"page_size": PAGE}


def test_a_state_from_another_comparison_or_cursor_is_not_applied(old_site, caplog):
    saved = last_states(sync(old_site))
    caplog.set_level(logging.WARNING)
    older = {"comparison": "older_than", "reference": {"type": "last_successful_run"}}
    flipped = sync(old_site, saved, incremental=older)
    # older_than with no (applicable) state has no reference: everything.
    assert counts(flipped)["conversations"] == truth(old_site)["conversations"]
    assert any("conversations: the saved state was read with another comparison" in r.getMessage()
               for r in caplog.records)  # fmt: skip
    # A state of another cursor (the catalog now picks created_at) is set aside too, with a warning.
    caplog.clear()
    discovered = discovered_catalog(old_site.source_config(page_size=PAGE))
    configured = configure(discovered, ["conversations"], incremental=True)
    configured["streams"][0]["cursor_field"] = ["created_at"]
    output = read_in_process(
        old_site.source_config(page_size=PAGE), ConfiguredAirbyteCatalogSerializer.load(configured), saved
    )
    assert len(stream_records(output, "conversations")) == truth(old_site)["conversations"]
    assert any("another cursor" in r.getMessage() for r in caplog.records)
