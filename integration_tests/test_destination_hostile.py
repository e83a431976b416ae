"""destination-convot against a hostile world (issue 9): a new key for the same app, a lost ledger, two
writers at once, 2xx answers without the id they must carry, status drift after a crash, bad records and
bad input lines, signals in every phase, a damaged ledger. Nothing lost, nothing duplicated, no hang."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import threading
import time
from pathlib import Path

import pytest
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from destination_convot import DestinationConvot
from destination_convot.ledger import Ledger, explain
from sandboxes.convot import ConvotFaults, ConvotSandbox
from testing import destination_builders as B
from testing.destination_harness import (
    NO_WAIT,
    by_external_id,
    counts,
    destination_config,
    duplicates,
    run_write,
)
from testing.destination_process import as_line, command, files, parse, states, wait_for

WORKSPACE = {"contacts": 3, "conversations": 2, "messages": 6, "languages": 1, "categories": 2, "articles": 4}


def split(workspace: list, stream: str) -> tuple[list, list]:
    """The workspace up to and including the STATE after `stream`, and the rest."""
    cut = next(
        i
        for i, m in enumerate(workspace)
        if m.type.name == "STATE" and m.state.stream.stream_descriptor.name == stream
    )
    return workspace[: cut + 1], workspace[cut + 1 :]


# -- 1. key rotation ----------------------------------------------------------------------------------
def test_a_new_key_of_the_same_app_resumes_the_ledger_and_duplicates_nothing(
    convot_sandbox: ConvotSandbox, tmp_path: Path
) -> None:
    workspace = B.workspace()
    held_back = [m for m in workspace if m.type.name == "RECORD" and m.record.data.get("session_id") == "s-2"]
    held_back = [m for m in held_back if m.record.stream == "conversation_messages"]
    run_write(convot_sandbox, tmp_path, [m for m in workspace if m not in held_back])  # s-2 waits: pending
    rotated = convot_sandbox.create_token(1)
    convot_sandbox.revoke_token(convot_sandbox.token)
    run_write(
        convot_sandbox, tmp_path, [*held_back, B.state("conversation_messages", "late")], api_token=rotated
    )
    assert counts(convot_sandbox.dump()) == WORKSPACE  # the pending conversation was resumed with the new key
    run_write(convot_sandbox, tmp_path, workspace, api_token=rotated)  # and a full re-read creates nothing
    dump = convot_sandbox.dump()
    assert counts(dump) == WORKSPACE
    assert duplicates(dump) == {}


def test_a_key_of_another_app_gets_its_own_ledger_rows(convot_sandbox: ConvotSandbox, tmp_path: Path) -> None:
    workspace = B.workspace()
    run_write(convot_sandbox, tmp_path, workspace)
    other_app = convot_sandbox.create_app()
    run_write(convot_sandbox, tmp_path, workspace, api_token=convot_sandbox.create_token(other_app))
    assert counts(convot_sandbox.dump(other_app)) == WORKSPACE  # written in full into the other app
    assert counts(convot_sandbox.dump()) == WORKSPACE  # the first app is untouched
    assert duplicates(convot_sandbox.dump()) == {}


def test_a_ledger_written_before_keys_were_bound_is_migrated(
    convot_sandbox: ConvotSandbox, tmp_path: Path
) -> None:
    workspace = B.workspace()
    first, rest = split(workspace, "conversations")
    run_write(convot_sandbox, tmp_path, first)
    ledger_path = tmp_path / "ledger.sqlite"
    with sqlite3.connect(ledger_path) as db:  # as an older version left it: rows named by key id, no `keys`
        db.execute("DROP TABLE keys")
    run_write(convot_sandbox, tmp_path, rest, api_token=convot_sandbox.create_token(1))
    assert counts(convot_sandbox.dump()) == WORKSPACE


# -- 2. ledger lost or new --------------------------------------------------------------------------------
def test_a_lost_ledger_is_rebuilt_from_convot_and_nothing_is_duplicated(
    convot_sandbox: ConvotSandbox, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    workspace = B.workspace()
    run_write(convot_sandbox, tmp_path, workspace)
    before = convot_sandbox.dump()
    for leftover in tmp_path.glob("ledger.sqlite*"):
        leftover.unlink()
    run_write(convot_sandbox, tmp_path, workspace)
    after = convot_sandbox.dump()
    assert counts(after) == WORKSPACE
    assert duplicates(after) == {}
    assert by_external_id(after, "conversations").keys() == by_external_id(before, "conversations").keys()
    assert "rebuilding the mapping from Convot by external id" in caplog.text
    run_write(convot_sandbox, tmp_path, workspace)  # the rebuilt ledger now knows everything
    assert counts(convot_sandbox.dump()) == WORKSPACE


def test_a_rebuild_interrupted_midway_goes_on_rebuilding(
    convot_sandbox: ConvotSandbox, tmp_path: Path
) -> None:
    workspace = B.workspace()
    run_write(convot_sandbox, tmp_path, workspace)
    (tmp_path / "ledger.sqlite").unlink()
    convot_sandbox.set_faults(ConvotFaults(fail_path_regex=r"GET /v1/helpdesk/articles$", fail_status=503))
    with pytest.raises(AirbyteTracedException):  # the rebuild stops at the articles, contacts/threads done
        run_write(convot_sandbox, tmp_path, workspace)
    convot_sandbox.set_faults(ConvotFaults())
    run_write(convot_sandbox, tmp_path, workspace)
    assert counts(convot_sandbox.dump()) == WORKSPACE
    assert duplicates(convot_sandbox.dump()) == {}


# -- 3. two writers at once ---------------------------------------------------------------------------------
def test_two_writers_on_one_ledger_never_write_at_the_same_time(tmp_path: Path) -> None:
    workspace = B.big_workspace(8, 3)
    with ConvotSandbox(db_path=None, faults=ConvotFaults(latency_ms=5)) as sandbox:
        config = destination_config(sandbox, tmp_path)
        errors: list[BaseException] = []

        def write() -> None:
            try:
                list(
                    DestinationConvot(pacing=NO_WAIT, report_interval=3600).write(
                        config, B.catalog(), iter(workspace)
                    )
                )
            except BaseException as error:  # noqa: BLE001 - asserted below
                errors.append(error)

        writers = [threading.Thread(target=write) for _ in range(2)]
        for writer in writers:
            writer.start()
        for writer in writers:
            writer.join(timeout=120)
        assert errors == []  # the second waited for the first, then found everything imported
        dump = sandbox.dump()
        assert counts(dump)["messages"] == 8 * 3
        assert duplicates(dump) == {}


def test_a_second_writer_that_waits_too_long_stops_with_a_clear_message(
    convot_sandbox: ConvotSandbox, tmp_path: Path
) -> None:
    config = destination_config(convot_sandbox, tmp_path)
    holder = Ledger(Path(config["ledger_path"]), "ck_other")  # another sync holds the ledger
    destination = DestinationConvot(pacing=NO_WAIT, report_interval=3600, ledger_wait=0.3)
    try:
        with pytest.raises(AirbyteTracedException) as raised:
            list(destination.write(config, B.catalog(), iter(B.workspace())))
    finally:
        holder.close()
    message = raised.value.message
    assert f"Another destination-convot sync is using the ledger {config['ledger_path']}" in message
    assert f"by process {os.getpid()}" in message
    assert "then re-run" in message
    assert counts(convot_sandbox.dump())["contacts"] == 0  # nothing was written meanwhile


# -- 4. 2xx answers without the id they must carry ------------------------------------------------------
@pytest.mark.parametrize(
    "path",
    [
        r"POST /v1/conversations$",
        r"POST /v1/conversations/[^/]+/messages$",
        r"POST /v1/contacts$",
        r"POST /v1/helpdesk/(categories|articles)$",
        r"POST /v1/helpdesk/languages$",
    ],
)
def test_a_create_answered_200_empty_is_never_taken_for_a_confirmation(
    convot_sandbox: ConvotSandbox, tmp_path: Path, path: str
) -> None:
    # Every such write is applied but answered `200 {}`: the destination must find what was created (or stop
    # and find it on the re-run), never store a null id nor write to /conversations/None/...
    convot_sandbox.set_faults(ConvotFaults(empty_success_regex=path))
    stopped = None
    try:
        run_write(convot_sandbox, tmp_path, B.workspace())
    except AirbyteTracedException as stop:  # a write it cannot confirm stops the sync: fine, if re-run
        stopped = stop.message
        convot_sandbox.set_faults(ConvotFaults())
        run_write(convot_sandbox, tmp_path, B.workspace())
    # Only the contact upsert, which Convot cannot be asked about, is retried until the sync stops.
    assert (stopped is not None) == ("contacts" in path)
    assert stopped is None or "without the id of the object written" in stopped
    dump = convot_sandbox.dump()
    assert counts(dump) == WORKSPACE
    assert duplicates(dump) == {}
    assert convot_sandbox.request_log()["statuses"].get("404", 0) == 0


# -- 5. status drift after a crash ------------------------------------------------------------------
@pytest.mark.parametrize("resent", [True, False], ids=["conversation-resent", "only-its-new-message"])
def test_a_status_lost_by_a_crash_after_a_reopening_message_is_repaired_by_the_rerun(
    convot_sandbox: ConvotSandbox, tmp_path: Path, resent: bool
) -> None:
    resolved = B.conversation("s-1", "p-1", "jane@example.com", "resolved")
    first = [
        B.record("conversations", resolved),
        B.record("conversation_messages", B.message("s-1", 1, B.T0 + 100, "user", content="Help")),
        B.state("conversation_messages", 1),
    ]
    run_write(convot_sandbox, tmp_path, first)
    assert convot_sandbox.dump()["conversations"][0]["status"] == "resolved"
    # The customer wrote again (Convot reopens on it), and the run died before setting the status back.
    later = [
        *([B.record("conversations", resolved)] if resent else []),
        B.record("conversation_messages", B.message("s-1", 2, B.T0 + 200, "user", content="Again")),
        B.state("conversation_messages", 2),
    ]
    convot_sandbox.set_faults(ConvotFaults(fail_path_regex=r"/resolve$", fail_status=503))
    with pytest.raises(AirbyteTracedException):
        run_write(convot_sandbox, tmp_path, later)
    assert convot_sandbox.dump()["conversations"][0]["status"] == "open"
    convot_sandbox.set_faults(ConvotFaults())
    run_write(convot_sandbox, tmp_path, [])  # a re-run with nothing new still reconciles the status
    held = convot_sandbox.dump()["conversations"][0]
    assert (held["status"], len(held["messages"])) == ("resolved", 2)


# -- 6. bad records and bad lines ---------------------------------------------------------------------
def test_a_message_with_a_timestamp_that_is_not_a_time_is_skipped_and_counted(
    convot_sandbox: ConvotSandbox, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    bad = B.message("s-1", 12, B.T0 + 200, "user", content="when?")
    bad["timestamp"] = "yesterday"
    odd = B.message("s-1", 13, B.T0 + 300, "user", content={"not": "text"}, content_choices=7)
    echoed = run_write(
        convot_sandbox,
        tmp_path,
        [
            B.record("conversations", B.conversation("s-1", "p-1", "jane@example.com", "unresolved")),
            B.record("conversation_messages", B.message("s-1", 11, B.T0 + 100, "user", content="Hi")),
            B.record("conversation_messages", bad),
            B.record("conversation_messages", odd),
            B.record("conversation_messages", B.message("s-1", 14, B.T0 + 400, "user", content="Bye")),
            B.state("conversation_messages", "done"),
        ],
    )
    assert B.state_values(echoed) == [("conversation_messages", "done")]
    contents = [m["content"] for m in convot_sandbox.dump()["conversations"][0]["messages"]]
    assert (contents[0], contents[-1]) == ("Hi", "Bye")
    assert "when?" not in contents
    assert "timestamp is not a time in milliseconds (got 'yesterday')" in caplog.text
    assert "messages: timestamp is not a time in milliseconds" in caplog.text  # counted in the summary


@pytest.mark.slow
def test_a_line_that_cannot_be_read_ends_the_run_with_an_error_naming_it_and_no_later_state(
    convot_sandbox: ConvotSandbox, tmp_path: Path
) -> None:
    """The console script's exit code and error for an unreadable line (issue 18, H.14; the cases of lines
    read leniently are in test_destination_input_lines.py). Before, it was skipped and the run exited 0."""
    paths = files(tmp_path, destination_config(convot_sandbox, tmp_path))
    good = B.workspace()
    first, rest = split(good, "people_profiles")
    junk = '{"type": "NOT_A_TYPE"}\n'  # a newer protocol's message: skipped with a warning
    cut = '{"type": "RECORD", "record": {"stream": "people_data", "da\n'  # a source killed mid-line
    lines = [junk, *(as_line(m) for m in first), cut, *(as_line(m) for m in rest)]
    paths["input"].write_text("".join(lines))
    with paths["input"].open() as stdin:
        run = subprocess.run(
            command("write", paths), stdin=stdin, capture_output=True, text=True, timeout=120
        )
    assert run.returncode == 1, run.stdout[-2000:]
    out = parse(run.stdout)
    logs = [m["log"]["message"] for m in out if m["type"] == "LOG"]
    assert sum("skipped: unknown message type 'NOT_A_TYPE'" in log for log in logs) == 1
    assert states(out) == [value for _, value in B.state_values(first)]
    errors = [m["trace"]["error"]["message"] for m in out if m["type"] == "TRACE"]
    assert len(errors) == 1
    assert errors[0].startswith(f"Input line {len(first) + 2} could not be read: not JSON")
    assert "Traceback" not in run.stderr


# -- 7. signals in every phase -------------------------------------------------------------------------
def start(paths: dict[str, Path], stdin: object) -> tuple[subprocess.Popen, list[str]]:
    process = subprocess.Popen(
        command("write", paths), stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    lines: list[str] = []
    threading.Thread(target=lambda: lines.extend(process.stdout), daemon=True).start()
    return process, lines


def stopped_within(process: subprocess.Popen, seconds: float) -> int:
    started = time.monotonic()
    process.send_signal(signal.SIGTERM)
    code = process.wait(timeout=seconds + 5)
    assert time.monotonic() - started < seconds
    return code


@pytest.mark.slow
def test_sigterm_after_the_input_ended_stops_cleanly_and_a_rerun_completes(tmp_path: Path) -> None:
    workspace = B.big_workspace(20, 4)
    with ConvotSandbox(db_path=tmp_path / "convot.sqlite", faults=ConvotFaults(latency_ms=20)) as sandbox:
        config = destination_config(sandbox, tmp_path, max_concurrency=1)
        paths = files(tmp_path, config, workspace)
        with paths["input"].open() as stdin:  # the whole input is there: the write is draining
            process, lines = start(paths, stdin)
            wait_for(lambda: sandbox.request_counts().get("POST /v1/conversations/{uuid}/messages", 0) >= 5)
            assert stopped_within(process, 10) == 0
        time.sleep(0.2)
        out = parse("".join(lines))
        logs = [m["log"]["message"] for m in out if m["type"] == "LOG"]
        assert any("Stopped on request" in log for log in logs)
        assert any(log.startswith("Convot import summary") for log in logs)
        echoed = states(out)
        assert echoed == [value for _, value in B.state_values(workspace)][: len(echoed)]
        with paths["input"].open() as stdin:
            rerun = subprocess.run(command("write", paths), stdin=stdin, capture_output=True, timeout=120)
        assert rerun.returncode == 0
        dump = sandbox.dump()
        assert counts(dump)["messages"] == 20 * 4
        assert duplicates(dump) == {}


@pytest.mark.slow
def test_sigterm_during_a_long_rate_limit_pause_stops_within_seconds(tmp_path: Path) -> None:
    faults = ConvotFaults(fail_path_regex=r"POST /v1/conversations$", fail_status=429, fail_retry_after=600)
    with ConvotSandbox(db_path=tmp_path / "convot.sqlite", faults=faults) as sandbox:
        paths = files(tmp_path, destination_config(sandbox, tmp_path), B.workspace())
        with paths["input"].open() as stdin:
            process, lines = start(paths, stdin)
            wait_for(lambda: any("pausing all requests for 600" in line for line in lines))
            assert stopped_within(process, 10) == 0
        time.sleep(0.2)
        logs = [m["log"]["message"] for m in parse("".join(lines)) if m["type"] == "LOG"]
        assert any(log.startswith("Convot import summary") for log in logs)
        sandbox.set_faults(ConvotFaults())
        with paths["input"].open() as stdin:
            subprocess.run(command("write", paths), stdin=stdin, capture_output=True, timeout=120, check=True)
        assert counts(sandbox.dump()) == WORKSPACE


# -- 8. a damaged ledger -----------------------------------------------------------------------------------
def failure(sandbox: ConvotSandbox, tmp_path: Path) -> str:
    with pytest.raises(AirbyteTracedException) as raised:
        run_write(sandbox, tmp_path, B.workspace())
    return raised.value.message


def test_a_corrupted_ledger_names_the_file_what_is_wrong_and_what_to_do(
    convot_sandbox: ConvotSandbox, tmp_path: Path
) -> None:
    (tmp_path / "ledger.sqlite").write_bytes(b"this is not a database, " * 100)
    message = failure(convot_sandbox, tmp_path)
    assert f"The ledger file {tmp_path / 'ledger.sqlite'} is not a readable SQLite ledger" in message
    assert "Restore the file from a backup, or move it aside" in message
    assert counts(convot_sandbox.dump())["contacts"] == 0


def test_a_ledger_path_that_cannot_be_opened_names_the_file(
    convot_sandbox: ConvotSandbox, tmp_path: Path
) -> None:
    (tmp_path / "ledger.sqlite").mkdir()  # a folder where the file should be
    message = failure(convot_sandbox, tmp_path)
    assert f"The ledger file {tmp_path / 'ledger.sqlite'} cannot be opened" in message
    assert "names a file (not a folder)" in message


def test_a_read_only_ledger_says_so_and_how_to_fix_it(tmp_path: Path) -> None:
    # Tests run as root, which ignores file modes: the error SQLite gives for a read-only file is replayed.
    error = explain(
        tmp_path / "ledger.sqlite", sqlite3.OperationalError("attempt to write a readonly database")
    )
    assert f"The ledger file {tmp_path / 'ledger.sqlite'} cannot be written" in str(error)
    assert "write access to the file and its folder" in str(error)
