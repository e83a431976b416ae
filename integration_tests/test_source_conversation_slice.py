"""conversation_participants and conversation_routing incremental, against the tiny sandbox in-process: the
conversations that changed plus a rotating slice of the others (rotating_slice.py), because Crisp is not
known to move a conversation's updated_at when its routing or participants change
(assumptions.CONVERSATION_UPDATED_AT_COVERS_UNDATED_CHILDREN). Under both answers of the sandbox switch
`undated_children_bump_updated_at`, a reassignment is read within `conversation_refresh_syncs` syncs."""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import pytest
from airbyte_cdk.models import ConfiguredAirbyteCatalogSerializer
from airbyte_cdk.test.entrypoint_wrapper import EntrypointOutput

from sandboxes.crisp import CrispSandbox
from sandboxes.crisp.conversations import ConversationQuery
from source_crisp import conversation_streams
from testing.source_runs import (
    configure,
    discovered_catalog,
    last_states,
    read_in_process,
)
from testing.source_runs import stream_records as records

PAGE = 20  # 80 tiny conversations: 4 full list pages
STREAMS = ("conversation_participants", "conversation_routing")


def sync(sandbox: CrispSandbox, state: dict[str, Any] | None = None, **config: Any) -> EntrypointOutput:
    if not hasattr(sandbox, "slice_catalog"):
        discovered = discovered_catalog(sandbox.source_config(page_size=PAGE))
        configured = configure(discovered, STREAMS, incremental=True)
        sandbox.slice_catalog = ConfiguredAirbyteCatalogSerializer.load(configured)  # type: ignore[attr-defined]
    return read_in_process(
        sandbox.source_config(page_size=PAGE, **config),
        sandbox.slice_catalog,  # type: ignore[attr-defined]
        state,
    )


def by_creation(sandbox: CrispSandbox) -> list[str]:
    """The session ids in the order of the list the slice walks (newest created first), from the sandbox."""
    store = sandbox.workspace.store
    newest_created_first = store.query(ConversationQuery(order="created_at", include_empty=True))
    return [store.session_id(i) for i in newest_created_first]


@pytest.fixture(params=[False, True], ids=["routing_keeps_updated_at", "routing_bumps_updated_at"])
def sandbox(request: pytest.FixtureRequest) -> Iterator[CrispSandbox]:
    with CrispSandbox(size="tiny", seed=7, port=0, undated_children_bump_updated_at=request.param) as sandbox:
        yield sandbox


@pytest.fixture
def tiny() -> Iterator[CrispSandbox]:
    with CrispSandbox(size="tiny", seed=7, port=0) as sandbox:
        yield sandbox


def test_a_reassignment_is_read_within_conversation_refresh_syncs_whatever_updated_at_does(
    sandbox: CrispSandbox,
):
    order = by_creation(sandbox)
    pages = math.ceil(len(order) / PAGE)
    first = sync(sandbox)
    truth = {c["session_id"]: c["updated_at"] for c in sandbox.workspace.conversations()}
    for stream in STREAMS:  # every record carries its conversation's updated_at, its cursor
        assert {r["session_id"]: r["conversation_updated_at"] for r in records(first, stream)}.items() <= (
            truth.items()
        )
    state = last_states(first)
    assert state["conversation_routing"]["list_pages"] == pages  # learned from the first, complete walk
    assert state["conversation_routing"]["slice_page"] == 1
    moved = order[-1]  # on the slice's last page: the latest a slice can come to it
    operator = sandbox.workspace.operators()[0]["details"]["user_id"]
    sandbox.reassign_conversation(moved, operator)
    bumped = sandbox.undated_children_bump_updated_at
    seen_at = None
    for number in range(1, pages + 1):
        sandbox.reset_counts()
        output = sync(sandbox, state, conversation_refresh_syncs=pages)  # one page of slice per sync
        state = last_states(output)
        counts = sandbox.request_counts()
        routing = {r["session_id"]: r for r in records(output, "conversation_routing")}
        changed = {moved} if bumped and number == 1 else set()
        slice_page = set(order[(number - 1) * PAGE : number * PAGE])
        assert set(routing) <= changed | slice_page  # (an unassigned one answers {}: no row)
        assert counts["conversation_routing"] == len(changed | slice_page)  # each read once, no more
        if moved in routing:
            seen_at = seen_at or number
            assert routing[moved]["assigned_user_id"] == operator
    # Bumped: the changed part reads it on the next sync; not bumped: the slice, at most `pages` syncs late.
    assert seen_at == (1 if bumped else pages)


def test_the_slice_goes_round_every_conversation_once_per_round_and_says_what_it_cost(
    tiny: CrispSandbox, caplog: pytest.LogCaptureFixture
):
    order = by_creation(tiny)
    pages = math.ceil(len(order) / PAGE)
    state = last_states(sync(tiny))
    read: list[str] = []
    for _ in range(pages + 1):
        tiny.reset_counts()
        with caplog.at_level("INFO", logger="airbyte"):
            output = sync(tiny, state, conversation_refresh_syncs=pages)
        state = last_states(output)
        read += [r["session_id"] for r in records(output, "conversation_participants")]
        counts = tiny.request_counts()
        assert counts["conversation_participants"] == counts["conversation_routing"] == PAGE
    seen = list(dict.fromkeys(read))  # participants: one row per participant, some have none
    with_participants = [s for s in order if tiny.workspace.conversation_participants(s)]
    first_page = [s for s in order[:PAGE] if s in with_participants]
    assert read == [s for s in with_participants for _ in tiny.workspace.conversation_participants(s)] + [
        s for s in first_page for _ in tiny.workspace.conversation_participants(s)
    ]  # pages 1..4 (the end), then page 1 again
    assert seen == with_participants
    assert state["conversation_routing"]["slice_page"] == 2
    said = [r.getMessage() for r in caplog.records if " of them the rotating slice)" in r.getMessage()]
    # The last sync, participants: the changed part's list page (no change: it stops there); the slice's
    # page 5 (the list ended on a full page 4: empty, so round to page 1), page 1 and its PAGE conversations.
    # Routing: the same list pages from the sync's page store, and its PAGE conversations.
    assert said[-2:] == [
        f"conversation_participants: {PAGE + 3} requests ({PAGE + 2} of them the rotating slice)",
        f"conversation_routing: {PAGE} requests ({PAGE} of them the rotating slice)",
    ]


def test_the_slice_resumes_at_its_checkpoint_and_learns_the_list_size_when_unknown(tiny: CrispSandbox):
    order = by_creation(tiny)
    pages = math.ceil(len(order) / PAGE)
    state = last_states(sync(tiny))
    killed = {k: v for k, v in state["conversation_routing"].items() if k != "list_pages"} | {"slice_page": 3}
    tiny.reset_counts()
    output = sync(tiny, {"conversation_routing": killed}, conversation_refresh_syncs=pages)
    routed = {r["session_id"] for r in records(output, "conversation_routing")}
    # No page count in the state: one whole round, from page 3 to the end, then pages 1 and 2.
    assert routed <= set(order)
    assert tiny.request_counts()["conversation_routing"] == len(order)
    after = last_states(output)["conversation_routing"]
    assert after["list_pages"] == pages
    assert after["slice_page"] == 3
    output = sync(tiny, {"conversation_routing": after}, conversation_refresh_syncs=pages)
    routed = {r["session_id"] for r in records(output, "conversation_routing")}
    assert routed <= set(order[2 * PAGE : 3 * PAGE])
    assert last_states(output)["conversation_routing"]["slice_page"] == 4


def test_no_slice_once_crisp_is_known_to_bump_updated_at(monkeypatch: pytest.MonkeyPatch):
    """The guess's other answer: with the constant flipped, only the changed conversations are read (safe
    only where Crisp really bumps it, which the sandbox switch emulates here)."""
    monkeypatch.setattr(conversation_streams, "CONVERSATION_UPDATED_AT_COVERS_UNDATED_CHILDREN", True)
    with CrispSandbox(size="tiny", seed=7, port=0, undated_children_bump_updated_at=True) as sandbox:
        state = last_states(sync(sandbox))
        moved = by_creation(sandbox)[-1]
        operator = sandbox.workspace.operators()[0]["details"]["user_id"]
        sandbox.reassign_conversation(moved, operator)
        sandbox.reset_counts()
        output = sync(sandbox, state)
        routed = [(r["session_id"], r["assigned_user_id"]) for r in records(output, "conversation_routing")]
        assert routed == [(moved, operator)]
        assert sandbox.request_counts()["conversation_routing"] == 1
