"""The whole migration as a user runs it: `source-crisp read` (Crisp sandbox, tiny workspace) piped into
`destination-convot write` (Convot sandbox), both as subprocesses. Convot must then hold exactly the Crisp
workspace as mapped; expectations come from the Crisp sandbox's ground truth, not from the code."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from sandboxes.convot import ConvotFaults, ConvotSandbox
from sandboxes.crisp import CrispSandbox
from testing.destination_harness import by_external_id, counts, read_summary
from testing.migration import (
    HELP,
    Migration,
    assert_convot_holds_the_workspace,
    target,
)
from testing.source_runs import discovered_catalog

pytestmark = pytest.mark.slow  # every test runs both connectors as processes


@pytest.fixture(scope="module")
def crisp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[CrispSandbox, Path]]:
    """The Crisp sandbox, its source config and the configured catalog (every discovered stream)."""
    shared = tmp_path_factory.mktemp("migration")
    with CrispSandbox(size="tiny", seed=7, port=0) as sandbox:
        (shared / "source.json").write_text(json.dumps(sandbox.source_config()))
        catalog = discovered_catalog(sandbox.source_config())  # in-process: the pipe below is what is tested
        configured = [
            {"stream": stream, "sync_mode": "full_refresh", "destination_sync_mode": "append_dedup"}
            for stream in catalog["streams"]
        ]
        (shared / "catalog.json").write_text(json.dumps({"streams": configured}))
        yield sandbox, shared


@pytest.fixture(scope="module")
def migration(crisp: tuple[CrispSandbox, Path]) -> Iterator[Migration]:
    with ConvotSandbox() as convot:
        migration = target(*crisp, convot)
        migration.run()
        yield migration


def test_convot_holds_the_crisp_workspace_as_mapped(migration: Migration) -> None:
    dump = assert_convot_holds_the_workspace(migration)
    assert any(m["operator_id"] for c in dump["conversations"] for m in c["messages"])  # attribution happened
    rewritten = [a for a in dump["helpdesk_articles"] if f"{HELP}/" in a["content"]]
    assert rewritten  # the tiny workspace links its articles together


def test_the_same_migration_again_creates_nothing_and_picks_up_what_changed(migration: Migration) -> None:
    before = counts(migration.convot.dump())
    migration.run()
    assert counts(migration.convot.dump()) == before
    touched = migration.crisp.touch_conversations(3, new_messages=2)
    migration.run()
    dump = assert_convot_holds_the_workspace(migration)
    assert counts(dump)["messages"] == before["messages"] + 6
    assert all(f"crisp:{session}" in by_external_id(dump, "conversations") for session in touched)


def test_killed_midway_then_run_again_every_object_is_there_exactly_once(
    crisp: tuple[CrispSandbox, Path],
) -> None:
    with ConvotSandbox(faults=ConvotFaults(latency_ms=3)) as convot:
        migration = target(*crisp, convot)
        posted = "POST /v1/conversations/{uuid}/messages"
        migration.run_and_kill(when=lambda: convot.request_counts().get(posted, 0) >= 150)
        partial = counts(convot.dump())
        assert partial["messages"] > 0
        migration.run()
        assert_convot_holds_the_workspace(migration)


def test_a_429_storm_pauses_resumes_and_completes(crisp: tuple[CrispSandbox, Path]) -> None:
    # 150 requests/s, burst 3, for the whole migration: Retry-After answers of a few ms, really waited.
    with ConvotSandbox(faults=ConvotFaults(rate_per_second=150, burst=3)) as convot:
        migration = target(*crisp, convot)
        written = migration.run()
        assert convot.request_log()["statuses"].get("429", 0) > 0
        assert "resuming at" in written.stdout
        assert "rate limit pause over: resumed at" in written.stdout
        assert_convot_holds_the_workspace(migration)


def test_preview_counts_what_the_write_then_creates_and_writes_nothing(
    crisp: tuple[CrispSandbox, Path],
) -> None:
    with ConvotSandbox() as convot:
        migration = target(*crisp, convot, preview=True)
        written = migration.run()
        assert convot.request_counts() == {}
        assert counts(convot.dump()) == dict.fromkeys(counts(convot.dump()), 0)
        assert not (migration.directory / "ledger.sqlite").exists()
        assert [line for line in written.stdout.splitlines() if '"STATE"' in line] == []
        logs = [json.loads(line)["log"]["message"] for line in written.stdout.splitlines() if '"LOG"' in line]
        summary = next(log for log in logs if log.startswith("Convot preview summary"))
        outcomes, skipped = read_summary(summary)

        config_file = migration.directory / "destination.json"
        config_file.write_text(json.dumps({**json.loads(config_file.read_text()), "preview": False}))
        migration.run()
        created = counts(convot.dump())

    assert {kind: outcomes.get(kind, {}).get("new", 0) for kind in created} == created
    empty = len(crisp[0].workspace.conversations()) - created["conversations"]
    assert empty > 0  # the workspace has conversations without a message: they must not count as new
    assert skipped["conversations: empty (no message yet): kept pending"] == empty
