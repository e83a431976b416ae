"""A list ends when the server says so, never because a page was shorter than `per_page` (issue 18 A.1).

Crisp's official clients never send `per_page` on people profiles, so a real server may ignore it there, and
any server may cap it lower than asked. The tiny sandbox holds 40 profiles and 80 conversations; the source
asks 50 a page. Ground truth is the sandbox's workspace, never the connector's output.
"""

from __future__ import annotations

from typing import Any

from airbyte_cdk.models import ConfiguredAirbyteCatalogSerializer

from sandboxes.crisp import CrispSandbox
from sandboxes.crisp.floor import Ground, fixed_page_list
from testing.source_runs import configure, discovered_catalog, last_states, read_in_process
from testing.source_runs import stream_records as records

ASKED = 50  # the source's page_size: more than the server serves under the switches below


def full_read(sandbox: CrispSandbox, *streams: str, incremental: bool = False, state: Any = None) -> Any:
    config = sandbox.source_config(page_size=ASKED)
    catalog = configure(discovered_catalog(config), streams, incremental=incremental)
    sandbox.reset_counts()
    return read_in_process(config, ConfiguredAirbyteCatalogSerializer.load(catalog), state)


def conversation_ids(sandbox: CrispSandbox, with_messages: bool = False) -> set[str]:
    store = sandbox.workspace.store
    listed = Ground(sandbox.workspace, ASKED).conversations()
    return {store.session_id(i) for i in listed if store.message_count(i) or not with_messages}


def profile_ids(sandbox: CrispSandbox) -> set[str]:
    people = sandbox.workspace.people
    return {people.people_id(k) for k in range(people.count)}


def test_people_profiles_are_all_read_when_the_server_ignores_per_page():
    with CrispSandbox(size="tiny", per_page_ignored=("people_profiles",)) as sandbox:
        output = full_read(sandbox, "people_profiles")
        emitted = [record["people_id"] for record in records(output, "people_profiles")]
        assert len(emitted) == len(set(emitted)) == 40
        assert set(emitted) == profile_ids(sandbox)
        # What a list the server pages by itself costs: 20, 20, then the empty page 3 ends it.
        assert sandbox.total_requests() == fixed_page_list(40, 20) == 3
        warnings = [m.log.message for m in output.logs if m.log.level.value == "WARN"]
        assert any("people_profiles" in line and "per_page" in line for line in warnings), warnings


def test_conversations_are_all_read_when_the_server_caps_per_page():
    with CrispSandbox(size="tiny", per_page_cap=30) as sandbox:
        output = full_read(sandbox, "conversations")
        emitted = {record["session_id"] for record in records(output, "conversations")}
        assert emitted == conversation_ids(sandbox)
        assert len(emitted) == 80


def test_a_per_parent_stream_of_a_short_paged_parent_reads_every_parent():
    """The neighbour: people_data walks the profile list; it reads the data of every profile."""
    with CrispSandbox(size="tiny", per_page_ignored=("people_profiles",)) as sandbox:
        output = full_read(sandbox, "people_data")
        assert {record["people_id"] for record in records(output, "people_data")} == profile_ids(sandbox)


def test_conversation_messages_reach_every_conversation_under_a_capped_page():
    with CrispSandbox(size="tiny", per_page_cap=25) as sandbox:
        output = full_read(sandbox, "conversation_messages")
        read = {record["session_id"] for record in records(output, "conversation_messages")}
        assert read == conversation_ids(sandbox, with_messages=True)


def test_an_incremental_read_of_an_ignored_per_page_list_reads_every_profile_then_stops_early():
    with CrispSandbox(size="tiny", per_page_ignored=("people_profiles",)) as sandbox:
        first = full_read(sandbox, "people_profiles", incremental=True)
        assert {r["people_id"] for r in records(first, "people_profiles")} == profile_ids(sandbox)
        # Nothing changed: the newest-first scan stops on its first page (two values at or below the mark),
        # and never asks a next page to confirm an end it does not need.
        second = full_read(sandbox, "people_profiles", incremental=True, state=last_states(first))
        assert records(second, "people_profiles") == []
        assert sandbox.total_requests() == 1
