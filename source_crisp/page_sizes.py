"""When a page of a `per_page` list proves the list ended: the page size each route really serves, learned.

A page shorter than the `per_page` asked proves nothing: Crisp's official clients never send `per_page` on
people profiles, so a server may ignore it there (serving its own 20), and any server may cap it lower than
asked. What every page does prove is that its route serves at least that many items a page. So a page
shorter than the longest page the route served in this sync is shorter than the route's real page size: the
last page of its list. Any other page, however short, is followed by a request for the next one, and the
list ends on an empty page there.

Cost: nothing more for a list of several pages when `per_page` is honoured (its first page is full, its
last one shorter); one request more (the empty page after it) for a list whose first page is also its
longest, i.e. a list of one page. What a route served is remembered for the whole sync, across walks and
queries, so a second walk of the same route knows it too.
"""

from __future__ import annotations

import threading


class ServedPageSizes:
    """Thread-safe: per-parent walks may run on FanOut's worker threads."""

    def __init__(self) -> None:
        self._longest: dict[str, int] = {}
        self._lock = threading.Lock()

    def ends_list(self, route: str, length: int) -> bool:
        """Record a non-empty page of `length` items served by `route`; True when it is proven the last
        page (shorter than a page the route served before)."""
        with self._lock:
            longest = self._longest.get(route, 0)
            self._longest[route] = max(longest, length)
        return length < longest

    def served(self, route: str) -> int | None:
        """The most items a page of `route` held in this sync (a lower bound of its page size); None before
        its first non-empty page."""
        with self._lock:
            return self._longest.get(route)
