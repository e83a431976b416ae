"""The rotating slice of a parent list: what lets an incremental sync re-read children whose changes Crisp is
not known to show on their parent's updated_at (people data, conversation participants and routing).

Each incremental sync reads the parents whose updated_at passed the reference (its own newest-first scan),
PLUS a window of pages of the parent list: `pages_per_sync(pages, N)` = ceil(pages / N) pages, starting at
the page where the previous sync's window stopped (`slice_page` in the state, checkpointed after each page)
and going round to page 1 at the end of the list. So every parent's children are read again within N syncs
(N = `people_refresh_syncs` / `conversation_refresh_syncs`). One round of the list at most per sync: never a
page twice. Parents added or removed above the window while it rotates shift the list under it: one may slip
past the window's edge and wait one more round (one that changed is read by the changed part anyway).

The caller knows how many pages its list has (people/stats; for conversations, which have no count route,
the page count the last complete walk of the list saw, saved in the state as `list_pages`). Not knowing
(`size` None): the window is one whole round, and the walk learns the count (`list_pages` after it).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from typing import Any

from source_crisp.checkpoint import Checkpoint
from source_crisp.config import Comparison, IncrementalSettings
from source_crisp.incremental import RecentKeys, Window, window_for
from source_crisp.objects import CrispObject
from source_crisp.reader import CrispReader, Item

SLICE_PAGE = "slice_page"  # state: the first page of the next sync's window
LIST_PAGES = "list_pages"  # state (conversation children): the page count the last complete walk saw


def slice_wanted(window: Window, parent_updated_at_covers_children: bool) -> bool:
    """Only when Crisp is not known to bump the parent's updated_at on a child's change (the guess in
    assumptions.py), when the changed part did not read every parent anyway (a first sync), and where the
    state gives newer_than a meaning (older_than reads every matching parent on every sync)."""
    return (
        not parent_updated_at_covers_children
        and window.comparison == Comparison.NEWER_THAN
        and window.reference is not None
    )


def within_reference(settings: IncrementalSettings, updated_at: int | None) -> bool:
    """The user's own lower bound (a fixed or variable date) applies to the slice too. The bound is the
    window the settings give before any state (incremental.window_for, the one place settings become a
    window); the slice runs on newer_than only (slice_wanted), where that window is `> date`, or everything
    for last_successful_run. A parent without a usable updated_at is re-read unless there is a date."""
    floor = window_for(settings, None)
    return floor.reference is None or floor.matches(updated_at)


def pages_per_sync(list_pages: int, refresh_syncs: int) -> int:
    """The window's size so that a list of `list_pages` pages is read round within `refresh_syncs` syncs."""
    return math.ceil(max(list_pages, 1) / refresh_syncs)


class RotatingSlice:
    """One sync's window over `obj`'s list (`params`: its query, e.g. a sort that updates do not disturb)."""

    def __init__(
        self,
        reader: CrispReader,
        obj: CrispObject,
        params: Mapping[str, Any],
        start: int,
        size: int | None,
    ) -> None:
        self._reader = reader
        self._obj = obj
        self._params = params
        self._start = start if isinstance(start, int) and start >= 1 else 1
        self._size = size
        self.next_page = self._start  # where the next sync's window starts, once a page is consumed
        self.list_pages: int | None = None  # the list's page count, once this walk reached its end

    def pages(self) -> Iterator[list[Item]]:
        """The items of each page of the window; `next_page` (and `list_pages` at the end of the list) are
        up to date when the caller asks for the next page."""
        left = self._size if self._size is not None else self._reader.max_pages
        number, wrapped = self._start, False
        while left > 0:
            last = None
            for page in self._reader.pages(self._obj, {}, self._params, start_page=number):
                if wrapped and page.number >= self._start:
                    return
                left -= 1
                last = page.number
                ended = page.final  # a page shorter than asked may not be the last (page_sizes.py)
                if ended:
                    self.list_pages = page.number
                self.next_page = 1 if ended else page.number + 1
                yield page.items
                if left == 0:
                    return
            if last is not None and self.list_pages is None:  # it ended on a full page (an empty one next)
                self.list_pages = last
            self.next_page = 1
            if wrapped or self._start == 1:
                return
            number, wrapped = 1, True  # the list ended before the window did: go round from its first page

    def unread(self, already_read: RecentKeys, key: str) -> Iterator[list[Item]]:
        """The window's pages, each holding only the parents this sync has not read yet (`already_read`, by
        their `key` field; the ones returned are remembered there). The caller reads their children, then
        checkpoints (`checkpoint`) before it asks for the next page: control runs stream -> slice only."""
        for parents in self.pages():
            yield [parent for parent in parents if not already_read.repeat(parent.get(key))]

    def checkpoint(self, state: Mapping[str, Any]) -> Checkpoint:
        """`state` (the caller's, after its changed part) with the slice's progress."""
        return Checkpoint(dict(state) | self.progress())

    def progress(self) -> dict[str, Any]:
        """The slice's part of the state: where the next window starts."""
        return {SLICE_PAGE: self.next_page}
