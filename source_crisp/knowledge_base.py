"""Reading Crisp's new Knowledge Base (npm crisp-api 11.x) as the legacy helpdesk streams' records.

Routes and types (WebsiteHelpdesk in the official Node client): `helpdesk/tree/list/{locale}/{type}/{page}`
(HelpdeskTreeEntry: type, slug, title, state, children; `sub_path` lists under a group),
`helpdesk/page/list/{locale}/{type}/{page}` (HelpdeskPage: entity_id, title, tree_path, url),
`helpdesk/tree/metadata|content/{locale}/{type}/{tree path}` (HelpdeskTreeMetadata, HelpdeskTreeContent).

How the tree becomes the legacy streams (the content type `articles` only, assumptions.py):
- a page is an entry listed by page/list; every other tree entry is a group (no `type` string is relied on);
- a group at the root is a category (`category_id` = its tree path), a group inside it a section
  (`section_id` = its tree path); deeper groups fold into their section;
- a page is an article (`article_id` = entity_id) in the category and section its tree path lies under;
- `order` is the 1-based position among the siblings of the same kind (groups or pages).
The Knowledge Base types carry no timestamps, visits or category url: those columns are null.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any
from urllib.parse import quote

from source_crisp.assumptions import KNOWLEDGE_BASE_CONTENT_TYPE, KNOWLEDGE_BASE_MAX_DEPTH
from source_crisp.discovery import growing_batches
from source_crisp.objects import CrispObject, Pagination
from source_crisp.reader import CrispReader, Item

LOGGER = logging.getLogger("airbyte")
_KB = "website/{website_id}/helpdesk"


def _list(name: str, path: str, key: str) -> CrispObject:
    return CrispObject(
        name=name,
        description=f"Knowledge Base {name} (read by the helpdesk streams, not a stream itself)",
        path=_KB + path,
        pagination=Pagination.FIXED_PAGE,
        primary_key=(key,),
        known_fields=MappingProxyType({}),
        parent="helpdesk_locales",  # a 404 is the child policy's: skipped with a warning
    )


TREE = _list("tree", "/tree/list/{locale}/" + KNOWLEDGE_BASE_CONTENT_TYPE + "/{page}", "slug")
PAGES = _list("pages", "/page/list/{locale}/" + KNOWLEDGE_BASE_CONTENT_TYPE + "/{page}", "entity_id")


@dataclass(frozen=True)
class Node:
    path: str
    title: str | None
    order: int  # among the siblings of the same kind
    category: str | None  # tree path of the root group above (or at) this node
    section: str | None  # tree path of the second-level group above (or at) this node
    depth: int  # 1 = at the root
    state: dict[str, Any]


@dataclass
class LocaleTree:
    groups: list[Node]
    pages: dict[str, Node]  # tree path -> placement of a page
    listed: list[Item]  # page/list items, in their order
    page_paths: set[str]  # their tree paths: every other tree entry is a group


def clean(path: Any) -> str:
    return str(path or "").strip("/")


class KnowledgeBase:
    def __init__(self, reader: CrispReader, logger: logging.Logger = LOGGER) -> None:
        self._reader = reader
        self._logger = logger
        # Held for the three streams of one sync; a help center is small (one Node per entry).
        self._trees: dict[str, LocaleTree] = {}

    # --- the records of each stream, for one locale ----------------------------------------------------
    def categories(self, locale: str) -> Iterator[Item]:
        roots = [group for group in self._tree(locale).groups if group.depth == 1]
        for group, meta in self._each(roots, lambda group: self._read("metadata", locale, group.path)):
            if meta is not None:
                yield {
                    "category_id": group.path,
                    "name": meta.get("title") or group.title,
                    "description": meta.get("description"),
                    "color": meta.get("color"),
                    "image": meta.get("image"),
                    "order": group.order,
                }

    def sections(self, locale: str) -> Iterator[Item]:
        for group in self._tree(locale).groups:
            if group.depth == 2:
                yield {
                    "section_id": group.path,
                    "category_id": group.category,
                    "name": group.title,
                    "order": group.order,
                }

    def articles(self, locale: str) -> Iterator[Item]:
        tree = self._tree(locale)
        unplaced = 0
        for page, (meta, body) in self._each(tree.listed, lambda page: self._page(locale, page)):
            path = clean(page.get("tree_path"))
            node = tree.pages.get(path)
            unplaced += node is None
            if meta is None or body is None:
                continue  # deleted since it was listed (the client warned)
            state = meta.get("state") or (node.state if node else {})
            yield {
                "article_id": page.get("entity_id"),
                "title": meta.get("title") or page.get("title"),
                "description": meta.get("description"),
                "content": body.get("content"),
                "status": _flag(state.get("published"), "published", "draft"),
                "visibility": _flag(state.get("hidden"), "hidden", "visible"),
                "featured": state.get("featured"),
                "order": node.order if node else None,
                "url": page.get("url"),
                "category_id": node.category if node else None,
                "section_id": node.section if node else None,
                "tree_path": path,
                "format": meta.get("format"),
                "author": meta.get("author"),
            }
        if unplaced:
            self._logger.warning(
                f"helpdesk_articles: {unplaced} Knowledge Base page(s) of locale {locale} have a tree_path "
                "that matches no entry of the tree: emitted with category_id and section_id null."
            )

    def _page(self, locale: str, page: Item) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
        """A page's metadata and content (content only while the metadata says it exists)."""
        path = clean(page.get("tree_path"))
        meta = self._read("metadata", locale, path)
        return meta, self._read("content", locale, path) if meta is not None else None

    def _each(self, entries: list[Any], read: Callable[[Any], Any]) -> Iterator[tuple[Any, Any]]:
        """(entry, read(entry)) in order, the reads through the fan-out in growing batches."""
        for batch in growing_batches(entries, self._reader.page_size):
            yield from zip(batch, self._reader.fan_out.map(read, batch), strict=True)

    # --- walking the tree --------------------------------------------------------------------------------
    def _tree(self, locale: str) -> LocaleTree:
        if locale not in self._trees:
            listed = [item for page in self._reader.pages(PAGES, {"locale": locale}) for item in page.items]
            tree = LocaleTree([], {}, listed, {clean(item.get("tree_path")) for item in listed})
            self._walk(tree, locale, self._entries(locale, None), None)
            self._trees[locale] = tree
        return self._trees[locale]

    def _entries(self, locale: str, sub_path: str | None) -> list[Item]:
        params = {"sub_path": sub_path} if sub_path else None
        return [item for page in self._reader.pages(TREE, {"locale": locale}, params) for item in page.items]

    def _walk(self, tree: LocaleTree, locale: str, entries: list[Item], parent: Node | None) -> None:
        """Place `entries` (the children of `parent`, the root when None), then walk their groups."""
        counts = {"group": 0, "page": 0}
        depth = parent.depth + 1 if parent else 1
        for entry in entries:
            path = f"{parent.path if parent else ''}/{entry.get('slug')}".lstrip("/")
            is_group = path not in tree.page_paths
            counts["group" if is_group else "page"] += 1
            category = parent.category if parent else None
            section = parent.section if parent else None
            if is_group:  # a root group is a category, the groups inside it sections (deeper ones fold in)
                category, section = category or path, section or (path if depth == 2 else None)
            node = Node(path, entry.get("title"), counts["group" if is_group else "page"], category, section,
                        depth, entry.get("state") or {})  # fmt: skip
            if not is_group:
                tree.pages[path] = node
                continue
            tree.groups.append(node)
            if depth >= KNOWLEDGE_BASE_MAX_DEPTH:
                self._logger.warning(f"helpdesk: Knowledge Base group {path} is nested too deep; not walked.")
                continue
            children = entry.get("children")
            if not isinstance(children, list):  # a listing without subtrees: ask for this group's entries
                children = self._entries(locale, path)
            self._walk(tree, locale, children, node)

    def _read(self, kind: str, locale: str, path: str) -> dict[str, Any] | None:
        """`tree/metadata` or `tree/content` of one tree path (each segment quoted, the slashes kept)."""
        route = self._reader.path(
            _KB + "/tree/" + kind + "/{locale}/" + KNOWLEDGE_BASE_CONTENT_TYPE, {"locale": locale}
        )
        segments = "/".join(quote(segment, safe="") for segment in path.split("/"))
        reply = self._reader.client.get(f"{route}/{segments}", child=True)
        if reply is None:
            return None
        return reply.data if isinstance(reply.data, dict) else {}


def _flag(value: Any, when_true: str, when_false: str) -> str | None:
    return None if value is None else (when_true if value else when_false)
