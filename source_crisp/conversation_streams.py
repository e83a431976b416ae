"""Conversations and their children (messages, events, pages, files, participants, routing): Crisp sorts
conversations by date (a guess, checked on every record read), so these scan newest first, stop once the
confirmed order proves nothing further can match, and checkpoint the cursor ranges they covered
(incremental.py). Once the order is contradicted they read the whole list and filter it here. Children are
read only for conversations whose updated_at passed the reference, one list page of conversations at a time
through the reader's fan-out (fanout.py), so the checkpoint after a page covers every child request of it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import timedelta
from typing import Any

from source_crisp.assumptions import (
    CONVERSATION_UPDATED_AT_COVERS_UNDATED_CHILDREN,
    FULL_REFRESH_SORT_PARAM,
)
from source_crisp.checkpoint import Checkpoint, Output
from source_crisp.config import CONVERSATION_REFRESH_SYNCS_DEFAULT, Comparison, IncrementalSettings
from source_crisp.cursor_guards import VISIT_EVERY_CONVERSATION
from source_crisp.dates import cursor_value, iso_utc
from source_crisp.discovery import Discovery
from source_crisp.incremental import Coverage, DescendingScan, RecentKeys, Window, claim, highest, window_for
from source_crisp.objects import BY_NAME, CONVERSATION_CURSOR, BumpRule, CrispObject, Pagination, Scan
from source_crisp.reader import CrispReader, Item
from source_crisp.rotating_slice import (
    LIST_PAGES,
    SLICE_PAGE,
    RotatingSlice,
    pages_per_sync,
    slice_wanted,
    within_reference,
)
from source_crisp.streams import CrispStream

# A child dated this close to the sync's start (or later) is not judged against its conversation's listed
# updated_at: the listing may predate the child, and the two clocks may differ a little.
UNJUDGED_MARGIN = timedelta(minutes=1)


class _NewestFirst(CrispStream):
    """Shared by conversations and their messages: a newest-first scan of the conversation list."""

    conversations = BY_NAME["conversations"]
    _list_scan = conversations.scan or Scan({}, "")  # its sort orders, date filter and axes (objects.Scan)
    vanished = 0  # conversations found deleted (404) during the current scan

    def _scan_conversations(
        self,
        scan: DescendingScan,
        axis: str,
        params: Mapping[str, Any],
        state_key: str | None,
        bound: str | None = None,
    ) -> Iterator[list[Item] | Checkpoint]:
        """The conversations the scan admits, one list page at a time, each page followed by a checkpoint
        when state_key is given. `bound`: the cursor the `axis` is relied on to bound (checked on every
        conversation read, see _check_bound).

        The caller handles a page's conversations (their children's requests included) before it asks for
        more, so the next page is requested after them and the checkpoint covers them. A page during which a
        conversation turned out to be deleted (the caller counts them in `vanished`) is read again (see
        CrispReader.pages)."""
        self.vanished = 0
        replayed = 0

        def deleted_since_last_page() -> bool:
            nonlocal replayed
            changed, replayed = self.vanished != replayed, self.vanished
            return changed

        warned = False
        for page in self._reader.pages(self.conversations, {}, params, replay=deleted_since_last_page):
            admitted = []
            for conversation in page.items:
                if bound is not None:
                    _check_bound(scan, conversation, bound, axis)
                if scan.admit(self._cursor(conversation, axis), conversation.get("session_id")):
                    admitted.append(conversation)
            yield admitted
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
            f"{self._list_scan.guess if incremental else 'FULL_REFRESH_SORT_PARAM'}: {sort}=1 lists "
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

    def _full_scan(self) -> Iterator[list[Item]]:
        """Every conversation once, whatever order Crisp lists them in, one list page at a time."""
        scan = DescendingScan(Window.everything(), Coverage())
        for item in self._scan_conversations(scan, "created_at", {FULL_REFRESH_SORT_PARAM: "1"}, None):
            if not isinstance(item, Checkpoint):
                yield item

    def _plan(self, cursor: str, axis: str) -> tuple[Window, DescendingScan, int | None]:
        """The run's window, and the scan over the conversations list sorted by `axis` that applies it."""
        state = self._state_for(cursor)
        high_water = state.get(cursor)
        saved = Coverage.from_state(cursor, state)
        window = window_for(self._settings, high_water, saved)
        coverage = saved if self._newer(window) else Coverage()
        # On another axis only newer_than narrows the conversations to visit (the axis bounds the cursor).
        scan_window = window if axis == cursor or self._newer(window) else Window()
        return window, DescendingScan(scan_window, coverage, self._horizon), high_water

    @staticmethod
    def _newer(window: Window) -> bool:
        return window.comparison == Comparison.NEWER_THAN

    def _finish(
        self, cursor: str, window: Window, scan: DescendingScan, high_water: int | None
    ) -> Checkpoint:
        if self._newer(window):
            return Checkpoint(scan.complete(cursor))
        # older_than: every record below the reference was emitted, none at or above it (claim).
        return Checkpoint(claim(window, Coverage(high_water), scan.proven_top).to_state(cursor))


class ConversationsStream(_NewestFirst):
    def _full_refresh(self) -> Output:
        for page in self._full_scan():
            for conversation in page:
                yield self._shape(conversation)

    def _incremental(self, cursor: str) -> Output:
        # The list the cursor is scanned on: its own sort, or (a cursor Crisp's sort cannot give completely)
        # a list whose sort bounds it from above (the row's Scan.axes).
        axis = self._list_scan.axis(cursor)
        window, scan, high_water = self._plan(cursor, axis)
        params = dict(self._list_scan.sort[axis]) | self._date_filter(cursor, window)
        bound = cursor if axis != cursor else None
        for item in self._scan_conversations(
            scan, axis, params, cursor if self._newer(window) else None, bound
        ):
            if isinstance(item, Checkpoint):
                yield item
                continue
            for conversation in item:
                if bound is None or window.matches(self._cursor(conversation, cursor)):
                    yield self._shape(conversation)
        yield self._finish(cursor, window, scan, high_water)

    def _date_filter(self, cursor: str, window: Window) -> dict[str, str]:
        """`older_than` on the field Crisp filters on: ask for older ones only (1 s wider, re-checked)."""
        if cursor != self._list_scan.date_filter_field or window.reference is None or self._newer(window):
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


class ConversationChildStream(_NewestFirst):
    """A per-conversation object: messages (their MESSAGE_WALK), events, pages and files (paged lists),
    participants and routing (one answer each).

    Every such stream walks the conversation list with the same query as the others (full refresh: sorted
    by FULL_REFRESH_SORT_PARAM; incremental: by updated_at), so a sync that selects several walks it once:
    the reader serves the 2nd..nth walk from the pages it shares within the sync. Incremental reads visit
    only conversations whose updated_at passed the reference: for events, pages and files that relies on
    assumptions.CHILDREN_BUMP_UPDATED_AT, verified on every record (_verify; their rows' parent_bump is
    VERIFIED). Participants and routing have no date to verify anything with (parent_bump SLICE,
    assumptions.CONVERSATION_UPDATED_AT_COVERS_UNDATED_CHILDREN): their
    records carry their conversation's updated_at (`conversation_updated_at`, the cursor), and incremental
    reads add a rotating slice of the other conversations (_slice), so every conversation is read again
    within `conversation_refresh_syncs` syncs. The list has no count route (neither official client has
    one), so the slice is sized from the page count of the last walk that reached the list's end (the
    changed part of a first sync, or the slice going round), saved in the state as `list_pages`.

    State of those two: {conversation_updated_at: H, "covered": [...], "slice_page": p, "list_pages": n}."""

    def __init__(
        self,
        obj: CrispObject,
        reader: CrispReader,
        settings: IncrementalSettings,
        discovery: Discovery,
        refresh_syncs: int = CONVERSATION_REFRESH_SYNCS_DEFAULT,
    ) -> None:
        super().__init__(obj, reader, settings, discovery)
        self._undated = obj.parent_cursor is not None  # participants, routing: CONVERSATION_CURSOR
        self._refresh_syncs = refresh_syncs
        # The listings a sync reads are never older than its start (the streams are built when it starts).
        self._judged_until = round((reader.client.server_now() - UNJUDGED_MARGIN).timestamp() * 1000)
        # The row's rule (objects.BumpRule): events, pages, files are verified (CHILDREN_BUMP_UPDATED_AT);
        # participants and routing are covered by the slice; messages are trusted.
        self._verifies = obj.parent_bump == BumpRule.VERIFIED
        self._slices = obj.parent_bump == BumpRule.SLICE
        self._contradicted = False  # a record of this read contradicted CHILDREN_BUMP_UPDATED_AT
        self._child_top: int | None = None  # the highest trusted child cursor read

    def _full_refresh(self) -> Output:
        self._contradicted = False
        for page in self._full_scan():
            yield from self._children_of(page, Window.everything(), incremental=False)

    def _incremental(self, cursor: str) -> Output:
        self._contradicted, self._child_top = False, None
        # Coverage lives on the parent's updated_at axis: children are never newer than their conversation
        # (messages: relied on; events, pages, files: verified, see _verify).
        window, scan, high_water = self._plan(cursor, "updated_at")
        visit_all = bool(self._state_for(cursor).get(VISIT_EVERY_CONVERSATION))
        if visit_all:
            self._logger.info(
                f"{self.name}: visiting every conversation (its state records that Crisp contradicted "
                "CHILDREN_BUMP_UPDATED_AT, source_crisp/assumptions.py)"
            )
            scan = DescendingScan(Window(), Coverage(), self._horizon)
        claims_ranges = self._newer(window) and not visit_all
        params = dict(self._list_scan.sort["updated_at"])
        rotation = self._rotation(self._state_for(cursor))
        read, listed = RecentKeys(), 0  # the conversations the changed part read; its list pages
        for item in self._scan_conversations(scan, "updated_at", params, cursor if claims_ranges else None):
            if isinstance(item, Checkpoint):
                yield self._unproven(cursor, high_water) if self._contradicted else self._with(item, rotation)
                continue
            listed += 1
            for conversation in item:
                read.repeat(conversation.get("session_id"))
            yield from self._children_of(item, window, incremental=True)
            if self._contradicted and claims_ranges:
                scan.contradict(
                    "a child record dated after its conversation's updated_at",
                    guess="CHILDREN_BUMP_UPDATED_AT",
                    unfiltered=True,  # the rest of the list is visited now
                )
        if visit_all:
            # Every conversation was visited: what a child created during the read holds is after the start.
            top = self._child_top if self._child_top is None else min(self._child_top, self._judged_until)
            claimed = claim(window, Coverage(high_water), top).to_state(cursor)
            yield Checkpoint(claimed | {VISIT_EVERY_CONVERSATION: True})
        elif self._contradicted and self._newer(window):
            yield self._unproven(cursor, high_water)
        else:
            done = self._finish(cursor, window, scan, high_water)
            if rotation is not None and not scan.may_stop():  # the changed part walked the whole list
                rotation[LIST_PAGES] = listed
            if rotation is not None and slice_wanted(window, CONVERSATION_UPDATED_AT_COVERS_UNDATED_CHILDREN):
                yield from self._slice(read, rotation, done.state)
            yield self._with(done, rotation)

    def _rotation(self, state: Mapping[str, Any]) -> dict[str, Any] | None:
        """The slice's part of the state (children the slice covers only): where the next slice starts and
        the list's page count as last seen."""
        if not self._slices:
            return None
        return {SLICE_PAGE: state.get(SLICE_PAGE, 1)} | (
            {LIST_PAGES: state[LIST_PAGES]} if isinstance(state.get(LIST_PAGES), int) else {}
        )

    def _updated_at(self, conversation: Item) -> int | None:
        return self._cursor(conversation, "updated_at")

    @staticmethod
    def _with(checkpoint: Checkpoint, rotation: dict[str, Any] | None) -> Checkpoint:
        return checkpoint if rotation is None else Checkpoint(checkpoint.state | rotation)

    def _slice(self, read: RecentKeys, rotation: dict[str, Any], done: dict[str, Any]) -> Output:
        """The rotating slice (rotating_slice.py) over the list sorted by creation date, which updates do not
        reorder (and which a full refresh of the conversation streams walks: the sync's page store serves
        both); `rotation` is brought up to date as it goes."""
        known = rotation.get(LIST_PAGES)
        size = pages_per_sync(known, self._refresh_syncs) if known is not None else None
        params = {FULL_REFRESH_SORT_PARAM: "1"}
        rotating = RotatingSlice(self._reader, self.conversations, params, rotation[SLICE_PAGE], size)

        def state() -> dict[str, Any]:
            rotation.update(rotating.progress())
            if rotating.list_pages is not None:
                rotation[LIST_PAGES] = rotating.list_pages
            return done | rotation

        sent = self._reader.client.requests_sent
        try:
            for unread in rotating.unread(read, "session_id"):
                admitted = [
                    conversation
                    for conversation in unread
                    if within_reference(self._settings, self._updated_at(conversation))
                ]
                yield from self._children_of(admitted, Window.everything(), incremental=True)
                yield Checkpoint(state())
        finally:
            self.slice_requests = self._reader.client.requests_sent - sent
        state()

    def _warn_contradiction(
        self, scan: DescendingScan, axis: str, params: Mapping[str, Any], page: int, incremental: bool
    ) -> None:
        if scan.broken_guess != "CHILDREN_BUMP_UPDATED_AT":  # that one has its own warning (_verify)
            super()._warn_contradiction(scan, axis, params, page, incremental)

    @staticmethod
    def _unproven(cursor: str, high_water: int | None) -> Checkpoint:
        """After a contradiction: the reference stays where the read began (the conversations passed before
        it may hide changes), and every later read visits every conversation."""
        return Checkpoint({cursor: high_water, VISIT_EVERY_CONVERSATION: True})

    def _children_of(
        self, page: list[Item], window: Window, incremental: bool
    ) -> Iterator[Mapping[str, Any]]:
        """The children of one page of conversations, fetched through the fan-out, emitted in page order."""
        stop_at = window.reference if self._newer(window) else None

        def read(conversation: Item) -> list[Item] | None:
            context = {"session_id": conversation.get("session_id")}
            if self.obj.pagination == Pagination.MESSAGE_WALK:
                return self._reader.messages(self.obj, context, stop_at)
            return self._reader.children(self.obj, context)

        for conversation, children in zip(page, self._reader.fan_out.map(read, page), strict=True):
            if children is None:
                self.vanished += 1
                continue
            context = {"session_id": conversation.get("session_id")}
            if self._undated:  # their cursor: the conversation's updated_at when they were read
                context[CONVERSATION_CURSOR] = self._updated_at(conversation)
            for child in children:
                value = context[CONVERSATION_CURSOR] if self._undated else self._cursor(child, "timestamp")
                if self._verifies:
                    self._verify(conversation, value, incremental)
                if window.matches(value):
                    if self._horizon.trusted(value):
                        self._child_top = highest(self._child_top, value)
                    yield self._shape(child, context)

    def _verify(self, conversation: Item, value: int | None, incremental: bool) -> None:
        """assumptions.CHILDREN_BUMP_UPDATED_AT: a child dated after its conversation's listed updated_at
        (and before this sync began, so the listing cannot simply predate it) contradicts it."""
        updated = cursor_value(conversation.get("updated_at"))
        if value is None or updated is None or not updated < value <= self._judged_until:
            return
        self._contradicted = True
        if incremental and self._settings.comparison == Comparison.NEWER_THAN:
            consequence = (
                "the rest of this sync visits every conversation, and so does every later incremental sync "
                f"of this stream (its state records {VISIT_EVERY_CONVERSATION}); the state keeps this sync's "
                "reference, so a change hidden in a conversation passed before now is read by the next sync"
            )
        else:
            consequence = (
                "this read visits every conversation anyway; an incremental sync that meets it visits every "
                "conversation from then on"
            )
        self._reader.warn_once(
            ("CHILDREN_BUMP_UPDATED_AT", self.name),
            "Crisp contradicts the guess CHILDREN_BUMP_UPDATED_AT (source_crisp/assumptions.py: adding an "
            "event, a browsed page or a file to a conversation moves its updated_at): "
            f"{conversation.get('session_id')} holds a {self.name} record dated {iso_utc(value)}, after the "
            f"conversation's updated_at {iso_utc(updated)}. {self.name}: {consequence}.",
        )
