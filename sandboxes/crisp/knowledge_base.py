"""The same help center as Crisp's new Knowledge Base shows it (npm crisp-api 11.x: `helpdesk/tree/*`,
`helpdesk/page/*`; types HelpdeskTreeEntry, HelpdeskPage, HelpdeskTreeMetadata, HelpdeskLocaleStatistics).

Built from the legacy `Helpdesk` so that both views hold the same help center: a category is a top-level
group, a section a group inside it, an article a page inside its section (or its category when it has no
section, or the root when it has no category). Only the `articles` content type holds anything.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from .helpdesk import Helpdesk

CONTENT_TYPES = ("articles", "guides", "references", "news")
FILLED_CONTENT_TYPE = "articles"
GROUP, PAGE = "group", "entry"  # tree entry `type` values; the real names are undocumented (assumptions.py)


def slug(title: str) -> str:
    return re.sub(r"[^\w]+", "-", title.lower()).strip("-")


@dataclass
class KnowledgeBase:
    trees: dict[str, list[dict]] = field(default_factory=dict)  # locale -> top-level entries, nested
    pages: dict[str, list[dict]] = field(default_factory=dict)  # locale -> HelpdeskPage, in tree order
    metadata: dict[tuple[str, str], dict] = field(default_factory=dict)  # (locale, tree path) -> metadata
    contents: dict[tuple[str, str], str] = field(default_factory=dict)  # (locale, page path) -> Markdown
    paths: dict[tuple[str, str], str] = field(default_factory=dict)  # (locale, legacy id) -> tree path

    def children(self, locale: str, sub_path: str | None) -> list[dict] | None:
        """Entries under `sub_path` (the root when None); None when the path is not a group."""
        entries = self.trees.get(locale, [])
        for part in sub_path.strip("/").split("/") if sub_path else ():
            group = next((e for e in entries if e["slug"] == part and "children" in e), None)
            if group is None:
                return None
            entries = group["children"]
        return entries


def _state(published: bool, hidden: bool, featured: bool) -> dict:
    return {"published": published, "hidden": hidden, "featured": featured}


class _LocaleTree:
    """Builds one locale's tree; `groups` maps a legacy category/section id (None = root) to its group."""

    def __init__(self, kb: KnowledgeBase, locale: str, author_id: str) -> None:
        self.kb, self.locale, self.author = kb, locale, {"user_id": author_id}
        self.root: list[dict] = []
        self.groups: dict[str | None, tuple[str, list[dict]]] = {None: ("", self.root)}

    def add(
        self, legacy_id: str, title: str, parent: str | None, meta: dict, content: str | None = None
    ) -> None:
        parent_path, siblings = self.groups[parent]
        path = f"{parent_path}/{slug(title)}".lstrip("/")
        state = meta.pop("state", _state(True, False, False))
        entry = {
            "type": GROUP if content is None else PAGE,
            "slug": slug(title),
            "title": title,
            "state": state,
        }
        if content is None:
            entry["children"] = []
            self.groups[legacy_id] = (path, entry["children"])
        else:
            self.kb.contents[(self.locale, path)] = content
        siblings.append(entry)
        self.kb.paths[(self.locale, legacy_id)] = path
        self.kb.metadata[(self.locale, path)] = {
            "format": "markdown",
            "title": title,
            "state": state,
            "author": self.author,
            **meta,
        }


def build_knowledge_base(desk: Helpdesk, author_id: str) -> KnowledgeBase:
    kb = KnowledgeBase()
    for locale, categories in desk.categories.items():
        tree = _LocaleTree(kb, locale, author_id)
        for category in categories:
            style = {key: category[key] for key in ("description", "color", "image")}
            tree.add(category["category_id"], category["name"], None, style)
            for section in desk.sections[(locale, category["category_id"])]:
                tree.add(section["section_id"], section["name"], category["category_id"], {})
        for article in desk.articles[locale]:
            link = desk.article_category.get((locale, article["article_id"])) or {}
            state = _state(
                article["status"] == "published", article["visibility"] == "hidden", article["featured"]
            )
            meta = {"state": state, "description": article["description"], "color": None, "image": None}
            parent = link.get("section_id") or link.get("category_id")
            tree.add(article["article_id"], article["title"], parent, meta, article["content"])
        kb.trees[locale] = tree.root
        by_path = {kb.paths[(locale, a["article_id"])]: a for a in desk.articles[locale]}
        kb.pages[locale] = [
            {"entity_id": a["article_id"], "title": a["title"], "tree_path": path, "url": a["url"]}
            for path in _page_paths(tree.root, "")
            for a in (by_path[path],)
        ]
    return kb


def _page_paths(entries: list[dict], prefix: str) -> Iterator[str]:
    """Page paths depth first, in tree order (as the Knowledge Base administration lists them)."""
    for entry in entries:
        path = f"{prefix}/{entry['slug']}".lstrip("/")
        if "children" in entry:
            yield from _page_paths(entry["children"], path)
        else:
            yield path


def locale_statistics(kb: KnowledgeBase, locale: str) -> dict:
    """HelpdeskLocaleStatistics: entries (pages) and groups per content type."""
    groups = sum(
        1 for (loc, path), meta in kb.metadata.items() if loc == locale and (loc, path) not in kb.contents
    )
    filled = {"entries": len(kb.pages.get(locale, ())), "groups": groups}
    return {ct: filled if ct == FILLED_CONTENT_TYPE else {"entries": 0, "groups": 0} for ct in CONTENT_TYPES}
