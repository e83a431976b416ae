"""In-process reads of the unsorted incremental scan (people_profiles when Crisp refuses its sort, helpdesk)
against the tiny sandbox: client-side windows, page checkpoints, kill + resume. In-process (no subprocess)
to stay fast."""

from __future__ import annotations

from typing import Any

import pytest
from airbyte_cdk.models import ConfiguredAirbyteCatalogSerializer
from airbyte_cdk.test.entrypoint_wrapper import read
from airbyte_cdk.test.state_builder import StateBuilder

from sandboxes.crisp import CrispSandbox
from source_crisp import SourceCrisp
from source_crisp.client import Backoff
from source_crisp.state_origin import READ_FROM

PAGE = 20


def catalog(stream: str, cursor: str = "updated_at") -> Any:
    """Incremental on `cursor`; an empty schema means "as discovered"."""
    configured = {
        "stream": {
            "name": stream,
            "json_schema": {},
            "supported_sync_modes": ["full_refresh", "incremental"],
        },
        "sync_mode": "incremental",
        "destination_sync_mode": "append",
        "cursor_field": [cursor],
    }
    return ConfiguredAirbyteCatalogSerializer.load({"streams": [configured]})


def source() -> SourceCrisp:
    return SourceCrisp(backoff=Backoff.immediate())


def states_of(output: Any) -> list[dict[str, Any]]:
    """Each state's values, without what it was read from (state_origin.py)."""
    return [
        {key: value for key, value in message.state.stream.stream_state.__dict__.items() if key != READ_FROM}
        for message in output.state_messages
    ]


@pytest.fixture
def unsorted_sandbox() -> Any:
    """Crisp refusing the profile sort (assumptions.PEOPLE_SORT_PARAMS): people_profiles scans unsorted."""
    with CrispSandbox(size="tiny", seed=7, port=0, people_sort="refused") as sandbox:
        yield sandbox


def test_people_profiles_checkpoint_each_page_and_end_on_the_highest_cursor(unsorted_sandbox: CrispSandbox):
    crisp_sandbox = unsorted_sandbox
    output = read(source(), crisp_sandbox.source_config(page_size=PAGE), catalog("people_profiles"))
    profiles = crisp_sandbox.workspace.people_profiles()
    assert len(output.records) == len(profiles)
    states = states_of(output)
    assert states[0]["resume_page"] == 2
    assert states[-1] == {"updated_at": max(p["updated_at"] for p in profiles)}


@pytest.mark.parametrize("comparison", ["newer_than", "older_than"])
def test_client_side_window_on_an_unsorted_stream(crisp_sandbox: CrispSandbox, comparison: str):
    profiles = crisp_sandbox.workspace.people_profiles()
    middle = sorted(p["created_at"] for p in profiles)[len(profiles) // 2]
    config = crisp_sandbox.source_config(
        incremental={"comparison": comparison, "reference": {"type": "fixed_date", "date": str(middle)}}
    )
    output = read(source(), config, catalog("people_profiles", cursor="created_at"))
    keep = (lambda at: at > middle) if comparison == "newer_than" else (lambda at: at < middle)
    assert {r.record.data["people_id"] for r in output.records} == {
        p["people_id"] for p in profiles if keep(p["created_at"])
    }


def test_interrupted_unsorted_scan_resumes_at_its_page_and_loses_nothing(unsorted_sandbox: CrispSandbox):
    crisp_sandbox = unsorted_sandbox
    config = crisp_sandbox.source_config(page_size=PAGE)
    full = read(source(), config, catalog("people_profiles"))
    first_page_state = states_of(full)[0]  # as if killed right after page 1
    state = StateBuilder().with_stream_state("people_profiles", first_page_state).build()
    resumed = read(source(), config, catalog("people_profiles"), state=state)
    first_page = {r.record.data["people_id"] for r in full.records[:PAGE]}
    after = {r.record.data["people_id"] for r in resumed.records}
    assert first_page | after == {p["people_id"] for p in crisp_sandbox.workspace.people_profiles()}
    assert not first_page & after
    assert states_of(resumed)[-1] == {"updated_at": first_page_state["scan_high"]}  # the safe high-water mark


def test_helpdesk_articles_incremental_without_new_changes_emits_nothing(crisp_sandbox: CrispSandbox):
    config = crisp_sandbox.source_config()
    first = read(source(), config, catalog("helpdesk_articles"))
    assert first.records
    state = StateBuilder().with_stream_state("helpdesk_articles", states_of(first)[-1]).build()
    assert read(source(), config, catalog("helpdesk_articles"), state=state).records == []


def test_a_cursor_outside_the_candidates_is_a_config_error(crisp_sandbox: CrispSandbox):
    output = read(
        source(),
        crisp_sandbox.source_config(),
        catalog("conversations", cursor="topic"),
        expected_outcome=None,
    )
    assert any(
        "choose one of updated_at, created_at, waiting_since" in e.trace.error.message for e in output.errors
    )
