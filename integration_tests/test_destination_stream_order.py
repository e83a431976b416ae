"""No write depends on the order streams arrive in (issue 18, G.12).

Convot cannot edit a message once posted, so a message written before the fact it needs (its operator's
email, for `operator_id`) is wrong for good. The same small workspace is fed in adverse stream orders and
interleavings; what Convot holds afterwards must be the same, written out by hand here, every time.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from airbyte_cdk.models import (
    AirbyteMessage,
    AirbyteStreamStatus,
    AirbyteStreamStatusTraceMessage,
    AirbyteTraceMessage,
    StreamDescriptor,
    TraceType,
    Type,
)

from destination_convot import DestinationConvot
from sandboxes.convot import ConvotSandbox
from testing import destination_builders as B
from testing.destination_harness import (
    NO_WAIT,
    by_external_id,
    destination_config,
    read_summary,
    run_write,
)

HELP = "https://acme.convot.help"


def by_stream(messages: list[AirbyteMessage]) -> dict[str, list[AirbyteMessage]]:
    """The workspace's messages (records and the state after them) grouped by stream, in discover order."""
    grouped: dict[str, list[AirbyteMessage]] = {}
    for message in messages:
        stream = (
            message.record.stream
            if message.type == Type.RECORD
            else message.state.stream.stream_descriptor.name
        )
        grouped.setdefault(stream, []).append(message)
    return grouped


def in_order(*first: str) -> list[AirbyteMessage]:
    """The workspace with the streams `first` moved to the front, the others after them in discover order."""
    grouped = by_stream(B.workspace())
    order = [*first, *(stream for stream in grouped if stream not in first)]
    return [message for stream in order for message in grouped[stream]]


def complete(stream: str) -> AirbyteMessage:
    return AirbyteMessage(
        type=Type.TRACE,
        trace=AirbyteTraceMessage(
            type=TraceType.STREAM_STATUS,
            emitted_at=0,
            stream_status=AirbyteStreamStatusTraceMessage(
                stream_descriptor=StreamDescriptor(name=stream), status=AirbyteStreamStatus.COMPLETE
            ),
        ),
    )


def interleaved() -> list[AirbyteMessage]:
    """Messages, one operator in their middle, the profiles, then the other operator and the operators'
    COMPLETE status, then the rest: what a concurrent source may send."""
    grouped = by_stream(B.workspace())
    messages, operators = grouped.pop("conversation_messages"), grouped.pop("operators")
    head = [m for m in messages if m.type == Type.RECORD][:3]
    tail = [m for m in messages if m not in head]
    order = [*grouped.pop("conversations"), *head, operators[1], *tail, *grouped.pop("people_profiles")]
    order += [operators[0], operators[2], complete("operators")]
    return order + [message for rows in grouped.values() for message in rows]


ORDERS = {
    "messages before operators": in_order("conversations", "conversation_messages"),
    "messages before operators, conversations last": in_order("conversation_messages", "operators"),
    "conversations before profiles and data": in_order(
        "conversations", "conversation_messages", "people_data"
    ),
    "data before profiles": in_order("people_data", "people_profiles"),
    "articles before sections, categories and locales": in_order("helpdesk_articles", "helpdesk_sections"),
    "operators interleaved with messages": interleaved(),
    "everything reversed": [m for rows in reversed(by_stream(B.workspace()).values()) for m in rows],
}


@pytest.mark.parametrize("order", list(ORDERS), ids=list(ORDERS))
def test_convot_holds_the_same_whatever_the_stream_order(
    convot_sandbox: ConvotSandbox, tmp_path: Path, order: str, caplog: pytest.LogCaptureFixture
) -> None:
    alice = convot_sandbox.create_user(1, "alice@team.test", "Alice")
    run_write(
        convot_sandbox,
        tmp_path,
        ORDERS[order],
        operator_emails={"alice@team.test": alice},
        help_center_url=HELP,
    )
    dump = convot_sandbox.dump()
    contacts = by_external_id(dump, "contacts")
    jane = contacts["crisp:p-1"]
    assert (jane["email"], jane["name"], jane["phone"]) == ("jane@example.com", "Jane Doe", "+33 1 23")
    assert jane["custom_data"] == {"crisp_segments": "vip,beta", "plan": "pro", "seats": 5, "trial": False}

    conversations = by_external_id(dump, "conversations")
    threads = {
        key: [(m["type"], m["content"], m["operator_id"]) for m in conversation["messages"]]
        for key, conversation in conversations.items()
    }
    assert threads == {
        "crisp:s-1": [
            ("incoming", "I need help", None),
            ("outgoing", "Sure, what's up?", alice),  # op-1 is alice: attributed whatever came first
            ("note", "VIP customer", None),
            ("incoming", "[invoice.pdf](https://files.test/invoice.pdf)", None),
        ],
        "crisp:s-2": [("incoming", "Hello?", None), ("outgoing", "Pick one\n- Billing\n- Tech ✓", None)],
    }
    assert (conversations["crisp:s-1"]["status"], conversations["crisp:s-2"]["status"]) == (
        "resolved",
        "open",
    )
    assert conversations["crisp:s-1"]["contact_id"] == jane["id"]

    categories = by_external_id(dump, "helpdesk_categories")
    setup = categories["crisp:category:en:c-2"]["id"]
    articles = by_external_id(dump, "helpdesk_articles")
    assert (articles["crisp:article:en:a3"]["category_id"], articles["crisp:article:en:a3"]["position"]) == (
        setup,
        2001,
    )
    assert articles["crisp:article:en:a1"]["content"] == (
        f"See [the billing guide]({HELP}/en/article/a2-x1y2) and [setup]({HELP}/en/article/a3-x1y2)."
    )
    assert [(lang["locale"], lang["name"]) for lang in dump["helpdesk_languages"]] == [("en", "English")]
    summary = next(r.getMessage() for r in caplog.records if "Convot import summary" in r.getMessage())
    _, skipped = read_summary(summary)
    assert "messages: waiting for their conversation: kept pending" not in skipped


def test_a_held_operator_message_is_written_once_the_operators_stream_completes(
    convot_sandbox: ConvotSandbox, tmp_path: Path
) -> None:
    """The hold ends when the fact's stream says COMPLETE, not only at the end of the input: the states after
    it come back with the conversation already in Convot."""
    alice = convot_sandbox.create_user(1, "alice@team.test", "Alice")
    grouped = by_stream(B.workspace())
    messages = [*grouped["conversations"], *grouped["conversation_messages"], *grouped["operators"]]
    messages += [complete("operators"), B.state("people_profiles", "after operators")]
    held_then: dict[str, dict] = {}
    config = destination_config(convot_sandbox, tmp_path, operator_emails={"alice@team.test": alice})
    for message in DestinationConvot(pacing=NO_WAIT, report_interval=3600).write(
        config, B.catalog(), messages
    ):
        if message.type == Type.STATE and message.state.stream.stream_descriptor.name == "people_profiles":
            held_then = by_external_id(convot_sandbox.dump(), "conversations")
    assert [m["operator_id"] for m in held_then["crisp:s-1"]["messages"]][:2] == [None, alice]
