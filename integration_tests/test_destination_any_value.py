"""No value of any field can crash destination-convot (issue 18, H.16).

Before: a timestamp of 2**70 made every run die with an OSError traceback in the datetime conversion, so one
record blocked the migration for ever. Here every field of every stream the destination maps gets each hostile
value in turn (one record per field x value, next to good records), all in one write: the write must end
normally with every state echoed, and what Convot holds must be sane (text where text is expected, times that
are times); a record that cannot be mapped is skipped with a counted, named reason.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from airbyte_cdk.models import AirbyteMessage

from destination_convot.mapping import iso_from_ms
from sandboxes.convot import ConvotSandbox
from testing import destination_builders as B
from testing.destination_harness import by_external_id, duplicates, run_write

HOSTILE: list[Any] = [
    2**70,
    -(2**70),
    -1,
    0,
    1.5,
    1e308,
    -1e308,
    "yesterday",
    "",
    "1700000000000",
    True,
    False,
    {"nested": {"object": [1]}},
    [1, "two", None],
    None,
]

Variant = Callable[[str], list[AirbyteMessage]]


def conversation_with(session_id: str, /, **fields: Any) -> list[AirbyteMessage]:
    conversation = {**B.conversation(session_id, f"p-{session_id}", f"{session_id}@example.com"), **fields}
    return [
        B.record("conversations", conversation),
        B.record(
            "conversation_messages", B.message(session_id, 1, B.T0 + 1, content=f"seed of {session_id}")
        ),
    ]


def message_with(session_id: str, /, **fields: Any) -> list[AirbyteMessage]:
    hostile = {**B.message(session_id, 2, B.T0 + 2, "operator", user_id="op-1"), **fields}
    return [
        *conversation_with(session_id),
        B.record("conversation_messages", hostile),
        B.record("conversation_messages", B.message(session_id, 3, B.T0 + 3, content="after")),
    ]


def record_with(stream: str, base: Callable[[str], dict[str, Any]]) -> Callable[..., list[AirbyteMessage]]:
    return lambda key, /, **fields: [B.record(stream, {**base(key), **fields})]


def event(people_id: str) -> dict[str, Any]:
    return {
        "website_id": B.WEBSITE,
        "people_id": people_id,
        "timestamp": B.T0,
        "text": "signed up",
        "data": "{}",
    }


def file(session_id: str) -> dict[str, Any]:
    url = f"https://files.test/{session_id}.pdf"
    return {"website_id": B.WEBSITE, "session_id": session_id, "fingerprint": 1, "url": url, "name": "f.pdf"}


STREAMS: dict[str, tuple[Callable[..., list[AirbyteMessage]], dict[str, Any]]] = {
    "conversations": (conversation_with, B.conversation("s", "p", "e@example.com")),
    "conversation_messages": (message_with, B.message("s", 2, B.T0, user_id="op-1")),
    "people_profiles": (
        record_with("people_profiles", lambda k: B.profile(k, f"{k}@example.com")),
        B.profile("p", "e@example.com"),
    ),
    "people_data": (record_with("people_data", lambda k: B.people_data(k, plan="pro")), B.people_data("p")),
    "people_events": (record_with("people_events", event), event("p")),
    "conversation_files": (record_with("conversation_files", file), file("s")),
    "operators": (record_with("operators", lambda k: B.operator(k, f"{k}@team.test")), B.operator("o", "e")),
    "helpdesk_locales": (record_with("helpdesk_locales", lambda k: B.locale("en")), B.locale("en")),
    "helpdesk_categories": (
        record_with("helpdesk_categories", lambda k: B.category(k, f"Category {k}", 1)),
        B.category("c", "C", 1),
    ),
    "helpdesk_sections": (
        record_with("helpdesk_sections", lambda k: B.section(k, "c-1", 1)),
        B.section("x", "c-1", 1),
    ),
    "helpdesk_articles": (
        record_with("helpdesk_articles", lambda k: B.article(k, f"Article {k}", "Body", "c-1")),
        B.article("a", "A", "Body", "c-1"),
    ),
}


def hostile_input(stream: str) -> Iterator[AirbyteMessage]:
    variant, base = STREAMS[stream]
    yield B.record("operators", B.operator("op-1", "alice@team.test"))
    yield B.record("helpdesk_locales", B.locale("en"))
    yield B.record("helpdesk_categories", B.category("c-1", "Billing", 1))
    for column in base:
        for position, value in enumerate(HOSTILE):
            yield from variant(f"{stream[:4]}-{column}-{position}", **{column: value})
    yield B.state(stream, "all hostile values read")


def sane_time(value: Any) -> bool:
    return value is None or isinstance(datetime.fromisoformat(value.replace("Z", "+00:00")), datetime)


@pytest.mark.slow
@pytest.mark.parametrize("stream", list(STREAMS))
def test_every_hostile_value_in_every_field_ends_normally_with_sane_convot_data(
    convot_sandbox: ConvotSandbox, tmp_path: Path, stream: str
) -> None:
    echoed = run_write(convot_sandbox, tmp_path, hostile_input(stream))

    assert B.state_values(echoed) == [(stream, "all hostile values read")]
    # nothing sent made Convot fail (a 5xx is retried, then stops every sync: one record blocking for ever)
    assert not [status for status in convot_sandbox.request_log()["statuses"] if status.startswith("5")]
    dump = convot_sandbox.dump()
    # contacts made from a conversation without a usable people id carry no external id: not duplicates
    assert {kind: ids for kind, ids in duplicates(dump).items() if ids != [None]} == {}
    for conversation in dump["conversations"]:
        assert sane_time(conversation.get("created_at"))
        for message in conversation["messages"]:
            assert isinstance(message["content"], str)
            assert message["content"]
            assert sane_time(message.get("created_at"))
    for contact in dump["contacts"]:
        for name in ("email", "name", "phone", "company", "avatar_url"):
            assert contact.get(name) is None or isinstance(contact[name], str), (name, contact)
    for article in dump["helpdesk_articles"]:
        assert isinstance(article["title"], str)
        assert isinstance(article["content"], str)
        assert isinstance(article["position"], int)
        assert -(2**63) <= article["position"] < 2**63
    if stream in ("conversations", "conversation_messages"):  # the good neighbours were all written
        held = by_external_id(dump, "conversations")
        assert sum(external_id.startswith("crisp:") for external_id in held) >= len(HOSTILE)


@pytest.mark.parametrize("column", ["timestamp", "created_at"])
def test_a_time_of_2_to_the_70_neither_crashes_nor_blocks_the_conversation(
    convot_sandbox: ConvotSandbox, tmp_path: Path, caplog: pytest.LogCaptureFixture, column: str
) -> None:
    """The issue's sample: 2**70 in a message's timestamp (that message is skipped, counted and named) or in
    the conversation's created_at (the conversation takes its first message's time)."""
    conversation = B.conversation("s-1", "p-1", "jane@example.com")
    late = B.message("s-1", 12, B.T0 + 200, content="never sent")
    (late if column == "timestamp" else conversation)[column] = 2**70
    echoed = run_write(
        convot_sandbox,
        tmp_path,
        [
            B.record("conversations", conversation),
            B.record("conversation_messages", B.message("s-1", 11, B.T0 + 100, content="first")),
            B.record("conversation_messages", late),
            B.state("conversation_messages", "done"),
        ],
    )
    assert B.state_values(echoed) == [("conversation_messages", "done")]
    held = by_external_id(convot_sandbox.dump(), "conversations")["crisp:s-1"]
    assert held["created_at"] == iso_from_ms(B.T0 if column == "timestamp" else B.T0 + 100)
    contents = [message["content"] for message in held["messages"]]
    if column == "timestamp":
        assert contents == ["first"]
        assert f"timestamp is not a time in milliseconds (got '{2**70}')" in caplog.text
    else:
        assert contents == ["first", "never sent"]


@pytest.mark.parametrize("value", [2**70, -(2**70), 1e308, 10**400, "1e999", True, {"a": 1}])
def test_a_time_out_of_range_is_no_time(value: Any) -> None:
    assert iso_from_ms(value) is None


def test_an_order_beyond_64_bits_is_written_without_a_position_and_named(
    convot_sandbox: ConvotSandbox, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Before: Convot's 64-bit column made every try fail (a 5xx, retried, then the sync stopped)."""
    messages = [
        B.record("helpdesk_locales", B.locale("en")),
        B.record("helpdesk_categories", B.category("c-1", "Billing", 2**70)),
        B.record("helpdesk_articles", B.article("a1", "Welcome", "Hi", "c-1", order=2**70)),
        B.state("helpdesk_articles", "done"),
    ]
    assert B.state_values(run_write(convot_sandbox, tmp_path, messages)) == [("helpdesk_articles", "done")]
    dump = convot_sandbox.dump()
    assert [category["name"] for category in dump["helpdesk_categories"]] == ["Billing"]
    assert [article["title"] for article in dump["helpdesk_articles"]] == ["Welcome"]
    assert f"category c-1: order '{2**70}' is not a 64-bit integer: no position." in caplog.text
    assert f"article a1: order '{2**70}' is not a 64-bit integer: no position." in caplog.text
