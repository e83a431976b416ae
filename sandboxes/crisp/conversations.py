"""Conversation facts held as compact arrays, the list query (filters + orders) and the two mutations.

Only a few integers per conversation live in memory (about 50 bytes each, so 100k conversations cost ~5 MB);
objects and messages are rebuilt from seeded randomness on every request. Lists are cached per query and
dataset version, because a client pages through one query many times.
"""

from __future__ import annotations

import threading
from array import array
from bisect import bisect_left, bisect_right
from collections import OrderedDict
from dataclasses import dataclass

from .ids import mix, parse_session_id, session_id

_DAY_MS = 86_400_000
RESOLVED, UNRESOLVED, PENDING = 2, 1, 0


@dataclass(frozen=True)
class ConversationQuery:
    order: str = "updated_at"  # updated_at | created_at | waiting_since
    ascending: bool = False  # oldest first (ordering.OLDEST_FIRST, LONGEST_WAITING_FIRST)
    waiting_only: bool = False  # leave out the conversations that are not waiting (LONGEST_WAITING_FIRST)
    include_empty: bool = False
    resolved: bool = False
    not_resolved: bool = False
    unread: bool = False
    date_field: str = "updated_at"
    date_start: int | None = None
    date_end: int | None = None


class ConversationStore:
    def __init__(
        self,
        seed: int,
        count: int,
        base_ms: int,
        span_ms: int,
        max_messages: int,
        forced_counts: dict[int, int],
        empty_one_in: int,
    ) -> None:
        self.seed, self.count = seed, count
        self.lock = threading.RLock()
        self.version = 0
        gap = max(span_ms // count, 3)
        self.created, self.updated, self.base_last = array("q"), array("q"), array("q")
        self.waiting, self.state, self.unread, self.base_count = (
            array("q"),
            array("b"),
            array("h"),
            array("i"),
        )
        for i in range(count):
            h = mix(seed, 21, i)
            messages = forced_counts.get(i)
            if messages is None:  # a few empty, one in 50 long (46..105 messages), the rest 1..max
                long_thread = 46 + h % 60 if h % 50 == 0 else 1 + (h >> 8) % max_messages
                messages = 0 if h % empty_one_in == 1 else long_thread
            # Index order == default order: updated_at strictly decreases with the index.
            updated = base_ms - (i + 1) * gap + (h >> 16) % (gap // 3)
            duration = 0 if not messages else max(messages * 60_000, (h >> 24) % (20 * _DAY_MS))
            state = (
                PENDING
                if not messages
                else (RESOLVED, RESOLVED, RESOLVED, UNRESOLVED, PENDING)[(h >> 40) % 5]
            )
            self.base_count.append(messages)
            self.updated.append(updated)
            self.base_last.append(updated)
            self.created.append(updated - duration)
            self.state.append(state)
            self.unread.append(0 if state == RESOLVED else (h >> 44) % 4)
            self.waiting.append(0 if state == RESOLVED or not messages else updated - (h >> 48) % 600_000)
        self.extra_messages: dict[int, list[int]] = {}  # index -> timestamps of messages added by touch
        self.extra_children: dict[int, list[tuple[str, int]]] = {}  # index -> (kind, timestamp) added later
        self.reassigned: dict[int, str | None] = {}  # index -> the operator it is routed to now (reassign)
        self.deleted: set[int] = set()
        # created_at shown instead of the real one (ordering.NEGATIVE); messages keep their own timestamps
        self.shown_created: dict[int, int] = {}
        self.negative_index = count // 2 + 1
        self.clock = max(self.updated, default=base_ms) + 60_000  # every new message is later than all others
        self.touch_rounds = 0
        self._orders: dict[str, array] = {}
        self._queries: OrderedDict[ConversationQuery, array] = OrderedDict()

    def session_id(self, i: int) -> str:
        return session_id(self.seed, i)

    def index_of(self, text: str) -> int | None:
        i = parse_session_id(self.seed, text, self.count)
        return None if i is None or i in self.deleted else i

    def message_count(self, i: int) -> int:
        return self.base_count[i] + len(self.extra_messages.get(i, ()))

    def message_timestamps(self, i: int) -> list[int]:
        """Every message time of conversation i, ascending and distinct."""
        m = self.base_count[i]
        step = (self.base_last[i] - self.created[i]) // m if m else 0
        last = self.base_last[i]
        return [last - (m - 1 - j) * step for j in range(m)] + self.extra_messages.get(i, [])

    def _order(self, field: str) -> array:
        if field not in self._orders:
            if field == "updated_at":
                keys = self.updated
            elif field == "created_at":
                keys = self.created
            else:  # waiting_since; assumption: those without one come last, by latest activity
                keys = [(w, u) for w, u in zip(self.waiting, self.updated, strict=True)]
            self._orders[field] = array("i", sorted(range(self.count), key=keys.__getitem__, reverse=True))
        return self._orders[field]

    def query(self, q: ConversationQuery) -> array:
        """Indexes of the conversations the query lists, in list order."""
        with self.lock:
            cached = self._queries.get(q)
            if cached is not None:
                self._queries.move_to_end(q)
                return cached
            dates = self.updated if q.date_field == "updated_at" else self.created
            lo = q.date_start if q.date_start is not None else -(1 << 62)
            hi = q.date_end if q.date_end is not None else 1 << 62
            order = self._order(q.order)
            result = array(
                "i",
                (
                    i
                    for i in (reversed(order) if q.ascending else order)
                    if i not in self.deleted
                    and (not q.waiting_only or self.waiting[i])
                    and (q.include_empty or self.base_count[i] or i in self.extra_messages)
                    and (not q.resolved or self.state[i] == RESOLVED)
                    and (not q.not_resolved or self.state[i] != RESOLVED)
                    and (not q.unread or self.unread[i] > 0)
                    and lo <= dates[i] <= hi
                ),
            )
            self._queries[q] = result
            while len(self._queries) > 8:
                self._queries.popitem(last=False)
            return result

    def _changed(self) -> None:
        self.version += 1
        self._orders.clear()
        self._queries.clear()

    def _spread(self, k: int) -> list[int]:
        """k conversations spread through the activity order (never the newest one); another k next time."""
        visible = self.query(ConversationQuery())
        n = len(visible)
        if n < 2 or k <= 0:
            return []
        k = min(k, n - 1)
        offset = self.touch_rounds % max(n // (k + 1), 1)
        self.touch_rounds += 1
        return list(dict.fromkeys(visible[min(j * n // (k + 1) + offset, n - 1)] for j in range(1, k + 1)))

    def touch(self, k: int, new_messages: int = 1) -> list[int]:
        """Add messages to k conversations spread through the activity order (never the newest one)."""
        with self.lock:
            picked = self._spread(k)
            for i in picked:
                stamps = self.extra_messages.setdefault(i, [])
                for _ in range(new_messages):
                    self.clock += 1_000
                    stamps.append(self.clock)
                self.updated[i] = self.clock
                self.state[i] = UNRESOLVED
                self.unread[i] += new_messages
                if not self.waiting[i]:
                    self.waiting[i] = stamps[-new_messages]
            self._changed()
            return picked

    def add_children(
        self, k: int, kinds: tuple[str, ...], bump: bool, among: list[int] | None = None
    ) -> list[int]:
        """Add one child of each kind (event, page, file) to k conversations spread through the activity
        order, or to the conversations `among`; `bump`: their updated_at moves to the new children's time
        (the guess assumptions.CHILDREN_BUMP_UPDATED_AT; switch `children_bump_updated_at`)."""
        with self.lock:
            picked = list(among) if among is not None else self._spread(k)
            for i in picked:
                for kind in kinds:
                    self.clock += 1_000
                    self.extra_children.setdefault(i, []).append((kind, self.clock))
                if bump:
                    self.updated[i] = self.clock
            self._changed()
            return picked

    def reassign(self, i: int, user_id: str | None, bump: bool) -> None:
        """Route conversation i to another operator (None: unassigned); `bump`: its updated_at moves (the
        source's guess CONVERSATION_UPDATED_AT_COVERS_UNDATED_CHILDREN; switch
        `undated_children_bump_updated_at`)."""
        with self.lock:
            self.reassigned[i] = user_id
            if bump:
                self.clock += 1_000
                self.updated[i] = self.clock
            self._changed()

    def delete(self, i: int) -> None:
        with self.lock:
            self.deleted.add(i)
            self._changed()


def batch_bounds(
    stamps: list[int], before: int | None, after: int | None, around: int | None, size: int
) -> tuple[int, int]:
    """Slice [start, stop) of the ascending `stamps` that a message selector returns."""
    if before is not None:
        stop = bisect_left(stamps, before)
        return max(stop - size, 0), stop
    if after is not None:
        start = bisect_right(stamps, after)
        return start, min(start + size, len(stamps))
    if around is not None:
        middle = bisect_left(stamps, around)
        return max(middle - size // 2, 0), min(middle + size // 2, len(stamps))
    return max(len(stamps) - size, 0), len(stamps)
