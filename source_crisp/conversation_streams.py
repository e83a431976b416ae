"""Conversations and their messages: Crisp sorts conversations by date, so these scan newest first, stop as
soon as the order proves nothing further can match, and checkpoint the cursor ranges they covered
(incremental.py). Messages are read only for conversations whose updated_at passed the reference.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from source_crisp.assumptions import FULL_REFRESH_SORT_PARAM
from source_crisp.config import Comparison
from source_crisp.dates import iso_utc
from source_crisp.incremental import Coverage, DescendingScan, Verdict, Window, highest, window_for
from source_crisp.objects import BY_NAME
from source_crisp.reader import Item
from source_crisp.streams import Checkpoint, CrispStream, Output


class _NewestFirst(CrispStream):
    """Shared by conversations and their messages: a newest-first scan of the conversation list."""

    conversations = BY_NAME["conversations"]
    vanished = 0  # conversations found deleted (404) during the current scan

    def _scan_conversations(
        self, scan: DescendingScan, axis: str, params: Mapping[str, Any], state_key: str | None
    ) -> Iterator[Item | Checkpoint]:
        """Conversations the scan admits, with a checkpoint after each page when state_key is given.

        A page during which a conversation turned out to be deleted is read again (see CrispReader.pages)."""
        self.vanished = 0
        replayed = 0

        def deleted_since_last_page() -> bool:
            nonlocal replayed
            changed, replayed = self.vanished != replayed, self.vanished
            return changed

        for page in self._reader.pages(self.conversations, {}, params, replay=deleted_since_last_page):
            stopped = False
            for conversation in page.items:
                verdict = scan.admit(conversation.get(axis), conversation.get("session_id"))
                if verdict == Verdict.STOP:
                    stopped = True
                    break
                if verdict == Verdict.EMIT:
                    yield conversation
            if state_key is not None:
                yield Checkpoint(scan.checkpoint(state_key))
            if stopped:
                return

    def _plan(self, cursor: str) -> tuple[Window, DescendingScan, int | None]:
        """The run's window, and the scan over conversations that applies it (see `_scan_window`)."""
        state = self._state_for(cursor)
        high_water = state.get(cursor)
        window = window_for(self._settings, high_water)
        coverage = Coverage.from_state(cursor, state) if self._newer(window) else Coverage()
        return window, DescendingScan(self._scan_window(window), coverage), high_water

    def _scan_window(self, window: Window) -> Window:
        return window

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
        # Creation order: updates do not move a conversation, so paging is stable; new ones are
        # skipped as drift.
        scan = DescendingScan(Window.everything(), Coverage())
        for conversation in self._scan_conversations(
            scan, "created_at", {FULL_REFRESH_SORT_PARAM: "1"}, None
        ):
            yield self._shape(conversation)

    def _incremental(self, cursor: str) -> Output:
        window, scan, high_water = self._plan(cursor)
        params = {self.obj.sort_params[cursor]: "1"} | self._date_filter(cursor, window)
        for item in self._scan_conversations(scan, cursor, params, cursor if self._newer(window) else None):
            if isinstance(item, Checkpoint):
                yield item
            else:
                yield self._shape(item)
        yield self._finish(cursor, window, scan, high_water)

    def _date_filter(self, cursor: str, window: Window) -> dict[str, str]:
        """`older_than` on the field Crisp filters on: ask for older ones only (1 s wider, re-checked)."""
        if cursor != self.obj.date_filter_field or window.reference is None or self._newer(window):
            return {}
        return {"filter_date_end": iso_utc(window.reference + 1000)}


class MessagesStream(_NewestFirst):
    def _scan_window(self, window: Window) -> Window:
        # Any conversation may hold messages older than the reference; only newer_than narrows the parents.
        return window if self._newer(window) else Window()

    def _full_refresh(self) -> Output:
        scan = DescendingScan(Window.everything(), Coverage())
        for conversation in self._scan_conversations(
            scan, "created_at", {FULL_REFRESH_SORT_PARAM: "1"}, None
        ):
            yield from self._messages_of(conversation, Window.everything())

    def _incremental(self, cursor: str) -> Output:
        # Coverage lives on the parent's updated_at axis: messages are never newer than their conversation.
        window, scan, high_water = self._plan(cursor)
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
            if window.matches(message.get("timestamp")):
                yield self._shape(message, context)
