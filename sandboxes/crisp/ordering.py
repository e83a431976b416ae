"""Switches for how lists are ordered and paged where the Crisp docs are silent (reference §3, §4.1).

The defaults are the guesses of `assumptions.py`; each switch gives an answer a real Crisp could give instead,
so tests show what the source does when a guess is wrong.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType

from . import assumptions

ORDER_FLAGS = ("order_date_created", "order_date_updated", "order_date_waiting")
NEWEST_FIRST, OLDEST_FIRST, IGNORED = "newest_first", "oldest_first", "ignored"
# The docs' reading of order_date_waiting: the longest-waiting first, conversations not waiting left out.
LONGEST_WAITING_FIRST = "longest_waiting_first"
DIRECTIONS = (NEWEST_FIRST, OLDEST_FIRST, IGNORED)
DIRECTIONS_BY_FLAG = {flag: DIRECTIONS for flag in ORDER_FLAGS} | {
    "order_date_waiting": (*DIRECTIONS, LONGEST_WAITING_FIRST)
}
# How the people profile list answers `sort_field`/`sort_order` (source assumption PEOPLE_SORT_PARAMS):
# honoured (the guess), ignored (the default order, created_at descending), ascending (whatever sort_order
# says), refused (400 invalid_data to either parameter).
HONOURED, ASCENDING, REFUSED = "honoured", "ascending", "refused"
PEOPLE_SORTS = (HONOURED, IGNORED, ASCENDING, REFUSED)
NEGATIVE, MIDDLE = "negative", "middle"
MISPLACED = (NEGATIVE, MIDDLE)
NEGATIVE_CREATED_AT = -3_600_000  # 1969-12-31T23:00:00Z
PER_PAGE_ROUTES = ("conversations", "people_profiles")  # the lists that take `per_page` (reference §3)


@dataclass(frozen=True)
class ListBehaviour:
    """order: order flag -> direction (unset flags sort newest first).
    misplaced: one conversation listed at the top of page `misplaced_page` of every conversations list,
    whatever the order: `negative` (a conversation whose created_at is negative) or `middle` (the item from
    the middle of that list).
    fixed_page_size: the page size of the lists without `per_page` (visitors, helpdesk).
    people_sort: how the people profile list answers sort_field/sort_order (PEOPLE_SORTS).
    per_page_ignored: routes (PER_PAGE_ROUTES) that serve their default page size whatever `per_page` asks
    (Crisp's official clients never send it on people profiles: a real server may ignore it there).
    per_page_cap: the most items a page of a `per_page` route holds, however many were asked (None: 50)."""

    order: Mapping[str, str] = field(default_factory=dict)
    misplaced: str | None = None
    misplaced_page: int = 1
    fixed_page_size: int = assumptions.FIXED_PAGE_SIZE
    people_sort: str = HONOURED
    per_page_ignored: tuple[str, ...] = ()
    per_page_cap: int | None = None

    def __post_init__(self) -> None:
        unknown = [name for name in self.per_page_ignored if name not in PER_PAGE_ROUTES]
        if unknown:
            raise ValueError(f"per_page_ignored: {unknown} not among {', '.join(PER_PAGE_ROUTES)}")
        if self.per_page_cap is not None and self.per_page_cap < 1:
            raise ValueError(f"per_page_cap must be >= 1 or None: {self.per_page_cap!r}")
        if self.people_sort not in PEOPLE_SORTS:
            raise ValueError(f"people_sort must be one of {', '.join(PEOPLE_SORTS)}: {self.people_sort!r}")
        for flag, direction in self.order.items():
            if flag not in DIRECTIONS_BY_FLAG:
                raise ValueError(f"order: unknown flag {flag!r}; accepted: {', '.join(ORDER_FLAGS)}")
            if direction not in DIRECTIONS_BY_FLAG[flag]:
                raise ValueError(
                    f"order[{flag!r}]: {direction!r} is not one of {', '.join(DIRECTIONS_BY_FLAG[flag])}"
                )
        if self.misplaced not in (None, *MISPLACED):
            raise ValueError(f"misplaced must be one of {', '.join(MISPLACED)} or None: {self.misplaced!r}")
        if self.misplaced_page < 1 or self.fixed_page_size < 1:
            raise ValueError("misplaced_page and fixed_page_size must be >= 1")
        object.__setattr__(self, "order", MappingProxyType(dict(self.order)))

    def served_per_page(self, route: str, asked: int | None) -> int:
        """How many items a page of `route` holds when `per_page=asked` (None: not sent): the assumed clamp to
        20..50, unless a switch says the server ignores or caps it."""
        if asked is None or route in self.per_page_ignored:
            size = assumptions.PER_PAGE_DEFAULT
        else:
            size = min(max(asked, assumptions.PER_PAGE_MIN), assumptions.PER_PAGE_MAX)
        return size if self.per_page_cap is None else min(size, self.per_page_cap)

    def direction(self, flag: str) -> str:
        return self.order.get(flag, NEWEST_FIRST)

    def misplace(self, indexes: Sequence[int], size: int, negative_index: int) -> Sequence[int]:
        """The list with the misplaced conversation moved to the top of `misplaced_page` (same for every page
        request, so the pages stay consistent with one another)."""
        if self.misplaced is None or len(indexes) < 2:
            return indexes
        chosen = negative_index if self.misplaced == NEGATIVE else indexes[len(indexes) // 2]
        moved = [i for i in indexes if i != chosen]
        if len(moved) == len(indexes):
            return indexes  # not in this list (filtered out)
        moved.insert(min((self.misplaced_page - 1) * size, len(moved)), chosen)
        return moved


def parse_order(values: Sequence[str]) -> dict[str, str]:
    """CLI `--order FLAG=DIRECTION` values as the `order` mapping."""
    order = {}
    for value in values:
        flag, _, direction = value.partition("=")
        order[flag] = direction
    return order
