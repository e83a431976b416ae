"""The people_profiles stream: newest first on the chosen cursor (people_scan.py), the generic unsorted scan
when Crisp refuses the sort."""

from __future__ import annotations

from source_crisp.checkpoint import Checkpoint, Output
from source_crisp.config import Comparison
from source_crisp.people_scan import PROFILES, final_state, newest_first, plan, sorted_pages, warn_refused
from source_crisp.streams import CrispStream

__all__ = ["PROFILES", "PeopleProfilesStream"]  # PROFILES: the row, for callers that import it from here


class PeopleProfilesStream(CrispStream):
    """Incremental: newest first on the chosen cursor; the generic unsorted scan (resumable by page) when
    Crisp refuses the sort."""

    def _incremental(self, cursor: str) -> Output:
        pages, refused = sorted_pages(self._reader, cursor)
        if refused is not None:
            warn_refused(
                self._reader,
                cursor,
                refused,
                f"{self.name} scans the whole list and filters it here, checkpointing the page reached",
            )
            yield from super()._incremental(cursor)
            return
        state = self._state_for(cursor)
        high_water = state.get(cursor)
        window, scan = plan(self._settings, state, cursor, self._horizon)
        newer = window.comparison == Comparison.NEWER_THAN
        for admitted in newest_first(
            self._reader, pages, scan, lambda item: self._cursor(item, cursor), self.name, cursor
        ):
            for profile in admitted:
                yield self._shape(profile)
            if newer:
                yield Checkpoint(scan.checkpoint(cursor))
        yield Checkpoint(final_state(window, scan, cursor, high_water))
