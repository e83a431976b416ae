"""The sort-order guesses of source_crisp/assumptions.py (CONVERSATION_SORT_PARAMS, FULL_REFRESH_SORT_PARAM,
WAITING_SINCE_SCAN_AXIS) and the page size of lists without `per_page`, under the Crisp sandbox's list
switches (sandboxes/crisp/ordering.py). Every read is checked record by record against the sandbox's ground
truth. In-process reads of a tiny workspace (80 conversations, pages of 20)."""

from __future__ import annotations

import logging
import math
import statistics
from collections.abc import Iterator
from typing import Any

import pytest
from airbyte_cdk.models import ConfiguredAirbyteCatalogSerializer, Status
from airbyte_cdk.test.entrypoint_wrapper import read
from airbyte_cdk.test.state_builder import StateBuilder

from sandboxes.crisp import CrispSandbox
from source_crisp import SourceCrisp
from source_crisp.client import Backoff

PAGE = 20
FIELDS = ("created_at", "updated_at", "waiting_since", "state")
OLDEST = "oldest_first"
SWITCHES: dict[str, dict[str, Any]] = {
    "the guess (newest first)": {},
    "created oldest first": {"order": {"order_date_created": OLDEST}},
    "created ignored": {"order": {"order_date_created": "ignored"}},
    "updated oldest first": {"order": {"order_date_updated": OLDEST}},
    "updated ignored": {"order": {"order_date_updated": "ignored"}},
    "waiting oldest first": {"order": {"order_date_waiting": OLDEST}},
    "waiting ignored": {"order": {"order_date_waiting": "ignored"}},
    "waiting as the docs read": {"order": {"order_date_waiting": "longest_waiting_first"}},
    "negative created_at on top of page 1": {"misplaced": "negative"},
    "middle item on top of page 1": {"misplaced": "middle"},
    "middle item on top of page 2": {"misplaced": "middle", "misplaced_page": 2},
    "everything switched": {
        "order": {
            "order_date_created": OLDEST,
            "order_date_updated": OLDEST,
            "order_date_waiting": "longest_waiting_first",
        },
        "misplaced": "middle",
    },
}
CURSORS = ("updated_at", "created_at", "waiting_since")
# Columns given, so no discovery request is made: request counts are the read's own.
SCHEMA = {
    "type": "object",
    "properties": {
        name: {"type": ["null", "string" if name in ("session_id", "state", "locale", "article_id",
                                                    "category_id") else "integer"]}
        for name in ("session_id", *FIELDS, "fingerprint", "timestamp", "locale", "article_id", "category_id")
    },
}  # fmt: skip


def catalog(stream: str, sync_mode: str, cursor: str | None = None) -> Any:
    configured = {
        "stream": {"name": stream, "json_schema": SCHEMA, "supported_sync_modes": ["full_refresh"]},
        "sync_mode": sync_mode,
        "destination_sync_mode": "append",
    }
    if cursor:
        configured["cursor_field"] = [cursor]
    return ConfiguredAirbyteCatalogSerializer.load({"streams": [configured]})


def run(sandbox: CrispSandbox, stream: str, cursor: str | None = None, state: dict | None = None,
        **incremental: Any) -> Any:  # fmt: skip
    config = sandbox.source_config(page_size=PAGE) | ({"incremental": incremental} if incremental else {})
    saved = StateBuilder().with_stream_state(stream, state).build() if state is not None else None
    mode = "incremental" if cursor else "full_refresh"
    return read(SourceCrisp(Backoff.immediate()), config, catalog(stream, mode, cursor), state=saved)


def conversations(output: Any) -> dict[str, tuple]:
    """Emitted conversations by session_id (asserting none was emitted twice)."""
    records = [record.record.data for record in output.records]
    emitted = {record["session_id"]: tuple(record.get(name) for name in FIELDS) for record in records}
    assert len(emitted) == len(records), "a conversation was emitted twice"
    return emitted


def truth(sandbox: CrispSandbox) -> dict[str, tuple]:
    return {c["session_id"]: tuple(c.get(name) for name in FIELDS) for c in sandbox.workspace.conversations()}


def warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [record.getMessage() for record in caplog.records if record.levelno == logging.WARNING]


def state_of(output: Any) -> dict[str, Any]:
    return output.most_recent_state.stream_state.__dict__


@pytest.fixture(scope="module", params=list(SWITCHES), ids=list(SWITCHES))
def switched(request: pytest.FixtureRequest) -> Iterator[CrispSandbox]:
    """One sandbox per switch, shared by the reads that do not change it."""
    with CrispSandbox(size="tiny", seed=7, port=0, **SWITCHES[request.param]) as sandbox:
        yield sandbox


def test_full_refresh_emits_every_conversation_once_whatever_the_order(switched):
    assert conversations(run(switched, "conversations")) == truth(switched)


@pytest.mark.parametrize("comparison", ["newer_than", "older_than"])
@pytest.mark.parametrize("cursor", CURSORS)
def test_incremental_emits_exactly_the_matching_conversations(switched, cursor, comparison):
    everything = truth(switched)
    values = {sid: facts[FIELDS.index(cursor)] for sid, facts in everything.items()}
    reference = int(statistics.median(value for value in values.values() if value is not None))
    expected = {
        sid: everything[sid]
        for sid, value in values.items()
        if value is not None and (value > reference if comparison == "newer_than" else value < reference)
    }
    output = run(switched, "conversations", cursor, comparison=comparison,
                 reference={"type": "fixed_date", "date": str(reference)})  # fmt: skip
    assert conversations(output) == expected


@pytest.mark.parametrize("switch", ["the guess (newest first)", "created oldest first",
                                    "negative created_at on top of page 1"])  # fmt: skip
def test_full_refresh_emits_every_message(switch):
    with CrispSandbox(size="tiny", seed=7, port=0, **SWITCHES[switch]) as sandbox:
        output = run(sandbox, "conversation_messages")
        emitted = [(r.record.data["session_id"], r.record.data["fingerprint"], r.record.data["timestamp"])
                   for r in output.records]  # fmt: skip
        expected = {(sid, m["fingerprint"], m["timestamp"]) for sid in truth(sandbox)
                    for m in sandbox.workspace.messages(sid)}  # fmt: skip
        assert len(emitted) == len(set(emitted)) == len(expected) == sandbox.workspace.total_messages()
        assert set(emitted) == expected


@pytest.mark.parametrize("switch", ["the guess (newest first)", "updated oldest first",
                                    "middle item on top of page 1"])  # fmt: skip
def test_incremental_messages_are_exactly_the_new_ones(switch):
    with CrispSandbox(size="tiny", seed=7, port=0, **SWITCHES[switch]) as sandbox:
        first = run(sandbox, "conversation_messages", "timestamp")
        touched = sandbox.touch_conversations(4)
        second = run(sandbox, "conversation_messages", "timestamp", state=state_of(first))
        newest = {sid: sandbox.workspace.messages(sid)[-1] for sid in touched}
        emitted = sorted((r.record.data["session_id"], r.record.data["fingerprint"]) for r in second.records)
        assert emitted == sorted((sid, m["fingerprint"]) for sid, m in newest.items())


@pytest.mark.parametrize("cursor", ["updated_at", "waiting_since"])
@pytest.mark.parametrize("switch", ["the guess (newest first)", "updated oldest first",
                                    "waiting as the docs read", "middle item on top of page 1"])  # fmt: skip
def test_the_next_run_from_state_emits_exactly_what_changed(switch, cursor):
    with CrispSandbox(size="tiny", seed=7, port=0, **SWITCHES[switch]) as sandbox:
        before = truth(sandbox)
        first = run(sandbox, "conversations", cursor)
        assert conversations(first) == {sid: facts for sid, facts in before.items()
                                        if facts[FIELDS.index(cursor)] is not None}  # fmt: skip
        sandbox.touch_conversations(5)
        after = truth(sandbox)
        changed = {sid: facts for sid, facts in after.items()
                   if facts[FIELDS.index(cursor)] != before[sid][FIELDS.index(cursor)]}  # fmt: skip
        assert changed, "touching conversations changed their cursor"
        second = run(sandbox, "conversations", cursor, state=state_of(first))
        assert conversations(second) == changed
        assert conversations(run(sandbox, "conversations", cursor, state=state_of(second))) == {}


def test_a_confirmed_order_stops_early_and_a_contradicted_one_scans_everything_with_one_warning(caplog):
    pages_in_full = math.ceil(80 / PAGE) + 1  # the last request finds the empty page
    costs = {}
    for switch in ("the guess (newest first)", "updated oldest first"):
        with CrispSandbox(size="tiny", seed=7, port=0, **SWITCHES[switch]) as sandbox:
            first = run(sandbox, "conversations", "updated_at")
            sandbox.touch_conversations(3)
            sandbox.reset_counts()
            caplog.clear()
            with caplog.at_level(logging.WARNING, logger="airbyte"):
                second = run(sandbox, "conversations", "updated_at", state=state_of(first))
            assert len(second.records) == 3
            costs[switch] = sandbox.request_counts()["conversations"], warnings(caplog)
    # page 1 holds the 3 changed ones and reaches the state: no page 2, no warning
    assert costs["the guess (newest first)"] == (1, [])
    requests, logged = costs["updated oldest first"]
    assert requests == pages_in_full
    assert len(logged) == 1
    assert "CONVERSATION_SORT_PARAMS: order_date_updated=1 lists conversations newest first" in logged[0]


def test_every_checkpoint_of_a_contradicted_scan_claims_no_more_than_the_state_it_started_from():
    with CrispSandbox(size="tiny", seed=7, port=0, **SWITCHES["updated oldest first"]) as sandbox:
        first = run(sandbox, "conversations", "updated_at")
        sandbox.touch_conversations(3)
        second = run(sandbox, "conversations", "updated_at", state=state_of(first))
        checkpoints = [message.state.stream.stream_state.__dict__ for message in second.state_messages]
        # killed at any page, the next run starts from the previous state: it re-reads, it never skips
        assert all(state == state_of(first) for state in checkpoints[:-1])
        assert checkpoints[-1]["updated_at"] > state_of(first)["updated_at"]


@pytest.mark.parametrize(
    ("switch", "expected"),
    [
        ("the guess (newest first)", "conversation order: newest first, confirmed on page 1 "
                                     "(order_date_updated, order_date_created)"),
        ("created oldest first", "order_date_created contradicted"),
        ("middle item on top of page 1", "order_date_updated contradicted"),
    ],
)  # fmt: skip
def test_check_reports_the_order_guess_with_two_requests(switch, expected):
    with CrispSandbox(size="tiny", seed=7, port=0, **SWITCHES[switch]) as sandbox:
        status = SourceCrisp(Backoff.immediate()).check(logging.getLogger("airbyte"), sandbox.source_config())
        assert status.status == Status.SUCCEEDED
        assert expected in status.message
        counts = sandbox.request_counts()
        assert (counts["website"], counts["conversations"]) == (1, 2)  # + the helpdesk probe


@pytest.mark.parametrize("size", [1, 7, 100])
def test_lists_without_per_page_are_complete_whatever_their_real_page_size(size):
    with CrispSandbox(size="tiny", seed=7, port=0, fixed_page_size=size) as sandbox:
        workspace = sandbox.workspace
        visitors = {r.record.data["session_id"] for r in run(sandbox, "visitors").records}
        assert visitors == {v["session_id"] for v in workspace.visitors()}
        locales = [locale["locale"] for locale in workspace.helpdesk_locales()]
        categories = {(r.record.data["locale"], r.record.data["category_id"])
                      for r in run(sandbox, "helpdesk_categories").records}  # fmt: skip
        assert categories == {(locale, c["category_id"]) for locale in locales
                              for c in workspace.helpdesk_categories(locale)}  # fmt: skip
        articles = {(r.record.data["locale"], r.record.data["article_id"])
                    for r in run(sandbox, "helpdesk_articles").records}  # fmt: skip
        assert articles == {(locale, a["article_id"]) for locale in locales
                            for a in workspace.helpdesk_articles(locale)}  # fmt: skip
