"""Conversations and their messages: Crisp sorts conversations by date (a guess, checked on every record
read), so these scan newest first, stop once the confirmed order proves nothing further can match, and
checkpoint the cursor ranges they covered (incremental.py). Once the order is contradicted they read the whole
list and filter it here. Messages are read only for conversations whose updated_at passed the reference.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from source_crisp.assumptions import FULL_REFRESH_SORT_PARAM, WAITING_SINCE_SCAN_AXIS
from source_crisp.config import Comparison
from source_crisp.dates import iso_utc
from source_crisp.incremental import Coverage, DescendingScan, Window, highest, window_for
from source_crisp.objects import BY_NAME
from source_crisp.reader import Item
from source_crisp.streams import Checkpoint, CrispStream, Output

# The list a cursor is scanned on: its own sort, or (a cursor Crisp's sort cannot give completely) a list
# whose sort axis bounds it from above. See assumptions.WAITING_SINCE_SCAN_AXIS.
SCAN_AXIS = {"waiting_since": WAITING_SINCE_SCAN_AXIS}


class _NewestFirst(CrispStream):
    """Shared by conversations and their messages: a newest-first scan of the conversation list."""

    conversations = BY_NAME["conversations"]
    vanished = 0  # conversations found deleted (404) during the current scan

    def _scan_conversations(
        self,
        scan: DescendingScan,
        axis: str,
        params: Mapping[str, Any],
        state_key: str | None,
        bound: str | None = None,
    ) -> Iterator[Item | Checkpoint]:
        """Conversations the scan admits, with a checkpoint after each page when state_key is given. `bound`:
        the cursor the `axis` is relied on to bound (checked on every conversation read, see _check_bound).

        A page during which a conversation turned out to be deleted is read again (see CrispReader.pages)."""
        self.vanished = 0
        replayed = 0

        def deleted_since_last_page() -> bool:
            nonlocal replayed
            changed, replayed = self.vanished != replayed, self.vanished
            return changed

        warned = False
        for page in self._reader.pages(self.conversations, {}, params, replay=deleted_since_last_page):
            for conversation in page.items:
                if bound is not None:
                    _check_bound(scan, conversation, bound, axis)
                if scan.admit(self._cursor(conversation, axis), conversation.get("session_id")):
                    yield conversation
            if scan.contradiction is not None and not warned:
                warned = True
                self._warn_contradiction(scan, axis, params, page.number, incremental=state_key is not None)
            if state_key is not None:
                yield Checkpoint(scan.checkpoint(state_key))
            if scan.may_stop():
                return

    def _warn_contradiction(
        self, scan: DescendingScan, axis: str, params: Mapping[str, Any], page: int, incremental: bool
    ) -> None:
        """One warning per sync and list: which guess failed, where, and what the read does instead."""
        sort = next((name for name in params if name.startswith("order_date_")), "default order")
        guess = scan.broken_guess or (
            f"{'CONVERSATION_SORT_PARAMS' if incremental else 'FULL_REFRESH_SORT_PARAM'}: {sort}=1 lists "
            f"conversations newest first by {axis}"
        )
        what = scan.contradiction if scan.broken_guess else f"{axis} {scan.contradiction}"
        if incremental:
            consequence = (
                "reading the whole conversation list and filtering it here instead of stopping early; "
                "the state advances when the scan completes"
            )
        else:
            consequence = (
                "a full refresh reads every page whatever the order (repeats dropped by session_id), so "
                "nothing is skipped; a conversation that moves in the list while it is read may be missed "
                "until the next sync"
            )
        self._reader.warn_once(
            (sort, axis, incremental),
            f"Crisp contradicts the guess {guess} (source_crisp/assumptions.py): {what} on page {page}. "
            f"{self.name}: {consequence}.",
        )

    def _full_scan(self) -> Iterator[Item]:
        """Every conversation once, whatever order Crisp lists them in."""
        scan = DescendingScan(Window.everything(), Coverage())
        for item in self._scan_conversations(scan, "created_at", {FULL_REFRESH_SORT_PARAM: "1"}, None):
            if not isinstance(item, Checkpoint):
                yield item

    def _plan(self, cursor: str, axis: str) -> tuple[Window, DescendingScan, int | None]:
        """The run's window, and the scan over the conversations list sorted by `axis` that applies it."""
        state = self._state_for(cursor)
        high_water = state.get(cursor)
        window = window_for(self._settings, high_water)
        coverage = Coverage.from_state(cursor, state) if self._newer(window) else Coverage()
        # On another axis only newer_than narrows the conversations to visit (the axis bounds the cursor).
        scan_window = window if axis == cursor or self._newer(window) else Window()
        return window, DescendingScan(scan_window, coverage, self._horizon), high_water

    @staticmethod
    def _newer(window: Window) -> bool:
        return window.comparison == Comparison.NEWER_THAN

    def _finish(
        self, cursor: str, window: Window, scan: DescendingScan, high_water: int | None
    ) -> Checkpoint:
        return Checkpoint(
            scan.complete(cursor) if self._newer(window) else {cursor: highest(high_water, scan.top)}
        )


class ConversationsStream(_NewestFirst):
    def _full_refresh(self) -> Output:
        for conversation in self._full_scan():
            yield self._shape(conversation)

    def _incremental(self, cursor: str) -> Output:
        axis = SCAN_AXIS.get(cursor, cursor)
        window, scan, high_water = self._plan(cursor, axis)
        params = {self.obj.sort_params[axis]: "1"} | self._date_filter(cursor, window)
        bound = cursor if axis != cursor else None
        for item in self._scan_conversations(
            scan, axis, params, cursor if self._newer(window) else None, bound
        ):
            if isinstance(item, Checkpoint):
                yield item
            elif bound is None or window.matches(self._cursor(item, cursor)):
                yield self._shape(item)
        yield self._finish(cursor, window, scan, high_water)

    def _date_filter(self, cursor: str, window: Window) -> dict[str, str]:
        """`older_than` on the field Crisp filters on: ask for older ones only (1 s wider, re-checked)."""
        if cursor != self.obj.date_filter_field or window.reference is None or self._newer(window):
            return {}
        return {"filter_date_end": iso_utc(window.reference + 1000)}


def _check_bound(scan: DescendingScan, item: Item, cursor: str, axis: str) -> None:
    """A conversation whose cursor is above its axis value breaks what the early stop and the axis filter rely
    on: every conversation is visited from then on, filtered on the cursor itself. Those read before passed
    this check, so the axis filter that skipped them was right."""
    value, bound = item.get(cursor), item.get(axis)
    if isinstance(value, int) and isinstance(bound, int) and value > bound:
        scan.contradict(
            f"{item.get('session_id')} has {cursor} {value} after its {axis} {bound}",
            guess=f"WAITING_SINCE_SCAN_AXIS: a conversation's {cursor} is never after its {axis}",
            unfiltered=True,
        )


class MessagesStream(_NewestFirst):
    def _full_refresh(self) -> Output:
        for conversation in self._full_scan():
            yield from self._messages_of(conversation, Window.everything())

    def _incremental(self, cursor: str) -> Output:
        # Coverage lives on the parent's updated_at axis: messages are never newer than their conversation.
        window, scan, high_water = self._plan(cursor, "updated_at")
        params = {self.conversations.sort_params["updated_at"]: "1"}
        for item in self._scan_conversations(
            scan, "updated_at", params, cursor if self._newer(window) else None
        ):
            if isinstance(item, Checkpoint):
                yield item
            else:
                yield from self._messages_of(item, window)
        yield self._finish(cursor, window, scan, high_water)

    def _messages_of(self, conversation: Item, window: Window) -> Iterator[Mapping[str, Any]]:
        context = {"session_id": conversation.get("session_id")}
        stop_at = window.reference if self._newer(window) else None
        messages = self._reader.messages(self.obj, context, stop_at)
        if messages is None:
            self.vanished += 1
        for message in messages or []:
            if window.matches(self._cursor(message, "timestamp")):
                yield self._shape(message, context)
