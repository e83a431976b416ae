"""A full disk under the ledger (issue 18, J.21): the advice is to free space, not to restore a backup, and
no state is echoed past the write that failed, so a re-run once there is room loses and duplicates nothing."""

from __future__ import annotations

import errno
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from airbyte_cdk.models import Type
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from destination_convot import DestinationConvot
from destination_convot.ledger import Ledger, explain
from sandboxes.convot import ConvotSandbox
from testing import destination_builders as B
from testing.destination_harness import NO_WAIT, counts, destination_config, duplicates

WORKSPACE = {"contacts": 3, "conversations": 2, "messages": 6, "languages": 1, "categories": 2, "articles": 4}
FULL = "database or disk is full"


def fill_the_disk_at(monkeypatch: pytest.MonkeyPatch, method: str, call: int) -> None:
    """The `call`-th use of a ledger write fails as SQLite fails on a full disk (SQLITE_FULL)."""
    original = getattr(Ledger, method)
    calls = {"n": 0}

    def failing(self: Ledger, *args: Any, **kwargs: Any) -> Any:
        calls["n"] += 1
        if calls["n"] >= call:
            raise sqlite3.OperationalError(FULL)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Ledger, method, failing)


@pytest.mark.parametrize(
    ("method", "call"),
    [("add_pending", 4), ("confirm", 3)],  # the reader storing a checkpoint's records; a lane's commit
    ids=["while storing records", "while confirming a write"],
)
def test_a_full_disk_says_free_space_and_echoes_no_state_past_it(
    convot_sandbox: ConvotSandbox,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    method: str,
    call: int,
) -> None:
    config = destination_config(convot_sandbox, tmp_path)
    echoed: list[str] = []

    def write() -> None:
        for message in DestinationConvot(pacing=NO_WAIT).write(config, B.catalog(), iter(B.workspace())):
            if message.type == Type.STATE:
                echoed.append(message.state.stream.stream_descriptor.name)

    with monkeypatch.context() as patch:
        fill_the_disk_at(patch, method, call)
        with pytest.raises(AirbyteTracedException) as raised:
            write()
    text = raised.value.message
    assert f"The ledger file {tmp_path / 'ledger.sqlite'} could not be written: no space left" in text
    assert "Free space on the disk" in text
    assert "backup" not in text
    # States come back in input order, each after its records: those echoed are a prefix that stops before
    # the checkpoint whose records could not be stored or confirmed.
    assert echoed == list(B.STREAMS[: len(echoed)])
    assert len(echoed) < len(B.STREAMS)
    if method == "add_pending":  # the 4th persisted batch is the 4th stream's: its state never comes back
        assert len(echoed) <= 3

    # Room again: the re-run writes everything, once.
    list(DestinationConvot(pacing=NO_WAIT).write(config, B.catalog(), iter(B.workspace())))
    dump = convot_sandbox.dump()
    assert counts(dump) == WORKSPACE
    assert duplicates(dump) == {}


@pytest.mark.parametrize(
    "error",
    [
        OSError(errno.ENOSPC, "No space left on device"),
        OSError(errno.EDQUOT, "Disk quota exceeded"),
        sqlite3.OperationalError("database or disk is full"),
    ],
    ids=["ENOSPC", "EDQUOT (a quota, the neighbour)", "SQLITE_FULL"],
)
def test_every_form_of_a_full_disk_gets_the_same_advice(tmp_path: Path, error: Exception) -> None:
    advice = str(explain(tmp_path / "ledger.sqlite", error))
    assert "no space left" in advice
    assert "Free space on the disk" in advice
    assert "backup" not in advice


def test_a_full_disk_when_the_ledger_is_opened_is_named_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_room(*_args: Any, **_kwargs: Any) -> int:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("destination_convot.ledger.hold_lock", no_room)
    with pytest.raises(Exception, match="Free space on the disk"):
        Ledger(tmp_path / "ledger.sqlite", "app")
