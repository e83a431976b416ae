"""Incremental windows and checkpointable state.

State shape (per stream, keyed by the cursor field, so choosing another cursor starts afresh):

    {"<cursor>": H}
        every record with cursor <= H was emitted (H = the high-water mark, the "last successful run");
    {"<cursor>": H, "covered": [[low, high], ...]}
        a newest-first scan was interrupted: additionally every record with low < cursor <= high was emitted.
        The next run emits only what is not covered, and the state collapses to {"<cursor>": top} when a scan
        completes. `conversation_messages` uses the same shape with H on `timestamp` and the covered ranges on
        the PARENT conversation's `updated_at` (a conversation whose updated_at is in a range had all its
        messages emitted; its messages are never newer than its updated_at); so does `conversations` on the
        `waiting_since` cursor (a conversation waits since one of its messages: never after its updated_at);
    {"<cursor>": H, "resume_page": p, "scan_high": m, "safe_high": s}
        an unsorted full scan was interrupted before page p; m is the highest cursor seen so far and s the
        highest cursor seen before the FIRST interruption. On completion H becomes max(H, s) (max(H, m) when
        the scan was never interrupted): records changed after the first interruption are newer than s, so a
        later run picks them up again instead of losing them. With it, "resume_after": the primary keys of the
        last items read before page p, so the resume finds its place in the list as it is now
        (resume_place.py).

Newest-first scans check the order they assume on every record (DescendingScan): the early stop and the
covered ranges hold only while the order is confirmed; a contradiction turns the scan into a complete one.
Page-drift repeats are dropped by primary key with bounded memory (RecentKeys), never by value.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from source_crisp.config import Comparison, IncrementalSettings, ReferenceKind

if TYPE_CHECKING:
    from source_crisp.cursor_guards import Horizon


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


def window_for(
    settings: IncrementalSettings, high_water: int | None, coverage: Coverage | None = None
) -> Window:
    """The run's window. newer_than a fixed/variable date R: what the state covers right above R needs no
    reading again, so the reference is where that coverage ends (a later state value wins)."""
    if settings.reference == ReferenceKind.LAST_SUCCESSFUL_RUN:
        return Window(settings.comparison, high_water)
    reference = settings.reference_ms
    if settings.comparison == Comparison.NEWER_THAN and reference is not None:
        reference = (coverage if coverage is not None else Coverage(high_water)).reach(reference)
    return Window(settings.comparison, reference)


def claim(window: Window, coverage: Coverage, top: int | None) -> Coverage:
    """What a COMPLETE read of `window` may add to the coverage it started from: exactly the part of the
    cursor axis whose every record it emitted, up to `top` (the highest value it may vouch for).

    newer_than R: (R, top], never R itself nor anything below (a fixed date R once saved `top`, which claimed
    everything below R too: a later last_successful_run read then skipped it for ever). older_than R:
    everything below R, up to top: (-inf, min(top, R - 1)] (cursor values are integer ms). A read without a
    reference emitted everything: (-inf, top]."""
    claimed = Coverage(coverage.high_water, list(coverage.ranges))
    if top is None:
        return claimed
    if window.comparison == Comparison.OLDER_THAN:
        claimed.extend_to(top if window.reference is None else min(top, window.reference - 1))
    elif window.reference is None:
        claimed.extend_to(top)
    else:
        claimed.add(window.reference, top)
    return claimed


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

    def reach(self, floor: int) -> int:
        """The highest x such that every value in (floor, x] is covered; floor when the next one is not."""
        reached = floor if self.high_water is None else max(floor, self.high_water)
        for low, high in self.ranges:  # sorted and disjoint (add)
            if low <= reached:
                reached = max(reached, high)
        return reached

    def extend_to(self, value: int) -> None:
        """Everything at or below `value` is covered."""
        self.high_water = highest(self.high_water, value)
        while self.ranges and self.ranges[0][0] <= value:  # the ranges it now reaches join it
            self.high_water = max(value, self.ranges.pop(0)[1], self.high_water)

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


RECENT_KEYS = 10_000


class RecentKeys:
    """The last `limit` primary keys a scan read, to drop the repeats page drift causes (items pushed down
    onto the next page). Bounded: about 150 bytes a key, so ~1.5 MB at the default whatever the list's size. A
    repeat further back than `limit` keys (that many conversations moved above the read position while the
    scan ran) is emitted twice: a duplicate, never a loss."""

    def __init__(self, limit: int = RECENT_KEYS) -> None:
        self._limit = limit
        self._order: deque[Hashable] = deque()
        self._keys: set[Hashable] = set()

    def repeat(self, key: Hashable) -> bool:
        """True when `key` was read recently; otherwise remembers it."""
        if key is None:
            return False
        try:
            hash(key)
        except TypeError:  # a hostile id (a list, an object): compared by its text, never a crash
            key = ("unhashable", repr(key))
        if key in self._keys:
            return True
        self._keys.add(key)
        self._order.append(key)
        if len(self._order) > self._limit:
            self._keys.discard(self._order.popleft())
        return False


class DescendingScan:
    """Decides, record by record, what a scan of a list assumed newest first emits, checking the order as it
    reads (the order is a guess: assumptions.CONVERSATION_SORT_PARAMS).

    While every value is <= the one before (repeats of a recent key aside), the order is CONFIRMED: the scan
    may stop at the end of the page where the values reach the reference, and a checkpoint claims the range
    read. The first value above its predecessor CONTRADICTS it: from then on nothing stops the scan (the
    caller reads to the end of the list), every matching record is emitted, and checkpoints claim no more than
    the coverage the run started with (what was read is not proven to be a range). Completeness never depends
    on the order: repeats are dropped by key (RecentKeys), never by value.
    """

    def __init__(self, window: Window, coverage: Coverage, horizon: Horizon | None = None) -> None:
        self._window = window
        self._coverage = coverage
        self._horizon = horizon  # a value beyond it is emitted but never becomes `top` (cursor_guards.py)
        # Crisp's clock when the scan began: see proven_top.
        self._started = round(horizon.clock().timestamp() * 1000) if horizon is not None else None
        self.top: int | None = None  # the highest value read
        self._last: int | None = None  # the lowest value read while the order held
        self._below = 0  # values at or below the reference read while the order held
        self.contradiction: str | None = None  # what broke the order, once it did
        self.broken_guess: str | None = None  # the guess it broke, when not the order itself
        self._unfiltered = False  # the values stopped saying which records match: the caller filters
        self._recent = RecentKeys()

    def admit(self, value: Any, key: Hashable) -> bool:
        """True when the record is to be emitted."""
        if self._recent.repeat(key):
            return False  # page drift pushed it onto the next page: emitted (or skipped) already
        if value is None:
            return self._window.include_missing or self._unfiltered
        if self._horizon is None or self._horizon.trusted(value):
            self.top = highest(self.top, value)
        if self.contradiction is None:
            if self._last is not None and value > self._last:
                self.contradict(f"{value} came after {self._last}")
            else:
                self._last = value
                self._below += self._window.exhausted_below(value)
        if self._unfiltered:
            return True
        return not self._coverage.covers(value) and self._window.matches(value)

    def contradict(self, what: str, guess: str | None = None, unfiltered: bool = False) -> None:
        """The list is not in the assumed order (or another guess the early stop relies on broke): from now
        on the scan reads it all. `unfiltered`: the scanned values no longer bound the caller's cursor, so
        every record read from now on is admitted and the caller filters on its own cursor."""
        if self.contradiction is None:
            self.contradiction, self.broken_guess = what, guess
        self._unfiltered = self._unfiltered or unfiltered

    def may_stop(self) -> bool:
        """At the end of a page: True when the confirmed order proves no later page can match. Two values at
        or below the reference are asked for, so that a single out-of-place item at the end of a page cannot
        end the scan alone: the next page then checks the order (one request more, at most)."""
        return self._below >= 2 and self.contradiction is None

    def checkpoint(self, cursor: str) -> dict[str, Any]:
        """Covered so far: everything strictly above the last processed value, up to the scan's top, while
        the order holds; only the starting coverage once it was contradicted."""
        coverage = Coverage(self._coverage.high_water, list(self._coverage.ranges))
        if self.contradiction is None and self.top is not None and self._last is not None:
            # Values at or below the reference were read, not emitted: the claim starts above it.
            reference = self._window.reference
            low = self._last if reference is None else max(self._last, reference)
            coverage.add(low, self.top)
        return coverage.to_state(cursor)

    @property
    def proven_top(self) -> int | None:
        """The highest value the finished scan may save as the high-water mark. While the order held, `top`:
        a change made during the scan moves its item above the read position, so nothing below `top` was
        passed unseen. Once the order is contradicted, a change made during the scan can land where the scan
        already passed, while another (later) change lands ahead and is read: saving that later value would
        hide the first change for ever. So the mark goes no higher than when the scan began: every change
        after it is read again by the next sync (a repeat, never a loss)."""
        if self.contradiction is None or self._started is None or self.top is None:
            return self.top
        return min(self.top, self._started)

    def complete(self, cursor: str) -> dict[str, Any]:
        """After the scan ended (stopped by the confirmed order, or read to the end of the list): the
        coverage it started from plus exactly what it emitted (claim)."""
        return claim(self._window, self._coverage, self.proven_top).to_state(cursor)


def highest(*values: int | None) -> int | None:
    present = [value for value in values if value is not None]
    return max(present) if present else None
