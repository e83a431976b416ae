"""The streams whose parent is people_profiles (people_data and the other per-profile streams): which
profiles a sync reads the children of.

Full refresh: every profile's. Incremental: the profiles whose updated_at passed the reference (the
newest-first profile scan of profiles.py), PLUS a rotating slice of the others. Crisp is not known to change
a profile's updated_at when only its data (events, subscription…) changes
(assumptions.PROFILE_UPDATED_AT_COVERS_DATA), so such an edit would otherwise never be read again.

The slice is a window of pages of the unsorted profile list: ceil(pages / N) pages per sync (N =
`people_refresh_syncs`; the page count from people/stats, 1 request), starting where the previous sync's
slice stopped (`slice_page` in the state, checkpointed after each page) and going round to page 1 at the end
of the list, so every profile is read again within N syncs. Profiles added or removed above the window while
it rotates shift the list under it: a profile may slip past the window's edge and wait one more round (one
that changed is read by the changed part anyway). Profiles the changed part read are not read again.

Every record carries `profile_updated_at`, its profile's updated_at when it was read: the default cursor. A
profile's children are emitted whole each time it is read, so a deduplicating destination keeps the latest
per primary key (equal cursors go to the later sync, as Airbyte's and PyAirbyte's dedup do). A child's own
date (an event's timestamp) may be chosen as the cursor instead; either way the sync emits every child of
each profile it reads, since the state lives on the profiles' updated_at.

State: {cursor: H, "covered": [[low, high], ...], "slice_page": p}: H and the covered ranges on the
profiles' updated_at, as for conversations (incremental.py); p the first page of the next slice.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from typing import Any

from source_crisp.assumptions import PROFILE_UPDATED_AT_COVERS_DATA
from source_crisp.checkpoint import Checkpoint, Output
from source_crisp.config import PEOPLE_REFRESH_SYNCS_DEFAULT, Comparison, IncrementalSettings
from source_crisp.dates import cursor_value
from source_crisp.discovery import Discovery
from source_crisp.incremental import RecentKeys
from source_crisp.objects import BY_NAME, PROFILE_CURSOR, CrispObject
from source_crisp.people_scan import (
    PROFILES,
    final_state,
    newest_first,
    plan,
    sort_guess,
    sorted_pages,
    warn_refused,
)
from source_crisp.reader import Context, CrispReader, Item
from source_crisp.rotating_slice import (
    SLICE_PAGE,
    RotatingSlice,
    pages_per_sync,
    slice_wanted,
    within_reference,
)
from source_crisp.streams import CrispStream

STATISTICS = BY_NAME["people_statistics"]  # {total}: sizes the slice


class PeopleChildStream(CrispStream):
    def __init__(
        self,
        obj: CrispObject,
        reader: CrispReader,
        settings: IncrementalSettings,
        discovery: Discovery,
        refresh_syncs: int = PEOPLE_REFRESH_SYNCS_DEFAULT,
    ) -> None:
        super().__init__(obj, reader, settings, discovery)  # the row copies PROFILE_CURSOR (objects.py)
        self._refresh_syncs = refresh_syncs

    def _full_refresh(self) -> Output:
        for page in self._reader.pages(PROFILES, {}):
            yield from self._children_of(page.items)

    def _incremental(self, cursor: str) -> Output:
        state = self._state_for(cursor)
        high_water = state.get(cursor)
        slice_page = state.get(SLICE_PAGE, 1)
        window, scan = plan(self._settings, state, cursor, self._horizon)
        pages, refused = sorted_pages(self._reader, "updated_at")
        if refused is not None:
            consequence = f"{self.name} reads the whole profile list, filtered here"
            warn_refused(self._reader, "updated_at", refused, consequence)
            scan.contradict(f"Crisp refused the sort: {refused}", guess=sort_guess("updated_at"))
            pages = self._reader.pages(PROFILES, {})
        newer = window.comparison == Comparison.NEWER_THAN
        read = RecentKeys()  # profiles whose children this sync read (bounded: a miss costs a request)
        for changed in newest_first(self._reader, pages, scan, self._updated_at, self.name, "updated_at"):
            for profile in changed:
                read.repeat(profile.get("people_id"))
            yield from self._children_of(changed)
            if newer:
                yield Checkpoint(scan.checkpoint(cursor) | {SLICE_PAGE: slice_page})
        done = final_state(window, scan, cursor, high_water)
        if slice_wanted(window, PROFILE_UPDATED_AT_COVERS_DATA):
            sent = self._reader.client.requests_sent
            try:
                rotating = RotatingSlice(self._reader, PROFILES, {}, slice_page, self._slice_size())
                for unread in rotating.unread(read, "people_id"):
                    admitted = [
                        profile
                        for profile in unread
                        if within_reference(self._settings, self._updated_at(profile))
                    ]
                    yield from self._children_of(admitted)
                    yield rotating.checkpoint(done)
            finally:
                self.slice_requests = self._reader.client.requests_sent - sent  # people/stats included
            slice_page = rotating.next_page
        yield Checkpoint(done | {SLICE_PAGE: slice_page})

    def _slice_size(self) -> int | None:
        """Pages per sync so that every page is read within `people_refresh_syncs` syncs."""
        total = self._reader.once("people_total", self._people_total)  # 1 request per sync, for every stream
        if isinstance(total, bool) or not isinstance(total, int) or total < 0:
            self._reader.warn_once(
                ("people_total", self.name),
                f"{self.name}: Crisp's people/stats gave no profile count ({total!r}), so this sync reads "
                f"every profile again instead of 1/{self._refresh_syncs} of them.",
            )
            return None  # one whole round of the list
        # The page size the profile list really served this sync: a server may ignore per_page there.
        served = self._reader.page_sizes.served(PROFILES.name) or self._reader.page_size
        return pages_per_sync(math.ceil(total / served), self._refresh_syncs)

    def _people_total(self) -> Any:
        stats = next(iter(self._reader.pages(STATISTICS, {})), None)
        return stats.items[0].get("total") if stats is not None and stats.items else None

    def _children_of(self, profiles: list[Item]) -> Iterator[Mapping[str, Any]]:
        """The children of one page of profiles: their requests go out together (fanout.py), their records
        come back in the page's order, all before the checkpoint that follows the page."""
        contexts = [self._context(profile) for profile in profiles]
        for context, items in zip(contexts, self._reader.fan_out.map(self._read, contexts), strict=True):
            for item in items:
                record = self._record(item, context)
                if record is not None:
                    yield record

    def _read(self, context: Context) -> list[Item]:
        """One profile's children (every page); none when the profile was deleted since it was listed."""
        return [item for page in self._reader.pages(self.obj, context) for item in page.items]

    def _context(self, profile: Item) -> Context:
        context = {name: profile.get(name) for name in self.obj.parent_fields}
        context[PROFILE_CURSOR] = cursor_value(profile.get("updated_at"))
        return context

    def _updated_at(self, profile: Item) -> int | None:
        return self._cursor(profile, "updated_at")
