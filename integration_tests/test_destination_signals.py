"""destination-convot when the platform stops listening (SIGPIPE) mid-write (issue 18, J.23; SIGTERM and
SIGINT: test_destination_process.py): in-flight writes finish, the ledger is flushed, no traceback, and a
re-run duplicates nothing. Before, a closed stdout ended the run with a BrokenPipeError traceback in the
middle of a write."""

from __future__ import annotations

import subprocess
import threading
from contextlib import suppress
from pathlib import Path

import pytest

from sandboxes.convot import ConvotFaults, ConvotSandbox
from testing import destination_builders as B
from testing.destination_harness import counts, destination_config, duplicates
from testing.destination_process import as_line, command, files

CONVERSATIONS, THREAD = 30, 4
BIG = {"contacts": CONVERSATIONS, "conversations": CONVERSATIONS, "messages": CONVERSATIONS * THREAD}


def rerun_completes(sandbox: ConvotSandbox, paths: dict[str, Path]) -> None:
    with paths["input"].open() as stdin:
        rerun = subprocess.run(command("write", paths), stdin=stdin, capture_output=True, timeout=120)
    assert rerun.returncode == 0, rerun.stdout[-2000:]
    dump = sandbox.dump()
    assert {kind: counts(dump)[kind] for kind in BIG} == BIG
    assert duplicates(dump) == {}


@pytest.mark.slow
def test_stdout_closed_by_the_platform_stops_cleanly_and_a_rerun_duplicates_nothing(tmp_path: Path) -> None:
    workspace = B.big_workspace(CONVERSATIONS, THREAD)
    with ConvotSandbox(db_path=tmp_path / "convot.sqlite", faults=ConvotFaults(latency_ms=10)) as sandbox:
        paths = files(tmp_path, destination_config(sandbox, tmp_path, max_concurrency=2), workspace)
        process = subprocess.Popen(
            command("write", paths), stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        errors: list[bytes] = []
        threading.Thread(target=lambda: errors.extend(process.stderr), daemon=True).start()
        half = len(workspace) // 2
        process.stdin.write("".join(as_line(message) for message in workspace[:half]).encode())
        process.stdin.flush()
        seen = b""
        while b'"STATE"' not in seen:  # the platform read up to a first state, then went away
            seen += process.stdout.readline()
        process.stdout.close()
        with suppress(BrokenPipeError):  # the source goes on sending until the destination has stopped
            for message in workspace[half:]:
                process.stdin.write(as_line(message).encode())
                process.stdin.flush()
        with suppress(BrokenPipeError):
            process.stdin.close()
        code = process.wait(timeout=60)
        stderr = b"".join(errors).decode()
        assert code == 0, stderr[-2000:]
        assert "stdout was closed by the platform (broken pipe)" in stderr
        assert "Traceback" not in stderr
        assert "BrokenPipeError" not in stderr
        rerun_completes(sandbox, paths)
