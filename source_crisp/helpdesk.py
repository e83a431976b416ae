"""Which helpdesk a workspace answers, probed once per sync, and the helpdesk streams that read either one.

Crisp serves one help center through two families of routes (reference §4.9): the legacy helpdesk
(`helpdesk/locale/{locale}/categories|articles|…`, npm crisp-api 10.11) and the new Knowledge Base
(`helpdesk/tree/…`, `helpdesk/page/…`, npm crisp-api 11.x, which removed the legacy ones). The probe asks the
first locale for both; the streams then read the one that answers (the Knowledge Base when both do) and emit
the same four streams. What the probe can find, and what the streams do:

- no help center (`helpdesk/locales` answers 404) or one without locales: the streams are empty, logged once;
- only one family answers: it is read;
- locales answer but neither family does: categories, sections and articles fail with one error naming both
  routes (stream status INCOMPLETE, the sync exits non-zero); other streams are read as usual.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from enum import Enum
from itertools import islice
from typing import Any

from airbyte_cdk.models import FailureType
from airbyte_cdk.utils.traced_exception import AirbyteTracedException

from source_crisp.assumptions import KNOWLEDGE_BASE_CONTENT_TYPE
from source_crisp.checkpoint import Checkpoint, Output
from source_crisp.config import IncrementalSettings
from source_crisp.discovery import Discovery
from source_crisp.knowledge_base import TREE, KnowledgeBase
from source_crisp.objects import BY_NAME, CrispObject
from source_crisp.reader import Context, CrispReader, Item
from source_crisp.records import prepare
from source_crisp.schema_inference import infer_columns, json_schema
from source_crisp.streams import CrispStream

LOGGER = logging.getLogger("airbyte")
LOCALES = BY_NAME["helpdesk_locales"]
LEGACY_PROBE = BY_NAME["helpdesk_categories"]
KNOWLEDGE_BASE_SAMPLE = 3  # discovery: records sampled from the Knowledge Base per stream


class HelpdeskKind(Enum):
    LEGACY = "legacy helpdesk"
    KNOWLEDGE_BASE = "new Knowledge Base"
    NO_HELP_CENTER = "no help center"
    NO_LOCALES = "no locale"
    UNREADABLE = "unreadable"


@dataclass(frozen=True)
class HelpdeskProbe:
    kind: HelpdeskKind
    summary: str  # one line for `check` and the log

    @property
    def readable(self) -> bool:
        return self.kind != HelpdeskKind.UNREADABLE


class Helpdesk:
    """Shared by the helpdesk streams of one sync: the probe (once) and the records from the route family."""

    def __init__(self, reader: CrispReader, logger: logging.Logger = LOGGER) -> None:
        self._reader = reader
        self._logger = logger
        self._probe: HelpdeskProbe | None = None
        self.knowledge_base = KnowledgeBase(reader, logger)

    def probe(self) -> HelpdeskProbe:
        if self._probe is None:
            self._probe = self._run_probe()
            level = logging.INFO if self._probe.readable else logging.ERROR
            self._logger.log(level, self._probe.summary)
        return self._probe

    def report(self) -> None:
        """For `check`: log which helpdesk answers. Never fails check: a token that may not read the helpdesk
        is still fine for the other streams (the helpdesk streams say so when they are read)."""
        try:
            self.probe()
        except AirbyteTracedException as error:
            self._logger.warning(f"helpdesk: could not be probed: {error.message}")

    def _answers(self, obj: CrispObject, context: Context) -> list[Item] | None:
        # Through the page store: the streams' walks then read these first pages without asking again.
        return self._reader.first_page(obj, context)

    def _run_probe(self) -> HelpdeskProbe:
        locales = self._answers(LOCALES, {})
        if locales is None:
            return HelpdeskProbe(
                HelpdeskKind.NO_HELP_CENTER,
                "helpdesk: none, the website has no help center (helpdesk/locales answered 404): the "
                "helpdesk streams are empty.",
            )
        if not locales:
            return HelpdeskProbe(
                HelpdeskKind.NO_LOCALES,
                "helpdesk: the help center has no locale yet: the helpdesk streams are empty.",
            )
        locale = str(locales[0].get("locale"))
        knowledge_base = self._answers(TREE, {"locale": locale}) is not None
        legacy = self._answers(LEGACY_PROBE, {"locale": locale}) is not None
        kb_route = f"helpdesk/tree/list/{locale}/{KNOWLEDGE_BASE_CONTENT_TYPE}/1"
        legacy_route = f"helpdesk/locale/{locale}/categories/1"
        if knowledge_base:
            also = "the legacy routes answer too" if legacy else "the legacy routes are absent"
            summary = f"helpdesk: new Knowledge Base, read through {kb_route} and its page routes ({also})."
            return HelpdeskProbe(HelpdeskKind.KNOWLEDGE_BASE, summary + _not_carried(locales))
        if legacy:
            return HelpdeskProbe(
                HelpdeskKind.LEGACY,
                f"helpdesk: legacy helpdesk routes, read through {legacy_route} (no Knowledge Base routes).",
            )
        return HelpdeskProbe(
            HelpdeskKind.UNREADABLE,
            f"helpdesk: the help center has locales but answers neither the new Knowledge Base ({kb_route}) "
            f"nor the legacy helpdesk ({legacy_route}): both 404, so no category, section or article can be "
            "read. Report it to Crisp support with this message, or deselect helpdesk_categories, "
            "helpdesk_sections and helpdesk_articles.",
        )

    def items(self, obj: CrispObject) -> Iterator[tuple[Item, Context]]:
        """Every listed item of a helpdesk stream, from the family the probe found."""
        probe = self.probe()
        if probe.kind == HelpdeskKind.UNREADABLE:
            raise AirbyteTracedException(
                message=f"{obj.name}: {probe.summary}", failure_type=FailureType.system_error
            )
        if probe.kind == HelpdeskKind.LEGACY:
            yield from self._reader.items(obj)
        elif probe.kind == HelpdeskKind.KNOWLEDGE_BASE:
            read = {
                "helpdesk_categories": self.knowledge_base.categories,
                "helpdesk_sections": self.knowledge_base.sections,
                "helpdesk_articles": self.knowledge_base.articles,
            }[obj.name]
            for locale_item, _ in self._reader.items(LOCALES):
                context = {"locale": locale_item.get("locale")}
                for item in read(str(context["locale"])):
                    yield item, context


def _not_carried(locales: list[Item]) -> str:
    """What the Knowledge Base holds beyond the content type the helpdesk streams carry (per locale stats)."""
    others: dict[str, int] = {}
    for locale in locales:
        for content_type, counts in (locale.get("statistics") or {}).items():
            if content_type != KNOWLEDGE_BASE_CONTENT_TYPE and isinstance(counts, dict):
                others[content_type] = others.get(content_type, 0) + int(counts.get("entries") or 0)
    held = ", ".join(f"{count} {content_type}" for content_type, count in sorted(others.items()) if count)
    return f" Not read: {held} pages (content types the helpdesk streams do not carry yet)." if held else ""


class HelpdeskStream(CrispStream):
    """helpdesk_categories, helpdesk_sections, helpdesk_articles: from the family the probe found."""

    def __init__(
        self,
        obj: CrispObject,
        reader: CrispReader,
        settings: IncrementalSettings,
        discovery: Discovery,
        helpdesk: Helpdesk,
    ) -> None:
        super().__init__(obj, reader, settings, discovery)
        self._helpdesk = helpdesk

    def _kind(self) -> HelpdeskKind:
        return self._helpdesk.probe().kind

    def get_json_schema(self) -> Any:
        if self._schema is None:
            kind = self._kind()
            if kind == HelpdeskKind.LEGACY:
                self._schema = self._discovery.schema(self.obj)
            else:
                sample = []
                if kind == HelpdeskKind.KNOWLEDGE_BASE:  # a few records sampled, like Discovery does
                    items = islice(self._helpdesk.items(self.obj), KNOWLEDGE_BASE_SAMPLE)
                    sample = [
                        prepare(self.obj, item, context, self._reader.website_id) for item, context in items
                    ]
                self._schema = json_schema(infer_columns(self.obj.known_fields, sample))
        return self._schema

    def _enrich(self, item: Item, context: Context) -> Item | None:
        if self._kind() == HelpdeskKind.KNOWLEDGE_BASE:
            return item  # already complete: no legacy per-item routes
        return super()._enrich(item, context)

    def _items(self) -> Iterator[tuple[Item, Context]]:
        return self._helpdesk.items(self.obj)

    def _incremental(self, cursor: str) -> Output:
        if self._kind() == HelpdeskKind.LEGACY:
            yield from super()._incremental(cursor)
            return
        if self._kind() == HelpdeskKind.KNOWLEDGE_BASE:
            # Knowledge Base items carry no timestamps: none can be proven unchanged, so none is skipped.
            LOGGER.info(f"{self.name}: the Knowledge Base gives no '{cursor}', so every item is emitted.")
        yield from self._full_refresh()
        yield Checkpoint({cursor: self._state_for(cursor).get(cursor)})
