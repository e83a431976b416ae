"""Concurrent per-parent reads and the per-sync request budget, against the tiny sandbox (in-process reads).

- a concurrent read emits the very records of a sequential read, in the same order, with the same requests;
- at latency the requests really overlap (the sandbox saw more than one in flight);
- a rate-limit storm lowers the concurrency and the read still completes with every record;
- `max_requests_per_sync`: an incremental backfill stops at a checkpoint and the next run continues; a
  full refresh cut by it fails (INCOMPLETE), and streams not started yet are skipped.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from airbyte_cdk.models import AirbyteStreamStatus, ConfiguredAirbyteCatalogSerializer
from airbyte_cdk.test.entrypoint_wrapper import EntrypointOutput, read
from airbyte_cdk.test.state_builder import StateBuilder

from sandboxes.crisp import CrispSandbox, Faults
from source_crisp import SourceCrisp
from source_crisp.client import Backoff, CrispClient
from source_crisp.config import CrispConfig
from source_crisp.objects import BY_NAME
from source_crisp.reader import CrispReader
from testing import airbyte_logger

PER_PARENT = (
    "people_profiles",
    "people_data",
    "helpdesk_categories",
    "helpdesk_sections",
    "helpdesk_articles",
)


def catalog(streams: dict[str, str | None]) -> Any:
    """stream -> cursor (incremental) or None (full refresh), read in this order."""
    return ConfiguredAirbyteCatalogSerializer.load(
        {
            "streams": [
                {
                    "stream": {
                        "name": name,
                        "json_schema": {},
                        "supported_sync_modes": ["full_refresh", "incremental"],
                    },
                    "sync_mode": "incremental" if cursor else "full_refresh",
                    "destination_sync_mode": "append",
                    "cursor_field": [cursor] if cursor else [],
                }
                for name, cursor in streams.items()
            ]
        }
    )


def run(
    sandbox: CrispSandbox, streams: dict[str, str | None], state: Any = None, **config: Any
) -> EntrypointOutput:
    with airbyte_logger.heard() as heard:  # whatever reached the captured output (testing/airbyte_logger.py)
        output = read(
            SourceCrisp(backoff=Backoff.immediate()),
            sandbox.source_config(**config),
            catalog(streams),
            state,
            expecting_exception=True,
        )
    output.heard_warnings = heard  # type: ignore[attr-defined]
    return output


def records(output: EntrypointOutput) -> list[tuple[str, dict[str, Any]]]:
    return [(message.record.stream, message.record.data) for message in output.records]


def warnings(output: EntrypointOutput) -> list[str]:
    logged = [m.log.message for m in output.logs if m.log.level.value == "WARN"]
    return logged + [w for w in getattr(output, "heard_warnings", []) if w not in logged]


@pytest.mark.parametrize("helpdesk", ["legacy", "knowledge_base"])
def test_a_concurrent_read_emits_the_records_of_a_sequential_read_in_the_same_order(helpdesk):
    full = dict.fromkeys(PER_PARENT)
    with CrispSandbox(helpdesk=helpdesk, article_list_content=True, uncategorized_articles=True) as sandbox:
        sandbox.set_faults(Faults(latency_ms=5))  # time for the requests of one batch to overlap
        sequential = run(sandbox, full, max_concurrency=1)
        sequential_requests, sequential_peak = sandbox.request_counts(), sandbox.peak_in_flight()
        sandbox.reset_counts()
        concurrent = run(sandbox, full, max_concurrency=8)
        assert not sequential.errors
        assert not concurrent.errors
        assert records(concurrent) == records(sequential)  # record by record, order included
        assert sandbox.request_counts() == sequential_requests  # the same requests, only sooner
        assert sequential_peak == 1
        assert sandbox.peak_in_flight() > 1
    streams = Counter(stream for stream, _ in records(concurrent))
    assert streams["people_data"] == len(sandbox.workspace.people_profiles())
    assert streams["helpdesk_articles"] > 0
    assert streams["helpdesk_sections"] > 0


def test_a_rate_limit_storm_lowers_the_concurrency_and_the_read_still_gets_every_record():
    with CrispSandbox() as sandbox:
        expected = [item for item, _ in reader_of(sandbox, 1).items(BY_NAME["people_data"])]
        # Six requests per 50 ms, then 429 until the window ends: most of a burst of 8 is limited.
        sandbox.set_faults(Faults(rate_limit=6, rate_window_s=0.05, retry_after_s=None))
        reader = reader_of(
            sandbox, 8, Backoff(base_seconds=0.01, cap_seconds=0.05, max_rate_limit_retries=50)
        )
        got = [item for item, _ in reader.items(BY_NAME["people_data"])]
        reader.close()
    assert got == expected
    assert len(got) == len(sandbox.workspace.people_profiles())
    assert reader.client.watermark.hits > 0
    assert reader.client.pacing.lowest < 8


def reader_of(sandbox: CrispSandbox, workers: int, backoff: Backoff | None = None) -> CrispReader:
    config = CrispConfig.from_mapping(sandbox.source_config(max_concurrency=workers))
    client = CrispClient(config, backoff=backoff or Backoff.immediate())
    return CrispReader(client, config.website_id, config.page_size)


# --- max_requests_per_sync ----------------------------------------------------------------------------------
MESSAGES = {"conversation_messages": "timestamp"}


def test_an_incremental_backfill_cut_by_the_budget_continues_on_the_next_run(crisp_sandbox: CrispSandbox):
    """Two runs of 60 requests read every message of the tiny workspace (about 100 requests in one run).

    Duplicates a checkpoint replay allows, and no others: the messages run 1 emitted after its last checkpoint
    (the page it was reading when the budget ran out), and those of the conversation(s) at the checkpoint's
    boundary (a checkpoint covers updated_at strictly above the last value read, so ties are read again)."""
    workspace = crisp_sandbox.workspace
    truth = {(c["session_id"], m["fingerprint"]) for c in workspace.conversations()
             for m in workspace.messages(c["session_id"])}  # fmt: skip
    emitted: Counter = Counter()
    state = None
    for number in (1, 2):
        crisp_sandbox.reset_counts()
        output = run(crisp_sandbox, MESSAGES, state, page_size=20, max_requests_per_sync=60)
        assert not output.errors
        assert crisp_sandbox.total_requests() <= 60
        before: list[tuple[str, Any]] = []  # emitted before the last checkpoint
        after: list[tuple[str, Any]] = []  # emitted after it
        for message in output.records_and_state_messages:
            if message.record is not None:
                after.append((message.record.data["session_id"], message.record.data["fingerprint"]))
            else:
                before, after = before + after, []
        emitted.update(before + after)
        cut = [w for w in warnings(output) if "max_requests_per_sync (60) reached" in w]
        if number == 1:
            assert cut, "run 1 should have stopped on the budget"
            assert "stopped at its last checkpoint" in cut[0]
            assert "next sync continues" in cut[0]
            assert before, "run 1 checkpointed records before it stopped"
            boundary = min(workspace.conversation(session)["updated_at"] for session, _ in before)
            replayable = set(after) | {
                key for key in before if workspace.conversation(key[0])["updated_at"] == boundary
            }
        else:
            assert not cut, "run 2 should have completed"
        reached = output.most_recent_state.stream_state.__dict__
        state = StateBuilder().with_stream_state("conversation_messages", reached).build()
    assert set(emitted) == truth
    duplicates = {key for key, count in emitted.items() if count > 1}
    assert duplicates <= replayable
    assert max(emitted.values()) <= 2


def test_a_full_refresh_cut_by_the_budget_fails_and_later_streams_are_skipped(crisp_sandbox: CrispSandbox):
    streams = {"conversations": None, "people_profiles": "updated_at", "operators": None}
    output = run(crisp_sandbox, streams, page_size=20, max_requests_per_sync=2)
    assert crisp_sandbox.total_requests() == 2
    assert AirbyteStreamStatus.INCOMPLETE in output.get_stream_statuses("conversations")
    cut = next(e.trace.error.message for e in output.errors if "conversations:" in e.trace.error.message)
    assert "max_requests_per_sync (2)" in cut
    assert "incrementally" in cut
    assert not [s for s in output.state_messages if s.state.stream.stream_descriptor.name == "conversations"]
    skipped = [w for w in warnings(output) if "streams not started yet are skipped" in w]
    assert len(skipped) == 1
    assert "people_profiles" in skipped[0]
    assert not [r for r in output.records if r.record.stream != "conversations"]
    assert AirbyteStreamStatus.COMPLETE in output.get_stream_statuses(
        "people_profiles"
    )  # state kept as it was
    assert AirbyteStreamStatus.INCOMPLETE in output.get_stream_statuses("operators")  # would empty its table
