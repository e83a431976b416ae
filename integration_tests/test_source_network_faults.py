"""A 429 storm during the per-conversation fan-out (issue 18, J.23), against the tiny sandbox, in-process:
a storm that ends costs pauses, never records; one that never ends stops the stream with a clear error after
a bounded number of requests, and no state claims a conversation whose messages were not read."""

from __future__ import annotations

from typing import Any

from airbyte_cdk.models import ConfiguredAirbyteCatalogSerializer
from airbyte_cdk.test.entrypoint_wrapper import EntrypointOutput, read

from sandboxes.crisp import CrispSandbox, Faults
from source_crisp import SourceCrisp
from source_crisp.client import Backoff

WORKERS = 8


def _read(sandbox: CrispSandbox, backoff: Backoff) -> EntrypointOutput:
    stream = {"name": "conversation_messages", "json_schema": {}, "supported_sync_modes": ["incremental"]}
    configured = {
        "stream": stream,
        "sync_mode": "incremental",
        "destination_sync_mode": "append",
        "cursor_field": ["timestamp"],
    }
    return read(
        SourceCrisp(backoff=backoff),
        sandbox.source_config(page_size=20, max_concurrency=WORKERS),
        ConfiguredAirbyteCatalogSerializer.load({"streams": [configured]}),
        expecting_exception=True,
    )


def _messages(output: EntrypointOutput) -> list[tuple[str, Any]]:
    return [(m.record.data["session_id"], m.record.data["fingerprint"]) for m in output.records]


def test_a_429_storm_in_the_fan_out_that_ends_loses_and_doubles_nothing():
    with CrispSandbox() as sandbox:
        ws = sandbox.workspace
        truth = sorted(
            (c["session_id"], m["fingerprint"])
            for c in ws.conversations()
            for m in ws.messages(c["session_id"])
        )
        # Six requests per 50 ms, then 429 until the window ends: most of every burst of 8 is limited.
        sandbox.set_faults(Faults(rate_limit=6, rate_window_s=0.05))
        output = _read(sandbox, Backoff(base_seconds=0.01, cap_seconds=0.05, max_rate_limit_retries=50))
    assert not output.errors
    assert sorted(_messages(output)) == truth  # every message, once
    assert [m for m in output.logs if "Crisp rate limit (429)" in m.log.message]


def test_a_429_storm_that_never_ends_stops_the_stream_clearly_after_bounded_requests():
    with CrispSandbox() as sandbox:
        # The first list page and two children answer; then every request is limited for an hour.
        sandbox.set_faults(Faults(rate_limit=3, rate_window_s=3600))
        backoff = Backoff.immediate()
        output = _read(sandbox, backoff)
        sent = sandbox.total_requests()
    errors = [message.trace.error.message for message in output.errors]
    assert any(
        "rate limit (429)" in e and f"Gave up after {backoff.max_rate_limit_retries} retries" in e
        for e in errors
    ), errors
    # Each worker gives up after its bounded retries; the batch is cancelled at the first failure.
    assert sent <= 3 + WORKERS * (backoff.max_rate_limit_retries + 1)
    # No checkpoint came before the first page's children were all read: nothing is claimed.
    claimed = [m.state.stream.stream_state.__dict__ for m in output.state_messages]
    assert not [state for state in claimed if state.get("timestamp") or state.get("covered")], claimed
