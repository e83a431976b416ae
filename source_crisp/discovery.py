"""Bounded live sampling for discover. Cost per stream (requests), with the defaults in objects.py:

operators 1 · people_profiles 1 (first page) · people_data 5 (profiles of that page) · visitors 1 ·
conversations 1 (first page) · conversation_messages 3 (newest batch of 3 conversations) ·
conversation_events, _pages, _files, _participants, _routing 3 each (first page or answer, 3 conversations) ·
helpdesk_locales 1 ·
helpdesk_categories 1 (first locale) · helpdesk_sections 2 (first two categories) · helpdesk_articles 3
(first page of the first locale + the 2 detail routes of its first article) · campaign_statistics 3 (the first
campaign, once per action) · the other children of campaigns and profiles 1 (the first parent) · every other
top-level stream 1 (its first page or its one request). About 61 requests in all: parent
pages are fetched once and shared. The helpdesk probe adds 3 (helpdesk.py); from the Knowledge Base the three
helpdesk streams sample their first records there instead.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from itertools import islice
from typing import Any, TypeVar

from source_crisp.errors import AccessDenied
from source_crisp.objects import BY_NAME, CrispObject, Pagination
from source_crisp.parents import ChildMissing
from source_crisp.reader import Context, CrispReader, Item
from source_crisp.records import prepare
from source_crisp.schema_inference import infer_columns, json_schema

LOGGER = logging.getLogger("airbyte")
T = TypeVar("T")


def growing_batches(items: Iterable[T], largest: int) -> Iterator[list[T]]:
    """Batches of 1, 2, 4 ... up to `largest` items: a reader that stops after a few records (a discovery
    sample) pays for at most about as many again, not for a whole batch. A discovery-cost rule, so it lives
    here; the streams and the Knowledge Base batch their per-item requests with it."""
    iterator = iter(items)
    size = 1
    while batch := list(islice(iterator, size)):
        yield batch
        size = min(size * 2, largest)


class Discovery:
    def __init__(self, reader: CrispReader) -> None:
        self._reader = reader
        self._raw: dict[str, list[tuple[Item, Context]]] = {}
        self._schemas: dict[str, dict[str, Any]] = {}
        # Routes the token may not read, by stream: the children of a denied parent fail with its denial
        # without asking Crisp again (a token without the people scope costs 1 request, not 1 per child).
        self._denied: dict[str, AccessDenied] = {}

    def schema(self, obj: CrispObject) -> dict[str, Any]:
        if obj.name not in self._schemas:
            samples = [
                prepare(obj, item, context, self._reader.website_id) for item, context in self.raw(obj)
            ]
            self._schemas[obj.name] = json_schema(infer_columns(obj.known_fields, samples))
        return self._schemas[obj.name]

    def raw(self, obj: CrispObject) -> list[tuple[Item, Context]]:
        """A bounded sample of raw items: first page, or the first page of a few sampled parents."""
        if obj.name in self._raw:
            return self._raw[obj.name]
        if obj.name in self._denied:
            raise self._denied[obj.name]
        try:
            sample = self._sample(obj)
        except AccessDenied as denied:
            self._denied[obj.name] = denied
            raise
        self._raw[obj.name] = sample
        return sample

    def _sample(self, obj: CrispObject) -> list[tuple[Item, Context]]:
        contexts: list[Context] = [{}]
        if obj.parent is not None:
            parents = self.raw(BY_NAME[obj.parent])[: obj.sample_parents]
            contexts = [each for item, context in parents for each in obj.contexts_under(item, context)]
        sample: list[tuple[Item, Context]] = []
        for context in contexts:
            try:
                sample.extend((item, context) for item in self._first_page(obj, context))
            except ChildMissing as missing:  # a sample only shapes the schema: no record is lost here
                LOGGER.warning(f"discover: {missing.message} That parent is left out of the sample.")
        if obj.enrichments and sample:
            item, context = sample[0]
            enriched = self._reader.enrich(obj, item, context)
            if enriched is not None:
                sample[0] = (enriched, context)
        return sample

    def _first_page(self, obj: CrispObject, context: Context) -> list[Item]:
        if obj.pagination == Pagination.MESSAGE_WALK:
            reply = self._reader.client.get(self._reader.path(obj.path, context), child=True)
            return [item for item in (reply.data if reply else None) or [] if isinstance(item, dict)]
        first = next(iter(self._reader.pages(obj, context)), None)
        return first.items if first else []
