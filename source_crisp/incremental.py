"""Incremental windows and checkpointable state.

State shape (per stream, keyed by the cursor field, so choosing another cursor starts afresh):

    {"<cursor>": H}
        every record with cursor <= H was emitted (H = the high-water mark, the "last successful run");
    {"<cursor>": H, "covered": [[low, high], ...]}
        a newest-first scan was interrupted: additionally every record with low < cursor <= high was emitted.
        The next run emits only what is not covered, and the state collapses to {"<cursor>": top} when a scan
        completes. `conversation_messages` uses the same shape with H on `timestamp` and the covered ranges on
        the PARENT conversation's `updated_at` (a conversation whose updated_at is in a range had all its
        messages emitted; its messages are never newer than its updated_at);
    {"<cursor>": H, "resume_page": p, "scan_high": m, "safe_high": s}
        an unsorted full scan was interrupted before page p; m is the highest cursor seen so far and s the
        highest cursor seen before the FIRST interruption. On completion H becomes max(H, s) (max(H, m) when
        the scan was never interrupted): records changed after the first interruption are newer than s, so a
        later run picks them up again instead of losing them.

Newest-first scans dedupe page drift with flat memory: a record above the last processed cursor value was
either already emitted or moved up after the scan started (the next run gets it), so it is skipped; ties at
the current value are remembered by key.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any

from source_crisp.config import Comparison, IncrementalSettings, ReferenceKind


@dataclass(frozen=True)
class Window:
    """Which cursor values a run emits: `> reference` or `< reference`; everything when reference is None."""

    comparison: Comparison = Comparison.NEWER_THAN
    reference: int | None = None
    # Full refresh emits records without a cursor value; incremental reads cannot place them, so never do.
    include_missing: bool = False

    @classmethod
    def everything(cls) -> Window:
        return cls(include_missing=True)

    def matches(self, value: Any) -> bool:
        if value is None:
            return self.include_missing
        if self.reference is None:
            return True
        if self.comparison == Comparison.NEWER_THAN:
            return value > self.reference
        return value < self.reference

    def exhausted_below(self, value: Any) -> bool:
        """In a newest-first scan, True once no later record can match."""
        return (
            self.comparison == Comparison.NEWER_THAN
            and self.reference is not None
            and value is not None
            and value <= self.reference
        )


def window_for(settings: IncrementalSettings, high_water: int | None) -> Window:
    if settings.reference == ReferenceKind.LAST_SUCCESSFUL_RUN:
        return Window(settings.comparison, high_water)
    reference = settings.reference_ms
    if settings.comparison == Comparison.NEWER_THAN and high_water is not None and reference is not None:
        reference = max(reference, high_water)  # a later state value wins over a fixed/variable reference
    return Window(settings.comparison, reference)


class Coverage:
    """Cursor values already emitted: (-inf, high_water] plus half-open ranges (low, high]."""

    def __init__(self, high_water: int | None = None, ranges: list[tuple[int, int]] | None = None) -> None:
        self.high_water = high_water
        self.ranges: list[tuple[int, int]] = []
        for low, high in ranges or []:
            self.add(low, high)

    @classmethod
    def from_state(cls, cursor: str, state: Mapping[str, Any]) -> Coverage:
        ranges = [(int(low), int(high)) for low, high in state.get("covered", [])] if cursor in state else []
        return cls(state.get(cursor), ranges)

    def covers(self, value: int) -> bool:
        if self.high_water is not None and value <= self.high_water:
            return True
        return any(low < value <= high for low, high in self.ranges)

    def add(self, low: int, high: int) -> None:
        if high <= low:
            return
        merged: list[tuple[int, int]] = []
        for span_low, span_high in sorted([*self.ranges, (low, high)]):
            if merged and span_low <= merged[-1][1]:  # overlapping or touching half-open ranges
                merged[-1] = (merged[-1][0], max(merged[-1][1], span_high))
            else:
                merged.append((span_low, span_high))
        while self.high_water is not None and merged and merged[0][0] <= self.high_water:
            self.high_water = max(self.high_water, merged.pop(0)[1])
        self.ranges = merged

    def to_state(self, cursor: str) -> dict[str, Any]:
        state: dict[str, Any] = {cursor: self.high_water}
        if self.ranges:
            state["covered"] = [[low, high] for low, high in self.ranges]
        return state


class Verdict(Enum):
    EMIT = "emit"
    SKIP = "skip"
    STOP = "stop"


class DescendingScan:
    """Decides, record by record, what a newest-first scan emits; knows what it has covered so far."""

    def __init__(self, window: Window, coverage: Coverage) -> None:
        self._window = window
        self._coverage = coverage
        self.top: int | None = None
        self._last: int | None = None
        self._ties: set[Hashable] = set()

    def admit(self, value: Any, key: Hashable) -> Verdict:
        if value is None:
            return Verdict.EMIT if self._window.include_missing else Verdict.SKIP
        if self.top is None:
            self.top = value
        if self._last is not None and (value > self._last or (value == self._last and key in self._ties)):
            return Verdict.SKIP  # page drift: seen already, or moved above the scan after it started
        if self._window.exhausted_below(value):
            return Verdict.STOP
        if value != self._last:
            self._last, self._ties = value, set()
        self._ties.add(key)
        if self._coverage.covers(value) or not self._window.matches(value):
            return Verdict.SKIP
        return Verdict.EMIT

    def checkpoint(self, cursor: str) -> dict[str, Any]:
        """Covered so far: everything strictly above the last processed value, up to the scan's top."""
        coverage = Coverage(self._coverage.high_water, list(self._coverage.ranges))
        if self.top is not None and self._last is not None:
            coverage.add(self._last, self.top)
        return coverage.to_state(cursor)

    def complete(self, cursor: str) -> dict[str, Any]:
        return {cursor: highest(self._coverage.high_water, self.top)}


def highest(*values: int | None) -> int | None:
    present = [value for value in values if value is not None]
    return max(present) if present else None
