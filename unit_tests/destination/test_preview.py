"""Preview counts what a write would create, by the write's rules: a conversation only with a sendable
message, a message only with its conversation, each record once. Nothing is sent (the API URL is a closed
local port)."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from destination_convot import DestinationConvot
from testing import destination_builders as B
from testing.destination_harness import read_summary


def preview(tmp_path: Path, caplog: pytest.LogCaptureFixture, messages: list) -> tuple[dict, dict]:
    config = {
        "api_token": "ck_a:s",
        "api_url": "http://127.0.0.1:9/v1",
        "ledger_path": str(tmp_path / "ledger.sqlite"),
        "preview": True,
    }
    with caplog.at_level(logging.INFO, logger="airbyte"):
        output = list(DestinationConvot(report_interval=3600).write(config, B.catalog(), iter(messages)))
    assert output == []
    assert not (tmp_path / "ledger.sqlite").exists()
    return read_summary(next(r.message for r in caplog.records if "preview summary" in r.message))


def test_messages_before_their_conversation_empty_and_orphan_threads_and_repeats(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    outcomes, skipped = preview(
        tmp_path,
        caplog,
        [
            # Messages first, in another checkpoint than their conversation: still counted with it.
            B.record("conversation_messages", B.message("s-1", 1, B.T0 + 1, content="Hi")),
            B.record("conversation_messages", B.message("s-1", 1, B.T0 + 1, content="Hi")),  # sent twice
            B.record("conversation_messages", B.message("s-1", 2, B.T0 + 2, content="Anyone?")),
            B.record("conversation_messages", B.message("s-2", 3, B.T0 + 3, "user", "event", content=None)),
            B.record("conversation_messages", B.message("s-9", 4, B.T0 + 4, content="No conversation")),
            B.state("conversation_messages", {}),
            B.record("conversations", B.conversation("s-1", "p-1", "jane@example.com")),
            B.record("conversations", B.conversation("s-2", "p-2", "max@example.com")),  # only an event
            B.record("conversations", B.conversation("s-3", "p-3", "joe@example.com")),  # no message at all
        ],
    )
    assert outcomes == {"contacts": {"new": 1}, "conversations": {"new": 1}, "messages": {"new": 2}}
    assert skipped == {
        "conversations: empty (no message yet): kept pending": 2,
        "messages: event message (Convot has no creatable activity)": 1,
        "messages: waiting for their conversation: kept pending": 1,
    }


def test_people_data_without_profile_creates_its_contact_and_without_attributes_creates_nothing(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    outcomes, skipped = preview(
        tmp_path,
        caplog,
        [
            B.record("people_profiles", B.profile("p-1", "jane@example.com")),
            B.record("people_data", B.people_data("p-1", plan="pro")),  # the same contact as its profile
            B.record("people_data", B.people_data("p-2", plan="free")),  # no profile: creates p-2
            B.record("people_data", B.people_data("p-3")),
        ],
    )
    assert outcomes == {"contacts": {"new": 2}}
    assert skipped == {"contacts: people data without attributes": 1}
