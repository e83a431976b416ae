"""Helpdesk: locales -> languages, categories (sections folded in) -> categories, articles -> articles,
then the link pass. Runs once all records of the sync are in (they wait durably in the ledger until then),
in that order, because articles need their category and links need every article's Convot URL.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from destination_convot import assumptions, mapping
from destination_convot import helpdesk_mapping as H
from destination_convot.counters import CREATED, MATCHED, UNCHANGED, UPDATED
from destination_convot.errors import (
    HELP_CENTER_STREAMS,
    ConvotAuthError,
    ConvotRejected,
    ScopeMissing,
    StreamUnwritable,
)
from destination_convot.ledger import Entry, Intent, Pending
from destination_convot.routes import COUNTER_OF_KIND
from destination_convot.work import Lane, WorkContext, convot_id, mapped

logger = logging.getLogger("airbyte")
HELP_CENTER = "help center (languages, categories and articles)"
LINKS_REWRITTEN = "links rewritten"
LINKS_KEPT_ON_CRISP = "links to Crisp kept: Convot gave no slug (URL) for the article linked to"
NO_LANGUAGES_API = "not created: Convot has no languages API (locale sent on categories and articles)"


class HelpdeskImporter:
    def __init__(self, context: WorkContext) -> None:
        self.context = context
        self.problem: StreamUnwritable | None = None  # the help center could not be written at all

    def run(self) -> None:
        """Languages, categories, articles, links. A missing help-center route stops only this pass: its
        records stay pending in the ledger, and the writer ends the run with `problem` as its error."""
        try:
            self.import_languages()
            for kind, write in (("category", self._write_category), ("article", self._write_article)):
                self.context.pool.run(
                    ((kind, row.crisp_id), self._lane(row, write))
                    for row in self.context.ledger.pending(kind)
                )
            self.rewrite_links()
        except StreamUnwritable as problem:
            self.problem = problem
            logger.error(str(problem))
        except ConvotAuthError as error:
            if error.status != 403:
                raise  # 401: the key itself is wrong, the whole sync stops
            self.problem = ScopeMissing(
                HELP_CENTER, HELP_CENTER_STREAMS, "helpdesk:read and helpdesk:write", error
            )
            logger.error(str(self.problem))

    def _lane(self, row: Pending, write: Callable[[Pending], None]) -> Lane:
        return lambda: write(row)

    # -- languages ---------------------------------------------------------------------------------
    def import_languages(self) -> None:
        rows = self.context.ledger.pending("language")
        if not rows:
            return
        listed = self.context.api.list_languages()
        existing = {language.get("locale"): language for language in listed or []}
        for row in rows:
            payload = H.language_payload(row.record)
            language = existing.get(payload["locale"])
            outcome = UNCHANGED
            if language is None and listed is not None:
                try:
                    language = self.context.api.create_language(payload)
                except ConvotRejected as error:
                    self.context.rejected("languages", f"language {payload['locale']}", error)
                    self.context.ledger.drop_pending("language", row.website_id, row.crisp_id)
                    continue
                outcome = CREATED
            if language is None:  # no languages API: the locale travels on categories and articles
                self.context.counters.skip("languages", NO_LANGUAGES_API)
                self.context.ledger.drop_pending("language", row.website_id, row.crisp_id)
                continue
            self.context.ledger.confirm(
                row.website_id,
                [("language", row.crisp_id, Entry(language.get("id"), mapping.content_hash(payload), {}))],
                done=[("language", row.crisp_id)],
            )
            self.context.counters.add("languages", outcome)

    # -- categories and articles -------------------------------------------------------------------
    def _write_category(self, row: Pending) -> None:
        payload = mapped(self.context, row, "categories", H.category_payload)
        if payload is not None:
            self._upsert(row, "categories", payload)

    def _write_article(self, row: Pending) -> None:
        record = row.record
        section = self._section(row.website_id, record)
        category_key = record.get("category_id") or (section or {}).get("category_id")
        category = self.context.ledger.get("category", row.website_id, f"{record['locale']}:{category_key}")
        if category_key and category is None:
            self.context.counters.skip("articles", "category unknown: imported uncategorized instead")
        category_id = convot_id(category.convot_id) if category else None
        payload = mapped(
            self.context,
            row,
            "articles",
            lambda r: H.article_payload(r, category_id, (section or {}).get("order")),
        )
        if payload is None:  # counted and named by `mapped`
            return
        self.context.ledger.set_facts(
            "article_source",
            [(row.website_id, row.crisp_id, {"url": record.get("url"), "content": payload["content"]})],
        )
        self._upsert(row, "articles", payload, on_create=H.crisp_slug(record))

    def _section(self, website_id: str, article: dict[str, Any]) -> dict[str, Any] | None:
        if article.get("section_id") is None:
            return None
        return self.context.ledger.fact("section", website_id, f"{article['locale']}:{article['section_id']}")

    def _upsert(
        self, row: Pending, counter: str, payload: dict[str, Any], on_create: dict[str, Any] | None = None
    ) -> None:
        """Create once (intent first), PATCH when the content changed, nothing when unchanged. `on_create`:
        fields sent only when creating (an article's slug), outside the content hash."""
        kind = row.kind
        known = self.context.ledger.get(kind, row.website_id, row.crisp_id)
        if known is None or not known.convot_id:
            known = self._held(kind, payload, known)
        digest = mapping.content_hash(payload)
        if known and known.content_hash == digest:
            self.context.counters.add(counter, UNCHANGED)
            self.context.ledger.drop_pending(kind, row.website_id, row.crisp_id)
            return
        created = {**payload, **(on_create or {})}
        if known is None:
            self.context.ledger.record_intent(
                Intent(row.website_id, kind, row.crisp_id, None, {"request": created, "hash": digest})
            )
        try:
            if known is None:
                held = self.context.api.create_helpdesk(kind, created)
            else:
                held = self.context.api.update_helpdesk(kind, known.convot_id, payload)
        except StreamUnwritable:
            self.context.ledger.clear_intent(kind, row.website_id, row.crisp_id)  # nothing was created
            raise  # the record stays pending for the next sync
        except ConvotRejected as error:
            self.context.ledger.clear_intent(kind, row.website_id, row.crisp_id)
            self.context.ledger.drop_pending(kind, row.website_id, row.crisp_id)
            self.context.rejected(counter, f"{kind} {row.crisp_id}", error)
            return
        extra = {**(known.extra if known else {}), **held_extra(held, payload)}
        object_id = held.get("id") or (known and known.convot_id)
        if kind == "article" and not extra.get("slug") and object_id:
            extra.update(self._read_back(kind, object_id, payload))
        entry = Entry(object_id, digest, extra)
        self.context.ledger.confirm(
            row.website_id, [(kind, row.crisp_id, entry)], done=[(kind, row.crisp_id)]
        )
        self.context.counters.add(counter, CREATED if known is None else UPDATED)

    def _read_back(self, kind: str, object_id: Any, payload: dict[str, Any]) -> dict[str, Any]:
        """An answer without the slug (the docs do not say Convot returns it): ask for the object once."""
        try:
            return held_extra(self.context.api.read_helpdesk(kind, object_id), payload)
        except ConvotRejected:
            return {}  # unknown: the link pass names what it could not rewrite

    def _held(self, kind: str, payload: dict[str, Any], known: Entry | None) -> Entry | None:
        """While rebuilding (or for an entry without its Convot id): the object Convot holds by external id,
        so it is updated, not created a second time."""
        if known is None and self.context.existing is None:
            return None
        external_id = payload[assumptions.EXTERNAL_ID_FIELD]
        if self.context.existing is not None:
            held = self.context.existing.find(kind, external_id)
        else:
            held = self.context.api.find_helpdesk(kind, external_id)
            held = held if held and held.get(assumptions.EXTERNAL_ID_FIELD) == external_id else None
        if not held or not held.get("id"):
            return None
        self.context.counters.add(COUNTER_OF_KIND[kind], MATCHED)
        return Entry(str(held["id"]), None, held_extra(held, payload))

    # -- links -------------------------------------------------------------------------------------
    def rewrite_links(self) -> None:
        """Second pass: links to other Crisp articles -> Convot URLs; PATCH only bodies that change. An
        article whose slug Convot never gave has no known URL: links to it stay on Crisp, and the run says
        how many articles keep such links."""
        sources = {
            (website, key): value for website, key, value in self.context.ledger.facts("article_source")
        }
        articles = [
            (website, key, entry)
            for website, key, entry in self.context.ledger.entries("article")
            if (website, key) in sources and entry.convot_id
        ]
        url_map: dict[str, dict[str, str]] = {}
        unknown: dict[str, list[str]] = {}  # website -> Crisp URLs of articles whose Convot URL is unknown
        for website, key, entry in articles:
            crisp_url = sources[(website, key)].get("url")
            if not isinstance(crisp_url, str) or not crisp_url:  # a link is text; anything else links nothing
                continue
            if not entry.extra.get("slug"):
                unknown.setdefault(website, []).append(crisp_url)
                continue
            url = H.convot_article_url(
                self.context.config.help_center_url, entry.extra["locale"], entry.extra["slug"]
            )
            url_map.setdefault(website, {})[crisp_url] = url
        lanes = [
            self._link_lane(
                website, key, entry, H.rewrite_links(sources[(website, key)]["content"], url_map[website])
            )
            for website, key, entry in articles
            if website in url_map
        ]
        self.context.pool.run(
            (("links", index), lane) for index, lane in enumerate(lanes) if lane is not None
        )
        self._report_unrewritten(sources, articles, unknown)

    def _report_unrewritten(
        self,
        sources: dict[tuple[str, str], dict[str, Any]],
        articles: list[tuple[str, str, Entry]],
        unknown: dict[str, list[str]],
    ) -> None:
        if not unknown:
            return
        keeping = sum(
            1
            for website, key, _ in articles
            if website in unknown
            and H.links_to_any(sources[(website, key)].get("content") or "", unknown[website])
        )
        without = sum(len(urls) for urls in unknown.values())
        if keeping:
            self.context.counters.skip("articles", LINKS_KEPT_ON_CRISP, keeping)
        logger.warning(
            f"Convot did not give the slug of {without} article(s) (in its create answer or when read back), "
            f"so their Convot URL is unknown: {keeping} article(s) keep links to them pointing at Crisp. Fix "
            "those links in Convot by hand, or ask Convot to return `slug` on articles and re-run."
        )

    def _link_lane(self, website: str, key: str, entry: Entry, body: str) -> Lane | None:
        body_hash = mapping.content_hash(body)
        if entry.extra.get("body_hash") == body_hash:
            return None

        def lane() -> None:
            try:
                self.context.api.update_helpdesk("article", entry.convot_id, {"content": body})
            except ConvotRejected as error:
                self.context.rejected("articles", f"links of article {key}", error)
                return
            extra = {**entry.extra, "body_hash": body_hash}
            self.context.ledger.confirm(
                website, [("article", key, Entry(entry.convot_id, entry.content_hash, extra))]
            )
            self.context.counters.add("articles", LINKS_REWRITTEN)

        return lane


def held_extra(held: dict[str, Any], payload: dict[str, Any]) -> dict[str, Any]:
    """What the link pass needs to know about an article Convot holds."""
    if "title" not in payload:
        return {}
    extra = {
        "slug": held.get("slug"),
        "locale": held.get("locale") or payload.get("locale"),
        "body_hash": mapping.content_hash(held.get("content", payload.get("content"))),
    }
    return {
        key: value for key, value in extra.items() if value is not None
    }  # a terse answer keeps what we knew
