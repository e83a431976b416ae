"""Live counters: one line a user can read, per kind and outcome, skips with their reasons, time paused."""

from __future__ import annotations

from destination_convot.counters import CREATED, UNCHANGED, Counters


def test_counter_line_reads_as_a_progress_report() -> None:
    counters = Counters(paused_seconds=lambda: 12.345)
    counters.add("messages", CREATED, 40)
    counters.add("messages", UNCHANGED, 2)
    counters.add("contacts", CREATED)
    counters.skip("messages", "event message (Convot has no creatable activity)", 3)
    assert counters.line() == (
        "contacts 1 imported | messages 40 imported, 2 unchanged | "
        "skipped 3 messages: event message (Convot has no creatable activity) | paused 12.35s on rate limits"
    )
