"""People incremental reads against the tiny sandbox, in-process: people_profiles newest first under every
answer Crisp could give to the sort guess (PEOPLE_SORT_PARAMS), and its children (people_data) read for the
changed profiles plus a rotating slice, at the promised request cost."""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Iterator
from typing import Any

import pytest
from airbyte_cdk.models import ConfiguredAirbyteCatalogSerializer
from airbyte_cdk.test.entrypoint_wrapper import EntrypointOutput, read

from sandboxes.crisp import CrispSandbox
from source_crisp import SourceCrisp
from source_crisp.client import Backoff
from testing.source_runs import (
    configure,
    discovered_catalog,
    last_states,
    read_in_process,
)
from testing.source_runs import stream_records as records

PAGE = 20
PEOPLE = ("people_profiles", "people_data")
SORTS = ("honoured", "ignored", "ascending", "refused")


def catalog(sandbox: CrispSandbox, *streams: str) -> Any:
    """Incremental on the default cursors, with the discovered schemas (so a read costs no discovery)."""
    discovered = discovered_catalog(sandbox.source_config(page_size=PAGE))
    return ConfiguredAirbyteCatalogSerializer.load(configure(discovered, streams, incremental=True))


def sync(sandbox: CrispSandbox, state: dict[str, Any] | None = None, **config: Any) -> EntrypointOutput:
    if not hasattr(sandbox, "people_catalog"):
        sandbox.people_catalog = catalog(sandbox, *PEOPLE)  # type: ignore[attr-defined]
    return read_in_process(
        sandbox.source_config(page_size=PAGE, **config),
        sandbox.people_catalog,  # type: ignore[attr-defined]
        state,
    )


def warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [record.getMessage() for record in caplog.records if record.levelno == logging.WARNING]


def truth_of_data(sandbox: CrispSandbox, people_id: str) -> dict[str, Any]:
    return sandbox.workspace.people_data(people_id)


@pytest.fixture(params=SORTS)
def sandbox(request: pytest.FixtureRequest) -> Iterator[CrispSandbox]:
    with CrispSandbox(size="tiny", seed=7, port=0, people_sort=request.param) as sandbox:
        yield sandbox


def test_two_incremental_runs_under_every_answer_to_the_sort_guess(
    sandbox: CrispSandbox, caplog: pytest.LogCaptureFixture
):
    people_sort = sandbox._state.lists.people_sort
    profiles = sandbox.workspace.people_profiles()
    pages = math.ceil(len(profiles) / PAGE)
    first = sync(sandbox)
    assert sorted(r["people_id"] for r in records(first, "people_profiles")) == sorted(
        p["people_id"] for p in profiles
    )
    data = {r["people_id"]: r for r in records(first, "people_data")}
    assert set(data) == {p["people_id"] for p in profiles}
    for profile in profiles:  # every record equals the ground truth, with its profile's updated_at
        assert json.loads(data[profile["people_id"]]["data"]) == truth_of_data(sandbox, profile["people_id"])
        assert data[profile["people_id"]]["profile_updated_at"] == profile["updated_at"]

    touched = set(sandbox.touch_profiles(3))
    sandbox.reset_counts()
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="airbyte"):
        second = sync(sandbox, last_states(first), people_refresh_syncs=pages)  # one page of slice per sync
    counts = sandbox.request_counts()

    changed = {p["people_id"]: p for p in sandbox.workspace.people_profiles() if p["people_id"] in touched}
    assert {r["people_id"]: r["updated_at"] for r in records(second, "people_profiles")} == {
        people_id: profile["updated_at"] for people_id, profile in changed.items()
    }
    emitted = {r["people_id"]: r for r in records(second, "people_data")}
    assert touched <= set(emitted)
    for people_id in emitted:
        assert json.loads(emitted[people_id]["data"]) == truth_of_data(sandbox, people_id)
    newest = max(p["updated_at"] for p in changed.values())
    assert last_states(second)["people_profiles"]["updated_at"] == newest
    assert last_states(second)["people_data"]["profile_updated_at"] == newest

    # people_data: the changed profiles plus one page of the unsorted list (the slice), never one twice.
    slice_page = [p["people_id"] for p in profiles[:PAGE]]  # the default order, page 1
    assert set(emitted) == touched | set(slice_page)
    assert counts["people_data"] == len(emitted)
    assert counts["people_stats"] == 1
    guessed = [w for w in warnings(caplog) if "PEOPLE_SORT_PARAMS" in w]
    if people_sort == "honoured":
        # The changed profiles sit on the first page newest first; the data stream re-walks that shared page.
        # Then the slice's one page: 2 list requests.
        assert counts["people_profiles"] == 2
        assert not guessed
    else:
        # One warning naming the guess and saying what happened (per sync: each stream scans on its own).
        assert len(guessed) == 1
        assert "source_crisp/assumptions.py" in guessed[0]
        assert ("refused" if people_sort == "refused" else "contradicts") in guessed[0]
        # A complete scan: every page and the empty one that ends the list, once (the data stream re-walks
        # the pages people_profiles read), plus the slice's page; a refused sort costs its refusal per stream.
        complete = pages + 1
        refusals = 2 if people_sort == "refused" else 0
        slice_cost = 0 if people_sort == "refused" else 1  # refused: the slice's page is the unsorted page 1
        assert counts["people_profiles"] == complete + refusals + slice_cost


@pytest.fixture
def tiny() -> Iterator[CrispSandbox]:
    with CrispSandbox(size="tiny", seed=7, port=0) as sandbox:
        yield sandbox


def test_a_data_edit_that_leaves_updated_at_alone_is_read_within_people_refresh_syncs(tiny: CrispSandbox):
    profiles = tiny.workspace.people_profiles()
    pages = math.ceil(len(profiles) / PAGE)
    state = last_states(sync(tiny))
    last = profiles[-1]["people_id"]  # on the last page of the unsorted list
    tiny.edit_people_data(last, plan="enterprise", renewal_at="2027-01-01")
    seen_at = None
    for number in range(1, pages + 1):
        output = sync(tiny, state, people_refresh_syncs=pages)
        state = last_states(output)
        emitted = {r["people_id"]: r for r in records(output, "people_data")}
        assert not records(output, "people_profiles")  # no profile changed
        assert len(emitted) == PAGE  # one page of the slice per sync
        if last in emitted:
            seen_at = number
            assert json.loads(emitted[last]["data"])["renewal_at"] == "2027-01-01"
    assert seen_at is not None, f"the edit was not read within {pages} syncs"


def test_the_slice_rotates_through_every_profile_and_goes_round(tiny: CrispSandbox):
    profiles = tiny.workspace.people_profiles()
    pages = math.ceil(len(profiles) / PAGE)
    state = last_states(sync(tiny))
    assert state["people_data"]["slice_page"] == 1
    read: list[str] = []
    for _ in range(pages + 1):
        output = sync(tiny, state, people_refresh_syncs=pages)
        state = last_states(output)
        read += [r["people_id"] for r in records(output, "people_data")]
    ids = [p["people_id"] for p in profiles]
    assert read == ids + ids[:PAGE]  # page 1, page 2 (the end), page 1 again
    assert state["people_data"]["slice_page"] == 2


def test_people_refresh_syncs_sizes_the_slice(tiny: CrispSandbox):
    state = last_states(sync(tiny))
    tiny.reset_counts()
    output = sync(tiny, state, people_refresh_syncs=1)  # every profile, every sync
    assert len(records(output, "people_data")) == len(tiny.workspace.people_profiles())
    assert tiny.request_counts()["people_data"] == len(tiny.workspace.people_profiles())


def test_slice_resumes_after_a_kill_at_its_checkpoint(tiny: CrispSandbox):
    profiles = tiny.workspace.people_profiles()
    state = last_states(sync(tiny))
    killed = dict(state["people_data"], slice_page=2)  # as if the last sync stopped after slice page 1
    output = sync(tiny, {**state, "people_data": killed}, people_refresh_syncs=2)
    second_page = [profile["people_id"] for profile in profiles[PAGE:]]
    assert [r["people_id"] for r in records(output, "people_data")] == second_page
    # Page 2 was full: the next slice asks for page 3, finds the list ended and goes round to page 1.
    assert last_states(output)["people_data"]["slice_page"] == 3


def test_changed_part_resumes_from_its_covered_range_after_a_kill(tiny: CrispSandbox):
    state = last_states(sync(tiny))
    touched = tiny.touch_profiles(25)  # more than a page of changed profiles
    output = sync(tiny, state)
    midway = next(  # as if killed after the first page of changed profiles
        message.state.stream.stream_state.__dict__
        for message in output.state_messages
        if message.state.stream.stream_descriptor.name == "people_data"
        and "covered" in message.state.stream.stream_state.__dict__
    )
    resumed = sync(tiny, {**state, "people_data": midway})
    first_part = {r["people_id"] for r in records(output, "people_data")[:PAGE]}
    after = {r["people_id"] for r in records(resumed, "people_data")}
    assert set(touched) <= first_part | after


def test_a_data_key_absent_from_the_discovery_sample_is_still_emitted(tiny: CrispSandbox):
    last = tiny.workspace.people_profiles()[-1]["people_id"]  # far from the 5 profiles discover samples
    tiny.edit_people_data(last, loyalty_tier="gold")
    source = SourceCrisp(backoff=Backoff.immediate())
    output = read(source, tiny.source_config(), catalog(tiny, "people_data"))
    record = next(r for r in records(output, "people_data") if r["people_id"] == last)
    assert "data_loyalty_tier" not in record
    assert json.loads(record["data"])["loyalty_tier"] == "gold"


def test_people_stats_is_asked_once_per_sync_for_every_per_profile_stream(tiny: CrispSandbox):
    """people/stats sizes the slice of each per-profile stream: one answer per sync (CrispReader.once)."""
    streams = ("people_profiles", "people_data", "people_events", "people_subscriptions")
    tiny.people_catalog = catalog(tiny, *streams)  # type: ignore[attr-defined]
    state = last_states(sync(tiny))
    tiny.reset_counts()
    output = sync(tiny, state)
    counts = tiny.request_counts()
    assert counts["people_stats"] == 1
    for stream in streams[1:]:  # and each of them still read its slice
        assert records(output, stream) or counts[stream] > 0
    assert counts["people_data"] == PAGE  # the slice: ceil(pages / 30) = 1 page, no profile changed
