"""destination-convot on Convot's undocumented 413 and 409 answers (issue 18, J.23).

413 (payload too large): a message (or a conversation's seed) is sent once more with its content cut and a
note saying so, with a warning; anything else is rejected, named and counted; never a retry loop.
409 (conflict on create): Convot already holds the object (here: a ledger restored from an older copy). It
is found and adopted (a conversation's thread matched, an article updated), never created twice.
Before: both were plain rejections, so the message, or the conversation and all its new messages, were lost.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from destination_convot import assumptions as A
from sandboxes.convot import ConvotFaults, ConvotSandbox
from testing import destination_builders as B
from testing.destination_harness import by_external_id, counts, duplicates, run_write

LIMIT = 8_000  # bytes of a request body the sandbox accepts in these tests
LONG = " ".join(["word"] * 2_400)  # 11 999 characters
KEPT = len(LONG) // 2  # below A.CONTENT_CHARS_AFTER_413: half is kept


def test_a_message_too_large_is_sent_once_more_cut_with_a_note_and_a_warning(
    convot_sandbox: ConvotSandbox, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    convot_sandbox.set_faults(ConvotFaults(max_body_bytes=LIMIT))
    echoed = run_write(
        convot_sandbox,
        tmp_path,
        [
            B.record("conversations", B.conversation("s-1", "p-1", "jane@example.com")),
            B.record("conversation_messages", B.message("s-1", 11, B.T0 + 100, content="Hi")),
            B.record("conversation_messages", B.message("s-1", 12, B.T0 + 200, content=LONG)),
            B.record("conversation_messages", B.message("s-1", 13, B.T0 + 300, content="Bye")),
            B.state("conversation_messages", "done"),
        ],
    )
    assert B.state_values(echoed) == [("conversation_messages", "done")]
    contents = [
        m["content"] for m in by_external_id(convot_sandbox.dump(), "conversations")["crisp:s-1"]["messages"]
    ]
    assert contents[0] == "Hi"
    assert contents[2] == "Bye"
    assert contents[1] == LONG[:KEPT] + A.TRUNCATION_NOTE.format(left_out=len(LONG) - KEPT)
    assert convot_sandbox.request_log()["statuses"].get("413") == 1  # one refusal, one shorter try: no loop
    assert "Convot refused a message" in caplog.text
    assert "as too large (413" in caplog.text


def test_a_seed_too_large_starts_its_conversation_cut_and_a_rerun_duplicates_nothing(
    convot_sandbox: ConvotSandbox, tmp_path: Path
) -> None:
    """The neighbour: the first message travels with the conversation's create."""
    convot_sandbox.set_faults(ConvotFaults(max_body_bytes=LIMIT))
    messages = [
        B.record("conversations", B.conversation("s-1", "p-1", "jane@example.com")),
        B.record("conversation_messages", B.message("s-1", 11, B.T0 + 100, content=LONG)),
        B.record("conversation_messages", B.message("s-1", 12, B.T0 + 200, content="Thanks")),
        B.state("conversation_messages", "done"),
    ]
    run_write(convot_sandbox, tmp_path, messages)
    run_write(convot_sandbox, tmp_path, messages)
    dump = convot_sandbox.dump()
    held = by_external_id(dump, "conversations")["crisp:s-1"]
    assert [m["content"][:4] for m in held["messages"]] == ["word", "Than"]
    assert duplicates(dump) == {}


def test_an_article_too_large_is_rejected_named_and_counted_once_and_the_rest_is_written(
    convot_sandbox: ConvotSandbox, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    convot_sandbox.set_faults(ConvotFaults(max_body_bytes=LIMIT))
    echoed = run_write(
        convot_sandbox,
        tmp_path,
        [
            B.record("helpdesk_locales", B.locale("en")),
            B.record("helpdesk_categories", B.category("c-1", "Billing", 1)),
            B.record("helpdesk_articles", B.article("a1", "Huge", LONG, "c-1")),
            B.record("helpdesk_articles", B.article("a2", "Small", "Short.", "c-1", order=2)),
            B.state("helpdesk_articles", "done"),
        ],
    )
    assert B.state_values(echoed) == [("helpdesk_articles", "done")]
    assert [a["title"] for a in convot_sandbox.dump()["helpdesk_articles"]] == ["Small"]
    assert convot_sandbox.request_log()["statuses"].get("413") == 1
    assert "Convot rejected article en:a1: 413 payload_too_large" in caplog.text
    assert "articles: rejected by Convot (413 payload_too_large)" in caplog.text  # the summary counts it


def test_a_409_on_create_adopts_what_convot_holds_and_duplicates_nothing(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A ledger restored from a copy older than the last sync: it knows s-1 but not s-2 nor the helpdesk,
    which Convot holds. Creating them again answers 409."""
    older = [
        B.record("conversations", B.conversation("s-1", "p-1", "jane@example.com")),
        B.record("conversation_messages", B.message("s-1", 11, B.T0 + 100, content="first")),
        B.state("conversation_messages", "s-1"),
    ]
    newer = [
        B.record("conversations", B.conversation("s-2", "p-2", "max@example.com", "unresolved")),
        B.record("conversation_messages", B.message("s-2", 21, B.T0 + 200, content="one")),
        B.record("conversation_messages", B.message("s-2", 22, B.T0 + 300, "operator", content="two")),
        B.record("helpdesk_locales", B.locale("en")),
        B.record("helpdesk_categories", B.category("c-1", "Billing", 1)),
        B.record("helpdesk_articles", B.article("a1", "Welcome", "Hello.", "c-1")),
        B.state("helpdesk_articles", "s-2"),
    ]
    later = [
        B.record("conversation_messages", B.message("s-2", 23, B.T0 + 400, content="three")),
        B.record("helpdesk_articles", B.article("a1", "Welcome back", "Hello again.", "c-1")),
        B.state("helpdesk_articles", "later"),
    ]
    with ConvotSandbox(
        db_path=tmp_path / "convot.sqlite", faults=ConvotFaults(conflict_on_known_external_id=True)
    ) as sandbox:
        ledger = tmp_path / "ledger.sqlite"
        run_write(sandbox, tmp_path, older)
        shutil.copy(ledger, tmp_path / "backup.sqlite")
        run_write(sandbox, tmp_path, [*older, *newer])
        shutil.copy(tmp_path / "backup.sqlite", ledger)  # restored: it does not know s-2 nor the helpdesk
        for leftover in tmp_path.glob("ledger.sqlite-*"):
            leftover.unlink()
        echoed = run_write(sandbox, tmp_path, [*older, *newer, *later])

        assert B.state_values(echoed) == [
            ("conversation_messages", "s-1"),
            ("helpdesk_articles", "s-2"),
            ("helpdesk_articles", "later"),
        ]
        dump = sandbox.dump()
        assert duplicates(dump) == {}
        assert {kind: counts(dump)[kind] for kind in ("conversations", "messages", "articles")} == {
            "conversations": 2,
            "messages": 4,  # s-1's one, s-2's three
            "articles": 1,
        }
        thread = by_external_id(dump, "conversations")["crisp:s-2"]["messages"]
        assert [m["content"] for m in thread] == ["one", "two", "three"]
        assert [a["title"] for a in dump["helpdesk_articles"]] == ["Welcome back"]  # adopted and updated
        assert sandbox.request_log()["statuses"].get("409", 0) >= 2  # the conversation, the category/article
        assert "409 conflict to the create of conversation s-2" in caplog.text
