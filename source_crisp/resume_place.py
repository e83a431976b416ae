"""Where an interrupted scan of a paged list starts again: found in the list as it is now, not by page number.

A saved page number is not a position. An item deleted above it (or added) between the kill and the resume
shifts every later item by one place, so an item that was first on the next page may now sit last on the page
already read: resuming at the saved page number never reads it, and the state then claims it. So each
checkpoint of an unsorted scan also saves its place: the primary keys of the last items it read
(`resume_after`, up to MARKERS of them). The resume reads again from the page before the saved one and
skips everything up to the first of those items it meets (read before the interruption), then reads on
from there. When neither that page nor the saved one holds any of them (they were deleted, or the list
moved by more than a page), the place cannot be found and the scan starts again from page 1: records are
emitted again, never skipped.

Cost: one list page per resumed scan (the page before the saved one); the fallback re-reads the pages
before the saved one. A state saved before `resume_after` existed (a page number only) resumes from page 1.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from source_crisp.config import config_error
from source_crisp.objects import CrispObject
from source_crisp.reader import CrispReader, Item

RESUME_PAGE = "resume_page"  # state: the page the scan reads next
RESUME_AFTER = "resume_after"  # state: the primary keys of the last items read before it, in list order
MARKERS = 3  # how many: a place is still found when up to MARKERS - 1 of them were deleted meanwhile


@dataclass(frozen=True)
class PlacedPage:
    """Items of one page not read before the interruption, and the place to save once they are handled."""

    number: int
    items: list[Item]
    progress: dict[str, Any]


def key_of(obj: CrispObject, item: Item) -> list[Any]:
    return [item.get(field) for field in obj.primary_key]


def _progress(obj: CrispObject, number: int, items: list[Item]) -> dict[str, Any]:
    """What the state saves after page `number`: the next page and the keys of its last items (an item with
    no key value at all cannot mark a place)."""
    keys = [key for key in (key_of(obj, item) for item in items) if any(v is not None for v in key)]
    return {RESUME_PAGE: number + 1, RESUME_AFTER: keys[-MARKERS:]}


def _markers(stream: str, value: Any) -> list[tuple[Any, ...]]:
    if not isinstance(value, list) or not all(isinstance(key, list) for key in value):
        raise config_error(
            f"The saved state of stream '{stream}' is malformed: '{RESUME_AFTER}' must be a list of primary "
            f"key value lists; got {str(value)[:80]!r}. Fix the state, or reset the stream's state to read "
            "it again from the start."
        )
    return [tuple(key) for key in value]


class ResumePlace:
    """The pages of one unsorted scan of a top-level paged list, from the place `state` saved."""

    def __init__(
        self, reader: CrispReader, obj: CrispObject, state: dict[str, Any], logger: logging.Logger
    ) -> None:
        self._reader = reader
        self._obj = obj
        self._start = state.get(RESUME_PAGE, 1)
        self._markers = _markers(obj.name, state[RESUME_AFTER]) if RESUME_AFTER in state else None
        self._logger = logger

    def pages(self) -> Iterator[PlacedPage]:
        if self._start > 1 and self._markers:
            found = yield from self._from_place()
            if found:
                return
            self._logger.info(
                f"{self.obj_name}: the interrupted scan's place (the last items it read before page "
                f"{self._start}) is not on page {self._start - 1} or {self._start} any more (deleted, or the "
                "list moved by more than a page): reading it again from page 1; records read before the "
                "interruption are emitted again."
            )
        elif self._start > 1:
            self._logger.info(
                f"{self.obj_name}: the saved state names page {self._start} but not the items read before "
                "it (saved by an older version), so the scan starts again from page 1."
            )
        for _context, page in self._reader.paged(self._obj):
            yield PlacedPage(page.number, page.items, _progress(self._obj, page.number, page.items))

    @property
    def obj_name(self) -> str:
        return self._obj.name

    def _from_place(self) -> Iterator[PlacedPage]:
        """From the page before the saved one: nothing is yielded (so nothing checkpointed) until a marker
        is met; the items after it, then the following pages, whole. Returns whether the place was found."""
        markers = set(self._markers or ())
        found = False
        for _context, page in self._reader.paged(self._obj, start_page=self._start - 1):
            keys = [tuple(key_of(self._obj, item)) for item in page.items]
            first = 0
            if not found:
                met = next((i for i, key in enumerate(keys) if key in markers), None)
                if met is None:
                    if page.number >= self._start:
                        return False
                    continue
                found, first = True, met + 1
            # The markers themselves were read before the interruption, wherever they are now.
            after = zip(page.items[first:], keys[first:], strict=True)
            items = [item for item, key in after if key not in markers]
            yield PlacedPage(page.number, items, _progress(self._obj, page.number, page.items))
        return found
