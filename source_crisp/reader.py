"""Walking Crisp lists: page-in-path paging with stop rules, parents -> children, enrichment, message walks.

Pure iteration over the client; no Airbyte types. Each paging style is a few lines with its stop rule:
- PER_PAGE: stop on an empty page, or on a page proven the last: shorter than a page the same route served
  this sync (page_sizes.py). A page shorter than the per_page asked alone ends nothing: a server may ignore
  or cap per_page;
- FIXED_PAGE: stop on an empty page only (the real page size is an assumption);
- every paged list raises if the server serves a page identical to any earlier page of the same walk (A, B,
  A, B included), and once a walk passes `max_pages` pages (`max_pages_per_list`): a loop guard, so a server
  that never ends a list cannot burn the daily quota;
- MESSAGE_WALK: newest batch, then `timestamp_before`; stop on an empty batch, an HTTP 200 (no older
  messages) or once the batch reaches the reference; a batch newer than `timestamp_before` (the filter was
  ignored) and a walk past `max_pages` batches raise.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Hashable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from airbyte_cdk.models import FailureType
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from source_crisp.client import CrispClient
from source_crisp.config import MAX_PAGES_DEFAULT
from source_crisp.dates import cursor_value
from source_crisp.enrichment import Enricher
from source_crisp.fan_over_check import values_seen
from source_crisp.fanout import FanOut
from source_crisp.objects import BY_NAME, CrispObject, Pagination
from source_crisp.page_sizes import ServedPageSizes
from source_crisp.page_store import ABSENT, Absent, PageStore
from source_crisp.parents import ParentCheck
from source_crisp.request_counts import StreamRequests
from source_crisp.routes import Routes

LOGGER = logging.getLogger("airbyte")
Item = dict[str, Any]
Context = dict[str, Any]


@dataclass(frozen=True)
class Page:
    number: int
    items: list[Item]
    # The reader knows from this page alone that no page follows (page_sizes.py); False when only the next
    # (empty) page can tell.
    final: bool = False


class LoopGuard:
    """Bounds one walk of a list: at most `max_pages` pages, none identical to an earlier one.

    Pages are remembered by a 16-byte content fingerprint, so memory stays under 16 bytes x max_pages however
    the pages cycle (a consecutive-only check lets A, B, A, B through)."""

    def __init__(self, name: str, max_pages: int) -> None:
        self._name = name
        self._max_pages = max_pages
        self._pages = 0
        self._seen: set[bytes] = set()
        self._last: bytes | None = None

    def admit(self, number: int, items: list[Item]) -> None:
        self._pages += 1
        if self._pages > self._max_pages:
            raise _stop(
                f"{self._name}: the list did not end after {self._max_pages} pages, stopping so a list that "
                "never ends cannot use up the token's daily quota. If the workspace really holds more, raise "
                "'max_pages_per_list'."
            )
        fingerprint = hashlib.blake2b(repr(items).encode(), digest_size=16).digest()
        if fingerprint in self._seen:
            raise _stop(
                f"Crisp served the same {self._name} page twice (page {number} repeats an earlier page of "
                "this list); stopping to avoid a loop. Contact Crisp support if it persists."
            )
        self._seen.add(fingerprint)
        self._last = fingerprint

    def again(self) -> None:
        """The next page re-reads the last one (CrispReader.pages `replay`): it may come back unchanged."""
        self._seen.discard(self._last)


class CrispReader:
    def __init__(
        self, client: CrispClient, website_id: str, page_size: int, max_pages: int = MAX_PAGES_DEFAULT
    ) -> None:
        self.client = client
        self.website_id = website_id
        self.page_size = page_size
        self.max_pages = max_pages
        self.page_store = PageStore()  # every list page of this sync, for the later walks (page_store.py)
        self.page_sizes = ServedPageSizes()  # what each per_page route really serves (page_sizes.py)
        self.requests = StreamRequests()  # requests per stream (request_counts.py)
        self.routes = Routes(website_id)  # paths for the reader and its helpers, which never call back here
        self._enricher = Enricher(client, self.routes.path)
        self._parents = ParentCheck(client, self.routes.path)  # a child's 404 drops data only once confirmed
        self._warned: set[Hashable] = set()
        self._answers: dict[Hashable, Any] = {}  # once(): single answers several streams of a sync need
        self.fan_out = FanOut(pacing=client.pacing)  # per-parent requests of one parent page (fanout.py)

    def close(self) -> None:
        """End of sync: the fan-out's threads, the client's connections and the page store's file."""
        self.fan_out.close()
        self.client.close()
        self.page_store.close()

    def warn_once(self, topic: Hashable, message: str) -> None:
        """Log `message` the first time `topic` comes up in this sync (the reader lives for one sync)."""
        if topic not in self._warned:
            self._warned.add(topic)
            LOGGER.warning(message)

    def once(self, topic: Hashable, compute: Callable[[], Any]) -> Any:
        """`compute()` the first time `topic` is asked in this sync, the same answer after: a single answer
        several streams need (people/stats sizes the slice of every per-profile stream) costs 1 request."""
        if topic not in self._answers:
            self._answers[topic] = compute()
        return self._answers[topic]

    def path(self, template: str, values: Mapping[str, Any], page: int | None = None) -> str:
        return self.routes.path(template, values, page)

    def pages(
        self,
        obj: CrispObject,
        context: Context,
        params: Mapping[str, Any] | None = None,
        start_page: int = 1,
        replay: Callable[[], bool] | None = None,
        gone: Callable[[], None] | None = None,
    ) -> Iterator[Page]:
        """Pages in order. `replay`, asked after each page is consumed, re-reads the same page number when it
        says so: items deleted above the read position shift the rest of the list up, and the re-read picks
        up what slid onto the page just read (callers skip what they already processed). Pages of paged lists
        come from the sync's page store when an earlier walk read them (unpaginated answers are one request
        that no second walk asks for today). `gone` is called when a child's route answers that its parent no
        longer exists (the list then ends)."""
        # A child's 404 is explained by the parent check (parents.py), not by the client's warning.
        policy = {"child": obj.parent is not None, "optional": obj.optional, "quiet": obj.parent is not None}
        if obj.pagination in (Pagination.SINGLE, Pagination.NOT_PAGINATED):
            path = self.path(obj.path, context)
            reply = self.client.get(path, params, **policy)
            if reply is None and obj.parent is not None:
                reply = self._parents.after_404(
                    obj, context, path, lambda: self.client.get(path, params, **policy)
                )
            if reply is None and gone is not None and obj.parent is not None:
                gone()
            if reply is not None and reply.data:
                single = obj.pagination == Pagination.SINGLE
                data = _listed_in(obj, reply.data)
                items = [data] if single else _list_of(obj, data)
                yield Page(1, _items_of(obj, items))
            return
        query = dict(obj.list_params) | dict(params or {})
        per_page = obj.pagination == Pagination.PER_PAGE
        if per_page:
            query["per_page"] = self.page_size
        guard = LoopGuard(obj.name, self.max_pages)
        number = start_page
        replaying = False
        short: int | None = None  # the length of the walk's last page when shorter than per_page
        while True:
            path = self.path(obj.path, context, number)
            items = self._list_page(obj, path, query, policy, fresh=replaying, gone=gone, context=context)
            if not items:
                return
            guard.admit(number, items)
            if short is not None:
                self._warn_short_pages(obj, short)
            short = len(items) if per_page and len(items) < self.page_size else None
            final = per_page and self.page_sizes.ends_list(obj.name, len(items))
            yield Page(number, items, final)
            if final:
                return
            # After a re-read the rest of the walk asks Crisp too: the stored pages were listed before the
            # deletion that shifted the list up, so they no longer line up with the re-read page.
            refreshed = replay is not None and replay()
            replaying = replaying or refreshed
            if refreshed:
                guard.again()
                continue
            number += 1

    def _warn_short_pages(self, obj: CrispObject, served: int) -> None:
        """A page shorter than per_page was followed by more: the server ignores or caps per_page."""
        self.warn_once(
            ("short_pages", obj.name),
            f"{obj.name}: Crisp served {served} items on a page although per_page={self.page_size} was "
            "asked, and the list went on: it ignores or caps per_page there. Every page is read until an "
            "empty one ends the list, so nothing is missed; the list costs more requests than page_size "
            "suggests.",
        )

    def first_page(self, obj: CrispObject, context: Context) -> list[Item] | None:
        """Page 1 of a paged list as a probe asks it (a 404 is an answer, not an error: None), through the
        page store, so the walk that follows the probe does not ask Crisp for it again."""
        policy = {"child": obj.parent is not None, "optional": True, "quiet": True}
        page = self._stored_page(obj, self.path(obj.path, context, 1), {}, policy, fresh=False)
        return None if page is ABSENT else page

    def _list_page(
        self,
        obj: CrispObject,
        path: str,
        query: Mapping[str, Any],
        policy: Mapping[str, bool],
        fresh: bool,
        gone: Callable[[], None] | None = None,
        context: Context | None = None,
    ) -> list[Item]:
        """One list page: from this sync's page store unless `fresh`, else from Crisp. A child's page that
        answered 404 is re-read from Crisp while its parent still exists (parents.py)."""
        page = self._stored_page(obj, path, query, policy, fresh)
        if page is ABSENT and obj.parent is not None:

            def again() -> list[Item] | None:
                fresh_page = self._stored_page(obj, path, query, policy, fresh=True)
                return None if fresh_page is ABSENT else fresh_page

            answer = self._parents.after_404(obj, context or {}, path, again)
            page = ABSENT if answer is None else answer
        if page is ABSENT and gone is not None and obj.parent is not None:
            gone()
        return [] if page is ABSENT else page

    def _stored_page(
        self, obj: CrispObject, path: str, query: Mapping[str, Any], policy: Mapping[str, bool], fresh: bool
    ) -> list[Item] | Absent:
        """The page as this sync first read it (page_store.py); read from Crisp and stored when the store
        has none, when `fresh`, or when Crisp skipped it (a 404) under a policy that would treat it as an
        error."""
        key = PageStore.key(path, query)
        page = None if fresh else self.page_store.get(key)
        if page is None or (page is ABSENT and not (policy.get("child") or policy.get("optional"))):
            reply = self.client.get(path, query, **policy)
            page = ABSENT if reply is None else _items_of(obj, _list_of(obj, reply.data))
            if not obj.never_emit:  # a page holding credentials never reaches the store's file
                self.page_store.put(key, page)
        return page

    def items(
        self, obj: CrispObject, params: Mapping[str, Any] | None = None
    ) -> Iterator[tuple[Item, Context]]:
        """Every item of `obj`, with the parent fields it takes (walking its parents first)."""
        for context, page in self.paged(obj, params):
            for item in page.items:
                yield item, context

    def paged(
        self, obj: CrispObject, params: Mapping[str, Any] | None = None, start_page: int = 1
    ) -> Iterator[tuple[Context, Page]]:
        """The pages of `obj` with the parent fields they take. A child is read one parent page at a time:
        the children of that page's parents through fan_out (concurrently), yielded in the parents' order
        before the next parent page is asked for. `start_page` applies to a top-level list only."""
        if obj.parent is None:
            for page in self.pages(obj, {}, params, start_page):
                yield {}, page
            return

        def read(context: Context) -> list[Page]:
            return list(self.pages(obj, context, params))

        for contexts in self._parent_batches(obj):
            for context, pages in zip(contexts, self.fan_out.map(read, contexts), strict=True):
                for page in pages:
                    yield context, page

    def children(self, obj: CrispObject, context: Context) -> list[Item] | None:
        """Every item of one parent's child route, all its pages; None when the parent was deleted meanwhile,
        as its own route confirmed (parents.py warned)."""
        gone: list[bool] = []
        items = [
            item for page in self.pages(obj, context, gone=lambda: gone.append(True)) for item in page.items
        ]
        return None if gone else items

    def contexts(self, obj: CrispObject) -> Iterator[Context]:
        for batch in self._parent_batches(obj):
            yield from batch

    def _parent_batches(self, obj: CrispObject) -> Iterator[list[Context]]:
        """The parent fields of `obj`'s parents, one parent page at a time."""
        if obj.parent is None:
            yield [{}]
            return
        for parent_context, page in self.paged(BY_NAME[obj.parent]):
            seen = self._fan_over_seen(obj, page.items, parent_context)
            yield [
                context
                for item, values in zip(page.items, seen, strict=True)
                for context in obj.contexts_under(item, parent_context, values)
            ]

    def _fan_over_seen(self, obj: CrispObject, parents: list[Item], parent_context: Context) -> list[dict]:
        """Per parent, the fan_over values Crisp names beyond the guessed ones (fan_over_check.py)."""
        if obj.fan_over_check is None:
            return [{}] * len(parents)
        return list(self.fan_out.map(lambda item: self._fan_over_values(obj, item, parent_context), parents))

    def _fan_over_values(self, obj: CrispObject, parent: Item, parent_context: Context) -> dict:
        """One parent's answer to the check's route, read for the fan_over values it names (one request)."""
        check = obj.fan_over_check
        context = {name: parent.get(name, parent_context.get(name)) for name in obj.parent_fields}
        reply = self.client.get(self.path(check.path, context), child=True)
        if reply is None:  # the parent is gone: the client warned, and its children's reads skip it
            return {}
        finding = values_seen(obj, reply.data)
        for topic, message in finding.warnings:
            self.warn_once(topic, message)
        return finding.extra

    def enrich(self, obj: CrispObject, item: Item, context: Context) -> Item | None:
        """Merge the answers of the object's per-item routes; None when the item vanished meanwhile."""
        return self._enricher.enrich(obj, item, context)

    def messages(self, obj: CrispObject, context: Context, stop_at: int | None = None) -> list[Item] | None:
        """Messages of one conversation, oldest first; the walk stops once a batch reaches `stop_at`.

        None when the conversation was deleted, as its own route confirmed (parents.py warned).
        """
        path = self.path(obj.path, context)
        held: dict[Any, Item] = {}
        before: int | None = None
        for _batch in range(self.max_pages):
            params = {"timestamp_before": before} if before is not None else None
            reply = self.client.get(path, params, child=True, quiet=True)
            if reply is None:

                def again(asked: Mapping[str, Any] | None = params) -> Any:
                    return self.client.get(path, asked, child=True, quiet=True)

                reply = self._parents.after_404(obj, context, path, again)
            if reply is None:
                return None
            batch = [message for message in reply.data or [] if isinstance(message, dict)]
            fresh = [message for message in batch if message.get("fingerprint") not in held]
            held.update((message.get("fingerprint"), message) for message in fresh)
            timestamps = [t for t in (cursor_value(m.get("timestamp")) for m in batch) if t is not None]
            if not timestamps or reply.status == 200:
                break  # an empty batch, the last one, or one without a usable timestamp to page from
            oldest = min(timestamps)
            if stop_at is not None and oldest <= stop_at:
                break
            # Overlap by one millisecond so messages sharing the boundary timestamp are not skipped; when a
            # whole batch shares one millisecond, step strictly past it instead of looping.
            step = oldest + 1 if fresh else oldest
            if step == before:
                break
            if before is not None and step > before:
                raise _stop(
                    f"Crisp answered messages of conversation {context.get('session_id')} newer than the "
                    "timestamp_before asked for; stopping to avoid a loop. Contact Crisp support if it "
                    "persists."
                )
            before = step
        else:
            raise _stop(
                f"The messages of conversation {context.get('session_id')} did not end after "
                f"{self.max_pages} batches; stopping so a walk that never ends cannot use up the token's "
                "daily quota. Raise 'max_pages_per_list' if the conversation really holds more."
            )
        return sorted(held.values(), key=_oldest_first)


def _listed_in(obj: CrispObject, data: Any) -> Any:
    """The items of an answer that wraps them in an object (CrispObject.list_field); others as they are."""
    if obj.list_field is None:
        return data
    if not isinstance(data, dict):
        raise _unexpected(f"Crisp answered {obj.name} with a JSON {type(data).__name__}, not an object")
    return data.get(obj.list_field)


def _list_of(obj: CrispObject, data: Any) -> list[Any]:
    """A list answer's items. Empty data (null, {}, []) is an empty page; anything else that is not a list is
    a broken answer: read as a list, a dict would yield its keys as items."""
    if not data:
        return []
    if not isinstance(data, list):
        raise _unexpected(f"Crisp answered a {obj.name} list with a JSON {type(data).__name__}, not a list")
    return data


def _items_of(obj: CrispObject, items: list[Any]) -> list[Item]:
    return _values(obj, items) if obj.value_field else _objects(obj, items)


def _objects(obj: CrispObject, items: list[Any]) -> list[Item]:
    """Items must be objects: dropping the others could turn a full page into an empty one (the end)."""
    if not all(isinstance(item, dict) for item in items):
        raise _unexpected(f"Crisp answered {obj.name} items that are not JSON objects")
    return items


def _values(obj: CrispObject, items: list[Any]) -> list[Item]:
    """A list of bare values (CrispObject.value_field): each becomes a one-field item; an object or a list
    among them is a broken answer, not a value."""
    if any(isinstance(item, dict | list) or item is None for item in items):
        raise _unexpected(f"Crisp answered {obj.name} items that are not plain values")
    return [{obj.value_field: item} for item in items]


def _unexpected(what: str) -> AirbyteTracedException:
    return _stop(f"{what}; stopping rather than guessing what it means. Contact Crisp support if it recurs.")


def _stop(message: str) -> AirbyteTracedException:
    return AirbyteTracedException(
        message=message, internal_message=message, failure_type=FailureType.system_error
    )


def _oldest_first(message: Item) -> tuple[Any, ...]:
    """Sort key that never compares unlike types (a hostile batch may mix them)."""
    fingerprint = message.get("fingerprint")
    tie = (0, fingerprint, "") if isinstance(fingerprint, int) else (1, 0, str(fingerprint))
    return (cursor_value(message.get("timestamp")) or 0, *tie)
