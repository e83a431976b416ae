"""destination-convot end to end against the Convot sandbox, fed synthetic source-crisp records."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
import requests
from airbyte_cdk.models import Type

from destination_convot import DestinationConvot
from sandboxes.convot import ConvotSandbox
from testing import destination_builders as B
from testing.destination_harness import (
    NO_WAIT,
    by_external_id,
    counts,
    destination_config,
    duplicates,
    read_summary,
    run_write,
)

HELP = "https://acme.convot.help"
EXPECTED_COUNTS = {
    "contacts": 3,
    "conversations": 2,
    "messages": 6,
    "languages": 1,
    "categories": 2,
    "articles": 4,
}


@pytest.fixture
def alice(convot_sandbox: ConvotSandbox) -> int:
    return convot_sandbox.create_user(1, "alice@team.test", "Alice")


def import_workspace(sandbox: ConvotSandbox, tmp_path: Path, alice: int, messages=None) -> list:
    return run_write(
        sandbox,
        tmp_path,
        B.workspace() if messages is None else messages,
        operator_emails={"alice@team.test": alice},
        help_center_url=HELP,
    )


def thread(conversation: dict) -> list[tuple]:
    return [(m["type"], m["content"], m["operator_id"]) for m in conversation["messages"]]


def test_workspace_lands_in_convot_as_mapped(
    convot_sandbox: ConvotSandbox, tmp_path: Path, alice: int
) -> None:
    output = import_workspace(convot_sandbox, tmp_path, alice)
    dump = convot_sandbox.dump()
    assert counts(dump) == EXPECTED_COUNTS
    assert [name for name, _ in B.state_values(output)] == list(B.STREAMS)

    contacts = by_external_id(dump, "contacts")
    jane = contacts["crisp:p-1"]
    assert (jane["email"], jane["name"], jane["phone"]) == ("jane@example.com", "Jane Doe", "+33 1 23")
    assert jane["custom_data"] == {"crisp_segments": "vip,beta", "plan": "pro", "seats": 5, "trial": False}
    assert (contacts["crisp:p-3"]["email"], contacts["crisp:p-3"]["name"]) == (
        "new@example.com",
        "New Person",
    )

    conversations = by_external_id(dump, "conversations")
    first, second = conversations["crisp:s-1"], conversations["crisp:s-2"]
    assert (first["status"], first["contact_id"], first["created_at"]) == (
        "resolved",
        jane["id"],
        "2023-11-14T22:13:20.000Z",
    )
    assert thread(first) == [
        ("incoming", "I need help", None),
        ("outgoing", "Sure, what's up?", alice),
        ("note", "VIP customer", None),  # bob is not in operator_emails: the API identity
        ("incoming", "[invoice.pdf](https://files.test/invoice.pdf)", None),
    ]  # the event message is skipped
    assert [m["created_at"] for m in first["messages"][1:]] == [
        "2023-11-14T22:13:20.200Z",
        "2023-11-14T22:13:20.300Z",
        "2023-11-14T22:13:20.400Z",
    ]
    assert second["status"] == "open"
    assert second["contact_id"] == contacts["crisp:p-3"]["id"]
    assert thread(second) == [
        ("incoming", "Hello?", None),
        ("outgoing", "Pick one\n- Billing\n- Tech ✓", None),
    ]
    assert "crisp:s-3" not in conversations  # no message: nothing to seed it with

    assert [(lang["locale"], lang["name"]) for lang in dump["helpdesk_languages"]] == [("en", "English")]
    categories = by_external_id(dump, "helpdesk_categories")
    billing, setup = categories["crisp:category:en:c-1"], categories["crisp:category:en:c-2"]
    assert (billing["name"], billing["position"], setup["name"], setup["position"]) == (
        "Billing",
        1,
        "Setup",
        2,
    )
    articles = by_external_id(dump, "helpdesk_articles")
    welcome = articles["crisp:article:en:a1"]
    assert welcome["content"] == (
        f"See [the billing guide]({HELP}/en/article/a2-x1y2) and [setup]({HELP}/en/article/a3-x1y2)."
    )
    assert (welcome["title"], welcome["summary"], welcome["status"]) == (
        "Welcome",
        "Summary of Welcome",
        "visible",
    )
    placement = {
        key: (article["category_id"], article["position"], article["status"])
        for key, article in articles.items()
    }
    assert placement == {
        "crisp:article:en:a1": (billing["id"], 1, "visible"),
        "crisp:article:en:a2": (billing["id"], 2, "visible"),
        "crisp:article:en:a3": (setup["id"], 2001, "visible"),  # section sec-2 (order 1) folded into Setup
        "crisp:article:en:a4": (setup["id"], 1002, "draft"),  # section sec-1 (order 0) comes first
    }


def test_each_state_is_echoed_only_after_the_records_before_it_are_in_convot(
    convot_sandbox: ConvotSandbox, tmp_path: Path, alice: int
) -> None:
    config = destination_config(convot_sandbox, tmp_path, operator_emails={"alice@team.test": alice})
    held_at_state = {}
    for message in DestinationConvot(pacing=NO_WAIT).write(config, B.catalog(), iter(B.workspace())):
        if message.type == Type.STATE:
            held_at_state[message.state.stream.stream_descriptor.name] = counts(convot_sandbox.dump())
    # At each echo, at least everything before that state is in Convot (writes may run ahead of the echo).
    assert held_at_state["people_profiles"]["contacts"] >= 2
    assert held_at_state["conversation_messages"]["conversations"] == 2
    assert held_at_state["conversation_messages"]["messages"] == 6
    # Helpdesk records wait durably in the ledger until all articles are in, then are written at the end.
    assert counts(convot_sandbox.dump()) == EXPECTED_COUNTS


def test_records_in_any_stream_order_give_the_same_workspace(
    convot_sandbox: ConvotSandbox, tmp_path: Path, alice: int
) -> None:
    records = [m for m in B.workspace() if m.type == Type.RECORD]
    reversed_order = [*reversed(records), B.state("all", 1)]
    import_workspace(convot_sandbox, tmp_path, alice, reversed_order)
    dump = convot_sandbox.dump()
    assert counts(dump) == EXPECTED_COUNTS
    first = by_external_id(dump, "conversations")["crisp:s-1"]
    assert [m["content"] for m in first["messages"]][:2] == ["I need help", "Sure, what's up?"]
    jane = by_external_id(dump, "contacts")["crisp:p-1"]
    assert (jane["name"], jane["custom_data"]["plan"]) == ("Jane Doe", "pro")  # profile beats meta


def test_same_sync_twice_creates_nothing_and_a_changed_sync_updates_in_place(
    convot_sandbox: ConvotSandbox, tmp_path: Path, alice: int
) -> None:
    import_workspace(convot_sandbox, tmp_path, alice)
    before = convot_sandbox.dump()
    import_workspace(convot_sandbox, tmp_path, alice)
    again = convot_sandbox.dump()
    assert counts(again) == EXPECTED_COUNTS
    assert duplicates(again) == {}
    assert [c["updated_at"] for c in again["contacts"]] == [c["updated_at"] for c in before["contacts"]]

    changed = [
        B.record("people_profiles", B.profile("p-1", "jane@example.com", "Jane Smith")),
        B.record("people_data", B.people_data("p-1", plan="enterprise")),
        B.record("conversations", B.conversation("s-1", "p-1", "jane@example.com", "unresolved")),
        B.record("conversation_messages", B.message("s-1", 16, B.T0 + 600, "user", content="One more thing")),
        B.record("helpdesk_articles", B.article("a2", "Billing guide v2", "Pay **yearly**.", "c-1", order=2)),
        B.state("conversation_messages", 99),
    ]
    import_workspace(convot_sandbox, tmp_path, alice, changed)
    after = convot_sandbox.dump()
    assert counts(after) == {**EXPECTED_COUNTS, "messages": 7}
    jane = by_external_id(after, "contacts")["crisp:p-1"]
    assert (jane["name"], jane["custom_data"]["plan"], jane["custom_data"]["seats"]) == (
        "Jane Smith",
        "enterprise",
        5,
    )
    first = by_external_id(after, "conversations")["crisp:s-1"]
    assert (first["status"], first["messages"][-1]["content"]) == ("open", "One more thing")
    guide = by_external_id(after, "helpdesk_articles")["crisp:article:en:a2"]
    assert (guide["title"], guide["content"], guide["slug"]) == (
        "Billing guide v2",
        "Pay **yearly**.",
        "a2-x1y2",  # Crisp's slug, sent on create and kept when the title changes
    )
    assert duplicates(after) == {}


def test_preview_writes_nothing_and_counts_new_against_already_imported(
    convot_sandbox: ConvotSandbox, tmp_path: Path, alice: int, caplog: pytest.LogCaptureFixture
) -> None:
    import_workspace(convot_sandbox, tmp_path / "first", alice)
    with caplog.at_level(logging.INFO, logger="airbyte"):
        output = run_write(convot_sandbox, tmp_path, B.workspace(), preview=True)
    assert output == []  # no state: nothing was written that a state could vouch for
    assert counts(convot_sandbox.dump()) == EXPECTED_COUNTS  # only the first, real import
    assert not (tmp_path / "ledger.sqlite").exists()
    outcomes, skipped = read_summary(preview_summary(caplog))
    # "new" is what the real import above created; p-3 has no profile, its conversation's meta creates it
    assert {kind: outcomes[kind] for kind in EXPECTED_COUNTS} == {
        kind: {"new": count} for kind, count in EXPECTED_COUNTS.items()
    }
    assert skipped == {
        "conversations: empty (no message yet): kept pending": 1,  # s-3: no message, so nothing to create
        "messages: event message (Convot has no creatable activity)": 1,
        "visitors: no Convot counterpart (live visitor snapshots)": 1,
    }

    convot_sandbox.reset_counts()
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="airbyte"):
        run_write(convot_sandbox, tmp_path / "first", B.workspace(), preview=True)
    outcomes, skipped = read_summary(preview_summary(caplog))
    assert {kind: outcomes[kind] for kind in ("contacts", "conversations", "messages")} == {
        "contacts": {"already imported": 3},  # p-3 too, known from its conversation
        "conversations": {"already imported": 2},
        "messages": {"already imported": 6},
    }
    assert skipped["conversations: empty (no message yet): kept pending"] == 1
    assert convot_sandbox.request_counts() == {}


def preview_summary(caplog: pytest.LogCaptureFixture) -> str:
    return next(r.message for r in caplog.records if r.message.startswith("Convot preview summary"))


def test_a_person_already_in_convot_under_another_external_id_is_matched_by_email_not_duplicated(
    convot_sandbox: ConvotSandbox, tmp_path: Path, alice: int
) -> None:
    existing = requests.post(
        f"{convot_sandbox.base_url}/contacts",
        json={"email": "jane@example.com", "external_id": "shop:42", "name": "J."},
        headers={"Authorization": f"Bearer {convot_sandbox.token}"},
        timeout=10,
    ).json()["contact"]
    import_workspace(convot_sandbox, tmp_path, alice)
    import_workspace(convot_sandbox, tmp_path, alice)  # and again: still matched, nothing new
    dump = convot_sandbox.dump()
    assert counts(dump) == EXPECTED_COUNTS
    jane = next(contact for contact in dump["contacts"] if contact["email"] == "jane@example.com")
    assert (jane["id"], jane["external_id"], jane["name"]) == (existing["id"], "shop:42", "Jane Doe")
    assert jane["custom_data"]["plan"] == "pro"
    assert by_external_id(dump, "conversations")["crisp:s-1"]["contact_id"] == existing["id"]
