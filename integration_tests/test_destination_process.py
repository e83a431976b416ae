"""destination-convot as Airbyte runs it: the console script, config files, records on stdin, messages on
stdout. Killed midway (SIGKILL) or stopped (SIGTERM), then re-run: every object exactly once."""

from __future__ import annotations

import signal
import subprocess
import threading
from pathlib import Path

import pytest
from airbyte_cdk.models import (
    Type,
)

from sandboxes.convot import ConvotFaults, ConvotSandbox
from testing import destination_builders as B
from testing.destination_harness import counts, destination_config, duplicates
from testing.destination_process import EXECUTABLE, as_line, command, files, parse, states, wait_for

CONVERSATIONS, THREAD = 30, 4
BIG = {"contacts": CONVERSATIONS, "conversations": CONVERSATIONS, "messages": CONVERSATIONS * THREAD}


def test_spec_declares_the_public_config_and_sync_modes() -> None:
    out = parse(subprocess.run([EXECUTABLE, "spec"], capture_output=True, text=True, check=True).stdout)
    spec = next(m["spec"] for m in out if m["type"] == "SPEC")
    assert spec["supported_destination_sync_modes"] == ["append", "append_dedup"]
    properties = spec["connectionSpecification"]["properties"]
    assert set(properties) == {
        "api_url",
        "allow_insecure_http",
        "api_token",
        "operator_emails",
        "help_center_url",
        "ledger_path",
        "max_concurrency",
        "preview",
    }
    assert properties["api_token"]["airbyte_secret"] is True
    assert (properties["max_concurrency"]["default"], properties["preview"]["default"]) == (4, False)


def test_check_names_a_bad_token_and_a_missing_scope_without_leaking_the_token(
    convot_sandbox: ConvotSandbox, tmp_path: Path
) -> None:
    revoked = convot_sandbox.create_token(1)
    convot_sandbox.revoke_token(revoked)
    without_writes = [
        "contacts:read",
        "contacts:write",
        "conversations:read",
        "conversations:write",
        "messages:read",
        "helpdesk:read",
    ]
    limited = convot_sandbox.create_token(1, scopes=without_writes)
    results = {}
    for name, token in {"revoked": revoked, "limited": limited}.items():
        paths = files(tmp_path / name, destination_config(convot_sandbox, tmp_path / name, api_token=token))
        run = subprocess.run(command("check", paths), capture_output=True, text=True, timeout=60)
        assert token.split(":")[1] not in run.stdout + run.stderr
        results[name] = next(
            m["connectionStatus"] for m in parse(run.stdout) if m["type"] == "CONNECTION_STATUS"
        )
    assert results["revoked"]["status"] == "FAILED"
    assert "Convot rejected the API token (401 unauthorized)" in results["revoked"]["message"]
    assert results["limited"]["status"] == "FAILED"
    assert "lacks the scope(s) messages:write, helpdesk:write" in results["limited"]["message"]
    assert counts(convot_sandbox.dump())["contacts"] == 0  # check wrote nothing


def test_sigkill_midway_then_a_rerun_imports_every_object_exactly_once(tmp_path: Path) -> None:
    workspace = B.big_workspace(CONVERSATIONS, THREAD)
    with ConvotSandbox(db_path=tmp_path / "convot.sqlite", faults=ConvotFaults(latency_ms=5)) as sandbox:
        paths = files(tmp_path, destination_config(sandbox, tmp_path), workspace)
        with paths["input"].open() as stdin:
            process = subprocess.Popen(
                command("write", paths), stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
            )
            wait_for(lambda: sandbox.request_counts().get("POST /v1/conversations/{uuid}/messages", 0) >= 20)
            process.kill()
            process.wait(timeout=10)
            process.stdout.close()
        midway = counts(sandbox.dump())
        assert 0 < midway["messages"] < BIG["messages"]

        with paths["input"].open() as stdin:
            rerun = subprocess.run(
                command("write", paths), stdin=stdin, capture_output=True, text=True, timeout=120
            )
        assert rerun.returncode == 0, rerun.stdout[-2000:]
        dump = sandbox.dump()
        assert {k: counts(dump)[k] for k in BIG} == BIG
        assert duplicates(dump) == {}
        for conversation in dump["conversations"]:
            ordinals = [int(m["content"].rsplit(" ", 1)[1]) for m in conversation["messages"]]
            assert ordinals == list(range(THREAD))


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_stop_signal_finishes_in_flight_writes_echoes_the_last_safe_state_and_exits(
    tmp_path: Path, stop: signal.Signals
) -> None:
    """SIGTERM is how the platform stops a sync; SIGINT is Ctrl-C in a terminal (issue 18, J.23)."""
    workspace = B.big_workspace(CONVERSATIONS, THREAD)
    with ConvotSandbox(db_path=tmp_path / "convot.sqlite", faults=ConvotFaults(latency_ms=5)) as sandbox:
        paths = files(tmp_path, destination_config(sandbox, tmp_path))
        process = subprocess.Popen(
            command("write", paths),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        lines: list[str] = []
        errors: list[str] = []
        reader = threading.Thread(target=lambda: lines.extend(process.stdout), daemon=True)
        reader.start()
        threading.Thread(target=lambda: errors.extend(process.stderr), daemon=True).start()
        half = len(workspace) // 2
        for message in workspace[:half]:  # stdin stays open: the source is still "running"
            process.stdin.write(as_line(message))
        process.stdin.flush()
        wait_for(lambda: sandbox.request_counts().get("POST /v1/conversations/{uuid}/messages", 0) >= 10)
        process.send_signal(stop)
        assert process.wait(timeout=30) == 0
        reader.join(timeout=5)
        out = parse("".join(lines))
        echoed = states(out)
        sent = [B.state_values([m])[0][1] for m in workspace[:half] if m.type == Type.STATE]
        assert echoed
        assert echoed == sent[: len(echoed)]  # in order, and never one that was not safe
        logs = [m["log"]["message"] for m in out if m["type"] == "LOG"]
        assert any(f"Received {stop.name}" in log for log in logs)
        assert any("Stopped on request" in log for log in logs)
        assert "Traceback" not in "".join(errors)
        assert "KeyboardInterrupt" not in "".join(errors)
        process.stdin.close()

        paths["input"].write_text("".join(as_line(message) for message in workspace))
        with paths["input"].open() as stdin:
            subprocess.run(command("write", paths), stdin=stdin, capture_output=True, check=True, timeout=120)
        dump = sandbox.dump()
        assert {k: counts(dump)[k] for k in BIG} == BIG
        assert duplicates(dump) == {}


