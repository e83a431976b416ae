"""Page drift: conversations move to the top of the list while the source pages through it (sandbox fault
`drift_per_page`). Within a sync nothing is emitted twice; across syncs nothing is lost. In-process reads."""

from __future__ import annotations

from typing import Any

from airbyte_cdk.models import ConfiguredAirbyteCatalogSerializer
from airbyte_cdk.test.entrypoint_wrapper import read
from airbyte_cdk.test.state_builder import StateBuilder

from sandboxes.crisp import CrispSandbox, Faults
from source_crisp import SourceCrisp
from source_crisp.client import Backoff

PAGE = 20


def conversations_catalog(sync_mode: str) -> Any:
    stream = {
        "name": "conversations",
        "json_schema": {},
        "supported_sync_modes": ["full_refresh", "incremental"],
    }
    configured = {"stream": stream, "sync_mode": sync_mode, "destination_sync_mode": "append"}
    if sync_mode == "incremental":
        configured["cursor_field"] = ["updated_at"]
    return ConfiguredAirbyteCatalogSerializer.load({"streams": [configured]})


def session_ids(output: Any) -> list[str]:
    return [record.record.data["session_id"] for record in output.records]


def test_full_refresh_under_drift_emits_every_conversation_once(crisp_sandbox: CrispSandbox):
    crisp_sandbox.set_faults(Faults(drift_per_page=3))
    output = read(SourceCrisp(Backoff.immediate()), crisp_sandbox.source_config(page_size=PAGE),
                  conversations_catalog("full_refresh"))  # fmt: skip
    emitted = session_ids(output)
    assert len(emitted) == len(set(emitted))
    assert set(emitted) == {c["session_id"] for c in crisp_sandbox.workspace.conversations()}


def test_incremental_under_drift_has_no_duplicates_and_the_next_sync_gets_the_movers(
    crisp_sandbox: CrispSandbox,
):
    config = crisp_sandbox.source_config(page_size=PAGE)
    before = {c["session_id"]: c["updated_at"] for c in crisp_sandbox.workspace.conversations()}
    crisp_sandbox.set_faults(Faults(drift_per_page=3))
    first = read(SourceCrisp(Backoff.immediate()), config, conversations_catalog("incremental"))
    crisp_sandbox.set_faults(None)
    emitted = session_ids(first)
    assert len(emitted) == len(set(emitted)), "page drift must not emit a conversation twice"

    state = (
        StateBuilder()
        .with_stream_state("conversations", first.most_recent_state.stream_state.__dict__)
        .build()
    )
    second = read(SourceCrisp(Backoff.immediate()), config, conversations_catalog("incremental"), state=state)
    moved = {sid for sid, c in ((c["session_id"], c) for c in crisp_sandbox.workspace.conversations())
             if c["updated_at"] != before[sid]}  # fmt: skip
    assert moved, "the fault touched conversations during the first sync"
    assert set(emitted) | set(session_ids(second)) == set(before)
    assert set(session_ids(second)) <= moved
