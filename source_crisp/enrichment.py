"""Per-item routes merged into listed items (objects.Enrichment), with two rules the Crisp docs leave open:

- "the item is gone" versus "a part of it is absent": only the item's own route answering 404 (e.g.
  `article_not_found`) drops the item. A part route answering 404 (`…/article/{id}/category` of an
  uncategorized article: `category_not_found`) keeps the item with that part's columns null, after the item's
  own route confirmed the item still exists (unless it already answered in the same pass);
- fields a list may already carry (`content` of article lists): trusted only once this sync saw the item's own
  route answer the same values for a listed item, so a list carrying an excerpt never replaces the body.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from typing import Any

from source_crisp.client import CrispClient
from source_crisp.objects import CrispObject, Enrichment

LOGGER = logging.getLogger("airbyte")
Item = dict[str, Any]


class Enricher:
    def __init__(
        self,
        client: CrispClient,
        path: Callable[[str, Mapping[str, Any]], str],
        logger: logging.Logger = LOGGER,
    ) -> None:
        self._client = client
        self._path = path
        self._logger = logger
        self._list_is_complete: dict[tuple[str, str], bool] = {}  # (object, route) -> verified this sync
        self._verifying = threading.Lock()  # one item at a time until the listed fields are verified

    def enrich(self, obj: CrispObject, item: Item, context: Mapping[str, Any]) -> Item | None:
        """The item with its per-item routes merged; None when the item itself is gone.

        Thread-safe (the fan-out enriches a page's items at once): while the list's fields are unverified,
        items that carry them go one at a time, so exactly one verifies and the others then trust the list
        or not, as a sequential read would."""
        if self._unverified(obj, item):
            with self._verifying:
                if self._unverified(obj, item):
                    return self._enrich(obj, item, context)
        return self._enrich(obj, item, context)

    def _unverified(self, obj: CrispObject, item: Item) -> bool:
        return any(
            enrichment.listed
            and (obj.name, enrichment.path) not in self._list_is_complete
            and all(name in item for name in enrichment.listed)
            for enrichment in obj.enrichments
        )

    def _enrich(self, obj: CrispObject, item: Item, context: Mapping[str, Any]) -> Item | None:
        confirmed = False  # the item's own route answered during this pass
        for enrichment in obj.enrichments:
            values = {**item, **context}
            if self._list_suffices(obj, enrichment, item):
                continue
            reply = self._client.get(
                self._path(enrichment.path, values), child=True, quiet=not enrichment.is_item
            )
            if reply is None:
                if enrichment.is_item or not (confirmed or self._still_exists(obj, values)):
                    return None
                self._logger.info(
                    f"{obj.name}: /{self._path(enrichment.path, values)} answered 404 while the item exists: "
                    f"that part is absent, so {', '.join(enrichment.keep or ())} are emitted null."
                )
                answer: Mapping[str, Any] = {}
            else:
                answer = reply.data if isinstance(reply.data, dict) else {}
                if enrichment.is_item:
                    confirmed = True
                    self._verify_list(obj, enrichment, item, answer)
            if enrichment.keep is not None:
                answer = {name: answer.get(name) for name in enrichment.keep}
            item = {**item, **answer}
        return item

    def _still_exists(self, obj: CrispObject, values: Mapping[str, Any]) -> bool:
        own = next((e for e in obj.enrichments if e.is_item), None)
        # Without an own route, a part's 404 cannot be told from a deletion: the item is kept (nothing lost).
        return own is None or self._client.get(self._path(own.path, values), child=True) is not None

    def _list_suffices(self, obj: CrispObject, enrichment: Enrichment, item: Item) -> bool:
        listed = bool(enrichment.listed) and all(name in item for name in enrichment.listed)
        return listed and self._list_is_complete.get((obj.name, enrichment.path)) is True

    def _verify_list(self, obj: CrispObject, enrichment: Enrichment, item: Item, answer: Mapping) -> None:
        key = (obj.name, enrichment.path)
        if key in self._list_is_complete or not enrichment.listed:
            return
        if not all(name in item for name in enrichment.listed):
            return  # the list lacks the fields: every item is read on its own route
        same = all(item[name] == answer.get(name) for name in enrichment.listed)
        self._list_is_complete[key] = same
        fields = ", ".join(enrichment.listed)
        if same:
            self._logger.info(
                f"{obj.name}: list items carry the same {fields} as their own route: list trusted."
            )
        else:
            self._logger.warning(
                f"{obj.name}: list items carry a {fields} that differs from their own route (an excerpt?): "
                "every item is read on its own route (one request each)."
            )
