"""The lane pool: lanes of one key keep their order, other lanes overlap, and a STATE mark settles only when
every lane before it has finished; a failure surfaces at the first mark that covers it."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from destination_convot.config import ConvotConfig
from destination_convot.counters import Counters
from destination_convot.ledger import Ledger
from destination_convot.work import WorkContext


def context(tmp_path: Path, concurrency: int) -> WorkContext:
    raw = {"api_token": "ck_a:s", "ledger_path": str(tmp_path / "l.sqlite"), "max_concurrency": concurrency}
    return WorkContext(ConvotConfig.parse(raw), api=None, ledger=Ledger(None, "ck_a"), counters=Counters())  # type: ignore[arg-type]


def test_lanes_of_one_key_run_in_submission_order_while_other_keys_overlap(tmp_path: Path) -> None:
    pool = context(tmp_path, concurrency=4).pool
    order: list[str] = []
    release, other_done = threading.Event(), threading.Event()

    def blocked_until_released() -> None:
        release.wait(5)
        order.append("a1")

    pool.submit("a", blocked_until_released)
    pool.submit("a", lambda: order.append("a2"))
    pool.submit("b", lambda: (order.append("b1"), other_done.set()))
    assert other_done.wait(5)  # key "b" ran while key "a" was blocked
    release.set()
    pool.finish()
    assert order == ["b1", "a1", "a2"]
    pool.close()


def test_a_mark_settles_when_the_lanes_before_it_are_done_and_reports_their_failure(tmp_path: Path) -> None:
    ctx = context(tmp_path, concurrency=2)
    pool, gate = ctx.pool, threading.Event()

    def fails_when_released() -> None:
        gate.wait(5)
        raise RuntimeError("Convot down")

    pool.submit("ok", lambda: None)
    early = pool.mark()
    pool.submit("slow", fails_when_released)
    late = pool.mark()
    assert not pool.settled(late)
    gate.set()
    pool.wait_all()
    assert pool.settled(early)
    pool.check(early)  # the failure came after this mark: its STATE may be echoed
    assert pool.settled(late)
    with pytest.raises(RuntimeError, match="Convot down"):
        pool.check(late)
    assert ctx.failed.is_set()  # the other lanes stop taking new requests
    pool.close()
